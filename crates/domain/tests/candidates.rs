//! R-CAND-PUBLISH, R-CAND-COUNT, R-CAND-STAFF and R-POLL-DAY: publishing the candidate list,
//! who may count, and when a poll opens.

mod common;

use common::*;
use juxuan_domain::*;
use time::Date;
use time::macros::date;

const ELECTION_DAY: Date = date!(2024 - 05 - 28);

fn contest(positions: &[(Position, u32)]) -> Contest {
    Contest::new(
        positions
            .iter()
            .map(|&(position, seats)| PositionSeats {
                position,
                seats: Seats::new(seats).expect("seats"),
            })
            .collect(),
    )
    .expect("contest")
}

fn codes(r: Result<PublicationCheck, Vec<Violation>>) -> Vec<&'static str> {
    r.expect_err("refused")
        .into_iter()
        .map(|v| v.code)
        .collect()
}

#[test]
fn r_cand_publish_the_list_is_due_three_calendar_days_before_election_day() {
    let c = contest(&[(Position::Member, 1)]);
    let list = [Position::Member, Position::Member];
    for (today, ok, borderline) in [
        (date!(2024 - 05 - 24), true, false),
        (date!(2024 - 05 - 25), true, true),
        (date!(2024 - 05 - 26), false, false),
        (date!(2024 - 05 - 28), false, false),
    ] {
        let r = check_candidate_list(&c, &list, today, ELECTION_DAY, &jilin());
        assert_eq!(r.is_ok(), ok, "{today}");
        match r {
            Ok(check) => {
                assert_eq!(check.borderline, borderline);
                assert_eq!(check.latest_day, date!(2024 - 05 - 25));
            }
            Err(v) => assert_eq!(v[0].code, "candidates.too_late"),
        }
    }
}

#[test]
fn r_cand_count_every_position_needs_a_candidate_and_more_than_its_seats() {
    let c = contest(&[(Position::Director, 1), (Position::Member, 2)]);
    let day = date!(2024 - 05 - 20);
    use Position::{Director as D, Member as M};
    assert_eq!(
        codes(check_candidate_list(
            &c,
            &[M, M, M],
            day,
            ELECTION_DAY,
            &jilin()
        )),
        ["candidates.none"]
    );
    assert_eq!(
        codes(check_candidate_list(
            &c,
            &[D, M, M, M],
            day,
            ELECTION_DAY,
            &jilin()
        )),
        ["candidates.not_competitive"]
    );
    let ok = check_candidate_list(&c, &[D, D, M, M, M], day, ELECTION_DAY, &jilin()).expect("ok");
    assert!(ok.positions.iter().all(|p| p.competitive));
    let mut uncontested = jilin();
    uncontested.allow_uncontested = true;
    let ok = check_candidate_list(&c, &[D, M, M], day, ELECTION_DAY, &uncontested).expect("等额");
    assert!(ok.positions.iter().all(|p| !p.competitive));
    assert_eq!(
        codes(check_candidate_list(
            &c,
            &[D, M],
            day,
            ELECTION_DAY,
            &uncontested
        )),
        ["candidates.not_competitive"],
        "等额 still needs as many candidates as seats"
    );
}

#[test]
fn r_cand_count_a_cap_on_extra_candidates_calls_for_a_primary() {
    let c = contest(&[(Position::Member, 2)]);
    let mut p = jilin();
    p.max_extra_candidates = Some(2);
    let four = [Position::Member; 4];
    let five = [Position::Member; 5];
    assert!(check_candidate_list(&c, &four, date!(2024 - 05 - 20), ELECTION_DAY, &p).is_ok());
    assert_eq!(
        codes(check_candidate_list(
            &c,
            &five,
            date!(2024 - 05 - 20),
            ELECTION_DAY,
            &p
        )),
        ["candidates.too_many"]
    );
}

#[test]
fn r_cand_staff_no_candidate_may_chair_scrutinise_tally_or_call() {
    let staff: CountingStaff = serde_json::from_value(serde_json::json!({
        "chair": {"name": "赵主持"},
        "chief_scrutineer": {"name": "钱总监", "voter_id": "v-1"},
        "scrutineers": [{"name": "孙监票"}, {"name": "李候选"}],
        "tellers": [{"name": "周计票", "voter_id": "v-2"}],
        "callers": [{"name": "吴唱票"}]
    }))
    .expect("staff");
    let candidates = [
        CandidatePerson {
            voter_id: Some(VoterId::from("v-2")),
            name: "周计票".into(),
        },
        CandidatePerson {
            voter_id: None,
            name: "李候选".into(),
        },
    ];
    let errors = check_counting_staff(&staff, &candidates).expect_err("refused");
    let got: Vec<(&str, Option<&str>)> = errors
        .iter()
        .map(|v| (v.code, v.field.as_deref()))
        .collect();
    assert_eq!(
        got,
        [
            ("poll.candidate_on_staff", Some("scrutineers[1]")),
            ("poll.candidate_on_staff", Some("tellers[0]")),
        ]
    );
    assert!(errors.iter().all(|v| v.rule == RuleId::CandStaff));
    assert!(check_counting_staff(&staff, &[]).is_ok());
}

#[test]
fn r_poll_day_the_first_round_opens_on_election_day_with_a_list_published_in_time() {
    let on_time = Some(date!(2024 - 05 - 25));
    let codes = |round, today, published| -> Vec<&'static str> {
        check_poll_opening(round, today, ELECTION_DAY, published, &jilin())
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|v| v.code)
            .collect()
    };
    assert!(codes(1, ELECTION_DAY, on_time).is_empty());
    assert_eq!(
        codes(1, date!(2024 - 05 - 27), on_time),
        ["poll.not_election_day"]
    );
    assert_eq!(
        codes(1, date!(2024 - 05 - 29), on_time),
        ["poll.not_election_day"]
    );
    assert_eq!(codes(1, ELECTION_DAY, None), ["poll.list_not_published"]);
    assert_eq!(
        codes(1, ELECTION_DAY, Some(date!(2024 - 05 - 26))),
        ["candidates.too_late"]
    );
    assert!(codes(2, ELECTION_DAY, on_time).is_empty(), "the same day");
    assert!(
        codes(2, date!(2024 - 05 - 29), on_time).is_empty(),
        "a later day"
    );
    assert_eq!(
        codes(2, date!(2024 - 05 - 27), on_time),
        ["poll.not_election_day"]
    );
}
