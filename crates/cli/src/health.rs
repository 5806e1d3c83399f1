//! `gatehouse health`: the standard gRPC health check, for compose healthchecks and `up`.

use std::time::Duration;

use anyhow::{Context, Result, bail};
use tonic_health::pb::{
    HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient,
};

use crate::client;

#[derive(Debug, Clone, clap::Args)]
pub struct HealthArgs {
    /// Service URL, e.g. http://127.0.0.1:50052 (host:port also works).
    #[arg(long)]
    pub addr: String,
    /// Fully qualified service to ask about; empty = the server as a whole.
    #[arg(long, default_value = "")]
    pub service: String,
    /// Give up after this many seconds (connect and call).
    #[arg(long, default_value_t = 5)]
    pub timeout_secs: u64,
}

/// Asks `addr` for the status of `service`; errors when it cannot be reached in `timeout`.
pub async fn check(addr: &str, service: &str, timeout: Duration) -> Result<ServingStatus> {
    let call = async {
        let channel = client::connect(addr, timeout).await?;
        let response = HealthClient::new(channel)
            .check(HealthCheckRequest {
                service: service.to_owned(),
            })
            .await
            .map_err(client::rpc_error("Check"))?;
        Ok::<_, anyhow::Error>(
            ServingStatus::try_from(response.into_inner().status).unwrap_or(ServingStatus::Unknown),
        )
    };
    tokio::time::timeout(timeout, call)
        .await
        .with_context(|| format!("{addr}: no health answer within {timeout:?}"))?
}

pub async fn run(args: &HealthArgs) -> Result<()> {
    let what = if args.service.is_empty() {
        args.addr.clone()
    } else {
        format!("{} ({})", args.addr, args.service)
    };
    let status = check(
        &args.addr,
        &args.service,
        Duration::from_secs(args.timeout_secs),
    )
    .await?;
    if status != ServingStatus::Serving {
        bail!("{what} is {}", status.as_str_name());
    }
    println!("{what} is SERVING");
    Ok(())
}
