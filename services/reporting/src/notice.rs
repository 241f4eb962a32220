//! The public notice of the official candidates (正式候选人名单公告, 张榜, R-CAND-PUBLISH): an A4
//! page to post in the community once the list is published — the candidates per position
//! with the seats, in the order the list was published ("排名不分先后"), election day, the
//! committee and the publication date. A drill's notice says 演练 across the page.

use anyhow::anyhow;
use juxuan_platform::auth::Caller;
use juxuan_platform::error::{Kind, Text};
use juxuan_platform::scope::AreaPath;
use juxuan_platform::{AppError, AppResult};
use juxuan_print::krilla::Document;
use juxuan_print::krilla::metadata::Metadata;
use juxuan_print::krilla::page::PageSettings;
use juxuan_print::{FontFile, PAGE_H, PAGE_W, Pen, date_zh, drill_watermark, rectangle, wrap};
use serde_json::Value;
use sqlx::PgPool;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// What the notice shows.
pub struct NoticeData {
    pub street: String,
    pub community: String,
    pub by_election: bool,
    pub drill: bool,
    pub election_day: Date,
    pub published_on: Date,
    /// `(position in Chinese, seats, names)` in the contest's order of positions.
    pub positions: Vec<(String, u32, Vec<String>)>,
}

#[derive(sqlx::FromRow)]
struct Row {
    district_id: Option<Uuid>,
    street_id: Option<Uuid>,
    community_id: Option<Uuid>,
    community: Option<String>,
    election_day: Option<Date>,
    drill: Option<bool>,
    positions: Option<Value>,
    candidates: Option<Value>,
    list_published_at: Option<OffsetDateTime>,
    kind: Option<String>,
    street: Option<String>,
}

/// The notice's facts from the projections, for whoever may read the community.
pub async fn data(pool: &PgPool, caller: &Caller, contest_id: Uuid) -> AppResult<NoticeData> {
    let row: Option<Row> = sqlx::query_as(
        "SELECT c.district_id, c.street_id, c.community_id, c.community, c.election_day, c.drill, c.positions, \
                c.candidates, c.list_published_at, e.kind, s.name AS street \
         FROM reporting.contests c \
         LEFT JOIN reporting.elections e ON e.election_id = c.election_id \
         LEFT JOIN reporting.areas s ON s.id = c.street_id \
         WHERE c.contest_id = $1",
    )
    .bind(contest_id)
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else {
        return Err(AppError::not_found("选举单元", "Contest"));
    };
    let (Some(district), Some(street), Some(community)) =
        (row.district_id, row.street_id, row.community_id)
    else {
        return Err(AppError::not_found("选举单元", "Contest"));
    };
    crate::report::require_report_read(caller, &AreaPath::community(community, street, district))?;
    let (Some(published), Some(day)) = (row.list_published_at, row.election_day) else {
        return Err(AppError::new(
            Kind::Conflict,
            "candidates.not_published",
            Text::new(
                "正式候选人名单尚未公布",
                "The list of candidates is not published yet",
            ),
        ));
    };
    let candidates = row.candidates.unwrap_or(Value::Null);
    let positions = row
        .positions
        .as_ref()
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|p| {
            let position = p["position"].as_str().unwrap_or_default();
            let names = candidates
                .as_array()
                .into_iter()
                .flatten()
                .filter(|c| c["position"] == position)
                .filter_map(|c| c["name"].as_str().map(str::to_owned))
                .collect();
            let name = serde_json::from_value::<juxuan_domain::Position>(p["position"].clone())
                .map(|p| p.name().zh)
                .unwrap_or_else(|_| position.to_owned());
            (
                name,
                u32::try_from(p["seats"].as_u64().unwrap_or(0)).unwrap_or(0),
                names,
            )
        })
        .collect();
    Ok(NoticeData {
        street: row.street.unwrap_or_default(),
        community: row.community.unwrap_or_default(),
        by_election: row.kind.as_deref() == Some("by_election"),
        drill: row.drill.unwrap_or(false),
        election_day: day,
        published_on: published.to_offset(crate::DISTRICT_OFFSET).date(),
        positions,
    })
}

const LEFT: f32 = 80.0;
const RIGHT: f32 = PAGE_W - 80.0;
const BODY: f32 = 15.0;
const LINE: f32 = 28.0;

