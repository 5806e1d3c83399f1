//! SQL of the cargo tables. A batch costs the same few statements whatever its size: movements
//! and consignments upserted with one `UNNEST` each; manifest versions, waybill receipts,
//! consignment versions, their listing and containers written in one statement with every table
//! bound as typed column arrays; then the parties' history read under locks and written in one
//! more, the last before the commit.

use std::{collections::HashMap, sync::LazyLock};

use chrono::{DateTime, NaiveDate, Utc};
use gatehouse_platform::rows::{
    Cell, Kind, Rows, Table, insert_sql, int, owned, text, text_array, time,
};
use gatehouse_proto::v1::{CargoManifest, Consignment, Conveyance, Party, PartyHistory};
use prost::Message;
use sqlx::{PgConnection, Row};
use uuid::Uuid;

use crate::batch::Outcome;

/// The versions among `message_ids` that `agency` received before, by message id: their first
/// results, with the consignments the version listed (for a waybill message, the consignments
/// it put on file and the first one's version).
pub async fn find_versions(
    conn: &mut PgConnection,
    agency: &str,
    message_ids: &[&str],
) -> Result<HashMap<String, Outcome>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT v.message_id, v.manifest_id, v.version, v.received_at,
             CASE WHEN v.function = 'cancel' THEN v.withdrawn::uuid[]
                 ELSE ARRAY(SELECT cv.consignment_id FROM consignment_versions cv
                            WHERE cv.manifest_version_id = v.version_id ORDER BY cv.ordinal)
            END AS consignment_ids
         FROM manifest_versions v
         WHERE v.agency = $1 AND v.message_id = ANY($2)
         UNION ALL
         SELECT w.message_id, NULL,
             (SELECT cv.version FROM consignment_versions cv
              WHERE cv.receipt_id = w.receipt_id ORDER BY cv.ordinal LIMIT 1),
             w.received_at,
             ARRAY(SELECT cv.consignment_id FROM consignment_versions cv
                   WHERE cv.receipt_id = w.receipt_id ORDER BY cv.ordinal)
         FROM waybill_messages w
         WHERE w.agency = $1 AND w.message_id = ANY($2)",
    )
    .bind(agency)
    .bind(message_ids)
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|row| {
            let version: Option<i32> = row.try_get("version")?;
            let manifest_id: Option<Uuid> = row.try_get("manifest_id")?;
            Ok((
                row.try_get("message_id")?,
                Outcome {
                    manifest_id: manifest_id.unwrap_or_default(),
                    accepted_at: row.try_get("received_at")?,
                    version: version.and_then(|v| u32::try_from(v).ok()).unwrap_or(0),
                    consignment_ids: row.try_get("consignment_ids")?,
                    duplicate: true,
                },
            ))
        })
        .collect()
}

/// Natural key of a movement within an agency: mode, carrier, voyage, place of entry and, for
/// air, the arrival date.
pub type MovementKey = (String, String, String, String, Option<NaiveDate>);

/// What a batch does to one movement.
pub struct MovementChange<'a> {
    pub key: &'a MovementKey,
    /// Id the movement gets if it is new.
    pub new_id: Uuid,
    /// Manifests of the batch for it: the version goes up by as many.
    pub versions: i32,
    pub latest_version_id: Uuid,
    /// The latest manifest of the batch is a CANCEL.
    pub cancelled: bool,
}

