//! End-to-end tests: rules_auth.
