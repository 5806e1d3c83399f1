//! FWB/17: air waybill data.

use chrono::NaiveDate;

use super::{
    ConsignmentDetail, CustomsInfo, Dimensions, Head, Party, Record, SpecialHandling, UldId,
    Volume, Weight, code, collect_un_numbers, consignment, customs_lines, decimal, dimensions,
    is_code, issue_date, joined, number, party, sorted_unique, special_handling_codes, text,
};
use crate::diagnostic::{FormatError, Rule, Warning, WarningKind};
use crate::personal::Personal;

/// An air waybill.
#[derive(Debug, Clone, PartialEq)]
pub struct Waybill {
    pub version: u16,
    /// Line of the `FWB/…` identifier.
    pub line: usize,
    pub consignment: ConsignmentDetail,
    /// `FLT`.
    pub flights: Vec<FlightBooking>,
    /// `RTG`.
    pub routing: Vec<RoutingStep>,
    pub shipper: Party,
    pub consignee: Party,
    /// `NFY`.
    pub notify: Option<Party>,
    /// `AGT`.
    pub agent: Option<Agent>,
    /// `SSR` lines.
    pub special_service_requests: Vec<Personal<String>>,
    /// `ACC`.
    pub accounting: Vec<AccountingInformation>,
    /// `CVD`.
    pub charges: Option<ChargeDeclarations>,
    /// `RTD`, one entry per rate line number.
    pub rates: Vec<RateLine>,
    /// `OTH`.
    pub other_charges: Vec<OtherCharge>,
    /// `PPD`.
    pub prepaid: Vec<ChargeTotal>,
    /// `COL`.
    pub collect: Vec<ChargeTotal>,
    /// `CER`: the shipper's certification (a signature).
    pub certification: Option<Personal<String>>,
    /// `ISU`.
    pub execution: Option<CarrierExecution>,
    /// `OSI` lines.
    pub service_information: Vec<Personal<String>>,
    /// `REF`, as sent.
    pub sender_reference: Option<Personal<String>>,
    /// `COR`.
    pub customs_origin: Option<String>,
    /// `SPH`.
    pub special_handling: Vec<SpecialHandling>,
    /// `NOM`.
    pub nominated_handling_party: Option<NominatedParty>,
    /// `SRI`, as sent.
    pub shipment_reference: Option<Personal<String>>,
    /// `OCI`.
    pub customs: Vec<CustomsInfo>,
    /// Lines of the FWB layout that are not mapped (`CDC`, `COI`, `SII`, `ARD`, `OPI`), kept whole.
    pub other_lines: Vec<OtherLine>,
    pub warnings: Vec<Warning>,
}

impl Waybill {
    /// Harmonised commodity codes of the rate lines (`/NH/`).
    pub fn hs_codes(&self) -> Vec<&str> {
        self.rates
            .iter()
            .flat_map(|rate| rate.hs_codes.iter().map(String::as_str))
            .collect()
    }

    /// UN numbers named in the goods descriptions, `SSR`, `OSI` and `OCI` lines, sorted, once each.
    pub fn un_numbers(&self) -> Vec<String> {
        let mut found = Vec::new();
        let texts = self
            .rates
            .iter()
            .flat_map(|rate| rate.goods.iter().chain(&rate.consolidation))
            .chain(&self.special_service_requests)
            .chain(&self.service_information)
            .chain(self.customs.iter().filter_map(|c| c.supplementary.as_ref()));
        for text in texts {
            collect_un_numbers(text.expose(), &mut found);
        }
        sorted_unique(found)
    }
}

/// `FLT/SU1244/01`: a booked flight (carrier, number, day of the month).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlightBooking {
    pub carrier: String,
    pub number: String,
    pub day: Option<u8>,
}

/// `RTG/SVORU/AMSRU/LGG`: an airport and the carrier to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoutingStep {
    pub airport: Option<String>,
    pub carrier: Option<String>,
}

/// `AGT/account/IATA code/CASS address/participant id`, then `/name` and `/place`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agent {
    pub line: usize,
    pub account: Option<Personal<String>>,
    pub iata_code: Option<String>,
    pub cass_address: Option<String>,
    pub participant: Option<String>,
    pub name: Option<Personal<String>>,
    pub place: Option<Personal<String>>,
}

/// `ACC/GEN/…`: an accounting information identifier and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountingInformation {
    pub identifier: String,
    pub text: Personal<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrepaidCollect {
    Prepaid,
    Collect,
}

