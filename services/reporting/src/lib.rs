//! Reporting: counts records, hits and alerts per unit, day and domain from the events of the
//! other services, and answers statistics queries.
//!
//! Implemented: `GetStatistics`, fed by durable consumers of `ApiReportAccepted` (records),
//! `PnrAccepted` (PNR travellers, apart from records), `ManifestAccepted` (consignments, cargo
//! records), `RiskAssessed` (hits), `AlertRaised` (alerts) and `AlertUpdated` (outcomes: seizures,
//! nothing found, false positives, referred, not controlled — counted on the day the alert was
//! raised). Declared for later issues (answer `UNIMPLEMENTED`): `RecordSeizure`, `ListSeizures`,
//! `SendUnitMessage`, `ListUnitMessages`, `GetRuleHitRates`, `ExportStatistics`.

pub mod counting;
pub mod query;
mod store;

use gatehouse_platform::{
    auth::{self, Role},
    bus::{Durable, durables},
    config::ServiceConfig,
    db,
    error::FieldViolations,
    runtime::{RuntimeError, ServiceRuntime},
};
use gatehouse_proto::v1::{
    AlertRaised, AlertUpdated, ApiReportAccepted, GetStatisticsRequest, GetStatisticsResponse,
    ManifestAccepted, PnrAccepted, RiskAssessed,
    reporting_service_server::{ReportingService, ReportingServiceServer},
};
use sqlx::PgPool;
use tokio::net::TcpListener;
use tonic::{Request, Response, Status, service::Routes};

use crate::counting::{Counted, StatisticsConsumer};

static MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

gatehouse_platform::service_binary!(Reporting);

/// Runs the service on `listener` until `shutdown`.
pub async fn run(
    config: ServiceConfig,
    listener: TcpListener,
    shutdown: gatehouse_platform::runtime::Shutdown,
) -> Result<(), RuntimeError> {
    let mut runtime = ServiceRuntime::start(config, &MIGRATIONS).await?;
    spawn_counter::<ApiReportAccepted>(&mut runtime, durables::REPORTING_API_ACCEPTED);
    spawn_counter::<PnrAccepted>(&mut runtime, durables::REPORTING_PNR_ACCEPTED);
    spawn_counter::<ManifestAccepted>(&mut runtime, durables::REPORTING_MANIFEST_ACCEPTED);
    spawn_counter::<RiskAssessed>(&mut runtime, durables::REPORTING_RISK_ASSESSED);
    spawn_counter::<AlertRaised>(&mut runtime, durables::REPORTING_ALERT_RAISED);
    spawn_counter::<AlertUpdated>(&mut runtime, durables::REPORTING_ALERT_UPDATED);
    let service = Reporting {
        pool: runtime.pool.clone(),
    };
    let routes = Routes::new(ReportingServiceServer::with_interceptor(
        service,
        runtime.interceptor(),
    ));
    runtime
        .serve(
            listener,
            routes,
            &["gatehouse.v1.ReportingService"],
            shutdown,
        )
        .await
}

/// Starts the durable consumer `durable` counting its `E` events. Each kind of count has its own
/// durable, so each event is counted once per kind.
fn spawn_counter<E: Counted>(runtime: &mut ServiceRuntime, durable: Durable) {
    let spec = runtime.consumer_spec(durable);
    let consumer =
        StatisticsConsumer::<E>::new(runtime.pool.clone(), runtime.units.clone(), durable.name);
    runtime.spawn_consumer(spec, consumer);
}

/// Everything that can go wrong in this service, mapped to a gRPC status in one place.
#[derive(Debug, thiserror::Error)]
pub enum ReportingError {
    #[error("invalid request: {0}")]
    Invalid(FieldViolations),
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
}

impl From<ReportingError> for Status {
    fn from(error: ReportingError) -> Self {
        match error {
            ReportingError::Invalid(violations) => violations.into_status(),
            ReportingError::Db(e) => db::status(&e),
        }
    }
}

pub struct Reporting {
    pool: PgPool,
}

#[tonic::async_trait]
impl ReportingService for Reporting {
    #[tracing::instrument(skip_all, fields(agency))]
    async fn get_statistics(
        &self,
        request: Request<GetStatisticsRequest>,
    ) -> Result<Response<GetStatisticsResponse>, Status> {
        let caller = auth::caller(&request)?;
        caller.require_any(&[
            Role::Officer,
            Role::Supervisor,
            Role::Analyst,
            Role::Auditor,
        ])?;
        tracing::Span::current().record("agency", caller.agency.as_str());
        let request = request.into_inner();
        let unit_ids = caller.scope_units(&request.unit_ids)?;
        let today = chrono::Utc::now().date_naive();
        let query = query::validate(&request, today).map_err(ReportingError::Invalid)?;
        let days =
            store::daily_statistics(&self.pool, &unit_ids, query.from, query.to, query.domain)
                .await
                .map_err(ReportingError::from)?;
        tracing::info!(units = unit_ids.len(), %query.from, %query.to, rows = days.len(), "statistics read");
        Ok(Response::new(GetStatisticsResponse { days }))
    }
}
