//! # Juxuan's election rules (居选 · 选举规则)
//!
//! The rules that decide who may vote, who may stand, who reviews, and who is elected in the
//! elections and by-elections of urban community residents' committees (社区居民委员会换届选举
//! 和补选). Plain Rust: no I/O, no async, no clock — the caller passes dates from the election's
//! own clock. Services call this crate and store what it returns (the effective
//! [`RuleProfile`], the [`EligibilityReport`], the [`Tally`]); they never re-decide what it
//! decides. Every public item names the rule of `DOMAIN.md` it implements (`R-…`, see
//! [`RuleId`]); every refusal carries a stable code and a message in zh-CN and English.
//!
//! Legal convention (民法典 第1259条): "以上、以下、以内、届满" include the number itself,
//! "不满、超过、以外" exclude it — so "55周岁以下" is an age of at most 55 and "过半数" is
//! strictly more than half. All of it is integer arithmetic in [`law`]. Ages are 周岁
//! ([`calendar`]).
//!
//! # Layout
//! | module | concept | rules |
//! | --- | --- | --- |
//! | [`law`] | shares of a base (过半数, 三分之二以上, 不少于三分之一) | bounds convention |
//! | [`calendar`] | ages in 周岁, periods in months and years | 民法典 201–202 |
//! | [`identity`] | resident identity numbers, masking | GB 11643-1999 |
//! | [`election`] | areas, kinds, methods, positions, seats, contests, terms | R-AREA, R-ELECTION, R-TERM |
//! | [`profile`] | rule profiles `cn-2018-jilin`, `cn-2026`, overrides | every parameter |
//! | [`voters`] | voting age, electorate, publication of the electorate | R-VOTER-AGE, R-ELECTORATE, R-ROLL-PUBLISH |
//! | [`nomination`] | nomination methods, window, duplicates | R-NOM-METHOD, R-NOM-WINDOW, R-NOM-DUP |
//! | [`eligibility`] | the nominee's standards, retirement table | R-ELIG-AGE, -RETIRE, -EDU, -EXP, -RES, -DISQ |
//! | [`review`] | community → street → district review | R-REV-ORDER |
//! | [`candidates`] | candidate list publication, counting staff | R-CAND-PUBLISH, R-CAND-COUNT, R-CAND-STAFF |
//! | [`poll`] | a round's ballot paper, ballots, opening a poll | R-POLL-DAY, R-SECRET, R-BALLOT-VALID |
//! | [`count`] | counting a round: validity, quorum, majority, ties, additional elections | R-RETURNED, R-QUORUM, R-MAJORITY, R-TIE, R-ADDITIONAL |
//! | [`fingerprint`] | digests of a ballot paper and of a set of ballots | R-SECRET, R-ANNOUNCE |
//! | [`announce`] | a contest's result across rounds, certificate numbers | R-ANNOUNCE, R-REPORT |
//! | [`structure`] | the committees' structure | R-STRUCTURE |
//! | [`rule_id`], [`violation`], [`text`] | rule ids, refusals, bilingual text | — |
//! | `messages` (private) | every zh/en sentence, in one place | — |
//!
//! # The rules, one by one
//! | rule | what it says | where |
//! | --- | --- | --- |
//! | R-AREA | district ⊃ street ⊃ community ⊃ resident group | [`AreaLevel`] |
//! | R-ELECTION | general or by-election, live or drill, three methods; one contest per community with its positions and seats | [`ElectionKind`], [`ElectionMode`], [`ElectionMethod`], [`Contest`] |
//! | R-TERM | five years; a by-elected member serves the rest of the term | [`election::term_ends_on`] |
//! | R-VOTER-AGE | 18 or over on election day, the birthday included | [`voters::may_vote`] |
//! | R-ELECTORATE | every voter, the household representatives, or every sitting representative | [`voters::is_elector`] |
//! | R-ROLL-PUBLISH | the electorate is published days before election day (`cn-2026`: 20) | [`voters::check_electorate_publication`] |
//! | R-NOM-METHOD | ≥ 10 voters, ≥ 5 household reps, ≥ 2 representatives, or self; each nominator checked before their number | [`validate_nomination`] |
//! | R-NOM-WINDOW | only inside the nomination window, both days included | [`NominationWindow`] |
//! | R-NOM-DUP | once per person per position per contest | [`validate_nomination`] |
//! | R-ELIG-AGE | at most 55 on election day; a city-level honour relaxes it | [`assess`] |
//! | R-ELIG-RETIRE | not at statutory retirement age (gradual raise from 2025); step-down date within the term | [`assess`], [`eligibility::retirement_age`] |
//! | R-ELIG-EDU | bachelor's degree or assistant social worker; three relaxations | [`assess`] |
//! | R-ELIG-EXP | 24 months of street or community work; a full-time degree relaxes it | [`assess`] |
//! | R-ELIG-RES | lives in the community, or the committee consents | [`assess`] |
//! | R-ELIG-DISQ | none of the ten situations, never relaxed | [`assess`], [`Disqualification`] |
//! | R-REV-ORDER | community → street → district, each by its role; reasons for rejections; ineligible never approved | [`ReviewState`] |
//! | R-CAND-PUBLISH | list published ≤ election day − 3 calendar days | [`check_candidate_list`], [`check_poll_opening`] |
//! | R-CAND-COUNT | a candidate per position; more than seats unless 等额 is allowed | [`check_candidate_list`] |
//! | R-CAND-STAFF | no candidate chairs, scrutinises, tallies or calls | [`check_counting_staff`] |
//! | R-POLL-DAY | round 1 on election day; later rounds the same day or after | [`check_poll_opening`] |
//! | R-SECRET | a ballot holds choices only; the ballots digest ignores order | [`Ballot`], [`ballots_digest`] |
//! | R-BALLOT-VALID | over-voted column (or ballot) void; blank valid; a person counts for the highest post marked | [`Ballot::verdict`], [`count_round`] |
//! | R-RETURNED | more returned than issued: revote, or void election | [`count_round`] |
//! | R-QUORUM | ballots cast more than half of the electorate (or two thirds) | [`count_round`] |
//! | R-MAJORITY | more than half of the ballots cast, in order of votes, up to the seats | [`count_round`] |
//! | R-TIE | a tie for the last seats goes to a new round among the tied | [`count_round`], [`Poll::next_round`] |
//! | R-ADDITIONAL | unfilled seats: 另行选举 among the top unelected (seats + 1), at least ⌈cast/3⌉; then vacant | [`count_round`], [`Poll::next_round`] |
//! | R-ANNOUNCE | result and certificate numbers | [`contest_result`], [`CertificateNo`] |
//! | R-REPORT | the counts of the deciding round | [`contest_result`], [`Tally`] |
//! | R-STRUCTURE | age bands, degrees, women, party members; the change from the members replaced | [`structure::committee_structure`], [`structure::structure_of`], [`structure::change`] |
//!
//! # What the services call
//! - set-up: [`RuleProfile::resolve`], [`Contest::new`], [`IdentityNumber::parse`]
//! - register and electorate: [`voters::is_elector`], [`voters::check_electorate_publication`]
//! - nominations: [`validate_nomination`], [`assess`] (eligibility)
//! - review: [`ReviewState::decide`], [`ReviewState::withdraw`]
//! - candidate list: [`check_candidate_list`], [`check_counting_staff`]
//! - election day: [`check_poll_opening`], [`Poll::first_round`], [`Poll::ballot`],
//!   [`Ballot::verdict`], [`count_round`] (later rounds: [`count_later_round`]),
//!   [`Poll::next_round`], [`contest_result`]
//! - fingerprints: [`ballot_fingerprint`], [`ballots_digest`]

