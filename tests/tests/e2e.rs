//! End to end over real NATS JetStream and Postgres: a flight submitted to passenger intake is
//! screened, raises alerts for the arrival airport's unit on its subscription, and is counted
//! in the statistics. Timeouts below only stop a broken run from hanging; they measure nothing.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test-only helpers fail loudly
use std::time::Duration;

use gatehouse_e2e::{Identity, Sandbox};
use gatehouse_platform::{auth::Role, config::ServiceKind};
use gatehouse_proto::v1::{
    AddWatchlistEntriesRequest, Alert, AlertStatus, ApiReport, AssignAlertRequest,
    CreateRuleRequest, CreateWatchlistRequest, DocumentType, Domain, Flight, FlightDirection,
    GetAlertRequest, GetStatisticsRequest, HitKind, ListAlertsRequest, Outcome,
    RecordOutcomeRequest, RuleStatus, SetRuleStatusRequest, Severity, SubmitApiReportRequest,
    SubscribeAlertsRequest, SubscribeAlertsResponse, TravelDocument, Traveller, TravellerRole,
    WatchlistDocument, WatchlistEntry, WatchlistKind,
    passenger_intake_service_client::PassengerIntakeServiceClient, subject,
    subscribe_alerts_response::Event as AlertEvent,
};
use tokio_stream::StreamExt;
use tonic::{Code, Streaming};
use tonic_types::StatusExt;

// A test target's root resolves `mod` files next to itself, not in `e2e/`.
#[path = "e2e/alerts.rs"]
mod alerts;
#[path = "e2e/cargo.rs"]
mod cargo;
#[path = "e2e/dlq.rs"]
mod dlq;
#[path = "e2e/intake.rs"]
mod intake;
#[path = "e2e/links.rs"]
mod links;
#[path = "e2e/load.rs"]
mod load;
#[path = "e2e/ops.rs"]
mod ops;
#[path = "e2e/outages.rs"]
mod outages;
#[path = "e2e/paxlst.rs"]
mod paxlst;
#[path = "e2e/pnr.rs"]
mod pnr;
#[path = "e2e/pnrgov.rs"]
mod pnrgov;
#[path = "e2e/reads.rs"]
mod reads;
#[path = "e2e/rules_auth.rs"]
mod rules_auth;

const ANALYST: Identity = Identity {
    subject: "analyst-1",
    agency: "ba-ibm",
    units: &[],
    roles: &[Role::Analyst],
};
const SUBMITTER: Identity = Identity {
    subject: "carrier-ja",
    agency: "ba-ibm",
    units: &[],
    roles: &[Role::Submitter],
};
const OFFICER_SJJ: Identity = Identity {
    subject: "officer-sjj",
    agency: "ba-ibm",
    units: &["jaitf-sjj"],
    roles: &[Role::Officer],
};
const OFFICER_BEG: Identity = Identity {
    subject: "officer-beg",
    agency: "rs-customs",
    units: &["jaitf-beg"],
    roles: &[Role::Officer],
};
const SUPERVISOR_SJJ: Identity = Identity {
    subject: "supervisor-sjj",
    agency: "ba-ibm",
    units: &["jaitf-sjj"],
    roles: &[Role::Supervisor],
};

const LISTED_PASSPORT: &str = "X1234567";

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|value| value == "true")
}

/// The bytes of `$GATEHOUSE_FIXTURES/<folder>/<name>` (written by others, never copied into the
/// repo); `None` outside CI when the fixtures are not there, a failure in CI.
fn fixture(folder: &str, name: &str) -> Option<Vec<u8>> {
    let Some(root) = std::env::var_os("GATEHOUSE_FIXTURES") else {
        assert!(!in_ci(), "GATEHOUSE_FIXTURES must be set in CI");
        return None;
    };
    let path = std::path::PathBuf::from(root).join(folder).join(name);
    match std::fs::read(&path) {
        Ok(bytes) => Some(bytes),
        Err(error) => {
            assert!(!in_ci(), "{} is missing in CI: {error}", path.display());
            None
        }
    }
}

fn traveller(surname: &str, nationality: &str, passport: &str) -> Traveller {
    Traveller {
        role: TravellerRole::Passenger as i32,
        surname: surname.into(),
        given_names: "Test".into(),
        date_of_birth: "1985-04-12".into(),
        nationality: nationality.into(),
        documents: vec![TravelDocument {
            r#type: DocumentType::Passport as i32,
            number: passport.into(),
            issuing_country: nationality.into(),
            expiry_date: "2031-01-01".into(),
            ..Default::default()
        }],
        ..Default::default()
    }
}

