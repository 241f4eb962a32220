//! The real published results of DOMAIN-SOURCES.md §4 (X1–X8) and the constructed vectors of
//! §4b (S1–S8) and of Appendix B3.2 (B-S1–B-S18), one test each, named after it.

mod common;

use common::*;
use juxuan_domain::structure::percent;
use juxuan_domain::*;
use time::macros::date;

fn contest(director: u32, deputy: u32, members: u32) -> Result<Contest, ContestError> {
    let mut positions = Vec::new();
    for (position, seats) in [
        (Position::Director, director),
        (Position::DeputyDirector, deputy),
        (Position::Member, members),
    ] {
        if seats > 0 {
            positions.push(PositionSeats {
                position,
                seats: Seats::new(seats)?,
            });
        }
    }
    Contest::new(positions)
}

// ---- §4: real published results ----

#[test]
fn x1_baiyunzhuang_ningbo_2013_three_full_time_members_pass_more_than_half_of_3118() {
    // Electorate 3,400; valid ballots 3,118 (issued, invalid and blank not published: taken as
    // 3,118 returned, all valid); three full-time members with 2,694 / 2,756 / 2,677 votes.
    let poll = single_poll(Position::Member, 3, &["甲", "乙", "丙"]);
    let votes = [
        (Mark::For("甲"), 2694),
        (Mark::For("乙"), 2756),
        (Mark::For("丙"), 2677),
    ];
    let b = ballots(&poll, Position::Member, &votes, 3118, 0, 0);
    let tally = count(&poll, facts(3400, 3118, 3118), &b);
    assert!(tally.valid);
    assert_eq!(tally.quorum_votes, 1701, "3,118 > 1,700");
    let member = tally.position(Position::Member).expect("member");
    assert_eq!(member.threshold_votes, 1560, "more than half of 3,118");
    assert_eq!(result(&tally, Position::Member, "甲"), (2694, true));
    assert_eq!(result(&tally, Position::Member, "乙"), (2756, true));
    assert_eq!(result(&tally, Position::Member, "丙"), (2677, true));
    assert_eq!(tally.outcome, RoundOutcome::Concluded);
    assert_eq!(percent(3118, 3400), Some(91.7), "the article's turnout");
}

#[test]
fn x2_yangjiaping_wulingyuan_2021_561_of_921_is_a_valid_round() {
    // Registered 921; voted, issued and returned 561. Votes not published.
    let poll = single_poll(Position::Member, 2, &["甲", "乙", "丙"]);
    let b = ballots(&poll, Position::Member, &[], 0, 561, 0);
    let tally = count(&poll, facts(921, 561, 561), &b);
    assert!(tally.valid, "561 > 460.5 and returned = issued");
    assert_eq!(tally.failure, None);
    assert_eq!(tally.quorum_votes, 461);
    assert_eq!(
        tally
            .position(Position::Member)
            .expect("member")
            .threshold_votes,
        281
    );
    assert_eq!(percent(561, 921), Some(60.9));
}

#[test]
fn x3_fenghuangshan_11_communities_31088_of_34157_and_51_elected() {
    assert_eq!(percent(31_088, 34_157), Some(91.0));
    assert!(Share::MoreThanHalf.is_met(31_088, 34_157));
    assert_eq!(11 + 11 + 29, 51, "11 directors, 11 deputies, 29 members");
}

#[test]
fn x4_xiaoshi_luzhou_2017_five_committees_of_seven_and_89_per_cent() {
    assert_eq!(percent(5263, 5888), Some(89.4), "published as 89%");
    assert!(Share::MoreThanHalf.is_met(5263, 5888));
    let each = contest(1, 1, 5).expect("a committee of 7");
    assert_eq!(each.total_seats() * 5, 35, "5 / 5 / 25");
}

#[test]
fn x5_dahe_panzhihua_2020_one_director_one_deputy_six_members() {
    let c = contest(1, 1, 6).expect("valid");
    assert_eq!(c.total_seats(), 8);
    assert_eq!(Share::MoreThanHalf.min_count(3423), 1712);
}

