//! `SubmitPnrgov`: a raw PNRGOV interchange as the carrier pushed it becomes one `gatehouse.v1.Pnr`
//! per SRC group, validated and stored through the same batch path (versions, outbox) as
//! structured PNRs. Every message gets a result and every PNR in it its own; a PNR the parser
//! cannot read, or one that does not validate, is rejected without stopping the others.
//!
//! Control counts (UNT, EQN, UNZ) are checked leniently, as for PAXLST: a wrong count comes back
//! as a warning, because carriers' systems get them wrong and refusing the push would leave the
//! unit blind to the flight.
//!
//! # Mapping
//!
//! Mapped: record locator, carrier (the message flight's marketing carrier, else the booking's
//! system), the message TVL as flight (times local to the airports, made instants with their time
//! zones), creation (RCI), last change (DAT 700), sending time (UNB, as UTC), transfer
//! (MSG 22 before departure, or flight closure when the push carries departure-control data:
//! check-ins or checked bags; MSG 141 ad hoc), sender (ORG, else UNB), reservation system,
//! travellers (name, title, type, DOCS/DOCO/FOID documents, date of birth, sex, nationality,
//! place of birth, DOCA addresses, frequent flyers, infant's carrier, UMNR), traveller count,
//! group name, itinerary (marketing and operating flight, class, status, open), traveller
//! segments (status, seat, check-in sequence), payments, contacts (and who paid, from IFT 43),
//! travel agency, tickets, checked bags, remarks, split and related locators, history (ABI/SAC and
//! LTS lines).
//!
//! What the contract cannot hold (excess baggage, non-air services, other systems' locators,
//! traveller references, bag tags not in ten-digit form, a value over its length) is left out and
//! counted in a `not_represented` warning of the PNR's result, never silently. Long free text is
//! kept whole across several remarks or history entries.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use gatehouse_formats::{
    Warning,
    edifact::InterchangeHeader,
    pnrgov::{self, PnrgovMessage},
};
use gatehouse_platform::{
    error::FieldViolations,
    events::to_timestamp,
    interchange::{self, LENIENT, number},
};
use gatehouse_proto::v1::{
    Address, Baggage, Contact, DocumentType, Flight, FlightDirection, FormOfPayment, FrequentFlyer,
    ItinerarySegment, Money, Payment, Pnr, PnrHistoryAction, PnrHistoryEntry, PnrPassengerType,
    PnrTransfer, PnrTraveller, PnrgovMessageResult, RecordWarning, Remark, RemarkKind, Sex,
    SubmissionResult, SubmissionStatus, SubmitPnrRequest, SubmitPnrgovRequest,
    SubmitPnrgovResponse, Ticket, TravelAgency, TravelDocument, TravelStatus, TravellerSegment,
    TripType,
};

use crate::{
    IntakeError, PassengerIntake,
    pnr::{
        self, ValidPnr,
        validate::{
            MAX_BAG_TAGS, MAX_DOCUMENTS, MAX_FREE_TEXT, MAX_FREQUENT_FLYERS, MAX_HISTORY, MAX_REF,
            MAX_REMARKS,
        },
    },
};

/// Stores the PNRs of one interchange submitted by `agency`.
pub async fn submit(
    intake: &PassengerIntake,
    agency: &str,
    request: SubmitPnrgovRequest,
) -> Result<SubmitPnrgovResponse, IntakeError> {
    let (text, charset_warnings) = interchange::decode(&request.edifact)?;
    let mut interchange = pnrgov::parse_interchange_with(&text, LENIENT)
        .map_err(|error| interchange::unreadable(&error))?;
    interchange.warnings.splice(0..0, charset_warnings);
    let key = interchange::key("pnrgov", &request.message_id, &interchange.header, 16)?;
    let limits = intake.limits();

    let mut results: Vec<PnrgovMessageResult> = Vec::with_capacity(interchange.messages.len());
    // (message slot, PNR slot, the PNR, its mapping warnings)
    let mut valid: Vec<(usize, usize, ValidPnr, Vec<RecordWarning>)> = Vec::new();
    for (i, message) in interchange.messages.into_iter().enumerate() {
        let index = i + 1;
        let message = match message {
            Ok(message) => message,
            Err(error) => {
                let mut violations = FieldViolations::new();
                violations.add(
                    format!("edifact.messages[{index}]"),
                    error.error.to_string(),
                );
                results.push(PnrgovMessageResult {
                    message: number(index),
                    reference: error.reference.unwrap_or_default(),
                    rejected: Some(crate::rejected(format!("{key}/{index}"), &violations)),
                    ..Default::default()
                });
                continue;
            }
        };
        let push = transfer(&message);
        let mut result = PnrgovMessageResult {
            message: number(index),
            reference: message.header.reference.clone(),
            push: push as i32,
            warnings: message
                .warnings
                .iter()
                .map(interchange::format_warning)
                .collect(),
            ..Default::default()
        };
        for (k, parsed) in message.pnrs.iter().enumerate() {
            let position = k + 1;
            let message_id = format!("{key}/{index}/{position}");
            let field = format!("edifact.messages[{index}].pnrs[{position}]");
            let parsed = match parsed {
                Ok(parsed) => parsed,
                Err(error) => {
                    let mut violations = FieldViolations::new();
                    violations.add(field, error.to_string());
                    result.pnrs.push(crate::rejected(message_id, &violations));
                    continue;
                }
            };
            let (mapped, warnings) = Mapping::new(&interchange.header, &message, push).pnr(parsed);
            let request = SubmitPnrRequest {
                message_id: message_id.clone(),
                pnr: Some(mapped),
            };
            match pnr::validate::validate(request, agency, &limits) {
                Ok(checked) => {
                    valid.push((results.len(), result.pnrs.len(), checked, warnings));
                    result.pnrs.push(SubmissionResult::default());
                }
                Err(violations) => {
                    let located = located(&field, &violations);
                    let mut rejected = crate::rejected(message_id, &located);
                    rejected.warnings = warnings;
                    result.pnrs.push(rejected);
                }
            }
        }
        results.push(result);
    }

    let mut slots = Vec::with_capacity(valid.len());
    let mut pnrs = Vec::with_capacity(valid.len());
    for (message, slot, checked, warnings) in valid {
        slots.push((message, slot, warnings));
        pnrs.push(checked);
    }
    let mut outcomes = Vec::with_capacity(pnrs.len());
    for chunk in pnrs.chunks(intake.batch_size.max(1)) {
        outcomes.extend(pnr::store_batch(&intake.pool, &intake.relay, agency, chunk).await?);
    }
    for (((message, slot, warnings), stored), outcome) in slots.into_iter().zip(pnrs).zip(outcomes)
    {
        if let Some(target) = results.get_mut(message).and_then(|m| m.pnrs.get_mut(slot)) {
            *target = SubmissionResult {
                message_id: stored.message_id,
                status: if outcome.duplicate {
                    SubmissionStatus::Duplicate
                } else {
                    SubmissionStatus::Accepted
                } as i32,
                record_id: outcome.pnr_id.to_string(),
                accepted_at: Some(to_timestamp(outcome.accepted_at)),
                item_count: outcome.traveller_count,
                version: outcome.version,
                warnings,
                ..Default::default()
            };
        }
    }
    Ok(response(results, &interchange.warnings))
}

