//! Qualification review (R-REV-ORDER) and the official candidate list (R-CAND-PUBLISH,
//! R-CAND-COUNT), through the REST API against the real services.

use std::time::Duration;

use juxuan_tests::fixtures::{Setup, codes, joint, registered};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Waits until `n` cases wait at the community stage of the officer's community.
async fn wait_for_cases(s: &Setup, n: u64) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let (status, queue) = s
            .stack
            .get("/api/v1/review-queue?stage=community", Some(&s.officer))
            .await;
        assert_eq!(status, StatusCode::OK, "{queue}");
        if queue["count"].as_u64() == Some(n) {
            return queue;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "review cases not opened: {queue}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn nominate(s: &Setup, position: &str, voter: &str) -> String {
    let (status, n) = s
        .nominate(
            &s.officer,
            &joint(position, &s.ten(), registered(&s.voter(voter))),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{n}");
    n["id"].as_str().expect("id").to_owned()
}

async fn decide(s: &Setup, token: &str, id: &str, body: Value) -> (StatusCode, Value) {
    s.stack
        .post(
            &format!("/api/v1/nominations/{id}/decisions"),
            Some(token),
            &body,
        )
        .await
}

struct Reviewers {
    street: String,
    district: String,
    observer: String,
    other_community: String,
}

async fn reviewers(s: &Setup) -> Reviewers {
    let st = &s.stack;
    Reviewers {
        street: st
            .officer(
                &s.a.admin,
                "chengnan.officer",
                "street_officer",
                &s.a.street,
            )
            .await,
        district: st
            .officer(
                &s.a.admin,
                "qu.reviewer",
                "district_reviewer",
                &s.a.district,
            )
            .await,
        observer: st
            .officer(&s.a.admin, "jgw.observer", "observer", &s.a.district)
            .await,
        other_community: st
            .officer(
                &s.a.admin,
                "beiyuan.officer",
                "community_officer",
                &s.a.other_community,
            )
            .await,
    }
}

/// Approves a nomination at all three stages.
async fn approve_all(s: &Setup, r: &Reviewers, id: &str) {
    for (token, stage) in [
        (&s.officer, "community"),
        (&r.street, "street"),
        (&r.district, "district"),
    ] {
        let (status, body) =
            decide(s, token, id, json!({"stage": stage, "decision": "approve"})).await;
        assert_eq!(status, StatusCode::CREATED, "{stage}: {body}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn r_rev_order_three_reviews_make_official_candidates_and_the_list_freezes() {
    let s = Setup::start().await;
    let r = reviewers(&s).await;
    let a = nominate(&s, "member", "甲六").await;
    let b = nominate(&s, "member", "甲七").await;
    let c = nominate(&s, "member", "甲八").await;
    let d = nominate(&s, "director", "甲九").await;
    let e = nominate(&s, "director", "甲十").await;
    let ineligible = nominate(&s, "member", "五十六").await;
    let late = nominate(&s, "member", "甲五").await;
    let queue = wait_for_cases(&s, 7).await;
    // Oldest first.
    assert_eq!(queue["items"][0]["nomination_id"], json!(a));
    assert_eq!(queue["items"][5]["eligible"], false);
    let (_, street_queue) = s
        .stack
        .get("/api/v1/review-queue?stage=community", Some(&r.street))
        .await;
    assert_eq!(street_queue["count"], 7);
    let (_, elsewhere) = s
        .stack
        .get(
            "/api/v1/review-queue?stage=community",
            Some(&r.other_community),
        )
        .await;
    assert_eq!(
        elsewhere["count"], 0,
        "another community's queue is its own"
    );
    let (status, _) = s
        .stack
        .get("/api/v1/review-queue?stage=mayor", Some(&s.officer))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // Wrong role for the stage (403), wrong area (403), wrong stage (409).
    let approve = |stage: &str| json!({"stage": stage, "decision": "approve"});
    for (token, stage) in [
        (&r.street, "community"),
        (&s.officer, "street"),
        (&r.district, "community"),
        (&r.observer, "district"),
    ] {
        let (status, problem) = decide(&s, token, &a, approve(stage)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{stage}: {problem}");
    }
    let (status, _) = decide(&s, &r.other_community, &a, approve("community")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // The area comes before the stage: another community's officer asking for a stage the
    // nomination is not at still gets 403, not 409.
    let (status, _) = decide(&s, &r.other_community, &a, approve("street")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, problem) = decide(&s, &r.street, &a, approve("street")).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("review.wrong_stage")),
        "{problem}"
    );
    let (status, first) = decide(&s, &s.officer, &a, approve("community")).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    assert_eq!(
        first,
        json!({"stage": "community", "decision": "approve", "next_stage": "street", "status": "in_review"})
    );
    let (status, problem) = decide(&s, &s.officer, &a, approve("community")).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("review.wrong_stage"))
    );

    // A rejection needs a reason; an ineligible nominee is never approved.
    let (status, problem) = decide(
        &s,
        &s.officer,
        &ineligible,
        json!({"stage": "community", "decision": "reject"}),
    )
    .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("review.reason_required")
        )
    );
    let (status, problem) = decide(&s, &s.officer, &ineligible, approve("community")).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("review.ineligible"))
    );
    let (status, rejected) = decide(
        &s,
        &s.officer,
        &ineligible,
        json!({"stage": "community", "decision": "reject", "reason": "已达退休年龄"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{rejected}");
    assert_eq!(rejected["status"], "rejected");
    assert_eq!(rejected["next_stage"], Value::Null);
    // R-NOM-DUP counts standing nominations: once the nomination service has learnt of the
    // rejection (an event), the person may be nominated again, and the rejected nomination can
    // no longer be withdrawn.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let (_, listed) = s
            .stack
            .get(
                &format!("/api/v1/contests/{}/nominations?status=rejected", s.contest),
                Some(&r.observer),
            )
            .await;
        if listed["items"].as_array().map(Vec::len) == Some(1) {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{listed}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (status, problem) = s
        .stack
        .post(
            &format!("/api/v1/nominations/{ineligible}:withdraw"),
            Some(&s.officer),
            &json!({"reason": "撤回"}),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("nomination.not_standing"))
    );
    let again = nominate(&s, "member", "五十六").await;

    // Street and district: an official candidate.
    let (status, _) = decide(&s, &r.street, &a, approve("street")).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, last) = decide(&s, &r.district, &a, approve("district")).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(last["status"], "approved");
    let (_, shown) = s
        .stack
        .get(&format!("/api/v1/nominations/{a}"), Some(&r.observer))
        .await;
    assert_eq!(
        (shown["status"].as_str(), &shown["review_stage"]),
        (Some("approved"), &Value::Null),
        "{shown}"
    );
    let (status, history) = s
        .stack
        .get(
            &format!("/api/v1/nominations/{a}/decisions"),
            Some(&r.observer),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{history}");
    let stages: Vec<&str> = history["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|d| d["stage"].as_str())
        .collect();
    assert_eq!(stages, ["community", "street", "district"]);
    assert_eq!(history["items"][2]["role"], "district_reviewer");

    // Too few candidates: none for the director, no competition for two member seats.
    let publish = format!("/api/v1/contests/{}/candidates:publish", s.contest);
    let (status, problem) = s.stack.post(&publish, Some(&s.officer), &json!({})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    let got = codes(&problem);
    assert!(
        got.contains(&"candidates.none".to_owned())
            && got.contains(&"candidates.not_competitive".to_owned()),
        "{problem}"
    );

    for id in [&b, &c, &d, &e] {
        approve_all(&s, &r, id).await;
    }
    let (status, _) = s.stack.post(&publish, Some(&r.observer), &json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, list) = s.stack.post(&publish, Some(&s.officer), &json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{list}");
    assert_eq!(list["items"].as_array().map(Vec::len), Some(5));
    assert_eq!(
        list["items"][0]["position"], "director",
        "highest post first"
    );
    assert!(
        list["ballot_fingerprint"]
            .as_str()
            .is_some_and(|f| f.starts_with("sha256:")),
        "{list}"
    );
    assert_eq!(
        list["published_at"].as_str().map(|t| &t[..10]),
        Some("2024-05-15"),
        "the drill clock"
    );
    let (status, problem) = s.stack.post(&publish, Some(&s.officer), &json!({})).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("candidates.already_published"))
    );
    // The frozen list: a late approval cannot join it; rejections still clear the queue.
    let (status, problem) = decide(&s, &s.officer, &late, approve("community")).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("candidates.frozen")),
        "{problem}"
    );
    let (status, _) = decide(
        &s,
        &s.officer,
        &again,
        json!({"stage": "community", "decision": "reject", "reason": "名单已公布"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, shown) = s
        .stack
        .get(
            &format!("/api/v1/contests/{}/candidates", s.contest),
            Some(&r.observer),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(shown, list);

    // The nomination service learns of the publication from the event: the contest is
    // `published` and takes no more nominations.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let (_, contest) = s
            .stack
            .get(
                &format!("/api/v1/contests/{}", s.contest),
                Some(&r.observer),
            )
            .await;
        if contest["status"] == "published" {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{contest}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (status, problem) = s
        .nominate(
            &s.officer,
            &joint("member", &s.ten(), registered(&s.voter("甲四"))),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("nomination.list_published")),
        "{problem}"
    );
    // The contest's nomination list shows the review service's stages and statuses.
    let (_, listed) = s
        .stack
        .get(
            &format!("/api/v1/contests/{}/nominations", s.contest),
            Some(&r.observer),
        )
        .await;
    let status_of = |id: &str| {
        listed["items"]
            .as_array()
            .and_then(|i| i.iter().find(|n| n["id"] == id))
            .map(|n| (n["status"].clone(), n["review_stage"].clone()))
    };
    assert_eq!(
        status_of(&a),
        Some((json!("approved"), Value::Null)),
        "{listed}"
    );
    assert_eq!(
        status_of(&late),
        Some((json!("submitted"), json!("community")))
    );

    let decided: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM review.outbox WHERE event_type = 'juxuan.review.v1.ReviewDecided'",
    )
    .fetch_one(&s.stack.pool)
    .await
    .expect("outbox");
    assert_eq!(decided, 3 + 1 + 4 * 3 + 1);
    let published: i64 = sqlx::query_scalar("SELECT count(*) FROM review.outbox WHERE event_type = 'juxuan.review.v1.CandidateListPublished'")
        .fetch_one(&s.stack.pool).await.expect("outbox");
    assert_eq!(published, 1);
    let audited: i64 =
        sqlx::query_scalar("SELECT count(*) FROM review.audit_log WHERE object_id = $1")
            .bind(&a)
            .fetch_one(&s.stack.pool)
            .await
            .expect("audit");
    assert_eq!(audited, 3);
    s.stack.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn r_cand_publish_too_late_and_a_withdrawal_closes_the_case() {
    let s = Setup::start().await;
    let r = reviewers(&s).await;
    let id = nominate(&s, "member", "甲六").await;
    let candidate = nominate(&s, "member", "甲七").await;
    wait_for_cases(&s, 2).await;
    // An official candidate who withdraws before publication leaves the list.
    approve_all(&s, &r, &candidate).await;
    let candidates = format!("/api/v1/contests/{}/candidates", s.contest);
    assert_eq!(
        s.stack.get(&candidates, Some(&s.officer)).await.1["items"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    let (status, _) = s
        .stack
        .post(
            &format!("/api/v1/nominations/{candidate}:withdraw"),
            Some(&s.officer),
            &json!({"reason": "本人申请"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while s.stack.get(&candidates, Some(&s.officer)).await.1["items"] != json!([]) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the withdrawn candidate stays listed"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (status, w) = s
        .stack
        .post(
            &format!("/api/v1/nominations/{id}:withdraw"),
            Some(&s.officer),
            &json!({"reason": "本人申请"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{w}");
    wait_for_cases(&s, 0).await;
    let (status, problem) = decide(
        &s,
        &s.officer,
        &id,
        json!({"stage": "community", "decision": "approve"}),
    )
    .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("review.wrong_stage")),
        "{problem}"
    );
    let (_, shown) = s
        .stack
        .get(&format!("/api/v1/nominations/{id}"), Some(&s.officer))
        .await;
    assert_eq!(shown["status"], "withdrawn");

    // Election day 2024-05-24: the list is due by 2024-05-21 (3 calendar days before).
    s.advance("2024-05-22T08:00:00+08:00").await;
    let (status, problem) = s
        .stack
        .post(
            &format!("/api/v1/contests/{}/candidates:publish", s.contest),
            Some(&s.officer),
            &json!({}),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("candidates.too_late")
        ),
        "{problem}"
    );
    s.stack.stop().await;
}
