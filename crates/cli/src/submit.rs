//! `gatehouse submit`: sends carriers' raw files to intake, one RPC per file, and reports one
//! result per message of each interchange.
//!
//! Each file is submitted without a message id, so intake keys it by the UNB sender and control
//! reference (a Cargo-IMP file, which has no envelope, by its content): running the command again
//! on the same files answers `duplicate` instead of storing twice, which also makes a retry after
//! `UNAVAILABLE` safe.

use std::{
    path::{Path, PathBuf},
    time::Duration,
};

use anyhow::{Context, Result, bail};
use futures::StreamExt;
use gatehouse_platform::{auth::Role, config::ServiceKind};
use gatehouse_proto::v1::{
    CargoMessageResult, SubmissionResult, SubmissionStatus, SubmitCargoImpRequest,
    SubmitCuscarRequest, SubmitManifestRequest, SubmitPaxlstRequest, SubmitPnrgovRequest,
    cargo_intake_service_client::CargoIntakeServiceClient,
    passenger_intake_service_client::PassengerIntakeServiceClient,
};
use indicatif::{ProgressBar, ProgressStyle};
use prost_reflect::{DescriptorPool, DynamicMessage};
use serde::Serialize;
use tonic::{Code, Status};

use crate::client::{self, AuthChannel};

/// Files submitted at once (each is one RPC).
const IN_FLIGHT: usize = 4;
const ATTEMPTS: u32 = 5;
/// Largest file read: the server refuses larger interchanges anyway (gRPC message limit).
const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

#[derive(Debug, clap::Subcommand)]
pub enum SubmitCommand {
    /// UN/EDIFACT PAXLST interchanges (API passenger and crew lists) to passenger-intake.
    Paxlst(SubmitArgs),
    /// UN/EDIFACT PNRGOV interchanges (PNR pushes) to passenger-intake.
    Pnrgov(SubmitArgs),
    /// UN/EDIFACT CUSCAR interchanges (customs cargo reports) to cargo-intake.
    Cuscar(CargoSubmitArgs),
    /// IATA Cargo-IMP messages (FWB air waybills, FFM flight manifests, FHL house waybills) to
    /// cargo-intake: each file holds one message or several, one result each.
    CargoImp(CargoSubmitArgs),
    /// Structured manifests in the contract's proto3 JSON form to cargo-intake: each file holds
    /// one `SubmitManifestRequest` object (`{"messageId": ..., "manifest": {...}}`) or an array
    /// of them; an object without a message id is keyed `json:<file name>/<position>`.
    ManifestJson(CargoSubmitArgs),
}

#[derive(Debug, clap::Args)]
pub struct CargoSubmitArgs {
    /// Interchange files, one interchange each.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Print one JSON object per message instead of a progress bar and summary.
    #[arg(long)]
    pub json: bool,
    /// cargo-intake gRPC URL.
    #[arg(long, env = "GATEHOUSE_CARGO_INTAKE_URL", default_value_t = client::default_url(ServiceKind::CargoIntake))]
    pub addr: String,
}

#[derive(Debug, clap::Args)]
pub struct SubmitArgs {
    /// Interchange files, one interchange each.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Print one JSON object per message instead of a progress bar and summary.
    #[arg(long)]
    pub json: bool,
    /// passenger-intake gRPC URL.
    #[arg(long, env = "GATEHOUSE_PASSENGER_INTAKE_URL", default_value_t = client::default_url(ServiceKind::PassengerIntake))]
    pub addr: String,
}

/// The result of one message, as `--json` prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MessageLine {
    pub file: String,
    /// Position of the message in the interchange, from 1; 0 when the file as a whole failed.
    pub message: u32,
    /// `accepted`, `duplicate`, `pending` (a part held until the other parts arrive) or
    /// `rejected`.
    pub status: &'static str,
    pub record_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub travellers: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pnrs: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consignments: Option<i32>,
    pub reason: String,
}

impl MessageLine {
    fn succeeded(&self) -> bool {
        self.status != "rejected"
    }
}

