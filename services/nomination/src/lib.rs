//! The nomination service: areas, elections and contests, voter registers, electorates and
//! nominations.
//!
//! # Layout
//! - [`App`]: start-up (`build`) and serving (`run_until_stopped`).
//! - `grpc`: the `AreaService` adapter.
//! - [`areas`]: area use cases; `import`: CSV import of streets and communities.
//! - [`elections`]: elections and contests; [`clock`]: an election's (drill) clock;
//!   [`rules`]: the effective rule profile; `elections_grpc`: the `ElectionService` adapter.
//! - [`electorate`]: a contest's electors and their frozen, published list.
//! - [`erasure`]: voters' personal data pseudonymised after the term and the retention period.
//! - [`register`]: the voter register; [`register_file`]: reading CSV/XLSX registers;
//!   [`pii`]: keyed hashing of identity numbers; `identity`: what the register keeps of one.
//! - [`nominations`]: nominations, their eligibility and withdrawal; `nominations_grpc`: the
//!   `NominationService` adapter.
//! - [`review_facts`]: the review service's events (published lists, rejections).
//! - [`ballot_facts`]: the ballot service's events (a contest's status on election day).
//! - [`scope`]: role and area-scope checks.
//! - [`names`]: parsing of names, codes, ids and pages at the edge.
//! - [`store`]: SQL of the `nomination` schema.

pub mod areas;
pub mod ballot_facts;
pub mod clock;
mod csv_lines;
pub mod elections;
mod elections_grpc;
pub mod elections_store;
pub mod electorate;
pub mod erasure;
mod grpc;
mod identity;
mod import;
pub mod names;
pub mod nominations;
mod nominations_grpc;
pub mod pii;
pub mod register;
pub mod register_file;
mod register_grpc;
pub mod register_store;
pub mod review_facts;
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
use juxuan_proto::nomination::v1::electorate_service_server::ElectorateServiceServer;
use juxuan_proto::nomination::v1::nomination_service_server::NominationServiceServer;
use juxuan_proto::nomination::v1::register_service_server::RegisterServiceServer;

pub use import::ImportReport;

pub const SERVICE: &str = "nomination";
pub const SCHEMA: &str = "nomination";
pub(crate) static AUDIT: AuditLog = AuditLog::new(SCHEMA);
pub(crate) static OUTBOX: Outbox = Outbox::new(SCHEMA);
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");
pub static MIGRATIONS: SchemaMigrations = SchemaMigrations::new(SCHEMA, &MIGRATOR);

/// The service's settings: the common ones, the key for hashing identity numbers and how
/// long personal data is kept after a committee's term.
#[derive(Debug, Clone)]
pub struct Settings {
    pub service: ServiceSettings,
    pub id_hasher: pii::IdHasher,
    /// `JUXUAN_RETENTION_DAYS`: days after the end of a committee's term before voters'
    /// personal data is erased ([`erasure`]).
    pub retention_days: u32,
}

impl AsRef<ServiceSettings> for Settings {
    fn as_ref(&self) -> &ServiceSettings {
        &self.service
    }
}

/// Used only when `JUXUAN_ENV=development` and no key is set; production refuses to start.
const DEVELOPMENT_PII_KEY: &str =
    "6a757875616e2d646576656c6f706d656e742d6f6e6c792d7069692d6b65792d30";

/// Reads the settings (`JUXUAN_PII_KEY` and `JUXUAN_RETENTION_DAYS` besides the common ones).
pub fn settings(env: Env<'_>) -> Result<Settings, juxuan_platform::config::ConfigError> {
    let (service, (id_hasher, retention_days)) =
        ServiceSettings::read_with(env, "127.0.0.1:50051", "127.0.0.1:9101", |env, kind| {
            // Read before the key, whose problems end the closure early.
            let retention_days = erasure::retention_days(env);
            Some((id_hasher(env, kind)?, retention_days))
        })?;
    Ok(Settings {
        service,
        id_hasher,
        retention_days,
    })
}

