//! Unit alerts: turns assessments with hits into alerts for the units covering the place of
//! arrival (and units named by rules), and streams them to the units' dashboards.
//!
//! Implemented: `SubscribeAlerts` (resumable by sequence), `ListAlerts`, `GetAlert`, and the
//! workflow `AcknowledgeAlert` → `AssignAlert` → `RecordOutcome` (each audited and announced as
//! `AlertUpdated`), `ListUnits`.

mod raise;
mod store;
mod subscribe;

use std::sync::Arc;

use gatehouse_platform::{
    auth::{self, Caller, Role},
    bus::{BusError, OutboundEvent, StreamKind, subjects},
    config::ServiceConfig,
    error::{FieldViolations, internal, invalid_field},
    events::{new_event_id, now_timestamp},
    outbox::{AuditEntry, Relay, audit, enqueue},
    runtime::{RuntimeError, ServiceRuntime},
    units::UnitDirectory,
};
use gatehouse_proto::v1::{
    AcknowledgeAlertRequest, AcknowledgeAlertResponse, Alert, AlertStatus, AlertUpdated,
    AssignAlertRequest, AssignAlertResponse, GetAlertRequest, GetAlertResponse, ListAlertsRequest,
    ListAlertsResponse, ListUnitsRequest, ListUnitsResponse, Outcome, RecordOutcomeRequest,
    RecordOutcomeResponse, SubscribeAlertsRequest, SubscribeAlertsResponse, Unit, UnitKind,
    unit_alerts_service_server::{UnitAlertsService, UnitAlertsServiceServer},
};
use sqlx::PgPool;
use tokio::net::TcpListener;
use tonic::{Request, Response, Status, service::Routes};

static MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

gatehouse_platform::service_binary!(UnitAlerts);

pub async fn run(
    config: ServiceConfig,
    listener: TcpListener,
    shutdown: gatehouse_platform::runtime::Shutdown,
) -> Result<(), RuntimeError> {
    let mut runtime = ServiceRuntime::start(config, &MIGRATIONS).await?;
    let channel = format!("{}_alerts", runtime.config.database.schema);
    let latest = subscribe::LatestSequence::start(&mut runtime, channel.clone())
        .await
        .map_err(|e| RuntimeError::Db(e.into()))?;

    let spec = runtime.consumer_spec(
        StreamKind::Risk,
        "assessed",
        Some("gatehouse.risk.assessed.>"),
    );
    let raiser = raise::AlertRaiser {
        pool: runtime.pool.clone(),
        relay: runtime.relay.clone(),
        units: runtime.units.clone(),
        consumer: spec.durable.clone(),
        channel,
    };
    runtime.spawn_consumer(spec, raiser);

    let service = UnitAlerts {
        pool: runtime.pool.clone(),
        relay: runtime.relay.clone(),
        units: runtime.units.clone(),
        latest,
        shutdown: runtime.draining.clone(),
    };
    let routes = Routes::new(UnitAlertsServiceServer::with_interceptor(
        service,
        runtime.interceptor(),
    ));
    runtime
        .serve(
            listener,
            routes,
            &["gatehouse.v1.UnitAlertsService"],
            shutdown,
        )
        .await
}

#[derive(Debug, thiserror::Error)]
pub enum AlertsError {
    #[error("invalid request: {0}")]
    Invalid(FieldViolations),
    #[error("{0} not found")]
    NotFound(String),
    #[error("{0}")]
    PermissionDenied(String),
    #[error("{0}")]
    FailedPrecondition(String),
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("event: {0}")]
    Event(#[from] BusError),
}

impl From<AlertsError> for Status {
    fn from(error: AlertsError) -> Self {
        match error {
            AlertsError::Invalid(v) => v.into_status(),
            AlertsError::NotFound(what) => Status::not_found(format!("{what} not found")),
            AlertsError::PermissionDenied(why) => Status::permission_denied(why),
            AlertsError::FailedPrecondition(why) => Status::failed_precondition(why),
            AlertsError::Db(e) => internal(&e),
            AlertsError::Event(e) => internal(&e),
        }
    }
}

pub struct UnitAlerts {
    pool: PgPool,
    relay: Relay,
    units: Arc<UnitDirectory>,
    latest: subscribe::LatestSequence,
    shutdown: tokio_util::sync::CancellationToken,
}

