//! CUSCAR messages mapped to the manifest contract ([`CargoManifest`]), for `validate` to check.
//!
//! The mapping follows the UN/EDIFACT CUSCAR directory (D95B to D03B) and WCO practice:
//!
//! - The movement comes from the main transport stage: the TDT of stage 20 (main carriage), else
//!   the first TDT of the message, else of a consignment (profiles that send only stage 11 or 13).
//! - Ports are LOC 9 (loading), 11 (discharge) and 24 or 60 (entry, first port of call; else the
//!   discharge port) of that TDT group, else of the message. Codes are kept as sent when they have
//!   the shape of a UN/LOCODE (or of an IATA airport code for air): validation normalises and
//!   checks them against the list. Other codes (a US Schedule D port, a national warehouse) are no
//!   UN/LOCODE and are left out with a warning.
//! - DTM values are local times without a zone (CUSCAR has no offset and the place's zone is not
//!   reliably known): they are taken as UTC, off by at most the sender's UTC offset.
//! - Parties of a consignment are its own NAD, else the message's NAD of the same function (the
//!   header's parties apply to every consignment).
//! - What has no place in the contract (NAD IM/OS/VW, FTX, GIS, CNT, TSR …) is not mapped and not
//!   warned about; what has a place but could not be mapped (an unknown function or mode, a port
//!   that is no UN/LOCODE, a weight in an unknown unit, equipment that is no container) is left
//!   out with a warning naming segment, element and rule. The reader's own warnings
//!   ([`CuscarMessage::warnings`]) are not repeated.
//! - Warnings about a goods item's PAC or MEA name the GID opening its group: the reader keeps no
//!   position for those segments.

use gatehouse_formats::cuscar::{
    self, CuscarMessage, Equipment, EquipmentKind, GoodsItem as CuscarItem, Loading, Location,
    LocationRole, Measurement, MessageFunction as Function, PartyFunction, Transport,
    TransportMode as Mode,
};
use gatehouse_formats::edifact::InterchangeHeader;
use gatehouse_formats::{Warning, WarningKind};
use gatehouse_proto::v1::{
    CargoManifest, Consignment, Container, Conveyance, DangerousGoods, GoodsItem, MessageFunction,
    Party, TransportMode,
};

/// Kilograms in a pound (the international avoirdupois pound).
const KG_PER_POUND: f64 = 0.453_592_37;

/// The manifest a CUSCAR message declares, and what could not be mapped (as warnings in the
/// crate's Warning type, naming the segment and the rule, never a value).
///
/// BGM function 9 is ORIGINAL, 5 REPLACE, 4 (change) and 2 (addition) UPDATE; 1 (cancellation of
/// the whole report) is a CANCEL naming no consignment, which withdraws the manifest, and 3
/// (deletion) a CANCEL of the consignments the message names. A missing function is ORIGINAL;
/// another code (22 final transmission, a profile's `VSA`) is ORIGINAL with a warning.
///
/// The carrier is the TDT carrier id, else the message's NAD CA identifier, else the UNB sender.
/// No value is invented: a consignment without a transport document number keeps an empty one,
/// which validation refuses by its field.
pub fn to_manifest(
    header: &InterchangeHeader,
    message: &CuscarMessage,
) -> (CargoManifest, Vec<Warning>) {
    let mut mapper = Mapper {
        message,
        air: false,
        road: false,
        warnings: Vec::new(),
    };
    let main = main_transport(message);
    let mode = mapper.mode(main);
    mapper.air = mode == TransportMode::Air;
    mapper.road = mode == TransportMode::Road;
    let (function, cancel_all) = mapper.function();

    let carrier = main
        .and_then(|transport| transport.carrier.as_ref())
        .and_then(|carrier| carrier.id.clone())
        .or_else(|| {
            message
                .details
                .party(&PartyFunction::Carrier)
                .and_then(|party| party.id.as_ref())
                .map(|id| id.value.expose().clone())
        })
        .unwrap_or_else(|| header.sender.id.clone());
    let voyage_number = main
        .and_then(|transport| transport.conveyance_reference.clone())
        .unwrap_or_default();

    let port_of_loading = mapper.header_place(main, |role| role == &LocationRole::Loading);
    let port_of_discharge = mapper.header_place(main, |role| role == &LocationRole::Discharge);
    let place_of_entry = mapper.header_place(main, |role| {
        matches!(role, LocationRole::Entry)
            || matches!(role, LocationRole::Other(code) if code == "60")
    });
    let place_of_entry = if place_of_entry.is_empty() {
        port_of_discharge.clone()
    } else {
        place_of_entry
    };

    let trailers = mapper.check_equipment();
    let conveyance = mapper.conveyance(main, mode, &voyage_number, trailers);

    let consignments = if cancel_all {
        Vec::new()
    } else {
        message
            .consignments
            .iter()
            .map(|consignment| {
                mapper.consignment(consignment, &port_of_loading, &port_of_discharge)
            })
            .collect()
    };

    let manifest = CargoManifest {
        manifest_ref: exposed(message.document_number.as_ref()),
        mode: mode as i32,
        carrier,
        conveyance,
        voyage_number,
        port_of_loading,
        port_of_discharge,
        place_of_entry,
        estimated_arrival: message
            .estimated_arrival()
            .or_else(|| message.actual_arrival())
            .map(timestamp),
        consignments,
        sender: header.sender.id.clone(),
        estimated_departure: message.estimated_departure().map(timestamp),
        function: function as i32,
    };
    let mut warnings = mapper.warnings;
    warnings.sort_by_key(|warning| warning.segment);
    (manifest, warnings)
}

