//! Checks a PNR field by field and normalises it (codes uppercased, names' spaces collapsed,
//! instants cut to the microseconds Postgres keeps), so that what is stored, published and read
//! back is one and the same well-formed, bounded PNR: one that passes here always fits in its
//! event, so nothing accepted can get stuck in the outbox.
//!
//! References between elements (`traveller_ref`, `segment_ref`) must name a traveller or segment
//! of the same PNR. Messages name the field and the rule (and the limit), never the value.

use std::{collections::HashSet, fmt::Display};

use chrono::{Datelike, NaiveDate};
use gatehouse_matching::document::normalize_document_number;
use gatehouse_platform::{error::FieldViolations, events::from_timestamp};
use gatehouse_proto::v1::{
    Address, Baggage, Contact, DocumentType, Flight, FlightDirection, FormOfPayment, FrequentFlyer,
    ItinerarySegment, Money, Payment, Pnr, PnrHistoryAction, PnrHistoryEntry, PnrPassengerType,
    PnrTransfer, PnrTraveller, Remark, RemarkKind, Sex, SubmitPnrRequest, Ticket, TravelAgency,
    TravelDocument, TravelStatus, TravellerSegment, TripType,
};
use prost_types::Timestamp;

use self::Presence::{Optional, Required};
use crate::{
    pnr::event,
    validate::{Limits, MAX_MESSAGE_ID},
};

/// Most travellers one PNR may list (a group booking can be large, never a whole aircraft more).
pub const MAX_TRAVELLERS: usize = 999;
pub const MAX_SEGMENTS: usize = 99;
/// Check-in records: one per traveller and segment flown.
pub const MAX_TRAVELLER_SEGMENTS: usize = 4_000;
pub const MAX_TICKETS: usize = 2_000;
pub const MAX_BAGS: usize = 2_000;
pub const MAX_PAYMENTS: usize = 50;
pub const MAX_CONTACTS: usize = 100;
pub const MAX_REMARKS: usize = 500;
pub const MAX_HISTORY: usize = 1_000;
pub const MAX_RELATED_LOCATORS: usize = 50;
pub const MAX_DOCUMENTS: usize = 5;
pub const MAX_FREQUENT_FLYERS: usize = 10;
pub const MAX_ADDRESS_LINES: usize = 5;
pub const MAX_BAG_TAGS: usize = 30;
pub const MAX_NAME: usize = 100;
/// Element references (`traveller_ref`, `segment_ref`), as in API reports.
pub const MAX_REF: usize = 35;
/// Remarks, history values, fare calculation lines.
pub const MAX_FREE_TEXT: usize = 512;

/// A PNR that passed validation, normalised. No `Debug`: it is personal data throughout.
pub struct ValidPnr {
    pub message_id: String,
    pub pnr: Pnr,
    /// Bytes the event may grow by with the travellers' links to API reports.
    pub link_budget: usize,
}

/// Validates a PNR submitted by `agency` (which its event carries, so it counts towards the
/// event size).
pub fn validate(
    request: SubmitPnrRequest,
    agency: &str,
    limits: &Limits,
) -> Result<ValidPnr, FieldViolations> {
    let mut v = FieldViolations::new();
    let message_id = request.message_id.trim().to_owned();
    if message_id.is_empty() {
        v.add("message_id", "is required (client idempotency key)");
    } else if too_long(&message_id, MAX_MESSAGE_ID) {
        v.add(
            "message_id",
            format!("must be at most {MAX_MESSAGE_ID} characters"),
        );
    }
    let Some(mut pnr) = request.pnr else {
        v.add("pnr", "is required");
        return Err(v);
    };
    if pnr.travellers.len() > MAX_TRAVELLERS {
        // Refused as a whole: checking thousands of travellers would only bury this.
        v.add_limit(
            "pnr.travellers",
            format!("at most {MAX_TRAVELLERS} travellers per PNR"),
        );
        return Err(v);
    }
    check_pnr(&mut pnr, &mut Element::new("pnr", &mut v));
    v.into_result()?;
    let mut valid = ValidPnr {
        message_id,
        pnr,
        link_budget: 0,
    };
    let size = event::encoded_len_bound(agency, &valid);
    if size > limits.max_event_bytes {
        let mut v = FieldViolations::new();
        v.add_limit(
            "pnr",
            format!(
                "the PNR's event would be {size} bytes, over the limit of {} bytes",
                limits.max_event_bytes
            ),
        );
        return Err(v);
    }
    valid.link_budget = limits.max_event_bytes - size;
    Ok(valid)
}

