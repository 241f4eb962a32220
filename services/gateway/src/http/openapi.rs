//! The OpenAPI 3.1 document, generated from the handlers' annotations.

use std::sync::OnceLock;

use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{
    areas, audit, elections, identity, nominations, polls, register, reporting, review, users,
};

#[derive(OpenApi)]
#[openapi(
    info(title = "Juxuan (居选) REST API", version = "1", description = "Community residents' committee elections for a district civil affairs bureau."),
    paths(
        identity::token, identity::revoke, identity::jwks, identity::me, identity::rotate_keys,
        users::create_user, users::list_users, users::create_client,
        areas::list_districts, areas::get_district, areas::create_street, areas::list_streets,
        areas::create_community, areas::list_communities, areas::get_community,
        areas::create_group, areas::list_groups, areas::import,
        elections::create_election, elections::list_elections, elections::get_election, elections::election_action,
        elections::advance_clock, elections::create_contest, elections::list_contests, elections::get_contest,
        elections::electorate, elections::publish_electorate,
        register::add_voter, register::import_voters, register::list_voters,
        nominations::submit, nominations::check, nominations::list, nominations::get, nominations::action,
        review::queue, review::decide, review::decisions, review::candidates, review::publish,
        polls::open, polls::list, polls::get, polls::action, polls::staff, polls::check_in, polls::cast,
        polls::ballots, polls::paper, polls::withdraw_paper, polls::tally, polls::announce, polls::result, polls::certificate,
        reporting::progress, reporting::report, reporting::file, reporting::filings,
        reporting::statistics, reporting::district_statistics, reporting::record_committee, reporting::export, reporting::notice,
        audit::list, audit::verify,
    ),
    components(schemas(super::Problem, super::ProblemField)),
    modifiers(&BearerAuth, &CommonProblems),
    tags((name = "identity", description = "Tokens, accounts, clients"), (name = "areas", description = "Districts, streets, communities, resident groups"), (name = "elections", description = "Elections, contests, drill clocks"), (name = "register", description = "Voter registers"), (name = "nominations", description = "Nominations and the nominees' eligibility"), (name = "review", description = "Qualification review and official candidate lists"), (name = "election-day", description = "Polls, check-in, ballots, counting, results and certificates"), (name = "reporting", description = "Progress, report forms, filings, statistics, export"), (name = "audit", description = "Audit trails of every service and their verification")),
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// The answers every operation can give besides its own: 400 for a malformed request (id,
/// body, query, media type), 401/403/404/429 wherever a token is asked for (an object named in
/// the path, query or body may be unknown), 503 when a dependency is down or the deadline passed. Each is a problem
/// document; declaring them keeps clients (and schemathesis) from meeting undocumented codes.
struct CommonProblems;

/// Operations anyone may call (no token asked for).
pub const PUBLIC_PATHS: &[&str] = &[
    "/.well-known/jwks.json",
    "/api/v1/auth/revoke",
    "/api/v1/auth/token",
    "/api/v1/openapi.json",
];

impl Modify for CommonProblems {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        let problem = |description: &str| {
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/problem+json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("Problem")))
                        .build(),
                )
                .build()
        };
        for (path, item) in &mut openapi.paths.paths {
            let public = PUBLIC_PATHS.contains(&path.as_str());
            let mut common: Vec<(&str, &str)> = vec![
                ("400", "Malformed request: id, body, query or media type"),
                (
                    "503",
                    "A service or store is unavailable, or the request took too long; retry (with the same Idempotency-Key)",
                ),
            ];
            if !public {
                common.extend([
                    ("401", "No token, or an invalid, expired or revoked one"),
                    ("403", "Outside the caller's role or area"),
                    ("429", "Over the caller's rate (`Retry-After`)"),
                ]);
            }
            if !public {
                // An object named in the path, the query or the body may be unknown.
                common.push(("404", "Unknown or invisible object"));
            }
            for operation in [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.delete,
                &mut item.patch,
            ]
            .into_iter()
            .flatten()
            {
                for (status, description) in &common {
                    operation
                        .responses
                        .responses
                        .entry((*status).to_owned())
                        .or_insert_with(|| problem(description).into());
                }
            }
        }
    }
}

pub fn spec() -> &'static utoipa::openapi::OpenApi {
    static SPEC: OnceLock<utoipa::openapi::OpenApi> = OnceLock::new();
    SPEC.get_or_init(ApiDoc::openapi)
}

#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "identity", responses((status = 200, description = "This document")))]
pub async fn document() -> Json<&'static utoipa::openapi::OpenApi> {
    Json(spec())
}
