//! Election certificate (当选证书) rendering.
//!
//! Draws a one-page A4 portrait PDF: a double border, the title "当选证书", the
//! salutation and body paragraph (wrapped by character count), "特发此证。", the
//! issuing election committee and the election date at the bottom right, and the
//! certificate number at the bottom left. For drills a large light-grey "演练"
//! watermark is drawn behind the text and a red "演练，不具法律效力" line under the
//! title. All text is real, extractable text in the given font (krilla subsets it).

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, anyhow};
use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect, Transform};
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::text::{Font, TextDirection};

const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
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

/// A font: the bytes of a TrueType/OpenType file or collection and the face index.
#[derive(Clone)]
pub struct CertificateFont {
    pub data: Arc<Vec<u8>>,
    pub index: u32,
}

impl CertificateFont {
    /// Reads the font from a path (a .ttc/.ttf/.otf), face `index`.
    pub fn load(path: &Path, index: u32) -> anyhow::Result<Self> {
        let data = std::fs::read(path)
            .with_context(|| format!("reading certificate font {}", path.display()))?;
        Ok(Self {
            data: Arc::new(data),
            index,
        })
    }
}

/// Width of one character at `size`: CJK glyphs are square, ASCII counts as half width.
fn char_width(c: char, size: f32) -> f32 {
    if c.is_ascii() { size * 0.5 } else { size }
}

fn text_width(text: &str, size: f32) -> f32 {
    text.chars().map(|c| char_width(c, size)).sum()
}

/// Greedy wrap at any character; closing punctuation may hang past the limit.
fn wrap(text: &str, size: f32, first_width: f32, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut used = 0.0;
    for c in text.chars() {
        let w = char_width(c, size);
        let limit = if lines.is_empty() { first_width } else { width };
        if used + w > limit && !line.is_empty() && !"，。、；：）".contains(c) {
            lines.push(std::mem::take(&mut line));
            used = 0.0;
        }
        line.push(c);
        used += w;
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

fn date_zh(d: time::Date) -> String {
    format!("{}年{}月{}日", d.year(), u8::from(d.month()), d.day())
}

fn fill(r: u8, g: u8, b: u8) -> Option<Fill> {
    Some(Fill {
        paint: rgb::Color::new(r, g, b).into(),
        ..Fill::default()
    })
}

/// Draws real (extractable) text in one font; `y` is the baseline.
struct Pen<'p, 's> {
    surface: &'p mut Surface<'s>,
    font: Font,
}

impl Pen<'_, '_> {
    fn at(&mut self, size: f32, x: f32, y: f32, s: &str) {
        let start = Point::from_xy(x, y);
        let (font, ltr) = (self.font.clone(), TextDirection::LeftToRight);
        self.surface.draw_text(start, font, size, s, false, ltr);
    }

    fn centred(&mut self, size: f32, y: f32, s: &str) {
        self.at(size, (PAGE_W - text_width(s, size)) / 2.0, y, s);
    }

    fn right(&mut self, size: f32, y: f32, s: &str) {
        self.at(size, RIGHT - text_width(s, size), y, s);
    }
}

fn border(surface: &mut Surface<'_>, inset: f32, width: f32) -> anyhow::Result<()> {
    let rect = Rect::from_ltrb(inset, inset, PAGE_W - inset, PAGE_H - inset)
        .ok_or_else(|| anyhow!("invalid border rectangle"))?;
    let mut pb = PathBuilder::new();
    pb.push_rect(rect);
    let path = pb.finish().ok_or_else(|| anyhow!("empty border path"))?;
    // Outline only: a fill left set by earlier drawing would cover the page.
    surface.set_fill(None);
    surface.set_stroke(Some(Stroke {
        paint: rgb::Color::new(160, 30, 30).into(),
        width,
        ..Stroke::default()
    }));
    surface.draw_path(&path);
    surface.set_stroke(None);
    Ok(())
}

/// Renders the certificate; errors (a font krilla cannot parse, a PDF error) are anyhow errors.
pub fn render(font: &CertificateFont, data: &CertificateData<'_>) -> anyhow::Result<Vec<u8>> {
    let pdf_font = Font::new(font.data.clone().into(), font.index)
        .ok_or_else(|| anyhow!("certificate font (face {}) could not be parsed", font.index))?;
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

    border(&mut surface, 30.0, 3.0)?;
    border(&mut surface, 38.0, 1.0)?;
    if data.drill {
        // The watermark before the text, so that it lies behind it.
        let (cx, cy) = (PAGE_W / 2.0, PAGE_H / 2.0);
        surface.push_transform(&Transform::from_rotate_at(-30.0, cx, cy));
        surface.set_fill(fill(220, 220, 220));
        let mut pen = Pen {
            surface: &mut surface,
            font: pdf_font.clone(),
        };
        pen.centred(120.0, cy + 40.0, "演练");
        surface.pop();
    }

    surface.set_fill(fill(0, 0, 0));
    let mut pen = Pen {
        surface: &mut surface,
        font: pdf_font,
    };
    pen.centred(36.0, 150.0, "当选证书");
    if data.drill {
        pen.surface.set_fill(fill(200, 0, 0));
        pen.centred(BODY, 190.0, "演练，不具法律效力");
        pen.surface.set_fill(fill(0, 0, 0));
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
    pen.right(BODY, 680.0, &committee);
    pen.right(BODY, 710.0, &day);
    let number = format!("证书编号：{}", data.certificate_no);
    pen.at(12.0, LEFT, 770.0, &number);

    surface.finish();
    page.finish();
    let pdf = document.finish();
    pdf.map_err(|e| anyhow!("writing the certificate PDF failed: {e}"))
}

/// The certificates' font, read from its file on first use (a missing font fails the
/// certificate request, not the service's start).
pub struct FontSource {
    path: std::path::PathBuf,
    index: u32,
    loaded: std::sync::OnceLock<CertificateFont>,
}

impl FontSource {
    pub fn new(path: std::path::PathBuf, index: u32) -> Self {
        Self {
            path,
            index,
            loaded: std::sync::OnceLock::new(),
        }
    }

    /// The font, loaded once.
    pub fn get(&self) -> anyhow::Result<CertificateFont> {
        if let Some(font) = self.loaded.get() {
            return Ok(font.clone());
        }
        let font = CertificateFont::load(&self.path, self.index)?;
        Ok(self.loaded.get_or_init(|| font).clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_drill_certificate() -> anyhow::Result<()> {
        let path = std::env::var("JUXUAN_FONT_PATH")
            .unwrap_or_else(|_| "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc".to_owned());
        let path = Path::new(&path);
        assert!(
            path.exists(),
            "certificate test font {} not found: install fonts-wqy-microhei or set JUXUAN_FONT_PATH",
            path.display()
        );
        let font = CertificateFont::load(path, 0)?;
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
