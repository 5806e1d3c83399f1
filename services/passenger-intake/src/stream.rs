//! Streamed submissions (API reports, PNRs): the reader micro-batches the items it receives, the
//! store keeps each batch in one transaction and answers it with one result per item, in order,
//! as soon as it is committed. What differs between kinds of item is a [`Submissions`].

use std::{future::Future, time::Duration};

use futures::StreamExt;
use gatehouse_platform::error::FieldViolations;
use gatehouse_proto::v1::{
    StreamApiReportsRequest, StreamApiReportsResponse, SubmissionResult, SubmissionStatus,
    SubmitApiReportRequest,
};
use tokio::{sync::mpsc, time::Instant};
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Code, Status, Streaming, codegen::BoxStream};
use tracing::Instrument;

use crate::{
    IntakeError, PassengerIntake, batch,
    validate::{self, Limits, ValidReport},
};

/// How long a batch waits for more items after its first one.
const BATCH_WINDOW: Duration = Duration::from_millis(5);
/// Response messages buffered for a slow reader; with one gathered batch waiting and one being
/// stored, a stream holds at most four batches before the client feels backpressure.
const RESPONSES_IN_FLIGHT: usize = 2;

/// One kind of streamed item: how it is checked, stored and answered.
pub(crate) trait Submissions: Send + 'static {
    type Request: Send + 'static;
    type Valid: Send + 'static;
    type Response: Send + 'static;
    /// What the items are called in logs, e.g. `api report`.
    const KIND: &'static str;

    fn check(
        request: Self::Request,
        agency: &str,
        limits: &Limits,
    ) -> Result<Self::Valid, Rejected>;

    /// Stores `valid` in one batch: exactly one result per item, in order.
    fn store(
        intake: &PassengerIntake,
        agency: &str,
        valid: Vec<Self::Valid>,
    ) -> impl Future<Output = Result<Vec<SubmissionResult>, IntakeError>> + Send;

    fn respond(results: Vec<SubmissionResult>) -> Self::Response;
}

/// An item refused by validation: answered, never stored.
pub(crate) struct Rejected {
    pub message_id: String,
    pub violations: FieldViolations,
}

/// One streamed item after validation.
enum Item<V> {
    Valid(Box<V>),
    Rejected(Rejected),
}

/// What the reader hands the store, in order.
enum Gathered<V> {
    Batch(Vec<Item<V>>),
    /// The stream cannot go on (unreadable item, shutdown): answered after the batches before.
    Failed(Status),
}

/// Why gathering stopped.
enum End {
    Closed,
    Failed(Status),
}

impl PassengerIntake {
    /// Answers the `inbound` items of `agency`: a reader and a store task, connected so that a
    /// client sending faster than the store keeps up is slowed down by HTTP/2 flow control.
    pub(crate) fn stream<S: Submissions>(
        &self,
        agency: String,
        inbound: Streaming<S::Request>,
    ) -> BoxStream<S::Response> {
        // Capacity 1: one batch waits while the one before is stored; the reader stops reading
        // (and HTTP/2 flow control stops the client) beyond that.
        let (batches, gathered) = mpsc::channel(1);
        let (responses, answered) = mpsc::channel(RESPONSES_IN_FLIGHT);
        let span = tracing::Span::current();
        tokio::spawn(
            self.clone()
                .gather::<S>(inbound, agency.clone(), batches)
                .instrument(span.clone()),
        );
        tokio::spawn(
            self.clone()
                .store_batches::<S>(gathered, agency, responses)
                .instrument(span),
        );
        Box::pin(ReceiverStream::new(answered))
    }

