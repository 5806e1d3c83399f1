//! `gatehouse demo`: a watchlist entry and a passenger rule, one API report that trips both, and
//! the two alerts it raises at the Sarajevo airport unit; a cargo rule and a sea manifest for the
//! Port of Bar whose first-time consignee of firearms raises a third alert at PCU Bar. Safe to
//! run repeatedly against one stack.

use std::time::{Duration, SystemTime};

use anyhow::{Context, Result};
use chrono::{Days, Months, NaiveDate, Utc};
use gatehouse_platform::auth::Role;
use gatehouse_proto::v1::{
    AddWatchlistEntriesRequest, ApiReport, CargoManifest, Consignment, Container, Conveyance,
    CreateRuleRequest, CreateWatchlistRequest, DocumentType, Domain, Flight, FlightDirection,
    GetRuleRequest, GoodsItem, MessageFunction, Party, Rule, RuleStatus, SetRuleStatusRequest,
    Severity, Sex, SubmitApiReportRequest, SubmitManifestRequest, SubscribeAlertsRequest,
    TransportMode, TravelDocument, Traveller, TravellerRole, WatchlistDocument, WatchlistEntry,
    WatchlistKind, cargo_intake_service_client::CargoIntakeServiceClient,
    passenger_intake_service_client::PassengerIntakeServiceClient,
    risk_targeting_service_client::RiskTargetingServiceClient, subscribe_alerts_response::Event,
    unit_alerts_service_client::UnitAlertsServiceClient,
};
use tokio::sync::mpsc;
use tonic::Code;
use tracing::Instrument;

use crate::{
    alerts,
    client::{self, AuthChannel, ServiceUrls},
};

const UNIT: &str = "jaitf-sjj";
const CARGO_UNIT: &str = "pcu-bar";
const WATCHLIST_NAME: &str = "Demo travel documents";
const RULE_ID: &str = "demo-expiring-document";
const CARGO_RULE_ID: &str = "demo-firearms-new-consignee";
const STOLEN_PASSPORT: &str = "X9140572";
const EXPECTED_ALERTS: usize = 3;
const STEPS: usize = 7;

#[derive(Debug, Clone, clap::Args)]
pub struct DemoArgs {
    #[command(flatten)]
    pub urls: ServiceUrls,
    /// How long to wait for the alerts.
    #[arg(long, default_value_t = 30)]
    pub wait_secs: u64,
}

pub async fn run(args: &DemoArgs) -> Result<()> {
    // One span over every call, so the whole demo (through NATS to the alerts) is one trace.
    steps(&args.urls, Duration::from_secs(args.wait_secs))
        .instrument(tracing::info_span!("gatehouse.demo"))
        .await?;
    Ok(())
}

