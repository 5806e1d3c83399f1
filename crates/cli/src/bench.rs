//! `gatehouse bench`: the raw ceilings the platform is compared with, measured on this machine in
//! the same run as the load: JetStream publish + durable pull consume, and Postgres multi-row
//! inserts. Each uses a scratch stream or database and removes it afterwards.

use std::{
    collections::VecDeque,
    path::PathBuf,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use anyhow::{Context, Result, bail};
use async_nats::jetstream::{self, consumer, stream};
use bytes::Bytes;
use futures::{StreamExt, TryStreamExt};
use serde::Serialize;
use sqlx::postgres::PgPoolOptions;

#[derive(Debug, Clone, clap::Subcommand)]
pub enum BenchCommand {
    /// JetStream async publish with pipelined acks and a durable pull consumer, concurrently.
    Nats(NatsArgs),
    /// Multi-row INSERT … SELECT * FROM UNNEST(...) of traveller-shaped rows.
    Postgres(PostgresArgs),
    /// The bench-e2e summary: our rates from `gatehouse load --json` reports as a ratio of
    /// the ceilings from `gatehouse bench nats|postgres --json`.
    Summary(SummaryArgs),
    /// Deletes the JetStream streams of a bus prefix (a benchmark stack's, once stopped).
    DropStreams(DropStreamsArgs),
}

#[derive(Debug, Clone, clap::Args)]
pub struct NatsConnection {
    /// NATS server.
    #[arg(
        long,
        env = "GATEHOUSE_NATS_URL",
        default_value = "nats://127.0.0.1:4222"
    )]
    pub nats_url: String,
    /// NATS user (with GATEHOUSE_NATS_PASSWORD).
    #[arg(long, env = "GATEHOUSE_NATS_USER")]
    pub nats_user: Option<String>,
    #[arg(long, env = "GATEHOUSE_NATS_PASSWORD", hide_env_values = true)]
    pub nats_password: Option<String>,
}

#[derive(Debug, Clone, clap::Args)]
pub struct NatsArgs {
    #[command(flatten)]
    pub connection: NatsConnection,
    /// Messages to publish (and consume).
    #[arg(long, default_value_t = 200_000)]
    pub messages: usize,
    /// Payload size in bytes.
    #[arg(long, default_value_t = 1024)]
    pub size: usize,
    /// Publish acknowledgements awaited at most this far behind.
    #[arg(long, default_value_t = 256)]
    pub in_flight: usize,
    /// Messages per pull request of the consumer.
    #[arg(long, default_value_t = 500)]
    pub batch: usize,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, clap::Args)]
pub struct PostgresArgs {
    /// Server to run on; a scratch database is created next to the one named here.
    #[arg(
        long,
        env = "GATEHOUSE_DATABASE_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/gatehouse",
        hide_env_values = true
    )]
    pub database_url: String,
    /// Rows to insert.
    #[arg(long, default_value_t = 500_000)]
    pub rows: usize,
    /// Rows per INSERT.
    #[arg(long, default_value_t = 1_000)]
    pub batch: usize,
    /// Connections inserting concurrently.
    #[arg(long, default_value_t = 2)]
    pub connections: usize,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, clap::Args)]
pub struct SummaryArgs {
    /// Load report (JSON) of the single-traveller closed-loop run.
    #[arg(long)]
    pub single: Option<PathBuf>,
    /// Load report (JSON) of the flight-sized closed-loop run.
    #[arg(long)]
    pub flight: Option<PathBuf>,
    /// Load report (JSON) of the open-loop run.
    #[arg(long)]
    pub open: Option<PathBuf>,
    /// `gatehouse bench nats --json` result.
    #[arg(long)]
    pub nats: Option<PathBuf>,
    /// `gatehouse bench postgres --json` result.
    #[arg(long)]
    pub postgres: Option<PathBuf>,
}

#[derive(Debug, Clone, clap::Args)]
pub struct DropStreamsArgs {
    #[command(flatten)]
    pub connection: NatsConnection,
    /// The GATEHOUSE_BUS_PREFIX of the deployment whose streams go.
    #[arg(long)]
    pub prefix: String,
}

