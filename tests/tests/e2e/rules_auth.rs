//! End-to-end tests: rule versions side by side (shadow beside active), the type check of rules
//! at the API, and authentication failing closed.

use std::time::Duration;

use gatehouse_e2e::Sandbox;
use gatehouse_platform::{
    auth::{BearerToken, LOCAL_DEV_SECRET, Role, mint_hs256},
    config::ServiceKind,
};
use gatehouse_proto::v1::{
    Alert, CreateRuleRequest, Domain, GetRuleRequest, HitKind, RuleStatus, SetRuleStatusRequest,
    Severity, SubscribeAlertsRequest, SubscribeAlertsResponse, UpdateRuleRequest,
    ValidateRuleRequest, risk_targeting_service_client::RiskTargetingServiceClient,
    subscribe_alerts_response::Event,
};
use tokio_stream::StreamExt;
use tonic::{Code, Streaming, service::interceptor::InterceptedService};
use tonic_types::StatusExt;

use super::{
    ANALYST, LISTED_PASSPORT, OFFICER_SJJ, SUBMITTER, SUPERVISOR_SJJ, flight_of, flight_to,
    seed_targeting, statistics_when, traveller, traveller_surname,
};

/// Only stops a broken run from hanging; nothing here is timed.
const LIMIT: Duration = Duration::from_secs(30);

/// The next alert raised or updated on `stream`, skipping heartbeats.
async fn next_change(stream: &mut Streaming<SubscribeAlertsResponse>) -> Alert {
    loop {
        let message = tokio::time::timeout(LIMIT, stream.next())
            .await
            .expect("no alert within 30 s")
            .expect("alert stream ended")
            .expect("alert stream failed");
        match message.event {
            Some(Event::Raised(alert) | Event::Updated(alert)) => return alert,
            Some(Event::Heartbeat(_)) => {}
            None => panic!("subscription message without event"),
        }
    }
}

/// `(rule_id, version)` of the rule hits of `alert`; no hit of an alert is ever a shadow hit.
fn rule_hits(alert: &Alert) -> Vec<(String, u32)> {
    for hit in &alert.hits {
        assert!(!hit.shadow, "alert carries a shadow hit: {:?}", hit.rule_id);
    }
    alert
        .hits
        .iter()
        .filter(|h| h.kind == HitKind::Rule as i32)
        .map(|h| (h.rule_id.clone(), h.rule_version))
        .collect()
}

async fn status_of(
    targeting: &mut RiskTargetingServiceClient<gatehouse_e2e::Authed>,
    rule_id: &str,
    version: u32,
) -> RuleStatus {
    let rule = targeting
        .get_rule(GetRuleRequest {
            rule_id: rule_id.into(),
            version,
        })
        .await
        .unwrap()
        .into_inner()
        .rule
        .unwrap();
    RuleStatus::try_from(rule.status).unwrap()
}

