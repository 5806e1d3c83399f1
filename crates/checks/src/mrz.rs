//! ICAO Doc 9303 machine readable zones: TD1 (3×30), TD2 (2×36), TD3 (2×44, passports), MRV-A
//! (2×44) and MRV-B (2×36) visas.
//!
//! [`read`] takes the layout apart and reports every broken rule (each check digit, dates, sex,
//! codes) as an [`MrzFault`] naming the field, so that a reader can show the fields of a zone that
//! fails; [`Mrz::parse`] accepts only a zone without faults. Neither ever puts a value of the zone
//! in an error.
//!
//! Dates are YYMMDD. A date of birth takes the latest century that puts it on or before the
//! reference date; a date of expiry takes the century that puts it less than 50 years from the
//! reference date either way (documents are valid for at most ten years, and an expiry decades
//! old must still read as past). A date holding fillers is unknown (`None`), as Doc 9303 allows.

use std::fmt;

use chrono::{Datelike, NaiveDate};
use gatehouse_formats::Personal;
use thiserror::Error;

/// The filler character.
const FILLER: u8 = b'<';

/// The size and layout of a machine readable zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MrzFormat {
    /// Identity cards and other official travel documents, 3 lines of 30.
    Td1,
    /// Official travel documents, 2 lines of 36.
    Td2,
    /// Passports, 2 lines of 44.
    Td3,
    /// Visas of format A, 2 lines of 44.
    MrvA,
    /// Visas of format B, 2 lines of 36.
    MrvB,
}

impl MrzFormat {
    pub fn name(self) -> &'static str {
        match self {
            MrzFormat::Td1 => "TD1",
            MrzFormat::Td2 => "TD2",
            MrzFormat::Td3 => "TD3",
            MrzFormat::MrvA => "MRV-A",
            MrzFormat::MrvB => "MRV-B",
        }
    }

    /// Characters on each line.
    pub fn width(self) -> usize {
        match self {
            MrzFormat::Td1 => 30,
            MrzFormat::Td2 | MrzFormat::MrvB => 36,
            MrzFormat::Td3 | MrzFormat::MrvA => 44,
        }
    }

    /// Whether the zone carries a composite check digit (visas do not).
    pub fn has_composite(self) -> bool {
        !matches!(self, MrzFormat::MrvA | MrzFormat::MrvB)
    }
}

impl fmt::Display for MrzFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Sex as the zone gives it: `F`, `M`, or `<`/`X` for unspecified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sex {
    Female,
    Male,
    Unspecified,
}

/// A machine readable zone taken apart. Personal values are [`Personal`]; codes are plain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mrz {
    pub format: MrzFormat,
    /// Document code without fillers: `P`, `PD`, `I`, `ID`, `AC`, `V`…
    pub document_code: String,
    /// Issuing state or organisation without fillers (`D` for Germany, `UTO`, `XXA`…); see
    /// [`crate::country::mrz_state`].
    pub issuing_state: String,
    /// Primary identifier, name components separated by spaces.
    pub surname: Personal<String>,
    /// Secondary identifier, name components separated by spaces; empty when there is none.
    pub given_names: Personal<String>,
    /// Document number without trailing fillers, including the part a TD1 or TD2 long number
    /// carries in the optional data.
    pub document_number: Personal<String>,
    /// Nationality without fillers.
    pub nationality: String,
    /// `None` when the zone gives fillers (unknown) or an impossible date (a fault).
    pub birth_date: Personal<Option<NaiveDate>>,
    pub sex: Sex,
    /// `None` when the zone gives fillers or an impossible date (a fault).
    pub expiry_date: Option<NaiveDate>,
    /// Optional data (TD3: personal number; TD1: line 1 after the document number) without
    /// trailing fillers.
    pub optional_data: Personal<String>,
    /// TD1 only: the optional data of line 2.
    pub optional_data_2: Personal<String>,
}

/// A field of the zone, as errors name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MrzField {
    DocumentCode,
    IssuingState,
    Name,
    DocumentNumber,
    Nationality,
    BirthDate,
    Sex,
    ExpiryDate,
    OptionalData,
    Composite,
}

