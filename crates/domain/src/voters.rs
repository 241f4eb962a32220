//! Voters and the electorate (R-VOTER-AGE, R-ELECTORATE, R-ROLL-PUBLISH).

use serde::{Deserialize, Serialize};
use time::{Date, Duration};

use crate::{ElectionMethod, RuleId, RuleProfile, Violation, calendar, messages};

/// What the register says about a registered resident of the community, as far as the rules
/// need it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Registration {
    /// From the identity number.
    pub birth_date: Date,
    /// 户代表: represents their household.
    pub household_rep: bool,
    /// 居民代表: a sitting residents' representative.
    pub resident_rep: bool,
}

/// R-VOTER-AGE: whether someone born on `birth_date` is old enough to vote on election day
/// (18 or over, the 18th birthday itself included).
pub fn may_vote(birth_date: Date, election_day: Date, profile: &RuleProfile) -> bool {
    calendar::age_on(birth_date, election_day).is_some_and(|age| age >= profile.min_voter_age)
}

/// R-ELECTORATE: whether a registered resident is an elector of a contest under the election's
/// method — every voter, the household representatives, or every sitting residents'
/// representative (present or not) — and old enough on election day (R-VOTER-AGE).
pub fn is_elector(
    registration: &Registration,
    method: ElectionMethod,
    election_day: Date,
    profile: &RuleProfile,
) -> bool {
    let holds_status = match method {
        ElectionMethod::AllVoters => true,
        ElectionMethod::HouseholdRepresentatives => registration.household_rep,
        ElectionMethod::ResidentRepresentatives => registration.resident_rep,
    };
    holds_status && may_vote(registration.birth_date, election_day, profile)
}

/// R-ROLL-PUBLISH: whether the electorate may be published (and frozen) on `today` for an
/// election day: at least the profile's days before it for the all-voters and household
/// methods (`cn-2026`: 20), and in any case before election day.
///
/// Refusal: `electorate.too_late`.
pub fn check_electorate_publication(
    method: ElectionMethod,
    today: Date,
    election_day: Date,
    profile: &RuleProfile,
) -> Result<(), Violation> {
    let min_days = profile.electorate_list_min_days_for(method).max(1);
    let latest = election_day - Duration::days(i64::from(min_days));
    if today <= latest {
        Ok(())
    } else {
        Err(Violation::rule(
            "electorate.too_late",
            RuleId::RollPublish,
            messages::electorate_too_late(min_days, latest),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ProfileName;
    use time::macros::date;

    fn jilin() -> RuleProfile {
        RuleProfile::named(ProfileName::Cn2018Jilin)
    }

    #[test]
    fn r_voter_age_an_elector_whose_18th_birthday_is_election_day_may_vote() {
        // Appendix B S14: born 2007-06-20, election 2025-06-20.
        let cases = [
            (date!(2007 - 06 - 20), true),
            (date!(2007 - 06 - 21), false),
            (date!(2007 - 06 - 19), true),
            (date!(2007 - 02 - 28), true),
        ];
        for (birth, expected) in cases {
            assert_eq!(
                may_vote(birth, date!(2025 - 06 - 20), &jilin()),
                expected,
                "{birth}"
            );
        }
    }

    #[test]
    fn r_electorate_each_method_takes_the_residents_with_its_status() {
        let reg = |household_rep, resident_rep| Registration {
            birth_date: date!(1980 - 01 - 01),
            household_rep,
            resident_rep,
        };
        let day = date!(2024 - 05 - 28);
        let p = jilin();
        let cases = [
            (reg(false, false), ElectionMethod::AllVoters, true),
            (
                reg(false, false),
                ElectionMethod::HouseholdRepresentatives,
                false,
            ),
            (
                reg(true, false),
                ElectionMethod::HouseholdRepresentatives,
                true,
            ),
            (
                reg(true, false),
                ElectionMethod::ResidentRepresentatives,
                false,
            ),
            (
                reg(false, true),
                ElectionMethod::ResidentRepresentatives,
                true,
            ),
        ];
        for (r, method, expected) in cases {
            assert_eq!(is_elector(&r, method, day, &p), expected, "{method:?}");
        }
        let minor = Registration {
            birth_date: date!(2010 - 01 - 01),
            household_rep: true,
            resident_rep: true,
        };
        assert!(!is_elector(
            &minor,
            ElectionMethod::ResidentRepresentatives,
            day,
            &p
        ));
    }

    #[test]
    fn r_roll_publish_cn_2026_publishes_all_voters_at_least_20_days_ahead() {
        let p = RuleProfile::named(ProfileName::Cn2026);
        let day = date!(2026 - 06 - 30);
        let cases = [
            (ElectionMethod::AllVoters, date!(2026 - 06 - 10), true),
            (ElectionMethod::AllVoters, date!(2026 - 06 - 11), false),
            (
                ElectionMethod::HouseholdRepresentatives,
                date!(2026 - 06 - 11),
                false,
            ),
            (
                ElectionMethod::ResidentRepresentatives,
                date!(2026 - 06 - 29),
                true,
            ),
            (
                ElectionMethod::ResidentRepresentatives,
                date!(2026 - 06 - 30),
                false,
            ),
        ];
        for (method, today, ok) in cases {
            let got = check_electorate_publication(method, today, day, &p);
            assert_eq!(got.is_ok(), ok, "{method:?} {today}");
            if let Err(v) = got {
                assert_eq!(v.code, "electorate.too_late");
                assert_eq!(v.rule, RuleId::RollPublish);
            }
        }
    }

    #[test]
    fn r_roll_publish_cn_2018_jilin_has_no_minimum_before_election_day() {
        let day = date!(2024 - 05 - 28);
        assert!(
            check_electorate_publication(
                ElectionMethod::AllVoters,
                date!(2024 - 05 - 27),
                day,
                &jilin()
            )
            .is_ok()
        );
    }
}