/// Runs the demo; answers how many alerts arrived.
async fn steps(urls: &ServiceUrls, wait: Duration) -> Result<usize> {
    let all_units = client::seed_unit_ids();
    let analyst = client::token_for("demo-analyst", &[Role::Analyst], &all_units)?;
    let submitter = client::token_for("demo-submitter", &[Role::Submitter], &all_units)?;
    let units = [UNIT.to_owned(), CARGO_UNIT.to_owned()];
    let officer = client::token_for("demo-officer", &[Role::Officer], &units)?;

    let mut targeting = RiskTargetingServiceClient::new(
        client::connect_authed(&urls.risk_targeting_url, &analyst)
            .await
            .context("risk-targeting")?,
    );
    let mut intake = PassengerIntakeServiceClient::new(
        client::connect_authed(&urls.passenger_intake_url, &submitter)
            .await
            .context("passenger-intake")?,
    );
    let mut cargo = CargoIntakeServiceClient::new(
        client::connect_authed(&urls.cargo_intake_url, &submitter)
            .await
            .context("cargo-intake")?,
    );
    let mut unit_alerts = UnitAlertsServiceClient::new(
        client::connect_authed(&urls.unit_alerts_url, &officer)
            .await
            .context("unit-alerts")?,
    );

    ensure_watchlist(&mut targeting).await?;
    ensure_rule(&mut targeting, &passenger_rule(), 2).await?;
    ensure_rule(&mut targeting, &cargo_rule(), 3).await?;

    // Subscribed before submitting: without a cursor the feed carries only alerts raised later.
    let mut feed = unit_alerts
        .subscribe_alerts(SubscribeAlertsRequest {
            unit_ids: units.to_vec(),
            cursor: String::new(),
        })
        .await
        .map_err(client::rpc_error("SubscribeAlerts"))?
        .into_inner();
    let (tx, mut rx) = mpsc::channel(16);
    let reader = tokio::spawn(async move {
        loop {
            let item = feed.message().await.transpose();
            let done = item.is_none();
            if tx.send(item).await.is_err() || done {
                break;
            }
        }
    });
    println!("[4/{STEPS}] subscribed to the alerts of units {UNIT} and {CARGO_UNIT}");

    let today = Utc::now().date_naive();
    let message_id = format!("demo-{}", uuid::Uuid::now_v7());
    let response = intake
        .submit_api_report(SubmitApiReportRequest {
            message_id: message_id.clone(),
            report: Some(api_report(today)?),
        })
        .await
        .map_err(client::rpc_error("SubmitApiReport"))?
        .into_inner();
    println!(
        "[5/{STEPS}] submitted API report {} ({} travellers, JA123 IST→SJJ {today}, message {message_id})",
        response.report_id, response.traveller_count
    );
    // A new consignee and bills each run, so that the rule's "first seen" holds on every rerun
    // and each run's alert is a new one.
    let run = uuid::Uuid::now_v7().simple().to_string()[20..].to_ascii_uppercase();
    let manifest_id = format!("demo-{}", uuid::Uuid::now_v7());
    let manifest = cargo
        .submit_manifest(SubmitManifestRequest {
            message_id: manifest_id.clone(),
            manifest: Some(sea_manifest(today, &run)?),
        })
        .await
        .map_err(client::rpc_error("SubmitManifest"))?
        .into_inner();
    println!(
        "[6/{STEPS}] submitted manifest {} ({} consignments, MSC ADRIATIC Ningbo→Bar, message {manifest_id})",
        manifest.manifest_id, manifest.consignment_count
    );

    println!(
        "[7/{STEPS}] waiting up to {}s for {EXPECTED_ALERTS} alerts...\n",
        wait.as_secs()
    );
    let deadline = tokio::time::Instant::now() + wait;
    let mut received = 0;
    while received < EXPECTED_ALERTS {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Err(_) => break,
            Ok(None | Some(None)) => {
                println!("the alert stream ended");
                break;
            }
            Ok(Some(Some(Err(status)))) => {
                println!(
                    "the alert stream broke: {:?}: {}",
                    status.code(),
                    status.message()
                );
                break;
            }
            Ok(Some(Some(Ok(message)))) => match message.event {
                Some(Event::Raised(alert)) => {
                    received += 1;
                    println!("{}\n", alerts::format_alert(&alert));
                }
                // Heartbeats, and updates of alerts raised before (a rerun of the demo
                // re-assesses the same travellers), are not the alerts waited for.
                Some(Event::Heartbeat(_) | Event::Updated(_)) | None => {}
            },
        }
    }
    reader.abort();
    println!("{received} of {EXPECTED_ALERTS} expected alerts arrived.");
    println!(
        "Follow the units' alerts with: gatehouse alerts tail --unit {UNIT} (or --unit {CARGO_UNIT})"
    );
    Ok(received)
}

