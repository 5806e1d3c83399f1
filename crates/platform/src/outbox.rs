//! The producer side of delivery: the transactional outbox and its relay.
//!
//! A producer writes its records and their events in one transaction ([`enqueue`]); the relay
//! publishes pending events right after the commit (woken by [`Relay::notify`]) and sweeps again
//! on a timer, so an event written before a crash is published after restart. JetStream's
//! `Nats-Msg-Id` dedupe makes a second publication of the same event harmless. Published rows are
//! deleted; a row that can never be published is parked with its error and counted, and the rows
//! behind it flow on.

use std::{collections::HashMap, sync::Arc, time::Duration};

use sqlx::{PgConnection, PgPool, Row};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::bus::{Bus, OutboundEvent};

/// Largest number of events published per sweep; more are taken by the next sweep at once.
const BATCH: i64 = 500;
const SWEEP_INTERVAL: Duration = Duration::from_secs(1);
/// Parked rows are kept for an operator this long, then deleted: they hold personal data.
const PARKED_RETENTION_DAYS: i32 = 30;

/// Stores `events` in the outbox within the caller's transaction.
pub async fn enqueue(conn: &mut PgConnection, events: &[OutboundEvent]) -> Result<(), sqlx::Error> {
    if events.is_empty() {
        return Ok(());
    }
    let mut ids = Vec::with_capacity(events.len());
    let mut subjects = Vec::with_capacity(events.len());
    let mut types = Vec::with_capacity(events.len());
    let mut payloads = Vec::with_capacity(events.len());
    let mut traces = Vec::with_capacity(events.len());
    for event in events {
        ids.push(event.event_id);
        subjects.push(event.subject.clone());
        types.push(event.event_type.clone());
        payloads.push(event.payload.clone());
        traces.push(serde_json::to_value(&event.trace_headers).unwrap_or_default());
    }
    sqlx::query(
        "INSERT INTO outbox (event_id, subject, event_type, payload, trace_headers)
         SELECT * FROM UNNEST($1::uuid[], $2::text[], $3::text[], $4::bytea[], $5::jsonb[])",
    )
    .bind(ids)
    .bind(subjects)
    .bind(types)
    .bind(payloads)
    .bind(traces)
    .execute(conn)
    .await?;
    Ok(())
}

/// Publishes outbox rows to JetStream.
#[derive(Clone)]
pub struct Relay {
    pool: PgPool,
    bus: Bus,
    wake: Arc<Notify>,
}

impl Relay {
    pub fn new(pool: PgPool, bus: Bus) -> Self {
        Self {
            pool,
            bus,
            wake: Arc::new(Notify::new()),
        }
    }

    /// Asks the relay to publish now; call after committing a transaction that enqueued events.
    pub fn notify(&self) {
        self.wake.notify_one();
    }

    /// Runs until `shutdown`, publishing whenever notified and at least every second.
    pub async fn run(self, shutdown: CancellationToken) {
        let mut failures: u32 = 0;
        let mut last_cleanup = tokio::time::Instant::now();
        loop {
            match self.publish_pending().await {
                // A full batch means more may be waiting: go again without sleeping.
                Ok(sweep) if sweep.taken == BATCH as usize && sweep.failed == 0 => {
                    failures = 0;
                    continue;
                }
                Ok(sweep) if sweep.failed > 0 => {
                    failures += 1;
                }
                Ok(_) => failures = 0,
                Err(error) => {
                    failures += 1;
                    if failures == 1 || failures.is_multiple_of(30) {
                        tracing::warn!(%error, "outbox relay failed, will retry");
                    }
                }
            }
            if last_cleanup.elapsed() > Duration::from_secs(3600) {
                last_cleanup = tokio::time::Instant::now();
                if let Err(error) = self.delete_expired_parked().await {
                    tracing::warn!(%error, "deleting expired parked events failed");
                }
            }
            // After failures wait longer so an outage is not hammered; a notify still wakes.
            let pause = if failures > 0 {
                crate::consumer::backoff(failures).max(SWEEP_INTERVAL / 4)
            } else {
                SWEEP_INTERVAL
            };
            tokio::select! {
                () = shutdown.cancelled() => break,
                () = self.wake.notified(), if failures == 0 => {}
                () = tokio::time::sleep(pause) => {}
            }
        }
        // Last sweep so events committed just before shutdown do not wait for the next start.
        if let Err(error) = self.publish_pending().await {
            tracing::warn!(%error, "final outbox sweep failed; events stay pending for the next start");
        }
    }