/// The TDT of stage 20, else the first: of the message, else of its consignments.
fn main_transport(message: &CuscarMessage) -> Option<&Transport> {
    fn main_of(transports: &[Transport]) -> Option<&Transport> {
        transports
            .iter()
            .find(|transport| transport.stage.as_deref() == Some("20"))
            .or(transports.first())
    }
    main_of(&message.details.transports).or_else(|| {
        message
            .consignments
            .iter()
            .find_map(|consignment| main_of(&consignment.details.transports))
    })
}

/// DTM local time read as UTC (see the module documentation).
fn timestamp(at: chrono::NaiveDateTime) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: at.and_utc().timestamp(),
        nanos: 0,
    }
}

fn exposed(value: Option<&gatehouse_formats::Personal<String>>) -> String {
    value
        .map(|value| value.expose().clone())
        .unwrap_or_default()
}

/// A code without spaces, uppercased, for comparing places.
fn canonical(code: &str) -> String {
    code.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Two letters (the country) and three letters or digits, spaces aside.
fn is_unlocode_shaped(code: &str) -> bool {
    let code = canonical(code);
    let bytes = code.as_bytes();
    bytes.len() == 5
        && bytes[..2].iter().all(u8::is_ascii_alphabetic)
        && bytes[2..].iter().all(u8::is_ascii_alphanumeric)
}

/// ISO 3166-1 alpha-2 or alpha-3 shape; validation checks the list.
fn is_country_shaped(code: &str) -> bool {
    (2..=3).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_alphabetic())
}

/// A mass in kilograms: KGM (and `K` of the US ACE profile), LBR (and ACE `L`), TNE, GRM.
fn kilograms(value: f64, unit: &str) -> Option<f64> {
    match unit {
        "KGM" | "K" => Some(value),
        "LBR" | "L" => Some(value * KG_PER_POUND),
        "TNE" => Some(value * 1000.0),
        "GRM" => Some(value / 1000.0),
        _ => None,
    }
}

/// MEA WT or AAE with attribute N or AAA (net weight).
fn is_net_weight(measurement: &Measurement) -> bool {
    matches!(
        (
            measurement.purpose.as_str(),
            measurement.attribute.as_deref()
        ),
        ("WT" | "AAE", Some("N" | "AAA"))
    )
}

/// Equipment that the contract calls a container: CN, and UL (an air ULD).
fn is_container(equipment: &Equipment) -> bool {
    match &equipment.kind {
        EquipmentKind::Container => true,
        EquipmentKind::Other(code) => code == "UL",
    }
}

/// TE trailer; also TRL, which some road profiles send.
fn is_trailer(equipment: &Equipment) -> bool {
    matches!(&equipment.kind, EquipmentKind::Other(code) if code == "TE" || code == "TRL")
}

struct Mapper<'m> {
    message: &'m CuscarMessage,
    air: bool,
    road: bool,
    warnings: Vec<Warning>,
}

impl<'m> Mapper<'m> {
    fn warn(&mut self, segment: usize, tag: &str, kind: WarningKind) {
        self.warnings.push(Warning {
            segment,
            tag: tag.to_owned(),
            kind,
        });
    }

    fn mode(&mut self, main: Option<&Transport>) -> TransportMode {
        let Some(main) = main else {
            self.warn(
                self.message.header.segment,
                "UNH",
                WarningKind::MissingSegment { tag: "TDT" },
            );
            return TransportMode::Unspecified;
        };
        match &main.mode {
            Some(Mode::Sea) => TransportMode::Sea,
            Some(Mode::Road) => TransportMode::Road,
            Some(Mode::Rail) => TransportMode::Rail,
            Some(Mode::Air) => TransportMode::Air,
            Some(Mode::Other(_)) => {
                self.warn(
                    main.segment,
                    "TDT",
                    WarningKind::InvalidElement {
                        element: 3,
                        name: "mode of transport",
                    },
                );
                TransportMode::Unspecified
            }
            None => {
                self.warn(
                    main.segment,
                    "TDT",
                    WarningKind::MissingElement {
                        element: 3,
                        name: "mode of transport",
                    },
                );
                TransportMode::Unspecified
            }
        }
    }

    /// The function, and whether the whole report is cancelled. BGM follows UNH, as the message
    /// structure requires: the reader keeps no position for it.
    fn function(&mut self) -> (MessageFunction, bool) {
        match &self.message.function {
            None | Some(Function::Original) => (MessageFunction::Original, false),
            Some(Function::Replacement) => (MessageFunction::Replace, false),
            Some(Function::Change | Function::Addition) => (MessageFunction::Update, false),
            Some(Function::Cancellation) => (MessageFunction::Cancel, true),
            Some(Function::Deletion) => (MessageFunction::Cancel, false),
            Some(Function::Other(_)) => {
                self.warn(
                    self.message.header.segment + 1,
                    "BGM",
                    WarningKind::InvalidElement {
                        element: 3,
                        name: "message function code",
                    },
                );
                (MessageFunction::Original, false)
            }
        }
    }

    /// The first usable place of a role: of the main TDT group, else of the message, else of its
    /// other TDT groups.
    fn header_place(
        &mut self,
        main: Option<&Transport>,
        role: impl Fn(&LocationRole) -> bool,
    ) -> String {
        let message = self.message;
        let candidates: Vec<&Location> = main
            .into_iter()
            .flat_map(|transport| &transport.locations)
            .chain(&message.details.locations)
            .chain(
                message
                    .details
                    .transports
                    .iter()
                    .filter(|transport| main.is_none_or(|main| main.segment != transport.segment))
                    .flat_map(|transport| &transport.locations),
            )
            .filter(|location| role(&location.role))
            .collect();
        self.first_place(&candidates)
    }

    /// The first candidate that is a UN/LOCODE (or an IATA code for air); the others are left
    /// out with a warning.
    fn first_place(&mut self, candidates: &[&Location]) -> String {
        for location in candidates {
            if let Some(code) = self.place(location) {
                return code;
            }
        }
        String::new()
    }

