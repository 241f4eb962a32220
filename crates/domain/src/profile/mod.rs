//! Rule profiles: every number and variant of the rules, in one stored value.
//!
//! The law changed: elections before 2026 run under the 2018 national text with Jilin's rules
//! (`cn-2018-jilin`); from 2026-01-01 the revised 《城市居民委员会组织法》 applies (`cn-2026`).
//! An election names its profile or takes the one in force on the day nominations open, may
//! override parameters ([`ProfileOverrides`]), and stores the effective [`RuleProfile`] so that
//! every later decision can be explained.

mod named;
mod overrides;

use serde::{Deserialize, Serialize};
use time::Date;

use crate::{ElectionMethod, Share, Text, messages};

pub use overrides::{ProfileFieldError, ProfileOverrides};

/// A shipped profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ProfileName {
    /// Elections whose nominations open before 2026-01-01: the 2018 national text, Jilin's
    /// implementing rules and the seed's 2024 by-election plan.
    #[serde(rename = "cn-2018-jilin")]
    Cn2018Jilin,
    /// From 2026-01-01: the revised national law. Its election chapter could not be read, so
    /// several values are provisional (see [`RuleProfile::provisional`]).
    #[serde(rename = "cn-2026")]
    Cn2026,
}

impl ProfileName {
    /// Every shipped profile.
    pub const ALL: [Self; 2] = [Self::Cn2018Jilin, Self::Cn2026];

    /// The name as stored (`cn-2018-jilin`, `cn-2026`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cn2018Jilin => "cn-2018-jilin",
            Self::Cn2026 => "cn-2026",
        }
    }

    /// The profile named so, if it ships.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == name)
    }

    /// The profile in force on the day nominations open: `cn-2026` from 2026-01-01, when the
    /// revised law takes effect, `cn-2018-jilin` before.
    pub fn in_force_on(nominations_open_on: Date) -> Self {
        if nominations_open_on >= time::macros::date!(2026 - 01 - 01) {
            Self::Cn2026
        } else {
            Self::Cn2018Jilin
        }
    }
}

impl std::fmt::Display for ProfileName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a winning threshold is a share of (R-MAJORITY).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ThresholdBase {
    /// The ballots cast in the round (所投票数): every returned ballot, blank and invalid ones
    /// included. The default (长春 notice; 人大 practice "弃权票和废票都要作为参选票数计算").
    Cast,
    /// The ballots valid for the position. A switch only; no source uses it.
    Valid,
    /// The whole electorate (old strict village rules, W2-strict).
    Electorate,
}

impl ThresholdBase {
    fn as_str(self) -> &'static str {
        match self {
            Self::Cast => "cast",
            Self::Valid => "valid",
            Self::Electorate => "electorate",
        }
    }
}

/// A winning threshold: a share of a base (R-MAJORITY, R-ADDITIONAL).
///
/// JSON: `"more_than_half_of_cast"`, `"one_third_of_cast"`, … for named shares, or
/// `{"share": {"at_least": [3, 5]}, "of": "cast"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "ThresholdRepr", into = "ThresholdRepr")]
pub struct Threshold {
    /// The share.
    pub share: Share,
    /// Of what.
    pub of: ThresholdBase,
}

#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum ThresholdRepr {
    Named(String),
    Full { share: Share, of: ThresholdBase },
}

impl TryFrom<ThresholdRepr> for Threshold {
    type Error = String;
    fn try_from(repr: ThresholdRepr) -> Result<Self, Self::Error> {
        match repr {
            ThresholdRepr::Full { share, of } => Ok(Self { share, of }),
            ThresholdRepr::Named(name) => {
                let (share, of) = name
                    .split_once("_of_")
                    .ok_or_else(|| bad_threshold(&name))?;
                let share = match share {
                    "more_than_half" => Share::MoreThanHalf,
                    "two_thirds" => Share::TwoThirds,
                    "one_third" => Share::OneThird,
                    _ => return Err(bad_threshold(&name)),
                };
                let of = match of {
                    "cast" => ThresholdBase::Cast,
                    "valid" => ThresholdBase::Valid,
                    "electorate" => ThresholdBase::Electorate,
                    _ => return Err(bad_threshold(&name)),
                };
                Ok(Self { share, of })
            }
        }
    }
}

