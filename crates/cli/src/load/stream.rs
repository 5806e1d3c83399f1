//! Sending: the streams of a run (StreamApiReports, StreamPnrs or StreamManifests), open or
//! closed loop, resumed when they break.

use std::{
    collections::VecDeque,
    sync::{
        Arc, Mutex, PoisonError,
        atomic::{AtomicI64, AtomicU64, Ordering},
    },
    time::Duration,
};

use anyhow::{Result, bail};
use tokio::{sync::Semaphore, time::Instant};
use tokio_stream::wrappers::ReceiverStream;
use tokio_util::sync::CancellationToken;

use super::{
    generator::Generator,
    tracker::{MAX_REASONS, Pending, Shared, lock},
    traffic::Traffic,
};
use crate::client::AuthChannel;

/// The connection to the intake the run's traffic goes to; each kind makes its client of it.
#[derive(Clone)]
pub(super) struct Intake(pub(super) AuthChannel);

/// How much is left to send, shared by the streams.
pub(super) enum Budget {
    Records(AtomicI64),
    Until(Instant),
}

impl Budget {
    pub(super) fn take(&self, records: u32) -> bool {
        match self {
            Budget::Records(left) => left.fetch_sub(i64::from(records), Ordering::Relaxed) > 0,
            Budget::Until(deadline) => Instant::now() < *deadline,
        }
    }
}

pub(super) struct RunContext {
    pub(super) intake: Intake,
    pub(super) tracker: Shared,
    pub(super) budget: Budget,
    /// Open loop: time between two items of one stream.
    pub(super) interval: Option<Duration>,
    pub(super) window: u32,
    pub(super) streams: u32,
    pub(super) start: Instant,
    pub(super) sent_records: AtomicU64,
    pub(super) acked_records: AtomicU64,
    pub(super) max_lag_micros: AtomicU64,
}

/// Consecutive failed attempts after which a stream gives up.
pub(super) const MAX_STREAM_FAILURES: u32 = 5;

/// What a sender hands back when it stops: the generator (none once the budget is spent),
/// where its schedule got to, and items it held but had not queued.
pub(super) struct SenderState<R> {
    pub(super) generator: Option<Generator>,
    pub(super) scheduled: u64,
    pub(super) held: VecDeque<Pending<R>>,
}

/// Feeds one stream: items owed from a broken stream first, then new ones while the budget
/// lasts, each queued (for matching its result, or resending) before it is sent.
#[allow(clippy::too_many_arguments)] // the parts of one stream attempt
pub(super) async fn send_items<T: Traffic>(
    ctx: Arc<RunContext>,
    index: u32,
    mut state: SenderState<T::Request>,
    budget_per_item: u32,
    queue: Arc<Mutex<VecDeque<Pending<T::Request>>>>,
    permits: Arc<Semaphore>,
    tx: tokio::sync::mpsc::Sender<T::Request>,
    stop: CancellationToken,
) -> SenderState<T::Request> {
    loop {
        let pending = if let Some(mut pending) = state.held.pop_front() {
            pending.resent = true;
            pending
        } else {
            let Some(generator) = state.generator.as_mut() else {
                break;
            };
            if !ctx.budget.take(budget_per_item) {
                state.generator = None;
                break;
            }
            if let Some(interval) = ctx.interval {
                // Streams start staggered so that their items interleave evenly.
                let offset = interval.mul_f64(f64::from(index) / f64::from(ctx.streams));
                let due = ctx.start + offset + interval.mul_f64(state.scheduled as f64);
                state.scheduled += 1;
                let now = Instant::now();
                if due > now {
                    tokio::time::sleep_until(due).await;
                } else {
                    let lag = u64::try_from((now - due).as_micros()).unwrap_or(u64::MAX);
                    ctx.max_lag_micros.fetch_max(lag, Ordering::Relaxed);
                }
            }
            Pending::of(T::next(generator))
        };
        let permit = tokio::select! {
            () = stop.cancelled() => None,
            permit = permits.clone().acquire_many_owned(pending.records) => permit.ok(),
        };
        let Some(permit) = permit else {
            state.held.push_front(pending);
            break;
        };
        permit.forget();
        let request = pending.request.clone();
        let records = pending.records;
        lock_queue(&queue).push_back(Pending {
            sent_at: Instant::now(),
            ..pending
        });
        // Once queued, an item is resent from the queue if the stream breaks.
        let sent = tokio::select! {
            () = stop.cancelled() => false,
            sent = tx.send(request) => sent.is_ok(),
        };
        if !sent {
            break;
        }
        ctx.sent_records
            .fetch_add(u64::from(records), Ordering::Relaxed);
    }
    state
}

