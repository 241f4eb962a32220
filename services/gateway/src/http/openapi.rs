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
    modifiers(&BearerAuth),
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

pub fn spec() -> &'static utoipa::openapi::OpenApi {
    static SPEC: OnceLock<utoipa::openapi::OpenApi> = OnceLock::new();
    SPEC.get_or_init(ApiDoc::openapi)
}

#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "identity", responses((status = 200, description = "This document")))]
pub async fn document() -> Json<&'static utoipa::openapi::OpenApi> {
    Json(spec())
}
