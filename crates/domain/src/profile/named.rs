//! The two shipped profiles and where each value comes from (DOMAIN-SOURCES.md).

use super::{
    Basis, FemaleRetirementBase, Overvote, ProfileName, Provisional, ReturnedOverIssued,
    RuleProfile, Threshold, ThresholdBase,
};
use crate::{ElectionMethod, Share, messages};

fn provisional(parameter: &str, basis: Basis) -> Provisional {
    Provisional {
        parameter: parameter.to_owned(),
        basis,
        note: messages::provisional_note(parameter, basis),
    }
}

/// `cn-2018-jilin`: the seed's 2024 by-election plan (城南街道补选实施方案: nomination routes
/// 10 / 5 / 2 / self, age ≤ 55, bachelor's degree, two years' experience, list 3 days before
/// election day, no proxies), the 长春 notice for Jilin (quorum: ballots cast more than half of
/// the registered; elected with more than half of the ballots cast), and village-law analogues
/// for what Jilin's texts that were read do not say.
pub(super) fn cn_2018_jilin() -> RuleProfile {
    RuleProfile {
        profile: ProfileName::Cn2018Jilin,
        min_voter_age: 18,
        // The seed ran its whole by-election in two weeks: no minimum.
        electorate_list_min_days: 0,
        election_methods: vec![
            ElectionMethod::AllVoters,
            ElectionMethod::HouseholdRepresentatives,
            ElectionMethod::ResidentRepresentatives,
        ],
        // 不办理委托投票 (the seed); DOMAIN-SOURCES P6.
        max_proxies_per_holder: 0,
        min_nominators_joint_voters: 10,
        min_nominators_joint_household_reps: 5,
        min_nominators_joint_representatives: 2,
        self_nomination: true,
        max_age_new: 55,
        min_experience_months: 24,
        female_retirement_base: FemaleRetirementBase::Cadre,
        term_years: 5,
        candidate_list_min_days: 3,
        allow_uncontested: false,
        max_extra_candidates: None,
        quorum: Share::MoreThanHalf,
        returned_over_issued: ReturnedOverIssued::Revote,
        overvote: Overvote::ColumnInvalid,
        threshold: Threshold {
            share: Share::MoreThanHalf,
            of: ThresholdBase::Cast,
        },
        roll_down: false,
        additional_threshold: Threshold {
            share: Share::OneThird,
            of: ThresholdBase::Cast,
        },
        additional_extra_candidates: 1,
        vacancy_election_within_months: 6,
        provisional: vec![
            provisional("female_retirement_base", Basis::Inference),
            provisional("allow_uncontested", Basis::Inference),
            provisional("overvote", Basis::WeakSource),
            provisional("additional_threshold", Basis::Inference),
            provisional("additional_extra_candidates", Basis::Unverified),
            provisional("vacancy_election_within_months", Basis::Inference),
        ],
    }
}

/// `cn-2026`: the revised national law in force from 2026-01-01. Its election chapter was not
/// read; the values seen only on a garbled mirror (electorate published 20 days before election
/// day; more than half of the household representatives for the household method) and those
/// carried over from `cn-2018-jilin` by inference are marked provisional. Chongqing's and
/// Gansu's 2025 measures confirm contested elections (违反法定差额选举原则 voids an election).
pub(super) fn cn_2026() -> RuleProfile {
    RuleProfile {
        profile: ProfileName::Cn2026,
        electorate_list_min_days: 20,
        provisional: vec![
            provisional("electorate_list_min_days", Basis::WeakSource),
            provisional("quorum", Basis::WeakSource),
            provisional("candidate_list_min_days", Basis::Inference),
            provisional("threshold", Basis::Inference),
            provisional("returned_over_issued", Basis::Inference),
            provisional("overvote", Basis::WeakSource),
            provisional("max_proxies_per_holder", Basis::WeakSource),
            provisional("min_nominators_joint_voters", Basis::Inference),
            provisional("min_nominators_joint_household_reps", Basis::Inference),
            provisional("min_nominators_joint_representatives", Basis::Inference),
            provisional("max_age_new", Basis::Inference),
            provisional("min_experience_months", Basis::Inference),
            provisional("female_retirement_base", Basis::Inference),
            provisional("additional_threshold", Basis::Inference),
            provisional("additional_extra_candidates", Basis::Unverified),
            provisional("vacancy_election_within_months", Basis::Inference),
        ],
        ..cn_2018_jilin()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_profiles_carry_the_defaults_of_domain_md() {
        for p in [cn_2018_jilin(), cn_2026()] {
            assert_eq!(p.max_age_new, 55);
            assert_eq!(p.candidate_list_min_days, 3);
            assert_eq!(p.quorum, Share::MoreThanHalf);
            assert_eq!(p.overvote, Overvote::ColumnInvalid);
            assert_eq!(p.returned_over_issued, ReturnedOverIssued::Revote);
            assert!(!p.allow_uncontested);
            assert!(!p.roll_down);
            assert_eq!(p.min_nominators_joint_voters, 10);
            assert_eq!(p.min_nominators_joint_household_reps, 5);
            assert_eq!(p.min_nominators_joint_representatives, 2);
        }
    }

    #[test]
    fn r_roll_publish_only_cn_2026_publishes_the_electorate_20_days_ahead() {
        assert_eq!(cn_2018_jilin().electorate_list_min_days, 0);
        assert_eq!(cn_2026().electorate_list_min_days, 20);
    }

    #[test]
    fn every_provisional_value_names_a_real_parameter_and_explains_itself() {
        for p in [cn_2018_jilin(), cn_2026()] {
            let json = serde_json::to_value(&p).expect("json");
            for v in &p.provisional {
                assert!(json.get(&v.parameter).is_some(), "{}", v.parameter);
                assert!(!v.note.zh.is_empty() && !v.note.en.is_empty());
            }
        }
        assert!(
            cn_2026()
                .provisional
                .iter()
                .any(|v| v.parameter == "electorate_list_min_days" && v.basis == Basis::WeakSource)
        );
    }
}