/// MSG 22 is the scheduled push; one carrying departure-control data (check-ins, checked bags)
/// can only have been sent at flight closure.
fn transfer(message: &PnrgovMessage) -> PnrTransfer {
    match message.push {
        Some(pnrgov::PushKind::Push) => {
            let closed = message.readable().any(|pnr| {
                pnr.itinerary
                    .iter()
                    .flat_map(|s| &s.travellers)
                    .any(|t| t.check_in.is_some() || t.bags.is_some())
            });
            if closed {
                PnrTransfer::FlightClosed
            } else {
                PnrTransfer::BeforeDeparture
            }
        }
        Some(pnrgov::PushKind::AdHoc) => PnrTransfer::AdHoc,
        Some(pnrgov::PushKind::Other(_)) | None => PnrTransfer::Unspecified,
    }
}

/// Violations of a mapped PNR under the PNR's place in the interchange.
fn located(field: &str, violations: &FieldViolations) -> FieldViolations {
    let mut located = FieldViolations::new();
    for (path, reason) in violations.iter() {
        let path = path.strip_prefix("pnr.").unwrap_or(path);
        let at = match path {
            "pnr" | "message_id" => field.to_owned(),
            path => format!("{field}.{path}"),
        };
        if violations.exceeds_limit() {
            located.add_limit(at, reason);
        } else {
            located.add(at, reason);
        }
    }
    located
}

/// What is left out of one PNR, counted by kind.
#[derive(Default)]
struct LeftOut(Vec<(String, String, usize)>);

impl LeftOut {
    fn add(&mut self, field: &str, what: &str) {
        match self.0.iter_mut().find(|(f, w, _)| f == field && w == what) {
            Some((_, _, n)) => *n += 1,
            None => self.0.push((field.to_owned(), what.to_owned(), 1)),
        }
    }

    fn warnings(self) -> Vec<RecordWarning> {
        self.0
            .into_iter()
            .map(|(field, what, n)| RecordWarning {
                field,
                code: "not_represented".to_owned(),
                reason: format!("{n} {what} left out: the contract cannot hold them"),
            })
            .collect()
    }
}

/// The context one PNR is mapped in: its message and interchange.
struct Mapping<'a> {
    header: &'a InterchangeHeader,
    message: &'a PnrgovMessage,
    push: PnrTransfer,
    left_out: LeftOut,
    /// Parser traveller reference → the reference used in the proto.
    travellers: HashMap<String, String>,
    /// Itinerary index → segment_ref.
    segments: HashMap<usize, String>,
}

impl<'a> Mapping<'a> {
    fn new(header: &'a InterchangeHeader, message: &'a PnrgovMessage, push: PnrTransfer) -> Self {
        Self {
            header,
            message,
            push,
            left_out: LeftOut::default(),
            travellers: HashMap::new(),
            segments: HashMap::new(),
        }
    }

