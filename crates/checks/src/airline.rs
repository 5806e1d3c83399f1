//! Airline designators: the format of IATA (2 characters) and ICAO (3 letters) designators, and a
//! look-up in the list of npm `aircodes` (see `data/SOURCES.md`).
//!
//! The list is a convenience compilation, not IATA's register: a well-formed designator missing
//! from it may still be a real carrier, so intake should reject on [`AirlineDesignator::parse`]
//! and only flag on [`is_airline`].

use std::collections::HashMap;
use std::fmt;
use std::sync::LazyLock;

use thiserror::Error;

use crate::tsv;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Airline {
    /// Two-character IATA designator.
    pub iata: &'static str,
    /// Three-letter ICAO designator, when the carrier has one.
    pub icao: Option<&'static str>,
    pub name: &'static str,
    /// IATA has given the same designator to another carrier as well (a controlled duplicate).
    pub controlled_duplicate: bool,
}

struct Airlines {
    /// Sorted by IATA designator; a designator may appear more than once.
    list: Vec<Airline>,
    by_icao: HashMap<&'static str, usize>,
}

static AIRLINES: LazyLock<Airlines> = LazyLock::new(|| {
    let mut list: Vec<Airline> = tsv::rows::<4>(include_str!("../data/airlines.tsv"))
        .map(|[iata, icao, name, duplicate]| Airline {
            iata,
            icao: Some(icao).filter(|icao| !icao.is_empty()),
            name,
            controlled_duplicate: duplicate == "1",
        })
        .collect();
    list.sort_by_key(|airline| (airline.iata, airline.icao));
    let mut by_icao = HashMap::new();
    for (index, airline) in list.iter().enumerate() {
        if let Some(icao) = airline.icao {
            by_icao.entry(icao).or_insert(index);
        }
    }
    Airlines { list, by_icao }
});

/// Every listed airline, sorted by IATA designator.
pub fn airlines() -> &'static [Airline] {
    &AIRLINES.list
}

/// The airlines listed with IATA designator `code` (more than one for a controlled duplicate).
pub fn airlines_by_iata(code: &str) -> &'static [Airline] {
    let list = &AIRLINES.list;
    let start = list.partition_point(|airline| airline.iata < code);
    let end = list.partition_point(|airline| airline.iata <= code);
    &list[start..end]
}

pub fn airline_by_icao(code: &str) -> Option<&'static Airline> {
    AIRLINES
        .by_icao
        .get(code)
        .map(|&index| &AIRLINES.list[index])
}

/// Whether `code` is a listed IATA (2 characters) or ICAO (3 letters) airline designator.
pub fn is_airline(code: &str) -> bool {
    match code.len() {
        2 => !airlines_by_iata(code).is_empty(),
        3 => airline_by_icao(code).is_some(),
        _ => false,
    }
}

/// A well-formed airline designator, listed or not.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AirlineDesignator {
    /// Two upper-case letters or digits, not both digits (`JU`, `4O`, `W6`).
    Iata(String),
    /// Three upper-case letters (`ASL`).
    Icao(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum DesignatorError {
    #[error("airline designator has {found} characters, expected 2 (IATA) or 3 (ICAO)")]
    Length { found: usize },
    #[error("IATA airline designator must be upper-case letters or digits, not two digits")]
    Iata,
    #[error("ICAO airline designator must be three upper-case letters")]
    Icao,
}

impl AirlineDesignator {
    pub fn parse(code: &str) -> Result<Self, DesignatorError> {
        let bytes = code.as_bytes();
        match bytes {
            [_, _] => {
                let allowed = bytes
                    .iter()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
                if allowed && !bytes.iter().all(u8::is_ascii_digit) {
                    Ok(Self::Iata(code.to_owned()))
                } else {
                    Err(DesignatorError::Iata)
                }
            }
            [_, _, _] if bytes.iter().all(u8::is_ascii_uppercase) => {
                Ok(Self::Icao(code.to_owned()))
            }
            [_, _, _] => Err(DesignatorError::Icao),
            _ => Err(DesignatorError::Length {
                found: code.chars().count(),
            }),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Self::Iata(code) | Self::Icao(code) => code,
        }
    }

    /// Whether the designator is in the compiled-in list.
    pub fn is_listed(&self) -> bool {
        is_airline(self.as_str())
    }
}

impl fmt::Display for AirlineDesignator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
