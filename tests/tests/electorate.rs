//! The electorate of a contest (R-ELECTORATE, R-VOTER-AGE, R-ROLL-PUBLISH).

use juxuan_tests::{Stack, identity_number};
use reqwest::StatusCode;
use serde_json::json;

async fn contest(
    stack: &Stack,
    admin: &str,
    district: &str,
    community: &str,
    method: &str,
) -> String {
    let election = json!({
        "district_id": district, "title": "补选", "kind": "by_election", "mode": "drill", "method": method,
        "nomination_opens_on": "2024-05-14", "nomination_closes_on": "2024-05-17", "clock": "2024-05-14T09:00:00+08:00",
    });
    let id = stack.create("/api/v1/elections", admin, election).await;
    let body = json!({"community_id": community, "election_day": "2024-05-24", "positions": [{"position": "member", "seats": 1}]});
    stack
        .create(&format!("/api/v1/elections/{id}/contests"), admin, body)
        .await
}

async fn register(
    stack: &Stack,
    admin: &str,
    community: &str,
    rows: &[(&str, &str, u32, bool, bool)],
) {
    let mut csv = String::from("name,id_number,household_rep,resident_rep\n");
    for (name, birth, seq, household_rep, resident_rep) in rows {
        csv.push_str(&format!(
            "{name},{},{household_rep},{resident_rep}\n",
            identity_number(birth, *seq, true)
        ));
    }
    let r = stack
        .http
        .post(stack.url(&format!("/api/v1/communities/{community}/voters:import")))
        .bearer_auth(admin)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .expect("request");
    let (status, report) = juxuan_tests::decode(r).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["rejected"], json!([]), "{report}");
}

