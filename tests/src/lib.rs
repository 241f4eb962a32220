//! End-to-end tests of the whole stack through the gateway.
//!
//! # Layout
//! - [`Stack`]: the five services started in-process on port 0 against a database of the
//!   test's own and a Redis database of its own, with helpers to call the REST API.
//! - [`spans`]: the in-memory span exporter every test process installs, for trace tests.
//! - [`prometheus`]: a checker of the Prometheus text format.
//! - [`processes`]: the services as processes, for killing and freezing, behind proxies to
//!   Postgres and Redis that can cut every connection.
//! - [`district`]: a synthetic district's results fed to the reporting projector.
//! - [`forged`]: every kind of bad token an attacker could present.
//! - [`browser`]: headless Chromium over WebDriver, for the console's end-to-end tests.

pub mod browser;
pub mod district;
pub mod fixtures;
pub mod forged;
pub mod hardening;
pub mod processes;
pub mod prometheus;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::Duration;

use juxuan_platform::config::Env;
use juxuan_platform::shutdown::{self, Trigger};
use juxuan_platform::testing::{TestDb, isolated_redis_url};
use opentelemetry_sdk::trace::InMemorySpanExporter;
use reqwest::StatusCode;
use secrecy::ExposeSecret;
use serde_json::Value;

pub const ADMIN: &str = "admin";
pub const ADMIN_PASSWORD: &str = "admin-password-for-tests";
pub const DISTRICT: &str = "测试区";

/// The `p` quantile (0 to 1) of sorted durations, in milliseconds, for the load tools.
pub fn percentile_ms(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

/// The workspace's `target` folder (or `CARGO_TARGET_DIR`).
pub fn workspace_target() -> std::path::PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"),
        std::path::PathBuf::from,
    )
}

/// Every log line this test process wrote, as well as on stdout.
static LOGS: std::sync::Mutex<Vec<u8>> = std::sync::Mutex::new(Vec::new());

/// The logs written so far by this process (all services run in it).
pub fn logs() -> String {
    String::from_utf8_lossy(
        &LOGS
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner),
    )
    .into_owned()
}

struct TeeWriter;

impl std::io::Write for TeeWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        LOGS.lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend_from_slice(buf);
        std::io::stdout().write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stdout().flush()
    }
}

/// The span exporter of this test process (installed once, with the log subscriber).
pub fn spans() -> &'static InMemorySpanExporter {
    static EXPORTER: OnceLock<InMemorySpanExporter> = OnceLock::new();
    EXPORTER.get_or_init(|| {
        let exporter = InMemorySpanExporter::default();
        let guard = juxuan_platform::telemetry::init_for_tests(exporter.clone(), || TeeWriter)
            .unwrap_or_else(|e| panic!("installing test telemetry: {e}"));
        // The provider lives as long as the process.
        std::mem::forget(guard);
        exporter
    })
}

/// One running stack.
pub struct Stack {
    pub base: String,
    pub http: reqwest::Client,
    pub pool: sqlx::PgPool,
    pub redis_url: String,
    pub db: TestDb,
    pub nomination_grpc: SocketAddr,
    /// Admin (`/healthz`, `/readyz`, `/metrics`) addresses of the four gRPC services.
    pub admin_addrs: Vec<(&'static str, SocketAddr)>,
    pub grpc_addrs: Vec<(&'static str, SocketAddr)>,
    trigger: Option<Trigger>,
    tasks: Vec<tokio::task::JoinHandle<anyhow::Result<()>>>,
    /// The ballot service, in a runtime of its own so a test can kill it (in-process stacks).
    pub ballot: Option<BallotHost>,
    /// The services as processes ([`Stack::start_processes`]).
    processes: Option<processes::Processes>,
}

/// The ballot service running on a thread and a Tokio runtime of its own: `kill` drops the
/// runtime at once (every task, connection and transaction in flight, as a `kill -9` would);
/// `restart` starts it again on the same gRPC address.
pub struct BallotHost {
    settings: juxuan_ballot::Settings,
    kill: Option<std::sync::mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    pub grpc_addr: SocketAddr,
    pub admin_addr: SocketAddr,
}

impl BallotHost {
    fn start(settings: juxuan_ballot::Settings) -> Self {
        let (addrs_tx, addrs_rx) = std::sync::mpsc::channel();
        let (kill, killed) = std::sync::mpsc::channel::<()>();
        let app_settings = settings.clone();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("ballot runtime");
            let app = runtime
                .block_on(juxuan_ballot::App::build(&app_settings))
                .expect("ballot starts");
            let _ = addrs_tx.send((app.grpc_addr(), app.admin_addr()));
            let (_trigger, stop) = shutdown::channel();
            runtime.spawn(app.run_until_stopped(stop));
            // Until killed (or the stack is dropped).
            let _ = killed.recv();
            runtime.shutdown_background();
        });
        let (grpc_addr, admin_addr) = addrs_rx.recv().expect("ballot address");
        Self {
            settings,
            kill: Some(kill),
            thread: Some(thread),
            grpc_addr,
            admin_addr,
        }
    }

