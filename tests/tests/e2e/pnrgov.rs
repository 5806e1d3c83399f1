//! End-to-end tests: raw PNRGOV interchanges through `SubmitPnrgov` and read back with `GetPnr`.
//! The carriers' samples from GTAS (read from `$GATEHOUSE_FIXTURES/pnrgov`, never copied here)
//! are stored one PNR each, published once per PNR, and answered as duplicates when sent again;
//! a PNR that cannot be read is refused by segment while the others of its message are stored.

use gatehouse_e2e::Sandbox;
use gatehouse_platform::bus::subjects;
use gatehouse_proto::v1::{
    FormOfPayment, GetPnrRequest, Pnr, PnrAccepted, PnrPassengerType, PnrTransfer,
    SubmissionResult, SubmissionStatus, SubmitPnrgovRequest, SubmitPnrgovResponse, TravelStatus,
    passenger_intake_service_client::PassengerIntakeServiceClient,
};
use tonic::Code;
use tonic_types::StatusExt;

use super::intake::count;
use super::{ANALYST, SUBMITTER};

const REASON: &str = "pnr analysis of flight UA988, case 2026/5120";

fn request(message_id: &str, edifact: impl Into<Vec<u8>>) -> SubmitPnrgovRequest {
    SubmitPnrgovRequest {
        message_id: message_id.into(),
        edifact: edifact.into(),
    }
}

fn status(result: &SubmissionResult) -> SubmissionStatus {
    SubmissionStatus::try_from(result.status).unwrap()
}

fn statuses(response: &SubmitPnrgovResponse) -> Vec<SubmissionStatus> {
    response
        .messages
        .iter()
        .flat_map(|m| &m.pnrs)
        .map(status)
        .collect()
}

async fn submit(
    intake: &mut PassengerIntakeServiceClient<gatehouse_e2e::Authed>,
    message_id: &str,
    bytes: Vec<u8>,
) -> SubmitPnrgovResponse {
    intake
        .submit_pnrgov(request(message_id, bytes))
        .await
        .unwrap()
        .into_inner()
}

/// The PNR stored for a result, read back by an officer with a reason.
async fn read(sandbox: &Sandbox, result: &SubmissionResult) -> Pnr {
    // An analyst: the samples' flights (FRA, IAD, ICN...) are no unit's of the seed region.
    let mut officer = sandbox.passenger_intake(&ANALYST).await.unwrap();
    officer
        .get_pnr(GetPnrRequest {
            pnr_id: result.record_id.clone(),
            reason: REASON.into(),
            version: 0,
        })
        .await
        .unwrap()
        .into_inner()
        .pnr
        .unwrap()
}

/// The result of the PNR `locator` in a response, found through the events' record locators.
fn by_locator<'a>(
    response: &'a SubmitPnrgovResponse,
    events: &[PnrAccepted],
    locator: &str,
) -> &'a SubmissionResult {
    let event = events
        .iter()
        .find(|e| e.pnr.as_ref().unwrap().record_locator == locator)
        .unwrap_or_else(|| panic!("no event for {locator}"));
    response
        .messages
        .iter()
        .flat_map(|m| &m.pnrs)
        .find(|r| r.message_id == event.message_id)
        .unwrap()
}

/// The `PnrAccepted` events on INTAKE, once there are `count`; fails on any other event.
async fn pnr_events(sandbox: &Sandbox, count: u64) -> Vec<PnrAccepted> {
    super::intake::intake_events(sandbox, count, subjects::PNR_ACCEPTED).await
}

