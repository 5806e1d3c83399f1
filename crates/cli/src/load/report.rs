//! The final report of a load run: rates, latency percentiles and the loss check.

use std::{fmt::Write as _, time::Duration};

use hdrhistogram::Histogram;
use serde::Serialize;

use super::{
    generator::{Kind, Shape},
    routes::RouteSource,
};

/// Latencies are recorded in microseconds, from 1 µs to an hour, to three significant digits.
pub fn new_histogram() -> Result<Histogram<u64>, hdrhistogram::CreationError> {
    Histogram::new_with_bounds(1, 3_600_000_000, 3)
}

pub fn record(histogram: &mut Histogram<u64>, latency: Duration) {
    let micros = u64::try_from(latency.as_micros())
        .unwrap_or(u64::MAX)
        .max(1);
    histogram.saturating_record(micros);
}

/// Percentiles of one latency, in milliseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct LatencySummary {
    pub count: u64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

impl LatencySummary {
    pub fn of(histogram: &Histogram<u64>) -> Self {
        if histogram.is_empty() {
            return Self::default();
        }
        let ms = |micros: u64| micros as f64 / 1000.0;
        Self {
            count: histogram.len(),
            p50_ms: ms(histogram.value_at_quantile(0.50)),
            p95_ms: ms(histogram.value_at_quantile(0.95)),
            p99_ms: ms(histogram.value_at_quantile(0.99)),
            max_ms: ms(histogram.max()),
        }
    }
}

/// Records (API travellers, or PNR travellers for PNR traffic) and hits of one unit: what the run
/// expected reporting to count and what it counted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct UnitStatistics {
    pub unit_id: String,
    /// Records of this run (warm-up included) the unit's statistics should gain.
    pub expected_records: i64,
    /// What they gained.
    pub counted_records: i64,
    pub expected_hits: i64,
    pub counted_hits: i64,
}

/// Counts of alerts received on the subscription.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct AlertCounts {
    /// Alerts the run's hit travellers should raise (one per traveller and unit).
    pub expected: u64,
    /// Expected alerts received.
    pub matched: u64,
    pub missing: u64,
    /// Same alert id delivered again.
    pub duplicates_by_id: u64,
    /// Another alert for a traveller of a report that already had one in the unit.
    pub duplicates_by_subject: u64,
    /// Alerts for the run's travellers that were not planned as hits.
    pub unexpected: u64,
    /// Alerts about other reports (another client's traffic).
    pub foreign: u64,
    /// `updated` messages about the run's alerts.
    pub updates: u64,
}

/// Whether nothing was lost or doubled.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LossCheck {
    pub passed: bool,
    pub problems: Vec<String>,
    /// Worth a look, not a failure (e.g. alerts nobody planned).
    pub notes: Vec<String>,
}

/// What the intake answered, over the run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct IntakeCounts {
    pub items_sent: u64,
    pub records_sent: u64,
    pub items_accepted: u64,
    pub records_accepted: u64,
    pub items_rejected: u64,
    /// `DUPLICATE` for an item sent once only (a resend after a broken stream is not counted).
    pub items_duplicate: u64,
    /// Items sent again on a new stream after one broke before acknowledging them.
    pub items_resent: u64,
    /// Items never acknowledged (the streams kept failing).
    pub items_unacknowledged: u64,
    /// Distinct rejection reasons with their counts (field paths and rules, no values).
    pub rejection_reasons: Vec<(String, u64)>,
    pub stream_errors: u64,
    pub stream_error_messages: Vec<String>,
}

