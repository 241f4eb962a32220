//! Elections and contests (R-ELECTION): set-up by the district admin, a drill's clock,
//! cloning, contest status, and who may read and change what.

use juxuan_tests::Stack;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn seed_by_election(district: &str, mode: &str) -> Value {
    json!({
        "district_id": district, "title": "城南街道社区居民委员会补选", "kind": "by_election", "mode": mode,
        "method": "resident_representatives", "nomination_opens_on": "2024-05-14", "nomination_closes_on": "2024-05-17",
        "clock": if mode == "drill" { json!("2024-05-14T09:00:00+08:00") } else { Value::Null },
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn an_admin_sets_up_a_drill_by_election_with_its_rule_profile_and_clock() {
    let stack = Stack::start().await;
    let a = stack.areas().await;
    let (status, election) = stack
        .post(
            "/api/v1/elections",
            Some(&a.admin),
            &seed_by_election(&a.district, "drill"),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{election}");
    assert_eq!(
        election["rules"]["profile"], "cn-2018-jilin",
        "the profile in force when nominations open"
    );
    assert!(
        election["clock"]
            .as_str()
            .is_some_and(|c| c.starts_with("2024-05-14T09:0") && c.ends_with("+08:00")),
        "{election}"
    );
    let id = election["id"].as_str().expect("id");

    let (status, fetched) = stack
        .get(&format!("/api/v1/elections/{id}"), Some(&a.admin))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(fetched["title"], "城南街道社区居民委员会补选");
    let (_, list) = stack
        .get(
            &format!("/api/v1/elections?district_id={}", a.district),
            Some(&a.admin),
        )
        .await;
    assert_eq!(list["items"][0]["id"], id);

    let mut live = seed_by_election(&a.district, "live");
    live["nomination_opens_on"] = json!("2026-12-01");
    live["nomination_closes_on"] = json!("2026-12-10");
    live["rules"] = json!({"profile": "cn-2018-jilin"});
    let (status, named) = stack.post("/api/v1/elections", Some(&a.admin), &live).await;
    assert_eq!(status, StatusCode::CREATED, "{named}");
    assert_eq!(
        named["rules"]["profile"], "cn-2018-jilin",
        "a named profile wins over the date"
    );
    live["rules"] = Value::Null;
    let (_, by_date) = stack.post("/api/v1/elections", Some(&a.admin), &live).await;
    assert_eq!(by_date["rules"]["profile"], "cn-2026");
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_drill_clock_moves_forward_only_and_a_live_one_not_at_all() {
    let stack = Stack::start().await;
    let a = stack.areas().await;
    let (_, drill) = stack
        .post(
            "/api/v1/elections",
            Some(&a.admin),
            &seed_by_election(&a.district, "drill"),
        )
        .await;
    let id = drill["id"].as_str().expect("id");
    let advance = format!("/api/v1/elections/{id}/clock:advance");
    let (status, moved) = stack
        .post(
            &advance,
            Some(&a.admin),
            &json!({"to": "2024-05-20T08:00:00+08:00"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    assert!(
        moved["clock"]
            .as_str()
            .is_some_and(|c| c.starts_with("2024-05-20T08:0")),
        "{moved}"
    );
    let (status, problem) = stack
        .post(
            &advance,
            Some(&a.admin),
            &json!({"to": "2024-05-19T08:00:00+08:00"}),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("election.clock_backwards"))
    );
    let (status, problem) = stack
        .post(&advance, Some(&a.admin), &json!({"to": "tomorrow"}))
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("request.invalid_instant"))
    );
    let officer = stack
        .officer(&a.admin, "street.officer", "street_officer", &a.street)
        .await;
    assert_eq!(
        stack
            .post(
                &advance,
                Some(&officer),
                &json!({"to": "2024-06-01T08:00:00+08:00"})
            )
            .await
            .0,
        StatusCode::FORBIDDEN
    );

    let (_, live) = stack
        .post(
            "/api/v1/elections",
            Some(&a.admin),
            &seed_by_election(&a.district, "live"),
        )
        .await;
    let live_advance = format!(
        "/api/v1/elections/{}/clock:advance",
        live["id"].as_str().expect("id")
    );
    let (status, problem) = stack
        .post(
            &live_advance,
            Some(&a.admin),
            &json!({"to": "2030-01-01T00:00:00+08:00"}),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("election.not_drill"))
    );
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_election_fields_are_listed_together() {
    let stack = Stack::start().await;
    let a = stack.areas().await;
    let body = json!({
        "district_id": a.district, "title": "", "kind": "special", "mode": "live", "method": "lottery",
        "nomination_opens_on": "2024-05-20", "nomination_closes_on": "2024-05-14", "clock": "2024-05-14T09:00:00+08:00",
    });
    let (status, problem) = stack.post("/api/v1/elections", Some(&a.admin), &body).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    assert_eq!(
        fields,
        ["title", "kind", "nomination_closes_on", "clock", "method"]
    );
    let mut unknown_profile = seed_by_election(&a.district, "live");
    unknown_profile["rules"] = json!({"profile": "cn-1989"});
    let (status, problem) = stack
        .post("/api/v1/elections", Some(&a.admin), &unknown_profile)
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("rules.unknown_profile"))
    );
    let officer = stack
        .officer(&a.admin, "street.officer", "street_officer", &a.street)
        .await;
    let (status, _) = stack
        .post(
            "/api/v1/elections",
            Some(&officer),
            &seed_by_election(&a.district, "live"),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn contests_are_one_per_community_with_seats_and_a_status_from_the_clock() {
    let stack = Stack::start().await;
    let a = stack.areas().await;
    let (_, election) = stack
        .post(
            "/api/v1/elections",
            Some(&a.admin),
            &seed_by_election(&a.district, "drill"),
        )
        .await;
    let id = election["id"].as_str().expect("id");
    let contests = format!("/api/v1/elections/{id}/contests");
    let body = json!({"community_id": a.community, "election_day": "2024-05-24", "positions": [{"position": "member", "seats": 1}]});
    let (status, contest) = stack.post(&contests, Some(&a.admin), &body).await;
    assert_eq!(status, StatusCode::CREATED, "{contest}");
    assert_eq!(contest["status"], "nominating");
    assert_eq!(contest["community"], "南岭社区");
    assert_eq!(
        contest["positions"],
        json!([{"position": "member", "seats": 1}])
    );
    let (status, problem) = stack.post(&contests, Some(&a.admin), &body).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("contest.duplicate"))
    );

    let early = json!({"community_id": a.other_community, "election_day": "2024-05-16", "positions": [{"position": "director", "seats": 1}]});
    let (status, problem) = stack.post(&contests, Some(&a.admin), &early).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("contest.election_day_too_early")
        )
    );
    let bad = json!({"community_id": a.other_community, "election_day": "2024-05-24",
        "positions": [{"position": "chairman", "seats": 1}, {"position": "director", "seats": 2}]});
    let (status, problem) = stack.post(&contests, Some(&a.admin), &bad).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("nomination.unknown_position"))
    );
    assert_eq!(problem["errors"][1]["code"], "contest.invalid_seats");
    let director = json!({"community_id": a.other_community, "election_day": "2024-05-24", "positions": [{"position": "director", "seats": 1}]});
    assert_eq!(
        stack.post(&contests, Some(&a.admin), &director).await.0,
        StatusCode::CREATED
    );

    // Area scope: a community officer sees its own contest only; a street officer its street's.
    let community_officer = stack
        .officer(&a.admin, "nl.officer", "community_officer", &a.community)
        .await;
    let street_officer = stack
        .officer(&a.admin, "cn.officer", "street_officer", &a.street)
        .await;
    let (_, own) = stack.get(&contests, Some(&community_officer)).await;
    assert_eq!(own["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(own["items"][0]["community_id"], a.community.as_str());
    let (_, all) = stack.get(&contests, Some(&a.admin)).await;
    assert_eq!(all["items"].as_array().map(Vec::len), Some(2));
    let (_, street) = stack.get(&contests, Some(&street_officer)).await;
    assert_eq!(street["items"].as_array().map(Vec::len), Some(1));
    let other_id = all["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|c| c["community_id"] == a.other_community.as_str())
        .expect("other")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    assert_eq!(
        stack
            .get(
                &format!("/api/v1/contests/{other_id}"),
                Some(&community_officer)
            )
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        stack.post(&contests, Some(&street_officer), &body).await.0,
        StatusCode::FORBIDDEN
    );

    // Moving the drill's clock past the nomination window moves the status on.
    let contest_id = contest["id"].as_str().expect("id");
    stack
        .post(
            &format!("/api/v1/elections/{id}/clock:advance"),
            Some(&a.admin),
            &json!({"to": "2024-05-18T08:00:00+08:00"}),
        )
        .await;
    let (_, after) = stack
        .get(
            &format!("/api/v1/contests/{contest_id}"),
            Some(&community_officer),
        )
        .await;
    assert_eq!(after["status"], "reviewing");
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn cloning_copies_every_contest_and_its_seats_onto_the_new_day() {
    let stack = Stack::start().await;
    let a = stack.areas().await;
    let (_, election) = stack
        .post(
            "/api/v1/elections",
            Some(&a.admin),
            &seed_by_election(&a.district, "live"),
        )
        .await;
    let id = election["id"].as_str().expect("id");
    for (community, position) in [(&a.community, "member"), (&a.other_community, "director")] {
        let body = json!({"community_id": community, "election_day": "2024-05-24", "positions": [{"position": position, "seats": 1}]});
        assert_eq!(
            stack
                .post(
                    &format!("/api/v1/elections/{id}/contests"),
                    Some(&a.admin),
                    &body
                )
                .await
                .0,
            StatusCode::CREATED
        );
    }
    let clone = json!({"title": "2026年换届选举", "kind": "general", "mode": "drill",
        "nomination_opens_on": "2026-03-01", "nomination_closes_on": "2026-03-10", "election_day": "2026-04-12"});
    let (status, copy) = stack
        .post(
            &format!("/api/v1/elections/{id}:clone"),
            Some(&a.admin),
            &clone,
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{copy}");
    assert_eq!(copy["cloned_from"], id);
    assert_eq!(copy["rules"]["profile"], "cn-2026");
    assert_eq!(copy["method"], "resident_representatives");
    let (_, contests) = stack
        .get(
            &format!(
                "/api/v1/elections/{}/contests",
                copy["id"].as_str().expect("id")
            ),
            Some(&a.admin),
        )
        .await;
    let items = contests["items"].as_array().expect("items");
    assert_eq!(items.len(), 2);
    assert!(items.iter().all(|c| c["election_day"] == "2026-04-12"));
    let seats: Vec<&str> = items
        .iter()
        .filter_map(|c| c["positions"][0]["position"].as_str())
        .collect();
    assert_eq!(seats, ["member", "director"]);
    let (status, _) = stack
        .post(
            &format!("/api/v1/elections/{id}:copy"),
            Some(&a.admin),
            &clone,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let outbox: Vec<String> = sqlx::query_scalar("SELECT event_type FROM nomination.outbox WHERE event_type <> 'juxuan.nomination.v1.AreaCreated' ORDER BY seq")
        .fetch_all(&stack.pool)
        .await
        .expect("outbox");
    assert_eq!(
        outbox
            .iter()
            .filter(|t| t.ends_with("ElectionCreated"))
            .count(),
        2
    );
    assert_eq!(
        outbox
            .iter()
            .filter(|t| t.ends_with("ContestCreated"))
            .count(),
        4
    );
    stack.stop().await;
}
