//! Bad input at the gateway's edge: oversize bodies, deep JSON, invalid UTF-8, wrong media
//! types, huge uploads and a caller over its rate. Each is refused early with a clear problem,
//! never a 5xx, with memory bounded by the route's own limit, and nothing stored changes.

use std::time::Duration;

use futures::StreamExt;
use juxuan_tests::{Stack, hardening};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn send(
    stack: &Stack,
    path: &str,
    token: &str,
    content_type: &str,
    body: impl Into<reqwest::Body>,
    idempotency_key: Option<&str>,
) -> (StatusCode, Value) {
    let mut request = stack
        .http
        .post(stack.url(path))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body);
    if let Some(key) = idempotency_key {
        request = request.header("idempotency-key", key);
    }
    let response = request.send().await.expect("send");
    juxuan_tests::decode(response).await
}

/// The process's peak resident memory in MiB (`VmHWM`).
fn peak_rss_mib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb / 1024)
}

async fn elections(stack: &Stack, token: &str) -> usize {
    let (_, list) = stack.get("/api/v1/elections", Some(token)).await;
    list["items"].as_array().map_or(0, Vec::len)
}

#[tokio::test(flavor = "multi_thread")]
async fn oversize_deep_malformed_and_mistyped_bodies_are_refused_with_problems() {
    let stack = Stack::start().await;
    let a = stack.areas().await;
    let before = elections(&stack, &a.admin).await;
    let refusals = std::cell::Cell::new(0u64);
    let expect = |(status, problem): (StatusCode, Value), code: &str, what: &str| {
        assert_eq!(status, StatusCode::BAD_REQUEST, "{what}: {problem}");
        let codes: Vec<&str> = code.split('|').collect();
        assert!(
            codes.contains(&problem["code"].as_str().unwrap_or_default()),
            "{what}: {problem}"
        );
        assert!(problem["title"].is_string() && problem["detail"].is_string());
        refusals.set(refusals.get() + 1);
    };

    // A 2 MiB JSON document to a route that takes 1 MiB, with and without an idempotency key:
    // the problem, or the connection closed once the gateway stopped reading (the client was
    // still writing, so it sees a broken pipe instead of the answer).
    let big = json!({"title": "x".repeat(2 * 1024 * 1024)}).to_string();
    for key in [None, Some("oversize-1")] {
        // A connection of its own: the gateway closes it after refusing, and a pooled
        // connection closed that way would fail the next request of the test, not this one.
        let once = reqwest::Client::builder()
            .pool_max_idle_per_host(0)
            .build()
            .expect("client");
        let mut request = once
            .post(stack.url("/api/v1/elections"))
            .bearer_auth(&a.admin)
            .json(&serde_json::from_str::<Value>(&big).expect("json"));
        if let Some(key) = key {
            request = request.header("idempotency-key", key);
        }
        match request.send().await {
            Ok(response) => expect(
                juxuan_tests::decode(response).await,
                "request.too_large",
                "oversize",
            ),
            Err(e) => {
                assert!(e.is_request(), "{e}");
                refusals.set(refusals.get() + 1);
            }
        }
    }
    // JSON nested far deeper than any document of ours (serde_json stops at 128 levels), in a
    // field the route ignores, so it is the depth that is refused.
    let deep = format!(
        "{{\"ignored\":{}{}}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    expect(
        send(
            &stack,
            "/api/v1/elections",
            &a.admin,
            "application/json",
            deep,
            None,
        )
        .await,
        "request.malformed_json|request.invalid_body",
        "deep",
    );
    // Invalid UTF-8 inside a JSON string.
    let mut invalid = br#"{"district_id":""#.to_vec();
    invalid.extend_from_slice(&[0xff, 0xfe, 0xc3]);
    invalid.extend_from_slice(br#"","title":"t"}"#);
    expect(
        send(
            &stack,
            "/api/v1/elections",
            &a.admin,
            "application/json",
            invalid,
            None,
        )
        .await,
        "request.malformed_json",
        "invalid utf-8",
    );
    // Not JSON at all, and JSON declared as something else.
    expect(
        send(
            &stack,
            "/api/v1/elections",
            &a.admin,
            "application/json",
            "{\"title\":",
            None,
        )
        .await,
        "request.malformed_json",
        "truncated",
    );
    expect(
        send(
            &stack,
            "/api/v1/elections",
            &a.admin,
            "text/plain",
            "{}",
            None,
        )
        .await,
        "request.unsupported_media_type",
        "media type",
    );
    // Invalid UTF-8 and non-ids in paths and queries.
    for path in [
        "/api/v1/elections/%FF%FE",
        "/api/v1/elections/not-a-uuid",
        "/api/v1/contests/00000000-0000-0000-0000-00000000000g",
    ] {
        let (status, problem) = stack.get(path, Some(&a.admin)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {problem}");
        assert_eq!(problem["code"], "request.invalid_id", "{path}: {problem}");
        refusals.set(refusals.get() + 1);
    }
    // A query that is not UTF-8 is read lossily: it finds nobody, and is no server error.
    let (status, found) = stack
        .get(
            &format!("/api/v1/communities/{}/voters?q=%FF%FE", a.community),
            Some(&a.admin),
        )
        .await;
    assert!(
        status == StatusCode::BAD_REQUEST
            || (status == StatusCode::OK && found["items"] == json!([])),
        "{status} {found}"
    );
    let (status, problem) = stack
        .get(
            "/api/v1/elections?limit=100000000000000000000",
            Some(&a.admin),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
    refusals.set(refusals.get() + 1);

    assert_eq!(
        elections(&stack, &a.admin).await,
        before,
        "nothing was stored"
    );
    hardening::record("bad input (edge)", &[("refusals checked", refusals.get())]);
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_huge_upload_is_cut_off_at_the_routes_limit_with_bounded_memory() {
    let stack = Stack::start().await;
    let a = stack.areas().await;
    let path = format!("/api/v1/communities/{}/voters:import", a.community);
    // 96 MiB of CSV lines, made as they are sent: only the gateway could hold them whole.
    let line = "张三,110101199001011234,false,false\n".repeat(1024);
    let chunks = 96 * 1024 * 1024 / line.len();
    let body = futures::stream::iter(0..chunks).map(move |i| {
        let chunk = if i == 0 {
            format!("name,id_number,household_rep,resident_rep\n{line}")
        } else {
            line.clone()
        };
        Ok::<_, std::io::Error>(chunk)
    });
    let peak_before = peak_rss_mib();
    let started = std::time::Instant::now();
    let (status, problem) = send(
        &stack,
        &path,
        &a.admin,
        "text/csv",
        reqwest::Body::wrap_stream(body),
        Some("huge-upload"),
    )
    .await;
    let elapsed = started.elapsed();
    let grown = peak_rss_mib().saturating_sub(peak_before);
    assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
    assert_eq!(problem["code"], "request.too_large", "{problem}");
    assert!(
        grown < 3 * 32 + 32,
        "peak memory grew by {grown} MiB for a refused 96 MiB upload"
    );
    assert!(elapsed < Duration::from_secs(30), "took {elapsed:?}");
    let (_, voters) = stack
        .get(
            &format!("/api/v1/communities/{}/voters", a.community),
            Some(&a.admin),
        )
        .await;
    assert_eq!(voters["items"], json!([]), "nothing was imported");
    println!("huge upload: refused in {elapsed:?}, peak memory grew by {grown} MiB");
    hardening::record(
        "bad input (upload)",
        &[("MiB sent", 96), ("peak MiB grown", grown)],
    );
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_caller_over_its_rate_gets_429_with_retry_after_and_others_are_not_held_back() {
    let stack = Stack::start_with_gateway(&[("JUXUAN_RATE_LIMIT_PER_MINUTE", "20")]).await;
    let a = stack.areas().await;
    let other = stack.admin_token().await;
    let mut limited = None;
    for i in 0..40 {
        let response = stack
            .http
            .get(stack.url("/api/v1/me"))
            .bearer_auth(&a.admin)
            .send()
            .await
            .expect("send");
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            let retry: u64 = response.headers()["retry-after"]
                .to_str()
                .expect("ascii")
                .parse()
                .expect("seconds");
            assert!((1..=60).contains(&retry));
            let (_, problem) = juxuan_tests::decode(response).await;
            assert_eq!(problem["code"], "request.rate_limited");
            limited = Some(i);
            break;
        }
        assert_eq!(response.status(), StatusCode::OK);
    }
    // areas() spent a few of the 20 requests; the limit bites within the window.
    let at = limited.expect("the limit was never reached");
    assert!(at <= 20, "limited only after {at} more requests");
    assert_eq!(
        stack.get("/api/v1/me", Some(&other)).await.0,
        StatusCode::OK
    );
    stack.stop().await;
}
