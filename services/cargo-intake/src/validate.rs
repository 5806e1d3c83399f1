//! Checks a cargo manifest field by field and normalises it (codes uppercased and in their
//! canonical form, names trimmed), so that everything stored and published downstream is
//! well-formed and bounded: a manifest that passes here always fits in its `ManifestAccepted`
//! event, so nothing accepted can get stuck in the outbox.
//!
//! What is malformed is refused; what is well-formed but unknown to the reference lists of
//! `gatehouse_checks` (a port, airport or country code, an HS subheading) or implausible (a vague
//! description, an impossible weight per package) is stored with a [`RecordWarning`]: a code
//! missing from a list may be new rather than wrong, and refusing would drop goods that are on
//! the ship.
//!
//! Messages name the field and the rule (and the limit), never the submitted value.

use std::collections::HashMap;

use gatehouse_checks::{
    AirWaybillNumber, ContainerNumber, HsCode, ImoNumber, UnNumber, airline, airport,
    awb::AwbError,
    container::ContainerError,
    country,
    goods::{
        ContainerLength, DeclaredValue, GoodsDeclaration, GoodsField, GoodsPolicy, GoodsWarning,
        check_goods,
    },
    hs::HsError,
    imo::ImoError,
    unlocode::{self, UnlocodeError},
};
use gatehouse_platform::error::FieldViolations;
use gatehouse_proto::v1::{
    CargoManifest, Consignment, ConsignmentRecord, Container, Conveyance, DangerousGoods,
    FreightPaymentMethod, GoodsItem, ManifestAccepted, MessageFunction, Money, Party, PartyHistory,
    RecordWarning, SubmitManifestRequest, TransportMode,
};
use prost::Message;

/// Most consignments one manifest may carry: a large container ship's call is a few thousand
/// bills of lading.
pub const MAX_CONSIGNMENTS: usize = 10_000;
/// Most goods items per consignment (the item numbers of CUSCAR and ICS2 have three digits).
pub const MAX_GOODS_ITEMS: usize = 999;
/// Most containers or ULDs per consignment.
pub const MAX_CONTAINERS: usize = 999;
pub const MAX_SEALS: usize = 20;
pub const MAX_SEAL: usize = 35;
pub const MAX_MESSAGE_ID: usize = gatehouse_platform::intake::MAX_MESSAGE_ID;
pub const MAX_MANIFEST_REF: usize = 35;
pub const MAX_SENDER: usize = 64;
/// An EORI, the longest carrier code, has 17 characters.
pub const MAX_CARRIER: usize = 17;
pub const MAX_VOYAGE_NUMBER: usize = 17;
pub const MAX_CONVEYANCE_NAME: usize = 70;
/// Call signs, vehicle and trailer registrations, train numbers.
pub const MAX_REGISTRATION: usize = 17;
pub const MAX_TRAILERS: usize = 5;
pub const MAX_DOCUMENT_NUMBER: usize = 35;
pub const MAX_ISSUER: usize = 35;
pub const MAX_PARTY_NAME: usize = 200;
pub const MAX_ADDRESS_LINES: usize = 5;
pub const MAX_ADDRESS_LINE: usize = 100;
pub const MAX_CITY: usize = 100;
pub const MAX_POSTCODE: usize = 17;
pub const MAX_PHONE: usize = 35;
pub const MAX_EMAIL: usize = 254;
pub const MAX_IDENTIFIER: usize = 35;
pub const MAX_IDENTIFIER_TYPE: usize = 10;
pub const MAX_DESCRIPTION: usize = 512;
pub const MAX_MARKS: usize = 512;
pub const MAX_ROUTING_COUNTRIES: usize = 30;
pub const MAX_TRANSIT_PORTS: usize = 30;
/// Most warnings one manifest carries; one more says how many were left out.
pub const MAX_WARNINGS: usize = 50;
/// A consignment id in the event is a UUID in its 36-character text form.
const CONSIGNMENT_ID_CHARS: usize = 36;

/// Identifier schemes parties are known to be named by; another is stored with a warning.
const IDENTIFIER_TYPES: &[&str] = &[
    "EORI", "TIN", "VAT", "SCAC", "DUNS", "GLN", "LEI", "AEO", "IATA", "OTHER",
];

/// Limits that depend on the deployment.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest encoded `ManifestAccepted` the bus accepts (server payload limit less headroom).
    pub max_event_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_event_bytes: 900 * 1024,
        }
    }
}

/// A manifest that passed validation.
#[derive(Debug, Clone)]
pub struct ValidManifest {
    pub message_id: String,
    /// Normalised; a CANCEL keeps only the keys (document number and issuer) of the
    /// consignments it names, and withdraws the whole manifest when it names none.
    pub manifest: CargoManifest,
    /// ORIGINAL for an unspecified function.
    pub function: MessageFunction,
    /// What is suspicious but stored, at most [`MAX_WARNINGS`] and a count of the rest.
    pub warnings: Vec<RecordWarning>,
    /// Waybills to keep on file (an FWB, an FHL), not a movement: see [`validate_waybills`].
    pub on_file: bool,
}

/// Validates a manifest submitted by `agency` (which its event carries, so it counts towards the
/// event size).
pub fn validate(
    request: SubmitManifestRequest,
    agency: &str,
    limits: &Limits,
) -> Result<ValidManifest, FieldViolations> {
    let mut check = Check::default();
    let message_id = request.message_id.trim().to_owned();
    if message_id.is_empty() {
        check
            .v
            .add("message_id", "is required (client idempotency key)");
    } else {
        check.max_chars(&message_id, MAX_MESSAGE_ID, "message_id");
    }
    let Some(mut manifest) = request.manifest else {
        check.v.add("manifest", "is required");
        return Err(check.v);
    };
    let function = match MessageFunction::try_from(manifest.function) {
        Ok(MessageFunction::Unspecified) => MessageFunction::Original,
        Ok(function) => function,
        Err(_) => {
            check.v.add("manifest.function", "unknown message function");
            MessageFunction::Original
        }
    };
    manifest.function = function as i32;
    let cancel = function == MessageFunction::Cancel;
    if manifest.consignments.len() > MAX_CONSIGNMENTS {
        // Refused as a whole: checking thousands of consignments would only bury this.
        check.v.add_limit(
            "manifest.consignments",
            format!("at most {MAX_CONSIGNMENTS} consignments per manifest"),
        );
        return Err(check.v);
    }
    if manifest.consignments.is_empty() && !cancel {
        check.v.add(
            "manifest.consignments",
            "at least one consignment is required",
        );
    }
    check.mode = match TransportMode::try_from(manifest.mode) {
        Ok(TransportMode::Unspecified) => {
            check.v.add("manifest.mode", "is required");
            Mode::Unknown
        }
        Ok(TransportMode::Air) => Mode::Air,
        Ok(TransportMode::Sea | TransportMode::Road | TransportMode::Rail) => Mode::Surface,
        Err(_) => {
            check.v.add("manifest.mode", "unknown transport mode");
            Mode::Unknown
        }
    };
    check.header(&mut manifest);
    let carrier = manifest.carrier.clone();
    for (i, consignment) in manifest.consignments.iter_mut().enumerate() {
        let path = format!("manifest.consignments[{i}]");
        if cancel {
            // A cancel withdraws consignments by key: nothing else of them is stored or sent.
            *consignment = Consignment {
                transport_document_number: std::mem::take(
                    &mut consignment.transport_document_number,
                ),
                transport_document_issuer: std::mem::take(
                    &mut consignment.transport_document_issuer,
                ),
                ..Default::default()
            };
            check.consignment_key(consignment, &path, &carrier, false);
        } else {
            check.consignment(consignment, &path, &carrier);
        }
    }
    check.duplicate_keys(&manifest.consignments);
    let Check { v, w, .. } = check;
    v.into_result()?;
    let valid = ValidManifest {
        message_id,
        manifest,
        function,
        warnings: w.finish(),
        on_file: false,
    };
    let size = encoded_len_bound(agency, &valid);
    if size > limits.max_event_bytes {
        let mut v = FieldViolations::new();
        v.add_limit(
            "manifest",
            format!(
                "the manifest's event would be {size} bytes, over the limit of {} bytes: \
                 send the consignments in several UPDATE messages",
                limits.max_event_bytes
            ),
        );
        return Err(v);
    }
    Ok(valid)
}

/// Validates waybills to keep on file (an FWB's master, an FHL's houses), which name no movement:
/// each consignment is checked as an air consignment (paths `consignments[i]…`), its issuer
/// from its number. The result is a [`ValidManifest`] of mode AIR with only consignments, its
/// `on_file` set.
pub fn validate_waybills(
    message_id: &str,
    consignments: Vec<Consignment>,
    agency: &str,
    limits: &Limits,
) -> Result<ValidManifest, FieldViolations> {
    let mut check = Check {
        mode: Mode::Air,
        ..Check::default()
    };
    let message_id = message_id.trim().to_owned();
    check.max_chars(&message_id, MAX_MESSAGE_ID, "message_id");
    if consignments.is_empty() {
        check
            .v
            .add("consignments", "at least one waybill is required");
    } else if consignments.len() > MAX_CONSIGNMENTS {
        check.v.add_limit(
            "consignments",
            format!("at most {MAX_CONSIGNMENTS} waybills per message"),
        );
        return Err(check.v);
    }
    let mut manifest = CargoManifest {
        mode: TransportMode::Air as i32,
        consignments,
        ..CargoManifest::default()
    };
    for (i, consignment) in manifest.consignments.iter_mut().enumerate() {
        check.consignment(consignment, &format!("consignments[{i}]"), "");
    }
    check.duplicate_keys(&manifest.consignments);
    let Check { v, w, .. } = check;
    v.into_result()?;
    let valid = ValidManifest {
        message_id,
        manifest,
        function: MessageFunction::Original,
        warnings: w.finish(),
        on_file: true,
    };
    // Kept within an event's size too: a flight manifest listing them carries them.
    let size = encoded_len_bound(agency, &valid);
    if size > limits.max_event_bytes {
        let mut v = FieldViolations::new();
        v.add_limit(
            "consignments",
            format!(
                "the waybills would be {size} bytes in an event, over the limit of {} bytes",
                limits.max_event_bytes
            ),
        );
        return Err(v);
    }
    Ok(valid)
}

