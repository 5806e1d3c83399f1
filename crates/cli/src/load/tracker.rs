//! What a run saw: the result of every item, the alert of every hit, the latencies between.

use std::{
    collections::{BTreeMap, HashMap, HashSet},
    sync::{Arc, Mutex, PoisonError},
};

use anyhow::Result;
use gatehouse_proto::v1::{Alert, SubmissionResult, SubmissionStatus, subject};
use hdrhistogram::Histogram;
use tokio::time::Instant;
use uuid::Uuid;

use super::{
    generator::{self, Item},
    report::{self, AlertCounts, IntakeCounts},
};

/// A hit traveller whose alerts are awaited, one per unit.
pub(super) struct Expectation {
    pub(super) acked_at: Instant,
    pub(super) waiting: Vec<String>,
    pub(super) warmup: bool,
}

/// A sent item (of request type `R`) awaiting its result.
pub(super) struct Pending<R> {
    pub(super) message_id: String,
    pub(super) records: u32,
    pub(super) arrival: String,
    pub(super) hits: Vec<generator::PlannedHit>,
    pub(super) sent_at: Instant,
    /// Kept to send again should the stream break before the result.
    pub(super) request: R,
    pub(super) resent: bool,
}

impl<R> Pending<R> {
    pub(super) fn of(item: Item<R>) -> Self {
        Self {
            message_id: item.message_id,
            records: item.records,
            arrival: item.arrival,
            hits: item.hits,
            sent_at: Instant::now(),
            request: item.request,
            resent: false,
        }
    }
}

/// What the run saw, shared by the streams and the alert subscription.
pub(super) struct Tracker {
    pub(super) units_by_airport: HashMap<String, Vec<String>>,
    pub(super) ours: HashSet<Uuid>,
    /// Keyed by (report id, document number); a PNR's report id is its pnr_id, a consignment's
    /// its manifest id and transport document number.
    pub(super) expected: HashMap<(Uuid, String), Expectation>,
    /// Alerts that arrived before their report's acknowledgement (or are another client's).
    pub(super) early: HashMap<Uuid, Vec<(Alert, Instant)>>,
    pub(super) alert_ids: HashSet<String>,
    pub(super) subjects: HashSet<(String, Uuid, String)>,
    pub(super) alerts: AlertCounts,
    pub(super) warmup_waiting: u64,
    pub(super) intake: IntakeCounts,
    pub(super) records_by_unit: BTreeMap<String, i64>,
    pub(super) hits_by_unit: BTreeMap<String, i64>,
    pub(super) ack_latency: Histogram<u64>,
    pub(super) alert_latency: Histogram<u64>,
    pub(super) last_ack: Option<Instant>,
    pub(super) last_alert: Option<Instant>,
}

pub(super) fn normalize_document(number: &str) -> String {
    number
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_uppercase)
        .collect()
}

pub(super) const MAX_REASONS: usize = 10;

impl Tracker {
    pub(super) fn new(units_by_airport: HashMap<String, Vec<String>>) -> Result<Self> {
        Ok(Self {
            units_by_airport,
            ours: HashSet::new(),
            expected: HashMap::new(),
            early: HashMap::new(),
            alert_ids: HashSet::new(),
            subjects: HashSet::new(),
            alerts: AlertCounts::default(),
            warmup_waiting: 0,
            intake: IntakeCounts::default(),
            records_by_unit: BTreeMap::new(),
            hits_by_unit: BTreeMap::new(),
            ack_latency: report::new_histogram()?,
            alert_latency: report::new_histogram()?,
            last_ack: None,
            last_alert: None,
        })
    }

    /// An item stored under `report_id`, acknowledged at `at`.
    pub(super) fn accepted<R>(
        &mut self,
        report_id: Uuid,
        pending: &Pending<R>,
        at: Instant,
        warmup: bool,
    ) {
        self.ours.insert(report_id);
        let units = self
            .units_by_airport
            .get(&pending.arrival)
            .cloned()
            .unwrap_or_default();
        for unit in &units {
            *self.records_by_unit.entry(unit.clone()).or_default() += i64::from(pending.records);
            *self.hits_by_unit.entry(unit.clone()).or_default() +=
                i64::try_from(pending.hits.len()).unwrap_or(i64::MAX);
        }
        for hit in &pending.hits {
            let expected = u64::try_from(units.len()).unwrap_or_default();
            if warmup {
                self.warmup_waiting += expected;
            } else {
                self.alerts.expected += expected;
            }
            self.expected.insert(
                (report_id, normalize_document(&hit.document_number)),
                Expectation {
                    acked_at: at,
                    waiting: units.clone(),
                    warmup,
                },
            );
        }
        if let Some(early) = self.early.remove(&report_id) {
            for (alert, arrived) in early {
                self.alert(alert, arrived);
            }
        }
        if !warmup {
            self.intake.items_accepted += 1;
            self.intake.records_accepted += u64::from(pending.records);
            report::record(
                &mut self.ack_latency,
                at.saturating_duration_since(pending.sent_at),
            );
            self.last_ack = Some(at);
        }
    }

