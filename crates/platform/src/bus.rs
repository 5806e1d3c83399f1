//! NATS JetStream: streams, subjects, the durable consumers of every service, and publishing
//! with dedupe ids. Applying what consumers receive is [`crate::consumer`]'s work.

use std::{collections::HashMap, time::Duration};

use async_nats::{
    HeaderMap,
    jetstream::{
        self,
        consumer::{AckPolicy, DeliverPolicy, pull},
        context::PublishErrorKind,
        stream,
    },
};
use bytes::Bytes;

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

    /// Work streams keep a message until every durable consumer interested in it has
    /// acknowledged it, so they stay small; the dead-letter stream and CONTROL keep by age.
    fn retention(self) -> stream::RetentionPolicy {
        match self {
            StreamKind::Intake | StreamKind::Risk | StreamKind::Alerts | StreamKind::Reports => {
                stream::RetentionPolicy::Interest
            }
            StreamKind::Control | StreamKind::DeadLetter => stream::RetentionPolicy::Limits,
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
    /// Every mode's `manifest_accepted`.
    pub const MANIFEST_ACCEPTED_ANY: &str = "gatehouse.cargo.manifest.accepted.>";
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

/// A durable pull consumer: one per service and purpose, shared by the service's replicas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Durable {
    pub stream: StreamKind,
    pub name: &'static str,
    /// Subject filter without the deployment prefix.
    pub filter: &'static str,
}

/// Every durable consumer of the deployment. They are created with the streams (whoever starts
/// first), because an interest-retention stream drops what no consumer wants: an event published
/// before its consumer's service ever started must wait for it, not vanish.
pub mod durables {
    use super::{Durable, StreamKind, subjects};

    pub const RISK_TARGETING_API: Durable = Durable {
        stream: StreamKind::Intake,
        name: "risk-targeting-api",
        filter: subjects::API_ACCEPTED,
    };
    pub const RISK_TARGETING_PNR: Durable = Durable {
        stream: StreamKind::Intake,
        name: "risk-targeting-pnr",
        filter: subjects::PNR_ACCEPTED,
    };
    pub const RISK_TARGETING_CARGO: Durable = Durable {
        stream: StreamKind::Intake,
        name: "risk-targeting-cargo",
        filter: subjects::MANIFEST_ACCEPTED_ANY,
    };
    pub const UNIT_ALERTS_ASSESSED: Durable = Durable {
        stream: StreamKind::Risk,
        name: "unit-alerts-assessed",
        filter: "gatehouse.risk.assessed.>",
    };
    pub const REPORTING_API_ACCEPTED: Durable = Durable {
        stream: StreamKind::Intake,
        name: "reporting-api-accepted",
        filter: subjects::API_ACCEPTED,
    };
    pub const REPORTING_PNR_ACCEPTED: Durable = Durable {
        stream: StreamKind::Intake,
        name: "reporting-pnr-accepted",
        filter: subjects::PNR_ACCEPTED,
    };
    pub const REPORTING_MANIFEST_ACCEPTED: Durable = Durable {
        stream: StreamKind::Intake,
        name: "reporting-manifest-accepted",
        filter: subjects::MANIFEST_ACCEPTED_ANY,
    };
    pub const REPORTING_RISK_ASSESSED: Durable = Durable {
        stream: StreamKind::Risk,
        name: "reporting-risk-assessed",
        filter: "gatehouse.risk.assessed.>",
    };
    pub const REPORTING_ALERT_RAISED: Durable = Durable {
        stream: StreamKind::Alerts,
        name: "reporting-alert-raised",
        filter: "gatehouse.alert.raised.>",
    };
    pub const REPORTING_ALERT_UPDATED: Durable = Durable {
        stream: StreamKind::Alerts,
        name: "reporting-alert-updated",
        filter: "gatehouse.alert.updated.>",
    };

    pub const ALL: [Durable; 10] = [
        RISK_TARGETING_API,
        RISK_TARGETING_PNR,
        RISK_TARGETING_CARGO,
        UNIT_ALERTS_ASSESSED,
        REPORTING_API_ACCEPTED,
        REPORTING_PNR_ACCEPTED,
        REPORTING_MANIFEST_ACCEPTED,
        REPORTING_RISK_ASSESSED,
        REPORTING_ALERT_RAISED,
        REPORTING_ALERT_UPDATED,
    ];
}

#[derive(Debug, thiserror::Error)]
pub enum BusError {
    #[error("connecting to nats: {0}")]
    Connect(String),
    #[error("jetstream: {0}")]
    JetStream(String),
    #[error("invalid event: {0}")]
    Event(String),
    /// The event can never be published as it is (larger than the server accepts).
    #[error("event {event_id} cannot be published: {reason}")]
    Unpublishable {
        event_id: uuid::Uuid,
        reason: String,
    },
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
    stream_max_bytes: i64,
    /// Acknowledgement wait of the durable consumers.
    ack_wait: Duration,
    /// Unacknowledged messages a durable consumer may have out: enough for every batch in flight.
    max_ack_pending: i64,
}

/// What [`Bus::publish_all`] did with each event.
#[derive(Debug, Default)]
pub struct Published {
    /// Stored by JetStream (or dropped by it as a duplicate of one stored before).
    pub stored: Vec<uuid::Uuid>,
    /// Can never be published as they are: park them.
    pub unpublishable: Vec<(uuid::Uuid, String)>,
    /// Failed this time (server busy, stream full, connection lost): try again later.
    pub failed: Vec<(uuid::Uuid, String)>,
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
        let batch = i64::try_from(config.consumer_batch.max(1)).unwrap_or(500);
        let concurrency = i64::try_from(config.consumer_concurrency.max(1)).unwrap_or(2);
        Ok(Self {
            client,
            js,
            prefix: config.prefix.clone(),
            stream_replicas: config.stream_replicas.max(1),
            stream_max_bytes: config.stream_max_bytes,
            ack_wait: config.ack_wait,
            // Batches being applied, one being gathered and one prefetched per worker.
            max_ack_pending: batch * (concurrency + 2),
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

    /// Creates every stream and durable consumer of the deployment that does not exist yet.
    /// Every service calls it at start, so start order does not matter.
    pub async fn provision(&self) -> Result<(), BusError> {
        for kind in StreamKind::ALL {
            let config = stream::Config {
                name: self.stream_name(kind),
                subjects: kind.subjects().iter().map(|s| self.subject(s)).collect(),
                retention: kind.retention(),
                max_age: kind.max_age(),
                max_bytes: self.stream_max_bytes,
                // A full work stream refuses new events instead of dropping unconsumed ones: they
                // wait in the producers' outboxes until consumers catch up.
                discard: stream::DiscardPolicy::New,
                storage: stream::StorageType::File,
                duplicate_window: Duration::from_secs(120),
                num_replicas: self.stream_replicas,
                ..Default::default()
            };
            match self.js.get_stream(&config.name).await {
                Ok(mut existing) => {
                    let info = existing.info().await.map_err(js_err)?;
                    if info.config.retention != config.retention {
                        // Retention cannot change in place; an operator migrates the stream.
                        tracing::warn!(stream = %config.name, "stream has another retention policy than this version expects");
                    } else if info.config.max_bytes != config.max_bytes
                        || info.config.discard != config.discard
                    {
                        self.js.update_stream(&config).await.map_err(js_err)?;
                    }
                }
                Err(_) => {
                    self.js.get_or_create_stream(config).await.map_err(js_err)?;
                }
            }
        }
        for durable in durables::ALL {
            self.durable_consumer(&durable).await?;
        }
        Ok(())
    }

    /// Publishes `events` with pipelined acknowledgements and reports, event by event, what was
    /// stored, what can never be and what failed this time, so one bad event holds up no other.
    pub async fn publish_all(&self, events: &[OutboundEvent]) -> Published {
        let mut published = Published::default();
        let max_payload = self.client.server_info().max_payload;
        let mut acks = Vec::with_capacity(events.len());
        for event in events {
            if max_payload > 0 && event.payload.len() > max_payload {
                published.unpublishable.push((
                    event.event_id,
                    format!(
                        "payload of {} bytes exceeds the server's maximum of {max_payload}",
                        event.payload.len()
                    ),
                ));
                continue;
            }
            let mut headers = HeaderMap::new();
            headers.insert(HEADER_MSG_ID, event.event_id.to_string().as_str());
            headers.insert(HEADER_EVENT, event.event_type.as_str());
            headers.insert(HEADER_CONTENT_TYPE, PROTOBUF);
            for (key, value) in &event.trace_headers {
                headers.insert(key.as_str(), value.as_str());
            }
            match self
                .js
                .publish_with_headers(
                    self.subject(&event.subject),
                    headers,
                    Bytes::from(event.payload.clone()),
                )
                .await
            {
                Ok(ack) => acks.push((event.event_id, ack)),
                Err(error) if error.kind() == PublishErrorKind::MaxPayloadExceeded => published
                    .unpublishable
                    .push((event.event_id, error.to_string())),
                Err(error) => published.failed.push((event.event_id, error.to_string())),
            }
        }
        for (event_id, ack) in acks {
            match ack.await {
                Ok(_) => published.stored.push(event_id),
                Err(error) => published.failed.push((event_id, error.to_string())),
            }
        }
        published
    }

    /// Publishes one message as is (headers and payload), awaiting JetStream's acknowledgement.
    pub async fn publish_raw(
        &self,
        subject: String,
        headers: HeaderMap,
        payload: Bytes,
    ) -> Result<(), BusError> {
        self.js
            .publish_with_headers(subject, headers, payload)
            .await
            .map_err(js_err)?
            .await
            .map_err(js_err)?;
        Ok(())
    }

    /// The durable pull consumer shared by every replica of a service, created if missing.
    pub async fn durable_consumer(
        &self,
        durable: &Durable,
    ) -> Result<jetstream::consumer::Consumer<pull::Config>, BusError> {
        let stream = self
            .js
            .get_stream(self.stream_name(durable.stream))
            .await
            .map_err(js_err)?;
        stream
            .get_or_create_consumer(
                durable.name,
                pull::Config {
                    durable_name: Some(durable.name.to_owned()),
                    filter_subject: self.subject(durable.filter),
                    ack_policy: AckPolicy::Explicit,
                    deliver_policy: DeliverPolicy::All,
                    ack_wait: self.ack_wait,
                    // Unlimited: an outage must never use up an event's deliveries. The consumer
                    // counts failures that can be the event's fault and dead-letters it itself.
                    max_deliver: -1,
                    max_ack_pending: self.max_ack_pending,
                    ..Default::default()
                },
            )
            .await
            .map_err(js_err)
    }
}
