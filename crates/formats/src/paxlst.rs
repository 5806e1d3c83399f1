//! PAXLST (API passenger and crew lists) mapped to typed messages.
//!
//! Conventions follow the UN/EDIFACT PAXLST message as profiled by the WCO/IATA/ICAO API guidelines
//! and the US APIS variant that GTAS reads: segments are taken in order, a NAD of a traveller opens
//! that traveller's group, a TDT opens a flight leg, a DOC opens a document whose DTM 36 and LOC 91
//! follow it.

use chrono::{NaiveDate, NaiveDateTime};
use thiserror::Error;

use crate::dates::{Century, DateFormat};
use crate::diagnostic::{FormatError, MessageError, Rule, Warning, WarningKind};
use crate::edifact::{
    self, GroupHeader, InterchangeHeader, MessageHeader, ReadOptions, Segment, TransferPosition,
};
use crate::personal::Personal;

/// An interchange of PAXLST messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interchange {
    pub header: InterchangeHeader,
    pub groups: Vec<GroupHeader>,
    /// One result per UNH, in order: a passenger list and a crew list may share an interchange.
    pub messages: Vec<Result<PaxlstMessage, MessageError>>,
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
    let prepared = raw.header.prepared.date();
    let messages = raw
        .messages
        .into_iter()
        .map(|message| message.and_then(|message| PaxlstMessage::from_message(message, prepared)))
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
pub enum ListKind {
    /// 745.
    Passengers,
    /// 250.
    Crew,
    /// Any other code (e.g. 266 or 655 in some national profiles), kept as sent.
    Other(String),
}

impl ListKind {
    fn from_code(code: &str) -> Self {
        match code {
            "745" => Self::Passengers,
            "250" => Self::Crew,
            other => Self::Other(other.to_owned()),
        }
    }
}

/// One PAXLST message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaxlstMessage {
    pub header: MessageHeader,
    pub list: ListKind,
    /// BGM element 2 (e.g. `C` or `CP` in US APIS).
    pub document_identifier: Option<String>,
    /// BGM element 3 (1225), e.g. `9` original.
    pub message_function: Option<String>,
    /// Message-level RFF (e.g. `TN` transaction reference).
    pub references: Vec<Reference>,
    /// NAD MS with its COM contacts.
    pub reporting_party: Option<ReportingParty>,
    pub legs: Vec<Leg>,
    pub travellers: Vec<Traveller>,
    /// CNT segments as sent.
    pub declared_counts: Vec<DeclaredCount>,
    pub warnings: Vec<Warning>,
}

impl PaxlstMessage {
    pub fn passengers(&self) -> impl Iterator<Item = &Traveller> {
        self.travellers.iter().filter(|t| !t.role.is_crew())
    }

    pub fn crew(&self) -> impl Iterator<Item = &Traveller> {
        self.travellers.iter().filter(|t| t.role.is_crew())
    }

    /// The leg that crosses into the reporting state: the one with LOC 125 or 87 (the US APIS and
    /// IATA convention), otherwise the last leg.
    pub fn border_leg(&self) -> Option<&Leg> {
        self.legs
            .iter()
            .find(|leg| {
                leg.stops
                    .iter()
                    .any(|stop| stop.qualifier == "125" || stop.qualifier == "87")
            })
            .or_else(|| self.legs.last())
    }
}

/// RFF: a qualifier (AVF booking reference, ABO, SEA seat, TN transaction, CR, AEA …) and value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub qualifier: String,
    pub value: Personal<String>,
}

/// COM: a number and its channel (`TE`, `FX`, `EM`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub channel: Option<String>,
    pub number: Personal<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportingParty {
    pub name: Option<Personal<String>>,
    pub contacts: Vec<Contact>,
}

/// TDT element 2 split into carrier designator and flight number (`UA0989` → `UA`, `0989`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlightNumber {
    pub carrier: Option<String>,
    pub number: String,
}

