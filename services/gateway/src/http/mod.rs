//! The REST API: routes, shared state and the layers every request passes.
//!
//! Layers, outermost first: request id (`x-request-id`, set if missing, echoed back), language
//! of problems (`Accept-Language`), the request span and metrics (`traceparent` on every
//! response), the body limit, then (`limits`) the bound on requests in flight, the per-caller
//! rate limit and the deadline, then per route the write gate (`limits::write_gate`) and the
//! idempotency keys.

pub mod areas;
pub mod audit;
pub mod elections;
pub mod extract;
pub mod idempotency;
pub mod identity;
pub mod limits;
pub mod nominations;
pub mod openapi;
pub mod polls;
pub mod register;
pub mod reporting;
pub mod review;
pub mod users;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use juxuan_platform::AppError;
use juxuan_platform::admin::Readiness;
use juxuan_platform::auth::Verifier;
use juxuan_platform::grpc::Outgoing;
use juxuan_proto::nomination::v1::area_service_client::AreaServiceClient;
use juxuan_proto::nomination::v1::election_service_client::ElectionServiceClient;
use juxuan_proto::nomination::v1::electorate_service_client::ElectorateServiceClient;
use juxuan_proto::nomination::v1::nomination_service_client::NominationServiceClient;
use juxuan_proto::nomination::v1::register_service_client::RegisterServiceClient;
use redis::aio::ConnectionManager;
use serde::Serialize;
use sqlx::PgPool;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use utoipa::ToSchema;

use crate::tokens::{Issuer, Throttle};

pub type AreaClient = AreaServiceClient<InterceptedService<Channel, Outgoing>>;
pub type ElectionClient = ElectionServiceClient<InterceptedService<Channel, Outgoing>>;
pub type ElectorateClient = ElectorateServiceClient<InterceptedService<Channel, Outgoing>>;
pub type RegisterClient = RegisterServiceClient<InterceptedService<Channel, Outgoing>>;
pub type NominationClient = NominationServiceClient<InterceptedService<Channel, Outgoing>>;
pub type ReviewClient = juxuan_proto::review::v1::review_service_client::ReviewServiceClient<
    InterceptedService<Channel, Outgoing>,
>;

pub type BallotClient = juxuan_proto::ballot::v1::ballot_service_client::BallotServiceClient<
    InterceptedService<Channel, Outgoing>,
>;

pub type ReportingClient =
    juxuan_proto::reporting::v1::reporting_service_client::ReportingServiceClient<
        InterceptedService<Channel, Outgoing>,
    >;

pub type AuditClient = juxuan_proto::audit::v1::audit_service_client::AuditServiceClient<
    InterceptedService<Channel, Outgoing>,
>;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
    pub redis: ConnectionManager,
    pub verifier: Verifier,
    pub issuer: Issuer,
    pub throttle: Throttle,
    pub areas: AreaClient,
    pub elections: ElectionClient,
    pub register: RegisterClient,
    pub electorate: ElectorateClient,
    pub nominations: NominationClient,
    pub review: ReviewClient,
    pub ballot: BallotClient,
    pub reporting: ReportingClient,
    /// The `AuditService` of nomination, review, ballot and reporting.
    pub audit: Arc<[AuditClient]>,
    pub settings: Arc<crate::Settings>,
}

/// A page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct List<T: ToSchema> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub type_: String,
    /// zh-CN by default, English with `Accept-Language: en`.
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Stable dotted code, e.g. `area.duplicate_name`.
    pub code: String,
    pub errors: Option<Vec<ProblemField>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProblemField {
    pub field: String,
    pub code: String,
    pub message: String,
}

/// A proto string field as JSON: empty (proto3's "unset") is `null`.
pub fn nonempty(s: String) -> Option<String> {
    Some(s).filter(|s| !s.is_empty())
}

