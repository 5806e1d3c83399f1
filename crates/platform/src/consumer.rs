//! Durable pull consumers that apply events in batches.
//!
//! One reader per consumer pulls messages and gathers them into batches (as many as are ready,
//! up to the configured size, so a quiet stream still answers in milliseconds); several workers
//! apply batches at once. A handler applies a batch in one transaction that also records the
//! event ids it applied ([`crate::inbox`]), then every message is acknowledged.
//!
//! Failures are told apart by what they mean:
//! - infrastructure out of reach ([`HandlerError::Unavailable`]: Postgres or NATS down, pool
//!   timeout): the batch is kept and retried with backoff, its messages held with progress
//!   acknowledgements; nothing counts toward the dead-letter limit, consumption pauses;
//! - a failure that may be the data's ([`HandlerError::Failed`]): the batch is split and each
//!   event retried alone; an event still failing after `max_deliver` attempts is dead-lettered;
//! - an event the handler rejects (undecodable, wrong type) is dead-lettered at once.
//!
//! A dead-letter publish that fails is retried like an outage, so no message is stranded.
//! On shutdown, messages pulled but not yet applied are handed back at once (nak).

use std::{future::Future, sync::Arc, time::Duration};

use async_nats::jetstream::{self, AckKind};
use bytes::Bytes;
use futures::StreamExt;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use crate::{
    bus::{
        Bus, BusError, Durable, Event, HEADER_DLQ_CONSUMER, HEADER_DLQ_ERROR, HEADER_DLQ_SUBJECT,
        HEADER_EVENT, HEADER_MSG_ID, subjects,
    },
    db, telemetry,
};

/// How a consumer reads and retries.
#[derive(Debug, Clone)]
pub struct ConsumerSpec {
    pub durable: Durable,
    /// Attempts of an event that keeps failing (not for outages) before it is dead-lettered.
    pub max_deliver: i64,
    pub ack_wait: Duration,
    /// Largest batch applied in one transaction.
    pub batch: usize,
    /// Batches applied at the same time.
    pub concurrency: usize,
}

/// One delivered event.
#[derive(Debug)]
pub struct Delivery {
    /// Subject without the deployment prefix.
    pub subject: String,
    pub event_type: String,
    /// `Nats-Msg-Id`: the producer's event id, the key for exactly-once application.
    pub event_id: String,
    pub payload: Bytes,
    /// 1 for the first delivery.
    pub attempt: i64,
}

impl Delivery {
    /// Decodes the payload as `E`, rejecting events of another type.
    pub fn decode<E: Event>(&self) -> Result<E, String> {
        if self.event_type != E::TYPE {
            return Err(format!(
                "expected {} on {}, got {:?}",
                E::TYPE,
                self.subject,
                self.event_type
            ));
        }
        E::decode(self.payload.as_ref()).map_err(|e| format!("undecodable {}: {e}", E::TYPE))
    }
}

/// An event of a batch that can never be applied; it goes to the dead-letter stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    /// Position in the batch.
    pub index: usize,
    pub reason: String,
}

/// Decodes every delivery of `batch` as `E`: the events with their positions, and the
/// deliveries that are not an `E`.
pub fn decode_batch<E: Event>(batch: &[Delivery]) -> (Vec<(usize, E)>, Vec<Rejected>) {
    let mut events = Vec::with_capacity(batch.len());
    let mut rejected = Vec::new();
    for (index, delivery) in batch.iter().enumerate() {
        match delivery.decode::<E>() {
            Ok(event) => events.push((index, event)),
            Err(reason) => rejected.push(Rejected { index, reason }),
        }
    }
    (events, rejected)
}

/// Why a batch was not applied.
#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    /// Infrastructure out of reach: retry the same batch later; never the events' fault.
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// Might be the data: the events are retried one by one and dead-lettered after
    /// `max_deliver` attempts.
    #[error("failed: {0}")]
    Failed(String),
}

