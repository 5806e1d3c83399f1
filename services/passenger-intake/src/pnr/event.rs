//! The `PnrAccepted` event of a stored PNR version, and a bound on its encoded size known before
//! anything is stored (every id in it is a UUID of fixed length), so an event too large for the
//! bus is refused at intake instead of sticking in the outbox.

use chrono::{DateTime, Utc};
use gatehouse_platform::events::{new_event_id, to_timestamp};
use gatehouse_proto::v1::{PnrAccepted, TravellerLink};
use prost::Message;
use uuid::Uuid;

use crate::pnr::validate::ValidPnr;

/// What storing a PNR gave it: booking id, version and traveller identities.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub pnr_id: Uuid,
    pub accepted_at: DateTime<Utc>,
    pub version: u32,
    /// Same order as the PNR's travellers.
    pub traveller_ids: Vec<Uuid>,
    pub traveller_keys: Vec<Uuid>,
    pub new_traveller_count: i32,
    /// Travellers linked to API travellers ([`crate::link`]), fitted to the event's budget.
    pub links: Vec<TravellerLink>,
}

pub fn accepted(agency: &str, valid: &ValidPnr, recorded: &Recorded) -> PnrAccepted {
    PnrAccepted {
        pnr: Some(valid.pnr.clone()),
        ..envelope(agency, &valid.message_id, recorded)
    }
}

/// The event without its PNR.
fn envelope(agency: &str, message_id: &str, recorded: &Recorded) -> PnrAccepted {
    let strings = |ids: &[Uuid]| ids.iter().map(ToString::to_string).collect();
    PnrAccepted {
        event_id: new_event_id(),
        occurred_at: Some(to_timestamp(recorded.accepted_at)),
        pnr_id: recorded.pnr_id.to_string(),
        message_id: message_id.to_owned(),
        agency: agency.to_owned(),
        pnr: None,
        traveller_ids: strings(&recorded.traveller_ids),
        version: recorded.version,
        traveller_keys: strings(&recorded.traveller_keys),
        new_traveller_count: recorded.new_traveller_count,
        links: recorded.links.clone(),
    }
}

/// At least the encoded length of the PNR's event, whatever ids, version and counts storing
/// gives it: the event with the widest of each (ids are UUIDs of one length, and varints grow
/// with the value).
pub fn encoded_len_bound(agency: &str, valid: &ValidPnr) -> usize {
    let travellers = valid.pnr.travellers.len();
    let widest = Recorded {
        pnr_id: Uuid::max(),
        accepted_at: DateTime::<Utc>::MAX_UTC,
        version: u32::MAX,
        traveller_ids: vec![Uuid::max(); travellers],
        traveller_keys: vec![Uuid::max(); travellers],
        new_traveller_count: i32::MAX,
        links: Vec::new(),
    };
    envelope(agency, &valid.message_id, &widest).encoded_len()
        + prost::encoding::message::encoded_len(6, &valid.pnr)
}

#[cfg(test)]
mod tests {
    use gatehouse_proto::v1::PnrTraveller;

    use super::*;
    use crate::{
        pnr::validate::{tests::request, validate},
        validate::Limits,
    };

    #[test]
    fn the_bound_covers_the_real_event_closely() {
        for travellers in [1, 40, 999] {
            let mut r = request();
            let pnr = r.pnr.as_mut().unwrap();
            let traveller = pnr.travellers[1].clone();
            pnr.travellers = (0..travellers)
                .map(|i| PnrTraveller {
                    traveller_ref: format!("{}.1", i + 1),
                    ..traveller.clone()
                })
                .collect();
            pnr.traveller_segments.clear();
            pnr.baggage.clear();
            let valid = validate(r, "ba-ibm", &Limits::default()).unwrap();
            let ids = |n: usize| (0..n).map(|_| Uuid::now_v7()).collect::<Vec<_>>();
            let recorded = Recorded {
                pnr_id: Uuid::now_v7(),
                accepted_at: Utc::now(),
                version: 3,
                traveller_ids: ids(travellers),
                traveller_keys: ids(travellers),
                new_traveller_count: 1,
                links: Vec::new(),
            };
            let actual = accepted("ba-ibm", &valid, &recorded).encoded_len();
            let bound = encoded_len_bound("ba-ibm", &valid);
            assert!(
                bound >= actual && bound - actual < 32,
                "{travellers}: {bound} vs {actual}"
            );
        }
    }
}