impl FlightNumber {
    /// Uses the TDT carrier (element 5) when it prefixes the id, else a two-character IATA or
    /// three-letter ICAO designator followed by digits.
    fn parse(id: &str, carrier: Option<&str>) -> Self {
        let split = |carrier: &str, number: &str| Self {
            carrier: Some(carrier.to_owned()),
            number: number.to_owned(),
        };
        if let Some(carrier) = carrier
            && let Some(number) = id.strip_prefix(carrier)
            && !number.is_empty()
        {
            return split(carrier, number);
        }
        let digits_from = |at: usize| {
            id.get(at..)
                .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
        };
        if id
            .get(..3)
            .is_some_and(|p| p.bytes().all(|b| b.is_ascii_uppercase()))
            && digits_from(3)
        {
            return split(&id[..3], &id[3..]);
        }
        if id
            .get(..2)
            .is_some_and(|p| p.bytes().all(|b| b.is_ascii_alphanumeric()))
            && digits_from(2)
        {
            return split(&id[..2], &id[2..]);
        }
        Self {
            carrier: None,
            number: id.to_owned(),
        }
    }

    /// Carrier and number as printed, e.g. `UA0989`.
    pub fn designator(&self) -> String {
        format!("{}{}", self.carrier.as_deref().unwrap_or(""), self.number)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopRole {
    Departure,
    Arrival,
    /// LOC 92 without a DTM 189/232 that tells which end it is.
    Routing,
    /// LOC 130.
    FinalDestination,
}

/// A LOC of a flight leg with the DTM that follows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stop {
    pub airport: String,
    /// LOC qualifier as sent: 125, 87, 92 or 130.
    pub qualifier: String,
    pub role: StopRole,
    pub scheduled: Option<NaiveDateTime>,
}

/// A TDT group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leg {
    pub segment: usize,
    pub flight: FlightNumber,
    pub stops: Vec<Stop>,
}

impl Leg {
    fn stop(&self, role: StopRole) -> Option<&Stop> {
        self.stops.iter().find(|stop| stop.role == role)
    }

    pub fn departure(&self) -> Option<&Stop> {
        self.stop(StopRole::Departure)
    }

    pub fn arrival(&self) -> Option<&Stop> {
        self.stop(StopRole::Arrival)
    }

    pub fn final_destination(&self) -> Option<&Stop> {
        self.stop(StopRole::FinalDestination)
    }
}

/// NAD party qualifier of a traveller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TravellerRole {
    /// FL.
    Passenger,
    /// DDT.
    InTransitPassenger,
    /// FM.
    Crew,
    /// DDU.
    InTransitCrew,
    /// COT: the guide's other crew variant (crew not operating the flight).
    OtherCrew,
}

impl TravellerRole {
    fn from_code(code: &str) -> Option<Self> {
        match code {
            "FL" => Some(Self::Passenger),
            "DDT" => Some(Self::InTransitPassenger),
            "FM" => Some(Self::Crew),
            "DDU" => Some(Self::InTransitCrew),
            "COT" => Some(Self::OtherCrew),
            _ => None,
        }
    }

    pub fn is_crew(self) -> bool {
        matches!(self, Self::Crew | Self::InTransitCrew | Self::OtherCrew)
    }
}

/// ATT 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sex {
    Male,
    Female,
    /// U.
    Unknown,
    /// X.
    Unspecified,
}

impl Sex {
    fn from_code(code: &str) -> Option<Self> {
        match code {
            "M" => Some(Self::Male),
            "F" => Some(Self::Female),
            "U" => Some(Self::Unknown),
            "X" => Some(Self::Unspecified),
            _ => None,
        }
    }
}

/// NAD elements 5 to 9.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Address {
    pub street: Option<String>,
    pub city: Option<String>,
    pub region: Option<String>,
    pub postal_code: Option<String>,
    pub country: Option<String>,
}

/// DOC with the DTM 36/182 and LOC 91 that follow it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TravelDocument {
    pub segment: usize,
    /// Document name code, e.g. `P` passport, `V` visa, `I` identity card.
    pub type_code: Option<String>,
    pub number: Option<Personal<String>>,
    pub expiry: Option<NaiveDate>,
    pub issued: Option<NaiveDate>,
    pub issuing_country: Option<String>,
}

/// MEA: qualifier (e.g. `CT` count, `WT` weight), unit and value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Measurement {
    pub qualifier: Option<String>,
    pub unit: Option<String>,
    pub value: Option<String>,
}

