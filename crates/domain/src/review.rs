//! Qualification review (资格审查) as a state machine (R-REV-ORDER).
//!
//! ```text
//!            approve              approve              approve
//! submitted ────────► in_review ────────► in_review ────────► approved (正式候选人)
//! (community)          (street)            (district)
//!     │ reject            │ reject             │ reject
//!     └──────────────────►┴───────────────────►┴──────────► rejected
//! any stage, or approved ── withdraw ──► withdrawn
//! ```
//!
//! Community pre-review (社区预审) is decided by a community officer, street initial review
//! (街道初审) by a street officer, district joint review (区级联审) by a district reviewer or
//! admin. A rejection needs a reason and ends the nomination. A nominee with a failed
//! eligibility check can be rejected but never approved.

use serde::{Deserialize, Serialize};

use crate::{Refusal, RuleId, Text, messages};

/// A review stage, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewStage {
    /// 社区预审.
    Community,
    /// 街道初审.
    Street,
    /// 区级联审.
    District,
}

impl ReviewStage {
    /// The stage after this one; `None` after the district.
    pub fn next(self) -> Option<Self> {
        match self {
            Self::Community => Some(Self::Street),
            Self::Street => Some(Self::District),
            Self::District => None,
        }
    }

    /// Whether a role decides this stage: community ← community officer, street ← street
    /// officer, district ← district reviewer or district admin.
    pub fn is_decided_by(self, role: Role) -> bool {
        matches!(
            (self, role),
            (Self::Community, Role::CommunityOfficer)
                | (Self::Street, Role::StreetOfficer)
                | (Self::District, Role::DistrictReviewer | Role::DistrictAdmin)
        )
    }

    /// The stage's name in zh and en.
    pub fn name(self) -> Text {
        messages::review_stage(self)
    }
}

/// The roles of API.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 区民政局 administrator.
    DistrictAdmin,
    /// 区级联审 reviewer.
    DistrictReviewer,
    /// 街道 officer.
    StreetOfficer,
    /// 社区 officer.
    CommunityOfficer,
    /// 计票人 entering paper ballots.
    Teller,
    /// Read-only supervisor.
    Observer,
    /// A voting device.
    Terminal,
}

/// A reviewer's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// 通过.
    Approve,
    /// 不通过.
    Reject,
}

/// Where a nomination stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NominationStatus {
    /// Waiting for community pre-review.
    Submitted,
    /// Approved at one stage, waiting for the next.
    InReview,
    /// Approved by the district: an official candidate (正式候选人).
    Approved,
    /// Rejected at some stage.
    Rejected,
    /// Withdrawn by the nominee or nominators.
    Withdrawn,
}

/// The review state of a nomination: its status and the stage it waits at (`None` once it
/// has ended). JSON `{"status", "review_stage"}` as in API.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ReviewState {
    /// Where it stands.
    pub status: NominationStatus,
    /// The stage it waits at.
    pub review_stage: Option<ReviewStage>,
}

/// A decision taken: API.md's `{"stage","decision","next_stage","status"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DecisionOutcome {
    /// The stage decided.
    pub stage: ReviewStage,
    /// The decision.
    pub decision: Decision,
    /// The stage the nomination moves to; `None` when it has ended.
    pub next_stage: Option<ReviewStage>,
    /// The nomination's new status.
    pub status: NominationStatus,
}

impl DecisionOutcome {
    /// The nomination's new state.
    pub fn state(self) -> ReviewState {
        ReviewState {
            status: self.status,
            review_stage: self.next_stage,
        }
    }
}

/// Why a review step was refused. Checked in API.md's order: role (403), stage (409), rules (422).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ReviewError {
    /// The caller's role does not decide the requested stage.
    #[error("role {role:?} does not decide the {stage:?} stage")]
    WrongRole {
        /// The caller's role.
        role: Role,
        /// The stage asked for.
        stage: ReviewStage,
    },
    /// The nomination is not waiting at the requested stage.
    #[error("the nomination is not waiting at the {requested:?} stage")]
    WrongStage {
        /// The stage asked for.
        requested: ReviewStage,
        /// Where it waits, `None` once ended.
        current: Option<ReviewStage>,
    },
    /// A rejection without a reason.
    #[error("a rejection needs a reason")]
    ReasonRequired,
    /// Approval of a nominee with a failed eligibility check.
    #[error("a nominee with a failed eligibility check cannot be approved")]
    Ineligible,
    /// Withdrawal of a nomination that has already ended.
    #[error("the nomination has already ended")]
    NotWithdrawable,
}

