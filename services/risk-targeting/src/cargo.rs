//! Screening of accepted manifests: every consignment a manifest sends against the live cargo
//! rules, published as one `RiskAssessed` (domain cargo) per manifest version. A consignment's
//! dedupe key is its id across manifests, so an amendment updates the open alert; its location
//! is the movement's place of entry (else its port of discharge), which routes alerts to the
//! unit working there.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use gatehouse_checks::goods::{GoodsWarning, check_description};
use gatehouse_platform::{
    bus::subjects,
    consumer::{BatchHandler, Delivery, HandlerError, Rejected, decode_batch},
    events::{from_timestamp, new_event_id, now_timestamp},
    outbox::Relay,
};
use gatehouse_proto::v1::{
    Assessment, CargoManifest, Consignment, ConsignmentRecord, ConsignmentSummary, Domain,
    FreightPaymentMethod, Hit, HitKind, ManifestAccepted, MessageFunction, Party, PartyHistory,
    RiskAssessed, Severity, Subject, TransportMode, subject,
};
use gatehouse_rules::{CargoFacts, Evaluation, Fact};
use sqlx::PgPool;

use crate::{
    rules::{LiveRule, RuleSet},
    screening::{INLINE_EVALUATIONS, publish},
};

/// Applies accepted manifests from the INTAKE stream, a batch at a time.
pub struct CargoScreening {
    pub pool: PgPool,
    pub relay: Relay,
    pub rules: RuleSet,
    pub consumer: &'static str,
}

impl BatchHandler for CargoScreening {
    async fn apply(&self, batch: &[Delivery]) -> Result<Vec<Rejected>, HandlerError> {
        let (decoded, mut rejected) = decode_batch::<ManifestAccepted>(batch);
        if decoded.is_empty() {
            return Ok(rejected);
        }
        let started = std::time::Instant::now();
        let rules = self.rules.cargo_snapshot();
        let consignments: usize = decoded
            .iter()
            .map(|(_, e)| e.manifest.as_ref().map_or(0, |m| m.consignments.len()))
            .sum();
        let evaluations = consignments.max(decoded.len()) * rules.len().max(1);
        let assess_all = move || {
            decoded
                .into_iter()
                .map(|(index, event)| (index, assess(&rules, &event)))
                .collect::<Vec<_>>()
        };
        // As for passengers: a large batch is evaluated off the async workers, a small one here.
        let assessed = if evaluations <= INLINE_EVALUATIONS {
            assess_all()
        } else {
            tokio::task::spawn_blocking(assess_all)
                .await
                .map_err(|e| HandlerError::Failed(format!("screening task failed: {e}")))?
        };
        let mut outcomes = Vec::with_capacity(assessed.len());
        for (index, result) in assessed {
            match result {
                Ok(assessed) => outcomes.push((index, assessed)),
                Err(reason) => rejected.push(Rejected { index, reason }),
            }
        }
        gatehouse_platform::metrics::screening_seconds(started.elapsed());
        if outcomes.is_empty() {
            return Ok(rejected);
        }
        let Some(fresh) = publish(
            &self.pool,
            &self.relay,
            self.consumer,
            batch,
            outcomes,
            subjects::RISK_ASSESSED_CARGO,
        )
        .await?
        else {
            return Ok(rejected);
        };
        let screened: i32 = fresh.iter().map(|a| a.records_screened).sum();
        gatehouse_platform::metrics::records_screened(usize::try_from(screened).unwrap_or(0));
        tracing::debug!(
            manifests = fresh.len(),
            consignments = screened,
            "manifests screened"
        );
        Ok(rejected)
    }
}

