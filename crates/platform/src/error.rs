//! Turning failures into gRPC statuses: field violations as `INVALID_ARGUMENT` (or
//! `RESOURCE_EXHAUSTED` when a size or count limit is exceeded) with `google.rpc.BadRequest`
//! details; internal errors logged and masked.
//!
//! Whatever a request did wrong, what goes back is bounded: a client drops a status whose
//! metadata passes ~16 KiB and sees only `Stream removed`, so a report with thousands of bad
//! fields gets the first violations and a count of the rest.

use std::fmt;

use gatehouse_proto::v1::SubmissionViolation;
use tonic::{Code, Status};
use tonic_types::{ErrorDetails, FieldViolation, StatusExt};

/// Most violations listed in a status or a stream result; the rest are only counted.
pub const MAX_LISTED_VIOLATIONS: usize = 20;
/// Longest field path or reason listed, in bytes; longer ones are cut.
const MAX_TEXT_BYTES: usize = 200;
/// Bytes of listed field paths and reasons together. The message and the details each carry
/// them once (details base64-encoded), which keeps a status under ~6 KiB of metadata.
const LISTED_TEXT_BUDGET: usize = 2_048;

/// Everything wrong with a request, field by field, so the sender can fix all of it at once.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FieldViolations {
    violations: Vec<(String, String)>,
    /// A size or count limit was exceeded (as opposed to a field rule).
    limit_exceeded: bool,
}

impl FieldViolations {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records that `field` (a request path such as `report.travellers[2].surname`) breaks a rule.
    /// `reason` names the rule, never the submitted value.
    pub fn add(&mut self, field: impl Into<String>, reason: impl Into<String>) {
        self.violations.push((field.into(), reason.into()));
    }

    /// Records that `field` exceeds a size or count limit (`reason` names the limit): the
    /// status becomes `RESOURCE_EXHAUSTED`.
    pub fn add_limit(&mut self, field: impl Into<String>, reason: impl Into<String>) {
        self.limit_exceeded = true;
        self.add(field, reason);
    }

    pub fn is_empty(&self) -> bool {
        self.violations.is_empty()
    }

    pub fn len(&self) -> usize {
        self.violations.len()
    }

    /// True when one of the violations is an exceeded limit ([`FieldViolations::add_limit`]).
    pub fn exceeds_limit(&self) -> bool {
        self.limit_exceeded
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.violations
            .iter()
            .map(|(f, r)| (f.as_str(), r.as_str()))
    }

    /// `Ok` when nothing was recorded.
    pub fn into_result(self) -> Result<(), FieldViolations> {
        if self.violations.is_empty() {
            Ok(())
        } else {
            Err(self)
        }
    }

    /// The violations to send back, each cut to a bounded length, and how many were left out.
    pub fn listed(&self) -> (Vec<(&str, &str)>, usize) {
        let mut listed = Vec::new();
        let mut budget = LISTED_TEXT_BUDGET;
        for (field, reason) in &self.violations {
            let (field, reason) = (
                truncate(field, MAX_TEXT_BYTES),
                truncate(reason, MAX_TEXT_BYTES),
            );
            let cost = field.len() + reason.len();
            if listed.len() == MAX_LISTED_VIOLATIONS || cost > budget {
                break;
            }
            budget -= cost;
            listed.push((field, reason));
        }
        let omitted = self.violations.len() - listed.len();
        (listed, omitted)
    }

    /// Bounded one-line text: `field: reason; field: reason (and 12 more)`.
    pub fn summary(&self) -> String {
        self.to_string()
    }

    /// The listed violations as stream-result entries, and the count of those left out.
    pub fn submission_violations(&self) -> (Vec<SubmissionViolation>, i32) {
        let (listed, omitted) = self.listed();
        let violations = listed
            .into_iter()
            .map(|(field, description)| SubmissionViolation {
                field: field.to_owned(),
                description: description.to_owned(),
            })
            .collect();
        (violations, i32::try_from(omitted).unwrap_or(i32::MAX))
    }

