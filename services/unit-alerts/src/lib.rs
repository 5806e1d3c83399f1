//! Unit alerts: turns assessments with hits into alerts for the units covering the place of
//! arrival (and units named by rules), keeps one open alert per subject and unit (later
//! assessments update it), and streams every change to the units' dashboards.
//!
//! Implemented: `SubscribeAlerts` (raised and updated alerts and heartbeats, resumable by an
//! opaque per-unit cursor, ending when the token expires), `ListAlerts`, `GetAlert`, and the
//! workflow `AcknowledgeAlert` → `AssignAlert` → `RecordOutcome` (each audited and announced as
//! `AlertUpdated`), `ListUnits`.

mod cursor;
mod raise;
pub mod retention;
mod store;
mod subscribe;

use std::{
    sync::Arc,
    time::{Duration, SystemTime},
};

use gatehouse_platform::{
    audit::{AuditEntry, audit},
    auth::{self, Caller, Role},
    bus::{BusError, OutboundEvent, durables, subjects},
    config::ServiceConfig,
    db,
    error::{FieldViolations, internal},
    events::{new_event_id, now_timestamp},
    outbox::{Relay, enqueue},
    runtime::{RuntimeError, ServiceRuntime},
    units::UnitDirectory,
};
use gatehouse_proto::v1::{
    AcknowledgeAlertRequest, AcknowledgeAlertResponse, Alert, AlertAction, AlertStatus,
    AlertUpdated, AssignAlertRequest, AssignAlertResponse, GetAlertRequest, GetAlertResponse,
    ListAlertsRequest, ListAlertsResponse, ListUnitsRequest, ListUnitsResponse, Outcome,
    RecordOutcomeRequest, RecordOutcomeResponse, SubscribeAlertsRequest, SubscribeAlertsResponse,
    Unit, UnitKind,
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
    let channel = format!("{}_alert_changes", runtime.config.database.schema);
    let feed = subscribe::ChangeFeed::start(&mut runtime, channel.clone())
        .await
        .map_err(|e| RuntimeError::Db(e.into()))?;

    // Alerts about PNR travellers follow the PNR's retention periods.
    let policy = gatehouse_platform::retention::Policy::from_env()?;
    let (pool, shutdown_sweeps) = (runtime.pool.clone(), runtime.shutdown.clone());
    runtime.spawn(async move {
        gatehouse_platform::retention::run_sweeps("alerts", policy, shutdown_sweeps, |now| {
            retention::sweep(&pool, now, &policy)
        })
        .await;
    });

    let spec = runtime.consumer_spec(durables::UNIT_ALERTS_ASSESSED);
    let raiser = raise::AlertRaiser {
        pool: runtime.pool.clone(),
        relay: runtime.relay.clone(),
        units: runtime.units.clone(),
        consumer: spec.durable.name,
        channel: channel.clone(),
    };
    runtime.spawn_consumer(spec, raiser);

    let service = UnitAlerts {
        pool: runtime.pool.clone(),
        relay: runtime.relay.clone(),
        units: runtime.units.clone(),
        feed,
        channel,
        heartbeat: subscribe::heartbeat_from_env(),
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
    /// Missing, or another unit's: the two are told apart to no one.
    #[error("alert not found")]
    NotFound,
    #[error("{0}")]
    PermissionDenied(String),
    #[error("{0}")]
    FailedPrecondition(String),
    #[error("token expired")]
    TokenExpired,
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("event: {0}")]
    Event(#[from] BusError),
}

impl AlertsError {
    fn invalid(field: &str, reason: impl std::fmt::Display) -> Self {
        let mut violations = FieldViolations::new();
        violations.add(field, reason.to_string());
        AlertsError::Invalid(violations)
    }
}

impl From<AlertsError> for Status {
    fn from(error: AlertsError) -> Self {
        match error {
            AlertsError::Invalid(v) => v.into_status(),
            AlertsError::NotFound => Status::not_found("alert not found"),
            AlertsError::PermissionDenied(why) => Status::permission_denied(why),
            AlertsError::FailedPrecondition(why) => Status::failed_precondition(why),
            AlertsError::TokenExpired => Status::unauthenticated(
                "token expired: reconnect with a fresh token and the last cursor",
            ),
            AlertsError::Db(e) => db::status(&e),
            AlertsError::Event(e) => internal(&e),
        }
    }
}

pub struct UnitAlerts {
    pool: PgPool,
    relay: Relay,
    units: Arc<UnitDirectory>,
    feed: subscribe::ChangeFeed,
    /// Postgres channel that wakes the streams of changed units on every replica.
    channel: String,
    heartbeat: Duration,
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
    fn action(self) -> AlertAction {
        match self {
            Step::Acknowledge => AlertAction::Acknowledged,
            Step::Assign { .. } => AlertAction::Assigned,
            Step::Outcome { .. } => AlertAction::OutcomeRecorded,
        }
    }

    /// The step as a verb, for error messages.
    fn verb(self) -> &'static str {
        match self {
            Step::Acknowledge => "acknowledged",
            Step::Assign { .. } => "assigned",
            Step::Outcome { .. } => "closed",
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
        let Some(lifetime) = remaining(caller.expires_at) else {
            return Err(AlertsError::TokenExpired.into());
        };
        let current = store::unit_positions(&self.pool, &units)
            .await
            .map_err(AlertsError::from)?;
        let positions = cursor::resume(&req.cursor, &units, &current)
            .map_err(|e| AlertsError::invalid("cursor", e))?;
        let stream = subscribe::spawn(subscribe::Subscription {
            pool: self.pool.clone(),
            feed: self.feed.clone(),
            caller,
            positions,
            heartbeat: self.heartbeat,
            expires_at: tokio::time::Instant::now() + lifetime,
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
            _ => {
                return Err(AlertsError::invalid("page_size", "must be between 1 and 1000").into());
            }
        };
        let before = if req.page_token.is_empty() {
            i64::MAX
        } else {
            cursor::decode_page(&req.page_token).ok_or_else(|| {
                AlertsError::invalid("page_token", "is not a token returned by ListAlerts")
            })?
        };
        let filter = store::AlertFilter {
            units: &units,
            status: AlertStatus::try_from(req.status).unwrap_or(AlertStatus::Unspecified),
            domain: req.domain,
            min_severity: req.min_severity,
        };
        let stored = store::list(&self.pool, &filter, before, page_size)
            .await
            .map_err(AlertsError::from)?;
        let next_page_token = if i64::try_from(stored.len()).unwrap_or_default() == page_size {
            stored
                .last()
                .map(|a| cursor::encode_page(a.sequence))
                .unwrap_or_default()
        } else {
            String::new()
        };
        let alerts: Vec<Alert> = stored.into_iter().map(|s| s.alert).collect();
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
            return Err(AlertsError::PermissionDenied(
                "only a supervisor assigns alerts to someone else".into(),
            )
            .into());
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
                return Err(AlertsError::invalid("outcome", "is required").into());
            }
            Ok(outcome) => outcome,
        };
        if req.notes.chars().count() > 4000 {
            return Err(AlertsError::invalid("notes", "must be at most 4000 characters").into());
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

/// How long until `expires_at`; `None` once it has passed. Capped (at about 136 years) so that
/// adding it to a clock reading cannot overflow, whatever `exp` a token carries.
fn remaining(expires_at: SystemTime) -> Option<Duration> {
    expires_at
        .duration_since(SystemTime::now())
        .ok()
        .filter(|left| !left.is_zero())
        .map(|left| left.min(Duration::from_secs(u64::from(u32::MAX))))
}

impl UnitAlerts {
    /// The alert, if it belongs to one of the caller's units. Another unit's alert is
    /// `NOT_FOUND`, exactly like a missing one: the lookup itself is scoped to the caller.
    async fn visible_alert(&self, caller: &Caller, alert_id: &str) -> Result<Alert, AlertsError> {
        let id = uuid::Uuid::parse_str(alert_id.trim())
            .map_err(|_| AlertsError::invalid("alert_id", "must be an alert id"))?;
        store::find(&self.pool, id, &caller.units)
            .await?
            .ok_or(AlertsError::NotFound)
    }

    /// Applies one workflow step to an alert of the caller's unit, audits it, logs it in the
    /// unit's changes and announces it.
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
                step.verb()
            )));
        }
        let id = uuid::Uuid::parse_str(&alert.alert_id).map_err(|_| AlertsError::NotFound)?;
        let mut tx = self.pool.begin().await?;
        let Some(updated) =
            store::step(&mut tx, id, current, step.status(), &step.values()).await?
        else {
            return Err(AlertsError::FailedPrecondition(format!(
                "alert {id} was changed meanwhile, read it again"
            )));
        };
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
            action: step.action() as i32,
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
        store::record_changes(
            &mut tx,
            &self.channel,
            &[(updated.clone(), store::ChangeKind::Updated(step.action()))],
        )
        .await?;
        tx.commit().await?;
        self.relay.notify();
        tracing::info!(alert_id = %id, action = step.action().as_str_name(), "alert updated");
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
    fn token_lifetimes_end_at_expiry_and_never_overflow() {
        let now = SystemTime::now();
        assert_eq!(remaining(now - Duration::from_secs(1)), None);
        let left = remaining(now + Duration::from_secs(60)).unwrap();
        assert!(left <= Duration::from_secs(60) && !left.is_zero());
        let far = SystemTime::UNIX_EPOCH + Duration::from_secs(u64::from(u32::MAX) * 1000);
        let capped = remaining(far).unwrap();
        assert_eq!(capped, Duration::from_secs(u64::from(u32::MAX)));
        assert!(tokio::time::Instant::now().checked_add(capped).is_some());
    }

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
