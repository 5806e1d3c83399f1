//! `gatehouse alerts tail`: follows the alert feed of units; also the alert formatter of `demo`.

use std::{fmt::Write as _, time::Duration};

use anyhow::{Result, bail};
use gatehouse_platform::{auth::Role, config::ServiceKind};
use gatehouse_proto::v1::{
    Alert, Hit, HitKind, Severity, Subject, SubscribeAlertsRequest, subject,
    unit_alerts_service_client::UnitAlertsServiceClient,
};
use tonic::Code;

use crate::client;

#[derive(Debug, Clone, clap::Subcommand)]
pub enum AlertsCommand {
    /// Prints the alerts of units as they are raised, until Ctrl-C.
    Tail(TailArgs),
}

#[derive(Debug, Clone, clap::Args)]
pub struct TailArgs {
    /// Unit to follow; repeatable.
    #[arg(long = "unit", value_name = "UNIT", required = true)]
    pub units: Vec<String>,
    /// Replay alerts with a sequence greater than this first; without it only new alerts.
    #[arg(long, value_name = "SEQUENCE")]
    pub after: Option<u64>,
    /// unit-alerts gRPC URL.
    #[arg(long, env = "GATEHOUSE_UNIT_ALERTS_URL", default_value_t = client::default_url(ServiceKind::UnitAlerts))]
    pub addr: String,
}

const RETRY: Duration = Duration::from_secs(2);

pub async fn run(command: &AlertsCommand) -> Result<()> {
    match command {
        AlertsCommand::Tail(args) => tail(args).await,
    }
}

async fn tail(args: &TailArgs) -> Result<()> {
    let token = client::token_for("cli-officer", &[Role::Officer], &args.units)?;
    let mut cursor = args.after;
    eprintln!(
        "following alerts of {} at {} (Ctrl-C to stop)",
        args.units.join(", "),
        args.addr
    );
    loop {
        match follow(args, &token, &mut cursor).await {
            Ok(()) => eprintln!("alert stream ended; reconnecting in {RETRY:?}"),
            Err(error) => {
                // Retrying cannot fix a refused token, a bad request or a missing RPC.
                if let Some(status) = error.downcast_ref::<tonic::Status>()
                    && matches!(
                        status.code(),
                        Code::Unauthenticated
                            | Code::PermissionDenied
                            | Code::InvalidArgument
                            | Code::Unimplemented
                    )
                {
                    bail!(
                        "SubscribeAlerts failed: {:?}: {}",
                        status.code(),
                        status.message()
                    );
                }
                eprintln!("{error:#}; reconnecting in {RETRY:?}");
            }
        }
        tokio::time::sleep(RETRY).await;
    }
}

/// Subscribes from `cursor` and prints alerts until the stream ends, advancing the cursor.
async fn follow(args: &TailArgs, token: &str, cursor: &mut Option<u64>) -> Result<()> {
    let mut client = UnitAlertsServiceClient::new(client::connect_authed(&args.addr, token).await?);
    let mut stream = client
        .subscribe_alerts(SubscribeAlertsRequest {
            unit_ids: args.units.clone(),
            after_sequence: *cursor,
        })
        .await?
        .into_inner();
    if let Some(after) = cursor {
        eprintln!("subscribed (after sequence {after})");
    } else {
        eprintln!("subscribed (new alerts only)");
    }
    while let Some(message) = stream.message().await? {
        if let Some(alert) = message.alert {
            println!("{}", format_alert(&alert));
            *cursor = Some(cursor.map_or(alert.sequence, |c| c.max(alert.sequence)));
        }
    }
    Ok(())
}

fn severity(value: i32) -> &'static str {
    Severity::try_from(value).map_or("?", |s| client::short_name(s.as_str_name(), "SEVERITY_"))
}

