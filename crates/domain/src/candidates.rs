//! The official candidate list (R-CAND-PUBLISH, R-CAND-COUNT) and who may not count the votes
//! (R-CAND-STAFF).

use serde::{Deserialize, Serialize};
use time::{Date, Duration};

use crate::{Contest, Position, RuleId, RuleProfile, Violation, VoterId, messages};

/// How many candidates a position has against its seats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PositionCompetition {
    /// The post.
    pub position: Position,
    /// Its seats.
    pub seats: u32,
    /// Its official candidates.
    pub candidates: u32,
    /// 差额: more candidates than seats.
    pub competitive: bool,
}

/// A candidate list that may be published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicationCheck {
    /// Each position's candidates against its seats.
    pub positions: Vec<PositionCompetition>,
    /// The last day the list may be published: election day minus the profile's days.
    pub latest_day: Date,
    /// Published on exactly that day. Legal on the common reading of "选举日的N日前", but one
    /// author argues a full N days must lie between (DOMAIN-SOURCES.md B1 A3): warn.
    pub borderline: bool,
}

/// Checks that the candidate list may be published on `today` (the election's clock):
/// at least the profile's calendar days before election day (publication ≤ election day − N,
/// R-CAND-PUBLISH); every position has a candidate; more candidates than seats, or as many
/// when the profile allows 等额; no more than the profile's cap over the seats (R-CAND-COUNT).
///
/// `candidates` holds the position of each official candidate. Refusals:
/// `candidates.too_late`, `candidates.none`, `candidates.not_competitive`,
/// `candidates.too_many`, `candidates.unknown_position`.
pub fn check_candidate_list(
    contest: &Contest,
    candidates: &[Position],
    today: Date,
    election_day: Date,
    profile: &RuleProfile,
) -> Result<PublicationCheck, Vec<Violation>> {
    let mut violations = Vec::new();
    let min_days = profile.candidate_list_min_days;
    let latest_day = election_day - Duration::days(i64::from(min_days));
    if today > latest_day {
        violations.push(Violation::rule(
            "candidates.too_late",
            RuleId::CandPublish,
            messages::candidates_too_late(min_days, latest_day),
        ));
    }
    for &p in candidates {
        if contest.seats(p).is_none() {
            violations.push(
                Violation::rule(
                    "candidates.unknown_position",
                    RuleId::CandCount,
                    messages::nomination_unknown_position(p),
                )
                .at(p.as_str()),
            );
        }
    }
    let mut positions = Vec::new();
    for ps in contest.positions() {
        let seats = ps.seats.get();
        let count = u32::try_from(candidates.iter().filter(|&&p| p == ps.position).count())
            .unwrap_or(u32::MAX);
        let competitive = count > seats;
        if count == 0 {
            violations.push(
                Violation::rule(
                    "candidates.none",
                    RuleId::CandCount,
                    messages::candidates_none(ps.position),
                )
                .at(ps.position.as_str()),
            );
        } else if count < seats || (!competitive && !profile.allow_uncontested) {
            violations.push(
                Violation::rule(
                    "candidates.not_competitive",
                    RuleId::CandCount,
                    messages::candidates_not_competitive(
                        ps.position,
                        count,
                        seats,
                        profile.allow_uncontested,
                    ),
                )
                .at(ps.position.as_str()),
            );
        } else if let Some(cap) = profile.max_extra_candidates
            && count > seats.saturating_add(cap)
        {
            violations.push(
                Violation::rule(
                    "candidates.too_many",
                    RuleId::CandCount,
                    messages::candidates_too_many(ps.position, count, seats, cap),
                )
                .at(ps.position.as_str()),
            );
        }
        positions.push(PositionCompetition {
            position: ps.position,
            seats,
            candidates: count,
            competitive,
        });
    }
    if violations.is_empty() {
        Ok(PublicationCheck {
            positions,
            latest_day,
            borderline: min_days > 0 && today == latest_day,
        })
    } else {
        Err(violations)
    }
}

/// A member of the counting staff as recorded (API.md `{"name","voter_id"?}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffMember {
    /// Name.
    pub name: String,
    /// Their voter id, when they are registered.
    #[serde(default)]
    pub voter_id: Option<VoterId>,
}

/// The counting staff of a poll (API.md `PUT /polls/{id}/staff`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountingStaff {
    /// 主持人.
    #[serde(default)]
    pub chair: Option<StaffMember>,
    /// 总监票人.
    #[serde(default)]
    pub chief_scrutineer: Option<StaffMember>,
    /// 监票人.
    #[serde(default)]
    pub scrutineers: Vec<StaffMember>,
    /// 计票人.
    #[serde(default)]
    pub tellers: Vec<StaffMember>,
    /// 唱票人.
    #[serde(default)]
    pub callers: Vec<StaffMember>,
}

/// A candidate as the staff check knows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CandidatePerson {
    /// Their voter id, when they are registered here.
    pub voter_id: Option<VoterId>,
    /// Their name.
    pub name: String,
}

/// R-CAND-STAFF: no candidate may chair the count or serve as scrutineer, teller or caller.
/// A staff member is a candidate when their voter ids match or, for a staff member recorded
/// without a voter id, when the names are the same. Close relatives are not known to the
/// system and remain the election committee's check. Refusal: `poll.candidate_on_staff`,
/// one per listed candidate, with the field (`chair`, `tellers[1]`, …).
pub fn check_counting_staff(
    staff: &CountingStaff,
    candidates: &[CandidatePerson],
) -> Result<(), Vec<Violation>> {
    let is_candidate = |m: &StaffMember| {
        candidates.iter().any(|c| match (&m.voter_id, &c.voter_id) {
            (Some(a), Some(b)) => a == b,
            (None, _) => c.name.trim() == m.name.trim(),
            (Some(_), None) => false,
        })
    };
    let mut listed: Vec<(String, &StaffMember)> = Vec::new();
    listed.extend(staff.chair.iter().map(|m| ("chair".to_owned(), m)));
    listed.extend(
        staff
            .chief_scrutineer
            .iter()
            .map(|m| ("chief_scrutineer".to_owned(), m)),
    );
    for (field, list) in [
        ("scrutineers", &staff.scrutineers),
        ("tellers", &staff.tellers),
        ("callers", &staff.callers),
    ] {
        listed.extend(
            list.iter()
                .enumerate()
                .map(|(i, m)| (format!("{field}[{i}]"), m)),
        );
    }
    let violations: Vec<Violation> = listed
        .into_iter()
        .filter(|(_, m)| is_candidate(m))
        .map(|(field, m)| {
            Violation::rule(
                "poll.candidate_on_staff",
                RuleId::CandStaff,
                messages::candidate_on_staff(&m.name),
            )
            .at(field)
        })
        .collect();
    if violations.is_empty() {
        Ok(())
    } else {
        Err(violations)
    }
}
