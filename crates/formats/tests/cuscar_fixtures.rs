//! CUSCAR fixtures (D95B, D99A, D03B samples), read from `$GATEHOUSE_FIXTURES/cuscar`, and
//! hand-written messages for what the fixtures do not show.
//!
//! When `CI=true` a missing variable, folder or file fails the test; elsewhere the test returns
//! early. Values asserted here are read from the fixtures, which are not copied into the repo.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{NaiveDate, NaiveDateTime};
use gatehouse_formats::cuscar::{
    self, CommoditySource, Consignment, CuscarMessage, DocumentKind, EquipmentKind, Interchange,
    Loading, LocationRole, MessageFunction, PartyFunction, TransportMode,
};
use gatehouse_formats::{FormatError, MessageError, Rule, WarningKind};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

mod fixtures;

use fixtures::LENIENT;

const FIXTURES: [&str; 3] = [
    "95b_cuscar.edi",
    "99a_cuscar.edi",
    "d03b_CUSCAR_message_01.edi",
];

fn fixture(name: &str) -> Option<String> {
    fixtures::text("cuscar", name)
}

fn at(y: i32, m: u32, d: u32, h: u32, mi: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(y, m, d)
        .and_then(|date| date.and_hms_opt(h, mi, 0))
        .unwrap()
}

/// (segment, tag, kind) of each warning, to compare in one assertion.
fn warnings(list: &[gatehouse_formats::Warning]) -> Vec<(usize, &str, WarningKind)> {
    list.iter()
        .map(|w| (w.segment, w.tag.as_str(), w.kind.clone()))
        .collect()
}

fn messages(interchange: &Interchange) -> Vec<&CuscarMessage> {
    interchange
        .messages
        .iter()
        .map(|message| message.as_ref().unwrap())
        .collect()
}

fn exposed(value: Option<&gatehouse_formats::Personal<String>>) -> Option<&str> {
    value.map(|value| value.expose().as_str())
}

#[test]
fn every_fixture_parses() {
    for name in FIXTURES {
        let Some(text) = fixture(name) else {
            eprintln!("GATEHOUSE_FIXTURES is not set: CUSCAR fixtures skipped");
            return;
        };
        let interchange = cuscar::parse_interchange_with(&text, LENIENT).unwrap();
        assert!(!interchange.messages.is_empty(), "{name}");
        for message in &interchange.messages {
            let message = message.as_ref().unwrap();
            assert!(!message.consignments.is_empty(), "{name}");
        }
    }
}