    /// Publishes one batch of pending events: deletes the rows stored by JetStream, parks the
    /// ones that can never be published and leaves the rest for the next sweep.
    pub async fn publish_pending(&self) -> Result<Sweep, RelayError> {
        let mut tx = self.pool.begin().await?;
        // SKIP LOCKED lets replicas share the sweep without publishing the same row twice at once.
        let rows = sqlx::query(
            "SELECT event_id, subject, event_type, payload, trace_headers FROM outbox
             WHERE parked_at IS NULL ORDER BY created_at LIMIT $1 FOR UPDATE SKIP LOCKED",
        )
        .bind(BATCH)
        .fetch_all(&mut *tx)
        .await?;
        if rows.is_empty() {
            return Ok(Sweep::default());
        }
        let mut events = Vec::with_capacity(rows.len());
        for row in rows {
            let trace: serde_json::Value = row.try_get("trace_headers")?;
            events.push(OutboundEvent {
                event_id: row.try_get("event_id")?,
                subject: row.try_get("subject")?,
                event_type: row.try_get("event_type")?,
                payload: row.try_get("payload")?,
                trace_headers: serde_json::from_value::<HashMap<String, String>>(trace)
                    .unwrap_or_default(),
            });
        }
        let published = self.bus.publish_all(&events).await;
        sqlx::query("DELETE FROM outbox WHERE event_id = ANY($1)")
            .bind(&published.stored)
            .execute(&mut *tx)
            .await?;
        for (event_id, error) in &published.unpublishable {
            tracing::error!(%event_id, %error, "event cannot be published, parked");
        }
        let (parked_ids, parked_errors): (Vec<uuid::Uuid>, Vec<String>) =
            published.unpublishable.iter().cloned().unzip();
        let (failed_ids, failed_errors): (Vec<uuid::Uuid>, Vec<String>) =
            published.failed.iter().cloned().unzip();
        sqlx::query(
            "UPDATE outbox o SET attempts = o.attempts + 1, last_error = f.error,
                 parked_at = CASE WHEN f.park THEN now() END
             FROM UNNEST($1::uuid[], $2::text[], $3::bool[]) AS f(id, error, park)
             WHERE o.event_id = f.id",
        )
        .bind(parked_ids.iter().chain(&failed_ids).collect::<Vec<_>>())
        .bind(
            parked_errors
                .iter()
                .chain(&failed_errors)
                .collect::<Vec<_>>(),
        )
        .bind(
            std::iter::repeat_n(true, parked_ids.len())
                .chain(std::iter::repeat_n(false, failed_ids.len()))
                .collect::<Vec<_>>(),
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        if let Some((event_id, error)) = published.failed.first() {
            tracing::warn!(%event_id, %error, failed = published.failed.len(), "publishing events failed, will retry");
        }
        let stored: std::collections::HashSet<&uuid::Uuid> = published.stored.iter().collect();
        for event in events.iter().filter(|e| stored.contains(&e.event_id)) {
            crate::metrics::event_published(&event.subject, 1);
        }
        if !parked_ids.is_empty() {
            crate::metrics::events_parked(parked_ids.len());
        }
        Ok(Sweep {
            taken: events.len(),
            published: published.stored.len(),
            parked: parked_ids.len(),
            failed: failed_ids.len(),
        })
    }

    async fn delete_expired_parked(&self) -> Result<u64, sqlx::Error> {
        Ok(
            sqlx::query("DELETE FROM outbox WHERE parked_at < now() - make_interval(days => $1)")
                .bind(PARKED_RETENTION_DAYS)
                .execute(&self.pool)
                .await?
                .rows_affected(),
        )
    }
}

/// What one relay sweep did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Sweep {
    pub taken: usize,
    pub published: usize,
    pub parked: usize,
    pub failed: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    #[error(transparent)]
    Sql(#[from] sqlx::Error),
}
