//! What each event adds to the daily statistics, and the consumers that add it exactly once.

use std::{
    collections::{BTreeMap, BTreeSet},
    marker::PhantomData,
    ops::AddAssign,
    sync::Arc,
};

use chrono::NaiveDate;
use gatehouse_platform::{
    bus::Event,
    consumer::{BatchHandler, Delivery, HandlerError, Rejected, decode_batch},
    events::from_timestamp,
    units::UnitDirectory,
};
use gatehouse_proto::v1::{self, AlertAction, Domain};
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
    pub shadow_hits: i64,
    pub pnr_travellers: i64,
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
        self.shadow_hits += other.shadow_hits;
        self.pnr_travellers += other.pnr_travellers;
    }
}

/// The row of `daily_statistics` a count goes to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct DayKey {
    pub unit_id: String,
    pub day: NaiveDate,
    pub domain: Domain,
}

/// A count that concerns one subject (a traveller on a flight, a consignment) and must be
/// added once however often the subject is re-assessed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SubjectCount {
    Hit,
    ShadowHit,
}

impl SubjectCount {
    pub fn column(self) -> &'static str {
        match self {
            SubjectCount::Hit => "hit",
            SubjectCount::ShadowHit => "shadow_hit",
        }
    }

    fn counts(self) -> Counts {
        match self {
            SubjectCount::Hit => Counts {
                hits: 1,
                ..Counts::default()
            },
            SubjectCount::ShadowHit => Counts {
                shadow_hits: 1,
                ..Counts::default()
            },
        }
    }
}

/// Everything some events add, merged per row: one upsert may touch a row only once, and the
/// sorted order makes concurrent upserts lock rows in the same order. Counts of subjects are
/// kept apart until the store has checked which subjects it saw before.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Tally {
    rows: BTreeMap<DayKey, Counts>,
    subjects: BTreeSet<(DayKey, SubjectCount, String)>,
}

impl Tally {
    fn add(&mut self, unit_id: &str, day: NaiveDate, domain: Domain, counts: Counts) {
        let key = DayKey {
            unit_id: unit_id.to_owned(),
            day,
            domain,
        };
        *self.rows.entry(key).or_default() += counts;
    }

    fn add_subject(
        &mut self,
        unit_id: &str,
        day: NaiveDate,
        domain: Domain,
        count: SubjectCount,
        subject: &str,
    ) {
        let key = DayKey {
            unit_id: unit_id.to_owned(),
            day,
            domain,
        };
        self.subjects.insert((key, count, subject.to_owned()));
    }

    /// Adds a counted subject's contribution (after the store found it new).
    pub fn add_counted(&mut self, key: DayKey, count: SubjectCount) {
        *self.rows.entry(key).or_default() += count.counts();
    }

    pub fn merge(&mut self, other: Tally) {
        for (key, counts) in other.rows {
            *self.rows.entry(key).or_default() += counts;
        }
        self.subjects.extend(other.subjects);
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty() && self.subjects.is_empty()
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn rows(&self) -> impl Iterator<Item = (&DayKey, &Counts)> {
        self.rows.iter()
    }

    /// Subjects to count once each: row, kind of count, dedupe key.
    pub fn take_subjects(&mut self) -> BTreeSet<(DayKey, SubjectCount, String)> {
        std::mem::take(&mut self.subjects)
    }
}

/// An event that adds to the statistics; `Err` names why it can never be counted.
pub trait Counted: Event + 'static {
    fn tally(&self, units: &UnitDirectory) -> Result<Tally, String>;
}

fn utc_day(at: Option<&prost_types::Timestamp>, field: &str) -> Result<NaiveDate, String> {
    at.and_then(from_timestamp)
        .map(|at| at.date_naive())
        .ok_or_else(|| format!("{field} is missing or out of range"))
}

/// Statistics know only the two domains; an event without one cannot be filed.
fn counted_domain(value: i32) -> Result<Domain, String> {
    match Domain::try_from(value) {
        Ok(domain @ (Domain::Passenger | Domain::Cargo)) => Ok(domain),
        _ => Err(format!("domain {value} is not passenger or cargo")),
    }
}

