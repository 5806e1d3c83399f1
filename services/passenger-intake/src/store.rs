//! SQL of the passenger intake schema. Every statement works on a whole batch (multi-row
//! `UNNEST` inserts), so a batch costs a handful of round trips whatever its size.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use gatehouse_matching::document::normalize_document_number;
use gatehouse_platform::events::from_timestamp;
use gatehouse_proto::{labels, v1::Sex};
use sqlx::{PgConnection, Row};
use uuid::Uuid;

use crate::validate::ValidReport;

/// Natural key of a flight within an agency.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FlightKey {
    pub carrier: String,
    pub flight_number: String,
    pub departure_date: NaiveDate,
    /// `inbound`, `outbound` or `unspecified`.
    pub direction: String,
    pub part_number: i32,
}

/// A report stored earlier: the first result of its `message_id`.
#[derive(Debug, Clone)]
pub struct StoredReport {
    pub report_id: Uuid,
    pub received_at: DateTime<Utc>,
    pub traveller_count: i32,
    pub flight_id: Uuid,
    pub version: i32,
}

/// The reports among `message_ids` that `agency` sent before, by message id.
pub async fn find_reports(
    conn: &mut PgConnection,
    agency: &str,
    message_ids: &[&str],
) -> Result<HashMap<String, StoredReport>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT message_id, report_id, received_at, traveller_count, flight_id, version
         FROM api_reports WHERE agency = $1 AND message_id = ANY($2)",
    )
    .bind(agency)
    .bind(message_ids)
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|row| {
            Ok((
                row.try_get("message_id")?,
                StoredReport {
                    report_id: row.try_get("report_id")?,
                    received_at: row.try_get("received_at")?,
                    traveller_count: row.try_get("traveller_count")?,
                    flight_id: row.try_get("flight_id")?,
                    version: row.try_get("version")?,
                },
            ))
        })
        .collect()
}

/// What a batch does to one flight.
#[derive(Debug)]
pub struct FlightChange {
    pub key: FlightKey,
    /// Id the flight gets if it is new.
    pub new_id: Uuid,
    /// Reports of the batch for this flight: the version goes up by as many.
    pub reports: i32,
    /// The last of them is a CANCEL.
    pub cancelled: bool,
    pub latest_report_id: Uuid,
}

/// Creates or advances the flights; returns each one's id and version after the batch. The row
/// locks taken here order concurrent batches touching the same flight. `changes` must be sorted
/// by key (so concurrent batches lock in the same order) and hold each key once (one statement
/// cannot update a row twice).
pub async fn upsert_flights(
    conn: &mut PgConnection,
    agency: &str,
    changes: &[FlightChange],
) -> Result<HashMap<FlightKey, (Uuid, i32)>, sqlx::Error> {
    let n = changes.len();
    let (mut ids, mut carriers, mut numbers, mut dates, mut directions, mut parts) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    let (mut counts, mut cancelled, mut latest) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    for change in changes {
        ids.push(change.new_id);
        carriers.push(change.key.carrier.as_str());
        numbers.push(change.key.flight_number.as_str());
        dates.push(change.key.departure_date);
        directions.push(change.key.direction.as_str());
        parts.push(change.key.part_number);
        counts.push(change.reports);
        cancelled.push(change.cancelled);
        latest.push(change.latest_report_id);
    }
    let rows = sqlx::query(
        "INSERT INTO flights (flight_id, agency, carrier, flight_number, departure_date, direction,
             part_number, version, cancelled, current_report_id)
         SELECT f.id, $1, f.carrier, f.number, f.date, f.direction, f.part, f.reports, f.cancelled,
             f.latest
         FROM UNNEST($2::uuid[], $3::text[], $4::text[], $5::date[], $6::text[], $7::int[],
             $8::int[], $9::bool[], $10::uuid[])
             AS f(id, carrier, number, date, direction, part, reports, cancelled, latest)
         ON CONFLICT (agency, carrier, flight_number, departure_date, direction, part_number)
         DO UPDATE SET version = flights.version + EXCLUDED.version,
             cancelled = EXCLUDED.cancelled,
             current_report_id = EXCLUDED.current_report_id,
             updated_at = now()
         RETURNING flight_id, carrier, flight_number, departure_date, direction, part_number, version",
    )
    .bind(agency)
    .bind(&ids)
    .bind(&carriers)
    .bind(&numbers)
    .bind(&dates)
    .bind(&directions)
    .bind(&parts)
    .bind(&counts)
    .bind(&cancelled)
    .bind(&latest)
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|row| {
            let key = FlightKey {
                carrier: row.try_get("carrier")?,
                flight_number: row.try_get("flight_number")?,
                departure_date: row.try_get("departure_date")?,
                direction: row.try_get("direction")?,
                part_number: row.try_get("part_number")?,
            };
            Ok((key, (row.try_get("flight_id")?, row.try_get("version")?)))
        })
        .collect()
}

