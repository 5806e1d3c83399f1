//! `gatehouse dlq list` and `gatehouse dlq replay`: the events consumers gave up on, read from
//! the dead-letter stream by raw gets (nothing is consumed or acknowledged), and republished to
//! their original subjects under their original ids.
//!
//! Payloads hold personal data: they are republished as they are and never printed.

use std::{collections::HashMap, fmt::Write as _, time::Duration};

use anyhow::{Context, Result, bail};
use async_nats::{
    HeaderMap,
    jetstream::{
        message::StreamMessage,
        stream::{RawMessageErrorKind, Stream},
    },
};
use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use gatehouse_platform::{
    bus::{
        Bus, HEADER_DLQ_CONSUMER, HEADER_DLQ_ERROR, HEADER_DLQ_SUBJECT, HEADER_EVENT,
        HEADER_MSG_ID, StreamKind, subjects,
    },
    config::{NatsConfig, ServiceConfig, ServiceKind},
};
use serde::Serialize;

use crate::bench::NatsConnection;

#[derive(Debug, Clone, clap::Subcommand)]
pub enum DlqCommand {
    /// Lists dead-lettered events: sequence, time, consumer, original subject, event type and id,
    /// and the error (never payloads).
    List(ListArgs),
    /// Republishes dead-lettered events to their original subjects with their original ids
    /// (consumers that applied them already skip them), then deletes the DLQ copies.
    Replay(ReplayArgs),
}

/// The deployment whose dead-letter stream is read.
#[derive(Debug, Clone, clap::Args)]
pub struct BusArgs {
    #[command(flatten)]
    pub connection: NatsConnection,
    /// Subject and stream prefix of the deployment (its GATEHOUSE_BUS_PREFIX).
    #[arg(long, env = "GATEHOUSE_BUS_PREFIX", default_value = "")]
    pub prefix: String,
}

#[derive(Debug, Clone, clap::Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub bus: BusArgs,
    /// Only the events this durable consumer dead-lettered (e.g. risk-targeting-api).
    #[arg(long, value_name = "NAME")]
    pub consumer: Option<String>,
    /// Print at most this many events, oldest first (all are counted).
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub limit: usize,
    /// Print the listing as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, clap::Args)]
#[command(group(clap::ArgGroup::new("events").required(true).args(["all", "sequences"])))]
pub struct ReplayArgs {
    #[command(flatten)]
    pub bus: BusArgs,
    /// Replay every dead-lettered event (of --consumer, when given).
    #[arg(long)]
    pub all: bool,
    /// Stream sequence of an event to replay, as `dlq list` prints it; repeatable.
    #[arg(long = "sequence", value_name = "N", num_args = 1.., value_delimiter = ',')]
    pub sequences: Vec<u64>,
    /// Only events this durable consumer dead-lettered; with --sequence, refuse the others.
    #[arg(long, value_name = "NAME")]
    pub consumer: Option<String>,
    /// Keep the DLQ copies of replayed events instead of deleting them.
    #[arg(long)]
    pub keep: bool,
}

impl ReplayArgs {
    pub fn selection(&self) -> Selection {
        if self.all {
            Selection::All {
                consumer: self.consumer.clone(),
            }
        } else {
            Selection::Sequences {
                sequences: self.sequences.clone(),
                consumer: self.consumer.clone(),
            }
        }
    }
}

/// Which dead-lettered events a replay republishes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// Every event in the stream when the replay starts (of one consumer, when given).
    All { consumer: Option<String> },
    /// These stream sequences; with a consumer, only if that consumer dead-lettered them.
    Sequences {
        sequences: Vec<u64>,
        consumer: Option<String>,
    },
}

/// One dead-lettered event as the DLQ stream holds it, without its payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeadLetter {
    /// Sequence in the dead-letter stream: what `dlq replay --sequence` takes.
    pub sequence: u64,
    pub stored_at: DateTime<Utc>,
    /// Durable consumer that gave up on the event.
    pub consumer: String,
    /// Subject the event was consumed from, without the deployment prefix.
    pub subject: Option<String>,
    pub event_type: Option<String>,
    /// The producer's event id (the dead-letter copy's `Nats-Msg-Id` without `dlq:<consumer>:`).
    pub event_id: Option<String>,
    /// Why the consumer gave up, cut to one line.
    pub error: String,
    pub payload_bytes: usize,
}

/// Longest error shown: a listing line stays readable and an error quoting data stays short.
const ERROR_CHARS: usize = 200;