    fn pnr(mut self, p: &pnrgov::Pnr) -> (Pnr, Vec<RecordWarning>) {
        let flight = &self.message.flight;
        let mut seen = HashSet::new();
        for t in &p.travellers {
            if let Some(reference) = t.reference.as_deref()
                && fits(reference, MAX_REF)
                && seen.insert(reference.to_owned())
            {
                self.travellers
                    .insert(reference.to_owned(), reference.to_owned());
            }
        }
        let segments: Vec<ItinerarySegment> = p
            .itinerary
            .iter()
            .enumerate()
            .filter_map(|(i, s)| {
                let mapped = self.segment(i, s);
                if mapped.is_some() {
                    self.segments.insert(i, segment_ref(i));
                }
                mapped
            })
            .collect();
        let travellers = p
            .travellers
            .iter()
            .enumerate()
            .map(|(i, t)| self.traveller(i, t, p))
            .collect();
        let mut traveller_segments = Vec::new();
        let mut baggage = Vec::new();
        for (i, s) in p.itinerary.iter().enumerate() {
            let Some(segment) = self.segments.get(&i).cloned() else {
                continue;
            };
            for t in &s.travellers {
                let Some(traveller) = self.traveller_ref(t.traveller_ref.as_deref()) else {
                    self.left_out.add(
                        "pnr.traveller_segments",
                        "seat or check-in records of a traveller the PNR does not name",
                    );
                    continue;
                };
                traveller_segments.push(self.traveller_segment(&traveller, &segment, t));
                if let Some(bags) = &t.bags {
                    baggage.push(self.bags(&traveller, &segment, bags));
                }
            }
        }
        for _ in &p.seat_requests {
            self.left_out.add(
                "pnr.traveller_segments",
                "seat requests for no booked segment",
            );
        }
        let mut contacts: Vec<Contact> =
            p.contacts.iter().filter_map(|c| self.contact(c)).collect();
        let payments = p
            .payments
            .iter()
            .map(|pay| self.payment(pay, p, &mut contacts))
            .collect();
        let tickets = p
            .tickets
            .iter()
            .filter_map(|t| self.ticket(t, p.trip_type()))
            .collect();
        let mut remarks = Vec::new();
        for remark in &p.remarks {
            self.remark(remark, &mut remarks);
        }
        if remarks.len() > MAX_REMARKS {
            for _ in MAX_REMARKS..remarks.len() {
                self.left_out.add("pnr.remarks", "remarks over the limit");
            }
            remarks.truncate(MAX_REMARKS);
        }
        let mut history = Vec::new();
        for entry in &p.history {
            self.history(entry, &mut history);
        }
        for line in &p.history_text {
            for value in chunks(line.text.expose()) {
                history.push(PnrHistoryEntry {
                    element: "text".to_owned(),
                    value,
                    ..Default::default()
                });
            }
        }
        if history.len() > MAX_HISTORY {
            for _ in MAX_HISTORY..history.len() {
                self.left_out
                    .add("pnr.history", "history entries over the limit");
            }
            history.truncate(MAX_HISTORY);
        }
        let mut related_record_locators = Vec::new();
        for locator in p.related_record_locators() {
            let locator = locator.expose();
            if (5..=8).contains(&locator.len())
                && locator.chars().all(|c| c.is_ascii_alphanumeric())
            {
                related_record_locators.push(locator.clone());
            } else {
                self.left_out.add(
                    "pnr.related_record_locators",
                    "related locators not of 5 to 8 letters or digits",
                );
            }
        }
        for _ in &p.other_locators {
            self.left_out
                .add("pnr", "record locators of other reservation systems (RCI)");
        }
        for _ in p
            .excess_baggage
            .iter()
            .chain(p.travellers.iter().flat_map(|t| &t.excess_baggage))
        {
            self.left_out
                .add("pnr.baggage", "excess baggage charges (EBD)");
        }
        for _ in &p.non_air {
            self.left_out
                .add("pnr", "non-air services (hotel, car, rail)");
        }
        for _ in p.travellers.iter().flat_map(|t| &t.references) {
            self.left_out
                .add("pnr.travellers", "traveller references (REF)");
        }

        let reservation_system = p.reservation_system.clone().unwrap_or_default();
        let carrier = flight
            .marketing_carrier
            .clone()
            .unwrap_or_else(|| reservation_system.clone());
        let sender = self
            .message
            .sender
            .as_ref()
            .and_then(|o| o.company.clone())
            .unwrap_or_else(|| self.header.sender.id.clone());
        let mapped = Pnr {
            record_locator: p.record_locator.expose().clone(),
            carrier,
            flight: Some(Flight {
                carrier: flight.marketing_carrier.clone().unwrap_or_default(),
                number: flight.flight_number.clone().unwrap_or_default(),
                departure_airport: flight.departure_airport.clone().unwrap_or_default(),
                arrival_airport: flight.arrival_airport.clone().unwrap_or_default(),
                departure_date: flight.departure_date.map(date).unwrap_or_default(),
                scheduled_departure: local_instant(
                    flight.departure_airport.as_deref(),
                    flight.departure(),
                ),
                scheduled_arrival: local_instant(
                    flight.arrival_airport.as_deref(),
                    flight.arrival(),
                ),
                direction: FlightDirection::Unspecified as i32,
            }),
            created_at: p.created.map(|s| instant(s.date_time())),
            last_modified_at: p.last_modified().map(|s| instant(s.date_time())),
            sent_at: Some(instant(self.header.prepared)),
            transfer: self.push as i32,
            sender,
            reservation_system,
            travellers,
            traveller_count: i32::try_from(p.traveller_count()).unwrap_or(i32::MAX),
            group_name: p
                .group_name
                .as_ref()
                .map(|g| g.expose().clone())
                .unwrap_or_default(),
            segments,
            traveller_segments,
            payments,
            contacts,
            travel_agency: p.agency.as_ref().map(|a| self.agency(a)),
            tickets,
            baggage,
            remarks,
            split: p.is_split(),
            related_record_locators,
            history,
        };
        let mut warnings: Vec<RecordWarning> = p
            .warnings
            .iter()
            .map(|w| RecordWarning {
                field: "edifact".to_owned(),
                code: "format".to_owned(),
                reason: w.to_string(),
            })
            .collect();
        warnings.extend(self.left_out.warnings());
        (mapped, warnings)
    }