impl From<sqlx::Error> for HandlerError {
    fn from(error: sqlx::Error) -> Self {
        if db::is_unavailable(&error) {
            HandlerError::Unavailable(error.to_string())
        } else {
            HandlerError::Failed(error.to_string())
        }
    }
}

impl From<BusError> for HandlerError {
    fn from(error: BusError) -> Self {
        match error {
            BusError::Event(reason) | BusError::Unpublishable { reason, .. } => {
                HandlerError::Failed(reason)
            }
            other => HandlerError::Unavailable(other.to_string()),
        }
    }
}

/// Applies batches of events from one durable consumer.
pub trait BatchHandler: Send + Sync + 'static {
    /// Applies `batch` exactly once per event, in any order, and returns the events to
    /// dead-letter (undecodable or rejected); every other event is acknowledged afterwards.
    /// A handler that writes claims the batch's event ids in the same transaction
    /// ([`crate::inbox::claim`]) and applies only the ones it claimed.
    fn apply(
        &self,
        batch: &[Delivery],
    ) -> impl Future<Output = Result<Vec<Rejected>, HandlerError>> + Send;
}

/// How long a batch is gathered after its first message: short, so a quiet stream still
/// answers at once, long enough that a busy one fills batches.
const GATHER: Duration = Duration::from_millis(2);
const MAX_BACKOFF: Duration = Duration::from_secs(10);

/// Backoff before attempt `attempt + 1` of something that failed `attempt` times.
pub fn backoff(attempt: u32) -> Duration {
    let exponent = attempt.clamp(1, 7) - 1;
    Duration::from_millis(100 * 2u64.pow(exponent)).min(MAX_BACKOFF)
}

type Batch = Vec<jetstream::Message>;

/// Pulls and applies events until `shutdown`; returns when the message stream ends (the caller
/// resubscribes) or on shutdown, after handing back what it had not applied.
pub async fn run<H: BatchHandler>(
    bus: Bus,
    spec: ConsumerSpec,
    handler: Arc<H>,
    shutdown: CancellationToken,
) -> Result<(), BusError> {
    let consumer = bus.durable_consumer(&spec.durable).await?;
    let batch_size = spec.batch.max(1);
    let mut messages = consumer
        .stream()
        .max_messages_per_batch(batch_size)
        .messages()
        .await
        .map_err(|e| BusError::JetStream(e.to_string()))?;
    tracing::info!(consumer = spec.durable.name, "consuming");

    let concurrency = spec.concurrency.max(1);
    let (batches_tx, batches_rx) = mpsc::channel::<Batch>(concurrency);
    let batches_rx = Arc::new(tokio::sync::Mutex::new(batches_rx));
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let worker = Worker {
            bus: bus.clone(),
            spec: spec.clone(),
            handler: handler.clone(),
            shutdown: shutdown.clone(),
        };
        let batches_rx = batches_rx.clone();
        workers.spawn(async move {
            loop {
                let next = batches_rx.lock().await.recv().await;
                let Some(batch) = next else { break };
                if worker.shutdown.is_cancelled() {
                    hand_back(&batch).await;
                    continue;
                }
                worker.process(batch).await;
            }
        });
    }

    let mut ended = false;
    'read: loop {
        let first = tokio::select! {
            () = shutdown.cancelled() => break 'read,
            next = messages.next() => next,
        };
        let first = match first {
            None => {
                ended = true;
                break 'read;
            }
            Some(Ok(message)) => message,
            Some(Err(error)) => {
                tracing::warn!(consumer = spec.durable.name, %error, "pull failed, retrying");
                tokio::select! {
                    () = shutdown.cancelled() => break 'read,
                    () = tokio::time::sleep(Duration::from_millis(250)) => continue 'read,
                }
            }
        };
        let mut batch = vec![first];
        let deadline = tokio::time::Instant::now() + GATHER;
        while batch.len() < batch_size {
            match tokio::time::timeout_at(deadline, messages.next()).await {
                Ok(Some(Ok(message))) => batch.push(message),
                Ok(Some(Err(error))) => {
                    tracing::warn!(consumer = spec.durable.name, %error, "pull failed");
                    break;
                }
                Ok(None) => {
                    ended = true;
                    break;
                }
                Err(_) => break,
            }
        }
        crate::metrics::batch_size(spec.durable.name, batch.len());
        if let Err(mpsc::error::SendError(batch)) = batches_tx.send(batch).await {
            hand_back(&batch).await;
            break 'read;
        }
        if ended {
            break 'read;
        }
    }
    drop(batches_tx);
    // Messages the server already sent ahead are handed back now rather than after ack_wait.
    // Bounded in time: a handed-back message may come straight back to this subscription.
    if shutdown.is_cancelled() {
        let until = tokio::time::Instant::now() + Duration::from_millis(200);
        while let Ok(Some(Ok(message))) = tokio::time::timeout_at(until, messages.next()).await {
            hand_back(std::slice::from_ref(&message)).await;
        }
    }
    while workers.join_next().await.is_some() {}
    tracing::info!(
        consumer = spec.durable.name,
        ended,
        "consumer stopped reading"
    );
    Ok(())
}