/// FTX: subject code and text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FreeText {
    pub subject: Option<String>,
    pub text: Personal<String>,
}

/// GEI: processing indicator (e.g. `4` + `173` verified).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessingIndicator {
    pub qualifier: Option<String>,
    pub code: Option<String>,
}

/// CNT: qualifier (41 crew, 42 passengers) and count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeclaredCount {
    pub segment: usize,
    pub qualifier: String,
    pub count: usize,
}

/// A passenger or crew member (a NAD group).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Traveller {
    /// Position of the NAD, to point at this traveller without naming them.
    pub segment: usize,
    pub role: TravellerRole,
    pub surname: Option<Personal<String>>,
    pub given_names: Personal<Vec<String>>,
    pub address: Option<Personal<Address>>,
    pub sex: Option<Sex>,
    pub date_of_birth: Option<Personal<NaiveDate>>,
    /// NAT 2.
    pub nationality: Option<String>,
    /// LOC 22: port of clearance (first arrival in the reporting state).
    pub clearance_port: Option<String>,
    /// LOC 178.
    pub embarkation: Option<String>,
    /// LOC 179.
    pub debarkation: Option<String>,
    /// LOC 174.
    pub residence_country: Option<String>,
    /// LOC 180: code, or the name in component 4.
    pub birth_place: Option<Personal<String>>,
    pub references: Vec<Reference>,
    pub documents: Vec<TravelDocument>,
    pub contacts: Vec<Contact>,
    pub measurements: Vec<Measurement>,
    pub free_text: Vec<FreeText>,
    pub indicators: Vec<ProcessingIndicator>,
}

impl Traveller {
    fn new(segment: &Segment, role: TravellerRole) -> Self {
        let owned = |element| segment.value(element).map(str::to_owned);
        let given_names = (2..=6)
            .filter_map(|component| segment.component(4, component))
            .map(str::to_owned)
            .collect();
        let address = Address {
            street: owned(5),
            city: owned(6),
            region: owned(7),
            postal_code: owned(8),
            country: owned(9),
        };
        Self {
            segment: segment.number(),
            role,
            surname: segment.value(4).map(|s| Personal::new(s.to_owned())),
            given_names: Personal::new(given_names),
            address: (address != Address::default()).then(|| Personal::new(address)),
            sex: None,
            date_of_birth: None,
            nationality: None,
            clearance_port: None,
            embarkation: None,
            debarkation: None,
            residence_country: None,
            birth_place: None,
            references: Vec::new(),
            documents: Vec::new(),
            contacts: Vec::new(),
            measurements: Vec::new(),
            free_text: Vec::new(),
            indicators: Vec::new(),
        }
    }

    /// The first RFF with this qualifier.
    pub fn reference(&self, qualifier: &str) -> Option<&Personal<String>> {
        self.references
            .iter()
            .find(|r| r.qualifier == qualifier)
            .map(|r| &r.value)
    }

    /// RFF AVF.
    pub fn booking_reference(&self) -> Option<&Personal<String>> {
        self.reference("AVF")
    }

    /// RFF SEA.
    pub fn seat(&self) -> Option<&Personal<String>> {
        self.reference("SEA")
    }
}

/// Where the segment being read belongs.
enum Context {
    Header,
    Leg,
    Traveller,
    Trailer,
}

