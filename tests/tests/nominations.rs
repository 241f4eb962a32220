//! Nominations (R-NOM-METHOD, R-NOM-WINDOW, R-NOM-DUP) and the nominee's eligibility
//! (R-ELIG-*), through the REST API against the real services.

use juxuan_tests::fixtures::{Setup, check, codes, id_of, joint, particulars, registered};
use juxuan_tests::{Stack, identity_number};
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread")]
async fn r_nom_method_ten_voters_nominate_and_the_eligibility_report_is_stored() {
    let s = Setup::start().await;
    let nominee = s.voter("甲六");
    let (status, n) = s
        .nominate(&s.officer, &joint("member", &s.ten(), registered(&nominee)))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{n}");
    assert_eq!(n["status"], "submitted");
    assert_eq!(n["review_stage"], "community");
    assert_eq!(n["profile"], "cn-2018-jilin");
    assert_eq!(n["eligibility"]["eligible"], true, "{n}");
    assert_eq!(check(&n, "R-ELIG-AGE")["outcome"], "pass");
    assert_eq!(n["nominee"]["name"], "甲六");
    assert_eq!(n["nominee"]["voter_id"], json!(nominee));
    assert!(
        n["nominee"]["id_number_masked"]
            .as_str()
            .is_some_and(|m| m.contains("********"))
    );
    assert!(n["nominee"].get("id_number").is_none(), "{n}");
    assert_eq!(n["nominator_ids"].as_array().map(Vec::len), Some(10));
    assert_eq!(
        n["submitted_at"].as_str().map(|t| &t[..10]),
        Some("2024-05-15"),
        "the drill clock"
    );
    // Details follow the request's language.
    assert!(
        check(&n, "R-ELIG-AGE")["detail"]
            .as_str()
            .is_some_and(|d| !d.is_ascii())
    );

    let id = n["id"].as_str().expect("id");
    let r = s
        .stack
        .http
        .get(s.stack.url(&format!("/api/v1/nominations/{id}")))
        .bearer_auth(&s.officer)
        .header("accept-language", "en")
        .send()
        .await
        .expect("get");
    let (status, shown) = juxuan_tests::decode(r).await;
    assert_eq!(status, StatusCode::OK, "{shown}");
    assert_eq!(shown["eligibility"]["eligible"], true);
    assert!(
        check(&shown, "R-ELIG-AGE")["detail"]
            .as_str()
            .is_some_and(str::is_ascii),
        "{shown}"
    );

    let (status, list) = s
        .stack
        .get(
            &format!(
                "/api/v1/contests/{}/nominations?position=member&status=submitted",
                s.contest
            ),
            Some(&s.officer),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(list["items"].as_array().map(Vec::len), Some(1));
    let (_, none) = s
        .stack
        .get(
            &format!(
                "/api/v1/contests/{}/nominations?position=director",
                s.contest
            ),
            Some(&s.officer),
        )
        .await;
    assert_eq!(none["items"], json!([]));
    let (status, bad) = s
        .stack
        .get(
            &format!("/api/v1/contests/{}/nominations?position=king", s.contest),
            Some(&s.officer),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");

    assert_eq!(s.outbox("NominationSubmitted").await, 1);
    let audited: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM nomination.audit_log WHERE object_id = $1 AND action = 'nomination.submitted'",
    )
    .bind(id)
    .fetch_one(&s.stack.pool)
    .await
    .expect("audit");
    assert_eq!(audited, 1);
    s.stack.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn r_nom_method_each_nominator_is_checked_before_their_number() {
    let s = Setup::start().await;
    // Nine good voters, one repeated, one unknown, one under age: nine count, ten are needed.
    let mut nominators: Vec<String> = s.ten()[..9].to_vec();
    nominators.push(s.voter("甲一"));
    nominators.push("0190a5c4-0000-7000-8000-000000000000".into());
    nominators.push(s.voter("少年"));
    let (status, problem) = s
        .nominate(
            &s.officer,
            &joint("member", &nominators, registered(&s.voter("甲十"))),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["code"], "nomination.nominator_not_eligible");
    assert_eq!(
        codes(&problem),
        [
            "nomination.nominator_not_eligible",
            "nomination.nominator_not_eligible",
            "nomination.nominator_not_eligible",
            "nomination.too_few_nominators",
        ]
    );
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    assert_eq!(
        fields[..3],
        ["nominator_ids[9]", "nominator_ids[10]", "nominator_ids[11]"]
    );

    // Exactly ten counts (R-NOM-METHOD: ≥ 10, 以上 includes ten).
    let (status, n) = s
        .nominate(
            &s.officer,
            &joint("member", &s.ten(), registered(&s.voter("甲十"))),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{n}");

    // Household representatives: five needed, and only those holding the status count.
    let reps: Vec<String> = ["甲一", "甲二", "甲三", "甲四", "甲六"]
        .iter()
        .map(|v| s.voter(v))
        .collect();
    let body = json!({"position": "member", "method": "joint_household_reps", "nominator_ids": reps,
                      "nominee": registered(&s.voter("甲九"))});
    let (status, problem) = s.nominate(&s.officer, &body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(
        codes(&problem),
        [
            "nomination.nominator_not_eligible",
            "nomination.too_few_nominators"
        ]
    );
    let reps: Vec<String> = ["甲一", "甲二", "甲三", "甲四", "甲五"]
        .iter()
        .map(|v| s.voter(v))
        .collect();
    let body = json!({"position": "member", "method": "joint_household_reps", "nominator_ids": reps,
                      "nominee": registered(&s.voter("甲九"))});
    let (status, n) = s.nominate(&s.officer, &body).await;
    assert_eq!(status, StatusCode::CREATED, "{n}");

    // Two residents' representatives.
    let body = json!({"position": "director", "method": "joint_representatives",
                      "nominator_ids": [s.voter("甲一"), s.voter("甲二")], "nominee": registered(&s.voter("甲八"))});
    let (status, n) = s.nominate(&s.officer, &body).await;
    assert_eq!(status, StatusCode::CREATED, "{n}");

    // A nominee not in the register is reported with the other broken rules.
    let mut unknown = registered("0190a5c4-0000-7000-8000-00000000beef");
    unknown["name"] = json!("无名");
    let (status, problem) = s
        .nominate(&s.officer, &joint("member", &s.ten()[..9], unknown))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(
        codes(&problem),
        [
            "nomination.too_few_nominators",
            "nomination.nominee_not_registered"
        ]
    );
    // A registered nominee's name is the register's.
    let mut renamed = registered(&s.voter("甲七"));
    renamed["name"] = json!("别名");
    let (status, problem) = s
        .nominate(&s.officer, &joint("member", &s.ten(), renamed))
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("nomination.nominee_mismatch")),
        "{problem}"
    );

    // A position the contest does not elect.
    let (status, problem) = s
        .nominate(
            &s.officer,
            &joint("deputy_director", &s.ten(), registered(&s.voter("甲七"))),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("nomination.unknown_position")
        )
    );
    // A position that does not exist at all is a malformed request.
    let (status, problem) = s
        .nominate(
            &s.officer,
            &joint("king", &s.ten(), registered(&s.voter("甲七"))),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
    assert_eq!(s.outbox("NominationSubmitted").await, 3);
    s.stack.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn r_nom_self_a_registered_voter_nominates_themself_alone() {
    let s = Setup::start().await;
    let me = s.voter("甲七");
    let body = json!({"position": "member", "method": "self", "nominator_ids": [], "nominee": registered(&me)});
    let (status, n) = s.nominate(&s.officer, &body).await;
    assert_eq!(status, StatusCode::CREATED, "{n}");
    assert_eq!(n["nominator_ids"], json!([me]));
    // Someone else cannot self-nominate another; an outsider cannot self-nominate.
    let body = json!({"position": "director", "method": "self", "nominator_ids": [s.voter("甲一")], "nominee": registered(&me)});
    let (status, problem) = s.nominate(&s.officer, &body).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("nomination.nominator_not_eligible")
        ),
        "{problem}"
    );
    let mut outsider = particulars();
    outsider["name"] = json!("外来人");
    outsider["id_number"] = json!(identity_number("19850505", 77, true));
    let body = json!({"position": "director", "method": "self", "nominee": outsider});
    let (status, problem) = s.nominate(&s.officer, &body).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("nomination.nominator_not_eligible")
        ),
        "{problem}"
    );
    s.stack.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn r_nom_window_both_days_count_and_the_day_after_is_refused() {
    let s = Setup::start().await;
    s.advance("2024-05-17T23:59:00+08:00").await;
    let (status, n) = s
        .nominate(
            &s.officer,
            &joint("member", &s.ten(), registered(&s.voter("甲六"))),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "the last day is inside the window: {n}"
    );
    s.advance("2024-05-18T00:00:00+08:00").await;
    let (status, problem) = s
        .nominate(
            &s.officer,
            &joint("member", &s.ten(), registered(&s.voter("甲七"))),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("nomination.window_closed")
        ),
        "{problem}"
    );
    s.stack.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn r_nom_dup_once_per_person_and_position_even_when_racing() {
    let s = Setup::start().await;
    let body = joint("member", &s.ten(), registered(&s.voter("甲六")));
    let results = futures::future::join_all((0..6).map(|_| s.nominate(&s.officer, &body))).await;
    let created = results
        .iter()
        .filter(|(st, _)| *st == StatusCode::CREATED)
        .count();
    assert_eq!(created, 1, "{results:?}");
    for (status, problem) in results.iter().filter(|(st, _)| *st != StatusCode::CREATED) {
        assert_eq!(
            (*status, problem["code"].as_str()),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("nomination.duplicate_nominee")
            )
        );
    }
    // The same person by identity number instead of voter id is the same person.
    let mut by_number = particulars();
    by_number["name"] = json!("甲六");
    by_number["id_number"] = json!(id_of("19800106", 6));
    let (status, problem) = s
        .nominate(&s.officer, &joint("member", &s.ten(), by_number))
        .await;
    assert_eq!(problem["code"], "nomination.duplicate_nominee", "{problem}");
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // Another position is another nomination.
    let (status, _) = s
        .nominate(
            &s.officer,
            &joint("director", &s.ten(), registered(&s.voter("甲六"))),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(s.outbox("NominationSubmitted").await, 2);
    s.stack.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn r_elig_an_ineligible_nominee_is_recorded_with_its_failed_checks() {
    let s = Setup::start().await;
    // R-ELIG-AGE: still 55 on election day passes; 56 that day fails.
    let (status, n) = s
        .nominate(
            &s.officer,
            &joint("member", &s.ten(), registered(&s.voter("五十五"))),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{n}");
    assert_eq!(check(&n, "R-ELIG-AGE")["outcome"], "pass", "{n}");
    let (status, n) = s
        .nominate(
            &s.officer,
            &joint("member", &s.ten(), registered(&s.voter("五十六"))),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{n}");
    assert_eq!(n["eligibility"]["eligible"], false);
    assert_eq!(check(&n, "R-ELIG-AGE")["outcome"], "fail");
    // A city-level honour relaxes the age (R-ELIG-AGE) but nothing relaxes a disqualification.
    let mut honoured = registered(&s.voter("五十六"));
    honoured["honours"] = json!([{"level": "city", "title": "市优秀社区工作者"}]);
    let (status, n) = s
        .nominate(&s.officer, &joint("director", &s.ten(), honoured))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{n}");
    assert_eq!(check(&n, "R-ELIG-AGE")["outcome"], "relaxed", "{n}");
    // …but she (a woman, cadre base) reached retirement age at 55 in 2023: never relaxed.
    assert_eq!(check(&n, "R-ELIG-RETIRE")["outcome"], "fail", "{n}");
    assert_eq!(n["eligibility"]["eligible"], false);
    let mut disqualified = registered(&s.voter("甲八"));
    disqualified["disqualifications"] = json!([3]);
    disqualified["honours"] = json!([{"level": "national", "title": "全国先进工作者"}]);
    disqualified["outstanding_contribution"] = json!(true);
    let (_, n) = s
        .nominate(&s.officer, &joint("member", &s.ten(), disqualified))
        .await;
    assert_eq!(n["eligibility"]["eligible"], false);
    assert_eq!(check(&n, "R-ELIG-DISQ")["outcome"], "fail");
    // An outsider by identity number, living elsewhere with the committee's consent.
    let mut outsider = particulars();
    outsider["name"] = json!("外来人");
    let outsider_number = identity_number("19900606", 41, false);
    outsider["id_number"] = json!(outsider_number);
    outsider["resides_in_community"] = json!(false);
    outsider["committee_consent"] = json!(true);
    let (status, n) = s
        .nominate(&s.officer, &joint("member", &s.ten(), outsider))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{n}");
    assert_eq!(n["nominee"]["voter_id"], Value::Null);
    assert!(
        !n.to_string().contains(&outsider_number),
        "the number never comes back: {n}"
    );
    assert_eq!(n["nominee"]["gender"], "female");
    assert_eq!(check(&n, "R-ELIG-RES")["outcome"], "relaxed");
    let (_, ineligible) = s
        .stack
        .get(
            &format!("/api/v1/contests/{}/nominations?eligible=false", s.contest),
            Some(&s.officer),
        )
        .await;
    assert_eq!(
        ineligible["items"].as_array().map(Vec::len),
        Some(3),
        "{ineligible}"
    );

    // Malformed particulars and identity numbers are 400s naming the field.
    let mut bad = registered(&s.voter("甲九"));
    bad["education"] = json!("kindergarten");
    let (status, problem) = s
        .nominate(&s.officer, &joint("member", &s.ten(), bad))
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (
            StatusCode::BAD_REQUEST,
            Some("nomination.invalid_particulars")
        ),
        "{problem}"
    );
    let mut bad = particulars();
    bad["name"] = json!("错号");
    bad["id_number"] = json!("990000199001010011");
    let (status, problem) = s
        .nominate(&s.officer, &joint("member", &s.ten(), bad))
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("voter.invalid_id_number")),
        "{problem}"
    );
    s.stack.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn nominations_are_taken_by_the_community_keepers_and_read_by_observers() {
    let s = Setup::start().await;
    let body = joint("member", &s.ten(), registered(&s.voter("甲六")));
    let other = s
        .stack
        .officer(
            &s.a.admin,
            "beiyuan.officer",
            "community_officer",
            &s.a.other_community,
        )
        .await;
    let other_street = s
        .stack
        .officer(
            &s.a.admin,
            "chengbei.officer",
            "street_officer",
            &s.a.other_street,
        )
        .await;
    let observer = s
        .stack
        .officer(&s.a.admin, "jgw.observer", "observer", &s.a.district)
        .await;
    let teller = s
        .stack
        .officer(&s.a.admin, "nanling.teller", "teller", &s.a.community)
        .await;
    for token in [&other, &other_street, &observer, &teller] {
        let (status, problem) = s.nominate(token, &body).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{problem}");
    }
    let (status, _) = s.nominate("not-a-token", &body).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let street = s
        .stack
        .officer(
            &s.a.admin,
            "chengnan.officer",
            "street_officer",
            &s.a.street,
        )
        .await;
    let (status, n) = s.nominate(&street, &body).await;
    assert_eq!(status, StatusCode::CREATED, "{n}");
    let id = n["id"].as_str().expect("id");
    let (status, _) = s
        .stack
        .get(&format!("/api/v1/nominations/{id}"), Some(&observer))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = s
        .stack
        .get(&format!("/api/v1/nominations/{id}"), Some(&other))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = s
        .stack
        .post(
            &format!("/api/v1/nominations/{id}:withdraw"),
            Some(&observer),
            &json!({"reason": "本人申请"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(s.outbox("NominationSubmitted").await, 1);
    s.stack.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_withdrawn_nomination_needs_a_reason_frees_the_position_and_says_so_once() {
    let s = Setup::start().await;
    let body = joint("member", &s.ten(), registered(&s.voter("甲六")));
    let (_, n) = s.nominate(&s.officer, &body).await;
    let withdraw = format!(
        "/api/v1/nominations/{}:withdraw",
        n["id"].as_str().expect("id")
    );
    // Oversized bodies are problems, not plain text, whatever the extractor.
    let huge = format!("{{\"reason\": \"{}\"}}", "长".repeat(700_000));
    for path in [
        withdraw.clone(),
        format!("/api/v1/contests/{}/nominations", s.contest),
    ] {
        // A client of its own: the server answers before reading the whole body and closes
        // the connection, which a pooled client would otherwise reuse for the next request.
        let r = reqwest::Client::new()
            .post(s.stack.url(&path))
            .bearer_auth(&s.officer)
            .header("content-type", "application/json")
            .body(huge.clone())
            .send()
            .await
            .expect("request");
        let (status, problem) = juxuan_tests::decode(r).await;
        assert_eq!(
            (status, problem["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some("request.too_large")),
            "{path}: {problem}"
        );
    }
    let (status, problem) = s
        .stack
        .post(&withdraw, Some(&s.officer), &json!({"reason": "  "}))
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("nomination.reason_required"))
    );
    let (status, w) = s
        .stack
        .post(
            &withdraw,
            Some(&s.officer),
            &json!({"reason": "本人申请撤回"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{w}");
    assert_eq!(w["status"], "withdrawn");
    assert_eq!(w["review_stage"], Value::Null);
    assert_eq!(w["withdraw_reason"], "本人申请撤回");
    let (status, problem) = s
        .stack
        .post(&withdraw, Some(&s.officer), &json!({"reason": "再次"}))
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("nomination.not_standing"))
    );
    assert_eq!(s.outbox("NominationWithdrawn").await, 1);
    // R-NOM-DUP counts standing nominations only.
    let (status, again) = s.nominate(&s.officer, &body).await;
    assert_eq!(status, StatusCode::CREATED, "{again}");
    let (status, _) = s
        .stack
        .post(
            &format!(
                "/api/v1/nominations/{}:promote",
                n["id"].as_str().expect("id")
            ),
            Some(&s.officer),
            &json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    s.stack.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_elections_rules_are_validated_per_field_and_decide_its_nominations() {
    let stack = Stack::start().await;
    let a = stack.areas().await;
    let election = json!({
        "district_id": a.district, "title": "换届", "kind": "general", "mode": "drill", "method": "all_voters",
        "nomination_opens_on": "2024-05-14", "nomination_closes_on": "2024-05-17",
        "rules": {"quorum": {"at_least": [1, 2]}, "max_age_new": 200, "threshold": "more_than_half_of_cast"},
    });
    let (status, problem) = stack
        .post("/api/v1/elections", Some(&a.admin), &election)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    assert_eq!(fields, ["rules.max_age_new", "rules.quorum"]);
    assert_eq!(codes(&problem), ["rules.out_of_range", "rules.below_half"]);
    let mut unknown = election.clone();
    unknown["rules"] = json!({"quorom": "two_thirds"});
    let (status, problem) = stack
        .post("/api/v1/elections", Some(&a.admin), &unknown)
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("rules.invalid")),
        "{problem}"
    );
    stack.stop().await;

    // Three joint voters suffice when the election says so; the stored profile shows it.
    let s = Setup::start_with(json!({"min_nominators_joint_voters": 3})).await;
    let (_, election) = s
        .stack
        .get(
            &format!("/api/v1/elections/{}", s.election),
            Some(&s.a.admin),
        )
        .await;
    assert_eq!(election["rules"]["profile"], "cn-2018-jilin");
    assert_eq!(election["rules"]["min_nominators_joint_voters"], 3);
    assert_eq!(election["rules"]["max_age_new"], 55);
    let (status, n) = s
        .nominate(
            &s.officer,
            &joint("member", &s.ten()[..3], registered(&s.voter("甲六"))),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{n}");
    let (status, problem) = s
        .nominate(
            &s.officer,
            &joint("member", &s.ten()[..2], registered(&s.voter("甲七"))),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("nomination.too_few_nominators")
        )
    );
    s.stack.stop().await;
}