/// Records: the travellers new to the flight (a later version of a report counts only the
/// travellers it adds), for each unit covering the arrival airport.
impl Counted for v1::ApiReportAccepted {
    fn tally(&self, units: &UnitDirectory) -> Result<Tally, String> {
        let day = utc_day(self.occurred_at.as_ref(), "occurred_at")?;
        let report = self
            .report
            .as_ref()
            .ok_or_else(|| "report is missing".to_owned())?;
        let arrival = report
            .flight
            .as_ref()
            .map_or("", |flight| flight.arrival_airport.as_str());
        // Events from before record versions carry no flight id: every traveller is new.
        let records = if self.flight_id.is_empty() {
            i64::try_from(report.travellers.len()).unwrap_or(i64::MAX)
        } else {
            i64::from(self.new_traveller_count.max(0))
        };
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

/// PNR travellers: those new to the booking (a later push counts only the travellers it adds),
/// for each unit covering the arrival airport of the flight the PNR was pushed for. Apart from
/// `records`: the same person may be on the flight's API report too.
impl Counted for v1::PnrAccepted {
    fn tally(&self, units: &UnitDirectory) -> Result<Tally, String> {
        let day = utc_day(self.occurred_at.as_ref(), "occurred_at")?;
        let pnr = self
            .pnr
            .as_ref()
            .ok_or_else(|| "pnr is missing".to_owned())?;
        let arrival = pnr
            .flight
            .as_ref()
            .map_or("", |flight| flight.arrival_airport.as_str());
        let travellers = i64::from(self.new_traveller_count.max(0));
        let mut tally = Tally::default();
        if travellers > 0 {
            for unit in units.for_location(arrival) {
                let counts = Counts {
                    pnr_travellers: travellers,
                    ..Counts::default()
                };
                tally.add(&unit.id, day, Domain::Passenger, counts);
            }
        }
        Ok(tally)
    }
}

/// Consignments: those new to the agency (an amendment's new versions are not counted again), for
/// each unit covering the movement's place of entry (else its port of discharge).
impl Counted for v1::ManifestAccepted {
    fn tally(&self, units: &UnitDirectory) -> Result<Tally, String> {
        let day = utc_day(self.occurred_at.as_ref(), "occurred_at")?;
        let manifest = self
            .manifest
            .as_ref()
            .ok_or_else(|| "manifest is missing".to_owned())?;
        let place = if manifest.place_of_entry.is_empty() {
            manifest.port_of_discharge.as_str()
        } else {
            manifest.place_of_entry.as_str()
        };
        let cancel = manifest.function == v1::MessageFunction::Cancel as i32;
        let records = if cancel {
            0
        } else {
            let new = self.consignment_records.iter().filter(|r| r.version == 1);
            i64::try_from(new.count()).unwrap_or(i64::MAX)
        };
        let mut tally = Tally::default();
        if records > 0 {
            for unit in units.for_location(place) {
                let counts = Counts {
                    records,
                    ..Counts::default()
                };
                tally.add(&unit.id, day, Domain::Cargo, counts);
            }
        }
        Ok(tally)
    }
}

/// Hits: each subject with a hit (and, apart, with a shadow hit), once per unit the assessment
/// concerns, however often it is re-assessed.
impl Counted for v1::RiskAssessed {
    fn tally(&self, units: &UnitDirectory) -> Result<Tally, String> {
        let domain = counted_domain(self.domain)?;
        let mut tally = Tally::default();
        for assessment in &self.assessments {
            let counts: Vec<SubjectCount> = [
                (!assessment.hits.is_empty()).then_some(SubjectCount::Hit),
                (!assessment.shadow_hits.is_empty()).then_some(SubjectCount::ShadowHit),
            ]
            .into_iter()
            .flatten()
            .collect();
            if counts.is_empty() {
                continue;
            }
            let day = parse_day(&assessment.occurred_on).ok_or_else(|| {
                format!(
                    "assessment {}: occurred_on is not YYYY-MM-DD",
                    assessment.assessment_id
                )
            })?;
            let subject = if assessment.dedupe_key.is_empty() {
                &assessment.assessment_id
            } else {
                &assessment.dedupe_key
            };
            for unit in assessment_units(assessment, units) {
                for count in &counts {
                    tally.add_subject(unit, day, domain, *count, subject);
                }
            }
        }
        Ok(tally)
    }
}

/// The alert of an alert event and the row it counts in: its unit, the UTC day it was raised,
/// its domain.
fn alert_row(alert: Option<&v1::Alert>) -> Result<(&v1::Alert, NaiveDate, Domain), String> {
    let alert = alert.ok_or_else(|| "alert is missing".to_owned())?;
    if alert.unit_id.is_empty() {
        return Err(format!("alert {}: unit_id is empty", alert.alert_id));
    }
    let domain = counted_domain(alert.domain)?;
    let day = utc_day(alert.raised_at.as_ref(), "alert.raised_at")?;
    Ok((alert, day, domain))
}

/// Alerts: one for the unit it was raised for.
impl Counted for v1::AlertRaised {
    fn tally(&self, _units: &UnitDirectory) -> Result<Tally, String> {
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
    fn tally(&self, _units: &UnitDirectory) -> Result<Tally, String> {
        let mut tally = Tally::default();
        if self.action != AlertAction::OutcomeRecorded as i32 {
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
                return Err(format!(
                    "alert {}: outcome recorded without an outcome",
                    alert.alert_id
                ));
            }
        }
        tally.add(&alert.unit_id, day, domain, counts);
        Ok(tally)
    }
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

/// A durable consumer adding events of type `E` to the statistics.
pub struct StatisticsConsumer<E> {
    pool: PgPool,
    units: Arc<UnitDirectory>,
    /// Durable name: the inbox key that makes counting exactly-once.
    consumer: &'static str,
    event: PhantomData<fn() -> E>,
}

impl<E: Counted> StatisticsConsumer<E> {
    pub fn new(pool: PgPool, units: Arc<UnitDirectory>, consumer: &'static str) -> Self {
        Self {
            pool,
            units,
            consumer,
            event: PhantomData,
        }
    }
}

impl<E: Counted> BatchHandler for StatisticsConsumer<E> {
    /// Adds up the batch in memory and writes one upsert per row touched, in one transaction
    /// with the inbox claims. Events that count nothing are not remembered: there is nothing a
    /// second delivery could double.
    async fn apply(&self, batch: &[Delivery]) -> Result<Vec<Rejected>, HandlerError> {
        let (events, mut rejected) = decode_batch::<E>(batch);
        let mut counted = Vec::with_capacity(events.len());
        for (index, event) in events {
            match event.tally(&self.units) {
                Ok(tally) if tally.is_empty() => {}
                Ok(tally) => counted.push((index, tally)),
                Err(reason) => rejected.push(Rejected { index, reason }),
            }
        }
        if counted.is_empty() {
            return Ok(rejected);
        }
        let deliveries: Vec<&Delivery> = counted.iter().map(|(i, _)| &batch[*i]).collect();
        let rows = store::count_batch(&self.pool, self.consumer, &deliveries, |claimed| {
            let mut total = Tally::default();
            // A batch may hold one event twice; it is claimed, and counted, once.
            let mut first = claimed.clone();
            for (index, tally) in counted {
                if first.remove(&batch[index].event_id) {
                    total.merge(tally);
                }
            }
            total
        })
        .await?;
        tracing::debug!(consumer = self.consumer, rows, "events counted");
        Ok(rejected)
    }
}

#[cfg(test)]
mod tests {
    use gatehouse_platform::events::to_timestamp;
    use gatehouse_proto::v1::{
        Alert, ApiReport, Assessment, Flight, Hit, Pnr, PnrTraveller, Traveller,
    };

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
        assert!(event.tally(&seed_units()).is_err());
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

    fn subjects(tally: &mut Tally) -> Vec<(String, SubjectCount, String)> {
        tally
            .take_subjects()
            .into_iter()
            .map(|(key, count, subject)| (key.unit_id, count, subject))
            .collect()
    }

    #[test]
    fn hits_and_shadow_hits_count_once_per_subject_and_unit() {
        let plain = assessment("SJJ", &[], &[false]);
        let mut both = assessment("SJJ", &["jaitf-beg"], &[false]);
        both.shadow_hits = vec![Hit {
            shadow: true,
            ..Hit::default()
        }];
        both.dedupe_key = "passenger/flight-1/traveller-9".into();
        let mut shadow_only = assessment("SKP", &[], &[]);
        shadow_only.shadow_hits = vec![Hit::default()];
        shadow_only.dedupe_key = "passenger/flight-2/traveller-1".into();
        let nothing = assessment("SJJ", &[], &[]);

        let event = v1::RiskAssessed {
            domain: Domain::Passenger as i32,
            assessments: vec![plain.clone(), both, shadow_only, nothing],
            ..Default::default()
        };
        let mut tally = event.tally(&seed_units()).unwrap();
        // Subject counts wait for the store; nothing is added to rows directly.
        assert!(rows(&tally).is_empty());
        let expected = vec![
            // Without a dedupe key the assessment itself is the subject.
            ("jaitf-sjj", SubjectCount::Hit, plain.assessment_id.clone()),
            (
                "jaitf-beg",
                SubjectCount::Hit,
                "passenger/flight-1/traveller-9".to_owned(),
            ),
            (
                "jaitf-sjj",
                SubjectCount::Hit,
                "passenger/flight-1/traveller-9".to_owned(),
            ),
            (
                "jaitf-beg",
                SubjectCount::ShadowHit,
                "passenger/flight-1/traveller-9".to_owned(),
            ),
            (
                "jaitf-sjj",
                SubjectCount::ShadowHit,
                "passenger/flight-1/traveller-9".to_owned(),
            ),
            (
                "biu-skp",
                SubjectCount::ShadowHit,
                "passenger/flight-2/traveller-1".to_owned(),
            ),
        ];
        let mut expected: Vec<(String, SubjectCount, String)> = expected
            .into_iter()
            .map(|(unit, count, subject)| (unit.to_owned(), count, subject))
            .collect();
        expected.sort();
        let mut actual = subjects(&mut tally);
        actual.sort();
        assert_eq!(actual, expected);

        let key = DayKey {
            unit_id: "jaitf-sjj".into(),
            day: day("2026-03-01"),
            domain: Domain::Passenger,
        };
        tally.add_counted(key.clone(), SubjectCount::Hit);
        tally.add_counted(key, SubjectCount::ShadowHit);
        let counted = Counts {
            hits: 1,
            shadow_hits: 1,
            ..Counts::default()
        };
        assert_eq!(
            rows(&tally),
            [("jaitf-sjj", day("2026-03-01"), Domain::Passenger, counted)]
        );
    }

    fn pnr(arrival: &str, travellers: usize, new: i32) -> v1::PnrAccepted {
        let at = chrono::DateTime::parse_from_rfc3339("2026-03-01T23:30:00-02:00").unwrap();
        v1::PnrAccepted {
            event_id: uuid::Uuid::now_v7().to_string(),
            occurred_at: Some(to_timestamp(at.to_utc())),
            pnr: Some(Pnr {
                record_locator: "X7K2QP".into(),
                flight: Some(Flight {
                    arrival_airport: arrival.into(),
                    ..Flight::default()
                }),
                travellers: vec![PnrTraveller::default(); travellers],
                ..Pnr::default()
            }),
            new_traveller_count: new,
            ..Default::default()
        }
    }

    #[test]
    fn pnr_travellers_new_to_the_booking_count_apart_from_records_on_the_utc_day() {
        let units = seed_units();
        let tally = pnr("BEG", 3, 3).tally(&units).unwrap();
        let counted = Counts {
            pnr_travellers: 3,
            ..Counts::default()
        };
        // 23:30 at UTC-2 is the next day in UTC; records (API travellers) stay untouched.
        assert_eq!(
            rows(&tally),
            [("jaitf-beg", day("2026-03-02"), Domain::Passenger, counted)]
        );
        // A later push adding one traveller to the booking counts that one only.
        let tally = pnr("SJJ", 4, 1).tally(&units).unwrap();
        assert_eq!(
            rows(&tally),
            [(
                "jaitf-sjj",
                day("2026-03-02"),
                Domain::Passenger,
                Counts {
                    pnr_travellers: 1,
                    ..Counts::default()
                }
            )]
        );
        assert!(pnr("SJJ", 4, 0).tally(&units).unwrap().is_empty());
        assert!(pnr("LHR", 2, 2).tally(&units).unwrap().is_empty());
        let mut untimed = pnr("SJJ", 1, 1);
        untimed.occurred_at = None;
        assert!(untimed.tally(&units).is_err());
        let mut empty = pnr("SJJ", 1, 1);
        empty.pnr = None;
        assert!(empty.tally(&units).is_err());
    }

    #[test]
    fn later_report_versions_count_only_new_travellers() {
        let mut event = api_report("SJJ", 5);
        event.flight_id = uuid::Uuid::now_v7().to_string();
        event.new_traveller_count = 2;
        let tally = event.tally(&seed_units()).unwrap();
        assert_eq!(rows(&tally)[0].3.records, 2);
        event.new_traveller_count = 0;
        assert!(event.tally(&seed_units()).unwrap().is_empty());
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
        assert!(event.tally(&seed_units()).is_err());
        let no_domain = v1::RiskAssessed {
            assessments: vec![assessment("SJJ", &[], &[false])],
            ..Default::default()
        };
        assert!(no_domain.tally(&seed_units()).is_err());
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
        assert!(empty.tally(&seed_units()).is_err());
    }

    #[test]
    fn recorded_outcomes_count_on_the_day_the_alert_was_raised() {
        let raised_at = chrono::DateTime::parse_from_rfc3339("2026-03-01T23:30:00Z").unwrap();
        let update = |action: AlertAction, outcome: v1::Outcome| v1::AlertUpdated {
            action: action as i32,
            alert: Some(Alert {
                unit_id: "jaitf-sjj".into(),
                domain: Domain::Passenger as i32,
                raised_at: Some(to_timestamp(raised_at.to_utc())),
                outcome: outcome as i32,
                ..Alert::default()
            }),
            ..Default::default()
        };
        let tally = update(AlertAction::OutcomeRecorded, v1::Outcome::Seizure)
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
        let tally = update(AlertAction::OutcomeRecorded, v1::Outcome::FalsePositive)
            .tally(&seed_units())
            .unwrap();
        assert_eq!(rows(&tally)[0].3.false_positives, 1);
        assert!(
            update(AlertAction::Acknowledged, v1::Outcome::Unspecified)
                .tally(&seed_units())
                .unwrap()
                .is_empty()
        );
        assert!(
            update(AlertAction::OutcomeRecorded, v1::Outcome::Unspecified)
                .tally(&seed_units())
                .is_err()
        );
    }
}
