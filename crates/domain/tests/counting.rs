//! R-RETURNED, R-QUORUM, R-BALLOT-VALID, R-MAJORITY, R-TIE, R-ADDITIONAL, R-SECRET,
//! R-ANNOUNCE, R-REPORT: counting rounds, with each boundary on both sides.

mod common;

use common::*;
use juxuan_domain::*;

fn member_poll(seats: u32, names: &[&str]) -> Poll {
    single_poll(Position::Member, seats, names)
}

fn choice(position: Position, ids: &[&str], write_ins: &[&str]) -> Choice {
    Choice {
        position,
        candidate_ids: ids
            .iter()
            .map(|i| CandidateId::new(format!("c-{i}")))
            .collect(),
        write_ins: write_ins.iter().map(|w| (*w).to_owned()).collect(),
    }
}

fn cast(poll: &Poll, choices: Vec<Choice>) -> Ballot {
    poll.ballot(&BallotChoices {
        choices,
        spoiled: false,
    })
    .expect("ballot")
}

#[test]
fn r_quorum_exactly_half_of_the_electorate_fails_and_half_plus_one_passes() {
    let poll = member_poll(1, &["A", "B"]);
    for (electorate, returned, met) in [
        (40, 20, false),
        (40, 21, true),
        (45, 22, false),
        (45, 23, true),
    ] {
        let b = ballots(
            &poll,
            Position::Member,
            &[(Mark::For("A"), returned)],
            returned,
            0,
            0,
        );
        let tally = count(&poll, facts(electorate, returned, returned), &b);
        assert_eq!(tally.valid, met, "{returned} of {electorate}");
        assert_eq!(tally.quorum_votes, electorate / 2 + 1);
        if !met {
            assert_eq!(tally.failure, Some(RoundFailure::QuorumNotMet));
            assert_eq!(tally.outcome, RoundOutcome::ContestFailed);
            assert!(
                tally.positions[0]
                    .candidates
                    .iter()
                    .all(|c| c.decision == EntryDecision::NotCounted)
            );
        }
    }
}

#[test]
fn r_quorum_the_two_thirds_variant_includes_exactly_two_thirds() {
    let mut p = jilin();
    p.quorum = Share::TwoThirds;
    let poll = member_poll(1, &["A", "B"]);
    // 60 electors: exactly two thirds (40) is enough, 39 is not — "more than two thirds"
    // would need 41.
    for (returned, met) in [(39, false), (40, true)] {
        let b = ballots(&poll, Position::Member, &[], 0, returned, 0);
        let tally = count_with(
            &poll,
            facts(60, returned, returned),
            &b,
            &WriteInRegister::default(),
            &p,
        );
        assert_eq!(tally.valid, met, "{returned} of 60");
    }
}

#[test]
fn r_returned_as_many_ballots_as_issued_stands_and_one_more_voids_the_round() {
    let poll = member_poll(1, &["A", "B"]);
    let b = ballots(&poll, Position::Member, &[(Mark::For("A"), 30)], 30, 0, 0);
    let tally = count(&poll, facts(40, 30, 30), &b);
    assert!(tally.valid);
    let b = ballots(&poll, Position::Member, &[(Mark::For("A"), 31)], 31, 0, 0);
    let tally = count(&poll, facts(40, 30, 31), &b);
    assert_eq!(tally.failure, Some(RoundFailure::MoreBallotsThanIssued));
    assert!(tally.elected().is_empty());
    let revote = poll.next_round(&tally).expect("revote");
    assert_eq!(revote.round(), 2);
    assert_eq!(revote.positions(), poll.positions());
}

#[test]
fn r_majority_exactly_half_of_the_ballots_cast_is_not_enough_and_one_more_is() {
    // 40 cast, blank and invalid ballots included in the base.
    let poll = member_poll(1, &["A", "B"]);
    for (a, elected_a) in [(20, false), (21, true)] {
        let b = ballots(
            &poll,
            Position::Member,
            &[(Mark::For("A"), a)],
            a,
            40 - a - 3,
            3,
        );
        let tally = count(&poll, facts(50, 40, 40), &b);
        assert_eq!(tally.positions[0].threshold_votes, 21);
        assert_eq!(result(&tally, Position::Member, "A"), (a, elected_a));
        let decision = &tally.positions[0].candidates[0];
        assert_eq!(decision.rule, RuleId::Majority);
    }
}

