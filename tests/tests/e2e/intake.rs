//! End-to-end tests: passenger intake. Streamed items micro-batched with one result each, limits
//! refused up front with bounded details, flight identity and versions, and `UNAVAILABLE` while
//! Postgres is down. Deadlines only stop a broken run from hanging; nothing here is timed.

use std::time::Duration;

use gatehouse_e2e::{Authed, Sandbox};
use gatehouse_platform::{auth::BearerToken, config::ServiceKind};
use gatehouse_proto::v1::{
    ApiReport, ApiReportAccepted, Flight, FlightDirection, MessageFunction,
    StreamApiReportsRequest, StreamApiReportsResponse, SubmissionResult, SubmissionStatus,
    SubmitApiReportRequest, Traveller,
    passenger_intake_service_client::PassengerIntakeServiceClient,
};
use prost::Message;
use tokio::sync::mpsc;
use tokio_stream::{StreamExt, wrappers::ReceiverStream};
use tonic::{Code, Streaming, service::interceptor::InterceptedService, transport::Endpoint};
use tonic_types::StatusExt;

use super::{SUBMITTER, traveller};

const LIMIT: Duration = Duration::from_secs(90);

/// A report of flight JA `number` from Istanbul to Sarajevo today.
fn report(number: &str, travellers: Vec<Traveller>) -> ApiReport {
    ApiReport {
        flight: Some(Flight {
            carrier: "JA".into(),
            number: number.into(),
            departure_airport: "IST".into(),
            arrival_airport: "SJJ".into(),
            departure_date: chrono::Utc::now().date_naive().to_string(),
            direction: FlightDirection::Inbound as i32,
            ..Default::default()
        }),
        travellers,
        sender: "JA".into(),
        ..Default::default()
    }
}

fn item(message_id: &str, report: ApiReport) -> StreamApiReportsRequest {
    StreamApiReportsRequest {
        message_id: message_id.into(),
        report: Some(report),
    }
}

fn submission(message_id: &str, report: ApiReport) -> SubmitApiReportRequest {
    SubmitApiReportRequest {
        message_id: message_id.into(),
        report: Some(report),
    }
}

fn status_of(result: &SubmissionResult) -> SubmissionStatus {
    SubmissionStatus::try_from(result.status).unwrap()
}

/// Every response message of a stream until it ends (and how it ended).
async fn responses(
    mut stream: Streaming<StreamApiReportsResponse>,
) -> (Vec<StreamApiReportsResponse>, Result<(), tonic::Status>) {
    let mut received = Vec::new();
    loop {
        match tokio::time::timeout(LIMIT, stream.next())
            .await
            .expect("stream stalled")
        {
            None => return (received, Ok(())),
            Some(Ok(response)) => received.push(response),
            Some(Err(status)) => return (received, Err(status)),
        }
    }
}

async fn next_response(
    stream: &mut Streaming<StreamApiReportsResponse>,
) -> StreamApiReportsResponse {
    tokio::time::timeout(LIMIT, stream.next())
        .await
        .expect("no response")
        .expect("stream ended")
        .expect("stream failed")
}

/// The `ApiReportAccepted` events on the sandbox's INTAKE stream once there are `count`.
pub(super) async fn accepted_events(sandbox: &Sandbox, count: u64) -> Vec<ApiReportAccepted> {
    intake_events(sandbox, count, "gatehouse.passenger.api.accepted").await
}

