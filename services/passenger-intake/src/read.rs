//! Reads of stored API data: `GetApiReport` and `SearchTravellers`. Personal data, so each needs
//! an officer's, supervisor's or analyst's role and a reason, sees only its agency's reports (an
//! officer or supervisor only flights of their units' airports; analysts build rules for the whole
//! agency), and writes an audit row in the transaction that reads.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use gatehouse_matching::document::normalize_document_number;
use gatehouse_platform::{
    audit::{AuditEntry, audit},
    auth::{Caller, Role},
    error::FieldViolations,
    events::to_timestamp,
};
use gatehouse_proto::v1::{
    ApiReport, DocumentType, Flight, FlightDirection, GetApiReportRequest, GetApiReportResponse,
    MessageFunction, SearchTravellersRequest, SearchTravellersResponse, Sex, TravelDocument,
    Traveller, TravellerFound, TravellerRole,
};
use sqlx::{PgConnection, PgPool, Row, postgres::PgRow};
use uuid::Uuid;

use crate::{IntakeError, link};

/// Roles that may read travellers' personal data.
pub const READERS: [Role; 3] = [Role::Officer, Role::Supervisor, Role::Analyst];
const DEFAULT_LIMIT: i64 = 100;
const MAX_LIMIT: i64 = 1_000;

/// Which flights a caller may read: the whole agency, or those touching its units' airports.
pub use gatehouse_platform::units::Scope;

/// The reason given, trimmed; violations when it is missing or too long.
pub fn reason(raw: &str) -> Result<String, IntakeError> {
    gatehouse_platform::audit::reason(raw).map_err(IntakeError::Invalid)
}

pub async fn get_api_report(
    pool: &PgPool,
    caller: &Caller,
    scope: &Scope,
    request: GetApiReportRequest,
) -> Result<GetApiReportResponse, IntakeError> {
    let reason = reason(&request.reason)?;
    let report_id = Uuid::parse_str(request.report_id.trim()).map_err(|_| {
        let mut v = FieldViolations::new();
        v.add("report_id", "must be a report id (UUID)");
        IntakeError::Invalid(v)
    })?;
    let mut tx = pool.begin().await?;
    let row = sqlx::query(
        "SELECT report_id, message_id, agency, sender, carrier, flight_number, departure_airport,
                arrival_airport, departure_date, direction, scheduled_departure, scheduled_arrival,
                received_at, sent_at, function, part_number, part_count
         FROM api_reports
         WHERE report_id = $1 AND agency = $2
           AND ($3::text[] IS NULL OR departure_airport = ANY($3) OR arrival_airport = ANY($3))",
    )
    .bind(report_id)
    .bind(&caller.agency)
    .bind(scope.locations())
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        // Also for another agency's or another unit's report: its existence is not disclosed.
        return Err(IntakeError::NotFound("api report"));
    };
    let (ids, travellers) = travellers(&mut tx, &[report_id]).await?;
    let travellers = travellers.into_values().next().unwrap_or_default();
    let ids = ids.into_values().next().unwrap_or_default();
    let links = link::positioned(&ids, link::of_api_travellers(&mut tx, &ids).await?);
    let traveller_ids: Vec<String> = ids.iter().map(ToString::to_string).collect();
    audit(
        &mut tx,
        AuditEntry {
            actor: &caller.subject,
            agency: &caller.agency,
            action: "api_report.read",
            resource_type: "api_report",
            resource_ids: vec![report_id.to_string()],
            reason: Some(&reason),
        },
    )
    .await?;
    tx.commit().await?;
    let received_at: DateTime<Utc> = row.try_get("received_at")?;
    let function: String = row.try_get("function")?;
    let report = ApiReport {
        flight: Some(flight(&row)?),
        travellers,
        sender: row.try_get("sender")?,
        sent_at: row
            .try_get::<Option<DateTime<Utc>>, _>("sent_at")?
            .map(to_timestamp),
        function: MessageFunction::from_str_name(&format!(
            "MESSAGE_FUNCTION_{}",
            function.to_ascii_uppercase()
        ))
        .unwrap_or(MessageFunction::Original) as i32,
        part_number: u32::try_from(row.try_get::<i32, _>("part_number")?).unwrap_or(0),
        part_count: u32::try_from(row.try_get::<i32, _>("part_count")?).unwrap_or(0),
    };
    Ok(GetApiReportResponse {
        report_id: report_id.to_string(),
        report: Some(report),
        message_id: row.try_get("message_id")?,
        agency: row.try_get("agency")?,
        accepted_at: Some(to_timestamp(received_at)),
        traveller_ids,
        links,
    })
}