fn check_pnr(pnr: &mut Pnr, e: &mut Element<'_>) {
    e.code(
        "record_locator",
        &mut pnr.record_locator,
        &LOCATOR,
        Required,
    );
    e.code("carrier", &mut pnr.carrier, &CARRIER, Required);
    match pnr.flight.as_mut() {
        None => e.fail("flight", "is required"),
        Some(flight) => check_flight(&mut e.child("flight"), flight),
    }
    e.instant("created_at", &mut pnr.created_at);
    e.instant("last_modified_at", &mut pnr.last_modified_at);
    e.instant("sent_at", &mut pnr.sent_at);
    e.require(
        "transfer",
        PnrTransfer::try_from(pnr.transfer).is_ok(),
        "unknown transfer reason",
    );
    e.text("sender", &mut pnr.sender, 64, Optional);
    e.code(
        "reservation_system",
        &mut pnr.reservation_system,
        &RESERVATION_SYSTEM,
        Optional,
    );
    e.require(
        "traveller_count",
        usize::try_from(pnr.traveller_count).is_ok_and(|n| n <= MAX_TRAVELLERS),
        format!("must be between 0 and {MAX_TRAVELLERS}"),
    );
    e.name("group_name", &mut pnr.group_name, MAX_NAME, Optional);
    each(
        e,
        "related_record_locators",
        &mut pnr.related_record_locators,
        MAX_RELATED_LOCATORS,
        "related record locators",
        |e, field, locator| e.code(field, locator, &LOCATOR, Required),
    );
    if pnr.travellers.is_empty() {
        e.fail("travellers", "at least one traveller is required");
    }
    each(
        e,
        "travellers",
        &mut pnr.travellers,
        MAX_TRAVELLERS,
        "travellers per PNR",
        |e, field, traveller| check_traveller(&mut e.child(field), traveller),
    );
    each(
        e,
        "segments",
        &mut pnr.segments,
        MAX_SEGMENTS,
        "segments per PNR",
        |e, field, segment| check_segment(&mut e.child(field), segment),
    );
    let refs = Refs {
        travellers: unique_refs(
            e,
            "travellers",
            pnr.travellers.iter().map(|t| t.traveller_ref.as_str()),
            "traveller_ref",
            "traveller",
        ),
        segments: unique_refs(
            e,
            "segments",
            pnr.segments.iter().map(|s| s.segment_ref.as_str()),
            "segment_ref",
            "segment",
        ),
    };
    for (i, traveller) in pnr.travellers.iter_mut().enumerate() {
        let mut e = e.child(format_args!("travellers[{i}]"));
        let accompanied_by = traveller.accompanied_by_ref.trim();
        if !accompanied_by.is_empty() && accompanied_by == traveller.traveller_ref {
            e.fail("accompanied_by_ref", "must name another traveller");
        } else {
            e.traveller_ref(
                "accompanied_by_ref",
                &mut traveller.accompanied_by_ref,
                &refs,
                Optional,
            );
        }
    }
    each(
        e,
        "traveller_segments",
        &mut pnr.traveller_segments,
        MAX_TRAVELLER_SEGMENTS,
        "traveller segments per PNR",
        |e, field, segment| check_traveller_segment(&mut e.child(field), segment, &refs),
    );
    each(
        e,
        "payments",
        &mut pnr.payments,
        MAX_PAYMENTS,
        "payments per PNR",
        |e, field, payment| check_payment(&mut e.child(field), payment, &refs),
    );
    each(
        e,
        "contacts",
        &mut pnr.contacts,
        MAX_CONTACTS,
        "contacts per PNR",
        |e, field, contact| check_contact(&mut e.child(field), contact, &refs),
    );
    if let Some(agency) = pnr.travel_agency.as_mut() {
        check_travel_agency(&mut e.child("travel_agency"), agency);
    }
    each(
        e,
        "tickets",
        &mut pnr.tickets,
        MAX_TICKETS,
        "tickets per PNR",
        |e, field, ticket| check_ticket(&mut e.child(field), ticket, &refs),
    );
    each(
        e,
        "baggage",
        &mut pnr.baggage,
        MAX_BAGS,
        "baggage records per PNR",
        |e, field, bags| check_baggage(&mut e.child(field), bags, &refs),
    );
    each(
        e,
        "remarks",
        &mut pnr.remarks,
        MAX_REMARKS,
        "remarks per PNR",
        |e, field, remark| check_remark(&mut e.child(field), remark, &refs),
    );
    each(
        e,
        "history",
        &mut pnr.history,
        MAX_HISTORY,
        "history entries per PNR",
        |e, field, entry| check_history(&mut e.child(field), entry),
    );
}

fn check_flight(e: &mut Element<'_>, flight: &mut Flight) {
    e.code("carrier", &mut flight.carrier, &CARRIER, Required);
    e.code("number", &mut flight.number, &FLIGHT_NUMBER, Required);
    e.code(
        "departure_airport",
        &mut flight.departure_airport,
        &AIRPORT,
        Required,
    );
    e.code(
        "arrival_airport",
        &mut flight.arrival_airport,
        &AIRPORT,
        Required,
    );
    e.date("departure_date", &mut flight.departure_date, Required);
    e.instant("scheduled_departure", &mut flight.scheduled_departure);
    e.instant("scheduled_arrival", &mut flight.scheduled_arrival);
    e.require(
        "direction",
        FlightDirection::try_from(flight.direction).is_ok(),
        "unknown flight direction",
    );
}

