//! Logs and traces: JSON logs carrying the trace id, OpenTelemetry spans exported over OTLP
//! when `OTEL_EXPORTER_OTLP_ENDPOINT` is set, and W3C trace context in and out of every hop.
//!
//! Request spans (HTTP and gRPC) declare a `trace_id` field that the transport layer fills in,
//! and the JSON formatter prints the fields of every open span, so each log line of a request
//! carries its trace id.

use std::sync::OnceLock;

use opentelemetry::propagation::{Extractor, Injector, TextMapPropagator};
use opentelemetry::trace::{TraceContextExt, TracerProvider as _};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::{SdkTracerProvider, SpanExporter};
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

/// Keeps the tracer provider alive; flushes spans when dropped.
pub struct TelemetryGuard {
    provider: SdkTracerProvider,
}

impl TelemetryGuard {
    pub fn provider(&self) -> &SdkTracerProvider {
        &self.provider
    }
}

impl Drop for TelemetryGuard {
    fn drop(&mut self) {
        if let Err(e) = self.provider.shutdown() {
            eprintln!("telemetry shutdown: {e}");
        }
    }
}

static INSTALLED: OnceLock<()> = OnceLock::new();

/// Installs logging and tracing for a service process. Exports over OTLP/gRPC when an
/// endpoint is configured; otherwise spans still exist (trace ids in logs and propagation)
/// but go nowhere.
pub fn init(service: &'static str, otlp_endpoint: Option<&str>) -> anyhow::Result<TelemetryGuard> {
    let resource = opentelemetry_sdk::Resource::builder()
        .with_service_name(service)
        .build();
    let mut builder = SdkTracerProvider::builder().with_resource(resource);
    if let Some(endpoint) = otlp_endpoint {
        use opentelemetry_otlp::WithExportConfig;
        let exporter = opentelemetry_otlp::SpanExporter::builder()
            .with_tonic()
            .with_endpoint(endpoint)
            .build()?;
        builder = builder.with_batch_exporter(exporter);
    }
    install(builder.build())
}

/// Installs logging and tracing with a given exporter, processed synchronously, and logs
/// written to `writer` (tests read both).
pub fn init_for_tests<E, W>(exporter: E, writer: W) -> anyhow::Result<TelemetryGuard>
where
    E: SpanExporter + 'static,
    W: for<'w> tracing_subscriber::fmt::MakeWriter<'w> + Send + Sync + 'static,
{
    install_with(
        SdkTracerProvider::builder()
            .with_simple_exporter(exporter)
            .build(),
        writer,
    )
}

fn install(provider: SdkTracerProvider) -> anyhow::Result<TelemetryGuard> {
    install_with(provider, std::io::stdout)
}

fn install_with<W>(provider: SdkTracerProvider, writer: W) -> anyhow::Result<TelemetryGuard>
where
    W: for<'w> tracing_subscriber::fmt::MakeWriter<'w> + Send + Sync + 'static,
{
    if INSTALLED.set(()).is_err() {
        anyhow::bail!("telemetry is already installed in this process");
    }
    opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
    opentelemetry::global::set_tracer_provider(provider.clone());
    let tracer = provider.tracer("juxuan");
    let filter = || {
        EnvFilter::try_from_default_env()
            .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,h2=warn,tower=warn,hyper=warn"))
    };
    let logs = tracing_subscriber::fmt::layer()
        .with_writer(writer)
        .json()
        .with_current_span(false)
        .with_span_list(true)
        .flatten_event(true)
        .with_filter(filter());
    // The same levels for spans: without a filter every trace-level span of hyper, h2 and
    // tower went to the exporter, thousands a second, and the batch queue dropped the
    // requests' own spans.
    let otel = tracing_opentelemetry::layer()
        .with_tracer(tracer)
        .with_filter(filter());
    tracing_subscriber::registry()
        .with(otel)
        .with(logs)
        .try_init()?;
    Ok(TelemetryGuard { provider })
}

struct HeaderExtractor<'a>(&'a http::HeaderMap);

impl Extractor for HeaderExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }
    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(http::HeaderName::as_str).collect()
    }
}

struct HeaderInjector<'a>(&'a mut http::HeaderMap);

impl Injector for HeaderInjector<'_> {
    fn set(&mut self, key: &str, value: String) {
        if value.is_empty() {
            return;
        }
        if let (Ok(name), Ok(value)) = (
            http::HeaderName::from_bytes(key.as_bytes()),
            http::HeaderValue::from_str(&value),
        ) {
            self.0.insert(name, value);
        }
    }
}

/// Makes `span` a child of the trace context found in `headers` (if any) and records its
/// trace id in the span's `trace_id` field.
pub fn adopt_remote_parent(span: &tracing::Span, headers: &http::HeaderMap) {
    let parent = TraceContextPropagator::new().extract(&HeaderExtractor(headers));
    if parent.span().span_context().is_valid() {
        // Fails only when no OpenTelemetry layer is installed; then there is nothing to link.
        let _ = span.set_parent(parent);
    }
    let trace_id = span.context().span().span_context().trace_id();
    span.record("trace_id", tracing::field::display(trace_id));
}

/// Writes the current span's trace context into outgoing headers.
pub fn inject_current(headers: &mut http::HeaderMap) {
    let cx = tracing::Span::current().context();
    TraceContextPropagator::new().inject_context(&cx, &mut HeaderInjector(headers));
}

/// The `traceparent` value of the current span, if it is sampled into a valid trace.
pub fn current_traceparent() -> Option<String> {
    let mut headers = http::HeaderMap::new();
    inject_current(&mut headers);
    headers
        .get("traceparent")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}