impl DeadLetter {
    /// Reads what a dead-letter copy says about itself; `unprefixed` strips the deployment prefix.
    fn read(message: &StreamMessage, unprefixed: &dyn Fn(&str) -> String) -> Self {
        let header = |name: &str| {
            message
                .headers
                .get(name)
                .map(|v| v.as_str().trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let consumer = header(HEADER_DLQ_CONSUMER)
            .or_else(|| {
                unprefixed(message.subject.as_str())
                    .strip_prefix(&subjects::dead_letter(""))
                    .map(str::to_owned)
            })
            .unwrap_or_default();
        let event_id = header(HEADER_MSG_ID)
            .and_then(|id| original_event_id(&id, &consumer).map(str::to_owned));
        Self {
            sequence: message.sequence,
            stored_at: DateTime::from_timestamp(
                message.time.unix_timestamp(),
                message.time.nanosecond(),
            )
            .unwrap_or_default(),
            subject: header(HEADER_DLQ_SUBJECT).map(|s| unprefixed(&s)),
            event_type: header(HEADER_EVENT),
            event_id,
            error: one_line(&header(HEADER_DLQ_ERROR).unwrap_or_default(), ERROR_CHARS),
            payload_bytes: message.payload.len(),
            consumer,
        }
    }
}

/// What `dlq list` found.
#[derive(Debug, Clone, Serialize)]
pub struct Listing {
    pub stream: String,
    /// Oldest first, at most the limit.
    pub events: Vec<DeadLetter>,
    /// Dead-lettered events matching the filter, including those past the limit.
    pub total: u64,
    /// The limit left events out.
    pub truncated: bool,
}

/// Lists the dead-lettered events (of `consumer`, when given), oldest first, at most `limit`.
pub async fn list(bus: &Bus, consumer: Option<&str>, limit: usize) -> Result<Listing> {
    let mut scan = Scan::start(bus, consumer).await?;
    let unprefixed = |subject: &str| bus.unprefixed(subject).to_owned();
    let mut events = Vec::new();
    let mut truncated = false;
    while let Some(message) = scan.next().await? {
        if events.len() == limit {
            truncated = true;
            break;
        }
        events.push(DeadLetter::read(&message, &unprefixed));
    }
    let shown = events.len() as u64;
    let total = if truncated {
        scan.matching.max(shown + 1)
    } else {
        shown
    };
    Ok(Listing {
        stream: scan.name,
        events,
        total,
        truncated,
    })
}

/// Where a replayed event went, or why it was not replayed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Stored again on its original subject, in `stream` at `sequence`.
    Replayed {
        stream: String,
        sequence: u64,
        /// DLQ sequence of another copy of the same event whose replay in this run republished
        /// it: one republish reaches every consumer of the subject.
        with: Option<u64>,
        copy: DlqCopy,
    },
    /// Not replayed, DLQ copy left in place: `stream`'s duplicate window still holds the id.
    /// On the original stream JetStream would drop (or dropped) the republish; on the DLQ
    /// stream a consumer failing on the event again could not dead-letter it anew.
    InsideDuplicateWindow {
        stream: String,
    },
    Failed(String),
}

/// What became of the DLQ copy of a replayed event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DlqCopy {
    Deleted,
    /// `--keep`.
    Kept,
    /// Deleting failed; replaying it again is harmless (consumers skip the id).
    NotDeleted(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub sequence: u64,
    /// `None` when nothing is stored at `sequence`.
    pub dead_letter: Option<DeadLetter>,
    pub outcome: Outcome,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReplayReport {
    pub attempts: Vec<Attempt>,
}

impl ReplayReport {
    fn count(&self, wanted: impl Fn(&Outcome) -> bool) -> usize {
        self.attempts.iter().filter(|a| wanted(&a.outcome)).count()
    }

    pub fn replayed(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Replayed { .. }))
    }

    pub fn inside_duplicate_window(&self) -> usize {
        self.count(|o| matches!(o, Outcome::InsideDuplicateWindow { .. }))
    }

    pub fn failed(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Failed(_)))
    }

    /// Replayed events whose DLQ copy could not be deleted.
    pub fn copies_left(&self) -> usize {
        self.count(|o| {
            matches!(
                o,
                Outcome::Replayed {
                    copy: DlqCopy::NotDeleted(_),
                    ..
                }
            )
        })
    }
}

/// Republishes the selected dead-lettered events to their original subjects with their original
/// ids, and deletes the DLQ copies of those stored again unless `keep`.
pub async fn replay(bus: &Bus, selection: &Selection, keep: bool) -> Result<ReplayReport> {
    let mut report = ReplayReport::default();
    match selection {
        Selection::All { consumer } => {
            // Bounded by the stream's end at the start: events dead-lettered again while this
            // runs are not replayed again.
            let mut scan = Scan::start(bus, consumer.as_deref()).await?;
            let mut replayer = Replayer::new(bus, scan.stream.clone(), keep);
            while let Some(message) = scan.next().await? {
                report.attempts.push(replayer.replay(message, None).await);
            }
        }
        Selection::Sequences {
            sequences,
            consumer,
        } => {
            if let Some(consumer) = consumer {
                validate_consumer(consumer)?;
            }
            let stream = dead_letter_stream(bus).await?;
            let mut replayer = Replayer::new(bus, stream.clone(), keep);
            let mut seen = Vec::with_capacity(sequences.len());
            for &sequence in sequences {
                if seen.contains(&sequence) {
                    continue;
                }
                seen.push(sequence);
                let attempt = match stream.get_raw_message(sequence).await {
                    Ok(message) => replayer.replay(message, consumer.as_deref()).await,
                    Err(error) => Attempt {
                        sequence,
                        dead_letter: None,
                        outcome: Outcome::Failed(
                            if error.kind() == RawMessageErrorKind::NoMessageFound {
                                "no dead-lettered event at this sequence (replayed or expired)"
                                    .to_owned()
                            } else {
                                format!("reading it: {error}")
                            },
                        ),
                    },
                };
                report.attempts.push(attempt);
            }
        }
    }
    Ok(report)
}

