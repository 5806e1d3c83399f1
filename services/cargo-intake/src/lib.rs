//! Cargo intake: receives pre-arrival cargo manifests (structured, CUSCAR, Cargo-IMP) from
//! carriers and agency systems for risk targeting.
//!
//! This issue brings the service up with its platform tables (outbox, inbox, audit), streams,
//! authentication, health and reflection. All of `CargoIntakeService` — `SubmitManifest`,
//! `StreamManifests`, `SubmitCuscar`, `SubmitCargoImp`, `GetManifest` — is declared for the
//! cargo issue and answers `UNIMPLEMENTED` until then.

use gatehouse_platform::{
    config::ServiceConfig,
    runtime::{RuntimeError, ServiceRuntime},
};
use gatehouse_proto::v1::cargo_intake_service_server::{
    CargoIntakeService, CargoIntakeServiceServer,
};
use tokio::net::TcpListener;
use tonic::service::Routes;

gatehouse_platform::service_binary!(CargoIntake);

pub async fn run(
    config: ServiceConfig,
    listener: TcpListener,
    shutdown: gatehouse_platform::runtime::Shutdown,
) -> Result<(), RuntimeError> {
    // The manifest schema arrives with the cargo issue; until then only the platform tables exist.
    let runtime = ServiceRuntime::start(config, &sqlx::migrate::Migrator::DEFAULT).await?;
    let routes = Routes::new(CargoIntakeServiceServer::with_interceptor(
        CargoIntake,
        runtime.interceptor(),
    ));
    runtime
        .serve(
            listener,
            routes,
            &["gatehouse.v1.CargoIntakeService"],
            shutdown,
        )
        .await
}

pub struct CargoIntake;

impl CargoIntakeService for CargoIntake {}
