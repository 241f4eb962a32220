//! R-NOM-METHOD, R-NOM-WINDOW, R-NOM-DUP: nominations checked against the register and the
//! profile, every broken rule listed, nominators checked before their number.

mod common;

use common::*;
use juxuan_domain::*;
use time::Date;
use time::macros::date;

const ELECTION_DAY: Date = date!(2024 - 05 - 28);
const TODAY: Date = date!(2024 - 05 - 15);

fn window() -> NominationWindow {
    NominationWindow::new(date!(2024 - 05 - 14), date!(2024 - 05 - 17)).expect("window")
}

fn member_contest() -> Contest {
    Contest::new(vec![PositionSeats {
        position: Position::Member,
        seats: Seats::new(1).expect("1"),
    }])
    .expect("contest")
}

fn voter(id: &str, household_rep: bool, resident_rep: bool) -> Nominator {
    Nominator {
        voter_id: VoterId::from(id),
        registration: Some(Registration {
            birth_date: date!(1980 - 01 - 01),
            household_rep,
            resident_rep,
        }),
    }
}

fn unregistered(id: &str) -> Nominator {
    Nominator {
        voter_id: VoterId::from(id),
        registration: None,
    }
}

fn minor(id: &str) -> Nominator {
    Nominator {
        voter_id: VoterId::from(id),
        registration: Some(Registration {
            birth_date: date!(2006 - 05 - 29),
            household_rep: true,
            resident_rep: true,
        }),
    }
}

fn voters(n: usize, household_rep: bool, resident_rep: bool) -> Vec<Nominator> {
    (0..n)
        .map(|i| voter(&format!("v{i}"), household_rep, resident_rep))
        .collect()
}

struct Case<'a> {
    position: Position,
    method: NominationMethod,
    nominators: &'a [Nominator],
    nominee_voter: Option<&'a Nominator>,
    today: Date,
    standing: &'a [StandingNomination],
}

fn validate(case: &Case<'_>) -> Result<AcceptedNomination, Vec<Violation>> {
    let profile = jilin();
    let contest = member_contest();
    let nominee = PersonKey::new("p-nominee");
    validate_nomination(
        &NominationRequest {
            position: case.position,
            method: case.method,
            nominators: case.nominators,
            nominee: &nominee,
            nominee_voter: case.nominee_voter,
        },
        &NominationContext {
            contest: &contest,
            window: window(),
            today: case.today,
            election_day: ELECTION_DAY,
            standing: case.standing,
            profile: &profile,
        },
    )
}

fn codes(r: Result<AcceptedNomination, Vec<Violation>>) -> Vec<(&'static str, Option<String>)> {
    r.expect_err("refused")
        .into_iter()
        .map(|v| (v.code, v.field))
        .collect()
}

fn case(method: NominationMethod, nominators: &[Nominator]) -> Case<'_> {
    Case {
        position: Position::Member,
        method,
        nominators,
        nominee_voter: None,
        today: TODAY,
        standing: &[],
    }
}

#[test]
fn r_nom_method_ten_voters_five_household_reps_or_two_representatives_suffice() {
    let cases = [
        (NominationMethod::JointVoters, voters(10, false, false)),
        (NominationMethod::JointHouseholdReps, voters(5, true, false)),
        (
            NominationMethod::JointRepresentatives,
            voters(2, false, true),
        ),
    ];
    for (method, nominators) in &cases {
        let accepted = validate(&case(*method, nominators)).expect("accepted");
        assert_eq!(accepted.nominators.len(), nominators.len());
    }
}

#[test]
fn r_nom_method_one_nominator_short_is_too_few() {
    let cases = [
        (
            NominationMethod::JointVoters,
            voters(9, false, false),
            9,
            10,
        ),
        (
            NominationMethod::JointHouseholdReps,
            voters(4, true, false),
            4,
            5,
        ),
        (
            NominationMethod::JointRepresentatives,
            voters(1, false, true),
            1,
            2,
        ),
    ];
    for (method, nominators, got, needed) in &cases {
        let errors = validate(&case(*method, nominators)).expect_err("refused");
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].code, "nomination.too_few_nominators");
        assert_eq!(errors[0].rule, RuleId::NomMethod);
        assert_eq!(errors[0].refusal, Refusal::Rule);
        assert!(
            errors[0].message.en.contains(&format!("needs {needed}")),
            "{}",
            errors[0].message.en
        );
        assert!(errors[0].message.en.contains(&format!("{got} qualify")));
    }
}