fn check_traveller(e: &mut Element<'_>, t: &mut PnrTraveller) {
    e.text("traveller_ref", &mut t.traveller_ref, MAX_REF, Optional);
    e.name("surname", &mut t.surname, MAX_NAME, Required);
    e.name("given_names", &mut t.given_names, MAX_NAME, Optional);
    e.name("title", &mut t.title, 16, Optional);
    e.require(
        "passenger_type",
        PnrPassengerType::try_from(t.passenger_type).is_ok(),
        "unknown passenger type",
    );
    if e.date("date_of_birth", &mut t.date_of_birth, Optional)
        .is_some_and(|born| born > chrono::Utc::now().date_naive())
    {
        e.fail("date_of_birth", "is in the future");
    }
    e.require("sex", Sex::try_from(t.sex).is_ok(), "unknown sex");
    e.code("nationality", &mut t.nationality, &COUNTRY, Optional);
    e.code(
        "country_of_residence",
        &mut t.country_of_residence,
        &COUNTRY,
        Optional,
    );
    e.name("place_of_birth", &mut t.place_of_birth, 64, Optional);
    each(
        e,
        "documents",
        &mut t.documents,
        MAX_DOCUMENTS,
        "documents per traveller",
        |e, field, document| check_document(&mut e.child(field), document),
    );
    e.address("residence_address", &mut t.residence_address);
    e.address("destination_address", &mut t.destination_address);
    each(
        e,
        "frequent_flyers",
        &mut t.frequent_flyers,
        MAX_FREQUENT_FLYERS,
        "frequent flyer memberships per traveller",
        |e, field, membership| check_frequent_flyer(&mut e.child(field), membership),
    );
    // accompanied_by_ref is checked once every traveller's reference is known.
}