/// The D95B sample's real defects: a stale UNT count, an impossible date, an UNZ reference that
/// is not UNB's, no BGM document code, goods items without a CNI, a repeated item number, SGP
/// naming equipment no EQD declares, and an SGP that places fewer packages than its GID holds.
#[test]
fn d95b_defects_are_reported_and_the_rest_is_read() {
    let Some(text) = fixture("95b_cuscar.edi") else {
        return;
    };

    // Counts enforced: the stale UNT count makes the only message an error at UNT.
    let strict = cuscar::parse_interchange(&text).unwrap();
    assert_eq!(
        strict.messages,
        [Err(MessageError {
            reference: Some("XXXX2042137".to_owned()),
            error: FormatError {
                segment: 22,
                tag: "UNT".to_owned(),
                rule: Rule::SegmentCount {
                    declared: 61,
                    actual: 21
                },
            },
        })]
    );

    let interchange = cuscar::parse_interchange_with(&text, LENIENT).unwrap();
    assert_eq!(
        warnings(&interchange.warnings),
        [
            (
                22,
                "UNT",
                WarningKind::ControlCount(Rule::SegmentCount {
                    declared: 61,
                    actual: 21
                })
            ),
            (23, "UNZ", WarningKind::ReferenceMismatch { header: "UNB" }),
        ]
    );
    let [message] = messages(&interchange)[..] else {
        panic!("one message expected");
    };
    assert_eq!(
        warnings(&message.warnings),
        [
            (
                3,
                "BGM",
                WarningKind::MissingElement {
                    element: 1,
                    name: "document name code"
                }
            ),
            (
                4,
                "DTM",
                WarningKind::Skipped(Rule::InvalidDate {
                    element: 1,
                    component: 2,
                    format: "CCYYMMDD"
                })
            ),
            (12, "GID", WarningKind::OutsideConsignment),
            (16, "SGP", WarningKind::UnknownEquipment { element: 1 }),
            (17, "GID", WarningKind::DuplicateGoodsItem),
            (
                17,
                "GID",
                WarningKind::PackageCount {
                    declared: 287,
                    placed: 286
                }
            ),
            (21, "SGP", WarningKind::UnknownEquipment { element: 1 }),
        ]
    );
    let shown: Vec<String> = message.warnings.iter().map(|w| w.to_string()).collect();
    assert!(shown.iter().all(|w| !w.contains("2042137")), "{shown:?}");

    assert_eq!(message.header.version.as_deref(), Some("D"));
    assert_eq!(message.header.release.as_deref(), Some("95B"));
    assert_eq!(message.document, None);
    assert_eq!(
        exposed(message.document_number.as_ref()),
        Some("XXA0037WXXA2042137")
    );
    assert_eq!(
        message.function,
        Some(MessageFunction::Other("VSA".to_owned()))
    );
    let loading = message.details.location(&LocationRole::Loading).unwrap();
    assert_eq!(loading.code.as_deref(), Some("LKCMB"));
    assert_eq!(loading.code_list.as_deref(), Some("139"));
    assert_eq!(loading.agency.as_deref(), Some("6"));
    let warehouse = &message.details.locations[1];
    assert_eq!(
        (warehouse.qualifier.as_str(), warehouse.code.as_deref()),
        ("41", Some("DE004850"))
    );
    // The impossible DTM 184 is left out; the DTM 178 of the RFF group stays.
    assert_eq!(message.details.dates.len(), 1);
    assert_eq!(message.actual_arrival(), Some(at(2010, 6, 14, 0, 0)));
    assert_eq!(message.quantities[0].qualifier, "104");
    assert_eq!(message.quantities[0].value, 1.0);
    // RFF AEL carries the vessel's IMO number in this profile.
    let vessel = message.details.reference("AEL").unwrap();
    let vessel = exposed(vessel.number.as_ref()).unwrap();
    assert_eq!(vessel, "9235103");
    assert!(cuscar::is_imo_number(vessel));
    assert!(message.movement().is_none());
    assert!(message.equipment.is_empty());

    let [consignment] = &message.consignments[..] else {
        panic!("one implied consignment expected");
    };
    assert!(consignment.implied);
    assert_eq!(consignment.segment, 12);
    assert_eq!(consignment.sequence, None);
    assert_eq!(consignment.transport_document(), None);
    assert_eq!(consignment.gross_weight(), Some((1434.0, "KGM")));
    let packages: Vec<_> = consignment
        .goods
        .iter()
        .map(|item| {
            let packages = item.packages.as_ref().unwrap();
            (item.number, packages.count, packages.type_code.as_deref())
        })
        .collect();
    assert_eq!(
        packages,
        [(Some(1), 286, Some("CT")), (Some(1), 287, Some("CT"))]
    );
    let containers: Vec<_> = consignment
        .goods
        .iter()
        .flat_map(|item| &item.placements)
        .map(|placement| (placement.equipment.as_str(), placement.packages))
        .collect();
    assert_eq!(
        containers,
        [("XXX2042137", Some(286)), ("XXXX2042137", Some(286))]
    );
    let item = &consignment.goods[0];
    assert_eq!(item.gross_weight(), Some((717.0, "KGM")));
    assert_eq!(item.description[0].expose(), "BLAH BLAH BLAH");
    assert_eq!(item.free_text[0].subject.as_deref(), Some("TRA"));
    assert_eq!(item.hs_code(), None);
}

