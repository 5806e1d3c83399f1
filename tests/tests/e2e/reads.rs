//! End-to-end tests: audited reads of API data. `GetApiReport` returns what was stored, field for
//! field; `SearchTravellers` finds the current version's travellers by flight, name or document;
//! both need a reader's role and a reason, stay inside the caller's agency and units, and write
//! an audit row with who, what and why.

use gatehouse_e2e::{Identity, Sandbox};
use gatehouse_platform::auth::Role;
use gatehouse_proto::v1::{
    FlightCriterion, GetApiReportRequest, MessageFunction, NameCriterion, SearchTravellersRequest,
    SubmitApiReportRequest,
};
use tonic::Code;
use tonic_types::StatusExt;

use super::{OFFICER_BEG, OFFICER_SJJ, SUBMITTER, flight_of, flight_to, traveller, travellers_of};

/// An officer of the same agency as the submitter, at another airport.
const OFFICER_SKP: Identity = Identity {
    subject: "officer-skp",
    agency: "ba-ibm",
    units: &["biu-skp"],
    roles: &[Role::Officer],
};
const READER: Identity = Identity {
    subject: "analyst-read",
    agency: "ba-ibm",
    units: &[],
    roles: &[Role::Analyst],
};

fn get(report_id: &str, reason: &str) -> GetApiReportRequest {
    GetApiReportRequest {
        report_id: report_id.into(),
        reason: reason.into(),
    }
}