impl ReviewError {
    /// The stable code: `review.wrong_role`, `review.wrong_stage`, `review.reason_required`,
    /// `review.ineligible`, `nomination.not_withdrawable`.
    pub fn code(self) -> &'static str {
        match self {
            Self::WrongRole { .. } => "review.wrong_role",
            Self::WrongStage { .. } => "review.wrong_stage",
            Self::ReasonRequired => "review.reason_required",
            Self::Ineligible => "review.ineligible",
            Self::NotWithdrawable => "nomination.not_withdrawable",
        }
    }

    /// How to answer: 403 for the role, 409 for the stage, 422 for the rules.
    pub fn refusal(self) -> Refusal {
        match self {
            Self::WrongRole { .. } => Refusal::Forbidden,
            Self::WrongStage { .. } | Self::NotWithdrawable => Refusal::Conflict,
            Self::ReasonRequired | Self::Ineligible => Refusal::Rule,
        }
    }

    /// The rule: R-REV-ORDER.
    pub fn rule(self) -> RuleId {
        RuleId::RevOrder
    }

    /// Why, in zh and en.
    pub fn message(self) -> Text {
        messages::review_error(self)
    }
}

impl Default for ReviewState {
    fn default() -> Self {
        Self::submitted()
    }
}

impl ReviewState {
    /// A new nomination: submitted, waiting for community pre-review.
    pub fn submitted() -> Self {
        Self {
            status: NominationStatus::Submitted,
            review_stage: Some(ReviewStage::Community),
        }
    }

    /// Decides the stage the nomination waits at (R-REV-ORDER). `eligible` is the nomination's
    /// eligibility report's verdict.
    pub fn decide(
        self,
        role: Role,
        stage: ReviewStage,
        decision: Decision,
        reason: Option<&str>,
        eligible: bool,
    ) -> Result<DecisionOutcome, ReviewError> {
        if !stage.is_decided_by(role) {
            return Err(ReviewError::WrongRole { role, stage });
        }
        let waiting = matches!(
            self.status,
            NominationStatus::Submitted | NominationStatus::InReview
        );
        if !waiting || self.review_stage != Some(stage) {
            return Err(ReviewError::WrongStage {
                requested: stage,
                current: self.review_stage.filter(|_| waiting),
            });
        }
        match decision {
            Decision::Reject if reason.is_none_or(|r| r.trim().is_empty()) => {
                Err(ReviewError::ReasonRequired)
            }
            Decision::Reject => Ok(DecisionOutcome {
                stage,
                decision,
                next_stage: None,
                status: NominationStatus::Rejected,
            }),
            Decision::Approve if !eligible => Err(ReviewError::Ineligible),
            Decision::Approve => {
                let next_stage = stage.next();
                Ok(DecisionOutcome {
                    stage,
                    decision,
                    next_stage,
                    status: if next_stage.is_some() {
                        NominationStatus::InReview
                    } else {
                        NominationStatus::Approved
                    },
                })
            }
        }
    }

    /// Withdraws the nomination, at any stage or as an official candidate; refused once it
    /// has been rejected or withdrawn.
    pub fn withdraw(self) -> Result<Self, ReviewError> {
        match self.status {
            NominationStatus::Rejected | NominationStatus::Withdrawn => {
                Err(ReviewError::NotWithdrawable)
            }
            _ => Ok(Self {
                status: NominationStatus::Withdrawn,
                review_stage: None,
            }),
        }
    }

    /// Whether the nomination is an official candidate.
    pub fn is_candidate(self) -> bool {
        self.status == NominationStatus::Approved
    }
}
