//! Synthetic PNRs: bookings of one to four travellers filling the run's flights, with the API
//! data of SSR DOCS drawn like an API report's travellers (so the same watchlist and rule hits),
//! an itinerary around the flight, contacts, a payment, tickets and some bags.

use std::{collections::HashSet, time::SystemTime};

use chrono::{Datelike, Days, NaiveDate};
use gatehouse_proto::v1::{
    Baggage, Contact, Flight, FormOfPayment, ItinerarySegment, Money, Payment, Pnr,
    PnrPassengerType, PnrTransfer, PnrTraveller, Sex, StreamPnrsRequest, Ticket, TravelStatus,
    Traveller, TravellerRole, TravellerSegment, TripType,
};
use rand::{Rng, seq::IndexedRandom};

use super::{Generator, HitKind, Item, OpenFlight};

/// Most travellers in one generated booking.
pub const MAX_TRAVELLERS: u32 = 4;

/// Record locator characters: letters and digits that cannot be misread (no I, O, 0, 1).
const LOCATOR_ALPHABET: &[u8; 32] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
/// Six characters of five bits: the locator space.
const LOCATOR_BITS: u32 = 30;
/// Bookings a flight may hold in the locator's numbering (seats of one flight are fewer).
const BOOKINGS_PER_FLIGHT: u64 = 1_000;

const CARD_VENDORS: &[&str] = &["VI", "CA", "AX", "DC"];
const MAIL_DOMAINS: &[&str] = &["gmail.com", "outlook.com", "yahoo.com", "gmx.de", "mail.ba"];
const RESERVATION_SYSTEMS: &[&str] = &["1A", "1S", "1G"];
const BOOKING_CLASSES: &[&str] = &["Y", "B", "M", "H", "K", "L", "Q", "V", "J", "C"];

/// The record locator of the booking starting at `first_seat` of the flight with `serial`:
/// a bijection of the pair (multiplying by an odd number and xoring a salt are both invertible
/// modulo 2^30), so no two bookings of a run share a locator while the serials stay below a
/// million flights.
pub fn record_locator(serial: u64, first_seat: u32, salt: u64) -> String {
    let mask = (1u64 << LOCATOR_BITS) - 1;
    let n = serial * BOOKINGS_PER_FLIGHT + u64::from(first_seat);
    let mixed = (n.wrapping_mul(0x2545_F491) ^ salt) & mask;
    (0..6)
        .rev()
        .map(|i| char::from(LOCATOR_ALPHABET[((mixed >> (5 * i)) & 31) as usize]))
        .collect()
}

fn digits(rng: &mut impl Rng, count: usize) -> String {
    (0..count)
        .map(|_| char::from(b'0' + rng.random_range(0..10u8)))
        .collect()
}

fn euros(units: i64) -> Money {
    Money {
        currency_code: "EUR".into(),
        units,
        nanos: 0,
    }
}

fn timestamp(at: SystemTime) -> prost_types::Timestamp {
    at.into()
}

/// A booking's travellers as their PNR name elements carry them (SSR DOCS data included).
fn pnr_traveller(traveller: Traveller, reference: String, departure: NaiveDate) -> PnrTraveller {
    let age = NaiveDate::parse_from_str(&traveller.date_of_birth, "%Y-%m-%d")
        .ok()
        .and_then(|birth| departure.years_since(birth))
        .unwrap_or(30);
    let female = traveller.sex == Sex::Female as i32;
    let (passenger_type, title) = match (age < 12, female) {
        (true, true) => (PnrPassengerType::Child, "MISS"),
        (true, false) => (PnrPassengerType::Child, "MSTR"),
        (false, true) => (PnrPassengerType::Adult, "MRS"),
        (false, false) => (PnrPassengerType::Adult, "MR"),
    };
    PnrTraveller {
        traveller_ref: reference,
        surname: traveller.surname,
        given_names: traveller.given_names,
        title: title.into(),
        passenger_type: passenger_type as i32,
        date_of_birth: traveller.date_of_birth,
        sex: traveller.sex,
        nationality: traveller.nationality,
        country_of_residence: traveller.country_of_residence,
        documents: traveller.documents,
        ..PnrTraveller::default()
    }
}