    /// The proto reference of a traveller the parser names; `None` for one the PNR lacks.
    fn traveller_ref(&self, reference: Option<&str>) -> Option<String> {
        self.travellers.get(reference?).cloned()
    }

    /// Like [`Self::traveller_ref`] for an optional reference: an unknown one is counted.
    fn optional_traveller(&mut self, reference: Option<&str>, field: &str) -> String {
        match reference {
            None => String::new(),
            Some(reference) => self.traveller_ref(Some(reference)).unwrap_or_else(|| {
                self.left_out
                    .add(field, "references to a traveller the PNR does not name");
                String::new()
            }),
        }
    }

    fn optional_segment(&mut self, index: Option<usize>, field: &str) -> String {
        match index {
            None => String::new(),
            Some(i) => self.segments.get(&i).cloned().unwrap_or_else(|| {
                self.left_out
                    .add(field, "references to a segment not in the itinerary");
                String::new()
            }),
        }
    }

    fn traveller(&mut self, i: usize, t: &pnrgov::PnrTraveller, p: &pnrgov::Pnr) -> PnrTraveller {
        let field = format!("pnr.travellers[{i}]");
        let mut documents: Vec<TravelDocument> = Vec::new();
        for d in &t.documents {
            let Some(number) = d.number.as_ref().map(|n| n.expose().trim().to_owned()) else {
                self.left_out
                    .add(&format!("{field}.documents"), "documents without a number");
                continue;
            };
            let kind = document_type(d.kind.as_deref());
            if documents
                .iter()
                .any(|seen| seen.number == number && seen.r#type == kind as i32)
            {
                // The same document sent twice (Gr.2 and Gr.5) is one document.
                continue;
            }
            if documents.len() == MAX_DOCUMENTS || !fits(&number, 20) {
                self.left_out.add(
                    &format!("{field}.documents"),
                    "documents over the limit or with a number over 20 characters",
                );
                continue;
            }
            documents.push(TravelDocument {
                r#type: kind as i32,
                number,
                issuing_country: d.issuing_country.clone().unwrap_or_default(),
                expiry_date: d.expiry.map(date).unwrap_or_default(),
                issue_date: d.issue_date.map(date).unwrap_or_default(),
            });
        }
        let address = |kind: &pnrgov::AddressKind| {
            t.addresses
                .iter()
                .find(|a| &a.kind == kind && !a.infant)
                .map(|a| address(a.address.expose()))
        };
        for a in &t.addresses {
            if a.infant || matches!(a.kind, pnrgov::AddressKind::Other(_)) {
                self.left_out.add(
                    &format!("{field}.addresses"),
                    "DOCA addresses of another kind or of the infant carried",
                );
            }
        }
        let mut frequent_flyers = Vec::new();
        for ff in &t.frequent_flyers {
            match &ff.carrier {
                Some(carrier) if frequent_flyers.len() < MAX_FREQUENT_FLYERS => {
                    frequent_flyers.push(FrequentFlyer {
                        carrier: carrier.clone(),
                        number: ff.number.expose().clone(),
                        tier: ff.tier.clone().unwrap_or_default(),
                    });
                }
                _ => self.left_out.add(
                    &format!("{field}.frequent_flyers"),
                    "frequent flyer numbers without an airline or over the limit",
                ),
            }
        }
        let reference = t
            .reference
            .as_deref()
            .and_then(|r| self.traveller_ref(Some(r)))
            .unwrap_or_default();
        let accompanied_by_ref = self.optional_traveller(
            t.accompanied_by.as_deref(),
            &format!("{field}.accompanied_by_ref"),
        );
        PnrTraveller {
            unaccompanied_minor: p.remarks.iter().any(|r| {
                r.code.as_deref() == Some("UMNR")
                    && (p.travellers.len() == 1 || r.traveller_ref == t.reference)
            }),
            traveller_ref: reference,
            surname: t.surname.expose().clone(),
            given_names: t
                .given_name
                .as_ref()
                .map(|g| g.expose().clone())
                .unwrap_or_default(),
            title: t.title.clone().unwrap_or_default(),
            passenger_type: match t.kind {
                pnrgov::PassengerKind::Adult => PnrPassengerType::Adult,
                pnrgov::PassengerKind::Child => PnrPassengerType::Child,
                pnrgov::PassengerKind::Infant => PnrPassengerType::Infant,
                pnrgov::PassengerKind::Unspecified | pnrgov::PassengerKind::Other(_) => {
                    PnrPassengerType::Unspecified
                }
            } as i32,
            date_of_birth: t
                .date_of_birth
                .as_ref()
                .map(|d| date(*d.expose()))
                .unwrap_or_default(),
            sex: match t.sex() {
                Some(pnrgov::Sex::Male) => Sex::Male,
                Some(pnrgov::Sex::Female) => Sex::Female,
                Some(pnrgov::Sex::Unknown | pnrgov::Sex::Unspecified) => Sex::Unknown,
                None => Sex::Unspecified,
            } as i32,
            nationality: t.nationality().unwrap_or_default().to_owned(),
            country_of_residence: String::new(),
            place_of_birth: t
                .documents
                .iter()
                .find_map(|d| d.place_of_birth.as_ref())
                .map(|p| p.expose().clone())
                .unwrap_or_default(),
            documents,
            residence_address: address(&pnrgov::AddressKind::Residence),
            destination_address: address(&pnrgov::AddressKind::Destination),
            frequent_flyers,
            accompanied_by_ref,
        }
    }

    fn segment(&mut self, i: usize, s: &pnrgov::ItinerarySegment) -> Option<ItinerarySegment> {
        let f = &s.flight;
        let (Some(carrier), Some(from), Some(to)) = (
            f.marketing_carrier.as_ref(),
            f.departure_airport.as_ref(),
            f.arrival_airport.as_ref(),
        ) else {
            self.left_out.add(
                "pnr.segments",
                "itinerary segments without carrier or airports",
            );
            return None;
        };
        let operating = s.operating.as_ref();
        Some(ItinerarySegment {
            segment_ref: segment_ref(i),
            marketing_carrier: carrier.clone(),
            marketing_flight_number: f.flight_number.clone().unwrap_or_default(),
            operating_carrier: operating
                .and_then(|o| o.carrier.clone())
                .or_else(|| f.operating_carrier.clone())
                .unwrap_or_default(),
            operating_flight_number: operating
                .and_then(|o| o.flight_number.clone())
                .unwrap_or_default(),
            departure_airport: from.clone(),
            arrival_airport: to.clone(),
            departure_date: f.departure_date.map(date).unwrap_or_default(),
            scheduled_departure: local_instant(Some(from.as_str()), f.departure()),
            scheduled_arrival: local_instant(Some(to.as_str()), f.arrival()),
            booking_class: f
                .booking_class
                .clone()
                .or_else(|| operating.and_then(|o| o.booking_class.clone()))
                .unwrap_or_default(),
            booking_status: s
                .status
                .as_ref()
                .and_then(|st| st.code.clone())
                .unwrap_or_default(),
            open: f.flight_number.is_none() || f.departure_date.is_none(),
        })
    }

    fn traveller_segment(
        &mut self,
        traveller: &str,
        segment: &str,
        t: &pnrgov::TravellerSegment,
    ) -> TravellerSegment {
        let seat = t.seat.as_ref();
        let sequence = t.check_in.as_ref().and_then(|c| c.sequence.clone());
        let check_in_sequence = match sequence {
            Some(s) if fits(&s, 10) => s,
            Some(_) => {
                self.left_out.add(
                    "pnr.traveller_segments",
                    "check-in sequences over 10 characters",
                );
                String::new()
            }
            None => String::new(),
        };
        TravellerSegment {
            traveller_ref: traveller.to_owned(),
            segment_ref: segment.to_owned(),
            status: match t.status {
                pnrgov::TravelStatus::Booked => TravelStatus::Booked,
                pnrgov::TravelStatus::CheckedIn => TravelStatus::CheckedIn,
                pnrgov::TravelStatus::NoShow => TravelStatus::NoShow,
                pnrgov::TravelStatus::Standby => TravelStatus::Standby,
                pnrgov::TravelStatus::Cancelled => TravelStatus::Cancelled,
                // Requested and waitlisted have no status of their own: the segment's booking
                // status code says which.
                pnrgov::TravelStatus::Requested
                | pnrgov::TravelStatus::Waitlisted
                | pnrgov::TravelStatus::Unknown => TravelStatus::Unspecified,
            } as i32,
            seat: seat.map(|s| s.number.clone()).unwrap_or_default(),
            seat_details: seat.and_then(|s| s.details.clone()).unwrap_or_default(),
            check_in_sequence,
            checked_in_at: None,
        }
    }

    fn bags(&mut self, traveller: &str, segment: &str, bags: &pnrgov::CheckedBags) -> Baggage {
        let mut tag_numbers = Vec::new();
        for tag in &bags.tags {
            let number = tag.number.expose().trim();
            if number.len() != 10 || !number.bytes().all(|b| b.is_ascii_digit()) {
                self.left_out.add(
                    "pnr.baggage",
                    "bag tags not in ten-digit licence plate form",
                );
                continue;
            }
            let first: u64 = number.parse().unwrap_or_default();
            // A run names its first tag and how many tags it holds.
            let run = u64::from(tag.consecutive.unwrap_or(1).max(1));
            for n in 0..run {
                if tag_numbers.len() == MAX_BAG_TAGS {
                    self.left_out.add("pnr.baggage", "bag tags over the limit");
                    break;
                }
                tag_numbers.push(format!("{:010}", first + n));
            }
        }
        let pooled_with_ref = match &bags.pool {
            Some(pnrgov::BagPool::MemberOfPool(Some(head))) => {
                self.traveller_ref(Some(head)).unwrap_or_default()
            }
            _ => String::new(),
        };
        Baggage {
            traveller_ref: traveller.to_owned(),
            segment_ref: segment.to_owned(),
            piece_count: bags
                .pieces
                .map_or(0, |p| i32::try_from(p).unwrap_or(i32::MAX)),
            weight_kg: bags.weight_kg().unwrap_or_default(),
            tag_numbers,
            final_destination_airport: bags.destination().unwrap_or_default().to_owned(),
            excess: false,
            pooled_with_ref,
        }
    }

    fn contact(&mut self, c: &pnrgov::Contact) -> Option<Contact> {
        let phone = c
            .phone
            .as_ref()
            .map(|p| p.expose().clone())
            .unwrap_or_default();
        let email = c
            .email
            .as_ref()
            .map(|e| e.expose().clone())
            .unwrap_or_default();
        let phone = if fits(&phone, 32) {
            phone
        } else {
            self.left_out
                .add("pnr.contacts", "phone numbers over 32 characters");
            String::new()
        };
        let email = if email.is_empty() || (email.contains('@') && fits(&email, 254)) {
            email
        } else {
            self.left_out
                .add("pnr.contacts", "e-mail addresses that are not addresses");
            String::new()
        };
        let address = c.address.as_ref().map(|a| address(a.expose()));
        if phone.is_empty() && email.is_empty() && address.is_none() {
            return None;
        }
        Some(Contact {
            traveller_ref: self.optional_traveller(c.traveller_ref.as_deref(), "pnr.contacts"),
            name: String::new(),
            phone,
            email,
            address,
            purpose: match &c.purpose {
                pnrgov::ContactPurpose::Unspecified => String::new(),
                pnrgov::ContactPurpose::Home => "home".to_owned(),
                pnrgov::ContactPurpose::Business => "business".to_owned(),
                pnrgov::ContactPurpose::Mobile => "mobile".to_owned(),
                pnrgov::ContactPurpose::TravelAgency => "agency".to_owned(),
                pnrgov::ContactPurpose::Refused => "refused".to_owned(),
                pnrgov::ContactPurpose::Other(code) => code.clone(),
            },
        })
    }

    fn payment(
        &mut self,
        pay: &pnrgov::Payment,
        p: &pnrgov::Pnr,
        contacts: &mut Vec<Contact>,
    ) -> Payment {
        let traveller_ref = self.optional_traveller(pay.traveller_ref.as_deref(), "pnr.payments");
        // FOP sends no currency: the ticket paid, else the booking office's, gives it.
        let currency = pay
            .ticket
            .and_then(|t| p.tickets.get(t))
            .and_then(|t| t.total())
            .and_then(|m| m.currency.clone())
            .or_else(|| p.agency.as_ref().and_then(|a| a.currency.clone()))
            .or_else(|| {
                p.tickets
                    .iter()
                    .find_map(|t| t.total().and_then(|m| m.currency.clone()))
            });
        let amount = match (pay.amount, currency) {
            (Some(amount), Some(currency)) => Some(Money {
                currency_code: currency,
                units: amount.units,
                nanos: amount.nanos,
            }),
            (Some(_), None) => {
                self.left_out
                    .add("pnr.payments", "payment amounts without a known currency");
                None
            }
            (None, _) => None,
        };
        let sponsor = pay.sponsor.as_ref().map(|s| s.expose());
        if let Some(sponsor) = sponsor
            && (sponsor.phone.is_some() || sponsor.address.is_some())
        {
            // Who paid, when not the traveller: kept as a contact of the booking.
            contacts.push(Contact {
                traveller_ref: traveller_ref.clone(),
                name: sponsor.name.clone().unwrap_or_default(),
                phone: sponsor.phone.clone().unwrap_or_default(),
                address: sponsor.address.as_ref().map(|line| Address {
                    address_lines: vec![line.clone()],
                    ..Default::default()
                }),
                purpose: "payer".to_owned(),
                ..Default::default()
            });
        }
        Payment {
            form: match &pay.form {
                pnrgov::PaymentForm::Cash => FormOfPayment::Cash,
                pnrgov::PaymentForm::Card => FormOfPayment::Card,
                pnrgov::PaymentForm::Cheque => FormOfPayment::Cheque,
                pnrgov::PaymentForm::Invoice => FormOfPayment::Invoice,
                pnrgov::PaymentForm::Miscellaneous => FormOfPayment::Voucher,
                pnrgov::PaymentForm::GovernmentRequest | pnrgov::PaymentForm::Other(_) => {
                    FormOfPayment::Other
                }
            } as i32,
            amount,
            card_type: pay.vendor.clone().unwrap_or_default(),
            card_number: pay
                .account_number
                .as_ref()
                .map(|n| n.expose().clone())
                .unwrap_or_default(),
            card_holder_name: sponsor.and_then(|s| s.name.clone()).unwrap_or_default(),
            card_expiry: pay
                .expiry
                .as_ref()
                .map(|e| format!("{:04}-{:02}", e.expose().year, e.expose().month))
                .unwrap_or_default(),
            billing_address: pay.billing_address.as_ref().map(|a| address(a.expose())),
            paid_at: None,
            traveller_ref,
        }
    }

    fn agency(&mut self, a: &pnrgov::Organisation) -> TravelAgency {
        let iata_number = match &a.agency_number {
            Some(n) if (7..=8).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_digit()) => {
                n.clone()
            }
            Some(_) => {
                self.left_out.add(
                    "pnr.travel_agency",
                    "agency numbers that are not IATA numbers",
                );
                String::new()
            }
            None => String::new(),
        };
        let mut bounded = |value: Option<&String>, max: usize| match value {
            Some(v) if fits(v, max) => v.clone(),
            Some(_) => {
                self.left_out
                    .add("pnr.travel_agency", "agency values over their length");
                String::new()
            }
            None => String::new(),
        };
        TravelAgency {
            name: String::new(),
            iata_number,
            office_id: bounded(a.office_id.as_ref(), 16),
            agent_id: bounded(a.agent.as_ref().map(|g| g.expose()), 16),
            city: bounded(a.agent_location.as_ref().or(a.location.as_ref()), 64),
            country: a.country.clone().unwrap_or_default(),
            phone: String::new(),
        }
    }