/// One step of an alert's workflow: new → acknowledged → assigned → closed with an outcome.
#[derive(Debug, Clone, Copy)]
enum Step<'a> {
    Acknowledge,
    Assign { assignee: &'a str },
    Outcome { outcome: Outcome, notes: &'a str },
}

impl Step<'_> {
    fn allowed_from(self, status: AlertStatus) -> bool {
        match self {
            Step::Acknowledge => status == AlertStatus::New,
            Step::Assign { .. } | Step::Outcome { .. } => {
                matches!(
                    status,
                    AlertStatus::New | AlertStatus::Acknowledged | AlertStatus::Assigned
                )
            }
        }
    }

    fn status(self) -> AlertStatus {
        match self {
            Step::Acknowledge => AlertStatus::Acknowledged,
            Step::Assign { .. } => AlertStatus::Assigned,
            Step::Outcome { .. } => AlertStatus::Closed,
        }
    }

    /// `AlertUpdated.action`, as other services read it.
    fn action(self) -> &'static str {
        match self {
            Step::Acknowledge => "acknowledged",
            Step::Assign { .. } => "assigned",
            Step::Outcome { .. } => "outcome_recorded",
        }
    }

    fn audit_action(self) -> &'static str {
        match self {
            Step::Acknowledge => "alert.acknowledge",
            Step::Assign { .. } => "alert.assign",
            Step::Outcome { .. } => "alert.outcome",
        }
    }

    fn values(&self) -> store::StepValues<'_> {
        match *self {
            Step::Acknowledge => store::StepValues::default(),
            Step::Assign { assignee } => store::StepValues {
                assigned_to: Some(assignee),
                ..Default::default()
            },
            Step::Outcome { outcome, notes } => store::StepValues {
                outcome: Some(outcome),
                outcome_notes: Some(notes),
                ..Default::default()
            },
        }
    }
}

/// Alerts carry personal data: only officers and supervisors of the alert's unit see them.
fn alert_reader<T>(request: &Request<T>) -> Result<Caller, Status> {
    let caller = auth::caller(request)?;
    caller.require_any(&[Role::Officer, Role::Supervisor])?;
    Ok(caller)
}

fn unit_kind(kind: &str) -> UnitKind {
    match kind {
        "pcu" | "accu" | "customs" => UnitKind::Customs,
        "police" => UnitKind::Police,
        "border_guard" => UnitKind::BorderGuard,
        "piu" => UnitKind::PassengerInformationUnit,
        "jaitf" | "interagency" | "targeting_centre" => UnitKind::TargetingCentre,
        _ => UnitKind::Unspecified,
    }
}

#[tonic::async_trait]
impl UnitAlertsService for UnitAlerts {
    async fn subscribe_alerts(
        &self,
        request: Request<SubscribeAlertsRequest>,
    ) -> Result<Response<tonic::codegen::BoxStream<SubscribeAlertsResponse>>, Status> {
        let caller = alert_reader(&request)?;
        let req = request.into_inner();
        let units = caller.scope_units(&req.unit_ids)?;
        let cursor = match req.after_sequence {
            Some(after) => {
                i64::try_from(after).map_err(|_| invalid_field("after_sequence", "out of range"))?
            }
            None => store::max_sequence(&self.pool)
                .await
                .map_err(AlertsError::from)?,
        };
        let stream = subscribe::spawn(subscribe::Subscription {
            pool: self.pool.clone(),
            latest: self.latest.clone(),
            caller,
            units,
            cursor,
            shutdown: self.shutdown.clone(),
        });
        Ok(Response::new(Box::pin(stream)))
    }