impl PaxlstMessage {
    fn from_message(message: edifact::Message, prepared: NaiveDate) -> Result<Self, MessageError> {
        let header = message.header;
        let fail = |error| MessageError {
            reference: Some(header.reference.clone()),
            error,
        };
        if header.message_type != "PAXLST" {
            return Err(fail(FormatError::new(
                header.segment,
                "UNH",
                Rule::NotPaxlst,
            )));
        }

        let mut list = None;
        let mut document_identifier = None;
        let mut message_function = None;
        let mut references = Vec::new();
        let mut reporting_party: Option<ReportingParty> = None;
        let mut legs: Vec<Leg> = Vec::new();
        let mut travellers: Vec<Traveller> = Vec::new();
        let mut declared_counts = Vec::new();
        let mut warnings = Vec::new();
        let mut context = Context::Header;

        for segment in &message.segments {
            let mut ignored = || warnings.push(segment.warning(WarningKind::Ignored));
            let traveller = match context {
                Context::Traveller => travellers.last_mut(),
                _ => None,
            };
            match (segment.tag(), traveller) {
                ("BGM", _) => {
                    list = Some(ListKind::from_code(
                        segment.require(1, "document name code").map_err(fail)?,
                    ));
                    document_identifier = segment.value(2).map(str::to_owned);
                    message_function = segment.value(3).map(str::to_owned);
                }
                ("NAD", _) => {
                    let qualifier = segment.require(1, "party function code qualifier");
                    match qualifier.map_err(fail)? {
                        "MS" => {
                            context = Context::Header;
                            let name = segment.value(4).or_else(|| segment.value(3));
                            reporting_party = Some(ReportingParty {
                                name: name.map(|n| Personal::new(n.to_owned())),
                                contacts: Vec::new(),
                            });
                        }
                        code => match TravellerRole::from_code(code) {
                            Some(role) => {
                                context = Context::Traveller;
                                travellers.push(Traveller::new(segment, role));
                            }
                            None => ignored(),
                        },
                    }
                }
                ("TDT", _) => {
                    context = Context::Leg;
                    let id = segment.require(2, "transport means journey identifier");
                    legs.push(Leg {
                        segment: segment.number(),
                        flight: FlightNumber::parse(id.map_err(fail)?, segment.value(5)),
                        stops: Vec::new(),
                    });
                }
                ("CNT", _) => {
                    context = Context::Trailer;
                    declared_counts.push(declared_count(segment).map_err(fail)?);
                }
                ("RFF", Some(traveller)) => {
                    traveller.references.push(reference(segment).map_err(fail)?)
                }
                ("RFF", None) if matches!(context, Context::Header) => {
                    references.push(reference(segment).map_err(fail)?);
                }
                ("COM", Some(traveller)) => traveller.contacts.extend(contacts(segment)),
                ("COM", None) if matches!(context, Context::Header) => reporting_party
                    .get_or_insert_with(ReportingParty::default)
                    .contacts
                    .extend(contacts(segment)),
                ("LOC", Some(traveller)) => {
                    if !traveller_location(traveller, segment).map_err(fail)? {
                        ignored();
                    }
                }
                ("LOC", None) if matches!(context, Context::Leg) => {
                    if !leg_location(legs.last_mut(), segment).map_err(fail)? {
                        ignored();
                    }
                }
                ("DTM", Some(traveller)) => {
                    if !traveller_date(traveller, segment, prepared).map_err(fail)? {
                        ignored();
                    }
                }
                ("DTM", None) if matches!(context, Context::Leg) => {
                    if !leg_date(legs.last_mut(), segment).map_err(fail)? {
                        ignored();
                    }
                }
                ("ATT", Some(traveller)) if segment.value(1) == Some("2") => {
                    traveller.sex = segment.component(3, 1).and_then(Sex::from_code);
                }
                ("NAT", Some(traveller)) => {
                    traveller.nationality = segment.value(2).map(str::to_owned);
                }
                ("DOC", Some(traveller)) => traveller.documents.push(TravelDocument {
                    segment: segment.number(),
                    type_code: segment.value(1).map(str::to_owned),
                    number: segment.value(2).map(|n| Personal::new(n.to_owned())),
                    expiry: None,
                    issued: None,
                    issuing_country: None,
                }),
                ("MEA", Some(traveller)) => traveller.measurements.push(Measurement {
                    qualifier: segment.value(1).map(str::to_owned),
                    unit: segment.component(3, 1).map(str::to_owned),
                    value: segment.component(3, 2).map(str::to_owned),
                }),
                ("FTX", Some(traveller)) => {
                    let text: Vec<&str> = (1..=5).filter_map(|c| segment.component(4, c)).collect();
                    traveller.free_text.push(FreeText {
                        subject: segment.value(1).map(str::to_owned),
                        text: Personal::new(text.join(" ")),
                    });
                }
                ("GEI", Some(traveller)) => traveller.indicators.push(ProcessingIndicator {
                    qualifier: segment.value(1).map(str::to_owned),
                    code: segment.value(2).map(str::to_owned),
                }),
                _ => ignored(),
            }
        }

        let list = list.ok_or_else(|| {
            fail(FormatError::new(
                header.segment,
                "UNH",
                Rule::MissingDocumentName,
            ))
        })?;
        check_counts(&declared_counts, &travellers, &mut warnings);
        Ok(Self {
            header,
            list,
            document_identifier,
            message_function,
            references,
            reporting_party,
            legs,
            travellers,
            declared_counts,
            warnings,
        })
    }
}

