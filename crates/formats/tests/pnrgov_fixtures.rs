//! PNRGOV fixtures from GTAS, read from `$GATEHOUSE_FIXTURES/pnrgov`.
//!
//! When `CI=true` a missing variable, folder or file fails the test; elsewhere the test returns
//! early. Values asserted here are read from the fixtures, which are not copied into the repo.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use chrono::{NaiveDate, NaiveDateTime};
use gatehouse_formats::pnrgov::{
    self, BagPool, ContactPurpose, HistoryAction, HistoryItem, Interchange, PassengerKind,
    PaymentForm, Pnr, PnrgovMessage, PushKind, RemarkKind, SeatSource, SegmentStatus, Sex,
    TicketSource, TravelStatus, TripType, WeightUnit,
};
use gatehouse_formats::{Repair, Rule, WarningKind};

const FIXTURES: [&str; 32] = [
    "bigMessagePnr.txt",
    "bigbigPnr.txt",
    "danglingMetaCharacter.txt",
    "loader_2_pnrs_basic.edi",
    "loader_3_pnrs.edi",
    "loader_adult_and_infant.edi",
    "loader_codeshare.edi",
    "loader_infant.edi",
    "loader_multiple_flight_leg_pnr.txt",
    "loader_no_pnr_history.edi",
    "loader_pnr1.txt",
    "loader_pnr2.txt",
    "loader_pnr3.txt",
    "loader_pnr4.txt",
    "loader_pnrMessageExample.txt",
    "loader_pnr_split.edi",
    "modifyPnr77ForCodeShare.txt",
    "pnrAddressPhoneCTCM.txt",
    "pnrBadFormat.txt",
    "pnrEdge.txt",
    "pnrMessage.txt",
    "pnrMessageExample.txt",
    "pnrMessagePg75.txt",
    "pnrMessagePg76.txt",
    "pnrMessagePg77.txt",
    "pnrNoOrgMsg.txt",
    "pnrPhoneCTCM.txt",
    "pnrPhoneCTC_M.txt",
    "pnrSeatFormats.txt",
    "pnrWithBags.txt",
    "pnrWithDoco.txt",
    "pnrWithPrefixesAndBookingDetailBags.txt",
];

mod fixtures;

use fixtures::{LENIENT, in_ci};

fn fixture_dir() -> Option<PathBuf> {
    fixtures::dir("pnrgov")
}

fn fixture(name: &str) -> Option<String> {
    fixtures::text("pnrgov", name)
}

fn lenient(name: &str) -> Option<Interchange> {
    Some(pnrgov::parse_interchange_with(&fixture(name)?, LENIENT).unwrap())
}

fn only_message(interchange: &Interchange) -> &PnrgovMessage {
    assert_eq!(interchange.messages.len(), 1);
    interchange.messages[0].as_ref().unwrap()
}

/// The PNRs of the only message, all of which must read.
fn pnrs(interchange: &Interchange) -> Vec<&Pnr> {
    let message = only_message(interchange);
    message
        .pnrs
        .iter()
        .map(|pnr| pnr.as_ref().unwrap())
        .collect()
}

fn by_locator<'a>(interchange: &'a Interchange, locator: &str) -> &'a Pnr {
    pnrs(interchange)
        .into_iter()
        .find(|p| p.record_locator.expose() == locator)
        .unwrap_or_else(|| panic!("no PNR {locator}"))
}

fn names(pnr: &Pnr) -> Vec<(&str, Option<&str>, Option<&str>)> {
    pnr.travellers
        .iter()
        .map(|t| {
            (
                t.surname.expose().as_str(),
                t.given_name.as_ref().map(|g| g.expose().as_str()),
                t.title.as_deref(),
            )
        })
        .collect()
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> Option<NaiveDateTime> {
    date(y, m, d).and_hms_opt(h, min, 0)
}

/// Legs as (designator, from, to, departure).
fn legs(pnr: &Pnr) -> Vec<(String, &str, &str, Option<NaiveDateTime>)> {
    pnr.itinerary
        .iter()
        .map(|s| {
            (
                s.flight.designator().unwrap_or_default(),
                s.flight.departure_airport.as_deref().unwrap_or_default(),
                s.flight.arrival_airport.as_deref().unwrap_or_default(),
                s.flight.departure(),
            )
        })
        .collect()
}

/// Seat numbers of one itinerary segment, in traveller order.
fn seats(pnr: &Pnr, segment: usize) -> Vec<Option<&str>> {
    pnr.itinerary[segment]
        .travellers
        .iter()
        .map(|t| t.seat.as_ref().map(|s| s.number.as_str()))
        .collect()
}

fn passport_number(pnr: &Pnr, traveller: usize) -> &str {
    pnr.travellers[traveller]
        .passport()
        .unwrap()
        .number
        .as_ref()
        .unwrap()
        .expose()
}

fn born(pnr: &Pnr, traveller: usize) -> NaiveDate {
    *pnr.travellers[traveller]
        .date_of_birth
        .as_ref()
        .unwrap()
        .expose()
}

fn ticket_numbers(pnr: &Pnr) -> Vec<&str> {
    pnr.tickets
        .iter()
        .map(|t| t.number.as_ref().unwrap().expose().as_str())
        .collect()
}

fn envelope(interchange: &Interchange) -> Vec<(usize, &str, &WarningKind)> {
    interchange
        .warnings
        .iter()
        .map(|w| (w.segment, w.tag.as_str(), &w.kind))
        .collect()
}

#[test]
fn every_fixture_file_is_known_and_parses() {
    let Some(dir) = fixture_dir() else { return };
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(error) => {
            assert!(!in_ci(), "{} is missing in CI: {error}", dir.display());
            return;
        }
    };
    let mut seen = Vec::new();
    for entry in entries {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if name == "GTAS-LICENSE.txt" {
            continue;
        }
        assert!(
            FIXTURES.contains(&name.as_str()),
            "fixture {name} has no test yet"
        );
        let interchange = lenient(&name).unwrap();
        for message in &interchange.messages {
            let message = message.as_ref().unwrap();
            for pnr in &message.pnrs {
                assert!(pnr.is_ok(), "{name}: {pnr:?}");
            }
        }
        seen.push(name);
    }
    seen.sort_unstable();
    let mut expected = FIXTURES.to_vec();
    expected.sort_unstable();
    assert_eq!(seen, expected);
}