/// At least the encoded length of the manifest's `ManifestAccepted`, whatever ids, instant,
/// versions and party histories storing gives it: every id is a UUID of fixed length, and a
/// consignment's record is bounded ([`max_consignment_record`]).
pub fn encoded_len_bound(agency: &str, valid: &ValidManifest) -> usize {
    let id = "0".repeat(CONSIGNMENT_ID_CHARS);
    let skeleton = ManifestAccepted {
        event_id: id.clone(),
        occurred_at: Some(max_timestamp()),
        manifest_id: id.clone(),
        message_id: valid.message_id.clone(),
        agency: agency.to_owned(),
        manifest: None,
        consignment_ids: Vec::new(),
        version: u32::MAX,
        consignment_records: Vec::new(),
        warnings: valid.warnings.clone(),
    };
    let per_consignment = prost::encoding::string::encoded_len(7, &id)
        + prost::encoding::message::encoded_len(9, &max_consignment_record());
    skeleton.encoded_len()
        + prost::encoding::message::encoded_len(6, &valid.manifest)
        + valid.manifest.consignments.len() * per_consignment
}

/// The largest `ConsignmentRecord` storing can give: both party histories with every field at
/// its widest (as many earlier countries as intake keeps).
fn max_consignment_record() -> ConsignmentRecord {
    let history = PartyHistory {
        first_seen: true,
        previous_consignments: i32::MIN,
        earlier_origin_countries: vec!["XXX".into(); crate::batch::MAX_ORIGINS],
        first_seen_at: Some(max_timestamp()),
    };
    ConsignmentRecord {
        consignment_id: "0".repeat(CONSIGNMENT_ID_CHARS),
        version: u32::MAX,
        consignee_history: Some(history.clone()),
        consignor_history: Some(history),
    }
}

fn max_timestamp() -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: i64::MAX,
        nanos: 999_999_999,
    }
}

/// Which code lists the manifest's ports, documents and equipment follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Mode {
    /// IATA airports, air waybills, ULDs.
    Air,
    /// Sea, road, rail: UN/LOCODEs, bills of lading and CMR/CIM notes, ISO 6346 containers.
    Surface,
    /// Mode missing or unknown (already a violation): either form is accepted, so that the other
    /// violations are about the fields themselves.
    #[default]
    Unknown,
}

#[derive(Default)]
struct Check {
    v: FieldViolations,
    w: Warnings,
    mode: Mode,
}

impl Check {
    fn header(&mut self, manifest: &mut CargoManifest) {
        manifest.manifest_ref = manifest.manifest_ref.trim().to_owned();
        self.max_chars(
            &manifest.manifest_ref,
            MAX_MANIFEST_REF,
            "manifest.manifest_ref",
        );
        manifest.sender = manifest.sender.trim().to_owned();
        self.max_chars(&manifest.sender, MAX_SENDER, "manifest.sender");
        manifest.carrier = manifest.carrier.trim().to_ascii_uppercase();
        if manifest.carrier.is_empty() {
            self.v.add("manifest.carrier", "is required");
        } else if manifest.carrier.len() > MAX_CARRIER || !is_alphanumeric(&manifest.carrier) {
            self.v.add(
                "manifest.carrier",
                format!(
                    "must be an airline designator, SCAC or EORI: at most {MAX_CARRIER} letters \
                     and digits"
                ),
            );
        } else if self.mode == Mode::Air
            && manifest.carrier.len() <= 3
            && !airline::is_airline(&manifest.carrier)
        {
            self.w.add(
                "manifest.carrier".into(),
                "unknown_airline",
                "not a listed IATA or ICAO airline designator".into(),
            );
        }
        let air = self.mode == Mode::Air;
        manifest.voyage_number = if air {
            // "LH 8402" and "LH8402" are the same flight.
            manifest
                .voyage_number
                .split_whitespace()
                .collect::<String>()
                .to_ascii_uppercase()
        } else {
            manifest.voyage_number.trim().to_ascii_uppercase()
        };
        if manifest.voyage_number.is_empty() {
            self.v.add("manifest.voyage_number", "is required");
        } else if air && !is_flight_number(&manifest.voyage_number) {
            self.v.add(
                "manifest.voyage_number",
                "must be a flight number: an optional airline designator, 1-4 digits and an \
                 optional letter",
            );
        } else {
            self.max_chars(
                &manifest.voyage_number,
                MAX_VOYAGE_NUMBER,
                "manifest.voyage_number",
            );
        }
        if let Some(conveyance) = manifest.conveyance.as_mut() {
            self.conveyance(conveyance);
        }
        let by_mode = self.mode != Mode::Surface;
        self.place(
            &mut manifest.port_of_loading,
            "manifest.port_of_loading",
            by_mode,
        );
        self.place(
            &mut manifest.port_of_discharge,
            "manifest.port_of_discharge",
            by_mode,
        );
        self.place(
            &mut manifest.place_of_entry,
            "manifest.place_of_entry",
            by_mode,
        );
        if manifest.port_of_discharge.is_empty() && manifest.place_of_entry.is_empty() {
            self.v.add(
                "manifest.port_of_discharge",
                "is required when place_of_entry is not given",
            );
        }
        match &manifest.estimated_arrival {
            None => self.v.add("manifest.estimated_arrival", "is required"),
            Some(arrival) => self.timestamp(arrival, "manifest.estimated_arrival"),
        }
        if let Some(departure) = &manifest.estimated_departure {
            self.timestamp(departure, "manifest.estimated_departure");
            if let Some(arrival) = &manifest.estimated_arrival
                && (departure.seconds, departure.nanos) > (arrival.seconds, arrival.nanos)
            {
                self.v.add(
                    "manifest.estimated_departure",
                    "must not be after estimated_arrival",
                );
            }
        }
    }

    fn conveyance(&mut self, conveyance: &mut Conveyance) {
        let path = "manifest.conveyance";
        conveyance.name = collapse_spaces(&conveyance.name);
        self.max_chars(
            &conveyance.name,
            MAX_CONVEYANCE_NAME,
            &format!("{path}.name"),
        );
        conveyance.imo_number = conveyance.imo_number.trim().to_ascii_uppercase();
        if !conveyance.imo_number.is_empty() {
            match ImoNumber::parse(&conveyance.imo_number) {
                // Stored as the seven digits the proto names.
                Ok(imo) => conveyance.imo_number = format!("{:07}", imo.value()),
                Err(ImoError::Format) => self.v.add(
                    format!("{path}.imo_number"),
                    "must be an IMO number: seven digits, optionally after \"IMO\"",
                ),
                Err(ImoError::CheckDigit { .. }) => self.v.add(
                    format!("{path}.imo_number"),
                    "check digit (last of the seven) is wrong",
                ),
            }
        }
        conveyance.flight_number = conveyance
            .flight_number
            .split_whitespace()
            .collect::<String>()
            .to_ascii_uppercase();
        if !conveyance.flight_number.is_empty() && !is_flight_number(&conveyance.flight_number) {
            self.v.add(
                format!("{path}.flight_number"),
                "must be an airline designator and a flight number of 1-4 digits and an optional \
                 letter",
            );
        }
        for (field, value) in [
            ("call_sign", &mut conveyance.call_sign),
            ("vehicle_registration", &mut conveyance.vehicle_registration),
            ("train_number", &mut conveyance.train_number),
        ] {
            *value = value.trim().to_ascii_uppercase();
            self.max_chars(value, MAX_REGISTRATION, &format!("{path}.{field}"));
        }
        if conveyance.trailer_registrations.len() > MAX_TRAILERS {
            self.v.add(
                format!("{path}.trailer_registrations"),
                format!("at most {MAX_TRAILERS} trailers"),
            );
        } else {
            for (i, trailer) in conveyance.trailer_registrations.iter_mut().enumerate() {
                *trailer = trailer.trim().to_ascii_uppercase();
                let field = format!("{path}.trailer_registrations[{i}]");
                if trailer.is_empty() {
                    self.v.add(field, "must not be empty");
                } else {
                    self.max_chars(trailer, MAX_REGISTRATION, &field);
                }
            }
        }
        self.country(&mut conveyance.nationality, &format!("{path}.nationality"));
    }

    /// The transport document number and issuer: the consignment's natural key.
    /// `check_format` is off for a cancel, which must be able to name whatever was stored.
    fn consignment_key(
        &mut self,
        consignment: &mut Consignment,
        path: &str,
        carrier: &str,
        check_format: bool,
    ) {
        let field = format!("{path}.transport_document_number");
        let number = &mut consignment.transport_document_number;
        *number = number.trim().to_ascii_uppercase();
        // A house consignment's number is the forwarder's own; its master is the air waybill.
        let house = !consignment.master_document_number.trim().is_empty();
        let waybill = self.mode == Mode::Air && !house;
        if number.is_empty() {
            self.v.add(field, "is required");
        } else if waybill && check_format {
            self.air_waybill(number, &field);
        } else {
            if waybill && let Ok(awb) = AirWaybillNumber::parse(number) {
                *number = awb.to_string();
            }
            self.max_chars(number, MAX_DOCUMENT_NUMBER, &field);
        }
        let issuer = &mut consignment.transport_document_issuer;
        *issuer = issuer.trim().to_ascii_uppercase();
        if issuer.is_empty() {
            // An air waybill's number names its issuer: the airline prefix, whichever carrier
            // flies it, so the FWB and every flight's FFM give the same key. A house number is
            // the forwarder's own, unique within its consolidation: the master's number.
            let awb = |value: &str| AirWaybillNumber::parse(value.trim()).ok();
            let derived = match self.mode {
                Mode::Air if house => {
                    awb(&consignment.master_document_number).map(|m| m.to_string())
                }
                Mode::Air => awb(number).map(crate::keys::air_waybill_issuer),
                _ => None,
            };
            // Empty only when the carrier, the number or the master is refused already.
            *issuer = derived.unwrap_or_else(|| carrier.to_owned());
        }
        self.max_chars(
            &consignment.transport_document_issuer,
            MAX_ISSUER,
            &format!("{path}.transport_document_issuer"),
        );
    }