    fn ticket(&mut self, t: &pnrgov::Ticket, trip: Option<pnrgov::TripType>) -> Option<Ticket> {
        let Some(number) = t.number.as_ref().map(|n| n.expose().clone()) else {
            self.left_out.add("pnr.tickets", "tickets without a number");
            return None;
        };
        let mut segment_refs: Vec<String> = Vec::new();
        for coupon in &t.coupons {
            let reference = self.optional_segment(coupon.itinerary, "pnr.tickets");
            if !reference.is_empty() && !segment_refs.contains(&reference) {
                segment_refs.push(reference);
            }
        }
        let fare = t.total().and_then(|m| {
            Some(Money {
                currency_code: m.currency.clone()?,
                units: m.amount?.units,
                nanos: m.amount?.nanos,
            })
        });
        let fare_calculation = t.fare_calculation.clone().unwrap_or_default();
        let fare_calculation = if fits(&fare_calculation, MAX_FREE_TEXT) {
            fare_calculation
        } else {
            self.left_out
                .add("pnr.tickets", "fare calculations over 512 characters");
            String::new()
        };
        Some(Ticket {
            ticket_number: number,
            traveller_ref: self.optional_traveller(t.traveller_ref.as_deref(), "pnr.tickets"),
            issue_date: t.issued().map(|s| date(s.date)).unwrap_or_default(),
            trip_type: match trip {
                Some(pnrgov::TripType::OneWay) => TripType::OneWay,
                Some(pnrgov::TripType::Return) => TripType::Return,
                Some(pnrgov::TripType::OpenJaw) => TripType::OpenJaw,
                Some(pnrgov::TripType::MultiCity) => TripType::MultiCity,
                None => TripType::Unspecified,
            } as i32,
            segment_refs,
            fare,
            fare_calculation,
            validating_carrier: t
                .pricing
                .as_ref()
                .and_then(|p| p.validating_carrier.clone())
                .unwrap_or_default(),
            electronic: t.electronic,
        })
    }

