//! ISO 6346 container numbers: owner code (3 letters), equipment category (U, J or Z), serial
//! number (6 digits) and check digit.
//!
//! The check digit: letters take the values 10 to 38 skipping the multiples of 11 (A=10, B=12…
//! K=21, L=23… U=32, V=34… Z=38), digits their own; the 10 values are weighted 1, 2, 4 … 512, and
//! the sum modulo 11 is the check digit, a remainder of 10 giving 0 (ISO 6346 asks owners not to
//! issue such serials, but they exist).

use std::fmt;

use thiserror::Error;

/// A container number whose format and check digit are right.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ContainerNumber {
    /// Eleven characters, no separators.
    number: String,
    category: EquipmentCategory,
}

/// The fourth letter of the number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EquipmentCategory {
    /// U: freight containers.
    FreightContainer,
    /// J: detachable freight container-related equipment.
    DetachableEquipment,
    /// Z: trailers and chassis.
    TrailerOrChassis,
}

impl EquipmentCategory {
    pub fn letter(self) -> char {
        match self {
            EquipmentCategory::FreightContainer => 'U',
            EquipmentCategory::DetachableEquipment => 'J',
            EquipmentCategory::TrailerOrChassis => 'Z',
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum ContainerError {
    #[error("container number has {found} characters, expected 11 (4 letters, 7 digits)")]
    Length { found: usize },
    #[error("owner code must be three upper-case letters")]
    OwnerCode,
    #[error("equipment category must be U, J or Z")]
    Category,
    #[error("serial number must be six digits")]
    Serial,
    #[error("check digit must be a digit")]
    CheckDigitMissing,
    #[error("check digit is {found}, expected {expected}")]
    CheckDigit { found: u8, expected: u8 },
}

impl ContainerNumber {
    /// Parses `CSQU3054383`; spaces and hyphens as painted on containers (`CSQU 305438 3`,
    /// `CSQU 305438-3`) are ignored.
    pub fn parse(value: &str) -> Result<Self, ContainerError> {
        let number: String = value.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        let bytes = number.as_bytes();
        if bytes.len() != 11 || !number.is_ascii() {
            return Err(ContainerError::Length {
                found: number.chars().count(),
            });
        }
        if !bytes[..3].iter().all(u8::is_ascii_uppercase) {
            return Err(ContainerError::OwnerCode);
        }
        let category = match bytes[3] {
            b'U' => EquipmentCategory::FreightContainer,
            b'J' => EquipmentCategory::DetachableEquipment,
            b'Z' => EquipmentCategory::TrailerOrChassis,
            _ => return Err(ContainerError::Category),
        };
        if !bytes[4..10].iter().all(u8::is_ascii_digit) {
            return Err(ContainerError::Serial);
        }
        let found = bytes[10];
        if !found.is_ascii_digit() {
            return Err(ContainerError::CheckDigitMissing);
        }
        let expected = check_digit(&number[..10]).ok_or(ContainerError::Serial)?;
        if found - b'0' != expected {
            return Err(ContainerError::CheckDigit {
                found: found - b'0',
                expected,
            });
        }
        Ok(Self { number, category })
    }

    pub fn owner_code(&self) -> &str {
        &self.number[..3]
    }

    pub fn category(&self) -> EquipmentCategory {
        self.category
    }

    pub fn serial(&self) -> &str {
        &self.number[4..10]
    }

    pub fn check_digit(&self) -> u8 {
        self.number.as_bytes()[10] - b'0'
    }

    /// Eleven characters, no separators.
    pub fn as_str(&self) -> &str {
        &self.number
    }
}

impl fmt::Display for ContainerNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.number)
    }
}

/// The ISO 6346 check digit of the first ten characters (owner code, category, serial); `None`
/// for another length or a character other than A–Z and 0–9.
pub fn check_digit(owner_category_serial: &str) -> Option<u8> {
    let bytes = owner_category_serial.as_bytes();
    if bytes.len() != 10 {
        return None;
    }
    let mut sum = 0u32;
    for (position, &byte) in bytes.iter().enumerate() {
        let value = match byte {
            b'0'..=b'9' => u32::from(byte - b'0'),
            b'A'..=b'Z' => letter_value(byte),
            _ => return None,
        };
        sum += value << position;
    }
    u8::try_from(sum % 11 % 10).ok()
}

/// A=10 counting up, skipping 11, 22 and 33.
fn letter_value(letter: u8) -> u32 {
    let mut value = 10 + u32::from(letter - b'A');
    for multiple in [11, 22, 33] {
        if value >= multiple {
            value += 1;
        }
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letter_values_skip_multiples_of_eleven() {
        let values: Vec<u32> = (b'A'..=b'Z').map(letter_value).collect();
        assert_eq!(values[..3], [10, 12, 13]);
        assert_eq!(values[(b'K' - b'A') as usize], 21);
        assert_eq!(values[(b'L' - b'A') as usize], 23);
        assert_eq!(values[(b'U' - b'A') as usize], 32);
        assert_eq!(values[(b'V' - b'A') as usize], 34);
        assert_eq!(values[25], 38);
        assert!(values.iter().all(|value| value % 11 != 0));
    }
}
