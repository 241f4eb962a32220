//! Who may do what where: every role inside and outside its area, through the gateway.
//! Order of refusals: no or bad token 401, then role or area 403.

use juxuan_tests::{Areas, Stack};
use reqwest::StatusCode;
use serde_json::json;

struct Officers {
    street: String,
    community: String,
    reviewer: String,
    observer: String,
    teller: String,
    terminal: String,
}

async fn officers(stack: &Stack, a: &Areas) -> Officers {
    Officers {
        street: stack
            .officer(&a.admin, "street.officer", "street_officer", &a.street)
            .await,
        community: stack
            .officer(
                &a.admin,
                "community.officer",
                "community_officer",
                &a.community,
            )
            .await,
        reviewer: stack
            .officer(
                &a.admin,
                "district.reviewer",
                "district_reviewer",
                &a.district,
            )
            .await,
        observer: stack
            .officer(&a.admin, "observer", "observer", &a.district)
            .await,
        teller: stack
            .officer(&a.admin, "teller", "teller", &a.community)
            .await,
        terminal: stack
            .officer(&a.admin, "terminal", "terminal", &a.community)
            .await,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn each_role_acts_only_inside_its_area() {
    let stack = Stack::start().await;
    let a = stack.areas().await;
    let o = officers(&stack, &a).await;
    let streets = format!("/api/v1/districts/{}/streets", a.district);
    let communities = format!("/api/v1/streets/{}/communities", a.street);
    let other_communities = format!("/api/v1/streets/{}/communities", a.other_street);
    let groups = format!("/api/v1/communities/{}/resident-groups", a.community);
    let other_groups = format!("/api/v1/communities/{}/resident-groups", a.other_community);

    // The role is refused before the body is judged: 403, not 400.
    let (status, _) = stack
        .post(&streets, Some(&o.community), &json!({"name": "   "}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Creating a street: district admin only.
    for token in [
        &o.street,
        &o.community,
        &o.reviewer,
        &o.observer,
        &o.teller,
        &o.terminal,
    ] {
        let (status, problem) = stack
            .post(&streets, Some(token), &json!({"name": "越权街道"}))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{problem}");
        assert_eq!(problem["code"], "auth.forbidden");
    }
    // Creating a community: the street's officer, not in another street.
    assert_eq!(
        stack
            .post(&communities, Some(&o.street), &json!({"name": "新建社区"}))
            .await
            .0,
        StatusCode::CREATED
    );
    assert_eq!(
        stack
            .post(
                &other_communities,
                Some(&o.street),
                &json!({"name": "越权社区"})
            )
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    for token in [
        &o.community,
        &o.reviewer,
        &o.observer,
        &o.teller,
        &o.terminal,
    ] {
        assert_eq!(
            stack
                .post(&communities, Some(token), &json!({"name": "越权社区"}))
                .await
                .0,
            StatusCode::FORBIDDEN
        );
    }
    // Resident groups: the community's officer and its street's officer.
    assert_eq!(
        stack
            .post(&groups, Some(&o.community), &json!({"name": "一组"}))
            .await
            .0,
        StatusCode::CREATED
    );
    assert_eq!(
        stack
            .post(&groups, Some(&o.street), &json!({"name": "二组"}))
            .await
            .0,
        StatusCode::CREATED
    );
    assert_eq!(
        stack
            .post(&other_groups, Some(&o.community), &json!({"name": "越权"}))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        stack
            .post(&other_groups, Some(&o.street), &json!({"name": "越权"}))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    for token in [&o.reviewer, &o.observer, &o.teller, &o.terminal] {
        assert_eq!(
            stack
                .post(&groups, Some(token), &json!({"name": "越权"}))
                .await
                .0,
            StatusCode::FORBIDDEN
        );
    }

    // Reading: inside the area yes, outside 403, never an empty list.
    assert_eq!(
        stack.get(&streets, Some(&o.reviewer)).await.0,
        StatusCode::OK
    );
    assert_eq!(
        stack.get(&streets, Some(&o.observer)).await.0,
        StatusCode::OK
    );
    assert_eq!(
        stack.get(&streets, Some(&o.street)).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        stack.get(&communities, Some(&o.street)).await.0,
        StatusCode::OK
    );
    assert_eq!(
        stack.get(&other_communities, Some(&o.street)).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        stack.get(&communities, Some(&o.community)).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        stack.get(&groups, Some(&o.community)).await.0,
        StatusCode::OK
    );
    assert_eq!(stack.get(&groups, Some(&o.teller)).await.0, StatusCode::OK);
    assert_eq!(
        stack.get(&other_groups, Some(&o.teller)).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        stack
            .get(
                &format!("/api/v1/communities/{}", a.community),
                Some(&o.community)
            )
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        stack
            .get(
                &format!("/api/v1/communities/{}", a.other_community),
                Some(&o.community)
            )
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    // Everyone reads its own district's record; terminals read nothing.
    assert_eq!(
        stack
            .get(
                &format!("/api/v1/districts/{}", a.district),
                Some(&o.community)
            )
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        stack.get(&groups, Some(&o.terminal)).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        stack.get("/api/v1/districts", Some(&o.terminal)).await.0,
        StatusCode::FORBIDDEN
    );

    // Without a token, everything is 401 first.
    for (path, body) in [
        (&streets, json!({"name": "x"})),
        (&communities, json!({"name": "x"})),
        (&groups, json!({"name": "x"})),
    ] {
        assert_eq!(
            stack.post(path, None, &body).await.0,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(stack.get(path, None).await.0, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(
        stack
            .post(&streets, Some("not.a.token"), &json!({"name": "x"}))
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_district_admin_cannot_reach_another_district() {
    let stack = Stack::start().await;
    let a = stack.areas().await;
    // A second district exists only through the system bootstrap: create one directly.
    let other = uuid::Uuid::now_v7();
    sqlx::query("INSERT INTO nomination.districts (id, name) VALUES ($1, '邻区')")
        .bind(other)
        .execute(&stack.pool)
        .await
        .expect("insert district");
    assert_eq!(
        stack
            .get(&format!("/api/v1/districts/{other}"), Some(&a.admin))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        stack
            .post(
                &format!("/api/v1/districts/{other}/streets"),
                Some(&a.admin),
                &json!({"name": "x"})
            )
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    let (_, list) = stack.get("/api/v1/districts", Some(&a.admin)).await;
    assert_eq!(
        list["items"].as_array().map(Vec::len),
        Some(1),
        "only its own district: {list}"
    );
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn accounts_are_created_inside_the_creators_reach() {
    let stack = Stack::start().await;
    let a = stack.areas().await;
    let street_officer = stack
        .officer(&a.admin, "street.officer", "street_officer", &a.street)
        .await;
    let user = |username: &str, role: &str, area: &str| json!({"username": username, "password": "long-enough", "display_name": "某人", "role": role, "area_id": area});
    // A street officer creates community-level accounts in its street…
    let (status, created) = stack
        .post(
            "/api/v1/users",
            Some(&street_officer),
            &user("nl.officer", "community_officer", &a.community),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["area"]["level"], "community");
    assert_eq!(
        stack
            .post(
                "/api/v1/users",
                Some(&street_officer),
                &user("nl.teller", "teller", &a.community)
            )
            .await
            .0,
        StatusCode::CREATED
    );
    // …but not outside it, and not officers of its own rank or above.
    assert_eq!(
        stack
            .post(
                "/api/v1/users",
                Some(&street_officer),
                &user("bad.one", "community_officer", &a.other_community)
            )
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        stack
            .post(
                "/api/v1/users",
                Some(&street_officer),
                &user("bad.two", "street_officer", &a.street)
            )
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        stack
            .post(
                "/api/v1/users",
                Some(&street_officer),
                &user("bad.three", "district_admin", &a.district)
            )
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    // A community officer creates no accounts.
    let community_officer = stack.login("nl.officer", "long-enough").await;
    assert_eq!(
        stack
            .post(
                "/api/v1/users",
                Some(&community_officer),
                &user("bad.four", "teller", &a.community)
            )
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    // A role must match its area's level.
    let (status, problem) = stack
        .post(
            "/api/v1/users",
            Some(&a.admin),
            &user("bad.five", "street_officer", &a.community),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("user.role_area_mismatch"))
    );
    // Field problems are listed together.
    let (status, problem) = stack
        .post("/api/v1/users", Some(&a.admin), &json!({"username": "中文", "password": "short", "display_name": "", "role": "king", "area_id": "x"}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    assert_eq!(
        fields,
        ["username", "password", "display_name", "role", "area_id"]
    );
    // Usernames are unique.
    let (status, problem) = stack
        .post(
            "/api/v1/users",
            Some(&a.admin),
            &user("nl.officer", "teller", &a.community),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("user.duplicate_username"))
    );

    // Listing: the admin sees everyone; the street officer its street's accounts only.
    let (_, all) = stack.get("/api/v1/users", Some(&a.admin)).await;
    assert_eq!(all["items"].as_array().map(Vec::len), Some(4));
    let (_, street_list) = stack.get("/api/v1/users", Some(&street_officer)).await;
    let names: Vec<&str> = street_list["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|u| u["username"].as_str())
        .collect();
    assert_eq!(names, ["street.officer", "nl.officer", "nl.teller"]);
    assert_eq!(
        stack.get("/api/v1/users", Some(&community_officer)).await.0,
        StatusCode::FORBIDDEN
    );
    // Registering machine clients is the district admin's.
    assert_eq!(
        stack
            .post(
                "/api/v1/clients",
                Some(&street_officer),
                &json!({"name": "x", "scopes": ["areas:read"]})
            )
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    stack.stop().await;
}
