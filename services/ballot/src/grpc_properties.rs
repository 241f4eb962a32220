//! Properties of a ballot's choices at the gRPC edge (`choices`) and of the decoded ballot read
//! against its ballot paper (`Poll::ballot`, `Ballot::verdict`; R-BALLOT-VALID).
//!
//! - Decoding never panics and refuses a request exactly when a position is not one of
//!   `director`, `deputy_director`, `member`, naming the first such choice; what it accepts it
//!   keeps as sent, and `choices_to_proto` gives the request back.
//! - On a generated paper, the domain accepts a decoded ballot exactly when every position is
//!   on the paper once, every candidate id is on that position's list, write-ins appear only
//!   where the round allows them and each is a name of 1 to 50 characters.
//! - An accepted ballot counts by R-BALLOT-VALID: a position with more people marked
//!   (distinct candidates plus distinct written-in names) than seats is void (the whole ballot
//!   under `overvote = ballot_invalid`); a ballot void for every position, or spoiled, is
//!   invalid; a blank ballot is valid. So a valid ballot may still carry a void, over-marked
//!   position under the default `column_invalid`: only the positions that count are bounded
//!   by their seats.

use super::*;

use juxuan_domain::{
    Ballot, Candidate, Overvote, PersonKey, Poll, PollPosition, ProfileName, RoundKind, RuleId,
    RuleProfile, Seats,
};
use proptest::prelude::*;

/// Position names that are not quite right.
const NEAR_MISSES: &[&str] = &[
    "",
    "Director",
    "MEMBER",
    " member",
    "member ",
    "deputy-director",
    "deputyDirector",
    "DeputyDirector",
    "主任",
    "委员",
    "null",
    "0",
    "\"member\"",
];

/// Written-in names that normalise to a name (whitespace is dropped, so some are the same).
const WRITE_INS: &[&str] = &["王五", " 王 五 ", "王五\t", "赵六", "M0", "Ｍ0"];
/// Written-in names that normalise to nothing.
const BLANK_WRITE_INS: &[&str] = &["", "  ", "\u{3000}", "\n"];

fn any_position() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => proptest::sample::select(POSITIONS).prop_map(String::from),
        2 => proptest::sample::select(NEAR_MISSES).prop_map(String::from),
        1 => any::<String>(),
    ]
}

fn any_choice() -> impl Strategy<Value = pb::Choice> {
    (
        any_position(),
        proptest::collection::vec(any::<String>(), 0..4),
        proptest::collection::vec(any::<String>(), 0..3),
    )
        .prop_map(|(position, candidate_ids, write_ins)| pb::Choice {
            position,
            candidate_ids,
            write_ins,
        })
}

fn write_in() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => proptest::sample::select(WRITE_INS).prop_map(String::from),
        1 => proptest::sample::select(BLANK_WRITE_INS).prop_map(String::from),
        1 => Just("长".repeat(Ballot::MAX_WRITE_IN_CHARS)),
        1 => Just("长".repeat(Ballot::MAX_WRITE_IN_CHARS + 1)),
        1 => any::<String>(),
    ]
}

fn kind() -> impl Strategy<Value = RoundKind> {
    prop_oneof![
        3 => Just(RoundKind::Regular),
        1 => Just(RoundKind::TieBreak),
        1 => Just(RoundKind::AdditionalElection),
    ]
}

/// A candidate as the domain's own tests build them; the same people may stand for several
/// posts (the same person key), under a different candidate id for each.
fn candidate(position: Position, i: usize) -> Candidate {
    Candidate {
        candidate_id: CandidateId::new(format!("c-{}-{i}", position.as_str())),
        person: PersonKey::new(format!("p-{i}")),
        name: format!("候选人{i}"),
    }
}

/// A ballot paper: one to three positions, 1 to 3 seats and 1 to 4 candidates each, any kind
/// of round.
fn papers() -> impl Strategy<Value = Poll> {
    (
        proptest::sample::subsequence(Position::ALL.to_vec(), 1..=3),
        proptest::collection::vec((1u32..=3, kind(), 1usize..=4), 3),
    )
        .prop_map(|(positions, specs)| {
            let positions: Vec<PollPosition> = positions
                .into_iter()
                .zip(specs)
                .map(|(position, (seats, kind, n))| PollPosition {
                    position,
                    seats: Seats::new(seats).expect("1 to 3 seats"),
                    kind,
                    candidates: (0..n).map(|i| candidate(position, i)).collect(),
                })
                .collect();
            Poll::new(1, positions).expect("a well-formed ballot paper")
        })
}

