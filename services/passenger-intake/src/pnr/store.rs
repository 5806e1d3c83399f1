//! SQL of the PNR tables. A batch costs the same handful of statements whatever its size:
//! bookings upserted with one `UNNEST`, versions inserted from one bound JSON array, and every
//! child table from one JSON array each in a single statement. The arrays go through
//! `jsonb_populate_recordset` over the table's own row type, so a row's keys are its column names
//! and Postgres parses dates, instants and arrays with the column's type.

use std::{collections::HashMap, sync::LazyLock};

use chrono::{DateTime, SecondsFormat, Utc};
use gatehouse_matching::document::normalize_document_number;
use gatehouse_platform::events::from_timestamp;
use gatehouse_proto::v1::{
    Address, DocumentType, Flight, FlightDirection, FormOfPayment, PnrHistoryAction,
    PnrPassengerType, PnrTransfer, RemarkKind, Sex, TravelStatus, TripType,
};
use prost_types::Timestamp;
use sqlx::{PgConnection, Row, types::JsonValue};
use uuid::Uuid;

use crate::pnr::{batch::Outcome, validate::ValidPnr};

/// Tables holding the elements of a version, keyed by (version_id, ordinal): the element's
/// position in the submitted list (documents and frequent flyers also by their traveller's).
#[derive(Debug, Clone, Copy)]
pub enum Child {
    Travellers,
    Documents,
    FrequentFlyers,
    Segments,
    TravellerSegments,
    Contacts,
    Payments,
    Tickets,
    Bags,
    Remarks,
    History,
}

impl Child {
    pub const ALL: [Child; 11] = [
        Child::Travellers,
        Child::Documents,
        Child::FrequentFlyers,
        Child::Segments,
        Child::TravellerSegments,
        Child::Contacts,
        Child::Payments,
        Child::Tickets,
        Child::Bags,
        Child::Remarks,
        Child::History,
    ];

    pub fn table(self) -> &'static str {
        match self {
            Child::Travellers => "pnr_travellers",
            Child::Documents => "pnr_documents",
            Child::FrequentFlyers => "pnr_frequent_flyers",
            Child::Segments => "pnr_segments",
            Child::TravellerSegments => "pnr_traveller_segments",
            Child::Contacts => "pnr_contacts",
            Child::Payments => "pnr_payments",
            Child::Tickets => "pnr_tickets",
            Child::Bags => "pnr_bags",
            Child::Remarks => "pnr_remarks",
            Child::History => "pnr_history",
        }
    }

    /// The order of the submitted lists, for reading rows back.
    fn order(self) -> &'static str {
        match self {
            Child::Documents | Child::FrequentFlyers => "c.traveller_ordinal, c.ordinal",
            _ => "c.ordinal",
        }
    }
}

/// A row of a table as `jsonb_populate_recordset` takes it: `{column: value, ...}`.
macro_rules! row {
    ($($column:ident: $value:expr),+ $(,)?) => {
        JsonValue::Object(
            [$((stringify!($column).to_owned(), Column::column($value))),+]
                .into_iter()
                .collect(),
        )
    };
}

/// A value as the JSON a column of its type is parsed from.
trait Column {
    fn column(self) -> JsonValue;
}

impl Column for &str {
    fn column(self) -> JsonValue {
        JsonValue::String(self.to_owned())
    }
}

impl Column for &String {
    fn column(self) -> JsonValue {
        JsonValue::String(self.clone())
    }
}

impl Column for String {
    fn column(self) -> JsonValue {
        JsonValue::String(self)
    }
}

impl Column for &[String] {
    fn column(self) -> JsonValue {
        self.iter().map(Column::column).collect()
    }
}

impl Column for bool {
    fn column(self) -> JsonValue {
        JsonValue::Bool(self)
    }
}

impl Column for i32 {
    fn column(self) -> JsonValue {
        self.into()
    }
}

impl Column for i64 {
    fn column(self) -> JsonValue {
        self.into()
    }
}

