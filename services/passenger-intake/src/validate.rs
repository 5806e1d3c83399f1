//! Checks an API report field by field and normalises it (codes uppercased, names trimmed), so
//! that everything stored and published downstream is well-formed and bounded: a report that
//! passes here always fits in its event, so nothing accepted can get stuck in the outbox.
//!
//! Messages name the field and the rule (and the limit), never the submitted value.

use chrono::NaiveDate;
use gatehouse_platform::error::FieldViolations;
use gatehouse_proto::v1::{
    ApiReport, DocumentType, Flight, FlightDirection, MessageFunction, RecordWarning, Sex,
    SubmitApiReportRequest, TravelDocument, Traveller, TravellerRole,
};

use crate::{event, warnings};

/// Most travellers one report may carry: an A380 with crew is under 900.
pub const MAX_TRAVELLERS: usize = 1_000;
/// Most documents one traveller may carry (passport, second passport, visa, permit, ...).
pub const MAX_DOCUMENTS: usize = 5;
pub const MAX_MESSAGE_ID: usize = gatehouse_platform::intake::MAX_MESSAGE_ID;
pub const MAX_SENDER: usize = 64;
pub const MAX_NAME: usize = 100;
pub const MAX_TRAVELLER_REF: usize = 35;
pub const MAX_PLACE_OF_BIRTH: usize = 64;
pub const MAX_SEAT: usize = 4;
pub const MAX_RECORD_LOCATOR: usize = 8;
pub const MAX_DOCUMENT_NUMBER: usize = 20;
/// Most parts a report may be split into (PAXLST common access reference).
pub const MAX_PARTS: u32 = 999;

/// Limits that depend on the deployment.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest encoded `ApiReportAccepted` the bus accepts (server payload limit less headroom).
    pub max_event_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_event_bytes: 900 * 1024,
        }
    }
}

/// A report that passed validation, with its dates parsed.
#[derive(Debug)]
pub struct ValidReport {
    pub message_id: String,
    /// Normalised; a CANCEL carries no travellers.
    pub report: ApiReport,
    /// ORIGINAL for an unspecified function.
    pub function: MessageFunction,
    pub departure_date: NaiveDate,
    /// Same order as `report.travellers`.
    pub travellers: Vec<ValidTravellerDates>,
    /// What is suspicious but stored ([`warnings::api_report`]).
    pub warnings: Vec<RecordWarning>,
    /// Bytes the event may grow by with the travellers' links to PNRs (known only when stored).
    pub link_budget: usize,
}

#[derive(Debug, Default)]
pub struct ValidTravellerDates {
    pub date_of_birth: Option<NaiveDate>,
    /// Per document: (expiry, issue).
    pub documents: Vec<(Option<NaiveDate>, Option<NaiveDate>)>,
}

