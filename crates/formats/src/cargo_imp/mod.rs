//! IATA Cargo-IMP messages: FWB (air waybill), FFM (flight manifest) and FHL (house manifest).
//!
//! Cargo-IMP is line based: a first line with the message type and version (`FWB/17`), then
//! lines that start with a three-letter tag (`SHP`, `RTD`, `OCI` …), lines without a tag where
//! the layout says so (the consignment detail `020-12345675LHRJFK/T2K25.0`, FFM flight and
//! unloading lines), and continuation lines that start with `/`. Elements are separated by `/`.
//!
//! The layouts read are FWB/17, FFM/8 and FHL/5 (other versions of these types are read with the
//! same layouts). A file may hold several messages, one after the other ([`parse_many`]); each has
//! its own `Result`. Other message types (FSU, FSA, FBL, FFA, FSR …) are recognised and refused
//! with [`CargoImpError::Unsupported`].
//!
//! Diagnostics follow the crate's rules: [`FormatError`] and [`Warning`] name the line (their
//! `segment` is the 1-based line number in the input), the tag and the rule, never a value. Lines
//! the reader does not know are kept as warnings ([`WarningKind::NotUsedInCargoImp`]). Names,
//! addresses, references and free texts are [`Personal`]. Air waybill numbers are kept as text:
//! their check digit is verified by `gatehouse-checks`.

mod ffm;
mod fhl;
mod fwb;

use chrono::{NaiveDate, NaiveTime};
use thiserror::Error;

use crate::dates::{self, Century};
use crate::diagnostic::{FormatError, Rule, UNKNOWN_TAG, Warning, WarningKind};
use crate::personal::Personal;

pub use ffm::{
    EndMarker, FirstArrival, Flight, FlightManifest, LoadedUld, ManifestedConsignment, Onward,
    PointOfUnloading,
};
pub use fhl::{HouseManifest, HouseWaybill};
pub use fwb::{
    AccountingInformation, Agent, CarrierExecution, ChargeDeclarations, ChargeTotal, DeclaredValue,
    FlightBooking, NominatedParty, OtherCharge, OtherLine, PrepaidCollect, RateLine, RoutingStep,
    Waybill,
};

/// One message read from the input.
#[derive(Debug, Clone, PartialEq)]
pub enum CargoImpMessage {
    /// Boxed: a waybill is several times the size of the manifests.
    Fwb(Box<Waybill>),
    Ffm(FlightManifest),
    Fhl(HouseManifest),
}

impl CargoImpMessage {
    pub fn warnings(&self) -> &[Warning] {
        match self {
            Self::Fwb(m) => &m.warnings,
            Self::Ffm(m) => &m.warnings,
            Self::Fhl(m) => &m.warnings,
        }
    }
}

/// Why a message could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CargoImpError {
    /// A Cargo-IMP message of a type this reader does not map. The type code and version come from
    /// the message identifier line, which holds nothing personal.
    #[error(
        "line {line}: Cargo-IMP message type {message_type} is not supported (FWB, FFM and FHL are)"
    )]
    Unsupported {
        line: usize,
        message_type: String,
        version: Option<u16>,
    },
    /// A broken rule; `segment` is the line number.
    #[error("line {} ({}): {}", .0.segment, .0.tag, .0.rule)]
    Format(FormatError),
}

impl From<FormatError> for CargoImpError {
    fn from(error: FormatError) -> Self {
        Self::Format(error)
    }
}

/// Reads an input that holds exactly one message.
pub fn parse(input: &str) -> Result<CargoImpMessage, CargoImpError> {
    let mut chunks = split(input);
    let Some(first) = chunks.next() else {
        return Err(FormatError::new(0, UNKNOWN_TAG, Rule::Empty).into());
    };
    let message = read_chunk(first?)?;
    match chunks.next() {
        None => Ok(message),
        Some(Ok(next)) => {
            Err(FormatError::new(next.line, UNKNOWN_TAG, Rule::SeveralMessages).into())
        }
        Some(Err(error)) => Err(error),
    }
}

