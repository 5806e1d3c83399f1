//! PAXLST fixtures from GTAS, read from `$GATEHOUSE_FIXTURES/paxlst`.
//!
//! When `CI=true` a missing variable, folder or file fails the test; elsewhere the test returns
//! early. Values asserted here are read from the fixtures, which are not copied into the repo.

use std::path::PathBuf;

use chrono::{NaiveDate, NaiveDateTime};
use gatehouse_formats::edifact::{Transfer, TransferPosition};
use gatehouse_formats::paxlst::{
    self, Interchange, ListKind, PaxlstMessage, ReassemblyError, Sex, StopRole, TravellerRole,
};
use gatehouse_formats::{Rule, WarningKind};

const FIXTURES: [&str; 5] = [
    "apisMessage.txt",
    "loader_Test1.txt",
    "loader_Test3.txt",
    "loader_airline2.edi",
    "loader_multiple_flight_leg_apis.txt",
];

mod fixtures;

use fixtures::{LENIENT, in_ci};

fn fixture_dir() -> Option<PathBuf> {
    fixtures::dir("paxlst")
}

fn fixture(name: &str) -> Option<String> {
    fixtures::text("paxlst", name)
}

// Helpers unwrap like the tests that call them.
#[cfg(test)]
fn only_message(interchange: &Interchange) -> &PaxlstMessage {
    assert_eq!(interchange.messages.len(), 1);
    interchange.messages[0].as_ref().unwrap()
}

#[cfg(test)]
fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

#[cfg(test)]
fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> Option<NaiveDateTime> {
    date(y, m, d).and_hms_opt(h, min, 0)
}

#[cfg(test)]
fn names(message: &PaxlstMessage) -> Vec<(String, Vec<String>)> {
    message
        .travellers
        .iter()
        .map(|t| {
            (
                t.surname.as_ref().unwrap().expose().clone(),
                t.given_names.expose().clone(),
            )
        })
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
        let input = fixture(&name).unwrap();
        let interchange = paxlst::parse_interchange_with(&input, LENIENT).unwrap();
        for message in &interchange.messages {
            assert!(message.is_ok(), "{name}: {message:?}");
        }
        seen.push(name);
    }
    seen.sort_unstable();
    let mut expected = FIXTURES.to_vec();
    expected.sort_unstable();
    assert_eq!(seen, expected);
}

#[test]
fn apis_message_two_legs_two_passengers() {
    let Some(input) = fixture("apisMessage.txt") else {
        return;
    };
    let interchange = paxlst::parse_interchange(&input).unwrap();
    assert!(
        interchange.warnings.is_empty(),
        "{:?}",
        interchange.warnings
    );
    assert_eq!(interchange.header.sender.id, "AIR1");
    assert_eq!(interchange.header.recipient.id, "DHS");
    assert_eq!(interchange.header.control_reference, "000006640");
    assert_eq!(
        interchange.header.prepared,
        at(2007, 2, 18, 15, 45).unwrap()
    );
    assert_eq!(
        interchange.groups[0].version,
        Some(("D".to_owned(), Some("05B".to_owned())))
    );

    let message = only_message(&interchange);
    assert!(message.warnings.is_empty(), "{:?}", message.warnings);
    assert_eq!(message.header.reference, "PAX001");
    assert_eq!(message.list, ListKind::Passengers);
    assert_eq!(message.references[0].qualifier, "TN");
    assert_eq!(message.references[0].value.expose(), "AJYTR1070219");
    let party = message.reporting_party.as_ref().unwrap();
    assert_eq!(party.name.as_ref().unwrap().expose(), "JOHN SMITH");
    let contacts: Vec<_> = party
        .contacts
        .iter()
        .map(|c| (c.number.expose().as_str(), c.channel.as_deref()))
        .collect();
    assert_eq!(
        contacts,
        [("703-555-1212", Some("TE")), ("703-555-4545", Some("FX"))]
    );

    let legs: Vec<_> = message
        .legs
        .iter()
        .map(|leg| {
            let departure = leg.departure().unwrap();
            let arrival = leg.arrival().unwrap();
            (
                leg.flight.carrier.as_deref(),
                leg.flight.number.as_str(),
                departure.airport.as_str(),
                departure.scheduled,
                arrival.airport.as_str(),
                arrival.scheduled,
            )
        })
        .collect();
    assert_eq!(
        legs,
        [
            (
                Some("AA"),
                "123",
                "ATL",
                at(2007, 2, 19, 15, 40),
                "ORD",
                at(2007, 2, 19, 17, 40)
            ),
            (
                Some("AA"),
                "124",
                "ORD",
                at(2007, 2, 19, 18, 40),
                "JFK",
                at(2007, 2, 19, 19, 55)
            ),
        ]
    );
    assert_eq!(message.border_leg().unwrap().flight.designator(), "AA124");

    assert_eq!(
        names(message),
        [
            ("CLARK".to_owned(), vec!["MICHAEL".to_owned()]),
            ("CLARK".to_owned(), vec!["CHERYL".to_owned()]),
        ]
    );
    let michael = &message.travellers[0];
    assert_eq!(michael.role, TravellerRole::Passenger);
    assert_eq!(michael.sex, Some(Sex::Male));
    assert_eq!(
        michael.date_of_birth.as_ref().unwrap().expose(),
        &date(1972, 9, 7)
    );
    assert_eq!(michael.embarkation.as_deref(), Some("ATL"));
    assert_eq!(michael.debarkation.as_deref(), Some("JFK"));
    assert_eq!(michael.booking_reference().unwrap().expose(), "TYR123");
    assert_eq!(michael.reference("ABO").unwrap().expose(), "ABC123");
    assert_eq!(michael.references.len(), 4);
    assert!(michael.documents.is_empty());
    let cheryl = &message.travellers[1];
    assert_eq!(cheryl.sex, Some(Sex::Female));
    assert_eq!(
        cheryl.date_of_birth.as_ref().unwrap().expose(),
        &date(1973, 4, 7)
    );
    assert_eq!(cheryl.embarkation.as_deref(), Some("ORD"));
}

