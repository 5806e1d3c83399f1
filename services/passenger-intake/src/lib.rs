//! Passenger intake: receives advance passenger information (API) and PNR data from carriers and
//! agency systems, validates and stores it, and publishes it for risk targeting.
//!
//! Implemented: `SubmitApiReport` and `StreamApiReports` (bidirectional: streamed items are
//! micro-batched, each batch stored in one transaction and answered with one result per item as
//! soon as it is committed). Declared for later issues (answer `UNIMPLEMENTED`): `SubmitPaxlst`,
//! `SubmitPnr`, `StreamPnrs`, `SubmitPnrgov`, `GetApiReport`, `GetPnr`, `RepersonalisePnr`.

mod batch;
mod event;
mod keys;
mod store;
pub mod validate;

use std::time::Duration;

use futures::StreamExt;
use gatehouse_platform::{
    auth::{self, Role},
    bus::{Bus, BusError},
    config::ServiceConfig,
    db,
    error::{FieldViolations, internal},
    events::to_timestamp,
    outbox::Relay,
    runtime::{RuntimeError, ServiceRuntime},
};
use gatehouse_proto::v1::{
    StreamApiReportsRequest, StreamApiReportsResponse, SubmissionResult, SubmissionStatus,
    SubmitApiReportRequest, SubmitApiReportResponse,
    passenger_intake_service_server::{PassengerIntakeService, PassengerIntakeServiceServer},
};
use sqlx::PgPool;
use tokio::{net::TcpListener, sync::mpsc, time::Instant};
use tokio_stream::wrappers::ReceiverStream;
use tokio_util::sync::CancellationToken;
use tonic::{Code, Request, Response, Status, Streaming, codegen::BoxStream, service::Routes};
use tracing::Instrument;

use crate::{
    batch::Outcome,
    validate::{Limits, ValidReport},
};

static MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Items of a stream stored together at most (`GATEHOUSE_INTAKE_BATCH` overrides).
pub const DEFAULT_BATCH: usize = 256;
const MAX_BATCH: usize = 4_096;
/// How long a batch waits for more items after its first one.
const BATCH_WINDOW: Duration = Duration::from_millis(5);
/// Response messages buffered for a slow reader; with one gathered batch waiting and one being
/// stored, a stream holds at most four batches before the client feels backpressure.
const RESPONSES_IN_FLIGHT: usize = 2;
/// Room left under the server's payload limit for the headers of a published event.
const EVENT_HEADROOM: usize = 64 * 1024;

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
        bus: runtime.bus.clone(),
        draining: runtime.draining.clone(),
        batch_size: batch_size_from_env(),
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

fn batch_size_from_env() -> usize {
    let Ok(value) = std::env::var("GATEHOUSE_INTAKE_BATCH") else {
        return DEFAULT_BATCH;
    };
    match value.trim().parse::<usize>() {
        Ok(size) if (1..=MAX_BATCH).contains(&size) => size,
        _ => {
            tracing::warn!(
                value = %value,
                default = DEFAULT_BATCH,
                max = MAX_BATCH,
                "GATEHOUSE_INTAKE_BATCH is not a batch size, using the default"
            );
            DEFAULT_BATCH
        }
    }
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
    #[error("message ids kept being taken by concurrent submissions")]
    Contended,
    #[error("{0}")]
    Internal(&'static str),
}

impl From<IntakeError> for Status {
    fn from(error: IntakeError) -> Self {
        match error {
            IntakeError::Invalid(violations) => violations.into_status(),
            IntakeError::Db(e) => db::status(&e),
            IntakeError::Contended => {
                tracing::warn!("message ids contended by concurrent submissions");
                Status::unavailable("the same message ids are being submitted concurrently, retry")
            }
            IntakeError::Event(e) => internal(&e),
            IntakeError::Internal(e) => internal(&e),
        }
    }
}

#[derive(Clone)]
pub struct PassengerIntake {
    pool: PgPool,
    relay: Relay,
    bus: Bus,
    draining: CancellationToken,
    batch_size: usize,
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
        }))
    }

    #[tracing::instrument(skip_all, fields(agency))]
    async fn stream_api_reports(
        &self,
        request: Request<Streaming<StreamApiReportsRequest>>,
    ) -> Result<Response<BoxStream<StreamApiReportsResponse>>, Status> {
        let caller = auth::caller(&request)?;
        caller.require_any(&[Role::Submitter])?;
        tracing::Span::current().record("agency", caller.agency.as_str());
        let agency = caller.agency.clone();
        // Capacity 1: one batch waits while the one before is stored; the reader stops reading
        // (and HTTP/2 flow control stops the client) beyond that.
        let (batches, gathered) = mpsc::channel(1);
        let (responses, answered) = mpsc::channel(RESPONSES_IN_FLIGHT);
        let span = tracing::Span::current();
        tokio::spawn(
            self.clone()
                .gather(request.into_inner(), agency.clone(), batches)
                .instrument(span.clone()),
        );
        tokio::spawn(
            self.clone()
                .store_batches(gathered, agency, responses)
                .instrument(span),
        );
        Ok(Response::new(Box::pin(ReceiverStream::new(answered))))
    }
}

