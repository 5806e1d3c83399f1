//! Watchlists and their entries.

use chrono::{DateTime, Utc};
use gatehouse_matching::document::normalize_document_number;
use gatehouse_platform::{
    auth::Caller,
    bus::{OutboundEvent, subjects},
    db,
    error::FieldViolations,
    events::{from_timestamp, new_event_id, now_timestamp, to_timestamp},
    outbox::{Relay, enqueue},
};
use gatehouse_proto::{
    labels,
    v1::{
        AddWatchlistEntriesRequest, AddWatchlistEntriesResponse, CreateWatchlistRequest,
        DocumentType, Watchlist, WatchlistChangeKind, WatchlistChanged, WatchlistKind,
    },
};
use sqlx::{PgConnection, PgPool, Row, postgres::PgRow};
use uuid::Uuid;

use crate::{TargetingError, rules::severity_name};

/// Tables screening reads per batch; kept analyzed as lists grow.
pub const WATCHLIST_TABLES: &[&str] = &["watchlist_entries", "watchlist_documents"];

/// Most entries one AddWatchlistEntries call may carry; bulk lists come through ImportWatchlist.
const MAX_ENTRIES: usize = 10_000;

fn kind_name(kind: i32) -> String {
    let kind = WatchlistKind::try_from(kind).unwrap_or(WatchlistKind::Unspecified);
    labels::label(kind.as_str_name(), "WATCHLIST_KIND_")
}

fn watchlist_from_row(row: &PgRow) -> Result<Watchlist, sqlx::Error> {
    let id: Uuid = row.try_get("watchlist_id")?;
    let kind: String = row.try_get("kind")?;
    let created_at: DateTime<Utc> = row.try_get("created_at")?;
    let updated_at: DateTime<Utc> = row.try_get("updated_at")?;
    Ok(Watchlist {
        id: id.to_string(),
        name: row.try_get("name")?,
        kind: WatchlistKind::from_str_name(&format!("WATCHLIST_KIND_{}", kind.to_ascii_uppercase()))
            .unwrap_or(WatchlistKind::Unspecified) as i32,
        description: row.try_get("description")?,
        source: row.try_get("source")?,
        entry_count: row.try_get("entry_count")?,
        created_at: Some(to_timestamp(created_at)),
        updated_at: Some(to_timestamp(updated_at)),
    })
}

const SELECT_WATCHLIST: &str = "SELECT w.watchlist_id, w.name, w.kind, w.description, w.source, w.created_at, w.updated_at,
        (SELECT count(*) FROM watchlist_entries e WHERE e.watchlist_id = w.watchlist_id) AS entry_count
     FROM watchlists w";

pub async fn create(
    pool: &PgPool,
    relay: &Relay,
    caller: &Caller,
    req: CreateWatchlistRequest,
) -> Result<Watchlist, TargetingError> {
    let mut v = FieldViolations::new();
    let name = req.name.trim().to_owned();
    if name.is_empty() {
        v.add("name", "is required");
    }
    if matches!(
        WatchlistKind::try_from(req.kind),
        Ok(WatchlistKind::Unspecified) | Err(_)
    ) {
        v.add("kind", "is required");
    }
    v.into_result().map_err(TargetingError::Invalid)?;
    let id = Uuid::now_v7();
    let mut tx = pool.begin().await?;
    let inserted = sqlx::query(
        "INSERT INTO watchlists (watchlist_id, name, kind, description, source, created_by)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(&name)
    .bind(kind_name(req.kind))
    .bind(req.description.trim())
    .bind(req.source.trim())
    .bind(&caller.subject)
    .execute(&mut *tx)
    .await;
    match inserted {
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            return Err(TargetingError::AlreadyExists(format!(
                "watchlist named {name:?}"
            )));
        }
        other => {
            other?;
        }
    }
    let event = WatchlistChanged {
        event_id: new_event_id(),
        occurred_at: Some(now_timestamp()),
        watchlist_id: id.to_string(),
        change: WatchlistChangeKind::Created as i32,
        description: "created".into(),
        actor: caller.subject.clone(),
        ..Default::default()
    };
    enqueue(
        &mut tx,
        &[OutboundEvent::new(subjects::WATCHLIST_CHANGED, &event)?],
    )
    .await?;
    let watchlist = fetch(&mut tx, id).await?;
    tx.commit().await?;
    relay.notify();
    Ok(watchlist)
}