impl Generator {
    /// The next booking on the open flight (a new flight once its seats are taken).
    pub fn next_booking(&mut self) -> Item<StreamPnrsRequest> {
        let message_id = self.message_id();
        let size = match self.rng.random_range(0..100) {
            0..50 => 1,
            50..80 => 2,
            80..92 => 3,
            _ => MAX_TRAVELLERS,
        }
        .min(self.config.travellers_per_flight);
        let open = self.open_flight(size);
        let first_seat = open.next_part - 1;
        let kinds: Vec<Option<HitKind>> = (0..size).map(|_| self.hit_kind()).collect();
        let item = self.booking(
            message_id,
            &open.flight,
            open.departure,
            open.serial,
            first_seat,
            &kinds,
        );
        self.open = Some(OpenFlight {
            next_part: open.next_part + size,
            ..open
        });
        item
    }

    /// A booking into `arrival` with one traveller per kind of hit and one ordinary traveller.
    pub fn warmup_booking(&mut self, arrival: &str, kinds: &[HitKind]) -> Item<StreamPnrsRequest> {
        let message_id = self.message_id();
        let (flight, departure, serial) = self.flight_into(arrival);
        let kinds: Vec<Option<HitKind>> = kinds.iter().map(|k| Some(*k)).chain([None]).collect();
        self.booking(message_id, &flight, departure, serial, 0, &kinds)
    }

