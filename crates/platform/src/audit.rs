//! The append-only audit log, sealed into a hash chain.
//!
//! Each state change appends an entry in its own transaction: who, role, action, object, when
//! and the SHA-256 of the change, plus the entry's own digest over those fields. Appending
//! takes no lock. A sealer (one at a time per schema, by advisory lock) later gives each new
//! entry the next chain position and `chain_hash = H(prev_hash, pos, entry_digest)`. The
//! verifier recomputes every digest and link: an altered entry breaks its digest, a deleted
//! one leaves a gap, a rewritten chain breaks the link after it. The table also refuses
//! UPDATE and DELETE by trigger; the chain is what catches someone who gets past that.

use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::{AssertSqlSafe, PgConnection, PgPool, Row};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::auth::Caller;

const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What happened, by whom, to what.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    pub actor: &'a str,
    pub role: &'a str,
    /// A dotted action name from the service's audit catalogue, e.g. `area.street_created`.
    pub action: &'a str,
    pub object_id: &'a str,
    /// The change itself; only its digest is stored.
    pub change: &'a serde_json::Value,
}

impl<'a> Entry<'a> {
    pub fn by(
        caller: &'a Caller,
        action: &'a str,
        object_id: &'a str,
        change: &'a serde_json::Value,
    ) -> Self {
        Self {
            actor: &caller.id,
            role: caller.role.as_str(),
            action,
            object_id,
            change,
        }
    }
}

/// One stored entry, as the API lists it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct StoredEntry {
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub actor: String,
    pub role: String,
    pub action: String,
    pub object_id: String,
    pub digest: String,
}

/// The result of verifying one schema's chain.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Verification {
    pub entries: u64,
    pub intact: bool,
    /// What was found wrong, by entry id (empty when intact).
    pub problems: Vec<String>,
}

/// The audit log of one schema.
#[derive(Debug, Clone)]
pub struct AuditLog {
    schema: &'static str,
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn entry_digest(
    entry_id: Uuid,
    at_micros: i64,
    actor: &str,
    role: &str,
    action: &str,
    object_id: &str,
    change_digest: &str,
) -> String {
    // A JSON array is an unambiguous encoding of the fields.
    let canonical = serde_json::json!([
        entry_id.to_string(),
        at_micros,
        actor,
        role,
        action,
        object_id,
        change_digest
    ]);
    sha256_hex(canonical.to_string().as_bytes())
}

fn chain_hash(prev: &str, pos: i64, entry_digest: &str) -> String {
    sha256_hex(format!("{prev}:{pos}:{entry_digest}").as_bytes())
}

fn micros(at: OffsetDateTime) -> i64 {
    i64::try_from(at.unix_timestamp_nanos() / 1000).unwrap_or(i64::MAX)
}

impl AuditLog {
    pub const fn new(schema: &'static str) -> Self {
        Self { schema }
    }

    pub fn schema(&self) -> &'static str {
        self.schema
    }

