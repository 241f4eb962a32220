//! SQL of the voter register.

use sqlx::{PgConnection, PgPool};
use time::Date;
use uuid::Uuid;

/// A voter as stored (never with the identity number itself).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct VoterRow {
    pub id: Uuid,
    pub community_id: Uuid,
    pub name: String,
    pub id_masked: String,
    pub gender: String,
    pub birth_date: Date,
    pub household_no: String,
    pub resident_group: Option<String>,
    pub household_rep: bool,
    pub resident_rep: bool,
    /// The person's pseudonymous key (hex of the keyed identity hash), as on candidates.
    pub person_key: String,
}

/// A voter to write.
#[derive(Debug, Clone)]
pub struct NewVoter {
    pub line: u32,
    pub name: String,
    pub id_hash: Vec<u8>,
    pub id_masked: String,
    pub gender: &'static str,
    pub birth_date: Date,
    pub household_no: String,
    pub resident_group_id: Option<Uuid>,
    pub household_rep: bool,
    pub resident_rep: bool,
}

/// Resident groups of a community by name.
#[tracing::instrument(level = "info", skip_all, fields(otel.kind = "client", db.system = "postgresql"))]
pub async fn group_ids(pool: &PgPool, community_id: Uuid) -> sqlx::Result<Vec<(String, Uuid)>> {
    sqlx::query_as("SELECT name, id FROM nomination.resident_groups WHERE community_id = $1")
        .bind(community_id)
        .fetch_all(pool)
        .await
}

/// Where each of these people is registered already.
#[tracing::instrument(level = "info", skip_all, fields(otel.kind = "client", db.system = "postgresql"))]
pub async fn registrations(
    conn: &mut PgConnection,
    hashes: &[Vec<u8>],
) -> sqlx::Result<Vec<(Vec<u8>, Uuid)>> {
    sqlx::query_as("SELECT id_hash, community_id FROM nomination.voters WHERE id_hash = ANY($1)")
        .bind(hashes)
        .fetch_all(conn)
        .await
}

/// Inserts new voters and updates changed ones of this community, in one statement. Returns
/// `(inserted, updated)`; unchanged rows are neither.
#[tracing::instrument(level = "info", skip_all, fields(otel.kind = "client", db.system = "postgresql", rows = voters.len()))]
pub async fn upsert(
    conn: &mut PgConnection,
    community_id: Uuid,
    voters: &[NewVoter],
) -> sqlx::Result<(u32, u32)> {
    let ids: Vec<Uuid> = voters.iter().map(|_| Uuid::now_v7()).collect();
    let names: Vec<&str> = voters.iter().map(|v| v.name.as_str()).collect();
    let hashes: Vec<&[u8]> = voters.iter().map(|v| v.id_hash.as_slice()).collect();
    let masked: Vec<&str> = voters.iter().map(|v| v.id_masked.as_str()).collect();
    let genders: Vec<&str> = voters.iter().map(|v| v.gender).collect();
    let births: Vec<Date> = voters.iter().map(|v| v.birth_date).collect();
    let households: Vec<&str> = voters.iter().map(|v| v.household_no.as_str()).collect();
    let groups: Vec<Option<Uuid>> = voters.iter().map(|v| v.resident_group_id).collect();
    let household_reps: Vec<bool> = voters.iter().map(|v| v.household_rep).collect();
    let resident_reps: Vec<bool> = voters.iter().map(|v| v.resident_rep).collect();
    let inserted: Vec<bool> = sqlx::query_scalar(
        "INSERT INTO nomination.voters AS v (id, community_id, name, id_hash, id_masked, gender, birth_date, \
           household_no, resident_group_id, household_rep, resident_rep) \
         SELECT id, $2, name, id_hash, id_masked, gender, birth_date, household_no, resident_group_id, household_rep, resident_rep \
         FROM UNNEST($1::uuid[], $3::text[], $4::bytea[], $5::text[], $6::text[], $7::date[], $8::text[], $9::uuid[], $10::bool[], $11::bool[]) \
           AS t(id, name, id_hash, id_masked, gender, birth_date, household_no, resident_group_id, household_rep, resident_rep) \
         ON CONFLICT (id_hash) DO UPDATE SET name = EXCLUDED.name, household_no = EXCLUDED.household_no, \
           resident_group_id = EXCLUDED.resident_group_id, household_rep = EXCLUDED.household_rep, \
           resident_rep = EXCLUDED.resident_rep, updated_at = now() \
         WHERE v.community_id = EXCLUDED.community_id \
           AND (v.name, v.household_no, v.resident_group_id, v.household_rep, v.resident_rep) IS DISTINCT FROM \
               (EXCLUDED.name, EXCLUDED.household_no, EXCLUDED.resident_group_id, EXCLUDED.household_rep, EXCLUDED.resident_rep) \
         RETURNING (xmax = 0)",
    )
    .bind(&ids)
    .bind(community_id)
    .bind(&names)
    .bind(&hashes)
    .bind(&masked)
    .bind(&genders)
    .bind(&births)
    .bind(&households)
    .bind(&groups)
    .bind(&household_reps)
    .bind(&resident_reps)
    .fetch_all(conn)
    .await?;
    let new = u32::try_from(inserted.iter().filter(|i| **i).count()).unwrap_or(u32::MAX);
    let changed = u32::try_from(inserted.len()).unwrap_or(u32::MAX) - new;
    Ok((new, changed))
}

