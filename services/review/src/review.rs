//! Review decisions (R-REV-ORDER): community pre-review by the community officer, street
//! initial review by the street officer, district joint review by a district reviewer or the
//! admin. The domain crate's [`ReviewState::decide`] decides; this module checks the area,
//! keeps the history in order, and publishes `ReviewDecided`. A district approval makes the
//! nominee an official candidate.

use juxuan_domain::{Decision, ReviewStage, ReviewState};
use juxuan_platform::audit;
use juxuan_platform::auth::{AreaLevel, Caller, Role};
use juxuan_platform::error::{Kind, Text};
use juxuan_platform::scope::{self, AreaPath};
use juxuan_platform::{AppError, AppResult};
use juxuan_proto::review::v1 as pb;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::{AUDIT, ElectionClient, OUTBOX};

pub const REVIEW_DECIDED: &str = "juxuan.review.v1.ReviewDecided";
/// Longest reason, in characters.
pub const MAX_REASON: usize = 500;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CaseRow {
    pub nomination_id: Uuid,
    pub contest_id: Uuid,
    pub election_id: Uuid,
    pub district_id: Uuid,
    pub street_id: Uuid,
    pub community_id: Uuid,
    pub community: String,
    pub position: String,
    pub nominee_name: String,
    pub nominee_key: String,
    pub eligible: bool,
    pub status: String,
    pub review_stage: Option<String>,
    pub submitted_at: OffsetDateTime,
    pub drill: bool,
}

impl CaseRow {
    pub fn area(&self) -> AreaPath {
        AreaPath::community(self.community_id, self.street_id, self.district_id)
    }

    fn state(&self) -> AppResult<ReviewState> {
        let status = parse(&self.status)?;
        let review_stage = self.review_stage.as_deref().map(parse).transpose()?;
        Ok(ReviewState {
            status,
            review_stage,
        })
    }
}

const CASE: &str = "SELECT nomination_id, contest_id, election_id, district_id, street_id, community_id, community, \
     position, nominee_name, nominee_key, eligible, status, review_stage, submitted_at, drill FROM review.cases";

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DecisionRow {
    pub stage: String,
    pub decision: String,
    pub reason: Option<String>,
    pub decided_by: String,
    pub role: String,
    pub decided_at: OffsetDateTime,
}

/// A domain enum from its snake_case name.
pub fn parse<T: serde::de::DeserializeOwned>(raw: &str) -> AppResult<T> {
    serde_json::from_value(serde_json::Value::String(raw.to_owned()))
        .map_err(|e| AppError::internal(anyhow::anyhow!("stored value `{raw}`: {e}")))
}

