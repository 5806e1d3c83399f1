//! The gRPC server every service runs: its own services plus health, reflection (v1 and v1alpha,
//! for grpcurl and older tools), gRPC-Web with CORS for browser dashboards, request spans that
//! continue the caller's trace, per-RPC metrics, and graceful shutdown.

use std::{
    collections::HashMap,
    future::Future,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
    time::Instant,
};

use bytes::Bytes;
use prost::Message as _;
use tokio::{net::TcpListener, sync::Mutex};
use tokio_stream::wrappers::TcpListenerStream;
use tonic::{service::Routes, transport::Server};
use tonic_health::{
    ServingStatus,
    pb::health_server::HealthServer,
    server::{HealthReporter, HealthService},
};
use tower::{Layer, Service};
use tower_http::cors::{Any, CorsLayer};

use crate::{
    config::ServiceKind,
    metrics::{self, RpcLabels},
    telemetry,
};

pub const HEALTH_SERVICE: &str = "grpc.health.v1.Health";
pub const REFLECTION_V1_SERVICE: &str = "grpc.reflection.v1.ServerReflection";
pub const REFLECTION_V1ALPHA_SERVICE: &str = "grpc.reflection.v1alpha.ServerReflection";
/// Health name that is SERVING whenever the process serves at all: for liveness probes, which
/// must not restart a pod because Postgres or NATS is down.
pub const LIVENESS: &str = "liveness";

/// Descriptor sets of everything a Gatehouse server can serve.
const DESCRIPTOR_SETS: [&[u8]; 4] = [
    gatehouse_proto::FILE_DESCRIPTOR_SET,
    tonic_health::pb::FILE_DESCRIPTOR_SET,
    tonic_reflection::pb::v1::FILE_DESCRIPTOR_SET,
    tonic_reflection::pb::v1alpha::FILE_DESCRIPTOR_SET,
];

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("reflection: {0}")]
    Reflection(String),
    #[error("grpc server: {0}")]
    Transport(#[from] tonic::transport::Error),
}

/// What one server serves besides its routes.
pub struct ServeOptions<'a> {
    pub service: ServiceKind,
    /// Fully qualified names of the service's own gRPC services: the only ones reflection lists
    /// (with health and reflection) and the names health reports.
    pub service_names: &'a [&'a str],
    pub health: Health,
}

/// Serves `routes` on `listener` until `shutdown` completes, then drains in-flight calls.
pub async fn serve(
    listener: TcpListener,
    routes: Routes,
    options: ServeOptions<'_>,
    shutdown: crate::runtime::Shutdown,
) -> Result<(), ServeError> {
    let ServeOptions {
        service,
        service_names,
        health,
    } = options;
    let reflection_v1 = reflection(service_names)
        .build_v1()
        .map_err(|e| ServeError::Reflection(e.to_string()))?;
    let reflection_v1alpha = reflection(service_names)
        .build_v1alpha()
        .map_err(|e| ServeError::Reflection(e.to_string()))?;
    let rpc_metrics = RpcMetricsLayer::new(service, service_names);

    let routes = routes
        .add_service(health.server())
        .add_service(reflection_v1)
        .add_service(reflection_v1alpha);
    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_headers(Any)
        .allow_methods(Any)
        .expose_headers(Any);
    let shutdown = async move {
        shutdown.await;
        // Load balancers stop routing here while in-flight calls finish.
        health.drain().await;
    };
    Server::builder()
        .accept_http1(true)
        .trace_fn(telemetry::grpc_request_span)
        .layer(cors)
        .layer(tonic_web::GrpcWebLayer::new())
        // Innermost, so gRPC-Web calls are measured as the gRPC calls they are translated to.
        .layer(rpc_metrics)
        .add_routes(routes)
        .serve_with_incoming_shutdown(TcpListenerStream::new(listener), shutdown)
        .await?;
    Ok(())
}

/// Reflection over every Gatehouse descriptor (so any type a served method uses can be described)
/// that lists only this server's services: a client shown a service can call it.
fn reflection(service_names: &[&str]) -> tonic_reflection::server::Builder<'static> {
    let mut builder = tonic_reflection::server::Builder::configure();
    for set in DESCRIPTOR_SETS {
        builder = builder.register_encoded_file_descriptor_set(set);
    }
    for name in service_names.iter().copied().chain([
        HEALTH_SERVICE,
        REFLECTION_V1_SERVICE,
        REFLECTION_V1ALPHA_SERVICE,
    ]) {
        builder = builder.with_service_name(name);
    }
    builder
}