fn check_document(e: &mut Element<'_>, document: &mut TravelDocument) {
    e.require(
        "type",
        DocumentType::try_from(document.r#type).is_ok(),
        "unknown document type",
    );
    document.number = document.number.trim().to_uppercase();
    if normalize_document_number(&document.number).is_none() {
        e.fail("number", "is required");
    } else {
        e.bound("number", &document.number, 20);
    }
    e.code(
        "issuing_country",
        &mut document.issuing_country,
        &COUNTRY,
        Optional,
    );
    e.date("expiry_date", &mut document.expiry_date, Optional);
    e.date("issue_date", &mut document.issue_date, Optional);
}

fn check_frequent_flyer(e: &mut Element<'_>, membership: &mut FrequentFlyer) {
    e.code("carrier", &mut membership.carrier, &CARRIER, Required);
    membership.number = membership.number.trim().to_uppercase();
    e.text("number", &mut membership.number, 25, Required);
    e.text("tier", &mut membership.tier, 20, Optional);
}

fn check_segment(e: &mut Element<'_>, segment: &mut ItinerarySegment) {
    // An open segment has no flight or date yet.
    let dated = if segment.open { Optional } else { Required };
    e.text("segment_ref", &mut segment.segment_ref, MAX_REF, Optional);
    e.code(
        "marketing_carrier",
        &mut segment.marketing_carrier,
        &CARRIER,
        Required,
    );
    e.code(
        "marketing_flight_number",
        &mut segment.marketing_flight_number,
        &FLIGHT_NUMBER,
        dated,
    );
    e.code(
        "operating_carrier",
        &mut segment.operating_carrier,
        &CARRIER,
        Optional,
    );
    e.code(
        "operating_flight_number",
        &mut segment.operating_flight_number,
        &FLIGHT_NUMBER,
        Optional,
    );
    e.code(
        "departure_airport",
        &mut segment.departure_airport,
        &AIRPORT,
        Required,
    );
    e.code(
        "arrival_airport",
        &mut segment.arrival_airport,
        &AIRPORT,
        Required,
    );
    e.date("departure_date", &mut segment.departure_date, dated);
    e.instant("scheduled_departure", &mut segment.scheduled_departure);
    e.instant("scheduled_arrival", &mut segment.scheduled_arrival);
    e.code(
        "booking_class",
        &mut segment.booking_class,
        &BOOKING_CLASS,
        Optional,
    );
    e.code(
        "booking_status",
        &mut segment.booking_status,
        &SEGMENT_STATUS,
        Optional,
    );
}

fn check_traveller_segment(e: &mut Element<'_>, segment: &mut TravellerSegment, refs: &Refs) {
    e.traveller_ref("traveller_ref", &mut segment.traveller_ref, refs, Required);
    e.segment_ref("segment_ref", &mut segment.segment_ref, refs, Required);
    e.require(
        "status",
        TravelStatus::try_from(segment.status).is_ok(),
        "unknown travel status",
    );
    e.code("seat", &mut segment.seat, &SEAT, Optional);
    e.text("seat_details", &mut segment.seat_details, 100, Optional);
    e.text(
        "check_in_sequence",
        &mut segment.check_in_sequence,
        10,
        Optional,
    );
    e.instant("checked_in_at", &mut segment.checked_in_at);
}

fn check_payment(e: &mut Element<'_>, payment: &mut Payment, refs: &Refs) {
    e.require(
        "form",
        FormOfPayment::try_from(payment.form).is_ok(),
        "unknown form of payment",
    );
    e.money("amount", &mut payment.amount);
    e.code("card_type", &mut payment.card_type, &CARD_VENDOR, Optional);
    e.text("card_number", &mut payment.card_number, 30, Optional);
    e.name(
        "card_holder_name",
        &mut payment.card_holder_name,
        MAX_NAME,
        Optional,
    );
    payment.card_expiry = payment.card_expiry.trim().to_owned();
    if !payment.card_expiry.is_empty() && !is_year_month(&payment.card_expiry) {
        e.fail("card_expiry", "must be a month in YYYY-MM form");
    }
    e.address("billing_address", &mut payment.billing_address);
    e.instant("paid_at", &mut payment.paid_at);
    e.traveller_ref("traveller_ref", &mut payment.traveller_ref, refs, Optional);
}

fn check_contact(e: &mut Element<'_>, contact: &mut Contact, refs: &Refs) {
    e.traveller_ref("traveller_ref", &mut contact.traveller_ref, refs, Optional);
    e.name("name", &mut contact.name, MAX_NAME, Optional);
    e.text("phone", &mut contact.phone, 32, Optional);
    e.text("email", &mut contact.email, 254, Optional);
    if !contact.email.is_empty() && !is_email(&contact.email) {
        e.fail("email", "must be an e-mail address");
    }
    e.address("address", &mut contact.address);
    e.text("purpose", &mut contact.purpose, 35, Optional);
}

fn check_travel_agency(e: &mut Element<'_>, agency: &mut TravelAgency) {
    e.name("name", &mut agency.name, MAX_NAME, Optional);
    e.code(
        "iata_number",
        &mut agency.iata_number,
        &IATA_AGENCY,
        Optional,
    );
    e.text("office_id", &mut agency.office_id, 16, Optional);
    e.text("agent_id", &mut agency.agent_id, 16, Optional);
    e.name("city", &mut agency.city, 64, Optional);
    e.code("country", &mut agency.country, &COUNTRY, Optional);
    e.text("phone", &mut agency.phone, 32, Optional);
}

fn check_ticket(e: &mut Element<'_>, ticket: &mut Ticket, refs: &Refs) {
    e.text("ticket_number", &mut ticket.ticket_number, 20, Required);
    e.traveller_ref("traveller_ref", &mut ticket.traveller_ref, refs, Optional);
    e.date("issue_date", &mut ticket.issue_date, Optional);
    e.require(
        "trip_type",
        TripType::try_from(ticket.trip_type).is_ok(),
        "unknown trip type",
    );
    each(
        e,
        "segment_refs",
        &mut ticket.segment_refs,
        MAX_SEGMENTS,
        "segments per ticket",
        |e, field, segment| e.segment_ref(field, segment, refs, Required),
    );
    e.money("fare", &mut ticket.fare);
    e.text(
        "fare_calculation",
        &mut ticket.fare_calculation,
        MAX_FREE_TEXT,
        Optional,
    );
    e.code(
        "validating_carrier",
        &mut ticket.validating_carrier,
        &CARRIER,
        Optional,
    );
}

fn check_baggage(e: &mut Element<'_>, bags: &mut Baggage, refs: &Refs) {
    e.traveller_ref("traveller_ref", &mut bags.traveller_ref, refs, Optional);
    e.segment_ref("segment_ref", &mut bags.segment_ref, refs, Optional);
    e.require(
        "piece_count",
        (0..=99).contains(&bags.piece_count),
        "must be between 0 and 99",
    );
    e.require(
        "weight_kg",
        (0.0..=999.0).contains(&bags.weight_kg),
        "must be between 0 and 999 kg",
    );
    each(
        e,
        "tag_numbers",
        &mut bags.tag_numbers,
        MAX_BAG_TAGS,
        "bag tags per baggage record",
        |e, field, tag| e.code(field, tag, &BAG_TAG, Required),
    );
    e.code(
        "final_destination_airport",
        &mut bags.final_destination_airport,
        &AIRPORT,
        Optional,
    );
    e.traveller_ref("pooled_with_ref", &mut bags.pooled_with_ref, refs, Optional);
}

fn check_remark(e: &mut Element<'_>, remark: &mut Remark, refs: &Refs) {
    e.require(
        "kind",
        RemarkKind::try_from(remark.kind).is_ok(),
        "unknown remark kind",
    );
    e.code("code", &mut remark.code, &SERVICE_CODE, Optional);
    e.code("carrier", &mut remark.carrier, &CARRIER, Optional);
    e.text("text", &mut remark.text, MAX_FREE_TEXT, Optional);
    e.traveller_ref("traveller_ref", &mut remark.traveller_ref, refs, Optional);
    e.segment_ref("segment_ref", &mut remark.segment_ref, refs, Optional);
}

fn check_history(e: &mut Element<'_>, entry: &mut PnrHistoryEntry) {
    e.instant("changed_at", &mut entry.changed_at);
    e.require(
        "action",
        PnrHistoryAction::try_from(entry.action).is_ok(),
        "unknown history action",
    );
    e.text("element", &mut entry.element, 35, Optional);
    e.text("value", &mut entry.value, MAX_FREE_TEXT, Optional);
    e.text("changed_by", &mut entry.changed_by, 35, Optional);
}

/// Checks every item of a list at `field[i]`, unless the list is longer than `max` (a limit:
/// its items are not looked at).
fn each<T>(
    e: &mut Element<'_>,
    field: &str,
    items: &mut [T],
    max: usize,
    what: &str,
    mut check: impl FnMut(&mut Element<'_>, &str, &mut T),
) {
    if items.len() > max {
        e.v.add_limit(e.path(field), format!("at most {max} {what}"));
        return;
    }
    for (i, item) in items.iter_mut().enumerate() {
        check(e, &format!("{field}[{i}]"), item);
    }
}

/// The references of a list's elements; a reference used twice is a violation at the second.
fn unique_refs<'a>(
    e: &mut Element<'_>,
    list: &str,
    refs: impl Iterator<Item = &'a str>,
    field: &str,
    what: &str,
) -> HashSet<String> {
    let mut seen = HashSet::new();
    for (i, reference) in refs.enumerate() {
        if !reference.is_empty() && !seen.insert(reference.to_owned()) {
            e.fail(
                &format!("{list}[{i}].{field}"),
                format!("is used by another {what} of the PNR"),
            );
        }
    }
    seen
}

/// The references elements may point to.
struct Refs {
    travellers: HashSet<String>,
    segments: HashSet<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Presence {
    Required,
    Optional,
}

/// The shape of a code: its characters (after uppercasing) and length.
struct Format {
    first: fn(char) -> bool,
    rest: fn(char) -> bool,
    min: usize,
    max: usize,
    rule: &'static str,
}

const fn code(chars: fn(char) -> bool, min: usize, max: usize, rule: &'static str) -> Format {
    Format {
        first: chars,
        rest: chars,
        min,
        max,
        rule,
    }
}

const AIRPORT: Format = code(letter, 3, 3, "must be a 3-letter IATA airport code");
/// ISO 3166-1 alpha-3, plus ICAO 9303's one- and two-letter codes such as `D` (Germany).
const COUNTRY: Format = code(
    letter,
    1,
    3,
    "must be an ISO 3166-1 alpha-3 (or ICAO 9303) country code",
);
const CARRIER: Format = code(
    alphanumeric,
    2,
    3,
    "must be an IATA (2) or ICAO (3) airline designator",
);
const FLIGHT_NUMBER: Format = Format {
    first: digit,
    rest: alphanumeric,
    min: 1,
    max: 5,
    rule: "must be 1-4 digits with an optional letter suffix",
};
const LOCATOR: Format = code(
    alphanumeric,
    5,
    8,
    "must be a record locator of 5 to 8 letters or digits",
);
const RESERVATION_SYSTEM: Format = code(
    alphanumeric,
    2,
    3,
    "must be a reservation system code of 2 or 3 letters or digits, e.g. 1A",
);
const CURRENCY: Format = code(letter, 3, 3, "must be an ISO 4217 currency code");
const BOOKING_CLASS: Format = code(letter, 1, 2, "must be a booking class of 1 or 2 letters");
const SEGMENT_STATUS: Format = code(letter, 2, 2, "must be a 2-letter IATA segment status code");
const SEAT: Format = code(alphanumeric, 2, 4, "must be a seat number such as 23C");
const SERVICE_CODE: Format = code(letter, 4, 4, "must be a 4-letter SSR code");
const BAG_TAG: Format = code(digit, 10, 10, "must be a 10-digit bag tag number");
const IATA_AGENCY: Format = code(digit, 7, 8, "must be a 7- or 8-digit IATA agency number");
const CARD_VENDOR: Format = code(letter, 2, 2, "must be a 2-letter card vendor code");

fn letter(c: char) -> bool {
    c.is_ascii_uppercase()
}

fn digit(c: char) -> bool {
    c.is_ascii_digit()
}

fn alphanumeric(c: char) -> bool {
    c.is_ascii_uppercase() || c.is_ascii_digit()
}

/// Where violations of one element (e.g. `pnr.travellers[2]`) are recorded.
struct Element<'v> {
    path: String,
    v: &'v mut FieldViolations,
}

impl<'v> Element<'v> {
    fn new(path: &str, v: &'v mut FieldViolations) -> Self {
        Self {
            path: path.to_owned(),
            v,
        }
    }

    fn child(&mut self, name: impl Display) -> Element<'_> {
        Element {
            path: format!("{}.{name}", self.path),
            v: self.v,
        }
    }

    fn path(&self, field: &str) -> String {
        format!("{}.{field}", self.path)
    }

    fn fail(&mut self, field: &str, rule: impl Into<String>) {
        self.v.add(self.path(field), rule);
    }

    fn require(&mut self, field: &str, holds: bool, rule: impl Into<String>) {
        if !holds {
            self.fail(field, rule);
        }
    }

    fn bound(&mut self, field: &str, value: &str, max: usize) {
        if too_long(value, max) {
            self.fail(field, format!("must be at most {max} characters"));
        }
    }

    /// `value` trimmed; required or at most `max` characters.
    fn text(&mut self, field: &str, value: &mut String, max: usize, presence: Presence) {
        let trimmed = value.trim();
        if trimmed.len() != value.len() {
            *value = trimmed.to_owned();
        }
        self.present(field, value, max, presence);
    }

    /// A name: words one space apart; required or at most `max` characters.
    fn name(&mut self, field: &str, value: &mut String, max: usize, presence: Presence) {
        *value = value.split_whitespace().collect::<Vec<_>>().join(" ");
        self.present(field, value, max, presence);
    }

    fn present(&mut self, field: &str, value: &str, max: usize, presence: Presence) {
        if value.is_empty() {
            if presence == Required {
                self.fail(field, "is required");
            }
        } else {
            self.bound(field, value, max);
        }
    }

    /// A code, trimmed and uppercased, of the given format.
    fn code(&mut self, field: &str, value: &mut String, format: &Format, presence: Presence) {
        *value = value.trim().to_ascii_uppercase();
        let mut chars = value.chars();
        if value.is_empty() {
            if presence == Required {
                self.fail(field, "is required");
            }
        } else if !(format.min..=format.max).contains(&value.len())
            || !chars.next().is_some_and(format.first)
            || !chars.all(format.rest)
        {
            self.fail(field, format.rule);
        }
    }

    /// A calendar date in `YYYY-MM-DD` form.
    fn date(&mut self, field: &str, value: &mut String, presence: Presence) -> Option<NaiveDate> {
        *value = value.trim().to_owned();
        if value.is_empty() {
            if presence == Required {
                self.fail(field, "is required");
            }
            return None;
        }
        // Only the canonical form: chrono alone would accept `2026-1-1` or a 5-digit year, and
        // Postgres has no year 0.
        let parsed = NaiveDate::parse_from_str(value, "%Y-%m-%d")
            .ok()
            .filter(|date| date.year() >= 1 && date.format("%Y-%m-%d").to_string() == *value);
        if parsed.is_none() {
            self.fail(field, "must be a calendar date in YYYY-MM-DD form");
        }
        parsed
    }

    /// An instant Postgres can keep; cut to microseconds, its precision, so that what is
    /// published is what is read back.
    fn instant(&mut self, field: &str, value: &mut Option<Timestamp>) {
        let Some(at) = value.as_mut() else {
            return;
        };
        let storable = (0..1_000_000_000).contains(&at.nanos)
            && from_timestamp(at).is_some_and(|t| (1..=9999).contains(&t.year()));
        if storable {
            at.nanos -= at.nanos % 1_000;
        } else {
            self.fail(field, "must be an instant between the years 1 and 9999");
        }
    }

    fn money(&mut self, field: &str, value: &mut Option<Money>) {
        let Some(money) = value.as_mut() else {
            return;
        };
        let mut e = self.child(field);
        e.code(
            "currency_code",
            &mut money.currency_code,
            &CURRENCY,
            Required,
        );
        let signs_agree =
            (money.units >= 0 && money.nanos >= 0) || (money.units <= 0 && money.nanos <= 0);
        e.require(
            "nanos",
            money.nanos.unsigned_abs() < 1_000_000_000 && signs_agree,
            "must be less than one unit and of the sign of units",
        );
    }

    fn address(&mut self, field: &str, value: &mut Option<Address>) {
        let Some(address) = value.as_mut() else {
            return;
        };
        let mut e = self.child(field);
        each(
            &mut e,
            "address_lines",
            &mut address.address_lines,
            MAX_ADDRESS_LINES,
            "address lines",
            |e, field, line| e.name(field, line, 70, Optional),
        );
        e.name("city", &mut address.city, 64, Optional);
        e.text("postcode", &mut address.postcode, 16, Optional);
        e.name(
            "country_subdivision",
            &mut address.country_subdivision,
            64,
            Optional,
        );
        e.code("country", &mut address.country, &COUNTRY, Optional);
    }

    fn traveller_ref(&mut self, field: &str, value: &mut String, refs: &Refs, presence: Presence) {
        self.reference(field, value, &refs.travellers, "traveller", presence);
    }

    fn segment_ref(&mut self, field: &str, value: &mut String, refs: &Refs, presence: Presence) {
        self.reference(field, value, &refs.segments, "segment", presence);
    }

    fn reference(
        &mut self,
        field: &str,
        value: &mut String,
        known: &HashSet<String>,
        what: &str,
        presence: Presence,
    ) {
        self.text(field, value, MAX_REF, presence);
        if !value.is_empty() && !known.contains(value.as_str()) {
            self.fail(field, format!("names no {what} of the PNR"));
        }
    }
}