pub async fn run(command: &BenchCommand) -> Result<()> {
    match command {
        BenchCommand::Nats(args) => {
            let result = nats(args).await?;
            print(&result, args.json, || {
                format!(
                    "jetstream: {} × {} B · publish {:.0} msgs/s · publish + consume {:.0} msgs/s ({:.2} s, {} in flight, batch {})",
                    result.messages,
                    result.size,
                    result.publish_per_second,
                    result.per_second,
                    result.seconds,
                    result.in_flight,
                    result.batch
                )
            })
        }
        BenchCommand::Postgres(args) => {
            let result = postgres(args).await?;
            print(&result, args.json, || {
                format!(
                    "postgres: {} rows in batches of {} on {} connections · {:.0} rows/s ({:.2} s, server {})",
                    result.rows,
                    result.batch,
                    result.connections,
                    result.per_second,
                    result.seconds,
                    result.server_version
                )
            })
        }
        BenchCommand::Summary(args) => {
            println!("{}", summary(args)?);
            Ok(())
        }
        BenchCommand::DropStreams(args) => {
            let dropped = drop_streams(&args.connection, &args.prefix).await?;
            println!("deleted {dropped} streams of prefix {}", args.prefix);
            Ok(())
        }
    }
}

fn print<T: Serialize>(result: &T, json: bool, text: impl FnOnce() -> String) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(result)?);
    } else {
        println!("{}", text());
    }
    Ok(())
}

async fn connect_nats(connection: &NatsConnection) -> Result<async_nats::Client> {
    let mut options = async_nats::ConnectOptions::new();
    if let (Some(user), Some(password)) = (&connection.nats_user, &connection.nats_password) {
        options = options.user_and_password(user.clone(), password.clone());
    }
    options
        .connect(connection.nats_url.as_str())
        .await
        .with_context(|| format!("connecting to {}", connection.nats_url))
}

/// The JetStream ceiling.
#[derive(Debug, Clone, Serialize)]
pub struct NatsResult {
    pub messages: usize,
    pub size: usize,
    pub in_flight: usize,
    pub batch: usize,
    /// Publishing alone: until the last publish acknowledgement.
    pub publish_seconds: f64,
    pub publish_per_second: f64,
    /// Until the consumer had acknowledged the last message.
    pub seconds: f64,
    pub per_second: f64,
    pub server_version: String,
}

pub async fn nats(args: &NatsArgs) -> Result<NatsResult> {
    if args.messages == 0 || args.in_flight == 0 || args.batch == 0 {
        bail!("--messages, --in-flight and --batch must be positive");
    }
    let client = connect_nats(&args.connection).await?;
    let server_version = client.server_info().version;
    let js = jetstream::new(client.clone());
    let id = uuid::Uuid::now_v7().simple().to_string();
    let suffix = &id[id.len() - 12..];
    let name = format!("GHBENCH_{suffix}");
    let subject = format!("ghbench.{suffix}");
    js.create_stream(stream::Config {
        name: name.clone(),
        subjects: vec![subject.clone()],
        storage: stream::StorageType::File,
        ..Default::default()
    })
    .await
    .context("creating the scratch stream")?;
    let result = nats_run(&js, &name, &subject, args).await;
    // The scratch stream goes whatever happened.
    if let Err(error) = js.delete_stream(&name).await {
        eprintln!("warning: deleting stream {name}: {error}");
    }
    let mut result = result?;
    result.server_version = server_version;
    Ok(result)
}

