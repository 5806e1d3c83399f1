//! End-to-end tests: raw PAXLST interchanges through `SubmitPaxlst`. The carriers' samples from
//! GTAS (read from `$GATEHOUSE_FIXTURES/paxlst`, never copied here) are stored one report per
//! message with their warnings; multi-part messages wait for their parts across submissions;
//! unreadable input is refused naming the segment and nothing is stored.

use gatehouse_e2e::Sandbox;
use gatehouse_proto::v1::{
    ApiReportAccepted, PaxlstMessageResult, SubmissionStatus, SubmitPaxlstRequest,
    SubmitPaxlstResponse, TravellerRole,
};
use tonic::Code;
use tonic_types::StatusExt;

use super::SUBMITTER;
use super::intake::{accepted_events, count};

fn request(message_id: &str, edifact: impl Into<Vec<u8>>) -> SubmitPaxlstRequest {
    SubmitPaxlstRequest {
        message_id: message_id.into(),
        edifact: edifact.into(),
    }
}

fn status(result: &PaxlstMessageResult) -> SubmissionStatus {
    SubmissionStatus::try_from(result.result.as_ref().unwrap().status).unwrap()
}

fn statuses(response: &SubmitPaxlstResponse) -> Vec<SubmissionStatus> {
    response.messages.iter().map(status).collect()
}

/// A PAXLST message of our own: flight JA0110 Vienna → Sarajevo on 2026-12-20, UNT counted.
fn message(reference: &str, unh_tail: &str, travellers: &[(&str, &str)]) -> String {
    let mut segments = vec![
        "BGM+745".to_owned(),
        "NAD+MS+++OPS DESK".to_owned(),
        "TDT+20+JA0110+++JA".to_owned(),
        "LOC+125+VIE".to_owned(),
        "DTM+189:2612201030:201".to_owned(),
        "LOC+87+SJJ".to_owned(),
        "DTM+232:2612201200:201".to_owned(),
    ];
    for (surname, passport) in travellers {
        segments.push(format!("NAD+FL+++{surname}:ANA"));
        segments.push("ATT+2++F".to_owned());
        segments.push("DTM+329:900101".to_owned());
        segments.push("NAT+2+BIH".to_owned());
        segments.push("DOC+P:110:111+".to_owned() + passport);
        segments.push("DTM+36:301231".to_owned());
    }
    segments.push(format!("CNT+42:{}", travellers.len()));
    let body: String = segments.iter().map(|s| format!("{s}'")).collect();
    format!(
        "UNH+{reference}+PAXLST:D:05B:UN:IATA{unh_tail}'{body}UNT+{}+{reference}'",
        segments.len() + 2
    )
}

/// `text` with every NUL replaced by `byte` (a byte that is not valid UTF-8 on its own).
fn latin1(text: &str, byte: u8) -> Vec<u8> {
    text.bytes()
        .map(|b| if b == 0 { byte } else { b })
        .collect()
}

