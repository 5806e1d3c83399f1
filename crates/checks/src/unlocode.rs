//! UN/LOCODE, the United Nations code for trade and transport locations: a country code (ISO
//! 3166-1 alpha-2) and three letters or digits (`MEBAR`, written `ME BAR`), from UNECE release
//! 2023-1 as PyPI `pyunlocode` bundles it (see `data/SOURCES.md`).
//!
//! Input is read leniently, as manifests write it: `ME BAR`, `mebar` and `ME-BAR` are all
//! `MEBAR`. The country part must be an ISO 3166-1 code the crate knows ([`crate::country`]),
//! so XZ (UNECE's code for installations in international waters) and withdrawn codes such as
//! YU are refused before the list is consulted.
//!
//! Release 2023-1 lists the places of Kosovo under RS (Pristina is `RSPRN`, Prizren `RSPRZ`) and
//! has no XK entry, and it has no entry for the crossings of Bijača (BA/HR) or Vërmica/Vrbnica
//! (XK/AL): a border unit there cannot be named by a UN/LOCODE.

use std::sync::LazyLock;

use thiserror::Error;

use crate::airport;
use crate::country::{self, Country};
use crate::tsv;

/// A location of the code list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Location {
    /// Five characters, no space: `MEBAR`.
    pub code: &'static str,
    /// As UNECE writes it, with diacritics (`Schœlcher`); most names of the region are written
    /// without them (`Gradiska`).
    pub name: &'static str,
    /// ISO 3166-2 subdivision code without the country part (`SRP`, Republika Srpska); may be
    /// empty.
    pub subdivision: &'static str,
    pub functions: Functions,
    /// The IATA code UNECE gives when it differs from the location part (`BWK` for `HRBOL`);
    /// see [`Location::iata_code`] for the code itself.
    pub iata: Option<&'static str>,
}

impl Location {
    /// The ISO 3166-1 alpha-2 code: `ME`.
    pub fn country_code(&self) -> &'static str {
        &self.code[..2]
    }

    /// The three characters after the country: `BAR`.
    pub fn location_part(&self) -> &'static str {
        &self.code[2..]
    }

    pub fn country(&self) -> Option<&'static Country> {
        country::by_alpha2(self.country_code())
    }

    /// The location's IATA code. UNECE fills the IATA column only when the code differs from the
    /// location part; an empty column means the location part is the IATA code when the place
    /// has one, which is taken to be so when the location has an airport function and the IATA
    /// airport list ([`crate::airport`](mod@crate::airport)) has that code in the same country (`BASJJ` gives
    /// `SJJ`). A quarter of the airport locations have no IATA code at all. Kosovo's airport,
    /// XK in the airport list, matches its UN/LOCODE under RS (`RSPRN` gives `PRN`).
    pub fn iata_code(&self) -> Option<&'static str> {
        if self.iata.is_some() {
            return self.iata;
        }
        let part = self.location_part();
        let country = self.country_code();
        let listed = airport::airport(part).is_some_and(|airport| {
            airport.country == country || (airport.country, country) == ("XK", "RS")
        });
        (self.functions.contains(Function::Airport) && listed).then_some(part)
    }
}

/// One function of the UN/LOCODE function classifier (a position of `1234567B`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Function {
    /// 1: port, as defined in UN/ECE Recommendation 16.
    Port,
    /// 2: rail terminal.
    Rail,
    /// 3: road terminal.
    Road,
    /// 4: airport.
    Airport,
    /// 5: postal exchange office.
    Postal,
    /// 6: multimodal functions: inland clearance depots (ICD), dry ports.
    InlandClearanceDepot,
    /// 7: fixed transport functions (pipelines, oil platforms, power lines).
    FixedTransport,
    /// B: border crossing.
    BorderCrossing,
}

impl Function {
    pub const ALL: [Function; 8] = [
        Function::Port,
        Function::Rail,
        Function::Road,
        Function::Airport,
        Function::Postal,
        Function::InlandClearanceDepot,
        Function::FixedTransport,
        Function::BorderCrossing,
    ];

    /// The character UNECE writes for it: `1` to `7`, `B`.
    pub fn classifier(self) -> char {
        match self {
            Function::Port => '1',
            Function::Rail => '2',
            Function::Road => '3',
            Function::Airport => '4',
            Function::Postal => '5',
            Function::InlandClearanceDepot => '6',
            Function::FixedTransport => '7',
            Function::BorderCrossing => 'B',
        }
    }

    fn bit(self) -> u8 {
        match self {
            Function::Port => 1,
            Function::Rail => 1 << 1,
            Function::Road => 1 << 2,
            Function::Airport => 1 << 3,
            Function::Postal => 1 << 4,
            Function::InlandClearanceDepot => 1 << 5,
            Function::FixedTransport => 1 << 6,
            Function::BorderCrossing => 1 << 7,
        }
    }
}

/// The functions of a location. An empty set is a location whose functions UNECE does not know
/// (classifier `0-------`) or gives none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Functions(u8);

