//! A whole Gatehouse deployment in-process for end-to-end tests: the five services on port-0
//! listeners against the real NATS and Postgres, isolated by a fresh database and a unique
//! subject/stream prefix, with typed clients authenticated per role.

use std::{
    collections::{HashMap, HashSet},
    future::Future,
    net::SocketAddr,
    pin::Pin,
    sync::{Arc, Mutex, PoisonError},
    time::Duration,
};

use anyhow::{Context, bail};
use gatehouse_platform::{
    auth::{BearerToken, Role, mint_hs256},
    config::{BoundListener, MetricsListen, ServiceConfig, ServiceKind},
    db,
    runtime::RuntimeError,
};
use gatehouse_proto::v1::{
    passenger_intake_service_client::PassengerIntakeServiceClient,
    reporting_service_client::ReportingServiceClient,
    risk_targeting_service_client::RiskTargetingServiceClient,
    unit_alerts_service_client::UnitAlertsServiceClient,
};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
    task::JoinHandle,
};
use tokio_stream::StreamExt;
use tokio_util::sync::CancellationToken;
use tonic::{
    service::interceptor::InterceptedService,
    transport::{Channel, Endpoint},
};
use tonic_health::pb::health_check_response::ServingStatus;

/// HS256 key of the sandboxes: services refuse secrets under 32 bytes.
pub mod replicas;

pub const JWT_SECRET: &str = "e2e-sandbox-hs256-key-7f3a9c1d5e8b2046";

