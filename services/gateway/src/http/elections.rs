//! Elections and contests: REST in front of the nomination service's `ElectionService`.

use super::extract::Path;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use juxuan_platform::grpc::{authorized, read_as};
use juxuan_platform::{AppError, AppResult};
use juxuan_proto::nomination::v1 as pb;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::extract::{ApiBytes, ApiJson, ApiQuery, Auth, PageQuery, path_id};
use super::{AppState, List, nonempty};

#[derive(Debug, Serialize, ToSchema)]
pub struct Election {
    pub id: String,
    pub district_id: String,
    pub title: String,
    /// `general` or `by_election`.
    pub kind: String,
    /// `live` or `drill`.
    pub mode: String,
    /// `all_voters`, `household_representatives` or `resident_representatives`.
    pub method: String,
    pub nomination_opens_on: String,
    pub nomination_closes_on: String,
    pub term_ends_on: Option<String>,
    /// The election's clock now (RFC 3339, +08:00): a drill's own, else the real one.
    pub clock: String,
    /// The effective rule profile.
    #[schema(value_type = Object)]
    pub rules: serde_json::Value,
    pub created_at: String,
    pub cloned_from: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateElection {
    pub district_id: String,
    pub title: String,
    pub kind: String,
    pub mode: String,
    pub method: String,
    pub nomination_opens_on: String,
    pub nomination_closes_on: String,
    pub term_ends_on: Option<String>,
    /// A drill's starting instant (RFC 3339); now when absent.
    pub clock: Option<String>,
    /// `profile` names a rule profile; other keys override its parameters.
    #[schema(value_type = Option<Object>)]
    pub rules: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CloneElection {
    pub title: String,
    pub kind: String,
    pub mode: String,
    pub nomination_opens_on: String,
    pub nomination_closes_on: String,
    pub election_day: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AdvanceClock {
    /// RFC 3339.
    pub to: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClockNow {
    pub clock: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PositionSeats {
    /// `director`, `deputy_director` or `member`.
    pub position: String,
    pub seats: u32,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateContest {
    pub community_id: String,
    pub election_day: String,
    pub positions: Vec<PositionSeats>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Contest {
    pub id: String,
    pub election_id: String,
    pub community_id: String,
    pub community: String,
    pub street_id: String,
    pub district_id: String,
    pub election_day: String,
    pub positions: Vec<PositionSeats>,
    /// `nominating`, `reviewing`, `published`, `polling`, `counted`, `announced` or `failed`.
    pub status: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ElectionsQuery {
    /// The district; the caller's own when absent.
    pub district_id: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

impl From<pb::Election> for Election {
    fn from(e: pb::Election) -> Self {
        Self {
            rules: serde_json::from_str(&e.rules_json).unwrap_or(serde_json::Value::Null),
            id: e.id,
            district_id: e.district_id,
            title: e.title,
            kind: e.kind,
            mode: e.mode,
            method: e.method,
            nomination_opens_on: e.nomination_opens_on,
            nomination_closes_on: e.nomination_closes_on,
            term_ends_on: nonempty(e.term_ends_on),
            clock: e.clock,
            created_at: e.created_at,
            cloned_from: nonempty(e.cloned_from),
        }
    }
}

impl From<pb::Contest> for Contest {
    fn from(c: pb::Contest) -> Self {
        Self {
            id: c.id,
            election_id: c.election_id,
            community_id: c.community_id,
            community: c.community_name,
            street_id: c.street_id,
            district_id: c.district_id,
            election_day: c.election_day,
            positions: c
                .positions
                .into_iter()
                .map(|p| PositionSeats {
                    position: p.position,
                    seats: p.seats,
                })
                .collect(),
            status: c.status,
        }
    }
}

fn client(state: &AppState) -> super::ElectionClient {
    state.elections.clone()
}

#[utoipa::path(post, path = "/api/v1/elections", tag = "elections", security(("bearer" = [])), request_body = CreateElection,
    responses((status = 201, body = Election), (status = 400, body = super::Problem, content_type = "application/problem+json"),
        (status = 403, body = super::Problem, content_type = "application/problem+json")))]
pub async fn create_election(
    State(state): State<AppState>,
    Auth(caller): Auth,
    ApiJson(body): ApiJson<CreateElection>,
) -> AppResult<(StatusCode, Json<Election>)> {
    let request = pb::CreateElectionRequest {
        district_id: body.district_id,
        title: body.title,
        kind: body.kind,
        mode: body.mode,
        method: body.method,
        nomination_opens_on: body.nomination_opens_on,
        nomination_closes_on: body.nomination_closes_on,
        term_ends_on: body.term_ends_on.unwrap_or_default(),
        clock: body.clock.unwrap_or_default(),
        rules_json: body.rules.map(|r| r.to_string()).unwrap_or_default(),
    };
    let e = client(&state)
        .create_election(authorized(request, &caller.token))
        .await?
        .into_inner();
    Ok((StatusCode::CREATED, Json(e.into())))
}

#[utoipa::path(get, path = "/api/v1/elections", tag = "elections", security(("bearer" = [])), params(ElectionsQuery),
    responses((status = 200, body = List<Election>), (status = 403, body = super::Problem, content_type = "application/problem+json")))]
pub async fn list_elections(
    State(state): State<AppState>,
    Auth(caller): Auth,
    ApiQuery(q): ApiQuery<ElectionsQuery>,
) -> AppResult<Json<List<Election>>> {
    let district_id = match q.district_id {
        Some(d) => path_id(&d)?.to_string(),
        None => caller.district_id.to_string(),
    };
    let page = PageQuery {
        limit: q.limit,
        cursor: q.cursor,
    };
    let request = pb::ListElectionsRequest {
        district_id,
        page: Some(page.to_proto()),
    };
    let r = read_as(
        &state.elections,
        &caller.token,
        &request,
        |mut c, r| async move { c.list_elections(r).await },
    )
    .await?;
    Ok(Json(List {
        items: r.items.into_iter().map(Into::into).collect(),
        next_cursor: nonempty(r.next_cursor),
    }))
}

#[utoipa::path(get, path = "/api/v1/elections/{id}", tag = "elections", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = Election), (status = 404, body = super::Problem, content_type = "application/problem+json")))]
pub async fn get_election(
    State(state): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Election>> {
    let request = pb::GetElectionRequest {
        id: path_id(&id)?.to_string(),
    };
    let e = read_as(
        &state.elections,
        &caller.token,
        &request,
        |mut c, r| async move { c.get_election(r).await },
    )
    .await?;
    Ok(Json(e.into()))
}

/// `POST /api/v1/elections/{id}:clone` — a new election with the same contests and seats.
#[utoipa::path(post, path = "/api/v1/elections/{id}:clone", tag = "elections", security(("bearer" = [])), params(("id" = String, Path)),
    request_body = CloneElection,
    responses((status = 201, body = Election), (status = 404, body = super::Problem, content_type = "application/problem+json")))]
pub async fn election_action(
    State(state): State<AppState>,
    Auth(caller): Auth,
    Path(segment): Path<String>,
    ApiBytes(body): ApiBytes,
) -> AppResult<(StatusCode, Json<Election>)> {
    // The action first: an unknown one is 404 whatever the body.
    let Some(id) = segment.strip_suffix(":clone") else {
        return Err(AppError::new(
            juxuan_platform::error::Kind::NotFound,
            "route.not_found",
            juxuan_platform::error::Text::new("没有这个接口", "No such endpoint"),
        ));
    };
    let body: CloneElection = serde_json::from_slice(&body).map_err(|e| {
        AppError::bad_request(
            "request.invalid_body",
            format!("请求体字段缺失或类型不符：{e}"),
            format!("The body has a missing or mistyped field: {e}"),
        )
    })?;
    let request = pb::CloneElectionRequest {
        election_id: path_id(id)?.to_string(),
        title: body.title,
        kind: body.kind,
        mode: body.mode,
        nomination_opens_on: body.nomination_opens_on,
        nomination_closes_on: body.nomination_closes_on,
        election_day: body.election_day,
    };
    let e = client(&state)
        .clone_election(authorized(request, &caller.token))
        .await?
        .into_inner();
    Ok((StatusCode::CREATED, Json(e.into())))
}

#[utoipa::path(post, path = "/api/v1/elections/{id}/clock:advance", tag = "elections", security(("bearer" = [])), params(("id" = String, Path)),
    request_body = AdvanceClock,
    responses((status = 200, body = ClockNow), (status = 409, body = super::Problem, content_type = "application/problem+json")))]
pub async fn advance_clock(
    State(state): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<AdvanceClock>,
) -> AppResult<Json<ClockNow>> {
    let request = pb::AdvanceClockRequest {
        election_id: path_id(&id)?.to_string(),
        to: body.to,
    };
    let e = client(&state)
        .advance_clock(authorized(request, &caller.token))
        .await?
        .into_inner();
    Ok(Json(ClockNow { clock: e.clock }))
}

#[utoipa::path(post, path = "/api/v1/elections/{id}/contests", tag = "elections", security(("bearer" = [])), params(("id" = String, Path)),
    request_body = CreateContest,
    responses((status = 201, body = Contest), (status = 409, body = super::Problem, content_type = "application/problem+json"),
        (status = 422, body = super::Problem, content_type = "application/problem+json")))]
