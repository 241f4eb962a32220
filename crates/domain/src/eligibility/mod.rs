//! Eligibility of a nominee (选任标准): R-ELIG-AGE, R-ELIG-RETIRE, R-ELIG-EDU, R-ELIG-EXP,
//! R-ELIG-RES and R-ELIG-DISQ, each answering pass, relaxed (failed, but a stated relaxation
//! applies) or fail. A nominee is eligible when no check fails; an ineligible nomination is
//! still recorded, with its report, and can never be approved (R-REV-ORDER).

mod nominee;
mod retirement;

use serde::{Deserialize, Serialize};
use time::Date;

use crate::{RuleId, RuleProfile, Text, calendar, messages};

pub use nominee::{
    Disqualification, Education, Honour, HonourLevel, Nominee, Particulars, SocialWorkQualification,
};
pub use retirement::{RetirementAge, retirement_age, retirement_date};

/// The answer of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The standard is met.
    Pass,
    /// The standard is not met, but a relaxation the plan allows applies (可以适当放宽).
    Relaxed,
    /// The standard is not met and nothing relaxes it.
    Fail,
}

/// A relaxation the plan allows, and which check it relaxes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relaxation {
    /// 获得市级以上荣誉 (R-ELIG-AGE, R-ELIG-EDU).
    CityLevelHonour,
    /// 为社区建设作出突出贡献 (R-ELIG-EDU).
    OutstandingContribution,
    /// 社会工作专业高校毕业生 (R-ELIG-EDU).
    SocialWorkGraduate,
    /// 具有全日制大学本科以上学历 (R-ELIG-EXP).
    FullTimeBachelorOrAbove,
    /// 经社区居民委员会同意 (R-ELIG-RES).
    CommitteeConsent,
}

impl Relaxation {
    /// Its name in zh and en.
    pub fn name(self) -> Text {
        messages::relaxation(self)
    }
}

/// One check of the report: API.md's `{"rule", "outcome", "detail"}` and more.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EligibilityCheck {
    /// The rule checked.
    pub rule: RuleId,
    /// Its answer.
    pub outcome: Outcome,
    /// The relaxations that apply when the outcome is `relaxed`; empty otherwise.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub relaxed_by: Vec<Relaxation>,
    /// For R-ELIG-RETIRE: the day the nominee reaches retirement age during the term and must
    /// step down (到达退休年龄时应退出社区工作岗位).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub steps_down_on: Option<Date>,
    /// Why, in zh and en.
    pub detail: Text,
}

/// Every eligibility check of a nominee (R-ELIG-*), in the order of DOMAIN.md.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EligibilityReport {
    /// True when no check fails.
    pub eligible: bool,
    /// The checks.
    pub checks: Vec<EligibilityCheck>,
}

impl EligibilityReport {
    /// The checks that failed.
    pub fn failures(&self) -> impl Iterator<Item = &EligibilityCheck> {
        self.checks.iter().filter(|c| c.outcome == Outcome::Fail)
    }

    /// The check of one rule.
    pub fn check(&self, rule: RuleId) -> Option<&EligibilityCheck> {
        self.checks.iter().find(|c| c.rule == rule)
    }
}

/// Assesses a nominee against every eligibility rule. Ages are reckoned on election day; the
/// retirement check looks ahead to `term_ends_on` (when unknown: election day plus the
/// profile's term).
pub fn assess(
    nominee: &Nominee,
    election_day: Date,
    term_ends_on: Option<Date>,
    profile: &RuleProfile,
) -> EligibilityReport {
    let term_ends_on = term_ends_on
        .or_else(|| calendar::add_years(election_day, i32::try_from(profile.term_years).ok()?));
    let checks = vec![
        age(nominee, election_day, profile),
        retire(nominee, election_day, term_ends_on, profile),
        education(nominee),
        experience(nominee, profile),
        residence(nominee),
        disqualifications(nominee),
    ];
    EligibilityReport {
        eligible: checks.iter().all(|c| c.outcome != Outcome::Fail),
        checks,
    }
}

fn check(
    rule: RuleId,
    outcome: Outcome,
    relaxed_by: Vec<Relaxation>,
    detail: Text,
) -> EligibilityCheck {
    EligibilityCheck {
        rule,
        outcome,
        relaxed_by,
        steps_down_on: None,
        detail,
    }
}

/// R-ELIG-AGE: at most `max_age_new` (55) on election day — "55周岁以下" includes 55, so a
/// nominee fails from their 56th birthday. Relaxed by a city-level or higher honour. A
/// nominee under the voting age has no right to stand (组织法 第八条), which nothing relaxes.
fn age(nominee: &Nominee, election_day: Date, profile: &RuleProfile) -> EligibilityCheck {
    let years = calendar::age_on(nominee.birth_date, election_day).unwrap_or(0);
    if years < profile.min_voter_age {
        return check(
            RuleId::EligAge,
            Outcome::Fail,
            vec![],
            messages::elig_age_under_voting_age(profile.min_voter_age),
        );
    }
    if years <= profile.max_age_new {
        return check(
            RuleId::EligAge,
            Outcome::Pass,
            vec![],
            messages::elig_age_within(years, profile.max_age_new),
        );
    }
    let relaxed_by: Vec<Relaxation> = nominee
        .has_city_level_honour()
        .then_some(Relaxation::CityLevelHonour)
        .into_iter()
        .collect();
    let outcome = if relaxed_by.is_empty() {
        Outcome::Fail
    } else {
        Outcome::Relaxed
    };
    let detail = messages::elig_age_over(years, profile.max_age_new, &relaxed_by);
    check(RuleId::EligAge, outcome, relaxed_by, detail)
}