/// The health a server reports: overall (`""`) and per service name. SERVING only while the
/// dependencies answer (see `runtime`), NOT_SERVING for good once draining begins.
#[derive(Clone)]
pub struct Health {
    reporter: HealthReporter,
    names: Arc<[String]>,
    state: Arc<Mutex<HealthState>>,
}

#[derive(Default)]
struct HealthState {
    draining: bool,
    serving: Option<bool>,
}

impl Health {
    /// Starts NOT_SERVING (but [`LIVENESS`]): the first probe decides.
    pub async fn new(service_names: &[&str]) -> Self {
        let names: Arc<[String]> = std::iter::once("")
            .chain(service_names.iter().copied())
            .map(str::to_owned)
            .collect();
        let health = Self {
            reporter: HealthReporter::new(),
            names,
            state: Arc::default(),
        };
        health.set_all(ServingStatus::NotServing).await;
        health
            .reporter
            .set_service_status(LIVENESS, ServingStatus::Serving)
            .await;
        health
    }

    /// Reports SERVING or NOT_SERVING, unless draining has begun.
    pub async fn set_serving(&self, serving: bool) {
        // Held across the update so a probe that started before `drain` cannot undo it.
        let mut state = self.state.lock().await;
        if state.draining || state.serving == Some(serving) {
            return;
        }
        state.serving = Some(serving);
        self.set_all(if serving {
            ServingStatus::Serving
        } else {
            ServingStatus::NotServing
        })
        .await;
    }

    /// NOT_SERVING from now on.
    pub async fn drain(&self) {
        let mut state = self.state.lock().await;
        state.draining = true;
        self.set_all(ServingStatus::NotServing).await;
    }

    pub fn server(&self) -> HealthServer<HealthService> {
        HealthServer::new(HealthService::from_health_reporter(self.reporter.clone()))
    }

    async fn set_all(&self, status: ServingStatus) {
        for name in self.names.iter() {
            self.reporter.set_service_status(name, status).await;
        }
    }
}

/// The served methods, from the descriptors: labels are built once, and a path that names no
/// served method is counted as `unknown` so callers cannot create series.
struct RpcTable {
    methods: HashMap<String, Rpc>,
    unknown: Rpc,
}

#[derive(Clone)]
struct Rpc {
    labels: RpcLabels,
    /// Server-streaming calls are counted when the response starts: a subscription can stay
    /// open for hours, and its status only arrives when it ends.
    server_streaming: bool,
}

impl RpcTable {
    fn new(service: ServiceKind, service_names: &[&str]) -> Self {
        let served: Vec<&str> = service_names
            .iter()
            .copied()
            .chain([
                HEALTH_SERVICE,
                REFLECTION_V1_SERVICE,
                REFLECTION_V1ALPHA_SERVICE,
            ])
            .collect();
        let mut methods = HashMap::new();
        for set in DESCRIPTOR_SETS {
            let Ok(set) = prost_types::FileDescriptorSet::decode(set) else {
                tracing::warn!("undecodable descriptor set, its methods are counted as unknown");
                continue;
            };
            for file in set.file {
                let package = file.package.unwrap_or_default();
                for grpc_service in file.service {
                    let name = format!("{package}.{}", grpc_service.name.unwrap_or_default());
                    if !served.contains(&name.as_str()) {
                        continue;
                    }
                    for method in grpc_service.method {
                        let method_name = method.name.unwrap_or_default();
                        methods.insert(
                            format!("/{name}/{method_name}"),
                            Rpc {
                                labels: RpcLabels::new(service, &name, &method_name),
                                server_streaming: method.server_streaming.unwrap_or(false),
                            },
                        );
                    }
                }
            }
        }
        Self {
            methods,
            unknown: Rpc {
                labels: RpcLabels::unknown(service),
                server_streaming: false,
            },
        }
    }

    fn get(&self, path: &str) -> &Rpc {
        self.methods.get(path).unwrap_or(&self.unknown)
    }
}

/// Counts calls by method and status code and times them (`gatehouse_grpc_*`).
#[derive(Clone)]
pub struct RpcMetricsLayer {
    table: Arc<RpcTable>,
}

impl RpcMetricsLayer {
    pub fn new(service: ServiceKind, service_names: &[&str]) -> Self {
        Self {
            table: Arc::new(RpcTable::new(service, service_names)),
        }
    }
}

impl<S> Layer<S> for RpcMetricsLayer {
    type Service = RpcMetrics<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RpcMetrics {
            inner,
            table: self.table.clone(),
        }
    }
}

