//! Streamed submissions (API reports, PNRs, manifests): the reader micro-batches the items it
//! receives, the store keeps each batch in one transaction and answers it with one result per
//! item, in order, as soon as it is committed. What differs between kinds of item is a
//! [`Submissions`]; [`stream`] runs one.

use std::{future::Future, time::Duration};

use futures::StreamExt;
use gatehouse_proto::v1::{SubmissionResult, SubmissionStatus};
use tokio::{sync::mpsc, time::Instant};
use tokio_stream::wrappers::ReceiverStream;
use tokio_util::sync::CancellationToken;
use tonic::{Code, Status, Streaming, codegen::BoxStream};
use tracing::Instrument;

use crate::{
    bus::BusError,
    db,
    error::{FieldViolations, internal},
};

/// Items of a stream stored together at most (`GATEHOUSE_INTAKE_BATCH` overrides).
pub const DEFAULT_BATCH: usize = 256;
const MAX_BATCH: usize = 4_096;
/// Longest client message id echoed back in a rejection.
pub const MAX_MESSAGE_ID: usize = 128;

/// How long a batch waits for more items after its first one.
const BATCH_WINDOW: Duration = Duration::from_millis(5);
/// Response messages buffered for a slow reader; with one gathered batch waiting and one being
/// stored, a stream holds at most four batches before the client feels backpressure.
const RESPONSES_IN_FLIGHT: usize = 2;

/// One kind of streamed item: how it is checked, stored and answered.
pub trait Submissions: Send + 'static {
    /// The service that stores the items.
    type Service: Clone + Send + Sync + 'static;
    type Request: Send + 'static;
    type Valid: Send + 'static;
    type Response: Send + 'static;
    /// What validation depends on in the deployment (e.g. the bus's payload limit), read once
    /// per batch.
    type Limits: Send + Sync;
    type Error: Into<Status> + Send;
    /// What the items are called in logs, e.g. `api report`.
    const KIND: &'static str;

    fn limits(service: &Self::Service) -> Self::Limits;

    fn check(
        request: Self::Request,
        agency: &str,
        limits: &Self::Limits,
    ) -> Result<Self::Valid, Rejected>;

    /// Stores `valid` in one batch: exactly one result per item, in order.
    fn store(
        service: &Self::Service,
        agency: &str,
        valid: Vec<Self::Valid>,
    ) -> impl Future<Output = Result<Vec<SubmissionResult>, Self::Error>> + Send;

    fn respond(results: Vec<SubmissionResult>) -> Self::Response;
}

/// An item refused by validation: answered, never stored.
pub struct Rejected {
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

/// How a service runs its streams.
#[derive(Clone)]
pub struct StreamSettings {
    /// Cancelled when the service drains: open streams end with `UNAVAILABLE`.
    pub draining: CancellationToken,
    pub batch_size: usize,
}

/// A stream's two tasks share the service and its settings.
struct Runner<S: Submissions> {
    service: S::Service,
    settings: StreamSettings,
}

impl<S: Submissions> Clone for Runner<S> {
    fn clone(&self) -> Self {
        Self {
            service: self.service.clone(),
            settings: self.settings.clone(),
        }
    }
}

/// Answers the `inbound` items of `agency`: a reader and a store task, connected so that a client
/// sending faster than the store keeps up is slowed down by HTTP/2 flow control.
pub fn stream<S: Submissions>(
    service: S::Service,
    settings: StreamSettings,
    agency: String,
    inbound: Streaming<S::Request>,
) -> BoxStream<S::Response> {
    Runner::<S> { service, settings }.start(agency, inbound)
}

impl<S: Submissions> Runner<S> {
    fn start(self, agency: String, inbound: Streaming<S::Request>) -> BoxStream<S::Response> {
        // Capacity 1: one batch waits while the one before is stored; the reader stops reading
        // (and HTTP/2 flow control stops the client) beyond that.
        let (batches, gathered) = mpsc::channel(1);
        let (responses, answered) = mpsc::channel(RESPONSES_IN_FLIGHT);
        let span = tracing::Span::current();
        tokio::spawn(
            self.clone()
                .gather(inbound, agency.clone(), batches)
                .instrument(span.clone()),
        );
        tokio::spawn(
            self.clone()
                .store_batches(gathered, agency, responses)
                .instrument(span),
        );
        Box::pin(ReceiverStream::new(answered))
    }

    /// Reads the request stream into batches: up to `batch_size` items, or what arrived within
    /// [`BATCH_WINDOW`] of the first, and more while the store is still busy with the last one.
    async fn gather(
        self,
        mut inbound: Streaming<S::Request>,
        agency: String,
        batches: mpsc::Sender<Gathered<S::Valid>>,
    ) {
        let mut received = 0usize;
        loop {
            let first = tokio::select! {
                biased;
                () = self.settings.draining.cancelled() => {
                    let _ = batches.send(Gathered::Failed(shutting_down())).await;
                    return;
                }
                next = inbound.next() => next,
            };
            let limits = S::limits(&self.service);
            let mut batch = Vec::with_capacity(self.settings.batch_size.min(64));
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
            while end.is_none() && batch.len() < self.settings.batch_size {
                match tokio::time::timeout_at(deadline, inbound.next()).await {
                    Err(_) => break,
                    Ok(next) => end = take(next, &mut batch),
                }
            }
            let permit = loop {
                if end.is_some() || batch.len() >= self.settings.batch_size {
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
                None if self.settings.draining.is_cancelled() => {
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
            let results = match self.store_items(&agency, items).await {
                Ok(results) => results,
                Err(status) => {
                    let _ = responses.send(Err(status)).await;
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

    /// Results of a batch, in order; the status says why the batch failed (logged once, where
    /// the service's error became it).
    async fn store_items(
        &self,
        agency: &str,
        items: Vec<Item<S::Valid>>,
    ) -> Result<Vec<SubmissionResult>, Status> {
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
                }) => slots.push(Some(rejected(message_id, &violations))),
            }
        }
        let expected = valid.len();
        let stored = S::store(&self.service, agency, valid)
            .await
            .map_err(Into::into)?;
        if stored.len() != expected {
            return Err(internal(&"a stored batch has not one result per item"));
        }
        let mut stored = stored.into_iter();
        slots
            .into_iter()
            .map(|slot| {
                slot.or_else(|| stored.next())
                    .ok_or_else(|| internal(&"fewer results than valid items"))
            })
            .collect()
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

/// The batch size from `GATEHOUSE_INTAKE_BATCH`, else [`DEFAULT_BATCH`].
pub fn batch_size_from_env() -> usize {
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

/// The result of an item refused by validation: its field violations (bounded), never its
/// values.
pub fn rejected(mut message_id: String, violations: &FieldViolations) -> SubmissionResult {
    // The client's own key, cut so an oversized one does not come back whole.
    if let Some((end, _)) = message_id.char_indices().nth(MAX_MESSAGE_ID) {
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

/// Everything that can go wrong storing or reading intake records, mapped to a gRPC status in
/// one place.
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
    /// Unknown, or not the caller's to see: the two are not told apart.
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Internal(&'static str),
}

impl From<FieldViolations> for IntakeError {
    fn from(violations: FieldViolations) -> Self {
        Self::Invalid(violations)
    }
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
            IntakeError::NotFound(what) => Status::not_found(format!("{what} not found")),
            IntakeError::Event(e) => internal(&e),
            IntakeError::Internal(e) => internal(&e),
        }
    }
}
