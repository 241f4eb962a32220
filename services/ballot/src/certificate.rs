//! Election certificate (当选证书) rendering.
//!
//! Draws a one-page A4 portrait PDF: a double border, the title "当选证书", the
//! salutation and body paragraph (wrapped by character count), "特发此证。", the
//! issuing election committee and the election date at the bottom right, and the
//! certificate number at the bottom left. For drills a large light-grey "演练"
//! watermark is drawn behind the text and a red "演练，不具法律效力" line under the
//! title. All text is real, extractable text in the given font (krilla subsets it).

use anyhow::anyhow;
use juxuan_print::krilla::Document;
use juxuan_print::krilla::metadata::Metadata;
use juxuan_print::krilla::page::PageSettings;
use juxuan_print::{FontFile, PAGE_H, PAGE_W, Pen, date_zh, drill_watermark, rectangle, wrap};

const LEFT: f32 = 90.0;
const RIGHT: f32 = PAGE_W - 90.0;
const BODY: f32 = 16.0;
const LINE: f32 = 30.0;

/// What a certificate shows.
pub struct CertificateData<'a> {
    pub certificate_no: &'a str,
    pub name: &'a str,
    pub position_zh: &'a str,
    pub election_title: &'a str,
    pub community: &'a str,
    pub street: &'a str,
    pub election_day: time::Date,
    pub votes: u64,
    pub drill: bool,
}

const BORDER: (u8, u8, u8) = (160, 30, 30);

/// Renders the certificate; errors (a font krilla cannot parse, a PDF error) are anyhow errors.
pub fn render(font: &FontFile, data: &CertificateData<'_>) -> anyhow::Result<Vec<u8>> {
    let pdf_font = font.pdf_font()?;
    let day = date_zh(data.election_day);

    let mut document = Document::new();
    document.set_metadata(
        Metadata::new()
            .title(format!("当选证书 {}", data.certificate_no))
            .language("zh-CN".to_owned()),
    );
    let settings =
        PageSettings::from_wh(PAGE_W, PAGE_H).ok_or_else(|| anyhow!("invalid A4 page size"))?;
    let mut page = document.start_page_with(settings);
    let mut surface = page.surface();

    rectangle(
        &mut surface,
        (30.0, 30.0, PAGE_W - 30.0, PAGE_H - 30.0),
        BORDER,
        3.0,
    )?;
    rectangle(
        &mut surface,
        (38.0, 38.0, PAGE_W - 38.0, PAGE_H - 38.0),
        BORDER,
        1.0,
    )?;
    if data.drill {
        drill_watermark(&mut surface, &pdf_font);
    }

    let mut pen = Pen {
        surface: &mut surface,
        font: pdf_font,
    };
    pen.colour(0, 0, 0);
    pen.centred(36.0, 150.0, "当选证书");
    if data.drill {
        pen.colour(200, 0, 0);
        pen.centred(BODY, 190.0, "演练，不具法律效力");
        pen.colour(0, 0, 0);
    }

    let mut y = 250.0;
    pen.at(BODY, LEFT, y, &format!("{} 同志：", data.name));
    let body = format!(
        "在{day}举行的{}{}居民委员会选举（{}）中，您以 {} 票当选为社区居民委员会{}。",
        data.street, data.community, data.election_title, data.votes, data.position_zh
    );
    let indent = 2.0 * BODY;
    let lines = wrap(&body, BODY, RIGHT - LEFT - indent, RIGHT - LEFT);
    for (i, line) in lines.iter().enumerate() {
        y += LINE;
        pen.at(BODY, if i == 0 { LEFT + indent } else { LEFT }, y, line);
    }
    pen.at(BODY, LEFT + indent, y + LINE, "特发此证。");

    let committee = format!("{}{}居民委员会选举委员会", data.street, data.community);
    pen.right(BODY, RIGHT, 680.0, &committee);
    pen.right(BODY, RIGHT, 710.0, &day);
    let number = format!("证书编号：{}", data.certificate_no);
    pen.at(12.0, LEFT, 770.0, &number);

    surface.finish();
    page.finish();
    let pdf = document.finish();
    pdf.map_err(|e| anyhow!("writing the certificate PDF failed: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_drill_certificate() -> anyhow::Result<()> {
        let font = juxuan_print::test_font()?;
        let data = CertificateData {
            certificate_no: "2024-220102-0001",
            name: "甲五",
            position_zh: "主任",
            election_title: "城南街道社区居民委员会补选",
            community: "东苑社区",
            street: "城南街道",
            election_day: time::Date::from_calendar_date(2024, time::Month::May, 24)?,
            votes: 1234,
            drill: true,
        };
        let pdf = render(&font, &data)?;
        // To look at it: JUXUAN_CERTIFICATE_OUT=/tmp/certificate.pdf cargo test -p juxuan-ballot
        if let Ok(out) = std::env::var("JUXUAN_CERTIFICATE_OUT") {
            std::fs::write(out, &pdf)?;
        }
        assert!(pdf.starts_with(b"%PDF"), "output is not a PDF");
        assert!(
            pdf.len() > 1000,
            "PDF suspiciously small: {} bytes",
            pdf.len()
        );
        Ok(())
    }
}
