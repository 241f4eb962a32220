//! Nominations: REST in front of the nomination service's `NominationService`.

use super::extract::Path;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use juxuan_platform::error::{Kind, Text};
use juxuan_platform::grpc::{authorized, read_as};
use juxuan_platform::{AppError, AppResult};
use juxuan_proto::nomination::v1 as pb;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::extract::{ApiBytes, ApiJson, ApiQuery, Auth, PageQuery, path_id};
use super::{AppState, List, nonempty};

/// A nomination as API.md shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Nomination {
    pub id: String,
    pub contest_id: String,
    pub election_id: String,
    /// `director`, `deputy_director` or `member`.
    pub position: String,
    /// `joint_voters`, `joint_household_reps`, `joint_representatives` or `self`.
    pub method: String,
    pub nominator_ids: Vec<String>,
    /// `voter_id` (when registered here), `name`, `id_number_masked`, `gender`, `birth_date`
    /// and the particulars as submitted. Never the full identity number.
    #[schema(value_type = Object)]
    pub nominee: Value,
    /// `submitted`, `in_review`, `approved` (an official candidate), `rejected` or `withdrawn`;
    /// from the review service where it has the case.
    pub status: String,
    /// `community`, `street` or `district` while under review; null once ended.
    pub review_stage: Option<String>,
    /// `{"eligible", "checks": [{"rule", "outcome": "pass"|"relaxed"|"fail", "detail",
    /// "relaxed_by"?, "steps_down_on"?}]}`; `detail` in the request's language.
    #[schema(value_type = Object)]
    pub eligibility: Value,
    /// The rule profile the nomination was decided under.
    pub profile: String,
    pub submitted_at: String,
    pub submitted_by: String,
    pub withdrawn_at: Option<String>,
    pub withdraw_reason: Option<String>,
    pub drill: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SubmitNomination {
    /// `director`, `deputy_director` or `member`.
    pub position: String,
    /// `joint_voters`, `joint_household_reps`, `joint_representatives` or `self`.
    pub method: String,
    /// Voter ids of the nominators (none for `self`).
    #[serde(default)]
    pub nominator_ids: Vec<String>,
    /// `{"voter_id"?, "name", "id_number"?, "education", "full_time_degree",
    /// "social_work_qualification", "social_work_graduate", "community_work_months", "honours",
    /// "outstanding_contribution", "resides_in_community", "committee_consent", "party_member",
    /// "disqualifications"}` (API.md).
    #[schema(value_type = Object)]
    pub nominee: Value,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct Withdraw {
    pub reason: String,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct NominationsQuery {
    /// `director`, `deputy_director` or `member`.
    pub position: Option<String>,
    /// `submitted` or `withdrawn`.
    pub status: Option<String>,
    pub eligible: Option<bool>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

fn parse_json(raw: &str) -> Value {
    serde_json::from_str(raw).unwrap_or(Value::Null)
}

/// Replaces each check's `{"zh", "en"}` detail with the request's language.
fn localize_eligibility(mut report: Value) -> Value {
    let lang = juxuan_platform::http::lang();
    if let Some(checks) = report.get_mut("checks").and_then(Value::as_array_mut) {
        for check in checks {
            if let Some(detail) = check.get_mut("detail")
                && let Ok(text) = serde_json::from_value::<Text>(detail.clone())
            {
                *detail = Value::String(text.get(lang).to_owned());
            }
        }
    }
    report
}

impl From<pb::Nomination> for Nomination {
    fn from(n: pb::Nomination) -> Self {
        let nominee = n.nominee.unwrap_or_default();
        let mut shown = match parse_json(&nominee.particulars_json) {
            Value::Object(map) => map,
            _ => serde_json::Map::new(),
        };
        shown.insert(
            "voter_id".into(),
            nonempty(nominee.voter_id).map_or(Value::Null, Value::String),
        );
        shown.insert("name".into(), Value::String(nominee.name));
        shown.insert(
            "id_number_masked".into(),
            Value::String(nominee.id_number_masked),
        );
        shown.insert("gender".into(), Value::String(nominee.gender));
        shown.insert("birth_date".into(), Value::String(nominee.birth_date));
        // Review stages belong to the review service; until it answers for a nomination, a
        // standing one waits at the first stage.
        let review_stage = (n.status == "submitted").then(|| "community".to_owned());
        Self {
            id: n.id,
            contest_id: n.contest_id,
            election_id: n.election_id,
            position: n.position,
            method: n.method,
            nominator_ids: n.nominator_ids,
            nominee: Value::Object(shown),
            status: n.status,
            review_stage,
            eligibility: localize_eligibility(parse_json(&n.eligibility_json)),
            profile: n.profile,
            submitted_at: n.submitted_at,
            submitted_by: n.submitted_by,
            withdrawn_at: nonempty(n.withdrawn_at),
            withdraw_reason: nonempty(n.withdraw_reason),
            drill: n.drill,
        }
    }
}

fn client(state: &AppState) -> super::NominationClient {
    state.nominations.clone()
}

/// The string members of the nominee object, taken out; the rest are its particulars.
fn split_nominee(nominee: Value) -> AppResult<pb::Nominee> {
    let Value::Object(mut map) = nominee else {
        return Err(AppError::bad_request(
            "request.invalid_body",
            "nominee 须为对象",
            "nominee must be an object",
        ));
    };
    let mut take = |key: &str| -> AppResult<String> {
        match map.remove(key) {
            None | Some(Value::Null) => Ok(String::new()),
            Some(Value::String(s)) => Ok(s),
            Some(_) => Err(AppError::invalid_field(
                &format!("nominee.{key}"),
                "request.invalid_value",
                Text::new("须为字符串", "Must be a string"),
            )),
        }
    };
    let voter_id = take("voter_id")?;
    let name = take("name")?;
    let id_number = take("id_number")?;
    // Shown on the way out, never taken on the way in.
    for derived in ["id_number_masked", "gender", "birth_date"] {
        map.remove(derived);
    }
    Ok(pb::Nominee {
        voter_id,
        name,
        id_number,
        particulars_json: Value::Object(map).to_string(),
        ..Default::default()
    })
}

#[utoipa::path(post, path = "/api/v1/contests/{id}/nominations", tag = "nominations", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = SubmitNomination,
    responses((status = 201, body = Nomination), (status = 400, body = super::Problem, content_type = "application/problem+json"),
        (status = 403, body = super::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`nomination.too_few_nominators`, `nomination.nominator_not_eligible`, `nomination.window_closed`, `nomination.duplicate_nominee`, `nomination.unknown_position`", body = super::Problem, content_type = "application/problem+json")))]
pub async fn submit(
    State(state): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<SubmitNomination>,
) -> AppResult<(StatusCode, Json<Nomination>)> {
    let request = pb::SubmitNominationRequest {
        contest_id: path_id(&id)?.to_string(),
        position: body.position,
        method: body.method,
        nominator_ids: body.nominator_ids,
        nominee: Some(split_nominee(body.nominee)?),
        dry_run: false,
    };
    let n = client(&state)
        .submit_nomination(authorized(request, &caller.token))
        .await?
        .into_inner();
    Ok((StatusCode::CREATED, Json(n.into())))
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct NominationCheck {
    /// As a submission would record it: `{"eligible", "checks": [...]}`.
    #[schema(value_type = Object)]
    pub eligibility: serde_json::Value,
    /// The nominee as the register knows them (masked identity number).
    #[schema(value_type = Object)]
    pub nominee: serde_json::Value,
}

/// The same request as a nomination, decided by every rule, nothing stored: 200 with the
/// nominee's eligibility check by check, or the same refusals a submission would get.
#[utoipa::path(post, path = "/api/v1/contests/{id}/nominations:check", tag = "nominations", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = SubmitNomination,
    responses((status = 200, body = NominationCheck),
        (status = 422, description = "as `POST /contests/{id}/nominations`", body = super::Problem, content_type = "application/problem+json")))]
pub async fn check(
    State(state): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<SubmitNomination>,
) -> AppResult<Json<NominationCheck>> {
    let request = pb::SubmitNominationRequest {
        contest_id: path_id(&id)?.to_string(),
        position: body.position,
        method: body.method,
        nominator_ids: body.nominator_ids,
        nominee: Some(split_nominee(body.nominee)?),
        dry_run: true,
    };
    let n: Nomination = client(&state)
        .submit_nomination(authorized(request, &caller.token))
        .await?
        .into_inner()
        .into();
    Ok(Json(NominationCheck {
        eligibility: n.eligibility,
        nominee: n.nominee,
    }))
}

#[utoipa::path(get, path = "/api/v1/contests/{id}/nominations", tag = "nominations", security(("bearer" = [])),
    params(("id" = String, Path), NominationsQuery),
    responses((status = 200, body = List<Nomination>), (status = 403, body = super::Problem, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<NominationsQuery>,
) -> AppResult<Json<List<Nomination>>> {
    let page = PageQuery {
        limit: q.limit,
        cursor: q.cursor,
    };
    let id = path_id(&id)?.to_string();
    let request = pb::ListNominationsRequest {
        contest_id: id.clone(),
        page: Some(page.to_proto()),
        position: q.position.unwrap_or_default(),
        status: q.status.unwrap_or_default(),
        eligible: q.eligible.map(|e| e.to_string()).unwrap_or_default(),
    };
    let r = read_as(
        &state.nominations,
        &caller.token,
        &request,
        |mut c, r| async move { c.list_nominations(r).await },
    )
    .await?;
    // The review service's stages and statuses, one call for the whole contest.
    let cases = super::review::cases_of(&state, &caller.token, &id).await;
    Ok(Json(List {
        items: r
            .items
            .into_iter()
            .map(|n| {
                let case = cases.iter().find(|c| c.nomination_id == n.id).cloned();
                composed(n, case)
            })
            .collect(),
        next_cursor: nonempty(r.next_cursor),
    }))
}

/// A nomination with the review service's stage and status where it has the case.
fn composed(n: pb::Nomination, case: Option<juxuan_proto::review::v1::Case>) -> Nomination {
    let mut shown: Nomination = n.into();
    if let Some(case) = case
        && shown.status == "submitted"
    {
        shown.status = case.status;
        shown.review_stage = nonempty(case.review_stage);
    }
    shown
}

#[utoipa::path(get, path = "/api/v1/nominations/{id}", tag = "nominations", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = Nomination), (status = 404, body = super::Problem, content_type = "application/problem+json")))]
pub async fn get(
    State(state): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Nomination>> {
    let request = pb::GetNominationRequest {
        id: path_id(&id)?.to_string(),
    };
    let n = read_as(
        &state.nominations,
        &caller.token,
        &request,
        |mut c, r| async move { c.get_nomination(r).await },
    )
    .await?;
    // The review service owns the stage and the status under review (approved, rejected, …).
    let case = super::review::case_of(&state, &caller.token, &n.id).await;
    Ok(Json(composed(n, case)))
}

/// `POST /api/v1/nominations/{id}:withdraw` `{"reason"}`.
#[utoipa::path(post, path = "/api/v1/nominations/{id}:withdraw", tag = "nominations", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = Withdraw,
    responses((status = 200, body = Nomination), (status = 400, body = super::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`nomination.not_standing`", body = super::Problem, content_type = "application/problem+json")))]
pub async fn action(
    State(state): State<AppState>,
    Auth(caller): Auth,
    Path(segment): Path<String>,
    ApiBytes(body): ApiBytes,
) -> AppResult<Json<Nomination>> {
    // The action first: an unknown one is 404 whatever the body.
    let Some(id) = segment.strip_suffix(":withdraw") else {
        return Err(AppError::new(
            Kind::NotFound,
            "route.not_found",
            Text::new("没有这个接口", "No such endpoint"),
        ));
    };
    let body: Withdraw = serde_json::from_slice(&body).map_err(|e| {
        AppError::bad_request(
            "request.invalid_body",
            format!("请求体字段缺失或类型不符：{e}"),
            format!("The body has a missing or mistyped field: {e}"),
        )
    })?;
    let request = pb::WithdrawNominationRequest {
        id: path_id(id)?.to_string(),
        reason: body.reason,
    };
    let n = client(&state)
        .withdraw_nomination(authorized(request, &caller.token))
        .await?
        .into_inner();
    Ok(Json(n.into()))
}
