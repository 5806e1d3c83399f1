//! Storing a batch of valid reports: one transaction, a handful of set-wise statements and one
//! outbox write, whatever the batch holds. A unary submission is a batch of one.

use std::collections::{BTreeMap, HashMap, HashSet, hash_map::Entry};

use chrono::{DateTime, Utc};
use gatehouse_platform::{
    bus::{OutboundEvent, subjects},
    outbox::{self, Relay},
};
use gatehouse_proto::{
    labels,
    v1::{FlightDirection, MessageFunction},
};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::{
    IntakeError,
    event::{self, Recorded},
    keys, link,
    store::{self, FlightChange, FlightKey, NewReport, StoredReport},
    validate::ValidReport,
};

/// Tries of a batch whose message ids a concurrent batch took between the duplicate check and
/// the insert; the next try finds them as duplicates.
const ATTEMPTS: usize = 3;

/// The result of one report of a batch.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub report_id: Uuid,
    pub accepted_at: DateTime<Utc>,
    pub traveller_count: i32,
    pub flight_id: Uuid,
    pub version: u32,
    /// The `message_id` was seen before (in the database or earlier in the batch): this is the
    /// first result and nothing was stored again.
    pub duplicate: bool,
}

impl Outcome {
    fn first_result(stored: &StoredReport) -> Self {
        Self {
            report_id: stored.report_id,
            accepted_at: stored.received_at,
            traveller_count: stored.traveller_count,
            flight_id: stored.flight_id,
            version: u32::try_from(stored.version).unwrap_or(0),
            duplicate: true,
        }
    }
}

/// Stores `reports` of `agency` and returns one outcome per report, in order.
pub async fn store(
    pool: &PgPool,
    relay: &Relay,
    agency: &str,
    reports: &[ValidReport],
) -> Result<Vec<Outcome>, IntakeError> {
    for attempt in 1..=ATTEMPTS {
        if let Some((outcomes, stored)) = try_store(pool, agency, reports).await? {
            if stored > 0 {
                relay.notify();
            }
            return Ok(outcomes);
        }
        tracing::debug!(attempt, "message ids taken by a concurrent batch, retrying");
    }
    Err(IntakeError::Contended)
}

/// Where a report's outcome comes from.
enum Source {
    /// Stored now: index into the fresh reports.
    Fresh(usize),
    /// Stored by an earlier submission.
    Stored(StoredReport),
    /// The same message id earlier in this batch: index of that report.
    Earlier(usize),
}

/// `None` when a concurrent batch took one of the message ids (everything is rolled back).
async fn try_store(
    pool: &PgPool,
    agency: &str,
    reports: &[ValidReport],
) -> Result<Option<(Vec<Outcome>, usize)>, IntakeError> {
    if reports.is_empty() {
        return Ok(Some((Vec::new(), 0)));
    }
    let mut first_of: HashMap<&str, usize> = HashMap::with_capacity(reports.len());
    let mut earlier = Vec::with_capacity(reports.len());
    for (i, report) in reports.iter().enumerate() {
        match first_of.entry(report.message_id.as_str()) {
            Entry::Occupied(first) => earlier.push(Some(*first.get())),
            Entry::Vacant(slot) => {
                slot.insert(i);
                earlier.push(None);
            }
        }
    }
    let message_ids: Vec<&str> = first_of.keys().copied().collect();
    let mut tx = pool.begin().await?;
    let mut stored = store::find_reports(&mut tx, agency, &message_ids).await?;
    let mut sources = Vec::with_capacity(reports.len());
    let mut fresh = Vec::new();
    for (i, report) in reports.iter().enumerate() {
        sources.push(match earlier[i] {
            Some(first) => Source::Earlier(first),
            None => match stored.remove(&report.message_id) {
                Some(first) => Source::Stored(first),
                None => {
                    fresh.push(report);
                    Source::Fresh(fresh.len() - 1)
                }
            },
        });
    }
    let recorded = if fresh.is_empty() {
        tx.rollback().await?;
        Vec::new()
    } else {
        match write(&mut tx, agency, &fresh).await? {
            Some(recorded) => {
                tx.commit().await?;
                recorded
            }
            None => {
                tx.rollback().await?;
                return Ok(None);
            }
        }
    };
    let mut outcomes: Vec<Outcome> = Vec::with_capacity(reports.len());
    for (source, report) in sources.into_iter().zip(reports) {
        let outcome = match source {
            Source::Fresh(k) => {
                let Some(recorded) = recorded.get(k) else {
                    return Err(IntakeError::Internal("a stored report has no record"));
                };
                Outcome {
                    report_id: recorded.report_id,
                    accepted_at: recorded.accepted_at,
                    traveller_count: i32::try_from(report.report.travellers.len())
                        .unwrap_or(i32::MAX),
                    flight_id: recorded.flight_id,
                    version: recorded.version,
                    duplicate: false,
                }
            }
            Source::Stored(first) => Outcome::first_result(&first),
            Source::Earlier(first) => {
                // `first` comes before this report, so its outcome is already there.
                let Some(first) = outcomes.get(first) else {
                    return Err(IntakeError::Internal("a duplicate precedes its first"));
                };
                Outcome {
                    duplicate: true,
                    ..first.clone()
                }
            }
        };
        outcomes.push(outcome);
    }
    tracing::debug!(
        items = reports.len(),
        stored = recorded.len(),
        duplicates = reports.len() - recorded.len(),
        "api report batch stored"
    );
    Ok(Some((outcomes, recorded.len())))
}

