//! ISO 3166-1 country codes and the codes ICAO Doc 9303 uses in machine readable zones.
//!
//! The ISO list comes from PyPI `iso3166` (see `data/SOURCES.md`); it includes Kosovo as XK/XKX,
//! a user-assigned code ([`Country::is_user_assigned`]). Look-ups take codes in upper case, as the
//! standard writes them.

use std::collections::HashMap;
use std::sync::LazyLock;

use self::MrzCodeKind::{BritishNationality, HolderStatus, Organisation, State};
use crate::tsv;

/// An ISO 3166-1 entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Country {
    pub alpha2: &'static str,
    pub alpha3: &'static str,
    pub numeric: u16,
    /// English short name as ISO gives it ("Korea, Republic of").
    pub name: &'static str,
}

impl Country {
    /// Whether the code is one ISO leaves to users (AA, QM–QZ, XA–XZ, ZZ), like Kosovo's XK, rather
    /// than an ISO assignment.
    pub fn is_user_assigned(&self) -> bool {
        match self.alpha2.as_bytes() {
            [b'A', b'A'] | [b'Z', b'Z'] | [b'X', _] => true,
            [b'Q', second] => (b'M'..=b'Z').contains(second),
            _ => false,
        }
    }
}

struct Countries {
    /// Sorted by alpha-2.
    list: Vec<Country>,
    by_alpha3: HashMap<&'static str, usize>,
    by_numeric: HashMap<u16, usize>,
}

static COUNTRIES: LazyLock<Countries> = LazyLock::new(|| {
    let mut list: Vec<Country> = tsv::rows::<4>(include_str!("../data/countries.tsv"))
        .filter_map(|[alpha2, alpha3, numeric, name]| {
            Some(Country {
                alpha2,
                alpha3,
                numeric: numeric.parse().ok()?,
                name,
            })
        })
        .collect();
    list.sort_by_key(|country| country.alpha2);
    let by_alpha3 = list
        .iter()
        .enumerate()
        .map(|(i, c)| (c.alpha3, i))
        .collect();
    let by_numeric = list
        .iter()
        .enumerate()
        .map(|(i, c)| (c.numeric, i))
        .collect();
    Countries {
        list,
        by_alpha3,
        by_numeric,
    }
});

/// Every entry, sorted by alpha-2 code.
pub fn countries() -> &'static [Country] {
    &COUNTRIES.list
}

pub fn by_alpha2(code: &str) -> Option<&'static Country> {
    let countries = &COUNTRIES.list;
    countries
        .binary_search_by(|country| country.alpha2.cmp(code))
        .ok()
        .map(|index| &countries[index])
}

pub fn by_alpha3(code: &str) -> Option<&'static Country> {
    COUNTRIES
        .by_alpha3
        .get(code)
        .map(|&index| &COUNTRIES.list[index])
}

/// By numeric code (`"004"` is 4).
pub fn by_numeric(code: u16) -> Option<&'static Country> {
    COUNTRIES
        .by_numeric
        .get(&code)
        .map(|&index| &COUNTRIES.list[index])
}

pub fn alpha2_to_alpha3(code: &str) -> Option<&'static str> {
    by_alpha2(code).map(|country| country.alpha3)
}

pub fn alpha3_to_alpha2(code: &str) -> Option<&'static str> {
    by_alpha3(code).map(|country| country.alpha2)
}

/// What a code outside ISO 3166-1 stands for in a machine readable zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MrzCodeKind {
    /// A state written with a code other than its alpha-3 (Germany's D, Kosovo's RKS).
    State,
    /// A class of British nationality (GBD, GBN, GBO, GBP, GBS).
    BritishNationality,
    /// An organisation that issues travel documents (UN, EU, Interpol…).
    Organisation,
    /// A holder without a defined nationality (stateless, refugee, unspecified).
    HolderStatus,
}

/// A code that a machine readable zone may carry as issuing state or nationality besides the
/// ISO 3166-1 alpha-3 codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MrzCode {
    pub code: &'static str,
    pub meaning: &'static str,
    pub kind: MrzCodeKind,
    /// The alpha-2 code of the country the code belongs to, when there is one.
    pub country: Option<&'static str>,
}

