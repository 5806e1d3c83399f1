//! SQL of the alerts schema. Statements over many rows bind arrays and `UNNEST` them, so a batch
//! costs a few round trips whatever its size.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use gatehouse_platform::events::to_timestamp;
use gatehouse_proto::v1::{Alert, AlertAction, AlertStatus, Domain, Outcome};
use prost::Message;
use sqlx::{PgConnection, PgPool, Row, postgres::PgRow};
use uuid::Uuid;

use crate::cursor::Positions;

/// Columns of an alert row; statements alias `alerts` as `a`.
const COLUMNS: &str = "a.alert_id, a.sequence, a.unit_id, a.status, a.raised_at, a.updated_at, \
     a.assigned_to, a.outcome, a.outcome_notes, a.raised, a.dedupe_key, a.revision";

pub fn status_name(status: AlertStatus) -> String {
    gatehouse_proto::labels::label(status.as_str_name(), "ALERT_STATUS_")
}

fn status_from_name(name: &str) -> AlertStatus {
    AlertStatus::from_str_name(&format!("ALERT_STATUS_{}", name.to_ascii_uppercase()))
        .unwrap_or(AlertStatus::Unspecified)
}

/// An alert as stored, with what only the service sees.
#[derive(Debug, Clone)]
pub struct StoredAlert {
    pub alert: Alert,
    /// Position in `ListAlerts` order.
    pub sequence: i64,
}

/// The alert as raised (or last re-assessed), with its current workflow state laid over it.
fn alert_from_row(row: &PgRow) -> Result<StoredAlert, sqlx::Error> {
    let raised: Vec<u8> = row.try_get("raised")?;
    let mut alert =
        Alert::decode(raised.as_slice()).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
    let id: Uuid = row.try_get("alert_id")?;
    let status: String = row.try_get("status")?;
    let raised_at: DateTime<Utc> = row.try_get("raised_at")?;
    let updated_at: DateTime<Utc> = row.try_get("updated_at")?;
    let outcome: i32 = row.try_get("outcome")?;
    let revision: i32 = row.try_get("revision")?;
    alert.alert_id = id.to_string();
    alert.unit_id = row.try_get("unit_id")?;
    alert.dedupe_key = row.try_get("dedupe_key")?;
    alert.revision = u32::try_from(revision).unwrap_or_default();
    alert.status = status_from_name(&status) as i32;
    alert.raised_at = Some(to_timestamp(raised_at));
    alert.updated_at = Some(to_timestamp(updated_at));
    alert.assigned_to = row.try_get("assigned_to")?;
    alert.outcome = Outcome::try_from(outcome).unwrap_or(Outcome::Unspecified) as i32;
    alert.outcome_notes = row.try_get("outcome_notes")?;
    Ok(StoredAlert {
        alert,
        sequence: row.try_get("sequence")?,
    })
}

fn alerts_from_rows(rows: &[PgRow]) -> Result<Vec<Alert>, sqlx::Error> {
    rows.iter()
        .map(|row| alert_from_row(row).map(|stored| stored.alert))
        .collect()
}

fn encode_error(error: uuid::Error) -> sqlx::Error {
    sqlx::Error::Encode(Box::new(error))
}

/// A subject of alerts for one unit: (dedupe key, unit).
pub type SubjectKey = (String, String);

fn split_keys(keys: &[SubjectKey]) -> (Vec<&str>, Vec<&str>) {
    keys.iter()
        .map(|(key, unit)| (key.as_str(), unit.as_str()))
        .unzip()
}

