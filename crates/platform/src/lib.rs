//! Shared machinery of the Gatehouse services: configuration, telemetry, Postgres, JetStream,
//! outbox/inbox, authentication and the gRPC server kit.

/// Every binary that links the platform (services, CLI, tests) allocates with mimalloc: under
/// load the system allocator took a sixth of the services' CPU (profiled with `perf`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
pub mod intake;
pub mod interchange;
pub mod metrics;
pub mod outbox;
pub mod retention;
pub mod rows;
pub mod runtime;
pub mod telemetry;
pub mod units;

/// One masking wrapper for the workspace; the pure format crates need it without the platform.
pub use gatehouse_formats::Personal;