    /// Drops the service's runtime at once.
    pub fn kill(&mut self) {
        drop(self.kill.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }

    /// Starts the service again on the same gRPC address.
    pub fn restart(&mut self) {
        self.kill();
        let mut settings = self.settings.clone();
        settings.service.grpc_addr = self.grpc_addr;
        *self = Self::start(settings);
    }
}

impl Drop for BallotHost {
    fn drop(&mut self) {
        drop(self.kill.take());
    }
}

fn env(pairs: HashMap<&'static str, String>) -> Env<'static> {
    Env::from_fn(move |name| pairs.get(name).cloned())
}

impl Stack {
    pub async fn start() -> Stack {
        spans();
        Self::start_with_pool(5).await
    }

    /// The stack with `max_connections` Postgres connections per service, for load tools:
    /// without the tests' telemetry (which keeps every span in memory); the tool installs the
    /// services' own (`juxuan_platform::telemetry::init`).
    pub async fn start_with_pool(max_connections: u32) -> Stack {
        Self::build(max_connections, &[]).await
    }

    /// The stack with settings of the gateway's own (limits, token lifetimes) set or replaced.
    pub async fn start_with_gateway(settings: &[(&'static str, &str)]) -> Stack {
        spans();
        Self::build(5, settings).await
    }

    async fn build(max_connections: u32, gateway_settings: &[(&'static str, &str)]) -> Stack {
        let db = TestDb::create("stack").await;
        let redis_url = isolated_redis_url().await;
        let common = |extra: &[(&'static str, String)]| {
            let mut pairs: HashMap<&'static str, String> = HashMap::from([
                ("DATABASE_URL", db.url.expose_secret().to_owned()),
                ("REDIS_URL", redis_url.clone()),
                ("JUXUAN_ADMIN_ADDR", "127.0.0.1:0".to_owned()),
                ("JUXUAN_GRPC_ADDR", "127.0.0.1:0".to_owned()),
                ("JUXUAN_DB_MAX_CONNECTIONS", max_connections.to_string()),
                ("JUXUAN_ENV", "development".to_owned()),
            ]);
            pairs.extend(extra.iter().cloned());
            env(pairs)
        };
        let (trigger, stop) = shutdown::channel();
        let mut tasks = Vec::new();
        let mut grpc_addrs = Vec::new();
        let mut admin_addrs = Vec::new();

        let nomination = juxuan_nomination::App::build(
            &juxuan_nomination::settings(common(&[])).expect("settings"),
        )
        .await
        .expect("nomination starts");
        grpc_addrs.push(("nomination", nomination.grpc_addr()));
        admin_addrs.push(("nomination", nomination.admin_addr()));
        tasks.push(tokio::spawn(nomination.run_until_stopped(stop.clone())));

        let nomination_url = format!("http://{}", grpc_addrs[0].1);
        let review = juxuan_review::App::build(
            &juxuan_review::settings(common(&[("JUXUAN_NOMINATION_URL", nomination_url)]))
                .expect("settings"),
        )
        .await
        .expect("review starts");
        grpc_addrs.push(("review", review.grpc_addr()));
        admin_addrs.push(("review", review.admin_addr()));
        tasks.push(tokio::spawn(review.run_until_stopped(stop.clone())));

        let review_url = format!("http://{}", grpc_addrs[1].1);
        let ballot = BallotHost::start(
            juxuan_ballot::settings(common(&[
                (
                    "JUXUAN_NOMINATION_URL",
                    format!("http://{}", grpc_addrs[0].1),
                ),
                ("JUXUAN_REVIEW_URL", review_url),
            ]))
            .expect("settings"),
        );
        grpc_addrs.push(("ballot", ballot.grpc_addr));
        admin_addrs.push(("ballot", ballot.admin_addr));

        let reporting = juxuan_reporting::App::build(
            &juxuan_reporting::settings(common(&[])).expect("settings"),
        )
        .await
        .expect("reporting starts");
        grpc_addrs.push(("reporting", reporting.grpc_addr()));
        admin_addrs.push(("reporting", reporting.admin_addr()));
        tasks.push(tokio::spawn(reporting.run_until_stopped(stop.clone())));

        let url = |name: &str| {
            let addr = grpc_addrs
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, a)| *a)
                .expect("service started");
            format!("http://{addr}")
        };
        let mut gateway_pairs = vec![
            ("JUXUAN_HTTP_ADDR", "127.0.0.1:0".to_owned()),
            ("JUXUAN_NOMINATION_URL", url("nomination")),
            ("JUXUAN_REVIEW_URL", url("review")),
            ("JUXUAN_BALLOT_URL", url("ballot")),
            ("JUXUAN_REPORTING_URL", url("reporting")),
            ("JUXUAN_DISTRICT", DISTRICT.to_owned()),
            ("JUXUAN_ADMIN_USERNAME", ADMIN.to_owned()),
            ("JUXUAN_ADMIN_PASSWORD", ADMIN_PASSWORD.to_owned()),
            ("JUXUAN_LOGIN_ATTEMPTS", "3".to_owned()),
            ("JUXUAN_ACCESS_TOKEN_TTL_SECONDS", "300".to_owned()),
            // Tests and load tools drive thousands of requests with one token; the limit
            // itself is tested with a stack of its own.
            ("JUXUAN_RATE_LIMIT_PER_MINUTE", "1000000".to_owned()),
        ];
        gateway_pairs.extend(gateway_settings.iter().map(|(k, v)| (*k, (*v).to_owned())));
        let gateway_env = common(&gateway_pairs);
        let gateway = juxuan_gateway::App::build(
            juxuan_gateway::Settings::read(gateway_env).expect("settings"),
        )
        .await
        .expect("gateway starts");
        let base = format!("http://{}", gateway.local_addr());
        tasks.push(tokio::spawn(gateway.run_until_stopped(stop.clone())));

        let pool = db.pool().await;
        let stack = Stack {
            base,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .expect("http client"),
            pool,
            redis_url,
            db,
            nomination_grpc: grpc_addrs[0].1,
            admin_addrs,
            grpc_addrs,
            trigger: Some(trigger),
            tasks,
            ballot: Some(ballot),
            processes: None,
        };
        stack.wait_ready().await;
        stack
    }

    /// Polls `/readyz` until every dependency is up (bootstrap included).
    pub async fn wait_ready(&self) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(r) = self.http.get(self.url("/readyz")).send().await
                && r.status() == StatusCode::OK
            {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "the stack did not become ready in 60 s"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Stops every service and waits for them.
    pub async fn stop(mut self) {
        if let Some(trigger) = self.trigger.take() {
            trigger.fire();
        }
        for task in self.tasks.drain(..) {
            let result = tokio::time::timeout(Duration::from_secs(10), task).await;
            assert!(
                matches!(result, Ok(Ok(Ok(())))),
                "a service did not stop cleanly: {result:?}"
            );
        }
        if let Some(ballot) = self.ballot.as_mut() {
            ballot.kill();
        }
        drop(self.processes.take());
    }

    /// A password login; panics unless it succeeds.
    pub async fn login(&self, username: &str, password: &str) -> String {
        let (status, body) = self
            .form(
                "/api/v1/auth/token",
                &[
                    ("grant_type", "password"),
                    ("username", username),
                    ("password", password),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::OK, "login of {username}: {body}");
        body["access_token"]
            .as_str()
            .expect("access_token")
            .to_owned()
    }

    pub async fn admin_token(&self) -> String {
        self.login(ADMIN, ADMIN_PASSWORD).await
    }

    pub async fn form(&self, path: &str, pairs: &[(&str, &str)]) -> (StatusCode, Value) {
        let r = self
            .http
            .post(self.url(path))
            .form(pairs)
            .send()
            .await
            .expect("request");
        decode(r).await
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> (StatusCode, Value) {
        let mut request = self.http.get(self.url(path));
        if let Some(t) = token {
            request = request.bearer_auth(t);
        }
        decode(request.send().await.expect("request")).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> (StatusCode, Value) {
        let mut request = self.http.post(self.url(path)).json(body);
        if let Some(t) = token {
            request = request.bearer_auth(t);
        }
        decode(request.send().await.expect("request")).await
    }

    /// The district created at bootstrap.
    /// A machine client's access token with `scopes`.
    pub async fn client_token(&self, admin: &str, name: &str, scopes: &[&str]) -> String {
        let (status, client) = self
            .post(
                "/api/v1/clients",
                Some(admin),
                &serde_json::json!({"name": name, "scopes": scopes}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{client}");
        let (id, secret) = (
            client["client_id"].as_str().expect("id"),
            client["client_secret"].as_str().expect("secret"),
        );
        let (status, tokens) = self
            .form(
                "/api/v1/auth/token",
                &[
                    ("grant_type", "client_credentials"),
                    ("client_id", id),
                    ("client_secret", secret),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{tokens}");
        tokens["access_token"].as_str().expect("token").to_owned()
    }

    pub async fn district_id(&self, admin: &str) -> String {
        let (status, me) = self.get("/api/v1/me", Some(admin)).await;
        assert_eq!(status, StatusCode::OK, "{me}");
        me["area"]["id"].as_str().expect("area id").to_owned()
    }

    /// Creates an area object and returns its id; panics unless 201.
    pub async fn create(&self, path: &str, token: &str, body: Value) -> String {
        let (status, created) = self.post(path, Some(token), &body).await;
        assert_eq!(status, StatusCode::CREATED, "POST {path}: {created}");
        created["id"].as_str().expect("id").to_owned()
    }

    /// Creates an account and logs it in.
    pub async fn officer(&self, admin: &str, username: &str, role: &str, area_id: &str) -> String {
        let password = "officer-password";
        let body = serde_json::json!({
            "username": username, "password": password, "display_name": username,
            "role": role, "area_id": area_id,
        });
        let (status, created) = self.post("/api/v1/users", Some(admin), &body).await;
        assert_eq!(
            status,
            StatusCode::CREATED,
            "creating {username}: {created}"
        );
        self.login(username, password).await
    }
}

/// Status and JSON body (Null when the body is empty or not JSON).
pub async fn decode(response: reqwest::Response) -> (StatusCode, Value) {
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// A district with one street and two communities, the admin's token and their ids.
pub struct Areas {
    pub admin: String,
    pub district: String,
    pub street: String,
    pub other_street: String,
    pub community: String,
    pub other_community: String,
}

impl Stack {
    pub async fn areas(&self) -> Areas {
        let admin = self.admin_token().await;
        let district = self.district_id(&admin).await;
        let street = self
            .create(
                &format!("/api/v1/districts/{district}/streets"),
                &admin,
                serde_json::json!({"name": "城南街道", "code": "chengnan"}),
            )
            .await;
        let other_street = self
            .create(
                &format!("/api/v1/districts/{district}/streets"),
                &admin,
                serde_json::json!({"name": "城北街道"}),
            )
            .await;
        let community = self
            .create(
                &format!("/api/v1/streets/{street}/communities"),
                &admin,
                serde_json::json!({"name": "南岭社区", "code": "nanling"}),
            )
            .await;
        let other_community = self
            .create(
                &format!("/api/v1/streets/{other_street}/communities"),
                &admin,
                serde_json::json!({"name": "北苑社区"}),
            )
            .await;
        Areas {
            admin,
            district,
            street,
            other_street,
            community,
            other_community,
        }
    }
}

/// A synthetic resident identity number with a valid check character: region `990000` (no
/// such region), the birth date `YYYYMMDD`, a sequence number and the gender digit.
pub fn identity_number(birth: &str, seq: u32, male: bool) -> String {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let gender_digit = (seq % 5) * 2 + u32::from(male);
    let first17 = format!("990000{birth}{:02}{gender_digit}", seq % 100);
    let sum: u32 = first17
        .bytes()
        .zip(WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    format!(
        "{first17}{}",
        char::from(b"10X98765432"[(sum % 11) as usize])
    )
}

/// The XLSX media type.
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