pub async fn run(command: &SubmitCommand) -> Result<()> {
    let token = client::token_for("cli-submitter", &[Role::Submitter], &[])?;
    match command {
        SubmitCommand::Paxlst(args) | SubmitCommand::Pnrgov(args) => {
            let kind = if matches!(command, SubmitCommand::Paxlst(_)) {
                Kind::Paxlst
            } else {
                Kind::Pnrgov
            };
            let channel = client::connect_authed(&args.addr, &token).await?;
            let intake = PassengerIntakeServiceClient::new(channel);
            run_files(&args.files, args.json, |file| {
                let mut intake = intake.clone();
                async move {
                    match kind {
                        Kind::Paxlst => submit_paxlst_file(&mut intake, file).await,
                        Kind::Pnrgov => submit_pnrgov_file(&mut intake, file).await,
                    }
                }
            })
            .await
        }
        SubmitCommand::Cuscar(args)
        | SubmitCommand::CargoImp(args)
        | SubmitCommand::ManifestJson(args) => {
            let channel = client::connect_authed(&args.addr, &token).await?;
            let intake = CargoIntakeServiceClient::new(channel);
            run_files(&args.files, args.json, |file| {
                let mut intake = intake.clone();
                async move {
                    match command {
                        SubmitCommand::ManifestJson(_) => {
                            submit_manifest_json_file(&mut intake, file).await
                        }
                        SubmitCommand::CargoImp(_) => {
                            submit_cargo_imp_file(&mut intake, file).await
                        }
                        _ => submit_cuscar_file(&mut intake, file).await,
                    }
                }
            })
            .await
        }
    }
}

