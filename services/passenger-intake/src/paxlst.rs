//! `SubmitPaxlst`: a raw PAXLST interchange as the carrier sent it becomes one API report per
//! message, stored through the same batch path (validation, versions, outbox) as structured
//! reports. Parts of a multi-part message wait in `paxlst_parts` until the last one is in; the
//! parser then puts them together and the whole message is stored as one report.
//!
//! Control counts (UNT, CNT, UNZ) are checked leniently: a wrong count is sent back as a warning
//! and the travellers listed are taken, because real carrier systems get counts wrong (three of the
//! five GTAS samples do) and refusing the list would leave the unit blind to that flight.

use chrono::{DateTime, NaiveDate, Utc};
use gatehouse_formats::{
    Warning,
    edifact::{self, InterchangeHeader},
    paxlst::{self, ListKind, PaxlstMessage},
};
use gatehouse_platform::{
    error::FieldViolations,
    events::to_timestamp,
    interchange::{self, LENIENT, number},
};
use gatehouse_proto::v1::{
    ApiReport, DocumentType, Flight, FlightDirection, MessageFunction, PaxlstMessageResult, Sex,
    SubmissionResult, SubmissionStatus, SubmitApiReportRequest, SubmitPaxlstRequest,
    SubmitPaxlstResponse, TravelDocument, Traveller, TravellerRole,
};
use sqlx::Row;
use uuid::Uuid;

use crate::{
    IntakeError, PassengerIntake, batch, times,
    validate::{self, Limits, ValidReport},
};

/// Parts whose other parts never came are dropped after this long (the carrier has long resent
/// the whole list by then).
const PART_RETENTION_HOURS: i32 = 72;

/// Stores the messages of one interchange submitted by `agency`.
pub async fn submit(
    intake: &PassengerIntake,
    agency: &str,
    request: SubmitPaxlstRequest,
) -> Result<SubmitPaxlstResponse, IntakeError> {
    let (text, charset_warnings) = interchange::decode(&request.edifact)?;
    let mut interchange = paxlst::parse_interchange_with(&text, LENIENT)
        .map_err(|error| interchange::unreadable(&error))?;
    interchange.warnings.splice(0..0, charset_warnings);
    let key = interchange::key("paxlst", &request.message_id, &interchange.header, 8)?;
    let sender = interchange.header.sender.id.clone();
    let limits = intake.limits();

    let mut results: Vec<PaxlstMessageResult> = Vec::with_capacity(interchange.messages.len());
    let mut whole: Vec<(usize, ValidReport)> = Vec::new();
    let mut parts: Vec<(usize, Part)> = Vec::new();
    for (i, message) in interchange.messages.into_iter().enumerate() {
        let index = i + 1;
        let message_id = format!("{key}/{index}");
        let message = match message {
            Ok(message) => message,
            Err(error) => {
                let mut violations = FieldViolations::new();
                violations.add(
                    format!("edifact.messages[{index}]"),
                    error.error.to_string(),
                );
                results.push(PaxlstMessageResult {
                    message: number(index),
                    reference: error.reference.unwrap_or_default(),
                    result: Some(crate::rejected(message_id, &violations)),
                    ..Default::default()
                });
                continue;
            }
        };
        let mut result = PaxlstMessageResult {
            message: number(index),
            reference: message.header.reference.clone(),
            list: list_name(&message.list),
            warnings: message
                .warnings
                .iter()
                .map(interchange::format_warning)
                .collect(),
            ..Default::default()
        };
        if let Some(transfer) = message.header.transfer {
            result.part_sequence = transfer.sequence;
            result.final_part = transfer.position == Some(edifact::TransferPosition::Last);
            match &message.header.common_access_reference {
                Some(common) => parts.push((
                    results.len(),
                    Part {
                        message_id,
                        common_reference: common.clone(),
                        sequence: transfer.sequence,
                        final_part: result.final_part,
                        index,
                    },
                )),
                None => {
                    let mut violations = FieldViolations::new();
                    violations.add(
                        format!("edifact.messages[{index}].common_access_reference"),
                        "is required for a message sent in parts (UNH sequence of transfers)",
                    );
                    result.result = Some(crate::rejected(message_id, &violations));
                }
            }
            results.push(result);
            continue;
        }
        let (report, segments) = to_report(&interchange.header, &message);
        match checked(
            message_id.clone(),
            report,
            &segments,
            index,
            agency,
            &limits,
        ) {
            Ok(valid) => whole.push((results.len(), valid)),
            Err(violations) => result.result = Some(crate::rejected(message_id, &violations)),
        }
        results.push(result);
    }

    let (slots, reports): (Vec<usize>, Vec<ValidReport>) = whole.into_iter().unzip();
    let outcomes = batch::store(&intake.pool, &intake.relay, agency, &reports).await?;
    for ((slot, report), outcome) in slots.into_iter().zip(reports).zip(outcomes) {
        if let Some(result) = results.get_mut(slot) {
            let mut stored = crate::result(report.message_id, &outcome);
            stored.warnings = report.warnings;
            result.result = Some(stored);
        }
    }
    for (slot, part) in parts {
        let result = store_part(intake, agency, &sender, &text, &part, &limits).await?;
        if let Some(slot) = results.get_mut(slot) {
            slot.result = Some(result);
        }
    }
    Ok(response(results, &interchange.warnings))
}