/// Reads every message of the input, one `Result` each, in order. Messages follow one another,
/// usually with blank lines between them; a new one starts at a message identifier line.
pub fn parse_many(input: &str) -> Vec<Result<CargoImpMessage, CargoImpError>> {
    split(input)
        .map(|chunk| chunk.and_then(read_chunk))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Messages and lines.

/// Cargo-IMP message identifiers, to tell a message start from a line of the message before.
const MESSAGE_TYPES: &[&str] = &[
    "FWB", "FFM", "FHL", "FBL", "FBR", "FFA", "FFR", "FSA", "FSU", "FSR", "FSB", "FSI", "FWR",
    "FHR", "FMA", "FNA", "FZB", "FCC", "FDA", "FMB", "FMC", "FMR", "FWC", "FXB", "FXC", "FXD",
    "FXE", "FXF", "FXH", "FXI", "FXJ", "FXL", "FXM", "FXR", "CSN", "FRI", "FRC", "FRX", "FRM",
    "FRP", "FER", "FSN", "FCS", "PRI", "PRC",
];

/// The lines of one message, with their 1-based line numbers in the input.
struct Chunk<'a> {
    line: usize,
    message_type: &'a str,
    version: Option<u16>,
    body: Vec<(usize, &'a str)>,
}

/// `TYPE/version`, or a bare `TYPE` (FSR is sent so); `None` when the line is not an identifier.
fn identifier(line: &str, after_blank: bool) -> Option<(&str, Option<u16>)> {
    // The type is the first three bytes, then `/` or the end: no need to search the whole line.
    let kind = line.get(..3)?;
    let version = match line.get(3..)? {
        "" => None,
        rest => Some(rest.strip_prefix('/')?),
    };
    if !kind.bytes().all(|b| b.is_ascii_uppercase()) {
        return None;
    }
    // The list is searched last: every line of a message comes through here.
    let known = || MESSAGE_TYPES.contains(&kind);
    match version {
        Some(version) => {
            let digits = !version.is_empty()
                && version.len() <= 3
                && version.bytes().all(|b| b.is_ascii_digit());
            let version: u16 = version.parse().ok().filter(|_| digits)?;
            // An unknown type code with a version is an identifier only where a message may start.
            (after_blank || known()).then_some((kind, Some(version)))
        }
        // `SHP`, `CNE` or an airport alone are lines of a message: a bare type needs a known code
        // at a message start.
        None => (after_blank && known()).then_some((kind, None)),
    }
}

/// Splits the input into messages; lines before the first identifier are an error of their own.
fn split(input: &str) -> impl Iterator<Item = Result<Chunk<'_>, CargoImpError>> {
    let mut out: Vec<Result<Chunk<'_>, CargoImpError>> = Vec::new();
    let mut after_blank = true;
    let mut stray = false;
    for (index, raw) in input.lines().enumerate() {
        let number = index + 1;
        let line = raw.trim_end();
        if line.is_empty() {
            after_blank = true;
            continue;
        }
        let at_start = after_blank || out.is_empty();
        after_blank = false;
        if let Some((message_type, version)) = identifier(line, at_start) {
            stray = false;
            out.push(Ok(Chunk {
                line: number,
                message_type,
                version,
                body: Vec::new(),
            }));
            continue;
        }
        match out.last_mut() {
            Some(Ok(chunk)) => chunk.body.push((number, line)),
            Some(Err(_)) if stray => {}
            _ => {
                stray = true;
                out.push(Err(FormatError::new(
                    number,
                    UNKNOWN_TAG,
                    Rule::NotCargoImp,
                )
                .into()));
            }
        }
    }
    out.into_iter()
}

fn read_chunk(chunk: Chunk<'_>) -> Result<CargoImpMessage, CargoImpError> {
    let mut message = read_type(chunk)?;
    let warnings = match &mut message {
        CargoImpMessage::Fwb(m) => &mut m.warnings,
        CargoImpMessage::Ffm(m) => &mut m.warnings,
        CargoImpMessage::Fhl(m) => &mut m.warnings,
    };
    // In line order, whichever step of the reader found them.
    warnings.sort_by_key(|w| w.segment);
    Ok(message)
}

fn read_type(chunk: Chunk<'_>) -> Result<CargoImpMessage, CargoImpError> {
    let version = chunk.version.unwrap_or(0);
    let mut warnings = Vec::new();
    let read = |warnings: &mut Vec<Warning>| records(&chunk.body, chunk.line, warnings);
    match chunk.message_type {
        "FWB" => {
            let records = read(&mut warnings)?;
            let bill = fwb::read(version, chunk.line, &records, warnings)?;
            Ok(CargoImpMessage::Fwb(Box::new(bill)))
        }
        "FFM" => {
            let records = read(&mut warnings)?;
            Ok(CargoImpMessage::Ffm(ffm::read(
                version, chunk.line, &records, warnings,
            )?))
        }
        "FHL" => {
            let records = read(&mut warnings)?;
            Ok(CargoImpMessage::Fhl(fhl::read(
                version, chunk.line, &records, warnings,
            )?))
        }
        other => Err(CargoImpError::Unsupported {
            line: chunk.line,
            message_type: other.to_owned(),
            version: chunk.version,
        }),
    }
}

