//! `gatehouse load`: realistic synthetic API traffic through `StreamApiReports` (or PNRs through
//! `StreamPnrs` with `--kind pnr`, cargo manifests through `StreamManifests` with `--kind
//! cargo`), measured from the intake's acknowledgement of each item to its alerts on
//! `SubscribeAlerts`, with a loss check against the alerts and the reporting statistics
//! (`records` for API travellers, `pnr_travellers` for PNR travellers, cargo `records` for
//! consignments).
//!
//! A run: find the units covering the arrival airports or places of entry (`ListUnits`), subscribe to their
//! alerts, take the statistics as a baseline, send a warm-up report (one traveller per kind of
//! hit) and wait for its alerts, then stream items open loop at a fixed rate or closed loop
//! at maximum, and finally wait until every expected alert arrived and the statistics counted
//! every record (or the settle timeout passes).

pub mod countries;
pub mod documents;
pub mod generator;
pub mod names;
pub mod report;
pub mod routes;
pub mod rules;
pub mod seed;
mod stream;
mod tracker;
mod traffic;

use std::{
    collections::{BTreeMap, BTreeSet, HashMap},
    path::PathBuf,
    str::FromStr,
    sync::{
        Arc, Mutex,
        atomic::{AtomicI64, AtomicU64, Ordering},
    },
    time::Duration,
};

use anyhow::{Context, Result, bail};
use gatehouse_platform::auth::{Role, mint_hs256};
use gatehouse_proto::v1::{
    GetStatisticsRequest, ListUnitsRequest, SubmissionStatus, SubscribeAlertsRequest,
    reporting_service_client::ReportingServiceClient, subscribe_alerts_response::Event,
    unit_alerts_service_client::UnitAlertsServiceClient,
};
use indicatif::{ProgressBar, ProgressStyle};
use tokio::{task::JoinHandle, time::Instant};
use tokio_stream::wrappers::ReceiverStream;
use tokio_util::sync::CancellationToken;
use tonic::Code;
use uuid::Uuid;

use self::{
    generator::{Generator, HitKind, Kind, Shape, TrafficConfig},
    report::{LatencySummary, LoadReport, UnitStatistics, loss_check, per_second},
    routes::RouteTable,
    seed::SeedPlan,
    stream::{Budget, Intake, RunContext, stream_worker},
    tracker::{Pending, Shared, Tracker, lock},
    traffic::{ApiReports, Manifests, Pnrs, Traffic},
};
use crate::client::{self, AuthChannel, ServiceUrls};

// ---------------------------------------------------------------------------------------------
// Command line

#[derive(Debug, Clone, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct LoadCommand {
    #[command(subcommand)]
    pub command: Option<LoadSubcommand>,
    #[command(flatten)]
    pub run: LoadArgs,
}

#[derive(Debug, Clone, clap::Subcommand)]
pub enum LoadSubcommand {
    /// Create the document watchlist and activate the passenger and cargo rules the load runs
    /// against.
    Seed(SeedArgs),
}

#[derive(Debug, Clone, clap::Args)]
pub struct SeedSize {
    /// Listed documents in the load's watchlist.
    #[arg(long, default_value_t = 100_000)]
    pub documents: u64,
    /// Active passenger rules (a few fire for the rule-hit travellers, the rest never fire).
    #[arg(long, default_value_t = 120)]
    pub rules: usize,
}

#[derive(Debug, Clone, clap::Args)]
pub struct SeedArgs {
    #[command(flatten)]
    pub urls: ServiceUrls,
    #[command(flatten)]
    pub size: SeedSize,
    /// Print what was seeded as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Records per second: `max` (closed loop) or a fixed rate (open loop).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Rate {
    Max,
    PerSecond(f64),
}

impl FromStr for Rate {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.eq_ignore_ascii_case("max") {
            return Ok(Rate::Max);
        }
        match s.parse::<f64>() {
            Ok(rate) if rate.is_finite() && rate > 0.0 => Ok(Rate::PerSecond(rate)),
            _ => Err(format!(
                "{s:?} is neither `max` nor a positive number of records/s"
            )),
        }
    }
}

impl std::fmt::Display for Rate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Rate::Max => f.write_str("max"),
            Rate::PerSecond(rate) => write!(f, "{rate}/s"),
        }
    }
}

/// `90`, `90s`, `1500ms`, `2m` or `1h`.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let split = s
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(s.len());
    let (number, unit) = s.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("{s:?} is not a duration such as 90s, 2m or 1500ms"))?;
    let seconds = match unit.trim() {
        "" | "s" => value,
        "ms" => value / 1000.0,
        "m" | "min" => value * 60.0,
        "h" => value * 3600.0,
        other => return Err(format!("unknown duration unit {other:?}")),
    };
    Duration::try_from_secs_f64(seconds).map_err(|e| format!("{s:?}: {e}"))
}

