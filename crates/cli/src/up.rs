//! `gatehouse up`: runs the five services as child processes on this machine, waits until they
//! are healthy, optionally runs the demo, and stops them gracefully on Ctrl-C or SIGTERM.

use std::{
    fs::{self, OpenOptions},
    io::Write as _,
    net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr},
    path::{Path, PathBuf},
    process::{ExitStatus, Stdio},
    time::Duration,
};

use anyhow::{Context, Result, bail};
use gatehouse_platform::{auth::DEV_MODE_VAR, config::ServiceKind};
use tokio::{
    process::{Child, Command},
    time::Instant,
};
use tonic_health::pb::health_check_response::ServingStatus;

use crate::{
    client::ServiceUrls,
    demo::{self, DemoArgs},
    health,
};

const LOG_DIR: &str = ".gatehouse/logs";
const POLL: Duration = Duration::from_millis(200);
const READY_TIMEOUT: Duration = Duration::from_secs(90);
const STOP_GRACE: Duration = Duration::from_secs(10);
const LOG_TAIL_LINES: usize = 40;

#[derive(Debug, Clone, clap::Args)]
pub struct UpArgs {
    /// Run `gatehouse demo` against the services once they are healthy.
    #[arg(long)]
    pub demo: bool,
    /// Directory of the service binaries [default: the directory of this executable].
    #[arg(long, value_name = "DIR")]
    pub bin_dir: Option<PathBuf>,
}

/// One service to run: where it listens, where it logs, and the process once started.
struct Service {
    kind: ServiceKind,
    binary: PathBuf,
    listen: SocketAddr,
    log: PathBuf,
    child: Option<Child>,
}

impl Service {
    /// Clients cannot dial a wildcard address; the service is reachable on loopback then.
    fn url(&self) -> String {
        let mut addr = self.listen;
        if addr.ip().is_unspecified() {
            addr.set_ip(match addr.ip() {
                IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::LOCALHOST),
                IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::LOCALHOST),
            });
        }
        format!("http://{addr}")
    }
}

/// `GATEHOUSE_<SERVICE>_ADDR`, e.g. `GATEHOUSE_RISK_TARGETING_ADDR`: moves one service off its port.
fn addr_var(kind: ServiceKind) -> String {
    format!(
        "GATEHOUSE_{}_ADDR",
        kind.name().to_ascii_uppercase().replace('-', "_")
    )
}

fn listen_addr(kind: ServiceKind, lookup: impl Fn(&str) -> Option<String>) -> Result<SocketAddr> {
    let var = addr_var(kind);
    match lookup(&var).filter(|v| !v.trim().is_empty()) {
        Some(value) => value
            .trim()
            .parse()
            .with_context(|| format!("{var}={value} is not an ip:port address")),
        None => Ok(SocketAddr::from((
            Ipv4Addr::LOCALHOST,
            kind.default_grpc_port(),
        ))),
    }
}

pub async fn run(args: &UpArgs) -> Result<()> {
    let bin_dir = match &args.bin_dir {
        Some(dir) => dir.clone(),
        None => std::env::current_exe()
            .context("locating the gatehouse executable")?
            .parent()
            .map(Path::to_path_buf)
            .context("the gatehouse executable has no parent directory")?,
    };
    let mut services = Vec::new();
    for kind in ServiceKind::ALL {
        let binary = bin_dir.join(kind.binary());
        if !binary.is_file() {
            bail!(
                "{} not found (build the services with `cargo build --bins`, or pass --bin-dir)",
                binary.display()
            );
        }
        services.push(Service {
            kind,
            binary,
            listen: listen_addr(kind, |var| std::env::var(var).ok())?,
            log: Path::new(LOG_DIR).join(format!("{}.log", kind.name())),
            child: None,
        });
    }
    fs::create_dir_all(LOG_DIR).with_context(|| format!("creating {LOG_DIR}"))?;

    let result = tokio::select! {
        result = supervise(&mut services, args.demo) => result,
        signal = stop_requested() => signal.map(|()| println!("\nstopping the services...")),
    };
    // Reached on success, error and signal alike: no child outlives the CLI.
    stop(&mut services).await;
    result
}

