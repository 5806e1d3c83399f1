//! What each event adds to the daily statistics, and the consumers that add it exactly once.

use std::{
    collections::{BTreeMap, BTreeSet},
    marker::PhantomData,
    ops::AddAssign,
    sync::Arc,
};

use chrono::NaiveDate;
use gatehouse_platform::{
    bus::{Delivery, Event, EventHandler, HandlerError},
    events::from_timestamp,
    units::UnitDirectory,
};
use gatehouse_proto::v1::{self, Domain};
use sqlx::PgPool;

use crate::{query::parse_day, store};

/// Amounts added to the counters of one unit, day and domain.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub records: i64,
    pub hits: i64,
    pub alerts: i64,
    pub seizures: i64,
    pub nothing_found: i64,
    pub false_positives: i64,
    pub referred: i64,
    pub not_controlled: i64,
}

impl AddAssign for Counts {
    fn add_assign(&mut self, other: Counts) {
        self.records += other.records;
        self.hits += other.hits;
        self.alerts += other.alerts;
        self.seizures += other.seizures;
        self.nothing_found += other.nothing_found;
        self.false_positives += other.false_positives;
        self.referred += other.referred;
        self.not_controlled += other.not_controlled;
    }
}

/// The row of `daily_statistics` a count goes to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct DayKey {
    pub unit_id: String,
    pub day: NaiveDate,
    pub domain: Domain,
}

/// Everything one event adds, merged per row: one upsert may touch a row only once, and the
/// sorted order makes concurrent upserts lock rows in the same order.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Tally(BTreeMap<DayKey, Counts>);

impl Tally {
    fn add(&mut self, unit_id: &str, day: NaiveDate, domain: Domain, counts: Counts) {
        let key = DayKey {
            unit_id: unit_id.to_owned(),
            day,
            domain,
        };
        *self.0.entry(key).or_default() += counts;
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn rows(&self) -> impl Iterator<Item = (&DayKey, &Counts)> {
        self.0.iter()
    }
}

/// An event that adds to the statistics.
pub trait Counted: Event + 'static {
    fn tally(&self, units: &UnitDirectory) -> Result<Tally, HandlerError>;
}

fn reject(reason: impl Into<String>) -> HandlerError {
    HandlerError::Reject(reason.into())
}

fn utc_day(at: Option<&prost_types::Timestamp>, field: &str) -> Result<NaiveDate, HandlerError> {
    at.and_then(from_timestamp)
        .map(|at| at.date_naive())
        .ok_or_else(|| reject(format!("{field} is missing or out of range")))
}

/// Statistics know only the two domains; an event without one cannot be filed.
fn counted_domain(value: i32) -> Result<Domain, HandlerError> {
    match Domain::try_from(value) {
        Ok(domain @ (Domain::Passenger | Domain::Cargo)) => Ok(domain),
        _ => Err(reject(format!("domain {value} is not passenger or cargo"))),
    }
}

/// Records: the travellers of the report, for each unit covering the arrival airport.
impl Counted for v1::ApiReportAccepted {
    fn tally(&self, units: &UnitDirectory) -> Result<Tally, HandlerError> {
        let day = utc_day(self.occurred_at.as_ref(), "occurred_at")?;
        let report = self
            .report
            .as_ref()
            .ok_or_else(|| reject("report is missing"))?;
        let arrival = report
            .flight
            .as_ref()
            .map_or("", |flight| flight.arrival_airport.as_str());
        let records = i64::try_from(report.travellers.len()).unwrap_or(i64::MAX);
        let mut tally = Tally::default();
        if records > 0 {
            for unit in units.for_location(arrival) {
                let counts = Counts {
                    records,
                    ..Counts::default()
                };
                tally.add(&unit.id, day, Domain::Passenger, counts);
            }
        }
        Ok(tally)
    }
}

/// Hits: each record with a non-shadow hit, for every unit the assessment concerns.
impl Counted for v1::RiskAssessed {
    fn tally(&self, units: &UnitDirectory) -> Result<Tally, HandlerError> {
        let domain = counted_domain(self.domain)?;
        let mut tally = Tally::default();
        for assessment in self.assessments.iter().filter(|a| has_counted_hit(a)) {
            let day = parse_day(&assessment.occurred_on).ok_or_else(|| {
                reject(format!(
                    "assessment {}: occurred_on {:?} is not YYYY-MM-DD",
                    assessment.assessment_id, assessment.occurred_on
                ))
            })?;
            for unit in assessment_units(assessment, units) {
                let counts = Counts {
                    hits: 1,
                    ..Counts::default()
                };
                tally.add(unit, day, domain, counts);
            }
        }
        Ok(tally)
    }
}