/// A new draft version of `rule_id` with `expression`.
async fn new_version(
    targeting: &mut RiskTargetingServiceClient<gatehouse_e2e::Authed>,
    rule_id: &str,
    expression: &str,
) -> u32 {
    let rule = targeting
        .update_rule(UpdateRuleRequest {
            rule_id: rule_id.into(),
            name: "Nationality on the interest list".into(),
            expression: expression.into(),
            weight: 30.0,
            severity: Severity::Medium as i32,
            reason: "e2e: wider list on trial".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .rule
        .unwrap();
    assert_eq!(rule.status, RuleStatus::Draft as i32);
    rule.version
}

async fn set_status(
    targeting: &mut RiskTargetingServiceClient<gatehouse_e2e::Authed>,
    rule_id: &str,
    version: u32,
    status: RuleStatus,
) {
    let rule = targeting
        .set_rule_status(SetRuleStatusRequest {
            rule_id: rule_id.into(),
            version,
            status: status as i32,
            reason: "e2e".into(),
        })
        .await
        .unwrap()
        .into_inner()
        .rule
        .unwrap();
    assert_eq!(rule.status, status as i32);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn shadow_v2_beside_active_v1_counts_its_hits_and_never_alerts() {
    let sandbox = Sandbox::start().await.unwrap();
    // v1 (active): nationality in ['XXB', 'XXC'].
    let (_, rule_id) = seed_targeting(&sandbox).await;
    let mut targeting = sandbox.risk_targeting(&ANALYST).await.unwrap();
    let v2 = new_version(
        &mut targeting,
        &rule_id,
        "traveller.nationality in ['XXB', 'XXC', 'XXE']",
    )
    .await;
    assert_eq!(v2, 2);
    set_status(&mut targeting, &rule_id, v2, RuleStatus::Shadow).await;
    // The shadow version runs beside the active one: v1 is not retired.
    assert_eq!(
        status_of(&mut targeting, &rule_id, 1).await,
        RuleStatus::Active
    );

    let mut alerts = sandbox.unit_alerts(&OFFICER_SJJ).await.unwrap();
    let mut stream = alerts
        .subscribe_alerts(SubscribeAlertsRequest::default())
        .await
        .unwrap()
        .into_inner();
    let mut intake = sandbox.passenger_intake(&SUBMITTER).await.unwrap();
    intake
        .submit_api_report(flight_to(
            "SJJ",
            "shadow-1",
            vec![
                // Hit by v1 and by v2.
                traveller("BOTH", "XXB", "B1000001"),
                // Hit by the shadow v2 only: counted, never alerted.
                traveller("SHADOWED", "XXE", "E1000001"),
                traveller("CLEAN", "XXD", "D1000001"),
            ],
        ))
        .await
        .unwrap();

    let both = next_change(&mut stream).await;
    assert_eq!(traveller_surname(&both), "BOTH");
    assert_eq!(rule_hits(&both), [(rule_id.clone(), 1)]);
    assert_eq!(both.score, 30.0);

    // A later flight's watchlisted traveller: every alert of the first report came before it,
    // as they were raised from the same assessment event.
    let mut marker = flight_to(
        "SJJ",
        "shadow-2",
        vec![traveller("MARKER", "XXA", LISTED_PASSPORT)],
    );
    flight_of(&mut marker).number = "456".into();
    intake.submit_api_report(marker).await.unwrap();
    loop {
        let alert = next_change(&mut stream).await;
        let surname = traveller_surname(&alert);
        assert_ne!(surname, "SHADOWED", "a shadow hit raised an alert");
        assert!(
            rule_hits(&alert).iter().all(|(_, version)| *version == 1),
            "an alert carries a hit of the shadow version"
        );
        if surname == "MARKER" {
            break;
        }
    }

    // Both travellers the shadow version hit are counted, apart from the hits that alert.
    let mut reporting = sandbox.reporting(&SUPERVISOR_SJJ).await.unwrap();
    let today = chrono::Utc::now().date_naive().to_string();
    let day = statistics_when(
        &mut reporting,
        "jaitf-sjj",
        Domain::Passenger,
        &today,
        |d| d.records >= 4 && d.hits >= 2 && d.alerts >= 2 && d.shadow_hits >= 2,
    )
    .await;
    assert_eq!(
        (day.records, day.hits, day.shadow_hits, day.alerts),
        (4, 2, 2, 2)
    );
    sandbox.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn activation_retires_the_active_version_and_a_new_shadow_only_the_old_shadow() {
    let sandbox = Sandbox::start().await.unwrap();
    let (_, rule_id) = seed_targeting(&sandbox).await;
    let mut targeting = sandbox.risk_targeting(&ANALYST).await.unwrap();
    let v2 = new_version(&mut targeting, &rule_id, "traveller.nationality == 'XXE'").await;
    let v3 = new_version(&mut targeting, &rule_id, "traveller.nationality == 'XXF'").await;
    assert_eq!((v2, v3), (2, 3));

    // One shadow version at a time: a new one retires the previous one, never the active v1.
    set_status(&mut targeting, &rule_id, v2, RuleStatus::Shadow).await;
    set_status(&mut targeting, &rule_id, v3, RuleStatus::Shadow).await;
    let statuses = [
        status_of(&mut targeting, &rule_id, 1).await,
        status_of(&mut targeting, &rule_id, v2).await,
        status_of(&mut targeting, &rule_id, v3).await,
    ];
    assert_eq!(
        statuses,
        [RuleStatus::Active, RuleStatus::Retired, RuleStatus::Shadow]
    );

    // Activating the shadow v3 retires v1; v3 leaves shadow by becoming active, and alerts.
    set_status(&mut targeting, &rule_id, v3, RuleStatus::Active).await;
    assert_eq!(
        status_of(&mut targeting, &rule_id, 1).await,
        RuleStatus::Retired
    );
    let mut alerts = sandbox.unit_alerts(&OFFICER_SJJ).await.unwrap();
    let mut stream = alerts
        .subscribe_alerts(SubscribeAlertsRequest::default())
        .await
        .unwrap()
        .into_inner();
    let mut intake = sandbox.passenger_intake(&SUBMITTER).await.unwrap();
    let mut flight = flight_to(
        "SJJ",
        "promoted-1",
        vec![
            traveller("OLDRULE", "XXB", "B2000001"),
            traveller("NEWRULE", "XXF", "F2000001"),
        ],
    );
    flight_of(&mut flight).number = "789".into();
    intake.submit_api_report(flight).await.unwrap();
    let alert = next_change(&mut stream).await;
    assert_eq!(traveller_surname(&alert), "NEWRULE");
    assert_eq!(rule_hits(&alert), [(rule_id.clone(), v3)]);
    sandbox.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn rules_that_cannot_yield_a_bool_are_refused_without_echoing_values() {
    let sandbox = Sandbox::start().await.unwrap();
    let mut targeting = sandbox.risk_targeting(&ANALYST).await.unwrap();

    let checked = targeting
        .validate_rule(ValidateRuleRequest {
            domain: Domain::Passenger as i32,
            expression: "traveller.surname == 'SMITH' &&\n  traveller.surname > 5".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(!checked.valid);
    let diagnostic = &checked.errors[0];
    assert_eq!((diagnostic.line, diagnostic.column), (2, 21));
    assert!(
        diagnostic.message.contains("cannot order string and int"),
        "{}",
        diagnostic.message
    );
    assert!(!diagnostic.message.contains("SMITH"));

    let fine = targeting
        .validate_rule(ValidateRuleRequest {
            domain: Domain::Passenger as i32,
            expression: "flight.departure_airport in ['IST','SAW']".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(fine.valid, "{:?}", fine.errors);

    for expression in [
        "traveller.surname",
        "traveller.surname > 5",
        "traveller.age + 1",
        "document.days_to_expiry == 'x'",
    ] {
        let refused = targeting
            .create_rule(CreateRuleRequest {
                rule_id: "never-a-bool".into(),
                name: "n".into(),
                domain: Domain::Passenger as i32,
                expression: expression.into(),
                weight: 1.0,
                severity: Severity::Low as i32,
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_eq!(refused.code(), Code::InvalidArgument, "{expression}");
        let violations = refused
            .get_details_bad_request()
            .expect("field violations")
            .field_violations;
        assert_eq!(violations.len(), 1, "{expression}");
        assert_eq!(violations[0].field, "expression");
        assert!(
            violations[0].description.starts_with("line 1, column "),
            "{expression}: {}",
            violations[0].description
        );
    }
    sandbox.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn services_outside_development_mode_refuse_the_development_key() {
    let sandbox = Sandbox::start().await.unwrap();
    let token = mint_hs256(
        LOCAL_DEV_SECRET,
        "analyst-1",
        "ba-ibm",
        &[],
        &[Role::Analyst],
        600,
    )
    .unwrap();
    let mut targeting = RiskTargetingServiceClient::new(InterceptedService::new(
        sandbox.channel(ServiceKind::RiskTargeting).await.unwrap(),
        BearerToken::new(&token).unwrap(),
    ));
    let refused = targeting
        .validate_rule(ValidateRuleRequest {
            domain: Domain::Passenger as i32,
            expression: "traveller.age > 3".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::Unauthenticated);
    sandbox.stop().await.unwrap();
}