#[test]
fn d99a_two_reports_of_one_vessel() {
    let Some(text) = fixture("99a_cuscar.edi") else {
        return;
    };
    // Its counts are right: strict and lenient read the same.
    let strict = cuscar::parse_interchange(&text).unwrap();
    let interchange = cuscar::parse_interchange_with(&text, LENIENT).unwrap();
    assert_eq!(strict, interchange);
    assert!(interchange.warnings.is_empty());
    assert_eq!(interchange.header.control_reference, "1918");

    let reports = messages(&interchange);
    assert_eq!(reports.len(), 2);
    let expected = [
        (
            3,
            "163477",
            "MOL-EU2-HFA-012W-XXXX8896514-01",
            "CNYTN",
            "CN",
            (4375, Some("CT")),
            10062.5,
        ),
        (
            24,
            "163478",
            "MOL-EU2-HFA-012W-XXXX5086746-01",
            "KRPUS",
            "TW",
            (19, None),
            19950.0,
        ),
    ];
    for (report, (bgm, reference, number, loading, origin, packages, weight)) in
        reports.iter().zip(expected)
    {
        assert_eq!(report.header.reference, reference);
        assert_eq!(report.header.association_code.as_deref(), Some("SCPRBL"));
        assert_eq!(exposed(report.document_number.as_ref()), Some(number));
        assert_eq!(
            warnings(&report.warnings),
            [(
                bgm,
                "BGM",
                WarningKind::MissingElement {
                    element: 1,
                    name: "document name code"
                }
            )]
        );
        assert_eq!(
            report
                .details
                .location(&LocationRole::Loading)
                .and_then(|l| l.code.as_deref()),
            Some(loading)
        );
        let movement = report.movement().unwrap();
        assert_eq!(movement.stage.as_deref(), Some("13"));
        let conveyance = movement.conveyance.as_ref().unwrap();
        assert_eq!(conveyance.name.as_deref(), Some("3EPF4"));
        assert_eq!(conveyance.imo_number(), None);
        assert_eq!(report.estimated_arrival(), Some(at(2010, 4, 29, 0, 0)));
        let carrier_party = &report.details.parties[0];
        assert_eq!(
            carrier_party.function,
            PartyFunction::Other("RL".to_owned())
        );
        assert_eq!(
            exposed(carrier_party.id.as_ref().map(|id| &id.value)),
            Some("5209394")
        );
        assert_eq!(report.details.indicators[0].code.as_deref(), Some("962"));

        let [consignment] = &report.consignments[..] else {
            panic!("one consignment expected");
        };
        assert_eq!(consignment.sequence, Some(1));
        assert!(!consignment.implied);
        // RFF+0 names no document: there is no B/L number to find.
        assert_eq!(consignment.details.references[0].qualifier, "0");
        assert_eq!(consignment.details.references[0].number, None);
        assert_eq!(consignment.transport_document(), None);
        let first = &consignment.details.locations[0];
        assert_eq!(
            (first.qualifier.as_str(), first.code.as_deref()),
            ("113", Some(origin))
        );
        assert_eq!(
            consignment.details.locations[1].role,
            LocationRole::Destination
        );
        let [item] = &consignment.goods[..] else {
            panic!("one goods item expected");
        };
        assert_eq!(item.number, Some(0));
        let found = item.packages.as_ref().unwrap();
        assert_eq!((found.count, found.type_code.as_deref()), packages);
        assert_eq!(item.gross_weight(), Some((weight, "KGM")));
        assert_eq!(item.description.len(), 1);
    }
    let first = &reports[0].consignments[0].goods[0];
    assert!(first.description[0].expose().starts_with("HOT AIR BRUSH"));
}

