//! Erasure of voters' personal data once it is no longer needed (PIPL-style minimisation,
//! 个人信息删除): when a committee's term has ended (R-TERM) and the bureau's retention period
//! (`JUXUAN_RETENTION_DAYS`) has passed, the election's published electorates and the register
//! entries of its communities are pseudonymised, irreversibly. Results, nominations and
//! candidate lists stay as they are: they refer to voters by id, and the ids stay.
//!
//! What is pseudonymised (docs/operations.md, "Personal data: retention and erasure"):
//! - `electorate_entries` of the election's contests: the name becomes `已删除`, the masked
//!   number, household number and resident group are emptied (gender stays, for statistics);
//! - `voters` of the election's communities, unless another election not yet erased still
//!   needs them (they are in its electorate, or it has a contest in their community): the name
//!   becomes `已删除`, the keyed identity hash a hash of random bytes (so no identity number can
//!   ever match it again, the people can be registered afresh, and `UNIQUE (id_hash)` holds),
//!   the masked number and household number are emptied, the birth date keeps its year only.
//!
//! Each election is erased in one transaction, marked (`personal_data_erased_at`) and audited
//! (`personal_data.erased`, with the counts only), so a second run does nothing. Several
//! replicas may run the job at once: erasures take one advisory lock, one after the other, and
//! re-read the election first.

use juxuan_domain::calendar;
use juxuan_platform::audit::{self, AuditLog};
use juxuan_platform::auth::Role;
pub use juxuan_platform::retention::retention_days;
use juxuan_platform::retention::{self, ERASED, ERASED_NAME, TERM_YEARS, due};
use juxuan_platform::shutdown::Shutdown;
use sqlx::PgPool;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::clock;

/// Who erases: the service itself.
pub const ACTOR: &str = "system:nomination";
/// One election whose personal data was erased, with how many rows were pseudonymised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Erased {
    pub election_id: Uuid,
    /// Entries of the election's published electorates.
    pub electors: u64,
    /// Register entries (`voters`) of its communities.
    pub voters: u64,
}

/// The day the committee's term ends (R-TERM): the election's `term_ends_on` when set, else
/// its latest contest's election day plus the term. `None`: neither is known (no contest).
pub fn term_ends_on(set_on: Option<Date>, last_election_day: Option<Date>) -> Option<Date> {
    set_on.or_else(|| calendar::add_years(last_election_day?, TERM_YEARS))
}

/// Erases the personal data of every election due on `as_of` and not erased yet; what was
/// erased, election by election. Elections without a known term end are never due.
#[tracing::instrument(name = "erasure.erase_due", skip_all, fields(as_of = %as_of, retention_days = retention_days))]
pub async fn erase_due(
    pool: &PgPool,
    log: &AuditLog,
    as_of: Date,
    retention_days: u32,
) -> anyhow::Result<Vec<Erased>> {
    let candidates: Vec<(Uuid, Option<Date>, Option<Date>)> = sqlx::query_as(
        "SELECT e.id, e.term_ends_on, \
                (SELECT max(c.election_day) FROM nomination.contests c WHERE c.election_id = e.id) \
         FROM nomination.elections e WHERE e.personal_data_erased_at IS NULL ORDER BY e.id",
    )
    .fetch_all(pool)
    .await?;
    let mut erased = Vec::new();
    for (election_id, ends_on, last_day) in candidates {
        let Some(term_end) = term_ends_on(ends_on, last_day) else {
            continue;
        };
        if !due(term_end, retention_days, as_of) {
            continue;
        }
        if let Some(e) = erase_election(pool, log, election_id, as_of, retention_days).await? {
            erased.push(e);
        }
    }
    Ok(erased)
}

