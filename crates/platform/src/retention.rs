//! Retention of PNR-derived personal data (Directive (EU) 2016/681 art. 12): the periods every
//! service applies to what it holds of a PNR, and the masking of a traveller as shown on an
//! assessment or alert. passenger-intake masks and deletes the PNR itself; risk-targeting and
//! unit-alerts apply the same periods to their copies.

use std::{fmt::Display, time::Duration};

use chrono::{DateTime, TimeDelta, Utc};
use gatehouse_proto::v1::{Hit, Subject, subject};
use prost::Message;
use sqlx::{PgPool, Row};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::config::ConfigError;

/// Dedupe keys of assessments and alerts about a PNR traveller start so (risk-targeting scopes a
/// booking's traveller key to the pushed flight: `pnr/<carrier><number>/<date>/<key>`).
pub const PNR_SUBJECT_PREFIX: &str = "pnr/";

/// The retention periods (configuration: `GATEHOUSE_PNR_MASK_AFTER_DAYS`,
/// `GATEHOUSE_PNR_DELETE_AFTER_DAYS`, `GATEHOUSE_RETENTION_INTERVAL_SECS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    pub mask_after: TimeDelta,
    pub delete_after: TimeDelta,
    /// How often the scheduled sweep runs.
    pub interval: Duration,
}

impl Default for Policy {
    /// Six months (183 days) and five years (1,826 days), swept hourly.
    fn default() -> Self {
        Self {
            mask_after: TimeDelta::days(183),
            delete_after: TimeDelta::days(1_826),
            interval: Duration::from_secs(3_600),
        }
    }
}

impl Policy {
    /// The policy from the environment; a value that is not a positive number, or deletion
    /// before masking, is refused so a typo never deletes or unmasks early.
    pub fn from_env() -> Result<Self, ConfigError> {
        let defaults = Self::default();
        let positive = |var: &'static str| -> Result<Option<u64>, ConfigError> {
            match std::env::var(var) {
                Err(_) => Ok(None),
                Ok(value) => match value.trim().parse::<u64>() {
                    Ok(n) if n > 0 => Ok(Some(n)),
                    _ => Err(ConfigError::Invalid {
                        var,
                        reason: "must be a positive whole number".into(),
                    }),
                },
            }
        };
        let days = |var: &'static str, default: TimeDelta| -> Result<TimeDelta, ConfigError> {
            Ok(positive(var)?
                .and_then(|n| i64::try_from(n).ok())
                .map_or(default, TimeDelta::days))
        };
        let mask_after = days("GATEHOUSE_PNR_MASK_AFTER_DAYS", defaults.mask_after)?;
        let delete_after = days("GATEHOUSE_PNR_DELETE_AFTER_DAYS", defaults.delete_after)?;
        if delete_after <= mask_after {
            return Err(ConfigError::Invalid {
                var: "GATEHOUSE_PNR_DELETE_AFTER_DAYS",
                reason: "must be longer than GATEHOUSE_PNR_MASK_AFTER_DAYS".into(),
            });
        }
        let interval = positive("GATEHOUSE_RETENTION_INTERVAL_SECS")?
            .map_or(defaults.interval, Duration::from_secs);
        Ok(Self {
            mask_after,
            delete_after,
            interval,
        })
    }
}

/// Blanks what identifies the traveller of a subject: names, date of birth, nationality and
/// document. The flight, the booking reference and the ids stay, so the record still counts.
pub fn mask_subject(subject: &mut Option<Subject>) {
    if let Some(subject::Subject::Traveller(traveller)) =
        subject.as_mut().and_then(|s| s.subject.as_mut())
    {
        traveller.surname.clear();
        traveller.given_names.clear();
        traveller.date_of_birth.clear();
        traveller.nationality.clear();
        traveller.document_number.clear();
        traveller.document_issuing_country.clear();
    }
}

