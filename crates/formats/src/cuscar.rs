//! UN/EDIFACT CUSCAR (customs cargo report) mapped to typed messages.
//!
//! Directories D95B to D03B and later share the shape read here: a header (BGM, DTM, LOC, QTY,
//! RFF, NAD, TDT with its LOC/DTM, EQD with SEL) then consignments (CNI) holding their parties,
//! places, transport documents and goods items (GID with PAC, FTX, PIA/CST, MEA, DGS, PCI, SGP).
//! Segments are taken in order and attached to the last group opened, so that national profiles
//! that move a segment or leave a group out still read. What cannot be read is left out with a
//! warning naming the segment and the rule; a message is an error only when it is not a CUSCAR or
//! has no BGM.

use std::collections::HashSet;

use chrono::NaiveDateTime;

use crate::dates::{Century, DateFormat};
use crate::diagnostic::{FormatError, MessageError, Rule, Warning, WarningKind};
use crate::edifact::{self, GroupHeader, InterchangeHeader, MessageHeader, ReadOptions, Segment};
use crate::personal::Personal;

/// An interchange of CUSCAR messages.
#[derive(Debug, Clone, PartialEq)]
pub struct Interchange {
    pub header: InterchangeHeader,
    pub groups: Vec<GroupHeader>,
    /// One result per UNH, in order: one unusable report does not hide the others.
    pub messages: Vec<Result<CuscarMessage, MessageError>>,
    /// Envelope warnings; each message carries its own.
    pub warnings: Vec<Warning>,
}

/// Parses an interchange with control counts enforced ([`ReadOptions::default`]).
pub fn parse_interchange(input: &str) -> Result<Interchange, FormatError> {
    parse_interchange_with(input, ReadOptions::default())
}

pub fn parse_interchange_with(
    input: &str,
    options: ReadOptions,
) -> Result<Interchange, FormatError> {
    let raw = edifact::read_interchange_with(input, options)?;
    let messages = raw
        .messages
        .into_iter()
        .map(|message| message.and_then(CuscarMessage::from_message))
        .collect();
    Ok(Interchange {
        header: raw.header,
        groups: raw.groups,
        messages,
        warnings: raw.warnings,
    })
}

/// BGM document name code (1001).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocumentKind {
    /// 785.
    CargoManifest,
    /// Any other code (85 in the US ACE profile, national codes), kept as sent.
    Other(String),
}

impl DocumentKind {
    fn from_code(code: &str) -> Self {
        match code {
            "785" => Self::CargoManifest,
            other => Self::Other(other.to_owned()),
        }
    }
}

/// BGM message function code (1225): whether the report is new or amends an earlier one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MessageFunction {
    /// 1.
    Cancellation,
    /// 2.
    Addition,
    /// 3.
    Deletion,
    /// 4.
    Change,
    /// 5.
    Replacement,
    /// 9.
    Original,
    /// Any other code (e.g. 22 final transmission, or a profile's own such as `VSA`).
    Other(String),
}

impl MessageFunction {
    fn from_code(code: &str) -> Self {
        match code {
            "1" => Self::Cancellation,
            "2" => Self::Addition,
            "3" => Self::Deletion,
            "4" => Self::Change,
            "5" => Self::Replacement,
            "9" => Self::Original,
            other => Self::Other(other.to_owned()),
        }
    }
}

/// One CUSCAR message.
#[derive(Debug, Clone, PartialEq)]
pub struct CuscarMessage {
    pub header: MessageHeader,
    /// BGM element 1; `None` (with a warning) when the sender left it out.
    pub document: Option<DocumentKind>,
    /// BGM C002 component 4, e.g. `STANDARD`.
    pub document_name: Option<String>,
    /// BGM element 2 (manifest or report number).
    pub document_number: Option<Personal<String>>,
    pub function: Option<MessageFunction>,
    /// Dates, places, references, parties, conveyances … given for the whole report.
    pub details: Details,
    /// QTY of the header (e.g. 104 number of consignments in some profiles).
    pub quantities: Vec<Quantity>,
    /// Every EQD of the message, wherever it stands, so that SGP can name it.
    pub equipment: Vec<Equipment>,
    pub consignments: Vec<Consignment>,
    pub warnings: Vec<Warning>,
}

impl CuscarMessage {
    /// The first conveyance (TDT) of the report, the one that brings the cargo.
    pub fn movement(&self) -> Option<&Transport> {
        self.details.transports.first()
    }

    /// DTM 132 of a conveyance, else of the message.
    pub fn estimated_arrival(&self) -> Option<NaiveDateTime> {
        self.movement_date("132")
    }

    /// DTM 178 of a conveyance, else of the message.
    pub fn actual_arrival(&self) -> Option<NaiveDateTime> {
        self.movement_date("178")
    }

    /// DTM 133 of a conveyance, else of the message.
    pub fn estimated_departure(&self) -> Option<NaiveDateTime> {
        self.movement_date("133")
    }

    fn movement_date(&self, qualifier: &str) -> Option<NaiveDateTime> {
        self.details
            .transports
            .iter()
            .flat_map(|transport| &transport.dates)
            .chain(&self.details.dates)
            .find(|date| date.qualifier == qualifier)
            .map(|date| date.at)
    }

    /// The EQD with this equipment identifier.
    pub fn equipment(&self, id: &str) -> Option<&Equipment> {
        self.equipment
            .iter()
            .find(|equipment| equipment.id.as_deref() == Some(id))
    }
}

