//! SQL of the `nomination` schema's areas. Schema-qualified, columns named.

use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::scope::AreaPath;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DistrictRow {
    pub id: Uuid,
    pub name: String,
    pub code: Option<String>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StreetRow {
    pub id: Uuid,
    pub district_id: Uuid,
    pub name: String,
    pub code: Option<String>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CommunityRow {
    pub id: Uuid,
    pub street_id: Uuid,
    pub district_id: Uuid,
    pub name: String,
    pub code: Option<String>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct GroupRow {
    pub id: Uuid,
    pub community_id: Uuid,
    pub name: String,
}

#[tracing::instrument(level = "info", skip_all, fields(otel.kind = "client", db.system = "postgresql"))]
pub async fn insert_district(conn: &mut PgConnection, row: &DistrictRow) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO nomination.districts (id, name, code) VALUES ($1, $2, $3)")
        .bind(row.id)
        .bind(&row.name)
        .bind(&row.code)
        .execute(conn)
        .await?;
    Ok(())
}

#[tracing::instrument(level = "info", skip_all, fields(otel.kind = "client", db.system = "postgresql"))]
pub async fn district_by_name(
    conn: &mut PgConnection,
    name: &str,
) -> sqlx::Result<Option<DistrictRow>> {
    sqlx::query_as("SELECT id, name, code FROM nomination.districts WHERE name = $1")
        .bind(name)
        .fetch_optional(conn)
        .await
}

#[tracing::instrument(level = "info", skip_all, fields(otel.kind = "client", db.system = "postgresql"))]
pub async fn district(pool: &PgPool, id: Uuid) -> sqlx::Result<Option<DistrictRow>> {
    sqlx::query_as("SELECT id, name, code FROM nomination.districts WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await
}

#[tracing::instrument(level = "info", skip_all, fields(otel.kind = "client", db.system = "postgresql"))]
pub async fn districts(
    pool: &PgPool,
    after: Option<Uuid>,
    limit: i64,
) -> sqlx::Result<Vec<DistrictRow>> {
    sqlx::query_as(
        "SELECT id, name, code FROM nomination.districts WHERE ($1::uuid IS NULL OR id > $1) ORDER BY id LIMIT $2",
    )
    .bind(after)
    .bind(limit + 1)
    .fetch_all(pool)
    .await
}

#[tracing::instrument(level = "info", skip_all, fields(otel.kind = "client", db.system = "postgresql"))]
pub async fn insert_street(conn: &mut PgConnection, row: &StreetRow) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO nomination.streets (id, district_id, name, code) VALUES ($1, $2, $3, $4)",
    )
    .bind(row.id)
    .bind(row.district_id)
    .bind(&row.name)
    .bind(&row.code)
    .execute(conn)
    .await?;
    Ok(())
}

#[tracing::instrument(level = "info", skip_all, fields(otel.kind = "client", db.system = "postgresql"))]
pub async fn street_by_name(
    conn: &mut PgConnection,
    district_id: Uuid,
    name: &str,
) -> sqlx::Result<Option<StreetRow>> {
    sqlx::query_as("SELECT id, district_id, name, code FROM nomination.streets WHERE district_id = $1 AND name = $2")
        .bind(district_id)
        .bind(name)
        .fetch_optional(conn)
        .await
}

#[tracing::instrument(level = "info", skip_all, fields(otel.kind = "client", db.system = "postgresql"))]
pub async fn streets(
    pool: &PgPool,
    district_id: Uuid,
    after: Option<Uuid>,
    limit: i64,
) -> sqlx::Result<Vec<StreetRow>> {
    sqlx::query_as(
        "SELECT id, district_id, name, code FROM nomination.streets \
         WHERE district_id = $1 AND ($2::uuid IS NULL OR id > $2) ORDER BY id LIMIT $3",
    )
    .bind(district_id)
    .bind(after)
    .bind(limit + 1)
    .fetch_all(pool)
    .await
}

#[tracing::instrument(level = "info", skip_all, fields(otel.kind = "client", db.system = "postgresql"))]
pub async fn insert_community(conn: &mut PgConnection, row: &CommunityRow) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO nomination.communities (id, street_id, district_id, name, code) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(row.id)
    .bind(row.street_id)
    .bind(row.district_id)
    .bind(&row.name)
    .bind(&row.code)
    .execute(conn)
    .await?;
    Ok(())
}