/// The alert of an alert event and the row it counts in: its unit, the UTC day it was raised,
/// its domain.
fn alert_row(alert: Option<&v1::Alert>) -> Result<(&v1::Alert, NaiveDate, Domain), HandlerError> {
    let alert = alert.ok_or_else(|| reject("alert is missing"))?;
    if alert.unit_id.is_empty() {
        return Err(reject(format!(
            "alert {}: unit_id is empty",
            alert.alert_id
        )));
    }
    let domain = counted_domain(alert.domain)?;
    let day = utc_day(alert.raised_at.as_ref(), "alert.raised_at")?;
    Ok((alert, day, domain))
}

/// Alerts: one for the unit it was raised for.
impl Counted for v1::AlertRaised {
    fn tally(&self, _units: &UnitDirectory) -> Result<Tally, HandlerError> {
        let (alert, day, domain) = alert_row(self.alert.as_ref())?;
        let mut tally = Tally::default();
        let counts = Counts {
            alerts: 1,
            ..Counts::default()
        };
        tally.add(&alert.unit_id, day, domain, counts);
        Ok(tally)
    }
}

/// Outcomes: the result of the control an alert led to, counted on the day the alert was raised
/// so that a day's alerts and their outcomes line up. Other updates count nothing.
impl Counted for v1::AlertUpdated {
    fn tally(&self, _units: &UnitDirectory) -> Result<Tally, HandlerError> {
        let mut tally = Tally::default();
        if self.action != "outcome_recorded" {
            return Ok(tally);
        }
        let (alert, day, domain) = alert_row(self.alert.as_ref())?;
        let mut counts = Counts::default();
        match v1::Outcome::try_from(alert.outcome) {
            Ok(v1::Outcome::Seizure) => counts.seizures = 1,
            Ok(v1::Outcome::NothingFound) => counts.nothing_found = 1,
            Ok(v1::Outcome::FalsePositive) => counts.false_positives = 1,
            Ok(v1::Outcome::Referred) => counts.referred = 1,
            Ok(v1::Outcome::NotControlled) => counts.not_controlled = 1,
            Ok(v1::Outcome::Unspecified) | Err(_) => {
                return Err(reject(format!(
                    "alert {}: outcome recorded without an outcome",
                    alert.alert_id
                )));
            }
        }
        tally.add(&alert.unit_id, day, domain, counts);
        Ok(tally)
    }
}

/// Shadow hits score rules under trial; they are not hits an officer would see.
pub fn has_counted_hit(assessment: &v1::Assessment) -> bool {
    assessment.hits.iter().any(|hit| !hit.shadow)
}

/// The units covering the assessment's location and those its rules or watchlists named, each once.
pub fn assessment_units<'a>(
    assessment: &'a v1::Assessment,
    units: &'a UnitDirectory,
) -> BTreeSet<&'a str> {
    units
        .for_location(&assessment.location)
        .into_iter()
        .map(|unit| unit.id.as_str())
        .chain(
            assessment
                .target_units
                .iter()
                .map(String::as_str)
                .filter(|unit| !unit.is_empty()),
        )
        .collect()
}

/// What applying one delivery did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// Added to this many rows.
    Counted(usize),
    /// This consumer counted the event before: nothing changed.
    AlreadyCounted,
    /// The event concerns no unit or has nothing to count.
    NothingToCount,
}

/// A durable consumer adding events of type `E` to the statistics.
pub struct StatisticsConsumer<E> {
    pool: PgPool,
    units: Arc<UnitDirectory>,
    /// Durable name: the inbox key that makes counting exactly-once.
    consumer: String,
    event: PhantomData<fn() -> E>,
}

impl<E: Counted> StatisticsConsumer<E> {
    pub fn new(pool: PgPool, units: Arc<UnitDirectory>, consumer: String) -> Self {
        Self {
            pool,
            units,
            consumer,
            event: PhantomData,
        }
    }

