//! The append-only audit log: every read of personal data and every decision, with who, when,
//! what and why.

use sqlx::PgConnection;

use crate::error::FieldViolations;

/// Longest reason a read may give.
pub const MAX_REASON: usize = 500;

/// The reason a personal-data read gives, trimmed; a violation on `reason` when it is missing or
/// too long.
pub fn reason(raw: &str) -> Result<String, FieldViolations> {
    let reason = raw.trim();
    let mut v = FieldViolations::new();
    if reason.is_empty() {
        v.add(
            "reason",
            "is required: personal-data reads are audited with their reason",
        );
    } else if reason.chars().count() > MAX_REASON {
        v.add("reason", format!("at most {MAX_REASON} characters"));
    }
    v.into_result()?;
    Ok(reason.to_owned())
}

/// One line of the audit log.
#[derive(Debug, Clone)]
pub struct AuditEntry<'a> {
    pub actor: &'a str,
    pub agency: &'a str,
    /// What was done, e.g. `alert.read`, `alert.acknowledge`, `rule.activate`.
    pub action: &'a str,
    pub resource_type: &'a str,
    pub resource_ids: Vec<String>,
    pub reason: Option<&'a str>,
}

/// Appends `entry`; returns the id of its line (what a disclosure hands back as its receipt).
pub async fn audit(conn: &mut PgConnection, entry: AuditEntry<'_>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO audit_log (actor, agency, action, resource_type, resource_ids, reason)
         VALUES ($1, $2, $3, $4, $5, $6)
         RETURNING id",
    )
    .bind(entry.actor)
    .bind(entry.agency)
    .bind(entry.action)
    .bind(entry.resource_type)
    .bind(&entry.resource_ids)
    .bind(entry.reason)
    .fetch_one(conn)
    .await
}