/// Erases one election in one transaction; `None` when it was erased meanwhile or is no longer
/// due (its term end moved).
async fn erase_election(
    pool: &PgPool,
    log: &AuditLog,
    election_id: Uuid,
    as_of: Date,
    retention_days: u32,
) -> anyhow::Result<Option<Erased>> {
    let mut tx = pool.begin().await?;
    // One erasure at a time: whether a voter is still needed depends on the other elections'
    // marks, which a concurrent erasure (another replica) could be changing.
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('nomination.erasure'))")
        .execute(&mut *tx)
        .await?;
    let row: Option<(Option<OffsetDateTime>, Option<Date>)> = sqlx::query_as(
        "SELECT personal_data_erased_at, term_ends_on FROM nomination.elections WHERE id = $1 FOR UPDATE",
    )
    .bind(election_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((None, ends_on)) = row else {
        return Ok(None);
    };
    let last_day: Option<Date> = sqlx::query_scalar(
        "SELECT max(election_day) FROM nomination.contests WHERE election_id = $1",
    )
    .bind(election_id)
    .fetch_one(&mut *tx)
    .await?;
    let Some(term_end) = term_ends_on(ends_on, last_day) else {
        return Ok(None);
    };
    if !due(term_end, retention_days, as_of) {
        return Ok(None);
    }
    let electors = sqlx::query(
        "UPDATE nomination.electorate_entries \
         SET name = $2, id_masked = '', household_no = '', resident_group = NULL \
         WHERE contest_id IN (SELECT id FROM nomination.contests WHERE election_id = $1)",
    )
    .bind(election_id)
    .bind(ERASED_NAME)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    // The register of the election's communities, except people another election not yet
    // erased still needs; people already pseudonymised (by an earlier election) are left alone.
    // The new id_hash is the SHA-256 of a random UUID: as long as the keyed hash, matching no
    // identity number, unique.
    let voters = sqlx::query(
        "UPDATE nomination.voters v \
         SET name = $2, id_hash = sha256(uuid_send(gen_random_uuid())), id_masked = '', household_no = '', \
             birth_date = make_date(extract(year FROM v.birth_date)::integer, 1, 1), updated_at = now(), erased_at = now() \
         WHERE v.community_id IN (SELECT c.community_id FROM nomination.contests c WHERE c.election_id = $1) \
           AND v.erased_at IS NULL \
           AND NOT EXISTS (SELECT 1 FROM nomination.electorate_entries ee \
                 JOIN nomination.contests c ON c.id = ee.contest_id \
                 JOIN nomination.elections e ON e.id = c.election_id \
                 WHERE ee.voter_id = v.id AND e.id <> $1 AND e.personal_data_erased_at IS NULL) \
           AND NOT EXISTS (SELECT 1 FROM nomination.contests c \
                 JOIN nomination.elections e ON e.id = c.election_id \
                 WHERE c.community_id = v.community_id AND e.id <> $1 AND e.personal_data_erased_at IS NULL)",
    )
    .bind(election_id)
    .bind(ERASED_NAME)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    sqlx::query("UPDATE nomination.elections SET personal_data_erased_at = now() WHERE id = $1")
        .bind(election_id)
        .execute(&mut *tx)
        .await?;
    let change = serde_json::json!({
        "term_ends_on": clock::format_date(term_end),
        "retention_days": retention_days,
        "as_of": clock::format_date(as_of),
        "electors": electors,
        "voters": voters,
    });
    log.append(
        &mut tx,
        audit::Entry {
            actor: ACTOR,
            role: Role::System.as_str(),
            action: ERASED,
            object_id: &election_id.to_string(),
            change: &change,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Some(Erased {
        election_id,
        electors,
        voters,
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
    retention::spawn(
        "nomination",
        clock::DISTRICT_OFFSET,
        shutdown,
        move |today| {
            let pool = pool.clone();
            async move {
                let erased = erase_due(&pool, log, today, retention_days).await?;
                for e in &erased {
                    tracing::info!(
                        election.id = %e.election_id,
                        electors = e.electors,
                        voters = e.voters,
                        "personal data of an election erased after its term and the retention period"
                    );
                }
                Ok(erased.len())
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    #[test]
    fn the_term_ends_on_its_set_day_or_five_years_after_the_last_election_day() {
        assert_eq!(
            term_ends_on(Some(date!(2027 - 03 - 31)), Some(date!(2024 - 05 - 24))),
            Some(date!(2027 - 03 - 31))
        );
        assert_eq!(
            term_ends_on(None, Some(date!(2024 - 05 - 24))),
            Some(date!(2029 - 05 - 24))
        );
        assert_eq!(
            term_ends_on(None, Some(date!(2024 - 02 - 29))),
            Some(date!(2029 - 02 - 28))
        );
        assert_eq!(term_ends_on(None, None), None);
    }
}