#[test]
fn d03b_ace_truck_manifest() {
    let Some(text) = fixture("d03b_CUSCAR_message_01.edi") else {
        return;
    };
    let interchange = cuscar::parse_interchange(&text).unwrap();
    assert!(interchange.warnings.is_empty());
    assert_eq!(
        interchange.header.application_reference.as_deref(),
        Some("ACE")
    );
    assert_eq!(
        interchange.groups[0].version,
        Some(("D".to_owned(), Some("03B".to_owned())))
    );
    let [message] = messages(&interchange)[..] else {
        panic!("one message expected");
    };
    assert!(message.warnings.is_empty(), "{:?}", message.warnings);
    assert_eq!(message.document, Some(DocumentKind::Other("85".to_owned())));
    assert_eq!(message.document_name.as_deref(), Some("STANDARD"));
    assert_eq!(
        exposed(message.document_number.as_ref()),
        Some("LOCKKH04112206")
    );
    assert_eq!(
        message.function,
        Some(MessageFunction::Other("22".to_owned()))
    );
    assert_eq!(message.estimated_arrival(), Some(at(2004, 12, 30, 12, 0)));
    let arrival = &message.details.locations[0];
    assert_eq!(
        (
            arrival.qualifier.as_str(),
            arrival.code.as_deref(),
            arrival.code_list.as_deref()
        ),
        ("60", Some("0901"), Some("77"))
    );

    let carrier = message.details.party(&PartyFunction::Carrier).unwrap();
    let id = carrier.id.as_ref().unwrap();
    assert_eq!(
        (id.value.expose().as_str(), id.code_list.as_deref()),
        ("LOCK", Some("172"))
    );
    let address = carrier.address.as_ref().unwrap().expose();
    assert_eq!(address.street.len(), 2);
    assert_eq!(address.city.as_deref(), Some("RESTON"));
    assert_eq!(address.region.as_deref(), Some("VA"));
    assert_eq!(address.postal_code.as_deref(), Some("20190"));
    assert_eq!(carrier.country, None);
    let other = &message.details.parties[1];
    assert_eq!(other.qualifier, "VW");
    assert_eq!(exposed(other.name.as_ref()), Some("AADLER KEN"));
    assert_eq!(message.details.free_text[0].subject.as_deref(), Some("INS"));

    let movement = message.movement().unwrap();
    assert_eq!(movement.mode, Some(TransportMode::Road));
    assert_eq!(movement.stage.as_deref(), Some("11"));
    assert_eq!(movement.means.as_deref(), Some("BT"));
    let conveyance = movement.conveyance.as_ref().unwrap();
    assert_eq!(conveyance.name.as_deref(), Some("10000324"));
    assert_eq!(conveyance.code_list.as_deref(), Some("109"));

    let [equipment] = &message.equipment[..] else {
        panic!("one EQD expected");
    };
    assert_eq!(equipment.kind, EquipmentKind::Other("BI".to_owned()));
    assert_eq!(equipment.id.as_deref(), Some("10000325"));
    assert_eq!(equipment.seals, ["SEALEQUNO001"]);
    assert_eq!(equipment.references[0].qualifier, "ABZ");
    assert_eq!(equipment.locations[0].code.as_deref(), Some("VA"));
    assert!(message.equipment("10000325").is_some());

    let [consignment] = &message.consignments[..] else {
        panic!("one consignment expected");
    };
    assert_eq!(consignment.sequence, Some(3741));
    assert_eq!(
        exposed(consignment.transport_document()),
        Some("LOCKKH041122106")
    );
    assert_eq!(consignment.documents[0].code, "714");
    assert_eq!(
        exposed(consignment.documents[0].number.as_ref()),
        Some("KH041122106")
    );
    assert_eq!(consignment.details.totals[0].qualifier, "58");
    assert_eq!(consignment.details.totals[0].value.as_deref(), Some("158"));
    assert_eq!(
        consignment
            .details
            .location(&LocationRole::Loading)
            .and_then(|l| l.code.as_deref()),
        Some("U0107")
    );
    let leg = &consignment.details.transports[0];
    assert_eq!(leg.dates[0].qualifier, "133");
    assert_eq!(leg.dates[0].at, at(2004, 12, 30, 0, 0));
    assert_eq!(consignment.service_requirements, ["9"]);
    let roles: Vec<_> = consignment
        .details
        .parties
        .iter()
        .map(|p| (p.qualifier.as_str(), p.country.as_deref()))
        .collect();
    assert_eq!(
        roles,
        [("CN", Some("US")), ("IM", Some("US")), ("OS", Some("US"))]
    );
    let consignee = consignment
        .details
        .party(&PartyFunction::Consignee)
        .unwrap();
    assert_eq!(
        consignee.address.as_ref().unwrap().expose().city.as_deref(),
        Some("BELTSVILLE")
    );
    assert_eq!(exposed(consignee.contact_name.as_ref()), None);
    assert_eq!(consignee.contacts[0].number.expose(), "8005551212");
    assert_eq!(consignee.contacts[0].channel.as_deref(), Some("TE"));

    let [item] = &consignment.goods[..] else {
        panic!("one goods item expected");
    };
    assert_eq!(item.number, Some(1));
    let packages = item.packages.as_ref().unwrap();
    assert_eq!(
        (packages.count, packages.type_code.as_deref()),
        (158, Some("COL"))
    );
    assert_eq!(item.description[0].expose(), "IRON COIL SHEET METAL");
    assert_eq!(item.gross_weight(), Some((750.0, "K")));
    assert_eq!(item.placements[0].equipment, "10000325");
}

// ---------------------------------------------------------------------------------------------
// Hand-written messages.

