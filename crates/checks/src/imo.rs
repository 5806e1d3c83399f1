//! IMO ship identification numbers: seven digits, the last a check digit. The first six are
//! weighted 7, 6, 5, 4, 3, 2; the last digit of the sum is the check digit (IMO 9074729:
//! 9×7 + 0×6 + 7×5 + 4×4 + 7×3 + 2×2 = 139, check digit 9).

use std::fmt;

use thiserror::Error;

/// An IMO ship number whose check digit is right.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ImoNumber(u32);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum ImoError {
    #[error("IMO number must be seven digits, optionally after \"IMO\"")]
    Format,
    #[error("check digit is {found}, expected {expected}")]
    CheckDigit { found: u8, expected: u8 },
}

impl ImoNumber {
    /// Parses `9074729`, `IMO9074729` or `IMO 9074729`.
    pub fn parse(value: &str) -> Result<Self, ImoError> {
        let digits = value
            .strip_prefix("IMO")
            .map_or(value, |rest| rest.strip_prefix(' ').unwrap_or(rest));
        let bytes = digits.as_bytes();
        if bytes.len() != 7 || !bytes.iter().all(u8::is_ascii_digit) {
            return Err(ImoError::Format);
        }
        let expected = bytes[..6]
            .iter()
            .zip((2..=7u32).rev())
            .map(|(digit, weight)| u32::from(digit - b'0') * weight)
            .sum::<u32>()
            % 10;
        let found = bytes[6] - b'0';
        if u32::from(found) != expected {
            return Err(ImoError::CheckDigit {
                found,
                // Below 10.
                expected: u8::try_from(expected).unwrap_or(0),
            });
        }
        digits.parse().map(Self).map_err(|_| ImoError::Format)
    }

    pub fn value(self) -> u32 {
        self.0
    }
}

impl fmt::Display for ImoNumber {
    /// `IMO 9074729`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IMO {:07}", self.0)
    }
}
