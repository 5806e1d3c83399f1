//! End-to-end tests: PNRs through `SubmitPnr`, `StreamPnrs` and `GetPnr`. A booking of our own
//! making (two adults and an infant on a lap, a codeshare return journey, cash, tickets, bags)
//! is stored in every normalised table, published once per version with stable traveller keys,
//! and read back whole by an officer of the agency, audited with the reason given.

use std::time::Duration;

use gatehouse_e2e::{Identity, Sandbox};
use gatehouse_platform::{auth::Role, bus::subjects};
use gatehouse_proto::v1::{
    Address, Baggage, Contact, DocumentType, Flight, FlightDirection, FormOfPayment, FrequentFlyer,
    GetPnrRequest, ItinerarySegment, Money, Payment, Pnr, PnrAccepted, PnrHistoryAction,
    PnrHistoryEntry, PnrPassengerType, PnrTransfer, PnrTraveller, Remark, RemarkKind, Sex,
    StreamPnrsRequest, SubmissionResult, SubmissionStatus, SubmitPnrRequest, Ticket, TravelAgency,
    TravelDocument, TravelStatus, TravellerSegment, TripType,
};
use prost::Message;
use prost_types::Timestamp;
use tokio_stream::StreamExt;
use tonic::Code;
use tonic_types::StatusExt;

use super::intake::count;
use super::{OFFICER_BEG, OFFICER_SJJ, SUBMITTER};

const LIMIT: Duration = Duration::from_secs(90);

const AUDITOR: Identity = Identity {
    subject: "auditor-1",
    agency: "ba-ibm",
    units: &[],
    roles: &[Role::Auditor],
};

/// The tables a PNR version is spread over, with the rows [`booking`] fills in each.
const ROWS_OF_BOOKING: [(&str, i64); 12] = [
    ("pnr_versions", 1),
    ("pnr_travellers", 3),
    ("pnr_documents", 2),
    ("pnr_frequent_flyers", 1),
    ("pnr_segments", 2),
    ("pnr_traveller_segments", 5),
    ("pnr_contacts", 2),
    ("pnr_payments", 1),
    ("pnr_tickets", 1),
    ("pnr_bags", 2),
    ("pnr_remarks", 1),
    ("pnr_history", 1),
];

/// 10:00 UTC on 2026-12-20 (JA123 departs) plus `minutes`.
fn at(minutes: i64) -> Option<Timestamp> {
    Some(Timestamp {
        seconds: 1_797_760_800 + minutes * 60,
        nanos: 0,
    })
}

fn passport(number: &str, country: &str) -> TravelDocument {
    TravelDocument {
        r#type: DocumentType::Passport as i32,
        number: number.into(),
        issuing_country: country.into(),
        expiry_date: "2031-05-01".into(),
        issue_date: "2021-05-02".into(),
    }
}

fn adult(reference: &str, given: &str, born: &str, sex: Sex, document: &str) -> PnrTraveller {
    PnrTraveller {
        traveller_ref: reference.into(),
        surname: "HADZIC".into(),
        given_names: given.into(),
        title: if sex == Sex::Female { "MRS" } else { "MR" }.into(),
        passenger_type: PnrPassengerType::Adult as i32,
        date_of_birth: born.into(),
        sex: sex as i32,
        nationality: "BIH".into(),
        country_of_residence: "BIH".into(),
        place_of_birth: "Mostar".into(),
        documents: vec![passport(document, "BIH")],
        residence_address: Some(Address {
            address_lines: vec!["Ferhadija 12".into()],
            city: "Sarajevo".into(),
            postcode: "71000".into(),
            country_subdivision: String::new(),
            country: "BIH".into(),
        }),
        ..Default::default()
    }
}

fn segment_of(
    traveller: &str,
    segment: &str,
    status: TravelStatus,
    seat: &str,
) -> TravellerSegment {
    TravellerSegment {
        traveller_ref: traveller.into(),
        segment_ref: segment.into(),
        status: status as i32,
        seat: seat.into(),
        ..Default::default()
    }
}