/// Validates a report submitted by `agency` (which its event carries, so it counts towards the
/// event size).
pub fn validate(
    request: SubmitApiReportRequest,
    agency: &str,
    limits: &Limits,
) -> Result<ValidReport, FieldViolations> {
    let mut v = FieldViolations::new();
    let message_id = request.message_id.trim().to_owned();
    if message_id.is_empty() {
        v.add("message_id", "is required (client idempotency key)");
    } else {
        max_chars(&message_id, MAX_MESSAGE_ID, "message_id", &mut v);
    }
    let Some(mut report) = request.report else {
        v.add("report", "is required");
        return Err(v);
    };
    let function = match MessageFunction::try_from(report.function) {
        Ok(MessageFunction::Unspecified) => MessageFunction::Original,
        Ok(function) => function,
        Err(_) => {
            v.add("report.function", "unknown message function");
            MessageFunction::Original
        }
    };
    if function == MessageFunction::Cancel {
        // A cancel withdraws the flight: whatever travellers it lists are not stored or sent.
        report.travellers.clear();
    } else if report.travellers.is_empty() {
        v.add("report.travellers", "at least one traveller is required");
    } else if report.travellers.len() > MAX_TRAVELLERS {
        // Refused as a whole: checking thousands of travellers would only bury this.
        v.add_limit(
            "report.travellers",
            format!("at most {MAX_TRAVELLERS} travellers per report"),
        );
        return Err(v);
    }
    let departure_date = match report.flight.as_mut() {
        None => {
            v.add("report.flight", "is required");
            None
        }
        Some(flight) => validate_flight(flight, &mut v),
    };
    validate_parts(&report, &mut v);
    report.sender = report.sender.trim().to_owned();
    max_chars(&report.sender, MAX_SENDER, "report.sender", &mut v);
    let travellers: Vec<ValidTravellerDates> = report
        .travellers
        .iter_mut()
        .enumerate()
        .map(|(i, traveller)| {
            validate_traveller(traveller, &format!("report.travellers[{i}]"), &mut v)
        })
        .collect();
    v.into_result()?;
    let departure_date = departure_date.unwrap_or_default();
    let warnings = warnings::api_report(&report, departure_date, &travellers);
    let mut valid = ValidReport {
        message_id,
        report,
        function,
        departure_date,
        travellers,
        warnings,
        link_budget: 0,
    };
    let size = event::encoded_len_bound(agency, &valid);
    if size > limits.max_event_bytes {
        let mut v = FieldViolations::new();
        v.add_limit(
            "report",
            format!(
                "the report's event would be {size} bytes, over the limit of {} bytes: \
                 send the flight in parts (part_number, part_count)",
                limits.max_event_bytes
            ),
        );
        return Err(v);
    }
    valid.link_budget = limits.max_event_bytes - size;
    Ok(valid)
}

fn validate_flight(flight: &mut Flight, v: &mut FieldViolations) -> Option<NaiveDate> {
    flight.carrier = flight.carrier.trim().to_ascii_uppercase();
    if flight.carrier.is_empty() {
        v.add("report.flight.carrier", "is required");
    } else if !(2..=3).contains(&flight.carrier.len())
        || !flight.carrier.chars().all(|c| c.is_ascii_alphanumeric())
    {
        v.add(
            "report.flight.carrier",
            "must be an IATA (2) or ICAO (3) airline designator",
        );
    }
    flight.number = flight.number.trim().to_ascii_uppercase();
    if flight.number.is_empty() {
        v.add("report.flight.number", "is required");
    } else if flight.number.len() > 5
        || !flight.number.chars().all(|c| c.is_ascii_alphanumeric())
        || !flight.number.starts_with(|c: char| c.is_ascii_digit())
    {
        v.add(
            "report.flight.number",
            "must be 1-4 digits with an optional letter suffix",
        );
    }
    for (field, code) in [
        (
            "report.flight.departure_airport",
            &mut flight.departure_airport,
        ),
        ("report.flight.arrival_airport", &mut flight.arrival_airport),
    ] {
        *code = code.trim().to_ascii_uppercase();
        if code.is_empty() {
            v.add(field, "is required");
        } else if !is_iata_airport(code) {
            v.add(field, "must be a 3-letter IATA airport code");
        }
    }
    if FlightDirection::try_from(flight.direction).is_err() {
        v.add("report.flight.direction", "unknown flight direction");
    }
    flight.departure_date = flight.departure_date.trim().to_owned();
    if flight.departure_date.is_empty() {
        v.add("report.flight.departure_date", "is required");
        return None;
    }
    parse_date(&flight.departure_date, "report.flight.departure_date", v)
}

fn validate_parts(report: &ApiReport, v: &mut FieldViolations) {
    let (part, count) = (report.part_number, report.part_count);
    if part > MAX_PARTS {
        v.add("report.part_number", format!("must be at most {MAX_PARTS}"));
    }
    if count > MAX_PARTS {
        v.add("report.part_count", format!("must be at most {MAX_PARTS}"));
    }
    if count > 0 && !(1..=count).contains(&part) {
        v.add(
            "report.part_number",
            "must be between 1 and part_count when part_count is set",
        );
    }
}