/// Whether `value` is longer than `max` characters.
fn too_long(value: &str, max: usize) -> bool {
    // Bytes bound characters from above: most values skip the count.
    value.len() > max && value.chars().count() > max
}

fn is_year_month(value: &str) -> bool {
    let bytes = value.as_bytes();
    bytes.len() == 7
        && bytes[4] == b'-'
        && bytes[..4].iter().chain(&bytes[5..]).all(u8::is_ascii_digit)
        && matches!(value[5..].parse::<u8>(), Ok(1..=12))
}

/// Something before and after one `@`, no spaces: carriers send addresses in many forms, so
/// this only keeps out what cannot be one.
fn is_email(value: &str) -> bool {
    value.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty() && !domain.is_empty() && !domain.contains('@')
    }) && !value.contains(char::is_whitespace)
}

#[cfg(test)]
pub(crate) mod tests {
    use gatehouse_proto::v1::Pnr;
    use tonic::Code;

    use super::*;

    /// A small booking: two travellers, one segment, with the elements that reference them.
    pub(crate) fn request() -> SubmitPnrRequest {
        let traveller = |reference: &str, surname: &str, passport: &str| PnrTraveller {
            traveller_ref: reference.into(),
            surname: surname.into(),
            given_names: "Ana  Maria ".into(),
            date_of_birth: "1990-01-31".into(),
            nationality: "bih".into(),
            documents: vec![TravelDocument {
                r#type: DocumentType::Passport as i32,
                number: passport.into(),
                issuing_country: "BIH".into(),
                ..Default::default()
            }],
            ..Default::default()
        };
        SubmitPnrRequest {
            message_id: " pnr-1 ".into(),
            pnr: Some(Pnr {
                record_locator: "x7k2qp".into(),
                carrier: "ja".into(),
                flight: Some(Flight {
                    carrier: "JA".into(),
                    number: "123".into(),
                    departure_airport: "ist".into(),
                    arrival_airport: "SJJ".into(),
                    departure_date: "2026-12-20".into(),
                    ..Default::default()
                }),
                sent_at: Some(Timestamp {
                    seconds: 1_797_760_800,
                    nanos: 123_456_789,
                }),
                travellers: vec![
                    traveller("1.1", " Hadžić ", "a 123 456"),
                    traveller("2.1", "KOVAC", "B7654321"),
                ],
                segments: vec![ItinerarySegment {
                    segment_ref: "1".into(),
                    marketing_carrier: "JA".into(),
                    marketing_flight_number: "123".into(),
                    departure_airport: "IST".into(),
                    arrival_airport: "SJJ".into(),
                    departure_date: "2026-12-20".into(),
                    ..Default::default()
                }],
                traveller_segments: vec![TravellerSegment {
                    traveller_ref: "1.1".into(),
                    segment_ref: "1".into(),
                    seat: "12a".into(),
                    ..Default::default()
                }],
                baggage: vec![Baggage {
                    traveller_ref: "2.1".into(),
                    piece_count: 1,
                    weight_kg: 23.0,
                    tag_numbers: vec!["0123456789".into()],
                    ..Default::default()
                }],
                ..Default::default()
            }),
        }
    }