fn interchange(control: &str, messages: &[String]) -> String {
    format!(
        "UNA:+.? 'UNB+UNOA:4+JA:ZZ+BAAPI:ZZ+261219:2200+{control}'{}UNZ+{}+{control}'",
        messages.concat(),
        messages.len()
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn carrier_samples_are_stored_one_report_per_message_with_their_warnings() {
    let files = [
        "apisMessage.txt",
        "loader_Test1.txt",
        "loader_Test3.txt",
        "loader_airline2.edi",
        "loader_multiple_flight_leg_apis.txt",
    ];
    let Some(inputs) = files
        .iter()
        .map(|name| super::fixture("paxlst", name))
        .collect::<Option<Vec<_>>>()
    else {
        return;
    };
    let sandbox = Sandbox::builder().observe_intake().start().await.unwrap();
    let mut intake = sandbox.passenger_intake(&SUBMITTER).await.unwrap();
    let mut responses = Vec::new();
    for input in &inputs {
        // No message id: the key is the UNB sender and control reference.
        let response = intake
            .submit_paxlst(request("", input.clone()))
            .await
            .unwrap()
            .into_inner();
        responses.push(response);
    }
    let [apis, test1, test3, airline2, multi_leg] = responses.as_slice() else {
        unreachable!()
    };

    assert_eq!(statuses(apis), [SubmissionStatus::Accepted]);
    assert_eq!(apis.traveller_count, 2);
    assert_eq!(apis.messages[0].list, "passengers");
    assert_eq!(apis.messages[0].reference, "PAX001");
    let result = apis.messages[0].result.as_ref().unwrap();
    assert_eq!(result.message_id, "paxlst:AIR1:000006640/1");
    assert_eq!(apis.report_id, result.record_id);

    // The crew list's UNT count is stale: stored, and the carrier is told.
    assert_eq!(statuses(test1), [SubmissionStatus::Accepted]);
    assert_eq!(test1.traveller_count, 8);
    assert_eq!(test1.messages[0].list, "crew");
    let unt = &test1.warnings;
    assert!(
        unt.iter()
            .any(|w| w.tag == "UNT" && w.segment == 109 && w.reason.contains("declares")),
        "{unt:?}"
    );

    // First part of ABC01 and the final part (10) of another message: both wait for the rest.
    assert_eq!(statuses(test3), [SubmissionStatus::Pending]);
    assert_eq!(
        (
            test3.messages[0].part_sequence,
            test3.messages[0].final_part
        ),
        (1, false)
    );
    assert_eq!(test3.traveller_count, 0);
    // One name holds a byte outside the declared UNOA: read as ISO 8859-1 and reported.
    assert!(
        test3
            .warnings
            .iter()
            .any(|w| w.segment == 852 && w.reason.contains("read as ISO 8859-1")),
        "{:?}",
        test3.warnings
    );
    assert!(test3.report_id.is_empty());
    assert_eq!(statuses(airline2), [SubmissionStatus::Pending]);
    assert_eq!(
        (
            airline2.messages[0].part_sequence,
            airline2.messages[0].final_part
        ),
        (10, true)
    );
    let reason = &airline2.messages[0].result.as_ref().unwrap().reason;
    assert!(reason.contains("part 10 held"), "{reason}");
    assert!(reason.contains("the final part is in"), "{reason}");
    assert!(
        airline2
            .warnings
            .iter()
            .any(|w| w.tag == "UNT" && w.reason.contains("UNH")),
        "{:?}",
        airline2.warnings
    );

    assert_eq!(statuses(multi_leg), [SubmissionStatus::Accepted]);
    assert!(
        multi_leg
            .warnings
            .iter()
            .any(|w| w.tag == "UNZ" && w.reason.contains("7 characters after UNZ")),
        "{:?}",
        multi_leg.warnings
    );

    // What targeting receives: the carrier's values, mapped.
    let events = accepted_events(&sandbox, 3).await;
    let by_report =
        |id: &str| -> &ApiReportAccepted { events.iter().find(|e| e.report_id == id).unwrap() };
    let crew = by_report(&test1.report_id).report.as_ref().unwrap();
    let flight = crew.flight.as_ref().unwrap();
    assert_eq!(
        (
            flight.carrier.as_str(),
            flight.number.as_str(),
            flight.departure_airport.as_str(),
            flight.arrival_airport.as_str(),
            flight.departure_date.as_str()
        ),
        ("UA", "0989", "FRA", "IAD", "2017-01-27")
    );
    // DTM 189/232 are local times: 17:25 in Frankfurt (UTC+1), 07:10 at Dulles (UTC-5).
    let instant = |ts: &Option<prost_types::Timestamp>| {
        chrono::DateTime::from_timestamp(ts.as_ref().unwrap().seconds, 0)
            .unwrap()
            .to_rfc3339()
    };
    assert_eq!(
        instant(&flight.scheduled_departure),
        "2017-01-27T16:25:00+00:00"
    );
    assert_eq!(
        instant(&flight.scheduled_arrival),
        "2017-01-28T12:10:00+00:00"
    );
    assert_eq!(crew.sender, "APIS*C3K");
    assert_eq!(crew.travellers.len(), 8);
    let first = &crew.travellers[0];
    assert_eq!(first.role, TravellerRole::Crew as i32);
    assert_eq!(first.nationality, "GBR");
    assert_eq!(first.country_of_residence, "GBR");
    assert_eq!(first.place_of_birth, "Hartford USA");
    assert_eq!(first.documents[0].number, "123456789");
    assert_eq!(first.documents[0].expiry_date, "2061-02-18");
    assert_eq!(first.documents[0].issuing_country, "GBR");
    assert_eq!(crew.travellers[7].surname, "Zschieschak");

    let passengers = by_report(&apis.report_id).report.as_ref().unwrap();
    let flight = passengers.flight.as_ref().unwrap();
    assert_eq!(
        (flight.carrier.as_str(), flight.number.as_str()),
        ("AA", "124")
    );
    let michael = &passengers.travellers[0];
    assert_eq!(michael.role, TravellerRole::Passenger as i32);
    assert_eq!(michael.record_locator, "TYR123");
    assert_eq!(michael.embarkation_airport, "ATL");
    assert_eq!(michael.debarkation_airport, "JFK");

    // The same interchange again (no message id): every message a duplicate, nothing stored.
    let again = intake
        .submit_paxlst(request("", inputs[0].clone()))
        .await
        .unwrap()
        .into_inner();
    assert!(again.duplicate);
    assert_eq!(statuses(&again), [SubmissionStatus::Duplicate]);
    assert_eq!(again.report_id, apis.report_id);
    let pool = sandbox.database().await.unwrap();
    assert_eq!(count(&pool, "api_reports").await, 3);
    assert_eq!(count(&pool, "paxlst_parts").await, 2);
    pool.close().await;
    sandbox.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_parts_of_a_message_are_put_together_across_submissions() {
    let sandbox = Sandbox::builder().observe_intake().start().await.unwrap();
    let mut intake = sandbox.passenger_intake(&SUBMITTER).await.unwrap();
    let part = |sequence: &str, travellers: &[(&str, &str)]| {
        message(
            &format!("M{sequence}"),
            &format!("+JA0110LIST+{sequence}"),
            travellers,
        )
    };
    // Part 2 arrives first, then the final part 3 with a crew list in the same interchange,
    // then part 1.
    let second = intake
        .submit_paxlst(request(
            "ic-2",
            interchange("IC2", &[part("2:C", &[("KOVAC", "B1000002")])]),
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(statuses(&second), [SubmissionStatus::Pending]);
    let crew = message("CREW1", "", &[("PILOT", "B9000001")]).replace("BGM+745", "BGM+250");
    let third = intake
        .submit_paxlst(request(
            "ic-3",
            interchange(
                "IC3",
                &[
                    part("3:F", &[("HODZIC", "B1000003"), ("BEGIC", "B1000004")]),
                    crew,
                ],
            ),
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        statuses(&third),
        [SubmissionStatus::Pending, SubmissionStatus::Accepted]
    );
    let reason = &third.messages[0].result.as_ref().unwrap().reason;
    assert!(reason.contains("parts held 2, 3"), "{reason}");
    assert_eq!(third.messages[1].list, "crew");

    let first = intake
        .submit_paxlst(request(
            "ic-1",
            interchange("IC1", &[part("1:C", &[("DZAFERI", "B1000001")])]),
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(statuses(&first), [SubmissionStatus::Accepted]);
    let whole = first.messages[0].result.as_ref().unwrap();
    assert_eq!(whole.item_count, 4);
    assert_eq!(first.traveller_count, 4);

    // One report of the whole list, travellers in part order; the parts' text is dropped.
    let events = accepted_events(&sandbox, 2).await;
    let list = events
        .iter()
        .find(|e| e.report_id == whole.record_id)
        .unwrap();
    assert_eq!(list.message_id, "paxlst-parts:JA:JA0110LIST");
    let report = list.report.as_ref().unwrap();
    let surnames: Vec<&str> = report
        .travellers
        .iter()
        .map(|t| t.surname.as_str())
        .collect();
    assert_eq!(surnames, ["DZAFERI", "KOVAC", "HODZIC", "BEGIC"]);
    let flight = report.flight.as_ref().unwrap();
    assert_eq!(
        (
            flight.number.as_str(),
            flight.departure_airport.as_str(),
            flight.departure_date.as_str()
        ),
        ("0110", "VIE", "2026-12-20")
    );
    assert_eq!(report.part_number, 0);
    let pool = sandbox.database().await.unwrap();
    let held: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM passenger_intake.paxlst_parts
         WHERE interchange IS NULL AND report_id IS NOT NULL",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(held, 3);

    // A part resent after the whole was stored is a duplicate of that report.
    let resent = intake
        .submit_paxlst(request(
            "ic-2-again",
            interchange("IC2B", &[part("2:C", &[("KOVAC", "B1000002")])]),
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(statuses(&resent), [SubmissionStatus::Duplicate]);
    assert_eq!(
        resent.messages[0].result.as_ref().unwrap().record_id,
        whole.record_id
    );
    assert_eq!(count(&pool, "api_reports").await, 2);
    pool.close().await;
    sandbox.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn unreadable_input_is_refused_by_segment_and_one_bad_message_spares_the_others() {
    let sandbox = Sandbox::builder().observe_intake().start().await.unwrap();
    let mut intake = sandbox.passenger_intake(&SUBMITTER).await.unwrap();

    let refused = [
        // Binary garbage.
        (vec![0x00, 0xff, 0xfe, 0x13, 0x37], "segment 1 (UNB)"),
        // A Latin-1 byte in an interchange declaring UTF-8 (UNOW).
        (
            latin1(
                &interchange("IC9", &[message("1", "", &[("M\u{0}LLER", "B1")])])
                    .replace("UNOA", "UNOW"),
                0xdc,
            ),
            "segment 10",
        ),
        // Truncated in the middle of a segment.
        (
            interchange("IC8", &[message("1", "", &[("KOVAC", "B1")])])[..120].into(),
            "segment",
        ),
    ];
    for (input, location) in refused {
        let status = intake
            .submit_paxlst(request("bad", input))
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
        let details = status.get_details_bad_request().unwrap();
        assert_eq!(details.field_violations[0].field, "edifact");
        let description = &details.field_violations[0].description;
        assert!(description.contains(location), "{description}");
        assert!(!status.message().contains("KOVAC"), "{}", status.message());
    }

    // ISO 8859-5 (UNOE) is read as Cyrillic: Ђорђевић in capitals.
    let cyrillic =
        interchange("IC6", &[message("1", "", &[("\u{0}", "B5")])]).replace("UNOA", "UNOE");
    let cyrillic: Vec<u8> = cyrillic
        .into_bytes()
        .into_iter()
        .flat_map(|b| {
            if b == 0 {
                vec![0xa2, 0xbe, 0xc0, 0xa2, 0xb5, 0xb2, 0xb8, 0xab]
            } else {
                vec![b]
            }
        })
        .collect();
    let response = intake
        .submit_paxlst(request("cyrillic", cyrillic))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(statuses(&response), [SubmissionStatus::Accepted]);
    let events = accepted_events(&sandbox, 1).await;
    assert_eq!(
        events[0].report.as_ref().unwrap().travellers[0].surname,
        "ЂОРЂЕВИЋ"
    );

    // A 10 MB interchange is over the message limit: refused before it is read, and the service
    // goes on serving (the mixed interchange below is answered after it).
    let huge = interchange(
        "IC10",
        &[message("1", "", &[("KOVAC", "B1")]).replace("OPS DESK", &"X".repeat(10 << 20))],
    );
    let status = intake
        .submit_paxlst(request("huge", huge))
        .await
        .unwrap_err();
    assert!(
        matches!(status.code(), Code::OutOfRange | Code::ResourceExhausted),
        "{status:?}"
    );
    assert!(
        status.message().contains("too large"),
        "{}",
        status.message()
    );

    // Message 1 has no BGM, message 2 a traveller without a surname, message 3 is good.
    let no_bgm = message("1", "", &[("KOVAC", "B1")]).replace("BGM+745'", "");
    let no_surname = message("2", "", &[("", "B2"), ("BEGIC", "B3")]);
    // Its passport expires 21 days after the flight: stored, with a warning.
    let good = message("3", "", &[("HODZIC", "B4")]).replace("DTM+36:301231", "DTM+36:270110");
    let response = intake
        .submit_paxlst(request(
            "mixed",
            interchange("IC7", &[no_bgm, no_surname, good]),
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        statuses(&response),
        [
            SubmissionStatus::Rejected,
            SubmissionStatus::Rejected,
            SubmissionStatus::Accepted
        ]
    );
    let first = response.messages[0].result.as_ref().unwrap();
    assert_eq!(first.violations[0].field, "edifact.messages[1]");
    assert!(first.reason.contains("BGM"), "{}", first.reason);
    let second = response.messages[1].result.as_ref().unwrap();
    assert_eq!(
        second.violations[0].field,
        "edifact.messages[2].travellers[0].surname"
    );
    assert!(
        second.violations[0].description.contains("NAD at segment"),
        "{:?}",
        second.violations
    );
    assert_eq!(response.traveller_count, 1);
    let third = response.messages[2].result.as_ref().unwrap();
    let warnings: Vec<(&str, &str, &str)> = third
        .warnings
        .iter()
        .map(|w| (w.field.as_str(), w.code.as_str(), w.reason.as_str()))
        .collect();
    assert_eq!(
        warnings,
        [(
            "report.travellers[0].documents[0].expiry_date",
            "document_expires_soon",
            "expires 21 days after the flight date"
        )]
    );
    let events = accepted_events(&sandbox, 2).await;
    let stored = events
        .iter()
        .find(|e| e.report_id == third.record_id)
        .unwrap();
    assert_eq!(stored.warnings, third.warnings);
    let pool = sandbox.database().await.unwrap();
    assert_eq!(count(&pool, "api_reports").await, 2);
    assert_eq!(count(&pool, "api_travellers").await, 2);
    pool.close().await;
    sandbox.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_submit_command_reports_one_line_per_message() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let mut intake = sandbox.passenger_intake(&SUBMITTER).await.unwrap();
    let dir = std::env::temp_dir().join(format!("gatehouse-submit-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    let lists = dir.join("lists.edi");
    let no_bgm = message("1", "", &[("KOVAC", "B1")]).replace("BGM+745'", "");
    std::fs::write(
        &lists,
        interchange(
            "IC5",
            &[
                message("2", "", &[("HODZIC", "B4"), ("BEGIC", "B3")]),
                no_bgm,
            ],
        ),
    )
    .unwrap();
    let garbage = dir.join("garbage.bin");
    std::fs::write(&garbage, [0u8, 0xff, 0xfe]).unwrap();

    let lines = gatehouse_cli::submit::submit_paxlst_file(&mut intake, &lists).await;
    let summary: Vec<(u32, &str, Option<i32>)> = lines
        .iter()
        .map(|l| (l.message, l.status, l.travellers))
        .collect();
    assert_eq!(
        summary,
        [(1, "accepted", Some(2)), (2, "rejected", Some(0))]
    );
    assert!(!lines[0].record_id.is_empty());
    assert!(lines[1].reason.contains("BGM"), "{}", lines[1].reason);
    // The UNT count of the message without BGM is off by one: a warning, sent along.
    assert!(
        lines[1].reason.contains("warning: segment"),
        "{}",
        lines[1].reason
    );

    // Run again: the UNB key makes it a duplicate, not a second report.
    let again = gatehouse_cli::submit::submit_paxlst_file(&mut intake, &lists).await;
    assert_eq!(again[0].status, "duplicate");
    assert_eq!(again[0].record_id, lines[0].record_id);

    let refused = gatehouse_cli::submit::submit_paxlst_file(&mut intake, &garbage).await;
    assert_eq!(refused.len(), 1);
    assert_eq!((refused[0].message, refused[0].status), (0, "rejected"));
    assert!(
        refused[0]
            .reason
            .starts_with("InvalidArgument: edifact: segment 1 (UNB)"),
        "{}",
        refused[0].reason
    );
    let missing =
        gatehouse_cli::submit::submit_paxlst_file(&mut intake, &dir.join("none.edi")).await;
    assert!(
        missing[0].reason.contains("cannot read"),
        "{}",
        missing[0].reason
    );
    std::fs::remove_dir_all(&dir).unwrap();
    sandbox.stop().await.unwrap();
}
