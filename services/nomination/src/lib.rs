//! The nomination service: areas now; elections, voter registers and nominations next.
//!
//! # Layout
//! - [`App`]: start-up (`build`) and serving (`run_until_stopped`).
//! - `grpc`: the `AreaService` adapter.
//! - [`areas`]: area use cases; `import`: CSV import of streets and communities.
//! - [`elections`]: elections and contests; [`clock`]: an election's (drill) clock;
//!   [`rules`]: the effective rule profile; `elections_grpc`: the `ElectionService` adapter.
//! - [`scope`]: role and area-scope checks.
//! - [`names`]: parsing of names, codes, ids and pages at the edge.
//! - [`store`]: SQL of the `nomination` schema.

pub mod areas;
pub mod clock;
mod csv_lines;
pub mod elections;
mod elections_grpc;
pub mod elections_store;
mod grpc;
mod import;
pub mod names;
pub mod pii;
pub mod register_file;
pub mod rules;
pub mod scope;
pub mod store;

use juxuan_platform::audit::AuditLog;
use juxuan_platform::config::Env;
use juxuan_platform::db::SchemaMigrations;
use juxuan_platform::events::Outbox;
use juxuan_platform::service::{Base, ServiceSettings};
use juxuan_platform::shutdown::Shutdown;
use juxuan_proto::nomination::v1::area_service_server::AreaServiceServer;
use juxuan_proto::nomination::v1::election_service_server::ElectionServiceServer;

pub use import::ImportReport;

pub const SERVICE: &str = "nomination";
pub const SCHEMA: &str = "nomination";
pub(crate) static AUDIT: AuditLog = AuditLog::new(SCHEMA);
pub(crate) static OUTBOX: Outbox = Outbox::new(SCHEMA);
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");
pub static MIGRATIONS: SchemaMigrations = SchemaMigrations::new(SCHEMA, &MIGRATOR);

pub type Settings = ServiceSettings;

/// Reads the settings from the process environment.
pub fn settings(env: Env<'_>) -> Result<Settings, juxuan_platform::config::ConfigError> {
    ServiceSettings::read(env, "127.0.0.1:50051", "127.0.0.1:9101")
}

pub struct App {
    base: Base,
}

impl App {
    pub async fn build(settings: &Settings) -> anyhow::Result<Self> {
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
        let mut routes = tonic::service::RoutesBuilder::default();
        let pool = self.base.pool.clone();
        routes.add_service(AreaServiceServer::new(areas::Areas::new(pool.clone())));
        routes.add_service(ElectionServiceServer::new(elections::Elections::new(pool)));
        self.base
            .run(
                routes,
                &[
                    "juxuan.nomination.v1.AreaService",
                    "juxuan.nomination.v1.ElectionService",
                ],
                &AUDIT,
                shutdown,
            )
            .await
    }
}