    fn check(request: SubmitPnrRequest) -> Result<ValidPnr, FieldViolations> {
        validate(request, "ba-ibm", &Limits::default())
    }

    fn fields(request: SubmitPnrRequest) -> Vec<String> {
        check(request)
            .err()
            .expect("refused")
            .iter()
            .map(|(field, _)| field.to_owned())
            .collect()
    }

    fn pnr(r: &mut SubmitPnrRequest) -> &mut Pnr {
        r.pnr.as_mut().unwrap()
    }

    #[test]
    fn a_valid_pnr_is_normalised() {
        let valid = check(request()).unwrap();
        assert_eq!(valid.message_id, "pnr-1");
        let pnr = &valid.pnr;
        assert_eq!(
            (pnr.record_locator.as_str(), pnr.carrier.as_str()),
            ("X7K2QP", "JA")
        );
        assert_eq!(pnr.flight.as_ref().unwrap().departure_airport, "IST");
        let first = &pnr.travellers[0];
        assert_eq!(
            (first.surname.as_str(), first.given_names.as_str()),
            ("Hadžić", "Ana Maria")
        );
        assert_eq!(first.nationality, "BIH");
        assert_eq!(first.documents[0].number, "A 123 456");
        assert_eq!(pnr.traveller_segments[0].seat, "12A");
        // Postgres keeps microseconds: the event carries what is read back.
        assert_eq!(pnr.sent_at.unwrap().nanos, 123_456_000);
    }

