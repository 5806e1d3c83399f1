//! Screening of accepted API reports and PNRs: every traveller against the document watchlists
//! and the live passenger rules, published as one `RiskAssessed` event per record.

use std::{
    borrow::Cow,
    collections::{BTreeMap, HashMap},
    marker::PhantomData,
};

use chrono::{NaiveDate, Utc};
use gatehouse_matching::document::normalize_document_number;
use gatehouse_platform::{
    bus::{Event, OutboundEvent, subjects},
    consumer::{BatchHandler, Delivery, HandlerError, Rejected, decode_batch},
    events::{from_timestamp, new_event_id, now_timestamp},
    inbox,
    outbox::{Relay, enqueue},
};
use gatehouse_proto::v1::{
    ApiReportAccepted, Assessment, Domain, Flight, Hit, HitKind, PnrAccepted, PnrPassengerType,
    RiskAssessed, Severity, Subject, TravelDocument, Traveller, TravellerLink, TravellerRole,
    TravellerSummary, subject,
};
use gatehouse_rules::{Evaluation, Fact, PassengerFacts};
use prost::Message;
use sqlx::{PgConnection, PgPool, Row};

use crate::rules::{LiveRule, RuleSet, severity_from_name, severity_name};

/// A watchlisted document found among a report's documents.
#[derive(Debug, Clone)]
pub struct DocumentListing {
    pub watchlist_id: String,
    pub entry_id: String,
    pub number_normalized: String,
    pub issuing_country: String,
    pub reason: String,
    pub severity: Severity,
    pub target_units: Vec<String>,
}

/// Score a watchlist hit adds, by the severity of the listing.
pub fn watchlist_weight(severity: Severity) -> f64 {
    match severity {
        Severity::Critical => 100.0,
        Severity::High => 80.0,
        Severity::Medium => 50.0,
        Severity::Low | Severity::Unspecified => 20.0,
    }
}

/// Rule evaluations (documents or consignments × rules) a batch may take on an async worker.
pub(crate) const INLINE_EVALUATIONS: usize = 1_000;

/// What screening reads of an accepted record: the flight and its travellers.
pub struct Passengers<'a> {
    pub event_id: &'a str,
    pub occurred_at: Option<&'a prost_types::Timestamp>,
    /// API report or PNR id.
    pub record_id: &'a str,
    /// Stable id of the flight; empty for a PNR (its booking is the record).
    pub flight_id: &'a str,
    pub version: u32,
    pub flight: &'a Flight,
    pub travellers: Cow<'a, [Traveller]>,
    pub traveller_ids: &'a [String],
    /// Same order as `travellers`: the dedupe key of each traveller's assessment (and alert).
    pub traveller_keys: Cow<'a, [String]>,
    /// Same order as `travellers` (or empty): the traveller's link to the other record of their
    /// booking, whose data `travellers` already holds merged in.
    pub links: Vec<Option<&'a TravellerLink>>,
    /// Whether the record is an API report (else a PNR).
    pub api: bool,
}

/// One traveller out of an API traveller and the same person in a PNR: the API's data (read
/// from the document at check-in) wins, the PNR fills what the API leaves empty, and the
/// documents of both are screened.
fn merged(api: &Traveller, pnr: &Traveller) -> Traveller {
    let mut one = api.clone();
    let fill = |field: &mut String, from: &String| {
        if field.trim().is_empty() {
            field.clone_from(from);
        }
    };
    fill(&mut one.surname, &pnr.surname);
    fill(&mut one.given_names, &pnr.given_names);
    fill(&mut one.date_of_birth, &pnr.date_of_birth);
    fill(&mut one.nationality, &pnr.nationality);
    fill(&mut one.country_of_residence, &pnr.country_of_residence);
    fill(&mut one.place_of_birth, &pnr.place_of_birth);
    fill(&mut one.record_locator, &pnr.record_locator);
    fill(&mut one.seat, &pnr.seat);
    if one.sex == 0 {
        one.sex = pnr.sex;
    }
    for document in &pnr.documents {
        let number = normalize_document_number(&document.number);
        let known = one
            .documents
            .iter()
            .any(|d| normalize_document_number(&d.number) == number);
        if !known {
            one.documents.push(document.clone());
        }
    }
    one
}

