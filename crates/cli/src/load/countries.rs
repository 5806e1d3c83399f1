//! Who travels to the seed region in the synthetic traffic: nationalities with their share of
//! travellers, the name pools (and scripts) their names come in, and their document styles.

use super::names::{self, NamePool};

/// A nationality of the synthetic traffic.
pub struct Country {
    /// ISO 3166-1 alpha-3 (ICAO 9303 `RKS` for Kosovo).
    pub code: &'static str,
    /// Relative share of travellers.
    pub weight: u32,
    /// Name pools with their relative shares: one country writes names in several scripts.
    pub pools: &'static [(&'static NamePool, u32)],
    /// Passport number pattern (see `documents`).
    pub passport: &'static str,
    /// Identity card pattern, for states whose cards are accepted for travel in the region.
    pub id_card: Option<&'static str>,
}

/// The nationalities ordinary travellers have; also the states of the seeded listed documents.
pub const ORDINARY: &[Country] = &[
    Country {
        code: "BIH",
        weight: 14,
        pools: &[
            (&names::SOUTH_SLAVIC_LATIN, 9),
            (&names::SERBIAN_CYRILLIC, 1),
        ],
        passport: "A999999C",
        id_card: Some("9AA9AAAC"),
    },
    Country {
        code: "SRB",
        weight: 14,
        pools: &[
            (&names::SOUTH_SLAVIC_LATIN, 6),
            (&names::SERBIAN_CYRILLIC, 4),
        ],
        passport: "99999999C",
        id_card: Some("99999999C"),
    },
    Country {
        code: "MNE",
        weight: 4,
        pools: &[(&names::SOUTH_SLAVIC_LATIN, 1)],
        passport: "9999999C",
        id_card: Some("9999999C"),
    },
    Country {
        code: "MKD",
        weight: 7,
        pools: &[
            (&names::MACEDONIAN_CYRILLIC, 6),
            (&names::MACEDONIAN_LATIN, 4),
        ],
        passport: "A999999C",
        id_card: Some("A999999C"),
    },
    Country {
        code: "ALB",
        weight: 4,
        pools: &[(&names::ALBANIAN, 1)],
        passport: "AA999999C",
        id_card: Some("A99999999C"),
    },
    Country {
        code: "RKS",
        weight: 4,
        pools: &[(&names::ALBANIAN, 9), (&names::SOUTH_SLAVIC_LATIN, 1)],
        passport: "A9999999C",
        id_card: Some("9999999999C"),
    },
    Country {
        code: "HRV",
        weight: 6,
        pools: &[(&names::SOUTH_SLAVIC_LATIN, 1)],
        passport: "99999999C",
        id_card: Some("99999999C"),
    },
    Country {
        code: "SVN",
        weight: 2,
        pools: &[(&names::SLOVENE, 1)],
        passport: "AA999999C",
        id_card: None,
    },
    Country {
        code: "TUR",
        weight: 10,
        pools: &[(&names::TURKISH, 1)],
        passport: "A9999999C",
        id_card: None,
    },
    Country {
        code: "GRC",
        weight: 2,
        pools: &[(&names::GREEK, 6), (&names::GREEK_LATIN, 4)],
        passport: "AA999999C",
        id_card: None,
    },
    Country {
        code: "BGR",
        weight: 1,
        pools: &[(&names::BULGARIAN, 1)],
        passport: "99999999C",
        id_card: None,
    },
    Country {
        code: "ROU",
        weight: 1,
        pools: &[(&names::ROMANIAN, 1)],
        passport: "9999999C",
        id_card: None,
    },
    Country {
        code: "HUN",
        weight: 1,
        pools: &[(&names::HUNGARIAN, 1)],
        passport: "AA999999C",
        id_card: None,
    },
    Country {
        code: "D",
        weight: 8,
        pools: &[
            (&names::GERMAN, 8),
            (&names::TURKISH, 1),
            (&names::SOUTH_SLAVIC_LATIN, 1),
        ],
        passport: "XXXXXXXXC",
        id_card: None,
    },
    Country {
        code: "AUT",
        weight: 5,
        pools: &[(&names::GERMAN, 7), (&names::SOUTH_SLAVIC_LATIN, 3)],
        passport: "A999999C",
        id_card: None,
    },
    Country {
        code: "CHE",
        weight: 3,
        pools: &[
            (&names::GERMAN, 5),
            (&names::FRENCH, 2),
            (&names::ALBANIAN, 1),
        ],
        passport: "A999999C",
        id_card: None,
    },
    Country {
        code: "ITA",
        weight: 3,
        pools: &[(&names::ITALIAN, 1)],
        passport: "AA999999C",
        id_card: None,
    },
    Country {
        code: "FRA",
        weight: 2,
        pools: &[(&names::FRENCH, 1)],
        passport: "99AA9999C",
        id_card: None,
    },
    Country {
        code: "NLD",
        weight: 1,
        pools: &[(&names::DUTCH, 1)],
        passport: "AAXXXXXXC",
        id_card: None,
    },
    Country {
        code: "SWE",
        weight: 2,
        pools: &[(&names::SWEDISH, 3), (&names::SOUTH_SLAVIC_LATIN, 1)],
        passport: "9999999C",
        id_card: None,
    },
    Country {
        code: "GBR",
        weight: 2,
        pools: &[(&names::ENGLISH, 1)],
        passport: "99999999C",
        id_card: None,
    },
    Country {
        code: "USA",
        weight: 2,
        pools: &[(&names::ENGLISH, 1)],
        passport: "A9999999C",
        id_card: None,
    },
    Country {
        code: "RUS",
        weight: 2,
        pools: &[(&names::RUSSIAN, 6), (&names::RUSSIAN_LATIN, 4)],
        passport: "99999999C",
        id_card: None,
    },
    Country {
        code: "UKR",
        weight: 1,
        pools: &[(&names::UKRAINIAN, 5), (&names::UKRAINIAN_LATIN, 5)],
        passport: "AA99999C",
        id_card: None,
    },
    Country {
        code: "ARE",
        weight: 1,
        pools: &[(&names::ARABIC, 5), (&names::ARABIC_LATIN, 5)],
        passport: "A9999999C",
        id_card: None,
    },
    Country {
        code: "SAU",
        weight: 1,
        pools: &[(&names::ARABIC, 5), (&names::ARABIC_LATIN, 5)],
        passport: "A999999C",
        id_card: None,
    },
    Country {
        code: "QAT",
        weight: 1,
        pools: &[(&names::ARABIC, 5), (&names::ARABIC_LATIN, 5)],
        passport: "A9999999C",
        id_card: None,
    },
    Country {
        code: "EGY",
        weight: 1,
        pools: &[(&names::ARABIC, 4), (&names::ARABIC_LATIN, 6)],
        passport: "A9999999C",
        id_card: None,
    },
    Country {
        code: "JOR",
        weight: 1,
        pools: &[(&names::ARABIC, 4), (&names::ARABIC_LATIN, 6)],
        passport: "A999999C",
        id_card: None,
    },
];