/// Margin for a clock on this machine ahead of the NATS server's when ageing DLQ copies.
const CLOCK_SKEW: Duration = Duration::from_secs(2);

struct Replayer<'a> {
    bus: &'a Bus,
    dlq: Stream,
    keep: bool,
    /// Original subject and event id republished in this run → stream, sequence, DLQ sequence.
    republished: HashMap<(String, String), (String, u64, u64)>,
    /// Events whose republish the original stream dropped as a duplicate in this run → stream:
    /// their other copies are held too, so one event gets one decision per run (a later copy
    /// published just past the window would otherwise republish it while the first stays).
    held: HashMap<(String, String), String>,
}

impl<'a> Replayer<'a> {
    fn new(bus: &'a Bus, dlq: Stream, keep: bool) -> Self {
        Self {
            bus,
            dlq,
            keep,
            republished: HashMap::new(),
            held: HashMap::new(),
        }
    }

    async fn replay(&mut self, message: StreamMessage, consumer: Option<&str>) -> Attempt {
        let dead_letter = DeadLetter::read(&message, &|s| self.bus.unprefixed(s).to_owned());
        let outcome = self.outcome(&message, &dead_letter, consumer).await;
        Attempt {
            sequence: message.sequence,
            dead_letter: Some(dead_letter),
            outcome,
        }
    }

    async fn outcome(
        &mut self,
        message: &StreamMessage,
        dead_letter: &DeadLetter,
        consumer: Option<&str>,
    ) -> Outcome {
        if let Some(wanted) = consumer
            && dead_letter.consumer != wanted
        {
            return Outcome::Failed(format!(
                "dead-lettered by {:?}, not {wanted}",
                dead_letter.consumer
            ));
        }
        let republish = match Republish::of(&message.headers) {
            Ok(republish) => republish,
            Err(reason) => return Outcome::Failed(reason),
        };
        let unprefixed = self.bus.unprefixed(&republish.subject);
        if self.bus.subject(unprefixed) != republish.subject {
            return Outcome::Failed(format!(
                "original subject {} is outside this deployment's prefix",
                republish.subject
            ));
        }
        if unprefixed.starts_with(&subjects::dead_letter("")) {
            return Outcome::Failed(format!(
                "original subject {} is a dead-letter subject",
                republish.subject
            ));
        }
        // The DLQ stream remembers this copy's id for its duplicate window even once deleted: a
        // consumer failing again on the replayed event would dead-letter it under that id, be
        // dropped as a duplicate, and the event would be lost. A kept copy loses nothing.
        let window = self.dlq.cached_info().config.duplicate_window;
        if !self.keep && younger_than(dead_letter.stored_at, window + CLOCK_SKEW, Utc::now()) {
            return Outcome::InsideDuplicateWindow {
                stream: self.dlq.cached_info().config.name.clone(),
            };
        }
        let key = (republish.subject.clone(), republish.event_id.clone());
        if let Some((stream, sequence, with)) = self.republished.get(&key).cloned() {
            return Outcome::Replayed {
                stream,
                sequence,
                with: Some(with),
                copy: self.settle_copy(message.sequence).await,
            };
        }
        if let Some(stream) = self.held.get(&key) {
            return Outcome::InsideDuplicateWindow {
                stream: stream.clone(),
            };
        }
        let ack = match self
            .bus
            .jetstream()
            .publish_with_headers(
                republish.subject.clone(),
                republish.headers,
                message.payload.clone(),
            )
            .await
        {
            Ok(ack) => ack.await,
            Err(error) => return Outcome::Failed(format!("publishing: {error}")),
        };
        let ack = match ack {
            Ok(ack) => ack,
            Err(error) => return Outcome::Failed(format!("publishing: {error}")),
        };
        if ack.duplicate {
            self.held.insert(key, ack.stream.clone());
            return Outcome::InsideDuplicateWindow { stream: ack.stream };
        }
        self.republished
            .insert(key, (ack.stream.clone(), ack.sequence, message.sequence));
        Outcome::Replayed {
            stream: ack.stream,
            sequence: ack.sequence,
            with: None,
            copy: self.settle_copy(message.sequence).await,
        }
    }

