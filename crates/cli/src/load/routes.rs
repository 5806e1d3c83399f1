//! Routes flown into the arrival airports of the run: the OpenFlights `routes.dat` when the
//! fixtures are there (read at run time, never copied), else a small built-in table.

use std::{collections::BTreeSet, path::Path};

use anyhow::{Context, Result};

/// One scheduled connection: who flies it, from where, to where.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Route {
    /// IATA (2) or ICAO (3) airline designator.
    pub carrier: String,
    pub departure: String,
    pub arrival: String,
}

/// Where the routes of a run came from, for the report.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RouteSource {
    /// OpenFlights routes.dat at this path.
    File(String),
    BuiltIn,
}

/// Routes into the run's arrival airports; never empty.
#[derive(Debug, Clone)]
pub struct RouteTable {
    pub routes: Vec<Route>,
    pub source: RouteSource,
}

/// Direct routes into the seed region's airports (carrier, from, to), for machines without the
/// fixtures.
const BUILT_IN: &[(&str, &str, &str)] = &[
    ("TK", "IST", "SJJ"),
    ("PC", "SAW", "SJJ"),
    ("OS", "VIE", "SJJ"),
    ("LH", "MUC", "SJJ"),
    ("EW", "STR", "SJJ"),
    ("W6", "MLH", "SJJ"),
    ("FZ", "DXB", "SJJ"),
    ("JU", "BEG", "SJJ"),
    ("LX", "ZRH", "SJJ"),
    ("JU", "CDG", "BEG"),
    ("JU", "FCO", "BEG"),
    ("JU", "ZRH", "BEG"),
    ("JU", "SJJ", "BEG"),
    ("JU", "SKP", "BEG"),
    ("JU", "TGD", "BEG"),
    ("TK", "IST", "BEG"),
    ("LH", "FRA", "BEG"),
    ("OS", "VIE", "BEG"),
    ("AF", "CDG", "BEG"),
    ("FZ", "DXB", "BEG"),
    ("QR", "DOH", "BEG"),
    ("W6", "DTM", "BEG"),
    ("SU", "SVO", "BEG"),
    ("A3", "ATH", "BEG"),
    ("TK", "IST", "SKP"),
    ("W6", "BUD", "SKP"),
    ("W6", "MXP", "SKP"),
    ("OS", "VIE", "SKP"),
    ("PC", "SAW", "SKP"),
    ("JU", "BEG", "SKP"),
    ("FZ", "DXB", "SKP"),
    ("LH", "FRA", "TGD"),
    ("JU", "BEG", "TGD"),
    ("TK", "IST", "TGD"),
    ("OS", "VIE", "TGD"),
    ("W6", "BUD", "TIV"),
    ("JU", "BEG", "TIV"),
    ("TK", "IST", "PRN"),
    ("OS", "VIE", "PRN"),
    ("LX", "ZRH", "PRN"),
    ("W6", "MXP", "PRN"),
    ("TK", "IST", "TIA"),
    ("W6", "BGY", "TIA"),
    ("A3", "ATH", "TIA"),
];

/// Hubs that serve any airport the tables do not know.
const FALLBACK_HUBS: &[(&str, &str)] = &[
    ("TK", "IST"),
    ("OS", "VIE"),
    ("LH", "FRA"),
    ("LX", "ZRH"),
    ("FZ", "DXB"),
];

fn is_airport(code: &str) -> bool {
    code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase())
}

