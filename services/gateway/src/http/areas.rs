//! Areas: REST in front of the nomination service's `AreaService`.

use super::extract::Path;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use juxuan_platform::grpc::{authorized, read_as};
use juxuan_platform::{AppError, AppResult};
use juxuan_proto::nomination::v1 as pb;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::extract::{ApiJson, ApiQuery, Auth, PageQuery, path_id};
use super::{AppState, List};

#[derive(Debug, Serialize, ToSchema)]
pub struct District {
    pub id: String,
    pub name: String,
    pub code: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Street {
    pub id: String,
    pub district_id: String,
    pub name: String,
    pub code: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Community {
    pub id: String,
    pub street_id: String,
    pub district_id: String,
    pub name: String,
    pub code: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ResidentGroup {
    pub id: String,
    pub community_id: String,
    pub name: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateArea {
    pub name: String,
    /// ASCII letters, digits, `-`, `_`; unique in the district.
    pub code: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateGroup {
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RejectedLine {
    pub line: u32,
    pub code: String,
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportResult {
    pub streets_created: u32,
    pub communities_created: u32,
    pub rejected: Vec<RejectedLine>,
}

fn code(c: String) -> Option<String> {
    Some(c).filter(|c| !c.is_empty())
}

fn cursor(c: String) -> Option<String> {
    Some(c).filter(|c| !c.is_empty())
}

impl From<pb::District> for District {
    fn from(d: pb::District) -> Self {
        Self {
            id: d.id,
            name: d.name,
            code: code(d.code),
        }
    }
}

impl From<pb::Street> for Street {
    fn from(s: pb::Street) -> Self {
        Self {
            id: s.id,
            district_id: s.district_id,
            name: s.name,
            code: code(s.code),
        }
    }
}

impl From<pb::Community> for Community {
    fn from(c: pb::Community) -> Self {
        Self {
            id: c.id,
            street_id: c.street_id,
            district_id: c.district_id,
            name: c.name,
            code: code(c.code),
        }
    }
}

impl From<pb::ResidentGroup> for ResidentGroup {
    fn from(g: pb::ResidentGroup) -> Self {
        Self {
            id: g.id,
            community_id: g.community_id,
            name: g.name,
        }
    }
}

type Created<T> = (StatusCode, Json<T>);

/// A read through the area client, retried while the service is restarting.
macro_rules! read {
    ($state:expr, $caller:expr, $method:ident, $request:expr) => {{
        let request = $request;
        read_as(
            &$state.areas,
            &$caller.token,
            &request,
            |mut c, r| async move { c.$method(r).await },
        )
        .await?
    }};
}

#[utoipa::path(get, path = "/api/v1/districts", tag = "areas", security(("bearer" = [])), params(PageQuery),
    responses((status = 200, body = List<District>), (status = 401, body = super::Problem, content_type = "application/problem+json")))]
pub async fn list_districts(
    State(state): State<AppState>,
    Auth(caller): Auth,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> AppResult<Json<List<District>>> {
    let request = pb::ListDistrictsRequest {
        page: Some(page.to_proto()),
    };
    let r = read!(state, caller, list_districts, request);
    Ok(Json(List {
        items: r.items.into_iter().map(Into::into).collect(),
        next_cursor: cursor(r.next_cursor),
    }))
}

#[utoipa::path(get, path = "/api/v1/districts/{id}", tag = "areas", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = District), (status = 403, body = super::Problem, content_type = "application/problem+json"),
        (status = 404, body = super::Problem, content_type = "application/problem+json")))]
pub async fn get_district(
    State(state): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
) -> AppResult<Json<District>> {
    let request = pb::GetDistrictRequest {
        id: path_id(&id)?.to_string(),
    };
    let d = read!(state, caller, get_district, request);
    Ok(Json(d.into()))
}

#[utoipa::path(post, path = "/api/v1/districts/{id}/streets", tag = "areas", security(("bearer" = [])), params(("id" = String, Path)),
    request_body = CreateArea,
    responses((status = 201, body = Street), (status = 400, body = super::Problem, content_type = "application/problem+json"),
        (status = 403, body = super::Problem, content_type = "application/problem+json"),
        (status = 409, body = super::Problem, content_type = "application/problem+json")))]
pub async fn create_street(
    State(state): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<CreateArea>,
) -> AppResult<Created<Street>> {
    let request = pb::CreateStreetRequest {
        district_id: path_id(&id)?.to_string(),
        name: body.name,
        code: body.code.unwrap_or_default(),
    };
    let s = state
        .areas
        .clone()
        .create_street(authorized(request, &caller.token))
        .await?
        .into_inner();
    Ok((StatusCode::CREATED, Json(s.into())))
}

#[utoipa::path(get, path = "/api/v1/districts/{id}/streets", tag = "areas", security(("bearer" = [])), params(("id" = String, Path), PageQuery),
    responses((status = 200, body = List<Street>), (status = 403, body = super::Problem, content_type = "application/problem+json")))]
