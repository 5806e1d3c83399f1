//! Cargo-IMP fixtures (FWB/17, FFM/8, FHL/5 and refused types), read from
//! `$GATEHOUSE_FIXTURES/cargo-imp`, plus synthetic defects and a no-panic property.
//!
//! When `CI=true` a missing variable, folder or file fails the test; elsewhere the test returns
//! early. Values asserted here are read from the fixtures, which are not copied into the repo.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{NaiveDate, NaiveTime};
use gatehouse_formats::cargo_imp::{
    self, CargoImpError, CargoImpMessage, DayMonth, DeclaredValue, DimensionUnit, EndMarker,
    FlightManifest, HouseManifest, ShipmentDescription, SpecialHandling, VolumeUnit, Waybill,
    WeightUnit,
};
use gatehouse_formats::{Rule, WarningKind};
use proptest::prelude::*;
use proptest::test_runner::Config;

mod fixtures;

fn fixture(name: &str) -> Option<String> {
    fixtures::text("cargo-imp", name)
}

fn all(name: &str) -> Option<Vec<CargoImpMessage>> {
    let text = fixture(name)?;
    Some(
        cargo_imp::parse_many(&text)
            .into_iter()
            .map(|message| message.unwrap_or_else(|e| panic!("{name}: {e}")))
            .collect(),
    )
}

fn waybills(name: &str) -> Option<Vec<Waybill>> {
    Some(
        all(name)?
            .into_iter()
            .map(|m| match m {
                CargoImpMessage::Fwb(w) => *w,
                other => panic!("not an FWB: {other:?}"),
            })
            .collect(),
    )
}

fn manifests(name: &str) -> Option<Vec<FlightManifest>> {
    Some(
        all(name)?
            .into_iter()
            .map(|m| match m {
                CargoImpMessage::Ffm(f) => f,
                other => panic!("not an FFM: {other:?}"),
            })
            .collect(),
    )
}

fn house_manifests(name: &str) -> Option<Vec<HouseManifest>> {
    Some(
        all(name)?
            .into_iter()
            .map(|m| match m {
                CargoImpMessage::Fhl(h) => h,
                other => panic!("not an FHL: {other:?}"),
            })
            .collect(),
    )
}

/// 1-based number of the first line of `text` that starts with `prefix`.
fn line_of(text: &str, prefix: &str) -> usize {
    text.lines().position(|l| l.starts_with(prefix)).unwrap() + 1
}

fn expose(value: &Option<gatehouse_formats::Personal<String>>) -> Option<&str> {
    value.as_ref().map(|v| v.expose().as_str())
}