#[test]
fn test1_crew_list_has_a_stale_unt_count() {
    let Some(input) = fixture("loader_Test1.txt") else {
        return;
    };
    let strict = paxlst::parse_interchange(&input).unwrap();
    let error = strict.messages[0].as_ref().unwrap_err();
    assert_eq!(error.error.segment, 109);
    assert_eq!(error.error.tag, "UNT");
    assert_eq!(
        error.error.rule,
        Rule::SegmentCount {
            declared: 152,
            actual: 107
        }
    );

    let interchange = paxlst::parse_interchange_with(&input, LENIENT).unwrap();
    assert_eq!(interchange.header.sender.id, "APIS*C3K");
    let envelope: Vec<_> = interchange
        .warnings
        .iter()
        .map(|w| (w.tag.as_str(), &w.kind))
        .collect();
    assert_eq!(
        envelope,
        [
            (
                "UNT",
                &WarningKind::ControlCount(Rule::SegmentCount {
                    declared: 152,
                    actual: 107
                })
            ),
            ("UNE", &WarningKind::ReferenceMismatch { header: "UNG" }),
            ("UNZ", &WarningKind::ReferenceMismatch { header: "UNB" }),
        ]
    );
    let message = only_message(&interchange);
    assert!(message.warnings.is_empty(), "{:?}", message.warnings);
    assert_eq!(message.list, ListKind::Crew);
    assert_eq!(message.document_identifier.as_deref(), Some("C"));
    assert_eq!(message.crew().count(), 8);
    assert_eq!(message.passengers().count(), 0);
    assert_eq!(message.declared_counts[0].qualifier, "41");
    assert_eq!(message.declared_counts[0].count, 8);

    assert_eq!(message.legs.len(), 1);
    let leg = &message.legs[0];
    assert_eq!(leg.flight.carrier.as_deref(), Some("UA"));
    assert_eq!(leg.flight.number, "0989");
    assert_eq!(leg.departure().unwrap().airport, "FRA");
    assert_eq!(leg.departure().unwrap().scheduled, at(2017, 1, 27, 17, 25));
    assert_eq!(leg.arrival().unwrap().airport, "IAD");
    assert_eq!(leg.arrival().unwrap().scheduled, at(2017, 1, 28, 7, 10));

    let first = &message.travellers[0];
    assert_eq!(first.role, TravellerRole::Crew);
    assert_eq!(
        names(message)[0],
        (
            "Steur".to_owned(),
            vec!["Andrea".to_owned(), "Pat".to_owned()]
        )
    );
    assert_eq!(names(message)[7].0, "Zschieschak");
    assert_eq!(first.sex, Some(Sex::Female));
    assert_eq!(
        first.date_of_birth.as_ref().unwrap().expose(),
        &date(1978, 7, 6)
    );
    assert_eq!(first.clearance_port.as_deref(), Some("IAD"));
    assert_eq!(first.residence_country.as_deref(), Some("GBR"));
    assert_eq!(first.nationality.as_deref(), Some("GBR"));
    assert_eq!(first.birth_place.as_ref().unwrap().expose(), "Hartford USA");
    let passport = &first.documents[0];
    assert_eq!(passport.type_code.as_deref(), Some("P"));
    assert_eq!(passport.number.as_ref().unwrap().expose(), "123456789");
    assert_eq!(passport.expiry, Some(date(2061, 2, 18)));
    assert_eq!(passport.issuing_country.as_deref(), Some("GBR"));
}