fn flight_to(
    arrival: &str,
    message_id: &str,
    travellers: Vec<Traveller>,
) -> SubmitApiReportRequest {
    SubmitApiReportRequest {
        message_id: message_id.into(),
        report: Some(ApiReport {
            flight: Some(Flight {
                carrier: "JA".into(),
                number: "123".into(),
                departure_airport: "IST".into(),
                arrival_airport: arrival.into(),
                departure_date: chrono::Utc::now().date_naive().to_string(),
                direction: FlightDirection::Inbound as i32,
                ..Default::default()
            }),
            travellers,
            sender: "JA".into(),
            ..Default::default()
        }),
    }
}

fn flight_of(request: &mut SubmitApiReportRequest) -> &mut Flight {
    request.report.as_mut().unwrap().flight.as_mut().unwrap()
}

fn travellers_of(request: &mut SubmitApiReportRequest) -> &mut Vec<Traveller> {
    &mut request.report.as_mut().unwrap().travellers
}

/// Today's passenger statistics of jaitf-sjj once `reached` holds (events are counted
/// asynchronously); fails after 30 s.
async fn statistics_when(
    reporting: &mut gatehouse_proto::v1::reporting_service_client::ReportingServiceClient<
        gatehouse_e2e::Authed,
    >,
    unit: &str,
    domain: Domain,
    today: &str,
    reached: impl Fn(&gatehouse_proto::v1::DailyStatistics) -> bool,
) -> gatehouse_proto::v1::DailyStatistics {
    // Statistics are a read model with no change feed to wait on: they are polled until they
    // show what the test expects, or the deadline fails the test.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let stats = reporting
            .get_statistics(GetStatisticsRequest {
                unit_ids: vec![unit.to_owned()],
                from_date: today.to_owned(),
                to_date: today.to_owned(),
                domain: domain as i32,
            })
            .await
            .unwrap()
            .into_inner();
        if let Some(day) = stats.days.first()
            && reached(day)
        {
            return day.clone();
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "statistics never got there: {stats:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A subscription to all of the caller's units: from now on for an empty `cursor`, else after it.
fn subscription(cursor: &str) -> SubscribeAlertsRequest {
    SubscribeAlertsRequest {
        unit_ids: vec![],
        cursor: cursor.to_owned(),
    }
}

/// The next message of an alert stream, heartbeats included; fails after 30 s.
async fn next_message(stream: &mut Streaming<SubscribeAlertsResponse>) -> SubscribeAlertsResponse {
    tokio::time::timeout(Duration::from_secs(30), stream.next())
        .await
        .expect("nothing on the alert stream within 30 s")
        .expect("alert stream ended")
        .expect("alert stream failed")
}

/// The next raised or updated alert of an alert stream (heartbeats skipped); fails after 30 s,
/// however many heartbeats came in between.
async fn next_change(stream: &mut Streaming<SubscribeAlertsResponse>) -> SubscribeAlertsResponse {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let message = tokio::time::timeout_at(deadline, next_message(stream))
            .await
            .expect("no raised or updated alert within 30 s");
        if !matches!(message.event, Some(AlertEvent::Heartbeat(_))) {
            return message;
        }
    }
}

/// The alert a stream message raised; fails on anything else.
fn raised(message: &SubscribeAlertsResponse) -> Alert {
    match &message.event {
        Some(AlertEvent::Raised(alert)) => alert.clone(),
        other => panic!("expected a raised alert, got {other:?}"),
    }
}

/// The next alert raised on a stream; an update before it fails the test.
async fn next_alert(stream: &mut Streaming<SubscribeAlertsResponse>) -> Alert {
    raised(&next_change(stream).await)
}

fn traveller_surname(alert: &Alert) -> String {
    match alert.subject.as_ref().and_then(|s| s.subject.as_ref()) {
        Some(subject::Subject::Traveller(t)) => t.surname.clone(),
        other => panic!("alert without traveller subject: {other:?}"),
    }
}

/// Seeds a document watchlist and an active nationality rule.
async fn seed_targeting(sandbox: &Sandbox) -> (String, String) {
    let mut targeting = sandbox.risk_targeting(&ANALYST).await.unwrap();
    let watchlist = targeting
        .create_watchlist(CreateWatchlistRequest {
            name: "Stolen and lost travel documents".into(),
            kind: WatchlistKind::Documents as i32,
            description: "e2e".into(),
            source: "test".into(),
        })
        .await
        .unwrap()
        .into_inner()
        .watchlist
        .unwrap();
    let added = targeting
        .add_watchlist_entries(AddWatchlistEntriesRequest {
            watchlist_id: watchlist.id.clone(),
            message_id: "seed-1".into(),
            entries: vec![WatchlistEntry {
                external_ref: "SLTD-1".into(),
                names: vec!["LISTED HOLDER".into()],
                documents: vec![WatchlistDocument {
                    r#type: DocumentType::Passport as i32,
                    // Written with separators and lowercase: screening compares normalised numbers.
                    number: "x 123-4567".into(),
                    issuing_country: "XXA".into(),
                }],
                reason: "reported stolen".into(),
                severity: Severity::High as i32,
                ..Default::default()
            }],
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(added.added, 1);
    let rule = targeting
        .create_rule(CreateRuleRequest {
            rule_id: "nationality-of-interest".into(),
            name: "Nationality on the interest list".into(),
            domain: Domain::Passenger as i32,
            expression: "traveller.nationality in ['XXB', 'XXC']".into(),
            weight: 30.0,
            severity: Severity::Medium as i32,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .rule
        .unwrap();
    assert_eq!((rule.version, rule.status), (1, RuleStatus::Draft as i32));
    let active = targeting
        .set_rule_status(SetRuleStatusRequest {
            rule_id: rule.rule_id.clone(),
            version: 1,
            status: RuleStatus::Active as i32,
            reason: "e2e".into(),
        })
        .await
        .unwrap()
        .into_inner()
        .rule
        .unwrap();
    assert_eq!(active.status, RuleStatus::Active as i32);
    (added.entry_ids[0].clone(), rule.rule_id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn flight_raises_alerts_for_its_unit_and_is_counted() {
    let sandbox = Sandbox::builder().observe_intake().start().await.unwrap();
    let (entry_id, rule_id) = seed_targeting(&sandbox).await;

    let mut alerts_sjj = sandbox.unit_alerts(&OFFICER_SJJ).await.unwrap();
    let mut stream = alerts_sjj
        .subscribe_alerts(subscription(""))
        .await
        .unwrap()
        .into_inner();

    let mut intake = sandbox.passenger_intake(&SUBMITTER).await.unwrap();
    let request = flight_to(
        "SJJ",
        "ja123-1",
        vec![
            traveller("LISTED", "XXA", LISTED_PASSPORT),
            traveller("RULED", "XXB", "B7654321"),
            traveller("CLEAN", "XXD", "C1111111"),
        ],
    );
    let first = intake
        .submit_api_report(request.clone())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(first.traveller_count, 3);
    assert!(!first.duplicate);

    let first_message = next_change(&mut stream).await;
    let second_message = next_change(&mut stream).await;
    let mut alerts = vec![raised(&first_message), raised(&second_message)];
    alerts.sort_by_key(traveller_surname);
    let (listed, ruled) = (&alerts[0], &alerts[1]);
    assert_eq!(traveller_surname(listed), "LISTED");
    assert_eq!(traveller_surname(ruled), "RULED");
    for alert in &alerts {
        assert_eq!(alert.unit_id, "jaitf-sjj");
        assert_eq!(alert.location, "SJJ");
    }
    let watch_hit = &listed.hits[0];
    assert_eq!(
        (watch_hit.kind, watch_hit.entry_id.as_str()),
        (HitKind::Watchlist as i32, entry_id.as_str())
    );
    assert_eq!(listed.severity, Severity::High as i32);
    let rule_hit = &ruled.hits[0];
    assert_eq!(rule_hit.kind, HitKind::Rule as i32);
    assert_eq!(
        (rule_hit.rule_id.as_str(), rule_hit.rule_version),
        (rule_id.as_str(), 1)
    );
    assert_eq!(
        rule_hit
            .evidence
            .get("traveller.nationality")
            .map(String::as_str),
        Some("XXB")
    );
    assert_eq!(ruled.score, 30.0);

    // The same message again: the first result, nothing new published.
    let again = intake
        .submit_api_report(request)
        .await
        .unwrap()
        .into_inner();
    assert!(again.duplicate);
    assert_eq!(again.report_id, first.report_id);

    // The next alert on the stream belongs to the next flight, so the duplicate raised none.
    let mut next_flight = flight_to(
        "SJJ",
        "ja124-1",
        vec![traveller("LISTED", "XXA", LISTED_PASSPORT)],
    );
    flight_of(&mut next_flight).number = "124".into();
    let second = intake
        .submit_api_report(next_flight)
        .await
        .unwrap()
        .into_inner();
    let third_alert = next_alert(&mut stream).await;
    assert!(alerts.iter().all(|a| a.alert_id != third_alert.alert_id));
    match third_alert.subject.clone().and_then(|s| s.subject) {
        Some(subject::Subject::Traveller(t)) => assert_eq!(t.report_id, second.report_id),
        other => panic!("unexpected subject {other:?}"),
    }

    // Two reports were published to INTAKE, not three.
    let js = sandbox.jetstream().await.unwrap();
    let mut intake_stream = js.get_stream(sandbox.stream("INTAKE")).await.unwrap();
    assert_eq!(intake_stream.info().await.unwrap().state.messages, 2);

    // A reconnecting dashboard resumes after the last message it saw: the rest, in order, once.
    let mut resumed = alerts_sjj
        .subscribe_alerts(SubscribeAlertsRequest {
            unit_ids: vec!["jaitf-sjj".into()],
            cursor: first_message.cursor.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    let replayed = [
        next_alert(&mut resumed).await.alert_id,
        next_alert(&mut resumed).await.alert_id,
    ];
    assert_eq!(
        replayed,
        [
            raised(&second_message).alert_id,
            third_alert.alert_id.clone()
        ]
    );

    // Statistics count 4 records, 3 hits and 3 alerts for the unit today.
    let mut reporting = sandbox.reporting(&SUPERVISOR_SJJ).await.unwrap();
    let today = chrono::Utc::now().date_naive().to_string();
    let day = statistics_when(
        &mut reporting,
        "jaitf-sjj",
        Domain::Passenger,
        &today,
        |d| (d.records, d.hits, d.alerts) == (4, 3, 3),
    )
    .await;
    assert_eq!(
        (day.unit_id.as_str(), day.date.as_str()),
        ("jaitf-sjj", today.as_str())
    );

    // Officers close alerts with the outcome of the control; statistics count the outcomes.
    let take = alerts_sjj
        .assign_alert(AssignAlertRequest {
            alert_id: listed.alert_id.clone(),
            assignee: String::new(),
        })
        .await
        .unwrap()
        .into_inner()
        .alert
        .unwrap();
    assert_eq!(
        (take.status, take.assigned_to.as_str()),
        (AlertStatus::Assigned as i32, "officer-sjj")
    );
    let denied = alerts_sjj
        .assign_alert(AssignAlertRequest {
            alert_id: ruled.alert_id.clone(),
            assignee: "officer-2".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(denied.code(), Code::PermissionDenied);
    for (alert, outcome) in [(listed, Outcome::Seizure), (ruled, Outcome::FalsePositive)] {
        let closed = alerts_sjj
            .record_outcome(RecordOutcomeRequest {
                alert_id: alert.alert_id.clone(),
                outcome: outcome as i32,
                notes: "controlled at the gate".into(),
            })
            .await
            .unwrap()
            .into_inner()
            .alert
            .unwrap();
        assert_eq!(
            (closed.status, closed.outcome),
            (AlertStatus::Closed as i32, outcome as i32)
        );
    }
    let again = alerts_sjj
        .record_outcome(RecordOutcomeRequest {
            alert_id: listed.alert_id.clone(),
            outcome: Outcome::NothingFound as i32,
            notes: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(again.code(), Code::FailedPrecondition);
    let day = statistics_when(
        &mut reporting,
        "jaitf-sjj",
        Domain::Passenger,
        &today,
        |d| (d.seizures, d.false_positives, d.nothing_found) == (1, 1, 0),
    )
    .await;
    assert_eq!((day.records, day.alerts), (4, 3));

    // Another unit's officer neither lists nor reads these alerts.
    let mut alerts_beg = sandbox.unit_alerts(&OFFICER_BEG).await.unwrap();
    let listed_beg = alerts_beg
        .list_alerts(ListAlertsRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert!(listed_beg.alerts.is_empty());
    let denied = alerts_beg
        .get_alert(GetAlertRequest {
            alert_id: listed.alert_id.clone(),
        })
        .await
        .unwrap_err();
    // As if it did not exist: another unit's alert is not even confirmed.
    assert_eq!(denied.code(), Code::NotFound);
    let denied = alerts_beg
        .subscribe_alerts(SubscribeAlertsRequest {
            unit_ids: vec!["jaitf-sjj".into()],
            cursor: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(denied.code(), Code::PermissionDenied);
    let listed_sjj = alerts_sjj
        .list_alerts(ListAlertsRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed_sjj.alerts.len(), 3);

    // Every alert delivered or listed to an officer is in the audit log.
    let pool = sandbox.database().await.unwrap();
    let audited: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM unit_alerts.audit_log WHERE actor = 'officer-sjj' AND $1 = ANY(resource_ids)",
    )
    .bind(&listed.alert_id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(
        audited >= 2,
        "stream delivery and list should be audited, found {audited}"
    );
    pool.close().await;

    sandbox.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn bad_or_unauthorised_submissions_store_and_publish_nothing() {
    let sandbox = Sandbox::builder().observe_intake().start().await.unwrap();
    let mut intake = sandbox.passenger_intake(&SUBMITTER).await.unwrap();

    let mut no_number = flight_to("SJJ", "bad-1", vec![traveller("A", "XXA", "A1")]);
    flight_of(&mut no_number).number.clear();
    let mut bad_date = flight_to("SJJ", "bad-2", vec![traveller("A", "XXA", "A1")]);
    flight_of(&mut bad_date).departure_date = "2026-13-01".into();
    let mut no_document_number = flight_to("SJJ", "bad-3", vec![traveller("A", "XXA", "  ")]);
    travellers_of(&mut no_document_number)[0].documents[0].number = " ".into();
    let no_name = flight_to("SJJ", "bad-4", vec![traveller("", "XXA", "A1")]);
    for (request, field) in [
        (no_number, "report.flight.number"),
        (bad_date, "report.flight.departure_date"),
        (
            no_document_number,
            "report.travellers[0].documents[0].number",
        ),
        (no_name, "report.travellers[0].surname"),
    ] {
        let status = intake.submit_api_report(request).await.unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument);
        let violations = status
            .get_details_bad_request()
            .expect("BadRequest details");
        let fields: Vec<&str> = violations
            .field_violations
            .iter()
            .map(|v| v.field.as_str())
            .collect();
        assert_eq!(fields, [field]);
    }

    // Without a token, or with the wrong role, nothing gets in either.
    let mut anonymous = PassengerIntakeServiceClient::new(
        sandbox.channel(ServiceKind::PassengerIntake).await.unwrap(),
    );
    let status = anonymous
        .submit_api_report(flight_to("SJJ", "anon", vec![traveller("A", "XXA", "A1")]))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
    let mut officer = sandbox.passenger_intake(&OFFICER_SJJ).await.unwrap();
    let status = officer
        .submit_api_report(flight_to(
            "SJJ",
            "officer",
            vec![traveller("A", "XXA", "A1")],
        ))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);

    let pool = sandbox.database().await.unwrap();
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM passenger_intake.api_reports")
        .fetch_one(&pool)
        .await
        .unwrap();
    let outbox: i64 = sqlx::query_scalar("SELECT count(*) FROM passenger_intake.outbox")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!((stored, outbox), (0, 0));
    pool.close().await;
    let js = sandbox.jetstream().await.unwrap();
    let mut intake_stream = js.get_stream(sandbox.stream("INTAKE")).await.unwrap();
    assert_eq!(intake_stream.info().await.unwrap().state.messages, 0);

    sandbox.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn undecodable_event_is_dead_lettered_and_the_pipeline_keeps_flowing() {
    let sandbox = Sandbox::start().await.unwrap();
    seed_targeting(&sandbox).await;
    let js = sandbox.jetstream().await.unwrap();
    let mut headers = async_nats::HeaderMap::new();
    headers.insert("Nats-Msg-Id", uuid::Uuid::now_v7().to_string().as_str());
    headers.insert("Gatehouse-Event", "gatehouse.v1.ApiReportAccepted");
    js.publish_with_headers(
        format!("{}.gatehouse.passenger.api.accepted", sandbox.prefix),
        headers,
        vec![0xff, 0xff, 0xff].into(),
    )
    .await
    .unwrap()
    .await
    .unwrap();

    let mut alerts = sandbox.unit_alerts(&OFFICER_SJJ).await.unwrap();
    let mut stream = alerts
        .subscribe_alerts(subscription(""))
        .await
        .unwrap()
        .into_inner();
    let mut intake = sandbox.passenger_intake(&SUBMITTER).await.unwrap();
    intake
        .submit_api_report(flight_to(
            "SJJ",
            "after-poison",
            vec![traveller("LISTED", "XXA", LISTED_PASSPORT)],
        ))
        .await
        .unwrap();
    assert_eq!(traveller_surname(&next_alert(&mut stream).await), "LISTED");

    let dlq = js.get_stream(sandbox.stream("DLQ")).await.unwrap();
    let message = dlq
        .get_last_raw_message_by_subject(&format!(
            "{}.gatehouse.dlq.risk-targeting-api",
            sandbox.prefix
        ))
        .await
        .unwrap();
    let headers = message.headers;
    assert_eq!(message.payload.as_ref(), &[0xff, 0xff, 0xff]);
    assert!(
        headers
            .get("Gatehouse-Dlq-Error")
            .is_some_and(|e| e.as_str().contains("undecodable")),
        "{headers:?}"
    );
    sandbox.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn event_left_in_the_outbox_by_a_crash_is_published_by_the_relay() {
    let sandbox = Sandbox::start().await.unwrap();
    seed_targeting(&sandbox).await;
    let mut alerts = sandbox.unit_alerts(&OFFICER_SJJ).await.unwrap();
    let mut stream = alerts
        .subscribe_alerts(subscription(""))
        .await
        .unwrap()
        .into_inner();

    // As if passenger intake committed a report and died before publishing its event.
    let request = flight_to(
        "SJJ",
        "crashed",
        vec![traveller("LISTED", "XXA", LISTED_PASSPORT)],
    );
    let event_id = uuid::Uuid::now_v7();
    let event = gatehouse_proto::v1::ApiReportAccepted {
        event_id: event_id.to_string(),
        occurred_at: Some(gatehouse_platform::events::now_timestamp()),
        report_id: uuid::Uuid::now_v7().to_string(),
        message_id: request.message_id.clone(),
        agency: "ba-ibm".into(),
        report: request.report,
        traveller_ids: vec![uuid::Uuid::now_v7().to_string()],
        ..Default::default()
    };
    let pool = sandbox.database().await.unwrap();
    sqlx::query(
        "INSERT INTO passenger_intake.outbox (event_id, subject, event_type, payload) VALUES ($1, $2, $3, $4)",
    )
    .bind(event_id)
    .bind("gatehouse.passenger.api.accepted")
    .bind("gatehouse.v1.ApiReportAccepted")
    .bind(prost::Message::encode_to_vec(&event))
    .execute(&pool)
    .await
    .unwrap();

    let alert = next_alert(&mut stream).await;
    match alert.subject.and_then(|s| s.subject) {
        Some(subject::Subject::Traveller(t)) => assert_eq!(t.report_id, event.report_id),
        other => panic!("unexpected subject {other:?}"),
    }
    // The relay deletes what it published.
    let left: i64 =
        sqlx::query_scalar("SELECT count(*) FROM passenger_intake.outbox WHERE event_id = $1")
            .bind(event_id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(left, 0);
    pool.close().await;
    sandbox.stop().await.unwrap();
}

/// Lists the services a server's reflection (of the given protocol version) reports, and checks
/// it can describe `symbol`, which is what grpcurl needs to call a method.
macro_rules! reflect {
    ($version:ident, $channel:expr, $symbol:expr) => {{
        use tonic_reflection::pb::$version::{
            ServerReflectionRequest, server_reflection_client::ServerReflectionClient,
            server_reflection_request::MessageRequest, server_reflection_response::MessageResponse,
        };
        let mut client = ServerReflectionClient::new($channel);
        let requests = [
            MessageRequest::ListServices(String::new()),
            MessageRequest::FileContainingSymbol($symbol.to_owned()),
        ]
        .map(|message_request| ServerReflectionRequest {
            host: String::new(),
            message_request: Some(message_request),
        });
        let mut responses = client
            .server_reflection_info(tokio_stream::iter(requests))
            .await
            .unwrap()
            .into_inner();
        let mut services = Vec::new();
        let mut described = false;
        while let Some(response) = responses.next().await {
            match response.unwrap().message_response {
                Some(MessageResponse::ListServicesResponse(list)) => {
                    services.extend(list.service.into_iter().map(|s| s.name));
                }
                Some(MessageResponse::FileDescriptorResponse(files)) => {
                    described = !files.file_descriptor_proto.is_empty();
                }
                other => panic!("unexpected reflection response {other:?}"),
            }
        }
        (services, described)
    }};
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_service_serves_health_and_reflection_v1_and_v1alpha() {
    let sandbox = Sandbox::start().await.unwrap();
    for (kind, service) in [
        (ServiceKind::CargoIntake, "gatehouse.v1.CargoIntakeService"),
        (
            ServiceKind::PassengerIntake,
            "gatehouse.v1.PassengerIntakeService",
        ),
        (
            ServiceKind::RiskTargeting,
            "gatehouse.v1.RiskTargetingService",
        ),
        (ServiceKind::UnitAlerts, "gatehouse.v1.UnitAlertsService"),
        (ServiceKind::Reporting, "gatehouse.v1.ReportingService"),
    ] {
        let channel = sandbox.channel(kind).await.unwrap();
        let (v1, v1_described) = reflect!(v1, channel.clone(), service);
        let (v1alpha, v1alpha_described) = reflect!(v1alpha, channel.clone(), service);
        // Exactly its own service besides health and reflection: a client that calls what it is
        // shown never gets UNIMPLEMENTED.
        let mut expected = vec![
            service,
            "grpc.health.v1.Health",
            "grpc.reflection.v1.ServerReflection",
            "grpc.reflection.v1alpha.ServerReflection",
        ];
        expected.sort_unstable();
        for services in [&v1, &v1alpha] {
            let mut listed: Vec<&str> = services.iter().map(String::as_str).collect();
            listed.sort_unstable();
            assert_eq!(listed, expected, "{kind:?}");
        }
        assert!(
            v1_described && v1alpha_described,
            "{kind:?} cannot describe {service}"
        );

        let mut health = tonic_health::pb::health_client::HealthClient::new(channel);
        let status = health
            .check(tonic_health::pb::HealthCheckRequest {
                service: service.into(),
            })
            .await
            .unwrap()
            .into_inner()
            .status;
        assert_eq!(
            status,
            tonic_health::pb::health_check_response::ServingStatus::Serving as i32
        );
    }
    // A declared-but-later RPC answers UNIMPLEMENTED, after authentication.
    let mut targeting = sandbox.risk_targeting(&SUBMITTER).await.unwrap();
    let status = targeting
        .get_assessment(gatehouse_proto::v1::GetAssessmentRequest::default())
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unimplemented);
    sandbox.stop().await.unwrap();
}

/// Fails each batch while `failing` says so, as the kind of failure given; counts attempts and
/// applied events.
struct Flaky {
    failing: std::sync::Arc<std::sync::atomic::AtomicBool>,
    outage: bool,
    attempts: std::sync::Arc<std::sync::atomic::AtomicI64>,
    applied: std::sync::Arc<std::sync::atomic::AtomicI64>,
}

impl gatehouse_platform::consumer::BatchHandler for Flaky {
    async fn apply(
        &self,
        batch: &[gatehouse_platform::consumer::Delivery],
    ) -> Result<
        Vec<gatehouse_platform::consumer::Rejected>,
        gatehouse_platform::consumer::HandlerError,
    > {
        use gatehouse_platform::consumer::HandlerError;
        use std::sync::atomic::Ordering;
        self.attempts.fetch_add(1, Ordering::SeqCst);
        if self.failing.load(Ordering::SeqCst) {
            return Err(if self.outage {
                HandlerError::Unavailable("database unavailable".into())
            } else {
                HandlerError::Failed("constraint violated".into())
            });
        }
        self.applied
            .fetch_add(i64::try_from(batch.len()).unwrap(), Ordering::SeqCst);
        Ok(Vec::new())
    }
}

struct BusFixture {
    bus: gatehouse_platform::bus::Bus,
    durable: gatehouse_platform::bus::Durable,
    event_id: String,
    attempts: std::sync::Arc<std::sync::atomic::AtomicI64>,
    applied: std::sync::Arc<std::sync::atomic::AtomicI64>,
    failing: std::sync::Arc<std::sync::atomic::AtomicBool>,
    stop: tokio_util::sync::CancellationToken,
    consumer: tokio::task::JoinHandle<Result<(), gatehouse_platform::bus::BusError>>,
}

/// A bus with its own prefix, one published control event and a consumer of it that fails as
/// `outage` says until told otherwise.
async fn flaky_consumer(name: &'static str, outage: bool) -> BusFixture {
    use gatehouse_platform::{
        bus::{Bus, Durable, OutboundEvent, StreamKind, subjects},
        consumer::{ConsumerSpec, run},
    };
    use std::sync::{
        Arc,
        atomic::{AtomicBool, AtomicI64},
    };

    let id = uuid::Uuid::now_v7().simple().to_string();
    let config = gatehouse_platform::config::NatsConfig {
        url: gatehouse_e2e::nats_url(),
        user: None,
        password: None,
        creds_file: None,
        prefix: format!("bus{}", &id[id.len() - 12..]),
        max_deliver: 3,
        ack_wait: Duration::from_secs(2),
        stream_replicas: 1,
        stream_max_bytes: 16 * 1024 * 1024,
        consumer_batch: 10,
        consumer_concurrency: 1,
        inbox_retention: Duration::from_secs(3600),
    };
    let bus = Bus::connect(&config, "bus-test").await.unwrap();
    bus.provision().await.unwrap();
    let event = gatehouse_proto::v1::RulesChanged {
        event_id: uuid::Uuid::now_v7().to_string(),
        rule_id: "r".into(),
        ..Default::default()
    };
    let published = bus
        .publish_all(&[OutboundEvent::new(subjects::RULES_CHANGED, &event).unwrap()])
        .await;
    assert_eq!(published.stored.len(), 1, "{published:?}");

    let durable = Durable {
        stream: StreamKind::Control,
        name,
        filter: subjects::RULES_CHANGED,
    };
    let attempts = Arc::new(AtomicI64::new(0));
    let applied = Arc::new(AtomicI64::new(0));
    let failing = Arc::new(AtomicBool::new(true));
    let stop = tokio_util::sync::CancellationToken::new();
    let spec = ConsumerSpec {
        durable,
        max_deliver: config.max_deliver,
        ack_wait: config.ack_wait,
        batch: config.consumer_batch,
        concurrency: config.consumer_concurrency,
    };
    let handler = Flaky {
        failing: failing.clone(),
        outage,
        attempts: attempts.clone(),
        applied: applied.clone(),
    };
    let consumer = tokio::spawn(run(bus.clone(), spec, Arc::new(handler), stop.clone()));
    BusFixture {
        bus,
        durable,
        event_id: event.event_id,
        attempts,
        applied,
        failing,
        stop,
        consumer,
    }
}

impl BusFixture {
    async fn consumer_info(&self) -> async_nats::jetstream::consumer::Info {
        self.bus
            .jetstream()
            .get_stream(self.bus.stream_name(self.durable.stream))
            .await
            .unwrap()
            .consumer_info(self.durable.name)
            .await
            .unwrap()
    }

    /// Stops the consumer and removes the fixture's streams.
    async fn finish(self) {
        use gatehouse_platform::bus::StreamKind;
        self.stop.cancel();
        self.consumer.await.unwrap().unwrap();
        for kind in StreamKind::ALL {
            let _ = self
                .bus
                .jetstream()
                .delete_stream(self.bus.stream_name(kind))
                .await;
        }
    }
}

/// The dead-letter copy of the fixture's event, if there is one.
async fn dead_letter(
    fixture: &BusFixture,
) -> Option<async_nats::jetstream::message::StreamMessage> {
    use gatehouse_platform::bus::{StreamKind, subjects};
    let dlq = fixture
        .bus
        .jetstream()
        .get_stream(fixture.bus.stream_name(StreamKind::DeadLetter))
        .await
        .unwrap();
    let subject = fixture
        .bus
        .subject(&subjects::dead_letter(fixture.durable.name));
    dlq.get_last_raw_message_by_subject(&subject).await.ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn event_failing_every_attempt_goes_to_the_dead_letter_stream_after_max_deliveries() {
    use std::sync::atomic::Ordering;
    let fixture = flaky_consumer("test-failing", false).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let message = loop {
        if let Some(message) = dead_letter(&fixture).await {
            break message;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "never dead-lettered"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    // The batch attempt, then the event alone until max_deliver.
    assert!(fixture.attempts.load(Ordering::SeqCst) >= 3);
    assert_eq!(fixture.applied.load(Ordering::SeqCst), 0);
    let headers = message.headers;
    assert_eq!(
        headers.get("Gatehouse-Dlq-Consumer").map(|v| v.as_str()),
        Some("test-failing")
    );
    assert!(
        headers
            .get("Gatehouse-Dlq-Error")
            .is_some_and(|v| v.as_str().contains("constraint violated")),
        "{headers:?}"
    );
    assert_eq!(
        headers.get("Nats-Msg-Id").map(|v| v.as_str().to_owned()),
        Some(format!("dlq:test-failing:{}", fixture.event_id))
    );
    fixture.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_outage_holds_events_past_max_deliveries_and_never_dead_letters_them() {
    use std::sync::atomic::Ordering;
    let fixture = flaky_consumer("test-outage", true).await;
    // Well past max_deliver (3) and past the ack wait (2 s): the event is held, not dropped.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while fixture.attempts.load(Ordering::SeqCst) < 8 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "consumer stopped retrying"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Eight attempts with backoff took over 12 s, six ack waits: the server never took the
    // event back, because the consumer kept it alive while it waited.
    let held = fixture.consumer_info().await;
    assert_eq!((held.num_ack_pending, held.num_redelivered), (1, 0));
    assert!(
        dead_letter(&fixture).await.is_none(),
        "an outage dead-lettered an event"
    );
    assert_eq!(fixture.applied.load(Ordering::SeqCst), 0);

    fixture.failing.store(false, Ordering::SeqCst);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while fixture.applied.load(Ordering::SeqCst) == 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "never applied after the outage"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Acknowledged once applied: the server holds nothing more to deliver.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let info = fixture.consumer_info().await;
        if info.num_ack_pending == 0 && info.num_pending == 0 {
            assert_eq!(info.num_redelivered, 0);
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "never acknowledged");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(fixture.applied.load(Ordering::SeqCst), 1);
    assert!(dead_letter(&fixture).await.is_none());
    fixture.finish().await;
}
