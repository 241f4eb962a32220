//! Official candidates (正式候选人) and the publication of their list (R-CAND-PUBLISH,
//! R-CAND-COUNT): checked by the domain crate against the contest's seats and the election's
//! clock and profile (read from the nomination service with the caller's token), then frozen
//! with the ballot paper's fingerprint, so the ballot service and the results refer to exactly
//! that list. Event: `CandidateListPublished`.

use juxuan_domain::{
    Candidate, CandidateId, Contest, PersonKey, Poll, Position, PositionSeats, RuleProfile, Seats,
};
use juxuan_platform::audit;
use juxuan_platform::auth::Caller;
use juxuan_platform::error::{Kind, Text, unique_violation};
use juxuan_platform::grpc::read_as;
use juxuan_platform::scope::{self, AreaPath, KEEPERS};
use juxuan_platform::{AppError, AppResult};
use juxuan_proto::nomination::v1 as npb;
use juxuan_proto::review::v1 as pb;
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime, UtcOffset};
use uuid::Uuid;

use crate::review::{Review, parse};
use crate::{AUDIT, OUTBOX};

pub const CANDIDATE_LIST_PUBLISHED: &str = "juxuan.review.v1.CandidateListPublished";

/// The districts' zone (UTC+8, no daylight saving).
pub const DISTRICT_OFFSET: UtcOffset = match UtcOffset::from_hms(8, 0, 0) {
    Ok(offset) => offset,
    Err(_) => UtcOffset::UTC,
};

/// RFC 3339 in the district's zone.
pub fn format(t: OffsetDateTime) -> String {
    t.to_offset(DISTRICT_OFFSET)
        .format(&Rfc3339)
        .unwrap_or_default()
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, serde::Deserialize)]
pub struct CandidateRow {
    pub candidate_id: Uuid,
    pub nomination_id: Uuid,
    pub name: String,
    pub position: String,
    /// The person (pseudonymous), for the ballot paper; not shown in the REST API.
    pub person_key: String,
}