#[tracing::instrument(level = "info", skip_all, fields(otel.kind = "client", db.system = "postgresql"))]
pub async fn community_by_name(
    conn: &mut PgConnection,
    street_id: Uuid,
    name: &str,
) -> sqlx::Result<Option<CommunityRow>> {
    sqlx::query_as(
        "SELECT id, street_id, district_id, name, code FROM nomination.communities WHERE street_id = $1 AND name = $2",
    )
    .bind(street_id)
    .bind(name)
    .fetch_optional(conn)
    .await
}

#[tracing::instrument(level = "info", skip_all, fields(otel.kind = "client", db.system = "postgresql"))]
pub async fn community(pool: &PgPool, id: Uuid) -> sqlx::Result<Option<CommunityRow>> {
    sqlx::query_as(
        "SELECT id, street_id, district_id, name, code FROM nomination.communities WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await
}

#[tracing::instrument(level = "info", skip_all, fields(otel.kind = "client", db.system = "postgresql"))]
pub async fn communities(
    pool: &PgPool,
    street_id: Uuid,
    after: Option<Uuid>,
    limit: i64,
) -> sqlx::Result<Vec<CommunityRow>> {
    sqlx::query_as(
        "SELECT id, street_id, district_id, name, code FROM nomination.communities \
         WHERE street_id = $1 AND ($2::uuid IS NULL OR id > $2) ORDER BY id LIMIT $3",
    )
    .bind(street_id)
    .bind(after)
    .bind(limit + 1)
    .fetch_all(pool)
    .await
}

#[tracing::instrument(level = "info", skip_all, fields(otel.kind = "client", db.system = "postgresql"))]
pub async fn insert_group(conn: &mut PgConnection, row: &GroupRow) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO nomination.resident_groups (id, community_id, name) VALUES ($1, $2, $3)",
    )
    .bind(row.id)
    .bind(row.community_id)
    .bind(&row.name)
    .execute(conn)
    .await?;
    Ok(())
}

#[tracing::instrument(level = "info", skip_all, fields(otel.kind = "client", db.system = "postgresql"))]
pub async fn groups(
    pool: &PgPool,
    community_id: Uuid,
    after: Option<Uuid>,
    limit: i64,
) -> sqlx::Result<Vec<GroupRow>> {
    sqlx::query_as(
        "SELECT id, community_id, name FROM nomination.resident_groups \
         WHERE community_id = $1 AND ($2::uuid IS NULL OR id > $2) ORDER BY id LIMIT $3",
    )
    .bind(community_id)
    .bind(after)
    .bind(limit + 1)
    .fetch_all(pool)
    .await
}

/// Level, district, street, community and name of a resolved area.
#[derive(sqlx::FromRow)]
struct ResolvedRow(String, Uuid, Option<Uuid>, Option<Uuid>, String);

/// Where an area of any level sits, with its name.
#[tracing::instrument(level = "info", skip_all, fields(otel.kind = "client", db.system = "postgresql"))]
pub async fn resolve(pool: &PgPool, id: Uuid) -> sqlx::Result<Option<(AreaPath, String)>> {
    let row: Option<ResolvedRow> = sqlx::query_as(
        "SELECT 'district', id, NULL::uuid, NULL::uuid, name FROM nomination.districts WHERE id = $1 \
         UNION ALL SELECT 'street', district_id, id, NULL::uuid, name FROM nomination.streets WHERE id = $1 \
         UNION ALL SELECT 'community', district_id, street_id, id, name FROM nomination.communities WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(
        |ResolvedRow(level, district_id, street_id, community_id, name)| {
            let path = match (level.as_str(), street_id, community_id) {
                ("community", Some(s), Some(c)) => AreaPath::community(c, s, district_id),
                ("street", Some(s), _) => AreaPath::street(s, district_id),
                _ => AreaPath::district(district_id),
            };
            (path, name)
        },
    ))
}