async fn ensure_watchlist(targeting: &mut RiskTargetingServiceClient<AuthChannel>) -> Result<()> {
    let existing = client::find_document_watchlist(targeting, WATCHLIST_NAME).await?;
    let (watchlist, verb) = match existing {
        Some(watchlist) => (watchlist, "reusing"),
        None => {
            let created = targeting
                .create_watchlist(CreateWatchlistRequest {
                    name: WATCHLIST_NAME.to_owned(),
                    kind: WatchlistKind::Documents as i32,
                    description: "Documents listed by `gatehouse demo`".to_owned(),
                    source: "demo".to_owned(),
                })
                .await
                .map_err(client::rpc_error("CreateWatchlist"))?
                .into_inner()
                .watchlist
                .context("CreateWatchlist answered without a watchlist")?;
            (created, "created")
        }
    };
    let added = targeting
        .add_watchlist_entries(AddWatchlistEntriesRequest {
            watchlist_id: watchlist.id.clone(),
            // Fixed key: a second run adds nothing.
            message_id: "demo-watchlist-v1".to_owned(),
            entries: vec![WatchlistEntry {
                external_ref: "DEMO-1".to_owned(),
                names: vec!["DEMO PERSON".to_owned()],
                documents: vec![WatchlistDocument {
                    r#type: DocumentType::Passport as i32,
                    number: STOLEN_PASSPORT.to_owned(),
                    issuing_country: "XXA".to_owned(),
                }],
                reason: "reported stolen".to_owned(),
                severity: Severity::High as i32,
                ..Default::default()
            }],
        })
        .await
        .map_err(client::rpc_error("AddWatchlistEntries"))?
        .into_inner();
    println!(
        "[1/{STEPS}] {verb} watchlist \"{WATCHLIST_NAME}\" ({}); passport {STOLEN_PASSPORT} (XXA) listed as stolen{}",
        watchlist.id,
        if added.added == 0 {
            " (already there)"
        } else {
            ""
        }
    );
    Ok(())
}

fn passenger_rule() -> CreateRuleRequest {
    CreateRuleRequest {
        rule_id: RULE_ID.to_owned(),
        name: "Travel document expires within 30 days".to_owned(),
        domain: Domain::Passenger as i32,
        expression: "document.days_to_expiry >= 0 && document.days_to_expiry < 30".to_owned(),
        weight: 40.0,
        severity: Severity::Medium as i32,
        ..Default::default()
    }
}

fn cargo_rule() -> CreateRuleRequest {
    CreateRuleRequest {
        rule_id: CARGO_RULE_ID.to_owned(),
        name: "Firearms (HS 9301-9303) for a consignee never seen before".to_owned(),
        domain: Domain::Cargo as i32,
        expression: "consignee.first_seen && goods.hs_codes.exists(h, h.startsWith('9301') \
                     || h.startsWith('9302') || h.startsWith('9303'))"
            .to_owned(),
        weight: 60.0,
        severity: Severity::High as i32,
        ..Default::default()
    }
}

/// Creates `rule` (or finds it from an earlier run) and makes its latest version active.
async fn ensure_rule(
    targeting: &mut RiskTargetingServiceClient<AuthChannel>,
    rule: &CreateRuleRequest,
    step: usize,
) -> Result<()> {
    let created = targeting.create_rule(rule.clone()).await;
    let (rule, verb): (Rule, _) = match created {
        Ok(response) => (
            response
                .into_inner()
                .rule
                .context("CreateRule answered without a rule")?,
            "created",
        ),
        Err(status) if status.code() == Code::AlreadyExists => {
            let latest = targeting
                .get_rule(GetRuleRequest {
                    rule_id: rule.rule_id.clone(),
                    version: 0,
                })
                .await
                .map_err(client::rpc_error("GetRule"))?
                .into_inner()
                .rule
                .context("GetRule answered without a rule")?;
            (latest, "reusing")
        }
        Err(status) => return Err(client::rpc_error("CreateRule")(status)),
    };
    let label = format!("{}@{}", rule.rule_id, rule.version);
    if rule.status == RuleStatus::Active as i32 {
        println!("[{step}/{STEPS}] {verb} rule {label}, already active");
        return Ok(());
    }
    match targeting
        .set_rule_status(SetRuleStatusRequest {
            rule_id: rule.rule_id.clone(),
            version: rule.version,
            status: RuleStatus::Active as i32,
            reason: "demo".to_owned(),
        })
        .await
    {
        Ok(_) => println!("[{step}/{STEPS}] {verb} rule {label}, now active"),
        Err(status) if status.code() == Code::FailedPrecondition => println!(
            "[{step}/{STEPS}] {verb} rule {label}; not activated ({}), continuing",
            status.message()
        ),
        Err(status) => return Err(client::rpc_error("SetRuleStatus")(status)),
    }
    Ok(())
}