#[derive(Debug, Clone, clap::Args)]
pub struct LoadArgs {
    #[command(flatten)]
    pub urls: ServiceUrls,
    /// API reports, PNRs (bookings of 1-4 travellers; --records and --rate then count PNRs,
    /// --shape does not apply) or cargo manifests (--records and --rate then count consignments;
    /// --shape and --hit-rate do not apply).
    #[arg(long, value_enum, default_value_t = Kind::Api)]
    pub kind: Kind,
    /// One traveller per item, or whole flights.
    #[arg(long, value_enum, default_value_t = Shape::Single)]
    pub shape: Shape,
    /// Travellers per flight (per item with --shape flight; the parts a flight is split into
    /// with --shape single).
    #[arg(long, default_value_t = 150)]
    pub travellers: u32,
    /// Consignments per cargo manifest (--kind cargo).
    #[arg(long, default_value_t = 20)]
    pub consignments: u32,
    /// Records per second: `max` (closed loop) or a number (open loop at that rate).
    #[arg(long, default_value = "max")]
    pub rate: Rate,
    /// Concurrent StreamApiReports (or StreamPnrs) streams.
    #[arg(long, default_value_t = 4)]
    pub streams: u32,
    /// Records sent but not yet acknowledged, per stream (closed loop).
    #[arg(long, default_value_t = 2_000)]
    pub window: u32,
    /// Records to send [default: 10000 unless --duration is given].
    #[arg(long, conflicts_with = "duration")]
    pub records: Option<u64>,
    /// Send for this long, e.g. 60s or 2m.
    #[arg(long, value_parser = parse_duration)]
    pub duration: Option<Duration>,
    /// Share of travellers holding a document of the seeded watchlist.
    #[arg(long, default_value_t = 0.01)]
    pub hit_rate: f64,
    /// Share of travellers built to fire one of the seeded trigger rules.
    #[arg(long, default_value_t = 0.01)]
    pub rule_hit_rate: f64,
    /// Seed the watchlist and rules first (as `gatehouse load seed`).
    #[arg(long)]
    pub seed: bool,
    #[command(flatten)]
    pub seed_size: SeedSize,
    /// Seed of the random traffic [default: random]; the same seed gives the same travellers.
    #[arg(long)]
    pub random_seed: Option<u64>,
    /// Arrival airport (for cargo: an airport or UN/LOCODE place of entry); repeatable
    /// [default: every airport, or every cargo place of entry, a unit covers].
    #[arg(long = "airport", value_name = "IATA")]
    pub airports: Vec<String>,
    /// OpenFlights routes.dat to draw routes from [default: $GATEHOUSE_FIXTURES/load/routes.dat
    /// when present, else a built-in table].
    #[arg(long, value_name = "FILE")]
    pub routes: Option<PathBuf>,
    /// How long to wait after the last acknowledgement for alerts and statistics.
    #[arg(long, default_value = "120s", value_parser = parse_duration)]
    pub settle_timeout: Duration,
    /// Skip the warm-up report that checks every kind of hit alerts before the run.
    #[arg(long)]
    pub no_warmup: bool,
    /// Print the final report as JSON (for scripts); no progress bar.
    #[arg(long)]
    pub json: bool,
}

pub async fn run_command(command: &LoadCommand) -> Result<()> {
    let tokens = TokenSource::from_env();
    match &command.command {
        Some(LoadSubcommand::Seed(args)) => {
            let platform = Platform {
                urls: args.urls.clone(),
                tokens,
            };
            let plan = SeedPlan {
                documents: args.size.documents,
                rules: args.size.rules,
                progress: !args.json,
            };
            let summary = seed::seed(&platform, &plan).await?;
            print_seed(&summary, args.json)
        }
        None => {
            let args = &command.run;
            let platform = Platform {
                urls: args.urls.clone(),
                tokens,
            };
            if args.seed {
                let plan = SeedPlan {
                    documents: args.seed_size.documents,
                    rules: args.seed_size.rules,
                    progress: !args.json,
                };
                let summary = seed::seed(&platform, &plan).await?;
                if !args.json {
                    print_seed(&summary, false)?;
                }
            }
            let plan = LoadPlan::from_args(args)?;
            let report = run(&platform, &plan).await?;
            if args.json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                println!("{}", report.render());
            }
            if !report.loss_check.passed {
                bail!(
                    "loss check failed: {}",
                    report.loss_check.problems.join("; ")
                );
            }
            Ok(())
        }
    }
}

fn print_seed(summary: &seed::SeedSummary, json: bool) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(summary)?);
    } else {
        println!(
            "seeded watchlist \"{}\" ({}): {} documents ({} added); {} active rules ({} created, {} updated, {} activated)",
            seed::WATCHLIST_NAME,
            summary.watchlist_id,
            summary.documents,
            summary.documents_added,
            summary.rules,
            summary.rules_created,
            summary.rules_updated,
            summary.rules_activated
        );
        println!(
            "active cargo rules: {} ({} created, updated or activated)",
            summary.cargo_rules, summary.cargo_rules_changed
        );
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Library API

/// Where the platform is and how to get tokens for it.
#[derive(Debug, Clone)]
pub struct Platform {
    pub urls: ServiceUrls,
    pub tokens: TokenSource,
}

/// Bearer tokens for the roles a run needs.
#[derive(Clone)]
pub enum TokenSource {
    /// Minted with this HS256 secret (the local stack's, or a test's).
    Secret(String),
    /// One token for every call (from an identity provider); it must hold every role needed.
    Fixed(String),
}

impl std::fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            TokenSource::Secret(_) => "TokenSource::Secret(***)",
            TokenSource::Fixed(_) => "TokenSource::Fixed(***)",
        })
    }
}