/// A `Content-Disposition` value naming a download: an ASCII `filename` for old clients and the
/// real (Chinese) name as RFC 8187 `filename*`.
pub fn content_disposition(kind: &str, ascii: &str, name: &str) -> String {
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("{kind}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// Largest request body except for imports.
pub const MAX_BODY: usize = 1024 * 1024;
/// Largest import file.
pub const MAX_IMPORT: usize = 5 * 1024 * 1024;

async fn not_found() -> AppError {
    AppError::new(
        juxuan_platform::error::Kind::NotFound,
        "route.not_found",
        juxuan_platform::error::Text::new("没有这个接口", "No such endpoint"),
    )
}

async fn method_not_allowed() -> axum::response::Response {
    let wire = juxuan_platform::error::WireProblem {
        kind: juxuan_platform::error::Kind::BadRequest,
        code: "route.method_not_allowed".into(),
        detail: juxuan_platform::error::Text::new(
            "此接口不支持该请求方法",
            "This endpoint does not accept that method",
        ),
        errors: Vec::new(),
    };
    let (_, mut body) = juxuan_platform::error::problem_json(&wire, juxuan_platform::http::lang());
    body["status"] = 405.into();
    (
        http::StatusCode::METHOD_NOT_ALLOWED,
        [(http::header::CONTENT_TYPE, "application/problem+json")],
        body.to_string(),
    )
        .into_response()
}

pub fn router(state: AppState, ready: Readiness) -> Router {
    let api = Router::new()
        .route("/api/v1/auth/token", post(identity::token))
        .route("/api/v1/auth/revoke", post(identity::revoke))
        .route("/api/v1/auth/keys:rotate", post(identity::rotate_keys))
        .route("/.well-known/jwks.json", get(identity::jwks))
        .route("/api/v1/me", get(identity::me))
        .route(
            "/api/v1/users",
            post(users::create_user).get(users::list_users),
        )
        .route("/api/v1/clients", post(users::create_client))
        .route("/api/v1/districts", get(areas::list_districts))
        .route("/api/v1/districts/{id}", get(areas::get_district))
        .route(
            "/api/v1/districts/{id}/streets",
            post(areas::create_street).get(areas::list_streets),
        )
        .route(
            "/api/v1/districts/{id}/areas:import",
            post(areas::import).layer(DefaultBodyLimit::max(MAX_IMPORT)),
        )
        .route(
            "/api/v1/streets/{id}/communities",
            post(areas::create_community).get(areas::list_communities),
        )
        .route("/api/v1/communities/{id}", get(areas::get_community))
        .route(
            "/api/v1/communities/{id}/resident-groups",
            post(areas::create_group).get(areas::list_groups),
        )
        .route(
            "/api/v1/elections",
            post(elections::create_election).get(elections::list_elections),
        )
        .route(
            "/api/v1/elections/{id}",
            get(elections::get_election).post(elections::election_action),
        )
        .route(
            "/api/v1/elections/{id}/clock:advance",
            post(elections::advance_clock),
        )
        .route(
            "/api/v1/elections/{id}/contests",
            post(elections::create_contest).get(elections::list_contests),
        )
        .route("/api/v1/contests/{id}", get(elections::get_contest))
        .route(
            "/api/v1/contests/{id}/electorate",
            get(elections::electorate),
        )
        .route(
            "/api/v1/contests/{id}/electorate:publish",
            post(elections::publish_electorate),
        )
        .route(
            "/api/v1/communities/{id}/voters",
            post(register::add_voter).get(register::list_voters),
        )
        .route(
            "/api/v1/communities/{id}/voters:import",
            post(register::import_voters).layer(DefaultBodyLimit::max(register::MAX_FILE)),
        )
        .route(
            "/api/v1/contests/{id}/nominations",
            post(nominations::submit).get(nominations::list),
        )
        .route(
            "/api/v1/contests/{id}/nominations:check",
            post(nominations::check),
        )
        .route(
            "/api/v1/nominations/{id}",
            get(nominations::get).post(nominations::action),
        )
        .route(
            "/api/v1/nominations/{id}/decisions",
            post(review::decide).get(review::decisions),
        )
        .route("/api/v1/review-queue", get(review::queue))
        .route("/api/v1/contests/{id}/candidates", get(review::candidates))
        .route(
            "/api/v1/contests/{id}/candidates:publish",
            post(review::publish),
        )
        .route(
            "/api/v1/contests/{id}/polls",
            post(polls::open).get(polls::list),
        )
        .route("/api/v1/polls/{id}", get(polls::get).post(polls::action))
        .route("/api/v1/polls/{id}/staff", axum::routing::put(polls::staff))
        .route("/api/v1/polls/{id}/checkins", post(polls::check_in))
        .route(
            "/api/v1/polls/{id}/ballots",
            post(polls::cast).get(polls::ballots),
        )
        .route("/api/v1/polls/{id}/paper-ballots", post(polls::paper))
        .route(
            "/api/v1/polls/{id}/paper-ballots/{ballot_id}",
            axum::routing::delete(polls::withdraw_paper),
        )
        .route("/api/v1/polls/{id}/tally", get(polls::tally))
        .route(
            "/api/v1/contests/{id}/result:announce",
            post(polls::announce),
        )
        .route("/api/v1/contests/{id}/result", get(polls::result))
        .route(
            "/api/v1/contests/{id}/certificates/{certificate_no}",
            get(polls::certificate),
        )
        .route("/api/v1/elections/{id}/progress", get(reporting::progress))
        .route("/api/v1/contests/{id}/report", get(reporting::report))
        .route("/api/v1/contests/{id}/report:file", post(reporting::file))
        .route("/api/v1/elections/{id}/filings", get(reporting::filings))
        .route(
            "/api/v1/elections/{id}/statistics",
            get(reporting::statistics),
        )
        .route(
            "/api/v1/districts/{id}/statistics",
            get(reporting::district_statistics),
        )
        .route(
            "/api/v1/contests/{id}/committee",
            axum::routing::put(reporting::record_committee),
        )
        .route("/api/v1/exports/results", get(reporting::export))
        .route(
            "/api/v1/contests/{id}/candidates/notice",
            get(reporting::notice),
        )
        .route("/api/v1/audit", get(audit::list))
        .route("/api/v1/audit:verify", get(audit::verify))
        .route("/api/v1/openapi.json", get(openapi::document))
        .route_layer(from_fn_with_state(state.clone(), idempotency::idempotency))
        .route_layer(from_fn_with_state(state.clone(), limits::write_gate))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(from_fn_with_state(
            std::time::Duration::from_secs(state.settings.request_timeout_secs),
            limits::deadline,
        ))
        .layer(from_fn_with_state(state.clone(), limits::rate_limit))
        .layer(from_fn_with_state(
            Arc::new(tokio::sync::Semaphore::new(state.settings.max_in_flight)),
            limits::in_flight,
        ))
        .with_state(state);
    api.merge(juxuan_platform::admin::routes(ready))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(from_fn_with_state(
            crate::SERVICE,
            juxuan_platform::http::observe,
        ))
        .layer(from_fn(juxuan_platform::http::localize))
        .layer(from_fn_with_state(
            juxuan_platform::http::SecurityHeaders::API,
            juxuan_platform::http::security_headers,
        ))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
}
