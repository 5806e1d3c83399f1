//! What a `GetStatistics` request asks for: a bounded range of days and a domain.

use chrono::{Days, NaiveDate};
use gatehouse_platform::error::FieldViolations;
use gatehouse_proto::v1::{Domain, GetStatisticsRequest};

/// Longest range one request may cover, in days: a (leap) year.
pub const MAX_DAYS: i64 = 366;
/// Days covered when `from_date` is empty, `to_date` included.
const DEFAULT_DAYS: u64 = 30;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatisticsQuery {
    /// First day, inclusive.
    pub from: NaiveDate,
    /// Last day, inclusive.
    pub to: NaiveDate,
    /// `None` = both domains.
    pub domain: Option<Domain>,
}

/// `YYYY-MM-DD` and nothing looser (no single-digit months, signs or extra digits).
pub fn parse_day(value: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .ok()
        .filter(|day| day.format("%Y-%m-%d").to_string() == value)
}

/// Checks the dates and domain of `request`; `today` (UTC) is the default last day.
pub fn validate(
    request: &GetStatisticsRequest,
    today: NaiveDate,
) -> Result<StatisticsQuery, FieldViolations> {
    let mut violations = FieldViolations::new();
    let domain = match Domain::try_from(request.domain) {
        Ok(Domain::Unspecified) => None,
        Ok(domain) => Some(domain),
        Err(_) => {
            violations.add("domain", "unknown domain");
            None
        }
    };
    let to = match request.to_date.as_str() {
        "" => Some(today),
        value => parse_day(value),
    };
    if to.is_none() {
        violations.add("to_date", "must be a date YYYY-MM-DD");
    }
    let from = match request.from_date.as_str() {
        "" => to.map(|to| {
            to.checked_sub_days(Days::new(DEFAULT_DAYS - 1))
                .unwrap_or(NaiveDate::MIN)
        }),
        value => {
            let from = parse_day(value);
            if from.is_none() {
                violations.add("from_date", "must be a date YYYY-MM-DD");
            }
            from
        }
    };
    // A missing date has been recorded as a violation.
    let (Some(from), Some(to)) = (from, to) else {
        return Err(violations);
    };
    if from > to {
        violations.add("from_date", "must not be after to_date");
    } else if to.signed_duration_since(from).num_days() >= MAX_DAYS {
        violations.add(
            "from_date",
            format!("the range to to_date must span at most {MAX_DAYS} days"),
        );
    }
    violations.into_result()?;
    Ok(StatisticsQuery { from, to, domain })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(value: &str) -> NaiveDate {
        parse_day(value).unwrap()
    }

    fn request(from_date: &str, to_date: &str) -> GetStatisticsRequest {
        GetStatisticsRequest {
            from_date: from_date.into(),
            to_date: to_date.into(),
            ..Default::default()
        }
    }

    fn fields(violations: &FieldViolations) -> Vec<&str> {
        violations.iter().map(|(field, _)| field).collect()
    }

    #[test]
    fn empty_dates_mean_the_last_thirty_days() {
        let query = validate(&request("", ""), day("2026-03-10")).unwrap();
        assert_eq!(query.from, day("2026-02-09"));
        assert_eq!(query.to, day("2026-03-10"));
        assert_eq!(query.domain, None);

        let query = validate(&request("", "2026-01-31"), day("2026-03-10")).unwrap();
        assert_eq!(
            (query.from, query.to),
            (day("2026-01-02"), day("2026-01-31"))
        );
    }

    #[test]
    fn one_day_and_a_leap_year_are_accepted() {
        let today = day("2026-03-10");
        let query = validate(&request("2026-03-01", "2026-03-01"), today).unwrap();
        assert_eq!(query.from, query.to);
        let query = validate(&request("2024-01-01", "2024-12-31"), today).unwrap();
        assert_eq!(
            query.to.signed_duration_since(query.from).num_days() + 1,
            366
        );
    }

    #[test]
    fn unparsable_dates_name_their_field() {
        let today = day("2026-03-10");
        for bad in ["2026-3-01", "01.03.2026", "2026-02-30", "+2026-03-01", "x"] {
            let violations = validate(&request(bad, "2026-03-10"), today).unwrap_err();
            assert_eq!(fields(&violations), ["from_date"], "{bad}");
            let violations = validate(&request("2026-03-01", bad), today).unwrap_err();
            assert_eq!(fields(&violations), ["to_date"], "{bad}");
        }
        // A bad to_date leaves no default from_date to complain about.
        let violations = validate(&request("", "tomorrow"), today).unwrap_err();
        assert_eq!(fields(&violations), ["to_date"]);
    }

    #[test]
    fn reversed_or_overlong_ranges_are_rejected() {
        let today = day("2026-03-10");
        let reversed = validate(&request("2026-03-02", "2026-03-01"), today).unwrap_err();
        assert_eq!(fields(&reversed), ["from_date"]);
        let overlong = validate(&request("2025-01-01", "2026-01-02"), today).unwrap_err();
        assert_eq!(fields(&overlong), ["from_date"]);
    }

    #[test]
    fn domain_filter() {
        let today = day("2026-03-10");
        let mut cargo = request("", "");
        cargo.domain = Domain::Cargo as i32;
        assert_eq!(validate(&cargo, today).unwrap().domain, Some(Domain::Cargo));
        let mut unknown = request("", "");
        unknown.domain = 42;
        assert_eq!(fields(&validate(&unknown, today).unwrap_err()), ["domain"]);
    }
}