#[test]
fn x6_jiading_representatives_87_per_cent_meets_either_quorum() {
    // Representative turnout 87%, 5 members in each new committee.
    assert!(contest(0, 0, 5).is_ok());
    for electorate in 20u64..=200 {
        let present = (electorate * 87 + 50) / 100;
        assert!(
            Share::MoreThanHalf.is_met(present, electorate),
            "{electorate}"
        );
        assert!(Share::TwoThirds.is_met(present, electorate), "{electorate}");
    }
}

#[test]
fn x7_quanxiu_and_qingyuan_2018_seat_totals() {
    // 泉秀: 43 = 7 / 7 / 29 over 7 committees; 清源: 50 = 10 / 10 / 30 over 10.
    let quanxiu: Vec<Contest> = [4, 4, 4, 4, 4, 4, 5]
        .iter()
        .map(|&m| contest(1, 1, m).expect("valid"))
        .collect();
    assert_eq!(quanxiu.iter().map(Contest::total_seats).sum::<u32>(), 43);
    let qingyuan: Vec<Contest> = (0..10).map(|_| contest(1, 1, 3).expect("valid")).collect();
    assert_eq!(qingyuan.iter().map(Contest::total_seats).sum::<u32>(), 50);
}

#[test]
fn x8_cuining_50_representatives_need_26_or_34_present() {
    assert_eq!(Share::MoreThanHalf.min_count(50), 26);
    assert_eq!(Share::TwoThirds.min_count(50), 34);
}

// ---- §4b: constructed vectors ----

#[test]
fn s1_representatives_23_of_45_is_a_quorum_and_a_with_20_is_elected() {
    let poll = single_poll(Position::Member, 1, &["A", "B"]);
    let b = ballots(
        &poll,
        Position::Member,
        &[(Mark::For("A"), 20), (Mark::For("B"), 3)],
        23,
        0,
        0,
    );
    let tally = count(&poll, facts(45, 23, 23), &b);
    assert!(tally.valid);
    assert_eq!(
        tally
            .position(Position::Member)
            .expect("member")
            .threshold_votes,
        12
    );
    assert_eq!(elected(&tally, Position::Member), ["A"]);
    assert_eq!(tally.outcome, RoundOutcome::Concluded);
}

#[test]
fn s2_representatives_22_of_45_fails_the_quorum_and_the_contest() {
    let poll = single_poll(Position::Member, 1, &["A", "B"]);
    let b = ballots(&poll, Position::Member, &[(Mark::For("A"), 22)], 22, 0, 0);
    let tally = count(&poll, facts(45, 22, 22), &b);
    assert!(!tally.valid);
    assert_eq!(tally.failure, Some(RoundFailure::QuorumNotMet));
    assert_eq!(tally.outcome, RoundOutcome::ContestFailed);
    assert!(tally.positions.iter().all(|p| p.next_round.is_none()));
    assert!(tally.elected().is_empty());
}

#[test]
fn s3_39_returned_of_38_issued_voids_the_round() {
    let poll = single_poll(Position::Director, 1, &["A", "B"]);
    let tally = count(&poll, facts(40, 38, 39), &[]);
    assert!(!tally.valid);
    assert_eq!(tally.failure, Some(RoundFailure::MoreBallotsThanIssued));
    assert_eq!(tally.outcome, RoundOutcome::Revote);
    assert_eq!(
        tally
            .position(Position::Director)
            .expect("director")
            .next_round,
        Some(NextRound::Revote)
    );
    let mut void_election = jilin();
    void_election.returned_over_issued = ReturnedOverIssued::VoidElection;
    let tally = count_with(
        &poll,
        facts(40, 38, 39),
        &[],
        &WriteInRegister::default(),
        &void_election,
    );
    assert_eq!(tally.outcome, RoundOutcome::ContestFailed);
    assert_eq!(
        tally
            .position(Position::Director)
            .expect("director")
            .next_round,
        None
    );
}