impl Functions {
    /// From the classifier as UNECE writes it (`1-3----B`) or without its dashes (`13B`, the
    /// form of `data/unlocode.tsv`); `None` for a character that is not a function or `0`.
    pub fn parse(classifier: &str) -> Option<Self> {
        let mut bits = 0;
        for character in classifier.chars() {
            match character {
                '-' | '0' => {}
                _ => {
                    let function = Function::ALL
                        .into_iter()
                        .find(|function| function.classifier() == character)?;
                    bits |= function.bit();
                }
            }
        }
        Some(Self(bits))
    }

    pub fn contains(self, function: Function) -> bool {
        self.0 & function.bit() != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The functions in classifier order.
    pub fn iter(self) -> impl Iterator<Item = Function> {
        Function::ALL
            .into_iter()
            .filter(move |&function| self.contains(function))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum UnlocodeError {
    #[error(
        "UN/LOCODE must be a two-letter country code and three letters or digits (spaces and hyphens allowed)"
    )]
    Format,
    #[error("UN/LOCODE country part is not an ISO 3166-1 alpha-2 code")]
    UnknownCountry,
    #[error("UN/LOCODE is not in the UNECE code list (release 2023-1)")]
    NotListed,
}

/// The five-character code of `input`, checked for format and country but not looked up:
/// `"me-bar"` gives `"MEBAR"`.
pub fn normalise(input: &str) -> Result<String, UnlocodeError> {
    let code: String = input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let bytes = code.as_bytes();
    let well_formed = bytes.len() == 5
        && bytes[..2].iter().all(u8::is_ascii_uppercase)
        && bytes[2..]
            .iter()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    if !well_formed {
        return Err(UnlocodeError::Format);
    }
    if country::by_alpha2(&code[..2]).is_none() {
        return Err(UnlocodeError::UnknownCountry);
    }
    Ok(code)
}

/// The location `input` names (`"ME BAR"`, `"mebar"`, `"ME-BAR"`).
pub fn location(input: &str) -> Result<Location, UnlocodeError> {
    let code = normalise(input)?;
    let lines = &*LINES;
    lines
        .binary_search_by(|line| code_of(line).cmp(code.as_str()))
        .ok()
        .and_then(|index| parse_line(lines[index]))
        .ok_or(UnlocodeError::NotListed)
}

/// Every location, sorted by code.
pub fn locations() -> impl Iterator<Item = Location> {
    LINES.iter().filter_map(|line| parse_line(line))
}

/// The locations of one country (alpha-2, upper case), sorted by code.
pub fn locations_in(country: &str) -> impl Iterator<Item = Location> {
    let lines = &*LINES;
    let start = lines.partition_point(|line| &code_of(line)[..2] < country);
    let end = lines.partition_point(|line| &code_of(line)[..2] <= country);
    lines[start..end].iter().filter_map(|line| parse_line(line))
}

/// The data lines, sorted by code. Rows are parsed on look-up: 116,000 parsed locations would
/// take several times the memory of their lines.
static LINES: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    let mut lines: Vec<&'static str> = include_str!("../data/unlocode.tsv")
        .lines()
        .filter(|line| !line.starts_with('#') && line.len() > 5 && line.is_char_boundary(5))
        .collect();
    lines.sort_by_key(|line| code_of(line));
    lines
});

/// The first five bytes; the loader keeps only lines where that is a character boundary.
fn code_of(line: &str) -> &str {
    line.get(..5).unwrap_or(line)
}

