//! The identifiers of the rules in DOMAIN.md (`R-…`). Every decision of this crate names the
//! rule that made it, so a service can show or store why something happened.

use serde::{Deserialize, Serialize};

/// A rule of DOMAIN.md. Serialised as its identifier, e.g. `"R-ELIG-AGE"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum RuleId {
    /// Districts contain streets, streets communities, communities resident groups.
    #[serde(rename = "R-AREA")]
    Area,
    /// Kinds, modes and methods of an election; one contest per community with its positions.
    #[serde(rename = "R-ELECTION")]
    Election,
    /// A five-year term; a by-elected member serves the rest of it.
    #[serde(rename = "R-TERM")]
    Term,
    /// Voters are aged 18 or over on election day.
    #[serde(rename = "R-VOTER-AGE")]
    VoterAge,
    /// Who is in the electorate under each method.
    #[serde(rename = "R-ELECTORATE")]
    Electorate,
    /// The electorate is published before election day and then frozen.
    #[serde(rename = "R-ROLL-PUBLISH")]
    RollPublish,
    /// Who may nominate, and how many nominators each method needs.
    #[serde(rename = "R-NOM-METHOD")]
    NomMethod,
    /// Nominations only inside the nomination window.
    #[serde(rename = "R-NOM-WINDOW")]
    NomWindow,
    /// One nomination per person per position per contest.
    #[serde(rename = "R-NOM-DUP")]
    NomDup,
    /// Age limit of a newly nominated member.
    #[serde(rename = "R-ELIG-AGE")]
    EligAge,
    /// Statutory retirement age.
    #[serde(rename = "R-ELIG-RETIRE")]
    EligRetire,
    /// Education or social-work qualification.
    #[serde(rename = "R-ELIG-EDU")]
    EligEdu,
    /// Street or community work experience.
    #[serde(rename = "R-ELIG-EXP")]
    EligExp,
    /// Residence in the community.
    #[serde(rename = "R-ELIG-RES")]
    EligRes,
    /// The ten disqualifying situations.
    #[serde(rename = "R-ELIG-DISQ")]
    EligDisq,
    /// Community → street → district review.
    #[serde(rename = "R-REV-ORDER")]
    RevOrder,
    /// The candidate list is published days before election day.
    #[serde(rename = "R-CAND-PUBLISH")]
    CandPublish,
    /// Candidates per position; competition (差额).
    #[serde(rename = "R-CAND-COUNT")]
    CandCount,
    /// Candidates may not serve on the counting staff.
    #[serde(rename = "R-CAND-STAFF")]
    CandStaff,
    /// Voting on election day, in person, once per round.
    #[serde(rename = "R-POLL-DAY")]
    PollDay,
    /// Secret ballot.
    #[serde(rename = "R-SECRET")]
    Secret,
    /// Validity of a ballot and of each of its positions.
    #[serde(rename = "R-BALLOT-VALID")]
    BallotValid,
    /// More ballots returned than issued voids the round.
    #[serde(rename = "R-RETURNED")]
    Returned,
    /// A round is valid only with enough ballots cast.
    #[serde(rename = "R-QUORUM")]
    Quorum,
    /// Elected with more than half of the ballots cast, in order of votes.
    #[serde(rename = "R-MAJORITY")]
    Majority,
    /// A tie for the last seats goes to a new round among the tied.
    #[serde(rename = "R-TIE")]
    Tie,
    /// Unfilled seats go to an additional election (另行选举).
    #[serde(rename = "R-ADDITIONAL")]
    Additional,
    /// Results announced on the spot; certificates.
    #[serde(rename = "R-ANNOUNCE")]
    Announce,
    /// The results report form.
    #[serde(rename = "R-REPORT")]
    Report,
    /// The structure of the committees.
    #[serde(rename = "R-STRUCTURE")]
    Structure,
}

impl RuleId {
    /// The identifier as written in DOMAIN.md, e.g. `R-ELIG-AGE`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Area => "R-AREA",
            Self::Election => "R-ELECTION",
            Self::Term => "R-TERM",
            Self::VoterAge => "R-VOTER-AGE",
            Self::Electorate => "R-ELECTORATE",
            Self::RollPublish => "R-ROLL-PUBLISH",
            Self::NomMethod => "R-NOM-METHOD",
            Self::NomWindow => "R-NOM-WINDOW",
            Self::NomDup => "R-NOM-DUP",
            Self::EligAge => "R-ELIG-AGE",
            Self::EligRetire => "R-ELIG-RETIRE",
            Self::EligEdu => "R-ELIG-EDU",
            Self::EligExp => "R-ELIG-EXP",
            Self::EligRes => "R-ELIG-RES",
            Self::EligDisq => "R-ELIG-DISQ",
            Self::RevOrder => "R-REV-ORDER",
            Self::CandPublish => "R-CAND-PUBLISH",
            Self::CandCount => "R-CAND-COUNT",
            Self::CandStaff => "R-CAND-STAFF",
            Self::PollDay => "R-POLL-DAY",
            Self::Secret => "R-SECRET",
            Self::BallotValid => "R-BALLOT-VALID",
            Self::Returned => "R-RETURNED",
            Self::Quorum => "R-QUORUM",
            Self::Majority => "R-MAJORITY",
            Self::Tie => "R-TIE",
            Self::Additional => "R-ADDITIONAL",
            Self::Announce => "R-ANNOUNCE",
            Self::Report => "R-REPORT",
            Self::Structure => "R-STRUCTURE",
        }
    }
}

impl std::fmt::Display for RuleId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a service should answer a refusal of this crate: the HTTP family it maps to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Refusal {
    /// The caller's role may not do this (403).
    Forbidden,
    /// The object's state does not allow it (409).
    Conflict,
    /// It breaks an election rule (422).
    Rule,
}
