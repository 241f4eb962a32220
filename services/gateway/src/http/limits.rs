//! Abuse limits every request passes: a bound on requests in flight, a rate per caller, a
//! deadline, and a gate that refuses read-only and single-purpose roles' writes before their
//! bodies are read.
//!
//! The rate is counted per bearer token (its SHA-256, so a caller can only spend its own
//! allowance) in one-minute windows in Redis (`gw:rate:<hash>:<minute>`), shared by every
//! gateway replica. Requests without a token are not counted here: the token endpoint has its
//! own per-username throttle and the rest of them (JWKS, OpenAPI, probes) are static. Redis
//! trouble lets requests through, with a warning: a cache outage must not stop election day.
//!
//! The deadline answers 503 `request.timeout` when a request takes longer than the configured
//! time; what the services were doing finishes or rolls back on its own (a write is one
//! transaction there), and an idempotent retry replays the first answer.

use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use juxuan_platform::AppError;
use juxuan_platform::auth::Role;
use juxuan_platform::error::{Kind, Text};

use super::AppState;

/// Longest wait for Redis before the request goes through uncounted.
const REDIS_BUDGET: Duration = Duration::from_millis(100);

/// The bearer token, read as the `Auth` extractor reads it (`juxuan_platform::auth::bearer`).
fn bearer(request: &Request) -> Option<&str> {
    juxuan_platform::auth::bearer(
        request
            .headers()
            .get(header::AUTHORIZATION)?
            .to_str()
            .ok()?,
    )
}

/// 429 `request.rate_limited` with `Retry-After` once a token has made more requests in the
/// current minute than `JUXUAN_RATE_LIMIT_PER_MINUTE` (0 turns the limit off).
pub async fn rate_limit(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let limit = state.settings.rate_limit_per_minute;
    let Some(token) = bearer(&request).filter(|_| limit > 0) else {
        return next.run(request).await;
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let key = format!("gw:rate:{}:{}", crate::tokens::sha256_hex(token), now / 60);
    let mut conn = state.redis.clone();
    // One command per request; the window's first request also gives the key its expiry.
    let counted = tokio::time::timeout(REDIS_BUDGET, async {
        let n: u64 = redis::cmd("INCR").arg(&key).query_async(&mut conn).await?;
        if n == 1 {
            redis::cmd("EXPIRE")
                .arg(&key)
                .arg(120)
                .query_async::<()>(&mut conn)
                .await?;
        }
        Ok::<u64, redis::RedisError>(n)
    })
    .await;
    match counted {
        Ok(Ok(n)) if n > u64::from(limit) => {
            let wait = 60 - now % 60;
            let mut response = AppError::new(
                Kind::RateLimited,
                "request.rate_limited",
                Text::new(
                    format!("请求过于频繁，请 {wait} 秒后再试"),
                    format!("Too many requests; try again in {wait} seconds"),
                ),
            )
            .into_response();
            if let Ok(v) = wait.to_string().parse() {
                response.headers_mut().insert(header::RETRY_AFTER, v);
            }
            metrics::counter!(juxuan_platform::metrics::RATE_LIMITED).increment(1);
            response
        }
        Ok(Ok(_)) => next.run(request).await,
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "rate limit unavailable");
            next.run(request).await
        }
        Err(_) => {
            tracing::warn!("rate limit unavailable: Redis did not answer in time");
            next.run(request).await
        }
    }
}

/// 503 `request.timeout` after `limit` (`JUXUAN_REQUEST_TIMEOUT_SECONDS`).
pub async fn deadline(State(limit): State<Duration>, request: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => AppError::new(
            Kind::Unavailable,
            "request.timeout",
            Text::new(
                "请求处理超时，请稍后重试（可使用同一 Idempotency-Key 重试）",
                "The request took too long; retry later (with the same Idempotency-Key)",
            ),
        )
        .into_response(),
    }
}

/// At most this many requests in flight per gateway (`JUXUAN_MAX_IN_FLIGHT`); one more is
/// answered 503 `request.overloaded` at once instead of waiting in an unbounded queue, so
/// memory stays bounded and the client's retry goes to a replica with room.
pub async fn in_flight(
    State(permits): State<std::sync::Arc<tokio::sync::Semaphore>>,
    request: Request,
    next: Next,
) -> Response {
    let Ok(_permit) = permits.try_acquire() else {
        metrics::counter!(juxuan_platform::metrics::RATE_LIMITED).increment(1);
        let mut response = AppError::new(
            Kind::Unavailable,
            "request.overloaded",
            Text::new("服务繁忙，请稍后重试", "The service is busy; retry shortly"),
        )
        .into_response();
        response.headers_mut().insert(
            header::RETRY_AFTER,
            axum::http::HeaderValue::from_static("1"),
        );
        return response;
    };
    next.run(request).await
}