/// What a message header and a consignment both carry.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Details {
    pub dates: Vec<Dated>,
    pub locations: Vec<Location>,
    pub references: Vec<Reference>,
    pub parties: Vec<Party>,
    /// TDT groups: the conveyance, its stage, and the LOC/DTM that follow it.
    pub transports: Vec<Transport>,
    pub free_text: Vec<FreeText>,
    pub amounts: Vec<Amount>,
    pub measurements: Vec<Measurement>,
    /// GIS and GEI.
    pub indicators: Vec<Indicator>,
    /// CNT.
    pub totals: Vec<ControlTotal>,
}

impl Details {
    /// The first NAD with this function.
    pub fn party(&self, function: &PartyFunction) -> Option<&Party> {
        self.parties
            .iter()
            .find(|party| &party.function == function)
    }

    /// The first LOC with this role.
    pub fn location(&self, role: &LocationRole) -> Option<&Location> {
        self.locations
            .iter()
            .find(|location| &location.role == role)
    }

    /// The first RFF with this qualifier.
    pub fn reference(&self, qualifier: &str) -> Option<&Reference> {
        self.references
            .iter()
            .find(|reference| reference.qualifier == qualifier)
    }
}

/// DTM with its function code qualifier (2005), e.g. 132 estimated arrival, 178 actual arrival.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dated {
    pub segment: usize,
    pub qualifier: String,
    pub at: NaiveDateTime,
}

/// LOC function code qualifier (3227).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LocationRole {
    /// 5.
    Departure,
    /// 7.
    Delivery,
    /// 8.
    Destination,
    /// 9.
    Loading,
    /// 11.
    Discharge,
    /// 13.
    Transhipment,
    /// 24.
    Entry,
    /// 76: the port where the cargo was first loaded.
    OriginalLoading,
    /// 88.
    Receipt,
    /// 92: a country or place the consignment passes through.
    Routing,
    /// Any other qualifier (27 country of origin, 41, 60, 89, 113 …), kept as sent.
    Other(String),
}

impl LocationRole {
    fn from_code(code: &str) -> Self {
        match code {
            "5" => Self::Departure,
            "7" => Self::Delivery,
            "8" => Self::Destination,
            "9" => Self::Loading,
            "11" => Self::Discharge,
            "13" => Self::Transhipment,
            "24" => Self::Entry,
            "76" => Self::OriginalLoading,
            "88" => Self::Receipt,
            "92" => Self::Routing,
            other => Self::Other(other.to_owned()),
        }
    }
}

/// LOC: a place by its code (a UN/LOCODE, a country, or a code of the list named) and name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub segment: usize,
    pub qualifier: String,
    pub role: LocationRole,
    pub code: Option<String>,
    /// C517 1131, e.g. `139` port, `163` US state.
    pub code_list: Option<String>,
    /// C517 3055, e.g. `6` UN/ECE.
    pub agency: Option<String>,
    /// C517 3224.
    pub name: Option<String>,
}

/// RFF: a qualifier (BM bill of lading, BH house B/L, AWB, MB, AAM waybill, ABO …) and number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub segment: usize,
    pub qualifier: String,
    /// C506 1154; some profiles leave it out and send only a line number.
    pub number: Option<Personal<String>>,
    /// C506 1156.
    pub line: Option<Personal<String>>,
}

/// NAD party function code qualifier (3035).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PartyFunction {
    /// CZ: consignor (shipper).
    Consignor,
    /// CN.
    Consignee,
    /// N1.
    NotifyParty,
    /// CA.
    Carrier,
    /// AG.
    Agent,
    /// CG: carrier's agent.
    CarrierAgent,
    /// MS: message sender.
    Sender,
    /// IM.
    Importer,
    /// Any other qualifier, kept as sent.
    Other(String),
}

impl PartyFunction {
    fn from_code(code: &str) -> Self {
        match code {
            "CZ" => Self::Consignor,
            "CN" => Self::Consignee,
            "N1" => Self::NotifyParty,
            "CA" => Self::Carrier,
            "AG" => Self::Agent,
            "CG" => Self::CarrierAgent,
            "MS" => Self::Sender,
            "IM" => Self::Importer,
            other => Self::Other(other.to_owned()),
        }
    }
}

/// NAD C082: a party identifier (EORI, TIN, SCAC …) and the list it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartyId {
    pub value: Personal<String>,
    /// 1131.
    pub code_list: Option<String>,
    /// 3055.
    pub agency: Option<String>,
}

/// NAD elements 3 and 5 to 8 (the country is kept apart, in the clear, for targeting).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Address {
    /// C058: unstructured name and address lines.
    pub lines: Vec<String>,
    /// C059.
    pub street: Vec<String>,
    pub city: Option<String>,
    /// Element 7 component 1 (a state or province code).
    pub region: Option<String>,
    pub postal_code: Option<String>,
}

/// COM: a number and its channel (`TE`, `FX`, `EM`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub channel: Option<String>,
    pub number: Personal<String>,
}

/// A NAD with the CTA and COM that follow it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Party {
    pub segment: usize,
    pub qualifier: String,
    pub function: PartyFunction,
    pub id: Option<PartyId>,
    /// C080 (structured name), else the first C058 line.
    pub name: Option<Personal<String>>,
    pub address: Option<Personal<Address>>,
    /// Element 9 (ISO 3166-1 alpha-2).
    pub country: Option<String>,
    /// CTA C056 name.
    pub contact_name: Option<Personal<String>>,
    pub contacts: Vec<Contact>,
}

/// TDT C220 mode of transport (Recommendation 19).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransportMode {
    /// 1.
    Sea,
    /// 2.
    Rail,
    /// 3.
    Road,
    /// 4.
    Air,
    /// Any other code (5 mail, 6 multimodal, 8 inland water …), kept as sent.
    Other(String),
}

