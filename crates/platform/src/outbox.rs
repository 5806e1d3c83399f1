//! Transactional outbox, inbox and audit log.
//!
//! A producer writes its records and their events in one transaction ([`enqueue`]); the relay
//! publishes pending events right after the commit (woken by [`Relay::notify`]) and sweeps again
//! on a timer, so an event written before a crash is published after restart. JetStream's
//! `Nats-Msg-Id` dedupe makes a second publication of the same event harmless.

use std::{collections::HashMap, sync::Arc, time::Duration};

use sqlx::{PgConnection, PgPool, Row};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::bus::{Bus, OutboundEvent};

/// Largest number of events published per sweep; more are taken by the next sweep at once.
const BATCH: i64 = 500;
const SWEEP_INTERVAL: Duration = Duration::from_secs(1);

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
        loop {
            match self.publish_pending().await {
                // A full batch means more may be waiting: go again without sleeping.
                Ok(n) if n as i64 == BATCH => continue,
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "outbox relay failed, will retry"),
            }
            tokio::select! {
                () = shutdown.cancelled() => break,
                () = self.wake.notified() => {}
                () = tokio::time::sleep(SWEEP_INTERVAL) => {}
            }
        }
        // Last sweep so events committed just before shutdown do not wait for the next start.
        if let Err(error) = self.publish_pending().await {
            tracing::warn!(%error, "final outbox sweep failed; events stay pending for the next start");
        }
    }

    /// Publishes one batch of pending events and marks them sent; returns how many.
    pub async fn publish_pending(&self) -> Result<usize, RelayError> {
        let mut tx = self.pool.begin().await?;
        // SKIP LOCKED lets replicas share the sweep without publishing the same row twice at once.
        let rows = sqlx::query(
            "SELECT event_id, subject, event_type, payload, trace_headers FROM outbox
             WHERE published_at IS NULL ORDER BY created_at LIMIT $1 FOR UPDATE SKIP LOCKED",
        )
        .bind(BATCH)
        .fetch_all(&mut *tx)
        .await?;
        if rows.is_empty() {
            return Ok(0);
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
        self.bus.publish_all(&events).await?;
        let ids: Vec<uuid::Uuid> = events.iter().map(|e| e.event_id).collect();
        sqlx::query("UPDATE outbox SET published_at = now() WHERE event_id = ANY($1)")
            .bind(&ids)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(events.len())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    #[error(transparent)]
    Sql(#[from] sqlx::Error),
    #[error(transparent)]
    Bus(#[from] crate::bus::BusError),
}

/// Records within the caller's transaction that `consumer` applies `event_id`. Returns `false`
/// when it was applied before: the caller then commits nothing else and acknowledges.
pub async fn claim_event(
    conn: &mut PgConnection,
    consumer: &str,
    event_id: &str,
    subject: &str,
) -> Result<bool, sqlx::Error> {
    let inserted = sqlx::query(
        "INSERT INTO inbox (consumer, event_id, subject) VALUES ($1, $2, $3)
         ON CONFLICT (consumer, event_id) DO NOTHING",
    )
    .bind(consumer)
    .bind(event_id)
    .bind(subject)
    .execute(conn)
    .await?;
    Ok(inserted.rows_affected() == 1)
}

/// Opens the transaction that applies one event for `consumer`, or `None` when the event was
/// applied before (that claim is then already committed and the event only needs its ack).
pub async fn begin_once(
    pool: &PgPool,
    consumer: &str,
    event_id: &str,
    subject: &str,
) -> Result<Option<sqlx::Transaction<'static, sqlx::Postgres>>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    if claim_event(&mut tx, consumer, event_id, subject).await? {
        Ok(Some(tx))
    } else {
        tx.commit().await?;
        Ok(None)
    }
}

/// One line of the append-only audit log.
#[derive(Debug, Clone)]
pub struct AuditEntry<'a> {
    pub actor: &'a str,
    pub agency: &'a str,
    /// What was done, e.g. `alert.read`, `alert.acknowledge`, `rule.activate`.
    pub action: &'a str,
    pub resource_type: &'a str,
    pub resource_ids: Vec<String>,
    pub reason: Option<&'a str>,
}

pub async fn audit(conn: &mut PgConnection, entry: AuditEntry<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO audit_log (actor, agency, action, resource_type, resource_ids, reason)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(entry.actor)
    .bind(entry.agency)
    .bind(entry.action)
    .bind(entry.resource_type)
    .bind(&entry.resource_ids)
    .bind(entry.reason)
    .execute(conn)
    .await?;
    Ok(())
}
