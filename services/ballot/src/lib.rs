//! The ballot service: election day (投票选举). Polls per contest and round, in-person check-in,
//! secret ballots (R-SECRET), counting with the domain crate, further rounds, the announced
//! result and its certificates (R-ANNOUNCE).
//!
//! # Layout
//! - [`App`]: start-up (`build`) and serving (`run_until_stopped`).
//! - [`facts`]: what the nomination and review services know of a contest, read as the caller.
//! - [`polls`]: opening rounds (R-POLL-DAY, R-CAND-PUBLISH), reading them, counting staff
//!   (R-CAND-STAFF).
//! - [`voting`]: check-in, electronic ballots, paper ballots: the hot path.
//! - [`counting`]: closing and counting a round (R-RETURNED, R-QUORUM, R-MAJORITY, R-TIE,
//!   R-ADDITIONAL), the anonymous ballot list.
//! - [`result`]: announcing a contest's result, certificate numbers and PDFs.
//! - [`certificate`]: the certificate (当选证书) as an A4 PDF in Chinese.
//! - [`erasure`]: electors' personal data pseudonymised after the term and the retention period.
//! - `grpc`: the `BallotService` adapter.
//!
//! Secrecy by construction (ADR 9): see `migrations/100_ballot.sql`.

pub mod certificate;
pub mod counting;
pub mod erasure;
pub mod facts;
mod grpc;
pub mod polls;
pub mod result;
pub mod voting;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use juxuan_platform::audit::AuditLog;
use juxuan_platform::config::{ConfigError, Env};
use juxuan_platform::db::SchemaMigrations;
use juxuan_platform::events::Outbox;
use juxuan_platform::grpc::{Outgoing, channel};
use juxuan_platform::service::{Base, ServiceSettings};
use juxuan_platform::shutdown::Shutdown;
use juxuan_proto::ballot::v1::ballot_service_server::BallotServiceServer;
use juxuan_proto::nomination::v1::election_service_client::ElectionServiceClient;
use juxuan_proto::nomination::v1::electorate_service_client::ElectorateServiceClient;
use juxuan_proto::nomination::v1::register_service_client::RegisterServiceClient;
use juxuan_proto::review::v1::review_service_client::ReviewServiceClient;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;
use uuid::Uuid;

pub const SERVICE: &str = "ballot";
pub const SCHEMA: &str = "ballot";
pub(crate) static AUDIT: AuditLog = AuditLog::new(SCHEMA);
pub(crate) static OUTBOX: Outbox = Outbox::new(SCHEMA);
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");
pub static MIGRATIONS: SchemaMigrations = SchemaMigrations::new(SCHEMA, &MIGRATOR);

type Intercepted = InterceptedService<Channel, Outgoing>;

/// Where the service reads other services' facts.
#[derive(Clone)]
pub struct Clients {
    pub elections: ElectionServiceClient<Intercepted>,
    pub electorate: ElectorateServiceClient<Intercepted>,
    pub register: RegisterServiceClient<Intercepted>,
    pub review: ReviewServiceClient<Intercepted>,
}

/// The service's settings: the common ones, where the nomination and review services are, and
/// the font certificates are drawn with.
#[derive(Debug, Clone)]
pub struct Settings {
    pub service: ServiceSettings,
    pub nomination_url: String,
    pub review_url: String,
    /// `JUXUAN_FONT_PATH` (a TrueType/OpenType file or collection) and `JUXUAN_FONT_INDEX`.
    pub font_path: PathBuf,
    pub font_index: u32,
    /// `JUXUAN_RETENTION_DAYS`: days after the end of a committee's term before electors'
    /// personal data is erased ([`erasure`]).
    pub retention_days: u32,
}

impl AsRef<ServiceSettings> for Settings {
    fn as_ref(&self) -> &ServiceSettings {
        &self.service
    }
}

/// Reads the settings: `JUXUAN_NOMINATION_URL`, `JUXUAN_REVIEW_URL`, `JUXUAN_FONT_PATH`,
/// `JUXUAN_FONT_INDEX`, `JUXUAN_RETENTION_DAYS` besides the common ones.
pub fn settings(env: Env<'_>) -> Result<Settings, ConfigError> {
    let (service, (nomination_url, review_url, font_path, font_index, retention_days)) =
        ServiceSettings::read_with(env, "127.0.0.1:50053", "127.0.0.1:9103", |env, _| {
            Some((
                env.or("JUXUAN_NOMINATION_URL", "http://127.0.0.1:50051".to_owned()),
                env.or("JUXUAN_REVIEW_URL", "http://127.0.0.1:50052".to_owned()),
                PathBuf::from(env.or(
                    "JUXUAN_FONT_PATH",
                    juxuan_print::DEFAULT_FONT_PATH.to_owned(),
                )),
                env.or("JUXUAN_FONT_INDEX", 0u32),
                erasure::retention_days(env),
            ))
        })?;
    Ok(Settings {
        service,
        nomination_url,
        review_url,
        font_path,
        font_index,
        retention_days,
    })
}

