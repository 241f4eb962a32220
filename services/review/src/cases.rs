//! Review cases from the nomination service's events: `NominationSubmitted` opens one,
//! `NominationWithdrawn` closes it. Each event is applied in the transaction that records it as
//! processed (the platform's consumer), and the statements are idempotent too, so a repeated
//! or replayed event changes nothing.

use std::future::Future;
use std::pin::Pin;

use juxuan_platform::events::{Event, Handler};
use juxuan_proto::nomination::v1 as pb;
use sqlx::PgConnection;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

pub const NOMINATION_SUBMITTED: &str = "juxuan.nomination.v1.NominationSubmitted";
pub const NOMINATION_WITHDRAWN: &str = "juxuan.nomination.v1.NominationWithdrawn";

/// The handler of the nomination stream.
pub struct Cases;

fn id(raw: &str, what: &str) -> anyhow::Result<Uuid> {
    Uuid::parse_str(raw).map_err(|e| anyhow::anyhow!("{what} `{raw}` in an event: {e}"))
}

async fn open(conn: &mut PgConnection, e: pb::NominationSubmitted) -> anyhow::Result<()> {
    let community = e.community.unwrap_or_default();
    let submitted_at = OffsetDateTime::parse(&e.submitted_at, &Rfc3339)?;
    sqlx::query(
        "INSERT INTO review.cases (nomination_id, contest_id, election_id, district_id, street_id, community_id, \
         community, position, nominee_name, nominee_key, eligible, status, review_stage, submitted_at, drill) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'submitted', 'community', $12, $13) \
         ON CONFLICT (nomination_id) DO NOTHING",
    )
    .bind(id(&e.nomination_id, "nomination")?)
    .bind(id(&e.contest_id, "contest")?)
    .bind(id(&e.election_id, "election")?)
    .bind(id(&community.district_id, "district")?)
    .bind(id(&community.street_id, "street")?)
    .bind(id(&community.community_id, "community")?)
    .bind(&community.name)
    .bind(&e.position)
    .bind(&e.nominee_name)
    .bind(&e.nominee_key)
    .bind(e.eligible)
    .bind(submitted_at)
    .bind(e.drill)
    .execute(conn)
    .await?;
    Ok(())
}

/// Closes the case; an official candidate leaves the list unless it is already published
/// (a published list is frozen: the withdrawal is then the election committee's to announce).
async fn close(conn: &mut PgConnection, e: pb::NominationWithdrawn) -> anyhow::Result<()> {
    let nomination = id(&e.nomination_id, "nomination")?;
    // Serialised with the contest's publication, which reads the candidates.
    crate::candidates::lock_contest(&mut *conn, id(&e.contest_id, "contest")?).await?;
    sqlx::query(
        "UPDATE review.cases SET status = 'withdrawn', review_stage = NULL \
         WHERE nomination_id = $1 AND status NOT IN ('rejected', 'withdrawn')",
    )
    .bind(nomination)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "DELETE FROM review.candidates c WHERE c.nomination_id = $1 \
         AND NOT EXISTS (SELECT 1 FROM review.publications p WHERE p.contest_id = c.contest_id)",
    )
    .bind(nomination)
    .execute(conn)
    .await?;
    Ok(())
}

impl Handler for Cases {
    fn handle<'a>(
        &'a self,
        conn: &'a mut PgConnection,
        event: &'a Event,
    ) -> Pin<Box<dyn Future<Output = anyhow::Result<()>> + Send + 'a>> {
        Box::pin(async move {
            match event.event_type.as_str() {
                NOMINATION_SUBMITTED => open(conn, event.decode()?).await,
                NOMINATION_WITHDRAWN => close(conn, event.decode()?).await,
                // Areas, elections, contests, electorates: not this service's concern.
                _ => Ok(()),
            }
        })
    }
}
