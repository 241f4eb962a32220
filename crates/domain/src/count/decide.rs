//! Deciding each position of a counted round (R-MAJORITY, R-TIE, R-ADDITIONAL): who reaches the
//! threshold, who takes the seats, who goes to a tie-break or an additional election, what stays
//! vacant — and a finding for each, naming the rule.

use std::collections::HashSet;

use super::ballots::{ColumnCount, Counts, WriteInKey};
use super::seats::{self, Allocation, Contender};
use super::{
    CandidateTally, EntryDecision, Finding, NextRound, NextRoundCandidate, PositionTally,
    RoundFacts, WriteInTally,
};
use crate::{
    PersonKey, Poll, PollPosition, RoundKind, RuleId, RuleProfile, Threshold, ThresholdBase,
    messages,
};

/// A position's contenders: its candidates, then its written-in people (most votes first).
struct Field<'a> {
    poll_position: &'a PollPosition,
    write_ins: Vec<(WriteInKey, u64, String)>,
    rolled_down: Vec<u64>,
    contenders: Vec<Contender>,
    threshold: Option<Threshold>,
    threshold_votes: u64,
    allocation: Allocation,
}

impl Field<'_> {
    fn person(&self, i: usize) -> Option<&PersonKey> {
        let n = self.poll_position.candidates.len();
        if i < n {
            Some(&self.poll_position.candidates[i].person)
        } else {
            match &self.write_ins[i - n].0 {
                WriteInKey::Person(p) => Some(p),
                _ => None,
            }
        }
    }

    fn name(&self, i: usize) -> &str {
        let n = self.poll_position.candidates.len();
        if i < n {
            &self.poll_position.candidates[i].name
        } else {
            &self.write_ins[i - n].2
        }
    }
}

/// The threshold of a round kind and the number of votes it asks for (never below one vote,
/// except in a tie-break, where the most votes win).
fn threshold_for(
    kind: RoundKind,
    column: &ColumnCount,
    facts: &RoundFacts,
    profile: &RuleProfile,
) -> (Option<Threshold>, u64) {
    let threshold = match kind {
        RoundKind::Regular => profile.threshold,
        RoundKind::AdditionalElection => profile.additional_threshold,
        RoundKind::TieBreak => return (None, 0),
    };
    let base = match threshold.of {
        ThresholdBase::Cast => facts.ballots_returned,
        ThresholdBase::Valid => column.valid,
        ThresholdBase::Electorate => facts.electorate,
    };
    (Some(threshold), threshold.share.min_count(base).max(1))
}

