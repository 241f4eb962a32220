//! With `OTEL_EXPORTER_OTLP_ENDPOINT` set, spans leave the process over OTLP/gRPC: a small
//! OTLP trace receiver on port 0 stands in for the collector.

use std::time::Duration;

use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{
    TraceService, TraceServiceServer,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use tokio::sync::mpsc;
use tokio_stream::wrappers::TcpListenerStream;
use tonic::{Request, Response, Status};

struct Receiver(mpsc::UnboundedSender<ExportTraceServiceRequest>);

#[tonic::async_trait]
impl TraceService for Receiver {
    async fn export(
        &self,
        request: Request<ExportTraceServiceRequest>,
    ) -> Result<Response<ExportTraceServiceResponse>, Status> {
        let _ = self.0.send(request.into_inner());
        Ok(Response::new(ExportTraceServiceResponse {
            partial_success: None,
        }))
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn spans_are_exported_over_otlp_with_the_service_name() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (tx, mut rx) = mpsc::unbounded_channel();
    tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(TraceServiceServer::new(Receiver(tx)))
            .serve_with_incoming(TcpListenerStream::new(listener)),
    );
    let guard = juxuan_platform::telemetry::init("otlp-probe", Some(&format!("http://{addr}")))
        .expect("telemetry");
    {
        let span = tracing::info_span!("probe.operation", trace_id = tracing::field::Empty);
        let _entered = span.enter();
        tracing::info!("inside the probe operation");
    }
    // Shutting the provider down flushes the batch; it blocks, so off the async threads.
    tokio::task::spawn_blocking(move || drop(guard))
        .await
        .expect("flush");

    let request = tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("an export within 10 s")
        .expect("a request");
    let resource = request.resource_spans[0]
        .resource
        .as_ref()
        .expect("resource");
    let service_name = resource
        .attributes
        .iter()
        .find(|kv| kv.key == "service.name")
        .and_then(|kv| kv.value.as_ref())
        .map(|v| format!("{:?}", v.value));
    assert!(
        service_name.is_some_and(|s| s.contains("otlp-probe")),
        "service.name is set"
    );
    let names: Vec<&str> = request
        .resource_spans
        .iter()
        .flat_map(|r| &r.scope_spans)
        .flat_map(|s| &s.spans)
        .map(|s| s.name.as_str())
        .collect();
    assert!(names.contains(&"probe.operation"), "{names:?}");
}