    async fn list_alerts(
        &self,
        request: Request<ListAlertsRequest>,
    ) -> Result<Response<ListAlertsResponse>, Status> {
        let caller = alert_reader(&request)?;
        let req = request.into_inner();
        let units = caller.scope_units(&req.unit_ids)?;
        let page_size = match req.page_size {
            0 => 100,
            n if (1..=1000).contains(&n) => i64::from(n),
            _ => return Err(invalid_field("page_size", "must be between 1 and 1000")),
        };
        let before = if req.page_token.is_empty() {
            i64::MAX
        } else {
            req.page_token
                .parse::<i64>()
                .map_err(|_| invalid_field("page_token", "not a token returned by ListAlerts"))?
        };
        let filter = store::AlertFilter {
            units: &units,
            status: AlertStatus::try_from(req.status).unwrap_or(AlertStatus::Unspecified),
            domain: req.domain,
            min_severity: req.min_severity,
        };
        let alerts = store::list(&self.pool, &filter, before, page_size)
            .await
            .map_err(AlertsError::from)?;
        let next_page_token = if i64::try_from(alerts.len()).unwrap_or_default() == page_size {
            alerts
                .last()
                .map(|a| a.sequence.to_string())
                .unwrap_or_default()
        } else {
            String::new()
        };
        self.audit_read(&caller, "alert.list", &alerts).await?;
        Ok(Response::new(ListAlertsResponse {
            alerts,
            next_page_token,
        }))
    }

    async fn get_alert(
        &self,
        request: Request<GetAlertRequest>,
    ) -> Result<Response<GetAlertResponse>, Status> {
        let caller = alert_reader(&request)?;
        let alert = self
            .visible_alert(&caller, &request.into_inner().alert_id)
            .await?;
        self.audit_read(&caller, "alert.read", std::slice::from_ref(&alert))
            .await?;
        Ok(Response::new(GetAlertResponse { alert: Some(alert) }))
    }

    async fn acknowledge_alert(
        &self,
        request: Request<AcknowledgeAlertRequest>,
    ) -> Result<Response<AcknowledgeAlertResponse>, Status> {
        let caller = alert_reader(&request)?;
        let alert = self
            .visible_alert(&caller, &request.into_inner().alert_id)
            .await?;
        let alert = self.step(&caller, alert, Step::Acknowledge).await?;
        Ok(Response::new(AcknowledgeAlertResponse {
            alert: Some(alert),
        }))
    }

    async fn assign_alert(
        &self,
        request: Request<AssignAlertRequest>,
    ) -> Result<Response<AssignAlertResponse>, Status> {
        let caller = alert_reader(&request)?;
        let req = request.into_inner();
        let assignee = req.assignee.trim();
        // Officers take alerts themselves; supervisors hand them to anyone of the unit.
        let assignee = if assignee.is_empty() {
            caller.subject.clone()
        } else {
            assignee.to_owned()
        };
        if assignee != caller.subject
            && !caller.has_role(Role::Supervisor)
            && !caller.has_role(Role::Admin)
        {
            return Err(Status::permission_denied(
                "only a supervisor assigns alerts to someone else",
            ));
        }
        let alert = self.visible_alert(&caller, &req.alert_id).await?;
        let alert = self
            .step(
                &caller,
                alert,
                Step::Assign {
                    assignee: &assignee,
                },
            )
            .await?;
        Ok(Response::new(AssignAlertResponse { alert: Some(alert) }))
    }

    async fn record_outcome(
        &self,
        request: Request<RecordOutcomeRequest>,
    ) -> Result<Response<RecordOutcomeResponse>, Status> {
        let caller = alert_reader(&request)?;
        let req = request.into_inner();
        let outcome = match Outcome::try_from(req.outcome) {
            Ok(Outcome::Unspecified) | Err(_) => {
                return Err(invalid_field("outcome", "is required"));
            }
            Ok(outcome) => outcome,
        };
        if req.notes.chars().count() > 4000 {
            return Err(invalid_field("notes", "must be at most 4000 characters"));
        }
        let alert = self.visible_alert(&caller, &req.alert_id).await?;
        let alert = self
            .step(
                &caller,
                alert,
                Step::Outcome {
                    outcome,
                    notes: req.notes.trim(),
                },
            )
            .await?;
        Ok(Response::new(RecordOutcomeResponse { alert: Some(alert) }))
    }

    async fn list_units(
        &self,
        request: Request<ListUnitsRequest>,
    ) -> Result<Response<ListUnitsResponse>, Status> {
        let caller = auth::caller(&request)?;
        let only_mine = request.into_inner().only_mine;
        let units = self
            .units
            .all()
            .iter()
            .filter(|u| !only_mine || caller.covers_unit(&u.id))
            .map(|u| Unit {
                unit_id: u.id.clone(),
                name: u.name.clone(),
                kind: unit_kind(&u.kind) as i32,
                locations: u.locations.clone(),
                domains: vec![],
                agency: String::new(),
            })
            .collect();
        Ok(Response::new(ListUnitsResponse { units }))
    }
}