/// Creates or advances the movements; returns each one's id and version after the batch, by key.
/// The row locks taken here order concurrent batches touching the same movement; `changes` must
/// be sorted by key and hold each key once.
pub async fn upsert_movements(
    conn: &mut PgConnection,
    agency: &str,
    changes: &[MovementChange<'_>],
) -> Result<HashMap<MovementKey, (Uuid, i32)>, sqlx::Error> {
    let column = |f: fn(&MovementKey) -> &String| -> Vec<&str> {
        changes.iter().map(|c| f(c.key).as_str()).collect()
    };
    let rows = sqlx::query(
        "INSERT INTO manifests (manifest_id, agency, mode, carrier, voyage_number, place_of_entry,
             arrival_date, version, cancelled, current_version_id)
         SELECT m.id, $1, m.mode, m.carrier, m.voyage, m.place, m.arrival, m.versions,
             m.cancelled, m.latest
         FROM UNNEST($2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::date[],
                     $8::int[], $9::bool[], $10::uuid[])
             AS m(id, mode, carrier, voyage, place, arrival, versions, cancelled, latest)
         ON CONFLICT (agency, mode, carrier, voyage_number, place_of_entry, arrival_date)
         DO UPDATE SET version = manifests.version + EXCLUDED.version,
             cancelled = EXCLUDED.cancelled,
             current_version_id = EXCLUDED.current_version_id,
             updated_at = now()
         RETURNING manifest_id, mode, carrier, voyage_number, place_of_entry, arrival_date, version",
    )
    .bind(agency)
    .bind(changes.iter().map(|c| c.new_id).collect::<Vec<_>>())
    .bind(column(|k| &k.0))
    .bind(column(|k| &k.1))
    .bind(column(|k| &k.2))
    .bind(column(|k| &k.3))
    .bind(changes.iter().map(|c| c.key.4).collect::<Vec<_>>())
    .bind(changes.iter().map(|c| c.versions).collect::<Vec<_>>())
    .bind(changes.iter().map(|c| c.cancelled).collect::<Vec<_>>())
    .bind(changes.iter().map(|c| c.latest_version_id).collect::<Vec<_>>())
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|row| {
            let key = (
                row.try_get("mode")?,
                row.try_get("carrier")?,
                row.try_get("voyage_number")?,
                row.try_get("place_of_entry")?,
                row.try_get("arrival_date")?,
            );
            Ok((key, (row.try_get("manifest_id")?, row.try_get("version")?)))
        })
        .collect()
}

/// A consignment version a stored manifest version lists.
pub struct Listed {
    pub consignment_id: Uuid,
    pub consignment_version_id: Uuid,
    pub version: i32,
    pub issuer: String,
    pub document_number: String,
}

/// What the given versions (manifest id, version) of stored movements list, in order: what an
/// UPDATE carries over.
pub async fn listed_by_versions(
    conn: &mut PgConnection,
    versions: &[(Uuid, i32)],
) -> Result<HashMap<(Uuid, i32), Vec<Listed>>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT v.manifest_id, v.version AS manifest_version, c.consignment_id,
             cv.version_id, cv.version, c.issuer, c.document_number
         FROM UNNEST($1::uuid[], $2::int[]) AS k(manifest_id, version)
         JOIN manifest_versions v ON v.manifest_id = k.manifest_id AND v.version = k.version
         JOIN manifest_consignments mc ON mc.manifest_version_id = v.version_id
         JOIN consignment_versions cv ON cv.version_id = mc.consignment_version_id
         JOIN consignments c ON c.consignment_id = cv.consignment_id
         ORDER BY v.manifest_id, mc.ordinal",
    )
    .bind(versions.iter().map(|v| v.0).collect::<Vec<_>>())
    .bind(versions.iter().map(|v| v.1).collect::<Vec<_>>())
    .fetch_all(conn)
    .await?;
    let mut listed: HashMap<(Uuid, i32), Vec<Listed>> = HashMap::new();
    for row in rows {
        listed
            .entry((
                row.try_get("manifest_id")?,
                row.try_get("manifest_version")?,
            ))
            .or_default()
            .push(Listed {
                consignment_id: row.try_get("consignment_id")?,
                consignment_version_id: row.try_get("version_id")?,
                version: row.try_get("version")?,
                issuer: row.try_get("issuer")?,
                document_number: row.try_get("document_number")?,
            });
    }
    Ok(listed)
}

/// Natural key of a consignment within an agency: issuer and transport document number.
pub type ConsignmentKey = (String, String);

/// What a batch does to one consignment.
pub struct ConsignmentChange<'a> {
    pub key: &'a ConsignmentKey,
    pub new_id: Uuid,
    pub versions: i32,
    pub latest_version_id: Uuid,
}

