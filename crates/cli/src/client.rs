//! Connections, bearer tokens and service addresses shared by the subcommands.

use std::time::Duration;

use anyhow::{Context, Result};
use gatehouse_platform::{
    auth::{BearerToken, LOCAL_DEV_SECRET, Role, mint_hs256},
    config::ServiceKind,
};
use gatehouse_proto::v1::{
    ListWatchlistsRequest, Watchlist, WatchlistKind,
    risk_targeting_service_client::RiskTargetingServiceClient,
};
use tonic::{
    Status,
    service::interceptor::InterceptedService,
    transport::{Channel, Endpoint},
};

/// A channel that sends the bearer token (and the current trace context) on every call.
pub type AuthChannel = InterceptedService<Channel, BearerToken>;

/// The document watchlist called `name`, if there is one (demo and load seed reuse theirs).
pub async fn find_document_watchlist(
    targeting: &mut RiskTargetingServiceClient<AuthChannel>,
    name: &str,
) -> Result<Option<Watchlist>> {
    Ok(targeting
        .list_watchlists(ListWatchlistsRequest {
            kind: WatchlistKind::Documents as i32,
        })
        .await
        .map_err(rpc_error("ListWatchlists"))?
        .into_inner()
        .watchlists
        .into_iter()
        .find(|w| w.name == name))
}

/// Service URLs of `demo` (and other commands that talk to the whole platform).
#[derive(Debug, Clone, clap::Args)]
pub struct ServiceUrls {
    /// cargo-intake gRPC URL.
    #[arg(long, env = "GATEHOUSE_CARGO_INTAKE_URL", default_value_t = default_url(ServiceKind::CargoIntake))]
    pub cargo_intake_url: String,
    /// passenger-intake gRPC URL.
    #[arg(long, env = "GATEHOUSE_PASSENGER_INTAKE_URL", default_value_t = default_url(ServiceKind::PassengerIntake))]
    pub passenger_intake_url: String,
    /// risk-targeting gRPC URL.
    #[arg(long, env = "GATEHOUSE_RISK_TARGETING_URL", default_value_t = default_url(ServiceKind::RiskTargeting))]
    pub risk_targeting_url: String,
    /// unit-alerts gRPC URL.
    #[arg(long, env = "GATEHOUSE_UNIT_ALERTS_URL", default_value_t = default_url(ServiceKind::UnitAlerts))]
    pub unit_alerts_url: String,
    /// reporting gRPC URL.
    #[arg(long, env = "GATEHOUSE_REPORTING_URL", default_value_t = default_url(ServiceKind::Reporting))]
    pub reporting_url: String,
}

pub fn default_url(kind: ServiceKind) -> String {
    format!("http://127.0.0.1:{}", kind.default_grpc_port())
}

/// Accepts `host:port` as well as a full URL: compose healthchecks and humans both write either.
pub fn normalize_url(addr: &str) -> String {
    let addr = addr.trim();
    if addr.contains("://") {
        addr.to_owned()
    } else {
        format!("http://{addr}")
    }
}

/// Connects eagerly so that an unreachable service fails here with its address in the message.
pub async fn connect(url: &str, timeout: Duration) -> Result<Channel> {
    let url = normalize_url(url);
    Endpoint::from_shared(url.clone())
        .with_context(|| format!("invalid URL {url}"))?
        .connect_timeout(timeout)
        .connect()
        .await
        .with_context(|| format!("cannot connect to {url}"))
}

/// Connects and wraps the channel with the bearer token.
pub async fn connect_authed(url: &str, token: &str) -> Result<AuthChannel> {
    let channel = connect(url, Duration::from_secs(5)).await?;
    Ok(InterceptedService::new(channel, BearerToken::new(token)?))
}

/// Same variable the services verify with, so a minted token is accepted by the local stack.
pub fn jwt_secret() -> String {
    std::env::var("GATEHOUSE_JWT_SECRET")
        .ok()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| LOCAL_DEV_SECRET.to_owned())
}

/// `GATEHOUSE_TOKEN` when set (e.g. a token from a real identity provider), else a dev token.
pub fn token_for(subject: &str, roles: &[Role], units: &[String]) -> Result<String> {
    if let Some(token) = std::env::var("GATEHOUSE_TOKEN")
        .ok()
        .filter(|t| !t.trim().is_empty())
    {
        return Ok(token);
    }
    Ok(mint_hs256(
        &jwt_secret(),
        subject,
        "local",
        units,
        roles,
        12 * 3600,
    )?)
}

/// Ids of every unit of the seed region.
pub fn seed_unit_ids() -> Vec<String> {
    gatehouse_platform::units::seed_region()
        .into_iter()
        .map(|u| u.id)
        .collect()
}

/// Short form of a failed RPC: tonic's `Display` for `Status` includes empty details and metadata.
pub fn rpc_error(rpc: &'static str) -> impl FnOnce(Status) -> anyhow::Error {
    move |status| anyhow::anyhow!("{rpc} failed: {:?}: {}", status.code(), status.message())
}

/// Last path segment of an enum name, e.g. `SEVERITY_HIGH` -> `HIGH`.
pub fn short_name<'a>(name: &'a str, prefix: &str) -> &'a str {
    name.strip_prefix(prefix).unwrap_or(name)
}