/// What a search looks for, checked.
enum Criterion {
    Flight {
        carrier: String,
        number: String,
        date: NaiveDate,
    },
    Name {
        surname: String,
        given_prefix: String,
    },
    Document(String),
}

impl Criterion {
    fn action(&self) -> &'static str {
        match self {
            Self::Flight { .. } => "traveller.search.flight",
            Self::Name { .. } => "traveller.search.name",
            Self::Document(_) => "traveller.search.document",
        }
    }
}

fn criterion(request: &SearchTravellersRequest) -> Result<Criterion, IntakeError> {
    let mut v = FieldViolations::new();
    let given = [
        request.flight.is_some(),
        request.name.is_some(),
        !request.document_number.trim().is_empty(),
    ];
    if given.iter().filter(|g| **g).count() != 1 {
        v.add(
            "flight",
            "exactly one of flight, name and document_number is required",
        );
        return Err(IntakeError::Invalid(v));
    }
    let criterion = if let Some(flight) = &request.flight {
        let carrier = flight.carrier.trim().to_ascii_uppercase();
        let number = flight.number.trim().to_ascii_uppercase();
        if carrier.is_empty() {
            v.add("flight.carrier", "is required");
        }
        if number.is_empty() {
            v.add("flight.number", "is required");
        }
        let date = NaiveDate::parse_from_str(flight.departure_date.trim(), "%Y-%m-%d");
        if date.is_err() {
            v.add("flight.departure_date", "must be a date (YYYY-MM-DD)");
        }
        match date {
            Ok(date) if v.is_empty() => Criterion::Flight {
                carrier,
                number,
                date,
            },
            _ => return Err(IntakeError::Invalid(v)),
        }
    } else if let Some(name) = &request.name {
        let surname = name.surname.trim().to_lowercase();
        if surname.is_empty() {
            v.add("name.surname", "is required");
            return Err(IntakeError::Invalid(v));
        }
        Criterion::Name {
            surname,
            given_prefix: name.given_names.trim().to_lowercase(),
        }
    } else {
        match normalize_document_number(&request.document_number) {
            Some(number) => Criterion::Document(number),
            None => {
                v.add("document_number", "must hold letters or digits");
                return Err(IntakeError::Invalid(v));
            }
        }
    };
    Ok(criterion)
}

