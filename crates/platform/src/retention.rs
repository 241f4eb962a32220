//! Retention of voters' personal data (ADR 15): the bureau's period after a committee's term
//! (`JUXUAN_RETENTION_DAYS`), whether it has passed, and the hourly job each service that keeps
//! such data runs to erase what is due.

use std::future::Future;
use std::time::Duration;

use time::{Date, OffsetDateTime, UtcOffset};

use crate::config::Env;
use crate::shutdown::Shutdown;

/// The name a pseudonymised person is left with.
pub const ERASED_NAME: &str = "已删除";
/// The audit action of an erasure.
pub const ERASED: &str = "personal_data.erased";
/// R-TERM: a committee's term in years (every profile's).
pub const TERM_YEARS: i32 = 5;
/// `JUXUAN_RETENTION_DAYS` when unset.
pub const DEFAULT_RETENTION_DAYS: u32 = 365;
/// How often the job runs (and once at start).
pub const INTERVAL: Duration = Duration::from_secs(3600);

/// Reads `JUXUAN_RETENTION_DAYS` (whole days, 0 allowed), recording a problem like any other
/// setting when it is not a whole number of days. A value too large for the calendar never
/// makes anything due (see [`due`]): the safe side.
pub fn retention_days(env: &mut Env<'_>) -> u32 {
    env.or("JUXUAN_RETENTION_DAYS", DEFAULT_RETENTION_DAYS)
}

/// Whether personal data kept until `term_end` is due for erasure on `as_of`: the retention
/// period after the term's end has passed (`term_end + retention_days <= as_of`).
pub fn due(term_end: Date, retention_days: u32, as_of: Date) -> bool {
    term_end
        .checked_add(time::Duration::days(i64::from(retention_days)))
        .is_some_and(|erase_on| erase_on <= as_of)
}

/// Runs `erase(today)` at start and then every hour until shutdown, `today` being the date in
/// the district's zone; `erase` answers how many objects it erased (it logs them itself).
pub fn spawn<F, Fut>(
    service: &'static str,
    zone: UtcOffset,
    shutdown: Shutdown,
    erase: F,
) -> tokio::task::JoinHandle<()>
where
    F: Fn(Date) -> Fut + Send + 'static,
    Fut: Future<Output = anyhow::Result<usize>> + Send,
{
    tokio::spawn(async move {
        loop {
            let today = OffsetDateTime::now_utc().to_offset(zone).date();
            if let Err(e) = erase(today).await {
                tracing::warn!(
                    service,
                    error = format!("{e:#}"),
                    "erasing personal data failed; will retry in an hour"
                );
            }
            tokio::select! {
                () = shutdown.clone().wait() => break,
                () = tokio::time::sleep(INTERVAL) => {}
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    #[test]
    fn data_is_due_once_the_retention_period_after_the_term_has_passed() {
        let end = date!(2029 - 05 - 24);
        assert!(!due(end, 0, date!(2029 - 05 - 23)));
        assert!(due(end, 0, date!(2029 - 05 - 24)));
        assert!(!due(end, 365, date!(2030 - 05 - 23)));
        assert!(due(end, 365, date!(2030 - 05 - 24)));
        assert!(
            !due(end, u32::MAX, date!(9999 - 12 - 31)),
            "beyond the calendar: never"
        );
    }

    #[test]
    fn the_retention_setting_defaults_to_a_year_allows_zero_and_reports_a_bad_value() {
        let mut env = Env::from_pairs(&[]);
        assert_eq!(retention_days(&mut env), 365);
        assert!(env.finish(|| Some(())).is_ok());

        let pairs = [("JUXUAN_RETENTION_DAYS", "0")];
        let mut env = Env::from_pairs(&pairs);
        assert_eq!(retention_days(&mut env), 0);
        assert!(env.finish(|| Some(())).is_ok());

        for bad in ["-1", "a year", "1.5"] {
            let pairs = [("JUXUAN_RETENTION_DAYS", bad)];
            let mut env = Env::from_pairs(&pairs);
            let _ = retention_days(&mut env);
            let err = env.finish(|| Some(())).expect_err(bad);
            assert_eq!(err.problems.len(), 1, "{err}");
            assert!(
                err.problems[0].starts_with("JUXUAN_RETENTION_DAYS is invalid"),
                "{err}"
            );
        }
    }
}
