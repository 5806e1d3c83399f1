//! SQL of the PNR tables. A batch costs the same few statements whatever its size: bookings
//! upserted with one `UNNEST`, then versions, every child table and the travellers' claims in a
//! single statement, each table's rows bound as one typed array per column (binary on the wire:
//! no JSON to build in the service or to parse in Postgres).

use std::{collections::HashMap, sync::LazyLock};

use chrono::{DateTime, Utc};
use gatehouse_matching::document::normalize_document_number;
use gatehouse_platform::rows::{
    Cell, Kind, Rows, Table, date, insert_sql, int, owned, text, text_array, text_of, time,
};
use gatehouse_proto::v1::{
    Address, DocumentType, Flight, FlightDirection, FormOfPayment, PnrHistoryAction,
    PnrPassengerType, PnrTransfer, RemarkKind, Sex, TravelStatus, TripType,
};
use sqlx::{PgConnection, Row};
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

fn address(value: Option<&Address>) -> Cell<'static> {
    Cell::Json(value.map(|a| {
        serde_json::json!({
            "address_lines": a.address_lines,
            "city": a.city,
            "postcode": a.postcode,
            "country_subdivision": a.country_subdivision,
            "country": a.country,
        })
    }))
}

use Kind::{Bool, Date, Float, Int, Json, Text, TextArray, Time};

static VERSIONS: Table = Table {
    name: "pnr_versions",
    columns: &[
        ("version_id", Kind::Uuid),
        ("pnr_id", Kind::Uuid),
        ("version", Int),
        ("agency", Text),
        ("message_id", Text),
        ("transfer", Text),
        ("sent_at", Time),
        ("created_at", Time),
        ("last_modified_at", Time),
        ("sender", Text),
        ("reservation_system", Text),
        ("flight_carrier", Text),
        ("flight_number", Text),
        ("flight_departure_date", Date),
        ("flight_departure_airport", Text),
        ("flight_arrival_airport", Text),
        ("flight_scheduled_departure", Time),
        ("flight_scheduled_arrival", Time),
        ("flight_direction", Text),
        ("traveller_count", Int),
        ("listed_travellers", Int),
        ("group_name", Text),
        ("split", Bool),
        ("related_record_locators", TextArray),
        ("agency_name", Text),
        ("agency_iata_number", Text),
        ("agency_office_id", Text),
        ("agency_agent_id", Text),
        ("agency_city", Text),
        ("agency_country", Text),
        ("agency_phone", Text),
    ],
};

static TRAVELLERS: Table = Table {
    name: "pnr_travellers",
    columns: &[
        ("version_id", Kind::Uuid),
        ("ordinal", Int),
        ("traveller_id", Kind::Uuid),
        ("traveller_key", Kind::Uuid),
        ("traveller_ref", Text),
        ("surname", Text),
        ("given_names", Text),
        ("title", Text),
        ("passenger_type", Text),
        ("date_of_birth", Date),
        ("sex", Text),
        ("nationality", Text),
        ("country_of_residence", Text),
        ("place_of_birth", Text),
        ("residence_address", Json),
        ("destination_address", Json),
        ("accompanied_by_ref", Text),
        ("unaccompanied_minor", Bool),
    ],
};

static DOCUMENTS: Table = Table {
    name: "pnr_documents",
    columns: &[
        ("version_id", Kind::Uuid),
        ("traveller_ordinal", Int),
        ("ordinal", Int),
        ("document_type", Text),
        ("number", Text),
        ("number_normalized", Text),
        ("issuing_country", Text),
        ("expiry_date", Date),
        ("issue_date", Date),
    ],
};

static FREQUENT_FLYERS: Table = Table {
    name: "pnr_frequent_flyers",
    columns: &[
        ("version_id", Kind::Uuid),
        ("traveller_ordinal", Int),
        ("ordinal", Int),
        ("carrier", Text),
        ("number", Text),
        ("tier", Text),
    ],
};