impl TransportMode {
    /// `1` and `01` are both sent.
    fn from_code(code: &str) -> Self {
        match code.trim_start_matches('0') {
            "1" => Self::Sea,
            "2" => Self::Rail,
            "3" => Self::Road,
            "4" => Self::Air,
            _ => Self::Other(code.to_owned()),
        }
    }
}

/// TDT C040.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Carrier {
    pub id: Option<String>,
    pub code_list: Option<String>,
    pub name: Option<Personal<String>>,
}

/// TDT C222: the vessel, train, truck or aircraft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conveyance {
    /// 8213: IMO (Lloyd's) number, call sign, plate … as the code list says.
    pub id: Option<String>,
    /// 1131, e.g. `146` Lloyd's, `103` call sign.
    pub code_list: Option<String>,
    /// 8212.
    pub name: Option<String>,
    /// 8453: the flag.
    pub nationality: Option<String>,
}

impl Conveyance {
    /// The identifier when it is an IMO ship number (seven digits, `IMO` prefix optional, check
    /// digit valid).
    pub fn imo_number(&self) -> Option<&str> {
        let id = self.id.as_deref()?;
        let digits = id.strip_prefix("IMO").unwrap_or(id).trim();
        is_imo_number(digits).then_some(digits)
    }
}

/// Seven digits whose last is the sum of the first six weighted 7 to 2, modulo 10.
pub fn is_imo_number(value: &str) -> bool {
    let digits: Vec<u32> = value.chars().filter_map(|c| c.to_digit(10)).collect();
    if value.len() != 7 || digits.len() != 7 {
        return false;
    }
    let sum: u32 = digits
        .iter()
        .take(6)
        .zip((2..=7).rev())
        .map(|(digit, weight)| digit * weight)
        .sum();
    digits.get(6) == Some(&(sum % 10))
}

/// A TDT group.
#[derive(Debug, Clone, PartialEq)]
pub struct Transport {
    pub segment: usize,
    /// 8051, e.g. 20 main carriage (profiles also send 11, 13).
    pub stage: Option<String>,
    /// 8028: voyage or trip number.
    pub conveyance_reference: Option<String>,
    pub mode: Option<TransportMode>,
    /// C228 type of means of transport (code, else description).
    pub means: Option<String>,
    pub carrier: Option<Carrier>,
    pub conveyance: Option<Conveyance>,
    pub locations: Vec<Location>,
    pub dates: Vec<Dated>,
}

/// EQD qualifier (8053).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EquipmentKind {
    /// CN.
    Container,
    /// Any other qualifier (TE trailer, RR rail car, BI …), kept as sent.
    Other(String),
}

/// EQD full/empty indicator (8169).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Loading {
    /// 4.
    Empty,
    /// 5.
    Full,
    Other(String),
}

/// An EQD with its SEL, RFF, LOC and MEA.
#[derive(Debug, Clone, PartialEq)]
pub struct Equipment {
    pub segment: usize,
    pub kind: EquipmentKind,
    /// C237 8260: the container number (ISO 6346) or other equipment id.
    pub id: Option<String>,
    /// C224 8155: ISO size/type code, e.g. `22G1`.
    pub size_type: Option<String>,
    pub loading: Option<Loading>,
    pub seals: Vec<String>,
    pub references: Vec<Reference>,
    pub locations: Vec<Location>,
    pub measurements: Vec<Measurement>,
}

/// FTX: subject code (4451) and text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FreeText {
    pub subject: Option<String>,
    pub text: Personal<String>,
}

/// MOA: qualifier (5025), amount and currency.
#[derive(Debug, Clone, PartialEq)]
pub struct Amount {
    pub qualifier: String,
    pub value: f64,
    pub currency: Option<String>,
}

/// MEA: purpose (6311, e.g. WT, AAE, AAI), attribute (6313, e.g. G gross, AAW volume), unit and
/// value.
#[derive(Debug, Clone, PartialEq)]
pub struct Measurement {
    pub purpose: String,
    pub attribute: Option<String>,
    /// 6411, e.g. KGM, MTQ (the US ACE profile sends K and L).
    pub unit: Option<String>,
    pub value: Option<f64>,
}

impl Measurement {
    /// WT or AAE with attribute G, or AAI (the gross weight of the US ACE profile).
    pub fn is_gross_weight(&self) -> bool {
        matches!(
            (self.purpose.as_str(), self.attribute.as_deref()),
            ("WT" | "AAE", Some("G" | "AAB")) | ("AAI", None | Some("G"))
        )
    }

    /// VOL, or AAE with attribute AAW.
    pub fn is_volume(&self) -> bool {
        self.purpose == "VOL" || self.attribute.as_deref() == Some("AAW")
    }
}

/// QTY: qualifier, value and unit.
#[derive(Debug, Clone, PartialEq)]
pub struct Quantity {
    pub qualifier: String,
    pub value: f64,
    pub unit: Option<String>,
}

/// GIS or GEI: a processing indicator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Indicator {
    pub segment: usize,
    /// GEI 9649; none for GIS.
    pub qualifier: Option<String>,
    pub code: Option<String>,
}

/// CNT: qualifier (6069) and value as sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlTotal {
    pub qualifier: String,
    pub value: Option<String>,
}

/// DOC: a document by its name code (1001, e.g. 705 B/L, 714 house B/L, 740 air waybill).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub segment: usize,
    pub code: String,
    pub number: Option<Personal<String>>,
}