/// Travellers on the current version of each flight's report that match.
pub async fn search_travellers(
    pool: &PgPool,
    caller: &Caller,
    scope: &Scope,
    request: SearchTravellersRequest,
) -> Result<SearchTravellersResponse, IntakeError> {
    let reason = reason(&request.reason)?;
    let criterion = criterion(&request)?;
    let limit = match i64::from(request.limit) {
        0 => DEFAULT_LIMIT,
        n if (1..=MAX_LIMIT).contains(&n) => n,
        _ => {
            let mut v = FieldViolations::new();
            v.add("limit", format!("must be between 1 and {MAX_LIMIT}"));
            return Err(IntakeError::Invalid(v));
        }
    };
    let (carrier, number, date, surname, given, document) = match &criterion {
        Criterion::Flight {
            carrier,
            number,
            date,
        } => (Some(carrier), Some(number), Some(*date), None, None, None),
        Criterion::Name {
            surname,
            given_prefix,
        } => (None, None, None, Some(surname), Some(given_prefix), None),
        Criterion::Document(number) => (None, None, None, None, None, Some(number)),
    };
    let given = given.map(|g| g.replace('%', "\\%").replace('_', "\\_"));
    let filter = Filter {
        agency: &caller.agency,
        airports: scope.locations(),
        carrier,
        number,
        date,
        surname,
        given: given.as_deref(),
        document,
    };
    let mut tx = pool.begin().await?;
    // Only the flights' current reports: a superseded version's travellers are history.
    let rows = sqlx::query(
        "SELECT t.traveller_id, r.report_id, r.flight_id, r.received_at, r.carrier,
                r.flight_number, r.departure_airport, r.arrival_airport, r.departure_date,
                r.direction, r.scheduled_departure, r.scheduled_arrival
         FROM api_travellers t
         JOIN api_reports r ON r.report_id = t.report_id
         JOIN flights f ON f.current_report_id = r.report_id
         WHERE r.agency = $1
           AND ($2::text[] IS NULL OR r.departure_airport = ANY($2) OR r.arrival_airport = ANY($2))
           AND ($3::text IS NULL OR (r.carrier = $3 AND r.flight_number = $4 AND r.departure_date = $5))
           AND ($6::text IS NULL OR (lower(t.surname) = $6 AND lower(t.given_names) LIKE $7 || '%'))
           AND ($8::text IS NULL OR EXISTS (SELECT 1 FROM api_documents d
                WHERE d.traveller_id = t.traveller_id AND d.number_normalized = $8))
         ORDER BY r.departure_date DESC, r.report_id, t.position
         LIMIT $9",
    )
    .bind(filter.agency)
    .bind(filter.airports)
    .bind(filter.carrier)
    .bind(filter.number)
    .bind(filter.date)
    .bind(filter.surname)
    .bind(filter.given)
    .bind(filter.document)
    .bind(limit + 1)
    .fetch_all(&mut *tx)
    .await?;
    let truncated = rows.len() > usize::try_from(limit).unwrap_or(usize::MAX);
    let rows = &rows[..rows.len().min(usize::try_from(limit).unwrap_or(usize::MAX))];
    let report_ids: Vec<Uuid> = {
        let mut ids: Vec<Uuid> = rows
            .iter()
            .map(|r| r.try_get("report_id"))
            .collect::<Result<_, _>>()?;
        ids.sort();
        ids.dedup();
        ids
    };
    let (ids, mut travellers) = travellers(&mut tx, &report_ids).await?;
    let mut by_id: HashMap<Uuid, Traveller> = HashMap::new();
    for (report_id, report_travellers) in travellers.drain() {
        let Some(report_ids) = ids.get(&report_id) else {
            continue;
        };
        by_id.extend(report_ids.iter().copied().zip(report_travellers));
    }
    let mut found = Vec::with_capacity(rows.len());
    for row in rows {
        let traveller_id: Uuid = row.try_get("traveller_id")?;
        let report_id: Uuid = row.try_get("report_id")?;
        let flight_id: Uuid = row.try_get("flight_id")?;
        found.push(TravellerFound {
            traveller_id: traveller_id.to_string(),
            report_id: report_id.to_string(),
            flight_id: flight_id.to_string(),
            flight: Some(flight(row)?),
            traveller: by_id.remove(&traveller_id),
            accepted_at: Some(to_timestamp(row.try_get("received_at")?)),
            pnr_id: String::new(),
            link_evidence: Vec::new(),
        });
    }
    // PNR travellers fill what the API travellers left of the limit (zero still tells whether
    // there were more).
    let room = (limit - i64::try_from(found.len()).unwrap_or(limit)).max(0);
    let (from_pnrs, pnrs_truncated) = pnr_travellers(&mut tx, &filter, room).await?;
    let truncated = truncated || pnrs_truncated;
    found.extend(from_pnrs);
    one_per_linked_traveller(&mut tx, &mut found).await?;
    audit(
        &mut tx,
        AuditEntry {
            actor: &caller.subject,
            agency: &caller.agency,
            action: criterion.action(),
            resource_type: "traveller",
            resource_ids: found.iter().map(|f| f.traveller_id.clone()).collect(),
            reason: Some(&reason),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(SearchTravellersResponse {
        travellers: found,
        truncated,
    })
}

/// Lists a traveller linked across an API report and a PNR once: the API traveller names both
/// records, and the PNR traveller found too is dropped; a PNR traveller found alone names its
/// API report.
async fn one_per_linked_traveller(
    conn: &mut PgConnection,
    found: &mut Vec<TravellerFound>,
) -> Result<(), sqlx::Error> {
    let ids = |api: bool| -> Vec<Uuid> {
        found
            .iter()
            .filter(|f| f.pnr_id.is_empty() == api)
            .filter_map(|f| f.traveller_id.parse().ok())
            .collect()
    };
    let api_links = link::of_api_travellers(conn, &ids(true)).await?;
    let pnr_links = link::of_pnr_travellers(conn, &ids(false)).await?;
    let mut listed: HashSet<String> = HashSet::new();
    for f in found.iter_mut() {
        let Ok(id) = f.traveller_id.parse::<Uuid>() else {
            continue;
        };
        if let Some(link) = api_links.get(&id) {
            f.pnr_id.clone_from(&link.pnr_id);
            f.link_evidence.clone_from(&link.evidence);
            listed.insert(link.pnr_traveller_id.clone());
        }
    }
    found.retain_mut(|f| {
        if !f.report_id.is_empty() {
            return true;
        }
        if listed.contains(&f.traveller_id) {
            return false;
        }
        if let Some(link) = f
            .traveller_id
            .parse()
            .ok()
            .and_then(|id| pnr_links.get(&id))
        {
            f.report_id.clone_from(&link.api_report_id);
            f.link_evidence.clone_from(&link.evidence);
        }
        true
    });
    Ok(())
}

/// What a search compares, bound the same way for API and PNR travellers.
struct Filter<'a> {
    agency: &'a str,
    airports: Option<&'a [String]>,
    carrier: Option<&'a String>,
    number: Option<&'a String>,
    date: Option<NaiveDate>,
    surname: Option<&'a String>,
    /// A LIKE prefix, escaped.
    given: Option<&'a str>,
    document: Option<&'a String>,
}

/// Travellers of the bookings' current PNR versions that match, at most `limit`, and whether
/// there were more. A masked (depersonalised) PNR is not found by anyone: only its
/// re-personalisation on approval discloses who was on it.
async fn pnr_travellers(
    conn: &mut PgConnection,
    filter: &Filter<'_>,
    limit: i64,
) -> Result<(Vec<TravellerFound>, bool), sqlx::Error> {
    let rows = sqlx::query(
        "SELECT t.traveller_id, t.version_id, t.ordinal, p.pnr_id, p.record_locator, v.received_at,
                v.flight_carrier AS carrier, v.flight_number,
                v.flight_departure_airport AS departure_airport,
                v.flight_arrival_airport AS arrival_airport,
                v.flight_departure_date AS departure_date, v.flight_direction AS direction,
                v.flight_scheduled_departure AS scheduled_departure,
                v.flight_scheduled_arrival AS scheduled_arrival,
                t.traveller_ref, t.surname, t.given_names, t.date_of_birth, t.sex, t.nationality,
                t.country_of_residence, t.place_of_birth
         FROM pnr_travellers t
         JOIN pnr_versions v ON v.version_id = t.version_id
         JOIN pnrs p ON p.current_version_id = v.version_id
         WHERE p.agency = $1 AND v.masked_at IS NULL
           AND ($2::text[] IS NULL OR v.flight_departure_airport = ANY($2)
                OR v.flight_arrival_airport = ANY($2))
           AND ($3::text IS NULL OR (v.flight_carrier = $3 AND v.flight_number = $4
                AND v.flight_departure_date = $5))
           AND ($6::text IS NULL OR (lower(t.surname) = $6 AND lower(t.given_names) LIKE $7 || '%'))
           AND ($8::text IS NULL OR EXISTS (SELECT 1 FROM pnr_documents d
                WHERE d.version_id = t.version_id AND d.traveller_ordinal = t.ordinal
                  AND d.number_normalized = $8))
         ORDER BY v.flight_departure_date DESC, p.pnr_id, t.ordinal
         LIMIT $9",
    )
    .bind(filter.agency)
    .bind(filter.airports)
    .bind(filter.carrier)
    .bind(filter.number)
    .bind(filter.date)
    .bind(filter.surname)
    .bind(filter.given)
    .bind(filter.document)
    .bind(limit + 1)
    .fetch_all(&mut *conn)
    .await?;
    let truncated = rows.len() > usize::try_from(limit).unwrap_or(usize::MAX);
    let rows = &rows[..rows.len().min(usize::try_from(limit).unwrap_or(usize::MAX))];
    let versions: Vec<Uuid> = rows
        .iter()
        .map(|r| r.try_get("version_id"))
        .collect::<Result<_, _>>()?;
    let mut documents_of = pnr_documents(conn, &versions).await?;
    let mut found = Vec::with_capacity(rows.len());
    for row in rows {
        let traveller_id: Uuid = row.try_get("traveller_id")?;
        let pnr_id: Uuid = row.try_get("pnr_id")?;
        let key: (Uuid, i32) = (row.try_get("version_id")?, row.try_get("ordinal")?);
        let mut traveller = traveller(row)?;
        traveller.role = TravellerRole::Passenger as i32;
        traveller.record_locator = row.try_get("record_locator")?;
        traveller.documents = documents_of.remove(&key).unwrap_or_default();
        found.push(TravellerFound {
            traveller_id: traveller_id.to_string(),
            report_id: String::new(),
            flight_id: String::new(),
            flight: Some(flight(row)?),
            traveller: Some(traveller),
            accepted_at: Some(to_timestamp(row.try_get("received_at")?)),
            pnr_id: pnr_id.to_string(),
            link_evidence: Vec::new(),
        });
    }
    Ok((found, truncated))
}

/// The documents of the travellers of PNR versions, by (version, traveller ordinal).
pub(crate) async fn pnr_documents(
    conn: &mut PgConnection,
    version_ids: &[Uuid],
) -> Result<HashMap<(Uuid, i32), Vec<TravelDocument>>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT version_id, traveller_ordinal, document_type, number, issuing_country, expiry_date,
                issue_date
         FROM pnr_documents WHERE version_id = ANY($1) ORDER BY version_id, traveller_ordinal, ordinal",
    )
    .bind(version_ids)
    .fetch_all(conn)
    .await?;
    let mut documents_of: HashMap<(Uuid, i32), Vec<TravelDocument>> = HashMap::new();
    for row in &rows {
        documents_of
            .entry((
                row.try_get("version_id")?,
                row.try_get("traveller_ordinal")?,
            ))
            .or_default()
            .push(document(row)?);
    }
    Ok(documents_of)
}

