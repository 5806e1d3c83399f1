//! Prometheus metrics: the `metrics` facade with a Prometheus recorder, a `/metrics` endpoint per
//! service, and typed functions so metric names and labels live in one place.
//!
//! The recorder is global to the process and installed once: the end-to-end tests run several
//! deployments of all five services in one process, so every service there renders the same
//! registry and the `service` label tells them apart. Label values are static strings from closed
//! sets (service, durable consumer, subject kind, gRPC method, status code): never ids and never
//! personal data.

use std::{
    sync::{Arc, Mutex, OnceLock, PoisonError},
    time::Duration,
};

use metrics::{Label, SharedString};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::config::ServiceKind;

#[derive(Debug, Clone, thiserror::Error)]
pub enum MetricsError {
    #[error("installing the prometheus recorder: {0}")]
    Install(String),
    #[error("serving /metrics: {0}")]
    Serve(String),
}

const DURATION_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
const BATCH_BUCKETS: &[f64] = &[
    1.0, 2.0, 5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 500.0, 1000.0, 2500.0,
];

static RECORDER: OnceLock<Result<PrometheusHandle, MetricsError>> = OnceLock::new();

/// Installs the process-wide Prometheus recorder on first call and returns its handle; later
/// calls (more services in the same process) return the same handle.
pub fn install() -> Result<PrometheusHandle, MetricsError> {
    RECORDER
        .get_or_init(|| {
            let handle = PrometheusBuilder::new()
                // Histograms with buckets, not the exporter's default summaries: buckets can be
                // aggregated across replicas in Prometheus, quantiles cannot.
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), DURATION_BUCKETS)
                .and_then(|b| {
                    b.set_buckets_for_metric(Matcher::Full(names::BATCH_SIZE.into()), BATCH_BUCKETS)
                })
                .and_then(PrometheusBuilder::install_recorder)
                .map_err(|e| MetricsError::Install(e.to_string()))?;
            describe();
            Ok(handle)
        })
        .clone()
}

/// Serves `GET /metrics` on `listener` until `shutdown` is cancelled.
pub async fn serve(
    listener: TcpListener,
    handle: PrometheusHandle,
    shutdown: CancellationToken,
) -> Result<(), MetricsError> {
    let app = axum::Router::new().route(
        "/metrics",
        axum::routing::get(move || {
            let handle = handle.clone();
            async move {
                (
                    [(
                        http::header::CONTENT_TYPE,
                        "text/plain; version=0.0.4; charset=utf-8",
                    )],
                    handle.render(),
                )
            }
        }),
    );
    axum::serve(listener, app)
        .with_graceful_shutdown(async move { shutdown.cancelled().await })
        .await
        .map_err(|e| MetricsError::Serve(e.to_string()))
}

/// Drains histogram samples into their buckets; without a scrape they would pile up.
pub fn upkeep() {
    if let Some(Ok(handle)) = RECORDER.get() {
        handle.run_upkeep();
    }
}

/// Metric names, for dashboards and tests.
pub mod names {
    pub const GRPC_REQUESTS: &str = "gatehouse_grpc_requests_total";
    pub const GRPC_DURATION: &str = "gatehouse_grpc_request_duration_seconds";
    pub const EVENTS_PUBLISHED: &str = "gatehouse_events_published_total";
    pub const EVENTS_PARKED: &str = "gatehouse_events_parked_total";
    pub const EVENTS_CONSUMED: &str = "gatehouse_events_consumed_total";
    pub const EVENTS_DEAD_LETTERED: &str = "gatehouse_events_dead_lettered_total";
    pub const BATCH_SIZE: &str = "gatehouse_consumer_batch_size";
    pub const CONSUMER_PENDING: &str = "gatehouse_consumer_pending";
    pub const OUTBOX_BACKLOG: &str = "gatehouse_outbox_backlog";
    pub const OUTBOX_PARKED: &str = "gatehouse_outbox_parked";
    pub const DLQ_MESSAGES: &str = "gatehouse_dlq_messages";
    pub const DEPENDENCY_UP: &str = "gatehouse_dependency_up";
    pub const SCREENING: &str = "gatehouse_screening_seconds";
    pub const RULE_EVALUATION: &str = "gatehouse_rule_evaluation_seconds";
    pub const RECORDS_SCREENED: &str = "gatehouse_records_screened_total";
}

