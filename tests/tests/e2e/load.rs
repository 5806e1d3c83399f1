//! End-to-end tests: load. `gatehouse load` (through its library) against a sandbox: seeding is
//! idempotent, and a small run in each shape loses nothing and matches every alert it expects.
//! The settle timeout only stops a broken run from hanging; nothing here asserts a duration.

use std::time::Duration;

use gatehouse_cli::{
    client::ServiceUrls,
    load::{
        self, Amount, LoadPlan, Platform, Rate, TokenSource,
        generator::Shape,
        seed::{self, SeedPlan},
    },
};
use gatehouse_e2e::{JWT_SECRET, Sandbox};
use gatehouse_platform::config::ServiceKind;

fn platform(sandbox: &Sandbox) -> Platform {
    let url = |kind: ServiceKind| format!("http://{}", sandbox.addrs[&kind]);
    Platform {
        urls: ServiceUrls {
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
        shape,
        travellers_per_flight: 40,
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

    sandbox.stop().await.unwrap();
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