impl PrepaidCollect {
    fn from_char(c: char) -> Option<Self> {
        match c {
            'P' => Some(Self::Prepaid),
            'C' => Some(Self::Collect),
            _ => None,
        }
    }
}

/// A declared value, or `NVD`/`NCV`/`XXX` (no value declared).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DeclaredValue {
    NoValue,
    Amount(f64),
}

impl DeclaredValue {
    fn parse(text: &str) -> Option<Self> {
        match text {
            "NVD" | "NCV" | "XXX" => Some(Self::NoValue),
            amount => decimal(amount).map(Self::Amount),
        }
    }
}

/// `CVD/USD/PX/PP/NVD/NCV/XXX` (FWB) or `CVD/SGD/PP/NVD/NCV/XXX` (FHL, no charge code).
#[derive(Debug, Clone, PartialEq)]
pub struct ChargeDeclarations {
    pub currency: String,
    pub charge_code: Option<String>,
    pub weight_valuation: Option<PrepaidCollect>,
    pub other_charges: Option<PrepaidCollect>,
    pub carriage: Option<DeclaredValue>,
    pub customs: Option<DeclaredValue>,
    pub insurance: Option<DeclaredValue>,
}

pub(super) fn charge_declarations(
    record: &Record<'_>,
    warnings: &mut Vec<Warning>,
) -> Option<ChargeDeclarations> {
    let elements = record.elements();
    let (charge_code, rest) = match elements.len() {
        6.. => (elements[1], &elements[2..]),
        5 => ("", &elements[1..]),
        _ => {
            warnings.push(record.warning(WarningKind::InvalidElement {
                element: 1,
                name: "charge declarations",
            }));
            return None;
        }
    };
    let currency = elements[0];
    if !is_code(currency, 3) {
        warnings.push(record.warning(WarningKind::InvalidElement {
            element: 1,
            name: "currency code",
        }));
    }
    let mut indicators = rest[0].chars().map(PrepaidCollect::from_char);
    let mut value = |index: usize, name| {
        let parsed = rest.get(index).and_then(|v| DeclaredValue::parse(v));
        if parsed.is_none() {
            warnings.push(record.warning(WarningKind::InvalidElement {
                element: elements.len() - rest.len() + index + 1,
                name,
            }));
        }
        parsed
    };
    Some(ChargeDeclarations {
        currency: currency.to_owned(),
        charge_code: code(charge_code),
        weight_valuation: indicators.next().flatten(),
        other_charges: indicators.next().flatten(),
        carriage: value(1, "declared value for carriage"),
        customs: value(2, "declared value for customs"),
        insurance: value(3, "amount of insurance"),
    })
}

/// One rate line of `RTD` with its goods data.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RateLine {
    pub line: usize,
    pub number: u32,
    pub pieces: Option<u32>,
    /// `P` with an airport instead of a count: the rate combination point.
    pub rate_combination_point: Option<String>,
    pub gross_weight: Option<Weight>,
    /// Rate class code (`C` column): `M` minimum, `N` normal, `Q` quantity, `C` specific
    /// commodity, `U`/`E`/`X` ULD rates, `S` surcharge, `R` reduction …
    pub rate_class: Option<String>,
    /// `S` column: commodity item number, ULD rate class type or rate class basis.
    pub commodity_item: Option<String>,
    pub chargeable_weight: Option<f64>,
    pub rate: Option<f64>,
    pub total: Option<f64>,
    /// `NG`: nature and quantity of goods.
    pub goods: Vec<Personal<String>>,
    /// `NC`: consolidation.
    pub consolidation: Vec<Personal<String>>,
    /// `ND`.
    pub dimensions: Vec<Dimensions>,
    /// `NV`.
    pub volumes: Vec<Volume>,
    /// `NU`.
    pub ulds: Vec<UldId>,
    /// `NS`: shipper's load and count.
    pub slac: Option<u32>,
    /// `NH`: harmonised commodity codes.
    pub hs_codes: Vec<String>,
    /// `NO`: countries of origin of the goods.
    pub origin_countries: Vec<String>,
}

