//! The `BallotService` gRPC adapter: parse at the edge, call the use case, encode.

use juxuan_domain::{
    BallotChoices, CandidateId, Choice, CountingStaff, Position, StaffMember, VoterId,
};
use juxuan_platform::AppError;
use juxuan_platform::error::Text;
use juxuan_platform::grpc::caller;
use juxuan_proto::ballot::v1::{self as pb, ballot_service_server::BallotService};
use tonic::{Request, Response, Status};
use uuid::Uuid;

use crate::Ballots;
use crate::counting::TallyView;
use crate::facts::{format, name};
use crate::polls::{Mode, PollView};
use crate::result::{Announced, elected_to_proto, vacancy_to_proto};
use crate::voting::Issued;

fn id(field: &str, raw: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(raw.trim()).map_err(|_| {
        AppError::invalid_field(
            field,
            "request.invalid_id",
            Text::new("编号格式无效", "Malformed id"),
        )
    })
}

fn invalid_value(field: &str, allowed: &[&str]) -> AppError {
    AppError::invalid_field(
        field,
        "request.invalid_value",
        Text::new(
            format!("取值须为 {}", allowed.join("、")),
            format!("One of {}", allowed.join(", ")),
        ),
    )
}

fn mode(raw: &str) -> Result<Mode, AppError> {
    match raw {
        "electronic" => Ok(Mode::Electronic),
        "paper" => Ok(Mode::Paper),
        _ => Err(invalid_value("mode", &["electronic", "paper"])),
    }
}

const POSITIONS: &[&str] = &["director", "deputy_director", "member"];

fn choices(raw: &[pb::Choice], spoiled: bool) -> Result<BallotChoices, AppError> {
    let choices = raw
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let position: Position =
                serde_json::from_value(serde_json::Value::String(c.position.clone()))
                    .map_err(|_| invalid_value(&format!("choices[{i}].position"), POSITIONS))?;
            Ok(Choice {
                position,
                candidate_ids: c
                    .candidate_ids
                    .iter()
                    .map(|c| CandidateId::new(c.clone()))
                    .collect(),
                write_ins: c.write_ins.clone(),
            })
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    Ok(BallotChoices { choices, spoiled })
}

fn choices_to_proto(choices: &[Choice]) -> Vec<pb::Choice> {
    choices
        .iter()
        .map(|c| pb::Choice {
            position: name(c.position),
            candidate_ids: c
                .candidate_ids
                .iter()
                .map(|c| c.as_str().to_owned())
                .collect(),
            write_ins: c.write_ins.clone(),
        })
        .collect()
}

fn member(field: &str, m: &pb::StaffMember) -> Result<StaffMember, AppError> {
    let name = m.name.trim();
    if name.is_empty() || name.chars().count() > 50 {
        return Err(AppError::invalid_field(
            field,
            "request.invalid_name",
            Text::new(
                "姓名须为 1 至 50 个字",
                "A name of 1 to 50 characters is required",
            ),
        ));
    }
    let voter_id = if m.voter_id.trim().is_empty() {
        None
    } else {
        Some(VoterId::new(
            id(&format!("{field}.voter_id"), &m.voter_id)?.to_string(),
        ))
    };
    Ok(StaffMember {
        name: name.to_owned(),
        voter_id,
    })
}

fn staff(raw: &pb::Staff) -> Result<CountingStaff, AppError> {
    let list = |field: &str, items: &[pb::StaffMember]| {
        items
            .iter()
            .enumerate()
            .map(|(i, m)| member(&format!("{field}[{i}]"), m))
            .collect::<Result<Vec<_>, _>>()
    };
    Ok(CountingStaff {
        chair: raw.chair.as_ref().map(|m| member("chair", m)).transpose()?,
        chief_scrutineer: raw
            .chief_scrutineer
            .as_ref()
            .map(|m| member("chief_scrutineer", m))
            .transpose()?,
        scrutineers: list("scrutineers", &raw.scrutineers)?,
        tellers: list("tellers", &raw.tellers)?,
        callers: list("callers", &raw.callers)?,
    })
}

fn member_to_proto(m: &StaffMember) -> pb::StaffMember {
    pb::StaffMember {
        name: m.name.clone(),
        voter_id: m
            .voter_id
            .as_ref()
            .map(|v| v.as_str().to_owned())
            .unwrap_or_default(),
    }
}

fn staff_to_proto(s: &CountingStaff) -> pb::Staff {
    pb::Staff {
        chair: s.chair.as_ref().map(member_to_proto),
        chief_scrutineer: s.chief_scrutineer.as_ref().map(member_to_proto),
        scrutineers: s.scrutineers.iter().map(member_to_proto).collect(),
        tellers: s.tellers.iter().map(member_to_proto).collect(),
        callers: s.callers.iter().map(member_to_proto).collect(),
        recorded: true,
    }
}