impl MrzField {
    pub fn name(self) -> &'static str {
        match self {
            MrzField::DocumentCode => "document code",
            MrzField::IssuingState => "issuing state",
            MrzField::Name => "name",
            MrzField::DocumentNumber => "document number",
            MrzField::Nationality => "nationality",
            MrzField::BirthDate => "date of birth",
            MrzField::Sex => "sex",
            MrzField::ExpiryDate => "date of expiry",
            MrzField::OptionalData => "optional data",
            MrzField::Composite => "composite",
        }
    }
}

impl fmt::Display for MrzField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The rule a field broke. No variant holds a value of the zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum MrzRule {
    #[error("check digit does not match")]
    CheckDigit,
    #[error("check digit position holds no digit")]
    CheckDigitMissing,
    #[error("not a calendar date (YYMMDD)")]
    InvalidDate,
    #[error("must be F, M, X or <")]
    InvalidSex,
    #[error("must be letters and fillers")]
    NotLetters,
    #[error("must start with one of {expected}")]
    UnexpectedDocumentCode { expected: &'static str },
    #[error("has no primary identifier")]
    MissingSurname,
    #[error("long document number has no end in the optional data")]
    UnterminatedLongNumber,
}

/// One broken rule: the field and the rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("{field}: {rule}")]
pub struct MrzFault {
    pub field: MrzField,
    pub rule: MrzRule,
}

/// Why a zone was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MrzError {
    #[error("a machine readable zone has 2 or 3 lines, found {found}")]
    LineCount { found: usize },
    #[error("line {line} has {found} characters, expected {expected}")]
    LineLength {
        line: usize,
        found: usize,
        expected: &'static str,
    },
    #[error("line {line} position {position}: only A-Z, 0-9 and < are allowed")]
    Character { line: usize, position: usize },
    #[error("machine readable zone fails {} check(s): {}", .0.len(), list(.0))]
    Faults(Vec<MrzFault>),
}

fn list(faults: &[MrzFault]) -> String {
    faults
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// A zone whose layout is right, with every fault found in its fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MrzReading {
    pub mrz: Mrz,
    /// In the order of the zone; empty when every check passed.
    pub faults: Vec<MrzFault>,
}

impl MrzReading {
    /// The zone when it has no fault, else every fault.
    pub fn into_result(self) -> Result<Mrz, MrzError> {
        if self.faults.is_empty() {
            Ok(self.mrz)
        } else {
            Err(MrzError::Faults(self.faults))
        }
    }
}

impl Mrz {
    /// The zone in `lines` (surrounding whitespace ignored) when its layout is right and every
    /// check passes; `reference` resolves the century of the dates (usually the day of travel).
    pub fn parse(lines: &[&str], reference: NaiveDate) -> Result<Mrz, MrzError> {
        read(lines, reference)?.into_result()
    }
}

/// The ICAO check digit of `data`: weights 7, 3, 1 repeated; digits count their value, `A`…`Z`
/// count 10…35, `<` counts 0; the sum modulo 10. `None` when `data` holds another character.
pub fn check_digit(data: &str) -> Option<u8> {
    let mut sum = 0u32;
    for (index, byte) in data.bytes().enumerate() {
        let value = match byte {
            b'0'..=b'9' => u32::from(byte - b'0'),
            b'A'..=b'Z' => u32::from(byte - b'A') + 10,
            FILLER => 0,
            _ => return None,
        };
        sum += value * [7, 3, 1][index % 3];
    }
    // The remainder is below 10, so it fits.
    u8::try_from(sum % 10).ok()
}

