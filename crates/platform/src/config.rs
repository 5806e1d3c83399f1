//! Typed configuration from `GATEHOUSE_*` environment variables.
//!
//! Every default works against the local stack (NATS on 127.0.0.1:4222, Postgres on
//! 127.0.0.1:5432 with trust auth), so a fresh checkout runs without any setting, except
//! authentication: it needs a key, or `GATEHOUSE_AUTH_DEV_MODE=true` (what `gatehouse up` sets).

use std::{
    net::SocketAddr,
    path::PathBuf,
    sync::{Arc, Mutex, PoisonError},
    time::Duration,
};

use thiserror::Error;

use crate::Personal;

/// The five Gatehouse services, with their default ports and schema names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ServiceKind {
    CargoIntake,
    PassengerIntake,
    RiskTargeting,
    UnitAlerts,
    Reporting,
}

impl ServiceKind {
    pub const ALL: [ServiceKind; 5] = [
        ServiceKind::CargoIntake,
        ServiceKind::PassengerIntake,
        ServiceKind::RiskTargeting,
        ServiceKind::UnitAlerts,
        ServiceKind::Reporting,
    ];

    /// Service name as used in logs, traces, NATS users and durable consumer names.
    pub fn name(self) -> &'static str {
        match self {
            ServiceKind::CargoIntake => "cargo-intake",
            ServiceKind::PassengerIntake => "passenger-intake",
            ServiceKind::RiskTargeting => "risk-targeting",
            ServiceKind::UnitAlerts => "unit-alerts",
            ServiceKind::Reporting => "reporting",
        }
    }

    /// Binary name, as built by cargo and shipped in the image.
    pub fn binary(self) -> &'static str {
        match self {
            ServiceKind::CargoIntake => "gatehouse-cargo-intake",
            ServiceKind::PassengerIntake => "gatehouse-passenger-intake",
            ServiceKind::RiskTargeting => "gatehouse-risk-targeting",
            ServiceKind::UnitAlerts => "gatehouse-unit-alerts",
            ServiceKind::Reporting => "gatehouse-reporting",
        }
    }

    /// Postgres schema the service alone owns.
    pub fn schema(self) -> &'static str {
        match self {
            ServiceKind::CargoIntake => "cargo_intake",
            ServiceKind::PassengerIntake => "passenger_intake",
            ServiceKind::RiskTargeting => "risk_targeting",
            ServiceKind::UnitAlerts => "unit_alerts",
            ServiceKind::Reporting => "reporting",
        }
    }

    pub fn default_grpc_port(self) -> u16 {
        match self {
            ServiceKind::CargoIntake => 50051,
            ServiceKind::PassengerIntake => 50052,
            ServiceKind::RiskTargeting => 50053,
            ServiceKind::UnitAlerts => 50054,
            ServiceKind::Reporting => 50055,
        }
    }

    /// Prometheus `/metrics` port, 9101–9105 in the order of the gRPC ports.
    pub fn default_metrics_port(self) -> u16 {
        match self {
            ServiceKind::CargoIntake => 9101,
            ServiceKind::PassengerIntake => 9102,
            ServiceKind::RiskTargeting => 9103,
            ServiceKind::UnitAlerts => 9104,
            ServiceKind::Reporting => 9105,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Debug, Clone)]
pub struct DatabaseConfig {
    /// Connection URL; may carry a password, so it is kept masked.
    pub url: Personal<String>,
    pub schema: String,
    pub max_connections: u32,
}

/// 1 GiB per stream: JetStream reserves the limit of each of the six streams against the
/// server's storage, so a larger default would not start on a modest disk. About a million
/// events of backlog per stream; a deployment expecting longer consumer outages raises it.
pub const DEFAULT_STREAM_MAX_BYTES: i64 = 1024 * 1024 * 1024;