pub(super) fn decide_positions(
    poll: &Poll,
    counts: &Counts,
    facts: &RoundFacts,
    profile: &RuleProfile,
    elected_before: &[PersonKey],
) -> Vec<PositionTally> {
    let positions = poll.positions();
    // R-BALLOT-VALID: one person holds one post, also across rounds.
    let mut elected_persons: HashSet<PersonKey> = elected_before.iter().cloned().collect();
    let mut fields: Vec<Field<'_>> = Vec::new();
    for (col, pp) in positions.iter().enumerate() {
        let column = &counts.columns[col];
        let mut write_ins: Vec<(WriteInKey, u64, String)> = column
            .write_ins
            .iter()
            .map(|(k, v)| (k.clone(), v.votes, v.name.to_string()))
            .collect();
        write_ins.sort_by(|a, b| {
            b.1.cmp(&a.1)
                .then_with(|| a.2.cmp(&b.2))
                .then_with(|| a.0.cmp(&b.0))
        });
        let votes = column.votes.clone();
        let mut rolled_down = vec![0u64; votes.len()];
        if profile.roll_down && pp.kind == RoundKind::Regular {
            // R-MAJORITY roll-down: votes for a higher post count here for someone not elected there.
            for (i, c) in pp.candidates.iter().enumerate() {
                if elected_persons.contains(&c.person) {
                    continue;
                }
                for (h, higher) in positions[..col].iter().enumerate() {
                    if higher.kind != RoundKind::Regular {
                        continue;
                    }
                    if let Some(j) = higher.candidates.iter().position(|x| x.person == c.person) {
                        rolled_down[i] += counts.columns[h].votes[j];
                    }
                }
            }
        }
        let mut contenders: Vec<Contender> = pp
            .candidates
            .iter()
            .enumerate()
            .map(|(i, c)| Contender {
                votes: votes[i] + rolled_down[i],
                electable: true,
                ranked: !elected_persons.contains(&c.person),
            })
            .collect();
        contenders.extend(write_ins.iter().map(|(key, v, _)| {
            let higher = matches!(key, WriteInKey::Person(p) if elected_persons.contains(p));
            Contender {
                votes: *v,
                electable: matches!(key, WriteInKey::Person(_)),
                ranked: !higher,
            }
        }));
        let (threshold, threshold_votes) = threshold_for(pp.kind, column, facts, profile);
        let allocation = seats::allocate(&contenders, pp.seats.get(), threshold_votes);
        let field = Field {
            poll_position: pp,
            write_ins,
            rolled_down,
            contenders,
            threshold,
            threshold_votes,
            allocation,
        };
        for &i in &field.allocation.elected {
            if let Some(p) = field.person(i) {
                elected_persons.insert(p.clone());
            }
        }
        fields.push(field);
    }
    fields
        .iter()
        .enumerate()
        .map(|(col, f)| position_tally(f, &counts.columns[col], &elected_persons, profile))
        .collect()
}