    async fn settle_copy(&self, sequence: u64) -> DlqCopy {
        if self.keep {
            return DlqCopy::Kept;
        }
        match self.dlq.delete_message(sequence).await {
            Ok(true) => DlqCopy::Deleted,
            Ok(false) => DlqCopy::NotDeleted("the server did not delete it".to_owned()),
            Err(error) => DlqCopy::NotDeleted(error.to_string()),
        }
    }
}

fn younger_than(stored_at: DateTime<Utc>, window: Duration, now: DateTime<Utc>) -> bool {
    let window = chrono::TimeDelta::from_std(window).unwrap_or(chrono::TimeDelta::MAX);
    now.signed_duration_since(stored_at) < window
}

/// A dead-letter copy made ready to go back where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Republish {
    /// The original subject, with the deployment prefix.
    subject: String,
    event_id: String,
    headers: HeaderMap,
}

impl Republish {
    fn of(headers: &HeaderMap) -> Result<Self, String> {
        let header = |name: &str| {
            headers
                .get(name)
                .map(|v| v.as_str().trim())
                .filter(|v| !v.is_empty())
        };
        let subject = header(HEADER_DLQ_SUBJECT).ok_or_else(|| {
            format!("no {HEADER_DLQ_SUBJECT} header: its original subject is unknown, refusing to replay")
        })?;
        let consumer = header(HEADER_DLQ_CONSUMER).unwrap_or_default();
        let dlq_id = header(HEADER_MSG_ID).unwrap_or_default();
        let event_id = original_event_id(dlq_id, consumer).ok_or_else(|| {
            format!(
                "{HEADER_MSG_ID} {dlq_id:?} is not dlq:<consumer>:<event id>, refusing to replay"
            )
        })?;
        Ok(Self {
            subject: subject.to_owned(),
            event_id: event_id.to_owned(),
            headers: replay_headers(headers, event_id),
        })
    }
}

/// The producer's event id in a dead-letter copy's `Nats-Msg-Id` (`dlq:<consumer>:<event id>`).
fn original_event_id<'a>(dlq_id: &'a str, consumer: &str) -> Option<&'a str> {
    let rest = dlq_id.strip_prefix("dlq:")?;
    let id = if consumer.is_empty() {
        rest.split_once(':')?.1
    } else {
        rest.strip_prefix(consumer)?.strip_prefix(':')?
    };
    (!id.is_empty()).then_some(id)
}

/// The original headers (event type, content type, trace context) under the original id: the
/// `Gatehouse-Dlq-*` headers and any other `Nats-*` header go.
fn replay_headers(headers: &HeaderMap, event_id: &str) -> HeaderMap {
    let mut replayed = HeaderMap::new();
    for (name, values) in headers.iter() {
        let lower = name.to_string().to_ascii_lowercase();
        if lower.starts_with("gatehouse-dlq-") || lower.starts_with("nats-") {
            continue;
        }
        for value in values {
            replayed.append(name.clone(), value.clone());
        }
    }
    replayed.insert(HEADER_MSG_ID, event_id);
    replayed
}

/// The first line of `text`, at most `max` characters.
fn one_line(text: &str, max: usize) -> String {
    let first = text.lines().next().unwrap_or_default().trim_end();
    let cut = first.chars().count() > max || text.trim_end().contains('\n');
    let mut line: String = first.chars().take(max).collect();
    if cut {
        line.push('…');
    }
    line
}

/// Durable names become subject tokens here: no separators or wildcards.
fn validate_consumer(consumer: &str) -> Result<()> {
    if consumer.is_empty()
        || consumer
            .chars()
            .any(|c| c == '.' || c == '*' || c == '>' || c.is_whitespace())
    {
        bail!("--consumer {consumer:?} is not a durable consumer name");
    }
    Ok(())
}

async fn dead_letter_stream(bus: &Bus) -> Result<Stream> {
    let name = bus.stream_name(StreamKind::DeadLetter);
    bus.jetstream().get_stream(&name).await.with_context(|| {
        format!("opening the dead-letter stream {name} (has a service run with this --prefix?)")
    })
}

/// Walks the dead-letter stream in sequence order by raw gets, up to its last sequence when the
/// walk started: nothing is consumed, acknowledged or created.
struct Scan {
    stream: Stream,
    name: String,
    filter: String,
    next: u64,
    last: u64,
    /// Messages matching the filter when the walk started.
    matching: u64,
}

