//! Election day (投票选举): REST in front of the ballot service.

use super::extract::Path;
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use juxuan_platform::error::{Kind, Lang, Text};
use juxuan_platform::grpc::{authorized, read_as};
use juxuan_platform::{AppError, AppResult};
use juxuan_proto::ballot::v1 as pb;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::extract::{ApiBytes, ApiJson, ApiQuery, Auth, PageQuery, path_id};
use super::{AppState, nonempty};

fn client(state: &AppState) -> super::BallotClient {
    state.ballot.clone()
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct OpenPoll {
    /// `electronic` (voting terminals) or `paper` (tellers enter each ballot as read out).
    pub mode: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PollCandidate {
    pub candidate_id: String,
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PollPosition {
    pub position: String,
    pub seats: u32,
    /// `regular`, `tie_break` or `additional_election`.
    pub kind: String,
    pub candidates: Vec<PollCandidate>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema, Default)]
pub struct StaffMember {
    pub name: String,
    pub voter_id: Option<String>,
}

/// The counting staff (R-CAND-STAFF).
#[derive(Debug, Serialize, Deserialize, ToSchema, Default)]
pub struct Staff {
    pub chair: Option<StaffMember>,
    pub chief_scrutineer: Option<StaffMember>,
    #[serde(default)]
    pub scrutineers: Vec<StaffMember>,
    #[serde(default)]
    pub tellers: Vec<StaffMember>,
    #[serde(default)]
    pub callers: Vec<StaffMember>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Poll {
    pub id: String,
    pub contest_id: String,
    pub election_id: String,
    pub round: u32,
    pub mode: String,
    /// `open` or `closed`.
    pub status: String,
    pub positions: Vec<PollPosition>,
    pub electorate: u64,
    /// Live while open (Redis), final once closed.
    pub checked_in: u64,
    pub ballots_issued: u64,
    pub ballots_returned: u64,
    /// checked_in / electorate.
    pub turnout: f64,
    pub opened_at: String,
    pub closed_at: Option<String>,
    pub drill: bool,
    pub staff: Option<Staff>,
    pub ballot_fingerprint: String,
}

fn member_from(m: pb::StaffMember) -> StaffMember {
    StaffMember {
        name: m.name,
        voter_id: nonempty(m.voter_id),
    }
}

fn staff_from(s: pb::Staff) -> Staff {
    Staff {
        chair: s.chair.map(member_from),
        chief_scrutineer: s.chief_scrutineer.map(member_from),
        scrutineers: s.scrutineers.into_iter().map(member_from).collect(),
        tellers: s.tellers.into_iter().map(member_from).collect(),
        callers: s.callers.into_iter().map(member_from).collect(),
    }
}

fn member_to(m: StaffMember) -> pb::StaffMember {
    pb::StaffMember {
        name: m.name,
        voter_id: m.voter_id.unwrap_or_default(),
    }
}

impl From<pb::Poll> for Poll {
    fn from(p: pb::Poll) -> Self {
        #[allow(clippy::cast_precision_loss)]
        let turnout = if p.electorate == 0 {
            0.0
        } else {
            (p.checked_in as f64 / p.electorate as f64 * 10_000.0).round() / 10_000.0
        };
        Self {
            id: p.id,
            contest_id: p.contest_id,
            election_id: p.election_id,
            round: p.round,
            mode: p.mode,
            status: p.status,
            positions: p
                .positions
                .into_iter()
                .map(|pos| PollPosition {
                    position: pos.position,
                    seats: pos.seats,
                    kind: pos.kind,
                    candidates: pos
                        .candidates
                        .into_iter()
                        .map(|c| PollCandidate {
                            candidate_id: c.candidate_id,
                            name: c.name,
                        })
                        .collect(),
                })
                .collect(),
            electorate: p.electorate,
            checked_in: p.checked_in,
            ballots_issued: p.ballots_issued,
            ballots_returned: p.ballots_returned,
            turnout,
            opened_at: p.opened_at,
            closed_at: nonempty(p.closed_at),
            drill: p.drill,
            staff: p.staff.map(staff_from),
            ballot_fingerprint: p.ballot_fingerprint,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Polls {
    pub items: Vec<Poll>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CheckIn {
    pub voter_id: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CheckedIn {
    /// Electronic mode: the one-time ballot token for the voting terminal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ballot_token: Option<String>,
    /// Paper mode: a ballot paper was handed out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ballot_issued: Option<bool>,
}

/// One position's marks: candidates chosen and names written in (另选他人).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Choice {
    pub position: String,
    #[serde(default)]
    pub candidate_ids: Vec<String>,
    #[serde(default)]
    pub write_ins: Vec<String>,
}

fn choice_to(c: Choice) -> pb::Choice {
    pb::Choice {
        position: c.position,
        candidate_ids: c.candidate_ids,
        write_ins: c.write_ins,
    }
}

fn choice_from(c: pb::Choice) -> Choice {
    Choice {
        position: c.position,
        candidate_ids: c.candidate_ids,
        write_ins: c.write_ins,
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct Cast {
    pub ballot_token: String,
    #[serde(default)]
    pub choices: Vec<Choice>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Receipt {
    pub receipt: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PaperBallot {
    #[serde(default)]
    pub choices: Vec<Choice>,
    /// The whole paper is void.
    #[serde(default)]
    pub spoiled: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PaperEntered {
    pub id: String,
    pub valid: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub receipt: String,
}

/// `POST /polls/{id}:close`: in paper mode, optionally the ballots counted in the box.
#[derive(Debug, Deserialize, ToSchema, Default)]
pub struct Close {
    pub ballots_returned: Option<u64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AnonymousBallot {
    pub receipt: String,
    pub choices: Vec<Choice>,
    pub spoiled: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AnonymousBallots {
    pub items: Vec<AnonymousBallot>,
    pub next_cursor: Option<String>,
    pub count: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ElectedPerson {
    pub name: String,
    pub position: String,
    pub votes: u64,
    pub certificate_no: String,
    pub round: u32,
    pub candidate_id: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Vacancy {
    pub position: String,
    pub seats: u32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ContestResult {
    pub contest_id: String,
    pub election_id: String,
    /// `concluded` or `failed`.
    pub status: String,
    pub announced_at: String,
    pub elected: Vec<ElectedPerson>,
    pub vacancies: Vec<Vacancy>,
    pub deciding_round: Option<u32>,
    pub drill: bool,
    pub ballot_fingerprint: String,
    pub ballots_digest: String,
}

impl From<pb::ContestResult> for ContestResult {
    fn from(r: pb::ContestResult) -> Self {
        Self {
            contest_id: r.contest_id,
            election_id: r.election_id,
            status: r.status,
            announced_at: r.announced_at,
            elected: r
                .elected
                .into_iter()
                .map(|e| ElectedPerson {
                    name: e.name,
                    position: e.position,
                    votes: e.votes,
                    certificate_no: e.certificate_no,
                    round: e.round,
                    candidate_id: nonempty(e.candidate_id),
                })
                .collect(),
            vacancies: r
                .vacancies
                .into_iter()
                .map(|v| Vacancy {
                    position: v.position,
                    seats: v.seats,
                })
                .collect(),
            deciding_round: Some(r.deciding_round).filter(|r| *r > 0),
            drill: r.drill,
            ballot_fingerprint: r.ballot_fingerprint,
            ballots_digest: r.ballots_digest,
        }
    }
}

fn tally_json(t: &pb::Tally) -> AppResult<serde_json::Value> {
    serde_json::from_str(&t.tally_json)
        .map_err(|e| AppError::internal(anyhow::anyhow!("tally from the ballot service: {e}")))
}

const PROBLEM: &str = "application/problem+json";

#[utoipa::path(post, path = "/api/v1/contests/{id}/polls", tag = "election-day", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = OpenPoll,
    responses((status = 201, body = Poll), (status = 403, body = super::Problem, content_type = PROBLEM),
        (status = 409, description = "`poll.already_open`, `poll.no_round_due`", body = super::Problem, content_type = PROBLEM),
        (status = 422, description = "`poll.not_election_day`, `poll.list_not_published`, `candidates.too_late`, `poll.electorate_not_published`", body = super::Problem, content_type = PROBLEM)))]
pub async fn open(
    State(state): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<OpenPoll>,
) -> AppResult<(StatusCode, Json<Poll>)> {
    let request = pb::OpenPollRequest {
        contest_id: path_id(&id)?.to_string(),
        mode: body.mode,
    };
    let p = client(&state)
        .open_poll(authorized(request, &caller.token))
        .await?
        .into_inner();
    Ok((StatusCode::CREATED, Json(p.into())))
}

#[utoipa::path(get, path = "/api/v1/contests/{id}/polls", tag = "election-day", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = Polls), (status = 403, body = super::Problem, content_type = PROBLEM)))]
pub async fn list(
    State(state): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Polls>> {
    let request = pb::ListPollsRequest {
        contest_id: path_id(&id)?.to_string(),
    };
    let r = read_as(
        &state.ballot,
        &caller.token,
        &request,
        |mut c, r| async move { c.list_polls(r).await },
    )
    .await?;
    Ok(Json(Polls {
        items: r.items.into_iter().map(Into::into).collect(),
    }))
}

#[utoipa::path(get, path = "/api/v1/polls/{id}", tag = "election-day", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = Poll), (status = 404, body = super::Problem, content_type = PROBLEM)))]
pub async fn get(
    State(state): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Poll>> {
    let request = pb::GetPollRequest {
        poll_id: path_id(&id)?.to_string(),
    };
    let p = read_as(
        &state.ballot,
        &caller.token,
        &request,
        |mut c, r| async move { c.get_poll(r).await },
    )
    .await?;
    Ok(Json(p.into()))
}

/// `POST /api/v1/polls/{id}:close`: closes the poll and counts it; 200 with the tally.
#[utoipa::path(post, path = "/api/v1/polls/{id}:close", tag = "election-day", security(("bearer" = [])),
    params(("id" = String, Path)), request_body(content = Close, description = "optional"),
    responses((status = 200, description = "the tally", body = Object), (status = 409, description = "`poll.closed`, `poll.ballots_not_all_entered`", body = super::Problem, content_type = PROBLEM)))]
pub async fn action(
    State(state): State<AppState>,
    Auth(caller): Auth,
    Path(segment): Path<String>,
    ApiBytes(body): ApiBytes,
) -> AppResult<Json<serde_json::Value>> {
    let Some(id) = segment.strip_suffix(":close") else {
        return Err(AppError::new(
            Kind::NotFound,
            "route.not_found",
            Text::new("没有这个接口", "No such endpoint"),
        ));
    };
    let body: Close = if body.iter().all(u8::is_ascii_whitespace) {
        Close::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| {
            AppError::bad_request(
                "request.invalid_body",
                format!("请求体字段缺失或类型不符：{e}"),
                format!("The body has a missing or mistyped field: {e}"),
            )
        })?
    };
    let request = pb::ClosePollRequest {
        poll_id: path_id(id)?.to_string(),
        ballots_returned: body.ballots_returned.unwrap_or(0),
        returned_counted: body.ballots_returned.is_some(),
    };
    let t = client(&state)
        .close_poll(authorized(request, &caller.token))
        .await?
        .into_inner();
    Ok(Json(tally_json(&t)?))
}

#[utoipa::path(put, path = "/api/v1/polls/{id}/staff", tag = "election-day", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = Staff,
    responses((status = 200, body = Staff), (status = 422, description = "`poll.candidate_on_staff`", body = super::Problem, content_type = PROBLEM)))]
pub async fn staff(
    State(state): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Staff>,
) -> AppResult<Json<Staff>> {
    let request = pb::SetStaffRequest {
        poll_id: path_id(&id)?.to_string(),
        staff: Some(pb::Staff {
            chair: body.chair.map(member_to),
            chief_scrutineer: body.chief_scrutineer.map(member_to),
            scrutineers: body.scrutineers.into_iter().map(member_to).collect(),
            tellers: body.tellers.into_iter().map(member_to).collect(),
            callers: body.callers.into_iter().map(member_to).collect(),
            recorded: true,
        }),
    };
    let s = client(&state)
        .set_staff(authorized(request, &caller.token))
        .await?
        .into_inner();
    Ok(Json(staff_from(s)))
}

#[utoipa::path(post, path = "/api/v1/polls/{id}/checkins", tag = "election-day", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = CheckIn,
    responses((status = 201, body = CheckedIn),
        (status = 409, description = "`poll.already_checked_in`, `poll.closed`", body = super::Problem, content_type = PROBLEM),
        (status = 422, description = "`poll.not_in_electorate`", body = super::Problem, content_type = PROBLEM)))]
pub async fn check_in(
    State(state): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<CheckIn>,
) -> AppResult<(StatusCode, Json<CheckedIn>)> {
    let request = pb::CheckInRequest {
        poll_id: path_id(&id)?.to_string(),
        voter_id: body.voter_id,
    };
    let r = client(&state)
        .check_in(authorized(request, &caller.token))
        .await?
        .into_inner();
    let answer = match nonempty(r.ballot_token) {
        Some(token) => CheckedIn {
            ballot_token: Some(token),
            ballot_issued: None,
        },
        None => CheckedIn {
            ballot_token: None,
            ballot_issued: Some(r.ballot_issued),
        },
    };
    Ok((StatusCode::CREATED, Json(answer)))
}

#[utoipa::path(post, path = "/api/v1/polls/{id}/ballots", tag = "election-day", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = Cast,
    responses((status = 201, body = Receipt),
        (status = 409, description = "`ballot.token_spent`, `poll.closed`", body = super::Problem, content_type = PROBLEM),
        (status = 422, description = "`ballot.token_unknown`, `ballot.too_many_choices` (the token stays unspent)", body = super::Problem, content_type = PROBLEM)))]
pub async fn cast(
    State(state): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Cast>,
) -> AppResult<(StatusCode, Json<Receipt>)> {
    let request = pb::CastBallotRequest {
        poll_id: path_id(&id)?.to_string(),
        ballot_token: body.ballot_token,
        choices: body.choices.into_iter().map(choice_to).collect(),
    };
    let r = client(&state)
        .cast_ballot(authorized(request, &caller.token))
        .await?
        .into_inner();
    Ok((StatusCode::CREATED, Json(Receipt { receipt: r.receipt })))
}

#[utoipa::path(get, path = "/api/v1/polls/{id}/ballots", tag = "election-day", security(("bearer" = [])),
    params(("id" = String, Path), PageQuery),
    responses((status = 200, body = AnonymousBallots), (status = 409, description = "`poll.open`", body = super::Problem, content_type = PROBLEM)))]
pub async fn ballots(
    State(state): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> AppResult<Json<AnonymousBallots>> {
    let request = pb::ListBallotsRequest {
        poll_id: path_id(&id)?.to_string(),
        page: Some(page.to_proto()),
    };
    let r = read_as(
        &state.ballot,
        &caller.token,
        &request,
        |mut c, r| async move { c.list_ballots(r).await },
    )
    .await?;
    Ok(Json(AnonymousBallots {
        items: r
            .items
            .into_iter()
            .map(|b| AnonymousBallot {
                receipt: b.receipt,
                choices: b.choices.into_iter().map(choice_from).collect(),
                spoiled: b.spoiled,
            })
            .collect(),
        next_cursor: nonempty(r.next_cursor),
        count: r.count,
    }))
}

#[utoipa::path(post, path = "/api/v1/polls/{id}/paper-ballots", tag = "election-day", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = PaperBallot,
    responses((status = 201, body = PaperEntered),
        (status = 409, description = "`poll.more_ballots_than_issued`, `poll.not_paper`, `poll.closed`", body = super::Problem, content_type = PROBLEM)))]
pub async fn paper(
    State(state): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<PaperBallot>,
) -> AppResult<(StatusCode, Json<PaperEntered>)> {
    let request = pb::EnterPaperBallotRequest {
        poll_id: path_id(&id)?.to_string(),
        choices: body.choices.into_iter().map(choice_to).collect(),
        spoiled: body.spoiled,
    };
    let r = client(&state)
        .enter_paper_ballot(authorized(request, &caller.token))
        .await?
        .into_inner();
    let reason = match juxuan_platform::http::lang() {
        Lang::En => r.reason_en,
        _ => r.reason_zh,
    };
    Ok((
        StatusCode::CREATED,
        Json(PaperEntered {
            id: r.id,
            valid: r.valid,
            reason: nonempty(reason),
            receipt: r.receipt,
        }),
    ))
}

#[utoipa::path(delete, path = "/api/v1/polls/{id}/paper-ballots/{ballot_id}", tag = "election-day", security(("bearer" = [])),
    params(("id" = String, Path), ("ballot_id" = String, Path)),
    responses((status = 204, description = "the ballot entered by mistake is out of the box (a teller, while the poll is open)"),
        (status = 404, body = super::Problem, content_type = PROBLEM),
        (status = 409, description = "`poll.closed`", body = super::Problem, content_type = PROBLEM)))]
pub async fn withdraw_paper(
    State(state): State<AppState>,
    Auth(caller): Auth,
    Path((id, ballot)): Path<(String, String)>,
) -> AppResult<StatusCode> {
    let request = pb::WithdrawPaperBallotRequest {
        poll_id: path_id(&id)?.to_string(),
        ballot_id: path_id(&ballot)?.to_string(),
    };
    client(&state)
        .withdraw_paper_ballot(authorized(request, &caller.token))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/polls/{id}/tally", tag = "election-day", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, description = "the tally", body = Object), (status = 409, description = "`poll.open`", body = super::Problem, content_type = PROBLEM)))]
pub async fn tally(
    State(state): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
) -> AppResult<Json<serde_json::Value>> {
    let request = pb::GetTallyRequest {
        poll_id: path_id(&id)?.to_string(),
    };
    let t = read_as(
        &state.ballot,
        &caller.token,
        &request,
        |mut c, r| async move { c.get_tally(r).await },
    )
    .await?;
    Ok(Json(tally_json(&t)?))
}

#[utoipa::path(post, path = "/api/v1/contests/{id}/result:announce", tag = "election-day", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = ContestResult),
        (status = 409, description = "`result.not_ready`, `result.already_announced`", body = super::Problem, content_type = PROBLEM)))]
pub async fn announce(
    State(state): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
) -> AppResult<Json<ContestResult>> {
    let request = pb::AnnounceResultRequest {
        contest_id: path_id(&id)?.to_string(),
    };
    let r = client(&state)
        .announce_result(authorized(request, &caller.token))
        .await?
        .into_inner();
    Ok(Json(r.into()))
}

#[utoipa::path(get, path = "/api/v1/contests/{id}/result", tag = "election-day", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = ContestResult), (status = 404, description = "`result.not_announced`", body = super::Problem, content_type = PROBLEM)))]
pub async fn result(
    State(state): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
) -> AppResult<Json<ContestResult>> {
    let request = pb::GetResultRequest {
        contest_id: path_id(&id)?.to_string(),
    };
    let r = read_as(
        &state.ballot,
        &caller.token,
        &request,
        |mut c, r| async move { c.get_result(r).await },
    )
    .await?;
    Ok(Json(r.into()))
}

/// The certificate as a PDF, named `当选证书-<number>.pdf` (`演练-` first for drills).
#[utoipa::path(get, path = "/api/v1/contests/{id}/certificates/{certificate_no}", tag = "election-day", security(("bearer" = [])),
    params(("id" = String, Path), ("certificate_no" = String, Path)),
    responses((status = 200, content_type = "application/pdf", description = "the certificate (当选证书)"),
        (status = 404, body = super::Problem, content_type = PROBLEM)))]
pub async fn certificate(
    State(state): State<AppState>,
    Auth(caller): Auth,
    Path((id, certificate_no)): Path<(String, String)>,
) -> AppResult<Response> {
    if certificate_no.is_empty()
        || certificate_no.len() > 40
        || !certificate_no
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        return Err(AppError::not_found("当选证书", "Certificate"));
    }
    let request = pb::GetCertificateRequest {
        contest_id: path_id(&id)?.to_string(),
        certificate_no: certificate_no.clone(),
    };
    let c = read_as(
        &state.ballot,
        &caller.token,
        &request,
        |mut c, r| async move { c.get_certificate(r).await },
    )
    .await?;
    let file = if c.drill {
        format!("演练-当选证书-{certificate_no}.pdf")
    } else {
        format!("当选证书-{certificate_no}.pdf")
    };
    let ascii = if c.drill {
        format!("drill-certificate-{certificate_no}.pdf")
    } else {
        format!("certificate-{certificate_no}.pdf")
    };
    let disposition = super::content_disposition("inline", &ascii, &file);
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        c.pdf,
    )
        .into_response())
}