fn validate_traveller(
    traveller: &mut Traveller,
    path: &str,
    v: &mut FieldViolations,
) -> ValidTravellerDates {
    traveller.surname = collapse_spaces(&traveller.surname);
    traveller.given_names = collapse_spaces(&traveller.given_names);
    if traveller.surname.is_empty() {
        v.add(format!("{path}.surname"), "is required");
    }
    traveller.traveller_ref = traveller.traveller_ref.trim().to_owned();
    traveller.place_of_birth = collapse_spaces(&traveller.place_of_birth);
    traveller.seat = traveller.seat.trim().to_ascii_uppercase();
    traveller.record_locator = traveller.record_locator.trim().to_ascii_uppercase();
    for (field, value, max) in [
        ("surname", &traveller.surname, MAX_NAME),
        ("given_names", &traveller.given_names, MAX_NAME),
        ("traveller_ref", &traveller.traveller_ref, MAX_TRAVELLER_REF),
        (
            "place_of_birth",
            &traveller.place_of_birth,
            MAX_PLACE_OF_BIRTH,
        ),
        ("seat", &traveller.seat, MAX_SEAT),
        (
            "record_locator",
            &traveller.record_locator,
            MAX_RECORD_LOCATOR,
        ),
    ] {
        max_chars(value, max, &format!("{path}.{field}"), v);
    }
    if TravellerRole::try_from(traveller.role).is_err() {
        v.add(format!("{path}.role"), "unknown traveller role");
    }
    if Sex::try_from(traveller.sex).is_err() {
        v.add(format!("{path}.sex"), "unknown sex");
    }
    let date_of_birth = if traveller.date_of_birth.trim().is_empty() {
        None
    } else {
        traveller.date_of_birth = traveller.date_of_birth.trim().to_owned();
        let parsed = parse_date(
            &traveller.date_of_birth,
            &format!("{path}.date_of_birth"),
            v,
        );
        if let Some(date) = parsed
            && date > chrono::Utc::now().date_naive()
        {
            v.add(format!("{path}.date_of_birth"), "is in the future");
        }
        parsed
    };
    for (field, code) in [
        ("nationality", &mut traveller.nationality),
        ("country_of_residence", &mut traveller.country_of_residence),
    ] {
        *code = code.trim().to_ascii_uppercase();
        if !code.is_empty() && !is_country(code) {
            v.add(
                format!("{path}.{field}"),
                "must be an ISO 3166-1 alpha-3 (or ICAO 9303) country code",
            );
        }
    }
    for (field, code) in [
        ("embarkation_airport", &mut traveller.embarkation_airport),
        ("debarkation_airport", &mut traveller.debarkation_airport),
        (
            "final_destination_airport",
            &mut traveller.final_destination_airport,
        ),
    ] {
        *code = code.trim().to_ascii_uppercase();
        if !code.is_empty() && !is_iata_airport(code) {
            v.add(
                format!("{path}.{field}"),
                "must be a 3-letter IATA airport code",
            );
        }
    }
    if traveller.documents.len() > MAX_DOCUMENTS {
        v.add_limit(
            format!("{path}.documents"),
            format!("at most {MAX_DOCUMENTS} documents per traveller"),
        );
        return ValidTravellerDates {
            date_of_birth,
            documents: Vec::new(),
        };
    }
    let documents = traveller
        .documents
        .iter_mut()
        .enumerate()
        .map(|(i, document)| validate_document(document, &format!("{path}.documents[{i}]"), v))
        .collect();
    ValidTravellerDates {
        date_of_birth,
        documents,
    }
}

