//! A ballot as cast and as counted (R-BALLOT-VALID, R-SECRET).
//!
//! A ballot carries its choices and nothing else: no voter, no time, no order of arrival
//! (R-SECRET). Over-votes are not refused here: a paper ballot that marks too many people for a
//! position is a fact of the count, decided by [`Ballot::verdict`] and the count itself.

use serde::{Deserialize, Serialize};

use super::{Poll, normalise_name};
use crate::{CandidateId, Overvote, Position, Refusal, RuleId, RuleProfile, Text, messages};

/// A ballot as cast: API.md's `{"choices": [{"position", "candidate_ids", "write_ins"}]}`,
/// with `spoiled` for a paper ballot the tellers declare void as a whole (废票).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BallotChoices {
    /// One entry per position marked; a position left out is blank.
    #[serde(default)]
    pub choices: Vec<Choice>,
    /// A paper ballot void as a whole.
    #[serde(default)]
    pub spoiled: bool,
}

/// The marks for one position.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    /// The post.
    pub position: Position,
    /// Candidates marked.
    #[serde(default)]
    pub candidate_ids: Vec<CandidateId>,
    /// Other people written in (另选他人), by name.
    #[serde(default)]
    pub write_ins: Vec<String>,
}

/// Why a ballot does not fit its poll (the caller sent something the ballot paper does not
/// have). Over-votes are not errors.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BallotError {
    /// A position not on this round's ballot.
    #[error("position {0} is not on this ballot")]
    UnknownPosition(Position),
    /// A position given twice.
    #[error("position {0} is given twice")]
    DuplicatePosition(Position),
    /// A candidate not on this position's list.
    #[error("candidate {candidate_id} is not on the ballot for {position}")]
    UnknownCandidate {
        /// The post.
        position: Position,
        /// As sent.
        candidate_id: CandidateId,
    },
    /// A write-in where the round allows none (a tie-break is among the tied only).
    #[error("no write-ins for {0} in this round")]
    WriteInNotAllowed(Position),
    /// An empty or overlong written name.
    #[error("a written-in name must have 1 to {max} characters", max = Ballot::MAX_WRITE_IN_CHARS)]
    InvalidWriteIn(Position),
}

impl BallotError {
    /// The stable code: `ballot.unknown_position`, `ballot.duplicate_position`,
    /// `ballot.unknown_candidate`, `ballot.write_in_not_allowed`, `ballot.invalid_write_in`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::UnknownPosition(_) => "ballot.unknown_position",
            Self::DuplicatePosition(_) => "ballot.duplicate_position",
            Self::UnknownCandidate { .. } => "ballot.unknown_candidate",
            Self::WriteInNotAllowed(_) => "ballot.write_in_not_allowed",
            Self::InvalidWriteIn(_) => "ballot.invalid_write_in",
        }
    }

    /// 422: the ballot breaks the rules of the ballot paper.
    pub fn refusal(&self) -> Refusal {
        Refusal::Rule
    }

    /// The rule: R-BALLOT-VALID.
    pub fn rule(&self) -> RuleId {
        RuleId::BallotValid
    }

    /// Why, in zh and en.
    pub fn message(&self) -> Text {
        messages::ballot_error(self)
    }
}

/// A ballot parsed against its poll: marks as positions on the ballot paper, write-ins as
/// normalised names, each at most once per position. Only meaningful with the poll that made it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Ballot {
    spoiled: bool,
    /// (column, candidate index), sorted, distinct.
    marks: Vec<(u8, u16)>,
    /// (column, normalised name), sorted, distinct.
    write_ins: Vec<(u8, Box<str>)>,
}

/// What a ballot's reading says, for a teller entering a paper ballot (API.md
/// `{"valid", "reason"?}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BallotVerdict {
    /// Valid for at least one position (a blank ballot is valid).
    pub valid: bool,
    /// Nothing marked at all.
    pub blank: bool,
    /// Positions void on this ballot (over-voted, or all of them for a spoiled ballot).
    pub void_positions: Vec<Position>,
    /// Why something is void, when it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<Text>,
}

impl Ballot {
    /// Longest written-in name, in characters.
    pub const MAX_WRITE_IN_CHARS: usize = 50;

    /// A paper ballot void as a whole.
    pub fn is_spoiled(&self) -> bool {
        self.spoiled
    }

    /// Nothing marked anywhere.
    pub fn is_blank(&self) -> bool {
        self.marks.is_empty() && self.write_ins.is_empty()
    }

    pub(crate) fn marks(&self) -> &[(u8, u16)] {
        &self.marks
    }

    pub(crate) fn write_ins(&self) -> &[(u8, Box<str>)] {
        &self.write_ins
    }

    /// People marked per column: distinct candidates plus distinct written-in names.
    pub(crate) fn marks_per_column(&self) -> [u32; 3] {
        let mut counts = [0u32; 3];
        for &(c, _) in &self.marks {
            counts[usize::from(c)] += 1;
        }
        for (c, _) in &self.write_ins {
            counts[usize::from(*c)] += 1;
        }
        counts
    }

