//! The `ReviewService` gRPC adapter: parse at the edge, call the use case, encode.

use juxuan_domain::{Decision, ReviewStage};
use juxuan_platform::AppError;
use juxuan_platform::error::Text;
use juxuan_platform::grpc::caller;
use juxuan_proto::common::v1 as common;
use juxuan_proto::review::v1::{self as pb, review_service_server::ReviewService};
use tonic::{Request, Response, Status};
use uuid::Uuid;

use crate::candidates::{CandidateList, candidate_to_proto, format};
use crate::review::{CaseRow, NewDecision, Review, name};

fn id(field: &str, raw: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(raw.trim()).map_err(|_| {
        AppError::invalid_field(
            field,
            "request.invalid_id",
            Text::new("编号格式无效", "Malformed id"),
        )
    })
}

fn one_of<T: serde::de::DeserializeOwned>(
    field: &str,
    raw: &str,
    allowed: &[&str],
) -> Result<T, AppError> {
    allowed
        .contains(&raw)
        .then(|| serde_json::from_value(serde_json::Value::String(raw.to_owned())).ok())
        .flatten()
        .ok_or_else(|| {
            AppError::invalid_field(
                field,
                "request.invalid_value",
                Text::new(
                    format!("取值须为 {}", allowed.join("、")),
                    format!("One of {}", allowed.join(", ")),
                ),
            )
        })
}

const STAGES: &[&str] = &["community", "street", "district"];

fn case_to_proto(c: CaseRow) -> pb::Case {
    pb::Case {
        nomination_id: c.nomination_id.to_string(),
        contest_id: c.contest_id.to_string(),
        election_id: c.election_id.to_string(),
        community: Some(common::AreaPath {
            level: juxuan_platform::auth::AreaLevel::Community.to_proto(),
            id: c.community_id.to_string(),
            district_id: c.district_id.to_string(),
            street_id: c.street_id.to_string(),
            community_id: c.community_id.to_string(),
            name: c.community,
        }),
        position: c.position,
        nominee_name: c.nominee_name,
        eligible: c.eligible,
        status: c.status,
        review_stage: c.review_stage.unwrap_or_default(),
        submitted_at: format(c.submitted_at),
        drill: c.drill,
    }
}

fn list_to_proto(l: CandidateList) -> pb::CandidateList {
    pb::CandidateList {
        items: l.items.iter().map(candidate_to_proto).collect(),
        published_at: l.published_at.map(format).unwrap_or_default(),
        ballot_fingerprint: l.ballot_fingerprint.unwrap_or_default(),
    }
}

#[tonic::async_trait]
impl ReviewService for Review {
    async fn decide(
        &self,
        request: Request<pb::DecideRequest>,
    ) -> Result<Response<pb::DecisionResult>, Status> {
        let caller = caller(&request)?;
        let r = request.get_ref();
        let nomination_id = id("id", &r.nomination_id)?;
        let stage: ReviewStage = one_of("stage", &r.stage, STAGES)?;
        let decision: Decision = one_of("decision", &r.decision, &["approve", "reject"])?;
        let reason = Some(r.reason.clone()).filter(|r| !r.trim().is_empty());
        let outcome = Review::decide(
            self,
            &caller,
            nomination_id,
            NewDecision {
                stage,
                decision,
                reason,
            },
        )
        .await?;
        Ok(Response::new(pb::DecisionResult {
            stage: name(outcome.stage),
            decision: name(outcome.decision),
            next_stage: outcome.next_stage.map(name).unwrap_or_default(),
            status: name(outcome.status),
        }))
    }

    async fn list_decisions(
        &self,
        request: Request<pb::ListDecisionsRequest>,
    ) -> Result<Response<pb::ListDecisionsResponse>, Status> {
        let caller = caller(&request)?;
        let nomination_id = id("id", &request.get_ref().nomination_id)?;
        let rows = self.decisions(&caller, nomination_id).await?;
        Ok(Response::new(pb::ListDecisionsResponse {
            items: rows
                .into_iter()
                .map(|d| pb::Decision {
                    stage: d.stage,
                    decision: d.decision,
                    reason: d.reason.unwrap_or_default(),
                    decided_by: d.decided_by,
                    role: d.role,
                    decided_at: format(d.decided_at),
                })
                .collect(),
        }))
    }

    async fn get_case(
        &self,
        request: Request<pb::GetCaseRequest>,
    ) -> Result<Response<pb::Case>, Status> {
        let caller = caller(&request)?;
        let nomination_id = id("id", &request.get_ref().nomination_id)?;
        Ok(Response::new(case_to_proto(
            self.case(&caller, nomination_id).await?,
        )))
    }

    async fn list_cases(
        &self,
        request: Request<pb::ListCasesRequest>,
    ) -> Result<Response<pb::ListCasesResponse>, Status> {
        let caller = caller(&request)?;
        let contest_id = id("id", &request.get_ref().contest_id)?;
        let rows = self.contest_cases(&caller, contest_id).await?;
        Ok(Response::new(pb::ListCasesResponse {
            items: rows.into_iter().map(case_to_proto).collect(),
        }))
    }

    async fn review_queue(
        &self,
        request: Request<pb::ReviewQueueRequest>,
    ) -> Result<Response<pb::ReviewQueueResponse>, Status> {
        let caller = caller(&request)?;
        let r = request.get_ref();
        let stage: ReviewStage = one_of("stage", &r.stage, STAGES)?;
        let page = r.page.clone().unwrap_or_default();
        let limit = match page.limit {
            0 => 50,
            n @ 1..=500 => i64::from(n),
            _ => {
                return Err(AppError::invalid_field(
                    "limit",
                    "request.invalid_limit",
                    Text::new("limit 须在 1 至 500 之间", "limit is 1 to 500"),
                )
                .into());
            }
        };
        let after = if page.cursor.is_empty() {
            None
        } else {
            Some(id("cursor", &page.cursor)?)
        };
        let (mut rows, count) = self.queue(&caller, stage, after, limit).await?;
        let more = rows.len() > usize::try_from(limit).unwrap_or(usize::MAX);
        rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        let next_cursor = if more {
            rows.last()
                .map(|r| r.nomination_id.to_string())
                .unwrap_or_default()
        } else {
            String::new()
        };
        Ok(Response::new(pb::ReviewQueueResponse {
            items: rows.into_iter().map(case_to_proto).collect(),
            count: u32::try_from(count).unwrap_or(u32::MAX),
            next_cursor,
        }))
    }

    async fn list_candidates(
        &self,
        request: Request<pb::ListCandidatesRequest>,
    ) -> Result<Response<pb::CandidateList>, Status> {
        let caller = caller(&request)?;
        let contest_id = id("id", &request.get_ref().contest_id)?;
        Ok(Response::new(list_to_proto(
            self.candidates(&caller, contest_id).await?,
        )))
    }

    async fn publish_candidates(
        &self,
        request: Request<pb::PublishCandidatesRequest>,
    ) -> Result<Response<pb::CandidateList>, Status> {
        let caller = caller(&request)?;
        let contest_id = id("id", &request.get_ref().contest_id)?;
        Ok(Response::new(list_to_proto(
            self.publish(&caller, contest_id).await?,
        )))
    }
}
