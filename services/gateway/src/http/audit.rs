//! Audit trails across the services: every service lists and verifies its own hash chain over
//! gRPC (`juxuan.audit.v1.AuditService`); the gateway adds its own (`auth`) and combines them.

use axum::Json;
use axum::extract::State;
use juxuan_platform::audit::{self, LIST_LIMIT};
use juxuan_platform::error::Text;
use juxuan_platform::grpc::read_as;
use juxuan_platform::{AppError, AppResult};
use juxuan_proto::audit::v1 as pb;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::extract::{ApiQuery, Auth};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// The object whose trail to list (a nomination's entries and its review decisions carry
    /// the nomination's id).
    pub object_id: Option<String>,
    /// At most this many entries per service, 1 to 1000 (default 500).
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntry {
    pub at: String,
    pub actor: String,
    pub role: String,
    pub action: String,
    pub object_id: String,
    /// `sha256:<hex>` of the entry.
    pub digest: String,
    /// The service whose chain holds the entry.
    pub service: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntries {
    /// Every service's entries about the object, oldest first.
    pub items: Vec<AuditEntry>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Chain {
    pub service: String,
    pub entries: u64,
    pub intact: bool,
    /// What was found wrong (empty when intact).
    pub problems: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Verification {
    /// Every chain intact.
    pub intact: bool,
    pub chains: Vec<Chain>,
}

fn require_reader(caller: &juxuan_platform::auth::Caller) -> AppResult<()> {
    if audit::may_read(caller) {
        Ok(())
    } else {
        Err(AppError::forbidden())
    }
}

#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", security(("bearer" = [])), params(AuditQuery),
    responses((status = 200, body = AuditEntries),
        (status = 400, description = "`request.invalid_value` (no `object_id`), `request.invalid_limit`", body = super::Problem, content_type = "application/problem+json"),
        (status = 403, description = "only district admins, reviewers, district observers and clients with `audit:read`", body = super::Problem, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<AppState>,
    Auth(caller): Auth,
    ApiQuery(query): ApiQuery<AuditQuery>,
) -> AppResult<Json<AuditEntries>> {
    require_reader(&caller)?;
    let object_id = query
        .object_id
        .map(|o| o.trim().to_owned())
        .filter(|o| !o.is_empty() && o.len() <= 200)
        .ok_or_else(|| {
            AppError::invalid_field(
                "object_id",
                "request.invalid_value",
                Text::new("须指定对象标识 object_id", "object_id is required"),
            )
        })?;
    let limit = match query.limit {
        None => 500,
        Some(n @ 1..=LIST_LIMIT) => n,
        Some(_) => {
            return Err(AppError::invalid_field(
                "limit",
                "request.invalid_limit",
                Text::new("limit 须在 1 到 1000 之间", "limit must be 1 to 1000"),
            ));
        }
    };
    let own = crate::AUDIT
        .list_for_object(&state.pool, &object_id, i64::from(limit))
        .await?;
    let mut items: Vec<(time::OffsetDateTime, AuditEntry)> = own
        .iter()
        .map(|e| {
            let p = e.to_proto();
            (e.at, entry(p, crate::SERVICE))
        })
        .collect();
    let request = pb::ListAuditRequest { object_id, limit };
    let answers = futures::future::try_join_all(state.audit.iter().map(|client| {
        read_as(client, &caller.token, &request, |mut c, r| async move {
            c.list_audit(r).await
        })
    }))
    .await?;
    for answer in answers {
        for e in answer.items {
            let at =
                time::OffsetDateTime::parse(&e.at, &time::format_description::well_known::Rfc3339)
                    .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
            items.push((at, entry(e, &answer.service)));
        }
    }
    // Oldest first across the services; the sort is stable, so one service's own order holds.
    items.sort_by_key(|(at, _)| *at);
    Ok(Json(AuditEntries {
        items: items.into_iter().map(|(_, e)| e).collect(),
    }))
}

fn entry(e: pb::AuditEntry, service: &str) -> AuditEntry {
    AuditEntry {
        at: e.at,
        actor: e.actor,
        role: e.role,
        action: e.action,
        object_id: e.object_id,
        digest: e.digest,
        service: service.to_owned(),
    }
}

#[utoipa::path(get, path = "/api/v1/audit:verify", tag = "audit", security(("bearer" = [])),
    responses((status = 200, body = Verification),
        (status = 403, body = super::Problem, content_type = "application/problem+json")))]
pub async fn verify(
    State(state): State<AppState>,
    Auth(caller): Auth,
) -> AppResult<Json<Verification>> {
    require_reader(&caller)?;
    let own = crate::AUDIT.verify(&state.pool).await?;
    let mut chains = vec![Chain {
        service: crate::SERVICE.to_owned(),
        entries: own.entries,
        intact: own.intact,
        problems: own.problems,
    }];
    let request = pb::VerifyAuditRequest {};
    let answers = futures::future::try_join_all(state.audit.iter().map(|client| {
        read_as(client, &caller.token, &request, |mut c, r| async move {
            c.verify_audit(r).await
        })
    }))
    .await?;
    chains.extend(answers.into_iter().map(|c| Chain {
        service: c.service,
        entries: c.entries,
        intact: c.intact,
        problems: c.problems,
    }));
    Ok(Json(Verification {
        intact: chains.iter().all(|c| c.intact),
        chains,
    }))
}