fn reference(segment: &Segment) -> Result<Reference, FormatError> {
    Ok(Reference {
        qualifier: segment.require(1, "reference code qualifier")?.to_owned(),
        value: Personal::new(segment.component(1, 2).unwrap_or_default().to_owned()),
    })
}

fn contacts(segment: &Segment) -> impl Iterator<Item = Contact> + '_ {
    (1..=segment.element_count()).filter_map(|element| {
        Some(Contact {
            number: Personal::new(segment.component(element, 1)?.to_owned()),
            channel: segment.component(element, 2).map(str::to_owned),
        })
    })
}

/// `CNT+42:2`, also the `CNT+41+8` some senders write.
fn declared_count(segment: &Segment) -> Result<DeclaredCount, FormatError> {
    let qualifier = segment.require(1, "control total type code qualifier")?;
    let (element, value) = match segment.component(1, 2) {
        Some(value) => (1, Some(value)),
        None => (2, segment.value(2)),
    };
    let name = "control total value";
    let value = value.ok_or_else(|| segment.error(Rule::MissingElement { element, name }))?;
    Ok(DeclaredCount {
        segment: segment.number(),
        qualifier: qualifier.to_owned(),
        count: value
            .parse()
            .map_err(|_| segment.error(Rule::NotANumber { element, name }))?,
    })
}

fn check_counts(declared: &[DeclaredCount], travellers: &[Traveller], warnings: &mut Vec<Warning>) {
    for count in declared {
        let (qualifier, actual) = match count.qualifier.as_str() {
            "42" => (
                "42",
                travellers.iter().filter(|t| !t.role.is_crew()).count(),
            ),
            "41" => ("41", travellers.iter().filter(|t| t.role.is_crew()).count()),
            _ => continue,
        };
        if count.count != actual {
            warnings.push(Warning::new(
                count.segment,
                "CNT",
                WarningKind::TravellerCount {
                    qualifier,
                    declared: count.count,
                    actual,
                },
            ));
        }
    }
}

/// Returns whether the LOC was used.
fn traveller_location(traveller: &mut Traveller, segment: &Segment) -> Result<bool, FormatError> {
    let qualifier = segment.require(1, "location function code qualifier")?;
    let code = segment.value(2).map(str::to_owned);
    match qualifier {
        "22" => traveller.clearance_port = code,
        "178" => traveller.embarkation = code,
        "179" => traveller.debarkation = code,
        "174" => traveller.residence_country = code,
        "180" => {
            let place = segment.value(2).or_else(|| segment.component(2, 4));
            traveller.birth_place = place.map(|p| Personal::new(p.to_owned()));
        }
        "91" => match traveller.documents.last_mut() {
            Some(document) => document.issuing_country = code,
            None => return Ok(false),
        },
        _ => return Ok(false),
    }
    Ok(true)
}

fn leg_location(leg: Option<&mut Leg>, segment: &Segment) -> Result<bool, FormatError> {
    let Some(leg) = leg else {
        return Ok(false);
    };
    let qualifier = segment.require(1, "location function code qualifier")?;
    let role = match qualifier {
        "125" => StopRole::Departure,
        "87" => StopRole::Arrival,
        "92" => StopRole::Routing,
        "130" => StopRole::FinalDestination,
        _ => return Ok(false),
    };
    leg.stops.push(Stop {
        airport: segment.require(2, "location identifier")?.to_owned(),
        qualifier: qualifier.to_owned(),
        role,
        scheduled: None,
    });
    Ok(true)
}