/// Screens every consignment `event` sends. A CANCEL sends none to assess: what it names is
/// withdrawn, not new.
pub fn assess(rules: &[LiveRule], event: &ManifestAccepted) -> Result<RiskAssessed, String> {
    let manifest = event
        .manifest
        .as_ref()
        .ok_or_else(|| "ManifestAccepted without manifest".to_owned())?;
    let cancel = manifest.function == MessageFunction::Cancel as i32;
    if !cancel && event.consignment_records.len() != manifest.consignments.len() {
        return Err("consignment_records do not match consignments".into());
    }
    let received = event
        .occurred_at
        .as_ref()
        .and_then(from_timestamp)
        .unwrap_or_else(Utc::now);
    let live: Vec<&LiveRule> = rules.iter().filter(|r| r.in_force(received)).collect();
    let location = if manifest.place_of_entry.is_empty() {
        manifest.port_of_discharge.clone()
    } else {
        manifest.place_of_entry.clone()
    };
    let arrival = manifest
        .estimated_arrival
        .as_ref()
        .and_then(from_timestamp)
        .unwrap_or(received);
    let mut assessments = Vec::new();
    let consignments: &[Consignment] = if cancel { &[] } else { &manifest.consignments };
    for (consignment, record) in consignments.iter().zip(&event.consignment_records) {
        let facts = cargo_facts(manifest, consignment, record, arrival);
        let evaluation = Evaluation::cargo(&facts);
        let mut hits = Vec::new();
        let mut shadow_hits = Vec::new();
        let mut target_units: Vec<String> = Vec::new();
        let evaluating = std::time::Instant::now();
        for rule in &live {
            match evaluation.evaluate(&rule.compiled) {
                Ok(Some(evidence)) => {
                    let hit = Hit {
                        kind: HitKind::Rule as i32,
                        rule_id: rule.rule_id.clone(),
                        rule_version: rule.version,
                        description: rule.name.clone(),
                        weight: rule.weight,
                        severity: rule.severity as i32,
                        evidence: evidence.into_iter().collect(),
                        shadow: rule.shadow,
                        ..Default::default()
                    };
                    if rule.shadow {
                        shadow_hits.push(hit);
                    } else {
                        target_units.extend(rule.target_units.iter().cloned());
                        hits.push(hit);
                    }
                }
                Ok(None) => {}
                Err(error) => {
                    tracing::warn!(rule_id = %rule.rule_id, version = rule.version, %error, "rule evaluation failed");
                }
            }
        }
        gatehouse_platform::metrics::rule_evaluation_seconds(evaluating.elapsed());
        if hits.is_empty() && shadow_hits.is_empty() {
            continue;
        }
        target_units.sort();
        target_units.dedup();
        assessments.push(Assessment {
            assessment_id: uuid::Uuid::now_v7().to_string(),
            subject: Some(Subject {
                subject: Some(subject::Subject::Consignment(ConsignmentSummary::of(
                    &event.manifest_id,
                    &record.consignment_id,
                    manifest,
                    consignment,
                ))),
            }),
            score: hits.iter().map(|h| h.weight).sum(),
            severity: hits
                .iter()
                .map(|h| h.severity)
                .max()
                .unwrap_or(Severity::Unspecified as i32),
            hits,
            shadow_hits,
            location: location.clone(),
            target_units,
            occurred_on: received.date_naive().to_string(),
            assessed_at: Some(now_timestamp()),
            dedupe_key: format!("consignment/{}", record.consignment_id),
            record_version: record.version,
            replaces_dedupe_key: String::new(),
        });
    }
    Ok(RiskAssessed {
        event_id: new_event_id(),
        occurred_at: Some(now_timestamp()),
        source_event_id: event.event_id.clone(),
        domain: Domain::Cargo as i32,
        assessments,
        records_screened: i32::try_from(consignments.len()).unwrap_or(i32::MAX),
        record_id: event.manifest_id.clone(),
    })
}

fn or(own: &str, manifest: &str) -> String {
    if own.is_empty() { manifest } else { own }.to_owned()
}

fn label(name: &str, prefix: &str) -> String {
    gatehouse_proto::labels::label(name, prefix)
}