/// Serialises the raising of alerts about the same subjects until the transaction ends, so
/// replicas and concurrent batches decide on what the others committed. Locks are taken in one
/// order (by hash), which keeps two batches from waiting on each other.
pub async fn lock_subjects(
    conn: &mut PgConnection,
    keys: &[SubjectKey],
) -> Result<(), sqlx::Error> {
    let (dedupe_keys, units) = split_keys(keys);
    sqlx::query(
        "SELECT pg_advisory_xact_lock(k) FROM (
             SELECT DISTINCT hashtextextended('gatehouse.alert:' || unit_id || ':' || dedupe_key, 0) AS k
             FROM UNNEST($1::text[], $2::text[]) AS s(dedupe_key, unit_id)
             ORDER BY k) locks",
    )
    .bind(&dedupe_keys)
    .bind(&units)
    .execute(conn)
    .await?;
    Ok(())
}

/// Moves the alerts of each `(old key, unit)` to the new key. An open alert under the old key
/// moves only if the new key has none open (else both stay, and an officer closes one).
pub async fn fold_subjects(
    conn: &mut PgConnection,
    folds: &[(SubjectKey, String)],
) -> Result<(), sqlx::Error> {
    if folds.is_empty() {
        return Ok(());
    }
    let (mut old, mut units, mut new) = (Vec::new(), Vec::new(), Vec::new());
    for ((old_key, unit), new_key) in folds {
        old.push(old_key.as_str());
        units.push(unit.as_str());
        new.push(new_key.as_str());
    }
    let moved = sqlx::query(
        "UPDATE alerts a SET dedupe_key = k.new
         FROM UNNEST($1::text[], $2::text[], $3::text[]) AS k(old, unit, new)
         WHERE a.dedupe_key = k.old AND a.unit_id = k.unit
           AND (a.status = 'closed' OR NOT EXISTS (
                 SELECT 1 FROM alerts b
                 WHERE b.dedupe_key = k.new AND b.unit_id = k.unit AND b.status <> 'closed'))",
    )
    .bind(&old)
    .bind(&units)
    .bind(&new)
    .execute(conn)
    .await?
    .rows_affected();
    if moved > 0 {
        tracing::debug!(moved, "alerts continued under a linked traveller's key");
    }
    Ok(())
}

/// Which assessment an alert's content comes from: record version, then assessment time.
pub type AssessedFrom = (u32, DateTime<Utc>);

/// What is stored about some subjects.
#[derive(Debug, Default)]
pub struct Subjects {
    /// Open alerts, locked until the transaction ends so no workflow step closes one meanwhile.
    pub open: HashMap<SubjectKey, StoredAlert>,
    /// The latest assessment each subject's alerts come from, closed alerts included.
    pub latest: HashMap<SubjectKey, AssessedFrom>,
}

pub async fn subjects(
    conn: &mut PgConnection,
    keys: &[SubjectKey],
) -> Result<Subjects, sqlx::Error> {
    let (dedupe_keys, units) = split_keys(keys);
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM alerts a
         JOIN UNNEST($1::text[], $2::text[]) AS k(dedupe_key, unit_id)
           ON a.dedupe_key = k.dedupe_key AND a.unit_id = k.unit_id
         WHERE a.status <> 'closed'
         ORDER BY a.alert_id
         FOR UPDATE OF a"
    ))
    .bind(&dedupe_keys)
    .bind(&units)
    .fetch_all(&mut *conn)
    .await?;
    let mut open = HashMap::with_capacity(rows.len());
    for row in &rows {
        let stored = alert_from_row(row)?;
        open.insert(
            (
                stored.alert.dedupe_key.clone(),
                stored.alert.unit_id.clone(),
            ),
            stored,
        );
    }
    let latest: Vec<(String, String, i32, DateTime<Utc>)> = sqlx::query_as(
        "SELECT DISTINCT ON (a.dedupe_key, a.unit_id)
                a.dedupe_key, a.unit_id, a.record_version, a.assessed_at
         FROM alerts a
         JOIN UNNEST($1::text[], $2::text[]) AS k(dedupe_key, unit_id)
           ON a.dedupe_key = k.dedupe_key AND a.unit_id = k.unit_id
         ORDER BY a.dedupe_key, a.unit_id, a.record_version DESC, a.assessed_at DESC",
    )
    .bind(&dedupe_keys)
    .bind(&units)
    .fetch_all(&mut *conn)
    .await?;
    let latest = latest
        .into_iter()
        .map(|(key, unit, version, at)| {
            (
                (key, unit),
                (u32::try_from(version).unwrap_or_default(), at),
            )
        })
        .collect();
    Ok(Subjects { open, latest })
}