/// The final report.
#[derive(Debug, Clone, Serialize)]
pub struct LoadReport {
    pub run_id: String,
    /// API reports, PNRs or cargo manifests; for PNRs, records are the PNRs' travellers and items
    /// the PNRs; for cargo, records are consignments and items manifests.
    pub kind: Kind,
    /// API reports only.
    pub shape: Shape,
    /// 0 for PNRs, whose bookings hold 1 to 4 travellers each; consignments per manifest for
    /// cargo.
    pub travellers_per_item: u32,
    /// `max` (closed loop) or the target records/s (open loop).
    pub rate: String,
    pub streams: u32,
    pub routes: RouteSource,
    pub route_count: usize,
    pub airports: Vec<String>,
    pub units: Vec<String>,
    pub intake: IntakeCounts,
    /// From the first item sent to the last acknowledgement.
    pub submit_seconds: f64,
    pub submitted_records_per_second: f64,
    /// Items (API reports or PNRs) accepted per second.
    pub submitted_items_per_second: f64,
    /// From the first item sent until every expected alert arrived and the statistics counted
    /// every record; absent when that never happened within the settle timeout.
    pub end_to_end_seconds: Option<f64>,
    pub end_to_end_records_per_second: Option<f64>,
    pub end_to_end_items_per_second: Option<f64>,
    /// Item sent → its result on the response stream.
    pub ack_latency: LatencySummary,
    /// Intake acknowledgement of an item → each of its alerts on SubscribeAlerts.
    pub alert_latency: LatencySummary,
    /// Open loop: how late the sender fell behind its schedule at worst, in ms.
    pub max_schedule_lag_ms: f64,
    pub alerts: AlertCounts,
    pub statistics: Vec<UnitStatistics>,
    pub loss_check: LossCheck,
}

/// Records per second over `seconds`, 0 for an empty interval.
pub fn per_second(records: u64, seconds: f64) -> f64 {
    if seconds > 0.0 {
        records as f64 / seconds
    } else {
        0.0
    }
}

/// The loss check: every accepted record counted exactly once, every expected alert received
/// exactly once, nothing rejected or left unacknowledged.
pub fn loss_check(
    intake: &IntakeCounts,
    alerts: &AlertCounts,
    statistics: &[UnitStatistics],
) -> LossCheck {
    let mut problems = Vec::new();
    let mut notes = Vec::new();
    if intake.items_rejected > 0 {
        let reasons: Vec<String> = intake
            .rejection_reasons
            .iter()
            .map(|(reason, count)| format!("{count}× {reason}"))
            .collect();
        problems.push(format!(
            "{} items rejected by intake: {}",
            intake.items_rejected,
            reasons.join("; ")
        ));
    }
    if intake.items_unacknowledged > 0 {
        problems.push(format!(
            "{} items never acknowledged",
            intake.items_unacknowledged
        ));
    }
    if intake.items_duplicate > 0 {
        problems.push(format!(
            "{} items answered DUPLICATE though sent once",
            intake.items_duplicate
        ));
    }
    for unit in statistics {
        if unit.counted_records < unit.expected_records {
            problems.push(format!(
                "{}: statistics counted {} of {} records",
                unit.unit_id, unit.counted_records, unit.expected_records
            ));
        } else if unit.counted_records > unit.expected_records {
            problems.push(format!(
                "{}: statistics counted {} records for {} submitted (counted twice, or other traffic)",
                unit.unit_id, unit.counted_records, unit.expected_records
            ));
        }
        if unit.counted_hits < unit.expected_hits {
            problems.push(format!(
                "{}: statistics counted {} of {} travellers with hits",
                unit.unit_id, unit.counted_hits, unit.expected_hits
            ));
        }
    }
    if alerts.missing > 0 {
        problems.push(format!(
            "{} of {} expected alerts never arrived",
            alerts.missing, alerts.expected
        ));
    }
    if alerts.duplicates_by_id > 0 {
        problems.push(format!(
            "{} alerts delivered twice (same alert id)",
            alerts.duplicates_by_id
        ));
    }
    if alerts.duplicates_by_subject > 0 {
        problems.push(format!(
            "{} travellers alerted twice in one unit (another alert id)",
            alerts.duplicates_by_subject
        ));
    }
    if alerts.unexpected > 0 {
        notes.push(format!(
            "{} alerts for travellers not planned as hits (a rule outside the seeded set?)",
            alerts.unexpected
        ));
    }
    if intake.stream_errors > 0 {
        notes.push(format!(
            "{} streams broke and were resumed ({} items resent)",
            intake.stream_errors, intake.items_resent
        ));
    }
    LossCheck {
        passed: problems.is_empty(),
        problems,
        notes,
    }
}