/// Roles that write nowhere, or in one place only, are refused before their request body is
/// read, as API.md's order of refusals asks (role before content): observers and machine
/// clients only read, terminals only cast, tellers only enter (and withdraw) paper ballots,
/// district reviewers only decide reviews.
/// The verified caller is left in the request for the handler. Everyone else's writes are
/// checked by the services, by role and area, as before.
pub async fn write_gate(
    State(state): State<AppState>,
    matched: Option<axum::extract::MatchedPath>,
    mut request: Request,
    next: Next,
) -> Response {
    if request.method() == axum::http::Method::GET || request.method() == axum::http::Method::HEAD {
        return next.run(request).await;
    }
    let Some(token) = bearer(&request).map(str::to_owned) else {
        return next.run(request).await;
    };
    // A bad token is the handler's to refuse (401); so is an unavailable key store.
    let Ok(caller) = state.verifier.verify(&token).await else {
        return next.run(request).await;
    };
    let route = matched
        .as_ref()
        .map_or("", axum::extract::MatchedPath::as_str);
    let allowed = match caller.role {
        Role::Observer | Role::Client => false,
        Role::Terminal => route == "/api/v1/polls/{id}/ballots",
        Role::Teller => route.starts_with("/api/v1/polls/{id}/paper-ballots"),
        Role::DistrictReviewer => route == "/api/v1/nominations/{id}/decisions",
        _ => true,
    };
    if !allowed && !route.starts_with("/api/v1/auth/") {
        return AppError::forbidden().into_response();
    }
    request.extensions_mut().insert(caller);
    next.run(request).await
}

/// The largest body a route takes: the register and area imports take files, everything else
/// a JSON document.
pub fn body_limit(path: &str) -> usize {
    if path.ends_with("/voters:import") {
        super::register::MAX_FILE
    } else if path.ends_with("/areas:import") {
        super::MAX_IMPORT
    } else {
        super::MAX_BODY
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::Router;
    use axum::body::Body;
    use axum::middleware::from_fn_with_state;
    use axum::routing::get;
    use tower::ServiceExt;

    #[tokio::test]
    async fn a_request_past_its_deadline_is_a_503_problem_and_a_quick_one_is_not() {
        let app = Router::new()
            .route(
                "/slow",
                get(|| async {
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    "late"
                }),
            )
            .route("/quick", get(|| async { "ok" }))
            .layer(from_fn_with_state(Duration::from_millis(200), deadline));
        let call = |path: &'static str| {
            app.clone()
                .oneshot(Request::get(path).body(Body::empty()).expect("request"))
        };
        let started = std::time::Instant::now();
        let slow = call("/slow").await.expect("answer");
        assert_eq!(slow.status(), 503);
        assert!(started.elapsed() < Duration::from_secs(2));
        let body = axum::body::to_bytes(slow.into_body(), 4096)
            .await
            .expect("body");
        let problem: serde_json::Value = serde_json::from_slice(&body).expect("json");
        assert_eq!(problem["code"], "request.timeout");
        assert_eq!(call("/quick").await.expect("answer").status(), 200);
    }

    #[tokio::test]
    async fn a_request_beyond_the_in_flight_bound_is_refused_at_once() {
        let permits = std::sync::Arc::new(tokio::sync::Semaphore::new(1));
        let app = Router::new()
            .route(
                "/slow",
                get(|| async {
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    "done"
                }),
            )
            .layer(from_fn_with_state(permits, in_flight));
        let first = tokio::spawn(
            app.clone()
                .oneshot(Request::get("/slow").body(Body::empty()).expect("request")),
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
        let started = std::time::Instant::now();
        let second = app
            .clone()
            .oneshot(Request::get("/slow").body(Body::empty()).expect("request"))
            .await
            .expect("answer");
        assert_eq!(second.status(), 503);
        assert!(
            started.elapsed() < Duration::from_millis(200),
            "refused at once"
        );
        assert_eq!(second.headers()["retry-after"], "1");
        assert_eq!(first.await.expect("task").expect("answer").status(), 200);
        let third = app
            .oneshot(Request::get("/slow").body(Body::empty()).expect("request"))
            .await
            .expect("answer");
        assert_eq!(third.status(), 200, "the permit came back");
    }

    #[test]
    fn only_the_import_routes_take_files() {
        assert_eq!(
            body_limit("/api/v1/communities/x/voters:import"),
            super::super::register::MAX_FILE
        );
        assert_eq!(
            body_limit("/api/v1/districts/x/areas:import"),
            super::super::MAX_IMPORT
        );
        assert_eq!(body_limit("/api/v1/elections"), super::super::MAX_BODY);
        assert_eq!(
            body_limit("/api/v1/elections/x/voters:import/extra"),
            super::super::MAX_BODY
        );
    }
}