    fn place(&mut self, location: &Location) -> Option<String> {
        let code = location.code.as_deref()?;
        let iata = self.air && code.len() == 3 && code.bytes().all(|b| b.is_ascii_alphabetic());
        if iata || is_unlocode_shaped(code) {
            return Some(code.to_owned());
        }
        self.warn(
            location.segment,
            "LOC",
            WarningKind::InvalidValue {
                element: 2,
                component: 1,
                name: "location identifier (not a UN/LOCODE)",
            },
        );
        None
    }

    /// Warns about equipment that is no container (nor a trailer on the road) and gives the
    /// trailers' registrations.
    fn check_equipment(&mut self) -> Vec<String> {
        let mut trailers = Vec::new();
        for equipment in &self.message.equipment {
            if is_container(equipment) {
                continue;
            }
            if self.road && is_trailer(equipment) {
                trailers.extend(equipment.id.clone());
                continue;
            }
            self.warn(
                equipment.segment,
                "EQD",
                WarningKind::InvalidElement {
                    element: 1,
                    name: "equipment type code qualifier (not a container)",
                },
            );
        }
        trailers
    }

    /// TDT C222: the name; the IMO number only when its check digit holds (else, for the D95B
    /// profile, RFF AEL when it is one); the id as call sign when its code list is 103, as the
    /// vehicle registration on the road; the TDT conveyance reference as train or flight number.
    fn conveyance(
        &self,
        main: Option<&Transport>,
        mode: TransportMode,
        voyage: &str,
        trailer_registrations: Vec<String>,
    ) -> Option<Conveyance> {
        let vehicle = main.and_then(|transport| transport.conveyance.as_ref());
        let imo = vehicle
            .and_then(cuscar::Conveyance::imo_number)
            .or_else(|| {
                self.message
                    .details
                    .reference("AEL")
                    .and_then(|reference| reference.number.as_ref())
                    .map(|number| number.expose().as_str())
                    .filter(|number| cuscar::is_imo_number(number))
            });
        let id = vehicle
            .and_then(|vehicle| vehicle.id.as_deref())
            .filter(|id| imo.is_none_or(|imo| !id.ends_with(imo)));
        let code_list = vehicle.and_then(|vehicle| vehicle.code_list.as_deref());
        let conveyance = Conveyance {
            name: vehicle
                .and_then(|vehicle| vehicle.name.clone())
                .unwrap_or_default(),
            imo_number: imo.unwrap_or_default().to_owned(),
            call_sign: match (mode, code_list) {
                (TransportMode::Sea, Some("103")) => id.unwrap_or_default().to_owned(),
                _ => String::new(),
            },
            flight_number: match mode {
                TransportMode::Air => voyage.to_owned(),
                _ => String::new(),
            },
            vehicle_registration: match mode {
                TransportMode::Road => id.unwrap_or_default().to_owned(),
                _ => String::new(),
            },
            trailer_registrations,
            train_number: match mode {
                TransportMode::Rail => voyage.to_owned(),
                _ => String::new(),
            },
            nationality: vehicle
                .and_then(|vehicle| vehicle.nationality.clone())
                .unwrap_or_default(),
        };
        (conveyance != Conveyance::default()).then_some(conveyance)
    }

    fn consignment(
        &mut self,
        consignment: &cuscar::Consignment,
        manifest_loading: &str,
        manifest_discharge: &str,
    ) -> Consignment {
        let (number, master) = transport_documents(consignment);
        if number.is_empty() {
            let (tag, kind) = if consignment.implied {
                ("GID", WarningKind::MissingSegment { tag: "CNI" })
            } else {
                (
                    "CNI",
                    WarningKind::MissingElement {
                        element: 2,
                        name: "transport document number",
                    },
                )
            };
            self.warn(consignment.segment, tag, kind);
        }
        let details = &consignment.details;
        let own_place = |mapper: &mut Self, role: LocationRole| {
            let candidates: Vec<&Location> = details
                .locations
                .iter()
                .chain(details.transports.iter().flat_map(|t| &t.locations))
                .filter(|location| location.role == role)
                .collect();
            mapper.first_place(&candidates)
        };
        let differing = |own: String, manifest: &str| {
            if canonical(&own) == canonical(manifest) {
                String::new()
            } else {
                own
            }
        };
        let port_of_loading = own_place(self, LocationRole::Loading);
        let port_of_discharge = own_place(self, LocationRole::Discharge);
        let place_of_receipt = own_place(self, LocationRole::Receipt);
        let place_of_delivery = own_place(self, LocationRole::Delivery);
        let transit_ports = details
            .locations
            .iter()
            .filter(|location| location.role == LocationRole::Transhipment)
            .filter_map(|location| self.place(location))
            .collect();
        let mut countries_of_routing = Vec::new();
        for location in &details.locations {
            if location.role != LocationRole::Routing {
                continue;
            }
            match location.code.as_deref() {
                Some(code) if is_country_shaped(code) => countries_of_routing.push(code.to_owned()),
                _ => self.warn(
                    location.segment,
                    "LOC",
                    WarningKind::InvalidValue {
                        element: 2,
                        component: 1,
                        name: "routing country (not an ISO 3166-1 code)",
                    },
                ),
            }
        }

        let containers = self.containers(consignment);
        let goods_items: Vec<GoodsItem> = consignment
            .goods
            .iter()
            .map(|item| self.goods_item(item, &containers))
            .collect();
        let own_weight = details
            .measurements
            .iter()
            .filter(|m| m.is_gross_weight())
            .find_map(|m| kilograms(m.value?, m.unit.as_deref()?));
        let gross_weight_kg =
            own_weight.unwrap_or_else(|| goods_items.iter().map(|item| item.gross_weight_kg).sum());
        let package_count = goods_items
            .iter()
            .fold(0u32, |sum, item| sum.saturating_add(item.package_count));

        let message = self.message;
        let role = |function: PartyFunction| {
            details
                .party(&function)
                .or_else(|| message.details.party(&function))
                .map(party)
        };
        Consignment {
            transport_document_number: number,
            master_document_number: master,
            consignor: role(PartyFunction::Consignor),
            consignee: role(PartyFunction::Consignee),
            notify_party: role(PartyFunction::NotifyParty),
            carrier: role(PartyFunction::Carrier),
            goods_items,
            containers: containers.into_iter().map(container).collect(),
            place_of_receipt,
            place_of_delivery,
            countries_of_routing,
            transit_ports,
            freight_payment_method: 0,
            port_of_loading: differing(port_of_loading, manifest_loading),
            port_of_discharge: differing(port_of_discharge, manifest_discharge),
            gross_weight_kg,
            package_count,
            // Validation defaults it to the carrier.
            transport_document_issuer: String::new(),
        }
    }

