//! Cargo intake: receives pre-arrival cargo manifests from carriers, forwarders and agency
//! systems, validates and stores them, and publishes them for risk targeting.
//!
//! Implemented: `SubmitManifest` and `StreamManifests` (bidirectional, micro-batched through the
//! platform's streamed submissions: each batch in one transaction, one result per item as soon as
//! it is committed) and the audited reads `GetManifest`, `GetConsignment` and
//! `SearchConsignments` (by container, transport document, party or vessel, in an arrival
//! window). A movement (mode, carrier, voyage, place of
//! entry; for air also the arrival date) keeps one id, and every manifest of it is a version; a
//! consignment (transport document + issuer) is a record of its own with versions, listed by the
//! manifest versions that carry it, and intake keeps the history of the parties it has seen
//! (first time a consignee appears, earlier consignments, earlier countries of loading), which
//! each `ManifestAccepted` carries. `SubmitCuscar` takes a raw UN/EDIFACT CUSCAR interchange,
//! one result per message, each mapped to the same manifest contract and validated alike.
//! `SubmitCargoImp` takes IATA Cargo-IMP messages: an FFM files its flight's movement, an FWB or
//! FHL keeps its waybills on file until a flight manifest lists them ([`imp`]).

mod batch;
pub mod cargo_imp;
pub mod cuscar;
mod event;
mod imp;
mod keys;
mod raw;
mod read;
mod store;
mod stream;
pub mod validate;

use std::sync::Arc;

use gatehouse_platform::{
    auth::{self, Role},
    bus::Bus,
    config::ServiceConfig,
    events::to_timestamp,
    intake,
    outbox::Relay,
    runtime::{RuntimeError, ServiceRuntime},
    units::{Scope, UnitDirectory},
};
use gatehouse_proto::v1::{
    GetConsignmentRequest, GetConsignmentResponse, GetManifestRequest, GetManifestResponse,
    SearchConsignmentsRequest, SearchConsignmentsResponse, StreamManifestsRequest,
    StreamManifestsResponse, SubmissionResult, SubmissionStatus, SubmitCargoImpRequest,
    SubmitCargoImpResponse, SubmitCuscarRequest, SubmitCuscarResponse, SubmitManifestRequest,
    SubmitManifestResponse,
    cargo_intake_service_server::{CargoIntakeService, CargoIntakeServiceServer},
};
use sqlx::PgPool;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status, Streaming, codegen::BoxStream, service::Routes};

use crate::{batch::Outcome, validate::Limits};

static MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Room left under the server's payload limit for the headers of a published event.
const EVENT_HEADROOM: usize = 64 * 1024;

gatehouse_platform::service_binary!(CargoIntake);

