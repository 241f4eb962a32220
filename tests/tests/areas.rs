//! Areas through the gateway to the nomination service: creation, listing, paging, names,
//! CSV import, audit entries and `AreaCreated` events.

use juxuan_tests::Stack;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn an_admin_builds_a_street_with_communities_and_groups() {
    let stack = Stack::start().await;
    let a = stack.areas().await;

    let (status, streets) = stack
        .get(
            &format!("/api/v1/districts/{}/streets", a.district),
            Some(&a.admin),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let names: Vec<&str> = streets["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert_eq!(names, ["城南街道", "城北街道"]);
    assert_eq!(streets["items"][0]["code"], "chengnan");
    assert_eq!(streets["items"][1]["code"], serde_json::Value::Null);
    assert_eq!(streets["next_cursor"], serde_json::Value::Null);

    let (status, community) = stack
        .get(
            &format!("/api/v1/communities/{}", a.community),
            Some(&a.admin),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(community["name"], "南岭社区");
    assert_eq!(community["street_id"], a.street.as_str());
    assert_eq!(community["district_id"], a.district.as_str());

    let group = stack
        .create(
            &format!("/api/v1/communities/{}/resident-groups", a.community),
            &a.admin,
            json!({"name": "第一居民小组"}),
        )
        .await;
    let (_, groups) = stack
        .get(
            &format!("/api/v1/communities/{}/resident-groups", a.community),
            Some(&a.admin),
        )
        .await;
    assert_eq!(groups["items"][0]["id"], group.as_str());
    assert_eq!(groups["items"][0]["name"], "第一居民小组");
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn names_are_unique_among_siblings_and_codes_in_the_district() {
    let stack = Stack::start().await;
    let a = stack.areas().await;
    let streets = format!("/api/v1/districts/{}/streets", a.district);
    let (status, problem) = stack
        .post(&streets, Some(&a.admin), &json!({"name": "城南街道"}))
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("area.duplicate_name"))
    );
    let (status, problem) = stack
        .post(
            &streets,
            Some(&a.admin),
            &json!({"name": "新街道", "code": "chengnan"}),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("area.duplicate_code"))
    );
    // The same community name is fine under another street.
    let (status, _) = stack
        .post(
            &format!("/api/v1/streets/{}/communities", a.other_street),
            Some(&a.admin),
            &json!({"name": "南岭社区"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let groups = format!("/api/v1/communities/{}/resident-groups", a.community);
    stack
        .create(&groups, &a.admin, json!({"name": "一组"}))
        .await;
    let (status, problem) = stack
        .post(&groups, Some(&a.admin), &json!({"name": "一组"}))
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("area.duplicate_name"))
    );
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_is_a_clear_400_never_a_500() {
    let stack = Stack::start().await;
    let a = stack.areas().await;
    let streets = format!("/api/v1/districts/{}/streets", a.district);
    let (status, problem) = stack
        .post(&streets, Some(&a.admin), &json!({"name": "   "}))
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("area.invalid_name"))
    );
    assert_eq!(problem["errors"][0]["field"], "name");
    let (status, problem) = stack
        .post(
            &streets,
            Some(&a.admin),
            &json!({"name": "x", "code": "城南"}),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("area.invalid_code"))
    );
    let (status, problem) = stack
        .post(&streets, Some(&a.admin), &json!({"nome": "typo"}))
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("request.invalid_body"))
    );
    let (status, problem) = stack
        .post(&streets, Some(&a.admin), &json!(["not", "an", "object"]))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");

    let malformed = stack
        .http
        .post(stack.url(&streets))
        .bearer_auth(&a.admin)
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .expect("request");
    assert_eq!(malformed.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        malformed.headers()["content-type"],
        "application/problem+json"
    );
    let (_, problem) = juxuan_tests::decode(malformed).await;
    assert_eq!(problem["code"], "request.malformed_json");
    assert_eq!(problem["title"], "请求无效");

    let english = stack
        .http
        .post(stack.url(&streets))
        .bearer_auth(&a.admin)
        .header("accept-language", "en")
        .header("content-type", "text/plain")
        .body("name=x")
        .send()
        .await
        .expect("request");
    assert_eq!(english.status(), StatusCode::BAD_REQUEST);
    let (_, problem) = juxuan_tests::decode(english).await;
    assert_eq!(problem["code"], "request.unsupported_media_type");
    assert_eq!(problem["title"], "Bad request");

    let (status, problem) = stack
        .get("/api/v1/districts/not-a-uuid/streets", Some(&a.admin))
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("request.invalid_id"))
    );
    let (status, _) = stack
        .get(
            &format!("/api/v1/districts/{}/streets?limit=0", a.district),
            Some(&a.admin),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "0 means the default");
    let (status, problem) = stack
        .get(
            &format!("/api/v1/districts/{}/streets?limit=501", a.district),
            Some(&a.admin),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("request.invalid_limit"))
    );
    let (status, problem) = stack
        .get(
            &format!("/api/v1/districts/{}/streets?limit=abc", a.district),
            Some(&a.admin),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("request.invalid_query"))
    );
    let (status, problem) = stack
        .get(
            &format!("/api/v1/districts/{}/streets?cursor=zzz", a.district),
            Some(&a.admin),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("request.invalid_cursor"))
    );
    let unknown = uuid::Uuid::new_v4();
    let (status, _) = stack
        .get(&format!("/api/v1/communities/{unknown}"), Some(&a.admin))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, problem) = stack
        .post(
            &format!("/api/v1/districts/{unknown}/streets"),
            Some(&a.admin),
            &json!({"name": "x"}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{problem}");
    let (status, _) = stack.get("/api/v1/no-such-thing", Some(&a.admin)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let r = stack
        .http
        .delete(stack.url(&streets))
        .bearer_auth(&a.admin)
        .send()
        .await
        .expect("request");
    let (status, problem) = juxuan_tests::decode(r).await;
    assert_eq!(
        (status, problem["status"].as_u64()),
        (StatusCode::METHOD_NOT_ALLOWED, Some(405))
    );
    assert_eq!(problem["code"], "route.method_not_allowed");
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn lists_page_with_a_cursor() {
    let stack = Stack::start().await;
    let a = stack.areas().await;
    for i in 0..5 {
        stack
            .create(
                &format!("/api/v1/streets/{}/communities", a.street),
                &a.admin,
                json!({"name": format!("社区{i}")}),
            )
            .await;
    }
    let path = format!("/api/v1/streets/{}/communities", a.street);
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let url = match &cursor {
            Some(c) => format!("{path}?limit=2&cursor={c}"),
            None => format!("{path}?limit=2"),
        };
        let (status, page) = stack.get(&url, Some(&a.admin)).await;
        assert_eq!(status, StatusCode::OK);
        let items = page["items"].as_array().expect("items");
        assert!(items.len() <= 2);
        seen.extend(
            items
                .iter()
                .map(|c| c["name"].as_str().expect("name").to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 6, "南岭社区 and five more, each once: {seen:?}");
    stack.stop().await;
}

async fn import(
    stack: &Stack,
    token: &str,
    district: &str,
    csv: &str,
) -> (StatusCode, serde_json::Value) {
    let r = stack
        .http
        .post(stack.url(&format!("/api/v1/districts/{district}/areas:import")))
        .bearer_auth(token)
        .header("content-type", "text/csv")
        .body(csv.to_owned())
        .send()
        .await
        .expect("request");
    juxuan_tests::decode(r).await
}

#[tokio::test(flavor = "multi_thread")]
async fn csv_import_keeps_good_lines_reports_bad_ones_and_is_idempotent() {
    let stack = Stack::start().await;
    let admin = stack.admin_token().await;
    let district = stack.district_id(&admin).await;
    let csv = "street,community,code\n\
               城南街道,南岭社区,nanling\n\
               城南街道,平台社区,pingtai\n\
               ,无街道社区,\n\
               城南街道,文良社区,文良\n\
               城东街道,东苑社区,dongyuan\n\
               城东街道,新苑社区,nanling\n";
    let (status, report) = import(&stack, &admin, &district, csv).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["streets_created"], 2);
    assert_eq!(report["communities_created"], 3);
    let rejected = report["rejected"].as_array().expect("rejected");
    let lines: Vec<(u64, &str)> = rejected
        .iter()
        .map(|r| {
            (
                r["line"].as_u64().expect("line"),
                r["code"].as_str().expect("code"),
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            (4, "area.invalid_name"),
            (5, "area.invalid_code"),
            (7, "area.duplicate_code")
        ]
    );
    assert!(
        rejected
            .iter()
            .all(|r| !r["reason"].as_str().unwrap_or("").is_empty())
    );

    let (_, again) = import(&stack, &admin, &district, csv).await;
    assert_eq!(again["streets_created"], 0);
    assert_eq!(again["communities_created"], 0);

    let (status, problem) = import(&stack, &admin, &district, "name,whatever\nx,y\n").await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("import.bad_header"))
    );
    let (status, _) = import(&stack, &admin, &district, "").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn every_creation_is_audited_and_announced_as_an_event() {
    let stack = Stack::start().await;
    let a = stack.areas().await;
    let (actor, action): (String, String) =
        sqlx::query_as("SELECT actor, action FROM nomination.audit_log WHERE object_id = $1")
            .bind(&a.street)
            .fetch_one(&stack.pool)
            .await
            .expect("audit entry of the street");
    assert_eq!(action, "area.street_created");
    let (_, me) = stack.get("/api/v1/me", Some(&a.admin)).await;
    assert_eq!(actor, me["id"].as_str().expect("id"));

    let events: Vec<(String, Vec<u8>)> =
        sqlx::query_as("SELECT event_type, payload FROM nomination.outbox ORDER BY seq")
            .fetch_all(&stack.pool)
            .await
            .expect("outbox");
    // The district (bootstrap), two streets and two communities.
    assert_eq!(events.len(), 5);
    assert!(
        events
            .iter()
            .all(|(t, _)| t == "juxuan.nomination.v1.AreaCreated")
    );
    let street_event: juxuan_proto::nomination::v1::AreaCreated =
        prost::Message::decode(events[1].1.as_slice()).expect("decodes");
    let area = street_event.area.expect("area");
    assert_eq!(area.id, a.street);
    assert_eq!(area.name, "城南街道");
    assert_eq!(street_event.code, "chengnan");

    // The relay publishes them to the stream.
    let client = redis::Client::open(stack.redis_url.as_str()).expect("redis url");
    let mut conn = client
        .get_multiplexed_async_connection()
        .await
        .expect("redis");
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let len: u64 = redis::cmd("XLEN")
            .arg("ev:nomination")
            .query_async(&mut conn)
            .await
            .expect("xlen");
        if len >= 5 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "events not published"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    stack.stop().await;
}
