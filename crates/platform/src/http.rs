//! HTTP middleware shared by HTTP servers: a span per request joined to the caller's trace,
//! `traceparent` on every response, and request metrics per matched route.

use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

/// `axum::middleware::from_fn_with_state(service_name, observe)`.
pub async fn observe(
    axum::extract::State(service): axum::extract::State<&'static str>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    // Known methods only, so odd ones cannot grow the metric's label set.
    let method = match request.method().as_str() {
        m @ ("GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD" | "OPTIONS") => m.to_owned(),
        _ => "other".to_owned(),
    };
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let request_id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let span = tracing::info_span!(
        "http.server",
        otel.name = format!("{method} {route}"),
        otel.kind = "server",
        http.request.method = %method,
        http.route = %route,
        http.response.status_code = tracing::field::Empty,
        request_id = %request_id,
        trace_id = tracing::field::Empty,
    );
    crate::telemetry::adopt_remote_parent(&span, request.headers());
    async move {
        let mut response = next.run(request).await;
        let status = response.status().as_u16();
        tracing::Span::current().record("http.response.status_code", status);
        let mut trace_headers = http::HeaderMap::new();
        crate::telemetry::inject_current(&mut trace_headers);
        response.headers_mut().extend(trace_headers);
        if status >= 500 {
            tracing::warn!(status, "request answered with a server error");
        }
        crate::metrics::record_http(service, route, &method, status, started);
        response
    }
    .instrument(span)
    .await
}

/// The security headers of an HTTP surface: its content security policy and referrer policy;
/// every answer also gets `nosniff` and no framing, and `no-store` unless the handler set its
/// own `Cache-Control` (the JWKS, static assets).
#[derive(Clone, Copy)]
pub struct SecurityHeaders {
    pub content_security_policy: &'static str,
    pub referrer_policy: &'static str,
}

impl SecurityHeaders {
    /// A JSON API: nothing in an answer may load or run anything.
    pub const API: Self = Self {
        content_security_policy: "default-src 'none'; frame-ancestors 'none'",
        referrer_policy: "no-referrer",
    };
}

/// `axum::middleware::from_fn_with_state(SecurityHeaders::API, security_headers)`.
pub async fn security_headers(
    axum::extract::State(policy): axum::extract::State<SecurityHeaders>,
    request: Request,
    next: Next,
) -> Response {
    use http::HeaderValue;
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    for (name, value) in [
        ("content-security-policy", policy.content_security_policy),
        ("referrer-policy", policy.referrer_policy),
        ("x-frame-options", "DENY"),
        ("x-content-type-options", "nosniff"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    if !headers.contains_key(http::header::CACHE_CONTROL) {
        headers.insert(
            http::header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        );
    }
    response
}

tokio::task_local! {
    static LANG: crate::error::Lang;
}

/// Middleware: the request's language (from `Accept-Language`) for every problem rendered
/// while answering it.
pub async fn localize(request: Request, next: Next) -> Response {
    let lang = crate::error::Lang::from_accept_language(
        request
            .headers()
            .get(http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    LANG.scope(lang, next.run(request)).await
}

/// The language of the request being answered (zh-CN outside a request).
pub fn lang() -> crate::error::Lang {
    LANG.try_with(|l| *l).unwrap_or_default()
}

/// An RFC 9457 problem response in the request's language.
impl axum::response::IntoResponse for crate::error::AppError {
    fn into_response(self) -> Response {
        let (status, body) = self.to_problem(lang());
        let status =
            http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
        (
            status,
            [(http::header::CONTENT_TYPE, "application/problem+json")],
            body.to_string(),
        )
            .into_response()
    }
}