    /// Positions where this ballot marks more people (candidates plus write-ins) than seats
    /// (R-BALLOT-VALID). An electronic terminal refuses such a ballot
    /// (`ballot.too_many_choices`); on paper the position is void.
    pub fn overvoted_positions(&self, poll: &Poll) -> Vec<Position> {
        let counts = self.marks_per_column();
        poll.positions()
            .iter()
            .zip(counts)
            .filter(|(p, n)| *n > p.seats.get())
            .map(|(p, _)| p.position)
            .collect()
    }

    /// How this ballot counts under the profile (R-BALLOT-VALID): an over-voted position is
    /// void (or the whole ballot, under `overvote = ballot_invalid`); a ballot void for every
    /// position, or spoiled, is invalid; a blank ballot is valid.
    pub fn verdict(&self, poll: &Poll, profile: &RuleProfile) -> BallotVerdict {
        let all: Vec<Position> = poll.positions().iter().map(|p| p.position).collect();
        if self.spoiled {
            return BallotVerdict {
                valid: false,
                blank: false,
                void_positions: all,
                reason: Some(messages::ballot_spoiled()),
            };
        }
        let over = self.overvoted_positions(poll);
        let void_positions = if !over.is_empty() && profile.overvote == Overvote::BallotInvalid {
            all.clone()
        } else {
            over.clone()
        };
        BallotVerdict {
            valid: void_positions.len() < all.len(),
            blank: self.is_blank(),
            reason: (!over.is_empty()).then(|| messages::ballot_overvoted(&over)),
            void_positions,
        }
    }

    /// The ballot's choices in canonical form: positions in ballot order, candidates in ballot
    /// order, write-ins sorted; positions without marks left out.
    pub fn to_choices(&self, poll: &Poll) -> BallotChoices {
        let choices = poll
            .positions()
            .iter()
            .enumerate()
            .filter_map(|(col, p)| {
                let candidate_ids: Vec<CandidateId> = self
                    .marks
                    .iter()
                    .filter(|(c, _)| usize::from(*c) == col)
                    .filter_map(|&(_, i)| p.candidates.get(usize::from(i)))
                    .map(|c| c.candidate_id.clone())
                    .collect();
                let write_ins: Vec<String> = self
                    .write_ins
                    .iter()
                    .filter(|(c, _)| usize::from(*c) == col)
                    .map(|(_, n)| n.to_string())
                    .collect();
                (!candidate_ids.is_empty() || !write_ins.is_empty()).then_some(Choice {
                    position: p.position,
                    candidate_ids,
                    write_ins,
                })
            })
            .collect();
        BallotChoices {
            choices,
            spoiled: self.spoiled,
        }
    }
}

impl Poll {
    /// Parses a ballot as cast against this round's ballot paper: known positions once each,
    /// candidates of that position (a repeated mark counts once), write-ins only where the
    /// round allows them, each a name of 1–50 characters (repeats count once).
    pub fn ballot(&self, cast: &BallotChoices) -> Result<Ballot, BallotError> {
        let mut marks = Vec::new();
        let mut write_ins = Vec::new();
        let mut seen = [false; 3];
        for choice in &cast.choices {
            let col = self
                .column_of(choice.position)
                .ok_or(BallotError::UnknownPosition(choice.position))?;
            if std::mem::replace(&mut seen[col], true) {
                return Err(BallotError::DuplicatePosition(choice.position));
            }
            let p = &self.positions()[col];
            // Columns and indices fit: at most 3 positions, at most 65,535 candidates (Poll::new).
            let col8 = u8::try_from(col).unwrap_or(u8::MAX);
            for id in &choice.candidate_ids {
                let index = p
                    .candidates
                    .iter()
                    .position(|c| &c.candidate_id == id)
                    .and_then(|i| u16::try_from(i).ok())
                    .ok_or_else(|| BallotError::UnknownCandidate {
                        position: p.position,
                        candidate_id: id.clone(),
                    })?;
                marks.push((col8, index));
            }
            if !choice.write_ins.is_empty() && !p.kind.allows_write_ins() {
                return Err(BallotError::WriteInNotAllowed(p.position));
            }
            for name in &choice.write_ins {
                let name = normalise_name(name);
                let chars = name.chars().count();
                if chars == 0 || chars > Ballot::MAX_WRITE_IN_CHARS {
                    return Err(BallotError::InvalidWriteIn(p.position));
                }
                write_ins.push((col8, name.into_boxed_str()));
            }
        }
        marks.sort_unstable();
        marks.dedup();
        write_ins.sort_unstable();
        write_ins.dedup();
        Ok(Ballot {
            spoiled: cast.spoiled,
            marks,
            write_ins,
        })
    }
}
