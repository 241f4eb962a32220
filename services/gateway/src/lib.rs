//! The gateway: Juxuan's REST API, token issuer and the one door to the services.
//!
//! # Layout
//! - [`App`]: start-up (`build`) and serving (`run_until_stopped`).
//! - [`Settings`]: configuration from the environment.
//! - [`http`]: routes, extractors, idempotency keys, the OpenAPI document.
//! - `keys`: Ed25519 signing keys with rotation, JWKS publication.
//! - `tokens`: issuing tokens, password hashing, login throttling, revocations.
//! - `bootstrap`: the first district and its admin.
//! - `store`: SQL of the `auth` schema.

mod bootstrap;
pub mod http;
mod keys;
mod settings;
mod store;
mod tokens;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use juxuan_platform::admin::Readiness;
use juxuan_platform::audit::AuditLog;
use juxuan_platform::auth::Verifier;
use juxuan_platform::db::SchemaMigrations;
use juxuan_platform::grpc::{Outgoing, channel};
use juxuan_platform::shutdown::Shutdown;
use juxuan_proto::audit::v1::audit_service_client::AuditServiceClient;
use juxuan_proto::nomination::v1::area_service_client::AreaServiceClient;
use juxuan_proto::nomination::v1::election_service_client::ElectionServiceClient;
use juxuan_proto::nomination::v1::electorate_service_client::ElectorateServiceClient;
use juxuan_proto::nomination::v1::nomination_service_client::NominationServiceClient;
use juxuan_proto::nomination::v1::register_service_client::RegisterServiceClient;
use tokio::net::TcpListener;

pub use settings::Settings;

pub const SERVICE: &str = "gateway";
pub const SCHEMA: &str = "auth";
pub(crate) static AUDIT: AuditLog = AuditLog::new(SCHEMA);
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");
pub static MIGRATIONS: SchemaMigrations = SchemaMigrations::new(SCHEMA, &MIGRATOR);

pub struct App {
    listener: TcpListener,
    state: http::AppState,
    ready: Readiness,
    bootstrapped: Arc<AtomicBool>,
}

fn health_check(
    url: &str,
) -> anyhow::Result<
    impl Fn() -> std::pin::Pin<Box<dyn std::future::Future<Output = bool> + Send>>
    + Send
    + Sync
    + 'static,
> {
    let channel = channel(url)?;
    Ok(move || {
        let mut client = tonic_health::pb::health_client::HealthClient::new(channel.clone());
        Box::pin(async move {
            let request = tonic::Request::new(tonic_health::pb::HealthCheckRequest {
                service: String::new(),
            });
            matches!(
                tokio::time::timeout(Duration::from_secs(2), client.check(request)).await,
                Ok(Ok(r)) if r.get_ref().status == tonic_health::pb::health_check_response::ServingStatus::Serving as i32
            )
        }) as std::pin::Pin<Box<dyn std::future::Future<Output = bool> + Send>>
    })
}