fn bad_threshold(name: &str) -> String {
    format!(
        "unknown threshold `{name}`: expected <more_than_half|two_thirds|one_third>_of_<cast|valid|electorate> \
         or {{\"share\": …, \"of\": …}}"
    )
}

impl From<Threshold> for ThresholdRepr {
    fn from(t: Threshold) -> Self {
        let named = match t.share {
            Share::MoreThanHalf => Some("more_than_half"),
            Share::TwoThirds => Some("two_thirds"),
            Share::OneThird => Some("one_third"),
            Share::MoreThan(_) | Share::AtLeast(_) => None,
        };
        match named {
            Some(share) => Self::Named(format!("{share}_of_{}", t.of.as_str())),
            None => Self::Full {
                share: t.share,
                of: t.of,
            },
        }
    }
}

/// What an over-voted position does to a ballot (R-BALLOT-VALID).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Overvote {
    /// Only that position's column is void (无效栏); the default.
    ColumnInvalid,
    /// The whole ballot is void.
    BallotInvalid,
}

/// What happens when more ballots are returned than issued (R-RETURNED).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReturnedOverIssued {
    /// The round is void and held again on the spot (`next_round: "revote"`); the default.
    Revote,
    /// The election is void (Chongqing 2025 art. 34(五)); a new one within 30 days.
    VoidElection,
}

/// Which statutory retirement base applies to women (R-ELIG-RETIRE). Whether a female
/// community worker retires from the cadre base (55) or the worker base (50) is a local HR
/// decision the sources do not settle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FemaleRetirementBase {
    /// 女干部 / 管理和专业技术岗位: 55, rising to 58.
    Cadre,
    /// 女工人: 50, rising to 55.
    Worker,
}

/// How well a provisional value is sourced (DOMAIN-SOURCES.md §0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// \[R-weak\]: read on a low-quality mirror.
    WeakSource,
    /// \[I\]: inferred, not read in a source.
    Inference,
    /// \[M\]: background knowledge, not confirmed.
    Unverified,
}

/// A parameter whose value is provisional, with why.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Provisional {
    /// The parameter's key, as in the profile's JSON.
    pub parameter: String,
    /// How it is sourced.
    pub basis: Basis,
    /// What to check before relying on it.
    pub note: Text,
}

