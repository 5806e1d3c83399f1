//! Passenger intake: receives advance passenger information (API) and PNR data from carriers and
//! agency systems, validates and stores it, and publishes it for risk targeting.
//!
//! Implemented: `SubmitApiReport` and `StreamApiReports` (bidirectional: streamed items are
//! micro-batched, each batch stored in one transaction and answered with one result per item as
//! soon as it is committed), `SubmitPaxlst` (a raw UN/EDIFACT interchange, one result per message,
//! multi-part messages put together across submissions), the audited reads `GetApiReport` and
//! `SearchTravellers`, and PNRs: `SubmitPnr` and `StreamPnrs` (every push of a booking a new
//! version, stored in normalised tables), `SubmitPnrgov` (a raw PNRGOV interchange, one result
//! per message and per PNR) and the audited `GetPnr`; a traveller on an API report and in a PNR of
//! their booking is linked to one traveller (`link`); PNR retention masks and deletes on schedule,
//! and `RepersonalisePnr` discloses a masked PNR on an approved, audited request.

mod batch;
mod event;
mod keys;
mod link;
mod paxlst;
mod pnr;
mod pnrgov;
/// The PNR retention job, public so tests can run a sweep with their own clock.
pub use pnr::retention;
mod read;
mod store;
mod stream;
mod times;
pub mod validate;
mod warnings;

use std::sync::Arc;

use gatehouse_platform::{
    auth::{self, Role},
    bus::Bus,
    config::ServiceConfig,
    events::to_timestamp,
    intake,
    outbox::Relay,
    runtime::{RuntimeError, ServiceRuntime},
    units::UnitDirectory,
};
use gatehouse_proto::v1::{
    GetApiReportRequest, GetApiReportResponse, GetPnrRequest, GetPnrResponse,
    RepersonalisePnrRequest, RepersonalisePnrResponse, SearchTravellersRequest,
    SearchTravellersResponse, StreamApiReportsRequest, StreamApiReportsResponse, StreamPnrsRequest,
    StreamPnrsResponse, SubmissionResult, SubmissionStatus, SubmitApiReportRequest,
    SubmitApiReportResponse, SubmitPaxlstRequest, SubmitPaxlstResponse, SubmitPnrRequest,
    SubmitPnrResponse, SubmitPnrgovRequest, SubmitPnrgovResponse,
    passenger_intake_service_server::{PassengerIntakeService, PassengerIntakeServiceServer},
};
use sqlx::PgPool;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status, Streaming, codegen::BoxStream, service::Routes};

use crate::{batch::Outcome, stream::ApiReports, validate::Limits};

static MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Room left under the server's payload limit for the headers of a published event.
const EVENT_HEADROOM: usize = 64 * 1024;

gatehouse_platform::service_binary!(PassengerIntake);

/// Runs the service on `listener` until `shutdown`.
pub async fn run(
    config: ServiceConfig,
    listener: TcpListener,
    shutdown: gatehouse_platform::runtime::Shutdown,
) -> Result<(), RuntimeError> {
    let retention = pnr::retention::Policy::from_env()?;
    let mut runtime = ServiceRuntime::start(config, &MIGRATIONS).await?;
    runtime.spawn(pnr::retention::run(
        runtime.pool.clone(),
        retention,
        runtime.shutdown.clone(),
    ));
    let service = PassengerIntake {
        pool: runtime.pool.clone(),
        relay: runtime.relay.clone(),
        bus: runtime.bus.clone(),
        draining: runtime.draining.clone(),
        batch_size: intake::batch_size_from_env(),
        units: runtime.units.clone(),
    };
    let routes = Routes::new(PassengerIntakeServiceServer::with_interceptor(
        service,
        runtime.interceptor(),
    ));
    runtime
        .serve(
            listener,
            routes,
            &["gatehouse.v1.PassengerIntakeService"],
            shutdown,
        )
        .await
}

/// Everything that can go wrong in intake, mapped to a gRPC status in one place.
pub use gatehouse_platform::intake::IntakeError;

#[derive(Clone)]
pub struct PassengerIntake {
    pool: PgPool,
    relay: Relay,
    bus: Bus,
    draining: CancellationToken,
    batch_size: usize,
    units: Arc<UnitDirectory>,
}

