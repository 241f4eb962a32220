//! Builders shared by the integration tests: synthetic identity numbers, ballot papers and
//! ballots with given vote counts.
#![allow(
    dead_code,
    reason = "each test file uses a different part of the helpers"
)]

use juxuan_domain::{
    Ballot, BallotChoices, Candidate, CandidateId, Choice, PersonKey, Poll, PollPosition, Position,
    ProfileName, RoundFacts, RoundKind, RuleProfile, Seats, Tally, WriteInRegister, count_round,
    identity::check_character,
};

/// A synthetic identity number: region 990000 (no real region), the birth date `yyyymmdd`, a
/// three-digit sequence (odd last digit: male) and its computed check character.
pub fn synthetic_id(birth: &str, sequence: &str) -> String {
    let first17 = format!("990000{birth}{sequence}");
    let check = check_character(&first17).expect("17 digits");
    format!("{first17}{check}")
}

pub fn jilin() -> RuleProfile {
    RuleProfile::named(ProfileName::Cn2018Jilin)
}

pub fn candidate(name: &str) -> Candidate {
    Candidate {
        candidate_id: CandidateId::new(format!("c-{name}")),
        person: PersonKey::new(format!("p-{name}")),
        name: name.to_owned(),
    }
}

pub fn position(position: Position, seats: u32, kind: RoundKind, names: &[&str]) -> PollPosition {
    PollPosition {
        position,
        seats: Seats::new(seats).expect("seats"),
        kind,
        candidates: names.iter().map(|n| candidate(n)).collect(),
    }
}

/// A first-round ballot paper with one position.
pub fn single_poll(p: Position, seats: u32, names: &[&str]) -> Poll {
    Poll::new(1, vec![position(p, seats, RoundKind::Regular, names)]).expect("poll")
}

/// What a ballot marks for one position: a candidate by name or a written-in name.
#[derive(Debug, Clone, Copy)]
pub enum Mark<'a> {
    For(&'a str),
    WriteIn(&'a str),
}

/// Ballots for one position: `votes` spread over `marked` ballots so that no ballot marks a
/// person twice or more people than the position's seats (each person's votes go to
/// consecutive ballots, cyclically), then `blank` blank ballots and `invalid` over-voted ones.
pub fn ballots(
    poll: &Poll,
    p: Position,
    votes: &[(Mark<'_>, u64)],
    marked: u64,
    blank: u64,
    invalid: u64,
) -> Vec<Ballot> {
    let pp = poll
        .positions()
        .iter()
        .find(|x| x.position == p)
        .expect("position on the poll");
    let seats = u64::from(pp.seats.get());
    let total: u64 = votes.iter().map(|(_, v)| v).sum();
    assert!(
        total <= seats * marked,
        "too many votes for {marked} ballots"
    );
    let mut choices: Vec<Choice> = (0..marked)
        .map(|_| Choice {
            position: p,
            candidate_ids: vec![],
            write_ins: vec![],
        })
        .collect();
    let mut at = 0usize;
    for (mark, count) in votes {
        assert!(
            *count <= marked,
            "one person cannot get more votes than ballots"
        );
        for _ in 0..*count {
            let c = &mut choices[at % marked as usize];
            match mark {
                Mark::For(name) => c.candidate_ids.push(CandidateId::new(format!("c-{name}"))),
                Mark::WriteIn(name) => c.write_ins.push((*name).to_owned()),
            }
            at += 1;
        }
    }
    let mut out: Vec<Ballot> = choices
        .into_iter()
        .map(|c| {
            poll.ballot(&BallotChoices {
                choices: vec![c],
                spoiled: false,
            })
            .expect("ballot")
        })
        .collect();
    out.extend((0..blank).map(|_| poll.ballot(&BallotChoices::default()).expect("blank")));
    let over = overvote(pp, seats);
    out.extend((0..invalid).map(|_| poll.ballot(&over).expect("over-voted")));
    out
}

/// A ballot marking one more person than seats for the position.
fn overvote(pp: &PollPosition, seats: u64) -> BallotChoices {
    let mut ids: Vec<CandidateId> = pp
        .candidates
        .iter()
        .map(|c| c.candidate_id.clone())
        .take(seats as usize + 1)
        .collect();
    let mut write_ins = Vec::new();
    while (ids.len() + write_ins.len()) as u64 <= seats {
        write_ins.push(format!("另选{}", write_ins.len() + 1));
    }
    ids.truncate(seats as usize + 1);
    BallotChoices {
        choices: vec![Choice {
            position: pp.position,
            candidate_ids: ids,
            write_ins,
        }],
        spoiled: false,
    }
}

pub fn facts(electorate: u64, issued: u64, returned: u64) -> RoundFacts {
    RoundFacts {
        electorate,
        checked_in: issued,
        ballots_issued: issued,
        ballots_returned: returned,
    }
}

/// Counts under `cn-2018-jilin` with an empty register.
pub fn count(poll: &Poll, f: RoundFacts, ballots: &[Ballot]) -> Tally {
    count_with(poll, f, ballots, &WriteInRegister::default(), &jilin())
}

pub fn count_with(
    poll: &Poll,
    f: RoundFacts,
    ballots: &[Ballot],
    register: &WriteInRegister,
    profile: &RuleProfile,
) -> Tally {
    count_round(poll, &f, ballots, register, profile).expect("counted")
}

/// Votes and elected flag of a candidate by name.
pub fn result(tally: &Tally, p: Position, name: &str) -> (u64, bool) {
    let c = tally
        .position(p)
        .expect("position")
        .candidates
        .iter()
        .find(|c| c.name == name)
        .expect("candidate");
    (c.votes, c.elected)
}

/// Names elected for a position in a round.
pub fn elected(tally: &Tally, p: Position) -> Vec<String> {
    tally
        .elected()
        .into_iter()
        .filter(|e| e.position == p)
        .map(|e| e.name)
        .collect()
}
