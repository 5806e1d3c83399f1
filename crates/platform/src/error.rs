//! Turning failures into gRPC statuses: field violations as `INVALID_ARGUMENT` with
//! `google.rpc.BadRequest` details; internal errors logged and masked.

use std::fmt;

use tonic::{Code, Status};
use tonic_types::{ErrorDetails, FieldViolation, StatusExt};

/// Everything wrong with a request, field by field, so the sender can fix all of it at once.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FieldViolations(Vec<(String, String)>);

impl FieldViolations {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records that `field` (a request path such as `report.travellers[2].surname`) is wrong.
    pub fn add(&mut self, field: impl Into<String>, reason: impl Into<String>) {
        self.0.push((field.into(), reason.into()));
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(f, r)| (f.as_str(), r.as_str()))
    }

    /// `Ok` when nothing was recorded.
    pub fn into_result(self) -> Result<(), FieldViolations> {
        if self.0.is_empty() { Ok(()) } else { Err(self) }
    }

    pub fn into_status(self) -> Status {
        let message = self
            .0
            .iter()
            .map(|(field, reason)| format!("{field}: {reason}"))
            .collect::<Vec<_>>()
            .join("; ");
        let violations: Vec<FieldViolation> = self
            .0
            .into_iter()
            .map(|(field, reason)| FieldViolation::new(field, reason))
            .collect();
        Status::with_error_details(
            Code::InvalidArgument,
            format!("invalid request: {message}"),
            ErrorDetails::with_bad_request(violations),
        )
    }
}

impl fmt::Display for FieldViolations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (field, reason)) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{field}: {reason}")?;
        }
        Ok(())
    }
}

/// A single-field violation as a status.
pub fn invalid_field(field: impl Into<String>, reason: impl Into<String>) -> Status {
    let mut violations = FieldViolations::new();
    violations.add(field, reason);
    violations.into_status()
}

/// Logs `error` and returns an `INTERNAL` status that reveals nothing of it to the caller.
pub fn internal(error: &dyn fmt::Display) -> Status {
    tracing::error!(%error, "internal error");
    Status::internal("internal error")
}

/// Logs `error` and answers `UNAVAILABLE`, which clients may retry.
pub fn unavailable(error: &dyn fmt::Display) -> Status {
    tracing::warn!(%error, "dependency unavailable");
    Status::unavailable("temporarily unavailable, retry")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn violations_become_bad_request_details() {
        let mut v = FieldViolations::new();
        v.add("report.flight.number", "is required");
        v.add("report.travellers[0].date_of_birth", "must be YYYY-MM-DD");
        let status = v.into_status();
        assert_eq!(status.code(), Code::InvalidArgument);
        assert!(
            status
                .message()
                .contains("report.flight.number: is required")
        );
        let details = status.get_details_bad_request().unwrap();
        let fields: Vec<_> = details
            .field_violations
            .iter()
            .map(|f| f.field.as_str())
            .collect();
        assert_eq!(
            fields,
            ["report.flight.number", "report.travellers[0].date_of_birth"]
        );
    }

    #[test]
    fn internal_hides_the_cause() {
        let status = internal(&"connection to 10.0.0.5 refused");
        assert_eq!(status.code(), Code::Internal);
        assert_eq!(status.message(), "internal error");
    }
}