fn interchange(messages: &[&[&str]]) -> String {
    let mut text = String::from("UNB+UNOC:3+SENDER:ZZ+GATEHOUSE:ZZ+240301:0900+IC7'");
    for (index, body) in messages.iter().enumerate() {
        let reference = format!("M{index}");
        text.push_str(&format!("UNH+{reference}+CUSCAR:D:03B:UN'"));
        for segment in *body {
            text.push_str(segment);
            text.push('\'');
        }
        text.push_str(&format!("UNT+{}+{reference}'", body.len() + 2));
    }
    text.push_str(&format!("UNZ+{}+IC7'", messages.len()));
    text
}

/// A sea replacement report: every part of the model once.
const REPLACEMENT: [&str; 33] = [
    "BGM+785+MAN-2024-0042+5",
    "DTM+137:202403010800:203",
    "NAD+CG+AGENT01:172:20++HARBOUR AGENCY",
    "TDT+20+042E+1++MAEU:172:20:MAERSK LINE+++9074729:146:11:NORDIC STAR:DK",
    "LOC+5+CNSHA:139:6:SHANGHAI",
    "DTM+133:20240301:102",
    "LOC+24+NLRTM:139:6:ROTTERDAM",
    "DTM+132:202403201400:203",
    "EQD+CN+MSKU1234565+22G1+++5",
    "SEL+SL998877",
    "MEA+AAE+T+KGM:2200",
    "CNI+1+MAEU123456789",
    "RFF+BM:MAEU123456789",
    "NAD+CZ+DE123456789012345:EORI++SHENZHEN TOOLS LTD+1 HARBOUR RD+SHENZHEN++518000+CN",
    "NAD+CN+NL000099998B57:TIN++ACME IMPORTS BV+KADE 1+ROTTERDAM++3011AA+NL",
    "CTA+IC+:J JANSEN",
    "COM+31101234567:TE+ops@example.nl:EM",
    "NAD+N1+++NOTIFY CO+++++GB",
    "LOC+92+CN",
    "LOC+92+SG",
    "MOA+44:12500,50:USD",
    "GID+1+10:PK",
    "FTX+AAA+++LITHIUM BATTERIES:FOR LAPTOPS",
    "PIA+5+850760:HS",
    "MEA+AAE+G+KGM:1250.5",
    "MEA+AAE+AAW+MTQ:3.2",
    "DGS+IMD+9+3480",
    "PCI++MARK A:MARK B",
    "SGP+MSKU1234565+10",
    "GID+2+5:CT",
    "CST+2+85076000:122",
    "MEA+WT+G+KGM:200",
    "XYZ+1",
];