    fn remark(&mut self, r: &pnrgov::Remark, out: &mut Vec<Remark>) {
        let kind = match r.kind {
            pnrgov::RemarkKind::Ssr => RemarkKind::Ssr,
            pnrgov::RemarkKind::Osi => RemarkKind::Osi,
            pnrgov::RemarkKind::FareCalculation | pnrgov::RemarkKind::General(_) => {
                RemarkKind::General
            }
        };
        let text = r
            .text
            .as_ref()
            .map(|t| t.expose().as_str())
            .unwrap_or_default();
        // A code that is not an SSR code stays with its text.
        let (code, text) = match r.code.as_deref() {
            Some(code) if code.len() == 4 && code.bytes().all(|b| b.is_ascii_uppercase()) => {
                (code.to_owned(), text.to_owned())
            }
            Some(code) => (String::new(), format!("{code} {text}").trim().to_owned()),
            None => (String::new(), text.to_owned()),
        };
        let carrier = match &r.carrier {
            Some(c)
                if (2..=3).contains(&c.len()) && c.chars().all(|c| c.is_ascii_alphanumeric()) =>
            {
                c.clone()
            }
            Some(_) => {
                self.left_out.add(
                    "pnr.remarks",
                    "carrier codes that are not airline designators",
                );
                String::new()
            }
            None => String::new(),
        };
        let traveller_ref = self.optional_traveller(r.traveller_ref.as_deref(), "pnr.remarks");
        let segment_ref = self.optional_segment(r.itinerary, "pnr.remarks");
        for text in chunks(&text) {
            out.push(Remark {
                kind: kind as i32,
                code: code.clone(),
                carrier: carrier.clone(),
                text,
                traveller_ref: traveller_ref.clone(),
                segment_ref: segment_ref.clone(),
            });
        }
    }

