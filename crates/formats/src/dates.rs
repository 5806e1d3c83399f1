//! EDIFACT date and time values (data element 2379 format codes 2, 101, 102, 201, 203) and the
//! DDMMMYY dates of AIRIMP free text.

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike};

/// How to complete a two-digit year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Century {
    /// 20YY: flight, expiry and envelope dates.
    Current,
    /// The latest century that does not put the date after the reference (dates of birth).
    NotAfter(NaiveDate),
}

/// A DTM format code (2379), given or inferred from the value's length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DateFormat {
    Yymmdd,
    Ccyymmdd,
    YymmddHhmm,
    CcyymmddHhmm,
}

impl DateFormat {
    pub(crate) fn from_code(code: &str) -> Option<Self> {
        match code {
            "101" => Some(Self::Yymmdd),
            "102" => Some(Self::Ccyymmdd),
            "201" => Some(Self::YymmddHhmm),
            "203" => Some(Self::CcyymmddHhmm),
            _ => None,
        }
    }

    pub(crate) fn infer(value: &str) -> Option<Self> {
        match value.len() {
            6 => Some(Self::Yymmdd),
            8 => Some(Self::Ccyymmdd),
            10 => Some(Self::YymmddHhmm),
            12 => Some(Self::CcyymmddHhmm),
            _ => None,
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Yymmdd => "YYMMDD",
            Self::Ccyymmdd => "CCYYMMDD",
            Self::YymmddHhmm => "YYMMDDHHMM",
            Self::CcyymmddHhmm => "CCYYMMDDHHMM",
        }
    }

    /// The value as a date and time (midnight when the format has no time).
    pub(crate) fn parse(self, value: &str, century: Century) -> Option<NaiveDateTime> {
        let (date, time) = match self {
            Self::Yymmdd => (yymmdd(value, century)?, NaiveTime::MIN),
            Self::Ccyymmdd => (ccyymmdd(value)?, NaiveTime::MIN),
            Self::YymmddHhmm => (yymmdd(value.get(..6)?, century)?, hhmm(value.get(6..)?)?),
            Self::CcyymmddHhmm => (ccyymmdd(value.get(..8)?)?, hhmm(value.get(8..)?)?),
        };
        Some(date.and_time(time))
    }
}

fn digits(value: &str, len: usize) -> Option<u32> {
    if value.len() != len || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    value.parse().ok()
}

pub(crate) fn yymmdd(value: &str, century: Century) -> Option<NaiveDate> {
    let yy = digits(value.get(..2)?, 2)?;
    let month = digits(value.get(2..4)?, 2)?;
    let day = digits(value.get(4..)?, 2)?;
    two_digit_year(yy, month, day, century)
}

fn two_digit_year(yy: u32, month: u32, day: u32, century: Century) -> Option<NaiveDate> {
    let yy = i32::try_from(yy).ok()?;
    let date = NaiveDate::from_ymd_opt(2000 + yy, month, day)?;
    match century {
        Century::Current => Some(date),
        Century::NotAfter(reference) if date <= reference => Some(date),
        Century::NotAfter(_) => date.with_year(1900 + yy),
    }
}

pub(crate) fn ccyymmdd(value: &str) -> Option<NaiveDate> {
    let year = i32::try_from(digits(value.get(..4)?, 4)?).ok()?;
    let month = digits(value.get(4..6)?, 2)?;
    let day = digits(value.get(6..)?, 2)?;
    NaiveDate::from_ymd_opt(year, month, day)
}

pub(crate) fn hhmm(value: &str) -> Option<NaiveTime> {
    let hour = digits(value.get(..2)?, 2)?;
    let minute = digits(value.get(2..)?, 2)?;
    NaiveTime::from_hms_opt(hour, minute, 0)
}

/// HHMM, or HHMMSS as some reservation systems send (PNRGOV RCI creation times).
pub(crate) fn hhmm_or_hhmmss(value: &str) -> Option<NaiveTime> {
    match value.len() {
        4 => hhmm(value),
        6 => hhmm(value.get(..4)?)?.with_second(digits(value.get(4..)?, 2)?),
        _ => None,
    }
}

