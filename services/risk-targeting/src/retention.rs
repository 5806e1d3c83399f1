//! Assessments of PNR travellers follow the PNR's retention periods
//! ([`gatehouse_platform::retention`]): masked (traveller, hit values) after the masking period,
//! deleted after the retention period. API travellers' assessments are not PNR data.

use chrono::{DateTime, Utc};
use gatehouse_platform::retention::{PNR_SUBJECT_PREFIX, Policy, Swept, mask_hits, mask_subject};
use gatehouse_proto::v1::Assessment;
use prost::Message;
use sqlx::{PgPool, Row};
use uuid::Uuid;

/// Assessments masked in one transaction at most; a sweep repeats until none is left.
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
            "SELECT assessment_id, assessment FROM assessments
             WHERE dedupe_key LIKE $1 AND masked_at IS NULL AND assessed_at < $2
             ORDER BY assessed_at LIMIT $3 FOR UPDATE SKIP LOCKED",
        )
        .bind(&pattern)
        .bind(now - policy.mask_after)
        .bind(BATCH)
        .fetch_all(&mut *tx)
        .await?;
        let mut ids = Vec::with_capacity(due.len());
        let mut masked = Vec::with_capacity(due.len());
        for row in &due {
            let bytes: Vec<u8> = row.try_get("assessment")?;
            let mut assessment = Assessment::decode(bytes.as_slice())
                .map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
            mask_subject(&mut assessment.subject);
            mask_hits(&mut assessment.hits);
            mask_hits(&mut assessment.shadow_hits);
            ids.push(row.try_get::<Uuid, _>("assessment_id")?);
            masked.push(assessment.encode_to_vec());
        }
        sqlx::query(
            "UPDATE assessments a SET assessment = m.assessment, masked_at = $3
             FROM UNNEST($1::uuid[], $2::bytea[]) AS m(id, assessment)
             WHERE a.assessment_id = m.id",
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
    swept.deleted =
        sqlx::query("DELETE FROM assessments WHERE dedupe_key LIKE $1 AND assessed_at < $2")
            .bind(&pattern)
            .bind(now - policy.delete_after)
            .execute(pool)
            .await?
            .rows_affected();
    Ok(swept)
}