    fn consignment(&mut self, consignment: &mut Consignment, path: &str, carrier: &str) {
        self.consignment_key(consignment, path, carrier, true);
        let master = &mut consignment.master_document_number;
        *master = master.trim().to_ascii_uppercase();
        let field = format!("{path}.master_document_number");
        if self.mode == Mode::Air && !master.is_empty() {
            self.air_waybill(master, &field);
        } else {
            self.max_chars(master, MAX_DOCUMENT_NUMBER, &field);
        }
        for (field, party) in [
            ("consignor", &mut consignment.consignor),
            ("consignee", &mut consignment.consignee),
            ("notify_party", &mut consignment.notify_party),
            ("carrier", &mut consignment.carrier),
        ] {
            if let Some(party) = party {
                self.party(party, &format!("{path}.{field}"));
            }
        }
        let by_mode = self.mode != Mode::Surface;
        for (field, place, iata) in [
            ("place_of_receipt", &mut consignment.place_of_receipt, false),
            (
                "place_of_delivery",
                &mut consignment.place_of_delivery,
                false,
            ),
            ("port_of_loading", &mut consignment.port_of_loading, by_mode),
            (
                "port_of_discharge",
                &mut consignment.port_of_discharge,
                by_mode,
            ),
        ] {
            self.place(place, &format!("{path}.{field}"), iata);
        }
        if consignment.transit_ports.len() > MAX_TRANSIT_PORTS {
            self.v.add(
                format!("{path}.transit_ports"),
                format!("at most {MAX_TRANSIT_PORTS} transit ports"),
            );
        } else {
            for (i, port) in consignment.transit_ports.iter_mut().enumerate() {
                let field = format!("{path}.transit_ports[{i}]");
                self.place(port, &field, by_mode);
                if port.is_empty() {
                    self.v.add(field, "must not be empty");
                }
            }
        }
        if consignment.countries_of_routing.len() > MAX_ROUTING_COUNTRIES {
            self.v.add(
                format!("{path}.countries_of_routing"),
                format!("at most {MAX_ROUTING_COUNTRIES} countries of routing"),
            );
        } else {
            for (i, code) in consignment.countries_of_routing.iter_mut().enumerate() {
                let field = format!("{path}.countries_of_routing[{i}]");
                self.country(code, &field);
                if code.is_empty() {
                    self.v.add(field, "must not be empty");
                }
            }
        }
        if FreightPaymentMethod::try_from(consignment.freight_payment_method).is_err() {
            self.v.add(
                format!("{path}.freight_payment_method"),
                "unknown freight payment method",
            );
        }
        let gross_weight = self.weight(
            consignment.gross_weight_kg,
            &format!("{path}.gross_weight_kg"),
        );
        let lengths = if consignment.containers.len() > MAX_CONTAINERS {
            self.v.add_limit(
                format!("{path}.containers"),
                format!("at most {MAX_CONTAINERS} containers per consignment"),
            );
            HashMap::new()
        } else {
            self.containers(&mut consignment.containers, path)
        };
        if consignment.goods_items.len() > MAX_GOODS_ITEMS {
            self.v.add_limit(
                format!("{path}.goods_items"),
                format!("at most {MAX_GOODS_ITEMS} goods items per consignment"),
            );
        } else {
            for (k, item) in consignment.goods_items.iter_mut().enumerate() {
                self.goods_item(item, &format!("{path}.goods_items[{k}]"), &lengths);
            }
        }
        // The consignment's totals against all its loaded containers.
        let loaded: Vec<ContainerLength> = consignment
            .containers
            .iter()
            .filter(|container| !container.empty)
            .filter_map(|container| lengths.get(&container.number).copied().flatten())
            .collect();
        let declaration = GoodsDeclaration {
            package_count: declared_count(consignment.package_count),
            gross_weight_kg: gross_weight,
            containers: &loaded,
            ..Default::default()
        };
        self.goods_warnings(path, check_goods(&declaration, &GoodsPolicy::DEFAULT));
    }

    /// Checks the containers and gives each number's length (from its size and type code).
    fn containers(
        &mut self,
        containers: &mut [Container],
        path: &str,
    ) -> HashMap<String, Option<ContainerLength>> {
        let mut lengths = HashMap::new();
        for (i, container) in containers.iter_mut().enumerate() {
            let path = format!("{path}.containers[{i}]");
            let length = self.container(container, &path);
            if !container.number.is_empty()
                && lengths.insert(container.number.clone(), length).is_some()
            {
                self.v.add(
                    format!("{path}.number"),
                    "is the number of an earlier container of the consignment",
                );
            }
        }
        lengths
    }

    fn container(&mut self, container: &mut Container, path: &str) -> Option<ContainerLength> {
        container.number = equipment_number(&container.number);
        let field = format!("{path}.number");
        if container.number.is_empty() {
            self.v.add(field, "is required");
        } else {
            let iso = ContainerNumber::parse(&container.number);
            match (self.mode, iso) {
                (Mode::Air, _) if is_uld(&container.number) => {}
                (Mode::Air, _) => self.v.add(
                    field,
                    "must be a ULD id: a 3-character type code, 4 or 5 digits and a 2-character owner code",
                ),
                (_, Ok(_)) => {}
                (Mode::Unknown, _) if is_uld(&container.number) => {}
                (_, Err(ContainerError::CheckDigit { .. })) => {
                    self.v.add(field, "check digit (ISO 6346) is wrong");
                }
                (_, Err(_)) => self.v.add(
                    field,
                    "must be an ISO 6346 container number: 3-letter owner code, category U, J \
                     or Z, 6 digits and a check digit",
                ),
            }
        }
        container.size_type = container.size_type.trim().to_ascii_uppercase();
        if !container.size_type.is_empty()
            && (container.size_type.len() != 4 || !is_alphanumeric(&container.size_type))
        {
            self.v.add(
                format!("{path}.size_type"),
                "must be a 4-character ISO 6346 size and type code",
            );
        }
        container.seal_numbers = container
            .seal_numbers
            .iter()
            .map(|seal| seal.trim().to_ascii_uppercase())
            .filter(|seal| !seal.is_empty())
            .collect();
        if container.seal_numbers.len() > MAX_SEALS {
            self.v.add(
                format!("{path}.seal_numbers"),
                format!("at most {MAX_SEALS} seals per container"),
            );
        } else {
            for (i, seal) in container.seal_numbers.iter().enumerate() {
                self.max_chars(seal, MAX_SEAL, &format!("{path}.seal_numbers[{i}]"));
            }
        }
        let length = ContainerLength::from_size_type(&container.size_type);
        let weight = self.weight(
            container.gross_weight_kg,
            &format!("{path}.gross_weight_kg"),
        );
        if let (Some(weight), Some(length)) = (weight, length)
            && weight > length.max_gross_kg()
        {
            self.w.add(
                format!("{path}.gross_weight_kg"),
                "container_above_max_gross",
                "exceeds the ISO 668 maximum gross mass of the container's size".into(),
            );
        }
        length
    }

    fn goods_item(
        &mut self,
        item: &mut GoodsItem,
        path: &str,
        containers: &HashMap<String, Option<ContainerLength>>,
    ) {
        if item.sequence_number < 0 {
            self.v.add(
                format!("{path}.sequence_number"),
                "must be 1 or more (0 when not numbered)",
            );
        }
        self.hs_code(&mut item.hs_code, &format!("{path}.hs_code"));
        item.description = collapse_spaces(&item.description);
        self.max_chars(
            &item.description,
            MAX_DESCRIPTION,
            &format!("{path}.description"),
        );
        item.marks = collapse_spaces(&item.marks);
        self.max_chars(&item.marks, MAX_MARKS, &format!("{path}.marks"));
        item.package_type = item.package_type.trim().to_ascii_uppercase();
        if !item.package_type.is_empty()
            && (item.package_type.len() != 2 || !is_alphanumeric(&item.package_type))
        {
            self.v.add(
                format!("{path}.package_type"),
                "must be a UN/ECE Recommendation 21 code (2 letters or digits)",
            );
        }
        let gross = self.weight(item.gross_weight_kg, &format!("{path}.gross_weight_kg"));
        let net = self.weight(item.net_weight_kg, &format!("{path}.net_weight_kg"));
        if let (Some(gross), Some(net)) = (gross, net)
            && net > gross
        {
            self.w.add(
                format!("{path}.net_weight_kg"),
                "net_weight_above_gross",
                "is above the item's gross weight".into(),
            );
        }
        if let Some(dangerous) = item.dangerous_goods.as_mut() {
            self.dangerous_goods(dangerous, &format!("{path}.dangerous_goods"));
        }
        let value = match item.declared_value.as_mut() {
            Some(money) => self.money(money, &format!("{path}.declared_value")),
            None => None,
        };
        self.country(&mut item.origin_country, &format!("{path}.origin_country"));
        let mut lengths = Vec::new();
        if item.container_numbers.len() > MAX_CONTAINERS {
            self.v.add_limit(
                format!("{path}.container_numbers"),
                format!("at most {MAX_CONTAINERS} containers per goods item"),
            );
        } else {
            for (i, number) in item.container_numbers.iter_mut().enumerate() {
                *number = equipment_number(number);
                match containers.get(number.as_str()) {
                    Some(length) => lengths.extend(*length),
                    None => self.v.add(
                        format!("{path}.container_numbers[{i}]"),
                        "must be the number of one of the consignment's containers",
                    ),
                }
            }
        }
        let declaration = GoodsDeclaration {
            description: Some(&item.description),
            package_count: declared_count(item.package_count),
            gross_weight_kg: gross,
            containers: &lengths,
            value: value.map(|amount| DeclaredValue {
                amount,
                currency: item
                    .declared_value
                    .as_ref()
                    .map_or("", |money| money.currency_code.as_str()),
            }),
            ..Default::default()
        };
        let warnings = check_goods(&declaration, &GoodsPolicy::DEFAULT);
        self.goods_warnings(path, warnings);
    }

    /// Malformed codes are refused; a well-formed one outside HS 2022 (a code HS 2022 dropped,
    /// or a new national one) is stored, without separators, with a warning.
    fn hs_code(&mut self, code: &mut String, field: &str) {
        let trimmed = code.trim();
        if trimmed.is_empty() {
            code.clear();
            return;
        }
        match HsCode::parse(trimmed) {
            Ok(hs) => *code = hs.digits().to_owned(),
            Err(HsError::NotDigits | HsError::TooShort { .. } | HsError::TooLong { .. }) => {
                self.v.add(
                    field,
                    "must be a Harmonized System code of 6 to 10 digits (dots and spaces allowed)",
                );
            }
            Err(
                error @ (HsError::ChapterNotInHs2022
                | HsError::HeadingNotInHs2022
                | HsError::SubheadingNotInHs2022),
            ) => {
                *code = trimmed.chars().filter(char::is_ascii_digit).collect();
                self.w
                    .add(field.into(), "unknown_hs_code", error.to_string());
            }
        }
    }