/// Reads the zone in `lines`: an error only when the layout is wrong (line count, lengths,
/// characters); broken field rules are listed in [`MrzReading::faults`].
pub fn read(lines: &[&str], reference: NaiveDate) -> Result<MrzReading, MrzError> {
    let lines: Vec<&str> = lines.iter().map(|line| line.trim()).collect();
    let format = detect(&lines)?;
    for (index, line) in lines.iter().enumerate() {
        if let Some(position) = line
            .bytes()
            .position(|b| !(b.is_ascii_uppercase() || b.is_ascii_digit() || b == FILLER))
        {
            return Err(MrzError::Character {
                line: index + 1,
                position: position + 1,
            });
        }
    }
    let mut reader = Reader {
        faults: Vec::new(),
        reference,
    };
    let mrz = match (format, lines.as_slice()) {
        (MrzFormat::Td1, [first, second, third]) => reader.td1(first, second, third),
        (_, [first, second]) => reader.two_line(format, first, second),
        // `detect` matched the line count to the format.
        _ => return Err(MrzError::LineCount { found: lines.len() }),
    };
    Ok(MrzReading {
        mrz,
        faults: reader.faults,
    })
}

fn detect(lines: &[&str]) -> Result<MrzFormat, MrzError> {
    let length = |line: &str| line.chars().count();
    let expect_all = |width: usize, expected: &'static str| {
        for (index, line) in lines.iter().enumerate() {
            let found = length(line);
            if found != width {
                return Err(MrzError::LineLength {
                    line: index + 1,
                    found,
                    expected,
                });
            }
        }
        Ok(())
    };
    match lines {
        [_, _, _] => {
            expect_all(30, "30")?;
            Ok(MrzFormat::Td1)
        }
        [first, _] => {
            let visa = first.starts_with('V');
            match length(first) {
                44 => {
                    expect_all(44, "44")?;
                    Ok(if visa {
                        MrzFormat::MrvA
                    } else {
                        MrzFormat::Td3
                    })
                }
                36 => {
                    expect_all(36, "36")?;
                    Ok(if visa {
                        MrzFormat::MrvB
                    } else {
                        MrzFormat::Td2
                    })
                }
                found => Err(MrzError::LineLength {
                    line: 1,
                    found,
                    expected: "36 or 44",
                }),
            }
        }
        _ => Err(MrzError::LineCount { found: lines.len() }),
    }
}

/// Collects faults while the fields are taken out. Lines are ASCII once `read` has checked them,
/// so byte ranges are character ranges.
struct Reader {
    faults: Vec<MrzFault>,
    reference: NaiveDate,
}

impl Reader {
    fn fault(&mut self, field: MrzField, rule: MrzRule) {
        self.faults.push(MrzFault { field, rule });
    }

    fn two_line(&mut self, format: MrzFormat, first: &str, second: &str) -> Mrz {
        let width = format.width();
        let document_code = self.document_code(format, &first[0..2]);
        let issuing_state = self.state(MrzField::IssuingState, &first[2..5]);
        let (surname, given_names) = self.name(&first[5..width]);

        // Line 2 is laid out alike in the four two-line formats up to the date of expiry.
        let optional_end = match format {
            MrzFormat::Td3 => 42,
            MrzFormat::Td2 => 35,
            _ => width,
        };
        let optional = &second[28..optional_end];
        let (document_number, optional_data) = if format == MrzFormat::Td2 {
            self.document_number_with_overflow(&second[0..9], byte(second, 9), optional)
        } else {
            self.checked(MrzField::DocumentNumber, &second[0..9], byte(second, 9));
            (trim_fillers(&second[0..9]), trim_fillers(optional))
        };
        let nationality = self.state(MrzField::Nationality, &second[10..13]);
        let birth_date = self.birth_date(&second[13..19], byte(second, 19));
        let sex = self.sex(byte(second, 20));
        let expiry_date = self.expiry_date(&second[21..27], byte(second, 27));
        if format == MrzFormat::Td3 {
            self.checked_optional(optional, byte(second, 42));
        }
        if format.has_composite() {
            let last = width - 1;
            let composite = [&second[0..10], &second[13..20], &second[21..last]].concat();
            self.checked(MrzField::Composite, &composite, byte(second, last));
        }
        Mrz {
            format,
            document_code,
            issuing_state,
            surname: Personal::new(surname),
            given_names: Personal::new(given_names),
            document_number: Personal::new(document_number),
            nationality,
            birth_date: Personal::new(birth_date),
            sex,
            expiry_date,
            optional_data: Personal::new(optional_data),
            optional_data_2: Personal::default(),
        }
    }

