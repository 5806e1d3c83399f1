//! IATA Cargo-IMP messages mapped to the manifest contract ([`CargoManifest`], [`Consignment`]),
//! for `validate` to check.
//!
//! - An FFM is the manifest of a flight: one [`CargoManifest`] per point of unloading, each with
//!   the air waybills unloaded there. Which of them enter the territory is the caller's choice.
//! - An FWB is one air waybill: the master consignment with its parties, goods and routing, and
//!   the flights it is booked on, for the caller to file it under the right flight's manifest.
//! - An FHL lists the house waybills of a master: each a consignment naming the master.
//!
//! Conventions:
//!
//! - Dates in FFM (and the day of an FWB booking) have no year: they are resolved against the
//!   date the message was received (see [`ffm_manifests`]). Times are local at the airport and
//!   read as UTC (Cargo-IMP gives no zone), off by at most the airport's UTC offset.
//! - Airports are kept as sent (3-letter IATA codes): validation checks them against the list.
//! - Dangerous goods come from UN numbers (`UN` and four digits) in the goods descriptions, OSI,
//!   SSR, TXT and OCI texts: the contract has one UN number per goods item, so a line naming
//!   several gives one goods item per UN number (and per further HS code), with pieces and
//!   weight on the first only. The class is given when the line (the waybill for an FWB) names
//!   one UN number and carries one IMP class code (`RFL` → 3); otherwise which class goes with
//!   which number is unknown. A dangerous-goods handling code (`DGR`, `RFL` …) without any UN
//!   number is left out with a warning: validation requires the number.
//! - Party identifiers come from OCI lines of the party's role (`SHP`, `CNE`, `NFY`) with control
//!   `T` (TIN or EORI, typed EORI when it begins with the line's country code, else TIN); `CT`
//!   and `EM` give the telephone and e-mail when the party has none of its own.
//! - What has no place in the contract (volumes, dimensions, density, onward movements, charges,
//!   agents, customs status `COR`, the state of a party's place, SLAC) is not mapped and not
//!   warned about. The reader's own warnings ([`FlightManifest::warnings`] …) are not repeated.
//! - Warnings name the line and tag, never a value. The reader keeps no position for an FWB's
//!   `SPH` line: warnings about it name the `FWB` identifier line.

use std::collections::HashMap;

use chrono::{Datelike, Months, NaiveDate, NaiveDateTime, NaiveTime};
use gatehouse_formats::cargo_imp::{
    ChargeDeclarations, ContactKind, CustomsInfo, DayMonth, DeclaredValue, FlightManifest,
    HouseManifest, HouseWaybill, LoadedUld, ManifestedConsignment, Party as ImpParty,
    PrepaidCollect, SpecialHandling, Waybill,
};
use gatehouse_formats::{Personal, Warning, WarningKind};
use gatehouse_proto::v1::{
    CargoManifest, Consignment, Container, Conveyance, DangerousGoods, FreightPaymentMethod,
    GoodsItem, Money, Party, TransportMode,
};

/// A flight an air waybill is booked on (`FLT`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookedFlight {
    /// Airline designator.
    pub carrier: String,
    pub number: String,
    /// As sent: FWB gives the day of the month only.
    pub day_of_month: Option<u8>,
    /// The day of the month resolved to the date nearest the date received (in that month, the
    /// month before or the month after).
    pub date: Option<NaiveDate>,
}

/// An FFM as the manifest of its flight: one per point of unloading that is (or may be) in the
/// territory — the caller decides which; map every point of unloading and let the caller choose.
///
/// `received` is the date the message was received: a flight date (day and month) is the one
/// nearest to it, a year before, the same year or a year after. Arrival dates are the first on
/// or after the day before the flight date (local times across the date line), else, without a
/// flight date, the nearest to `received`.
///
/// Mode AIR; carrier and flight from the flight line (voyage and flight number `SU1145`); the
/// airport of loading; the point of unloading as port of discharge and place of entry. The
/// estimated arrival is the point's arrival, else the flight line's first arrival when it is at
/// this airport, else the flight date. The departure is the flight date, given only when not
/// after the arrival: both are local times, whose order is unknown without their zones. The
/// aircraft registration goes into `vehicle_registration`: the contract has no aircraft field,
/// and a registration is what that field holds on the road. An FFM has no reference of its own:
/// `manifest_ref` and `sender` are the caller's to set.
///
/// Consignment lines of one air waybill (a split shipment in several ULDs, bulk and ULD) are one
/// consignment: a goods item per line, the pieces and weight on this flight summed. A part
/// shipment (`P`, `S`, `D`) keeps the pieces on this flight: the pieces of the whole waybill are
/// in its FWB. The waybill's origin and destination are the consignment's own ports when they
/// differ from the flight's airport of loading and this point of unloading (transit cargo).
pub fn ffm_manifests(
    ffm: &FlightManifest,
    received: NaiveDate,
) -> Vec<(CargoManifest, Vec<Warning>)> {
    let flight = &ffm.flight;
    let flight_number = format!("{}{}", flight.carrier, flight.number);
    let departure = flight.departure.and_then(|date| around(date, received));
    ffm.unloading
        .iter()
        .map(|point| {
            let mut warnings = Vec::new();
            let arrival = point
                .arrival
                .or_else(|| {
                    flight
                        .first_arrival
                        .as_ref()
                        .filter(|first| first.airport == point.airport)
                        .and_then(|first| first.arrival)
                })
                .and_then(|date| match departure {
                    Some(departure) => from_day_before(date, departure.date()),
                    None => around(date, received),
                })
                .or(departure);
            let estimated_departure =
                departure.filter(|departure| arrival.is_none_or(|arrival| *departure <= arrival));

            let mut merged = Merged::default();
            let lines = point.bulk.iter().map(|line| (line, None)).chain(
                point
                    .ulds
                    .iter()
                    .flat_map(|uld| uld.consignments.iter().map(move |line| (line, Some(uld)))),
            );
            for (line, uld) in lines {
                merged.add(line, uld, &flight.origin, &point.airport, &mut warnings);
            }

            let manifest = CargoManifest {
                manifest_ref: String::new(),
                mode: TransportMode::Air as i32,
                carrier: flight.carrier.clone(),
                conveyance: Some(Conveyance {
                    flight_number: flight_number.clone(),
                    vehicle_registration: flight.registration.clone().unwrap_or_default(),
                    ..Conveyance::default()
                }),
                voyage_number: flight_number.clone(),
                port_of_loading: flight.origin.clone(),
                port_of_discharge: point.airport.clone(),
                place_of_entry: point.airport.clone(),
                estimated_arrival: arrival.map(timestamp),
                consignments: merged.finish(),
                sender: String::new(),
                estimated_departure: estimated_departure.map(timestamp),
                function: 0,
            };
            (manifest, warnings)
        })
        .collect()
}

/// The consignments of one point of unloading, one per air waybill, in order of first line.
#[derive(Default)]
struct Merged {
    consignments: Vec<Consignment>,
    by_awb: HashMap<String, usize>,
}

