//! Synthetic API reports and PNRs: flights on real routes into the run's airports, travellers
//! with names in several scripts and documents in their state's style, and a controlled share of
//! watchlist and rule hits; and cargo manifests ([`manifest`]). Deterministic for a seed (and a
//! stream number).

mod booking;
pub mod manifest;

use std::{
    collections::HashSet,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
};

use chrono::{Days, Months, NaiveDate, NaiveTime, Utc};
use gatehouse_proto::v1::{
    ApiReport, DocumentType, Flight, FlightDirection, MessageFunction, Sex,
    StreamApiReportsRequest, TravelDocument, Traveller, TravellerRole,
};
use rand::{
    Rng, SeedableRng,
    distr::{Distribution, weighted::WeightedIndex},
    rngs::StdRng,
    seq::IndexedRandom,
};

use super::{
    countries::{Country, ORDINARY, PROFILED, RESIDENCES},
    documents,
    names::{NamePool, Script},
    routes::Route,
    rules::{self, MIN_ORDINARY_VALIDITY_DAYS, Trigger, cargo::CargoTrigger},
};

/// What a run sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// API reports through StreamApiReports.
    Api,
    /// PNRs (bookings of 1-4 travellers) through StreamPnrs.
    Pnr,
    /// Cargo manifests (sea into Bar, air into Sarajevo, Belgrade and Skopje) through
    /// StreamManifests; records are their consignments.
    Cargo,
}

/// What one item of the stream carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Shape {
    /// One traveller per item (each a part of a split flight report).
    Single,
    /// A whole flight per item.
    Flight,
}

/// Parameters of the traffic.
#[derive(Debug, Clone)]
pub struct TrafficConfig {
    pub kind: Kind,
    /// API reports only; a PNR is always one booking.
    pub shape: Shape,
    /// Travellers per flight (per item in the flight shape, parts of a flight in the single shape,
    /// seats the bookings of a flight fill for PNRs).
    pub travellers_per_flight: u32,
    /// Share of travellers holding a listed document.
    pub watchlist_hit_rate: f64,
    /// Share of travellers built to fire one of the trigger rules.
    pub rule_hit_rate: f64,
    /// Entries of the seeded document watchlist the hits may draw on (0: no watchlist hits).
    pub listed_documents: u64,
    /// Consignments per cargo manifest.
    pub consignments_per_manifest: u32,
    pub seed: u64,
    /// Prefix of message ids, unique per run.
    pub run_id: String,
}

/// Why a traveller is expected to raise an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HitKind {
    Watchlist,
    Rule(Trigger),
    /// A consignment built to fire a cargo trigger rule.
    Cargo(CargoTrigger),
}

/// A traveller (or consignment) expected to raise an alert, known by the document (or transport
/// document) the alert will show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedHit {
    pub document_number: String,
    pub kind: HitKind,
}

/// One item to send (a `StreamApiReportsRequest` or a `StreamPnrsRequest`), with what it should
/// lead to.
#[derive(Debug, Clone)]
pub struct Item<R = StreamApiReportsRequest> {
    pub message_id: String,
    pub request: R,
    pub records: u32,
    pub arrival: String,
    pub hits: Vec<PlannedHit>,
}

/// A listed document: `ORDINARY[country]` issued `number`.
#[derive(Clone)]
pub struct ListedDocument {
    pub country: &'static Country,
    pub number: String,
}

/// The `index`-th entry of the seeded document watchlist: states in turn, each state's
/// numbers a bijection of the index (see `documents`).
pub fn listed_document(index: u64) -> ListedDocument {
    let states = ORDINARY.len() as u64;
    let country = &ORDINARY[(index % states) as usize];
    let number = documents::listed_number(
        country.passport,
        index / states,
        documents::salt(country.code),
    );
    ListedDocument { country, number }
}

/// Flight numbers 1..=9999 per day; the serial moves to the next day after that.
const NUMBERS_PER_DAY: u64 = 9_999;

/// The flight being split into single-traveller parts (or filled with bookings).
struct OpenFlight {
    flight: Flight,
    departure: NaiveDate,
    serial: u64,
    next_part: u32,
}