/// How a record's first line is introduced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Head {
    /// `TAG/…` or `TAG` alone (also `LAST`, `CONT`).
    Tagged,
    /// A consignment detail: `020-12345675…`.
    Awb,
    /// An FFM flight line: `1/SU1145/…`.
    Numbered,
}

/// A line with the continuation lines that follow it.
#[derive(Debug, Clone)]
struct Record<'a> {
    line: usize,
    head: Head,
    /// The tag for tagged lines; a name of the line otherwise (`AWB`, `FLT`), for diagnostics.
    tag: &'a str,
    /// After `TAG/` for tagged lines (empty for a bare tag), the whole line otherwise.
    body: &'a str,
    /// Continuation lines without their leading `/`.
    continuations: Vec<(usize, &'a str)>,
    /// Line numbers of the continuations that had no `/` (wrapped text).
    wrapped: Vec<usize>,
}

impl<'a> Record<'a> {
    fn elements(&self) -> Vec<&'a str> {
        self.body.split('/').collect()
    }

    fn warning(&self, kind: WarningKind) -> Warning {
        Warning::new(self.line, self.tag, kind)
    }

    fn error(&self, rule: Rule) -> FormatError {
        FormatError::new(self.line, self.tag, rule)
    }

    fn ignored(&self) -> Warning {
        self.warning(WarningKind::NotUsedInCargoImp)
    }

    /// The first line's text and every continuation, each with its line number.
    fn texts(&self) -> impl Iterator<Item = (usize, &'a str)> + '_ {
        std::iter::once((self.line, self.body)).chain(self.continuations.iter().copied())
    }
}

fn head_of(line: &str) -> Option<(Head, &str, &str)> {
    let bytes = line.as_bytes();
    if bytes.len() >= 4 && bytes[..3].iter().all(u8::is_ascii_digit) && bytes[3] == b'-' {
        return Some((Head::Awb, "AWB", line));
    }
    // One or two digits, then `/`.
    let numbered = match bytes {
        [d, b'/', ..] => d.is_ascii_digit(),
        [d1, d2, b'/', ..] => d1.is_ascii_digit() && d2.is_ascii_digit(),
        _ => false,
    };
    if numbered {
        return Some((Head::Numbered, "FLT", line));
    }
    if line == "LAST" || line == "CONT" {
        return Some((Head::Tagged, line, ""));
    }
    let tag = line.get(..3)?;
    if !tag.bytes().all(|b| b.is_ascii_uppercase()) {
        return None;
    }
    match line.get(3..)? {
        "" => Some((Head::Tagged, tag, "")),
        rest => rest.strip_prefix('/').map(|body| (Head::Tagged, tag, body)),
    }
}

/// Groups the body lines into records. A line that has no tag and is no continuation continues
/// the line before (a wrapped transmission), with a warning.
fn records<'a>(
    body: &[(usize, &'a str)],
    header_line: usize,
    warnings: &mut Vec<Warning>,
) -> Result<Vec<Record<'a>>, FormatError> {
    let mut records: Vec<Record<'a>> = Vec::new();
    for &(line, text) in body {
        if let Some(rest) = text.strip_prefix('/') {
            match records.last_mut() {
                Some(record) => record.continuations.push((line, rest)),
                None => return Err(FormatError::new(line, UNKNOWN_TAG, Rule::ContinuationFirst)),
            }
        } else if let Some((head, tag, body)) = head_of(text) {
            records.push(Record {
                line,
                head,
                tag,
                body,
                continuations: Vec::new(),
                wrapped: Vec::new(),
            });
        } else {
            match records.last_mut() {
                Some(record) => {
                    warnings.push(Warning::new(line, record.tag, WarningKind::UntaggedLine));
                    record.continuations.push((line, text));
                    record.wrapped.push(line);
                }
                None => return Err(FormatError::new(line, UNKNOWN_TAG, Rule::InvalidTag)),
            }
        }
    }
    if records.is_empty() {
        return Err(FormatError::new(header_line, UNKNOWN_TAG, Rule::Empty));
    }
    Ok(records)
}

// ---------------------------------------------------------------------------------------------
// Values shared by the messages.

/// An air waybill number as sent: airline prefix (3 digits) and serial (8 digits, the last one a
/// check digit). Not validated here: `gatehouse-checks` verifies the mod 7 check digit.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AwbNumber {
    pub prefix: String,
    pub serial: String,
}

