//! The projections: every service's events applied to the reporting schema. One handler reads
//! the three streams (nomination, review, ballot); each event is applied once (the platform's
//! processed-event ledger) and every statement is an upsert that tolerates events of another
//! stream arriving first.

use std::future::Future;
use std::pin::Pin;

use juxuan_platform::events::{Event, Handler};
use juxuan_proto::ballot::v1 as bpb;
use juxuan_proto::nomination::v1 as npb;
use juxuan_proto::review::v1 as rpb;
use sqlx::PgConnection;
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// The handler of the nomination, review and ballot streams.
pub struct Projector;

fn id(raw: &str) -> anyhow::Result<Uuid> {
    Ok(Uuid::parse_str(raw)?)
}

fn opt_id(raw: &str) -> Option<Uuid> {
    Uuid::parse_str(raw).ok()
}

fn date(raw: &str) -> anyhow::Result<Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Ok(Date::parse(raw, &format)?)
}

fn instant(raw: &str) -> anyhow::Result<OffsetDateTime> {
    Ok(OffsetDateTime::parse(raw, &Rfc3339)?)
}

async fn area(conn: &mut PgConnection, e: npb::AreaCreated) -> anyhow::Result<()> {
    let Some(a) = e.area else { return Ok(()) };
    if !e.resident_group_id.is_empty() {
        return Ok(());
    }
    let level = juxuan_platform::auth::AreaLevel::from_proto(a.level)
        .map(|l| l.as_str())
        .unwrap_or("community");
    sqlx::query(
        "INSERT INTO reporting.areas (id, level, name, code, district_id, street_id) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, code = EXCLUDED.code",
    )
    .bind(id(&a.id)?)
    .bind(level)
    .bind(&a.name)
    .bind(Some(e.code).filter(|c| !c.is_empty()))
    .bind(id(&a.district_id)?)
    .bind(opt_id(&a.street_id))
    .execute(conn)
    .await?;
    Ok(())
}

async fn election(conn: &mut PgConnection, e: npb::ElectionCreated) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO reporting.elections (election_id, district_id, title, kind, drill, method, nomination_opens_on, nomination_closes_on) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (election_id) DO NOTHING",
    )
    .bind(id(&e.election_id)?)
    .bind(id(&e.district_id)?)
    .bind(&e.title)
    .bind(&e.kind)
    .bind(e.mode == "drill")
    .bind(&e.method)
    .bind(date(&e.nomination_opens_on)?)
    .bind(date(&e.nomination_closes_on)?)
    .execute(conn)
    .await?;
    Ok(())
}

async fn contest(conn: &mut PgConnection, e: npb::ContestCreated) -> anyhow::Result<()> {
    let community = e.community.unwrap_or_default();
    let positions: Vec<serde_json::Value> = e
        .positions
        .iter()
        .map(|p| serde_json::json!({"position": p.position, "seats": p.seats}))
        .collect();
    sqlx::query(
        "INSERT INTO reporting.contests (contest_id, election_id, district_id, street_id, community_id, community, election_day, drill, positions) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (contest_id) DO UPDATE SET election_id = EXCLUDED.election_id, district_id = EXCLUDED.district_id, \
           street_id = EXCLUDED.street_id, community_id = EXCLUDED.community_id, community = EXCLUDED.community, \
           election_day = EXCLUDED.election_day, drill = EXCLUDED.drill, positions = EXCLUDED.positions, changed_at = now()",
    )
    .bind(id(&e.contest_id)?)
    .bind(id(&e.election_id)?)
    .bind(id(&community.district_id)?)
    .bind(id(&community.street_id)?)
    .bind(id(&community.id)?)
    .bind(&community.name)
    .bind(date(&e.election_day)?)
    .bind(e.drill)
    .bind(serde_json::Value::Array(positions))
    .execute(conn)
    .await?;
    Ok(())
}

/// Sets some columns of a contest, creating its row if no other event has yet.
async fn touch(conn: &mut PgConnection, contest_id: &str) -> anyhow::Result<Uuid> {
    let contest_id = id(contest_id)?;
    sqlx::query("INSERT INTO reporting.contests (contest_id) VALUES ($1) ON CONFLICT (contest_id) DO UPDATE SET changed_at = now()")
        .bind(contest_id)
        .execute(conn)
        .await?;
    Ok(contest_id)
}

