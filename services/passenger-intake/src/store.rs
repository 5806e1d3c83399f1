//! SQL of the passenger intake schema.

use chrono::{DateTime, NaiveDate, Utc};
use gatehouse_proto::{
    labels,
    v1::{FlightDirection, Sex},
};
use sqlx::{PgConnection, PgPool, Row};
use uuid::Uuid;

use crate::validate::ValidReport;

/// Inserts the report row; `None` when the agency already sent this `message_id`.
pub async fn insert_report(
    conn: &mut PgConnection,
    report_id: Uuid,
    agency: &str,
    valid: &ValidReport,
) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
    let flight = valid.report.flight.clone().unwrap_or_default();
    let direction = labels::label(
        FlightDirection::try_from(flight.direction)
            .unwrap_or(FlightDirection::Unspecified)
            .as_str_name(),
        "FLIGHT_DIRECTION_",
    );
    let row = sqlx::query(
        "INSERT INTO api_reports (report_id, agency, message_id, sender, carrier, flight_number,
             departure_airport, arrival_airport, departure_date, direction, scheduled_departure,
             scheduled_arrival, traveller_count)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
         ON CONFLICT (agency, message_id) DO NOTHING
         RETURNING received_at",
    )
    .bind(report_id)
    .bind(agency)
    .bind(&valid.message_id)
    .bind(&valid.report.sender)
    .bind(&flight.carrier)
    .bind(&flight.number)
    .bind(&flight.departure_airport)
    .bind(&flight.arrival_airport)
    .bind(valid.departure_date)
    .bind(direction)
    .bind(
        flight
            .scheduled_departure
            .as_ref()
            .and_then(gatehouse_platform::events::from_timestamp),
    )
    .bind(
        flight
            .scheduled_arrival
            .as_ref()
            .and_then(gatehouse_platform::events::from_timestamp),
    )
    .bind(i32::try_from(valid.report.travellers.len()).unwrap_or(i32::MAX))
    .fetch_optional(conn)
    .await?;
    row.map(|r| r.try_get("received_at")).transpose()
}

/// Inserts travellers and their documents with one multi-row statement each.
pub async fn insert_travellers(
    conn: &mut PgConnection,
    report_id: Uuid,
    traveller_ids: &[Uuid],
    valid: &ValidReport,
) -> Result<(), sqlx::Error> {
    let travellers = &valid.report.travellers;
    let mut positions = Vec::with_capacity(travellers.len());
    let mut refs = Vec::with_capacity(travellers.len());
    let mut roles = Vec::with_capacity(travellers.len());
    let mut surnames = Vec::with_capacity(travellers.len());
    let mut given = Vec::with_capacity(travellers.len());
    let mut births: Vec<Option<NaiveDate>> = Vec::with_capacity(travellers.len());
    let mut sexes = Vec::with_capacity(travellers.len());
    let mut nationalities = Vec::with_capacity(travellers.len());
    let mut residences = Vec::with_capacity(travellers.len());
    let mut birthplaces = Vec::with_capacity(travellers.len());
    let mut embarks = Vec::with_capacity(travellers.len());
    let mut debarks = Vec::with_capacity(travellers.len());
    let mut seats = Vec::with_capacity(travellers.len());

    let mut doc_travellers = Vec::new();
    let mut doc_positions = Vec::new();
    let mut doc_types = Vec::new();
    let mut doc_numbers = Vec::new();
    let mut doc_countries = Vec::new();
    let mut doc_expiries: Vec<Option<NaiveDate>> = Vec::new();
    let mut doc_issues: Vec<Option<NaiveDate>> = Vec::new();

    for (index, (traveller, dates)) in travellers.iter().zip(&valid.travellers).enumerate() {
        let position = i32::try_from(index).unwrap_or(i32::MAX);
        positions.push(position);
        refs.push(traveller.traveller_ref.clone());
        roles.push(labels::traveller_role(traveller.role));
        surnames.push(traveller.surname.clone());
        given.push(traveller.given_names.clone());
        births.push(dates.date_of_birth);
        sexes.push(labels::label(
            Sex::try_from(traveller.sex)
                .unwrap_or(Sex::Unspecified)
                .as_str_name(),
            "SEX_",
        ));
        nationalities.push(traveller.nationality.clone());
        residences.push(traveller.country_of_residence.clone());
        birthplaces.push(traveller.place_of_birth.clone());
        embarks.push(traveller.embarkation_airport.clone());
        debarks.push(traveller.debarkation_airport.clone());
        seats.push(traveller.seat.clone());
        for (doc_index, (document, (expiry, issue))) in
            traveller.documents.iter().zip(&dates.documents).enumerate()
        {
            doc_travellers.push(traveller_ids[index]);
            doc_positions.push(i32::try_from(doc_index).unwrap_or(i32::MAX));
            doc_types.push(labels::document_type(document.r#type));
            doc_numbers.push(document.number.clone());
            doc_countries.push(document.issuing_country.clone());
            doc_expiries.push(*expiry);
            doc_issues.push(*issue);
        }
    }
    sqlx::query(
        "INSERT INTO api_travellers (traveller_id, report_id, position, traveller_ref, role, surname,
             given_names, date_of_birth, sex, nationality, country_of_residence, place_of_birth,
             embarkation_airport, debarkation_airport, seat)
         SELECT t.id, $1, t.position, t.ref, t.role, t.surname, t.given, t.birth, t.sex, t.nationality,
             t.residence, t.birthplace, t.embark, t.debark, t.seat
         FROM UNNEST($2::uuid[], $3::int[], $4::text[], $5::text[], $6::text[], $7::text[], $8::date[],
             $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[])
             AS t(id, position, ref, role, surname, given, birth, sex, nationality, residence, birthplace,
                  embark, debark, seat)",
    )
    .bind(report_id)
    .bind(traveller_ids)
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
    .execute(&mut *conn)
    .await?;
    if !doc_travellers.is_empty() {
        sqlx::query(
            "INSERT INTO api_documents (traveller_id, position, document_type, number, issuing_country,
                 expiry_date, issue_date)
             SELECT * FROM UNNEST($1::uuid[], $2::int[], $3::text[], $4::text[], $5::text[], $6::date[], $7::date[])",
        )
        .bind(&doc_travellers)
        .bind(&doc_positions)
        .bind(&doc_types)
        .bind(&doc_numbers)
        .bind(&doc_countries)
        .bind(&doc_expiries)
        .bind(&doc_issues)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

pub struct StoredReport {
    pub report_id: Uuid,
    pub received_at: DateTime<Utc>,
    pub traveller_count: i32,
}

pub async fn find_by_message_id(
    pool: &PgPool,
    agency: &str,
    message_id: &str,
) -> Result<StoredReport, sqlx::Error> {
    let row = sqlx::query(
        "SELECT report_id, received_at, traveller_count FROM api_reports WHERE agency = $1 AND message_id = $2",
    )
    .bind(agency)
    .bind(message_id)
    .fetch_one(pool)
    .await?;
    Ok(StoredReport {
        report_id: row.try_get("report_id")?,
        received_at: row.try_get("received_at")?,
        traveller_count: row.try_get("traveller_count")?,
    })
}