#[test]
fn fwb17_air_waybills() {
    let Some(bills) = waybills("fwb17.txt") else {
        return;
    };
    let text = fixture("fwb17.txt").unwrap();
    assert_eq!(bills.len(), 5);
    let awbs: Vec<String> = bills
        .iter()
        .map(|b| b.consignment.awb.to_string())
        .collect();
    assert_eq!(
        awbs,
        [
            "555-64264793",
            "777-12345675",
            "777-12345675",
            "777-12345675",
            "777-12345675"
        ]
    );

    let first = &bills[0];
    assert_eq!(first.version, 17);
    let c = &first.consignment;
    assert_eq!(
        (c.origin.as_deref(), c.destination.as_str()),
        (Some("SVO"), "REN")
    );
    assert_eq!(c.description, Some(ShipmentDescription::Total));
    assert_eq!(c.pieces, Some(114));
    let weight = c.weight.unwrap();
    assert_eq!((weight.unit, weight.value), (WeightUnit::Kilograms, 2380.0));
    assert_eq!(c.density_group, Some(6));
    let flights: Vec<(&str, &str, Option<u8>)> = first
        .flights
        .iter()
        .map(|f| (f.carrier.as_str(), f.number.as_str(), f.day))
        .collect();
    assert_eq!(flights, [("SU", "1244", Some(1)), ("SU", "1008", Some(1))]);
    let route: Vec<(Option<&str>, Option<&str>)> = first
        .routing
        .iter()
        .map(|s| (s.airport.as_deref(), s.carrier.as_deref()))
        .collect();
    assert_eq!(
        route,
        [
            (Some("SVO"), Some("RU")),
            (Some("AMS"), Some("RU")),
            (Some("LGG"), None)
        ]
    );
    assert_eq!(first.shipper.country.as_deref(), Some("IN"));
    assert_eq!(expose(&first.shipper.place), Some("MUMBAI"));
    assert_eq!(first.consignee.country.as_deref(), Some("US"));
    assert_eq!(expose(&first.consignee.account), Some("4321"));
    assert_eq!(expose(&first.consignee.state), Some("MN"));
    assert_eq!(expose(&first.consignee.postcode), Some("52601"));
    assert_eq!(first.consignee.contacts.len(), 1);
    let notify = first.notify.as_ref().unwrap();
    assert_eq!(notify.country.as_deref(), Some("RU"));
    // Two NAM lines make one name.
    assert!(
        expose(&notify.name)
            .unwrap()
            .ends_with("NABEREZHNAYA 14 CODE 10129010")
    );
    let agent = first.agent.as_ref().unwrap();
    assert_eq!(agent.iata_code.as_deref(), Some("0830041"));
    assert_eq!(agent.cass_address.as_deref(), Some("0101"));
    assert_eq!(expose(&agent.name), Some("SCHENKER DEUTSCHLAND AG"));
    assert_eq!(first.special_service_requests.len(), 2);
    assert_eq!(first.accounting.len(), 6);
    let charges = first.charges.as_ref().unwrap();
    assert_eq!(charges.currency, "USD");
    assert_eq!(charges.carriage, Some(DeclaredValue::NoValue));
    assert_eq!(charges.customs, Some(DeclaredValue::Amount(5696.0)));
    assert_eq!(charges.insurance, Some(DeclaredValue::Amount(6346.0)));
    // Each numbered RTD line is a rate line of its own.
    assert_eq!(first.rates.len(), 12);
    let rate = &first.rates[0];
    assert_eq!((rate.number, rate.pieces), (1, Some(1)));
    assert_eq!(rate.gross_weight.unwrap().value, 2400.0);
    assert_eq!(rate.rate_class.as_deref(), Some("U"));
    assert_eq!(
        (rate.chargeable_weight, rate.rate, rate.total),
        (Some(2000.0), Some(10000.0), Some(10000.0))
    );
    assert_eq!(rate.goods[0].expose(), "ABRASIVE PASTE");
    assert_eq!(first.rates[1].ulds[0].to_string(), "P1C0037XX");
    assert_eq!(
        first.rates[3].rate_combination_point.as_deref(),
        Some("NYC")
    );
    let dims = &first.rates[9].dimensions[0];
    assert_eq!(dims.unit, Some(DimensionUnit::Centimetres));
    assert_eq!(
        (dims.length, dims.width, dims.height, dims.pieces),
        (Some(606), Some(244), Some(273), Some(1))
    );
    let volume = &first.rates[10].volumes[0];
    assert_eq!(
        (&volume.unit, volume.value),
        (&VolumeUnit::CubicMetres, 0.1)
    );
    assert_eq!(first.rates[11].slac, Some(1));
    assert_eq!(first.other_charges.len(), 8);
    assert_eq!(first.other_charges[0].code, "MY");
    assert_eq!(first.other_charges[0].amount, 1600.5);
    assert_eq!(first.collect.last().unwrap().amount, 10020.0);
    let execution = first.execution.as_ref().unwrap();
    assert_eq!(execution.date, NaiveDate::from_ymd_opt(2006, 10, 1));
    assert_eq!(first.customs_origin.as_deref(), Some("T1"));
    assert!(
        first
            .special_handling
            .contains(&SpecialHandling::DangerousGoods)
    );
    assert!(
        first
            .special_handling
            .iter()
            .any(|s| s.code() == "RFL" && s.is_dangerous_goods())
    );
    assert_eq!(first.special_handling.len(), 8);
    assert_eq!(first.customs.len(), 7);
    let regulated_agent = &first.customs[0];
    assert_eq!(
        (
            regulated_agent.country.as_deref(),
            regulated_agent.information.as_deref(),
            regulated_agent.control.as_deref(),
            expose(&regulated_agent.supplementary),
        ),
        (Some("GB"), Some("ISS"), Some("RA"), Some("001-011"))
    );
    assert_eq!(
        first.un_numbers(),
        [
            "UN1234", "UN2345", "UN3456", "UN3528", "UN4567", "UN6789", "UN8901"
        ]
    );
    let other: Vec<&str> = first.other_lines.iter().map(|l| l.tag.as_str()).collect();
    assert_eq!(
        other,
        [
            "CDC", "COI", "SII", "ARD", "OPI", "OPI", "OPI", "OPI", "OPI"
        ]
    );
    assert!(first.warnings.is_empty(), "{:?}", first.warnings);

    let consolidation = &bills[1];
    assert_eq!(consolidation.consignment.origin.as_deref(), Some("LHR"));
    assert_eq!(consolidation.consignment.destination, "JFK");
    assert_eq!(consolidation.consignment.weight.unwrap().value, 913.0);
    assert_eq!(consolidation.shipper.country.as_deref(), Some("GB"));
    assert_eq!(
        consolidation.rates[0].consolidation[0].expose(),
        "CONSOLIDATION"
    );
    assert_eq!(consolidation.rates[2].slac, Some(18));
    assert_eq!(
        consolidation.special_handling,
        [SpecialHandling::SecuredForPassengerAircraft]
    );
    assert_eq!(consolidation.customs.len(), 8);

    // Pounds, and an SSR line wrapped without its leading '/'.
    let machinery = &bills[2];
    let weight = machinery.consignment.weight.unwrap();
    assert_eq!(weight.unit, WeightUnit::Pounds);
    assert!((weight.kilograms() - 68.04).abs() < 0.01);
    assert_eq!(machinery.special_service_requests.len(), 2);
    assert_eq!(machinery.warnings.len(), 1);
    let wrapped = &machinery.warnings[0];
    assert_eq!(wrapped.segment, line_of(&text, "DECLARATION"));
    assert_eq!(
        (wrapped.tag.as_str(), &wrapped.kind),
        ("SSR", &WarningKind::UntaggedLine)
    );

    let dog = &bills[3];
    assert_eq!(dog.consignment.destination, "NRT");
    assert_eq!(dog.routing.len(), 3);
    assert_eq!(dog.consignee.country.as_deref(), Some("JP"));
    assert_eq!(dog.special_service_requests.len(), 3);
    assert_eq!(dog.rates[0].goods[0].expose(), "1 LIVE DOG");
    assert_eq!(dog.rates[0].commodity_item.as_deref(), Some("N100"));
    assert_eq!(dog.warnings[0].segment, line_of(&text, "ATTACHED"));

    let samples = &bills[4];
    assert_eq!(samples.consignment.destination, "SUV");
    assert_eq!(samples.consignee.country.as_deref(), Some("FJ"));
    assert_eq!(
        samples.charges.as_ref().unwrap().customs,
        Some(DeclaredValue::Amount(1500.0))
    );
}

