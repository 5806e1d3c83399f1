//! Alert streams for dashboards.
//!
//! Every replica listens on a Postgres channel that the raising transaction notifies with the
//! newest sequence, so a dashboard connected to any replica hears of alerts raised by any other.
//! Each stream reads its units' alerts after its cursor from the database, which makes replay
//! after reconnect and live delivery the same code path.

use std::time::Duration;

use gatehouse_platform::{
    auth::Caller,
    outbox::{AuditEntry, audit},
    runtime::ServiceRuntime,
};
use gatehouse_proto::v1::SubscribeAlertsResponse;
use sqlx::{PgPool, postgres::PgListener};
use tokio::sync::{mpsc, watch};
use tokio_stream::wrappers::ReceiverStream;
use tokio_util::sync::CancellationToken;
use tonic::Status;

use crate::store;

/// Alerts read per query; a stream far behind catches up in pages.
const PAGE: i64 = 500;
/// Safety net for a lost notification (e.g. while the listener reconnects).
const POLL: Duration = Duration::from_secs(5);

/// The newest alert sequence known to this replica.
#[derive(Clone)]
pub struct LatestSequence {
    rx: watch::Receiver<i64>,
}

impl LatestSequence {
    pub async fn start(runtime: &mut ServiceRuntime, channel: String) -> Result<Self, sqlx::Error> {
        let pool = runtime.pool.clone();
        let mut listener = PgListener::connect_with(&pool).await?;
        listener.listen(&channel).await?;
        let (tx, rx) = watch::channel(store::max_sequence(&pool).await?);
        let shutdown = runtime.shutdown.clone();
        runtime.spawn(async move {
            loop {
                tokio::select! {
                    () = shutdown.cancelled() => break,
                    notification = listener.try_recv() => match notification {
                        Ok(Some(n)) => {
                            if let Ok(sequence) = n.payload().parse::<i64>() {
                                tx.send_if_modified(|latest| raise_to(latest, sequence));
                            }
                        }
                        // The connection was lost and re-established: anything may have been missed.
                        Ok(None) => refresh(&pool, &tx).await,
                        Err(error) => {
                            tracing::warn!(%error, "alert notifications interrupted");
                            tokio::time::sleep(Duration::from_millis(500)).await;
                        }
                    },
                    () = tokio::time::sleep(POLL) => refresh(&pool, &tx).await,
                }
            }
        });
        Ok(Self { rx })
    }
}

fn raise_to(latest: &mut i64, sequence: i64) -> bool {
    if sequence > *latest {
        *latest = sequence;
        true
    } else {
        false
    }
}

async fn refresh(pool: &PgPool, tx: &watch::Sender<i64>) {
    match store::max_sequence(pool).await {
        Ok(sequence) => {
            tx.send_if_modified(|latest| raise_to(latest, sequence));
        }
        Err(error) => tracing::warn!(%error, "reading newest alert sequence failed"),
    }
}

pub struct Subscription {
    pub pool: PgPool,
    pub latest: LatestSequence,
    pub caller: Caller,
    pub units: Vec<String>,
    /// Last sequence the client has; alerts after it are sent.
    pub cursor: i64,
    pub shutdown: CancellationToken,
}

pub fn spawn(
    subscription: Subscription,
) -> ReceiverStream<Result<SubscribeAlertsResponse, Status>> {
    let (tx, rx) = mpsc::channel(64);
    tokio::spawn(async move {
        let Subscription {
            pool,
            latest,
            caller,
            units,
            mut cursor,
            shutdown,
        } = subscription;
        let mut latest = latest.rx;
        tracing::info!(subscriber = %caller.subject, units = ?units, cursor, "alert stream opened");
        loop {
            // Every alert up to `seen` was committed before `seen` became known (sequences commit
            // in order), so once the query below has run the stream is complete up to `seen`.
            let seen = *latest.borrow_and_update();
            let alerts = match store::after(&pool, &units, cursor, PAGE).await {
                Ok(alerts) => alerts,
                Err(error) => {
                    tracing::warn!(%error, "reading alerts for a stream failed");
                    let _ = tx
                        .send(Err(Status::unavailable(
                            "alert stream interrupted, resume from the last sequence",
                        )))
                        .await;
                    break;
                }
            };
            if !alerts.is_empty() {
                // Every delivery of personal data to a person is audited.
                let entry = AuditEntry {
                    actor: &caller.subject,
                    agency: &caller.agency,
                    action: "alert.stream",
                    resource_type: "alert",
                    resource_ids: alerts.iter().map(|a| a.alert_id.clone()).collect(),
                    reason: None,
                };
                let audited = match pool.acquire().await {
                    Ok(mut conn) => audit(&mut conn, entry).await,
                    Err(error) => Err(error),
                };
                if let Err(error) = audited {
                    tracing::warn!(%error, "audit of alert delivery failed; not delivering");
                    let _ = tx
                        .send(Err(Status::unavailable(
                            "alert stream interrupted, resume from the last sequence",
                        )))
                        .await;
                    break;
                }
            }
            let full_page = i64::try_from(alerts.len()).unwrap_or_default() == PAGE;
            for alert in alerts {
                cursor = i64::try_from(alert.sequence).unwrap_or(cursor);
                if tx
                    .send(Ok(SubscribeAlertsResponse { alert: Some(alert) }))
                    .await
                    .is_err()
                {
                    tracing::info!(subscriber = %caller.subject, "alert stream closed by client");
                    return;
                }
            }
            if full_page {
                continue;
            }
            cursor = cursor.max(seen);
            // Wait until something newer than what this stream has seen exists.
            tokio::select! {
                () = shutdown.cancelled() => break,
                () = tx.closed() => break,
                changed = latest.wait_for(|newest| *newest > cursor) => {
                    if changed.is_err() {
                        break;
                    }
                }
            }
        }
        tracing::info!(subscriber = %caller.subject, "alert stream ended");
    });
    ReceiverStream::new(rx)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latest_only_moves_forward() {
        let mut latest = 5;
        assert!(!raise_to(&mut latest, 3));
        assert!(!raise_to(&mut latest, 5));
        assert!(raise_to(&mut latest, 9));
        assert_eq!(latest, 9);
    }
}