async fn audit_rows(pool: &sqlx::PgPool, action: &str) -> Vec<(String, Vec<String>, String)> {
    sqlx::query_as(
        "SELECT actor, resource_ids, reason FROM passenger_intake.audit_log
         WHERE action = $1 ORDER BY id",
    )
    .bind(action)
    .fetch_all(pool)
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_report_is_read_back_whole_by_an_officer_of_its_airport_with_an_audit_row() {
    let sandbox = Sandbox::start().await.unwrap();
    let mut intake = sandbox.passenger_intake(&SUBMITTER).await.unwrap();
    let mut request = flight_to(
        "SJJ",
        "read-1",
        vec![
            traveller("HODZIC", "BIH", "B7001"),
            traveller("KOVAC", "HRV", "C7002"),
        ],
    );
    let report = request.report.as_mut().unwrap();
    report.sent_at = Some(prost_types::Timestamp {
        seconds: 1_796_000_000,
        nanos: 0,
    });
    let first = &mut report.travellers[0];
    first.record_locator = "X7K2QP".into();
    first.final_destination_airport = "BEG".into();
    first.seat = "23C".into();
    first.place_of_birth = "Mostar".into();
    let submitted = request.report.clone().unwrap();
    let accepted = intake
        .submit_api_report(request)
        .await
        .unwrap()
        .into_inner();

    let mut officer = sandbox.passenger_intake(&OFFICER_SJJ).await.unwrap();
    let read = officer
        .get_api_report(get(&accepted.report_id, "case 2026/114: travel history"))
        .await
        .unwrap()
        .into_inner();
    let mut expected = submitted;
    expected.function = MessageFunction::Original as i32;
    assert_eq!(read.report.unwrap(), expected);
    assert_eq!(read.message_id, "read-1");
    assert_eq!(read.agency, "ba-ibm");
    assert_eq!(read.traveller_ids.len(), 2);
    assert_eq!(read.accepted_at, accepted.accepted_at);

    // Refused: no reason; a submitter; another agency; an officer of another airport; no such id.
    let status = officer
        .get_api_report(get(&accepted.report_id, "  "))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    let field = &status.get_details_bad_request().unwrap().field_violations[0];
    assert_eq!(field.field, "reason");
    let status = intake
        .get_api_report(get(&accepted.report_id, "curious"))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);
    for who in [&OFFICER_BEG, &OFFICER_SKP] {
        let mut other = sandbox.passenger_intake(who).await.unwrap();
        let status = other
            .get_api_report(get(&accepted.report_id, "curious"))
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::NotFound, "{}", who.subject);
    }
    let status = officer
        .get_api_report(get(&uuid::Uuid::now_v7().to_string(), "typo"))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
    let status = officer
        .get_api_report(get("not-an-id", "typo"))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);

    let pool = sandbox.database().await.unwrap();
    let rows = audit_rows(&pool, "api_report.read").await;
    assert_eq!(
        rows,
        [(
            "officer-sjj".to_owned(),
            vec![accepted.report_id.clone()],
            "case 2026/114: travel history".to_owned()
        )]
    );
    pool.close().await;
    sandbox.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn travellers_are_found_by_flight_name_and_document_on_the_current_version() {
    let sandbox = Sandbox::start().await.unwrap();
    let mut intake = sandbox.passenger_intake(&SUBMITTER).await.unwrap();
    let mut first = traveller("Đorđević", "SRB", "AB 12-3456");
    first.given_names = "Marko Luka".into();
    let version_1 = flight_to(
        "SJJ",
        "search-1",
        vec![
            first.clone(),
            traveller("BEGIC", "BIH", "B8002"),
            traveller("SELIMI", "MKD", "M8003"),
        ],
    );
    intake.submit_api_report(version_1).await.unwrap();
    // The carrier's replacement drops SELIMI: the current version no longer lists them.
    let mut version_2 = flight_to(
        "SJJ",
        "search-2",
        vec![first, traveller("BEGIC", "BIH", "B8002")],
    );
    version_2.report.as_mut().unwrap().function = MessageFunction::Replace as i32;
    let current = intake
        .submit_api_report(version_2)
        .await
        .unwrap()
        .into_inner();
    // Another flight, JA456 to Skopje.
    let mut skopje: SubmitApiReportRequest =
        flight_to("SKP", "search-3", vec![traveller("BEGIC", "BIH", "B9009")]);
    travellers_of(&mut skopje)[0].given_names = "Amra".into();
    flight_of(&mut skopje).number = "456".into();
    intake.submit_api_report(skopje).await.unwrap();

    let today = chrono::Utc::now().date_naive().to_string();
    let search = |request: SearchTravellersRequest| {
        let sandbox = &sandbox;
        async move {
            let mut client = sandbox.passenger_intake(&OFFICER_SJJ).await.unwrap();
            client.search_travellers(request).await
        }
    };
    let by_flight = search(SearchTravellersRequest {
        flight: Some(FlightCriterion {
            carrier: "ja".into(),
            number: "123".into(),
            departure_date: today.clone(),
        }),
        reason: "flight review".into(),
        ..Default::default()
    })
    .await
    .unwrap()
    .into_inner();
    // The Sarajevo officer sees the SJJ flight's current two, not the SKP flight.
    let surnames: Vec<String> = by_flight
        .travellers
        .iter()
        .map(|f| f.traveller.as_ref().unwrap().surname.clone())
        .collect();
    assert_eq!(surnames, ["Đorđević", "BEGIC"]);
    assert!(
        by_flight
            .travellers
            .iter()
            .all(|f| f.report_id == current.report_id)
    );
    assert!(!by_flight.truncated);

    let by_name = search(SearchTravellersRequest {
        name: Some(NameCriterion {
            surname: "đorđević".into(),
            given_names: "marko".into(),
        }),
        reason: "name check".into(),
        ..Default::default()
    })
    .await
    .unwrap()
    .into_inner();
    assert_eq!(by_name.travellers.len(), 1);
    let found = by_name.travellers[0].traveller.as_ref().unwrap();
    assert_eq!(found.given_names, "Marko Luka");
    assert_eq!(found.documents[0].number, "AB 12-3456");
    assert_eq!(
        by_name.travellers[0]
            .flight
            .as_ref()
            .unwrap()
            .arrival_airport,
        "SJJ"
    );

    let by_document = search(SearchTravellersRequest {
        document_number: "ab123456".into(),
        reason: "document check".into(),
        ..Default::default()
    })
    .await
    .unwrap()
    .into_inner();
    assert_eq!(by_document.travellers.len(), 1);
    let gone = search(SearchTravellersRequest {
        document_number: "M8003".into(),
        reason: "document check".into(),
        ..Default::default()
    })
    .await
    .unwrap()
    .into_inner();
    assert!(
        gone.travellers.is_empty(),
        "a superseded traveller was found"
    );

    // An analyst searches the whole agency: BEGIC on both flights, limit 1 truncates.
    let mut analyst = sandbox.passenger_intake(&READER).await.unwrap();
    let everywhere = analyst
        .search_travellers(SearchTravellersRequest {
            name: Some(NameCriterion {
                surname: "Begic".into(),
                given_names: String::new(),
            }),
            reason: "network analysis".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(everywhere.travellers.len(), 2);
    let limited = analyst
        .search_travellers(SearchTravellersRequest {
            name: Some(NameCriterion {
                surname: "Begic".into(),
                given_names: String::new(),
            }),
            reason: "network analysis".into(),
            limit: 1,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!((limited.travellers.len(), limited.truncated), (1, true));

    // Two criteria, or none, are refused; so is a search without a reason.
    for request in [
        SearchTravellersRequest {
            document_number: "B8002".into(),
            name: Some(NameCriterion::default()),
            reason: "x".into(),
            ..Default::default()
        },
        SearchTravellersRequest {
            reason: "x".into(),
            ..Default::default()
        },
        SearchTravellersRequest {
            document_number: "B8002".into(),
            ..Default::default()
        },
    ] {
        let status = search(request).await.unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument);
    }
    let mut submitter = sandbox.passenger_intake(&SUBMITTER).await.unwrap();
    let status = submitter
        .search_travellers(SearchTravellersRequest {
            document_number: "B8002".into(),
            reason: "x".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);

    let pool = sandbox.database().await.unwrap();
    let documents = audit_rows(&pool, "traveller.search.document").await;
    assert_eq!(documents.len(), 2);
    assert_eq!(documents[0].0, "officer-sjj");
    assert_eq!(
        documents[0].1,
        [by_document.travellers[0].traveller_id.clone()]
    );
    assert_eq!(documents[0].2, "document check");
    assert!(documents[1].1.is_empty());
    assert_eq!(audit_rows(&pool, "traveller.search.name").await.len(), 3);
    assert_eq!(audit_rows(&pool, "traveller.search.flight").await.len(), 1);
    pool.close().await;
    sandbox.stop().await.unwrap();
}