/// DDMMYY (format code 2), the date form of the PADIS reservation messages such as PNRGOV.
pub(crate) fn ddmmyy(value: &str, century: Century) -> Option<NaiveDate> {
    let day = digits(value.get(..2)?, 2)?;
    let month = digits(value.get(2..4)?, 2)?;
    let yy = digits(value.get(4..)?, 2)?;
    two_digit_year(yy, month, day, century)
}

/// DDMMMYY with an English month abbreviation (`12JUL64`), the date form of AIRIMP free text
/// (SSR DOCS, DOCO, INFT).
pub(crate) fn ddmonyy(value: &str, century: Century) -> Option<NaiveDate> {
    const MONTHS: [&str; 12] = [
        "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
    ];
    let day = digits(value.get(..2)?, 2)?;
    let month = value.get(2..5)?;
    let month = MONTHS.iter().position(|m| m.eq_ignore_ascii_case(month))?;
    let month = u32::try_from(month + 1).ok()?;
    match value.get(5..)? {
        year if year.len() == 4 => {
            NaiveDate::from_ymd_opt(i32::try_from(digits(year, 4)?).ok()?, month, day)
        }
        year => two_digit_year(digits(year, 2)?, month, day, century),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn two_digit_years_of_birth_stay_in_the_past() {
        let reference = date(2014, 2, 11);
        for (value, expected) in [
            ("541016", date(1954, 10, 16)),
            ("140211", date(2014, 2, 11)),
            ("140212", date(1914, 2, 12)),
            ("000101", date(2000, 1, 1)),
        ] {
            assert_eq!(
                yymmdd(value, Century::NotAfter(reference)),
                Some(expected),
                "{value}"
            );
        }
    }

    #[test]
    fn formats_parse_and_reject() {
        let at = |y, mo, d, h, mi| date(y, mo, d).and_hms_opt(h, mi, 0).unwrap();
        let cases = [
            (
                DateFormat::YymmddHhmm,
                "0702191540",
                Some(at(2007, 2, 19, 15, 40)),
            ),
            (
                DateFormat::CcyymmddHhmm,
                "201701271725",
                Some(at(2017, 1, 27, 17, 25)),
            ),
            (DateFormat::Ccyymmdd, "19720907", Some(at(1972, 9, 7, 0, 0))),
            (DateFormat::Yymmdd, "180221", Some(at(2018, 2, 21, 0, 0))),
            (DateFormat::Yymmdd, "180230", None),
            (DateFormat::YymmddHhmm, "0702192540", None),
            (DateFormat::Yymmdd, "1802", None),
            (DateFormat::Yymmdd, "18-221", None),
        ];
        for (format, value, expected) in cases {
            assert_eq!(format.parse(value, Century::Current), expected, "{value}");
        }
        assert_eq!(
            DateFormat::infer("0702191540"),
            Some(DateFormat::YymmddHhmm)
        );
        assert_eq!(DateFormat::from_code("204"), None);
    }

    #[test]
    fn reservation_date_forms() {
        let reference = date(2013, 5, 27);
        assert_eq!(ddmmyy("270513", Century::Current), Some(date(2013, 5, 27)));
        assert_eq!(ddmmyy("310213", Century::Current), None);
        assert_eq!(ddmmyy("2705", Century::Current), None);
        assert_eq!(
            ddmonyy("12JUL64", Century::NotAfter(reference)),
            Some(date(1964, 7, 12))
        );
        assert_eq!(ddmonyy("05jul16", Century::Current), Some(date(2016, 7, 5)));
        assert_eq!(ddmonyy("12JLY64", Century::Current), None);
        assert_eq!(
            ddmonyy("12JUL1964", Century::Current),
            Some(date(1964, 7, 12))
        );
        assert_eq!(ddmonyy("1JUL64", Century::Current), None);
        assert_eq!(
            hhmm_or_hhmmss("181348"),
            NaiveTime::from_hms_opt(18, 13, 48)
        );
        assert_eq!(hhmm_or_hhmmss("0915"), NaiveTime::from_hms_opt(9, 15, 0));
        assert_eq!(hhmm_or_hhmmss("2460"), None);
        assert_eq!(hhmm_or_hhmmss("09150"), None);
    }
}