    pub(super) fn result<R>(
        &mut self,
        pending: &Pending<R>,
        result: &SubmissionResult,
        at: Instant,
    ) {
        let status =
            SubmissionStatus::try_from(result.status).unwrap_or(SubmissionStatus::Unspecified);
        let report_id = Uuid::parse_str(&result.record_id);
        match (status, report_id) {
            (SubmissionStatus::Accepted, Ok(report_id)) => {
                self.accepted(report_id, pending, at, false);
            }
            // A resent item that the broken stream had stored already.
            (SubmissionStatus::Duplicate, Ok(report_id)) => {
                if !pending.resent {
                    self.intake.items_duplicate += 1;
                }
                self.accepted(report_id, pending, at, false);
            }
            (SubmissionStatus::Accepted | SubmissionStatus::Duplicate, Err(_)) => {
                self.rejected("answered without a valid record_id");
            }
            _ => {
                // The reason names fields and rules, never the values sent.
                let reason: String = if result.reason.is_empty() {
                    "no reason given".to_owned()
                } else {
                    result.reason.chars().take(200).collect()
                };
                self.rejected(&reason);
            }
        }
    }

    pub(super) fn rejected(&mut self, reason: &str) {
        self.intake.items_rejected += 1;
        let reasons = &mut self.intake.rejection_reasons;
        if let Some((_, count)) = reasons.iter_mut().find(|(r, _)| r == reason) {
            *count += 1;
        } else if reasons.len() < MAX_REASONS {
            reasons.push((reason.to_owned(), 1));
        }
    }

    pub(super) fn alert(&mut self, alert: Alert, at: Instant) {
        // (record, subject, document): a traveller of a report, or a consignment of a manifest.
        let (record, subject_id, document) =
            match alert.subject.as_ref().and_then(|s| s.subject.as_ref()) {
                Some(subject::Subject::Traveller(t)) => (
                    t.report_id.clone(),
                    t.traveller_id.clone(),
                    t.document_number.clone(),
                ),
                Some(subject::Subject::Consignment(c)) => (
                    c.manifest_id.clone(),
                    c.consignment_id.clone(),
                    c.transport_document_number.clone(),
                ),
                None => {
                    self.alerts.foreign += 1;
                    return;
                }
            };
        let Ok(report_id) = Uuid::parse_str(&record) else {
            self.alerts.foreign += 1;
            return;
        };
        if !self.ours.contains(&report_id) {
            self.early.entry(report_id).or_default().push((alert, at));
            return;
        }
        if !self.alert_ids.insert(alert.alert_id.clone()) {
            self.alerts.duplicates_by_id += 1;
            return;
        }
        let subject = (alert.unit_id.clone(), report_id, subject_id);
        if !self.subjects.insert(subject) {
            self.alerts.duplicates_by_subject += 1;
            return;
        }
        let key = (report_id, normalize_document(&document));
        let Some(expectation) = self.expected.get_mut(&key) else {
            self.alerts.unexpected += 1;
            return;
        };
        let Some(position) = expectation.waiting.iter().position(|u| *u == alert.unit_id) else {
            self.alerts.unexpected += 1;
            return;
        };
        expectation.waiting.swap_remove(position);
        if expectation.warmup {
            self.warmup_waiting = self.warmup_waiting.saturating_sub(1);
        } else {
            self.alerts.matched += 1;
            report::record(
                &mut self.alert_latency,
                at.saturating_duration_since(expectation.acked_at),
            );
            self.last_alert = Some(at);
        }
    }

    pub(super) fn updated(&mut self, alert: &Alert) {
        if self.alert_ids.contains(&alert.alert_id) {
            self.alerts.updates += 1;
        }
    }

    pub(super) fn all_alerts_arrived(&self) -> bool {
        self.alerts.matched >= self.alerts.expected
    }
}

pub(super) type Shared = Arc<Mutex<Tracker>>;

