//! FFM/8: flight manifest.

use super::{
    ConsignmentDetail, CustomsInfo, DayMonth, Dimensions, Head, Record, SpecialHandling, UldId,
    code, collect_un_numbers, consignment, customs_lines, dimensions, is_code, number,
    sorted_unique, special_handling_codes, text,
};
use crate::diagnostic::{FormatError, Rule, Warning, WarningKind};
use crate::personal::Personal;

/// A flight manifest: the flight, then per point of unloading the bulk cargo and the ULDs.
#[derive(Debug, Clone, PartialEq)]
pub struct FlightManifest {
    pub version: u16,
    /// Line of the `FFM/…` identifier.
    pub line: usize,
    /// Message sequence number: manifests of one flight sent in parts count 1, 2 …
    pub sequence: u32,
    pub flight: Flight,
    pub unloading: Vec<PointOfUnloading>,
    pub end: EndMarker,
    pub warnings: Vec<Warning>,
}

impl FlightManifest {
    /// Every consignment line, bulk and in ULDs, in message order per point of unloading.
    pub fn consignments(&self) -> impl Iterator<Item = &ManifestedConsignment> {
        self.unloading.iter().flat_map(|point| {
            point
                .bulk
                .iter()
                .chain(point.ulds.iter().flat_map(|uld| uld.consignments.iter()))
        })
    }

    /// UN numbers named in the consignments' descriptions, `OSI` and `OCI` lines.
    pub fn un_numbers(&self) -> Vec<String> {
        let mut found = Vec::new();
        for consignment in self.consignments() {
            let texts = consignment
                .goods
                .iter()
                .chain(&consignment.service_information)
                .chain(
                    consignment
                        .customs
                        .iter()
                        .filter_map(|c| c.supplementary.as_ref()),
                );
            for text in texts {
                collect_un_numbers(text.expose(), &mut found);
            }
        }
        sorted_unique(found)
    }
}

/// `1/SU1145/01JAN0400/AAQ/VPBLN/RU/01JAN0555/SVO`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flight {
    pub carrier: String,
    pub number: String,
    pub departure: Option<DayMonth>,
    /// Airport of loading.
    pub origin: String,
    pub registration: Option<String>,
    pub first_arrival: Option<FirstArrival>,
}

/// First point of arrival: the country and airport where the flight first lands, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirstArrival {
    pub country: String,
    pub arrival: Option<DayMonth>,
    pub airport: String,
}

/// `LAST` (manifest complete) or `CONT` (more messages follow).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndMarker {
    Last,
    Continued,
}

/// `JFK`, `LHR/NIL` or `SVO/24JUL1105/24JUL1300`, with what is unloaded there.
#[derive(Debug, Clone, PartialEq)]
pub struct PointOfUnloading {
    pub line: usize,
    pub airport: String,
    /// `NIL`: no cargo for this airport.
    pub nil_cargo: bool,
    pub arrival: Option<DayMonth>,
    pub departure: Option<DayMonth>,
    pub bulk: Vec<ManifestedConsignment>,
    pub ulds: Vec<LoadedUld>,
}

/// `ULD/PMC01473R7-M/remarks` with its onward movement and consignments.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadedUld {
    pub line: usize,
    /// `None` when the identification is not well formed (a warning says so).
    pub id: Option<UldId>,
    /// Loading indicator after `-` (position of the ULD).
    pub loading_indicator: Option<String>,
    pub remarks: Option<Personal<String>>,
    pub onward: Vec<Onward>,
    /// ULD utilisation: volume available code.
    pub volume_available: Option<u8>,
    pub consignments: Vec<ManifestedConsignment>,
}

/// Onward movement: `/YYZKL667/19MAR` (airport, carrier, flight and date when booked).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Onward {
    pub airport: String,
    pub carrier: String,
    pub flight: Option<String>,
    pub date: Option<DayMonth>,
}

/// One consignment line of the manifest with the lines that belong to it.
#[derive(Debug, Clone, PartialEq)]
pub struct ManifestedConsignment {
    pub line: usize,
    pub detail: ConsignmentDetail,
    /// Manifest description of goods.
    pub goods: Option<Personal<String>>,
    pub special_handling: Vec<SpecialHandling>,
    /// `DIM`.
    pub dimensions: Vec<Dimensions>,
    pub onward: Vec<Onward>,
    pub movement_priority: Option<String>,
    /// `OSI` lines.
    pub service_information: Vec<Personal<String>>,
    /// `COR`.
    pub customs_origin: Option<String>,
    /// `OCI`.
    pub customs: Vec<CustomsInfo>,
}