impl std::fmt::Display for AwbNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{}", self.prefix, self.serial)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WeightUnit {
    /// `K`.
    Kilograms,
    /// `L`.
    Pounds,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Weight {
    pub unit: WeightUnit,
    pub value: f64,
}

impl Weight {
    pub fn kilograms(&self) -> f64 {
        match self.unit {
            WeightUnit::Kilograms => self.value,
            WeightUnit::Pounds => self.value * 0.453_592_37,
        }
    }

    /// `K12.5` or `L150`.
    fn parse(text: &str) -> Option<Self> {
        let unit = match text.get(..1)? {
            "K" => WeightUnit::Kilograms,
            "L" => WeightUnit::Pounds,
            _ => return None,
        };
        Some(Self {
            unit,
            value: decimal(text.get(1..)?)?,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VolumeUnit {
    /// `MC`.
    CubicMetres,
    /// `CC`.
    CubicCentimetres,
    /// `CF`.
    CubicFeet,
    /// `CI`.
    CubicInches,
    Other(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Volume {
    pub unit: VolumeUnit,
    pub value: f64,
}

impl Volume {
    /// The volume in cubic metres, when the unit is known.
    pub fn cubic_metres(&self) -> Option<f64> {
        match self.unit {
            VolumeUnit::CubicMetres => Some(self.value),
            VolumeUnit::CubicCentimetres => Some(self.value / 1_000_000.0),
            VolumeUnit::CubicFeet => Some(self.value * 0.028_316_846_592),
            VolumeUnit::CubicInches => Some(self.value * 0.000_016_387_064),
            VolumeUnit::Other(_) => None,
        }
    }

    fn new(code: &str, value: f64) -> Self {
        let unit = match code {
            "MC" => VolumeUnit::CubicMetres,
            "CC" => VolumeUnit::CubicCentimetres,
            "CF" => VolumeUnit::CubicFeet,
            "CI" => VolumeUnit::CubicInches,
            other => VolumeUnit::Other(other.to_owned()),
        };
        Self { unit, value }
    }

    /// `MC0.57`.
    fn parse(text: &str) -> Option<Self> {
        let code = text.get(..2)?;
        code.bytes()
            .all(|b| b.is_ascii_uppercase())
            .then(|| Some(Self::new(code, decimal(text.get(2..)?)?)))?
    }
}

/// Shipment description code of a consignment line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShipmentDescription {
    /// `T`: the whole consignment.
    Total,
    /// `P`: part of it.
    Part,
    /// `S`: split, part of a consignment carried on the same flight in several parts.
    Split,
    /// `D`: divided (several part shipments).
    Divided,
    Other(String),
}

impl ShipmentDescription {
    fn from_code(code: char) -> Self {
        match code {
            'T' => Self::Total,
            'P' => Self::Part,
            'S' => Self::Split,
            'D' => Self::Divided,
            other => Self::Other(other.to_string()),
        }
    }
}

/// The consignment detail that opens an FWB, an FFM consignment and an FHL (`MBI`):
/// `020-12345675LHRJFK/T2K25.0MC0.1DG6` (FFM adds the total pieces of a part shipment, `T12`).
#[derive(Debug, Clone, PartialEq)]
pub struct ConsignmentDetail {
    pub awb: AwbNumber,
    /// Optional in FFM and FHL.
    pub origin: Option<String>,
    pub destination: String,
    pub description: Option<ShipmentDescription>,
    pub pieces: Option<u32>,
    pub weight: Option<Weight>,
    pub volume: Option<Volume>,
    pub density_group: Option<u8>,
    /// Pieces of the whole consignment when this line carries a part (`P`, `S`, `D`).
    pub total_pieces: Option<u32>,
}

/// Reads a consignment detail; the AWB number and airports must be well formed (an error), the
/// quantity is read as far as it is valid (warnings). Returns the elements after the quantity.
fn consignment<'a>(
    record: &Record<'a>,
    text: &'a str,
    warnings: &mut Vec<Warning>,
) -> Result<(ConsignmentDetail, Vec<&'a str>), FormatError> {
    let mut elements = text.split('/');
    let first = elements.next().unwrap_or_default();
    let invalid = |name| record.error(Rule::InvalidElement { element: 1, name });
    let awb = awb_number(first.get(..12).unwrap_or(first)).ok_or(invalid("air waybill number"))?;
    let airports = first.get(12..).unwrap_or_default();
    let (origin, destination) = match airports.len() {
        6 if is_code(airports, 6) => (Some(airports[..3].to_owned()), airports[3..].to_owned()),
        3 if is_code(airports, 3) => (None, airports.to_owned()),
        _ => return Err(invalid("origin and destination")),
    };
    let mut detail = ConsignmentDetail {
        awb,
        origin,
        destination,
        description: None,
        pieces: None,
        weight: None,
        volume: None,
        density_group: None,
        total_pieces: None,
    };
    match elements.next() {
        Some(quantity) => {
            if !read_quantity(quantity, &mut detail) {
                warnings.push(record.warning(WarningKind::InvalidElement {
                    element: 2,
                    name: "quantity detail",
                }));
            }
        }
        None => warnings.push(record.warning(WarningKind::MissingElement {
            element: 2,
            name: "quantity detail",
        })),
    }
    Ok((detail, elements.collect()))
}

/// `T114K2380DG6`, `D4K400MC1.6T12`: fills what is valid; `false` when something was not.
fn read_quantity(text: &str, detail: &mut ConsignmentDetail) -> bool {
    let mut scan = Scan::new(text);
    let Some(code) = scan.letter() else {
        return false;
    };
    detail.description = Some(ShipmentDescription::from_code(code));
    let Some(pieces) = number(scan.digits()) else {
        return false;
    };
    detail.pieces = Some(pieces);
    if let Some(unit) = scan.peek().filter(|c| matches!(c, 'K' | 'L')) {
        scan.advance(1);
        let Some(value) = decimal(scan.decimal()) else {
            return false;
        };
        let unit = if unit == 'K' {
            WeightUnit::Kilograms
        } else {
            WeightUnit::Pounds
        };
        detail.weight = Some(Weight { unit, value });
    }
    while let Some(two) = scan.rest().get(..2) {
        if two == "DG" {
            scan.advance(2);
            match scan.digits().parse::<u8>() {
                Ok(group) => detail.density_group = Some(group),
                Err(_) => return false,
            }
        } else if two.bytes().all(|b| b.is_ascii_uppercase()) {
            scan.advance(2);
            let Some(value) = decimal(scan.decimal()) else {
                return false;
            };
            detail.volume = Some(Volume::new(two, value));
        } else if let Some(rest) = scan.rest().strip_prefix('T') {
            let Some(total) = number(rest) else {
                return false;
            };
            detail.total_pieces = Some(total);
            return true;
        } else {
            return false;
        }
    }
    scan.rest().is_empty()
}

/// A cursor over ASCII text; every step is over ASCII bytes, so slices stay on char boundaries.
struct Scan<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Scan<'a> {
    fn new(text: &'a str) -> Self {
        Self { text, at: 0 }
    }

    fn rest(&self) -> &'a str {
        self.text.get(self.at..).unwrap_or_default()
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn advance(&mut self, bytes: usize) {
        self.at = (self.at + bytes).min(self.text.len());
    }

    fn letter(&mut self) -> Option<char> {
        let c = self.peek().filter(char::is_ascii_uppercase)?;
        self.advance(1);
        Some(c)
    }

    fn take_while(&mut self, keep: impl Fn(u8) -> bool) -> &'a str {
        let rest = self.rest();
        let len = rest.bytes().take_while(|&b| keep(b)).count();
        self.advance(len);
        rest.get(..len).unwrap_or_default()
    }

    fn digits(&mut self) -> &'a str {
        self.take_while(|b| b.is_ascii_digit())
    }

    fn decimal(&mut self) -> &'a str {
        self.take_while(|b| b.is_ascii_digit() || b == b'.' || b == b',')
    }
}

