//! Reporting: REST in front of the reporting service's read models.

use std::collections::BTreeMap;

use super::extract::Path;
use axum::Json;
use axum::extract::State;
use juxuan_platform::AppResult;
use juxuan_platform::grpc::read_as;
use juxuan_proto::nomination::v1 as npb;
use juxuan_proto::reporting::v1 as pb;
use serde::Serialize;
use utoipa::ToSchema;

use juxuan_platform::AppError;
use juxuan_platform::error::Text;

use super::extract::{ApiJson, ApiQuery, Auth, path_id};
use super::{AppState, nonempty};

#[derive(Debug, Serialize, ToSchema)]
pub struct ContestProgress {
    pub contest_id: String,
    pub community_id: String,
    pub community: String,
    /// `nominating`, `reviewing`, `published`, `polling`, `counted`, `failed` or `announced`.
    pub status: String,
    pub election_day: String,
    /// Nominations standing (not withdrawn or rejected).
    pub nominations: u32,
    pub electorate: u32,
    pub electorate_published_at: Option<String>,
    pub list_published_at: Option<String>,
    pub announced_at: Option<String>,
    pub elected: u32,
    /// What is late on the election's clock: `no_candidates`, `list_not_published`,
    /// `poll_not_opened`, `result_not_announced`.
    pub late: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StreetProgress {
    pub street_id: String,
    pub name: String,
    pub contests: Vec<ContestProgress>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Progress {
    pub election_id: String,
    pub title: String,
    pub drill: bool,
    pub contests_total: u32,
    pub by_status: BTreeMap<String, u32>,
    pub late_total: u32,
    pub streets: Vec<StreetProgress>,
    /// The election's clock when judged (YYYY-MM-DD).
    pub today: String,
    /// When the read model last changed (reads may lag writes by up to a second).
    pub as_of: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/elections/{id}/progress", tag = "reporting", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = Progress), (status = 403, body = super::Problem, content_type = "application/problem+json"),
        (status = 404, body = super::Problem, content_type = "application/problem+json")))]
pub async fn progress(
    State(state): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Progress>> {
    let election_id = path_id(&id)?.to_string();
    // The election's clock (a drill's own), read as the caller.
    let request = npb::GetClockRequest {
        election_id: election_id.clone(),
    };
    let clock = read_as(
        &state.elections,
        &caller.token,
        &request,
        |mut c, r| async move { c.get_clock(r).await },
    )
    .await?;
    let request = pb::GetProgressRequest {
        election_id,
        today: clock.today.clone(),
    };
    let p = read_as(
        &state.reporting,
        &caller.token,
        &request,
        |mut c, r| async move { c.get_progress(r).await },
    )
    .await?;
    Ok(Json(Progress {
        election_id: p.election_id,
        title: p.title,
        drill: p.drill,
        contests_total: p.contests_total,
        by_status: p
            .by_status
            .into_iter()
            .map(|s| (s.status, s.count))
            .collect(),
        late_total: p.late_total,
        streets: p
            .streets
            .into_iter()
            .map(|s| StreetProgress {
                street_id: s.street_id,
                name: s.name,
                contests: s
                    .contests
                    .into_iter()
                    .map(|c| ContestProgress {
                        contest_id: c.contest_id,
                        community_id: c.community_id,
                        community: c.community,
                        status: c.status,
                        election_day: c.election_day,
                        nominations: c.nominations,
                        electorate: c.electorate,
                        electorate_published_at: nonempty(c.electorate_published_at),
                        list_published_at: nonempty(c.list_published_at),
                        announced_at: nonempty(c.announced_at),
                        elected: c.elected,
                        late: c.late,
                    })
                    .collect(),
            })
            .collect(),
        today: clock.today,
        as_of: nonempty(p.as_of),
    }))
}

/// The formats of a report form: query `format`, else the `Accept` header.
fn report_format(format: Option<&str>, accept: &str) -> AppResult<&'static str> {
    match format {
        Some("json") => Ok("json"),
        Some("csv") => Ok("csv"),
        Some("xlsx") => Ok("xlsx"),
        Some("pdf") => Ok("pdf"),
        Some(_) => Err(AppError::invalid_field(
            "format",
            "request.invalid_value",
            Text::new(
                "格式须为 json、csv、xlsx、pdf",
                "One of json, csv, xlsx, pdf",
            ),
        )),
        None if accept.contains("text/csv") => Ok("csv"),
        None if accept.contains("spreadsheetml") => Ok("xlsx"),
        None if accept.contains("application/pdf") => Ok("pdf"),
        None => Ok("json"),
    }
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// `json`, `csv`, `xlsx` or `pdf`; overrides `Accept` (for links that cannot set headers).
    pub format: Option<String>,
}

