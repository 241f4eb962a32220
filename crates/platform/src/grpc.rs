//! gRPC plumbing: the server layer every service runs behind, health and reflection, and the
//! client side (channels with deadlines, trace context, forwarded tokens, safe retries).
//!
//! The server layer, per call: adopts the caller's trace context into a `grpc.server` span,
//! verifies the bearer token when there is one and puts the [`Caller`] into the request's
//! extensions (a bad token is refused here with `UNAUTHENTICATED`), and records the call's
//! metrics. Handlers ask for the caller with [`caller`]; health and reflection need none.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use tokio::net::TcpListener;
use tokio_stream::wrappers::TcpListenerStream;
use tonic::transport::{Channel, Endpoint};
use tower::{Layer, Service};
use tracing::Instrument;

use crate::auth::{Caller, Verifier, bearer};
use crate::error::AppError;
use crate::shutdown::Shutdown;

/// Deadline of every client call unless the caller sets a shorter one.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(10);

/// The layer in front of every gRPC service.
#[derive(Clone)]
pub struct ServerLayer {
    service: &'static str,
    verifier: Verifier,
}

impl ServerLayer {
    pub fn new(service: &'static str, verifier: Verifier) -> Self {
        Self { service, verifier }
    }
}

impl<S> Layer<S> for ServerLayer {
    type Service = ServerService<S>;
    fn layer(&self, inner: S) -> Self::Service {
        ServerService {
            inner,
            service: self.service,
            verifier: self.verifier.clone(),
        }
    }
}

#[derive(Clone)]
pub struct ServerService<S> {
    inner: S,
    service: &'static str,
    verifier: Verifier,
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

impl<S, B> Service<http::Request<B>> for ServerService<S>
where
    S: Service<http::Request<B>, Response = http::Response<tonic::body::Body>>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
    B: Send + 'static,
{
    type Response = http::Response<tonic::body::Body>;
    type Error = S::Error;
    type Future = BoxFuture<Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: http::Request<B>) -> Self::Future {
        // Take the service that was driven to readiness; leave a fresh clone behind.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let service = self.service;
        let verifier = self.verifier.clone();
        let method = request.uri().path().to_owned();
        let span = tracing::info_span!(
            "grpc.server",
            otel.name = %method,
            otel.kind = "server",
            rpc.system = "grpc",
            rpc.method = %method,
            juxuan.service = service,
            trace_id = tracing::field::Empty,
            rpc.grpc.status_code = tracing::field::Empty,
        );
        crate::telemetry::adopt_remote_parent(&span, request.headers());
        Box::pin(
            async move {
                let started = Instant::now();
                let token = request
                    .headers()
                    .get(http::header::AUTHORIZATION)
                    .and_then(|v| v.to_str().ok())
                    .and_then(bearer)
                    .map(str::to_owned);
                if let Some(token) = token {
                    match verifier.verify(&token).await {
                        Ok(caller) => {
                            request.extensions_mut().insert(caller);
                        }
                        Err(e) => {
                            let status = AppError::from(e).into_status();
                            let code = status.code() as i32;
                            tracing::Span::current().record("rpc.grpc.status_code", code);
                            crate::metrics::record_grpc(service, method, code, started);
                            return Ok(status.into_http());
                        }
                    }
                }
                let response = inner.call(request).await?;
                let code = response
                    .headers()
                    .get("grpc-status")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.parse::<i32>().ok())
                    .unwrap_or(0);
                tracing::Span::current().record("rpc.grpc.status_code", code);
                crate::metrics::record_grpc(service, method, code, started);
                Ok(response)
            }
            .instrument(span),
        )
    }
}

/// The verified caller of a gRPC request, or `UNAUTHENTICATED`.
pub fn caller<T>(request: &tonic::Request<T>) -> Result<Caller, AppError> {
    request
        .extensions()
        .get::<Caller>()
        .cloned()
        .ok_or_else(AppError::unauthenticated)
}

