//! Raising and re-assessing alerts from batches of `RiskAssessed` events.
//!
//! What a batch asks for is decided in memory first ([`candidates`], [`merge`]): a batch that
//! alerts nobody writes nothing. The rest is one transaction: the inbox claim, the open alerts of
//! the subjects involved, a decision per subject ([`decide`]), set-wise inserts and updates, the
//! units' change logs and one outbox write for every event of the batch. Nothing depends on the
//! order of events: the latest assessment of a subject wins, wherever it is in the stream.

use std::{
    collections::{BTreeMap, HashSet},
    sync::Arc,
};

use chrono::DateTime;
use gatehouse_platform::{
    bus::{OutboundEvent, subjects},
    consumer::{BatchHandler, Delivery, HandlerError, Rejected, decode_batch},
    events::{from_timestamp, new_event_id, now_timestamp},
    inbox,
    outbox::{Relay, enqueue},
    units::UnitDirectory,
};
use gatehouse_proto::v1::{
    Alert, AlertAction, AlertRaised, AlertStatus, AlertUpdated, Assessment, Hit, RiskAssessed,
};
use sqlx::PgPool;

use crate::store::{self, AlertWrite, AssessedFrom, ChangeKind, StoredAlert, SubjectKey};

pub struct AlertRaiser {
    pub pool: PgPool,
    pub relay: Relay,
    pub units: Arc<UnitDirectory>,
    pub consumer: &'static str,
    /// Postgres channel that wakes every replica's streams of the units changed.
    pub channel: String,
}

/// Units an assessment alerts: those covering its location plus those its hits name.
pub fn alert_units(units: &UnitDirectory, assessment: &Assessment) -> Vec<String> {
    let mut ids: Vec<String> = units
        .for_location(&assessment.location)
        .into_iter()
        .map(|u| u.id.clone())
        .collect();
    for unit in &assessment.target_units {
        if units.get(unit).is_some() {
            ids.push(unit.clone());
        } else {
            tracing::warn!(unit = %unit, assessment_id = %assessment.assessment_id, "hit names an unknown unit");
        }
    }
    ids.sort();
    ids.dedup();
    ids
}

/// What an assessment asks of one unit: an alert about its subject, as it would be raised.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// No id, status or times yet; `dedupe_key` and `unit_id` identify the subject.
    pub alert: Alert,
    /// The record version assessed and when: a later version wins, then a later assessment of
    /// the same version (a re-screen).
    pub from: AssessedFrom,
    /// An earlier dedupe key of the subject (`Assessment.replaces_dedupe_key`), empty if none.
    pub replaces: String,
}

impl Candidate {
    fn key(&self) -> SubjectKey {
        (self.alert.dedupe_key.clone(), self.alert.unit_id.clone())
    }
}

/// The alerts `event` asks for, one per assessment and unit, and how many assessments with
/// hits no unit covers. Only hits of live rules and watchlists alert: an assessment with shadow
/// hits alone asks for nothing.
pub fn candidates(units: &UnitDirectory, event: &RiskAssessed) -> (Vec<Candidate>, usize) {
    let mut wanted = Vec::new();
    let mut unrouted = 0;
    for (position, assessment) in event.assessments.iter().enumerate() {
        // Older producers listed shadow hits among the hits, flagged.
        let hits: Vec<Hit> = assessment
            .hits
            .iter()
            .filter(|h| !h.shadow)
            .cloned()
            .collect();
        if hits.is_empty() {
            continue;
        }
        let units = alert_units(units, assessment);
        if units.is_empty() {
            unrouted += 1;
            continue;
        }
        let dedupe_key = [&assessment.dedupe_key, &assessment.assessment_id]
            .into_iter()
            .map(|key| key.trim())
            .find(|key| !key.is_empty())
            .map_or_else(|| format!("{}/{position}", event.event_id), str::to_owned);
        let assessed_at = assessment
            .assessed_at
            .as_ref()
            .or(event.occurred_at.as_ref())
            .and_then(from_timestamp)
            .unwrap_or(DateTime::UNIX_EPOCH);
        let from = (assessment.record_version, assessed_at);
        for unit in units {
            wanted.push(Candidate {
                alert: Alert {
                    unit_id: unit,
                    domain: event.domain,
                    severity: assessment.severity,
                    score: assessment.score,
                    hits: hits.clone(),
                    subject: assessment.subject.clone(),
                    assessment_id: assessment.assessment_id.clone(),
                    location: assessment.location.clone(),
                    dedupe_key: dedupe_key.clone(),
                    ..Default::default()
                },
                from,
                replaces: assessment.replaces_dedupe_key.trim().to_owned(),
            });
        }
    }
    (wanted, unrouted)
}

