//! The common shape of a gRPC service process: settings, start-up (database, migrations,
//! Redis, listeners) and the command line (`serve`, the default, or `migrate`).

use std::net::SocketAddr;
use std::time::Duration;

use redis::aio::ConnectionManager;
use sqlx::PgPool;
use tokio::net::TcpListener;

use crate::auth::Verifier;
use crate::config::{CommonSettings, ConfigError, Env};
use crate::db::SchemaMigrations;

/// Settings of a gRPC service: the common ones, its gRPC address, and its name in event
/// consumer groups.
#[derive(Debug, Clone)]
pub struct ServiceSettings {
    pub common: CommonSettings,
    pub grpc_addr: SocketAddr,
    /// `JUXUAN_CONSUMER_NAME`, else the host name (a pod's name on Kubernetes): stable across
    /// restarts, so a restarted instance resumes its own pending events first.
    pub consumer_name: String,
}

impl ServiceSettings {
    /// Reads `JUXUAN_GRPC_ADDR`, `JUXUAN_ADMIN_ADDR`, `JUXUAN_CONSUMER_NAME` and the common
    /// variables.
    pub fn read(
        env: Env<'_>,
        default_grpc: &str,
        default_admin: &str,
    ) -> Result<Self, ConfigError> {
        Self::read_with(env, default_grpc, default_admin, |_, _| Some(())).map(|(s, ())| s)
    }

    /// The same, plus a service's own settings read by `extra` (given the environment kind),
    /// with all problems reported together.
    pub fn read_with<T>(
        mut env: Env<'_>,
        default_grpc: &str,
        default_admin: &str,
        extra: impl FnOnce(&mut Env<'_>, crate::config::Environment) -> Option<T>,
    ) -> Result<(Self, T), ConfigError> {
        let common = CommonSettings::read(&mut env, default_admin);
        let grpc_addr = env.or(
            "JUXUAN_GRPC_ADDR",
            default_grpc
                .parse()
                .unwrap_or(SocketAddr::from(([127, 0, 0, 1], 0))),
        );
        let consumer_name = env
            .optional::<String>("JUXUAN_CONSUMER_NAME")
            .or_else(|| std::env::var("HOSTNAME").ok())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "instance-1".to_owned());
        let environment = common
            .as_ref()
            .map_or(crate::config::Environment::Production, |c| c.environment);
        let extra = extra(&mut env, environment);
        env.finish(|| {
            Some((
                Self {
                    common: common?,
                    grpc_addr,
                    consumer_name,
                },
                extra?,
            ))
        })
    }
}

impl AsRef<ServiceSettings> for ServiceSettings {
    fn as_ref(&self) -> &ServiceSettings {
        self
    }
}

/// What every service process has once started.
pub struct Base {
    pub name: &'static str,
    pub pool: PgPool,
    pub redis: ConnectionManager,
    pub verifier: Verifier,
    pub grpc_listener: TcpListener,
    pub admin_listener: TcpListener,
    /// Scrape-time gauges of the service ([`crate::admin::Scrape`]).
    pub scrape: Vec<crate::admin::Scrape>,
}

impl Base {
    /// Connects (waiting up to 30 s for Postgres and Redis), migrates the schema, binds the
    /// gRPC and admin listeners.
    pub async fn start(
        name: &'static str,
        settings: &ServiceSettings,
        migrations: &SchemaMigrations,
    ) -> anyhow::Result<Self> {
        crate::metrics::handle();
        let patience = Duration::from_secs(30);
        let pool = crate::db::connect(
            &settings.common.database_url,
            settings.common.db_max_connections,
            patience,
        )
        .await?;
        migrations.run(&pool).await?;
        let redis = crate::redis::connect(&settings.common.redis_url, patience).await?;
        let verifier = Verifier::from_redis(redis.clone());
        let grpc_listener = TcpListener::bind(settings.grpc_addr).await?;
        let admin_listener = TcpListener::bind(settings.common.admin_addr).await?;
        tracing::info!(
            service = name,
            grpc.addr = %grpc_listener.local_addr()?,
            admin.addr = %admin_listener.local_addr()?,
            "service started"
        );
        Ok(Self {
            name,
            pool,
            redis,
            verifier,
            grpc_listener,
            admin_listener,
            scrape: Vec::new(),
        })
    }

    pub fn grpc_addr(&self) -> SocketAddr {
        self.grpc_listener
            .local_addr()
            .unwrap_or(SocketAddr::from(([0, 0, 0, 0], 0)))
    }

    pub fn admin_addr(&self) -> SocketAddr {
        self.admin_listener
            .local_addr()
            .unwrap_or(SocketAddr::from(([0, 0, 0, 0], 0)))
    }
}

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Serve,
    /// Apply the schema's migrations and exit; needs only `DATABASE_URL`.
    Migrate,
    /// GET the URL and exit 0 on a 2xx answer: the health check of an image without a shell.
    Probe(String),
}

impl Command {
    /// From the process arguments; prints usage and exits on anything else.
    pub fn from_args(binary: &str) -> Self {
        let mut args = std::env::args().skip(1);
        match (args.next().as_deref(), args.next()) {
            (None | Some("serve"), None) => Command::Serve,
            (Some("migrate"), None) => Command::Migrate,
            (Some("probe"), Some(url)) => Command::Probe(url),
            _ => {
                eprintln!("usage: {binary} [serve | migrate | probe <http://host:port/path>]");
                std::process::exit(2);
            }
        }
    }

