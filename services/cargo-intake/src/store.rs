//! SQL of the cargo tables. A batch costs the same few statements whatever its size: movements
//! and consignments upserted with one `UNNEST` each, the parties' history read under locks, then
//! manifest versions, consignment versions, their listing, containers and the parties' history
//! written in one statement with every table bound as typed column arrays.

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
/// results, with the consignments the version listed.
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
         WHERE v.agency = $1 AND v.message_id = ANY($2)",
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
                    manifest_id: row.try_get("manifest_id")?,
                    accepted_at: row.try_get("received_at")?,
                    version: u32::try_from(version).unwrap_or(0),
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

/// One statement writing a batch. Everything else is written for the manifest versions that
/// were inserted only, so a version whose message id a concurrent batch took leaves nothing
/// behind (the caller then rolls back and tries again); foreign keys are checked at the end of
/// the statement, when every row is in.
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
    let consignments = insert(
        &CONSIGNMENT_VERSIONS,
        "WHERE u.manifest_version_id IN (SELECT version_id FROM v) RETURNING version_id",
    );
    let listed = insert(
        &MANIFEST_CONSIGNMENTS,
        "WHERE u.manifest_version_id IN (SELECT version_id FROM v)",
    );
    let containers = insert(
        &CONTAINERS,
        "WHERE u.version_id IN (SELECT version_id FROM cv)",
    );
    let parties = insert(
        &PARTY_HISTORY,
        "ON CONFLICT (agency, role, party_key) DO UPDATE SET
             last_seen_at = EXCLUDED.last_seen_at,
             consignments = EXCLUDED.consignments,
             origins = EXCLUDED.origins",
    );
    // The histories of the consignments first seen in the batch, an empty value for none.
    let histories = format!(
        "UPDATE consignments c SET consignee_history = NULLIF(u.consignee, ''::bytea),
             consignor_history = NULLIF(u.consignor, ''::bytea)
         FROM UNNEST(${}::uuid[], ${}::bytea[], ${}::bytea[]) AS u(id, consignee, consignor)
         WHERE c.consignment_id = u.id",
        next,
        next + 1,
        next + 2
    );
    debug_assert_eq!(HISTORIES.columns.len(), 3);
    format!(
        "WITH v AS ({versions}),
         cv AS ({consignments}),
         mc AS ({listed}),
         cc AS ({containers}),
         ph AS ({parties}),
         ch AS ({histories})
         SELECT version_id, received_at FROM v"
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

/// A consignment version to store.
pub struct NewConsignmentVersion<'a> {
    pub version_id: Uuid,
    pub consignment_id: Uuid,
    pub version: i32,
    /// The manifest version that sent it, and where in that manifest.
    pub manifest_version_id: Uuid,
    pub ordinal: usize,
    pub consignment: &'a Consignment,
}

/// The rows of a batch, pushed by [`crate::batch`].
pub struct BatchRows<'a> {
    pub versions: Rows<'a>,
    pub consignments: Rows<'a>,
    pub listed: Rows<'a>,
    pub containers: Rows<'a>,
    pub parties: Rows<'a>,
    pub histories: Rows<'a>,
}

impl<'a> BatchRows<'a> {
    pub fn new() -> Self {
        Self {
            versions: Rows::new(&MANIFEST_VERSIONS),
            consignments: Rows::new(&CONSIGNMENT_VERSIONS),
            listed: Rows::new(&MANIFEST_CONSIGNMENTS),
            containers: Rows::new(&CONTAINERS),
            parties: Rows::new(&PARTY_HISTORY),
            histories: Rows::new(&HISTORIES),
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
            manifest_version_id,
            ordinal,
            consignment,
        } = new;
        let record = consignment.encode_to_vec();
        let party = |p: &'a Option<Party>, f: fn(&Party) -> &String| {
            text(p.as_ref().map_or("", |p| f(p).as_str()))
        };
        self.consignments.push([
            ("version_id", Cell::Uuid(version_id)),
            ("consignment_id", Cell::Uuid(consignment_id)),
            ("version", int(version)),
            ("manifest_version_id", Cell::Uuid(manifest_version_id)),
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

/// Writes the batch; returns when each manifest version was received, by version id. A version
/// missing from the answer had its message id taken by a concurrent batch.
pub async fn insert_batch(
    conn: &mut PgConnection,
    rows: BatchRows<'_>,
) -> Result<HashMap<Uuid, DateTime<Utc>>, sqlx::Error> {
    let query = sqlx::query(INSERT_BATCH.as_str());
    let query = rows.versions.bind(query);
    let query = rows.consignments.bind(query);
    let query = rows.listed.bind(query);
    let query = rows.containers.bind(query);
    let query = rows.parties.bind(query);
    let query = rows.histories.bind(query);
    query
        .fetch_all(conn)
        .await?
        .into_iter()
        .map(|row| Ok((row.try_get("version_id")?, row.try_get("received_at")?)))
        .collect()
}