async fn nats_run(
    js: &jetstream::Context,
    name: &str,
    subject: &str,
    args: &NatsArgs,
) -> Result<NatsResult> {
    let stream = js.get_stream(name).await?;
    let consumer: consumer::PullConsumer = stream
        .create_consumer(consumer::pull::Config {
            durable_name: Some("bench".to_owned()),
            ack_policy: consumer::AckPolicy::Explicit,
            ..Default::default()
        })
        .await
        .context("creating the durable consumer")?;
    let total = args.messages;
    let batch = args.batch;
    let start = Instant::now();
    let consuming = tokio::spawn(async move {
        let mut messages = consumer
            .stream()
            .max_messages_per_batch(batch)
            .messages()
            .await?;
        let mut received = 0usize;
        while received < total {
            let Some(message) = messages.next().await else {
                bail!("consumer stream ended after {received} messages");
            };
            message
                .map_err(|e| anyhow::anyhow!("consuming: {e}"))?
                .ack()
                .await
                .map_err(|e| anyhow::anyhow!("acking: {e}"))?;
            received += 1;
        }
        Ok::<_, anyhow::Error>(start.elapsed())
    });

    let payload = Bytes::from(vec![b'x'; args.size]);
    let mut acks = VecDeque::with_capacity(args.in_flight);
    for _ in 0..total {
        if acks.len() >= args.in_flight
            && let Some(ack) = acks.pop_front()
        {
            let ack: jetstream::context::PublishAckFuture = ack;
            ack.await.context("publish acknowledgement")?;
        }
        acks.push_back(
            js.publish(subject.to_owned(), payload.clone())
                .await
                .context("publishing")?,
        );
    }
    for ack in acks {
        ack.await.context("publish acknowledgement")?;
    }
    let published = start.elapsed();
    let consumed = tokio::time::timeout(Duration::from_secs(300), consuming)
        .await
        .context("the consumer did not finish within 300 s")???;
    let rate = |elapsed: Duration| total as f64 / elapsed.as_secs_f64().max(f64::EPSILON);
    Ok(NatsResult {
        messages: total,
        size: args.size,
        in_flight: args.in_flight,
        batch,
        publish_seconds: published.as_secs_f64(),
        publish_per_second: rate(published),
        seconds: consumed.as_secs_f64(),
        per_second: rate(consumed),
        server_version: String::new(),
    })
}

/// The Postgres ceiling.
#[derive(Debug, Clone, Serialize)]
pub struct PostgresResult {
    pub rows: usize,
    pub batch: usize,
    pub connections: usize,
    pub seconds: f64,
    pub per_second: f64,
    pub server_version: String,
}

/// Columns of one batch of traveller-shaped rows, as UNNEST binds them.
struct TravellerColumns {
    ids: Vec<uuid::Uuid>,
    reports: Vec<uuid::Uuid>,
    positions: Vec<i32>,
    surnames: Vec<String>,
    given_names: Vec<String>,
    births: Vec<chrono::NaiveDate>,
    nationalities: Vec<String>,
    numbers: Vec<String>,
    issuers: Vec<String>,
    expiries: Vec<chrono::NaiveDate>,
    seats: Vec<String>,
}

fn columns(batch: usize, first: usize) -> TravellerColumns {
    const SURNAMES: [&str; 6] = [
        "HADŽIĆ",
        "Петровић",
        "YILMAZ",
        "Παππάς",
        "AL-HASSAN",
        "KRASNIQI",
    ];
    const GIVEN: [&str; 6] = ["AMINA", "Марко", "EMRE CAN", "Νίκος", "OMAR", "ARBËR"];
    const STATES: [&str; 6] = ["BIH", "SRB", "TUR", "GRC", "JOR", "RKS"];
    let base = chrono::NaiveDate::from_ymd_opt(1950, 1, 1).unwrap_or_default();
    let report = uuid::Uuid::now_v7();
    let mut c = TravellerColumns {
        ids: Vec::with_capacity(batch),
        reports: Vec::with_capacity(batch),
        positions: Vec::with_capacity(batch),
        surnames: Vec::with_capacity(batch),
        given_names: Vec::with_capacity(batch),
        births: Vec::with_capacity(batch),
        nationalities: Vec::with_capacity(batch),
        numbers: Vec::with_capacity(batch),
        issuers: Vec::with_capacity(batch),
        expiries: Vec::with_capacity(batch),
        seats: Vec::with_capacity(batch),
    };
    for i in 0..batch {
        let n = first + i;
        c.ids.push(uuid::Uuid::now_v7());
        c.reports.push(report);
        c.positions.push(i32::try_from(i).unwrap_or(i32::MAX));
        c.surnames.push(SURNAMES[n % 6].to_owned());
        c.given_names.push(GIVEN[n % 6].to_owned());
        c.births.push(base + chrono::Days::new((n % 20_000) as u64));
        c.nationalities.push(STATES[n % 6].to_owned());
        c.numbers.push(format!("P{:08}", n % 100_000_000));
        c.issuers.push(STATES[n % 6].to_owned());
        c.expiries
            .push(base + chrono::Days::new(30_000 + (n % 3_000) as u64));
        c.seats.push(format!(
            "{}{}",
            n % 30 + 1,
            ["A", "B", "C", "D", "E", "F"][n % 6]
        ));
    }
    c
}