#[test]
fn pnr_message_guide_example() {
    let Some(input) = fixture("pnrMessage.txt") else {
        return;
    };
    let strict = pnrgov::parse_interchange(&input).unwrap();
    let error = &strict.messages[0].as_ref().unwrap_err().error;
    assert_eq!((error.segment, error.tag.as_str()), (87, "UNT"));
    assert_eq!(
        error.rule,
        Rule::SegmentCount {
            declared: 135,
            actual: 86
        }
    );

    let interchange = pnrgov::parse_interchange_with(&input, LENIENT).unwrap();
    assert_eq!(interchange.header.sender.id, "DL");
    assert_eq!(
        envelope(&interchange)[0],
        (
            1,
            "UNB",
            &WarningKind::MissingElement {
                element: 3,
                name: "interchange recipient"
            }
        )
    );
    let message = only_message(&interchange);
    assert_eq!(message.header.version.as_deref(), Some("10"));
    assert_eq!(message.push, Some(PushKind::Push));
    assert_eq!(message.flight.designator().as_deref(), Some("DL324"));
    assert_eq!(message.flight.departure(), at(2010, 12, 12, 9, 15));
    assert_eq!(message.declared_pnrs, Some(2));
    assert_eq!(
        message.warnings[0].kind,
        WarningKind::PnrCount {
            declared: 2,
            actual: 1
        }
    );

    let pnr = by_locator(&interchange, "MFN4TI");
    assert_eq!(
        names(pnr),
        [
            ("SMITHJR", Some("JOHN"), Some("MR")),
            ("JONES", Some("WILLIAM"), Some("MR"))
        ]
    );
    assert_eq!(passport_number(pnr, 0), "123456789");
    assert_eq!(born(pnr, 0), date(1964, 7, 12));
    assert_eq!(pnr.travellers[1].nationality(), Some("GBR"));
    let flyer = &pnr.travellers[0].frequent_flyers[0];
    assert_eq!(
        (
            flyer.carrier.as_deref(),
            flyer.number.expose().as_str(),
            flyer.tier.as_deref()
        ),
        (Some("DL"), "1234567890", Some("ELITE"))
    );
    assert_eq!(
        pnr.last_modified().unwrap().date_time(),
        at(2010, 12, 6, 10, 10).unwrap()
    );
    assert_eq!(
        legs(pnr),
        [
            ("DL324".to_owned(), "LHR", "JFK", at(2010, 12, 12, 9, 15)),
            ("DL330".to_owned(), "JFK", "YVR", at(2010, 12, 12, 22, 0))
        ]
    );
    assert_eq!(pnr.itinerary[0].flight.arrival(), at(2010, 12, 12, 12, 30));
    assert_eq!(seats(pnr, 0), [Some("15A"), Some("15B")]);
    assert_eq!(seats(pnr, 1), [Some("15E"), Some("15F")]);
    let smith = pnr.itinerary[0].traveller("1").unwrap();
    assert_eq!(smith.status, TravelStatus::CheckedIn);
    let check_in = smith.check_in.as_ref().unwrap();
    assert_eq!(check_in.sequence.as_deref(), Some("108"));
    assert_eq!(
        check_in.at.unwrap().date_time(),
        at(2010, 12, 11, 9, 15).unwrap()
    );
    assert_eq!(pnr.trip_type(), Some(TripType::OneWay));

    assert_eq!(ticket_numbers(pnr), ["0062120234533", "0062120234534"]);
    let total = pnr.tickets[0].total().unwrap();
    assert_eq!(total.amount.unwrap().to_f64(), 2957.94);
    assert_eq!(total.currency.as_deref(), Some("GBP"));
    let payment = &pnr.payments[0];
    assert_eq!(payment.form, PaymentForm::Card);
    assert_eq!(payment.vendor.as_deref(), Some("VI"));
    assert_eq!(
        payment.account_number.as_ref().unwrap().expose(),
        "XXXXXXXX1186"
    );
    let sponsor = payment.sponsor.as_ref().unwrap().expose();
    assert_eq!(sponsor.name.as_deref(), Some("TIMOTHY SIMS"));

    let refused = &pnr.contacts[0];
    assert_eq!(refused.purpose, ContactPurpose::Refused);
    assert_eq!(refused.phone.as_ref().unwrap().expose(), "00115555555555");
    assert_eq!(pnr.excess_baggage[0].quantity, Some(4));
    assert_eq!(pnr.remarks[1].kind, RemarkKind::Osi);
    assert_eq!(
        pnr.remarks[1].text.as_ref().unwrap().expose(),
        "THIS PASSENGER IS A VIP"
    );

    let related: Vec<_> = pnr
        .related_record_locators()
        .map(|l| l.expose().as_str())
        .collect();
    assert_eq!(related, ["ABCDEF"]);
    assert_eq!(
        pnr.non_air[0].products[0].departure_place.as_deref(),
        Some("VANCOUVER ARMS")
    );
    let history = &pnr.history[0];
    assert_eq!(
        history.credit.as_ref().unwrap().office.as_deref(),
        Some("LHRRR")
    );
    assert_eq!(
        history.at.unwrap().date_time(),
        at(2010, 12, 7, 10, 10).unwrap()
    );
    assert_eq!(history.changes.len(), 12);
    assert_eq!(history.changes[0].action, HistoryAction::Cancelled);
    match &history.changes[0].items[..] {
        [HistoryItem::Flight { flight, .. }] => {
            assert_eq!(flight.designator().as_deref(), Some("DL324"));
            assert_eq!(flight.departure_date, Some(date(2010, 12, 10)));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(history.changes[6].action, HistoryAction::Added);
}

#[test]
fn line_wrapped_copies_of_the_guide_example_read_whole() {
    let Some(wrapped) = lenient("loader_pnr1.txt") else {
        return;
    };
    let line_breaks = wrapped
        .warnings
        .iter()
        .filter(|w| w.kind == WarningKind::Repaired(Repair::LineBreak))
        .map(|w| (w.segment, w.tag.as_str()))
        .collect::<Vec<_>>();
    assert_eq!(
        line_breaks,
        [
            (14, "ADD"),
            (18, "IFT"),
            (21, "SSR"),
            (28, "IFT"),
            (31, "IFT"),
            (41, "IFT")
        ]
    );
    let pnr = by_locator(&wrapped, "MFN4TI");
    let address = pnr.contacts[1].address.as_ref().unwrap().expose();
    assert_eq!(address.lines, ["45 HIGHSTREET"]);
    assert_eq!(address.postal_code.as_deref(), Some("SL1AA"));
    assert_eq!(
        pnr.contacts[1].phone.as_ref().unwrap().expose(),
        "00441753637285"
    );
    let passport = pnr.travellers[0].passport().unwrap();
    assert_eq!(passport.surname.as_ref().unwrap().expose(), "SMITHJR");
    assert_eq!(
        pnr.payments[0]
            .sponsor
            .as_ref()
            .unwrap()
            .expose()
            .phone
            .as_deref(),
        Some("7705632891")
    );

    let Some(second) = lenient("loader_pnr2.txt") else {
        return;
    };
    let pnr = by_locator(&second, "23456");
    assert_eq!(
        names(pnr),
        [
            ("WAYNE", Some("JOHN"), Some("MR")),
            ("COOPER", Some("GARY"), Some("MR"))
        ]
    );
    assert_eq!(passport_number(pnr, 1), "987654321");
    assert_eq!(pnr.payments[1].vendor.as_deref(), Some("DC"));
    let agency = pnr.agency.as_ref().unwrap();
    assert_eq!(agency.agency_number.as_deref(), Some("12345678"));
    assert_eq!(agency.originator_type.as_deref(), Some("T"));
    // The name change of the history: JON cancelled, JOHN added.
    let changes: Vec<_> = pnr.history[0]
        .changes
        .iter()
        .map(|c| match &c.items[..] {
            [HistoryItem::Name { given_name, .. }] => (
                c.action.clone(),
                given_name.as_ref().unwrap().expose().clone(),
            ),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        changes,
        [
            (HistoryAction::Cancelled, "JONMR".to_owned()),
            (HistoryAction::Added, "JOHNMR".to_owned())
        ]
    );
}

#[test]
fn two_pnrs_basic_and_the_check_in_found_by_name() {
    let Some(interchange) = lenient("loader_2_pnrs_basic.edi") else {
        return;
    };
    let locators: Vec<_> = pnrs(&interchange)
        .iter()
        .map(|p| p.record_locator.expose().as_str())
        .collect();
    assert_eq!(locators, ["MFN4TI", "23456"]);
    let second = by_locator(&interchange, "23456");
    assert_eq!(second.reservation_system.as_deref(), Some("1A"));
    // TRI names reference 1, the TIF after it COOPER (reference 2): the TIF wins.
    let cooper = second.itinerary[0].traveller("2").unwrap();
    assert_eq!(cooper.status, TravelStatus::CheckedIn);
    assert_eq!(cooper.seat.as_ref().unwrap().number, "15A");
    assert_eq!(seats(second, 0), [Some("17A"), Some("15A")]);
    assert_eq!(
        second.itinerary[0].status.as_ref().unwrap().code.as_deref(),
        Some("HK")
    );
    let address = second.contacts[0].address.as_ref().unwrap().expose();
    assert_eq!(address.lines, ["351 LANDSDOWN ROAD"]);
    assert_eq!(address.postal_code.as_deref(), Some("SL1AA"));
}

#[test]
fn three_pnrs_with_infant_group_and_history() {
    let Some(interchange) = lenient("loader_3_pnrs.edi") else {
        return;
    };
    assert_eq!(
        only_message(&interchange).header.reference,
        "00102181551362"
    );
    assert_eq!(pnrs(&interchange).len(), 3);

    let first = by_locator(&interchange, "W9TEND");
    assert_eq!(
        first.created.unwrap().date_time(),
        NaiveDate::from_ymd_opt(2013, 5, 23)
            .unwrap()
            .and_hms_opt(18, 13, 48)
            .unwrap()
    );
    assert_eq!(
        names(first),
        [("VANDENBERG", Some("KEVINMICHAEL"), Some("MR"))]
    );
    assert_eq!(passport_number(first, 0), "548721687");
    assert_eq!(born(first, 0), date(1980, 7, 4));
    assert_eq!(first.travellers[0].fares[0].age, Some(32));
    assert_eq!(first.payments[0].form, PaymentForm::Cash);
    assert_eq!(first.payments[0].amount.unwrap().to_f64(), 1999.99);
    let phones: Vec<_> = first
        .contacts
        .iter()
        .map(|c| (&c.purpose, c.phone.as_ref().unwrap().expose().as_str()))
        .collect();
    assert_eq!(
        phones,
        [
            (&ContactPurpose::Home, "5555555555"),
            (&ContactPurpose::Business, "1 555 555 5555")
        ]
    );
    assert_eq!(first.history.len(), 3);
    assert_eq!(first.history[2].changes[0].action, HistoryAction::Added);
    match &first.history[2].changes[0].items[..] {
        [HistoryItem::Text { text, .. }] => assert_eq!(text.expose(), "P CA 1 173 63 SGD"),
        other => panic!("{other:?}"),
    }

    let dye = by_locator(&interchange, "D1RGHI");
    assert_eq!(
        names(dye),
        [
            ("DYE", Some("DOLAN"), Some("MR")),
            ("DYE", Some("KAYLA"), Some("MS")),
            ("DYE", Some("ARCHER"), None)
        ]
    );
    let archer = &dye.travellers[2];
    assert_eq!(archer.kind, PassengerKind::Infant);
    assert_eq!(archer.accompanied_by.as_deref(), Some("43578"));
    assert!(dye.travellers[1].with_infant);
    assert_eq!(passport_number(dye, 2), "654321987");
    assert_eq!(archer.sex(), Some(Sex::Male));
    assert_eq!(born(dye, 2), date(2012, 4, 15));
    let destination = dye.travellers[0].addresses[0].address.expose();
    assert_eq!(destination.city.as_deref(), Some("BROADBEACH"));
    assert_eq!(
        dye.travellers[0].frequent_flyers[0].number.expose(),
        "438QZ99"
    );
    assert_eq!(
        legs(dye).iter().map(|l| l.0.as_str()).collect::<Vec<_>>(),
        ["BA0011", "TZ0006", "TZ0005", "BA0012"]
    );
    assert_eq!(seats(dye, 1), [Some("54A"), Some("54B"), None]);
    let infant_ticket = dye
        .tickets
        .iter()
        .find(|t| t.traveller_ref.as_deref() == Some("43578I") && t.source == TicketSource::Tkne)
        .unwrap();
    assert_eq!(
        infant_ticket.number.as_ref().unwrap().expose(),
        "9631270001236"
    );
    assert_eq!(infant_ticket.coupons.len(), 2);
    assert!(infant_ticket.coupons[0].infant);
    assert_eq!(dye.trip_type(), Some(TripType::Return));

    let group = by_locator(&interchange, "GBFKSK");
    assert_eq!(
        group.group_name.as_ref().unwrap().expose(),
        "ACME TEAM PARTY"
    );
    assert_eq!(group.travellers.len(), 9);
    assert_eq!(group.traveller_count(), 9);
    assert_eq!(
        group.itinerary[0].status.as_ref().unwrap().quantity,
        Some(9)
    );
    assert_eq!(group.history[0].changes[0].action, HistoryAction::Changed);
}

#[test]
fn adult_and_infant_with_electronic_tickets() {
    let Some(interchange) = lenient("loader_adult_and_infant.edi") else {
        return;
    };
    let pnr = by_locator(&interchange, "XXXYET");
    assert_eq!(
        names(pnr),
        [
            ("TESTSURNAMEONE", Some("TESTNAMEONE"), Some("MRS")),
            ("TESTSURNAMETWO", Some("TESTNAMETWO"), None)
        ]
    );
    let (adult, infant) = (&pnr.travellers[0], &pnr.travellers[1]);
    assert_eq!(adult.reference.as_deref(), Some("1.1"));
    assert_eq!(infant.accompanied_by.as_deref(), Some("1.1"));
    assert_eq!(passport_number(pnr, 0), "52263000");
    // The infant's DOCS came in the adult's group (sex FI).
    assert_eq!(passport_number(pnr, 1), "AO234000");
    assert_eq!(born(pnr, 1), date(2011, 8, 10));
    assert_eq!(adult.documents.len(), 1);
    let infant_request = adult.infant.as_ref().unwrap();
    assert_eq!(
        infant_request.surname.as_ref().unwrap().expose(),
        "TESTSURNAMETWO"
    );

    assert_eq!(ticket_numbers(pnr), ["1392178947000", "1392178947000"]);
    let owners: Vec<_> = pnr
        .tickets
        .iter()
        .map(|t| {
            (
                t.traveller_ref.as_deref(),
                t.coupons.iter().all(|c| c.infant),
            )
        })
        .collect();
    assert_eq!(owners, [(Some("1.1"), false), (Some("2.1"), true)]);
    let coupons: Vec<_> = pnr.tickets[0]
        .coupons
        .iter()
        .map(|c| (c.number, c.itinerary))
        .collect();
    assert_eq!(coupons, [(Some(2), Some(1)), (Some(3), Some(2))]);
    assert_eq!(
        legs(pnr),
        [
            ("AM709".to_owned(), "BOG", "MEX", at(2013, 5, 15, 1, 5)),
            ("AM445".to_owned(), "MEX", "CUN", at(2013, 5, 19, 15, 0)),
            ("AM718".to_owned(), "CUN", "BOG", at(2013, 5, 23, 1, 35))
        ]
    );
    assert_eq!(
        pnr.itinerary[0].status.as_ref().unwrap().status,
        SegmentStatus::Confirmed
    );
    assert_eq!(pnr.trip_type(), Some(TripType::Return));
    let others: Vec<_> = pnr
        .remarks
        .iter()
        .filter(|r| r.code.as_deref() == Some("OTHS"))
        .collect();
    assert_eq!(others.len(), 3);
}

#[test]
fn codeshare_with_repaired_service_string_advice() {
    let Some(interchange) = lenient("loader_codeshare.edi") else {
        return;
    };
    assert_eq!(
        envelope(&interchange)[0],
        (
            0,
            "UNA",
            &WarningKind::Repaired(Repair::ServiceStringAdvice)
        )
    );
    let park = by_locator(&interchange, "2LS6KP");
    assert_eq!(park.other_locators[0].locator.expose(), "EDP2RW");
    assert_eq!(names(park), [("PARK", Some("SEJOON"), Some("MR"))]);
    assert_eq!(passport_number(park, 0), "JR3364288");
    assert_eq!(born(park, 0), date(1972, 9, 10));
    let segment = &park.itinerary[0];
    assert!(segment.is_codeshare());
    assert_eq!(segment.flight.marketing_carrier.as_deref(), Some("KE"));
    assert_eq!(segment.flight.operating_carrier.as_deref(), Some("SQ"));
    let operating = segment.operating.as_ref().unwrap();
    assert_eq!(
        (
            operating.carrier.as_deref(),
            operating.flight_number.as_deref()
        ),
        (Some("SQ"), Some("303"))
    );
    let checked = segment.traveller("1").unwrap();
    assert_eq!(
        checked.check_in.as_ref().unwrap().sequence.as_deref(),
        Some("ICN-188")
    );
    assert_eq!(checked.seat.as_ref().unwrap().number, "39G");
    let bags = checked.bags.as_ref().unwrap();
    assert_eq!((bags.pieces, bags.weight_kg()), (Some(2), Some(34.0)));
    assert_eq!(bags.pool, Some(BagPool::MemberOfPool(None)));
    assert_eq!(bags.tags[0].number.expose(), "1026000001");

    let kim = by_locator(&interchange, "X49V9U");
    assert_eq!(names(kim), [("KIM", Some("KONG CHUN"), Some("MRS"))]);
    let operating = kim.itinerary[0].operating.as_ref().unwrap();
    assert_eq!(operating.flight_number.as_deref(), Some("752"));
    assert_eq!(
        kim.itinerary[0].flight.marketing_carrier.as_deref(),
        Some("OZ")
    );
}

#[test]
fn infant_on_an_adult_with_pooled_bags() {
    let Some(interchange) = lenient("loader_infant.edi") else {
        return;
    };
    let pnr = by_locator(&interchange, "3PGZOV");
    assert_eq!(
        names(pnr),
        [
            ("BELT", Some("ISABELLE"), Some("MRS")),
            ("BELT", Some("SOPHY"), None)
        ]
    );
    assert_eq!(pnr.travellers[1].accompanied_by.as_deref(), Some("2"));
    assert_eq!(passport_number(pnr, 0), "509229987");
    assert_eq!(passport_number(pnr, 1), "512731999");
    assert_eq!(born(pnr, 1), date(2012, 9, 20));
    assert_eq!(pnr.travellers[1].sex(), Some(Sex::Female));
    let segment = &pnr.itinerary[0];
    let sophy = segment.traveller("3").unwrap();
    assert_eq!(
        sophy.check_in.as_ref().unwrap().sequence.as_deref(),
        Some("SIN-169")
    );
    let bags = segment.traveller("2").unwrap().bags.as_ref().unwrap();
    assert_eq!(
        (bags.pieces, bags.unit.clone()),
        (Some(3), Some(WeightUnit::Kilograms))
    );
    assert!(matches!(bags.pool, Some(BagPool::HeadOfPool(_))));
    assert_eq!(bags.tags[1].number.expose(), "0123456788");
    // The third tag's count reads 722356: not a number of bags, left out.
    assert_eq!(bags.tags[2].consecutive, None);
    assert_eq!(
        pnr.warnings[0].kind,
        WarningKind::InvalidValue {
            element: 7,
            component: 3,
            name: "consecutive bag tags"
        }
    );
    assert!(pnr.history_text.len() > 20);
}

#[test]
fn multiple_flight_legs_with_codeshares_and_bags() {
    let Some(interchange) = lenient("loader_multiple_flight_leg_pnr.txt") else {
        return;
    };
    let pnr = by_locator(&interchange, "80F4E3");
    assert_eq!(
        legs(pnr)
            .iter()
            .map(|l| (l.0.as_str(), l.1, l.2))
            .collect::<Vec<_>>(),
        [
            ("UA989", "IAD", "FRA"),
            ("UA8749", "FRA", "KWI"),
            ("UA8750", "KWI", "FRA"),
            ("UA988", "FRA", "IAD")
        ]
    );
    let operating = pnr.itinerary[1].operating.as_ref().unwrap();
    assert_eq!(
        (
            operating.carrier.as_deref(),
            operating.flight_number.as_deref()
        ),
        (Some("LH"), Some("624"))
    );
    let bags = pnr.itinerary[0]
        .traveller("1")
        .unwrap()
        .bags
        .as_ref()
        .unwrap();
    assert_eq!(
        (bags.pieces, bags.unit.clone()),
        (Some(1), Some(WeightUnit::Pounds))
    );
    assert_eq!(bags.weight.unwrap().to_f64(), 37.0);
    assert_eq!(bags.tags[0].number.expose(), "0683");
    assert_eq!(bags.destination(), Some("KWI"));
    assert_eq!(seats(pnr, 3), [Some("26K"), Some("43E")]);
    assert_eq!(pnr.trip_type(), Some(TripType::Return));
    assert_eq!(
        pnr.contacts[1].email.as_ref().unwrap().expose(),
        "STACY_CHENNAPRAGADA@GMAIL.COM"
    );
}

#[test]
fn three_pnrs_without_history() {
    let Some(interchange) = lenient("loader_no_pnr_history.edi") else {
        return;
    };
    let all = pnrs(&interchange);
    assert_eq!(all.len(), 3);
    assert!(all.iter().all(|p| p.history.is_empty()));
    let jacks = by_locator(&interchange, "3MZVP2");
    assert_eq!(born(jacks, 0), date(1966, 4, 21));
    assert_eq!(
        jacks.itinerary[0].flight.designator().as_deref(),
        Some("AC9099")
    );
    let operating = jacks.itinerary[0].operating.as_ref().unwrap();
    assert_eq!(operating.flight_number.as_deref(), Some("474"));
    let carrera = by_locator(&interchange, "33O6DK");
    assert_eq!(passport_number(carrera, 0), "YA0196755");
    assert_eq!(carrera.tickets[0].booklets, Some(5));
    assert_eq!(carrera.tickets[0].issued().unwrap().date, date(2013, 5, 10));
    assert_eq!(
        carrera.itinerary[0]
            .operating
            .as_ref()
            .unwrap()
            .carrier
            .as_deref(),
        Some("EN")
    );
    let two = by_locator(&interchange, "35K2IO");
    assert_eq!(
        names(two),
        [
            ("DORON", Some("NINA"), Some("MS")),
            ("LENDROT", Some("CHARLOTTE"), Some("MS"))
        ]
    );
    assert_eq!(ticket_numbers(two), ["3204694511", "3204694509"]);
}

#[test]
fn four_travellers_codeshare_and_electronic_ticket() {
    let Some(interchange) = lenient("loader_pnr3.txt") else {
        return;
    };
    let pnr = by_locator(&interchange, "52865E");
    assert_eq!(
        names(pnr),
        [
            ("DOOLIN", Some("PETER"), None),
            ("CHISOLM", Some("MERLE"), None),
            ("WOO", Some("FEN"), None),
            ("FENWICK", Some("ABBY"), None)
        ]
    );
    assert_eq!(passport_number(pnr, 3), "422615487");
    assert_eq!(pnr.travellers[0].nationality(), Some("PAK"));
    assert_eq!(
        seats(pnr, 2),
        [Some("48D"), Some("62J"), Some("73E"), Some("56D")]
    );
    assert!(pnr.tickets[0].electronic);
    assert_eq!(
        pnr.tickets[0].number.as_ref().unwrap().expose(),
        "55890050196026"
    );
    assert_eq!(pnr.payments[0].vendor.as_deref(), Some("MA"));
    assert_eq!(pnr.trip_type(), Some(TripType::MultiCity));
}

#[test]
fn one_traveller_return_with_one_bag() {
    let Some(interchange) = lenient("loader_pnr4.txt") else {
        return;
    };
    let pnr = by_locator(&interchange, "0995F0");
    assert_eq!(names(pnr), [("RAVAL", Some("CHRISTOPHER"), None)]);
    assert_eq!(passport_number(pnr, 0), "117557052");
    let on_board = pnr.itinerary[0].traveller("1").unwrap();
    assert_eq!(on_board.seat.as_ref().unwrap().number, "48E");
    let bags = on_board.bags.as_ref().unwrap();
    assert_eq!((bags.pieces, bags.weight.unwrap().units), (Some(1), 26));
    assert_eq!(bags.destination(), Some("IAD"));
    assert_eq!(pnr.trip_type(), Some(TripType::Return));
}

#[test]
fn message_example_in_both_copies() {
    for name in ["pnrMessageExample.txt", "loader_pnrMessageExample.txt"] {
        let Some(interchange) = lenient(name) else {
            return;
        };
        let pnr = by_locator(&interchange, "7C789A");
        assert_eq!(pnr.travellers.len(), 5);
        assert_eq!(pnr.travellers[4].surname.expose(), "HABTE");
        assert_eq!(pnr.travellers[4].title.as_deref(), Some("MRS"));
        assert_eq!(passport_number(pnr, 0), "796428965");
        assert_eq!(born(pnr, 0), date(1954, 8, 13));
        assert_eq!(
            seats(pnr, 2),
            [
                Some("22C"),
                Some("21H"),
                Some("1A"),
                Some("24H"),
                Some("33J")
            ]
        );
        let habte = pnr.itinerary[0]
            .traveller("5")
            .unwrap()
            .bags
            .as_ref()
            .unwrap();
        assert_eq!((habte.pieces, habte.weight.unwrap().units), (Some(4), 24));
        assert_eq!(habte.tags.len(), 4);
        let forms: Vec<_> = pnr.payments.iter().map(|p| &p.form).collect();
        assert_eq!(
            forms,
            [
                &PaymentForm::Card,
                &PaymentForm::Card,
                &PaymentForm::Card,
                &PaymentForm::Cash,
                &PaymentForm::Card
            ]
        );
        assert_eq!(pnr.payments[0].vendor.as_deref(), Some("AX"));
        assert_eq!(ticket_numbers(pnr)[3], "47430047430047");
    }
}

#[test]
fn split_pnr_names_its_related_locator() {
    let Some(interchange) = lenient("loader_pnr_split.edi") else {
        return;
    };
    let first = by_locator(&interchange, "ICOXXX");
    assert!(!first.is_split());
    assert_eq!(
        names(first),
        [
            ("TESTSURNAMEONE", Some("TESTNAMEONE"), Some("MRS")),
            ("TESTSURNAMEONE", Some("TESTNAMETWO"), Some("MR"))
        ]
    );
    // Seats in free text (`.03BN03AN`), given in the order of the travellers.
    assert_eq!(seats(first, 0), [Some("3B"), Some("3A")]);
    assert_eq!(first.contacts[3].purpose, ContactPurpose::Home);
    assert_eq!(first.tickets[1].traveller_ref.as_deref(), Some("2.1"));

    let second = by_locator(&interchange, "BJOXXX");
    assert!(second.is_split());
    assert_eq!(second.splits[0].travellers, Some(1));
    let related = &second.splits[0].related[0];
    assert_eq!(related.locator.expose(), "ZLMXXX");
    assert_eq!(related.system.as_deref(), Some("AM"));
    assert_eq!(passport_number(second, 0), "AO589000");
    assert_eq!(second.contacts[1].purpose, ContactPurpose::TravelAgency);
    assert_eq!(
        second.tickets[0].number.as_ref().unwrap().expose(),
        "1393534576000"
    );
}

#[test]
fn codeshare_through_tra_and_through_a_flight_number_tvl() {
    let Some(interchange) = lenient("modifyPnr77ForCodeShare.txt") else {
        return;
    };
    assert_eq!(
        envelope(&interchange).last().unwrap(),
        &(61, "UNZ", &WarningKind::Repaired(Repair::MissingTerminator))
    );
    let pnr = by_locator(&interchange, "W9TEND");
    let codeshares: Vec<_> = pnr
        .itinerary
        .iter()
        .filter(|s| s.is_codeshare())
        .map(|s| {
            let operating = s.operating.as_ref().unwrap();
            (
                s.flight.designator().unwrap(),
                operating.carrier.clone().unwrap(),
                operating.flight_number.clone().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        codeshares,
        [
            ("SQ5678".to_owned(), "SK".to_owned(), "1524".to_owned()),
            ("DL8976".to_owned(), "KL".to_owned(), "972".to_owned())
        ]
    );
    assert_eq!(
        pnr.warnings[0].kind,
        WarningKind::InvalidValue {
            element: 1,
            component: 4,
            name: "arrival time"
        }
    );
}

#[test]
fn phones_given_as_ctcm_in_three_ways() {
    let Some(add) = lenient("pnrAddressPhoneCTCM.txt") else {
        return;
    };
    let pnr = by_locator(&add, "7C789A");
    let mobile = &pnr.contacts[1];
    assert_eq!(mobile.purpose, ContactPurpose::Mobile);
    assert_eq!(mobile.phone.as_ref().unwrap().expose(), "5432109876");
    assert_eq!(mobile.carrier.as_deref(), Some("EK"));
    assert_eq!(mobile.address_kind.as_deref(), Some("700"));
    assert_eq!(
        pnr.contacts[2].email.as_ref().unwrap().expose(),
        "MOLLY_LONT+50BB@GMAIL.COM"
    );

    for name in ["pnrPhoneCTCM.txt", "pnrPhoneCTC_M.txt"] {
        let Some(interchange) = lenient(name) else {
            return;
        };
        let pnr = by_locator(&interchange, "7C789A");
        let mobile = pnr
            .contacts
            .iter()
            .find(|c| c.purpose == ContactPurpose::Mobile)
            .unwrap();
        assert_eq!(
            mobile.phone.as_ref().unwrap().expose(),
            "123456789",
            "{name}"
        );
        assert_eq!(mobile.carrier.as_deref(), Some("YY"));
        assert_eq!(mobile.traveller_ref.as_deref(), Some("1"));
    }
}

/// The decision documented in `pnrgov`: envelope defects are warnings (counts enforced, the
/// stale UNT count alone is an error) and the PNR is kept.
#[test]
fn bad_format_is_read_best_effort_with_every_defect_named() {
    let Some(input) = fixture("pnrBadFormat.txt") else {
        return;
    };
    let strict = pnrgov::parse_interchange(&input).unwrap();
    assert_eq!(
        strict.messages[0].as_ref().unwrap_err().error.rule,
        Rule::SegmentCount {
            declared: 173,
            actual: 24
        }
    );
    let interchange = pnrgov::parse_interchange_with(&input, LENIENT).unwrap();
    assert_eq!(
        envelope(&interchange),
        [
            (3, "UNH", &WarningKind::Repaired(Repair::LineBreak)),
            (
                26,
                "UNT",
                &WarningKind::ControlCount(Rule::SegmentCount {
                    declared: 173,
                    actual: 24
                })
            ),
            (28, "UNZ", &WarningKind::Repaired(Repair::MissingTerminator)),
            (28, "UNZ", &WarningKind::TrailingData { characters: 43 }),
        ]
    );
    let message = only_message(&interchange);
    assert_eq!(
        message.header.common_access_reference.as_deref(),
        Some("AUTZ000623052013221001SIN20130528")
    );
    assert_eq!(interchange.groups[0].message_group, "PNRGOV");
    let pnr = by_locator(&interchange, "35K2IO");
    assert_eq!(
        names(pnr),
        [
            ("DORON", Some("NINA"), Some("MS")),
            ("LENDROT", Some("CHARLOTTE"), Some("MS"))
        ]
    );
    assert_eq!(born(pnr, 0), date(1953, 2, 5));
    assert_eq!(ticket_numbers(pnr), ["3204694511", "3204694509"]);
    assert_eq!(
        pnr.itinerary[0].flight.designator().as_deref(),
        Some("LH474")
    );

    let Some(same) = lenient("pnrMessagePg76.txt") else {
        return;
    };
    assert_eq!(pnrs(&same), pnrs(&interchange));
    assert!(
        same.warnings
            .iter()
            .all(|w| !matches!(w.kind, WarningKind::TrailingData { .. }))
    );
}

#[test]
fn edge_email_with_a_released_plus() {
    let Some(interchange) = lenient("pnrEdge.txt") else {
        return;
    };
    let pnr = by_locator(&interchange, "7C789A");
    assert_eq!(
        pnr.contacts[1].email.as_ref().unwrap().expose(),
        "MOLLY_LOUUNT+50BB@GMAIL.COM"
    );
    let address = pnr.contacts[0].address.as_ref().unwrap().expose();
    assert_eq!(address.city.as_deref(), Some("RIO DE JANEIRO"));
    assert_eq!(address.country.as_deref(), Some("BR"));
    assert_eq!(pnr.contacts[0].phone.as_ref().unwrap().expose(), "8675309");
    assert!(pnr.itinerary.is_empty());
    assert_eq!(pnr.created.unwrap().date, date(2018, 8, 23));
}

#[test]
fn guide_page_75_with_typographic_terminators() {
    let Some(interchange) = lenient("pnrMessagePg75.txt") else {
        return;
    };
    let repaired: Vec<_> = interchange
        .warnings
        .iter()
        .filter(|w| w.kind == WarningKind::Repaired(Repair::TypographicTerminator))
        .map(|w| (w.segment, w.tag.as_str()))
        .collect();
    assert_eq!(repaired, [(15, "SSR"), (36, "RCI"), (48, "RCI")]);
    let park = by_locator(&interchange, "2LS6KP");
    // The same passport twice, in Gr.2 and Gr.5, once with two-letter country codes.
    let countries: Vec<_> = park.travellers[0]
        .documents
        .iter()
        .map(|d| d.issuing_country.as_deref())
        .collect();
    assert_eq!(countries, [Some("KR"), Some("KOR")]);
    assert_eq!(
        park.itinerary[0]
            .traveller("1")
            .unwrap()
            .seat
            .as_ref()
            .unwrap()
            .number,
        "39G"
    );
    // In the second PNR a terminator is missing before its TIF: the sample loses the traveller,
    // her FTI and REF are out of place, and her DOCS are kept as remarks.
    let kim = by_locator(&interchange, "X49V9U");
    assert!(kim.travellers.is_empty());
    assert_eq!(kim.warnings[0].tag, "FTI");
    let docs: Vec<_> = kim
        .remarks
        .iter()
        .filter(|r| r.code.as_deref() == Some("DOCS"))
        .collect();
    assert_eq!(docs.len(), 2);
    assert!(
        docs[0]
            .text
            .as_ref()
            .unwrap()
            .expose()
            .contains("M17072944")
    );
}

#[test]
fn guide_page_77_history_of_a_paid_booking() {
    let Some(interchange) = lenient("pnrMessagePg77.txt") else {
        return;
    };
    let pnr = by_locator(&interchange, "W9TEND");
    let passport = pnr.travellers[0].passport().unwrap();
    // `VANDENBE⏎RG` was wrapped inside the DOCS.
    assert_eq!(passport.surname.as_ref().unwrap().expose(), "VANDENBERG");
    assert_eq!(pnr.tickets[0].taxes.len(), 8);
    assert_eq!(pnr.payments[0].form, PaymentForm::Cash);
    assert_eq!(pnr.history.len(), 3);
    let credit = pnr.history[0].credit.as_ref().unwrap();
    assert_eq!(credit.company.as_deref(), Some("TZ"));
    assert_eq!(
        pnr.history[0].at.unwrap().date_time(),
        at(2013, 5, 23, 18, 13).unwrap()
    );
}

#[test]
fn no_msg_and_no_org_are_warnings() {
    let Some(interchange) = lenient("pnrNoOrgMsg.txt") else {
        return;
    };
    let message = only_message(&interchange);
    assert_eq!(
        (message.push.as_ref(), message.sender.as_ref()),
        (None, None)
    );
    let missing: Vec<_> = message.warnings.iter().map(|w| &w.kind).collect();
    assert_eq!(
        missing,
        [
            &WarningKind::MissingSegment { tag: "MSG" },
            &WarningKind::MissingSegment { tag: "ORG" }
        ]
    );
    assert_eq!(message.flight.designator().as_deref(), Some("UA988"));
    let pnr = by_locator(&interchange, "7C789A");
    assert_eq!(
        pnr.contacts[1].phone.as_ref().unwrap().expose(),
        "5432109876"
    );
}

#[test]
fn seat_formats() {
    let Some(interchange) = lenient("pnrSeatFormats.txt") else {
        return;
    };
    let pnr = by_locator(&interchange, "7C789A");
    let seat = pnr.itinerary[0]
        .traveller("1")
        .unwrap()
        .seat
        .as_ref()
        .unwrap();
    assert_eq!(
        (seat.number.as_str(), &seat.source),
        ("36K", &SeatSource::Request("SEAT".to_owned()))
    );
    // NSST for SFO-IAD, a segment the itinerary does not hold; `074E` loses its zero.
    let request = &pnr.seat_requests[0];
    assert_eq!(
        (
            request.board.as_deref(),
            request.off.as_deref(),
            request.seat.number.as_str()
        ),
        (Some("SFO"), Some("IAD"), "74E")
    );
    assert_eq!(request.seat.source, SeatSource::Request("NSST".to_owned()));
    assert_eq!(passport_number(pnr, 0), "796428965");
}

#[test]
fn with_bags_a_whole_flight() {
    let Some(interchange) = lenient("pnrWithBags.txt") else {
        return;
    };
    let message = only_message(&interchange);
    assert_eq!(
        message.warnings[0].kind,
        WarningKind::PnrCount {
            declared: 1,
            actual: 127
        }
    );
    let all = pnrs(&interchange);
    assert_eq!(all.len(), 127);
    assert_eq!(all[0].record_locator.expose(), "157313");
    assert_eq!(all[126].record_locator.expose(), "12DA32");
    assert_eq!(all.iter().map(|p| p.travellers.len()).sum::<usize>(), 268);
    let pieces: u32 = all
        .iter()
        .flat_map(|p| &p.itinerary)
        .flat_map(|s| &s.travellers)
        .filter_map(|t| t.bags.as_ref()?.pieces)
        .sum();
    assert_eq!(pieces, 864);
    assert!(all.iter().all(|p| p.warnings.is_empty()));

    let pnr = by_locator(&interchange, "FB279A");
    assert_eq!(pnr.travellers[1].surname.expose(), "NIELSEN");
    let bags = pnr.itinerary[0]
        .traveller("2")
        .unwrap()
        .bags
        .as_ref()
        .unwrap();
    assert_eq!((bags.pieces, bags.weight.unwrap().units), (Some(5), 37));
    let tags: Vec<_> = bags
        .tags
        .iter()
        .map(|t| t.number.expose().as_str())
        .collect();
    assert_eq!(tags, ["0856", "0857", "0858", "0859", "0860"]);
    let forms: Vec<_> = pnr.payments.iter().map(|p| &p.form).collect();
    assert_eq!(
        forms[1..3],
        [&PaymentForm::Miscellaneous, &PaymentForm::Cash]
    );
    assert_eq!(passport_number(pnr, 3), "19909337");
}

#[test]
fn doco_visa_of_a_passenger() {
    let Some(interchange) = lenient("pnrWithDoco.txt") else {
        return;
    };
    let pnr = by_locator(&interchange, "06A9FD");
    let charles = &pnr.travellers[0];
    assert_eq!(passport_number(pnr, 0), "602120901");
    assert_eq!(born(pnr, 0), date(1948, 12, 26));
    let visa = charles
        .documents
        .iter()
        .find(|d| d.source == pnrgov::DocumentSource::Doco)
        .unwrap();
    assert_eq!(visa.kind.as_deref(), Some("V"));
    assert_eq!(visa.number.as_ref().unwrap().expose(), "8675309");
    assert_eq!(visa.place_of_birth.as_ref().unwrap().expose(), "HERE VA");
    assert_eq!(visa.place_of_issue.as_deref(), Some("OTHER PLACE"));
    assert_eq!(visa.issue_date, Some(date(2006, 12, 22)));
    assert_eq!(visa.applicable_country.as_deref(), Some("LI"));
    // The DOCO names traveller 002, the PNR only has 1: said, and given to the only traveller.
    assert_eq!(
        pnr.warnings[0].kind,
        WarningKind::UnknownTraveller { element: 2 }
    );
    assert_eq!(seats(pnr, 2), [Some("23K")]);
    assert_eq!(pnr.payments[0].amount.unwrap().to_f64(), 250.0);
}

#[test]
fn titles_split_off_and_booking_detail_bags() {
    let Some(interchange) = lenient("pnrWithPrefixesAndBookingDetailBags.txt") else {
        return;
    };
    let pnr = by_locator(&interchange, "8A4E83");
    assert_eq!(
        names(pnr),
        [
            ("ADONAY", Some("YORDA"), Some("MRS")),
            ("PETROS", Some("FNAN"), Some("MRS"))
        ]
    );
    // The passport keeps the name as the DOCS sends it.
    let passport = pnr.travellers[0].passport().unwrap();
    assert_eq!(
        passport.given_names.as_ref().unwrap().expose(),
        "YORDAMRS KISANET"
    );
    let weights: Vec<_> = pnr.itinerary[0]
        .travellers
        .iter()
        .map(|t| t.bags.as_ref().unwrap().weight.unwrap().units)
        .collect();
    assert_eq!(weights, [40, 33]);
    let tag = &pnr.itinerary[0].travellers[1].bags.as_ref().unwrap().tags[0];
    assert_eq!(
        (
            tag.number.expose().as_str(),
            tag.destination.as_deref(),
            tag.issuer_code.as_deref()
        ),
        ("0509", Some("KWI"), Some("006"))
    );
    assert_eq!(seats(pnr, 3), [Some("8A"), Some("6C")]);
    assert_eq!(pnr.itinerary[2].travellers[1].status, TravelStatus::Unknown);
}

#[test]
fn big_message_of_seven_travellers() {
    let Some(interchange) = lenient("bigMessagePnr.txt") else {
        return;
    };
    let pnr = by_locator(&interchange, "86C92D");
    assert_eq!(pnr.travellers.len(), 7);
    assert_eq!(names(pnr)[6], ("HOU", Some("LI"), Some("MR")));
    assert_eq!(passport_number(pnr, 6), "945329717");
    let michaels = pnr.itinerary[0]
        .traveller("6")
        .unwrap()
        .bags
        .as_ref()
        .unwrap();
    assert_eq!(michaels.pieces, Some(4));
    assert_eq!(pnr.payments[1].vendor.as_deref(), Some("AX"));
    assert_eq!(seats(pnr, 2)[..2], [Some("38E"), Some("39G")]);
}

#[test]
fn big_big_message_of_forty_seven_pnrs() {
    let Some(interchange) = lenient("bigbigPnr.txt") else {
        return;
    };
    let all = pnrs(&interchange);
    assert_eq!(all.len(), 47);
    assert_eq!(all[0].record_locator.expose(), "BGXFR4");
    let last = all[46];
    assert_eq!(last.record_locator.expose(), "RG7B22");
    assert_eq!(
        names(last).iter().map(|n| n.0).collect::<Vec<_>>(),
        ["TWIGG", "FESAHAYE", "BRYAN"]
    );
    assert_eq!(passport_number(last, 0), "815759758");
    assert_eq!(all.iter().map(|p| p.travellers.len()).sum::<usize>(), 86);
    // A Gr.7 TIF with a misspelt surname still finds its traveller by reference.
    let misspelt = by_locator(&interchange, "WOS8ML");
    let jfk_gye = &misspelt.itinerary[1];
    assert_eq!(jfk_gye.flight.designator().as_deref(), Some("XL1439"));
    let lunst = jfk_gye.traveller("1").unwrap();
    assert_eq!(
        lunst.check_in.as_ref().unwrap().sequence.as_deref(),
        Some("34")
    );
    assert_eq!(lunst.seat.as_ref().unwrap().number, "9B");
}

#[test]
fn dangling_meta_character_separators() {
    let Some(interchange) = lenient("danglingMetaCharacter.txt") else {
        return;
    };
    let separators = interchange.separators;
    assert_eq!((separators.element, separators.segment), ('-', '*'));
    let pnr = by_locator(&interchange, "BGXFR4");
    assert_eq!(names(pnr), [("SERIO", Some("REUBEN"), None)]);
    assert_eq!(passport_number(pnr, 0), "9173574");
    assert_eq!(pnr.payments[0].form, PaymentForm::Miscellaneous);
    assert_eq!(pnr.payments[0].amount.unwrap().to_f64(), 100.0);
    // `746-4647`: the element separator, unreleased, splits the OSI into two lines.
    let agency = pnr
        .contacts
        .iter()
        .find(|c| c.purpose == ContactPurpose::TravelAgency)
        .unwrap();
    assert_eq!(
        agency.phone.as_ref().unwrap().expose(),
        "SEA 866 746 4647 CARLSON WAGONLIT TVL"
    );
    let bags = pnr.itinerary[0]
        .traveller("1")
        .unwrap()
        .bags
        .as_ref()
        .unwrap();
    assert_eq!((bags.pieces, bags.weight_kg()), (Some(1), Some(44.0)));
    assert_eq!(bags.tags[0].number.expose(), "48521");
    assert_eq!(seats(pnr, 2), [Some("1A")]);
}