/// `555-64264793`.
fn awb_number(text: &str) -> Option<AwbNumber> {
    let (prefix, serial) = text.split_once('-')?;
    let digits = |s: &str, n| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    (digits(prefix, 3) && digits(serial, 8)).then(|| AwbNumber {
        prefix: prefix.to_owned(),
        serial: serial.to_owned(),
    })
}

/// `n` uppercase letters (airport, country, currency codes).
fn is_code(text: &str, n: usize) -> bool {
    text.len() == n && text.bytes().all(|b| b.is_ascii_uppercase())
}

/// A count: 1 to 9 digits.
fn number(text: &str) -> Option<u32> {
    (!text.is_empty() && text.len() <= 9 && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().ok())?
}

/// `12`, `12.5` or `12,5`.
fn decimal(text: &str) -> Option<f64> {
    let (whole, fraction) = match text.split_once(['.', ',']) {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (text, None),
    };
    let digits = |s: &str| !s.is_empty() && s.len() <= 12 && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || fraction.is_some_and(|f| !digits(f)) {
        return None;
    }
    let value: f64 = match fraction {
        // The text is digits, one separator, digits: with a point it parses as it stands.
        Some(_) if text.as_bytes().get(whole.len()) == Some(&b'.') => text.parse().ok()?,
        Some(fraction) => format!("{whole}.{fraction}").parse().ok()?,
        None => whole.parse().ok()?,
    };
    value.is_finite().then_some(value)
}