fn ids_of(poll: &Poll, position: Option<&str>) -> Vec<String> {
    poll.positions()
        .iter()
        .filter(|p| position.is_none_or(|name| p.position.as_str() == name))
        .flat_map(|p| {
            p.candidates
                .iter()
                .map(|c| c.candidate_id.as_str().to_owned())
        })
        .collect()
}

/// A choice as a client sends it for a paper: a known position name (on the paper or not),
/// mostly that position's candidates, sometimes another position's or an unknown id, and
/// write-ins.
fn choice_on(poll: Poll) -> impl Strategy<Value = pb::Choice> {
    let mut all_ids = ids_of(&poll, None);
    all_ids.push("c-unknown".to_owned());
    all_ids.push(String::new());
    proptest::sample::select(POSITIONS)
        .prop_flat_map(move |position| {
            let own = ids_of(&poll, Some(position));
            let own = if own.is_empty() { all_ids.clone() } else { own };
            let id = prop_oneof![
                12 => proptest::sample::select(own),
                1 => proptest::sample::select(all_ids.clone()),
            ];
            (
                Just(position.to_owned()),
                proptest::collection::vec(id, 0..5),
                proptest::collection::vec(write_in(), 0..3),
            )
        })
        .prop_map(|(position, candidate_ids, write_ins)| pb::Choice {
            position,
            candidate_ids,
            write_ins,
        })
}

/// A paper and a ballot for it as sent over gRPC (choices, spoiled).
fn ballots_on_a_paper() -> impl Strategy<Value = (Poll, Vec<pb::Choice>, bool)> {
    papers().prop_flat_map(|poll| {
        let sent = proptest::collection::vec(choice_on(poll.clone()), 0..4);
        (Just(poll), sent, proptest::bool::weighted(0.1))
    })
}

