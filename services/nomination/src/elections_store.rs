//! SQL of elections and contests.

use sqlx::{PgConnection, PgPool};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ElectionRow {
    pub id: Uuid,
    pub district_id: Uuid,
    pub title: String,
    pub kind: String,
    pub mode: String,
    pub method: String,
    pub nomination_opens_on: Date,
    pub nomination_closes_on: Date,
    pub term_ends_on: Option<Date>,
    /// The effective rule profile (the domain crate's `RuleProfile`).
    pub rules: serde_json::Value,
    /// The `rules` object as sent.
    pub rule_overrides: serde_json::Value,
    pub clock_base: Option<OffsetDateTime>,
    pub clock_set_at: Option<OffsetDateTime>,
    pub cloned_from: Option<Uuid>,
    pub created_at: OffsetDateTime,
}

const ELECTION_COLUMNS: &str = "id, district_id, title, kind, mode, method, nomination_opens_on, nomination_closes_on, \
     term_ends_on, rules, rule_overrides, clock_base, clock_set_at, cloned_from, created_at";

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ContestRow {
    pub id: Uuid,
    pub election_id: Uuid,
    pub community_id: Uuid,
    pub street_id: Uuid,
    pub district_id: Uuid,
    pub election_day: Date,
    pub community_name: String,
    /// When the review service published the contest's candidate list (its event).
    pub candidates_published_at: Option<OffsetDateTime>,
    /// The street's name and the district's code (for documents: certificates, forms).
    #[sqlx(default)]
    pub street_name: String,
    #[sqlx(default)]
    pub district_code: Option<String>,
    /// Where the ballot service's events say it stands on election day.
    #[sqlx(default)]
    pub voting_status: Option<String>,
}

const CONTEST_COLUMNS: &str = "c.id, c.election_id, c.community_id, c.street_id, c.district_id, c.election_day, \
     m.name AS community_name, c.candidates_published_at, c.voting_status, \
     (SELECT s.name FROM nomination.streets s WHERE s.id = c.street_id) AS street_name, \
     (SELECT d.code FROM nomination.districts d WHERE d.id = c.district_id) AS district_code";

#[tracing::instrument(level = "info", skip_all, fields(otel.kind = "client", db.system = "postgresql"))]
pub async fn insert_election(conn: &mut PgConnection, row: &ElectionRow) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO nomination.elections (id, district_id, title, kind, mode, method, nomination_opens_on, \
         nomination_closes_on, term_ends_on, rules, rule_overrides, clock_base, clock_set_at, cloned_from, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
    )
    .bind(row.id)
    .bind(row.district_id)
    .bind(&row.title)
    .bind(&row.kind)
    .bind(&row.mode)
    .bind(&row.method)
    .bind(row.nomination_opens_on)
    .bind(row.nomination_closes_on)
    .bind(row.term_ends_on)
    .bind(&row.rules)
    .bind(&row.rule_overrides)
    .bind(row.clock_base)
    .bind(row.clock_set_at)
    .bind(row.cloned_from)
    .bind(row.created_at)
    .execute(conn)
    .await?;
    Ok(())
}

#[tracing::instrument(level = "info", skip_all, fields(otel.kind = "client", db.system = "postgresql"))]
pub async fn election(pool: &PgPool, id: Uuid) -> sqlx::Result<Option<ElectionRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {ELECTION_COLUMNS} FROM nomination.elections WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(pool)
    .await
}

/// The election, locked for an update of its clock.
#[tracing::instrument(level = "info", skip_all, fields(otel.kind = "client", db.system = "postgresql"))]
pub async fn election_for_update(
    conn: &mut PgConnection,
    id: Uuid,
) -> sqlx::Result<Option<ElectionRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {ELECTION_COLUMNS} FROM nomination.elections WHERE id = $1 FOR UPDATE"
    )))
    .bind(id)
    .fetch_optional(conn)
    .await
}