/// Every parameter of the rules. Stored as JSON with the election; keys are the same as the
/// keys of an election's `rules` object ([`ProfileOverrides`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleProfile {
    /// The profile these values start from.
    pub profile: ProfileName,
    /// R-VOTER-AGE: voters are this old or older on election day (组织法 第八条: 18). Law, not
    /// a parameter that overrides may change.
    pub min_voter_age: u32,
    /// R-ROLL-PUBLISH: the electorate is published at least this many days before election
    /// day for the all-voters and household methods (0: no minimum).
    pub electorate_list_min_days: u32,
    /// R-ELECTION: the election methods this profile permits (all three in both shipped
    /// profiles).
    pub election_methods: Vec<ElectionMethod>,
    /// R-POLL-DAY: proxies one voter may hold (委托投票, at most 3 where a province allows
    /// them; 0: no proxy voting, as in both shipped profiles — the seed: 不办理委托投票). Never
    /// for the representatives method, whatever the value (see
    /// [`RuleProfile::max_proxies_per_holder_for`]).
    pub max_proxies_per_holder: u32,
    /// R-NOM-METHOD: registered voters needed for a joint nomination (10).
    pub min_nominators_joint_voters: u32,
    /// R-NOM-METHOD: household representatives needed (5).
    pub min_nominators_joint_household_reps: u32,
    /// R-NOM-METHOD: residents' representatives needed (2).
    pub min_nominators_joint_representatives: u32,
    /// R-NOM-METHOD: whether a registered voter may nominate themself (自荐).
    pub self_nomination: bool,
    /// R-ELIG-AGE: newly nominated members are at most this old on election day (55).
    pub max_age_new: u32,
    /// R-ELIG-EXP: months of street or community work needed (24).
    pub min_experience_months: u32,
    /// R-ELIG-RETIRE: the women's retirement base.
    pub female_retirement_base: FemaleRetirementBase,
    /// R-TERM: years of a committee's term (5).
    pub term_years: u32,
    /// R-CAND-PUBLISH: the candidate list is published at least this many calendar days
    /// before election day (3).
    pub candidate_list_min_days: u32,
    /// R-CAND-COUNT: whether a position may have as many candidates as seats (等额).
    pub allow_uncontested: bool,
    /// R-CAND-COUNT: at most this many candidates more than seats (长春: 1–2); `None`: no cap.
    pub max_extra_candidates: Option<u32>,
    /// R-QUORUM: share of the electorate that must cast ballots.
    pub quorum: Share,
    /// R-RETURNED: what more ballots returned than issued does.
    pub returned_over_issued: ReturnedOverIssued,
    /// R-BALLOT-VALID: what an over-voted position does.
    pub overvote: Overvote,
    /// R-MAJORITY: the winning threshold of a round.
    pub threshold: Threshold,
    /// R-MAJORITY: whether votes for a higher post count for a lower one when the person is
    /// not elected to the higher (一次性投票 roll-down, a provincial village variant).
    pub roll_down: bool,
    /// R-ADDITIONAL: the threshold of an additional election (另行选举).
    pub additional_threshold: Threshold,
    /// R-ADDITIONAL: candidates of an additional election beyond the unfilled seats (1).
    pub additional_extra_candidates: u32,
    /// R-ADDITIONAL: seats still vacant are filled by a new election within this many months.
    pub vacancy_election_within_months: u32,
    /// Parameters whose values are provisional.
    pub provisional: Vec<Provisional>,
}

impl RuleProfile {
    /// A shipped profile with its documented values.
    pub fn named(name: ProfileName) -> Self {
        match name {
            ProfileName::Cn2018Jilin => named::cn_2018_jilin(),
            ProfileName::Cn2026 => named::cn_2026(),
        }
    }

    /// The profile in force on the day nominations open.
    pub fn in_force_on(nominations_open_on: Date) -> Self {
        Self::named(ProfileName::in_force_on(nominations_open_on))
    }

    /// The effective profile of a new election: the profile named in `overrides.profile`, or
    /// the one in force on `nominations_open_on`, with the other keys of `overrides` applied.
    /// Every bad field is reported, each with its field name, stable code and message.
    pub fn resolve(
        nominations_open_on: Date,
        overrides: &ProfileOverrides,
    ) -> Result<Self, Vec<ProfileFieldError>> {
        overrides::resolve(nominations_open_on, overrides)
    }

    /// Nominators a method needs (R-NOM-METHOD); 1 for self-nomination.
    pub fn min_nominators(&self, method: crate::NominationMethod) -> u32 {
        match method {
            crate::NominationMethod::JointVoters => self.min_nominators_joint_voters,
            crate::NominationMethod::JointHouseholdReps => self.min_nominators_joint_household_reps,
            crate::NominationMethod::JointRepresentatives => {
                self.min_nominators_joint_representatives
            }
            crate::NominationMethod::SelfNomination => 1,
        }
    }

    /// Whether an election may use `method` under this profile (R-ELECTION).
    pub fn permits_method(&self, method: ElectionMethod) -> bool {
        self.election_methods.contains(&method)
    }

    /// Proxies a voter may hold in an election of `method` (R-POLL-DAY): none in the
    /// representatives method, which meets in one election meeting; the profile's value in
    /// direct elections.
    pub fn max_proxies_per_holder_for(&self, method: ElectionMethod) -> u32 {
        match method {
            ElectionMethod::ResidentRepresentatives => 0,
            ElectionMethod::AllVoters | ElectionMethod::HouseholdRepresentatives => {
                self.max_proxies_per_holder
            }
        }
    }