/// One part of a multi-part message, as found in the interchange.
struct Part {
    message_id: String,
    common_reference: String,
    sequence: u32,
    final_part: bool,
    /// 1-based position of its UNH in the interchange.
    index: usize,
}

/// Keeps a part; when it completes its message, puts the parts together and stores the whole.
async fn store_part(
    intake: &PassengerIntake,
    agency: &str,
    sender: &str,
    text: &str,
    part: &Part,
    limits: &Limits,
) -> Result<SubmissionResult, IntakeError> {
    let purged = sqlx::query(
        "DELETE FROM paxlst_parts WHERE received_at < now() - make_interval(hours => $1)",
    )
    .bind(PART_RETENTION_HOURS)
    .execute(&intake.pool)
    .await?
    .rows_affected();
    if purged > 0 {
        tracing::warn!(
            purged,
            hours = PART_RETENTION_HOURS,
            "paxlst parts never completed were dropped"
        );
    }
    let sequence = i32::try_from(part.sequence).unwrap_or(i32::MAX);
    let inserted = sqlx::query(
        "INSERT INTO paxlst_parts (agency, sender, common_reference, sequence, final, message_id,
                                   interchange, message_index)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT DO NOTHING",
    )
    .bind(agency)
    .bind(sender)
    .bind(&part.common_reference)
    .bind(sequence)
    .bind(part.final_part)
    .bind(&part.message_id)
    .bind(text)
    .bind(i32::try_from(part.index).unwrap_or(i32::MAX))
    .execute(&intake.pool)
    .await?
    .rows_affected();

    let rows = sqlx::query(
        "SELECT sequence, final, interchange, message_index, report_id
         FROM paxlst_parts WHERE agency = $1 AND sender = $2 AND common_reference = $3
         ORDER BY sequence",
    )
    .bind(agency)
    .bind(sender)
    .bind(&part.common_reference)
    .fetch_all(&intake.pool)
    .await?;
    let mut held = Vec::with_capacity(rows.len());
    for row in rows {
        held.push(HeldPart {
            sequence: row.try_get("sequence")?,
            final_part: row.try_get("final")?,
            interchange: row.try_get("interchange")?,
            message_index: row.try_get("message_index")?,
            report_id: row.try_get("report_id")?,
        });
    }
    let this = held.iter().find(|p| p.sequence == sequence);
    if inserted == 0 {
        // Sent before: the first answer still holds.
        return Ok(match this.and_then(|p| p.report_id) {
            Some(report_id) => SubmissionResult {
                message_id: part.message_id.clone(),
                status: SubmissionStatus::Duplicate as i32,
                record_id: report_id.to_string(),
                ..Default::default()
            },
            None => pending(part, &held, "this part was received before"),
        });
    }
    let waiting: Vec<&HeldPart> = held.iter().filter(|p| p.report_id.is_none()).collect();
    let complete = !waiting.is_empty()
        && waiting
            .iter()
            .enumerate()
            .all(|(i, p)| usize::try_from(p.sequence).is_ok_and(|s| s == i + 1))
        && waiting.last().is_some_and(|p| p.final_part);
    if !complete {
        return Ok(pending(part, &held, "waiting for the other parts"));
    }

    let whole_id = format!("paxlst-parts:{sender}:{}", part.common_reference);
    let assembled = assemble(&waiting).and_then(|(header, message)| {
        let (report, segments) = to_report(&header, &message);
        checked(
            whole_id.clone(),
            report,
            &segments,
            part.index,
            agency,
            limits,
        )
    });
    let sequences: Vec<i32> = waiting.iter().map(|p| p.sequence).collect();
    let valid = match assembled {
        Ok(valid) => valid,
        Err(violations) => {
            // Parts that cannot make a valid report are dropped: the carrier resends the list.
            sqlx::query(
                "DELETE FROM paxlst_parts
                 WHERE agency = $1 AND sender = $2 AND common_reference = $3 AND sequence = ANY($4)",
            )
            .bind(agency)
            .bind(sender)
            .bind(&part.common_reference)
            .bind(&sequences)
            .execute(&intake.pool)
            .await?;
            return Ok(crate::rejected(part.message_id.clone(), &violations));
        }
    };
    let outcome = batch::store(
        &intake.pool,
        &intake.relay,
        agency,
        std::slice::from_ref(&valid),
    )
    .await?
    .into_iter()
    .next()
    .ok_or(IntakeError::Internal(
        "a stored batch of one has no outcome",
    ))?;
    sqlx::query(
        "UPDATE paxlst_parts SET interchange = NULL, report_id = $5
         WHERE agency = $1 AND sender = $2 AND common_reference = $3 AND sequence = ANY($4)",
    )
    .bind(agency)
    .bind(sender)
    .bind(&part.common_reference)
    .bind(&sequences)
    .bind(outcome.report_id)
    .execute(&intake.pool)
    .await?;
    tracing::info!(
        report_id = %outcome.report_id,
        parts = sequences.len(),
        travellers = outcome.traveller_count,
        "multi-part paxlst message put together"
    );
    let mut result = crate::result(part.message_id.clone(), &outcome);
    result.warnings = valid.warnings;
    // The part itself was new even when a concurrent submission stored the whole first.
    result.status = SubmissionStatus::Accepted as i32;
    Ok(result)
}

