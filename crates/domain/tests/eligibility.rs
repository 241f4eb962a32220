//! R-ELIG-AGE, R-ELIG-RETIRE, R-ELIG-EDU, R-ELIG-EXP, R-ELIG-RES, R-ELIG-DISQ: each check
//! answers pass, relaxed or fail, with the boundary on both sides.

mod common;

use common::*;
use juxuan_domain::*;
use time::Date;
use time::macros::date;

const ELECTION_DAY: Date = date!(2024 - 05 - 28);

/// A nominee meeting every standard: bachelor, 30 months' experience, resident, no
/// disqualification.
fn particulars() -> Particulars {
    serde_json::from_value(serde_json::json!({
        "education": "bachelor", "full_time_degree": true, "community_work_months": 30,
        "resides_in_community": true, "party_member": true, "disqualifications": []
    }))
    .expect("particulars")
}

fn nominee(birth: &str, sequence: &str, p: Particulars) -> Nominee {
    let id = IdentityNumber::parse(&synthetic_id(birth, sequence), ELECTION_DAY).expect("valid id");
    Nominee::new(&id, p)
}

fn check(report: &EligibilityReport, rule: RuleId) -> &EligibilityCheck {
    report.check(rule).expect("check present")
}

fn honour(level: HonourLevel) -> Honour {
    Honour {
        level,
        title: "优秀社区工作者".into(),
    }
}

#[test]
fn a_nominee_meeting_every_standard_passes_every_check() {
    let r = assess(
        &nominee("19880315", "021", particulars()),
        ELECTION_DAY,
        None,
        &jilin(),
    );
    assert!(r.eligible);
    let rules: Vec<RuleId> = r.checks.iter().map(|c| c.rule).collect();
    assert_eq!(
        rules,
        [
            RuleId::EligAge,
            RuleId::EligRetire,
            RuleId::EligEdu,
            RuleId::EligExp,
            RuleId::EligRes,
            RuleId::EligDisq
        ]
    );
    assert!(r.checks.iter().all(|c| c.outcome == Outcome::Pass));
    assert!(
        r.checks
            .iter()
            .all(|c| !c.detail.zh.is_empty() && !c.detail.en.is_empty())
    );
}

#[test]
fn r_elig_age_55_on_election_day_passes_and_the_56th_birthday_fails() {
    // "55周岁以下" includes 55: exactly 55, and 55 plus a day (still 55 周岁), pass; the day
    // before the 56th birthday passes; the 56th birthday fails.
    let cases = [
        ("19690528", Outcome::Pass), // 55th birthday on election day
        ("19690527", Outcome::Pass), // 55 plus a day
        ("19680529", Outcome::Pass), // 55 and 364 days
        ("19680528", Outcome::Fail), // 56th birthday on election day
        ("19690529", Outcome::Pass), // 54, turning 55 tomorrow
        ("20060528", Outcome::Pass), // 18 today
        ("20060529", Outcome::Fail), // 17: no right to stand
    ];
    for (birth, expected) in cases {
        let r = assess(
            &nominee(birth, "021", particulars()),
            ELECTION_DAY,
            None,
            &jilin(),
        );
        assert_eq!(check(&r, RuleId::EligAge).outcome, expected, "born {birth}");
    }
}

#[test]
fn r_elig_age_a_city_level_honour_relaxes_the_age_limit_but_a_district_one_does_not() {
    for (level, expected) in [
        (HonourLevel::District, Outcome::Fail),
        (HonourLevel::City, Outcome::Relaxed),
        (HonourLevel::National, Outcome::Relaxed),
    ] {
        let mut p = particulars();
        p.honours = vec![honour(level)];
        let r = assess(&nominee("19680301", "021", p), ELECTION_DAY, None, &jilin());
        let age = check(&r, RuleId::EligAge);
        assert_eq!(age.outcome, expected, "{level:?}");
        if expected == Outcome::Relaxed {
            assert_eq!(age.relaxed_by, [Relaxation::CityLevelHonour]);
            assert!(r.eligible);
        }
    }
}