/// Booking X7K2QP of JA: Istanbul → Sarajevo on JA123, back to Vienna on JA7801 operated by
/// OS774; Amra carries Lejla (an infant) on her lap. Already normalised, so what is read back
/// equals it.
fn booking() -> Pnr {
    let mut amra = adult("1.1", "AMRA", "1984-03-12", Sex::Female, "A1234567");
    amra.frequent_flyers = vec![FrequentFlyer {
        carrier: "JA".into(),
        number: "JA123456789".into(),
        tier: "GOLD".into(),
    }];
    let emir = adult("2.1", "EMIR", "1982-07-30", Sex::Male, "B7654321");
    // No document: the infant's identity is her name and date of birth.
    let lejla = PnrTraveller {
        traveller_ref: "1.2".into(),
        surname: "HADZIC".into(),
        given_names: "LEJLA".into(),
        passenger_type: PnrPassengerType::Infant as i32,
        date_of_birth: "2025-09-01".into(),
        sex: Sex::Female as i32,
        nationality: "BIH".into(),
        accompanied_by_ref: "1.1".into(),
        ..Default::default()
    };
    let mut checked_in = segment_of("1.1", "1", TravelStatus::CheckedIn, "12A");
    checked_in.check_in_sequence = "045".into();
    checked_in.checked_in_at = at(-95);
    let mut on_lap = segment_of("1.2", "1", TravelStatus::CheckedIn, "");
    on_lap.seat_details = "infant on lap".into();
    Pnr {
        record_locator: "X7K2QP".into(),
        carrier: "JA".into(),
        flight: Some(Flight {
            carrier: "JA".into(),
            number: "123".into(),
            departure_airport: "IST".into(),
            arrival_airport: "SJJ".into(),
            departure_date: "2026-12-20".into(),
            scheduled_departure: at(0),
            scheduled_arrival: at(110),
            direction: FlightDirection::Inbound as i32,
        }),
        created_at: at(-30 * 24 * 60),
        last_modified_at: at(-3 * 24 * 60),
        sent_at: Some(Timestamp {
            seconds: 1_797_760_800 - 48 * 3600,
            // Microseconds, the precision kept.
            nanos: 250_000,
        }),
        transfer: PnrTransfer::BeforeDeparture as i32,
        sender: "JA".into(),
        reservation_system: "1A".into(),
        travellers: vec![amra, emir, lejla],
        traveller_count: 3,
        segments: vec![
            ItinerarySegment {
                segment_ref: "1".into(),
                marketing_carrier: "JA".into(),
                marketing_flight_number: "123".into(),
                operating_carrier: "JA".into(),
                operating_flight_number: "123".into(),
                departure_airport: "IST".into(),
                arrival_airport: "SJJ".into(),
                departure_date: "2026-12-20".into(),
                scheduled_departure: at(0),
                scheduled_arrival: at(110),
                booking_class: "Y".into(),
                booking_status: "HK".into(),
                open: false,
            },
            ItinerarySegment {
                segment_ref: "2".into(),
                marketing_carrier: "JA".into(),
                marketing_flight_number: "7801".into(),
                operating_carrier: "OS".into(),
                operating_flight_number: "774".into(),
                departure_airport: "SJJ".into(),
                arrival_airport: "VIE".into(),
                departure_date: "2026-12-27".into(),
                scheduled_departure: at(7 * 24 * 60 + 30),
                scheduled_arrival: at(7 * 24 * 60 + 130),
                booking_class: "M".into(),
                booking_status: "HK".into(),
                open: false,
            },
        ],
        traveller_segments: vec![
            checked_in,
            segment_of("2.1", "1", TravelStatus::CheckedIn, "12B"),
            on_lap,
            segment_of("1.1", "2", TravelStatus::Booked, ""),
            segment_of("2.1", "2", TravelStatus::Booked, ""),
        ],
        payments: vec![Payment {
            form: FormOfPayment::Cash as i32,
            amount: Some(Money {
                currency_code: "EUR".into(),
                units: 612,
                nanos: 500_000_000,
            }),
            paid_at: at(-30 * 24 * 60 + 12),
            ..Default::default()
        }],
        contacts: vec![
            Contact {
                traveller_ref: "1.1".into(),
                phone: "+38761123456".into(),
                purpose: "home".into(),
                ..Default::default()
            },
            Contact {
                traveller_ref: "1.1".into(),
                email: "amra.hadzic@example.ba".into(),
                purpose: "home".into(),
                ..Default::default()
            },
        ],
        travel_agency: Some(TravelAgency {
            name: "Sarajevo Travel".into(),
            iata_number: "12345678".into(),
            office_id: "SJJJA08AA".into(),
            agent_id: "AS".into(),
            city: "Sarajevo".into(),
            country: "BIH".into(),
            phone: "+38733000000".into(),
        }),
        tickets: vec![Ticket {
            ticket_number: "1232400000001".into(),
            traveller_ref: "1.1".into(),
            issue_date: "2026-11-20".into(),
            trip_type: TripType::OpenJaw as i32,
            segment_refs: vec!["1".into(), "2".into()],
            fare: Some(Money {
                currency_code: "EUR".into(),
                units: 306,
                nanos: 250_000_000,
            }),
            fare_calculation: "IST JA SJJ 150.00 JA VIE 156.25 NUC306.25 END".into(),
            validating_carrier: "JA".into(),
            electronic: true,
        }],
        baggage: vec![
            Baggage {
                traveller_ref: "1.1".into(),
                segment_ref: "1".into(),
                piece_count: 1,
                weight_kg: 23.0,
                tag_numbers: vec!["0123456789".into()],
                final_destination_airport: "SJJ".into(),
                ..Default::default()
            },
            Baggage {
                traveller_ref: "2.1".into(),
                segment_ref: "1".into(),
                piece_count: 1,
                weight_kg: 18.5,
                tag_numbers: vec!["0123456790".into()],
                final_destination_airport: "SJJ".into(),
                excess: false,
                pooled_with_ref: "1.1".into(),
            },
        ],
        remarks: vec![Remark {
            kind: RemarkKind::Ssr as i32,
            code: "INFT".into(),
            carrier: "JA".into(),
            text: "HADZIC/LEJLA 01SEP25".into(),
            traveller_ref: "1.1".into(),
            segment_ref: "1".into(),
        }],
        history: vec![PnrHistoryEntry {
            changed_at: at(-3 * 24 * 60),
            action: PnrHistoryAction::Added as i32,
            element: "ssr".into(),
            value: "INFT HADZIC/LEJLA".into(),
            changed_by: "SJJJA08AA/AS".into(),
        }],
        ..Default::default()
    }
}