struct HeldPart {
    sequence: i32,
    final_part: bool,
    interchange: Option<String>,
    message_index: i32,
    report_id: Option<Uuid>,
}

/// Re-reads each waiting part from its interchange and puts the parts together.
fn assemble(waiting: &[&HeldPart]) -> Result<(InterchangeHeader, PaxlstMessage), FieldViolations> {
    let mut messages = Vec::with_capacity(waiting.len());
    let mut header = None;
    for held in waiting {
        let field = format!("parts[{}]", held.sequence);
        let unusable = |reason: String| {
            let mut v = FieldViolations::new();
            v.add(field.clone(), reason);
            v
        };
        let text = held
            .interchange
            .as_deref()
            .ok_or_else(|| unusable("the part's text is no longer held".to_owned()))?;
        let interchange = paxlst::parse_interchange_with(text, LENIENT)
            .map_err(|error| unusable(error.to_string()))?;
        let position = usize::try_from(held.message_index - 1).unwrap_or(usize::MAX);
        let message = interchange
            .messages
            .into_iter()
            .nth(position)
            .ok_or_else(|| unusable("the part's message is not in its interchange".to_owned()))?
            .map_err(|error| unusable(error.error.to_string()))?;
        header.get_or_insert(interchange.header);
        messages.push(message);
    }
    let header = header.ok_or_else(|| {
        let mut v = FieldViolations::new();
        v.add("parts", "no part is held");
        v
    })?;
    let whole = paxlst::reassemble(messages).map_err(|error| {
        let mut v = FieldViolations::new();
        v.add("parts", error.to_string());
        v
    })?;
    Ok((header, whole))
}