impl TokenSource {
    /// `GATEHOUSE_TOKEN` when set, else tokens signed with the secret `gatehouse token` uses.
    pub fn from_env() -> Self {
        match std::env::var("GATEHOUSE_TOKEN") {
            Ok(token) if !token.trim().is_empty() => TokenSource::Fixed(token),
            _ => TokenSource::Secret(client::jwt_secret()),
        }
    }

    pub fn mint(
        &self,
        subject: &str,
        agency: &str,
        roles: &[Role],
        units: &[String],
    ) -> Result<String> {
        match self {
            TokenSource::Fixed(token) => Ok(token.clone()),
            TokenSource::Secret(secret) => Ok(mint_hs256(
                secret,
                subject,
                agency,
                units,
                roles,
                12 * 3600,
            )?),
        }
    }
}

/// How much to send.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Amount {
    Records(u64),
    Duration(Duration),
}

/// Everything a run needs besides the platform.
#[derive(Debug, Clone)]
pub struct LoadPlan {
    pub kind: Kind,
    pub shape: Shape,
    pub travellers_per_flight: u32,
    /// Consignments per cargo manifest.
    pub consignments_per_manifest: u32,
    pub rate: Rate,
    pub streams: u32,
    /// Unacknowledged records per stream (closed loop).
    pub window: u32,
    pub amount: Amount,
    pub watchlist_hit_rate: f64,
    pub rule_hit_rate: f64,
    pub random_seed: u64,
    /// Empty: every airport a unit covers.
    pub airports: Vec<String>,
    /// A routes.dat to use; else `fixtures`/load/routes.dat when present; else built in.
    pub routes_file: Option<PathBuf>,
    pub fixtures: Option<PathBuf>,
    pub settle_timeout: Duration,
    pub warmup: bool,
    pub progress: bool,
}

impl LoadPlan {
    pub fn from_args(args: &LoadArgs) -> Result<Self> {
        for (name, rate) in [
            ("--hit-rate", args.hit_rate),
            ("--rule-hit-rate", args.rule_hit_rate),
        ] {
            if !(0.0..=1.0).contains(&rate) {
                bail!("{name} must be between 0 and 1");
            }
        }
        let cargo = args.kind == Kind::Cargo;
        if !cargo && args.hit_rate + args.rule_hit_rate > 1.0 {
            bail!("--hit-rate and --rule-hit-rate add up to more than 1");
        }
        if args.streams == 0 {
            bail!("--streams must be at least 1");
        }
        if cargo && !(1..=generator::manifest::MAX_CONSIGNMENTS).contains(&args.consignments) {
            bail!(
                "--consignments must be 1-{}",
                generator::manifest::MAX_CONSIGNMENTS
            );
        }
        Ok(Self {
            kind: args.kind,
            shape: args.shape,
            travellers_per_flight: args.travellers,
            consignments_per_manifest: args.consignments,
            rate: args.rate,
            streams: args.streams,
            window: args.window,
            amount: match (args.records, args.duration) {
                (_, Some(duration)) => Amount::Duration(duration),
                (Some(records), None) => Amount::Records(records),
                (None, None) => Amount::Records(10_000),
            },
            // Cargo has no document watchlist to hit.
            watchlist_hit_rate: if cargo { 0.0 } else { args.hit_rate },
            rule_hit_rate: args.rule_hit_rate,
            random_seed: args.random_seed.unwrap_or_else(rand::random),
            airports: args
                .airports
                .iter()
                .map(|a| a.trim().to_ascii_uppercase())
                .collect(),
            routes_file: args.routes.clone(),
            fixtures: std::env::var_os("GATEHOUSE_FIXTURES").map(PathBuf::from),
            settle_timeout: args.settle_timeout,
            warmup: !args.no_warmup,
            progress: !args.json,
        })
    }

    /// What one item counts of `amount` and `rate`: its travellers for API reports, one for a
    /// PNR, its consignments for a manifest.
    fn records_per_item(&self) -> u32 {
        match (self.kind, self.shape) {
            (Kind::Pnr, _) | (Kind::Api, Shape::Single) => 1,
            (Kind::Api, Shape::Flight) => self.travellers_per_flight,
            (Kind::Cargo, _) => self.consignments_per_manifest,
        }
    }
}