async fn electorate(conn: &mut PgConnection, e: npb::ElectoratePublished) -> anyhow::Result<()> {
    let contest_id = touch(conn, &e.contest_id).await?;
    sqlx::query("UPDATE reporting.contests SET electorate = $2, electorate_published_at = $3 WHERE contest_id = $1")
        .bind(contest_id)
        .bind(i32::try_from(e.count).unwrap_or(i32::MAX))
        .bind(instant(&e.published_at)?)
        .execute(conn)
        .await?;
    Ok(())
}

async fn nomination(
    conn: &mut PgConnection,
    nomination_id: &str,
    contest_id: &str,
    standing: bool,
) -> anyhow::Result<()> {
    let contest_id = touch(conn, contest_id).await?;
    // A withdrawal or a rejection is final: a late `submitted` never makes it standing again.
    sqlx::query(
        "INSERT INTO reporting.nominations (nomination_id, contest_id, standing) VALUES ($1, $2, $3) \
         ON CONFLICT (nomination_id) DO UPDATE SET standing = reporting.nominations.standing AND EXCLUDED.standing",
    )
    .bind(id(nomination_id)?)
    .bind(contest_id)
    .bind(standing)
    .execute(conn)
    .await?;
    Ok(())
}

async fn list_published(
    conn: &mut PgConnection,
    e: rpb::CandidateListPublished,
) -> anyhow::Result<()> {
    let contest_id = touch(conn, &e.contest_id).await?;
    let candidates: Vec<serde_json::Value> = e
        .candidates
        .iter()
        .map(|c| serde_json::json!({"candidate_id": c.candidate_id, "nomination_id": c.nomination_id, "name": c.name, "position": c.position}))
        .collect();
    sqlx::query(
        "UPDATE reporting.contests SET list_published_at = $2, ballot_fingerprint = $3, candidates = $4 WHERE contest_id = $1",
    )
    .bind(contest_id)
    .bind(instant(&e.published_at)?)
    .bind(&e.ballot_fingerprint)
    .bind(serde_json::Value::Array(candidates))
    .execute(conn)
    .await?;
    Ok(())
}

/// Moves a contest's election-day status forward, never back.
async fn voting_status(
    conn: &mut PgConnection,
    contest_id: Uuid,
    status: &str,
) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE reporting.contests SET voting_status = $2 WHERE contest_id = $1 AND \
         coalesce(array_position(ARRAY['polling', 'counted', 'failed', 'announced'], voting_status), 0) \
           < array_position(ARRAY['polling', 'counted', 'failed', 'announced'], $2)",
    )
    .bind(contest_id)
    .bind(status)
    .execute(conn)
    .await?;
    Ok(())
}

async fn poll_closed(conn: &mut PgConnection, e: bpb::PollClosed) -> anyhow::Result<()> {
    let contest_id = touch(conn, &e.contest_id).await?;
    let tally: serde_json::Value = serde_json::from_str(&e.tally_json)?;
    sqlx::query(
        "INSERT INTO reporting.rounds (contest_id, round, poll_id, closed_at, outcome, tally) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (contest_id, round) DO NOTHING",
    )
    .bind(contest_id)
    .bind(i32::try_from(e.round).unwrap_or(i32::MAX))
    .bind(id(&e.poll_id)?)
    .bind(instant(&e.closed_at)?)
    .bind(&e.outcome)
    .bind(tally)
    .execute(&mut *conn)
    .await?;
    match e.outcome.as_str() {
        "concluded" => voting_status(conn, contest_id, "counted").await,
        "contest_failed" => voting_status(conn, contest_id, "failed").await,
        _ => voting_status(conn, contest_id, "polling").await,
    }
}

async fn announced(conn: &mut PgConnection, e: bpb::ResultAnnounced) -> anyhow::Result<()> {
    let contest_id = touch(conn, &e.contest_id).await?;
    let elected: Vec<serde_json::Value> = e
        .elected
        .iter()
        .map(|p| {
            serde_json::json!({"name": p.name, "position": p.position, "votes": p.votes,
            "certificate_no": p.certificate_no, "round": p.round, "candidate_id": p.candidate_id})
        })
        .collect();
    let vacancies: Vec<serde_json::Value> = e
        .vacancies
        .iter()
        .map(|v| serde_json::json!({"position": v.position, "seats": v.seats}))
        .collect();
    sqlx::query("UPDATE reporting.contests SET announced_at = $2, elected = $3, vacancies = $4 WHERE contest_id = $1")
        .bind(contest_id)
        .bind(instant(&e.announced_at)?)
        .bind(serde_json::Value::Array(elected))
        .bind(serde_json::Value::Array(vacancies))
        .execute(&mut *conn)
        .await?;
    let status = if e.status == "failed" {
        "failed"
    } else {
        "announced"
    };
    voting_status(conn, contest_id, status).await
}