fn rate_lines(record: &Record<'_>, rates: &mut Vec<RateLine>, warnings: &mut Vec<Warning>) {
    for (line, text) in record.texts() {
        // A wrapped line goes on with the goods description of the line before.
        if record.wrapped.contains(&line)
            && let Some(rate) = rates.last_mut()
            && let Some(more) = super::text(text)
        {
            if rate.goods.is_empty() && !rate.consolidation.is_empty() {
                rate.consolidation.push(more);
            } else {
                rate.goods.push(more);
            }
            continue;
        }
        let mut elements: Vec<&str> = text.split('/').collect();
        let invalid = |warnings: &mut Vec<Warning>, element: usize, name| {
            warnings.push(Warning::new(
                line,
                record.tag,
                WarningKind::InvalidElement { element, name },
            ));
        };
        if let Some(n) = elements.first().and_then(|first| number(first)) {
            elements.remove(0);
            rates.push(RateLine {
                line,
                number: n,
                ..RateLine::default()
            });
        } else if line == record.line {
            invalid(warnings, 1, "rate line number");
            rates.push(RateLine {
                line,
                ..RateLine::default()
            });
        }
        let Some(rate) = rates.last_mut() else {
            warnings.push(Warning::new(
                line,
                record.tag,
                WarningKind::NotUsedInCargoImp,
            ));
            continue;
        };
        let mut index = 0;
        while index < elements.len() {
            let element = elements[index];
            let position = index + 1;
            index += 1;
            let value = element.get(1..).unwrap_or_default();
            let ok = match element.get(..2).unwrap_or_default() {
                "NG" | "NC" | "ND" | "NV" | "NU" | "NS" | "NH" | "NO" if element.len() == 2 => {
                    let rest = &elements[index..];
                    index = elements.len();
                    goods_data(element, rest, rate)
                }
                _ => match element.get(..1).unwrap_or_default() {
                    "P" => match number(value) {
                        Some(pieces) => {
                            rate.pieces = Some(pieces);
                            true
                        }
                        None if is_code(value, 3) => {
                            rate.rate_combination_point = Some(value.to_owned());
                            true
                        }
                        None => false,
                    },
                    "K" | "L" => Weight::parse(element)
                        .map(|w| rate.gross_weight = Some(w))
                        .is_some(),
                    "C" => code(value).map(|c| rate.rate_class = Some(c)).is_some(),
                    "S" => code(value).map(|c| rate.commodity_item = Some(c)).is_some(),
                    "W" => decimal(value)
                        .map(|w| rate.chargeable_weight = Some(w))
                        .is_some(),
                    "R" => decimal(value).map(|r| rate.rate = Some(r)).is_some(),
                    "T" => decimal(value).map(|t| rate.total = Some(t)).is_some(),
                    _ => false,
                },
            };
            if !ok {
                invalid(warnings, position, "rate description element");
            }
        }
    }
}

fn goods_data(identifier: &str, rest: &[&str], rate: &mut RateLine) -> bool {
    let first = rest.first().copied().unwrap_or_default();
    match identifier {
        "NG" | "NC" => {
            let Some(description) = text(&rest.join("/")) else {
                return false;
            };
            if identifier == "NG" {
                rate.goods.push(description);
            } else {
                rate.consolidation.push(description);
            }
            true
        }
        "ND" => dimensions(rest).map(|d| rate.dimensions.push(d)).is_some(),
        "NV" => Volume::parse(first).map(|v| rate.volumes.push(v)).is_some(),
        "NU" => UldId::parse(first).map(|u| rate.ulds.push(u)).is_some(),
        "NS" => number(first).map(|n| rate.slac = Some(n)).is_some(),
        "NH" => code(first).map(|c| rate.hs_codes.push(c)).is_some(),
        _ => {
            is_code(first, 2) && {
                rate.origin_countries.push(first.to_owned());
                true
            }
        }
    }
}

/// `OTH/P/MYC1600.50SCC2667.50`: other charge code, entitlement (`A` agent, `C` carrier), amount.
#[derive(Debug, Clone, PartialEq)]
pub struct OtherCharge {
    pub payment: Option<PrepaidCollect>,
    pub code: String,
    pub entitlement: char,
    pub amount: f64,
}

fn other_charges(record: &Record<'_>, out: &mut Vec<OtherCharge>, warnings: &mut Vec<Warning>) {
    for (line, text) in record.texts() {
        let (indicator, items) = text.split_once('/').unwrap_or(("", text));
        let payment = indicator.chars().next().and_then(PrepaidCollect::from_char);
        let mut rest = items;
        let mut ok = !rest.is_empty();
        while !rest.is_empty() {
            let (Some(code), Some(entitlement)) = (rest.get(..2), rest.get(2..3)) else {
                ok = false;
                break;
            };
            let tail = rest.get(3..).unwrap_or_default();
            let len = tail
                .bytes()
                .take_while(|b| b.is_ascii_digit() || *b == b'.' || *b == b',')
                .count();
            let (amount, after) = tail.split_at(len);
            let (Some(amount), Some(entitlement)) = (decimal(amount), entitlement.chars().next())
            else {
                ok = false;
                break;
            };
            out.push(OtherCharge {
                payment,
                code: code.to_owned(),
                entitlement,
                amount,
            });
            rest = after;
        }
        if !ok {
            warnings.push(Warning::new(
                line,
                record.tag,
                WarningKind::InvalidElement {
                    element: 2,
                    name: "other charge",
                },
            ));
        }
    }
}