#[test]
fn s4_a_with_18_of_36_is_short_then_wins_the_additional_election_with_20() {
    let poll = single_poll(Position::Member, 1, &["A", "B"]);
    let b = ballots(
        &poll,
        Position::Member,
        &[(Mark::For("A"), 18), (Mark::For("B"), 12)],
        30,
        4,
        2,
    );
    let tally = count(&poll, facts(40, 36, 36), &b);
    assert_eq!(
        (
            tally.valid_ballots,
            tally.invalid_ballots,
            tally.blank_ballots
        ),
        (34, 2, 4)
    );
    let member = tally.position(Position::Member).expect("member");
    assert_eq!(member.threshold_votes, 19, "more than 18");
    assert!(tally.elected().is_empty());
    assert_eq!(member.next_round, Some(NextRound::AdditionalElection));
    let next: Vec<&str> = member
        .next_round_candidates
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(next, ["A", "B"]);

    let runoff = poll.next_round(&tally).expect("additional election");
    assert_eq!(runoff.positions()[0].kind, RoundKind::AdditionalElection);
    let b = ballots(
        &runoff,
        Position::Member,
        &[(Mark::For("A"), 20), (Mark::For("B"), 16)],
        36,
        0,
        0,
    );
    let tally = count(&runoff, facts(40, 36, 36), &b);
    let member = tally.position(Position::Member).expect("member");
    assert_eq!(member.threshold_votes, 12, "a third of 36");
    assert_eq!(elected(&tally, Position::Member), ["A"]);
    assert_eq!(tally.outcome, RoundOutcome::Concluded);
}

#[test]
fn s5_two_members_need_more_than_309_of_618_so_c_with_300_is_not_elected() {
    let poll = single_poll(Position::Member, 2, &["A", "B", "C"]);
    let votes = [
        (Mark::For("A"), 400),
        (Mark::For("B"), 320),
        (Mark::For("C"), 300),
    ];
    let b = ballots(&poll, Position::Member, &votes, 608, 0, 10);
    let tally = count(&poll, facts(1000, 620, 618), &b);
    assert_eq!(tally.invalid_ballots, 10);
    assert_eq!(
        tally
            .position(Position::Member)
            .expect("member")
            .threshold_votes,
        310
    );
    assert_eq!(elected(&tally, Position::Member), ["A", "B"]);
    assert_eq!(result(&tally, Position::Member, "C"), (300, false));
    assert_eq!(tally.outcome, RoundOutcome::Concluded);
}

#[test]
fn s6_b_and_c_tied_above_the_threshold_go_to_a_tie_break_for_the_second_seat() {
    let poll = single_poll(Position::Member, 2, &["A", "B", "C"]);
    let votes = [
        (Mark::For("A"), 400),
        (Mark::For("B"), 350),
        (Mark::For("C"), 350),
    ];
    let b = ballots(&poll, Position::Member, &votes, 620, 0, 0);
    let tally = count(&poll, facts(1000, 620, 620), &b);
    assert_eq!(elected(&tally, Position::Member), ["A"]);
    let member = tally.position(Position::Member).expect("member");
    assert_eq!(member.next_round, Some(NextRound::TieBreak));
    assert_eq!(member.next_round_seats, 1);
    let tied: Vec<&str> = member
        .next_round_candidates
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(tied, ["B", "C"]);
    let tie_break = poll.next_round(&tally).expect("tie-break");
    assert_eq!(tie_break.round(), 2);
    assert_eq!(tie_break.positions()[0].kind, RoundKind::TieBreak);
    assert_eq!(tie_break.positions()[0].seats.get(), 1);
}

#[test]
fn s7_nobody_passes_300_then_190_of_600_is_short_of_a_third_and_the_seat_stays_vacant() {
    let poll = single_poll(Position::Member, 1, &["A", "B"]);
    let votes = [
        (Mark::For("A"), 250),
        (Mark::For("B"), 200),
        (Mark::WriteIn("王五"), 100),
    ];
    let b = ballots(&poll, Position::Member, &votes, 600, 0, 0);
    let register = WriteInRegister::new([("王五", PersonKey::new("p-wang"))]);
    let tally = count_with(&poll, facts(1000, 600, 600), &b, &register, &jilin());
    let member = tally.position(Position::Member).expect("member");
    assert_eq!(member.threshold_votes, 301);
    assert!(tally.elected().is_empty());
    assert_eq!(member.write_ins[0].votes, 100);
    let next: Vec<&str> = member
        .next_round_candidates
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(next, ["A", "B"], "the two unelected with the most votes");

    let runoff = poll.next_round(&tally).expect("additional election");
    let b = ballots(
        &runoff,
        Position::Member,
        &[(Mark::For("A"), 190), (Mark::For("B"), 160)],
        600,
        0,
        0,
    );
    let tally = count(&runoff, facts(1000, 600, 600), &b);
    let member = tally.position(Position::Member).expect("member");
    assert_eq!(member.threshold_votes, 200);
    assert!(tally.elected().is_empty());
    assert_eq!(member.unfilled_seats, 1);
    assert_eq!(member.next_round, None, "vacant");
    assert_eq!(tally.outcome, RoundOutcome::Concluded);
    let result = contest_result(&[tally]);
    assert_eq!(
        result.vacancies,
        [Vacancy {
            position: Position::Member,
            seats: 1
        }]
    );
}