pub async fn postgres(args: &PostgresArgs) -> Result<PostgresResult> {
    if args.rows == 0 || args.batch == 0 || args.connections == 0 {
        bail!("--rows, --batch and --connections must be positive");
    }
    let id = uuid::Uuid::now_v7().simple().to_string();
    let name = format!("gh_bench_{}", &id[id.len() - 12..]);
    let url = gatehouse_platform::db::create_scratch_database(&args.database_url, &name)
        .await
        .context("creating the scratch database")?;
    let result = postgres_run(&url, args).await;
    if let Err(error) =
        gatehouse_platform::db::drop_scratch_database(&args.database_url, &name).await
    {
        eprintln!("warning: dropping database {name}: {error}");
    }
    result
}

async fn postgres_run(url: &str, args: &PostgresArgs) -> Result<PostgresResult> {
    let pool = PgPoolOptions::new()
        .max_connections(u32::try_from(args.connections).unwrap_or(u32::MAX))
        .connect(url)
        .await?;
    let server_version: String = sqlx::query_scalar("SHOW server_version")
        .fetch_one(&pool)
        .await?;
    sqlx::query(
        "CREATE TABLE travellers (
             traveller_id uuid PRIMARY KEY,
             report_id uuid NOT NULL,
             position int NOT NULL,
             surname text NOT NULL,
             given_names text NOT NULL,
             date_of_birth date,
             nationality text NOT NULL,
             document_number text NOT NULL,
             document_country text NOT NULL,
             document_expiry date,
             seat text NOT NULL,
             received_at timestamptz NOT NULL DEFAULT now()
         )",
    )
    .execute(&pool)
    .await?;
    // Built before the clock starts: the ceiling is the database's, not the generator's.
    let batches: Vec<TravellerColumns> = (0..args.rows.div_ceil(args.batch))
        .map(|b| columns(args.batch.min(args.rows - b * args.batch), b * args.batch))
        .collect();
    let batches = Arc::new(batches);
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..args.connections {
        let pool = pool.clone();
        let batches = batches.clone();
        let next = next.clone();
        workers.push(tokio::spawn(async move {
            loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                let Some(c) = batches.get(index) else {
                    return Ok::<_, sqlx::Error>(());
                };
                sqlx::query(
                    "INSERT INTO travellers (traveller_id, report_id, position, surname, given_names,
                         date_of_birth, nationality, document_number, document_country,
                         document_expiry, seat)
                     SELECT * FROM UNNEST($1::uuid[], $2::uuid[], $3::int4[], $4::text[], $5::text[],
                         $6::date[], $7::text[], $8::text[], $9::text[], $10::date[], $11::text[])",
                )
                .bind(&c.ids)
                .bind(&c.reports)
                .bind(&c.positions)
                .bind(&c.surnames)
                .bind(&c.given_names)
                .bind(&c.births)
                .bind(&c.nationalities)
                .bind(&c.numbers)
                .bind(&c.issuers)
                .bind(&c.expiries)
                .bind(&c.seats)
                .execute(&pool)
                .await?;
            }
        }));
    }
    for worker in workers {
        worker.await.context("insert task")??;
    }
    let elapsed = start.elapsed();
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM travellers")
        .fetch_one(&pool)
        .await?;
    pool.close().await;
    if usize::try_from(stored).unwrap_or_default() != args.rows {
        bail!("stored {stored} rows of {}", args.rows);
    }
    Ok(PostgresResult {
        rows: args.rows,
        batch: args.batch,
        connections: args.connections,
        seconds: elapsed.as_secs_f64(),
        per_second: args.rows as f64 / elapsed.as_secs_f64().max(f64::EPSILON),
        server_version,
    })
}

/// Stream names of a bus prefix, as `Bus::stream_name` spells them.
fn stream_prefix(prefix: &str) -> String {
    format!("{}_", prefix.to_ascii_uppercase().replace('-', "_"))
}

