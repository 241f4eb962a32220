//! The electorate of a contest (R-ELECTORATE): by the election's method, every registered
//! voter aged 18 or more on election day (R-VOTER-AGE, 周岁: the 18th birthday on or before
//! election day), the household representatives, or the residents' representatives.
//! Publication (张榜公布, R-ROLL-PUBLISH) freezes the list: what the ballot service receives is
//! the frozen list, whatever the register does afterwards.

use juxuan_platform::audit;
use juxuan_platform::auth::Caller;
use juxuan_platform::error::{Kind, Text, unique_violation};
use juxuan_platform::{AppError, AppResult};
use juxuan_proto::nomination::v1::{self as pb, electorate_service_server::ElectorateService};
use sqlx::PgPool;
use time::OffsetDateTime;
use tonic::{Request, Response, Status};
use uuid::Uuid;

use crate::elections_store::{self, ContestRow, ElectionRow};
use crate::names::{Page, parse_id};
use crate::scope::{self, AreaPath};
use crate::{AUDIT, OUTBOX};

pub const ELECTORATE_PUBLISHED: &str = "juxuan.nomination.v1.ElectoratePublished";
use crate::scope::KEEPERS;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ElectorRow {
    pub voter_id: Uuid,
    pub name: String,
    pub id_masked: String,
    pub gender: String,
    pub household_no: String,
    pub resident_group: Option<String>,
    /// The person's pseudonymous key (hex of the keyed identity hash), as on candidates.
    pub person_key: String,
}

/// The register's electors of a contest now: R-VOTER-AGE and the method's status.
const LIVE_ELECTORS: &str = "FROM nomination.voters v LEFT JOIN nomination.resident_groups g ON g.id = v.resident_group_id \
     WHERE v.community_id = $1 AND v.erased_at IS NULL \
       AND v.birth_date <= ($2::date - interval '18 years')::date \
       AND ($3 = 'all_voters' OR ($3 = 'household_representatives' AND v.household_rep) \
            OR ($3 = 'resident_representatives' AND v.resident_rep))";

#[derive(Clone)]
pub struct Electorate {
    pub(crate) pool: PgPool,
}