/// The use cases' shared state.
#[derive(Clone)]
pub struct Ballots {
    pub(crate) pool: sqlx::PgPool,
    pub(crate) redis: redis::aio::ConnectionManager,
    pub(crate) clients: Clients,
    /// Ballot papers of polls, immutable once opened (the hot path parses every ballot).
    pub(crate) papers: Arc<Mutex<HashMap<Uuid, Arc<polls::PollFacts>>>>,
    pub(crate) font: Arc<juxuan_print::FontSource>,
}

pub struct App {
    base: Base,
    ballots: Ballots,
    retention_days: u32,
}

impl App {
    pub async fn build(settings: &Settings) -> anyhow::Result<Self> {
        let nomination = channel(&settings.nomination_url)?;
        let clients = Clients {
            elections: ElectionServiceClient::with_interceptor(nomination.clone(), Outgoing),
            electorate: ElectorateServiceClient::with_interceptor(nomination.clone(), Outgoing),
            register: RegisterServiceClient::with_interceptor(nomination, Outgoing),
            review: ReviewServiceClient::with_interceptor(channel(&settings.review_url)?, Outgoing),
        };
        let mut base = Base::start(SERVICE, &settings.service, &MIGRATIONS).await?;
        juxuan_platform::metrics::handle();
        describe_metrics();
        base.scrape.push(election_day_gauges(base.pool.clone()));
        let ballots = Ballots {
            pool: base.pool.clone(),
            redis: base.redis.clone(),
            clients,
            papers: Arc::default(),
            font: Arc::new(juxuan_print::FontSource::new(
                settings.font_path.clone(),
                settings.font_index,
            )),
        };
        Ok(Self {
            base,
            ballots,
            retention_days: settings.retention_days,
        })
    }

    pub fn grpc_addr(&self) -> std::net::SocketAddr {
        self.base.grpc_addr()
    }

    pub fn admin_addr(&self) -> std::net::SocketAddr {
        self.base.admin_addr()
    }

    pub async fn run_until_stopped(self, shutdown: Shutdown) -> anyhow::Result<()> {
        let erasure = erasure::spawn(
            self.base.pool.clone(),
            &AUDIT,
            self.retention_days,
            shutdown.clone(),
        );
        let mut routes = tonic::service::RoutesBuilder::default();
        routes.add_service(BallotServiceServer::new(self.ballots));
        let served = self
            .base
            .run(
                routes,
                &["juxuan.ballot.v1.BallotService"],
                &AUDIT,
                shutdown,
            )
            .await;
        let _ = erasure.await;
        served
    }
}

/// The election-day gauges, read from the database at each scrape (so every replica reports
/// the same figures; dashboards take the max): `juxuan_polls_open` and, per open poll,
/// `juxuan_poll_turnout_ratio{contest_id,community,round}` (checked in over the electorate).
/// A closed poll's series stops being updated and is dropped after the exporter's idle time.
fn election_day_gauges(pool: sqlx::PgPool) -> juxuan_platform::admin::Scrape {
    juxuan_platform::admin::scrape(move || {
        let pool = pool.clone();
        async move {
            type OpenPoll = (uuid::Uuid, String, i32, i64, i64);
            let open: Result<Vec<OpenPoll>, _> = sqlx::query_as(
                "SELECT p.contest_id, c.community, p.round, \
                        (SELECT count(*) FROM ballot.checkins k WHERE k.poll_id = p.id), \
                        c.electorate::bigint \
                 FROM ballot.polls p JOIN ballot.contests c ON c.contest_id = p.contest_id \
                 WHERE p.status = 'open'",
            )
            .fetch_all(&pool)
            .await;
            let Ok(open) = open else { return };
            #[allow(clippy::cast_precision_loss)]
            metrics::gauge!(POLLS_OPEN).set(open.len() as f64);
            for (contest_id, community, round, checked_in, electorate) in open {
                #[allow(clippy::cast_precision_loss)]
                let ratio = if electorate > 0 {
                    checked_in as f64 / electorate as f64
                } else {
                    0.0
                };
                metrics::gauge!(TURNOUT, "contest_id" => contest_id.to_string(), "community" => community, "round" => round.to_string())
                    .set(ratio);
            }
        }
    })
}

/// Metric names of election day (described at start).
pub const POLLS_OPEN: &str = "juxuan_polls_open";
pub const TURNOUT: &str = "juxuan_poll_turnout_ratio";
pub const TALLIES: &str = "juxuan_tallies_total";
pub const CHECKINS: &str = "juxuan_checkins_total";
pub const BALLOTS_CAST: &str = "juxuan_ballots_cast_total";

/// Describes the election-day metrics, so `promtool check metrics` accepts the page.
pub fn describe_metrics() {
    metrics::describe_gauge!(POLLS_OPEN, "Polls open now.");
    metrics::describe_gauge!(
        TURNOUT,
        "Share of an open poll's electorate checked in (0 to 1)."
    );
    metrics::describe_counter!(
        TALLIES,
        "Polls closed and counted, by outcome of the tally."
    );
    metrics::describe_counter!(CHECKINS, "Electors checked in.");
    metrics::describe_counter!(BALLOTS_CAST, "Ballots cast, by mode (electronic, paper).");
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