fn is_carrier(code: &str) -> bool {
    (2..=3).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

impl RouteTable {
    /// Direct routes of an OpenFlights `routes.dat` text (airline, airline id, source airport,
    /// source id, destination airport, destination id, codeshare, stops, equipment) arriving at
    /// one of `arrivals`. Codeshares are dropped: the operating carrier sends the API data.
    pub fn parse_openflights(text: &str, arrivals: &[String]) -> Vec<Route> {
        let mut routes = BTreeSet::new();
        for line in text.lines() {
            let fields: Vec<&str> = line.split(',').map(str::trim).collect();
            let [carrier, _, departure, _, arrival, _, codeshare, stops, ..] = fields.as_slice()
            else {
                continue;
            };
            if !arrivals.iter().any(|a| a == arrival)
                || *stops != "0"
                || *codeshare == "Y"
                || !is_carrier(carrier)
                || !is_airport(departure)
                || !is_airport(arrival)
                || departure == arrival
            {
                continue;
            }
            routes.insert(Route {
                carrier: (*carrier).to_owned(),
                departure: (*departure).to_owned(),
                arrival: (*arrival).to_owned(),
            });
        }
        routes.into_iter().collect()
    }

    /// The built-in routes into `arrivals`, with hub routes for airports it does not list.
    pub fn built_in(arrivals: &[String]) -> RouteTable {
        let mut routes: Vec<Route> = BUILT_IN
            .iter()
            .filter(|(_, _, to)| arrivals.iter().any(|a| a == to))
            .map(|(carrier, from, to)| Route {
                carrier: (*carrier).to_owned(),
                departure: (*from).to_owned(),
                arrival: (*to).to_owned(),
            })
            .collect();
        add_fallbacks(&mut routes, arrivals);
        RouteTable {
            routes,
            source: RouteSource::BuiltIn,
        }
    }

    /// Routes from `fixtures/load/routes.dat` when that file exists, else the built-in table.
    /// A file that exists but cannot be read is an error, not a silent fallback.
    pub fn load(fixtures: Option<&Path>, arrivals: &[String]) -> Result<RouteTable> {
        let Some(path) = fixtures
            .map(|dir| dir.join("load").join("routes.dat"))
            .filter(|path| path.is_file())
        else {
            return Ok(Self::built_in(arrivals));
        };
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        let mut routes = Self::parse_openflights(&text, arrivals);
        add_fallbacks(&mut routes, arrivals);
        Ok(RouteTable {
            routes,
            source: RouteSource::File(path.display().to_string()),
        })
    }

    /// Arrival airports served, each once.
    pub fn arrivals(&self) -> BTreeSet<&str> {
        self.routes.iter().map(|r| r.arrival.as_str()).collect()
    }
}

/// Hub routes for every arrival airport without any route, so each airport gets traffic.
fn add_fallbacks(routes: &mut Vec<Route>, arrivals: &[String]) {
    for arrival in arrivals {
        if routes.iter().any(|r| &r.arrival == arrival) {
            continue;
        }
        routes.extend(FALLBACK_HUBS.iter().filter(|(_, hub)| hub != arrival).map(
            |(carrier, hub)| Route {
                carrier: (*carrier).to_owned(),
                departure: (*hub).to_owned(),
                arrival: arrival.clone(),
            },
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn airports(codes: &[&str]) -> Vec<String> {
        codes.iter().map(|c| (*c).to_owned()).collect()
    }

    #[test]
    fn openflights_lines_are_filtered_to_direct_operated_routes_into_the_airports() {
        let text = "\
TK,4951,IST,1701,SJJ,1204,,0,321 738
TK,4951,IST,1701,SJJ,1204,,0,321 738
JU,3052,CDG,1382,BEG,1739,,0,319
LH,3320,FRA,340,BEG,1739,Y,0,CR9
OS,492,VIE,1613,SKP,1214,,1,E95
2B,410,AER,2965,KZN,2990,,0,CR2
\\N,\\N,ZRH,1678,BEG,1739,,0,320
W6,5461,BUD,1489,SKP,1214,,0,320";
        let routes = RouteTable::parse_openflights(text, &airports(&["SJJ", "BEG", "SKP"]));
        let found: Vec<(&str, &str, &str)> = routes
            .iter()
            .map(|r| (r.carrier.as_str(), r.departure.as_str(), r.arrival.as_str()))
            .collect();
        // Duplicates merged; codeshare, one-stop, elsewhere and no-carrier lines dropped.
        assert_eq!(
            found,
            [
                ("JU", "CDG", "BEG"),
                ("TK", "IST", "SJJ"),
                ("W6", "BUD", "SKP")
            ]
        );
    }

    #[test]
    fn built_in_covers_every_airport_with_valid_codes() {
        let table = RouteTable::built_in(&airports(&["SJJ", "BEG", "SKP", "XYZ"]));
        assert_eq!(
            table.arrivals().into_iter().collect::<Vec<_>>(),
            ["BEG", "SJJ", "SKP", "XYZ"]
        );
        for route in &table.routes {
            assert!(is_carrier(&route.carrier), "{route:?}");
            assert!(is_airport(&route.departure) && is_airport(&route.arrival));
            assert_ne!(route.departure, route.arrival);
        }
    }

    #[test]
    fn the_fixture_routes_are_read_when_present() {
        // The fixture rule: in CI the folder must be there; elsewhere it may be absent.
        let Some(dir) = std::env::var_os("GATEHOUSE_FIXTURES").map(std::path::PathBuf::from) else {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "GATEHOUSE_FIXTURES must be set in CI"
            );
            return;
        };
        let file = dir.join("load").join("routes.dat");
        if !file.is_file() {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "{} missing in CI",
                file.display()
            );
            return;
        }
        let table = RouteTable::load(Some(&dir), &airports(&["SJJ", "BEG", "SKP"])).unwrap();
        assert!(matches!(table.source, RouteSource::File(_)));
        // OpenFlights lists dozens of direct routes into Belgrade alone.
        assert!(table.routes.iter().filter(|r| r.arrival == "BEG").count() > 20);
        assert!(
            table
                .routes
                .iter()
                .any(|r| r.departure == "IST" && r.arrival == "SJJ")
        );
    }
}
