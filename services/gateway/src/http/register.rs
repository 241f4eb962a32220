//! The voter register: REST in front of the nomination service's `RegisterService`.

use super::extract::Path;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{StatusCode, header};
use juxuan_platform::grpc::{authorized, read_as};
use juxuan_platform::{AppError, AppResult};
use juxuan_proto::nomination::v1 as pb;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::areas::RejectedLine;
use super::extract::{ApiJson, ApiQuery, Auth, PageQuery, path_id};
use super::{AppState, List};

pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
/// Largest register file.
pub const MAX_FILE: usize = 32 * 1024 * 1024;

#[derive(Debug, Serialize, ToSchema)]
pub struct Voter {
    pub id: String,
    pub name: String,
    /// Never the full number.
    pub id_number_masked: String,
    /// `male` or `female`.
    pub gender: String,
    pub birth_date: String,
    pub household_no: String,
    pub resident_group: Option<String>,
    pub household_rep: bool,
    pub resident_rep: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AddVoter {
    pub name: String,
    /// 18 characters; shown masked afterwards.
    pub id_number: String,
    /// `男`/`女`; must agree with the identity number.
    pub gender: Option<String>,
    pub household_no: Option<String>,
    /// The name of an existing resident group of the community.
    pub resident_group: Option<String>,
    #[serde(default)]
    pub household_rep: bool,
    #[serde(default)]
    pub resident_rep: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportResult {
    pub imported: u32,
    pub updated: u32,
    pub rejected: Vec<RejectedLine>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VotersQuery {
    /// Part of a name, household number or resident group, or a whole identity number.
    pub q: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

impl From<pb::Voter> for Voter {
    fn from(v: pb::Voter) -> Self {
        Self {
            id: v.id,
            name: v.name,
            id_number_masked: v.id_number_masked,
            gender: v.gender,
            birth_date: v.birth_date,
            household_no: v.household_no,
            resident_group: Some(v.resident_group).filter(|g| !g.is_empty()),
            household_rep: v.household_rep,
            resident_rep: v.resident_rep,
        }
    }
}

#[utoipa::path(post, path = "/api/v1/communities/{id}/voters", tag = "register", security(("bearer" = [])), params(("id" = String, Path)),
    request_body = AddVoter,
    responses((status = 201, body = Voter), (status = 400, body = super::Problem, content_type = "application/problem+json"),
        (status = 403, body = super::Problem, content_type = "application/problem+json"),
        (status = 409, body = super::Problem, content_type = "application/problem+json")))]
pub async fn add_voter(
    State(state): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<AddVoter>,
) -> AppResult<(StatusCode, Json<Voter>)> {
    let request = pb::AddVoterRequest {
        community_id: path_id(&id)?.to_string(),
        name: body.name,
        id_number: body.id_number,
        gender: body.gender.unwrap_or_default(),
        household_no: body.household_no.unwrap_or_default(),
        resident_group: body.resident_group.unwrap_or_default(),
        household_rep: body.household_rep,
        resident_rep: body.resident_rep,
    };
    let v = state
        .register
        .clone()
        .add_voter(authorized(request, &caller.token))
        .await?
        .into_inner();
    Ok((StatusCode::CREATED, Json(v.into())))
}

/// The uploaded file and its type: the body itself (`text/csv` or XLSX), or the one file
/// part of a `multipart/form-data` body.
async fn file_of(request: Request, state: &AppState) -> AppResult<(String, Bytes)> {
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if content_type.starts_with("multipart/form-data") {
        let mut multipart = Multipart::from_request(request, state).await.map_err(|e| {
            AppError::bad_request(
                "request.invalid_multipart",
                format!("无法读取上传内容：{e}"),
                format!("Unreadable upload: {e}"),
            )
        })?;
        let field = multipart
            .next_field()
            .await
            .map_err(|e| {
                AppError::bad_request(
                    "request.invalid_multipart",
                    format!("无法读取上传内容：{e}"),
                    format!("Unreadable upload: {e}"),
                )
            })?
            .ok_or_else(|| {
                AppError::bad_request(
                    "import.no_file",
                    "上传内容中没有文件",
                    "The upload holds no file",
                )
            })?;
        let file_name = field.file_name().unwrap_or("").to_ascii_lowercase();
        let part_type = field.content_type().unwrap_or("").to_ascii_lowercase();
        let kind = if part_type.starts_with(XLSX) || file_name.ends_with(".xlsx") {
            XLSX
        } else {
            "text/csv"
        };
        let bytes = field.bytes().await.map_err(|e| {
            AppError::bad_request(
                "request.invalid_multipart",
                format!("无法读取上传内容：{e}"),
                format!("Unreadable upload: {e}"),
            )
        })?;
        return Ok((kind.to_owned(), bytes));
    }
    let bytes = Bytes::from_request(request, state).await.map_err(|e| {
        AppError::bad_request(
            "request.too_large",
            format!("文件过大或无法读取：{e}"),
            format!("The file is too large or unreadable: {e}"),
        )
    })?;
    Ok((content_type, bytes))
}

/// Imports a register file: CSV (UTF-8, header row) or XLSX, as the body or as one
/// multipart file part. Bad lines are listed; good ones kept; a repeat changes nothing.
#[utoipa::path(post, path = "/api/v1/communities/{id}/voters:import", tag = "register", security(("bearer" = [])), params(("id" = String, Path)),
    request_body(content(
        (String = "text/csv"),
        (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    )),
    responses((status = 200, body = ImportResult), (status = 400, body = super::Problem, content_type = "application/problem+json"),
        (status = 403, body = super::Problem, content_type = "application/problem+json")))]
pub async fn import_voters(
    State(state): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
    request: Request,
) -> AppResult<Json<ImportResult>> {
    let community_id = path_id(&id)?.to_string();
    let (content_type, file) = file_of(request, &state).await?;
    let request = pb::ImportVotersRequest {
        community_id,
        content_type,
        file: file.to_vec(),
    };
    let r = state
        .register
        .clone()
        .import_voters(authorized(request, &caller.token))
        .await?
        .into_inner();
    Ok(Json(ImportResult {
        imported: r.imported,
        updated: r.updated,
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

#[utoipa::path(get, path = "/api/v1/communities/{id}/voters", tag = "register", security(("bearer" = [])), params(("id" = String, Path), VotersQuery),
    responses((status = 200, body = List<Voter>), (status = 403, body = super::Problem, content_type = "application/problem+json")))]
pub async fn list_voters(
    State(state): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<VotersQuery>,
) -> AppResult<Json<List<Voter>>> {
    let page = PageQuery {
        limit: q.limit,
        cursor: q.cursor,
    };
    let request = pb::ListVotersRequest {
        community_id: path_id(&id)?.to_string(),
        q: q.q.unwrap_or_default(),
        page: Some(page.to_proto()),
    };
    let r = read_as(
        &state.register,
        &caller.token,
        &request,
        |mut c, r| async move { c.list_voters(r).await },
    )
    .await?;
    Ok(Json(List {
        items: r.items.into_iter().map(Into::into).collect(),
        next_cursor: Some(r.next_cursor).filter(|c| !c.is_empty()),
    }))
}
