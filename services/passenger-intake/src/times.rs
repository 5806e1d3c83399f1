//! Carriers' DTM and TVL times are local to the airport they belong to; with the airport's time
//! zone (IATA airports of `gatehouse_checks`, IANA zones) they become instants.

use chrono::{NaiveDateTime, TimeZone, Utc};
use gatehouse_platform::events::to_timestamp;

/// The instant of `local` at `airport`: `None` when the airport or its zone is unknown, or the
/// local time falls in the hour a clock skips; the earlier instant in the hour it repeats.
pub fn at_airport(airport: &str, local: NaiveDateTime) -> Option<prost_types::Timestamp> {
    let zone: chrono_tz::Tz = gatehouse_checks::airport(airport)?.time_zone.parse().ok()?;
    let instant = zone.from_local_datetime(&local).earliest()?;
    Some(to_timestamp(instant.with_timezone(&Utc)))
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    fn local(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .and_then(|day| day.and_hms_opt(h, min, 0))
            .unwrap_or_default()
    }

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> Option<prost_types::Timestamp> {
        Some(to_timestamp(Utc.from_utc_datetime(&local(y, m, d, h, min))))
    }

    #[test]
    fn local_times_become_instants_by_the_airports_zone() {
        // Frankfurt in winter (UTC+1) and Washington Dulles (UTC-5), the GTAS crew list's flight.
        assert_eq!(
            at_airport("FRA", local(2017, 1, 27, 17, 25)),
            utc(2017, 1, 27, 16, 25)
        );
        assert_eq!(
            at_airport("IAD", local(2017, 1, 28, 7, 10)),
            utc(2017, 1, 28, 12, 10)
        );
        // Sarajevo in summer (UTC+2).
        assert_eq!(
            at_airport("SJJ", local(2026, 7, 1, 12, 0)),
            utc(2026, 7, 1, 10, 0)
        );
        // 02:30 on the night Europe's clocks go forward does not exist; on the night they go
        // back it happens twice, and the earlier (summer time) instant is taken.
        assert_eq!(at_airport("BEG", local(2026, 3, 29, 2, 30)), None);
        assert_eq!(
            at_airport("BEG", local(2026, 10, 25, 2, 30)),
            utc(2026, 10, 25, 0, 30)
        );
        assert_eq!(at_airport("QQQ", local(2026, 7, 1, 12, 0)), None);
    }
}
