//! NATS JetStream: streams, subjects, publishing with dedupe ids, and durable pull consumers that
//! retry failed events and park them in the dead-letter stream after the last attempt.

use std::{collections::HashMap, future::Future, time::Duration};

use async_nats::{
    HeaderMap,
    jetstream::{
        self, AckKind,
        consumer::{AckPolicy, DeliverPolicy, pull},
        stream,
    },
};
use bytes::Bytes;
use futures::StreamExt;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use crate::{config::NatsConfig, telemetry};

pub const HEADER_MSG_ID: &str = "Nats-Msg-Id";
pub const HEADER_EVENT: &str = "Gatehouse-Event";
pub const HEADER_CONTENT_TYPE: &str = "Content-Type";
pub const HEADER_DLQ_ERROR: &str = "Gatehouse-Dlq-Error";
pub const HEADER_DLQ_SUBJECT: &str = "Gatehouse-Dlq-Subject";
pub const HEADER_DLQ_CONSUMER: &str = "Gatehouse-Dlq-Consumer";
const PROTOBUF: &str = "application/protobuf";

/// A protobuf event from `events.proto` with its type name and id.
pub trait Event: prost::Message + Default + Send + Sync {
    /// Fully qualified protobuf message name, sent in the `Gatehouse-Event` header.
    const TYPE: &'static str;
    fn event_id(&self) -> &str;
}

/// The JetStream streams of a deployment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamKind {
    Intake,
    Risk,
    Alerts,
    Reports,
    Control,
    DeadLetter,
}

impl StreamKind {
    pub const ALL: [StreamKind; 6] = [
        StreamKind::Intake,
        StreamKind::Risk,
        StreamKind::Alerts,
        StreamKind::Reports,
        StreamKind::Control,
        StreamKind::DeadLetter,
    ];

    fn base_name(self) -> &'static str {
        match self {
            StreamKind::Intake => "INTAKE",
            StreamKind::Risk => "RISK",
            StreamKind::Alerts => "ALERTS",
            StreamKind::Reports => "REPORTS",
            StreamKind::Control => "CONTROL",
            StreamKind::DeadLetter => "DLQ",
        }
    }

    fn subjects(self) -> &'static [&'static str] {
        match self {
            StreamKind::Intake => &["gatehouse.cargo.>", "gatehouse.passenger.>"],
            StreamKind::Risk => &["gatehouse.risk.>"],
            StreamKind::Alerts => &["gatehouse.alert.>"],
            StreamKind::Reports => &["gatehouse.report.>"],
            StreamKind::Control => &["gatehouse.control.>"],
            StreamKind::DeadLetter => &["gatehouse.dlq.>"],
        }
    }

    fn max_age(self) -> Duration {
        const DAY: u64 = 24 * 60 * 60;
        match self {
            // Long enough for a replica to be down over a weekend and catch up.
            StreamKind::Intake | StreamKind::Risk | StreamKind::Alerts => {
                Duration::from_secs(7 * DAY)
            }
            StreamKind::Reports | StreamKind::Control => Duration::from_secs(30 * DAY),
            StreamKind::DeadLetter => Duration::from_secs(90 * DAY),
        }
    }
}

/// Subjects of `DESIGN.md`, without the deployment prefix.
pub mod subjects {
    pub const API_ACCEPTED: &str = "gatehouse.passenger.api.accepted";
    pub const PNR_ACCEPTED: &str = "gatehouse.passenger.pnr.accepted";
    pub const RISK_ASSESSED_PASSENGER: &str = "gatehouse.risk.assessed.passenger";
    pub const RISK_ASSESSED_CARGO: &str = "gatehouse.risk.assessed.cargo";
    pub const RULES_CHANGED: &str = "gatehouse.control.rules.changed";
    pub const WATCHLIST_CHANGED: &str = "gatehouse.control.watchlist.changed";