fn onward(text: &str) -> Option<Onward> {
    let (route, date) = match text.split_once('/') {
        Some((route, date)) => (route, Some(DayMonth::parse(date)?)),
        None => (text, None),
    };
    let airport = route.get(..3).filter(|a| is_code(a, 3))?;
    let carrier = route.get(3..5)?;
    let flight = route.get(5..)?;
    let flight_ok = flight.is_empty()
        || (flight.len() <= 5
            && flight.bytes().take(3).all(|b| b.is_ascii_digit())
            && flight.bytes().all(|b| b.is_ascii_alphanumeric()));
    (flight_ok
        && carrier.bytes().all(|b| b.is_ascii_alphanumeric())
        && (flight.is_empty() == date.is_none()))
    .then(|| Onward {
        airport: airport.to_owned(),
        carrier: carrier.to_owned(),
        flight: code(flight),
        date,
    })
}

/// A point of unloading line: an airport alone, with `/NIL`, or with arrival/departure dates.
fn point_of_unloading(record: &Record<'_>) -> Option<PointOfUnloading> {
    if record.head != Head::Tagged || !is_code(record.tag, 3) || !record.continuations.is_empty() {
        return None;
    }
    let mut point = PointOfUnloading {
        line: record.line,
        airport: record.tag.to_owned(),
        nil_cargo: false,
        arrival: None,
        departure: None,
        bulk: Vec::new(),
        ulds: Vec::new(),
    };
    if record.body.is_empty() {
        return Some(point);
    }
    let mut elements = record.elements().into_iter().peekable();
    if elements.peek() == Some(&"NIL") {
        point.nil_cargo = true;
        elements.next();
    }
    let mut dates = elements.map(DayMonth::parse);
    point.arrival = dates.next().unwrap_or(None);
    point.departure = dates.next().unwrap_or(None);
    let all_read = record
        .elements()
        .iter()
        .filter(|e| **e != "NIL")
        .all(|e| DayMonth::parse(e).is_some_and(|d| d.time.is_some()));
    all_read.then_some(point)
}

fn flight_line(record: &Record<'_>) -> Result<(u32, Flight), FormatError> {
    let elements = record.elements();
    let invalid = |element, name| record.error(Rule::InvalidElement { element, name });
    let sequence = elements
        .first()
        .and_then(|s| number(s))
        .ok_or(invalid(1, "message sequence number"))?;
    let designator = elements.get(1).copied().unwrap_or_default();
    let (carrier, flight) = match (designator.get(..2), designator.get(2..)) {
        (Some(carrier), Some(flight)) if !flight.is_empty() => (carrier, flight),
        _ => return Err(invalid(2, "flight")),
    };
    let origin = elements
        .get(3)
        .filter(|a| is_code(a, 3))
        .ok_or(invalid(4, "airport of loading"))?;
    let rest = elements.get(4..).unwrap_or_default();
    let (registration, arrival) = match rest.len() {
        0 => (None, None),
        1 => (code(rest[0]), None),
        3 => (None, Some(rest)),
        _ => (code(rest[0]), Some(&rest[1..])),
    };
    let first_arrival = arrival.and_then(|a| {
        Some(FirstArrival {
            country: a.first().filter(|c| is_code(c, 2))?.to_string(),
            arrival: a.get(1).and_then(|d| DayMonth::parse(d)),
            airport: a.get(2).filter(|c| is_code(c, 3))?.to_string(),
        })
    });
    Ok((
        sequence,
        Flight {
            carrier: carrier.to_owned(),
            number: flight.to_owned(),
            departure: elements.get(2).and_then(|d| DayMonth::parse(d)),
            origin: origin.to_string(),
            registration,
            first_arrival,
        },
    ))
}

fn loaded_uld(record: &Record<'_>, warnings: &mut Vec<Warning>) -> LoadedUld {
    let elements = record.elements();
    let identification = elements.first().copied().unwrap_or_default();
    let (id, indicator) = match identification.split_once('-') {
        Some((id, indicator)) => (id, code(indicator)),
        None => (identification, None),
    };
    let id = UldId::parse(id);
    if id.is_none() {
        warnings.push(record.warning(WarningKind::InvalidElement {
            element: 1,
            name: "ULD identification",
        }));
    }
    let mut uld = LoadedUld {
        line: record.line,
        id,
        loading_indicator: indicator,
        remarks: text(&elements.get(1..).unwrap_or_default().join("/")),
        onward: Vec::new(),
        volume_available: None,
        consignments: Vec::new(),
    };
    for &(line, cont) in &record.continuations {
        if let Some(step) = onward(cont) {
            uld.onward.push(step);
        } else if cont.len() == 1 && cont.as_bytes()[0].is_ascii_digit() {
            uld.volume_available = cont.parse().ok();
        } else {
            warnings.push(Warning::new(
                line,
                record.tag,
                WarningKind::NotUsedInCargoImp,
            ));
        }
    }
    uld
}