const fn code(
    code: &'static str,
    meaning: &'static str,
    kind: MrzCodeKind,
    country: Option<&'static str>,
) -> MrzCode {
    MrzCode {
        code,
        meaning,
        kind,
        country,
    }
}

/// Doc 9303 Part 3 section 5 (and RKS, which is in neither ISO 3166-1 nor Doc 9303 but is what
/// documents issued by Kosovo carry). Sorted by code.
pub const MRZ_CODES: &[MrzCode] = &[
    code("D", "Germany", State, Some("DE")),
    code("EUE", "European Union", Organisation, None),
    code(
        "GBD",
        "British Overseas Territories Citizen",
        BritishNationality,
        Some("GB"),
    ),
    code(
        "GBN",
        "British National (Overseas)",
        BritishNationality,
        Some("GB"),
    ),
    code(
        "GBO",
        "British Overseas Citizen",
        BritishNationality,
        Some("GB"),
    ),
    code(
        "GBP",
        "British Protected Person",
        BritishNationality,
        Some("GB"),
    ),
    code("GBS", "British Subject", BritishNationality, Some("GB")),
    code("RKS", "Kosovo", State, Some("XK")),
    code(
        "UNA",
        "Specialized agency of the United Nations",
        Organisation,
        None,
    ),
    code(
        "UNK",
        "Resident of Kosovo with a travel document issued by UNMIK",
        HolderStatus,
        Some("XK"),
    ),
    code("UNO", "United Nations Organization", Organisation, None),
    code("XBA", "African Development Bank", Organisation, None),
    code("XCC", "Caribbean Community (CARICOM)", Organisation, None),
    code("XCE", "Council of Europe", Organisation, None),
    code(
        "XCO",
        "Common Market for Eastern and Southern Africa",
        Organisation,
        None,
    ),
    code(
        "XDC",
        "Southern African Development Community",
        Organisation,
        None,
    ),
    code(
        "XEC",
        "Economic Community of West African States",
        Organisation,
        None,
    ),
    code(
        "XES",
        "Organisation of Eastern Caribbean States",
        Organisation,
        None,
    ),
    code("XIM", "African Export-Import Bank", Organisation, None),
    code(
        "XMP",
        "Parliamentary Assembly of the Mediterranean",
        Organisation,
        None,
    ),
    code(
        "XOM",
        "Sovereign Military Order of Malta",
        Organisation,
        None,
    ),
    code(
        "XPO",
        "International Criminal Police Organization (INTERPOL)",
        Organisation,
        None,
    ),
    code(
        "XXA",
        "Stateless person (1954 Convention)",
        HolderStatus,
        None,
    ),
    code("XXB", "Refugee (1951 Convention)", HolderStatus, None),
    code(
        "XXC",
        "Refugee (other than the 1951 Convention)",
        HolderStatus,
        None,
    ),
    code(
        "XXX",
        "Person of unspecified nationality",
        HolderStatus,
        None,
    ),
];

/// An issuing state or nationality code of a machine readable zone, resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MrzState {
    Country(&'static Country),
    Special(&'static MrzCode),
}

impl MrzState {
    pub fn name(self) -> &'static str {
        match self {
            MrzState::Country(country) => country.name,
            MrzState::Special(code) => code.meaning,
        }
    }

    /// The country the code belongs to (DE for D, GB for GBN…), `None` for organisations and
    /// holders without nationality.
    pub fn alpha2(self) -> Option<&'static str> {
        match self {
            MrzState::Country(country) => Some(country.alpha2),
            MrzState::Special(code) => code.country,
        }
    }
}

/// Resolves an MRZ issuing state or nationality (trailing fillers ignored: `"D<<"` is Germany):
/// an ISO alpha-3 code or one of [`MRZ_CODES`]. User-assigned ISO codes such as XKX are not MRZ
/// codes. `None` for anything else, including the `UTO` of ICAO specimens.
pub fn mrz_state(code: &str) -> Option<MrzState> {
    let code = code.trim_end_matches('<');
    if let Ok(index) = MRZ_CODES.binary_search_by(|special| special.code.cmp(code)) {
        return Some(MrzState::Special(&MRZ_CODES[index]));
    }
    by_alpha3(code)
        .filter(|country| !country.is_user_assigned())
        .map(MrzState::Country)
}
