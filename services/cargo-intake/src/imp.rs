//! `SubmitCargoImp`: IATA Cargo-IMP messages, read with `gatehouse_formats`, mapped to the
//! contract ([`crate::cargo_imp`]) and filed as flight movements and waybills on file.
//!
//! - An FFM files each point of unloading that has cargo as a version of that flight's
//!   movement: part 1 of a manifest sent in parts lists exactly its air waybills (ORIGINAL), a
//!   later part adds its own (UPDATE). Each air waybill is completed from its waybill on file
//!   ([`complete`]), and the house waybills on file under it follow it onto the flight.
//! - An FWB or FHL is kept on file: a consignment version that no movement lists, searchable
//!   and read like any other. The movements whose current versions already list the waybill
//!   (or, for houses, their master) get an UPDATE version with it ([`refile`]), which
//!   re-triggers assessment; a waybill no flight lists yet is assessed when an FFM lists it.
//! - Stored first, looked up after: once committed, a waybill looks for the flights listing it
//!   and a flight manifest for waybills newer than those it was completed from, so of a waybill
//!   and a manifest stored at the same time one always finds the other.
//!
//! A split shipment keeps its pieces: each flight's version lists the consignment version with
//! the pieces, weight and ULDs on that flight, and the waybill on file keeps the whole.

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use gatehouse_checks::AirWaybillNumber;
use gatehouse_formats::cargo_imp::{self, CargoImpError, CargoImpMessage};
use gatehouse_platform::{
    error::FieldViolations,
    events::to_timestamp,
    intake::rejected,
    interchange::{self, number},
};
use gatehouse_proto::v1::{
    CargoManifest, CargoMessageResult, Consignment, MessageFunction, RecordWarning,
    SubmissionResult, SubmissionStatus, SubmitCargoImpRequest, SubmitCargoImpResponse,
    SubmitManifestRequest,
};
use uuid::Uuid;

use crate::{
    CargoIntake, IntakeError,
    batch::{self, Outcome},
    raw::Summary,
    store::{self, ConsignmentKey},
    validate::{self, ValidManifest},
};

/// Names the key of a text sent without one: a resend of the same text is the same message.
const TEXT_NAMESPACE: Uuid = Uuid::from_u128(0x3d0b_5a61_c2f4_4e87_9b1a_7f60_28e4_d915);
/// What a message appends to the key: `/<message>` and `.<point>`, then `/<movement id>` for a
/// refiling.
const RESERVED: usize = 8 + 1 + 36;

/// One message of the text on its way through.
enum Filing {
    /// Refused, or a flight manifest with no cargo anywhere: nothing to store.
    Done,
    /// An FWB or FHL: waybills to keep on file.
    Waybills(Box<ValidManifest>),
    /// An FFM: one manifest per point of unloading with cargo, as first validated.
    Flight(Vec<ValidManifest>),
}