fn submission(message_id: &str, pnr: Pnr) -> SubmitPnrRequest {
    SubmitPnrRequest {
        message_id: message_id.into(),
        pnr: Some(pnr),
    }
}

fn read(pnr_id: &str, version: u32, reason: &str) -> GetPnrRequest {
    GetPnrRequest {
        pnr_id: pnr_id.into(),
        reason: reason.into(),
        version,
    }
}

/// The `PnrAccepted` events published in the sandbox, once there are `count`; fails on more.
async fn pnr_events(sandbox: &Sandbox, count: usize) -> Vec<PnrAccepted> {
    use async_nats::jetstream::consumer::pull;
    let js = sandbox.jetstream().await.unwrap();
    let mut consumer = js
        .get_stream(sandbox.stream("INTAKE"))
        .await
        .unwrap()
        .create_consumer(pull::Config {
            filter_subject: format!("{}.{}", sandbox.prefix, subjects::PNR_ACCEPTED),
            ..Default::default()
        })
        .await
        .unwrap();
    let mut messages = consumer.messages().await.unwrap();
    let mut events = Vec::with_capacity(count);
    while events.len() < count {
        let message = tokio::time::timeout(LIMIT, messages.next())
            .await
            .unwrap_or_else(|_| panic!("{} of {count} pnr events published", events.len()))
            .unwrap()
            .unwrap();
        events.push(PnrAccepted::decode(message.payload.clone()).unwrap());
    }
    let pending = consumer.info().await.unwrap().num_pending;
    assert_eq!(pending, 0, "more pnr events than expected");
    events
}

fn status_of(result: &SubmissionResult) -> SubmissionStatus {
    SubmissionStatus::try_from(result.status).unwrap()
}