    /// Runs `migrate` or `probe` and exits; returns for `serve`.
    pub async fn run_one_shot(&self, migrations: &SchemaMigrations) {
        let outcome = match self {
            Command::Serve => return,
            Command::Migrate => migrate(migrations).await,
            Command::Probe(url) => probe(url).await,
        };
        match outcome {
            Ok(()) => std::process::exit(0),
            Err(e) => {
                eprintln!("{e:#}");
                std::process::exit(1);
            }
        }
    }
}

/// Applies the schema's migrations, reading only `DATABASE_URL` (or `DATABASE_URL_FILE`): a
/// migration job needs no other secret.
pub async fn migrate(migrations: &SchemaMigrations) -> anyhow::Result<()> {
    let mut env = Env::from_process();
    let url = env.secret("DATABASE_URL");
    let url = env.finish(|| url)?;
    let pool = crate::db::connect(&url, 2, Duration::from_secs(60)).await?;
    migrations.run(&pool).await?;
    pool.close().await;
    Ok(())
}

/// One plain HTTP/1.1 GET with a 3 s limit; Ok on a 2xx status.
pub async fn probe(url: &str) -> anyhow::Result<()> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| anyhow::anyhow!("probe: only http:// URLs, got {url}"))?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let exchange = async {
        let mut stream = tokio::net::TcpStream::connect(authority).await?;
        let request =
            format!("GET {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await?;
        let mut head = vec![0u8; 64];
        let n = stream.read(&mut head).await?;
        anyhow::Ok(String::from_utf8_lossy(&head[..n]).into_owned())
    };
    let head = tokio::time::timeout(Duration::from_secs(3), exchange)
        .await
        .map_err(|_| anyhow::anyhow!("probe: {url} did not answer within 3 s"))??;
    let status = head.split_whitespace().nth(1).unwrap_or_default();
    if status.starts_with('2') && status.len() == 3 {
        Ok(())
    } else {
        Err(anyhow::anyhow!(
            "probe: {url} answered {}",
            head.lines().next().unwrap_or_default()
        ))
    }
}

/// Reads settings or exits with every configuration problem listed.
pub fn settings_or_exit<T>(result: Result<T, ConfigError>) -> T {
    result.unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(2);
    })
}

impl Base {
    /// Serves the given gRPC services (plus health, reflection and the schema's `AuditService`)
    /// and the admin port, runs
    /// the schema's outbox relay and audit sealer, until shutdown. `serving` lists the full
    /// names of the services to report healthy (`juxuan.nomination.v1.AreaService`).
    pub async fn run(
        self,
        mut routes: tonic::service::RoutesBuilder,
        serving: &[&str],
        audit: &'static crate::audit::AuditLog,
        shutdown: crate::shutdown::Shutdown,
    ) -> anyhow::Result<()> {
        let Base {
            name,
            pool,
            redis,
            verifier,
            grpc_listener,
            admin_listener,
            scrape,
        } = self;
        let (health, health_service, reflection_v1, reflection_v1alpha) =
            crate::grpc::standard_services()?;
        for service in serving {
            health
                .set_service_status(*service, tonic_health::ServingStatus::Serving)
                .await;
        }
        routes
            .add_service(health_service)
            .add_service(reflection_v1)
            .add_service(reflection_v1alpha)
            .add_service(
                juxuan_proto::audit::v1::audit_service_server::AuditServiceServer::new(
                    crate::audit::AuditServer::new(name, audit, pool.clone()),
                ),
            );
        let relay = crate::events::Relay::new(pool.clone(), redis.clone(), audit.schema())
            .spawn(shutdown.clone());
        let sealer = audit.spawn_sealer(pool.clone(), shutdown.clone());
        let ready = crate::admin::Readiness::new(name)
            .postgres(pool)
            .redis(redis)
            .on_scrape(scrape);
        let admin = tokio::spawn(crate::admin::serve(admin_listener, ready, shutdown.clone()));
        let router = crate::grpc::server(name, verifier).add_routes(routes.routes());
        crate::grpc::serve(router, grpc_listener, shutdown).await?;
        let _ = tokio::join!(relay, sealer, admin);
        Ok(())
    }
}

/// The `main` of a gRPC service: command line (`migrate` and `probe` run and exit), settings,
/// telemetry, then `serve`. `serve` gets the settings and a shutdown signal fired by SIGTERM or Ctrl-C.
pub async fn main<S, F, Fut>(
    name: &'static str,
    settings: impl FnOnce(Env<'static>) -> Result<S, ConfigError>,
    migrations: &SchemaMigrations,
    serve: F,
) -> anyhow::Result<()>
where
    S: AsRef<ServiceSettings>,
    F: FnOnce(S, crate::shutdown::Shutdown) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    Command::from_args(&format!("juxuan-{name}"))
        .run_one_shot(migrations)
        .await;
    let settings = settings_or_exit(settings(Env::from_process()));
    let common = &settings.as_ref().common;
    let _telemetry = crate::telemetry::init(name, common.otlp_endpoint.as_deref())?;
    let (trigger, shutdown) = crate::shutdown::channel();
    tokio::spawn(async move {
        crate::shutdown::os_signal().await;
        trigger.fire();
    });
    serve(settings, shutdown).await
}
