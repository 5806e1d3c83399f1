//! End-to-end tests: alerts.