/// A domain enum's snake_case name.
pub fn name<T: serde::Serialize>(value: T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

fn domain_role(role: Role) -> Option<juxuan_domain::Role> {
    use juxuan_domain::Role as D;
    Some(match role {
        Role::DistrictAdmin => D::DistrictAdmin,
        Role::DistrictReviewer => D::DistrictReviewer,
        Role::StreetOfficer => D::StreetOfficer,
        Role::CommunityOfficer => D::CommunityOfficer,
        Role::Teller => D::Teller,
        Role::Observer => D::Observer,
        Role::Terminal => D::Terminal,
        _ => return None,
    })
}

/// A refusal of the review state machine as the domain crate's other refusals are answered.
fn refusal(e: juxuan_domain::ReviewError) -> AppError {
    let field = match e {
        juxuan_domain::ReviewError::ReasonRequired => "reason",
        juxuan_domain::ReviewError::WrongStage { .. }
        | juxuan_domain::ReviewError::WrongRole { .. } => "stage",
        _ => "decision",
    };
    AppError::violations(vec![juxuan_domain::Violation {
        code: e.code(),
        field: Some(field.to_owned()),
        rule: e.rule(),
        refusal: e.refusal(),
        message: e.message(),
    }])
}

/// A review request, parsed.
#[derive(Debug, Clone)]
pub struct NewDecision {
    pub stage: ReviewStage,
    pub decision: Decision,
    pub reason: Option<String>,
}

#[derive(Clone)]
pub struct Review {
    pub(crate) pool: PgPool,
    pub(crate) elections: ElectionClient,
    /// Per election: how far its clock is from the real one, and when that was read.
    clocks: Arc<Mutex<HashMap<Uuid, (Instant, time::Duration)>>>,
}

/// How long an election's clock offset is trusted before it is read again.
const CLOCK_TTL: std::time::Duration = std::time::Duration::from_secs(5);

impl Review {
    pub fn new(pool: PgPool, elections: ElectionClient) -> Self {
        Self {
            pool,
            elections,
            clocks: Arc::default(),
        }
    }

    /// The election's clock now (a drill's own), read from the nomination service as the
    /// caller and cached for a few seconds; to the microsecond Postgres keeps.
    pub(crate) async fn election_now(
        &self,
        caller: &Caller,
        election_id: Uuid,
    ) -> AppResult<OffsetDateTime> {
        let cached = self
            .clocks
            .lock()
            .ok()
            .and_then(|c| c.get(&election_id).copied())
            .filter(|(read, _)| read.elapsed() < CLOCK_TTL);
        let offset = match cached {
            Some((_, offset)) => offset,
            None => {
                let request = juxuan_proto::nomination::v1::GetClockRequest {
                    election_id: election_id.to_string(),
                };
                let clock = juxuan_platform::grpc::read_as(
                    &self.elections,
                    &caller.token,
                    &request,
                    |mut c, r| async move { c.get_clock(r).await },
                )
                .await?;
                let election_now = OffsetDateTime::parse(
                    &clock.now,
                    &time::format_description::well_known::Rfc3339,
                )
                .map_err(|e| AppError::internal(anyhow::anyhow!("election clock: {e}")))?;
                let offset = election_now - OffsetDateTime::now_utc();
                if let Ok(mut c) = self.clocks.lock() {
                    c.insert(election_id, (Instant::now(), offset));
                }
                offset
            }
        };
        let now =
            (OffsetDateTime::now_utc() + offset).to_offset(crate::candidates::DISTRICT_OFFSET);
        Ok(now
            .replace_nanosecond(now.nanosecond() / 1000 * 1000)
            .unwrap_or(now))
    }

    /// Every case of a contest, inside the caller's area.
    pub async fn contest_cases(
        &self,
        caller: &Caller,
        contest_id: Uuid,
    ) -> AppResult<Vec<CaseRow>> {
        let rows: Vec<CaseRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{CASE} WHERE contest_id = $1 ORDER BY submitted_at, nomination_id"
        )))
        .bind(contest_id)
        .fetch_all(&self.pool)
        .await?;
        if let Some(first) = rows.first() {
            scope::require_read(caller, &first.area())?;
        }
        Ok(rows)
    }

    async fn case_row(&self, nomination_id: Uuid) -> AppResult<CaseRow> {
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{CASE} WHERE nomination_id = $1"
        )))
        .bind(nomination_id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| AppError::not_found("审查案件", "Review case"))
    }

    /// A nomination's case, inside the caller's area (observers included).
    pub async fn case(&self, caller: &Caller, nomination_id: Uuid) -> AppResult<CaseRow> {
        let row = self.case_row(nomination_id).await?;
        scope::require_read(caller, &row.area())?;
        Ok(row)
    }

    /// Every decision on a nomination, oldest first.
    pub async fn decisions(
        &self,
        caller: &Caller,
        nomination_id: Uuid,
    ) -> AppResult<Vec<DecisionRow>> {
        self.case(caller, nomination_id).await?;
        Ok(sqlx::query_as(
            "SELECT stage, decision, reason, decided_by, role, decided_at FROM review.decisions \
             WHERE nomination_id = $1 ORDER BY seq",
        )
        .bind(nomination_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Decides the stage a nomination waits at: 403 outside the caller's area or for a role
    /// that does not decide the stage, 409 for another stage or a frozen list, 422 for a
    /// rejection without a reason or an approval of an ineligible nominee.
    pub async fn decide(
        &self,
        caller: &Caller,
        nomination_id: Uuid,
        new: NewDecision,
    ) -> AppResult<juxuan_domain::DecisionOutcome> {
        let role = domain_role(caller.role).ok_or_else(AppError::forbidden)?;
        let case = self.case_row(nomination_id).await?;
        if !scope::contains(caller, &case.area()) {
            return Err(AppError::forbidden());
        }
        if let Some(reason) = &new.reason
            && (reason.chars().count() > MAX_REASON
                || reason.chars().any(|c| c.is_control() && c != '\n'))
        {
            return Err(AppError::invalid_field(
                "reason",
                "review.invalid_reason",
                Text::new("理由不超过 500 字", "A reason has at most 500 characters"),
            ));
        }
        // The election's clock (a drill's own), read before any lock is taken.
        let now = self.election_now(caller, case.election_id).await?;
        let mut tx = self.pool.begin().await?;
        let case: CaseRow = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{CASE} WHERE nomination_id = $1 FOR UPDATE"
        )))
        .bind(nomination_id)
        .fetch_one(&mut *tx)
        .await?;
        crate::candidates::lock_contest(&mut tx, case.contest_id).await?;
        let published: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM review.publications WHERE contest_id = $1)",
        )
        .bind(case.contest_id)
        .fetch_one(&mut *tx)
        .await?;
        // Role (403) and stage (409) first, then the frozen list (409), then the rules (422).
        let decided = case.state()?.decide(
            role,
            new.stage,
            new.decision,
            new.reason.as_deref(),
            case.eligible,
        );
        if let Err(e) = decided
            && e.refusal() != juxuan_domain::Refusal::Rule
        {
            return Err(refusal(e));
        }
        // A frozen list takes no new candidate; rejections still clear the queue.
        if published && new.decision == Decision::Approve {
            return Err(AppError::new(
                Kind::Conflict,
                "candidates.frozen",
                Text::new(
                    "候选人名单已公布，不能再改动",
                    "The candidate list is published and frozen",
                ),
            ));
        }
        let outcome = decided.map_err(refusal)?;
        let state = outcome.state();
        sqlx::query(
            "UPDATE review.cases SET status = $2, review_stage = $3 WHERE nomination_id = $1",
        )
        .bind(nomination_id)
        .bind(name(state.status))
        .bind(state.review_stage.map(name))
        .execute(&mut *tx)
        .await?;
        let reason = new
            .reason
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty());
        sqlx::query(
            "INSERT INTO review.decisions (nomination_id, seq, stage, decision, reason, decided_by, role, decided_at) \
             SELECT $1, coalesce(max(seq), 0) + 1, $2, $3, $4, $5, $6, $7 FROM review.decisions WHERE nomination_id = $1",
        )
        .bind(nomination_id)
        .bind(name(outcome.stage))
        .bind(name(outcome.decision))
        .bind(reason)
        .bind(&caller.id)
        .bind(caller.role.as_str())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if state.status == juxuan_domain::NominationStatus::Approved {
            sqlx::query(
                "INSERT INTO review.candidates (candidate_id, nomination_id, contest_id, position, name, person_key, approved_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(Uuid::now_v7())
            .bind(nomination_id)
            .bind(case.contest_id)
            .bind(&case.position)
            .bind(&case.nominee_name)
            .bind(&case.nominee_key)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        let change = serde_json::json!({
            "stage": name(outcome.stage), "decision": name(outcome.decision), "reason": reason,
            "next_stage": outcome.next_stage.map(name), "status": name(outcome.status),
        });
        AUDIT
            .append(
                &mut tx,
                audit::Entry::by(
                    caller,
                    "review.decided",
                    &nomination_id.to_string(),
                    &change,
                ),
            )
            .await?;
        let event = pb::ReviewDecided {
            nomination_id: nomination_id.to_string(),
            contest_id: case.contest_id.to_string(),
            election_id: case.election_id.to_string(),
            stage: name(outcome.stage),
            decision: name(outcome.decision),
            next_stage: outcome.next_stage.map(name).unwrap_or_default(),
            status: name(outcome.status),
            decided_at: crate::candidates::format(now),
        };
        OUTBOX.enqueue(&mut tx, REVIEW_DECIDED, &event).await?;
        tx.commit().await?;
        tracing::info!(nomination.id = %nomination_id, stage = %name(outcome.stage), decision = %name(outcome.decision), "review decided");
        Ok(outcome)
    }

    /// Cases waiting at a stage inside the caller's area, oldest first, with their count.
    pub async fn queue(
        &self,
        caller: &Caller,
        stage: ReviewStage,
        after: Option<Uuid>,
        limit: i64,
    ) -> AppResult<(Vec<CaseRow>, i64)> {
        if !scope::may_read(caller) {
            return Err(AppError::forbidden());
        }
        let (column, area) = match (caller.role, caller.area_level) {
            (Role::System, _) => ("district_id", None),
            (_, AreaLevel::District) => ("district_id", Some(caller.area_id)),
            (_, AreaLevel::Street) => ("street_id", Some(caller.area_id)),
            (_, AreaLevel::Community) => ("community_id", Some(caller.area_id)),
        };
        let filter = format!("WHERE review_stage = $1 AND ($2::uuid IS NULL OR {column} = $2)");
        let count: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT count(*) FROM review.cases {filter}"
        )))
        .bind(name(stage))
        .bind(area)
        .fetch_one(&self.pool)
        .await?;
        // Keyset paging on (submitted_at, nomination_id): the cursor is the last nomination.
        let rows: Vec<CaseRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{CASE} {filter} AND ($3::uuid IS NULL OR (submitted_at, nomination_id) > \
             (SELECT submitted_at, nomination_id FROM review.cases WHERE nomination_id = $3)) \
             ORDER BY submitted_at, nomination_id LIMIT $4"
        )))
        .bind(name(stage))
        .bind(area)
        .bind(after)
        .bind(limit + 1)
        .fetch_all(&self.pool)
        .await?;
        Ok((rows, count))
    }
}