fn text(value: &str) -> Option<Personal<String>> {
    let value = value.trim();
    (!value.is_empty()).then(|| Personal::new(value.to_owned()))
}

fn code(value: &str) -> Option<String> {
    let value = value.trim();
    (!value.is_empty()).then(|| value.to_owned())
}

/// A day and month without a year (flight dates), with the time when sent: `01JAN` or `01JAN0400`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayMonth {
    pub day: u8,
    pub month: u8,
    pub time: Option<NaiveTime>,
}

impl DayMonth {
    fn parse(text: &str) -> Option<Self> {
        const MONTHS: [&str; 12] = [
            "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
        ];
        let day: u8 = text
            .get(..2)?
            .parse()
            .ok()
            .filter(|d| (1..=31).contains(d))?;
        if !text.get(..2)?.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let month = MONTHS.iter().position(|m| Some(*m) == text.get(2..5))?;
        let time = match text.get(5..)? {
            "" => None,
            time => Some(dates::hhmm(time)?),
        };
        Some(Self {
            day,
            month: u8::try_from(month + 1).ok()?,
            time,
        })
    }
}

/// `01OCT06`: the 20YY date an air waybill was executed.
fn issue_date(text: &str) -> Option<NaiveDate> {
    dates::ddmonyy(text, Century::Current)
}

/// A contact of a party (`TE` telephone, `FX` fax, `TL` telex).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub kind: ContactKind,
    pub number: Personal<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContactKind {
    Telephone,
    Fax,
    Telex,
    Other(String),
}

impl ContactKind {
    fn from_code(code: &str) -> Self {
        match code {
            "TE" => Self::Telephone,
            "FX" => Self::Fax,
            "TL" => Self::Telex,
            other => Self::Other(other.to_owned()),
        }
    }
}

/// A shipper, consignee or party to notify: `SHP[/account]`, `NAM`, `ADR`, `LOC` lines and the
/// coded location `/country/postcode/contact id/contact number…`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Party {
    pub line: usize,
    pub account: Option<Personal<String>>,
    /// Name lines joined by a space.
    pub name: Option<Personal<String>>,
    /// Street address lines joined by a space.
    pub street: Option<Personal<String>>,
    pub place: Option<Personal<String>>,
    pub state: Option<Personal<String>>,
    /// ISO 3166 alpha-2 country code.
    pub country: Option<String>,
    pub postcode: Option<Personal<String>>,
    pub contacts: Vec<Contact>,
}

fn joined<'a>(parts: impl Iterator<Item = &'a str>) -> Option<Personal<String>> {
    let parts: Vec<&str> = parts.map(str::trim).filter(|p| !p.is_empty()).collect();
    (!parts.is_empty()).then(|| Personal::new(parts.join(" ")))
}

/// Reads a party from its opening record and the `NAM`, `ADR`, `LOC` records after it; returns
/// the number of records after the opening one that it took.
fn party(open: &Record<'_>, after: &[Record<'_>], warnings: &mut Vec<Warning>) -> (Party, usize) {
    let mut party = Party {
        line: open.line,
        account: text(open.body),
        ..Party::default()
    };
    for cont in &open.continuations {
        warnings.push(Warning::new(
            cont.0,
            open.tag,
            WarningKind::NotUsedInCargoImp,
        ));
    }
    let mut taken = 0;
    for record in after {
        if record.head != Head::Tagged {
            break;
        }
        match record.tag {
            "NAM" => party.name = joined(record.texts().map(|(_, t)| t)),
            "ADR" => party.street = joined(record.texts().map(|(_, t)| t)),
            "LOC" => {
                let elements = record.elements();
                party.place = elements.first().and_then(|p| text(p));
                party.state = elements.get(1).and_then(|s| text(s));
                for (index, (_, line)) in record.continuations.iter().enumerate() {
                    let mut parts = line.split('/');
                    if index == 0 {
                        party.country = parts.next().and_then(code);
                        party.postcode = parts.next().and_then(text);
                    }
                    let rest: Vec<&str> = parts.collect();
                    for pair in rest.chunks(2) {
                        if let [kind, number] = pair
                            && let Some(number) = text(number)
                        {
                            party.contacts.push(Contact {
                                kind: ContactKind::from_code(kind),
                                number,
                            });
                        }
                    }
                }
                if party.country.as_deref().is_some_and(|c| !is_code(c, 2)) {
                    warnings.push(record.warning(WarningKind::InvalidElement {
                        element: 1,
                        name: "country code",
                    }));
                    party.country = None;
                }
            }
            _ => break,
        }
        taken += 1;
    }
    (party, taken)
}