#[test]
fn r_majority_the_electorate_base_variant_asks_for_more_than_half_of_all_electors() {
    let mut p = jilin();
    p.threshold.of = ThresholdBase::Electorate;
    let poll = member_poll(1, &["A", "B"]);
    let b = ballots(&poll, Position::Member, &[(Mark::For("A"), 30)], 30, 1, 0);
    let tally = count_with(
        &poll,
        facts(60, 31, 31),
        &b,
        &WriteInRegister::default(),
        &p,
    );
    assert_eq!(tally.positions[0].threshold_votes, 31);
    assert!(tally.elected().is_empty());
}

#[test]
fn r_additional_exactly_a_third_of_the_ballots_cast_is_enough_and_one_less_is_not() {
    let poll = Poll::new(
        2,
        vec![position(
            Position::Member,
            1,
            RoundKind::AdditionalElection,
            &["A", "B"],
        )],
    )
    .expect("poll");
    for (cast, a, elected_a) in [
        (30, 10, true),
        (30, 9, false),
        (31, 10, false),
        (31, 11, true),
    ] {
        let votes = [(Mark::For("A"), a), (Mark::For("B"), 5)];
        let b = ballots(&poll, Position::Member, &votes, a + 5, cast - a - 5, 0);
        let tally = count(&poll, facts(40, cast, cast), &b);
        assert_eq!(
            result(&tally, Position::Member, "A"),
            (a, elected_a),
            "{a} of {cast}"
        );
        assert_eq!(
            tally.positions[0].next_round, None,
            "an additional election has no sequel"
        );
        assert_eq!(tally.positions[0].candidates[0].rule, RuleId::Additional);
    }
}

#[test]
fn r_additional_unfilled_seats_go_to_one_more_unelected_than_seats_ties_included() {
    // 3 seats, 40 cast (threshold 21): only A passes; 2 seats go to an additional election
    // among the 3 unelected with the most votes; D and E tie for the third place.
    let poll = member_poll(3, &["A", "B", "C", "D", "E", "F"]);
    let votes = [
        (Mark::For("A"), 30),
        (Mark::For("B"), 18),
        (Mark::For("C"), 15),
        (Mark::For("D"), 12),
        (Mark::For("E"), 12),
        (Mark::For("F"), 3),
    ];
    let b = ballots(&poll, Position::Member, &votes, 40, 0, 0);
    let tally = count(&poll, facts(50, 40, 40), &b);
    let member = tally.position(Position::Member).expect("member");
    assert_eq!(elected(&tally, Position::Member), ["A"]);
    assert_eq!(member.unfilled_seats, 2);
    assert_eq!(member.next_round, Some(NextRound::AdditionalElection));
    assert_eq!(member.next_round_seats, 2);
    let names: Vec<&str> = member
        .next_round_candidates
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(names, ["B", "C", "D", "E"]);
    let runoff = poll.next_round(&tally).expect("runoff");
    assert_eq!(runoff.positions()[0].seats.get(), 2);
    assert_eq!(runoff.positions()[0].candidates.len(), 4);
}

#[test]
fn r_tie_a_tie_break_elects_the_most_votes_and_a_new_tie_goes_round_again() {
    let poll = Poll::new(
        2,
        vec![position(
            Position::Member,
            1,
            RoundKind::TieBreak,
            &["B", "C"],
        )],
    )
    .expect("poll");
    let b = ballots(
        &poll,
        Position::Member,
        &[(Mark::For("B"), 15), (Mark::For("C"), 14)],
        29,
        1,
        0,
    );
    let tally = count(&poll, facts(40, 30, 30), &b);
    assert_eq!(tally.positions[0].threshold, None);
    assert_eq!(elected(&tally, Position::Member), ["B"]);
    assert_eq!(tally.positions[0].candidates[0].rule, RuleId::Tie);

    let b = ballots(
        &poll,
        Position::Member,
        &[(Mark::For("B"), 15), (Mark::For("C"), 15)],
        30,
        0,
        0,
    );
    let tally = count(&poll, facts(40, 30, 30), &b);
    assert_eq!(tally.positions[0].next_round, Some(NextRound::TieBreak));
    assert_eq!(poll.next_round(&tally).expect("again").round(), 3);

    let write_in = poll.ballot(&BallotChoices {
        choices: vec![choice(Position::Member, &[], &["王五"])],
        spoiled: false,
    });
    assert_eq!(
        write_in.expect_err("refused").code(),
        "ballot.write_in_not_allowed"
    );
}

