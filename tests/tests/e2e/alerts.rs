//! End-to-end tests: alerts. Unit scoping of streams and reads, token expiry on a live stream,
//! resuming by cursor, one alert per traveller across versions of a flight, and two replicas of
//! unit-alerts. Timeouts only stop a broken run from hanging; nothing here is timed.

use std::{collections::HashSet, time::Duration};

use gatehouse_e2e::{Authed, Identity, JWT_SECRET, Sandbox};
use gatehouse_platform::{
    auth::{BearerToken, mint_hs256},
    config::ServiceKind,
};
use gatehouse_proto::v1::{
    AcknowledgeAlertRequest, AlertAction, AssignAlertRequest, GetAlertRequest, ListAlertsRequest,
    MessageFunction, Outcome, RecordOutcomeRequest, SubmitApiReportRequest,
    SubscribeAlertsResponse, Traveller, unit_alerts_service_client::UnitAlertsServiceClient,
};
use tokio_stream::StreamExt;
use tonic::{Code, Status, Streaming, service::interceptor::InterceptedService};
use tonic_types::StatusExt;

use super::{
    AlertEvent, LISTED_PASSPORT, OFFICER_BEG, OFFICER_SJJ, SUBMITTER, flight_of, flight_to,
    next_alert, next_change, next_message, raised, seed_targeting, subscription, traveller,
    traveller_surname,
};

/// Only stops a broken run from hanging.
const LIMIT: Duration = Duration::from_secs(60);

/// A report for flight JA`number` to `arrival`.
fn flight(
    number: &str,
    arrival: &str,
    message_id: &str,
    travellers: Vec<Traveller>,
) -> SubmitApiReportRequest {
    let mut request = flight_to(arrival, message_id, travellers);
    flight_of(&mut request).number = number.into();
    request
}

/// A unit-alerts client whose token expires `ttl_secs` from now.
async fn client_with_lifetime(
    sandbox: &Sandbox,
    who: &Identity<'_>,
    ttl_secs: u64,
) -> UnitAlertsServiceClient<Authed> {
    let units: Vec<String> = who.units.iter().map(|u| (*u).to_owned()).collect();
    let token = mint_hs256(
        JWT_SECRET,
        who.subject,
        who.agency,
        &units,
        who.roles,
        ttl_secs,
    )
    .unwrap();
    let channel = sandbox.channel(ServiceKind::UnitAlerts).await.unwrap();
    UnitAlertsServiceClient::new(InterceptedService::new(
        channel,
        BearerToken::new(&token).unwrap(),
    ))
}

/// The cursor of a message that must be a heartbeat.
fn heartbeat_cursor(message: &SubscribeAlertsResponse) -> String {
    assert!(
        matches!(message.event, Some(AlertEvent::Heartbeat(_))),
        "expected a heartbeat, got {:?}",
        message.event
    );
    message.cursor.clone()
}

/// What a stream message says changed: kind, alert and action.
fn change_of(message: &SubscribeAlertsResponse) -> (&'static str, String, i32) {
    match &message.event {
        Some(AlertEvent::Raised(alert)) => ("raised", alert.alert_id.clone(), message.action),
        Some(AlertEvent::Updated(alert)) => ("updated", alert.alert_id.clone(), message.action),
        other => panic!("expected a change, got {other:?}"),
    }
}

async fn subscribe(
    client: &mut UnitAlertsServiceClient<Authed>,
    cursor: &str,
) -> Streaming<SubscribeAlertsResponse> {
    client
        .subscribe_alerts(subscription(cursor))
        .await
        .unwrap()
        .into_inner()
}

/// The single field a refusal names.
fn violated_field(status: &Status) -> String {
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    let details = status
        .get_details_bad_request()
        .expect("BadRequest details");
    assert_eq!(details.field_violations.len(), 1, "{details:?}");
    details.field_violations[0].field.clone()
}

