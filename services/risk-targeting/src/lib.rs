//! Risk targeting: watchlists and rules maintained by analysts, and the screening of every
//! accepted record against them.
//!
//! Implemented: `CreateWatchlist`, `ListWatchlists`, `AddWatchlistEntries`, `CreateRule`,
//! `GetRule`, `UpdateRule`, `ValidateRule`, `SetRuleStatus`, `ListRules`; screening of API
//! reports and PNRs against document watchlists (exact, normalised numbers) and passenger CEL
//! rules, and of the consignments of accepted manifests against cargo CEL rules (`cargo`).
//! Declared for later issues (answer `UNIMPLEMENTED`): `RemoveWatchlistEntries`,
//! `ImportWatchlist`, `ScreenName`, `BacktestRule`, `GetRulePublicationLog`,
//! `GetAssessment`.

mod cargo;
pub mod retention;
pub mod rules;
pub mod screening;
mod watchlists;

use std::{marker::PhantomData, time::Duration};

use futures::StreamExt;
use gatehouse_platform::{
    auth::{self, Caller, Role},
    bus::{Bus, BusError, OutboundEvent, durables, subjects},
    config::ServiceConfig,
    db,
    error::{FieldViolations, internal, invalid_field},
    events::{new_event_id, now_timestamp},
    outbox::{Relay, enqueue},
    runtime::{RuntimeError, ServiceRuntime},
};
use gatehouse_proto::v1::{
    ApiReportAccepted, CreateRuleRequest, CreateRuleResponse, Domain, GetRuleRequest,
    GetRuleResponse, ListRulesRequest, ListRulesResponse, PnrAccepted, Rule, RuleDiagnostic,
    RuleStatus, RulesChanged, SetRuleStatusRequest, SetRuleStatusResponse, UpdateRuleRequest,
    UpdateRuleResponse, ValidateRuleRequest, ValidateRuleResponse,
    risk_targeting_service_server::{RiskTargetingService, RiskTargetingServiceServer},
};
use sqlx::PgPool;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status, service::Routes};

use crate::rules::RuleSet;

static MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// How often replicas re-read rules even without a CONTROL event, in case one was missed.
const RULE_REFRESH: Duration = Duration::from_secs(30);

gatehouse_platform::service_binary!(RiskTargeting);

pub async fn run(
    config: ServiceConfig,
    listener: TcpListener,
    shutdown: gatehouse_platform::runtime::Shutdown,
) -> Result<(), RuntimeError> {
    let mut runtime = ServiceRuntime::start(config, &MIGRATIONS).await?;
    // Lists loaded while no replica ran (or while the analyzer was off) get their statistics.
    if let Err(error) = db::analyze_if_stale(&runtime.pool, watchlists::WATCHLIST_TABLES).await {
        tracing::warn!(%error, "analyzing the watchlist tables failed");
    }
    let rule_set = RuleSet::default();
    rule_set
        .reload(&runtime.pool)
        .await
        .map_err(|e| RuntimeError::Db(e.into()))?;
    runtime.spawn(follow_rule_changes(
        runtime.bus.clone(),
        runtime.pool.clone(),
        rule_set.clone(),
        runtime.shutdown.clone(),
    ));

    // Assessments of PNR travellers follow the PNR's retention periods.
    let policy = gatehouse_platform::retention::Policy::from_env()?;
    let (pool, shutdown_sweeps) = (runtime.pool.clone(), runtime.shutdown.clone());
    runtime.spawn(async move {
        gatehouse_platform::retention::run_sweeps("assessments", policy, shutdown_sweeps, |now| {
            retention::sweep(&pool, now, &policy)
        })
        .await;
    });
    let spec = runtime.consumer_spec(durables::RISK_TARGETING_API);
    let screening = screening::Screening::<ApiReportAccepted> {
        pool: runtime.pool.clone(),
        relay: runtime.relay.clone(),
        rules: rule_set.clone(),
        consumer: spec.durable.name,
        events: PhantomData,
    };
    runtime.spawn_consumer(spec, screening);
    let spec = runtime.consumer_spec(durables::RISK_TARGETING_PNR);
    let screening = screening::Screening::<PnrAccepted> {
        pool: runtime.pool.clone(),
        relay: runtime.relay.clone(),
        rules: rule_set.clone(),
        consumer: spec.durable.name,
        events: PhantomData,
    };
    runtime.spawn_consumer(spec, screening);

    let spec = runtime.consumer_spec(durables::RISK_TARGETING_CARGO);
    let screening = cargo::CargoScreening {
        pool: runtime.pool.clone(),
        relay: runtime.relay.clone(),
        rules: rule_set.clone(),
        consumer: spec.durable.name,
    };
    runtime.spawn_consumer(spec, screening);

    let service = RiskTargeting {
        pool: runtime.pool.clone(),
        relay: runtime.relay.clone(),
        rules: rule_set,
    };
    let routes = Routes::new(RiskTargetingServiceServer::with_interceptor(
        service,
        runtime.interceptor(),
    ));
    runtime
        .serve(
            listener,
            routes,
            &["gatehouse.v1.RiskTargetingService"],
            shutdown,
        )
        .await
}

