//! Raising alerts from `RiskAssessed` events.

use std::sync::Arc;

use gatehouse_platform::{
    bus::{Delivery, EventHandler, HandlerError, OutboundEvent, subjects},
    events::{new_event_id, now_timestamp},
    outbox::{Relay, enqueue},
    units::UnitDirectory,
};
use gatehouse_proto::v1::{Alert, AlertRaised, AlertStatus, Assessment, RiskAssessed};
use sqlx::PgPool;

use crate::store;

pub struct AlertRaiser {
    pub pool: PgPool,
    pub relay: Relay,
    pub units: Arc<UnitDirectory>,
    pub consumer: String,
    /// Postgres channel notified with the newest sequence, which wakes every replica's streams.
    pub channel: String,
}

/// Units an assessment alerts: those covering its location plus those its hits name.
/// Shadow-only assessments alert nobody.
pub fn alert_units(units: &UnitDirectory, assessment: &Assessment) -> Vec<String> {
    if assessment.hits.iter().all(|h| h.shadow) {
        return vec![];
    }
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

impl EventHandler for AlertRaiser {
    async fn handle(&self, delivery: &Delivery) -> Result<(), HandlerError> {
        let event = delivery.decode::<RiskAssessed>()?;
        let Some(mut tx) = delivery.begin_once(&self.pool, &self.consumer).await? else {
            return Ok(());
        };
        let mut raised = Vec::new();
        let mut unrouted = 0;
        for assessment in &event.assessments {
            let units = alert_units(&self.units, assessment);
            if units.is_empty() && assessment.hits.iter().any(|h| !h.shadow) {
                unrouted += 1;
            }
            for unit in units {
                raised.push(Alert {
                    alert_id: uuid::Uuid::now_v7().to_string(),
                    unit_id: unit,
                    domain: event.domain,
                    status: AlertStatus::New as i32,
                    severity: assessment.severity,
                    score: assessment.score,
                    hits: assessment
                        .hits
                        .iter()
                        .filter(|h| !h.shadow)
                        .cloned()
                        .collect(),
                    subject: assessment.subject.clone(),
                    assessment_id: assessment.assessment_id.clone(),
                    location: assessment.location.clone(),
                    ..Default::default()
                });
            }
        }
        if raised.is_empty() {
            tx.commit().await?;
            if unrouted > 0 {
                tracing::warn!(unrouted, source_event_id = %event.source_event_id, "hits at a location no unit covers");
            }
            return Ok(());
        }
        // Sequence numbers are taken and committed one transaction at a time, so a stream that
        // has seen sequence N never misses a smaller one committed later.
        sqlx::query("SELECT pg_advisory_xact_lock(hashtext('gatehouse.alert_sequence'))")
            .execute(&mut *tx)
            .await?;
        let mut events = Vec::with_capacity(raised.len());
        let mut newest = 0;
        for alert in &raised {
            let Some(stored) = store::insert(&mut tx, alert).await? else {
                continue;
            };
            newest = newest.max(stored.sequence);
            let event = AlertRaised {
                event_id: new_event_id(),
                occurred_at: Some(now_timestamp()),
                alert: Some(stored.clone()),
            };
            events.push(OutboundEvent::new(
                subjects::alert_raised(&stored.unit_id),
                &event,
            )?);
        }
        enqueue(&mut tx, &events).await?;
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(&self.channel)
            .bind(newest.to_string())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        self.relay.notify();
        tracing::info!(alerts = events.len(), source_event_id = %event.source_event_id, "alerts raised");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use gatehouse_proto::v1::Hit;

    use super::*;

    fn assessment(location: &str, shadow: bool, targets: &[&str]) -> Assessment {
        Assessment {
            location: location.into(),
            hits: vec![Hit {
                shadow,
                ..Default::default()
            }],
            target_units: targets.iter().map(|t| (*t).to_owned()).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn routes_by_location_and_named_units() {
        let units = UnitDirectory::load(None).unwrap();
        assert_eq!(
            alert_units(&units, &assessment("SJJ", false, &[])),
            ["jaitf-sjj"]
        );
        assert_eq!(
            alert_units(
                &units,
                &assessment("SJJ", false, &["jaitf-beg", "jaitf-sjj", "nowhere"])
            ),
            ["jaitf-beg", "jaitf-sjj"]
        );
        assert!(alert_units(&units, &assessment("LHR", false, &[])).is_empty());
    }

    #[test]
    fn shadow_hits_never_alert() {
        let units = UnitDirectory::load(None).unwrap();
        assert!(alert_units(&units, &assessment("SJJ", true, &["jaitf-beg"])).is_empty());
    }
}