/// Lets the server deliver `messages` again right away.
async fn hand_back(messages: &[jetstream::Message]) {
    for message in messages {
        if let Err(error) = message.ack_with(AckKind::Nak(None)).await {
            tracing::debug!(%error, "handing a message back failed; it returns after ack_wait");
        }
    }
}

struct Worker<H> {
    bus: Bus,
    spec: ConsumerSpec,
    handler: Arc<H>,
    shutdown: CancellationToken,
}

/// What became of a batch or event.
enum Settled {
    Done(Vec<Rejected>),
    /// Shutdown came while the infrastructure was out: hand the messages back.
    Interrupted,
    Failed(String),
}

impl<H: BatchHandler> Worker<H> {
    async fn process(&self, batch: Batch) {
        let deliveries: Vec<Delivery> = batch.iter().map(|m| to_delivery(&self.bus, m)).collect();
        let span = tracing::info_span!(
            "events.apply",
            consumer = self.spec.durable.name,
            events = deliveries.len(),
        );
        // A batch continues the trace of its first event; every event is linked by id in logs.
        if let Some(headers) = batch.first().and_then(|m| m.headers.as_ref()) {
            telemetry::set_parent_from(
                &span,
                headers
                    .iter()
                    .filter_map(|(k, v)| v.first().map(|v| (k.as_ref(), v.as_str()))),
            );
        }
        match self
            .settle(&batch, &deliveries)
            .instrument(span.clone())
            .await
        {
            Settled::Done(rejected) => self.finish(&batch, &deliveries, rejected).await,
            Settled::Interrupted => hand_back(&batch).await,
            Settled::Failed(error) if batch.len() == 1 => {
                self.failed_alone(&batch[0], &deliveries[0], &error).await;
            }
            Settled::Failed(error) => {
                tracing::warn!(consumer = self.spec.durable.name, %error, events = batch.len(), "batch failed, applying its events one by one");
                for (message, delivery) in batch.iter().zip(deliveries) {
                    let one = [delivery];
                    match self.settle(std::slice::from_ref(message), &one).await {
                        Settled::Done(rejected) => {
                            self.finish(std::slice::from_ref(message), &one, rejected)
                                .await;
                        }
                        Settled::Interrupted => hand_back(std::slice::from_ref(message)).await,
                        Settled::Failed(error) => {
                            self.failed_alone(message, &one[0], &error).await;
                        }
                    }
                }
            }
        }
    }

    /// Applies `deliveries`, riding out outages: retries with backoff while keeping the
    /// messages (progress acknowledgements) until it works, fails for another reason, or
    /// shutdown comes.
    async fn settle(&self, messages: &[jetstream::Message], deliveries: &[Delivery]) -> Settled {
        // Progress acknowledgements all along, not between attempts: one attempt may wait for
        // a pool timeout, and a backoff may outlast `ack_wait`; either would get the batch
        // redelivered to another worker while this one still holds it.
        let every = (self.spec.ack_wait / 3).max(Duration::from_millis(100));
        let keep = async {
            let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
            loop {
                tick.tick().await;
                for message in messages {
                    let _ = message.ack_with(AckKind::Progress).await;
                }
            }
        };
        tokio::select! {
            settled = self.attempt(deliveries) => settled,
            () = keep => Settled::Interrupted,
        }
    }