/// `PPD`/`COL` entries: `WT` weight charge, `VC` valuation, `TX` taxes, `OA`/`OC` other charges
/// due agent/carrier, `CT` total.
#[derive(Debug, Clone, PartialEq)]
pub struct ChargeTotal {
    pub identifier: String,
    pub amount: f64,
}

fn charge_totals(record: &Record<'_>, out: &mut Vec<ChargeTotal>, warnings: &mut Vec<Warning>) {
    for (line, text) in record.texts() {
        for (index, item) in text.split('/').enumerate() {
            match (item.get(..2), item.get(2..).and_then(decimal)) {
                (Some(identifier), Some(amount)) => out.push(ChargeTotal {
                    identifier: identifier.to_owned(),
                    amount,
                }),
                _ => warnings.push(Warning::new(
                    line,
                    record.tag,
                    WarningKind::InvalidElement {
                        element: index + 1,
                        name: "charge summary",
                    },
                )),
            }
        }
    }
}

/// `ISU/01OCT06/HEATHROW/EXPORTANT LTD.`: date and place of execution, authorisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CarrierExecution {
    pub date: Option<NaiveDate>,
    pub place: Option<Personal<String>>,
    pub signature: Option<Personal<String>>,
}

/// `NOM/name/place`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NominatedParty {
    pub name: Option<Personal<String>>,
    pub place: Option<Personal<String>>,
}

/// A line kept whole: its tag and its text with the continuation lines, one per text line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtherLine {
    pub line: usize,
    pub tag: String,
    pub text: Personal<String>,
}

fn other_line(record: &Record<'_>) -> OtherLine {
    let lines: Vec<&str> = record.texts().map(|(_, t)| t).collect();
    OtherLine {
        line: record.line,
        tag: record.tag.to_owned(),
        text: Personal::new(lines.join("\n")),
    }
}

fn texts_of(record: &Record<'_>) -> Vec<Personal<String>> {
    record.texts().filter_map(|(_, t)| text(t)).collect()
}