fn id_hasher(
    env: &mut Env<'_>,
    kind: juxuan_platform::config::Environment,
) -> Option<pii::IdHasher> {
    let raw = match env.optional_secret("JUXUAN_PII_KEY") {
        Some(key) => secrecy::ExposeSecret::expose_secret(&key).to_owned(),
        None if kind == juxuan_platform::config::Environment::Production => {
            env.problem(
                "JUXUAN_PII_KEY is required in production (32+ random bytes, hex or base64)",
            );
            return None;
        }
        None => DEVELOPMENT_PII_KEY.to_owned(),
    };
    match pii::IdHasher::from_config(&raw) {
        Ok(h) => Some(h),
        Err(why) => {
            env.problem(format!("JUXUAN_PII_KEY is invalid: {why}"));
            None
        }
    }
}

pub struct App {
    base: Base,
    id_hasher: pii::IdHasher,
    retention_days: u32,
    /// Facts from the review service's events.
    consumer: juxuan_platform::events::Consumer,
    /// Facts from the ballot service's events.
    ballot_consumer: juxuan_platform::events::Consumer,
}

/// The consumer group reading the review service's events.
pub const CONSUMER_GROUP: &str = "nomination";

impl App {
    pub async fn build(settings: &Settings) -> anyhow::Result<Self> {
        let base = Base::start(SERVICE, &settings.service, &MIGRATIONS).await?;
        let consumer = juxuan_platform::events::Consumer::new(
            base.pool.clone(),
            base.redis.clone(),
            SCHEMA,
            juxuan_platform::events::stream_name("review"),
            CONSUMER_GROUP,
            &settings.service.consumer_name,
            std::sync::Arc::new(review_facts::ReviewFacts),
        )
        .on_own_connection(&settings.service.common)
        .await?;
        let ballot_consumer = juxuan_platform::events::Consumer::new(
            base.pool.clone(),
            base.redis.clone(),
            SCHEMA,
            juxuan_platform::events::stream_name("ballot"),
            CONSUMER_GROUP,
            &settings.service.consumer_name,
            std::sync::Arc::new(ballot_facts::BallotFacts),
        )
        .on_own_connection(&settings.service.common)
        .await?;
        Ok(Self {
            base,
            id_hasher: settings.id_hasher.clone(),
            retention_days: settings.retention_days,
            consumer,
            ballot_consumer,
        })
    }

    pub fn grpc_addr(&self) -> std::net::SocketAddr {
        self.base.grpc_addr()
    }

    pub fn admin_addr(&self) -> std::net::SocketAddr {
        self.base.admin_addr()
    }

    pub async fn run_until_stopped(self, shutdown: Shutdown) -> anyhow::Result<()> {
        let pool = self.base.pool.clone();
        let consumer = self.consumer.spawn(shutdown.clone());
        let ballot_consumer = self.ballot_consumer.spawn(shutdown.clone());
        let erasure = erasure::spawn(pool.clone(), &AUDIT, self.retention_days, shutdown.clone());
        let mut routes = tonic::service::RoutesBuilder::default();
        routes.add_service(
            AreaServiceServer::new(areas::Areas::new(pool.clone()))
                .max_decoding_message_size(import::MAX_BYTES + 1024),
        );
        routes.add_service(ElectionServiceServer::new(elections::Elections::new(
            pool.clone(),
        )));
        routes.add_service(ElectorateServiceServer::new(electorate::Electorate::new(
            pool.clone(),
        )));
        routes.add_service(NominationServiceServer::new(nominations::Nominations::new(
            pool.clone(),
            self.id_hasher.clone(),
        )));
        routes.add_service(
            RegisterServiceServer::new(register::Register::new(pool, self.id_hasher))
                .max_decoding_message_size(register::MAX_FILE_BYTES + 1024),
        );
        let served = self
            .base
            .run(
                routes,
                &[
                    "juxuan.nomination.v1.AreaService",
                    "juxuan.nomination.v1.ElectionService",
                    "juxuan.nomination.v1.ElectorateService",
                    "juxuan.nomination.v1.RegisterService",
                    "juxuan.nomination.v1.NominationService",
                ],
                &AUDIT,
                shutdown,
            )
            .await;
        let _ = tokio::join!(consumer, ballot_consumer, erasure);
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
