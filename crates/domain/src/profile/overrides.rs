//! An election's `rules` object: which profile, and which of its parameters to override.

use serde::{Deserialize, Deserializer, Serialize};
use time::Date;

use super::{
    FemaleRetirementBase, Overvote, ProfileName, ReturnedOverIssued, RuleProfile, Threshold,
};
use crate::{ElectionMethod, Share, Text, messages};

/// An election's `rules` (API.md): `profile` names a shipped profile, every other key
/// overrides the parameter of the same name of [`RuleProfile`]. Unknown keys are refused when
/// deserialising. Numbers are wide and signed so that a negative or oversized value reaches
/// [`RuleProfile::resolve`] and is reported against its field rather than as a parse error.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileOverrides {
    /// `cn-2018-jilin` or `cn-2026`; without it, the profile in force when nominations open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// See [`RuleProfile::electorate_list_min_days`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub electorate_list_min_days: Option<i64>,
    /// See [`RuleProfile::election_methods`]; at least one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub election_methods: Option<Vec<ElectionMethod>>,
    /// See [`RuleProfile::max_proxies_per_holder`] (0–3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_proxies_per_holder: Option<i64>,
    /// See [`RuleProfile::min_nominators_joint_voters`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_nominators_joint_voters: Option<i64>,
    /// See [`RuleProfile::min_nominators_joint_household_reps`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_nominators_joint_household_reps: Option<i64>,
    /// See [`RuleProfile::min_nominators_joint_representatives`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_nominators_joint_representatives: Option<i64>,
    /// See [`RuleProfile::self_nomination`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub self_nomination: Option<bool>,
    /// See [`RuleProfile::max_age_new`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_age_new: Option<i64>,
    /// See [`RuleProfile::min_experience_months`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_experience_months: Option<i64>,
    /// See [`RuleProfile::female_retirement_base`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub female_retirement_base: Option<FemaleRetirementBase>,
    /// See [`RuleProfile::candidate_list_min_days`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub candidate_list_min_days: Option<i64>,
    /// See [`RuleProfile::allow_uncontested`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_uncontested: Option<bool>,
    /// See [`RuleProfile::max_extra_candidates`]; `null` removes the cap.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub max_extra_candidates: Option<Option<i64>>,
    /// See [`RuleProfile::quorum`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quorum: Option<Share>,
    /// See [`RuleProfile::returned_over_issued`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub returned_over_issued: Option<ReturnedOverIssued>,
    /// See [`RuleProfile::overvote`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overvote: Option<Overvote>,
    /// See [`RuleProfile::threshold`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<Threshold>,
    /// See [`RuleProfile::roll_down`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roll_down: Option<bool>,
    /// See [`RuleProfile::additional_threshold`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_threshold: Option<Threshold>,
    /// See [`RuleProfile::additional_extra_candidates`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_extra_candidates: Option<i64>,
    /// See [`RuleProfile::vacancy_election_within_months`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vacancy_election_within_months: Option<i64>,
}

/// A key that is present (even as `null`) becomes `Some(value)`.
fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// One refused field of a `rules` object: `field` as `rules.<key>`, a stable `code`, and the
/// message in zh and en.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProfileFieldError {
    /// `rules.<key>`.
    pub field: String,
    /// `rules.unknown_profile`, `rules.negative_value`, `rules.out_of_range`,
    /// `rules.below_half` or `rules.share_out_of_range`.
    pub code: &'static str,
    /// Why, in zh and en.
    pub message: Text,
}

/// Collects the checked values and the errors of one `rules` object.
struct Check {
    errors: Vec<ProfileFieldError>,
}

impl Check {
    fn error(&mut self, key: &str, code: &'static str, message: Text) {
        self.errors.push(ProfileFieldError {
            field: format!("rules.{key}"),
            code,
            message,
        });
    }

    /// A whole number within `min..=max`; negative numbers get their own code.
    fn number(&mut self, key: &str, value: Option<i64>, min: u32, max: u32, target: &mut u32) {
        let Some(v) = value else { return };
        if v < 0 {
            self.error(
                key,
                "rules.negative_value",
                messages::negative_value(key, v),
            );
        } else if v < i64::from(min) || v > i64::from(max) {
            self.error(
                key,
                "rules.out_of_range",
                messages::out_of_range(key, v, min, max),
            );
        } else if let Ok(v) = u32::try_from(v) {
            *target = v;
        }
    }

