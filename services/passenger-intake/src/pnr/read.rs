//! `GetPnr`: one version of a booking rebuilt from its tables, read and audited in one
//! transaction, so no read of the personal data in it goes unrecorded.

use chrono::{DateTime, Utc};
use gatehouse_platform::{
    audit::{AuditEntry, audit},
    auth::Caller,
    error::FieldViolations,
    events::to_timestamp,
};
use gatehouse_proto::v1::{
    Address, Baggage, Contact, DocumentType, Flight, FlightDirection, FormOfPayment, FrequentFlyer,
    GetPnrRequest, GetPnrResponse, ItinerarySegment, Money, Payment, Pnr, PnrHistoryAction,
    PnrHistoryEntry, PnrPassengerType, PnrTransfer, PnrTraveller, Remark, RemarkKind, Sex, Ticket,
    TravelAgency, TravelDocument, TravelStatus, TravellerSegment, TripType,
};
use prost_types::Timestamp;
use sqlx::{PgPool, Row, postgres::PgRow, types::JsonValue};
use uuid::Uuid;

use crate::{
    IntakeError,
    pnr::store::{self, Child},
    read::Scope,
};

/// Whether the version's flight is within the caller's scope.
pub(crate) fn in_scope(row: &PgRow, scope: &Scope) -> Result<bool, sqlx::Error> {
    let version_row: JsonValue = row.try_get("version_row")?;
    let v = Columns(&version_row);
    Ok(scope.covers(&[
        &v.text("flight_departure_airport"),
        &v.text("flight_arrival_airport"),
    ]))
}

/// The version asked for of a PNR that `caller`'s agency received, audited; `None` when there is
/// no such PNR or version for the agency.
pub async fn get(
    pool: &PgPool,
    caller: &Caller,
    scope: &Scope,
    request: GetPnrRequest,
) -> Result<Option<GetPnrResponse>, IntakeError> {
    let reason = crate::read::reason(&request.reason)?;
    let mut v = FieldViolations::new();
    let pnr_id = Uuid::parse_str(request.pnr_id.trim()).ok();
    if pnr_id.is_none() {
        v.add("pnr_id", "must be a PNR id");
    }
    let version = i32::try_from(request.version).ok();
    if version.is_none() {
        v.add("version", "is not a version of any PNR");
    }
    v.into_result().map_err(IntakeError::Invalid)?;
    let (Some(pnr_id), Some(version)) = (pnr_id, version) else {
        return Err(IntakeError::Internal("a checked request lost its fields"));
    };
    let mut tx = pool.begin().await?;
    let Some(row) = store::select_version(&mut tx, &caller.agency, pnr_id, version).await? else {
        tx.rollback().await?;
        return Ok(None);
    };
    if !in_scope(&row, scope)? {
        // Another unit's flight: not disclosed, like an unknown id.
        tx.rollback().await?;
        return Ok(None);
    }
    let version_id: Uuid = row.try_get("version_id")?;
    audit(
        &mut tx,
        AuditEntry {
            actor: &caller.subject,
            agency: &caller.agency,
            action: "pnr.read",
            resource_type: "pnr",
            // The booking and the version of it read.
            resource_ids: vec![pnr_id.to_string(), version_id.to_string()],
            reason: Some(&reason),
        },
    )
    .await?;
    let mut response = rebuild(&row, pnr_id, &caller.agency)?;
    let ids: Vec<Uuid> = response
        .traveller_ids
        .iter()
        .filter_map(|id| id.parse().ok())
        .collect();
    response.links =
        crate::link::positioned(&ids, crate::link::of_pnr_travellers(&mut tx, &ids).await?);
    tx.commit().await?;
    Ok(Some(response))
}

/// The value of an enumeration from its stored label (`female` → `SEX_FEMALE`).
macro_rules! unlabel {
    ($enum:ident, $label:expr, $prefix:literal) => {
        $enum::from_str_name(&format!("{}{}", $prefix, $label.to_ascii_uppercase()))
            .map_or(0, i32::from)
    };
}