/// Every replica follows CONTROL changes on a plain subscription (each replica must see each
/// change, unlike work shared through a durable consumer) and refreshes on a timer as well.
async fn follow_rule_changes(
    bus: Bus,
    pool: PgPool,
    rule_set: RuleSet,
    shutdown: CancellationToken,
) {
    let mut changes = match bus
        .client()
        .subscribe(bus.subject(subjects::RULES_CHANGED))
        .await
    {
        Ok(subscriber) => Some(subscriber),
        Err(error) => {
            tracing::warn!(%error, "cannot follow rule changes; relying on periodic refresh");
            None
        }
    };
    loop {
        tokio::select! {
            () = shutdown.cancelled() => break,
            Some(_) = async { match changes.as_mut() { Some(s) => s.next().await, None => std::future::pending().await } } => {}
            () = tokio::time::sleep(RULE_REFRESH) => {}
        }
        match rule_set.reload(&pool).await {
            Ok(count) => tracing::debug!(live_rules = count, "rules reloaded"),
            Err(error) => tracing::warn!(%error, "rule reload failed"),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TargetingError {
    #[error("invalid request: {0}")]
    Invalid(FieldViolations),
    #[error("{0} not found")]
    NotFound(String),
    #[error("{0} already exists")]
    AlreadyExists(String),
    #[error("{0}")]
    FailedPrecondition(String),
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("event: {0}")]
    Event(#[from] BusError),
}

impl From<TargetingError> for Status {
    fn from(error: TargetingError) -> Self {
        match error {
            TargetingError::Invalid(v) => v.into_status(),
            TargetingError::NotFound(what) => Status::not_found(format!("{what} not found")),
            TargetingError::AlreadyExists(what) => {
                Status::already_exists(format!("{what} already exists"))
            }
            TargetingError::FailedPrecondition(why) => Status::failed_precondition(why),
            TargetingError::Db(e) => internal(&e),
            TargetingError::Event(e) => internal(&e),
        }
    }
}

pub struct RiskTargeting {
    pool: PgPool,
    relay: Relay,
    rules: RuleSet,
}

fn analyst<T>(request: &Request<T>) -> Result<Caller, Status> {
    let caller = auth::caller(request)?;
    caller.require_any(&[Role::Analyst])?;
    Ok(caller)
}

#[tonic::async_trait]
impl RiskTargetingService for RiskTargeting {
    async fn create_watchlist(
        &self,
        request: Request<gatehouse_proto::v1::CreateWatchlistRequest>,
    ) -> Result<Response<gatehouse_proto::v1::CreateWatchlistResponse>, Status> {
        let caller = analyst(&request)?;
        let watchlist =
            watchlists::create(&self.pool, &self.relay, &caller, request.into_inner()).await?;
        Ok(Response::new(
            gatehouse_proto::v1::CreateWatchlistResponse {
                watchlist: Some(watchlist),
            },
        ))
    }

    async fn list_watchlists(
        &self,
        request: Request<gatehouse_proto::v1::ListWatchlistsRequest>,
    ) -> Result<Response<gatehouse_proto::v1::ListWatchlistsResponse>, Status> {
        auth::caller(&request)?.require_any(&[Role::Analyst, Role::Supervisor, Role::Auditor])?;
        let watchlists = watchlists::list(&self.pool, request.into_inner().kind).await?;
        Ok(Response::new(gatehouse_proto::v1::ListWatchlistsResponse {
            watchlists,
        }))
    }

    async fn add_watchlist_entries(
        &self,
        request: Request<gatehouse_proto::v1::AddWatchlistEntriesRequest>,
    ) -> Result<Response<gatehouse_proto::v1::AddWatchlistEntriesResponse>, Status> {
        let caller = analyst(&request)?;
        let response =
            watchlists::add_entries(&self.pool, &self.relay, &caller, request.into_inner()).await?;
        Ok(Response::new(response))
    }

    async fn create_rule(
        &self,
        request: Request<CreateRuleRequest>,
    ) -> Result<Response<CreateRuleResponse>, Status> {
        let caller = analyst(&request)?;
        let req = request.into_inner();
        let rule_id = req.rule_id.trim().to_owned();
        let violations = rules::validate_definition(
            &rule_id,
            &req.name,
            req.domain,
            &req.expression,
            req.weight,
            req.severity,
        );
        violations.into_result().map_err(TargetingError::Invalid)?;
        let rule = Rule {
            rule_id: rule_id.clone(),
            version: 1,
            name: req.name.trim().to_owned(),
            description: req.description,
            domain: req.domain,
            expression: req.expression,
            weight: req.weight,
            severity: req.severity,
            status: RuleStatus::Draft as i32,
            target_units: req.target_units,
            valid_from: req.valid_from,
            valid_to: req.valid_to,
            created_by: caller.subject.clone(),
            created_at: Some(now_timestamp()),
        };
        let mut tx = self.pool.begin().await.map_err(TargetingError::from)?;
        match rules::insert_version(&mut tx, &rule).await {
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                return Err(TargetingError::AlreadyExists(format!("rule {rule_id}")).into());
            }
            other => other.map_err(TargetingError::from)?,
        }
        let stored = rules::find(&mut tx, &rule_id, 1)
            .await
            .map_err(TargetingError::from)?;
        tx.commit().await.map_err(TargetingError::from)?;
        tracing::info!(rule_id = %rule_id, "rule created as draft");
        Ok(Response::new(CreateRuleResponse { rule: stored }))
    }

    async fn get_rule(
        &self,
        request: Request<GetRuleRequest>,
    ) -> Result<Response<GetRuleResponse>, Status> {
        auth::caller(&request)?.require_any(&[Role::Analyst, Role::Supervisor, Role::Auditor])?;
        let req = request.into_inner();
        let mut conn = self.pool.acquire().await.map_err(TargetingError::from)?;
        let rule = rules::find(&mut conn, &req.rule_id, req.version)
            .await
            .map_err(TargetingError::from)?
            .ok_or_else(|| TargetingError::NotFound(format!("rule {}", req.rule_id)))?;
        Ok(Response::new(GetRuleResponse { rule: Some(rule) }))
    }

    async fn update_rule(
        &self,
        request: Request<UpdateRuleRequest>,
    ) -> Result<Response<UpdateRuleResponse>, Status> {
        let caller = analyst(&request)?;
        let rule = self.add_version(&caller, request.into_inner()).await?;
        Ok(Response::new(UpdateRuleResponse { rule: Some(rule) }))
    }

    async fn validate_rule(
        &self,
        request: Request<ValidateRuleRequest>,
    ) -> Result<Response<ValidateRuleResponse>, Status> {
        analyst(&request)?;
        let req = request.into_inner();
        let compiled = match Domain::try_from(req.domain) {
            Ok(Domain::Passenger) => gatehouse_rules::compile_passenger(&req.expression),
            Ok(Domain::Cargo) => gatehouse_rules::compile_cargo(&req.expression),
            _ => {
                return Err(invalid_field(
                    "domain",
                    "must be DOMAIN_PASSENGER or DOMAIN_CARGO",
                ));
            }
        };
        // Same check as CreateRule and UpdateRule: the message names fields and types, never
        // a literal of the expression.
        let errors = match compiled {
            Ok(_) => vec![],
            Err(error) => {
                let position = error.position();
                vec![RuleDiagnostic {
                    message: error.to_string(),
                    line: position.map_or(0, |p| p.line),
                    column: position.map_or(0, |p| p.column),
                }]
            }
        };
        Ok(Response::new(ValidateRuleResponse {
            valid: errors.is_empty(),
            errors,
        }))
    }

    async fn set_rule_status(
        &self,
        request: Request<SetRuleStatusRequest>,
    ) -> Result<Response<SetRuleStatusResponse>, Status> {
        let caller = analyst(&request)?;
        let rule = self.set_status(&caller, request.into_inner()).await?;
        Ok(Response::new(SetRuleStatusResponse { rule: Some(rule) }))
    }

    async fn list_rules(
        &self,
        request: Request<ListRulesRequest>,
    ) -> Result<Response<ListRulesResponse>, Status> {
        auth::caller(&request)?.require_any(&[Role::Analyst, Role::Supervisor, Role::Auditor])?;
        let req = request.into_inner();
        let rules = rules::list(
            &self.pool,
            Domain::try_from(req.domain).unwrap_or(Domain::Unspecified),
            RuleStatus::try_from(req.status).unwrap_or(RuleStatus::Unspecified),
            req.all_versions,
        )
        .await
        .map_err(TargetingError::from)?;
        Ok(Response::new(ListRulesResponse { rules }))
    }
}

impl RiskTargeting {
    /// Stores the next version of a rule as a draft, checked like a new rule; the earlier
    /// versions, live or not, are unchanged until the new one is published.
    async fn add_version(
        &self,
        caller: &Caller,
        req: UpdateRuleRequest,
    ) -> Result<Rule, TargetingError> {
        let rule_id = req.rule_id.trim().to_owned();
        let mut tx = self.pool.begin().await?;
        // The same lock as status changes: two updates never take the same version number.
        sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))")
            .bind(&rule_id)
            .execute(&mut *tx)
            .await?;
        let latest = rules::find(&mut tx, &rule_id, 0)
            .await?
            .ok_or_else(|| TargetingError::NotFound(format!("rule {rule_id}")))?;
        let mut v = rules::validate_definition(
            &rule_id,
            &req.name,
            latest.domain,
            &req.expression,
            req.weight,
            req.severity,
        );
        if req.reason.trim().is_empty() {
            v.add("reason", "is required: the publication log records why");
        }
        v.into_result().map_err(TargetingError::Invalid)?;
        let rule = Rule {
            rule_id: rule_id.clone(),
            version: latest.version.saturating_add(1),
            name: req.name.trim().to_owned(),
            description: req.description,
            domain: latest.domain,
            expression: req.expression,
            weight: req.weight,
            severity: req.severity,
            status: RuleStatus::Draft as i32,
            target_units: req.target_units,
            valid_from: req.valid_from,
            valid_to: req.valid_to,
            created_by: caller.subject.clone(),
            created_at: Some(now_timestamp()),
        };
        rules::insert_version(&mut tx, &rule).await?;
        sqlx::query(
            "INSERT INTO rule_publications (rule_id, version, from_status, to_status, actor, reason)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&rule_id)
        .bind(i32::try_from(rule.version).unwrap_or(i32::MAX))
        .bind(rules::status_name(RuleStatus::Unspecified as i32))
        .bind(rules::status_name(RuleStatus::Draft as i32))
        .bind(&caller.subject)
        .bind(req.reason.trim())
        .execute(&mut *tx)
        .await?;
        let stored = rules::find(&mut tx, &rule_id, rule.version)
            .await?
            .ok_or_else(|| TargetingError::NotFound(format!("rule {rule_id}@{}", rule.version)))?;
        tx.commit().await?;
        tracing::info!(rule_id = %rule_id, version = rule.version, "rule version created as draft");
        Ok(stored)
    }

    /// Moves a rule version through draft → shadow → active → retired, logging the decision.
    /// A rule has at most one active and one shadow version, which run side by side: activating
    /// a version retires the previously active one, and a new shadow version retires the
    /// previous shadow version, never the active one (see [`rules::superseded_by`]).
    async fn set_status(
        &self,
        caller: &Caller,
        req: SetRuleStatusRequest,
    ) -> Result<Rule, TargetingError> {
        let target = RuleStatus::try_from(req.status).unwrap_or(RuleStatus::Unspecified);
        let mut v = FieldViolations::new();
        if req.rule_id.trim().is_empty() {
            v.add("rule_id", "is required");
        }
        if req.version == 0 {
            v.add("version", "is required");
        }
        if target == RuleStatus::Unspecified {
            v.add("status", "is required");
        }
        if req.reason.trim().is_empty() {
            v.add("reason", "is required: the publication log records why");
        }
        v.into_result().map_err(TargetingError::Invalid)?;

        let mut tx = self.pool.begin().await?;
        // Serialises status changes of one rule, so it never has two active (or two shadow)
        // versions.
        sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))")
            .bind(&req.rule_id)
            .execute(&mut *tx)
            .await?;
        let rule = rules::find(&mut tx, &req.rule_id, req.version)
            .await?
            .ok_or_else(|| {
                TargetingError::NotFound(format!("rule {}@{}", req.rule_id, req.version))
            })?;
        let current = RuleStatus::try_from(rule.status).unwrap_or(RuleStatus::Unspecified);
        if current == target {
            return Err(TargetingError::FailedPrecondition(format!(
                "rule {}@{} is already {}",
                req.rule_id,
                req.version,
                rules::status_name(rule.status)
            )));
        }
        if !rules::transition_allowed(current, target) {
            return Err(TargetingError::FailedPrecondition(format!(
                "rule {}@{} cannot go from {} to {}",
                req.rule_id,
                req.version,
                rules::status_name(rule.status),
                rules::status_name(target as i32)
            )));
        }
        let mut changes = vec![(rule.version, current, target)];
        if let Some(superseded) = rules::superseded_by(target) {
            let retired = sqlx::query_as::<_, (i32, String)>(
                "WITH live AS (
                     SELECT version, status FROM rules
                     WHERE rule_id = $1 AND version <> $2 AND status = $3)
                 UPDATE rules r SET status = 'retired' FROM live
                 WHERE r.rule_id = $1 AND r.version = live.version
                 RETURNING live.version, live.status",
            )
            .bind(&req.rule_id)
            .bind(i32::try_from(req.version).unwrap_or(i32::MAX))
            .bind(rules::status_name(superseded as i32))
            .fetch_all(&mut *tx)
            .await?;
            changes.extend(retired.into_iter().map(|(version, status)| {
                (
                    u32::try_from(version).unwrap_or_default(),
                    rules::status_from_name(status),
                    RuleStatus::Retired,
                )
            }));
        }
        sqlx::query("UPDATE rules SET status = $3 WHERE rule_id = $1 AND version = $2")
            .bind(&req.rule_id)
            .bind(i32::try_from(req.version).unwrap_or(i32::MAX))
            .bind(rules::status_name(target as i32))
            .execute(&mut *tx)
            .await?;
        let mut events = Vec::new();
        for (version, from, to) in changes {
            sqlx::query(
                "INSERT INTO rule_publications (rule_id, version, from_status, to_status, actor, reason)
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&req.rule_id)
            .bind(i32::try_from(version).unwrap_or(i32::MAX))
            .bind(rules::status_name(from as i32))
            .bind(rules::status_name(to as i32))
            .bind(&caller.subject)
            .bind(req.reason.trim())
            .execute(&mut *tx)
            .await?;
            let event = RulesChanged {
                event_id: new_event_id(),
                occurred_at: Some(now_timestamp()),
                rule_id: req.rule_id.clone(),
                version,
                status: to as i32,
                domain: rule.domain,
                actor: caller.subject.clone(),
                reason: req.reason.trim().to_owned(),
            };
            events.push(OutboundEvent::new(subjects::RULES_CHANGED, &event)?);
        }
        enqueue(&mut tx, &events).await?;
        let updated = rules::find(&mut tx, &req.rule_id, req.version)
            .await?
            .ok_or_else(|| {
                TargetingError::NotFound(format!("rule {}@{}", req.rule_id, req.version))
            })?;
        tx.commit().await?;
        self.relay.notify();
        // This replica applies the change before answering; the others follow the CONTROL event.
        self.rules.reload(&self.pool).await?;
        tracing::info!(rule_id = %req.rule_id, version = req.version, status = %rules::status_name(target as i32), "rule status changed");
        Ok(updated)
    }
}