/// Files the messages of one text submitted by `agency`, one result per message.
pub async fn submit_cargo_imp(
    intake: &CargoIntake,
    agency: &str,
    request: SubmitCargoImpRequest,
) -> Result<SubmitCargoImpResponse, IntakeError> {
    let read = cargo_imp::parse_many(&request.text);
    if request.text.trim().is_empty() || read.is_empty() {
        let mut v = FieldViolations::new();
        v.add("text", "is required: one or more Cargo-IMP messages");
        return Err(v.into());
    }
    let key = message_key(&request.message_id, &request.text)?;
    let limits = intake.limits();
    let today = Utc::now().date_naive();

    let mut results = Vec::with_capacity(read.len());
    let mut filings = Vec::with_capacity(read.len());
    for (i, message) in read.iter().enumerate() {
        let index = i + 1;
        let message_id = format!("{key}/{index}");
        let mut result = CargoMessageResult {
            message: number(index),
            ..Default::default()
        };
        let message = match message {
            Ok(message) => message,
            Err(error) => {
                if let CargoImpError::Unsupported {
                    message_type,
                    version,
                    ..
                } = error
                {
                    result.reference = reference(message_type, *version);
                }
                let mut v = FieldViolations::new();
                v.add(format!("text.messages[{index}]"), error.to_string());
                result.result = Some(rejected(message_id, &v));
                results.push(result);
                filings.push(Filing::Done);
                continue;
            }
        };
        let (filing, warnings) = match message {
            CargoImpMessage::Fwb(fwb) => {
                result.reference = reference("FWB", Some(fwb.version));
                let (consignment, _booked, warnings) =
                    crate::cargo_imp::fwb_consignment(fwb, today);
                let valid =
                    validate::validate_waybills(&message_id, vec![consignment], agency, &limits);
                (valid.map(|v| Filing::Waybills(Box::new(v))), warnings)
            }
            CargoImpMessage::Fhl(fhl) => {
                result.reference = reference("FHL", Some(fhl.version));
                let (houses, warnings) = crate::cargo_imp::fhl_consignments(fhl);
                let valid = validate::validate_waybills(&message_id, houses, agency, &limits);
                (valid.map(|v| Filing::Waybills(Box::new(v))), warnings)
            }
            CargoImpMessage::Ffm(ffm) => {
                result.reference = reference("FFM", Some(ffm.version));
                let function = if ffm.sequence > 1 {
                    MessageFunction::Update
                } else {
                    MessageFunction::Original
                };
                let points: Vec<_> = crate::cargo_imp::ffm_manifests(ffm, today)
                    .into_iter()
                    .filter(|(manifest, _)| !manifest.consignments.is_empty())
                    .collect();
                let several = points.len() > 1;
                let mut warnings = Vec::new();
                let mut valid = Vec::with_capacity(points.len());
                let mut refused = None;
                for (p, (mut manifest, point_warnings)) in points.into_iter().enumerate() {
                    warnings.extend(point_warnings);
                    manifest.function = function as i32;
                    let id = point_id(&message_id, several, p);
                    match validate::validate(
                        SubmitManifestRequest {
                            message_id: id,
                            manifest: Some(manifest),
                        },
                        agency,
                        &limits,
                    ) {
                        Ok(manifest) => valid.push(manifest),
                        Err(v) => {
                            refused = Some(v);
                            break;
                        }
                    }
                }
                let filing = match refused {
                    Some(v) => Err(v),
                    None if valid.is_empty() => Ok(Filing::Done),
                    None => Ok(Filing::Flight(valid)),
                };
                (filing, warnings)
            }
        };
        result.warnings = message
            .warnings()
            .iter()
            .chain(&warnings)
            .map(interchange::format_warning)
            .collect();
        match filing {
            Ok(Filing::Done) => {
                // An FFM whose every point of unloading is NIL: the flight carries no cargo.
                result.result = Some(SubmissionResult {
                    message_id,
                    status: SubmissionStatus::Accepted as i32,
                    ..Default::default()
                });
                filings.push(Filing::Done);
            }
            Ok(filing) => filings.push(filing),
            Err(v) => {
                // The fields are the contract's, as mapped from the message.
                result.result = Some(rejected(message_id, &v));
                filings.push(Filing::Done);
            }
        }
        results.push(result);
    }

    // Waybills first, so that a flight manifest in the same text finds them.
    let waybills: Vec<(usize, &ValidManifest)> = filings
        .iter()
        .enumerate()
        .filter_map(|(m, f)| match f {
            Filing::Waybills(valid) => Some((m, valid.as_ref())),
            _ => None,
        })
        .collect();
    let outcomes = batch::store_all(intake, agency, waybills.iter().map(|(_, v)| *v)).await?;
    for ((m, valid), outcome) in waybills.iter().zip(&outcomes) {
        let mut stored = waybill_result(valid, outcome);
        stored.warnings = valid.warnings.clone();
        let result = &mut results[*m];
        result.consignment_ids = ids(&outcome.consignment_ids);
        result.result = Some(stored);
        let masters = masters_of(&valid.manifest.consignments);
        result.manifest_ids = ids(&refile(intake, agency, &valid.message_id, &masters).await?);
        result.on_file = result.manifest_ids.is_empty();
    }

    let flights: Vec<(usize, &[ValidManifest])> = filings
        .iter()
        .enumerate()
        .filter_map(|(m, f)| match f {
            Filing::Flight(valid) => Some((m, valid.as_slice())),
            _ => None,
        })
        .collect();
    if flights.is_empty() {
        return Ok(response(results));
    }
    let masters: Vec<ConsignmentKey> = flights
        .iter()
        .flat_map(|(_, points)| points.iter())
        .flat_map(|valid| masters_of(&valid.manifest.consignments))
        .collect();
    let on_file =
        OnFile::new(store::on_file(&mut *intake.pool.acquire().await?, agency, &masters).await?);
    let mut completed: Vec<(usize, Vec<ValidManifest>)> = Vec::with_capacity(flights.len());
    for (m, points) in &flights {
        let mut valid = Vec::with_capacity(points.len());
        let mut refused = None;
        for point in *points {
            let manifest = CargoManifest {
                consignments: on_file.complete_flight(&point.manifest.consignments),
                ..point.manifest.clone()
            };
            match validate::validate(
                SubmitManifestRequest {
                    message_id: point.message_id.clone(),
                    manifest: Some(manifest),
                },
                agency,
                &limits,
            ) {
                Ok(manifest) => valid.push(manifest),
                Err(v) => {
                    refused = Some(v);
                    break;
                }
            }
        }
        match refused {
            // What the waybills on file add made it too large or otherwise unusable.
            Some(v) => {
                results[*m].result = Some(rejected(format!("{key}/{}", m + 1), &v));
            }
            None => completed.push((*m, valid)),
        }
    }
    let outcomes = batch::store_all(
        intake,
        agency,
        completed.iter().flat_map(|(_, points)| points.iter()),
    )
    .await?;
    let mut outcomes = outcomes.into_iter();
    for (m, points) in &completed {
        let point_outcomes: Vec<Outcome> = outcomes.by_ref().take(points.len()).collect();
        let result = &mut results[*m];
        result.result = Some(flight_result(points, &point_outcomes));
        result.manifest_ids = ids(&point_outcomes
            .iter()
            .map(|o| o.manifest_id)
            .collect::<Vec<_>>());
        result.consignment_ids = point_outcomes
            .iter()
            .flat_map(|o| o.consignment_ids.iter().map(ToString::to_string))
            .collect();
        // A waybill stored while this manifest was: filed now if this one missed it.
        let masters: Vec<ConsignmentKey> = points
            .iter()
            .flat_map(|p| masters_of(&p.manifest.consignments))
            .collect();
        let message_id = format!("{key}/{}", m + 1);
        refile(intake, agency, &message_id, &masters).await?;
    }
    Ok(response(results))
}