/// The links of a record's travellers, by position (empty when none is linked).
fn by_position(links: &[TravellerLink], travellers: usize) -> Vec<Option<&TravellerLink>> {
    if links.is_empty() {
        return Vec::new();
    }
    let mut at: Vec<Option<&TravellerLink>> = vec![None; travellers];
    for link in links {
        if let Some(slot) = usize::try_from(link.position)
            .ok()
            .and_then(|p| at.get_mut(p))
        {
            *slot = Some(link);
        }
    }
    at
}

/// The travellers with each linked one merged with its counterpart; `None` when none has one.
fn with_counterparts(
    travellers: &[Traveller],
    links: &[Option<&TravellerLink>],
    api: bool,
) -> Option<Vec<Traveller>> {
    if !links.iter().flatten().any(|l| l.counterpart.is_some()) {
        return None;
    }
    Some(
        travellers
            .iter()
            .enumerate()
            .map(|(i, own)| {
                match links
                    .get(i)
                    .copied()
                    .flatten()
                    .and_then(|l| l.counterpart.as_ref())
                {
                    Some(other) if api => merged(own, other),
                    Some(other) => {
                        // The PNR's record locator stays with it.
                        let mut one = merged(other, own);
                        one.record_locator.clone_from(&own.record_locator);
                        one
                    }
                    None => own.clone(),
                }
            })
            .collect(),
    )
}

/// An intake event whose travellers are screened.
pub trait Screened: Event + 'static {
    fn passengers(&self) -> Result<Passengers<'_>, String>;
}

impl Screened for ApiReportAccepted {
    fn passengers(&self) -> Result<Passengers<'_>, String> {
        let report = self
            .report
            .as_ref()
            .ok_or_else(|| "ApiReportAccepted without report".to_owned())?;
        let links = by_position(&self.links, report.travellers.len());
        let travellers = match with_counterparts(&report.travellers, &links, true) {
            Some(merged) => Cow::Owned(merged),
            None => Cow::Borrowed(report.travellers.as_slice()),
        };
        Ok(Passengers {
            event_id: &self.event_id,
            occurred_at: self.occurred_at.as_ref(),
            record_id: &self.report_id,
            flight_id: &self.flight_id,
            version: self.version,
            flight: report
                .flight
                .as_ref()
                .ok_or_else(|| "ApiReportAccepted without flight".to_owned())?,
            travellers,
            traveller_ids: &self.traveller_ids,
            traveller_keys: Cow::Borrowed(&self.traveller_keys),
            links,
            api: true,
        })
    }
}

impl Screened for PnrAccepted {
    /// A PNR's travellers as the API would list them: names, the API data of SSR DOCS, and the
    /// booking's record locator.
    fn passengers(&self) -> Result<Passengers<'_>, String> {
        let pnr = self
            .pnr
            .as_ref()
            .ok_or_else(|| "PnrAccepted without pnr".to_owned())?;
        let travellers: Vec<Traveller> = pnr
            .travellers
            .iter()
            .map(|t| Traveller {
                traveller_ref: t.traveller_ref.clone(),
                role: TravellerRole::Passenger as i32,
                surname: t.surname.clone(),
                given_names: t.given_names.clone(),
                date_of_birth: t.date_of_birth.clone(),
                sex: t.sex,
                nationality: t.nationality.clone(),
                country_of_residence: t.country_of_residence.clone(),
                place_of_birth: t.place_of_birth.clone(),
                documents: t.documents.clone(),
                record_locator: pnr.record_locator.clone(),
                // An infant on a lap has no seat of its own; the rest is on the itinerary.
                seat: if t.passenger_type == PnrPassengerType::Infant as i32 {
                    String::new()
                } else {
                    pnr.traveller_segments
                        .iter()
                        .find(|s| s.traveller_ref == t.traveller_ref && !s.seat.is_empty())
                        .map(|s| s.seat.clone())
                        .unwrap_or_default()
                },
                ..Default::default()
            })
            .collect();
        let flight = pnr
            .flight
            .as_ref()
            .ok_or_else(|| "PnrAccepted without flight".to_owned())?;
        let links = by_position(&self.links, travellers.len());
        // A booking's traveller key is the same on every flight it is pushed for; an alert is
        // about one flight, so the key is scoped to the flight the push is for.
        let traveller_keys = self
            .traveller_keys
            .iter()
            .map(|key| {
                format!(
                    "pnr/{}{}/{}/{key}",
                    flight.carrier, flight.number, flight.departure_date
                )
            })
            .collect();
        Ok(Passengers {
            event_id: &self.event_id,
            occurred_at: self.occurred_at.as_ref(),
            record_id: &self.pnr_id,
            flight_id: "",
            version: self.version,
            flight,
            travellers: Cow::Owned(
                with_counterparts(&travellers, &links, false).unwrap_or(travellers),
            ),
            traveller_ids: &self.traveller_ids,
            traveller_keys: Cow::Owned(traveller_keys),
            links,
            api: false,
        })
    }
}

