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
//! - [`airport`]: IATA airports with ICAO code, place, country, position and time zone.
//! - [`airline`]: IATA and ICAO airline designators.
//!
//! # Cargo identifiers
//! - [`container`]: ISO 6346 container numbers.
//! - [`imo`]: IMO ship numbers.
//! - [`awb`]: air waybill numbers.
//!
//! Errors name the field and the rule, never a personal value; personal values are wrapped in
//! [`gatehouse_formats::Personal`]. The sources and licences of the data are in `data/SOURCES.md`.

pub mod airline;
pub mod airport;
pub mod awb;
pub mod container;
pub mod country;
pub mod expiry;
pub mod imo;
pub mod mrz;
pub mod transliteration;

mod tsv;

pub use airline::is_airline;
pub use airport::{Airport, airport};
pub use awb::AirWaybillNumber;
pub use container::ContainerNumber;
pub use expiry::{ExpiryCheck, ExpiryKind, ExpiryPolicy, check_expiry};
pub use imo::ImoNumber;
pub use mrz::{Mrz, MrzError, MrzFault};
pub use transliteration::{mrz_name, transliterate_icao};
