//! `GetManifest` (a stored manifest version with every consignment it lists, read back as it was
//! validated), `GetConsignment` and `SearchConsignments`. Parties may be natural persons, so the read needs an officer's, supervisor's or
//! analyst's role and a reason, sees only the agency's manifests (an officer or supervisor only
//! those entering at their units' places), and writes an audit row in the transaction that reads.

use chrono::{DateTime, NaiveDate, Utc};
use gatehouse_checks::ImoNumber;
use gatehouse_platform::{
    audit::{self, AuditEntry},
    auth::{Caller, Role},
    error::FieldViolations,
    events::to_timestamp,
    units::Scope,
};
use gatehouse_proto::v1::{
    CargoManifest, Consignment, ConsignmentFound, ConsignmentMovement, ConsignmentSummary,
    GetConsignmentRequest, GetConsignmentResponse, GetManifestRequest, GetManifestResponse,
    PartyHistory, SearchConsignmentsRequest, SearchConsignmentsResponse, TransportMode,
};
use prost::Message;
use sqlx::{PgPool, Row};
use uuid::Uuid;

use crate::IntakeError;

/// Roles that may read manifests.
pub const READERS: [Role; 3] = [Role::Officer, Role::Supervisor, Role::Analyst];

pub async fn get_manifest(
    pool: &PgPool,
    caller: &Caller,
    scope: &Scope,
    request: GetManifestRequest,
) -> Result<GetManifestResponse, IntakeError> {
    let reason = audit::reason(&request.reason).map_err(IntakeError::Invalid)?;
    let manifest_id = Uuid::parse_str(request.manifest_id.trim()).map_err(|_| {
        let mut v = FieldViolations::new();
        v.add("manifest_id", "must be a manifest id (UUID)");
        IntakeError::Invalid(v)
    })?;
    let version = i32::try_from(request.version).map_err(|_| {
        let mut v = FieldViolations::new();
        v.add("version", "is not a version of any manifest");
        IntakeError::Invalid(v)
    })?;
    let mut tx = pool.begin().await?;
    let row = sqlx::query(
        "SELECT v.version_id, v.version, v.message_id, v.agency, v.received_at, v.header
         FROM manifests m JOIN manifest_versions v ON v.manifest_id = m.manifest_id
         WHERE m.manifest_id = $1 AND m.agency = $2
           AND v.version = CASE WHEN $3 = 0 THEN m.version ELSE $3 END
           AND ($4::text[] IS NULL OR m.place_of_entry = ANY($4)
                OR v.port_of_discharge = ANY($4))",
    )
    .bind(manifest_id)
    .bind(&caller.agency)
    .bind(version)
    .bind(scope.locations())
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        // Also for another agency's or another unit's manifest: its existence is not disclosed.
        return Err(IntakeError::NotFound("manifest"));
    };
    let version_id: Uuid = row.try_get("version_id")?;
    let header: Vec<u8> = row.try_get("header")?;
    let mut manifest = CargoManifest::decode(header.as_slice())
        .map_err(|_| IntakeError::Internal("a stored manifest header does not decode"))?;
    let listed = sqlx::query(
        "SELECT cv.consignment_id, cv.version, cv.record
         FROM manifest_consignments mc
         JOIN consignment_versions cv ON cv.version_id = mc.consignment_version_id
         WHERE mc.manifest_version_id = $1
         ORDER BY mc.ordinal",
    )
    .bind(version_id)
    .fetch_all(&mut *tx)
    .await?;
    let mut consignment_ids = Vec::with_capacity(listed.len());
    let mut consignment_versions = Vec::with_capacity(listed.len());
    for row in listed {
        let record: Vec<u8> = row.try_get("record")?;
        manifest.consignments.push(
            Consignment::decode(record.as_slice())
                .map_err(|_| IntakeError::Internal("a stored consignment does not decode"))?,
        );
        let id: Uuid = row.try_get("consignment_id")?;
        consignment_ids.push(id.to_string());
        let version: i32 = row.try_get("version")?;
        consignment_versions.push(u32::try_from(version).unwrap_or(0));
    }
    audit::audit(
        &mut tx,
        AuditEntry {
            actor: &caller.subject,
            agency: &caller.agency,
            action: "manifest.read",
            resource_type: "manifest",
            resource_ids: vec![manifest_id.to_string()],
            reason: Some(&reason),
        },
    )
    .await?;
    tx.commit().await?;
    let version: i32 = row.try_get("version")?;
    Ok(GetManifestResponse {
        manifest_id: manifest_id.to_string(),
        manifest: Some(manifest),
        message_id: row.try_get("message_id")?,
        agency: row.try_get("agency")?,
        accepted_at: Some(to_timestamp(row.try_get("received_at")?)),
        consignment_ids,
        version: u32::try_from(version).unwrap_or(0),
        consignment_versions,
    })
}