    fn history(&mut self, entry: &pnrgov::HistoryEntry, out: &mut Vec<PnrHistoryEntry>) {
        let changed_by = entry
            .credit
            .as_ref()
            .map(|c| {
                [
                    c.company.as_deref(),
                    c.location.as_deref(),
                    c.office.as_deref(),
                    c.agent.as_ref().map(|a| a.expose().as_str()),
                ]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ")
            })
            .unwrap_or_default();
        let changed_by = if fits(&changed_by, 35) {
            changed_by
        } else {
            changed_by.chars().take(35).collect()
        };
        let changed_at = entry.at.map(|s| instant(s.date_time()));
        for change in &entry.changes {
            let action = match change.action {
                pnrgov::HistoryAction::Added => PnrHistoryAction::Added,
                pnrgov::HistoryAction::Changed => PnrHistoryAction::Changed,
                pnrgov::HistoryAction::Cancelled => PnrHistoryAction::Cancelled,
                pnrgov::HistoryAction::Other(_) | pnrgov::HistoryAction::Unspecified => {
                    PnrHistoryAction::Unspecified
                }
            };
            for item in &change.items {
                let (element, value) = history_item(item);
                for value in chunks(&value) {
                    out.push(PnrHistoryEntry {
                        changed_at,
                        action: action as i32,
                        element: element.to_owned(),
                        value,
                        changed_by: changed_by.clone(),
                    });
                }
            }
        }
    }
}