/// Creates or advances the consignments; returns each one's id and version after the batch, by
/// key. Same ordering rule as [`upsert_movements`].
pub async fn upsert_consignments(
    conn: &mut PgConnection,
    agency: &str,
    changes: &[ConsignmentChange<'_>],
) -> Result<HashMap<ConsignmentKey, (Uuid, i32)>, sqlx::Error> {
    let rows = sqlx::query(
        "INSERT INTO consignments (consignment_id, agency, issuer, document_number, version,
             current_version_id)
         SELECT c.id, $1, c.issuer, c.number, c.versions, c.latest
         FROM UNNEST($2::uuid[], $3::text[], $4::text[], $5::int[], $6::uuid[])
             AS c(id, issuer, number, versions, latest)
         ON CONFLICT (agency, issuer, document_number)
         DO UPDATE SET version = consignments.version + EXCLUDED.version,
             current_version_id = EXCLUDED.current_version_id,
             updated_at = now()
         RETURNING consignment_id, issuer, document_number, version",
    )
    .bind(agency)
    .bind(changes.iter().map(|c| c.new_id).collect::<Vec<_>>())
    .bind(changes.iter().map(|c| c.key.0.as_str()).collect::<Vec<_>>())
    .bind(changes.iter().map(|c| c.key.1.as_str()).collect::<Vec<_>>())
    .bind(changes.iter().map(|c| c.versions).collect::<Vec<_>>())
    .bind(
        changes
            .iter()
            .map(|c| c.latest_version_id)
            .collect::<Vec<_>>(),
    )
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|row| {
            let key = (row.try_get("issuer")?, row.try_get("document_number")?);
            Ok((
                key,
                (row.try_get("consignment_id")?, row.try_get("version")?),
            ))
        })
        .collect()
}

/// The parties' history stored with consignments first seen before this batch, by id:
/// (consignee, consignor).
pub async fn stored_histories(
    conn: &mut PgConnection,
    consignment_ids: &[Uuid],
) -> Result<HashMap<Uuid, [Option<PartyHistory>; 2]>, sqlx::Error> {
    if consignment_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = sqlx::query(
        "SELECT consignment_id, consignee_history, consignor_history FROM consignments
         WHERE consignment_id = ANY($1)",
    )
    .bind(consignment_ids)
    .fetch_all(conn)
    .await?;
    let decode =
        |bytes: Option<Vec<u8>>| bytes.and_then(|b| PartyHistory::decode(b.as_slice()).ok());
    rows.into_iter()
        .map(|row| {
            Ok((
                row.try_get("consignment_id")?,
                [
                    decode(row.try_get("consignee_history")?),
                    decode(row.try_get("consignor_history")?),
                ],
            ))
        })
        .collect()
}

/// A party's history as stored.
#[derive(Debug, Clone, Default)]
pub struct PartyRow {
    pub first_seen_at: Option<DateTime<Utc>>,
    pub consignments: i32,
    pub origins: Vec<String>,
}