impl Merged {
    fn add(
        &mut self,
        line: &ManifestedConsignment,
        uld: Option<&LoadedUld>,
        loading: &str,
        unloading: &str,
        warnings: &mut Vec<Warning>,
    ) {
        let detail = &line.detail;
        let number = detail.awb.to_string();
        let index = *self.by_awb.entry(number.clone()).or_insert_with(|| {
            self.consignments.push(Consignment {
                transport_document_number: number,
                transport_document_issuer: detail.awb.prefix.clone(),
                port_of_loading: detail
                    .origin
                    .clone()
                    .filter(|origin| origin != loading)
                    .unwrap_or_default(),
                port_of_discharge: if detail.destination == unloading {
                    String::new()
                } else {
                    detail.destination.clone()
                },
                ..Consignment::default()
            });
            self.consignments.len() - 1
        });
        let Some(consignment) = self.consignments.get_mut(index) else {
            return;
        };
        let uld_number = uld.and_then(|uld| uld.id.as_ref()).map(ToString::to_string);
        if let Some(number) = &uld_number
            && !consignment.containers.iter().any(|c| &c.number == number)
        {
            consignment.containers.push(Container {
                number: number.clone(),
                ..Container::default()
            });
        }
        let pieces = detail.pieces.unwrap_or_default();
        let kg = detail.weight.map(|w| w.kilograms()).unwrap_or_default();
        consignment.package_count = consignment.package_count.saturating_add(pieces);
        consignment.gross_weight_kg += kg;

        let texts = line
            .goods
            .iter()
            .chain(&line.service_information)
            .chain(line.customs.iter().filter_map(|c| c.supplementary.as_ref()));
        let found = un_numbers(texts);
        if found.is_empty() && line.special_handling.iter().any(|c| c.is_dangerous_goods()) {
            warnings.push(no_un_number(line.line, "AWB"));
        }
        consignment.goods_items.extend(goods_items(Goods {
            description: exposed(line.goods.as_ref()),
            pieces,
            kg,
            hs_codes: &[],
            class: single_class(&line.special_handling, &found),
            un_numbers: found,
            containers: uld_number.into_iter().collect(),
            origin_country: String::new(),
            declared_value: None,
        }));
    }

    fn finish(self) -> Vec<Consignment> {
        let mut consignments = self.consignments;
        for consignment in &mut consignments {
            number_items(&mut consignment.goods_items);
        }
        consignments
    }
}

/// An FWB as a consignment (the master air waybill): parties, goods (RTD goods description, HS
/// codes, pieces, weight, ULD), dangerous goods from SPH/SSR/OCI UN numbers, routing (RTG
/// airports → transit_ports, countries via gatehouse_checks::country_of_place), EORI/TIN from OCI
/// as party identifiers, declared value from CVD, the booked flights (FLT) returned alongside.
///
/// The number is the AWB (`555-64264793`), its issuer the airline prefix. The waybill's origin
/// and destination are the consignment's own ports: the flight it arrives on may load or unload
/// it elsewhere. A goods item is a rate line with pieces or a weight; the lines after it that
/// have neither (goods data, charges) add their descriptions, HS codes, ULDs and countries of
/// origin to it. Volumes have no place in the contract. UN numbers of SSR, OSI and OCI, which
/// name no rate line, go to the first goods item. The customs value (CVD) is the whole
/// waybill's, given on the first goods item: the contract has no consignment value. Freight
/// collect (CVD weight charge `C`) is NOT_PREPAID; prepaid says nothing of the method.
///
/// Transit ports are the RTG airports other than the origin and destination; the countries of
/// routing those of origin, transit ports and destination, in order (airports whose country is
/// not known are left out). `received` resolves the day of each booked flight.
pub fn fwb_consignment(
    fwb: &Waybill,
    received: NaiveDate,
) -> (Consignment, Vec<BookedFlight>, Vec<Warning>) {
    let mut warnings = Vec::new();
    let detail = &fwb.consignment;
    let customs = with_roles(&fwb.customs);

    let mut groups: Vec<RateGroup> = Vec::new();
    for rate in &fwb.rates {
        if rate.pieces.is_some() || rate.gross_weight.is_some() || groups.is_empty() {
            groups.push(RateGroup {
                pieces: rate.pieces.unwrap_or_default(),
                kg: rate.gross_weight.map(|w| w.kilograms()).unwrap_or_default(),
                ..RateGroup::default()
            });
        }
        let Some(group) = groups.last_mut() else {
            continue;
        };
        group
            .texts
            .extend(rate.goods.iter().chain(&rate.consolidation).cloned());
        group.hs_codes.extend(rate.hs_codes.iter().cloned());
        group.ulds.extend(rate.ulds.iter().map(ToString::to_string));
        group
            .origin_countries
            .extend(rate.origin_countries.iter().cloned());
    }

    let general = un_numbers(
        fwb.special_service_requests
            .iter()
            .chain(&fwb.service_information)
            .chain(fwb.customs.iter().filter_map(|c| c.supplementary.as_ref())),
    );
    let mut per_group: Vec<Vec<String>> = groups
        .iter()
        .map(|group| un_numbers(group.texts.iter()))
        .collect();
    if let Some(first) = per_group.first_mut() {
        for number in &general {
            if !first.contains(number) {
                first.push(number.clone());
            }
        }
    }
    let mut all: Vec<&String> = per_group.iter().flatten().collect();
    all.sort();
    all.dedup();
    if all.is_empty() && fwb.special_handling.iter().any(|c| c.is_dangerous_goods()) {
        warnings.push(no_un_number(fwb.line, "SPH"));
    }
    let class = match all.as_slice() {
        [only] => single_class(&fwb.special_handling, std::slice::from_ref(*only)),
        _ => None,
    };

    let value = fwb.charges.as_ref().and_then(customs_value);
    let mut containers: Vec<Container> = Vec::new();
    let mut goods = Vec::new();
    for (index, (group, found)) in groups.iter().zip(per_group).enumerate() {
        for uld in &group.ulds {
            if !containers.iter().any(|c| &c.number == uld) {
                containers.push(Container {
                    number: uld.clone(),
                    ..Container::default()
                });
            }
        }
        let mut ulds = group.ulds.clone();
        ulds.dedup();
        goods.extend(goods_items(Goods {
            description: joined(&group.texts),
            pieces: group.pieces,
            kg: group.kg,
            hs_codes: &group.hs_codes,
            un_numbers: found,
            class,
            containers: ulds,
            origin_country: group.origin_countries.first().cloned().unwrap_or_default(),
            declared_value: if index == 0 { value.clone() } else { None },
        }));
    }
    number_items(&mut goods);

    let origin = detail.origin.clone().unwrap_or_default();
    let transit_ports = transit_ports(fwb, &origin, &detail.destination);
    let countries_of_routing = countries_of_routing(
        std::iter::once(origin.as_str())
            .chain(transit_ports.iter().map(String::as_str))
            .chain(std::iter::once(detail.destination.as_str())),
    );
    let collect = fwb
        .charges
        .as_ref()
        .and_then(|charges| charges.weight_valuation)
        == Some(PrepaidCollect::Collect);

    let consignment = Consignment {
        transport_document_number: detail.awb.to_string(),
        master_document_number: String::new(),
        consignor: Some(party(&fwb.shipper, "SHP", &customs)),
        consignee: Some(party(&fwb.consignee, "CNE", &customs)),
        notify_party: fwb
            .notify
            .as_ref()
            .map(|notify| party(notify, "NFY", &customs)),
        carrier: None,
        package_count: detail
            .pieces
            .unwrap_or_else(|| goods.iter().map(|item| item.package_count).sum()),
        gross_weight_kg: detail
            .weight
            .map(|w| w.kilograms())
            .unwrap_or_else(|| goods.iter().map(|item| item.gross_weight_kg).sum()),
        goods_items: goods,
        containers,
        place_of_receipt: String::new(),
        place_of_delivery: String::new(),
        countries_of_routing,
        transit_ports,
        freight_payment_method: if collect {
            FreightPaymentMethod::NotPrepaid as i32
        } else {
            FreightPaymentMethod::Unspecified as i32
        },
        port_of_loading: origin,
        port_of_discharge: detail.destination.clone(),
        transport_document_issuer: detail.awb.prefix.clone(),
    };
    let flights = fwb
        .flights
        .iter()
        .map(|flight| BookedFlight {
            carrier: flight.carrier.clone(),
            number: flight.number.clone(),
            day_of_month: flight.day,
            date: flight.day.and_then(|day| day_near(day, received)),
        })
        .collect();
    (consignment, flights, warnings)
}

/// A rate line with pieces or weight and the goods data of the lines after it.
#[derive(Default)]
struct RateGroup {
    pieces: u32,
    kg: f64,
    texts: Vec<Personal<String>>,
    hs_codes: Vec<String>,
    ulds: Vec<String>,
    origin_countries: Vec<String>,
}

