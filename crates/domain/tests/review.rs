//! R-REV-ORDER: community → street → district, each decided by its role; rejection needs a
//! reason and ends the nomination; an ineligible nominee is never approved.

use juxuan_domain::*;

const ELIGIBLE: bool = true;

fn approve(
    state: ReviewState,
    role: Role,
    stage: ReviewStage,
) -> Result<DecisionOutcome, ReviewError> {
    state.decide(role, stage, Decision::Approve, None, ELIGIBLE)
}

#[test]
fn r_rev_order_three_approvals_make_an_official_candidate() {
    let s = ReviewState::submitted();
    assert_eq!(s.status, NominationStatus::Submitted);
    let d = approve(s, Role::CommunityOfficer, ReviewStage::Community).expect("community");
    assert_eq!(
        (d.next_stage, d.status),
        (Some(ReviewStage::Street), NominationStatus::InReview)
    );
    let d = approve(d.state(), Role::StreetOfficer, ReviewStage::Street).expect("street");
    assert_eq!(d.next_stage, Some(ReviewStage::District));
    let d = approve(d.state(), Role::DistrictReviewer, ReviewStage::District).expect("district");
    assert_eq!((d.next_stage, d.status), (None, NominationStatus::Approved));
    assert!(d.state().is_candidate());
    let json = serde_json::to_value(d).expect("json");
    assert_eq!(
        json,
        serde_json::json!({"stage":"district","decision":"approve","next_stage":null,"status":"approved"})
    );
}

#[test]
fn r_rev_order_each_stage_is_decided_by_its_own_role_only() {
    use ReviewStage::*;
    let roles = [
        Role::DistrictAdmin,
        Role::DistrictReviewer,
        Role::StreetOfficer,
        Role::CommunityOfficer,
        Role::Teller,
        Role::Observer,
        Role::Terminal,
    ];
    let allowed = |stage, role| {
        matches!(
            (stage, role),
            (Community, Role::CommunityOfficer)
                | (Street, Role::StreetOfficer)
                | (District, Role::DistrictReviewer | Role::DistrictAdmin)
        )
    };
    for stage in [Community, Street, District] {
        for role in roles {
            assert_eq!(
                stage.is_decided_by(role),
                allowed(stage, role),
                "{stage:?} {role:?}"
            );
        }
    }
}

#[test]
fn r_rev_order_the_role_is_checked_before_the_stage_then_the_rules() {
    let s = ReviewState::submitted();
    // A street officer asking to decide the district stage: 403 before 409.
    let e = approve(s, Role::StreetOfficer, ReviewStage::District).expect_err("refused");
    assert_eq!(
        (e.code(), e.refusal()),
        ("review.wrong_role", Refusal::Forbidden)
    );
    // A street officer deciding the street stage while it waits at the community: 409.
    let e = approve(s, Role::StreetOfficer, ReviewStage::Street).expect_err("refused");
    assert_eq!(
        (e.code(), e.refusal()),
        ("review.wrong_stage", Refusal::Conflict)
    );
    // The right stage, but a rejection without a reason: 422.
    let e = s
        .decide(
            Role::CommunityOfficer,
            ReviewStage::Community,
            Decision::Reject,
            Some("  "),
            ELIGIBLE,
        )
        .expect_err("refused");
    assert_eq!(
        (e.code(), e.refusal()),
        ("review.reason_required", Refusal::Rule)
    );
}

#[test]
fn r_rev_order_a_rejection_with_a_reason_ends_the_nomination() {
    let d = approve(
        ReviewState::submitted(),
        Role::CommunityOfficer,
        ReviewStage::Community,
    )
    .expect("community");
    let r = d
        .state()
        .decide(
            Role::StreetOfficer,
            ReviewStage::Street,
            Decision::Reject,
            Some("学历不符"),
            ELIGIBLE,
        )
        .expect("rejected");
    assert_eq!((r.next_stage, r.status), (None, NominationStatus::Rejected));
    let e = approve(r.state(), Role::DistrictAdmin, ReviewStage::District).expect_err("ended");
    assert_eq!(
        e,
        ReviewError::WrongStage {
            requested: ReviewStage::District,
            current: None
        }
    );
    assert_eq!(r.state().withdraw(), Err(ReviewError::NotWithdrawable));
}

#[test]
fn r_rev_order_an_ineligible_nominee_is_never_approved_but_may_be_rejected() {
    let mut state = ReviewState::submitted();
    for (role, stage) in [
        (Role::CommunityOfficer, ReviewStage::Community),
        (Role::StreetOfficer, ReviewStage::Street),
        (Role::DistrictAdmin, ReviewStage::District),
    ] {
        let e = state
            .decide(role, stage, Decision::Approve, None, false)
            .expect_err("refused");
        assert_eq!(
            (e.code(), e.refusal()),
            ("review.ineligible", Refusal::Rule)
        );
        // Move on as if it had been eligible, to try the next stage.
        state = approve(state, role, stage).expect("eligible").state();
    }
    let r = ReviewState::submitted()
        .decide(
            Role::CommunityOfficer,
            ReviewStage::Community,
            Decision::Reject,
            Some("有禁入情形"),
            false,
        )
        .expect("rejected");
    assert_eq!(r.status, NominationStatus::Rejected);
}

#[test]
fn r_rev_order_a_nomination_can_be_withdrawn_at_any_stage_or_as_a_candidate() {
    let submitted = ReviewState::submitted();
    assert_eq!(
        submitted.withdraw().expect("withdrawn").status,
        NominationStatus::Withdrawn
    );
    let mut s = submitted;
    for (role, stage) in [
        (Role::CommunityOfficer, ReviewStage::Community),
        (Role::StreetOfficer, ReviewStage::Street),
        (Role::DistrictReviewer, ReviewStage::District),
    ] {
        s = approve(s, role, stage).expect("approved").state();
        let w = s.withdraw().expect("withdrawn");
        assert_eq!(
            (w.status, w.review_stage),
            (NominationStatus::Withdrawn, None)
        );
    }
    let withdrawn = submitted.withdraw().expect("withdrawn");
    assert_eq!(
        withdrawn.withdraw().expect_err("twice").code(),
        "nomination.not_withdrawable"
    );
}

#[test]
fn every_review_refusal_has_a_message_in_both_languages() {
    for e in [
        ReviewError::WrongRole {
            role: Role::Teller,
            stage: ReviewStage::Street,
        },
        ReviewError::WrongStage {
            requested: ReviewStage::District,
            current: Some(ReviewStage::Community),
        },
        ReviewError::ReasonRequired,
        ReviewError::Ineligible,
        ReviewError::NotWithdrawable,
    ] {
        let m = e.message();
        assert!(!m.zh.is_empty() && !m.en.is_empty());
        assert_eq!(e.rule(), RuleId::RevOrder);
    }
}
