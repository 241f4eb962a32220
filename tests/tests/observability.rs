//! Traces, metrics, health and reflection across the stack.

use std::time::Duration;

use juxuan_tests::{Stack, prometheus, spans};
use opentelemetry::trace::TraceId;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn one_request_through_the_gateway_is_one_trace_with_gateway_nomination_and_sql_spans() {
    let stack = Stack::start().await;
    let admin = stack.admin_token().await;
    let district = stack.district_id(&admin).await;
    let response = stack
        .http
        .post(stack.url(&format!("/api/v1/districts/{district}/streets")))
        .bearer_auth(&admin)
        .json(&json!({"name": "追踪街道"}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::CREATED);
    assert!(response.headers().contains_key("x-request-id"));
    // Security headers on every API answer.
    for (name, value) in [
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("cache-control", "no-store"),
        (
            "content-security-policy",
            "default-src 'none'; frame-ancestors 'none'",
        ),
    ] {
        assert_eq!(response.headers()[name], value, "{name}");
    }
    let traceparent = response.headers()["traceparent"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let trace_id =
        TraceId::from_hex(traceparent.split('-').nth(1).expect("trace id")).expect("hex");

    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let (has_gateway, has_nomination, has_sql) = loop {
        let finished = spans().get_finished_spans().expect("spans");
        let ours: Vec<_> = finished
            .iter()
            .filter(|s| s.span_context.trace_id() == trace_id)
            .collect();
        let attr = |s: &opentelemetry_sdk::trace::SpanData, key: &str| {
            s.attributes
                .iter()
                .find(|kv| kv.key.as_str() == key)
                .map(|kv| kv.value.to_string())
        };
        let gateway = ours
            .iter()
            .any(|s| s.name == "POST /api/v1/districts/{id}/streets");
        let nomination = ours.iter().any(|s| {
            s.name == "/juxuan.nomination.v1.AreaService/CreateStreet"
                && attr(s, "juxuan.service").as_deref() == Some("nomination")
        });
        let sql = ours
            .iter()
            .any(|s| attr(s, "db.system").as_deref() == Some("postgresql"));
        if (gateway && nomination && sql) || tokio::time::Instant::now() > deadline {
            break (gateway, nomination, sql);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(has_gateway, "the gateway's span is in the trace");
    assert!(
        has_nomination,
        "the nomination service's span joined the gateway's trace"
    );
    assert!(has_sql, "a SQL span joined the trace");
    stack.stop().await;
}

/// `promtool check metrics` on a page: its complaints, empty when it accepts the page.
fn promtool_check_metrics(page: &str) -> String {
    use std::io::Write;
    let mut child = std::process::Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("promtool (Debian's prometheus package; `cargo xtask test` installs it)");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(page.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("promtool");
    if out.status.success() {
        String::new()
    } else {
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_service_serves_health_readiness_and_parseable_metrics() {
    let stack = Stack::start().await;
    let admin = stack.admin_token().await;
    stack.get("/api/v1/me", Some(&admin)).await;
    let (status, ready) = stack.get("/readyz", None).await;
    assert_eq!(status, StatusCode::OK);
    for check in [
        "postgres",
        "redis",
        "bootstrap",
        "nomination",
        "review",
        "ballot",
        "reporting",
    ] {
        assert_eq!(ready["checks"][check], true, "{check}: {ready}");
    }
    let mut pages = vec![("gateway", stack.url("/metrics"))];
    for (name, addr) in &stack.admin_addrs {
        pages.push((name, format!("http://{addr}/metrics")));
        let health = stack
            .http
            .get(format!("http://{addr}/healthz"))
            .send()
            .await
            .expect("healthz");
        assert_eq!(health.status(), StatusCode::OK, "{name} healthz");
        let ready = stack
            .http
            .get(format!("http://{addr}/readyz"))
            .send()
            .await
            .expect("readyz");
        assert_eq!(ready.status(), StatusCode::OK, "{name} readyz");
    }
    for (name, url) in pages {
        let page = stack
            .http
            .get(url)
            .send()
            .await
            .expect("metrics")
            .text()
            .await
            .expect("text");
        let samples = prometheus::check(&page)
            .unwrap_or_else(|problems| panic!("{name} /metrics: {problems:?}"));
        // Prometheus' own linter (Debian's `prometheus`, installed by `cargo xtask test`).
        let lint = promtool_check_metrics(&page);
        assert!(lint.is_empty(), "promtool check metrics on {name}: {lint}");
        assert!(
            samples.iter().any(|s| s == "juxuan_db_pool_connections"),
            "{name} reports its pool"
        );
    }
    let page = stack
        .http
        .get(stack.url("/metrics"))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    assert!(page.contains("juxuan_http_requests_total{service=\"gateway\",route=\"/api/v1/me\",method=\"GET\",status=\"200\"}"));
    assert!(
        page.contains("juxuan_grpc_requests_total"),
        "gRPC calls are counted"
    );
    // The figures the dashboards read (helm/juxuan/dashboards): pool size, consumer lag, and
    // the election-day gauges the ballot service reads from its tables at each scrape.
    let ballot = stack
        .admin_addrs
        .iter()
        .find(|(name, _)| *name == "ballot")
        .map(|(_, addr)| format!("http://{addr}/metrics"))
        .expect("ballot admin");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let page = stack
            .http
            .get(&ballot)
            .send()
            .await
            .expect("metrics")
            .text()
            .await
            .expect("text");
        let found = [
            "juxuan_polls_open 0",
            "juxuan_db_pool_max_connections{service=\"ballot\"} 5",
            "juxuan_consumer_lag_events{stream=",
        ]
        .map(|needle| page.contains(needle));
        if found.iter().all(|f| *f) {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{found:?} in the ballot page:\n{page}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn every_grpc_service_answers_health_checks_and_reflection() {
    let stack = Stack::start().await;
    for (name, addr) in &stack.grpc_addrs {
        let channel = tonic::transport::Endpoint::from_shared(format!("http://{addr}"))
            .expect("endpoint")
            .connect()
            .await
            .expect("connect");
        let mut health = tonic_health::pb::health_client::HealthClient::new(channel.clone());
        let status = health
            .check(tonic_health::pb::HealthCheckRequest {
                service: String::new(),
            })
            .await
            .unwrap_or_else(|e| panic!("{name} health: {e}"))
            .into_inner()
            .status;
        assert_eq!(
            status,
            tonic_health::pb::health_check_response::ServingStatus::Serving as i32,
            "{name}"
        );
    }
    let channel =
        tonic::transport::Endpoint::from_shared(format!("http://{}", stack.nomination_grpc))
            .expect("endpoint")
            .connect()
            .await
            .expect("connect");
    let mut health = tonic_health::pb::health_client::HealthClient::new(channel);
    let status = health
        .check(tonic_health::pb::HealthCheckRequest {
            service: "juxuan.nomination.v1.AreaService".into(),
        })
        .await
        .expect("area service health")
        .into_inner()
        .status;
    assert_eq!(
        status,
        tonic_health::pb::health_check_response::ServingStatus::Serving as i32
    );
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_openapi_document_lists_every_identity_and_area_endpoint() {
    let stack = Stack::start().await;
    let (status, doc) = stack.get("/api/v1/openapi.json", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        doc["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1"))
    );
    for (path, method) in [
        ("/api/v1/auth/token", "post"),
        ("/api/v1/auth/revoke", "post"),
        ("/.well-known/jwks.json", "get"),
        ("/api/v1/me", "get"),
        ("/api/v1/users", "post"),
        ("/api/v1/users", "get"),
        ("/api/v1/clients", "post"),
        ("/api/v1/districts", "get"),
        ("/api/v1/districts/{id}", "get"),
        ("/api/v1/districts/{id}/streets", "post"),
        ("/api/v1/districts/{id}/streets", "get"),
        ("/api/v1/streets/{id}/communities", "post"),
        ("/api/v1/streets/{id}/communities", "get"),
        ("/api/v1/communities/{id}", "get"),
        ("/api/v1/communities/{id}/resident-groups", "post"),
        ("/api/v1/communities/{id}/resident-groups", "get"),
        ("/api/v1/districts/{id}/areas:import", "post"),
    ] {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} is documented"
        );
    }
    stack.stop().await;
}