static SEGMENTS: Table = Table {
    name: "pnr_segments",
    columns: &[
        ("version_id", Kind::Uuid),
        ("ordinal", Int),
        ("segment_ref", Text),
        ("marketing_carrier", Text),
        ("marketing_flight_number", Text),
        ("operating_carrier", Text),
        ("operating_flight_number", Text),
        ("departure_airport", Text),
        ("arrival_airport", Text),
        ("departure_date", Date),
        ("scheduled_departure", Time),
        ("scheduled_arrival", Time),
        ("booking_class", Text),
        ("booking_status", Text),
        ("open", Bool),
    ],
};

static TRAVELLER_SEGMENTS: Table = Table {
    name: "pnr_traveller_segments",
    columns: &[
        ("version_id", Kind::Uuid),
        ("ordinal", Int),
        ("traveller_ref", Text),
        ("segment_ref", Text),
        ("status", Text),
        ("seat", Text),
        ("seat_details", Text),
        ("check_in_sequence", Text),
        ("checked_in_at", Time),
    ],
};

static CONTACTS: Table = Table {
    name: "pnr_contacts",
    columns: &[
        ("version_id", Kind::Uuid),
        ("ordinal", Int),
        ("traveller_ref", Text),
        ("name", Text),
        ("phone", Text),
        ("email", Text),
        ("address", Json),
        ("purpose", Text),
    ],
};

static PAYMENTS: Table = Table {
    name: "pnr_payments",
    columns: &[
        ("version_id", Kind::Uuid),
        ("ordinal", Int),
        ("form", Text),
        ("amount_currency", Text),
        ("amount_units", Int),
        ("amount_nanos", Int),
        ("card_type", Text),
        ("card_number", Text),
        ("card_holder_name", Text),
        ("card_expiry", Text),
        ("billing_address", Json),
        ("paid_at", Time),
        ("traveller_ref", Text),
    ],
};

static TICKETS: Table = Table {
    name: "pnr_tickets",
    columns: &[
        ("version_id", Kind::Uuid),
        ("ordinal", Int),
        ("ticket_number", Text),
        ("traveller_ref", Text),
        ("issue_date", Date),
        ("trip_type", Text),
        ("segment_refs", TextArray),
        ("fare_currency", Text),
        ("fare_units", Int),
        ("fare_nanos", Int),
        ("fare_calculation", Text),
        ("validating_carrier", Text),
        ("electronic", Bool),
    ],
};

static BAGS: Table = Table {
    name: "pnr_bags",
    columns: &[
        ("version_id", Kind::Uuid),
        ("ordinal", Int),
        ("traveller_ref", Text),
        ("segment_ref", Text),
        ("piece_count", Int),
        ("weight_kg", Float),
        ("tag_numbers", TextArray),
        ("final_destination_airport", Text),
        ("excess", Bool),
        ("pooled_with_ref", Text),
    ],
};

static REMARKS: Table = Table {
    name: "pnr_remarks",
    columns: &[
        ("version_id", Kind::Uuid),
        ("ordinal", Int),
        ("kind", Text),
        ("code", Text),
        ("carrier", Text),
        ("text", Text),
        ("traveller_ref", Text),
        ("segment_ref", Text),
    ],
};

static HISTORY: Table = Table {
    name: "pnr_history",
    columns: &[
        ("version_id", Kind::Uuid),
        ("ordinal", Int),
        ("changed_at", Time),
        ("action", Text),
        ("element", Text),
        ("value", Text),
        ("changed_by", Text),
    ],
};

static CLAIMS: Table = Table {
    name: "pnr_booking_travellers",
    columns: &[
        ("pnr_id", Kind::Uuid),
        ("traveller_key", Kind::Uuid),
        ("first_version_id", Kind::Uuid),
    ],
};

impl Child {
    fn spec(self) -> &'static Table {
        match self {
            Child::Travellers => &TRAVELLERS,
            Child::Documents => &DOCUMENTS,
            Child::FrequentFlyers => &FREQUENT_FLYERS,
            Child::Segments => &SEGMENTS,
            Child::TravellerSegments => &TRAVELLER_SEGMENTS,
            Child::Contacts => &CONTACTS,
            Child::Payments => &PAYMENTS,
            Child::Tickets => &TICKETS,
            Child::Bags => &BAGS,
            Child::Remarks => &REMARKS,
            Child::History => &HISTORY,
        }
    }
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

