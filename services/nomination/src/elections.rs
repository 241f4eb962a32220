//! Election and contest use cases: set-up by the district admin, reading inside the caller's
//! area, a drill's clock, cloning.

use juxuan_platform::audit;
use juxuan_platform::auth::{AreaLevel, Caller, Role};
use juxuan_platform::error::{Kind, Text, unique_violation};
use juxuan_platform::{AppError, AppResult};
use juxuan_proto::nomination::v1 as pb;
use sqlx::PgPool;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::clock::{self, AdvanceError, Clock};
use crate::elections_store::{self as store, ContestRow, ElectionRow};
use crate::names::Page;
use crate::scope::{self, AreaPath};
use crate::{AUDIT, OUTBOX};

pub const ELECTION_CREATED: &str = "juxuan.nomination.v1.ElectionCreated";
pub const CONTEST_CREATED: &str = "juxuan.nomination.v1.ContestCreated";

/// A new election, parsed.
#[derive(Debug, Clone)]
pub struct NewElection {
    pub district_id: Uuid,
    pub title: String,
    pub kind: &'static str,
    pub mode: &'static str,
    pub method: &'static str,
    pub opens: Date,
    pub closes: Date,
    pub term_ends_on: Option<Date>,
    /// A drill's starting instant; now when absent.
    pub clock: Option<OffsetDateTime>,
    /// The effective rule profile, decided by `rules::effective`.
    pub rules: juxuan_domain::RuleProfile,
    /// The `rules` object as sent.
    pub overrides: juxuan_domain::ProfileOverrides,
}

/// A new contest, parsed.
#[derive(Debug, Clone)]
pub struct NewContest {
    pub community_id: Uuid,
    pub election_day: Date,
    /// (position, seats) in the order director, deputy director, member.
    pub positions: Vec<(String, i32)>,
}

/// A contest with its seats and status.
#[derive(Debug, Clone)]
pub struct ContestView {
    pub row: ContestRow,
    pub positions: Vec<(String, i32)>,
    pub status: &'static str,
}

#[derive(Clone)]
pub struct Elections {
    pub(crate) pool: PgPool,
}

pub fn clock_of(row: &ElectionRow) -> Clock {
    match (row.clock_base, row.clock_set_at) {
        (Some(base), Some(set_at)) => Clock::Drill { base, set_at },
        _ => Clock::Live,
    }
}

/// R-ELECTION: a contest's status from the facts known here: `published` once the review
/// service has published its candidate list (its event), else `nominating` up to the last day
/// of the window and `reviewing` after; on election day `polling`, `counted`, `failed` or
/// `announced` from the ballot service's facts (its events).
pub fn contest_status(today: Date, election: &ElectionRow, contest: &ContestRow) -> &'static str {
    match contest.voting_status.as_deref() {
        Some("polling") => return "polling",
        Some("counted") => return "counted",
        Some("failed") => return "failed",
        Some("announced") => return "announced",
        _ => {}
    }
    if contest.candidates_published_at.is_some() {
        "published"
    } else if today <= election.nomination_closes_on {
        "nominating"
    } else {
        "reviewing"
    }
}

fn conflict(code: &'static str, zh: &str, en: &str) -> AppError {
    AppError::new(
        Kind::Conflict,
        code,
        Text::new(zh.to_owned(), en.to_owned()),
    )
}