fn fields(status: &tonic::Status) -> Vec<String> {
    status
        .get_details_bad_request()
        .expect("BadRequest details")
        .field_violations
        .into_iter()
        .map(|v| v.field)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_booking_is_stored_whole_published_per_version_and_read_back_audited() {
    let sandbox = Sandbox::builder().observe_intake().start().await.unwrap();
    let mut intake = sandbox.passenger_intake(&SUBMITTER).await.unwrap();
    let pnr = booking();
    let first = intake
        .submit_pnr(submission("x7k2qp-48h", pnr.clone()))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (first.traveller_count, first.version, first.duplicate),
        (3, 1, false)
    );

    let db = sandbox.database().await.unwrap();
    for (table, rows) in ROWS_OF_BOOKING {
        assert_eq!(count(&db, table).await, rows, "{table}");
    }
    let normalized: Vec<String> = sqlx::query_scalar(
        "SELECT number_normalized FROM passenger_intake.pnr_documents ORDER BY traveller_ordinal",
    )
    .fetch_all(&db)
    .await
    .unwrap();
    assert_eq!(normalized, ["A1234567", "B7654321"]);

    let events = pnr_events(&sandbox, 1).await;
    let v1 = &events[0];
    assert_eq!(v1.pnr.as_ref(), Some(&pnr));
    assert_eq!(
        (
            v1.pnr_id.as_str(),
            v1.message_id.as_str(),
            v1.agency.as_str()
        ),
        (first.pnr_id.as_str(), "x7k2qp-48h", "ba-ibm")
    );
    assert_eq!((v1.version, v1.new_traveller_count), (1, 3));
    assert_eq!(v1.traveller_ids.len(), 3);
    let mut distinct = v1.traveller_keys.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 3, "three people, three keys");

    // An officer of the agency reads it whole, and the read is in the audit log with its reason.
    let mut officer = sandbox.passenger_intake(&OFFICER_SJJ).await.unwrap();
    let reason = "secondary control of flight JA123, case 2026/4411";
    let got = officer
        .get_pnr(read(&first.pnr_id, 0, reason))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(got.pnr.as_ref(), Some(&pnr));
    assert_eq!(
        (
            got.pnr_id.as_str(),
            got.message_id.as_str(),
            got.agency.as_str()
        ),
        (first.pnr_id.as_str(), "x7k2qp-48h", "ba-ibm")
    );
    assert_eq!((got.version, got.masked), (1, false));
    assert_eq!(got.accepted_at, first.accepted_at);
    assert_eq!(got.traveller_ids, v1.traveller_ids);
    let audited: Vec<(String, String, Option<String>)> = sqlx::query_as(
        "SELECT actor, action, reason FROM passenger_intake.audit_log WHERE $1 = ANY(resource_ids)",
    )
    .bind(&first.pnr_id)
    .fetch_all(&db)
    .await
    .unwrap();
    assert_eq!(
        audited,
        [("officer-sjj".into(), "pnr.read".into(), Some(reason.into()))]
    );

    // The same message again: the first result, nothing stored or published.
    let again = intake
        .submit_pnr(submission("x7k2qp-48h", pnr.clone()))
        .await
        .unwrap()
        .into_inner();
    assert!(again.duplicate);
    assert_eq!(
        (again.pnr_id.as_str(), again.version, again.accepted_at),
        (first.pnr_id.as_str(), 1, first.accepted_at)
    );
    assert_eq!(count(&db, "pnr_versions").await, 1);

    // The push at flight closure: the same booking with a traveller added is version 2.
    let mut closed = pnr.clone();
    closed.transfer = PnrTransfer::FlightClosed as i32;
    closed.travellers.push(PnrTraveller {
        traveller_ref: "3.1".into(),
        surname: "KOVAC".into(),
        given_names: "IVAN".into(),
        passenger_type: PnrPassengerType::Adult as i32,
        documents: vec![passport("C3333333", "HRV")],
        ..Default::default()
    });
    closed.traveller_count = 4;
    let second = intake
        .submit_pnr(submission("x7k2qp-closure", closed.clone()))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (
            second.pnr_id.as_str(),
            second.version,
            second.traveller_count
        ),
        (first.pnr_id.as_str(), 2, 4)
    );
    assert!(!second.duplicate);

    // Two events in all: the duplicate published nothing.
    let events = pnr_events(&sandbox, 2).await;
    let v2 = &events[1];
    assert_eq!((v2.version, v2.pnr_id.as_str()), (2, first.pnr_id.as_str()));
    assert_eq!(v2.pnr.as_ref(), Some(&closed));
    // The three who stayed keep their keys; only the one added is new to the booking.
    assert_eq!(v2.traveller_keys[..3], v1.traveller_keys[..]);
    assert!(!v1.traveller_keys.contains(&v2.traveller_keys[3]));
    assert_eq!(v2.new_traveller_count, 1);
    assert_ne!(v2.traveller_ids[0], v1.traveller_ids[0]);

    // The latest version by default; an earlier one when asked.
    let latest = officer
        .get_pnr(read(&first.pnr_id, 0, reason))
        .await
        .unwrap()
        .into_inner();
    assert_eq!((latest.version, latest.pnr), (2, Some(closed)));
    let earlier = officer
        .get_pnr(read(&first.pnr_id, 1, reason))
        .await
        .unwrap()
        .into_inner();
    assert_eq!((earlier.version, earlier.pnr), (1, Some(pnr)));
    let bookings: Vec<(i32, uuid::Uuid)> = sqlx::query_as(
        "SELECT p.version, v.version_id FROM passenger_intake.pnrs p
         JOIN passenger_intake.pnr_versions v ON v.version_id = p.current_version_id",
    )
    .fetch_all(&db)
    .await
    .unwrap();
    assert_eq!(bookings.len(), 1);
    assert_eq!(bookings[0].0, 2);
    assert_eq!(count(&db, "pnr_travellers").await, 3 + 4);
    db.close().await;
    sandbox.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn streamed_pnrs_get_one_result_each_in_order() {
    let sandbox = Sandbox::builder().observe_intake().start().await.unwrap();
    let mut intake = sandbox.passenger_intake(&SUBMITTER).await.unwrap();
    let earlier = intake
        .submit_pnr(submission("pre-1", booking()))
        .await
        .unwrap()
        .into_inner();

    const ITEMS: usize = 60;
    let invalid = [7, 41];
    // (item, item whose message id it repeats).
    let repeats = [(12, 3), (50, 0)];
    // Item 31 is the next push of item 30's booking.
    let next_push = (31, 30);
    let mut items: Vec<StreamPnrsRequest> = (0..ITEMS)
        .map(|i| {
            let mut pnr = booking();
            pnr.record_locator = format!("S{i:05}");
            if invalid.contains(&i) {
                pnr.travellers[1].surname.clear();
            }
            StreamPnrsRequest {
                message_id: format!("s-{i}"),
                pnr: Some(pnr),
            }
        })
        .collect();
    for (i, first) in repeats {
        items[i].message_id = format!("s-{first}");
    }
    items[next_push.0].pnr.as_mut().unwrap().record_locator = format!("S{:05}", next_push.1);
    items[20].message_id = "pre-1".into();
    let sent: Vec<String> = items.iter().map(|i| i.message_id.clone()).collect();

    let mut stream = intake
        .stream_pnrs(tokio_stream::iter(items))
        .await
        .unwrap()
        .into_inner();
    let mut results = Vec::new();
    while let Some(response) = tokio::time::timeout(LIMIT, stream.next())
        .await
        .expect("stream stalled")
    {
        results.extend(response.unwrap().results);
    }
    let answered: Vec<&str> = results.iter().map(|r| r.message_id.as_str()).collect();
    assert_eq!(answered, sent);
    for (i, result) in results.iter().enumerate() {
        let expected = if invalid.contains(&i) {
            SubmissionStatus::Rejected
        } else if i == 20 || repeats.iter().any(|(r, _)| *r == i) {
            SubmissionStatus::Duplicate
        } else {
            SubmissionStatus::Accepted
        };
        assert_eq!(status_of(result), expected, "item {i}");
        if expected == SubmissionStatus::Rejected {
            let fields: Vec<&str> = result.violations.iter().map(|v| v.field.as_str()).collect();
            assert_eq!(fields, ["pnr.travellers[1].surname"], "item {i}");
            assert!(result.record_id.is_empty());
        } else {
            let version = if i == next_push.0 { 2 } else { 1 };
            assert_eq!(
                (result.item_count, result.version),
                (3, version),
                "item {i}"
            );
        }
    }
    for (i, first) in repeats.into_iter().chain([next_push]) {
        assert_eq!(results[i].record_id, results[first].record_id, "item {i}");
    }
    assert_eq!(results[20].record_id, earlier.pnr_id);
    let accepted = results
        .iter()
        .filter(|r| status_of(r) == SubmissionStatus::Accepted)
        .count();
    assert_eq!(accepted, ITEMS - invalid.len() - repeats.len() - 1);

    let db = sandbox.database().await.unwrap();
    assert_eq!(count(&db, "pnr_versions").await, accepted as i64 + 1);
    // One booking got two versions.
    assert_eq!(count(&db, "pnrs").await, accepted as i64);
    assert_eq!(
        count(&db, "pnr_travellers").await,
        3 * (accepted as i64 + 1)
    );
    db.close().await;
    let events = pnr_events(&sandbox, accepted + 1).await;
    let mut published: Vec<(String, u32)> =
        events.into_iter().map(|e| (e.pnr_id, e.version)).collect();
    published.sort();
    let mut stored: Vec<(String, u32)> = results
        .iter()
        .filter(|r| status_of(r) == SubmissionStatus::Accepted)
        .map(|r| (r.record_id.clone(), r.version))
        .chain([(earlier.pnr_id, 1)])
        .collect();
    stored.sort();
    assert_eq!(published, stored);
    sandbox.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn bad_pnrs_and_unauthorised_reads_are_refused() {
    let sandbox = Sandbox::builder().observe_intake().start().await.unwrap();
    let mut intake = sandbox.passenger_intake(&SUBMITTER).await.unwrap();
    type Edit = fn(&mut Pnr);
    let cases: [(Edit, &str); 6] = [
        (|p| p.record_locator = "X7K".into(), "pnr.record_locator"),
        (
            |p| p.travellers[2].surname = "  ".into(),
            "pnr.travellers[2].surname",
        ),
        (
            |p| p.flight.as_mut().unwrap().departure_date = "2026-13-01".into(),
            "pnr.flight.departure_date",
        ),
        (
            |p| p.traveller_segments[0].segment_ref = "9".into(),
            "pnr.traveller_segments[0].segment_ref",
        ),
        (
            |p| p.baggage[1].pooled_with_ref = "7.1".into(),
            "pnr.baggage[1].pooled_with_ref",
        ),
        (
            |p| p.payments[0].amount.as_mut().unwrap().currency_code = "EURO".into(),
            "pnr.payments[0].amount.currency_code",
        ),
    ];
    for (i, (edit, field)) in cases.into_iter().enumerate() {
        let mut pnr = booking();
        edit(&mut pnr);
        let status = intake
            .submit_pnr(submission(&format!("bad-{i}"), pnr))
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument, "{field}");
        assert_eq!(fields(&status), [field]);
        // Never the value, e.g. the 9 of segment_ref or the EURO of the currency.
        assert!(!status.message().contains("EURO"), "{}", status.message());
    }
    let db = sandbox.database().await.unwrap();
    for table in ["pnrs", "pnr_versions", "pnr_travellers", "outbox"] {
        assert_eq!(count(&db, table).await, 0, "{table}");
    }
    let js = sandbox.jetstream().await.unwrap();
    let mut intake_stream = js.get_stream(sandbox.stream("INTAKE")).await.unwrap();
    assert_eq!(intake_stream.info().await.unwrap().state.messages, 0);

    // Reads of a stored PNR: a reason is required, another agency does not see it, and neither
    // a submitter nor an auditor reads personal data.
    let stored = intake
        .submit_pnr(submission("good-1", booking()))
        .await
        .unwrap()
        .into_inner();
    let mut officer = sandbox.passenger_intake(&OFFICER_SJJ).await.unwrap();
    let status = officer
        .get_pnr(read(&stored.pnr_id, 0, "  "))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(fields(&status), ["reason"]);
    let unknown = uuid::Uuid::now_v7().to_string();
    for (who, pnr_id, version, code) in [
        (&OFFICER_BEG, stored.pnr_id.as_str(), 0, Code::NotFound),
        (&OFFICER_SJJ, unknown.as_str(), 0, Code::NotFound),
        (&OFFICER_SJJ, stored.pnr_id.as_str(), 2, Code::NotFound),
        (
            &SUBMITTER,
            stored.pnr_id.as_str(),
            0,
            Code::PermissionDenied,
        ),
        (&AUDITOR, stored.pnr_id.as_str(), 0, Code::PermissionDenied),
    ] {
        let mut client = sandbox.passenger_intake(who).await.unwrap();
        let status = client
            .get_pnr(read(pnr_id, version, "routine check"))
            .await
            .unwrap_err();
        assert_eq!(
            status.code(),
            code,
            "{} reading {pnr_id} v{version}",
            who.subject
        );
    }
    // Nothing was read, so nothing was audited.
    assert_eq!(count(&db, "audit_log").await, 0);
    db.close().await;
    sandbox.stop().await.unwrap();
}