    fn dangerous_goods(&mut self, dangerous: &mut DangerousGoods, path: &str) {
        let field = format!("{path}.un_number");
        if dangerous.un_number.trim().is_empty() {
            self.v.add(field, "is required for dangerous goods");
        } else {
            match UnNumber::parse(&dangerous.un_number) {
                // Stored as the four digits the proto names.
                Ok(un) => dangerous.un_number = format!("{:04}", un.value()),
                Err(_) => self.v.add(
                    field,
                    "must be a UN number: four digits other than 0000, optionally after \"UN\"",
                ),
            }
        }
        dangerous.class = dangerous.class.trim().to_ascii_uppercase();
        if !dangerous.class.is_empty() && !is_hazard_class(&dangerous.class) {
            self.v.add(
                format!("{path}.class"),
                "must be a hazard class or division such as 3, 2.1 or 1.4S",
            );
        }
        let group = dangerous.packing_group.trim().to_ascii_uppercase();
        dangerous.packing_group = match group.as_str() {
            "" => String::new(),
            "I" | "1" => "I".into(),
            "II" | "2" => "II".into(),
            "III" | "3" => "III".into(),
            _ => {
                self.v.add(
                    format!("{path}.packing_group"),
                    "must be I, II or III (or empty)",
                );
                group
            }
        };
    }

    fn party(&mut self, party: &mut Party, path: &str) {
        party.name = collapse_spaces(&party.name);
        self.max_chars(&party.name, MAX_PARTY_NAME, &format!("{path}.name"));
        party.address_lines = party
            .address_lines
            .iter()
            .map(|line| collapse_spaces(line))
            .filter(|line| !line.is_empty())
            .collect();
        if party.address_lines.len() > MAX_ADDRESS_LINES {
            self.v.add(
                format!("{path}.address_lines"),
                format!("at most {MAX_ADDRESS_LINES} address lines"),
            );
        } else {
            for (i, line) in party.address_lines.iter().enumerate() {
                self.max_chars(
                    line,
                    MAX_ADDRESS_LINE,
                    &format!("{path}.address_lines[{i}]"),
                );
            }
        }
        party.city = collapse_spaces(&party.city);
        party.postcode = party.postcode.trim().to_ascii_uppercase();
        party.phone = party.phone.trim().to_owned();
        party.email = party.email.trim().to_owned();
        for (field, value, max) in [
            ("city", &party.city, MAX_CITY),
            ("postcode", &party.postcode, MAX_POSTCODE),
            ("phone", &party.phone, MAX_PHONE),
            ("email", &party.email, MAX_EMAIL),
        ] {
            self.max_chars(value, max, &format!("{path}.{field}"));
        }
        self.country(&mut party.country, &format!("{path}.country"));
        party.identifier_type = party.identifier_type.trim().to_ascii_uppercase();
        party.identifier = party.identifier.trim().to_ascii_uppercase();
        let field = format!("{path}.identifier_type");
        let scheme = party.identifier_type.as_str();
        if !scheme.is_empty() {
            if scheme.len() > MAX_IDENTIFIER_TYPE || !is_alphanumeric(scheme) {
                self.v.add(
                    field,
                    format!(
                        "must be a scheme code such as EORI or TIN (at most \
                         {MAX_IDENTIFIER_TYPE} letters and digits)"
                    ),
                );
            } else if !IDENTIFIER_TYPES.contains(&scheme) {
                self.w.add(
                    field,
                    "unknown_identifier_type",
                    format!("not one of {}", IDENTIFIER_TYPES.join(", ")),
                );
            }
        }
        let field = format!("{path}.identifier");
        if party.identifier_type == "EORI" && !party.identifier.is_empty() {
            if !is_eori(&party.identifier) {
                self.v.add(
                    field,
                    "must be an EORI number: a 2-letter country code and up to 15 letters or \
                     digits",
                );
            }
        } else {
            self.max_chars(&party.identifier, MAX_IDENTIFIER, &field);
        }
    }

    /// Two consignments with the same key would be one consignment superseding itself.
    fn duplicate_keys(&mut self, consignments: &[Consignment]) {
        let mut seen: HashMap<(&str, &str), usize> = HashMap::new();
        for (i, consignment) in consignments.iter().enumerate() {
            if consignment.transport_document_number.is_empty() {
                continue;
            }
            let key = (
                consignment.transport_document_number.as_str(),
                consignment.transport_document_issuer.as_str(),
            );
            if let Some(first) = seen.insert(key, i) {
                self.v.add(
                    format!("manifest.consignments[{i}].transport_document_number"),
                    format!(
                        "with transport_document_issuer, the same key as consignments[{first}]"
                    ),
                );
                seen.insert(key, first);
            }
        }
    }

    /// A port or place: a UN/LOCODE (`ME BAR`, `mebar` stored `MEBAR`) or, when `iata` is set,
    /// also a 3-letter IATA airport code. Empty is left to the caller.
    fn place(&mut self, value: &mut String, field: &str, iata: bool) {
        let code: String = value
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let bytes = code.as_bytes();
        if code.is_empty() {
            value.clear();
            return;
        }
        if iata && bytes.len() == 3 && bytes.iter().all(u8::is_ascii_uppercase) {
            if airport::airport(&code).is_none() && airport::metropolitan_area(&code).is_none() {
                self.w.add(
                    field.into(),
                    "unknown_airport",
                    "not a known IATA airport code".into(),
                );
            }
        } else {
            match unlocode::location(&code) {
                Ok(_) => {}
                Err(UnlocodeError::NotListed) => self.w.add(
                    field.into(),
                    "unknown_location",
                    "not in the UN/LOCODE list (release 2023-1)".into(),
                ),
                Err(UnlocodeError::UnknownCountry) => self.w.add(
                    field.into(),
                    "unknown_location",
                    "UN/LOCODE country part is not an ISO 3166-1 alpha-2 code".into(),
                ),
                Err(UnlocodeError::Format) if iata => self.v.add(
                    field,
                    "must be a 3-letter IATA airport code or a UN/LOCODE (2-letter country code \
                     and 3 letters or digits)",
                ),
                Err(UnlocodeError::Format) => self.v.add(
                    field,
                    "must be a UN/LOCODE (2-letter country code and 3 letters or digits)",
                ),
            }
        }
        *value = code;
    }

    /// ISO 3166-1 alpha-3 or alpha-2, stored alpha-3; empty is left to the caller.
    fn country(&mut self, value: &mut String, field: &str) {
        let code = value.trim().to_ascii_uppercase();
        if code.is_empty() {
            value.clear();
            return;
        }
        let well_formed =
            (2..=3).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_uppercase());
        if !well_formed {
            self.v.add(
                field,
                "must be an ISO 3166-1 alpha-3 (or alpha-2) country code",
            );
        } else {
            let alpha3 = if code.len() == 2 {
                country::alpha2_to_alpha3(&code)
            } else {
                country::by_alpha3(&code).map(|country| country.alpha3)
            };
            match alpha3 {
                Some(alpha3) => {
                    alpha3.clone_into(value);
                    return;
                }
                None => self.w.add(
                    field.into(),
                    "unknown_country",
                    "not an ISO 3166-1 country code".into(),
                ),
            }
        }
        *value = code;
    }

    fn air_waybill(&mut self, number: &mut String, field: &str) {
        match AirWaybillNumber::parse(number) {
            // One spelling for the key: `020-12345675`.
            Ok(awb) => *number = awb.to_string(),
            Err(AwbError::Format) => self.v.add(
                field,
                "must be an air waybill number: a 3-digit airline prefix and an 8-digit serial",
            ),
            Err(AwbError::CheckDigit { .. }) => self.v.add(
                field,
                "air waybill check digit (first seven digits of the serial mod 7) is wrong",
            ),
        }
    }

    /// Declared weights must be finite and not negative; 0 is "not declared" (proto3) and gives
    /// `None`, as does a refused weight.
    fn weight(&mut self, kg: f64, field: &str) -> Option<f64> {
        if !kg.is_finite() || kg < 0.0 {
            self.v
                .add(field, "must be a finite number of kilograms, 0 or more");
            None
        } else {
            (kg > 0.0).then_some(kg)
        }
    }

    /// The amount, when the money is well-formed.
    fn money(&mut self, money: &mut Money, path: &str) -> Option<f64> {
        money.currency_code = money.currency_code.trim().to_ascii_uppercase();
        let mut valid = true;
        if money.currency_code.len() != 3
            || !money.currency_code.bytes().all(|b| b.is_ascii_uppercase())
        {
            self.v.add(
                format!("{path}.currency_code"),
                "must be a 3-letter ISO 4217 currency code",
            );
            valid = false;
        }
        let opposite_signs =
            (money.units > 0 && money.nanos < 0) || (money.units < 0 && money.nanos > 0);
        if !(-999_999_999..=999_999_999).contains(&money.nanos) || opposite_signs {
            self.v.add(
                format!("{path}.nanos"),
                "must be between -999999999 and 999999999, with the sign of units",
            );
            valid = false;
        }
        // f64 keeps the amount to well under a cent below 2^53 units: enough for a plausibility
        // check, which is all it is used for.
        valid.then(|| money.units as f64 + f64::from(money.nanos) / 1e9)
    }

    fn timestamp(&mut self, timestamp: &prost_types::Timestamp, field: &str) {
        // 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z, as google.protobuf.Timestamp defines.
        const RANGE: std::ops::RangeInclusive<i64> = -62_135_596_800..=253_402_300_799;
        if !RANGE.contains(&timestamp.seconds) || !(0..1_000_000_000).contains(&timestamp.nanos) {
            self.v.add(
                field,
                "must be a timestamp between years 1 and 9999 with nanos 0 to 999999999",
            );
        }
    }

    fn goods_warnings(&mut self, path: &str, warnings: Vec<GoodsWarning>) {
        for warning in warnings {
            let code = match warning {
                GoodsWarning::DescriptionMissing => "description_missing",
                GoodsWarning::DescriptionVague => "description_vague",
                GoodsWarning::PackageCountZero => "package_count_zero",
                GoodsWarning::GrossWeightNotPositive => "gross_weight_not_positive",
                GoodsWarning::GrossWeightAboveContainerCapacity => {
                    "gross_weight_above_container_capacity"
                }
                GoodsWarning::PackageWeightTooLow => "package_weight_too_low",
                GoodsWarning::PackageWeightTooHigh => "package_weight_too_high",
                GoodsWarning::VolumeNotPositive => "volume_not_positive",
                GoodsWarning::DensityTooLow => "density_too_low",
                GoodsWarning::DensityTooHigh => "density_too_high",
                GoodsWarning::DeclaredValueNotPositive => "declared_value_not_positive",
                GoodsWarning::ValuePerKgTooLow => "value_per_kg_too_low",
                // Intake has no floating exchange rates: that says nothing about the goods.
                GoodsWarning::CurrencyWithoutRate => continue,
            };
            let field = match warning.field() {
                GoodsField::Description => "description",
                GoodsField::PackageCount => "package_count",
                GoodsField::GrossWeight => "gross_weight_kg",
                GoodsField::Volume => "volume",
                GoodsField::DeclaredValue => "declared_value",
            };
            self.w
                .add(format!("{path}.{field}"), code, warning.to_string());
        }
    }

    /// Adds a violation when `value` is longer than `max` characters.
    fn max_chars(&mut self, value: &str, max: usize, field: &str) {
        // Bytes bound characters from above: most values skip the count.
        if value.len() > max && value.chars().count() > max {
            self.v
                .add(field, format!("must be at most {max} characters"));
        }
    }
}