#[test]
fn s8_marking_three_for_two_seats_invalidates_the_ballot_which_still_counts_as_cast() {
    let poll = single_poll(Position::Member, 2, &["A", "B", "C"]);
    let over = poll
        .ballot(&BallotChoices {
            choices: vec![Choice {
                position: Position::Member,
                candidate_ids: ["c-A", "c-B", "c-C"].map(CandidateId::from).to_vec(),
                write_ins: vec![],
            }],
            spoiled: false,
        })
        .expect("ballot");
    let verdict = over.verdict(&poll, &jilin());
    assert!(!verdict.valid);
    let tally = count(&poll, facts(1, 1, 1), &[over]);
    assert_eq!((tally.valid_ballots, tally.invalid_ballots), (0, 1));
    assert!(tally.positions[0].candidates.iter().all(|c| c.votes == 0));
    assert_eq!(
        tally.positions[0].threshold_votes, 1,
        "more than half of 1 cast"
    );
}

// ---- Appendix B3.2: synthetic vectors ----

#[test]
fn b_s1_31_of_60_representatives_is_a_quorum() {
    assert!(Share::MoreThanHalf.is_met(31, 60));
}

#[test]
fn b_s2_30_of_60_is_not() {
    assert!(!Share::MoreThanHalf.is_met(30, 60));
    let poll = single_poll(Position::Member, 1, &["A", "B"]);
    let b = ballots(&poll, Position::Member, &[], 0, 30, 0);
    assert_eq!(
        count(&poll, facts(60, 30, 30), &b).failure,
        Some(RoundFailure::QuorumNotMet)
    );
}

#[test]
fn b_s3_a_with_16_of_31_is_elected() {
    let poll = single_poll(Position::Member, 1, &["A", "B"]);
    let b = ballots(
        &poll,
        Position::Member,
        &[(Mark::For("A"), 16), (Mark::For("B"), 14)],
        30,
        1,
        0,
    );
    assert_eq!(
        elected(&count(&poll, facts(40, 31, 31), &b), Position::Member),
        ["A"]
    );
}

#[test]
fn b_s4_a_15_b_15_of_31_go_to_an_additional_election_which_a_wins_with_16() {
    let poll = single_poll(Position::Member, 1, &["A", "B"]);
    let b = ballots(
        &poll,
        Position::Member,
        &[(Mark::For("A"), 15), (Mark::For("B"), 15)],
        30,
        1,
        0,
    );
    let tally = count(&poll, facts(40, 31, 31), &b);
    let member = tally.position(Position::Member).expect("member");
    assert_eq!(
        member.next_round,
        Some(NextRound::AdditionalElection),
        "nobody > 15.5"
    );
    let runoff = poll.next_round(&tally).expect("runoff");
    let b = ballots(
        &runoff,
        Position::Member,
        &[(Mark::For("A"), 16), (Mark::For("B"), 15)],
        31,
        0,
        0,
    );
    assert_eq!(
        elected(&count(&runoff, facts(40, 31, 31), &b), Position::Member),
        ["A"]
    );
}

#[test]
fn b_s5_invalid_ballots_stay_in_the_base_unless_the_valid_base_switch_is_on() {
    let poll = single_poll(Position::Member, 1, &["A", "B"]);
    let b = ballots(
        &poll,
        Position::Member,
        &[(Mark::For("A"), 15), (Mark::For("B"), 14)],
        29,
        0,
        2,
    );
    let tally = count(&poll, facts(40, 31, 31), &b);
    assert!(tally.elected().is_empty(), "30 > 31 is false");
    let mut valid_base = jilin();
    valid_base.threshold.of = ThresholdBase::Valid;
    let tally = count_with(
        &poll,
        facts(40, 31, 31),
        &b,
        &WriteInRegister::default(),
        &valid_base,
    );
    assert_eq!(tally.positions[0].threshold_votes, 15);
    assert_eq!(elected(&tally, Position::Member), ["A"], "30 > 29");
}

