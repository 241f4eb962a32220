//! Election day: the ballot of a round (R-POLL-DAY, R-SECRET, R-BALLOT-VALID).
//!
//! A [`Poll`] is one round's ballot paper: its positions, seats and candidates in order. A
//! ballot as cast ([`BallotChoices`], API.md's `choices`) is parsed against it once into a
//! compact [`Ballot`]; counting ([`crate::count_round`]) works on those.

mod ballot;
pub(crate) mod write_in;

use serde::{Deserialize, Serialize};
use time::{Date, Duration};

use crate::{
    CandidateId, Contest, PersonKey, Position, RuleId, RuleProfile, Seats, Tally, Text, Violation,
    messages,
};

pub use ballot::{Ballot, BallotChoices, BallotError, BallotVerdict, Choice};
pub use write_in::{WriteInRegister, normalise_name};

/// What a round decides for a position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoundKind {
    /// The first vote, or a revote of a void round: the profile's threshold (R-MAJORITY).
    Regular,
    /// A new round among candidates tied for the last seats: the most votes win (R-TIE).
    TieBreak,
    /// 另行选举 for unfilled seats: the most votes win with at least the additional threshold
    /// (R-ADDITIONAL).
    AdditionalElection,
}

impl RoundKind {
    /// Whether voters may write in someone else (另选他人). Not in a tie-break, which is among
    /// the tied only.
    pub fn allows_write_ins(self) -> bool {
        self != Self::TieBreak
    }
}

/// An official candidate on a ballot.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Candidate {
    /// API.md `candidate_id`.
    pub candidate_id: CandidateId,
    /// The person, the same for all their candidacies.
    pub person: PersonKey,
    /// The name as printed.
    pub name: String,
}

/// One position of a round's ballot.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PollPosition {
    /// The post.
    pub position: Position,
    /// Seats to fill in this round.
    pub seats: Seats,
    /// What this round decides for the post.
    pub kind: RoundKind,
    /// Candidates in ballot order.
    pub candidates: Vec<Candidate>,
}

/// One round's ballot paper: positions highest first, each with seats and candidates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "PollRepr", into = "PollRepr")]
pub struct Poll {
    round: u32,
    positions: Vec<PollPosition>,
}

#[derive(Serialize, Deserialize)]
struct PollRepr {
    round: u32,
    positions: Vec<PollPosition>,
}

/// Why a ballot paper could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PollError {
    /// No position, or a position listed twice.
    #[error("a ballot lists each position once, at least one")]
    Positions,
    /// A position without candidates.
    #[error("position {0} has no candidates")]
    NoCandidates(Position),
    /// A candidate listed twice for one position (same id or same person).
    #[error("a candidate is listed twice for {0}")]
    DuplicateCandidate(Position),
    /// A candidate for a position the contest does not elect.
    #[error("the contest does not elect {0}")]
    UnknownPosition(Position),
    /// More candidates than a ballot can hold (65,535).
    #[error("position {0} has too many candidates")]
    TooManyCandidates(Position),
    /// Round numbers start at 1.
    #[error("rounds are numbered from 1")]
    Round,
}

impl Poll {
    /// Largest number of candidates on one position (ballot marks are 16-bit).
    const MAX_CANDIDATES: usize = u16::MAX as usize;

    /// A round's ballot paper, checked: positions once each (sorted highest first), each with
    /// candidates, no candidate twice.
    pub fn new(round: u32, mut positions: Vec<PollPosition>) -> Result<Self, PollError> {
        if round == 0 {
            return Err(PollError::Round);
        }
        positions.sort_by_key(|p| p.position);
        if positions.is_empty() || positions.windows(2).any(|w| w[0].position == w[1].position) {
            return Err(PollError::Positions);
        }
        for p in &positions {
            if p.candidates.is_empty() {
                return Err(PollError::NoCandidates(p.position));
            }
            if p.candidates.len() > Self::MAX_CANDIDATES {
                return Err(PollError::TooManyCandidates(p.position));
            }
            let mut ids: Vec<&CandidateId> = p.candidates.iter().map(|c| &c.candidate_id).collect();
            let mut persons: Vec<&PersonKey> = p.candidates.iter().map(|c| &c.person).collect();
            ids.sort();
            persons.sort();
            if ids.windows(2).any(|w| w[0] == w[1]) || persons.windows(2).any(|w| w[0] == w[1]) {
                return Err(PollError::DuplicateCandidate(p.position));
            }
        }
        Ok(Self { round, positions })
    }