/// A PNR traveller holding a listed passport raises an alert for the arrival airport's unit; the
/// next push of the booking updates that alert instead of raising another.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_listed_passport_in_a_pnr_raises_one_alert_updated_by_the_next_push() {
    let sandbox = Sandbox::builder().observe_intake().start().await.unwrap();
    super::seed_targeting(&sandbox).await;
    let mut alerts = sandbox.unit_alerts(&OFFICER_SJJ).await.unwrap();
    let mut stream = alerts
        .subscribe_alerts(super::subscription(""))
        .await
        .unwrap()
        .into_inner();

    let mut pnr = booking();
    // Emir's passport is on the stolen-documents list (as "x 123-4567", issued by XXA).
    pnr.travellers[1].documents = vec![passport(super::LISTED_PASSPORT, "XXA")];
    let mut intake = sandbox.passenger_intake(&SUBMITTER).await.unwrap();
    let first = intake
        .submit_pnr(submission("screen-1", pnr.clone()))
        .await
        .unwrap()
        .into_inner();

    let alert = super::next_alert(&mut stream).await;
    assert_eq!(alert.unit_id, "jaitf-sjj");
    let Some(gatehouse_proto::v1::subject::Subject::Traveller(traveller)) =
        alert.subject.as_ref().and_then(|s| s.subject.as_ref())
    else {
        panic!("alert without traveller");
    };
    assert_eq!(
        (
            traveller.surname.as_str(),
            traveller.given_names.as_str(),
            traveller.document_number.as_str()
        ),
        ("HADZIC", "EMIR", super::LISTED_PASSPORT)
    );
    assert_eq!(traveller.report_id, first.pnr_id);
    assert_eq!(traveller.record_locator, "X7K2QP");
    assert_eq!(
        (traveller.carrier.as_str(), traveller.flight_number.as_str()),
        ("JA", "123")
    );
    assert!(
        alert.dedupe_key.starts_with("pnr/JA123/2026-12-20/"),
        "{}",
        alert.dedupe_key
    );

    // The push at flight closure: the same booking, version 2, the same traveller, whose DOCS now
    // give a nationality on the interest list, so the assessment gains a rule hit.
    let mut closure = pnr;
    closure.transfer = PnrTransfer::FlightClosed as i32;
    closure.travellers[1].nationality = "XXB".into();
    let second = intake
        .submit_pnr(submission("screen-2", closure))
        .await
        .unwrap()
        .into_inner();
    assert_eq!((second.pnr_id, second.version), (first.pnr_id, 2));
    let change = super::next_change(&mut stream).await;
    match change.event {
        Some(gatehouse_proto::v1::subscribe_alerts_response::Event::Updated(updated)) => {
            assert_eq!(updated.alert_id, alert.alert_id);
            assert!(
                updated.score > alert.score,
                "{} vs {}",
                updated.score,
                alert.score
            );
        }
        other => panic!("expected the alert updated, got {other:?}"),
    }

    // The copies follow the PNR's retention: six months on, the assessments and the alert show
    // no name, document or hit value; five years on the assessments are gone, while the alert,
    // still open, stays masked until an officer closes it.
    use gatehouse_platform::retention::{Policy, Swept};
    let policy = Policy::default();
    let now = chrono::Utc::now();
    let targeting = sandbox.schema_database("risk_targeting").await.unwrap();
    let alerts_db = sandbox.schema_database("unit_alerts").await.unwrap();
    let half_year = now + chrono::TimeDelta::days(184);
    assert_eq!(
        gatehouse_risk_targeting::retention::sweep(&targeting, half_year, &policy)
            .await
            .unwrap(),
        Swept {
            masked: 2,
            deleted: 0
        }
    );
    assert_eq!(
        gatehouse_unit_alerts::retention::sweep(&alerts_db, half_year, &policy)
            .await
            .unwrap(),
        Swept {
            masked: 1,
            deleted: 0
        }
    );
    let read_back = alerts
        .get_alert(gatehouse_proto::v1::GetAlertRequest {
            alert_id: alert.alert_id.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .alert
        .unwrap();
    let Some(gatehouse_proto::v1::subject::Subject::Traveller(masked)) =
        read_back.subject.as_ref().and_then(|s| s.subject.as_ref())
    else {
        panic!("alert without traveller");
    };
    assert_eq!(
        (
            masked.surname.as_str(),
            masked.given_names.as_str(),
            masked.document_number.as_str()
        ),
        ("", "", "")
    );
    assert_eq!(masked.record_locator, "X7K2QP");
    assert!(!read_back.hits.is_empty());
    assert!(
        read_back
            .hits
            .iter()
            .all(|h| h.evidence.values().all(String::is_empty))
    );
    let five_years = now + chrono::TimeDelta::days(1_827);
    assert_eq!(
        gatehouse_risk_targeting::retention::sweep(&targeting, five_years, &policy)
            .await
            .unwrap(),
        Swept {
            masked: 0,
            deleted: 2
        }
    );
    assert_eq!(
        gatehouse_unit_alerts::retention::sweep(&alerts_db, five_years, &policy)
            .await
            .unwrap(),
        Swept::default()
    );
    targeting.close().await;
    alerts_db.close().await;
    sandbox.stop().await.unwrap();
}

/// Six months on, a PNR reads depersonalised; a supervisor with a reason and an approval sees it
/// whole (audited); five years on it is gone. The sweep runs with the test's clock.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pnrs_are_masked_after_six_months_repersonalised_on_approval_and_deleted_after_five_years()
{
    use gatehouse_passenger_intake::retention::{Policy, Swept, sweep};
    use gatehouse_proto::v1::RepersonalisePnrRequest;

    let sandbox = Sandbox::start().await.unwrap();
    let mut intake = sandbox.passenger_intake(&SUBMITTER).await.unwrap();
    let submitted = booking();
    let accepted = intake
        .submit_pnr(submission("keep-1", submitted.clone()))
        .await
        .unwrap()
        .into_inner();
    let pool = sandbox.schema_database("passenger_intake").await.unwrap();
    let policy = Policy::default();
    let now = chrono::Utc::now();

    // Five months on: nothing is due.
    let early = sweep(&pool, now + chrono::TimeDelta::days(150), &policy)
        .await
        .unwrap();
    assert_eq!(early, Swept::default());
    let mut officer = sandbox.passenger_intake(&OFFICER_SJJ).await.unwrap();
    let read_now = officer
        .get_pnr(read(&accepted.pnr_id, 0, "case 2026/77"))
        .await
        .unwrap()
        .into_inner();
    assert!(!read_now.masked);
    // Searches find PNR travellers too, by document or name, with their booking.
    let search = |request: gatehouse_proto::v1::SearchTravellersRequest| {
        let sandbox = &sandbox;
        async move {
            let mut officer = sandbox.passenger_intake(&OFFICER_SJJ).await.unwrap();
            officer
                .search_travellers(request)
                .await
                .unwrap()
                .into_inner()
        }
    };
    let by_document = || gatehouse_proto::v1::SearchTravellersRequest {
        document_number: "a1234567".into(),
        reason: "case 2026/77".into(),
        ..Default::default()
    };
    let found = search(by_document()).await;
    assert_eq!(found.travellers.len(), 1);
    let amra = &found.travellers[0];
    assert_eq!(amra.pnr_id, accepted.pnr_id);
    assert!(amra.report_id.is_empty());
    let traveller = amra.traveller.as_ref().unwrap();
    assert_eq!(
        (
            traveller.surname.as_str(),
            traveller.given_names.as_str(),
            traveller.record_locator.as_str()
        ),
        ("HADZIC", "AMRA", "X7K2QP")
    );
    assert_eq!(traveller.documents[0].number, "A1234567");
    assert_eq!(amra.flight.as_ref().unwrap().number, "123");
    let by_name = search(gatehouse_proto::v1::SearchTravellersRequest {
        name: Some(gatehouse_proto::v1::NameCriterion {
            surname: "hadzic".into(),
            given_names: String::new(),
        }),
        reason: "case 2026/77".into(),
        ..Default::default()
    })
    .await;
    assert_eq!(by_name.travellers.len(), 3, "Amra, Emir and Lejla");

    // An officer of the same agency at another airport does not see it.
    let skopje = Identity {
        subject: "officer-skp",
        agency: "ba-ibm",
        units: &["biu-skp"],
        roles: &[Role::Officer],
    };
    let mut elsewhere = sandbox.passenger_intake(&skopje).await.unwrap();
    let status = elsewhere
        .get_pnr(read(&accepted.pnr_id, 0, "case 2026/77"))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound);

    // Six months and a day on: masked, once (a second sweep finds nothing more).
    let later = now + chrono::TimeDelta::days(184);
    assert_eq!(
        sweep(&pool, later, &policy).await.unwrap(),
        Swept {
            masked: 1,
            deleted: 0
        }
    );
    assert_eq!(
        sweep(&pool, later, &policy).await.unwrap(),
        Swept::default()
    );
    let masked = officer
        .get_pnr(read(&accepted.pnr_id, 0, "case 2026/77"))
        .await
        .unwrap()
        .into_inner();
    assert!(masked.masked);
    let pnr = masked.pnr.unwrap();
    // Identity, contacts, payment, frequent flyer, remarks, history and API data are blank...
    for traveller in &pnr.travellers {
        assert_eq!(
            (
                traveller.surname.as_str(),
                traveller.given_names.as_str(),
                traveller.date_of_birth.as_str(),
                traveller.nationality.as_str()
            ),
            ("", "", "", "")
        );
        assert!(traveller.documents.iter().all(|d| d.number.is_empty()));
        assert!(
            traveller
                .frequent_flyers
                .iter()
                .all(|f| f.number.is_empty())
        );
    }
    assert!(
        pnr.contacts
            .iter()
            .all(|c| c.phone.is_empty() && c.email.is_empty())
    );
    assert!(pnr.payments.iter().all(|p| p.card_number.is_empty()));
    assert!(pnr.remarks.iter().all(|r| r.text.is_empty()));
    assert!(pnr.history.iter().all(|h| h.value.is_empty()));
    // ...while what is not personal stays: the booking, the itinerary, the bags.
    assert_eq!(pnr.record_locator, submitted.record_locator);
    assert_eq!(pnr.segments, submitted.segments);
    assert_eq!(pnr.baggage, submitted.baggage);
    // A depersonalised PNR is found by no one.
    assert!(search(by_document()).await.travellers.is_empty());
    let stored_names: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pnr_travellers WHERE surname <> '' OR given_names <> ''",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(stored_names, 0);

    // Re-personalisation: supervisors only, with a reason and the authority's approval.
    let request = |reason: &str, authorisation: &str| RepersonalisePnrRequest {
        pnr_id: accepted.pnr_id.clone(),
        reason: reason.into(),
        authorisation_reference: authorisation.into(),
        version: 0,
    };
    let status = officer
        .repersonalise_pnr(request("case 2026/77", "court order 12/2027"))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);
    let mut supervisor = sandbox
        .passenger_intake(&super::SUPERVISOR_SJJ)
        .await
        .unwrap();
    let status = supervisor
        .repersonalise_pnr(request("case 2026/77", " "))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(fields(&status), ["authorisation_reference"]);
    let disclosed = supervisor
        .repersonalise_pnr(request(
            "case 2026/77: smuggling network",
            "court order 12/2027",
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(disclosed.pnr.unwrap(), submitted);
    let audit: (String, String, Vec<String>) = sqlx::query_as(
        "SELECT actor, reason, resource_ids FROM audit_log WHERE id = $1::text::bigint
         AND action = 'pnr.repersonalise'",
    )
    .bind(&disclosed.audit_id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(audit.0, "supervisor-sjj");
    assert_eq!(
        audit.1,
        "case 2026/77: smuggling network (authorisation: court order 12/2027)"
    );
    assert_eq!(audit.2[0], accepted.pnr_id);

    // Five years and a day on: the version, its sealed copy and the booking are gone.
    let expired = now + chrono::TimeDelta::days(1_827);
    assert_eq!(
        sweep(&pool, expired, &policy).await.unwrap(),
        Swept {
            masked: 0,
            deleted: 1
        }
    );
    for table in [
        "pnrs",
        "pnr_versions",
        "pnr_sealed",
        "pnr_travellers",
        "pnr_contacts",
    ] {
        assert_eq!(count(&pool, table).await, 0, "{table}");
    }
    let status = officer
        .get_pnr(read(&accepted.pnr_id, 0, "case 2026/77"))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
    pool.close().await;
    sandbox.stop().await.unwrap();
}