fn leg_date(leg: Option<&mut Leg>, segment: &Segment) -> Result<bool, FormatError> {
    let Some(stop) = leg.and_then(|leg| leg.stops.last_mut()) else {
        return Ok(false);
    };
    let (qualifier, at) = date_time(segment, Century::Current)?;
    let role = match qualifier {
        "189" => StopRole::Departure,
        "232" => StopRole::Arrival,
        _ => return Ok(false),
    };
    if stop.role == StopRole::Routing {
        stop.role = role;
    }
    stop.scheduled = Some(at);
    Ok(true)
}

fn traveller_date(
    traveller: &mut Traveller,
    segment: &Segment,
    prepared: NaiveDate,
) -> Result<bool, FormatError> {
    let qualifier = segment.require(1, "date or time function code qualifier")?;
    let century = match qualifier {
        "329" => Century::NotAfter(prepared),
        _ => Century::Current,
    };
    let (_, at) = date_time(segment, century)?;
    let date = at.date();
    match (qualifier, traveller.documents.last_mut()) {
        ("329", _) => traveller.date_of_birth = Some(Personal::new(date)),
        ("36", Some(document)) => document.expiry = Some(date),
        ("182", Some(document)) => document.issued = Some(date),
        _ => return Ok(false),
    }
    Ok(true)
}

/// DTM C507: qualifier, value, format code (inferred from the length when absent).
fn date_time(segment: &Segment, century: Century) -> Result<(&str, NaiveDateTime), FormatError> {
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
    }
    .ok_or_else(|| segment.error(Rule::UnsupportedDateFormat { element: 1 }))?;
    let at = format.parse(value, century).ok_or_else(|| {
        segment.error(Rule::InvalidDate {
            element: 1,
            component: 2,
            format: format.name(),
        })
    })?;
    Ok((qualifier, at))
}

/// Why the parts of a multi-part message could not be put together.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ReassemblyError {
    #[error("no part given")]
    NoParts,
    #[error("message {reference} has no sequence of transfers but was given with other parts")]
    Unnumbered { reference: String },
    #[error("message {reference} has another common access reference than the first part")]
    ForeignPart { reference: String },
    #[error("part {sequence} is given more than once")]
    DuplicatePart { sequence: u32 },
    #[error("part {sequence} is missing")]
    MissingPart { sequence: u32 },
    #[error("no final part (F) after part {after}")]
    MissingLastPart { after: u32 },
}