    /// Decodes and counts `delivery` in one transaction with its inbox entry.
    pub async fn apply(&self, delivery: &Delivery) -> Result<Applied, HandlerError> {
        let tally = delivery.decode::<E>()?.tally(&self.units)?;
        // Remembering an event that changes nothing would only grow the inbox.
        if tally.is_empty() {
            return Ok(Applied::NothingToCount);
        }
        let claimed = store::count_once(
            &self.pool,
            &self.consumer,
            &delivery.event_id,
            &delivery.subject,
            &tally,
        )
        .await?;
        Ok(if claimed {
            Applied::Counted(tally.len())
        } else {
            Applied::AlreadyCounted
        })
    }
}

impl<E: Counted> EventHandler for StatisticsConsumer<E> {
    async fn handle(&self, delivery: &Delivery) -> Result<(), HandlerError> {
        match self.apply(delivery).await? {
            Applied::Counted(rows) => tracing::debug!(rows, "event counted"),
            Applied::AlreadyCounted => tracing::info!("event counted before, skipped"),
            Applied::NothingToCount => tracing::debug!("nothing to count"),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use gatehouse_platform::events::to_timestamp;
    use gatehouse_proto::v1::{Alert, ApiReport, Assessment, Flight, Hit, Traveller};

    use super::*;

    fn day(value: &str) -> NaiveDate {
        parse_day(value).unwrap()
    }

    fn seed_units() -> UnitDirectory {
        UnitDirectory::load(None).unwrap()
    }

    fn rows(tally: &Tally) -> Vec<(&str, NaiveDate, Domain, Counts)> {
        tally
            .rows()
            .map(|(key, counts)| (key.unit_id.as_str(), key.day, key.domain, *counts))
            .collect()
    }

    fn hits(n: i64) -> Counts {
        Counts {
            hits: n,
            ..Counts::default()
        }
    }

    fn assessment(location: &str, targets: &[&str], shadow: &[bool]) -> Assessment {
        Assessment {
            assessment_id: uuid::Uuid::now_v7().to_string(),
            location: location.into(),
            target_units: targets.iter().map(|t| (*t).to_owned()).collect(),
            hits: shadow
                .iter()
                .map(|&shadow| Hit {
                    shadow,
                    ..Hit::default()
                })
                .collect(),
            occurred_on: "2026-03-01".into(),
            ..Assessment::default()
        }
    }

    fn api_report(arrival: &str, travellers: usize) -> v1::ApiReportAccepted {
        let at = chrono::DateTime::parse_from_rfc3339("2026-03-01T23:30:00-02:00").unwrap();
        v1::ApiReportAccepted {
            event_id: uuid::Uuid::now_v7().to_string(),
            occurred_at: Some(to_timestamp(at.to_utc())),
            report: Some(ApiReport {
                flight: Some(Flight {
                    arrival_airport: arrival.into(),
                    ..Flight::default()
                }),
                travellers: vec![Traveller::default(); travellers],
                ..ApiReport::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn api_travellers_count_for_the_units_of_the_arrival_airport_on_the_utc_day() {
        let tally = api_report("sjj", 3).tally(&seed_units()).unwrap();
        let records = Counts {
            records: 3,
            ..Counts::default()
        };
        // 23:30 at UTC-2 is the next day in UTC.
        assert_eq!(
            rows(&tally),
            [("jaitf-sjj", day("2026-03-02"), Domain::Passenger, records)]
        );
    }

    #[test]
    fn api_reports_for_uncovered_airports_count_nowhere() {
        assert!(
            api_report("LHR", 3)
                .tally(&seed_units())
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn api_report_without_time_is_rejected() {
        let mut event = api_report("SJJ", 1);
        event.occurred_at = None;
        assert!(matches!(
            event.tally(&seed_units()),
            Err(HandlerError::Reject(_))
        ));
    }

    #[test]
    fn assessment_counts_for_location_units_and_named_units_once_each() {
        let units = seed_units();
        let both = assessment("BEG", &["pcu-bar", "jaitf-beg", ""], &[false]);
        assert_eq!(
            assessment_units(&both, &units),
            BTreeSet::from(["jaitf-beg", "pcu-bar"])
        );
        let uncovered = assessment("LHR", &[], &[false]);
        assert!(assessment_units(&uncovered, &units).is_empty());
    }

    #[test]
    fn only_non_shadow_hits_count() {
        assert!(has_counted_hit(&assessment("SJJ", &[], &[true, false])));
        assert!(!has_counted_hit(&assessment("SJJ", &[], &[true, true])));
        assert!(!has_counted_hit(&assessment("SJJ", &[], &[])));

        let event = v1::RiskAssessed {
            domain: Domain::Passenger as i32,
            assessments: vec![
                assessment("SJJ", &[], &[false]),
                assessment("SJJ", &["jaitf-beg"], &[true, false]),
                assessment("SJJ", &["jaitf-beg"], &[true]),
                assessment("SKP", &[], &[]),
            ],
            ..Default::default()
        };
        let tally = event.tally(&seed_units()).unwrap();
        let march_1 = day("2026-03-01");
        assert_eq!(
            rows(&tally),
            [
                ("jaitf-beg", march_1, Domain::Passenger, hits(1)),
                ("jaitf-sjj", march_1, Domain::Passenger, hits(2)),
            ]
        );
    }

    #[test]
    fn counted_assessment_with_a_bad_day_is_rejected() {
        let mut bad = assessment("SJJ", &[], &[false]);
        bad.occurred_on = "01/03/2026".into();
        let event = v1::RiskAssessed {
            domain: Domain::Cargo as i32,
            assessments: vec![bad],
            ..Default::default()
        };
        assert!(matches!(
            event.tally(&seed_units()),
            Err(HandlerError::Reject(_))
        ));
        let no_domain = v1::RiskAssessed {
            assessments: vec![assessment("SJJ", &[], &[false])],
            ..Default::default()
        };
        assert!(matches!(
            no_domain.tally(&seed_units()),
            Err(HandlerError::Reject(_))
        ));
    }

    #[test]
    fn alerts_count_for_their_unit_and_domain() {
        let raised_at = chrono::DateTime::parse_from_rfc3339("2026-03-01T08:00:00Z").unwrap();
        let event = v1::AlertRaised {
            alert: Some(Alert {
                unit_id: "pcu-bar".into(),
                domain: Domain::Cargo as i32,
                raised_at: Some(to_timestamp(raised_at.to_utc())),
                ..Alert::default()
            }),
            ..Default::default()
        };
        let tally = event.tally(&seed_units()).unwrap();
        let alerts = Counts {
            alerts: 1,
            ..Counts::default()
        };
        assert_eq!(
            rows(&tally),
            [("pcu-bar", day("2026-03-01"), Domain::Cargo, alerts)]
        );
        let empty = v1::AlertRaised::default();
        assert!(matches!(
            empty.tally(&seed_units()),
            Err(HandlerError::Reject(_))
        ));
    }

    #[test]
    fn recorded_outcomes_count_on_the_day_the_alert_was_raised() {
        let raised_at = chrono::DateTime::parse_from_rfc3339("2026-03-01T23:30:00Z").unwrap();
        let update = |action: &str, outcome: v1::Outcome| v1::AlertUpdated {
            action: action.into(),
            alert: Some(Alert {
                unit_id: "jaitf-sjj".into(),
                domain: Domain::Passenger as i32,
                raised_at: Some(to_timestamp(raised_at.to_utc())),
                outcome: outcome as i32,
                ..Alert::default()
            }),
            ..Default::default()
        };
        let tally = update("outcome_recorded", v1::Outcome::Seizure)
            .tally(&seed_units())
            .unwrap();
        let seizure = Counts {
            seizures: 1,
            ..Counts::default()
        };
        assert_eq!(
            rows(&tally),
            [("jaitf-sjj", day("2026-03-01"), Domain::Passenger, seizure)]
        );
        let tally = update("outcome_recorded", v1::Outcome::FalsePositive)
            .tally(&seed_units())
            .unwrap();
        assert_eq!(rows(&tally)[0].3.false_positives, 1);
        assert!(
            update("acknowledged", v1::Outcome::Unspecified)
                .tally(&seed_units())
                .unwrap()
                .is_empty()
        );
        assert!(matches!(
            update("outcome_recorded", v1::Outcome::Unspecified).tally(&seed_units()),
            Err(HandlerError::Reject(_))
        ));
    }
}