#[tonic::async_trait]
impl PassengerIntakeService for PassengerIntake {
    #[tracing::instrument(skip_all, fields(agency))]
    async fn submit_api_report(
        &self,
        request: Request<SubmitApiReportRequest>,
    ) -> Result<Response<SubmitApiReportResponse>, Status> {
        let caller = auth::caller(&request)?;
        caller.require_any(&[Role::Submitter])?;
        tracing::Span::current().record("agency", caller.agency.as_str());
        let valid = validate::validate(request.into_inner(), &caller.agency, &self.limits())
            .map_err(IntakeError::Invalid)?;
        let outcome = batch::store(
            &self.pool,
            &self.relay,
            &caller.agency,
            std::slice::from_ref(&valid),
        )
        .await?
        .into_iter()
        .next()
        .ok_or(IntakeError::Internal(
            "a stored batch of one has no outcome",
        ))?;
        if outcome.duplicate {
            tracing::info!(report_id = %outcome.report_id, "duplicate api report, returning first result");
        } else {
            tracing::info!(
                report_id = %outcome.report_id,
                flight_id = %outcome.flight_id,
                version = outcome.version,
                travellers = outcome.traveller_count,
                "api report accepted"
            );
        }
        Ok(Response::new(SubmitApiReportResponse {
            report_id: outcome.report_id.to_string(),
            accepted_at: Some(to_timestamp(outcome.accepted_at)),
            traveller_count: outcome.traveller_count,
            duplicate: outcome.duplicate,
            flight_id: outcome.flight_id.to_string(),
            version: outcome.version,
            warnings: valid.warnings,
        }))
    }

    #[tracing::instrument(skip_all, fields(agency, actor))]
    async fn get_api_report(
        &self,
        request: Request<GetApiReportRequest>,
    ) -> Result<Response<GetApiReportResponse>, Status> {
        let (caller, scope) = self.reader(&request, &read::READERS)?;
        let response =
            read::get_api_report(&self.pool, &caller, &scope, request.into_inner()).await?;
        tracing::info!(report_id = %response.report_id, "api report read");
        Ok(Response::new(response))
    }

    #[tracing::instrument(skip_all, fields(agency, actor))]
    async fn search_travellers(
        &self,
        request: Request<SearchTravellersRequest>,
    ) -> Result<Response<SearchTravellersResponse>, Status> {
        let (caller, scope) = self.reader(&request, &read::READERS)?;
        let response =
            read::search_travellers(&self.pool, &caller, &scope, request.into_inner()).await?;
        tracing::info!(found = response.travellers.len(), "travellers searched");
        Ok(Response::new(response))
    }

    #[tracing::instrument(skip_all, fields(agency, bytes))]
    async fn submit_paxlst(
        &self,
        request: Request<SubmitPaxlstRequest>,
    ) -> Result<Response<SubmitPaxlstResponse>, Status> {
        let caller = auth::caller(&request)?;
        caller.require_any(&[Role::Submitter])?;
        let span = tracing::Span::current();
        span.record("agency", caller.agency.as_str());
        let request = request.into_inner();
        span.record("bytes", request.edifact.len());
        let response = paxlst::submit(self, &caller.agency, request).await?;
        let count = |status: SubmissionStatus| {
            response
                .messages
                .iter()
                .filter(|m| m.result.as_ref().is_some_and(|r| r.status == status as i32))
                .count()
        };
        tracing::info!(
            messages = response.messages.len(),
            accepted = count(SubmissionStatus::Accepted),
            duplicates = count(SubmissionStatus::Duplicate),
            pending = count(SubmissionStatus::Pending),
            rejected = count(SubmissionStatus::Rejected),
            travellers = response.traveller_count,
            "paxlst interchange received"
        );
        Ok(Response::new(response))
    }

    #[tracing::instrument(skip_all, fields(agency))]
    async fn stream_api_reports(
        &self,
        request: Request<Streaming<StreamApiReportsRequest>>,
    ) -> Result<Response<BoxStream<StreamApiReportsResponse>>, Status> {
        let caller = auth::caller(&request)?;
        caller.require_any(&[Role::Submitter])?;
        tracing::Span::current().record("agency", caller.agency.as_str());
        Ok(Response::new(intake::stream::<ApiReports>(
            self.clone(),
            self.stream_settings(),
            caller.agency.clone(),
            request.into_inner(),
        )))
    }

    #[tracing::instrument(skip_all, fields(agency))]
    async fn submit_pnr(
        &self,
        request: Request<SubmitPnrRequest>,
    ) -> Result<Response<SubmitPnrResponse>, Status> {
        let caller = auth::caller(&request)?;
        caller.require_any(&[Role::Submitter])?;
        tracing::Span::current().record("agency", caller.agency.as_str());
        let response = pnr::submit(self, &caller.agency, request.into_inner()).await?;
        Ok(Response::new(response))
    }