#[test]
fn b_s6_a_b_and_c_all_pass_for_three_seats() {
    let poll = single_poll(Position::Member, 3, &["A", "B", "C", "D"]);
    let votes = [
        (Mark::For("A"), 40),
        (Mark::For("B"), 40),
        (Mark::For("C"), 39),
        (Mark::For("D"), 10),
    ];
    let b = ballots(&poll, Position::Member, &votes, 60, 0, 0);
    let tally = count(&poll, facts(80, 60, 60), &b);
    assert_eq!(elected(&tally, Position::Member), ["A", "B", "C"]);
}

#[test]
fn b_s7_b_and_c_tied_on_31_for_the_second_seat() {
    let poll = single_poll(Position::Member, 2, &["A", "B", "C"]);
    let votes = [
        (Mark::For("A"), 45),
        (Mark::For("B"), 31),
        (Mark::For("C"), 31),
    ];
    let b = ballots(&poll, Position::Member, &votes, 60, 0, 0);
    let tally = count(&poll, facts(80, 60, 60), &b);
    assert_eq!(elected(&tally, Position::Member), ["A"]);
    assert_eq!(tally.positions[0].next_round, Some(NextRound::TieBreak));
}

#[test]
fn b_s8_61_returned_of_60_issued_voids_the_round() {
    let poll = single_poll(Position::Member, 1, &["A", "B"]);
    assert_eq!(
        count(&poll, facts(80, 60, 61), &[]).failure,
        Some(RoundFailure::MoreBallotsThanIssued)
    );
}

#[test]
fn b_s9_a_plus_a_write_in_for_one_seat_voids_the_column() {
    let poll = single_poll(Position::Member, 1, &["A", "B"]);
    let b = poll
        .ballot(&BallotChoices {
            choices: vec![Choice {
                position: Position::Member,
                candidate_ids: vec![CandidateId::from("c-A")],
                write_ins: vec!["王五".into()],
            }],
            spoiled: false,
        })
        .expect("ballot");
    assert_eq!(b.overvoted_positions(&poll), [Position::Member]);
}

#[test]
fn b_s10_an_over_voted_director_column_leaves_the_member_column_valid() {
    let poll = Poll::new(
        1,
        vec![
            position(Position::Director, 1, RoundKind::Regular, &["D1", "D2"]),
            position(
                Position::Member,
                6,
                RoundKind::Regular,
                &["M1", "M2", "M3", "M4", "M5", "M6", "M7"],
            ),
        ],
    )
    .expect("poll");
    let ballot = poll
        .ballot(&BallotChoices {
            choices: vec![
                Choice {
                    position: Position::Director,
                    candidate_ids: ["c-D1", "c-D2"].map(CandidateId::from).to_vec(),
                    write_ins: vec![],
                },
                Choice {
                    position: Position::Member,
                    candidate_ids: ["c-M1", "c-M2", "c-M3", "c-M4", "c-M5", "c-M6"]
                        .map(CandidateId::from)
                        .to_vec(),
                    write_ins: vec![],
                },
            ],
            spoiled: false,
        })
        .expect("ballot");
    let verdict = ballot.verdict(&poll, &jilin());
    assert!(verdict.valid);
    assert_eq!(verdict.void_positions, [Position::Director]);
    let tally = count(&poll, facts(1, 1, 1), &[ballot]);
    assert_eq!(result(&tally, Position::Director, "D1").0, 0);
    assert_eq!(result(&tally, Position::Member, "M1").0, 1);
}

#[test]
fn b_s11_an_additional_election_a_with_exactly_a_third_is_elected() {
    let poll = Poll::new(
        1,
        vec![position(
            Position::Member,
            1,
            RoundKind::AdditionalElection,
            &["A", "B"],
        )],
    )
    .expect("poll");
    let b = ballots(
        &poll,
        Position::Member,
        &[(Mark::For("A"), 10), (Mark::For("B"), 9)],
        19,
        11,
        0,
    );
    let tally = count(&poll, facts(40, 30, 30), &b);
    assert_eq!(tally.positions[0].threshold_votes, 10);
    assert_eq!(elected(&tally, Position::Member), ["A"], "30 ≥ 30");
}