/// An alert to store: its content and the assessment it comes from.
pub struct AlertWrite<'a> {
    pub alert: &'a Alert,
    pub from: AssessedFrom,
}

/// The bound arrays of a set of alert writes.
struct Columns {
    ids: Vec<Uuid>,
    units: Vec<String>,
    domains: Vec<String>,
    severities: Vec<i32>,
    scores: Vec<f64>,
    assessment_ids: Vec<String>,
    locations: Vec<String>,
    dedupe_keys: Vec<String>,
    record_versions: Vec<i32>,
    assessed_at: Vec<DateTime<Utc>>,
    raised: Vec<Vec<u8>>,
}

impl Columns {
    fn of(alerts: &[AlertWrite<'_>]) -> Result<Self, sqlx::Error> {
        let n = alerts.len();
        let mut c = Columns {
            ids: Vec::with_capacity(n),
            units: Vec::with_capacity(n),
            domains: Vec::with_capacity(n),
            severities: Vec::with_capacity(n),
            scores: Vec::with_capacity(n),
            assessment_ids: Vec::with_capacity(n),
            locations: Vec::with_capacity(n),
            dedupe_keys: Vec::with_capacity(n),
            record_versions: Vec::with_capacity(n),
            assessed_at: Vec::with_capacity(n),
            raised: Vec::with_capacity(n),
        };
        for AlertWrite { alert, from } in alerts {
            c.ids
                .push(Uuid::parse_str(&alert.alert_id).map_err(encode_error)?);
            c.units.push(alert.unit_id.clone());
            c.domains
                .push(gatehouse_proto::labels::domain(alert.domain));
            c.severities.push(alert.severity);
            c.scores.push(alert.score);
            c.assessment_ids.push(alert.assessment_id.clone());
            c.locations.push(alert.location.clone());
            c.dedupe_keys.push(alert.dedupe_key.clone());
            c.record_versions
                .push(i32::try_from(from.0).unwrap_or(i32::MAX));
            c.assessed_at.push(from.1);
            c.raised.push(alert.encode_to_vec());
        }
        Ok(c)
    }
}

/// Inserts new alerts (status new, revision 1) and returns them as stored.
pub async fn insert(
    conn: &mut PgConnection,
    alerts: &[AlertWrite<'_>],
) -> Result<Vec<Alert>, sqlx::Error> {
    if alerts.is_empty() {
        return Ok(vec![]);
    }
    let c = Columns::of(alerts)?;
    let rows = sqlx::query(&format!(
        "INSERT INTO alerts AS a (alert_id, unit_id, domain, status, severity, score, assessment_id,
                                  location, dedupe_key, revision, record_version, assessed_at,
                                  raised)
         SELECT id, unit_id, domain, 'new', severity, score, assessment_id, location, dedupe_key, 1,
                record_version, assessed_at, raised
         FROM UNNEST($1::uuid[], $2::text[], $3::text[], $4::int4[], $5::float8[], $6::text[],
                     $7::text[], $8::text[], $9::int4[], $10::timestamptz[], $11::bytea[])
              AS n(id, unit_id, domain, severity, score, assessment_id, location, dedupe_key,
                   record_version, assessed_at, raised)
         RETURNING {COLUMNS}"
    ))
    .bind(c.ids)
    .bind(c.units)
    .bind(c.domains)
    .bind(c.severities)
    .bind(c.scores)
    .bind(c.assessment_ids)
    .bind(c.locations)
    .bind(c.dedupe_keys)
    .bind(c.record_versions)
    .bind(c.assessed_at)
    .bind(c.raised)
    .fetch_all(conn)
    .await?;
    alerts_from_rows(&rows)
}

/// Lays later assessments over open alerts (`alert.alert_id` names each), keeping their workflow
/// state, and returns them as stored (revision + 1).
pub async fn reassess(
    conn: &mut PgConnection,
    alerts: &[AlertWrite<'_>],
) -> Result<Vec<Alert>, sqlx::Error> {
    if alerts.is_empty() {
        return Ok(vec![]);
    }
    let c = Columns::of(alerts)?;
    let rows = sqlx::query(&format!(
        "UPDATE alerts AS a
         SET severity = u.severity, score = u.score, assessment_id = u.assessment_id,
             location = u.location, record_version = u.record_version,
             assessed_at = u.assessed_at, raised = u.raised, revision = a.revision + 1,
             updated_at = now()
         FROM UNNEST($1::uuid[], $2::int4[], $3::float8[], $4::text[], $5::text[], $6::int4[],
                     $7::timestamptz[], $8::bytea[])
              AS u(id, severity, score, assessment_id, location, record_version, assessed_at,
                   raised)
         WHERE a.alert_id = u.id AND a.status <> 'closed'
         RETURNING {COLUMNS}"
    ))
    .bind(c.ids)
    .bind(c.severities)
    .bind(c.scores)
    .bind(c.assessment_ids)
    .bind(c.locations)
    .bind(c.record_versions)
    .bind(c.assessed_at)
    .bind(c.raised)
    .fetch_all(conn)
    .await?;
    alerts_from_rows(&rows)
}

/// Records that open alerts were confirmed by later assessments with the same findings: only
/// what they were assessed from moves on (no revision, no change, no event).
pub async fn confirm(
    conn: &mut PgConnection,
    confirmed: &[(String, AssessedFrom)],
) -> Result<(), sqlx::Error> {
    if confirmed.is_empty() {
        return Ok(());
    }
    let ids = confirmed
        .iter()
        .map(|(id, _)| Uuid::parse_str(id).map_err(encode_error))
        .collect::<Result<Vec<_>, _>>()?;
    let versions: Vec<i32> = confirmed
        .iter()
        .map(|(_, (version, _))| i32::try_from(*version).unwrap_or(i32::MAX))
        .collect();
    let assessed_at: Vec<DateTime<Utc>> = confirmed.iter().map(|(_, (_, at))| *at).collect();
    sqlx::query(
        "UPDATE alerts AS a SET record_version = c.record_version, assessed_at = c.assessed_at
         FROM UNNEST($1::uuid[], $2::int4[], $3::timestamptz[])
              AS c(id, record_version, assessed_at)
         WHERE a.alert_id = c.id",
    )
    .bind(ids)
    .bind(versions)
    .bind(assessed_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// A change of one alert, as unit streams see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    Raised,
    Updated(AlertAction),
}

impl ChangeKind {
    fn columns(self) -> (&'static str, i32) {
        match self {
            ChangeKind::Raised => ("raised", AlertAction::Unspecified as i32),
            ChangeKind::Updated(action) => ("updated", action as i32),
        }
    }

    fn from_columns(kind: &str, action: i32) -> Self {
        match kind {
            "raised" => ChangeKind::Raised,
            _ => ChangeKind::Updated(
                AlertAction::try_from(action).unwrap_or(AlertAction::Unspecified),
            ),
        }
    }
}

/// Numbers the changes in their units' logs and wakes the streams of those units on every
/// replica (`NOTIFY <channel>, '<unit>:<newest>'`, delivered on commit). Each unit's counter row
/// stays locked until the transaction ends, so a unit's changes commit in the order of their
/// numbers and a stream that has read change N never misses an earlier one. Take this last,
/// just before committing, to hold the lock briefly.
pub async fn record_changes(
    conn: &mut PgConnection,
    channel: &str,
    changes: &[(Alert, ChangeKind)],
) -> Result<(), sqlx::Error> {
    if changes.is_empty() {
        return Ok(());
    }
    // Unit order for the counter locks, so two transactions never wait on each other.
    let mut changes: Vec<&(Alert, ChangeKind)> = changes.iter().collect();
    changes.sort_by(|(a, _), (b, _)| (&a.unit_id, &a.alert_id).cmp(&(&b.unit_id, &b.alert_id)));
    let mut counts: BTreeMap<&str, i64> = BTreeMap::new();
    for (alert, _) in &changes {
        *counts.entry(alert.unit_id.as_str()).or_default() += 1;
    }
    let newest: Vec<(String, i64)> = sqlx::query_as(
        "INSERT INTO unit_change_counters AS c (unit_id, last_sequence)
         SELECT unit_id, n FROM UNNEST($1::text[], $2::int8[]) AS t(unit_id, n) ORDER BY unit_id
         ON CONFLICT (unit_id) DO UPDATE SET last_sequence = c.last_sequence + excluded.last_sequence
         RETURNING c.unit_id, c.last_sequence",
    )
    .bind(counts.keys().copied().collect::<Vec<_>>())
    .bind(counts.values().copied().collect::<Vec<_>>())
    .fetch_all(&mut *conn)
    .await?;
    let newest: HashMap<String, i64> = newest.into_iter().collect();
    let mut next: HashMap<&str, i64> = counts
        .iter()
        .map(|(unit, n)| (*unit, newest.get(*unit).copied().unwrap_or(*n) - n + 1))
        .collect();
    let mut units = Vec::with_capacity(changes.len());
    let mut sequences = Vec::with_capacity(changes.len());
    let mut ids = Vec::with_capacity(changes.len());
    let mut kinds = Vec::with_capacity(changes.len());
    let mut actions = Vec::with_capacity(changes.len());
    for (alert, kind) in changes {
        let sequence = next.entry(alert.unit_id.as_str()).or_insert(1);
        units.push(alert.unit_id.as_str());
        sequences.push(*sequence);
        *sequence += 1;
        ids.push(Uuid::parse_str(&alert.alert_id).map_err(encode_error)?);
        let (kind, action) = kind.columns();
        kinds.push(kind);
        actions.push(action);
    }
    sqlx::query(
        "INSERT INTO alert_changes (unit_id, unit_sequence, alert_id, kind, action)
         SELECT * FROM UNNEST($1::text[], $2::int8[], $3::uuid[], $4::text[], $5::int4[])",
    )
    .bind(&units)
    .bind(&sequences)
    .bind(&ids)
    .bind(&kinds)
    .bind(&actions)
    .execute(&mut *conn)
    .await?;
    let payloads: Vec<String> = newest
        .iter()
        .map(|(unit, sequence)| format!("{unit}:{sequence}"))
        .collect();
    sqlx::query("SELECT pg_notify($1, p) FROM UNNEST($2::text[]) AS p")
        .bind(channel)
        .bind(&payloads)
        .execute(conn)
        .await?;
    Ok(())
}

/// The newest change of each of `units` (0 for a unit without any).
pub async fn unit_positions(pool: &PgPool, units: &[String]) -> Result<Positions, sqlx::Error> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT unit_id, last_sequence FROM unit_change_counters WHERE unit_id = ANY($1)",
    )
    .bind(units)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().collect())
}