fn describe() {
    use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        names::GRPC_REQUESTS,
        "grpc calls handled, by method and status code (streams counted when the response starts)"
    );
    describe_histogram!(
        names::GRPC_DURATION,
        Unit::Seconds,
        "time to handle a grpc call (streams: time to the response headers)"
    );
    describe_counter!(
        names::EVENTS_PUBLISHED,
        "events stored by jetstream, by subject kind"
    );
    describe_counter!(
        names::EVENTS_PARKED,
        "outbox events parked because they can never be published"
    );
    describe_counter!(
        names::EVENTS_CONSUMED,
        "events applied, by durable consumer"
    );
    describe_counter!(
        names::EVENTS_DEAD_LETTERED,
        "events sent to the dead-letter stream, by durable consumer"
    );
    describe_histogram!(
        names::BATCH_SIZE,
        "events applied in one transaction, by durable consumer"
    );
    describe_gauge!(
        names::CONSUMER_PENDING,
        "messages not yet delivered to a durable consumer"
    );
    describe_gauge!(
        names::OUTBOX_BACKLOG,
        "outbox events waiting to be published"
    );
    describe_gauge!(names::OUTBOX_PARKED, "outbox events parked with an error");
    describe_gauge!(names::DLQ_MESSAGES, "messages in the dead-letter stream");
    describe_gauge!(
        names::DEPENDENCY_UP,
        "1 while postgres or nats answers the health probe, else 0"
    );
    describe_histogram!(
        names::SCREENING,
        Unit::Seconds,
        "time to screen one event's records"
    );
    describe_histogram!(
        names::RULE_EVALUATION,
        Unit::Seconds,
        "time to evaluate the live rules over one record"
    );
    describe_counter!(names::RECORDS_SCREENED, "records screened");
}

/// Labels of one gRPC method, built once per server so a request only clones them.
#[derive(Debug, Clone)]
pub struct RpcLabels {
    service: &'static str,
    grpc_service: SharedString,
    grpc_method: SharedString,
}

impl RpcLabels {
    pub fn new(service: ServiceKind, grpc_service: &str, grpc_method: &str) -> Self {
        Self {
            service: service.name(),
            grpc_service: SharedString::from(Arc::<str>::from(grpc_service)),
            grpc_method: SharedString::from(Arc::<str>::from(grpc_method)),
        }
    }

    /// For paths that name no served method: a client must not be able to create series.
    pub fn unknown(service: ServiceKind) -> Self {
        Self {
            service: service.name(),
            grpc_service: SharedString::const_str("unknown"),
            grpc_method: SharedString::const_str("unknown"),
        }
    }

    fn labels(&self) -> Vec<Label> {
        vec![
            Label::new("service", self.service),
            Label::new("grpc_service", self.grpc_service.clone()),
            Label::new("grpc_method", self.grpc_method.clone()),
        ]
    }
}

/// A gRPC call ended (or, for a server stream, started) with `code` after `elapsed`.
pub fn rpc_handled(rpc: &RpcLabels, code: tonic::Code, elapsed: Duration) {
    let labels = rpc.labels();
    metrics::histogram!(names::GRPC_DURATION, labels.clone()).record(elapsed);
    let mut labels = labels;
    labels.push(Label::new("grpc_code", code_name(code)));
    metrics::counter!(names::GRPC_REQUESTS, labels).increment(1);
}