/// What the cargo rules see of one consignment on its movement.
pub fn cargo_facts(
    manifest: &CargoManifest,
    consignment: &Consignment,
    record: &ConsignmentRecord,
    arrival: DateTime<Utc>,
) -> CargoFacts {
    let text = |s: &str| Fact::Text(s.to_owned());
    let list = |values: Vec<String>| Fact::TextList(values);
    let conveyance = manifest.conveyance.clone().unwrap_or_default();
    let mode = TransportMode::try_from(manifest.mode).unwrap_or_default();
    let mut facts = CargoFacts {
        movement: BTreeMap::from([
            (
                "mode",
                Fact::Text(label(mode.as_str_name(), "TRANSPORT_MODE_")),
            ),
            ("carrier", text(&manifest.carrier)),
            ("voyage_number", text(&manifest.voyage_number)),
            ("vessel_name", text(&conveyance.name)),
            ("imo_number", text(&conveyance.imo_number)),
            ("vessel_flag", text(&conveyance.nationality)),
            ("port_of_loading", text(&manifest.port_of_loading)),
            ("port_of_discharge", text(&manifest.port_of_discharge)),
            ("place_of_entry", text(&manifest.place_of_entry)),
            ("arrival_date", Fact::Text(arrival.date_naive().to_string())),
        ]),
        ..CargoFacts::default()
    };
    let loading = or(&consignment.port_of_loading, &manifest.port_of_loading);
    let payment = FreightPaymentMethod::try_from(consignment.freight_payment_method)
        .ok()
        .filter(|m| *m != FreightPaymentMethod::Unspecified)
        .map(|m| label(m.as_str_name(), "FREIGHT_PAYMENT_METHOD_"))
        .unwrap_or_default();
    let goods = &consignment.goods_items;
    let gross: f64 = if consignment.gross_weight_kg > 0.0 {
        consignment.gross_weight_kg
    } else {
        goods.iter().map(|g| g.gross_weight_kg).sum()
    };
    facts.consignment = BTreeMap::from([
        (
            "transport_document_number",
            text(&consignment.transport_document_number),
        ),
        (
            "master_document_number",
            text(&consignment.master_document_number),
        ),
        (
            "is_house",
            Fact::Bool(!consignment.master_document_number.is_empty()),
        ),
        ("port_of_loading", Fact::Text(loading.clone())),
        (
            "port_of_discharge",
            Fact::Text(or(
                &consignment.port_of_discharge,
                &manifest.port_of_discharge,
            )),
        ),
        (
            "container_count",
            Fact::Int(i64::try_from(consignment.containers.len()).unwrap_or(i64::MAX)),
        ),
        ("freight_payment", Fact::Text(payment)),
        ("version", Fact::Int(i64::from(record.version))),
    ]);
    if gross > 0.0 {
        facts
            .consignment
            .insert("gross_weight_kg", Fact::Double(gross));
    }
    let packages: u64 = if consignment.package_count > 0 {
        u64::from(consignment.package_count)
    } else {
        goods.iter().map(|g| u64::from(g.package_count)).sum()
    };
    if packages > 0 {
        facts.consignment.insert(
            "package_count",
            Fact::Int(i64::try_from(packages).unwrap_or(i64::MAX)),
        );
    }
    facts.consignee = party_facts(
        consignment.consignee.as_ref(),
        record.consignee_history.as_ref(),
    );
    facts.consignor = party_facts(
        consignment.consignor.as_ref(),
        record.consignor_history.as_ref(),
    );

    let value: f64 = goods
        .iter()
        .filter_map(|g| g.declared_value.as_ref())
        .map(|m| m.units as f64 + f64::from(m.nanos) / 1e9)
        .sum();
    facts.goods = BTreeMap::from([
        (
            "hs_codes",
            list(
                goods
                    .iter()
                    .map(|g| g.hs_code.clone())
                    .filter(|c| !c.is_empty())
                    .collect(),
            ),
        ),
        (
            "descriptions",
            list(goods.iter().map(|g| g.description.clone()).collect()),
        ),
        (
            "description_vague",
            Fact::Bool(goods.iter().any(|g| {
                matches!(
                    check_description(&g.description),
                    Some(GoodsWarning::DescriptionVague | GoodsWarning::DescriptionMissing)
                )
            })),
        ),
        (
            "dangerous_goods_declared",
            Fact::Bool(goods.iter().any(|g| g.dangerous_goods.is_some())),
        ),
        (
            "un_numbers",
            list(
                goods
                    .iter()
                    .filter_map(|g| g.dangerous_goods.as_ref())
                    .map(|d| d.un_number.clone())
                    .filter(|n| !n.is_empty())
                    .collect(),
            ),
        ),
        (
            "origin_countries",
            list(distinct(goods.iter().map(|g| g.origin_country.clone()))),
        ),
        (
            "item_count",
            Fact::Int(i64::try_from(goods.len()).unwrap_or(i64::MAX)),
        ),
    ]);
    if value > 0.0 && gross > 0.0 {
        facts
            .goods
            .insert("declared_value_per_kg", Fact::Double(value / gross));
    }

    let loading_country = country_of(&loading);
    let transit: Vec<String> = consignment
        .transit_ports
        .iter()
        .filter_map(|port| country_of(port))
        .collect();
    let countries = distinct(
        loading_country
            .into_iter()
            .chain(consignment.countries_of_routing.iter().cloned())
            .chain(transit.iter().cloned()),
    );
    facts.route = BTreeMap::from([
        ("countries", list(countries)),
        (
            "transhipment_countries",
            list(distinct(transit.into_iter())),
        ),
    ]);
    facts
}

fn party_facts(
    party: Option<&Party>,
    history: Option<&PartyHistory>,
) -> BTreeMap<&'static str, Fact> {
    let mut facts = BTreeMap::new();
    if let Some(party) = party {
        facts.insert("name", Fact::Text(party.name.clone()));
        facts.insert("country", Fact::Text(party.country.clone()));
        facts.insert("identifier", Fact::Text(party.identifier.clone()));
        facts.insert("identifier_type", Fact::Text(party.identifier_type.clone()));
    }
    // Only a consignment's first version carries its parties' history; later versions leave the
    // documented "unknown" defaults.
    if let Some(history) = history {
        facts.insert("first_seen", Fact::Bool(history.first_seen));
        facts.insert(
            "previous_consignments",
            Fact::Int(i64::from(history.previous_consignments)),
        );
        facts.insert(
            "earlier_origins",
            Fact::TextList(history.earlier_origin_countries.clone()),
        );
    }
    facts
}

fn country_of(place: &str) -> Option<String> {
    gatehouse_checks::country_of_place(place).map(str::to_owned)
}

fn distinct(values: impl Iterator<Item = String>) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    for value in values.filter(|v| !v.is_empty()) {
        if !seen.contains(&value) {
            seen.push(value);
        }
    }
    seen
}
