//! Checks an API report field by field and normalises it (codes uppercased, names trimmed), so
//! that everything stored and published downstream is well-formed.

use chrono::NaiveDate;
use gatehouse_platform::error::FieldViolations;
use gatehouse_proto::v1::{
    ApiReport, DocumentType, Flight, SubmitApiReportRequest, TravelDocument, Traveller,
};

/// Most travellers one report may carry: a wide-body flight with crew is well under this.
pub const MAX_TRAVELLERS: usize = 2_000;
const MAX_MESSAGE_ID: usize = 128;
const MAX_NAME: usize = 200;

/// A report that passed validation, with its dates parsed.
#[derive(Debug)]
pub struct ValidReport {
    pub message_id: String,
    pub report: ApiReport,
    pub departure_date: NaiveDate,
    pub travellers: Vec<ValidTravellerDates>,
}

#[derive(Debug, Default)]
pub struct ValidTravellerDates {
    pub date_of_birth: Option<NaiveDate>,
    /// Per document: (expiry, issue).
    pub documents: Vec<(Option<NaiveDate>, Option<NaiveDate>)>,
}

pub fn validate(request: SubmitApiReportRequest) -> Result<ValidReport, FieldViolations> {
    let mut v = FieldViolations::new();
    let message_id = request.message_id.trim().to_owned();
    if message_id.is_empty() {
        v.add("message_id", "is required (client idempotency key)");
    } else if message_id.len() > MAX_MESSAGE_ID {
        v.add(
            "message_id",
            format!("must be at most {MAX_MESSAGE_ID} characters"),
        );
    }
    let Some(mut report) = request.report else {
        v.add("report", "is required");
        return Err(v);
    };
    let departure_date = match report.flight.as_mut() {
        None => {
            v.add("report.flight", "is required");
            None
        }
        Some(flight) => validate_flight(flight, &mut v),
    };
    if report.travellers.is_empty() {
        v.add("report.travellers", "at least one traveller is required");
    } else if report.travellers.len() > MAX_TRAVELLERS {
        v.add(
            "report.travellers",
            format!("at most {MAX_TRAVELLERS} travellers per report"),
        );
    }
    report.sender = report.sender.trim().to_owned();
    let travellers = report
        .travellers
        .iter_mut()
        .enumerate()
        .map(|(i, traveller)| {
            validate_traveller(traveller, &format!("report.travellers[{i}]"), &mut v)
        })
        .collect();
    v.into_result()?;
    Ok(ValidReport {
        message_id,
        report,
        departure_date: departure_date.unwrap_or_default(),
        travellers,
    })
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
    flight.departure_date = flight.departure_date.trim().to_owned();
    if flight.departure_date.is_empty() {
        v.add("report.flight.departure_date", "is required");
        return None;
    }
    parse_date(&flight.departure_date, "report.flight.departure_date", v)
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
    } else if traveller.surname.chars().count() > MAX_NAME {
        v.add(
            format!("{path}.surname"),
            format!("must be at most {MAX_NAME} characters"),
        );
    }
    if traveller.given_names.chars().count() > MAX_NAME {
        v.add(
            format!("{path}.given_names"),
            format!("must be at most {MAX_NAME} characters"),
        );
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
    document.number = document.number.trim().to_ascii_uppercase();
    if gatehouse_matching::document::normalize_document_number(&document.number).is_none() {
        v.add(format!("{path}.number"), "is required");
    } else if document.number.len() > 35 {
        v.add(format!("{path}.number"), "must be at most 35 characters");
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

fn parse_date(value: &str, field: &str, v: &mut FieldViolations) -> Option<NaiveDate> {
    match NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        Ok(date) => Some(date),
        Err(_) => {
            v.add(field, format!("{value:?} is not a date in YYYY-MM-DD form"));
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
mod tests {
    use gatehouse_proto::v1::TravellerRole;

    use super::*;

    pub fn request() -> SubmitApiReportRequest {
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
                travellers: vec![Traveller {
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
                }],
                sender: "JA".into(),
                sent_at: None,
            }),
        }
    }

    fn fields(request: SubmitApiReportRequest) -> Vec<String> {
        validate(request)
            .unwrap_err()
            .iter()
            .map(|(field, _)| field.to_owned())
            .collect()
    }

    #[test]
    fn valid_report_is_normalised() {
        let valid = validate(request()).unwrap();
        let flight = valid.report.flight.as_ref().unwrap();
        assert_eq!(
            (flight.carrier.as_str(), flight.departure_airport.as_str()),
            ("JA", "IST")
        );
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

    #[test]
    fn each_bad_field_is_named() {
        let mut r = request();
        r.report
            .as_mut()
            .unwrap()
            .flight
            .as_mut()
            .unwrap()
            .number
            .clear();
        assert_eq!(fields(r), ["report.flight.number"]);

        let mut r = request();
        r.report
            .as_mut()
            .unwrap()
            .flight
            .as_mut()
            .unwrap()
            .departure_date = "27/11/2026".into();
        assert_eq!(fields(r), ["report.flight.departure_date"]);

        let mut r = request();
        r.report.as_mut().unwrap().travellers[0].documents[0].number = " - ".into();
        assert_eq!(fields(r), ["report.travellers[0].documents[0].number"]);

        let mut r = request();
        r.report.as_mut().unwrap().travellers[0].surname = "   ".into();
        assert_eq!(fields(r), ["report.travellers[0].surname"]);

        let mut r = request();
        r.report.as_mut().unwrap().travellers[0].date_of_birth = "1981-02-29".into();
        assert_eq!(fields(r), ["report.travellers[0].date_of_birth"]);

        let mut r = request();
        r.message_id.clear();
        r.report.as_mut().unwrap().travellers.clear();
        assert_eq!(fields(r), ["message_id", "report.travellers"]);

        let r = SubmitApiReportRequest {
            message_id: "m".into(),
            report: None,
        };
        assert_eq!(fields(r), ["report"]);
    }
}
