//! A wrapper for personal data (names, document numbers, dates of birth, contacts, references,
//! free text, payment data).
//!
//! `Debug` and `Display` print a mask, so a value can sit in a struct that is logged, traced or
//! put in an error report without leaking; code that truly needs the value calls
//! [`Personal::expose`]. The workspace's one such type: the platform re-exports it, and it lives
//! here because this crate stays pure.

use std::fmt;

/// Personal data that must never reach logs, traces or error messages.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Personal<T>(T);

const MASK: &str = "*** masked ***";

impl<T> Personal<T> {
    pub fn new(value: T) -> Self {
        Self(value)
    }

    /// The value itself; call only where it is needed (storage, matching, an authorised read).
    pub fn expose(&self) -> &T {
        &self.0
    }

    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> From<T> for Personal<T> {
    fn from(value: T) -> Self {
        Self(value)
    }
}

impl<T> fmt::Debug for Personal<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(MASK)
    }
}

impl<T> fmt::Display for Personal<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(MASK)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_never_show_the_value() {
        let number = Personal::new("AB1234567".to_owned());
        assert_eq!(format!("{number:?}"), MASK);
        assert_eq!(format!("{number}"), MASK);
        assert_eq!(number.expose(), "AB1234567");
    }
}
