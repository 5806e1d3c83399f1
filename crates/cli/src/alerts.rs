//! `gatehouse alerts tail`: follows the alert feed of units; also the alert formatter of `demo`.

use std::{fmt::Write as _, time::Duration};

use anyhow::{Result, bail};
use gatehouse_platform::{auth::Role, config::ServiceKind};
use gatehouse_proto::v1::{
    Alert, AlertAction, AlertStatus, DocumentType, Hit, HitKind, Outcome, Severity, Subject,
    SubscribeAlertsRequest, subject, subscribe_alerts_response::Event,
    unit_alerts_service_client::UnitAlertsServiceClient,
};
use tonic::Code;

use crate::client;

#[derive(Debug, Clone, clap::Subcommand)]
pub enum AlertsCommand {
    /// Prints the alerts of units as they are raised or updated, until Ctrl-C.
    Tail(TailArgs),
}

#[derive(Debug, Clone, clap::Args)]
pub struct TailArgs {
    /// Unit to follow; repeatable.
    #[arg(long = "unit", value_name = "UNIT", required = true)]
    pub units: Vec<String>,
    /// Resume after this cursor (printed with each alert): replays what changed since, then
    /// follows. Without it only new changes.
    #[arg(long, value_name = "CURSOR")]
    pub cursor: Option<String>,
    /// Print heartbeats too (on stderr), to see that a quiet stream is alive.
    #[arg(long)]
    pub heartbeats: bool,
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
    let mut cursor = args.cursor.clone().unwrap_or_default();
    eprintln!(
        "following alerts of {} at {} (Ctrl-C to stop)",
        args.units.join(", "),
        args.addr
    );
    loop {
        // A fresh token each time: the stream ends when the previous one expires.
        let token = client::token_for("cli-officer", &[Role::Officer], &args.units)?;
        let mut delivered = false;
        match follow(args, &token, &mut cursor, &mut delivered).await {
            Ok(()) => eprintln!("alert stream ended; reconnecting in {RETRY:?}"),
            Err(error) => {
                if let Some(status) = error.downcast_ref::<tonic::Status>()
                    && !retryable(status.code(), delivered)
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

/// Retrying cannot fix a refused token, a bad request or a missing RPC; a token that expired on
/// a stream that was serving is renewed by reconnecting.
fn retryable(code: Code, delivered: bool) -> bool {
    match code {
        Code::Unauthenticated => delivered,
        Code::PermissionDenied | Code::InvalidArgument | Code::Unimplemented => false,
        _ => true,
    }
}

/// Subscribes from `cursor` and prints what arrives until the stream ends, advancing the cursor.
async fn follow(
    args: &TailArgs,
    token: &str,
    cursor: &mut String,
    delivered: &mut bool,
) -> Result<()> {
    let mut client = UnitAlertsServiceClient::new(client::connect_authed(&args.addr, token).await?);
    let mut stream = client
        .subscribe_alerts(SubscribeAlertsRequest {
            unit_ids: args.units.clone(),
            cursor: cursor.clone(),
        })
        .await?
        .into_inner();
    if cursor.is_empty() {
        eprintln!("subscribed (new changes only)");
    } else {
        eprintln!("subscribed (after cursor {cursor})");
    }
    while let Some(message) = stream.message().await? {
        *delivered = true;
        match &message.event {
            Some(Event::Raised(alert)) => {
                println!("{}", format_alert(alert));
                println!("   cursor    {}", message.cursor);
            }
            Some(Event::Updated(alert)) => {
                println!("{}", format_update(alert, message.action));
                println!("   cursor    {}", message.cursor);
            }
            Some(Event::Heartbeat(beat)) if args.heartbeats => {
                eprintln!("· heartbeat {}", format_time(beat.at.as_ref()));
            }
            Some(Event::Heartbeat(_)) | None => {}
        }
        if !message.cursor.is_empty() {
            cursor.clone_from(&message.cursor);
        }
    }
    Ok(())
}

fn format_time(at: Option<&prost_types::Timestamp>) -> String {
    at.and_then(|t| chrono::DateTime::from_timestamp(t.seconds, 0))
        .map_or_else(
            || "?".to_owned(),
            |t| t.format("%Y-%m-%d %H:%M:%SZ").to_string(),
        )
}

fn action_name(action: i32) -> &'static str {
    AlertAction::try_from(action).map_or("?", |a| {
        client::short_name(a.as_str_name(), "ALERT_ACTION_")
    })
}

/// One line for a changed alert: what changed, and its state now.
pub fn format_update(alert: &Alert, action: i32) -> String {
    let status = AlertStatus::try_from(alert.status).map_or("?", |s| {
        client::short_name(s.as_str_name(), "ALERT_STATUS_")
    });
    let mut line = format!(
        "── updated alert {} · unit {} · {} · now {status} · revision {}",
        alert.alert_id,
        alert.unit_id,
        action_name(action),
        alert.revision
    );
    if !alert.assigned_to.is_empty() {
        let _ = write!(line, " · assigned to {}", alert.assigned_to);
    }
    if let Ok(outcome) = Outcome::try_from(alert.outcome)
        && outcome != Outcome::Unspecified
    {
        let _ = write!(
            line,
            " · outcome {}",
            client::short_name(outcome.as_str_name(), "OUTCOME_")
        );
    }
    line
}

fn severity(value: i32) -> &'static str {
    Severity::try_from(value).map_or("?", |s| client::short_name(s.as_str_name(), "SEVERITY_"))
}

/// A readable block for one alert: who, where, how risky and every hit behind it.
pub fn format_alert(alert: &Alert) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "── alert · unit {} · {} · score {:.1}",
        alert.unit_id,
        severity(alert.severity),
        alert.score
    );
    let raised = alert
        .raised_at
        .is_some()
        .then(|| format!("raised {}", format_time(alert.raised_at.as_ref())));
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
                DocumentType::try_from(t.document_type).map_or("?", |d| {
                    client::short_name(d.as_str_name(), "DOCUMENT_TYPE_")
                }),
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
            alert_id: "0194d7a2-alert".into(),
            unit_id: "jaitf-sjj".into(),
            severity: Severity::High as i32,
            score: 90.0,
            subject: Some(Subject {
                subject: Some(subject::Subject::Traveller(TravellerSummary {
                    surname: "KOVAČ".into(),
                    document_number: "X9140572".into(),
                    document_type: DocumentType::Passport as i32,
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
            "id 0194d7a2-alert",
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

    #[test]
    fn updates_say_what_changed_and_the_state_now() {
        let alert = Alert {
            alert_id: "a-1".into(),
            unit_id: "jaitf-beg".into(),
            status: AlertStatus::Closed as i32,
            outcome: Outcome::Seizure as i32,
            assigned_to: "officer-7".into(),
            revision: 2,
            ..Default::default()
        };
        let line = format_update(&alert, AlertAction::OutcomeRecorded as i32);
        for expected in [
            "a-1",
            "jaitf-beg",
            "OUTCOME_RECORDED",
            "now CLOSED",
            "revision 2",
            "assigned to officer-7",
            "outcome SEIZURE",
        ] {
            assert!(line.contains(expected), "{expected:?} missing in {line}");
        }
    }

    #[test]
    fn only_an_expired_token_of_a_serving_stream_is_worth_a_retry() {
        assert!(retryable(Code::Unavailable, false));
        assert!(retryable(Code::Unauthenticated, true));
        assert!(!retryable(Code::Unauthenticated, false));
        assert!(!retryable(Code::PermissionDenied, true));
        assert!(!retryable(Code::InvalidArgument, true));
    }
}