#[test]
fn r_ballot_valid_an_over_voted_column_is_void_and_the_whole_ballot_under_the_variant() {
    let poll = Poll::new(
        1,
        vec![
            position(Position::Director, 1, RoundKind::Regular, &["D1", "D2"]),
            position(Position::Member, 2, RoundKind::Regular, &["M1", "M2", "M3"]),
        ],
    )
    .expect("poll");
    let b = cast(
        &poll,
        vec![
            choice(Position::Director, &["D1", "D2"], &[]),
            choice(Position::Member, &["M1"], &[]),
        ],
    );
    let tally = count(&poll, facts(1, 1, 1), std::slice::from_ref(&b));
    assert_eq!((tally.valid_ballots, tally.invalid_ballots), (1, 0));
    assert_eq!(result(&tally, Position::Member, "M1").0, 1);
    assert_eq!(
        tally
            .position(Position::Director)
            .expect("d")
            .invalid_columns,
        1
    );

    let mut whole = jilin();
    whole.overvote = Overvote::BallotInvalid;
    let tally = count_with(
        &poll,
        facts(1, 1, 1),
        &[b],
        &WriteInRegister::default(),
        &whole,
    );
    assert_eq!((tally.valid_ballots, tally.invalid_ballots), (0, 1));
    assert_eq!(result(&tally, Position::Member, "M1").0, 0);
}

#[test]
fn r_ballot_valid_a_blank_ballot_is_valid_and_counts_as_cast_and_a_spoiled_one_is_invalid() {
    let poll = member_poll(1, &["A", "B"]);
    let blank = poll.ballot(&BallotChoices::default()).expect("blank");
    let spoiled = poll
        .ballot(&BallotChoices {
            choices: vec![choice(Position::Member, &["A"], &[])],
            spoiled: true,
        })
        .expect("spoiled");
    assert!(blank.verdict(&poll, &jilin()).valid);
    assert!(blank.verdict(&poll, &jilin()).blank);
    assert!(!spoiled.verdict(&poll, &jilin()).valid);
    let a = cast(&poll, vec![choice(Position::Member, &["A"], &[])]);
    let tally = count(&poll, facts(3, 3, 3), &[blank, spoiled, a]);
    assert_eq!(
        (
            tally.valid_ballots,
            tally.invalid_ballots,
            tally.blank_ballots
        ),
        (2, 1, 1)
    );
    assert_eq!(
        tally.positions[0].threshold_votes, 2,
        "more than half of 3 cast"
    );
    assert!(tally.elected().is_empty());
}

#[test]
fn r_ballot_valid_the_same_person_marked_for_two_posts_counts_for_the_higher_only() {
    // 张 stands for director and member; a ballot marking 张 in both columns counts once.
    let zhang = candidate("张");
    let poll = Poll::new(
        1,
        vec![
            PollPosition {
                position: Position::Director,
                seats: Seats::new(1).expect("1"),
                kind: RoundKind::Regular,
                candidates: vec![zhang.clone(), candidate("李")],
            },
            PollPosition {
                position: Position::Member,
                seats: Seats::new(1).expect("1"),
                kind: RoundKind::Regular,
                candidates: vec![zhang, candidate("王")],
            },
        ],
    )
    .expect("poll");
    let both = cast(
        &poll,
        vec![
            choice(Position::Director, &["张"], &[]),
            choice(Position::Member, &["张"], &[]),
        ],
    );
    let member_only = cast(&poll, vec![choice(Position::Member, &["张"], &[])]);
    let tally = count(&poll, facts(3, 3, 3), &[both.clone(), both, member_only]);
    assert_eq!(result(&tally, Position::Director, "张"), (2, true));
    let member = tally.position(Position::Member).expect("member");
    assert_eq!(member.candidates[0].votes, 1);
    assert_eq!(
        member.candidates[0].decision,
        EntryDecision::ElectedToHigherPost
    );
    assert!(
        !member.candidates[0].elected,
        "elected director, not also member"
    );
}