/// A report of the batch to store, with what the batch gave it.
#[derive(Debug)]
pub struct NewReport<'a> {
    pub report_id: Uuid,
    pub valid: &'a ValidReport,
    pub key: &'a FlightKey,
    pub flight_id: Uuid,
    pub version: i32,
    /// Same order as the report's travellers.
    pub traveller_ids: Vec<Uuid>,
    pub traveller_keys: Vec<Uuid>,
}

/// Inserts the report rows; returns when each was received, by report id. A report missing
/// from the answer had its `message_id` taken by a concurrent batch.
pub async fn insert_reports(
    conn: &mut PgConnection,
    agency: &str,
    reports: &[NewReport<'_>],
) -> Result<HashMap<Uuid, DateTime<Utc>>, sqlx::Error> {
    let n = reports.len();
    let mut report_ids = Vec::with_capacity(n);
    let mut message_ids = Vec::with_capacity(n);
    let mut senders = Vec::with_capacity(n);
    let mut carriers = Vec::with_capacity(n);
    let mut numbers = Vec::with_capacity(n);
    let mut departures = Vec::with_capacity(n);
    let mut arrivals = Vec::with_capacity(n);
    let mut dates = Vec::with_capacity(n);
    let mut directions = Vec::with_capacity(n);
    let mut scheduled_departures: Vec<Option<DateTime<Utc>>> = Vec::with_capacity(n);
    let mut scheduled_arrivals: Vec<Option<DateTime<Utc>>> = Vec::with_capacity(n);
    let mut counts = Vec::with_capacity(n);
    let mut flight_ids = Vec::with_capacity(n);
    let mut versions = Vec::with_capacity(n);
    let mut functions = Vec::with_capacity(n);
    let mut parts = Vec::with_capacity(n);
    let mut part_counts = Vec::with_capacity(n);
    let mut sent: Vec<Option<DateTime<Utc>>> = Vec::with_capacity(n);
    // Rows in message-id order, so two batches that share message ids (a client resending on
    // two streams at once) wait for each other instead of deadlocking on the unique index.
    let mut ordered: Vec<&NewReport<'_>> = reports.iter().collect();
    ordered.sort_by(|a, b| a.valid.message_id.cmp(&b.valid.message_id));
    for new in ordered {
        let report = &new.valid.report;
        let flight = report.flight.as_ref();
        report_ids.push(new.report_id);
        message_ids.push(new.valid.message_id.as_str());
        senders.push(report.sender.as_str());
        carriers.push(new.key.carrier.as_str());
        numbers.push(new.key.flight_number.as_str());
        departures.push(flight.map_or("", |f| f.departure_airport.as_str()));
        arrivals.push(flight.map_or("", |f| f.arrival_airport.as_str()));
        dates.push(new.key.departure_date);
        directions.push(new.key.direction.as_str());
        scheduled_departures.push(
            flight
                .and_then(|f| f.scheduled_departure.as_ref())
                .and_then(from_timestamp),
        );
        scheduled_arrivals.push(
            flight
                .and_then(|f| f.scheduled_arrival.as_ref())
                .and_then(from_timestamp),
        );
        counts.push(i32::try_from(report.travellers.len()).unwrap_or(i32::MAX));
        flight_ids.push(new.flight_id);
        versions.push(new.version);
        functions.push(labels::label(
            new.valid.function.as_str_name(),
            "MESSAGE_FUNCTION_",
        ));
        parts.push(new.key.part_number);
        part_counts.push(i32::try_from(report.part_count).unwrap_or(i32::MAX));
        sent.push(report.sent_at.as_ref().and_then(from_timestamp));
    }
    let rows = sqlx::query(
        "INSERT INTO api_reports (report_id, agency, message_id, sender, carrier, flight_number,
             departure_airport, arrival_airport, departure_date, direction, scheduled_departure,
             scheduled_arrival, traveller_count, flight_id, version, function, part_number,
             part_count, sent_at)
         SELECT r.id, $1, r.message_id, r.sender, r.carrier, r.number, r.departure, r.arrival,
             r.date, r.direction, r.scheduled_departure, r.scheduled_arrival, r.travellers,
             r.flight_id, r.version, r.function, r.part, r.parts, r.sent_at
         FROM UNNEST($2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
             $8::text[], $9::date[], $10::text[], $11::timestamptz[], $12::timestamptz[],
             $13::int[], $14::uuid[], $15::int[], $16::text[], $17::int[], $18::int[],
             $19::timestamptz[])
             AS r(id, message_id, sender, carrier, number, departure, arrival, date, direction,
                  scheduled_departure, scheduled_arrival, travellers, flight_id, version, function,
                  part, parts, sent_at)
         ON CONFLICT (agency, message_id) DO NOTHING
         RETURNING report_id, received_at",
    )
    .bind(agency)
    .bind(&report_ids)
    .bind(&message_ids)
    .bind(&senders)
    .bind(&carriers)
    .bind(&numbers)
    .bind(&departures)
    .bind(&arrivals)
    .bind(&dates)
    .bind(&directions)
    .bind(&scheduled_departures)
    .bind(&scheduled_arrivals)
    .bind(&counts)
    .bind(&flight_ids)
    .bind(&versions)
    .bind(&functions)
    .bind(&parts)
    .bind(&part_counts)
    .bind(&sent)
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|row| Ok((row.try_get("report_id")?, row.try_get("received_at")?)))
        .collect()
}

