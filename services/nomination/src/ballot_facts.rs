//! Facts from the ballot service's events: a contest is `polling` once a poll opens, `counted`
//! or `failed` after the round that ends it, `announced` with its result (a failed contest
//! stays `failed`). Applied once per event; a status never moves back.

use std::future::Future;
use std::pin::Pin;

use juxuan_platform::events::{Event, Handler};
use juxuan_proto::ballot::v1 as pb;
use sqlx::PgConnection;
use uuid::Uuid;

pub const POLL_OPENED: &str = "juxuan.ballot.v1.PollOpened";
pub const POLL_CLOSED: &str = "juxuan.ballot.v1.PollClosed";
pub const RESULT_ANNOUNCED: &str = "juxuan.ballot.v1.ResultAnnounced";

/// The handler of the ballot stream.
pub struct BallotFacts;

/// Sets the status unless the contest is already further on.
async fn advance(conn: &mut PgConnection, contest_id: &str, status: &str) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE nomination.contests SET voting_status = $2 WHERE id = $1 AND \
         coalesce(array_position(ARRAY['polling', 'counted', 'failed', 'announced'], voting_status), 0) \
           < array_position(ARRAY['polling', 'counted', 'failed', 'announced'], $2)",
    )
    .bind(Uuid::parse_str(contest_id)?)
    .bind(status)
    .execute(conn)
    .await?;
    Ok(())
}

impl Handler for BallotFacts {
    fn handle<'a>(
        &'a self,
        conn: &'a mut PgConnection,
        event: &'a Event,
    ) -> Pin<Box<dyn Future<Output = anyhow::Result<()>> + Send + 'a>> {
        Box::pin(async move {
            match event.event_type.as_str() {
                POLL_OPENED => {
                    let e: pb::PollOpened = event.decode()?;
                    advance(conn, &e.contest_id, "polling").await
                }
                POLL_CLOSED => {
                    let e: pb::PollClosed = event.decode()?;
                    match e.outcome.as_str() {
                        "concluded" => advance(conn, &e.contest_id, "counted").await,
                        "contest_failed" => advance(conn, &e.contest_id, "failed").await,
                        _ => Ok(()),
                    }
                }
                RESULT_ANNOUNCED => {
                    let e: pb::ResultAnnounced = event.decode()?;
                    if e.status == "failed" {
                        advance(conn, &e.contest_id, "failed").await
                    } else {
                        advance(conn, &e.contest_id, "announced").await
                    }
                }
                _ => Ok(()),
            }
        })
    }
}
