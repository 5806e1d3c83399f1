//! SQL of the alerts schema.

use chrono::{DateTime, Utc};
use gatehouse_platform::events::to_timestamp;
use gatehouse_proto::v1::{Alert, AlertStatus, Domain, Outcome};
use prost::Message;
use sqlx::{PgConnection, PgPool, Row, postgres::PgRow};
use uuid::Uuid;

const COLUMNS: &str = "alert_id, sequence, unit_id, status, raised_at, updated_at, assigned_to, outcome, outcome_notes, raised";

pub fn status_name(status: AlertStatus) -> String {
    gatehouse_proto::labels::label(status.as_str_name(), "ALERT_STATUS_")
}

fn status_from_name(name: &str) -> AlertStatus {
    AlertStatus::from_str_name(&format!("ALERT_STATUS_{}", name.to_ascii_uppercase()))
        .unwrap_or(AlertStatus::Unspecified)
}

/// The alert as raised, with its current workflow state laid over it.
fn alert_from_row(row: &PgRow) -> Result<Alert, sqlx::Error> {
    let raised: Vec<u8> = row.try_get("raised")?;
    let mut alert =
        Alert::decode(raised.as_slice()).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
    let id: Uuid = row.try_get("alert_id")?;
    let sequence: i64 = row.try_get("sequence")?;
    let status: String = row.try_get("status")?;
    let raised_at: DateTime<Utc> = row.try_get("raised_at")?;
    let updated_at: DateTime<Utc> = row.try_get("updated_at")?;
    let outcome: i32 = row.try_get("outcome")?;
    alert.alert_id = id.to_string();
    alert.sequence = u64::try_from(sequence).unwrap_or_default();
    alert.unit_id = row.try_get("unit_id")?;
    alert.status = status_from_name(&status) as i32;
    alert.raised_at = Some(to_timestamp(raised_at));
    alert.updated_at = Some(to_timestamp(updated_at));
    alert.assigned_to = row.try_get("assigned_to")?;
    alert.outcome = Outcome::try_from(outcome).unwrap_or(Outcome::Unspecified) as i32;
    alert.outcome_notes = row.try_get("outcome_notes")?;
    Ok(alert)
}

/// Highest sequence raised so far (0 when none).
pub async fn max_sequence(pool: &PgPool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT coalesce(max(sequence), 0) FROM alerts")
        .fetch_one(pool)
        .await
}

/// Inserts `alert` for its unit unless this assessment already raised one there. Returns the
/// stored alert (with its sequence) when new. The caller holds the sequence lock.
pub async fn insert(conn: &mut PgConnection, alert: &Alert) -> Result<Option<Alert>, sqlx::Error> {
    let id = Uuid::parse_str(&alert.alert_id).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    let row = sqlx::query(&format!(
        "INSERT INTO alerts (alert_id, sequence, unit_id, domain, status, severity, score, assessment_id, location, raised)
         VALUES ($1, nextval('alert_sequence'), $2, $3, 'new', $4, $5, $6, $7, $8)
         ON CONFLICT (assessment_id, unit_id) DO NOTHING
         RETURNING {COLUMNS}"
    ))
    .bind(id)
    .bind(&alert.unit_id)
    .bind(gatehouse_proto::labels::domain(alert.domain))
    .bind(alert.severity)
    .bind(alert.score)
    .bind(&alert.assessment_id)
    .bind(&alert.location)
    .bind(alert.encode_to_vec())
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(alert_from_row).transpose()
}

pub async fn find(pool: &PgPool, id: Uuid) -> Result<Option<Alert>, sqlx::Error> {
    let mut conn = pool.acquire().await?;
    find_in(&mut conn, id).await
}

pub async fn find_in(conn: &mut PgConnection, id: Uuid) -> Result<Option<Alert>, sqlx::Error> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM alerts WHERE alert_id = $1"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(alert_from_row).transpose()
}

/// Alerts of `units` with a sequence after `after`, oldest first.
pub async fn after(
    pool: &PgPool,
    units: &[String],
    after: i64,
    limit: i64,
) -> Result<Vec<Alert>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM alerts WHERE unit_id = ANY($1) AND sequence > $2 ORDER BY sequence LIMIT $3"
    ))
    .bind(units)
    .bind(after)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.iter().map(alert_from_row).collect()
}

pub struct AlertFilter<'a> {
    pub units: &'a [String],
    pub status: AlertStatus,
    pub domain: i32,
    pub min_severity: i32,
}

/// Newest first, with a sequence below `before`.
pub async fn list(
    pool: &PgPool,
    filter: &AlertFilter<'_>,
    before: i64,
    limit: i64,
) -> Result<Vec<Alert>, sqlx::Error> {
    let status = (filter.status != AlertStatus::Unspecified).then(|| status_name(filter.status));
    let domain = (Domain::try_from(filter.domain).unwrap_or(Domain::Unspecified)
        != Domain::Unspecified)
        .then(|| gatehouse_proto::labels::domain(filter.domain));
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM alerts
         WHERE unit_id = ANY($1) AND sequence < $2 AND ($3::text IS NULL OR status = $3)
           AND ($4::text IS NULL OR domain = $4) AND severity >= $5
         ORDER BY sequence DESC LIMIT $6"
    ))
    .bind(filter.units)
    .bind(before)
    .bind(status)
    .bind(domain)
    .bind(filter.min_severity)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.iter().map(alert_from_row).collect()
}

/// What a workflow step writes besides the status.
#[derive(Debug, Default)]
pub struct StepValues<'a> {
    pub assigned_to: Option<&'a str>,
    pub outcome: Option<Outcome>,
    pub outcome_notes: Option<&'a str>,
}

/// Moves the alert from `from` to `to` with `values`; false when it was no longer in `from`
/// (someone else changed it meanwhile).
pub async fn step(
    conn: &mut PgConnection,
    id: Uuid,
    from: AlertStatus,
    to: AlertStatus,
    values: &StepValues<'_>,
) -> Result<bool, sqlx::Error> {
    let updated = sqlx::query(
        "UPDATE alerts SET status = $3, assigned_to = coalesce($4, assigned_to),
             outcome = coalesce($5, outcome), outcome_notes = coalesce($6, outcome_notes), updated_at = now()
         WHERE alert_id = $1 AND status = $2",
    )
    .bind(id)
    .bind(status_name(from))
    .bind(status_name(to))
    .bind(values.assigned_to)
    .bind(values.outcome.map(|o| o as i32))
    .bind(values.outcome_notes)
    .execute(conn)
    .await?;
    Ok(updated.rows_affected() == 1)
}