    /// The containers of the message the consignment's goods are placed in (SGP), in EQD order;
    /// a message of one consignment and no SGP carries all of them.
    fn containers(&self, consignment: &cuscar::Consignment) -> Vec<&'m Equipment> {
        let placed: Vec<&str> = consignment
            .goods
            .iter()
            .flat_map(|item| &item.placements)
            .map(|placement| placement.equipment.as_str())
            .collect();
        let only = self.message.consignments.len() == 1 && placed.is_empty();
        self.message
            .equipment
            .iter()
            .filter(|equipment| is_container(equipment))
            .filter(|equipment| {
                only || equipment
                    .id
                    .as_deref()
                    .is_some_and(|id| placed.contains(&id))
            })
            .collect()
    }

    fn goods_item(&mut self, item: &CuscarItem, containers: &[&Equipment]) -> GoodsItem {
        let sequence_number = match item.number.map(i32::try_from) {
            None => 0,
            Some(Ok(number)) => number,
            Some(Err(_)) => {
                self.warn(
                    item.segment,
                    "GID",
                    WarningKind::InvalidValue {
                        element: 1,
                        component: 1,
                        name: "goods item number",
                    },
                );
                0
            }
        };
        let (package_count, package_type) = match &item.packages {
            None => (0, String::new()),
            Some(packages) => {
                let code = packages.type_code.as_deref().unwrap_or_default();
                let rec21 = code.len() == 2 && code.bytes().all(|b| b.is_ascii_alphanumeric());
                if !code.is_empty() && !rec21 {
                    self.warn(
                        item.segment,
                        "GID",
                        WarningKind::InvalidValue {
                            element: 2,
                            component: 2,
                            name: "package type (not a Recommendation 21 code)",
                        },
                    );
                }
                (
                    packages.count,
                    if rec21 {
                        code.to_owned()
                    } else {
                        String::new()
                    },
                )
            }
        };
        let gross_weight_kg = match item.gross_weight() {
            None => 0.0,
            Some((value, unit)) => kilograms(value, unit).unwrap_or_else(|| {
                self.warn(
                    item.segment,
                    "GID",
                    WarningKind::InvalidValue {
                        element: 3,
                        component: 1,
                        name: "measure unit of the goods item's gross weight (MEA)",
                    },
                );
                0.0
            }),
        };
        let net_weight_kg = item
            .measurements
            .iter()
            .filter(|m| is_net_weight(m))
            .find_map(|m| kilograms(m.value?, m.unit.as_deref()?))
            .unwrap_or_default();
        let dangerous_goods = item
            .dangerous_goods
            .iter()
            .find(|dgs| dgs.class.is_some() || dgs.un_number.is_some())
            .map(|dgs| DangerousGoods {
                un_number: dgs.un_number.clone().unwrap_or_default(),
                r#class: dgs.class.clone().unwrap_or_default(),
                packing_group: String::new(),
            });
        let origin_country = item
            .locations
            .iter()
            .filter(|location| location.qualifier == "27")
            .filter_map(|location| location.code.as_deref())
            .find(|code| is_country_shaped(code))
            .unwrap_or_default()
            .to_owned();
        let mut container_numbers: Vec<String> = Vec::new();
        for placement in &item.placements {
            let known = containers
                .iter()
                .any(|equipment| equipment.id.as_deref() == Some(placement.equipment.as_str()));
            if known && !container_numbers.contains(&placement.equipment) {
                container_numbers.push(placement.equipment.clone());
            }
        }
        GoodsItem {
            sequence_number,
            hs_code: item.hs_code().unwrap_or_default().to_owned(),
            description: joined(&item.description),
            package_count,
            package_type,
            gross_weight_kg,
            net_weight_kg,
            dangerous_goods,
            declared_value: None,
            origin_country,
            marks: joined(&item.marks),
            container_numbers,
        }
    }
}

