//! The consumer side of exactly-once application: the ids of events a consumer has applied,
//! claimed in the transaction that applies them.

use std::{collections::HashSet, time::Duration};

use sqlx::{PgConnection, PgPool};

use crate::consumer::Delivery;

/// Claims `deliveries` for `consumer` within the caller's transaction and returns the event ids
/// claimed now; the others were applied before and must be skipped (the caller acknowledges
/// them). A batch that holds one event twice claims it once.
pub async fn claim(
    conn: &mut PgConnection,
    consumer: &str,
    deliveries: &[&Delivery],
) -> Result<HashSet<String>, sqlx::Error> {
    if deliveries.is_empty() {
        return Ok(HashSet::new());
    }
    let ids: Vec<&str> = deliveries.iter().map(|d| d.event_id.as_str()).collect();
    let subjects: Vec<&str> = deliveries.iter().map(|d| d.subject.as_str()).collect();
    let claimed: Vec<String> = sqlx::query_scalar(
        "INSERT INTO inbox (consumer, event_id, subject)
         SELECT $1, e.id, e.subject FROM UNNEST($2::text[], $3::text[]) AS e(id, subject)
         ON CONFLICT (consumer, event_id) DO NOTHING
         RETURNING event_id",
    )
    .bind(consumer)
    .bind(&ids)
    .bind(&subjects)
    .fetch_all(conn)
    .await?;
    Ok(claimed.into_iter().collect())
}

/// Forgets applied event ids older than `retention`, a chunk at a time so no long lock is held;
/// returns how many were removed.
pub async fn prune(pool: &PgPool, retention: Duration) -> Result<u64, sqlx::Error> {
    let seconds = f64::from(u32::try_from(retention.as_secs()).unwrap_or(u32::MAX));
    let mut removed = 0;
    loop {
        let deleted = sqlx::query(
            "DELETE FROM inbox WHERE ctid = ANY(ARRAY(
                 SELECT ctid FROM inbox WHERE applied_at < now() - make_interval(secs => $1)
                 LIMIT 10000))",
        )
        .bind(seconds)
        .execute(pool)
        .await?
        .rows_affected();
        removed += deleted;
        if deleted < 10000 {
            return Ok(removed);
        }
    }
}
