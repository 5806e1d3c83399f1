//! End-to-end tests: load. `gatehouse load` (through its library) against a sandbox: seeding is
//! idempotent, and a small run in each shape, of PNRs and of cargo manifests, loses nothing and
//! matches every alert it expects.
//! The settle timeout only stops a broken run from hanging; nothing here asserts a duration.

use std::time::Duration;

use gatehouse_cli::{
    client::ServiceUrls,
    load::{
        self, Amount, LoadPlan, Platform, Rate, TokenSource,
        generator::{Kind, Shape},
        seed::{self, SeedPlan},
    },
};
use gatehouse_e2e::{JWT_SECRET, Sandbox};
use gatehouse_platform::config::ServiceKind;

fn platform(sandbox: &Sandbox) -> Platform {
    let url = |kind: ServiceKind| format!("http://{}", sandbox.addrs[&kind]);
    Platform {
        urls: ServiceUrls {
            cargo_intake_url: url(ServiceKind::CargoIntake),
            passenger_intake_url: url(ServiceKind::PassengerIntake),
            risk_targeting_url: url(ServiceKind::RiskTargeting),
            unit_alerts_url: url(ServiceKind::UnitAlerts),
            reporting_url: url(ServiceKind::Reporting),
        },
        tokens: TokenSource::Secret(JWT_SECRET.to_owned()),
    }
}