/// That a version of the batch lists a traveller of its booking.
pub struct Claim {
    pub pnr_id: Uuid,
    pub traveller_key: Uuid,
    pub version_id: Uuid,
}

/// What storing a batch's versions gave, by version id. A version missing from `received` had
/// its `message_id` taken by a concurrent batch (its rows were not written).
pub struct Stored {
    pub received: HashMap<Uuid, DateTime<Utc>>,
    /// How many of a version's travellers no earlier version of the booking listed.
    pub new_travellers: HashMap<Uuid, i32>,
}

/// One statement writing a batch: the versions (`$1`…), every child table from its bound
/// columns, and the travellers' claims on their bookings. Children and claims are written for
/// the versions that were inserted only, so a version whose message id a concurrent batch took
/// leaves nothing behind; rows referencing the versions and travellers are checked at the end
/// of the statement, when those are in.
static INSERT_BATCH: LazyLock<String> = LazyLock::new(|| {
    let mut next = 1;
    let mut insert = |table: &Table, tail: &str| {
        let sql = insert_sql(table, next, tail);
        next += table.columns.len();
        sql
    };
    let versions = insert(
        &VERSIONS,
        "ON CONFLICT (agency, message_id) DO NOTHING RETURNING version_id, received_at",
    );
    let mut parts = vec![format!("v AS ({versions})")];
    for (i, child) in Child::ALL.iter().enumerate() {
        let sql = insert(
            child.spec(),
            "WHERE u.version_id IN (SELECT version_id FROM v)",
        );
        parts.push(format!("c{i} AS ({sql})"));
    }
    let claims = insert(
        &CLAIMS,
        "WHERE u.first_version_id IN (SELECT version_id FROM v)
         ON CONFLICT (pnr_id, traveller_key) DO NOTHING RETURNING first_version_id",
    );
    parts.push(format!("claimed AS ({claims})"));
    format!(
        "WITH {}
         SELECT v.version_id, v.received_at,
             (SELECT count(*) FROM claimed c WHERE c.first_version_id = v.version_id)::int4
                 AS new_travellers
         FROM v",
        parts.join(",\n")
    )
});