/// Nationalities of the "conflict zone national" profile: only rule-hit travellers have them.
pub const PROFILED: &[Country] = &[
    Country {
        code: "SYR",
        weight: 3,
        pools: &[(&names::ARABIC, 5), (&names::ARABIC_LATIN, 5)],
        passport: "99999999C",
        id_card: None,
    },
    Country {
        code: "YEM",
        weight: 1,
        pools: &[(&names::ARABIC, 5), (&names::ARABIC_LATIN, 5)],
        passport: "99999999C",
        id_card: None,
    },
    Country {
        code: "LBY",
        weight: 1,
        pools: &[(&names::ARABIC, 5), (&names::ARABIC_LATIN, 5)],
        passport: "A999999C",
        id_card: None,
    },
    Country {
        code: "SOM",
        weight: 1,
        pools: &[(&names::SOMALI, 1)],
        passport: "A9999999C",
        id_card: None,
    },
    Country {
        code: "AFG",
        weight: 2,
        pools: &[(&names::DARI, 5), (&names::DARI_LATIN, 5)],
        passport: "A9999999C",
        id_card: None,
    },
];

/// Where ordinary travellers of a diaspora live when not at home (western Europe).
pub const RESIDENCES: &[&str] = &["D", "AUT", "CHE", "SWE", "ITA", "SVN"];

pub fn codes(countries: &[Country]) -> Vec<&'static str> {
    countries.iter().map(|c| c.code).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::documents::capacity;

    #[test]
    fn every_style_holds_the_listed_numbers_and_codes_are_distinct() {
        let mut seen = std::collections::HashSet::new();
        for country in ORDINARY.iter().chain(PROFILED) {
            assert!(seen.insert(country.code), "{} twice", country.code);
            for pattern in [Some(country.passport), country.id_card]
                .into_iter()
                .flatten()
            {
                assert!(pattern.ends_with('C'), "{pattern}");
                // 1M listed numbers per state at least (the seed spreads 100k over all states).
                assert!(capacity(pattern) >= 1_000_000, "{pattern}");
                assert!(pattern.len() <= 20);
            }
            assert!(!country.pools.is_empty() && country.weight > 0);
        }
        assert!(
            !RESIDENCES
                .iter()
                .any(|r| PROFILED.iter().any(|c| c.code == *r))
        );
    }
}