/// Serialises, per contest, the publication of its list with the approvals and withdrawals
/// that change it.
pub async fn lock_contest(conn: &mut sqlx::PgConnection, contest_id: Uuid) -> sqlx::Result<()> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1::text, 0))")
        .bind(contest_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// A contest's list: its candidates, and when and with which fingerprint it was published.
#[derive(Debug, Clone)]
pub struct CandidateList {
    pub items: Vec<CandidateRow>,
    pub published_at: Option<OffsetDateTime>,
    pub ballot_fingerprint: Option<String>,
}

/// What the nomination service knows of a contest.
struct ContestFacts {
    area: AreaPath,
    election_id: String,
    election_day: Date,
    /// The election's clock now (a drill's own), to the microsecond Postgres keeps.
    now: OffsetDateTime,
    today: Date,
    contest: Contest,
    profile: RuleProfile,
    drill: bool,
}

fn bad_upstream(what: &str) -> AppError {
    AppError::internal(anyhow::anyhow!("the nomination service sent a bad {what}"))
}

impl Review {
    /// The contest, its election's profile and clock, read as the caller (so the nomination
    /// service applies the same area rules).
    async fn contest_facts(&self, caller: &Caller, contest_id: Uuid) -> AppResult<ContestFacts> {
        let token = &caller.token;
        let get = npb::GetContestRequest {
            id: contest_id.to_string(),
        };
        let contest = read_as(&self.elections, token, &get, |mut c, r| async move {
            c.get_contest(r).await
        })
        .await?;
        let get = npb::GetElectionRequest {
            id: contest.election_id.clone(),
        };
        let election = read_as(&self.elections, token, &get, |mut c, r| async move {
            c.get_election(r).await
        })
        .await?;
        let ids = |raw: &str| Uuid::parse_str(raw).map_err(|_| bad_upstream("id"));
        let area = AreaPath::community(
            ids(&contest.community_id)?,
            ids(&contest.street_id)?,
            ids(&contest.district_id)?,
        );
        let date_format = time::macros::format_description!("[year]-[month]-[day]");
        let election_day = Date::parse(&contest.election_day, &date_format)
            .map_err(|_| bad_upstream("election day"))?;
        let now = OffsetDateTime::parse(&election.clock, &Rfc3339)
            .map_err(|_| bad_upstream("clock"))?
            .to_offset(DISTRICT_OFFSET);
        let now = now
            .replace_nanosecond(now.nanosecond() / 1000 * 1000)
            .unwrap_or(now);
        let positions = contest
            .positions
            .iter()
            .map(|p| {
                Ok(PositionSeats {
                    position: parse::<Position>(&p.position)?,
                    seats: Seats::new(p.seats).map_err(|_| bad_upstream("seat count"))?,
                })
            })
            .collect::<AppResult<Vec<_>>>()?;
        Ok(ContestFacts {
            area,
            election_id: contest.election_id,
            election_day,
            now,
            today: now.date(),
            contest: Contest::new(positions).map_err(|_| bad_upstream("contest"))?,
            profile: serde_json::from_str(&election.rules_json)
                .map_err(|_| bad_upstream("rule profile"))?,
            drill: election.mode == "drill",
        })
    }

    /// The official candidates of a contest (the frozen list once published), by position from
    /// the highest, then in order of approval.
    pub async fn candidates(&self, caller: &Caller, contest_id: Uuid) -> AppResult<CandidateList> {
        let published: Option<(OffsetDateTime, serde_json::Value, String)> = sqlx::query_as(
            "SELECT published_at, items, ballot_fingerprint FROM review.publications WHERE contest_id = $1",
        )
        .bind(contest_id)
        .fetch_optional(&self.pool)
        .await?;
        if let Some((at, items, fingerprint)) = published {
            // Read through the nomination service for the area check of a published list too.
            let facts = self.contest_facts(caller, contest_id).await?;
            scope::require_read(caller, &facts.area)?;
            return Ok(CandidateList {
                items: serde_json::from_value(items).map_err(AppError::internal)?,
                published_at: Some(at),
                ballot_fingerprint: Some(fingerprint),
            });
        }
        let facts = self.contest_facts(caller, contest_id).await?;
        scope::require_read(caller, &facts.area)?;
        let mut conn = self.pool.acquire().await?;
        Ok(CandidateList {
            items: current(&mut conn, contest_id).await?,
            published_at: None,
            ballot_fingerprint: None,
        })
    }

    /// Publishes and freezes the list (a keeper of the community): 409 once published, 422
    /// when too late on the election's clock, a position has no candidate, or the profile asks
    /// for competition and a position has no more candidates than seats.
    pub async fn publish(&self, caller: &Caller, contest_id: Uuid) -> AppResult<CandidateList> {
        caller.require_role(KEEPERS)?;
        let facts = self.contest_facts(caller, contest_id).await?;
        scope::require_write(caller, KEEPERS, &facts.area)?;
        let mut tx = self.pool.begin().await?;
        lock_contest(&mut tx, contest_id).await?;
        let already: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM review.publications WHERE contest_id = $1)",
        )
        .bind(contest_id)
        .fetch_one(&mut *tx)
        .await?;
        if already {
            return Err(frozen());
        }
        let items = current(&mut tx, contest_id).await?;
        let positions = items
            .iter()
            .map(|c| parse::<Position>(&c.position))
            .collect::<AppResult<Vec<_>>>()?;
        juxuan_domain::check_candidate_list(
            &facts.contest,
            &positions,
            facts.today,
            facts.election_day,
            &facts.profile,
        )
        .map_err(AppError::violations)?;
        let paper = Poll::first_round(
            &facts.contest,
            items
                .iter()
                .zip(&positions)
                .map(|(c, p)| {
                    (
                        *p,
                        Candidate {
                            candidate_id: CandidateId::new(c.candidate_id.to_string()),
                            person: PersonKey::new(c.person_key.clone()),
                            name: c.name.clone(),
                        },
                    )
                })
                .collect(),
        )
        .map_err(|e| AppError::internal(anyhow::anyhow!("ballot paper: {e:?}")))?;
        let fingerprint =
            juxuan_domain::ballot_fingerprint(&facts.election_id, &contest_id.to_string(), &paper)
                .to_string();
        // Published at the election's clock (a drill's own).
        let published_at = facts.now;
        sqlx::query(
            "INSERT INTO review.publications (contest_id, election_id, published_at, published_by, items, ballot_fingerprint) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(contest_id)
        .bind(Uuid::parse_str(&facts.election_id).map_err(|_| bad_upstream("id"))?)
        .bind(published_at)
        .bind(&caller.id)
        .bind(serde_json::to_value(&items).map_err(AppError::internal)?)
        .bind(&fingerprint)
        .execute(&mut *tx)
        .await
        .map_err(|e| if unique_violation(&e).is_some() { frozen() } else { e.into() })?;
        let change = serde_json::json!({
            "published_at": format(published_at), "ballot_fingerprint": fingerprint,
            "candidates": items.iter().map(|c| c.candidate_id).collect::<Vec<_>>(),
        });
        AUDIT
            .append(
                &mut tx,
                audit::Entry::by(
                    caller,
                    "candidates.published",
                    &contest_id.to_string(),
                    &change,
                ),
            )
            .await?;
        let event = pb::CandidateListPublished {
            contest_id: contest_id.to_string(),
            election_id: facts.election_id.clone(),
            published_at: format(published_at),
            ballot_fingerprint: fingerprint.clone(),
            candidates: items.iter().map(candidate_to_proto).collect(),
            drill: facts.drill,
        };
        OUTBOX
            .enqueue(&mut tx, CANDIDATE_LIST_PUBLISHED, &event)
            .await?;
        tx.commit().await?;
        tracing::info!(contest.id = %contest_id, candidates = items.len(), "candidate list published");
        Ok(CandidateList {
            items,
            published_at: Some(published_at),
            ballot_fingerprint: Some(fingerprint),
        })
    }
}

/// The official candidates of a contest now: by position from the highest, then in order of
/// approval.
async fn current(conn: &mut sqlx::PgConnection, contest_id: Uuid) -> AppResult<Vec<CandidateRow>> {
    Ok(sqlx::query_as(
        "SELECT candidate_id, nomination_id, name, position, person_key FROM review.candidates WHERE contest_id = $1 \
         ORDER BY array_position(ARRAY['director', 'deputy_director', 'member'], position), approved_at, candidate_id",
    )
    .bind(contest_id)
    .fetch_all(conn)
    .await?)
}

fn frozen() -> AppError {
    AppError::new(
        Kind::Conflict,
        "candidates.already_published",
        Text::new(
            "候选人名单已公布，不能再改动",
            "The candidate list is published and frozen",
        ),
    )
}

pub fn candidate_to_proto(c: &CandidateRow) -> pb::Candidate {
    pb::Candidate {
        candidate_id: c.candidate_id.to_string(),
        nomination_id: c.nomination_id.to_string(),
        name: c.name.clone(),
        position: c.position.clone(),
        person_key: c.person_key.clone(),
    }
}