/// A CNI group.
#[derive(Debug, Clone, PartialEq)]
pub struct Consignment {
    /// The CNI, or the GID that opened an implied consignment.
    pub segment: usize,
    /// CNI 1490.
    pub sequence: Option<u32>,
    /// True when goods items came without a CNI (see [`WarningKind::OutsideConsignment`]).
    pub implied: bool,
    /// CNI C503 1004: the transport document number in many profiles.
    pub document_number: Option<Personal<String>>,
    pub documents: Vec<Document>,
    pub details: Details,
    /// TSR 4065 codes.
    pub service_requirements: Vec<String>,
    pub goods: Vec<GoodsItem>,
}

/// RFF qualifiers that name a transport document, most specific first.
const TRANSPORT_DOCUMENT_REFERENCES: [&str; 6] = ["BH", "BM", "MB", "AWB", "HWB", "AAM"];
/// DOC codes of transport documents: house B/L, B/L, master air waybill, house waybill.
const TRANSPORT_DOCUMENT_CODES: [&str; 5] = ["714", "705", "740", "703", "706"];

impl Consignment {
    /// The bill of lading (or waybill) number: RFF BH/BM/MB/AWB/HWB/AAM, else DOC 714/705/740/
    /// 703/706, else the CNI document number.
    pub fn transport_document(&self) -> Option<&Personal<String>> {
        TRANSPORT_DOCUMENT_REFERENCES
            .iter()
            .find_map(|qualifier| self.details.reference(qualifier)?.number.as_ref())
            .or_else(|| {
                TRANSPORT_DOCUMENT_CODES.iter().find_map(|code| {
                    self.documents
                        .iter()
                        .find(|document| document.code == *code)?
                        .number
                        .as_ref()
                })
            })
            .or(self.document_number.as_ref())
    }

    /// LOC 92 codes, in order.
    pub fn routing(&self) -> impl Iterator<Item = &str> {
        self.details
            .locations
            .iter()
            .filter(|location| location.role == LocationRole::Routing)
            .filter_map(|location| location.code.as_deref())
    }

    /// The sum of the goods items' gross weights in one unit, when they all give one.
    pub fn gross_weight(&self) -> Option<(f64, &str)> {
        let mut unit = None;
        let mut total = 0.0;
        for item in &self.goods {
            let (value, item_unit) = item.gross_weight()?;
            if unit.is_some_and(|unit| unit != item_unit) {
                return None;
            }
            unit = Some(item_unit);
            total += value;
        }
        unit.map(|unit| (total, unit))
    }
}

/// GID or PAC: number of packages and package type code (Recommendation 21, e.g. CT carton).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packages {
    pub count: u32,
    pub type_code: Option<String>,
}

/// The segment a commodity code came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommoditySource {
    /// PIA: additional product id, typed by 7143.
    Pia,
    /// CST: customs tariff codes.
    Cst,
}

/// A commodity code of a goods item: PIA item id with its type (HS), or CST customs code with
/// its code list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommodityCode {
    pub source: CommoditySource,
    pub code: String,
    /// PIA 7143 (e.g. `HS`) or CST 1131 (e.g. `122`).
    pub scheme: Option<String>,
}

impl CommodityCode {
    /// PIA of type HS (or HT, a national extension of it), and any CST code (a tariff number,
    /// whose first six digits are the HS subheading).
    pub fn is_hs(&self) -> bool {
        match self.source {
            CommoditySource::Pia => matches!(self.scheme.as_deref(), Some("HS" | "HT")),
            CommoditySource::Cst => true,
        }
    }
}

/// DGS: class (8351) and UN number (7124).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DangerousGoods {
    pub segment: usize,
    /// 8273, e.g. `IMD` IMDG code.
    pub regulations: Option<String>,
    pub class: Option<String>,
    pub un_number: Option<String>,
}

/// SGP: part of a goods item in one piece of equipment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    pub segment: usize,
    pub equipment: String,
    pub packages: Option<u32>,
}

/// A GID group.
#[derive(Debug, Clone, PartialEq)]
pub struct GoodsItem {
    pub segment: usize,
    /// GID 1496.
    pub number: Option<u32>,
    pub packages: Option<Packages>,
    /// FTX AAA.
    pub description: Vec<Personal<String>>,
    /// FTX other than AAA.
    pub free_text: Vec<FreeText>,
    pub commodity_codes: Vec<CommodityCode>,
    pub measurements: Vec<Measurement>,
    pub dangerous_goods: Vec<DangerousGoods>,
    /// PCI C210.
    pub marks: Vec<Personal<String>>,
    pub placements: Vec<Placement>,
    pub amounts: Vec<Amount>,
    /// LOC of the item (e.g. 27 country of origin).
    pub locations: Vec<Location>,
    pub documents: Vec<Document>,
}

impl GoodsItem {
    fn new(segment: usize, number: Option<u32>, packages: Option<Packages>) -> Self {
        Self {
            segment,
            number,
            packages,
            description: Vec::new(),
            free_text: Vec::new(),
            commodity_codes: Vec::new(),
            measurements: Vec::new(),
            dangerous_goods: Vec::new(),
            marks: Vec::new(),
            placements: Vec::new(),
            amounts: Vec::new(),
            locations: Vec::new(),
            documents: Vec::new(),
        }
    }

    /// The first gross weight measurement with its value and unit.
    pub fn gross_weight(&self) -> Option<(f64, &str)> {
        self.measurements
            .iter()
            .filter(|m| m.is_gross_weight())
            .find_map(|m| Some((m.value?, m.unit.as_deref()?)))
    }

