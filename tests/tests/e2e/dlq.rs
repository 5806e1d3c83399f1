//! `gatehouse dlq list` and `gatehouse dlq replay` through their library functions, against
//! events the sandbox's consumers really dead-lettered.

use std::time::Duration;

use async_nats::{HeaderMap, jetstream::stream::RawMessageErrorKind};
use gatehouse_cli::{
    bench::NatsConnection,
    dlq::{self, BusArgs, DeadLetter, DlqCopy, Outcome, Selection},
};
use gatehouse_e2e::Sandbox;
use gatehouse_platform::bus::{
    Bus, HEADER_CONTENT_TYPE, HEADER_DLQ_CONSUMER, HEADER_DLQ_ERROR, HEADER_DLQ_SUBJECT,
    HEADER_EVENT, HEADER_MSG_ID,
};

/// Only stops a broken run from hanging; nothing here is timed.
const LIMIT: Duration = Duration::from_secs(60);
const RISK: &str = "risk-targeting-api";
const REPORTING: &str = "reporting-api-accepted";
const API_REPORT_ACCEPTED: &str = "gatehouse.v1.ApiReportAccepted";
/// Undecodable as any protobuf message (wire type 7), and shaped like the personal data a real
/// payload carries, so a listing that printed payloads would show it.
const POISON: &[u8] = b"\xff\xffPASSPORT X9140572";

fn original_headers(event_id: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(HEADER_MSG_ID, event_id);
    headers.insert(HEADER_EVENT, API_REPORT_ACCEPTED);
    headers.insert(HEADER_CONTENT_TYPE, "application/protobuf");
    headers.insert(
        "traceparent",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    );
    headers
}

