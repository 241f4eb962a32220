//! The review service (qualification review and official candidate lists).
//!
//! # Layout
//! - [`App`]: start-up and serving. For now the service migrates its (empty) schema and
//!   serves gRPC health, reflection and its admin port; its use cases arrive with their issue.

use juxuan_platform::audit::AuditLog;
use juxuan_platform::config::{ConfigError, Env};
use juxuan_platform::db::SchemaMigrations;
use juxuan_platform::service::{Base, ServiceSettings};
use juxuan_platform::shutdown::Shutdown;

pub const SERVICE: &str = "review";
pub const SCHEMA: &str = "review";
static AUDIT: AuditLog = AuditLog::new(SCHEMA);
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");
pub static MIGRATIONS: SchemaMigrations = SchemaMigrations::new(SCHEMA, &MIGRATOR);

pub fn settings(env: Env<'_>) -> Result<ServiceSettings, ConfigError> {
    ServiceSettings::read(env, "127.0.0.1:50052", "127.0.0.1:9102")
}

pub struct App {
    base: Base,
}

impl App {
    pub async fn build(settings: &ServiceSettings) -> anyhow::Result<Self> {
        Ok(Self {
            base: Base::start(SERVICE, settings, &MIGRATIONS).await?,
        })
    }

    pub fn grpc_addr(&self) -> std::net::SocketAddr {
        self.base.grpc_addr()
    }

    pub fn admin_addr(&self) -> std::net::SocketAddr {
        self.base.admin_addr()
    }

    pub async fn run_until_stopped(self, shutdown: Shutdown) -> anyhow::Result<()> {
        self.base
            .run(
                tonic::service::RoutesBuilder::default(),
                &[],
                &AUDIT,
                shutdown,
            )
            .await
    }
}