fn poll_to_proto(v: &PollView) -> pb::Poll {
    let f = &v.facts;
    pb::Poll {
        id: f.id.to_string(),
        contest_id: f.contest_id.to_string(),
        election_id: f.election_id.to_string(),
        round: f.round,
        mode: name(f.mode),
        status: v.status.clone(),
        positions: f
            .paper
            .positions()
            .iter()
            .map(|p| pb::PollPosition {
                position: name(p.position),
                seats: p.seats.get(),
                kind: name(p.kind),
                candidates: p
                    .candidates
                    .iter()
                    .map(|c| pb::PollCandidate {
                        candidate_id: c.candidate_id.as_str().to_owned(),
                        name: c.name.clone(),
                    })
                    .collect(),
            })
            .collect(),
        electorate: f.electorate,
        checked_in: v.checked_in,
        ballots_issued: v.checked_in,
        ballots_returned: v.ballots_returned,
        opened_at: format(v.opened_at),
        closed_at: v.closed_at.map(format).unwrap_or_default(),
        drill: f.drill,
        staff: v.staff.as_ref().map(staff_to_proto),
        ballot_fingerprint: v.ballot_fingerprint.clone(),
        community_id: f
            .area
            .community_id
            .map(|c| c.to_string())
            .unwrap_or_default(),
    }
}

fn tally_to_proto(t: &TallyView) -> pb::Tally {
    pb::Tally {
        poll_id: t.poll_id.to_string(),
        contest_id: t.contest_id.to_string(),
        round: t.tally.round,
        tally_json: t.to_json().to_string(),
    }
}

fn result_to_proto(a: &Announced) -> pb::ContestResult {
    pb::ContestResult {
        contest_id: a.contest_id.to_string(),
        election_id: a.election_id.to_string(),
        status: name(a.status),
        announced_at: format(a.announced_at),
        elected: a.elected.iter().map(elected_to_proto).collect(),
        vacancies: a.vacancies.iter().map(vacancy_to_proto).collect(),
        deciding_round: a.deciding_round.unwrap_or(0),
        drill: a.drill,
        ballot_fingerprint: a.ballot_fingerprint.clone(),
        ballots_digest: a.ballots_digest.clone(),
    }
}

#[tonic::async_trait]
impl BallotService for Ballots {
    async fn open_poll(
        &self,
        request: Request<pb::OpenPollRequest>,
    ) -> Result<Response<pb::Poll>, Status> {
        let caller = caller(&request)?;
        let r = request.get_ref();
        let contest_id = id("id", &r.contest_id)?;
        let mode = mode(&r.mode)?;
        Ok(Response::new(poll_to_proto(
            &self.open(&caller, contest_id, mode).await?,
        )))
    }

    async fn get_poll(
        &self,
        request: Request<pb::GetPollRequest>,
    ) -> Result<Response<pb::Poll>, Status> {
        let caller = caller(&request)?;
        let poll_id = id("id", &request.get_ref().poll_id)?;
        Ok(Response::new(poll_to_proto(
            &self.get(&caller, poll_id).await?,
        )))
    }

    async fn list_polls(
        &self,
        request: Request<pb::ListPollsRequest>,
    ) -> Result<Response<pb::ListPollsResponse>, Status> {
        let caller = caller(&request)?;
        let contest_id = id("id", &request.get_ref().contest_id)?;
        let polls = self.list(&caller, contest_id).await?;
        Ok(Response::new(pb::ListPollsResponse {
            items: polls.iter().map(poll_to_proto).collect(),
        }))
    }

    async fn set_staff(
        &self,
        request: Request<pb::SetStaffRequest>,
    ) -> Result<Response<pb::Staff>, Status> {
        let caller = caller(&request)?;
        let r = request.get_ref();
        let poll_id = id("id", &r.poll_id)?;
        let staff = staff(&r.staff.clone().unwrap_or_default())?;
        let saved = Ballots::set_staff(self, &caller, poll_id, staff).await?;
        Ok(Response::new(staff_to_proto(&saved)))
    }

    async fn check_in(
        &self,
        request: Request<pb::CheckInRequest>,
    ) -> Result<Response<pb::CheckInResponse>, Status> {
        let caller = caller(&request)?;
        let r = request.get_ref();
        let poll_id = id("id", &r.poll_id)?;
        let voter_id = id("voter_id", &r.voter_id)?;
        Ok(Response::new(
            match Ballots::check_in(self, &caller, poll_id, voter_id).await? {
                Issued::Token(token) => pb::CheckInResponse {
                    ballot_token: token,
                    ballot_issued: true,
                },
                Issued::Paper => pb::CheckInResponse {
                    ballot_token: String::new(),
                    ballot_issued: true,
                },
            },
        ))
    }

    async fn cast_ballot(
        &self,
        request: Request<pb::CastBallotRequest>,
    ) -> Result<Response<pb::CastBallotResponse>, Status> {
        let caller = caller(&request)?;
        let r = request.get_ref();
        let poll_id = id("id", &r.poll_id)?;
        if r.ballot_token.is_empty() || r.ballot_token.len() > 200 {
            return Err(AppError::invalid_field(
                "ballot_token",
                "request.invalid_token",
                Text::new("缺少选票凭证", "A ballot token is required"),
            )
            .into());
        }
        let choices = choices(&r.choices, false)?;
        let receipt = self
            .cast(&caller, poll_id, &r.ballot_token, &choices)
            .await?;
        Ok(Response::new(pb::CastBallotResponse { receipt }))
    }