/// The first [`MAX_WARNINGS`] warnings and a count of the rest.
#[derive(Default)]
struct Warnings(Vec<RecordWarning>, usize);

impl Warnings {
    fn add(&mut self, field: String, code: &str, reason: String) {
        if self.0.len() < MAX_WARNINGS {
            self.0.push(RecordWarning {
                field,
                code: code.to_owned(),
                reason,
            });
        } else {
            self.1 += 1;
        }
    }

    fn finish(mut self) -> Vec<RecordWarning> {
        if self.1 > 0 {
            self.0.push(RecordWarning {
                field: "manifest".into(),
                code: "more_warnings".into(),
                reason: format!("{} more warnings left out", self.1),
            });
        }
        self.0
    }
}

/// A package count of 0 is "not declared" in proto3.
fn declared_count(count: u32) -> Option<u64> {
    (count > 0).then_some(u64::from(count))
}

/// A container number or ULD id as painted (`CSQU 305438-3`, `ake 12345 lh`) in one spelling.
fn equipment_number(value: &str) -> String {
    value
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// IATA unit load device id: type (3 letters, the second a digit in older codes), serial (4 or 5 digits), owner (2 characters, at
/// least one a letter): `AKE12345LH`, `PMC1234AF`, `P1C0037XX`.
fn is_uld(id: &str) -> bool {
    let bytes = id.as_bytes();
    let owner_ok = |owner: &[u8]| {
        owner.len() == 2
            && owner.iter().all(u8::is_ascii_alphanumeric)
            && owner.iter().any(u8::is_ascii_uppercase)
    };
    // The type code: letters for category, base size and contour; the base size is a digit in
    // the older codes (`P1P`, `P1C`).
    bytes.len() > 3
        && bytes[0].is_ascii_uppercase()
        && (bytes[1].is_ascii_uppercase() || bytes[1].is_ascii_digit())
        && bytes[2].is_ascii_uppercase()
        && [4, 5].into_iter().any(|digits| {
            bytes.len() == 3 + digits + 2
                && bytes[3..3 + digits].iter().all(u8::is_ascii_digit)
                && owner_ok(&bytes[3 + digits..])
        })
}

/// `8402`, `8402A`, `LH8402`, `U21234`, `LHA123` style: an optional 2-3 character designator,
/// 1-4 digits, an optional letter.
fn is_flight_number(value: &str) -> bool {
    let number = |rest: &[u8]| {
        let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        let suffix = &rest[digits..];
        (1..=4).contains(&digits)
            && (suffix.is_empty() || (suffix.len() == 1 && suffix[0].is_ascii_uppercase()))
    };
    let bytes = value.as_bytes();
    if !is_alphanumeric(value) {
        return false;
    }
    // IATA designators are two letters or digits (at least one letter), ICAO ones three letters.
    let iata = bytes.len() > 2 && bytes[..2].iter().any(u8::is_ascii_uppercase);
    let icao = bytes.len() > 3 && bytes[..3].iter().all(u8::is_ascii_uppercase);
    number(bytes) || (iata && number(&bytes[2..])) || (icao && number(&bytes[3..]))
}

/// Class or division of the UN Model Regulations, with the compatibility group letter of class
/// 1: `3`, `2.1`, `6.1`, `1.4S`.
fn is_hazard_class(class: &str) -> bool {
    matches!(
        class.as_bytes(),
        [b'1'..=b'9'] | [b'1'..=b'9', b'.', b'1'..=b'6'] | [b'1', b'.', b'1'..=b'6', b'A'..=b'S']
    )
}

/// A 2-letter country code and 1 to 15 letters or digits (EU Regulation 2015/2446, Art. 1(18)).
fn is_eori(identifier: &str) -> bool {
    let bytes = identifier.as_bytes();
    bytes.len() > 2
        && bytes.len() <= 17
        && bytes[..2].iter().all(u8::is_ascii_uppercase)
        && bytes[2..].iter().all(u8::is_ascii_alphanumeric)
}

fn is_alphanumeric(value: &str) -> bool {
    value.bytes().all(|b| b.is_ascii_alphanumeric())
}

fn collapse_spaces(value: &str) -> String {
    value.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use gatehouse_checks::container::check_digit;
    use prost_types::Timestamp;
    use tonic::Code;

    use super::*;

    /// 2026-03-14T06:00:00Z.
    const ARRIVAL: i64 = 1_773_468_000;

    fn at(seconds: i64) -> Option<Timestamp> {
        Some(Timestamp { seconds, nanos: 0 })
    }

    /// The ISO 6346 check digit of `CSQU305438`, from the checks crate rather than by hand.
    fn csqu_digit() -> u8 {
        check_digit("CSQU305438").unwrap()
    }

    /// A ferry call at the Port of Bar from Bari: one consignment of Italian floor tiles.
    fn sea_request() -> SubmitManifestRequest {
        SubmitManifestRequest {
            message_id: " cuscar-mscu-025w ".into(),
            manifest: Some(CargoManifest {
                manifest_ref: " BAR025W ".into(),
                mode: TransportMode::Sea as i32,
                carrier: "mscu".into(),
                conveyance: Some(Conveyance {
                    name: "  MSC  Adriatic ".into(),
                    imo_number: "IMO 9074729".into(),
                    call_sign: "9hxy7".into(),
                    nationality: "mt".into(),
                    ..Default::default()
                }),
                voyage_number: "025w".into(),
                port_of_loading: "it bri".into(),
                port_of_discharge: "ME BAR".into(),
                place_of_entry: "mebar".into(),
                estimated_arrival: at(ARRIVAL),
                estimated_departure: at(ARRIVAL - 36_000),
                consignments: vec![sea_consignment()],
                sender: "MSC Montenegro".into(),
                function: MessageFunction::Unspecified as i32,
            }),
        }
    }

    fn sea_consignment() -> Consignment {
        let digit = csqu_digit();
        Consignment {
            transport_document_number: "medubr123456".into(),
            consignor: Some(Party {
                name: "Ceramiche  Adriatiche S.r.l.".into(),
                address_lines: vec!["Via Napoli 12".into(), "  ".into()],
                city: "Bari".into(),
                postcode: "70123".into(),
                country: "it".into(),
                identifier: "it01234567890".into(),
                identifier_type: "eori".into(),
                ..Default::default()
            }),
            consignee: Some(Party {
                name: "Primorka d.o.o.".into(),
                city: "Bar".into(),
                country: "MNE".into(),
                identifier: "02345678".into(),
                identifier_type: "TIN".into(),
                ..Default::default()
            }),
            goods_items: vec![GoodsItem {
                sequence_number: 1,
                hs_code: "6907.21".into(),
                description: "Porcelain floor tiles, glazed".into(),
                package_count: 20,
                package_type: "px".into(),
                gross_weight_kg: 18_400.0,
                net_weight_kg: 17_900.0,
                declared_value: Some(Money {
                    currency_code: "eur".into(),
                    units: 21_500,
                    nanos: 0,
                }),
                origin_country: "ITA".into(),
                marks: "CA/BAR 1-20".into(),
                container_numbers: vec![format!("CSQU 305438 {digit}")],
                dangerous_goods: None,
            }],
            containers: vec![Container {
                number: format!("csqu 305438-{digit}"),
                size_type: "22g1".into(),
                seal_numbers: vec![" ml-it 4412873 ".into(), String::new()],
                empty: false,
                gross_weight_kg: 20_630.0,
            }],
            place_of_receipt: "ITBRI".into(),
            place_of_delivery: "me tgd".into(),
            countries_of_routing: vec!["it".into(), "MNE".into()],
            freight_payment_method: FreightPaymentMethod::ElectronicTransfer as i32,
            gross_weight_kg: 18_400.0,
            package_count: 20,
            ..Default::default()
        }
    }

    /// Lufthansa Cargo Frankfurt–Podgorica: smartphones in one AKE container.
    fn air_request() -> SubmitManifestRequest {
        SubmitManifestRequest {
            message_id: "ffm-lh8402-20260314".into(),
            manifest: Some(CargoManifest {
                mode: TransportMode::Air as i32,
                carrier: "lh".into(),
                conveyance: Some(Conveyance {
                    flight_number: "lh 8402".into(),
                    nationality: "de".into(),
                    ..Default::default()
                }),
                voyage_number: "LH 8402".into(),
                port_of_loading: "fra".into(),
                port_of_discharge: "tgd".into(),
                place_of_entry: "ME TGD".into(),
                estimated_arrival: at(ARRIVAL),
                consignments: vec![air_consignment()],
                ..Default::default()
            }),
        }
    }

    fn air_consignment() -> Consignment {
        Consignment {
            transport_document_number: "020 12345675".into(),
            consignor: Some(Party {
                name: "Shenzhen Huaxin Electronics Co., Ltd.".into(),
                country: "cn".into(),
                ..Default::default()
            }),
            consignee: Some(Party {
                name: "Tehno Max d.o.o.".into(),
                city: "Podgorica".into(),
                country: "me".into(),
                ..Default::default()
            }),
            goods_items: vec![GoodsItem {
                sequence_number: 1,
                hs_code: "8517 13 00 00".into(),
                description: "Smartphones with lithium-ion batteries".into(),
                package_count: 12,
                package_type: "CT".into(),
                gross_weight_kg: 186.5,
                dangerous_goods: Some(DangerousGoods {
                    un_number: "UN 3481".into(),
                    r#class: "9".into(),
                    packing_group: String::new(),
                }),
                declared_value: Some(Money {
                    currency_code: "EUR".into(),
                    units: 96_000,
                    nanos: 500_000_000,
                }),
                origin_country: "CN".into(),
                container_numbers: vec!["AKE 12345 LH".into()],
                ..Default::default()
            }],
            containers: vec![Container {
                number: "ake12345lh".into(),
                ..Default::default()
            }],
            transit_ports: vec!["muc".into()],
            gross_weight_kg: 186.5,
            package_count: 12,
            ..Default::default()
        }
    }

    fn check(request: SubmitManifestRequest) -> Result<ValidManifest, FieldViolations> {
        validate(request, "me-customs", &Limits::default())
    }

    fn manifest(r: &mut SubmitManifestRequest) -> &mut CargoManifest {
        r.manifest.as_mut().unwrap()
    }

    fn first(r: &mut SubmitManifestRequest) -> &mut Consignment {
        &mut manifest(r).consignments[0]
    }

    fn item(r: &mut SubmitManifestRequest) -> &mut GoodsItem {
        &mut first(r).goods_items[0]
    }

    fn consignor(r: &mut SubmitManifestRequest) -> &mut Party {
        first(r).consignor.as_mut().unwrap()
    }

    /// The violations' fields, after checking that no reason (nor the status sent back)
    /// contains `value`, the submitted value.
    fn refused(r: SubmitManifestRequest, value: &str) -> Vec<String> {
        let rejection = check(r).unwrap_err();
        let fields = rejection.iter().map(|(f, _)| f.to_owned()).collect();
        let text = rejection.into_status().message().to_owned();
        assert!(!text.contains(value), "{value:?} echoed in {text}");
        fields
    }

    /// The warnings as (field, code), after checking that no reason contains `value`.
    fn warned(r: SubmitManifestRequest, value: &str) -> Vec<(String, String)> {
        let valid = check(r).unwrap();
        valid
            .warnings
            .into_iter()
            .map(|w| {
                assert!(
                    !w.reason.contains(value),
                    "{value:?} echoed in {}",
                    w.reason
                );
                (w.field, w.code)
            })
            .collect()
    }

    fn pairs(found: &[(String, String)]) -> Vec<(&str, &str)> {
        found
            .iter()
            .map(|(field, code)| (field.as_str(), code.as_str()))
            .collect()
    }

    #[test]
    fn valid_sea_manifest_for_bar_is_normalised() {
        let valid = check(sea_request()).unwrap();
        assert_eq!(valid.message_id, "cuscar-mscu-025w");
        assert_eq!(valid.function, MessageFunction::Original);
        assert!(valid.warnings.is_empty(), "{:?}", valid.warnings);
        let m = &valid.manifest;
        assert_eq!(m.function, MessageFunction::Original as i32);
        assert_eq!(
            (
                m.manifest_ref.as_str(),
                m.carrier.as_str(),
                m.voyage_number.as_str()
            ),
            ("BAR025W", "MSCU", "025W")
        );
        assert_eq!(
            (
                m.port_of_loading.as_str(),
                m.port_of_discharge.as_str(),
                m.place_of_entry.as_str()
            ),
            ("ITBRI", "MEBAR", "MEBAR")
        );
        let conveyance = m.conveyance.as_ref().unwrap();
        assert_eq!(conveyance.name, "MSC Adriatic");
        assert_eq!(conveyance.imo_number, "9074729");
        assert_eq!(conveyance.call_sign, "9HXY7");
        assert_eq!(conveyance.nationality, "MLT");
        let c = &m.consignments[0];
        assert_eq!(c.transport_document_number, "MEDUBR123456");
        assert_eq!(
            c.transport_document_issuer, "MSCU",
            "defaults to the carrier"
        );
        assert_eq!(c.place_of_delivery, "METGD");
        assert_eq!(c.countries_of_routing, ["ITA", "MNE"]);
        let consignor = c.consignor.as_ref().unwrap();
        assert_eq!(consignor.name, "Ceramiche Adriatiche S.r.l.");
        assert_eq!(consignor.address_lines, ["Via Napoli 12"]);
        assert_eq!(consignor.country, "ITA");
        assert_eq!(
            (
                consignor.identifier_type.as_str(),
                consignor.identifier.as_str()
            ),
            ("EORI", "IT01234567890")
        );
        let number = format!("CSQU305438{}", csqu_digit());
        assert_eq!(number, "CSQU3054383", "the well-known valid number");
        let container = &c.containers[0];
        assert_eq!(container.number, number);
        assert_eq!(container.size_type, "22G1");
        assert_eq!(container.seal_numbers, ["ML-IT 4412873"]);
        let item = &c.goods_items[0];
        assert_eq!(item.hs_code, "690721");
        assert_eq!(item.package_type, "PX");
        assert_eq!(item.container_numbers, [number]);
        assert_eq!(item.declared_value.as_ref().unwrap().currency_code, "EUR");
    }

    #[test]
    fn valid_air_manifest_is_normalised() {
        let valid = check(air_request()).unwrap();
        assert!(valid.warnings.is_empty(), "{:?}", valid.warnings);
        let m = &valid.manifest;
        assert_eq!(
            (m.carrier.as_str(), m.voyage_number.as_str()),
            ("LH", "LH8402")
        );
        assert_eq!(
            (
                m.port_of_loading.as_str(),
                m.port_of_discharge.as_str(),
                m.place_of_entry.as_str()
            ),
            ("FRA", "TGD", "METGD")
        );
        let conveyance = m.conveyance.as_ref().unwrap();
        assert_eq!(
            (
                conveyance.flight_number.as_str(),
                conveyance.nationality.as_str()
            ),
            ("LH8402", "DEU")
        );
        let c = &m.consignments[0];
        assert_eq!(c.transport_document_number, "020-12345675");
        // The airline prefix of the number, not the carrier flying it.
        assert_eq!(c.transport_document_issuer, "020");
        assert_eq!(c.transit_ports, ["MUC"]);
        assert_eq!(c.containers[0].number, "AKE12345LH");
        let item = &c.goods_items[0];
        assert_eq!(item.container_numbers, ["AKE12345LH"]);
        assert_eq!(item.hs_code, "8517130000");
        assert_eq!(item.origin_country, "CHN");
        assert_eq!(item.dangerous_goods.as_ref().unwrap().un_number, "3481");
        assert_eq!(c.consignee.as_ref().unwrap().country, "MNE");
    }

    #[test]
    fn message_id_is_required_and_bounded() {
        let mut r = sea_request();
        r.message_id = "  ".into();
        assert_eq!(refused(r, "  "), ["message_id"]);
        let mut r = sea_request();
        r.message_id = "cuscar-".repeat(19);
        assert_eq!(refused(r, "cuscar-cuscar"), ["message_id"]);
        let mut r = sea_request();
        r.message_id = "m".repeat(MAX_MESSAGE_ID);
        assert!(check(r).is_ok());
    }

    #[test]
    fn manifest_is_required() {
        let r = SubmitManifestRequest {
            message_id: "m-1".into(),
            manifest: None,
        };
        assert_eq!(refused(r, "m-1"), ["manifest"]);
    }

    #[test]
    fn mode_is_required_and_known() {
        let mut r = sea_request();
        manifest(&mut r).mode = TransportMode::Unspecified as i32;
        assert_eq!(refused(r, "MSCU"), ["manifest.mode"]);
        let mut r = sea_request();
        manifest(&mut r).mode = 17;
        assert_eq!(refused(r, "17"), ["manifest.mode"]);
        let mut r = sea_request();
        manifest(&mut r).function = 9;
        assert_eq!(refused(r, "9"), ["manifest.function"]);
    }

    #[test]
    fn carrier_is_required_and_a_code() {
        let mut r = sea_request();
        manifest(&mut r).carrier = " ".into();
        assert_eq!(refused(r, "MSCU"), ["manifest.carrier"]);
        let mut r = sea_request();
        manifest(&mut r).carrier = "MSC/MEDITERRANEAN".into();
        assert_eq!(refused(r, "MEDITERRANEAN"), ["manifest.carrier"]);
        // A designator no list knows is stored with a warning.
        let mut r = air_request();
        manifest(&mut r).carrier = "QZX".into();
        first(&mut r).transport_document_issuer = "LH".into();
        assert_eq!(
            pairs(&warned(r, "QZX")),
            [("manifest.carrier", "unknown_airline")]
        );
    }

    #[test]
    fn voyage_number_is_required_and_a_flight_number_for_air() {
        let mut r = sea_request();
        manifest(&mut r).voyage_number = String::new();
        assert_eq!(refused(r, "025W"), ["manifest.voyage_number"]);
        let mut r = air_request();
        manifest(&mut r).voyage_number = "LH84021".into();
        assert_eq!(refused(r, "84021"), ["manifest.voyage_number"]);
        let mut r = air_request();
        manifest(&mut r).conveyance.as_mut().unwrap().flight_number = "FLIGHT8402".into();
        assert_eq!(refused(r, "FLIGHT"), ["manifest.conveyance.flight_number"]);
        for number in ["8402", "8402A", "U21234", "DLH8402"] {
            let mut r = air_request();
            manifest(&mut r).voyage_number = number.into();
            assert!(check(r).is_ok(), "{number}");
        }
    }

    #[test]
    fn place_of_entry_or_port_of_discharge_is_required() {
        let mut r = sea_request();
        manifest(&mut r).port_of_discharge.clear();
        assert!(check(r.clone()).is_ok());
        manifest(&mut r).place_of_entry = " ".into();
        assert_eq!(refused(r, "MEBAR"), ["manifest.port_of_discharge"]);
    }

    #[test]
    fn estimated_arrival_is_required_and_after_departure() {
        let mut r = sea_request();
        manifest(&mut r).estimated_arrival = None;
        assert_eq!(refused(r, "1773"), ["manifest.estimated_arrival"]);
        let mut r = sea_request();
        manifest(&mut r).estimated_departure = at(ARRIVAL + 60);
        assert_eq!(refused(r, "1773"), ["manifest.estimated_departure"]);
        let mut r = sea_request();
        manifest(&mut r).estimated_arrival = Some(Timestamp {
            seconds: ARRIVAL,
            nanos: -1,
        });
        assert_eq!(refused(r, "1773"), ["manifest.estimated_arrival"]);
    }

    #[test]
    fn surface_ports_are_unlocodes() {
        for written in ["ME BAR", "mebar", "me-bar", " MEBAR "] {
            let mut r = sea_request();
            manifest(&mut r).port_of_discharge = written.into();
            assert_eq!(check(r).unwrap().manifest.port_of_discharge, "MEBAR");
        }
        // An airport code is no port for a ship.
        let mut r = sea_request();
        manifest(&mut r).port_of_loading = "BRI".into();
        assert_eq!(refused(r, "BRI"), ["manifest.port_of_loading"]);
        let mut r = sea_request();
        first(&mut r).place_of_receipt = "Bari, Italy".into();
        assert_eq!(
            refused(r, "Bari"),
            ["manifest.consignments[0].place_of_receipt"]
        );
        // Well-formed but in no list: stored with a warning.
        let mut r = sea_request();
        manifest(&mut r).port_of_loading = "ME ZZZ".into();
        first(&mut r).port_of_discharge = "QQ BAR".into();
        assert_eq!(
            pairs(&warned(r, "ZZZ")),
            [
                ("manifest.port_of_loading", "unknown_location"),
                (
                    "manifest.consignments[0].port_of_discharge",
                    "unknown_location"
                ),
            ]
        );
    }

    #[test]
    fn air_ports_are_iata_airports_or_unlocodes() {
        let mut r = air_request();
        manifest(&mut r).port_of_loading = "DE FRA".into();
        assert_eq!(check(r).unwrap().manifest.port_of_loading, "DEFRA");
        let mut r = air_request();
        manifest(&mut r).port_of_loading = "FRANKFURT".into();
        assert_eq!(refused(r, "FRANKFURT"), ["manifest.port_of_loading"]);
        let mut r = air_request();
        first(&mut r).transit_ports = vec!["QQQ".into()];
        assert_eq!(
            pairs(&warned(r, "QQQ")),
            [(
                "manifest.consignments[0].transit_ports[0]",
                "unknown_airport"
            )]
        );
    }

    #[test]
    fn imo_number_check_digit_is_checked() {
        let mut r = sea_request();
        manifest(&mut r).conveyance.as_mut().unwrap().imo_number = "9074728".into();
        assert_eq!(refused(r, "9074728"), ["manifest.conveyance.imo_number"]);
        let mut r = sea_request();
        manifest(&mut r).conveyance.as_mut().unwrap().imo_number = "IMO 90747".into();
        assert_eq!(refused(r, "90747"), ["manifest.conveyance.imo_number"]);
    }

    #[test]
    fn nationality_is_an_iso_country() {
        let mut r = sea_request();
        manifest(&mut r).conveyance.as_mut().unwrap().nationality = "M1".into();
        assert_eq!(refused(r, "M1"), ["manifest.conveyance.nationality"]);
        let mut r = sea_request();
        manifest(&mut r).conveyance.as_mut().unwrap().nationality = "xxq".into();
        assert_eq!(
            pairs(&warned(r, "XXQ")),
            [("manifest.conveyance.nationality", "unknown_country")]
        );
    }

    #[test]
    fn consignments_are_required_unless_cancelled() {
        for function in [MessageFunction::Original, MessageFunction::Update] {
            let mut r = sea_request();
            manifest(&mut r).function = function as i32;
            manifest(&mut r).consignments.clear();
            assert_eq!(refused(r, "MSCU"), ["manifest.consignments"]);
        }
        let mut r = sea_request();
        manifest(&mut r).function = MessageFunction::Cancel as i32;
        manifest(&mut r).consignments.clear();
        assert_eq!(check(r).unwrap().function, MessageFunction::Cancel);
    }

    #[test]
    fn a_cancel_keeps_only_the_keys_of_its_consignments() {
        let mut r = air_request();
        manifest(&mut r).function = MessageFunction::Cancel as i32;
        // What a cancel does not keep is not checked either.
        item(&mut r).hs_code = "85.17".into();
        let valid = check(r).unwrap();
        let c = &valid.manifest.consignments[0];
        assert_eq!(
            (
                c.transport_document_number.as_str(),
                c.transport_document_issuer.as_str()
            ),
            ("020-12345675", "020")
        );
        assert_eq!(
            *c,
            Consignment {
                transport_document_number: "020-12345675".into(),
                transport_document_issuer: "020".into(),
                ..Default::default()
            }
        );
        // The key itself is still bounded.
        let mut r = air_request();
        manifest(&mut r).function = MessageFunction::Cancel as i32;
        first(&mut r).transport_document_number = "020".repeat(12);
        assert_eq!(
            refused(r, "020020"),
            ["manifest.consignments[0].transport_document_number"]
        );
    }

    #[test]
    fn too_many_consignments_is_a_limit() {
        let mut r = sea_request();
        manifest(&mut r).consignments = vec![sea_consignment(); MAX_CONSIGNMENTS + 1];
        let rejection = check(r).unwrap_err();
        assert!(rejection.exceeds_limit());
        assert_eq!(
            rejection.iter().collect::<Vec<_>>(),
            [(
                "manifest.consignments",
                "at most 10000 consignments per manifest"
            )]
        );
        assert_eq!(rejection.into_status().code(), Code::ResourceExhausted);

        let mut r = sea_request();
        manifest(&mut r).consignments = (0..MAX_CONSIGNMENTS)
            .map(|i| Consignment {
                transport_document_number: format!("MEDUBR{i:06}"),
                ..sea_consignment()
            })
            .collect();
        let roomy = Limits {
            max_event_bytes: 64 * 1024 * 1024,
        };
        let valid = validate(r, "me-customs", &roomy).unwrap();
        assert_eq!(valid.manifest.consignments.len(), MAX_CONSIGNMENTS);
    }

    #[test]
    fn transport_document_number_is_required_and_bounded() {
        let mut r = sea_request();
        first(&mut r).transport_document_number = " ".into();
        assert_eq!(
            refused(r, "MEDUBR"),
            ["manifest.consignments[0].transport_document_number"]
        );
        let mut r = sea_request();
        first(&mut r).transport_document_number = "MEDUBR".repeat(6);
        assert_eq!(
            refused(r, "MEDUBRMEDUBR"),
            ["manifest.consignments[0].transport_document_number"]
        );
        let mut r = sea_request();
        first(&mut r).transport_document_issuer = "I".repeat(MAX_ISSUER + 1);
        assert_eq!(
            refused(r, "IIII"),
            ["manifest.consignments[0].transport_document_issuer"]
        );
    }

    #[test]
    fn air_waybill_check_digit_is_checked() {
        // 1234567 mod 7 is 5: ...76 is wrong.
        let mut r = air_request();
        first(&mut r).transport_document_number = "020-12345676".into();
        assert_eq!(
            refused(r, "12345676"),
            ["manifest.consignments[0].transport_document_number"]
        );
        let mut r = air_request();
        first(&mut r).transport_document_number = "LH-4711".into();
        assert_eq!(
            refused(r, "4711"),
            ["manifest.consignments[0].transport_document_number"]
        );
        // A house consignment: the forwarder's number is free, its master AWB is checked.
        let mut r = air_request();
        first(&mut r).transport_document_number = "fra88123".into();
        first(&mut r).master_document_number = "02012345675".into();
        let valid = check(r.clone()).unwrap();
        let c = &valid.manifest.consignments[0];
        assert_eq!(
            (
                c.transport_document_number.as_str(),
                c.master_document_number.as_str()
            ),
            ("FRA88123", "020-12345675")
        );
        first(&mut r).master_document_number = "020 12345671".into();
        assert_eq!(
            refused(r, "12345671"),
            ["manifest.consignments[0].master_document_number"]
        );
    }

    #[test]
    fn a_key_twice_in_one_manifest_is_refused() {
        let mut r = sea_request();
        let mut second = sea_consignment();
        second.transport_document_number = " MEDUBR123456".into();
        // The issuer defaults to the carrier, so this is the same key.
        second.transport_document_issuer = "mscu".into();
        manifest(&mut r).consignments.push(second.clone());
        assert_eq!(
            refused(r, "MEDUBR123456"),
            ["manifest.consignments[1].transport_document_number"]
        );
        // Another issuer, another key.
        let mut r = sea_request();
        second.transport_document_issuer = "MAEU".into();
        manifest(&mut r).consignments.push(second);
        assert!(check(r).is_ok());
    }

    #[test]
    fn parties_are_bounded_and_their_codes_checked() {
        let mut r = sea_request();
        consignor(&mut r).name = "Ž".repeat(MAX_PARTY_NAME + 1);
        assert_eq!(
            refused(r, "ŽŽŽ"),
            ["manifest.consignments[0].consignor.name"]
        );
        let mut r = sea_request();
        consignor(&mut r).name = "Ž".repeat(MAX_PARTY_NAME);
        assert!(check(r).is_ok(), "counted in characters");

        let mut r = sea_request();
        consignor(&mut r).country = "Italia".into();
        assert_eq!(
            refused(r, "ITALIA"),
            ["manifest.consignments[0].consignor.country"]
        );

        for eori in ["IT-0123", "IT0123456789012345", "1T01234567890"] {
            let mut r = sea_request();
            consignor(&mut r).identifier = eori.into();
            assert_eq!(
                refused(r, eori),
                ["manifest.consignments[0].consignor.identifier"]
            );
        }
        let mut r = sea_request();
        consignor(&mut r).identifier_type = "D-U-N-S".into();
        assert_eq!(
            refused(r, "D-U-N-S"),
            ["manifest.consignments[0].consignor.identifier_type"]
        );
        let mut r = sea_request();
        consignor(&mut r).identifier_type = "kvk".into();
        consignor(&mut r).country = "XQ".into();
        assert_eq!(
            pairs(&warned(r, "KVK")),
            [
                (
                    "manifest.consignments[0].consignor.country",
                    "unknown_country"
                ),
                (
                    "manifest.consignments[0].consignor.identifier_type",
                    "unknown_identifier_type"
                ),
            ]
        );
    }

    #[test]
    fn hs_codes_are_checked_against_hs_2022() {
        let mut r = sea_request();
        item(&mut r).hs_code = "69.07".into();
        assert_eq!(
            refused(r, "69.07"),
            ["manifest.consignments[0].goods_items[0].hs_code"]
        );
        let mut r = sea_request();
        item(&mut r).hs_code = "6907-21".into();
        assert_eq!(
            refused(r, "6907-21"),
            ["manifest.consignments[0].goods_items[0].hs_code"]
        );
        // Mobile telephones, split by HS 2022 into 8517.13 and 8517.14.
        let mut r = air_request();
        item(&mut r).hs_code = "8517.12".into();
        let valid = check(r.clone()).unwrap();
        assert_eq!(
            valid.manifest.consignments[0].goods_items[0].hs_code,
            "851712"
        );
        assert_eq!(
            pairs(&warned(r, "851712")),
            [(
                "manifest.consignments[0].goods_items[0].hs_code",
                "unknown_hs_code"
            )]
        );
    }

    #[test]
    fn dangerous_goods_are_checked() {
        fn dangerous(r: &mut SubmitManifestRequest) -> &mut DangerousGoods {
            item(r).dangerous_goods.as_mut().unwrap()
        }
        let path = "manifest.consignments[0].goods_items[0].dangerous_goods";
        let mut r = air_request();
        dangerous(&mut r).un_number = "UN34810".into();
        assert_eq!(refused(r, "34810"), [format!("{path}.un_number")]);
        let mut r = air_request();
        dangerous(&mut r).un_number = "ID8000".into();
        assert_eq!(refused(r, "8000"), [format!("{path}.un_number")]);
        let mut r = air_request();
        dangerous(&mut r).un_number.clear();
        assert_eq!(refused(r, "3481"), [format!("{path}.un_number")]);
        let mut r = air_request();
        dangerous(&mut r).r#class = "Q".into();
        dangerous(&mut r).packing_group = "IV".into();
        assert_eq!(
            refused(r, "IV"),
            [format!("{path}.class"), format!("{path}.packing_group")]
        );
        // Paint, class 3, packing group II.
        let mut r = air_request();
        *dangerous(&mut r) = DangerousGoods {
            un_number: "un1263".into(),
            r#class: "3".into(),
            packing_group: "2".into(),
        };
        let valid = check(r).unwrap();
        let found = valid.manifest.consignments[0].goods_items[0]
            .dangerous_goods
            .clone()
            .unwrap();
        assert_eq!(
            (found.un_number.as_str(), found.packing_group.as_str()),
            ("1263", "II")
        );
    }

    #[test]
    fn weights_must_be_finite_and_not_negative() {
        for kg in [f64::NAN, f64::INFINITY, -18_400.0] {
            let mut r = sea_request();
            item(&mut r).gross_weight_kg = kg;
            assert_eq!(
                refused(r, "18400"),
                ["manifest.consignments[0].goods_items[0].gross_weight_kg"]
            );
        }
        let mut r = sea_request();
        first(&mut r).gross_weight_kg = -1.0;
        first(&mut r).containers[0].gross_weight_kg = f64::NEG_INFINITY;
        assert_eq!(
            refused(r, "inf"),
            [
                "manifest.consignments[0].gross_weight_kg",
                "manifest.consignments[0].containers[0].gross_weight_kg"
            ]
        );
    }

    #[test]
    fn implausible_goods_are_stored_with_warnings() {
        let mut r = sea_request();
        item(&mut r).description = "FAK".into();
        // 18,400 kg in 20 million packages: under a gram each.
        item(&mut r).package_count = 20_000_000;
        item(&mut r).declared_value = Some(Money {
            currency_code: "EUR".into(),
            units: 150,
            nanos: 0,
        });
        let path = "manifest.consignments[0].goods_items[0]";
        assert_eq!(
            pairs(&warned(r, "FAK")),
            [
                (format!("{path}.description").as_str(), "description_vague"),
                (
                    format!("{path}.package_count").as_str(),
                    "package_weight_too_low"
                ),
                (
                    format!("{path}.declared_value").as_str(),
                    "value_per_kg_too_low"
                ),
            ]
        );
        // A consignment heavier than its one 20-foot container can carry.
        let mut r = sea_request();
        first(&mut r).gross_weight_kg = 41_000.0;
        assert_eq!(
            pairs(&warned(r, "41000")),
            [(
                "manifest.consignments[0].gross_weight_kg",
                "gross_weight_above_container_capacity"
            )]
        );
        // No exchange rate for the dollar: the value is not judged, and that is no warning.
        let mut r = sea_request();
        item(&mut r).declared_value.as_mut().unwrap().currency_code = "USD".into();
        assert!(check(r).unwrap().warnings.is_empty());
        let mut r = sea_request();
        item(&mut r).declared_value.as_mut().unwrap().currency_code = "EURO".into();
        assert_eq!(
            refused(r, "EURO"),
            ["manifest.consignments[0].goods_items[0].declared_value.currency_code"]
        );
    }

    #[test]
    fn container_numbers_are_iso_6346_at_sea_and_on_land() {
        let wrong = format!("CSQU305438{}", (csqu_digit() + 1) % 10);
        for mode in [TransportMode::Sea, TransportMode::Road, TransportMode::Rail] {
            let mut r = sea_request();
            manifest(&mut r).mode = mode as i32;
            first(&mut r).containers[0].number = wrong.clone();
            item(&mut r).container_numbers = vec![wrong.clone()];
            assert_eq!(
                refused(r, &wrong),
                ["manifest.consignments[0].containers[0].number"],
                "{mode:?}"
            );
        }
        // A ULD id is no sea container.
        let mut r = sea_request();
        first(&mut r).containers[0].number = "AKE12345LH".into();
        item(&mut r).container_numbers.clear();
        assert_eq!(
            refused(r, "AKE12345LH"),
            ["manifest.consignments[0].containers[0].number"]
        );
    }

    #[test]
    fn air_containers_are_uld_ids() {
        for bad in ["AKE1234", "AK12345LH", "AKE123456"] {
            let mut r = air_request();
            first(&mut r).containers[0].number = bad.into();
            item(&mut r).container_numbers.clear();
            assert_eq!(
                refused(r, bad),
                ["manifest.consignments[0].containers[0].number"],
                "{bad}"
            );
        }
        let mut r = air_request();
        first(&mut r).containers[0].number = "PMC 1234 AF".into();
        item(&mut r).container_numbers = vec!["PMC1234AF".into()];
        assert!(check(r).is_ok());
    }

    #[test]
    fn size_type_and_seals_are_bounded() {
        let path = "manifest.consignments[0].containers[0]";
        let mut r = sea_request();
        first(&mut r).containers[0].size_type = "22G".into();
        assert_eq!(refused(r, "22G"), [format!("{path}.size_type")]);
        let mut r = sea_request();
        first(&mut r).containers[0].seal_numbers = (0..=MAX_SEALS)
            .map(|i| format!("ML-IT 44128{i:02}"))
            .collect();
        assert_eq!(refused(r, "44128"), [format!("{path}.seal_numbers")]);
        let mut r = sea_request();
        first(&mut r).containers[0].seal_numbers = vec!["S".repeat(MAX_SEAL + 1)];
        assert_eq!(refused(r, "SSSS"), [format!("{path}.seal_numbers[0]")]);
    }

    #[test]
    fn goods_may_only_name_containers_of_their_consignment() {
        let mut r = sea_request();
        item(&mut r).container_numbers.push("MSCU 123456 6".into());
        assert_eq!(
            refused(r, "MSCU1234566"),
            ["manifest.consignments[0].goods_items[0].container_numbers[1]"]
        );
        let mut r = sea_request();
        let container = first(&mut r).containers[0].clone();
        first(&mut r).containers.push(container);
        assert_eq!(
            refused(r, "CSQU"),
            ["manifest.consignments[0].containers[1].number"]
        );
    }

    #[test]
    fn countries_of_routing_are_iso_alpha_3() {
        let mut r = sea_request();
        first(&mut r).countries_of_routing = vec!["it".into(), "ALB".into(), "me".into()];
        let valid = check(r).unwrap();
        assert_eq!(
            valid.manifest.consignments[0].countries_of_routing,
            ["ITA", "ALB", "MNE"]
        );
        let mut r = sea_request();
        first(&mut r).countries_of_routing = vec!["ITA".into(), "1T".into()];
        assert_eq!(
            refused(r, "1T"),
            ["manifest.consignments[0].countries_of_routing[1]"]
        );
    }

    #[test]
    fn a_manifest_whose_event_would_not_fit_the_bus_is_refused() {
        // Within every field and count limit, but 4-byte characters make it large.
        let mut c = sea_consignment();
        let template = c.goods_items[0].clone();
        c.goods_items = (0..500)
            .map(|i| GoodsItem {
                sequence_number: i + 1,
                marks: "𠜎".repeat(MAX_MARKS),
                ..template.clone()
            })
            .collect();
        let mut r = sea_request();
        manifest(&mut r).consignments = vec![c];
        // Not `unwrap_err`: the manifest's Debug would be megabytes.
        let Err(rejection) = check(r.clone()) else {
            panic!("a manifest of 500 items of 2 KB marks was accepted");
        };
        assert!(rejection.exceeds_limit());
        let (field, reason) = rejection.iter().next().unwrap();
        assert_eq!(field, "manifest");
        assert!(
            reason.contains("over the limit of 921600 bytes"),
            "{reason}"
        );

        let roomy = Limits {
            max_event_bytes: 4 * 1024 * 1024,
        };
        let valid = validate(r, "me-customs", &roomy).unwrap();
        let event = ManifestAccepted {
            event_id: uuid::Uuid::now_v7().to_string(),
            occurred_at: at(ARRIVAL),
            manifest_id: uuid::Uuid::now_v7().to_string(),
            message_id: valid.message_id.clone(),
            agency: "me-customs".into(),
            manifest: Some(valid.manifest.clone()),
            consignment_ids: vec![uuid::Uuid::now_v7().to_string()],
            version: 1,
            consignment_records: vec![max_consignment_record()],
            warnings: valid.warnings.clone(),
        };
        assert!(event.encoded_len() <= encoded_len_bound("me-customs", &valid));
    }

    #[test]
    fn warnings_are_bounded() {
        let mut r = air_request();
        let template = item(&mut r).clone();
        first(&mut r).goods_items = (0..80)
            .map(|_| GoodsItem {
                hs_code: "8517.12".into(),
                ..template.clone()
            })
            .collect();
        let valid = check(r).unwrap();
        assert_eq!(valid.warnings.len(), MAX_WARNINGS + 1);
        let last = valid.warnings.last().unwrap();
        assert_eq!(
            (
                last.field.as_str(),
                last.code.as_str(),
                last.reason.as_str()
            ),
            ("manifest", "more_warnings", "30 more warnings left out")
        );
    }

    #[test]
    fn messages_never_echo_the_submitted_value() {
        let mut r = sea_request();
        manifest(&mut r).carrier = "SECRET/CARRIER".into();
        manifest(&mut r).conveyance.as_mut().unwrap().imo_number = "9074720".into();
        consignor(&mut r).identifier = "IT-SECRET-EORI".into();
        consignor(&mut r).name = "Petrović ".repeat(30);
        item(&mut r).hs_code = "12.34".into();
        item(&mut r).gross_weight_kg = -777.0;
        let rejection = check(r).unwrap_err();
        assert_eq!(rejection.len(), 6);
        let text = rejection.into_status().message().to_owned();
        for value in ["SECRET", "9074720", "Petrović", "12.34", "777"] {
            assert!(!text.contains(value), "{value} echoed in {text}");
        }
    }

    #[test]
    fn uld_ids_take_letters_or_a_digit_in_their_type_code() {
        for id in ["AKE12345LH", "PMC1234AF", "P1C0037XX", "PMC01473R7"] {
            assert!(is_uld(id), "{id}");
        }
        for id in ["1KE12345LH", "AKE1234", "AK-12345LH", "AK12345LH"] {
            assert!(!is_uld(id), "{id}");
        }
    }
}