/// A party in a role: `consignee` or `consignor`, and its key.
pub type PartyId = (&'static str, Uuid);

/// Locks the parties' history rows for this transaction, then reads them. The lock is its own
/// statement: under READ COMMITTED the read's snapshot then follows any batch that held them,
/// so two batches never both see a party as new.
pub async fn lock_and_read_parties(
    conn: &mut PgConnection,
    agency: &str,
    parties: &[PartyId],
) -> Result<HashMap<PartyId, PartyRow>, sqlx::Error> {
    if parties.is_empty() {
        return Ok(HashMap::new());
    }
    let mut locks: Vec<i64> = parties
        .iter()
        .map(|&(role, key)| lock_key(agency, role, key))
        .collect();
    locks.sort_unstable();
    locks.dedup();
    sqlx::query("SELECT count(pg_advisory_xact_lock(k)) FROM UNNEST($1::int8[]) AS k")
        .bind(&locks)
        .execute(&mut *conn)
        .await?;
    let roles: Vec<&str> = parties.iter().map(|p| p.0).collect();
    let keys: Vec<Uuid> = parties.iter().map(|p| p.1).collect();
    let rows = sqlx::query(
        "SELECT h.role, h.party_key, h.first_seen_at, h.consignments, h.origins
         FROM UNNEST($2::text[], $3::uuid[]) AS p(role, party_key)
         JOIN party_history h
             ON h.agency = $1 AND h.role = p.role AND h.party_key = p.party_key",
    )
    .bind(agency)
    .bind(&roles)
    .bind(&keys)
    .fetch_all(conn)
    .await?;
    let mut found = HashMap::with_capacity(rows.len());
    for row in rows {
        let role: String = row.try_get("role")?;
        let Some(&(role, _)) = parties.iter().find(|p| p.0 == role) else {
            continue;
        };
        found.insert(
            (role, row.try_get("party_key")?),
            PartyRow {
                first_seen_at: row.try_get("first_seen_at")?,
                consignments: row.try_get("consignments")?,
                origins: row.try_get("origins")?,
            },
        );
    }
    Ok(found)
}

/// An advisory lock id for a party: the first eight bytes of a name-based UUID of it (a
/// collision only makes two batches wait for each other).
fn lock_key(agency: &str, role: &str, key: Uuid) -> i64 {
    let name = format!("party\u{1f}{agency}\u{1f}{role}");
    let id = Uuid::new_v5(&key, name.as_bytes());
    let bytes = id.as_bytes();
    i64::from_be_bytes([
        bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
    ])
}

use Kind::{Bytes, Float, Int, Text, TextArray, Time};

static MANIFEST_VERSIONS: Table = Table {
    name: "manifest_versions",
    columns: &[
        ("version_id", Kind::Uuid),
        ("manifest_id", Kind::Uuid),
        ("version", Int),
        ("agency", Text),
        ("message_id", Text),
        ("function", Text),
        ("manifest_ref", Text),
        ("sender", Text),
        ("vessel_name", Text),
        ("imo_number", Text),
        ("conveyance_nationality", Text),
        ("port_of_loading", Text),
        ("port_of_discharge", Text),
        ("estimated_arrival", Time),
        ("estimated_departure", Time),
        ("consignment_count", Int),
        ("withdrawn", TextArray),
        ("header", Bytes),
    ],
};

static CONSIGNMENT_VERSIONS: Table = Table {
    name: "consignment_versions",
    columns: &[
        ("version_id", Kind::Uuid),
        ("consignment_id", Kind::Uuid),
        ("version", Int),
        ("manifest_version_id", Kind::Uuid),
        ("receipt_id", Kind::Uuid),
        ("ordinal", Int),
        ("master_document_number", Text),
        ("consignor_name", Text),
        ("consignor_country", Text),
        ("consignee_name", Text),
        ("consignee_country", Text),
        ("notify_name", Text),
        ("port_of_loading", Text),
        ("port_of_discharge", Text),
        ("gross_weight_kg", Float),
        ("package_count", Int),
        ("record", Bytes),
    ],
};

static MANIFEST_CONSIGNMENTS: Table = Table {
    name: "manifest_consignments",
    columns: &[
        ("manifest_version_id", Kind::Uuid),
        ("ordinal", Int),
        ("consignment_version_id", Kind::Uuid),
    ],
};

static WAYBILL_MESSAGES: Table = Table {
    name: "waybill_messages",
    columns: &[
        ("receipt_id", Kind::Uuid),
        ("agency", Text),
        ("message_id", Text),
    ],
};

static CONTAINERS: Table = Table {
    name: "consignment_containers",
    columns: &[
        ("version_id", Kind::Uuid),
        ("ordinal", Int),
        ("number", Text),
        ("size_type", Text),
    ],
};

static HISTORIES: Table = Table {
    name: "consignments",
    columns: &[
        ("consignment_id", Kind::Uuid),
        ("consignee_history", Bytes),
        ("consignor_history", Bytes),
    ],
};

static PARTY_HISTORY: Table = Table {
    name: "party_history",
    columns: &[
        ("agency", Text),
        ("role", Text),
        ("party_key", Kind::Uuid),
        ("first_seen_at", Time),
        ("last_seen_at", Time),
        ("consignments", Int),
        ("origins", TextArray),
    ],
};

/// One statement writing a batch. Everything else is written for the manifest versions and
/// waybill messages that were inserted only, so one whose message id a concurrent batch took
/// leaves nothing behind (the caller then rolls back and tries again); foreign keys are checked
/// at the end of the statement, when every row is in.
static INSERT_BATCH: LazyLock<String> = LazyLock::new(|| {
    let mut next = 1;
    let mut insert = |table: &Table, tail: &str| {
        let sql = insert_sql(table, next, tail);
        next += table.columns.len();
        sql
    };
    let versions = insert(
        &MANIFEST_VERSIONS,
        "ON CONFLICT (agency, message_id) DO NOTHING RETURNING version_id, received_at",
    );
    let receipts = insert(
        &WAYBILL_MESSAGES,
        "ON CONFLICT (agency, message_id) DO NOTHING RETURNING receipt_id, received_at",
    );
    let consignments = insert(
        &CONSIGNMENT_VERSIONS,
        "WHERE u.manifest_version_id IN (SELECT version_id FROM v)
             OR u.receipt_id IN (SELECT receipt_id FROM w)
         RETURNING version_id",
    );
    let listed = insert(
        &MANIFEST_CONSIGNMENTS,
        "WHERE u.manifest_version_id IN (SELECT version_id FROM v)",
    );
    let containers = insert(
        &CONTAINERS,
        "WHERE u.version_id IN (SELECT version_id FROM cv)",
    );
    format!(
        "WITH v AS ({versions}),
         w AS ({receipts}),
         cv AS ({consignments}),
         mc AS ({listed}),
         cc AS ({containers})
         SELECT version_id, received_at FROM v
         UNION ALL SELECT receipt_id, received_at FROM w"
    )
});

/// One statement writing the parties' history of a batch and the histories of its consignments
/// first seen, the last before the commit: the parties' locks are held from their read to the
/// commit, so what runs between is what concurrent batches of the same parties wait for.
static WRITE_HISTORIES: LazyLock<String> = LazyLock::new(|| {
    let parties = insert_sql(
        &PARTY_HISTORY,
        1,
        "ON CONFLICT (agency, role, party_key) DO UPDATE SET
             last_seen_at = EXCLUDED.last_seen_at,
             consignments = EXCLUDED.consignments,
             origins = EXCLUDED.origins",
    );
    let next = PARTY_HISTORY.columns.len() + 1;
    debug_assert_eq!(HISTORIES.columns.len(), 3);
    // An empty value for a party without history.
    format!(
        "WITH ph AS ({parties})
         UPDATE consignments c SET consignee_history = NULLIF(u.consignee, ''::bytea),
             consignor_history = NULLIF(u.consignor, ''::bytea)
         FROM UNNEST(${}::uuid[], ${}::bytea[], ${}::bytea[]) AS u(id, consignee, consignor)
         WHERE c.consignment_id = u.id",
        next,
        next + 1,
        next + 2
    )
});

/// A manifest version to store.
pub struct NewManifestVersion<'a> {
    pub version_id: Uuid,
    pub manifest_id: Uuid,
    pub version: i32,
    pub message_id: &'a str,
    pub function: String,
    /// As validated; stored without its consignments (those are rows of their own).
    pub manifest: &'a CargoManifest,
    /// Consignments the version lists.
    pub consignment_count: usize,
    /// For a CANCEL, the consignments it withdrew (nil for a named one not listed before).
    pub withdrawn: Vec<Uuid>,
}