async fn fetch(conn: &mut PgConnection, id: Uuid) -> Result<Watchlist, TargetingError> {
    let row = sqlx::query(&format!("{SELECT_WATCHLIST} WHERE w.watchlist_id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| TargetingError::NotFound(format!("watchlist {id}")))?;
    Ok(watchlist_from_row(&row)?)
}

pub async fn list(pool: &PgPool, kind: i32) -> Result<Vec<Watchlist>, TargetingError> {
    let kind = (WatchlistKind::try_from(kind).unwrap_or(WatchlistKind::Unspecified)
        != WatchlistKind::Unspecified)
        .then(|| kind_name(kind));
    let rows = sqlx::query(&format!(
        "{SELECT_WATCHLIST} WHERE $1::text IS NULL OR w.kind = $1 ORDER BY w.name"
    ))
    .bind(kind)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .iter()
        .map(watchlist_from_row)
        .collect::<Result<_, _>>()?)
}

pub async fn add_entries(
    pool: &PgPool,
    relay: &Relay,
    caller: &Caller,
    req: AddWatchlistEntriesRequest,
) -> Result<AddWatchlistEntriesResponse, TargetingError> {
    let mut v = FieldViolations::new();
    let watchlist_id = Uuid::parse_str(req.watchlist_id.trim());
    if watchlist_id.is_err() {
        v.add("watchlist_id", "must be a watchlist id");
    }
    let message_id = req.message_id.trim().to_owned();
    if message_id.is_empty() {
        v.add("message_id", "is required (client idempotency key)");
    }
    if req.entries.is_empty() {
        v.add("entries", "at least one entry is required");
    } else if req.entries.len() > MAX_ENTRIES {
        v.add(
            "entries",
            format!("at most {MAX_ENTRIES} entries per call; use ImportWatchlist for whole lists"),
        );
    }
    for (i, entry) in req.entries.iter().enumerate() {
        let path = format!("entries[{i}]");
        if entry.names.iter().all(|n| n.trim().is_empty()) && entry.documents.is_empty() {
            v.add(&path, "needs at least one name or document");
        }
        for (j, document) in entry.documents.iter().enumerate() {
            if normalize_document_number(&document.number).is_none() {
                v.add(format!("{path}.documents[{j}].number"), "is required");
            }
            if DocumentType::try_from(document.r#type).is_err() {
                v.add(
                    format!("{path}.documents[{j}].type"),
                    "unknown document type",
                );
            }
        }
    }
    v.into_result().map_err(TargetingError::Invalid)?;
    let watchlist_id = watchlist_id.map_err(|_| TargetingError::NotFound("watchlist".into()))?;

    let mut tx = pool.begin().await?;
    let kind: Option<String> =
        sqlx::query_scalar("SELECT kind FROM watchlists WHERE watchlist_id = $1 FOR UPDATE")
            .bind(watchlist_id)
            .fetch_optional(&mut *tx)
            .await?;
    if kind.is_none() {
        return Err(TargetingError::NotFound(format!(
            "watchlist {watchlist_id}"
        )));
    }
    let earlier: Option<Vec<Uuid>> = sqlx::query_scalar(
        "SELECT entry_ids FROM watchlist_submissions WHERE watchlist_id = $1 AND message_id = $2",
    )
    .bind(watchlist_id)
    .bind(&message_id)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(entry_ids) = earlier {
        tx.commit().await?;
        return Ok(AddWatchlistEntriesResponse {
            added: i32::try_from(entry_ids.len()).unwrap_or(i32::MAX),
            entry_ids: entry_ids.iter().map(ToString::to_string).collect(),
        });
    }

    let mut entry_ids = Vec::with_capacity(req.entries.len());
    for entry in &req.entries {
        let entry_id = Uuid::now_v7();
        entry_ids.push(entry_id);
        let names: Vec<String> = entry
            .names
            .iter()
            .map(|n| n.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|n| !n.is_empty())
            .collect();
        sqlx::query(
            "INSERT INTO watchlist_entries (entry_id, watchlist_id, external_ref, names, date_of_birth, nationality,
                 reason, severity, target_units, valid_until)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(entry_id)
        .bind(watchlist_id)
        .bind(entry.external_ref.trim())
        .bind(&names)
        .bind(entry.date_of_birth.trim())
        .bind(entry.nationality.trim().to_ascii_uppercase())
        .bind(entry.reason.trim())
        .bind(severity_name(entry.severity))
        .bind(&entry.target_units)
        .bind(entry.valid_until.as_ref().and_then(from_timestamp))
        .execute(&mut *tx)
        .await?;
        for (position, document) in entry.documents.iter().enumerate() {
            sqlx::query(
                "INSERT INTO watchlist_documents (entry_id, position, document_type, number, number_normalized,
                     issuing_country)
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(entry_id)
            .bind(i32::try_from(position).unwrap_or(i32::MAX))
            .bind(labels::document_type(document.r#type))
            .bind(document.number.trim())
            .bind(normalize_document_number(&document.number).unwrap_or_default())
            .bind(document.issuing_country.trim().to_ascii_uppercase())
            .execute(&mut *tx)
            .await?;
        }
    }
    sqlx::query("INSERT INTO watchlist_submissions (watchlist_id, message_id, entry_ids) VALUES ($1, $2, $3)")
        .bind(watchlist_id)
        .bind(&message_id)
        .bind(&entry_ids)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE watchlists SET updated_at = now() WHERE watchlist_id = $1")
        .bind(watchlist_id)
        .execute(&mut *tx)
        .await?;
    let entry_count: i64 =
        sqlx::query_scalar("SELECT count(*) FROM watchlist_entries WHERE watchlist_id = $1")
            .bind(watchlist_id)
            .fetch_one(&mut *tx)
            .await?;
    let added = i32::try_from(entry_ids.len()).unwrap_or(i32::MAX);
    let event = WatchlistChanged {
        event_id: new_event_id(),
        occurred_at: Some(now_timestamp()),
        watchlist_id: watchlist_id.to_string(),
        change: WatchlistChangeKind::EntriesAdded as i32,
        description: format!("{added} entries added"),
        added,
        entry_count,
        actor: caller.subject.clone(),
        ..Default::default()
    };
    enqueue(
        &mut tx,
        &[OutboundEvent::new(subjects::WATCHLIST_CHANGED, &event)?],
    )
    .await?;
    tx.commit().await?;
    relay.notify();
    tracing::info!(watchlist_id = %watchlist_id, added, "watchlist entries added");
    // Screening looks documents up per batch: its plan needs the statistics of the grown list.
    if let Err(error) = db::analyze_if_stale(pool, WATCHLIST_TABLES).await {
        tracing::warn!(%error, "analyzing the watchlist tables failed");
    }
    Ok(AddWatchlistEntriesResponse {
        added,
        entry_ids: entry_ids.iter().map(ToString::to_string).collect(),
    })
}