/// Makes items; one per stream, each with its own random sequence, sharing the flight serial
/// so flights never repeat within the run.
pub struct Generator {
    config: TrafficConfig,
    routes: Arc<Vec<Route>>,
    flights: Arc<AtomicU64>,
    stream: u32,
    rng: StdRng,
    today: NaiveDate,
    sequence: u64,
    open: Option<OpenFlight>,
    nationality: WeightedIndex<u32>,
    profiled: WeightedIndex<u32>,
    cargo: Option<manifest::CargoState>,
}

impl Generator {
    /// `routes` must not be empty.
    pub fn new(
        config: TrafficConfig,
        routes: Arc<Vec<Route>>,
        flights: Arc<AtomicU64>,
        stream: u32,
        today: NaiveDate,
    ) -> anyhow::Result<Self> {
        anyhow::ensure!(
            config.kind == Kind::Cargo || !routes.is_empty(),
            "no routes to generate flights on"
        );
        anyhow::ensure!(
            (1..=999).contains(&config.travellers_per_flight),
            "travellers per flight must be 1-999"
        );
        let cargo = match config.kind {
            Kind::Cargo => {
                anyhow::ensure!(
                    (1..=manifest::MAX_CONSIGNMENTS).contains(&config.consignments_per_manifest),
                    "consignments per manifest must be 1-{}",
                    manifest::MAX_CONSIGNMENTS
                );
                let airports: Vec<&str> = routes.iter().map(|r| r.arrival.as_str()).collect();
                let places: Vec<&'static manifest::CargoPlace> = manifest::CARGO_PLACES
                    .iter()
                    .filter(|p| p.iata.is_none_or(|iata| airports.contains(&iata)))
                    .collect();
                Some(manifest::CargoState::new(config.seed, &places)?)
            }
            Kind::Api | Kind::Pnr => None,
        };
        let seed = config
            .seed
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            .wrapping_add(u64::from(stream));
        Ok(Self {
            nationality: WeightedIndex::new(ORDINARY.iter().map(|c| c.weight))?,
            profiled: WeightedIndex::new(PROFILED.iter().map(|c| c.weight))?,
            config,
            routes,
            flights,
            stream,
            rng: StdRng::seed_from_u64(seed),
            today,
            sequence: 0,
            open: None,
            cargo,
        })
    }

    /// What one item takes of a budget of records: its travellers for API reports, one for a
    /// PNR (whose budget and rate count bookings).
    pub fn budget_per_item(&self) -> u32 {
        match (self.config.kind, self.config.shape) {
            (Kind::Pnr, _) | (Kind::Api, Shape::Single) => 1,
            (Kind::Api, Shape::Flight) => self.config.travellers_per_flight,
            (Kind::Cargo, _) => self.config.consignments_per_manifest,
        }
    }

    /// Most travellers one item holds.
    pub fn max_records_per_item(&self) -> u32 {
        match (self.config.kind, self.config.shape) {
            (Kind::Pnr, _) => booking::MAX_TRAVELLERS,
            (Kind::Cargo, _) => self.config.consignments_per_manifest,
            (Kind::Api, Shape::Single) => 1,
            (Kind::Api, Shape::Flight) => self.config.travellers_per_flight,
        }
    }

    fn message_id(&mut self) -> String {
        self.sequence += 1;
        format!("{}-{}-{}", self.config.run_id, self.stream, self.sequence)
    }

