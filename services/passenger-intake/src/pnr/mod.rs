//! Passenger Name Records: `SubmitPnr`, `StreamPnrs` (through the stream machinery API reports
//! use) and `GetPnr`.
//!
//! A booking is identified by (agency, carrier, record locator) and keeps one id; every push of
//! it (scheduled before departure, at flight closure, ad hoc) is stored as the next version in
//! normalised tables and published as a `PnrAccepted` for assessment. Travellers keep one
//! identity (`traveller_keys`) across the versions of their booking.

mod batch;
mod event;
mod read;
pub mod retention;
mod store;
pub mod validate;

use gatehouse_platform::{
    events::to_timestamp,
    intake::{Rejected, Submissions},
};
use gatehouse_proto::v1::{
    StreamPnrsRequest, StreamPnrsResponse, SubmissionResult, SubmissionStatus, SubmitPnrRequest,
    SubmitPnrResponse,
};

use crate::{IntakeError, PassengerIntake, validate::Limits};
/// Stores a batch of valid PNRs (one outcome each, in order), as `SubmitPnrgov` needs.
pub use batch::store as store_batch;
pub use read::get;
pub use validate::ValidPnr;

/// Stores one PNR submitted by `agency`.
pub async fn submit(
    intake: &PassengerIntake,
    agency: &str,
    request: SubmitPnrRequest,
) -> Result<SubmitPnrResponse, IntakeError> {
    let valid =
        validate::validate(request, agency, &intake.limits()).map_err(IntakeError::Invalid)?;
    let stored = batch::store(
        &intake.pool,
        &intake.relay,
        agency,
        std::slice::from_ref(&valid),
    );
    let [outcome] = <[batch::Outcome; 1]>::try_from(stored.await?)
        .map_err(|_| IntakeError::Internal("a batch of one pnr has not one outcome"))?;
    // A duplicate is answered with the first result: its version and booking id.
    tracing::info!(
        pnr_id = %outcome.pnr_id,
        version = outcome.version,
        travellers = outcome.traveller_count,
        duplicate = outcome.duplicate,
        "pnr submitted"
    );
    Ok(SubmitPnrResponse {
        pnr_id: outcome.pnr_id.to_string(),
        accepted_at: Some(to_timestamp(outcome.accepted_at)),
        traveller_count: outcome.traveller_count,
        duplicate: outcome.duplicate,
        version: outcome.version,
    })
}

/// PNRs: `StreamPnrs`.
pub struct Pnrs;

impl Submissions for Pnrs {
    type Service = PassengerIntake;
    type Request = StreamPnrsRequest;
    type Valid = ValidPnr;
    type Response = StreamPnrsResponse;
    type Limits = Limits;
    type Error = IntakeError;
    const KIND: &'static str = "pnr";

    fn limits(intake: &PassengerIntake) -> Limits {
        intake.limits()
    }

    fn check(
        request: StreamPnrsRequest,
        agency: &str,
        limits: &Limits,
    ) -> Result<ValidPnr, Rejected> {
        let StreamPnrsRequest { message_id, pnr } = request;
        let submission = SubmitPnrRequest {
            message_id: message_id.clone(),
            pnr,
        };
        validate::validate(submission, agency, limits).map_err(|violations| Rejected {
            message_id,
            violations,
        })
    }

    async fn store(
        intake: &PassengerIntake,
        agency: &str,
        valid: Vec<ValidPnr>,
    ) -> Result<Vec<SubmissionResult>, IntakeError> {
        let outcomes = batch::store(&intake.pool, &intake.relay, agency, &valid).await?;
        let results = valid.into_iter().zip(outcomes).map(|(pnr, outcome)| {
            let status = if outcome.duplicate {
                SubmissionStatus::Duplicate
            } else {
                SubmissionStatus::Accepted
            };
            SubmissionResult {
                record_id: outcome.pnr_id.to_string(),
                version: outcome.version,
                item_count: outcome.traveller_count,
                accepted_at: Some(to_timestamp(outcome.accepted_at)),
                status: status as i32,
                message_id: pnr.message_id,
                ..Default::default()
            }
        });
        Ok(results.collect())
    }

    fn respond(results: Vec<SubmissionResult>) -> StreamPnrsResponse {
        StreamPnrsResponse { results }
    }
}