/// The report form: JSON by default; `Accept: text/csv`, the XLSX type or `application/pdf`
/// (or `?format=`) for a file named `选举结果报告单-<community>.<ext>`, `演练-` first for drills.
#[utoipa::path(get, path = "/api/v1/contests/{id}/report", tag = "reporting", security(("bearer" = [])),
    params(("id" = String, Path), ReportQuery),
    responses((status = 200, description = "the report form (选举结果报告单): JSON (API.md's fields), CSV, XLSX or an A4 PDF", body = Object),
        (status = 400, description = "`request.invalid_value` (format)", body = super::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`report.not_ready`", body = super::Problem, content_type = "application/problem+json")))]
pub async fn report(
    State(state): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<ReportQuery>,
    headers: axum::http::HeaderMap,
) -> AppResult<axum::response::Response> {
    use axum::response::IntoResponse;
    let accept = headers
        .get(axum::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/json");
    let format = report_format(query.format.as_deref(), accept)?;
    let request = pb::GetReportRequest {
        contest_id: path_id(&id)?.to_string(),
        format: format.to_owned(),
    };
    let r = read_as(
        &state.reporting,
        &caller.token,
        &request,
        |mut c, r| async move { c.get_report(r).await },
    )
    .await?;
    let content_type = match format {
        "csv" => "text/csv; charset=utf-8",
        "json" => "application/json",
        _ => r.content_type.as_str(),
    };
    let mut headers = vec![(axum::http::header::CONTENT_TYPE, content_type.to_owned())];
    if format != "json" {
        let drill = if r.drill { "演练-" } else { "" };
        let file = format!("{drill}选举结果报告单-{}.{format}", r.community);
        let ascii = format!("{}report.{format}", if r.drill { "drill-" } else { "" });
        headers.push((
            axum::http::header::CONTENT_DISPOSITION,
            super::content_disposition("attachment", &ascii, &file),
        ));
    }
    let mut response = r.body.into_response();
    for (name, value) in headers {
        if let Ok(value) = value.parse() {
            response.headers_mut().insert(name, value);
        }
    }
    Ok(response)
}

#[derive(Debug, serde::Deserialize, ToSchema)]
pub struct FileReport {
    /// `street` or `district`.
    pub to: String,
    /// Required to file a changed form again (a new version).
    pub reason: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Filing {
    pub contest_id: String,
    pub community: String,
    pub to: String,
    pub version: u32,
    pub digest: String,
    pub reason: Option<String>,
    pub filed_at: String,
    pub filed_by: String,
    pub drill: bool,
}

impl From<pb::Filing> for Filing {
    fn from(f: pb::Filing) -> Self {
        Self {
            contest_id: f.contest_id,
            community: f.community,
            to: f.to,
            version: f.version,
            digest: f.digest,
            reason: nonempty(f.reason),
            filed_at: f.filed_at,
            filed_by: f.filed_by,
            drill: f.drill,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Filings {
    pub items: Vec<Filing>,
}

#[utoipa::path(post, path = "/api/v1/contests/{id}/report:file", tag = "reporting", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = FileReport,
    responses((status = 201, body = Filing),
        (status = 409, description = "`report.not_ready`, `report.already_filed`", body = super::Problem, content_type = "application/problem+json"),
        (status = 400, description = "`report.reason_required`", body = super::Problem, content_type = "application/problem+json")))]
pub async fn file(
    State(state): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<FileReport>,
) -> AppResult<(axum::http::StatusCode, Json<Filing>)> {
    let contest_id = path_id(&id)?.to_string();
    let now = contest_clock(&state, &caller, &contest_id).await?;
    let request = pb::FileReportRequest {
        contest_id,
        to: body.to,
        reason: body.reason.unwrap_or_default(),
        now,
    };
    let f = state
        .reporting
        .clone()
        .file_report(juxuan_platform::grpc::authorized(request, &caller.token))
        .await?
        .into_inner();
    Ok((axum::http::StatusCode::CREATED, Json(f.into())))
}

/// The election's clock now (a drill's own) for a contest: what filings and records are
/// stamped with.
async fn contest_clock(
    state: &AppState,
    caller: &juxuan_platform::auth::Caller,
    contest_id: &str,
) -> AppResult<String> {
    let get = npb::GetContestRequest {
        id: contest_id.to_owned(),
    };
    let contest = read_as(
        &state.elections,
        &caller.token,
        &get,
        |mut c, r| async move { c.get_contest(r).await },
    )
    .await?;
    let get = npb::GetClockRequest {
        election_id: contest.election_id,
    };
    let clock = read_as(
        &state.elections,
        &caller.token,
        &get,
        |mut c, r| async move { c.get_clock(r).await },
    )
    .await?;
    Ok(clock.now)
}

#[utoipa::path(get, path = "/api/v1/elections/{id}/filings", tag = "reporting", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = Filings), (status = 403, body = super::Problem, content_type = "application/problem+json")))]
pub async fn filings(
    State(state): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Filings>> {
    let request = pb::ListFilingsRequest {
        election_id: path_id(&id)?.to_string(),
    };
    let r = read_as(
        &state.reporting,
        &caller.token,
        &request,
        |mut c, r| async move { c.list_filings(r).await },
    )
    .await?;
    Ok(Json(Filings {
        items: r.items.into_iter().map(Into::into).collect(),
    }))
}

/// The structure figures as the reporting service computed them.
fn json_body(raw: &str) -> AppResult<Json<serde_json::Value>> {
    serde_json::from_str(raw)
        .map(Json)
        .map_err(AppError::internal)
}

/// The figures as the reporting service computed them.
async fn statistics_of(
    state: &AppState,
    caller: &juxuan_platform::auth::Caller,
    request: pb::GetStatisticsRequest,
) -> AppResult<Json<serde_json::Value>> {
    let r = read_as(
        &state.reporting,
        &caller.token,
        &request,
        |mut c, r| async move { c.get_statistics(r).await },
    )
    .await?;
    json_body(&r.json)
}

#[utoipa::path(get, path = "/api/v1/elections/{id}/statistics", tag = "reporting", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, description = "The structure of the committees elected (R-STRUCTURE) inside the caller's area: `elected_total`, `contests_counted`, `elected` and `replaced` (each `total`, `members` with known particulars, `by_position`, `average_age`, `age_bands`, `women`, `men`, `bachelor_or_above`, `party_members`, `education`, each `{count, share}` with shares in per cent; `ethnic_minorities` and `directors.party_secretaries` `{count, recorded, share}` of those recorded), `change` (elected minus replaced)", body = Object),
        (status = 403, body = super::Problem, content_type = "application/problem+json"),
        (status = 404, body = super::Problem, content_type = "application/problem+json")))]
pub async fn statistics(
    State(state): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
) -> AppResult<Json<serde_json::Value>> {
    let request = pb::GetStatisticsRequest {
        election_id: path_id(&id)?.to_string(),
        district_id: String::new(),
    };
    statistics_of(&state, &caller, request).await
}

#[utoipa::path(get, path = "/api/v1/districts/{id}/statistics", tag = "reporting", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, description = "The district's figures over its live elections (API.md, Drills: drills excluded, counted in `drills_excluded`), in the shape of an election's statistics, with `elections`", body = Object),
        (status = 403, description = "district-level callers and clients with `reporting:read` only", body = super::Problem, content_type = "application/problem+json"),
        (status = 404, description = "another district", body = super::Problem, content_type = "application/problem+json")))]