/// Runs the service on `listener` until `shutdown`.
pub async fn run(
    config: ServiceConfig,
    listener: TcpListener,
    shutdown: gatehouse_platform::runtime::Shutdown,
) -> Result<(), RuntimeError> {
    let runtime = ServiceRuntime::start(config, &MIGRATIONS).await?;
    let service = CargoIntake {
        pool: runtime.pool.clone(),
        relay: runtime.relay.clone(),
        bus: runtime.bus.clone(),
        draining: runtime.draining.clone(),
        batch_size: intake::batch_size_from_env(),
        units: runtime.units.clone(),
    };
    let routes = Routes::new(CargoIntakeServiceServer::with_interceptor(
        service,
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

/// Everything that can go wrong in intake, mapped to a gRPC status in one place.
pub use gatehouse_platform::intake::IntakeError;

#[derive(Clone)]
pub struct CargoIntake {
    pool: PgPool,
    relay: Relay,
    bus: Bus,
    draining: CancellationToken,
    batch_size: usize,
    units: Arc<UnitDirectory>,
}

#[tonic::async_trait]
impl CargoIntakeService for CargoIntake {
    #[tracing::instrument(skip_all, fields(agency))]
    async fn submit_manifest(
        &self,
        request: Request<SubmitManifestRequest>,
    ) -> Result<Response<SubmitManifestResponse>, Status> {
        let caller = auth::caller(&request)?;
        caller.require_any(&[Role::Submitter])?;
        tracing::Span::current().record("agency", caller.agency.as_str());
        let valid = validate::validate(request.into_inner(), &caller.agency, &self.limits())
            .map_err(IntakeError::Invalid)?;
        let [outcome] = <[Outcome; 1]>::try_from(
            batch::store(
                &self.pool,
                &self.relay,
                &caller.agency,
                std::slice::from_ref(&valid),
            )
            .await?,
        )
        .map_err(|_| IntakeError::Internal("a stored batch of one has not one outcome"))?;
        tracing::info!(
            manifest_id = %outcome.manifest_id,
            version = outcome.version,
            consignments = outcome.consignment_ids.len(),
            duplicate = outcome.duplicate,
            "manifest submitted"
        );
        Ok(Response::new(SubmitManifestResponse {
            manifest_id: outcome.manifest_id.to_string(),
            accepted_at: Some(to_timestamp(outcome.accepted_at)),
            consignment_count: count(&outcome),
            duplicate: outcome.duplicate,
            version: outcome.version,
            warnings: valid.warnings,
            consignment_ids: outcome
                .consignment_ids
                .iter()
                .map(ToString::to_string)
                .collect(),
        }))
    }

    #[tracing::instrument(skip_all, fields(agency))]
    async fn stream_manifests(
        &self,
        request: Request<Streaming<StreamManifestsRequest>>,
    ) -> Result<Response<BoxStream<StreamManifestsResponse>>, Status> {
        let caller = auth::caller(&request)?;
        caller.require_any(&[Role::Submitter])?;
        tracing::Span::current().record("agency", caller.agency.as_str());
        Ok(Response::new(intake::stream::<stream::Manifests>(
            self.clone(),
            intake::StreamSettings {
                draining: self.draining.clone(),
                batch_size: self.batch_size,
            },
            caller.agency.clone(),
            request.into_inner(),
        )))
    }

    #[tracing::instrument(skip_all, fields(agency, bytes))]
    async fn submit_cuscar(
        &self,
        request: Request<SubmitCuscarRequest>,
    ) -> Result<Response<SubmitCuscarResponse>, Status> {
        let caller = auth::caller(&request)?;
        caller.require_any(&[Role::Submitter])?;
        let span = tracing::Span::current();
        span.record("agency", caller.agency.as_str());
        let request = request.into_inner();
        span.record("bytes", request.edifact.len());
        let response = raw::submit_cuscar(self, &caller.agency, request).await?;
        raw::log_received("cuscar interchange", &response.messages);
        Ok(Response::new(response))
    }

    #[tracing::instrument(skip_all, fields(agency, bytes))]
    async fn submit_cargo_imp(
        &self,
        request: Request<SubmitCargoImpRequest>,
    ) -> Result<Response<SubmitCargoImpResponse>, Status> {
        let caller = auth::caller(&request)?;
        caller.require_any(&[Role::Submitter])?;
        let span = tracing::Span::current();
        span.record("agency", caller.agency.as_str());
        let request = request.into_inner();
        span.record("bytes", request.text.len());
        let response = imp::submit_cargo_imp(self, &caller.agency, request).await?;
        raw::log_received("cargo-imp messages", &response.messages);
        Ok(Response::new(response))
    }

    #[tracing::instrument(skip_all, fields(agency, actor))]
    async fn get_manifest(
        &self,
        request: Request<GetManifestRequest>,
    ) -> Result<Response<GetManifestResponse>, Status> {
        let (caller, scope) = self.reader(&request)?;
        let response =
            read::get_manifest(&self.pool, &caller, &scope, request.into_inner()).await?;
        tracing::info!(manifest_id = %response.manifest_id, version = response.version, "manifest read");
        Ok(Response::new(response))
    }

    #[tracing::instrument(skip_all, fields(agency, actor))]
    async fn get_consignment(
        &self,
        request: Request<GetConsignmentRequest>,
    ) -> Result<Response<GetConsignmentResponse>, Status> {
        let (caller, scope) = self.reader(&request)?;
        let response =
            read::get_consignment(&self.pool, &caller, &scope, request.into_inner()).await?;
        tracing::info!(consignment_id = %response.consignment_id, version = response.version, "consignment read");
        Ok(Response::new(response))
    }

    #[tracing::instrument(skip_all, fields(agency, actor))]
    async fn search_consignments(
        &self,
        request: Request<SearchConsignmentsRequest>,
    ) -> Result<Response<SearchConsignmentsResponse>, Status> {
        let (caller, scope) = self.reader(&request)?;
        let response =
            read::search_consignments(&self.pool, &caller, &scope, request.into_inner()).await?;
        tracing::info!(found = response.consignments.len(), "consignments searched");
        Ok(Response::new(response))
    }
}

impl CargoIntake {
    /// The caller of a read, if it holds a reader's role, and what it may see; the span records
    /// who reads.
    fn reader<T>(&self, request: &Request<T>) -> Result<(auth::Caller, Scope), Status> {
        let caller = auth::caller(request)?;
        caller.require_any(&read::READERS)?;
        let span = tracing::Span::current();
        span.record("agency", caller.agency.as_str());
        span.record("actor", caller.subject.as_str());
        let scope = Scope::of(&caller, &self.units);
        Ok((caller, scope))
    }

    /// Limits of the deployment; the event limit follows the NATS server's payload limit.
    fn limits(&self) -> Limits {
        let max_payload = self.bus.client().server_info().max_payload;
        if max_payload == 0 {
            // Not connected yet: the NATS default (1 MiB) less headroom.
            Limits::default()
        } else {
            Limits {
                max_event_bytes: max_payload.saturating_sub(EVENT_HEADROOM),
            }
        }
    }
}

fn count(outcome: &Outcome) -> i32 {
    i32::try_from(outcome.consignment_ids.len()).unwrap_or(i32::MAX)
}

fn result(message_id: String, outcome: &Outcome) -> SubmissionResult {
    SubmissionResult {
        message_id,
        status: if outcome.duplicate {
            SubmissionStatus::Duplicate
        } else {
            SubmissionStatus::Accepted
        } as i32,
        record_id: outcome.manifest_id.to_string(),
        accepted_at: Some(to_timestamp(outcome.accepted_at)),
        item_count: count(outcome),
        version: outcome.version,
        ..Default::default()
    }
}
