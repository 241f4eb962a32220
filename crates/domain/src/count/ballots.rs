//! Reading every ballot of a round into votes (R-BALLOT-VALID).
//!
//! Per ballot: a position marking more people (candidates plus distinct written-in names) than
//! seats is void (or the whole ballot, under `overvote = ballot_invalid`); a ballot void for
//! every position, or spoiled, is invalid; a blank ballot is valid. A written-in name is
//! matched against the register: a candidate of the same position counts as a mark for that
//! candidate; a person marked for several posts counts for the highest only.

use std::collections::HashMap;

use super::CountError;
use crate::poll::write_in::{Resolved, normalise_name};
use crate::{Ballot, Overvote, PersonKey, Poll, RuleProfile, WriteInRegister};

/// Who a written-in vote is for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum WriteInKey {
    /// A registered voter (electable).
    Person(PersonKey),
    /// A name several registered voters share.
    Ambiguous(Box<str>),
    /// A name no registered voter has.
    Unregistered(Box<str>),
}

/// A written-in person's votes and the name written.
#[derive(Debug, Clone, Default)]
pub(crate) struct WriteInVotes {
    pub votes: u64,
    /// The smallest normalised name written for them, for an order-independent display.
    pub name: Box<str>,
}

/// One position's counts.
#[derive(Debug, Clone, Default)]
pub(crate) struct ColumnCount {
    pub votes: Vec<u64>,
    pub write_ins: HashMap<WriteInKey, WriteInVotes>,
    pub valid: u64,
    pub invalid: u64,
    pub blank: u64,
}

/// A round's counts.
#[derive(Debug, Clone, Default)]
pub(crate) struct Counts {
    pub columns: Vec<ColumnCount>,
    pub valid_ballots: u64,
    pub invalid_ballots: u64,
    pub blank_ballots: u64,
}

/// What a mark on a ballot counts for, once resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    Candidate(u16),
    WriteIn(WriteInKey, Box<str>),
}

/// Reads every ballot.
pub(crate) fn count_ballots(
    poll: &Poll,
    ballots: &[Ballot],
    register: &WriteInRegister,
    profile: &RuleProfile,
) -> Result<Counts, CountError> {
    let positions = poll.positions();
    let n = positions.len();
    let seats: Vec<u32> = positions.iter().map(|p| p.seats.get()).collect();
    let mut counts = Counts {
        columns: positions
            .iter()
            .map(|p| ColumnCount {
                votes: vec![0; p.candidates.len()],
                ..ColumnCount::default()
            })
            .collect(),
        ..Counts::default()
    };
    // Candidate index of each person, per position.
    let person_index: Vec<HashMap<&PersonKey, u16>> = positions
        .iter()
        .map(|p| {
            p.candidates
                .iter()
                .enumerate()
                .filter_map(|(i, c)| Some((&c.person, u16::try_from(i).ok()?)))
                .collect()
        })
        .collect();
    let shared_persons = {
        let mut all: Vec<&PersonKey> = person_index
            .iter()
            .flat_map(|m| m.keys().copied())
            .collect();
        let total = all.len();
        all.sort();
        all.dedup();
        all.len() != total
    };

    for ballot in ballots {
        for &(c, i) in ballot.marks() {
            let known = positions
                .get(usize::from(c))
                .is_some_and(|p| usize::from(i) < p.candidates.len());
            if !known {
                return Err(CountError::ForeignBallot);
            }
        }
        if ballot.write_ins().iter().any(|(c, _)| usize::from(*c) >= n) {
            return Err(CountError::ForeignBallot);
        }
        let per_column = ballot.marks_per_column();
        let mut valid = [false; 3];
        let mut any_over = false;
        for col in 0..n {
            valid[col] = !ballot.is_spoiled() && per_column[col] <= seats[col];
            any_over |= per_column[col] > seats[col];
        }
        if any_over && profile.overvote == Overvote::BallotInvalid {
            valid = [false; 3];
        }
        if !valid[..n].iter().any(|&v| v) {
            counts.invalid_ballots += 1;
            for c in &mut counts.columns {
                c.invalid += 1;
            }
            continue;
        }
        counts.valid_ballots += 1;
        if ballot.is_blank() {
            counts.blank_ballots += 1;
        }
        for col in 0..n {
            let c = &mut counts.columns[col];
            if !valid[col] {
                c.invalid += 1;
            } else {
                c.valid += 1;
                if per_column[col] == 0 {
                    c.blank += 1;
                }
            }
        }
        if ballot.write_ins().is_empty() && !shared_persons {
            for &(c, i) in ballot.marks() {
                if valid[usize::from(c)] {
                    counts.columns[usize::from(c)].votes[usize::from(i)] += 1;
                }
            }
        } else {
            count_resolved(poll, ballot, &valid, register, &person_index, &mut counts);
        }
    }
    Ok(counts)
}