impl LoadReport {
    /// The report for people: one block, aligned.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let items = match (self.kind, self.shape) {
            (Kind::Pnr, _) => "PNRs of 1-4 travellers".to_owned(),
            (Kind::Cargo, _) => format!("manifests of {} consignments", self.travellers_per_item),
            (Kind::Api, Shape::Single) => {
                format!("single items of {} traveller(s)", self.travellers_per_item)
            }
            (Kind::Api, Shape::Flight) => {
                format!("flight items of {} traveller(s)", self.travellers_per_item)
            }
        };
        let _ = writeln!(
            out,
            "load {} · {items} · rate {} · {} stream(s)",
            self.run_id, self.rate, self.streams
        );
        let routes = match &self.routes {
            RouteSource::File(path) => format!("{} routes from {path}", self.route_count),
            RouteSource::BuiltIn => format!("{} built-in routes", self.route_count),
        };
        let _ = writeln!(
            out,
            "  into {} ({routes}) · units {}",
            self.airports.join(", "),
            self.units.join(", ")
        );
        let i = &self.intake;
        let _ = writeln!(
            out,
            "  intake      {} items / {} records sent, {} / {} accepted, {} rejected, {} stream errors",
            i.items_sent,
            i.records_sent,
            i.items_accepted,
            i.records_accepted,
            i.items_rejected,
            i.stream_errors
        );
        let _ = writeln!(
            out,
            "  submitted   {:.0} records/s ({:.0} items/s) over {:.1} s",
            self.submitted_records_per_second, self.submitted_items_per_second, self.submit_seconds
        );
        match (
            self.end_to_end_records_per_second,
            self.end_to_end_items_per_second,
            self.end_to_end_seconds,
        ) {
            (Some(rate), Some(items), Some(seconds)) => {
                let _ = writeln!(
                    out,
                    "  end to end  {rate:.0} records/s ({items:.0} items/s) over {seconds:.1} s"
                );
            }
            _ => {
                let _ = writeln!(out, "  end to end  not complete within the settle timeout");
            }
        }
        let latency = |name: &str, l: &LatencySummary, out: &mut String| {
            let _ = writeln!(
                out,
                "  {name:<11} p50 {:.1} ms · p95 {:.1} ms · p99 {:.1} ms · max {:.1} ms ({} samples)",
                l.p50_ms, l.p95_ms, l.p99_ms, l.max_ms, l.count
            );
        };
        latency("ack", &self.ack_latency, &mut out);
        latency("ack→alert", &self.alert_latency, &mut out);
        if self.max_schedule_lag_ms > 0.0 {
            let _ = writeln!(
                out,
                "  schedule    fell behind by {:.1} ms at worst",
                self.max_schedule_lag_ms
            );
        }
        let a = &self.alerts;
        let _ = writeln!(
            out,
            "  alerts      {} of {} expected · {} missing · {} duplicate ids · {} duplicate subjects · {} unexpected",
            a.matched,
            a.expected,
            a.missing,
            a.duplicates_by_id,
            a.duplicates_by_subject,
            a.unexpected
        );
        let records = match self.kind {
            Kind::Api => "records",
            Kind::Pnr => "pnr_travellers",
            Kind::Cargo => "cargo records",
        };
        for unit in &self.statistics {
            let _ = writeln!(
                out,
                "  statistics  {}: {records} {} of {} · hits {} of {}",
                unit.unit_id,
                unit.counted_records,
                unit.expected_records,
                unit.counted_hits,
                unit.expected_hits
            );
        }
        if self.loss_check.passed {
            let _ = writeln!(out, "  loss check  passed");
        } else {
            let _ = writeln!(out, "  loss check  FAILED");
        }
        for problem in &self.loss_check.problems {
            let _ = writeln!(out, "    - {problem}");
        }
        for note in &self.loss_check.notes {
            let _ = writeln!(out, "    note: {note}");
        }
        out.trim_end().to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_come_from_the_recorded_latencies() {
        let mut h = new_histogram().unwrap();
        for ms in 1..=100u64 {
            record(&mut h, Duration::from_millis(ms));
        }
        let s = LatencySummary::of(&h);
        assert_eq!(s.count, 100);
        // Three significant digits: within 0.1 % of the true value.
        let close = |got: f64, want: f64| (got - want).abs() <= want * 0.001 + 0.001;
        assert!(close(s.p50_ms, 50.0), "{s:?}");
        assert!(close(s.p95_ms, 95.0), "{s:?}");
        assert!(close(s.p99_ms, 99.0), "{s:?}");
        assert!(close(s.max_ms, 100.0), "{s:?}");
        assert_eq!(
            LatencySummary::of(&new_histogram().unwrap()),
            LatencySummary::default()
        );
        // Out of range values are clamped, not dropped; zero counts as 1 µs.
        record(&mut h, Duration::from_secs(10 * 3600));
        record(&mut h, Duration::ZERO);
        assert_eq!(h.len(), 102);
    }

    #[test]
    fn rates_are_per_second() {
        assert_eq!(per_second(10_000, 2.0), 5_000.0);
        assert_eq!(per_second(10, 0.0), 0.0);
    }

    fn unit(expected: i64, counted: i64) -> UnitStatistics {
        UnitStatistics {
            unit_id: "jaitf-sjj".into(),
            expected_records: expected,
            counted_records: counted,
            expected_hits: 2,
            counted_hits: 2,
        }
    }

    #[test]
    fn loss_check_passes_only_when_everything_arrived_once() {
        let intake = IntakeCounts::default();
        let alerts = AlertCounts {
            expected: 3,
            matched: 3,
            ..AlertCounts::default()
        };
        let passed = loss_check(&intake, &alerts, &[unit(200, 200)]);
        assert!(passed.passed, "{passed:?}");
        assert!(passed.problems.is_empty() && passed.notes.is_empty());

        let cases: Vec<(IntakeCounts, AlertCounts, UnitStatistics, &str)> = vec![
            (
                intake.clone(),
                alerts,
                unit(200, 199),
                "counted 199 of 200 records",
            ),
            (intake.clone(), alerts, unit(200, 201), "counted twice"),
            (
                intake.clone(),
                AlertCounts {
                    missing: 1,
                    matched: 2,
                    ..alerts
                },
                unit(200, 200),
                "1 of 3 expected alerts never arrived",
            ),
            (
                intake.clone(),
                AlertCounts {
                    duplicates_by_id: 1,
                    ..alerts
                },
                unit(200, 200),
                "same alert id",
            ),
            (
                intake.clone(),
                AlertCounts {
                    duplicates_by_subject: 2,
                    ..alerts
                },
                unit(200, 200),
                "alerted twice",
            ),
            (
                IntakeCounts {
                    items_rejected: 1,
                    rejection_reasons: vec![("report.flight.number: is required".into(), 1)],
                    ..intake.clone()
                },
                alerts,
                unit(200, 200),
                "1× report.flight.number",
            ),
            (
                IntakeCounts {
                    items_unacknowledged: 4,
                    ..intake.clone()
                },
                alerts,
                unit(200, 200),
                "4 items never acknowledged",
            ),
            (
                intake.clone(),
                alerts,
                UnitStatistics {
                    counted_hits: 1,
                    ..unit(200, 200)
                },
                "1 of 2 travellers with hits",
            ),
        ];
        for (intake, alerts, stats, expected) in cases {
            let check = loss_check(&intake, &alerts, &[stats]);
            assert!(!check.passed, "{expected}");
            assert!(
                check.problems.iter().any(|p| p.contains(expected)),
                "{expected:?} not in {:?}",
                check.problems
            );
        }

        // Unplanned alerts and resumed streams are reported, not failures.
        let noted = loss_check(
            &IntakeCounts {
                stream_errors: 1,
                items_resent: 5,
                ..intake
            },
            &AlertCounts {
                unexpected: 2,
                ..alerts
            },
            &[unit(200, 200)],
        );
        assert!(noted.passed);
        assert_eq!(noted.notes.len(), 2);
    }
}
