//! Storing a batch of valid manifests: one transaction with a handful of set-wise statements and
//! one outbox write, whatever the batch holds. A unary submission is a batch of one.
//!
//! Every manifest of a movement is a new version of it; every consignment it carries is a new
//! version of that consignment (transport document + issuer), so an amendment re-triggers
//! assessment. A REPLACE lists exactly its consignments, an UPDATE carries over those of the
//! version before that it does not mention, a CANCEL that names consignments withdraws those
//! from the listing and one that names none withdraws the movement. The event of a version
//! carries the consignments that version sent (what is new to assess, or what is withdrawn),
//! each with its record: id, version and, for a consignment seen for the first time, its
//! parties' history.
//!
//! A waybill filing ([`ValidManifest::on_file`]: an FWB or FHL) touches no movement: each of its
//! consignments gets a version on file, with a receipt of the message, and no event (nothing is
//! assessed until a flight manifest lists it).

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};
use gatehouse_platform::{
    bus::{OutboundEvent, subjects},
    outbox::{self, Relay},
};
use gatehouse_proto::v1::{
    CargoManifest, ConsignmentRecord, MessageFunction, PartyHistory, TransportMode,
};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::{
    IntakeError, event, keys,
    store::{
        self, BatchRows, ConsignmentChange, ConsignmentKey, HistoryRows, MovementChange,
        MovementKey, NewConsignmentVersion, NewManifestVersion, PartyId, PartyRow, Source,
    },
    validate::ValidManifest,
};

/// Tries of a batch whose message ids a concurrent batch took between the duplicate check and
/// the insert; the next try finds them as duplicates.
const ATTEMPTS: usize = 3;
/// Earlier countries of loading kept per party.
pub const MAX_ORIGINS: usize = 20;
const CONSIGNEE: &str = "consignee";
const CONSIGNOR: &str = "consignor";

/// Stores `manifests` in batches of the service's size (one transaction each), one outcome per
/// manifest, in order: for the raw submissions, whose messages can hold more than one batch.
pub async fn store_all<'a>(
    intake: &crate::CargoIntake,
    agency: &str,
    manifests: impl Iterator<Item = &'a ValidManifest>,
) -> Result<Vec<Outcome>, IntakeError> {
    let manifests: Vec<&ValidManifest> = manifests.collect();
    let mut outcomes = Vec::with_capacity(manifests.len());
    for chunk in manifests.chunks(intake.batch_size.max(1)) {
        let chunk: Vec<ValidManifest> = chunk.iter().map(|v| (*v).clone()).collect();
        outcomes.extend(store(&intake.pool, &intake.relay, agency, &chunk).await?);
    }
    Ok(outcomes)
}

/// The result of one manifest of a batch.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The movement's stable id; nil for a waybill filing.
    pub manifest_id: Uuid,
    pub accepted_at: DateTime<Utc>,
    /// The movement's version; for a waybill filing, its first consignment's.
    pub version: u32,
    /// The consignments the manifest sent, in its order.
    pub consignment_ids: Vec<Uuid>,
    /// The `message_id` was seen before (in the database or earlier in the batch): this is the
    /// first result and nothing was stored again.
    pub duplicate: bool,
}

/// Stores `manifests` of `agency` and returns one outcome per manifest, in order.
pub async fn store(
    pool: &PgPool,
    relay: &Relay,
    agency: &str,
    manifests: &[ValidManifest],
) -> Result<Vec<Outcome>, IntakeError> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        match try_store(pool, agency, manifests).await? {
            Some((outcomes, stored)) => {
                if stored > 0 {
                    relay.notify();
                }
                return Ok(outcomes);
            }
            None if attempt == ATTEMPTS => return Err(IntakeError::Contended),
            None => tracing::debug!(
                attempt,
                "manifest message ids taken by a concurrent batch, retrying"
            ),
        }
    }
}