/// Applies accepted records (`E`: API reports or PNRs) from the INTAKE stream, a batch at a time.
pub struct Screening<E> {
    pub pool: PgPool,
    pub relay: Relay,
    pub rules: RuleSet,
    pub consumer: &'static str,
    pub events: PhantomData<fn() -> E>,
}

impl<E: Screened> BatchHandler for Screening<E> {
    async fn apply(&self, batch: &[Delivery]) -> Result<Vec<Rejected>, HandlerError> {
        let (decoded, mut rejected) = decode_batch::<E>(batch);
        let mut events = Vec::with_capacity(decoded.len());
        let mut numbers: Vec<String> = Vec::new();
        for (index, event) in decoded {
            match event.passengers() {
                Ok(passengers) => {
                    numbers.extend(
                        passengers
                            .travellers
                            .iter()
                            .flat_map(|t| &t.documents)
                            .filter_map(|d| normalize_document_number(&d.number)),
                    );
                    events.push((index, event));
                }
                Err(reason) => rejected.push(Rejected { index, reason }),
            }
        }
        if events.is_empty() {
            return Ok(rejected);
        }
        let started = std::time::Instant::now();
        let listings = {
            let mut conn = self.pool.acquire().await?;
            find_listed_documents(&mut conn, &numbers).await?
        };
        let rules = self.rules.snapshot();
        let evaluations = numbers.len().max(events.len()) * rules.len().max(1);
        let assess = move || {
            events
                .into_iter()
                .map(|(index, event)| {
                    let assessed = event
                        .passengers()
                        .and_then(|passengers| assess(&listings, &rules, &passengers));
                    (index, assessed)
                })
                .collect::<Vec<_>>()
        };
        // Rule evaluation is CPU work: a large batch goes off the async workers so intake and
        // acks keep flowing; a small one (a millisecond or so) runs here, sparing two thread
        // hand-offs per batch when traffic is light and latency matters most.
        let assessed = if evaluations <= INLINE_EVALUATIONS {
            assess()
        } else {
            tokio::task::spawn_blocking(assess)
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
            subjects::RISK_ASSESSED_PASSENGER,
        )
        .await?
        else {
            return Ok(rejected);
        };
        let screened: i64 = fresh.iter().map(|a| i64::from(a.records_screened)).sum();
        let with_hits = fresh
            .iter()
            .flat_map(|a| &a.assessments)
            .filter(|a| !a.hits.is_empty())
            .count();
        gatehouse_platform::metrics::records_screened(
            usize::try_from(screened).unwrap_or_default(),
        );
        tracing::debug!(
            reports = fresh.len(),
            travellers = screened,
            with_hits,
            "reports screened"
        );
        Ok(rejected)
    }
}