fn validate_document(
    document: &mut TravelDocument,
    path: &str,
    v: &mut FieldViolations,
) -> (Option<NaiveDate>, Option<NaiveDate>) {
    if DocumentType::try_from(document.r#type).is_err() {
        v.add(format!("{path}.type"), "unknown document type");
    }
    document.number = document.number.trim().to_uppercase();
    if gatehouse_matching::document::normalize_document_number(&document.number).is_none() {
        v.add(format!("{path}.number"), "is required");
    } else {
        max_chars(
            &document.number,
            MAX_DOCUMENT_NUMBER,
            &format!("{path}.number"),
            v,
        );
    }
    document.issuing_country = document.issuing_country.trim().to_ascii_uppercase();
    if !document.issuing_country.is_empty() && !is_country(&document.issuing_country) {
        v.add(
            format!("{path}.issuing_country"),
            "must be an ISO 3166-1 alpha-3 (or ICAO 9303) country code",
        );
    }
    let mut date = |value: &mut String, field: &str| {
        *value = value.trim().to_owned();
        if value.is_empty() {
            None
        } else {
            parse_date(value, &format!("{path}.{field}"), v)
        }
    };
    let expiry = date(&mut document.expiry_date, "expiry_date");
    let issue = date(&mut document.issue_date, "issue_date");
    (expiry, issue)
}

/// Adds a violation when `value` is longer than `max` characters.
fn max_chars(value: &str, max: usize, field: &str, v: &mut FieldViolations) {
    // Bytes bound characters from above: most values skip the count.
    if value.len() > max && value.chars().count() > max {
        v.add(field, format!("must be at most {max} characters"));
    }
}

fn parse_date(value: &str, field: &str, v: &mut FieldViolations) -> Option<NaiveDate> {
    // Fixed width first: chrono alone would accept `2026-1-1` or a 5-digit year.
    let well_formed = value.len() == 10
        && value.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        });
    match NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        Ok(date) if well_formed => Some(date),
        _ => {
            v.add(field, "must be a calendar date in YYYY-MM-DD form");
            None
        }
    }
}

fn is_iata_airport(code: &str) -> bool {
    code.len() == 3 && code.chars().all(|c| c.is_ascii_uppercase())
}

/// ISO 3166-1 alpha-3, plus ICAO 9303's one- and two-letter codes such as `D` (Germany).
fn is_country(code: &str) -> bool {
    (1..=3).contains(&code.len()) && code.chars().all(|c| c.is_ascii_uppercase())
}