async fn supervise(services: &mut [Service], run_demo: bool) -> Result<()> {
    for service in services.iter_mut() {
        service.child = Some(spawn(service)?);
        println!(
            "started {:<17} log {}",
            service.kind.name(),
            service.log.display()
        );
    }
    wait_ready(services).await?;
    println!("\nGatehouse is up:");
    for service in services.iter() {
        println!("  {:<17} gRPC {}", service.kind.name(), service.url());
    }
    if run_demo {
        let url = |kind: ServiceKind| {
            services
                .iter()
                .find(|s| s.kind == kind)
                .map(Service::url)
                .unwrap_or_default()
        };
        println!();
        demo::run(&DemoArgs {
            urls: ServiceUrls {
                cargo_intake_url: url(ServiceKind::CargoIntake),
                passenger_intake_url: url(ServiceKind::PassengerIntake),
                risk_targeting_url: url(ServiceKind::RiskTargeting),
                unit_alerts_url: url(ServiceKind::UnitAlerts),
                reporting_url: url(ServiceKind::Reporting),
            },
            wait_secs: 30,
        })
        .await
        .context("demo")?;
    }
    println!("\nPress Ctrl-C to stop.");
    watch(services).await
}

fn spawn(service: &Service) -> Result<Child> {
    let mut log = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&service.log)
        .with_context(|| format!("opening {}", service.log.display()))?;
    // Logs are appended across runs; the marker shows where this one starts.
    writeln!(
        log,
        "\n=== gatehouse up: {} on {} at {} ===",
        service.binary.display(),
        service.listen,
        chrono::Utc::now().to_rfc3339()
    )?;
    let mut command = Command::new(&service.binary);
    command
        .env("GATEHOUSE_GRPC_ADDR", service.listen.to_string())
        // Per-service settings: one value inherited by all five would be wrong for four of them.
        .env("OTEL_SERVICE_NAME", service.kind.name())
        // A local stack: without a configured key the services accept the published
        // development key (which `gatehouse token` and the demo sign with) instead of refusing
        // to start. A key that is configured still wins.
        .env(DEV_MODE_VAR, "true")
        .env_remove("GATEHOUSE_DB_SCHEMA")
        // Colour escapes would make the log files hard to read and grep.
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        // Last resort if this process unwinds without reaching `stop`.
        .kill_on_drop(true);
    // Own process group: Ctrl-C reaches only the CLI, which then stops the services in order.
    #[cfg(unix)]
    command.process_group(0);
    command
        .spawn()
        .with_context(|| format!("starting {}", service.binary.display()))
}

async fn wait_ready(services: &mut [Service]) -> Result<()> {
    let deadline = Instant::now() + READY_TIMEOUT;
    let mut ready = vec![false; services.len()];
    loop {
        for (service, ready) in services.iter_mut().zip(ready.iter_mut()) {
            if *ready {
                continue;
            }
            if let Some(child) = service.child.as_mut()
                && let Some(status) = child.try_wait()?
            {
                bail!(exited(service, status));
            }
            if let Ok(ServingStatus::Serving) =
                health::check(&service.url(), "", Duration::from_secs(1)).await
            {
                *ready = true;
                println!("{} is serving", service.kind.name());
            }
        }
        if ready.iter().all(|r| *r) {
            return Ok(());
        }
        if Instant::now() >= deadline {
            let waiting: Vec<String> = services
                .iter()
                .zip(&ready)
                .filter(|(_, ready)| !**ready)
                .map(|(s, _)| format!("{} (log {})", s.kind.name(), s.log.display()))
                .collect();
            bail!(
                "not healthy within {}s: {}",
                READY_TIMEOUT.as_secs(),
                waiting.join(", ")
            );
        }
        tokio::time::sleep(POLL).await;
    }
}

