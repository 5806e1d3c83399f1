//! More replicas of a service in a running [`Sandbox`]: the same database, NATS prefix and keys
//! as the first instance, their own gRPC port. Replicas share the durable consumers, so work
//! splits between them; they stop with the sandbox.

use std::{collections::HashMap, net::SocketAddr, time::Duration};

use anyhow::{Context, bail};
use gatehouse_platform::{
    auth::BearerToken,
    config::{MetricsListen, ServiceConfig, ServiceKind},
};
use gatehouse_proto::v1::unit_alerts_service_client::UnitAlertsServiceClient;
use tokio::net::TcpListener;
use tonic::{service::interceptor::InterceptedService, transport::Endpoint};
use tonic_health::pb::{
    HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient,
};

use crate::{Authed, Identity, JWT_SECRET, STREAM_MAX_BYTES, Sandbox, nats_url, runner};

/// One more instance of a service, started by [`Sandbox::start_replica`].
#[derive(Debug, Clone, Copy)]
pub struct Replica {
    pub kind: ServiceKind,
    pub addr: SocketAddr,
}

impl Sandbox {
    /// Starts another instance of `kind` and waits until it answers health checks.
    pub async fn start_replica(&mut self, kind: ServiceKind) -> anyhow::Result<Replica> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let env: HashMap<&str, String> = HashMap::from([
            ("GATEHOUSE_DATABASE_URL", self.database_url.clone()),
            ("GATEHOUSE_NATS_URL", nats_url()),
            ("GATEHOUSE_BUS_PREFIX", self.prefix.clone()),
            ("GATEHOUSE_GRPC_ADDR", addr.to_string()),
            ("GATEHOUSE_JWT_SECRET", JWT_SECRET.to_owned()),
            ("GATEHOUSE_DB_MAX_CONNECTIONS", "4".to_owned()),
            ("GATEHOUSE_MAX_DELIVER", "3".to_owned()),
            // As the first instance: a different limit would make them resize the streams.
            ("GATEHOUSE_STREAM_MAX_BYTES", STREAM_MAX_BYTES.to_string()),
        ]);
        let mut config = ServiceConfig::from_lookup(kind, |key| env.get(key).cloned())?;
        // The first instance already serves this process's one metrics registry.
        config.metrics = MetricsListen::Off;
        let token = self.shutdown.clone();
        let run = runner(kind);
        let task = tokio::spawn(async move {
            run(
                config,
                listener,
                Box::pin(async move { token.cancelled().await }),
            )
            .await
        });
        self.tasks.push((kind, task));
        let replica = Replica { kind, addr };
        self.wait_replica_healthy(&replica)
            .await
            .with_context(|| format!("a replica of {} did not start", kind.name()))?;
        Ok(replica)
    }

    async fn wait_replica_healthy(&self, replica: &Replica) -> anyhow::Result<()> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        loop {
            if self
                .tasks
                .last()
                .is_some_and(|(_, task)| task.is_finished())
            {
                bail!("replica exited during start");
            }
            if let Ok(channel) = replica_endpoint(replica)?.connect().await {
                let check = HealthClient::new(channel)
                    .check(HealthCheckRequest {
                        service: String::new(),
                    })
                    .await;
                if check.is_ok_and(|r| r.into_inner().status == ServingStatus::Serving as i32) {
                    return Ok(());
                }
            }
            if tokio::time::Instant::now() > deadline {
                bail!("not healthy after 60 s");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// A unit-alerts client of `replica`, acting as `who`.
    pub async fn unit_alerts_replica(
        &self,
        replica: &Replica,
        who: &Identity<'_>,
    ) -> anyhow::Result<UnitAlertsServiceClient<Authed>> {
        if replica.kind != ServiceKind::UnitAlerts {
            bail!("{} is not unit-alerts", replica.kind.name());
        }
        let bearer = BearerToken::new(&Self::token(who)?)?;
        let channel = replica_endpoint(replica)?.connect().await?;
        Ok(UnitAlertsServiceClient::new(InterceptedService::new(
            channel, bearer,
        )))
    }
}

fn replica_endpoint(replica: &Replica) -> anyhow::Result<Endpoint> {
    Ok(Endpoint::from_shared(format!("http://{}", replica.addr))?.timeout(Duration::from_secs(30)))
}
