//! The hot path of election day: check-in, electronic ballots, paper ballots.
//!
//! - **Check-in** (a keeper of the community, in person, once per elector per round): inserts
//!   `(poll, voter)` only for an elector of the contest; concurrent attempts for one elector
//!   meet at the primary key, so exactly one wins. Electronic mode hands out a random one-time
//!   token (256 bits) whose SHA-256 alone is stored, with no elector; paper mode hands out a
//!   ballot paper. Nothing of the check-in carries a time.
//! - **Casting** (a terminal of the community) spends the token (delete by hash) and puts the
//!   ballot in the box in one transaction: a random UUID v4, a random receipt, the choices. An
//!   over-voted ballot is refused and the token stays unspent.
//! - **Paper ballots** (a teller) are validated and recorded valid or invalid, never more than
//!   the ballots issued.
//!
//! Each holds the poll's shared lock, so a close (exclusive) sees all of them or none.

use base64::Engine;
use juxuan_domain::{BallotChoices, BallotVerdict, RuleId, Violation};
use juxuan_platform::auth::{Caller, Role};
use juxuan_platform::error::{Kind, Text};
use juxuan_platform::scope::{self, KEEPERS};
use juxuan_platform::{AppError, AppResult};
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::Ballots;
use crate::polls::{Mode, closed, lock_poll, returned_key, turnout_key};

/// Adds one to a live counter that exists (a missing one is recomputed from Postgres on read);
/// its SHA-1 is computed once, not per request.
static INCR_IF_PRESENT: std::sync::LazyLock<redis::Script> = std::sync::LazyLock::new(|| {
    redis::Script::new(
        "if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('INCR', KEYS[1]) end return 0",
    )
});

/// The check-in, after the poll's shared lock: the check-in of an elector of the contest while
/// the poll is open and, when `$4` is set, the token's hash. `$1` poll, `$2` voter, `$3`
/// contest, `$4` token hash or null. One row when checked in. (`pub` so that the load tool's
/// direct-SQL run measures the same statement.)
pub const CHECK_IN: &str = "WITH c AS (INSERT INTO ballot.checkins (poll_id, voter_id) SELECT $1, $2 \
               WHERE EXISTS (SELECT 1 FROM ballot.electors WHERE contest_id = $3 AND voter_id = $2) \
                 AND EXISTS (SELECT 1 FROM ballot.polls WHERE id = $1 AND status = 'open') \
               ON CONFLICT DO NOTHING RETURNING poll_id), \
             t AS (INSERT INTO ballot.tokens (token_hash, poll_id) SELECT $4, poll_id FROM c WHERE $4 IS NOT NULL) \
             SELECT 1 FROM c";

/// The cast, after the poll's shared lock: the token of an open poll deleted, its hash
/// recorded as spent, the ballot in the box. `$1` token hash, `$2` poll, `$3` ballot id, `$4`
/// receipt, `$5` choices. One row when cast.
pub const CAST: &str = "WITH d AS (DELETE FROM ballot.tokens WHERE token_hash = $1 AND poll_id = $2 \
                   AND EXISTS (SELECT 1 FROM ballot.polls WHERE id = $2 AND status = 'open') RETURNING poll_id), \
                 s AS (INSERT INTO ballot.spent_tokens (token_hash, poll_id) SELECT $1, poll_id FROM d), \
                 b AS (INSERT INTO ballot.ballot_box (poll_id, id, receipt, choices, spoiled) \
                   SELECT poll_id, $3, $4, $5, false FROM d) \
                 SELECT 1 FROM d";

/// What a check-in hands out.
#[derive(Debug, Clone)]
pub enum Issued {
    Token(String),
    Paper,
}

/// A paper ballot as entered.
#[derive(Debug, Clone)]
pub struct PaperEntry {
    pub id: Uuid,
    pub receipt: String,
    pub verdict: BallotVerdict,
}

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    rand::rng().fill_bytes(&mut bytes);
    bytes
}

/// A receipt: 64 random bits as four groups of four hex digits (`3F9A-0C1D-77E2-B450`).
fn receipt() -> String {
    let hex = hex::encode_upper(random_bytes::<8>());
    format!(
        "{}-{}-{}-{}",
        &hex[0..4],
        &hex[4..8],
        &hex[8..12],
        &hex[12..16]
    )
}

pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

async fn require_open(conn: &mut PgConnection, poll_id: Uuid) -> AppResult<()> {
    let status: Option<String> =
        sqlx::query_scalar("SELECT status FROM ballot.polls WHERE id = $1")
            .bind(poll_id)
            .fetch_optional(conn)
            .await?;
    match status.as_deref() {
        Some("open") => Ok(()),
        Some(_) => Err(closed()),
        None => Err(crate::polls::not_found()),
    }
}

fn ballot_refusal(e: &juxuan_domain::BallotError) -> AppError {
    AppError::violations(vec![Violation {
        code: e.code(),
        field: Some("choices".to_owned()),
        rule: e.rule(),
        refusal: e.refusal(),
        message: e.message(),
    }])
}