#[test]
fn ffm8_flight_manifests() {
    let Some(manifests) = manifests("ffm8.txt") else {
        return;
    };
    assert_eq!(manifests.len(), 5);
    assert!(
        manifests
            .iter()
            .all(|m| m.end == EndMarker::Last && m.warnings.is_empty())
    );

    let af = &manifests[0];
    assert_eq!(af.sequence, 2);
    assert_eq!(
        (af.flight.carrier.as_str(), af.flight.number.as_str()),
        ("AF", "077")
    );
    assert_eq!(
        af.flight.departure,
        Some(DayMonth {
            day: 17,
            month: 4,
            time: None
        })
    );
    assert_eq!(af.flight.origin, "CDG");
    assert_eq!(af.unloading.len(), 1);
    let jfk = &af.unloading[0];
    assert_eq!(jfk.airport, "JFK");
    assert!(jfk.bulk.is_empty());
    let ulds: Vec<(String, usize)> = jfk
        .ulds
        .iter()
        .map(|u| (u.id.as_ref().unwrap().to_string(), u.consignments.len()))
        .collect();
    assert_eq!(
        ulds,
        [("PMC01473R7".to_owned(), 2), ("PGF09987R7".to_owned(), 1)]
    );
    let pmc = &jfk.ulds[0];
    let id = pmc.id.as_ref().unwrap();
    assert_eq!(
        (id.kind.as_str(), id.serial.as_str(), id.owner.as_str()),
        ("PMC", "01473", "R7")
    );
    assert_eq!(pmc.loading_indicator.as_deref(), Some("M"));
    assert_eq!(pmc.onward.len(), 2);
    assert_eq!(
        (
            pmc.onward[0].airport.as_str(),
            pmc.onward[0].carrier.as_str(),
            pmc.onward[0].flight.as_deref()
        ),
        ("PVG", "RU", Some("157"))
    );
    assert_eq!(pmc.volume_available, Some(2));
    let shoes = &pmc.consignments[0];
    assert_eq!(shoes.detail.awb.to_string(), "057-76215436");
    assert_eq!(shoes.detail.pieces, Some(2));
    assert_eq!(shoes.detail.weight.unwrap().value, 30.0);
    assert_eq!(
        shoes.detail.volume.as_ref().unwrap().cubic_metres(),
        Some(0.33)
    );
    assert_eq!(expose(&shoes.goods), Some("SHOES"));
    let engine = &jfk.ulds[1].consignments[0];
    assert_eq!(engine.detail.awb.to_string(), "580-25194864");
    assert_eq!(engine.detail.density_group, Some(6));
    let codes: Vec<&str> = engine
        .special_handling
        .iter()
        .map(SpecialHandling::code)
        .collect();
    assert_eq!(codes, ["BUP", "CAR", "RMD", "SPX", "PAX", "EAP"]);
    assert!(
        engine
            .special_handling
            .iter()
            .any(SpecialHandling::is_dangerous_goods)
    );
    assert_eq!(engine.customs_origin.as_deref(), Some("X"));

    let su = &manifests[1];
    assert_eq!(su.flight.registration.as_deref(), Some("VPBLN"));
    let arrival = su.flight.first_arrival.as_ref().unwrap();
    assert_eq!(
        (arrival.country.as_str(), arrival.airport.as_str()),
        ("RU", "SVO")
    );
    let yyz = &su.unloading[0];
    assert_eq!(yyz.airport, "YYZ");
    assert_eq!(yyz.bulk.len(), 3);
    assert_eq!(
        yyz.bulk[0].special_handling,
        [SpecialHandling::HumanRemains]
    );
    let per_uld: Vec<usize> = yyz.ulds.iter().map(|u| u.consignments.len()).collect();
    assert_eq!(per_uld, [6, 4]);
    assert_eq!(expose(&yyz.ulds[1].remarks), Some("HANDLE WITH CARE"));
    assert_eq!(su.consignments().count(), 13);
    let divided = &yyz.ulds[0].consignments[1].detail;
    assert_eq!(divided.description, Some(ShipmentDescription::Divided));
    assert_eq!((divided.pieces, divided.total_pieces), (Some(4), Some(12)));
    let split = &yyz.ulds[1].consignments[0].detail;
    assert_eq!(split.description, Some(ShipmentDescription::Split));

    let nil = &manifests[2];
    assert_eq!(nil.unloading.len(), 1);
    assert!(nil.unloading[0].nil_cargo);
    assert_eq!(nil.consignments().count(), 0);

    let multi = &manifests[3];
    let points: Vec<&str> = multi.unloading.iter().map(|p| p.airport.as_str()).collect();
    assert_eq!(points, ["SVO", "RTM"]);
    let svo = &multi.unloading[0];
    assert_eq!(
        svo.arrival,
        Some(DayMonth {
            day: 24,
            month: 7,
            time: NaiveTime::from_hms_opt(11, 5, 0)
        })
    );
    assert_eq!(svo.bulk.len(), 4);
    let per_uld: Vec<(String, usize)> = svo
        .ulds
        .iter()
        .map(|u| (u.id.as_ref().unwrap().to_string(), u.consignments.len()))
        .collect();
    assert_eq!(
        per_uld,
        [("P1G1234KL".to_owned(), 3), ("AVM9243KL".to_owned(), 1)]
    );
    assert_eq!(multi.unloading[1].bulk.len(), 2);
    assert_eq!(multi.unloading[1].ulds[0].consignments.len(), 1);
    let cassettes = &svo.bulk[0];
    assert_eq!(cassettes.special_handling.len(), 3);
    assert_eq!(cassettes.dimensions.len(), 2);
    assert_eq!(cassettes.dimensions[1].pieces, Some(2));
    let onward: Vec<(&str, &str)> = cassettes
        .onward
        .iter()
        .map(|o| (o.airport.as_str(), o.carrier.as_str()))
        .collect();
    assert_eq!(onward, [("YYZ", "KL"), ("TAO", "RU")]);
    assert_eq!(cassettes.movement_priority.as_deref(), Some("G"));
    assert_eq!(cassettes.service_information.len(), 2);
    assert_eq!(cassettes.customs.len(), 7);
    assert_eq!(multi.consignments().count(), 11);
    assert!(multi.un_numbers().contains(&"UN8901".to_owned()));

    let cv = &manifests[4];
    let points: Vec<(&str, usize, usize)> = cv
        .unloading
        .iter()
        .map(|p| (p.airport.as_str(), p.bulk.len(), p.ulds.len()))
        .collect();
    assert_eq!(points, [("DXB", 2, 2), ("HKG", 1, 1)]);
    assert_eq!(cv.consignments().count(), 8);
}