/// The client's key, else one derived from the text.
fn message_key(message_id: &str, text: &str) -> Result<String, FieldViolations> {
    let given = message_id.trim();
    let key = match given {
        "" => format!(
            "cargo-imp:{}",
            Uuid::new_v5(&TEXT_NAMESPACE, text.trim().as_bytes())
        ),
        given => given.to_owned(),
    };
    let max = validate::MAX_MESSAGE_ID - RESERVED;
    if key.chars().count() > max {
        let mut v = FieldViolations::new();
        v.add_limit(
            "message_id",
            format!("at most {max} characters (each message's number is appended)"),
        );
        return Err(v);
    }
    Ok(key)
}

fn reference(message_type: &str, version: Option<u16>) -> String {
    match version {
        Some(version) => format!("{message_type}/{version}"),
        None => message_type.to_owned(),
    }
}

/// The message id of one point of unloading of an FFM.
fn point_id(message_id: &str, several: bool, point: usize) -> String {
    if several {
        format!("{message_id}.{}", point + 1)
    } else {
        message_id.to_owned()
    }
}

fn ids(ids: &[Uuid]) -> Vec<String> {
    ids.iter()
        .filter(|id| !id.is_nil())
        .map(ToString::to_string)
        .collect()
}

/// The air waybills the consignments are or belong to: a master's own key, a house's master's.
fn masters_of(consignments: &[Consignment]) -> Vec<ConsignmentKey> {
    let mut masters: Vec<ConsignmentKey> = consignments
        .iter()
        .filter_map(|c| {
            if c.master_document_number.is_empty() {
                Some((
                    c.transport_document_issuer.clone(),
                    c.transport_document_number.clone(),
                ))
            } else {
                master_key(&c.master_document_number)
            }
        })
        .collect();
    masters.sort_unstable();
    masters.dedup();
    masters
}

/// The key a master air waybill has (see `validate`: issuer is its airline prefix).
fn master_key(number: &str) -> Option<ConsignmentKey> {
    let awb = AirWaybillNumber::parse(number).ok()?;
    Some((crate::keys::air_waybill_issuer(awb), awb.to_string()))
}

/// Waybills on file: masters by key, houses by their master's number.
struct OnFile {
    masters: HashMap<ConsignmentKey, Consignment>,
    houses: HashMap<String, Vec<store::Filed>>,
}