    fn booking(
        &mut self,
        message_id: String,
        flight: &Flight,
        departure: NaiveDate,
        serial: u64,
        first_seat: u32,
        kinds: &[Option<HitKind>],
    ) -> Item<StreamPnrsRequest> {
        let mut used = HashSet::new();
        let mut travellers = Vec::with_capacity(kinds.len());
        let mut seats = Vec::with_capacity(kinds.len());
        let mut hits = Vec::new();
        for (position, kind) in (first_seat..).zip(kinds) {
            let (traveller, hit) = self.traveller(
                flight,
                departure,
                TravellerRole::Passenger,
                position,
                *kind,
                &mut used,
            );
            hits.extend(hit);
            seats.push(traveller.seat.clone());
            let reference = format!("{}.1", travellers.len() + 1);
            travellers.push(pnr_traveller(traveller, reference, departure));
        }

        let Itinerary {
            segments,
            flight_ref,
            returns,
        } = self.itinerary(flight, departure);
        let trip_type = if returns {
            TripType::Return
        } else {
            TripType::OneWay
        };
        let segment_refs: Vec<String> = segments.iter().map(|s| s.segment_ref.clone()).collect();

        let now = SystemTime::now();
        let booked_days_ago = self.rng.random_range(1..=90u64);
        let created = now - std::time::Duration::from_secs(booked_days_ago * 86_400);
        let modified = created
            + std::time::Duration::from_secs(self.rng.random_range(0..booked_days_ago * 86_400));
        let issued = departure
            .checked_sub_days(Days::new(booked_days_ago))
            .unwrap_or(departure);

        let checked_in = self.rng.random_ratio(3, 5);
        let traveller_segments = travellers
            .iter()
            .zip(&seats)
            .zip(first_seat..)
            .map(|((t, seat), position)| TravellerSegment {
                traveller_ref: t.traveller_ref.clone(),
                segment_ref: flight_ref.clone(),
                status: if checked_in {
                    TravelStatus::CheckedIn
                } else {
                    TravelStatus::Booked
                } as i32,
                seat: seat.clone(),
                check_in_sequence: if checked_in {
                    (position + 1).to_string()
                } else {
                    String::new()
                },
                checked_in_at: checked_in.then(|| timestamp(now)),
                ..TravellerSegment::default()
            })
            .collect();

        let fare_each = self.rng.random_range(49..=780i64) * if returns { 2 } else { 1 };
        let carrier_code = format!("{:03}", self.rng.random_range(1..1_000u32));
        let tickets: Vec<Ticket> = travellers
            .iter()
            .map(|t| Ticket {
                ticket_number: format!("{carrier_code}{}", digits(&mut self.rng, 10)),
                traveller_ref: t.traveller_ref.clone(),
                issue_date: issued.to_string(),
                trip_type: trip_type as i32,
                segment_refs: segment_refs.clone(),
                fare: Some(euros(fare_each)),
                validating_carrier: flight.carrier.clone(),
                electronic: true,
                ..Ticket::default()
            })
            .collect();

        let mut baggage = Vec::new();
        for t in &travellers {
            if self.rng.random_ratio(2, 5) {
                let pieces = self.rng.random_range(1..=2);
                baggage.push(Baggage {
                    traveller_ref: t.traveller_ref.clone(),
                    segment_ref: flight_ref.clone(),
                    piece_count: pieces,
                    weight_kg: f64::from(pieces) * f64::from(self.rng.random_range(12..=32u8)),
                    tag_numbers: (0..pieces).map(|_| digits(&mut self.rng, 10)).collect(),
                    final_destination_airport: flight.arrival_airport.clone(),
                    ..Baggage::default()
                });
            }
        }

        let lead = &travellers[0];
        let total = fare_each * i64::try_from(travellers.len()).unwrap_or(1);
        let payment = if self.rng.random_ratio(1, 5) {
            Payment {
                form: FormOfPayment::Cash as i32,
                amount: Some(euros(total)),
                paid_at: Some(timestamp(created)),
                ..Payment::default()
            }
        } else {
            let holder: String = format!("{} {}", lead.given_names, lead.surname)
                .trim()
                .chars()
                .take(100)
                .collect();
            Payment {
                form: FormOfPayment::Card as i32,
                amount: Some(euros(total)),
                card_type: CARD_VENDORS
                    .choose(&mut self.rng)
                    .copied()
                    .unwrap_or("VI")
                    .into(),
                // Carriers send card numbers masked but for the last digits.
                card_number: format!("XXXXXXXXXXXX{}", digits(&mut self.rng, 4)),
                card_holder_name: holder,
                card_expiry: format!(
                    "{}-{:02}",
                    departure.year() + self.rng.random_range(1..=4),
                    self.rng.random_range(1..=12)
                ),
                paid_at: Some(timestamp(created)),
                ..Payment::default()
            }
        };
        let local: String = lead
            .surname
            .chars()
            .filter(char::is_ascii_alphabetic)
            .map(|c| c.to_ascii_lowercase())
            .collect();
        let contact = Contact {
            phone: format!("+3876{}", digits(&mut self.rng, 7)),
            email: format!(
                "{}{}@{}",
                if local.is_empty() {
                    "traveller"
                } else {
                    &local
                },
                self.rng.random_range(1..100),
                MAIL_DOMAINS
                    .choose(&mut self.rng)
                    .copied()
                    .unwrap_or("gmail.com")
            ),
            purpose: "home".into(),
            ..Contact::default()
        };

        let records = u32::try_from(travellers.len()).unwrap_or(u32::MAX);
        let pnr = Pnr {
            record_locator: record_locator(serial, first_seat, self.config.seed),
            carrier: flight.carrier.clone(),
            flight: Some(flight.clone()),
            created_at: Some(timestamp(created)),
            last_modified_at: Some(timestamp(modified)),
            sent_at: Some(timestamp(now)),
            transfer: PnrTransfer::BeforeDeparture as i32,
            sender: flight.carrier.clone(),
            reservation_system: RESERVATION_SYSTEMS
                .choose(&mut self.rng)
                .copied()
                .unwrap_or("1A")
                .into(),
            traveller_count: i32::try_from(records).unwrap_or(i32::MAX),
            travellers,
            segments,
            traveller_segments,
            payments: vec![payment],
            contacts: vec![contact],
            tickets,
            baggage,
            ..Pnr::default()
        };
        Item {
            message_id: message_id.clone(),
            request: StreamPnrsRequest {
                message_id,
                pnr: Some(pnr),
            },
            records,
            arrival: flight.arrival_airport.clone(),
            hits,
        }
    }