fn parse_line(line: &'static str) -> Option<Location> {
    let [code, name, subdivision, functions, iata] = tsv::rows::<5>(line).next()?;
    Some(Location {
        code,
        name,
        subdivision,
        functions: Functions::parse(functions)?,
        iata: Some(iata).filter(|iata| !iata.is_empty()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    use Function::{Airport, BorderCrossing, Port, Postal, Rail, Road};

    /// Code, name, subdivision, functions, IATA code.
    type Case = (
        &'static str,
        &'static str,
        &'static str,
        &'static [Function],
        Option<&'static str>,
    );

    #[test]
    fn lenient_input_is_normalised() {
        for input in ["MEBAR", "ME BAR", "mebar", "ME-BAR", " me bar ", "Me\tBar"] {
            assert_eq!(normalise(input), Ok("MEBAR".to_owned()), "{input:?}");
            assert_eq!(location(input).map(|l| l.code), Ok("MEBAR"), "{input:?}");
        }
    }

    #[test]
    fn locations_of_the_region() {
        let cases: [Case; 12] = [
            // Port of Bar, Montenegro: port, rail and road.
            ("MEBAR", "Bar", "", &[Port, Rail, Road], None),
            ("MEZEL", "Zelenika", "", &[Port, Rail, Road], None),
            (
                "METGD",
                "Podgorica",
                "",
                &[Rail, Road, Airport],
                Some("TGD"),
            ),
            // Gradiška, Republika Srpska (the Bosnian side of the Sava crossing).
            ("BAGDA", "Gradiska", "SRP", &[Road], None),
            ("BASJJ", "Sarajevo", "09", &[Road, Airport], Some("SJJ")),
            ("BABNX", "Banja Luka", "SRP", &[Road, Airport], Some("BNX")),
            (
                "RSBEG",
                "Belgrade (Beograd)",
                "00",
                &[Rail, Road, Airport, Postal],
                Some("BEG"),
            ),
            (
                "MKSKP",
                "Skopje",
                "",
                &[Road, Airport, BorderCrossing],
                Some("SKP"),
            ),
            // The road crossing into Serbia.
            ("MKTBN", "Tabanovce", "", &[Road, BorderCrossing], None),
            // Kosovo is listed under RS in release 2023-1.
            ("RSPRN", "Pristina", "", &[Rail, Road, Airport], Some("PRN")),
            ("RSPRZ", "Prizren", "", &[Rail, Road], None),
            // Croatian border crossing on the Danube.
            (
                "HRERD",
                "Erdut",
                "",
                &[Port, Rail, Road, BorderCrossing],
                None,
            ),
        ];
        for (code, name, subdivision, functions, iata) in cases {
            let location = location(code).unwrap_or_else(|e| panic!("{code}: {e}"));
            assert_eq!(location.name, name, "{code}");
            assert_eq!(location.subdivision, subdivision, "{code}");
            assert_eq!(
                location.functions.iter().collect::<Vec<_>>(),
                functions,
                "{code}"
            );
            assert_eq!(location.iata_code(), iata, "{code}");
            assert_eq!(location.country().map(|c| c.alpha2), Some(&code[..2]));
        }
    }

    #[test]
    fn iata_column_and_inferred_codes() {
        // Bol (Brač) is served by Brač airport, BWK, which UNECE writes in the IATA column.
        let bol = location("HR BOL").unwrap();
        assert_eq!((bol.iata, bol.iata_code()), (Some("BWK"), Some("BWK")));
        // Ajman has IATA city code QAJ and no airport function.
        assert_eq!(location("AE AJM").unwrap().iata_code(), Some("QAJ"));
        // Bar has no airport; Sarajevo's SJJ is inferred, not written.
        assert_eq!(location("MEBAR").unwrap().iata_code(), None);
        assert_eq!(location("BASJJ").unwrap().iata, None);
    }

    #[test]
    fn places_of_the_units_without_a_code() {
        // Bijača (BA/HR) and Vërmica/Vrbnica (XK/AL) are not in release 2023-1, and Kosovo has
        // no entry of its own.
        assert!(locations_in("BA").all(|l| !l.name.starts_with("Bija")));
        for country in ["RS", "AL", "ME"] {
            assert!(
                locations_in(country)
                    .all(|l| !l.name.starts_with("Vrbnic") && !l.name.starts_with("Verm")),
                "{country}"
            );
        }
        assert_eq!(locations_in("XK").count(), 0);
        assert_eq!(location("XK PRN"), Err(UnlocodeError::NotListed));
        assert_eq!(locations_in("BA").count(), 90);
        assert_eq!(locations_in("ME").count(), 22);
    }

    #[test]
    fn refused_codes_name_the_rule() {
        let cases = [
            ("ME BA", UnlocodeError::Format),
            ("MEBARR", UnlocodeError::Format),
            ("ME_BAR", UnlocodeError::Format),
            ("M3BAR", UnlocodeError::Format),
            ("ME BÄR", UnlocodeError::Format),
            ("", UnlocodeError::Format),
            // Yugoslavia was withdrawn from ISO 3166-1; XZ is UNECE's own code.
            ("YU BEG", UnlocodeError::UnknownCountry),
            ("XZ AAA", UnlocodeError::UnknownCountry),
            ("ME ZZZ", UnlocodeError::NotListed),
        ];
        for (input, error) in cases {
            assert_eq!(location(input), Err(error), "{input:?}");
        }
        // Digits 0 and 1 are outside the UN/LOCODE recommendation but in the list.
        assert_eq!(location("DE 9B0").unwrap().name, "Bollberg");
    }

    #[test]
    fn every_row_is_loaded_sorted_and_valid() {
        // The count of data/SOURCES.md.
        assert_eq!(LINES.len(), 115_717);
        assert_eq!(locations().count(), 115_717);
        assert!(LINES.windows(2).all(|w| code_of(w[0]) < code_of(w[1])));
        for location in locations() {
            assert_eq!(normalise(location.code).as_deref(), Ok(location.code));
            assert!(!location.name.is_empty(), "{}", location.code);
            if let Some(iata) = location.iata {
                assert!(iata.len() == 3 && iata.bytes().all(|b| b.is_ascii_alphanumeric()));
            }
        }
        let border_crossings = locations()
            .filter(|l| l.functions.contains(BorderCrossing))
            .count();
        assert_eq!(border_crossings, 484);
        let diacritics = location("MQSHL").unwrap();
        assert_eq!(diacritics.name, "Schœlcher");
    }

    #[test]
    fn function_classifier_both_forms() {
        let full = Functions::parse("1-3----B").unwrap();
        assert_eq!(Functions::parse("13B"), Some(full));
        assert_eq!(
            full.iter().collect::<Vec<_>>(),
            [Port, Road, BorderCrossing]
        );
        assert!(Functions::parse("0-------").unwrap().is_empty());
        assert_eq!(Functions::parse("1-3-X---"), None);
    }
}
