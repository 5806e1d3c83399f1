//! Alert streams for dashboards.
//!
//! Each unit has a change log (raised, updated) numbered 1, 2, 3 … in commit order. A stream
//! holds a position per unit and reads the changes after it from the database, so replay after
//! reconnect and live delivery are the same code path. Every replica listens on a Postgres channel
//! that each changing transaction notifies with `<unit>:<newest>`, so a dashboard connected to any
//! replica hears of changes made by any other and only streams of that unit wake up.

use std::{collections::HashMap, time::Duration};

use gatehouse_platform::{
    audit::{AuditEntry, audit},
    auth::Caller,
    events::now_timestamp,
    runtime::ServiceRuntime,
};
use gatehouse_proto::v1::{
    AlertAction, Heartbeat, SubscribeAlertsResponse, subscribe_alerts_response::Event,
};
use sqlx::{PgPool, postgres::PgListener};
use tokio::{
    sync::{mpsc, watch},
    time::Instant,
};
use tokio_stream::wrappers::ReceiverStream;
use tokio_util::sync::CancellationToken;
use tonic::Status;

use crate::{
    AlertsError,
    cursor::{self, Positions},
    store::{self, ChangeKind},
};

/// Changes read per unit and query; a stream far behind catches up in pages.
const PAGE: i64 = 500;
/// Safety net for a lost notification (e.g. while the listener reconnects).
const POLL: Duration = Duration::from_secs(5);
/// Heartbeat interval unless `GATEHOUSE_ALERTS_HEARTBEAT_SECS` says otherwise.
pub const DEFAULT_HEARTBEAT: Duration = Duration::from_secs(15);

/// The heartbeat interval configured in `GATEHOUSE_ALERTS_HEARTBEAT_SECS` (whole seconds, at
/// least 1), else [`DEFAULT_HEARTBEAT`].
pub fn heartbeat_from_env() -> Duration {
    heartbeat_from(
        std::env::var("GATEHOUSE_ALERTS_HEARTBEAT_SECS")
            .ok()
            .as_deref(),
    )
}

fn heartbeat_from(value: Option<&str>) -> Duration {
    value
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|secs| *secs > 0)
        .map_or(DEFAULT_HEARTBEAT, Duration::from_secs)
}

/// The newest change of each unit known to this replica.
#[derive(Clone)]
pub struct ChangeFeed {
    rx: watch::Receiver<HashMap<String, i64>>,
}

