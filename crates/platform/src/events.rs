//! The `events.proto` messages as bus [`Event`]s.

use gatehouse_proto::v1;

use crate::bus::Event;

macro_rules! events {
    ($($name:ident),+ $(,)?) => {
        $(
            impl Event for v1::$name {
                const TYPE: &'static str = concat!("gatehouse.v1.", stringify!($name));
                fn event_id(&self) -> &str {
                    &self.event_id
                }
            }
        )+
    };
}

events!(
    ApiReportAccepted,
    PnrAccepted,
    ManifestAccepted,
    RiskAssessed,
    AlertRaised,
    AlertUpdated,
    SeizureRecorded,
    UnitMessageSent,
    RulesChanged,
    WatchlistChanged,
);

/// A new event id: UUIDv7, so ids sort by creation time.
pub fn new_event_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Protobuf timestamp of now.
pub fn now_timestamp() -> prost_types::Timestamp {
    to_timestamp(chrono::Utc::now())
}

pub fn to_timestamp(at: chrono::DateTime<chrono::Utc>) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: at.timestamp(),
        nanos: i32::try_from(at.timestamp_subsec_nanos()).unwrap_or(0),
    }
}

pub fn from_timestamp(ts: &prost_types::Timestamp) -> Option<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::from_timestamp(ts.seconds, u32::try_from(ts.nanos).ok()?)
}