/// The newest change of every unit that has one.
pub async fn all_positions(pool: &PgPool) -> Result<HashMap<String, i64>, sqlx::Error> {
    let rows: Vec<(String, i64)> =
        sqlx::query_as("SELECT unit_id, last_sequence FROM unit_change_counters")
            .fetch_all(pool)
            .await?;
    Ok(rows.into_iter().collect())
}

/// One entry of a unit's change log, with the alert as it is now.
#[derive(Debug, Clone)]
pub struct Change {
    pub unit_id: String,
    pub sequence: i64,
    pub kind: ChangeKind,
    pub alert: Alert,
}

/// Changes after `positions`, up to `limit` per unit, each unit's in order.
pub async fn changes_after(
    pool: &PgPool,
    positions: &Positions,
    limit: i64,
) -> Result<Vec<Change>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "SELECT c.unit_sequence, c.kind, c.action, {COLUMNS}
         FROM UNNEST($1::text[], $2::int8[]) AS p(unit_id, after)
         CROSS JOIN LATERAL (
             SELECT * FROM alert_changes c
             WHERE c.unit_id = p.unit_id AND c.unit_sequence > p.after
             ORDER BY c.unit_sequence LIMIT $3) c
         JOIN alerts a ON a.alert_id = c.alert_id
         ORDER BY c.unit_id, c.unit_sequence"
    ))
    .bind(positions.keys().collect::<Vec<_>>())
    .bind(positions.values().copied().collect::<Vec<_>>())
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            let stored = alert_from_row(row)?;
            let kind: String = row.try_get("kind")?;
            Ok(Change {
                unit_id: stored.alert.unit_id.clone(),
                sequence: row.try_get("unit_sequence")?,
                kind: ChangeKind::from_columns(&kind, row.try_get("action")?),
                alert: stored.alert,
            })
        })
        .collect()
}