/// Base Postgres URL; each sandbox creates its own database next to it.
pub fn database_url() -> String {
    std::env::var("GATEHOUSE_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

pub fn nats_url() -> String {
    std::env::var("GATEHOUSE_TEST_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into())
}

type RunFn = fn(
    ServiceConfig,
    TcpListener,
    Pin<Box<dyn Future<Output = ()> + Send>>,
) -> Pin<Box<dyn Future<Output = Result<(), RuntimeError>> + Send>>;

fn runner(kind: ServiceKind) -> RunFn {
    match kind {
        ServiceKind::CargoIntake => |c, l, s| Box::pin(gatehouse_cargo_intake::run(c, l, s)),
        ServiceKind::PassengerIntake => {
            |c, l, s| Box::pin(gatehouse_passenger_intake::run(c, l, s))
        }
        ServiceKind::RiskTargeting => |c, l, s| Box::pin(gatehouse_risk_targeting::run(c, l, s)),
        ServiceKind::UnitAlerts => |c, l, s| Box::pin(gatehouse_unit_alerts::run(c, l, s)),
        ServiceKind::Reporting => |c, l, s| Box::pin(gatehouse_reporting::run(c, l, s)),
    }
}

pub struct Sandbox {
    pub database: String,
    pub database_url: String,
    /// Subject and stream prefix of this sandbox.
    pub prefix: String,
    pub addrs: HashMap<ServiceKind, SocketAddr>,
    /// Prometheus `/metrics` endpoint of each service (all render the one registry of this
    /// process, whose `service` label tells the services apart).
    pub metrics_addrs: HashMap<ServiceKind, SocketAddr>,
    postgres_proxy: Option<TcpProxy>,
    nats_proxy: Option<TcpProxy>,
    shutdown: CancellationToken,
    tasks: Vec<(ServiceKind, JoinHandle<Result<(), RuntimeError>>)>,
}

pub type Authed = InterceptedService<Channel, BearerToken>;

/// Who a client acts as.
pub struct Identity<'a> {
    pub subject: &'a str,
    pub agency: &'a str,
    pub units: &'a [&'a str],
    pub roles: &'a [Role],
}

/// How a [`Sandbox`] is set up; [`Sandbox::start`] takes the defaults.
#[derive(Debug, Default)]
pub struct SandboxBuilder {
    postgres_via_proxy: HashSet<ServiceKind>,
    nats_via_proxy: HashSet<ServiceKind>,
    observe_intake: bool,
}

/// Limit of each sandbox stream: JetStream reserves it, and sandboxes run in parallel.
pub const STREAM_MAX_BYTES: i64 = 64 * 1024 * 1024;

/// Durable consumer that never acknowledges: with interest retention it keeps every INTAKE event
/// in the stream for a test to read.
pub const INTAKE_OBSERVER: &str = "e2e-observer";

impl SandboxBuilder {
    /// Keeps every event published to INTAKE readable by sequence ([`INTAKE_OBSERVER`]); the
    /// consumers' acknowledgements would otherwise remove them.
    pub fn observe_intake(mut self) -> Self {
        self.observe_intake = true;
        self
    }

    /// Routes the Postgres connections of `services` through one [`TcpProxy`]
    /// ([`Sandbox::postgres_proxy`]) that the test can cut and restore.
    pub fn postgres_via_proxy(mut self, services: &[ServiceKind]) -> Self {
        self.postgres_via_proxy.extend(services);
        self
    }

    /// Routes the NATS connections of `services` through one [`TcpProxy`]
    /// ([`Sandbox::nats_proxy`]) that the test can cut and restore.
    pub fn nats_via_proxy(mut self, services: &[ServiceKind]) -> Self {
        self.nats_via_proxy.extend(services);
        self
    }

    /// Starts all five services and waits until each answers health checks.
    pub async fn start(self) -> anyhow::Result<Sandbox> {
        Sandbox::start_with(self).await
    }
}

impl Sandbox {
    /// Starts all five services and waits until each answers health checks.
    pub async fn start() -> anyhow::Result<Self> {
        Self::start_with(SandboxBuilder::default()).await
    }

    pub fn builder() -> SandboxBuilder {
        SandboxBuilder::default()
    }

    async fn start_with(options: SandboxBuilder) -> anyhow::Result<Self> {
        gatehouse_platform::telemetry::init_for_tests();
        let id = uuid::Uuid::now_v7().simple().to_string();
        let database = format!("gh_e2e_{id}");
        let database_url = db::create_scratch_database(&database_url(), &database).await?;
        let prefix = format!("e2e{}", &id[id.len() - 12..]);
        let postgres_proxy = if options.postgres_via_proxy.is_empty() {
            None
        } else {
            Some(TcpProxy::start(url_authority(&database_url, 5432)?).await?)
        };
        let nats_proxy = if options.nats_via_proxy.is_empty() {
            None
        } else {
            Some(TcpProxy::start(url_authority(&nats_url(), 4222)?).await?)
        };
        let shutdown = CancellationToken::new();
        let mut addrs = HashMap::new();
        let mut metrics_addrs = HashMap::new();
        let mut tasks = Vec::new();
        for kind in ServiceKind::ALL {
            let listener = TcpListener::bind("127.0.0.1:0").await?;
            let addr = listener.local_addr()?;
            let service_database_url = match &postgres_proxy {
                Some(proxy) if options.postgres_via_proxy.contains(&kind) => {
                    with_authority(&database_url, proxy.addr())?
                }
                _ => database_url.clone(),
            };
            let service_nats_url = match &nats_proxy {
                Some(proxy) if options.nats_via_proxy.contains(&kind) => {
                    with_authority(&nats_url(), proxy.addr())?
                }
                _ => nats_url(),
            };
            let env: HashMap<&str, String> = HashMap::from([
                ("GATEHOUSE_DATABASE_URL", service_database_url),
                ("GATEHOUSE_NATS_URL", service_nats_url),
                // Never the fixed 910x ports: sandboxes run in parallel. The listener bound below
                // replaces this, so the test knows the port.
                ("GATEHOUSE_METRICS_ADDR", "127.0.0.1:0".to_owned()),
                ("GATEHOUSE_BUS_PREFIX", prefix.clone()),
                ("GATEHOUSE_GRPC_ADDR", addr.to_string()),
                ("GATEHOUSE_JWT_SECRET", JWT_SECRET.to_owned()),
                ("GATEHOUSE_DB_MAX_CONNECTIONS", "4".to_owned()),
                // Quick redelivery keeps fault tests short.
                ("GATEHOUSE_MAX_DELIVER", "3".to_owned()),
                // JetStream reserves each stream's limit: keep concurrent sandboxes small.
                ("GATEHOUSE_STREAM_MAX_BYTES", STREAM_MAX_BYTES.to_string()),
            ]);
            let mut config = ServiceConfig::from_lookup(kind, |key| env.get(key).cloned())?;
            let metrics_listener = std::net::TcpListener::bind("127.0.0.1:0")?;
            metrics_addrs.insert(kind, metrics_listener.local_addr()?);
            config.metrics = MetricsListen::Bound(BoundListener::new(metrics_listener));
            let token = shutdown.clone();
            let run = runner(kind);
            tasks.push((
                kind,
                tokio::spawn(async move {
                    run(
                        config,
                        listener,
                        Box::pin(async move { token.cancelled().await }),
                    )
                    .await
                }),
            ));
            addrs.insert(kind, addr);
        }
        let sandbox = Self {
            database,
            database_url,
            prefix,
            addrs,
            metrics_addrs,
            postgres_proxy,
            nats_proxy,
            shutdown,
            tasks,
        };
        for kind in ServiceKind::ALL {
            sandbox
                .wait_healthy(kind)
                .await
                .with_context(|| format!("{} did not start", kind.name()))?;
        }
        if options.observe_intake {
            // Healthy services have provisioned the streams, and nothing is published before a
            // test submits.
            let js = sandbox.jetstream().await?;
            js.get_stream(sandbox.stream("INTAKE"))
                .await?
                .create_consumer(async_nats::jetstream::consumer::pull::Config {
                    durable_name: Some(INTAKE_OBSERVER.to_owned()),
                    ack_policy: async_nats::jetstream::consumer::AckPolicy::Explicit,
                    ..Default::default()
                })
                .await?;
        }
        Ok(sandbox)
    }

    async fn wait_healthy(&self, kind: ServiceKind) -> anyhow::Result<()> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        loop {
            if let Some((_, task)) = self.tasks.iter().find(|(k, _)| *k == kind)
                && task.is_finished()
            {
                bail!("service exited during start");
            }
            if let Ok(channel) = self.endpoint(kind)?.connect().await {
                let mut health = tonic_health::pb::health_client::HealthClient::new(channel);
                let request = tonic_health::pb::HealthCheckRequest {
                    service: String::new(),
                };
                if let Ok(response) = health.check(request).await
                    && response.into_inner().status
                        == tonic_health::pb::health_check_response::ServingStatus::Serving as i32
                {
                    return Ok(());
                }
            }
            if tokio::time::Instant::now() > deadline {
                bail!("not healthy after 60 s");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The proxy between Postgres and the services chosen with
    /// [`SandboxBuilder::postgres_via_proxy`].
    pub fn postgres_proxy(&self) -> Option<&TcpProxy> {
        self.postgres_proxy.as_ref()
    }

    /// The proxy between NATS and the services chosen with [`SandboxBuilder::nats_via_proxy`].
    pub fn nats_proxy(&self) -> Option<&TcpProxy> {
        self.nats_proxy.as_ref()
    }

    /// The health `kind` reports for `service` (`""` for the server as a whole).
    pub async fn health(&self, kind: ServiceKind, service: &str) -> anyhow::Result<ServingStatus> {
        let mut health =
            tonic_health::pb::health_client::HealthClient::new(self.channel(kind).await?);
        let status = health
            .check(tonic_health::pb::HealthCheckRequest {
                service: service.to_owned(),
            })
            .await?
            .into_inner()
            .status;
        Ok(ServingStatus::try_from(status)?)
    }

    /// Waits on the health `Watch` stream of `kind` until `service` reports `wanted`; fails after
    /// `limit`, which only stops a broken run from hanging.
    pub async fn wait_for_health(
        &self,
        kind: ServiceKind,
        service: &str,
        wanted: ServingStatus,
        limit: Duration,
    ) -> anyhow::Result<()> {
        let mut health =
            tonic_health::pb::health_client::HealthClient::new(self.channel(kind).await?);
        let watch = async {
            let mut updates = health
                .watch(tonic_health::pb::HealthCheckRequest {
                    service: service.to_owned(),
                })
                .await?
                .into_inner();
            while let Some(update) = updates.next().await {
                if update?.status == wanted as i32 {
                    return Ok(());
                }
            }
            bail!("health watch of {} ended", kind.name())
        };
        tokio::time::timeout(limit, watch).await.with_context(|| {
            format!(
                "{} did not report {wanted:?} for {service:?} within {limit:?}",
                kind.name()
            )
        })?
    }

    /// The text `GET /metrics` of `kind` answers (HTTP/1.1 over a plain socket: the exposition
    /// format needs no client library).
    pub async fn scrape_metrics(&self, kind: ServiceKind) -> anyhow::Result<String> {
        let addr = self.metrics_addrs.get(&kind).context("unknown service")?;
        let mut stream = TcpStream::connect(addr).await?;
        stream
            .write_all(
                format!("GET /metrics HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n")
                    .as_bytes(),
            )
            .await?;
        let mut response = String::new();
        stream.read_to_string(&mut response).await?;
        let (head, body) = response
            .split_once("\r\n\r\n")
            .context("malformed http response")?;
        if !head.starts_with("HTTP/1.1 200") {
            bail!(
                "GET /metrics answered {}",
                head.lines().next().unwrap_or_default()
            );
        }
        Ok(body.to_owned())
    }

    fn endpoint(&self, kind: ServiceKind) -> anyhow::Result<Endpoint> {
        let addr = self.addrs.get(&kind).context("unknown service")?;
        Ok(Endpoint::from_shared(format!("http://{addr}"))?.timeout(Duration::from_secs(30)))
    }

    /// A channel without credentials, for authentication tests.
    pub async fn channel(&self, kind: ServiceKind) -> anyhow::Result<Channel> {
        Ok(self.endpoint(kind)?.connect().await?)
    }

    pub fn token(identity: &Identity<'_>) -> anyhow::Result<String> {
        let units: Vec<String> = identity.units.iter().map(|u| (*u).to_owned()).collect();
        Ok(mint_hs256(
            JWT_SECRET,
            identity.subject,
            identity.agency,
            &units,
            identity.roles,
            600,
        )?)
    }

    async fn authed(&self, kind: ServiceKind, identity: &Identity<'_>) -> anyhow::Result<Authed> {
        let bearer = BearerToken::new(&Self::token(identity)?)?;
        Ok(InterceptedService::new(self.channel(kind).await?, bearer))
    }

    pub async fn passenger_intake(
        &self,
        who: &Identity<'_>,
    ) -> anyhow::Result<PassengerIntakeServiceClient<Authed>> {
        Ok(PassengerIntakeServiceClient::new(
            self.authed(ServiceKind::PassengerIntake, who).await?,
        ))
    }

    pub async fn cargo_intake(
        &self,
        who: &Identity<'_>,
    ) -> anyhow::Result<
        gatehouse_proto::v1::cargo_intake_service_client::CargoIntakeServiceClient<Authed>,
    > {
        Ok(
            gatehouse_proto::v1::cargo_intake_service_client::CargoIntakeServiceClient::new(
                self.authed(ServiceKind::CargoIntake, who).await?,
            ),
        )
    }

    pub async fn risk_targeting(
        &self,
        who: &Identity<'_>,
    ) -> anyhow::Result<RiskTargetingServiceClient<Authed>> {
        Ok(RiskTargetingServiceClient::new(
            self.authed(ServiceKind::RiskTargeting, who).await?,
        ))
    }

    pub async fn unit_alerts(
        &self,
        who: &Identity<'_>,
    ) -> anyhow::Result<UnitAlertsServiceClient<Authed>> {
        Ok(UnitAlertsServiceClient::new(
            self.authed(ServiceKind::UnitAlerts, who).await?,
        ))
    }

    pub async fn reporting(
        &self,
        who: &Identity<'_>,
    ) -> anyhow::Result<ReportingServiceClient<Authed>> {
        Ok(ReportingServiceClient::new(
            self.authed(ServiceKind::Reporting, who).await?,
        ))
    }

    /// A direct connection to the sandbox database, to check what services stored.
    pub async fn database(&self) -> anyhow::Result<sqlx::PgPool> {
        Ok(sqlx::postgres::PgPoolOptions::new()
            .max_connections(2)
            .connect(&self.database_url)
            .await?)
    }

    /// A connection to the sandbox database in a service's schema, as the service connects, for
    /// driving a service's library code (a retention sweep with a test's clock) directly.
    pub async fn schema_database(&self, schema: &str) -> anyhow::Result<sqlx::PgPool> {
        let options: sqlx::postgres::PgConnectOptions = self.database_url.parse()?;
        Ok(sqlx::postgres::PgPoolOptions::new()
            .max_connections(2)
            .connect_with(options.options([("search_path", schema)]))
            .await?)
    }

    /// A JetStream context on the sandbox's NATS, for inspecting streams.
    pub async fn jetstream(&self) -> anyhow::Result<async_nats::jetstream::Context> {
        Ok(async_nats::jetstream::new(
            async_nats::connect(nats_url()).await?,
        ))
    }

    /// Stream name of `base` (e.g. `DLQ`) in this sandbox.
    pub fn stream(&self, base: &str) -> String {
        format!("{}_{base}", self.prefix.to_ascii_uppercase())
    }

    /// Stops every service, checks they stopped cleanly, and removes the database and streams.
    pub async fn stop(self) -> anyhow::Result<()> {
        self.shutdown.cancel();
        let mut failures = Vec::new();
        for (kind, task) in self.tasks {
            match tokio::time::timeout(Duration::from_secs(30), task).await {
                Ok(Ok(Ok(()))) => {}
                Ok(Ok(Err(e))) => failures.push(format!("{}: {e}", kind.name())),
                Ok(Err(e)) => failures.push(format!("{}: {e}", kind.name())),
                Err(_) => failures.push(format!("{}: did not stop within 30 s", kind.name())),
            }
        }
        let js = async_nats::jetstream::new(async_nats::connect(nats_url()).await?);
        for base in ["INTAKE", "RISK", "ALERTS", "REPORTS", "CONTROL", "DLQ"] {
            let _ = js
                .delete_stream(format!("{}_{base}", self.prefix.to_ascii_uppercase()))
                .await;
        }
        db::drop_scratch_database(&database_url(), &self.database).await?;
        if !failures.is_empty() {
            bail!("services failed: {}", failures.join("; "));
        }
        Ok(())
    }
}

/// The `host:port` of `url` (`scheme://[user[:password]@]host[:port][/path][?query]`), with
/// `default_port` when it names none.
fn url_authority(url: &str, default_port: u16) -> anyhow::Result<String> {
    let (_, authority, _) = split_url(url)?;
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    Ok(
        if host_port
            .rsplit_once(':')
            .is_some_and(|(_, port)| port.parse::<u16>().is_ok())
        {
            host_port.to_owned()
        } else {
            format!("{host_port}:{default_port}")
        },
    )
}

/// `url` with its host and port replaced by `addr` (credentials, path and query kept).
fn with_authority(url: &str, addr: SocketAddr) -> anyhow::Result<String> {
    let (scheme, authority, rest) = split_url(url)?;
    let userinfo = authority
        .rsplit_once('@')
        .map(|(user, _)| format!("{user}@"));
    Ok(format!(
        "{scheme}://{}{addr}{rest}",
        userinfo.unwrap_or_default()
    ))
}

fn split_url(url: &str) -> anyhow::Result<(&str, &str, &str)> {
    let (scheme, after) = url.split_once("://").context("url without scheme")?;
    let end = after.find(['/', '?']).unwrap_or(after.len());
    Ok((scheme, &after[..end], &after[end..]))
}

/// A TCP proxy between a client and a server (Postgres, NATS) that a test controls: on
/// 127.0.0.1, port 0, forwarding to `target`. [`TcpProxy::cut`] resets every live connection and
/// refuses new ones until [`TcpProxy::restore`], as when a dependency becomes unreachable.
/// Dropping the proxy ends everything it forwards.
pub struct TcpProxy {
    addr: SocketAddr,
    state: Arc<Mutex<ProxyState>>,
    stop: CancellationToken,
}

struct ProxyState {
    cut: bool,
    /// Cancelled by `cut`: every connection accepted since the last cut watches it.
    connections: CancellationToken,
}

impl TcpProxy {
    /// Listens on 127.0.0.1 (port 0) and forwards each connection to `target` (`host:port`).
    pub async fn start(target: impl Into<String>) -> anyhow::Result<Self> {
        let target = target.into();
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(Mutex::new(ProxyState {
            cut: false,
            connections: CancellationToken::new(),
        }));
        let stop = CancellationToken::new();
        tokio::spawn(accept_loop(listener, target, state.clone(), stop.clone()));
        Ok(Self { addr, state, stop })
    }

    /// Where clients connect instead of the target.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Resets every live connection and refuses new ones.
    pub fn cut(&self) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.cut = true;
        state.connections.cancel();
        state.connections = CancellationToken::new();
    }

    /// Forwards new connections again.
    pub fn restore(&self) {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .cut = false;
    }

    pub fn is_cut(&self) -> bool {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .cut
    }
}

impl Drop for TcpProxy {
    fn drop(&mut self) {
        self.stop.cancel();
        self.cut();
    }
}

async fn accept_loop(
    listener: TcpListener,
    target: String,
    state: Arc<Mutex<ProxyState>>,
    stop: CancellationToken,
) {
    loop {
        let client = tokio::select! {
            () = stop.cancelled() => return,
            accepted = listener.accept() => match accepted {
                Ok((client, _)) => client,
                Err(error) => {
                    tracing::warn!(%error, "proxy accept failed");
                    continue;
                }
            },
        };
        // Taken at accept, so a cut between now and the upstream connect still ends this one.
        let connection = {
            let state = state.lock().unwrap_or_else(PoisonError::into_inner);
            (!state.cut).then(|| state.connections.clone())
        };
        let Some(connection) = connection else {
            reset(client);
            continue;
        };
        tokio::spawn(forward(client, target.clone(), connection));
    }
}

async fn forward(mut client: TcpStream, target: String, cut: CancellationToken) {
    let mut server = tokio::select! {
        () = cut.cancelled() => return reset(client),
        connected = TcpStream::connect(&target) => match connected {
            Ok(server) => server,
            Err(_) => return reset(client),
        },
    };
    // The proxy must not add the Nagle/delayed-ACK stalls the platform removes everywhere else.
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    tokio::select! {
        () = cut.cancelled() => {
            reset(client);
            reset(server);
        }
        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
    }
}

/// Closes with RST (linger 0), as a dead link or a refusing host would, instead of a polite FIN.
fn reset(stream: TcpStream) {
    let _ = stream.set_zero_linger();
    drop(stream);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_rerouted_keeping_credentials_path_and_query() {
        let url = "postgres://user:p%40ss@db.local:6543/gh_e2e_1?sslmode=disable";
        assert_eq!(url_authority(url, 5432).unwrap(), "db.local:6543");
        assert_eq!(
            with_authority(url, "127.0.0.1:40000".parse().unwrap()).unwrap(),
            "postgres://user:p%40ss@127.0.0.1:40000/gh_e2e_1?sslmode=disable"
        );
        assert_eq!(
            url_authority("nats://127.0.0.1", 4222).unwrap(),
            "127.0.0.1:4222"
        );
        assert_eq!(
            with_authority("nats://127.0.0.1:4222", "127.0.0.1:1".parse().unwrap()).unwrap(),
            "nats://127.0.0.1:1"
        );
        assert!(url_authority("no-scheme", 1).is_err());
    }

    /// An echo server: what a connection sends comes back.
    async fn echo() -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let (mut read, mut write) = stream.split();
                    let _ = tokio::io::copy(&mut read, &mut write).await;
                });
            }
        });
        addr
    }

    async fn round_trip(stream: &mut TcpStream, message: &[u8]) -> std::io::Result<Vec<u8>> {
        stream.write_all(message).await?;
        let mut reply = vec![0; message.len()];
        stream.read_exact(&mut reply).await?;
        Ok(reply)
    }

    #[tokio::test]
    async fn the_proxy_forwards_cuts_and_restores() {
        let proxy = TcpProxy::start(echo().await.to_string()).await.unwrap();
        let mut live = TcpStream::connect(proxy.addr()).await.unwrap();
        assert_eq!(round_trip(&mut live, b"ping").await.unwrap(), b"ping");

        proxy.cut();
        assert!(proxy.is_cut());
        // The live connection is reset: reading ends (nothing more was sent, so no data first).
        let mut buf = [0; 1];
        assert!(matches!(live.read(&mut buf).await, Ok(0) | Err(_)));
        // New connections are accepted by the kernel and then reset, never forwarded.
        let mut refused = TcpStream::connect(proxy.addr()).await.unwrap();
        assert!(round_trip(&mut refused, b"ping").await.is_err());

        proxy.restore();
        let mut again = TcpStream::connect(proxy.addr()).await.unwrap();
        assert_eq!(round_trip(&mut again, b"pong").await.unwrap(), b"pong");
    }
}