/// Writes the reports new to the database, with their flights, travellers and events; `None`
/// when a concurrent batch took one of their message ids.
async fn write(
    tx: &mut PgConnection,
    agency: &str,
    fresh: &[&ValidReport],
) -> Result<Option<Vec<Recorded>>, IntakeError> {
    let report_ids: Vec<Uuid> = fresh.iter().map(|_| Uuid::now_v7()).collect();
    let flight_keys: Vec<FlightKey> = fresh.iter().map(|r| flight_key(r)).collect();

    // Reports of one flight, in the order received: they become consecutive versions. Sorted
    // keys make concurrent batches lock flights in the same order.
    let mut flights: BTreeMap<&FlightKey, Vec<usize>> = BTreeMap::new();
    for (k, key) in flight_keys.iter().enumerate() {
        flights.entry(key).or_default().push(k);
    }
    let changes: Vec<FlightChange> = flights
        .iter()
        .filter_map(|(key, members)| {
            let last = *members.last()?;
            Some(FlightChange {
                key: (*key).clone(),
                new_id: Uuid::now_v7(),
                reports: i32::try_from(members.len()).unwrap_or(i32::MAX),
                cancelled: fresh[last].function == MessageFunction::Cancel,
                latest_report_id: report_ids[last],
            })
        })
        .collect();
    let advanced = store::upsert_flights(tx, agency, &changes).await?;
    let mut versions = vec![(Uuid::nil(), 0); fresh.len()];
    for (key, members) in &flights {
        let Some(&(flight_id, latest)) = advanced.get(*key) else {
            return Err(IntakeError::Internal("a flight upsert returned no row"));
        };
        let mut version = latest - i32::try_from(members.len()).unwrap_or(i32::MAX);
        for &k in members {
            version += 1;
            versions[k] = (flight_id, version);
        }
    }

    let new_reports: Vec<NewReport<'_>> = fresh
        .iter()
        .zip(&flight_keys)
        .zip(report_ids.iter().zip(&versions))
        .map(|((valid, key), (&report_id, &(flight_id, version)))| {
            let travellers = &valid.report.travellers;
            NewReport {
                report_id,
                valid,
                key,
                flight_id,
                version,
                traveller_ids: travellers.iter().map(|_| Uuid::now_v7()).collect(),
                traveller_keys: travellers
                    .iter()
                    .map(|t| keys::traveller_key(flight_id, t))
                    .collect(),
            }
        })
        .collect();
    let received = store::insert_reports(tx, agency, &new_reports).await?;
    if received.len() < new_reports.len() {
        return Ok(None);
    }
    store::insert_travellers(tx, &new_reports).await?;

    // Each traveller once per flight, credited to the first report of the batch listing it.
    let mut seen = HashSet::new();
    let (mut claim_flights, mut claim_keys, mut claim_reports) =
        (Vec::new(), Vec::new(), Vec::new());
    for new in &new_reports {
        for &key in &new.traveller_keys {
            if seen.insert((new.flight_id, key)) {
                claim_flights.push(new.flight_id);
                claim_keys.push(key);
                claim_reports.push(new.report_id);
            }
        }
    }
    let new_travellers =
        store::claim_travellers(tx, &claim_flights, &claim_keys, &claim_reports).await?;

    let linking: Vec<link::ApiRecord<'_>> = new_reports
        .iter()
        .map(|new| link::ApiRecord {
            report_id: new.report_id,
            flight_id: new.flight_id,
            version: new.version,
            flight: link::LinkFlight::new(
                &new.key.carrier,
                &new.key.flight_number,
                new.key.departure_date,
            ),
            travellers: new
                .valid
                .report
                .travellers
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
        .collect();
    let mut links = link::link_reports(tx, agency, &linking).await?.into_iter();
    drop(linking);

    let mut recorded = Vec::with_capacity(new_reports.len());
    let mut events = Vec::with_capacity(new_reports.len());
    for new in new_reports {
        let Some(&accepted_at) = received.get(&new.report_id) else {
            return Err(IntakeError::Internal("a stored report has no receipt time"));
        };
        let record = Recorded {
            report_id: new.report_id,
            accepted_at,
            flight_id: new.flight_id,
            version: u32::try_from(new.version).unwrap_or(0),
            new_traveller_count: new_travellers.get(&new.report_id).copied().unwrap_or(0),
            traveller_ids: new.traveller_ids,
            traveller_keys: new.traveller_keys,
            links: link::fit(links.next().unwrap_or_default(), new.valid.link_budget),
        };
        let accepted = event::accepted(agency, new.valid, &record);
        events.push(OutboundEvent::new(subjects::API_ACCEPTED, &accepted)?);
        recorded.push(record);
    }
    outbox::enqueue(tx, &events).await?;
    Ok(Some(recorded))
}

fn flight_key(valid: &ValidReport) -> FlightKey {
    let flight = valid.report.flight.clone().unwrap_or_default();
    let direction = FlightDirection::try_from(flight.direction)
        .unwrap_or(FlightDirection::Unspecified)
        .as_str_name();
    FlightKey {
        carrier: flight.carrier,
        flight_number: flight.number,
        departure_date: valid.departure_date,
        direction: labels::label(direction, "FLIGHT_DIRECTION_"),
        part_number: i32::try_from(valid.report.part_number).unwrap_or(i32::MAX),
    }
}
