//! The review service: qualification review (资格审查) of every nomination in three stages and
//! the official candidate lists (正式候选人名单).
//!
//! # Layout
//! - [`App`]: start-up (`build`) and serving (`run_until_stopped`).
//! - [`cases`]: review cases opened and closed from the nomination service's events.
//! - [`review`]: decisions, history, queues (R-REV-ORDER), decided by the domain crate.
//! - [`candidates`]: official candidates and the publication of their list (R-CAND-PUBLISH,
//!   R-CAND-COUNT), frozen and fingerprinted.
//! - `grpc`: the `ReviewService` adapter.

pub mod candidates;
pub mod cases;
mod grpc;
pub mod review;

use std::sync::Arc;

use juxuan_platform::audit::AuditLog;
use juxuan_platform::config::{ConfigError, Env};
use juxuan_platform::db::SchemaMigrations;
use juxuan_platform::events::{Consumer, Outbox, stream_name};
use juxuan_platform::grpc::{Outgoing, channel};
use juxuan_platform::service::{Base, ServiceSettings};
use juxuan_platform::shutdown::Shutdown;
use juxuan_proto::nomination::v1::election_service_client::ElectionServiceClient;
use juxuan_proto::review::v1::review_service_server::ReviewServiceServer;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;

pub const SERVICE: &str = "review";
pub const SCHEMA: &str = "review";
pub(crate) static AUDIT: AuditLog = AuditLog::new(SCHEMA);
pub(crate) static OUTBOX: Outbox = Outbox::new(SCHEMA);
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");
pub static MIGRATIONS: SchemaMigrations = SchemaMigrations::new(SCHEMA, &MIGRATOR);

/// The consumer group reading the nomination service's events.
pub const CONSUMER_GROUP: &str = "review";

pub type ElectionClient = ElectionServiceClient<InterceptedService<Channel, Outgoing>>;

/// The service's settings: the common ones and where the nomination service is.
#[derive(Debug, Clone)]
pub struct Settings {
    pub service: ServiceSettings,
    pub nomination_url: String,
}

impl AsRef<ServiceSettings> for Settings {
    fn as_ref(&self) -> &ServiceSettings {
        &self.service
    }
}

/// Reads the settings: `JUXUAN_NOMINATION_URL` besides the common ones.
pub fn settings(env: Env<'_>) -> Result<Settings, ConfigError> {
    let (service, nomination_url) =
        ServiceSettings::read_with(env, "127.0.0.1:50052", "127.0.0.1:9102", |env, _| {
            Some(env.or("JUXUAN_NOMINATION_URL", "http://127.0.0.1:50051".to_owned()))
        })?;
    Ok(Settings {
        service,
        nomination_url,
    })
}

pub struct App {
    base: Base,
    elections: ElectionClient,
    consumer: Consumer,
}

impl App {
    pub async fn build(settings: &Settings) -> anyhow::Result<Self> {
        let elections =
            ElectionServiceClient::with_interceptor(channel(&settings.nomination_url)?, Outgoing);
        let base = Base::start(SERVICE, &settings.service, &MIGRATIONS).await?;
        let consumer = Self::consumer(
            base.pool.clone(),
            base.redis.clone(),
            &settings.service.consumer_name,
        )
        .on_own_connection(&settings.service.common)
        .await?;
        Ok(Self {
            base,
            elections,
            consumer,
        })
    }

    pub fn grpc_addr(&self) -> std::net::SocketAddr {
        self.base.grpc_addr()
    }

    pub fn admin_addr(&self) -> std::net::SocketAddr {
        self.base.admin_addr()
    }

    /// The consumer of the nomination service's events that opens and closes review cases.
    pub fn consumer(
        pool: sqlx::PgPool,
        redis: redis::aio::ConnectionManager,
        name: &str,
    ) -> Consumer {
        Consumer::new(
            pool,
            redis,
            SCHEMA,
            stream_name("nomination"),
            CONSUMER_GROUP,
            name,
            Arc::new(cases::Cases),
        )
    }

    pub async fn run_until_stopped(self, shutdown: Shutdown) -> anyhow::Result<()> {
        let pool = self.base.pool.clone();
        let consumer = self.consumer.spawn(shutdown.clone());
        let mut routes = tonic::service::RoutesBuilder::default();
        routes.add_service(ReviewServiceServer::new(review::Review::new(
            pool,
            self.elections,
        )));
        let served = self
            .base
            .run(
                routes,
                &["juxuan.review.v1.ReviewService"],
                &AUDIT,
                shutdown,
            )
            .await;
        let _ = consumer.await;
        served
    }
}

/// The process (the binary's `main`): `serve` (the default), `migrate` or `probe <url>`.
pub async fn main() -> anyhow::Result<()> {
    juxuan_platform::service::main(
        SERVICE,
        settings,
        &MIGRATIONS,
        |settings, shutdown| async move {
            App::build(&settings)
                .await?
                .run_until_stopped(shutdown)
                .await
        },
    )
    .await
}
