//! ISO 3166-1 country codes, English country names as watchlists write them, and the codes ICAO
//! Doc 9303 uses in machine readable zones.
//!
//! The ISO list comes from PyPI `iso3166` (see `data/SOURCES.md`); it includes Kosovo as XK/XKX,
//! a user-assigned code ([`Country::is_user_assigned`]). Look-ups take codes in upper case, as the
//! standard writes them; [`by_name`] takes names in any case.

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
    /// By [`name_key`] of the ISO name and of each of [`NAME_ALIASES`].
    by_name: HashMap<String, usize>,
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
    let mut by_name: HashMap<String, usize> = list
        .iter()
        .enumerate()
        .map(|(i, c)| (name_key(c.name), i))
        .collect();
    for (alias, alpha2) in NAME_ALIASES {
        if let Ok(index) = list.binary_search_by(|country| country.alpha2.cmp(alpha2)) {
            by_name.insert(name_key(alias), index);
        }
    }
    Countries {
        list,
        by_alpha3,
        by_numeric,
        by_name,
    }
});

/// Names the UN and OFAC lists use that ISO does not (short, former and informal names), with
/// the alpha-2 code they stand for. Sorted by name.
const NAME_ALIASES: &[(&str, &str)] = &[
    ("Bolivia", "BO"),
    ("Burma", "MM"),
    ("China, Hong Kong Special Administrative Region", "HK"),
    ("Congo, Republic of the", "CG"),
    ("Czech Republic", "CZ"),
    ("Iran", "IR"),
    ("Korea, North", "KP"),
    ("Korea, South", "KR"),
    ("Laos", "LA"),
    ("Macau", "MO"),
    ("Macedonia", "MK"),
    ("Macedonia, The Former Yugoslav Republic of", "MK"),
    ("Moldova", "MD"),
    ("North Korea", "KP"),
    ("Palestinian", "PS"),
    ("Russia", "RU"),
    ("South Korea", "KR"),
    ("Syria", "SY"),
    ("Taiwan", "TW"),
    ("Tanzania", "TZ"),
    ("Turkey", "TR"),
    ("United Kingdom", "GB"),
    ("United States", "US"),
    ("Venezuela", "VE"),
    ("Vietnam", "VN"),
    ("West Bank", "PS"),
];

/// A name reduced to what tells countries apart: lower case, accents of ISO's Latin letters
/// folded, punctuation as spaces, "the" and "and" dropped, the words sorted. Sorting makes ISO's
/// inverted names ("Congo, Democratic Republic of the", "Iran, Islamic Republic of") equal to
/// the UN's ("Democratic Republic of the Congo", "Iran (Islamic Republic of)").
fn name_key(name: &str) -> String {
    let folded: String = name.to_lowercase().chars().map(fold_accent).collect();
    let mut words: Vec<&str> = folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty() && *word != "the" && *word != "and")
        .collect();
    words.sort_unstable();
    words.join(" ")
}

/// The base letter of a lower-case Latin-1 letter with an accent ("Côte d'Ivoire",
/// "Türkiye", "Åland Islands" are ISO names; lists often write them without accents).
fn fold_accent(c: char) -> char {
    match c {
        'à'..='å' => 'a',
        'ç' => 'c',
        'è'..='ë' => 'e',
        'ì'..='ï' => 'i',
        'ñ' => 'n',
        'ò'..='ö' | 'ø' => 'o',
        'ù'..='ü' => 'u',
        'ý' | 'ÿ' => 'y',
        other => other,
    }
}

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