    type Edit = fn(&mut SubmitPnrRequest);

    #[test]
    fn each_bad_field_is_named() {
        let cases: &[(Edit, &[&str])] = &[
            (
                |r| pnr(r).record_locator = "X7K".into(),
                &["pnr.record_locator"],
            ),
            (
                |r| pnr(r).record_locator = "X7K-2Q".into(),
                &["pnr.record_locator"],
            ),
            (|r| pnr(r).carrier.clear(), &["pnr.carrier"]),
            (|r| pnr(r).flight = None, &["pnr.flight"]),
            (
                |r| pnr(r).flight.as_mut().unwrap().departure_date = "20.12.2026".into(),
                &["pnr.flight.departure_date"],
            ),
            (
                |r| pnr(r).flight.as_mut().unwrap().departure_date = "2026-1-1".into(),
                &["pnr.flight.departure_date"],
            ),
            (
                |r| pnr(r).travellers[0].date_of_birth = "0000-01-01".into(),
                &["pnr.travellers[0].date_of_birth"],
            ),
            (
                |r| pnr(r).flight.as_mut().unwrap().arrival_airport = "SJJX".into(),
                &["pnr.flight.arrival_airport"],
            ),
            (
                |r| {
                    r.message_id = "  ".into();
                    pnr(r).travellers.clear();
                    pnr(r).traveller_segments.clear();
                    pnr(r).baggage.clear();
                },
                &["message_id", "pnr.travellers"],
            ),
            (
                |r| pnr(r).travellers[1].surname.clear(),
                &["pnr.travellers[1].surname"],
            ),
            (|r| pnr(r).travellers[0].sex = 7, &["pnr.travellers[0].sex"]),
            (
                |r| pnr(r).travellers[0].date_of_birth = "1990-02-30".into(),
                &["pnr.travellers[0].date_of_birth"],
            ),
            (
                |r| pnr(r).travellers[1].documents[0].number = "<<".into(),
                &["pnr.travellers[1].documents[0].number"],
            ),
            (
                |r| pnr(r).travellers[1].traveller_ref = "1.1".into(),
                &[
                    "pnr.travellers[1].traveller_ref",
                    "pnr.baggage[0].traveller_ref",
                ],
            ),
            (
                |r| pnr(r).traveller_segments[0].segment_ref = "2".into(),
                &["pnr.traveller_segments[0].segment_ref"],
            ),
            (
                |r| pnr(r).traveller_segments[0].traveller_ref.clear(),
                &["pnr.traveller_segments[0].traveller_ref"],
            ),
            (
                |r| pnr(r).travellers[0].accompanied_by_ref = "1.1".into(),
                &["pnr.travellers[0].accompanied_by_ref"],
            ),
            (
                |r| pnr(r).baggage[0].weight_kg = f64::NAN,
                &["pnr.baggage[0].weight_kg"],
            ),
            (
                |r| pnr(r).baggage[0].tag_numbers[0] = "12345".into(),
                &["pnr.baggage[0].tag_numbers[0]"],
            ),
            (
                |r| {
                    pnr(r).sent_at = Some(Timestamp {
                        seconds: i64::MAX,
                        nanos: 0,
                    })
                },
                &["pnr.sent_at"],
            ),
            (
                |r| {
                    pnr(r).payments = vec![Payment {
                        amount: Some(Money {
                            currency_code: "EUR".into(),
                            units: 10,
                            nanos: -5,
                        }),
                        card_expiry: "2027-13".into(),
                        ..Default::default()
                    }]
                },
                &[
                    "pnr.payments[0].amount.nanos",
                    "pnr.payments[0].card_expiry",
                ],
            ),
            (
                |r| {
                    pnr(r).contacts = vec![Contact {
                        email: "amra at example.ba".into(),
                        traveller_ref: "9.9".into(),
                        ..Default::default()
                    }]
                },
                &["pnr.contacts[0].traveller_ref", "pnr.contacts[0].email"],
            ),
        ];
        for (i, (edit, expected)) in cases.iter().enumerate() {
            let mut r = request();
            edit(&mut r);
            assert_eq!(fields(r), *expected, "case {i}");
        }
        let mut r = request();
        r.pnr = None;
        assert_eq!(fields(r), ["pnr"]);
    }

