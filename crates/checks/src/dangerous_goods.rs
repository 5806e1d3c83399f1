//! UN numbers of dangerous goods: four digits that the UN Model Regulations give a substance or
//! article (UN1942, ammonium nitrate; UN3480, lithium-ion batteries), written `UN1942`, `UN 1942`
//! or `1942` in manifests and air waybills.
//!
//! Only the format is checked. The Dangerous Goods List itself (proper shipping name, class or
//! division, packing groups) is not compiled in: no package registry ships it with a licence
//! (see `data/SOURCES.md`), so a well-formed number may still be unassigned.

use std::fmt;

use thiserror::Error;

/// A well-formed UN number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UnNumber(u16);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum UnNumberError {
    #[error("UN number must be four digits, optionally after \"UN\"")]
    Format,
    #[error("UN number 0000 is not assigned")]
    Zero,
    /// NA numbers (US 49 CFR) and ID numbers (IATA, such as ID 8000) look like UN numbers but
    /// are not in the UN list.
    #[error("NA and ID numbers are national or IATA identification numbers, not UN numbers")]
    NotUnNumber,
}

impl UnNumber {
    /// Parses `UN1942`, `UN 1942`, `un1942`, `UN-1942` or `1942`.
    pub fn parse(value: &str) -> Result<Self, UnNumberError> {
        let value = value.trim();
        let prefix = value.get(..2).map(str::to_ascii_uppercase);
        let digits = match prefix.as_deref() {
            Some("UN") => value[2..].trim_start_matches([' ', '-']),
            Some("NA" | "ID") => return Err(UnNumberError::NotUnNumber),
            _ => value,
        };
        if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(UnNumberError::Format);
        }
        match digits.parse() {
            Ok(0) => Err(UnNumberError::Zero),
            Ok(number) => Ok(Self(number)),
            Err(_) => Err(UnNumberError::Format),
        }
    }

    pub fn value(self) -> u16 {
        self.0
    }
}

impl fmt::Display for UnNumber {
    /// `UN1942`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "UN{:04}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_forms_of_real_numbers() {
        let cases = [
            // Ammonium nitrate (Beirut, 2020).
            ("UN1942", 1942),
            ("UN 1942", 1942),
            ("un1942", 1942),
            ("UN-1942", 1942),
            (" 1942 ", 1942),
            // Lithium-ion batteries, the commonest dangerous goods in air cargo.
            ("UN3480", 3480),
            // Engine, internal combustion, flammable liquid powered.
            ("UN3528", 3528),
            // Ammunition: class 1 numbers start with zero.
            ("UN0012", 12),
            ("0012", 12),
        ];
        for (written, number) in cases {
            let parsed = UnNumber::parse(written).unwrap_or_else(|e| panic!("{written:?}: {e}"));
            assert_eq!(parsed.value(), number, "{written:?}");
        }
        assert_eq!(UnNumber::parse("0012").unwrap().to_string(), "UN0012");
        assert_eq!(UnNumber::parse("un 3480").unwrap().to_string(), "UN3480");
    }

    #[test]
    fn malformed_numbers_name_the_rule() {
        let cases = [
            ("UN194", UnNumberError::Format),
            ("UN19420", UnNumberError::Format),
            ("UN", UnNumberError::Format),
            ("", UnNumberError::Format),
            ("U1942", UnNumberError::Format),
            ("UN19A2", UnNumberError::Format),
            ("UN +942", UnNumberError::Format),
            ("UN0000", UnNumberError::Zero),
            // US "combustible liquid, n.o.s." and IATA's consumer commodity.
            ("NA1993", UnNumberError::NotUnNumber),
            ("ID8000", UnNumberError::NotUnNumber),
            ("ÜN1942", UnNumberError::Format),
        ];
        for (written, error) in cases {
            assert_eq!(UnNumber::parse(written), Err(error), "{written:?}");
        }
    }

    #[test]
    fn cargo_imp_fixtures_declare_well_formed_numbers() {
        // The first air waybill of fwb17.txt declares an engine, UN3528, in its rate description,
        // later ones list numbers in remarks; so does the manifest of ffm8.txt.
        let cases: [(&str, &[u16]); 2] = [
            ("fwb17.txt", &[3528, 1234, 2345, 3456, 4567, 6789, 8901]),
            (
                "ffm8.txt",
                &[
                    1234, 2345, 3456, 4567, 6789, 8901, 1234, 2345, 3456, 4567, 6789, 8901,
                ],
            ),
        ];
        for (file, expected) in cases {
            let Some(text) = crate::fixture::text("cargo-imp", file) else {
                return;
            };
            let found: Vec<u16> = text
                .split(|c: char| !c.is_ascii_alphanumeric())
                .filter(|word| word.len() == 6 && word.starts_with("UN"))
                .map(|word| UnNumber::parse(word).map(UnNumber::value))
                .collect::<Result<_, _>>()
                .unwrap_or_else(|e| panic!("{file}: {e}"));
            assert_eq!(found, expected, "{file}");
        }
    }
}
