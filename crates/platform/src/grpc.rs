//! The gRPC server every service runs: its own services plus health, reflection (v1 and v1alpha,
//! for grpcurl and older tools), gRPC-Web with CORS for browser dashboards, request spans that
//! continue the caller's trace, and graceful shutdown.

use tokio::net::TcpListener;
use tokio_stream::wrappers::TcpListenerStream;
use tonic::{service::Routes, transport::Server};
use tonic_health::ServingStatus;
use tower_http::cors::{Any, CorsLayer};

use crate::telemetry;

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("reflection: {0}")]
    Reflection(String),
    #[error("grpc server: {0}")]
    Transport(#[from] tonic::transport::Error),
}

/// Serves `routes` on `listener` until `shutdown` completes, then drains in-flight calls.
/// `service_names` are the fully qualified names reported SERVING by the health service.
pub async fn serve(
    listener: TcpListener,
    routes: Routes,
    service_names: &[&str],
    shutdown: crate::runtime::Shutdown,
) -> Result<(), ServeError> {
    let (health, health_service) = tonic_health::server::health_reporter();
    health.set_service_status("", ServingStatus::Serving).await;
    for name in service_names {
        health
            .set_service_status(*name, ServingStatus::Serving)
            .await;
    }
    let reflection_v1 = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(gatehouse_proto::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1()
        .map_err(|e| ServeError::Reflection(e.to_string()))?;
    let reflection_v1alpha = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(gatehouse_proto::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1alpha()
        .map_err(|e| ServeError::Reflection(e.to_string()))?;

    let routes = routes
        .add_service(health_service)
        .add_service(reflection_v1)
        .add_service(reflection_v1alpha);
    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_headers(Any)
        .allow_methods(Any)
        .expose_headers(Any);
    let health_on_shutdown = health.clone();
    let shutdown = async move {
        shutdown.await;
        // Load balancers stop routing here while in-flight calls finish.
        health_on_shutdown
            .set_service_status("", ServingStatus::NotServing)
            .await;
    };
    Server::builder()
        .accept_http1(true)
        .trace_fn(telemetry::grpc_request_span)
        .layer(cors)
        .layer(tonic_web::GrpcWebLayer::new())
        .add_routes(routes)
        .serve_with_incoming_shutdown(TcpListenerStream::new(listener), shutdown)
        .await?;
    Ok(())
}

/// Completes on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::warn!(%error, "cannot listen for ctrl-c");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("shutdown requested");
}
