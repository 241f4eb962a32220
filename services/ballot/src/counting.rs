//! Closing and counting a round with the domain crate (R-RETURNED, R-QUORUM, R-BALLOT-VALID,
//! R-MAJORITY, R-TIE, R-ADDITIONAL). The close holds the poll's lock exclusively, so every
//! acknowledged check-in and ballot is in the count and none arrives after it. The tally
//! reconciles by construction: checked in = issued (one ballot per check-in); returned is the
//! ballots in the box (≤ issued: a token or a paper entry per check-in), or the paper count
//! of the box; valid + invalid = returned.
//!
//! At close the ballots leave the box for `ballot.ballots` in the order of their random ids,
//! and the poll's tokens are deleted: what outlives the poll keeps no order of arrival.

use juxuan_domain::{
    Ballot, BallotChoices, Choice, PersonKey, Poll, RoundFacts, RoundOutcome, Tally,
    WriteInRegister,
};
use juxuan_platform::audit;
use juxuan_platform::auth::Caller;
use juxuan_platform::error::{Kind, Text};
use juxuan_platform::scope::{self, KEEPERS};
use juxuan_platform::{AppError, AppResult};
use juxuan_proto::ballot::v1 as pb;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::facts::{format, name};
use crate::polls::{
    Mode, closed, lock_contest, lock_poll, require_poll_read, returned_key, turnout_key,
};
use crate::{AUDIT, Ballots, OUTBOX};

pub const POLL_CLOSED: &str = "juxuan.ballot.v1.PollClosed";

/// A closed round's tally as stored, with what the API shows beside it.
#[derive(Debug, Clone)]
pub struct TallyView {
    pub poll_id: Uuid,
    pub contest_id: Uuid,
    pub tally: Tally,
    pub staff: Option<serde_json::Value>,
}

impl TallyView {
    /// API.md's tally: the domain crate's, without the persons' pseudonymous keys, with the
    /// counting staff.
    pub fn to_json(&self) -> serde_json::Value {
        let mut value = serde_json::to_value(&self.tally).unwrap_or_default();
        strip_person_keys(&mut value);
        if let serde_json::Value::Object(map) = &mut value {
            map.insert("poll_id".into(), self.poll_id.to_string().into());
            map.insert("contest_id".into(), self.contest_id.to_string().into());
            map.insert(
                "staff".into(),
                self.staff.clone().unwrap_or(serde_json::Value::Null),
            );
        }
        value
    }
}

fn strip_person_keys(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            map.remove("person");
            map.values_mut().for_each(strip_person_keys);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(strip_person_keys),
        _ => {}
    }
}

/// One anonymous ballot of a closed poll.
#[derive(Debug, Clone)]
pub struct AnonymousBallot {
    pub id: Uuid,
    pub receipt: String,
    pub choices: Vec<Choice>,
    pub spoiled: bool,
}

fn not_closed() -> AppError {
    AppError::new(
        Kind::Conflict,
        "poll.open",
        Text::new("投票尚未结束", "The poll is still open"),
    )
}

fn stored(e: impl std::fmt::Display) -> AppError {
    AppError::internal(anyhow::anyhow!("stored ballot data: {e}"))
}

/// The people an earlier round elected (R-TIE, R-ADDITIONAL: nobody is elected twice).
fn elected_people(rounds: &[(Poll, Tally)]) -> Vec<PersonKey> {
    rounds
        .iter()
        .flat_map(|(paper, tally)| {
            tally.elected().into_iter().filter_map(move |e| {
                e.person.or_else(|| {
                    paper
                        .positions()
                        .iter()
                        .flat_map(|p| &p.candidates)
                        .find(|c| Some(&c.candidate_id) == e.candidate_id.as_ref())
                        .map(|c| c.person.clone())
                })
            })
        })
        .collect()
}