/// Inserts the travellers and documents of every report with one multi-row statement each.
pub async fn insert_travellers(
    conn: &mut PgConnection,
    reports: &[NewReport<'_>],
) -> Result<(), sqlx::Error> {
    let total: usize = reports.iter().map(|r| r.traveller_ids.len()).sum();
    if total == 0 {
        return Ok(());
    }
    let mut ids = Vec::with_capacity(total);
    let mut report_ids = Vec::with_capacity(total);
    let mut keys = Vec::with_capacity(total);
    let mut positions = Vec::with_capacity(total);
    let mut refs = Vec::with_capacity(total);
    let mut roles = Vec::with_capacity(total);
    let mut surnames = Vec::with_capacity(total);
    let mut given = Vec::with_capacity(total);
    let mut births: Vec<Option<NaiveDate>> = Vec::with_capacity(total);
    let mut sexes = Vec::with_capacity(total);
    let mut nationalities = Vec::with_capacity(total);
    let mut residences = Vec::with_capacity(total);
    let mut birthplaces = Vec::with_capacity(total);
    let mut embarks = Vec::with_capacity(total);
    let mut debarks = Vec::with_capacity(total);
    let mut seats = Vec::with_capacity(total);
    let mut locators = Vec::with_capacity(total);
    let mut destinations = Vec::with_capacity(total);

    let mut doc_travellers = Vec::new();
    let mut doc_positions = Vec::new();
    let mut doc_types = Vec::new();
    let mut doc_numbers = Vec::new();
    let mut doc_normalized: Vec<Option<String>> = Vec::new();
    let mut doc_countries = Vec::new();
    let mut doc_expiries: Vec<Option<NaiveDate>> = Vec::new();
    let mut doc_issues: Vec<Option<NaiveDate>> = Vec::new();

    for new in reports {
        let travellers = new
            .valid
            .report
            .travellers
            .iter()
            .zip(&new.valid.travellers);
        for (index, ((traveller, dates), (&id, &key))) in travellers
            .zip(new.traveller_ids.iter().zip(&new.traveller_keys))
            .enumerate()
        {
            ids.push(id);
            report_ids.push(new.report_id);
            keys.push(key);
            positions.push(i32::try_from(index).unwrap_or(i32::MAX));
            refs.push(traveller.traveller_ref.as_str());
            roles.push(labels::traveller_role(traveller.role));
            surnames.push(traveller.surname.as_str());
            given.push(traveller.given_names.as_str());
            births.push(dates.date_of_birth);
            sexes.push(labels::label(
                Sex::try_from(traveller.sex)
                    .unwrap_or(Sex::Unspecified)
                    .as_str_name(),
                "SEX_",
            ));
            nationalities.push(traveller.nationality.as_str());
            residences.push(traveller.country_of_residence.as_str());
            birthplaces.push(traveller.place_of_birth.as_str());
            embarks.push(traveller.embarkation_airport.as_str());
            debarks.push(traveller.debarkation_airport.as_str());
            seats.push(traveller.seat.as_str());
            locators.push(traveller.record_locator.as_str());
            destinations.push(traveller.final_destination_airport.as_str());
            for (doc_index, (document, (expiry, issue))) in
                traveller.documents.iter().zip(&dates.documents).enumerate()
            {
                doc_travellers.push(id);
                doc_positions.push(i32::try_from(doc_index).unwrap_or(i32::MAX));
                doc_types.push(labels::document_type(document.r#type));
                doc_numbers.push(document.number.as_str());
                doc_normalized.push(normalize_document_number(&document.number));
                doc_countries.push(document.issuing_country.as_str());
                doc_expiries.push(*expiry);
                doc_issues.push(*issue);
            }
        }
    }
    sqlx::query(
        "INSERT INTO api_travellers (traveller_id, report_id, traveller_key, position, traveller_ref,
             role, surname, given_names, date_of_birth, sex, nationality, country_of_residence,
             place_of_birth, embarkation_airport, debarkation_airport, seat, record_locator,
             final_destination_airport)
         SELECT * FROM UNNEST($1::uuid[], $2::uuid[], $3::uuid[], $4::int[], $5::text[], $6::text[],
             $7::text[], $8::text[], $9::date[], $10::text[], $11::text[], $12::text[], $13::text[],
             $14::text[], $15::text[], $16::text[], $17::text[], $18::text[])",
    )
    .bind(&ids)
    .bind(&report_ids)
    .bind(&keys)
    .bind(&positions)
    .bind(&refs)
    .bind(&roles)
    .bind(&surnames)
    .bind(&given)
    .bind(&births)
    .bind(&sexes)
    .bind(&nationalities)
    .bind(&residences)
    .bind(&birthplaces)
    .bind(&embarks)
    .bind(&debarks)
    .bind(&seats)
    .bind(&locators)
    .bind(&destinations)
    .execute(&mut *conn)
    .await?;
    if !doc_travellers.is_empty() {
        sqlx::query(
            "INSERT INTO api_documents (traveller_id, position, document_type, number, issuing_country,
                 expiry_date, issue_date, number_normalized)
             SELECT * FROM UNNEST($1::uuid[], $2::int[], $3::text[], $4::text[], $5::text[],
                 $6::date[], $7::date[], $8::text[])",
        )
        .bind(&doc_travellers)
        .bind(&doc_positions)
        .bind(&doc_types)
        .bind(&doc_numbers)
        .bind(&doc_countries)
        .bind(&doc_expiries)
        .bind(&doc_issues)
        .bind(&doc_normalized)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Records that travellers were listed on flights; returns, per report, how many of its
/// travellers no earlier version of the flight listed. Each (flight, key) must appear once,
/// with the first report of the batch that lists it.
pub async fn claim_travellers(
    conn: &mut PgConnection,
    flight_ids: &[Uuid],
    traveller_keys: &[Uuid],
    report_ids: &[Uuid],
) -> Result<HashMap<Uuid, i32>, sqlx::Error> {
    if flight_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let firsts: Vec<Uuid> = sqlx::query_scalar(
        "INSERT INTO flight_travellers (flight_id, traveller_key, first_report_id)
         SELECT * FROM UNNEST($1::uuid[], $2::uuid[], $3::uuid[])
         ON CONFLICT (flight_id, traveller_key) DO NOTHING
         RETURNING first_report_id",
    )
    .bind(flight_ids)
    .bind(traveller_keys)
    .bind(report_ids)
    .fetch_all(conn)
    .await?;
    let mut counts = HashMap::new();
    for report_id in firsts {
        *counts.entry(report_id).or_insert(0) += 1;
    }
    Ok(counts)
}