const VOTER_COLUMNS: &str = "v.id, v.community_id, v.name, v.id_masked, v.gender, v.birth_date, v.household_no, \
     g.name AS resident_group, v.household_rep, v.resident_rep, encode(v.id_hash, 'hex') AS person_key";

#[tracing::instrument(level = "info", skip_all, fields(otel.kind = "client", db.system = "postgresql"))]
pub async fn voter_by_hash(conn: &mut PgConnection, hash: &[u8]) -> sqlx::Result<Option<VoterRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {VOTER_COLUMNS} FROM nomination.voters v LEFT JOIN nomination.resident_groups g ON g.id = v.resident_group_id \
         WHERE v.id_hash = $1"
    )))
    .bind(hash)
    .fetch_optional(conn)
    .await
}

/// The voter of a community with an identity number's keyed hash (one at most).
#[tracing::instrument(level = "info", skip_all, fields(otel.kind = "client", db.system = "postgresql"))]
pub async fn voters_by_hash(
    pool: &PgPool,
    community_id: Uuid,
    hash: &[u8],
    after: Option<Uuid>,
    limit: i64,
) -> sqlx::Result<Vec<VoterRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {VOTER_COLUMNS} FROM nomination.voters v LEFT JOIN nomination.resident_groups g ON g.id = v.resident_group_id \
         WHERE v.community_id = $1 AND v.erased_at IS NULL AND v.id_hash = $2 AND ($3::uuid IS NULL OR v.id > $3) ORDER BY v.id LIMIT $4"
    )))
    .bind(community_id)
    .bind(hash)
    .bind(after)
    .bind(limit + 1)
    .fetch_all(pool)
    .await
}

/// Voters of a community matching `q` in name, household number or group name.
#[tracing::instrument(level = "info", skip_all, fields(otel.kind = "client", db.system = "postgresql"))]
pub async fn voters(
    pool: &PgPool,
    community_id: Uuid,
    q: Option<&str>,
    after: Option<Uuid>,
    limit: i64,
) -> sqlx::Result<Vec<VoterRow>> {
    let pattern = q.map(|q| {
        format!(
            "%{}%",
            q.replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        )
    });
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {VOTER_COLUMNS} FROM nomination.voters v LEFT JOIN nomination.resident_groups g ON g.id = v.resident_group_id \
         WHERE v.community_id = $1 AND v.erased_at IS NULL AND ($2::text IS NULL OR v.name LIKE $2 OR v.household_no LIKE $2 OR g.name LIKE $2) \
         AND ($3::uuid IS NULL OR v.id > $3) ORDER BY v.id LIMIT $4"
    )))
    .bind(community_id)
    .bind(pattern)
    .bind(after)
    .bind(limit + 1)
    .fetch_all(pool)
    .await
}