impl App {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        juxuan_platform::metrics::handle();
        let patience = Duration::from_secs(30);
        let common = &settings.common;
        let pool =
            juxuan_platform::db::connect(&common.database_url, common.db_max_connections, patience)
                .await?;
        MIGRATIONS.run(&pool).await?;
        let redis = juxuan_platform::redis::connect(&common.redis_url, patience).await?;
        let verifier = Verifier::from_redis(redis.clone());
        let keys = keys::KeyRing::load(pool.clone()).await?;
        keys.publish(&redis, &verifier).await?;
        let nomination = channel(&settings.nomination_url)?;
        let areas = AreaServiceClient::with_interceptor(nomination.clone(), Outgoing)
            .max_encoding_message_size(http::MAX_IMPORT + 1024);
        let elections = ElectionServiceClient::with_interceptor(nomination.clone(), Outgoing);
        let electorate = ElectorateServiceClient::with_interceptor(nomination.clone(), Outgoing);
        let nominations = NominationServiceClient::with_interceptor(nomination.clone(), Outgoing);
        let (review_channel, ballot_channel, reporting_channel) = (
            channel(&settings.review_url)?,
            channel(&settings.ballot_url)?,
            channel(&settings.reporting_url)?,
        );
        let audit = [
            &nomination,
            &review_channel,
            &ballot_channel,
            &reporting_channel,
        ]
        .map(|c| AuditServiceClient::with_interceptor(c.clone(), Outgoing))
        .to_vec();
        let review =
            juxuan_proto::review::v1::review_service_client::ReviewServiceClient::with_interceptor(
                review_channel,
                Outgoing,
            );
        let ballot =
            juxuan_proto::ballot::v1::ballot_service_client::BallotServiceClient::with_interceptor(
                ballot_channel,
                Outgoing,
            );
        let reporting =
            juxuan_proto::reporting::v1::reporting_service_client::ReportingServiceClient::with_interceptor(
                reporting_channel,
                Outgoing,
            );
        let register = RegisterServiceClient::with_interceptor(nomination, Outgoing)
            .max_encoding_message_size(http::register::MAX_FILE + 1024);
        let bootstrapped = Arc::new(AtomicBool::new(false));
        let flag = bootstrapped.clone();
        let ready = Readiness::new(SERVICE)
            .postgres(pool.clone())
            .redis(redis.clone())
            .check("bootstrap", move || {
                let done = flag.load(Ordering::Relaxed);
                async move { done }
            })
            .check("nomination", health_check(&settings.nomination_url)?)
            .check("review", health_check(&settings.review_url)?)
            .check("ballot", health_check(&settings.ballot_url)?)
            .check("reporting", health_check(&settings.reporting_url)?);
        let issuer = tokens::Issuer {
            keys,
            pool: pool.clone(),
            access_ttl: settings.access_token_ttl_secs,
            refresh_ttl: settings.refresh_token_ttl_secs,
        };
        let throttle = tokens::Throttle {
            redis: redis.clone(),
            attempts: settings.login_attempts,
            window_secs: settings.login_window_secs,
        };
        let listener = TcpListener::bind(settings.http_addr).await?;
        tracing::info!(http.addr = %listener.local_addr()?, "gateway listening");
        let state = http::AppState {
            pool,
            redis,
            verifier,
            issuer,
            throttle,
            areas,
            elections,
            register,
            electorate,
            nominations,
            review,
            ballot,
            reporting,
            audit: audit.into(),
            settings: Arc::new(settings),
        };
        Ok(Self {
            listener,
            state,
            ready,
            bootstrapped,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or(SocketAddr::from(([0, 0, 0, 0], 0)))
    }

    pub async fn run_until_stopped(self, shutdown: Shutdown) -> anyhow::Result<()> {
        let background = tokio::spawn(background(
            self.state.clone(),
            self.bootstrapped.clone(),
            shutdown.clone(),
        ));
        let sealer = AUDIT.spawn_sealer(self.state.pool.clone(), shutdown.clone());
        let app = http::router(self.state, self.ready);
        // TCP_NODELAY: a small answer is not held back for the client's delayed ACK.
        use axum::serve::ListenerExt;
        let listener = self.listener.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
        axum::serve(listener, app)
            .with_graceful_shutdown(shutdown.wait())
            .await?;
        let _ = tokio::join!(background, sealer);
        Ok(())
    }
}

/// Every few seconds: keys and revocations back into Redis if it lost them, then bootstrap
/// (retried until the nomination service answers), expired idempotency keys out.
async fn background(state: http::AppState, bootstrapped: Arc<AtomicBool>, shutdown: Shutdown) {
    let mut tick = 0u64;
    loop {
        if tick.is_multiple_of(10)
            && let Err(e) = tokens::resync(
                &state.pool,
                &state.redis,
                &state.issuer.keys,
                &state.verifier,
            )
            .await
        {
            tracing::warn!(
                error = format!("{e:#}"),
                "key and revocation resync failed; will retry"
            );
        }
        // After the first resync: ready (the bootstrap flag) only once Redis holds the keys and
        // the revocations, without which every service answers 503.
        if !bootstrapped.load(Ordering::Relaxed) {
            match bootstrap::run(&state).await {
                Ok(()) => bootstrapped.store(true, Ordering::Relaxed),
                Err(e) => tracing::info!(
                    error = format!("{e:#}"),
                    "bootstrap waiting for the nomination service"
                ),
            }
        }
        if tick.is_multiple_of(1200)
            && let Err(e) = http::idempotency::expire(&state.pool).await
        {
            tracing::warn!(error = %e, "expiring idempotency keys failed");
        }
        tick += 1;
        let pause = if bootstrapped.load(Ordering::Relaxed) {
            500
        } else {
            200
        };
        tokio::select! {
            () = shutdown.clone().wait() => break,
            () = tokio::time::sleep(Duration::from_millis(pause)) => {}
        }
    }
}

/// The process (the binary's `main`): `serve` (the default), `migrate`, `probe <url>`.
pub async fn main() -> anyhow::Result<()> {
    juxuan_platform::service::Command::from_args("juxuan-gateway")
        .run_one_shot(&crate::MIGRATIONS)
        .await;
    let settings = juxuan_platform::service::settings_or_exit(crate::Settings::read(
        juxuan_platform::config::Env::from_process(),
    ));
    let _telemetry =
        juxuan_platform::telemetry::init(crate::SERVICE, settings.common.otlp_endpoint.as_deref())?;
    if settings.common.environment == juxuan_platform::config::Environment::Development {
        tracing::warn!(username = %settings.admin_username, "development mode: the first admin's password defaults to `admin` unless JUXUAN_ADMIN_PASSWORD is set");
    }
    let app = crate::App::build(settings).await?;
    let (trigger, shutdown) = juxuan_platform::shutdown::channel();
    tokio::spawn(async move {
        juxuan_platform::shutdown::os_signal().await;
        trigger.fire();
    });
    app.run_until_stopped(shutdown).await
}