/// Special handling code (`SPH` line, FFM and FHL consignment continuation lines).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SpecialHandling {
    /// `DGR`: dangerous goods (regulated, general).
    DangerousGoods,
    /// An `R…` IMP code of a dangerous goods class (`RFL` flammable liquid, `RCL` cryogenic …).
    DangerousGoodsClass(String),
    /// `AVI`.
    LiveAnimals,
    /// `HUM`.
    HumanRemains,
    /// `PER`.
    Perishable,
    /// `PIL`.
    Pharmaceuticals,
    /// `VAL`.
    Valuable,
    /// `VUN`.
    Vulnerable,
    /// `ICE`: dry ice.
    DryIce,
    /// `MAG`.
    Magnetised,
    /// `HEA`.
    Heavy,
    /// `CAO`.
    CargoAircraftOnly,
    /// `SPX`: secured for passenger and all-cargo aircraft.
    SecuredForPassengerAircraft,
    /// `SCO`: secured for all-cargo aircraft only.
    SecuredForCargoAircraft,
    /// `NSC`: not secured yet.
    NotSecured,
    Other(String),
}

/// IMP codes of the dangerous goods classes and divisions.
const DANGEROUS_GOODS_CODES: &[&str] = &[
    "RCL", "RCM", "RCX", "RDS", "RFG", "RFL", "RFS", "RFW", "RGX", "RIS", "RLI", "RLM", "RMD",
    "RNG", "ROP", "ROX", "RPB", "RPG", "RRE", "RRW", "RRY", "RSB", "RSC", "RXB", "RXC", "RXD",
    "RXE", "RXG", "RXS",
];

impl SpecialHandling {
    pub fn from_code(code: &str) -> Self {
        match code {
            "DGR" => Self::DangerousGoods,
            "AVI" => Self::LiveAnimals,
            "HUM" => Self::HumanRemains,
            "PER" => Self::Perishable,
            "PIL" => Self::Pharmaceuticals,
            "VAL" => Self::Valuable,
            "VUN" => Self::Vulnerable,
            "ICE" => Self::DryIce,
            "MAG" => Self::Magnetised,
            "HEA" => Self::Heavy,
            "CAO" => Self::CargoAircraftOnly,
            "SPX" => Self::SecuredForPassengerAircraft,
            "SCO" => Self::SecuredForCargoAircraft,
            "NSC" => Self::NotSecured,
            // Every class code starts with R: other codes skip the list.
            dg if dg.starts_with('R') && DANGEROUS_GOODS_CODES.contains(&dg) => {
                Self::DangerousGoodsClass(dg.to_owned())
            }
            other => Self::Other(other.to_owned()),
        }
    }

    pub fn code(&self) -> &str {
        match self {
            Self::DangerousGoods => "DGR",
            Self::LiveAnimals => "AVI",
            Self::HumanRemains => "HUM",
            Self::Perishable => "PER",
            Self::Pharmaceuticals => "PIL",
            Self::Valuable => "VAL",
            Self::Vulnerable => "VUN",
            Self::DryIce => "ICE",
            Self::Magnetised => "MAG",
            Self::Heavy => "HEA",
            Self::CargoAircraftOnly => "CAO",
            Self::SecuredForPassengerAircraft => "SPX",
            Self::SecuredForCargoAircraft => "SCO",
            Self::NotSecured => "NSC",
            Self::DangerousGoodsClass(code) | Self::Other(code) => code,
        }
    }

    pub fn is_dangerous_goods(&self) -> bool {
        matches!(self, Self::DangerousGoods | Self::DangerousGoodsClass(_))
    }
}

/// `COL/RFL/PIL`: codes of three letters or digits, or `None` when the text is something else.
fn special_handling_codes(text: &str) -> Option<Vec<SpecialHandling>> {
    text.split('/')
        .map(|code| {
            (code.len() == 3
                && code
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()))
            .then(|| SpecialHandling::from_code(code))
        })
        .collect()
}

