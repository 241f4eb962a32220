//! Facts from the review service's events: `CandidateListPublished` makes a contest
//! `published`; a `ReviewDecided` rejection ends the nomination here too (it no longer counts
//! for R-NOM-DUP and can no longer be withdrawn). Applied once per event, in the transaction
//! that records it; the statements are idempotent as well.

use std::future::Future;
use std::pin::Pin;

use juxuan_platform::events::{Event, Handler};
use juxuan_proto::review::v1 as pb;
use sqlx::PgConnection;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

pub const REVIEW_DECIDED: &str = "juxuan.review.v1.ReviewDecided";
pub const CANDIDATE_LIST_PUBLISHED: &str = "juxuan.review.v1.CandidateListPublished";

/// The handler of the review stream.
pub struct ReviewFacts;

async fn decided(conn: &mut PgConnection, e: pb::ReviewDecided) -> anyhow::Result<()> {
    if e.status == "rejected" {
        sqlx::query(
            "UPDATE nomination.nominations SET status = 'rejected' WHERE id = $1 AND status = 'submitted'",
        )
        .bind(Uuid::parse_str(&e.nomination_id)?)
        .execute(conn)
        .await?;
    }
    Ok(())
}

async fn published(conn: &mut PgConnection, e: pb::CandidateListPublished) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE nomination.contests SET candidates_published_at = $2 \
         WHERE id = $1 AND candidates_published_at IS NULL",
    )
    .bind(Uuid::parse_str(&e.contest_id)?)
    .bind(OffsetDateTime::parse(&e.published_at, &Rfc3339)?)
    .execute(conn)
    .await?;
    Ok(())
}

impl Handler for ReviewFacts {
    fn handle<'a>(
        &'a self,
        conn: &'a mut PgConnection,
        event: &'a Event,
    ) -> Pin<Box<dyn Future<Output = anyhow::Result<()>> + Send + 'a>> {
        Box::pin(async move {
            match event.event_type.as_str() {
                REVIEW_DECIDED => decided(conn, event.decode()?).await,
                CANDIDATE_LIST_PUBLISHED => published(conn, event.decode()?).await,
                _ => Ok(()),
            }
        })
    }
}
