//! `SubmitCuscar`: a raw UN/EDIFACT CUSCAR interchange, read by its declared character set, each
//! UNH message mapped to the manifest contract ([`crate::cuscar`]), validated like a structured
//! manifest and stored in one batch, with one result per message. A message that cannot be read
//! or does not validate is refused on its own; the others are stored.

use gatehouse_formats::{Warning, cuscar};
use gatehouse_platform::{
    error::FieldViolations,
    intake::rejected,
    interchange::{self, LENIENT, number},
};
use gatehouse_proto::v1::{
    CargoMessageResult, SubmissionStatus, SubmitCuscarRequest, SubmitCuscarResponse,
    SubmitManifestRequest,
};

use crate::{CargoIntake, IntakeError, batch, validate};

/// Stores the messages of one interchange submitted by `agency`.
pub async fn submit_cuscar(
    intake: &CargoIntake,
    agency: &str,
    request: SubmitCuscarRequest,
) -> Result<SubmitCuscarResponse, IntakeError> {
    let (text, charset_warnings) = interchange::decode(&request.edifact)?;
    let mut read = cuscar::parse_interchange_with(&text, LENIENT)
        .map_err(|error| interchange::unreadable(&error))?;
    read.warnings.splice(0..0, charset_warnings);
    let key = interchange::key("cuscar", &request.message_id, &read.header, 8)?;
    let limits = intake.limits();

    let mut results: Vec<CargoMessageResult> = Vec::with_capacity(read.messages.len());
    let mut slots = Vec::new();
    let mut valid = Vec::new();
    for (i, message) in read.messages.iter().enumerate() {
        let index = i + 1;
        let message_id = format!("{key}/{index}");
        let message = match message {
            Ok(message) => message,
            Err(error) => {
                let mut violations = FieldViolations::new();
                violations.add(
                    format!("edifact.messages[{index}]"),
                    error.error.to_string(),
                );
                results.push(CargoMessageResult {
                    message: number(index),
                    reference: error.reference.clone().unwrap_or_default(),
                    result: Some(rejected(message_id, &violations)),
                    ..Default::default()
                });
                continue;
            }
        };
        let (manifest, mapping_warnings) = crate::cuscar::to_manifest(&read.header, message);
        let mut result = CargoMessageResult {
            message: number(index),
            reference: message.header.reference.clone(),
            warnings: message
                .warnings
                .iter()
                .chain(&mapping_warnings)
                .map(interchange::format_warning)
                .collect(),
            ..Default::default()
        };
        let submission = SubmitManifestRequest {
            message_id: message_id.clone(),
            manifest: Some(manifest),
        };
        match validate::validate(submission, agency, &limits) {
            Ok(manifest) => {
                slots.push(results.len());
                valid.push(manifest);
            }
            Err(violations) => {
                // The fields are the contract's, as mapped from the message.
                result.result = Some(rejected(message_id, &violations));
            }
        }
        results.push(result);
    }

    let outcomes = batch::store_all(intake, agency, valid.iter()).await?;
    for ((&slot, manifest), outcome) in slots.iter().zip(&valid).zip(outcomes) {
        if let Some(result) = results.get_mut(slot) {
            let mut stored = crate::result(manifest.message_id.clone(), &outcome);
            stored.warnings = manifest.warnings.clone();
            result.result = Some(stored);
        }
    }
    Ok(response(results, &read.warnings))
}

fn response(results: Vec<CargoMessageResult>, warnings: &[Warning]) -> SubmitCuscarResponse {
    let summary = Summary::of(&results);
    let first = summary.stored.first().and_then(|m| m.result.as_ref());
    SubmitCuscarResponse {
        manifest_id: first.map(|r| r.record_id.clone()).unwrap_or_default(),
        accepted_at: first.and_then(|r| r.accepted_at),
        consignment_count: summary.consignment_count,
        duplicate: summary.duplicate,
        warnings: warnings.iter().map(interchange::format_warning).collect(),
        messages: results,
    }
}

/// What the per-message results of a raw submission (CUSCAR, Cargo-IMP) add up to.
pub struct Summary<'a> {
    /// The messages accepted or found as duplicates, in order.
    pub stored: Vec<&'a CargoMessageResult>,
    /// Consignments in those.
    pub consignment_count: i32,
    /// Every message was seen before.
    pub duplicate: bool,
}

impl<'a> Summary<'a> {
    pub fn of(messages: &'a [CargoMessageResult]) -> Self {
        let stored: Vec<&CargoMessageResult> = messages
            .iter()
            .filter(|m| {
                matches!(
                    status(m),
                    SubmissionStatus::Accepted | SubmissionStatus::Duplicate
                )
            })
            .collect();
        Self {
            consignment_count: stored
                .iter()
                .filter_map(|m| m.result.as_ref())
                .map(|r| r.item_count)
                .sum(),
            duplicate: !messages.is_empty()
                && messages
                    .iter()
                    .all(|m| status(m) == SubmissionStatus::Duplicate),
            stored,
        }
    }
}

fn status(message: &CargoMessageResult) -> SubmissionStatus {
    message
        .result
        .as_ref()
        .and_then(|r| SubmissionStatus::try_from(r.status).ok())
        .unwrap_or(SubmissionStatus::Unspecified)
}

/// Logs what became of a raw submission's messages: counts only.
pub fn log_received(what: &str, messages: &[CargoMessageResult]) {
    let count = |wanted: SubmissionStatus| messages.iter().filter(|m| status(m) == wanted).count();
    tracing::info!(
        messages = messages.len(),
        accepted = count(SubmissionStatus::Accepted),
        duplicates = count(SubmissionStatus::Duplicate),
        rejected = count(SubmissionStatus::Rejected),
        consignments = Summary::of(messages).consignment_count,
        on_file = messages.iter().filter(|m| m.on_file).count(),
        "{what} received"
    );
}