    pub fn next_item(&mut self) -> Item {
        let message_id = self.message_id();
        let (flight, departure, part, travellers) = match self.config.shape {
            Shape::Flight => {
                let (flight, departure, _) = self.new_flight();
                (flight, departure, None, self.config.travellers_per_flight)
            }
            Shape::Single => {
                let parts = self.config.travellers_per_flight;
                let open = self.open_flight(1);
                let part = open.next_part;
                let flight = open.flight.clone();
                let departure = open.departure;
                self.open = Some(OpenFlight {
                    next_part: part + 1,
                    ..open
                });
                (flight, departure, Some((part, parts)), 1)
            }
        };
        let crew = match (self.config.shape, part) {
            // A flight lists its crew first; the parts of a split one keep that order.
            (Shape::Flight, _) => (travellers / 25).clamp(2, 12),
            (Shape::Single, Some((part, parts))) => {
                let crew = (parts / 25).clamp(1, 12);
                if part <= crew { 1 } else { 0 }
            }
            (Shape::Single, None) => 0,
        };
        let mut used = HashSet::new();
        let mut list = Vec::with_capacity(travellers as usize);
        let mut hits = Vec::new();
        for position in 0..travellers {
            let role = if position < crew {
                TravellerRole::Crew
            } else if self.rng.random_ratio(3, 100) {
                TravellerRole::InTransit
            } else {
                TravellerRole::Passenger
            };
            let seat_index = part.map_or(position, |(p, _)| p - 1);
            let kind = self.hit_kind();
            let (traveller, hit) =
                self.traveller(&flight, departure, role, seat_index, kind, &mut used);
            if let Some(hit) = hit {
                hits.push(hit);
            }
            list.push(traveller);
        }
        let (part_number, part_count) = part.unwrap_or((0, 0));
        let arrival = flight.arrival_airport.clone();
        let sender = flight.carrier.clone();
        Item {
            message_id: message_id.clone(),
            request: StreamApiReportsRequest {
                message_id,
                report: Some(ApiReport {
                    flight: Some(flight),
                    travellers: list,
                    sender,
                    sent_at: Some(std::time::SystemTime::now().into()),
                    function: MessageFunction::Original as i32,
                    part_number,
                    part_count,
                }),
            },
            records: travellers,
            arrival,
            hits,
        }
    }

    /// A report into `arrival` with one passenger per kind of hit and one ordinary passenger:
    /// sent before a run to prove that each kind alerts.
    pub fn warmup_item(&mut self, arrival: &str, kinds: &[HitKind]) -> Item {
        let message_id = self.message_id();
        let (flight, departure, _) = self.flight_into(arrival);
        let mut used = HashSet::new();
        let mut travellers = Vec::new();
        let mut hits = Vec::new();
        for (position, kind) in kinds.iter().map(|k| Some(*k)).chain([None]).enumerate() {
            let seat = u32::try_from(position).unwrap_or_default();
            let (traveller, hit) = self.traveller(
                &flight,
                departure,
                TravellerRole::Passenger,
                seat,
                kind,
                &mut used,
            );
            hits.extend(hit);
            travellers.push(traveller);
        }
        let records = u32::try_from(travellers.len()).unwrap_or_default();
        let sender = flight.carrier.clone();
        Item {
            message_id: message_id.clone(),
            request: StreamApiReportsRequest {
                message_id,
                report: Some(ApiReport {
                    flight: Some(flight),
                    travellers,
                    sender,
                    sent_at: Some(std::time::SystemTime::now().into()),
                    function: MessageFunction::Original as i32,
                    part_number: 0,
                    part_count: 0,
                }),
            },
            records,
            arrival: arrival.to_owned(),
            hits,
        }
    }

    /// The open flight if it has `seats` left, else a new one.
    fn open_flight(&mut self, seats: u32) -> OpenFlight {
        match self.open.take() {
            Some(open) if open.next_part + seats - 1 <= self.config.travellers_per_flight => open,
            _ => {
                let (flight, departure, serial) = self.new_flight();
                OpenFlight {
                    flight,
                    departure,
                    serial,
                    next_part: 1,
                }
            }
        }
    }

    /// A new flight on one of the routes into `arrival`.
    fn flight_into(&mut self, arrival: &str) -> (Flight, NaiveDate, u64) {
        let routes: Vec<Route> = self
            .routes
            .iter()
            .filter(|r| r.arrival == arrival)
            .cloned()
            .collect();
        let route = routes.choose(&mut self.rng).cloned();
        self.new_flight_on(route)
    }

    fn new_flight(&mut self) -> (Flight, NaiveDate, u64) {
        let route = self.routes.choose(&mut self.rng).cloned();
        self.new_flight_on(route)
    }

