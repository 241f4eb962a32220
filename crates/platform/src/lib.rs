//! The platform every Juxuan service stands on.
//!
//! # Layout
//! - [`config`]: typed settings from environment variables, all problems reported at once.
//! - [`telemetry`]: JSON logs with trace ids, OpenTelemetry traces (OTLP), W3C propagation.
//! - [`metrics`]: the Prometheus recorder and request/pool figures.
//! - [`admin`]: `/healthz`, `/readyz`, `/metrics`.
//! - [`http`]: request span, trace headers and metrics middleware for axum.
//! - [`db`]: the Postgres pool and schema-per-service migrations.
//! - [`redis`]: the Redis connection manager.
//! - [`auth`]: token claims, roles, verification.
//! - [`scope`]: which caller may read or change which area (district ⊃ street ⊃ community).
//! - [`grpc`]: server layer (trace, auth, metrics), health, reflection, clients.
//! - [`error`]: the use-case error, mapped to gRPC statuses and RFC 9457 problems.
//! - [`events`]: transactional outbox, relay to Redis Streams, consumers.
//! - [`audit`]: the append-only, hash-chained audit log.
//! - [`service`]: start-up and command line of a gRPC service process.
//! - [`shutdown`]: graceful shutdown signalling.
//! - [`testing`]: per-test databases from a migrated template, for every crate's tests.

pub mod admin;
pub mod audit;
pub mod auth;
pub mod config;
pub mod db;
pub mod error;
pub mod events;
pub mod grpc;
pub mod http;
pub mod metrics;
pub mod redis;
pub mod retention;
pub mod scope;
pub mod service;
pub mod shutdown;
pub mod telemetry;
pub mod testing;

pub use error::{AppError, AppResult};