#[test]
fn fhl5_house_manifests() {
    let Some(manifests) = house_manifests("fhl5.txt") else {
        return;
    };
    assert_eq!(manifests.len(), 6);
    assert!(manifests.iter().all(|m| m.warnings.is_empty()));
    let houses: Vec<usize> = manifests.iter().map(|m| m.houses.len()).collect();
    assert_eq!(houses, [1, 3, 3, 4, 1, 1]);

    let first = &manifests[0];
    assert_eq!(first.master.awb.to_string(), "618-12345675");
    assert_eq!(first.master.pieces, Some(7));
    assert_eq!(first.master.weight.unwrap().value, 1000.0);
    let house = &first.houses[0];
    assert_eq!(house.number, "AEI12345678");
    assert_eq!(
        (house.origin.as_deref(), house.destination.as_deref()),
        (Some("SIN"), Some("JFK"))
    );
    assert_eq!((house.pieces, house.slac), (Some(1), Some(4)));
    assert_eq!(house.weight.unwrap().value, 400.0);
    assert_eq!(expose(&house.description), Some("COMPUTER PARTS"));
    assert_eq!(house.free_text.len(), 1);
    assert_eq!(
        house.shipper.as_ref().unwrap().country.as_deref(),
        Some("SG")
    );
    let consignee = house.consignee.as_ref().unwrap();
    assert_eq!(consignee.country.as_deref(), Some("US"));
    assert_eq!(expose(&consignee.postcode), Some("22330"));
    assert_eq!(house.charges.as_ref().unwrap().currency, "SGD");

    let nuts = &manifests[2];
    assert_eq!(nuts.master.awb.to_string(), "220-12345675");
    let pieces: Vec<Option<u32>> = nuts.houses.iter().map(|h| h.pieces).collect();
    assert_eq!(pieces, [Some(1000), Some(200), Some(34)]);
    assert_eq!(nuts.houses[2].special_handling, [SpecialHandling::Valuable]);
    assert_eq!(nuts.houses[2].destination.as_deref(), Some("ORD"));

    let mixed = &manifests[3];
    assert_eq!(mixed.houses[0].customs.len(), 7);
    let last = mixed.houses.last().unwrap();
    assert_eq!(last.number, "51791876");
    assert_eq!(
        last.shipper.as_ref().unwrap().country.as_deref(),
        Some("US")
    );
    assert!(mixed.houses[..3].iter().all(|h| h.shipper.is_none()));
    assert_eq!(mixed.houses[2].free_text.len(), 3);
    assert_eq!(mixed.houses[2].weight.unwrap().value, 10783.0);

    let lima = &manifests[4];
    assert_eq!(lima.master.destination, "LIM");
    let house = &lima.houses[0];
    assert_eq!(
        house.shipper.as_ref().unwrap().country.as_deref(),
        Some("RU")
    );
    assert_eq!(
        house.consignee.as_ref().unwrap().country.as_deref(),
        Some("PE")
    );

    let blood = &manifests[5];
    let house = &blood.houses[0];
    assert_eq!(house.number, "U182306");
    assert_eq!(house.hs_codes, ["3002120005"]);
    assert_eq!(
        house.special_handling,
        [SpecialHandling::NotSecured, SpecialHandling::DryIce]
    );
    assert_eq!(house.customs.len(), 3);
    assert_eq!(blood.un_numbers(), ["UN1845", "UN3373"]);
    assert_eq!(
        house.consignee.as_ref().unwrap().country.as_deref(),
        Some("IT")
    );
    assert_eq!(
        expose(&house.consignee.as_ref().unwrap().postcode),
        Some("00149")
    );
}