impl Column for usize {
    fn column(self) -> JsonValue {
        i64::try_from(self).unwrap_or(i64::MAX).into()
    }
}

impl Column for f64 {
    fn column(self) -> JsonValue {
        // Validation keeps weights finite, which JSON numbers are.
        self.into()
    }
}

impl Column for Uuid {
    fn column(self) -> JsonValue {
        JsonValue::String(self.to_string())
    }
}

impl Column for &Timestamp {
    fn column(self) -> JsonValue {
        from_timestamp(self).map_or(JsonValue::Null, |at| {
            JsonValue::String(at.to_rfc3339_opts(SecondsFormat::AutoSi, true))
        })
    }
}

impl Column for JsonValue {
    fn column(self) -> JsonValue {
        self
    }
}

impl<T: Column> Column for Option<T> {
    fn column(self) -> JsonValue {
        self.map_or(JsonValue::Null, Column::column)
    }
}

/// A validated `YYYY-MM-DD`, or NULL when empty.
fn date(value: &str) -> JsonValue {
    (!value.is_empty()).then_some(value).column()
}

fn address(value: Option<&Address>) -> JsonValue {
    value.map_or(JsonValue::Null, |a| {
        row! {
            address_lines: a.address_lines.as_slice(),
            city: &a.city,
            postcode: &a.postcode,
            country_subdivision: &a.country_subdivision,
            country: &a.country,
        }
    })
}

/// The stored label of an enumeration value (`SEX_FEMALE` → `female`), as the API tables keep
/// them; unknown values are refused by validation.
macro_rules! label {
    ($enum:ident, $value:expr, $prefix:literal) => {
        gatehouse_proto::labels::label(
            $enum::try_from($value).unwrap_or_default().as_str_name(),
            $prefix,
        )
    };
}

/// The versions among `message_ids` that `agency` received before, by message id: their first
/// results.
pub async fn find_versions(
    conn: &mut PgConnection,
    agency: &str,
    message_ids: &[&str],
) -> Result<HashMap<String, Outcome>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT message_id, pnr_id, version, received_at, listed_travellers
         FROM pnr_versions WHERE agency = $1 AND message_id = ANY($2)",
    )
    .bind(agency)
    .bind(message_ids)
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|row| {
            let version: i32 = row.try_get("version")?;
            Ok((
                row.try_get("message_id")?,
                Outcome {
                    pnr_id: row.try_get("pnr_id")?,
                    accepted_at: row.try_get("received_at")?,
                    traveller_count: row.try_get("listed_travellers")?,
                    version: u32::try_from(version).unwrap_or(0),
                    duplicate: true,
                },
            ))
        })
        .collect()
}

/// Natural key of a booking within an agency.
pub type BookingKey = (String, String);

/// What a batch does to one booking.
pub struct BookingChange<'a> {
    pub carrier: &'a str,
    pub record_locator: &'a str,
    /// Id the booking gets if it is new.
    pub new_id: Uuid,
    /// Versions of the batch for this booking: the version goes up by as many.
    pub versions: i32,
    pub latest_version_id: Uuid,
}

/// Creates or advances the bookings; returns each one's id and version after the batch, by
/// (carrier, record locator). The row locks taken here order concurrent batches touching the
/// same booking; `changes` must be sorted by key and hold each key once.
pub async fn upsert_bookings(
    conn: &mut PgConnection,
    agency: &str,
    changes: &[BookingChange<'_>],
) -> Result<HashMap<BookingKey, (Uuid, i32)>, sqlx::Error> {
    let ids: Vec<Uuid> = changes.iter().map(|c| c.new_id).collect();
    let carriers: Vec<&str> = changes.iter().map(|c| c.carrier).collect();
    let locators: Vec<&str> = changes.iter().map(|c| c.record_locator).collect();
    let versions: Vec<i32> = changes.iter().map(|c| c.versions).collect();
    let latest: Vec<Uuid> = changes.iter().map(|c| c.latest_version_id).collect();
    let rows = sqlx::query(
        "INSERT INTO pnrs (pnr_id, agency, carrier, record_locator, version, current_version_id)
         SELECT b.id, $1, b.carrier, b.locator, b.versions, b.latest
         FROM UNNEST($2::uuid[], $3::text[], $4::text[], $5::int[], $6::uuid[])
             AS b(id, carrier, locator, versions, latest)
         ON CONFLICT (agency, carrier, record_locator)
         DO UPDATE SET version = pnrs.version + EXCLUDED.version,
             current_version_id = EXCLUDED.current_version_id,
             updated_at = now()
         RETURNING pnr_id, carrier, record_locator, version",
    )
    .bind(agency)
    .bind(&ids)
    .bind(&carriers)
    .bind(&locators)
    .bind(&versions)
    .bind(&latest)
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|row| {
            let key = (row.try_get("carrier")?, row.try_get("record_locator")?);
            Ok((key, (row.try_get("pnr_id")?, row.try_get("version")?)))
        })
        .collect()
}