/// A consignment version of `caller`'s agency, audited, with the movements that carry it; not
/// found when the manifest that brought the version is outside the caller's scope.
pub async fn get_consignment(
    pool: &PgPool,
    caller: &Caller,
    scope: &Scope,
    request: GetConsignmentRequest,
) -> Result<GetConsignmentResponse, IntakeError> {
    let reason = audit::reason(&request.reason).map_err(IntakeError::Invalid)?;
    let consignment_id = Uuid::parse_str(request.consignment_id.trim()).map_err(|_| {
        let mut v = FieldViolations::new();
        v.add("consignment_id", "must be a consignment id (UUID)");
        IntakeError::Invalid(v)
    })?;
    let version = i32::try_from(request.version).map_err(|_| {
        let mut v = FieldViolations::new();
        v.add("version", "is not a version of any consignment");
        IntakeError::Invalid(v)
    })?;
    let mut tx = pool.begin().await?;
    let row = sqlx::query(
        "SELECT cv.version, c.version AS current_version, cv.record, c.first_seen_at,
             c.consignee_history, c.consignor_history
         FROM consignments c
         JOIN consignment_versions cv ON cv.consignment_id = c.consignment_id
         LEFT JOIN manifest_versions mv ON mv.version_id = cv.manifest_version_id
         LEFT JOIN manifests m ON m.manifest_id = mv.manifest_id
         WHERE c.consignment_id = $1 AND c.agency = $2
           AND cv.version = CASE WHEN $3 = 0 THEN c.version ELSE $3 END
           AND ($4::text[] IS NULL OR m.place_of_entry = ANY($4)
                OR mv.port_of_discharge = ANY($4)
                -- A waybill on file: where it is bound.
                OR (cv.receipt_id IS NOT NULL AND cv.port_of_discharge = ANY($4)))",
    )
    .bind(consignment_id)
    .bind(&caller.agency)
    .bind(version)
    .bind(scope.locations())
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        return Err(IntakeError::NotFound("consignment"));
    };
    let movements = sqlx::query(
        "SELECT DISTINCT m.manifest_id, m.version, m.mode, m.carrier, m.voyage_number,
             m.place_of_entry, mv.vessel_name, mv.estimated_arrival
         FROM consignment_versions cv
         JOIN manifest_consignments mc ON mc.consignment_version_id = cv.version_id
         JOIN manifest_versions mv ON mv.version_id = mc.manifest_version_id
         JOIN manifests m ON m.manifest_id = mv.manifest_id AND m.current_version_id = mv.version_id
         WHERE cv.consignment_id = $1
         ORDER BY mv.estimated_arrival",
    )
    .bind(consignment_id)
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .map(|m| {
        let manifest_id: Uuid = m.try_get("manifest_id")?;
        let version: i32 = m.try_get("version")?;
        let mode: String = m.try_get("mode")?;
        let arrival: Option<DateTime<Utc>> = m.try_get("estimated_arrival")?;
        Ok(ConsignmentMovement {
            manifest_id: manifest_id.to_string(),
            manifest_version: u32::try_from(version).unwrap_or(0),
            mode: mode_from_label(&mode) as i32,
            carrier: m.try_get("carrier")?,
            voyage_number: m.try_get("voyage_number")?,
            vessel_name: m.try_get("vessel_name")?,
            place_of_entry: m.try_get("place_of_entry")?,
            estimated_arrival: arrival.map(to_timestamp),
        })
    })
    .collect::<Result<Vec<_>, sqlx::Error>>()?;
    audit::audit(
        &mut tx,
        AuditEntry {
            actor: &caller.subject,
            agency: &caller.agency,
            action: "consignment.read",
            resource_type: "consignment",
            resource_ids: vec![consignment_id.to_string()],
            reason: Some(&reason),
        },
    )
    .await?;
    tx.commit().await?;
    let record: Vec<u8> = row.try_get("record")?;
    let history = |column: &str| -> Result<Option<PartyHistory>, sqlx::Error> {
        let bytes: Option<Vec<u8>> = row.try_get(column)?;
        Ok(bytes.and_then(|b| PartyHistory::decode(b.as_slice()).ok()))
    };
    let version: i32 = row.try_get("version")?;
    let current: i32 = row.try_get("current_version")?;
    Ok(GetConsignmentResponse {
        consignment_id: consignment_id.to_string(),
        version: u32::try_from(version).unwrap_or(0),
        current_version: u32::try_from(current).unwrap_or(0),
        consignment: Some(
            Consignment::decode(record.as_slice())
                .map_err(|_| IntakeError::Internal("a stored consignment does not decode"))?,
        ),
        movements,
        consignee_history: history("consignee_history")?,
        consignor_history: history("consignor_history")?,
        first_seen_at: Some(to_timestamp(row.try_get("first_seen_at")?)),
    })
}

