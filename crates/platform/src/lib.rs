//! Shared machinery of the Gatehouse services: configuration, telemetry, Postgres, JetStream,
//! outbox/inbox, authentication and the gRPC server kit.

pub mod audit;
pub mod auth;
pub mod bus;
pub mod config;
pub mod consumer;
pub mod db;
pub mod error;
pub mod events;
pub mod grpc;
pub mod inbox;
pub mod metrics;
pub mod outbox;
pub mod personal;
pub mod runtime;
pub mod telemetry;
pub mod units;

pub use personal::Personal;
