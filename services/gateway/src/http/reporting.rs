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