/// Where a consignment version comes from.
#[derive(Debug, Clone, Copy)]
pub enum Source {
    /// The manifest version that lists it.
    Manifest(Uuid),
    /// The waybill message that put it on file.
    Waybill(Uuid),
}

/// A consignment version to store.
pub struct NewConsignmentVersion<'a> {
    pub version_id: Uuid,
    pub consignment_id: Uuid,
    pub version: i32,
    /// What sent it, and where in that message.
    pub source: Source,
    pub ordinal: usize,
    pub consignment: &'a Consignment,
}

/// The rows of a batch, pushed by [`crate::batch`].
pub struct BatchRows<'a> {
    pub versions: Rows<'a>,
    pub receipts: Rows<'a>,
    pub consignments: Rows<'a>,
    pub listed: Rows<'a>,
    pub containers: Rows<'a>,
}

/// The parties' history of a batch, written by [`write_histories`].
pub struct HistoryRows<'a> {
    parties: Rows<'a>,
    histories: Rows<'a>,
}

impl<'a> BatchRows<'a> {
    pub fn new() -> Self {
        Self {
            versions: Rows::new(&MANIFEST_VERSIONS),
            receipts: Rows::new(&WAYBILL_MESSAGES),
            consignments: Rows::new(&CONSIGNMENT_VERSIONS),
            listed: Rows::new(&MANIFEST_CONSIGNMENTS),
            containers: Rows::new(&CONTAINERS),
        }
    }