/// The DLQ copy `consumer` made of `event_id` after `after` (a DLQ sequence), once it exists.
async fn dead_letter(bus: &Bus, consumer: &str, event_id: &str, after: u64) -> DeadLetter {
    let wait = async {
        loop {
            let listing = dlq::list(bus, Some(consumer), 1000).await.unwrap();
            assert!(
                listing.events.iter().all(|e| e.consumer == consumer),
                "{listing:?}"
            );
            if let Some(found) = listing
                .events
                .into_iter()
                .find(|e| e.event_id.as_deref() == Some(event_id) && e.sequence > after)
            {
                return found;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    tokio::time::timeout(LIMIT, wait)
        .await
        .unwrap_or_else(|_| panic!("{consumer} never dead-lettered {event_id}"))
}

/// Replays the copy at `sequence` once it is older than the DLQ stream's duplicate window (until
/// then replay refuses and changes nothing).
async fn replay_once_aged(bus: &Bus, sandbox: &Sandbox, sequence: u64) -> Outcome {
    let selection = Selection::Sequences {
        sequences: vec![sequence],
        consumer: Some(RISK.to_owned()),
    };
    let young = Outcome::InsideDuplicateWindow {
        stream: sandbox.stream("DLQ"),
    };
    let wait = async {
        loop {
            let report = dlq::replay(bus, &selection, false).await.unwrap();
            assert_eq!(report.attempts.len(), 1, "{report:?}");
            let outcome = report.attempts[0].outcome.clone();
            if outcome != young {
                return outcome;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    tokio::time::timeout(LIMIT, wait)
        .await
        .expect("the DLQ copy never left the DLQ stream's duplicate window")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn dead_letters_are_listed_without_payloads_and_replayed_under_their_original_ids() {
    let sandbox = Sandbox::start().await.unwrap();
    let bus = dlq::connect(&BusArgs {
        connection: NatsConnection {
            nats_url: gatehouse_e2e::nats_url(),
            nats_user: None,
            nats_password: None,
        },
        prefix: sandbox.prefix.clone(),
    })
    .await
    .unwrap();
    let js = sandbox.jetstream().await.unwrap();
    let api_accepted = format!("{}.gatehouse.passenger.api.accepted", sandbox.prefix);

    // Both consumers of the subject give up on an undecodable event.
    let first = uuid::Uuid::now_v7().to_string();
    js.publish_with_headers(
        api_accepted.clone(),
        original_headers(&first),
        POISON.into(),
    )
    .await
    .unwrap()
    .await
    .unwrap();
    let dead = dead_letter(&bus, RISK, &first, 0).await;
    assert_eq!(
        dead.subject.as_deref(),
        Some("gatehouse.passenger.api.accepted")
    );
    assert_eq!(dead.event_type.as_deref(), Some(API_REPORT_ACCEPTED));
    assert!(dead.error.contains("undecodable"), "{}", dead.error);
    assert_eq!(dead.payload_bytes, POISON.len());
    let reporting = dead_letter(&bus, REPORTING, &first, 0).await;
    assert_ne!(reporting.sequence, dead.sequence);

    let listing = dlq::list(&bus, None, 100).await.unwrap();
    assert!(!listing.truncated);
    assert_eq!(listing.total, 2);
    assert_eq!(listing.stream, sandbox.stream("DLQ"));
    let text = dlq::format_listing(&listing);
    for rendered in [&text, &format!("{listing:?}")] {
        assert!(!rendered.contains("X9140572"), "{rendered}");
        assert!(rendered.contains(&first), "{rendered}");
    }
    let cut = dlq::list(&bus, None, 1).await.unwrap();
    assert_eq!((cut.events.len(), cut.total, cut.truncated), (1, 2, true));

    // Replayed at once, the copy is inside the DLQ stream's duplicate window: deleting it would
    // let a consumer failing again be dropped as a duplicate of it, losing the event.
    let selection = Selection::Sequences {
        sequences: vec![dead.sequence],
        consumer: Some(RISK.to_owned()),
    };
    let report = dlq::replay(&bus, &selection, false).await.unwrap();
    assert_eq!(
        report.attempts[0].outcome,
        Outcome::InsideDuplicateWindow {
            stream: sandbox.stream("DLQ")
        }
    );

    // Copies age within the test with a short DLQ duplicate window.
    let dlq_stream = sandbox.stream("DLQ");
    let mut config = js
        .get_stream(&dlq_stream)
        .await
        .unwrap()
        .cached_info()
        .config
        .clone();
    config.duplicate_window = Duration::from_secs(1);
    js.update_stream(&config).await.unwrap();

    // A copy as consumer.rs writes it, of an event whose id INTAKE has never seen.
    let second = uuid::Uuid::now_v7().to_string();
    let mut headers = original_headers(&format!("dlq:{RISK}:{second}"));
    headers.insert(
        HEADER_DLQ_ERROR,
        "undecodable gatehouse.v1.ApiReportAccepted: invalid wire type value: 7",
    );
    headers.insert(HEADER_DLQ_SUBJECT, api_accepted.as_str());
    headers.insert(HEADER_DLQ_CONSUMER, RISK);
    let planted = js
        .publish_with_headers(
            format!("{}.gatehouse.dlq.{RISK}", sandbox.prefix),
            headers,
            POISON.into(),
        )
        .await
        .unwrap()
        .await
        .unwrap()
        .sequence;

    // Past the DLQ window, the first event's republish is dropped by INTAKE, which saw its id
    // when it was published (well inside INTAKE's 120 s window): the copy stays.
    assert_eq!(
        replay_once_aged(&bus, &sandbox, dead.sequence).await,
        Outcome::InsideDuplicateWindow {
            stream: sandbox.stream("INTAKE")
        }
    );
    let stream = js.get_stream(&dlq_stream).await.unwrap();
    assert!(stream.get_raw_message(dead.sequence).await.is_ok());

    // The planted copy goes back to its original subject and is deleted...
    match replay_once_aged(&bus, &sandbox, planted).await {
        Outcome::Replayed {
            stream: target,
            with: None,
            copy: DlqCopy::Deleted,
            ..
        } => assert_eq!(target, sandbox.stream("INTAKE")),
        other => panic!("not replayed: {other:?}"),
    }
    let gone = stream.get_raw_message(planted).await.unwrap_err();
    assert_eq!(gone.kind(), RawMessageErrorKind::NoMessageFound);

    // ...where both consumers receive it again, still undecodable, and dead-letter it anew.
    let again = dead_letter(&bus, RISK, &second, planted).await;
    assert_eq!(
        again.subject.as_deref(),
        Some("gatehouse.passenger.api.accepted")
    );
    let reporting_again = dead_letter(&bus, REPORTING, &second, planted).await;

    // The two copies of one event need one republish: it reaches both consumers. Kept copies
    // lose nothing whatever the DLQ window, so only INTAKE's (shortened) window is waited out.
    let intake_stream = sandbox.stream("INTAKE");
    let mut config = js
        .get_stream(&intake_stream)
        .await
        .unwrap()
        .cached_info()
        .config
        .clone();
    config.duplicate_window = Duration::from_secs(1);
    js.update_stream(&config).await.unwrap();
    let published_before = js
        .get_stream(&intake_stream)
        .await
        .unwrap()
        .cached_info()
        .state
        .last_sequence;
    let both = Selection::Sequences {
        sequences: vec![again.sequence, reporting_again.sequence],
        consumer: None,
    };
    let in_intake_window = Outcome::InsideDuplicateWindow {
        stream: intake_stream.clone(),
    };
    let report = tokio::time::timeout(LIMIT, async {
        loop {
            let report = dlq::replay(&bus, &both, true).await.unwrap();
            if report.attempts[0].outcome != in_intake_window {
                return report;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await
    .expect("INTAKE's duplicate window never passed");
    let Outcome::Replayed {
        stream: target,
        sequence: republished,
        with: None,
        copy: DlqCopy::Kept,
    } = report.attempts[0].outcome.clone()
    else {
        panic!("not replayed: {report:?}");
    };
    assert_eq!(target, intake_stream);
    assert_eq!(
        report.attempts[1].outcome,
        Outcome::Replayed {
            stream: intake_stream.clone(),
            sequence: republished,
            with: Some(again.sequence),
            copy: DlqCopy::Kept,
        }
    );
    assert_eq!((report.replayed(), report.failed()), (2, 0));
    assert_eq!(republished, published_before + 1);
    for kept in [again.sequence, reporting_again.sequence] {
        assert!(stream.get_raw_message(kept).await.is_ok());
    }

    sandbox.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_copy_without_its_original_subject_is_not_replayed() {
    let sandbox = Sandbox::start().await.unwrap();
    let bus = dlq::connect(&BusArgs {
        connection: NatsConnection {
            nats_url: gatehouse_e2e::nats_url(),
            nats_user: None,
            nats_password: None,
        },
        prefix: sandbox.prefix.clone(),
    })
    .await
    .unwrap();
    let js = sandbox.jetstream().await.unwrap();
    let event_id = uuid::Uuid::now_v7().to_string();
    let mut headers = original_headers(&format!("dlq:{RISK}:{event_id}"));
    headers.insert(HEADER_DLQ_CONSUMER, RISK);
    let sequence = js
        .publish_with_headers(
            format!("{}.gatehouse.dlq.{RISK}", sandbox.prefix),
            headers,
            POISON.into(),
        )
        .await
        .unwrap()
        .await
        .unwrap()
        .sequence;

    let listing = dlq::list(&bus, Some(RISK), 100).await.unwrap();
    assert_eq!(listing.events.len(), 1);
    assert_eq!(listing.events[0].subject, None);
    assert_eq!(
        listing.events[0].event_id.as_deref(),
        Some(event_id.as_str())
    );

    let report = dlq::replay(&bus, &Selection::All { consumer: None }, false)
        .await
        .unwrap();
    assert_eq!(report.failed(), 1, "{report:?}");
    match &report.attempts[0].outcome {
        Outcome::Failed(reason) => assert!(reason.contains("Gatehouse-Dlq-Subject"), "{reason}"),
        other => panic!("replayed: {other:?}"),
    }
    let stream = js.get_stream(sandbox.stream("DLQ")).await.unwrap();
    assert!(stream.get_raw_message(sequence).await.is_ok());

    sandbox.stop().await.unwrap();
}