/// Resolves an English country name as the UN and OFAC lists write it: ISO's short name with its
/// parts in any order ("Democratic Republic of the Congo", "Iran (Islamic Republic of)", "Viet
/// Nam"), any case, accents, punctuation, "the" and "and" aside, or one of the short and former
/// names ISO does not use ("Burma", "Korea, North", "Russia", "Turkey"). `None` for anything
/// else, states that no longer exist included ("former Soviet Union", "Netherlands Antilles").
pub fn by_name(name: &str) -> Option<&'static Country> {
    COUNTRIES
        .by_name
        .get(&name_key(name))
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

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use gatehouse_formats::watchlist::un;

    use super::*;

    #[test]
    fn names_as_the_lists_write_them() {
        let cases = [
            ("Democratic Republic of the Congo", "CD"),
            ("Congo, Democratic Republic of the", "CD"),
            ("Congo", "CG"),
            ("Congo, Republic of the", "CG"),
            ("Iran (Islamic Republic of)", "IR"),
            ("Iran", "IR"),
            ("Russian Federation", "RU"),
            ("Russia", "RU"),
            ("Syrian Arab Republic", "SY"),
            ("Syria", "SY"),
            ("Korea, North", "KP"),
            ("Democratic People's Republic of Korea", "KP"),
            ("Korea, South", "KR"),
            ("Burma", "MM"),
            ("Kosovo", "XK"),
            ("United Kingdom of Great Britain and Northern Ireland", "GB"),
            ("United Kingdom", "GB"),
            ("Viet Nam", "VN"),
            ("Vietnam", "VN"),
            ("United Republic of Tanzania", "TZ"),
            ("State of Palestine", "PS"),
            ("Palestinian", "PS"),
            ("Türkiye", "TR"),
            ("Turkey", "TR"),
            ("Cote d Ivoire", "CI"),
            ("Côte d'Ivoire", "CI"),
            ("The Gambia", "GM"),
            ("Bosnia and Herzegovina", "BA"),
            ("Trinidad & Tobago", "TT"),
            ("Macedonia, The Former Yugoslav Republic of", "MK"),
            ("North Macedonia", "MK"),
            ("China, Hong Kong Special Administrative Region", "HK"),
            ("Hong Kong", "HK"),
            ("Taiwan", "TW"),
            ("Cabo Verde", "CV"),
            ("Czech Republic", "CZ"),
            ("United States of America", "US"),
            ("United States", "US"),
            ("  SERBIA ", "RS"),
            ("Montenegro", "ME"),
            ("Guinea-Bissau", "GW"),
            ("Guinea", "GN"),
            ("Niger", "NE"),
            ("Nigeria", "NG"),
            ("Sudan", "SD"),
            ("South Sudan", "SS"),
        ];
        for (name, alpha2) in cases {
            assert_eq!(by_name(name).map(|c| c.alpha2), Some(alpha2), "{name}");
        }
    }

    #[test]
    fn what_names_no_current_country_is_none() {
        for name in [
            "former Soviet Union",
            "Netherlands Antilles",
            "na",
            "undetermined",
            "",
            "  ",
            "Utopia",
            "Korea",
            "Republic",
        ] {
            assert_eq!(by_name(name), None, "{name}");
        }
    }

    #[test]
    fn every_iso_name_resolves_to_itself_and_aliases_shadow_none() {
        let mut keys = HashSet::new();
        for country in countries() {
            let key = name_key(country.name);
            assert!(key.is_ascii(), "{key}");
            assert!(keys.insert(key), "{} shares its key", country.name);
            assert_eq!(by_name(country.name), Some(country));
        }
        for (alias, alpha2) in NAME_ALIASES {
            assert!(!keys.contains(&name_key(alias)), "{alias} is an ISO name");
            assert_eq!(by_name(alias).map(|c| c.alpha2), Some(*alpha2), "{alias}");
        }
        assert!(NAME_ALIASES.windows(2).all(|w| w[0].0 < w[1].0));
    }

    /// Every country name of the UN consolidated list (nationalities, document countries,
    /// address countries) resolves, but "former Soviet Union", which names no current state
    /// (ISO 3166-3 withdrew SU in 1992); the one entry that has it also has "Russian Federation".
    #[test]
    fn every_country_of_the_un_list_resolves() {
        let Some(xml) = crate::fixture::text("watchlists", "un_consolidated_2026-02-27.xml") else {
            return;
        };
        let entries = un::parse(&xml).unwrap();
        let mut names = HashSet::new();
        for entry in &entries {
            names.extend(entry.nationalities.iter().cloned());
            names.extend(entry.documents.iter().filter_map(|d| d.country.clone()));
            names.extend(entry.address_countries.iter().cloned());
        }
        assert_eq!(names.len(), 75);
        for name in &names {
            match name.as_str() {
                "former Soviet Union" => assert_eq!(by_name(name), None),
                _ => assert!(by_name(name).is_some(), "{name} does not resolve"),
            }
        }
        let nationalities: HashSet<&str> = entries
            .iter()
            .flat_map(|entry| entry.nationalities.iter().map(String::as_str))
            .collect();
        assert_eq!(nationalities.len(), 55);
        assert!(nationalities.contains("former Soviet Union"));
    }
}