    pub fn push_version(&mut self, agency: &'a str, new: NewManifestVersion<'a>) {
        let NewManifestVersion {
            version_id,
            manifest_id,
            version,
            message_id,
            function,
            manifest,
            consignment_count,
            withdrawn,
        } = new;
        let withdrawn: Vec<String> = withdrawn.iter().map(ToString::to_string).collect();
        let header = CargoManifest {
            consignments: Vec::new(),
            ..manifest.clone()
        }
        .encode_to_vec();
        let conveyance = manifest.conveyance.as_ref();
        let of_conveyance =
            |f: fn(&Conveyance) -> &String| text(conveyance.map_or("", |c| f(c).as_str()));
        self.versions.push([
            ("version_id", Cell::Uuid(version_id)),
            ("manifest_id", Cell::Uuid(manifest_id)),
            ("version", int(version)),
            ("agency", text(agency)),
            ("message_id", text(message_id)),
            ("function", owned(function)),
            ("manifest_ref", text(&manifest.manifest_ref)),
            ("sender", text(&manifest.sender)),
            ("vessel_name", of_conveyance(|c| &c.name)),
            ("imo_number", of_conveyance(|c| &c.imo_number)),
            ("conveyance_nationality", of_conveyance(|c| &c.nationality)),
            ("port_of_loading", text(&manifest.port_of_loading)),
            ("port_of_discharge", text(&manifest.port_of_discharge)),
            (
                "estimated_arrival",
                time(manifest.estimated_arrival.as_ref()),
            ),
            (
                "estimated_departure",
                time(manifest.estimated_departure.as_ref()),
            ),
            ("consignment_count", int(consignment_count)),
            ("withdrawn", text_array(&withdrawn)),
            ("header", Cell::Bytes(header)),
        ]);
    }

    pub fn push_consignment(&mut self, new: NewConsignmentVersion<'a>) {
        let NewConsignmentVersion {
            version_id,
            consignment_id,
            version,
            source,
            ordinal,
            consignment,
        } = new;
        let (manifest_version_id, receipt_id) = match source {
            Source::Manifest(id) => (Some(id), None),
            Source::Waybill(id) => (None, Some(id)),
        };
        let record = consignment.encode_to_vec();
        let party = |p: &'a Option<Party>, f: fn(&Party) -> &String| {
            text(p.as_ref().map_or("", |p| f(p).as_str()))
        };
        self.consignments.push([
            ("version_id", Cell::Uuid(version_id)),
            ("consignment_id", Cell::Uuid(consignment_id)),
            ("version", int(version)),
            ("manifest_version_id", Cell::MaybeUuid(manifest_version_id)),
            ("receipt_id", Cell::MaybeUuid(receipt_id)),
            ("ordinal", int(ordinal)),
            (
                "master_document_number",
                text(&consignment.master_document_number),
            ),
            ("consignor_name", party(&consignment.consignor, |p| &p.name)),
            (
                "consignor_country",
                party(&consignment.consignor, |p| &p.country),
            ),
            ("consignee_name", party(&consignment.consignee, |p| &p.name)),
            (
                "consignee_country",
                party(&consignment.consignee, |p| &p.country),
            ),
            ("notify_name", party(&consignment.notify_party, |p| &p.name)),
            ("port_of_loading", text(&consignment.port_of_loading)),
            ("port_of_discharge", text(&consignment.port_of_discharge)),
            ("gross_weight_kg", Cell::Float(consignment.gross_weight_kg)),
            ("package_count", int(consignment.package_count)),
            ("record", Cell::Bytes(record)),
        ]);
        for (ordinal, container) in consignment.containers.iter().enumerate() {
            self.containers.push([
                ("version_id", Cell::Uuid(version_id)),
                ("ordinal", int(ordinal)),
                ("number", text(&container.number)),
                ("size_type", text(&container.size_type)),
            ]);
        }
    }

    /// A waybill message, whose consignment versions are pushed with [`Source::Waybill`].
    pub fn push_receipt(&mut self, agency: &'a str, receipt_id: Uuid, message_id: &'a str) {
        self.receipts.push([
            ("receipt_id", Cell::Uuid(receipt_id)),
            ("agency", text(agency)),
            ("message_id", text(message_id)),
        ]);
    }

    pub fn push_listed(
        &mut self,
        manifest_version_id: Uuid,
        ordinal: usize,
        consignment_version_id: Uuid,
    ) {
        self.listed.push([
            ("manifest_version_id", Cell::Uuid(manifest_version_id)),
            ("ordinal", int(ordinal)),
            ("consignment_version_id", Cell::Uuid(consignment_version_id)),
        ]);
    }
}

