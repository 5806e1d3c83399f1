//! IATA airports and metropolitan area codes, from PyPI `airportsdata` (see `data/SOURCES.md`):
//! every airport the package gives an IATA code, with its country so that intake can tell which
//! country a flight enters, and the city codes (LON, TYO…) that messages use in place of one.

use std::collections::HashMap;
use std::sync::LazyLock;

use crate::country::{self, Country};
use crate::tsv;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Airport {
    /// Three-letter IATA location code.
    pub iata: &'static str,
    /// Four-character ICAO location indicator as the package gives it (for a few small US fields,
    /// the FAA identifier).
    pub icao: &'static str,
    pub name: &'static str,
    /// May be empty.
    pub city: &'static str,
    /// State, province or region; may be empty.
    pub subdivision: &'static str,
    /// ISO 3166-1 alpha-2 code (XK for Kosovo).
    pub country: &'static str,
    pub latitude: f64,
    pub longitude: f64,
    /// IANA time zone, e.g. `Europe/Belgrade`.
    pub time_zone: &'static str,
}

impl Airport {
    /// The country the airport is in.
    pub fn country(&self) -> Option<&'static Country> {
        country::by_alpha2(self.country)
    }
}

struct Airports {
    /// Sorted by IATA code.
    list: Vec<Airport>,
    by_icao: HashMap<&'static str, usize>,
}

static AIRPORTS: LazyLock<Airports> = LazyLock::new(|| {
    let mut list: Vec<Airport> = tsv::rows::<9>(include_str!("../data/airports.tsv"))
        .filter_map(
            |[
                iata,
                icao,
                name,
                city,
                subdivision,
                country,
                latitude,
                longitude,
                time_zone,
            ]| {
                Some(Airport {
                    iata,
                    icao,
                    name,
                    city,
                    subdivision,
                    country,
                    latitude: latitude.parse().ok()?,
                    longitude: longitude.parse().ok()?,
                    time_zone,
                })
            },
        )
        .collect();
    list.sort_by_key(|airport| airport.iata);
    let by_icao = list
        .iter()
        .enumerate()
        .filter(|(_, airport)| !airport.icao.is_empty())
        .map(|(index, airport)| (airport.icao, index))
        .collect();
    Airports { list, by_icao }
});

/// Every airport, sorted by IATA code.
pub fn airports() -> &'static [Airport] {
    &AIRPORTS.list
}

/// The airport with IATA code `code` (upper case: `BEG`).
pub fn airport(code: &str) -> Option<&'static Airport> {
    let list = &AIRPORTS.list;
    list.binary_search_by(|airport| airport.iata.cmp(code))
        .ok()
        .map(|index| &list[index])
}

/// The airport with ICAO indicator `code` (upper case: `LYBE`), among those with an IATA code.
pub fn airport_by_icao(code: &str) -> Option<&'static Airport> {
    AIRPORTS
        .by_icao
        .get(code)
        .map(|&index| &AIRPORTS.list[index])
}

/// An IATA metropolitan area (city) code covering several airports: LON for Heathrow, Gatwick…
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetropolitanArea {
    pub code: &'static str,
    pub name: &'static str,
    /// ISO 3166-1 alpha-2 code.
    pub country: &'static str,
    /// IATA codes of its airports, sorted.
    pub airports: Vec<&'static str>,
}

static AREAS: LazyLock<Vec<MetropolitanArea>> = LazyLock::new(|| {
    let mut areas: Vec<MetropolitanArea> = Vec::new();
    for [code, name, country, airport] in
        tsv::rows::<4>(include_str!("../data/metropolitan_areas.tsv"))
    {
        match areas.last_mut() {
            Some(area) if area.code == code => area.airports.push(airport),
            _ => areas.push(MetropolitanArea {
                code,
                name,
                country,
                airports: vec![airport],
            }),
        }
    }
    areas.sort_by_key(|area| area.code);
    areas
});

/// Every metropolitan area, sorted by code.
pub fn metropolitan_areas() -> &'static [MetropolitanArea] {
    &AREAS
}

/// The metropolitan area with city code `code` (upper case: `TYO`).
pub fn metropolitan_area(code: &str) -> Option<&'static MetropolitanArea> {
    AREAS
        .binary_search_by(|area| area.code.cmp(code))
        .ok()
        .map(|index| &AREAS[index])
}

/// The country (alpha-2) of an airport code, or else of a metropolitan area code: where a flight
/// to `code` lands.
pub fn country_of(code: &str) -> Option<&'static str> {
    airport(code)
        .map(|airport| airport.country)
        .or_else(|| metropolitan_area(code).map(|area| area.country))
}