fn flight(row: &PgRow) -> Result<Flight, sqlx::Error> {
    let direction: String = row.try_get("direction")?;
    let date: NaiveDate = row.try_get("departure_date")?;
    Ok(Flight {
        carrier: row.try_get("carrier")?,
        number: row.try_get("flight_number")?,
        departure_airport: row.try_get("departure_airport")?,
        arrival_airport: row.try_get("arrival_airport")?,
        departure_date: date.format("%Y-%m-%d").to_string(),
        scheduled_departure: row
            .try_get::<Option<DateTime<Utc>>, _>("scheduled_departure")?
            .map(to_timestamp),
        scheduled_arrival: row
            .try_get::<Option<DateTime<Utc>>, _>("scheduled_arrival")?
            .map(to_timestamp),
        direction: FlightDirection::from_str_name(&format!(
            "FLIGHT_DIRECTION_{}",
            direction.to_ascii_uppercase()
        ))
        .unwrap_or(FlightDirection::Unspecified) as i32,
    })
}

type ByReport<T> = HashMap<Uuid, Vec<T>>;

/// The travellers (with documents) of `report_ids`, in report order, and their ids.
pub(crate) async fn travellers(
    conn: &mut PgConnection,
    report_ids: &[Uuid],
) -> Result<(ByReport<Uuid>, ByReport<Traveller>), sqlx::Error> {
    let rows = sqlx::query(
        "SELECT traveller_id, report_id, traveller_ref, role, surname, given_names, date_of_birth,
                sex, nationality, country_of_residence, place_of_birth, embarkation_airport,
                debarkation_airport, seat, record_locator, final_destination_airport
         FROM api_travellers WHERE report_id = ANY($1) ORDER BY report_id, position",
    )
    .bind(report_ids)
    .fetch_all(&mut *conn)
    .await?;
    let traveller_ids: Vec<Uuid> = rows
        .iter()
        .map(|r| r.try_get("traveller_id"))
        .collect::<Result<_, _>>()?;
    let documents = sqlx::query(
        "SELECT traveller_id, document_type, number, issuing_country, expiry_date, issue_date
         FROM api_documents WHERE traveller_id = ANY($1) ORDER BY traveller_id, position",
    )
    .bind(&traveller_ids)
    .fetch_all(&mut *conn)
    .await?;
    let mut documents_of: HashMap<Uuid, Vec<TravelDocument>> = HashMap::new();
    for row in &documents {
        documents_of
            .entry(row.try_get("traveller_id")?)
            .or_default()
            .push(document(row)?);
    }
    let (mut ids, mut travellers): (ByReport<Uuid>, ByReport<Traveller>) = Default::default();
    for row in rows {
        let id: Uuid = row.try_get("traveller_id")?;
        let report_id: Uuid = row.try_get("report_id")?;
        let role: String = row.try_get("role")?;
        let mut traveller = traveller(&row)?;
        traveller.role =
            TravellerRole::from_str_name(&format!("TRAVELLER_ROLE_{}", role.to_ascii_uppercase()))
                .unwrap_or(TravellerRole::Passenger) as i32;
        traveller.documents = documents_of.remove(&id).unwrap_or_default();
        traveller.embarkation_airport = row.try_get("embarkation_airport")?;
        traveller.debarkation_airport = row.try_get("debarkation_airport")?;
        traveller.seat = row.try_get("seat")?;
        traveller.record_locator = row.try_get("record_locator")?;
        traveller.final_destination_airport = row.try_get("final_destination_airport")?;
        ids.entry(report_id).or_default().push(id);
        travellers.entry(report_id).or_default().push(traveller);
    }
    Ok((ids, travellers))
}

