//! End-to-end tests: manifests through `SubmitManifest`, `StreamManifests` and `GetManifest`. A
//! sea manifest for the Port of Bar of our own making (two bills of lading, containers with
//! seals, HS-coded goods) is stored as a movement version with its consignments as records of
//! their own, published with the parties' history, amended, partly cancelled and read back by
//! an officer of the port's unit, audited with the reason given.

use std::time::Duration;

use gatehouse_e2e::{Identity, Sandbox};
use gatehouse_platform::{auth::Role, bus::subjects};
use gatehouse_proto::v1::{
    CargoManifest, Consignment, Container, Conveyance, GetConsignmentRequest, GetManifestRequest,
    GoodsItem, ManifestAccepted, MessageFunction, Party, SearchConsignmentsRequest,
    StreamManifestsRequest, SubmissionStatus, SubmitManifestRequest, TransportMode,
};
use prost::Message;
use prost_types::Timestamp;
use tokio_stream::StreamExt;
use tonic::Code;
use tonic_types::StatusExt;

const LIMIT: Duration = Duration::from_secs(90);

const CARRIER: Identity = Identity {
    subject: "carrier-msc",
    agency: "me-customs",
    units: &[],
    roles: &[Role::Submitter],
};
const OFFICER_BAR: Identity = Identity {
    subject: "officer-bar",
    agency: "me-customs",
    units: &["pcu-bar"],
    roles: &[Role::Officer],
};
/// Same agency, another unit's port.
const OFFICER_SJJ: Identity = Identity {
    subject: "officer-sjj-cargo",
    agency: "me-customs",
    units: &["jaitf-sjj"],
    roles: &[Role::Officer],
};

/// 06:00 UTC on 2026-12-21 plus `hours`.
fn at(hours: i64) -> Option<Timestamp> {
    Some(Timestamp {
        seconds: 1_797_832_800 + hours * 3600,
        nanos: 0,
    })
}

fn party(name: &str, country: &str, identifier: &str) -> Party {
    Party {
        name: name.into(),
        address_lines: vec!["Obala 1".into()],
        city: "Bar".into(),
        country: country.into(),
        identifier: identifier.into(),
        identifier_type: if identifier.is_empty() { "" } else { "EORI" }.into(),
        ..Default::default()
    }
}

fn goods(hs: &str, description: &str, packages: u32, kg: f64, container: &str) -> GoodsItem {
    GoodsItem {
        sequence_number: 1,
        hs_code: hs.into(),
        description: description.into(),
        package_count: packages,
        package_type: "CT".into(),
        gross_weight_kg: kg,
        origin_country: "CHN".into(),
        container_numbers: vec![container.into()],
        ..Default::default()
    }
}

fn bill(number: &str, consignee: Party, hs: &str, container: &str, seal: &str) -> Consignment {
    Consignment {
        transport_document_number: number.into(),
        transport_document_issuer: "MSCU".into(),
        consignor: Some(party("Ningbo Hardware Export Co", "CHN", "")),
        consignee: Some(consignee),
        goods_items: vec![goods(
            hs,
            "Steel wire rope, galvanised",
            400,
            9_800.0,
            container,
        )],
        containers: vec![Container {
            number: container.into(),
            size_type: "22G1".into(),
            seal_numbers: vec![seal.into()],
            gross_weight_kg: 12_000.0,
            ..Default::default()
        }],
        port_of_loading: "CNNGB".into(),
        gross_weight_kg: 9_800.0,
        package_count: 400,
        ..Default::default()
    }
}

fn manifest(
    voyage: &str,
    function: MessageFunction,
    consignments: Vec<Consignment>,
) -> CargoManifest {
    CargoManifest {
        manifest_ref: format!("MSC-{voyage}"),
        mode: TransportMode::Sea as i32,
        carrier: "MSCU".into(),
        conveyance: Some(Conveyance {
            name: "MSC ADRIATIC".into(),
            imo_number: "9074729".into(),
            nationality: "PAN".into(),
            ..Default::default()
        }),
        voyage_number: voyage.into(),
        port_of_loading: "CNNGB".into(),
        port_of_discharge: "MEBAR".into(),
        place_of_entry: "MEBAR".into(),
        estimated_arrival: at(0),
        estimated_departure: at(-30 * 24),
        consignments,
        sender: "MSC Montenegro".into(),
        function: function as i32,
    }
}

fn submit(message_id: &str, manifest: CargoManifest) -> SubmitManifestRequest {
    SubmitManifestRequest {
        message_id: message_id.into(),
        manifest: Some(manifest),
    }
}

fn read(manifest_id: &str, version: u32) -> GetManifestRequest {
    GetManifestRequest {
        manifest_id: manifest_id.into(),
        reason: "pre-arrival profiling of voyage 612E".into(),
        version,
    }
}

/// A consumer of the sandbox's manifest events of one mode, made before anything is published: no service
/// consumes cargo events yet, so the interest-retained stream keeps only what a consumer wants.
async fn manifest_events(
    sandbox: &Sandbox,
    mode: &str,
) -> async_nats::jetstream::consumer::Consumer<async_nats::jetstream::consumer::pull::Config> {
    use async_nats::jetstream::consumer::pull;
    let js = sandbox.jetstream().await.unwrap();
    js.get_stream(sandbox.stream("INTAKE"))
        .await
        .unwrap()
        .create_consumer(pull::Config {
            durable_name: Some(format!("e2e-manifests-{mode}")),
            filter_subject: format!("{}.{}", sandbox.prefix, subjects::manifest_accepted(mode)),
            ..Default::default()
        })
        .await
        .unwrap()
}

async fn next_events(
    consumer: &async_nats::jetstream::consumer::Consumer<
        async_nats::jetstream::consumer::pull::Config,
    >,
    count: usize,
) -> Vec<ManifestAccepted> {
    let mut messages = consumer.messages().await.unwrap();
    let mut events = Vec::with_capacity(count);
    while events.len() < count {
        let message = tokio::time::timeout(LIMIT, messages.next())
            .await
            .unwrap_or_else(|_| panic!("{} of {count} manifest events published", events.len()))
            .unwrap()
            .unwrap();
        events.push(ManifestAccepted::decode(message.payload.clone()).unwrap());
        message.ack().await.unwrap();
    }
    events
}

