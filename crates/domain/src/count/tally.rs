//! The result of counting one round, shaped so that its JSON is API.md's tally (plus fields
//! that explain each decision).

use serde::{Deserialize, Serialize};

use crate::{CandidateId, Digest, PersonKey, Position, RoundKind, RuleId, Text, Threshold};

/// The counts of a round the service records at the venue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RoundFacts {
    /// 应到: the contest's electorate (R-ELECTORATE).
    pub electorate: u64,
    /// 实到: electors checked in for this round.
    pub checked_in: u64,
    /// 发出: ballots handed out.
    pub ballots_issued: u64,
    /// 收回: ballots found in the box(es). Equal to the number of ballots counted, unless
    /// more came back than were issued, which voids the round before any ballot is read.
    pub ballots_returned: u64,
}

/// Why a round is not valid (API.md `failure`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoundFailure {
    /// R-QUORUM: too few ballots cast.
    QuorumNotMet,
    /// R-RETURNED: more ballots returned than issued.
    MoreBallotsThanIssued,
}

/// What a position needs next (API.md `next_round`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NextRound {
    /// R-TIE: a new round among the tied.
    TieBreak,
    /// R-ADDITIONAL: 另行选举 for the unfilled seats.
    AdditionalElection,
    /// R-RETURNED: the void round is held again.
    Revote,
}

/// Where the contest stands after this round.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoundOutcome {
    /// Nothing further: every seat is filled or left vacant (R-ADDITIONAL).
    Concluded,
    /// At least one position goes to a tie-break or an additional election.
    NextRound,
    /// The round is void and held again (R-RETURNED, `revote`).
    Revote,
    /// The contest has failed: quorum not met (R-QUORUM), or the election is void
    /// (R-RETURNED, `void_election`). The community's election is held again.
    ContestFailed,
}

/// Why a candidate or write-in was or was not elected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryDecision {
    /// Elected.
    Elected,
    /// Fewer votes than the round's threshold.
    BelowThreshold,
    /// Reached the threshold but others with more votes took the seats.
    Outranked,
    /// Tied for the last seats: goes to a tie-break.
    Tied,
    /// Elected to a higher post in this round: counts there only.
    ElectedToHigherPost,
    /// A write-in matching no registered voter: counted, cannot be elected.
    NotRegistered,
    /// A write-in whose name several registered voters share: counted, cannot be elected.
    AmbiguousName,
    /// The round was not counted.
    NotCounted,
}

/// A finding of the count: which rule decided what, in words.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Finding {
    /// The rule.
    pub rule: RuleId,
    /// What it decided, in zh and en.
    pub message: Text,
}

/// A candidate's result (API.md `{"candidate_id","name","votes","elected"}`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CandidateTally {
    /// API.md `candidate_id`.
    pub candidate_id: CandidateId,
    /// The name as printed.
    pub name: String,
    /// Votes counted for this post, roll-down included.
    pub votes: u64,
    /// Of which rolled down from a higher post (roll-down profiles only).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub rolled_down_votes: u64,
    /// Elected in this round.
    pub elected: bool,
    /// Why.
    pub decision: EntryDecision,
    /// The rule that decided.
    pub rule: RuleId,
}

/// A written-in person's result (API.md `{"name","votes","elected","registered"}`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct WriteInTally {
    /// The name as written (normalised).
    pub name: String,
    /// Votes.
    pub votes: u64,
    /// Matches a registered voter of the community.
    pub registered: bool,
    /// Matches exactly one registered voter and so may be elected.
    pub electable: bool,
    /// The matched person, when electable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person: Option<PersonKey>,
    /// Elected in this round.
    pub elected: bool,
    /// Why.
    pub decision: EntryDecision,
    /// The rule that decided.
    pub rule: RuleId,
}

/// Someone on the next round's ballot for a position.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct NextRoundCandidate {
    /// The candidate id; `None` for a registered write-in.
    pub candidate_id: Option<CandidateId>,
    /// The person.
    pub person: PersonKey,
    /// The name.
    pub name: String,
    /// Votes in this round, which placed them on the list.
    pub votes: u64,
}