#[test]
fn r_elig_age_the_limit_follows_the_profile() {
    let mut p = jilin();
    p.max_age_new = 50;
    let r = assess(
        &nominee("19730101", "021", particulars()),
        ELECTION_DAY,
        None,
        &p,
    );
    assert_eq!(check(&r, RuleId::EligAge).outcome, Outcome::Fail, "51 > 50");
}

#[test]
fn r_elig_retire_reaching_retirement_age_on_election_day_fails_and_the_day_after_passes_with_a_step_down_date()
 {
    // A woman born 1969-05-28 on the cadre base retires at 55 on 2024-05-28.
    let mut honoured = particulars();
    honoured.honours = vec![honour(HonourLevel::City)];
    let r = assess(
        &nominee("19690528", "022", honoured.clone()),
        ELECTION_DAY,
        None,
        &jilin(),
    );
    let retire = check(&r, RuleId::EligRetire);
    assert_eq!(retire.outcome, Outcome::Fail);
    assert!(!r.eligible, "never relaxed, even with an honour");

    let r = assess(
        &nominee("19690529", "022", honoured),
        ELECTION_DAY,
        None,
        &jilin(),
    );
    let retire = check(&r, RuleId::EligRetire);
    assert_eq!(retire.outcome, Outcome::Pass);
    assert_eq!(retire.steps_down_on, Some(date!(2024 - 05 - 29)));
}

#[test]
fn r_elig_retire_retiring_after_the_term_passes_without_a_step_down_date() {
    let term_end = Some(date!(2026 - 12 - 31));
    // A man born 1970-01-15 retires at 61y4m on 2031-05-15, after the term.
    let r = assess(
        &nominee("19700115", "011", particulars()),
        ELECTION_DAY,
        term_end,
        &jilin(),
    );
    let retire = check(&r, RuleId::EligRetire);
    assert_eq!(retire.outcome, Outcome::Pass);
    assert_eq!(retire.steps_down_on, None);
    // A man born 1966-09-10 retires at 60y6m on 2027-03-10: after the by-election's term end,
    // but within five years of election day when the term end is unknown.
    let r = assess(
        &nominee("19660910", "011", particulars()),
        ELECTION_DAY,
        term_end,
        &jilin(),
    );
    assert_eq!(check(&r, RuleId::EligRetire).steps_down_on, None);
    let r = assess(
        &nominee("19660910", "011", particulars()),
        ELECTION_DAY,
        None,
        &jilin(),
    );
    assert_eq!(
        check(&r, RuleId::EligRetire).steps_down_on,
        Some(date!(2027 - 03 - 10))
    );
}

#[test]
fn r_elig_retire_the_womens_base_follows_the_profile() {
    // A woman born 1974-03-01: 55 on the cadre base (2029), 50 on the worker base (2024-03-01).
    let mut worker = jilin();
    worker.female_retirement_base = FemaleRetirementBase::Worker;
    let cadre = assess(
        &nominee("19740301", "022", particulars()),
        ELECTION_DAY,
        None,
        &jilin(),
    );
    assert_eq!(check(&cadre, RuleId::EligRetire).outcome, Outcome::Pass);
    let r = assess(
        &nominee("19740301", "022", particulars()),
        ELECTION_DAY,
        None,
        &worker,
    );
    assert_eq!(check(&r, RuleId::EligRetire).outcome, Outcome::Fail);
}