#[test]
fn b_s12_an_additional_election_a_with_9_of_30_leaves_the_seat_vacant() {
    let poll = Poll::new(
        1,
        vec![position(
            Position::Member,
            1,
            RoundKind::AdditionalElection,
            &["A", "B"],
        )],
    )
    .expect("poll");
    let b = ballots(
        &poll,
        Position::Member,
        &[(Mark::For("A"), 9), (Mark::For("B"), 8)],
        17,
        13,
        0,
    );
    let tally = count(&poll, facts(40, 30, 30), &b);
    assert!(tally.elected().is_empty(), "27 < 30");
    assert_eq!(tally.positions[0].unfilled_seats, 1);
    assert_eq!(tally.outcome, RoundOutcome::Concluded);
}

#[test]
fn b_s13_born_1970_06_01_is_55_until_31_may_2026_and_56_from_1_june() {
    let cases = [
        (date!(2025 - 06 - 01), Some(55)),
        (date!(2026 - 05 - 31), Some(55)),
        (date!(2026 - 06 - 01), Some(56)),
    ];
    for (on, age) in cases {
        assert_eq!(calendar::age_on(date!(1970 - 06 - 01), on), age, "{on}");
    }
}

#[test]
fn b_s14_born_2007_06_20_votes_on_20_june_2025() {
    assert!(voters::may_vote(
        date!(2007 - 06 - 20),
        date!(2025 - 06 - 20),
        &jilin()
    ));
}

#[test]
fn b_s15_a_list_for_20_june_may_be_published_until_17_june_which_is_borderline() {
    let c = contest(0, 0, 1).expect("valid");
    let day = date!(2024 - 06 - 20);
    let list = [Position::Member, Position::Member];
    let on_16 = check_candidate_list(&c, &list, date!(2024 - 06 - 16), day, &jilin()).expect("ok");
    assert!(!on_16.borderline);
    let on_17 = check_candidate_list(&c, &list, date!(2024 - 06 - 17), day, &jilin()).expect("ok");
    assert!(on_17.borderline);
    let on_18 =
        check_candidate_list(&c, &list, date!(2024 - 06 - 18), day, &jilin()).expect_err("late");
    assert_eq!(on_18[0].code, "candidates.too_late");
}

#[test]
fn b_s16_a_man_born_in_march_1965_retires_at_60_and_1_month_in_april_2025() {
    let age = eligibility::retirement_age(
        Gender::Male,
        date!(1965 - 03 - 10),
        FemaleRetirementBase::Cadre,
    );
    assert_eq!((age.years, age.months), (60, 1));
    assert_eq!(
        eligibility::retirement_date(
            Gender::Male,
            date!(1965 - 03 - 10),
            FemaleRetirementBase::Cadre
        ),
        Some(date!(2025 - 04 - 10))
    );
}

#[test]
fn b_s17_267_household_representatives_260_present_need_131_votes() {
    let poll = single_poll(Position::Director, 1, &["A", "B"]);
    let b = ballots(&poll, Position::Director, &[], 0, 260, 0);
    let tally = count(&poll, facts(267, 260, 260), &b);
    assert!(tally.valid);
    assert_eq!(tally.positions[0].threshold_votes, 131);
}

#[test]
fn b_s18_728_returned_724_valid_needs_365_or_363_under_the_valid_base() {
    let poll = single_poll(Position::Director, 1, &["A", "B"]);
    let b = ballots(&poll, Position::Director, &[], 0, 724, 4);
    let tally = count(&poll, facts(786, 728, 728), &b);
    assert_eq!(tally.positions[0].threshold_votes, 365);
    let mut valid_base = jilin();
    valid_base.threshold.of = ThresholdBase::Valid;
    let tally = count_with(
        &poll,
        facts(786, 728, 728),
        &b,
        &WriteInRegister::default(),
        &valid_base,
    );
    assert_eq!(tally.positions[0].threshold_votes, 363);
}