fn unsupported(error: &CargoImpError) -> (&str, Option<u16>) {
    match error {
        CargoImpError::Unsupported {
            message_type,
            version,
            ..
        } => (message_type.as_str(), *version),
        other => panic!("not unsupported: {other}"),
    }
}

#[test]
fn other_message_types_are_refused_by_type() {
    for (name, kind, version, messages) in [
        ("fbl4.txt", "FBL", Some(4), 1),
        ("ffa4.txt", "FFA", Some(4), 1),
        // The FSA/15 file opens with an FSU/14 status message.
        ("fsa15.txt", "FSU", Some(14), 24),
        // FSR is sent without a version.
        ("fsr1.txt", "FSR", None, 3),
    ] {
        let Some(text) = fixture(name) else {
            return;
        };
        let error = cargo_imp::parse(&text).unwrap_err();
        assert_eq!(unsupported(&error), (kind, version), "{name}");
        assert!(error.to_string().contains(kind));
        let all = cargo_imp::parse_many(&text);
        assert_eq!(all.len(), messages, "{name}");
        assert!(all.iter().all(|m| m.is_err()));
    }
    let fsa = cargo_imp::parse_many(&fixture("fsa15.txt").unwrap());
    let second = fsa[1].as_ref().unwrap_err();
    assert_eq!(unsupported(second), ("FSA", Some(15)));
}