#[test]
fn r_majority_roll_down_adds_higher_post_votes_for_someone_not_elected_there() {
    // 张 stands for director and member; 李 wins director. Under roll-down, 张's director votes
    // count for member too.
    let zhang = candidate("张");
    let poll = Poll::new(
        1,
        vec![
            PollPosition {
                position: Position::Director,
                seats: Seats::new(1).expect("1"),
                kind: RoundKind::Regular,
                candidates: vec![zhang.clone(), candidate("李")],
            },
            PollPosition {
                position: Position::Member,
                seats: Seats::new(1).expect("1"),
                kind: RoundKind::Regular,
                candidates: vec![zhang, candidate("王")],
            },
        ],
    )
    .expect("poll");
    let mut b = Vec::new();
    for _ in 0..6 {
        b.push(cast(
            &poll,
            vec![
                choice(Position::Director, &["李"], &[]),
                choice(Position::Member, &["王"], &[]),
            ],
        ));
    }
    for _ in 0..4 {
        b.push(cast(&poll, vec![choice(Position::Director, &["张"], &[])]));
    }
    b.push(cast(&poll, vec![choice(Position::Member, &["张"], &[])]));
    let plain = count(&poll, facts(11, 11, 11), &b);
    assert_eq!(elected(&plain, Position::Member), ["王"]);
    let mut roll = jilin();
    roll.roll_down = true;
    let rolled = count_with(
        &poll,
        facts(11, 11, 11),
        &b,
        &WriteInRegister::default(),
        &roll,
    );
    let member = rolled.position(Position::Member).expect("member");
    assert_eq!(
        (
            member.candidates[0].votes,
            member.candidates[0].rolled_down_votes
        ),
        (5, 4)
    );
    assert_eq!(elected(&rolled, Position::Member), ["王"], "6 > 5");
}

#[test]
fn write_ins_are_matched_against_the_register_and_only_registered_ones_can_be_elected() {
    let poll = member_poll(1, &["A", "B"]);
    let register = WriteInRegister::new([
        ("王五", PersonKey::new("p-wang")),
        ("赵六", PersonKey::new("p-zhao1")),
        ("赵六", PersonKey::new("p-zhao2")),
        ("A", PersonKey::new("p-A")),
    ]);
    // A registered write-in with a majority is elected.
    let b = ballots(
        &poll,
        Position::Member,
        &[(Mark::WriteIn("王 五"), 6), (Mark::For("A"), 4)],
        10,
        0,
        0,
    );
    let tally = count_with(&poll, facts(10, 10, 10), &b, &register, &jilin());
    let w = &tally.positions[0].write_ins[0];
    assert_eq!(
        (w.name.as_str(), w.votes, w.registered, w.elected),
        ("王五", 6, true, true)
    );
    assert_eq!(w.person, Some(PersonKey::new("p-wang")));

    // An unregistered write-in with a majority cannot be elected: the seat stays unfilled
    // and goes to an additional election among the electable.
    let b = ballots(
        &poll,
        Position::Member,
        &[(Mark::WriteIn("孙七"), 7), (Mark::For("A"), 3)],
        10,
        0,
        0,
    );
    let tally = count_with(&poll, facts(10, 10, 10), &b, &register, &jilin());
    let w = &tally.positions[0].write_ins[0];
    assert_eq!(
        (w.registered, w.electable, w.elected),
        (false, false, false)
    );
    assert_eq!(w.decision, EntryDecision::NotRegistered);
    assert!(
        tally.elected().is_empty(),
        "the write-in's seat stays unfilled"
    );
    assert_eq!(tally.positions[0].unfilled_seats, 1);
    assert_eq!(
        tally.positions[0].next_round,
        Some(NextRound::AdditionalElection)
    );
    let next: Vec<&str> = tally.positions[0]
        .next_round_candidates
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(next, ["A", "B"]);
    // With two seats, the unregistered write-in takes a place in the order: A, who also
    // reached the threshold, is elected to the other seat, and B, behind both, is not.
    let two = member_poll(2, &["A", "B"]);
    let votes = [
        (Mark::WriteIn("孙七"), 9),
        (Mark::For("A"), 8),
        (Mark::For("B"), 7),
    ];
    let b = ballots(&two, Position::Member, &votes, 12, 0, 0);
    let tally = count_with(&two, facts(12, 12, 12), &b, &register, &jilin());
    assert_eq!(elected(&tally, Position::Member), ["A"]);
    assert_eq!(result(&tally, Position::Member, "B"), (7, false));
    assert_eq!(tally.positions[0].unfilled_seats, 1);
    let json = serde_json::to_value(&tally).expect("json");
    assert_eq!(json["positions"][0]["write_ins"][0]["registered"], false);

    // A name shared by two registered voters is counted but cannot be elected.
    let b = ballots(
        &poll,
        Position::Member,
        &[(Mark::WriteIn("赵六"), 8)],
        10,
        0,
        0,
    );
    let tally = count_with(&poll, facts(10, 10, 10), &b, &register, &jilin());
    let w = &tally.positions[0].write_ins[0];
    assert_eq!(
        (w.registered, w.electable, w.decision),
        (true, false, EntryDecision::AmbiguousName)
    );

    // Writing in a candidate of the same post counts as a mark for that candidate.
    let b = ballots(
        &poll,
        Position::Member,
        &[(Mark::WriteIn("A"), 6)],
        10,
        0,
        0,
    );
    let tally = count_with(&poll, facts(10, 10, 10), &b, &register, &jilin());
    assert_eq!(result(&tally, Position::Member, "A"), (6, true));
    assert!(tally.positions[0].write_ins.is_empty());
}