impl Ballots {
    async fn bump(&self, key: String) {
        let mut redis = self.redis.clone();
        let done: Result<i64, _> = INCR_IF_PRESENT.key(&key).invoke_async(&mut redis).await;
        if let Err(e) = done {
            tracing::warn!(error = %e, "live counter not updated");
        }
    }

    /// Checks an elector in (a keeper of the community).
    pub async fn check_in(
        &self,
        caller: &Caller,
        poll_id: Uuid,
        voter_id: Uuid,
    ) -> AppResult<Issued> {
        let facts = self.poll_facts(poll_id).await?;
        scope::require_write(caller, KEEPERS, &facts.area)?;
        // One statement after the lock: the check-in (for an elector of the contest, while the
        // poll is open) and, in electronic mode, the token's hash.
        let token = (facts.mode == Mode::Electronic)
            .then(|| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random_bytes::<32>()));
        let mut tx = self.pool.begin().await?;
        lock_poll(&mut tx, poll_id, false).await?;
        let inserted: Option<i32> = sqlx::query_scalar(CHECK_IN)
            .bind(poll_id)
            .bind(voter_id)
            .bind(facts.contest_id)
            .bind(token.as_deref().map(token_hash))
            .fetch_optional(&mut *tx)
            .await?;
        if inserted.is_none() {
            require_open(&mut tx, poll_id).await?;
            let elector: bool = sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM ballot.electors WHERE contest_id = $1 AND voter_id = $2)",
            )
            .bind(facts.contest_id)
            .bind(voter_id)
            .fetch_one(&mut *tx)
            .await?;
            return Err(if elector {
                AppError::new(
                    Kind::Conflict,
                    "poll.already_checked_in",
                    Text::new(
                        "该选民本轮已签到",
                        "This elector has already checked in for this round",
                    ),
                )
            } else {
                AppError::violations(vec![
                    Violation::rule(
                        "poll.not_in_electorate",
                        RuleId::Electorate,
                        juxuan_domain::Text::new(
                            "该选民不在本选举单元的选民名单中",
                            "This person is not in the contest's electorate",
                        ),
                    )
                    .at("voter_id"),
                ])
            });
        }
        let issued = match token {
            Some(token) => Issued::Token(token),
            None => Issued::Paper,
        };
        tx.commit().await?;
        self.bump(turnout_key(poll_id)).await;
        metrics::counter!(crate::CHECKINS).increment(1);
        Ok(issued)
    }

    /// Casts an electronic ballot (a terminal of the community).
    pub async fn cast(
        &self,
        caller: &Caller,
        poll_id: Uuid,
        token: &str,
        choices: &BallotChoices,
    ) -> AppResult<String> {
        let facts = self.poll_facts(poll_id).await?;
        scope::require_write(caller, &[Role::Terminal], &facts.area)?;
        // Read now, refused after the token's state (409 before 422).
        let parsed = facts.paper.ballot(choices);
        let hash = token_hash(token);
        // A ballot that can be cast goes in one statement after the lock: the token spent and
        // the ballot in the box, while the poll is open.
        let ready = match &parsed {
            Ok(ballot) if ballot.overvoted_positions(&facts.paper).is_empty() => {
                Some(ballot.to_choices(&facts.paper))
            }
            _ => None,
        };
        let mut tx = self.pool.begin().await?;
        lock_poll(&mut tx, poll_id, false).await?;
        let receipt = receipt();
        if let Some(canonical) = &ready {
            let cast: Option<i32> = sqlx::query_scalar(CAST)
                .bind(&hash)
                .bind(poll_id)
                .bind(Uuid::new_v4())
                .bind(&receipt)
                .bind(serde_json::to_value(&canonical.choices).map_err(AppError::internal)?)
                .fetch_optional(&mut *tx)
                .await?;
            if cast.is_some() {
                tx.commit().await?;
                self.bump(returned_key(poll_id)).await;
                metrics::counter!(crate::BALLOTS_CAST, "mode" => "electronic").increment(1);
                return Ok(receipt);
            }
        }
        // Refused: the poll's state, then the token's (409 before 422), then the ballot.
        require_open(&mut tx, poll_id).await?;
        let (unspent, spent): (bool, bool) = sqlx::query_as(
            "SELECT EXISTS (SELECT 1 FROM ballot.tokens WHERE token_hash = $1 AND poll_id = $2), \
                    EXISTS (SELECT 1 FROM ballot.spent_tokens WHERE token_hash = $1 AND poll_id = $2)",
        )
        .bind(&hash)
        .bind(poll_id)
        .fetch_one(&mut *tx)
        .await?;
        if !unspent {
            return Err(if spent {
                AppError::new(
                    Kind::Conflict,
                    "ballot.token_spent",
                    Text::new("该选票凭证已使用", "This ballot token has been used"),
                )
            } else {
                AppError::new(
                    Kind::Rule,
                    "ballot.token_unknown",
                    Text::new("选票凭证无效", "Unknown ballot token"),
                )
            });
        }
        // The token stays unspent.
        parsed.map_err(|e| ballot_refusal(&e))?;
        Err(AppError::violations(vec![
            Violation::rule(
                "ballot.too_many_choices",
                RuleId::BallotValid,
                juxuan_domain::Text::new(
                    "所选人数超过应选名额，请重新选择（选票凭证仍可使用）",
                    "More people chosen than seats: choose again (the token is still valid)",
                ),
            )
            .at("choices"),
        ]))
    }

    /// Enters a paper ballot as read out (a teller of the community): never more than issued.
    pub async fn enter_paper(
        &self,
        caller: &Caller,
        poll_id: Uuid,
        choices: &BallotChoices,
    ) -> AppResult<PaperEntry> {
        let facts = self.poll_facts(poll_id).await?;
        scope::require_write(caller, &[Role::Teller], &facts.area)?;
        let parsed = facts.paper.ballot(choices);
        let mut tx = self.pool.begin().await?;
        lock_poll(&mut tx, poll_id, false).await?;
        require_open(&mut tx, poll_id).await?;
        if facts.mode != Mode::Paper {
            return Err(AppError::new(
                Kind::Conflict,
                "poll.not_paper",
                Text::new(
                    "本轮为电子投票，不录入纸质选票",
                    "This poll is electronic: no paper ballots",
                ),
            ));
        }
        // One teller's entry at a time per poll, so the bound holds.
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1::text, 9))")
            .bind(poll_id)
            .execute(&mut *tx)
            .await?;
        let (issued, entered): (i64, i64) = sqlx::query_as(
            "SELECT (SELECT count(*) FROM ballot.checkins WHERE poll_id = $1), \
                    (SELECT count(*) FROM ballot.ballot_box WHERE poll_id = $1)",
        )
        .bind(poll_id)
        .fetch_one(&mut *tx)
        .await?;
        if entered >= issued {
            return Err(AppError::new(
                Kind::Conflict,
                "poll.more_ballots_than_issued",
                Text::new(
                    format!("已录入 {entered} 张选票，等于发出的选票数 {issued}，不能再录入"),
                    format!(
                        "{entered} ballots entered, as many as the {issued} issued: no more can be entered"
                    ),
                ),
            ));
        }
        let ballot = parsed.map_err(|e| ballot_refusal(&e))?;
        let verdict = ballot.verdict(&facts.paper, &facts.profile);
        let canonical = ballot.to_choices(&facts.paper);
        let id = Uuid::new_v4();
        let receipt = receipt();
        sqlx::query(
            "INSERT INTO ballot.ballot_box (poll_id, id, receipt, choices, spoiled) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(poll_id)
        .bind(id)
        .bind(&receipt)
        .bind(serde_json::to_value(&canonical.choices).map_err(AppError::internal)?)
        .bind(canonical.spoiled)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.bump(returned_key(poll_id)).await;
        metrics::counter!(crate::BALLOTS_CAST, "mode" => "paper").increment(1);
        Ok(PaperEntry {
            id,
            receipt,
            verdict,
        })
    }

    /// Takes back a paper ballot entered by mistake (a teller of the community), while the
    /// poll is open: the ballot leaves the box, the withdrawal is audited (the poll and the
    /// ballot's random id, never its content). Closed polls keep every ballot.
    pub async fn withdraw_paper(
        &self,
        caller: &Caller,
        poll_id: Uuid,
        ballot_id: Uuid,
    ) -> AppResult<()> {
        let facts = self.poll_facts(poll_id).await?;
        scope::require_write(caller, &[Role::Teller], &facts.area)?;
        let mut tx = self.pool.begin().await?;
        lock_poll(&mut tx, poll_id, false).await?;
        require_open(&mut tx, poll_id).await?;
        // Electronic ballots are cast by electors, never taken back by anyone.
        if facts.mode != Mode::Paper {
            return Err(AppError::new(
                Kind::Conflict,
                "poll.not_paper",
                Text::new(
                    "本轮为电子投票，没有可撤回的纸质选票",
                    "This poll is electronic: no paper ballot to take back",
                ),
            ));
        }
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1::text, 9))")
            .bind(poll_id)
            .execute(&mut *tx)
            .await?;
        let removed = sqlx::query("DELETE FROM ballot.ballot_box WHERE poll_id = $1 AND id = $2")
            .bind(poll_id)
            .bind(ballot_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if removed == 0 {
            return Err(AppError::not_found("选票", "Ballot"));
        }
        let change = serde_json::json!({"ballot_id": ballot_id});
        crate::AUDIT
            .append(
                &mut tx,
                juxuan_platform::audit::Entry::by(
                    caller,
                    "ballot.paper_withdrawn",
                    &poll_id.to_string(),
                    &change,
                ),
            )
            .await?;
        tx.commit().await?;
        // The live count is recomputed from Postgres on its next read.
        let mut redis = self.redis.clone();
        let _: Result<(), _> = redis::cmd("DEL")
            .arg(returned_key(poll_id))
            .query_async(&mut redis)
            .await;
        Ok(())
    }
}