#[test]
fn r_elig_edu_a_degree_or_a_qualification_passes_and_three_relaxations_apply() {
    let with = |f: &dyn Fn(&mut Particulars)| {
        let mut p = particulars();
        p.education = Education::Associate;
        p.full_time_degree = false;
        f(&mut p);
        let r = assess(&nominee("19880315", "021", p), ELECTION_DAY, None, &jilin());
        let c = check(&r, RuleId::EligEdu);
        (c.outcome, c.relaxed_by.clone())
    };
    assert_eq!(with(&|_| {}), (Outcome::Fail, vec![]));
    assert_eq!(
        with(&|p| p.education = Education::Bachelor),
        (Outcome::Pass, vec![])
    );
    assert_eq!(
        with(&|p| p.education = Education::Master),
        (Outcome::Pass, vec![])
    );
    assert_eq!(
        with(&|p| p.social_work_qualification = SocialWorkQualification::Assistant),
        (Outcome::Pass, vec![])
    );
    assert_eq!(
        with(&|p| p.honours = vec![honour(HonourLevel::Province)]),
        (Outcome::Relaxed, vec![Relaxation::CityLevelHonour])
    );
    assert_eq!(
        with(&|p| p.outstanding_contribution = true),
        (Outcome::Relaxed, vec![Relaxation::OutstandingContribution])
    );
    assert_eq!(
        with(&|p| {
            p.social_work_graduate = true;
            p.outstanding_contribution = true;
        }),
        (
            Outcome::Relaxed,
            vec![
                Relaxation::OutstandingContribution,
                Relaxation::SocialWorkGraduate
            ]
        )
    );
}

#[test]
fn r_elig_exp_24_months_pass_23_fail_and_a_full_time_degree_relaxes() {
    let with = |months: u32, education: Education, full_time: bool| {
        let mut p = particulars();
        p.community_work_months = months;
        p.education = education;
        p.full_time_degree = full_time;
        let r = assess(&nominee("19880315", "021", p), ELECTION_DAY, None, &jilin());
        check(&r, RuleId::EligExp).outcome
    };
    assert_eq!(with(24, Education::SeniorHigh, false), Outcome::Pass);
    assert_eq!(with(23, Education::SeniorHigh, false), Outcome::Fail);
    assert_eq!(with(0, Education::Bachelor, true), Outcome::Relaxed);
    assert_eq!(
        with(0, Education::Bachelor, false),
        Outcome::Fail,
        "part-time degree"
    );
    assert_eq!(
        with(0, Education::Associate, true),
        Outcome::Fail,
        "not a bachelor's"
    );
}

#[test]
fn r_elig_res_outside_residents_need_the_committees_consent() {
    for (resides, consent, expected) in [
        (true, false, Outcome::Pass),
        (false, true, Outcome::Relaxed),
        (false, false, Outcome::Fail),
    ] {
        let mut p = particulars();
        p.resides_in_community = resides;
        p.committee_consent = consent;
        let r = assess(&nominee("19880315", "021", p), ELECTION_DAY, None, &jilin());
        assert_eq!(check(&r, RuleId::EligRes).outcome, expected);
        assert_eq!(r.eligible, expected != Outcome::Fail);
    }
}

#[test]
fn r_elig_disq_any_of_the_ten_situations_fails_and_nothing_relaxes_it() {
    for n in 1..=10u8 {
        let mut p = particulars();
        p.disqualifications = vec![Disqualification::new(n).expect("1-10")];
        p.honours = vec![honour(HonourLevel::National)];
        p.outstanding_contribution = true;
        let r = assess(&nominee("19880315", "021", p), ELECTION_DAY, None, &jilin());
        let c = check(&r, RuleId::EligDisq);
        assert_eq!(c.outcome, Outcome::Fail, "situation {n}");
        assert!(c.detail.zh.contains(&format!("第{n}种")));
        assert!(!r.eligible);
    }
}

#[test]
fn an_ineligible_report_lists_each_failed_check_and_serialises_for_api_md() {
    let mut p = particulars();
    p.resides_in_community = false;
    p.disqualifications = vec![Disqualification::new(8).expect("8")];
    let r = assess(&nominee("19880315", "021", p), ELECTION_DAY, None, &jilin());
    let failed: Vec<RuleId> = r.failures().map(|c| c.rule).collect();
    assert_eq!(failed, [RuleId::EligRes, RuleId::EligDisq]);
    let json = serde_json::to_value(&r).expect("json");
    assert_eq!(json["eligible"], false);
    assert_eq!(json["checks"][4]["rule"], "R-ELIG-RES");
    assert_eq!(json["checks"][4]["outcome"], "fail");
    assert!(json["checks"][4]["detail"]["zh"].is_string());
    let back: EligibilityReport = serde_json::from_value(json).expect("reads back");
    assert_eq!(back, r);
}