#[test]
fn the_rounds_of_a_contest_chain_and_the_result_gathers_them() {
    // Round 1: director decided, members tied; round 2: tie-break for the members.
    let poll = Poll::new(
        1,
        vec![
            position(Position::Director, 1, RoundKind::Regular, &["D1", "D2"]),
            position(Position::Member, 2, RoundKind::Regular, &["A", "B", "C"]),
        ],
    )
    .expect("poll");
    let mut b = Vec::new();
    for i in 0..30 {
        let members: &[&str] = match i % 3 {
            0 => &["A", "B"],
            1 => &["A", "C"],
            _ => &["B", "C"],
        };
        b.push(cast(
            &poll,
            vec![
                choice(Position::Director, &["D1"], &[]),
                choice(Position::Member, members, &[]),
            ],
        ));
    }
    let round1 = count(&poll, facts(40, 30, 30), &b);
    assert_eq!(elected(&round1, Position::Director), ["D1"]);
    assert!(
        elected(&round1, Position::Member).is_empty(),
        "A, B, C tie on 20 for 2 seats"
    );
    assert_eq!(round1.outcome, RoundOutcome::NextRound);
    let pending = contest_result(std::slice::from_ref(&round1));
    assert_eq!(pending.status, ContestStatus::Pending);

    let poll2 = poll.next_round(&round1).expect("tie-break");
    assert_eq!(poll2.positions().len(), 1);
    assert_eq!(poll2.positions()[0].seats.get(), 2);
    let b = ballots(
        &poll2,
        Position::Member,
        &[
            (Mark::For("A"), 20),
            (Mark::For("B"), 12),
            (Mark::For("C"), 10),
        ],
        30,
        0,
        0,
    );
    let round2 = count(&poll2, facts(40, 30, 30), &b);
    assert_eq!(elected(&round2, Position::Member), ["A", "B"]);
    let result = contest_result(&[round1, round2]);
    assert_eq!(result.status, ContestStatus::Concluded);
    let names: Vec<(&str, u32)> = result
        .elected
        .iter()
        .map(|e| (e.name.as_str(), e.round))
        .collect();
    assert_eq!(names, [("D1", 1), ("A", 2), ("B", 2)]);
    assert!(result.vacancies.is_empty());
    assert_eq!(result.deciding_round, Some(2));
}

