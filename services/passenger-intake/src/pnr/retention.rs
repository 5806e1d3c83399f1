//! PNR retention (Directive (EU) 2016/681 art. 12). A version's personal data is masked six
//! months after it was received: names, addresses and contacts, payment data, frequent flyer
//! numbers, remarks and history, the group name and all API data (documents, dates and places of
//! birth, sex, nationality, residence) are blanked in the tables every read goes through, so
//! `GetPnr` shows the booking depersonalised. The version as received is kept apart in
//! `pnr_sealed` for `RepersonalisePnr`, which a supervisor may use with a reason and the
//! reference of the competent authority's approval (art. 12(3)), audited. Five years after it was
//! received the version is deleted, with its sealed copy; a booking with no version left goes too.
//!
//! [`sweep`] takes the clock as an argument, so a test can run it years ahead.

use chrono::{DateTime, Utc};
use gatehouse_platform::retention::run_sweeps;
pub use gatehouse_platform::retention::{Policy, Swept};
use gatehouse_platform::{
    audit::{AuditEntry, audit},
    auth::{Caller, Role},
    error::FieldViolations,
};
use gatehouse_proto::v1::{Pnr, RepersonalisePnrRequest, RepersonalisePnrResponse};
use prost::Message;
use sqlx::{PgConnection, PgPool, Row};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::{
    IntakeError,
    pnr::{
        read::{in_scope, rebuild},
        store,
    },
    read::Scope,
};

/// Versions masked in one transaction at most; a sweep repeats until none is left.
const MASK_BATCH: i64 = 500;
pub const MAX_AUTHORISATION_REFERENCE: usize = 100;
/// Who may re-personalise: a supervisor of the Passenger Information Unit (admins hold every role).
pub const REPERSONALISERS: [Role; 1] = [Role::Supervisor];

/// The scheduled sweep of passenger-intake.
pub async fn run(pool: PgPool, policy: Policy, shutdown: CancellationToken) {
    run_sweeps("pnr", policy, shutdown, |now| sweep(&pool, now, &policy)).await;
}