/// What a history item changed, as the element's name and its content in words.
fn history_item(item: &pnrgov::HistoryItem) -> (&'static str, String) {
    let join = |parts: &[Option<&str>]| {
        parts
            .iter()
            .flatten()
            .copied()
            .collect::<Vec<_>>()
            .join(" ")
    };
    match item {
        pnrgov::HistoryItem::Name {
            surname,
            given_name,
            ..
        } => (
            "name",
            match given_name {
                Some(given) => format!("{}/{}", surname.expose(), given.expose()),
                None => surname.expose().clone(),
            },
        ),
        pnrgov::HistoryItem::Flight { flight, status } => {
            let designator = flight.designator();
            let day = flight.departure_date.map(date);
            (
                "segment",
                join(&[
                    designator.as_deref(),
                    flight.booking_class.as_deref(),
                    day.as_deref(),
                    flight.departure_airport.as_deref(),
                    flight.arrival_airport.as_deref(),
                    status.as_ref().and_then(|s| s.code.as_deref()),
                ]),
            )
        }
        pnrgov::HistoryItem::ServiceRequest(remark) => (
            "ssr",
            join(&[
                remark.code.as_deref(),
                remark.status.as_deref(),
                remark.text.as_ref().map(|t| t.expose().as_str()),
            ]),
        ),
        pnrgov::HistoryItem::Text { text, .. } => ("text", text.expose().clone()),
        pnrgov::HistoryItem::Baggage(bags) => {
            let pieces = bags.pieces.map(|p| format!("{p} pieces"));
            let weight = bags.weight_kg().map(|w| format!("{w} kg"));
            ("baggage", join(&[pieces.as_deref(), weight.as_deref()]))
        }
    }
}

/// Free text in pieces of at most [`MAX_FREE_TEXT`] characters; none for empty text.
fn chunks(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.trim().chars().collect();
    chars
        .chunks(MAX_FREE_TEXT)
        .map(|piece| piece.iter().collect::<String>().trim().to_owned())
        .filter(|piece| !piece.is_empty())
        .collect()
}

fn fits(value: &str, max: usize) -> bool {
    value.chars().count() <= max
}

fn segment_ref(index: usize) -> String {
    (index + 1).to_string()
}

fn address(a: &pnrgov::Address) -> Address {
    Address {
        address_lines: a.lines.clone(),
        city: a.city.clone().unwrap_or_default(),
        postcode: a.postal_code.clone().unwrap_or_default(),
        country_subdivision: a.region.clone().unwrap_or_default(),
        country: a.country.clone().unwrap_or_default(),
    }
}

/// AIRIMP/PNRGOV document type codes (DOCS, DOCO, FOID).
fn document_type(code: Option<&str>) -> DocumentType {
    match code {
        Some("P" | "PP" | "PT") => DocumentType::Passport,
        Some("I" | "ID" | "NI" | "A" | "C") => DocumentType::IdCard,
        Some("V") => DocumentType::Visa,
        Some("F" | "AR" | "RP") => DocumentType::ResidencePermit,
        Some(_) => DocumentType::Other,
        None => DocumentType::Unspecified,
    }
}

fn date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// A TVL time, local to its airport, as an instant (none when the airport's zone is unknown).
fn local_instant(
    airport: Option<&str>,
    local: Option<NaiveDateTime>,
) -> Option<prost_types::Timestamp> {
    crate::times::at_airport(airport?, local?)
}

/// PNRGOV stamps carry no zone: taken as UTC, as the UNB preparation time is.
fn instant(at: NaiveDateTime) -> prost_types::Timestamp {
    to_timestamp(DateTime::<Utc>::from_naive_utc_and_offset(at, Utc))
}

fn response(results: Vec<PnrgovMessageResult>, warnings: &[Warning]) -> SubmitPnrgovResponse {
    let status = |r: &SubmissionResult| {
        SubmissionStatus::try_from(r.status).unwrap_or(SubmissionStatus::Unspecified)
    };
    let stored: Vec<&SubmissionResult> = results
        .iter()
        .flat_map(|m| &m.pnrs)
        .filter(|r| {
            matches!(
                status(r),
                SubmissionStatus::Accepted | SubmissionStatus::Duplicate
            )
        })
        .collect();
    let every_pnr_duplicate = results.iter().all(|m| m.rejected.is_none())
        && results
            .iter()
            .flat_map(|m| &m.pnrs)
            .all(|r| status(r) == SubmissionStatus::Duplicate)
        && results.iter().any(|m| !m.pnrs.is_empty());
    SubmitPnrgovResponse {
        pnr_ids: stored.iter().map(|r| r.record_id.clone()).collect(),
        accepted_at: stored.first().and_then(|r| r.accepted_at),
        pnr_count: i32::try_from(stored.len()).unwrap_or(i32::MAX),
        duplicate: every_pnr_duplicate,
        warnings: warnings.iter().map(interchange::format_warning).collect(),
        messages: results,
    }
}