/// A version of the batch to store, with what the batch gave it.
pub struct NewVersion<'a> {
    pub version_id: Uuid,
    pub pnr_id: Uuid,
    pub version: i32,
    pub valid: &'a ValidPnr,
    /// Same order as the PNR's travellers.
    pub traveller_ids: Vec<Uuid>,
    pub traveller_keys: Vec<Uuid>,
}

/// Inserts the version rows; returns when each was received, by version id. A version missing
/// from the answer had its `message_id` taken by a concurrent batch.
pub async fn insert_versions(
    conn: &mut PgConnection,
    agency: &str,
    versions: &[NewVersion<'_>],
) -> Result<HashMap<Uuid, DateTime<Utc>>, sqlx::Error> {
    // Rows in message-id order, so two batches that share message ids (a client resending on
    // two streams at once) wait for each other instead of deadlocking on the unique index.
    let mut ordered: Vec<&NewVersion<'_>> = versions.iter().collect();
    ordered.sort_by(|a, b| a.valid.message_id.cmp(&b.valid.message_id));
    let rows: JsonValue = ordered.iter().map(|new| version_row(agency, new)).collect();
    // The base record gives the columns the rows leave out: the transaction's time of receipt.
    let received = sqlx::query(
        "INSERT INTO pnr_versions
         SELECT * FROM jsonb_populate_recordset(
             jsonb_populate_record(NULL::pnr_versions, jsonb_build_object('received_at', now())),
             $1)
         ON CONFLICT (agency, message_id) DO NOTHING
         RETURNING version_id, received_at",
    )
    .bind(rows)
    .fetch_all(conn)
    .await?;
    received
        .into_iter()
        .map(|row| Ok((row.try_get("version_id")?, row.try_get("received_at")?)))
        .collect()
}

fn version_row(agency: &str, new: &NewVersion<'_>) -> JsonValue {
    let pnr = &new.valid.pnr;
    let unset = Flight::default();
    let flight = pnr.flight.as_ref().unwrap_or(&unset);
    let travel_agency = pnr.travel_agency.as_ref();
    row! {
        version_id: new.version_id,
        pnr_id: new.pnr_id,
        version: new.version,
        agency: agency,
        message_id: &new.valid.message_id,
        transfer: label!(PnrTransfer, pnr.transfer, "PNR_TRANSFER_"),
        sent_at: pnr.sent_at.as_ref(),
        created_at: pnr.created_at.as_ref(),
        last_modified_at: pnr.last_modified_at.as_ref(),
        sender: &pnr.sender,
        reservation_system: &pnr.reservation_system,
        flight_carrier: &flight.carrier,
        flight_number: &flight.number,
        flight_departure_date: date(&flight.departure_date),
        flight_departure_airport: &flight.departure_airport,
        flight_arrival_airport: &flight.arrival_airport,
        flight_scheduled_departure: flight.scheduled_departure.as_ref(),
        flight_scheduled_arrival: flight.scheduled_arrival.as_ref(),
        flight_direction: label!(FlightDirection, flight.direction, "FLIGHT_DIRECTION_"),
        traveller_count: pnr.traveller_count,
        listed_travellers: pnr.travellers.len(),
        group_name: &pnr.group_name,
        split: pnr.split,
        related_record_locators: pnr.related_record_locators.as_slice(),
        agency_name: travel_agency.map(|a| &a.name),
        agency_iata_number: travel_agency.map(|a| &a.iata_number),
        agency_office_id: travel_agency.map(|a| &a.office_id),
        agency_agent_id: travel_agency.map(|a| &a.agent_id),
        agency_city: travel_agency.map(|a| &a.city),
        agency_country: travel_agency.map(|a| &a.country),
        agency_phone: travel_agency.map(|a| &a.phone),
        masked_at: JsonValue::Null,
    }
}

/// One statement inserting every child table from its bound array (`$1` for the first table of
/// [`Child::ALL`], ...). Rows referencing travellers are checked at the end of the statement,
/// when the travellers are in.
static INSERT_CHILDREN: LazyLock<String> = LazyLock::new(|| {
    let inserts: Vec<String> = Child::ALL
        .iter()
        .enumerate()
        .map(|(i, child)| {
            let table = child.table();
            format!(
                "c{i} AS (INSERT INTO {table} SELECT * FROM jsonb_populate_recordset(NULL::{table}, ${}))",
                i + 1
            )
        })
        .collect();
    format!("WITH {} SELECT 1", inserts.join(",\n"))
});

/// Inserts every element of every version: travellers with their documents and frequent flyer
/// memberships, segments, check-in records, contacts, payments, tickets, bags, remarks, history.
pub async fn insert_children(
    conn: &mut PgConnection,
    versions: &[NewVersion<'_>],
) -> Result<(), sqlx::Error> {
    let mut tables: [Vec<JsonValue>; Child::ALL.len()] = Default::default();
    for new in versions {
        push_children(new, &mut tables);
    }
    let mut query = sqlx::query(INSERT_CHILDREN.as_str());
    for rows in tables {
        query = query.bind(JsonValue::Array(rows));
    }
    query.execute(conn).await?;
    Ok(())
}

fn push_children(new: &NewVersion<'_>, tables: &mut [Vec<JsonValue>; Child::ALL.len()]) {
    let pnr = &new.valid.pnr;
    let version_id = new.version_id;
    let people = pnr
        .travellers
        .iter()
        .zip(new.traveller_ids.iter().zip(&new.traveller_keys));
    for (ordinal, (t, (&traveller_id, &traveller_key))) in people.enumerate() {
        tables[Child::Travellers as usize].push(row! {
            version_id: version_id,
            ordinal: ordinal,
            traveller_id: traveller_id,
            traveller_key: traveller_key,
            traveller_ref: &t.traveller_ref,
            surname: &t.surname,
            given_names: &t.given_names,
            title: &t.title,
            passenger_type: label!(PnrPassengerType, t.passenger_type, "PNR_PASSENGER_TYPE_"),
            date_of_birth: date(&t.date_of_birth),
            sex: label!(Sex, t.sex, "SEX_"),
            nationality: &t.nationality,
            country_of_residence: &t.country_of_residence,
            place_of_birth: &t.place_of_birth,
            residence_address: address(t.residence_address.as_ref()),
            destination_address: address(t.destination_address.as_ref()),
            accompanied_by_ref: &t.accompanied_by_ref,
            unaccompanied_minor: t.unaccompanied_minor,
        });
        for (i, d) in t.documents.iter().enumerate() {
            tables[Child::Documents as usize].push(row! {
                version_id: version_id,
                traveller_ordinal: ordinal,
                ordinal: i,
                document_type: label!(DocumentType, d.r#type, "DOCUMENT_TYPE_"),
                number: &d.number,
                number_normalized: normalize_document_number(&d.number).unwrap_or_default(),
                issuing_country: &d.issuing_country,
                expiry_date: date(&d.expiry_date),
                issue_date: date(&d.issue_date),
            });
        }
        for (i, f) in t.frequent_flyers.iter().enumerate() {
            tables[Child::FrequentFlyers as usize].push(row! {
                version_id: version_id,
                traveller_ordinal: ordinal,
                ordinal: i,
                carrier: &f.carrier,
                number: &f.number,
                tier: &f.tier,
            });
        }
    }
    for (ordinal, s) in pnr.segments.iter().enumerate() {
        tables[Child::Segments as usize].push(row! {
            version_id: version_id,
            ordinal: ordinal,
            segment_ref: &s.segment_ref,
            marketing_carrier: &s.marketing_carrier,
            marketing_flight_number: &s.marketing_flight_number,
            operating_carrier: &s.operating_carrier,
            operating_flight_number: &s.operating_flight_number,
            departure_airport: &s.departure_airport,
            arrival_airport: &s.arrival_airport,
            departure_date: date(&s.departure_date),
            scheduled_departure: s.scheduled_departure.as_ref(),
            scheduled_arrival: s.scheduled_arrival.as_ref(),
            booking_class: &s.booking_class,
            booking_status: &s.booking_status,
            open: s.open,
        });
    }
    for (ordinal, s) in pnr.traveller_segments.iter().enumerate() {
        tables[Child::TravellerSegments as usize].push(row! {
            version_id: version_id,
            ordinal: ordinal,
            traveller_ref: &s.traveller_ref,
            segment_ref: &s.segment_ref,
            status: label!(TravelStatus, s.status, "TRAVEL_STATUS_"),
            seat: &s.seat,
            seat_details: &s.seat_details,
            check_in_sequence: &s.check_in_sequence,
            checked_in_at: s.checked_in_at.as_ref(),
        });
    }
    for (ordinal, c) in pnr.contacts.iter().enumerate() {
        tables[Child::Contacts as usize].push(row! {
            version_id: version_id,
            ordinal: ordinal,
            traveller_ref: &c.traveller_ref,
            name: &c.name,
            phone: &c.phone,
            email: &c.email,
            address: address(c.address.as_ref()),
            purpose: &c.purpose,
        });
    }
    for (ordinal, p) in pnr.payments.iter().enumerate() {
        let amount = p.amount.as_ref();
        tables[Child::Payments as usize].push(row! {
            version_id: version_id,
            ordinal: ordinal,
            form: label!(FormOfPayment, p.form, "FORM_OF_PAYMENT_"),
            amount_currency: amount.map(|m| &m.currency_code),
            amount_units: amount.map(|m| m.units),
            amount_nanos: amount.map(|m| m.nanos),
            card_type: &p.card_type,
            card_number: &p.card_number,
            card_holder_name: &p.card_holder_name,
            card_expiry: &p.card_expiry,
            billing_address: address(p.billing_address.as_ref()),
            paid_at: p.paid_at.as_ref(),
            traveller_ref: &p.traveller_ref,
        });
    }
    for (ordinal, t) in pnr.tickets.iter().enumerate() {
        let fare = t.fare.as_ref();
        tables[Child::Tickets as usize].push(row! {
            version_id: version_id,
            ordinal: ordinal,
            ticket_number: &t.ticket_number,
            traveller_ref: &t.traveller_ref,
            issue_date: date(&t.issue_date),
            trip_type: label!(TripType, t.trip_type, "TRIP_TYPE_"),
            segment_refs: t.segment_refs.as_slice(),
            fare_currency: fare.map(|m| &m.currency_code),
            fare_units: fare.map(|m| m.units),
            fare_nanos: fare.map(|m| m.nanos),
            fare_calculation: &t.fare_calculation,
            validating_carrier: &t.validating_carrier,
            electronic: t.electronic,
        });
    }
    for (ordinal, b) in pnr.baggage.iter().enumerate() {
        tables[Child::Bags as usize].push(row! {
            version_id: version_id,
            ordinal: ordinal,
            traveller_ref: &b.traveller_ref,
            segment_ref: &b.segment_ref,
            piece_count: b.piece_count,
            weight_kg: b.weight_kg,
            tag_numbers: b.tag_numbers.as_slice(),
            final_destination_airport: &b.final_destination_airport,
            excess: b.excess,
            pooled_with_ref: &b.pooled_with_ref,
        });
    }
    for (ordinal, r) in pnr.remarks.iter().enumerate() {
        tables[Child::Remarks as usize].push(row! {
            version_id: version_id,
            ordinal: ordinal,
            kind: label!(RemarkKind, r.kind, "REMARK_KIND_"),
            code: &r.code,
            carrier: &r.carrier,
            text: &r.text,
            traveller_ref: &r.traveller_ref,
            segment_ref: &r.segment_ref,
        });
    }
    for (ordinal, h) in pnr.history.iter().enumerate() {
        tables[Child::History as usize].push(row! {
            version_id: version_id,
            ordinal: ordinal,
            changed_at: h.changed_at.as_ref(),
            action: label!(PnrHistoryAction, h.action, "PNR_HISTORY_ACTION_"),
            element: &h.element,
            value: &h.value,
            changed_by: &h.changed_by,
        });
    }
}

/// That a version of the batch lists a traveller of its booking.
pub struct Claim {
    pub pnr_id: Uuid,
    pub traveller_key: Uuid,
    pub version_id: Uuid,
}

/// Records that travellers were listed in bookings; returns, per version, how many of its
/// travellers no earlier version of the booking listed. Each (booking, key) must be claimed
/// once, by the first version of the batch that lists it.
pub async fn claim_travellers(
    conn: &mut PgConnection,
    claims: &[Claim],
) -> Result<HashMap<Uuid, i32>, sqlx::Error> {
    let pnr_ids: Vec<Uuid> = claims.iter().map(|c| c.pnr_id).collect();
    let keys: Vec<Uuid> = claims.iter().map(|c| c.traveller_key).collect();
    let version_ids: Vec<Uuid> = claims.iter().map(|c| c.version_id).collect();
    let new_to_booking: Vec<Uuid> = sqlx::query_scalar(
        "INSERT INTO pnr_booking_travellers (pnr_id, traveller_key, first_version_id)
         SELECT * FROM UNNEST($1::uuid[], $2::uuid[], $3::uuid[])
         ON CONFLICT (pnr_id, traveller_key) DO NOTHING
         RETURNING first_version_id",
    )
    .bind(&pnr_ids)
    .bind(&keys)
    .bind(&version_ids)
    .fetch_all(conn)
    .await?;
    Ok(new_to_booking
        .into_iter()
        .fold(HashMap::new(), |mut counts, version_id| {
            *counts.entry(version_id).or_insert(0) += 1;
            counts
        }))
}

/// The whole of one version of a booking of `agency` (the latest for `version` 0): the booking,
/// the version row and one JSON array per child table (named by table), in submitted order.
static SELECT_VERSION: LazyLock<String> = LazyLock::new(|| {
    let children: Vec<String> = Child::ALL
        .iter()
        .map(|child| {
            let (table, order) = (child.table(), child.order());
            format!(
                "(SELECT coalesce(jsonb_agg(to_jsonb(c) ORDER BY {order}), '[]'::jsonb)
                  FROM {table} c WHERE c.version_id = v.version_id) AS {table}"
            )
        })
        .collect();
    format!(
        "SELECT p.carrier, p.record_locator, v.version_id, v.version, v.message_id, v.received_at,
             v.masked_at IS NOT NULL AS masked, to_jsonb(v) AS version_row, {}
         FROM pnrs p JOIN pnr_versions v ON v.pnr_id = p.pnr_id
         WHERE p.pnr_id = $1 AND p.agency = $2
             AND v.version = CASE WHEN $3 = 0 THEN p.version ELSE $3 END",
        children.join(",\n")
    )
});

pub async fn select_version(
    conn: &mut PgConnection,
    agency: &str,
    pnr_id: Uuid,
    version: i32,
) -> Result<Option<sqlx::postgres::PgRow>, sqlx::Error> {
    sqlx::query(SELECT_VERSION.as_str())
        .bind(pnr_id)
        .bind(agency)
        .bind(version)
        .fetch_optional(conn)
        .await
}
