//! Passenger intake: receives advance passenger information (API) and PNR data from carriers and
//! agency systems, validates and stores it, and publishes it for risk targeting.
//!
//! Implemented: `SubmitApiReport`, `StreamApiReports` (each item stored in its own transaction,
//! with a result per item). Declared for later issues (answer `UNIMPLEMENTED`): `SubmitPaxlst`, `SubmitPnr`, `StreamPnrs`, `SubmitPnrgov`, `GetApiReport`,
//! `GetPnr`, `RepersonalisePnr`.

mod store;
pub mod validate;

use futures::StreamExt;
use gatehouse_platform::{
    auth::{self, Role},
    bus::{BusError, OutboundEvent, subjects},
    config::ServiceConfig,
    error::{FieldViolations, internal},
    events::{new_event_id, now_timestamp, to_timestamp},
    outbox::Relay,
    runtime::{RuntimeError, ServiceRuntime},
};
use gatehouse_proto::v1::{
    ApiReportAccepted, StreamApiReportsRequest, StreamApiReportsResponse, SubmissionResult,
    SubmissionStatus, SubmitApiReportRequest, SubmitApiReportResponse,
    passenger_intake_service_server::{PassengerIntakeService, PassengerIntakeServiceServer},
};
use sqlx::PgPool;
use tokio::net::TcpListener;
use tonic::{Request, Response, Status, service::Routes};

static MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

gatehouse_platform::service_binary!(PassengerIntake);

/// Runs the service on `listener` until `shutdown`.
pub async fn run(
    config: ServiceConfig,
    listener: TcpListener,
    shutdown: gatehouse_platform::runtime::Shutdown,
) -> Result<(), RuntimeError> {
    let runtime = ServiceRuntime::start(config, &MIGRATIONS).await?;
    let service = PassengerIntake {
        pool: runtime.pool.clone(),
        relay: runtime.relay.clone(),
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

/// Everything that can go wrong in this service, mapped to a gRPC status in one place.
#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    #[error("invalid request: {0}")]
    Invalid(FieldViolations),
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("event: {0}")]
    Event(#[from] BusError),
}

impl From<IntakeError> for Status {
    fn from(error: IntakeError) -> Self {
        match error {
            IntakeError::Invalid(violations) => violations.into_status(),
            IntakeError::Db(e) => internal(&e),
            IntakeError::Event(e) => internal(&e),
        }
    }
}

pub struct PassengerIntake {
    pool: PgPool,
    relay: Relay,
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
        let valid = validate::validate(request.into_inner()).map_err(IntakeError::Invalid)?;
        let response = self.accept(&caller.agency, valid).await?;
        if response.duplicate {
            tracing::info!(report_id = %response.report_id, "duplicate api report, returning first result");
        } else {
            tracing::info!(report_id = %response.report_id, travellers = response.traveller_count, "api report accepted");
        }
        Ok(Response::new(response))
    }
    #[tracing::instrument(skip_all, fields(agency))]
    async fn stream_api_reports(
        &self,
        request: Request<tonic::Streaming<StreamApiReportsRequest>>,
    ) -> Result<Response<StreamApiReportsResponse>, Status> {
        let caller = auth::caller(&request)?;
        caller.require_any(&[Role::Submitter])?;
        tracing::Span::current().record("agency", caller.agency.as_str());
        let mut items = request.into_inner();
        let mut response = StreamApiReportsResponse::default();
        while let Some(item) = items.next().await {
            let item = item?;
            let message_id = item.message_id.clone();
            let submission = SubmitApiReportRequest {
                message_id: item.message_id,
                report: item.report,
            };
            let result = match validate::validate(submission) {
                // A bad item is reported and skipped; the rest of the stream still counts.
                Err(violations) => {
                    response.rejected_count += 1;
                    SubmissionResult {
                        message_id,
                        status: SubmissionStatus::Rejected as i32,
                        reason: violations.to_string(),
                        ..Default::default()
                    }
                }
                Ok(valid) => {
                    let accepted = self.accept(&caller.agency, valid).await?;
                    if accepted.duplicate {
                        response.duplicate_count += 1;
                    } else {
                        response.accepted_count += 1;
                    }
                    SubmissionResult {
                        message_id,
                        status: if accepted.duplicate {
                            SubmissionStatus::Duplicate
                        } else {
                            SubmissionStatus::Accepted
                        } as i32,
                        record_id: accepted.report_id,
                        reason: String::new(),
                        accepted_at: accepted.accepted_at,
                        item_count: accepted.traveller_count,
                    }
                }
            };
            response.results.push(result);
        }
        tracing::info!(
            accepted = response.accepted_count,
            duplicates = response.duplicate_count,
            rejected = response.rejected_count,
            "api report stream ended"
        );
        Ok(Response::new(response))
    }
}

impl PassengerIntake {
    /// Stores the report and its `ApiReportAccepted` event in one transaction, or returns the
    /// first result when the agency sent this `message_id` before.
    async fn accept(
        &self,
        agency: &str,
        valid: validate::ValidReport,
    ) -> Result<SubmitApiReportResponse, IntakeError> {
        let report_id = uuid::Uuid::now_v7();
        let traveller_ids: Vec<uuid::Uuid> = valid
            .travellers
            .iter()
            .map(|_| uuid::Uuid::now_v7())
            .collect();
        let mut tx = self.pool.begin().await?;
        let Some(accepted_at) = store::insert_report(&mut tx, report_id, agency, &valid).await?
        else {
            tx.rollback().await?;
            let first = store::find_by_message_id(&self.pool, agency, &valid.message_id).await?;
            return Ok(SubmitApiReportResponse {
                report_id: first.report_id.to_string(),
                accepted_at: Some(to_timestamp(first.received_at)),
                traveller_count: first.traveller_count,
                duplicate: true,
            });
        };
        store::insert_travellers(&mut tx, report_id, &traveller_ids, &valid).await?;
        let traveller_count = i32::try_from(traveller_ids.len()).unwrap_or(i32::MAX);
        let event = ApiReportAccepted {
            event_id: new_event_id(),
            occurred_at: Some(now_timestamp()),
            report_id: report_id.to_string(),
            message_id: valid.message_id.clone(),
            agency: agency.to_owned(),
            report: Some(valid.report),
            traveller_ids: traveller_ids.iter().map(ToString::to_string).collect(),
        };
        let outbound = OutboundEvent::new(subjects::API_ACCEPTED, &event)?;
        gatehouse_platform::outbox::enqueue(&mut tx, &[outbound]).await?;
        tx.commit().await?;
        self.relay.notify();
        Ok(SubmitApiReportResponse {
            report_id: report_id.to_string(),
            accepted_at: Some(to_timestamp(accepted_at)),
            traveller_count,
            duplicate: false,
        })
    }
}