// ---------------------------------------------------------------------------------------------
// Synthetic messages.

const WAYBILL: &str = "FWB/17
020-12345675LHRJFK/T2K25.0MC0.2
RTG/JFKLH
SHP
NAM/SECRETSHIPPER
ADR/1 SECRET ROAD
LOC/LONDON
/GB/E1 1AA/TE/0200000000
CNE
NAM/SECRETCONSIGNEE
ADR/2 SECRET AVE
LOC/NEW YORK/NY
/US
CVD/GBP//PP/NVD/NCV/XXX
RTD/1/P2/K25.0/CQ/W25/R1.0/T25.0
/NG/SECRET GOODS
/NH/850440
ISU/01OCT24/LONDON/SECRETSIGNER
";

fn format_error(result: Result<CargoImpMessage, CargoImpError>) -> gatehouse_formats::FormatError {
    match result {
        Err(CargoImpError::Format(error)) => error,
        other => panic!("expected a format error, got {other:?}"),
    }
}

#[test]
fn synthetic_waybill_reads() {
    let CargoImpMessage::Fwb(bill) = cargo_imp::parse(WAYBILL).unwrap() else {
        panic!("not an FWB");
    };
    assert_eq!(bill.consignment.awb.to_string(), "020-12345675");
    assert_eq!(bill.hs_codes(), ["850440"]);
    assert_eq!(bill.shipper.country.as_deref(), Some("GB"));
    assert_eq!(expose(&bill.shipper.postcode), Some("E1 1AA"));
    assert_eq!(
        bill.execution.unwrap().date,
        NaiveDate::from_ymd_opt(2024, 10, 1)
    );
    assert!(bill.warnings.is_empty());
    // Personal values never show in Debug.
    assert!(!format!("{:?}", bill.shipper).contains("SECRET"));
}