/// Continuation lines of a consignment or `DIM` line: special handling codes, dimensions, onward
/// movement and movement priority, told apart by their form.
fn consignment_continuation(
    record: &Record<'_>,
    line: usize,
    cont: &str,
    into: &mut ManifestedConsignment,
    warnings: &mut Vec<Warning>,
) {
    let elements: Vec<&str> = cont.split('/').collect();
    let dims_first = elements.len() == 3 && elements[1].contains('-');
    if dims_first && let Some(d) = dimensions(&elements) {
        into.dimensions.push(d);
    } else if let Some(step) = onward(cont) {
        into.onward.push(step);
    } else if cont.len() == 1 && cont.as_bytes()[0].is_ascii_uppercase() {
        into.movement_priority = Some(cont.to_owned());
    } else if record.head == Head::Awb
        && let Some(codes) = special_handling_codes(cont)
    {
        into.special_handling.extend(codes);
    } else {
        warnings.push(Warning::new(
            line,
            record.tag,
            WarningKind::NotUsedInCargoImp,
        ));
    }
}

pub(super) fn read(
    version: u16,
    line: usize,
    records: &[Record<'_>],
    mut warnings: Vec<Warning>,
) -> Result<FlightManifest, FormatError> {
    let (first, rest) = records
        .split_first()
        .ok_or(FormatError::new(line, "FFM", Rule::Empty))?;
    if first.head != Head::Numbered {
        return Err(first.error(Rule::UnexpectedSegment {
            expected: "the flight identification (sequence number, flight, date, airport)",
        }));
    }
    let (sequence, flight) = flight_line(first)?;
    for cont in &first.continuations {
        warnings.push(Warning::new(
            cont.0,
            first.tag,
            WarningKind::NotUsedInCargoImp,
        ));
    }
    let mut unloading: Vec<PointOfUnloading> = Vec::new();
    let mut end = None;
    // Whether the consignment lines now go into the last ULD of the last point of unloading.
    let mut in_uld = false;
    // Whether the last consignment line was read, so that DIM, OSI, COR and OCI belong to it.
    let mut open = false;
    for record in rest {
        if end.is_some() {
            warnings.push(record.ignored());
            continue;
        }
        if let Some(point) = point_of_unloading(record) {
            unloading.push(point);
            in_uld = false;
            open = false;
            continue;
        }
        let Some(point) = unloading.last_mut() else {
            if record.tag == "LAST" || record.tag == "CONT" {
                return Err(record.error(Rule::MissingSegment {
                    tag: "point of unloading",
                }));
            }
            warnings.push(record.ignored());
            continue;
        };
        let current = if in_uld {
            point.ulds.last_mut().map(|uld| &mut uld.consignments)
        } else {
            Some(&mut point.bulk)
        };
        let Some(current) = current else {
            warnings.push(record.ignored());
            continue;
        };
        match (record.head, record.tag) {
            (Head::Awb, _) => match consignment(record, record.body, &mut warnings) {
                Ok((detail, extra)) => {
                    let mut item = ManifestedConsignment {
                        line: record.line,
                        detail,
                        goods: text(&extra.join("/")),
                        special_handling: Vec::new(),
                        dimensions: Vec::new(),
                        onward: Vec::new(),
                        movement_priority: None,
                        service_information: Vec::new(),
                        customs_origin: None,
                        customs: Vec::new(),
                    };
                    for &(line, cont) in &record.continuations {
                        consignment_continuation(record, line, cont, &mut item, &mut warnings);
                    }
                    current.push(item);
                    open = true;
                }
                Err(error) => {
                    // The line is left out; the manifest's other consignments still count.
                    let kind = match error.rule {
                        Rule::InvalidElement { element, name } => {
                            WarningKind::InvalidElement { element, name }
                        }
                        _ => WarningKind::NotUsedInCargoImp,
                    };
                    warnings.push(record.warning(kind));
                    open = false;
                }
            },
            (Head::Tagged, "ULD") => {
                point.ulds.push(loaded_uld(record, &mut warnings));
                in_uld = true;
                open = false;
            }
            (Head::Tagged, "LAST") => end = Some(EndMarker::Last),
            (Head::Tagged, "CONT") => end = Some(EndMarker::Continued),
            (Head::Tagged, tag @ ("DIM" | "OSI" | "COR" | "OCI")) => {
                let Some(item) = current.last_mut().filter(|_| open) else {
                    warnings.push(record.ignored());
                    continue;
                };
                match tag {
                    "DIM" => {
                        match dimensions(&record.elements()) {
                            Some(d) => item.dimensions.push(d),
                            None => warnings.push(record.warning(WarningKind::InvalidElement {
                                element: 1,
                                name: "dimensions",
                            })),
                        }
                        for &(line, cont) in &record.continuations {
                            consignment_continuation(record, line, cont, item, &mut warnings);
                        }
                    }
                    "OSI" => item
                        .service_information
                        .extend(record.texts().filter_map(|(_, t)| text(t))),
                    "COR" => item.customs_origin = code(record.body),
                    _ => item.customs.extend(customs_lines(record)),
                }
            }
            _ => warnings.push(record.ignored()),
        }
    }
    let missing = |tag| FormatError::new(line, "FFM", Rule::MissingSegment { tag });
    if unloading.is_empty() {
        return Err(missing("point of unloading"));
    }
    let end = end.ok_or(missing("LAST or CONT"))?;
    Ok(FlightManifest {
        version,
        line,
        sequence,
        flight,
        unloading,
        end,
        warnings,
    })
}