/// Stores and publishes the assessments of a batch's fresh events (a redelivered one was
/// applied before: it is claimed, and applied, once), in one transaction with the inbox claims;
/// `None` when every event was applied before.
pub(crate) async fn publish(
    pool: &PgPool,
    relay: &Relay,
    consumer: &str,
    batch: &[Delivery],
    outcomes: Vec<(usize, RiskAssessed)>,
    subject: &str,
) -> Result<Option<Vec<RiskAssessed>>, HandlerError> {
    let mut tx = pool.begin().await?;
    let deliveries: Vec<&Delivery> = outcomes.iter().map(|(i, _)| &batch[*i]).collect();
    let mut claimed = inbox::claim(&mut tx, consumer, &deliveries).await?;
    let fresh: Vec<RiskAssessed> = outcomes
        .into_iter()
        .filter(|(i, _)| claimed.remove(&batch[*i].event_id))
        .map(|(_, assessed)| assessed)
        .collect();
    if fresh.is_empty() {
        tx.rollback().await?;
        return Ok(None);
    }
    store_assessments(&mut tx, &fresh).await?;
    let mut outbound = Vec::with_capacity(fresh.len());
    for assessed in &fresh {
        outbound.push(OutboundEvent::new(subject, assessed)?);
    }
    enqueue(&mut tx, &outbound).await?;
    tx.commit().await?;
    relay.notify();
    Ok(Some(fresh))
}

/// Screens every traveller of `event`. The result carries the travellers with hits or shadow
/// hits only (the others are counted in `records_screened`, nothing of them leaves).
pub fn assess(
    listings: &HashMap<String, Vec<DocumentListing>>,
    rules: &[LiveRule],
    event: &Passengers<'_>,
) -> Result<RiskAssessed, String> {
    let flight = event.flight;
    let travellers: &[Traveller] = &event.travellers;
    if event.traveller_ids.len() != travellers.len() {
        return Err("traveller_ids do not match travellers".into());
    }
    if !event.traveller_keys.is_empty() && event.traveller_keys.len() != travellers.len() {
        return Err("traveller_keys do not match travellers".into());
    }
    let received = event
        .occurred_at
        .and_then(from_timestamp)
        .unwrap_or_else(Utc::now);
    let departure = NaiveDate::parse_from_str(&flight.departure_date, "%Y-%m-%d").ok();
    let live_rules: Vec<&LiveRule> = rules.iter().filter(|r| r.in_force(received)).collect();

    let mut assessments = Vec::new();
    for (position, (traveller, traveller_id)) in
        travellers.iter().zip(event.traveller_ids).enumerate()
    {
        let mut hits = Vec::new();
        let mut shadow_hits = Vec::new();
        let mut target_units: Vec<String> = Vec::new();
        let mut matched_document: Option<&TravelDocument> = None;

        for document in &traveller.documents {
            let Some(number) = normalize_document_number(&document.number) else {
                continue;
            };
            for listing in listings.get(&number).into_iter().flatten() {
                // The same number issued by another country is another document.
                if !listing.issuing_country.is_empty()
                    && !document.issuing_country.is_empty()
                    && listing.issuing_country != document.issuing_country
                {
                    continue;
                }
                matched_document.get_or_insert(document);
                target_units.extend(listing.target_units.iter().cloned());
                hits.push(Hit {
                    kind: HitKind::Watchlist as i32,
                    watchlist_id: listing.watchlist_id.clone(),
                    entry_id: listing.entry_id.clone(),
                    description: listing.reason.clone(),
                    weight: watchlist_weight(listing.severity),
                    severity: listing.severity as i32,
                    evidence: [
                        ("document.number".to_owned(), document.number.clone()),
                        (
                            "document.issuing_country".to_owned(),
                            document.issuing_country.clone(),
                        ),
                    ]
                    .into(),
                    match_score: 1.0,
                    ..Default::default()
                });
            }
        }

        // A rule reads one document at a time; it fires once if any document makes it fire.
        let documents: Vec<Option<&TravelDocument>> = if traveller.documents.is_empty() {
            vec![None]
        } else {
            traveller.documents.iter().map(Some).collect()
        };
        let facts: Vec<PassengerFacts> = documents
            .iter()
            .map(|document| passenger_facts(traveller, *document, flight, departure))
            .collect();
        // The CEL context is built once per document and shared by every rule.
        let evaluations: Vec<(Option<&TravelDocument>, Evaluation<'_>)> = documents
            .iter()
            .zip(&facts)
            .map(|(document, facts)| (*document, Evaluation::passenger(facts)))
            .collect();
        let evaluating = std::time::Instant::now();
        for rule in &live_rules {
            for (document, evaluation) in &evaluations {
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
                            if let Some(document) = document {
                                matched_document.get_or_insert(document);
                            }
                            target_units.extend(rule.target_units.iter().cloned());
                            hits.push(hit);
                        }
                        break;
                    }
                    Ok(None) => {}
                    Err(error) => {
                        // The error names its kind only: rule inputs are personal data.
                        tracing::warn!(rule_id = %rule.rule_id, version = rule.version, %error, "rule evaluation failed");
                    }
                }
            }
        }
        gatehouse_platform::metrics::rule_evaluation_seconds(evaluating.elapsed());
        if hits.is_empty() && shadow_hits.is_empty() {
            continue;
        }

        let score = hits.iter().map(|h| h.weight).sum();
        let severity = hits
            .iter()
            .map(|h| h.severity)
            .max()
            .unwrap_or(Severity::Unspecified as i32);
        target_units.sort();
        target_units.dedup();
        let document = matched_document.or_else(|| traveller.documents.first());
        let link = event.links.get(position).copied().flatten();
        let dedupe_key = match link {
            Some(link) if !link.subject_key.is_empty() => link.subject_key.clone(),
            _ => event
                .traveller_keys
                .get(position)
                .filter(|key| !key.is_empty())
                .cloned()
                .unwrap_or_else(|| traveller_id.clone()),
        };
        assessments.push(Assessment {
            assessment_id: uuid::Uuid::now_v7().to_string(),
            subject: Some(Subject {
                subject: Some(subject::Subject::Traveller(traveller_summary(
                    traveller,
                    traveller_id,
                    document,
                    link,
                    event,
                ))),
            }),
            score,
            severity,
            hits,
            shadow_hits,
            location: flight.arrival_airport.clone(),
            target_units,
            occurred_on: received.date_naive().to_string(),
            assessed_at: Some(now_timestamp()),
            dedupe_key,
            // Versions of the API report and of the PNR do not compare; the link's do.
            record_version: link.map_or(event.version, |l| l.subject_version),
            replaces_dedupe_key: link
                .map(|l| l.replaces_subject_key.clone())
                .unwrap_or_default(),
        });
    }
    Ok(RiskAssessed {
        event_id: new_event_id(),
        occurred_at: Some(now_timestamp()),
        source_event_id: event.event_id.to_owned(),
        domain: Domain::Passenger as i32,
        assessments,
        records_screened: i32::try_from(travellers.len()).unwrap_or(i32::MAX),
        record_id: event.record_id.to_owned(),
    })
}