    /// One to three segments in the order flown: a feeder into the flight's departure airport
    /// for some, the flight, and the way back for about half.
    fn itinerary(&mut self, flight: &Flight, departure: NaiveDate) -> Itinerary {
        let class = BOOKING_CLASSES
            .choose(&mut self.rng)
            .copied()
            .unwrap_or("Y");
        let segment = |from: &str, to: &str, number: String, date: NaiveDate| ItinerarySegment {
            marketing_carrier: flight.carrier.clone(),
            marketing_flight_number: number,
            departure_airport: from.to_owned(),
            arrival_airport: to.to_owned(),
            departure_date: date.to_string(),
            booking_class: class.to_owned(),
            booking_status: "HK".into(),
            ..ItinerarySegment::default()
        };
        let mut segments = Vec::with_capacity(3);
        if self.rng.random_ratio(1, 4) {
            let origins: Vec<&str> = self
                .routes
                .iter()
                .map(|r| r.departure.as_str())
                .filter(|a| *a != flight.departure_airport && *a != flight.arrival_airport)
                .collect();
            if let Some(origin) = origins.choose(&mut self.rng) {
                let number = self.rng.random_range(1..10_000).to_string();
                segments.push(segment(
                    origin,
                    &flight.departure_airport,
                    number,
                    departure,
                ));
            }
        }
        let flight_ref = (segments.len() + 1).to_string();
        segments.push(ItinerarySegment {
            scheduled_departure: flight.scheduled_departure,
            scheduled_arrival: flight.scheduled_arrival,
            ..segment(
                &flight.departure_airport,
                &flight.arrival_airport,
                flight.number.clone(),
                departure,
            )
        });
        let returns = self.rng.random_bool(0.5);
        if returns {
            let back = departure
                .checked_add_days(Days::new(self.rng.random_range(3..=21)))
                .unwrap_or(departure);
            let number = self.rng.random_range(1..10_000).to_string();
            segments.push(segment(
                &flight.arrival_airport,
                &flight.departure_airport,
                number,
                back,
            ));
        }
        for (i, segment) in segments.iter_mut().enumerate() {
            segment.segment_ref = (i + 1).to_string();
        }
        Itinerary {
            segments,
            flight_ref,
            returns,
        }
    }
}

/// The segments of a booking, which of them is the flight the PNR is pushed for, and whether
/// the journey returns.
struct Itinerary {
    segments: Vec<ItinerarySegment>,
    flight_ref: String,
    returns: bool,
}

#[cfg(test)]
mod tests {
    use std::{
        collections::{HashMap, HashSet},
        sync::{Arc, atomic::AtomicU64},
    };

    use gatehouse_proto::v1::DocumentType;
    use gatehouse_rules::{Evaluation, compile_passenger};

    use super::*;
    use crate::load::{
        generator::{Kind, Shape, TrafficConfig, listed_document, test_support::facts},
        routes::RouteTable,
        rules::{self, Trigger},
    };

    fn generator(seed: u64, seats: u32) -> Generator {
        let airports: Vec<String> = ["SJJ", "BEG", "SKP"].map(String::from).to_vec();
        Generator::new(
            TrafficConfig {
                kind: Kind::Pnr,
                shape: Shape::Single,
                travellers_per_flight: seats,
                watchlist_hit_rate: 0.02,
                rule_hit_rate: 0.03,
                listed_documents: 100_000,
                consignments_per_manifest: 20,
                seed,
                run_id: "load-test".into(),
            },
            Arc::new(RouteTable::built_in(&airports).routes),
            Arc::new(AtomicU64::new(0)),
            0,
            NaiveDate::from_ymd_opt(2026, 12, 2).unwrap(),
        )
        .unwrap()
    }

    fn pnr(item: &Item<StreamPnrsRequest>) -> &Pnr {
        item.request.pnr.as_ref().unwrap()
    }

