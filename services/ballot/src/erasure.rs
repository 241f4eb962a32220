//! Erasure of electors' personal data once it is no longer needed (PIPL-style minimisation,
//! 个人信息删除): when a contest's committee term has ended (R-TERM) and the bureau's retention
//! period (`JUXUAN_RETENTION_DAYS`) has passed, what the ballot service keeps about people is
//! pseudonymised, irreversibly. Results, tallies, ballots and certificates stay as they are.
//!
//! What changes for an erased contest (docs/operations.md, "Personal data: retention and
//! erasure"):
//! - `register_names` (the write-in register copied when the first round opened) are deleted;
//! - `electors`: the name becomes `已删除`, the pseudonymous person key a hash of random bytes;
//! - `checkins` of its polls get random voter ids: the turnout on record keeps its counts, the
//!   link to a person is gone.
//!
//! A contest with a poll still open is never touched. Each contest is erased in one transaction
//! holding the contest's lock (the one opening, closing and announcing take), marked
//! (`personal_data_erased_at`) and audited (`personal_data.erased`, with the counts only), so a
//! second run does nothing.

use juxuan_domain::calendar;
use juxuan_platform::audit::{self, AuditLog};
use juxuan_platform::auth::Role;
pub use juxuan_platform::retention::retention_days;
use juxuan_platform::retention::{self, ERASED, ERASED_NAME, TERM_YEARS};
use juxuan_platform::shutdown::Shutdown;
use sqlx::PgPool;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::facts::DISTRICT_OFFSET;
use crate::polls::lock_contest;

/// Who erases: the service itself.
pub const ACTOR: &str = "system:ballot";
/// One contest whose personal data was erased, with how many rows were affected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Erased {
    pub contest_id: Uuid,
    /// Electors pseudonymised.
    pub electors: u64,
    /// Names of the write-in register deleted.
    pub register_names: u64,
    /// Check-ins given random voter ids.
    pub checkins: u64,
}

/// Whether a contest held on `election_day` is due for erasure on `as_of`: the term (R-TERM)
/// counted from election day, then the retention period, have passed.
///
/// The ballot service does not know the election's `term_ends_on`: a by-election's term ends
/// with the current committee's, possibly well before five years. Counting five years from
/// election day can only erase later than the nomination service does, never earlier: the safe
/// side for results that may still be questioned.
pub fn due(election_day: Date, retention_days: u32, as_of: Date) -> bool {
    calendar::add_years(election_day, TERM_YEARS)
        .is_some_and(|term_end| retention::due(term_end, retention_days, as_of))
}

/// Erases the personal data of every contest due on `as_of`, not erased yet and with no poll
/// open; what was erased, contest by contest.
#[tracing::instrument(name = "erasure.erase_due", skip_all, fields(as_of = %as_of, retention_days = retention_days))]
pub async fn erase_due(
    pool: &PgPool,
    log: &AuditLog,
    as_of: Date,
    retention_days: u32,
) -> anyhow::Result<Vec<Erased>> {
    let candidates: Vec<(Uuid, Date)> = sqlx::query_as(
        "SELECT contest_id, election_day FROM ballot.contests \
         WHERE personal_data_erased_at IS NULL ORDER BY contest_id",
    )
    .fetch_all(pool)
    .await?;
    let mut erased = Vec::new();
    for (contest_id, election_day) in candidates {
        if !due(election_day, retention_days, as_of) {
            continue;
        }
        if let Some(e) = erase_contest(pool, log, contest_id, as_of, retention_days).await? {
            erased.push(e);
        }
    }
    Ok(erased)
}

/// Erases one contest in one transaction; `None` when it was erased meanwhile or a poll of it
/// is open.
async fn erase_contest(
    pool: &PgPool,
    log: &AuditLog,
    contest_id: Uuid,
    as_of: Date,
    retention_days: u32,
) -> anyhow::Result<Option<Erased>> {
    let mut tx = pool.begin().await?;
    // No round opens, closes or is announced meanwhile.
    lock_contest(&mut tx, contest_id).await?;
    let erased_at: Option<Option<OffsetDateTime>> = sqlx::query_scalar(
        "SELECT personal_data_erased_at FROM ballot.contests WHERE contest_id = $1 FOR UPDATE",
    )
    .bind(contest_id)
    .fetch_optional(&mut *tx)
    .await?;
    if !matches!(erased_at, Some(None)) {
        return Ok(None);
    }
    let open: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM ballot.polls WHERE contest_id = $1 AND status = 'open')",
    )
    .bind(contest_id)
    .fetch_one(&mut *tx)
    .await?;
    if open {
        tracing::warn!(
            contest.id = %contest_id,
            "a contest due for erasure has a poll open; its personal data is kept until the poll closes"
        );
        return Ok(None);
    }
    let register_names = sqlx::query("DELETE FROM ballot.register_names WHERE contest_id = $1")
        .bind(contest_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    let electors = sqlx::query(
        "UPDATE ballot.electors \
         SET name = $2, person_key = encode(sha256(uuid_send(gen_random_uuid())), 'hex') \
         WHERE contest_id = $1",
    )
    .bind(contest_id)
    .bind(ERASED_NAME)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    let checkins = sqlx::query(
        "UPDATE ballot.checkins SET voter_id = gen_random_uuid() \
         WHERE poll_id IN (SELECT id FROM ballot.polls WHERE contest_id = $1)",
    )
    .bind(contest_id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    sqlx::query("UPDATE ballot.contests SET personal_data_erased_at = now() WHERE contest_id = $1")
        .bind(contest_id)
        .execute(&mut *tx)
        .await?;
    let change = serde_json::json!({
        "retention_days": retention_days,
        "as_of": as_of.to_string(),
        "electors": electors,
        "register_names": register_names,
        "checkins": checkins,
    });
    log.append(
        &mut tx,
        audit::Entry {
            actor: ACTOR,
            role: Role::System.as_str(),
            action: ERASED,
            object_id: &contest_id.to_string(),
            change: &change,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Some(Erased {
        contest_id,
        electors,
        register_names,
        checkins,
    }))
}

/// Runs [`erase_due`] at start and then every hour until shutdown, on the district's today;
/// logs what was erased (counts, never names).
pub fn spawn(
    pool: PgPool,
    log: &'static AuditLog,
    retention_days: u32,
    shutdown: Shutdown,
) -> tokio::task::JoinHandle<()> {
    retention::spawn("ballot", DISTRICT_OFFSET, shutdown, move |today| {
        let pool = pool.clone();
        async move {
            let erased = erase_due(&pool, log, today, retention_days).await?;
            for e in &erased {
                tracing::info!(
                    contest.id = %e.contest_id,
                    electors = e.electors,
                    register_names = e.register_names,
                    checkins = e.checkins,
                    "personal data of a contest erased after its term and the retention period"
                );
            }
            Ok(erased.len())
        }
    })
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    #[test]
    fn a_contest_is_due_five_years_and_the_retention_period_after_election_day() {
        let day = date!(2024 - 05 - 24);
        assert!(!due(day, 0, date!(2029 - 05 - 23)));
        assert!(due(day, 0, date!(2029 - 05 - 24)));
        assert!(!due(day, 30, date!(2029 - 06 - 22)));
        assert!(due(day, 30, date!(2029 - 06 - 23)));
        assert!(due(date!(2024 - 02 - 29), 0, date!(2029 - 02 - 28)));
        assert!(
            !due(day, u32::MAX, date!(9999 - 12 - 31)),
            "beyond the calendar: never"
        );
    }
}