    async fn attempt(&self, deliveries: &[Delivery]) -> Settled {
        let mut outage: u32 = 0;
        loop {
            match self.handler.apply(deliveries).await {
                Ok(rejected) => {
                    if outage > 0 {
                        tracing::info!(
                            consumer = self.spec.durable.name,
                            "dependencies back, batch applied"
                        );
                    }
                    return Settled::Done(rejected);
                }
                Err(HandlerError::Failed(error)) => return Settled::Failed(error),
                Err(HandlerError::Unavailable(error)) => {
                    outage += 1;
                    if outage == 1 || outage.is_multiple_of(20) {
                        tracing::warn!(consumer = self.spec.durable.name, %error, attempt = outage, "dependency unavailable, pausing");
                    }
                    tokio::select! {
                        () = self.shutdown.cancelled() => return Settled::Interrupted,
                        () = tokio::time::sleep(backoff(outage)) => {}
                    }
                }
            }
        }
    }

    /// Acknowledges applied events and dead-letters the rejected ones.
    async fn finish(
        &self,
        messages: &[jetstream::Message],
        deliveries: &[Delivery],
        rejected: Vec<Rejected>,
    ) {
        let mut dead = vec![None; messages.len()];
        for rejection in rejected {
            if let Some(slot) = dead.get_mut(rejection.index) {
                *slot = Some(rejection.reason);
            }
        }
        let mut applied = 0;
        for ((message, delivery), reason) in messages.iter().zip(deliveries).zip(dead) {
            match reason {
                None => {
                    applied += 1;
                    if let Err(error) = message.ack().await {
                        // Redelivered after ack_wait; the inbox makes it a no-op.
                        tracing::warn!(%error, event_id = %delivery.event_id, "acknowledgement failed");
                    }
                }
                Some(reason) => self.dead_letter(message, delivery, &reason).await,
            }
        }
        crate::metrics::event_consumed(self.spec.durable.name, applied);
    }

    /// An event failing alone: retried after a backoff until `max_deliver`, then dead-lettered.
    async fn failed_alone(&self, message: &jetstream::Message, delivery: &Delivery, error: &str) {
        if delivery.attempt >= self.spec.max_deliver {
            self.dead_letter(message, delivery, error).await;
            return;
        }
        tracing::warn!(consumer = self.spec.durable.name, event_id = %delivery.event_id, attempt = delivery.attempt, %error, "event failed, will retry");
        let delay = backoff(u32::try_from(delivery.attempt).unwrap_or(1));
        if let Err(error) = message.ack_with(AckKind::Nak(Some(delay))).await {
            tracing::warn!(%error, "nak failed; the event returns after ack_wait");
        }
    }