/// Our own interchange for flight JA0110 Vienna → Sarajevo on 2026-12-20: one PNR per entry of
/// `pnrs` as (record locator, surname, given name); an empty locator makes an SRC without RCI.
fn interchange(control: &str, pnrs: &[(&str, &str, &str)]) -> String {
    let mut segments = vec![
        "MSG+:22".to_owned(),
        "ORG+JA:SJJ".to_owned(),
        "TVL+201226:1030::1200+VIE+SJJ+JA+110".to_owned(),
        format!("EQN+{}", pnrs.len()),
    ];
    for (locator, surname, given) in pnrs {
        segments.push("SRC".to_owned());
        if !locator.is_empty() {
            segments.push(format!("RCI+JA:{locator}:011226:0915"));
        }
        segments.push(format!("TIF+{surname}+{given}:A:1"));
        segments.push("TVL+201226:1030::1200+VIE+SJJ+JA+110:Y".to_owned());
        segments.push("RPI+1+HK".to_owned());
    }
    let body: String = segments.iter().map(|s| format!("{s}'")).collect();
    format!(
        "UNA:+.? 'UNB+IATA:1+JA+BAPIU+261219:2200+{control}'UNH+1+PNRGOV:13:1:IA+{control}'{body}UNT+{}+1'UNZ+1+{control}'",
        segments.len() + 2
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_flight_push_is_stored_one_pnr_each_and_a_resend_is_a_duplicate() {
    let Some(bags) = super::fixture("pnrgov", "pnrWithBags.txt") else {
        return;
    };
    let sandbox = Sandbox::builder().observe_intake().start().await.unwrap();
    let mut intake = sandbox.passenger_intake(&SUBMITTER).await.unwrap();
    let response = submit(&mut intake, "", bags.clone()).await;
    assert_eq!(response.messages.len(), 1);
    let message = &response.messages[0];
    assert_eq!(message.pnrs.len(), 127);
    assert!(
        statuses(&response)
            .iter()
            .all(|s| *s == SubmissionStatus::Accepted),
        "{:?}",
        message
            .pnrs
            .iter()
            .filter(|r| status(r) != SubmissionStatus::Accepted)
            .map(|r| &r.violations)
            .collect::<Vec<_>>()
    );
    assert_eq!(response.pnr_count, 127);
    assert_eq!(response.pnr_ids.len(), 127);
    assert!(!response.duplicate);
    // The EQN says 1 PNR: said, and all 127 taken.
    assert_eq!(message.warnings[0].tag, "EQN");
    // Checked bags in the push: sent at flight closure.
    assert_eq!(message.push, PnrTransfer::FlightClosed as i32);
    let first = &message.pnrs[0];
    assert_eq!(first.message_id, "pnrgov:UA:491873609401/1/1");
    assert_eq!(message.pnrs[126].message_id, "pnrgov:UA:491873609401/1/127");
    assert_eq!(message.pnrs.iter().map(|r| r.item_count).sum::<i32>(), 268);

    let db = sandbox.database().await.unwrap();
    assert_eq!(count(&db, "pnr_versions").await, 127);
    assert_eq!(count(&db, "pnr_travellers").await, 268);
    let events = pnr_events(&sandbox, 127).await;
    assert_eq!(
        events[0].pnr.as_ref().unwrap().record_locator,
        "157313",
        "published in interchange order"
    );

    let result = by_locator(&response, &events, "FB279A");
    assert_eq!(result.item_count, 5);
    // The four-digit bag tags are no licence plates: left out and said.
    assert!(
        result
            .warnings
            .iter()
            .any(|w| w.code == "not_represented" && w.reason.contains("bag tags")),
        "{:?}",
        result.warnings
    );
    let pnr = read(&sandbox, result).await;
    assert_eq!(pnr.record_locator, "FB279A");
    assert_eq!(pnr.carrier, "UA");
    let flight = pnr.flight.as_ref().unwrap();
    assert_eq!(
        (
            flight.number.as_str(),
            flight.departure_airport.as_str(),
            flight.arrival_airport.as_str(),
            flight.departure_date.as_str()
        ),
        ("988", "FRA", "IAD", "2018-09-28")
    );
    assert_eq!(pnr.sender, "UA");
    assert_eq!(
        (
            pnr.travellers[1].surname.as_str(),
            pnr.travellers[1].title.as_str()
        ),
        ("NIELSEN", "MR")
    );
    assert_eq!(pnr.travellers[1].given_names, "LUKE");
    assert_eq!(pnr.travellers[1].date_of_birth, "1964-01-08");
    assert_eq!(pnr.travellers[1].documents[0].number, "868488385");
    let nielsen_bags = pnr
        .baggage
        .iter()
        .find(|b| b.traveller_ref == "2" && b.segment_ref == "1")
        .unwrap();
    assert_eq!(nielsen_bags.piece_count, 5);
    // 37 lb.
    assert!(
        (nielsen_bags.weight_kg - 16.78).abs() < 0.01,
        "{}",
        nielsen_bags.weight_kg
    );
    assert_eq!(nielsen_bags.final_destination_airport, "FRA");
    let seat = pnr
        .traveller_segments
        .iter()
        .find(|s| s.traveller_ref == "2" && s.segment_ref == "3")
        .unwrap();
    assert_eq!(seat.seat, "25E");
    assert_eq!(
        (
            pnr.segments[0].marketing_carrier.as_str(),
            pnr.segments[0].marketing_flight_number.as_str()
        ),
        ("ET", "834")
    );
    // Card, miscellaneous and cash: with the ticket's currency.
    let card = &pnr.payments[0];
    assert_eq!(card.form, FormOfPayment::Card as i32);
    assert_eq!(
        (
            card.card_type.as_str(),
            card.card_number.as_str(),
            card.card_expiry.as_str()
        ),
        ("VI", "XXXXXXXXXXXX6810", "2019-03")
    );
    assert_eq!(card.card_holder_name, "YVONNE FAHRENKRUG");
    assert_eq!(pnr.payments[1].form, FormOfPayment::Voucher as i32);
    let cash = &pnr.payments[2];
    assert_eq!(cash.form, FormOfPayment::Cash as i32);
    let amount = cash.amount.as_ref().unwrap();
    assert_eq!((amount.currency_code.as_str(), amount.units), ("GBP", 250));
    assert_eq!(pnr.tickets[1].ticket_number, "44181044181044");
    assert_eq!(pnr.tickets[1].fare.as_ref().unwrap().units, 350);

    // The same interchange again: every PNR a duplicate, nothing stored or published again.
    let again = submit(&mut intake, "", bags).await;
    assert!(again.duplicate);
    assert!(
        statuses(&again)
            .iter()
            .all(|s| *s == SubmissionStatus::Duplicate)
    );
    assert_eq!(again.pnr_ids, response.pnr_ids);
    assert_eq!(count(&db, "pnr_versions").await, 127);
    // A duplicate enqueues nothing: no event waits in the outbox, and no 128th is on the stream
    // (whichever side of the relay an event wrongly written would be, it is caught).
    assert_eq!(count(&db, "outbox").await, 0);
    pnr_events(&sandbox, 127).await;
    db.close().await;
    sandbox.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn booking_features_of_the_samples_are_read_back() {
    let names = [
        "loader_codeshare.edi",
        "loader_adult_and_infant.edi",
        "loader_pnr_split.edi",
        "pnrPhoneCTCM.txt",
        "pnrWithDoco.txt",
        "loader_3_pnrs.edi",
    ];
    let Some(inputs) = names
        .iter()
        .map(|name| super::fixture("pnrgov", name))
        .collect::<Option<Vec<_>>>()
    else {
        return;
    };
    let sandbox = Sandbox::builder().observe_intake().start().await.unwrap();
    let mut intake = sandbox.passenger_intake(&SUBMITTER).await.unwrap();
    let mut responses = Vec::new();
    for (name, input) in names.iter().zip(inputs) {
        let response = submit(&mut intake, name, input).await;
        assert!(
            statuses(&response)
                .iter()
                .all(|s| *s == SubmissionStatus::Accepted),
            "{name}: {:?}",
            response.messages
        );
        responses.push(response);
    }
    let total: usize = responses.iter().map(|r| r.pnr_ids.len()).sum();
    let events = pnr_events(&sandbox, total as u64).await;
    let pnr = |i: usize, locator: &str| {
        let result = by_locator(&responses[i], &events, locator).clone();
        let sandbox = &sandbox;
        async move { read(sandbox, &result).await }
    };

    let park = pnr(0, "2LS6KP").await;
    let segment = &park.segments[0];
    assert_eq!(
        (
            segment.marketing_carrier.as_str(),
            segment.operating_carrier.as_str(),
            segment.operating_flight_number.as_str()
        ),
        ("KE", "SQ", "303")
    );
    let checked = &park.traveller_segments[0];
    assert_eq!(
        (checked.seat.as_str(), checked.check_in_sequence.as_str()),
        ("39G", "ICN-188")
    );
    assert_eq!(checked.status, TravelStatus::CheckedIn as i32);
    assert_eq!(park.baggage[0].tag_numbers[0], "1026000001");
    assert_eq!(park.travellers[0].documents[0].number, "JR3364288");

    let infant = pnr(1, "XXXYET").await;
    assert_eq!(infant.travellers[1].surname, "TESTSURNAMETWO");
    assert_eq!(
        infant.travellers[1].passenger_type,
        PnrPassengerType::Infant as i32
    );
    assert_eq!(infant.travellers[1].accompanied_by_ref, "1.1");
    assert_eq!(infant.travellers[1].date_of_birth, "2011-08-10");

    let split = pnr(2, "BJOXXX").await;
    assert!(split.split);
    assert_eq!(split.related_record_locators, ["ZLMXXX"]);

    let ctcm = pnr(3, "7C789A").await;
    let mobile = ctcm
        .contacts
        .iter()
        .find(|c| c.purpose == "mobile")
        .unwrap();
    assert_eq!(
        (mobile.phone.as_str(), mobile.traveller_ref.as_str()),
        ("123456789", "1")
    );

    let doco = pnr(4, "06A9FD").await;
    let charles = &doco.travellers[0];
    let numbers: Vec<&str> = charles
        .documents
        .iter()
        .map(|d| d.number.as_str())
        .collect();
    assert!(numbers.contains(&"602120901"), "{numbers:?}");
    assert!(numbers.contains(&"8675309"), "{numbers:?}");
    assert_eq!(charles.place_of_birth, "HERE VA");
    assert_eq!(charles.date_of_birth, "1948-12-26");

    let cash = pnr(5, "W9TEND").await;
    assert_eq!(cash.payments[0].form, FormOfPayment::Cash as i32);
    assert_eq!(cash.payments[0].amount.as_ref().unwrap().units, 1999);
    assert_eq!(cash.travellers[0].surname, "VANDENBERG");
    assert!(!cash.history.is_empty());
    sandbox.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn unreadable_input_is_refused_and_one_bad_pnr_spares_the_others() {
    let Some(bad_format) = super::fixture("pnrgov", "pnrBadFormat.txt") else {
        return;
    };
    let Some(page_76) = super::fixture("pnrgov", "pnrMessagePg76.txt") else {
        return;
    };
    let sandbox = Sandbox::builder().start().await.unwrap();
    let mut intake = sandbox.passenger_intake(&SUBMITTER).await.unwrap();

    // Stale UNT count, UNZ without terminator and a note after it: read best-effort, the
    // defects come back as warnings.
    let read_anyway = submit(&mut intake, "", bad_format).await;
    assert_eq!(statuses(&read_anyway), [SubmissionStatus::Accepted]);
    let tags: Vec<&str> = read_anyway
        .warnings
        .iter()
        .map(|w| w.tag.as_str())
        .collect();
    assert_eq!(tags, ["UNH", "UNT", "UNZ", "UNZ"]);
    let stored = &read_anyway.messages[0].pnrs[0];
    assert_eq!(stored.version, 1);
    let pnr = read(&sandbox, stored).await;
    assert_eq!(pnr.record_locator, "35K2IO");
    assert_eq!(pnr.travellers[0].surname, "DORON");
    // A later push of the same booking (under its own key) is its next version.
    let later = submit(&mut intake, "tz-push-2", page_76).await;
    let next = &later.messages[0].pnrs[0];
    assert_eq!(
        (next.record_id.as_str(), next.version),
        (stored.record_id.as_str(), 2)
    );

    let garbage = intake
        .submit_pnrgov(request("", vec![0u8, 0xff, 0xfe]))
        .await
        .unwrap_err();
    assert_eq!(garbage.code(), Code::InvalidArgument);
    let violations = garbage.get_details_bad_request().unwrap().field_violations;
    assert_eq!(violations[0].field, "edifact");

    let mixed = interchange(
        "PG1",
        &[
            ("AB12CD", "HODZIC", "AMRA"),
            ("", "BEGIC", "ADNAN"),
            ("EF34GH", "KOVAC", "IVANMR"),
        ],
    );
    let response = submit(&mut intake, "", mixed.into_bytes()).await;
    assert_eq!(
        statuses(&response),
        [
            SubmissionStatus::Accepted,
            SubmissionStatus::Rejected,
            SubmissionStatus::Accepted
        ]
    );
    let refused = &response.messages[0].pnrs[1];
    assert_eq!(refused.message_id, "pnrgov:JA:PG1/1/2");
    assert_eq!(refused.violations[0].field, "edifact.messages[1].pnrs[2]");
    assert!(
        refused.violations[0].description.contains("RCI"),
        "{}",
        refused.violations[0].description
    );
    assert_eq!(response.pnr_count, 2);
    let kovac = read(&sandbox, &response.messages[0].pnrs[2]).await;
    assert_eq!(
        (
            kovac.travellers[0].surname.as_str(),
            kovac.travellers[0].title.as_str()
        ),
        ("KOVAC", "MR")
    );
    assert_eq!(kovac.transfer, PnrTransfer::BeforeDeparture as i32);
    assert_eq!(kovac.segments[0].booking_status, "HK");
    sandbox.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_submit_command_reports_one_line_per_pnrgov_message() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let mut intake = sandbox.passenger_intake(&SUBMITTER).await.unwrap();
    let dir = std::env::temp_dir().join(format!("gatehouse-pnrgov-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("push.edi");
    std::fs::write(
        &good,
        interchange(
            "PG7",
            &[("QW12ER", "HODZIC", "AMRA"), ("TY34UI", "BEGIC", "ADNAN")],
        ),
    )
    .unwrap();
    let mixed = dir.join("mixed.edi");
    std::fs::write(
        &mixed,
        interchange("PG8", &[("ZX56CV", "KOVAC", "IVAN"), ("", "MARIC", "ANA")]),
    )
    .unwrap();
    let garbage = dir.join("garbage.bin");
    std::fs::write(&garbage, [0u8, 0xff, 0xfe]).unwrap();

    let lines = gatehouse_cli::submit::submit_pnrgov_file(&mut intake, &good).await;
    let summary: Vec<(u32, &str, Option<i32>, Option<i32>)> = lines
        .iter()
        .map(|l| (l.message, l.status, l.pnrs, l.travellers))
        .collect();
    assert_eq!(summary, [(1, "accepted", Some(2), None)]);
    assert!(!lines[0].record_id.is_empty());

    let again = gatehouse_cli::submit::submit_pnrgov_file(&mut intake, &good).await;
    assert_eq!((again[0].status, again[0].pnrs), ("duplicate", Some(2)));
    assert_eq!(again[0].record_id, lines[0].record_id);

    let partly = gatehouse_cli::submit::submit_pnrgov_file(&mut intake, &mixed).await;
    assert_eq!((partly[0].status, partly[0].pnrs), ("rejected", Some(1)));
    assert!(
        partly[0].reason.starts_with("pnrgov:JA:PG8/1/2: "),
        "{}",
        partly[0].reason
    );

    let refused = gatehouse_cli::submit::submit_pnrgov_file(&mut intake, &garbage).await;
    assert_eq!((refused[0].message, refused[0].status), (0, "rejected"));
    assert!(
        refused[0].reason.starts_with("InvalidArgument: edifact: "),
        "{}",
        refused[0].reason
    );
    std::fs::remove_dir_all(&dir).unwrap();
    sandbox.stop().await.unwrap();
}