/// The columns of a row read as JSON (`to_jsonb`); NULL reads as the proto default.
struct Columns<'a>(&'a JsonValue);

impl Columns<'_> {
    fn get(&self, column: &str) -> Option<&JsonValue> {
        self.0.get(column).filter(|value| !value.is_null())
    }

    fn text(&self, column: &str) -> String {
        self.get(column)
            .and_then(JsonValue::as_str)
            .unwrap_or_default()
            .to_owned()
    }

    fn texts(&self, column: &str) -> Vec<String> {
        self.get(column)
            .and_then(JsonValue::as_array)
            .map(|items| {
                items
                    .iter()
                    .filter_map(|item| item.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }

    fn flag(&self, column: &str) -> bool {
        self.get(column)
            .and_then(JsonValue::as_bool)
            .unwrap_or_default()
    }

    fn int(&self, column: &str) -> i64 {
        self.get(column)
            .and_then(JsonValue::as_i64)
            .unwrap_or_default()
    }

    fn int32(&self, column: &str) -> i32 {
        i32::try_from(self.int(column)).unwrap_or_default()
    }

    fn float(&self, column: &str) -> f64 {
        self.get(column)
            .and_then(JsonValue::as_f64)
            .unwrap_or_default()
    }

    fn instant(&self, column: &str) -> Option<Timestamp> {
        let text = self.get(column)?.as_str()?;
        let at = DateTime::parse_from_rfc3339(text).ok()?;
        Some(to_timestamp(at.with_timezone(&Utc)))
    }

    fn address(&self, column: &str) -> Option<Address> {
        let a = Columns(self.get(column)?);
        Some(Address {
            address_lines: a.texts("address_lines"),
            city: a.text("city"),
            postcode: a.text("postcode"),
            country_subdivision: a.text("country_subdivision"),
            country: a.text("country"),
        })
    }

    /// Money kept in `<prefix>_currency`, `<prefix>_units` and `<prefix>_nanos`.
    fn money(&self, prefix: &str) -> Option<Money> {
        let currency_code = self
            .get(&format!("{prefix}_currency"))?
            .as_str()?
            .to_owned();
        Some(Money {
            currency_code,
            units: self.int(&format!("{prefix}_units")),
            nanos: self.int32(&format!("{prefix}_nanos")),
        })
    }

    /// The position of the traveller a document or membership belongs to.
    fn traveller_ordinal(&self) -> Option<usize> {
        usize::try_from(self.int("traveller_ordinal")).ok()
    }
}

fn rows(row: &PgRow, child: Child) -> Result<Vec<JsonValue>, sqlx::Error> {
    Ok(match row.try_get::<JsonValue, _>(child.table())? {
        JsonValue::Array(rows) => rows,
        _ => Vec::new(),
    })
}

/// The elements of one child table, in submitted order.
fn list<T>(row: &PgRow, child: Child, build: fn(&Columns<'_>) -> T) -> Result<Vec<T>, sqlx::Error> {
    Ok(rows(row, child)?
        .iter()
        .map(|r| build(&Columns(r)))
        .collect())
}

pub(crate) fn rebuild(
    row: &PgRow,
    pnr_id: Uuid,
    agency: &str,
) -> Result<GetPnrResponse, sqlx::Error> {
    let version_row: JsonValue = row.try_get("version_row")?;
    let v = Columns(&version_row);
    let traveller_rows = rows(row, Child::Travellers)?;
    let mut travellers: Vec<PnrTraveller> = traveller_rows
        .iter()
        .map(|r| traveller(&Columns(r)))
        .collect();
    for document_row in rows(row, Child::Documents)? {
        let d = Columns(&document_row);
        if let Some(t) = d.traveller_ordinal().and_then(|i| travellers.get_mut(i)) {
            t.documents.push(TravelDocument {
                r#type: unlabel!(DocumentType, d.text("document_type"), "DOCUMENT_TYPE_"),
                number: d.text("number"),
                issuing_country: d.text("issuing_country"),
                expiry_date: d.text("expiry_date"),
                issue_date: d.text("issue_date"),
            });
        }
    }
    for membership_row in rows(row, Child::FrequentFlyers)? {
        let f = Columns(&membership_row);
        if let Some(t) = f.traveller_ordinal().and_then(|i| travellers.get_mut(i)) {
            t.frequent_flyers.push(FrequentFlyer {
                carrier: f.text("carrier"),
                number: f.text("number"),
                tier: f.text("tier"),
            });
        }
    }
    let pnr = Pnr {
        record_locator: row.try_get("record_locator")?,
        carrier: row.try_get("carrier")?,
        flight: Some(Flight {
            carrier: v.text("flight_carrier"),
            number: v.text("flight_number"),
            departure_airport: v.text("flight_departure_airport"),
            arrival_airport: v.text("flight_arrival_airport"),
            departure_date: v.text("flight_departure_date"),
            scheduled_departure: v.instant("flight_scheduled_departure"),
            scheduled_arrival: v.instant("flight_scheduled_arrival"),
            direction: unlabel!(
                FlightDirection,
                v.text("flight_direction"),
                "FLIGHT_DIRECTION_"
            ),
        }),
        created_at: v.instant("created_at"),
        last_modified_at: v.instant("last_modified_at"),
        sent_at: v.instant("sent_at"),
        transfer: unlabel!(PnrTransfer, v.text("transfer"), "PNR_TRANSFER_"),
        sender: v.text("sender"),
        reservation_system: v.text("reservation_system"),
        travellers,
        traveller_count: v.int32("traveller_count"),
        group_name: v.text("group_name"),
        segments: list(row, Child::Segments, segment)?,
        traveller_segments: list(row, Child::TravellerSegments, traveller_segment)?,
        payments: list(row, Child::Payments, payment)?,
        contacts: list(row, Child::Contacts, contact)?,
        // The name column is set (if only to '') whenever the PNR named an agency.
        travel_agency: v.get("agency_name").map(|_| TravelAgency {
            name: v.text("agency_name"),
            iata_number: v.text("agency_iata_number"),
            office_id: v.text("agency_office_id"),
            agent_id: v.text("agency_agent_id"),
            city: v.text("agency_city"),
            country: v.text("agency_country"),
            phone: v.text("agency_phone"),
        }),
        tickets: list(row, Child::Tickets, ticket)?,
        baggage: list(row, Child::Bags, baggage)?,
        remarks: list(row, Child::Remarks, remark)?,
        split: v.flag("split"),
        related_record_locators: v.texts("related_record_locators"),
        history: list(row, Child::History, history)?,
    };
    let received_at: DateTime<Utc> = row.try_get("received_at")?;
    let version: i32 = row.try_get("version")?;
    Ok(GetPnrResponse {
        pnr_id: pnr_id.to_string(),
        pnr: Some(pnr),
        masked: row.try_get("masked")?,
        message_id: row.try_get("message_id")?,
        agency: agency.to_owned(),
        accepted_at: Some(to_timestamp(received_at)),
        traveller_ids: traveller_rows
            .iter()
            .map(|r| Columns(r).text("traveller_id"))
            .collect(),
        version: u32::try_from(version).unwrap_or_default(),
        links: Vec::new(),
    })
}

fn traveller(t: &Columns<'_>) -> PnrTraveller {
    PnrTraveller {
        traveller_ref: t.text("traveller_ref"),
        surname: t.text("surname"),
        given_names: t.text("given_names"),
        title: t.text("title"),
        passenger_type: unlabel!(
            PnrPassengerType,
            t.text("passenger_type"),
            "PNR_PASSENGER_TYPE_"
        ),
        date_of_birth: t.text("date_of_birth"),
        sex: unlabel!(Sex, t.text("sex"), "SEX_"),
        nationality: t.text("nationality"),
        country_of_residence: t.text("country_of_residence"),
        place_of_birth: t.text("place_of_birth"),
        // Filled from their own table.
        documents: Vec::new(),
        residence_address: t.address("residence_address"),
        destination_address: t.address("destination_address"),
        frequent_flyers: Vec::new(),
        accompanied_by_ref: t.text("accompanied_by_ref"),
        unaccompanied_minor: t.flag("unaccompanied_minor"),
    }
}

fn segment(s: &Columns<'_>) -> ItinerarySegment {
    ItinerarySegment {
        segment_ref: s.text("segment_ref"),
        marketing_carrier: s.text("marketing_carrier"),
        marketing_flight_number: s.text("marketing_flight_number"),
        operating_carrier: s.text("operating_carrier"),
        operating_flight_number: s.text("operating_flight_number"),
        departure_airport: s.text("departure_airport"),
        arrival_airport: s.text("arrival_airport"),
        departure_date: s.text("departure_date"),
        scheduled_departure: s.instant("scheduled_departure"),
        scheduled_arrival: s.instant("scheduled_arrival"),
        booking_class: s.text("booking_class"),
        booking_status: s.text("booking_status"),
        open: s.flag("open"),
    }
}

fn traveller_segment(s: &Columns<'_>) -> TravellerSegment {
    TravellerSegment {
        traveller_ref: s.text("traveller_ref"),
        segment_ref: s.text("segment_ref"),
        status: unlabel!(TravelStatus, s.text("status"), "TRAVEL_STATUS_"),
        seat: s.text("seat"),
        seat_details: s.text("seat_details"),
        check_in_sequence: s.text("check_in_sequence"),
        checked_in_at: s.instant("checked_in_at"),
    }
}

fn payment(p: &Columns<'_>) -> Payment {
    Payment {
        form: unlabel!(FormOfPayment, p.text("form"), "FORM_OF_PAYMENT_"),
        amount: p.money("amount"),
        card_type: p.text("card_type"),
        card_number: p.text("card_number"),
        card_holder_name: p.text("card_holder_name"),
        card_expiry: p.text("card_expiry"),
        billing_address: p.address("billing_address"),
        paid_at: p.instant("paid_at"),
        traveller_ref: p.text("traveller_ref"),
    }
}

fn contact(c: &Columns<'_>) -> Contact {
    Contact {
        traveller_ref: c.text("traveller_ref"),
        name: c.text("name"),
        phone: c.text("phone"),
        email: c.text("email"),
        address: c.address("address"),
        purpose: c.text("purpose"),
    }
}

fn ticket(t: &Columns<'_>) -> Ticket {
    Ticket {
        ticket_number: t.text("ticket_number"),
        traveller_ref: t.text("traveller_ref"),
        issue_date: t.text("issue_date"),
        trip_type: unlabel!(TripType, t.text("trip_type"), "TRIP_TYPE_"),
        segment_refs: t.texts("segment_refs"),
        fare: t.money("fare"),
        fare_calculation: t.text("fare_calculation"),
        validating_carrier: t.text("validating_carrier"),
        electronic: t.flag("electronic"),
    }
}

fn baggage(b: &Columns<'_>) -> Baggage {
    Baggage {
        traveller_ref: b.text("traveller_ref"),
        segment_ref: b.text("segment_ref"),
        piece_count: b.int32("piece_count"),
        weight_kg: b.float("weight_kg"),
        tag_numbers: b.texts("tag_numbers"),
        final_destination_airport: b.text("final_destination_airport"),
        excess: b.flag("excess"),
        pooled_with_ref: b.text("pooled_with_ref"),
    }
}

fn remark(r: &Columns<'_>) -> Remark {
    Remark {
        kind: unlabel!(RemarkKind, r.text("kind"), "REMARK_KIND_"),
        code: r.text("code"),
        carrier: r.text("carrier"),
        text: r.text("text"),
        traveller_ref: r.text("traveller_ref"),
        segment_ref: r.text("segment_ref"),
    }
}

fn history(h: &Columns<'_>) -> PnrHistoryEntry {
    PnrHistoryEntry {
        changed_at: h.instant("changed_at"),
        action: unlabel!(PnrHistoryAction, h.text("action"), "PNR_HISTORY_ACTION_"),
        element: h.text("element"),
        value: h.text("value"),
        changed_by: h.text("changed_by"),
    }
}
