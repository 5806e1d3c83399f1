//! `StreamManifests` through the platform's streamed submissions ([`gatehouse_platform::intake`]).

use gatehouse_platform::intake::{Rejected, Submissions};
use gatehouse_proto::v1::{
    StreamManifestsRequest, StreamManifestsResponse, SubmissionResult, SubmitManifestRequest,
};

use crate::{
    CargoIntake, IntakeError, batch,
    validate::{self, Limits, ValidManifest},
};

pub(crate) struct Manifests;

impl Submissions for Manifests {
    type Service = CargoIntake;
    type Request = StreamManifestsRequest;
    type Valid = ValidManifest;
    type Response = StreamManifestsResponse;
    type Limits = Limits;
    type Error = IntakeError;
    const KIND: &'static str = "manifest";

    fn limits(intake: &CargoIntake) -> Limits {
        intake.limits()
    }

    fn check(
        request: StreamManifestsRequest,
        agency: &str,
        limits: &Limits,
    ) -> Result<ValidManifest, Rejected> {
        let StreamManifestsRequest {
            message_id,
            manifest,
        } = request;
        let submission = SubmitManifestRequest {
            message_id: message_id.clone(),
            manifest,
        };
        validate::validate(submission, agency, limits).map_err(|violations| Rejected {
            message_id,
            violations,
        })
    }

    async fn store(
        intake: &CargoIntake,
        agency: &str,
        valid: Vec<ValidManifest>,
    ) -> Result<Vec<SubmissionResult>, IntakeError> {
        let outcomes = batch::store(&intake.pool, &intake.relay, agency, &valid).await?;
        Ok(valid
            .into_iter()
            .zip(outcomes)
            .map(|(manifest, outcome)| {
                let mut result = crate::result(manifest.message_id, &outcome);
                result.warnings = manifest.warnings;
                result
            })
            .collect())
    }

    fn respond(results: Vec<SubmissionResult>) -> StreamManifestsResponse {
        StreamManifestsResponse { results }
    }
}