    /// Reads the request stream into batches: up to `batch_size` items, or what arrived within
    /// [`BATCH_WINDOW`] of the first, and more while the store is still busy with the last one.
    async fn gather<S: Submissions>(
        self,
        mut inbound: Streaming<S::Request>,
        agency: String,
        batches: mpsc::Sender<Gathered<S::Valid>>,
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
            let mut take = |next: Option<Result<S::Request, Status>>,
                            batch: &mut Vec<Item<S::Valid>>| match next {
                None => Some(End::Closed),
                Some(Err(status)) => Some(End::Failed(unreadable::<S>(&status, received))),
                Some(Ok(request)) => {
                    received += 1;
                    batch.push(match S::check(request, &agency, &limits) {
                        Ok(valid) => Item::Valid(Box::new(valid)),
                        Err(rejected) => Item::Rejected(rejected),
                    });
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
    async fn store_batches<S: Submissions>(
        self,
        mut gathered: mpsc::Receiver<Gathered<S::Valid>>,
        agency: String,
        responses: mpsc::Sender<Result<S::Response, Status>>,
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
            let results = match self.store_items::<S>(&agency, items).await {
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
            if responses.send(Ok(S::respond(results))).await.is_err() {
                // The client went away; what was stored stays, a resend finds it as duplicates.
                break;
            }
        }
        tracing::info!(
            kind = S::KIND,
            accepted,
            duplicates,
            rejected,
            "submission stream ended"
        );
    }

    async fn store_items<S: Submissions>(
        &self,
        agency: &str,
        items: Vec<Item<S::Valid>>,
    ) -> Result<Vec<SubmissionResult>, IntakeError> {
        let mut valid = Vec::with_capacity(items.len());
        let mut slots = Vec::with_capacity(items.len());
        for item in items {
            match item {
                Item::Valid(submission) => {
                    valid.push(*submission);
                    slots.push(None);
                }
                Item::Rejected(Rejected {
                    message_id,
                    violations,
                }) => slots.push(Some(crate::rejected(message_id, &violations))),
            }
        }
        let expected = valid.len();
        let stored = S::store(self, agency, valid).await?;
        if stored.len() != expected {
            return Err(IntakeError::Internal(
                "a stored batch has not one result per item",
            ));
        }
        let mut stored = stored.into_iter();
        slots
            .into_iter()
            .map(|slot| {
                slot.or_else(|| stored.next())
                    .ok_or(IntakeError::Internal("fewer results than valid items"))
            })
            .collect()
    }
}

/// API reports: `StreamApiReports`.
pub(crate) struct ApiReports;

impl Submissions for ApiReports {
    type Request = StreamApiReportsRequest;
    type Valid = ValidReport;
    type Response = StreamApiReportsResponse;
    const KIND: &'static str = "api report";

    fn check(
        request: Self::Request,
        agency: &str,
        limits: &Limits,
    ) -> Result<ValidReport, Rejected> {
        let message_id = request.message_id.clone();
        let submission = SubmitApiReportRequest {
            message_id: request.message_id,
            report: request.report,
        };
        validate::validate(submission, agency, limits).map_err(|violations| Rejected {
            message_id,
            violations,
        })
    }

    async fn store(
        intake: &PassengerIntake,
        agency: &str,
        valid: Vec<ValidReport>,
    ) -> Result<Vec<SubmissionResult>, IntakeError> {
        let outcomes = batch::store(&intake.pool, &intake.relay, agency, &valid).await?;
        Ok(valid
            .into_iter()
            .zip(outcomes)
            .map(|(report, outcome)| {
                let mut result = crate::result(report.message_id, &outcome);
                result.warnings = report.warnings;
                result
            })
            .collect())
    }

    fn respond(results: Vec<SubmissionResult>) -> StreamApiReportsResponse {
        StreamApiReportsResponse { results }
    }
}

fn shutting_down() -> Status {
    Status::unavailable(
        "server shutting down: resend the items not acknowledged to another replica",
    )
}

/// The status that ends a stream whose next item could not be read (undecodable, too large).
fn unreadable<S: Submissions>(status: &Status, received: usize) -> Status {
    tracing::warn!(kind = S::KIND, code = ?status.code(), received, "unreadable stream item");
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