/// The canonical upper-case name of a status code, as grpc-go and grpcurl print it.
pub fn code_name(code: tonic::Code) -> &'static str {
    use tonic::Code;
    match code {
        Code::Ok => "OK",
        Code::Cancelled => "CANCELLED",
        Code::Unknown => "UNKNOWN",
        Code::InvalidArgument => "INVALID_ARGUMENT",
        Code::DeadlineExceeded => "DEADLINE_EXCEEDED",
        Code::NotFound => "NOT_FOUND",
        Code::AlreadyExists => "ALREADY_EXISTS",
        Code::PermissionDenied => "PERMISSION_DENIED",
        Code::ResourceExhausted => "RESOURCE_EXHAUSTED",
        Code::FailedPrecondition => "FAILED_PRECONDITION",
        Code::Aborted => "ABORTED",
        Code::OutOfRange => "OUT_OF_RANGE",
        Code::Unimplemented => "UNIMPLEMENTED",
        Code::Internal => "INTERNAL",
        Code::Unavailable => "UNAVAILABLE",
        Code::DataLoss => "DATA_LOSS",
        Code::Unauthenticated => "UNAUTHENTICATED",
    }
}

/// Subject kinds: a subject without its deployment prefix and routing token (unit, mode,
/// consumer), so the label stays a closed set.
const SUBJECT_KINDS: &[&str] = &[
    "cargo.manifest.accepted",
    "passenger.api.accepted",
    "passenger.pnr.accepted",
    "risk.assessed.passenger",
    "risk.assessed.cargo",
    "alert.raised",
    "alert.updated",
    "report.seizure.recorded",
    "report.message.sent",
    "control.rules.changed",
    "control.watchlist.changed",
    "dlq",
];

/// The label value for `subject` (with or without the deployment prefix): one of a fixed set,
/// `other` for anything else.
pub fn subject_kind(subject: &str) -> &'static str {
    let rest = subject.strip_prefix("gatehouse.").or_else(|| {
        subject
            .split_once('.')
            .and_then(|(_, rest)| rest.strip_prefix("gatehouse."))
    });
    let Some(rest) = rest else {
        return "other";
    };
    SUBJECT_KINDS
        .iter()
        .copied()
        .find(|kind| {
            rest.strip_prefix(kind)
                .is_some_and(|tail| tail.is_empty() || tail.starts_with('.'))
        })
        .unwrap_or("other")
}

/// `n` events on `subject` were stored by JetStream.
pub fn event_published(subject: &str, n: usize) {
    metrics::counter!(names::EVENTS_PUBLISHED, "subject" => subject_kind(subject))
        .increment(n as u64);
}

/// `n` outbox events were parked because they can never be published.
pub fn events_parked(n: usize) {
    metrics::counter!(names::EVENTS_PARKED).increment(n as u64);
}

/// The durable `consumer` applied `n` events.
pub fn event_consumed(consumer: &'static str, n: usize) {
    metrics::counter!(names::EVENTS_CONSUMED, "consumer" => consumer).increment(n as u64);
}

/// The durable `consumer` sent `n` events to the dead-letter stream.
pub fn events_dead_lettered(consumer: &'static str, n: usize) {
    metrics::counter!(names::EVENTS_DEAD_LETTERED, "consumer" => consumer).increment(n as u64);
}

/// The durable `consumer` applied a batch of `n` events in one transaction.
pub fn batch_size(consumer: &'static str, n: usize) {
    metrics::histogram!(names::BATCH_SIZE, "consumer" => consumer).record(n as f64);
}

/// Messages not yet delivered to the durable `consumer`.
pub fn consumer_pending(consumer: &'static str, n: u64) {
    metrics::gauge!(names::CONSUMER_PENDING, "consumer" => consumer).set(n as f64);
}

/// Outbox events of `service` waiting to be published.
pub fn outbox_backlog(service: ServiceKind, n: u64) {
    metrics::gauge!(names::OUTBOX_BACKLOG, "service" => service.name()).set(n as f64);
}

/// Outbox events of `service` parked with an error.
pub fn parked_rows(service: ServiceKind, n: u64) {
    metrics::gauge!(names::OUTBOX_PARKED, "service" => service.name()).set(n as f64);
}

/// Messages in the deployment's dead-letter stream.
pub fn dlq_size(n: u64) {
    metrics::gauge!(names::DLQ_MESSAGES).set(n as f64);
}

/// A dependency of `service` the health probe checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dependency {
    Postgres,
    Nats,
}

impl Dependency {
    pub fn name(self) -> &'static str {
        match self {
            Dependency::Postgres => "postgres",
            Dependency::Nats => "nats",
        }
    }
}

