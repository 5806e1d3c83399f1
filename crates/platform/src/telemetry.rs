//! Logs and traces: `tracing` for both, exported over OTLP when `OTEL_EXPORTER_OTLP_ENDPOINT` is set.
//!
//! W3C trace context travels through gRPC metadata and NATS headers, so one trace follows a
//! record from intake to the alert it raises.

use std::collections::HashMap;

use opentelemetry::{global, propagation::TextMapPropagator, trace::TracerProvider as _};
use opentelemetry_sdk::{Resource, propagation::TraceContextPropagator, trace::SdkTracerProvider};
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::{EnvFilter, Layer, layer::SubscriberExt, util::SubscriberInitExt};

use crate::config::LogFormat;

/// Crates whose info-level chatter drowns the service's own events.
const DEFAULT_FILTER: &str =
    "info,sqlx=warn,async_nats=warn,h2=warn,hyper=warn,tower=warn,tonic=warn,opentelemetry=warn";

#[derive(Debug, thiserror::Error)]
pub enum TelemetryError {
    #[error("building the OTLP exporter: {0}")]
    Exporter(String),
    #[error("installing the tracing subscriber: {0}")]
    Subscriber(String),
}

/// Flushes buffered spans when dropped at shutdown.
pub struct TelemetryGuard {
    provider: Option<SdkTracerProvider>,
}

impl Drop for TelemetryGuard {
    fn drop(&mut self) {
        if let Some(provider) = self.provider.take()
            && let Err(error) = provider.shutdown()
        {
            eprintln!("flushing spans at shutdown failed: {error}");
        }
    }
}

/// Installs the global subscriber: `RUST_LOG` filter, pretty or JSON logs, and OTLP export of
/// spans when the standard `OTEL_EXPORTER_OTLP_ENDPOINT` variable is set.
pub fn init(service_name: &str, format: LogFormat) -> Result<TelemetryGuard, TelemetryError> {
    global::set_text_map_propagator(TraceContextPropagator::new());
    let filter =
        || EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));

    let provider = match std::env::var("OTEL_EXPORTER_OTLP_ENDPOINT") {
        Ok(endpoint) if !endpoint.trim().is_empty() => {
            let exporter = opentelemetry_otlp::SpanExporter::builder()
                .with_tonic()
                .build()
                .map_err(|e| TelemetryError::Exporter(e.to_string()))?;
            let service =
                std::env::var("OTEL_SERVICE_NAME").unwrap_or_else(|_| service_name.to_owned());
            Some(
                SdkTracerProvider::builder()
                    .with_batch_exporter(exporter)
                    .with_resource(Resource::builder().with_service_name(service).build())
                    .build(),
            )
        }
        _ => None,
    };
    let otel_layer = provider.as_ref().map(|provider| {
        tracing_opentelemetry::layer()
            .with_tracer(provider.tracer(service_name.to_owned()))
            .with_filter(filter())
    });
    let fmt_layer = match format {
        LogFormat::Json => tracing_subscriber::fmt::layer()
            .json()
            .with_current_span(true)
            .with_filter(filter())
            .boxed(),
        LogFormat::Pretty => tracing_subscriber::fmt::layer()
            .compact()
            .with_filter(filter())
            .boxed(),
    };
    tracing_subscriber::registry()
        .with(fmt_layer)
        .with(otel_layer)
        .try_init()
        .map_err(|e| TelemetryError::Subscriber(e.to_string()))?;
    if let Some(provider) = &provider {
        global::set_tracer_provider(provider.clone());
    }
    Ok(TelemetryGuard { provider })
}

/// Quiet by default in tests; `TEST_LOG=1` shows logs. Safe to call from every test.
pub fn init_for_tests() {
    global::set_text_map_propagator(TraceContextPropagator::new());
    if std::env::var_os("TEST_LOG").is_some() {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(
                EnvFilter::try_from_default_env()
                    .unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER)),
            )
            .with_test_writer()
            .try_init();
    }
}

/// W3C trace context (`traceparent`, `tracestate`) of the current span, as header pairs.
pub fn current_trace_headers() -> HashMap<String, String> {
    let mut carrier = HashMap::new();
    let context = tracing::Span::current().context();
    TraceContextPropagator::new().inject_context(&context, &mut carrier);
    carrier
}

/// Makes `span` a child of the trace described by `headers` (when they carry one).
pub fn set_parent_from<'a>(
    span: &tracing::Span,
    headers: impl IntoIterator<Item = (&'a str, &'a str)>,
) {
    let carrier: HashMap<String, String> = headers
        .into_iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v.to_owned()))
        .collect();
    if carrier.contains_key("traceparent") {
        let context = TraceContextPropagator::new().extract(&carrier);
        // A parent that cannot be attached only loses the link between spans; the work goes on.
        let _ = span.set_parent(context);
    }
}

/// Copies the current trace context into outgoing gRPC metadata.
pub fn inject_grpc(metadata: &mut tonic::metadata::MetadataMap) {
    for (key, value) in current_trace_headers() {
        if let (Ok(key), Ok(value)) = (
            tonic::metadata::MetadataKey::from_bytes(key.as_bytes()),
            value.parse(),
        ) {
            metadata.insert(key, value);
        }
    }
}

/// Span for an incoming gRPC request, child of the caller's trace.
pub fn grpc_request_span(request: &http::Request<()>) -> tracing::Span {
    let span = tracing::info_span!("grpc.request", rpc = %request.uri().path());
    set_parent_from(
        &span,
        request
            .headers()
            .iter()
            .filter_map(|(k, v)| v.to_str().ok().map(|v| (k.as_str(), v))),
    );
    span
}

#[cfg(test)]
mod tests {
    use opentelemetry::trace::TraceContextExt;

    use super::*;

    #[test]
    fn trace_context_survives_a_hop_through_headers() {
        let provider = SdkTracerProvider::builder().build();
        let subscriber = tracing_subscriber::registry()
            .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("test")));
        tracing::subscriber::with_default(subscriber, || {
            let producer = tracing::info_span!("produce");
            let headers = producer.in_scope(current_trace_headers);
            let traceparent = headers.get("traceparent").expect("traceparent header");
            let producer_trace = producer.context().span().span_context().trace_id();
            assert!(traceparent.contains(&producer_trace.to_string()));

            // The consumer side: a fresh span adopts the producer's trace.
            let consumer = tracing::info_span!("consume");
            set_parent_from(
                &consumer,
                headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            );
            assert_eq!(
                consumer.context().span().span_context().trace_id(),
                producer_trace
            );

            let unrelated = tracing::info_span!("unrelated");
            set_parent_from(&unrelated, [("content-type", "application/protobuf")]);
            assert_ne!(
                unrelated.context().span().span_context().trace_id(),
                producer_trace
            );
        });
    }
}
