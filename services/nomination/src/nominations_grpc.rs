//! The `NominationService` gRPC adapter: parse at the edge, call the use case, encode.

use juxuan_domain::{NominationMethod, Particulars, Position};
use juxuan_platform::AppError;
use juxuan_platform::error::{FieldError, Text};
use juxuan_platform::grpc::caller;
use juxuan_proto::nomination::v1::{self as pb, nomination_service_server::NominationService};
use tonic::{Request, Response, Status};
use uuid::Uuid;

use crate::names::{Page, parse_enum, parse_id};
use crate::nominations::{Filter, NewNomination, NominationRow, Nominations, NomineeInput};

const POSITIONS: &[&str] = &["director", "deputy_director", "member"];
const METHODS: &[&str] = &[
    "joint_voters",
    "joint_household_reps",
    "joint_representatives",
    "self",
];
/// More nominators than any method needs, with room to spare; a longer list is refused.
const MAX_NOMINATORS: usize = 1000;

fn one_of(field: &str, raw: &str, allowed: &[&'static str]) -> Result<&'static str, FieldError> {
    allowed
        .iter()
        .find(|a| **a == raw)
        .copied()
        .ok_or_else(|| FieldError {
            field: field.to_owned(),
            code: "request.invalid_value".into(),
            message: Text::new(
                format!("取值须为 {}", allowed.join("、")),
                format!("One of {}", allowed.join(", ")),
            ),
        })
}

fn parse_submit(r: &pb::SubmitNominationRequest) -> Result<(Uuid, NewNomination), AppError> {
    let contest_id = parse_id("id", &r.contest_id)?;
    let mut errors = Vec::new();
    let position = one_of("position", &r.position, POSITIONS)
        .map_err(|e| errors.push(e))
        .ok()
        .and_then(parse_enum::<Position>);
    let method = one_of("method", &r.method, METHODS)
        .map_err(|e| errors.push(e))
        .ok()
        .and_then(parse_enum::<NominationMethod>);
    if r.nominator_ids.len() > MAX_NOMINATORS {
        errors.push(FieldError {
            field: "nominator_ids".into(),
            code: "request.too_many".into(),
            message: Text::new(
                format!("提名人不得超过 {MAX_NOMINATORS} 人"),
                format!("At most {MAX_NOMINATORS} nominators"),
            ),
        });
    }
    let nominee = r.nominee.clone().unwrap_or_default();
    let voter_id = if nominee.voter_id.trim().is_empty() {
        None
    } else {
        match Uuid::parse_str(nominee.voter_id.trim()) {
            Ok(id) => Some(id),
            Err(_) => {
                errors.push(FieldError {
                    field: "nominee.voter_id".into(),
                    code: "request.invalid_id".into(),
                    message: Text::new("编号格式无效", "Malformed id"),
                });
                None
            }
        }
    };
    let particulars =
        match serde_json::from_str::<Particulars>(if nominee.particulars_json.is_empty() {
            "{}"
        } else {
            &nominee.particulars_json
        }) {
            Ok(p) => Some(p),
            Err(e) => {
                // serde names the key or value at fault; the particulars hold no identity number.
                let why = e.to_string();
                errors.push(FieldError {
                    field: "nominee".into(),
                    code: "nomination.invalid_particulars".into(),
                    message: Text::new(
                        format!("被提名人情况填写有误：{why}"),
                        format!("The nominee's particulars are invalid: {why}"),
                    ),
                });
                None
            }
        };
    let (Some(position), Some(method), Some(particulars)) = (position, method, particulars) else {
        return Err(AppError::invalid_fields(errors));
    };
    if !errors.is_empty() {
        return Err(AppError::invalid_fields(errors));
    }
    let some = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    Ok((
        contest_id,
        NewNomination {
            position,
            method,
            nominator_ids: r.nominator_ids.clone(),
            nominee: NomineeInput {
                voter_id,
                name: some(&nominee.name),
                id_number: some(&nominee.id_number),
                particulars,
            },
        },
    ))
}

pub fn to_proto(row: NominationRow) -> pb::Nomination {
    let community = crate::areas::path_to_proto(
        &crate::scope::AreaPath::community(row.community_id, row.street_id, row.district_id),
        &row.community_name,
    );
    pb::Nomination {
        id: row.id.to_string(),
        contest_id: row.contest_id.to_string(),
        election_id: row.election_id.to_string(),
        position: row.position,
        method: row.method,
        nominator_ids: row.nominator_ids.iter().map(Uuid::to_string).collect(),
        nominee: Some(pb::Nominee {
            voter_id: row
                .nominee_voter_id
                .map(|v| v.to_string())
                .unwrap_or_default(),
            name: row.nominee_name,
            id_number: String::new(),
            id_number_masked: row.nominee_id_masked,
            gender: row.nominee_gender,
            birth_date: crate::clock::format_date(row.nominee_birth_date),
            particulars_json: row.particulars.to_string(),
        }),
        status: row.status,
        eligibility_json: row.eligibility.to_string(),
        eligible: row.eligible,
        profile: row.profile,
        submitted_at: crate::clock::format(row.submitted_at),
        submitted_by: row.submitted_by,
        withdrawn_at: row
            .withdrawn_at
            .map(crate::clock::format)
            .unwrap_or_default(),
        withdraw_reason: row.withdraw_reason.unwrap_or_default(),
        community: Some(community),
        drill: row.drill,
    }
}

#[tonic::async_trait]
impl NominationService for Nominations {
    async fn submit_nomination(
        &self,
        request: Request<pb::SubmitNominationRequest>,
    ) -> Result<Response<pb::Nomination>, Status> {
        let caller = caller(&request)?;
        let (contest_id, new) = parse_submit(request.get_ref())?;
        let row = self
            .submit(&caller, contest_id, new, request.get_ref().dry_run)
            .await?;
        Ok(Response::new(to_proto(row)))
    }

    async fn get_nomination(
        &self,
        request: Request<pb::GetNominationRequest>,
    ) -> Result<Response<pb::Nomination>, Status> {
        let caller = caller(&request)?;
        let id = parse_id("id", &request.get_ref().id)?;
        Ok(Response::new(to_proto(self.get(&caller, id).await?)))
    }

    async fn list_nominations(
        &self,
        request: Request<pb::ListNominationsRequest>,
    ) -> Result<Response<pb::ListNominationsResponse>, Status> {
        let caller = caller(&request)?;
        let r = request.get_ref();
        let contest_id = parse_id("id", &r.contest_id)?;
        let page = Page::parse(r.page.as_ref())?;
        let mut errors = Vec::new();
        let mut filter = Filter::default();
        if !r.position.is_empty() {
            filter.position = one_of("position", &r.position, POSITIONS)
                .map_err(|e| errors.push(e))
                .ok();
        }
        if !r.status.is_empty() {
            filter.status = one_of("status", &r.status, &["submitted", "withdrawn", "rejected"])
                .map_err(|e| errors.push(e))
                .ok();
        }
        if !r.eligible.is_empty() {
            filter.eligible = one_of("eligible", &r.eligible, &["true", "false"])
                .map_err(|e| errors.push(e))
                .ok()
                .map(|v| v == "true");
        }
        if !errors.is_empty() {
            return Err(AppError::invalid_fields(errors).into());
        }
        let (rows, next_cursor) = self.list(&caller, contest_id, filter, page).await?;
        Ok(Response::new(pb::ListNominationsResponse {
            items: rows.into_iter().map(to_proto).collect(),
            next_cursor,
        }))
    }

    async fn withdraw_nomination(
        &self,
        request: Request<pb::WithdrawNominationRequest>,
    ) -> Result<Response<pb::Nomination>, Status> {
        let caller = caller(&request)?;
        let r = request.get_ref();
        let id = parse_id("id", &r.id)?;
        Ok(Response::new(to_proto(
            self.withdraw(&caller, id, &r.reason).await?,
        )))
    }
}