async fn follow_alerts(
    platform: Platform,
    units: Vec<String>,
    tracker: Shared,
    ready: tokio::sync::oneshot::Sender<Result<()>>,
    stop: CancellationToken,
) {
    let mut ready = Some(ready);
    let mut cursor = String::new();
    loop {
        let attempt = async {
            let token = platform
                .tokens
                .mint("load-officer", "load", &[Role::Officer], &units)?;
            let mut alerts = UnitAlertsServiceClient::new(
                client::connect_authed(&platform.urls.unit_alerts_url, &token).await?,
            );
            let stream = alerts
                .subscribe_alerts(SubscribeAlertsRequest {
                    unit_ids: units.clone(),
                    cursor: cursor.clone(),
                })
                .await
                .map_err(client::rpc_error("SubscribeAlerts"))?
                .into_inner();
            Ok::<_, anyhow::Error>(stream)
        };
        let mut stream = match attempt.await {
            Ok(stream) => stream,
            Err(error) => {
                if let Some(ready) = ready.take() {
                    let _ = ready.send(Err(error));
                    return;
                }
                tracing::warn!(error = %format!("{error:#}"), "alert subscription failed; retrying");
                tokio::select! {
                    () = stop.cancelled() => return,
                    () = tokio::time::sleep(Duration::from_millis(500)) => continue,
                }
            }
        };
        if let Some(ready) = ready.take() {
            let _ = ready.send(Ok(()));
        }
        loop {
            let message = tokio::select! {
                () = stop.cancelled() => return,
                message = stream.message() => message,
            };
            match message {
                Ok(Some(message)) => {
                    let at = Instant::now();
                    match message.event {
                        Some(Event::Raised(alert)) => lock(&tracker).alert(alert, at),
                        Some(Event::Updated(alert)) => lock(&tracker).updated(&alert),
                        Some(Event::Heartbeat(_)) | None => {}
                    }
                    if !message.cursor.is_empty() {
                        cursor = message.cursor;
                    }
                }
                Ok(None) => break,
                Err(status) => {
                    if status.code() != Code::Unauthenticated {
                        tracing::warn!(code = ?status.code(), "alert stream broke; resuming from its cursor");
                    }
                    break;
                }
            }
        }
    }
}

/// Statistics per unit over the run's days: (records of `T`, hits), in `T`'s domain.
async fn statistics<T: Traffic>(
    reporting: &mut ReportingServiceClient<AuthChannel>,
    units: &[String],
    from: chrono::NaiveDate,
) -> Result<BTreeMap<String, (i64, i64)>> {
    let to = generator::today().max(from);
    let response = reporting
        .get_statistics(GetStatisticsRequest {
            unit_ids: units.to_vec(),
            from_date: from.to_string(),
            to_date: to.to_string(),
            domain: T::DOMAIN as i32,
        })
        .await
        .map_err(client::rpc_error("GetStatistics"))?
        .into_inner();
    let mut totals: BTreeMap<String, (i64, i64)> =
        units.iter().map(|u| (u.clone(), (0, 0))).collect();
    for day in response.days {
        if day.domain != T::DOMAIN as i32 {
            continue;
        }
        if let Some(total) = totals.get_mut(&day.unit_id) {
            total.0 += T::counted(&day);
            total.1 += day.hits;
        }
    }
    Ok(totals)
}

/// The units of the directory by the places they cover (IATA airports, UN/LOCODEs, crossings).
async fn units_by_location(platform: &Platform) -> Result<HashMap<String, Vec<String>>> {
    let token = platform
        .tokens
        .mint("load-officer", "load", &[Role::Officer], &[])?;
    let mut alerts = UnitAlertsServiceClient::new(
        client::connect_authed(&platform.urls.unit_alerts_url, &token)
            .await
            .context("unit-alerts")?,
    );
    let units = alerts
        .list_units(ListUnitsRequest { only_mine: false })
        .await
        .map_err(client::rpc_error("ListUnits"))?
        .into_inner()
        .units;
    let mut by_airport: HashMap<String, Vec<String>> = HashMap::new();
    for unit in units {
        for location in &unit.locations {
            let location = location.trim().to_ascii_uppercase();
            by_airport
                .entry(location)
                .or_default()
                .push(unit.unit_id.clone());
        }
    }
    for units in by_airport.values_mut() {
        units.sort();
        units.dedup();
    }
    Ok(by_airport)
}