#[derive(Debug, Clone)]
pub struct NatsConfig {
    pub url: String,
    pub user: Option<String>,
    pub password: Option<Personal<String>>,
    pub creds_file: Option<PathBuf>,
    /// Prefix of every subject and stream name: isolates tests and tenants on one server.
    pub prefix: String,
    /// Deliveries of one event before it goes to the dead-letter stream.
    pub max_deliver: i64,
    pub ack_wait: Duration,
    /// Copies of each stream in a NATS cluster (3 in the Kubernetes deployment; 1 on one server).
    pub stream_replicas: usize,
    /// Largest size of each work stream; when full, publishing waits in the outbox (nothing is
    /// dropped and intake keeps accepting into Postgres).
    pub stream_max_bytes: i64,
    /// Events a consumer applies in one transaction.
    pub consumer_batch: usize,
    /// Batches a consumer applies at the same time.
    pub consumer_concurrency: usize,
    /// How long applied event ids are remembered (inbox): longer than any event can stay
    /// unpublished or undelivered, so a late duplicate is still recognised.
    pub inbox_retention: Duration,
}

#[derive(Debug, Clone)]
pub struct AuthConfig {
    /// HS256 shared secret (at least 32 bytes, not a placeholder).
    pub hs256_secret: Option<Personal<String>>,
    /// PEM public key (RSA or EC) for RS256/ES256 tokens issued by an identity provider.
    pub public_key_file: Option<PathBuf>,
    /// JWKS document (JSON) of an identity provider's public keys, selected by the token's `kid`.
    pub jwks_file: Option<PathBuf>,
    pub issuer: Option<String>,
    pub audience: Option<String>,
    /// `GATEHOUSE_AUTH_DEV_MODE=true`: with no key configured, accept tokens signed with the
    /// published development key instead of refusing to start. For developer machines only.
    pub dev_mode: bool,
}

/// Where the Prometheus `/metrics` endpoint listens (`GATEHOUSE_METRICS_ADDR`, `off` disables it).
#[derive(Debug, Clone)]
pub enum MetricsListen {
    Off,
    Addr(SocketAddr),
    /// A listener the caller bound already, so it knows the port (tests bind port 0).
    Bound(BoundListener),
}

/// A bound listener that can sit in a cloneable config; the first [`BoundListener::take`] gets it.
#[derive(Debug, Clone)]
pub struct BoundListener(Arc<Mutex<Option<std::net::TcpListener>>>);

impl BoundListener {
    pub fn new(listener: std::net::TcpListener) -> Self {
        Self(Arc::new(Mutex::new(Some(listener))))
    }

    pub fn take(&self) -> Option<std::net::TcpListener> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).take()
    }
}

#[derive(Debug, Clone)]
pub struct ServiceConfig {
    pub service: ServiceKind,
    pub grpc_addr: SocketAddr,
    pub metrics: MetricsListen,
    pub database: DatabaseConfig,
    pub nats: NatsConfig,
    pub auth: AuthConfig,
    pub log_format: LogFormat,
    /// JSON file with the units of this deployment; the seed region when unset.
    pub units_file: Option<PathBuf>,
}

#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("{var}: {reason}")]
    Invalid { var: &'static str, reason: String },
}

pub const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/gatehouse";
pub const DEFAULT_NATS_URL: &str = "nats://127.0.0.1:4222";

impl ServiceConfig {
    /// Reads the configuration of `service` from the process environment.
    pub fn from_env(service: ServiceKind) -> Result<Self, ConfigError> {
        Self::from_lookup(service, |key| std::env::var(key).ok())
    }

