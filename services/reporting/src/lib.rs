//! The reporting service: read models built from every service's events (progress of an
//! election per street and community; report forms, filings and statistics follow).
//!
//! # Layout
//! - [`App`]: start-up (`build`) and serving (`run_until_stopped`); three consumers (the
//!   nomination, review and ballot streams) in the group `reporting`.
//! - [`projections`]: the events applied to the `reporting` schema, and [`projections::rebuild`]
//!   (`juxuan-reporting rebuild`): the projections emptied and replayed from the outboxes.
//! - [`progress`]: an election's progress, with what is late.
//! - [`report`]: report forms (JSON) and their filings (备案) in versions; [`form`]: the
//!   form as CSV, XLSX and A4 PDF.
//! - [`statistics`]: the structure of the committees elected (R-STRUCTURE), per election and
//!   for the district, and what communities record beyond the nominees' particulars.
//! - [`export`]: report forms in bulk for other systems, by time of change.
//! - [`notice`]: the public notice of the candidates (张榜) as an A4 PDF.
//! - `grpc`: the `ReportingService` adapter.
//!
//! Reads never touch another service's tables; only `rebuild` reads the outboxes, as the
//! record of every event published.

pub mod export;
pub mod form;
mod grpc;
pub mod notice;
pub mod progress;
pub mod projections;
pub mod report;
pub mod statistics;

use std::path::PathBuf;
use std::sync::Arc;

use juxuan_platform::audit::AuditLog;
use juxuan_platform::config::{ConfigError, Env};
use juxuan_platform::db::SchemaMigrations;
use juxuan_platform::events::{Consumer, stream_name};
use juxuan_platform::service::{Base, ServiceSettings};
use juxuan_platform::shutdown::Shutdown;
use juxuan_proto::reporting::v1::reporting_service_server::ReportingServiceServer;

pub const SERVICE: &str = "reporting";
pub const SCHEMA: &str = "reporting";
pub(crate) static AUDIT: AuditLog = AuditLog::new(SCHEMA);
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");
pub static MIGRATIONS: SchemaMigrations = SchemaMigrations::new(SCHEMA, &MIGRATOR);

/// The districts' zone (UTC+8): instants in answers and dates on documents.
pub(crate) const DISTRICT_OFFSET: time::UtcOffset = match time::UtcOffset::from_hms(8, 0, 0) {
    Ok(offset) => offset,
    Err(_) => time::UtcOffset::UTC,
};

/// The consumer group reading every stream.
pub const CONSUMER_GROUP: &str = "reporting";

/// The streams the projections are built from.
pub const STREAMS: [&str; 3] = ["nomination", "review", "ballot"];

/// The service's settings: the common ones and the font report forms are drawn with
/// (`JUXUAN_FONT_PATH`, `JUXUAN_FONT_INDEX`, as the ballot service's certificates).
#[derive(Debug, Clone)]
pub struct Settings {
    pub service: ServiceSettings,
    pub font_path: PathBuf,
    pub font_index: u32,
}

impl AsRef<ServiceSettings> for Settings {
    fn as_ref(&self) -> &ServiceSettings {
        &self.service
    }
}

pub fn settings(env: Env<'_>) -> Result<Settings, ConfigError> {
    let (service, (font_path, font_index)) =
        ServiceSettings::read_with(env, "127.0.0.1:50054", "127.0.0.1:9104", |env, _| {
            Some((
                PathBuf::from(env.or(
                    "JUXUAN_FONT_PATH",
                    juxuan_print::DEFAULT_FONT_PATH.to_owned(),
                )),
                env.or("JUXUAN_FONT_INDEX", 0u32),
            ))
        })?;
    Ok(Settings {
        service,
        font_path,
        font_index,
    })
}

pub struct App {
    base: Base,
    consumers: Vec<Consumer>,
    font: Arc<juxuan_print::FontSource>,
}

impl App {
    pub async fn build(settings: &Settings) -> anyhow::Result<Self> {
        let font = Arc::new(juxuan_print::FontSource::new(
            settings.font_path.clone(),
            settings.font_index,
        ));
        let settings = &settings.service;
        let base = Base::start(SERVICE, settings, &MIGRATIONS).await?;
        let mut consumers = Vec::new();
        for stream in STREAMS {
            consumers.push(
                Consumer::new(
                    base.pool.clone(),
                    base.redis.clone(),
                    SCHEMA,
                    stream_name(stream),
                    CONSUMER_GROUP,
                    &settings.consumer_name,
                    Arc::new(projections::Projector),
                )
                .on_own_connection(&settings.common)
                .await?,
            );
        }
        Ok(Self {
            base,
            consumers,
            font,
        })
    }

    pub fn grpc_addr(&self) -> std::net::SocketAddr {
        self.base.grpc_addr()
    }

    pub fn admin_addr(&self) -> std::net::SocketAddr {
        self.base.admin_addr()
    }

    pub async fn run_until_stopped(self, shutdown: Shutdown) -> anyhow::Result<()> {
        let consumers: Vec<_> = self
            .consumers
            .into_iter()
            .map(|c| c.spawn(shutdown.clone()))
            .collect();
        let mut routes = tonic::service::RoutesBuilder::default();
        routes.add_service(ReportingServiceServer::new(grpc::Reporting {
            pool: self.base.pool.clone(),
            font: self.font,
        }));
        let served = self
            .base
            .run(
                routes,
                &["juxuan.reporting.v1.ReportingService"],
                &AUDIT,
                shutdown,
            )
            .await;
        for c in consumers {
            let _ = c.await;
        }
        served
    }
}

/// The process (the binary's `main`): `serve` (the default), `migrate`, `probe <url>`.
pub async fn main() -> anyhow::Result<()> {
    // `rebuild`: empty the projections and replay every event from the outboxes, then exit.
    if std::env::args().nth(1).as_deref() == Some("rebuild") {
        let settings = juxuan_platform::service::settings_or_exit(crate::settings(
            juxuan_platform::config::Env::from_process(),
        ));
        let pool = juxuan_platform::db::connect(
            &settings.service.common.database_url,
            2,
            std::time::Duration::from_secs(60),
        )
        .await?;
        crate::MIGRATIONS.run(&pool).await?;
        let applied = crate::projections::rebuild(&pool).await?;
        println!("reporting: projections rebuilt from {applied} events");
        return Ok(());
    }
    juxuan_platform::service::main(
        crate::SERVICE,
        crate::settings,
        &crate::MIGRATIONS,
        |settings, shutdown| async move {
            crate::App::build(&settings)
                .await?
                .run_until_stopped(shutdown)
                .await
        },
    )
    .await
}