impl Scan {
    async fn start(bus: &Bus, consumer: Option<&str>) -> Result<Self> {
        let filter = match consumer {
            Some(consumer) => {
                validate_consumer(consumer)?;
                bus.subject(&subjects::dead_letter(consumer))
            }
            None => bus.subject(&subjects::dead_letter(">")),
        };
        let stream = dead_letter_stream(bus).await?;
        let name = stream.cached_info().config.name.clone();
        let info = stream
            .info_with_subjects(&filter)
            .await
            .with_context(|| format!("reading the state of {name}"))?;
        let (first, last) = (
            info.info.state.first_sequence,
            info.info.state.last_sequence,
        );
        let matching = info
            .try_fold(
                0u64,
                |total, (_, count)| async move { Ok(total + count as u64) },
            )
            .await
            .with_context(|| format!("counting the events of {name}"))?;
        Ok(Self {
            stream,
            name,
            filter,
            next: first.max(1),
            last,
            matching,
        })
    }

    async fn next(&mut self) -> Result<Option<StreamMessage>> {
        if self.next > self.last {
            return Ok(None);
        }
        match self
            .stream
            .get_first_raw_message_by_subject(&self.filter, self.next)
            .await
        {
            Ok(message) if message.sequence <= self.last => {
                self.next = message.sequence + 1;
                Ok(Some(message))
            }
            Ok(_) => {
                self.next = self.last + 1;
                Ok(None)
            }
            Err(error) if error.kind() == RawMessageErrorKind::NoMessageFound => {
                self.next = self.last + 1;
                Ok(None)
            }
            Err(error) => {
                Err(error).with_context(|| format!("reading {} from {}", self.filter, self.name))
            }
        }
    }
}

/// The platform's NATS settings (credentials from GATEHOUSE_NATS_CREDS as the services read
/// them), with the URL, user and prefix of the command line.
fn nats_config(args: &BusArgs) -> Result<NatsConfig> {
    let lookup = |key: &str| match key {
        "GATEHOUSE_NATS_URL" => Some(args.connection.nats_url.clone()),
        "GATEHOUSE_NATS_USER" => args.connection.nats_user.clone(),
        "GATEHOUSE_NATS_PASSWORD" => args.connection.nats_password.clone(),
        "GATEHOUSE_BUS_PREFIX" => Some(args.prefix.clone()),
        "GATEHOUSE_NATS_CREDS" => std::env::var(key).ok(),
        // Only the bus matters: a service setting elsewhere in the environment must not stop this.
        _ => None,
    };
    // Any service: they all read NATS the same way.
    Ok(ServiceConfig::from_lookup(ServiceKind::RiskTargeting, lookup)?.nats)
}

pub async fn connect(args: &BusArgs) -> Result<Bus> {
    let config = nats_config(args)?;
    Bus::connect(&config, "gatehouse-cli")
        .await
        .with_context(|| format!("connecting to {}", config.url))
}

pub async fn run(command: &DlqCommand) -> Result<()> {
    match command {
        DlqCommand::List(args) => {
            let bus = connect(&args.bus).await?;
            let listing = list(&bus, args.consumer.as_deref(), args.limit).await?;
            if args.json {
                println!("{}", serde_json::to_string_pretty(&listing)?);
            } else {
                println!("{}", format_listing(&listing));
            }
            Ok(())
        }
        DlqCommand::Replay(args) => {
            let bus = connect(&args.bus).await?;
            let report = replay(&bus, &args.selection(), args.keep).await?;
            println!("{}", format_report(&report));
            let problems: Vec<String> = [
                (report.failed(), "events not replayed"),
                (
                    report.copies_left(),
                    "replayed events whose DLQ copy was not deleted",
                ),
            ]
            .into_iter()
            .filter(|(count, _)| *count > 0)
            .map(|(count, what)| format!("{count} {what}"))
            .collect();
            if !problems.is_empty() {
                bail!("{}", problems.join(", "));
            }
            Ok(())
        }
    }
}

fn or_unknown(value: Option<&str>) -> &str {
    value.unwrap_or("?")
}

fn describe(dead_letter: &DeadLetter) -> String {
    format!(
        "{} · {} · {} · {}",
        dead_letter.consumer,
        or_unknown(dead_letter.subject.as_deref()),
        or_unknown(dead_letter.event_type.as_deref()),
        or_unknown(dead_letter.event_id.as_deref()),
    )
}

