//! Storing a batch of valid PNRs: one transaction with a handful of set-wise statements and one
//! outbox write, whatever the batch holds. A unary submission is a batch of one.
//!
//! Every push of a booking is a new version: pushes of one booking in a batch become consecutive
//! versions in the order received, and the latest becomes the booking's current version.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};
use gatehouse_platform::{
    bus::{OutboundEvent, subjects},
    outbox::{self, Relay},
};
use gatehouse_proto::v1::{PnrTraveller, Traveller, TravellerLink};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::{
    IntakeError, keys, link,
    pnr::{
        event::{self, Recorded},
        store::{self, BookingChange, NewVersion},
        validate::ValidPnr,
    },
};

/// Tries of a batch whose message ids a concurrent batch took between the duplicate check and
/// the insert; the next try finds them as duplicates.
const ATTEMPTS: usize = 3;

/// The result of one PNR of a batch.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The booking's stable id.
    pub pnr_id: Uuid,
    pub accepted_at: DateTime<Utc>,
    /// Travellers listed in the version.
    pub traveller_count: i32,
    pub version: u32,
    /// The `message_id` was seen before (in the database or earlier in the batch): this is the
    /// first result and nothing was stored again.
    pub duplicate: bool,
}

/// Stores `pnrs` of `agency` and returns one outcome per PNR, in order.
pub async fn store(
    pool: &PgPool,
    relay: &Relay,
    agency: &str,
    pnrs: &[ValidPnr],
) -> Result<Vec<Outcome>, IntakeError> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        match try_store(pool, agency, pnrs).await? {
            Some((outcomes, stored)) => {
                if stored > 0 {
                    relay.notify();
                }
                return Ok(outcomes);
            }
            None if attempt == ATTEMPTS => return Err(IntakeError::Contended),
            None => tracing::debug!(
                attempt,
                "pnr message ids taken by a concurrent batch, retrying"
            ),
        }
    }
}

/// The outcomes and how many versions were stored; `None` when a concurrent batch took one of
/// the message ids (everything is rolled back).
async fn try_store(
    pool: &PgPool,
    agency: &str,
    pnrs: &[ValidPnr],
) -> Result<Option<(Vec<Outcome>, usize)>, IntakeError> {
    if pnrs.is_empty() {
        return Ok(Some((Vec::new(), 0)));
    }
    // For each PNR, the first of the batch with its message id (itself, unless a repeat).
    let mut first_of: HashMap<&str, usize> = HashMap::with_capacity(pnrs.len());
    let firsts: Vec<usize> = pnrs
        .iter()
        .enumerate()
        .map(|(i, pnr)| *first_of.entry(pnr.message_id.as_str()).or_insert(i))
        .collect();
    let message_ids: Vec<&str> = first_of.into_keys().collect();
    let mut tx = pool.begin().await?;
    let mut known = store::find_versions(&mut tx, agency, &message_ids).await?;
    let mut outcomes: Vec<Option<Outcome>> = vec![None; pnrs.len()];
    let mut fresh = Vec::new();
    for (i, pnr) in pnrs.iter().enumerate() {
        if firsts[i] == i {
            match known.remove(&pnr.message_id) {
                Some(first) => outcomes[i] = Some(first),
                None => fresh.push(i),
            }
        }
    }
    if fresh.is_empty() {
        tx.rollback().await?;
    } else {
        let batch: Vec<&ValidPnr> = fresh.iter().map(|&i| &pnrs[i]).collect();
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
            Some(outcome) => Ok(Outcome {
                duplicate: outcome.duplicate || first != i,
                ..outcome
            }),
            None => Err(IntakeError::Internal("a pnr of the batch has no outcome")),
        })
        .collect::<Result<Vec<_>, _>>()?;
    tracing::debug!(
        items = pnrs.len(),
        stored = fresh.len(),
        duplicates = pnrs.len() - fresh.len(),
        "pnr batch stored"
    );
    Ok(Some((answered, fresh.len())))
}

