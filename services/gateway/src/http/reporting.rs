//! Reporting: REST in front of the reporting service's read models.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use juxuan_platform::AppResult;
use juxuan_platform::grpc::read_as;
use juxuan_proto::nomination::v1 as npb;
use juxuan_proto::reporting::v1 as pb;
use serde::Serialize;
use utoipa::ToSchema;

use super::extract::{Auth, path_id};
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

/// The report form: JSON by default, `Accept: text/csv` for CSV (a file named
/// `选举结果报告单-<community>.csv`, `演练-` first for drills). XLSX and PDF are not produced yet:
/// 400 `report.format_unavailable`.
#[utoipa::path(get, path = "/api/v1/contests/{id}/report", tag = "reporting", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, description = "the report form (选举结果报告单): JSON (API.md's fields) or CSV", body = Object),
        (status = 400, description = "`report.format_unavailable`", body = super::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`report.not_ready`", body = super::Problem, content_type = "application/problem+json")))]
pub async fn report(
    State(state): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
    headers: axum::http::HeaderMap,
) -> AppResult<axum::response::Response> {
    use axum::response::IntoResponse;
    let accept = headers
        .get(axum::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/json");
    let format = if accept.contains("text/csv") {
        "csv"
    } else if accept.contains("spreadsheetml") || accept.contains("application/pdf") {
        return Err(juxuan_platform::AppError::new(
            juxuan_platform::error::Kind::BadRequest,
            "report.format_unavailable",
            juxuan_platform::error::Text::new(
                "报告单暂只提供 JSON 和 CSV 格式",
                "Report forms are available as JSON and CSV only for now",
            ),
        ));
    } else {
        "json"
    };
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
    let mut headers = vec![(
        axum::http::header::CONTENT_TYPE,
        if format == "csv" {
            "text/csv; charset=utf-8".to_owned()
        } else {
            "application/json".to_owned()
        },
    )];
    if format == "csv" {
        let drill = if r.drill { "演练-" } else { "" };
        let file = format!("{drill}选举结果报告单-{}.csv", r.community);
        let ascii = if r.drill {
            "drill-report.csv"
        } else {
            "report.csv"
        };
        headers.push((
            axum::http::header::CONTENT_DISPOSITION,
            super::content_disposition("attachment", ascii, &file),
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
    super::extract::ApiJson(body): super::extract::ApiJson<FileReport>,
) -> AppResult<(axum::http::StatusCode, Json<Filing>)> {
    let contest_id = path_id(&id)?.to_string();
    // The election's clock (a drill's own) stamps the filing.
    let get = npb::GetContestRequest {
        id: contest_id.clone(),
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
    let request = pb::FileReportRequest {
        contest_id,
        to: body.to,
        reason: body.reason.unwrap_or_default(),
        now: clock.now,
    };
    let f = state
        .reporting
        .clone()
        .file_report(juxuan_platform::grpc::authorized(request, &caller.token))
        .await?
        .into_inner();
    Ok((axum::http::StatusCode::CREATED, Json(f.into())))
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