/// The events on the sandbox's INTAKE stream once there are `count` (no more), every one on
/// `subject`.
pub(super) async fn intake_events<E: Message + Default>(
    sandbox: &Sandbox,
    count: u64,
    subject: &str,
) -> Vec<E> {
    let js = sandbox.jetstream().await.unwrap();
    let mut stream = js.get_stream(sandbox.stream("INTAKE")).await.unwrap();
    let deadline = tokio::time::Instant::now() + LIMIT;
    let state = loop {
        let state = stream.info().await.unwrap().state.clone();
        if state.messages >= count {
            break state;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{} of {count} events published",
            state.messages
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let mut events = Vec::new();
    for sequence in state.first_sequence..=state.last_sequence {
        let message = stream.get_raw_message(sequence).await.unwrap();
        assert!(message.subject.ends_with(subject), "{}", message.subject);
        events.push(E::decode(message.payload).unwrap());
    }
    assert_eq!(events.len() as u64, count, "more events than expected");
    events
}

pub(super) async fn count(pool: &sqlx::PgPool, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT count(*) FROM passenger_intake.{table}"))
        .fetch_one(pool)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn streamed_items_get_one_result_each_in_order_batch_by_batch() {
    let sandbox = Sandbox::builder().observe_intake().start().await.unwrap();
    let mut intake = sandbox.passenger_intake(&SUBMITTER).await.unwrap();
    let earlier = intake
        .submit_api_report(submission(
            "pre-1",
            report("9999", vec![traveller("EARLY", "XXA", "E1")]),
        ))
        .await
        .unwrap()
        .into_inner();

    const ITEMS: usize = 600;
    let invalid = [10, 300, 599];
    // (item, item whose message id it repeats): in the same batch, in an earlier one.
    let repeats = [(20, 5), (400, 1)];
    let mut items: Vec<StreamApiReportsRequest> = (0..ITEMS)
        .map(|i| {
            let mut report = report(
                &(i + 1).to_string(),
                vec![traveller(&format!("T{i}"), "XXA", &format!("P{i}"))],
            );
            if invalid.contains(&i) {
                report.flight.as_mut().unwrap().number.clear();
            }
            item(&format!("s-{i}"), report)
        })
        .collect();
    for (i, first) in repeats {
        items[i].message_id = format!("s-{first}");
    }
    // Sent before on its own.
    items[50].message_id = "pre-1".into();
    let sent: Vec<String> = items.iter().map(|i| i.message_id.clone()).collect();

    let stream = intake
        .stream_api_reports(tokio_stream::iter(items))
        .await
        .unwrap()
        .into_inner();
    let (received, end) = responses(stream).await;
    end.unwrap();
    assert!(
        received.len() > 1,
        "600 items answered in {} response",
        received.len()
    );
    assert!(received.iter().all(|r| !r.results.is_empty()));
    let results: Vec<SubmissionResult> = received.into_iter().flat_map(|r| r.results).collect();
    let answered: Vec<&str> = results.iter().map(|r| r.message_id.as_str()).collect();
    assert_eq!(answered, sent);

    for (i, result) in results.iter().enumerate() {
        let expected = if invalid.contains(&i) {
            SubmissionStatus::Rejected
        } else if i == 50 || repeats.iter().any(|(r, _)| *r == i) {
            SubmissionStatus::Duplicate
        } else {
            SubmissionStatus::Accepted
        };
        assert_eq!(status_of(result), expected, "item {i}");
        match expected {
            SubmissionStatus::Rejected => {
                assert!(result.record_id.is_empty());
                assert!(
                    result.reason.contains("report.flight.number"),
                    "{}",
                    result.reason
                );
                let fields: Vec<&str> =
                    result.violations.iter().map(|v| v.field.as_str()).collect();
                assert_eq!(fields, ["report.flight.number"]);
                assert_eq!(result.more_violations, 0);
            }
            _ => {
                assert!(!result.record_id.is_empty(), "item {i}");
                assert_eq!((result.item_count, result.version), (1, 1), "item {i}");
                assert!(result.accepted_at.is_some());
            }
        }
    }
    for (i, first) in repeats {
        assert_eq!(results[i].record_id, results[first].record_id);
        assert_eq!(results[i].accepted_at, results[first].accepted_at);
    }
    assert_eq!(results[50].record_id, earlier.report_id);
    let accepted = results
        .iter()
        .filter(|r| status_of(r) == SubmissionStatus::Accepted)
        .count();
    assert_eq!(accepted, ITEMS - invalid.len() - repeats.len() - 1);

    let pool = sandbox.database().await.unwrap();
    assert_eq!(count(&pool, "api_reports").await, accepted as i64 + 1);
    assert_eq!(count(&pool, "api_travellers").await, accepted as i64 + 1);
    pool.close().await;
    // Every stored report is published once.
    let events = accepted_events(&sandbox, accepted as u64 + 1).await;
    let mut published: Vec<String> = events.into_iter().map(|e| e.report_id).collect();
    published.sort();
    let mut stored: Vec<String> = results
        .iter()
        .filter(|r| status_of(r) == SubmissionStatus::Accepted)
        .map(|r| r.record_id.clone())
        .chain([earlier.report_id])
        .collect();
    stored.sort();
    assert_eq!(published, stored);
    sandbox.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_streamed_item_is_acknowledged_while_the_stream_stays_open() {
    let sandbox = Sandbox::builder().observe_intake().start().await.unwrap();
    let mut intake = sandbox.passenger_intake(&SUBMITTER).await.unwrap();
    let (items, outgoing) = mpsc::channel(4);
    let mut stream = intake
        .stream_api_reports(ReceiverStream::new(outgoing))
        .await
        .unwrap()
        .into_inner();
    for i in 0..3 {
        items
            .send(item(
                &format!("open-{i}"),
                report(
                    "77",
                    vec![traveller(&format!("OPEN{i}"), "XXA", &format!("O{i}"))],
                ),
            ))
            .await
            .unwrap();
        // The next item is only sent once this one is answered.
        let response = next_response(&mut stream).await;
        assert_eq!(response.results.len(), 1);
        let result = &response.results[0];
        assert_eq!(result.message_id, format!("open-{i}"));
        assert_eq!(status_of(result), SubmissionStatus::Accepted);
        // Each is a new version of flight JA77.
        assert_eq!(result.version, i + 1);
    }
    drop(items);
    let (rest, end) = responses(stream).await;
    assert!(rest.is_empty());
    end.unwrap();
    sandbox.stop().await.unwrap();
}

/// `count` travellers with the given names and place of birth.
fn crowd(count: usize, surname: &str, given: &str, place: &str) -> Vec<Traveller> {
    (0..count)
        .map(|i| {
            let mut t = traveller(surname, "XXA", &format!("C{i}"));
            t.given_names = given.into();
            t.place_of_birth = place.into();
            t
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn oversize_reports_are_refused_naming_the_limit_and_the_next_report_is_published() {
    let sandbox = Sandbox::builder().observe_intake().start().await.unwrap();
    let mut intake = sandbox.passenger_intake(&SUBMITTER).await.unwrap();

    // Too many travellers: the count limit, alone.
    let status = intake
        .submit_api_report(submission("big-1", report("1", crowd(2_000, "A", "B", ""))))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::ResourceExhausted, "{status:?}");
    assert!(
        status
            .message()
            .contains("report.travellers: at most 1000 travellers per report"),
        "{}",
        status.message()
    );
    let details = status
        .get_details_bad_request()
        .expect("BadRequest details");
    assert_eq!(details.field_violations.len(), 1);
    assert_eq!(details.field_violations[0].field, "report.travellers");

    // 180-character names: 2,000 violations, of which the client reads the first and a count.
    let long = "N".repeat(180);
    let status = intake
        .submit_api_report(submission(
            "big-2",
            report("2", crowd(1_000, &long, &long, "")),
        ))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    let details = status
        .get_details_bad_request()
        .expect("BadRequest details");
    let violations = &details.field_violations;
    assert!(
        violations.len() <= 21,
        "{} violations sent",
        violations.len()
    );
    assert_eq!(violations[0].field, "report.travellers[0].surname");
    assert_eq!(violations[0].description, "must be at most 100 characters");
    let listed = violations.len() - 1;
    assert_eq!(
        violations[listed].description,
        format!("{} more violations not listed", 2_000 - listed)
    );
    assert!(status.message().len() < 4_096);
    assert!(!status.message().contains("NNNN"), "a name was echoed");

    // Within every field limit, but its event would not fit NATS's payload.
    let nats = async_nats::connect(gatehouse_e2e::nats_url())
        .await
        .unwrap();
    assert!(
        nats.server_info().max_payload <= 1024 * 1024,
        "this test expects NATS's default 1 MiB payload limit"
    );
    let wide = "𠜎".repeat(100);
    let status = intake
        .submit_api_report(submission(
            "big-3",
            report("3", crowd(1_000, &wide, &wide, &"𠜎".repeat(64))),
        ))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::ResourceExhausted, "{status:?}");
    let details = status
        .get_details_bad_request()
        .expect("BadRequest details");
    assert_eq!(details.field_violations[0].field, "report");
    assert!(
        details.field_violations[0]
            .description
            .contains("bytes, over the limit of"),
        "{}",
        details.field_violations[0].description
    );

    // In a stream the oversize item is rejected with bounded violations, and the stream goes on.
    let stream = intake
        .stream_api_reports(tokio_stream::iter([
            item("big-4", report("4", crowd(1_000, &long, &long, ""))),
            item("big-5", report("5", crowd(2_000, "A", "B", ""))),
        ]))
        .await
        .unwrap()
        .into_inner();
    let (received, end) = responses(stream).await;
    end.unwrap();
    let results: Vec<SubmissionResult> = received.into_iter().flat_map(|r| r.results).collect();
    assert_eq!(results.len(), 2);
    assert!(
        results
            .iter()
            .all(|r| status_of(r) == SubmissionStatus::Rejected)
    );
    assert_eq!(results[0].violations.len(), 20);
    assert_eq!(results[0].more_violations, 1_980);
    assert!(results[0].reason.len() < 4_096);
    assert_eq!(results[1].violations[0].field, "report.travellers");
    assert_eq!(
        results[1].violations[0].description,
        "at most 1000 travellers per report"
    );

    // Nothing of them was stored or published.
    let pool = sandbox.database().await.unwrap();
    assert_eq!(count(&pool, "api_reports").await, 0);
    let js = sandbox.jetstream().await.unwrap();
    let mut intake_stream = js.get_stream(sandbox.stream("INTAKE")).await.unwrap();
    assert_eq!(intake_stream.info().await.unwrap().state.messages, 0);

    // A normal report next is accepted and reaches the bus.
    let accepted = intake
        .submit_api_report(submission(
            "normal-1",
            report("6", vec![traveller("NORMAL", "XXA", "N1")]),
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!((accepted.version, accepted.duplicate), (1, false));
    let events = accepted_events(&sandbox, 1).await;
    let event = &events[0];
    assert_eq!(event.report_id, accepted.report_id);
    assert_eq!(event.flight_id, accepted.flight_id);
    assert_eq!((event.version, event.new_traveller_count), (1, 1));
    assert_eq!(event.traveller_keys.len(), 1);
    assert_eq!(count(&pool, "api_reports").await, 1);
    pool.close().await;
    sandbox.stop().await.unwrap();
}

/// Traveller key by surname, from an event.
fn keys_by_surname(event: &ApiReportAccepted) -> Vec<(String, String)> {
    let travellers = &event.report.as_ref().unwrap().travellers;
    assert_eq!(travellers.len(), event.traveller_keys.len());
    let mut keys: Vec<(String, String)> = travellers
        .iter()
        .zip(&event.traveller_keys)
        .map(|(t, k)| (t.surname.clone(), k.clone()))
        .collect();
    keys.sort();
    keys
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_same_flight_resent_updated_and_cancelled_keeps_one_identity() {
    let sandbox = Sandbox::builder().observe_intake().start().await.unwrap();
    let mut intake = sandbox.passenger_intake(&SUBMITTER).await.unwrap();
    let (a, b, c, d) = (
        traveller("ALPHA", "XXA", "A100"),
        traveller("BRAVO", "XXA", "B200"),
        traveller("CHARLIE", "XXB", "C300"),
        traveller("DELTA", "XXA", "D400"),
    );
    let first = intake
        .submit_api_report(submission(
            "ja123-v1",
            report("123", vec![a.clone(), b.clone()]),
        ))
        .await
        .unwrap()
        .into_inner();
    // Resent in full with another traveller, in another order.
    let second = intake
        .submit_api_report(submission(
            "ja123-v2",
            report("123", vec![c.clone(), b.clone(), a.clone()]),
        ))
        .await
        .unwrap()
        .into_inner();
    // An update: one traveller added, one changed (new seat).
    let mut moved = b.clone();
    moved.seat = "12C".into();
    let mut update = report("123", vec![d.clone(), moved]);
    update.function = MessageFunction::Update as i32;
    let third = intake
        .submit_api_report(submission("ja123-v3", update))
        .await
        .unwrap()
        .into_inner();
    for response in [&first, &second, &third] {
        assert!(!response.duplicate);
        assert_eq!(response.flight_id, first.flight_id);
    }
    assert_eq!([first.version, second.version, third.version], [1, 2, 3]);
    assert_eq!(third.traveller_count, 2);

    // A resend of an earlier message is its first result: no new version.
    let again = intake
        .submit_api_report(submission(
            "ja123-v2",
            report("123", vec![c.clone(), b.clone(), a.clone()]),
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(again.duplicate);
    assert_eq!(
        (
            again.report_id.as_str(),
            again.version,
            again.flight_id.as_str()
        ),
        (second.report_id.as_str(), 2, first.flight_id.as_str())
    );

    // Two reports of another flight in one stream: consecutive versions; then a cancel.
    let mut cancel = report("123", vec![]);
    cancel.function = MessageFunction::Cancel as i32;
    let stream = intake
        .stream_api_reports(tokio_stream::iter([
            item("ja456-v1", report("456", vec![a.clone()])),
            item("ja456-v2", report("456", vec![a.clone(), d.clone()])),
            item("ja123-v4", cancel),
        ]))
        .await
        .unwrap()
        .into_inner();
    let (received, end) = responses(stream).await;
    end.unwrap();
    let results: Vec<SubmissionResult> = received.into_iter().flat_map(|r| r.results).collect();
    assert!(
        results
            .iter()
            .all(|r| status_of(r) == SubmissionStatus::Accepted)
    );
    let versions: Vec<u32> = results.iter().map(|r| r.version).collect();
    assert_eq!(versions, [1, 2, 4]);
    assert_eq!(results[2].item_count, 0);

    let events = accepted_events(&sandbox, 6).await;
    let of = |report_id: &str| {
        events
            .iter()
            .find(|e| e.report_id == report_id)
            .unwrap_or_else(|| panic!("no event for {report_id}"))
    };
    let (v1, v2, v3) = (
        of(&first.report_id),
        of(&second.report_id),
        of(&third.report_id),
    );
    for (event, version) in [(v1, 1), (v2, 2), (v3, 3)] {
        assert_eq!(event.flight_id, first.flight_id);
        assert_eq!(event.version, version);
    }
    // The same traveller has the same key in every version; only travellers new to the flight
    // count as new.
    let (k1, k2, k3) = (
        keys_by_surname(v1),
        keys_by_surname(v2),
        keys_by_surname(v3),
    );
    let key = |keys: &[(String, String)], surname: &str| {
        keys.iter()
            .find(|(s, _)| s == surname)
            .map(|(_, k)| k.clone())
            .unwrap()
    };
    assert_eq!(key(&k1, "ALPHA"), key(&k2, "ALPHA"));
    assert_eq!(key(&k1, "BRAVO"), key(&k2, "BRAVO"));
    assert_eq!(key(&k1, "BRAVO"), key(&k3, "BRAVO"));
    assert_ne!(key(&k1, "ALPHA"), key(&k1, "BRAVO"));
    assert_eq!(
        [
            v1.new_traveller_count,
            v2.new_traveller_count,
            v3.new_traveller_count
        ],
        [2, 1, 1]
    );
    // An update carries only what it lists.
    assert_eq!(k3.len(), 2);

    let ja456: Vec<&ApiReportAccepted> = results[..2].iter().map(|r| of(&r.record_id)).collect();
    assert_ne!(ja456[0].flight_id, first.flight_id);
    assert_eq!(ja456[0].flight_id, ja456[1].flight_id);
    // ALPHA on another flight is another identity.
    assert_ne!(key(&keys_by_surname(ja456[0]), "ALPHA"), key(&k1, "ALPHA"));
    assert_eq!(
        [ja456[0].new_traveller_count, ja456[1].new_traveller_count],
        [1, 1]
    );
    let cancelled = of(&results[2].record_id);
    assert_eq!(
        (
            cancelled.flight_id.as_str(),
            cancelled.version,
            cancelled.new_traveller_count
        ),
        (first.flight_id.as_str(), 4, 0)
    );
    let cancelled_report = cancelled.report.as_ref().unwrap();
    assert!(cancelled_report.travellers.is_empty() && cancelled.traveller_keys.is_empty());
    assert_eq!(cancelled_report.function, MessageFunction::Cancel as i32);

    let pool = sandbox.database().await.unwrap();
    let flights: Vec<(i32, bool)> = sqlx::query_as(
        "SELECT version, cancelled FROM passenger_intake.flights ORDER BY flight_number",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(flights, [(4, true), (2, false)]);
    pool.close().await;
    sandbox.stop().await.unwrap();
}

/// A passenger-intake client without the sandbox's 30-second call timeout, which a Postgres
/// outage (answered after the pool's acquire timeout) could reach.
async fn patient_client(sandbox: &Sandbox) -> PassengerIntakeServiceClient<Authed> {
    let addr = sandbox.addrs[&ServiceKind::PassengerIntake];
    let channel = Endpoint::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let bearer = BearerToken::new(&Sandbox::token(&SUBMITTER).unwrap()).unwrap();
    PassengerIntakeServiceClient::new(InterceptedService::new(channel, bearer))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn intake_answers_unavailable_while_postgres_is_down_and_keeps_what_it_acknowledged() {
    let sandbox = Sandbox::builder()
        .postgres_via_proxy(&[ServiceKind::PassengerIntake])
        .observe_intake()
        .start()
        .await
        .unwrap();
    let proxy = sandbox.postgres_proxy().unwrap();
    let mut intake = patient_client(&sandbox).await;
    let (items, outgoing) = mpsc::channel(4);
    let mut stream = intake
        .stream_api_reports(ReceiverStream::new(outgoing))
        .await
        .unwrap()
        .into_inner();
    let before = report("88", vec![traveller("BEFORE", "XXA", "B1")]);
    items.send(item("down-1", before.clone())).await.unwrap();
    let acknowledged = next_response(&mut stream).await.results.remove(0);
    assert_eq!(status_of(&acknowledged), SubmissionStatus::Accepted);

    proxy.cut();
    let during = report("89", vec![traveller("DURING", "XXA", "D1")]);
    items.send(item("down-2", during.clone())).await.unwrap();
    let (rest, end) = responses(stream).await;
    assert!(
        rest.is_empty(),
        "an item was acknowledged while postgres was down"
    );
    let status = end.unwrap_err();
    assert_eq!(status.code(), Code::Unavailable, "{status:?}");
    let status = intake
        .submit_api_report(submission("down-3", during.clone()))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unavailable, "{status:?}");

    proxy.restore();
    // What was acknowledged is stored; what was not can be sent again.
    let deadline = tokio::time::Instant::now() + LIMIT;
    let resent = loop {
        match intake
            .submit_api_report(submission("down-1", before.clone()))
            .await
        {
            Ok(response) => break response.into_inner(),
            Err(status) if status.code() == Code::Unavailable => {
                assert!(
                    tokio::time::Instant::now() < deadline,
                    "postgres never came back"
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(status) => panic!("{status:?}"),
        }
    };
    assert!(resent.duplicate);
    assert_eq!(resent.report_id, acknowledged.record_id);
    let retried = intake
        .submit_api_report(submission("down-2", during))
        .await
        .unwrap()
        .into_inner();
    assert!(!retried.duplicate);
    assert_eq!(accepted_events(&sandbox, 2).await.len(), 2);
    sandbox.stop().await.unwrap();
}
