//! Report forms in bulk for other systems (a provincial or city system synchronising): every
//! contest with a result (announced or failed), by time of change then id, paged with a
//! keyset cursor, optionally of one election and changed since an instant. Drills are left
//! out unless asked for.
//!
//! A client keeps the `changed_at` of the last item it stored and asks again from there; an
//! item changed while it pages moves to the end and comes again, which is harmless, since an
//! item is a whole report form.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use juxuan_platform::auth::{AreaLevel, Caller, Role};
use juxuan_platform::error::Text;
use juxuan_platform::{AppError, AppResult};
use sqlx::PgPool;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

/// One exported report form.
pub struct Exported {
    pub contest_id: Uuid,
    pub changed_at: OffsetDateTime,
    pub report: serde_json::Value,
}

/// The most items of one page.
pub const MAX_LIMIT: u32 = 200;

fn bad_cursor() -> AppError {
    AppError::invalid_field(
        "cursor",
        "request.invalid_cursor",
        Text::new("分页游标无效", "Invalid cursor"),
    )
}

fn encode_cursor(at: OffsetDateTime, id: Uuid) -> String {
    let micros = at.unix_timestamp_nanos() / 1000;
    URL_SAFE_NO_PAD.encode(format!("{micros}/{id}"))
}

fn decode_cursor(raw: &str) -> AppResult<(OffsetDateTime, Uuid)> {
    let bytes = URL_SAFE_NO_PAD.decode(raw).map_err(|_| bad_cursor())?;
    let text = String::from_utf8(bytes).map_err(|_| bad_cursor())?;
    let (micros, id) = text.split_once('/').ok_or_else(bad_cursor)?;
    let micros: i64 = micros.parse().map_err(|_| bad_cursor())?;
    let nanos = i128::from(micros)
        .checked_mul(1000)
        .ok_or_else(bad_cursor)?;
    let at = OffsetDateTime::from_unix_timestamp_nanos(nanos).map_err(|_| bad_cursor())?;
    Ok((at, Uuid::parse_str(id).map_err(|_| bad_cursor())?))
}

/// Who may export: machine clients with `reporting:read`, and the district's admins,
/// reviewers and observers (the whole district's results).
fn may_export(caller: &Caller) -> bool {
    match caller.role {
        Role::Client => caller.has_scope("reporting:read"),
        Role::DistrictAdmin | Role::DistrictReviewer | Role::Observer | Role::System => {
            caller.area_level == AreaLevel::District
        }
        _ => false,
    }
}

/// The filter of an export request.
pub struct Query {
    pub election_id: Option<Uuid>,
    pub changed_since: Option<OffsetDateTime>,
    pub cursor: Option<String>,
    pub limit: u32,
    pub include_drills: bool,
}

impl Query {
    /// From the request's fields, each checked.
    pub fn parse(
        election_id: &str,
        changed_since: &str,
        cursor: &str,
        limit: u32,
        include_drills: bool,
    ) -> AppResult<Self> {
        let election_id = match election_id.trim() {
            "" => None,
            raw => Some(Uuid::parse_str(raw).map_err(|_| {
                AppError::invalid_field(
                    "election_id",
                    "request.invalid_id",
                    Text::new("标识无效", "Invalid id"),
                )
            })?),
        };
        let changed_since = match changed_since.trim() {
            "" => None,
            raw => Some(OffsetDateTime::parse(raw, &Rfc3339).map_err(|_| {
                AppError::invalid_field(
                    "changed_since",
                    "request.invalid_instant",
                    Text::new(
                        "时间须为 RFC 3339 格式",
                        "An instant in RFC 3339 is expected",
                    ),
                )
            })?),
        };
        let limit = match limit {
            0 => 50,
            n @ 1..=MAX_LIMIT => n,
            _ => {
                return Err(AppError::invalid_field(
                    "limit",
                    "request.invalid_limit",
                    Text::new("limit 须在 1 到 200 之间", "limit must be 1 to 200"),
                ));
            }
        };
        Ok(Self {
            election_id,
            changed_since,
            cursor: Some(cursor.trim().to_owned()).filter(|c| !c.is_empty()),
            limit,
            include_drills,
        })
    }
}

/// One page of report forms and the cursor of the next (none at the end).
pub async fn page(
    pool: &PgPool,
    caller: &Caller,
    q: &Query,
) -> AppResult<(Vec<Exported>, Option<String>)> {
    if !may_export(caller) {
        return Err(AppError::forbidden());
    }
    let after = q.cursor.as_deref().map(decode_cursor).transpose()?;
    let rows: Vec<(Uuid, OffsetDateTime)> = sqlx::query_as(
        "SELECT contest_id, changed_at FROM reporting.contests \
         WHERE district_id = $1 AND voting_status IN ('announced', 'failed') \
           AND election_id IS NOT NULL AND street_id IS NOT NULL AND community_id IS NOT NULL \
           AND ($2::uuid IS NULL OR election_id = $2) \
           AND ($3::timestamptz IS NULL OR changed_at >= $3) \
           AND ($4::timestamptz IS NULL OR (changed_at, contest_id) > ($4, $5)) \
           AND ($6 OR NOT coalesce(drill, false)) \
         ORDER BY changed_at, contest_id LIMIT $7",
    )
    .bind(caller.district_id)
    .bind(q.election_id)
    .bind(q.changed_since)
    .bind(after.map(|(at, _)| at))
    .bind(after.map(|(_, id)| id))
    .bind(q.include_drills)
    .bind(i64::from(q.limit) + 1)
    .fetch_all(pool)
    .await?;
    let more = rows.len() > q.limit as usize;
    let mut items = Vec::new();
    for (contest_id, changed_at) in rows.into_iter().take(q.limit as usize) {
        // A contest whose projection is not complete yet comes on a later page.
        let mut report = match crate::report::report(pool, caller, contest_id).await {
            Ok((report, _)) => report,
            Err(e) if e.kind() == juxuan_platform::error::Kind::NotFound => continue,
            Err(e) => return Err(e),
        };
        report["changed_at"] = serde_json::json!(changed_at.format(&Rfc3339).unwrap_or_default());
        items.push(Exported {
            contest_id,
            changed_at,
            report,
        });
    }
    let next = if more {
        items
            .last()
            .map(|e| encode_cursor(e.changed_at, e.contest_id))
    } else {
        None
    };
    Ok((items, next))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_round_trips_to_the_microsecond_and_bad_ones_are_refused() {
        let at =
            OffsetDateTime::from_unix_timestamp_nanos(1_716_500_000_123_456_000).expect("instant");
        let id = Uuid::now_v7();
        assert_eq!(
            decode_cursor(&encode_cursor(at, id)).expect("decodes"),
            (at, id)
        );
        let huge = URL_SAFE_NO_PAD.encode(format!("{}/{id}", i64::MAX));
        for bad in ["", "!!", "bm90LWEtY3Vyc29y", "MTIzNDU2", huge.as_str()] {
            assert!(decode_cursor(bad).is_err(), "{bad}");
        }
    }
}
