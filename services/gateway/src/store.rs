//! SQL of the `auth` schema.

use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRow {
    pub id: Uuid,
    pub username: String,
    pub password_hash: String,
    pub display_name: String,
    pub role: String,
    pub area_level: String,
    pub area_id: Uuid,
    pub district_id: Uuid,
    pub street_id: Option<Uuid>,
}

const USER_COLUMNS: &str =
    "id, username, password_hash, display_name, role, area_level, area_id, district_id, street_id";

#[tracing::instrument(level = "info", skip_all, fields(otel.kind = "client", db.system = "postgresql"))]
pub async fn count_users(conn: &mut PgConnection) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT count(*) FROM auth.users")
        .fetch_one(conn)
        .await
}

#[tracing::instrument(level = "info", skip_all, fields(otel.kind = "client", db.system = "postgresql"))]
pub async fn insert_user(
    conn: &mut PgConnection,
    row: &UserRow,
    created_by: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO auth.users (id, username, password_hash, display_name, role, area_level, area_id, district_id, street_id, created_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(row.id)
    .bind(&row.username)
    .bind(&row.password_hash)
    .bind(&row.display_name)
    .bind(&row.role)
    .bind(&row.area_level)
    .bind(row.area_id)
    .bind(row.district_id)
    .bind(row.street_id)
    .bind(created_by)
    .execute(conn)
    .await?;
    Ok(())
}

#[tracing::instrument(level = "info", skip_all, fields(otel.kind = "client", db.system = "postgresql"))]
pub async fn user_by_username(pool: &PgPool, username: &str) -> sqlx::Result<Option<UserRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {USER_COLUMNS} FROM auth.users WHERE username = $1"
    )))
    .bind(username)
    .fetch_optional(pool)
    .await
}

#[tracing::instrument(level = "info", skip_all, fields(otel.kind = "client", db.system = "postgresql"))]
pub async fn user_by_id(pool: &PgPool, id: Uuid) -> sqlx::Result<Option<UserRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {USER_COLUMNS} FROM auth.users WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(pool)
    .await
}

/// Users of a district, or of one street (its own and its communities'), in id order.
#[tracing::instrument(level = "info", skip_all, fields(otel.kind = "client", db.system = "postgresql"))]
pub async fn users(
    pool: &PgPool,
    district_id: Uuid,
    street_id: Option<Uuid>,
    after: Option<Uuid>,
    limit: i64,
) -> sqlx::Result<Vec<UserRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {USER_COLUMNS} FROM auth.users WHERE district_id = $1 AND ($2::uuid IS NULL OR street_id = $2) \
         AND ($3::uuid IS NULL OR id > $3) ORDER BY id LIMIT $4"
    )))
    .bind(district_id)
    .bind(street_id)
    .bind(after)
    .bind(limit + 1)
    .fetch_all(pool)
    .await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ClientRow {
    pub id: Uuid,
    pub name: String,
    pub secret_hash: String,
    pub scopes: Vec<String>,
    pub district_id: Uuid,
}

#[tracing::instrument(level = "info", skip_all, fields(otel.kind = "client", db.system = "postgresql"))]
pub async fn insert_client(
    conn: &mut PgConnection,
    row: &ClientRow,
    created_by: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO auth.clients (id, name, secret_hash, scopes, district_id, created_by) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(row.id)
    .bind(&row.name)
    .bind(&row.secret_hash)
    .bind(&row.scopes)
    .bind(row.district_id)
    .bind(created_by)
    .execute(conn)
    .await?;
    Ok(())
}

