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