    /// Reads the configuration through `lookup`, so tests need not touch the process environment.
    pub fn from_lookup(
        service: ServiceKind,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let get = |key: &str| lookup(key).filter(|v| !v.trim().is_empty());
        let grpc_addr = parse_or(
            "GATEHOUSE_GRPC_ADDR",
            get("GATEHOUSE_GRPC_ADDR"),
            SocketAddr::from(([0, 0, 0, 0], service.default_grpc_port())),
        )?;
        let metrics = match get("GATEHOUSE_METRICS_ADDR") {
            Some(value) if value.trim().eq_ignore_ascii_case("off") => MetricsListen::Off,
            value => MetricsListen::Addr(parse_or(
                "GATEHOUSE_METRICS_ADDR",
                value,
                SocketAddr::from(([0, 0, 0, 0], service.default_metrics_port())),
            )?),
        };
        let log_format = match get("GATEHOUSE_LOG_FORMAT").as_deref() {
            None | Some("pretty") => LogFormat::Pretty,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(ConfigError::Invalid {
                    var: "GATEHOUSE_LOG_FORMAT",
                    reason: format!("expected pretty or json, got {other}"),
                });
            }
        };
        let prefix = get("GATEHOUSE_BUS_PREFIX").unwrap_or_default();
        if !prefix
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(ConfigError::Invalid {
                var: "GATEHOUSE_BUS_PREFIX",
                reason: "only ASCII letters, digits, '-' and '_' are allowed".into(),
            });
        }
        let schema = get("GATEHOUSE_DB_SCHEMA").unwrap_or_else(|| service.schema().to_owned());
        if !is_identifier(&schema) {
            return Err(ConfigError::Invalid {
                var: "GATEHOUSE_DB_SCHEMA",
                reason: "must be a lowercase SQL identifier".into(),
            });
        }
        Ok(Self {
            service,
            grpc_addr,
            metrics,
            database: DatabaseConfig {
                url: Personal::new(
                    get("GATEHOUSE_DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.into()),
                ),
                schema,
                max_connections: parse_or(
                    "GATEHOUSE_DB_MAX_CONNECTIONS",
                    get("GATEHOUSE_DB_MAX_CONNECTIONS"),
                    8,
                )?,
            },
            nats: NatsConfig {
                url: get("GATEHOUSE_NATS_URL").unwrap_or_else(|| DEFAULT_NATS_URL.into()),
                user: get("GATEHOUSE_NATS_USER"),
                password: get("GATEHOUSE_NATS_PASSWORD").map(Personal::new),
                creds_file: get("GATEHOUSE_NATS_CREDS").map(PathBuf::from),
                prefix,
                max_deliver: parse_or("GATEHOUSE_MAX_DELIVER", get("GATEHOUSE_MAX_DELIVER"), 5)?,
                ack_wait: Duration::from_secs(parse_or(
                    "GATEHOUSE_ACK_WAIT_SECS",
                    get("GATEHOUSE_ACK_WAIT_SECS"),
                    30,
                )?),
                stream_replicas: parse_or(
                    "GATEHOUSE_STREAM_REPLICAS",
                    get("GATEHOUSE_STREAM_REPLICAS"),
                    1,
                )?,
                stream_max_bytes: parse_or(
                    "GATEHOUSE_STREAM_MAX_BYTES",
                    get("GATEHOUSE_STREAM_MAX_BYTES"),
                    DEFAULT_STREAM_MAX_BYTES,
                )?,
                consumer_batch: parse_or(
                    "GATEHOUSE_CONSUMER_BATCH",
                    get("GATEHOUSE_CONSUMER_BATCH"),
                    500,
                )?,
                consumer_concurrency: parse_or(
                    "GATEHOUSE_CONSUMER_CONCURRENCY",
                    get("GATEHOUSE_CONSUMER_CONCURRENCY"),
                    2,
                )?,
                inbox_retention: Duration::from_secs(
                    3600 * parse_or(
                        "GATEHOUSE_INBOX_RETENTION_HOURS",
                        get("GATEHOUSE_INBOX_RETENTION_HOURS"),
                        8 * 24,
                    )?,
                ),
            },
            auth: AuthConfig {
                hs256_secret: get("GATEHOUSE_JWT_SECRET").map(Personal::new),
                public_key_file: get("GATEHOUSE_JWT_PUBLIC_KEY_FILE").map(PathBuf::from),
                jwks_file: get("GATEHOUSE_JWT_JWKS_FILE").map(PathBuf::from),
                issuer: get("GATEHOUSE_JWT_ISSUER"),
                audience: get("GATEHOUSE_JWT_AUDIENCE"),
                dev_mode: match get("GATEHOUSE_AUTH_DEV_MODE")
                    .map(|v| v.trim().to_ascii_lowercase())
                    .as_deref()
                {
                    None | Some("false") => false,
                    Some("true") => true,
                    Some(_) => {
                        return Err(ConfigError::Invalid {
                            var: "GATEHOUSE_AUTH_DEV_MODE",
                            reason: "expected true or false".into(),
                        });
                    }
                },
            },
            log_format,
            units_file: get("GATEHOUSE_UNITS_FILE").map(PathBuf::from),
        })
    }
}

fn parse_or<T: std::str::FromStr>(
    var: &'static str,
    value: Option<String>,
    default: T,
) -> Result<T, ConfigError>
where
    T::Err: std::fmt::Display,
{
    match value {
        None => Ok(default),
        Some(raw) => raw
            .trim()
            .parse()
            .map_err(|e: T::Err| ConfigError::Invalid {
                var,
                reason: e.to_string(),
            }),
    }
}