    /// `INVALID_ARGUMENT`, or `RESOURCE_EXHAUSTED` when a limit was exceeded, with the listed
    /// violations as `google.rpc.BadRequest` details and, when some were left out, one more
    /// entry saying how many.
    pub fn into_status(self) -> Status {
        let (code, lead) = if self.limit_exceeded {
            (Code::ResourceExhausted, "request exceeds a limit")
        } else {
            (Code::InvalidArgument, "invalid request")
        };
        let (listed, omitted) = self.listed();
        let mut details: Vec<FieldViolation> = listed
            .into_iter()
            .map(|(field, reason)| FieldViolation::new(field, reason))
            .collect();
        if omitted > 0 {
            // An empty field path means the request as a whole.
            details.push(FieldViolation::new(
                "",
                format!("{omitted} more violations not listed"),
            ));
        }
        Status::with_error_details(
            code,
            format!("{lead}: {self}"),
            ErrorDetails::with_bad_request(details),
        )
    }
}

/// Bounded like the status: the listed violations, then how many more there are.
impl fmt::Display for FieldViolations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (listed, omitted) = self.listed();
        for (i, (field, reason)) in listed.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{field}: {reason}")?;
        }
        if omitted > 0 {
            write!(f, " (and {omitted} more)")?;
        }
        Ok(())
    }
}

/// `text` cut to at most `max` bytes at a character boundary.
fn truncate(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
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
    fn an_exceeded_limit_is_resource_exhausted() {
        let mut v = FieldViolations::new();
        v.add("report.flight.number", "is required");
        v.add_limit("report.travellers", "at most 1000 travellers per report");
        assert!(v.exceeds_limit());
        let status = v.into_status();
        assert_eq!(status.code(), Code::ResourceExhausted);
        assert!(
            status
                .message()
                .contains("report.travellers: at most 1000 travellers per report"),
            "{}",
            status.message()
        );
    }

    #[test]
    fn thousands_of_violations_stay_far_below_the_metadata_limit() {
        let mut v = FieldViolations::new();
        let long_path = "report.travellers[1999].documents[0].".repeat(20);
        for i in 0..2_000 {
            v.add(
                format!("{long_path}{i}.number"),
                "must be at most 20 characters ".repeat(10),
            );
        }
        let (listed, omitted) = v.listed();
        let listed = listed.len();
        assert!(listed > 0 && listed <= MAX_LISTED_VIOLATIONS);
        assert_eq!(listed + omitted, 2_000);

        let status = v.into_status();
        let details = status.get_details_bad_request().unwrap();
        assert_eq!(details.field_violations.len(), listed + 1);
        let last = details.field_violations.last().unwrap();
        assert_eq!(
            (last.field.as_str(), last.description.clone()),
            ("", format!("{omitted} more violations not listed"))
        );
        assert!(status.message().ends_with(&format!("(and {omitted} more)")));
        assert!(
            status.details().len() < 8 * 1024,
            "{}",
            status.details().len()
        );

        // What actually travels: grpc-message (percent-encoded) and base64 details.
        let mut headers = http::HeaderMap::new();
        status.add_header(&mut headers).unwrap();
        let metadata: usize = headers
            .iter()
            .map(|(name, value)| name.as_str().len() + value.len())
            .sum();
        assert!(metadata < 8 * 1024, "{metadata} bytes of metadata");
    }

    #[test]
    fn few_violations_are_all_listed_and_long_texts_are_cut_at_a_character() {
        let mut v = FieldViolations::new();
        v.add("a", "is required");
        v.add("ж".repeat(300), "is required");
        let (listed, omitted) = v.listed();
        assert_eq!(omitted, 0);
        assert_eq!(listed[0], ("a", "is required"));
        assert_eq!(listed[1].0.len(), MAX_TEXT_BYTES);
        assert!(listed[1].0.chars().all(|c| c == 'ж'));

        let (entries, more) = v.submission_violations();
        assert_eq!((entries.len(), more), (2, 0));
        assert_eq!(entries[0].field, "a");
        assert_eq!(v.summary(), v.to_string());
    }

    #[test]
    fn stream_results_get_the_first_violations_and_a_count() {
        let mut v = FieldViolations::new();
        for i in 0..50 {
            v.add(format!("report.travellers[{i}].surname"), "is required");
        }
        let (entries, more) = v.submission_violations();
        assert_eq!(entries.len(), MAX_LISTED_VIOLATIONS);
        assert_eq!(more, 30);
        assert_eq!(entries[0].field, "report.travellers[0].surname");
    }

    #[test]
    fn internal_hides_the_cause() {
        let status = internal(&"connection to 10.0.0.5 refused");
        assert_eq!(status.code(), Code::Internal);
        assert_eq!(status.message(), "internal error");
    }
}