    fn td1(&mut self, first: &str, second: &str, third: &str) -> Mrz {
        let document_code = self.document_code(MrzFormat::Td1, &first[0..2]);
        let issuing_state = self.state(MrzField::IssuingState, &first[2..5]);
        let (document_number, optional_data) =
            self.document_number_with_overflow(&first[5..14], byte(first, 14), &first[15..30]);
        let birth_date = self.birth_date(&second[0..6], byte(second, 6));
        let sex = self.sex(byte(second, 7));
        let expiry_date = self.expiry_date(&second[8..14], byte(second, 14));
        let nationality = self.state(MrzField::Nationality, &second[15..18]);
        let composite = [
            &first[5..30],
            &second[0..7],
            &second[8..15],
            &second[18..29],
        ]
        .concat();
        self.checked(MrzField::Composite, &composite, byte(second, 29));
        let (surname, given_names) = self.name(third);
        Mrz {
            format: MrzFormat::Td1,
            document_code,
            issuing_state,
            surname: Personal::new(surname),
            given_names: Personal::new(given_names),
            document_number: Personal::new(document_number),
            nationality,
            birth_date: Personal::new(birth_date),
            sex,
            expiry_date,
            optional_data: Personal::new(optional_data),
            optional_data_2: Personal::new(trim_fillers(&second[18..29])),
        }
    }

    /// Doc 9303 Parts 5 and 6: a number longer than nine characters shows its first nine, a
    /// filler in the check digit position, then the rest, its check digit and a filler at the
    /// start of the optional data. Returns the number and the optional data that follows it.
    fn document_number_with_overflow(
        &mut self,
        principal: &str,
        check: u8,
        optional: &str,
    ) -> (String, String) {
        if check != FILLER || optional.as_bytes().first().is_none_or(|&b| b == FILLER) {
            self.checked(MrzField::DocumentNumber, principal, check);
            return (trim_fillers(principal), trim_fillers(optional));
        }
        let Some(end) = optional.bytes().position(|b| b == FILLER) else {
            self.fault(MrzField::DocumentNumber, MrzRule::UnterminatedLongNumber);
            return (trim_fillers(principal), String::new());
        };
        // At least one character of the number before the check digit.
        if end < 2 {
            self.fault(MrzField::DocumentNumber, MrzRule::UnterminatedLongNumber);
            return (trim_fillers(principal), trim_fillers(&optional[end..]));
        }
        let number = [principal, &optional[..end - 1]].concat();
        self.checked(MrzField::DocumentNumber, &number, byte(optional, end - 1));
        (number, trim_fillers(&optional[end + 1..]))
    }

    fn checked(&mut self, field: MrzField, data: &str, check: u8) {
        if !check.is_ascii_digit() {
            self.fault(field, MrzRule::CheckDigitMissing);
        } else if check_digit(data) != Some(check - b'0') {
            self.fault(field, MrzRule::CheckDigit);
        }
    }

    /// TD3 personal number: a filler check digit is allowed when the field is all fillers.
    fn checked_optional(&mut self, data: &str, check: u8) {
        if check == FILLER && data.bytes().all(|b| b == FILLER) {
            return;
        }
        self.checked(MrzField::OptionalData, data, check);
    }

    fn document_code(&mut self, format: MrzFormat, code: &str) -> String {
        let (allowed, expected): (&[u8], &'static str) = match format {
            MrzFormat::Td3 => (b"P", "P"),
            MrzFormat::MrvA | MrzFormat::MrvB => (b"V", "V"),
            MrzFormat::Td1 | MrzFormat::Td2 => (b"ACI", "A, C, I"),
        };
        let letters = code.bytes().all(|b| b == FILLER || b.is_ascii_uppercase());
        if !allowed.contains(&byte(code, 0)) || !letters {
            self.fault(
                MrzField::DocumentCode,
                MrzRule::UnexpectedDocumentCode { expected },
            );
        }
        trim_fillers(code)
    }

