//! Pure checks for the documents, identifiers and reference codes Gatehouse takes in: no I/O, no
//! clock, reference data compiled in.
//!
//! # Travel documents
//! - [`mrz`]: ICAO Doc 9303 machine readable zones (TD1, TD2, TD3, MRV-A, MRV-B): every field and
//!   every check digit, dates resolved against a reference date the caller passes in.
//! - [`transliteration`]: ICAO Doc 9303 Part 3 transliteration of Latin and Cyrillic names into
//!   the MRZ character set ([`transliterate_icao`], [`mrz_name`]).
//! - [`expiry`]: a document's expiry against the flight date (rejection or warning).
//!
//! # Reference codes
//! - [`country`]: ISO 3166-1 alpha-2, alpha-3 and numeric codes, and the codes ICAO uses in MRZs
//!   (D, GBD, UNO, XXA, EUE, XPO, RKS…).
//! - [`airport`](mod@airport): IATA airports with ICAO code, place, country, position and time
//!   zone.
//! - [`airline`]: IATA and ICAO airline designators.
//! - [`unlocode`]: UN/LOCODE trade and transport locations (UNECE release 2023-1) with their
//!   functions (port, rail, road, airport, border crossing…), read from `ME BAR`, `mebar` or
//!   `ME-BAR`.
//! - [`hs`]: Harmonized System 2022 chapters, headings and subheadings; declared codes of 6 to 10
//!   digits (national extensions) checked against HS 2022.
//!
//! # Cargo identifiers
//! - [`container`]: ISO 6346 container numbers.
//! - [`imo`]: IMO ship numbers.
//! - [`awb`]: air waybill numbers.
//! - [`dangerous_goods`]: the format of UN numbers (`UN1942`, `1942`). The Dangerous Goods List
//!   is not compiled in: no package registry ships it with a licence.
//!
//! # Declared goods
//! - [`goods`]: vague goods descriptions (`FAK`, `machinery parts`, `razna roba`) and package
//!   count, gross weight, volume and value that do not fit together, as [`GoodsWarning`]s.
//!
//! Errors name the field and the rule, never a personal value; personal values are wrapped in
//! [`gatehouse_formats::Personal`]. The sources and licences of the data are in `data/SOURCES.md`.

pub mod airline;
pub mod airport;
pub mod awb;
pub mod container;
pub mod country;
pub mod dangerous_goods;
pub mod expiry;
pub mod goods;
pub mod hs;
pub mod imo;
pub mod mrz;
pub mod transliteration;
pub mod unlocode;

mod tsv;

pub use airline::is_airline;
pub use airport::{Airport, airport};
pub use awb::AirWaybillNumber;
pub use container::ContainerNumber;
pub use dangerous_goods::UnNumber;
pub use expiry::{ExpiryCheck, ExpiryKind, ExpiryPolicy, check_expiry};
pub use goods::{GoodsDeclaration, GoodsPolicy, GoodsWarning, check_goods};
pub use hs::HsCode;
pub use imo::ImoNumber;
pub use mrz::{Mrz, MrzError, MrzFault};
pub use transliteration::{mrz_name, transliterate_icao};
pub use unlocode::{Location, location};

/// The ISO 3166-1 alpha-3 code of the country of a place: a UN/LOCODE's country part (`CNNGB`
/// gives `CHN`) or an IATA airport's country (`IST` gives `TUR`); `None` for anything else.
pub fn country_of_place(place: &str) -> Option<&'static str> {
    match place.len() {
        5 => country::alpha2_to_alpha3(place.get(..2)?),
        3 => country::alpha2_to_alpha3(airport::airport(place)?.country),
        _ => None,
    }
}

/// Fixtures written by others, read from `$GATEHOUSE_FIXTURES/<folder>` and never copied into
/// the repo. When `CI=true` a missing variable or file fails the test; elsewhere the caller
/// returns early.
#[cfg(test)]
mod fixture {
    pub(crate) fn text(folder: &str, name: &str) -> Option<String> {
        let in_ci = std::env::var("CI").is_ok_and(|value| value == "true");
        let Some(root) = std::env::var_os("GATEHOUSE_FIXTURES") else {
            assert!(!in_ci, "GATEHOUSE_FIXTURES must be set in CI");
            return None;
        };
        let path = std::path::PathBuf::from(root).join(folder).join(name);
        match std::fs::read(&path) {
            Ok(bytes) => Some(gatehouse_formats::edifact::decode(&bytes).into_owned()),
            Err(error) => {
                assert!(
                    !in_ci,
                    "fixture {} is missing in CI: {error}",
                    path.display()
                );
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn places_give_their_country() {
        assert_eq!(super::country_of_place("CNNGB"), Some("CHN"));
        assert_eq!(super::country_of_place("IST"), Some("TUR"));
        assert_eq!(super::country_of_place("ZZZZZZ"), None);
        assert_eq!(super::country_of_place(""), None);
    }
}
