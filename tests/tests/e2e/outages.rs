//! Outages in the middle of a load: Postgres or NATS cut (by a proxy the test controls) while
//! reports keep arriving. The pipeline pauses and resumes; nothing is dead-lettered, and every
//! record is assessed, alerted and counted exactly once. The outage length is part of the
//! scenario (long enough for many more attempts than `max_deliver`); nothing is timed.

use std::time::Duration;

use gatehouse_e2e::Sandbox;
use gatehouse_platform::config::ServiceKind;
use gatehouse_proto::v1::{DailyStatistics, Domain, GetStatisticsRequest};

use super::{SUBMITTER, SUPERVISOR_SJJ, flight_to, seed_targeting, traveller};

/// Only stops a broken run from hanging.
const LIMIT: Duration = Duration::from_secs(120);
/// Reports sent before, during and after the outage.
const PHASES: [&str; 3] = ["before", "during", "after"];
const REPORTS_PER_PHASE: usize = 8;

#[derive(Clone, Copy, Debug)]
enum Cut {
    /// Postgres of the three consumers (intake keeps storing and publishing).
    Postgres,
    /// NATS of all five services.
    Nats,
}

async fn submit_phase(sandbox: &Sandbox, phase: &str) {
    let mut intake = sandbox.passenger_intake(&SUBMITTER).await.unwrap();
    for n in 0..REPORTS_PER_PHASE {
        let mut request = flight_to(
            "SJJ",
            &format!("outage-{phase}-{n}"),
            vec![
                // A rule hit (nationality of interest) and a clean traveller.
                traveller("RULED", "XXB", &format!("B{phase}{n:04}")),
                traveller("CLEAN", "XXD", &format!("C{phase}{n:04}")),
            ],
        );
        request
            .report
            .as_mut()
            .unwrap()
            .flight
            .as_mut()
            .unwrap()
            .number = format!("{}{n}", phase.len());
        let response = intake
            .submit_api_report(request)
            .await
            .unwrap()
            .into_inner();
        assert!(!response.duplicate);
    }
}

async fn statistics(sandbox: &Sandbox) -> Option<DailyStatistics> {
    let mut reporting = sandbox.reporting(&SUPERVISOR_SJJ).await.ok()?;
    let today = chrono::Utc::now().date_naive().to_string();
    let response = reporting
        .get_statistics(GetStatisticsRequest {
            unit_ids: vec!["jaitf-sjj".into()],
            from_date: today.clone(),
            to_date: today,
            domain: Domain::Passenger as i32,
        })
        .await
        .ok()?;
    response.into_inner().days.into_iter().next()
}

/// Events waiting because of the cut: unpublished in intake's outbox (NATS), or unapplied by
/// screening (Postgres).
async fn held_events(sandbox: &Sandbox, cut: Cut) -> u64 {
    match cut {
        Cut::Nats => {
            let pool = sandbox.database().await.unwrap();
            let unsent: i64 = sqlx::query_scalar("SELECT count(*) FROM passenger_intake.outbox")
                .fetch_one(&pool)
                .await
                .unwrap();
            pool.close().await;
            u64::try_from(unsent).unwrap()
        }
        Cut::Postgres => {
            let js = sandbox.jetstream().await.unwrap();
            let info = js
                .get_stream(sandbox.stream("INTAKE"))
                .await
                .unwrap()
                .consumer_info("risk-targeting-api")
                .await
                .unwrap();
            info.num_pending + u64::try_from(info.num_ack_pending).unwrap()
        }
    }
}

async fn outage_mid_load(cut: Cut) {
    let builder = Sandbox::builder();
    let builder = match cut {
        Cut::Postgres => builder.postgres_via_proxy(&[
            ServiceKind::RiskTargeting,
            ServiceKind::UnitAlerts,
            ServiceKind::Reporting,
        ]),
        Cut::Nats => builder.nats_via_proxy(&ServiceKind::ALL),
    };
    let sandbox = builder.start().await.unwrap();
    seed_targeting(&sandbox).await;
    let proxy = match cut {
        Cut::Postgres => sandbox.postgres_proxy(),
        Cut::Nats => sandbox.nats_proxy(),
    }
    .unwrap();

    submit_phase(&sandbox, PHASES[0]).await;
    proxy.cut();
    // Intake keeps accepting: into Postgres and its outbox when NATS is away, into the stream
    // when the consumers' Postgres is.
    submit_phase(&sandbox, PHASES[1]).await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    // The outage really held the work of the second phase.
    let held = held_events(&sandbox, cut).await;
    assert!(
        held >= REPORTS_PER_PHASE as u64,
        "{cut:?}: only {held} events held during the outage"
    );
    proxy.restore();
    submit_phase(&sandbox, PHASES[2]).await;

    let reports = (PHASES.len() * REPORTS_PER_PHASE) as i64;
    let expected = DailyStatistics {
        unit_id: "jaitf-sjj".into(),
        date: chrono::Utc::now().date_naive().to_string(),
        domain: Domain::Passenger as i32,
        records: 2 * reports,
        hits: reports,
        alerts: reports,
        ..DailyStatistics::default()
    };
    let deadline = tokio::time::Instant::now() + LIMIT;
    loop {
        let counted = statistics(&sandbox).await;
        if counted.as_ref() == Some(&expected) {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{cut:?}: statistics never caught up: {counted:?}, expected {expected:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // Nothing given up on, nothing applied twice.
    let js = sandbox.jetstream().await.unwrap();
    let mut dlq = js.get_stream(sandbox.stream("DLQ")).await.unwrap();
    assert_eq!(dlq.info().await.unwrap().state.messages, 0, "{cut:?}");
    let pool = sandbox.database().await.unwrap();
    let (assessments, subjects): (i64, i64) = sqlx::query_as(
        "SELECT count(*), count(DISTINCT subject_id) FROM risk_targeting.assessments",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((assessments, subjects), (reports, reports), "{cut:?}");
    let (alerts, alerted): (i64, i64) =
        sqlx::query_as("SELECT count(*), count(DISTINCT assessment_id) FROM unit_alerts.alerts")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((alerts, alerted), (reports, reports), "{cut:?}");
    let unsent: i64 = sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM passenger_intake.outbox)
              + (SELECT count(*) FROM risk_targeting.outbox)
              + (SELECT count(*) FROM unit_alerts.outbox)",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(unsent, 0, "{cut:?}: events left in an outbox");
    pool.close().await;
    sandbox.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_postgres_outage_mid_load_pauses_consumers_and_loses_or_doubles_nothing() {
    outage_mid_load(Cut::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_nats_outage_mid_load_holds_events_in_the_outboxes_and_loses_or_doubles_nothing() {
    outage_mid_load(Cut::Nats).await;
}
