//! Alerts about PNR travellers follow the PNR's retention periods
//! ([`gatehouse_platform::retention`]): the raised alert's traveller and hit values are masked
//! after the masking period; a closed alert is deleted after the retention period (one still
//! being worked stays, masked, until an officer closes it: nothing closes itself).

use chrono::{DateTime, Utc};
use gatehouse_platform::retention::{PNR_SUBJECT_PREFIX, Policy, Swept, mask_hits, mask_subject};
use gatehouse_proto::v1::Alert;
use prost::Message;
use sqlx::{PgPool, Row};
use uuid::Uuid;

/// Alerts masked in one transaction at most; a sweep repeats until none is left.
const BATCH: i64 = 1_000;

pub async fn sweep(
    pool: &PgPool,
    now: DateTime<Utc>,
    policy: &Policy,
) -> Result<Swept, sqlx::Error> {
    let pattern = format!("{PNR_SUBJECT_PREFIX}%");
    let mut swept = Swept::default();
    loop {
        let mut tx = pool.begin().await?;
        let due = sqlx::query(
            "SELECT alert_id, raised FROM alerts
             WHERE dedupe_key LIKE $1 AND masked_at IS NULL AND raised_at < $2
             ORDER BY raised_at LIMIT $3 FOR UPDATE SKIP LOCKED",
        )
        .bind(&pattern)
        .bind(now - policy.mask_after)
        .bind(BATCH)
        .fetch_all(&mut *tx)
        .await?;
        let mut ids = Vec::with_capacity(due.len());
        let mut masked = Vec::with_capacity(due.len());
        for row in &due {
            let bytes: Vec<u8> = row.try_get("raised")?;
            let mut alert =
                Alert::decode(bytes.as_slice()).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
            mask_subject(&mut alert.subject);
            mask_hits(&mut alert.hits);
            ids.push(row.try_get::<Uuid, _>("alert_id")?);
            masked.push(alert.encode_to_vec());
        }
        sqlx::query(
            "UPDATE alerts a SET raised = m.raised, masked_at = $3
             FROM UNNEST($1::uuid[], $2::bytea[]) AS m(id, raised)
             WHERE a.alert_id = m.id",
        )
        .bind(&ids)
        .bind(&masked)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        swept.masked += u64::try_from(ids.len()).unwrap_or(u64::MAX);
        if i64::try_from(ids.len()).unwrap_or(i64::MAX) < BATCH {
            break;
        }
    }
    let mut tx = pool.begin().await?;
    let expired: Vec<Uuid> = sqlx::query_scalar(
        "SELECT alert_id FROM alerts
         WHERE dedupe_key LIKE $1 AND status = 'closed' AND raised_at < $2",
    )
    .bind(&pattern)
    .bind(now - policy.delete_after)
    .fetch_all(&mut *tx)
    .await?;
    if !expired.is_empty() {
        sqlx::query("DELETE FROM alert_changes WHERE alert_id = ANY($1)")
            .bind(&expired)
            .execute(&mut *tx)
            .await?;
        swept.deleted = sqlx::query("DELETE FROM alerts WHERE alert_id = ANY($1)")
            .bind(&expired)
            .execute(&mut *tx)
            .await?
            .rows_affected();
    }
    tx.commit().await?;
    Ok(swept)
}