/// The alert `id` if it belongs to one of `units`; any other alert is as good as missing.
pub async fn find(pool: &PgPool, id: Uuid, units: &[String]) -> Result<Option<Alert>, sqlx::Error> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM alerts a WHERE a.alert_id = $1 AND a.unit_id = ANY($2)"
    ))
    .bind(id)
    .bind(units)
    .fetch_optional(pool)
    .await?;
    Ok(row
        .as_ref()
        .map(alert_from_row)
        .transpose()?
        .map(|s| s.alert))
}

pub struct AlertFilter<'a> {
    pub units: &'a [String],
    pub status: AlertStatus,
    pub domain: i32,
    pub min_severity: i32,
}

/// Newest first, with a list position below `before`.
pub async fn list(
    pool: &PgPool,
    filter: &AlertFilter<'_>,
    before: i64,
    limit: i64,
) -> Result<Vec<StoredAlert>, sqlx::Error> {
    let status = (filter.status != AlertStatus::Unspecified).then(|| status_name(filter.status));
    let domain = (Domain::try_from(filter.domain).unwrap_or(Domain::Unspecified)
        != Domain::Unspecified)
        .then(|| gatehouse_proto::labels::domain(filter.domain));
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM alerts a
         WHERE a.unit_id = ANY($1) AND a.sequence < $2 AND ($3::text IS NULL OR a.status = $3)
           AND ($4::text IS NULL OR a.domain = $4) AND a.severity >= $5
         ORDER BY a.sequence DESC LIMIT $6"
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

/// Moves the alert from `from` to `to` with `values` and returns it as stored; `None` when it
/// was no longer in `from` (someone else changed it meanwhile).
pub async fn step(
    conn: &mut PgConnection,
    id: Uuid,
    from: AlertStatus,
    to: AlertStatus,
    values: &StepValues<'_>,
) -> Result<Option<Alert>, sqlx::Error> {
    let row = sqlx::query(&format!(
        "UPDATE alerts AS a SET status = $3, assigned_to = coalesce($4, a.assigned_to),
             outcome = coalesce($5, a.outcome), outcome_notes = coalesce($6, a.outcome_notes),
             updated_at = now()
         WHERE a.alert_id = $1 AND a.status = $2
         RETURNING {COLUMNS}"
    ))
    .bind(id)
    .bind(status_name(from))
    .bind(status_name(to))
    .bind(values.assigned_to)
    .bind(values.outcome.map(|o| o as i32))
    .bind(values.outcome_notes)
    .fetch_optional(conn)
    .await?;
    Ok(row
        .as_ref()
        .map(alert_from_row)
        .transpose()?
        .map(|s| s.alert))
}