impl<'a> HistoryRows<'a> {
    pub fn new() -> Self {
        Self {
            parties: Rows::new(&PARTY_HISTORY),
            histories: Rows::new(&HISTORIES),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.parties.is_empty() && self.histories.is_empty()
    }

    /// The parties' history of a consignment first seen in this batch.
    pub fn push_histories(
        &mut self,
        consignment_id: Uuid,
        consignee: Option<&PartyHistory>,
        consignor: Option<&PartyHistory>,
    ) {
        let encoded = |h: Option<&PartyHistory>| {
            Cell::Bytes(h.map(Message::encode_to_vec).unwrap_or_default())
        };
        self.histories.push([
            ("consignment_id", Cell::Uuid(consignment_id)),
            ("consignee_history", encoded(consignee)),
            ("consignor_history", encoded(consignor)),
        ]);
    }

    pub fn push_party(
        &mut self,
        agency: &'a str,
        (role, key): PartyId,
        row: &PartyRow,
        seen_at: DateTime<Utc>,
    ) {
        self.parties.push([
            ("agency", text(agency)),
            ("role", text(role)),
            ("party_key", Cell::Uuid(key)),
            (
                "first_seen_at",
                Cell::Time(Some(row.first_seen_at.unwrap_or(seen_at))),
            ),
            ("last_seen_at", Cell::Time(Some(seen_at))),
            ("consignments", int(row.consignments)),
            (
                "origins",
                gatehouse_platform::rows::text_array(&row.origins),
            ),
        ]);
    }
}

/// Writes the batch; returns when each manifest version and waybill message was received, by
/// version or receipt id. One missing from the answer had its message id taken by a concurrent
/// batch.
pub async fn insert_batch(
    conn: &mut PgConnection,
    rows: BatchRows<'_>,
) -> Result<HashMap<Uuid, DateTime<Utc>>, sqlx::Error> {
    let query = sqlx::query(INSERT_BATCH.as_str());
    let query = rows.versions.bind(query);
    let query = rows.receipts.bind(query);
    let query = rows.consignments.bind(query);
    let query = rows.listed.bind(query);
    let query = rows.containers.bind(query);
    query
        .fetch_all(conn)
        .await?
        .into_iter()
        .map(|row| Ok((row.try_get("version_id")?, row.try_get("received_at")?)))
        .collect()
}

/// A consignment version as stored: its key and record.
#[derive(Debug, Clone)]
pub struct Filed {
    pub key: ConsignmentKey,
    pub record: Consignment,
}

fn decoded<T: Message + Default>(bytes: &[u8]) -> Result<T, sqlx::Error> {
    T::decode(bytes).map_err(|error| sqlx::Error::Decode(Box::new(error)))
}

/// The latest waybill on file of each of `masters` (air waybills) that has one, and of every
/// house waybill on file under them (whose issuer is the master's number).
pub async fn on_file(
    conn: &mut PgConnection,
    agency: &str,
    masters: &[ConsignmentKey],
) -> Result<Vec<Filed>, sqlx::Error> {
    if masters.is_empty() {
        return Ok(Vec::new());
    }
    let rows = sqlx::query(
        "SELECT DISTINCT ON (c.consignment_id) c.issuer, c.document_number, cv.record
         FROM consignments c
         JOIN consignment_versions cv
             ON cv.consignment_id = c.consignment_id AND cv.receipt_id IS NOT NULL
         WHERE c.agency = $1
             AND ((c.issuer, c.document_number) IN (SELECT * FROM UNNEST($2::text[], $3::text[]))
                  OR c.issuer = ANY($3))
         ORDER BY c.consignment_id, cv.version DESC",
    )
    .bind(agency)
    .bind(masters.iter().map(|k| k.0.as_str()).collect::<Vec<_>>())
    .bind(masters.iter().map(|k| k.1.as_str()).collect::<Vec<_>>())
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|row| {
            Ok(Filed {
                key: (row.try_get("issuer")?, row.try_get("document_number")?),
                record: decoded(row.try_get::<&[u8], _>("record")?)?,
            })
        })
        .collect()
}

