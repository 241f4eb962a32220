//! Qualification review and candidate lists: REST in front of the review service.

use super::extract::Path;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use juxuan_platform::AppResult;
use juxuan_platform::grpc::{authorized, read_as};
use juxuan_proto::review::v1 as pb;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::extract::{ApiJson, ApiQuery, Auth, PageQuery, path_id};
use super::{AppState, nonempty};

fn client(state: &AppState) -> super::ReviewClient {
    state.review.clone()
}

/// A nomination waiting for review.
#[derive(Debug, Serialize, ToSchema)]
pub struct QueueItem {
    pub nomination_id: String,
    pub contest_id: String,
    pub election_id: String,
    pub community_id: String,
    pub community: String,
    pub position: String,
    pub nominee_name: String,
    pub eligible: bool,
    pub status: String,
    pub review_stage: Option<String>,
    pub submitted_at: String,
    pub drill: bool,
}

impl From<pb::Case> for QueueItem {
    fn from(c: pb::Case) -> Self {
        let community = c.community.unwrap_or_default();
        Self {
            nomination_id: c.nomination_id,
            contest_id: c.contest_id,
            election_id: c.election_id,
            community_id: community.id,
            community: community.name,
            position: c.position,
            nominee_name: c.nominee_name,
            eligible: c.eligible,
            status: c.status,
            review_stage: nonempty(c.review_stage),
            submitted_at: c.submitted_at,
            drill: c.drill,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Queue {
    pub items: Vec<QueueItem>,
    /// Waiting at this stage in the caller's area, all pages.
    pub count: u32,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct QueueQuery {
    /// `community`, `street` or `district`.
    pub stage: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct Decide {
    /// `community`, `street` or `district`.
    pub stage: String,
    /// `approve` or `reject`.
    pub decision: String,
    /// Required for a rejection.
    pub reason: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionResult {
    pub stage: String,
    pub decision: String,
    pub next_stage: Option<String>,
    /// `in_review`, `approved` or `rejected`.
    pub status: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Decision {
    pub stage: String,
    pub decision: String,
    pub reason: Option<String>,
    pub decided_by: String,
    pub role: String,
    pub decided_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Decisions {
    pub items: Vec<Decision>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Candidate {
    pub candidate_id: String,
    pub nomination_id: String,
    pub name: String,
    pub position: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CandidateList {
    pub items: Vec<Candidate>,
    pub published_at: Option<String>,
    /// `sha256:…` of the ballot paper (election, contest, positions, seats, candidates in
    /// order), once published.
    pub ballot_fingerprint: Option<String>,
}

impl From<pb::CandidateList> for CandidateList {
    fn from(l: pb::CandidateList) -> Self {
        Self {
            items: l
                .items
                .into_iter()
                .map(|c| Candidate {
                    candidate_id: c.candidate_id,
                    nomination_id: c.nomination_id,
                    name: c.name,
                    position: c.position,
                })
                .collect(),
            published_at: nonempty(l.published_at),
            ballot_fingerprint: nonempty(l.ballot_fingerprint),
        }
    }
}

#[utoipa::path(get, path = "/api/v1/review-queue", tag = "review", security(("bearer" = [])), params(QueueQuery),
    responses((status = 200, body = Queue), (status = 400, body = super::Problem, content_type = "application/problem+json")))]
pub async fn queue(
    State(state): State<AppState>,
    Auth(caller): Auth,
    ApiQuery(q): ApiQuery<QueueQuery>,
) -> AppResult<Json<Queue>> {
    let page = PageQuery {
        limit: q.limit,
        cursor: q.cursor,
    };
    let request = pb::ReviewQueueRequest {
        stage: q.stage.unwrap_or_default(),
        page: Some(page.to_proto()),
    };
    let r = read_as(
        &state.review,
        &caller.token,
        &request,
        |mut c, r| async move { c.review_queue(r).await },
    )
    .await?;
    Ok(Json(Queue {
        items: r.items.into_iter().map(Into::into).collect(),
        count: r.count,
        next_cursor: nonempty(r.next_cursor),
    }))
}

#[utoipa::path(post, path = "/api/v1/nominations/{id}/decisions", tag = "review", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = Decide,
    responses((status = 201, body = DecisionResult), (status = 403, body = super::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`review.wrong_stage`, `candidates.frozen`", body = super::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`review.reason_required`, `review.ineligible`", body = super::Problem, content_type = "application/problem+json")))]
pub async fn decide(
    State(state): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Decide>,
) -> AppResult<(StatusCode, Json<DecisionResult>)> {
    let request = pb::DecideRequest {
        nomination_id: path_id(&id)?.to_string(),
        stage: body.stage,
        decision: body.decision,
        reason: body.reason.unwrap_or_default(),
    };
    let r = client(&state)
        .decide(authorized(request, &caller.token))
        .await?
        .into_inner();
    Ok((
        StatusCode::CREATED,
        Json(DecisionResult {
            stage: r.stage,
            decision: r.decision,
            next_stage: nonempty(r.next_stage),
            status: r.status,
        }),
    ))
}

#[utoipa::path(get, path = "/api/v1/nominations/{id}/decisions", tag = "review", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = Decisions), (status = 404, body = super::Problem, content_type = "application/problem+json")))]
pub async fn decisions(
    State(state): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Decisions>> {
    let request = pb::ListDecisionsRequest {
        nomination_id: path_id(&id)?.to_string(),
    };
    let r = read_as(
        &state.review,
        &caller.token,
        &request,
        |mut c, r| async move { c.list_decisions(r).await },
    )
    .await?;
    Ok(Json(Decisions {
        items: r
            .items
            .into_iter()
            .map(|d| Decision {
                stage: d.stage,
                decision: d.decision,
                reason: nonempty(d.reason),
                decided_by: d.decided_by,
                role: d.role,
                decided_at: d.decided_at,
            })
            .collect(),
    }))
}

#[utoipa::path(get, path = "/api/v1/contests/{id}/candidates", tag = "review", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = CandidateList), (status = 403, body = super::Problem, content_type = "application/problem+json")))]
pub async fn candidates(
    State(state): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
) -> AppResult<Json<CandidateList>> {
    let request = pb::ListCandidatesRequest {
        contest_id: path_id(&id)?.to_string(),
    };
    let r = read_as(
        &state.review,
        &caller.token,
        &request,
        |mut c, r| async move { c.list_candidates(r).await },
    )
    .await?;
    Ok(Json(r.into()))
}

#[utoipa::path(post, path = "/api/v1/contests/{id}/candidates:publish", tag = "review", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 201, body = CandidateList), (status = 409, description = "`candidates.already_published`", body = super::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`candidates.too_late`, `candidates.not_competitive`, `candidates.none`", body = super::Problem, content_type = "application/problem+json")))]
pub async fn publish(
    State(state): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
) -> AppResult<(StatusCode, Json<CandidateList>)> {
    let request = pb::PublishCandidatesRequest {
        contest_id: path_id(&id)?.to_string(),
    };
    let r = client(&state)
        .publish_candidates(authorized(request, &caller.token))
        .await?
        .into_inner();
    Ok((StatusCode::CREATED, Json(r.into())))
}

/// The review case of a nomination, for composing `GET /nominations/{id}`; `None` when the
/// review service has not opened it yet (its events lag by up to a second) or cannot answer.
pub async fn case_of(state: &AppState, token: &str, nomination_id: &str) -> Option<pb::Case> {
    let request = pb::GetCaseRequest {
        nomination_id: nomination_id.to_owned(),
    };
    match client(state).get_case(authorized(request, token)).await {
        Ok(r) => Some(r.into_inner()),
        Err(s) if s.code() == tonic::Code::NotFound => None,
        Err(s) => {
            tracing::warn!(code = ?s.code(), "review case unavailable; showing the nomination alone");
            None
        }
    }
}

/// The review cases of a contest, for composing its nomination list; empty when the review
/// service cannot answer (the list then shows the nomination service's own status).
pub async fn cases_of(state: &AppState, token: &str, contest_id: &str) -> Vec<pb::Case> {
    let request = pb::ListCasesRequest {
        contest_id: contest_id.to_owned(),
    };
    match client(state).list_cases(authorized(request, token)).await {
        Ok(r) => r.into_inner().items,
        Err(s) => {
            tracing::warn!(code = ?s.code(), "review cases unavailable; showing the nominations alone");
            Vec::new()
        }
    }
}
