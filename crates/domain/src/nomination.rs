//! Nominations (提名): R-NOM-METHOD, R-NOM-WINDOW, R-NOM-DUP.
//!
//! A nomination is checked against the register and the profile and is either accepted or
//! refused with every broken rule. Each nominator is checked before their number is
//! (API.md: `nomination.nominator_not_eligible` before `nomination.too_few_nominators`), and a
//! nominator who fails does not count.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use time::Date;

use crate::{
    Contest, PersonKey, Position, Registration, RuleId, RuleProfile, Violation, VoterId, messages,
    voters,
};

/// How a nomination is made (R-NOM-METHOD).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NominationMethod {
    /// 选民联名: ≥ 10 registered voters jointly.
    JointVoters,
    /// 户代表联名: ≥ 5 household representatives jointly.
    JointHouseholdReps,
    /// 居民代表联名: ≥ 2 residents' representatives jointly.
    JointRepresentatives,
    /// 自荐: the nominee, a registered voter.
    #[serde(rename = "self")]
    SelfNomination,
}

/// The nomination window of an election (R-NOM-WINDOW); both days included (以内).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "WindowRepr", into = "WindowRepr")]
pub struct NominationWindow {
    opens_on: Date,
    closes_on: Date,
}

#[derive(Serialize, Deserialize)]
struct WindowRepr {
    opens_on: Date,
    closes_on: Date,
}

impl NominationWindow {
    /// A window; `None` when it closes before it opens.
    pub fn new(opens_on: Date, closes_on: Date) -> Option<Self> {
        (opens_on <= closes_on).then_some(Self {
            opens_on,
            closes_on,
        })
    }

    /// The first day.
    pub fn opens_on(self) -> Date {
        self.opens_on
    }

    /// The last day.
    pub fn closes_on(self) -> Date {
        self.closes_on
    }

    /// Whether `day` is inside the window, both ends included.
    pub fn contains(self, day: Date) -> bool {
        self.opens_on <= day && day <= self.closes_on
    }
}

impl TryFrom<WindowRepr> for NominationWindow {
    type Error = &'static str;
    fn try_from(r: WindowRepr) -> Result<Self, Self::Error> {
        Self::new(r.opens_on, r.closes_on).ok_or("the window closes before it opens")
    }
}

impl From<NominationWindow> for WindowRepr {
    fn from(w: NominationWindow) -> Self {
        Self {
            opens_on: w.opens_on,
            closes_on: w.closes_on,
        }
    }
}

/// A nominator as the service found them: `registration` is `None` when the id is not in this
/// community's register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nominator {
    /// As sent.
    pub voter_id: VoterId,
    /// The register entry in this community, if any.
    pub registration: Option<Registration>,
}

/// A nomination standing in the contest (not withdrawn, not rejected), for R-NOM-DUP.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct StandingNomination {
    /// Who.
    pub person: PersonKey,
    /// For which post.
    pub position: Position,
}

/// A nomination as submitted.
#[derive(Debug, Clone, Copy)]
pub struct NominationRequest<'a> {
    /// The post.
    pub position: Position,
    /// How.
    pub method: NominationMethod,
    /// The nominators, in the order sent (`nominator_ids`).
    pub nominators: &'a [Nominator],
    /// The nominee as a person.
    pub nominee: &'a PersonKey,
    /// The nominee's own register entry in this community, when they are registered here
    /// (needed for self-nomination).
    pub nominee_voter: Option<&'a Nominator>,
}

/// What a nomination is checked against.
#[derive(Debug, Clone, Copy)]
pub struct NominationContext<'a> {
    /// The contest's positions.
    pub contest: &'a Contest,
    /// The election's window.
    pub window: NominationWindow,
    /// Today on the election's clock.
    pub today: Date,
    /// Election day, for the nominators' ages.
    pub election_day: Date,
    /// The contest's standing nominations.
    pub standing: &'a [StandingNomination],
    /// The effective profile.
    pub profile: &'a RuleProfile,
}

/// An accepted nomination.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcceptedNomination {
    /// The post.
    pub position: Position,
    /// How.
    pub method: NominationMethod,
    /// The nominators who counted (for self-nomination, the nominee).
    pub nominators: Vec<VoterId>,
}