    /// The first volume measurement with its value and unit.
    pub fn volume(&self) -> Option<(f64, &str)> {
        self.measurements
            .iter()
            .filter(|m| m.is_volume())
            .find_map(|m| Some((m.value?, m.unit.as_deref()?)))
    }

    /// The first HS code.
    pub fn hs_code(&self) -> Option<&str> {
        self.commodity_codes
            .iter()
            .find(|code| code.is_hs())
            .map(|code| code.code.as_str())
    }
}

/// The group the segments being read belong to, below the message or consignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Group {
    None,
    Transport,
    Party,
    Equipment,
    Goods,
}

struct Reader {
    document: Option<DocumentKind>,
    document_name: Option<String>,
    document_number: Option<Personal<String>>,
    function: Option<MessageFunction>,
    seen_bgm: bool,
    details: Details,
    quantities: Vec<Quantity>,
    equipment: Vec<Equipment>,
    consignments: Vec<Consignment>,
    group: Group,
    warnings: Vec<Warning>,
}

impl CuscarMessage {
    fn from_message(message: edifact::Message) -> Result<Self, MessageError> {
        let header = message.header;
        let fail = |rule| MessageError {
            reference: Some(header.reference.clone()),
            error: FormatError::new(header.segment, "UNH", rule),
        };
        if header.message_type != "CUSCAR" {
            return Err(fail(Rule::NotCuscar));
        }
        let mut reader = Reader {
            document: None,
            document_name: None,
            document_number: None,
            function: None,
            seen_bgm: false,
            details: Details::default(),
            quantities: Vec::new(),
            equipment: Vec::new(),
            consignments: Vec::new(),
            group: Group::None,
            warnings: Vec::new(),
        };
        for segment in &message.segments {
            if let Err(error) = reader.read(segment) {
                reader.warnings.push(Warning::new(
                    error.segment,
                    &error.tag,
                    WarningKind::Skipped(error.rule),
                ));
            }
        }
        if !reader.seen_bgm {
            return Err(fail(Rule::MissingDocumentName));
        }
        reader.check_placements();
        let Reader {
            document,
            document_name,
            document_number,
            function,
            details,
            quantities,
            equipment,
            consignments,
            mut warnings,
            ..
        } = reader;
        warnings.sort_by_key(|warning| warning.segment);
        Ok(Self {
            header,
            document,
            document_name,
            document_number,
            function,
            details,
            quantities,
            equipment,
            consignments,
            warnings,
        })
    }
}

impl Reader {
    /// The details of the open consignment, else of the message.
    fn details(&mut self) -> &mut Details {
        match self.consignments.last_mut() {
            Some(consignment) => &mut consignment.details,
            None => &mut self.details,
        }
    }

    fn goods(&mut self) -> Option<&mut GoodsItem> {
        match self.group {
            Group::Goods => self.consignments.last_mut()?.goods.last_mut(),
            _ => None,
        }
    }

    fn transport(&mut self) -> Option<&mut Transport> {
        match self.group {
            Group::Transport => self.details().transports.last_mut(),
            _ => None,
        }
    }

    fn party(&mut self) -> Option<&mut Party> {
        match self.group {
            Group::Party => self.details().parties.last_mut(),
            _ => None,
        }
    }

    fn equipment(&mut self) -> Option<&mut Equipment> {
        match self.group {
            Group::Equipment => self.equipment.last_mut(),
            _ => None,
        }
    }

    fn not_used(&mut self, segment: &Segment) {
        self.warnings
            .push(segment.warning(WarningKind::NotUsedInCuscar));
    }

