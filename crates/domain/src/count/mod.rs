//! Counting a round (计票): R-RETURNED, R-QUORUM, R-BALLOT-VALID, R-MAJORITY, R-TIE,
//! R-ADDITIONAL.
//!
//! In order: more ballots returned than issued voids the round (revote, or a void election);
//! a round whose ballots cast are not more than half of the electorate (or the profile's
//! quorum) fails and ends the contest; otherwise every ballot is read, and each position's
//! seats go to those with the most votes who reach the round's threshold. Ties for the last
//! seats go to a tie-break among the tied; seats left unfilled go to an additional election
//! (另行选举) among the unelected with the most votes; seats still unfilled after it stay
//! vacant. Later rounds take the previous tally through [`crate::Poll::next_round`].

mod ballots;
mod decide;
mod seats;
mod tally;

use crate::PersonKey;
use decide::decide_positions;

use crate::{
    Ballot, Poll, PollPosition, ReturnedOverIssued, RuleId, RuleProfile, WriteInRegister,
    ballots_digest, messages,
};

pub use tally::{
    CandidateTally, Elected, EntryDecision, Finding, NextRound, NextRoundCandidate, PositionTally,
    RoundFacts, RoundFailure, RoundOutcome, Tally, WriteInTally,
};

/// Why a round could not be counted: the service passed inconsistent input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CountError {
    /// The number of ballots differs from `ballots_returned`.
    #[error("{ballots} ballots were given but {returned} were recorded as returned")]
    ReturnedMismatch {
        /// Recorded as returned.
        returned: u64,
        /// Given.
        ballots: u64,
    },
    /// A ballot made with another poll.
    #[error("a ballot does not belong to this poll")]
    ForeignBallot,
}

impl CountError {
    /// The stable code: `tally.returned_mismatch`, `tally.foreign_ballot`.
    pub fn code(self) -> &'static str {
        match self {
            Self::ReturnedMismatch { .. } => "tally.returned_mismatch",
            Self::ForeignBallot => "tally.foreign_ballot",
        }
    }
}

/// Counts one round of a contest. `ballots` are every ballot returned, parsed with `poll`
/// ([`Poll::ballot`]); `register` matches write-ins; `profile` is the election's effective
/// profile. The tally explains every decision with the rule that made it.
pub fn count_round(
    poll: &Poll,
    facts: &RoundFacts,
    ballots: &[Ballot],
    register: &WriteInRegister,
    profile: &RuleProfile,
) -> Result<Tally, CountError> {
    count_later_round(poll, facts, ballots, register, profile, &[])
}

/// Counts a round after earlier ones (R-TIE, R-ADDITIONAL): `elected_before` are the people
/// the contest's earlier rounds elected, who cannot be elected to a second post (a vote for
/// one of them, written in or as a candidate of a tie-break, elects nobody). Round 1 passes
/// none ([`count_round`]).
pub fn count_later_round(
    poll: &Poll,
    facts: &RoundFacts,
    ballots: &[Ballot],
    register: &WriteInRegister,
    profile: &RuleProfile,
    elected_before: &[PersonKey],
) -> Result<Tally, CountError> {
    let digest = ballots_digest(poll, ballots);
    let mut tally = Tally {
        round: poll.round(),
        valid: false,
        failure: None,
        outcome: RoundOutcome::ContestFailed,
        electorate: facts.electorate,
        checked_in: facts.checked_in,
        ballots_issued: facts.ballots_issued,
        ballots_returned: facts.ballots_returned,
        valid_ballots: 0,
        invalid_ballots: 0,
        blank_ballots: 0,
        quorum_votes: profile.quorum.min_count(facts.electorate),
        positions: Vec::new(),
        findings: Vec::new(),
        ballots_digest: digest,
    };

    // R-RETURNED
    if facts.ballots_returned > facts.ballots_issued {
        let revote = profile.returned_over_issued == ReturnedOverIssued::Revote;
        tally.failure = Some(RoundFailure::MoreBallotsThanIssued);
        tally.outcome = if revote {
            RoundOutcome::Revote
        } else {
            RoundOutcome::ContestFailed
        };
        tally.findings.push(Finding {
            rule: RuleId::Returned,
            message: messages::returned_over_issued(facts, profile.returned_over_issued),
        });
        let next = revote.then_some(NextRound::Revote);
        tally.positions = poll
            .positions()
            .iter()
            .map(|p| uncounted(p, next, RuleId::Returned))
            .collect();
        return Ok(tally);
    }
    let given = u64::try_from(ballots.len()).unwrap_or(u64::MAX);
    if given != facts.ballots_returned {
        return Err(CountError::ReturnedMismatch {
            returned: facts.ballots_returned,
            ballots: given,
        });
    }
    tally.findings.push(Finding {
        rule: RuleId::Returned,
        message: messages::returned_within_issued(facts),
    });

    // R-QUORUM
    let quorum_met = profile
        .quorum
        .is_met(facts.ballots_returned, facts.electorate);
    tally.findings.push(Finding {
        rule: RuleId::Quorum,
        message: messages::quorum(facts, profile.quorum, tally.quorum_votes, quorum_met),
    });
    if !quorum_met {
        tally.failure = Some(RoundFailure::QuorumNotMet);
        tally.positions = poll
            .positions()
            .iter()
            .map(|p| uncounted(p, None, RuleId::Quorum))
            .collect();
        return Ok(tally);
    }

    // R-BALLOT-VALID
    let counts = ballots::count_ballots(poll, ballots, register, profile)?;
    tally.valid = true;
    tally.valid_ballots = counts.valid_ballots;
    tally.invalid_ballots = counts.invalid_ballots;
    tally.blank_ballots = counts.blank_ballots;
    tally.findings.push(Finding {
        rule: RuleId::BallotValid,
        message: messages::ballots_read(
            counts.valid_ballots,
            counts.invalid_ballots,
            counts.blank_ballots,
        ),
    });
    tally.positions = decide_positions(poll, &counts, facts, profile, elected_before);
    tally.outcome = if tally.positions.iter().any(|p| p.next_round.is_some()) {
        RoundOutcome::NextRound
    } else {
        RoundOutcome::Concluded
    };
    Ok(tally)
}

/// A position of a round that was not counted.
fn uncounted(p: &PollPosition, next_round: Option<NextRound>, rule: RuleId) -> PositionTally {
    PositionTally {
        position: p.position,
        seats: p.seats.get(),
        kind: p.kind,
        threshold: None,
        threshold_votes: 0,
        valid_columns: 0,
        invalid_columns: 0,
        blank_columns: 0,
        candidates: p
            .candidates
            .iter()
            .map(|c| CandidateTally {
                candidate_id: c.candidate_id.clone(),
                name: c.name.clone(),
                votes: 0,
                rolled_down_votes: 0,
                elected: false,
                decision: EntryDecision::NotCounted,
                rule,
            })
            .collect(),
        write_ins: Vec::new(),
        unfilled_seats: p.seats.get(),
        next_round,
        next_round_seats: if next_round.is_some() {
            p.seats.get()
        } else {
            0
        },
        next_round_candidates: Vec::new(),
        findings: Vec::new(),
    }
}