impl Elections {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }

    async fn district(&self, id: Uuid) -> AppResult<AreaPath> {
        match crate::store::resolve(&self.pool, id).await? {
            Some((path, _)) if path.level == AreaLevel::District => Ok(path),
            _ => Err(AppError::not_found("区", "District")),
        }
    }

    async fn election(&self, caller: &Caller, id: Uuid) -> AppResult<ElectionRow> {
        let row = store::election(&self.pool, id)
            .await?
            .ok_or_else(|| AppError::not_found("选举", "Election"))?;
        if !(scope::may_read(caller) && scope::in_district(caller, row.district_id)) {
            return Err(AppError::forbidden());
        }
        Ok(row)
    }

    pub async fn create(&self, caller: &Caller, new: NewElection) -> AppResult<ElectionRow> {
        caller.require_role(&[Role::DistrictAdmin])?;
        let district = self.district(new.district_id).await?;
        scope::require_write(caller, &[Role::DistrictAdmin], &district)?;
        let real_now = OffsetDateTime::now_utc();
        let drill = new.mode == "drill";
        let row = ElectionRow {
            id: Uuid::now_v7(),
            district_id: new.district_id,
            title: new.title,
            kind: new.kind.to_owned(),
            mode: new.mode.to_owned(),
            method: new.method.to_owned(),
            nomination_opens_on: new.opens,
            nomination_closes_on: new.closes,
            term_ends_on: new.term_ends_on,
            rules: serde_json::to_value(&new.rules).map_err(AppError::internal)?,
            rule_overrides: serde_json::to_value(&new.overrides).map_err(AppError::internal)?,
            clock_base: drill.then(|| new.clock.unwrap_or(real_now)),
            clock_set_at: drill.then_some(real_now),
            cloned_from: None,
            created_at: real_now,
        };
        let mut tx = self.pool.begin().await?;
        self.insert_election(&mut tx, caller, &row).await?;
        tx.commit().await?;
        tracing::info!(election.id = %row.id, mode = %row.mode, "election created");
        Ok(row)
    }

    async fn insert_election(
        &self,
        conn: &mut sqlx::PgConnection,
        caller: &Caller,
        row: &ElectionRow,
    ) -> AppResult<()> {
        store::insert_election(conn, row).await?;
        let change = serde_json::json!({
            "title": row.title, "kind": row.kind, "mode": row.mode, "method": row.method,
            "nomination_opens_on": clock::format_date(row.nomination_opens_on),
            "nomination_closes_on": clock::format_date(row.nomination_closes_on),
            "rules": row.rules, "rule_overrides": row.rule_overrides, "cloned_from": row.cloned_from,
        });
        AUDIT
            .append(
                conn,
                audit::Entry::by(caller, "election.created", &row.id.to_string(), &change),
            )
            .await?;
        let event = pb::ElectionCreated {
            election_id: row.id.to_string(),
            district_id: row.district_id.to_string(),
            title: row.title.clone(),
            kind: row.kind.clone(),
            mode: row.mode.clone(),
            method: row.method.clone(),
            nomination_opens_on: clock::format_date(row.nomination_opens_on),
            nomination_closes_on: clock::format_date(row.nomination_closes_on),
        };
        OUTBOX.enqueue(conn, ELECTION_CREATED, &event).await?;
        Ok(())
    }

    pub async fn get(&self, caller: &Caller, id: Uuid) -> AppResult<ElectionRow> {
        self.election(caller, id).await
    }

    pub async fn list(
        &self,
        caller: &Caller,
        district_id: Uuid,
        page: Page,
    ) -> AppResult<(Vec<ElectionRow>, String)> {
        self.district(district_id).await?;
        if !(scope::may_read(caller) && scope::in_district(caller, district_id)) {
            return Err(AppError::forbidden());
        }
        let rows = store::elections(&self.pool, district_id, page.after, page.limit).await?;
        Ok(page.finish(rows, |r| r.id))
    }

    /// Moves a drill's clock forward (district admin).
    pub async fn advance_clock(
        &self,
        caller: &Caller,
        id: Uuid,
        to: OffsetDateTime,
    ) -> AppResult<ElectionRow> {
        caller.require_role(&[Role::DistrictAdmin])?;
        self.election(caller, id).await?;
        let mut tx = self.pool.begin().await?;
        let mut row = store::election_for_update(&mut tx, id)
            .await?
            .ok_or_else(|| AppError::not_found("选举", "Election"))?;
        let real_now = OffsetDateTime::now_utc();
        let before = clock_of(&row).now(real_now);
        match clock_of(&row).advance(to, real_now) {
            Err(AdvanceError::NotDrill) => {
                return Err(conflict(
                    "election.not_drill",
                    "只有演练选举的时钟可以调整",
                    "Only a drill election's clock can be moved",
                ));
            }
            Err(AdvanceError::Backwards) => {
                return Err(conflict(
                    "election.clock_backwards",
                    "演练时钟只能向前调整",
                    "A drill's clock only moves forward",
                ));
            }
            Ok(_) => {}
        }
        store::set_clock(&mut tx, id, to, real_now).await?;
        let change = serde_json::json!({"from": clock::format(before), "to": clock::format(to)});
        AUDIT
            .append(
                &mut tx,
                audit::Entry::by(caller, "election.clock_advanced", &id.to_string(), &change),
            )
            .await?;
        tx.commit().await?;
        row.clock_base = Some(to);
        row.clock_set_at = Some(real_now);
        Ok(row)
    }

    /// A new election with the same contests and seats on a new election day (R-ELECTION).
    pub async fn clone_election(
        &self,
        caller: &Caller,
        id: Uuid,
        mut new: NewElection,
        election_day: Date,
    ) -> AppResult<ElectionRow> {
        caller.require_role(&[Role::DistrictAdmin])?;
        let source = self.election(caller, id).await?;
        new.district_id = source.district_id;
        if election_day <= new.closes {
            return Err(election_day_error());
        }
        // The source's `rules` re-applied to the new dates: the profile in force when the new
        // nominations open, unless the source named one.
        new.overrides = crate::rules::stored_overrides(&source)?;
        let method = crate::names::parse_enum::<juxuan_domain::ElectionMethod>(&source.method)
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("stored method unknown")))?;
        new.rules = crate::rules::effective(new.opens, &new.overrides, method)?;
        let real_now = OffsetDateTime::now_utc();
        let drill = new.mode == "drill";
        let row = ElectionRow {
            id: Uuid::now_v7(),
            district_id: source.district_id,
            title: new.title,
            kind: new.kind.to_owned(),
            mode: new.mode.to_owned(),
            method: source.method.clone(),
            nomination_opens_on: new.opens,
            nomination_closes_on: new.closes,
            term_ends_on: new.term_ends_on.or(source.term_ends_on),
            rules: serde_json::to_value(&new.rules).map_err(AppError::internal)?,
            rule_overrides: serde_json::to_value(&new.overrides).map_err(AppError::internal)?,
            clock_base: drill.then(|| new.clock.unwrap_or(real_now)),
            clock_set_at: drill.then_some(real_now),
            cloned_from: Some(source.id),
            created_at: real_now,
        };
        let mut tx = self.pool.begin().await?;
        self.insert_election(&mut tx, caller, &row).await?;
        let mut after = None;
        loop {
            let contests = store::contests(&mut tx, source.id, None, None, after, 500).await?;
            let ids: Vec<Uuid> = contests.iter().map(|c| c.id).collect();
            let seats = store::positions(&self.pool, &ids).await?;
            for old in contests.iter().take(500) {
                let positions: Vec<(String, i32)> = seats
                    .iter()
                    .filter(|(c, _, _)| *c == old.id)
                    .map(|(_, p, s)| (p.clone(), *s))
                    .collect();
                let contest = ContestRow {
                    id: Uuid::now_v7(),
                    election_id: row.id,
                    election_day,
                    candidates_published_at: None,
                    voting_status: None,
                    ..old.clone()
                };
                self.insert_contest(&mut tx, caller, &row, &contest, &positions)
                    .await?;
            }
            match contests.get(500) {
                Some(_) => after = contests.get(499).map(|c| c.id),
                None => break,
            }
        }
        tx.commit().await?;
        tracing::info!(election.id = %row.id, cloned_from = %source.id, "election cloned");
        Ok(row)
    }

    async fn insert_contest(
        &self,
        conn: &mut sqlx::PgConnection,
        caller: &Caller,
        election: &ElectionRow,
        row: &ContestRow,
        positions: &[(String, i32)],
    ) -> AppResult<()> {
        store::insert_contest(conn, row, positions)
            .await
            .map_err(|e| {
                if unique_violation(&e).is_some() {
                    conflict(
                        "contest.duplicate",
                        "该社区在本次选举中已有选举单元",
                        "This community already has a contest in this election",
                    )
                } else {
                    e.into()
                }
            })?;
        let change = serde_json::json!({
            "election_id": row.election_id, "community_id": row.community_id,
            "election_day": clock::format_date(row.election_day), "positions": positions,
        });
        AUDIT
            .append(
                conn,
                audit::Entry::by(caller, "contest.created", &row.id.to_string(), &change),
            )
            .await?;
        let event = pb::ContestCreated {
            contest_id: row.id.to_string(),
            election_id: row.election_id.to_string(),
            community: Some(crate::areas::path_to_proto(
                &AreaPath::community(row.community_id, row.street_id, row.district_id),
                &row.community_name,
            )),
            election_day: clock::format_date(row.election_day),
            positions: positions
                .iter()
                .map(|(p, s)| pb::ContestSeats {
                    position: p.clone(),
                    seats: u32::try_from(*s).unwrap_or(0),
                })
                .collect(),
            drill: election.mode == "drill",
        };
        OUTBOX.enqueue(conn, CONTEST_CREATED, &event).await?;
        Ok(())
    }

    pub async fn create_contest(
        &self,
        caller: &Caller,
        election_id: Uuid,
        new: NewContest,
    ) -> AppResult<ContestView> {
        caller.require_role(&[Role::DistrictAdmin])?;
        let election = self.election(caller, election_id).await?;
        let community = match crate::store::community(&self.pool, new.community_id).await? {
            Some(c) => c,
            None => return Err(AppError::not_found("社区", "Community")),
        };
        let path = AreaPath::community(community.id, community.street_id, community.district_id);
        scope::require_write(caller, &[Role::DistrictAdmin], &path)?;
        if community.district_id != election.district_id {
            return Err(AppError::forbidden());
        }
        if new.election_day <= election.nomination_closes_on {
            return Err(election_day_error());
        }
        let row = ContestRow {
            id: Uuid::now_v7(),
            election_id,
            community_id: community.id,
            street_id: community.street_id,
            district_id: community.district_id,
            election_day: new.election_day,
            community_name: community.name,
            candidates_published_at: None,
            street_name: String::new(),
            district_code: None,
            voting_status: None,
        };
        let mut tx = self.pool.begin().await?;
        self.insert_contest(&mut tx, caller, &election, &row, &new.positions)
            .await?;
        tx.commit().await?;
        let today = clock_of(&election).today(OffsetDateTime::now_utc());
        Ok(ContestView {
            status: contest_status(today, &election, &row),
            row,
            positions: new.positions,
        })
    }

    async fn views(
        &self,
        election: &ElectionRow,
        rows: Vec<ContestRow>,
    ) -> AppResult<Vec<ContestView>> {
        let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
        let seats = store::positions(&self.pool, &ids).await?;
        let today = clock_of(election).today(OffsetDateTime::now_utc());
        Ok(rows
            .into_iter()
            .map(|row| ContestView {
                positions: seats
                    .iter()
                    .filter(|(c, _, _)| *c == row.id)
                    .map(|(_, p, s)| (p.clone(), *s))
                    .collect(),
                status: contest_status(today, election, &row),
                row,
            })
            .collect())
    }

    pub async fn get_contest(&self, caller: &Caller, id: Uuid) -> AppResult<ContestView> {
        let row = store::contest(&self.pool, id)
            .await?
            .ok_or_else(|| AppError::not_found("选举单元", "Contest"))?;
        scope::require_read(
            caller,
            &AreaPath::community(row.community_id, row.street_id, row.district_id),
        )?;
        let election = store::election(&self.pool, row.election_id)
            .await?
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("contest without election")))?;
        Ok(self.views(&election, vec![row]).await?.remove(0))
    }

    /// The contests of an election inside the caller's area: all of them for the district,
    /// a street's for its officers, a community's for its own.
    pub async fn list_contests(
        &self,
        caller: &Caller,
        election_id: Uuid,
        page: Page,
    ) -> AppResult<(Vec<ContestView>, String)> {
        let election = self.election(caller, election_id).await?;
        let (street, community) = match (caller.role, caller.area_level) {
            (Role::System, _) | (_, AreaLevel::District) => (None, None),
            (_, AreaLevel::Street) => (Some(caller.area_id), None),
            (_, AreaLevel::Community) => (None, Some(caller.area_id)),
        };
        let mut conn = self.pool.acquire().await?;
        let rows = store::contests(
            &mut conn,
            election_id,
            street,
            community,
            page.after,
            page.limit,
        )
        .await?;
        let (rows, next) = page.finish(rows, |r| r.id);
        Ok((self.views(&election, rows).await?, next))
    }

    pub async fn clock(
        &self,
        caller: &Caller,
        election_id: Uuid,
    ) -> AppResult<(OffsetDateTime, bool)> {
        let election = self.election(caller, election_id).await?;
        Ok((
            clock_of(&election).now(OffsetDateTime::now_utc()),
            election.mode == "drill",
        ))
    }
}

fn election_day_error() -> AppError {
    AppError::new(
        Kind::Rule,
        "contest.election_day_too_early",
        Text::new(
            "选举日须在提名截止之后",
            "Election day must come after the nomination window closes",
        ),
    )
}