#[test]
fn truncated_messages_fail_at_the_missing_part() {
    // Cut after the consignment detail: no shipper.
    let cut: String = WAYBILL.lines().take(3).map(|l| format!("{l}\n")).collect();
    let error = format_error(cargo_imp::parse(&cut));
    assert_eq!(
        (error.segment, error.rule),
        (1, Rule::MissingSegment { tag: "SHP" })
    );
    // Cut inside the air waybill number.
    let error = format_error(cargo_imp::parse("FWB/17\n020-1234"));
    assert_eq!(error.segment, 2);
    assert_eq!(
        error.rule,
        Rule::InvalidElement {
            element: 1,
            name: "air waybill number"
        }
    );
    // Identifier only.
    let error = format_error(cargo_imp::parse("FHL/5\n"));
    assert_eq!(error.rule, Rule::Empty);
    // A manifest without LAST or CONT may have lost consignments.
    let error = format_error(cargo_imp::parse(
        "FFM/8\n1/KL2084/18MAR/AMS\nLHR\n074-12345632HAMLHR/T4K8/BOOKS\n",
    ));
    assert_eq!(
        error.rule,
        Rule::MissingSegment {
            tag: "LAST or CONT"
        }
    );
    assert_eq!(
        error.to_string(),
        "segment 1 (FFM): LAST or CONT segment is missing"
    );
    let error = cargo_imp::parse("FFM/8\n1/KL2084/18MAR/AMS\nLHR\n").unwrap_err();
    assert_eq!(
        error.to_string(),
        "line 1 (FFM): LAST or CONT segment is missing"
    );
}

#[test]
fn unknown_and_malformed_lines_are_warnings_without_values() {
    let text = WAYBILL
        .replace("CVD/", "XYZ/SECRETVALUE\nCVD/")
        .replace("/NG/SECRET GOODS", "/NG/SECRET GOODS\nSECRET WRAPPED LINE");
    let CargoImpMessage::Fwb(bill) = cargo_imp::parse(&text).unwrap() else {
        panic!("not an FWB");
    };
    let warnings: Vec<(usize, &str, &WarningKind)> = bill
        .warnings
        .iter()
        .map(|w| (w.segment, w.tag.as_str(), &w.kind))
        .collect();
    assert_eq!(
        warnings,
        [
            (14, "XYZ", &WarningKind::NotUsedInCargoImp),
            (18, "RTD", &WarningKind::UntaggedLine),
        ]
    );
    assert_eq!(bill.rates[0].goods.len(), 2);
    let shown = format!("{:?} {}", bill.warnings, bill.warnings[0]);
    assert!(!shown.contains("SECRET"), "{shown}");
    // A bad quantity is left out with a warning; the waybill still reads.
    let text = WAYBILL.replace("/T2K25.0MC0.2", "/T2KX");
    let CargoImpMessage::Fwb(bill) = cargo_imp::parse(&text).unwrap() else {
        panic!("not an FWB");
    };
    assert_eq!(bill.consignment.pieces, Some(2));
    assert_eq!(bill.consignment.weight, None);
    assert_eq!(
        bill.warnings[0].kind,
        WarningKind::InvalidElement {
            element: 2,
            name: "quantity detail"
        }
    );
}