#[tracing::instrument(level = "info", skip_all, fields(otel.kind = "client", db.system = "postgresql"))]
pub async fn elections(
    pool: &PgPool,
    district_id: Uuid,
    after: Option<Uuid>,
    limit: i64,
) -> sqlx::Result<Vec<ElectionRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {ELECTION_COLUMNS} FROM nomination.elections WHERE district_id = $1 AND ($2::uuid IS NULL OR id > $2) \
         ORDER BY id LIMIT $3"
    )))
    .bind(district_id)
    .bind(after)
    .bind(limit + 1)
    .fetch_all(pool)
    .await
}

#[tracing::instrument(level = "info", skip_all, fields(otel.kind = "client", db.system = "postgresql"))]
pub async fn set_clock(
    conn: &mut PgConnection,
    id: Uuid,
    base: OffsetDateTime,
    set_at: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE nomination.elections SET clock_base = $2, clock_set_at = $3 WHERE id = $1")
        .bind(id)
        .bind(base)
        .bind(set_at)
        .execute(conn)
        .await?;
    Ok(())
}

#[tracing::instrument(level = "info", skip_all, fields(otel.kind = "client", db.system = "postgresql"))]
pub async fn insert_contest(
    conn: &mut PgConnection,
    row: &ContestRow,
    positions: &[(String, i32)],
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO nomination.contests (id, election_id, community_id, street_id, district_id, election_day) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(row.id)
    .bind(row.election_id)
    .bind(row.community_id)
    .bind(row.street_id)
    .bind(row.district_id)
    .bind(row.election_day)
    .execute(&mut *conn)
    .await?;
    for (position, seats) in positions {
        sqlx::query("INSERT INTO nomination.contest_positions (contest_id, position, seats) VALUES ($1, $2, $3)")
            .bind(row.id)
            .bind(position)
            .bind(seats)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

#[tracing::instrument(level = "info", skip_all, fields(otel.kind = "client", db.system = "postgresql"))]
pub async fn contest(pool: &PgPool, id: Uuid) -> sqlx::Result<Option<ContestRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {CONTEST_COLUMNS} FROM nomination.contests c JOIN nomination.communities m ON m.id = c.community_id \
         WHERE c.id = $1"
    )))
    .bind(id)
    .fetch_optional(pool)
    .await
}

/// Contests of an election, optionally only those of one street or community.
#[tracing::instrument(level = "info", skip_all, fields(otel.kind = "client", db.system = "postgresql"))]
pub async fn contests(
    conn: &mut PgConnection,
    election_id: Uuid,
    street_id: Option<Uuid>,
    community_id: Option<Uuid>,
    after: Option<Uuid>,
    limit: i64,
) -> sqlx::Result<Vec<ContestRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {CONTEST_COLUMNS} FROM nomination.contests c JOIN nomination.communities m ON m.id = c.community_id \
         WHERE c.election_id = $1 AND ($2::uuid IS NULL OR c.street_id = $2) AND ($3::uuid IS NULL OR c.community_id = $3) \
         AND ($4::uuid IS NULL OR c.id > $4) ORDER BY c.id LIMIT $5"
    )))
    .bind(election_id)
    .bind(street_id)
    .bind(community_id)
    .bind(after)
    .bind(limit + 1)
    .fetch_all(conn)
    .await
}

/// Seats per position of contests, in the order director, deputy director, member.
#[tracing::instrument(level = "info", skip_all, fields(otel.kind = "client", db.system = "postgresql"))]
pub async fn positions(
    pool: &PgPool,
    contest_ids: &[Uuid],
) -> sqlx::Result<Vec<(Uuid, String, i32)>> {
    sqlx::query_as(
        "SELECT contest_id, position, seats FROM nomination.contest_positions WHERE contest_id = ANY($1) \
         ORDER BY contest_id, array_position(ARRAY['director', 'deputy_director', 'member'], position)",
    )
    .bind(contest_ids)
    .fetch_all(pool)
    .await
}