/// One candidate per subject: the latest assessment wins (ties broken by assessment id, so the
/// order events arrive in changes nothing). Sorted by subject, the order locks are taken in.
pub fn merge(candidates: impl IntoIterator<Item = Candidate>) -> Vec<Candidate> {
    let mut latest: BTreeMap<SubjectKey, Candidate> = BTreeMap::new();
    for candidate in candidates {
        let key = candidate.key();
        match latest.get(&key) {
            Some(kept)
                if (kept.from, &kept.alert.assessment_id)
                    >= (candidate.from, &candidate.alert.assessment_id) => {}
            _ => {
                latest.insert(key, candidate);
            }
        }
    }
    latest.into_values().collect()
}

/// What to do about one subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// No open alert: raise one.
    Raise,
    /// The open alert `alert_id` gets the new findings.
    Reassess { alert_id: String },
    /// The open alert `alert_id` already says this: no event, no revision; only the record of
    /// what it was last assessed from moves on, so a late older assessment cannot overwrite it.
    Unchanged { alert_id: String },
    /// A later assessment of the subject is already stored (events crossed on the way).
    Stale,
}

/// Decides about `candidate` given its open alert, if any, and the latest assessment the
/// subject's alerts come from (closed alerts included).
pub fn decide(
    candidate: &Candidate,
    open: Option<&StoredAlert>,
    latest: Option<AssessedFrom>,
) -> Decision {
    if latest.is_some_and(|latest| candidate.from <= latest) {
        return Decision::Stale;
    }
    match open {
        None => Decision::Raise,
        Some(open) if same_findings(&open.alert, &candidate.alert) => Decision::Unchanged {
            alert_id: open.alert.alert_id.clone(),
        },
        Some(open) => Decision::Reassess {
            alert_id: open.alert.alert_id.clone(),
        },
    }
}

/// Whether two alerts report the same hits, score and severity, whatever the order of hits and
/// of evidence. The subject's record (report id, version) is not compared: a resend that finds
/// the same is not news to the unit.
fn same_findings(a: &Alert, b: &Alert) -> bool {
    a.severity == b.severity
        && a.score.to_bits() == b.score.to_bits()
        && canonical_hits(&a.hits) == canonical_hits(&b.hits)
}

type CanonicalHit<'a> = (
    i32,
    &'a str,
    u32,
    &'a str,
    &'a str,
    i32,
    u64,
    u64,
    &'a str,
    BTreeMap<&'a str, &'a str>,
);

fn canonical_hits(hits: &[Hit]) -> Vec<CanonicalHit<'_>> {
    let mut canonical: Vec<CanonicalHit<'_>> = hits
        .iter()
        .map(|h| {
            (
                h.kind,
                h.rule_id.as_str(),
                h.rule_version,
                h.watchlist_id.as_str(),
                h.entry_id.as_str(),
                h.severity,
                h.weight.to_bits(),
                h.match_score.to_bits(),
                h.description.as_str(),
                h.evidence
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect(),
            )
        })
        .collect();
    canonical.sort();
    canonical
}

/// The writes of a batch, decided: new alerts and re-assessed open alerts (ids and revisions are
/// filled in by the database).
#[derive(Debug, Default)]
pub struct Plan {
    pub raise: Vec<Candidate>,
    pub reassess: Vec<Candidate>,
    /// Open alerts confirmed by a later assessment: (alert id, what it was assessed from).
    pub confirmed: Vec<(String, AssessedFrom)>,
    pub stale: usize,
}