/// Masks what is due at `now` and deletes what has expired.
pub async fn sweep(
    pool: &PgPool,
    now: DateTime<Utc>,
    policy: &Policy,
) -> Result<Swept, IntakeError> {
    let mut swept = Swept::default();
    loop {
        let masked = mask_due(pool, now - policy.mask_after, now).await?;
        swept.masked += masked;
        if masked < u64::try_from(MASK_BATCH).unwrap_or(u64::MAX) {
            break;
        }
    }
    let mut tx = pool.begin().await?;
    swept.deleted = sqlx::query("DELETE FROM pnr_versions WHERE received_at < $1")
        .bind(now - policy.delete_after)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if swept.deleted > 0 {
        sqlx::query(
            "DELETE FROM pnrs p WHERE NOT EXISTS (SELECT 1 FROM pnr_versions v WHERE v.pnr_id = p.pnr_id)",
        )
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(swept)
}

/// Seals and masks up to [`MASK_BATCH`] versions received before `before`; returns how many.
async fn mask_due(
    pool: &PgPool,
    before: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<u64, IntakeError> {
    let mut tx = pool.begin().await?;
    // SKIP LOCKED: replicas sweeping at once share the work instead of waiting on each other.
    let due = sqlx::query(
        "SELECT version_id, pnr_id, version, agency FROM pnr_versions
         WHERE masked_at IS NULL AND received_at < $1
         ORDER BY received_at LIMIT $2 FOR UPDATE SKIP LOCKED",
    )
    .bind(before)
    .bind(MASK_BATCH)
    .fetch_all(&mut *tx)
    .await?;
    if due.is_empty() {
        tx.rollback().await?;
        return Ok(0);
    }
    let mut version_ids = Vec::with_capacity(due.len());
    let mut sealed = Vec::with_capacity(due.len());
    for row in &due {
        let version_id: Uuid = row.try_get("version_id")?;
        let pnr_id: Uuid = row.try_get("pnr_id")?;
        let agency: String = row.try_get("agency")?;
        let version: i32 = row.try_get("version")?;
        let Some(full) = store::select_version(&mut tx, &agency, pnr_id, version).await? else {
            return Err(IntakeError::Internal(
                "a version due for masking has no rows",
            ));
        };
        let pnr = rebuild(&full, pnr_id, &agency)?.pnr.unwrap_or_default();
        version_ids.push(version_id);
        sealed.push(pnr.encode_to_vec());
    }
    sqlx::query(
        "INSERT INTO pnr_sealed (version_id, pnr) SELECT * FROM UNNEST($1::uuid[], $2::bytea[])
         ON CONFLICT (version_id) DO NOTHING",
    )
    .bind(&version_ids)
    .bind(&sealed)
    .execute(&mut *tx)
    .await?;
    mask(&mut tx, &version_ids, now).await?;
    tx.commit().await?;
    Ok(u64::try_from(version_ids.len()).unwrap_or(u64::MAX))
}

/// Blanks the personal data of `versions` in every table a read goes through.
async fn mask(
    conn: &mut PgConnection,
    versions: &[Uuid],
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    const MASKS: [&str; 8] = [
        "UPDATE pnr_travellers SET surname = '', given_names = '', title = '', date_of_birth = NULL,
             sex = 'unspecified', nationality = '', country_of_residence = '', place_of_birth = '',
             residence_address = NULL, destination_address = NULL
         WHERE version_id = ANY($1)",
        "UPDATE pnr_documents SET number = '', number_normalized = '', issuing_country = '',
             expiry_date = NULL, issue_date = NULL
         WHERE version_id = ANY($1)",
        "UPDATE pnr_frequent_flyers SET number = '' WHERE version_id = ANY($1)",
        "UPDATE pnr_contacts SET name = '', phone = '', email = '', address = NULL
         WHERE version_id = ANY($1)",
        "UPDATE pnr_payments SET card_number = '', card_holder_name = '', card_expiry = '',
             billing_address = NULL
         WHERE version_id = ANY($1)",
        "UPDATE pnr_remarks SET text = '' WHERE version_id = ANY($1)",
        "UPDATE pnr_history SET value = '', changed_by = '' WHERE version_id = ANY($1)",
        "UPDATE pnr_versions SET group_name = '', agency_agent_id = NULL WHERE version_id = ANY($1)",
    ];
    for statement in MASKS {
        sqlx::query(statement)
            .bind(versions)
            .execute(&mut *conn)
            .await?;
    }
    sqlx::query("UPDATE pnr_versions SET masked_at = $2 WHERE version_id = ANY($1)")
        .bind(versions)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The full PNR of a version, masked or not, for a supervisor with a reason and an approval;
/// the disclosure is audited in the transaction that reads it.
pub async fn repersonalise(
    pool: &PgPool,
    caller: &Caller,
    scope: &Scope,
    request: RepersonalisePnrRequest,
) -> Result<RepersonalisePnrResponse, IntakeError> {
    let reason = crate::read::reason(&request.reason)?;
    let mut v = FieldViolations::new();
    let authorisation = request.authorisation_reference.trim();
    if authorisation.is_empty() {
        v.add(
            "authorisation_reference",
            "is required: the approval of the judicial or competent authority (art. 12(3)(b))",
        );
    } else if authorisation.chars().count() > MAX_AUTHORISATION_REFERENCE {
        v.add(
            "authorisation_reference",
            format!("at most {MAX_AUTHORISATION_REFERENCE} characters"),
        );
    }
    let pnr_id = Uuid::parse_str(request.pnr_id.trim()).ok();
    if pnr_id.is_none() {
        v.add("pnr_id", "must be a PNR id");
    }
    v.into_result().map_err(IntakeError::Invalid)?;
    let pnr_id = pnr_id.ok_or(IntakeError::Internal("a checked request lost its id"))?;
    let version =
        i32::try_from(request.version).map_err(|_| IntakeError::NotFound("pnr version"))?;

    let mut tx = pool.begin().await?;
    let row = match store::select_version(&mut tx, &caller.agency, pnr_id, version).await? {
        Some(row) if in_scope(&row, scope)? => row,
        // Unknown, or another unit's flight: the two are not told apart.
        _ => return Err(IntakeError::NotFound("pnr")),
    };
    let version_id: Uuid = row.try_get("version_id")?;
    let mut response = rebuild(&row, pnr_id, &caller.agency)?;
    if response.masked {
        let sealed: Option<Vec<u8>> =
            sqlx::query_scalar("SELECT pnr FROM pnr_sealed WHERE version_id = $1")
                .bind(version_id)
                .fetch_optional(&mut *tx)
                .await?;
        let sealed = sealed.ok_or(IntakeError::Internal("a masked version has no sealed copy"))?;
        response.pnr = Some(
            Pnr::decode(sealed.as_slice())
                .map_err(|_| IntakeError::Internal("a sealed pnr does not decode"))?,
        );
    }
    let audit_id = audit(
        &mut tx,
        AuditEntry {
            actor: &caller.subject,
            agency: &caller.agency,
            action: "pnr.repersonalise",
            resource_type: "pnr",
            resource_ids: vec![pnr_id.to_string(), version_id.to_string()],
            reason: Some(&format!("{reason} (authorisation: {authorisation})")),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(RepersonalisePnrResponse {
        pnr_id: pnr_id.to_string(),
        pnr: response.pnr,
        audit_id: audit_id.to_string(),
        traveller_ids: response.traveller_ids,
    })
}