/// A written-in name as the domain compares it: whitespace dropped.
fn normalised(name: &str) -> String {
    name.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Whether a ballot fits its paper, decided here independently of `Poll::ballot`.
fn fits(poll: &Poll, cast: &BallotChoices) -> bool {
    let mut seen: Vec<Position> = Vec::new();
    cast.choices.iter().all(|choice| {
        let Some(p) = poll
            .positions()
            .iter()
            .find(|p| p.position == choice.position)
        else {
            return false;
        };
        if seen.contains(&choice.position) {
            return false;
        }
        seen.push(choice.position);
        choice
            .candidate_ids
            .iter()
            .all(|id| p.candidates.iter().any(|c| &c.candidate_id == id))
            && (choice.write_ins.is_empty() || p.kind != RoundKind::TieBreak)
            && choice
                .write_ins
                .iter()
                .all(|w| (1..=Ballot::MAX_WRITE_IN_CHARS).contains(&normalised(w).chars().count()))
    })
}

/// People marked for a position: distinct candidates plus distinct written-in names.
fn marks(cast: &BallotChoices, position: Position) -> u32 {
    let n: usize = cast
        .choices
        .iter()
        .filter(|c| c.position == position)
        .map(|c| {
            let mut ids: Vec<&CandidateId> = c.candidate_ids.iter().collect();
            ids.sort();
            ids.dedup();
            let mut names: Vec<String> = c.write_ins.iter().map(|w| normalised(w)).collect();
            names.sort();
            names.dedup();
            ids.len() + names.len()
        })
        .sum();
    u32::try_from(n).expect("few marks")
}

fn profile(overvote: Overvote) -> RuleProfile {
    let mut profile = RuleProfile::named(ProfileName::Cn2018Jilin);
    profile.overvote = overvote;
    profile
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Decoding never panics, refuses exactly the requests with a position that is not a post
    /// (naming the first such choice), and keeps everything else as sent.
    #[test]
    fn decoding_refuses_exactly_unknown_positions(
        raw in proptest::collection::vec(any_choice(), 0..5),
        spoiled in any::<bool>(),
    ) {
        let first_unknown = raw
            .iter()
            .position(|c| !POSITIONS.contains(&c.position.as_str()));
        match (choices(&raw, spoiled), first_unknown) {
            (Ok(decoded), None) => {
                prop_assert_eq!(decoded.spoiled, spoiled);
                prop_assert_eq!(decoded.choices.len(), raw.len());
                for (c, r) in decoded.choices.iter().zip(&raw) {
                    prop_assert_eq!(c.position.as_str(), r.position.as_str());
                    let ids: Vec<&str> = c.candidate_ids.iter().map(CandidateId::as_str).collect();
                    let sent: Vec<&str> = r.candidate_ids.iter().map(String::as_str).collect();
                    prop_assert_eq!(ids, sent);
                    prop_assert_eq!(&c.write_ins, &r.write_ins);
                }
                prop_assert_eq!(&choices_to_proto(&decoded.choices), &raw);
            }
            (Err(e), Some(i)) => {
                prop_assert_eq!(e.code(), "request.invalid_value");
                let field = e.to_wire().errors.first().map(|f| f.field.clone());
                prop_assert_eq!(field, Some(format!("choices[{i}].position")));
            }
            (Ok(decoded), Some(i)) => {
                return Err(TestCaseError::fail(format!(
                    "position {:?} accepted: {decoded:?}",
                    raw[i].position
                )));
            }
            (Err(e), None) => {
                return Err(TestCaseError::fail(format!("known positions refused: {e}")));
            }
        }
    }

    /// R-BALLOT-VALID: a decoded ballot is read against its paper without panicking; it is
    /// accepted exactly when it fits the paper; an accepted ballot's verdict voids the
    /// over-marked positions (or the whole ballot under `ballot_invalid`), keeps a blank ballot
    /// valid, and a valid ballot counts only positions with no more people marked than seats,
    /// all of them candidates of that position or write-ins.
    #[test]
    fn a_decoded_ballot_is_read_by_r_ballot_valid(
        (poll, raw, spoiled) in ballots_on_a_paper(),
    ) {
        let cast = choices(&raw, spoiled)
            .map_err(|e| TestCaseError::fail(format!("known positions refused: {e}")))?;
        let parsed = poll.ballot(&cast);
        prop_assert_eq!(parsed.is_ok(), fits(&poll, &cast), "{:?} for {:?}", parsed, cast);
        let ballot = match parsed {
            Ok(ballot) => ballot,
            Err(e) => {
                prop_assert_eq!(e.rule(), RuleId::BallotValid);
                prop_assert!(e.code().starts_with("ballot."), "{}", e.code());
                return Ok(());
            }
        };

        let all: Vec<Position> = poll.positions().iter().map(|p| p.position).collect();
        let over: Vec<Position> = poll
            .positions()
            .iter()
            .filter(|p| marks(&cast, p.position) > p.seats.get())
            .map(|p| p.position)
            .collect();
        let blank = poll.positions().iter().all(|p| marks(&cast, p.position) == 0);
        prop_assert_eq!(&ballot.overvoted_positions(&poll), &over);
        prop_assert_eq!(ballot.is_blank(), blank);
        prop_assert_eq!(ballot.is_spoiled(), spoiled);

        for overvote in [Overvote::ColumnInvalid, Overvote::BallotInvalid] {
            let verdict = ballot.verdict(&poll, &profile(overvote));
            if spoiled {
                // A spoiled paper ballot (废票) is void as a whole.
                prop_assert!(!verdict.valid);
                prop_assert!(!verdict.blank);
                prop_assert_eq!(&verdict.void_positions, &all);
                prop_assert!(verdict.reason.is_some());
                continue;
            }
            let void = if overvote == Overvote::BallotInvalid && !over.is_empty() {
                all.clone()
            } else {
                over.clone()
            };
            prop_assert_eq!(&verdict.void_positions, &void);
            prop_assert_eq!(verdict.valid, void.len() < all.len());
            prop_assert_eq!(verdict.blank, blank);
            prop_assert_eq!(verdict.reason.is_some(), !over.is_empty());
            if blank {
                prop_assert!(verdict.valid, "a blank ballot is valid");
            }
            if over.is_empty() {
                // What an electronic terminal accepts is valid for every position.
                prop_assert!(verdict.valid);
                prop_assert!(verdict.void_positions.is_empty());
            }
            if verdict.valid {
                for p in poll.positions() {
                    if !verdict.void_positions.contains(&p.position) {
                        prop_assert!(
                            marks(&cast, p.position) <= p.seats.get(),
                            "{:?} counts with more marks than seats", p.position
                        );
                    }
                }
                if overvote == Overvote::BallotInvalid {
                    prop_assert!(over.is_empty());
                }
                for c in &cast.choices {
                    let p = poll
                        .positions()
                        .iter()
                        .find(|p| p.position == c.position)
                        .ok_or_else(|| TestCaseError::fail("a position off the paper"))?;
                    prop_assert!(c
                        .candidate_ids
                        .iter()
                        .all(|id| p.candidates.iter().any(|k| &k.candidate_id == id)));
                }
            }
        }

        // The canonical form the service stores reads back as the same ballot, also through
        // the gRPC messages.
        let canonical = ballot.to_choices(&poll);
        let again = poll
            .ballot(&canonical)
            .map_err(|e| TestCaseError::fail(format!("canonical form refused: {e}")))?;
        prop_assert_eq!(&again, &ballot);
        let wire = choices(&choices_to_proto(&canonical.choices), canonical.spoiled)
            .map_err(|e| TestCaseError::fail(format!("canonical choices refused: {e}")))?;
        prop_assert_eq!(&wire, &canonical);
    }
}