impl Electorate {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }

    async fn contest(&self, caller: &Caller, id: Uuid) -> AppResult<(ContestRow, ElectionRow)> {
        let contest = elections_store::contest(&self.pool, id)
            .await?
            .ok_or_else(|| AppError::not_found("选举单元", "Contest"))?;
        scope::require_read(
            caller,
            &AreaPath::community(contest.community_id, contest.street_id, contest.district_id),
        )?;
        let election = elections_store::election(&self.pool, contest.election_id)
            .await?
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("contest without election")))?;
        Ok((contest, election))
    }

    /// The electors, frozen if published; `(count, page, next cursor, published_at)`.
    pub async fn list(
        &self,
        caller: &Caller,
        contest_id: Uuid,
        page: Page,
    ) -> AppResult<(i64, Vec<ElectorRow>, String, Option<OffsetDateTime>)> {
        let (contest, election) = self.contest(caller, contest_id).await?;
        let published: Option<(OffsetDateTime, i32)> =
            sqlx::query_as("SELECT published_at, electors FROM nomination.electorate_publications WHERE contest_id = $1")
                .bind(contest_id)
                .fetch_optional(&self.pool)
                .await?;
        if let Some((at, count)) = published {
            let rows: Vec<ElectorRow> = sqlx::query_as(
                "SELECT e.voter_id, e.name, e.id_masked, e.gender, e.household_no, e.resident_group, encode(v.id_hash, 'hex') AS person_key \
                 FROM nomination.electorate_entries e JOIN nomination.voters v ON v.id = e.voter_id \
                 WHERE e.contest_id = $1 AND ($2::uuid IS NULL OR e.voter_id > $2) ORDER BY e.voter_id LIMIT $3",
            )
            .bind(contest_id)
            .bind(page.after)
            .bind(page.limit + 1)
            .fetch_all(&self.pool)
            .await?;
            let (rows, next) = page.finish(rows, |r| r.voter_id);
            return Ok((i64::from(count), rows, next, Some(at)));
        }
        let count: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT count(*) {LIVE_ELECTORS}"
        )))
        .bind(contest.community_id)
        .bind(contest.election_day)
        .bind(&election.method)
        .fetch_one(&self.pool)
        .await?;
        let rows: Vec<ElectorRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT v.id AS voter_id, v.name, v.id_masked, v.gender, v.household_no, g.name AS resident_group, \
             encode(v.id_hash, 'hex') AS person_key {LIVE_ELECTORS} \
             AND ($4::uuid IS NULL OR v.id > $4) ORDER BY v.id LIMIT $5"
        )))
        .bind(contest.community_id)
        .bind(contest.election_day)
        .bind(&election.method)
        .bind(page.after)
        .bind(page.limit + 1)
        .fetch_all(&self.pool)
        .await?;
        let (rows, next) = page.finish(rows, |r| r.voter_id);
        Ok((count, rows, next, None))
    }

    /// Freezes the electorate (community officer, its street's officer or the district admin).
    pub async fn publish(
        &self,
        caller: &Caller,
        contest_id: Uuid,
    ) -> AppResult<(OffsetDateTime, i64)> {
        caller.require_role(KEEPERS)?;
        let (contest, election) = self.contest(caller, contest_id).await?;
        scope::require_write(
            caller,
            KEEPERS,
            &AreaPath::community(contest.community_id, contest.street_id, contest.district_id),
        )?;
        let now = crate::elections::clock_of(&election).now(OffsetDateTime::now_utc());
        let mut tx = self.pool.begin().await?;
        sqlx::query("INSERT INTO nomination.electorate_publications (contest_id, published_at, published_by, electors) VALUES ($1, $2, $3, 0)")
            .bind(contest_id)
            .bind(now)
            .bind(&caller.id)
            .execute(&mut *tx)
            .await
            .map_err(|e| {
                if unique_violation(&e).is_some() {
                    AppError::new(Kind::Conflict, "electorate.already_published", Text::new("选民名单已公布，不能再改动", "The electorate is published and frozen"))
                } else {
                    e.into()
                }
            })?;
        // R-ROLL-PUBLISH (after the state check above, so 409 comes before 422): before
        // election day, and the profile's days before it. A refusal rolls the insert back.
        let profile = crate::rules::stored(&election)?;
        let method = crate::names::parse_enum::<juxuan_domain::ElectionMethod>(&election.method)
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("stored method unknown")))?;
        juxuan_domain::voters::check_electorate_publication(
            method,
            now.date(),
            contest.election_day,
            &profile,
        )
        .map_err(|v| AppError::violations(vec![v]))?;
        let count = sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO nomination.electorate_entries (contest_id, voter_id, name, id_masked, gender, household_no, resident_group) \
             SELECT $4, v.id, v.name, v.id_masked, v.gender, v.household_no, g.name {LIVE_ELECTORS}"
        )))
        .bind(contest.community_id)
        .bind(contest.election_day)
        .bind(&election.method)
        .bind(contest_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let count = i64::try_from(count).unwrap_or(i64::MAX);
        sqlx::query(
            "UPDATE nomination.electorate_publications SET electors = $2 WHERE contest_id = $1",
        )
        .bind(contest_id)
        .bind(i32::try_from(count).unwrap_or(i32::MAX))
        .execute(&mut *tx)
        .await?;
        let change =
            serde_json::json!({"electors": count, "published_at": crate::clock::format(now)});
        AUDIT
            .append(
                &mut tx,
                audit::Entry::by(
                    caller,
                    "electorate.published",
                    &contest_id.to_string(),
                    &change,
                ),
            )
            .await?;
        let event = pb::ElectoratePublished {
            contest_id: contest_id.to_string(),
            election_id: contest.election_id.to_string(),
            count: u32::try_from(count).unwrap_or(u32::MAX),
            published_at: crate::clock::format(now),
        };
        OUTBOX
            .enqueue(&mut tx, ELECTORATE_PUBLISHED, &event)
            .await?;
        tx.commit().await?;
        Ok((now, count))
    }
}

#[tonic::async_trait]
impl ElectorateService for Electorate {
    async fn list_electorate(
        &self,
        request: Request<pb::ListElectorateRequest>,
    ) -> Result<Response<pb::ListElectorateResponse>, Status> {
        let caller = juxuan_platform::grpc::caller(&request)?;
        let r = request.get_ref();
        let id = parse_id("id", &r.contest_id)?;
        let page = Page::parse(r.page.as_ref())?;
        let (count, rows, next_cursor, published_at) = self.list(&caller, id, page).await?;
        Ok(Response::new(pb::ListElectorateResponse {
            count: u32::try_from(count).unwrap_or(u32::MAX),
            items: rows
                .into_iter()
                .map(|e| pb::Elector {
                    voter_id: e.voter_id.to_string(),
                    name: e.name,
                    id_number_masked: e.id_masked,
                    gender: e.gender,
                    household_no: e.household_no,
                    resident_group: e.resident_group.unwrap_or_default(),
                    person_key: e.person_key,
                })
                .collect(),
            next_cursor,
            published_at: published_at.map(crate::clock::format).unwrap_or_default(),
        }))
    }

    async fn publish_electorate(
        &self,
        request: Request<pb::PublishElectorateRequest>,
    ) -> Result<Response<pb::ElectoratePublication>, Status> {
        let caller = juxuan_platform::grpc::caller(&request)?;
        let id = parse_id("id", &request.get_ref().contest_id)?;
        let (at, count) = self.publish(&caller, id).await?;
        Ok(Response::new(pb::ElectoratePublication {
            published_at: crate::clock::format(at),
            count: u32::try_from(count).unwrap_or(u32::MAX),
        }))
    }
}