    /// The traveller screening builds of a PNR traveller (risk-targeting's `passengers`).
    fn screened(t: &PnrTraveller) -> Traveller {
        Traveller {
            traveller_ref: t.traveller_ref.clone(),
            role: TravellerRole::Passenger as i32,
            surname: t.surname.clone(),
            given_names: t.given_names.clone(),
            date_of_birth: t.date_of_birth.clone(),
            sex: t.sex,
            nationality: t.nationality.clone(),
            country_of_residence: t.country_of_residence.clone(),
            documents: t.documents.clone(),
            ..Traveller::default()
        }
    }

    fn code(value: &str, len: std::ops::RangeInclusive<usize>, chars: fn(char) -> bool) -> bool {
        len.contains(&value.len()) && value.chars().all(chars)
    }

    fn upper_alnum(c: char) -> bool {
        c.is_ascii_uppercase() || c.is_ascii_digit()
    }

    #[test]
    fn bookings_hold_what_intake_validation_requires() {
        let mut g = generator(7, 150);
        let mut locators = HashSet::new();
        let mut message_ids = HashSet::new();
        let mut seats_per_flight: HashMap<String, u32> = HashMap::new();
        let (mut sizes, mut returns, mut feeders, mut cash, mut bags) =
            (HashSet::new(), 0, 0, 0, 0);
        for _ in 0..500 {
            let item = g.next_booking();
            assert!(message_ids.insert(item.message_id.clone()));
            assert_eq!(item.request.message_id, item.message_id);
            let p = pnr(&item);
            let f = p.flight.as_ref().unwrap();
            // Locators: six characters of the locator alphabet, never twice in a run.
            assert_eq!(p.record_locator.len(), 6);
            assert!(
                p.record_locator
                    .bytes()
                    .all(|b| LOCATOR_ALPHABET.contains(&b))
            );
            assert!(locators.insert(p.record_locator.clone()));
            assert!(code(&p.carrier, 2..=3, upper_alnum) && p.carrier == f.carrier);
            assert!(code(&f.number, 1..=4, |c| c.is_ascii_digit()));
            assert_eq!(item.arrival, f.arrival_airport);
            let departure = NaiveDate::parse_from_str(&f.departure_date, "%Y-%m-%d").unwrap();

            let n = p.travellers.len();
            assert!((1..=4).contains(&n));
            sizes.insert(n);
            assert_eq!(item.records as usize, n);
            assert_eq!(p.traveller_count as usize, n);
            *seats_per_flight
                .entry(format!("{}{}/{}", f.carrier, f.number, f.departure_date))
                .or_default() += item.records;

            let travellers: HashSet<&str> = p
                .travellers
                .iter()
                .map(|t| t.traveller_ref.as_str())
                .collect();
            assert_eq!(travellers.len(), n, "traveller refs are unique");
            for t in &p.travellers {
                assert!(!t.surname.trim().is_empty() && t.surname.chars().count() <= 100);
                assert!(t.given_names.chars().count() <= 100 && t.title.len() <= 16);
                let birth = NaiveDate::parse_from_str(&t.date_of_birth, "%Y-%m-%d").unwrap();
                assert!(birth < departure);
                // ICAO 9303 codes such as `D` are countries too.
                assert!(code(&t.nationality, 1..=3, |c| c.is_ascii_uppercase()));
                assert_eq!(t.documents.len(), 1);
                let d = &t.documents[0];
                assert!(code(&d.number, 1..=20, upper_alnum), "{}", d.number.len());
                assert!(DocumentType::try_from(d.r#type).is_ok());
                let expiry = NaiveDate::parse_from_str(&d.expiry_date, "%Y-%m-%d").unwrap();
                assert!(expiry > departure);
            }

            let segments: HashSet<&str> =
                p.segments.iter().map(|s| s.segment_ref.as_str()).collect();
            assert!((1..=3).contains(&p.segments.len()) && segments.len() == p.segments.len());
            let flown: Vec<&ItinerarySegment> = p
                .segments
                .iter()
                .filter(|s| {
                    s.marketing_flight_number == f.number
                        && s.departure_airport == f.departure_airport
                        && s.arrival_airport == f.arrival_airport
                        && s.departure_date == f.departure_date
                })
                .collect();
            assert_eq!(flown.len(), 1, "the itinerary holds the flight once");
            for s in &p.segments {
                assert!(code(&s.marketing_flight_number, 1..=4, |c| c.is_ascii_digit()));
                assert!(code(&s.departure_airport, 3..=3, |c| c.is_ascii_uppercase()));
                assert_ne!(s.departure_airport, s.arrival_airport);
            }
            feeders += usize::from(p.segments[0].segment_ref != flown[0].segment_ref);
            returns += usize::from(p.segments.last().unwrap().segment_ref != flown[0].segment_ref);

            // Every reference names a traveller or segment of the booking.
            for s in &p.traveller_segments {
                assert!(travellers.contains(s.traveller_ref.as_str()));
                assert_eq!(s.segment_ref, flown[0].segment_ref);
                assert!(code(&s.seat, 2..=4, upper_alnum), "{}", s.seat);
            }
            assert_eq!(p.traveller_segments.len(), n);
            assert_eq!(p.tickets.len(), n);
            for ticket in &p.tickets {
                assert!(travellers.contains(ticket.traveller_ref.as_str()));
                assert!(code(&ticket.ticket_number, 13..=13, |c| c.is_ascii_digit()));
                assert_eq!(ticket.segment_refs.len(), p.segments.len());
                assert!(
                    ticket
                        .segment_refs
                        .iter()
                        .all(|r| segments.contains(r.as_str()))
                );
            }
            for b in &p.baggage {
                bags += 1;
                assert!(travellers.contains(b.traveller_ref.as_str()));
                assert!(segments.contains(b.segment_ref.as_str()));
                assert!((1..=2).contains(&b.piece_count) && (0.0..=999.0).contains(&b.weight_kg));
                assert_eq!(b.tag_numbers.len() as i32, b.piece_count);
                assert!(
                    b.tag_numbers
                        .iter()
                        .all(|t| code(t, 10..=10, |c| c.is_ascii_digit()))
                );
            }
            let [payment] = p.payments.as_slice() else {
                panic!("one payment per booking");
            };
            let amount = payment.amount.as_ref().unwrap();
            assert!(amount.currency_code == "EUR" && amount.units > 0 && amount.nanos == 0);
            if payment.form == FormOfPayment::Cash as i32 {
                cash += 1;
                assert!(payment.card_number.is_empty());
            } else {
                assert_eq!(payment.form, FormOfPayment::Card as i32);
                assert!(code(&payment.card_type, 2..=2, |c| c.is_ascii_uppercase()));
                assert!(
                    payment.card_number.len() <= 30
                        && payment.card_holder_name.chars().count() <= 100
                );
                let (year, month) = payment.card_expiry.split_once('-').unwrap();
                assert!(year.len() == 4 && (1..=12).contains(&month.parse::<u8>().unwrap()));
            }
            let [contact] = p.contacts.as_slice() else {
                panic!("one contact per booking");
            };
            let (local, domain) = contact.email.split_once('@').unwrap();
            assert!(!local.is_empty() && domain.contains('.') && !contact.email.contains(' '));
            assert!(contact.phone.starts_with('+') && contact.phone.len() <= 32);
        }
        // Bookings of every size, with and without feeders, returns, bags and cash.
        assert_eq!(sizes.len(), 4);
        assert!(
            feeders > 50 && returns > 150 && cash > 50 && bags > 100,
            "{feeders} {returns} {cash} {bags}"
        );
        // Bookings fill flights up to their seats, never beyond.
        assert!(seats_per_flight.values().all(|&seats| seats <= 150));
        assert!(seats_per_flight.values().any(|&seats| seats >= 146));
    }

    #[test]
    fn the_same_seed_gives_the_same_bookings_and_another_seed_does_not() {
        let take = |seed| {
            let mut g = generator(seed, 150);
            (0..20)
                .map(|_| {
                    let item = g.next_booking();
                    let p = pnr(&item);
                    let people: Vec<(String, String)> = p
                        .travellers
                        .iter()
                        .map(|t| (t.surname.clone(), t.documents[0].number.clone()))
                        .collect();
                    (p.record_locator.clone(), people)
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(take(3), take(3));
        assert_ne!(take(3), take(4));
    }

    #[test]
    fn record_locators_never_repeat_within_a_run() {
        let mut seen = HashSet::new();
        for serial in 0..2_000 {
            for seat in [0, 1, 5, 149, 999] {
                assert!(seen.insert(record_locator(serial, seat, 42)));
            }
        }
        assert_eq!(record_locator(17, 3, 42), record_locator(17, 3, 42));
        assert_ne!(record_locator(17, 3, 42), record_locator(17, 3, 43));
    }

    #[test]
    fn pnr_hits_fire_the_seeded_rules_a_pnr_can_fire_and_list_watchlist_documents() {
        let listed: HashSet<String> = (0..100_000).map(|i| listed_document(i).number).collect();
        let catalogue = rules::catalogue(rules::available());
        let compiled: Vec<_> = catalogue
            .iter()
            .map(|r| (r.rule_id.clone(), compile_passenger(&r.expression).unwrap()))
            .collect();
        let mut g = generator(21, 150);
        let (mut travellers, mut watchlist, mut fired_triggers) = (0u32, 0u32, HashSet::new());
        for _ in 0..4_000 {
            let item = g.next_booking();
            let p = pnr(&item);
            let f = p.flight.as_ref().unwrap();
            for t in &p.travellers {
                travellers += 1;
                let number = &t.documents[0].number;
                let facts = facts(&screened(t), f);
                let evaluation = Evaluation::passenger(&facts);
                let fired: Vec<&str> = compiled
                    .iter()
                    .filter(|(_, rule)| matches!(evaluation.evaluate(rule), Ok(Some(_))))
                    .map(|(id, _)| id.as_str())
                    .collect();
                match item
                    .hits
                    .iter()
                    .find(|h| &h.document_number == number)
                    .map(|h| h.kind)
                {
                    Some(HitKind::Rule(trigger)) => {
                        assert_ne!(trigger, Trigger::YoungCrew, "a PNR lists no crew");
                        assert!(
                            fired.contains(&trigger.rule().rule_id.as_str()),
                            "{trigger:?}: {fired:?}"
                        );
                        fired_triggers.insert(trigger);
                    }
                    Some(HitKind::Watchlist) => {
                        watchlist += 1;
                        assert!(listed.contains(number) && fired.is_empty());
                    }
                    Some(HitKind::Cargo(trigger)) => panic!("a PNR planned {trigger:?}"),
                    None => assert!(fired.is_empty() && !listed.contains(number), "{fired:?}"),
                }
            }
        }
        assert_eq!(fired_triggers, HashSet::from(rules::PNR_TRIGGERS));
        let share = f64::from(watchlist) / f64::from(travellers);
        assert!((share - 0.02).abs() < 0.005, "{share}");
    }

    #[test]
    fn the_warmup_booking_holds_one_traveller_per_kind_of_hit_and_one_ordinary() {
        let mut g = generator(5, 150);
        let kinds: Vec<HitKind> = [HitKind::Watchlist]
            .into_iter()
            .chain(rules::PNR_TRIGGERS.map(HitKind::Rule))
            .collect();
        let item = g.warmup_booking("SKP", &kinds);
        let p = pnr(&item);
        assert_eq!(item.arrival, "SKP");
        assert_eq!(p.flight.as_ref().unwrap().arrival_airport, "SKP");
        assert_eq!((item.records, p.travellers.len()), (5, 5));
        assert_eq!(item.hits.iter().map(|h| h.kind).collect::<Vec<_>>(), kinds);
        let refs: Vec<&str> = p
            .travellers
            .iter()
            .map(|t| t.traveller_ref.as_str())
            .collect();
        assert_eq!(refs, ["1.1", "2.1", "3.1", "4.1", "5.1"]);
    }
}