/// One streamed item after validation.
enum Item {
    Valid(Box<ValidReport>),
    Rejected {
        message_id: String,
        violations: FieldViolations,
    },
}

/// What the reader hands the store, in order.
enum Gathered {
    Batch(Vec<Item>),
    /// The stream cannot go on (unreadable item, shutdown): answered after the batches before.
    Failed(Status),
}

/// Why gathering stopped.
enum End {
    Closed,
    Failed(Status),
}

impl PassengerIntake {
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

    /// Reads the request stream into batches: up to `batch_size` items, or what arrived within
    /// [`BATCH_WINDOW`] of the first, and more while the store is still busy with the last one.
    async fn gather(
        self,
        mut inbound: Streaming<StreamApiReportsRequest>,
        agency: String,
        batches: mpsc::Sender<Gathered>,
    ) {
        let mut received = 0usize;
        loop {
            let first = tokio::select! {
                biased;
                () = self.draining.cancelled() => {
                    let _ = batches.send(Gathered::Failed(shutting_down())).await;
                    return;
                }
                next = inbound.next() => next,
            };
            let limits = self.limits();
            let mut batch = Vec::with_capacity(self.batch_size.min(64));
            let mut take = |next: Option<Result<StreamApiReportsRequest, Status>>,
                            batch: &mut Vec<Item>| match next {
                None => Some(End::Closed),
                Some(Err(status)) => Some(End::Failed(unreadable(&status, received))),
                Some(Ok(request)) => {
                    received += 1;
                    batch.push(check(request, &agency, &limits));
                    None
                }
            };
            let mut end = take(first, &mut batch);
            if batch.is_empty() {
                if let Some(End::Failed(status)) = end {
                    let _ = batches.send(Gathered::Failed(status)).await;
                }
                return;
            }
            let deadline = Instant::now() + BATCH_WINDOW;
            while end.is_none() && batch.len() < self.batch_size {
                match tokio::time::timeout_at(deadline, inbound.next()).await {
                    Err(_) => break,
                    Ok(next) => end = take(next, &mut batch),
                }
            }
            let permit = loop {
                if end.is_some() || batch.len() >= self.batch_size {
                    match batches.reserve().await {
                        Ok(permit) => break permit,
                        Err(_) => return,
                    }
                }
                tokio::select! {
                    biased;
                    permit = batches.reserve() => match permit {
                        Ok(permit) => break permit,
                        // The store stopped (database failure, client gone).
                        Err(_) => return,
                    },
                    next = inbound.next() => end = take(next, &mut batch),
                }
            };
            permit.send(Gathered::Batch(batch));
            match end {
                // A client that never pauses must not hold up the drain either.
                None if self.draining.is_cancelled() => {
                    let _ = batches.send(Gathered::Failed(shutting_down())).await;
                    return;
                }
                None => {}
                Some(End::Closed) => return,
                Some(End::Failed(status)) => {
                    let _ = batches.send(Gathered::Failed(status)).await;
                    return;
                }
            }
        }
    }

