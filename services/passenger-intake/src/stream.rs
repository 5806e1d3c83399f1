//! `StreamApiReports` through the platform's streamed submissions ([`gatehouse_platform::intake`]).

use gatehouse_platform::intake::{Rejected, Submissions};
use gatehouse_proto::v1::{
    StreamApiReportsRequest, StreamApiReportsResponse, SubmissionResult, SubmitApiReportRequest,
};

use crate::{
    IntakeError, PassengerIntake, batch,
    validate::{self, Limits, ValidReport},
};

/// API reports: `StreamApiReports`.
pub(crate) struct ApiReports;

impl Submissions for ApiReports {
    type Service = PassengerIntake;
    type Request = StreamApiReportsRequest;
    type Valid = ValidReport;
    type Response = StreamApiReportsResponse;
    type Limits = Limits;
    type Error = IntakeError;
    const KIND: &'static str = "api report";

    fn limits(intake: &PassengerIntake) -> Limits {
        intake.limits()
    }

    fn check(
        request: Self::Request,
        agency: &str,
        limits: &Limits,
    ) -> Result<ValidReport, Rejected> {
        let message_id = request.message_id.clone();
        let submission = SubmitApiReportRequest {
            message_id: request.message_id,
            report: request.report,
        };
        validate::validate(submission, agency, limits).map_err(|violations| Rejected {
            message_id,
            violations,
        })
    }

    async fn store(
        intake: &PassengerIntake,
        agency: &str,
        valid: Vec<ValidReport>,
    ) -> Result<Vec<SubmissionResult>, IntakeError> {
        let outcomes = batch::store(&intake.pool, &intake.relay, agency, &valid).await?;
        Ok(valid
            .into_iter()
            .zip(outcomes)
            .map(|(report, outcome)| {
                let mut result = crate::result(report.message_id, &outcome);
                result.warnings = report.warnings;
                result
            })
            .collect())
    }

    fn respond(results: Vec<SubmissionResult>) -> StreamApiReportsResponse {
        StreamApiReportsResponse { results }
    }
}