/// Sends the warm-up item (one traveller per kind of hit, to every airport) and waits for its
/// alerts: proves the subscription, the rules and the watchlist are live before timing.
async fn warm_up<T: Traffic>(
    intake: &Intake,
    tracker: &Shared,
    generator: &mut Generator,
    airports: &[String],
    kinds: &[HitKind],
) -> Result<()> {
    for airport in airports {
        let pending = Pending::of(T::warmup(generator, airport, kinds));
        let (tx, rx) = tokio::sync::mpsc::channel(1);
        tx.send(pending.request.clone()).await.ok();
        drop(tx);
        let mut responses = T::open(intake.clone(), ReceiverStream::new(rx))
            .await
            .map_err(client::rpc_error(T::RPC))?;
        let mut result = None;
        while let Some(message) = responses
            .message()
            .await
            .map_err(client::rpc_error(T::RPC))?
        {
            result = T::results(message).into_iter().next().or(result);
        }
        let result = result.context("warm-up report got no result")?;
        if result.status != SubmissionStatus::Accepted as i32 {
            bail!("warm-up report was not accepted: {}", result.reason);
        }
        let report_id = Uuid::parse_str(&result.record_id).context("warm-up record id")?;
        lock(tracker).accepted(report_id, &pending, Instant::now(), true);
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let waiting = lock(tracker).warmup_waiting;
        if waiting == 0 {
            return Ok(());
        }
        if Instant::now() >= deadline {
            bail!(
                "warm-up: {waiting} alerts did not arrive within 60 s (are the rules and watchlist seeded and the services healthy?)"
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn progress_bar(plan: &LoadPlan) -> ProgressBar {
    if !plan.progress {
        return ProgressBar::hidden();
    }
    let (bar, template) = match plan.amount {
        Amount::Records(records) => (
            ProgressBar::new(records),
            "{elapsed_precise} [{bar:40}] {pos}/{len} acked · {msg}",
        ),
        Amount::Duration(duration) => (
            ProgressBar::new(duration.as_secs().max(1)),
            "{elapsed_precise} [{bar:40}] {pos}/{len} s · {msg}",
        ),
    };
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// Runs the load described by `plan` against `platform` and reports what happened.
pub async fn run(platform: &Platform, plan: &LoadPlan) -> Result<LoadReport> {
    let id = Uuid::now_v7().simple().to_string();
    let run_id = format!("load-{}", &id[id.len() - 10..]);

    let directory = units_by_location(platform).await?;
    let is_airport = |l: &String| l.len() == 3 && l.bytes().all(|b| b.is_ascii_uppercase());
    let airports: Vec<String> = if plan.kind == Kind::Cargo {
        // Cargo goes to places of entry: the port by sea, the airports' UN/LOCODEs by air.
        generator::manifest::CARGO_PLACES
            .iter()
            .filter(|p| {
                plan.airports.is_empty()
                    || plan
                        .airports
                        .iter()
                        .any(|a| a == p.locode || p.iata == Some(a.as_str()))
            })
            .map(|p| p.locode.to_owned())
            .filter(|l| directory.contains_key(l))
            .collect()
    } else if plan.airports.is_empty() {
        let mut all: Vec<String> = directory
            .keys()
            .filter(|l| is_airport(l))
            .cloned()
            .collect();
        all.sort();
        all
    } else {
        plan.airports.clone()
    };
    if airports.is_empty() {
        bail!("no unit covers an airport or place of entry: nothing to send traffic to");
    }
    if let Some(uncovered) = airports.iter().find(|a| !directory.contains_key(*a)) {
        bail!("no unit covers {uncovered}: its alerts and statistics could not be checked");
    }
    let units: Vec<String> = airports
        .iter()
        .flat_map(|a| directory.get(a).cloned().unwrap_or_default())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    // Manifests need no passenger routes; the generator is given the airports of the places.
    let route_airports: Vec<String> = if plan.kind == Kind::Cargo {
        generator::manifest::CARGO_PLACES
            .iter()
            .filter(|p| airports.iter().any(|a| a == p.locode))
            .filter_map(|p| p.iata.map(str::to_owned))
            .collect()
    } else {
        airports.clone()
    };
    let routes = match &plan.routes_file {
        _ if plan.kind == Kind::Cargo => RouteTable {
            routes: generator::manifest::cargo_routes(&route_airports),
            source: routes::RouteSource::BuiltIn,
        },
        Some(file) => {
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("reading {}", file.display()))?;
            let mut table = RouteTable::built_in(&airports);
            let parsed = RouteTable::parse_openflights(&text, &airports);
            if !parsed.is_empty() {
                table = RouteTable {
                    routes: parsed,
                    source: routes::RouteSource::File(file.display().to_string()),
                };
            }
            table
        }
        None => RouteTable::load(plan.fixtures.as_deref(), &airports)?,
    };

    // What the hits need must be in place, or they would be expected and never come.
    let mut targeting = seed::targeting(platform).await?;
    let listed = if plan.kind == Kind::Cargo {
        0
    } else if plan.watchlist_hit_rate > 0.0 || plan.warmup {
        match seed::find_watchlist(&mut targeting).await? {
            Some(watchlist) => u64::try_from(watchlist.entry_count).unwrap_or_default(),
            None if plan.watchlist_hit_rate > 0.0 => {
                bail!(
                    "the load's watchlist does not exist: run `gatehouse load seed` (or pass --hit-rate 0)"
                )
            }
            None => 0,
        }
    } else {
        0
    };
    if plan.kind != Kind::Cargo && plan.watchlist_hit_rate > 0.0 && listed == 0 {
        bail!("the load's watchlist is empty: run `gatehouse load seed`");
    }
    let rules_ready = match (plan.kind, plan.rule_hit_rate > 0.0) {
        (Kind::Cargo, true) => {
            seed::check_cargo_trigger_rules(&mut targeting).await?;
            true
        }
        (Kind::Cargo, false) => seed::check_cargo_trigger_rules(&mut targeting)
            .await
            .is_ok(),
        (_, true) => {
            seed::check_trigger_rules(&mut targeting).await?;
            true
        }
        (_, false) => seed::check_trigger_rules(&mut targeting).await.is_ok(),
    };

    let tracker: Shared = Arc::new(Mutex::new(Tracker::new(directory)?));
    let stop = CancellationToken::new();
    let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
    let listener = tokio::spawn(follow_alerts(
        platform.clone(),
        units.clone(),
        tracker.clone(),
        ready_tx,
        stop.clone(),
    ));
    let setup = RunSetup {
        platform,
        plan,
        run_id: &run_id,
        airports: &airports,
        units: &units,
        routes,
        listed,
        rules_ready,
        tracker: &tracker,
    };
    let result = match plan.kind {
        Kind::Api => drive::<ApiReports>(setup, ready_rx).await,
        Kind::Pnr => drive::<Pnrs>(setup, ready_rx).await,
        Kind::Cargo => drive::<Manifests>(setup, ready_rx).await,
    };
    stop.cancel();
    let _ = listener.await;
    result
}

/// What a run found out before sending: where to send, what hits can be expected.
struct RunSetup<'a> {
    platform: &'a Platform,
    plan: &'a LoadPlan,
    run_id: &'a str,
    airports: &'a [String],
    units: &'a [String],
    routes: RouteTable,
    /// Entries of the load's watchlist.
    listed: u64,
    rules_ready: bool,
    tracker: &'a Shared,
}

async fn drive<T: Traffic>(
    setup: RunSetup<'_>,
    ready: tokio::sync::oneshot::Receiver<Result<()>>,
) -> Result<LoadReport> {
    let RunSetup {
        platform,
        plan,
        run_id,
        airports,
        units,
        routes,
        listed,
        rules_ready,
        tracker,
    } = setup;
    ready
        .await
        .context("alert subscription ended before it started")??;
    let officer = platform
        .tokens
        .mint("load-officer", "load", &[Role::Officer], units)?;
    let mut reporting = ReportingServiceClient::new(
        client::connect_authed(&platform.urls.reporting_url, &officer)
            .await
            .context("reporting")?,
    );
    let start_day = generator::today();
    let baseline = statistics::<T>(&mut reporting, units, start_day).await?;

    // The run's own agency keeps its flights apart from every other run's.
    let submitter = platform
        .tokens
        .mint("load-submitter", run_id, &[Role::Submitter], &[])?;
    let intake = Intake(
        client::connect_authed(T::url(&platform.urls), &submitter)
            .await
            .context(T::RPC)?,
    );
    let route_count = routes.routes.len();
    let route_source = routes.source.clone();
    let route_list = Arc::new(routes.routes);
    let flights = Arc::new(AtomicU64::new(0));
    let traffic = TrafficConfig {
        kind: plan.kind,
        shape: plan.shape,
        travellers_per_flight: plan.travellers_per_flight,
        watchlist_hit_rate: plan.watchlist_hit_rate,
        rule_hit_rate: plan.rule_hit_rate,
        listed_documents: listed,
        consignments_per_manifest: plan.consignments_per_manifest,
        seed: plan.random_seed,
        run_id: run_id.to_owned(),
    };

    if plan.warmup {
        let mut kinds = Vec::new();
        if listed > 0 {
            kinds.push(HitKind::Watchlist);
        }
        if rules_ready {
            kinds.extend(rules::triggers(plan.kind).iter().map(|t| HitKind::Rule(*t)));
            if plan.kind == Kind::Cargo {
                kinds.extend(
                    rules::cargo::CARGO_TRIGGERS
                        .iter()
                        .map(|t| HitKind::Cargo(*t)),
                );
            }
        }
        let mut warmup = Generator::new(
            TrafficConfig {
                run_id: format!("{run_id}-warmup"),
                ..traffic.clone()
            },
            route_list.clone(),
            flights.clone(),
            u32::MAX,
            start_day,
        )?;
        warm_up::<T>(&intake, tracker, &mut warmup, airports, &kinds).await?;
    }

    let records_per_item = plan.records_per_item();
    let interval = match plan.rate {
        Rate::Max => None,
        Rate::PerSecond(rate) => {
            let per_stream = rate / f64::from(plan.streams);
            Some(Duration::from_secs_f64(
                f64::from(records_per_item) / per_stream,
            ))
        }
    };
    let start = Instant::now();
    let ctx = Arc::new(RunContext {
        intake,
        tracker: tracker.clone(),
        budget: match plan.amount {
            Amount::Records(records) => {
                Budget::Records(AtomicI64::new(i64::try_from(records).unwrap_or(i64::MAX)))
            }
            Amount::Duration(duration) => Budget::Until(start + duration),
        },
        interval,
        // Open loop does not wait for results: only a large bound against a stalled server.
        window: if interval.is_some() {
            plan.window.max(100_000)
        } else {
            plan.window
        },
        streams: plan.streams,
        start,
        sent_records: AtomicU64::new(0),
        acked_records: AtomicU64::new(0),
        max_lag_micros: AtomicU64::new(0),
    });
    let mut workers: Vec<JoinHandle<Result<()>>> = Vec::new();
    for index in 0..plan.streams {
        let generator = Generator::new(
            traffic.clone(),
            route_list.clone(),
            flights.clone(),
            index,
            start_day,
        )?;
        workers.push(tokio::spawn(stream_worker::<T>(
            ctx.clone(),
            index,
            generator,
        )));
    }

    let bar = progress_bar(plan);
    let ticker = {
        let ctx = ctx.clone();
        let bar = bar.clone();
        let amount = plan.amount;
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(250)).await;
                let acked = ctx.acked_records.load(Ordering::Relaxed);
                let elapsed = ctx.start.elapsed().as_secs_f64();
                match amount {
                    Amount::Records(_) => bar.set_position(acked),
                    Amount::Duration(_) => bar.set_position(ctx.start.elapsed().as_secs()),
                }
                let (matched, expected) = {
                    let tracker = lock(&ctx.tracker);
                    (tracker.alerts.matched, tracker.alerts.expected)
                };
                bar.set_message(format!(
                    "{acked} records acked, {:.0}/s · alerts {matched}/{expected}",
                    per_second(acked, elapsed)
                ));
            }
        })
    };

    let mut worker_errors = Vec::new();
    for worker in workers {
        match worker.await {
            Ok(Ok(())) => {}
            Ok(Err(error)) => worker_errors.push(format!("{error:#}")),
            Err(error) => worker_errors.push(format!("stream task failed: {error}")),
        }
    }
    let submit_end = lock(tracker).last_ack.unwrap_or_else(Instant::now);

    // Settle: every expected alert in, every record counted.
    let expected_records = lock(tracker).records_by_unit.clone();
    let expected_hits = lock(tracker).hits_by_unit.clone();
    let deadline = Instant::now() + plan.settle_timeout;
    let mut counted = baseline.clone();
    let mut counted_complete_at = None;
    let mut alerts_complete_at = None;
    loop {
        if alerts_complete_at.is_none() {
            let tracker = lock(tracker);
            if tracker.all_alerts_arrived() {
                alerts_complete_at = Some(tracker.last_alert.unwrap_or(submit_end));
            }
        }
        if counted_complete_at.is_none() {
            match statistics::<T>(&mut reporting, units, start_day).await {
                Ok(now) => {
                    counted = now;
                    let complete = units.iter().all(|unit| {
                        let (base_records, base_hits) =
                            baseline.get(unit).copied().unwrap_or_default();
                        let (records, hits) = counted.get(unit).copied().unwrap_or_default();
                        records - base_records
                            >= expected_records.get(unit).copied().unwrap_or_default()
                            && hits - base_hits
                                >= expected_hits.get(unit).copied().unwrap_or_default()
                    });
                    if complete {
                        counted_complete_at = Some(Instant::now());
                    }
                }
                Err(error) => {
                    tracing::warn!(error = %format!("{error:#}"), "reading statistics failed; retrying")
                }
            }
        }
        if (alerts_complete_at.is_some() && counted_complete_at.is_some())
            || Instant::now() >= deadline
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    ticker.abort();
    bar.finish_and_clear();
    // Duplicates may trail the last expected alert; a short grace lets them show.
    tokio::time::sleep(Duration::from_millis(500)).await;

    let tracker = lock(tracker);
    let mut intake = tracker.intake.clone();
    intake.stream_error_messages.extend(worker_errors);
    let mut alerts = tracker.alerts;
    alerts.missing = alerts.expected.saturating_sub(alerts.matched);
    alerts.foreign += tracker.early.values().map(|v| v.len() as u64).sum::<u64>();
    let statistics: Vec<UnitStatistics> = units
        .iter()
        .map(|unit| {
            let (base_records, base_hits) = baseline.get(unit).copied().unwrap_or_default();
            let (records, hits) = counted.get(unit).copied().unwrap_or_default();
            UnitStatistics {
                unit_id: unit.clone(),
                expected_records: expected_records.get(unit).copied().unwrap_or_default(),
                counted_records: records - base_records,
                expected_hits: expected_hits.get(unit).copied().unwrap_or_default(),
                counted_hits: hits - base_hits,
            }
        })
        .collect();
    let submit_seconds = submit_end.saturating_duration_since(start).as_secs_f64();
    let end_to_end = match (alerts_complete_at, counted_complete_at) {
        (Some(alerts), Some(counted)) => Some(
            alerts
                .max(counted)
                .saturating_duration_since(start)
                .as_secs_f64(),
        ),
        _ => None,
    };
    let loss_check = loss_check(&intake, &alerts, &statistics);
    Ok(LoadReport {
        run_id: run_id.to_owned(),
        kind: plan.kind,
        shape: plan.shape,
        travellers_per_item: match plan.kind {
            Kind::Api | Kind::Cargo => records_per_item,
            Kind::Pnr => 0,
        },
        rate: plan.rate.to_string(),
        streams: plan.streams,
        routes: route_source,
        route_count,
        airports: airports.to_vec(),
        units: units.to_vec(),
        submitted_records_per_second: per_second(intake.records_accepted, submit_seconds),
        submitted_items_per_second: per_second(intake.items_accepted, submit_seconds),
        end_to_end_records_per_second: end_to_end.map(|s| per_second(intake.records_accepted, s)),
        end_to_end_items_per_second: end_to_end.map(|s| per_second(intake.items_accepted, s)),
        end_to_end_seconds: end_to_end,
        submit_seconds,
        ack_latency: LatencySummary::of(&tracker.ack_latency),
        alert_latency: LatencySummary::of(&tracker.alert_latency),
        max_schedule_lag_ms: ctx.max_lag_micros.load(Ordering::Relaxed) as f64 / 1000.0,
        intake,
        alerts,
        statistics,
        loss_check,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_and_durations_parse() {
        assert_eq!("max".parse::<Rate>(), Ok(Rate::Max));
        assert_eq!("1000".parse::<Rate>(), Ok(Rate::PerSecond(1000.0)));
        assert!("0".parse::<Rate>().is_err() && "fast".parse::<Rate>().is_err());
        assert_eq!(parse_duration("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1500ms"), Ok(Duration::from_millis(1500)));
        assert!(parse_duration("soon").is_err() && parse_duration("5d").is_err());
    }

    #[test]
    fn load_arguments_parse_into_a_plan() {
        use clap::Parser;
        let cli = crate::Cli::try_parse_from([
            "gatehouse",
            "load",
            "--shape",
            "flight",
            "--travellers",
            "150",
            "--rate",
            "max",
            "--streams",
            "3",
            "--duration",
            "30s",
            "--hit-rate",
            "0.02",
            "--airport",
            "sjj",
            "--random-seed",
            "7",
            "--json",
        ])
        .unwrap();
        let crate::Command::Load(command) = cli.command else {
            panic!("not load");
        };
        assert!(command.command.is_none());
        let plan = LoadPlan::from_args(&command.run).unwrap();
        assert_eq!(plan.shape, Shape::Flight);
        assert_eq!(plan.records_per_item(), 150);
        assert_eq!(plan.amount, Amount::Duration(Duration::from_secs(30)));
        assert_eq!((plan.streams, plan.random_seed), (3, 7));
        assert_eq!(plan.airports, ["SJJ"]);
        assert!(!plan.progress);
        assert_eq!(plan.kind, Kind::Api, "API reports unless asked otherwise");

        // PNR runs count bookings: --records and --rate are PNRs, whatever the shape says.
        let cli = crate::Cli::try_parse_from([
            "gatehouse",
            "load",
            "--kind",
            "pnr",
            "--records",
            "300",
            "--shape",
            "flight",
        ])
        .unwrap();
        let crate::Command::Load(command) = cli.command else {
            panic!("not load");
        };
        let plan = LoadPlan::from_args(&command.run).unwrap();
        assert_eq!(plan.kind, Kind::Pnr);
        assert_eq!(plan.records_per_item(), 1);
        assert_eq!(plan.amount, Amount::Records(300));

        // Cargo counts consignments; the document watchlist does not apply.
        let cli = crate::Cli::try_parse_from([
            "gatehouse",
            "load",
            "--kind",
            "cargo",
            "--consignments",
            "25",
            "--records",
            "500",
            "--hit-rate",
            "0.9",
            "--rule-hit-rate",
            "0.2",
        ])
        .unwrap();
        let crate::Command::Load(command) = cli.command else {
            panic!("not load");
        };
        let plan = LoadPlan::from_args(&command.run).unwrap();
        assert_eq!(plan.kind, Kind::Cargo);
        assert_eq!(plan.records_per_item(), 25);
        assert_eq!(plan.amount, Amount::Records(500));
        assert_eq!((plan.watchlist_hit_rate, plan.rule_hit_rate), (0.0, 0.2));
        let too_many = crate::Cli::try_parse_from([
            "gatehouse",
            "load",
            "--kind",
            "cargo",
            "--consignments",
            "501",
        ])
        .unwrap();
        let crate::Command::Load(command) = too_many.command else {
            panic!("not load");
        };
        assert!(LoadPlan::from_args(&command.run).is_err());

        let cli = crate::Cli::try_parse_from(["gatehouse", "load", "seed", "--documents", "500"])
            .unwrap();
        let crate::Command::Load(command) = cli.command else {
            panic!("not load");
        };
        let Some(LoadSubcommand::Seed(seed)) = command.command else {
            panic!("not load seed");
        };
        assert_eq!((seed.size.documents, seed.size.rules), (500, 120));

        let bad = crate::Cli::try_parse_from([
            "gatehouse",
            "load",
            "--hit-rate",
            "0.7",
            "--rule-hit-rate",
            "0.7",
        ])
        .unwrap();
        let crate::Command::Load(command) = bad.command else {
            panic!("not load");
        };
        assert!(LoadPlan::from_args(&command.run).is_err());
        assert!(
            crate::Cli::try_parse_from(["gatehouse", "load", "--records", "5", "--duration", "5s"])
                .is_err()
        );
    }
}