/// A movement whose current version lists one of the masters asked for or a house under one.
#[derive(Debug, Clone)]
pub struct Listing {
    pub manifest_id: Uuid,
    /// The current version's header, without consignments.
    pub header: CargoManifest,
    /// The masters and houses of those it lists, as listed.
    pub listed: Vec<Filed>,
}

/// The movements (not cancelled) whose current versions list one of `masters` or a house
/// under one, in the order of their ids.
pub async fn listings(
    conn: &mut PgConnection,
    agency: &str,
    masters: &[ConsignmentKey],
) -> Result<Vec<Listing>, sqlx::Error> {
    if masters.is_empty() {
        return Ok(Vec::new());
    }
    let rows = sqlx::query(
        "SELECT m.manifest_id, mv.header, c.issuer, c.document_number, cv.record
         FROM consignments c
         JOIN consignment_versions cv
             ON cv.consignment_id = c.consignment_id AND cv.manifest_version_id IS NOT NULL
         JOIN manifest_consignments mc ON mc.consignment_version_id = cv.version_id
         JOIN manifests m ON m.current_version_id = mc.manifest_version_id AND NOT m.cancelled
         JOIN manifest_versions mv ON mv.version_id = m.current_version_id
         WHERE c.agency = $1
             AND ((c.issuer, c.document_number) IN (SELECT * FROM UNNEST($2::text[], $3::text[]))
                  OR c.issuer = ANY($3))
         ORDER BY m.manifest_id, mc.ordinal",
    )
    .bind(agency)
    .bind(masters.iter().map(|k| k.0.as_str()).collect::<Vec<_>>())
    .bind(masters.iter().map(|k| k.1.as_str()).collect::<Vec<_>>())
    .fetch_all(conn)
    .await?;
    let mut listings: Vec<Listing> = Vec::new();
    for row in rows {
        let manifest_id: Uuid = row.try_get("manifest_id")?;
        let filed = Filed {
            key: (row.try_get("issuer")?, row.try_get("document_number")?),
            record: decoded(row.try_get::<&[u8], _>("record")?)?,
        };
        match listings.last_mut() {
            Some(last) if last.manifest_id == manifest_id => last.listed.push(filed),
            _ => listings.push(Listing {
                manifest_id,
                header: decoded(row.try_get::<&[u8], _>("header")?)?,
                listed: vec![filed],
            }),
        }
    }
    Ok(listings)
}

/// Writes the parties' history of a batch (see [`WRITE_HISTORIES`]).
pub async fn write_histories(
    conn: &mut PgConnection,
    rows: HistoryRows<'_>,
) -> Result<(), sqlx::Error> {
    if rows.is_empty() {
        return Ok(());
    }
    let query = sqlx::query(WRITE_HISTORIES.as_str());
    let query = rows.parties.bind(query);
    rows.histories.bind(query).execute(conn).await?;
    Ok(())
}
