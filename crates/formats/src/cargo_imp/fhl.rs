//! FHL/5: house manifest (the house waybills of a master air waybill).

use super::fwb::{ChargeDeclarations, charge_declarations};
use super::{
    ConsignmentDetail, CustomsInfo, Head, Party, Record, SpecialHandling, Weight, code,
    collect_un_numbers, consignment, customs_lines, is_code, number, party, sorted_unique,
    special_handling_codes, text,
};
use crate::diagnostic::{FormatError, Rule, Warning, WarningKind};
use crate::personal::Personal;

/// A house manifest: the master air waybill (`MBI`) and its house waybills (`HBS`).
#[derive(Debug, Clone, PartialEq)]
pub struct HouseManifest {
    pub version: u16,
    /// Line of the `FHL/…` identifier.
    pub line: usize,
    pub master: ConsignmentDetail,
    pub houses: Vec<HouseWaybill>,
    pub warnings: Vec<Warning>,
}

impl HouseManifest {
    /// UN numbers named in the houses' descriptions, free texts and `OCI` lines.
    pub fn un_numbers(&self) -> Vec<String> {
        let mut found = Vec::new();
        for house in &self.houses {
            let texts = house.description.iter().chain(&house.free_text).chain(
                house
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

/// `HBS/AEI12345678/SINJFK/1/K400/4/COMPUTER PARTS` with the lines after it.
///
/// FHL sends `SHP`, `CNE` and `CVD` after the house waybills; they are given to the house they
/// follow (the FHL that carries them is the one-house form).
#[derive(Debug, Clone, PartialEq)]
pub struct HouseWaybill {
    pub line: usize,
    /// House waybill number, as sent.
    pub number: String,
    pub origin: Option<String>,
    pub destination: Option<String>,
    pub pieces: Option<u32>,
    pub weight: Option<Weight>,
    /// Shipper's load and count.
    pub slac: Option<u32>,
    /// Manifest description of goods.
    pub description: Option<Personal<String>>,
    pub special_handling: Vec<SpecialHandling>,
    /// `TXT`: free text description of goods, one entry per line.
    pub free_text: Vec<Personal<String>>,
    /// `HTS`: harmonised tariff schedule codes.
    pub hs_codes: Vec<String>,
    /// `OCI`.
    pub customs: Vec<CustomsInfo>,
    pub shipper: Option<Party>,
    pub consignee: Option<Party>,
    pub charges: Option<ChargeDeclarations>,
}

fn house(record: &Record<'_>, warnings: &mut Vec<Warning>) -> HouseWaybill {
    let elements = record.elements();
    let element = |i: usize| elements.get(i).copied().unwrap_or_default();
    let invalid = |warnings: &mut Vec<Warning>, element, name| {
        warnings.push(record.warning(WarningKind::InvalidElement { element, name }));
    };
    let route = element(1);
    let (origin, destination) = match route.len() {
        6 if is_code(route, 6) => (Some(route[..3].to_owned()), Some(route[3..].to_owned())),
        3 if is_code(route, 3) => (None, Some(route.to_owned())),
        _ => {
            invalid(warnings, 2, "origin and destination");
            (None, None)
        }
    };
    let pieces = number(element(2));
    if pieces.is_none() {
        invalid(warnings, 3, "number of pieces");
    }
    let weight = Weight::parse(element(3));
    if weight.is_none() {
        invalid(warnings, 4, "weight");
    }
    let slac = match element(4) {
        "" => None,
        slac => {
            let read = number(slac);
            if read.is_none() {
                invalid(warnings, 5, "shipper's load and count");
            }
            read
        }
    };
    let mut special_handling = Vec::new();
    for &(line, cont) in &record.continuations {
        match special_handling_codes(cont) {
            Some(codes) => special_handling.extend(codes),
            None => warnings.push(Warning::new(
                line,
                record.tag,
                WarningKind::NotUsedInCargoImp,
            )),
        }
    }
    HouseWaybill {
        line: record.line,
        number: element(0).to_owned(),
        origin,
        destination,
        pieces,
        weight,
        slac,
        description: text(&elements.get(5..).unwrap_or_default().join("/")),
        special_handling,
        free_text: Vec::new(),
        hs_codes: Vec::new(),
        customs: Vec::new(),
        shipper: None,
        consignee: None,
        charges: None,
    }
}

pub(super) fn read(
    version: u16,
    line: usize,
    records: &[Record<'_>],
    mut warnings: Vec<Warning>,
) -> Result<HouseManifest, FormatError> {
    let (first, rest) = records
        .split_first()
        .ok_or(FormatError::new(line, "FHL", Rule::Empty))?;
    if first.head != Head::Tagged || first.tag != "MBI" {
        return Err(first.error(Rule::MissingSegment { tag: "MBI" }));
    }
    let (master, extra) = consignment(first, first.body, &mut warnings)?;
    if !extra.is_empty() || !first.continuations.is_empty() {
        warnings.push(first.ignored());
    }
    let mut houses: Vec<HouseWaybill> = Vec::new();
    let mut index = 0;
    while index < rest.len() {
        let record = &rest[index];
        index += 1;
        if record.head != Head::Tagged {
            warnings.push(record.ignored());
            continue;
        }
        if record.tag == "HBS" {
            houses.push(house(record, &mut warnings));
            continue;
        }
        let Some(current) = houses.last_mut() else {
            warnings.push(record.ignored());
            continue;
        };
        match record.tag {
            "TXT" => current
                .free_text
                .extend(record.texts().filter_map(|(_, t)| text(t))),
            "HTS" => current
                .hs_codes
                .extend(record.texts().filter_map(|(_, t)| code(t))),
            "OCI" => current.customs.extend(customs_lines(record)),
            "SHP" | "CNE" => {
                let (read, taken) = party(record, &rest[index..], &mut warnings);
                index += taken;
                if record.tag == "SHP" {
                    current.shipper = Some(read);
                } else {
                    current.consignee = Some(read);
                }
            }
            "CVD" => current.charges = charge_declarations(record, &mut warnings),
            _ => warnings.push(record.ignored()),
        }
    }
    if houses.is_empty() {
        return Err(FormatError::new(
            line,
            "FHL",
            Rule::MissingSegment { tag: "HBS" },
        ));
    }
    Ok(HouseManifest {
        version,
        line,
        master,
        houses,
        warnings,
    })
}