/// RTG airports other than the waybill's origin and destination, each once, in order.
fn transit_ports(fwb: &Waybill, origin: &str, destination: &str) -> Vec<String> {
    let mut ports: Vec<String> = Vec::new();
    for airport in fwb
        .routing
        .iter()
        .filter_map(|step| step.airport.as_deref())
    {
        if airport != origin && airport != destination && !ports.iter().any(|p| p == airport) {
            ports.push(airport.to_owned());
        }
    }
    ports
}

/// Alpha-3 countries of the airports (or city codes), consecutive repeats once.
fn countries_of_routing<'a>(airports: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut countries: Vec<String> = Vec::new();
    for airport in airports {
        let country = gatehouse_checks::country_of_place(airport).or_else(|| {
            gatehouse_checks::airport::country_of(airport)
                .and_then(gatehouse_checks::country::alpha2_to_alpha3)
        });
        if let Some(country) = country
            && countries.last().is_none_or(|last| last != country)
        {
            countries.push(country.to_owned());
        }
    }
    countries
}

/// An FHL as house consignments of its master: each HBS a Consignment with master_document_number
/// = the master AWB.
///
/// The house's origin and destination are its own ports; pieces and weight those of the house
/// (SLAC, the packages the shipper counted, has no place); the description is the HBS
/// description followed by the TXT lines; HS codes from HTS; shipper, consignee, OCI and CVD
/// those the FHL gives after the house. The issuer is left empty: validation defaults it to the
/// carrier; the forwarder that issued the house waybill is known from the master's FWB.
pub fn fhl_consignments(fhl: &HouseManifest) -> (Vec<Consignment>, Vec<Warning>) {
    let mut warnings = Vec::new();
    let master = fhl.master.awb.to_string();
    let consignments = fhl
        .houses
        .iter()
        .map(|house| house_consignment(house, &master, &mut warnings))
        .collect();
    (consignments, warnings)
}

fn house_consignment(
    house: &HouseWaybill,
    master: &str,
    warnings: &mut Vec<Warning>,
) -> Consignment {
    let customs = with_roles(&house.customs);
    let found = un_numbers(
        house.description.iter().chain(&house.free_text).chain(
            house
                .customs
                .iter()
                .filter_map(|c| c.supplementary.as_ref()),
        ),
    );
    if found.is_empty()
        && house
            .special_handling
            .iter()
            .any(|c| c.is_dangerous_goods())
    {
        warnings.push(no_un_number(house.line, "HBS"));
    }
    let texts: Vec<Personal<String>> = house
        .description
        .iter()
        .chain(&house.free_text)
        .cloned()
        .collect();
    let pieces = house.pieces.unwrap_or_default();
    let kg = house.weight.map(|w| w.kilograms()).unwrap_or_default();
    let mut goods = goods_items(Goods {
        description: joined(&texts),
        pieces,
        kg,
        hs_codes: &house.hs_codes,
        class: single_class(&house.special_handling, &found),
        un_numbers: found,
        containers: Vec::new(),
        origin_country: String::new(),
        declared_value: house.charges.as_ref().and_then(customs_value),
    });
    number_items(&mut goods);
    let role = |party_read: Option<&ImpParty>, code: &str| {
        party_read.map(|read| party(read, code, &customs))
    };
    Consignment {
        transport_document_number: house.number.clone(),
        master_document_number: master.to_owned(),
        consignor: role(house.shipper.as_ref(), "SHP"),
        consignee: role(house.consignee.as_ref(), "CNE"),
        goods_items: goods,
        port_of_loading: house.origin.clone().unwrap_or_default(),
        port_of_discharge: house.destination.clone().unwrap_or_default(),
        gross_weight_kg: kg,
        package_count: pieces,
        ..Consignment::default()
    }
}

/// What one line of goods (an FFM consignment line, an FWB rate line, an FHL house) declares.
struct Goods<'a> {
    description: String,
    pieces: u32,
    kg: f64,
    hs_codes: &'a [String],
    /// Four digits each.
    un_numbers: Vec<String>,
    class: Option<&'static str>,
    containers: Vec<String>,
    origin_country: String,
    declared_value: Option<Money>,
}

/// The first item with the pieces, weight, first HS code and first UN number; one more item
/// (same description, no pieces or weight) per further HS code and per further UN number.
fn goods_items(goods: Goods<'_>) -> Vec<GoodsItem> {
    let dangerous = |un_number: &String| DangerousGoods {
        un_number: un_number.clone(),
        r#class: goods.class.unwrap_or_default().to_owned(),
        packing_group: String::new(),
    };
    let extra = |hs_code: &str, dangerous_goods: Option<DangerousGoods>| GoodsItem {
        description: goods.description.clone(),
        hs_code: hs_code.to_owned(),
        dangerous_goods,
        container_numbers: goods.containers.clone(),
        ..GoodsItem::default()
    };
    let mut items = vec![GoodsItem {
        sequence_number: 0,
        hs_code: goods.hs_codes.first().cloned().unwrap_or_default(),
        description: goods.description.clone(),
        package_count: goods.pieces,
        package_type: String::new(),
        gross_weight_kg: goods.kg,
        net_weight_kg: 0.0,
        dangerous_goods: goods.un_numbers.first().map(dangerous),
        declared_value: goods.declared_value.clone(),
        origin_country: goods.origin_country.clone(),
        marks: String::new(),
        container_numbers: goods.containers.clone(),
    }];
    items.extend(goods.hs_codes.iter().skip(1).map(|hs| extra(hs, None)));
    items.extend(
        goods
            .un_numbers
            .iter()
            .skip(1)
            .map(|un| extra("", Some(dangerous(un)))),
    );
    items
}

/// Goods items numbered from 1 in the consignment.
fn number_items(items: &mut [GoodsItem]) {
    for (number, item) in (1..).zip(items.iter_mut()) {
        item.sequence_number = number;
    }
}

fn no_un_number(line: usize, tag: &str) -> Warning {
    Warning {
        segment: line,
        tag: tag.to_owned(),
        kind: WarningKind::MissingElement {
            element: 1,
            name: "UN number of the goods a dangerous goods handling code declares",
        },
    }
}

/// The class or division of an IMP dangerous goods code (IATA DGR Appendix B.2.2), and of `ICE`
/// (dry ice, class 9).
fn class_of(code: &SpecialHandling) -> Option<&'static str> {
    let code = match code {
        SpecialHandling::DryIce => return Some("9"),
        SpecialHandling::DangerousGoodsClass(code) => code.as_str(),
        _ => return None,
    };
    Some(match code {
        "RCL" | "RNG" => "2.2",
        "RCM" => "8",
        "RCX" => "1.3C",
        "RGX" => "1.3G",
        "RDS" | "RIS" => "6.2",
        "RFG" => "2.1",
        "RFL" => "3",
        "RFS" => "4.1",
        "RSC" => "4.2",
        "RFW" => "4.3",
        "ROX" => "5.1",
        "ROP" => "5.2",
        "RPB" => "6.1",
        "RPG" => "2.3",
        "RRE" | "RRW" | "RRY" => "7",
        "RLI" | "RLM" | "RMD" | "RSB" => "9",
        "RXB" => "1.4B",
        "RXC" => "1.4C",
        "RXD" => "1.4D",
        "RXE" => "1.4E",
        "RXG" => "1.4G",
        "RXS" => "1.4S",
        _ => return None,
    })
}

/// The class when the codes name one and the goods one UN number: else which goes with which is
/// unknown.
fn single_class(codes: &[SpecialHandling], un_numbers: &[String]) -> Option<&'static str> {
    if un_numbers.len() != 1 {
        return None;
    }
    let mut classes: Vec<&str> = codes.iter().filter_map(class_of).collect();
    classes.sort_unstable();
    classes.dedup();
    match classes.as_slice() {
        [class] => Some(class),
        _ => None,
    }
}