#[tracing::instrument(level = "info", skip_all, fields(otel.kind = "client", db.system = "postgresql"))]
pub async fn client(pool: &PgPool, id: Uuid) -> sqlx::Result<Option<ClientRow>> {
    sqlx::query_as(
        "SELECT id, name, secret_hash, scopes, district_id FROM auth.clients WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await
}

#[tracing::instrument(level = "info", skip_all, fields(otel.kind = "client", db.system = "postgresql"))]
pub async fn insert_refresh(
    pool: &PgPool,
    hash: &str,
    family: Uuid,
    subject: Uuid,
    expires_at: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO auth.refresh_tokens (token_hash, family_id, subject_id, expires_at) VALUES ($1, $2, $3, $4)")
        .bind(hash)
        .bind(family)
        .bind(subject)
        .bind(expires_at)
        .execute(pool)
        .await?;
    Ok(())
}

pub enum Refresh {
    /// Valid: it is now used up and `new_hash` took its place in the same family.
    Valid {
        subject: Uuid,
    },
    /// Presented again after use: the family is revoked (the token may have been stolen).
    Reused,
    Invalid,
}

/// Spends a refresh token and stores its successor, in one transaction serialised per
/// family, so a token presented twice at once cannot leave a successor alive: the second
/// presentation finds it used and revokes the family, successor included.
#[tracing::instrument(level = "info", skip_all, fields(otel.kind = "client", db.system = "postgresql"))]
pub async fn rotate_refresh(
    pool: &PgPool,
    hash: &str,
    new_hash: &str,
    expires_at: OffsetDateTime,
) -> sqlx::Result<Refresh> {
    let mut tx = pool.begin().await?;
    let family: Option<Uuid> =
        sqlx::query_scalar("SELECT family_id FROM auth.refresh_tokens WHERE token_hash = $1")
            .bind(hash)
            .fetch_optional(&mut *tx)
            .await?;
    let Some(family) = family else {
        return Ok(Refresh::Invalid);
    };
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))")
        .bind(family.to_string())
        .execute(&mut *tx)
        .await?;
    let (subject, used, usable, family_revoked): (Uuid, bool, bool, bool) = sqlx::query_as(
        "SELECT subject_id, used_at IS NOT NULL, revoked_at IS NULL AND expires_at > now(),          EXISTS (SELECT 1 FROM auth.refresh_tokens f WHERE f.family_id = t.family_id AND f.revoked_at IS NOT NULL)          FROM auth.refresh_tokens t WHERE token_hash = $1",
    )
    .bind(hash)
    .fetch_one(&mut *tx)
    .await?;
    if used {
        sqlx::query("UPDATE auth.refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL")
            .bind(family)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        return Ok(Refresh::Reused);
    }
    if !usable || family_revoked {
        return Ok(Refresh::Invalid);
    }
    sqlx::query("UPDATE auth.refresh_tokens SET used_at = now() WHERE token_hash = $1")
        .bind(hash)
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO auth.refresh_tokens (token_hash, family_id, subject_id, expires_at) VALUES ($1, $2, $3, $4)")
        .bind(new_hash)
        .bind(family)
        .bind(subject)
        .bind(expires_at)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Refresh::Valid { subject })
}

#[tracing::instrument(level = "info", skip_all, fields(otel.kind = "client", db.system = "postgresql"))]
pub async fn revoke_family(pool: &PgPool, family: Uuid) -> sqlx::Result<()> {
    sqlx::query("UPDATE auth.refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL")
        .bind(family)
        .execute(pool)
        .await?;
    Ok(())
}

/// Revokes the refresh token's whole family; false if no such token.
#[tracing::instrument(level = "info", skip_all, fields(otel.kind = "client", db.system = "postgresql"))]
pub async fn revoke_refresh(pool: &PgPool, hash: &str) -> sqlx::Result<bool> {
    let family: Option<Uuid> =
        sqlx::query_scalar("SELECT family_id FROM auth.refresh_tokens WHERE token_hash = $1")
            .bind(hash)
            .fetch_optional(pool)
            .await?;
    match family {
        Some(f) => revoke_family(pool, f).await.map(|()| true),
        None => Ok(false),
    }
}

#[tracing::instrument(level = "info", skip_all, fields(otel.kind = "client", db.system = "postgresql"))]
pub async fn insert_revoked(
    pool: &PgPool,
    jti: &str,
    expires_at: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO auth.revoked_tokens (jti, expires_at) VALUES ($1, $2) ON CONFLICT (jti) DO NOTHING")
        .bind(jti)
        .bind(expires_at)
        .execute(pool)
        .await?;
    Ok(())
}

#[tracing::instrument(level = "info", skip_all, fields(otel.kind = "client", db.system = "postgresql"))]
pub async fn unexpired_revocations(pool: &PgPool) -> sqlx::Result<Vec<(String, OffsetDateTime)>> {
    sqlx::query_as("SELECT jti, expires_at FROM auth.revoked_tokens WHERE expires_at > now()")
        .fetch_all(pool)
        .await
}
