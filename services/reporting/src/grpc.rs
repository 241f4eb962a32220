//! The `ReportingService` gRPC adapter.

use juxuan_platform::AppError;
use juxuan_platform::error::Text;
use juxuan_platform::grpc::caller;
use juxuan_proto::reporting::v1::{self as pb, reporting_service_server::ReportingService};
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime};
use tonic::{Request, Response, Status};
use uuid::Uuid;

#[derive(Clone)]
pub struct Reporting {
    pub pool: sqlx::PgPool,
    pub font: std::sync::Arc<juxuan_print::FontSource>,
}

/// The XLSX media type.
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn format(t: Option<OffsetDateTime>) -> String {
    t.and_then(|t| t.to_offset(crate::DISTRICT_OFFSET).format(&Rfc3339).ok())
        .unwrap_or_default()
}

fn invalid(field: &str) -> AppError {
    AppError::invalid_field(
        field,
        "request.invalid_value",
        Text::new("取值无效", "Invalid value"),
    )
}

fn filing_to_proto(f: crate::report::Filing) -> pb::Filing {
    pb::Filing {
        contest_id: f.contest_id.to_string(),
        to: f.filed_to,
        version: u32::try_from(f.version).unwrap_or(0),
        digest: f.digest,
        reason: f.reason.unwrap_or_default(),
        filed_at: format(Some(f.filed_at)),
        filed_by: f.filed_by,
        drill: f.drill,
        community: f.community.unwrap_or_default(),
    }
}

#[tonic::async_trait]
impl ReportingService for Reporting {
    async fn get_report(
        &self,
        request: Request<pb::GetReportRequest>,
    ) -> Result<Response<pb::Report>, Status> {
        let caller = caller(&request)?;
        let r = request.get_ref();
        let contest_id = Uuid::parse_str(r.contest_id.trim()).map_err(|_| invalid("id"))?;
        let (report, drill) = crate::report::report(&self.pool, &caller, contest_id).await?;
        let community = report["community"].as_str().unwrap_or_default().to_owned();
        let (content_type, body) = match r.format.as_str() {
            "" | "json" => ("application/json", report.to_string().into_bytes()),
            "csv" => ("text/csv", crate::form::to_csv(&report).into_bytes()),
            "xlsx" => (
                XLSX,
                crate::form::to_xlsx(&report).map_err(AppError::internal)?,
            ),
            "pdf" => {
                let font = self.font.get().map_err(AppError::internal)?;
                let pdf = tokio::task::spawn_blocking(move || crate::form::to_pdf(&font, &report))
                    .await
                    .map_err(AppError::internal)?
                    .map_err(AppError::internal)?;
                ("application/pdf", pdf)
            }
            _ => return Err(invalid("format").into()),
        };
        Ok(Response::new(pb::Report {
            contest_id: contest_id.to_string(),
            content_type: content_type.to_owned(),
            body,
            drill,
            community,
        }))
    }

    async fn file_report(
        &self,
        request: Request<pb::FileReportRequest>,
    ) -> Result<Response<pb::Filing>, Status> {
        let caller = caller(&request)?;
        let r = request.get_ref();
        let contest_id = Uuid::parse_str(r.contest_id.trim()).map_err(|_| invalid("id"))?;
        let now = OffsetDateTime::parse(&r.now, &Rfc3339).map_err(|_| invalid("now"))?;
        let reason = Some(r.reason.clone()).filter(|r| !r.trim().is_empty());
        if reason.as_ref().is_some_and(|r| r.chars().count() > 500) {
            return Err(AppError::invalid_field(
                "reason",
                "request.too_long",
                Text::new("理由不超过 500 字", "A reason is at most 500 characters"),
            )
            .into());
        }
        let filing =
            crate::report::file(&self.pool, &caller, contest_id, &r.to, reason, now).await?;
        Ok(Response::new(filing_to_proto(filing)))
    }

    async fn list_filings(
        &self,
        request: Request<pb::ListFilingsRequest>,
    ) -> Result<Response<pb::ListFilingsResponse>, Status> {
        let caller = caller(&request)?;
        let election_id =
            Uuid::parse_str(request.get_ref().election_id.trim()).map_err(|_| invalid("id"))?;
        let items = crate::report::filings(&self.pool, &caller, election_id).await?;
        Ok(Response::new(pb::ListFilingsResponse {
            items: items.into_iter().map(filing_to_proto).collect(),
        }))
    }

    async fn get_notice(
        &self,
        request: Request<pb::GetNoticeRequest>,
    ) -> Result<Response<pb::Report>, Status> {
        let caller = caller(&request)?;
        let contest_id =
            Uuid::parse_str(request.get_ref().contest_id.trim()).map_err(|_| invalid("id"))?;
        let data = crate::notice::data(&self.pool, &caller, contest_id).await?;
        let (drill, community) = (data.drill, data.community.clone());
        let font = self.font.get().map_err(AppError::internal)?;
        let pdf = tokio::task::spawn_blocking(move || crate::notice::render(&font, &data))
            .await
            .map_err(AppError::internal)?
            .map_err(AppError::internal)?;
        Ok(Response::new(pb::Report {
            contest_id: contest_id.to_string(),
            content_type: "application/pdf".to_owned(),
            body: pdf,
            drill,
            community,
        }))
    }