#[test]
fn test3_first_part_of_a_large_passenger_list() {
    let Some(input) = fixture("loader_Test3.txt") else {
        return;
    };
    let strict = paxlst::parse_interchange(&input).unwrap();
    let error = strict.messages[0].as_ref().unwrap_err();
    assert_eq!(error.error.tag, "UNT");
    assert_eq!(
        error.error.rule,
        Rule::SegmentCount {
            declared: 99,
            actual: 3131
        }
    );

    let interchange = paxlst::parse_interchange_with(&input, LENIENT).unwrap();
    let message = only_message(&interchange);
    assert_eq!(message.list, ListKind::Passengers);
    assert_eq!(
        message.header.common_access_reference.as_deref(),
        Some("ABC01")
    );
    assert_eq!(
        message.header.transfer,
        Some(Transfer {
            sequence: 1,
            position: Some(TransferPosition::First)
        })
    );
    assert_eq!(message.passengers().count(), 260);
    assert_eq!(message.crew().count(), 0);
    // CNT 41 is the crew total; this feed puts a passenger figure in it.
    assert_eq!(
        message.warnings.iter().map(|w| &w.kind).collect::<Vec<_>>(),
        [&WarningKind::TravellerCount {
            qualifier: "41",
            declared: 206,
            actual: 0
        }]
    );
    let names = names(message);
    assert_eq!(names[0].0, "Kuchel");
    assert_eq!(
        names[259],
        (
            "Pfaffelhuber".to_owned(),
            vec!["Lisa".to_owned(), "Pat".to_owned()]
        )
    );
    let first = &message.travellers[0];
    assert_eq!(
        first.date_of_birth.as_ref().unwrap().expose(),
        &date(1977, 10, 19)
    );
    assert_eq!(
        first.documents[0].number.as_ref().unwrap().expose(),
        "12345678"
    );
    assert_eq!(first.documents[0].expiry, Some(date(2019, 12, 18)));
    assert_eq!(first.documents[0].issuing_country.as_deref(), Some("USA"));
    let last = &message.travellers[259];
    assert_eq!(
        last.date_of_birth.as_ref().unwrap().expose(),
        &date(1978, 7, 5)
    );
    assert_eq!(last.documents[0].expiry, Some(date(2020, 9, 2)));

    assert_eq!(
        paxlst::reassemble([message.clone()]).unwrap_err(),
        ReassemblyError::MissingLastPart { after: 1 }
    );
}

#[test]
fn airline2_custom_separators_and_a_final_part() {
    let Some(input) = fixture("loader_airline2.edi") else {
        return;
    };
    let interchange = paxlst::parse_interchange_with(&input, LENIENT).unwrap();
    assert_eq!(interchange.header.sender.id, "SDT");
    assert_eq!(interchange.groups[0].message_group, "PAXLST");
    assert!(
        interchange
            .warnings
            .iter()
            .any(|w| w.tag == "UNT" && w.kind == WarningKind::ReferenceMismatch { header: "UNH" })
    );
    let message = only_message(&interchange);
    assert_eq!(message.passengers().count(), 10);
    assert_eq!(
        message.warnings.iter().map(|w| &w.kind).collect::<Vec<_>>(),
        [&WarningKind::TravellerCount {
            qualifier: "42",
            declared: 136,
            actual: 10
        }]
    );
    let leg = &message.legs[0];
    assert_eq!(leg.flight.designator(), "TN506");
    assert_eq!(leg.flight.carrier.as_deref(), Some("TN"));
    assert_eq!(leg.departure().unwrap().airport, "BRE");
    assert_eq!(leg.departure().unwrap().scheduled, at(2014, 5, 11, 13, 40));
    assert_eq!(leg.arrival().unwrap().airport, "YEU");
    assert_eq!(leg.arrival().unwrap().scheduled, at(2014, 5, 11, 17, 0));

    let names = names(message);
    assert_eq!(names[0], ("BETTON".to_owned(), vec!["DAVID".to_owned()]));
    assert_eq!(names[9].0, "LOWE");
    let first = &message.travellers[0];
    assert_eq!(
        first.date_of_birth.as_ref().unwrap().expose(),
        &date(1954, 10, 16)
    );
    assert_eq!(first.booking_reference().unwrap().expose(), "QXGYLO");
    assert_eq!(
        first.documents[0].number.as_ref().unwrap().expose(),
        "178556534"
    );
    assert_eq!(first.documents[0].expiry, Some(date(2018, 2, 21)));
    let numbers: Vec<_> = message
        .travellers
        .iter()
        .map(|t| t.documents[0].number.as_ref().unwrap().expose().as_str())
        .collect();
    assert_eq!(numbers[9], "153284238");

    assert_eq!(
        message.header.transfer,
        Some(Transfer {
            sequence: 10,
            position: Some(TransferPosition::Last)
        })
    );
    assert_eq!(
        paxlst::reassemble([message.clone()]).unwrap_err(),
        ReassemblyError::MissingPart { sequence: 1 }
    );
}