impl UnitAlerts {
    /// The alert, if it belongs to one of the caller's units.
    async fn visible_alert(&self, caller: &Caller, alert_id: &str) -> Result<Alert, AlertsError> {
        let id = uuid::Uuid::parse_str(alert_id.trim()).map_err(|_| {
            let mut v = FieldViolations::new();
            v.add("alert_id", "must be an alert id");
            AlertsError::Invalid(v)
        })?;
        let alert = store::find(&self.pool, id)
            .await?
            .ok_or_else(|| AlertsError::NotFound(format!("alert {id}")))?;
        if !caller.covers_unit(&alert.unit_id) {
            return Err(AlertsError::PermissionDenied(format!(
                "alert {id} belongs to another unit"
            )));
        }
        Ok(alert)
    }

    /// Applies one workflow step to an alert of the caller's unit, audits it and announces it.
    async fn step(
        &self,
        caller: &Caller,
        alert: Alert,
        step: Step<'_>,
    ) -> Result<Alert, AlertsError> {
        let current = AlertStatus::try_from(alert.status).unwrap_or(AlertStatus::Unspecified);
        if !step.allowed_from(current) {
            return Err(AlertsError::FailedPrecondition(format!(
                "alert {} is {}; it cannot be {}",
                alert.alert_id,
                store::status_name(current),
                step.action()
            )));
        }
        let id = uuid::Uuid::parse_str(&alert.alert_id)
            .map_err(|_| AlertsError::NotFound(alert.alert_id.clone()))?;
        let mut tx = self.pool.begin().await?;
        if !store::step(&mut tx, id, current, step.status(), &step.values()).await? {
            return Err(AlertsError::FailedPrecondition(format!(
                "alert {id} was changed meanwhile, read it again"
            )));
        }
        let updated = store::find_in(&mut tx, id)
            .await?
            .ok_or_else(|| AlertsError::NotFound(format!("alert {id}")))?;
        audit(
            &mut tx,
            AuditEntry {
                actor: &caller.subject,
                agency: &caller.agency,
                action: step.audit_action(),
                resource_type: "alert",
                resource_ids: vec![id.to_string()],
                reason: None,
            },
        )
        .await?;
        let event = AlertUpdated {
            event_id: new_event_id(),
            occurred_at: Some(now_timestamp()),
            alert: Some(updated.clone()),
            action: step.action().into(),
            actor: caller.subject.clone(),
        };
        enqueue(
            &mut tx,
            &[OutboundEvent::new(
                subjects::alert_updated(&updated.unit_id),
                &event,
            )?],
        )
        .await?;
        tx.commit().await?;
        self.relay.notify();
        tracing::info!(alert_id = %id, action = step.action(), "alert updated");
        Ok(updated)
    }

    async fn audit_read(
        &self,
        caller: &Caller,
        action: &str,
        alerts: &[Alert],
    ) -> Result<(), AlertsError> {
        if alerts.is_empty() {
            return Ok(());
        }
        let mut conn = self.pool.acquire().await?;
        audit(
            &mut conn,
            AuditEntry {
                actor: &caller.subject,
                agency: &caller.agency,
                action,
                resource_type: "alert",
                resource_ids: alerts.iter().map(|a| a.alert_id.clone()).collect(),
                reason: None,
            },
        )
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_moves_forward_and_closes_once() {
        let outcome = Step::Outcome {
            outcome: Outcome::Seizure,
            notes: "",
        };
        let assign = Step::Assign { assignee: "o-1" };
        assert!(Step::Acknowledge.allowed_from(AlertStatus::New));
        assert!(!Step::Acknowledge.allowed_from(AlertStatus::Assigned));
        assert!(assign.allowed_from(AlertStatus::Acknowledged));
        assert!(outcome.allowed_from(AlertStatus::Assigned));
        for step in [Step::Acknowledge, assign, outcome] {
            assert!(!step.allowed_from(AlertStatus::Closed), "{step:?}");
        }
        assert_eq!(outcome.status(), AlertStatus::Closed);
        assert_eq!(outcome.values().outcome, Some(Outcome::Seizure));
        assert_eq!(assign.values().assigned_to, Some("o-1"));
    }
}