/// One position's result (API.md `positions[]`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PositionTally {
    /// The post.
    pub position: Position,
    /// Seats contested in this round.
    pub seats: u32,
    /// What this round decided for the post.
    pub kind: RoundKind,
    /// The threshold applied; `None` in a tie-break, where the most votes win.
    pub threshold: Option<Threshold>,
    /// The fewest votes that could be elected (0 in a tie-break or an uncounted round).
    pub threshold_votes: u64,
    /// Ballots valid for this post (blank included).
    pub valid_columns: u64,
    /// Ballots void for this post (over-voted, spoiled, or wholly invalid).
    pub invalid_columns: u64,
    /// Ballots valid for this post that mark nobody for it.
    pub blank_columns: u64,
    /// Candidates in ballot order.
    pub candidates: Vec<CandidateTally>,
    /// Written-in people, most votes first.
    pub write_ins: Vec<WriteInTally>,
    /// Seats not filled in this round.
    pub unfilled_seats: u32,
    /// What follows for this post.
    pub next_round: Option<NextRound>,
    /// Seats the next round contests (0 when none follows).
    pub next_round_seats: u32,
    /// Who stands in the next round, in order of this round's votes.
    pub next_round_candidates: Vec<NextRoundCandidate>,
    /// How the rules decided this post.
    pub findings: Vec<Finding>,
}

/// The tally of one round (API.md `GET /polls/{id}/tally`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Tally {
    /// Round number, from 1.
    pub round: u32,
    /// The round is valid (quorum met, no more ballots returned than issued).
    pub valid: bool,
    /// Why it is not.
    pub failure: Option<RoundFailure>,
    /// Where the contest stands.
    pub outcome: RoundOutcome,
    /// 应到.
    pub electorate: u64,
    /// 实到.
    pub checked_in: u64,
    /// 发出.
    pub ballots_issued: u64,
    /// 收回 = 所投票数, the base of R-QUORUM and of the default threshold.
    pub ballots_returned: u64,
    /// Ballots valid for at least one position (blank included).
    pub valid_ballots: u64,
    /// Ballots void for every position, or spoiled.
    pub invalid_ballots: u64,
    /// Ballots marking nobody (counted as cast and as valid).
    pub blank_ballots: u64,
    /// Ballots the quorum required.
    pub quorum_votes: u64,
    /// Each position of the ballot.
    pub positions: Vec<PositionTally>,
    /// How the rules decided the round.
    pub findings: Vec<Finding>,
    /// The digest of the ballots counted ([`crate::ballots_digest`]).
    pub ballots_digest: Digest,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// Someone elected in a round.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Elected {
    /// The post.
    pub position: Position,
    /// The candidate id; `None` for a write-in.
    pub candidate_id: Option<CandidateId>,
    /// The person, for a write-in.
    pub person: Option<PersonKey>,
    /// The name.
    pub name: String,
    /// Votes.
    pub votes: u64,
    /// The round.
    pub round: u32,
}

impl Tally {
    /// Everyone elected in this round, highest post first.
    pub fn elected(&self) -> Vec<Elected> {
        let mut out = Vec::new();
        for p in &self.positions {
            for c in p.candidates.iter().filter(|c| c.elected) {
                out.push(Elected {
                    position: p.position,
                    candidate_id: Some(c.candidate_id.clone()),
                    person: None,
                    name: c.name.clone(),
                    votes: c.votes,
                    round: self.round,
                });
            }
            for w in p.write_ins.iter().filter(|w| w.elected) {
                out.push(Elected {
                    position: p.position,
                    candidate_id: None,
                    person: w.person.clone(),
                    name: w.name.clone(),
                    votes: w.votes,
                    round: self.round,
                });
            }
        }
        out
    }

    /// The tally of one position.
    pub fn position(&self, position: Position) -> Option<&PositionTally> {
        self.positions.iter().find(|p| p.position == position)
    }
}