fn pending(part: &Part, held: &[HeldPart], why: &str) -> SubmissionResult {
    let have: Vec<String> = held
        .iter()
        .filter(|p| p.report_id.is_none())
        .map(|p| p.sequence.to_string())
        .collect();
    let ends = held.iter().any(|p| p.final_part && p.report_id.is_none());
    SubmissionResult {
        message_id: part.message_id.clone(),
        status: SubmissionStatus::Pending as i32,
        reason: format!(
            "part {} held, {why}: parts held {}{}",
            part.sequence,
            have.join(", "),
            if ends {
                " (the final part is in)"
            } else {
                " (the final part is not in yet)"
            }
        ),
        ..Default::default()
    }
}

/// Validates a mapped report like a structured one; violations name the message and, for a
/// traveller, the NAD segment that opened it (never the value).
fn checked(
    message_id: String,
    report: ApiReport,
    segments: &[usize],
    index: usize,
    agency: &str,
    limits: &Limits,
) -> Result<ValidReport, FieldViolations> {
    let request = SubmitApiReportRequest {
        message_id,
        report: Some(report),
    };
    validate::validate(request, agency, limits).map_err(|violations| {
        let mut located = FieldViolations::new();
        for (field, reason) in violations.iter() {
            let path = field.strip_prefix("report.").unwrap_or(field);
            let segment = path
                .strip_prefix("travellers[")
                .and_then(|rest| rest.split(']').next())
                .and_then(|k| k.parse::<usize>().ok())
                .and_then(|k| segments.get(k));
            let field = format!("edifact.messages[{index}].{path}");
            match segment {
                Some(segment) => located.add(field, format!("{reason} (NAD at segment {segment})")),
                None if violations.exceeds_limit() => located.add_limit(field, reason),
                None => located.add(field, reason),
            }
        }
        located
    })
}

/// The API report a PAXLST message describes, and the NAD segment of each traveller.
fn to_report(header: &InterchangeHeader, message: &PaxlstMessage) -> (ApiReport, Vec<usize>) {
    let leg = message.border_leg();
    let departure = leg.and_then(|leg| leg.departure());
    let arrival = leg.and_then(|leg| leg.arrival());
    let flight = leg.map(|leg| Flight {
        carrier: leg.flight.carrier.clone().unwrap_or_default(),
        number: leg.flight.number.clone(),
        departure_airport: departure.map(|s| s.airport.clone()).unwrap_or_default(),
        arrival_airport: arrival.map(|s| s.airport.clone()).unwrap_or_default(),
        // The flight's date is the local departure date; an arrival-only list (some profiles)
        // dates it by arrival.
        departure_date: departure
            .or(arrival)
            .and_then(|s| s.scheduled)
            .map(|at| at.date().format("%Y-%m-%d").to_string())
            .unwrap_or_default(),
        // DTM times are local to each airport.
        scheduled_departure: departure.and_then(|s| times::at_airport(&s.airport, s.scheduled?)),
        scheduled_arrival: arrival.and_then(|s| times::at_airport(&s.airport, s.scheduled?)),
        direction: FlightDirection::Unspecified as i32,
    });
    let final_destination = leg
        .and_then(|leg| leg.final_destination())
        .map(|s| s.airport.clone())
        .unwrap_or_default();
    let travellers: Vec<Traveller> = message
        .travellers
        .iter()
        .map(|t| traveller(t, &final_destination))
        .collect();
    let segments = message.travellers.iter().map(|t| t.segment).collect();
    let report = ApiReport {
        flight,
        travellers,
        sender: header.sender.id.clone(),
        sent_at: Some(to_timestamp(DateTime::<Utc>::from_naive_utc_and_offset(
            header.prepared,
            Utc,
        ))),
        function: function(message.message_function.as_deref()) as i32,
        part_number: 0,
        part_count: 0,
    };
    (report, segments)
}