    #[tracing::instrument(skip_all, fields(agency, bytes))]
    async fn submit_pnrgov(
        &self,
        request: Request<SubmitPnrgovRequest>,
    ) -> Result<Response<SubmitPnrgovResponse>, Status> {
        let caller = auth::caller(&request)?;
        caller.require_any(&[Role::Submitter])?;
        let span = tracing::Span::current();
        span.record("agency", caller.agency.as_str());
        let request = request.into_inner();
        span.record("bytes", request.edifact.len());
        let response = pnrgov::submit(self, &caller.agency, request).await?;
        let pnrs = response.messages.iter().flat_map(|m| &m.pnrs);
        let count =
            |status: SubmissionStatus| pnrs.clone().filter(|r| r.status == status as i32).count();
        tracing::info!(
            messages = response.messages.len(),
            unreadable_messages = response
                .messages
                .iter()
                .filter(|m| m.rejected.is_some())
                .count(),
            accepted = count(SubmissionStatus::Accepted),
            duplicates = count(SubmissionStatus::Duplicate),
            rejected = count(SubmissionStatus::Rejected),
            "pnrgov interchange received"
        );
        Ok(Response::new(response))
    }

    #[tracing::instrument(skip_all, fields(agency))]
    async fn stream_pnrs(
        &self,
        request: Request<Streaming<StreamPnrsRequest>>,
    ) -> Result<Response<BoxStream<StreamPnrsResponse>>, Status> {
        let caller = auth::caller(&request)?;
        caller.require_any(&[Role::Submitter])?;
        tracing::Span::current().record("agency", caller.agency.as_str());
        Ok(Response::new(intake::stream::<pnr::Pnrs>(
            self.clone(),
            self.stream_settings(),
            caller.agency.clone(),
            request.into_inner(),
        )))
    }

    #[tracing::instrument(skip_all, fields(agency, actor))]
    async fn get_pnr(
        &self,
        request: Request<GetPnrRequest>,
    ) -> Result<Response<GetPnrResponse>, Status> {
        let (caller, scope) = self.reader(&request, &read::READERS)?;
        let response = pnr::get(&self.pool, &caller, &scope, request.into_inner())
            .await?
            .ok_or_else(|| Status::not_found("pnr not found"))?;
        tracing::info!(pnr_id = %response.pnr_id, version = response.version, "pnr read");
        Ok(Response::new(response))
    }

    #[tracing::instrument(skip_all, fields(agency, actor))]
    async fn repersonalise_pnr(
        &self,
        request: Request<RepersonalisePnrRequest>,
    ) -> Result<Response<RepersonalisePnrResponse>, Status> {
        let (caller, scope) = self.reader(&request, &pnr::retention::REPERSONALISERS)?;
        let response =
            pnr::retention::repersonalise(&self.pool, &caller, &scope, request.into_inner())
                .await?;
        tracing::info!(pnr_id = %response.pnr_id, audit_id = %response.audit_id, "pnr re-personalised");
        Ok(Response::new(response))
    }
}

impl PassengerIntake {
    /// The caller of a personal-data read, if it holds one of `roles`, and what it may see; the
    /// span records who reads.
    fn reader<T>(
        &self,
        request: &Request<T>,
        roles: &[Role],
    ) -> Result<(auth::Caller, read::Scope), Status> {
        let caller = auth::caller(request)?;
        caller.require_any(roles)?;
        let span = tracing::Span::current();
        span.record("agency", caller.agency.as_str());
        span.record("actor", caller.subject.as_str());
        let scope = read::Scope::of(&caller, &self.units);
        Ok((caller, scope))
    }

    fn stream_settings(&self) -> intake::StreamSettings {
        intake::StreamSettings {
            draining: self.draining.clone(),
            batch_size: self.batch_size,
        }
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

use gatehouse_platform::intake::rejected;

fn result(message_id: String, outcome: &Outcome) -> SubmissionResult {
    SubmissionResult {
        message_id,
        status: if outcome.duplicate {
            SubmissionStatus::Duplicate
        } else {
            SubmissionStatus::Accepted
        } as i32,
        record_id: outcome.report_id.to_string(),
        accepted_at: Some(to_timestamp(outcome.accepted_at)),
        item_count: outcome.traveller_count,
        version: outcome.version,
        ..Default::default()
    }
}
