//! `Idempotency-Key` on POST.

use juxuan_tests::Stack;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn post_with_key(
    stack: &Stack,
    path: &str,
    token: &str,
    key: &str,
    body: &Value,
) -> (StatusCode, Value, bool) {
    let r = stack
        .http
        .post(stack.url(path))
        .bearer_auth(token)
        .header("idempotency-key", key)
        .json(body)
        .send()
        .await
        .expect("request");
    let replayed = r.headers().contains_key("idempotent-replayed");
    let (status, body) = juxuan_tests::decode(r).await;
    (status, body, replayed)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_repeat_with_the_same_key_gets_the_first_answer_and_another_body_is_refused() {
    let stack = Stack::start().await;
    let admin = stack.admin_token().await;
    let district = stack.district_id(&admin).await;
    let path = format!("/api/v1/districts/{district}/streets");
    let body = json!({"name": "幂等街道"});
    let (status, first, replayed) = post_with_key(&stack, &path, &admin, "key-1", &body).await;
    assert_eq!((status, replayed), (StatusCode::CREATED, false), "{first}");
    let (status, second, replayed) = post_with_key(&stack, &path, &admin, "key-1", &body).await;
    assert_eq!((status, replayed), (StatusCode::CREATED, true));
    assert_eq!(
        second["id"], first["id"],
        "the same street, not a second one"
    );

    let (status, problem, _) =
        post_with_key(&stack, &path, &admin, "key-1", &json!({"name": "别的街道"})).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("idempotency.key_reused")
        )
    );

    // Without a key, a repeat is a new request: here a duplicate name.
    let (status, _) = stack.post(&path, Some(&admin), &body).await;
    assert_eq!(status, StatusCode::CONFLICT);
    // Errors are answered the same way again too.
    let (status, _, _) = post_with_key(&stack, &path, &admin, "key-2", &body).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _, replayed) = post_with_key(&stack, &path, &admin, "key-2", &body).await;
    assert_eq!((status, replayed), (StatusCode::CONFLICT, true));

    // Keys belong to their caller: another account's identical key is its own.
    let officer = stack
        .officer(
            &admin,
            "street.officer",
            "street_officer",
            first["id"].as_str().expect("id"),
        )
        .await;
    let (status, _, replayed) = post_with_key(&stack, &path, &officer, "key-1", &body).await;
    assert_eq!((status, replayed), (StatusCode::FORBIDDEN, false));

    let streets: i64 =
        sqlx::query_scalar("SELECT count(*) FROM nomination.streets WHERE name = '幂等街道'")
            .fetch_one(&stack.pool)
            .await
            .expect("count");
    assert_eq!(streets, 1);

    let bad_key = stack
        .http
        .post(stack.url(&path))
        .bearer_auth(&admin)
        .header("idempotency-key", "")
        .json(&body)
        .send()
        .await
        .expect("request");
    assert_eq!(bad_key.status(), StatusCode::BAD_REQUEST);
    stack.stop().await;
}