fn days_after(date: NaiveDate, days: u64) -> Result<NaiveDate> {
    date.checked_add_days(Days::new(days))
        .context("date out of range")
}

/// A passport valid for ten years, expiring on `expires`.
fn passport(number: &str, country: &str, expires: NaiveDate) -> Result<TravelDocument> {
    let issued = expires
        .checked_sub_months(Months::new(120))
        .context("date out of range")?;
    Ok(TravelDocument {
        r#type: DocumentType::Passport as i32,
        number: number.to_owned(),
        issuing_country: country.to_owned(),
        expiry_date: expires.to_string(),
        issue_date: issued.to_string(),
    })
}

fn passenger(
    seat: &str,
    surname: &str,
    given_names: &str,
    date_of_birth: &str,
    sex: Sex,
    nationality: &str,
    document: TravelDocument,
) -> Traveller {
    Traveller {
        traveller_ref: seat.to_owned(),
        role: TravellerRole::Passenger as i32,
        surname: surname.to_owned(),
        given_names: given_names.to_owned(),
        date_of_birth: date_of_birth.to_owned(),
        sex: sex as i32,
        nationality: nationality.to_owned(),
        country_of_residence: nationality.to_owned(),
        documents: vec![document],
        embarkation_airport: "IST".to_owned(),
        debarkation_airport: "SJJ".to_owned(),
        seat: seat.to_owned(),
        ..Default::default()
    }
}

/// Flight JA123 Istanbul → Sarajevo today: a stolen passport, one about to expire, one clean.
fn api_report(today: NaiveDate) -> Result<ApiReport> {
    Ok(ApiReport {
        flight: Some(Flight {
            carrier: "JA".to_owned(),
            number: "123".to_owned(),
            departure_airport: "IST".to_owned(),
            arrival_airport: "SJJ".to_owned(),
            departure_date: today.to_string(),
            direction: FlightDirection::Inbound as i32,
            ..Default::default()
        }),
        travellers: vec![
            passenger(
                "14A",
                "MARKOVIC",
                "DRAGAN",
                "1984-03-17",
                Sex::Male,
                // Stateless, like the document's issuer code.
                "XXA",
                passport(STOLEN_PASSPORT, "XXA", days_after(today, 8 * 365)?)?,
            ),
            passenger(
                "14B",
                "HADZIC",
                "AMINA",
                "1991-11-02",
                Sex::Female,
                "BIH",
                // Inside the rule's 30-day window.
                passport("B07731458", "BIH", days_after(today, 12)?)?,
            ),
            passenger(
                "22C",
                "YILDIZ",
                "EMRE CAN",
                "1977-06-29",
                Sex::Male,
                "TUR",
                passport("U24519073", "TUR", days_after(today, 9 * 365)?)?,
            ),
        ],
        sender: "JA".to_owned(),
        sent_at: Some(SystemTime::now().into()),
        function: MessageFunction::Original as i32,
        part_number: 0,
        part_count: 0,
    })
}

/// A party of the demo manifest.
fn party(name: &str, city: &str, country: &str) -> Party {
    Party {
        name: name.to_owned(),
        city: city.to_owned(),
        country: country.to_owned(),
        ..Default::default()
    }
}

