//! A whole Gatehouse deployment in-process for end-to-end tests: the five services on port-0
//! listeners against the real NATS and Postgres, isolated by a fresh database and a unique
//! subject/stream prefix, with typed clients authenticated per role.

use std::{collections::HashMap, future::Future, net::SocketAddr, pin::Pin, time::Duration};

use anyhow::{Context, bail};
use gatehouse_platform::{
    auth::{BearerToken, Role, mint_hs256},
    config::{ServiceConfig, ServiceKind},
    db,
    runtime::RuntimeError,
};
use gatehouse_proto::v1::{
    passenger_intake_service_client::PassengerIntakeServiceClient,
    reporting_service_client::ReportingServiceClient,
    risk_targeting_service_client::RiskTargetingServiceClient,
    unit_alerts_service_client::UnitAlertsServiceClient,
};
use tokio::{net::TcpListener, task::JoinHandle};
use tokio_util::sync::CancellationToken;
use tonic::{
    service::interceptor::InterceptedService,
    transport::{Channel, Endpoint},
};

pub const JWT_SECRET: &str = "e2e-test-secret";

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

impl Sandbox {
    /// Starts all five services and waits until each answers health checks.
    pub async fn start() -> anyhow::Result<Self> {
        gatehouse_platform::telemetry::init_for_tests();
        let id = uuid::Uuid::now_v7().simple().to_string();
        let database = format!("gh_e2e_{id}");
        let database_url = db::create_scratch_database(&database_url(), &database).await?;
        let prefix = format!("e2e{}", &id[id.len() - 12..]);
        let shutdown = CancellationToken::new();
        let mut addrs = HashMap::new();
        let mut tasks = Vec::new();
        for kind in ServiceKind::ALL {
            let listener = TcpListener::bind("127.0.0.1:0").await?;
            let addr = listener.local_addr()?;
            let env: HashMap<&str, String> = HashMap::from([
                ("GATEHOUSE_DATABASE_URL", database_url.clone()),
                ("GATEHOUSE_NATS_URL", nats_url()),
                ("GATEHOUSE_BUS_PREFIX", prefix.clone()),
                ("GATEHOUSE_GRPC_ADDR", addr.to_string()),
                ("GATEHOUSE_JWT_SECRET", JWT_SECRET.to_owned()),
                ("GATEHOUSE_DB_MAX_CONNECTIONS", "4".to_owned()),
                // Quick redelivery keeps fault tests short.
                ("GATEHOUSE_MAX_DELIVER", "3".to_owned()),
            ]);
            let config = ServiceConfig::from_lookup(kind, |key| env.get(key).cloned())?;
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
            shutdown,
            tasks,
        };
        for kind in ServiceKind::ALL {
            sandbox
                .wait_healthy(kind)
                .await
                .with_context(|| format!("{} did not start", kind.name()))?;
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