/// Whether `dependency` answered the health probe of `service`.
pub fn dependency_up(service: ServiceKind, dependency: Dependency, up: bool) {
    metrics::gauge!(
        names::DEPENDENCY_UP,
        "service" => service.name(),
        "dependency" => dependency.name()
    )
    .set(if up { 1.0 } else { 0.0 });
}

/// Screening one event's records took `elapsed`.
pub fn screening_seconds(elapsed: Duration) {
    metrics::histogram!(names::SCREENING).record(elapsed);
}

/// Evaluating the live rules over one record took `elapsed`.
pub fn rule_evaluation_seconds(elapsed: Duration) {
    metrics::histogram!(names::RULE_EVALUATION).record(elapsed);
}

/// `n` records were screened.
pub fn records_screened(n: usize) {
    metrics::counter!(names::RECORDS_SCREENED).increment(n as u64);
}

/// A durable consumer whose pending count the sampler reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchedConsumer {
    /// Stream name with the deployment prefix.
    pub stream: String,
    pub durable: &'static str,
}

/// The durable consumers one service runs, filled as they are spawned. Per runtime, not global:
/// deployments in one test process have consumers of the same name on different streams.
#[derive(Debug, Clone, Default)]
pub struct Consumers(Arc<Mutex<Vec<WatchedConsumer>>>);

impl Consumers {
    pub fn register(&self, stream: String, durable: &'static str) {
        let consumer = WatchedConsumer { stream, durable };
        let mut consumers = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if !consumers.contains(&consumer) {
            consumers.push(consumer);
        }
    }

    pub fn snapshot(&self) -> Vec<WatchedConsumer> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The value of the first sample line of `name` whose labels contain every one of `labels`.
    fn sample(rendered: &str, name: &str, labels: &[&str]) -> Option<f64> {
        rendered
            .lines()
            .filter(|line| !line.starts_with('#'))
            .filter(|line| {
                line.strip_prefix(name)
                    .is_some_and(|rest| rest.starts_with('{') || rest.starts_with(' '))
            })
            .find(|line| labels.iter().all(|label| line.contains(label)))
            .and_then(|line| line.rsplit(' ').next())
            .and_then(|value| value.parse().ok())
    }