impl OnFile {
    fn new(filed: Vec<store::Filed>) -> Self {
        let mut masters = HashMap::new();
        let mut houses: HashMap<String, Vec<store::Filed>> = HashMap::new();
        for filed in filed {
            if filed.record.master_document_number.is_empty() {
                masters.insert(filed.key, filed.record);
            } else {
                houses
                    .entry(filed.record.master_document_number.clone())
                    .or_default()
                    .push(filed);
            }
        }
        for list in houses.values_mut() {
            list.sort_by(|a, b| a.key.cmp(&b.key));
        }
        Self { masters, houses }
    }

    /// A flight manifest's consignments completed from their waybills, each master followed by
    /// the houses on file under it that the manifest does not list itself.
    fn complete_flight(&self, consignments: &[Consignment]) -> Vec<Consignment> {
        let listed: HashSet<ConsignmentKey> = consignments.iter().map(key_of).collect();
        let mut out = Vec::with_capacity(consignments.len());
        for consignment in consignments {
            out.push(match self.masters.get(&key_of(consignment)) {
                Some(waybill) => complete(consignment, waybill),
                None => consignment.clone(),
            });
            if consignment.master_document_number.is_empty() {
                let houses = self.houses.get(&consignment.transport_document_number);
                for house in houses.into_iter().flatten() {
                    if !listed.contains(&house.key) {
                        out.push(house.record.clone());
                    }
                }
            }
        }
        out
    }
}

fn key_of(consignment: &Consignment) -> ConsignmentKey {
    (
        consignment.transport_document_issuer.clone(),
        consignment.transport_document_number.clone(),
    )
}

/// An air waybill on a flight: the waybill's own data (parties, goods, routing, payment, its
/// origin and destination) with the flight's part of it: the pieces, weight and ULDs on this
/// flight, and goods items of dangerous goods the flight manifest names and the waybill does
/// not. Which ULD holds which goods item is in neither message.
pub fn complete(flight: &Consignment, waybill: &Consignment) -> Consignment {
    let mut merged = waybill.clone();
    merged.package_count = flight.package_count;
    merged.gross_weight_kg = flight.gross_weight_kg;
    merged.containers.clone_from(&flight.containers);
    for (own, flown) in [
        (&mut merged.port_of_loading, &flight.port_of_loading),
        (&mut merged.port_of_discharge, &flight.port_of_discharge),
    ] {
        if own.is_empty() {
            own.clone_from(flown);
        }
    }
    if merged.transit_ports.is_empty() {
        merged.transit_ports.clone_from(&flight.transit_ports);
    }
    if merged.goods_items.is_empty() {
        merged.goods_items.clone_from(&flight.goods_items);
    } else {
        let declared: HashSet<&str> = waybill
            .goods_items
            .iter()
            .filter_map(|item| item.dangerous_goods.as_ref())
            .map(|dg| dg.un_number.as_str())
            .collect();
        let named = flight.goods_items.iter().filter(|item| {
            item.dangerous_goods
                .as_ref()
                .is_some_and(|dg| !declared.contains(dg.un_number.as_str()))
        });
        merged.goods_items.extend(named.cloned());
        for (n, item) in (1..).zip(merged.goods_items.iter_mut()) {
            item.sequence_number = n;
        }
    }
    merged
}

