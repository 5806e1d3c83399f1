//! Assessments of PNR travellers follow the PNR's retention periods
//! ([`gatehouse_platform::retention`]): masked (traveller, hit values) after the masking period,
//! deleted after the retention period. API travellers' assessments are not PNR data.

use chrono::{DateTime, Utc};
use gatehouse_platform::retention::{
    CopyTable, PNR_SUBJECT_PREFIX, Policy, Swept, mask_copies, mask_hits, mask_subject,
};
use gatehouse_proto::v1::Assessment;
use sqlx::PgPool;

const ASSESSMENTS: CopyTable = CopyTable {
    table: "assessments",
    id: "assessment_id",
    payload: "assessment",
    made_at: "assessed_at",
};

pub async fn sweep(
    pool: &PgPool,
    now: DateTime<Utc>,
    policy: &Policy,
) -> Result<Swept, sqlx::Error> {
    let masked = mask_copies(
        pool,
        ASSESSMENTS,
        now - policy.mask_after,
        now,
        |a: &mut Assessment| {
            mask_subject(&mut a.subject);
            mask_hits(&mut a.hits);
            mask_hits(&mut a.shadow_hits);
        },
    )
    .await?;
    let deleted =
        sqlx::query("DELETE FROM assessments WHERE dedupe_key LIKE $1 AND assessed_at < $2")
            .bind(format!("{PNR_SUBJECT_PREFIX}%"))
            .bind(now - policy.delete_after)
            .execute(pool)
            .await?
            .rows_affected();
    Ok(Swept { masked, deleted })
}