    async fn enter_paper_ballot(
        &self,
        request: Request<pb::EnterPaperBallotRequest>,
    ) -> Result<Response<pb::EnterPaperBallotResponse>, Status> {
        let caller = caller(&request)?;
        let r = request.get_ref();
        let poll_id = id("id", &r.poll_id)?;
        let choices = choices(&r.choices, r.spoiled)?;
        let entry = self.enter_paper(&caller, poll_id, &choices).await?;
        let (reason_zh, reason_en) = entry
            .verdict
            .reason
            .map(|t| (t.zh, t.en))
            .unwrap_or_default();
        Ok(Response::new(pb::EnterPaperBallotResponse {
            id: entry.id.to_string(),
            valid: entry.verdict.valid,
            reason_zh,
            reason_en,
            receipt: entry.receipt,
        }))
    }

    async fn withdraw_paper_ballot(
        &self,
        request: Request<pb::WithdrawPaperBallotRequest>,
    ) -> Result<Response<pb::WithdrawPaperBallotResponse>, Status> {
        let caller = caller(&request)?;
        let r = request.get_ref();
        let poll_id = id("id", &r.poll_id)?;
        let ballot_id = id("ballot_id", &r.ballot_id)?;
        self.withdraw_paper(&caller, poll_id, ballot_id).await?;
        Ok(Response::new(pb::WithdrawPaperBallotResponse {}))
    }

    async fn close_poll(
        &self,
        request: Request<pb::ClosePollRequest>,
    ) -> Result<Response<pb::Tally>, Status> {
        let caller = caller(&request)?;
        let r = request.get_ref();
        let poll_id = id("id", &r.poll_id)?;
        let returned = r.returned_counted.then_some(r.ballots_returned);
        Ok(Response::new(tally_to_proto(
            &self.close(&caller, poll_id, returned).await?,
        )))
    }

    async fn get_tally(
        &self,
        request: Request<pb::GetTallyRequest>,
    ) -> Result<Response<pb::Tally>, Status> {
        let caller = caller(&request)?;
        let poll_id = id("id", &request.get_ref().poll_id)?;
        Ok(Response::new(tally_to_proto(
            &self.tally(&caller, poll_id).await?,
        )))
    }

    async fn list_ballots(
        &self,
        request: Request<pb::ListBallotsRequest>,
    ) -> Result<Response<pb::ListBallotsResponse>, Status> {
        let caller = caller(&request)?;
        let r = request.get_ref();
        let poll_id = id("id", &r.poll_id)?;
        let page = r.page.clone().unwrap_or_default();
        let limit: i64 = match page.limit {
            0 => 500,
            n @ 1..=5000 => i64::from(n),
            _ => {
                return Err(AppError::invalid_field(
                    "limit",
                    "request.invalid_limit",
                    Text::new("limit 须在 1 至 5000 之间", "limit is 1 to 5000"),
                )
                .into());
            }
        };
        let after = if page.cursor.is_empty() {
            None
        } else {
            Some(id("cursor", &page.cursor)?)
        };
        let (mut items, total) = self.ballots(&caller, poll_id, after, limit + 1).await?;
        let more = items.len() > usize::try_from(limit).unwrap_or(usize::MAX);
        items.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        Ok(Response::new(pb::ListBallotsResponse {
            next_cursor: if more {
                items.last().map(|b| b.id.to_string()).unwrap_or_default()
            } else {
                String::new()
            },
            items: items
                .iter()
                .map(|b| pb::AnonymousBallot {
                    receipt: b.receipt.clone(),
                    choices: choices_to_proto(&b.choices),
                    spoiled: b.spoiled,
                })
                .collect(),
            count: u64::try_from(total).unwrap_or(0),
        }))
    }

    async fn announce_result(
        &self,
        request: Request<pb::AnnounceResultRequest>,
    ) -> Result<Response<pb::ContestResult>, Status> {
        let caller = caller(&request)?;
        let contest_id = id("id", &request.get_ref().contest_id)?;
        Ok(Response::new(result_to_proto(
            &self.announce(&caller, contest_id).await?,
        )))
    }

    async fn get_result(
        &self,
        request: Request<pb::GetResultRequest>,
    ) -> Result<Response<pb::ContestResult>, Status> {
        let caller = caller(&request)?;
        let contest_id = id("id", &request.get_ref().contest_id)?;
        Ok(Response::new(result_to_proto(
            &self.result(&caller, contest_id).await?,
        )))
    }

    async fn get_certificate(
        &self,
        request: Request<pb::GetCertificateRequest>,
    ) -> Result<Response<pb::Certificate>, Status> {
        let caller = caller(&request)?;
        let r = request.get_ref();
        let contest_id = id("id", &r.contest_id)?;
        let (pdf, drill) = self
            .certificate(&caller, contest_id, &r.certificate_no)
            .await?;
        Ok(Response::new(pb::Certificate {
            certificate_no: r.certificate_no.clone(),
            pdf,
            drill,
        }))
    }
}

#[cfg(test)]
#[path = "grpc_properties.rs"]
mod properties;