/// Stores the versions with every element (travellers with their documents and frequent flyer
/// memberships, segments, check-in records, contacts, payments, tickets, bags, remarks,
/// history) and the claims, in one round trip with the values bound as typed arrays.
pub async fn insert_versions(
    conn: &mut PgConnection,
    agency: &str,
    versions: &[NewVersion<'_>],
    claims: &[Claim],
) -> Result<Stored, sqlx::Error> {
    // Rows in message-id order, so two batches that share message ids (a client resending on
    // two streams at once) wait for each other instead of deadlocking on the unique index.
    let mut ordered: Vec<&NewVersion<'_>> = versions.iter().collect();
    ordered.sort_by(|a, b| a.valid.message_id.cmp(&b.valid.message_id));
    let mut version_rows = Rows::new(&VERSIONS);
    let mut children: Vec<Rows<'_>> = Child::ALL.iter().map(|c| Rows::new(c.spec())).collect();
    for new in ordered {
        push_version(&mut version_rows, agency, new);
        push_children(new, &mut children);
    }
    let mut claim_rows = Rows::new(&CLAIMS);
    for claim in claims {
        claim_rows.push([
            ("pnr_id", Cell::Uuid(claim.pnr_id)),
            ("traveller_key", Cell::Uuid(claim.traveller_key)),
            ("first_version_id", Cell::Uuid(claim.version_id)),
        ]);
    }
    let mut query = version_rows.bind(sqlx::query(INSERT_BATCH.as_str()));
    for rows in children {
        query = rows.bind(query);
    }
    let rows = claim_rows.bind(query).fetch_all(conn).await?;
    let mut stored = Stored {
        received: HashMap::with_capacity(rows.len()),
        new_travellers: HashMap::with_capacity(rows.len()),
    };
    for row in rows {
        let version_id: Uuid = row.try_get("version_id")?;
        stored
            .received
            .insert(version_id, row.try_get("received_at")?);
        stored
            .new_travellers
            .insert(version_id, row.try_get("new_travellers")?);
    }
    Ok(stored)
}

fn push_version<'a>(rows: &mut Rows<'a>, agency: &'a str, new: &NewVersion<'a>) {
    let pnr = &new.valid.pnr;
    let flight = pnr.flight.as_ref();
    let flight_text =
        |field: fn(&Flight) -> &String| text(flight.map_or("", |f| field(f).as_str()));
    let travel_agency = pnr.travel_agency.as_ref();
    rows.push([
        ("version_id", Cell::Uuid(new.version_id)),
        ("pnr_id", Cell::Uuid(new.pnr_id)),
        ("version", int(new.version)),
        ("agency", text(agency)),
        ("message_id", text(&new.valid.message_id)),
        (
            "transfer",
            owned(label!(PnrTransfer, pnr.transfer, "PNR_TRANSFER_")),
        ),
        ("sent_at", time(pnr.sent_at.as_ref())),
        ("created_at", time(pnr.created_at.as_ref())),
        ("last_modified_at", time(pnr.last_modified_at.as_ref())),
        ("sender", text(&pnr.sender)),
        ("reservation_system", text(&pnr.reservation_system)),
        ("flight_carrier", flight_text(|f| &f.carrier)),
        ("flight_number", flight_text(|f| &f.number)),
        (
            "flight_departure_date",
            date(flight.map_or("", |f| f.departure_date.as_str())),
        ),
        (
            "flight_departure_airport",
            flight_text(|f| &f.departure_airport),
        ),
        (
            "flight_arrival_airport",
            flight_text(|f| &f.arrival_airport),
        ),
        (
            "flight_scheduled_departure",
            time(flight.and_then(|f| f.scheduled_departure.as_ref())),
        ),
        (
            "flight_scheduled_arrival",
            time(flight.and_then(|f| f.scheduled_arrival.as_ref())),
        ),
        (
            "flight_direction",
            owned(label!(
                FlightDirection,
                flight.map_or(0, |f| f.direction),
                "FLIGHT_DIRECTION_"
            )),
        ),
        ("traveller_count", int(pnr.traveller_count)),
        ("listed_travellers", int(pnr.travellers.len())),
        ("group_name", text(&pnr.group_name)),
        ("split", Cell::Bool(pnr.split)),
        (
            "related_record_locators",
            text_array(&pnr.related_record_locators),
        ),
        ("agency_name", text_of(travel_agency.map(|a| &a.name))),
        (
            "agency_iata_number",
            text_of(travel_agency.map(|a| &a.iata_number)),
        ),
        (
            "agency_office_id",
            text_of(travel_agency.map(|a| &a.office_id)),
        ),
        (
            "agency_agent_id",
            text_of(travel_agency.map(|a| &a.agent_id)),
        ),
        ("agency_city", text_of(travel_agency.map(|a| &a.city))),
        ("agency_country", text_of(travel_agency.map(|a| &a.country))),
        ("agency_phone", text_of(travel_agency.map(|a| &a.phone))),
    ]);
}