/// Submits every file with `submit`, a few at a time, and prints the lines in file order (as
/// JSON, or a summary); fails when a message was not accepted.
async fn run_files<'a, F, Fut>(files: &'a [PathBuf], json: bool, submit: F) -> Result<()>
where
    F: Fn(&'a Path) -> Fut,
    Fut: Future<Output = Vec<MessageLine>>,
{
    let bar = progress(files.len(), json);
    let results: Vec<Vec<MessageLine>> = futures::stream::iter(files.iter())
        .map(|file| {
            let bar = bar.clone();
            let lines = submit(file);
            async move {
                let lines = lines.await;
                bar.inc(1);
                lines
            }
        })
        // In file order, so output and summary follow the command line.
        .buffered(IN_FLIGHT)
        .collect()
        .await;
    bar.finish_and_clear();
    let lines: Vec<MessageLine> = results.into_iter().flatten().collect();
    if json {
        for line in &lines {
            println!("{}", serde_json::to_string(line)?);
        }
    } else {
        print!("{}", summary(files.len(), &lines));
    }
    let failed = lines.iter().filter(|l| !l.succeeded()).count();
    if failed > 0 {
        bail!("{failed} of {} messages were not accepted", lines.len());
    }
    Ok(())
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    Paxlst,
    Pnrgov,
}

fn progress(files: usize, json: bool) -> ProgressBar {
    if json {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(files as u64);
    if let Ok(style) =
        ProgressStyle::with_template("{elapsed_precise} [{bar:40}] {pos}/{len} files")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// Submits one file and turns the answer (or the failure) into lines.
pub async fn submit_paxlst_file(
    intake: &mut PassengerIntakeServiceClient<AuthChannel>,
    file: &Path,
) -> Vec<MessageLine> {
    let name = file.display().to_string();
    let response = match submit_file(file, |edifact| {
        let mut intake = intake.clone();
        async move {
            intake
                .submit_paxlst(SubmitPaxlstRequest {
                    message_id: String::new(),
                    edifact,
                })
                .await
        }
    })
    .await
    {
        Ok(response) => response,
        Err(failed) => return failed,
    };
    let envelope: Vec<String> = response.warnings.iter().map(format_warning).collect();
    response
        .messages
        .into_iter()
        .map(|message| {
            let result = message.result.unwrap_or_default();
            let status = match SubmissionStatus::try_from(result.status) {
                Ok(SubmissionStatus::Accepted) => "accepted",
                Ok(SubmissionStatus::Duplicate) => "duplicate",
                Ok(SubmissionStatus::Pending) => "pending",
                _ => "rejected",
            };
            let warnings = message.warnings.iter().map(format_warning);
            let reason: Vec<String> = std::iter::once(result.reason)
                .filter(|r| !r.is_empty())
                .chain(warnings)
                .chain(envelope.iter().cloned())
                .collect();
            MessageLine {
                file: name.clone(),
                message: message.message,
                status,
                record_id: result.record_id,
                travellers: Some(result.item_count),
                pnrs: None,
                consignments: None,
                reason: reason.join("; "),
            }
        })
        .collect()
}

/// Submits one PNRGOV file: one line per message, `pnrs` counting the PNRs stored or found as
/// duplicates. A message is `accepted` when every PNR was stored (at least one new),
/// `duplicate` when every PNR was seen before, else `rejected` with each refused PNR's reason.
pub async fn submit_pnrgov_file(
    intake: &mut PassengerIntakeServiceClient<AuthChannel>,
    file: &Path,
) -> Vec<MessageLine> {
    let name = file.display().to_string();
    let response = match submit_file(file, |edifact| {
        let mut intake = intake.clone();
        async move {
            intake
                .submit_pnrgov(SubmitPnrgovRequest {
                    message_id: String::new(),
                    edifact,
                })
                .await
        }
    })
    .await
    {
        Ok(response) => response,
        Err(failed) => return failed,
    };
    let envelope: Vec<String> = response.warnings.iter().map(format_warning).collect();
    response
        .messages
        .into_iter()
        .map(|message| {
            let status_of = |r: &SubmissionResult| SubmissionStatus::try_from(r.status).ok();
            let stored = message
                .pnrs
                .iter()
                .filter(|r| {
                    matches!(
                        status_of(r),
                        Some(SubmissionStatus::Accepted | SubmissionStatus::Duplicate)
                    )
                })
                .count();
            let new = message
                .pnrs
                .iter()
                .any(|r| status_of(r) == Some(SubmissionStatus::Accepted));
            let status = if message.rejected.is_some() || stored < message.pnrs.len() {
                "rejected"
            } else if new {
                "accepted"
            } else if stored > 0 {
                "duplicate"
            } else {
                // A message without PNRs stores nothing.
                "rejected"
            };
            let refused = message
                .rejected
                .iter()
                .chain(&message.pnrs)
                .filter(|r| status_of(r) == Some(SubmissionStatus::Rejected))
                .map(|r| format!("{}: {}", r.message_id, r.reason));
            let empty = (message.rejected.is_none() && message.pnrs.is_empty())
                .then(|| "the message holds no PNR".to_owned());
            let reason: Vec<String> = refused
                .chain(empty)
                .chain(message.warnings.iter().map(format_warning))
                .chain(envelope.iter().cloned())
                .collect();
            MessageLine {
                file: name.clone(),
                message: message.message,
                status,
                record_id: message
                    .pnrs
                    .iter()
                    .find(|r| !r.record_id.is_empty())
                    .map(|r| r.record_id.clone())
                    .unwrap_or_default(),
                travellers: None,
                pnrs: Some(i32::try_from(stored).unwrap_or(i32::MAX)),
                consignments: None,
                reason: reason.join("; "),
            }
        })
        .collect()
}

/// Submits one CUSCAR file: one line per message, `consignments` counting those stored or found
/// as duplicates.
pub async fn submit_cuscar_file(
    intake: &mut CargoIntakeServiceClient<AuthChannel>,
    file: &Path,
) -> Vec<MessageLine> {
    let name = file.display().to_string();
    let response = match submit_file(file, |edifact| {
        let mut intake = intake.clone();
        async move {
            intake
                .submit_cuscar(SubmitCuscarRequest {
                    message_id: String::new(),
                    edifact,
                })
                .await
        }
    })
    .await
    {
        Ok(response) => response,
        Err(failed) => return failed,
    };
    let envelope: Vec<String> = response.warnings.iter().map(format_warning).collect();
    cargo_lines(&name, response.messages, &envelope)
}

/// Submits one Cargo-IMP file (ASCII text, one message or several): one line per message, as for
/// CUSCAR. A file without a message id is keyed by its content, so a resend is a duplicate.
pub async fn submit_cargo_imp_file(
    intake: &mut CargoIntakeServiceClient<AuthChannel>,
    file: &Path,
) -> Vec<MessageLine> {
    let name = file.display().to_string();
    let response = match submit_file(file, |bytes| {
        let mut intake = intake.clone();
        async move {
            let text = String::from_utf8(bytes).map_err(|_| {
                Status::invalid_argument("the file is not text: Cargo-IMP messages are ASCII")
            })?;
            intake
                .submit_cargo_imp(SubmitCargoImpRequest {
                    message_id: String::new(),
                    text,
                })
                .await
        }
    })
    .await
    {
        Ok(response) => response,
        Err(failed) => return failed,
    };
    cargo_lines(&name, response.messages, &[])
}

/// The lines of a raw cargo file's message results; `envelope` warnings go with every line.
fn cargo_lines(
    name: &str,
    messages: Vec<CargoMessageResult>,
    envelope: &[String],
) -> Vec<MessageLine> {
    messages
        .into_iter()
        .map(|message| {
            let result = message.result.unwrap_or_default();
            let status = match SubmissionStatus::try_from(result.status) {
                Ok(SubmissionStatus::Accepted) => "accepted",
                Ok(SubmissionStatus::Duplicate) => "duplicate",
                _ => "rejected",
            };
            let reason: Vec<String> = std::iter::once(result.reason)
                .filter(|r| !r.is_empty())
                .chain(message.warnings.iter().map(format_warning))
                .chain(envelope.iter().cloned())
                .collect();
            MessageLine {
                file: name.to_owned(),
                message: message.message,
                status,
                record_id: result.record_id,
                travellers: None,
                pnrs: None,
                consignments: Some(result.item_count),
                reason: reason.join("; "),
            }
        })
        .collect()
}

/// The `SubmitManifestRequest`s of a manifest-json file, in proto3 JSON (field names in either
/// form, enums by name, timestamps in RFC 3339), read through the contracts' descriptors; an
/// object without a message id gets `json:<name>/<position>`, so a resend is a duplicate.
pub fn manifest_requests(name: &str, text: &str) -> Result<Vec<SubmitManifestRequest>> {
    let pool = DescriptorPool::decode(gatehouse_proto::FILE_DESCRIPTOR_SET)
        .context("the contracts' descriptors")?;
    let descriptor = pool
        .get_message_by_name("gatehouse.v1.SubmitManifestRequest")
        .context("SubmitManifestRequest is not in the contracts")?;
    let value: serde_json::Value = serde_json::from_str(text).context("not JSON")?;
    let objects = match value {
        serde_json::Value::Array(items) => items,
        object => vec![object],
    };
    objects
        .into_iter()
        .enumerate()
        .map(|(i, object)| {
            let dynamic = DynamicMessage::deserialize(descriptor.clone(), object)
                .with_context(|| format!("item {}: not a SubmitManifestRequest", i + 1))?;
            let mut request: SubmitManifestRequest = dynamic
                .transcode_to()
                .with_context(|| format!("item {}", i + 1))?;
            if request.message_id.trim().is_empty() {
                request.message_id = format!("json:{name}/{}", i + 1);
            }
            Ok(request)
        })
        .collect()
}

/// Submits the manifests of one manifest-json file, one `SubmitManifest` each: one line per
/// manifest, `consignments` counting those stored or found as duplicates.
pub async fn submit_manifest_json_file(
    intake: &mut CargoIntakeServiceClient<AuthChannel>,
    file: &Path,
) -> Vec<MessageLine> {
    let name = file.display().to_string();
    let failed = |reason: String| {
        vec![MessageLine {
            file: name.clone(),
            message: 0,
            status: "rejected",
            record_id: String::new(),
            travellers: None,
            pnrs: None,
            consignments: None,
            reason,
        }]
    };
    let text = match read(file)
        .and_then(|bytes| String::from_utf8(bytes).context("manifest-json files are UTF-8"))
    {
        Ok(text) => text,
        Err(error) => return failed(format!("{error:#}")),
    };
    let stem = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let requests = match manifest_requests(&stem, &text) {
        Ok(requests) => requests,
        Err(error) => return failed(format!("{error:#}")),
    };
    let mut lines = Vec::with_capacity(requests.len());
    for (i, request) in requests.into_iter().enumerate() {
        let answer = with_retries(|| {
            let mut intake = intake.clone();
            let request = request.clone();
            async move { intake.submit_manifest(request).await }
        })
        .await;
        let position = u32::try_from(i + 1).unwrap_or(u32::MAX);
        lines.push(match answer {
            Ok(response) => {
                let response = response.into_inner();
                let warnings: Vec<String> = response
                    .warnings
                    .iter()
                    .map(|w| format!("{}: {}", w.field, w.reason))
                    .collect();
                MessageLine {
                    file: name.clone(),
                    message: position,
                    status: if response.duplicate {
                        "duplicate"
                    } else {
                        "accepted"
                    },
                    record_id: response.manifest_id,
                    travellers: None,
                    pnrs: None,
                    consignments: Some(response.consignment_count),
                    reason: warnings.join("; "),
                }
            }
            Err(status) => MessageLine {
                file: name.clone(),
                message: position,
                status: "rejected",
                record_id: String::new(),
                travellers: None,
                pnrs: None,
                consignments: Some(0),
                reason: describe(&status),
            },
        });
    }
    lines
}

/// Reads `file` and submits its bytes with `call`, retried while the service cannot answer; the
/// one line of a file that failed as a whole otherwise.
async fn submit_file<R, F, Fut>(file: &Path, call: F) -> Result<R, Vec<MessageLine>>
where
    F: Fn(Vec<u8>) -> Fut,
    Fut: Future<Output = Result<tonic::Response<R>, Status>>,
{
    let failed = |reason: String| {
        vec![MessageLine {
            file: file.display().to_string(),
            message: 0,
            status: "rejected",
            record_id: String::new(),
            travellers: None,
            pnrs: None,
            consignments: None,
            reason,
        }]
    };
    let edifact = read(file).map_err(|error| failed(format!("{error:#}")))?;
    with_retries(|| call(edifact.clone()))
        .await
        .map(tonic::Response::into_inner)
        .map_err(|status| failed(describe(&status)))
}

fn format_warning(w: &gatehouse_proto::v1::FormatWarning) -> String {
    format!("warning: segment {} ({}): {}", w.segment, w.tag, w.reason)
}

fn read(file: &Path) -> Result<Vec<u8>> {
    let size = std::fs::metadata(file)
        .with_context(|| format!("cannot read {}", file.display()))?
        .len();
    if size > MAX_FILE_BYTES {
        bail!("{size} bytes: larger than the {MAX_FILE_BYTES} bytes an interchange may have");
    }
    std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))
}

/// Retries what a later attempt can fix (a replica restarting, a database failover).
async fn with_retries<T, F, Fut>(mut call: F) -> Result<T, Status>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, Status>>,
{
    let mut delay = Duration::from_millis(200);
    let mut attempt = 1;
    loop {
        match call().await {
            Err(status)
                if attempt < ATTEMPTS
                    && matches!(status.code(), Code::Unavailable | Code::ResourceExhausted)
                    && !status.message().contains("message length too large") =>
            {
                tokio::time::sleep(delay).await;
                delay *= 2;
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// The status, with the field violations of an `INVALID_ARGUMENT`.
fn describe(status: &Status) -> String {
    use tonic_types::StatusExt;
    let violations: Vec<String> = status
        .get_details_bad_request()
        .map(|details| {
            details
                .field_violations
                .into_iter()
                .map(|v| format!("{}: {}", v.field, v.description))
                .collect()
        })
        .unwrap_or_default();
    if violations.is_empty() {
        format!("{:?}: {}", status.code(), status.message())
    } else {
        format!("{:?}: {}", status.code(), violations.join("; "))
    }
}

/// Counts by status, then one line per message that was not accepted.
pub fn summary(files: usize, lines: &[MessageLine]) -> String {
    let count = |status: &str| lines.iter().filter(|l| l.status == status).count();
    let accepted = lines.iter().filter(|l| l.status == "accepted");
    let counted = if lines.iter().any(|l| l.pnrs.is_some()) {
        format!("{} PNRs", accepted.filter_map(|l| l.pnrs).sum::<i32>())
    } else if lines.iter().any(|l| l.consignments.is_some()) {
        format!(
            "{} consignments",
            accepted.filter_map(|l| l.consignments).sum::<i32>()
        )
    } else {
        format!(
            "{} travellers",
            accepted.filter_map(|l| l.travellers).sum::<i32>()
        )
    };
    let mut out = format!(
        "{files} files, {} messages: {} accepted ({counted}), {} duplicate, {} pending, {} rejected\n",
        lines.len(),
        count("accepted"),
        count("duplicate"),
        count("pending"),
        count("rejected"),
    );
    for line in lines
        .iter()
        .filter(|l| l.status != "accepted" && l.status != "duplicate")
    {
        out.push_str(&format!(
            "  {} message {}: {}: {}\n",
            line.file, line.message, line.status, line.reason
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(message: u32, status: &'static str, travellers: i32, reason: &str) -> MessageLine {
        MessageLine {
            file: "a.edi".into(),
            message,
            status,
            record_id: if status == "rejected" {
                String::new()
            } else {
                format!("r{message}")
            },
            travellers: Some(travellers),
            pnrs: None,
            consignments: None,
            reason: reason.into(),
        }
    }

    #[test]
    fn json_lines_carry_the_contract_fields() {
        let json = serde_json::to_value(line(2, "accepted", 8, "")).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "file": "a.edi", "message": 2, "status": "accepted",
                "record_id": "r2", "travellers": 8, "reason": ""
            })
        );
    }

    #[test]
    fn summary_counts_by_status_and_lists_what_was_not_accepted() {
        let lines = [
            line(1, "accepted", 8, ""),
            line(2, "duplicate", 2, ""),
            line(3, "pending", 0, "part 1 held"),
            line(4, "rejected", 0, "segment 3 (BGM): missing"),
        ];
        assert_eq!(
            summary(1, &lines),
            "1 files, 4 messages: 1 accepted (8 travellers), 1 duplicate, 1 pending, 1 rejected\n  \
             a.edi message 3: pending: part 1 held\n  \
             a.edi message 4: rejected: segment 3 (BGM): missing\n"
        );
        assert!(lines[2].succeeded());
        assert!(!lines[3].succeeded());
    }

    #[test]
    fn pnrgov_lines_count_pnrs_instead_of_travellers() {
        let pnrs = |message: u32, status: &'static str, pnrs: i32| MessageLine {
            travellers: None,
            pnrs: Some(pnrs),
            consignments: None,
            ..line(message, status, 0, "")
        };
        let lines = [pnrs(1, "accepted", 3), pnrs(2, "duplicate", 2)];
        let json = serde_json::to_value(&lines[0]).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "file": "a.edi", "message": 1, "status": "accepted",
                "record_id": "r1", "pnrs": 3, "reason": ""
            })
        );
        assert_eq!(
            summary(1, &lines),
            "1 files, 2 messages: 1 accepted (3 PNRs), 1 duplicate, 0 pending, 0 rejected\n"
        );
    }

    #[test]
    fn manifest_json_reads_the_proto3_json_form_of_the_contract() {
        let text = r#"[
          {"messageId": "msc-700E-1",
           "manifest": {"mode": "TRANSPORT_MODE_SEA", "carrier": "MSCU", "voyageNumber": "700E",
                        "port_of_discharge": "MEBAR",
                        "estimatedArrival": "2026-12-21T06:00:00Z",
                        "consignments": [{"transportDocumentNumber": "MEDUNB700001",
                                          "grossWeightKg": 9800.5,
                                          "goodsItems": [{"hsCode": "731210", "packageCount": 400}]}]}},
          {"manifest": {"mode": "TRANSPORT_MODE_AIR", "function": "MESSAGE_FUNCTION_CANCEL"}}
        ]"#;
        let requests = manifest_requests("voyage.json", text).unwrap();
        assert_eq!(requests.len(), 2);
        let first = requests[0].manifest.as_ref().unwrap();
        assert_eq!(requests[0].message_id, "msc-700E-1");
        assert_eq!(first.mode, gatehouse_proto::v1::TransportMode::Sea as i32);
        assert_eq!(first.port_of_discharge, "MEBAR");
        assert_eq!(first.estimated_arrival.unwrap().seconds, 1_797_832_800);
        let consignment = &first.consignments[0];
        assert_eq!(consignment.gross_weight_kg, 9800.5);
        assert_eq!(consignment.goods_items[0].hs_code, "731210");
        assert_eq!(consignment.goods_items[0].package_count, 400);
        // Without a message id: keyed by the file and position, so a resend is a duplicate.
        assert_eq!(requests[1].message_id, "json:voyage.json/2");
        assert_eq!(
            requests[1].manifest.as_ref().unwrap().function,
            gatehouse_proto::v1::MessageFunction::Cancel as i32
        );

        let error = manifest_requests("bad.json", r#"{"manifest": {"mode": "BOAT"}}"#).unwrap_err();
        assert!(format!("{error:#}").starts_with("item 1: not a SubmitManifestRequest"));
        assert!(manifest_requests("bad.json", "{").is_err());
    }
}