/// Watchlisted documents among `numbers` (normalised), keyed by normalised number.
async fn find_listed_documents(
    conn: &mut PgConnection,
    numbers: &[String],
) -> Result<HashMap<String, Vec<DocumentListing>>, sqlx::Error> {
    if numbers.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = sqlx::query(
        "SELECT e.watchlist_id, e.entry_id, d.number_normalized, d.issuing_country, e.reason, e.severity,
                e.target_units
         FROM watchlist_documents d JOIN watchlist_entries e USING (entry_id)
         WHERE d.number_normalized = ANY($1) AND (e.valid_until IS NULL OR e.valid_until > now())",
    )
    .bind(numbers)
    .fetch_all(conn)
    .await?;
    let mut listings: HashMap<String, Vec<DocumentListing>> = HashMap::new();
    for row in rows {
        let watchlist_id: uuid::Uuid = row.try_get("watchlist_id")?;
        let entry_id: uuid::Uuid = row.try_get("entry_id")?;
        let listing = DocumentListing {
            watchlist_id: watchlist_id.to_string(),
            entry_id: entry_id.to_string(),
            number_normalized: row.try_get("number_normalized")?,
            issuing_country: row.try_get("issuing_country")?,
            reason: row.try_get("reason")?,
            severity: severity_from_name(row.try_get("severity")?),
            target_units: row.try_get("target_units")?,
        };
        listings
            .entry(listing.number_normalized.clone())
            .or_default()
            .push(listing);
    }
    Ok(listings)
}