pub(super) fn read(
    version: u16,
    line: usize,
    records: &[Record<'_>],
    mut warnings: Vec<Warning>,
) -> Result<Waybill, FormatError> {
    let (first, rest) = records
        .split_first()
        .ok_or(FormatError::new(line, "FWB", Rule::Empty))?;
    if first.head != Head::Awb {
        return Err(first.error(Rule::UnexpectedSegment {
            expected: "the consignment detail (air waybill number, origin, destination, quantity)",
        }));
    }
    let (detail, extra) = consignment(first, first.body, &mut warnings)?;
    if !extra.is_empty() || !first.continuations.is_empty() {
        warnings.push(first.ignored());
    }
    let mut shipper = None;
    let mut consignee = None;
    let mut bill = Waybill {
        version,
        line,
        consignment: detail,
        flights: Vec::new(),
        routing: Vec::new(),
        shipper: Party::default(),
        consignee: Party::default(),
        notify: None,
        agent: None,
        special_service_requests: Vec::new(),
        accounting: Vec::new(),
        charges: None,
        rates: Vec::new(),
        other_charges: Vec::new(),
        prepaid: Vec::new(),
        collect: Vec::new(),
        certification: None,
        execution: None,
        service_information: Vec::new(),
        sender_reference: None,
        customs_origin: None,
        special_handling: Vec::new(),
        nominated_handling_party: None,
        shipment_reference: None,
        customs: Vec::new(),
        other_lines: Vec::new(),
        warnings: Vec::new(),
    };
    let mut index = 0;
    while index < rest.len() {
        let record = &rest[index];
        index += 1;
        if record.head != Head::Tagged {
            warnings.push(record.ignored());
            continue;
        }
        match record.tag {
            "FLT" => bill.flights.extend(flights(record, &mut warnings)),
            "RTG" => bill.routing.extend(routing(record)),
            "SHP" | "CNE" | "NFY" => {
                let (read, taken) = party(record, &rest[index..], &mut warnings);
                index += taken;
                match record.tag {
                    "SHP" => shipper = Some(read),
                    "CNE" => consignee = Some(read),
                    _ => bill.notify = Some(read),
                }
            }
            "AGT" => bill.agent = Some(agent(record)),
            "SSR" => bill.special_service_requests.extend(texts_of(record)),
            "OSI" => bill.service_information.extend(texts_of(record)),
            "ACC" => bill.accounting.extend(record.texts().filter_map(|(_, t)| {
                let (identifier, text) = t.split_once('/')?;
                Some(AccountingInformation {
                    identifier: identifier.to_owned(),
                    text: super::text(text)?,
                })
            })),
            "CVD" => bill.charges = charge_declarations(record, &mut warnings),
            "RTD" => rate_lines(record, &mut bill.rates, &mut warnings),
            "OTH" => other_charges(record, &mut bill.other_charges, &mut warnings),
            "PPD" => charge_totals(record, &mut bill.prepaid, &mut warnings),
            "COL" => charge_totals(record, &mut bill.collect, &mut warnings),
            "CER" => bill.certification = text(record.body),
            "ISU" => {
                let elements = record.elements();
                let date = elements.first().and_then(|d| issue_date(d));
                if date.is_none() {
                    warnings.push(record.warning(WarningKind::InvalidElement {
                        element: 1,
                        name: "date of execution",
                    }));
                }
                bill.execution = Some(CarrierExecution {
                    date,
                    place: elements.get(1).and_then(|p| text(p)),
                    signature: elements.get(2).and_then(|s| text(s)),
                });
            }
            "REF" => bill.sender_reference = text(record.body),
            "COR" => bill.customs_origin = code(record.body),
            "SPH" => match special_handling_codes(record.body) {
                Some(codes) => bill.special_handling.extend(codes),
                None => warnings.push(record.warning(WarningKind::InvalidElement {
                    element: 1,
                    name: "special handling code",
                })),
            },
            "NOM" => {
                let elements = record.elements();
                bill.nominated_handling_party = Some(NominatedParty {
                    name: elements.first().and_then(|n| text(n)),
                    place: elements.get(1).and_then(|p| text(p)),
                });
            }
            "SRI" => bill.shipment_reference = text(record.body),
            "OCI" => bill.customs.extend(customs_lines(record)),
            "CDC" | "COI" | "SII" | "ARD" | "OPI" => bill.other_lines.push(other_line(record)),
            _ => warnings.push(record.ignored()),
        }
    }
    let missing = |tag| FormatError::new(line, "FWB", Rule::MissingSegment { tag });
    bill.shipper = shipper.ok_or(missing("SHP"))?;
    bill.consignee = consignee.ok_or(missing("CNE"))?;
    bill.warnings = warnings;
    Ok(bill)
}

fn flights(record: &Record<'_>, warnings: &mut Vec<Warning>) -> Vec<FlightBooking> {
    let elements = record.elements();
    let mut out = Vec::new();
    for (index, pair) in elements.chunks(2).enumerate() {
        let designator = pair[0];
        let day = pair.get(1).and_then(|d| d.parse::<u8>().ok());
        match (designator.get(..2), designator.get(2..)) {
            (Some(carrier), Some(number)) if !number.is_empty() => out.push(FlightBooking {
                carrier: carrier.to_owned(),
                number: number.to_owned(),
                day,
            }),
            _ => warnings.push(record.warning(WarningKind::InvalidElement {
                element: index * 2 + 1,
                name: "flight",
            })),
        }
    }
    out
}

fn routing(record: &Record<'_>) -> Vec<RoutingStep> {
    record
        .elements()
        .into_iter()
        .map(|step| {
            let airport = step.get(..3).filter(|a| is_code(a, 3) && step.len() != 2);
            let carrier = if airport.is_some() {
                step.get(3..)
            } else {
                Some(step)
            };
            RoutingStep {
                airport: airport.map(str::to_owned),
                carrier: carrier.and_then(code),
            }
        })
        .collect()
}

fn agent(record: &Record<'_>) -> Agent {
    let elements = record.elements();
    let element = |i: usize| elements.get(i).copied().and_then(code);
    let mut continuations = record.continuations.iter().map(|(_, t)| *t);
    Agent {
        line: record.line,
        account: elements.first().and_then(|a| text(a)),
        iata_code: element(1),
        cass_address: element(2),
        participant: element(3),
        name: continuations
            .next()
            .and_then(|n| joined(std::iter::once(n))),
        place: continuations.next().and_then(text),
    }
}
