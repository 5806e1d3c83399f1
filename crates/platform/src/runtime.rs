//! What every service does around its own behaviour: configuration, telemetry, database and
//! migrations, JetStream streams, the outbox relay, consumers, the gRPC server and shutdown.

use std::{future::Future, pin::Pin, process::ExitCode, sync::Arc, time::Duration};

use sqlx::{PgPool, migrate::Migrator};
use tokio::{net::TcpListener, task::JoinSet};
use tokio_util::sync::CancellationToken;
use tonic::service::Routes;

use crate::{
    auth::{AuthInterceptor, Authenticator},
    bus::{self, Bus, Durable},
    config::{MetricsListen, ServiceConfig, ServiceKind},
    consumer::{self, BatchHandler, ConsumerSpec},
    db, grpc,
    metrics::{self, Dependency},
    outbox::Relay,
    telemetry,
    units::UnitDirectory,
};

#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    #[error("configuration: {0}")]
    Config(#[from] crate::config::ConfigError),
    #[error("telemetry: {0}")]
    Telemetry(#[from] telemetry::TelemetryError),
    #[error("authentication keys: {0}")]
    Auth(#[from] crate::auth::AuthError),
    #[error("units: {0}")]
    Units(#[from] crate::units::UnitsError),
    #[error("database: {0}")]
    Db(#[from] db::DbError),
    #[error("nats: {0}")]
    Bus(#[from] bus::BusError),
    #[error("binding {addr}: {reason}")]
    Bind { addr: String, reason: String },
    #[error(transparent)]
    Serve(#[from] grpc::ServeError),
    #[error(transparent)]
    Metrics(#[from] metrics::MetricsError),
}

/// The shared machinery of a running service.
pub struct ServiceRuntime {
    pub config: ServiceConfig,
    pub pool: PgPool,
    pub bus: Bus,
    pub relay: Relay,
    pub auth: Arc<Authenticator>,
    pub units: Arc<UnitDirectory>,
    /// Cancelled once the gRPC server has stopped; background tasks (consumers, relay) watch it.
    pub shutdown: CancellationToken,
    /// Cancelled when shutdown begins; long-lived response streams end on it so the server can
    /// drain (it waits for every open call).
    pub draining: CancellationToken,
    tasks: JoinSet<()>,
    inbox_pruned: bool,
    /// Durable consumers whose pending counts the metrics sampler reports.
    consumers: metrics::Consumers,
}

impl ServiceRuntime {
    /// Serves `/metrics` (unless off), connects and migrates the database, connects to NATS and
    /// provisions the streams, and starts the outbox relay and the metrics sampler.
    pub async fn start(config: ServiceConfig, migrations: &Migrator) -> Result<Self, RuntimeError> {
        let auth = Authenticator::from_config(&config.auth)?;
        if auth.uses_dev_secret {
            tracing::warn!(
                "no GATEHOUSE_JWT_SECRET or GATEHOUSE_JWT_PUBLIC_KEY_FILE: accepting tokens signed with the \
                 local development secret; never run like this outside a developer machine"
            );
        }
        let units = UnitDirectory::load(config.units_file.as_deref())?;
        let shutdown = CancellationToken::new();
        let mut tasks = JoinSet::new();
        // Before the database and NATS, so a service stuck connecting can still be scraped.
        let metrics_on = serve_metrics(&config, &shutdown, &mut tasks).await?;
        let pool = db::connect(&config.database).await?;
        db::migrate(&pool, migrations).await?;
        let bus = Bus::connect(&config.nats, config.service.name()).await?;
        bus.provision().await?;
        let relay = Relay::new(pool.clone(), bus.clone());
        tasks.spawn(relay.clone().run(shutdown.clone()));
        tasks.spawn(keep_statistics(pool.clone(), shutdown.clone()));
        let consumers = metrics::Consumers::default();
        if metrics_on {
            tasks.spawn(sample_metrics(
                config.service,
                pool.clone(),
                bus.clone(),
                consumers.clone(),
                shutdown.clone(),
            ));
        }
        Ok(Self {
            config,
            pool,
            bus,
            relay,
            auth: Arc::new(auth),
            units: Arc::new(units),
            shutdown,
            draining: CancellationToken::new(),
            tasks,
            inbox_pruned: false,
            consumers,
        })
    }

    pub fn service(&self) -> ServiceKind {
        self.config.service
    }

    pub fn interceptor(&self) -> AuthInterceptor {
        AuthInterceptor(self.auth.clone())
    }

    /// How `durable` (one of [`bus::durables`]) is consumed by this service.
    pub fn consumer_spec(&self, durable: Durable) -> ConsumerSpec {
        ConsumerSpec {
            durable,
            max_deliver: self.config.nats.max_deliver,
            ack_wait: self.config.nats.ack_wait,
            batch: self.config.nats.consumer_batch,
            concurrency: self.config.nats.consumer_concurrency,
        }
    }

    /// Applies batches from the durable consumer with `handler` until shutdown, re-subscribing
    /// if NATS drops the consumer. The first consumer of a service also prunes its inbox.
    pub fn spawn_consumer<H: BatchHandler>(&mut self, spec: ConsumerSpec, handler: H) {
        let bus = self.bus.clone();
        let shutdown = self.shutdown.clone();
        let handler = Arc::new(handler);
        self.consumers
            .register(self.bus.stream_name(spec.durable.stream), spec.durable.name);
        if !self.inbox_pruned {
            self.inbox_pruned = true;
            self.tasks.spawn(prune_inbox(
                self.pool.clone(),
                self.config.nats.inbox_retention,
                shutdown.clone(),
            ));
        }
        self.tasks.spawn(async move {
            loop {
                match consumer::run(bus.clone(), spec.clone(), handler.clone(), shutdown.clone()).await {
                    Ok(()) if shutdown.is_cancelled() => break,
                    Ok(()) => tracing::warn!(consumer = spec.durable.name, "message stream ended, resubscribing"),
                    Err(error) => tracing::error!(consumer = spec.durable.name, %error, "consumer failed, retrying"),
                }
                tokio::select! {
                    () = shutdown.cancelled() => break,
                    () = tokio::time::sleep(Duration::from_secs(1)) => {}
                }
            }
        });
    }

    /// Runs a background task until it ends; it should watch [`ServiceRuntime::shutdown`].
    pub fn spawn(&mut self, task: impl Future<Output = ()> + Send + 'static) {
        self.tasks.spawn(task);
    }

    /// Serves gRPC until `shutdown`, with health following the dependency probe, then stops
    /// consumers, the relay and the metrics endpoint and closes the pool.
    pub async fn serve(
        mut self,
        listener: TcpListener,
        routes: Routes,
        service_names: &[&str],
        shutdown: Shutdown,
    ) -> Result<(), RuntimeError> {
        let addr = listener
            .local_addr()
            .map(|a| a.to_string())
            .unwrap_or_default();
        tracing::info!(service = self.service().name(), %addr, "serving");
        let health = grpc::Health::new(service_names).await;
        self.tasks.spawn(probe_dependencies(
            self.service(),
            self.pool.clone(),
            self.bus.clone(),
            health.clone(),
            self.shutdown.clone(),
        ));
        let token = self.shutdown.clone();
        let draining = self.draining.clone();
        let result = grpc::serve(
            listener,
            routes,
            grpc::ServeOptions {
                service: self.service(),
                service_names,
                health,
            },
            Box::pin(async move {
                tokio::select! {
                    () = shutdown => {}
                    () = token.cancelled() => {}
                }
                draining.cancel();
            }),
        )
        .await;
        self.shutdown.cancel();
        while let Some(joined) = self.tasks.join_next().await {
            if let Err(error) = joined {
                tracing::error!(%error, "background task failed");
            }
        }
        self.pool.close().await;
        tracing::info!(service = self.service().name(), "stopped");
        Ok(result?)
    }
}

/// Binds `/metrics` as configured and serves it until shutdown; false when it is off.
async fn serve_metrics(
    config: &ServiceConfig,
    shutdown: &CancellationToken,
    tasks: &mut JoinSet<()>,
) -> Result<bool, RuntimeError> {
    let bind_error = |addr: String| {
        move |e: std::io::Error| RuntimeError::Bind {
            addr,
            reason: e.to_string(),
        }
    };
    let listener = match &config.metrics {
        MetricsListen::Off => return Ok(false),
        MetricsListen::Addr(addr) => TcpListener::bind(addr)
            .await
            .map_err(bind_error(addr.to_string()))?,
        MetricsListen::Bound(bound) => {
            let listener = bound.take().ok_or_else(|| RuntimeError::Bind {
                addr: "metrics listener".into(),
                reason: "already taken by another service".into(),
            })?;
            listener
                .set_nonblocking(true)
                .and_then(|()| TcpListener::from_std(listener))
                .map_err(bind_error("metrics listener".into()))?
        }
    };
    let handle = metrics::install()?;
    let addr = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    tracing::info!(service = config.service.name(), %addr, "serving metrics");
    let shutdown = shutdown.clone();
    tasks.spawn(async move {
        if let Err(error) = metrics::serve(listener, handle, shutdown).await {
            tracing::error!(%error, "metrics endpoint failed");
        }
    });
    Ok(true)
}

/// Every few seconds, gauges that only the database and NATS know: outbox backlog and parked
/// rows, dead-letter stream size and each durable consumer's pending messages.
async fn sample_metrics(
    service: ServiceKind,
    pool: PgPool,
    bus: Bus,
    consumers: metrics::Consumers,
    shutdown: CancellationToken,
) {
    let mut has_parking = None;
    loop {
        metrics::upkeep();
        if has_parking.is_none() {
            has_parking = outbox_has_parking(&pool).await;
        }
        match outbox_counts(&pool, has_parking.unwrap_or(false)).await {
            Ok((backlog, parked)) => {
                metrics::outbox_backlog(service, backlog);
                metrics::parked_rows(service, parked);
            }
            // The health probe reports an unreachable database; this would only repeat it.
            Err(error) => tracing::debug!(%error, "sampling the outbox failed"),
        }
        let js = bus.jetstream();
        match js
            .get_stream(bus.stream_name(bus::StreamKind::DeadLetter))
            .await
        {
            Ok(stream) => metrics::dlq_size(stream.cached_info().state.messages),
            Err(error) => tracing::debug!(%error, "sampling the dead-letter stream failed"),
        }
        for consumer in consumers.snapshot() {
            let info = match js.get_stream_no_info(&consumer.stream).await {
                Ok(stream) => stream
                    .consumer_info(consumer.durable)
                    .await
                    .map_err(|e| e.to_string()),
                Err(error) => Err(error.to_string()),
            };
            match info {
                Ok(info) => metrics::consumer_pending(consumer.durable, info.num_pending),
                Err(error) => {
                    tracing::debug!(consumer = consumer.durable, %error, "sampling a consumer failed");
                }
            }
        }
        tokio::select! {
            () = shutdown.cancelled() => break,
            () = tokio::time::sleep(Duration::from_secs(5)) => {}
        }
    }
}

/// Whether the outbox can hold parked rows (the `parked_at` column); `None` when unknown yet.
async fn outbox_has_parking(pool: &PgPool) -> Option<bool> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM information_schema.columns
                        WHERE table_schema = current_schema() AND table_name = 'outbox'
                          AND column_name = 'parked_at')",
    )
    .fetch_one(pool)
    .await
    .ok()
}

/// Rows waiting to be published and rows parked with an error.
async fn outbox_counts(pool: &PgPool, has_parking: bool) -> Result<(u64, u64), sqlx::Error> {
    let (backlog, parked): (i64, i64) = if has_parking {
        sqlx::query_as(
            "SELECT count(*) FILTER (WHERE parked_at IS NULL),
                    count(*) FILTER (WHERE parked_at IS NOT NULL)
             FROM outbox",
        )
        .fetch_one(pool)
        .await?
    } else {
        sqlx::query_as("SELECT count(*), 0::bigint FROM outbox")
            .fetch_one(pool)
            .await?
    };
    Ok((
        u64::try_from(backlog).unwrap_or(0),
        u64::try_from(parked).unwrap_or(0),
    ))
}

/// How long the health probe waits for `SELECT 1`: longer means an unusable database.
const POSTGRES_PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// Every second: SERVING while both Postgres and NATS answer, NOT_SERVING while either does not.
async fn probe_dependencies(
    service: ServiceKind,
    pool: PgPool,
    bus: Bus,
    health: grpc::Health,
    shutdown: CancellationToken,
) {
    let mut last: Option<(bool, bool)> = None;
    loop {
        let postgres = matches!(
            tokio::time::timeout(
                POSTGRES_PROBE_TIMEOUT,
                sqlx::query("SELECT 1").execute(&pool)
            )
            .await,
            Ok(Ok(_))
        );
        let nats = bus.client().connection_state() == async_nats::connection::State::Connected;
        for (dependency, up, was) in [
            (Dependency::Postgres, postgres, last.map(|(p, _)| p)),
            (Dependency::Nats, nats, last.map(|(_, n)| n)),
        ] {
            metrics::dependency_up(service, dependency, up);
            match (was, up) {
                (Some(true) | None, false) => {
                    tracing::warn!(
                        dependency = dependency.name(),
                        "dependency unreachable, not serving"
                    );
                }
                (Some(false), true) => {
                    tracing::info!(dependency = dependency.name(), "dependency reachable again")
                }
                _ => {}
            }
        }
        last = Some((postgres, nats));
        health.set_serving(postgres && nats).await;
        tokio::select! {
            () = shutdown.cancelled() => break,
            () = tokio::time::sleep(Duration::from_secs(1)) => {}
        }
    }
}

/// Forgets applied event ids past the dedupe horizon, hourly.
/// Vacuums and analyzes the service's tables as they churn and grow, every 10 seconds (a table
/// filling under load doubles within a minute) ([`crate::db::maintain`]): a plan made while a table was small (sqlx keeps prepared
/// statements, Postgres their generic plans) stays a sequential scan until the table's
/// statistics change, and a queue table never vacuumed only grows. Autovacuum does this too
/// when it runs; CI's Postgres runs without it.
async fn keep_statistics(pool: PgPool, shutdown: CancellationToken) {
    loop {
        tokio::select! {
            () = shutdown.cancelled() => break,
            () = tokio::time::sleep(Duration::from_secs(10)) => {}
        }
        if let Err(error) = crate::db::maintain(&pool).await {
            tracing::warn!(%error, "table maintenance failed");
        }
    }
}

async fn prune_inbox(pool: PgPool, retention: Duration, shutdown: CancellationToken) {
    loop {
        match crate::inbox::prune(&pool, retention).await {
            Ok(0) => {}
            Ok(removed) => tracing::info!(removed, "inbox pruned"),
            Err(error) => tracing::warn!(%error, "inbox pruning failed"),
        }
        tokio::select! {
            () = shutdown.cancelled() => break,
            () = tokio::time::sleep(Duration::from_secs(3600)) => {}
        }
    }
}

/// Completes when the service should stop.
pub type Shutdown = Pin<Box<dyn Future<Output = ()> + Send>>;

/// A service's `run`, boxed so the machinery around it is compiled once, here, instead of once
/// per service binary.
pub type RunFn = fn(
    ServiceConfig,
    TcpListener,
    Shutdown,
) -> Pin<Box<dyn Future<Output = Result<(), RuntimeError>> + Send>>;

/// The body of every service binary: configuration from the environment, telemetry, a listener on
/// the configured address, and the service's `run` until SIGTERM or Ctrl-C.
pub fn service_main(kind: ServiceKind, run: RunFn) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("{}: cannot start the async runtime: {error}", kind.name());
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run_until_signal(kind, run)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("{}: {error}", kind.name());
            ExitCode::FAILURE
        }
    }
}

async fn run_until_signal(kind: ServiceKind, run: RunFn) -> Result<(), RuntimeError> {
    let config = ServiceConfig::from_env(kind)?;
    let _telemetry = telemetry::init(kind.name(), config.log_format)?;
    let listener = TcpListener::bind(config.grpc_addr)
        .await
        .map_err(|e| RuntimeError::Bind {
            addr: config.grpc_addr.to_string(),
            reason: e.to_string(),
        })?;
    let result = run(config, listener, Box::pin(grpc::shutdown_signal())).await;
    if let Err(error) = &result {
        tracing::error!(%error, "service failed");
    }
    result
}

/// Defines `pub fn main() -> ExitCode` in a service library whose `run(config, listener,
/// shutdown)` has the standard signature; the service's `src/main.rs` just calls it.
#[macro_export]
macro_rules! service_binary {
    ($kind:ident) => {
        /// The service binary: configuration from the environment, serve until SIGTERM/Ctrl-C.
        pub fn main() -> std::process::ExitCode {
            $crate::runtime::service_main(
                $crate::config::ServiceKind::$kind,
                |config, listener, shutdown| Box::pin(run(config, listener, shutdown)),
            )
        }
    };
}