    /// `mode` is `sea`, `air`, `road` or `rail`.
    pub fn manifest_accepted(mode: &str) -> String {
        format!("gatehouse.cargo.manifest.accepted.{mode}")
    }
    pub fn alert_raised(unit: &str) -> String {
        format!("gatehouse.alert.raised.{unit}")
    }
    pub fn alert_updated(unit: &str) -> String {
        format!("gatehouse.alert.updated.{unit}")
    }
    pub fn seizure_recorded(unit: &str) -> String {
        format!("gatehouse.report.seizure.recorded.{unit}")
    }
    pub fn message_sent(unit: &str) -> String {
        format!("gatehouse.report.message.sent.{unit}")
    }
    pub fn dead_letter(consumer: &str) -> String {
        format!("gatehouse.dlq.{consumer}")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BusError {
    #[error("connecting to nats: {0}")]
    Connect(String),
    #[error("jetstream: {0}")]
    JetStream(String),
    #[error("invalid event: {0}")]
    Event(String),
}

fn js_err(e: impl std::fmt::Display) -> BusError {
    BusError::JetStream(e.to_string())
}

/// An event ready to publish: what the outbox stores and the relay sends.
#[derive(Debug, Clone)]
pub struct OutboundEvent {
    pub event_id: uuid::Uuid,
    /// Subject without the deployment prefix.
    pub subject: String,
    pub event_type: String,
    pub payload: Vec<u8>,
    /// W3C trace context of the span that produced the event.
    pub trace_headers: HashMap<String, String>,
}

impl OutboundEvent {
    pub fn new<E: Event>(subject: impl Into<String>, event: &E) -> Result<Self, BusError> {
        let event_id = uuid::Uuid::parse_str(event.event_id())
            .map_err(|e| BusError::Event(format!("event_id is not a uuid: {e}")))?;
        Ok(Self {
            event_id,
            subject: subject.into(),
            event_type: E::TYPE.to_owned(),
            payload: event.encode_to_vec(),
            trace_headers: telemetry::current_trace_headers(),
        })
    }
}

/// A connection to JetStream within one deployment prefix.
#[derive(Clone)]
pub struct Bus {
    client: async_nats::Client,
    js: jetstream::Context,
    prefix: String,
    stream_replicas: usize,
}

impl Bus {
    pub async fn connect(config: &NatsConfig, client_name: &str) -> Result<Self, BusError> {
        let mut options = async_nats::ConnectOptions::new()
            .name(client_name)
            .retry_on_initial_connect()
            .connection_timeout(Duration::from_secs(5));
        if let Some(path) = &config.creds_file {
            options = options
                .credentials_file(path)
                .await
                .map_err(|e| BusError::Connect(e.to_string()))?;
        }
        if let (Some(user), Some(password)) = (&config.user, &config.password) {
            options = options.user_and_password(user.clone(), password.expose().clone());
        }
        let client = options
            .connect(config.url.as_str())
            .await
            .map_err(|e| BusError::Connect(e.to_string()))?;
        let js = jetstream::new(client.clone());
        Ok(Self {
            client,
            js,
            prefix: config.prefix.clone(),
            stream_replicas: config.stream_replicas.max(1),
        })
    }

    pub fn client(&self) -> &async_nats::Client {
        &self.client
    }

    pub fn jetstream(&self) -> &jetstream::Context {
        &self.js
    }

    /// `subject` inside this deployment's prefix.
    pub fn subject(&self, subject: &str) -> String {
        if self.prefix.is_empty() {
            subject.to_owned()
        } else {
            format!("{}.{subject}", self.prefix)
        }
    }

    /// `subject` with this deployment's prefix removed.
    pub fn unprefixed<'a>(&self, subject: &'a str) -> &'a str {
        if self.prefix.is_empty() {
            return subject;
        }
        subject
            .strip_prefix(self.prefix.as_str())
            .and_then(|rest| rest.strip_prefix('.'))
            .unwrap_or(subject)
    }

    pub fn stream_name(&self, kind: StreamKind) -> String {
        if self.prefix.is_empty() {
            kind.base_name().to_owned()
        } else {
            format!(
                "{}_{}",
                self.prefix.to_ascii_uppercase().replace('-', "_"),
                kind.base_name()
            )
        }
    }

    /// Creates every stream of the deployment that does not exist yet. Every service calls it at
    /// start, so start order does not matter.
    pub async fn provision(&self) -> Result<(), BusError> {
        for kind in StreamKind::ALL {
            self.js
                .get_or_create_stream(stream::Config {
                    name: self.stream_name(kind),
                    subjects: kind.subjects().iter().map(|s| self.subject(s)).collect(),
                    max_age: kind.max_age(),
                    storage: stream::StorageType::File,
                    duplicate_window: Duration::from_secs(120),
                    num_replicas: self.stream_replicas,
                    ..Default::default()
                })
                .await
                .map_err(js_err)?;
        }
        Ok(())
    }

