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

#[cfg(test)]
mod tests {
    use tokio::net::TcpListener;
    use tokio_stream::wrappers::TcpListenerStream;

    use super::*;

    #[tokio::test]
    async fn reports_the_status_of_a_live_server() {
        let (reporter, service) = tonic_health::server::health_reporter();
        reporter
            .set_service_status("", tonic_health::ServingStatus::Serving)
            .await;
        reporter
            .set_service_status("gatehouse.v1.Down", tonic_health::ServingStatus::NotServing)
            .await;
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(
            tonic::transport::Server::builder()
                .add_service(service)
                .serve_with_incoming(TcpListenerStream::new(listener)),
        );
        let timeout = Duration::from_secs(5);
        let url = format!("http://{addr}");
        assert_eq!(
            check(&url, "", timeout).await.unwrap(),
            ServingStatus::Serving
        );
        // host:port without a scheme, as compose files tend to write it.
        assert_eq!(
            check(&addr.to_string(), "gatehouse.v1.Down", timeout)
                .await
                .unwrap(),
            ServingStatus::NotServing
        );
        let unknown = check(&url, "gatehouse.v1.Nope", timeout).await;
        assert!(unknown.unwrap_err().to_string().contains("NotFound"));
    }

    #[tokio::test]
    async fn unreachable_addresses_fail_cleanly() {
        // Bound then dropped: nothing listens there any more.
        let addr = TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap()
            .local_addr()
            .unwrap();
        let error = run(&HealthArgs {
            addr: format!("http://{addr}"),
            service: String::new(),
            timeout_secs: 2,
        })
        .await
        .unwrap_err();
        assert!(format!("{error:#}").contains("cannot connect"), "{error:#}");
    }
}