/// Writes the PNRs new to the database, with their bookings, elements and events; `None` when
/// a concurrent batch took one of their message ids.
async fn write(
    tx: &mut PgConnection,
    agency: &str,
    fresh: &[&ValidPnr],
) -> Result<Option<Vec<Outcome>>, IntakeError> {
    let version_ids: Vec<Uuid> = fresh.iter().map(|_| Uuid::now_v7()).collect();
    // PNRs of one booking, in the order received. Sorted keys make concurrent batches lock
    // bookings in the same order.
    let mut bookings: BTreeMap<(&str, &str), Vec<usize>> = BTreeMap::new();
    for (k, valid) in fresh.iter().enumerate() {
        let key = (
            valid.pnr.carrier.as_str(),
            valid.pnr.record_locator.as_str(),
        );
        bookings.entry(key).or_default().push(k);
    }
    let changes: Vec<BookingChange<'_>> = bookings
        .iter()
        .filter_map(|(&(carrier, record_locator), members)| {
            Some(BookingChange {
                carrier,
                record_locator,
                new_id: Uuid::now_v7(),
                versions: i32::try_from(members.len()).unwrap_or(i32::MAX),
                latest_version_id: version_ids[*members.last()?],
            })
        })
        .collect();
    let advanced = store::upsert_bookings(tx, agency, &changes).await?;
    let mut placed = vec![(Uuid::nil(), 0); fresh.len()];
    for (&(carrier, record_locator), members) in &bookings {
        let key = (carrier.to_owned(), record_locator.to_owned());
        let Some(&(pnr_id, latest)) = advanced.get(&key) else {
            return Err(IntakeError::Internal("a booking upsert returned no row"));
        };
        let first = latest - i32::try_from(members.len()).unwrap_or(i32::MAX);
        for (offset, &k) in (1..).zip(members) {
            placed[k] = (pnr_id, first + offset);
        }
    }

    let versions: Vec<NewVersion<'_>> = fresh
        .iter()
        .zip(version_ids)
        .zip(placed)
        .map(|((&valid, version_id), (pnr_id, version))| {
            let travellers = &valid.pnr.travellers;
            NewVersion {
                version_id,
                pnr_id,
                version,
                valid,
                traveller_ids: travellers.iter().map(|_| Uuid::now_v7()).collect(),
                traveller_keys: travellers
                    .iter()
                    .map(|t| traveller_key(pnr_id, t))
                    .collect(),
            }
        })
        .collect();
    // Each traveller once per booking, credited to the first version of the batch listing it.
    let mut seen = HashSet::new();
    let claims: Vec<store::Claim> = versions
        .iter()
        .flat_map(|new| {
            new.traveller_keys
                .iter()
                .map(|&traveller_key| store::Claim {
                    pnr_id: new.pnr_id,
                    traveller_key,
                    version_id: new.version_id,
                })
        })
        .filter(|claim| seen.insert((claim.pnr_id, claim.traveller_key)))
        .collect();
    let store::Stored {
        received,
        new_travellers,
    } = store::insert_versions(tx, agency, &versions, &claims).await?;
    if received.len() < versions.len() {
        return Ok(None);
    }

    // The PNR's travellers as the API lists them, to compare with the flight's API travellers.
    let as_api: Vec<Vec<Traveller>> = versions
        .iter()
        .map(|new| new.valid.pnr.travellers.iter().map(api_view).collect())
        .collect();
    let linking: Vec<link::PnrRecord<'_>> = versions
        .iter()
        .zip(&as_api)
        .filter_map(|(new, travellers)| {
            let flight = new.valid.pnr.flight.as_ref();
            let date = flight.and_then(|f| {
                chrono::NaiveDate::parse_from_str(&f.departure_date, "%Y-%m-%d").ok()
            });
            Some(link::PnrRecord {
                pnr_id: new.pnr_id,
                version: new.version,
                record_locator: &new.valid.pnr.record_locator,
                flight: link::LinkFlight::new(&flight?.carrier, &flight?.number, date?),
                travellers: travellers
                    .iter()
                    .zip(new.traveller_ids.iter().zip(&new.traveller_keys))
                    .map(
                        |(traveller, (&traveller_id, &traveller_key))| link::Listed {
                            traveller_id,
                            traveller_key,
                            traveller,
                        },
                    )
                    .collect(),
            })
        })
        .collect();
    let mut linked: HashMap<Uuid, Vec<TravellerLink>> = versions
        .iter()
        .filter(|new| new.valid.pnr.flight.is_some())
        .map(|new| new.version_id)
        .zip(link::link_pnrs(tx, agency, &linking).await?)
        .collect();
    drop(linking);

    let mut outcomes = Vec::with_capacity(versions.len());
    let mut events = Vec::with_capacity(versions.len());
    for new in versions {
        let Some(&accepted_at) = received.get(&new.version_id) else {
            return Err(IntakeError::Internal("a stored pnr has no receipt time"));
        };
        let recorded = Recorded {
            pnr_id: new.pnr_id,
            accepted_at,
            version: u32::try_from(new.version).unwrap_or(0),
            new_traveller_count: new_travellers.get(&new.version_id).copied().unwrap_or(0),
            traveller_ids: new.traveller_ids,
            traveller_keys: new.traveller_keys,
            links: link::fit(
                linked.remove(&new.version_id).unwrap_or_default(),
                new.valid.link_budget,
            ),
        };
        let accepted = event::accepted(agency, new.valid, &recorded);
        events.push(OutboundEvent::new(subjects::PNR_ACCEPTED, &accepted)?);
        outcomes.push(Outcome {
            pnr_id: recorded.pnr_id,
            accepted_at,
            traveller_count: i32::try_from(recorded.traveller_ids.len()).unwrap_or(i32::MAX),
            version: recorded.version,
            duplicate: false,
        });
    }
    outbox::enqueue(tx, &events).await?;
    Ok(Some(outcomes))
}

/// Who a traveller is in the booking, across its versions: the API traveller key (main document,
/// else name and date of birth) in the booking's namespace.
fn traveller_key(pnr_id: Uuid, traveller: &PnrTraveller) -> Uuid {
    keys::traveller_key(pnr_id, &api_view(traveller))
}

/// What a PNR traveller and an API traveller have in common: names, SSR DOCS data, documents.
fn api_view(traveller: &PnrTraveller) -> Traveller {
    Traveller {
        surname: traveller.surname.clone(),
        given_names: traveller.given_names.clone(),
        date_of_birth: traveller.date_of_birth.clone(),
        sex: traveller.sex,
        nationality: traveller.nationality.clone(),
        country_of_residence: traveller.country_of_residence.clone(),
        place_of_birth: traveller.place_of_birth.clone(),
        documents: traveller.documents.clone(),
        ..Default::default()
    }
}
