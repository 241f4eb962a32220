//! Properties of counting (R-BALLOT-VALID, R-MAJORITY, R-TIE, R-ADDITIONAL, R-QUORUM) over
//! random contests and ballots: never more elected than seats; every elected person meets the
//! round's threshold; the result does not depend on the order of the ballots; the totals
//! reconcile; a stricter threshold never elects more people.

mod common;

use common::*;
use juxuan_domain::*;
use proptest::prelude::*;

const WRITE_INS: [&str; 4] = ["王五", "赵六", "孙七", "M0"];

fn register() -> WriteInRegister {
    WriteInRegister::new([
        ("王五", PersonKey::new("p-wang")),
        ("赵六", PersonKey::new("p-zhao1")),
        ("赵六", PersonKey::new("p-zhao2")),
        ("M0", PersonKey::new("p-M0")),
    ])
}

/// One generated ballot: member marks as a bit set, an optional write-in, a director mark,
/// spoiled or not.
type BallotSpec = (u8, Option<usize>, Option<bool>, bool);

#[derive(Debug, Clone)]
struct Scenario {
    poll: Poll,
    ballots: Vec<Ballot>,
    facts: RoundFacts,
}

fn scenario(
    kind: RoundKind,
    seats: u32,
    members: usize,
    shared: bool,
    specs: &[BallotSpec],
    extra_electorate: u64,
    extra_issued: u64,
) -> Scenario {
    let member_names: Vec<String> = (0..members).map(|i| format!("M{i}")).collect();
    let member_refs: Vec<&str> = member_names.iter().map(String::as_str).collect();
    let seats = seats.min(u32::try_from(members).unwrap_or(1)).max(1);
    let mut director = position(Position::Director, 1, kind, &["D0", "D1"]);
    if shared {
        // M0 also stands for director: the same person on two posts.
        director.candidates[1] = candidate("M0");
    }
    let poll = Poll::new(
        1,
        vec![
            director,
            position(Position::Member, seats, kind, &member_refs),
        ],
    )
    .expect("poll");
    let director_ids: Vec<String> = poll.positions()[0]
        .candidates
        .iter()
        .map(|c| c.candidate_id.as_str().to_owned())
        .collect();
    let ballots: Vec<Ballot> = specs
        .iter()
        .map(|(bits, write_in, director_mark, spoiled)| {
            let ids: Vec<CandidateId> = (0..members)
                .filter(|i| bits & (1 << i) != 0)
                .map(|i| CandidateId::new(format!("c-M{i}")))
                .collect();
            let write_ins: Vec<String> = match (kind, write_in) {
                (RoundKind::TieBreak, _) | (_, None) => vec![],
                (_, Some(w)) => vec![WRITE_INS[*w].to_owned()],
            };
            let mut choices = vec![Choice {
                position: Position::Member,
                candidate_ids: ids,
                write_ins,
            }];
            if let Some(second) = director_mark {
                choices.push(Choice {
                    position: Position::Director,
                    candidate_ids: vec![CandidateId::new(
                        director_ids[usize::from(*second)].clone(),
                    )],
                    write_ins: vec![],
                });
            }
            poll.ballot(&BallotChoices {
                choices,
                spoiled: *spoiled,
            })
            .expect("generated ballots fit the poll")
        })
        .collect();
    let returned = u64::try_from(ballots.len()).expect("small");
    Scenario {
        poll,
        ballots,
        facts: RoundFacts {
            electorate: returned + extra_electorate,
            checked_in: returned + extra_issued,
            ballots_issued: returned + extra_issued,
            ballots_returned: returned,
        },
    }
}

fn kind() -> impl Strategy<Value = RoundKind> {
    prop_oneof![
        4 => Just(RoundKind::Regular),
        1 => Just(RoundKind::TieBreak),
        1 => Just(RoundKind::AdditionalElection),
    ]
}

fn ballot_spec() -> impl Strategy<Value = BallotSpec> {
    (
        any::<u8>(),
        proptest::option::weighted(0.2, 0usize..WRITE_INS.len()),
        proptest::option::of(any::<bool>()),
        proptest::bool::weighted(0.03),
    )
}

prop_compose! {
    fn scenarios()(
        kind in kind(),
        seats in 1u32..=4,
        members in 1usize..=6,
        shared in any::<bool>(),
        specs in proptest::collection::vec(ballot_spec(), 0..80),
        extra_electorate in 0u64..60,
        extra_issued in 0u64..3,
    ) -> Scenario {
        scenario(kind, seats, members, shared, &specs, extra_electorate, extra_issued)
    }
}