/// The outcomes and how many versions were stored; `None` when a concurrent batch took one of
/// the message ids (everything is rolled back).
async fn try_store(
    pool: &PgPool,
    agency: &str,
    manifests: &[ValidManifest],
) -> Result<Option<(Vec<Outcome>, usize)>, IntakeError> {
    if manifests.is_empty() {
        return Ok(Some((Vec::new(), 0)));
    }
    // For each manifest, the first of the batch with its message id (itself, unless a repeat).
    let mut first_of: HashMap<&str, usize> = HashMap::with_capacity(manifests.len());
    let firsts: Vec<usize> = manifests
        .iter()
        .enumerate()
        .map(|(i, m)| *first_of.entry(m.message_id.as_str()).or_insert(i))
        .collect();
    let message_ids: Vec<&str> = first_of.into_keys().collect();
    let mut tx = pool.begin().await?;
    let mut known = store::find_versions(&mut tx, agency, &message_ids).await?;
    let mut outcomes: Vec<Option<Outcome>> = vec![None; manifests.len()];
    let mut fresh = Vec::new();
    for (i, manifest) in manifests.iter().enumerate() {
        if firsts[i] == i {
            match known.remove(&manifest.message_id) {
                Some(first) => outcomes[i] = Some(first),
                None => fresh.push(i),
            }
        }
    }
    if fresh.is_empty() {
        tx.rollback().await?;
    } else {
        let batch: Vec<&ValidManifest> = fresh.iter().map(|&i| &manifests[i]).collect();
        let Some(written) = write(&mut tx, agency, &batch).await? else {
            tx.rollback().await?;
            return Ok(None);
        };
        tx.commit().await?;
        for (&i, outcome) in fresh.iter().zip(written) {
            outcomes[i] = Some(outcome);
        }
    }
    let answered = firsts
        .iter()
        .enumerate()
        .map(|(i, &first)| match outcomes.get(first).cloned().flatten() {
            // A repeat within the batch is answered with the first's result, as a duplicate.
            Some(outcome) => Ok(Outcome {
                duplicate: outcome.duplicate || first != i,
                ..outcome
            }),
            None => Err(IntakeError::Internal(
                "a manifest of the batch has no outcome",
            )),
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some((answered, fresh.len())))
}

/// The stored label of a value of a proto enumeration (`TRANSPORT_MODE_SEA` → `sea`).
fn mode_label(mode: i32) -> String {
    gatehouse_proto::labels::label(
        TransportMode::try_from(mode)
            .unwrap_or_default()
            .as_str_name(),
        "TRANSPORT_MODE_",
    )
}

fn function_label(function: MessageFunction) -> String {
    gatehouse_proto::labels::label(function.as_str_name(), "MESSAGE_FUNCTION_")
}

fn movement_key(manifest: &CargoManifest) -> MovementKey {
    let place = if manifest.place_of_entry.is_empty() {
        &manifest.port_of_discharge
    } else {
        &manifest.place_of_entry
    };
    let arrival_date = (manifest.mode == TransportMode::Air as i32)
        .then(|| {
            manifest
                .estimated_arrival
                .as_ref()
                .and_then(gatehouse_platform::events::from_timestamp)
                .map(|at| at.date_naive())
        })
        .flatten();
    (
        mode_label(manifest.mode),
        manifest.carrier.clone(),
        manifest.voyage_number.clone(),
        place.clone(),
        arrival_date,
    )
}

/// A consignment version a manifest version lists.
#[derive(Clone)]
struct Entry {
    key: ConsignmentKey,
    consignment_id: Uuid,
    consignment_version_id: Uuid,
    version: i32,
}

/// Writes the manifests new to the database, with their movements, consignments, party history
/// and events; `None` when a concurrent batch took one of their message ids.
async fn write(
    tx: &mut PgConnection,
    agency: &str,
    fresh: &[&ValidManifest],
) -> Result<Option<Vec<Outcome>>, IntakeError> {
    let version_ids: Vec<Uuid> = fresh.iter().map(|_| Uuid::now_v7()).collect();
    let movement_keys: Vec<MovementKey> = fresh.iter().map(|v| movement_key(&v.manifest)).collect();

    // Manifests of one movement, in the order received; sorted keys make concurrent batches lock
    // movements in the same order.
    let mut movements: BTreeMap<&MovementKey, Vec<usize>> = BTreeMap::new();
    for (k, key) in movement_keys.iter().enumerate() {
        if !fresh[k].on_file {
            movements.entry(key).or_default().push(k);
        }
    }
    let changes: Vec<MovementChange<'_>> = movements
        .iter()
        .filter_map(|(&key, members)| {
            let last = *members.last()?;
            Some(MovementChange {
                key,
                new_id: Uuid::now_v7(),
                versions: i32::try_from(members.len()).unwrap_or(i32::MAX),
                latest_version_id: version_ids[last],
                cancelled: withdraws_movement(fresh[last]),
            })
        })
        .collect();
    let advanced = store::upsert_movements(tx, agency, &changes).await?;
    let mut placed = vec![(Uuid::nil(), 0); fresh.len()];
    for (&key, members) in &movements {
        let Some(&(manifest_id, latest)) = advanced.get(key) else {
            return Err(IntakeError::Internal("a movement upsert returned no row"));
        };
        let first = latest - i32::try_from(members.len()).unwrap_or(i32::MAX);
        for (offset, &k) in (1..).zip(members) {
            placed[k] = (manifest_id, first + offset);
        }
    }

    // What the version before each movement's first manifest of the batch listed, for UPDATEs.
    let carried_from: Vec<(Uuid, i32)> = movements
        .values()
        .filter_map(|members| {
            let first = *members.first()?;
            let (manifest_id, version) = placed[first];
            let updates = members.iter().any(|&k| carries_over(fresh[k]));
            (updates && version > 1).then_some((manifest_id, version - 1))
        })
        .collect();
    let mut stored_lists = if carried_from.is_empty() {
        HashMap::new()
    } else {
        store::listed_by_versions(tx, &carried_from).await?
    };

    // Consignment versions: one per consignment sent, in batch order.
    let sent: Vec<(usize, usize, ConsignmentKey)> = fresh
        .iter()
        .enumerate()
        .filter(|(_, valid)| valid.function != MessageFunction::Cancel)
        .flat_map(|(k, valid)| {
            valid
                .manifest
                .consignments
                .iter()
                .enumerate()
                .map(move |(i, c)| {
                    (
                        k,
                        i,
                        (
                            c.transport_document_issuer.clone(),
                            c.transport_document_number.clone(),
                        ),
                    )
                })
        })
        .collect();
    let consignment_version_ids: Vec<Uuid> = sent.iter().map(|_| Uuid::now_v7()).collect();
    let mut by_key: BTreeMap<&ConsignmentKey, Vec<usize>> = BTreeMap::new();
    for (s, (_, _, key)) in sent.iter().enumerate() {
        by_key.entry(key).or_default().push(s);
    }
    let consignment_changes: Vec<ConsignmentChange<'_>> = by_key
        .iter()
        .filter_map(|(&key, members)| {
            Some(ConsignmentChange {
                key,
                new_id: Uuid::now_v7(),
                versions: i32::try_from(members.len()).unwrap_or(i32::MAX),
                latest_version_id: consignment_version_ids[*members.last()?],
            })
        })
        .collect();
    let consignments = store::upsert_consignments(tx, agency, &consignment_changes).await?;
    let mut consignment_placed = vec![(Uuid::nil(), 0); sent.len()];
    for (&key, members) in &by_key {
        let Some(&(consignment_id, latest)) = consignments.get(key) else {
            return Err(IntakeError::Internal(
                "a consignment upsert returned no row",
            ));
        };
        let first = latest - i32::try_from(members.len()).unwrap_or(i32::MAX);
        for (offset, &s) in (1..).zip(members) {
            consignment_placed[s] = (consignment_id, first + offset);
        }
    }

    // Consignments seen before this batch carry the history stored with their first version.
    let first_in_batch: HashSet<Uuid> = consignment_placed
        .iter()
        .filter(|(_, version)| *version == 1)
        .map(|(id, _)| *id)
        .collect();
    let earlier: Vec<Uuid> = consignment_placed
        .iter()
        .map(|(id, _)| *id)
        .filter(|id| !first_in_batch.contains(id))
        .collect();
    let mut first_histories: HashMap<Uuid, [Option<PartyHistory>; 2]> =
        store::stored_histories(tx, &earlier).await?;

    // The rows, the listings and the events.
    let mut rows = BatchRows::new();
    let mut lists: HashMap<&MovementKey, Vec<Entry>> = HashMap::new();
    let mut records: Vec<Vec<ConsignmentRecord>> = vec![Vec::new(); fresh.len()];
    let mut sent_ids: Vec<Vec<Uuid>> = vec![Vec::new(); fresh.len()];
    let mut next_sent = 0;
    for (k, valid) in fresh.iter().enumerate() {
        let (manifest_id, version) = placed[k];
        let version_id = version_ids[k];
        if valid.on_file {
            rows.push_receipt(agency, version_id, &valid.message_id);
            for (i, consignment) in valid.manifest.consignments.iter().enumerate() {
                let s = next_sent;
                next_sent += 1;
                let (consignment_id, consignment_version) = consignment_placed[s];
                rows.push_consignment(NewConsignmentVersion {
                    version_id: consignment_version_ids[s],
                    consignment_id,
                    version: consignment_version,
                    source: Source::Waybill(version_id),
                    ordinal: i,
                    consignment,
                });
                records[k].push(ConsignmentRecord {
                    consignment_id: consignment_id.to_string(),
                    version: u32::try_from(consignment_version).unwrap_or(0),
                    ..Default::default()
                });
                sent_ids[k].push(consignment_id);
            }
            continue;
        }
        let key = &movement_keys[k];
        let mut before = || -> Vec<Entry> {
            match lists.remove(key) {
                Some(before) => before,
                None => stored_lists
                    .remove(&(manifest_id, version - 1))
                    .unwrap_or_default()
                    .into_iter()
                    .map(|listed| Entry {
                        key: (listed.issuer, listed.document_number),
                        consignment_id: listed.consignment_id,
                        consignment_version_id: listed.consignment_version_id,
                        version: listed.version,
                    })
                    .collect(),
            }
        };
        let listing = if valid.function == MessageFunction::Cancel {
            // Nothing is stored for the consignments a cancel names: they leave the listing,
            // and the event names them for targeting to withdraw.
            let named: Vec<ConsignmentKey> = valid
                .manifest
                .consignments
                .iter()
                .map(|c| {
                    (
                        c.transport_document_issuer.clone(),
                        c.transport_document_number.clone(),
                    )
                })
                .collect();
            let before = if named.is_empty() {
                Vec::new()
            } else {
                before()
            };
            let (withdrawn, kept): (Vec<Entry>, Vec<Entry>) =
                before.into_iter().partition(|e| named.contains(&e.key));
            for name in &named {
                let found = withdrawn.iter().find(|e| &e.key == name);
                records[k].push(ConsignmentRecord {
                    consignment_id: found
                        .map(|e| e.consignment_id.to_string())
                        .unwrap_or_default(),
                    version: found.map_or(0, |e| u32::try_from(e.version).unwrap_or(0)),
                    ..Default::default()
                });
                sent_ids[k].push(found.map_or(Uuid::nil(), |e| e.consignment_id));
            }
            kept
        } else {
            let mut entries = Vec::with_capacity(valid.manifest.consignments.len());
            for (i, consignment) in valid.manifest.consignments.iter().enumerate() {
                let s = next_sent;
                next_sent += 1;
                let (consignment_id, consignment_version) = consignment_placed[s];
                let consignment_version_id = consignment_version_ids[s];
                rows.push_consignment(NewConsignmentVersion {
                    version_id: consignment_version_id,
                    consignment_id,
                    version: consignment_version,
                    source: Source::Manifest(version_id),
                    ordinal: i,
                    consignment,
                });
                // The parties' histories are filled in once read (below).
                records[k].push(ConsignmentRecord {
                    consignment_id: consignment_id.to_string(),
                    version: u32::try_from(consignment_version).unwrap_or(0),
                    ..Default::default()
                });
                sent_ids[k].push(consignment_id);
                entries.push(Entry {
                    key: sent[s].2.clone(),
                    consignment_id,
                    consignment_version_id,
                    version: consignment_version,
                });
            }
            if valid.function == MessageFunction::Update {
                merge(before(), entries)
            } else {
                entries
            }
        };
        for (ordinal, entry) in listing.iter().enumerate() {
            rows.push_listed(version_id, ordinal, entry.consignment_version_id);
        }
        rows.push_version(
            agency,
            NewManifestVersion {
                version_id,
                manifest_id,
                version,
                message_id: &valid.message_id,
                function: function_label(valid.function),
                manifest: &valid.manifest,
                consignment_count: listing.len(),
                withdrawn: if valid.function == MessageFunction::Cancel {
                    sent_ids[k].clone()
                } else {
                    Vec::new()
                },
            },
        );
        lists.insert(key, listing);
    }
    let received = store::insert_batch(tx, rows).await?;
    if received.len() < fresh.len() {
        return Ok(None);
    }

    // Party history, for the consignments seen for the first time, once the rest is written.
    let parties_of = |s: usize| -> [Option<PartyId>; 2] {
        let (k, i, _) = &sent[s];
        let consignment = &fresh[*k].manifest.consignments[*i];
        [
            consignment
                .consignee
                .as_ref()
                .and_then(keys::party_key)
                .map(|key| (CONSIGNEE, key)),
            consignment
                .consignor
                .as_ref()
                .and_then(keys::party_key)
                .map(|key| (CONSIGNOR, key)),
        ]
    };
    let new_consignments: Vec<usize> = (0..sent.len())
        .filter(|&s| consignment_placed[s].1 == 1)
        .collect();
    let mut party_ids: Vec<PartyId> = new_consignments
        .iter()
        .flat_map(|&s| parties_of(s).into_iter().flatten())
        .collect();
    party_ids.sort_unstable();
    party_ids.dedup();
    // The locks are held from here to the commit: only this and one statement follow.
    let mut parties: HashMap<PartyId, PartyRow> =
        store::lock_and_read_parties(tx, agency, &party_ids).await?;
    let seen_at = Utc::now();
    let mut histories: HashMap<usize, [Option<PartyHistory>; 2]> = HashMap::new();
    for &s in &new_consignments {
        let (k, i, _) = &sent[s];
        let manifest = &fresh[*k].manifest;
        let consignment = &manifest.consignments[*i];
        let place = if consignment.port_of_loading.is_empty() {
            &manifest.port_of_loading
        } else {
            &consignment.port_of_loading
        };
        let origin = gatehouse_checks::country_of_place(place);
        let [consignee, consignor] = parties_of(s);
        let mut history = |party: Option<PartyId>| {
            let row = parties.entry(party?).or_default();
            let before = PartyHistory {
                first_seen: row.consignments == 0,
                previous_consignments: row.consignments,
                earlier_origin_countries: row.origins.clone(),
                first_seen_at: row
                    .first_seen_at
                    .map(gatehouse_platform::events::to_timestamp),
            };
            row.consignments = row.consignments.saturating_add(1);
            row.first_seen_at.get_or_insert(seen_at);
            if let Some(origin) = origin {
                row.origins.retain(|o| o != origin);
                row.origins.insert(0, origin.to_owned());
                row.origins.truncate(MAX_ORIGINS);
            }
            Some(before)
        };
        histories.insert(s, [history(consignee), history(consignor)]);
    }
    // Later versions carry the history of their consignment's first version: from this batch,
    // else as stored with the consignment.
    first_histories.extend(
        new_consignments
            .iter()
            .filter_map(|&s| Some((consignment_placed[s].0, histories.get(&s)?.clone()))),
    );

    let mut history_rows = HistoryRows::new();
    for &s in &new_consignments {
        if let Some([consignee, consignor]) = histories.get(&s) {
            history_rows.push_histories(
                consignment_placed[s].0,
                consignee.as_ref(),
                consignor.as_ref(),
            );
        }
    }
    for (&party, row) in &parties {
        if party_ids.binary_search(&party).is_ok() {
            history_rows.push_party(agency, party, row, seen_at);
        }
    }
    store::write_histories(tx, history_rows).await?;
    for (k, valid) in fresh.iter().enumerate() {
        if valid.on_file || valid.function == MessageFunction::Cancel {
            continue;
        }
        for (record, id) in records[k].iter_mut().zip(&sent_ids[k]) {
            if let Some([consignee, consignor]) = first_histories.get(id) {
                record.consignee_history.clone_from(consignee);
                record.consignor_history.clone_from(consignor);
            }
        }
    }

    let mut outcomes = Vec::with_capacity(fresh.len());
    let mut events = Vec::with_capacity(fresh.len());
    for (k, valid) in fresh.iter().enumerate() {
        let Some(&accepted_at) = received.get(&version_ids[k]) else {
            return Err(IntakeError::Internal(
                "a stored manifest has no receipt time",
            ));
        };
        if valid.on_file {
            outcomes.push(Outcome {
                manifest_id: Uuid::nil(),
                accepted_at,
                version: records[k].first().map_or(0, |r| r.version),
                consignment_ids: std::mem::take(&mut sent_ids[k]),
                duplicate: false,
            });
            continue;
        }
        let (manifest_id, version) = placed[k];
        let recorded = event::Recorded {
            manifest_id,
            accepted_at,
            version: u32::try_from(version).unwrap_or(0),
            consignment_records: std::mem::take(&mut records[k]),
        };
        let accepted = event::accepted(agency, valid, &recorded);
        events.push(OutboundEvent::new(
            subjects::manifest_accepted(&mode_label(valid.manifest.mode)),
            &accepted,
        )?);
        outcomes.push(Outcome {
            manifest_id,
            accepted_at,
            version: recorded.version,
            consignment_ids: std::mem::take(&mut sent_ids[k]),
            duplicate: false,
        });
    }
    outbox::enqueue(tx, &events).await?;
    Ok(Some(outcomes))
}

/// A cancel that names no consignment withdraws the whole movement.
fn withdraws_movement(valid: &ValidManifest) -> bool {
    valid.function == MessageFunction::Cancel && valid.manifest.consignments.is_empty()
}

/// The version's listing starts from the version before's.
fn carries_over(valid: &ValidManifest) -> bool {
    valid.function == MessageFunction::Update
        || (valid.function == MessageFunction::Cancel && !valid.manifest.consignments.is_empty())
}

/// An UPDATE's listing: the version before's, with the consignments it sends again replaced
/// in place, and the new ones after.
fn merge(before: Vec<Entry>, sent: Vec<Entry>) -> Vec<Entry> {
    let mut by_key: HashMap<ConsignmentKey, Entry> =
        sent.iter().map(|e| (e.key.clone(), e.clone())).collect();
    let mut merged: Vec<Entry> = before
        .into_iter()
        .map(|entry| by_key.remove(&entry.key).unwrap_or(entry))
        .collect();
    merged.extend(sent.into_iter().filter(|e| by_key.contains_key(&e.key)));
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(number: &str, id: u128) -> Entry {
        Entry {
            key: ("MSCU".to_owned(), number.to_owned()),
            consignment_id: Uuid::from_u128(id % 10),
            consignment_version_id: Uuid::from_u128(id),
            version: 1,
        }
    }

    #[test]
    fn an_update_replaces_in_place_keeps_the_rest_and_appends_the_new() {
        let merged = merge(
            vec![entry("B1", 1), entry("B2", 2), entry("B3", 3)],
            vec![entry("B4", 14), entry("B2", 12)],
        );
        let ids: Vec<u128> = merged
            .iter()
            .map(|e| e.consignment_version_id.as_u128())
            .collect();
        assert_eq!(ids, [1, 12, 3, 14]);
    }
}
