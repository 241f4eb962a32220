//! Postgres: the pool, and each service's migrations in its own schema.
//!
//! A service's migrations live in its crate (`services/<s>/migrations`, versions from 100 up)
//! and are applied into its schema with the migrations table `<schema>._sqlx_migrations`, so
//! services never see each other's history. Before them come the platform's own migrations
//! (versions below 100): the outbox, the consumers' processed-event ledger and the audit log,
//! created inside the same schema.

use std::borrow::Cow;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{AssertSqlSafe, PgPool, SqlSafeStr};

/// Connects a pool without touching the database yet (readiness tells whether it is up).
pub fn connect_lazy(url: &SecretString, max_connections: u32) -> anyhow::Result<PgPool> {
    let options: PgConnectOptions = url.expose_secret().parse()?;
    Ok(PgPoolOptions::new()
        .max_connections(max_connections)
        .min_connections(0)
        .acquire_timeout(Duration::from_secs(5))
        .idle_timeout(Duration::from_secs(300))
        .connect_lazy_with(options))
}

/// Connects, waiting for the database up to `patience` (it may still be starting).
pub async fn connect(
    url: &SecretString,
    max_connections: u32,
    patience: Duration,
) -> anyhow::Result<PgPool> {
    let pool = connect_lazy(url, max_connections)?;
    let deadline = tokio::time::Instant::now() + patience;
    loop {
        match sqlx::query("SELECT 1").execute(&pool).await {
            Ok(_) => return Ok(pool),
            Err(e) if tokio::time::Instant::now() >= deadline => {
                return Err(anyhow::anyhow!("database not reachable: {e}"));
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
}

/// A schema's migrations: the platform's and the service's.
pub struct SchemaMigrations {
    schema: &'static str,
    service: &'static Migrator,
}

impl SchemaMigrations {
    pub const fn new(schema: &'static str, service: &'static Migrator) -> Self {
        Self { schema, service }
    }

    pub fn schema(&self) -> &'static str {
        self.schema
    }

    fn migrator(&self) -> anyhow::Result<Migrator> {
        let mut all: Vec<Migration> = platform_migrations(self.schema);
        for m in self.service.iter() {
            anyhow::ensure!(
                m.version >= 100,
                "service migration {} must be numbered 100 or above",
                m.version
            );
            all.push(m.clone());
        }
        let mut migrator = Migrator::with_migrations(all);
        migrator.dangerous_set_table_name(format!("{}._sqlx_migrations", self.schema));
        migrator.create_schema(self.schema);
        Ok(migrator)
    }

    /// Applies what is missing; safe to run from several processes at once (advisory lock).
    pub async fn run(&self, pool: &PgPool) -> anyhow::Result<()> {
        self.migrator()?.run(pool).await?;
        tracing::info!(schema = self.schema, "migrations applied");
        Ok(())
    }
}

const PLATFORM_TABLES: &str = include_str!("../sql/platform_tables.sql");

fn platform_migrations(schema: &str) -> Vec<Migration> {
    let sql = PLATFORM_TABLES.replace("{schema}", schema);
    vec![Migration::new(
        1,
        Cow::Borrowed("platform outbox, processed events, audit log"),
        MigrationType::Simple,
        AssertSqlSafe(sql).into_sql_str(),
        false,
    )]
}