pub mod announce;
pub mod calendar;
pub mod candidates;
pub mod count;
pub mod election;
pub mod eligibility;
pub mod fingerprint;
pub mod identity;
pub mod ids;
pub mod law;
mod messages;
pub mod nomination;
pub mod poll;
pub mod profile;
pub mod review;
pub mod rule_id;
pub mod structure;
pub mod text;
pub mod violation;
pub mod voters;

pub use announce::{CertificateNo, ContestResult, ContestStatus, Vacancy, contest_result};
pub use candidates::{
    CandidatePerson, CountingStaff, PositionCompetition, PublicationCheck, StaffMember,
    check_candidate_list, check_counting_staff,
};
pub use count::{
    CandidateTally, CountError, Elected, EntryDecision, Finding, NextRound, NextRoundCandidate,
    PositionTally, RoundFacts, RoundFailure, RoundOutcome, Tally, WriteInTally, count_later_round,
    count_round,
};
pub use election::{
    AreaLevel, Contest, ContestError, ElectionKind, ElectionMethod, ElectionMode, Position,
    PositionSeats, Seats,
};
pub use eligibility::{
    Disqualification, Education, EligibilityCheck, EligibilityReport, Honour, HonourLevel, Nominee,
    Outcome, Particulars, Relaxation, SocialWorkQualification, assess,
};
pub use fingerprint::{Digest, ballot_fingerprint, ballots_digest};
pub use identity::{Gender, IdentityNumber, IdentityNumberError};
pub use ids::{CandidateId, PersonKey, VoterId};
pub use law::Share;
pub use nomination::{
    AcceptedNomination, NominationContext, NominationMethod, NominationRequest, NominationWindow,
    Nominator, StandingNomination, validate_nomination,
};
pub use poll::{
    Ballot, BallotChoices, BallotError, BallotVerdict, Candidate, Choice, Poll, PollError,
    PollPosition, RoundKind, WriteInRegister, check_poll_opening,
};
pub use profile::{
    FemaleRetirementBase, Overvote, ProfileFieldError, ProfileName, ProfileOverrides,
    ReturnedOverIssued, RuleProfile, Threshold, ThresholdBase,
};
pub use review::{
    Decision, DecisionOutcome, NominationStatus, ReviewError, ReviewStage, ReviewState, Role,
};
pub use rule_id::{Refusal, RuleId};
pub use text::{Lang, Text};
pub use violation::Violation;
pub use voters::Registration;