    fn read(&mut self, segment: &Segment) -> Result<(), FormatError> {
        match segment.tag() {
            "BGM" => self.bgm(segment),
            "DTM" => {
                let Some(dated) = dated(segment, &mut self.warnings)? else {
                    return Ok(());
                };
                match self.transport() {
                    Some(transport) => transport.dates.push(dated),
                    None => self.details().dates.push(dated),
                }
            }
            "LOC" => {
                let location = location(segment)?;
                if let Some(transport) = self.transport() {
                    transport.locations.push(location);
                } else if let Some(item) = self.goods() {
                    item.locations.push(location);
                } else if let Some(equipment) = self.equipment() {
                    equipment.locations.push(location);
                } else {
                    self.details().locations.push(location);
                }
            }
            "RFF" => {
                let reference = reference(segment)?;
                match self.equipment() {
                    Some(equipment) => equipment.references.push(reference),
                    None => self.details().references.push(reference),
                }
            }
            "QTY" => {
                let quantity = quantity(segment, &mut self.warnings)?;
                match (self.consignments.is_empty(), quantity) {
                    (true, Some(quantity)) => self.quantities.push(quantity),
                    (false, Some(_)) => self.not_used(segment),
                    (_, None) => {}
                }
            }
            "NAD" => {
                let party = party(segment)?;
                self.details().parties.push(party);
                self.group = Group::Party;
            }
            "CTA" => match self.party() {
                Some(party) => {
                    party.contact_name = segment
                        .component(2, 2)
                        .or_else(|| segment.component(2, 1))
                        .map(|name| Personal::new(name.to_owned()));
                }
                None => self.not_used(segment),
            },
            "COM" => match self.party() {
                Some(party) => party.contacts.extend(contacts(segment)),
                None => self.not_used(segment),
            },
            "TDT" => {
                let transport = transport(segment);
                self.details().transports.push(transport);
                self.group = Group::Transport;
            }
            "EQD" => {
                self.equipment.push(equipment(segment));
                self.group = Group::Equipment;
            }
            "SEL" => {
                let seal = segment.require(1, "seal identifier")?.to_owned();
                match self.equipment() {
                    Some(equipment) => equipment.seals.push(seal),
                    None => self.not_used(segment),
                }
            }
            "CNI" => {
                let sequence = integer(
                    segment,
                    1,
                    1,
                    "consolidation item number",
                    &mut self.warnings,
                );
                self.consignments.push(Consignment {
                    segment: segment.number(),
                    sequence,
                    implied: false,
                    document_number: personal(segment.component(2, 1)),
                    documents: Vec::new(),
                    details: Details::default(),
                    service_requirements: Vec::new(),
                    goods: Vec::new(),
                });
                self.group = Group::None;
            }
            "GID" => self.gid(segment),
            "PAC" => {
                let count = integer(segment, 1, 1, "number of packages", &mut self.warnings);
                let type_code = segment.value(3).map(str::to_owned);
                match self.goods() {
                    Some(item) if item.packages.is_none() => {
                        item.packages = count.map(|count| Packages { count, type_code });
                    }
                    _ => self.not_used(segment),
                }
            }
            "FTX" => {
                let text = free_text(segment);
                if let Some(item) = self.goods() {
                    match text.subject.as_deref() {
                        Some("AAA") => item.description.push(text.text),
                        _ => item.free_text.push(text),
                    }
                } else {
                    self.details().free_text.push(text);
                }
            }
            "MEA" => {
                let measurement = measurement(segment, &mut self.warnings)?;
                if let Some(item) = self.goods() {
                    item.measurements.push(measurement);
                } else if let Some(equipment) = self.equipment() {
                    equipment.measurements.push(measurement);
                } else {
                    self.details().measurements.push(measurement);
                }
            }
            "MOA" => {
                let Some(amount) = amount(segment, &mut self.warnings)? else {
                    return Ok(());
                };
                match self.goods() {
                    Some(item) => item.amounts.push(amount),
                    None => self.details().amounts.push(amount),
                }
            }
            "PIA" | "CST" => {
                let codes = commodity_codes(segment);
                match self.goods() {
                    Some(item) => item.commodity_codes.extend(codes),
                    None => self.not_used(segment),
                }
            }
            "DGS" => {
                let goods = DangerousGoods {
                    segment: segment.number(),
                    regulations: owned(segment.value(1)),
                    class: owned(segment.value(2)),
                    un_number: owned(segment.value(3)),
                };
                match self.goods() {
                    Some(item) => item.dangerous_goods.push(goods),
                    None => self.not_used(segment),
                }
            }
            "PCI" => {
                let marks: Vec<Personal<String>> = (1..=10)
                    .filter_map(|component| personal(segment.component(2, component)))
                    .collect();
                match self.goods() {
                    Some(item) => item.marks.extend(marks),
                    None => self.not_used(segment),
                }
            }
            "SGP" => {
                let placement = Placement {
                    segment: segment.number(),
                    equipment: segment.require(1, "equipment identifier")?.to_owned(),
                    packages: integer(segment, 2, 1, "package quantity", &mut self.warnings),
                };
                match self.goods() {
                    Some(item) => item.placements.push(placement),
                    None => self.not_used(segment),
                }
            }
            "DOC" => {
                let document = Document {
                    segment: segment.number(),
                    code: segment.require(1, "document name code")?.to_owned(),
                    number: personal(segment.value(2)),
                };
                if let Some(item) = self.goods() {
                    item.documents.push(document);
                } else if let Some(consignment) = self.consignments.last_mut() {
                    consignment.documents.push(document);
                } else {
                    self.not_used(segment);
                }
            }
            "TSR" => {
                let code = segment.require(1, "contract and carriage condition code")?;
                let code = code.to_owned();
                match self.consignments.last_mut() {
                    Some(consignment) => consignment.service_requirements.push(code),
                    None => self.not_used(segment),
                }
            }
            "GIS" | "GEI" => {
                let (qualifier, code) = match segment.tag() {
                    "GEI" => (owned(segment.value(1)), owned(segment.value(2))),
                    _ => (None, owned(segment.value(1))),
                };
                let indicator = Indicator {
                    segment: segment.number(),
                    qualifier,
                    code,
                };
                self.details().indicators.push(indicator);
            }
            "CNT" => {
                let total = ControlTotal {
                    qualifier: segment
                        .require(1, "control total type code qualifier")?
                        .to_owned(),
                    value: owned(segment.component(1, 2)),
                };
                self.details().totals.push(total);
            }
            _ => self.not_used(segment),
        }
        Ok(())
    }

    fn bgm(&mut self, segment: &Segment) {
        if self.seen_bgm {
            return self.not_used(segment);
        }
        self.seen_bgm = true;
        self.document = segment.value(1).map(DocumentKind::from_code);
        if self.document.is_none() {
            self.warnings
                .push(segment.warning(WarningKind::MissingElement {
                    element: 1,
                    name: "document name code",
                }));
        }
        self.document_name = owned(segment.component(1, 4));
        self.document_number = personal(segment.value(2));
        self.function = segment.value(3).map(MessageFunction::from_code);
    }

    fn gid(&mut self, segment: &Segment) {
        let number = integer(segment, 1, 1, "goods item number", &mut self.warnings);
        let count = integer(segment, 2, 1, "number of packages", &mut self.warnings);
        let packages = count.map(|count| Packages {
            count,
            type_code: owned(segment.component(2, 2)),
        });
        if self.consignments.is_empty() {
            self.warnings
                .push(segment.warning(WarningKind::OutsideConsignment));
            self.consignments.push(Consignment {
                segment: segment.number(),
                sequence: None,
                implied: true,
                document_number: None,
                documents: Vec::new(),
                details: Details::default(),
                service_requirements: Vec::new(),
                goods: Vec::new(),
            });
        }
        if let Some(consignment) = self.consignments.last_mut() {
            if number.is_some() && consignment.goods.iter().any(|item| item.number == number) {
                self.warnings
                    .push(segment.warning(WarningKind::DuplicateGoodsItem));
            }
            consignment
                .goods
                .push(GoodsItem::new(segment.number(), number, packages));
        }
        self.group = Group::Goods;
    }