    /// Stores gathered batches in order and answers each with its results; stops at the first
    /// failure, so every result sent stays true.
    async fn store_batches(
        self,
        mut gathered: mpsc::Receiver<Gathered>,
        agency: String,
        responses: mpsc::Sender<Result<StreamApiReportsResponse, Status>>,
    ) {
        let (mut accepted, mut duplicates, mut rejected) = (0usize, 0usize, 0usize);
        while let Some(next) = gathered.recv().await {
            let items = match next {
                Gathered::Batch(items) => items,
                Gathered::Failed(status) => {
                    let _ = responses.send(Err(status)).await;
                    break;
                }
            };
            let results = match self.store_items(&agency, items).await {
                Ok(results) => results,
                Err(error) => {
                    // Logged once where the error becomes a status.
                    let _ = responses.send(Err(Status::from(error))).await;
                    break;
                }
            };
            for result in &results {
                match SubmissionStatus::try_from(result.status) {
                    Ok(SubmissionStatus::Accepted) => accepted += 1,
                    Ok(SubmissionStatus::Duplicate) => duplicates += 1,
                    _ => rejected += 1,
                }
            }
            if responses
                .send(Ok(StreamApiReportsResponse { results }))
                .await
                .is_err()
            {
                // The client went away; what was stored stays, a resend finds it as duplicates.
                break;
            }
        }
        tracing::info!(accepted, duplicates, rejected, "api report stream ended");
    }

    async fn store_items(
        &self,
        agency: &str,
        items: Vec<Item>,
    ) -> Result<Vec<SubmissionResult>, IntakeError> {
        let mut valid = Vec::with_capacity(items.len());
        let mut slots = Vec::with_capacity(items.len());
        for item in items {
            match item {
                Item::Valid(report) => {
                    valid.push(*report);
                    slots.push(None);
                }
                Item::Rejected {
                    message_id,
                    violations,
                } => slots.push(Some(rejected(message_id, &violations))),
            }
        }
        let outcomes = batch::store(&self.pool, &self.relay, agency, &valid).await?;
        let mut stored = valid.into_iter().zip(outcomes);
        let mut results = Vec::with_capacity(slots.len());
        for slot in slots {
            let result = match slot {
                Some(rejected) => rejected,
                None => {
                    let Some((report, outcome)) = stored.next() else {
                        return Err(IntakeError::Internal("fewer outcomes than valid items"));
                    };
                    result(report.message_id, &outcome)
                }
            };
            results.push(result);
        }
        Ok(results)
    }
}

fn check(request: StreamApiReportsRequest, agency: &str, limits: &Limits) -> Item {
    let message_id = request.message_id.clone();
    let submission = SubmitApiReportRequest {
        message_id: request.message_id,
        report: request.report,
    };
    match validate::validate(submission, agency, limits) {
        Ok(valid) => Item::Valid(Box::new(valid)),
        Err(violations) => Item::Rejected {
            message_id,
            violations,
        },
    }
}

fn rejected(mut message_id: String, violations: &FieldViolations) -> SubmissionResult {
    // The client's own key, cut so an oversized one does not come back whole.
    if let Some((end, _)) = message_id.char_indices().nth(validate::MAX_MESSAGE_ID) {
        message_id.truncate(end);
    }
    let (listed, more_violations) = violations.submission_violations();
    SubmissionResult {
        message_id,
        status: SubmissionStatus::Rejected as i32,
        reason: violations.summary(),
        violations: listed,
        more_violations,
        ..Default::default()
    }
}

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

fn shutting_down() -> Status {
    Status::unavailable(
        "server shutting down: resend the items not acknowledged to another replica",
    )
}

/// The status that ends a stream whose next item could not be read (undecodable, too large).
fn unreadable(status: &Status, received: usize) -> Status {
    tracing::warn!(code = ?status.code(), received, "unreadable api report stream item");
    let code = match status.code() {
        // A message over the size limit says which limit.
        Code::ResourceExhausted | Code::OutOfRange => Code::ResourceExhausted,
        Code::Cancelled => Code::Cancelled,
        _ => Code::InvalidArgument,
    };
    Status::new(
        code,
        format!(
            "item {} could not be read ({}); the {received} items before it are answered before this status",
            received + 1,
            status.message()
        ),
    )
}