pub async fn drop_streams(connection: &NatsConnection, prefix: &str) -> Result<usize> {
    if prefix.trim().is_empty() {
        bail!("refusing to delete the streams of the empty prefix (a real deployment's)");
    }
    let js = jetstream::new(connect_nats(connection).await?);
    let wanted = stream_prefix(prefix);
    let names: Vec<String> = js
        .stream_names()
        .try_collect::<Vec<String>>()
        .await
        .map_err(|e| anyhow::anyhow!("listing streams: {e}"))?
        .into_iter()
        .filter(|name| name.starts_with(&wanted))
        .collect();
    for name in &names {
        js.delete_stream(name)
            .await
            .map_err(|e| anyhow::anyhow!("deleting stream {name}: {e}"))?;
    }
    Ok(names.len())
}

fn read_json(path: &Option<PathBuf>) -> Result<Option<serde_json::Value>> {
    let Some(path) = path else { return Ok(None) };
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(Some(
        serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?,
    ))
}

fn number(value: &serde_json::Value, path: &[&str]) -> Option<f64> {
    path.iter()
        .try_fold(value, |v, key| v.get(key))
        .and_then(serde_json::Value::as_f64)
}

fn ratio(rate: Option<f64>, ceiling: Option<f64>) -> String {
    match (rate, ceiling) {
        (Some(rate), Some(ceiling)) if ceiling > 0.0 => format!("{:.1} %", rate / ceiling * 100.0),
        _ => "–".to_owned(),
    }
}

fn rate(value: Option<f64>) -> String {
    value.map_or_else(|| "–".to_owned(), |v| format!("{v:.0}"))
}