/// The slow path: write-ins resolved against the register, and a person marked for several
/// posts counted for the highest only.
fn count_resolved(
    poll: &Poll,
    ballot: &Ballot,
    valid: &[bool; 3],
    register: &WriteInRegister,
    person_index: &[HashMap<&PersonKey, u16>],
    counts: &mut Counts,
) {
    let positions = poll.positions();
    let mut targets: Vec<(usize, Target)> = Vec::new();
    for &(c, i) in ballot.marks() {
        if valid[usize::from(c)] {
            targets.push((usize::from(c), Target::Candidate(i)));
        }
    }
    for (c, name) in ballot.write_ins() {
        let col = usize::from(*c);
        if !valid[col] {
            continue;
        }
        // A name written in that is a candidate's printed name (one candidate only) is a vote
        // for that candidate, registered here or not (an outside nominee stands with the
        // committee's consent).
        let mut by_name = positions[col]
            .candidates
            .iter()
            .enumerate()
            .filter(|(_, c)| normalise_name(&c.name) == name.as_ref());
        if let (Some((i, _)), None) = (by_name.next(), by_name.next()) {
            let target = Target::Candidate(u16::try_from(i).unwrap_or(u16::MAX));
            if !targets.contains(&(col, target.clone())) {
                targets.push((col, target));
            }
            continue;
        }
        let target = match register.resolve(name) {
            Resolved::Person(p) => match person_index[col].get(p) {
                Some(&i) => Target::Candidate(i),
                None => Target::WriteIn(WriteInKey::Person(p.clone()), name.clone()),
            },
            Resolved::Ambiguous => {
                Target::WriteIn(WriteInKey::Ambiguous(name.clone()), name.clone())
            }
            Resolved::Unregistered => {
                Target::WriteIn(WriteInKey::Unregistered(name.clone()), name.clone())
            }
        };
        if !targets.contains(&(col, target.clone())) {
            targets.push((col, target));
        }
    }
    let person_of = |col: usize, t: &Target| -> Option<PersonKey> {
        match t {
            Target::Candidate(i) => positions[col]
                .candidates
                .get(usize::from(*i))
                .map(|c| c.person.clone()),
            Target::WriteIn(WriteInKey::Person(p), _) => Some(p.clone()),
            Target::WriteIn(..) => None,
        }
    };
    // Highest post wins: positions are ordered highest first, so the smallest column.
    let persons: Vec<(usize, Option<PersonKey>)> = targets
        .iter()
        .map(|(c, t)| (*c, person_of(*c, t)))
        .collect();
    for (k, (col, target)) in targets.into_iter().enumerate() {
        let marked_higher = persons[k].1.as_ref().is_some_and(|p| {
            persons
                .iter()
                .any(|(other_col, q)| *other_col < col && q.as_ref() == Some(p))
        });
        if marked_higher {
            continue;
        }
        let column = &mut counts.columns[col];
        match target {
            Target::Candidate(i) => column.votes[usize::from(i)] += 1,
            Target::WriteIn(key, name) => {
                let entry = column.write_ins.entry(key).or_insert_with(|| WriteInVotes {
                    votes: 0,
                    name: name.clone(),
                });
                entry.votes += 1;
                if name < entry.name {
                    entry.name = name;
                }
            }
        }
    }
}