/// One line per event (aligned columns), then the count.
pub fn format_listing(listing: &Listing) -> String {
    let columns = |event: &DeadLetter| {
        [
            event.consumer.clone(),
            or_unknown(event.subject.as_deref()).to_owned(),
            or_unknown(event.event_type.as_deref()).to_owned(),
            or_unknown(event.event_id.as_deref()).to_owned(),
        ]
    };
    let rows: Vec<_> = listing.events.iter().map(|e| (e, columns(e))).collect();
    let mut widths = [0; 4];
    for (_, cells) in &rows {
        for (width, cell) in widths.iter_mut().zip(cells) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for (event, cells) in &rows {
        let _ = write!(
            out,
            "{:>8}  {}",
            event.sequence,
            event.stored_at.format("%Y-%m-%d %H:%M:%SZ")
        );
        for (cell, width) in cells.iter().zip(widths) {
            let _ = write!(out, "  {cell:<width$}");
        }
        let _ = writeln!(out, "  {}", event.error);
    }
    let noun = |n: u64| if n == 1 { "event" } else { "events" };
    if listing.truncated {
        let _ = write!(
            out,
            "showing the first {} of {} dead-lettered {} in {} (raise --limit for more)",
            listing.events.len(),
            listing.total,
            noun(listing.total),
            listing.stream
        );
    } else {
        let _ = write!(
            out,
            "{} dead-lettered {} in {}",
            listing.total,
            noun(listing.total),
            listing.stream
        );
    }
    out
}

/// One line per event with what happened to it, then the summary.
pub fn format_report(report: &ReplayReport) -> String {
    let mut out = String::new();
    for attempt in &report.attempts {
        let what = match &attempt.outcome {
            Outcome::Replayed {
                stream,
                sequence,
                with,
                copy,
            } => {
                let mut line = format!("replayed to {stream} at sequence {sequence}");
                if let Some(with) = with {
                    let _ = write!(line, " (with DLQ sequence {with}: same event)");
                }
                match copy {
                    DlqCopy::Deleted => line.push_str(", DLQ copy deleted"),
                    DlqCopy::Kept => line.push_str(", DLQ copy kept"),
                    DlqCopy::NotDeleted(error) => {
                        let _ = write!(line, ", but deleting the DLQ copy failed: {error}");
                    }
                }
                line
            }
            Outcome::InsideDuplicateWindow { stream } => format!(
                "not replayed: inside the {stream} stream's duplicate window, retry in a few minutes"
            ),
            Outcome::Failed(reason) => format!("failed: {reason}"),
        };
        let who = attempt
            .dead_letter
            .as_ref()
            .map_or_else(String::new, |d| format!(" · {}", describe(d)));
        let _ = writeln!(out, "{:>8}{who} · {what}", attempt.sequence);
    }
    if report.attempts.is_empty() {
        out.push_str("nothing to replay");
    } else {
        let _ = write!(
            out,
            "replayed {}, skipped as duplicate {}, failed {}",
            report.replayed(),
            report.inside_duplicate_window(),
            report.failed()
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::{Cli, Command};

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.insert(*name, *value);
        }
        headers
    }

    /// A dead-letter copy as `consumer.rs` writes it.
    fn dead_letter_headers() -> HeaderMap {
        headers(&[
            (
                HEADER_MSG_ID,
                "dlq:risk-targeting-api:0194d7a2-7c1e-7000-8000-1",
            ),
            (HEADER_EVENT, "gatehouse.v1.ApiReportAccepted"),
            ("Content-Type", "application/protobuf"),
            (
                "traceparent",
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            ),
            (
                HEADER_DLQ_ERROR,
                "undecodable gatehouse.v1.ApiReportAccepted: buffer underflow",
            ),
            (HEADER_DLQ_SUBJECT, "t1.gatehouse.passenger.api.accepted"),
            (HEADER_DLQ_CONSUMER, "risk-targeting-api"),
        ])
    }

    #[test]
    fn the_original_id_is_the_dead_letter_id_without_its_consumer() {
        for (dlq_id, consumer, expected) in [
            (
                "dlq:risk-targeting-api:0194-a",
                "risk-targeting-api",
                Some("0194-a"),
            ),
            // Without an id from its producer an event is named by its stream position.
            (
                "dlq:reporting-api-accepted:INTAKE:42",
                "reporting-api-accepted",
                Some("INTAKE:42"),
            ),
            ("dlq:risk-targeting-api:0194-a", "", Some("0194-a")),
            (
                "dlq:risk-targeting-api:0194-a",
                "reporting-api-accepted",
                None,
            ),
            ("0194-a", "risk-targeting-api", None),
            ("dlq:risk-targeting-api:", "risk-targeting-api", None),
            ("", "", None),
        ] {
            assert_eq!(
                original_event_id(dlq_id, consumer),
                expected,
                "{dlq_id:?} {consumer:?}"
            );
        }
    }

    #[test]
    fn a_replay_keeps_the_original_headers_under_the_original_id() {
        let mut dead = dead_letter_headers();
        dead.insert("Nats-Expected-Stream", "t1_INTAKE");
        let republish = Republish::of(&dead).unwrap();
        assert_eq!(republish.subject, "t1.gatehouse.passenger.api.accepted");
        assert_eq!(republish.event_id, "0194d7a2-7c1e-7000-8000-1");
        let kept: HashMap<String, String> = republish
            .headers
            .iter()
            .map(|(k, v)| (k.to_string(), v[0].to_string()))
            .collect();
        assert_eq!(
            kept,
            HashMap::from(
                [
                    (HEADER_MSG_ID, "0194d7a2-7c1e-7000-8000-1"),
                    (HEADER_EVENT, "gatehouse.v1.ApiReportAccepted"),
                    ("Content-Type", "application/protobuf"),
                    (
                        "traceparent",
                        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
                    ),
                ]
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
            )
        );
    }

    #[test]
    fn a_copy_that_does_not_say_where_it_came_from_is_refused() {
        let mut dead = dead_letter_headers();
        dead.insert(HEADER_DLQ_SUBJECT, "");
        let error = Republish::of(&dead).unwrap_err();
        assert!(error.contains(HEADER_DLQ_SUBJECT), "{error}");

        let error = Republish::of(&headers(&[(HEADER_MSG_ID, "dlq:c:e")])).unwrap_err();
        assert!(error.contains(HEADER_DLQ_SUBJECT), "{error}");

        let mut dead = dead_letter_headers();
        dead.insert(HEADER_MSG_ID, "0194d7a2");
        let error = Republish::of(&dead).unwrap_err();
        assert!(error.contains("dlq:<consumer>:<event id>"), "{error}");
    }

    fn stored(payload: &[u8]) -> StreamMessage {
        StreamMessage {
            subject: "t1.gatehouse.dlq.risk-targeting-api".into(),
            sequence: 7,
            headers: dead_letter_headers(),
            payload: payload.to_vec().into(),
            time: async_nats::datetime::from_nanos(1_767_225_600_000_000_000).unwrap(),
        }
    }

    fn unprefix(subject: &str) -> String {
        subject.strip_prefix("t1.").unwrap_or(subject).to_owned()
    }

    #[test]
    fn a_listed_event_says_who_gave_up_on_what_and_why_without_its_payload() {
        let event = DeadLetter::read(&stored(b"\xff\xffPASSPORT X9140572"), &unprefix);
        assert_eq!(
            event,
            DeadLetter {
                sequence: 7,
                stored_at: "2026-01-01T00:00:00Z".parse().unwrap(),
                consumer: "risk-targeting-api".into(),
                subject: Some("gatehouse.passenger.api.accepted".into()),
                event_type: Some("gatehouse.v1.ApiReportAccepted".into()),
                event_id: Some("0194d7a2-7c1e-7000-8000-1".into()),
                error: "undecodable gatehouse.v1.ApiReportAccepted: buffer underflow".into(),
                payload_bytes: 19,
            }
        );
        let listing = Listing {
            stream: "T1_DLQ".into(),
            events: vec![event],
            total: 3,
            truncated: true,
        };
        let text = format_listing(&listing);
        let json = serde_json::to_string(&listing).unwrap();
        for rendered in [&text, &json] {
            assert!(!rendered.contains("X9140572"), "{rendered}");
            assert!(rendered.contains("0194d7a2-7c1e-7000-8000-1"), "{rendered}");
        }
        assert!(
            text.contains("risk-targeting-api  gatehouse.passenger.api.accepted  "),
            "{text}"
        );
        assert!(
            text.ends_with(
                "showing the first 1 of 3 dead-lettered events in T1_DLQ (raise --limit for more)"
            ),
            "{text}"
        );
    }

    #[test]
    fn a_copy_without_its_consumer_header_is_named_by_its_subject() {
        let mut message = stored(b"");
        message.headers = headers(&[(HEADER_MSG_ID, "dlq:reporting-api-accepted:e-1")]);
        message.subject = "t1.gatehouse.dlq.reporting-api-accepted".into();
        let event = DeadLetter::read(&message, &unprefix);
        assert_eq!(event.consumer, "reporting-api-accepted");
        assert_eq!(event.event_id.as_deref(), Some("e-1"));
        assert_eq!(event.subject, None);
        assert!(
            format_listing(&Listing {
                stream: "T1_DLQ".into(),
                events: vec![event],
                total: 1,
                truncated: false,
            })
            .ends_with("\n1 dead-lettered event in T1_DLQ")
        );
    }

    #[test]
    fn errors_are_cut_to_one_line() {
        assert_eq!(one_line("short", 10), "short");
        assert_eq!(one_line("first\nsecond", 10), "first…");
        assert_eq!(one_line("ééééé", 3), "ééé…");
        assert_eq!(one_line("", 3), "");
    }

    #[test]
    fn copies_inside_the_window_are_young() {
        let now: DateTime<Utc> = "2026-01-01T00:02:00Z".parse().unwrap();
        let window = Duration::from_secs(120);
        assert!(younger_than(
            "2026-01-01T00:00:01Z".parse().unwrap(),
            window,
            now
        ));
        assert!(!younger_than(
            "2026-01-01T00:00:00Z".parse().unwrap(),
            window,
            now
        ));
    }

    #[test]
    fn consumer_names_cannot_widen_the_filter() {
        assert!(validate_consumer("risk-targeting-api").is_ok());
        for bad in ["", ">", "risk.*", "a b"] {
            assert!(validate_consumer(bad).is_err(), "{bad:?}");
        }
    }

    fn parse(args: &[&str]) -> Result<Command, clap::Error> {
        Cli::try_parse_from(["gatehouse", "dlq"].iter().chain(args)).map(|cli| cli.command)
    }

    #[test]
    fn list_takes_a_consumer_a_limit_and_json() {
        let Command::Dlq {
            command: DlqCommand::List(args),
        } = parse(&["list"]).unwrap()
        else {
            panic!("not dlq list");
        };
        assert_eq!((args.limit, args.json, args.consumer), (100, false, None));
        if std::env::var_os("GATEHOUSE_NATS_URL").is_none() {
            assert_eq!(args.bus.connection.nats_url, "nats://127.0.0.1:4222");
        }
        if std::env::var_os("GATEHOUSE_BUS_PREFIX").is_none() {
            assert_eq!(args.bus.prefix, "");
        }

        let Command::Dlq {
            command: DlqCommand::List(args),
        } = parse(&[
            "list",
            "--consumer",
            "risk-targeting-api",
            "--limit",
            "5",
            "--json",
            "--prefix",
            "tenant_a",
            "--nats-url",
            "nats://nats:4222",
        ])
        .unwrap()
        else {
            panic!("not dlq list");
        };
        assert_eq!(args.consumer.as_deref(), Some("risk-targeting-api"));
        assert_eq!((args.limit, args.json), (5, true));
        assert_eq!(args.bus.prefix, "tenant_a");
        let config = nats_config(&args.bus).unwrap();
        assert_eq!(
            (config.url.as_str(), config.prefix.as_str()),
            ("nats://nats:4222", "tenant_a")
        );
    }

    #[test]
    fn replay_takes_all_or_sequences() {
        let replay = |args: &[&str]| match parse(args) {
            Ok(Command::Dlq {
                command: DlqCommand::Replay(args),
            }) => Ok(args),
            Ok(other) => panic!("not dlq replay: {other:?}"),
            Err(error) => Err(error),
        };
        let args = replay(&["replay", "--all", "--consumer", "reporting-api-accepted"]).unwrap();
        assert_eq!(
            args.selection(),
            Selection::All {
                consumer: Some("reporting-api-accepted".into())
            }
        );
        assert!(!args.keep);

        let args = replay(&["replay", "--sequence", "3", "--sequence", "9,12", "--keep"]).unwrap();
        assert_eq!(
            args.selection(),
            Selection::Sequences {
                sequences: vec![3, 9, 12],
                consumer: None
            }
        );
        assert!(args.keep);

        // Nothing chosen, both chosen, or not a sequence.
        assert!(replay(&["replay"]).is_err());
        assert!(replay(&["replay", "--all", "--sequence", "3"]).is_err());
        assert!(replay(&["replay", "--sequence", "x"]).is_err());
    }

    #[test]
    fn an_invalid_prefix_is_refused_as_the_services_refuse_it() {
        let Command::Dlq {
            command: DlqCommand::List(args),
        } = parse(&["list", "--prefix", "a.b"]).unwrap()
        else {
            panic!("not dlq list");
        };
        let error = nats_config(&args.bus).unwrap_err();
        assert!(
            error.to_string().starts_with("GATEHOUSE_BUS_PREFIX"),
            "{error}"
        );
    }

    #[test]
    fn the_report_says_what_happened_to_each_event() {
        let dead_letter = DeadLetter::read(&stored(b"x"), &unprefix);
        let attempt = |sequence, outcome| Attempt {
            sequence,
            dead_letter: Some(dead_letter.clone()),
            outcome,
        };
        let report = ReplayReport {
            attempts: vec![
                attempt(
                    7,
                    Outcome::Replayed {
                        stream: "T1_INTAKE".into(),
                        sequence: 40,
                        with: None,
                        copy: DlqCopy::Deleted,
                    },
                ),
                attempt(
                    8,
                    Outcome::InsideDuplicateWindow {
                        stream: "T1_INTAKE".into(),
                    },
                ),
                Attempt {
                    sequence: 9,
                    dead_letter: None,
                    outcome: Outcome::Failed("no dead-lettered event at this sequence".into()),
                },
            ],
        };
        let text = format_report(&report);
        for expected in [
            "7 · risk-targeting-api · gatehouse.passenger.api.accepted · gatehouse.v1.ApiReportAccepted · 0194d7a2-7c1e-7000-8000-1 · replayed to T1_INTAKE at sequence 40, DLQ copy deleted",
            "8 · risk-targeting-api",
            "not replayed: inside the T1_INTAKE stream's duplicate window, retry in a few minutes",
            "9 · failed: no dead-lettered event at this sequence",
            "replayed 1, skipped as duplicate 1, failed 1",
        ] {
            assert!(text.contains(expected), "{expected:?} missing in:\n{text}");
        }
        assert_eq!(format_report(&ReplayReport::default()), "nothing to replay");
    }
}