    /// A flight, its departure date and its serial in the run.
    fn new_flight_on(&mut self, route: Option<Route>) -> (Flight, NaiveDate, u64) {
        let serial = self.flights.fetch_add(1, Ordering::Relaxed);
        let route = route.unwrap_or_else(|| Route {
            carrier: "JU".into(),
            departure: "VIE".into(),
            arrival: "BEG".into(),
        });
        let departure = self
            .today
            .checked_add_days(Days::new(serial / NUMBERS_PER_DAY))
            .unwrap_or(self.today);
        let hour = self.rng.random_range(5..23);
        let minute = 5 * self.rng.random_range(0..12);
        let scheduled = departure
            .and_time(NaiveTime::from_hms_opt(hour, minute, 0).unwrap_or_default())
            .and_utc();
        let block = chrono::Duration::minutes(self.rng.random_range(55..330));
        let flight = Flight {
            carrier: route.carrier,
            number: (serial % NUMBERS_PER_DAY + 1).to_string(),
            departure_airport: route.departure,
            arrival_airport: route.arrival,
            departure_date: departure.to_string(),
            scheduled_departure: Some(std::time::SystemTime::from(scheduled).into()),
            scheduled_arrival: Some(std::time::SystemTime::from(scheduled + block).into()),
            direction: FlightDirection::Inbound as i32,
        };
        (flight, departure, serial)
    }

    fn hit_kind(&mut self) -> Option<HitKind> {
        let draw: f64 = self.rng.random();
        let watchlist = if self.config.listed_documents > 0 {
            self.config.watchlist_hit_rate
        } else {
            0.0
        };
        if draw < watchlist {
            Some(HitKind::Watchlist)
        } else if draw < watchlist + self.config.rule_hit_rate {
            rules::triggers(self.config.kind)
                .choose(&mut self.rng)
                .copied()
                .map(HitKind::Rule)
        } else {
            None
        }
    }