    /// SGP must name an EQD of the message, and the packages it places must add up to the GID's.
    fn check_placements(&mut self) {
        let known: HashSet<&str> = self
            .equipment
            .iter()
            .filter_map(|equipment| equipment.id.as_deref())
            .collect();
        for item in self.consignments.iter().flat_map(|c| &c.goods) {
            for placement in &item.placements {
                if !known.contains(placement.equipment.as_str()) {
                    self.warnings.push(Warning::new(
                        placement.segment,
                        "SGP",
                        WarningKind::UnknownEquipment { element: 1 },
                    ));
                }
            }
            let placed: Option<u32> = item
                .placements
                .iter()
                .map(|placement| placement.packages)
                .sum();
            if let (Some(packages), Some(placed)) = (&item.packages, placed)
                && !item.placements.is_empty()
                && placed != packages.count
            {
                self.warnings.push(Warning::new(
                    item.segment,
                    "GID",
                    WarningKind::PackageCount {
                        declared: packages.count,
                        placed,
                    },
                ));
            }
        }
    }
}

fn owned(value: Option<&str>) -> Option<String> {
    value.map(str::to_owned)
}

fn personal(value: Option<&str>) -> Option<Personal<String>> {
    value.map(|value| Personal::new(value.to_owned()))
}

/// The non-blank components of an element, joined by a space.
fn joined(segment: &Segment, element: usize) -> Option<String> {
    let parts: Vec<&str> = segment
        .components(element)
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .collect();
    (!parts.is_empty()).then(|| parts.join(" "))
}

/// A number where one is expected; left out with a warning when it is not one.
fn integer(
    segment: &Segment,
    element: usize,
    component: usize,
    name: &'static str,
    warnings: &mut Vec<Warning>,
) -> Option<u32> {
    let value = segment.component(element, component)?;
    let parsed = value.parse().ok();
    if parsed.is_none() {
        warnings.push(segment.warning(WarningKind::InvalidValue {
            element,
            component,
            name,
        }));
    }
    parsed
}

/// A decimal value: `.` or `,` as the decimal mark (both are allowed by the syntax).
fn decimal(
    segment: &Segment,
    element: usize,
    component: usize,
    name: &'static str,
    warnings: &mut Vec<Warning>,
) -> Option<f64> {
    let value = segment.component(element, component)?;
    let parsed = value
        .replace(',', ".")
        .parse::<f64>()
        .ok()
        .filter(|value| value.is_finite());
    if parsed.is_none() {
        warnings.push(segment.warning(WarningKind::InvalidValue {
            element,
            component,
            name,
        }));
    }
    parsed
}

/// DTM C507; an impossible or unreadable date is left out with a warning.
fn dated(segment: &Segment, warnings: &mut Vec<Warning>) -> Result<Option<Dated>, FormatError> {
    let qualifier = segment.require(1, "date or time function code qualifier")?;
    let value = segment.component(1, 2).ok_or_else(|| {
        segment.error(Rule::MissingElement {
            element: 1,
            name: "date or time value",
        })
    })?;
    let format = match segment.component(1, 3) {
        Some(code) => DateFormat::from_code(code),
        None => DateFormat::infer(value),
    };
    let Some(format) = format else {
        warnings.push(
            segment.warning(WarningKind::Skipped(Rule::UnsupportedDateFormat {
                element: 1,
            })),
        );
        return Ok(None);
    };
    let Some(at) = format.parse(value, Century::Current) else {
        warnings.push(segment.warning(WarningKind::Skipped(Rule::InvalidDate {
            element: 1,
            component: 2,
            format: format.name(),
        })));
        return Ok(None);
    };
    Ok(Some(Dated {
        segment: segment.number(),
        qualifier: qualifier.to_owned(),
        at,
    }))
}

fn location(segment: &Segment) -> Result<Location, FormatError> {
    let qualifier = segment.require(1, "location function code qualifier")?;
    Ok(Location {
        segment: segment.number(),
        qualifier: qualifier.to_owned(),
        role: LocationRole::from_code(qualifier),
        code: owned(segment.value(2)),
        code_list: owned(segment.component(2, 2)),
        agency: owned(segment.component(2, 3)),
        name: owned(segment.component(2, 4)),
    })
}

fn reference(segment: &Segment) -> Result<Reference, FormatError> {
    Ok(Reference {
        segment: segment.number(),
        qualifier: segment.require(1, "reference code qualifier")?.to_owned(),
        number: personal(segment.component(1, 2)),
        line: personal(segment.component(1, 3)),
    })
}

fn quantity(
    segment: &Segment,
    warnings: &mut Vec<Warning>,
) -> Result<Option<Quantity>, FormatError> {
    let qualifier = segment.require(1, "quantity type code qualifier")?;
    Ok(
        decimal(segment, 1, 2, "quantity", warnings).map(|value| Quantity {
            qualifier: qualifier.to_owned(),
            value,
            unit: owned(segment.component(1, 3)),
        }),
    )
}

