//! A travel document's date of expiry against the flight date.
//!
//! A document is valid through its date of expiry: one that expires on the flight date still
//! carries the traveller that day (with a warning), one that expired the day before is a
//! rejection.

use chrono::NaiveDate;

/// How close to the flight date an expiry raises a warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExpiryPolicy {
    /// A document expiring 0 to this many days after the flight date raises a warning.
    pub warn_within_days: u32,
}

impl Default for ExpiryPolicy {
    /// 180 days: the six months of remaining validity many states ask for on entry.
    fn default() -> Self {
        Self {
            warn_within_days: 180,
        }
    }
}

/// The outcome of [`check_expiry`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpiryCheck {
    /// Valid for longer than the warning window.
    Valid { days_left: u32 },
    /// Valid on the flight date but expires within the warning window (0 = on the flight date).
    ExpiresSoon { days_left: u32 },
    /// Expired before the flight date (1 = the day before).
    Expired { days_expired: u32 },
}

/// Whether an outcome stops the document or only flags it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExpiryKind {
    Rejection,
    Warning,
}

impl ExpiryCheck {
    /// `None` for [`ExpiryCheck::Valid`].
    pub fn kind(self) -> Option<ExpiryKind> {
        match self {
            ExpiryCheck::Valid { .. } => None,
            ExpiryCheck::ExpiresSoon { .. } => Some(ExpiryKind::Warning),
            ExpiryCheck::Expired { .. } => Some(ExpiryKind::Rejection),
        }
    }
}

/// Checks a document expiring on `expiry` for a flight on `flight_date`.
pub fn check_expiry(
    expiry: NaiveDate,
    flight_date: NaiveDate,
    policy: ExpiryPolicy,
) -> ExpiryCheck {
    let days = (expiry - flight_date).num_days();
    // Dates are at most a few hundred thousand days apart, far inside u32.
    let magnitude = u32::try_from(days.unsigned_abs()).unwrap_or(u32::MAX);
    if days < 0 {
        ExpiryCheck::Expired {
            days_expired: magnitude,
        }
    } else if magnitude <= policy.warn_within_days {
        ExpiryCheck::ExpiresSoon {
            days_left: magnitude,
        }
    } else {
        ExpiryCheck::Valid {
            days_left: magnitude,
        }
    }
}
