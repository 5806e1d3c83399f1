//! The `ApiReportAccepted` event of a stored report, and a bound on its encoded size that is
//! known before anything is stored (every id in it is a UUID of fixed length), so an event too
//! large for the bus is refused at intake instead of sticking in the outbox.

use gatehouse_platform::events::{new_event_id, to_timestamp};
use gatehouse_proto::v1::{ApiReportAccepted, TravellerLink};
use prost::Message;
use uuid::Uuid;

use crate::validate::ValidReport;

/// What storing a report gave it: ids, version and traveller identities.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub report_id: Uuid,
    pub accepted_at: chrono::DateTime<chrono::Utc>,
    pub flight_id: Uuid,
    pub version: u32,
    /// Same order as the report's travellers.
    pub traveller_ids: Vec<Uuid>,
    pub traveller_keys: Vec<Uuid>,
    pub new_traveller_count: i32,
    /// Travellers linked to PNR travellers ([`crate::link`]), fitted to the event's budget.
    pub links: Vec<TravellerLink>,
}

pub fn accepted(agency: &str, valid: &ValidReport, recorded: &Recorded) -> ApiReportAccepted {
    ApiReportAccepted {
        event_id: new_event_id(),
        occurred_at: Some(to_timestamp(recorded.accepted_at)),
        report_id: recorded.report_id.to_string(),
        message_id: valid.message_id.clone(),
        agency: agency.to_owned(),
        report: Some(valid.report.clone()),
        traveller_ids: recorded
            .traveller_ids
            .iter()
            .map(ToString::to_string)
            .collect(),
        flight_id: recorded.flight_id.to_string(),
        version: recorded.version,
        traveller_keys: recorded
            .traveller_keys
            .iter()
            .map(ToString::to_string)
            .collect(),
        new_traveller_count: recorded.new_traveller_count,
        warnings: valid.warnings.clone(),
        links: recorded.links.clone(),
    }
}

/// At least the encoded length of the report's event, whatever ids, version and counts storing
/// gives it.
pub fn encoded_len_bound(agency: &str, valid: &ValidReport) -> usize {
    let id = Uuid::nil().to_string();
    let skeleton = ApiReportAccepted {
        event_id: id.clone(),
        occurred_at: Some(prost_types::Timestamp {
            seconds: i64::MAX,
            nanos: 999_999_999,
        }),
        report_id: id.clone(),
        message_id: valid.message_id.clone(),
        agency: agency.to_owned(),
        report: None,
        traveller_ids: Vec::new(),
        flight_id: id.clone(),
        version: u32::MAX,
        traveller_keys: Vec::new(),
        new_traveller_count: i32::MAX,
        warnings: valid.warnings.clone(),
        links: Vec::new(),
    };
    let per_traveller = prost::encoding::string::encoded_len(7, &id)
        + prost::encoding::string::encoded_len(10, &id);
    skeleton.encoded_len()
        + prost::encoding::message::encoded_len(6, &valid.report)
        + valid.report.travellers.len() * per_traveller
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::{Limits, tests::request, tests::traveller, validate};

    #[test]
    fn the_bound_covers_the_real_event_closely() {
        for travellers in [0, 1, 150, 1_000] {
            let mut r = request();
            r.report.as_mut().unwrap().travellers = vec![traveller(); travellers.max(1)];
            let valid = validate(r, "ba-ibm", &Limits::default()).unwrap();
            let n = valid.report.travellers.len();
            let recorded = Recorded {
                report_id: Uuid::now_v7(),
                accepted_at: chrono::Utc::now(),
                flight_id: Uuid::now_v7(),
                version: 3,
                traveller_ids: (0..n).map(|_| Uuid::now_v7()).collect(),
                traveller_keys: (0..n).map(|_| Uuid::now_v7()).collect(),
                new_traveller_count: i32::try_from(n).unwrap(),
                links: Vec::new(),
            };
            let actual = accepted("ba-ibm", &valid, &recorded).encoded_len();
            let bound = encoded_len_bound("ba-ibm", &valid);
            assert!(
                bound >= actual && bound - actual < 32,
                "{n}: {bound} vs {actual}"
            );
        }
    }
}