/// Keeps the assessments (hits and shadow hits), for review and hit-rate statistics.
async fn store_assessments(
    conn: &mut PgConnection,
    assessed: &[RiskAssessed],
) -> Result<(), sqlx::Error> {
    let mut ids = Vec::new();
    let mut sources = Vec::new();
    let mut subjects = Vec::new();
    let mut scores = Vec::new();
    let mut severities = Vec::new();
    let mut locations = Vec::new();
    let mut payloads = Vec::new();
    let mut dedupe_keys = Vec::new();
    let mut domains = Vec::new();
    for event in assessed {
        let domain = if event.domain == Domain::Cargo as i32 {
            "cargo"
        } else {
            "passenger"
        };
        for assessment in &event.assessments {
            domains.push(domain);
            ids.push(
                uuid::Uuid::parse_str(&assessment.assessment_id)
                    .unwrap_or_else(|_| uuid::Uuid::now_v7()),
            );
            sources.push(event.source_event_id.clone());
            subjects.push(
                match assessment.subject.as_ref().and_then(|s| s.subject.as_ref()) {
                    Some(subject::Subject::Traveller(t)) => t.traveller_id.clone(),
                    Some(subject::Subject::Consignment(c)) => c.consignment_id.clone(),
                    None => String::new(),
                },
            );
            scores.push(assessment.score);
            severities.push(severity_name(assessment.severity));
            locations.push(assessment.location.clone());
            payloads.push(assessment.encode_to_vec());
            dedupe_keys.push(assessment.dedupe_key.clone());
        }
    }
    if ids.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO assessments (assessment_id, source_event_id, domain, subject_id, score, severity, location, assessment, dedupe_key)
         SELECT a.id, a.source, a.domain, a.subject, a.score, a.severity, a.location, a.payload, a.dedupe_key
         FROM UNNEST($1::uuid[], $2::text[], $3::text[], $4::float8[], $5::text[], $6::text[], $7::bytea[], $8::text[], $9::text[])
              AS a(id, source, subject, score, severity, location, payload, dedupe_key, domain)",
    )
    .bind(&ids)
    .bind(&sources)
    .bind(&subjects)
    .bind(&scores)
    .bind(&severities)
    .bind(&locations)
    .bind(&payloads)
    .bind(&dedupe_keys)
    .bind(&domains)
    .execute(conn)
    .await?;
    Ok(())
}

