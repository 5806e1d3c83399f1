//! `gatehouse`: the command line of the Gatehouse platform: tokens, health checks, a local stack
//! (`up`), an end-to-end demo and a live alert feed.

mod alerts;
mod client;
mod demo;
mod health;
mod token;
mod up;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use gatehouse_platform::{config::LogFormat, telemetry};

#[derive(Debug, Parser)]
#[command(
    name = "gatehouse",
    version,
    about = "Gatehouse risk-targeting platform CLI"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print a signed bearer token (HS256, GATEHOUSE_JWT_SECRET or the local dev secret).
    Token(token::TokenArgs),
    /// Ask a service's gRPC health endpoint; exit 0 only when it is SERVING.
    Health(health::HealthArgs),
    /// Run the five services locally until Ctrl-C (logs in .gatehouse/logs).
    Up(up::UpArgs),
    /// Create a demo watchlist and rule, submit a flight, and print the alerts it raises.
    Demo(demo::DemoArgs),
    /// Work with unit alerts.
    Alerts {
        #[command(subcommand)]
        command: alerts::AlertsCommand,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    // Spans (exported when OTEL_EXPORTER_OTLP_ENDPOINT is set) let the demo's calls share the
    // trace of the alerts they cause; token and health stay instant and quiet.
    let _telemetry = match &cli.command {
        Command::Up(_) | Command::Demo(_) | Command::Alerts { .. } => {
            match telemetry::init("gatehouse-cli", LogFormat::Pretty) {
                Ok(guard) => Some(guard),
                Err(error) => {
                    eprintln!("warning: tracing disabled: {error}");
                    None
                }
            }
        }
        Command::Token(_) | Command::Health(_) => None,
    };
    let result = match &cli.command {
        Command::Token(args) => token::run(args),
        Command::Health(args) => health::run(args).await,
        Command::Up(args) => up::run(args).await,
        Command::Demo(args) => demo::run(args).await,
        Command::Alerts { command } => alerts::run(command).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
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
            "--after",
            "7",
        ])
        .unwrap();
        let Command::Alerts {
            command: alerts::AlertsCommand::Tail(tail),
        } = cli.command
        else {
            panic!("not alerts tail");
        };
        assert_eq!(tail.units, vec!["jaitf-sjj", "pcu-bar"]);
        assert_eq!(tail.after, Some(7));

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
        assert_eq!(args.wait_secs, 30);
    }
}