pub async fn list_streets(
    State(state): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> AppResult<Json<List<Street>>> {
    let request = pb::ListStreetsRequest {
        district_id: path_id(&id)?.to_string(),
        page: Some(page.to_proto()),
    };
    let r = read!(state, caller, list_streets, request);
    Ok(Json(List {
        items: r.items.into_iter().map(Into::into).collect(),
        next_cursor: cursor(r.next_cursor),
    }))
}

#[utoipa::path(post, path = "/api/v1/streets/{id}/communities", tag = "areas", security(("bearer" = [])), params(("id" = String, Path)),
    request_body = CreateArea,
    responses((status = 201, body = Community), (status = 400, body = super::Problem, content_type = "application/problem+json"),
        (status = 403, body = super::Problem, content_type = "application/problem+json"),
        (status = 409, body = super::Problem, content_type = "application/problem+json")))]
pub async fn create_community(
    State(state): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<CreateArea>,
) -> AppResult<Created<Community>> {
    let request = pb::CreateCommunityRequest {
        street_id: path_id(&id)?.to_string(),
        name: body.name,
        code: body.code.unwrap_or_default(),
    };
    let c = state
        .areas
        .clone()
        .create_community(authorized(request, &caller.token))
        .await?
        .into_inner();
    Ok((StatusCode::CREATED, Json(c.into())))
}

#[utoipa::path(get, path = "/api/v1/streets/{id}/communities", tag = "areas", security(("bearer" = [])), params(("id" = String, Path), PageQuery),
    responses((status = 200, body = List<Community>), (status = 403, body = super::Problem, content_type = "application/problem+json")))]
pub async fn list_communities(
    State(state): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> AppResult<Json<List<Community>>> {
    let request = pb::ListCommunitiesRequest {
        street_id: path_id(&id)?.to_string(),
        page: Some(page.to_proto()),
    };
    let r = read!(state, caller, list_communities, request);
    Ok(Json(List {
        items: r.items.into_iter().map(Into::into).collect(),
        next_cursor: cursor(r.next_cursor),
    }))
}

#[utoipa::path(get, path = "/api/v1/communities/{id}", tag = "areas", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = Community), (status = 403, body = super::Problem, content_type = "application/problem+json"),
        (status = 404, body = super::Problem, content_type = "application/problem+json")))]
pub async fn get_community(
    State(state): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Community>> {
    let request = pb::GetCommunityRequest {
        id: path_id(&id)?.to_string(),
    };
    let c = read!(state, caller, get_community, request);
    Ok(Json(c.into()))
}

#[utoipa::path(post, path = "/api/v1/communities/{id}/resident-groups", tag = "areas", security(("bearer" = [])), params(("id" = String, Path)),
    request_body = CreateGroup,
    responses((status = 201, body = ResidentGroup), (status = 400, body = super::Problem, content_type = "application/problem+json"),
        (status = 403, body = super::Problem, content_type = "application/problem+json"),
        (status = 409, body = super::Problem, content_type = "application/problem+json")))]
pub async fn create_group(
    State(state): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<CreateGroup>,
) -> AppResult<Created<ResidentGroup>> {
    let request = pb::CreateResidentGroupRequest {
        community_id: path_id(&id)?.to_string(),
        name: body.name,
    };
    let g = state
        .areas
        .clone()
        .create_resident_group(authorized(request, &caller.token))
        .await?
        .into_inner();
    Ok((StatusCode::CREATED, Json(g.into())))
}

#[utoipa::path(get, path = "/api/v1/communities/{id}/resident-groups", tag = "areas", security(("bearer" = [])), params(("id" = String, Path), PageQuery),
    responses((status = 200, body = List<ResidentGroup>), (status = 403, body = super::Problem, content_type = "application/problem+json")))]
pub async fn list_groups(
    State(state): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> AppResult<Json<List<ResidentGroup>>> {
    let request = pb::ListResidentGroupsRequest {
        community_id: path_id(&id)?.to_string(),
        page: Some(page.to_proto()),
    };
    let r = read!(state, caller, list_resident_groups, request);
    Ok(Json(List {
        items: r.items.into_iter().map(Into::into).collect(),
        next_cursor: cursor(r.next_cursor),
    }))
}

/// Imports streets and communities from CSV (`street,community,code`, UTF-8, header row).
/// The body is the file (`text/csv`). Bad lines are listed; good ones are kept.
#[utoipa::path(post, path = "/api/v1/districts/{id}/areas:import", tag = "areas", security(("bearer" = [])), params(("id" = String, Path)),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = ImportResult), (status = 400, body = super::Problem, content_type = "application/problem+json"),
        (status = 403, body = super::Problem, content_type = "application/problem+json")))]
pub async fn import(
    State(state): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> AppResult<Json<ImportResult>> {
    let district_id = path_id(&id)?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if !(content_type.starts_with("text/csv")
        || content_type.starts_with("application/csv")
        || content_type.starts_with("text/plain"))
    {
        return Err(AppError::bad_request(
            "request.unsupported_media_type",
            "请求体须为 CSV 文件（text/csv）",
            "The body must be a CSV file (text/csv)",
        ));
    }
    let request = pb::ImportAreasRequest {
        district_id: district_id.to_string(),
        csv: body.to_vec(),
    };
    let r = state
        .areas
        .clone()
        .import_areas(authorized(request, &caller.token))
        .await?
        .into_inner();
    Ok(Json(ImportResult {
        streets_created: r.streets_created,
        communities_created: r.communities_created,
        rejected: r
            .rejected
            .into_iter()
            .map(|l| RejectedLine {
                line: l.line,
                code: l.code,
                reason: l.reason,
            })
            .collect(),
    }))
}
