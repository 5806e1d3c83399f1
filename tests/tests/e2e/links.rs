//! End-to-end tests: API–PNR linking. A traveller on a flight's API report and the same person
//! in a PNR of their booking become one subject: one alert that both records' findings feed,
//! whichever arrives first, and reads that name both records. Timeouts only stop a broken run
//! from hanging; nothing here is timed.

use std::time::Duration;

use gatehouse_e2e::Sandbox;
use gatehouse_proto::v1::{
    Alert, DocumentType, FlightCriterion, GetApiReportRequest, GetPnrRequest, LinkEvidence,
    ListAlertsRequest, Pnr, PnrPassengerType, PnrTraveller, SearchTravellersRequest,
    SubmitPnrRequest, TravelDocument, Traveller,
};

use super::{
    LISTED_PASSPORT, OFFICER_SJJ, SUBMITTER, flight_to, next_alert, next_change, seed_targeting,
    subscription, traveller,
};

const LIMIT: Duration = Duration::from_secs(60);

/// Booking `locator` of JA on the flight `api` reports, listing `travellers`.
fn booking(
    api: &gatehouse_proto::v1::SubmitApiReportRequest,
    locator: &str,
    message_id: &str,
    travellers: Vec<PnrTraveller>,
) -> SubmitPnrRequest {
    let flight = api.report.as_ref().unwrap().flight.clone();
    SubmitPnrRequest {
        message_id: message_id.into(),
        pnr: Some(Pnr {
            record_locator: locator.into(),
            carrier: "JA".into(),
            flight,
            sender: "JA".into(),
            traveller_count: i32::try_from(travellers.len()).unwrap(),
            travellers,
            ..Default::default()
        }),
    }
}

/// The PNR's view of an API traveller: names and date of birth as booked, a document of its own.
fn booked(api: &Traveller, passport: &str, country: &str) -> PnrTraveller {
    PnrTraveller {
        traveller_ref: "1.1".into(),
        surname: api.surname.clone(),
        given_names: api.given_names.clone(),
        date_of_birth: api.date_of_birth.clone(),
        passenger_type: PnrPassengerType::Adult as i32,
        nationality: country.into(),
        documents: vec![TravelDocument {
            r#type: DocumentType::Passport as i32,
            number: passport.into(),
            issuing_country: country.into(),
            expiry_date: "2031-01-01".into(),
            ..Default::default()
        }],
        ..Default::default()
    }
}

fn surname_of(alert: &Alert) -> String {
    match alert.subject.as_ref().and_then(|s| s.subject.as_ref()) {
        Some(gatehouse_proto::v1::subject::Subject::Traveller(t)) => t.surname.clone(),
        other => panic!("not a traveller: {other:?}"),
    }
}

fn summary_ids(alert: &Alert) -> (String, String) {
    match alert.subject.as_ref().and_then(|s| s.subject.as_ref()) {
        Some(gatehouse_proto::v1::subject::Subject::Traveller(t)) => {
            (t.api_report_id.clone(), t.pnr_id.clone())
        }
        other => panic!("not a traveller: {other:?}"),
    }
}

/// The SJJ officer's live alert stream, from now.
async fn subscribe(
    sandbox: &Sandbox,
) -> tonic::Streaming<gatehouse_proto::v1::SubscribeAlertsResponse> {
    let mut sjj = sandbox.unit_alerts(&OFFICER_SJJ).await.unwrap();
    sjj.subscribe_alerts(subscription(""))
        .await
        .unwrap()
        .into_inner()
}