pub(super) fn lock(tracker: &Shared) -> std::sync::MutexGuard<'_, Tracker> {
    // A panic elsewhere must not hide what was measured.
    tracker.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use gatehouse_proto::v1::{
        Alert, StreamApiReportsRequest, SubmissionResult, SubmissionStatus, subject,
    };
    use tokio::time::Instant;
    use uuid::Uuid;

    use super::*;
    use crate::load::generator::HitKind;

    fn pending(arrival: &str, hits: &[&str]) -> Pending<StreamApiReportsRequest> {
        Pending {
            message_id: "m-1".into(),
            records: 3,
            arrival: arrival.into(),
            hits: hits
                .iter()
                .map(|d| generator::PlannedHit {
                    document_number: (*d).to_owned(),
                    kind: HitKind::Watchlist,
                })
                .collect(),
            sent_at: Instant::now(),
            request: StreamApiReportsRequest::default(),
            resent: false,
        }
    }

    fn alert(id: &str, unit: &str, report: Uuid, traveller: &str, document: &str) -> Alert {
        Alert {
            alert_id: id.into(),
            unit_id: unit.into(),
            subject: Some(gatehouse_proto::v1::Subject {
                subject: Some(subject::Subject::Traveller(
                    gatehouse_proto::v1::TravellerSummary {
                        report_id: report.to_string(),
                        traveller_id: traveller.into(),
                        document_number: document.into(),
                        ..Default::default()
                    },
                )),
            }),
            ..Default::default()
        }
    }

    #[test]
    fn tracker_matches_alerts_once_and_counts_duplicates_and_strays() {
        let directory = HashMap::from([
            ("SJJ".to_owned(), vec!["jaitf-sjj".to_owned()]),
            (
                "BEG".to_owned(),
                vec!["jaitf-beg".to_owned(), "pcu-x".to_owned()],
            ),
        ]);
        let mut tracker = Tracker::new(directory).unwrap();
        let sjj = Uuid::now_v7();
        let beg = Uuid::now_v7();
        let now = Instant::now();
        // An alert may overtake the acknowledgement of its report.
        tracker.alert(alert("a0", "jaitf-sjj", sjj, "t1", "AB1234567"), now);
        tracker.accepted(sjj, &pending("SJJ", &["ab 123-4567"]), now, false);
        assert_eq!((tracker.alerts.expected, tracker.alerts.matched), (1, 1));
        tracker.accepted(beg, &pending("BEG", &["X1"]), now, false);
        assert_eq!(tracker.alerts.expected, 3);
        tracker.alert(alert("a1", "jaitf-beg", beg, "t9", "X1"), now);
        tracker.alert(alert("a1", "jaitf-beg", beg, "t9", "X1"), now);
        tracker.alert(alert("a2", "jaitf-beg", beg, "t9", "X1"), now);
        tracker.alert(alert("a3", "jaitf-beg", beg, "t8", "Y2"), now);
        tracker.alert(alert("a4", "other", Uuid::now_v7(), "t1", "Z"), now);
        assert_eq!(tracker.alerts.matched, 2);
        assert_eq!(tracker.alerts.duplicates_by_id, 1);
        assert_eq!(tracker.alerts.duplicates_by_subject, 1);
        assert_eq!(tracker.alerts.unexpected, 1);
        assert!(!tracker.all_alerts_arrived());
        tracker.alert(alert("a5", "pcu-x", beg, "t9", "X1"), now);
        assert!(tracker.all_alerts_arrived());
        assert_eq!(tracker.records_by_unit.get("pcu-x"), Some(&3));
        assert_eq!(tracker.hits_by_unit.get("jaitf-sjj"), Some(&1));
        assert_eq!(tracker.intake.records_accepted, 6);
        assert_eq!(tracker.alert_latency.len(), 3);
        // The stray of another report waits, unmatched, as a foreign alert.
        assert_eq!(tracker.early.len(), 1);
    }

    #[test]
    fn results_count_rejections_and_resends() {
        let mut tracker = Tracker::new(HashMap::new()).unwrap();
        let now = Instant::now();
        let rejected = SubmissionResult {
            status: SubmissionStatus::Rejected as i32,
            reason: "report.travellers[0].surname: is required".into(),
            ..Default::default()
        };
        tracker.result(&pending("SJJ", &[]), &rejected, now);
        tracker.result(&pending("SJJ", &[]), &rejected, now);
        assert_eq!(tracker.intake.items_rejected, 2);
        assert_eq!(
            tracker.intake.rejection_reasons,
            [("report.travellers[0].surname: is required".to_owned(), 2)]
        );
        let duplicate = SubmissionResult {
            status: SubmissionStatus::Duplicate as i32,
            record_id: Uuid::now_v7().to_string(),
            ..Default::default()
        };
        let mut resent = pending("SJJ", &[]);
        resent.resent = true;
        tracker.result(&resent, &duplicate, now);
        assert_eq!(
            (
                tracker.intake.items_duplicate,
                tracker.intake.items_accepted
            ),
            (0, 1)
        );
        tracker.result(&pending("SJJ", &[]), &duplicate, now);
        assert_eq!(tracker.intake.items_duplicate, 1);
    }
}