#[test]
fn replacement_report_reads_every_group() {
    let input = interchange(&[&REPLACEMENT, &["BGM+785+MAN-2024-0042+1"]]);
    let interchange = cuscar::parse_interchange(&input).unwrap();
    let reports = messages(&interchange);
    let report = reports[0];
    // The unknown segment is the only warning: UNB 1, UNH 2, BGM 3, … XYZ 35.
    assert_eq!(
        warnings(&report.warnings),
        [(35, "XYZ", WarningKind::NotUsedInCuscar)]
    );
    assert_eq!(report.document, Some(DocumentKind::CargoManifest));
    assert_eq!(report.function, Some(MessageFunction::Replacement));
    assert_eq!(reports[1].function, Some(MessageFunction::Cancellation));
    assert!(reports[1].consignments.is_empty());

    let agent = report.details.party(&PartyFunction::CarrierAgent).unwrap();
    assert_eq!(exposed(agent.name.as_ref()), Some("HARBOUR AGENCY"));
    let movement = report.movement().unwrap();
    assert_eq!(movement.mode, Some(TransportMode::Sea));
    assert_eq!(movement.conveyance_reference.as_deref(), Some("042E"));
    let carrier = movement.carrier.as_ref().unwrap();
    assert_eq!(carrier.id.as_deref(), Some("MAEU"));
    assert_eq!(exposed(carrier.name.as_ref()), Some("MAERSK LINE"));
    let vessel = movement.conveyance.as_ref().unwrap();
    assert_eq!(vessel.imo_number(), Some("9074729"));
    assert_eq!(vessel.name.as_deref(), Some("NORDIC STAR"));
    assert_eq!(vessel.nationality.as_deref(), Some("DK"));
    let ports: Vec<_> = movement
        .locations
        .iter()
        .map(|l| (l.role.clone(), l.code.as_deref(), l.name.as_deref()))
        .collect();
    assert_eq!(
        ports,
        [
            (LocationRole::Departure, Some("CNSHA"), Some("SHANGHAI")),
            (LocationRole::Entry, Some("NLRTM"), Some("ROTTERDAM")),
        ]
    );
    assert_eq!(report.estimated_departure(), Some(at(2024, 3, 1, 0, 0)));
    assert_eq!(report.estimated_arrival(), Some(at(2024, 3, 20, 14, 0)));

    let container = report.equipment("MSKU1234565").unwrap();
    assert_eq!(container.kind, EquipmentKind::Container);
    assert_eq!(container.size_type.as_deref(), Some("22G1"));
    assert_eq!(container.loading, Some(Loading::Full));
    assert_eq!(container.seals, ["SL998877"]);
    assert_eq!(container.measurements[0].value, Some(2200.0));

    let consignment: &Consignment = &report.consignments[0];
    assert_eq!(
        exposed(consignment.transport_document()),
        Some("MAEU123456789")
    );
    let shipper = consignment
        .details
        .party(&PartyFunction::Consignor)
        .unwrap();
    let id = shipper.id.as_ref().unwrap();
    assert_eq!(
        (id.value.expose().as_str(), id.code_list.as_deref()),
        ("DE123456789012345", Some("EORI"))
    );
    assert_eq!(shipper.country.as_deref(), Some("CN"));
    let consignee = consignment
        .details
        .party(&PartyFunction::Consignee)
        .unwrap();
    assert_eq!(exposed(consignee.name.as_ref()), Some("ACME IMPORTS BV"));
    assert_eq!(exposed(consignee.contact_name.as_ref()), Some("J JANSEN"));
    let channels: Vec<_> = consignee
        .contacts
        .iter()
        .map(|c| c.channel.as_deref())
        .collect();
    assert_eq!(channels, [Some("TE"), Some("EM")]);
    let notify = consignment
        .details
        .party(&PartyFunction::NotifyParty)
        .unwrap();
    assert_eq!(notify.country.as_deref(), Some("GB"));
    assert_eq!(consignment.routing().collect::<Vec<_>>(), ["CN", "SG"]);
    let amount = &consignment.details.amounts[0];
    assert_eq!(
        (
            amount.qualifier.as_str(),
            amount.value,
            amount.currency.as_deref()
        ),
        ("44", 12500.5, Some("USD"))
    );

    let [battery, second] = &consignment.goods[..] else {
        panic!("two goods items expected");
    };
    assert_eq!(battery.hs_code(), Some("850760"));
    assert_eq!(battery.commodity_codes[0].source, CommoditySource::Pia);
    assert_eq!(
        battery.description[0].expose(),
        "LITHIUM BATTERIES FOR LAPTOPS"
    );
    assert_eq!(battery.gross_weight(), Some((1250.5, "KGM")));
    assert_eq!(battery.volume(), Some((3.2, "MTQ")));
    let dangerous = &battery.dangerous_goods[0];
    assert_eq!(
        (dangerous.class.as_deref(), dangerous.un_number.as_deref()),
        (Some("9"), Some("3480"))
    );
    let marks: Vec<_> = battery.marks.iter().map(|m| m.expose().as_str()).collect();
    assert_eq!(marks, ["MARK A", "MARK B"]);
    assert_eq!(battery.placements[0].packages, Some(10));
    assert_eq!(second.hs_code(), Some("85076000"));
    assert_eq!(second.commodity_codes[0].scheme.as_deref(), Some("122"));
    assert_eq!(consignment.gross_weight(), Some((1450.5, "KGM")));

    // Nothing personal is shown by Debug.
    let shown = format!("{report:?}");
    for secret in [
        "ACME",
        "JANSEN",
        "DE123456789012345",
        "LITHIUM",
        "MAEU123456789",
    ] {
        assert!(!shown.contains(secret), "{secret} shown");
    }
}