/// A lowercase SQL identifier that is safe to quote into DDL.
pub fn is_identifier(value: &str) -> bool {
    let mut chars = value.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && value.len() <= 63
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |key| map.get(key).cloned()
    }

    #[test]
    fn defaults_target_the_local_stack() {
        let cfg = ServiceConfig::from_lookup(ServiceKind::UnitAlerts, lookup(&[])).unwrap();
        assert_eq!(cfg.grpc_addr.port(), 50054);
        assert_eq!(cfg.database.schema, "unit_alerts");
        assert_eq!(cfg.database.url.expose(), DEFAULT_DATABASE_URL);
        assert_eq!(cfg.nats.url, DEFAULT_NATS_URL);
        assert_eq!(cfg.nats.prefix, "");
        assert_eq!(cfg.log_format, LogFormat::Pretty);
        assert!(cfg.auth.hs256_secret.is_none());
    }

    #[test]
    fn variables_override_defaults() {
        let cfg = ServiceConfig::from_lookup(
            ServiceKind::Reporting,
            lookup(&[
                ("GATEHOUSE_GRPC_ADDR", "127.0.0.1:7000"),
                ("GATEHOUSE_BUS_PREFIX", "tenant_a"),
                ("GATEHOUSE_LOG_FORMAT", "json"),
                ("GATEHOUSE_DB_SCHEMA", "reporting_b"),
                ("GATEHOUSE_MAX_DELIVER", "3"),
            ]),
        )
        .unwrap();
        assert_eq!(cfg.grpc_addr, "127.0.0.1:7000".parse().unwrap());
        assert_eq!(cfg.nats.prefix, "tenant_a");
        assert_eq!(cfg.log_format, LogFormat::Json);
        assert_eq!(cfg.database.schema, "reporting_b");
        assert_eq!(cfg.nats.max_deliver, 3);
    }

    #[test]
    fn metrics_listen_on_910x_unless_configured_or_off() {
        for (kind, port) in ServiceKind::ALL.into_iter().zip(9101..) {
            let cfg = ServiceConfig::from_lookup(kind, lookup(&[])).unwrap();
            assert!(
                matches!(cfg.metrics, MetricsListen::Addr(addr) if addr == SocketAddr::from(([0, 0, 0, 0], port))),
                "{kind:?}: {:?}",
                cfg.metrics
            );
        }
        let cfg = ServiceConfig::from_lookup(
            ServiceKind::Reporting,
            lookup(&[("GATEHOUSE_METRICS_ADDR", "127.0.0.1:0")]),
        )
        .unwrap();
        assert!(
            matches!(cfg.metrics, MetricsListen::Addr(addr) if addr == "127.0.0.1:0".parse().unwrap())
        );
        for off in ["off", "OFF", " off "] {
            let cfg = ServiceConfig::from_lookup(
                ServiceKind::Reporting,
                lookup(&[("GATEHOUSE_METRICS_ADDR", off)]),
            )
            .unwrap();
            assert!(matches!(cfg.metrics, MetricsListen::Off), "{off:?}");
        }
    }

    #[test]
    fn a_bound_metrics_listener_is_handed_out_once() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let bound = BoundListener::new(listener);
        let copy = bound.clone();
        assert_eq!(copy.take().unwrap().local_addr().unwrap(), addr);
        assert!(bound.take().is_none());
    }

    #[test]
    fn bad_values_name_the_variable() {
        for (var, value) in [
            ("GATEHOUSE_GRPC_ADDR", "not-an-address"),
            ("GATEHOUSE_METRICS_ADDR", "9101"),
            ("GATEHOUSE_BUS_PREFIX", "a.b"),
            ("GATEHOUSE_LOG_FORMAT", "xml"),
            ("GATEHOUSE_DB_SCHEMA", "Robert'); DROP"),
            ("GATEHOUSE_DB_MAX_CONNECTIONS", "many"),
        ] {
            let err = ServiceConfig::from_lookup(ServiceKind::CargoIntake, lookup(&[(var, value)]))
                .unwrap_err();
            assert!(err.to_string().starts_with(var), "{err}");
        }
    }
}
