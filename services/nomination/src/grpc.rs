//! The `AreaService` gRPC adapter: decode, call the use case, encode.

use juxuan_platform::grpc::caller;
use juxuan_proto::nomination::v1::{self as pb, area_service_server::AreaService};
use tonic::{Request, Response, Status};

use crate::areas::{Areas, path_to_proto};
use crate::names::{AreaCode, AreaName, Page, parse_id};
use crate::store::{CommunityRow, DistrictRow, GroupRow, StreetRow};

fn district(r: DistrictRow) -> pb::District {
    pb::District {
        id: r.id.to_string(),
        name: r.name,
        code: r.code.unwrap_or_default(),
    }
}

fn street(r: StreetRow) -> pb::Street {
    pb::Street {
        id: r.id.to_string(),
        district_id: r.district_id.to_string(),
        name: r.name,
        code: r.code.unwrap_or_default(),
    }
}

fn community(r: CommunityRow) -> pb::Community {
    pb::Community {
        id: r.id.to_string(),
        street_id: r.street_id.to_string(),
        district_id: r.district_id.to_string(),
        name: r.name,
        code: r.code.unwrap_or_default(),
    }
}

fn group(r: GroupRow) -> pb::ResidentGroup {
    pb::ResidentGroup {
        id: r.id.to_string(),
        community_id: r.community_id.to_string(),
        name: r.name,
    }
}

#[tonic::async_trait]
impl AreaService for Areas {
    async fn ensure_district(
        &self,
        request: Request<pb::EnsureDistrictRequest>,
    ) -> Result<Response<pb::District>, Status> {
        let caller = caller(&request)?;
        let r = request.get_ref();
        let name = AreaName::parse("name", &r.name)?;
        let code = AreaCode::parse("code", &r.code)?;
        Ok(Response::new(district(
            Areas::ensure_district(self, &caller, name, code).await?,
        )))
    }

    async fn list_districts(
        &self,
        request: Request<pb::ListDistrictsRequest>,
    ) -> Result<Response<pb::ListDistrictsResponse>, Status> {
        let caller = caller(&request)?;
        let page = Page::parse(request.get_ref().page.as_ref())?;
        let (rows, next_cursor) = Areas::list_districts(self, &caller, page).await?;
        Ok(Response::new(pb::ListDistrictsResponse {
            items: rows.into_iter().map(district).collect(),
            next_cursor,
        }))
    }

    async fn get_district(
        &self,
        request: Request<pb::GetDistrictRequest>,
    ) -> Result<Response<pb::District>, Status> {
        let caller = caller(&request)?;
        let id = parse_id("id", &request.get_ref().id)?;
        Ok(Response::new(district(
            Areas::get_district(self, &caller, id).await?,
        )))
    }

    async fn create_street(
        &self,
        request: Request<pb::CreateStreetRequest>,
    ) -> Result<Response<pb::Street>, Status> {
        let caller = caller(&request)?;
        caller.require_role(crate::areas::STREET_WRITERS)?;
        let r = request.get_ref();
        let district_id = parse_id("district_id", &r.district_id)?;
        let name = AreaName::parse("name", &r.name)?;
        let code = AreaCode::parse("code", &r.code)?;
        Ok(Response::new(street(
            Areas::create_street(self, &caller, district_id, name, code).await?,
        )))
    }

    async fn list_streets(
        &self,
        request: Request<pb::ListStreetsRequest>,
    ) -> Result<Response<pb::ListStreetsResponse>, Status> {
        let caller = caller(&request)?;
        let r = request.get_ref();
        let district_id = parse_id("district_id", &r.district_id)?;
        let page = Page::parse(r.page.as_ref())?;
        let (rows, next_cursor) = Areas::list_streets(self, &caller, district_id, page).await?;
        Ok(Response::new(pb::ListStreetsResponse {
            items: rows.into_iter().map(street).collect(),
            next_cursor,
        }))
    }