    /// Appends an entry inside the caller's transaction. Returns the entry's digest.
    #[tracing::instrument(name = "audit.append", skip_all, fields(otel.kind = "client", db.system = "postgresql", audit.action = entry.action))]
    pub async fn append(&self, conn: &mut PgConnection, entry: Entry<'_>) -> sqlx::Result<String> {
        let entry_id = Uuid::now_v7();
        // Postgres keeps microseconds; hash exactly what is stored.
        let at_micros = micros(OffsetDateTime::now_utc());
        let at = OffsetDateTime::from_unix_timestamp_nanos(i128::from(at_micros) * 1000)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH);
        let change_digest = sha256_hex(entry.change.to_string().as_bytes());
        let digest = entry_digest(
            entry_id,
            at_micros,
            entry.actor,
            entry.role,
            entry.action,
            entry.object_id,
            &change_digest,
        );
        let sql = format!(
            "INSERT INTO {}.audit_log (entry_id, at, actor, role, action, object_id, change_digest, entry_digest) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            self.schema
        );
        sqlx::query(AssertSqlSafe(sql))
            .bind(entry_id)
            .bind(at)
            .bind(entry.actor)
            .bind(entry.role)
            .bind(entry.action)
            .bind(entry.object_id)
            .bind(&change_digest)
            .bind(&digest)
            .execute(conn)
            .await?;
        Ok(digest)
    }

    /// Seals entries not yet in the chain. Returns how many; 0 when another sealer holds
    /// the lock.
    pub async fn seal(&self, pool: &PgPool) -> sqlx::Result<u64> {
        let mut tx = pool.begin().await?;
        let locked: bool = sqlx::query_scalar("SELECT pg_try_advisory_xact_lock(hashtext($1))")
            .bind(format!("{}.audit_seal", self.schema))
            .fetch_one(&mut *tx)
            .await?;
        if !locked {
            return Ok(0);
        }
        let last = sqlx::query(AssertSqlSafe(format!(
            "SELECT chain_pos, chain_hash FROM {}.audit_log WHERE chain_pos IS NOT NULL ORDER BY chain_pos DESC LIMIT 1",
            self.schema
        )))
        .fetch_optional(&mut *tx)
        .await?;
        let (mut pos, mut prev) = match last {
            Some(row) => (row.try_get::<i64, _>(0)?, row.try_get::<String, _>(1)?),
            None => (0, GENESIS.to_owned()),
        };
        let pending = sqlx::query(AssertSqlSafe(format!(
            "SELECT id, entry_digest FROM {}.audit_log WHERE chain_pos IS NULL ORDER BY id LIMIT 1000",
            self.schema
        )))
        .fetch_all(&mut *tx)
        .await?;
        let update = format!(
            "UPDATE {}.audit_log SET chain_pos = $2, chain_hash = $3 WHERE id = $1",
            self.schema
        );
        for row in &pending {
            let id: i64 = row.try_get(0)?;
            let digest: String = row.try_get(1)?;
            pos += 1;
            prev = chain_hash(&prev, pos, &digest);
            sqlx::query(AssertSqlSafe(update.clone()))
                .bind(id)
                .bind(pos)
                .bind(&prev)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(pending.len() as u64)
    }

    /// Seals every few hundred milliseconds until shutdown.
    pub fn spawn_sealer(
        &self,
        pool: PgPool,
        shutdown: crate::shutdown::Shutdown,
    ) -> tokio::task::JoinHandle<()> {
        let log = self.clone();
        tokio::spawn(async move {
            let stop = shutdown.clone().wait();
            tokio::pin!(stop);
            loop {
                if let Err(e) = log.seal(&pool).await {
                    tracing::warn!(error = %e, schema = log.schema, "audit sealing failed; will retry");
                }
                tokio::select! {
                    _ = &mut stop => break,
                    _ = tokio::time::sleep(std::time::Duration::from_millis(300)) => {}
                }
            }
        })
    }

    /// Recomputes every digest and link of the chain.
    pub async fn verify(&self, pool: &PgPool) -> sqlx::Result<Verification> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT id, entry_id, at, actor, role, action, object_id, change_digest, entry_digest, chain_pos, chain_hash \
             FROM {}.audit_log ORDER BY chain_pos NULLS LAST, id",
            self.schema
        )))
        .fetch_all(pool)
        .await?;
        let mut problems = Vec::new();
        let mut expected_pos = 0i64;
        let mut prev = GENESIS.to_owned();
        for row in &rows {
            let id: i64 = row.try_get("id")?;
            let at: OffsetDateTime = row.try_get("at")?;
            let stored_digest: String = row.try_get("entry_digest")?;
            let digest = entry_digest(
                row.try_get("entry_id")?,
                micros(at),
                row.try_get::<&str, _>("actor")?,
                row.try_get::<&str, _>("role")?,
                row.try_get::<&str, _>("action")?,
                row.try_get::<&str, _>("object_id")?,
                row.try_get::<&str, _>("change_digest")?,
            );
            if digest != stored_digest {
                problems.push(format!("entry {id}: content does not match its digest"));
            }
            let pos: Option<i64> = row.try_get("chain_pos")?;
            let hash: Option<String> = row.try_get("chain_hash")?;
            if let (Some(pos), Some(hash)) = (pos, hash) {
                expected_pos += 1;
                if pos != expected_pos {
                    problems.push(format!("entry {id}: chain position {pos}, expected {expected_pos} (entries missing)"));
                    expected_pos = pos;
                }
                let recomputed = chain_hash(&prev, pos, &digest);
                if recomputed != hash {
                    problems.push(format!("entry {id}: chain link broken"));
                }
                prev = hash;
            }
        }
        Ok(Verification {
            entries: rows.len() as u64,
            intact: problems.is_empty(),
            problems,
        })
    }

    /// Entries about one object, oldest first.
    pub async fn list_for_object(
        &self,
        pool: &PgPool,
        object_id: &str,
        limit: i64,
    ) -> sqlx::Result<Vec<StoredEntry>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT at, actor, role, action, object_id, entry_digest FROM {}.audit_log \
             WHERE object_id = $1 ORDER BY id LIMIT $2",
            self.schema
        )))
        .bind(object_id)
        .bind(limit)
        .fetch_all(pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(StoredEntry {
                    at: r.try_get(0)?,
                    actor: r.try_get(1)?,
                    role: r.try_get(2)?,
                    action: r.try_get(3)?,
                    object_id: r.try_get(4)?,
                    digest: format!("sha256:{}", r.try_get::<String, _>(5)?),
                })
            })
            .collect()
    }
}