/// The identity columns API and PNR travellers share.
pub(crate) fn traveller(row: &PgRow) -> Result<Traveller, sqlx::Error> {
    let sex: String = row.try_get("sex")?;
    Ok(Traveller {
        traveller_ref: row.try_get("traveller_ref")?,
        surname: row.try_get("surname")?,
        given_names: row.try_get("given_names")?,
        date_of_birth: date_text(row.try_get("date_of_birth")?),
        sex: Sex::from_str_name(&format!("SEX_{}", sex.to_ascii_uppercase()))
            .unwrap_or(Sex::Unspecified) as i32,
        nationality: row.try_get("nationality")?,
        country_of_residence: row.try_get("country_of_residence")?,
        place_of_birth: row.try_get("place_of_birth")?,
        ..Default::default()
    })
}

pub(crate) fn document(row: &PgRow) -> Result<TravelDocument, sqlx::Error> {
    let kind: String = row.try_get("document_type")?;
    Ok(TravelDocument {
        r#type: DocumentType::from_str_name(&format!("DOCUMENT_TYPE_{}", kind.to_ascii_uppercase()))
            .unwrap_or(DocumentType::Unspecified) as i32,
        number: row.try_get("number")?,
        issuing_country: row.try_get("issuing_country")?,
        expiry_date: date_text(row.try_get("expiry_date")?),
        issue_date: date_text(row.try_get("issue_date")?),
    })
}

fn date_text(date: Option<NaiveDate>) -> String {
    date.map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}
