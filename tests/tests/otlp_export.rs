//! The real trace export (issue 8): with an OTLP endpoint set, one nomination request leaves
//! the process as one trace holding the gateway's span, the nomination service's span and its
//! SQL spans. A small OTLP/gRPC trace receiver on port 0 stands in for the collector of the
//! Compose setup. Its own test binary: it installs the services' own telemetry, not the
//! in-memory one of the other tests.

use std::time::Duration;

use juxuan_tests::Stack;
use juxuan_tests::fixtures::{Setup, joint, registered};
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{
    TraceService, TraceServiceServer,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::any_value::Value as AnyValue;
use opentelemetry_proto::tonic::trace::v1::Span;
use reqwest::StatusCode;
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

fn attribute(span: &Span, key: &str) -> Option<String> {
    span.attributes
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| kv.value.as_ref())
        .and_then(|v| match &v.value {
            Some(AnyValue::StringValue(s)) => Some(s.clone()),
            _ => None,
        })
}

#[tokio::test(flavor = "multi_thread")]
async fn a_nomination_is_exported_over_otlp_as_gateway_nomination_and_sql_spans() {
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
    let guard = juxuan_platform::telemetry::init("juxuan", Some(&format!("http://{addr}")))
        .expect("telemetry");
    let s = Setup::start_on(Stack::start_with_pool(5).await, serde_json::Value::Null).await;
    let st = &s.stack;
    // The set-up's thousands of spans leave first: the batch queue (2,048 spans) drops what
    // does not fit, and the request under test must not be what is dropped.
    let provider = guard.provider().clone();
    tokio::task::spawn_blocking(move || provider.force_flush())
        .await
        .expect("flush")
        .expect("flushed");
    let body = joint("member", &s.ten(), registered(&s.voter("甲一")));
    let response = st
        .http
        .post(st.url(&format!("/api/v1/contests/{}/nominations", s.contest)))
        .bearer_auth(&s.officer)
        .json(&body)
        .send()
        .await
        .expect("nominate");
    assert_eq!(response.status(), StatusCode::CREATED);
    let traceparent = response.headers()["traceparent"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let trace_id = hex::decode(traceparent.split('-').nth(1).expect("trace id")).expect("hex");
    s.stack.stop().await;
    // Shutting the provider down flushes every batch; it blocks, so off the async threads.
    tokio::task::spawn_blocking(move || drop(guard))
        .await
        .expect("flush");

    let mut spans: Vec<Span> = Vec::new();
    while let Ok(Some(request)) = tokio::time::timeout(Duration::from_secs(2), rx.recv()).await {
        for resource in request.resource_spans {
            let service = resource
                .resource
                .as_ref()
                .and_then(|r| r.attributes.iter().find(|kv| kv.key == "service.name"))
                .is_some();
            assert!(service, "every export names its service");
            spans.extend(
                resource
                    .scope_spans
                    .into_iter()
                    .flat_map(|s| s.spans)
                    .filter(|s| s.trace_id == trace_id),
            );
        }
    }
    let names: Vec<&str> = spans.iter().map(|s| s.name.as_str()).collect();
    let gateway = spans
        .iter()
        .find(|s| s.name == "POST /api/v1/contests/{id}/nominations")
        .unwrap_or_else(|| panic!("the gateway's span: {names:?}"));
    let nomination = spans
        .iter()
        .find(|s| {
            attribute(s, "juxuan.service").as_deref() == Some("nomination")
                && s.name
                    .starts_with("/juxuan.nomination.v1.NominationService/")
        })
        .unwrap_or_else(|| panic!("the nomination service's span: {names:?}"));
    let sql = spans
        .iter()
        .filter(|s| attribute(s, "db.system").as_deref() == Some("postgresql"))
        .count();
    assert!(sql > 0, "SQL spans in the trace: {names:?}");
    // The nomination span descends from the gateway's (through the gRPC client span).
    let parent_of = |span: &Span| spans.iter().find(|p| p.span_id == span.parent_span_id);
    let mut at = nomination;
    let mut reached = false;
    while let Some(parent) = parent_of(at) {
        if parent.span_id == gateway.span_id {
            reached = true;
            break;
        }
        at = parent;
    }
    assert!(reached, "nomination → gateway ancestry: {names:?}");
}