#[test]
fn r_secret_the_ballots_digest_ignores_order_and_changes_with_any_ballot() {
    let poll = member_poll(2, &["A", "B", "C"]);
    let mut b = ballots(
        &poll,
        Position::Member,
        &[
            (Mark::For("A"), 5),
            (Mark::For("B"), 4),
            (Mark::WriteIn("王五"), 2),
        ],
        8,
        2,
        1,
    );
    let digest = ballots_digest(&poll, &b);
    assert!(digest.as_str().starts_with("sha256:") && digest.as_str().len() == 7 + 64);
    b.reverse();
    assert_eq!(ballots_digest(&poll, &b), digest);
    b.pop();
    assert_ne!(ballots_digest(&poll, &b), digest);
    let tally = count(&poll, facts(11, 11, 10), &b);
    assert_eq!(tally.ballots_digest, ballots_digest(&poll, &b));
    // A ballot as cast carries choices only: nothing to link it to a voter.
    let json = serde_json::to_value(b[0].to_choices(&poll)).expect("json");
    let keys: Vec<&String> = json.as_object().expect("object").keys().collect();
    assert_eq!(keys, ["choices", "spoiled"]);
}

#[test]
fn the_ballot_paper_fingerprint_changes_with_order_names_seats_and_ids() {
    let a = member_poll(1, &["A", "B"]);
    let fp = ballot_fingerprint("e-1", "k-1", &a);
    assert_eq!(ballot_fingerprint("e-1", "k-1", &a), fp);
    assert_ne!(
        ballot_fingerprint("e-1", "k-1", &member_poll(1, &["B", "A"])),
        fp
    );
    assert_ne!(
        ballot_fingerprint("e-1", "k-1", &member_poll(2, &["A", "B", "C"])),
        fp
    );
    assert_ne!(ballot_fingerprint("e-1", "k-2", &a), fp);
    assert_ne!(
        ballot_fingerprint("e-1k", "-1", &a),
        fp,
        "fields are length-prefixed"
    );
}

#[test]
fn the_tally_serialises_to_api_md_field_names() {
    let poll = member_poll(1, &["A", "B"]);
    let b = ballots(
        &poll,
        Position::Member,
        &[(Mark::For("A"), 20), (Mark::For("B"), 3)],
        23,
        0,
        0,
    );
    let json = serde_json::to_value(count(&poll, facts(45, 23, 23), &b)).expect("json");
    for key in [
        "valid",
        "failure",
        "electorate",
        "checked_in",
        "ballots_issued",
        "ballots_returned",
        "valid_ballots",
        "invalid_ballots",
        "positions",
        "ballots_digest",
    ] {
        assert!(json.get(key).is_some(), "{key}");
    }
    let p = &json["positions"][0];
    for key in [
        "position",
        "seats",
        "threshold_votes",
        "candidates",
        "write_ins",
        "unfilled_seats",
        "next_round",
    ] {
        assert!(p.get(key).is_some(), "{key}");
    }
    assert_eq!(p["position"], "member");
    assert_eq!(p["candidates"][0]["candidate_id"], "c-A");
    assert_eq!(p["candidates"][0]["elected"], true);
    assert_eq!(p["next_round"], serde_json::Value::Null);
    assert_eq!(json["failure"], serde_json::Value::Null);
    let back: Tally = serde_json::from_value(json).expect("stored tally reads back");
    assert_eq!(back.round, 1);
}

#[test]
fn inconsistent_input_is_refused_rather_than_miscounted() {
    let poll = member_poll(1, &["A", "B"]);
    let b = ballots(&poll, Position::Member, &[(Mark::For("A"), 5)], 5, 0, 0);
    let e = count_round(
        &poll,
        &facts(10, 10, 6),
        &b,
        &WriteInRegister::default(),
        &jilin(),
    )
    .expect_err("mismatch");
    assert_eq!(e.code(), "tally.returned_mismatch");
    let other = member_poll(1, &["A", "B", "C"]);
    let foreign = ballots(&other, Position::Member, &[(Mark::For("C"), 1)], 1, 0, 0);
    let e = count_round(
        &poll,
        &facts(1, 1, 1),
        &foreign,
        &WriteInRegister::default(),
        &jilin(),
    )
    .expect_err("foreign");
    assert_eq!(e.code(), "tally.foreign_ballot");
    let unknown = poll.ballot(&BallotChoices {
        choices: vec![choice(Position::Member, &["Z"], &[])],
        spoiled: false,
    });
    assert_eq!(
        unknown.expect_err("unknown").code(),
        "ballot.unknown_candidate"
    );
    let wrong_post = poll.ballot(&BallotChoices {
        choices: vec![choice(Position::Director, &["A"], &[])],
        spoiled: false,
    });
    assert_eq!(
        wrong_post.expect_err("unknown").code(),
        "ballot.unknown_position"
    );
}