/// Who may read audit trails (ARCHITECTURE.md: "queryable by supervisors"): the district's
/// admins, reviewers and district-level observers, and machine clients with `audit:read`.
pub fn may_read(caller: &Caller) -> bool {
    use crate::auth::{AreaLevel, Role};
    match caller.role {
        Role::DistrictAdmin | Role::DistrictReviewer | Role::System => true,
        Role::Observer => caller.area_level == AreaLevel::District,
        Role::Client => caller.has_scope("audit:read"),
        _ => false,
    }
}

/// The most entries one listing returns per service.
pub const LIST_LIMIT: u32 = 1000;

impl StoredEntry {
    pub fn to_proto(&self) -> juxuan_proto::audit::v1::AuditEntry {
        juxuan_proto::audit::v1::AuditEntry {
            at: self
                .at
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
            actor: self.actor.clone(),
            role: self.role.clone(),
            action: self.action.clone(),
            object_id: self.object_id.clone(),
            digest: self.digest.clone(),
        }
    }
}

/// The `AuditService` of a gRPC service: its own schema's log, listed and verified.
#[derive(Clone)]
pub struct AuditServer {
    service: &'static str,
    log: &'static AuditLog,
    pool: PgPool,
}

impl AuditServer {
    pub fn new(service: &'static str, log: &'static AuditLog, pool: PgPool) -> Self {
        Self { service, log, pool }
    }
}

#[tonic::async_trait]
impl juxuan_proto::audit::v1::audit_service_server::AuditService for AuditServer {
    async fn list_audit(
        &self,
        request: tonic::Request<juxuan_proto::audit::v1::ListAuditRequest>,
    ) -> Result<tonic::Response<juxuan_proto::audit::v1::ListAuditResponse>, tonic::Status> {
        let caller = crate::grpc::caller(&request)?;
        if !may_read(&caller) {
            return Err(crate::AppError::forbidden().into());
        }
        let r = request.get_ref();
        let limit = match r.limit {
            0 => 500,
            n => n.min(LIST_LIMIT),
        };
        let items = self
            .log
            .list_for_object(&self.pool, r.object_id.trim(), i64::from(limit))
            .await
            .map_err(crate::AppError::from)?;
        Ok(tonic::Response::new(
            juxuan_proto::audit::v1::ListAuditResponse {
                service: self.service.to_owned(),
                items: items.iter().map(StoredEntry::to_proto).collect(),
            },
        ))
    }

    async fn verify_audit(
        &self,
        request: tonic::Request<juxuan_proto::audit::v1::VerifyAuditRequest>,
    ) -> Result<tonic::Response<juxuan_proto::audit::v1::AuditChain>, tonic::Status> {
        let caller = crate::grpc::caller(&request)?;
        if !may_read(&caller) {
            return Err(crate::AppError::forbidden().into());
        }
        let v = self
            .log
            .verify(&self.pool)
            .await
            .map_err(crate::AppError::from)?;
        Ok(tonic::Response::new(juxuan_proto::audit::v1::AuditChain {
            service: self.service.to_owned(),
            entries: v.entries,
            intact: v.intact,
            problems: v.problems,
        }))
    }
}
