//! Air waybill numbers: a three-digit airline prefix and an eight-digit serial whose last digit
//! is the first seven taken modulo 7 (020-12345675: 1234567 mod 7 = 5).

use std::fmt;

use thiserror::Error;

/// An air waybill number whose check digit is right.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AirWaybillNumber {
    prefix: u16,
    serial: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum AwbError {
    #[error("air waybill number must be a 3-digit airline prefix and an 8-digit serial")]
    Format,
    #[error("check digit is {found}, expected {expected}")]
    CheckDigit { found: u8, expected: u8 },
}

impl AirWaybillNumber {
    /// Parses `020-12345675`, `020 12345675` or `02012345675`.
    pub fn parse(value: &str) -> Result<Self, AwbError> {
        let (prefix, serial) = match value.len() {
            11 => value.split_at_checked(3).ok_or(AwbError::Format)?,
            12 => {
                let (prefix, rest) = value.split_at_checked(3).ok_or(AwbError::Format)?;
                let serial = rest
                    .strip_prefix('-')
                    .or_else(|| rest.strip_prefix(' '))
                    .ok_or(AwbError::Format)?;
                (prefix, serial)
            }
            _ => return Err(AwbError::Format),
        };
        let digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
        if prefix.len() != 3 || serial.len() != 8 || !digits(prefix) || !digits(serial) {
            return Err(AwbError::Format);
        }
        let prefix: u16 = prefix.parse().map_err(|_| AwbError::Format)?;
        let serial: u32 = serial.parse().map_err(|_| AwbError::Format)?;
        let expected = serial / 10 % 7;
        let found = serial % 10;
        if found != expected {
            // Both below 10.
            return Err(AwbError::CheckDigit {
                found: u8::try_from(found).unwrap_or(0),
                expected: u8::try_from(expected).unwrap_or(0),
            });
        }
        Ok(Self { prefix, serial })
    }

    /// The airline's three-digit accounting prefix (20 for `020`).
    pub fn prefix(self) -> u16 {
        self.prefix
    }

    /// The eight-digit serial, check digit included.
    pub fn serial(self) -> u32 {
        self.serial
    }

    pub fn check_digit(self) -> u8 {
        // Below 10.
        u8::try_from(self.serial % 10).unwrap_or(0)
    }
}

impl fmt::Display for AirWaybillNumber {
    /// `020-12345675`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:03}-{:08}", self.prefix, self.serial)
    }
}