    /// Publishes `events` with pipelined acknowledgements; returns once JetStream stored all.
    pub async fn publish_all(&self, events: &[OutboundEvent]) -> Result<(), BusError> {
        let mut acks = Vec::with_capacity(events.len());
        for event in events {
            let mut headers = HeaderMap::new();
            headers.insert(HEADER_MSG_ID, event.event_id.to_string().as_str());
            headers.insert(HEADER_EVENT, event.event_type.as_str());
            headers.insert(HEADER_CONTENT_TYPE, PROTOBUF);
            for (key, value) in &event.trace_headers {
                headers.insert(key.as_str(), value.as_str());
            }
            let ack = self
                .js
                .publish_with_headers(
                    self.subject(&event.subject),
                    headers,
                    Bytes::from(event.payload.clone()),
                )
                .await
                .map_err(js_err)?;
            acks.push(ack);
        }
        for ack in acks {
            ack.await.map_err(js_err)?;
        }
        Ok(())
    }

    /// Durable pull consumer shared by every replica of a service.
    pub async fn durable_consumer(
        &self,
        spec: &ConsumerSpec,
    ) -> Result<jetstream::consumer::Consumer<pull::Config>, BusError> {
        let stream = self
            .js
            .get_stream(self.stream_name(spec.stream))
            .await
            .map_err(js_err)?;
        stream
            .get_or_create_consumer(
                &spec.durable,
                pull::Config {
                    durable_name: Some(spec.durable.clone()),
                    filter_subject: spec
                        .filter_subject
                        .as_deref()
                        .map(|s| self.subject(s))
                        .unwrap_or_default(),
                    ack_policy: AckPolicy::Explicit,
                    deliver_policy: DeliverPolicy::All,
                    ack_wait: spec.ack_wait,
                    max_deliver: spec.max_deliver,
                    ..Default::default()
                },
            )
            .await
            .map_err(js_err)
    }
}

/// What a consumer reads and how often an event is retried.
#[derive(Debug, Clone)]
pub struct ConsumerSpec {
    pub stream: StreamKind,
    pub durable: String,
    /// Subject filter without the deployment prefix; `None` takes the whole stream.
    pub filter_subject: Option<String>,
    pub max_deliver: i64,
    pub ack_wait: Duration,
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
    /// The transaction that applies this event once for `consumer`; `None` if it was applied
    /// before (see [`crate::outbox::begin_once`]).
    pub async fn begin_once(
        &self,
        pool: &sqlx::PgPool,
        consumer: &str,
    ) -> Result<Option<sqlx::Transaction<'static, sqlx::Postgres>>, sqlx::Error> {
        crate::outbox::begin_once(pool, consumer, &self.event_id, &self.subject).await
    }

    /// Decodes the payload as `E`, rejecting events of another type.
    pub fn decode<E: Event>(&self) -> Result<E, HandlerError> {
        if self.event_type != E::TYPE {
            return Err(HandlerError::Reject(format!(
                "expected {} on {}, got {:?}",
                E::TYPE,
                self.subject,
                self.event_type
            )));
        }
        E::decode(self.payload.as_ref())
            .map_err(|e| HandlerError::Reject(format!("undecodable {}: {e}", E::TYPE)))
    }
}

/// Why an event was not applied.
#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    /// Might work later (database down, conflict): redelivered with backoff until max deliveries.
    #[error("retry: {0}")]
    Retry(String),
    /// Can never work (undecodable, wrong type): goes to the dead-letter stream at once.
    #[error("reject: {0}")]
    Reject(String),
}

impl From<sqlx::Error> for HandlerError {
    fn from(error: sqlx::Error) -> Self {
        HandlerError::Retry(error.to_string())
    }
}

impl From<BusError> for HandlerError {
    fn from(error: BusError) -> Self {
        HandlerError::Retry(error.to_string())
    }
}

/// Applies events from one durable consumer.
pub trait EventHandler: Send + Sync + 'static {
    fn handle(&self, delivery: &Delivery) -> impl Future<Output = Result<(), HandlerError>> + Send;
}