fn traveller(t: &paxlst::Traveller, final_destination: &str) -> Traveller {
    let date = |d: &NaiveDate| d.format("%Y-%m-%d").to_string();
    Traveller {
        traveller_ref: String::new(),
        role: match t.role {
            paxlst::TravellerRole::Passenger => TravellerRole::Passenger,
            paxlst::TravellerRole::InTransitPassenger => TravellerRole::InTransit,
            paxlst::TravellerRole::Crew
            | paxlst::TravellerRole::InTransitCrew
            | paxlst::TravellerRole::OtherCrew => TravellerRole::Crew,
        } as i32,
        surname: t
            .surname
            .as_ref()
            .map(|s| s.expose().clone())
            .unwrap_or_default(),
        given_names: t.given_names.expose().join(" "),
        date_of_birth: t
            .date_of_birth
            .as_ref()
            .map(|d| date(d.expose()))
            .unwrap_or_default(),
        sex: match t.sex {
            Some(paxlst::Sex::Female) => Sex::Female,
            Some(paxlst::Sex::Male) => Sex::Male,
            Some(paxlst::Sex::Unknown | paxlst::Sex::Unspecified) => Sex::Unknown,
            None => Sex::Unspecified,
        } as i32,
        nationality: t.nationality.clone().unwrap_or_default(),
        country_of_residence: t.residence_country.clone().unwrap_or_default(),
        place_of_birth: t
            .birth_place
            .as_ref()
            .map(|p| p.expose().clone())
            .unwrap_or_default(),
        documents: t
            .documents
            .iter()
            .map(|d| TravelDocument {
                r#type: document_type(d.type_code.as_deref()) as i32,
                number: d
                    .number
                    .as_ref()
                    .map(|n| n.expose().clone())
                    .unwrap_or_default(),
                issuing_country: d.issuing_country.clone().unwrap_or_default(),
                expiry_date: d.expiry.as_ref().map(date).unwrap_or_default(),
                issue_date: d.issued.as_ref().map(date).unwrap_or_default(),
            })
            .collect(),
        embarkation_airport: t.embarkation.clone().unwrap_or_default(),
        debarkation_airport: t.debarkation.clone().unwrap_or_default(),
        seat: t.seat().map(|s| s.expose().clone()).unwrap_or_default(),
        record_locator: t
            .booking_reference()
            .map(|r| r.expose().clone())
            .unwrap_or_default(),
        final_destination_airport: final_destination.to_owned(),
    }
}

/// DOC 1001 document name codes of the PAXLST guidelines.
fn document_type(code: Option<&str>) -> DocumentType {
    match code {
        Some("P" | "PT" | "PP" | "PD" | "PS") => DocumentType::Passport,
        Some("I" | "ID" | "IP" | "A" | "C" | "AC") => DocumentType::IdCard,
        Some("V") => DocumentType::Visa,
        Some("F" | "AR" | "RP") => DocumentType::ResidencePermit,
        Some(_) => DocumentType::Other,
        None => DocumentType::Unspecified,
    }
}

/// BGM 1225 message function: 9 original, 5 replace, 4 change, 1 and 3 cancellation/deletion.
fn function(code: Option<&str>) -> MessageFunction {
    match code {
        Some("5") => MessageFunction::Replace,
        Some("4") => MessageFunction::Update,
        Some("1" | "3") => MessageFunction::Cancel,
        _ => MessageFunction::Original,
    }
}

fn list_name(list: &ListKind) -> String {
    match list {
        ListKind::Passengers => "passengers".to_owned(),
        ListKind::Crew => "crew".to_owned(),
        ListKind::Other(code) => code.clone(),
    }
}

fn response(results: Vec<PaxlstMessageResult>, warnings: &[Warning]) -> SubmitPaxlstResponse {
    let status = |r: &PaxlstMessageResult| {
        r.result
            .as_ref()
            .and_then(|r| SubmissionStatus::try_from(r.status).ok())
            .unwrap_or(SubmissionStatus::Unspecified)
    };
    let stored: Vec<&SubmissionResult> = results
        .iter()
        .filter(|r| {
            matches!(
                status(r),
                SubmissionStatus::Accepted | SubmissionStatus::Duplicate
            )
        })
        .filter_map(|r| r.result.as_ref())
        .collect();
    let first = stored.first();
    SubmitPaxlstResponse {
        report_id: first.map(|r| r.record_id.clone()).unwrap_or_default(),
        accepted_at: first.and_then(|r| r.accepted_at),
        traveller_count: stored.iter().map(|r| r.item_count).sum(),
        duplicate: !results.is_empty()
            && results
                .iter()
                .all(|r| status(r) == SubmissionStatus::Duplicate),
        warnings: warnings.iter().map(interchange::format_warning).collect(),
        messages: results,
    }
}