/// Applies one event of any of the three streams.
pub async fn apply(conn: &mut PgConnection, event: &Event) -> anyhow::Result<()> {
    match event.event_type.as_str() {
        "juxuan.nomination.v1.AreaCreated" => area(conn, event.decode()?).await,
        "juxuan.nomination.v1.ElectionCreated" => election(conn, event.decode()?).await,
        "juxuan.nomination.v1.ContestCreated" => contest(conn, event.decode()?).await,
        "juxuan.nomination.v1.ElectoratePublished" => electorate(conn, event.decode()?).await,
        "juxuan.nomination.v1.NominationSubmitted" => {
            let e: npb::NominationSubmitted = event.decode()?;
            nomination(conn, &e.nomination_id, &e.contest_id, true).await?;
            sqlx::query(
                "UPDATE reporting.nominations SET name = $2, position = $3, gender = $4, birth_date = $5, \
                 education = $6, party_member = $7 WHERE nomination_id = $1",
            )
            .bind(id(&e.nomination_id)?)
            .bind(&e.nominee_name)
            .bind(&e.position)
            .bind(Some(e.nominee_gender).filter(|g| !g.is_empty()))
            .bind(date(&e.nominee_birth_date).ok())
            .bind(Some(e.nominee_education).filter(|g| !g.is_empty()))
            .bind(e.nominee_party_member)
            .execute(conn)
            .await?;
            Ok(())
        }
        "juxuan.nomination.v1.NominationWithdrawn" => {
            let e: npb::NominationWithdrawn = event.decode()?;
            nomination(conn, &e.nomination_id, &e.contest_id, false).await
        }
        "juxuan.review.v1.ReviewDecided" => {
            let e: rpb::ReviewDecided = event.decode()?;
            if e.status == "rejected" {
                nomination(conn, &e.nomination_id, &e.contest_id, false).await
            } else {
                Ok(())
            }
        }
        "juxuan.review.v1.CandidateListPublished" => list_published(conn, event.decode()?).await,
        "juxuan.ballot.v1.PollOpened" => {
            let e: bpb::PollOpened = event.decode()?;
            let contest_id = touch(conn, &e.contest_id).await?;
            voting_status(conn, contest_id, "polling").await
        }
        "juxuan.ballot.v1.PollClosed" => poll_closed(conn, event.decode()?).await,
        "juxuan.ballot.v1.ResultAnnounced" => announced(conn, event.decode()?).await,
        _ => Ok(()),
    }
}

impl Handler for Projector {
    fn handle<'a>(
        &'a self,
        conn: &'a mut PgConnection,
        event: &'a Event,
    ) -> Pin<Box<dyn Future<Output = anyhow::Result<()>> + Send + 'a>> {
        Box::pin(apply(conn, event))
    }
}

/// The projection tables, emptied by a rebuild.
pub const TABLES: &[&str] = &["rounds", "nominations", "contests", "elections", "areas"];

/// Empties every projection and applies every event of the three outboxes again, stream by
/// stream in their order (nomination, review, ballot: the order facts arise in), so the result
/// does not depend on how the live streams interleaved. Returns the number of events applied.
pub async fn rebuild(pool: &sqlx::PgPool) -> anyhow::Result<u64> {
    let mut tx = pool.begin().await?;
    for table in TABLES {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DELETE FROM reporting.{table}"
        )))
        .execute(&mut *tx)
        .await?;
    }
    let mut applied = 0u64;
    for schema in ["nomination", "review", "ballot"] {
        let events: Vec<(Uuid, String, Vec<u8>)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT event_id, event_type, payload FROM {schema}.outbox ORDER BY seq"
        )))
        .fetch_all(&mut *tx)
        .await?;
        for (event_id, event_type, payload) in events {
            let event = Event {
                id: event_id,
                event_type,
                payload,
                traceparent: None,
            };
            apply(&mut tx, &event).await?;
            sqlx::query(
                "INSERT INTO reporting.processed_events (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            )
            .bind(crate::CONSUMER_GROUP)
            .bind(event_id)
            .execute(&mut *tx)
            .await?;
            applied += 1;
        }
    }
    tx.commit().await?;
    Ok(applied)
}