const DEFAULT_LIMIT: i32 = 100;
const MAX_LIMIT: i32 = 1_000;
/// Shortest part of a name searched for: shorter ones match too much to be a lead.
const MIN_NAME_PART: usize = 3;

/// What a search looks for, checked.
enum Criterion {
    Container(String),
    Document(String),
    Party(String),
    Imo(String),
    Vessel(String),
}

impl Criterion {
    fn action(&self) -> &'static str {
        match self {
            Self::Container(_) => "consignment.search.container",
            Self::Document(_) => "consignment.search.document",
            Self::Party(_) => "consignment.search.party",
            Self::Imo(_) => "consignment.search.imo",
            Self::Vessel(_) => "consignment.search.vessel",
        }
    }

    /// The SQL condition on `cv` (consignment version), `c` (consignment) and `mv` (manifest
    /// version), with the criterion's value as `$5`.
    fn condition(&self) -> &'static str {
        match self {
            Self::Container(_) => {
                "EXISTS (SELECT 1 FROM consignment_containers cc
                         WHERE cc.version_id = cv.version_id AND cc.number = $5)"
            }
            Self::Document(_) => "(c.document_number = $5 OR cv.master_document_number = $5)",
            Self::Party(_) => {
                "(cv.consignor_name ILIKE $5 OR cv.consignee_name ILIKE $5
                  OR cv.notify_name ILIKE $5)"
            }
            Self::Imo(_) => "mv.imo_number = $5",
            Self::Vessel(_) => "mv.vessel_name ILIKE $5",
        }
    }

    fn value(&self) -> String {
        match self {
            Self::Container(v) | Self::Document(v) | Self::Imo(v) => v.clone(),
            // A part of the name, with LIKE's own characters taken literally.
            Self::Party(v) | Self::Vessel(v) => {
                let escaped = v
                    .replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_");
                format!("%{escaped}%")
            }
        }
    }
}

fn criterion(request: &SearchConsignmentsRequest) -> Result<Criterion, FieldViolations> {
    let mut v = FieldViolations::new();
    let given: Vec<(&str, &str)> = [
        ("container_number", request.container_number.trim()),
        (
            "transport_document_number",
            request.transport_document_number.trim(),
        ),
        ("party_name", request.party_name.trim()),
        ("imo_number", request.imo_number.trim()),
        ("vessel_name", request.vessel_name.trim()),
    ]
    .into_iter()
    .filter(|(_, value)| !value.is_empty())
    .collect();
    let [(field, value)] = given.as_slice() else {
        v.add(
            "container_number",
            "exactly one of container_number, transport_document_number, party_name, \
             imo_number and vessel_name is required",
        );
        return Err(v);
    };
    let compact = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_uppercase())
            .collect()
    };
    let criterion = match *field {
        "container_number" => Criterion::Container(compact(value)),
        // An air waybill in any of its spellings (`235-1234 5675`) as stored (`235-12345675`).
        "transport_document_number" => Criterion::Document(
            gatehouse_checks::AirWaybillNumber::parse(&compact(value))
                .map_or_else(|_| value.to_ascii_uppercase(), |awb| awb.to_string()),
        ),
        "imo_number" => match ImoNumber::parse(value) {
            Ok(imo) => Criterion::Imo(format!("{:07}", imo.value())),
            Err(_) => {
                v.add(
                    "imo_number",
                    "must be an IMO number with a valid check digit",
                );
                return Err(v);
            }
        },
        name_field => {
            if value.chars().count() < MIN_NAME_PART {
                v.add(
                    name_field.to_owned(),
                    format!("at least {MIN_NAME_PART} characters"),
                );
                return Err(v);
            }
            if name_field == "party_name" {
                Criterion::Party((*value).to_owned())
            } else {
                Criterion::Vessel((*value).to_owned())
            }
        }
    };
    Ok(criterion)
}

fn day(value: &str, field: &str, v: &mut FieldViolations) -> Option<NaiveDate> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    let parsed = NaiveDate::parse_from_str(value, "%Y-%m-%d").ok();
    if parsed.is_none() {
        v.add(field.to_owned(), "must be a date (YYYY-MM-DD)");
    }
    parsed
}