fn collapse_spaces(value: &str) -> String {
    value.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
pub(crate) mod tests {
    use gatehouse_proto::v1::TravellerRole;
    use tonic::Code;

    use super::*;

    pub(crate) fn request() -> SubmitApiReportRequest {
        SubmitApiReportRequest {
            message_id: "msg-1".into(),
            report: Some(ApiReport {
                flight: Some(Flight {
                    carrier: "ja".into(),
                    number: "123".into(),
                    departure_airport: "ist".into(),
                    arrival_airport: "SJJ".into(),
                    departure_date: "2026-11-27".into(),
                    ..Default::default()
                }),
                travellers: vec![traveller()],
                sender: "JA".into(),
                ..Default::default()
            }),
        }
    }

    pub(crate) fn traveller() -> Traveller {
        Traveller {
            role: TravellerRole::Passenger as i32,
            surname: "  Petrović ".into(),
            given_names: "Marko  Ivan".into(),
            date_of_birth: "1980-02-29".into(),
            nationality: "srb".into(),
            documents: vec![TravelDocument {
                r#type: DocumentType::Passport as i32,
                number: "ab 123456".into(),
                issuing_country: "SRB".into(),
                expiry_date: "2030-01-01".into(),
                ..Default::default()
            }],
            ..Default::default()
        }
    }

    fn check(request: SubmitApiReportRequest) -> Result<ValidReport, FieldViolations> {
        validate(request, "ba-ibm", &Limits::default())
    }

    fn violations(request: SubmitApiReportRequest) -> Vec<(String, String)> {
        check(request)
            .unwrap_err()
            .iter()
            .map(|(field, reason)| (field.to_owned(), reason.to_owned()))
            .collect()
    }

    fn fields(request: SubmitApiReportRequest) -> Vec<String> {
        violations(request).into_iter().map(|(f, _)| f).collect()
    }

    fn report(r: &mut SubmitApiReportRequest) -> &mut ApiReport {
        r.report.as_mut().unwrap()
    }

    fn flight(r: &mut SubmitApiReportRequest) -> &mut Flight {
        report(r).flight.as_mut().unwrap()
    }

    fn first(r: &mut SubmitApiReportRequest) -> &mut Traveller {
        &mut report(r).travellers[0]
    }

    #[test]
    fn valid_report_is_normalised() {
        let valid = check(request()).unwrap();
        let flight = valid.report.flight.as_ref().unwrap();
        assert_eq!(
            (flight.carrier.as_str(), flight.departure_airport.as_str()),
            ("JA", "IST")
        );
        assert_eq!(valid.function, MessageFunction::Original);
        let traveller = &valid.report.travellers[0];
        assert_eq!(traveller.surname, "Petrović");
        assert_eq!(traveller.given_names, "Marko Ivan");
        assert_eq!(traveller.nationality, "SRB");
        assert_eq!(traveller.documents[0].number, "AB 123456");
        assert_eq!(
            valid.departure_date,
            NaiveDate::from_ymd_opt(2026, 11, 27).unwrap()
        );
        assert_eq!(
            valid.travellers[0].date_of_birth,
            NaiveDate::from_ymd_opt(1980, 2, 29)
        );
    }

    type Edit = fn(&mut SubmitApiReportRequest);

    #[test]
    fn each_bad_field_is_named() {
        let cases: &[(Edit, &[&str])] = &[
            (|r| flight(r).number.clear(), &["report.flight.number"]),
            (
                |r| flight(r).departure_date = "27/11/2026".into(),
                &["report.flight.departure_date"],
            ),
            (
                |r| flight(r).departure_date = "2026-1-1".into(),
                &["report.flight.departure_date"],
            ),
            (
                |r| first(r).documents[0].number = " - ".into(),
                &["report.travellers[0].documents[0].number"],
            ),
            (
                |r| first(r).surname = "   ".into(),
                &["report.travellers[0].surname"],
            ),
            (
                |r| first(r).date_of_birth = "1981-02-29".into(),
                &["report.travellers[0].date_of_birth"],
            ),
            (
                |r| {
                    r.message_id.clear();
                    report(r).travellers.clear();
                },
                &["message_id", "report.travellers"],
            ),
            (|r| report(r).function = 42, &["report.function"]),
            (|r| flight(r).direction = 9, &["report.flight.direction"]),
            (|r| first(r).sex = 9, &["report.travellers[0].sex"]),
            (|r| first(r).role = 9, &["report.travellers[0].role"]),
            (
                |r| {
                    report(r).part_number = 3;
                    report(r).part_count = 2;
                },
                &["report.part_number"],
            ),
            (
                |r| report(r).part_count = 1_000,
                &["report.part_count", "report.part_number"],
            ),
        ];
        for (i, (edit, expected)) in cases.iter().enumerate() {
            let mut r = request();
            edit(&mut r);
            assert_eq!(fields(r), *expected, "case {i}");
        }
        let r = SubmitApiReportRequest {
            message_id: "m".into(),
            report: None,
        };
        assert_eq!(fields(r), ["report"]);
    }

    #[test]
    fn every_string_field_has_a_length_limit() {
        let cases: &[(Edit, &str, usize)] = &[
            (|r| r.message_id = "m".repeat(129), "message_id", 128),
            (|r| report(r).sender = "s".repeat(65), "report.sender", 64),
            (
                |r| first(r).surname = "ж".repeat(101),
                "report.travellers[0].surname",
                100,
            ),
            (
                |r| first(r).given_names = "a".repeat(101),
                "report.travellers[0].given_names",
                100,
            ),
            (
                |r| first(r).traveller_ref = "r".repeat(36),
                "report.travellers[0].traveller_ref",
                35,
            ),
            (
                |r| first(r).place_of_birth = "p".repeat(65),
                "report.travellers[0].place_of_birth",
                64,
            ),
            (
                |r| first(r).seat = "12345".into(),
                "report.travellers[0].seat",
                4,
            ),
            (
                |r| first(r).record_locator = "ABCDEFGHI".into(),
                "report.travellers[0].record_locator",
                8,
            ),
            (
                |r| first(r).documents[0].number = "1".repeat(21),
                "report.travellers[0].documents[0].number",
                20,
            ),
        ];
        for (edit, field, max) in cases {
            let mut r = request();
            edit(&mut r);
            let rejection = check(r).unwrap_err();
            assert!(!rejection.exceeds_limit(), "{field} is a field rule");
            let found: Vec<_> = rejection.iter().collect();
            let reason = format!("must be at most {max} characters");
            assert_eq!(found, [(*field, reason.as_str())]);
        }
        // At the limit is fine, counted in characters, not bytes.
        let mut r = request();
        first(&mut r).surname = "ж".repeat(MAX_NAME);
        first(&mut r).documents[0].number = "1".repeat(MAX_DOCUMENT_NUMBER);
        assert!(check(r).is_ok());
    }

    #[test]
    fn messages_never_echo_the_submitted_value() {
        let mut r = request();
        first(&mut r).date_of_birth = "1981-02-29".into();
        first(&mut r).surname = "Z".repeat(150);
        first(&mut r).documents[0].number = "SECRET0123456789012345".into();
        flight(&mut r).departure_date = "tomorrow".into();
        let rejection = check(r).unwrap_err();
        let text = rejection.into_status().message().to_owned();
        for value in ["1981", "ZZZZ", "SECRET", "tomorrow"] {
            assert!(!text.contains(value), "{value} echoed in {text}");
        }
    }

    #[test]
    fn too_many_travellers_or_documents_is_a_limit() {
        let mut r = request();
        report(&mut r).travellers = vec![traveller(); MAX_TRAVELLERS + 1];
        let rejection = check(r).unwrap_err();
        assert!(rejection.exceeds_limit());
        let status = rejection.into_status();
        assert_eq!(status.code(), Code::ResourceExhausted);
        assert!(
            status
                .message()
                .contains("report.travellers: at most 1000 travellers per report"),
            "{}",
            status.message()
        );

        let mut r = request();
        report(&mut r).travellers = vec![traveller(); MAX_TRAVELLERS];
        assert!(check(r).is_ok());

        let mut r = request();
        let document = first(&mut r).documents[0].clone();
        first(&mut r).documents = vec![document; MAX_DOCUMENTS + 1];
        let rejection = check(r).unwrap_err();
        assert!(rejection.exceeds_limit());
        assert_eq!(
            rejection.iter().collect::<Vec<_>>(),
            [(
                "report.travellers[0].documents",
                "at most 5 documents per traveller"
            )]
        );
    }

    #[test]
    fn a_report_whose_event_would_not_fit_the_bus_is_refused() {
        // Within every field limit, but 4-byte characters make it large.
        let mut big = traveller();
        big.surname = "𠜎".repeat(MAX_NAME);
        big.given_names = "𠜱".repeat(MAX_NAME);
        big.place_of_birth = "𠝹".repeat(MAX_PLACE_OF_BIRTH);
        let mut r = request();
        report(&mut r).travellers = vec![big; MAX_TRAVELLERS];
        let rejection = check(r.clone()).unwrap_err();
        assert!(rejection.exceeds_limit());
        let (field, reason) = rejection.iter().next().unwrap();
        assert_eq!(field, "report");
        assert!(
            reason.contains("over the limit of 921600 bytes"),
            "{reason}"
        );

        // The limit follows the bus: a server with a larger payload takes it.
        let roomy = Limits {
            max_event_bytes: 4 * 1024 * 1024,
        };
        assert!(validate(r, "ba-ibm", &roomy).is_ok());
    }

    #[test]
    fn a_cancel_needs_no_travellers_and_keeps_none() {
        let mut r = request();
        report(&mut r).function = MessageFunction::Cancel as i32;
        let valid = check(r.clone()).unwrap();
        assert!(valid.report.travellers.is_empty() && valid.travellers.is_empty());
        report(&mut r).travellers.clear();
        assert_eq!(check(r).unwrap().function, MessageFunction::Cancel);

        let mut r = request();
        report(&mut r).function = MessageFunction::Update as i32;
        report(&mut r).travellers.clear();
        assert_eq!(fields(r), ["report.travellers"]);
    }
}