#[test]
fn r_announce_certificate_numbers_are_ascii_and_safe_in_a_path() {
    let no = CertificateNo::new(2024, "220102", 1).expect("number");
    assert_eq!(no.as_str(), "2024-220102-0001");
    assert!(CertificateNo::new(2024, "22/01", 1).is_none());
    assert!(CertificateNo::new(2024, "社区", 1).is_none());
    assert!(CertificateNo::new(2024, "220102", 0).is_none());
    assert!(
        CertificateNo::wording("张三", Position::Director)
            .zh
            .contains("主任")
    );
}

#[test]
fn r_report_a_failed_contest_has_no_result_and_no_deciding_round() {
    let poll = member_poll(1, &["A", "B"]);
    let b = ballots(&poll, Position::Member, &[], 0, 10, 0);
    let failed = count(&poll, facts(40, 10, 10), &b);
    let result = contest_result(&[failed]);
    assert_eq!(result.status, ContestStatus::Failed);
    assert_eq!(result.deciding_round, None);
    assert!(result.elected.is_empty());
}

#[test]
fn r_structure_age_bands_education_women_and_party_members() {
    use structure::{AgeBand, MemberFacts, committee_structure};
    use time::macros::date;
    let m = |birth, gender, education, party_member| MemberFacts {
        birth_date: birth,
        gender,
        education,
        party_member,
    };
    let s = committee_structure(
        &[
            m(
                date!(1990 - 06 - 01),
                Gender::Female,
                Education::Bachelor,
                true,
            ),
            m(
                date!(1980 - 06 - 01),
                Gender::Male,
                Education::Associate,
                true,
            ),
            m(
                date!(1968 - 06 - 01),
                Gender::Female,
                Education::Master,
                false,
            ),
        ],
        date!(2025 - 06 - 01),
    );
    assert_eq!(s.members, 3);
    assert_eq!(s.average_age, Some(45.7), "(35 + 45 + 57) / 3 = 45.67");
    assert_eq!(
        s.age_bands,
        [
            (AgeBand::UpTo35, 1),
            (AgeBand::From36To45, 1),
            (AgeBand::From46To55, 0),
            (AgeBand::Over55, 1)
        ]
    );
    assert_eq!((s.bachelor_or_above, s.women, s.party_members), (2, 2, 2));
    assert_eq!(s.share(2), Some(66.7));
}

#[test]
fn r_majority_the_base_is_every_ballot_cast_invalid_ones_included() {
    // Two seats; two over-voted ballots and two for A: 4 cast, more than half is 3 (of the 2
    // valid ballots it would be 2). A with 2 votes is not elected.
    let poll = member_poll(2, &["A", "B", "C"]);
    let b = ballots(&poll, Position::Member, &[(Mark::For("A"), 2)], 2, 0, 2);
    let tally = count(&poll, facts(4, 4, 4), &b);
    assert_eq!((tally.valid_ballots, tally.invalid_ballots), (2, 2));
    assert_eq!(tally.positions[0].threshold_votes, 3);
    assert_eq!(result(&tally, Position::Member, "A"), (2, false));
}

#[test]
fn r_ballot_valid_a_candidates_name_written_in_is_a_vote_for_that_candidate() {
    // 李四 stands with the committee's consent but is not in this register; writing the name
    // still votes for the candidate, who is elected with 6 of 10.
    let poll = member_poll(1, &["李四", "王五"]);
    let b = ballots(
        &poll,
        Position::Member,
        &[(Mark::WriteIn("李四"), 6), (Mark::For("王五"), 4)],
        10,
        0,
        0,
    );
    let tally = count(&poll, facts(10, 10, 10), &b);
    assert_eq!(result(&tally, Position::Member, "李四"), (6, true));
    assert!(
        tally.positions[0].write_ins.is_empty(),
        "{:?}",
        tally.positions[0].write_ins
    );
}