/// Blanks the values that made hits fire (a document number, a name); the keys stay, so an
/// officer still reads which facts the rule tested.
pub fn mask_hits(hits: &mut [Hit]) {
    for hit in hits {
        for value in hit.evidence.values_mut() {
            value.clear();
        }
    }
}

/// What one sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Swept {
    pub masked: u64,
    pub deleted: u64,
}

/// Runs `sweep` with the clock every `policy.interval` until `shutdown`; a failed sweep is
/// retried at the next tick (nothing is lost: what was not masked or deleted is still due).
pub async fn run_sweeps<F, Fut, E>(
    what: &'static str,
    policy: Policy,
    shutdown: CancellationToken,
    sweep: F,
) where
    F: Fn(DateTime<Utc>) -> Fut,
    Fut: Future<Output = Result<Swept, E>>,
    E: Display,
{
    let mut ticks = tokio::time::interval(policy.interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            _ = ticks.tick() => {}
        }
        match sweep(Utc::now()).await {
            Ok(swept) if swept != Swept::default() => {
                tracing::info!(
                    what,
                    masked = swept.masked,
                    deleted = swept.deleted,
                    "retention sweep"
                );
            }
            Ok(_) => {}
            Err(error) => tracing::warn!(what, %error, "retention sweep failed, retrying later"),
        }
    }
}

/// A table holding copies of PNR-derived records as encoded protobuf messages.
#[derive(Debug, Clone, Copy)]
pub struct CopyTable {
    pub table: &'static str,
    /// uuid primary key.
    pub id: &'static str,
    /// bytea column with the message.
    pub payload: &'static str,
    /// When the copy was made (timestamptz).
    pub made_at: &'static str,
}

/// Rows masked in one transaction at most; a sweep repeats until none is left.
const MASK_BATCH: i64 = 1_000;

/// Masks, with `mask`, the messages of `copies` about PNR travellers (dedupe key `pnr/…`) made
/// before `before`, and marks them `masked_at = now`; returns how many. Replicas sweeping at once
/// share the rows (`FOR UPDATE SKIP LOCKED`).
pub async fn mask_copies<M: Message + Default>(
    pool: &PgPool,
    copies: CopyTable,
    before: DateTime<Utc>,
    now: DateTime<Utc>,
    mask: impl Fn(&mut M),
) -> Result<u64, sqlx::Error> {
    let CopyTable {
        table,
        id,
        payload,
        made_at,
    } = copies;
    let select = format!(
        "SELECT {id} AS id, {payload} AS payload FROM {table}
         WHERE dedupe_key LIKE '{PNR_SUBJECT_PREFIX}%' AND masked_at IS NULL AND {made_at} < $1
         ORDER BY {made_at} LIMIT $2 FOR UPDATE SKIP LOCKED"
    );
    let update = format!(
        "UPDATE {table} t SET {payload} = m.payload, masked_at = $3
         FROM UNNEST($1::uuid[], $2::bytea[]) AS m(id, payload) WHERE t.{id} = m.id"
    );
    let mut masked = 0;
    loop {
        let mut tx = pool.begin().await?;
        let due = sqlx::query(&select)
            .bind(before)
            .bind(MASK_BATCH)
            .fetch_all(&mut *tx)
            .await?;
        let mut ids = Vec::with_capacity(due.len());
        let mut payloads = Vec::with_capacity(due.len());
        for row in &due {
            let bytes: Vec<u8> = row.try_get("payload")?;
            let mut message =
                M::decode(bytes.as_slice()).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
            mask(&mut message);
            ids.push(row.try_get::<Uuid, _>("id")?);
            payloads.push(message.encode_to_vec());
        }
        sqlx::query(&update)
            .bind(&ids)
            .bind(&payloads)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        masked += u64::try_from(ids.len()).unwrap_or(u64::MAX);
        if i64::try_from(ids.len()).unwrap_or(i64::MAX) < MASK_BATCH {
            return Ok(masked);
        }
    }
}