    /// The first round's ballot from the published candidate list: every position of the
    /// contest, its seats, its candidates in the list's order.
    pub fn first_round(
        contest: &Contest,
        candidates: Vec<(Position, Candidate)>,
    ) -> Result<Self, PollError> {
        if let Some((p, _)) = candidates.iter().find(|(p, _)| contest.seats(*p).is_none()) {
            return Err(PollError::UnknownPosition(*p));
        }
        let mut positions: Vec<PollPosition> = contest
            .positions()
            .iter()
            .map(|ps| PollPosition {
                position: ps.position,
                seats: ps.seats,
                kind: RoundKind::Regular,
                candidates: Vec::new(),
            })
            .collect();
        for (position, candidate) in candidates {
            if let Some(p) = positions.iter_mut().find(|p| p.position == position) {
                p.candidates.push(candidate);
            }
        }
        Self::new(1, positions)
    }

    /// The round number, from 1.
    pub fn round(&self) -> u32 {
        self.round
    }

    /// The positions, highest first.
    pub fn positions(&self) -> &[PollPosition] {
        &self.positions
    }

    /// The ballot of the round that follows `tally` (R-TIE, R-ADDITIONAL, R-RETURNED): the
    /// positions the tally sends to a tie-break or an additional election, with the seats and
    /// candidates it names, or the same ballot again after a void round (`revote`). `None` when
    /// no further round is due. A registered write-in named for the next round gets the
    /// candidate id [`CandidateId::for_write_in`].
    pub fn next_round(&self, tally: &Tally) -> Option<Self> {
        use crate::{NextRound, RoundOutcome};
        let round = self.round.checked_add(1)?;
        match tally.outcome {
            RoundOutcome::Revote => Some(Self {
                round,
                positions: self.positions.clone(),
            }),
            RoundOutcome::NextRound => {
                let positions = tally
                    .positions
                    .iter()
                    .filter_map(|p| {
                        let kind = match p.next_round? {
                            NextRound::TieBreak => RoundKind::TieBreak,
                            NextRound::AdditionalElection => RoundKind::AdditionalElection,
                            NextRound::Revote => return None,
                        };
                        let candidates = p
                            .next_round_candidates
                            .iter()
                            .map(|c| Candidate {
                                candidate_id: c
                                    .candidate_id
                                    .clone()
                                    .unwrap_or_else(|| CandidateId::for_write_in(&c.person)),
                                person: c.person.clone(),
                                name: c.name.clone(),
                            })
                            .collect();
                        Some(PollPosition {
                            position: p.position,
                            seats: Seats::new(p.next_round_seats).ok()?,
                            kind,
                            candidates,
                        })
                    })
                    .collect();
                Self::new(round, positions).ok()
            }
            RoundOutcome::Concluded | RoundOutcome::ContestFailed => None,
        }
    }

    /// Index of a position on this ballot.
    pub(crate) fn column_of(&self, position: Position) -> Option<usize> {
        self.positions.iter().position(|p| p.position == position)
    }
}

impl TryFrom<PollRepr> for Poll {
    type Error = PollError;
    fn try_from(r: PollRepr) -> Result<Self, Self::Error> {
        Self::new(r.round, r.positions)
    }
}

impl From<Poll> for PollRepr {
    fn from(p: Poll) -> Self {
        Self {
            round: p.round,
            positions: p.positions,
        }
    }
}

/// R-POLL-DAY (with R-CAND-PUBLISH): whether a round's poll may open on `today` (the
/// election's clock). The first round needs election day itself and a candidate list published
/// at least the profile's days before; later rounds (tie-break, additional election, revote)
/// follow on election day or after. Refusals: `poll.not_election_day`,
/// `poll.list_not_published`, `candidates.too_late`.
pub fn check_poll_opening(
    round: u32,
    today: Date,
    election_day: Date,
    list_published_on: Option<Date>,
    profile: &RuleProfile,
) -> Result<(), Vec<Violation>> {
    let mut violations = Vec::new();
    let on_time = if round <= 1 {
        today == election_day
    } else {
        today >= election_day
    };
    if !on_time {
        violations.push(Violation::rule(
            "poll.not_election_day",
            RuleId::PollDay,
            messages::poll_not_election_day(election_day),
        ));
    }
    let latest = election_day - Duration::days(i64::from(profile.candidate_list_min_days));
    match list_published_on {
        None => violations.push(Violation::rule(
            "poll.list_not_published",
            RuleId::CandPublish,
            messages::poll_list_not_published(),
        )),
        Some(day) if day > latest => violations.push(Violation::rule(
            "candidates.too_late",
            RuleId::CandPublish,
            messages::candidates_too_late(profile.candidate_list_min_days, latest),
        )),
        Some(_) => {}
    }
    if violations.is_empty() {
        Ok(())
    } else {
        Err(violations)
    }
}

/// The name of a round kind, for people.
impl RoundKind {
    /// In zh and en.
    pub fn name(self) -> Text {
        messages::round_kind(self)
    }
}