/// Health and reflection (v1 and v1alpha, for grpcurl and buf curl) for a server: the
/// health reporter, the health service, and the two reflection services.
pub fn standard_services() -> anyhow::Result<(
    tonic_health::server::HealthReporter,
    tonic_health::pb::health_server::HealthServer<impl tonic_health::pb::health_server::Health>,
    tonic_reflection::server::v1::ServerReflectionServer<
        impl tonic_reflection::server::v1::ServerReflection,
    >,
    tonic_reflection::server::v1alpha::ServerReflectionServer<
        impl tonic_reflection::server::v1alpha::ServerReflection,
    >,
)> {
    let (health, health_service) = tonic_health::server::health_reporter();
    let reflection_v1 = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(juxuan_proto::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1()?;
    let reflection_v1alpha = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(juxuan_proto::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1alpha()?;
    Ok((health, health_service, reflection_v1, reflection_v1alpha))
}

/// A server builder with the Juxuan layer in front.
pub fn server(
    service: &'static str,
    verifier: Verifier,
) -> tonic::transport::Server<tower::layer::util::Stack<ServerLayer, tower::layer::util::Identity>>
{
    tonic::transport::Server::builder()
        .timeout(Duration::from_secs(30))
        .layer(ServerLayer::new(service, verifier))
}

/// Serves a router on an already-bound listener until shutdown.
pub async fn serve<L>(
    router: tonic::transport::server::Router<L>,
    listener: TcpListener,
    shutdown: Shutdown,
) -> anyhow::Result<()>
where
    L: Layer<tonic::service::Routes> + Clone,
    L::Service: Service<http::Request<tonic::body::Body>, Response = http::Response<tonic::body::Body>>
        + Clone
        + Send
        + 'static,
    <L::Service as Service<http::Request<tonic::body::Body>>>::Future: Send + 'static,
    <L::Service as Service<http::Request<tonic::body::Body>>>::Error:
        Into<Box<dyn std::error::Error + Send + Sync>> + Send,
{
    // Without TCP_NODELAY a small answer written in two pieces (headers, then data) waits for
    // the caller's delayed ACK: about 40 ms per call.
    use tokio_stream::StreamExt;
    let incoming = TcpListenerStream::new(listener).map(|stream| {
        stream.inspect(|s| {
            let _ = s.set_nodelay(true);
        })
    });
    router
        .serve_with_incoming_shutdown(incoming, shutdown.wait())
        .await?;
    Ok(())
}

/// A lazily connecting channel to a service (`http://host:port`).
pub fn channel(url: &str) -> anyhow::Result<Channel> {
    Ok(Endpoint::from_shared(url.to_owned())?
        .connect_timeout(Duration::from_secs(2))
        .timeout(DEFAULT_DEADLINE)
        .tcp_nodelay(true)
        .connect_lazy())
}

/// The client interceptor: trace context of the current span into every call.
#[derive(Clone, Copy, Default)]
pub struct Outgoing;

impl tonic::service::Interceptor for Outgoing {
    fn call(
        &mut self,
        mut request: tonic::Request<()>,
    ) -> Result<tonic::Request<()>, tonic::Status> {
        let mut headers = http::HeaderMap::new();
        crate::telemetry::inject_current(&mut headers);
        for (name, value) in &headers {
            if let Ok(value) = tonic::metadata::MetadataValue::try_from(value.as_bytes()) {
                request.metadata_mut().insert(
                    tonic::metadata::MetadataKey::from_bytes(name.as_str().as_bytes())
                        .map_err(|_| tonic::Status::internal("bad trace header"))?,
                    value,
                );
            }
        }
        if request.metadata().get("grpc-timeout").is_none() {
            request.set_timeout(DEFAULT_DEADLINE);
        }
        Ok(request)
    }
}

/// A request carrying the caller's token (forwarded, so the service verifies it itself).
pub fn authorized<T>(message: T, token: &str) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    if let Ok(value) = format!("Bearer {token}").parse() {
        request.metadata_mut().insert("authorization", value);
    }
    request
}

/// A read on another service as the caller: the caller's token forwarded, retried while the
/// service answers `UNAVAILABLE` ([`retry_read`]), the answer unwrapped, a refusal turned back
/// into the service's own problem. `call` makes the call on a clone of `client`:
/// `read_as(&clients.elections, &caller.token, &request, |mut c, r| async move { c.get_election(r).await })`.
pub async fn read_as<C, Q, R, F, Fut>(
    client: &C,
    token: &str,
    request: &Q,
    call: F,
) -> Result<R, crate::AppError>
where
    C: Clone,
    Q: Clone,
    F: Fn(C, tonic::Request<Q>) -> Fut,
    Fut: Future<Output = Result<tonic::Response<R>, tonic::Status>>,
{
    let response = retry_read(|| call(client.clone(), authorized(request.clone(), token))).await?;
    Ok(response.into_inner())
}

/// Retries a read while the service answers `UNAVAILABLE` (restarting, not yet up). Only
/// for calls that are safe to repeat.
pub async fn retry_read<T, F, Fut>(mut call: F) -> Result<T, tonic::Status>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, tonic::Status>>,
{
    let mut delay = Duration::from_millis(50);
    for _ in 0..3 {
        match call().await {
            Err(status) if status.code() == tonic::Code::Unavailable => {
                tokio::time::sleep(delay).await;
                delay *= 4;
            }
            other => return other,
        }
    }
    call().await
}