pub async fn create_contest(
    State(state): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<CreateContest>,
) -> AppResult<(StatusCode, Json<Contest>)> {
    let request = pb::CreateContestRequest {
        election_id: path_id(&id)?.to_string(),
        community_id: body.community_id,
        election_day: body.election_day,
        positions: body
            .positions
            .into_iter()
            .map(|p| pb::PositionSeats {
                position: p.position,
                seats: p.seats,
            })
            .collect(),
    };
    let c = client(&state)
        .create_contest(authorized(request, &caller.token))
        .await?
        .into_inner();
    Ok((StatusCode::CREATED, Json(c.into())))
}

#[utoipa::path(get, path = "/api/v1/elections/{id}/contests", tag = "elections", security(("bearer" = [])), params(("id" = String, Path), PageQuery),
    responses((status = 200, body = List<Contest>), (status = 403, body = super::Problem, content_type = "application/problem+json")))]
pub async fn list_contests(
    State(state): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> AppResult<Json<List<Contest>>> {
    let request = pb::ListContestsRequest {
        election_id: path_id(&id)?.to_string(),
        page: Some(page.to_proto()),
    };
    let r = read_as(
        &state.elections,
        &caller.token,
        &request,
        |mut c, r| async move { c.list_contests(r).await },
    )
    .await?;
    Ok(Json(List {
        items: r.items.into_iter().map(Into::into).collect(),
        next_cursor: nonempty(r.next_cursor),
    }))
}

#[utoipa::path(get, path = "/api/v1/contests/{id}", tag = "elections", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = Contest), (status = 403, body = super::Problem, content_type = "application/problem+json"),
        (status = 404, body = super::Problem, content_type = "application/problem+json")))]