pub async fn district_statistics(
    State(state): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
) -> AppResult<Json<serde_json::Value>> {
    let request = pb::GetStatisticsRequest {
        election_id: String::new(),
        district_id: path_id(&id)?.to_string(),
    };
    statistics_of(&state, &caller, request).await
}

#[derive(Debug, serde::Deserialize, ToSchema)]
pub struct ElectedFacts {
    pub certificate_no: String,
    /// 少数民族.
    pub ethnic_minority: Option<bool>,
    /// The director is also the secretary of the community's Party organisation (一肩挑).
    pub party_secretary: Option<bool>,
}

#[derive(Debug, serde::Deserialize, ToSchema)]
pub struct OutgoingMember {
    /// `director`, `deputy_director` or `member`.
    pub position: String,
    /// `male` or `female`.
    pub gender: String,
    /// YYYY-MM-DD.
    pub birth_date: String,
    /// As a nominee's `education`.
    pub education: String,
    pub party_member: bool,
    pub ethnic_minority: Option<bool>,
    pub party_secretary: Option<bool>,
}

#[derive(Debug, serde::Deserialize, ToSchema)]
pub struct Committee {
    /// What is known of the elected beyond the nominees' particulars.
    #[serde(default)]
    pub elected: Vec<ElectedFacts>,
    /// The outgoing committee the elected replace (no names: only what the structure needs).
    #[serde(default)]
    pub outgoing: Vec<OutgoingMember>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CommitteeRecorded {
    pub contest_id: String,
    pub recorded_at: String,
}

#[utoipa::path(put, path = "/api/v1/contests/{id}/committee", tag = "reporting", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = Committee,
    responses((status = 200, body = CommitteeRecorded),
        (status = 409, description = "`report.not_ready`", body = super::Problem, content_type = "application/problem+json"),
        (status = 400, description = "`committee.unknown_certificate`, `request.invalid_value`", body = super::Problem, content_type = "application/problem+json")))]