#[test]
fn r_nom_method_each_nominator_is_checked_before_their_number() {
    // Ten listed, but one unregistered, one repeated, one under 18 on election day, one
    // without the household status: each is refused, then only 6 count.
    let mut nominators = voters(6, true, false);
    nominators.push(unregistered("x"));
    nominators.push(voter("v0", true, false));
    nominators.push(minor("m"));
    nominators.push(voter("plain", false, false));
    let got = codes(validate(&case(
        NominationMethod::JointHouseholdReps,
        &nominators,
    )));
    assert_eq!(
        got,
        [
            (
                "nomination.nominator_not_eligible",
                Some("nominator_ids[6]".into())
            ),
            (
                "nomination.nominator_not_eligible",
                Some("nominator_ids[7]".into())
            ),
            (
                "nomination.nominator_not_eligible",
                Some("nominator_ids[8]".into())
            ),
            (
                "nomination.nominator_not_eligible",
                Some("nominator_ids[9]".into())
            ),
        ],
        "6 valid household reps are enough (≥ 5)"
    );
    nominators.truncate(4);
    nominators.push(unregistered("y"));
    let got = codes(validate(&case(
        NominationMethod::JointHouseholdReps,
        &nominators,
    )));
    assert_eq!(
        got,
        [
            (
                "nomination.nominator_not_eligible",
                Some("nominator_ids[4]".into())
            ),
            (
                "nomination.too_few_nominators",
                Some("nominator_ids".into())
            ),
        ]
    );
}

#[test]
fn r_nom_method_representatives_must_hold_the_representative_status() {
    let nominators = [voter("a", true, false), voter("b", false, true)];
    let got = codes(validate(&case(
        NominationMethod::JointRepresentatives,
        &nominators,
    )));
    assert_eq!(
        got[0],
        (
            "nomination.nominator_not_eligible",
            Some("nominator_ids[0]".into())
        )
    );
    assert_eq!(got[1].0, "nomination.too_few_nominators");
}

#[test]
fn r_nom_method_a_registered_voter_may_nominate_themself_and_nobody_else_may_for_them() {
    let me = voter("me", false, false);
    let accepted = validate(&Case {
        nominee_voter: Some(&me),
        ..case(NominationMethod::SelfNomination, &[])
    })
    .expect("accepted");
    assert_eq!(accepted.nominators, [VoterId::from("me")]);

    let other = [voter("other", false, false)];
    let got = codes(validate(&Case {
        nominee_voter: Some(&me),
        ..case(NominationMethod::SelfNomination, &other)
    }));
    assert_eq!(
        got,
        [(
            "nomination.nominator_not_eligible",
            Some("nominator_ids[0]".into())
        )]
    );

    let got = codes(validate(&case(NominationMethod::SelfNomination, &[])));
    assert_eq!(
        got,
        [(
            "nomination.nominator_not_eligible",
            Some("nominee.voter_id".into())
        )]
    );
}

#[test]
fn r_nom_window_the_first_and_last_days_are_inside_and_the_days_around_are_not() {
    let nominators = voters(10, false, false);
    for (today, ok) in [
        (date!(2024 - 05 - 13), false),
        (date!(2024 - 05 - 14), true),
        (date!(2024 - 05 - 17), true),
        (date!(2024 - 05 - 18), false),
    ] {
        let r = validate(&Case {
            today,
            ..case(NominationMethod::JointVoters, &nominators)
        });
        assert_eq!(r.is_ok(), ok, "{today}");
        if let Err(v) = r {
            assert_eq!(v[0].code, "nomination.window_closed");
            assert_eq!(v[0].rule, RuleId::NomWindow);
        }
    }
    assert!(NominationWindow::new(date!(2024 - 05 - 17), date!(2024 - 05 - 14)).is_none());
}

#[test]
fn r_nom_dup_a_person_is_nominated_once_per_position() {
    let nominators = voters(10, false, false);
    let standing = [StandingNomination {
        person: PersonKey::new("p-nominee"),
        position: Position::Member,
    }];
    let got = codes(validate(&Case {
        standing: &standing,
        ..case(NominationMethod::JointVoters, &nominators)
    }));
    assert_eq!(
        got,
        [("nomination.duplicate_nominee", Some("nominee".into()))]
    );
    let elsewhere = [StandingNomination {
        person: PersonKey::new("p-nominee"),
        position: Position::Director,
    }];
    assert!(
        validate(&Case {
            standing: &elsewhere,
            ..case(NominationMethod::JointVoters, &nominators)
        })
        .is_ok(),
        "the same person for another position"
    );
}

#[test]
fn every_broken_rule_is_listed_window_and_position_first() {
    let nominators = voters(3, false, false);
    let standing = [StandingNomination {
        person: PersonKey::new("p-nominee"),
        position: Position::Director,
    }];
    let got = codes(validate(&Case {
        position: Position::Director,
        today: date!(2024 - 05 - 20),
        standing: &standing,
        ..case(NominationMethod::JointVoters, &nominators)
    }));
    let codes: Vec<&str> = got.iter().map(|(c, _)| *c).collect();
    assert_eq!(
        codes,
        [
            "nomination.window_closed",
            "nomination.unknown_position",
            "nomination.too_few_nominators",
            "nomination.duplicate_nominee"
        ]
    );
}
