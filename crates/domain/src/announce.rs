//! The result of a contest across its rounds, for the announcement and the report form
//! (R-ANNOUNCE, R-REPORT).

use serde::{Deserialize, Serialize};

use crate::{Elected, Position, RoundOutcome, Tally, Text, messages};

/// Where a contest stands after its rounds so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContestStatus {
    /// Every seat is filled or left vacant: the result can be announced.
    Concluded,
    /// Another round is due.
    Pending,
    /// The contest failed (quorum not met, or the election void): it is held again.
    Failed,
}

/// Seats that stay vacant after the additional election (R-ADDITIONAL).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Vacancy {
    /// The post.
    pub position: Position,
    /// Seats left vacant.
    pub seats: u32,
}

/// A contest's result (R-ANNOUNCE): who was elected, in which round, and what stays vacant.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ContestResult {
    /// Where it stands.
    pub status: ContestStatus,
    /// Everyone elected, in the order of the rounds, highest post first within a round.
    pub elected: Vec<Elected>,
    /// Seats left vacant once concluded.
    pub vacancies: Vec<Vacancy>,
    /// The last counted round: its counts are the report form's (API.md).
    pub deciding_round: Option<u32>,
}

/// The result of a contest from its tallies, oldest first (R-ANNOUNCE, R-REPORT).
pub fn contest_result(rounds: &[Tally]) -> ContestResult {
    let status = match rounds.last().map(|t| t.outcome) {
        Some(RoundOutcome::Concluded) => ContestStatus::Concluded,
        Some(RoundOutcome::ContestFailed) => ContestStatus::Failed,
        Some(RoundOutcome::NextRound | RoundOutcome::Revote) | None => ContestStatus::Pending,
    };
    let elected: Vec<Elected> = rounds.iter().flat_map(Tally::elected).collect();
    let vacancies = match (status, rounds.first()) {
        (ContestStatus::Concluded, Some(first)) => first
            .positions
            .iter()
            .filter_map(|p| {
                let filled = elected.iter().filter(|e| e.position == p.position).count();
                let left = p
                    .seats
                    .saturating_sub(u32::try_from(filled).unwrap_or(u32::MAX));
                (left > 0).then_some(Vacancy {
                    position: p.position,
                    seats: left,
                })
            })
            .collect(),
        _ => Vec::new(),
    };
    ContestResult {
        status,
        elected,
        vacancies,
        deciding_round: rounds.iter().rev().find(|t| t.valid).map(|t| t.round),
    }
}

/// An election certificate number (当选证书编号, R-ANNOUNCE): `<year>-<area code>-<sequence>`,
/// e.g. `2024-220102-0001`; ASCII, safe in a URL path, unique per area and year.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CertificateNo(String);

impl CertificateNo {
    /// The number for a year, an area code (1–12 ASCII letters or digits) and a sequence
    /// (1–9999 shown with four digits, more digits beyond).
    pub fn new(year: i32, area_code: &str, sequence: u32) -> Option<Self> {
        let code_ok = (1..=12).contains(&area_code.len())
            && area_code.bytes().all(|b| b.is_ascii_alphanumeric());
        ((1000..=9999).contains(&year) && code_ok && sequence > 0)
            .then(|| Self(format!("{year}-{area_code}-{sequence:04}")))
    }

    /// The number.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// What the certificate says, in zh and en: who, which post.
    pub fn wording(name: &str, position: Position) -> Text {
        messages::certificate(name, position)
    }
}

impl std::fmt::Display for CertificateNo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
