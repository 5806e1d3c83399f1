//! `GetManifest`: a stored manifest version with every consignment it lists, read back as it was
//! validated. Parties may be natural persons, so the read needs an officer's, supervisor's or
//! analyst's role and a reason, sees only the agency's manifests (an officer or supervisor only
//! those entering at their units' places), and writes an audit row in the transaction that reads.

use gatehouse_platform::{
    audit::{self, AuditEntry},
    auth::{Caller, Role},
    error::FieldViolations,
    events::to_timestamp,
    units::Scope,
};
use gatehouse_proto::v1::{CargoManifest, Consignment, GetManifestRequest, GetManifestResponse};
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