/// Pulls events until `shutdown`, applying each with `handler`; acknowledges after it succeeds,
/// retries with backoff, and dead-letters after the last attempt so the pipeline keeps flowing.
pub async fn run_consumer<H: EventHandler>(
    bus: Bus,
    spec: ConsumerSpec,
    handler: std::sync::Arc<H>,
    shutdown: CancellationToken,
) -> Result<(), BusError> {
    let consumer = bus.durable_consumer(&spec).await?;
    let mut messages = consumer.messages().await.map_err(js_err)?;
    tracing::info!(consumer = %spec.durable, stream = ?spec.stream, "consuming");
    loop {
        let next = tokio::select! {
            () = shutdown.cancelled() => break,
            next = messages.next() => next,
        };
        let message = match next {
            None => break,
            Some(Ok(message)) => message,
            Some(Err(error)) => {
                tracing::warn!(consumer = %spec.durable, %error, "pull failed, retrying");
                tokio::time::sleep(Duration::from_millis(250)).await;
                continue;
            }
        };
        let delivery = to_delivery(&bus, &message);
        let span = tracing::info_span!(
            "event.consume",
            consumer = %spec.durable,
            subject = %delivery.subject,
            event_id = %delivery.event_id,
            attempt = delivery.attempt,
        );
        if let Some(headers) = &message.headers {
            telemetry::set_parent_from(
                &span,
                headers
                    .iter()
                    .filter_map(|(k, v)| v.first().map(|v| (k.as_ref(), v.as_str()))),
            );
        }
        let outcome = handler.handle(&delivery).instrument(span.clone()).await;
        let _entered = span.enter();
        let ack = match outcome {
            Ok(()) => message.ack().await,
            Err(error) => {
                let last = matches!(error, HandlerError::Reject(_))
                    || delivery.attempt >= spec.max_deliver;
                if last {
                    tracing::error!(%error, "event dead-lettered");
                    match dead_letter(&bus, &spec.durable, &message, &error).await {
                        Ok(()) => message.ack_with(AckKind::Term).await,
                        Err(dlq_error) => {
                            tracing::error!(%dlq_error, "dead-lettering failed, leaving for redelivery");
                            message
                                .ack_with(AckKind::Nak(Some(Duration::from_secs(5))))
                                .await
                        }
                    }
                } else {
                    tracing::warn!(%error, "event failed, will retry");
                    message
                        .ack_with(AckKind::Nak(Some(backoff(delivery.attempt))))
                        .await
                }
            }
        };
        if let Err(error) = ack {
            // The event comes back after ack_wait; the inbox makes the second application a no-op.
            tracing::warn!(%error, "acknowledgement failed");
        }
    }
    tracing::info!(consumer = %spec.durable, "consumer stopped");
    Ok(())
}

fn backoff(attempt: i64) -> Duration {
    let exponent = u32::try_from(attempt.clamp(1, 6) - 1).unwrap_or(0);
    Duration::from_millis(200 * 2u64.pow(exponent))
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
    let attempt = message.info().map(|info| info.delivered).unwrap_or(1);
    let mut event_id = header(HEADER_MSG_ID);
    if event_id.is_empty() {
        // Without a producer id the stream position identifies the message.
        event_id = message
            .info()
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

async fn dead_letter(
    bus: &Bus,
    consumer: &str,
    message: &jetstream::Message,
    error: &HandlerError,
) -> Result<(), BusError> {
    let mut headers = message.headers.clone().unwrap_or_default();
    let original_id = headers
        .get(HEADER_MSG_ID)
        .map(|v| v.as_str().to_owned())
        .unwrap_or_default();
    headers.insert(
        HEADER_MSG_ID,
        format!("dlq:{consumer}:{original_id}").as_str(),
    );
    headers.insert(HEADER_DLQ_ERROR, error.to_string().as_str());
    headers.insert(HEADER_DLQ_SUBJECT, message.subject.as_str());
    headers.insert(HEADER_DLQ_CONSUMER, consumer);
    bus.js
        .publish_with_headers(
            bus.subject(&subjects::dead_letter(consumer)),
            headers,
            message.payload.clone(),
        )
        .await
        .map_err(js_err)?
        .await
        .map_err(js_err)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_caps() {
        assert_eq!(backoff(1), Duration::from_millis(200));
        assert_eq!(backoff(2), Duration::from_millis(400));
        assert_eq!(backoff(6), Duration::from_millis(6400));
        assert_eq!(backoff(60), Duration::from_millis(6400));
    }
}