    /// Moves the event to `gatehouse.dlq.<consumer>`, then terminates it. A failing dead-letter
    /// publish is retried (holding the message) until it works or shutdown hands it back.
    async fn dead_letter(&self, message: &jetstream::Message, delivery: &Delivery, reason: &str) {
        tracing::error!(consumer = self.spec.durable.name, event_id = %delivery.event_id, subject = %delivery.subject, %reason, "event dead-lettered");
        let mut headers = message.headers.clone().unwrap_or_default();
        headers.insert(
            HEADER_MSG_ID,
            format!("dlq:{}:{}", self.spec.durable.name, delivery.event_id).as_str(),
        );
        // A header value may not hold line breaks (async-nats refuses them).
        let reason = reason.replace(['\r', '\n'], " ");
        headers.insert(HEADER_DLQ_ERROR, truncate(&reason, 1000));
        headers.insert(HEADER_DLQ_SUBJECT, message.subject.as_str());
        headers.insert(HEADER_DLQ_CONSUMER, self.spec.durable.name);
        let subject = self
            .bus
            .subject(&subjects::dead_letter(self.spec.durable.name));
        let mut attempt: u32 = 0;
        let mut last_progress = tokio::time::Instant::now();
        loop {
            match self
                .bus
                .publish_raw(subject.clone(), headers.clone(), message.payload.clone())
                .await
            {
                Ok(()) => break,
                Err(error) => {
                    attempt += 1;
                    tracing::warn!(%error, attempt, "dead-letter publish failed, retrying");
                    if last_progress.elapsed() > self.spec.ack_wait / 3 {
                        let _ = message.ack_with(AckKind::Progress).await;
                        last_progress = tokio::time::Instant::now();
                    }
                    tokio::select! {
                        () = self.shutdown.cancelled() => {
                            hand_back(std::slice::from_ref(message)).await;
                            return;
                        }
                        () = tokio::time::sleep(backoff(attempt)) => {}
                    }
                }
            }
        }
        crate::metrics::events_dead_lettered(self.spec.durable.name, 1);
        if let Err(error) = message.ack_with(AckKind::Term).await {
            // Delivered again later: the dead-letter copy is deduplicated by its id.
            tracing::warn!(%error, "terminating a dead-lettered event failed");
        }
    }
}

/// What consumers report to the metrics recorder (labels: the durable name only).
fn truncate(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

fn to_delivery(bus: &Bus, message: &jetstream::Message) -> Delivery {
    let header = |name: &str| {
        message
            .headers
            .as_ref()
            .and_then(|h| h.get(name))
            .map(|v| v.as_str().to_owned())
            .unwrap_or_default()
    };
    let info = message.info().ok();
    let attempt = info.as_ref().map_or(1, |info| info.delivered);
    let mut event_id = header(HEADER_MSG_ID);
    if event_id.is_empty() {
        // Without a producer id the stream position identifies the message.
        event_id = info
            .as_ref()
            .map(|info| format!("{}:{}", info.stream, info.stream_sequence))
            .unwrap_or_default();
    }
    Delivery {
        subject: bus.unprefixed(message.subject.as_str()).to_owned(),
        event_type: header(HEADER_EVENT),
        event_id,
        payload: message.payload.clone(),
        attempt,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_caps() {
        assert_eq!(backoff(1), Duration::from_millis(100));
        assert_eq!(backoff(2), Duration::from_millis(200));
        assert_eq!(backoff(7), Duration::from_millis(6400));
        assert_eq!(backoff(60), Duration::from_millis(6400));
    }

    #[test]
    fn sql_errors_are_told_apart() {
        assert!(matches!(
            HandlerError::from(sqlx::Error::PoolTimedOut),
            HandlerError::Unavailable(_)
        ));
        assert!(matches!(
            HandlerError::from(sqlx::Error::RowNotFound),
            HandlerError::Failed(_)
        ));
    }

    #[test]
    fn dead_letter_reasons_are_cut_on_a_char_boundary() {
        assert_eq!(truncate("ab", 5), "ab");
        assert_eq!(truncate("ééé", 3), "é");
    }

    #[test]
    fn batches_decode_what_they_can_and_reject_the_rest() {
        use gatehouse_proto::v1::RulesChanged;
        use prost::Message;
        let good = RulesChanged {
            event_id: "e1".into(),
            ..Default::default()
        };
        let delivery = |event_type: &str, payload: Vec<u8>| Delivery {
            subject: "s".into(),
            event_type: event_type.into(),
            event_id: "e".into(),
            payload: payload.into(),
            attempt: 1,
        };
        let batch = [
            delivery("gatehouse.v1.RulesChanged", good.encode_to_vec()),
            delivery("gatehouse.v1.Other", good.encode_to_vec()),
            delivery("gatehouse.v1.RulesChanged", vec![0xff, 0xff, 0xff]),
        ];
        let (events, rejected) = decode_batch::<RulesChanged>(&batch);
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].0, 0);
        assert_eq!(events[0].1.event_id, "e1");
        assert_eq!(rejected.iter().map(|r| r.index).collect::<Vec<_>>(), [1, 2]);
    }
}