#[test]
fn r_additional_someone_elected_in_an_earlier_round_is_not_elected_again() {
    // Round 1 elected D1 director; the member seat goes to an additional election between M1
    // and M2, in which "D1" is written in 14 times of 36 (threshold ⌈36/3⌉ = 12). D1 holds a
    // post already: M1 with 12 is elected.
    let poll = Poll::new(
        2,
        vec![position(
            Position::Member,
            1,
            RoundKind::AdditionalElection,
            &["M1", "M2"],
        )],
    )
    .expect("poll");
    let register = WriteInRegister::new([("D1", PersonKey::new("p-D1"))]);
    let b = ballots(
        &poll,
        Position::Member,
        &[
            (Mark::WriteIn("D1"), 14),
            (Mark::For("M1"), 12),
            (Mark::For("M2"), 10),
        ],
        36,
        0,
        0,
    );
    let again = count_round(&poll, &facts(40, 36, 36), &b, &register, &jilin()).expect("counted");
    assert!(
        again.elected().iter().any(|e| e.name == "D1"),
        "without the earlier rounds D1 would win: {:?}",
        again.elected()
    );
    let tally = count_later_round(
        &poll,
        &facts(40, 36, 36),
        &b,
        &register,
        &jilin(),
        &[PersonKey::new("p-D1")],
    )
    .expect("counted");
    let elected: Vec<String> = tally.elected().into_iter().map(|e| e.name).collect();
    assert_eq!(elected, ["M1"]);
}

#[test]
fn r_additional_a_tie_and_a_seat_lost_to_an_unregistered_write_in_go_to_one_additional_election() {
    // Two seats, 60 cast, threshold 31: the unregistered write-in W takes one seat that nobody
    // can hold, B and C tie on 31 for the other. Both seats are unfilled: one additional
    // election for 2 seats among the top unelected, B and C included.
    let poll = member_poll(2, &["B", "C", "D"]);
    let b = ballots(
        &poll,
        Position::Member,
        &[
            (Mark::WriteIn("W"), 50),
            (Mark::For("B"), 31),
            (Mark::For("C"), 31),
            (Mark::For("D"), 5),
        ],
        60,
        0,
        0,
    );
    let tally = count(&poll, facts(60, 60, 60), &b);
    let p = &tally.positions[0];
    assert_eq!(p.unfilled_seats, 2, "{p:?}");
    assert_eq!(p.next_round, Some(NextRound::AdditionalElection));
    let names: Vec<&str> = p
        .next_round_candidates
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(names, ["B", "C", "D"]);
}

#[test]
fn r_structure_each_member_is_aged_on_the_day_that_elected_them() {
    use structure::{MemberFacts, structure_of};
    use time::macros::date;
    let born = MemberFacts {
        birth_date: date!(1990 - 06 - 01),
        gender: Gender::Male,
        education: Education::SeniorHigh,
        party_member: false,
    };
    // The same birthday, two contests: 33 on one election day, 34 on the other.
    let s = structure_of(&[(born, date!(2024 - 05 - 31)), (born, date!(2024 - 06 - 01))]);
    assert_eq!(s.average_age, Some(33.5));
    assert_eq!(s.by_education, [(Education::SeniorHigh, 2)]);
    assert_eq!(s.women, 0);
}

#[test]
fn r_structure_change_reads_younger_and_better_educated_off_the_replaced_members() {
    use structure::{MemberFacts, change, committee_structure};
    use time::macros::date;
    let m = |birth, education| MemberFacts {
        birth_date: birth,
        gender: Gender::Female,
        education,
        party_member: true,
    };
    let day = date!(2024 - 06 - 01);
    let elected = committee_structure(
        &[
            m(date!(1990 - 01 - 01), Education::Bachelor),
            m(date!(1985 - 01 - 01), Education::Associate),
        ],
        day,
    );
    let replaced = committee_structure(
        &[
            m(date!(1970 - 01 - 01), Education::Associate),
            m(date!(1975 - 01 - 01), Education::SeniorHigh),
        ],
        day,
    );
    let c = change(&elected, &replaced);
    // (34 + 39) / 2 = 36.5 against (54 + 49) / 2 = 51.5.
    assert_eq!(c.average_age, Some(-15.0));
    assert_eq!(c.bachelor_or_above_share, Some(50.0));
    assert_eq!(c.women_share, Some(0.0));
    assert_eq!(c.younger_and_better_educated, Some(true));
    let same = change(&elected, &elected);
    assert_eq!(same.younger_and_better_educated, Some(false));
}
