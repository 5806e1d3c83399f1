//! What every service does around its own behaviour: configuration, telemetry, database and
//! migrations, JetStream streams, the outbox relay, consumers, the gRPC server and shutdown.

use std::{future::Future, pin::Pin, process::ExitCode, sync::Arc, time::Duration};

use sqlx::{PgPool, migrate::Migrator};
use tokio::{net::TcpListener, task::JoinSet};
use tokio_util::sync::CancellationToken;
use tonic::service::Routes;

use crate::{
    auth::{AuthInterceptor, Authenticator},
    bus::{self, Bus, ConsumerSpec, EventHandler, StreamKind},
    config::{ServiceConfig, ServiceKind},
    db, grpc,
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
}

impl ServiceRuntime {
    /// Connects and migrates the database, connects to NATS and provisions the streams, and starts
    /// the outbox relay.
    pub async fn start(config: ServiceConfig, migrations: &Migrator) -> Result<Self, RuntimeError> {
        let auth = Authenticator::from_config(&config.auth)?;
        if auth.uses_dev_secret {
            tracing::warn!(
                "no GATEHOUSE_JWT_SECRET or GATEHOUSE_JWT_PUBLIC_KEY_FILE: accepting tokens signed with the \
                 local development secret; never run like this outside a developer machine"
            );
        }
        let units = UnitDirectory::load(config.units_file.as_deref())?;
        let pool = db::connect(&config.database).await?;
        db::migrate(&pool, migrations).await?;
        let bus = Bus::connect(&config.nats, config.service.name()).await?;
        bus.provision().await?;
        let relay = Relay::new(pool.clone(), bus.clone());
        let shutdown = CancellationToken::new();
        let mut tasks = JoinSet::new();
        tasks.spawn(relay.clone().run(shutdown.clone()));
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
        })
    }

    pub fn service(&self) -> ServiceKind {
        self.config.service
    }

    pub fn interceptor(&self) -> AuthInterceptor {
        AuthInterceptor(self.auth.clone())
    }

    /// A durable consumer named after this service (and `purpose`), shared by its replicas.
    pub fn consumer_spec(
        &self,
        stream: StreamKind,
        purpose: &str,
        filter_subject: Option<&str>,
    ) -> ConsumerSpec {
        ConsumerSpec {
            stream,
            durable: format!("{}-{purpose}", self.service().name()),
            filter_subject: filter_subject.map(str::to_owned),
            max_deliver: self.config.nats.max_deliver,
            ack_wait: self.config.nats.ack_wait,
        }
    }

    /// Runs `handler` over the consumer until shutdown, re-creating the consumer if NATS drops it.
    pub fn spawn_consumer<H: EventHandler>(&mut self, spec: ConsumerSpec, handler: H) {
        let bus = self.bus.clone();
        let shutdown = self.shutdown.clone();
        let handler = Arc::new(handler);
        self.tasks.spawn(async move {
            loop {
                match bus::run_consumer(bus.clone(), spec.clone(), handler.clone(), shutdown.clone()).await {
                    Ok(()) if shutdown.is_cancelled() => break,
                    Ok(()) => tracing::warn!(consumer = %spec.durable, "message stream ended, resubscribing"),
                    Err(error) => tracing::error!(consumer = %spec.durable, %error, "consumer failed, retrying"),
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

    /// Serves gRPC until `shutdown`, then stops consumers and the relay and closes the pool.
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
        let token = self.shutdown.clone();
        let draining = self.draining.clone();
        let result = grpc::serve(
            listener,
            routes,
            service_names,
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