/// Waits until everything submitted so far went through screening and alerting: each outbox on
/// the way is empty and each consumer on the way has nothing pending or unacknowledged (a
/// consumer acknowledges after its transaction commits). Each condition, once true, stays true
/// while nothing new is submitted.
async fn wait_until_settled(sandbox: &Sandbox) {
    let pool = sandbox.database().await.unwrap();
    let js = sandbox.jetstream().await.unwrap();
    let deadline = tokio::time::Instant::now() + LIMIT;
    let stages = [
        ("passenger_intake", "INTAKE", "risk-targeting-api"),
        ("risk_targeting", "RISK", "unit-alerts-assessed"),
    ];
    for (schema, stream, consumer) in stages {
        loop {
            let unsent: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {schema}.outbox"))
                .fetch_one(&pool)
                .await
                .unwrap();
            let info = js
                .get_stream(sandbox.stream(stream))
                .await
                .unwrap()
                .consumer_info(consumer)
                .await
                .unwrap();
            if unsent == 0 && info.num_pending == 0 && info.num_ack_pending == 0 {
                break;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{consumer} never settled: {unsent} unsent, {} pending, {} unacknowledged",
                info.num_pending,
                info.num_ack_pending
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    pool.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_unit_never_sees_another_units_alerts_nor_their_volume() {
    let sandbox = Sandbox::start().await.unwrap();
    seed_targeting(&sandbox).await;
    let mut sjj = sandbox.unit_alerts(&OFFICER_SJJ).await.unwrap();
    let mut beg = sandbox.unit_alerts(&OFFICER_BEG).await.unwrap();
    let mut sjj_stream = subscribe(&mut sjj, "").await;
    let mut beg_stream = subscribe(&mut beg, "").await;
    // With nothing to replay, a stream starts with a heartbeat holding the cursor of now.
    let sjj_start = heartbeat_cursor(&next_message(&mut sjj_stream).await);

    let mut intake = sandbox.passenger_intake(&SUBMITTER).await.unwrap();
    intake
        .submit_api_report(flight(
            "201",
            "BEG",
            "beg-1",
            vec![
                traveller("LISTED", "XXA", LISTED_PASSPORT),
                traveller("RULEDB", "XXB", "B1000001"),
                traveller("RULEDC", "XXC", "B1000002"),
            ],
        ))
        .await
        .unwrap();
    let mut beg_alerts = Vec::new();
    for _ in 0..3 {
        beg_alerts.push(next_alert(&mut beg_stream).await);
    }
    assert!(beg_alerts.iter().all(|a| a.unit_id == "jaitf-beg"));

    // Belgrade's alerts moved nothing a Sarajevo officer can see, not even the cursor.
    let mut again = subscribe(&mut sjj, "").await;
    assert_eq!(heartbeat_cursor(&next_message(&mut again).await), sjj_start);
    drop(again);

    intake
        .submit_api_report(flight(
            "202",
            "SJJ",
            "sjj-1",
            vec![traveller("LISTED", "XXA", LISTED_PASSPORT)],
        ))
        .await
        .unwrap();
    // Belgrade's alerts were committed before this one; none of them came first.
    let sjj_alert = next_alert(&mut sjj_stream).await;
    assert_eq!(
        (sjj_alert.unit_id.as_str(), sjj_alert.location.as_str()),
        ("jaitf-sjj", "SJJ")
    );

    // Each unit's next change is its own acknowledgement, not the other's raise or step.
    beg.acknowledge_alert(AcknowledgeAlertRequest {
        alert_id: beg_alerts[0].alert_id.clone(),
    })
    .await
    .unwrap();
    assert_eq!(
        change_of(&next_change(&mut beg_stream).await),
        (
            "updated",
            beg_alerts[0].alert_id.clone(),
            AlertAction::Acknowledged as i32
        )
    );
    sjj.acknowledge_alert(AcknowledgeAlertRequest {
        alert_id: sjj_alert.alert_id.clone(),
    })
    .await
    .unwrap();
    assert_eq!(
        change_of(&next_change(&mut sjj_stream).await),
        (
            "updated",
            sjj_alert.alert_id.clone(),
            AlertAction::Acknowledged as i32
        )
    );

    // Another unit's alert is answered exactly like an alert that does not exist.
    let missing = uuid::Uuid::now_v7().to_string();
    let mut answers = Vec::new();
    for alert_id in [sjj_alert.alert_id.clone(), missing] {
        let refusals = [
            beg.get_alert(GetAlertRequest {
                alert_id: alert_id.clone(),
            })
            .await
            .unwrap_err(),
            beg.acknowledge_alert(AcknowledgeAlertRequest {
                alert_id: alert_id.clone(),
            })
            .await
            .unwrap_err(),
            beg.assign_alert(AssignAlertRequest {
                alert_id: alert_id.clone(),
                assignee: String::new(),
            })
            .await
            .unwrap_err(),
            beg.record_outcome(RecordOutcomeRequest {
                alert_id: alert_id.clone(),
                outcome: Outcome::NothingFound as i32,
                notes: String::new(),
            })
            .await
            .unwrap_err(),
        ];
        answers.push(
            refusals
                .iter()
                .map(|s| (s.code(), s.message().to_owned()))
                .collect::<Vec<_>>(),
        );
    }
    assert!(answers[0].iter().all(|(code, _)| *code == Code::NotFound));
    assert_eq!(answers[0], answers[1]);
    let untouched = sjj
        .get_alert(GetAlertRequest {
            alert_id: sjj_alert.alert_id.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .alert
        .unwrap();
    assert_eq!((untouched.assigned_to.as_str(), untouched.outcome), ("", 0));

    // A cursor is good only for the units it was issued for; anything else is refused by name.
    let foreign = beg
        .subscribe_alerts(subscription(&sjj_start))
        .await
        .unwrap_err();
    assert_eq!(violated_field(&foreign), "cursor");
    let garbage = sjj
        .subscribe_alerts(subscription("not-a-cursor"))
        .await
        .unwrap_err();
    assert_eq!(violated_field(&garbage), "cursor");

    // Lists are scoped the same way, and page tokens are opaque and work.
    let listed_sjj = sjj
        .list_alerts(ListAlertsRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        listed_sjj
            .alerts
            .iter()
            .map(|a| a.alert_id.as_str())
            .collect::<Vec<_>>(),
        [sjj_alert.alert_id.as_str()]
    );
    let first_page = beg
        .list_alerts(ListAlertsRequest {
            page_size: 2,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(first_page.alerts.len(), 2);
    assert!(first_page.next_page_token.parse::<i64>().is_err());
    let second_page = beg
        .list_alerts(ListAlertsRequest {
            page_size: 2,
            page_token: first_page.next_page_token.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let mut paged: Vec<String> = first_page
        .alerts
        .iter()
        .chain(&second_page.alerts)
        .map(|a| a.alert_id.clone())
        .collect();
    paged.sort();
    let mut expected: Vec<String> = beg_alerts.iter().map(|a| a.alert_id.clone()).collect();
    expected.sort();
    assert_eq!(paged, expected);
    assert!(second_page.next_page_token.is_empty());
    let bad_token = beg
        .list_alerts(ListAlertsRequest {
            page_token: "2".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(violated_field(&bad_token), "page_token");

    sandbox.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_expired_token_ends_a_live_stream() {
    let sandbox = Sandbox::start().await.unwrap();
    let mut short_lived = client_with_lifetime(&sandbox, &OFFICER_SJJ, 2).await;
    let mut stream = subscribe(&mut short_lived, "").await;
    // Heartbeats (nothing else happens here) until the token expires, then UNAUTHENTICATED.
    let ended = loop {
        match tokio::time::timeout(LIMIT, stream.next())
            .await
            .expect("the stream outlived its token")
        {
            Some(Ok(message)) => {
                heartbeat_cursor(&message);
            }
            Some(Err(status)) => break status,
            None => panic!("the stream ended without a status"),
        }
    };
    assert_eq!(ended.code(), Code::Unauthenticated, "{ended:?}");

    // A token at its expiry (still inside the clock leeway of authentication) opens nothing.
    let mut expiring = client_with_lifetime(&sandbox, &OFFICER_SJJ, 0).await;
    let refused = expiring
        .subscribe_alerts(subscription(""))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::Unauthenticated);
    sandbox.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_dashboard_resumes_by_cursor_without_gap_or_duplicate() {
    let sandbox = Sandbox::start().await.unwrap();
    seed_targeting(&sandbox).await;
    let mut sjj = sandbox.unit_alerts(&OFFICER_SJJ).await.unwrap();
    // An observer stays connected throughout and sees every change.
    let mut observer = subscribe(&mut sjj, "").await;
    let mut dashboard = subscribe(&mut sjj, "").await;
    let mut intake = sandbox.passenger_intake(&SUBMITTER).await.unwrap();
    intake
        .submit_api_report(flight(
            "301",
            "SJJ",
            "resume-1",
            vec![
                traveller("LISTED", "XXA", LISTED_PASSPORT),
                traveller("RULED", "XXB", "B3000001"),
            ],
        ))
        .await
        .unwrap();
    let seen = next_change(&mut dashboard).await;
    drop(dashboard);

    let mut observed = vec![
        next_change(&mut observer).await,
        next_change(&mut observer).await,
    ];
    // While the dashboard is away: a workflow step and a new alert.
    let first = raised(&observed[0]);
    sjj.acknowledge_alert(AcknowledgeAlertRequest {
        alert_id: first.alert_id.clone(),
    })
    .await
    .unwrap();
    observed.push(next_change(&mut observer).await);
    intake
        .submit_api_report(flight(
            "302",
            "SJJ",
            "resume-2",
            vec![traveller("LATER", "XXC", "C3000001")],
        ))
        .await
        .unwrap();
    observed.push(next_change(&mut observer).await);
    assert_eq!(change_of(&observed[0]), change_of(&seen));
    assert_eq!(
        change_of(&observed[2]),
        (
            "updated",
            first.alert_id.clone(),
            AlertAction::Acknowledged as i32
        )
    );
    let later = raised(&observed[3]);
    assert_eq!(traveller_surname(&later), "LATER");

    // Back with the cursor of the last message it had: exactly what it missed, in order.
    let mut resumed = subscribe(&mut sjj, &seen.cursor).await;
    let mut replayed = Vec::new();
    for _ in 0..3 {
        replayed.push(change_of(&next_change(&mut resumed).await));
    }
    let missed: Vec<_> = observed[1..].iter().map(change_of).collect();
    assert_eq!(replayed, missed);
    // Then it is caught up, at the very position of the stream that never left.
    assert_eq!(
        heartbeat_cursor(&next_message(&mut resumed).await),
        observed[3].cursor
    );
    // And live from there: the next change, nothing seen before.
    sjj.assign_alert(AssignAlertRequest {
        alert_id: later.alert_id.clone(),
        assignee: String::new(),
    })
    .await
    .unwrap();
    let live = next_change(&mut resumed).await;
    assert_eq!(
        change_of(&live),
        (
            "updated",
            later.alert_id.clone(),
            AlertAction::Assigned as i32
        )
    );
    match &live.event {
        Some(AlertEvent::Updated(alert)) => assert_eq!(alert.assigned_to, "officer-sjj"),
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(
        change_of(&next_change(&mut observer).await),
        change_of(&live)
    );
    sandbox.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_flight_sent_again_and_updated_keeps_one_alert_per_traveller() {
    let sandbox = Sandbox::start().await.unwrap();
    seed_targeting(&sandbox).await;
    let mut sjj = sandbox.unit_alerts(&OFFICER_SJJ).await.unwrap();
    let mut stream = subscribe(&mut sjj, "").await;
    let mut intake = sandbox.passenger_intake(&SUBMITTER).await.unwrap();
    let travellers = vec![
        traveller("LISTED", "XXA", LISTED_PASSPORT),
        traveller("RULED", "XXB", "B4000001"),
    ];
    intake
        .submit_api_report(flight("401", "SJJ", "v-1", travellers.clone()))
        .await
        .unwrap();
    let mut first = [next_alert(&mut stream).await, next_alert(&mut stream).await];
    first.sort_by_key(traveller_surname);
    let [listed, ruled] = first;
    assert_eq!((listed.revision, ruled.revision), (1, 1));
    assert_eq!(listed.hits.len(), 1);

    // The same flight again under another message id: same travellers, same hits.
    intake
        .submit_api_report(flight("401", "SJJ", "v-2", travellers))
        .await
        .unwrap();
    // An update of the flight: the listed traveller (same document) now also has a nationality
    // a rule looks for.
    let mut changed = traveller("LISTED", "XXA", LISTED_PASSPORT);
    changed.nationality = "XXB".into();
    let mut update = flight("401", "SJJ", "v-3", vec![changed]);
    update.report.as_mut().unwrap().function = MessageFunction::Update as i32;
    intake.submit_api_report(update).await.unwrap();

    let updated = next_change(&mut stream).await;
    assert_eq!(
        change_of(&updated),
        (
            "updated",
            listed.alert_id.clone(),
            AlertAction::Reassessed as i32
        )
    );
    let reassessed = match updated.event {
        Some(AlertEvent::Updated(alert)) => alert,
        other => panic!("unexpected {other:?}"),
    };
    assert_eq!(reassessed.revision, 2);
    assert_eq!(reassessed.dedupe_key, listed.dedupe_key);
    assert_eq!(reassessed.hits.len(), 2);
    assert_eq!(traveller_surname(&reassessed), "LISTED");

    wait_until_settled(&sandbox).await;
    // One alert per traveller, the listed one updated; the resend changed nothing.
    let listed_now = sjj
        .list_alerts(ListAlertsRequest::default())
        .await
        .unwrap()
        .into_inner()
        .alerts;
    let mut revisions: Vec<(String, u32)> = listed_now
        .iter()
        .map(|a| (traveller_surname(a), a.revision))
        .collect();
    revisions.sort();
    assert_eq!(
        revisions,
        [("LISTED".to_owned(), 2), ("RULED".to_owned(), 1)]
    );
    let pool = sandbox.database().await.unwrap();
    let log: Vec<(String, i32)> = sqlx::query_as(
        "SELECT kind, action FROM unit_alerts.alert_changes WHERE unit_id = 'jaitf-sjj'
         ORDER BY unit_sequence",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        log,
        [
            ("raised".to_owned(), 0),
            ("raised".to_owned(), 0),
            ("updated".to_owned(), AlertAction::Reassessed as i32)
        ]
    );
    pool.close().await;
    sandbox.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_replicas_raise_every_alert_once_and_either_serves_all() {
    const FLIGHTS: usize = 20;
    let mut sandbox = Sandbox::start().await.unwrap();
    seed_targeting(&sandbox).await;
    // Screening and raising both run twice: the durable consumers split the events.
    sandbox
        .start_replica(ServiceKind::RiskTargeting)
        .await
        .unwrap();
    let replica = sandbox
        .start_replica(ServiceKind::UnitAlerts)
        .await
        .unwrap();
    let mut on_first = sandbox.unit_alerts(&OFFICER_SJJ).await.unwrap();
    let mut on_replica = sandbox
        .unit_alerts_replica(&replica, &OFFICER_SJJ)
        .await
        .unwrap();
    let mut streams = [
        subscribe(&mut on_first, "").await,
        subscribe(&mut on_replica, "").await,
    ];

    let mut intake = sandbox.passenger_intake(&SUBMITTER).await.unwrap();
    for n in 0..FLIGHTS {
        intake
            .submit_api_report(flight(
                &format!("5{n:02}"),
                "SJJ",
                &format!("replicas-{n}"),
                vec![
                    traveller("RULEDB", "XXB", &format!("B5{n:05}")),
                    traveller("RULEDC", "XXC", &format!("C5{n:05}")),
                ],
            ))
            .await
            .unwrap();
    }
    let mut seen = Vec::new();
    for stream in &mut streams {
        let mut ids = Vec::new();
        for _ in 0..2 * FLIGHTS {
            ids.push(next_alert(stream).await.alert_id);
        }
        let distinct: HashSet<&String> = ids.iter().collect();
        assert_eq!(distinct.len(), ids.len(), "an alert was delivered twice");
        let mut ids = ids.clone();
        ids.sort();
        seen.push(ids);
    }
    assert_eq!(seen[0], seen[1]);

    wait_until_settled(&sandbox).await;
    let pool = sandbox.database().await.unwrap();
    let (alerts, subjects): (i64, i64) = sqlx::query_as(
        "SELECT count(*), count(DISTINCT (dedupe_key, unit_id)) FROM unit_alerts.alerts",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((alerts, subjects), (2 * FLIGHTS as i64, 2 * FLIGHTS as i64));
    let (changes, newest): (i64, i64) = sqlx::query_as(
        "SELECT count(*), coalesce(max(unit_sequence), 0) FROM unit_alerts.alert_changes
         WHERE unit_id = 'jaitf-sjj'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((changes, newest), (2 * FLIGHTS as i64, 2 * FLIGHTS as i64));
    pool.close().await;

    // Nothing more was on its way: the next alert on both dashboards is the next flight's.
    intake
        .submit_api_report(flight(
            "599",
            "SJJ",
            "replicas-last",
            vec![traveller("LAST", "XXB", "B5999999")],
        ))
        .await
        .unwrap();
    for stream in &mut streams {
        assert_eq!(traveller_surname(&next_alert(stream).await), "LAST");
    }
    sandbox.stop().await.unwrap();
}