/// Polls the unit's alerts until `done` holds for them.
async fn alerts_when(sandbox: &Sandbox, done: impl Fn(&[Alert]) -> bool) -> Vec<Alert> {
    let mut sjj = sandbox.unit_alerts(&OFFICER_SJJ).await.unwrap();
    let deadline = tokio::time::Instant::now() + LIMIT;
    loop {
        let alerts = sjj
            .list_alerts(ListAlertsRequest::default())
            .await
            .unwrap()
            .into_inner()
            .alerts;
        if done(&alerts) {
            return alerts;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "alerts never settled: {alerts:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_booked_traveller_checked_in_later_is_one_subject_with_both_records() {
    let sandbox = Sandbox::start().await.unwrap();
    seed_targeting(&sandbox).await;
    let mut stream = subscribe(&sandbox).await;
    let mut intake = sandbox.passenger_intake(&SUBMITTER).await.unwrap();

    // At check-in the traveller shows another passport, of a nationality a rule looks for; the
    // booking, two days before, gave a listed one.
    let mut checked_in = traveller("LINKED", "XXB", "P5550001");
    checked_in.record_locator = "LNK7QA".into();
    // Same name and booking, another date of birth: not the booked traveller (of a nationality
    // the rule looks for too).
    let mut namesake = traveller("LINKED", "XXC", "P5550002");
    namesake.date_of_birth = "1990-01-01".into();
    namesake.record_locator = "LNK7QA".into();
    let api = flight_to("SJJ", "link-api-1", vec![checked_in.clone(), namesake]);
    let pnr = booking(
        &api,
        "LNK7QA",
        "link-pnr-1",
        vec![booked(&checked_in, LISTED_PASSPORT, "XXA")],
    );

    let pnr_id = intake.submit_pnr(pnr).await.unwrap().into_inner().pnr_id;
    let from_booking = next_alert(&mut stream).await;
    assert_eq!(surname_of(&from_booking), "LINKED");
    assert_eq!(from_booking.hits.len(), 1, "{:?}", from_booking.hits);
    assert!(from_booking.dedupe_key.starts_with("pnr/JA123/"));

    let report_id = intake
        .submit_api_report(api.clone())
        .await
        .unwrap()
        .into_inner()
        .report_id;
    // One subject: the check-in's rule hit joins the booking's watchlist hit in the same alert.
    let change = next_change(&mut stream).await;
    let updated = match change.event {
        Some(super::AlertEvent::Updated(alert)) => alert,
        other => panic!("expected the booking's alert updated, got {other:?}"),
    };
    assert_eq!(updated.alert_id, from_booking.alert_id);
    assert_eq!(updated.dedupe_key, from_booking.dedupe_key);
    assert_eq!(updated.revision, 2);
    let mut kinds: Vec<i32> = updated.hits.iter().map(|h| h.kind).collect();
    kinds.sort_unstable();
    assert_eq!(kinds.len(), 2, "{:?}", updated.hits);
    assert_ne!(
        kinds[0], kinds[1],
        "a watchlist and a rule hit: {:?}",
        updated.hits
    );
    assert_eq!(summary_ids(&updated), (report_id.clone(), pnr_id.clone()));

    // The namesake is not linked: an alert of their own, about the API traveller alone.
    let alerts = alerts_when(&sandbox, |alerts| alerts.len() == 2).await;
    let namesake_alert = alerts
        .iter()
        .find(|a| a.alert_id != from_booking.alert_id)
        .unwrap()
        .clone();
    assert!(!namesake_alert.dedupe_key.starts_with("pnr/"));
    assert_eq!(
        summary_ids(&namesake_alert),
        (report_id.clone(), String::new())
    );

    // The same report again: the same findings, no new alert, no new revision.
    let mut resend = api.clone();
    resend.message_id = "link-api-2".into();
    let current = intake
        .submit_api_report(resend)
        .await
        .unwrap()
        .into_inner()
        .report_id;

    // Reads name both records.
    let mut reader = sandbox.passenger_intake(&OFFICER_SJJ).await.unwrap();
    let report = reader
        .get_api_report(GetApiReportRequest {
            report_id: report_id.clone(),
            reason: "link check".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(report.links.len(), 1, "{:?}", report.links);
    let link = &report.links[0];
    assert_eq!(link.position, 0);
    assert_eq!(link.pnr_id, pnr_id);
    assert_eq!(link.record_locator, "LNK7QA");
    assert_eq!(
        link.evidence,
        [
            LinkEvidence::RecordLocator as i32,
            LinkEvidence::Name as i32,
            LinkEvidence::DateOfBirth as i32
        ]
    );
    assert!(
        link.counterpart.is_none(),
        "a read never carries the PNR's data"
    );
    let booking_read = reader
        .get_pnr(GetPnrRequest {
            pnr_id: pnr_id.clone(),
            reason: "link check".into(),
            version: 0,
        })
        .await
        .unwrap()
        .into_inner();
    // The PNR names the flight's current report (the resend), whose traveller it is now.
    assert_eq!(booking_read.links.len(), 1);
    let link = &booking_read.links[0];
    assert_eq!(link.api_report_id, current);
    assert!(!link.api_traveller_id.is_empty());
    assert_ne!(link.api_traveller_id, report.traveller_ids[0]);
    assert_eq!(link.pnr_traveller_id, booking_read.traveller_ids[0]);

    let found = reader
        .search_travellers(SearchTravellersRequest {
            flight: Some(FlightCriterion {
                carrier: "JA".into(),
                number: "123".into(),
                departure_date: chrono::Utc::now().date_naive().to_string(),
            }),
            reason: "link check".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .travellers;
    // Two people: the linked traveller once (API and PNR), the namesake from the API alone.
    let mut listed: Vec<(String, String, bool, usize)> = found
        .iter()
        .map(|f| {
            (
                f.traveller.as_ref().unwrap().date_of_birth.clone(),
                f.report_id.clone(),
                f.pnr_id == pnr_id,
                f.link_evidence.len(),
            )
        })
        .collect();
    listed.sort();
    assert_eq!(
        listed,
        [
            ("1985-04-12".to_owned(), current.clone(), true, 3),
            ("1990-01-01".to_owned(), current.clone(), false, 0),
        ]
    );

    // Still one alert at revision 2 once the resend went through.
    let pool = sandbox.database().await.unwrap();
    let deadline = tokio::time::Instant::now() + LIMIT;
    loop {
        let assessed: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM risk_targeting.assessments WHERE dedupe_key = $1",
        )
        .bind(&from_booking.dedupe_key)
        .fetch_one(&pool)
        .await
        .unwrap();
        if assessed == 3 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{assessed} assessments"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let alerts = alerts_when(&sandbox, |_| true).await;
    let mut revisions: Vec<(String, u32)> = alerts
        .iter()
        .map(|a| (a.alert_id.clone(), a.revision))
        .collect();
    revisions.sort();
    let mut expected = vec![
        (from_booking.alert_id.clone(), 2),
        (namesake_alert.alert_id.clone(), 1),
    ];
    expected.sort();
    assert_eq!(revisions, expected);
    pool.close().await;
    sandbox.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_alert_from_the_api_report_continues_when_the_pnr_arrives() {
    let sandbox = Sandbox::start().await.unwrap();
    seed_targeting(&sandbox).await;
    let mut stream = subscribe(&sandbox).await;
    let mut intake = sandbox.passenger_intake(&SUBMITTER).await.unwrap();

    let mut checked_in = traveller("FOLDED", "XXA", LISTED_PASSPORT);
    checked_in.record_locator = "FLD9ZZ".into();
    let api = flight_to("SJJ", "fold-api-1", vec![checked_in.clone()]);
    let report_id = intake
        .submit_api_report(api.clone())
        .await
        .unwrap()
        .into_inner()
        .report_id;
    let from_api = next_alert(&mut stream).await;
    assert!(!from_api.dedupe_key.starts_with("pnr/"));

    // The PNR lists the traveller with the same passport (and no other finding).
    let pnr = booking(
        &api,
        "FLD9ZZ",
        "fold-pnr-1",
        vec![booked(&checked_in, LISTED_PASSPORT, "XXA")],
    );
    let pnr_id = intake.submit_pnr(pnr).await.unwrap().into_inner().pnr_id;

    // The API alert becomes the linked traveller's: same alert, same findings, now under the
    // key both records share (and so under the PNR's retention).
    let alerts = alerts_when(&sandbox, |alerts| {
        alerts
            .iter()
            .any(|a| a.dedupe_key.starts_with("pnr/JA123/"))
    })
    .await;
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(alerts[0].alert_id, from_api.alert_id);
    assert_eq!(
        alerts[0].revision, 1,
        "the same findings are no news to the unit"
    );

    // A later check-in (a new version of the report) now updates that alert with a rule hit.
    let mut changed = checked_in.clone();
    changed.nationality = "XXB".into();
    let mut update = flight_to("SJJ", "fold-api-2", vec![changed]);
    update.report.as_mut().unwrap().function = gatehouse_proto::v1::MessageFunction::Update as i32;
    intake.submit_api_report(update).await.unwrap();
    let change = next_change(&mut stream).await;
    let updated = match change.event {
        Some(super::AlertEvent::Updated(alert)) => alert,
        other => panic!("expected the alert updated, got {other:?}"),
    };
    assert_eq!(updated.alert_id, from_api.alert_id);
    assert_eq!(updated.revision, 2);
    assert_eq!(updated.hits.len(), 2, "{:?}", updated.hits);
    let (api_report, booking) = summary_ids(&updated);
    assert_ne!(api_report, report_id, "the report's new version");
    assert!(!api_report.is_empty());
    assert_eq!(booking, pnr_id);
    sandbox.stop().await.unwrap();
}
