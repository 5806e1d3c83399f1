//! End-to-end tests: intake.