/// One stream: sends items, matches results, and when a stream breaks opens another and sends
/// the unacknowledged items again (idempotent by message id).
pub(super) async fn stream_worker<T: Traffic>(
    ctx: Arc<RunContext>,
    index: u32,
    generator: Generator,
) -> Result<()> {
    let budget_per_item = generator.budget_per_item();
    let max_records = generator.max_records_per_item();
    let mut state = SenderState {
        generator: Some(generator),
        scheduled: 0,
        held: VecDeque::new(),
    };
    let mut failures = 0u32;
    loop {
        let queue: Arc<Mutex<VecDeque<Pending<T::Request>>>> = Arc::default();
        // An item waits for its records' permits: the window must hold the largest item.
        let permits = Arc::new(Semaphore::new(ctx.window.max(max_records) as usize));
        let (tx, rx) = tokio::sync::mpsc::channel::<T::Request>(256);
        let stop = CancellationToken::new();
        let sender = tokio::spawn(send_items::<T>(
            ctx.clone(),
            index,
            state,
            budget_per_item,
            queue.clone(),
            permits.clone(),
            tx,
            stop.clone(),
        ));
        let (acked_any, broken) = receive::<T>(&ctx, rx, &queue, &permits).await;
        stop.cancel();
        state = sender
            .await
            .map_err(|e| anyhow::anyhow!("stream {index} sender failed: {e}"))?;
        let unacked: Vec<Pending<T::Request>> = lock_queue(&queue).drain(..).collect();
        let done = state.generator.is_none() && state.held.is_empty() && unacked.is_empty();
        if broken.is_none() && done {
            return Ok(());
        }
        if acked_any {
            failures = 0;
        }
        failures += 1;
        note_stream_error(
            &ctx.tracker,
            broken.unwrap_or_else(|| "stream closed with items unacknowledged".into()),
        );
        // Unacknowledged items go first, in the order they were sent.
        let held = std::mem::take(&mut state.held);
        state.held = unacked.into_iter().chain(held).collect();
        lock(&ctx.tracker).intake.items_resent += state.held.len() as u64;
        if failures >= MAX_STREAM_FAILURES {
            lock(&ctx.tracker).intake.items_unacknowledged += state.held.len() as u64;
            bail!("stream {index} failed {failures} times in a row");
        }
        tokio::time::sleep(Duration::from_millis(200 * u64::from(failures))).await;
    }
}

pub(super) fn lock_queue<R>(
    queue: &Mutex<VecDeque<Pending<R>>>,
) -> std::sync::MutexGuard<'_, VecDeque<Pending<R>>> {
    queue.lock().unwrap_or_else(PoisonError::into_inner)
}

pub(super) fn note_stream_error(tracker: &Shared, message: String) {
    let mut tracker = lock(tracker);
    tracker.intake.stream_errors += 1;
    if tracker.intake.stream_error_messages.len() < MAX_REASONS {
        tracker.intake.stream_error_messages.push(message);
    }
}

pub(super) fn stream_failure(rpc: &str, status: &tonic::Status) -> String {
    format!("{rpc}: {:?}: {}", status.code(), status.message())
}

/// Opens a stream over `rx` and matches its results to `queue`, releasing the window as they
/// come. Answers whether any item was acknowledged, and why the stream broke (none when the
/// server closed it).
pub(super) async fn receive<T: Traffic>(
    ctx: &RunContext,
    rx: tokio::sync::mpsc::Receiver<T::Request>,
    queue: &Mutex<VecDeque<Pending<T::Request>>>,
    permits: &Semaphore,
) -> (bool, Option<String>) {
    let mut responses = match T::open(ctx.intake.clone(), ReceiverStream::new(rx)).await {
        Ok(responses) => responses,
        Err(status) => return (false, Some(stream_failure(T::RPC, &status))),
    };
    let mut acked_any = false;
    loop {
        let results = match responses.message().await {
            Ok(Some(message)) => T::results(message),
            Ok(None) => return (acked_any, None),
            Err(status) => return (acked_any, Some(stream_failure(T::RPC, &status))),
        };
        let at = Instant::now();
        let mut released = 0u32;
        let mut tracker = lock(&ctx.tracker);
        for result in &results {
            let pending = {
                let mut queue = lock_queue(queue);
                // Results come in order; a stray one is looked up rather than trusted.
                match queue.front() {
                    Some(front) if front.message_id == result.message_id => queue.pop_front(),
                    _ => queue
                        .iter()
                        .position(|p| p.message_id == result.message_id)
                        .and_then(|i| queue.remove(i)),
                }
            };
            let Some(pending) = pending else {
                continue;
            };
            tracker.intake.items_sent += 1;
            tracker.intake.records_sent += u64::from(pending.records);
            tracker.result(&pending, result, at);
            released += pending.records;
            acked_any = true;
        }
        drop(tracker);
        ctx.acked_records
            .fetch_add(u64::from(released), Ordering::Relaxed);
        permits.add_permits(released as usize);
    }
}

/// Follows the units' alerts into the tracker until cancelled, resuming from its cursor when
/// the stream breaks. Signals `ready` once subscribed.
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_budgets_run_out_and_deadlines_pass() {
        let budget = Budget::Records(AtomicI64::new(3));
        assert!(budget.take(2) && budget.take(2) && !budget.take(1));
        assert!(!Budget::Until(Instant::now()).take(1));
    }
}