pub async fn get_contest(
    State(state): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Contest>> {
    let request = pb::GetContestRequest {
        id: path_id(&id)?.to_string(),
    };
    let c = read_as(
        &state.elections,
        &caller.token,
        &request,
        |mut c, r| async move { c.get_contest(r).await },
    )
    .await?;
    Ok(Json(c.into()))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Elector {
    pub voter_id: String,
    pub name: String,
    pub id_number_masked: String,
    pub gender: String,
    pub household_no: String,
    pub resident_group: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ElectorateList {
    pub count: u32,
    pub items: Vec<Elector>,
    pub next_cursor: Option<String>,
    /// Set once the list is published (frozen).
    pub published_at: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ElectoratePublication {
    pub published_at: String,
    pub count: u32,
}

/// The electors of a contest under the election's method (the frozen list once published).
#[utoipa::path(get, path = "/api/v1/contests/{id}/electorate", tag = "elections", security(("bearer" = [])), params(("id" = String, Path), PageQuery),
    responses((status = 200, body = ElectorateList), (status = 403, body = super::Problem, content_type = "application/problem+json")))]
pub async fn electorate(
    State(state): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> AppResult<Json<ElectorateList>> {
    let request = pb::ListElectorateRequest {
        contest_id: path_id(&id)?.to_string(),
        page: Some(page.to_proto()),
    };
    let r = read_as(
        &state.electorate,
        &caller.token,
        &request,
        |mut c, r| async move { c.list_electorate(r).await },
    )
    .await?;
    Ok(Json(ElectorateList {
        count: r.count,
        items: r
            .items
            .into_iter()
            .map(|e| Elector {
                voter_id: e.voter_id,
                name: e.name,
                id_number_masked: e.id_number_masked,
                gender: e.gender,
                household_no: e.household_no,
                resident_group: nonempty(e.resident_group),
            })
            .collect(),
        next_cursor: nonempty(r.next_cursor),
        published_at: nonempty(r.published_at),
    }))
}

/// Publishes (张榜公布) and freezes the electorate.
#[utoipa::path(post, path = "/api/v1/contests/{id}/electorate:publish", tag = "elections", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = ElectoratePublication), (status = 409, body = super::Problem, content_type = "application/problem+json")))]
pub async fn publish_electorate(
    State(state): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
) -> AppResult<Json<ElectoratePublication>> {
    let request = pb::PublishElectorateRequest {
        contest_id: path_id(&id)?.to_string(),
    };
    let p = state
        .electorate
        .clone()
        .publish_electorate(authorized(request, &caller.token))
        .await?
        .into_inner();
    Ok(Json(ElectoratePublication {
        published_at: p.published_at,
        count: p.count,
    }))
}