impl Ballots {
    /// Closes a poll and counts it (a keeper of the community). `returned` is, in paper mode,
    /// the ballots counted in the box before reading (收回); more than issued voids the round
    /// (R-RETURNED), fewer or equal must match the ballots entered.
    pub async fn close(
        &self,
        caller: &Caller,
        poll_id: Uuid,
        returned: Option<u64>,
    ) -> AppResult<TallyView> {
        let facts = self.poll_facts(poll_id).await?;
        scope::require_write(caller, KEEPERS, &facts.area)?;
        let now = self.clients.election_now(caller, facts.election_id).await?;
        let mut tx = self.pool.begin().await?;
        lock_contest(&mut tx, facts.contest_id).await?;
        lock_poll(&mut tx, poll_id, true).await?;
        let (status, staff): (String, Option<serde_json::Value>) =
            sqlx::query_as("SELECT status, staff FROM ballot.polls WHERE id = $1")
                .bind(poll_id)
                .fetch_one(&mut *tx)
                .await?;
        if status != "open" {
            return Err(closed());
        }
        let checked_in: i64 =
            sqlx::query_scalar("SELECT count(*) FROM ballot.checkins WHERE poll_id = $1")
                .bind(poll_id)
                .fetch_one(&mut *tx)
                .await?;
        let rows: Vec<(serde_json::Value, bool)> =
            sqlx::query_as("SELECT choices, spoiled FROM ballot.ballot_box WHERE poll_id = $1")
                .bind(poll_id)
                .fetch_all(&mut *tx)
                .await?;
        let issued = u64::try_from(checked_in).unwrap_or(0);
        let entered = u64::try_from(rows.len()).unwrap_or(u64::MAX);
        let ballots_returned = match (facts.mode, returned) {
            (Mode::Paper, Some(n)) if n > issued => n,
            (Mode::Paper, Some(n)) if n != entered => {
                return Err(AppError::new(
                    Kind::Conflict,
                    "poll.ballots_not_all_entered",
                    Text::new(
                        format!("收回 {n} 张选票，已录入 {entered} 张：请录入全部选票后再结束投票"),
                        format!(
                            "{n} ballots returned, {entered} entered: enter every ballot before closing"
                        ),
                    ),
                ));
            }
            _ => entered,
        };
        let mut ballots: Vec<Ballot> = Vec::with_capacity(rows.len());
        if ballots_returned <= issued {
            for (choices, spoiled) in rows {
                let choices: Vec<Choice> = serde_json::from_value(choices).map_err(stored)?;
                let ballot = facts
                    .paper
                    .ballot(&BallotChoices { choices, spoiled })
                    .map_err(|e| stored(e.code()))?;
                ballots.push(ballot);
            }
        }
        let earlier: Vec<(serde_json::Value, Option<serde_json::Value>)> = sqlx::query_as(
            "SELECT paper, tally FROM ballot.polls WHERE contest_id = $1 AND round < $2 ORDER BY round",
        )
        .bind(facts.contest_id)
        .bind(i32::try_from(facts.round).unwrap_or(i32::MAX))
        .fetch_all(&mut *tx)
        .await?;
        let earlier = earlier
            .into_iter()
            .filter_map(|(paper, tally)| Some((paper, tally?)))
            .map(|(paper, tally)| {
                Ok((
                    serde_json::from_value::<Poll>(paper).map_err(stored)?,
                    serde_json::from_value::<Tally>(tally).map_err(stored)?,
                ))
            })
            .collect::<AppResult<Vec<_>>>()?;
        // Write-ins match the community's register (API.md), as it stood at the first round.
        let electors: Vec<(String, String)> = sqlx::query_as(
            "SELECT name, person_key FROM ballot.register_names WHERE contest_id = $1",
        )
        .bind(facts.contest_id)
        .fetch_all(&mut *tx)
        .await?;
        let register =
            WriteInRegister::new(electors.into_iter().map(|(n, k)| (n, PersonKey::new(k))));
        let round_facts = RoundFacts {
            electorate: facts.electorate,
            checked_in: issued,
            ballots_issued: issued,
            ballots_returned,
        };
        let tally = juxuan_domain::count_later_round(
            &facts.paper,
            &round_facts,
            &ballots,
            &register,
            &facts.profile,
            &elected_people(&earlier),
        )
        .map_err(|e| AppError::internal(anyhow::anyhow!("count: {}", e.code())))?;

        // The box leaves in the order of the random ids; tokens go.
        sqlx::query(
            "INSERT INTO ballot.ballots (poll_id, id, receipt, choices, spoiled) \
             SELECT poll_id, id, receipt, choices, spoiled FROM ballot.ballot_box WHERE poll_id = $1 ORDER BY id",
        )
        .bind(poll_id)
        .execute(&mut *tx)
        .await?;
        for table in ["ballot_box", "tokens", "spent_tokens"] {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DELETE FROM ballot.{table} WHERE poll_id = $1"
            )))
            .bind(poll_id)
            .execute(&mut *tx)
            .await?;
        }
        let tally_value = serde_json::to_value(&tally).map_err(AppError::internal)?;
        sqlx::query(
            "UPDATE ballot.polls SET status = 'closed', closed_at = $2, checked_in = $3, ballots_returned = $4, tally = $5 WHERE id = $1",
        )
        .bind(poll_id)
        .bind(now)
        .bind(i32::try_from(issued).unwrap_or(i32::MAX))
        .bind(i32::try_from(ballots_returned).unwrap_or(i32::MAX))
        .bind(&tally_value)
        .execute(&mut *tx)
        .await?;
        let contest_status = match tally.outcome {
            RoundOutcome::Concluded => "counted",
            RoundOutcome::ContestFailed => "failed",
            RoundOutcome::NextRound | RoundOutcome::Revote => "polling",
        };
        sqlx::query("UPDATE ballot.contests SET status = $2 WHERE contest_id = $1")
            .bind(facts.contest_id)
            .bind(contest_status)
            .execute(&mut *tx)
            .await?;
        let view = TallyView {
            poll_id,
            contest_id: facts.contest_id,
            tally,
            staff,
        };
        let json = view.to_json();
        let change = serde_json::json!({
            "round": facts.round, "checked_in": issued, "ballots_returned": ballots_returned,
            "outcome": name(view.tally.outcome), "ballots_digest": view.tally.ballots_digest.to_string(),
        });
        AUDIT
            .append(
                &mut tx,
                audit::Entry::by(caller, "poll.closed", &poll_id.to_string(), &change),
            )
            .await?;
        let event = pb::PollClosed {
            poll_id: poll_id.to_string(),
            contest_id: facts.contest_id.to_string(),
            election_id: facts.election_id.to_string(),
            round: facts.round,
            closed_at: format(now),
            electorate: facts.electorate,
            checked_in: issued,
            ballots_issued: issued,
            ballots_returned,
            valid_ballots: view.tally.valid_ballots,
            invalid_ballots: view.tally.invalid_ballots,
            valid: view.tally.valid,
            outcome: name(view.tally.outcome),
            ballots_digest: view.tally.ballots_digest.to_string(),
            tally_json: json.to_string(),
            drill: facts.drill,
        };
        OUTBOX.enqueue(&mut tx, POLL_CLOSED, &event).await?;
        tx.commit().await?;
        metrics::counter!(crate::TALLIES, "outcome" => name(view.tally.outcome)).increment(1);
        let mut redis = self.redis.clone();
        let _: Result<(), _> = redis::cmd("DEL")
            .arg(turnout_key(poll_id))
            .arg(returned_key(poll_id))
            .query_async(&mut redis)
            .await;
        tracing::info!(poll.id = %poll_id, round = facts.round, outcome = %name(view.tally.outcome), "poll closed and counted");
        Ok(view)
    }

    /// The tally of a closed poll.
    pub async fn tally(&self, caller: &Caller, poll_id: Uuid) -> AppResult<TallyView> {
        let facts = self.poll_facts(poll_id).await?;
        require_poll_read(caller, &facts.area)?;
        let (tally, staff): (Option<serde_json::Value>, Option<serde_json::Value>) =
            sqlx::query_as("SELECT tally, staff FROM ballot.polls WHERE id = $1")
                .bind(poll_id)
                .fetch_one(&self.pool)
                .await?;
        let tally = tally.ok_or_else(not_closed)?;
        Ok(TallyView {
            poll_id,
            contest_id: facts.contest_id,
            tally: serde_json::from_value(tally).map_err(stored)?,
            staff,
        })
    }

    /// The anonymous ballots of a closed poll, in the order of their random ids; `(page, total)`.
    pub async fn ballots(
        &self,
        caller: &Caller,
        poll_id: Uuid,
        after: Option<Uuid>,
        limit: i64,
    ) -> AppResult<(Vec<AnonymousBallot>, i64)> {
        let facts = self.poll_facts(poll_id).await?;
        scope::require_read(caller, &facts.area)?;
        let closed_at: Option<OffsetDateTime> =
            sqlx::query_scalar("SELECT closed_at FROM ballot.polls WHERE id = $1")
                .bind(poll_id)
                .fetch_one(&self.pool)
                .await?;
        if closed_at.is_none() {
            return Err(not_closed());
        }
        let total: i64 =
            sqlx::query_scalar("SELECT count(*) FROM ballot.ballots WHERE poll_id = $1")
                .bind(poll_id)
                .fetch_one(&self.pool)
                .await?;
        let rows: Vec<(Uuid, String, serde_json::Value, bool)> = sqlx::query_as(
            "SELECT id, receipt, choices, spoiled FROM ballot.ballots \
             WHERE poll_id = $1 AND ($2::uuid IS NULL OR id > $2) ORDER BY id LIMIT $3",
        )
        .bind(poll_id)
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let items = rows
            .into_iter()
            .map(|(id, receipt, choices, spoiled)| {
                Ok(AnonymousBallot {
                    id,
                    receipt,
                    choices: serde_json::from_value(choices).map_err(stored)?,
                    spoiled,
                })
            })
            .collect::<AppResult<Vec<_>>>()?;
        Ok((items, total))
    }
}