/// UN numbers (`UN` and four digits, standing apart from other letters and digits) in the texts,
/// as four digits, each once, in order.
fn un_numbers<'a>(texts: impl Iterator<Item = &'a Personal<String>>) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for text in texts {
        let bytes = text.expose().as_bytes();
        for start in 0..bytes.len().saturating_sub(5) {
            let apart_before = start == 0 || !bytes[start - 1].is_ascii_alphanumeric();
            let apart_after = bytes.get(start + 6).is_none_or(|b| !b.is_ascii_digit());
            let digits = &bytes[start + 2..start + 6];
            if apart_before
                && apart_after
                && &bytes[start..start + 2] == b"UN"
                && digits.iter().all(u8::is_ascii_digit)
                && let Ok(number) = std::str::from_utf8(digits)
                && !found.iter().any(|f| f == number)
            {
                found.push(number.to_owned());
            }
        }
    }
    found
}

/// OCI lines with a continuation's empty country and information identifier taken from the line
/// above (`///ED/0213` goes on with the line before it): (country, information, control,
/// supplementary).
fn with_roles(lines: &[CustomsInfo]) -> Vec<(&str, &str, &str, &str)> {
    let mut out = Vec::new();
    let (mut country, mut information) = ("", "");
    for line in lines {
        if let Some(code) = line.country.as_deref() {
            country = code;
        }
        if let Some(code) = line.information.as_deref() {
            information = code;
        } else if line.country.is_some() {
            information = "";
        }
        out.push((
            country,
            information,
            line.control.as_deref().unwrap_or_default(),
            line.supplementary
                .as_ref()
                .map(|s| s.expose().as_str())
                .unwrap_or_default(),
        ));
    }
    out
}

/// A shipper, consignee or notify party, with what the OCI lines of its role add.
fn party(read: &ImpParty, role: &str, customs: &[(&str, &str, &str, &str)]) -> Party {
    let of_role = |control: &str| {
        customs
            .iter()
            .find(|(_, information, code, value)| {
                *information == role && *code == control && !value.is_empty()
            })
            .map(|(country, _, _, value)| (*country, (*value).to_owned()))
    };
    let (identifier, identifier_type) = match of_role("T") {
        Some((country, id)) => {
            let eori = country.len() == 2 && id.starts_with(country);
            (id, if eori { "EORI" } else { "TIN" }.to_owned())
        }
        None => (String::new(), String::new()),
    };
    let phone = read
        .contacts
        .iter()
        .find(|contact| contact.kind == ContactKind::Telephone)
        .map(|contact| contact.number.expose().clone())
        .or_else(|| of_role("CT").map(|(_, phone)| phone))
        .unwrap_or_default();
    Party {
        name: exposed(read.name.as_ref()),
        address_lines: read
            .street
            .iter()
            .map(|street| street.expose().clone())
            .collect(),
        city: exposed(read.place.as_ref()),
        postcode: exposed(read.postcode.as_ref()),
        country: read.country.clone().unwrap_or_default(),
        identifier,
        identifier_type,
        phone,
        email: of_role("EM").map(|(_, email)| email).unwrap_or_default(),
    }
}

/// The declared value for customs, when one is declared.
fn customs_value(charges: &ChargeDeclarations) -> Option<Money> {
    let Some(DeclaredValue::Amount(amount)) = charges.customs else {
        return None;
    };
    let units = amount.trunc();
    // The reader gives at most 12 digits and a fraction: units and nanos fit.
    Some(Money {
        currency_code: charges.currency.clone(),
        units: units as i64,
        nanos: ((amount - units) * 1e9).round() as i32,
    })
}

/// The date of `day_month` nearest to `received`: a year before, the same year or a year after.
fn around(day_month: DayMonth, received: NaiveDate) -> Option<NaiveDateTime> {
    let year = received.year();
    (year - 1..=year + 1)
        .filter_map(|year| {
            NaiveDate::from_ymd_opt(year, day_month.month.into(), day_month.day.into())
        })
        .min_by_key(|date| (*date - received).num_days().abs())
        .map(|date| date.and_time(day_month.time.unwrap_or(NaiveTime::MIN)))
}

/// The first date of `day_month` from the day before `departure` on.
fn from_day_before(day_month: DayMonth, departure: NaiveDate) -> Option<NaiveDateTime> {
    let from = departure.pred_opt()?;
    (from.year()..=from.year() + 1)
        .filter_map(|year| {
            NaiveDate::from_ymd_opt(year, day_month.month.into(), day_month.day.into())
        })
        .find(|date| *date >= from)
        .map(|date| date.and_time(day_month.time.unwrap_or(NaiveTime::MIN)))
}

/// The day of the month nearest to `received`: in its month, the month before or after.
fn day_near(day: u8, received: NaiveDate) -> Option<NaiveDate> {
    let first = received.with_day(1)?;
    [
        first.checked_sub_months(Months::new(1)),
        Some(first),
        first.checked_add_months(Months::new(1)),
    ]
    .into_iter()
    .flatten()
    .filter_map(|month| month.with_day(day.into()))
    .min_by_key(|date| (*date - received).num_days().abs())
}

/// Local time read as UTC (see the module documentation).
fn timestamp(at: NaiveDateTime) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: at.and_utc().timestamp(),
        nanos: 0,
    }
}

fn exposed(value: Option<&Personal<String>>) -> String {
    value
        .map(|value| value.expose().clone())
        .unwrap_or_default()
}