    #[test]
    fn an_open_segment_needs_no_flight_or_date() {
        let mut r = request();
        let segment = &mut pnr(&mut r).segments[0];
        segment.marketing_flight_number.clear();
        segment.departure_date.clear();
        assert_eq!(
            fields(r.clone()),
            [
                "pnr.segments[0].marketing_flight_number",
                "pnr.segments[0].departure_date"
            ]
        );
        pnr(&mut r).segments[0].open = true;
        assert!(check(r).is_ok());
    }

    #[test]
    fn messages_never_echo_the_submitted_value() {
        let mut r = request();
        pnr(&mut r).travellers[0].surname = "Z".repeat(150);
        pnr(&mut r).travellers[0].documents[0].number = "SECRET0123456789012345".into();
        pnr(&mut r).traveller_segments[0].traveller_ref = "REF-NOWHERE".into();
        pnr(&mut r).contacts = vec![Contact {
            email: "no-at-sign.example.ba".into(),
            ..Default::default()
        }];
        let text = check(r).err().unwrap().into_status().message().to_owned();
        for value in ["ZZZZ", "SECRET", "NOWHERE", "example"] {
            assert!(!text.contains(value), "{value} echoed in {text}");
        }
    }

    #[test]
    fn counts_over_a_limit_are_refused_as_limits() {
        let mut r = request();
        let traveller = pnr(&mut r).travellers[1].clone();
        pnr(&mut r).travellers = vec![traveller; MAX_TRAVELLERS + 1];
        let rejection = check(r).err().unwrap();
        assert!(rejection.exceeds_limit());
        assert_eq!(
            rejection.iter().collect::<Vec<_>>(),
            [("pnr.travellers", "at most 999 travellers per PNR")]
        );

        let mut r = request();
        let segment = pnr(&mut r).segments[0].clone();
        pnr(&mut r).segments = vec![segment; MAX_SEGMENTS + 1];
        let rejection = check(r).err().unwrap();
        assert!(rejection.exceeds_limit());
        assert_eq!(rejection.into_status().code(), Code::ResourceExhausted);
    }

    #[test]
    fn a_pnr_whose_event_would_not_fit_the_bus_is_refused() {
        // Within every field limit, but long remarks make it large: too large for a small bus, not
        // for the default one.
        let mut r = request();
        let remark = Remark {
            kind: RemarkKind::General as i32,
            text: "𠜎".repeat(MAX_FREE_TEXT),
            ..Default::default()
        };
        pnr(&mut r).remarks = vec![remark; 200];
        let small = Limits {
            max_event_bytes: 256 * 1024,
        };
        let rejection = validate(r.clone(), "ba-ibm", &small).err().unwrap();
        assert!(rejection.exceeds_limit());
        let (field, reason) = rejection.iter().next().unwrap();
        assert_eq!(field, "pnr");
        assert!(
            reason.contains("over the limit of 262144 bytes"),
            "{reason}"
        );
        assert!(check(r).is_ok());
    }
}