/// Puts together the parts of one logical message sent in several transfers (same UNH common
/// access reference, sequence 1..n, the first marked C, the last F): travellers and counts are
/// concatenated in sequence order, the header, list kind, reporting party and legs come from part
/// 1. A single message without a sequence of transfers is returned as it is.
pub fn reassemble(
    parts: impl IntoIterator<Item = PaxlstMessage>,
) -> Result<PaxlstMessage, ReassemblyError> {
    let mut parts: Vec<PaxlstMessage> = parts.into_iter().collect();
    if parts.len() == 1 && parts.iter().all(|p| p.header.transfer.is_none()) {
        return parts.pop().ok_or(ReassemblyError::NoParts);
    }
    let mut numbered = Vec::with_capacity(parts.len());
    for part in parts {
        let Some(transfer) = part.header.transfer else {
            return Err(ReassemblyError::Unnumbered {
                reference: part.header.reference,
            });
        };
        numbered.push((transfer, part));
    }
    numbered.sort_by_key(|(transfer, _)| transfer.sequence);

    let common = numbered
        .first()
        .ok_or(ReassemblyError::NoParts)?
        .1
        .header
        .common_access_reference
        .clone();
    let mut expected = 1;
    for (transfer, part) in &numbered {
        if part.header.common_access_reference != common {
            return Err(ReassemblyError::ForeignPart {
                reference: part.header.reference.clone(),
            });
        }
        if transfer.sequence < expected {
            return Err(ReassemblyError::DuplicatePart {
                sequence: transfer.sequence,
            });
        }
        if transfer.sequence > expected {
            return Err(ReassemblyError::MissingPart { sequence: expected });
        }
        expected += 1;
    }
    let last = expected - 1;
    if numbered
        .last()
        .is_none_or(|(transfer, _)| transfer.position != Some(TransferPosition::Last))
    {
        return Err(ReassemblyError::MissingLastPart { after: last });
    }

    let mut parts = numbered.into_iter().map(|(_, part)| part);
    let mut whole = parts.next().ok_or(ReassemblyError::NoParts)?;
    for part in parts {
        whole.travellers.extend(part.travellers);
        whole.declared_counts.extend(part.declared_counts);
        whole.warnings.extend(part.warnings);
    }
    Ok(whole)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn interchange(messages: &[String]) -> String {
        format!(
            "UNA:+.? 'UNB+UNOA:4+AIR1+GH+240301:0900+IC1'{}UNZ+{}+IC1'",
            messages.concat(),
            messages.len()
        )
    }

    /// A message with `body` between BGM and UNT, UNT counted.
    fn message(reference: &str, unh_tail: &str, bgm: &str, body: &[&str]) -> String {
        let segments: String = body.iter().map(|s| format!("{s}'")).collect();
        format!(
            "UNH+{reference}+PAXLST:D:05B:UN:IATA{unh_tail}'BGM+{bgm}'{segments}UNT+{}+{reference}'",
            body.len() + 3
        )
    }

    const FLIGHT: [&str; 5] = [
        "TDT+20+U21234+++U2",
        "LOC+125+LGW",
        "DTM+189:202403011015:203",
        "LOC+87+GVA",
        "DTM+232:202403011250:203",
    ];

    #[test]
    fn passenger_and_crew_lists_share_an_interchange_and_a_bad_one_stays_alone() {
        let mut passengers = FLIGHT.to_vec();
        passengers.extend([
            "NAD+DDT+++O?'NEILL:ANNE MARIE+1 HIGH ST+LONDON++N1 1AA+GBR",
            "ATT+2++F",
            "DTM+329:19900131:102",
            "RFF+SEA:12A",
            "DOC+P+X1234567",
            "DTM+36:20300101:102",
            "LOC+91+IRL",
            "MEA+CT++:2",
            "FTX+BAG+++LGW123",
            "GEI+4+173",
            "CNT+42:1",
        ]);
        let mut crew = FLIGHT.to_vec();
        crew.extend(["NAD+FM+++PILOT:PAT", "NAD+COT+++EXTRA:SAM", "CNT+41:2"]);
        let broken = ["NAD+FL+++DOE:JANE", "DTM+329:19901399:102"];
        let input = interchange(&[
            message("P1", "", "745+CP+9", &passengers),
            message("C1", "", "250", &crew),
            message("B1", "", "745", &broken),
        ]);
        let interchange = parse_interchange(&input).unwrap();

        let list = interchange.messages[0].as_ref().unwrap();
        assert!(list.warnings.is_empty(), "{:?}", list.warnings);
        assert_eq!(list.message_function.as_deref(), Some("9"));
        assert_eq!(list.document_identifier.as_deref(), Some("CP"));
        let leg = &list.legs[0];
        assert_eq!(leg.flight.carrier.as_deref(), Some("U2"));
        assert_eq!(leg.flight.number, "1234");
        assert_eq!(
            leg.departure().unwrap().scheduled,
            NaiveDate::from_ymd_opt(2024, 3, 1).and_then(|d| d.and_hms_opt(10, 15, 0))
        );
        let anne = &list.travellers[0];
        assert_eq!(anne.role, TravellerRole::InTransitPassenger);
        assert_eq!(anne.surname.as_ref().unwrap().expose(), "O'NEILL");
        assert_eq!(anne.given_names.expose(), &["ANNE MARIE".to_owned()]);
        let address = anne.address.as_ref().unwrap().expose();
        assert_eq!(address.city.as_deref(), Some("LONDON"));
        assert_eq!(address.postal_code.as_deref(), Some("N1 1AA"));
        assert_eq!(
            anne.date_of_birth.as_ref().unwrap().expose(),
            &NaiveDate::from_ymd_opt(1990, 1, 31).unwrap()
        );
        assert_eq!(anne.seat().unwrap().expose(), "12A");
        assert_eq!(
            anne.documents[0].expiry,
            NaiveDate::from_ymd_opt(2030, 1, 1)
        );
        assert_eq!(anne.documents[0].issuing_country.as_deref(), Some("IRL"));
        assert_eq!(anne.measurements[0].value.as_deref(), Some("2"));
        assert_eq!(anne.free_text[0].text.expose(), "LGW123");
        assert_eq!(anne.indicators[0].code.as_deref(), Some("173"));

        let crew = interchange.messages[1].as_ref().unwrap();
        assert_eq!(crew.list, ListKind::Crew);
        assert_eq!(crew.crew().count(), 2);
        assert!(crew.warnings.is_empty(), "{:?}", crew.warnings);

        let error = interchange.messages[2].as_ref().unwrap_err();
        assert_eq!(error.reference.as_deref(), Some("B1"));
        assert_eq!(
            error.error,
            FormatError::new(
                35,
                "DTM",
                Rule::InvalidDate {
                    element: 1,
                    component: 2,
                    format: "CCYYMMDD"
                }
            )
        );
        let shown = error.to_string();
        assert!(
            !shown.contains("19901399") && !shown.contains("DOE"),
            "{shown}"
        );
    }

    #[test]
    fn unknown_segments_and_wrong_totals_are_warnings() {
        let body = ["NAD+FL+++A:B", "EMP+1+CR1", "CNT+42:3"];
        let input = interchange(&[message("P1", "", "745", &body)]);
        let interchange = parse_interchange(&input).unwrap();
        let kinds: Vec<_> = interchange.messages[0]
            .as_ref()
            .unwrap()
            .warnings
            .iter()
            .map(|w| (w.segment, w.tag.as_str(), w.kind.clone()))
            .collect();
        assert_eq!(
            kinds,
            [
                (5, "EMP", WarningKind::Ignored),
                (
                    6,
                    "CNT",
                    WarningKind::TravellerCount {
                        qualifier: "42",
                        declared: 3,
                        actual: 1
                    }
                )
            ]
        );
    }

    #[test]
    fn flight_numbers_split_into_carrier_and_number() {
        for (id, carrier, expected) in [
            ("JA123", None, (Some("JA"), "123")),
            ("UA0989", Some("UA"), (Some("UA"), "0989")),
            ("U21234", None, (Some("U2"), "1234")),
            ("BAW12", None, (Some("BAW"), "12")),
            ("CHARTER", None, (None, "CHARTER")),
        ] {
            let flight = FlightNumber::parse(id, carrier);
            assert_eq!(
                (flight.carrier.as_deref(), flight.number.as_str()),
                expected,
                "{id}"
            );
        }
    }

    fn part(sequence: &str, surname: &str) -> PaxlstMessage {
        let traveller = format!("NAD+FL+++{surname}:X");
        let body = [FLIGHT[0], traveller.as_str()];
        let unh_tail = format!("+API01+{sequence}");
        let input = interchange(&[message("M", &unh_tail, "745", &body)]);
        let mut interchange = parse_interchange(&input).unwrap();
        interchange.messages.remove(0).unwrap()
    }

    #[test]
    fn multi_part_messages_are_reassembled_or_the_gap_is_named() {
        let whole = reassemble([part("03:F", "C"), part("01:C", "A"), part("02", "B")]).unwrap();
        let surnames: Vec<_> = whole
            .travellers
            .iter()
            .map(|t| t.surname.as_ref().unwrap().expose().as_str())
            .collect();
        assert_eq!(surnames, ["A", "B", "C"]);
        assert_eq!(whole.legs.len(), 1);

        let cases = [
            (
                vec![part("01:C", "A"), part("03:F", "C")],
                ReassemblyError::MissingPart { sequence: 2 },
            ),
            (
                vec![part("01:C", "A"), part("01:C", "A"), part("02:F", "B")],
                ReassemblyError::DuplicatePart { sequence: 1 },
            ),
            (
                vec![part("01:C", "A"), part("02", "B")],
                ReassemblyError::MissingLastPart { after: 2 },
            ),
            (vec![], ReassemblyError::NoParts),
        ];
        for (parts, expected) in cases {
            assert_eq!(reassemble(parts).unwrap_err(), expected);
        }
    }
}