fn party(segment: &Segment) -> Result<Party, FormatError> {
    let qualifier = segment.require(1, "party function code qualifier")?;
    let lines: Vec<String> = segment
        .components(3)
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .collect();
    let name = joined(segment, 4).or_else(|| lines.first().cloned());
    let address = Address {
        lines,
        street: segment
            .components(5)
            .map(str::trim)
            .filter(|line| !line.is_empty())
            .map(str::to_owned)
            .collect(),
        city: owned(segment.value(6)),
        region: owned(segment.value(7)),
        postal_code: owned(segment.value(8)),
    };
    Ok(Party {
        segment: segment.number(),
        qualifier: qualifier.to_owned(),
        function: PartyFunction::from_code(qualifier),
        id: segment.value(2).map(|id| PartyId {
            value: Personal::new(id.to_owned()),
            code_list: owned(segment.component(2, 2)),
            agency: owned(segment.component(2, 3)),
        }),
        name: name.map(Personal::new),
        address: (address != Address::default()).then(|| Personal::new(address)),
        country: owned(segment.value(9)),
        contact_name: None,
        contacts: Vec::new(),
    })
}

fn contacts(segment: &Segment) -> impl Iterator<Item = Contact> + '_ {
    (1..=segment.element_count()).filter_map(|element| {
        Some(Contact {
            number: Personal::new(segment.component(element, 1)?.to_owned()),
            channel: owned(segment.component(element, 2)),
        })
    })
}

fn transport(segment: &Segment) -> Transport {
    let carrier = Carrier {
        id: owned(segment.value(5)),
        code_list: owned(segment.component(5, 2)),
        name: personal(segment.component(5, 4)),
    };
    let conveyance = Conveyance {
        id: owned(segment.value(8)),
        code_list: owned(segment.component(8, 2)),
        name: owned(segment.component(8, 4)),
        nationality: owned(segment.component(8, 5)),
    };
    let empty_conveyance = Conveyance {
        id: None,
        code_list: None,
        name: None,
        nationality: None,
    };
    Transport {
        segment: segment.number(),
        stage: owned(segment.value(1)),
        conveyance_reference: owned(segment.value(2)),
        mode: segment.value(3).map(TransportMode::from_code),
        means: owned(segment.value(4).or_else(|| segment.component(4, 4))),
        carrier: (carrier.id.is_some() || carrier.name.is_some()).then_some(carrier),
        conveyance: (conveyance != empty_conveyance).then_some(conveyance),
        locations: Vec::new(),
        dates: Vec::new(),
    }
}

fn equipment(segment: &Segment) -> Equipment {
    Equipment {
        segment: segment.number(),
        kind: match segment.value(1) {
            Some("CN") | None => EquipmentKind::Container,
            Some(other) => EquipmentKind::Other(other.to_owned()),
        },
        id: owned(segment.value(2)),
        size_type: owned(segment.value(3)),
        loading: segment.value(6).map(|code| match code {
            "4" => Loading::Empty,
            "5" => Loading::Full,
            other => Loading::Other(other.to_owned()),
        }),
        seals: Vec::new(),
        references: Vec::new(),
        locations: Vec::new(),
        measurements: Vec::new(),
    }
}

/// FTX element 4 (C108, five lines of text) joined by a space.
fn free_text(segment: &Segment) -> FreeText {
    FreeText {
        subject: owned(segment.value(1)),
        text: Personal::new(joined(segment, 4).unwrap_or_default()),
    }
}

fn measurement(segment: &Segment, warnings: &mut Vec<Warning>) -> Result<Measurement, FormatError> {
    Ok(Measurement {
        purpose: segment
            .require(1, "measurement purpose code qualifier")?
            .to_owned(),
        attribute: owned(segment.value(2)),
        unit: owned(segment.component(3, 1)),
        value: decimal(segment, 3, 2, "measure", warnings),
    })
}

fn amount(segment: &Segment, warnings: &mut Vec<Warning>) -> Result<Option<Amount>, FormatError> {
    let qualifier = segment.require(1, "monetary amount type code qualifier")?;
    Ok(
        decimal(segment, 1, 2, "monetary amount", warnings).map(|value| Amount {
            qualifier: qualifier.to_owned(),
            value,
            currency: owned(segment.component(1, 3)),
        }),
    )
}

/// PIA elements 2 to 6 (C212: item id, type) or CST elements 2 to 6 (C246: code, code list).
fn commodity_codes(segment: &Segment) -> Vec<CommodityCode> {
    let source = match segment.tag() {
        "CST" => CommoditySource::Cst,
        _ => CommoditySource::Pia,
    };
    (2..=6)
        .filter_map(|element| {
            Some(CommodityCode {
                source,
                code: segment.value(element)?.to_owned(),
                scheme: owned(segment.component(element, 2)),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imo_numbers_are_checked() {
        assert!(is_imo_number("9235103"));
        assert!(is_imo_number("9074729"));
        assert!(!is_imo_number("9235104"));
        assert!(!is_imo_number("923510"));
        assert!(!is_imo_number("92351O3"));
        let conveyance = Conveyance {
            id: Some("IMO9074729".to_owned()),
            code_list: None,
            name: None,
            nationality: None,
        };
        assert_eq!(conveyance.imo_number(), Some("9074729"));
    }

    #[test]
    fn transport_modes_read_with_or_without_leading_zero() {
        assert_eq!(TransportMode::from_code("1"), TransportMode::Sea);
        assert_eq!(TransportMode::from_code("03"), TransportMode::Road);
        assert_eq!(TransportMode::from_code("4"), TransportMode::Air);
        assert_eq!(
            TransportMode::from_code("8"),
            TransportMode::Other("8".to_owned())
        );
    }
}