/// Files the waybills on file of `masters` (and the houses on file under them) into the
/// movements whose current versions list those masters, as an UPDATE each where a listed
/// consignment is not as its waybill makes it or a house is missing; returns the movements
/// updated. The UPDATE's message id is `<message_id>/<movement id>`: a resend finds it.
async fn refile(
    intake: &CargoIntake,
    agency: &str,
    message_id: &str,
    masters: &[ConsignmentKey],
) -> Result<Vec<Uuid>, IntakeError> {
    let (filed, listings) = {
        let mut conn = intake.pool.acquire().await?;
        (
            store::on_file(&mut conn, agency, masters).await?,
            store::listings(&mut conn, agency, masters).await?,
        )
    };
    let on_file = OnFile::new(filed);
    let limits = intake.limits();
    let mut updates = Vec::new();
    for listing in listings {
        let listed: HashMap<&ConsignmentKey, &Consignment> =
            listing.listed.iter().map(|f| (&f.key, &f.record)).collect();
        let mut send = Vec::new();
        for filed in &listing.listed {
            if !filed.record.master_document_number.is_empty() {
                continue;
            }
            if let Some(waybill) = on_file.masters.get(&filed.key) {
                let merged = complete(&filed.record, waybill);
                if merged != filed.record {
                    send.push(merged);
                }
            }
            let houses = on_file.houses.get(&filed.key.1);
            for house in houses.into_iter().flatten() {
                if listed.get(&house.key) != Some(&&house.record) {
                    send.push(house.record.clone());
                }
            }
        }
        if send.is_empty() {
            continue;
        }
        let manifest = CargoManifest {
            function: MessageFunction::Update as i32,
            consignments: send,
            ..listing.header
        };
        match validate::validate(
            SubmitManifestRequest {
                message_id: format!("{message_id}/{}", listing.manifest_id),
                manifest: Some(manifest),
            },
            agency,
            &limits,
        ) {
            Ok(valid) => updates.push(valid),
            Err(v) => {
                // Stored records that no longer validate together (the event would be too
                // large): the waybill stays on file, the movement as it was.
                tracing::error!(
                    manifest_id = %listing.manifest_id,
                    violations = %v.summary(),
                    "a waybill on file could not be filed into its movement"
                );
            }
        }
    }
    let outcomes = batch::store_all(intake, agency, updates.iter()).await?;
    Ok(outcomes.into_iter().map(|o| o.manifest_id).collect())
}

fn status(outcomes: &[Outcome]) -> SubmissionStatus {
    if !outcomes.is_empty() && outcomes.iter().all(|o| o.duplicate) {
        SubmissionStatus::Duplicate
    } else {
        SubmissionStatus::Accepted
    }
}

fn waybill_result(valid: &ValidManifest, outcome: &Outcome) -> SubmissionResult {
    SubmissionResult {
        message_id: valid.message_id.clone(),
        status: status(std::slice::from_ref(outcome)) as i32,
        record_id: outcome
            .consignment_ids
            .first()
            .map(ToString::to_string)
            .unwrap_or_default(),
        accepted_at: Some(to_timestamp(outcome.accepted_at)),
        item_count: i32::try_from(outcome.consignment_ids.len()).unwrap_or(i32::MAX),
        version: outcome.version,
        ..Default::default()
    }
}

fn flight_result(points: &[ValidManifest], outcomes: &[Outcome]) -> SubmissionResult {
    let first = outcomes.first();
    let warnings: Vec<RecordWarning> = points
        .iter()
        .flat_map(|p| p.warnings.iter().cloned())
        .take(validate::MAX_WARNINGS)
        .collect();
    SubmissionResult {
        message_id: points
            .first()
            .map(|p| p.message_id.clone())
            .unwrap_or_default(),
        status: status(outcomes) as i32,
        record_id: first.map(|o| o.manifest_id.to_string()).unwrap_or_default(),
        accepted_at: first.map(|o| to_timestamp(o.accepted_at)),
        item_count: i32::try_from(
            outcomes
                .iter()
                .map(|o| o.consignment_ids.len())
                .sum::<usize>(),
        )
        .unwrap_or(i32::MAX),
        version: first.map_or(0, |o| o.version),
        warnings,
        ..Default::default()
    }
}

fn response(messages: Vec<CargoMessageResult>) -> SubmitCargoImpResponse {
    let summary = Summary::of(&messages);
    SubmitCargoImpResponse {
        manifest_id: summary
            .stored
            .iter()
            .find_map(|m| m.manifest_ids.first().cloned())
            .unwrap_or_default(),
        accepted_at: summary
            .stored
            .iter()
            .find_map(|m| m.result.as_ref().and_then(|r| r.accepted_at)),
        consignment_count: summary.consignment_count,
        duplicate: summary.duplicate,
        messages,
    }
}

#[cfg(test)]
mod tests {
    use gatehouse_proto::v1::{Container, DangerousGoods, GoodsItem, Party};

    use super::*;