/// Draws the notice.
pub fn render(font: &FontFile, data: &NoticeData) -> anyhow::Result<Vec<u8>> {
    let pdf_font = font.pdf_font()?;
    let kind = if data.by_election {
        "补选"
    } else {
        "换届选举"
    };
    let title = "正式候选人名单公告";
    let mut document = Document::new();
    document.set_metadata(
        Metadata::new()
            .title(format!("{}{}{title}", data.street, data.community))
            .language("zh-CN".to_owned()),
    );
    let settings =
        PageSettings::from_wh(PAGE_W, PAGE_H).ok_or_else(|| anyhow!("invalid A4 page size"))?;
    let mut page = document.start_page_with(settings);
    let mut surface = page.surface();
    if data.drill {
        drill_watermark(&mut surface, &pdf_font);
    }
    rectangle(
        &mut surface,
        (30.0, 30.0, PAGE_W - 30.0, PAGE_H - 30.0),
        (160, 30, 30),
        2.0,
    )?;
    let mut pen = Pen {
        surface: &mut surface,
        font: pdf_font,
    };
    pen.colour(0, 0, 0);
    pen.centred(
        20.0,
        120.0,
        &format!("{}{}居民委员会{kind}", data.street, data.community),
    );
    pen.centred(30.0, 165.0, title);
    let mut y = 215.0;
    if data.drill {
        pen.colour(200, 0, 0);
        pen.centred(BODY, 195.0, "演练，不具法律效力");
        pen.colour(0, 0, 0);
        y += 10.0;
    }
    let intro = "根据《中华人民共和国城市居民委员会组织法》和有关规定，经选民提名、资格审查，现将本届居民委员会成员正式候选人名单公告如下（排名不分先后）：";
    for (i, line) in wrap(intro, BODY, RIGHT - LEFT - 2.0 * BODY, RIGHT - LEFT)
        .iter()
        .enumerate()
    {
        pen.at(BODY, if i == 0 { LEFT + 2.0 * BODY } else { LEFT }, y, line);
        y += LINE;
    }
    y += LINE / 2.0;
    for (position, seats, names) in &data.positions {
        let line = format!("{position}（应选 {seats} 名）：{}", names.join("、"));
        for (i, part) in wrap(&line, BODY, RIGHT - LEFT, RIGHT - LEFT - 4.0 * BODY)
            .iter()
            .enumerate()
        {
            pen.at(BODY, if i == 0 { LEFT } else { LEFT + 4.0 * BODY }, y, part);
            y += LINE;
        }
    }
    y += LINE / 2.0;
    pen.at(
        BODY,
        LEFT + 2.0 * BODY,
        y,
        &format!("选举日：{}。", date_zh(data.election_day)),
    );
    y += LINE;
    pen.at(
        BODY,
        LEFT + 2.0 * BODY,
        y,
        "对候选人有异议的，请向社区居民选举委员会反映。",
    );
    pen.right(
        BODY,
        RIGHT,
        PAGE_H - 170.0,
        &format!("{}{}居民选举委员会", data.street, data.community),
    );
    pen.right(BODY, RIGHT, PAGE_H - 140.0, &date_zh(data.published_on));
    surface.finish();
    page.finish();
    document
        .finish()
        .map_err(|e| anyhow!("writing the notice PDF failed: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r_cand_publish_the_notice_is_an_a4_pdf() -> anyhow::Result<()> {
        let font = juxuan_print::test_font()?;
        let data = NoticeData {
            street: "城南街道".into(),
            community: "南岭社区".into(),
            by_election: true,
            drill: true,
            election_day: Date::from_calendar_date(2024, time::Month::May, 24)?,
            published_on: Date::from_calendar_date(2024, time::Month::May, 15)?,
            positions: vec![
                ("主任".into(), 1, vec!["甲九".into(), "甲十".into()]),
                (
                    "委员".into(),
                    2,
                    vec!["甲六".into(), "甲七".into(), "甲八".into()],
                ),
            ],
        };
        let pdf = render(&font, &data)?;
        if let Ok(out) = std::env::var("JUXUAN_NOTICE_OUT") {
            std::fs::write(out, &pdf)?;
        }
        assert!(pdf.starts_with(b"%PDF"));
        Ok(())
    }
}