fn tally(s: &Scenario, profile: &RuleProfile) -> Tally {
    count_round(&s.poll, &s.facts, &s.ballots, &register(), profile).expect("counted")
}

fn elected_count(t: &Tally) -> usize {
    t.elected().len()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn never_more_elected_than_seats(s in scenarios()) {
        let t = tally(&s, &jilin());
        for p in &t.positions {
            let elected = p.candidates.iter().filter(|c| c.elected).count()
                + p.write_ins.iter().filter(|w| w.elected).count();
            prop_assert!(elected as u32 <= p.seats, "{elected} > {}", p.seats);
            prop_assert_eq!(elected as u32 + p.unfilled_seats, p.seats);
        }
    }

    #[test]
    fn every_elected_person_meets_the_rounds_threshold(s in scenarios()) {
        let t = tally(&s, &jilin());
        for p in &t.positions {
            for c in p.candidates.iter().filter(|c| c.elected) {
                prop_assert!(c.votes >= p.threshold_votes);
                if let Some(th) = p.threshold {
                    let base = match th.of {
                        ThresholdBase::Cast => t.ballots_returned,
                        ThresholdBase::Valid => p.valid_columns,
                        ThresholdBase::Electorate => t.electorate,
                    };
                    prop_assert!(th.share.is_met(c.votes, base));
                }
            }
            for w in p.write_ins.iter().filter(|w| w.elected) {
                prop_assert!(w.votes >= p.threshold_votes);
                prop_assert!(w.registered && w.electable);
            }
        }
    }

    #[test]
    fn the_result_does_not_depend_on_the_order_of_the_ballots(s in scenarios(), seed in any::<u64>()) {
        let before = tally(&s, &jilin());
        let mut shuffled = s.clone();
        // A deterministic Fisher–Yates shuffle from the seed.
        let mut state = seed | 1;
        for i in (1..shuffled.ballots.len()).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let j = (state % (i as u64 + 1)) as usize;
            shuffled.ballots.swap(i, j);
        }
        prop_assert_eq!(tally(&shuffled, &jilin()), before);
    }

    #[test]
    fn the_totals_reconcile(s in scenarios()) {
        let t = tally(&s, &jilin());
        if t.valid {
            prop_assert_eq!(t.ballots_returned, t.valid_ballots + t.invalid_ballots);
            prop_assert!(t.blank_ballots <= t.valid_ballots);
        }
        for p in &t.positions {
            let counted: u64 = p.candidates.iter().map(|c| c.votes).sum::<u64>()
                + p.write_ins.iter().map(|w| w.votes).sum::<u64>();
            prop_assert!(counted <= p.valid_columns * u64::from(p.seats),
                "{counted} votes from {} valid ballots for {} seats", p.valid_columns, p.seats);
            if t.valid {
                prop_assert_eq!(p.valid_columns + p.invalid_columns, t.ballots_returned);
            }
        }
    }

    #[test]
    fn a_stricter_threshold_never_elects_more_people(
        s in scenarios(),
        numerator in 1u32..=9,
    ) {
        let default = jilin();
        let mut stricter = jilin();
        // At least 5/10 … 9/10 of the ballots cast, or more than half of the electorate: each
        // at least as demanding as the default for every count.
        let share = Share::AtLeast([5 + numerator / 2, 10]);
        if share.is_at_least_more_than_half() {
            stricter.threshold.share = share;
        } else {
            stricter.threshold.of = ThresholdBase::Electorate;
        }
        stricter.additional_threshold.share = Share::AtLeast([numerator.min(3), 3]);
        let (a, b) = (tally(&s, &default), tally(&s, &stricter));
        prop_assert!(elected_count(&b) <= elected_count(&a),
            "{} elected under the stricter threshold, {} under the default", elected_count(&b), elected_count(&a));
        for (pa, pb) in a.positions.iter().zip(&b.positions) {
            prop_assert!(pb.threshold_votes >= pa.threshold_votes);
        }
    }

    #[test]
    fn a_failed_round_elects_nobody(s in scenarios()) {
        let t = tally(&s, &jilin());
        if !t.valid {
            prop_assert!(t.elected().is_empty());
            prop_assert!(matches!(t.outcome, RoundOutcome::ContestFailed | RoundOutcome::Revote));
        }
    }
}