pub fn plan(merged: Vec<Candidate>, stored: &store::Subjects) -> Plan {
    let mut plan = Plan::default();
    for mut candidate in merged {
        let key = candidate.key();
        match decide(
            &candidate,
            stored.open.get(&key),
            stored.latest.get(&key).copied(),
        ) {
            Decision::Raise => {
                candidate.alert.alert_id = uuid::Uuid::now_v7().to_string();
                candidate.alert.status = AlertStatus::New as i32;
                plan.raise.push(candidate);
            }
            Decision::Reassess { alert_id } => {
                candidate.alert.alert_id = alert_id;
                plan.reassess.push(candidate);
            }
            Decision::Unchanged { alert_id } => plan.confirmed.push((alert_id, candidate.from)),
            Decision::Stale => plan.stale += 1,
        }
    }
    plan
}

fn writes(candidates: &[Candidate]) -> Vec<AlertWrite<'_>> {
    candidates
        .iter()
        .map(|c| AlertWrite {
            alert: &c.alert,
            from: c.from,
        })
        .collect()
}

impl BatchHandler for AlertRaiser {
    async fn apply(&self, batch: &[Delivery]) -> Result<Vec<Rejected>, HandlerError> {
        let (events, rejected) = decode_batch::<RiskAssessed>(batch);
        let mut asking = Vec::new();
        for (index, event) in &events {
            let (wanted, unrouted) = candidates(&self.units, event);
            if unrouted > 0 {
                tracing::warn!(unrouted, source_event_id = %event.source_event_id, "hits at a location no unit covers");
            }
            if !wanted.is_empty() {
                asking.push((*index, wanted));
            }
        }
        if asking.is_empty() {
            return Ok(rejected);
        }

        let mut tx = self.pool.begin().await?;
        let deliveries: Vec<&Delivery> = asking.iter().map(|(i, _)| &batch[*i]).collect();
        let claimed = inbox::claim(&mut tx, self.consumer, &deliveries).await?;
        // A batch may hold one event twice (a redelivery): it is applied once.
        let mut applied = HashSet::new();
        let merged = merge(
            asking
                .into_iter()
                .filter(|(i, _)| {
                    let id = &batch[*i].event_id;
                    claimed.contains(id) && applied.insert(id.clone())
                })
                .flat_map(|(_, wanted)| wanted),
        );
        if merged.is_empty() {
            tx.rollback().await?;
            return Ok(rejected);
        }
        let keys: Vec<SubjectKey> = merged.iter().map(Candidate::key).collect();
        // A traveller assessed first from their API report and then, linked, with their PNR:
        // the alerts under the API key continue under the linked key.
        let folds: Vec<(SubjectKey, String)> = merged
            .iter()
            .filter(|c| !c.replaces.is_empty() && c.replaces != c.alert.dedupe_key)
            .map(|c| {
                (
                    (c.replaces.clone(), c.alert.unit_id.clone()),
                    c.alert.dedupe_key.clone(),
                )
            })
            .collect();
        let mut locked = keys.clone();
        locked.extend(folds.iter().map(|(old, _)| old.clone()));
        store::lock_subjects(&mut tx, &locked).await?;
        store::fold_subjects(&mut tx, &folds).await?;
        let stored = store::subjects(&mut tx, &keys).await?;
        let plan = plan(merged, &stored);
        store::confirm(&mut tx, &plan.confirmed).await?;
        if plan.raise.is_empty() && plan.reassess.is_empty() {
            tx.commit().await?;
            tracing::debug!(
                unchanged = plan.confirmed.len(),
                stale = plan.stale,
                "assessments changed no alert"
            );
            return Ok(rejected);
        }

        let raised = store::insert(&mut tx, &writes(&plan.raise)).await?;
        let reassessed = store::reassess(&mut tx, &writes(&plan.reassess)).await?;
        let mut outbound = Vec::with_capacity(raised.len() + reassessed.len());
        for alert in &raised {
            let event = AlertRaised {
                event_id: new_event_id(),
                occurred_at: Some(now_timestamp()),
                alert: Some(alert.clone()),
            };
            outbound.push(OutboundEvent::new(
                subjects::alert_raised(&alert.unit_id),
                &event,
            )?);
        }
        for alert in &reassessed {
            let event = AlertUpdated {
                event_id: new_event_id(),
                occurred_at: Some(now_timestamp()),
                alert: Some(alert.clone()),
                actor: String::new(),
                action: AlertAction::Reassessed as i32,
            };
            outbound.push(OutboundEvent::new(
                subjects::alert_updated(&alert.unit_id),
                &event,
            )?);
        }
        let changes: Vec<(Alert, ChangeKind)> = raised
            .into_iter()
            .map(|a| (a, ChangeKind::Raised))
            .chain(
                reassessed
                    .into_iter()
                    .map(|a| (a, ChangeKind::Updated(AlertAction::Reassessed))),
            )
            .collect();
        enqueue(&mut tx, &outbound).await?;
        store::record_changes(&mut tx, &self.channel, &changes).await?;
        tx.commit().await?;
        self.relay.notify();
        tracing::info!(
            raised = plan.raise.len(),
            reassessed = plan.reassess.len(),
            unchanged = plan.confirmed.len(),
            stale = plan.stale,
            events = applied.len(),
            "alerts raised"
        );
        Ok(rejected)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use gatehouse_proto::v1::{HitKind, Severity};

    use super::*;

    fn hit(rule: &str, shadow: bool) -> Hit {
        Hit {
            kind: HitKind::Rule as i32,
            rule_id: rule.into(),
            rule_version: 1,
            weight: 10.0,
            severity: Severity::Medium as i32,
            evidence: HashMap::from([("traveller.nationality".into(), "XXB".into())]),
            shadow,
            ..Default::default()
        }
    }

    fn at(second: i64) -> DateTime<chrono::Utc> {
        DateTime::from_timestamp(1_800_000_000 + second, 0).unwrap()
    }

    fn assessment(id: &str, key: &str, location: &str, hits: Vec<Hit>) -> Assessment {
        Assessment {
            assessment_id: id.into(),
            dedupe_key: key.into(),
            location: location.into(),
            score: hits.iter().map(|h| h.weight).sum(),
            severity: Severity::Medium as i32,
            hits,
            assessed_at: Some(gatehouse_platform::events::to_timestamp(at(0))),
            ..Default::default()
        }
    }

    fn event(assessments: Vec<Assessment>) -> RiskAssessed {
        RiskAssessed {
            event_id: "e-1".into(),
            assessments,
            ..Default::default()
        }
    }

    /// A candidate about `key` for `unit`, from record version `version` assessed at `second`.
    fn candidate(
        key: &str,
        unit: &str,
        assessment_id: &str,
        (version, second): (u32, i64),
        rules: &[&str],
    ) -> Candidate {
        let hits: Vec<Hit> = rules.iter().map(|r| hit(r, false)).collect();
        Candidate {
            alert: Alert {
                unit_id: unit.into(),
                dedupe_key: key.into(),
                assessment_id: assessment_id.into(),
                score: hits.iter().map(|h| h.weight).sum(),
                severity: Severity::Medium as i32,
                hits,
                ..Default::default()
            },
            from: (version, at(second)),
            replaces: String::new(),
        }
    }

    fn stored(candidate: &Candidate, alert_id: &str) -> StoredAlert {
        StoredAlert {
            alert: Alert {
                alert_id: alert_id.into(),
                ..candidate.alert.clone()
            },
            sequence: 1,
        }
    }

    #[test]
    fn routes_by_location_and_named_units() {
        let units = UnitDirectory::load(None).unwrap();
        let routed = |location: &str, targets: &[&str]| {
            let mut a = assessment("a", "k", location, vec![hit("r", false)]);
            a.target_units = targets.iter().map(|t| (*t).to_owned()).collect();
            alert_units(&units, &a)
        };
        assert_eq!(routed("SJJ", &[]), ["jaitf-sjj"]);
        assert_eq!(
            routed("SJJ", &["jaitf-beg", "jaitf-sjj", "nowhere"]),
            ["jaitf-beg", "jaitf-sjj"]
        );
        assert!(routed("LHR", &[]).is_empty());
    }

    #[test]
    fn candidates_are_what_live_hits_ask_of_each_unit() {
        let units = UnitDirectory::load(None).unwrap();
        let mut to_two = assessment("a-2", "k-2", "SJJ", vec![hit("r", false)]);
        to_two.target_units = vec!["jaitf-beg".into()];
        let mut shadow_only = assessment("a-3", "k-3", "SJJ", vec![]);
        shadow_only.shadow_hits = vec![hit("s", true)];
        // (case, assessments, subjects alerted, assessments no unit covers)
        type Case = (
            &'static str,
            Vec<Assessment>,
            Vec<(&'static str, &'static str)>,
            usize,
        );
        let cases: [Case; 6] = [
            (
                "one hit, one unit",
                vec![assessment("a-1", "k-1", "SJJ", vec![hit("r", false)])],
                vec![("k-1", "jaitf-sjj")],
                0,
            ),
            (
                "a hit naming a second unit",
                vec![to_two],
                vec![("k-2", "jaitf-beg"), ("k-2", "jaitf-sjj")],
                0,
            ),
            (
                "shadow hits kept apart alert nobody",
                vec![shadow_only],
                vec![],
                0,
            ),
            (
                "shadow hits of older producers alert nobody",
                vec![assessment("a-4", "k-4", "SJJ", vec![hit("s", true)])],
                vec![],
                0,
            ),
            (
                "a location no unit covers",
                vec![assessment("a-5", "k-5", "LHR", vec![hit("r", false)])],
                vec![],
                1,
            ),
            (
                "no dedupe key: the assessment is the subject",
                vec![assessment("a-6", " ", "SJJ", vec![hit("r", false)])],
                vec![("a-6", "jaitf-sjj")],
                0,
            ),
        ];
        for (name, assessments, expected, expected_unrouted) in cases {
            let (wanted, unrouted) = candidates(&units, &event(assessments));
            let keys: Vec<(&str, &str)> = wanted
                .iter()
                .map(|c| (c.alert.dedupe_key.as_str(), c.alert.unit_id.as_str()))
                .collect();
            assert_eq!(keys, expected, "{name}");
            assert_eq!(unrouted, expected_unrouted, "{name}");
            assert!(
                wanted
                    .iter()
                    .all(|c| c.alert.hits.iter().all(|h| !h.shadow)),
                "{name}"
            );
        }
    }

    #[test]
    fn the_latest_assessment_of_a_subject_wins_in_any_order() {
        let older = candidate("k", "jaitf-sjj", "a-1", (1, 1), &["r"]);
        let newer = candidate("k", "jaitf-sjj", "a-2", (1, 2), &["r", "s"]);
        let tie = candidate("k", "jaitf-sjj", "a-3", (1, 2), &["t"]);
        // A later record version wins even when it was screened earlier.
        let next_version = candidate("k", "jaitf-sjj", "a-4", (2, 0), &["u"]);
        let other_unit = candidate("k", "jaitf-beg", "a-1", (1, 1), &["r"]);
        let cases = [
            (
                vec![older.clone(), newer.clone(), other_unit.clone()],
                vec![other_unit.clone(), newer.clone()],
            ),
            (
                vec![other_unit.clone(), newer.clone(), older.clone()],
                vec![other_unit.clone(), newer.clone()],
            ),
            (vec![newer.clone(), tie.clone()], vec![tie.clone()]),
            (vec![tie.clone(), newer.clone()], vec![tie.clone()]),
            (
                vec![next_version.clone(), newer.clone()],
                vec![next_version.clone()],
            ),
            (
                vec![newer.clone(), next_version.clone()],
                vec![next_version.clone()],
            ),
        ];
        for (batch, expected) in cases {
            assert_eq!(merge(batch), expected);
        }
    }

    #[test]
    fn decisions_follow_the_open_alert_and_the_latest_assessment() {
        let first = candidate("k", "jaitf-sjj", "a-1", (1, 1), &["r", "s"]);
        let open = stored(&first, "alert-1");
        let mut resent = candidate("k", "jaitf-sjj", "a-2", (2, 2), &["s", "r"]);
        resent.alert.subject = Some(Default::default());
        let more_hits = candidate("k", "jaitf-sjj", "a-3", (2, 2), &["r", "s", "t"]);
        let rescreened = candidate("k", "jaitf-sjj", "a-4", (1, 5), &["r"]);
        let mut other_evidence = candidate("k", "jaitf-sjj", "a-5", (2, 2), &["r", "s"]);
        other_evidence.alert.hits[0]
            .evidence
            .insert("traveller.nationality".into(), "XXC".into());
        let earlier_time = candidate("k", "jaitf-sjj", "a-0", (1, 0), &["t"]);
        let earlier_version = candidate("k", "jaitf-sjj", "a-6", (0, 9), &["t"]);
        let reassess = Decision::Reassess {
            alert_id: "alert-1".into(),
        };
        let latest = Some((1, at(1)));
        let cases = [
            ("nothing stored", &first, None, None, Decision::Raise),
            (
                "a resend with the same hits in another order",
                &resent,
                Some(&open),
                latest,
                Decision::Unchanged {
                    alert_id: "alert-1".into(),
                },
            ),
            (
                "a new hit",
                &more_hits,
                Some(&open),
                latest,
                reassess.clone(),
            ),
            (
                "a re-screen that lost a hit",
                &rescreened,
                Some(&open),
                latest,
                reassess.clone(),
            ),
            (
                "other evidence",
                &other_evidence,
                Some(&open),
                latest,
                reassess,
            ),
            (
                "screened before the open alert's assessment",
                &earlier_time,
                Some(&open),
                latest,
                Decision::Stale,
            ),
            (
                "an earlier record version",
                &earlier_version,
                Some(&open),
                latest,
                Decision::Stale,
            ),
            (
                "the same assessment again",
                &first,
                Some(&open),
                latest,
                Decision::Stale,
            ),
            (
                "the earlier alert is closed",
                &more_hits,
                None,
                latest,
                Decision::Raise,
            ),
            (
                "older than a closed alert",
                &earlier_time,
                None,
                latest,
                Decision::Stale,
            ),
        ];
        for (name, candidate, open, latest, expected) in cases {
            assert_eq!(decide(candidate, open, latest), expected, "{name}");
        }
    }

    #[test]
    fn a_plan_gives_raises_new_ids_and_reassessments_their_alert() {
        let raise = candidate("k-1", "jaitf-sjj", "a-1", (1, 1), &["r"]);
        let update = candidate("k-2", "jaitf-sjj", "a-2", (1, 2), &["r", "s"]);
        let same = candidate("k-3", "jaitf-sjj", "a-3", (1, 2), &["r"]);
        let earlier = |key: &str| candidate(key, "jaitf-sjj", "a-0", (1, 1), &["r"]);
        let stored_subjects = store::Subjects {
            open: HashMap::from([
                (update.key(), stored(&earlier("k-2"), "alert-2")),
                (same.key(), stored(&earlier("k-3"), "alert-3")),
            ]),
            latest: HashMap::from([(update.key(), (1, at(1))), (same.key(), (1, at(1)))]),
        };
        let plan = plan(vec![raise, update, same], &stored_subjects);
        assert_eq!(plan.raise.len(), 1);
        assert!(uuid::Uuid::parse_str(&plan.raise[0].alert.alert_id).is_ok());
        assert_eq!(plan.raise[0].alert.status, AlertStatus::New as i32);
        assert_eq!(plan.reassess.len(), 1);
        assert_eq!(plan.reassess[0].alert.alert_id, "alert-2");
        assert_eq!(plan.confirmed, [("alert-3".to_owned(), (1, at(2)))]);
        assert_eq!(plan.stale, 0);
    }
}
