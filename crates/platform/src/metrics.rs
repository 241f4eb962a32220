//! Prometheus metrics: one recorder per process, request figures per route and RPC, pool
//! figures, rendered at `/metrics`.
//!
//! Names follow `juxuan_<thing>_<unit>`; every metric is described so `promtool check
//! metrics` accepts the page.

use std::sync::OnceLock;
use std::time::Instant;

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

pub const HTTP_REQUESTS: &str = "juxuan_http_requests_total";
pub const HTTP_DURATION: &str = "juxuan_http_request_duration_seconds";
pub const GRPC_REQUESTS: &str = "juxuan_grpc_requests_total";
pub const GRPC_DURATION: &str = "juxuan_grpc_request_duration_seconds";
pub const DB_POOL_CONNECTIONS: &str = "juxuan_db_pool_connections";
pub const DB_POOL_IDLE: &str = "juxuan_db_pool_idle_connections";
pub const DB_POOL_MAX: &str = "juxuan_db_pool_max_connections";
pub const CONSUMER_LAG: &str = "juxuan_consumer_lag_events";
pub const OUTBOX_PENDING: &str = "juxuan_outbox_pending_events";
pub const EVENTS_PUBLISHED: &str = "juxuan_events_published_total";
pub const EVENTS_CONSUMED: &str = "juxuan_events_consumed_total";
pub const LOGIN_FAILURES: &str = "juxuan_login_failures_total";
/// Requests refused by the gateway's per-caller rate limit or its bound on requests in flight.
pub const RATE_LIMITED: &str = "juxuan_rate_limited_total";

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// The process's recorder, installed on first use.
pub fn handle() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        let handle = match PrometheusBuilder::new()
            .set_buckets(&[
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
            ])
            // A gauge no longer set (a closed poll's turnout) leaves the page after 10 min.
            .map(|b| {
                b.idle_timeout(
                    metrics_util::MetricKindMask::GAUGE,
                    Some(std::time::Duration::from_secs(600)),
                )
            })
            .and_then(PrometheusBuilder::install_recorder)
        {
            Ok(handle) => handle,
            // Another recorder is installed (a test harness): render from a private one.
            Err(_) => PrometheusBuilder::new().build_recorder().handle(),
        };
        describe();
        handle
    })
}

fn describe() {
    use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        HTTP_REQUESTS,
        "HTTP requests by service, route, method and status."
    );
    describe_histogram!(
        HTTP_DURATION,
        Unit::Seconds,
        "HTTP request latency by service and route."
    );
    describe_counter!(
        GRPC_REQUESTS,
        "gRPC requests by service, method and gRPC status code."
    );
    describe_histogram!(
        GRPC_DURATION,
        Unit::Seconds,
        "gRPC request latency by service and method."
    );
    describe_gauge!(
        DB_POOL_CONNECTIONS,
        "Open database connections of the pool."
    );
    describe_gauge!(DB_POOL_IDLE, "Idle database connections of the pool.");
    describe_gauge!(DB_POOL_MAX, "Largest size of the database pool.");
    describe_gauge!(
        CONSUMER_LAG,
        "Stream entries a consumer group has not acknowledged yet (undelivered plus pending)."
    );
    describe_gauge!(
        OUTBOX_PENDING,
        "Outbox events not yet published to Redis Streams."
    );
    describe_counter!(
        EVENTS_PUBLISHED,
        "Events published from the outbox to Redis Streams."
    );
    describe_counter!(
        EVENTS_CONSUMED,
        "Events consumed, by stream, group and outcome."
    );
    describe_counter!(LOGIN_FAILURES, "Failed password logins.");
    describe_counter!(
        RATE_LIMITED,
        "Requests refused by the per-caller rate limit or the bound on requests in flight."
    );
}

/// Records one finished HTTP request.
pub fn record_http(
    service: &'static str,
    route: String,
    method: &str,
    status: u16,
    started: Instant,
) {
    let labels = [
        ("service", service.to_owned()),
        ("route", route.clone()),
        ("method", method.to_owned()),
        ("status", status.to_string()),
    ];
    metrics::counter!(HTTP_REQUESTS, &labels).increment(1);
    metrics::histogram!(HTTP_DURATION, "service" => service, "route" => route)
        .record(started.elapsed().as_secs_f64());
}

/// Records one finished gRPC call.
pub fn record_grpc(service: &'static str, method: String, code: i32, started: Instant) {
    metrics::counter!(GRPC_REQUESTS, "service" => service, "method" => method.clone(), "code" => code.to_string())
        .increment(1);
    metrics::histogram!(GRPC_DURATION, "service" => service, "method" => method)
        .record(started.elapsed().as_secs_f64());
}

/// Updates the pool gauges; called just before rendering.
pub fn record_pool(service: &'static str, pool: &sqlx::PgPool) {
    metrics::gauge!(DB_POOL_CONNECTIONS, "service" => service).set(f64::from(pool.size()));
    metrics::gauge!(DB_POOL_IDLE, "service" => service).set(pool.num_idle() as f64);
    metrics::gauge!(DB_POOL_MAX, "service" => service)
        .set(f64::from(pool.options().get_max_connections()));
}

/// The Prometheus text page.
pub fn render() -> String {
    handle().render()
}
