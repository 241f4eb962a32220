//! The `RegisterService` gRPC adapter.

use juxuan_platform::grpc::caller;
use juxuan_proto::nomination::v1::{self as pb, register_service_server::RegisterService};
use tonic::{Request, Response, Status};

use crate::clock::format_date;
use crate::names::{Page, parse_id};
use crate::register::Register;
use crate::register_file::RawLine;
use crate::register_store::VoterRow;

fn voter(row: VoterRow) -> pb::Voter {
    pb::Voter {
        id: row.id.to_string(),
        community_id: row.community_id.to_string(),
        name: row.name,
        id_number_masked: row.id_masked,
        gender: row.gender,
        birth_date: format_date(row.birth_date),
        household_no: row.household_no,
        resident_group: row.resident_group.unwrap_or_default(),
        household_rep: row.household_rep,
        resident_rep: row.resident_rep,
        person_key: row.person_key,
    }
}

#[tonic::async_trait]
impl RegisterService for Register {
    async fn add_voter(
        &self,
        request: Request<pb::AddVoterRequest>,
    ) -> Result<Response<pb::Voter>, Status> {
        let caller = caller(&request)?;
        let r = request.into_inner();
        let community_id = parse_id("community_id", &r.community_id)?;
        let raw = RawLine {
            line: 0,
            name: r.name,
            id_number: r.id_number,
            gender: r.gender,
            household_no: r.household_no,
            resident_group: r.resident_group,
            household_rep: r.household_rep.to_string(),
            resident_rep: r.resident_rep.to_string(),
        };
        Ok(Response::new(voter(
            self.add(&caller, community_id, raw).await?,
        )))
    }

    async fn import_voters(
        &self,
        request: Request<pb::ImportVotersRequest>,
    ) -> Result<Response<pb::ImportVotersResponse>, Status> {
        let caller = caller(&request)?;
        let r = request.get_ref();
        let community_id = parse_id("community_id", &r.community_id)?;
        let report = self
            .import(&caller, community_id, &r.content_type, &r.file)
            .await?;
        Ok(Response::new(pb::ImportVotersResponse {
            imported: report.imported,
            updated: report.updated,
            rejected: report
                .rejected
                .into_iter()
                .map(|(line, code, reason)| pb::RejectedLine {
                    line,
                    code: code.to_owned(),
                    reason,
                })
                .collect(),
        }))
    }

    async fn list_voters(
        &self,
        request: Request<pb::ListVotersRequest>,
    ) -> Result<Response<pb::ListVotersResponse>, Status> {
        let caller = caller(&request)?;
        let r = request.get_ref();
        let community_id = parse_id("community_id", &r.community_id)?;
        let page = Page::parse(r.page.as_ref())?;
        let (rows, next_cursor) = self
            .list(&caller, community_id, Some(r.q.as_str()), page)
            .await?;
        Ok(Response::new(pb::ListVotersResponse {
            items: rows.into_iter().map(voter).collect(),
            next_cursor,
        }))
    }
}