/// A readable block for one alert: who, where, how risky and every hit behind it.
pub fn format_alert(alert: &Alert) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "── alert #{} · unit {} · {} · score {:.1}",
        alert.sequence,
        alert.unit_id,
        severity(alert.severity),
        alert.score
    );
    let raised = alert
        .raised_at
        .and_then(|t| chrono::DateTime::from_timestamp(t.seconds, 0))
        .map(|t| format!("raised {}", t.format("%Y-%m-%d %H:%M:%SZ")));
    let details: Vec<String> = [
        (!alert.alert_id.is_empty()).then(|| format!("id {}", alert.alert_id)),
        (!alert.location.is_empty()).then(|| format!("at {}", alert.location)),
        raised,
    ]
    .into_iter()
    .flatten()
    .collect();
    if !details.is_empty() {
        let _ = writeln!(out, "   {}", details.join(" · "));
    }
    match alert
        .subject
        .as_ref()
        .and_then(|s: &Subject| s.subject.as_ref())
    {
        Some(subject::Subject::Traveller(t)) => {
            let _ = writeln!(
                out,
                "   flight    {}{} {}→{} {}",
                t.carrier,
                t.flight_number,
                t.departure_airport,
                t.arrival_airport,
                t.departure_date
            );
            let _ = writeln!(
                out,
                "   traveller {}, {} (born {}, {}) · {} {} ({})",
                t.surname,
                t.given_names,
                t.date_of_birth,
                t.nationality,
                client::short_name(&t.document_type, "DOCUMENT_TYPE_"),
                t.document_number,
                t.document_issuing_country
            );
        }
        Some(subject::Subject::Consignment(c)) => {
            let _ = writeln!(
                out,
                "   consignment {} · {}→{} · from {} to {} · HS {}",
                c.transport_document_number,
                c.port_of_loading,
                c.port_of_discharge,
                c.consignor_name,
                c.consignee_name,
                c.hs_codes.join(",")
            );
        }
        None => {
            let _ = writeln!(out, "   (no subject)");
        }
    }
    for hit in &alert.hits {
        let _ = writeln!(out, "   hit       {}", format_hit(hit));
    }
    out.trim_end().to_owned()
}

fn format_hit(hit: &Hit) -> String {
    let mut line = match HitKind::try_from(hit.kind) {
        Ok(HitKind::Watchlist) => format!(
            "watchlist {} entry {} · match {:.2}",
            hit.watchlist_id, hit.entry_id, hit.match_score
        ),
        _ => {
            // The map's order is random; sorted evidence reads the same on every run.
            let mut evidence: Vec<_> = hit.evidence.iter().collect();
            evidence.sort();
            let evidence: Vec<String> = evidence.iter().map(|(k, v)| format!("{k}={v}")).collect();
            format!(
                "rule {}@{} · {{{}}}",
                hit.rule_id,
                hit.rule_version,
                evidence.join(", ")
            )
        }
    };
    let _ = write!(
        line,
        " · {} · weight {}",
        severity(hit.severity),
        hit.weight
    );
    if !hit.description.is_empty() {
        let _ = write!(line, " · {}", hit.description);
    }
    line
}

#[cfg(test)]
mod tests {
    use gatehouse_proto::v1::TravellerSummary;

    use super::*;

    #[test]
    fn alert_block_names_unit_severity_and_hits() {
        let alert = Alert {
            sequence: 42,
            unit_id: "jaitf-sjj".into(),
            severity: Severity::High as i32,
            score: 90.0,
            subject: Some(Subject {
                subject: Some(subject::Subject::Traveller(TravellerSummary {
                    surname: "KOVAČ".into(),
                    document_number: "X9140572".into(),
                    document_type: "DOCUMENT_TYPE_PASSPORT".into(),
                    carrier: "JA".into(),
                    flight_number: "123".into(),
                    ..Default::default()
                })),
            }),
            hits: vec![
                Hit {
                    kind: HitKind::Rule as i32,
                    rule_id: "demo-expiring-document".into(),
                    rule_version: 3,
                    severity: Severity::Medium as i32,
                    evidence: [("document.days_to_expiry".to_owned(), "12".to_owned())].into(),
                    ..Default::default()
                },
                Hit {
                    kind: HitKind::Watchlist as i32,
                    watchlist_id: "wl-1".into(),
                    entry_id: "entry-1".into(),
                    match_score: 1.0,
                    severity: Severity::High as i32,
                    ..Default::default()
                },
            ],
            ..Default::default()
        };
        let text = format_alert(&alert);
        for expected in [
            "#42",
            "jaitf-sjj",
            "HIGH",
            "MEDIUM",
            "demo-expiring-document@3",
            "document.days_to_expiry=12",
            "watchlist wl-1 entry entry-1",
            "KOVAČ",
            "PASSPORT X9140572",
            "JA123",
        ] {
            assert!(text.contains(expected), "{expected:?} missing in:\n{text}");
        }
    }
}
