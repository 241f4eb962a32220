//! An election's progress (API.md `GET /elections/{id}/progress`): every contest by street and
//! community with its status, key dates and what is late on the election's clock (given by the
//! caller, who reads it from the nomination service):
//! - `no_candidates`: the nomination window has closed and no nomination stands;
//! - `list_not_published`: fewer than three days before election day (R-CAND-PUBLISH) and no
//!   published list;
//! - `poll_not_opened`: election day has come and no poll has opened;
//! - `result_not_announced`: the day after election day and no result announced.
//!
//! Reads only the reporting schema.

use std::collections::BTreeMap;

use juxuan_platform::auth::Caller;
use juxuan_platform::scope::{self, AreaPath};
use juxuan_platform::{AppError, AppResult};
use sqlx::PgPool;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ContestRow {
    pub contest_id: Uuid,
    pub district_id: Option<Uuid>,
    pub street_id: Option<Uuid>,
    pub street: Option<String>,
    pub community_id: Option<Uuid>,
    pub community: Option<String>,
    pub election_day: Option<Date>,
    pub electorate: Option<i32>,
    pub electorate_published_at: Option<OffsetDateTime>,
    pub list_published_at: Option<OffsetDateTime>,
    pub voting_status: Option<String>,
    pub announced_at: Option<OffsetDateTime>,
    pub elected: Option<serde_json::Value>,
    pub nominations: i64,
    pub changed_at: OffsetDateTime,
}

#[derive(Debug, Clone)]
pub struct ContestProgress {
    pub row: ContestRow,
    pub status: &'static str,
    pub late: Vec<&'static str>,
}

#[derive(Debug, Clone)]
pub struct Progress {
    pub election_id: Uuid,
    pub title: String,
    pub drill: bool,
    /// By street id: the street's name and its contests, by community name.
    pub streets: Vec<(Uuid, String, Vec<ContestProgress>)>,
    pub by_status: BTreeMap<&'static str, u32>,
    pub as_of: Option<OffsetDateTime>,
}

/// R-ELECTION: a contest's status from what the events said (as the nomination service
/// derives it).
pub fn status(row: &ContestRow, today: Date, nomination_closes_on: Date) -> &'static str {
    match row.voting_status.as_deref() {
        Some("polling") => "polling",
        Some("counted") => "counted",
        Some("failed") => "failed",
        Some("announced") => "announced",
        _ if row.list_published_at.is_some() => "published",
        _ if today <= nomination_closes_on => "nominating",
        _ => "reviewing",
    }
}

/// What is late on `today` (see the module's list).
pub fn late(
    row: &ContestRow,
    status: &str,
    today: Date,
    nomination_closes_on: Date,
) -> Vec<&'static str> {
    let mut late = Vec::new();
    let Some(day) = row.election_day else {
        return late;
    };
    if today > nomination_closes_on && row.nominations == 0 && row.list_published_at.is_none() {
        late.push("no_candidates");
    }
    if row.list_published_at.is_none() && today > day - time::Duration::days(3) {
        late.push("list_not_published");
    }
    if today >= day && matches!(status, "nominating" | "reviewing" | "published") {
        late.push("poll_not_opened");
    }
    if today > day && !matches!(status, "announced" | "failed") {
        late.push("result_not_announced");
    }
    late
}

pub async fn progress(
    pool: &PgPool,
    caller: &Caller,
    election_id: Uuid,
    today: Date,
) -> AppResult<Progress> {
    let election: Option<(Uuid, String, bool, Date)> = sqlx::query_as(
        "SELECT district_id, title, drill, nomination_closes_on FROM reporting.elections WHERE election_id = $1",
    )
    .bind(election_id)
    .fetch_optional(pool)
    .await?;
    let (district_id, title, drill, closes_on) =
        election.ok_or_else(|| AppError::not_found("选举", "Election"))?;
    if !scope::may_read(caller) || !scope::in_district(caller, district_id) {
        return Err(AppError::forbidden());
    }
    let rows: Vec<ContestRow> = sqlx::query_as(
        "SELECT c.contest_id, c.district_id, c.street_id, s.name AS street, c.community_id, c.community, c.election_day, \
                c.electorate, c.electorate_published_at, c.list_published_at, c.voting_status, c.announced_at, c.elected, \
                (SELECT count(*) FROM reporting.nominations n WHERE n.contest_id = c.contest_id AND n.standing) AS nominations, \
                c.changed_at \
         FROM reporting.contests c LEFT JOIN reporting.areas s ON s.id = c.street_id \
         WHERE c.election_id = $1 ORDER BY s.name, c.community, c.contest_id",
    )
    .bind(election_id)
    .fetch_all(pool)
    .await?;
    let mut streets: Vec<(Uuid, String, Vec<ContestProgress>)> = Vec::new();
    let mut by_status = BTreeMap::new();
    let mut as_of = None;
    for row in rows {
        let (Some(district), Some(street), Some(community)) =
            (row.district_id, row.street_id, row.community_id)
        else {
            continue;
        };
        // Every caller sees the contests of its own area only.
        if !scope::contains(caller, &AreaPath::community(community, street, district)) {
            continue;
        }
        let status = status(&row, today, closes_on);
        let late = late(&row, status, today, closes_on);
        *by_status.entry(status).or_insert(0) += 1;
        as_of = as_of.max(Some(row.changed_at));
        let name = row.street.clone().unwrap_or_default();
        let entry = ContestProgress { row, status, late };
        match streets.iter_mut().find(|(id, _, _)| *id == street) {
            Some((_, _, contests)) => contests.push(entry),
            None => streets.push((street, name, vec![entry])),
        }
    }
    Ok(Progress {
        election_id,
        title,
        drill,
        streets,
        by_status,
        as_of,
    })
}
