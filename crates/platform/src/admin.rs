//! The admin HTTP surface of a service: `/healthz` (process up), `/readyz` (dependencies
//! reachable), `/metrics` (Prometheus text).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use redis::aio::ConnectionManager;
use sqlx::PgPool;
use tokio::net::TcpListener;

use crate::shutdown::Shutdown;

type CheckFuture = Pin<Box<dyn Future<Output = (String, bool)> + Send>>;
type Check = Arc<dyn Fn() -> CheckFuture + Send + Sync>;
/// Work run before each `/metrics` page: gauges read from the database at scrape time.
pub type Scrape = Arc<dyn Fn() -> Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync>;

/// A scrape hook from an async closure.
pub fn scrape<F, Fut>(f: F) -> Scrape
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    Arc::new(move || Box::pin(f()))
}

/// What `/readyz` checks, and what `/metrics` reports on.
#[derive(Clone)]
pub struct Readiness {
    service: &'static str,
    pool: Option<PgPool>,
    redis: Option<ConnectionManager>,
    extra: Vec<Check>,
    scrape: Vec<Scrape>,
}

impl Readiness {
    pub fn new(service: &'static str) -> Self {
        Self {
            service,
            pool: None,
            redis: None,
            extra: Vec::new(),
            scrape: Vec::new(),
        }
    }

    pub fn postgres(mut self, pool: PgPool) -> Self {
        self.pool = Some(pool);
        self
    }

    pub fn redis(mut self, redis: ConnectionManager) -> Self {
        self.redis = Some(redis);
        self
    }

    /// Another check, named, e.g. a downstream service's health.
    pub fn check<F, Fut>(mut self, name: &'static str, f: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = bool> + Send + 'static,
    {
        let f = Arc::new(f);
        self.extra.push(Arc::new(move || {
            let f = f.clone();
            Box::pin(async move { (name.to_owned(), f().await) })
        }));
        self
    }

    /// Work before each metrics page (see [`Scrape`]).
    pub fn on_scrape(mut self, hooks: impl IntoIterator<Item = Scrape>) -> Self {
        self.scrape.extend(hooks);
        self
    }

    /// Runs every check; `(all passed, per-check results)`.
    pub async fn run(&self) -> (bool, serde_json::Value) {
        let mut results = serde_json::Map::new();
        if let Some(pool) = &self.pool {
            let ok = tokio::time::timeout(
                std::time::Duration::from_secs(2),
                sqlx::query("SELECT 1").execute(pool),
            )
            .await
            .is_ok_and(|r| r.is_ok());
            results.insert("postgres".into(), ok.into());
        }
        if let Some(redis) = &self.redis {
            let ok =
                tokio::time::timeout(std::time::Duration::from_secs(2), crate::redis::ping(redis))
                    .await
                    .unwrap_or(false);
            results.insert("redis".into(), ok.into());
        }
        for check in &self.extra {
            let (name, ok) = check().await;
            results.insert(name, ok.into());
        }
        let all = results.values().all(|v| v.as_bool() == Some(true));
        (all, serde_json::Value::Object(results))
    }

    /// The Prometheus page, with pool figures and scrape-time gauges refreshed (each hook
    /// bounded to 2 s: a slow database leaves the previous values, not a hanging scrape).
    pub async fn metrics_page(&self) -> String {
        if let Some(pool) = &self.pool {
            crate::metrics::record_pool(self.service, pool);
        }
        for hook in &self.scrape {
            let _ = tokio::time::timeout(std::time::Duration::from_secs(2), hook()).await;
        }
        crate::metrics::render()
    }
}

pub async fn healthz() -> &'static str {
    "ok"
}

pub async fn readyz(State(ready): State<Readiness>) -> Response {
    let (ok, checks) = ready.run().await;
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        axum::Json(serde_json::json!({"ready": ok, "checks": checks})),
    )
        .into_response()
}

pub async fn metrics(State(ready): State<Readiness>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        ready.metrics_page().await,
    )
        .into_response()
}

/// The three admin routes, to merge into a router.
pub fn routes<S>(ready: Readiness) -> Router<S> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .with_state(ready)
}

/// Serves the admin routes on their own listener until shutdown.
pub async fn serve(
    listener: TcpListener,
    ready: Readiness,
    shutdown: Shutdown,
) -> anyhow::Result<()> {
    axum::serve(listener, routes::<()>(ready))
        .with_graceful_shutdown(shutdown.wait())
        .await?;
    Ok(())
}
