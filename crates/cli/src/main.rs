//! The `gatehouse` binary: parses the command line and runs it (see the library for commands).

use std::process::ExitCode;

use clap::Parser;
use gatehouse_cli::{Cli, run};
use gatehouse_platform::{config::LogFormat, telemetry};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    // Spans (exported when OTEL_EXPORTER_OTLP_ENDPOINT is set) let the demo's calls share the
    // trace of the alerts they cause; token, health and bench stay instant and quiet.
    let _telemetry = if cli.command.wants_telemetry() {
        match telemetry::init("gatehouse-cli", LogFormat::Pretty) {
            Ok(guard) => Some(guard),
            Err(error) => {
                eprintln!("warning: tracing disabled: {error}");
                None
            }
        }
    } else {
        None
    };
    match run(&cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