#[test]
fn continuation_line_at_the_start_fails() {
    let error = format_error(cargo_imp::parse("FWB/17\n/SECRET CONTINUATION\nSHP\n"));
    assert_eq!(
        (error.segment, error.rule.clone()),
        (2, Rule::ContinuationFirst)
    );
    assert!(!error.to_string().contains("SECRET"));
}

#[test]
fn input_that_is_not_cargo_imp() {
    let error = format_error(cargo_imp::parse("SECRET NOTE\nFWB/17\n"));
    assert_eq!((error.segment, error.rule), (1, Rule::NotCargoImp));
    assert_eq!(format_error(cargo_imp::parse("\n\n")).rule, Rule::Empty);
    let two = format!("{WAYBILL}\n{WAYBILL}");
    let error = format_error(cargo_imp::parse(&two));
    assert_eq!(
        (error.segment, error.rule),
        (WAYBILL.lines().count() + 2, Rule::SeveralMessages)
    );
    assert!(cargo_imp::parse_many(&two).iter().all(Result::is_ok));
    // A bare type code that is not a message type is not taken for a message start.
    let CargoImpMessage::Fwb(bill) =
        cargo_imp::parse(&WAYBILL.replace("CNE\n", "\nCNE\n")).unwrap()
    else {
        panic!("not an FWB");
    };
    assert_eq!(bill.consignee.country.as_deref(), Some("US"));
}

// ---------------------------------------------------------------------------------------------
// Any input: Ok or Err, never a panic.

fn config(cases: u32) -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|cases| cases.parse().ok())
        .unwrap_or(cases);
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

/// The fixtures that parse (when available) and the synthetic waybill, as bytes to damage.
fn samples() -> Vec<Vec<u8>> {
    let mut samples = vec![WAYBILL.as_bytes().to_vec()];
    if std::env::var_os("GATEHOUSE_FIXTURES").is_some() {
        for name in ["fwb17.txt", "ffm8.txt", "fhl5.txt", "fsr1.txt"] {
            if let Some(text) = fixture(name) {
                samples.push(text.into_bytes());
            }
        }
    }
    samples
}

fn exercise(text: &str) {
    let _ = cargo_imp::parse(text);
    for message in cargo_imp::parse_many(text).into_iter().flatten() {
        let _ = message.warnings();
        if let CargoImpMessage::Fwb(bill) = &message {
            let _ = (bill.un_numbers(), bill.hs_codes());
        }
    }
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,300}") {
        exercise(&text);
    }

    #[test]
    fn cargo_imp_like_text_never_panics(
        text in "([A-Z]{3}/[0-9A-Z./ -]{0,12}|/[0-9A-Z./-]{0,12}|[0-9]{3}-[0-9]{8}[A-Z]{6}/[A-Z0-9.]{0,10}|[0-9]/[A-Z0-9/]{0,20}|LAST|\n){0,30}"
    ) {
        exercise(&text);
    }

    #[test]
    fn damaged_fixtures_never_panic(
        pick in any::<prop::sample::Index>(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..12),
    ) {
        let samples = samples();
        let mut bytes = samples[pick.index(samples.len())].clone();
        for (at, byte, action) in edits {
            if bytes.is_empty() {
                break;
            }
            let at = at.index(bytes.len());
            match action {
                0 => bytes[at] = byte,
                1 => { bytes.remove(at); }
                _ => bytes.truncate(at),
            }
        }
        exercise(&String::from_utf8_lossy(&bytes));
    }
}