impl ChangeFeed {
    pub async fn start(runtime: &mut ServiceRuntime, channel: String) -> Result<Self, sqlx::Error> {
        let pool = runtime.pool.clone();
        let mut listener = PgListener::connect_with(&pool).await?;
        listener.listen(&channel).await?;
        let (tx, rx) = watch::channel(store::all_positions(&pool).await?);
        let shutdown = runtime.shutdown.clone();
        runtime.spawn(async move {
            loop {
                tokio::select! {
                    () = shutdown.cancelled() => break,
                    notification = listener.try_recv() => match notification {
                        Ok(Some(n)) => {
                            if let Some((unit, sequence)) = parse_notification(n.payload()) {
                                tx.send_if_modified(|latest| raise_to(latest, unit, sequence));
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

fn parse_notification(payload: &str) -> Option<(&str, i64)> {
    let (unit, sequence) = payload.rsplit_once(':')?;
    Some((unit, sequence.parse().ok()?))
}

/// Moves `unit` forward to `sequence`; false when that is nothing new.
fn raise_to(latest: &mut HashMap<String, i64>, unit: &str, sequence: i64) -> bool {
    match latest.get_mut(unit) {
        Some(known) if *known >= sequence => false,
        Some(known) => {
            *known = sequence;
            true
        }
        None => {
            latest.insert(unit.to_owned(), sequence);
            true
        }
    }
}

async fn refresh(pool: &PgPool, tx: &watch::Sender<HashMap<String, i64>>) {
    match store::all_positions(pool).await {
        Ok(positions) => {
            tx.send_if_modified(|latest| {
                let mut changed = false;
                for (unit, sequence) in &positions {
                    changed |= raise_to(latest, unit, *sequence);
                }
                changed
            });
        }
        Err(error) => tracing::warn!(%error, "reading newest alert changes failed"),
    }
}

/// Whether `latest` knows a change of a unit after the stream's position.
fn behind(latest: &HashMap<String, i64>, positions: &Positions) -> bool {
    positions
        .iter()
        .any(|(unit, position)| latest.get(unit).is_some_and(|newest| newest > position))
}

/// The stream message for one change, carrying the cursor after it.
fn message(change: store::Change, positions: &Positions) -> SubscribeAlertsResponse {
    let (event, action) = match change.kind {
        ChangeKind::Raised => (Event::Raised(change.alert), AlertAction::Unspecified),
        ChangeKind::Updated(action) => (Event::Updated(change.alert), action),
    };
    SubscribeAlertsResponse {
        event: Some(event),
        cursor: cursor::encode(positions),
        action: action as i32,
    }
}

fn heartbeat(positions: &Positions) -> SubscribeAlertsResponse {
    SubscribeAlertsResponse {
        event: Some(Event::Heartbeat(Heartbeat {
            at: Some(now_timestamp()),
        })),
        cursor: cursor::encode(positions),
        action: AlertAction::Unspecified as i32,
    }
}

pub struct Subscription {
    pub pool: PgPool,
    pub feed: ChangeFeed,
    pub caller: Caller,
    /// Last change of each subscribed unit the client has; later ones are sent.
    pub positions: Positions,
    pub heartbeat: Duration,
    /// When the caller's token expires: the stream ends then with `UNAUTHENTICATED`.
    pub expires_at: Instant,
    pub shutdown: CancellationToken,
}

type Sender = mpsc::Sender<Result<SubscribeAlertsResponse, Status>>;

/// Sends `message`; false once the client has gone.
async fn send(tx: &Sender, message: Result<SubscribeAlertsResponse, Status>) -> bool {
    tx.send(message).await.is_ok()
}

pub fn spawn(
    subscription: Subscription,
) -> ReceiverStream<Result<SubscribeAlertsResponse, Status>> {
    let (tx, rx) = mpsc::channel(64);
    tokio::spawn(async move {
        let subscriber = subscription.caller.subject.clone();
        tracing::info!(%subscriber, units = subscription.positions.len(), "alert stream opened");
        let ended = run(subscription, &tx).await;
        tracing::info!(%subscriber, ended, "alert stream ended");
    });
    ReceiverStream::new(rx)
}

/// Streams until the client leaves, the token expires, the server drains or the database fails;
/// returns why it ended.
async fn run(subscription: Subscription, tx: &Sender) -> &'static str {
    let Subscription {
        pool,
        feed,
        caller,
        mut positions,
        heartbeat: interval,
        expires_at,
        shutdown,
    } = subscription;
    let mut latest = feed.rx;
    // The first heartbeat comes once the replay is done: the client then holds a cursor even
    // when nothing happens, and knows it is up to date.
    let mut caught_up = false;
    let mut next_heartbeat = Instant::now();
    loop {
        if Instant::now() >= expires_at {
            send(tx, Err(AlertsError::TokenExpired.into())).await;
            return "token expired";
        }
        // Every change up to what is known now was committed before it became known (a unit's
        // changes commit in order), so once the query below has run the stream has all of them.
        latest.borrow_and_update();
        let changes = match store::changes_after(&pool, &positions, PAGE).await {
            Ok(changes) => changes,
            Err(error) => {
                send(tx, Err(AlertsError::Db(error).into())).await;
                return "database failed";
            }
        };
        let mut full_page = false;
        if !changes.is_empty() {
            let mut per_unit: HashMap<&str, i64> = HashMap::new();
            for change in &changes {
                *per_unit.entry(change.unit_id.as_str()).or_default() += 1;
            }
            full_page = per_unit.values().any(|n| *n >= PAGE);
            // Every delivery of personal data to a person is audited, before it leaves.
            let entry = AuditEntry {
                actor: &caller.subject,
                agency: &caller.agency,
                action: "alert.stream",
                resource_type: "alert",
                resource_ids: changes.iter().map(|c| c.alert.alert_id.clone()).collect(),
                reason: None,
            };
            let audited = match pool.acquire().await {
                Ok(mut conn) => audit(&mut conn, entry).await,
                Err(error) => Err(error),
            };
            if let Err(error) = audited {
                tracing::warn!(%error, "audit of alert delivery failed; not delivering");
                send(tx, Err(AlertsError::Db(error).into())).await;
                return "audit failed";
            }
            for change in changes {
                positions.insert(change.unit_id.clone(), change.sequence);
                if !send(tx, Ok(message(change, &positions))).await {
                    return "client left";
                }
            }
            next_heartbeat = Instant::now() + interval;
        }
        if full_page {
            continue;
        }
        if !caught_up {
            caught_up = true;
            if !send(tx, Ok(heartbeat(&positions))).await {
                return "client left";
            }
            next_heartbeat = Instant::now() + interval;
        }
        // Wait until one of this stream's units has something newer than what it has seen.
        let newer = async {
            loop {
                if latest.changed().await.is_err() {
                    return false;
                }
                if behind(&latest.borrow_and_update(), &positions) {
                    return true;
                }
            }
        };
        tokio::select! {
            () = shutdown.cancelled() => return "server draining",
            () = tx.closed() => return "client left",
            () = tokio::time::sleep_until(expires_at) => {}
            () = tokio::time::sleep_until(next_heartbeat) => {
                if !send(tx, Ok(heartbeat(&positions))).await {
                    return "client left";
                }
                next_heartbeat = Instant::now() + interval;
            }
            newer = newer => {
                if !newer {
                    return "change feed stopped";
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_changes_only_move_forward() {
        let mut latest = HashMap::from([("jaitf-sjj".to_owned(), 5)]);
        assert!(!raise_to(&mut latest, "jaitf-sjj", 3));
        assert!(!raise_to(&mut latest, "jaitf-sjj", 5));
        assert!(raise_to(&mut latest, "jaitf-sjj", 9));
        assert!(raise_to(&mut latest, "pcu-bar", 1));
        assert_eq!(latest.get("jaitf-sjj"), Some(&9));
        assert_eq!(latest.get("pcu-bar"), Some(&1));
    }

    #[test]
    fn notifications_name_a_unit_and_its_newest_change() {
        assert_eq!(parse_notification("jaitf-sjj:12"), Some(("jaitf-sjj", 12)));
        assert_eq!(parse_notification("jaitf-sjj"), None);
        assert_eq!(parse_notification("jaitf-sjj:x"), None);
    }

    #[test]
    fn a_stream_wakes_only_for_its_own_units() {
        let positions: Positions = [("jaitf-sjj".to_owned(), 4)].into();
        let cases = [
            (vec![("jaitf-sjj", 4)], false),
            (vec![("jaitf-beg", 90)], false),
            (vec![("jaitf-sjj", 5)], true),
            (vec![], false),
        ];
        for (latest, expected) in cases {
            let latest: HashMap<String, i64> =
                latest.iter().map(|(u, s)| ((*u).to_owned(), *s)).collect();
            assert_eq!(behind(&latest, &positions), expected, "{latest:?}");
        }
    }

    #[test]
    fn heartbeat_interval_comes_from_the_environment_or_defaults() {
        assert_eq!(heartbeat_from(None), DEFAULT_HEARTBEAT);
        assert_eq!(heartbeat_from(Some("2")), Duration::from_secs(2));
        for bad in ["0", "-1", "soon", ""] {
            assert_eq!(heartbeat_from(Some(bad)), DEFAULT_HEARTBEAT, "{bad}");
        }
    }
}