/// Checks a nomination (R-NOM-WINDOW, R-NOM-METHOD, R-NOM-DUP). On refusal every broken rule
/// is listed in this order: `nomination.window_closed`, `nomination.unknown_position`, each
/// `nomination.nominator_not_eligible` (or `nomination.method_not_allowed`), then
/// `nomination.too_few_nominators`, then `nomination.duplicate_nominee`.
pub fn validate_nomination(
    request: &NominationRequest<'_>,
    ctx: &NominationContext<'_>,
) -> Result<AcceptedNomination, Vec<Violation>> {
    let mut violations = Vec::new();
    if !ctx.window.contains(ctx.today) {
        violations.push(Violation::rule(
            "nomination.window_closed",
            RuleId::NomWindow,
            messages::nomination_window_closed(ctx.window, ctx.today),
        ));
    }
    if ctx.contest.seats(request.position).is_none() {
        violations.push(
            Violation::rule(
                "nomination.unknown_position",
                RuleId::NomMethod,
                messages::nomination_unknown_position(request.position),
            )
            .at("position"),
        );
    }
    let counted = match request.method {
        NominationMethod::SelfNomination => self_nominator(request, ctx, &mut violations),
        method => joint_nominators(method, request.nominators, ctx, &mut violations),
    };
    // A self-nomination has one nominator, whose refusal already says why it does not count.
    let needed = ctx.profile.min_nominators(request.method);
    let joint = request.method != NominationMethod::SelfNomination;
    if joint && counted.len() < needed as usize {
        violations.push(
            Violation::rule(
                "nomination.too_few_nominators",
                RuleId::NomMethod,
                messages::nomination_too_few(request.method, counted.len(), needed),
            )
            .at("nominator_ids"),
        );
    }
    let duplicate = ctx
        .standing
        .iter()
        .any(|s| &s.person == request.nominee && s.position == request.position);
    if duplicate {
        violations.push(
            Violation::rule(
                "nomination.duplicate_nominee",
                RuleId::NomDup,
                messages::nomination_duplicate(request.position),
            )
            .at("nominee"),
        );
    }
    if violations.is_empty() {
        Ok(AcceptedNomination {
            position: request.position,
            method: request.method,
            nominators: counted,
        })
    } else {
        Err(violations)
    }
}

/// The status a joint method needs of each nominator.
fn holds_status(method: NominationMethod, r: &Registration) -> bool {
    match method {
        NominationMethod::JointVoters | NominationMethod::SelfNomination => true,
        NominationMethod::JointHouseholdReps => r.household_rep,
        NominationMethod::JointRepresentatives => r.resident_rep,
    }
}

/// Checks each joint nominator and returns those who count: distinct, in this community's
/// register, of voting age on election day, holding the method's status.
fn joint_nominators(
    method: NominationMethod,
    nominators: &[Nominator],
    ctx: &NominationContext<'_>,
    violations: &mut Vec<Violation>,
) -> Vec<VoterId> {
    let mut seen = HashSet::new();
    let mut counted = Vec::new();
    for (i, n) in nominators.iter().enumerate() {
        let refusal = if !seen.insert(&n.voter_id) {
            Some(messages::nominator_repeated())
        } else {
            match &n.registration {
                None => Some(messages::nominator_not_registered()),
                Some(r) if !voters::may_vote(r.birth_date, ctx.election_day, ctx.profile) => {
                    Some(messages::nominator_under_age(ctx.profile.min_voter_age))
                }
                Some(r) if !holds_status(method, r) => {
                    Some(messages::nominator_without_status(method))
                }
                Some(_) => None,
            }
        };
        match refusal {
            Some(message) => violations.push(
                Violation::rule(
                    "nomination.nominator_not_eligible",
                    RuleId::NomMethod,
                    message,
                )
                .at(format!("nominator_ids[{i}]")),
            ),
            None => counted.push(n.voter_id.clone()),
        }
    }
    counted
}

/// Checks a self-nomination: allowed by the profile, by a registered voter of voting age, and
/// with no nominator but the nominee.
fn self_nominator(
    request: &NominationRequest<'_>,
    ctx: &NominationContext<'_>,
    violations: &mut Vec<Violation>,
) -> Vec<VoterId> {
    if !ctx.profile.self_nomination {
        violations.push(
            Violation::rule(
                "nomination.method_not_allowed",
                RuleId::NomMethod,
                messages::self_nomination_not_allowed(),
            )
            .at("method"),
        );
        return Vec::new();
    }
    for (i, n) in request.nominators.iter().enumerate() {
        if request
            .nominee_voter
            .is_none_or(|own| own.voter_id != n.voter_id)
        {
            violations.push(
                Violation::rule(
                    "nomination.nominator_not_eligible",
                    RuleId::NomMethod,
                    messages::self_nomination_by_another(),
                )
                .at(format!("nominator_ids[{i}]")),
            );
        }
    }
    let refusal = match request.nominee_voter.and_then(|v| v.registration.as_ref()) {
        None => Some(messages::self_nominee_not_registered()),
        Some(r) if !voters::may_vote(r.birth_date, ctx.election_day, ctx.profile) => {
            Some(messages::nominator_under_age(ctx.profile.min_voter_age))
        }
        Some(_) => None,
    };
    match request.nominee_voter {
        Some(own) if refusal.is_none() => vec![own.voter_id.clone()],
        _ => {
            let message = refusal.unwrap_or_else(messages::self_nominee_not_registered);
            violations.push(
                Violation::rule(
                    "nomination.nominator_not_eligible",
                    RuleId::NomMethod,
                    message,
                )
                .at("nominee.voter_id"),
            );
            Vec::new()
        }
    }
}