/// Completes on Ctrl-C or SIGTERM (e.g. from `docker stop` or a process supervisor).
async fn stop_requested() -> Result<()> {
    #[cfg(unix)]
    {
        let mut terminate =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            result = tokio::signal::ctrl_c() => result?,
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    tokio::signal::ctrl_c().await?;
    Ok(())
}

/// Completes (with an error) when any service exits on its own.
async fn watch(services: &mut [Service]) -> Result<()> {
    let waits: Vec<_> = services
        .iter_mut()
        .filter_map(|s| s.child.as_mut())
        .map(|child| Box::pin(child.wait()))
        .collect();
    if waits.is_empty() {
        // select_all panics on nothing to select from.
        return std::future::pending().await;
    }
    let (status, index, _) = futures::future::select_all(waits).await;
    let status = status?;
    match services.get(index) {
        Some(service) => bail!(exited(service, status)),
        None => bail!("a service exited ({status})"),
    }
}

fn exited(service: &Service, status: ExitStatus) -> String {
    let text = fs::read_to_string(&service.log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    let tail = lines[lines.len().saturating_sub(LOG_TAIL_LINES)..].join("\n");
    format!(
        "{} exited unexpectedly ({status}); last lines of {}:\n{tail}",
        service.kind.name(),
        service.log.display()
    )
}

/// SIGTERM to every running service, then up to [`STOP_GRACE`] for them to drain, then SIGKILL.
async fn stop(services: &mut [Service]) {
    for service in services.iter_mut() {
        if let Some(child) = service.child.as_mut()
            && matches!(child.try_wait(), Ok(None))
            && let Err(error) = signal(child, "TERM").await
        {
            eprintln!("stopping {}: {error:#}", service.kind.name());
        }
    }
    let deadline = Instant::now() + STOP_GRACE;
    for service in services.iter_mut() {
        let name = service.kind.name();
        let Some(child) = service.child.as_mut() else {
            continue;
        };
        match tokio::time::timeout_at(deadline, child.wait()).await {
            Ok(Ok(status)) => println!("stopped {name} ({status})"),
            Ok(Err(error)) => eprintln!("waiting for {name}: {error}"),
            Err(_) => {
                eprintln!(
                    "{name} did not stop within {}s; killing it",
                    STOP_GRACE.as_secs()
                );
                if let Err(error) = signal(child, "KILL").await {
                    eprintln!("killing {name}: {error:#}");
                }
                // Reaps it; also kills it directly should the group signal have failed.
                if let Err(error) = child.kill().await {
                    eprintln!("killing {name}: {error}");
                }
            }
        }
    }
}

/// Signals the child's process group (it leads its own, see `spawn`), so a wrapper script and
/// the service it runs stop together. `unsafe` (and so libc) is forbidden in the workspace: the
/// `kill` utility sends the signal.
#[cfg(unix)]
async fn signal(child: &mut Child, name: &str) -> Result<()> {
    let Some(pid) = child.id() else {
        return Ok(()); // already reaped
    };
    let status = Command::new("kill")
        .arg(format!("-{name}"))
        .arg("--")
        .arg(format!("-{pid}"))
        .status()
        .await
        .context("running kill")?;
    if !status.success() {
        bail!("kill -{name} -- -{pid} failed ({status})");
    }
    Ok(())
}

#[cfg(not(unix))]
async fn signal(child: &mut Child, _name: &str) -> Result<()> {
    Ok(child.start_kill()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_service_addresses_override_the_default_port() {
        assert_eq!(
            addr_var(ServiceKind::RiskTargeting),
            "GATEHOUSE_RISK_TARGETING_ADDR"
        );
        let default = listen_addr(ServiceKind::UnitAlerts, |_| None).unwrap();
        assert_eq!(default.to_string(), "127.0.0.1:50054");
        let moved = listen_addr(ServiceKind::UnitAlerts, |var| {
            (var == "GATEHOUSE_UNIT_ALERTS_ADDR").then(|| "0.0.0.0:6054".to_owned())
        })
        .unwrap();
        let service = Service {
            kind: ServiceKind::UnitAlerts,
            binary: PathBuf::new(),
            listen: moved,
            log: PathBuf::new(),
            child: None,
        };
        assert_eq!(service.url(), "http://127.0.0.1:6054");
        assert!(listen_addr(ServiceKind::UnitAlerts, |_| Some("nope".into())).is_err());
    }
}