/// Current consignment versions of `caller`'s agency matching the request, within the caller's
/// scope, newest arrival first; the search is audited with its kind and reason (never its value)
/// and the ids it returned.
pub async fn search_consignments(
    pool: &PgPool,
    caller: &Caller,
    scope: &Scope,
    request: SearchConsignmentsRequest,
) -> Result<SearchConsignmentsResponse, IntakeError> {
    let reason = audit::reason(&request.reason).map_err(IntakeError::Invalid)?;
    let criterion = criterion(&request).map_err(IntakeError::Invalid)?;
    let mut v = FieldViolations::new();
    let from = day(&request.arrival_from, "arrival_from", &mut v);
    let to = day(&request.arrival_to, "arrival_to", &mut v);
    if let (Some(from), Some(to)) = (from, to)
        && to < from
    {
        v.add("arrival_to", "must not be before arrival_from");
    }
    let limit = match request.limit {
        0 => DEFAULT_LIMIT,
        n if (1..=MAX_LIMIT).contains(&n) => n,
        _ => {
            v.add("limit", format!("between 1 and {MAX_LIMIT}"));
            DEFAULT_LIMIT
        }
    };
    v.into_result().map_err(IntakeError::Invalid)?;
    let sql = format!(
        "SELECT c.consignment_id, cv.version, cv.record, m.manifest_id,
             COALESCE(m.place_of_entry, cv.port_of_discharge) AS place_of_entry,
             mv.header, mv.estimated_arrival, COALESCE(mv.vessel_name, '') AS vessel_name
         FROM consignments c
         JOIN consignment_versions cv ON cv.version_id = c.current_version_id
         -- None for a waybill on file (an FWB or FHL no flight manifest lists yet).
         LEFT JOIN manifest_versions mv ON mv.version_id = cv.manifest_version_id
         LEFT JOIN manifests m ON m.manifest_id = mv.manifest_id
         WHERE c.agency = $1
           AND ($2::text[] IS NULL OR m.place_of_entry = ANY($2) OR mv.port_of_discharge = ANY($2)
                OR (cv.receipt_id IS NOT NULL AND cv.port_of_discharge = ANY($2)))
           AND ($3::date IS NULL OR mv.estimated_arrival >= $3::date)
           AND ($4::date IS NULL OR mv.estimated_arrival < $4::date + 1)
           AND {}
         ORDER BY mv.estimated_arrival DESC NULLS LAST, c.consignment_id
         LIMIT $6",
        criterion.condition()
    );
    let mut tx = pool.begin().await?;
    let rows = sqlx::query(&sql)
        .bind(&caller.agency)
        .bind(scope.locations())
        .bind(from)
        .bind(to)
        .bind(criterion.value())
        .bind(i64::from(limit))
        .fetch_all(&mut *tx)
        .await?;
    let mut found = Vec::with_capacity(rows.len());
    let mut ids = Vec::with_capacity(rows.len());
    for row in rows {
        let consignment_id: Uuid = row.try_get("consignment_id")?;
        let manifest_id: Option<Uuid> = row.try_get("manifest_id")?;
        let record: Vec<u8> = row.try_get("record")?;
        let header: Vec<u8> = row
            .try_get::<Option<Vec<u8>>, _>("header")?
            .unwrap_or_default();
        let consignment = Consignment::decode(record.as_slice())
            .map_err(|_| IntakeError::Internal("a stored consignment does not decode"))?;
        let manifest = CargoManifest::decode(header.as_slice())
            .map_err(|_| IntakeError::Internal("a stored manifest header does not decode"))?;
        let version: i32 = row.try_get("version")?;
        let arrival: Option<DateTime<Utc>> = row.try_get("estimated_arrival")?;
        ids.push(consignment_id.to_string());
        found.push(ConsignmentFound {
            summary: Some(ConsignmentSummary::of(
                &manifest_id.map(|id| id.to_string()).unwrap_or_default(),
                &consignment_id.to_string(),
                &manifest,
                &consignment,
            )),
            version: u32::try_from(version).unwrap_or(0),
            place_of_entry: row.try_get("place_of_entry")?,
            estimated_arrival: arrival.map(to_timestamp),
            vessel_name: row.try_get("vessel_name")?,
        });
    }
    audit::audit(
        &mut tx,
        AuditEntry {
            actor: &caller.subject,
            agency: &caller.agency,
            action: criterion.action(),
            resource_type: "consignment",
            resource_ids: ids,
            reason: Some(&reason),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(SearchConsignmentsResponse {
        consignments: found,
    })
}

fn mode_from_label(label: &str) -> TransportMode {
    match label {
        "sea" => TransportMode::Sea,
        "air" => TransportMode::Air,
        "road" => TransportMode::Road,
        "rail" => TransportMode::Rail,
        _ => TransportMode::Unspecified,
    }
}