    fn traveller(
        &mut self,
        flight: &Flight,
        departure: NaiveDate,
        mut role: TravellerRole,
        seat_index: u32,
        mut kind: Option<HitKind>,
        used: &mut HashSet<String>,
    ) -> (Traveller, Option<PlannedHit>) {
        let mut nationality = &ORDINARY[self.nationality.sample(&mut self.rng)];
        let mut listed = None;
        if kind == Some(HitKind::Watchlist) && self.config.listed_documents == 0 {
            kind = None;
        }
        if kind == Some(HitKind::Watchlist) {
            // Another traveller of this report may hold the drawn document already.
            for _ in 0..8 {
                let index = self.rng.random_range(0..self.config.listed_documents);
                let document = listed_document(index);
                if !used.contains(&document.number) {
                    nationality = document.country;
                    listed = Some(document);
                    break;
                }
            }
            if listed.is_none() {
                kind = None;
            }
        }
        if kind == Some(HitKind::Rule(Trigger::ProfiledNationality)) {
            nationality = &PROFILED[self.profiled.sample(&mut self.rng)];
            role = TravellerRole::Passenger;
        }
        if kind == Some(HitKind::Rule(Trigger::YoungCrew)) {
            role = TravellerRole::Crew;
        }
        let issuer = if kind == Some(HitKind::Rule(Trigger::ForeignPassport)) {
            let others: Vec<&Country> = ORDINARY
                .iter()
                .filter(|c| c.code != nationality.code)
                .collect();
            others.choose(&mut self.rng).copied().unwrap_or(nationality)
        } else {
            nationality
        };

        let female = self.rng.random_bool(0.5);
        let pools: Vec<u32> = nationality.pools.iter().map(|(_, w)| *w).collect();
        let pool: &NamePool = WeightedIndex::new(pools)
            .ok()
            .and_then(|index| nationality.pools.get(index.sample(&mut self.rng)))
            .map_or(nationality.pools[0].0, |(pool, _)| *pool);
        let mut name = pool.draw(&mut self.rng, female);
        // Departure control systems often send Latin names in capitals, without accents lost.
        if pool.script == Script::Latin && self.rng.random_ratio(2, 5) {
            name.surname = name.surname.to_uppercase();
            name.given_names = name.given_names.to_uppercase();
        }

        let age = match (role, kind) {
            (TravellerRole::Crew, Some(HitKind::Rule(Trigger::YoungCrew))) => {
                self.rng.random_range(18..=20)
            }
            (TravellerRole::Crew, _) => self.rng.random_range(23..=62),
            _ if self.rng.random_ratio(6, 100) => self.rng.random_range(2..=17),
            // Adults, most between 25 and 60.
            _ => 18 + (self.rng.random_range(0..=34) + self.rng.random_range(0..=33)),
        };
        let birth = departure
            .checked_sub_months(Months::new(age * 12))
            .and_then(|d| d.checked_sub_days(Days::new(self.rng.random_range(1..=364))))
            .unwrap_or(departure);

        let regional = nationality.id_card.is_some();
        let use_id_card = listed.is_none()
            && kind.is_none()
            && role == TravellerRole::Passenger
            && regional
            && self.rng.random_ratio(3, 20);
        let (document_type, pattern) = match (use_id_card, nationality.id_card) {
            (true, Some(card)) => (DocumentType::IdCard, card),
            _ => (DocumentType::Passport, issuer.passport),
        };
        let number = match &listed {
            Some(document) => document.number.clone(),
            None => loop {
                let number = documents::ordinary_number(pattern, &mut self.rng);
                if !used.contains(&number) {
                    break number;
                }
            },
        };
        used.insert(number.clone());
        let validity_days = if kind == Some(HitKind::Rule(Trigger::ShortValidity)) {
            self.rng.random_range(5..=50)
        } else {
            self.rng
                .random_range(MIN_ORDINARY_VALIDITY_DAYS..=3_650)
                .unsigned_abs()
        };
        let expiry = departure
            .checked_add_days(Days::new(validity_days))
            .unwrap_or(departure);
        let years = if age < 18 { 5 } else { 10 };
        let issued = expiry
            .checked_sub_months(Months::new(years * 12))
            .unwrap_or(departure)
            .min(departure.pred_opt().unwrap_or(departure))
            .max(birth);

        let residence = if regional && self.rng.random_ratio(1, 6) {
            RESIDENCES
                .choose(&mut self.rng)
                .copied()
                .unwrap_or(nationality.code)
        } else {
            nationality.code
        };
        let row = seat_index / 6 + 1;
        let letter = char::from(b'A' + (seat_index % 6) as u8);
        let locator: String = (0..6)
            .map(|_| char::from(b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789"[self.rng.random_range(0..32)]))
            .collect();
        let traveller = Traveller {
            traveller_ref: format!("T{}", seat_index + 1),
            role: role as i32,
            surname: name.surname,
            given_names: name.given_names,
            date_of_birth: birth.to_string(),
            sex: if female { Sex::Female } else { Sex::Male } as i32,
            nationality: nationality.code.to_owned(),
            country_of_residence: residence.to_owned(),
            place_of_birth: String::new(),
            documents: vec![TravelDocument {
                r#type: document_type as i32,
                number: number.clone(),
                issuing_country: if document_type == DocumentType::IdCard {
                    nationality.code
                } else {
                    issuer.code
                }
                .to_owned(),
                expiry_date: expiry.to_string(),
                issue_date: issued.to_string(),
            }],
            embarkation_airport: flight.departure_airport.clone(),
            debarkation_airport: flight.arrival_airport.clone(),
            seat: if role == TravellerRole::Crew {
                String::new()
            } else {
                format!("{row}{letter}")
            },
            record_locator: if role == TravellerRole::Crew {
                String::new()
            } else {
                locator
            },
            final_destination_airport: flight.arrival_airport.clone(),
        };
        let hit = kind.map(|kind| PlannedHit {
            document_number: number,
            kind,
        });
        (traveller, hit)
    }
}

/// Today in UTC: the day statistics file the run under, and its flights' departure date.
pub fn today() -> NaiveDate {
    Utc::now().date_naive()
}

/// What tests share: the rule facts of a generated traveller.
#[cfg(test)]
pub(crate) mod test_support {
    use std::collections::BTreeMap;

    use chrono::NaiveDate;
    use gatehouse_proto::v1::{Flight, Sex, Traveller};
    use gatehouse_rules::{Fact, PassengerFacts};

    /// The facts risk-targeting builds for a traveller (`screening::passenger_facts`).
    pub fn facts(t: &Traveller, f: &Flight) -> PassengerFacts {
        let text = |s: &str| Fact::Text(s.to_owned());
        let departure = NaiveDate::parse_from_str(&f.departure_date, "%Y-%m-%d").unwrap();
        let birth = NaiveDate::parse_from_str(&t.date_of_birth, "%Y-%m-%d").unwrap();
        let d = &t.documents[0];
        let expiry = NaiveDate::parse_from_str(&d.expiry_date, "%Y-%m-%d").unwrap();
        PassengerFacts {
            traveller: BTreeMap::from([
                ("nationality", text(&t.nationality)),
                ("country_of_residence", text(&t.country_of_residence)),
                (
                    "sex",
                    text(if t.sex == Sex::Female as i32 {
                        "F"
                    } else {
                        "M"
                    }),
                ),
                (
                    "role",
                    text(gatehouse_proto::labels::traveller_role(t.role)),
                ),
                ("date_of_birth", text(&t.date_of_birth)),
                ("surname", text(&t.surname)),
                ("given_names", text(&t.given_names)),
                (
                    "age",
                    Fact::Int(i64::from(departure.years_since(birth).unwrap())),
                ),
            ]),
            document: BTreeMap::from([
                (
                    "type",
                    Fact::Text(gatehouse_proto::labels::document_type(d.r#type)),
                ),
                ("issuing_country", text(&d.issuing_country)),
                ("number", text(&d.number)),
                ("expiry_date", text(&d.expiry_date)),
                ("days_to_expiry", Fact::Int((expiry - departure).num_days())),
            ]),
            flight: BTreeMap::from([
                ("carrier", text(&f.carrier)),
                ("number", text(&f.number)),
                ("departure_airport", text(&f.departure_airport)),
                ("arrival_airport", text(&f.arrival_airport)),
                ("departure_date", text(&f.departure_date)),
                ("direction", text("inbound")),
            ]),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use gatehouse_rules::{Evaluation, compile_passenger};

    use super::{test_support::facts, *};
    use crate::load::{
        routes::RouteTable,
        rules::{self, TRIGGERS},
    };

    fn config(shape: Shape, seed: u64) -> TrafficConfig {
        TrafficConfig {
            kind: Kind::Api,
            shape,
            travellers_per_flight: 150,
            watchlist_hit_rate: 0.02,
            rule_hit_rate: 0.03,
            listed_documents: 100_000,
            consignments_per_manifest: 20,
            seed,
            run_id: "load-test".into(),
        }
    }

    fn generator(shape: Shape, seed: u64, stream: u32) -> Generator {
        let airports: Vec<String> = ["SJJ", "BEG", "SKP"].map(String::from).to_vec();
        let routes = Arc::new(RouteTable::built_in(&airports).routes);
        let today = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
        Generator::new(
            config(shape, seed),
            routes,
            Arc::new(AtomicU64::new(0)),
            stream,
            today,
        )
        .unwrap()
    }

    fn travellers(item: &Item) -> &[Traveller] {
        &item.request.report.as_ref().unwrap().travellers
    }

    fn flight(item: &Item) -> &Flight {
        item.request
            .report
            .as_ref()
            .unwrap()
            .flight
            .as_ref()
            .unwrap()
    }

    #[test]
    fn the_same_seed_gives_the_same_traffic_and_another_seed_does_not() {
        let take = |seed, stream| {
            let mut g = generator(Shape::Flight, seed, stream);
            (0..3)
                .map(|_| {
                    let item = g.next_item();
                    travellers(&item)
                        .iter()
                        .map(|t| (t.surname.clone(), t.documents[0].number.clone()))
                        .collect::<Vec<_>>()
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(take(1, 0), take(1, 0));
        assert_ne!(take(1, 0), take(2, 0));
        assert_ne!(take(1, 0), take(1, 1));
    }

    #[test]
    fn hit_shares_follow_the_configured_rates() {
        let mut g = generator(Shape::Flight, 11, 0);
        let (mut records, mut watchlist, mut rule) = (0u32, 0u32, 0u32);
        for _ in 0..200 {
            let item = g.next_item();
            records += item.records;
            for hit in &item.hits {
                match hit.kind {
                    HitKind::Watchlist => watchlist += 1,
                    HitKind::Rule(_) | HitKind::Cargo(_) => rule += 1,
                }
            }
        }
        assert_eq!(records, 30_000);
        let share = |n: u32| f64::from(n) / f64::from(records);
        // 30,000 Bernoulli draws: ±0.4 points is over four standard deviations.
        assert!(
            (share(watchlist) - 0.02).abs() < 0.004,
            "{}",
            share(watchlist)
        );
        assert!((share(rule) - 0.03).abs() < 0.004, "{}", share(rule));

        let mut none = Generator::new(
            TrafficConfig {
                watchlist_hit_rate: 0.0,
                rule_hit_rate: 0.0,
                ..config(Shape::Flight, 11)
            },
            Arc::new(RouteTable::built_in(&["SJJ".to_owned()]).routes),
            Arc::new(AtomicU64::new(0)),
            0,
            today(),
        )
        .unwrap();
        assert!((0..20).all(|_| none.next_item().hits.is_empty()));
    }

    #[test]
    fn watchlist_hits_carry_a_listed_document_and_others_never_do() {
        let listed: HashMap<String, &str> = (0..100_000)
            .map(|i| {
                let d = listed_document(i);
                (d.number, d.country.code)
            })
            .collect();
        let mut g = generator(Shape::Flight, 5, 0);
        let mut seen_hits = 0;
        for _ in 0..100 {
            let item = g.next_item();
            let hit_numbers: HashMap<&str, HitKind> = item
                .hits
                .iter()
                .map(|h| (h.document_number.as_str(), h.kind))
                .collect();
            for traveller in travellers(&item) {
                let document = &traveller.documents[0];
                match hit_numbers.get(document.number.as_str()) {
                    Some(HitKind::Watchlist) => {
                        seen_hits += 1;
                        assert_eq!(
                            listed.get(&document.number),
                            Some(&document.issuing_country.as_str())
                        );
                        assert_eq!(traveller.nationality, document.issuing_country);
                    }
                    _ => assert!(!listed.contains_key(&document.number)),
                }
            }
        }
        assert!(seen_hits > 100, "{seen_hits}");
    }

    #[test]
    fn names_come_in_several_scripts_and_documents_are_well_formed() {
        let mut g = generator(Shape::Flight, 3, 0);
        let mut scripts = HashSet::new();
        let mut nationalities = HashSet::new();
        let mut diacritics = false;
        for _ in 0..20 {
            let item = g.next_item();
            let f = flight(&item);
            let departure = NaiveDate::parse_from_str(&f.departure_date, "%Y-%m-%d").unwrap();
            for code in [&f.departure_airport, &f.arrival_airport] {
                assert!(
                    code.len() == 3 && code.chars().all(|c| c.is_ascii_uppercase()),
                    "{code}"
                );
            }
            assert!(["SJJ", "BEG", "SKP"].contains(&f.arrival_airport.as_str()));
            assert!(
                (1..=4).contains(&f.number.len()) && f.number.chars().all(|c| c.is_ascii_digit())
            );
            for t in travellers(&item) {
                scripts.insert(Script::of(&t.surname));
                nationalities.insert(t.nationality.clone());
                diacritics |= t.surname.chars().any(|c| "čćđšžçëğışöüÇËĞİŞÖÜ".contains(c));
                assert!(!t.surname.is_empty() && t.surname.chars().count() <= 100);
                let birth = NaiveDate::parse_from_str(&t.date_of_birth, "%Y-%m-%d").unwrap();
                assert!(birth < departure);
                let d = &t.documents[0];
                assert!(
                    d.number.len() <= 20 && d.number.chars().all(|c| c.is_ascii_alphanumeric())
                );
                let country = ORDINARY
                    .iter()
                    .chain(PROFILED)
                    .find(|c| c.code == d.issuing_country)
                    .unwrap();
                let pattern = if d.r#type == DocumentType::IdCard as i32 {
                    country.id_card.unwrap()
                } else {
                    country.passport
                };
                assert!(documents::matches_pattern(pattern, &d.number), "{pattern}");
                let expiry = NaiveDate::parse_from_str(&d.expiry_date, "%Y-%m-%d").unwrap();
                let issued = NaiveDate::parse_from_str(&d.issue_date, "%Y-%m-%d").unwrap();
                assert!(issued < departure && issued < expiry && issued >= birth);
            }
        }
        for script in [
            Script::Latin,
            Script::Cyrillic,
            Script::Arabic,
            Script::Greek,
        ] {
            assert!(scripts.contains(&script), "{script:?} missing: {scripts:?}");
        }
        assert!(diacritics);
        assert!(nationalities.len() >= 15, "{nationalities:?}");
        assert!(nationalities.contains("TUR") && nationalities.contains("MKD"));
    }

    #[test]
    fn single_items_are_parts_of_flights_with_their_own_keys() {
        let mut g = generator(Shape::Single, 9, 0);
        let mut keys = HashSet::new();
        for i in 0..400u32 {
            let item = g.next_item();
            assert_eq!((item.records, travellers(&item).len()), (1, 1));
            let report = item.request.report.as_ref().unwrap();
            assert_eq!(report.part_count, 150);
            assert_eq!(report.part_number, i % 150 + 1);
            let f = flight(&item);
            assert!(keys.insert((
                f.carrier.clone(),
                f.number.clone(),
                f.departure_date.clone(),
                report.part_number
            )));
        }
        // Message ids are unique too.
        let ids: HashSet<String> = (0..50).map(|_| g.next_item().request.message_id).collect();
        assert_eq!(ids.len(), 50);
    }

    #[test]
    fn seeded_rules_fire_on_rule_hits_only() {
        let catalogue = rules::catalogue(rules::available());
        let compiled: Vec<_> = catalogue
            .iter()
            .map(|r| (r.rule_id.clone(), compile_passenger(&r.expression).unwrap()))
            .collect();
        let trigger_ids: HashMap<String, Trigger> =
            TRIGGERS.iter().map(|t| (t.rule().rule_id, *t)).collect();
        let mut fired_triggers = HashSet::new();
        for shape in [Shape::Flight, Shape::Single] {
            let mut g = generator(shape, 21, 0);
            for _ in 0..if shape == Shape::Flight { 60 } else { 3_000 } {
                let item = g.next_item();
                let f = flight(&item).clone();
                for t in travellers(&item) {
                    let facts = facts(t, &f);
                    let evaluation = Evaluation::passenger(&facts);
                    let fired: Vec<&str> = compiled
                        .iter()
                        .filter(|(_, rule)| matches!(evaluation.evaluate(rule), Ok(Some(_))))
                        .map(|(id, _)| id.as_str())
                        .collect();
                    let planned = item
                        .hits
                        .iter()
                        .find(|h| h.document_number == t.documents[0].number)
                        .map(|h| h.kind);
                    match planned {
                        Some(HitKind::Rule(trigger)) => {
                            let id = trigger.rule().rule_id;
                            assert!(
                                fired.contains(&id.as_str()),
                                "{trigger:?} did not fire: {fired:?}"
                            );
                            fired_triggers.insert(trigger);
                        }
                        _ => {
                            // Ordinary and watchlist-hit travellers fire no rule at all.
                            assert!(
                                fired.is_empty(),
                                "{fired:?} fired on a traveller without a rule hit"
                            );
                        }
                    }
                    assert!(
                        fired
                            .iter()
                            .all(|id| !trigger_ids.contains_key(*id) || planned.is_some())
                    );
                }
            }
        }
        assert_eq!(fired_triggers.len(), TRIGGERS.len());
    }
}