/// What the passenger rules see of a traveller, one document and the flight.
pub fn passenger_facts(
    traveller: &Traveller,
    document: Option<&TravelDocument>,
    flight: &Flight,
    departure: Option<NaiveDate>,
) -> PassengerFacts {
    let text = |s: &str| Fact::Text(s.to_owned());
    let mut facts = PassengerFacts::default();
    let role = gatehouse_proto::labels::traveller_role(traveller.role);
    let sex = match gatehouse_proto::v1::Sex::try_from(traveller.sex) {
        Ok(gatehouse_proto::v1::Sex::Female) => "F",
        Ok(gatehouse_proto::v1::Sex::Male) => "M",
        _ => "U",
    };
    let birth = NaiveDate::parse_from_str(&traveller.date_of_birth, "%Y-%m-%d").ok();
    facts.traveller = BTreeMap::from([
        ("nationality", text(&traveller.nationality)),
        (
            "country_of_residence",
            text(&traveller.country_of_residence),
        ),
        ("sex", text(sex)),
        ("role", text(role)),
        ("date_of_birth", text(&traveller.date_of_birth)),
        ("surname", text(&traveller.surname)),
        ("given_names", text(&traveller.given_names)),
    ]);
    if let (Some(birth), Some(departure)) = (birth, departure)
        && let Some(age) = departure.years_since(birth)
    {
        facts.traveller.insert("age", Fact::Int(i64::from(age)));
    }
    if let Some(document) = document {
        let kind = gatehouse_proto::labels::document_type(document.r#type);
        facts.document = BTreeMap::from([
            ("type", Fact::Text(kind)),
            ("issuing_country", text(&document.issuing_country)),
            ("number", text(&document.number)),
            ("expiry_date", text(&document.expiry_date)),
        ]);
        if let (Ok(expiry), Some(departure)) = (
            NaiveDate::parse_from_str(&document.expiry_date, "%Y-%m-%d"),
            departure,
        ) {
            facts
                .document
                .insert("days_to_expiry", Fact::Int((expiry - departure).num_days()));
        }
    }
    let direction = match gatehouse_proto::v1::FlightDirection::try_from(flight.direction) {
        Ok(gatehouse_proto::v1::FlightDirection::Inbound) => "inbound",
        Ok(gatehouse_proto::v1::FlightDirection::Outbound) => "outbound",
        _ => "unknown",
    };
    facts.flight = BTreeMap::from([
        ("carrier", text(&flight.carrier)),
        ("number", text(&flight.number)),
        ("departure_airport", text(&flight.departure_airport)),
        ("arrival_airport", text(&flight.arrival_airport)),
        ("departure_date", text(&flight.departure_date)),
        ("direction", text(direction)),
    ]);
    facts
}

fn traveller_summary(
    traveller: &Traveller,
    traveller_id: &str,
    document: Option<&TravelDocument>,
    link: Option<&TravellerLink>,
    event: &Passengers<'_>,
) -> TravellerSummary {
    let flight = event.flight;
    let (api_report_id, pnr_id) = match (event.api, link) {
        (true, link) => (
            event.record_id.to_owned(),
            link.map(|l| l.pnr_id.clone()).unwrap_or_default(),
        ),
        (false, link) => (
            link.map(|l| l.api_report_id.clone()).unwrap_or_default(),
            event.record_id.to_owned(),
        ),
    };
    TravellerSummary {
        api_report_id,
        pnr_id,
        traveller_id: traveller_id.to_owned(),
        surname: traveller.surname.clone(),
        given_names: traveller.given_names.clone(),
        date_of_birth: traveller.date_of_birth.clone(),
        nationality: traveller.nationality.clone(),
        document_type: document.map_or(0, |d| d.r#type),
        document_number: document.map(|d| d.number.clone()).unwrap_or_default(),
        document_issuing_country: document
            .map(|d| d.issuing_country.clone())
            .unwrap_or_default(),
        carrier: flight.carrier.clone(),
        flight_number: flight.number.clone(),
        departure_airport: flight.departure_airport.clone(),
        arrival_airport: flight.arrival_airport.clone(),
        departure_date: flight.departure_date.clone(),
        role: traveller.role,
        report_id: event.record_id.to_owned(),
        flight_id: event.flight_id.to_owned(),
        record_locator: traveller.record_locator.clone(),
    }
}

#[cfg(test)]
mod tests {
    use gatehouse_proto::v1::{DocumentType, FlightDirection, TravellerRole};

    use super::*;

    #[test]
    fn facts_carry_age_and_days_to_expiry_at_departure() {
        let traveller = Traveller {
            role: TravellerRole::Crew as i32,
            date_of_birth: "1990-12-01".into(),
            nationality: "BIH".into(),
            ..Default::default()
        };
        let document = TravelDocument {
            r#type: DocumentType::Passport as i32,
            number: "A1".into(),
            expiry_date: "2026-12-07".into(),
            ..Default::default()
        };
        let flight = Flight {
            arrival_airport: "SJJ".into(),
            direction: FlightDirection::Inbound as i32,
            ..Default::default()
        };
        let departure = NaiveDate::from_ymd_opt(2026, 11, 27);
        let facts = passenger_facts(&traveller, Some(&document), &flight, departure);
        assert_eq!(facts.traveller.get("age"), Some(&Fact::Int(35)));
        assert_eq!(
            facts.traveller.get("role"),
            Some(&Fact::Text("crew".into()))
        );
        assert_eq!(facts.document.get("days_to_expiry"), Some(&Fact::Int(10)));
        assert_eq!(
            facts.document.get("type"),
            Some(&Fact::Text("passport".into()))
        );
        assert_eq!(
            facts.flight.get("direction"),
            Some(&Fact::Text("inbound".into()))
        );
    }

    #[test]
    fn watchlist_weight_follows_severity() {
        assert!(watchlist_weight(Severity::Critical) > watchlist_weight(Severity::High));
        assert!(watchlist_weight(Severity::High) > watchlist_weight(Severity::Low));
    }
}
