//! `gatehouse`: the command line of the Gatehouse platform: tokens, health checks, a local stack
//! (`up`), an end-to-end demo, a live alert feed, a load generator, raw-ceiling benchmarks and
//! dead-letter inspection and replay.
//!
//! A library so that end-to-end tests drive the same code (`load`) the command runs.

pub mod alerts;
pub mod bench;
pub mod check;
pub mod client;
pub mod demo;
pub mod dlq;
pub mod health;
pub mod load;
pub mod screen;
pub mod submit;
pub mod token;
pub mod up;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "gatehouse",
    version,
    about = "Gatehouse risk-targeting platform CLI"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print a signed bearer token (HS256, GATEHOUSE_JWT_SECRET or the local dev secret).
    Token(token::TokenArgs),
    /// Ask a service's gRPC health endpoint; exit 0 only when it is SERVING.
    Health(health::HealthArgs),
    /// Offline checks: a machine readable zone, a container, IMO or air waybill number.
    Check {
        #[command(subcommand)]
        command: check::CheckCommand,
    },
    /// Run the five services locally until Ctrl-C (logs in .gatehouse/logs).
    Up(up::UpArgs),
    /// Create a demo watchlist and rule, submit a flight, and print the alerts it raises.
    Demo(demo::DemoArgs),
    /// Work with unit alerts.
    Alerts {
        #[command(subcommand)]
        command: alerts::AlertsCommand,
    },
    /// Synthetic API traffic through StreamApiReports, with latency and a loss check
    /// (`gatehouse load seed` first creates its watchlist and rules).
    Load(Box<load::LoadCommand>),
    /// Raw ceilings of this machine: JetStream publish + consume, Postgres multi-row insert.
    Bench {
        #[command(subcommand)]
        command: bench::BenchCommand,
    },
    /// Inspect and replay dead-lettered events.
    Dlq {
        #[command(subcommand)]
        command: dlq::DlqCommand,
    },
    /// Submit carriers' raw files (PAXLST, PNRGOV); one result per message, exit 0 only if every
    /// message was accepted, a duplicate or a part held for the rest.
    Submit {
        #[command(subcommand)]
        command: submit::SubmitCommand,
    },
    /// Screen names (JSON lines) against a watchlist file offline, with the services' matcher.
    Screen(screen::ScreenArgs),
}

impl Command {
    /// Commands that talk to the platform trace their calls; instant ones stay quiet.
    pub fn wants_telemetry(&self) -> bool {
        match self {
            Command::Up(_) | Command::Demo(_) | Command::Alerts { .. } | Command::Load(_) => true,
            Command::Token(_)
            | Command::Health(_)
            | Command::Check { .. }
            | Command::Bench { .. }
            | Command::Dlq { .. }
            | Command::Submit { .. }
            | Command::Screen(_) => false,
        }
    }
}

/// Runs the parsed command.
pub async fn run(cli: &Cli) -> anyhow::Result<()> {
    match &cli.command {
        Command::Token(args) => token::run(args),
        Command::Health(args) => health::run(args).await,
        Command::Check { command } => check::run(command),
        Command::Up(args) => up::run(args).await,
        Command::Demo(args) => demo::run(args).await,
        Command::Alerts { command } => alerts::run(command).await,
        Command::Load(command) => load::run_command(command).await,
        Command::Bench { command } => bench::run(command).await,
        Command::Dlq { command } => dlq::run(command).await,
        Command::Submit { command } => submit::run(command).await,
        Command::Screen(args) => screen::run(args),
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn subcommands_parse() {
        let cli = Cli::try_parse_from(["gatehouse", "health", "--addr", "http://127.0.0.1:50052"])
            .unwrap();
        assert!(
            matches!(cli.command, Command::Health(ref a) if a.addr.ends_with(":50052") && a.service.is_empty())
        );

        let cli =
            Cli::try_parse_from(["gatehouse", "up", "--demo", "--bin-dir", "/opt/gh"]).unwrap();
        assert!(matches!(cli.command, Command::Up(ref a) if a.demo && a.bin_dir.is_some()));

        let cli = Cli::try_parse_from([
            "gatehouse",
            "alerts",
            "tail",
            "--unit",
            "jaitf-sjj",
            "--unit",
            "pcu-bar",
            "--cursor",
            "c-7",
        ])
        .unwrap();
        let Command::Alerts {
            command: alerts::AlertsCommand::Tail(tail),
        } = cli.command
        else {
            panic!("not alerts tail");
        };
        assert_eq!(tail.units, vec!["jaitf-sjj", "pcu-bar"]);
        assert_eq!(tail.cursor.as_deref(), Some("c-7"));
        assert!(!tail.heartbeats);

        // A tail without units would follow nothing.
        assert!(Cli::try_parse_from(["gatehouse", "alerts", "tail"]).is_err());
        assert!(Cli::try_parse_from(["gatehouse", "health"]).is_err());
    }

    #[test]
    fn demo_urls_default_to_the_local_ports() {
        let cli = Cli::try_parse_from(["gatehouse", "demo"]).unwrap();
        let Command::Demo(args) = cli.command else {
            panic!("not demo");
        };
        // The environment may override them; only check the shape when it does not.
        if std::env::var_os("GATEHOUSE_RISK_TARGETING_URL").is_none() {
            assert_eq!(args.urls.risk_targeting_url, "http://127.0.0.1:50053");
        }
        if std::env::var_os("GATEHOUSE_REPORTING_URL").is_none() {
            assert_eq!(args.urls.reporting_url, "http://127.0.0.1:50055");
        }
        assert_eq!(args.wait_secs, 30);
    }
}