#[tokio::test]
async fn a_manifest_is_stored_as_versions_of_its_movement_with_consignments_and_party_history() {
    let sandbox = Sandbox::start().await.unwrap();
    let events = manifest_events(&sandbox, "sea").await;
    let mut cargo = sandbox.cargo_intake(&CARRIER).await.unwrap();
    let consignee = party("Jadran Trade d.o.o.", "MNE", "ME02999111");

    let first = manifest(
        "612E",
        MessageFunction::Original,
        vec![
            bill(
                "MEDUNB123401",
                consignee.clone(),
                "731210",
                "MSCU6639870",
                "ML-0001",
            ),
            bill(
                "MEDUNB123402",
                party("Primorka Bar", "MNE", ""),
                "940360",
                "CSQU3054383",
                "ML-0002",
            ),
        ],
    );
    let accepted = cargo
        .submit_manifest(submit("msc-612E-1", first.clone()))
        .await
        .unwrap()
        .into_inner();
    assert!(!accepted.duplicate);
    assert_eq!(accepted.version, 1);
    assert_eq!(accepted.consignment_count, 2);
    assert_eq!(accepted.consignment_ids.len(), 2);
    assert_ne!(accepted.consignment_ids[0], accepted.consignment_ids[1]);

    // The same message id again: the first result, nothing stored again.
    let again = cargo
        .submit_manifest(submit("msc-612E-1", first))
        .await
        .unwrap()
        .into_inner();
    assert!(again.duplicate);
    assert_eq!(again.manifest_id, accepted.manifest_id);
    assert_eq!(again.consignment_ids, accepted.consignment_ids);
    assert_eq!(again.accepted_at, accepted.accepted_at);

    let [event] = <[ManifestAccepted; 1]>::try_from(next_events(&events, 1).await).unwrap();
    assert_eq!(event.manifest_id, accepted.manifest_id);
    assert_eq!(event.agency, "me-customs");
    assert_eq!(event.version, 1);
    assert_eq!(event.consignment_ids, accepted.consignment_ids);
    let record = &event.consignment_records[0];
    assert_eq!(record.version, 1);
    let history = record.consignee_history.as_ref().unwrap();
    assert!(history.first_seen);
    assert_eq!(history.previous_consignments, 0);
    assert!(history.earlier_origin_countries.is_empty());

    // The next voyage brings the same consignee again (by its EORI, under another spelling).
    let next = manifest(
        "613E",
        MessageFunction::Original,
        vec![bill(
            "MEDUNB129901",
            party("JADRAN TRADE DOO", "MNE", "ME02999111"),
            "731210",
            "MSCU6639870",
            "ML-0101",
        )],
    );
    let second_voyage = cargo
        .submit_manifest(submit("msc-613E-1", next))
        .await
        .unwrap()
        .into_inner();
    assert_ne!(second_voyage.manifest_id, accepted.manifest_id);
    let [event] = <[ManifestAccepted; 1]>::try_from(next_events(&events, 1).await).unwrap();
    let history = event.consignment_records[0]
        .consignee_history
        .clone()
        .unwrap();
    assert!(!history.first_seen);
    assert_eq!(history.previous_consignments, 1);
    assert_eq!(history.earlier_origin_countries, ["CHN"]);
    assert!(history.first_seen_at.is_some());
    // The consignor was seen on both bills of voyage 612E.
    let consignor = event.consignment_records[0]
        .consignor_history
        .clone()
        .unwrap();
    assert_eq!(consignor.previous_consignments, 2);

    // An UPDATE of voyage 612E: the first bill changed, a third added; the second stays.
    let mut changed = bill(
        "MEDUNB123401",
        consignee.clone(),
        "731210",
        "MSCU6639870",
        "ML-0001",
    );
    changed.package_count = 380;
    changed.goods_items[0].package_count = 380;
    let update = manifest(
        "612E",
        MessageFunction::Update,
        vec![
            changed,
            bill(
                "MEDUNB123403",
                consignee,
                "830249",
                "TGHU8833443",
                "ML-0003",
            ),
        ],
    );
    let updated = cargo
        .submit_manifest(submit("msc-612E-2", update))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(updated.manifest_id, accepted.manifest_id);
    assert_eq!(updated.version, 2);
    assert_eq!(updated.consignment_ids[0], accepted.consignment_ids[0]);
    let [event] = <[ManifestAccepted; 1]>::try_from(next_events(&events, 1).await).unwrap();
    assert_eq!(event.version, 2);
    // Only what the update sent is assessed again. The changed bill is its version 2 and carries
    // the history of its first version; the new bill's consignee has one earlier consignment now.
    assert_eq!(event.manifest.as_ref().unwrap().consignments.len(), 2);
    assert_eq!(event.consignment_records[0].version, 2);
    let history = event.consignment_records[0]
        .consignee_history
        .clone()
        .unwrap();
    assert!(history.first_seen);
    assert_eq!(history.previous_consignments, 0);
    assert_eq!(event.consignment_records[1].version, 1);
    let history = event.consignment_records[1]
        .consignee_history
        .clone()
        .unwrap();
    assert_eq!(history.previous_consignments, 2);

    let mut officer = sandbox.cargo_intake(&OFFICER_BAR).await.unwrap();
    let current = officer
        .get_manifest(read(&accepted.manifest_id, 0))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(current.version, 2);
    let numbers: Vec<&str> = current
        .manifest
        .as_ref()
        .unwrap()
        .consignments
        .iter()
        .map(|c| c.transport_document_number.as_str())
        .collect();
    assert_eq!(numbers, ["MEDUNB123401", "MEDUNB123402", "MEDUNB123403"]);
    assert_eq!(current.consignment_versions, [2, 1, 1]);
    let stored = current.manifest.unwrap();
    assert_eq!(stored.consignments[0].package_count, 380);
    assert_eq!(
        stored.consignments[1].containers[0].seal_numbers,
        ["ML-0002"]
    );
    assert_eq!(stored.conveyance.unwrap().imo_number, "9074729");

    // The first version is still there as it was.
    let original = officer
        .get_manifest(read(&accepted.manifest_id, 1))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(original.consignment_ids, accepted.consignment_ids);
    assert_eq!(
        original.manifest.unwrap().consignments[0].package_count,
        400
    );

    // Consignments are records of their own: read one, and find them by container, party,
    // document and vessel.
    let bill_one = officer
        .get_consignment(GetConsignmentRequest {
            consignment_id: accepted.consignment_ids[0].clone(),
            reason: "pre-arrival profiling of voyage 612E".into(),
            version: 0,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!((bill_one.version, bill_one.current_version), (2, 2));
    assert_eq!(bill_one.consignment.unwrap().package_count, 380);
    assert_eq!(bill_one.movements.len(), 1);
    assert_eq!(bill_one.movements[0].manifest_id, accepted.manifest_id);
    assert_eq!(bill_one.movements[0].voyage_number, "612E");
    assert_eq!(bill_one.movements[0].manifest_version, 2);
    assert!(bill_one.consignee_history.unwrap().first_seen);
    let search = |request: SearchConsignmentsRequest| {
        let mut officer = officer.clone();
        async move {
            let found = officer
                .search_consignments(SearchConsignmentsRequest {
                    reason: "profiling".into(),
                    ..request
                })
                .await
                .unwrap()
                .into_inner()
                .consignments;
            let mut numbers: Vec<String> = found
                .into_iter()
                .map(|f| f.summary.unwrap().transport_document_number)
                .collect();
            numbers.sort();
            numbers
        }
    };
    assert_eq!(
        search(SearchConsignmentsRequest {
            container_number: "mscu 663987-0".into(),
            ..Default::default()
        })
        .await,
        ["MEDUNB123401", "MEDUNB129901"]
    );
    assert_eq!(
        search(SearchConsignmentsRequest {
            party_name: "jadran".into(),
            ..Default::default()
        })
        .await,
        ["MEDUNB123401", "MEDUNB123403", "MEDUNB129901"]
    );
    assert_eq!(
        search(SearchConsignmentsRequest {
            transport_document_number: "MEDUNB123402".into(),
            ..Default::default()
        })
        .await,
        ["MEDUNB123402"]
    );
    assert_eq!(
        search(SearchConsignmentsRequest {
            imo_number: "IMO 9074729".into(),
            arrival_from: "2026-12-21".into(),
            arrival_to: "2026-12-21".into(),
            ..Default::default()
        })
        .await
        .len(),
        4
    );
    assert!(
        search(SearchConsignmentsRequest {
            imo_number: "9074729".into(),
            arrival_from: "2026-12-22".into(),
            ..Default::default()
        })
        .await
        .is_empty()
    );
    let status = officer
        .search_consignments(SearchConsignmentsRequest {
            reason: "profiling".into(),
            party_name: "ja".into(),
            vessel_name: "MSC".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    let mut elsewhere = sandbox.cargo_intake(&OFFICER_SJJ).await.unwrap();
    let nothing = elsewhere
        .search_consignments(SearchConsignmentsRequest {
            reason: "profiling".into(),
            vessel_name: "adriatic".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(nothing.consignments.is_empty());

    // A CANCEL naming the second bill withdraws it from the voyage.
    let mut withdrawn = manifest("612E", MessageFunction::Cancel, Vec::new());
    withdrawn.consignments = vec![Consignment {
        transport_document_number: "MEDUNB123402".into(),
        transport_document_issuer: "MSCU".into(),
        ..Default::default()
    }];
    let cancelled = cargo
        .submit_manifest(submit("msc-612E-3", withdrawn))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(cancelled.version, 3);
    assert_eq!(
        cancelled.consignment_ids,
        [accepted.consignment_ids[1].clone()]
    );
    // Resent, the cancel answers its first result again.
    let mut resent = manifest("612E", MessageFunction::Cancel, Vec::new());
    resent.consignments = vec![Consignment {
        transport_document_number: "MEDUNB123402".into(),
        transport_document_issuer: "MSCU".into(),
        ..Default::default()
    }];
    let again = cargo
        .submit_manifest(submit("msc-612E-3", resent))
        .await
        .unwrap()
        .into_inner();
    assert!(again.duplicate);
    assert_eq!(again.consignment_ids, cancelled.consignment_ids);
    assert_eq!(again.version, 3);
    let [event] = <[ManifestAccepted; 1]>::try_from(next_events(&events, 1).await).unwrap();
    assert_eq!(
        event.manifest.unwrap().function,
        MessageFunction::Cancel as i32
    );
    let after = officer
        .get_manifest(read(&accepted.manifest_id, 0))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(after.version, 3);
    assert_eq!(
        after.consignment_ids,
        [
            accepted.consignment_ids[0].clone(),
            updated.consignment_ids[1].clone()
        ]
    );

    // Every read was audited with its reason.
    let db = sandbox.database().await.unwrap();
    let audited: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT actor, action, reason FROM cargo_intake.audit_log WHERE $1 = ANY(resource_ids)",
    )
    .bind(&accepted.manifest_id)
    .fetch_all(&db)
    .await
    .unwrap();
    assert_eq!(audited.len(), 3);
    assert!(
        audited
            .iter()
            .all(|(actor, action, reason)| actor == "officer-bar"
                && action == "manifest.read"
                && reason == "pre-arrival profiling of voyage 612E")
    );

    // An officer of another unit does not learn that the manifest exists; no reason, no read.
    let status = elsewhere
        .get_manifest(read(&accepted.manifest_id, 0))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
    let status = officer
        .get_manifest(GetManifestRequest {
            manifest_id: accepted.manifest_id.clone(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    // A submitter cannot read.
    let status = cargo
        .get_manifest(read(&accepted.manifest_id, 0))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);
    sandbox.stop().await.unwrap();
}

#[tokio::test]
async fn streamed_manifests_get_one_result_each_and_bad_ones_name_the_field() {
    let sandbox = Sandbox::start().await.unwrap();
    let mut cargo = sandbox.cargo_intake(&CARRIER).await.unwrap();
    let consignee = || party("Luka Bar AD", "MNE", "");

    // A container number whose check digit is wrong (MSCU6639870 is right) is refused with the
    // field named and the value never echoed.
    let wrong = manifest(
        "700E",
        MessageFunction::Original,
        vec![bill(
            "MEDUNB700001",
            consignee(),
            "731210",
            "MSCU6639871",
            "S1",
        )],
    );
    let status = cargo
        .submit_manifest(submit("bad-container", wrong.clone()))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    let violations = status.get_details_bad_request().unwrap().field_violations;
    assert!(
        violations
            .iter()
            .any(|v| v.field == "manifest.consignments[0].containers[0].number"),
        "{violations:?}"
    );
    assert!(!status.message().contains("MSCU6639871"));

    let items = vec![
        StreamManifestsRequest {
            message_id: "s-1".into(),
            manifest: Some(manifest(
                "701E",
                MessageFunction::Original,
                vec![bill(
                    "MEDUNB701001",
                    consignee(),
                    "731210",
                    "MSCU6639870",
                    "S1",
                )],
            )),
        },
        StreamManifestsRequest {
            message_id: "s-2".into(),
            manifest: Some(wrong),
        },
        StreamManifestsRequest {
            message_id: "s-3".into(),
            manifest: Some(manifest(
                "702E",
                MessageFunction::Original,
                vec![bill(
                    "MEDUNB702001",
                    consignee(),
                    "731210",
                    "CSQU3054383",
                    "S2",
                )],
            )),
        },
        // A repeat of the first within the stream.
        StreamManifestsRequest {
            message_id: "s-1".into(),
            manifest: Some(manifest("701E", MessageFunction::Original, Vec::new())),
        },
    ];
    let mut responses = cargo
        .stream_manifests(tokio_stream::iter(items))
        .await
        .unwrap()
        .into_inner();
    let mut results = Vec::new();
    while let Some(response) = tokio::time::timeout(LIMIT, responses.next()).await.unwrap() {
        results.extend(response.unwrap().results);
    }
    let statuses: Vec<(String, SubmissionStatus)> = results
        .iter()
        .map(|r| {
            (
                r.message_id.clone(),
                SubmissionStatus::try_from(r.status).unwrap(),
            )
        })
        .collect();
    assert_eq!(statuses[0], ("s-1".to_owned(), SubmissionStatus::Accepted));
    assert_eq!(statuses[1], ("s-2".to_owned(), SubmissionStatus::Rejected));
    assert_eq!(statuses[2], ("s-3".to_owned(), SubmissionStatus::Accepted));
    assert_eq!(statuses.len(), 4);
    assert_eq!(
        results[1].violations[0].field,
        "manifest.consignments[0].containers[0].number"
    );
    assert_eq!(results[0].item_count, 1);
    assert_eq!(results[0].version, 1);
    assert_ne!(results[0].record_id, results[2].record_id);

    // The same manifests as proto3 JSON files through the CLI: one line per manifest.
    let dir =
        std::env::temp_dir().join(format!("gatehouse-manifest-json-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("voyage-703E.json");
    let json = format!(
        r#"{{"manifest": {{"mode": "TRANSPORT_MODE_SEA", "carrier": "MSCU", "voyageNumber": "703E",
             "portOfLoading": "CNNGB", "portOfDischarge": "MEBAR", "placeOfEntry": "MEBAR",
             "estimatedArrival": "2026-12-21T06:00:00Z",
             "consignments": [{{"transportDocumentNumber": "MEDUNB703001",
               "consignee": {{"name": "Luka Bar AD", "country": "MNE"}},
               "goodsItems": [{{"sequenceNumber": 1, "hsCode": "731210",
                 "description": "Steel wire rope", "packageCount": 40, "packageType": "CT",
                 "grossWeightKg": 900, "containerNumbers": ["{container}"]}}],
               "containers": [{{"number": "{container}", "sizeType": "22G1"}}]}}]}}}}"#,
        container = "CSQU3054383"
    );
    std::fs::write(&file, json).unwrap();
    let lines = gatehouse_cli::submit::submit_manifest_json_file(&mut cargo, &file).await;
    assert_eq!(
        lines
            .iter()
            .map(|l| (l.message, l.status, l.consignments))
            .collect::<Vec<_>>(),
        [(1, "accepted", Some(1))],
        "{lines:?}"
    );
    let again = gatehouse_cli::submit::submit_manifest_json_file(&mut cargo, &file).await;
    assert_eq!(
        (again[0].status, &again[0].record_id),
        ("duplicate", &lines[0].record_id)
    );
    std::fs::write(&file, r#"{"manifest": {"mode": "BOAT"}}"#).unwrap();
    let refused = gatehouse_cli::submit::submit_manifest_json_file(&mut cargo, &file).await;
    assert_eq!((refused[0].message, refused[0].status), (0, "rejected"));
    std::fs::remove_dir_all(&dir).unwrap();

    // Three voyages, three movements, three consignments; nothing of the rejected one.
    let db = sandbox.database().await.unwrap();
    for (table, rows) in [
        ("manifests", 3),
        ("manifest_versions", 3),
        ("consignments", 3),
        ("consignment_containers", 3),
    ] {
        let count: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM cargo_intake.{table}"))
            .fetch_one(&db)
            .await
            .unwrap();
        assert_eq!(count, rows, "{table}");
    }
    sandbox.stop().await.unwrap();
}

/// A CUSCAR interchange of our own: one report for voyage `voyage` of the MSC ADRIATIC into Bar,
/// one house bill of lading in one container, and a second message without a voyage.
fn cuscar(reference: &str, voyage: &str) -> String {
    [
        format!("UNB+UNOC:3+MSCU+MECUSTOMS+261220:0600+{reference}"),
        "UNH+1+CUSCAR:D:03B:UN".to_owned(),
        format!("BGM+785+BAR{voyage}+9"),
        format!("TDT+20+{voyage}+1++MSCU:172:20+++9074729:146:11:MSC ADRIATIC:PA"),
        "LOC+9+CNNGB:139:6".to_owned(),
        "LOC+11+MEBAR:139:6".to_owned(),
        "DTM+132:202612210600:203".to_owned(),
        "EQD+CN+MSCU6639870+22G1+++5".to_owned(),
        "SEL+ML-0701".to_owned(),
        "CNI+1+MEDUNB880001".to_owned(),
        "RFF+BM:MEDUNB880001".to_owned(),
        "NAD+CZ+++NINGBO HARDWARE EXPORT CO+ZHONGSHAN RD 8+NINGBO++315000+CN".to_owned(),
        "NAD+CN+ME02999111:EORI++JADRAN TRADE DOO+OBALA 1+BAR++85000+ME".to_owned(),
        "GID+1+400:CT".to_owned(),
        "FTX+AAA+++STEEL WIRE ROPE, GALVANISED".to_owned(),
        "PIA+5+731210:HS".to_owned(),
        "MEA+WT+G+KGM:9800".to_owned(),
        "SGP+MSCU6639870+400".to_owned(),
        "UNT+18+1".to_owned(),
        "UNH+2+CUSCAR:D:03B:UN".to_owned(),
        "BGM+785+BARNOVOYAGE+9".to_owned(),
        "TDT+20++1++MSCU:172:20".to_owned(),
        "LOC+11+MEBAR:139:6".to_owned(),
        "DTM+132:202612210600:203".to_owned(),
        "CNI+1+MEDUNB880002".to_owned(),
        "RFF+BM:MEDUNB880002".to_owned(),
        "GID+1+10:CT".to_owned(),
        "MEA+WT+G+KGM:100".to_owned(),
        "UNT+10+2".to_owned(),
        format!("UNZ+2+{reference}"),
    ]
    .join("'")
        + "'"
}

#[tokio::test]
async fn cuscar_messages_are_stored_one_result_each_and_the_unusable_name_their_fields() {
    let sandbox = Sandbox::start().await.unwrap();
    let mut cargo = sandbox.cargo_intake(&CARRIER).await.unwrap();
    let dir = std::env::temp_dir().join(format!("gatehouse-cuscar-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    let report = dir.join("bar-880.edi");
    std::fs::write(&report, cuscar("CR880", "880E")).unwrap();

    let lines = gatehouse_cli::submit::submit_cuscar_file(&mut cargo, &report).await;
    let summary: Vec<(u32, &str, Option<i32>)> = lines
        .iter()
        .map(|l| (l.message, l.status, l.consignments))
        .collect();
    assert_eq!(
        summary,
        [(1, "accepted", Some(1)), (2, "rejected", Some(0))]
    );
    assert!(
        lines[1].reason.contains("manifest.voyage_number"),
        "{}",
        lines[1].reason
    );
    assert!(!lines[1].reason.contains("MEDUNB880002"));

    // Read back as a structured manifest: the mapping kept what targeting needs.
    let mut officer = sandbox.cargo_intake(&OFFICER_BAR).await.unwrap();
    let stored = officer
        .get_manifest(GetManifestRequest {
            manifest_id: lines[0].record_id.clone(),
            reason: "pre-arrival profiling of voyage 880E".into(),
            version: 0,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(stored.message_id, "cuscar:MSCU:CR880/1");
    let manifest = stored.manifest.unwrap();
    assert_eq!(manifest.mode, TransportMode::Sea as i32);
    assert_eq!(manifest.voyage_number, "880E");
    assert_eq!(manifest.port_of_discharge, "MEBAR");
    assert_eq!(manifest.conveyance.unwrap().imo_number, "9074729");
    let bill = &manifest.consignments[0];
    assert_eq!(bill.transport_document_number, "MEDUNB880001");
    assert_eq!(bill.consignee.as_ref().unwrap().country, "MNE");
    assert_eq!(bill.goods_items[0].hs_code, "731210");
    assert_eq!(bill.goods_items[0].gross_weight_kg, 9_800.0);
    assert_eq!(bill.containers[0].number, "MSCU6639870");
    assert_eq!(bill.containers[0].seal_numbers, ["ML-0701"]);

    // The same interchange again is a duplicate of what was stored.
    let again = gatehouse_cli::submit::submit_cuscar_file(&mut cargo, &report).await;
    assert_eq!(
        (again[0].status, again[0].consignments),
        ("duplicate", Some(1))
    );
    assert_eq!(again[0].record_id, lines[0].record_id);

    // Unreadable input is refused as a whole, naming the field and the rule; a 10 MB
    // interchange is over the message limit; nothing of them is stored, and the service goes on.
    for (name, bytes) in [
        ("garbage", vec![0u8, 0xff, 0xfe, 0x00, 0x13]),
        (
            "truncated",
            cuscar("CR881", "881E").as_bytes()[..120].to_vec(),
        ),
    ] {
        let status = cargo
            .submit_cuscar(gatehouse_proto::v1::SubmitCuscarRequest {
                message_id: name.into(),
                edifact: bytes,
            })
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument, "{name}: {status:?}");
        let violations = status.get_details_bad_request().unwrap().field_violations;
        assert_eq!(violations[0].field, "edifact", "{name}");
    }
    let huge = cuscar("CR882", "882E").replace("STEEL WIRE ROPE", &"X".repeat(10 << 20));
    let status = cargo
        .submit_cuscar(gatehouse_proto::v1::SubmitCuscarRequest {
            message_id: "huge".into(),
            edifact: huge.into_bytes(),
        })
        .await
        .unwrap_err();
    assert!(
        matches!(status.code(), Code::OutOfRange | Code::ResourceExhausted),
        "{status:?}"
    );
    let db = sandbox.database().await.unwrap();
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM cargo_intake.manifest_versions")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(
        stored, 1,
        "only the first interchange's good message is stored"
    );

    // The fixtures of others: every message of every file gets a result; none is complete
    // enough to store (no voyage, no place of discharge or entry), and each says which field.
    let fixtures = std::env::var_os("GATEHOUSE_FIXTURES");
    if fixtures.is_none() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "GATEHOUSE_FIXTURES must be set in CI"
        );
    }
    if let Some(root) = fixtures {
        let folder = std::path::PathBuf::from(root).join("cuscar");
        for (file, messages) in [
            ("95b_cuscar.edi", 1),
            ("99a_cuscar.edi", 2),
            ("d03b_CUSCAR_message_01.edi", 1),
        ] {
            let lines =
                gatehouse_cli::submit::submit_cuscar_file(&mut cargo, &folder.join(file)).await;
            assert_eq!(lines.len(), messages, "{file}: {lines:?}");
            for line in &lines {
                assert_eq!(line.status, "rejected", "{file}");
                assert!(
                    line.reason.contains("manifest.voyage_number"),
                    "{file}: {}",
                    line.reason
                );
            }
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
    sandbox.stop().await.unwrap();
}

const ANALYST_ME: Identity = Identity {
    subject: "analyst-me",
    agency: "me-customs",
    units: &[],
    roles: &[Role::Analyst],
};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_consignment_hit_by_a_cargo_rule_alerts_the_unit_of_its_place_of_entry_and_is_counted() {
    use gatehouse_proto::v1::{
        CreateRuleRequest, Domain, RuleStatus, SetRuleStatusRequest, Severity,
        SubscribeAlertsRequest, subject, subscribe_alerts_response::Event,
    };
    let sandbox = Sandbox::start().await.unwrap();
    let mut targeting = sandbox.risk_targeting(&ANALYST_ME).await.unwrap();
    // A cargo rule that does not type-check is refused where it is written.
    let status = targeting
        .create_rule(CreateRuleRequest {
            rule_id: "bad-cargo".into(),
            name: "compares a bool with text".into(),
            domain: Domain::Cargo as i32,
            expression: "consignee.first_seen == 'yes'".into(),
            weight: 1.0,
            severity: Severity::Low as i32,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    let rule = targeting
        .create_rule(CreateRuleRequest {
            rule_id: "arms-to-a-new-consignee-via-tur".into(),
            name: "Arms for a first-time consignee, routed via Türkiye".into(),
            domain: Domain::Cargo as i32,
            expression: "consignee.first_seen && goods.hs_codes.exists(h, h.startsWith('9301')) \
                         && 'TUR' in route.countries"
                .into(),
            weight: 60.0,
            severity: Severity::High as i32,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .rule
        .unwrap();
    targeting
        .set_rule_status(SetRuleStatusRequest {
            rule_id: rule.rule_id.clone(),
            version: 1,
            status: RuleStatus::Active as i32,
            reason: "e2e".into(),
        })
        .await
        .unwrap();

    // A second rule, on vague descriptions, that only the amendment below meets.
    targeting
        .create_rule(CreateRuleRequest {
            rule_id: "vague-description".into(),
            name: "Goods described too vaguely to profile".into(),
            domain: Domain::Cargo as i32,
            expression: "goods.description_vague".into(),
            weight: 10.0,
            severity: Severity::Low as i32,
            ..Default::default()
        })
        .await
        .unwrap();
    targeting
        .set_rule_status(SetRuleStatusRequest {
            rule_id: "vague-description".into(),
            version: 1,
            status: RuleStatus::Active as i32,
            reason: "e2e".into(),
        })
        .await
        .unwrap();

    let mut alerts = sandbox.unit_alerts(&OFFICER_BAR).await.unwrap();
    let mut stream = alerts
        .subscribe_alerts(SubscribeAlertsRequest {
            unit_ids: vec![],
            cursor: String::new(),
        })
        .await
        .unwrap()
        .into_inner();

    let mut arms = bill(
        "MEDUNB990001",
        party("Novi Uvoznik d.o.o.", "MNE", ""),
        "930190",
        "MSCU6639870",
        "ML-0901",
    );
    arms.countries_of_routing = vec!["CHN".into(), "TUR".into(), "MNE".into()];
    arms.goods_items[0].description = "Sporting rifles, bolt action".into();
    let plain = bill(
        "MEDUNB990002",
        party("Primorka Bar", "MNE", ""),
        "731210",
        "CSQU3054383",
        "ML-0902",
    );
    let mut cargo = sandbox.cargo_intake(&CARRIER).await.unwrap();
    let accepted = cargo
        .submit_manifest(submit(
            "msc-990E-1",
            manifest("990E", MessageFunction::Original, vec![arms.clone(), plain]),
        ))
        .await
        .unwrap()
        .into_inner();

    let alert = match super::next_change(&mut stream).await.event {
        Some(Event::Raised(alert)) => alert,
        other => panic!("expected a raised alert, got {other:?}"),
    };
    assert_eq!(alert.unit_id, "pcu-bar");
    assert_eq!(alert.domain, Domain::Cargo as i32);
    assert_eq!(alert.location, "MEBAR");
    assert_eq!(alert.severity, Severity::High as i32);
    assert_eq!(
        alert.dedupe_key,
        format!("consignment/{}", accepted.consignment_ids[0])
    );
    let Some(subject::Subject::Consignment(consignment)) =
        alert.subject.as_ref().and_then(|s| s.subject.clone())
    else {
        panic!("alert without consignment subject: {alert:?}");
    };
    assert_eq!(consignment.transport_document_number, "MEDUNB990001");
    assert_eq!(consignment.hs_codes, ["930190"]);
    assert_eq!(consignment.container_numbers, ["MSCU6639870"]);
    let hit = &alert.hits[0];
    assert_eq!(hit.rule_id, "arms-to-a-new-consignee-via-tur");
    assert_eq!(hit.evidence["goods.hs_codes"], "930190");
    assert_eq!(hit.evidence["consignee.first_seen"], "true");

    // An amendment of the same bill is assessed again (it carries the history of its original,
    // so the first rule still fires) and updates the open alert instead of raising another.
    // It describes the goods as "FAK" (freight of all kinds): the second rule fires too.
    let mut amended = arms;
    amended.goods_items[0].description = "FAK".into();
    cargo
        .submit_manifest(submit(
            "msc-990E-2",
            manifest("990E", MessageFunction::Update, vec![amended]),
        ))
        .await
        .unwrap();
    let updated = match super::next_change(&mut stream).await.event {
        Some(Event::Updated(alert)) => alert,
        other => panic!("expected the alert updated, got {other:?}"),
    };
    assert_eq!(updated.alert_id, alert.alert_id);
    assert_eq!(updated.revision, 2);
    assert_eq!(updated.hits.len(), 2);
    assert_eq!(updated.score, 70.0);
    // Statistics count each consignment once and the hit once.
    let mut reporting = sandbox.reporting(&OFFICER_BAR).await.unwrap();
    let today = chrono::Utc::now().date_naive().to_string();
    super::statistics_when(&mut reporting, "pcu-bar", Domain::Cargo, &today, |day| {
        (day.records, day.hits, day.alerts) == (2, 1, 1)
    })
    .await;
    sandbox.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_manifests_see_a_new_consignee_first_exactly_once() {
    let sandbox = Sandbox::start().await.unwrap();
    let events = manifest_events(&sandbox, "sea").await;
    let cargo = sandbox.cargo_intake(&CARRIER).await.unwrap();
    // Eight voyages at once, each with a bill for the same consignee never seen before.
    let submissions = (0..8).map(|i| {
        let mut cargo = cargo.clone();
        async move {
            let voyage = format!("80{i}E");
            let bill = bill(
                &format!("MEDUNB8800{i}"),
                party("Nova Luka d.o.o.", "MNE", "ME07777777"),
                "731210",
                "MSCU6639870",
                "S8",
            );
            cargo
                .submit_manifest(submit(
                    &format!("msc-{voyage}"),
                    manifest(&voyage, MessageFunction::Original, vec![bill]),
                ))
                .await
                .unwrap()
                .into_inner()
        }
    });
    let accepted = futures::future::join_all(submissions).await;
    assert!(accepted.iter().all(|a| !a.duplicate && a.version == 1));
    let mut previous: Vec<i32> = next_events(&events, 8)
        .await
        .iter()
        .map(|event| {
            let history = event.consignment_records[0]
                .consignee_history
                .clone()
                .unwrap();
            assert_eq!(history.first_seen, history.previous_consignments == 0);
            history.previous_consignments
        })
        .collect();
    previous.sort_unstable();
    // One saw the consignee first; each of the others saw every one before it.
    assert_eq!(previous, (0..8).collect::<Vec<i32>>());
    sandbox.stop().await.unwrap();
}

/// An air waybill of our own making: Istanbul to Sarajevo, ten cartons of phones, booked on
/// TK1021; `consignee` names the importer.
fn fwb(consignee: &str) -> String {
    [
        "FWB/17",
        "235-12345675ISTSJJ/T10K250",
        "FLT/TK1021/21",
        "RTG/SJJTK",
        "SHP",
        "NAM/SHENZHEN HUAXIN ELECTRONICS",
        "ADR/12 KEJI ROAD",
        "LOC/SHENZHEN",
        "/CN/518000",
        "CNE",
        &format!("NAM/{consignee}"),
        "ADR/ZMAJA OD BOSNE 8",
        "LOC/SARAJEVO",
        "/BA/71000",
        "CVD/USD//PP/NVD/NCV/XXX",
        "RTD/1/P10/K250/CQ/W250/R4.5/T1125",
        "/NG/MOBILE PHONES",
        "/2/NH/851713",
    ]
    .join("\n")
}

/// The flight manifest of `flight` from Istanbul to Sarajevo on `day` (`21DEC`) carrying
/// `pieces` of the waybill's ten in one ULD.
fn ffm(flight: &str, day: &str, uld: &str, pieces: u32, kg: u32) -> String {
    format!(
        "FFM/8\n1/{flight}/{day}/IST\nSJJ\nULD/{uld}\n\
         235-12345675ISTSJJ/P{pieces}K{kg}MC0.5T10/MOBILE PHONES\nLAST\n"
    )
}

const FHL: &str = "FHL/5\nMBI/235-12345675ISTSJJ/T10K250\n\
                   HBS/HB1001/ISTSJJ/4/K100//MOBILE PHONES\n\
                   SHP\nNAM/HUAXIN EXPORT AGENT\nLOC/SHENZHEN\n/CN\n\
                   CNE\nNAM/BOSNA PHONE SHOP\nLOC/SARAJEVO\n/BA\n";

const AIRLINE: Identity = Identity {
    subject: "turkish-cargo",
    agency: "ba-customs",
    units: &[],
    roles: &[Role::Submitter],
};
const OFFICER_SJJ_ACCU: Identity = Identity {
    subject: "officer-sjj-accu",
    agency: "ba-customs",
    units: &["jaitf-sjj"],
    roles: &[Role::Officer],
};
const OFFICER_BAR_BA: Identity = Identity {
    subject: "officer-bar-ba",
    agency: "ba-customs",
    units: &["pcu-bar"],
    roles: &[Role::Officer],
};

#[tokio::test]
async fn cargo_imp_waybills_wait_on_file_and_complete_the_flights_that_list_them() {
    let sandbox = Sandbox::start().await.unwrap();
    let events = manifest_events(&sandbox, "air").await;
    let mut airline = sandbox.cargo_intake(&AIRLINE).await.unwrap();
    let mut officer = sandbox.cargo_intake(&OFFICER_SJJ_ACCU).await.unwrap();
    let imp = |text: &str| gatehouse_proto::v1::SubmitCargoImpRequest {
        message_id: String::new(),
        text: text.to_owned(),
    };
    let reason = "pre-arrival profiling of TK1021";
    let consignment = |id: &str| GetConsignmentRequest {
        consignment_id: id.to_owned(),
        reason: reason.into(),
        version: 0,
    };

    // The waybill comes first: on file, no flight lists it yet.
    let waybill = airline
        .submit_cargo_imp(imp(&fwb("TEHNO MAX DOO")))
        .await
        .unwrap()
        .into_inner();
    let [message] = <[_; 1]>::try_from(waybill.messages).unwrap();
    let result = message.result.unwrap();
    assert_eq!(
        result.status,
        SubmissionStatus::Accepted as i32,
        "{result:?}"
    );
    assert_eq!(message.reference, "FWB/17");
    assert!(message.on_file);
    assert!(message.manifest_ids.is_empty());
    assert!(waybill.manifest_id.is_empty());
    let consignment_id = result.record_id.clone();
    assert_eq!(
        message.consignment_ids,
        std::slice::from_ref(&consignment_id)
    );
    let on_file = officer
        .get_consignment(consignment(&consignment_id))
        .await
        .unwrap()
        .into_inner();
    assert!(on_file.movements.is_empty());
    let stored = on_file.consignment.unwrap();
    assert_eq!(stored.transport_document_issuer, "235");
    assert_eq!(stored.consignee.unwrap().name, "TEHNO MAX DOO");
    assert_eq!(stored.package_count, 10);
    // Bound for Sarajevo: the Port of Bar's officer does not see it.
    let mut bar = sandbox.cargo_intake(&OFFICER_BAR_BA).await.unwrap();
    let status = bar
        .get_consignment(consignment(&consignment_id))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
    let found = officer
        .search_consignments(SearchConsignmentsRequest {
            reason: reason.into(),
            transport_document_number: "235-1234 5675".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(found.consignments.len(), 1);
    assert_eq!(found.consignments[0].place_of_entry, "SJJ");

    // The first flight carries four of the ten pieces: the flight's consignment is the
    // waybill's, with the pieces, weight and ULD of this flight.
    let first = airline
        .submit_cargo_imp(imp(&ffm("TK1021", "21DEC", "AKE12345TK", 4, 100)))
        .await
        .unwrap()
        .into_inner();
    let [message] = <[_; 1]>::try_from(first.messages).unwrap();
    let result = message.result.unwrap();
    assert_eq!(
        result.status,
        SubmissionStatus::Accepted as i32,
        "{result:?}"
    );
    assert_eq!(
        message.consignment_ids,
        std::slice::from_ref(&consignment_id)
    );
    assert_eq!(
        message.manifest_ids,
        std::slice::from_ref(&first.manifest_id)
    );
    let flight_one = first.manifest_id.clone();
    let read_flight = |manifest_id: &str, version: u32| GetManifestRequest {
        manifest_id: manifest_id.to_owned(),
        reason: reason.into(),
        version,
    };
    let manifest = officer
        .get_manifest(read_flight(&flight_one, 0))
        .await
        .unwrap()
        .into_inner()
        .manifest
        .unwrap();
    assert_eq!(
        (
            manifest.voyage_number.as_str(),
            manifest.place_of_entry.as_str()
        ),
        ("TK1021", "SJJ")
    );
    let carried = &manifest.consignments[0];
    assert_eq!(carried.consignee.as_ref().unwrap().name, "TEHNO MAX DOO");
    assert_eq!((carried.package_count, carried.gross_weight_kg), (4, 100.0));
    assert_eq!(carried.containers[0].number, "AKE12345TK");
    assert_eq!(carried.goods_items[0].hs_code, "851713");
    // Targeting is told of it, with the waybill's parties.
    let [event] = <[ManifestAccepted; 1]>::try_from(next_events(&events, 1).await).unwrap();
    assert_eq!(event.manifest_id, flight_one);
    let sent = &event.manifest.unwrap().consignments[0];
    assert_eq!(
        sent.consignor.as_ref().unwrap().name,
        "SHENZHEN HUAXIN ELECTRONICS"
    );

    // The same text again: a duplicate, nothing filed again.
    let again = airline
        .submit_cargo_imp(imp(&ffm("TK1021", "21DEC", "AKE12345TK", 4, 100)))
        .await
        .unwrap()
        .into_inner();
    assert!(again.duplicate);
    assert_eq!(again.manifest_id, flight_one);

    // The forwarder's house waybill, sent after the flight manifest: the flight gets a version
    // with the house under its master.
    let houses = airline
        .submit_cargo_imp(imp(FHL))
        .await
        .unwrap()
        .into_inner();
    let [message] = <[_; 1]>::try_from(houses.messages).unwrap();
    assert_eq!(
        message.result.as_ref().unwrap().status,
        SubmissionStatus::Accepted as i32,
        "{message:?}"
    );
    assert_eq!(message.manifest_ids, std::slice::from_ref(&flight_one));
    assert!(!message.on_file);
    let with_house = officer
        .get_manifest(read_flight(&flight_one, 0))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(with_house.version, 2);
    let numbers: Vec<(&str, &str)> = with_house
        .manifest
        .as_ref()
        .unwrap()
        .consignments
        .iter()
        .map(|c| {
            (
                c.transport_document_number.as_str(),
                c.master_document_number.as_str(),
            )
        })
        .collect();
    assert_eq!(numbers, [("235-12345675", ""), ("HB1001", "235-12345675")]);
    let [event] = <[ManifestAccepted; 1]>::try_from(next_events(&events, 1).await).unwrap();
    assert_eq!(
        (event.manifest_id.as_str(), event.version),
        (flight_one.as_str(), 2)
    );
    assert_eq!(
        event.manifest.unwrap().consignments.len(),
        1,
        "only the house is new"
    );

    // The rest of the split shipment flies the next day: that flight keeps its six pieces, the
    // first keeps its four.
    let second = airline
        .submit_cargo_imp(imp(&ffm("TK1023", "22DEC", "AKE23456TK", 6, 150)))
        .await
        .unwrap()
        .into_inner();
    let flight_two = second.manifest_id.clone();
    assert_ne!(flight_two, flight_one);
    let pieces = |manifest: &CargoManifest| -> Vec<u32> {
        manifest
            .consignments
            .iter()
            .map(|c| c.package_count)
            .collect()
    };
    let two = officer
        .get_manifest(read_flight(&flight_two, 0))
        .await
        .unwrap()
        .into_inner()
        .manifest
        .unwrap();
    // The house follows its master onto every flight that carries it.
    assert_eq!(pieces(&two), [6, 4]);
    let one = officer
        .get_manifest(read_flight(&flight_one, 0))
        .await
        .unwrap()
        .into_inner()
        .manifest
        .unwrap();
    assert_eq!(pieces(&one), [4, 4]);
    let movements = officer
        .get_consignment(consignment(&consignment_id))
        .await
        .unwrap()
        .into_inner()
        .movements;
    let mut voyages: Vec<&str> = movements.iter().map(|m| m.voyage_number.as_str()).collect();
    voyages.sort_unstable();
    assert_eq!(voyages, ["TK1021", "TK1023"]);
    next_events(&events, 1).await;

    // The waybill amended (another consignee): both flights get a version with it, each with
    // its own pieces.
    let amended = airline
        .submit_cargo_imp(imp(&fwb("TEHNO MAX SARAJEVO DOO")))
        .await
        .unwrap()
        .into_inner();
    let [message] = <[_; 1]>::try_from(amended.messages).unwrap();
    let mut refiled = message.manifest_ids.clone();
    refiled.sort_unstable();
    let mut flights = vec![flight_one.clone(), flight_two.clone()];
    flights.sort_unstable();
    assert_eq!(refiled, flights);
    for (flight, own) in [(&flight_one, 4), (&flight_two, 6)] {
        let manifest = officer
            .get_manifest(read_flight(flight, 0))
            .await
            .unwrap()
            .into_inner()
            .manifest
            .unwrap();
        let master = &manifest.consignments[0];
        assert_eq!(
            master.consignee.as_ref().unwrap().name,
            "TEHNO MAX SARAJEVO DOO"
        );
        assert_eq!(master.package_count, own);
        assert_eq!(manifest.consignments.len(), 2);
    }
    assert_eq!(next_events(&events, 2).await.len(), 2);

    // The fixtures of others: every FWB, FFM and FHL message gets a result, and the other
    // Cargo-IMP types are refused as unsupported.
    let fixtures = std::env::var_os("GATEHOUSE_FIXTURES").map(std::path::PathBuf::from);
    if fixtures.is_none() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "GATEHOUSE_FIXTURES must be set in CI"
        );
    }
    if let Some(root) = fixtures {
        let submit = async |file: &str| {
            let mut airline = sandbox.cargo_intake(&AIRLINE).await.unwrap();
            let path = root.join("cargo-imp").join(file);
            gatehouse_cli::submit::submit_cargo_imp_file(&mut airline, &path).await
        };
        let statuses = |lines: &[gatehouse_cli::submit::MessageLine]| -> Vec<&'static str> {
            lines.iter().map(|l| l.status).collect()
        };
        // Five waybills; the last four are versions of one (777-12345675), two with a line the
        // reader mended.
        let waybills = submit("fwb17.txt").await;
        assert_eq!(statuses(&waybills), ["accepted"; 5], "{waybills:?}");
        assert!(
            waybills[1..]
                .iter()
                .all(|l| l.record_id == waybills[1].record_id)
        );
        assert_ne!(waybills[0].record_id, waybills[1].record_id);
        assert!(
            waybills[2].reason.contains("segment 148 (SSR)"),
            "{}",
            waybills[2].reason
        );
        // Five flight manifests: one with no cargo (LHR/NIL) is accepted with nothing to file;
        // one lists air waybills whose check digits are wrong, and says which fields.
        let flights = submit("ffm8.txt").await;
        assert_eq!(
            statuses(&flights),
            ["accepted", "accepted", "accepted", "rejected", "accepted"],
            "{flights:?}"
        );
        assert!(flights[2].record_id.is_empty());
        assert_eq!(flights[2].consignments, Some(0));
        assert!(
            flights[3].reason.contains(
                "manifest.consignments[0].transport_document_number: air waybill check digit"
            ),
            "{}",
            flights[3].reason
        );
        assert!(!flights[3].reason.contains("074-12345632"));
        let houses = submit("fhl5.txt").await;
        assert_eq!(statuses(&houses), ["accepted"; 6], "{houses:?}");
        // The same file again: every message a duplicate.
        let again = submit("fhl5.txt").await;
        assert_eq!(statuses(&again), ["duplicate"; 6], "{again:?}");
        // The other Cargo-IMP types: refused one by one as unsupported.
        for (file, messages) in [
            ("fbl4.txt", 1),
            ("ffa4.txt", 1),
            ("fsa15.txt", 24),
            ("fsr1.txt", 3),
        ] {
            let lines = submit(file).await;
            assert_eq!(lines.len(), messages, "{file}");
            for line in &lines {
                assert_eq!(line.status, "rejected", "{file}");
                assert!(
                    line.reason.contains("is not supported"),
                    "{file}: {}",
                    line.reason
                );
            }
        }
    }
    sandbox.stop().await.unwrap();
}
