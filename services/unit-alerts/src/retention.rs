//! Alerts about PNR travellers follow the PNR's retention periods
//! ([`gatehouse_platform::retention`]): the raised alert's traveller and hit values are masked
//! after the masking period; a closed alert is deleted after the retention period (one still
//! being worked stays, masked, until an officer closes it: nothing closes itself).

use chrono::{DateTime, Utc};
use gatehouse_platform::retention::{
    CopyTable, PNR_SUBJECT_PREFIX, Policy, Swept, mask_copies, mask_hits, mask_subject,
};
use gatehouse_proto::v1::Alert;
use sqlx::PgPool;
use uuid::Uuid;

const ALERTS: CopyTable = CopyTable {
    table: "alerts",
    id: "alert_id",
    payload: "raised",
    made_at: "raised_at",
};

pub async fn sweep(
    pool: &PgPool,
    now: DateTime<Utc>,
    policy: &Policy,
) -> Result<Swept, sqlx::Error> {
    let pattern = format!("{PNR_SUBJECT_PREFIX}%");
    let mut swept = Swept {
        masked: mask_copies(
            pool,
            ALERTS,
            now - policy.mask_after,
            now,
            |a: &mut Alert| {
                mask_subject(&mut a.subject);
                mask_hits(&mut a.hits);
            },
        )
        .await?,
        deleted: 0,
    };
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