    async fn get_statistics(
        &self,
        request: Request<pb::GetStatisticsRequest>,
    ) -> Result<Response<pb::Statistics>, Status> {
        let caller = caller(&request)?;
        let r = request.get_ref();
        let value = match r.election_id.trim() {
            "" => {
                let district = Uuid::parse_str(r.district_id.trim()).map_err(|_| invalid("id"))?;
                crate::statistics::for_district(&self.pool, &caller, district).await?
            }
            raw => {
                let election_id = Uuid::parse_str(raw).map_err(|_| invalid("id"))?;
                crate::statistics::for_election(&self.pool, &caller, election_id).await?
            }
        };
        Ok(Response::new(pb::Statistics {
            json: value.to_string(),
        }))
    }

    async fn record_committee(
        &self,
        request: Request<pb::RecordCommitteeRequest>,
    ) -> Result<Response<pb::RecordCommitteeResponse>, Status> {
        let caller = caller(&request)?;
        let r = request.get_ref();
        let contest_id = Uuid::parse_str(r.contest_id.trim()).map_err(|_| invalid("id"))?;
        let now = OffsetDateTime::parse(&r.now, &Rfc3339).map_err(|_| invalid("now"))?;
        crate::statistics::record(&self.pool, &caller, r, contest_id, now).await?;
        Ok(Response::new(pb::RecordCommitteeResponse {
            contest_id: contest_id.to_string(),
            recorded_at: format(Some(now)),
        }))
    }

    async fn export_results(
        &self,
        request: Request<pb::ExportResultsRequest>,
    ) -> Result<Response<pb::ExportResultsResponse>, Status> {
        let caller = caller(&request)?;
        let r = request.get_ref();
        let query = crate::export::Query::parse(
            &r.election_id,
            &r.changed_since,
            &r.cursor,
            r.limit,
            r.include_drills,
        )?;
        let (items, next) = crate::export::page(&self.pool, &caller, &query).await?;
        Ok(Response::new(pb::ExportResultsResponse {
            items: items
                .into_iter()
                .map(|e| pb::ExportedReport {
                    contest_id: e.contest_id.to_string(),
                    changed_at: e.changed_at.format(&Rfc3339).unwrap_or_default(),
                    json: e.report.to_string(),
                })
                .collect(),
            next_cursor: next.unwrap_or_default(),
        }))
    }

    async fn get_progress(
        &self,
        request: Request<pb::GetProgressRequest>,
    ) -> Result<Response<pb::Progress>, Status> {
        let caller = caller(&request)?;
        let r = request.get_ref();
        let election_id = Uuid::parse_str(r.election_id.trim()).map_err(|_| invalid("id"))?;
        let format_date = time::macros::format_description!("[year]-[month]-[day]");
        let today = Date::parse(&r.today, &format_date).map_err(|_| invalid("today"))?;
        let p = crate::progress::progress(&self.pool, &caller, election_id, today).await?;
        let late_total = p
            .streets
            .iter()
            .flat_map(|(_, _, c)| c)
            .filter(|c| !c.late.is_empty())
            .count();
        Ok(Response::new(pb::Progress {
            election_id: p.election_id.to_string(),
            title: p.title,
            drill: p.drill,
            contests_total: p.by_status.values().sum(),
            by_status: p
                .by_status
                .iter()
                .map(|(status, count)| pb::StatusCount {
                    status: (*status).to_owned(),
                    count: *count,
                })
                .collect(),
            late_total: u32::try_from(late_total).unwrap_or(u32::MAX),
            as_of: format(p.as_of),
            streets: p
                .streets
                .into_iter()
                .map(|(street_id, name, contests)| pb::StreetProgress {
                    street_id: street_id.to_string(),
                    name,
                    contests: contests
                        .into_iter()
                        .map(|c| pb::ContestProgress {
                            contest_id: c.row.contest_id.to_string(),
                            community_id: c
                                .row
                                .community_id
                                .map(|i| i.to_string())
                                .unwrap_or_default(),
                            community: c.row.community.unwrap_or_default(),
                            status: c.status.to_owned(),
                            election_day: c
                                .row
                                .election_day
                                .and_then(|d| d.format(&format_date).ok())
                                .unwrap_or_default(),
                            nominations: u32::try_from(c.row.nominations).unwrap_or(0),
                            electorate_published_at: format(c.row.electorate_published_at),
                            list_published_at: format(c.row.list_published_at),
                            announced_at: format(c.row.announced_at),
                            electorate: u32::try_from(c.row.electorate.unwrap_or(0)).unwrap_or(0),
                            late: c.late.iter().map(|l| (*l).to_owned()).collect(),
                            elected: c
                                .row
                                .elected
                                .as_ref()
                                .and_then(|e| e.as_array())
                                .map_or(0, |e| u32::try_from(e.len()).unwrap_or(0)),
                        })
                        .collect(),
                })
                .collect(),
        }))
    }
}