/// Two bills of lading (numbered after `run`) on the MSC ADRIATIC from Ningbo to Bar, arriving
/// tomorrow: sporting rifles for a consignee named after `run` and steel wire rope for a regular
/// consignee.
fn sea_manifest(today: NaiveDate, run: &str) -> Result<CargoManifest> {
    let arrival = days_after(today, 1)?
        .and_hms_opt(6, 0, 0)
        .context("date out of range")?
        .and_utc();
    let bill = |number: &str, consignee: Party, hs: &str, description: &str, container: &str| {
        Consignment {
            transport_document_number: number.to_owned(),
            transport_document_issuer: "MSCU".to_owned(),
            consignor: Some(party("Ningbo Outdoor Goods Co", "Ningbo", "CHN")),
            consignee: Some(consignee),
            goods_items: vec![GoodsItem {
                sequence_number: 1,
                hs_code: hs.to_owned(),
                description: description.to_owned(),
                package_count: 40,
                package_type: "CT".to_owned(),
                gross_weight_kg: 900.0,
                origin_country: "CHN".to_owned(),
                container_numbers: vec![container.to_owned()],
                ..Default::default()
            }],
            containers: vec![Container {
                number: container.to_owned(),
                size_type: "22G1".to_owned(),
                seal_numbers: vec![format!("SEAL-{number}")],
                ..Default::default()
            }],
            gross_weight_kg: 900.0,
            package_count: 40,
            ..Default::default()
        }
    };
    Ok(CargoManifest {
        manifest_ref: format!("DEMO-{}", today.format("%Y%m%d")),
        mode: TransportMode::Sea as i32,
        carrier: "MSCU".to_owned(),
        conveyance: Some(Conveyance {
            name: "MSC ADRIATIC".to_owned(),
            imo_number: "9074729".to_owned(),
            nationality: "PAN".to_owned(),
            ..Default::default()
        }),
        voyage_number: format!("D{}", today.format("%j")),
        port_of_loading: "CNNGB".to_owned(),
        port_of_discharge: "MEBAR".to_owned(),
        place_of_entry: "MEBAR".to_owned(),
        estimated_arrival: Some(SystemTime::from(arrival).into()),
        consignments: vec![
            bill(
                &format!("DEMO{run}1"),
                party(&format!("Demo Importer {run}"), "Bar", "MNE"),
                "930320",
                "Sporting rifles, bolt action",
                "CSQU3054383",
            ),
            bill(
                &format!("DEMO{run}2"),
                party("Primorka Bar", "Bar", "MNE"),
                "731210",
                "Steel wire rope, galvanised",
                "MSCU6639870",
            ),
        ],
        sender: "MSC Montenegro".to_owned(),
        function: MessageFunction::Original as i32,
        ..Default::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_has_the_stolen_the_expiring_and_a_clean_passport() {
        let today = NaiveDate::from_ymd_opt(2026, 2, 20).unwrap();
        let report = api_report(today).unwrap();
        assert_eq!(report.flight.as_ref().unwrap().departure_date, "2026-02-20");
        let docs: Vec<&TravelDocument> =
            report.travellers.iter().map(|t| &t.documents[0]).collect();
        assert_eq!(docs[0].number, STOLEN_PASSPORT);
        assert_eq!(docs[0].issuing_country, "XXA");
        assert_eq!(docs[1].expiry_date, "2026-03-04");
        assert!(docs[2].expiry_date.as_str() > "2030");
    }

    mod fakes {
        use std::sync::{Arc, Mutex};

        use gatehouse_proto::v1::{
            AddWatchlistEntriesResponse, Alert, CreateWatchlistResponse, GetRuleResponse,
            Heartbeat, Hit, HitKind, ListWatchlistsRequest, ListWatchlistsResponse,
            SetRuleStatusResponse, SubmitApiReportResponse, SubmitManifestResponse,
            SubscribeAlertsResponse, Watchlist, cargo_intake_service_server::CargoIntakeService,
            passenger_intake_service_server::PassengerIntakeService,
            risk_targeting_service_server::RiskTargetingService,
            unit_alerts_service_server::UnitAlertsService,
        };
        use tonic::{Request, Response, Status, codegen::BoxStream};

        use super::*;

        /// What the fakes saw, for the test to check.
        #[derive(Default)]
        pub struct Seen {
            pub calls: Vec<String>,
            pub report: Option<SubmitApiReportRequest>,
            pub manifest: Option<SubmitManifestRequest>,
            pub rules: Vec<CreateRuleRequest>,
        }

        #[derive(Clone, Default)]
        pub struct Fake(pub Arc<Mutex<Seen>>);

        impl Fake {
            fn saw<T>(&self, rpc: &str, request: &Request<T>) -> Result<(), Status> {
                let bearer = request
                    .metadata()
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|v| v.starts_with("Bearer ey"));
                if !bearer {
                    return Err(Status::unauthenticated("no bearer token"));
                }
                self.0.lock().unwrap().calls.push(rpc.to_owned());
                Ok(())
            }
        }

        #[tonic::async_trait]
        impl RiskTargetingService for Fake {
            async fn list_watchlists(
                &self,
                request: Request<ListWatchlistsRequest>,
            ) -> Result<Response<ListWatchlistsResponse>, Status> {
                self.saw("ListWatchlists", &request)?;
                Ok(Response::new(ListWatchlistsResponse::default()))
            }
            async fn create_watchlist(
                &self,
                request: Request<CreateWatchlistRequest>,
            ) -> Result<Response<CreateWatchlistResponse>, Status> {
                self.saw("CreateWatchlist", &request)?;
                let watchlist = Watchlist {
                    id: "wl-1".into(),
                    name: request.into_inner().name,
                    ..Default::default()
                };
                Ok(Response::new(CreateWatchlistResponse {
                    watchlist: Some(watchlist),
                }))
            }
            async fn add_watchlist_entries(
                &self,
                request: Request<AddWatchlistEntriesRequest>,
            ) -> Result<Response<AddWatchlistEntriesResponse>, Status> {
                self.saw("AddWatchlistEntries", &request)?;
                assert_eq!(request.get_ref().watchlist_id, "wl-1");
                Ok(Response::new(AddWatchlistEntriesResponse {
                    added: 1,
                    entry_ids: vec!["entry-1".into()],
                }))
            }
            async fn create_rule(
                &self,
                request: Request<CreateRuleRequest>,
            ) -> Result<Response<gatehouse_proto::v1::CreateRuleResponse>, Status> {
                self.saw("CreateRule", &request)?;
                let rule = request.into_inner();
                let passenger = rule.domain == Domain::Passenger as i32;
                self.0.lock().unwrap().rules.push(rule.clone());
                if passenger {
                    return Err(Status::already_exists("rule exists"));
                }
                Ok(Response::new(gatehouse_proto::v1::CreateRuleResponse {
                    rule: Some(Rule {
                        rule_id: rule.rule_id,
                        version: 1,
                        status: RuleStatus::Draft as i32,
                        ..Default::default()
                    }),
                }))
            }
            async fn get_rule(
                &self,
                request: Request<GetRuleRequest>,
            ) -> Result<Response<GetRuleResponse>, Status> {
                self.saw("GetRule", &request)?;
                Ok(Response::new(GetRuleResponse {
                    rule: Some(Rule {
                        rule_id: RULE_ID.into(),
                        version: 2,
                        status: RuleStatus::Draft as i32,
                        ..Default::default()
                    }),
                }))
            }
            async fn set_rule_status(
                &self,
                request: Request<SetRuleStatusRequest>,
            ) -> Result<Response<SetRuleStatusResponse>, Status> {
                self.saw("SetRuleStatus", &request)?;
                if request.get_ref().rule_id == CARGO_RULE_ID {
                    assert_eq!(request.get_ref().version, 1);
                    return Ok(Response::new(SetRuleStatusResponse::default()));
                }
                assert_eq!(request.get_ref().version, 2);
                Err(Status::failed_precondition("already active"))
            }
        }

        #[tonic::async_trait]
        impl PassengerIntakeService for Fake {
            async fn submit_api_report(
                &self,
                request: Request<SubmitApiReportRequest>,
            ) -> Result<Response<SubmitApiReportResponse>, Status> {
                self.saw("SubmitApiReport", &request)?;
                self.0.lock().unwrap().report = Some(request.into_inner());
                Ok(Response::new(SubmitApiReportResponse {
                    report_id: "report-1".into(),
                    traveller_count: 3,
                    ..Default::default()
                }))
            }
        }

        #[tonic::async_trait]
        impl CargoIntakeService for Fake {
            async fn submit_manifest(
                &self,
                request: Request<SubmitManifestRequest>,
            ) -> Result<Response<SubmitManifestResponse>, Status> {
                self.saw("SubmitManifest", &request)?;
                self.0.lock().unwrap().manifest = Some(request.into_inner());
                Ok(Response::new(SubmitManifestResponse {
                    manifest_id: "manifest-1".into(),
                    consignment_count: 2,
                    ..Default::default()
                }))
            }
        }

        #[tonic::async_trait]
        impl UnitAlertsService for Fake {
            async fn subscribe_alerts(
                &self,
                request: Request<SubscribeAlertsRequest>,
            ) -> Result<Response<BoxStream<SubscribeAlertsResponse>>, Status> {
                self.saw("SubscribeAlerts", &request)?;
                assert_eq!(request.get_ref().unit_ids, vec![UNIT, CARGO_UNIT]);
                assert_eq!(request.get_ref().cursor, "");
                let alert = |cursor: &str, rule_id: &str| {
                    Ok(SubscribeAlertsResponse {
                        cursor: cursor.into(),
                        action: 0,
                        event: Some(Event::Raised(Alert {
                            alert_id: format!("alert-{cursor}"),
                            unit_id: UNIT.into(),
                            hits: vec![Hit {
                                kind: HitKind::Rule as i32,
                                rule_id: rule_id.into(),
                                rule_version: 2,
                                ..Default::default()
                            }],
                            ..Default::default()
                        })),
                    })
                };
                // A heartbeat in between is not counted as an alert.
                let heartbeat = Ok(SubscribeAlertsResponse {
                    cursor: "c1".into(),
                    action: 0,
                    event: Some(Event::Heartbeat(Heartbeat::default())),
                });
                let alerts = vec![
                    alert("c1", RULE_ID),
                    heartbeat,
                    alert("c2", RULE_ID),
                    alert("c3", CARGO_RULE_ID),
                ];
                Ok(Response::new(Box::pin(tokio_stream::iter(alerts))))
            }
        }
    }

    #[tokio::test]
    async fn demo_runs_every_step_against_the_services() {
        use gatehouse_proto::v1::{
            cargo_intake_service_server::CargoIntakeServiceServer,
            passenger_intake_service_server::PassengerIntakeServiceServer,
            risk_targeting_service_server::RiskTargetingServiceServer,
            unit_alerts_service_server::UnitAlertsServiceServer,
        };

        let fake = fakes::Fake::default();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(
            tonic::transport::Server::builder()
                .add_service(RiskTargetingServiceServer::new(fake.clone()))
                .add_service(PassengerIntakeServiceServer::new(fake.clone()))
                .add_service(CargoIntakeServiceServer::new(fake.clone()))
                .add_service(UnitAlertsServiceServer::new(fake.clone()))
                .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener)),
        );
        let urls = ServiceUrls {
            cargo_intake_url: url.clone(),
            passenger_intake_url: url.clone(),
            risk_targeting_url: url.clone(),
            unit_alerts_url: url.clone(),
            reporting_url: url,
        };
        let received = steps(&urls, Duration::from_secs(5)).await.unwrap();
        assert_eq!(received, 3);

        let seen = fake.0.lock().unwrap();
        assert_eq!(
            seen.calls,
            [
                "ListWatchlists",
                "CreateWatchlist",
                "AddWatchlistEntries",
                "CreateRule",
                "GetRule",
                "SetRuleStatus",
                "CreateRule",
                "SetRuleStatus",
                "SubscribeAlerts",
                "SubmitApiReport",
                "SubmitManifest",
            ]
        );
        // The cargo rule type-checks against the cargo context (what CreateRule would say).
        let cargo_rule = &seen.rules[1];
        gatehouse_rules::compile_cargo(&cargo_rule.expression).unwrap();
        let manifest = seen.manifest.as_ref().unwrap();
        let consignments = &manifest.manifest.as_ref().unwrap().consignments;
        assert_eq!(consignments[0].goods_items[0].hs_code, "930320");
        assert_ne!(
            consignments[0].transport_document_number,
            consignments[1].transport_document_number
        );
        let report = seen.report.as_ref().unwrap();
        assert!(report.message_id.starts_with("demo-"));
        assert_eq!(report.report.as_ref().unwrap().travellers.len(), 3);
    }
}
