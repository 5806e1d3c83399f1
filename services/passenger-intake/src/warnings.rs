//! What is suspicious in a valid report but no reason to refuse it: a document expired or about
//! to expire on the flight date, an airport, country or airline code that no reference list
//! knows. Refusing would drop travellers who are on the aircraft; the warnings go back to the
//! submitter and on to targeting instead.
//!
//! Reference data is `gatehouse_checks` (ISO 3166 and ICAO 9303 codes, IATA airports and
//! metropolitan areas, airline designators); a code missing there may be new rather than wrong,
//! which is one more reason not to refuse.

use chrono::NaiveDate;
use gatehouse_checks::{
    airline, airport,
    country::mrz_state,
    expiry::{ExpiryCheck, ExpiryPolicy, check_expiry},
};
use gatehouse_proto::v1::{ApiReport, RecordWarning};

use crate::validate::ValidTravellerDates;

/// Most warnings one report carries; one more says how many were left out.
pub const MAX_WARNINGS: usize = 50;

#[derive(Default)]
struct Found(Vec<RecordWarning>, usize);

impl Found {
    fn add(&mut self, field: String, code: &str, reason: String) {
        if self.0.len() < MAX_WARNINGS {
            self.0.push(RecordWarning {
                field,
                code: code.to_owned(),
                reason,
            });
        } else {
            self.1 += 1;
        }
    }

    fn airport(&mut self, field: String, code: &str) {
        if !code.is_empty()
            && airport::airport(code).is_none()
            && airport::metropolitan_area(code).is_none()
        {
            self.add(
                field,
                "unknown_airport",
                "not a known IATA airport code".into(),
            );
        }
    }

    fn country(&mut self, field: String, code: &str) {
        if !code.is_empty() && mrz_state(code).is_none() {
            self.add(
                field,
                "unknown_country",
                "not an ISO 3166-1 alpha-3 or ICAO 9303 code".into(),
            );
        }
    }

    fn finish(mut self) -> Vec<RecordWarning> {
        if self.1 > 0 {
            self.0.push(RecordWarning {
                field: "report".into(),
                code: "more_warnings".into(),
                reason: format!("{} more warnings left out", self.1),
            });
        }
        self.0
    }
}

/// The warnings of a report that passed validation (normalised codes, parsed dates).
pub fn api_report(
    report: &ApiReport,
    departure: NaiveDate,
    dates: &[ValidTravellerDates],
) -> Vec<RecordWarning> {
    let mut found = Found::default();
    if let Some(flight) = &report.flight {
        if !airline::is_airline(&flight.carrier) {
            found.add(
                "report.flight.carrier".into(),
                "unknown_airline",
                "not a listed IATA or ICAO airline designator".into(),
            );
        }
        found.airport(
            "report.flight.departure_airport".into(),
            &flight.departure_airport,
        );
        found.airport(
            "report.flight.arrival_airport".into(),
            &flight.arrival_airport,
        );
    }
    for (i, (traveller, dates)) in report.travellers.iter().zip(dates).enumerate() {
        let path = format!("report.travellers[{i}]");
        found.country(format!("{path}.nationality"), &traveller.nationality);
        found.country(
            format!("{path}.country_of_residence"),
            &traveller.country_of_residence,
        );
        for (field, code) in [
            ("embarkation_airport", &traveller.embarkation_airport),
            ("debarkation_airport", &traveller.debarkation_airport),
            (
                "final_destination_airport",
                &traveller.final_destination_airport,
            ),
        ] {
            found.airport(format!("{path}.{field}"), code);
        }
        for (k, (document, (expiry, _))) in
            traveller.documents.iter().zip(&dates.documents).enumerate()
        {
            let path = format!("{path}.documents[{k}]");
            found.country(format!("{path}.issuing_country"), &document.issuing_country);
            let Some(expiry) = expiry else { continue };
            match check_expiry(*expiry, departure, ExpiryPolicy::default()) {
                ExpiryCheck::Valid { .. } => {}
                ExpiryCheck::ExpiresSoon { days_left } => found.add(
                    format!("{path}.expiry_date"),
                    "document_expires_soon",
                    format!("expires {days_left} days after the flight date"),
                ),
                ExpiryCheck::Expired { days_expired } => found.add(
                    format!("{path}.expiry_date"),
                    "document_expired",
                    format!("expired {days_expired} days before the flight date"),
                ),
            }
        }
    }
    found.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::{Limits, tests::request, tests::traveller, validate};

    #[test]
    fn expired_documents_and_unknown_codes_are_warned_about_by_field() {
        let mut r = request();
        let report = r.report.as_mut().unwrap();
        let flight = report.flight.as_mut().unwrap();
        flight.departure_date = "2026-12-20".into();
        flight.departure_airport = "QQQ".into();
        let mut expired = traveller();
        expired.documents[0].expiry_date = "2026-12-08".into();
        expired.nationality = "XYZ".into();
        let mut soon = traveller();
        soon.documents[0].expiry_date = "2027-01-19".into();
        // Germany's MRZ code is valid; so is the metropolitan area LON.
        soon.nationality = "D".into();
        soon.final_destination_airport = "LON".into();
        report.travellers = vec![expired, soon, traveller()];
        let valid = validate(r, "ba-ibm", &Limits::default()).unwrap();
        let found: Vec<(&str, &str, &str)> = valid
            .warnings
            .iter()
            .map(|w| (w.field.as_str(), w.code.as_str(), w.reason.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                (
                    "report.flight.departure_airport",
                    "unknown_airport",
                    "not a known IATA airport code"
                ),
                (
                    "report.travellers[0].nationality",
                    "unknown_country",
                    "not an ISO 3166-1 alpha-3 or ICAO 9303 code"
                ),
                (
                    "report.travellers[0].documents[0].expiry_date",
                    "document_expired",
                    "expired 12 days before the flight date"
                ),
                (
                    "report.travellers[1].documents[0].expiry_date",
                    "document_expires_soon",
                    "expires 30 days after the flight date"
                ),
            ]
        );
    }

    #[test]
    fn warnings_are_bounded() {
        let mut r = request();
        let report = r.report.as_mut().unwrap();
        let mut unknown = traveller();
        unknown.nationality = "XYZ".into();
        report.travellers = vec![unknown; 80];
        let valid = validate(r, "ba-ibm", &Limits::default()).unwrap();
        assert_eq!(valid.warnings.len(), MAX_WARNINGS + 1);
        let last = valid.warnings.last().unwrap();
        assert_eq!(
            (last.code.as_str(), last.reason.as_str()),
            ("more_warnings", "30 more warnings left out")
        );
    }
}