#[test]
fn missing_bgm_and_other_message_types_are_errors_of_their_message() {
    let input = interchange(&[&["DTM+137:20240301:102", "CNI+1"], &["BGM+785+OK+9"]]);
    let interchange = cuscar::parse_interchange(&input).unwrap();
    // UNB 1, UNH 2: the first message names its UNH.
    assert_eq!(
        interchange.messages[0],
        Err(MessageError {
            reference: Some("M0".to_owned()),
            error: FormatError {
                segment: 2,
                tag: "UNH".to_owned(),
                rule: Rule::MissingDocumentName,
            },
        })
    );
    let second = interchange.messages[1].as_ref().unwrap();
    assert_eq!(second.function, Some(MessageFunction::Original));

    let paxlst =
        "UNB+UNOA:4+S+R+240301:0900+1'UNH+P1+PAXLST:D:05B:UN:IATA'BGM+745'UNT+3+P1'UNZ+1+1'";
    let interchange = cuscar::parse_interchange(paxlst).unwrap();
    assert_eq!(
        interchange.messages[0].as_ref().unwrap_err().error.rule,
        Rule::NotCuscar
    );
}

#[test]
fn unreadable_values_are_left_out_with_the_rule() {
    let body = [
        "BGM+785+X+9",
        "DTM+132:2024030:102",
        "DTM+132:20240301:999",
        "LOC",
        "CNI+ONE",
        "GID+1+TEN:CT",
        "MEA+WT+G+KGM:heavy",
        "SGP",
        "CTA+IC",
    ];
    let interchange = cuscar::parse_interchange(&interchange(&[&body])).unwrap();
    let report = messages(&interchange)[0];
    assert_eq!(
        warnings(&report.warnings),
        [
            (
                4,
                "DTM",
                WarningKind::Skipped(Rule::InvalidDate {
                    element: 1,
                    component: 2,
                    format: "CCYYMMDD"
                })
            ),
            (
                5,
                "DTM",
                WarningKind::Skipped(Rule::UnsupportedDateFormat { element: 1 })
            ),
            (
                6,
                "LOC",
                WarningKind::Skipped(Rule::MissingElement {
                    element: 1,
                    name: "location function code qualifier"
                })
            ),
            (
                7,
                "CNI",
                WarningKind::InvalidValue {
                    element: 1,
                    component: 1,
                    name: "consolidation item number"
                }
            ),
            (
                8,
                "GID",
                WarningKind::InvalidValue {
                    element: 2,
                    component: 1,
                    name: "number of packages"
                }
            ),
            (
                9,
                "MEA",
                WarningKind::InvalidValue {
                    element: 3,
                    component: 2,
                    name: "measure"
                }
            ),
            (
                10,
                "SGP",
                WarningKind::Skipped(Rule::MissingElement {
                    element: 1,
                    name: "equipment identifier"
                })
            ),
            (11, "CTA", WarningKind::NotUsedInCuscar),
        ]
    );
    assert!(report.details.dates.is_empty());
    assert_eq!(report.consignments[0].goods[0].packages, None);
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

fn exercise(text: &str) {
    let _ = cuscar::parse_interchange(text);
    let _ = cuscar::parse_interchange_with(text, LENIENT);
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,300}") {
        exercise(&text);
    }

    #[test]
    fn edifact_fragments_never_panic(
        parts in proptest::collection::vec(
            proptest::sample::select(REPLACEMENT.to_vec()).prop_map(|s| format!("{s}'")),
            0..40,
        ),
        cut in 0usize..2000,
    ) {
        let text = interchange(&[&REPLACEMENT[..1]]);
        let mut text = text.replacen("UNT", &format!("{}UNT", parts.concat()), 1);
        text.truncate(text.len().min(cut.max(1)));
        while !text.is_char_boundary(text.len()) {
            text.pop();
        }
        exercise(&text);
    }
}

/// Fixture bytes with one byte replaced, a range deleted, or a cut: decoded as a caller would.
#[test]
fn mutated_fixtures_never_panic() {
    let texts: Vec<Vec<u8>> = FIXTURES
        .iter()
        .filter_map(|name| fixture(name))
        .map(String::into_bytes)
        .collect();
    let mut runner = TestRunner::new(config(256));
    for bytes in &texts {
        let strategy = (0..bytes.len(), any::<u8>(), 0usize..40, any::<bool>());
        runner
            .run(&strategy, |(at, byte, span, cut)| {
                let mut mutated = bytes.clone();
                if cut {
                    mutated.truncate(at);
                } else {
                    mutated[at] = byte;
                    let start = (at + 1).min(mutated.len());
                    let end = (start + span).min(mutated.len());
                    mutated.drain(start..end);
                }
                let text = gatehouse_formats::edifact::decode(&mutated);
                exercise(&text);
                Ok(())
            })
            .unwrap();
    }
}
