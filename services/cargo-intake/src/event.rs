//! The `ManifestAccepted` event of a stored manifest version.

use chrono::{DateTime, Utc};
use gatehouse_platform::events::{new_event_id, to_timestamp};
use gatehouse_proto::v1::{ConsignmentRecord, ManifestAccepted};
use uuid::Uuid;

use crate::validate::ValidManifest;

/// What storing a manifest gave it: the movement's id and version, and each consignment's
/// identity, version and party history.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub manifest_id: Uuid,
    pub accepted_at: DateTime<Utc>,
    pub version: u32,
    /// Same order as the manifest's consignments.
    pub consignment_records: Vec<ConsignmentRecord>,
}

pub fn accepted(agency: &str, valid: &ValidManifest, recorded: &Recorded) -> ManifestAccepted {
    ManifestAccepted {
        event_id: new_event_id(),
        occurred_at: Some(to_timestamp(recorded.accepted_at)),
        manifest_id: recorded.manifest_id.to_string(),
        message_id: valid.message_id.clone(),
        agency: agency.to_owned(),
        manifest: Some(valid.manifest.clone()),
        consignment_ids: recorded
            .consignment_records
            .iter()
            .map(|r| r.consignment_id.clone())
            .collect(),
        version: recorded.version,
        consignment_records: recorded.consignment_records.clone(),
        warnings: valid.warnings.clone(),
    }
}
