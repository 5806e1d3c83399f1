//! Operations: per-RPC metrics on each service's `/metrics`, and health that follows the
//! reachability of Postgres and NATS (cut and restored by a proxy the test controls). Exact
//! reflection listings are checked by `every_service_serves_health_and_reflection_v1_and_v1alpha`.

use std::time::Duration;

use gatehouse_e2e::Sandbox;
use gatehouse_platform::{config::ServiceKind, metrics};
use gatehouse_proto::v1::{
    SubmitApiReportRequest, passenger_intake_service_client::PassengerIntakeServiceClient,
};
use tonic::Code;
use tonic_health::pb::health_check_response::ServingStatus;

use super::SUBMITTER;

/// Only stops a broken run from hanging; nothing here is timed.
const LIMIT: Duration = Duration::from_secs(90);

/// The value of the sample `series` (name and labels exactly as rendered).
fn sample(rendered: &str, series: &str) -> Option<f64> {
    rendered
        .lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|value| value.trim().parse().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn metrics_count_each_call_by_method_and_code() {
    let sandbox = Sandbox::start().await.unwrap();
    let mut intake = sandbox.passenger_intake(&SUBMITTER).await.unwrap();
    let refused = intake
        .submit_api_report(SubmitApiReportRequest::default())
        .await
        .unwrap_err();
    let anonymous = PassengerIntakeServiceClient::new(
        sandbox.channel(ServiceKind::PassengerIntake).await.unwrap(),
    )
    .submit_api_report(SubmitApiReportRequest::default())
    .await
    .unwrap_err();
    assert_eq!(anonymous.code(), Code::Unauthenticated);

    let rendered = sandbox
        .scrape_metrics(ServiceKind::PassengerIntake)
        .await
        .unwrap();
    let rpc = r#"service="passenger-intake",grpc_service="gatehouse.v1.PassengerIntakeService",grpc_method="SubmitApiReport""#;
    // At least: other tests in this process call the same method of their own sandboxes.
    for code in [refused.code(), anonymous.code()] {
        let series = format!(
            "gatehouse_grpc_requests_total{{{rpc},grpc_code=\"{}\"}}",
            metrics::code_name(code)
        );
        assert!(
            sample(&rendered, &series).is_some_and(|n| n >= 1.0),
            "{series} missing in\n{rendered}"
        );
    }
    let count = format!("gatehouse_grpc_request_duration_seconds_count{{{rpc}}}");
    assert!(
        sample(&rendered, &count).is_some_and(|n| n >= 2.0),
        "{count} missing in\n{rendered}"
    );
    assert!(
        rendered.contains("# TYPE gatehouse_grpc_request_duration_seconds histogram"),
        "{rendered}"
    );
    // The health probe reports each dependency of each service it ran for.
    for kind in ServiceKind::ALL {
        let rendered = sandbox.scrape_metrics(kind).await.unwrap();
        for dependency in ["postgres", "nats"] {
            let series = format!(
                "gatehouse_dependency_up{{service=\"{}\",dependency=\"{dependency}\"}}",
                kind.name()
            );
            assert!(
                sample(&rendered, &series).is_some(),
                "{series} missing in\n{rendered}"
            );
        }
    }
    sandbox.stop().await.unwrap();
}

/// Waits until `kind` reports `wanted` overall and for its own service name.
async fn wait_for(sandbox: &Sandbox, kind: ServiceKind, service: &str, wanted: ServingStatus) {
    for name in ["", service] {
        sandbox
            .wait_for_health(kind, name, wanted, LIMIT)
            .await
            .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn health_is_not_serving_while_postgres_is_unreachable() {
    let sandbox = Sandbox::builder()
        .postgres_via_proxy(&[ServiceKind::PassengerIntake])
        .start()
        .await
        .unwrap();
    let proxy = sandbox.postgres_proxy().unwrap();
    let own = "gatehouse.v1.PassengerIntakeService";

    proxy.cut();
    wait_for(
        &sandbox,
        ServiceKind::PassengerIntake,
        own,
        ServingStatus::NotServing,
    )
    .await;
    // Services that reach Postgres directly keep serving.
    assert_eq!(
        sandbox.health(ServiceKind::Reporting, "").await.unwrap(),
        ServingStatus::Serving
    );

    proxy.restore();
    wait_for(
        &sandbox,
        ServiceKind::PassengerIntake,
        own,
        ServingStatus::Serving,
    )
    .await;
    sandbox.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn health_is_not_serving_while_nats_is_unreachable() {
    let sandbox = Sandbox::builder()
        .nats_via_proxy(&[ServiceKind::Reporting])
        .start()
        .await
        .unwrap();
    let proxy = sandbox.nats_proxy().unwrap();
    let own = "gatehouse.v1.ReportingService";

    proxy.cut();
    wait_for(
        &sandbox,
        ServiceKind::Reporting,
        own,
        ServingStatus::NotServing,
    )
    .await;
    assert_eq!(
        sandbox
            .health(ServiceKind::PassengerIntake, "")
            .await
            .unwrap(),
        ServingStatus::Serving
    );

    proxy.restore();
    wait_for(
        &sandbox,
        ServiceKind::Reporting,
        own,
        ServingStatus::Serving,
    )
    .await;
    sandbox.stop().await.unwrap();
}