    async fn create_community(
        &self,
        request: Request<pb::CreateCommunityRequest>,
    ) -> Result<Response<pb::Community>, Status> {
        let caller = caller(&request)?;
        caller.require_role(crate::areas::COMMUNITY_WRITERS)?;
        let r = request.get_ref();
        let street_id = parse_id("street_id", &r.street_id)?;
        let name = AreaName::parse("name", &r.name)?;
        let code = AreaCode::parse("code", &r.code)?;
        Ok(Response::new(community(
            Areas::create_community(self, &caller, street_id, name, code).await?,
        )))
    }

    async fn list_communities(
        &self,
        request: Request<pb::ListCommunitiesRequest>,
    ) -> Result<Response<pb::ListCommunitiesResponse>, Status> {
        let caller = caller(&request)?;
        let r = request.get_ref();
        let street_id = parse_id("street_id", &r.street_id)?;
        let page = Page::parse(r.page.as_ref())?;
        let (rows, next_cursor) = Areas::list_communities(self, &caller, street_id, page).await?;
        Ok(Response::new(pb::ListCommunitiesResponse {
            items: rows.into_iter().map(community).collect(),
            next_cursor,
        }))
    }

    async fn get_community(
        &self,
        request: Request<pb::GetCommunityRequest>,
    ) -> Result<Response<pb::Community>, Status> {
        let caller = caller(&request)?;
        let id = parse_id("id", &request.get_ref().id)?;
        Ok(Response::new(community(
            Areas::get_community(self, &caller, id).await?,
        )))
    }

    async fn create_resident_group(
        &self,
        request: Request<pb::CreateResidentGroupRequest>,
    ) -> Result<Response<pb::ResidentGroup>, Status> {
        let caller = caller(&request)?;
        caller.require_role(crate::areas::GROUP_WRITERS)?;
        let r = request.get_ref();
        let community_id = parse_id("community_id", &r.community_id)?;
        let name = AreaName::parse("name", &r.name)?;
        Ok(Response::new(group(
            Areas::create_group(self, &caller, community_id, name).await?,
        )))
    }

    async fn list_resident_groups(
        &self,
        request: Request<pb::ListResidentGroupsRequest>,
    ) -> Result<Response<pb::ListResidentGroupsResponse>, Status> {
        let caller = caller(&request)?;
        let r = request.get_ref();
        let community_id = parse_id("community_id", &r.community_id)?;
        let page = Page::parse(r.page.as_ref())?;
        let (rows, next_cursor) = Areas::list_groups(self, &caller, community_id, page).await?;
        Ok(Response::new(pb::ListResidentGroupsResponse {
            items: rows.into_iter().map(group).collect(),
            next_cursor,
        }))
    }

    async fn import_areas(
        &self,
        request: Request<pb::ImportAreasRequest>,
    ) -> Result<Response<pb::ImportAreasResponse>, Status> {
        let caller = caller(&request)?;
        let r = request.get_ref();
        let district_id = parse_id("district_id", &r.district_id)?;
        let report = Areas::import(self, &caller, district_id, &r.csv).await?;
        Ok(Response::new(pb::ImportAreasResponse {
            streets_created: report.streets_created,
            communities_created: report.communities_created,
            rejected: report
                .rejected
                .into_iter()
                .map(|r| pb::RejectedLine {
                    line: r.line,
                    code: r.code.to_owned(),
                    reason: r.reason,
                })
                .collect(),
        }))
    }

    async fn resolve_area(
        &self,
        request: Request<pb::ResolveAreaRequest>,
    ) -> Result<Response<juxuan_proto::common::v1::AreaPath>, Status> {
        let caller = caller(&request)?;
        let id = parse_id("id", &request.get_ref().id)?;
        let (path, name) = Areas::resolve(self, &caller, id).await?;
        Ok(Response::new(path_to_proto(&path, &name)))
    }
}