    fn item(description: &str, un: Option<&str>) -> GoodsItem {
        GoodsItem {
            description: description.into(),
            dangerous_goods: un.map(|un| DangerousGoods {
                un_number: un.into(),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    fn waybill() -> Consignment {
        Consignment {
            transport_document_number: "235-12345675".into(),
            transport_document_issuer: "235".into(),
            consignor: Some(Party {
                name: "Shipper".into(),
                ..Default::default()
            }),
            goods_items: vec![GoodsItem {
                sequence_number: 1,
                hs_code: "851713".into(),
                ..item("SMARTPHONES", Some("3481"))
            }],
            package_count: 10,
            gross_weight_kg: 250.0,
            port_of_loading: "PVG".into(),
            port_of_discharge: "SJJ".into(),
            ..Default::default()
        }
    }

    fn on_flight(pieces: u32, kg: f64, uld: &str, goods: Vec<GoodsItem>) -> Consignment {
        Consignment {
            transport_document_number: "235-12345675".into(),
            transport_document_issuer: "235".into(),
            package_count: pieces,
            gross_weight_kg: kg,
            containers: vec![Container {
                number: uld.into(),
                ..Default::default()
            }],
            goods_items: goods,
            ..Default::default()
        }
    }

    #[test]
    fn a_flight_keeps_its_pieces_and_ulds_and_takes_the_rest_from_the_waybill() {
        let merged = complete(
            &on_flight(4, 100.0, "AKE12345TK", vec![item("PHONES", None)]),
            &waybill(),
        );
        assert_eq!((merged.package_count, merged.gross_weight_kg), (4, 100.0));
        assert_eq!(merged.containers[0].number, "AKE12345TK");
        assert_eq!(merged.consignor.as_ref().unwrap().name, "Shipper");
        assert_eq!(merged.goods_items.len(), 1);
        assert_eq!(merged.goods_items[0].hs_code, "851713");
        assert_eq!(
            (
                merged.port_of_loading.as_str(),
                merged.port_of_discharge.as_str()
            ),
            ("PVG", "SJJ")
        );
    }

    #[test]
    fn dangerous_goods_only_the_flight_names_are_kept() {
        let merged = complete(
            &on_flight(
                4,
                100.0,
                "AKE12345TK",
                vec![item("PHONES", Some("3481")), item("AEROSOLS", Some("1950"))],
            ),
            &waybill(),
        );
        let uns: Vec<(i32, &str)> = merged
            .goods_items
            .iter()
            .map(|i| {
                (
                    i.sequence_number,
                    i.dangerous_goods.as_ref().unwrap().un_number.as_str(),
                )
            })
            .collect();
        assert_eq!(uns, [(1, "3481"), (2, "1950")]);
    }

    #[test]
    fn completing_a_completed_record_again_changes_nothing() {
        let flight = on_flight(4, 100.0, "AKE12345TK", vec![item("AEROSOLS", Some("1950"))]);
        let once = complete(&flight, &waybill());
        assert_eq!(complete(&once, &waybill()), once);
    }

    #[test]
    fn houses_follow_their_master_unless_listed() {
        let house = |number: &str| store::Filed {
            key: ("235-12345675".into(), number.into()),
            record: Consignment {
                transport_document_number: number.into(),
                transport_document_issuer: "235-12345675".into(),
                master_document_number: "235-12345675".into(),
                ..Default::default()
            },
        };
        let on_file = OnFile::new(vec![
            house("HB2"),
            house("HB1"),
            store::Filed {
                key: ("235".into(), "235-12345675".into()),
                record: waybill(),
            },
        ]);
        let listed_house = house("HB2").record;
        let consignments =
            on_file.complete_flight(&[on_flight(4, 100.0, "AKE12345TK", Vec::new()), listed_house]);
        let numbers: Vec<&str> = consignments
            .iter()
            .map(|c| c.transport_document_number.as_str())
            .collect();
        assert_eq!(numbers, ["235-12345675", "HB1", "HB2"]);
        assert_eq!(consignments[0].consignor.as_ref().unwrap().name, "Shipper");
    }

    #[test]
    fn a_text_without_a_key_is_keyed_by_its_content() {
        let a = message_key("", "FWB/17\n235-12345675SVOREN/T1K10\n").unwrap();
        let b = message_key(" ", "FWB/17\n235-12345675SVOREN/T1K10").unwrap();
        let c = message_key("", "FWB/17\n235-12345686SVOREN/T1K10").unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert!(a.starts_with("cargo-imp:"));
        assert_eq!(message_key("client-1", "x").unwrap(), "client-1");
        assert!(message_key(&"k".repeat(validate::MAX_MESSAGE_ID), "x").is_err());
    }

    #[test]
    fn masters_of_houses_are_their_master_waybills() {
        let house = Consignment {
            transport_document_number: "HB1".into(),
            master_document_number: "235-12345675".into(),
            ..Default::default()
        };
        assert_eq!(
            masters_of(&[house, waybill()]),
            [("235".to_owned(), "235-12345675".to_owned())]
        );
    }
}