pub async fn record_committee(
    State(state): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Committee>,
) -> AppResult<Json<CommitteeRecorded>> {
    let contest_id = path_id(&id)?.to_string();
    let now = contest_clock(&state, &caller, &contest_id).await?;
    let request = pb::RecordCommitteeRequest {
        contest_id,
        elected: body
            .elected
            .into_iter()
            .map(|e| pb::ElectedFacts {
                certificate_no: e.certificate_no,
                ethnic_minority: e.ethnic_minority,
                party_secretary: e.party_secretary,
            })
            .collect(),
        outgoing: body
            .outgoing
            .into_iter()
            .map(|o| pb::OutgoingMember {
                position: o.position,
                gender: o.gender,
                birth_date: o.birth_date,
                education: o.education,
                party_member: o.party_member,
                ethnic_minority: o.ethnic_minority,
                party_secretary: o.party_secretary,
            })
            .collect(),
        now,
    };
    let r = state
        .reporting
        .clone()
        .record_committee(juxuan_platform::grpc::authorized(request, &caller.token))
        .await?
        .into_inner();
    Ok(Json(CommitteeRecorded {
        contest_id: r.contest_id,
        recorded_at: r.recorded_at,
    }))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// Only this election's contests.
    pub election_id: Option<String>,
    /// RFC 3339: contests changed at or after this instant.
    pub changed_since: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// 1 to 200, default 50.
    pub limit: Option<u32>,
    /// Drills are left out unless `true`.
    pub include_drills: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExportedResults {
    /// Report forms (as `GET /contests/{id}/report`) with `changed_at`, oldest change first.
    pub items: Vec<serde_json::Value>,
    pub next_cursor: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/exports/results", tag = "reporting", security(("bearer" = [])),
    params(ExportQuery),
    responses((status = 200, body = ExportedResults),
        (status = 400, description = "`request.invalid_cursor`, `request.invalid_limit`, `request.invalid_instant`", body = super::Problem, content_type = "application/problem+json"),
        (status = 403, description = "machine clients with `reporting:read` and district-level officers only", body = super::Problem, content_type = "application/problem+json")))]
pub async fn export(
    State(state): State<AppState>,
    Auth(caller): Auth,
    ApiQuery(query): ApiQuery<ExportQuery>,
) -> AppResult<Json<ExportedResults>> {
    let request = pb::ExportResultsRequest {
        election_id: query.election_id.unwrap_or_default(),
        changed_since: query.changed_since.unwrap_or_default(),
        cursor: query.cursor.unwrap_or_default(),
        limit: query.limit.unwrap_or(0),
        include_drills: query.include_drills.unwrap_or(false),
    };
    let r = read_as(
        &state.reporting,
        &caller.token,
        &request,
        |mut c, r| async move { c.export_results(r).await },
    )
    .await?;
    let items = r
        .items
        .iter()
        .map(|e| serde_json::from_str(&e.json))
        .collect::<Result<Vec<serde_json::Value>, _>>()
        .map_err(AppError::internal)?;
    Ok(Json(ExportedResults {
        items,
        next_cursor: nonempty(r.next_cursor),
    }))
}

#[utoipa::path(get, path = "/api/v1/contests/{id}/candidates/notice", tag = "review", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, description = "the public notice of the official candidates (正式候选人名单公告, 张榜): an A4 PDF", content_type = "application/pdf"),
        (status = 409, description = "`candidates.not_published`", body = super::Problem, content_type = "application/problem+json")))]
pub async fn notice(
    State(state): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
) -> AppResult<axum::response::Response> {
    use axum::response::IntoResponse;
    let request = pb::GetNoticeRequest {
        contest_id: path_id(&id)?.to_string(),
    };
    let r = read_as(
        &state.reporting,
        &caller.token,
        &request,
        |mut c, r| async move { c.get_notice(r).await },
    )
    .await?;
    let drill = if r.drill { "演练-" } else { "" };
    let file = format!("{drill}正式候选人名单公告-{}.pdf", r.community);
    let ascii = if r.drill {
        "drill-notice.pdf"
    } else {
        "notice.pdf"
    };
    let mut response = r.body.into_response();
    for (name, value) in [
        (
            axum::http::header::CONTENT_TYPE,
            "application/pdf".to_owned(),
        ),
        (
            axum::http::header::CONTENT_DISPOSITION,
            super::content_disposition("inline", ascii, &file),
        ),
    ] {
        if let Ok(value) = value.parse() {
            response.headers_mut().insert(name, value);
        }
    }
    Ok(response)
}