fn joined(texts: &[Personal<String>]) -> String {
    texts
        .iter()
        .map(|text| text.expose().as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use gatehouse_formats::cargo_imp::{self, CargoImpMessage};
    use gatehouse_proto::v1::SubmitManifestRequest;

    use super::*;
    use crate::validate::{self, Limits};

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

    fn messages(name: &str) -> Option<Vec<CargoImpMessage>> {
        let Some(text) = fixture::text("cargo-imp", name) else {
            eprintln!("GATEHOUSE_FIXTURES is not set: Cargo-IMP fixtures skipped");
            return None;
        };
        Some(
            cargo_imp::parse_many(&text)
                .into_iter()
                .map(Result::unwrap)
                .collect(),
        )
    }

    fn received() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, 15).unwrap()
    }

    fn validated(
        manifest: &CargoManifest,
    ) -> Result<validate::ValidManifest, gatehouse_platform::error::FieldViolations> {
        validate::validate(
            SubmitManifestRequest {
                message_id: "cargo-imp-test".into(),
                manifest: Some(manifest.clone()),
            },
            "test-customs",
            &Limits::default(),
        )
    }

    fn refusals(manifest: &CargoManifest) -> Vec<(String, String)> {
        match validated(manifest) {
            Ok(_) => Vec::new(),
            Err(violations) => violations
                .iter()
                .map(|(field, reason)| (field.to_owned(), reason.to_owned()))
                .collect(),
        }
    }

    /// A flight's manifest carrying `consignments`: the booked flight, else LH8402, arriving on
    /// its date (else the date received).
    fn wrapping(
        consignments: Vec<Consignment>,
        flight: Option<&BookedFlight>,
        loading: &str,
        discharge: &str,
    ) -> CargoManifest {
        let (carrier, number, date) = flight.map_or(("LH", "8402", received()), |flight| {
            (
                flight.carrier.as_str(),
                flight.number.as_str(),
                flight.date.unwrap_or_else(received),
            )
        });
        CargoManifest {
            mode: TransportMode::Air as i32,
            carrier: carrier.to_owned(),
            voyage_number: format!("{carrier}{number}"),
            port_of_loading: loading.to_owned(),
            port_of_discharge: discharge.to_owned(),
            estimated_arrival: Some(timestamp(date.and_time(NaiveTime::MIN))),
            consignments,
            ..CargoManifest::default()
        }
    }

    fn seconds(at: Option<&prost_types::Timestamp>) -> Option<i64> {
        at.map(|at| at.seconds)
    }

    /// Seconds of a UTC instant, for the expected values.
    fn utc(year: i32, month: u32, day: u32, hour: u32, minute: u32) -> i64 {
        NaiveDate::from_ymd_opt(year, month, day)
            .unwrap()
            .and_hms_opt(hour, minute, 0)
            .unwrap()
            .and_utc()
            .timestamp()
    }

    fn ffm(name: &str) -> Option<Vec<FlightManifest>> {
        Some(
            messages(name)?
                .into_iter()
                .map(|message| match message {
                    CargoImpMessage::Ffm(ffm) => ffm,
                    other => panic!("an FFM expected, not {other:?}"),
                })
                .collect(),
        )
    }

    /// (number, issuer, pieces, kg, own loading, own discharge, ULDs) of each consignment.
    type Row<'a> = (&'a str, &'a str, u32, f64, &'a str, &'a str, Vec<&'a str>);

    fn rows(manifest: &CargoManifest) -> Vec<Row<'_>> {
        manifest
            .consignments
            .iter()
            .map(|c| {
                (
                    c.transport_document_number.as_str(),
                    c.transport_document_issuer.as_str(),
                    c.package_count,
                    c.gross_weight_kg,
                    c.port_of_loading.as_str(),
                    c.port_of_discharge.as_str(),
                    c.containers.iter().map(|c| c.number.as_str()).collect(),
                )
            })
            .collect()
    }

    /// (description, pieces, kg, ULDs, UN number) of each goods item.
    fn items(consignment: &Consignment) -> Vec<(&str, u32, f64, Vec<&str>, &str)> {
        consignment
            .goods_items
            .iter()
            .map(|item| {
                (
                    item.description.as_str(),
                    item.package_count,
                    item.gross_weight_kg,
                    item.container_numbers.iter().map(String::as_str).collect(),
                    item.dangerous_goods
                        .as_ref()
                        .map_or("", |dangerous| dangerous.un_number.as_str()),
                )
            })
            .collect()
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(field, reason)| ((*field).to_owned(), (*reason).to_owned()))
            .collect()
    }

    /// (line, tag, kind) of each warning.
    fn warned(list: &[Warning]) -> Vec<(usize, &str, WarningKind)> {
        list.iter()
            .map(|w| (w.segment, w.tag.as_str(), w.kind.clone()))
            .collect()
    }

    const NO_UN_NUMBER: WarningKind = WarningKind::MissingElement {
        element: 1,
        name: "UN number of the goods a dangerous goods handling code declares",
    };
    const CHECK_DIGIT: &str =
        "air waybill check digit (first seven digits of the serial mod 7) is wrong";

    #[test]
    fn ffm_fixtures_give_a_manifest_per_point_of_unloading() {
        let Some(manifests) = ffm("ffm8.txt") else {
            return;
        };
        let mapped: Vec<Vec<(CargoManifest, Vec<Warning>)>> = manifests
            .iter()
            .map(|ffm| ffm_manifests(ffm, received()))
            .collect();
        let headers: Vec<(&str, &str, &str, &str, &str, usize)> = mapped
            .iter()
            .flatten()
            .map(|(m, _)| {
                (
                    m.carrier.as_str(),
                    m.voyage_number.as_str(),
                    m.port_of_loading.as_str(),
                    m.port_of_discharge.as_str(),
                    m.place_of_entry.as_str(),
                    m.consignments.len(),
                )
            })
            .collect();
        assert_eq!(
            headers,
            [
                ("AF", "AF077", "CDG", "JFK", "JFK", 3),
                ("SU", "SU1145", "AAQ", "YYZ", "YYZ", 11),
                // LHR/NIL: no cargo for this airport.
                ("KL", "KL2084", "AMS", "LHR", "LHR", 0),
                ("SU", "SU1145", "AAQ", "SVO", "SVO", 6),
                ("SU", "SU1145", "AAQ", "RTM", "RTM", 3),
                ("CV", "CV1234", "LUX", "DXB", "DXB", 5),
                ("CV", "CV1234", "LUX", "HKG", "HKG", 2),
            ]
        );
        for (manifest, _) in mapped.iter().flatten() {
            assert_eq!(manifest.mode, TransportMode::Air as i32);
            let conveyance = manifest.conveyance.as_ref().unwrap();
            assert_eq!(conveyance.flight_number, manifest.voyage_number);
        }
        // Without a point's arrival, the flight date (nearest to 2026-03-15), as departure too.
        let (af077, _) = &mapped[0][0];
        assert_eq!(
            seconds(af077.estimated_arrival.as_ref()),
            Some(utc(2026, 4, 17, 0, 0))
        );
        assert_eq!(
            seconds(af077.estimated_departure.as_ref()),
            Some(utc(2026, 4, 17, 0, 0))
        );
        // SVO/24JUL1105: the first 24 July after the flight of 1 January 04:00.
        let (svo, _) = &mapped[3][0];
        assert_eq!(
            seconds(svo.estimated_arrival.as_ref()),
            Some(utc(2026, 7, 24, 11, 5))
        );
        assert_eq!(
            seconds(svo.estimated_departure.as_ref()),
            Some(utc(2026, 1, 1, 4, 0))
        );
        let (rtm, _) = &mapped[3][1];
        assert_eq!(
            seconds(rtm.estimated_arrival.as_ref()),
            Some(utc(2026, 1, 1, 4, 0))
        );
        // The registration, where the flight line gives one.
        assert_eq!(
            svo.conveyance.as_ref().unwrap().vehicle_registration,
            "VPBLN"
        );
        assert_eq!(af077.conveyance.as_ref().unwrap().vehicle_registration, "");

        assert_eq!(
            rows(af077),
            [
                ("057-76215436", "057", 2, 30.0, "", "", vec!["PMC01473R7"]),
                // Transit cargo: the waybill goes from ORY to SFO.
                (
                    "057-13754215",
                    "057",
                    1,
                    50.0,
                    "ORY",
                    "SFO",
                    vec!["PMC01473R7"]
                ),
                (
                    "580-25194864",
                    "580",
                    1,
                    2735.0,
                    "LHR",
                    "PEK",
                    vec!["PGF09987R7"]
                ),
            ]
        );
        assert_eq!(
            rows(&mapped[4][1].0),
            [
                ("172-00123034", "172", 10, 400.0, "LHR", "", vec![]),
                ("172-00123056", "172", 5, 2500.0, "", "", vec!["PMC12345CV"]),
            ]
        );
    }

    /// Split and divided shipments: one consignment per air waybill, a goods item per line with
    /// its ULD, the pieces on this flight (not the waybill's total) summed.
    #[test]
    fn ffm_lines_of_one_waybill_are_one_consignment() {
        let Some(manifests) = ffm("ffm8.txt") else {
            return;
        };
        let (yyz, warnings) = &ffm_manifests(&manifests[1], received())[0];
        let number = |awb: &str| {
            yyz.consignments
                .iter()
                .find(|c| c.transport_document_number == awb)
                .unwrap()
        };
        // D4 and D2 of 12 pieces, in two ULDs.
        let divided = number("014-27257053");
        assert_eq!((divided.package_count, divided.gross_weight_kg), (6, 600.0));
        assert_eq!(
            items(divided),
            [
                ("AERO PARTS", 4, 400.0, vec!["DVA1234AC"], ""),
                ("AERO PARTS", 2, 200.0, vec!["DVA3456AC"], ""),
            ]
        );
        assert_eq!(
            divided
                .goods_items
                .iter()
                .map(|item| item.sequence_number)
                .collect::<Vec<_>>(),
            [1, 2]
        );
        // S1 and S12 of 13.
        let split = number("014-23511810");
        assert_eq!((split.package_count, split.gross_weight_kg), (13, 125.0));
        assert_eq!(split.containers.len(), 2);
        // A part shipment keeps its one piece of ten.
        assert_eq!(number("014-24349426").package_count, 1);
        // Bulk: no ULD.
        assert!(number("014-26488125").containers.is_empty());
        // RFG (flammable gas) on line 29, with no UN number anywhere.
        assert_eq!(warned(warnings), [(29, "AWB", NO_UN_NUMBER)]);
        assert!(
            number("014-24349426").goods_items[0]
                .dangerous_goods
                .is_none()
        );

        // CV1234: the BOOKS of 3 pieces, one in bulk and two in a ULD.
        let (dxb, _) = &ffm_manifests(&manifests[4], received())[0];
        let books = &dxb.consignments[1];
        assert_eq!(books.transport_document_number, "172-00123012");
        assert_eq!(
            items(books),
            [
                ("BOOKS", 1, 25.0, vec![], ""),
                ("BOOKS", 2, 50.0, vec!["AKE01063CV"], ""),
            ]
        );
        assert_eq!(books.package_count, 3);
    }

    /// The UN numbers of OCI lines: one goods item each, pieces and weight on the first.
    #[test]
    fn ffm_un_numbers_give_dangerous_goods_items() {
        let Some(manifests) = ffm("ffm8.txt") else {
            return;
        };
        let mapped = ffm_manifests(&manifests[3], received());
        let (svo, warnings) = &mapped[0];
        let cassettes = &svo.consignments[0];
        assert_eq!(cassettes.transport_document_number, "074-12345632");
        assert_eq!(
            items(cassettes),
            [
                ("VIDEO CASSETTES", 4, 8.0, vec![], "1234"),
                ("VIDEO CASSETTES", 0, 0.0, vec![], "2345"),
                ("VIDEO CASSETTES", 0, 0.0, vec![], "3456"),
                ("VIDEO CASSETTES", 0, 0.0, vec![], "4567"),
                ("VIDEO CASSETTES", 0, 0.0, vec![], "6789"),
                ("VIDEO CASSETTES", 0, 0.0, vec![], "8901"),
            ]
        );
        // RFL with six UN numbers: which one is the flammable liquid is unknown.
        assert!(
            cassettes.goods_items.iter().all(|item| item
                .dangerous_goods
                .as_ref()
                .unwrap()
                .r#class
                .is_empty())
        );
        assert!(warnings.is_empty(), "{warnings:?}");
        // The AF077 line 11 has RMD (miscellaneous dangerous goods) and no UN number.
        let (_, af077_warnings) = &ffm_manifests(&manifests[0], received())[0];
        assert_eq!(warned(af077_warnings), [(11, "AWB", NO_UN_NUMBER)]);
    }

    /// What validation says of each FFM manifest: the sample waybills' check digits and a ULD
    /// type with a digit (`P1G`, which validation does not take for a ULD id) are refused.
    #[test]
    fn ffm_manifests_validate_but_for_fixture_defects() {
        let Some(manifests) = ffm("ffm8.txt") else {
            return;
        };
        let refused: Vec<Vec<(String, String)>> = manifests
            .iter()
            .flat_map(|ffm| ffm_manifests(ffm, received()))
            .map(|(manifest, _)| refusals(&manifest))
            .collect();
        let consignment = |i: usize, field: &str| format!("manifest.consignments[{i}].{field}");
        let expected: Vec<Vec<(String, String)>> = vec![
            vec![],
            vec![],
            pairs(&[(
                "manifest.consignments",
                "at least one consignment is required",
            )]),
            vec![
                (
                    consignment(0, "transport_document_number"),
                    CHECK_DIGIT.into(),
                ),
                (
                    consignment(1, "transport_document_number"),
                    CHECK_DIGIT.into(),
                ),
            ],
            vec![(
                consignment(1, "transport_document_number"),
                CHECK_DIGIT.into(),
            )],
            vec![],
            vec![],
        ];
        assert_eq!(refused, expected);
        // Accepted ones are stored under the AWB and its prefix.
        let valid = validated(&ffm_manifests(&manifests[0], received())[0].0).unwrap();
        let stored = &valid.manifest.consignments[0];
        assert_eq!(
            (
                stored.transport_document_number.as_str(),
                stored.transport_document_issuer.as_str()
            ),
            ("057-76215436", "057")
        );
    }

    /// Local times across the date line and the year's end.
    #[test]
    fn ffm_dates_resolve_around_the_flight() {
        let text = "FFM/8\n1/NH184/10MAR1700/NRT\nHNL/10MAR0600\n\
                    205-12345675NRTHNL/T1K10/BOOKS\nLAST\n\n\
                    FFM/8\n1/LH400/31DEC2300/FRA\nJFK/01JAN0100\n\
                    020-12345675FRAJFK/T1K10/BOOKS\nLAST\n";
        let parsed: Vec<FlightManifest> = cargo_imp::parse_many(text)
            .into_iter()
            .map(|message| match message.unwrap() {
                CargoImpMessage::Ffm(ffm) => ffm,
                other => panic!("{other:?}"),
            })
            .collect();
        // Westward: arriving earlier in local time than it left; the departure is left out.
        let (honolulu, _) = &ffm_manifests(&parsed[0], received())[0];
        assert_eq!(
            seconds(honolulu.estimated_arrival.as_ref()),
            Some(utc(2026, 3, 10, 6, 0))
        );
        assert_eq!(honolulu.estimated_departure, None);
        assert!(refusals(honolulu).is_empty());
        // Received on 2 January 2027: the flight of 31 December 2026, arriving on 1 January.
        let new_year = NaiveDate::from_ymd_opt(2027, 1, 2).unwrap();
        let (jfk, _) = &ffm_manifests(&parsed[1], new_year)[0];
        assert_eq!(
            seconds(jfk.estimated_departure.as_ref()),
            Some(utc(2026, 12, 31, 23, 0))
        );
        assert_eq!(
            seconds(jfk.estimated_arrival.as_ref()),
            Some(utc(2027, 1, 1, 1, 0))
        );
        // 29 February only where a leap year is within a year of the date received.
        let leap = DayMonth {
            day: 29,
            month: 2,
            time: None,
        };
        assert_eq!(around(leap, received()), None);
        assert_eq!(
            around(leap, NaiveDate::from_ymd_opt(2027, 6, 1).unwrap()).map(|at| at.date()),
            NaiveDate::from_ymd_opt(2028, 2, 29)
        );
        let march_2 = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        assert_eq!(day_near(28, march_2), NaiveDate::from_ymd_opt(2026, 2, 28));
        assert_eq!(day_near(31, march_2), NaiveDate::from_ymd_opt(2026, 3, 31));
    }

    fn fwb(name: &str) -> Option<Vec<Waybill>> {
        Some(
            messages(name)?
                .into_iter()
                .map(|message| match message {
                    CargoImpMessage::Fwb(fwb) => *fwb,
                    other => panic!("an FWB expected, not {other:?}"),
                })
                .collect(),
        )
    }

    fn party_row(party: Option<&Party>) -> (&str, Vec<&str>, &str, &str, &str, &str) {
        let party = party.unwrap();
        (
            party.name.as_str(),
            party.address_lines.iter().map(String::as_str).collect(),
            party.city.as_str(),
            party.postcode.as_str(),
            party.country.as_str(),
            party.phone.as_str(),
        )
    }

    #[test]
    fn fwb_fixtures_map_to_master_consignments() {
        let Some(waybills) = fwb("fwb17.txt") else {
            return;
        };
        let mapped: Vec<_> = waybills
            .iter()
            .map(|fwb| fwb_consignment(fwb, received()))
            .collect();
        assert_eq!(mapped.len(), 5);
        let headers: Vec<_> = mapped
            .iter()
            .map(|(c, _, _)| {
                (
                    c.transport_document_number.as_str(),
                    c.transport_document_issuer.as_str(),
                    c.port_of_loading.as_str(),
                    c.port_of_discharge.as_str(),
                    c.package_count,
                    c.gross_weight_kg,
                    c.transit_ports.clone(),
                    c.countries_of_routing.clone(),
                )
            })
            .collect();
        let strings = |list: &[&str]| list.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            headers,
            [
                (
                    "555-64264793",
                    "555",
                    "SVO",
                    "REN",
                    114,
                    2380.0,
                    strings(&["AMS", "LGG"]),
                    strings(&["RUS", "NLD", "BEL", "RUS"])
                ),
                (
                    "777-12345675",
                    "777",
                    "LHR",
                    "JFK",
                    1,
                    913.0,
                    vec![],
                    strings(&["GBR", "USA"])
                ),
                (
                    "777-12345675",
                    "777",
                    "JFK",
                    "LHR",
                    2,
                    150.0 * 0.453_592_37,
                    vec![],
                    strings(&["USA", "GBR"])
                ),
                (
                    "777-12345675",
                    "777",
                    "RIO",
                    "NRT",
                    1,
                    48.0,
                    strings(&["MIA", "LAX"]),
                    strings(&["BRA", "USA", "JPN"])
                ),
                (
                    "777-12345675",
                    "777",
                    "BOM",
                    "SUV",
                    1,
                    3.5,
                    vec![],
                    strings(&["IND", "FJI"])
                ),
            ]
        );

        let (first, flights, warnings) = &mapped[0];
        assert_eq!(
            flights,
            &[
                BookedFlight {
                    carrier: "SU".into(),
                    number: "1244".into(),
                    day_of_month: Some(1),
                    date: NaiveDate::from_ymd_opt(2026, 3, 1),
                },
                BookedFlight {
                    carrier: "SU".into(),
                    number: "1008".into(),
                    day_of_month: Some(1),
                    date: NaiveDate::from_ymd_opt(2026, 3, 1),
                },
            ]
        );
        // SPH DGR with the OCI's UN numbers: no warning.
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(
            party_row(first.consignor.as_ref()),
            (
                "T. ULSIDAS LTD.",
                vec!["105 VEER TAMAN ROAD"],
                "MUMBAI",
                "",
                "IN",
                ""
            )
        );
        assert_eq!(
            party_row(first.consignee.as_ref()),
            (
                "AMERICAN MOTORS",
                vec!["29 BAY JAMES ST"],
                "BLOOMINGTON",
                "52601",
                "US",
                "4653425"
            )
        );
        let notify = party_row(first.notify_party.as_ref());
        assert_eq!((notify.2, notify.3, notify.4), ("MOSCOW", "127015", "RU"));
        assert!(notify.0.starts_with("EXPOWESTRANS"));
        // Rate line 1 with the OCI's UN numbers (one item each); rate line 2 (a weight, no
        // pieces) with the goods data of lines 3 to 12: its ULD and the UN number in its text.
        let found = items(first);
        assert_eq!(found.len(), 7);
        assert_eq!(found[0], ("ABRASIVE PASTE", 1, 2400.0, vec![], "1234"));
        assert_eq!(found[5], ("ABRASIVE PASTE", 0, 0.0, vec![], "8901"));
        assert_eq!(
            found[6],
            (
                "UN3528.RFL.PI 378 1 ENGINE X 950 KG OVERPACK USED",
                0,
                120.01,
                vec!["P1C0037XX"],
                "3528"
            )
        );
        // CVD: the customs value, on the first item.
        let value = first.goods_items[0].declared_value.as_ref().unwrap();
        assert_eq!(
            (value.currency_code.as_str(), value.units, value.nanos),
            ("USD", 5696, 0)
        );
        assert_eq!(
            first.freight_payment_method,
            FreightPaymentMethod::Unspecified as i32
        );

        let (dog, flights, _) = &mapped[3];
        assert!(flights.is_empty());
        assert_eq!(items(dog), [("1 LIVE DOG", 1, 48.0, vec![], "")]);
        let (samples, _, _) = &mapped[4];
        let value = samples.goods_items[0].declared_value.as_ref().unwrap();
        assert_eq!((value.currency_code.as_str(), value.units), ("INR", 1500));
        // NVD/NCV: no value declared.
        assert!(mapped[1].0.goods_items[0].declared_value.is_none());
    }

    /// Each waybill on its booked flight (else LH8402): the sample's ULD type with a digit is
    /// refused; the others validate.
    #[test]
    fn fwb_consignments_validate_on_a_flight() {
        let Some(waybills) = fwb("fwb17.txt") else {
            return;
        };
        let refused: Vec<Vec<(String, String)>> = waybills
            .iter()
            .map(|fwb| {
                let (consignment, flights, _) = fwb_consignment(fwb, received());
                let (loading, discharge) = (
                    consignment.port_of_loading.clone(),
                    consignment.port_of_discharge.clone(),
                );
                refusals(&wrapping(
                    vec![consignment],
                    flights.first(),
                    &loading,
                    &discharge,
                ))
            })
            .collect();
        // Every waybill validates on its booked flight (P1C0037XX, the first one's ULD, is of
        // the older type codes with a digit).
        assert_eq!(refused, [vec![], vec![], vec![], vec![], vec![]]);
    }

    /// A complete waybill: EORI and TIN from OCI, HS codes, a ULD, one UN number and one class,
    /// freight collect, a booked flight.
    #[test]
    fn a_complete_waybill_maps_every_field_and_validates() {
        let text = [
            "FWB/17",
            "020-12345675FRAJFK/T3K120.5",
            "FLT/LH400/14",
            "RTG/JFKLH",
            "SHP",
            "NAM/MUSTER CHEMIE GMBH",
            "ADR/INDUSTRIESTRASSE 5",
            "LOC/FRANKFURT",
            "/DE/60311",
            "CNE",
            "NAM/EXAMPLE IMPORTS INC",
            "ADR/1 MAIN STREET",
            "LOC/NEW YORK/NY",
            "/US/10001",
            "CVD/EUR//CC/NVD/2500.50/XXX",
            "RTD/1/P2/K100/CQ/W100/R2.5/T250",
            "/NG/PAINT",
            "/2/NH/320810",
            "/3/NH/320820",
            "/4/NU/AKE12345LH",
            "/5/P1/K20.5/CQ/W21/R2.5/T52.5",
            "/6/NG/PAINT BRUSHES",
            "SPH/DGR/RFL",
            "SSR/UN1263 PAINT 2 PCS",
            "OCI/DE/SHP/T/DE123456789012345",
            "/US/CNE/T/123456789",
            "///CT/12125550100",
        ]
        .join("\n");
        let Ok(CargoImpMessage::Fwb(fwb)) = cargo_imp::parse(&text) else {
            panic!("an FWB expected");
        };
        let (consignment, flights, warnings) = fwb_consignment(&fwb, received());
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(
            flights,
            [BookedFlight {
                carrier: "LH".into(),
                number: "400".into(),
                day_of_month: Some(14),
                date: NaiveDate::from_ymd_opt(2026, 3, 14),
            }]
        );
        let consignor = consignment.consignor.as_ref().unwrap();
        assert_eq!(
            (
                consignor.identifier.as_str(),
                consignor.identifier_type.as_str(),
                consignor.postcode.as_str()
            ),
            ("DE123456789012345", "EORI", "60311")
        );
        let consignee = consignment.consignee.as_ref().unwrap();
        assert_eq!(
            (
                consignee.identifier.as_str(),
                consignee.identifier_type.as_str(),
                consignee.phone.as_str(),
                consignee.city.as_str()
            ),
            ("123456789", "TIN", "12125550100", "NEW YORK")
        );
        let goods: Vec<_> = consignment
            .goods_items
            .iter()
            .map(|item| {
                (
                    item.sequence_number,
                    item.description.as_str(),
                    item.hs_code.as_str(),
                    item.package_count,
                    item.gross_weight_kg,
                    item.container_numbers.clone(),
                    item.dangerous_goods
                        .as_ref()
                        .map(|d| (d.un_number.as_str(), d.r#class.as_str())),
                )
            })
            .collect();
        assert_eq!(
            goods,
            [
                (
                    1,
                    "PAINT",
                    "320810",
                    2,
                    100.0,
                    vec!["AKE12345LH".to_owned()],
                    Some(("1263", "3"))
                ),
                (
                    2,
                    "PAINT",
                    "320820",
                    0,
                    0.0,
                    vec!["AKE12345LH".to_owned()],
                    None
                ),
                (3, "PAINT BRUSHES", "", 1, 20.5, vec![], None),
            ]
        );
        let value = consignment.goods_items[0].declared_value.as_ref().unwrap();
        assert_eq!(
            (value.currency_code.as_str(), value.units, value.nanos),
            ("EUR", 2500, 500_000_000)
        );
        assert_eq!(
            consignment.freight_payment_method,
            FreightPaymentMethod::NotPrepaid as i32
        );
        assert_eq!(
            (consignment.package_count, consignment.gross_weight_kg),
            (3, 120.5)
        );
        assert_eq!(consignment.countries_of_routing, ["DEU", "USA"]);
        assert!(consignment.transit_ports.is_empty());

        let manifest = wrapping(vec![consignment], flights.first(), "FRA", "JFK");
        let valid = validated(&manifest).unwrap();
        assert!(valid.warnings.is_empty(), "{:?}", valid.warnings);
        let stored = &valid.manifest.consignments[0];
        assert_eq!(stored.consignor.as_ref().unwrap().country, "DEU");
        assert_eq!(stored.containers[0].number, "AKE12345LH");
    }

    #[test]
    fn a_dangerous_goods_code_without_a_un_number_is_warned_about() {
        let text = "FWB/17\n020-12345675FRAJFK/T1K10\nSHP\nNAM/A\nCNE\nNAM/B\n\
                    RTD/1/P1/K10\n/NG/AEROSOLS\nSPH/RFG";
        let Ok(CargoImpMessage::Fwb(fwb)) = cargo_imp::parse(text) else {
            panic!("an FWB expected");
        };
        let (consignment, _, warnings) = fwb_consignment(&fwb, received());
        // The reader keeps no line for SPH: the FWB identifier's.
        assert_eq!(warned(&warnings), [(1, "SPH", NO_UN_NUMBER)]);
        assert!(consignment.goods_items[0].dangerous_goods.is_none());
    }

    fn fhl(name: &str) -> Option<Vec<HouseManifest>> {
        Some(
            messages(name)?
                .into_iter()
                .map(|message| match message {
                    CargoImpMessage::Fhl(fhl) => fhl,
                    other => panic!("an FHL expected, not {other:?}"),
                })
                .collect(),
        )
    }

    /// (number, master, own loading, own discharge, pieces, kg) of a house consignment.
    type House<'a> = (&'a str, &'a str, &'a str, &'a str, u32, f64);

    #[test]
    fn fhl_fixtures_map_to_house_consignments_that_validate() {
        let Some(manifests) = fhl("fhl5.txt") else {
            return;
        };
        let mapped: Vec<(Vec<Consignment>, Vec<Warning>)> =
            manifests.iter().map(fhl_consignments).collect();
        let houses: Vec<Vec<House<'_>>> = mapped
            .iter()
            .map(|(houses, _)| {
                houses
                    .iter()
                    .map(|c| {
                        (
                            c.transport_document_number.as_str(),
                            c.master_document_number.as_str(),
                            c.port_of_loading.as_str(),
                            c.port_of_discharge.as_str(),
                            c.package_count,
                            c.gross_weight_kg,
                        )
                    })
                    .collect()
            })
            .collect();
        let master = "618-12345675";
        assert_eq!(
            houses,
            [
                vec![("AEI12345678", master, "SIN", "JFK", 1, 400.0)],
                vec![
                    ("AEI12345678", master, "SIN", "JFK", 1, 400.0),
                    ("AEI12345679", master, "SIN", "JFK", 3, 300.0),
                    ("AEI12345680", master, "SIN", "JFK", 3, 300.0),
                ],
                vec![
                    ("11AA11111111", "220-12345675", "FRA", "BOS", 1000, 8000.0),
                    ("22AA12121212", "220-12345675", "FRA", "JFK", 200, 1800.0),
                    ("33AA13131313", "220-12345675", "FRA", "ORD", 34, 200.0),
                ],
                vec![
                    ("AEI12345678", master, "SIN", "JFK", 1, 400.0),
                    ("22AA12121212", master, "FRA", "JFK", 200, 1800.0),
                    ("00000002", master, "SVO", "PVG", 176, 10_783.0),
                    ("51791876", master, "SVO", "STR", 1, 9.25),
                ],
                vec![("01348535", "057-01348535", "SVO", "LIM", 1, 70.5)],
                vec![("U182306", "057-04149994", "SVO", "FCO", 1, 85.0)],
            ]
        );
        assert!(mapped.iter().all(|(_, warnings)| warnings.is_empty()));

        let first = &mapped[0].0[0];
        assert_eq!(
            first.goods_items[0].description,
            "COMPUTER PARTS MODEL 3 MEMORY BOARDS AND OTHER ASSORTED PARTS"
        );
        assert_eq!(
            party_row(first.consignee.as_ref()),
            (
                "AIE EXPRESS INTL",
                vec!["CENTRAL STREET 13"],
                "JAMAICA",
                "22330",
                "US",
                "171812344566"
            )
        );
        // Dry ice and a diagnostic specimen named in TXT; the HS code from HTS.
        let blood = &mapped[5].0[0];
        assert_eq!(blood.goods_items[0].hs_code, "3002120005");
        let dangerous: Vec<(&str, &str)> = blood
            .goods_items
            .iter()
            .filter_map(|item| item.dangerous_goods.as_ref())
            .map(|d| (d.un_number.as_str(), d.r#class.as_str()))
            .collect();
        assert_eq!(dangerous, [("3373", ""), ("1845", "")]);
        let consignee = blood.consignee.as_ref().unwrap();
        assert_eq!(
            (consignee.city.as_str(), consignee.postcode.as_str()),
            ("ROMA", "00149")
        );
        // The house's CVD: the customs value.
        let screws = &mapped[2].0[2];
        let value = screws.goods_items[0].declared_value.as_ref().unwrap();
        assert_eq!((value.currency_code.as_str(), value.units), ("USD", 5696));

        // Every FHL's houses on one flight of the master's route validate.
        for (fhl, (houses, _)) in manifests.iter().zip(&mapped) {
            let manifest = wrapping(
                houses.clone(),
                None,
                fhl.master.origin.as_deref().unwrap_or_default(),
                &fhl.master.destination,
            );
            let valid = validated(&manifest).unwrap();
            assert_eq!(
                valid.manifest.consignments[0].master_document_number,
                fhl.master.awb.to_string()
            );
        }
    }

    /// Whatever the reader makes of a damaged fixture maps and validates without panicking.
    #[test]
    fn damaged_fixtures_map_without_panicking() {
        let mut mapped_messages = 0;
        for name in ["ffm8.txt", "fwb17.txt", "fhl5.txt"] {
            let Some(text) = fixture::text("cargo-imp", name) else {
                return;
            };
            let chars: Vec<char> = text.chars().collect();
            for at in (0..chars.len()).step_by(4) {
                for replacement in ['/', '\n', '-', '9'] {
                    let mut damaged = chars.clone();
                    damaged[at] = replacement;
                    let damaged: String = damaged.into_iter().collect();
                    for message in cargo_imp::parse_many(&damaged).into_iter().flatten() {
                        let manifests = match &message {
                            CargoImpMessage::Ffm(ffm) => ffm_manifests(ffm, received())
                                .into_iter()
                                .map(|(manifest, _)| manifest)
                                .collect(),
                            CargoImpMessage::Fwb(fwb) => {
                                let (consignment, flights, _) = fwb_consignment(fwb, received());
                                vec![wrapping(vec![consignment], flights.first(), "FRA", "JFK")]
                            }
                            CargoImpMessage::Fhl(fhl) => {
                                vec![wrapping(fhl_consignments(fhl).0, None, "FRA", "JFK")]
                            }
                        };
                        for manifest in &manifests {
                            let _ = validated(manifest);
                        }
                        mapped_messages += 1;
                    }
                }
            }
        }
        assert!(mapped_messages > 1000, "{mapped_messages}");
    }
}