fn joined(texts: &[gatehouse_formats::Personal<String>]) -> String {
    texts
        .iter()
        .map(|text| text.expose().as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The transport document and its master. A house B/L (RFF BH) has its master in RFF MB, else
/// BM; a house waybill (RFF HWB) in RFF AWB, else MB. Otherwise the reader's
/// [`cuscar::Consignment::transport_document`] and no master.
fn transport_documents(consignment: &cuscar::Consignment) -> (String, String) {
    let reference = |qualifier: &str| {
        consignment
            .details
            .reference(qualifier)
            .and_then(|reference| reference.number.as_ref())
    };
    for (house, masters) in [("BH", ["MB", "BM"]), ("HWB", ["AWB", "MB"])] {
        if let Some(number) = reference(house) {
            let master = masters.iter().find_map(|qualifier| reference(qualifier));
            return (number.expose().clone(), exposed(master));
        }
    }
    (exposed(consignment.transport_document()), String::new())
}

/// NAD: name, the address lines not used as the name and the street, city, postcode, country,
/// identifier (typed EORI when its code list or agency says so, else by the code list as sent),
/// and the first telephone (TE) and e-mail (EM) of its COM.
fn party(party: &cuscar::Party) -> Party {
    let name = exposed(party.name.as_ref());
    let address = party.address.as_ref().map(|address| address.expose());
    let address_lines = address
        .map(|address| {
            let skip = usize::from(address.lines.first() == Some(&name));
            address
                .lines
                .iter()
                .skip(skip)
                .chain(&address.street)
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    let (identifier, identifier_type) = match &party.id {
        None => (String::new(), String::new()),
        Some(id) => {
            let eori = [&id.code_list, &id.agency].iter().any(|code| {
                code.as_deref()
                    .is_some_and(|c| c.eq_ignore_ascii_case("EORI"))
            });
            let scheme = if eori {
                "EORI".to_owned()
            } else {
                id.code_list.clone().unwrap_or_default()
            };
            (id.value.expose().clone(), scheme)
        }
    };
    let contact = |channel: &str| {
        party
            .contacts
            .iter()
            .find(|contact| contact.channel.as_deref() == Some(channel))
            .map(|contact| contact.number.expose().clone())
            .unwrap_or_default()
    };
    Party {
        name,
        address_lines,
        city: address
            .and_then(|address| address.city.clone())
            .unwrap_or_default(),
        postcode: address
            .and_then(|address| address.postal_code.clone())
            .unwrap_or_default(),
        country: party.country.clone().unwrap_or_default(),
        identifier,
        identifier_type,
        phone: contact("TE"),
        email: contact("EM"),
    }
}

fn container(equipment: &Equipment) -> Container {
    Container {
        number: equipment.id.clone().unwrap_or_default(),
        size_type: equipment.size_type.clone().unwrap_or_default(),
        seal_numbers: equipment.seals.clone(),
        empty: equipment.loading == Some(Loading::Empty),
        gross_weight_kg: equipment
            .measurements
            .iter()
            .filter(|m| m.is_gross_weight())
            .find_map(|m| kilograms(m.value?, m.unit.as_deref()?))
            .unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use gatehouse_formats::edifact::{ControlCounts, ReadOptions};
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

    /// The D95B sample's UNT count is stale.
    const LENIENT: ReadOptions = ReadOptions {
        control_counts: ControlCounts::Warn,
    };

    fn map_text(text: &str) -> Vec<(CargoManifest, Vec<Warning>)> {
        let interchange = cuscar::parse_interchange_with(text, LENIENT).unwrap();
        interchange
            .messages
            .iter()
            .map(|message| to_manifest(&interchange.header, message.as_ref().unwrap()))
            .collect()
    }

    fn mapped(name: &str) -> Option<Vec<(CargoManifest, Vec<Warning>)>> {
        let Some(text) = fixture::text("cuscar", name) else {
            eprintln!("GATEHOUSE_FIXTURES is not set: CUSCAR fixtures skipped");
            return None;
        };
        Some(map_text(&text))
    }

    fn validated(
        manifest: &CargoManifest,
    ) -> Result<validate::ValidManifest, gatehouse_platform::error::FieldViolations> {
        validate::validate(
            SubmitManifestRequest {
                message_id: "cuscar-test".into(),
                manifest: Some(manifest.clone()),
            },
            "test-customs",
            &Limits::default(),
        )
    }

    /// The refused fields and their reasons.
    fn refusals(manifest: &CargoManifest) -> Vec<(String, String)> {
        let Err(violations) = validated(manifest) else {
            panic!("the manifest was accepted");
        };
        violations
            .iter()
            .map(|(field, reason)| (field.to_owned(), reason.to_owned()))
            .collect()
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(field, reason)| ((*field).to_owned(), (*reason).to_owned()))
            .collect()
    }

    /// (segment, tag, kind) of each warning.
    fn warned(list: &[Warning]) -> Vec<(usize, &str, WarningKind)> {
        list.iter()
            .map(|w| (w.segment, w.tag.as_str(), w.kind.clone()))
            .collect()
    }

    fn seconds(manifest: &CargoManifest) -> Option<i64> {
        manifest.estimated_arrival.as_ref().map(|at| at.seconds)
    }

    const FUNCTION_NOT_MAPPED: WarningKind = WarningKind::InvalidElement {
        element: 3,
        name: "message function code",
    };
    const NO_MODE: (&str, &str) = ("manifest.mode", "is required");
    const NO_VOYAGE: (&str, &str) = ("manifest.voyage_number", "is required");
    const NO_DISCHARGE: (&str, &str) = (
        "manifest.port_of_discharge",
        "is required when place_of_entry is not given",
    );
    const NO_DOCUMENT: (&str, &str) = (
        "manifest.consignments[0].transport_document_number",
        "is required",
    );

    /// D95B (Sri Lanka profile): no TDT, no CNI, no discharge port, no B/L number. What is there
    /// maps; validation refuses what is missing, field by field.
    #[test]
    fn d95b_maps_what_it_has_and_is_refused_for_what_it_lacks() {
        let Some(manifests) = mapped("95b_cuscar.edi") else {
            return;
        };
        let [(manifest, warnings)] = &manifests[..] else {
            panic!("one message expected");
        };
        assert_eq!(manifest.manifest_ref, "XXA0037WXXA2042137");
        assert_eq!(manifest.mode, TransportMode::Unspecified as i32);
        // No TDT and no NAD CA: the UNB sender.
        assert_eq!(
            (manifest.carrier.as_str(), manifest.sender.as_str()),
            ("HXXN", "HXXN")
        );
        assert_eq!(manifest.voyage_number, "");
        // RFF AEL, check digit valid.
        let conveyance = manifest.conveyance.as_ref().unwrap();
        assert_eq!(conveyance.imo_number, "9235103");
        assert_eq!(manifest.port_of_loading, "LKCMB");
        assert_eq!(manifest.port_of_discharge, "");
        // Only DTM 178 (actual arrival), 2010-06-14, read as UTC midnight.
        assert_eq!(seconds(manifest), Some(1_276_473_600));
        assert_eq!(manifest.function, MessageFunction::Original as i32);

        let [consignment] = &manifest.consignments[..] else {
            panic!("one implied consignment expected");
        };
        assert_eq!(consignment.transport_document_number, "");
        let items: Vec<_> = consignment
            .goods_items
            .iter()
            .map(|item| {
                (
                    item.sequence_number,
                    item.package_count,
                    item.package_type.as_str(),
                    item.gross_weight_kg,
                    item.description.as_str(),
                )
            })
            .collect();
        assert_eq!(
            items,
            [
                (1, 286, "CT", 717.0, "BLAH BLAH BLAH"),
                (1, 287, "CT", 717.0, "BLAH BLAH BLAH")
            ]
        );
        // SGP names equipment no EQD declares: no container, none named by the goods.
        assert!(consignment.containers.is_empty());
        assert!(
            consignment
                .goods_items
                .iter()
                .all(|item| item.container_numbers.is_empty())
        );
        assert_eq!(
            (consignment.gross_weight_kg, consignment.package_count),
            (1434.0, 573)
        );

        assert_eq!(
            warned(warnings),
            [
                (2, "UNH", WarningKind::MissingSegment { tag: "TDT" }),
                (3, "BGM", FUNCTION_NOT_MAPPED),
                (12, "GID", WarningKind::MissingSegment { tag: "CNI" }),
            ]
        );
        let shown: Vec<String> = warnings.iter().map(ToString::to_string).collect();
        assert!(shown.iter().all(|w| !w.contains("2042137")), "{shown:?}");
        assert_eq!(
            refusals(manifest),
            pairs(&[NO_MODE, NO_VOYAGE, NO_DISCHARGE, NO_DOCUMENT])
        );
    }

    /// D99A (MOL, two reports of one call): TDT 13 without a mode or voyage, RFF+0 for the B/L.
    #[test]
    fn d99a_reports_map_but_lack_mode_voyage_discharge_and_bill_of_lading() {
        let Some(manifests) = mapped("99a_cuscar.edi") else {
            return;
        };
        let expected = [
            (10, 3, 13, "CNYTN", 4375, "CT", 10_062.5, "HOT AIR BRUSH"),
            (31, 24, 34, "KRPUS", 19, "", 19_950.0, "TISSUE PAPER"),
        ];
        assert_eq!(manifests.len(), 2);
        for ((manifest, warnings), (tdt, bgm, cni, loading, packages, kind, kg, goods)) in
            manifests.iter().zip(expected)
        {
            assert_eq!(manifest.mode, TransportMode::Unspecified as i32);
            assert_eq!(manifest.carrier, "SENDER");
            assert_eq!(manifest.conveyance.as_ref().unwrap().name, "3EPF4");
            assert_eq!(manifest.conveyance.as_ref().unwrap().imo_number, "");
            assert_eq!(manifest.port_of_loading, loading);
            // DTM 132 of the TDT group: 2010-04-29.
            assert_eq!(seconds(manifest), Some(1_272_499_200));
            let consignment = &manifest.consignments[0];
            assert_eq!(consignment.transport_document_number, "");
            let item = &consignment.goods_items[0];
            assert_eq!(
                (
                    item.sequence_number,
                    item.package_count,
                    item.package_type.as_str()
                ),
                (0, packages, kind)
            );
            assert_eq!(item.gross_weight_kg, kg);
            assert_eq!(consignment.gross_weight_kg, kg);
            assert!(item.description.starts_with(goods));
            assert_eq!(
                warned(warnings),
                [
                    (bgm, "BGM", FUNCTION_NOT_MAPPED),
                    (
                        tdt,
                        "TDT",
                        WarningKind::MissingElement {
                            element: 3,
                            name: "mode of transport"
                        }
                    ),
                    (
                        cni,
                        "CNI",
                        WarningKind::MissingElement {
                            element: 2,
                            name: "transport document number"
                        }
                    ),
                ]
            );
            assert_eq!(
                refusals(manifest),
                pairs(&[NO_MODE, NO_VOYAGE, NO_DISCHARGE, NO_DOCUMENT])
            );
        }
    }

    /// D03B (US ACE truck): road, carrier from NAD CA, places in US codes (no UN/LOCODE), a
    /// bulk-instrument EQD rather than a container.
    #[test]
    fn d03b_ace_truck_maps_and_lacks_trip_number_and_un_locodes() {
        let Some(manifests) = mapped("d03b_CUSCAR_message_01.edi") else {
            return;
        };
        let [(manifest, warnings)] = &manifests[..] else {
            panic!("one message expected");
        };
        assert_eq!(manifest.mode, TransportMode::Road as i32);
        assert_eq!(manifest.carrier, "LOCK");
        assert_eq!(manifest.sender, "LOCK");
        assert_eq!(manifest.manifest_ref, "LOCKKH04112206");
        assert_eq!(manifest.conveyance.as_ref().unwrap().name, "10000324");
        // LOC 60 is a Schedule D code: left out, and no discharge port to fall back on.
        assert_eq!(manifest.place_of_entry, "");
        // DTM 132 200412301200 (format 203): 2004-12-30T12:00Z.
        assert_eq!(seconds(manifest), Some(1_104_408_000));

        let [consignment] = &manifest.consignments[..] else {
            panic!("one consignment expected");
        };
        // RFF AAM, as the reader finds it.
        assert_eq!(consignment.transport_document_number, "LOCKKH041122106");
        assert_eq!(consignment.master_document_number, "");
        let consignee = consignment.consignee.as_ref().unwrap();
        assert_eq!(
            (
                consignee.name.as_str(),
                consignee.city.as_str(),
                consignee.postcode.as_str(),
                consignee.country.as_str(),
                consignee.phone.as_str(),
            ),
            ("KATHY SMITH", "BELTSVILLE", "20708", "US", "8005551212")
        );
        assert_eq!(consignee.address_lines, ["1234 MAIN STREET"]);
        assert_eq!(
            (
                consignee.identifier.as_str(),
                consignee.identifier_type.as_str()
            ),
            ("65424", "109")
        );
        // The header's NAD CA, with no country.
        let carrier = consignment.carrier.as_ref().unwrap();
        assert_eq!(
            (
                carrier.identifier.as_str(),
                carrier.identifier_type.as_str()
            ),
            ("LOCK", "172")
        );
        assert_eq!(carrier.city, "RESTON");
        assert_eq!(carrier.country, "");
        assert_eq!(carrier.address_lines.len(), 2);
        let [item] = &consignment.goods_items[..] else {
            panic!("one goods item expected");
        };
        assert_eq!(item.description, "IRON COIL SHEET METAL");
        // PAC `COL` is no Recommendation 21 code; MEA `K` is kilograms.
        assert_eq!(
            (
                item.package_count,
                item.package_type.as_str(),
                item.gross_weight_kg
            ),
            (158, "", 750.0)
        );
        assert!(consignment.containers.is_empty());
        assert!(item.container_numbers.is_empty());
        assert_eq!(
            (consignment.gross_weight_kg, consignment.package_count),
            (750.0, 158)
        );

        let not_a_locode = WarningKind::InvalidValue {
            element: 2,
            component: 1,
            name: "location identifier (not a UN/LOCODE)",
        };
        assert_eq!(
            warned(warnings),
            [
                (4, "BGM", FUNCTION_NOT_MAPPED),
                (6, "LOC", not_a_locode.clone()),
                (
                    12,
                    "EQD",
                    WarningKind::InvalidElement {
                        element: 1,
                        name: "equipment type code qualifier (not a container)"
                    }
                ),
                (20, "LOC", not_a_locode),
                (
                    35,
                    "GID",
                    WarningKind::InvalidValue {
                        element: 2,
                        component: 2,
                        name: "package type (not a Recommendation 21 code)"
                    }
                ),
            ]
        );
        assert_eq!(refusals(manifest), pairs(&[NO_VOYAGE, NO_DISCHARGE]));
    }

    /// Whatever the reader makes of a damaged fixture maps without panicking.
    #[test]
    fn damaged_fixtures_map_without_panicking() {
        let mut mapped_messages = 0;
        for name in [
            "95b_cuscar.edi",
            "99a_cuscar.edi",
            "d03b_CUSCAR_message_01.edi",
        ] {
            let Some(text) = fixture::text("cuscar", name) else {
                return;
            };
            let chars: Vec<char> = text.chars().collect();
            for at in (0..chars.len()).step_by(3) {
                for replacement in ['\'', '+', ':', '?', '9', 'X'] {
                    let mut damaged = chars.clone();
                    damaged[at] = replacement;
                    let damaged: String = damaged.into_iter().collect();
                    let Ok(interchange) = cuscar::parse_interchange_with(&damaged, LENIENT) else {
                        continue;
                    };
                    for message in interchange.messages.iter().flatten() {
                        let (manifest, _) = to_manifest(&interchange.header, message);
                        // Validation must answer too, whatever the mapping gave.
                        let _ = validated(&manifest);
                        mapped_messages += 1;
                    }
                }
            }
        }
        assert!(mapped_messages > 100, "{mapped_messages}");
    }

    /// A complete sea report: a house B/L with its master, EORI and TIN parties, two goods items
    /// (one in pounds, one dangerous, in tonnes) in one container.
    fn synthetic(function: &str) -> String {
        let digit = gatehouse_checks::container::check_digit("CSQU305438").unwrap();
        let container = format!("CSQU305438{digit}");
        [
            "UNB+UNOC:3+MSCU+MECUSTOMS+260314:0600+REF1".to_owned(),
            "UNH+1+CUSCAR:D:03B:UN".to_owned(),
            format!("BGM+785+BAR025W+{function}"),
            "TDT+20+025W+1++MSCU:172:20+++9074729:146:11:MSC ADRIATIC:MT".to_owned(),
            "LOC+9+ITBRI:139:6".to_owned(),
            "LOC+11+MEBAR:139:6".to_owned(),
            "DTM+133:202603131600:203".to_owned(),
            "DTM+132:202603140600:203".to_owned(),
            format!("EQD+CN+{container}+22G1+++5"),
            "SEL+MLIT4412801".to_owned(),
            "MEA+AAE+G+KGM:20600".to_owned(),
            "CNI+1+MEDUBR123456".to_owned(),
            "RFF+BH:MEDUBR123456".to_owned(),
            "RFF+MB:MSCUBR000001".to_owned(),
            "LOC+9+IT BRI".to_owned(),
            "LOC+92+IT".to_owned(),
            "LOC+92+AL".to_owned(),
            "NAD+CZ+IT01234567890:EORI++CERAMICHE ADRIATICHE SRL+VIA NAPOLI 12+BARI++70123+IT"
                .to_owned(),
            "NAD+CN+02345678:TIN++PRIMORKA DOO++BAR+++ME".to_owned(),
            "GID+1+20:PX".to_owned(),
            "FTX+AAA+++PORCELAIN FLOOR TILES, GLAZED".to_owned(),
            "PIA+5+690721:HS".to_owned(),
            "MEA+WT+G+LBR:40565".to_owned(),
            "PCI+24+CA/BAR 1-20".to_owned(),
            format!("SGP+{container}+20"),
            "GID+2+5:DR".to_owned(),
            "FTX+AAA+++ALKYD RESIN PAINT IN STEEL DRUMS".to_owned(),
            "PIA+5+320810:HS".to_owned(),
            "MEA+WT+G+TNE:0.5".to_owned(),
            "DGS+IMD+3+1263".to_owned(),
            format!("SGP+{container}+5"),
            "UNT+32+1".to_owned(),
            "UNZ+1+REF1".to_owned(),
        ]
        .join("'")
            + "'"
    }

    fn synthetic_manifest(function: &str) -> (CargoManifest, Vec<Warning>) {
        let mut manifests = map_text(&synthetic(function));
        assert_eq!(manifests.len(), 1);
        manifests.remove(0)
    }

    #[test]
    fn a_complete_report_maps_every_field_and_is_accepted() {
        let (manifest, warnings) = synthetic_manifest("9");
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(
            (
                manifest.mode,
                manifest.carrier.as_str(),
                manifest.voyage_number.as_str(),
                manifest.port_of_loading.as_str(),
                manifest.port_of_discharge.as_str(),
                manifest.place_of_entry.as_str(),
            ),
            (
                TransportMode::Sea as i32,
                "MSCU",
                "025W",
                "ITBRI",
                "MEBAR",
                "MEBAR"
            )
        );
        let conveyance = manifest.conveyance.clone().unwrap();
        assert_eq!(
            (
                conveyance.name.as_str(),
                conveyance.imo_number.as_str(),
                conveyance.nationality.as_str()
            ),
            ("MSC ADRIATIC", "9074729", "MT")
        );
        // 2026-03-14T06:00Z and 2026-03-13T16:00Z.
        assert_eq!(seconds(&manifest), Some(1_773_468_000));
        assert_eq!(
            manifest.estimated_departure.as_ref().map(|at| at.seconds),
            Some(1_773_417_600)
        );
        let consignment = &manifest.consignments[0];
        assert_eq!(
            (
                consignment.transport_document_number.as_str(),
                consignment.master_document_number.as_str(),
                consignment.transport_document_issuer.as_str(),
            ),
            ("MEDUBR123456", "MSCUBR000001", "")
        );
        // Its LOC 9 is the manifest's, spaced: not repeated.
        assert_eq!(consignment.port_of_loading, "");
        assert_eq!(consignment.countries_of_routing, ["IT", "AL"]);
        let consignor = consignment.consignor.as_ref().unwrap();
        assert_eq!(
            (
                consignor.identifier_type.as_str(),
                consignor.country.as_str(),
                consignor.address_lines.as_slice()
            ),
            ("EORI", "IT", ["VIA NAPOLI 12".to_owned()].as_slice())
        );
        let consignee = consignment.consignee.as_ref().unwrap();
        assert_eq!(
            (
                consignee.identifier_type.as_str(),
                consignee.country.as_str()
            ),
            ("TIN", "ME")
        );
        let [container] = &consignment.containers[..] else {
            panic!("one container expected");
        };
        assert!(container.number.starts_with("CSQU305438"));
        assert_eq!(
            (
                container.size_type.as_str(),
                container.seal_numbers.as_slice(),
                container.empty,
                container.gross_weight_kg
            ),
            (
                "22G1",
                ["MLIT4412801".to_owned()].as_slice(),
                false,
                20_600.0
            )
        );
        let [tiles, paint] = &consignment.goods_items[..] else {
            panic!("two goods items expected");
        };
        assert_eq!(tiles.hs_code, "690721");
        assert_eq!(tiles.marks, "CA/BAR 1-20");
        assert!(
            (tiles.gross_weight_kg - 18_400.0).abs() < 0.5,
            "{}",
            tiles.gross_weight_kg
        );
        assert_eq!(
            tiles.container_numbers,
            std::slice::from_ref(&container.number)
        );
        assert_eq!(paint.gross_weight_kg, 500.0);
        let dangerous = paint.dangerous_goods.as_ref().unwrap();
        assert_eq!(
            (dangerous.r#class.as_str(), dangerous.un_number.as_str()),
            ("3", "1263")
        );
        assert_eq!(consignment.package_count, 25);
        assert!((consignment.gross_weight_kg - 18_900.0).abs() < 0.5);

        let valid = validated(&manifest).unwrap();
        assert_eq!(valid.function, MessageFunction::Original);
        let stored = &valid.manifest.consignments[0];
        // Validation defaults the issuer to the carrier and gives countries in alpha-3.
        assert_eq!(stored.transport_document_issuer, "MSCU");
        assert_eq!(stored.countries_of_routing, ["ITA", "ALB"]);
        assert_eq!(stored.consignee.as_ref().unwrap().country, "MNE");
    }

    #[test]
    fn function_codes_map_to_the_contract() {
        for (code, function, consignments) in [
            ("5", MessageFunction::Replace, 1),
            ("4", MessageFunction::Update, 1),
            ("2", MessageFunction::Update, 1),
            // The whole report withdrawn: a CANCEL naming no consignment.
            ("1", MessageFunction::Cancel, 0),
            // Deletion of the consignments it names.
            ("3", MessageFunction::Cancel, 1),
        ] {
            let (manifest, warnings) = synthetic_manifest(code);
            assert!(warnings.is_empty(), "{code}: {warnings:?}");
            assert_eq!(manifest.function, function as i32, "{code}");
            assert_eq!(manifest.consignments.len(), consignments, "{code}");
            let valid = validated(&manifest).unwrap();
            assert_eq!(valid.function, function, "{code}");
            assert_eq!(valid.manifest.consignments.len(), consignments, "{code}");
        }
        // A cancel keeps only the consignment's key.
        let valid = validated(&synthetic_manifest("3").0).unwrap();
        let key = &valid.manifest.consignments[0];
        assert_eq!(key.transport_document_number, "MEDUBR123456");
        assert!(key.goods_items.is_empty());
        // A profile's own code: ORIGINAL, with a warning naming BGM element 3.
        let (manifest, warnings) = synthetic_manifest("VSA");
        assert_eq!(manifest.function, MessageFunction::Original as i32);
        assert_eq!(warned(&warnings), [(3, "BGM", FUNCTION_NOT_MAPPED)]);
    }
}