    /// A share some count can reach; at least "more than half" when `floor_half`.
    fn share(&mut self, key: &str, value: Share, floor_half: bool) -> bool {
        if !value.is_attainable() {
            self.error(
                key,
                "rules.share_out_of_range",
                messages::share_unattainable(key),
            );
            false
        } else if floor_half && !value.is_at_least_more_than_half() {
            self.error(key, "rules.below_half", messages::share_below_half(key));
            false
        } else {
            true
        }
    }
}

pub(super) fn resolve(
    opens_on: Date,
    o: &ProfileOverrides,
) -> Result<RuleProfile, Vec<ProfileFieldError>> {
    let mut check = Check { errors: Vec::new() };
    let name = match &o.profile {
        None => ProfileName::in_force_on(opens_on),
        Some(name) => ProfileName::parse(name).unwrap_or_else(|| {
            check.error(
                "profile",
                "rules.unknown_profile",
                messages::unknown_profile(name),
            );
            ProfileName::in_force_on(opens_on)
        }),
    };
    let mut p = RuleProfile::named(name);

    check.number(
        "electorate_list_min_days",
        o.electorate_list_min_days,
        0,
        90,
        &mut p.electorate_list_min_days,
    );
    check.number(
        "candidate_list_min_days",
        o.candidate_list_min_days,
        0,
        60,
        &mut p.candidate_list_min_days,
    );
    // "Jointly" needs two people at least.
    check.number(
        "min_nominators_joint_voters",
        o.min_nominators_joint_voters,
        2,
        1000,
        &mut p.min_nominators_joint_voters,
    );
    check.number(
        "min_nominators_joint_household_reps",
        o.min_nominators_joint_household_reps,
        2,
        1000,
        &mut p.min_nominators_joint_household_reps,
    );
    check.number(
        "min_nominators_joint_representatives",
        o.min_nominators_joint_representatives,
        2,
        1000,
        &mut p.min_nominators_joint_representatives,
    );
    check.number(
        "max_age_new",
        o.max_age_new,
        p.min_voter_age,
        80,
        &mut p.max_age_new,
    );
    check.number(
        "min_experience_months",
        o.min_experience_months,
        0,
        600,
        &mut p.min_experience_months,
    );
    check.number(
        "additional_extra_candidates",
        o.additional_extra_candidates,
        0,
        5,
        &mut p.additional_extra_candidates,
    );
    check.number(
        "vacancy_election_within_months",
        o.vacancy_election_within_months,
        1,
        24,
        &mut p.vacancy_election_within_months,
    );
    // P5: a voter holds at most three proxies where proxies exist at all.
    check.number(
        "max_proxies_per_holder",
        o.max_proxies_per_holder,
        0,
        3,
        &mut p.max_proxies_per_holder,
    );
    if let Some(methods) = &o.election_methods {
        if methods.is_empty() {
            check.error(
                "election_methods",
                "rules.out_of_range",
                messages::no_election_method(),
            );
        } else {
            let mut methods = methods.clone();
            methods.sort_by_key(|m| *m as u8);
            methods.dedup();
            p.election_methods = methods;
        }
    }
    match o.max_extra_candidates {
        None => {}
        Some(None) => p.max_extra_candidates = None,
        Some(Some(v)) => {
            // Zero extra candidates would forbid the competition the law asks for.
            let mut cap = 0;
            check.number("max_extra_candidates", Some(v), 1, 10, &mut cap);
            if cap > 0 {
                p.max_extra_candidates = Some(cap);
            }
        }
    }
    if let Some(v) = o.quorum
        && check.share("quorum", v, true)
    {
        p.quorum = v;
    }
    if let Some(v) = o.threshold
        && check.share("threshold", v.share, true)
    {
        p.threshold = v;
    }
    if let Some(v) = o.additional_threshold
        && check.share("additional_threshold", v.share, false)
    {
        p.additional_threshold = v;
    }
    if let Some(v) = o.self_nomination {
        p.self_nomination = v;
    }
    if let Some(v) = o.female_retirement_base {
        p.female_retirement_base = v;
    }
    if let Some(v) = o.allow_uncontested {
        p.allow_uncontested = v;
    }
    if let Some(v) = o.returned_over_issued {
        p.returned_over_issued = v;
    }
    if let Some(v) = o.overvote {
        p.overvote = v;
    }
    if let Some(v) = o.roll_down {
        p.roll_down = v;
    }
    if check.errors.is_empty() {
        Ok(p)
    } else {
        Err(check.errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ThresholdBase;
    use time::macros::date;

    fn overrides(json: &str) -> ProfileOverrides {
        serde_json::from_str(json).expect("overrides")
    }

    #[test]
    fn without_a_name_the_profile_follows_the_day_nominations_open() {
        let p = RuleProfile::resolve(date!(2024 - 05 - 14), &ProfileOverrides::default())
            .expect("valid");
        assert_eq!(p.profile, ProfileName::Cn2018Jilin);
        let p = RuleProfile::resolve(date!(2026 - 12 - 01), &overrides("{}")).expect("valid");
        assert_eq!(p.profile, ProfileName::Cn2026);
    }

    #[test]
    fn a_named_profile_wins_over_the_date_and_other_keys_override_it() {
        let p = RuleProfile::resolve(
            date!(2026 - 12 - 01),
            &overrides(
                r#"{"profile":"cn-2018-jilin","quorum":"two_thirds","candidate_list_min_days":5,
                    "overvote":"ballot_invalid","threshold":"more_than_half_of_valid",
                    "max_extra_candidates":2}"#,
            ),
        )
        .expect("valid");
        assert_eq!(p.profile, ProfileName::Cn2018Jilin);
        assert_eq!(p.quorum, Share::TwoThirds);
        assert_eq!(p.candidate_list_min_days, 5);
        assert_eq!(p.overvote, Overvote::BallotInvalid);
        assert_eq!(p.threshold.of, ThresholdBase::Valid);
        assert_eq!(p.max_extra_candidates, Some(2));
    }

    #[test]
    fn r_poll_day_proxies_are_capped_at_three_and_a_profile_keeps_a_method() {
        let p = RuleProfile::resolve(
            date!(2024 - 05 - 14),
            &overrides(
                r#"{"max_proxies_per_holder":3,"election_methods":["all_voters","all_voters"]}"#,
            ),
        )
        .expect("valid");
        assert_eq!(p.max_proxies_per_holder, 3);
        assert_eq!(p.election_methods, [ElectionMethod::AllVoters]);
        let errors = RuleProfile::resolve(
            date!(2024 - 05 - 14),
            &overrides(r#"{"max_proxies_per_holder":4,"election_methods":[]}"#),
        )
        .expect_err("refused");
        let got: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            got,
            ["rules.max_proxies_per_holder", "rules.election_methods"]
        );
    }

    #[test]
    fn unknown_keys_are_refused() {
        assert!(serde_json::from_str::<ProfileOverrides>(r#"{"quorom":"two_thirds"}"#).is_err());
    }

    #[test]
    fn every_bad_field_is_reported_with_its_own_code() {
        let errors = RuleProfile::resolve(
            date!(2024 - 05 - 14),
            &overrides(
                r#"{"profile":"cn-1999","quorum":{"at_least":[1,2]},"candidate_list_min_days":-1,
                    "threshold":{"share":{"more_than":[1,3]},"of":"cast"},
                    "additional_threshold":{"share":{"at_least":[4,3]},"of":"cast"},
                    "min_nominators_joint_voters":1,"max_age_new":200,"max_extra_candidates":0}"#,
            ),
        )
        .expect_err("refused");
        let got: Vec<(&str, &str)> = errors.iter().map(|e| (e.field.as_str(), e.code)).collect();
        assert_eq!(
            got,
            [
                ("rules.profile", "rules.unknown_profile"),
                ("rules.candidate_list_min_days", "rules.negative_value"),
                ("rules.min_nominators_joint_voters", "rules.out_of_range"),
                ("rules.max_age_new", "rules.out_of_range"),
                ("rules.max_extra_candidates", "rules.out_of_range"),
                ("rules.quorum", "rules.below_half"),
                ("rules.threshold", "rules.below_half"),
                ("rules.additional_threshold", "rules.share_out_of_range"),
            ]
        );
        for e in &errors {
            assert!(!e.message.zh.is_empty() && !e.message.en.is_empty());
        }
    }

    #[test]
    fn r_quorum_a_quorum_of_exactly_half_is_below_the_law() {
        // 过半数 is strict: "at least half" is weaker and refused; "more than half" passes.
        let refused = RuleProfile::resolve(
            date!(2024 - 05 - 14),
            &overrides(r#"{"quorum":{"at_least":[1,2]}}"#),
        );
        assert!(refused.is_err());
        let accepted = RuleProfile::resolve(
            date!(2024 - 05 - 14),
            &overrides(r#"{"quorum":{"more_than":[1,2]}}"#),
        );
        assert!(accepted.is_ok());
    }

    #[test]
    fn the_cap_on_extra_candidates_can_be_removed_with_null() {
        let p = RuleProfile::resolve(
            date!(2024 - 05 - 14),
            &overrides(r#"{"max_extra_candidates":null}"#),
        )
        .expect("valid");
        assert_eq!(p.max_extra_candidates, None);
        let o = overrides(r#"{"max_extra_candidates":null}"#);
        assert_eq!(o.max_extra_candidates, Some(None));
    }
}