#[test]
fn multiple_flight_legs_and_trailing_junk() {
    let Some(input) = fixture("loader_multiple_flight_leg_apis.txt") else {
        return;
    };
    let interchange = paxlst::parse_interchange(&input).unwrap();
    assert_eq!(interchange.header.sender.id, "APIS*ABE");
    assert_eq!(
        interchange
            .warnings
            .iter()
            .map(|w| (w.tag.as_str(), &w.kind))
            .collect::<Vec<_>>(),
        [("UNZ", &WarningKind::TrailingData { characters: 7 })]
    );
    let message = only_message(&interchange);
    assert!(message.warnings.is_empty(), "{:?}", message.warnings);
    let legs: Vec<_> = message
        .legs
        .iter()
        .map(|leg| {
            (
                leg.flight.designator(),
                leg.departure().unwrap().airport.as_str(),
                leg.departure().unwrap().scheduled,
                leg.arrival().unwrap().airport.as_str(),
                leg.arrival().unwrap().scheduled,
            )
        })
        .collect();
    assert_eq!(
        legs,
        [
            (
                "QQ877".to_owned(),
                "MIA",
                at(2008, 7, 10, 15, 0),
                "IAD",
                at(2008, 7, 10, 17, 55)
            ),
            (
                "QQ827".to_owned(),
                "IAD",
                at(2008, 8, 10, 18, 30),
                "JFK",
                at(2008, 8, 10, 19, 30)
            ),
            (
                "QQ827".to_owned(),
                "JFK",
                at(2008, 8, 10, 20, 0),
                "CDG",
                at(2008, 8, 11, 6, 30)
            ),
        ]
    );
    let border = message.border_leg().unwrap();
    assert_eq!(border.segment, message.legs[2].segment);
    assert_eq!(border.stops[0].qualifier, "125");
    assert_eq!(message.legs[0].stops[0].role, StopRole::Departure);
    assert_eq!(message.legs[0].stops[0].qualifier, "92");

    assert_eq!(message.passengers().count(), 2);
    let todd = &message.travellers[0];
    assert_eq!(todd.surname.as_ref().unwrap().expose(), "BARRETT");
    assert_eq!(
        todd.date_of_birth.as_ref().unwrap().expose(),
        &date(1968, 2, 23)
    );
    assert_eq!(todd.nationality.as_deref(), Some("FRA"));
    assert_eq!(
        todd.documents[0].number.as_ref().unwrap().expose(),
        "YY3478621G"
    );
    assert_eq!(todd.documents[0].expiry, Some(date(2008, 12, 30)));
    let kristin = &message.travellers[1];
    assert_eq!(kristin.surname.as_ref().unwrap().expose(), "LANG");
    assert_eq!(
        kristin.date_of_birth.as_ref().unwrap().expose(),
        &date(1960, 6, 6)
    );
    assert_eq!(
        kristin.documents[0].number.as_ref().unwrap().expose(),
        "TRQWE99800"
    );
    assert_eq!(kristin.documents[0].issuing_country.as_deref(), Some("ESP"));
    assert_eq!(kristin.reference("ABO").unwrap().expose(), "ABC124");
}

#[test]
fn parsed_fixtures_never_show_personal_values_in_debug() {
    let Some(input) = fixture("loader_multiple_flight_leg_apis.txt") else {
        return;
    };
    let interchange = paxlst::parse_interchange(&input).unwrap();
    let debug = format!("{interchange:?}");
    for value in [
        "BARRETT",
        "KRISTIN",
        "YY3478621G",
        "1968",
        "GJIO3RT",
        "703-555",
    ] {
        assert!(!debug.contains(value), "{value} leaked");
    }
    assert!(debug.contains("\"827\""), "flight numbers are not personal");
}