/// R-ELIG-RETIRE: a nominee who has reached statutory retirement age on election day fails,
/// never relaxed; one who reaches it before the term ends passes with the date to step down.
fn retire(
    nominee: &Nominee,
    election_day: Date,
    term_ends_on: Option<Date>,
    profile: &RuleProfile,
) -> EligibilityCheck {
    let age = retirement_age(
        nominee.gender,
        nominee.birth_date,
        profile.female_retirement_base,
    );
    let Some(retires_on) = retirement_date(
        nominee.gender,
        nominee.birth_date,
        profile.female_retirement_base,
    ) else {
        return check(
            RuleId::EligRetire,
            Outcome::Pass,
            vec![],
            messages::elig_retire_far(age),
        );
    };
    if retires_on <= election_day {
        return check(
            RuleId::EligRetire,
            Outcome::Fail,
            vec![],
            messages::elig_retire_reached(age, retires_on),
        );
    }
    match term_ends_on {
        Some(end) if retires_on <= end => EligibilityCheck {
            steps_down_on: Some(retires_on),
            ..check(
                RuleId::EligRetire,
                Outcome::Pass,
                vec![],
                messages::elig_retire_during_term(age, retires_on),
            )
        },
        _ => check(
            RuleId::EligRetire,
            Outcome::Pass,
            vec![],
            messages::elig_retire_after_term(age, retires_on),
        ),
    }
}

/// R-ELIG-EDU: a bachelor's degree or above, or an assistant social worker qualification or
/// higher. Relaxed by a city-level honour, an outstanding contribution to the community or a
/// degree in social work.
fn education(nominee: &Nominee) -> EligibilityCheck {
    let p = &nominee.particulars;
    if p.education.is_bachelor_or_above() {
        return check(
            RuleId::EligEdu,
            Outcome::Pass,
            vec![],
            messages::elig_edu_degree(),
        );
    }
    if p.social_work_qualification >= SocialWorkQualification::Assistant {
        return check(
            RuleId::EligEdu,
            Outcome::Pass,
            vec![],
            messages::elig_edu_qualification(),
        );
    }
    let relaxed_by: Vec<Relaxation> = [
        (nominee.has_city_level_honour(), Relaxation::CityLevelHonour),
        (
            p.outstanding_contribution,
            Relaxation::OutstandingContribution,
        ),
        (p.social_work_graduate, Relaxation::SocialWorkGraduate),
    ]
    .into_iter()
    .filter_map(|(applies, r)| applies.then_some(r))
    .collect();
    let outcome = if relaxed_by.is_empty() {
        Outcome::Fail
    } else {
        Outcome::Relaxed
    };
    let detail = messages::elig_edu_missing(&relaxed_by);
    check(RuleId::EligEdu, outcome, relaxed_by, detail)
}

/// R-ELIG-EXP: at least `min_experience_months` (24) of street or community work, counted
/// cumulatively. Relaxed for a full-time bachelor's degree or above.
fn experience(nominee: &Nominee, profile: &RuleProfile) -> EligibilityCheck {
    let p = &nominee.particulars;
    let months = p.community_work_months;
    let min = profile.min_experience_months;
    if months >= min {
        return check(
            RuleId::EligExp,
            Outcome::Pass,
            vec![],
            messages::elig_exp_enough(months, min),
        );
    }
    let relaxed_by: Vec<Relaxation> = (p.full_time_degree && p.education.is_bachelor_or_above())
        .then_some(Relaxation::FullTimeBachelorOrAbove)
        .into_iter()
        .collect();
    let outcome = if relaxed_by.is_empty() {
        Outcome::Fail
    } else {
        Outcome::Relaxed
    };
    let detail = messages::elig_exp_short(months, min, &relaxed_by);
    check(RuleId::EligExp, outcome, relaxed_by, detail)
}

/// R-ELIG-RES: lives in the community; otherwise the residents' committee's consent relaxes it.
fn residence(nominee: &Nominee) -> EligibilityCheck {
    let p = &nominee.particulars;
    if p.resides_in_community {
        check(
            RuleId::EligRes,
            Outcome::Pass,
            vec![],
            messages::elig_res_resident(),
        )
    } else if p.committee_consent {
        check(
            RuleId::EligRes,
            Outcome::Relaxed,
            vec![Relaxation::CommitteeConsent],
            messages::elig_res_consent(),
        )
    } else {
        check(
            RuleId::EligRes,
            Outcome::Fail,
            vec![],
            messages::elig_res_outside(),
        )
    }
}

/// R-ELIG-DISQ: any of the ten situations is a fail, never relaxed.
fn disqualifications(nominee: &Nominee) -> EligibilityCheck {
    let mut found = nominee.particulars.disqualifications.clone();
    found.sort();
    found.dedup();
    if found.is_empty() {
        check(
            RuleId::EligDisq,
            Outcome::Pass,
            vec![],
            messages::elig_disq_none(),
        )
    } else {
        check(
            RuleId::EligDisq,
            Outcome::Fail,
            vec![],
            messages::elig_disq_found(&found),
        )
    }
}
