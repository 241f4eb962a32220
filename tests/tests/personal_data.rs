//! Identity numbers never leave the register's edge: no API response, log line, span, event
//! or stored row holds a full number, whatever path it came in by.

use juxuan_tests::{Stack, identity_number, logs};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn no_response_log_line_event_or_row_holds_a_full_identity_number() {
    let stack = Stack::start().await;
    let a = stack.areas().await;
    let ids: Vec<String> = (0..6)
        .map(|i| identity_number("19790909", i, i % 2 == 0))
        .collect();
    let mut seen = Vec::new();

    // Single entries: accepted, duplicate, wrong gender.
    let voters = format!("/api/v1/communities/{}/voters", a.community);
    for (id, gender) in [(&ids[0], "男"), (&ids[0], "男"), (&ids[1], "男")] {
        let (_, body) = stack
            .post(
                &voters,
                Some(&a.admin),
                &json!({"name": "某人", "id_number": id, "gender": gender}),
            )
            .await;
        seen.push(body.to_string());
    }
    // An import with good, duplicate and elsewhere-registered lines.
    let csv = format!(
        "name,id_number\n甲,{}\n乙,{}\n乙,{}\n丙,{}\n",
        ids[2], ids[3], ids[3], ids[0]
    );
    let r = stack
        .http
        .post(stack.url(&format!(
            "/api/v1/communities/{}/voters:import",
            a.other_community
        )))
        .bearer_auth(&a.admin)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .expect("request");
    seen.push(r.text().await.expect("body"));
    seen.push(stack.get(&voters, Some(&a.admin)).await.1.to_string());
    seen.push(
        stack
            .get(&format!("{voters}?q=某"), Some(&a.admin))
            .await
            .1
            .to_string(),
    );

    let election = json!({
        "district_id": a.district, "title": "补选", "kind": "by_election", "mode": "drill", "method": "all_voters",
        "nomination_opens_on": "2024-05-14", "nomination_closes_on": "2024-05-17", "clock": "2024-05-14T09:00:00+08:00",
    });
    let election_id = stack.create("/api/v1/elections", &a.admin, election).await;
    let contest = stack
        .create(
            &format!("/api/v1/elections/{election_id}/contests"),
            &a.admin,
            json!({"community_id": a.community, "election_day": "2024-05-24", "positions": [{"position": "member", "seats": 1}]}),
        )
        .await;
    seen.push(
        stack
            .get(
                &format!("/api/v1/contests/{contest}/electorate"),
                Some(&a.admin),
            )
            .await
            .1
            .to_string(),
    );
    let (status, published) = stack
        .post(
            &format!("/api/v1/contests/{contest}/electorate:publish"),
            Some(&a.admin),
            &json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    seen.push(published.to_string());
    seen.push(
        stack
            .get(
                &format!("/api/v1/contests/{contest}/electorate"),
                Some(&a.admin),
            )
            .await
            .1
            .to_string(),
    );

    // Nominations: the registered nominee by number, an outsider by number, a bad number.
    let outsider = identity_number("19850505", 7, true);
    let bad = format!("{}0", &outsider[..17]);
    let mut nomination_ids = Vec::new();
    for (name, number) in [
        ("某人", ids[0].clone()),
        ("外人", outsider.clone()),
        ("错号", bad),
    ] {
        let body = json!({"position": "member", "method": "self", "nominator_ids": [],
            "nominee": {"name": name, "id_number": number, "education": "bachelor",
                        "community_work_months": 30, "resides_in_community": true}});
        let (_, body) = stack
            .post(
                &format!("/api/v1/contests/{contest}/nominations"),
                Some(&a.admin),
                &body,
            )
            .await;
        if let Some(id) = body["id"].as_str() {
            nomination_ids.push(id.to_owned());
        }
        seen.push(body.to_string());
    }
    assert_eq!(
        nomination_ids.len(),
        1,
        "the registered voter's self-nomination: {seen:?}"
    );
    for id in &nomination_ids {
        seen.push(
            stack
                .get(&format!("/api/v1/nominations/{id}"), Some(&a.admin))
                .await
                .1
                .to_string(),
        );
    }
    seen.push(
        stack
            .get(
                &format!("/api/v1/contests/{contest}/nominations"),
                Some(&a.admin),
            )
            .await
            .1
            .to_string(),
    );
    let mut ids = ids;
    ids.push(outsider);

    let rows: Vec<String> = sqlx::query_scalar(
        "SELECT v::text FROM nomination.voters v \
         UNION ALL SELECT n::text FROM nomination.nominations n \
         UNION ALL SELECT e::text FROM nomination.electorate_entries e \
         UNION ALL SELECT l::text FROM nomination.audit_log l \
         UNION ALL SELECT encode(o.payload, 'escape') FROM nomination.outbox o",
    )
    .fetch_all(&stack.pool)
    .await
    .expect("rows");
    assert!(rows.len() > 10, "the rows were read");
    let logs = logs();
    assert!(logs.contains("register imported"), "the logs were captured");
    // Every span's name, attributes and events, as text.
    let spans: Vec<String> = juxuan_tests::spans()
        .get_finished_spans()
        .expect("spans")
        .iter()
        .map(|span| {
            format!(
                "{} {:?} {:?}",
                span.name, span.attributes, span.events.events
            )
        })
        .collect();
    assert!(!spans.is_empty(), "the spans were captured");
    for id in &ids {
        for (i, body) in seen.iter().enumerate() {
            assert!(
                !body.contains(id.as_str()),
                "response {i} holds an identity number: {body}"
            );
        }
        assert!(
            !logs.contains(id.as_str()),
            "a log line holds an identity number"
        );
        assert!(
            rows.iter().all(|r| !r.contains(id.as_str())),
            "a stored row or event holds an identity number"
        );
        assert!(
            spans.iter().all(|s| !s.contains(id.as_str())),
            "a span holds an identity number"
        );
    }
    stack.stop().await;
}