    #[test]
    fn installing_twice_returns_the_same_recorder() {
        let first = install().unwrap();
        let second = install().unwrap();
        event_consumed("test-install-twice", 2);
        for handle in [first, second] {
            assert_eq!(
                sample(
                    &handle.render(),
                    names::EVENTS_CONSUMED,
                    &[r#"consumer="test-install-twice""#]
                ),
                Some(2.0)
            );
        }
    }

    #[test]
    fn typed_functions_render_their_metrics() {
        let handle = install().unwrap();
        event_published("e2eabc.gatehouse.alert.raised.jaitf-sjj", 3);
        event_consumed("test-render", 5);
        events_dead_lettered("test-render", 1);
        batch_size("test-render", 5);
        consumer_pending("test-render", 7);
        outbox_backlog(ServiceKind::CargoIntake, 11);
        parked_rows(ServiceKind::CargoIntake, 1);
        dlq_size(4);
        dependency_up(ServiceKind::CargoIntake, Dependency::Nats, false);
        screening_seconds(Duration::from_millis(3));
        rule_evaluation_seconds(Duration::from_micros(40));
        records_screened(9);
        events_parked(1);
        rpc_handled(
            &RpcLabels::new(ServiceKind::CargoIntake, "gatehouse.v1.Test", "Probe"),
            tonic::Code::InvalidArgument,
            Duration::from_millis(2),
        );
        upkeep();
        let rendered = handle.render();

        let has = |name: &str, labels: &[&str]| sample(&rendered, name, labels);
        assert!(has(names::EVENTS_PUBLISHED, &[r#"subject="alert.raised""#]).unwrap() >= 3.0);
        assert_eq!(
            has(names::EVENTS_CONSUMED, &[r#"consumer="test-render""#]),
            Some(5.0)
        );
        assert_eq!(
            has(names::EVENTS_DEAD_LETTERED, &[r#"consumer="test-render""#]),
            Some(1.0)
        );
        assert_eq!(
            has(
                &format!("{}_count", names::BATCH_SIZE),
                &[r#"consumer="test-render""#]
            ),
            Some(1.0)
        );
        // Batch sizes have their own buckets: a batch of 5 falls in le="5".
        assert_eq!(
            has(
                &format!("{}_bucket", names::BATCH_SIZE),
                &[r#"consumer="test-render""#, r#"le="5""#]
            ),
            Some(1.0)
        );
        assert_eq!(
            has(names::CONSUMER_PENDING, &[r#"consumer="test-render""#]),
            Some(7.0)
        );
        assert_eq!(
            has(names::OUTBOX_BACKLOG, &[r#"service="cargo-intake""#]),
            Some(11.0)
        );
        assert_eq!(
            has(names::OUTBOX_PARKED, &[r#"service="cargo-intake""#]),
            Some(1.0)
        );
        assert!(has(names::DLQ_MESSAGES, &[]).is_some());
        assert_eq!(
            has(
                names::DEPENDENCY_UP,
                &[r#"service="cargo-intake""#, r#"dependency="nats""#]
            ),
            Some(0.0)
        );
        assert!(has(&format!("{}_bucket", names::SCREENING), &[r#"le="0.005""#]).is_some());
        assert!(has(&format!("{}_count", names::RULE_EVALUATION), &[]).is_some());
        assert!(has(names::RECORDS_SCREENED, &[]).unwrap() >= 9.0);
        assert!(has(names::EVENTS_PARKED, &[]).unwrap() >= 1.0);
        let rpc = [
            r#"service="cargo-intake""#,
            r#"grpc_service="gatehouse.v1.Test""#,
            r#"grpc_method="Probe""#,
        ];
        assert_eq!(
            has(
                names::GRPC_REQUESTS,
                &[rpc[0], rpc[1], rpc[2], r#"grpc_code="INVALID_ARGUMENT""#]
            ),
            Some(1.0)
        );
        assert_eq!(
            has(&format!("{}_count", names::GRPC_DURATION), &rpc),
            Some(1.0)
        );
        assert!(rendered.contains(&format!("# TYPE {} counter", names::GRPC_REQUESTS)));
        assert!(rendered.contains(&format!("# TYPE {} histogram", names::GRPC_DURATION)));
    }

    #[test]
    fn subjects_map_to_a_closed_set_of_kinds() {
        for (subject, kind) in [
            ("gatehouse.passenger.api.accepted", "passenger.api.accepted"),
            (
                "tenant_a.gatehouse.passenger.api.accepted",
                "passenger.api.accepted",
            ),
            ("gatehouse.alert.raised.jaitf-sjj", "alert.raised"),
            ("gatehouse.alert.updated.pcu-bar", "alert.updated"),
            (
                "gatehouse.cargo.manifest.accepted.sea",
                "cargo.manifest.accepted",
            ),
            (
                "gatehouse.report.seizure.recorded.x",
                "report.seizure.recorded",
            ),
            ("gatehouse.dlq.risk-targeting-api", "dlq"),
            (
                "gatehouse.risk.assessed.passenger",
                "risk.assessed.passenger",
            ),
            ("gatehouse.risk.assessed.passengers", "other"),
            ("gatehouse.unknown.thing", "other"),
            ("somewhere.else", "other"),
            ("a.b.gatehouse.alert.raised", "other"),
        ] {
            assert_eq!(subject_kind(subject), kind, "{subject}");
        }
    }

    #[test]
    fn consumers_are_registered_once() {
        let consumers = Consumers::default();
        consumers.register("E2E_INTAKE".into(), "risk-targeting-api");
        consumers
            .clone()
            .register("E2E_INTAKE".into(), "risk-targeting-api");
        consumers.register("E2E_RISK".into(), "unit-alerts-assessed");
        assert_eq!(
            consumers.snapshot(),
            vec![
                WatchedConsumer {
                    stream: "E2E_INTAKE".into(),
                    durable: "risk-targeting-api"
                },
                WatchedConsumer {
                    stream: "E2E_RISK".into(),
                    durable: "unit-alerts-assessed"
                },
            ]
        );
    }
}