fn push_children<'a>(new: &NewVersion<'a>, tables: &mut [Rows<'a>]) {
    let pnr = &new.valid.pnr;
    let id = || Cell::Uuid(new.version_id);
    let people = pnr
        .travellers
        .iter()
        .zip(new.traveller_ids.iter().zip(&new.traveller_keys));
    for (ordinal, (t, (&traveller_id, &traveller_key))) in people.enumerate() {
        tables[Child::Travellers as usize].push([
            ("version_id", id()),
            ("ordinal", int(ordinal)),
            ("traveller_id", Cell::Uuid(traveller_id)),
            ("traveller_key", Cell::Uuid(traveller_key)),
            ("traveller_ref", text(&t.traveller_ref)),
            ("surname", text(&t.surname)),
            ("given_names", text(&t.given_names)),
            ("title", text(&t.title)),
            (
                "passenger_type",
                owned(label!(
                    PnrPassengerType,
                    t.passenger_type,
                    "PNR_PASSENGER_TYPE_"
                )),
            ),
            ("date_of_birth", date(&t.date_of_birth)),
            ("sex", owned(label!(Sex, t.sex, "SEX_"))),
            ("nationality", text(&t.nationality)),
            ("country_of_residence", text(&t.country_of_residence)),
            ("place_of_birth", text(&t.place_of_birth)),
            ("residence_address", address(t.residence_address.as_ref())),
            (
                "destination_address",
                address(t.destination_address.as_ref()),
            ),
            ("accompanied_by_ref", text(&t.accompanied_by_ref)),
            ("unaccompanied_minor", Cell::Bool(t.unaccompanied_minor)),
        ]);
        for (i, d) in t.documents.iter().enumerate() {
            tables[Child::Documents as usize].push([
                ("version_id", id()),
                ("traveller_ordinal", int(ordinal)),
                ("ordinal", int(i)),
                (
                    "document_type",
                    owned(label!(DocumentType, d.r#type, "DOCUMENT_TYPE_")),
                ),
                ("number", text(&d.number)),
                (
                    "number_normalized",
                    owned(normalize_document_number(&d.number).unwrap_or_default()),
                ),
                ("issuing_country", text(&d.issuing_country)),
                ("expiry_date", date(&d.expiry_date)),
                ("issue_date", date(&d.issue_date)),
            ]);
        }
        for (i, f) in t.frequent_flyers.iter().enumerate() {
            tables[Child::FrequentFlyers as usize].push([
                ("version_id", id()),
                ("traveller_ordinal", int(ordinal)),
                ("ordinal", int(i)),
                ("carrier", text(&f.carrier)),
                ("number", text(&f.number)),
                ("tier", text(&f.tier)),
            ]);
        }
    }
    for (ordinal, s) in pnr.segments.iter().enumerate() {
        tables[Child::Segments as usize].push([
            ("version_id", id()),
            ("ordinal", int(ordinal)),
            ("segment_ref", text(&s.segment_ref)),
            ("marketing_carrier", text(&s.marketing_carrier)),
            ("marketing_flight_number", text(&s.marketing_flight_number)),
            ("operating_carrier", text(&s.operating_carrier)),
            ("operating_flight_number", text(&s.operating_flight_number)),
            ("departure_airport", text(&s.departure_airport)),
            ("arrival_airport", text(&s.arrival_airport)),
            ("departure_date", date(&s.departure_date)),
            ("scheduled_departure", time(s.scheduled_departure.as_ref())),
            ("scheduled_arrival", time(s.scheduled_arrival.as_ref())),
            ("booking_class", text(&s.booking_class)),
            ("booking_status", text(&s.booking_status)),
            ("open", Cell::Bool(s.open)),
        ]);
    }
    for (ordinal, s) in pnr.traveller_segments.iter().enumerate() {
        tables[Child::TravellerSegments as usize].push([
            ("version_id", id()),
            ("ordinal", int(ordinal)),
            ("traveller_ref", text(&s.traveller_ref)),
            ("segment_ref", text(&s.segment_ref)),
            (
                "status",
                owned(label!(TravelStatus, s.status, "TRAVEL_STATUS_")),
            ),
            ("seat", text(&s.seat)),
            ("seat_details", text(&s.seat_details)),
            ("check_in_sequence", text(&s.check_in_sequence)),
            ("checked_in_at", time(s.checked_in_at.as_ref())),
        ]);
    }
    for (ordinal, c) in pnr.contacts.iter().enumerate() {
        tables[Child::Contacts as usize].push([
            ("version_id", id()),
            ("ordinal", int(ordinal)),
            ("traveller_ref", text(&c.traveller_ref)),
            ("name", text(&c.name)),
            ("phone", text(&c.phone)),
            ("email", text(&c.email)),
            ("address", address(c.address.as_ref())),
            ("purpose", text(&c.purpose)),
        ]);
    }
    for (ordinal, p) in pnr.payments.iter().enumerate() {
        let amount = p.amount.as_ref();
        tables[Child::Payments as usize].push([
            ("version_id", id()),
            ("ordinal", int(ordinal)),
            (
                "form",
                owned(label!(FormOfPayment, p.form, "FORM_OF_PAYMENT_")),
            ),
            ("amount_currency", text_of(amount.map(|m| &m.currency_code))),
            ("amount_units", Cell::Int(amount.map(|m| m.units))),
            (
                "amount_nanos",
                Cell::Int(amount.map(|m| i64::from(m.nanos))),
            ),
            ("card_type", text(&p.card_type)),
            ("card_number", text(&p.card_number)),
            ("card_holder_name", text(&p.card_holder_name)),
            ("card_expiry", text(&p.card_expiry)),
            ("billing_address", address(p.billing_address.as_ref())),
            ("paid_at", time(p.paid_at.as_ref())),
            ("traveller_ref", text(&p.traveller_ref)),
        ]);
    }
    for (ordinal, t) in pnr.tickets.iter().enumerate() {
        let fare = t.fare.as_ref();
        tables[Child::Tickets as usize].push([
            ("version_id", id()),
            ("ordinal", int(ordinal)),
            ("ticket_number", text(&t.ticket_number)),
            ("traveller_ref", text(&t.traveller_ref)),
            ("issue_date", date(&t.issue_date)),
            (
                "trip_type",
                owned(label!(TripType, t.trip_type, "TRIP_TYPE_")),
            ),
            ("segment_refs", text_array(&t.segment_refs)),
            ("fare_currency", text_of(fare.map(|m| &m.currency_code))),
            ("fare_units", Cell::Int(fare.map(|m| m.units))),
            ("fare_nanos", Cell::Int(fare.map(|m| i64::from(m.nanos)))),
            ("fare_calculation", text(&t.fare_calculation)),
            ("validating_carrier", text(&t.validating_carrier)),
            ("electronic", Cell::Bool(t.electronic)),
        ]);
    }
    for (ordinal, b) in pnr.baggage.iter().enumerate() {
        tables[Child::Bags as usize].push([
            ("version_id", id()),
            ("ordinal", int(ordinal)),
            ("traveller_ref", text(&b.traveller_ref)),
            ("segment_ref", text(&b.segment_ref)),
            ("piece_count", int(b.piece_count)),
            // Validation keeps weights finite.
            ("weight_kg", Cell::Float(b.weight_kg)),
            ("tag_numbers", text_array(&b.tag_numbers)),
            (
                "final_destination_airport",
                text(&b.final_destination_airport),
            ),
            ("excess", Cell::Bool(b.excess)),
            ("pooled_with_ref", text(&b.pooled_with_ref)),
        ]);
    }
    for (ordinal, r) in pnr.remarks.iter().enumerate() {
        tables[Child::Remarks as usize].push([
            ("version_id", id()),
            ("ordinal", int(ordinal)),
            ("kind", owned(label!(RemarkKind, r.kind, "REMARK_KIND_"))),
            ("code", text(&r.code)),
            ("carrier", text(&r.carrier)),
            ("text", text(&r.text)),
            ("traveller_ref", text(&r.traveller_ref)),
            ("segment_ref", text(&r.segment_ref)),
        ]);
    }
    for (ordinal, h) in pnr.history.iter().enumerate() {
        tables[Child::History as usize].push([
            ("version_id", id()),
            ("ordinal", int(ordinal)),
            ("changed_at", time(h.changed_at.as_ref())),
            (
                "action",
                owned(label!(PnrHistoryAction, h.action, "PNR_HISTORY_ACTION_")),
            ),
            ("element", text(&h.element)),
            ("value", text(&h.value)),
            ("changed_by", text(&h.changed_by)),
        ]);
    }
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