    fn state(&mut self, field: MrzField, code: &str) -> String {
        let letters = code.bytes().all(|b| b == FILLER || b.is_ascii_uppercase());
        if !letters || byte(code, 0) == FILLER {
            self.fault(field, MrzRule::NotLetters);
        }
        trim_fillers(code)
    }

    /// Primary and secondary identifiers, split at the first `<<`; `<` separates components.
    fn name(&mut self, field: &str) -> (String, String) {
        if !field.bytes().all(|b| b == FILLER || b.is_ascii_uppercase()) {
            self.fault(MrzField::Name, MrzRule::NotLetters);
        }
        if byte(field, 0) == FILLER {
            self.fault(MrzField::Name, MrzRule::MissingSurname);
        }
        let (primary, secondary) = field.split_once("<<").unwrap_or((field, ""));
        (components(primary), components(secondary))
    }

    fn sex(&mut self, sex: u8) -> Sex {
        match sex {
            b'F' => Sex::Female,
            b'M' => Sex::Male,
            b'X' | FILLER => Sex::Unspecified,
            _ => {
                self.fault(MrzField::Sex, MrzRule::InvalidSex);
                Sex::Unspecified
            }
        }
    }

    fn birth_date(&mut self, raw: &str, check: u8) -> Option<NaiveDate> {
        self.checked(MrzField::BirthDate, raw, check);
        let reference = self.reference;
        self.date(MrzField::BirthDate, raw, |yy, month, day| {
            let century = reference.year().div_euclid(100) * 100;
            // The latest of this and the previous century that is not after the reference.
            [century + yy, century - 100 + yy]
                .into_iter()
                .filter_map(|year| NaiveDate::from_ymd_opt(year, month, day))
                .find(|date| *date <= reference)
        })
    }

    fn expiry_date(&mut self, raw: &str, check: u8) -> Option<NaiveDate> {
        self.checked(MrzField::ExpiryDate, raw, check);
        let reference_year = self.reference.year();
        self.date(MrzField::ExpiryDate, raw, |yy, month, day| {
            let mut year = reference_year.div_euclid(100) * 100 + yy;
            if year - reference_year >= 50 {
                year -= 100;
            } else if year - reference_year < -50 {
                year += 100;
            }
            NaiveDate::from_ymd_opt(year, month, day)
        })
    }

    /// `None` without a fault when the date holds fillers (unknown), with a fault when it is no
    /// date.
    fn date(
        &mut self,
        field: MrzField,
        raw: &str,
        resolve: impl Fn(i32, u32, u32) -> Option<NaiveDate>,
    ) -> Option<NaiveDate> {
        if raw.bytes().all(|b| b.is_ascii_digit()) {
            let part = |range: std::ops::Range<usize>| raw[range].parse::<u32>().ok();
            if let (Some(yy), Some(month), Some(day)) = (part(0..2), part(2..4), part(4..6)) {
                // yy < 100 by construction.
                if let Some(date) = i32::try_from(yy)
                    .ok()
                    .and_then(|yy| resolve(yy, month, day))
                {
                    return Some(date);
                }
            }
            self.fault(field, MrzRule::InvalidDate);
            return None;
        }
        if !raw.bytes().all(|b| b.is_ascii_digit() || b == FILLER) {
            self.fault(field, MrzRule::InvalidDate);
        }
        None
    }
}

fn byte(text: &str, index: usize) -> u8 {
    text.as_bytes().get(index).copied().unwrap_or(FILLER)
}

fn trim_fillers(field: &str) -> String {
    field.trim_end_matches('<').to_owned()
}

fn components(part: &str) -> String {
    part.split('<')
        .filter(|component| !component.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_digit_follows_the_7_3_1_weights() {
        // Doc 9303 Part 3 worked example: date 520727 has check digit 3.
        assert_eq!(check_digit("520727"), Some(3));
        assert_eq!(check_digit("L898902C3"), Some(6));
        assert_eq!(check_digit("<<<<<<"), Some(0));
        assert_eq!(check_digit("ab"), None);
    }
}
