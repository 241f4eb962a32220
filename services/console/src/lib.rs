//! The officers' console (issue 9): a server-rendered Chinese web application under
//! `/console/`, an ordinary client of the gateway's REST API with the signed-in officer's token.
//! It holds no data and no rule of its own: every figure, decision and refusal (with its
//! message) comes from the API.
//!
//! # Layout
//! - [`api`]: the gateway as an HTTP client; problems as the API states them.
//! - [`session`]: tokens in HTTP-only SameSite cookies, renewal, CSRF, the language.
//! - [`i18n`]: Chinese first, English switchable.
//! - [`views`]: the page frame and shared pieces (maud templates).
//! - [`pages`]: one module per area of work.

pub mod api;
pub mod i18n;
pub mod pages;
pub mod session;
pub mod views;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};
use juxuan_platform::config::{ConfigError, Env, Environment};
use juxuan_platform::shutdown::Shutdown;
use tokio::net::TcpListener;

pub const SERVICE: &str = "console";

/// `JUXUAN_CONSOLE_ADDR`, `JUXUAN_GATEWAY_URL`, `JUXUAN_CONSOLE_SECURE_COOKIES`.
#[derive(Debug, Clone)]
pub struct Settings {
    pub addr: SocketAddr,
    pub gateway_url: String,
    /// Cookies marked `Secure` (on by default outside development; TLS ends at the Ingress).
    pub secure_cookies: bool,
    pub otlp_endpoint: Option<String>,
}

impl Settings {
    pub fn read(mut env: Env<'_>) -> Result<Self, ConfigError> {
        let environment: Environment = env.or("JUXUAN_ENV", Environment::Production);
        let addr = env.or(
            "JUXUAN_CONSOLE_ADDR",
            SocketAddr::from(([127, 0, 0, 1], 8081)),
        );
        let gateway_url = env.or("JUXUAN_GATEWAY_URL", "http://127.0.0.1:8080".to_owned());
        let secure_cookies = env.or(
            "JUXUAN_CONSOLE_SECURE_COOKIES",
            environment != Environment::Development,
        );
        let otlp_endpoint = env.optional("OTEL_EXPORTER_OTLP_ENDPOINT");
        env.finish(|| {
            Some(Self {
                addr,
                gateway_url,
                secure_cookies,
                otlp_endpoint,
            })
        })
    }
}

/// What every page can reach.
#[derive(Clone)]
pub struct AppState {
    pub api: api::Api,
    pub settings: Arc<Settings>,
}

/// The console's routes: pages under `/console/` (the Ingress sends that prefix here as it
/// is), health and metrics at the root.
pub fn router(state: AppState) -> Router {
    let api = state.api.clone();
    let ready = juxuan_platform::admin::Readiness::new(SERVICE).check("gateway", move || {
        let api = api.clone();
        async move { api.ready().await }
    });
    let console = Router::new()
        .route("/console/", get(pages::home::home))
        .route(
            "/console/login",
            get(pages::auth::login_form).post(pages::auth::login),
        )
        .route("/console/logout", post(pages::auth::logout))
        .route("/console/lang/{lang}", get(pages::auth::language))
        .route("/console/static/{file}", get(pages::asset))
        .route(
            "/console/elections",
            get(pages::home::elections).post(pages::setup::create_election),
        )
        .route("/console/elections/new", get(pages::setup::new_election))
        .route(
            "/console/elections/{id}/contests",
            post(pages::setup::create_contest),
        )
        .route(
            "/console/elections/{id}/clone",
            post(pages::setup::clone_election),
        )
        .route(
            "/console/elections/{id}/clock",
            post(pages::setup::advance_clock),
        )
        .route(
            "/console/communities/{id}/register",
            get(pages::register::register)
                .post(pages::register::upload)
                .layer(
                    // Register files up to the API's 32 MiB; every other form stays small.
                    axum::extract::DefaultBodyLimit::max(33 * 1024 * 1024),
                ),
        )
        .route(
            "/console/contests/{id}/electorate",
            post(pages::register::publish_electorate),
        )
        .route(
            "/console/contests/{id}/nominate",
            get(pages::contest::nominate_form).post(pages::contest::nominate),
        )
        .route(
            "/console/contests/{id}/candidates",
            post(pages::contest::publish_candidates),
        )
        .route("/console/elections/{id}", get(pages::home::dashboard))
        .route(
            "/console/elections/{id}/statistics",
            get(pages::report::statistics),
        )
        .route("/console/contests/{id}", get(pages::contest::contest))
        .route("/console/contests/{id}/polls", post(pages::poll::open))
        .route(
            "/console/contests/{id}/announce",
            post(pages::poll::announce),
        )
        .route("/console/contests/{id}/report", get(pages::report::report))
        .route(
            "/console/contests/{id}/report/{format}",
            get(pages::report::download),
        )
        .route("/console/contests/{id}/file", post(pages::report::file))
        .route("/console/contests/{id}/notice", get(pages::report::notice))
        .route(
            "/console/contests/{id}/certificates/{no}",
            get(pages::poll::certificate),
        )
        .route("/console/review", get(pages::contest::queue))
        .route("/console/nominations/{id}", get(pages::contest::nomination))
        .route(
            "/console/nominations/{id}/decide",
            post(pages::contest::decide),
        )
        .route("/console/polls/{id}", get(pages::poll::poll))
        .route("/console/polls/{id}/live", get(pages::poll::live))
        .route("/console/polls/{id}/search", post(pages::poll::search))
        .route("/console/polls/{id}/checkin", post(pages::poll::check_in))
        .route(
            "/console/polls/{id}/paper",
            get(pages::poll::paper_form).post(pages::poll::paper),
        )
        .route("/console/polls/{id}/close", post(pages::poll::close))
        .route(
            "/console/polls/{id}/paper/undo",
            post(pages::poll::undo_paper),
        )
        .route("/console/audit", get(pages::report::audit))
        .route(
            "/console",
            get(|| async { axum::response::Redirect::to("/console/") }),
        )
        .fallback(pages::not_found)
        .layer(axum::extract::DefaultBodyLimit::max(64 * 1024))
        .layer(axum::middleware::from_fn(session::flash))
        .layer(from_fn_with_state(state.clone(), session::renew))
        .layer(from_fn_with_state(
            pages::SECURITY,
            juxuan_platform::http::security_headers,
        ))
        // A span per page joined to the browser's trace, carried on to the gateway; request
        // metrics per route on /metrics.
        .layer(from_fn_with_state(SERVICE, juxuan_platform::http::observe))
        .with_state(state);
    console
        .route(
            "/",
            get(|| async { axum::response::Redirect::to("/console/") }),
        )
        .merge(juxuan_platform::admin::routes(ready))
}

/// The console, bound and ready to serve.
pub struct App {
    listener: TcpListener,
    state: AppState,
}

impl App {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let _ = session::SECURE.set(settings.secure_cookies);
        let listener = TcpListener::bind(settings.addr).await?;
        tracing::info!(http.addr = %listener.local_addr()?, gateway = %settings.gateway_url, "console listening");
        Ok(Self {
            listener,
            state: AppState {
                api: api::Api::new(&settings.gateway_url)?,
                settings: Arc::new(settings),
            },
        })
    }

    pub fn addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    pub async fn run_until_stopped(self, shutdown: Shutdown) -> anyhow::Result<()> {
        use axum::serve::ListenerExt;
        let listener = self.listener.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
        axum::serve(listener, router(self.state))
            .with_graceful_shutdown(shutdown.wait())
            .await?;
        Ok(())
    }
}