/// The bench-e2e table (markdown): one row per load run, then the ceilings.
pub fn summary(args: &SummaryArgs) -> Result<String> {
    let nats = read_json(&args.nats)?;
    let postgres = read_json(&args.postgres)?;
    let nats_rate = nats.as_ref().and_then(|n| number(n, &["per_second"]));
    let postgres_rate = postgres.as_ref().and_then(|p| number(p, &["per_second"]));
    let mut out = String::from(
        "| run | records/s submitted | records/s end to end | ack→alert p50 / p95 / p99 / max (ms) | loss check | end to end ÷ JetStream ceiling | end to end ÷ Postgres ceiling |\n|---|---|---|---|---|---|---|\n",
    );
    for (label, path) in [
        ("single-traveller items, closed loop", &args.single),
        ("flight-sized reports, closed loop", &args.flight),
        ("single-traveller items, open loop", &args.open),
    ] {
        let report = match read_json(path) {
            Ok(Some(report)) => report,
            Ok(None) => continue,
            // A run that failed before reporting still gets its row.
            Err(error) => {
                out.push_str(&format!(
                    "| {label} | no report ({error:#}) | | | FAILED | | |\n"
                ));
                continue;
            }
        };
        let label = format!(
            "{label} ({} × {}, {} streams, rate {})",
            report
                .get("travellers_per_item")
                .and_then(|v| v.as_u64())
                .unwrap_or_default(),
            report.get("shape").and_then(|v| v.as_str()).unwrap_or("?"),
            report
                .get("streams")
                .and_then(|v| v.as_u64())
                .unwrap_or_default(),
            report.get("rate").and_then(|v| v.as_str()).unwrap_or("?"),
        );
        let end_to_end = number(&report, &["end_to_end_records_per_second"]);
        let latency = |key: &str| {
            number(&report, &["alert_latency", key])
                .map_or_else(|| "–".to_owned(), |v| format!("{v:.1}"))
        };
        let passed = report
            .get("loss_check")
            .and_then(|l| l.get("passed"))
            .and_then(|p| p.as_bool())
            .unwrap_or(false);
        out.push_str(&format!(
            "| {label} | {} | {} | {} / {} / {} / {} | {} | {} | {} |\n",
            rate(number(&report, &["submitted_records_per_second"])),
            rate(end_to_end),
            latency("p50_ms"),
            latency("p95_ms"),
            latency("p99_ms"),
            latency("max_ms"),
            if passed { "passed" } else { "FAILED" },
            ratio(end_to_end, nats_rate),
            ratio(end_to_end, postgres_rate),
        ));
    }
    out.push('\n');
    if let Some(n) = &nats {
        out.push_str(&format!(
            "JetStream ceiling (nats-server {}): publish + durable pull consume {} msgs/s ({} B, {} in flight, batch {}); publish alone {} msgs/s\n",
            n.get("server_version").and_then(|v| v.as_str()).unwrap_or("?"),
            rate(nats_rate),
            n.get("size").and_then(|v| v.as_u64()).unwrap_or_default(),
            n.get("in_flight").and_then(|v| v.as_u64()).unwrap_or_default(),
            n.get("batch").and_then(|v| v.as_u64()).unwrap_or_default(),
            rate(number(n, &["publish_per_second"])),
        ));
    }
    if let Some(p) = &postgres {
        out.push_str(&format!(
            "Postgres ceiling ({}): multi-row INSERT … UNNEST {} rows/s (batches of {}, {} connections)\n",
            p.get("server_version").and_then(|v| v.as_str()).unwrap_or("?"),
            rate(postgres_rate),
            p.get("batch").and_then(|v| v.as_u64()).unwrap_or_default(),
            p.get("connections").and_then(|v| v.as_u64()).unwrap_or_default(),
        ));
    }
    Ok(out.trim_end().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_names_of_a_prefix_follow_the_bus() {
        assert_eq!(stream_prefix("bench-1a"), "BENCH_1A_");
    }

    #[test]
    fn summary_gives_rates_as_a_share_of_the_ceilings() {
        let dir = std::env::temp_dir().join(format!("gh-summary-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).unwrap();
        let write = |name: &str, value: serde_json::Value| {
            let path = dir.join(name);
            std::fs::write(&path, value.to_string()).unwrap();
            Some(path)
        };
        let args = SummaryArgs {
            single: write(
                "single.json",
                serde_json::json!({
                    "shape": "single", "travellers_per_item": 1, "streams": 4, "rate": "max",
                    "submitted_records_per_second": 6000.0,
                    "end_to_end_records_per_second": 5600.0,
                    "alert_latency": {"p50_ms": 12.0, "p95_ms": 30.0, "p99_ms": 41.5, "max_ms": 80.0},
                    "loss_check": {"passed": true}
                }),
            ),
            flight: None,
            open: write(
                "open.json",
                serde_json::json!({
                    "shape": "single", "travellers_per_item": 1, "streams": 1, "rate": "1000/s",
                    "submitted_records_per_second": 1000.0,
                    "end_to_end_records_per_second": null,
                    "alert_latency": {"p50_ms": 5.0, "p95_ms": 9.0, "p99_ms": 14.0, "max_ms": 20.0},
                    "loss_check": {"passed": false}
                }),
            ),
            nats: write(
                "nats.json",
                serde_json::json!({"per_second": 56000.0, "publish_per_second": 78000.0, "server_version": "2.9.10", "size": 1024, "in_flight": 256, "batch": 500}),
            ),
            postgres: write(
                "pg.json",
                serde_json::json!({"per_second": 175000.0, "server_version": "15.20", "batch": 1000, "connections": 2}),
            ),
        };
        let table = summary(&args).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(
            table.contains("| 6000 | 5600 | 12.0 / 30.0 / 41.5 / 80.0 | passed | 10.0 % | 3.2 % |"),
            "{table}"
        );
        assert!(
            table.contains("| 1000 | – |") && table.contains("FAILED"),
            "{table}"
        );
        assert!(!table.contains("flight-sized"));

        assert!(
            table.contains("nats-server 2.9.10") && table.contains("175000 rows/s"),
            "{table}"
        );

        // A run that died before printing its report still shows up, as failed.
        let empty = std::env::temp_dir().join(format!("gh-empty-{}.json", uuid::Uuid::now_v7()));
        std::fs::write(&empty, "").unwrap();
        let table = summary(&SummaryArgs {
            single: None,
            flight: Some(empty.clone()),
            open: None,
            nats: None,
            postgres: None,
        })
        .unwrap();
        std::fs::remove_file(&empty).unwrap();
        assert!(
            table.contains("flight-sized reports, closed loop | no report"),
            "{table}"
        );
    }
}