    /// Days before election day the electorate must be published under a method
    /// (R-ROLL-PUBLISH): the profile's minimum for all voters and households, none for the
    /// representatives, who are known in advance.
    pub fn electorate_list_min_days_for(&self, method: ElectionMethod) -> u32 {
        match method {
            ElectionMethod::AllVoters | ElectionMethod::HouseholdRepresentatives => {
                self.electorate_list_min_days
            }
            ElectionMethod::ResidentRepresentatives => 0,
        }
    }

    /// The profile described for people: what each parameter means and its value.
    pub fn describe(&self) -> Vec<(String, Text)> {
        messages::describe_profile(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn the_profile_in_force_changes_on_1_january_2026() {
        assert_eq!(
            ProfileName::in_force_on(date!(2025 - 12 - 31)),
            ProfileName::Cn2018Jilin
        );
        assert_eq!(
            ProfileName::in_force_on(date!(2026 - 01 - 01)),
            ProfileName::Cn2026
        );
        assert_eq!(
            ProfileName::in_force_on(date!(2024 - 05 - 14)),
            ProfileName::Cn2018Jilin
        );
        assert_eq!(
            RuleProfile::in_force_on(date!(2026 - 12 - 01)).profile,
            ProfileName::Cn2026
        );
    }

    #[test]
    fn thresholds_read_and_write_the_names_of_domain_md() {
        let t: Threshold = serde_json::from_str(r#""more_than_half_of_cast""#).expect("json");
        assert_eq!(t.share, Share::MoreThanHalf);
        assert_eq!(t.of, ThresholdBase::Cast);
        let t: Threshold =
            serde_json::from_str(r#"{"share":{"at_least":[3,5]},"of":"valid"}"#).expect("json");
        assert_eq!(t.share, Share::AtLeast([3, 5]));
        assert_eq!(
            serde_json::to_string(&t).expect("json"),
            r#"{"share":{"at_least":[3,5]},"of":"valid"}"#
        );
        let named = Threshold {
            share: Share::OneThird,
            of: ThresholdBase::Cast,
        };
        assert_eq!(
            serde_json::to_string(&named).expect("json"),
            r#""one_third_of_cast""#
        );
        assert!(serde_json::from_str::<Threshold>(r#""half_of_cast""#).is_err());
    }

    #[test]
    fn a_profile_describes_itself_in_both_languages() {
        let lines = RuleProfile::named(ProfileName::Cn2018Jilin).describe();
        assert!(
            lines
                .iter()
                .any(|(k, t)| k == "quorum" && t.zh.contains("过半数"))
        );
        assert!(
            lines
                .iter()
                .all(|(_, t)| !t.zh.is_empty() && !t.en.is_empty())
        );
    }

    #[test]
    fn r_poll_day_no_proxies_in_the_shipped_profiles_and_never_for_representatives() {
        for name in ProfileName::ALL {
            let mut p = RuleProfile::named(name);
            for m in [
                ElectionMethod::AllVoters,
                ElectionMethod::HouseholdRepresentatives,
                ElectionMethod::ResidentRepresentatives,
            ] {
                assert!(p.permits_method(m));
                assert_eq!(p.max_proxies_per_holder_for(m), 0);
            }
            p.max_proxies_per_holder = 3;
            assert_eq!(p.max_proxies_per_holder_for(ElectionMethod::AllVoters), 3);
            assert_eq!(
                p.max_proxies_per_holder_for(ElectionMethod::ResidentRepresentatives),
                0
            );
        }
    }

    #[test]
    fn a_stored_profile_reads_back_unchanged() {
        for name in ProfileName::ALL {
            let p = RuleProfile::named(name);
            let json = serde_json::to_string(&p).expect("json");
            let back: RuleProfile = serde_json::from_str(&json).expect("json");
            assert_eq!(back, p);
            assert!(json.contains(&format!(r#""profile":"{name}""#)));
        }
    }
}