#[derive(Clone)]
pub struct RpcMetrics<S> {
    inner: S,
    table: Arc<RpcTable>,
}

impl<S, ReqBody, ResBody> Service<http::Request<ReqBody>> for RpcMetrics<S>
where
    S: Service<http::Request<ReqBody>, Response = http::Response<ResBody>>,
    S::Future: Send + 'static,
    ResBody: http_body::Body<Data = Bytes> + Unpin,
{
    type Response = http::Response<MeteredBody<ResBody>>;
    type Error = S::Error;
    type Future =
        Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send + 'static>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<ReqBody>) -> Self::Future {
        let rpc = self.table.get(request.uri().path()).clone();
        let started = Instant::now();
        let response = self.inner.call(request);
        Box::pin(async move {
            let response = match response.await {
                Ok(response) => response,
                Err(error) => {
                    metrics::rpc_handled(&rpc.labels, tonic::Code::Unknown, started.elapsed());
                    return Err(error);
                }
            };
            // Errors come "trailers-only", with the status in the headers.
            let header_code = grpc_status(response.headers());
            let pending = match header_code {
                Some(code) => {
                    metrics::rpc_handled(&rpc.labels, code, started.elapsed());
                    None
                }
                None if rpc.server_streaming => {
                    metrics::rpc_handled(&rpc.labels, tonic::Code::Ok, started.elapsed());
                    None
                }
                None => Some((rpc, started)),
            };
            Ok(response.map(|body| MeteredBody {
                inner: body,
                pending,
            }))
        })
    }
}

fn grpc_status(headers: &http::HeaderMap) -> Option<tonic::Code> {
    headers
        .get("grpc-status")
        .map(|value| tonic::Code::from_bytes(value.as_bytes()))
}

/// A response body that records its call when the status arrives in the trailers, or as
/// CANCELLED when it is dropped before (the client went away).
pub struct MeteredBody<B> {
    inner: B,
    pending: Option<(Rpc, Instant)>,
}

impl<B> MeteredBody<B> {
    fn finish(&mut self, code: tonic::Code) {
        if let Some((rpc, started)) = self.pending.take() {
            metrics::rpc_handled(&rpc.labels, code, started.elapsed());
        }
    }
}

impl<B> Drop for MeteredBody<B> {
    fn drop(&mut self) {
        self.finish(tonic::Code::Cancelled);
    }
}