fn position_tally(
    f: &Field<'_>,
    column: &ColumnCount,
    elected_persons: &HashSet<PersonKey>,
    profile: &RuleProfile,
) -> PositionTally {
    let pp = f.poll_position;
    let kind = pp.kind;
    let seats = pp.seats.get();
    let a = &f.allocation;
    let elected_count = u32::try_from(a.elected.len()).unwrap_or(u32::MAX);
    let unfilled_seats = seats.saturating_sub(elected_count);
    let deciding_rule = match kind {
        RoundKind::Regular => RuleId::Majority,
        RoundKind::AdditionalElection => RuleId::Additional,
        RoundKind::TieBreak => RuleId::Tie,
    };
    let decision = |i: usize| -> (EntryDecision, RuleId) {
        let c = &f.contenders[i];
        if !c.ranked {
            (EntryDecision::ElectedToHigherPost, RuleId::BallotValid)
        } else if a.elected.contains(&i) {
            (EntryDecision::Elected, deciding_rule)
        } else if a.tied.contains(&i) {
            (EntryDecision::Tied, RuleId::Tie)
        } else if !c.electable {
            let n = pp.candidates.len();
            match f.write_ins.get(i.wrapping_sub(n)).map(|w| &w.0) {
                Some(WriteInKey::Ambiguous(_)) => {
                    (EntryDecision::AmbiguousName, RuleId::BallotValid)
                }
                _ => (EntryDecision::NotRegistered, RuleId::BallotValid),
            }
        } else if c.votes < f.threshold_votes {
            (EntryDecision::BelowThreshold, deciding_rule)
        } else {
            (EntryDecision::Outranked, deciding_rule)
        }
    };
    let n = pp.candidates.len();
    let candidates: Vec<CandidateTally> = pp
        .candidates
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let (decision, rule) = decision(i);
            CandidateTally {
                candidate_id: c.candidate_id.clone(),
                name: c.name.clone(),
                votes: f.contenders[i].votes,
                rolled_down_votes: f.rolled_down[i],
                elected: decision == EntryDecision::Elected,
                decision,
                rule,
            }
        })
        .collect();
    let write_ins: Vec<WriteInTally> = f
        .write_ins
        .iter()
        .enumerate()
        .map(|(k, (key, votes, name))| {
            let (decision, rule) = decision(n + k);
            WriteInTally {
                name: name.clone(),
                votes: *votes,
                registered: !matches!(key, WriteInKey::Unregistered(_)),
                electable: matches!(key, WriteInKey::Person(_)),
                person: match key {
                    WriteInKey::Person(p) => Some(p.clone()),
                    _ => None,
                },
                elected: decision == EntryDecision::Elected,
                decision,
                rule,
            }
        })
        .collect();

    let mut findings = vec![Finding {
        rule: deciding_rule,
        message: messages::threshold_finding(kind, f.threshold, f.threshold_votes, seats),
    }];
    for &i in &a.elected {
        findings.push(Finding {
            rule: deciding_rule,
            message: messages::elected(f.name(i), f.contenders[i].votes),
        });
    }
    for &i in &a.seat_lost_to {
        findings.push(Finding {
            rule: RuleId::BallotValid,
            message: messages::seat_lost_to_write_in(f.name(i), f.contenders[i].votes),
        });
    }

    let next_candidate = |i: usize| NextRoundCandidate {
        candidate_id: pp.candidates.get(i).map(|c| c.candidate_id.clone()),
        person: f.person(i).cloned().unwrap_or_else(|| PersonKey::new("")),
        name: f.name(i).to_owned(),
        votes: f.contenders[i].votes,
    };
    // R-TIE sends the tied to a tie-break for the seats they tie for; when more seats than
    // those stay unfilled (a seat lost to an unregistered write-in as well), a tie-break alone
    // would leave the others unaccounted for, so the additional election (R-ADDITIONAL) takes
    // all the unfilled seats, the tied among its candidates.
    let tie_break =
        !a.tied.is_empty() && (unfilled_seats <= a.tie_seats || kind != RoundKind::Regular);
    let (next_round, next_round_seats, next_round_candidates) = if tie_break {
        let names: Vec<&str> = a.tied.iter().map(|&i| f.name(i)).collect();
        findings.push(Finding {
            rule: RuleId::Tie,
            message: messages::tie(&names, f.contenders[a.tied[0]].votes, a.tie_seats),
        });
        (
            Some(NextRound::TieBreak),
            a.tie_seats,
            a.tied.iter().map(|&i| next_candidate(i)).collect(),
        )
    } else if unfilled_seats > 0 && kind == RoundKind::Regular {
        let unelected: Vec<(usize, u64)> = (0..f.contenders.len())
            .filter(|&i| {
                let c = &f.contenders[i];
                c.electable && c.ranked && f.person(i).is_some_and(|p| !elected_persons.contains(p))
            })
            .map(|i| (i, f.contenders[i].votes))
            .collect();
        let size = unfilled_seats as usize + profile.additional_extra_candidates as usize;
        let list = seats::top_with_ties(unelected, size);
        if list.is_empty() {
            findings.push(Finding {
                rule: RuleId::Additional,
                message: messages::vacant(unfilled_seats, profile.vacancy_election_within_months),
            });
            (None, 0, Vec::new())
        } else {
            let names: Vec<&str> = list.iter().map(|&(i, _)| f.name(i)).collect();
            findings.push(Finding {
                rule: RuleId::Additional,
                message: messages::additional_election(
                    unfilled_seats,
                    &names,
                    profile.additional_threshold,
                ),
            });
            (
                Some(NextRound::AdditionalElection),
                unfilled_seats,
                list.iter().map(|&(i, _)| next_candidate(i)).collect(),
            )
        }
    } else {
        if unfilled_seats > 0 {
            findings.push(Finding {
                rule: RuleId::Additional,
                message: messages::vacant(unfilled_seats, profile.vacancy_election_within_months),
            });
        }
        (None, 0, Vec::new())
    };

    PositionTally {
        position: pp.position,
        seats,
        kind,
        threshold: f.threshold,
        threshold_votes: f.threshold_votes,
        valid_columns: column.valid,
        invalid_columns: column.invalid,
        blank_columns: column.blank,
        candidates,
        write_ins,
        unfilled_seats,
        next_round,
        next_round_seats,
        next_round_candidates,
        findings,
    }
}