fn plan(shape: Shape, records: u64, streams: u32) -> LoadPlan {
    LoadPlan {
        kind: Kind::Api,
        shape,
        travellers_per_flight: 40,
        consignments_per_manifest: 20,
        rate: Rate::Max,
        streams,
        window: 64,
        amount: Amount::Records(records),
        watchlist_hit_rate: 0.03,
        rule_hit_rate: 0.03,
        random_seed: 42,
        airports: vec![],
        routes_file: None,
        // The built-in routes: this test must not depend on the fixtures.
        fixtures: None,
        settle_timeout: Duration::from_secs(60),
        warmup: true,
        progress: false,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_small_load_loses_nothing_and_every_alert_arrives_once() {
    let sandbox = Sandbox::start().await.unwrap();
    let platform = platform(&sandbox);

    let seed_plan = SeedPlan {
        documents: 2_500,
        rules: 24,
        progress: false,
    };
    let seeded = seed::seed(&platform, &seed_plan).await.unwrap();
    assert_eq!((seeded.documents, seeded.documents_added), (2_500, 2_500));
    assert_eq!((seeded.rules, seeded.rules_created), (24, 24));
    // Seeding again finds everything in place and changes nothing.
    let again = seed::seed(&platform, &seed_plan).await.unwrap();
    assert_eq!(again.watchlist_id, seeded.watchlist_id);
    assert_eq!(
        (
            again.documents_added,
            again.rules_created,
            again.rules_updated,
            again.rules_activated
        ),
        (0, 0, 0, 0)
    );

    let single = load::run(&platform, &plan(Shape::Single, 200, 2))
        .await
        .unwrap();
    assert!(single.loss_check.passed, "{}", single.render());
    assert_eq!(single.intake.records_accepted, 200, "{}", single.render());
    assert_eq!(single.intake.items_rejected, 0);
    // Seed 42 plans a dozen hits among 200 travellers; each raises one alert in its unit.
    assert!(single.alerts.expected >= 3, "{}", single.render());
    assert_eq!(single.alerts.matched, single.alerts.expected);
    assert_eq!(single.alerts.unexpected, 0, "{}", single.render());
    assert_eq!(single.alert_latency.count, single.alerts.matched);
    assert_eq!(
        single.units,
        ["biu-skp", "jaitf-beg", "jaitf-sjj"],
        "every unit covering an airport gets traffic"
    );
    let counted: i64 = single.statistics.iter().map(|u| u.counted_records).sum();
    // The warm-up report (one traveller per kind of hit and one clean, per airport) counts too.
    assert_eq!(counted, 200 + 3 * 6, "{}", single.render());

    // Flight-sized reports on another run: its flights are its own, so nothing is superseded.
    let flights = load::run(&platform, &plan(Shape::Flight, 160, 1))
        .await
        .unwrap();
    assert!(flights.loss_check.passed, "{}", flights.render());
    assert_eq!(flights.travellers_per_item, 40);
    assert_eq!(flights.intake.items_accepted, 4);
    assert_eq!(flights.intake.records_accepted, 160);
    assert_eq!(flights.alerts.matched, flights.alerts.expected);
    assert!(flights.alerts.expected >= 3, "{}", flights.render());

    // PNRs on a run of their own: 300 bookings of 1-4 travellers, counted as pnr_travellers.
    let before = pnr_travellers(&platform, &flights.units).await;
    let pnrs = load::run(
        &platform,
        &LoadPlan {
            kind: Kind::Pnr,
            ..plan(Shape::Single, 300, 2)
        },
    )
    .await
    .unwrap();
    assert!(pnrs.loss_check.passed, "{}", pnrs.render());
    assert_eq!(pnrs.intake.items_accepted, 300, "{}", pnrs.render());
    assert_eq!(pnrs.intake.items_rejected, 0, "{}", pnrs.render());
    let travellers = pnrs.intake.records_accepted;
    // Bookings of one to four travellers, most of one or two.
    assert!((450..=750).contains(&travellers), "{}", pnrs.render());
    assert!(pnrs.alerts.expected >= 10, "{}", pnrs.render());
    assert_eq!(pnrs.alerts.matched, pnrs.alerts.expected);
    assert_eq!(pnrs.alerts.unexpected, 0, "{}", pnrs.render());
    assert_eq!(pnrs.alert_latency.count, pnrs.alerts.matched);
    // The warm-up booking (one traveller per kind of hit a PNR can have and one clean: five)
    // per airport counts too; API runs counted none.
    let counted: i64 = pnrs.statistics.iter().map(|u| u.counted_records).sum();
    let expected = i64::try_from(travellers).unwrap() + 3 * 5;
    assert_eq!(counted, expected, "{}", pnrs.render());
    assert_eq!(
        pnr_travellers(&platform, &pnrs.units).await - before,
        expected
    );
    assert_eq!(before, 0, "API traffic counts no PNR travellers");

    sandbox.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_small_cargo_load_loses_no_consignment_and_alerts_each_hit_at_its_place_of_entry() {
    let sandbox = Sandbox::start().await.unwrap();
    let platform = platform(&sandbox);
    let seeded = seed::seed(
        &platform,
        &SeedPlan {
            documents: 10,
            rules: 8,
            progress: false,
        },
    )
    .await
    .unwrap();
    assert!(seeded.cargo_rules >= 40, "{seeded:?}");
    assert_eq!(seeded.cargo_rules_changed, seeded.cargo_rules);

    // 400 consignments: 20 manifests of 20, sea into Bar and air into the three airports.
    let cargo = load::run(
        &platform,
        &LoadPlan {
            kind: Kind::Cargo,
            rule_hit_rate: 0.04,
            ..plan(Shape::Single, 400, 2)
        },
    )
    .await
    .unwrap();
    assert!(cargo.loss_check.passed, "{}", cargo.render());
    assert_eq!(cargo.intake.items_accepted, 20, "{}", cargo.render());
    assert_eq!(cargo.intake.records_accepted, 400, "{}", cargo.render());
    assert_eq!(cargo.intake.items_rejected, 0, "{}", cargo.render());
    assert_eq!(cargo.travellers_per_item, 20);
    assert_eq!(
        cargo.units,
        ["biu-skp", "jaitf-beg", "jaitf-sjj", "pcu-bar"],
        "every unit covering a place of entry gets cargo"
    );
    // Seed 42 plans a dozen hit consignments among 400, one alert each in one unit.
    assert!(cargo.alerts.expected >= 8, "{}", cargo.render());
    assert_eq!(cargo.alerts.matched, cargo.alerts.expected);
    assert_eq!(cargo.alerts.unexpected, 0, "{}", cargo.render());
    assert_eq!(cargo.alert_latency.count, cargo.alerts.matched);
    // Every consignment is new to the run's agency; the warm-up manifests (one consignment per
    // cargo trigger and one clean, per place of entry) count too.
    let counted: i64 = cargo.statistics.iter().map(|u| u.counted_records).sum();
    assert_eq!(counted, 400 + 4 * 5, "{}", cargo.render());
    let hits: i64 = cargo.statistics.iter().map(|u| u.counted_hits).sum();
    assert_eq!(
        hits,
        i64::try_from(cargo.alerts.expected).unwrap() + 4 * 4,
        "{}",
        cargo.render()
    );
    sandbox.stop().await.unwrap();
}

/// Today's PNR travellers in the statistics of `units`.
async fn pnr_travellers(platform: &Platform, units: &[String]) -> i64 {
    use gatehouse_platform::auth::Role;
    use gatehouse_proto::v1::{
        Domain, GetStatisticsRequest, reporting_service_client::ReportingServiceClient,
    };
    let token = platform
        .tokens
        .mint("load-test", "load", &[Role::Officer], units)
        .unwrap();
    let channel = gatehouse_cli::client::connect_authed(&platform.urls.reporting_url, &token)
        .await
        .unwrap();
    let today = chrono::Utc::now().date_naive().to_string();
    ReportingServiceClient::new(channel)
        .get_statistics(GetStatisticsRequest {
            unit_ids: units.to_vec(),
            from_date: today.clone(),
            to_date: today,
            domain: Domain::Passenger as i32,
        })
        .await
        .unwrap()
        .into_inner()
        .days
        .iter()
        .map(|day| day.pnr_travellers)
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_run_without_its_seed_refuses_to_start() {
    let sandbox = Sandbox::start().await.unwrap();
    let error = load::run(&platform(&sandbox), &plan(Shape::Single, 10, 1))
        .await
        .unwrap_err();
    assert!(
        format!("{error:#}").contains("gatehouse load seed"),
        "{error:#}"
    );
    sandbox.stop().await.unwrap();
}