impl<B> http_body::Body for MeteredBody<B>
where
    B: http_body::Body<Data = Bytes> + Unpin,
{
    type Data = Bytes;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_frame(cx);
        match &polled {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(code) = frame.trailers_ref().and_then(grpc_status) {
                    this.finish(code);
                }
            }
            Poll::Ready(Some(Err(_))) => this.finish(tonic::Code::Unknown),
            // A body that ends without a status is not a valid gRPC response.
            Poll::Ready(None) => this.finish(tonic::Code::Unknown),
            Poll::Pending => {}
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// Completes on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::warn!(%error, "cannot listen for ctrl-c");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("shutdown requested");
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio_stream::StreamExt;
    use tonic::transport::Channel;
    use tonic_health::pb::{
        HealthCheckRequest, health_check_response::ServingStatus as Status,
        health_client::HealthClient,
    };
    use tonic_reflection::pb::v1::{
        ServerReflectionRequest, server_reflection_client::ServerReflectionClient,
        server_reflection_request::MessageRequest, server_reflection_response::MessageResponse,
    };

    use super::*;

    const OWN: &str = "gatehouse.v1.ReportingService";

    /// A server with no routes of its own that claims `OWN`, on a port-0 listener.
    async fn start(health: Health) -> (Channel, tokio::sync::oneshot::Sender<()>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            serve(
                listener,
                Routes::default(),
                ServeOptions {
                    service: ServiceKind::Reporting,
                    service_names: &[OWN],
                    health,
                },
                Box::pin(async move {
                    let _ = stopped.await;
                }),
            )
            .await
        });
        let channel = Channel::from_shared(format!("http://{addr}"))
            .unwrap()
            .connect_timeout(Duration::from_secs(5))
            .connect()
            .await
            .unwrap();
        (channel, stop)
    }

    async fn reflect(channel: Channel, request: MessageRequest) -> MessageResponse {
        let mut responses = ServerReflectionClient::new(channel)
            .server_reflection_info(tokio_stream::once(ServerReflectionRequest {
                host: String::new(),
                message_request: Some(request),
            }))
            .await
            .unwrap()
            .into_inner();
        responses
            .next()
            .await
            .unwrap()
            .unwrap()
            .message_response
            .unwrap()
    }

    async fn status(channel: Channel, service: &str) -> i32 {
        HealthClient::new(channel)
            .check(HealthCheckRequest {
                service: service.into(),
            })
            .await
            .unwrap()
            .into_inner()
            .status
    }

    #[tokio::test]
    async fn reflection_lists_only_the_own_service_and_still_describes_it() {
        let (channel, _stop) = start(Health::new(&[OWN]).await).await;
        let MessageResponse::ListServicesResponse(list) =
            reflect(channel.clone(), MessageRequest::ListServices(String::new())).await
        else {
            panic!("not a service list");
        };
        let mut listed: Vec<String> = list.service.into_iter().map(|s| s.name).collect();
        listed.sort();
        assert_eq!(
            listed,
            [
                OWN,
                HEALTH_SERVICE,
                REFLECTION_V1_SERVICE,
                REFLECTION_V1ALPHA_SERVICE
            ]
            .map(str::to_owned)
            .into_iter()
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect::<Vec<_>>()
        );
        let MessageResponse::FileDescriptorResponse(files) =
            reflect(channel, MessageRequest::FileContainingSymbol(OWN.into())).await
        else {
            panic!("{OWN} not described");
        };
        assert!(!files.file_descriptor_proto.is_empty());
    }

    #[tokio::test]
    async fn health_follows_the_probe_until_draining() {
        let health = Health::new(&[OWN]).await;
        let (channel, _stop) = start(health.clone()).await;
        for name in ["", OWN] {
            assert_eq!(
                status(channel.clone(), name).await,
                Status::NotServing as i32
            );
        }
        // Liveness does not wait for the dependencies.
        assert_eq!(
            status(channel.clone(), LIVENESS).await,
            Status::Serving as i32
        );
        health.set_serving(true).await;
        for name in ["", OWN] {
            assert_eq!(status(channel.clone(), name).await, Status::Serving as i32);
        }
        health.set_serving(false).await;
        assert_eq!(
            status(channel.clone(), OWN).await,
            Status::NotServing as i32
        );
        health.set_serving(true).await;
        health.drain().await;
        // A probe that finishes after draining began changes nothing.
        health.set_serving(true).await;
        for name in ["", OWN] {
            assert_eq!(
                status(channel.clone(), name).await,
                Status::NotServing as i32
            );
        }
        assert_eq!(status(channel, LIVENESS).await, Status::Serving as i32);
    }

    #[tokio::test]
    async fn calls_are_counted_by_method_and_code() {
        let handle = crate::metrics::install().unwrap();
        let health = Health::new(&[OWN]).await;
        let (channel, _stop) = start(health).await;
        // Check on an unknown service answers NOT_FOUND; one on a known service answers OK.
        let unknown = HealthClient::new(channel.clone())
            .check(HealthCheckRequest {
                service: "no.such.Service".into(),
            })
            .await
            .unwrap_err();
        assert_eq!(unknown.code(), tonic::Code::NotFound);
        status(channel.clone(), OWN).await;
        // A path that names no served method (here another service's) gets no label of its own.
        let other =
            gatehouse_proto::v1::unit_alerts_service_client::UnitAlertsServiceClient::new(channel)
                .get_alert(gatehouse_proto::v1::GetAlertRequest::default())
                .await
                .unwrap_err();
        assert_eq!(other.code(), tonic::Code::Unimplemented);

        let rendered = handle.render();
        let line = |method: &str, code: &str| {
            format!(
                r#"gatehouse_grpc_requests_total{{service="reporting",grpc_service="grpc.health.v1.Health",grpc_method="{method}",grpc_code="{code}"}}"#
            )
        };
        assert!(rendered.contains(&line("Check", "NOT_FOUND")), "{rendered}");
        assert!(rendered.contains(&line("Check", "OK")), "{rendered}");
        assert!(
            rendered.contains(
                r#"grpc_service="unknown",grpc_method="unknown",grpc_code="UNIMPLEMENTED""#
            ),
            "{rendered}"
        );
        assert!(!rendered.contains("UnitAlertsService"), "{rendered}");
        assert!(
            rendered.contains(r#"gatehouse_grpc_request_duration_seconds_bucket{service="reporting",grpc_service="grpc.health.v1.Health",grpc_method="Check",le="#),
            "{rendered}"
        );
    }
}