/// One `OCI` line: other customs, security and regulatory control information. Elements left
/// empty on a continuation line (`///ED/0213`) stay empty: they are not copied from the line above.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomsInfo {
    pub line: usize,
    /// ISO country code.
    pub country: Option<String>,
    /// Information identifier: `ISS` issuer, `AGT` agent, `SHP`, `CNE`, `IMP` importer, `DNR` …
    pub information: Option<String>,
    /// Customs, security and regulatory control information identifier: `RA` regulated agent,
    /// `ED` expiry date, `T` TIN/EORI, `M` movement reference, `D` … (1 or 2 letters).
    pub control: Option<String>,
    /// Supplementary information: an identifier, a date, UN numbers, a free text.
    pub supplementary: Option<Personal<String>>,
}

fn customs_lines(record: &Record<'_>) -> Vec<CustomsInfo> {
    record
        .texts()
        .map(|(line, text)| {
            let mut parts = text.splitn(4, '/');
            CustomsInfo {
                line,
                country: parts.next().and_then(code),
                information: parts.next().and_then(code),
                control: parts.next().and_then(code),
                supplementary: parts.next().and_then(self::text),
            }
        })
        .collect()
}

/// Dimensions of pieces: `K25.5/CMT69-68-70/1`, or `/NDA` (no dimensions available).
#[derive(Debug, Clone, PartialEq)]
pub struct Dimensions {
    pub weight: Option<Weight>,
    /// `None` with `NDA`.
    pub unit: Option<DimensionUnit>,
    pub length: Option<u32>,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub pieces: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DimensionUnit {
    /// `CMT`.
    Centimetres,
    /// `INH`.
    Inches,
    Other(String),
}

/// `[weight, unit+L-W-H or NDA, pieces]`.
fn dimensions(elements: &[&str]) -> Option<Dimensions> {
    let weight = match elements.first().copied().unwrap_or_default() {
        "" => None,
        weight => Some(Weight::parse(weight)?),
    };
    let size = elements.get(1).copied().unwrap_or_default();
    let mut dimensions = Dimensions {
        weight,
        unit: None,
        length: None,
        width: None,
        height: None,
        pieces: None,
    };
    if size == "NDA" || size.is_empty() {
        return Some(dimensions);
    }
    let split = size.find(|c: char| c.is_ascii_digit())?;
    dimensions.unit = Some(match size.get(..split)? {
        "CMT" => DimensionUnit::Centimetres,
        "INH" => DimensionUnit::Inches,
        other => DimensionUnit::Other(other.to_owned()),
    });
    let mut sides = size.get(split..)?.split('-').map(number);
    dimensions.length = Some(sides.next()??);
    dimensions.width = Some(sides.next()??);
    dimensions.height = Some(sides.next()??);
    dimensions.pieces = match elements.get(2) {
        Some(pieces) => Some(number(pieces)?),
        None => None,
    };
    Some(dimensions)
}

/// A ULD identification: type (3), serial (4 or 5), owner (2): `PMC01473R7`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UldId {
    pub kind: String,
    pub serial: String,
    pub owner: String,
}

impl UldId {
    fn parse(text: &str) -> Option<Self> {
        let alnum = |s: &str| {
            s.bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        };
        if !(9..=10).contains(&text.len()) || !alnum(text) {
            return None;
        }
        let kind = text.get(..3)?;
        let owner = text.get(text.len() - 2..)?;
        let serial = text.get(3..text.len() - 2)?;
        (kind.as_bytes()[0].is_ascii_uppercase()
            && serial.bytes().skip(1).all(|b| b.is_ascii_digit()))
        .then(|| Self {
            kind: kind.to_owned(),
            serial: serial.to_owned(),
            owner: owner.to_owned(),
        })
    }
}

impl std::fmt::Display for UldId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}{}{}", self.kind, self.serial, self.owner)
    }
}

/// Adds the UN numbers (`UN` and four digits) found in `text` to `out`.
fn collect_un_numbers(text: &str, out: &mut Vec<String>) {
    let bytes = text.as_bytes();
    for start in 0..bytes.len().saturating_sub(5) {
        let boundary_before = start == 0 || !bytes[start - 1].is_ascii_alphanumeric();
        let boundary_after = bytes.get(start + 6).is_none_or(|b| !b.is_ascii_digit());
        if boundary_before
            && boundary_after
            && &bytes[start..start + 2] == b"UN"
            && bytes[start + 2..start + 6].iter().all(u8::is_ascii_digit)
        {
            out.push(text[start..start + 6].to_owned());
        }
    }
}

fn sorted_unique(mut values: Vec<String>) -> Vec<String> {
    values.sort();
    values.dedup();
    values
}