#[tokio::test(flavor = "multi_thread")]
async fn electors_are_the_voters_of_age_on_election_day_and_publication_freezes_them() {
    let stack = Stack::start().await;
    let a = stack.areas().await;
    register(
        &stack,
        &a.admin,
        &a.community,
        &[
            ("成年甲", "19800101", 1, true, false),
            // R-VOTER-AGE: 18 exactly on election day (2024-05-24) votes; a day younger does not.
            ("刚满十八", "20060524", 2, false, true),
            ("差一天", "20060525", 3, true, true),
            ("成年乙", "19700707", 4, false, false),
        ],
    )
    .await;
    let contest = contest(&stack, &a.admin, &a.district, &a.community, "all_voters").await;
    let path = format!("/api/v1/contests/{contest}/electorate");
    let (status, electorate) = stack.get(&path, Some(&a.admin)).await;
    assert_eq!(status, StatusCode::OK, "{electorate}");
    assert_eq!(electorate["count"], 3);
    let mut names: Vec<&str> = electorate["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|e| e["name"].as_str())
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["刚满十八", "成年乙", "成年甲"]);
    assert!(
        electorate["items"][0]["id_number_masked"]
            .as_str()
            .is_some_and(|m| m.contains('*'))
    );
    assert_eq!(electorate["published_at"], serde_json::Value::Null);

    let officer = stack
        .officer(&a.admin, "nl.officer", "community_officer", &a.community)
        .await;
    let (status, published) = stack
        .post(
            &format!("/api/v1/contests/{contest}/electorate:publish"),
            Some(&officer),
            &json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{published}");
    assert_eq!(published["count"], 3);
    assert!(
        published["published_at"]
            .as_str()
            .is_some_and(|t| t.ends_with("+08:00"))
    );

    // The register moves on; the published list does not.
    register(
        &stack,
        &a.admin,
        &a.community,
        &[("新登记", "19900101", 5, false, false)],
    )
    .await;
    let (_, frozen) = stack.get(&path, Some(&officer)).await;
    assert_eq!(frozen["count"], 3);
    assert_eq!(frozen["published_at"], published["published_at"]);
    let (status, problem) = stack
        .post(
            &format!("/api/v1/contests/{contest}/electorate:publish"),
            Some(&officer),
            &json!({}),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("electorate.already_published"))
    );

    let events: i64 = sqlx::query_scalar("SELECT count(*) FROM nomination.outbox WHERE event_type = 'juxuan.nomination.v1.ElectoratePublished'")
        .fetch_one(&stack.pool)
        .await
        .expect("outbox");
    assert_eq!(events, 1);
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_method_decides_who_is_an_elector_and_only_keepers_publish() {
    let stack = Stack::start().await;
    let a = stack.areas().await;
    register(
        &stack,
        &a.admin,
        &a.community,
        &[
            ("户代表", "19800101", 1, true, false),
            ("居民代表", "19810101", 2, false, true),
            ("普通选民", "19820101", 3, false, false),
        ],
    )
    .await;
    for (method, name) in [
        ("household_representatives", "户代表"),
        ("resident_representatives", "居民代表"),
    ] {
        let contest = contest(&stack, &a.admin, &a.district, &a.community, method).await;
        let (_, electorate) = stack
            .get(
                &format!("/api/v1/contests/{contest}/electorate"),
                Some(&a.admin),
            )
            .await;
        assert_eq!(electorate["count"], 1, "{method}");
        assert_eq!(electorate["items"][0]["name"], name, "{method}");
    }
    let contest = contest(&stack, &a.admin, &a.district, &a.community, "all_voters").await;
    let teller = stack
        .officer(&a.admin, "nl.teller", "teller", &a.community)
        .await;
    let other = stack
        .officer(
            &a.admin,
            "bw.officer",
            "community_officer",
            &a.other_community,
        )
        .await;
    assert_eq!(
        stack
            .get(
                &format!("/api/v1/contests/{contest}/electorate"),
                Some(&teller)
            )
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        stack
            .get(
                &format!("/api/v1/contests/{contest}/electorate"),
                Some(&other)
            )
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    let publish = format!("/api/v1/contests/{contest}/electorate:publish");
    assert_eq!(
        stack.post(&publish, Some(&teller), &json!({})).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        stack.post(&publish, Some(&other), &json!({})).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        stack.post(&publish, None, &json!({})).await.0,
        StatusCode::UNAUTHORIZED
    );
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn r_roll_publish_cn_2026_publishes_the_electorate_20_days_before_election_day() {
    let stack = Stack::start().await;
    let a = stack.areas().await;
    let election = json!({
        "district_id": a.district, "title": "2026 换届", "kind": "general", "mode": "drill", "method": "all_voters",
        "nomination_opens_on": "2026-03-01", "nomination_closes_on": "2026-03-05", "clock": "2026-03-01T09:00:00+08:00",
    });
    let id = stack.create("/api/v1/elections", &a.admin, election).await;
    let (_, shown) = stack
        .get(&format!("/api/v1/elections/{id}"), Some(&a.admin))
        .await;
    assert_eq!(shown["rules"]["profile"], "cn-2026");
    assert_eq!(shown["rules"]["electorate_list_min_days"], 20);
    let contest = |community: &str, day: &str| json!({"community_id": community, "election_day": day, "positions": [{"position": "member", "seats": 1}]});
    // 2026-03-01 is exactly 20 days before 2026-03-21, and 19 before 2026-03-20.
    let on_time = stack
        .create(
            &format!("/api/v1/elections/{id}/contests"),
            &a.admin,
            contest(&a.community, "2026-03-21"),
        )
        .await;
    let late = stack
        .create(
            &format!("/api/v1/elections/{id}/contests"),
            &a.admin,
            contest(&a.other_community, "2026-03-20"),
        )
        .await;
    let (status, problem) = stack
        .post(
            &format!("/api/v1/contests/{late}/electorate:publish"),
            Some(&a.admin),
            &json!({}),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("electorate.too_late")
        ),
        "{problem}"
    );
    let (_, list) = stack
        .get(
            &format!("/api/v1/contests/{late}/electorate"),
            Some(&a.admin),
        )
        .await;
    assert_eq!(
        list["published_at"],
        serde_json::Value::Null,
        "a refusal leaves nothing frozen"
    );
    let (status, published) = stack
        .post(
            &format!("/api/v1/contests/{on_time}/electorate:publish"),
            Some(&a.admin),
            &json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{published}");
    stack.stop().await;
}
