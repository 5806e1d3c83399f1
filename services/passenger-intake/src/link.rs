//! API–PNR linking: a traveller on a flight's API report and the same person in a PNR of their
//! booking become one traveller for targeting and officers.
//!
//! Whichever record arrives second makes the link, in the transaction that stores it: the flight
//! is locked (an advisory lock on carrier, number and date) so an API report and a PNR of the same
//! flight stored at the same time never miss each other. Every later version of either record
//! carries the link ([`TravellerLink`]) with the other record's view of the traveller.
//!
//! Two travellers are the same person when their data agree on enough and conflict on nothing
//! ([`evidence`]); each is linked to at most one other, and a traveller with two equally good
//! candidates (twins travelling together, a booking listing a name twice) is left unlinked rather
//! than guessed.

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::NaiveDate;
use gatehouse_checks::transliterate_icao;
use gatehouse_matching::document::normalize_document_number;
use gatehouse_proto::v1::{LinkEvidence, Traveller, TravellerLink};
use sqlx::{PgConnection, Row};
use uuid::Uuid;

use crate::read;

/// A flight as both records name it: carrier, number without leading zeros, local date.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LinkFlight {
    pub carrier: String,
    pub number: String,
    pub date: NaiveDate,
}

impl LinkFlight {
    pub fn new(carrier: &str, number: &str, date: NaiveDate) -> Self {
        let number = number.trim().to_ascii_uppercase();
        let digits = number.trim_start_matches('0');
        Self {
            carrier: carrier.trim().to_ascii_uppercase(),
            number: if digits.is_empty() {
                number
            } else {
                digits.to_owned()
            },
            date,
        }
    }

    /// The dedupe key of a linked traveller, the form a PNR traveller's key takes on the flight.
    fn subject_key(&self, pnr_traveller_key: Uuid) -> String {
        format!(
            "{}{}{}/{}/{pnr_traveller_key}",
            gatehouse_platform::retention::PNR_SUBJECT_PREFIX,
            self.carrier,
            self.number,
            self.date
        )
    }
}

/// What linking compares of a traveller, normalised.
#[derive(Debug, Clone, Default)]
pub struct Identity {
    surname: String,
    given_names: Vec<String>,
    date_of_birth: Option<NaiveDate>,
    documents: BTreeSet<String>,
    record_locator: String,
}

impl Identity {
    /// `record_locator`: the booking's (PNR) or the one the API gives the traveller.
    pub fn of(traveller: &Traveller, record_locator: &str) -> Self {
        Self {
            surname: fold(&traveller.surname).concat(),
            given_names: fold(&traveller.given_names),
            date_of_birth: NaiveDate::parse_from_str(traveller.date_of_birth.trim(), "%Y-%m-%d")
                .ok(),
            documents: traveller
                .documents
                .iter()
                .filter_map(|d| normalize_document_number(&d.number))
                .collect(),
            record_locator: record_locator.trim().to_ascii_uppercase(),
        }
    }
}

/// Name words in the ICAO transliteration (Đ→D, Ü→UE, Cyrillic to Latin), then with the vowel
/// digraphs and DJ folded, as booking systems often write them (MUELLER / MULLER, DJORDJEVIC /
/// DORDEVIC).
fn fold(name: &str) -> Vec<String> {
    transliterate_icao(name)
        .split('<')
        .filter(|word| !word.is_empty())
        .map(|word| {
            word.replace("UE", "U")
                .replace("OE", "O")
                .replace("AE", "A")
                .replace("DJ", "D")
        })
        .collect()
}

/// Given names agree when one list of words starts the other (JOHN / JOHN PAUL), or both are
/// the same letters without spaces (ANNMARIE / ANN MARIE).
fn given_names_agree(a: &[String], b: &[String]) -> bool {
    if a.is_empty() || b.is_empty() {
        return a.is_empty() && b.is_empty();
    }
    let n = a.len().min(b.len());
    a[..n] == b[..n] || a.concat() == b.concat()
}

/// What agrees between an API traveller and a PNR traveller, when that makes them one person:
/// a document with the name or date of birth, the record locator with the name, or the name with
/// the date of birth. Different dates of birth rule a link out.
pub fn evidence(api: &Identity, pnr: &Identity) -> Option<Vec<LinkEvidence>> {
    if let (Some(a), Some(b)) = (api.date_of_birth, pnr.date_of_birth)
        && a != b
    {
        return None;
    }
    let document = !api.documents.is_disjoint(&pnr.documents);
    let locator = !api.record_locator.is_empty() && api.record_locator == pnr.record_locator;
    let name = !api.surname.is_empty()
        && api.surname == pnr.surname
        && given_names_agree(&api.given_names, &pnr.given_names);
    let birth = api.date_of_birth.is_some() && api.date_of_birth == pnr.date_of_birth;
    if !((document && (name || birth)) || (locator && name) || (name && birth)) {
        return None;
    }
    Some(
        [
            (locator, LinkEvidence::RecordLocator),
            (name, LinkEvidence::Name),
            (birth, LinkEvidence::DateOfBirth),
            (document, LinkEvidence::Document),
        ]
        .into_iter()
        .filter_map(|(agrees, kind)| agrees.then_some(kind))
        .collect(),
    )
}

fn strength(evidence: &[LinkEvidence]) -> u8 {
    evidence
        .iter()
        .map(|e| match e {
            LinkEvidence::Document => 8,
            LinkEvidence::RecordLocator => 4,
            LinkEvidence::Name => 2,
            LinkEvidence::DateOfBirth => 1,
            LinkEvidence::Unspecified => 0,
        })
        .sum()
}

/// One-to-one pairs (API index, PNR index) by strongest evidence first. A traveller whose best
/// candidate is not unique at that strength stays unlinked, and so do the candidates involved.
pub fn pair(api: &[Identity], pnr: &[Identity]) -> Vec<(usize, usize, Vec<LinkEvidence>)> {
    let mut candidates: Vec<(u8, usize, usize, Vec<LinkEvidence>)> = Vec::new();
    for (i, a) in api.iter().enumerate() {
        for (j, p) in pnr.iter().enumerate() {
            if let Some(evidence) = evidence(a, p) {
                candidates.push((strength(&evidence), i, j, evidence));
            }
        }
    }
    candidates.sort_by(|x, y| y.0.cmp(&x.0).then(x.1.cmp(&y.1)).then(x.2.cmp(&y.2)));
    let (mut api_done, mut pnr_done) = (HashSet::new(), HashSet::new());
    let mut pairs = Vec::new();
    let mut level = 0;
    while level < candidates.len() {
        let score = candidates[level].0;
        let end = candidates[level..]
            .iter()
            .position(|c| c.0 != score)
            .map_or(candidates.len(), |n| level + n);
        let open: Vec<&(u8, usize, usize, Vec<LinkEvidence>)> = candidates[level..end]
            .iter()
            .filter(|c| !api_done.contains(&c.1) && !pnr_done.contains(&c.2))
            .collect();
        let mut per_api: HashMap<usize, usize> = HashMap::new();
        let mut per_pnr: HashMap<usize, usize> = HashMap::new();
        for c in &open {
            *per_api.entry(c.1).or_default() += 1;
            *per_pnr.entry(c.2).or_default() += 1;
        }
        for c in open {
            if per_api[&c.1] == 1 && per_pnr[&c.2] == 1 {
                pairs.push((c.1, c.2, c.3.clone()));
            }
            // Linked or ambiguous: either way not a candidate at a weaker level.
            api_done.insert(c.1);
            pnr_done.insert(c.2);
        }
        level = end;
    }
    pairs.sort_by_key(|p| (p.0, p.1));
    pairs
}

/// A traveller of a record being stored.
pub struct Listed<'a> {
    pub traveller_id: Uuid,
    pub traveller_key: Uuid,
    pub traveller: &'a Traveller,
}

/// An API report being stored.
pub struct ApiRecord<'a> {
    pub report_id: Uuid,
    pub flight_id: Uuid,
    pub version: i32,
    pub flight: LinkFlight,
    pub travellers: Vec<Listed<'a>>,
}

/// A PNR version being stored, for the flight it was pushed for.
pub struct PnrRecord<'a> {
    pub pnr_id: Uuid,
    pub version: i32,
    pub record_locator: &'a str,
    pub flight: LinkFlight,
    pub travellers: Vec<Listed<'a>>,
}

/// A traveller already stored, on the other side of a possible link.
#[derive(Debug, Clone)]
struct Stored {
    /// API report or PNR id.
    record_id: Uuid,
    /// The API report's flight id; the PNR id for a PNR.
    owner: Uuid,
    traveller_id: Uuid,
    traveller_key: Uuid,
    version: i32,
    record_locator: String,
    traveller: Traveller,
}

/// A link as stored (`traveller_links`).
#[derive(Debug, Clone)]
struct Link {
    flight: LinkFlight,
    api_flight_id: Uuid,
    api_traveller_key: Uuid,
    pnr_id: Uuid,
    pnr_traveller_key: Uuid,
    evidence: Vec<LinkEvidence>,
    subject_version: i32,
    /// New or moved on in this transaction.
    changed: bool,
}

/// The links stored for some flights, by either end.
#[derive(Default)]
struct Links {
    all: Vec<Link>,
    by_api: HashMap<(Uuid, Uuid), usize>,
    by_pnr: HashMap<(LinkFlight, Uuid, Uuid), usize>,
}

impl Links {
    fn add(&mut self, link: Link) -> usize {
        let index = self.all.len();
        self.by_api
            .insert((link.api_flight_id, link.api_traveller_key), index);
        self.by_pnr.insert(
            (link.flight.clone(), link.pnr_id, link.pnr_traveller_key),
            index,
        );
        self.all.push(link);
        index
    }
}

/// Links the travellers of `reports` (stored in this transaction) to the PNR travellers of their
/// flights; returns, per report, the links of its travellers.
pub async fn link_reports(
    tx: &mut PgConnection,
    agency: &str,
    reports: &[ApiRecord<'_>],
) -> Result<Vec<Vec<TravellerLink>>, sqlx::Error> {
    let flights: BTreeSet<&LinkFlight> = reports
        .iter()
        .filter(|r| !r.travellers.is_empty())
        .map(|r| &r.flight)
        .collect();
    if flights.is_empty() {
        return Ok(reports.iter().map(|_| Vec::new()).collect());
    }
    lock(tx, agency, &flights).await?;
    let mut links = stored_links(tx, agency, &flights).await?;
    let pnr_travellers = pnr_travellers(tx, agency, &flights).await?;
    let mut answers = Vec::with_capacity(reports.len());
    for report in reports {
        let on_flight: Vec<&Stored> = pnr_travellers
            .get(&report.flight)
            .map(|v| v.iter().collect())
            .unwrap_or_default();
        let by_key: HashMap<(Uuid, Uuid), &Stored> = on_flight
            .iter()
            .map(|s| ((s.record_id, s.traveller_key), *s))
            .collect();
        // Travellers not linked yet, against PNR travellers not linked yet.
        let unlinked: Vec<&Listed> = report
            .travellers
            .iter()
            .filter(|t| {
                !links
                    .by_api
                    .contains_key(&(report.flight_id, t.traveller_key))
            })
            .collect();
        let free: Vec<&Stored> = on_flight
            .iter()
            .filter(|s| {
                !links
                    .by_pnr
                    .contains_key(&(report.flight.clone(), s.record_id, s.traveller_key))
            })
            .copied()
            .collect();
        let api_ids: Vec<Identity> = unlinked
            .iter()
            .map(|t| Identity::of(t.traveller, &t.traveller.record_locator))
            .collect();
        let pnr_ids: Vec<Identity> = free
            .iter()
            .map(|s| Identity::of(&s.traveller, &s.record_locator))
            .collect();
        let mut fresh: HashSet<Uuid> = HashSet::new();
        for (i, j, evidence) in pair(&api_ids, &pnr_ids) {
            let (api, pnr) = (unlinked[i], free[j]);
            fresh.insert(api.traveller_key);
            links.add(Link {
                flight: report.flight.clone(),
                api_flight_id: report.flight_id,
                api_traveller_key: api.traveller_key,
                pnr_id: pnr.record_id,
                pnr_traveller_key: pnr.traveller_key,
                evidence,
                // Above the versions either record's assessments used before the link.
                subject_version: report.version + pnr.version,
                changed: true,
            });
        }
        let mut answer = Vec::new();
        for (position, listed) in report.travellers.iter().enumerate() {
            let Some(&index) = links.by_api.get(&(report.flight_id, listed.traveller_key)) else {
                continue;
            };
            let link = &mut links.all[index];
            if !fresh.contains(&listed.traveller_key) {
                link.subject_version += 1;
                link.changed = true;
            }
            let counterpart = by_key.get(&(link.pnr_id, link.pnr_traveller_key));
            answer.push(TravellerLink {
                position: u32::try_from(position).unwrap_or(u32::MAX),
                api_report_id: report.report_id.to_string(),
                api_traveller_id: listed.traveller_id.to_string(),
                pnr_id: link.pnr_id.to_string(),
                pnr_traveller_id: counterpart
                    .map(|s| s.traveller_id.to_string())
                    .unwrap_or_default(),
                record_locator: counterpart
                    .map(|s| s.record_locator.clone())
                    .unwrap_or_default(),
                evidence: link.evidence.iter().map(|&e| e as i32).collect(),
                counterpart: counterpart.map(|s| s.traveller.clone()),
                subject_key: link.flight.subject_key(link.pnr_traveller_key),
                subject_version: u32::try_from(link.subject_version).unwrap_or(0),
                replaces_subject_key: link.api_traveller_key.to_string(),
            });
        }
        answers.push(answer);
    }
    save(tx, agency, &links).await?;
    Ok(answers)
}

/// Links the travellers of `pnrs` (stored in this transaction) to the API travellers of the
/// flights they were pushed for; returns, per PNR, the links of its travellers.
pub async fn link_pnrs(
    tx: &mut PgConnection,
    agency: &str,
    pnrs: &[PnrRecord<'_>],
) -> Result<Vec<Vec<TravellerLink>>, sqlx::Error> {
    let flights: BTreeSet<&LinkFlight> = pnrs
        .iter()
        .filter(|p| !p.travellers.is_empty())
        .map(|p| &p.flight)
        .collect();
    if flights.is_empty() {
        return Ok(pnrs.iter().map(|_| Vec::new()).collect());
    }
    lock(tx, agency, &flights).await?;
    let mut links = stored_links(tx, agency, &flights).await?;
    let api_travellers = api_travellers(tx, agency, &flights).await?;
    let mut answers = Vec::with_capacity(pnrs.len());
    for pnr in pnrs {
        let on_flight: Vec<&Stored> = api_travellers
            .get(&pnr.flight)
            .map(|v| v.iter().collect())
            .unwrap_or_default();
        let by_key: HashMap<(Uuid, Uuid), &Stored> = on_flight
            .iter()
            .map(|s| ((s.owner, s.traveller_key), *s))
            .collect();
        let linked = |links: &Links, key: Uuid| {
            links
                .by_pnr
                .contains_key(&(pnr.flight.clone(), pnr.pnr_id, key))
        };
        let unlinked: Vec<&Listed> = pnr
            .travellers
            .iter()
            .filter(|t| !linked(&links, t.traveller_key))
            .collect();
        let free: Vec<&Stored> = on_flight
            .iter()
            .filter(|s| !links.by_api.contains_key(&(s.owner, s.traveller_key)))
            .copied()
            .collect();
        let api_ids: Vec<Identity> = free
            .iter()
            .map(|s| Identity::of(&s.traveller, &s.record_locator))
            .collect();
        let pnr_ids: Vec<Identity> = unlinked
            .iter()
            .map(|t| Identity::of(t.traveller, pnr.record_locator))
            .collect();
        let mut fresh: HashSet<Uuid> = HashSet::new();
        for (i, j, evidence) in pair(&api_ids, &pnr_ids) {
            let (api, listed) = (free[i], unlinked[j]);
            fresh.insert(listed.traveller_key);
            links.add(Link {
                flight: pnr.flight.clone(),
                api_flight_id: api.owner,
                api_traveller_key: api.traveller_key,
                pnr_id: pnr.pnr_id,
                pnr_traveller_key: listed.traveller_key,
                evidence,
                subject_version: pnr.version + api.version,
                changed: true,
            });
        }
        let mut answer = Vec::new();
        for (position, listed) in pnr.travellers.iter().enumerate() {
            let Some(&index) =
                links
                    .by_pnr
                    .get(&(pnr.flight.clone(), pnr.pnr_id, listed.traveller_key))
            else {
                continue;
            };
            let link = &mut links.all[index];
            if !fresh.contains(&listed.traveller_key) {
                link.subject_version += 1;
                link.changed = true;
            }
            let counterpart = by_key.get(&(link.api_flight_id, link.api_traveller_key));
            answer.push(TravellerLink {
                position: u32::try_from(position).unwrap_or(u32::MAX),
                api_report_id: counterpart
                    .map(|s| s.record_id.to_string())
                    .unwrap_or_default(),
                api_traveller_id: counterpart
                    .map(|s| s.traveller_id.to_string())
                    .unwrap_or_default(),
                pnr_id: pnr.pnr_id.to_string(),
                pnr_traveller_id: listed.traveller_id.to_string(),
                record_locator: pnr.record_locator.to_owned(),
                evidence: link.evidence.iter().map(|&e| e as i32).collect(),
                counterpart: counterpart.map(|s| s.traveller.clone()),
                subject_key: link.flight.subject_key(link.pnr_traveller_key),
                subject_version: u32::try_from(link.subject_version).unwrap_or(0),
                replaces_subject_key: link.api_traveller_key.to_string(),
            });
        }
        answers.push(answer);
    }
    save(tx, agency, &links).await?;
    Ok(answers)
}

/// The links an event can carry within `budget` bytes: all of them with the other record's view
/// of each traveller, else without it (targeting then screens what this record holds), else none
/// (a report at the bus's size limit is assessed on its own).
pub fn fit(mut links: Vec<TravellerLink>, budget: usize) -> Vec<TravellerLink> {
    let size = |links: &[TravellerLink]| prost::encoding::message::encoded_len_repeated(13, links);
    if size(&links) <= budget {
        return links;
    }
    for link in &mut links {
        link.counterpart = None;
    }
    if size(&links) <= budget {
        return links;
    }
    Vec::new()
}

/// Serialises linking on the flights until the transaction ends, in one order (by hash).
async fn lock(
    tx: &mut PgConnection,
    agency: &str,
    flights: &BTreeSet<&LinkFlight>,
) -> Result<(), sqlx::Error> {
    let (carriers, numbers, dates) = columns(flights);
    sqlx::query(
        "SELECT pg_advisory_xact_lock(k) FROM (
             SELECT DISTINCT hashtextextended(
                        'gatehouse.link:' || $1 || ':' || c || ':' || n || ':' || d::text, 0) AS k
             FROM UNNEST($2::text[], $3::text[], $4::date[]) AS f(c, n, d)
             ORDER BY k) locks",
    )
    .bind(agency)
    .bind(&carriers)
    .bind(&numbers)
    .bind(&dates)
    .execute(tx)
    .await?;
    Ok(())
}

fn columns<'a>(flights: &BTreeSet<&'a LinkFlight>) -> (Vec<&'a str>, Vec<&'a str>, Vec<NaiveDate>) {
    let mut columns = (Vec::new(), Vec::new(), Vec::new());
    for flight in flights {
        columns.0.push(flight.carrier.as_str());
        columns.1.push(flight.number.as_str());
        columns.2.push(flight.date);
    }
    columns
}

async fn stored_links(
    tx: &mut PgConnection,
    agency: &str,
    flights: &BTreeSet<&LinkFlight>,
) -> Result<Links, sqlx::Error> {
    let (carriers, numbers, dates) = columns(flights);
    let rows = sqlx::query(
        "SELECT l.carrier, l.flight_number, l.departure_date, l.api_flight_id, l.api_traveller_key,
                l.pnr_id, l.pnr_traveller_key, l.evidence, l.subject_version
         FROM traveller_links l
         JOIN UNNEST($2::text[], $3::text[], $4::date[]) AS f(c, n, d)
           ON l.carrier = f.c AND l.flight_number = f.n AND l.departure_date = f.d
         WHERE l.agency = $1",
    )
    .bind(agency)
    .bind(&carriers)
    .bind(&numbers)
    .bind(&dates)
    .fetch_all(&mut *tx)
    .await?;
    let mut links = Links::default();
    for row in rows {
        let evidence: Vec<String> = row.try_get("evidence")?;
        links.add(Link {
            flight: LinkFlight {
                carrier: row.try_get("carrier")?,
                number: row.try_get("flight_number")?,
                date: row.try_get("departure_date")?,
            },
            api_flight_id: row.try_get("api_flight_id")?,
            api_traveller_key: row.try_get("api_traveller_key")?,
            pnr_id: row.try_get("pnr_id")?,
            pnr_traveller_key: row.try_get("pnr_traveller_key")?,
            evidence: evidence
                .iter()
                .filter_map(|e| LinkEvidence::from_str_name(e))
                .collect(),
            subject_version: row.try_get("subject_version")?,
            changed: false,
        });
    }
    Ok(links)
}

async fn save(tx: &mut PgConnection, agency: &str, links: &Links) -> Result<(), sqlx::Error> {
    let changed: Vec<&Link> = links.all.iter().filter(|l| l.changed).collect();
    if changed.is_empty() {
        return Ok(());
    }
    let evidence: Vec<String> = changed
        .iter()
        .map(|l| {
            l.evidence
                .iter()
                .map(|e| e.as_str_name())
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect();
    sqlx::query(
        "INSERT INTO traveller_links (agency, carrier, flight_number, departure_date, api_flight_id,
                                      api_traveller_key, pnr_id, pnr_traveller_key, evidence,
                                      subject_version)
         SELECT $1, c, n, d, af, ak, p, pk, string_to_array(e, ','), v
         FROM UNNEST($2::text[], $3::text[], $4::date[], $5::uuid[], $6::uuid[], $7::uuid[],
                     $8::uuid[], $9::text[], $10::int[]) AS l(c, n, d, af, ak, p, pk, e, v)
         ON CONFLICT (api_flight_id, api_traveller_key)
         DO UPDATE SET subject_version = EXCLUDED.subject_version, updated_at = now()",
    )
    .bind(agency)
    .bind(changed.iter().map(|l| l.flight.carrier.as_str()).collect::<Vec<_>>())
    .bind(changed.iter().map(|l| l.flight.number.as_str()).collect::<Vec<_>>())
    .bind(changed.iter().map(|l| l.flight.date).collect::<Vec<_>>())
    .bind(changed.iter().map(|l| l.api_flight_id).collect::<Vec<_>>())
    .bind(changed.iter().map(|l| l.api_traveller_key).collect::<Vec<_>>())
    .bind(changed.iter().map(|l| l.pnr_id).collect::<Vec<_>>())
    .bind(changed.iter().map(|l| l.pnr_traveller_key).collect::<Vec<_>>())
    .bind(&evidence)
    .bind(changed.iter().map(|l| l.subject_version).collect::<Vec<_>>())
    .execute(tx)
    .await?;
    Ok(())
}

/// The travellers of the current, unmasked PNR versions of bookings on `flights` (the flight
/// pushed for, or a segment of the itinerary), by flight.
async fn pnr_travellers(
    tx: &mut PgConnection,
    agency: &str,
    flights: &BTreeSet<&LinkFlight>,
) -> Result<HashMap<LinkFlight, Vec<Stored>>, sqlx::Error> {
    let (carriers, numbers, dates) = columns(flights);
    let rows = sqlx::query(
        "WITH f AS (SELECT * FROM UNNEST($2::text[], $3::text[], $4::date[]) AS f(c, n, d)),
              candidate AS (
                SELECT f.c, f.n, f.d, v.version_id
                FROM f JOIN pnr_versions v
                  ON v.agency = $1 AND v.flight_carrier = f.c
                     AND flight_number_key(v.flight_number) = f.n AND v.flight_departure_date = f.d
                UNION
                SELECT f.c, f.n, f.d, s.version_id
                FROM f JOIN pnr_segments s
                  ON s.marketing_carrier = f.c AND flight_number_key(s.marketing_flight_number) = f.n
                     AND s.departure_date = f.d
                UNION
                SELECT f.c, f.n, f.d, s.version_id
                FROM f JOIN pnr_segments s
                  ON s.operating_carrier = f.c AND flight_number_key(s.operating_flight_number) = f.n
                     AND s.departure_date = f.d),
              v AS (
                SELECT c.c, c.n, c.d, p.pnr_id, p.record_locator, v.version_id, v.version
                FROM candidate c
                JOIN pnr_versions v
                  ON v.version_id = c.version_id AND v.agency = $1 AND v.masked_at IS NULL
                JOIN pnrs p ON p.pnr_id = v.pnr_id AND p.current_version_id = v.version_id)
         SELECT v.c, v.n, v.d, v.pnr_id, v.record_locator, v.version, t.version_id, t.ordinal,
                t.traveller_id, t.traveller_key, t.traveller_ref, t.surname, t.given_names,
                t.date_of_birth, t.sex, t.nationality, t.country_of_residence, t.place_of_birth
         FROM v JOIN pnr_travellers t USING (version_id)
         ORDER BY v.pnr_id, t.ordinal",
    )
    .bind(agency)
    .bind(&carriers)
    .bind(&numbers)
    .bind(&dates)
    .fetch_all(&mut *tx)
    .await?;
    if rows.is_empty() {
        return Ok(HashMap::new());
    }
    let version_ids: Vec<Uuid> = rows
        .iter()
        .map(|r| r.try_get("version_id"))
        .collect::<Result<_, _>>()?;
    let mut documents_of = read::pnr_documents(tx, &version_ids).await?;
    let mut by_flight: HashMap<LinkFlight, Vec<Stored>> = HashMap::new();
    for row in rows {
        let record_locator: String = row.try_get("record_locator")?;
        let mut traveller = read::traveller(&row)?;
        traveller.role = gatehouse_proto::v1::TravellerRole::Passenger as i32;
        traveller.record_locator = record_locator.clone();
        traveller.documents = documents_of
            .remove(&(row.try_get("version_id")?, row.try_get("ordinal")?))
            .unwrap_or_default();
        let pnr_id: Uuid = row.try_get("pnr_id")?;
        by_flight
            .entry(LinkFlight {
                carrier: row.try_get("c")?,
                number: row.try_get("n")?,
                date: row.try_get("d")?,
            })
            .or_default()
            .push(Stored {
                record_id: pnr_id,
                owner: pnr_id,
                traveller_id: row.try_get("traveller_id")?,
                traveller_key: row.try_get("traveller_key")?,
                version: row.try_get("version")?,
                record_locator,
                traveller,
            });
    }
    Ok(by_flight)
}

/// The travellers of the current API reports of `flights` (every direction and part, cancelled
/// flights left out), by flight.
async fn api_travellers(
    tx: &mut PgConnection,
    agency: &str,
    flights: &BTreeSet<&LinkFlight>,
) -> Result<HashMap<LinkFlight, Vec<Stored>>, sqlx::Error> {
    let (carriers, numbers, dates) = columns(flights);
    let rows = sqlx::query(
        "SELECT f.c, f.n, f.d, fl.flight_id, fl.current_report_id AS report_id, r.version,
                t.traveller_key
         FROM UNNEST($2::text[], $3::text[], $4::date[]) AS f(c, n, d)
         JOIN flights fl
           ON fl.agency = $1 AND fl.carrier = f.c AND flight_number_key(fl.flight_number) = f.n
              AND fl.departure_date = f.d AND NOT fl.cancelled
         JOIN api_reports r ON r.report_id = fl.current_report_id
         JOIN api_travellers t ON t.report_id = r.report_id
         WHERE t.traveller_key IS NOT NULL
         ORDER BY r.report_id, t.position",
    )
    .bind(agency)
    .bind(&carriers)
    .bind(&numbers)
    .bind(&dates)
    .fetch_all(&mut *tx)
    .await?;
    if rows.is_empty() {
        return Ok(HashMap::new());
    }
    let mut report_ids: Vec<Uuid> = rows
        .iter()
        .map(|r| r.try_get("report_id"))
        .collect::<Result<_, _>>()?;
    report_ids.dedup();
    let (ids, mut travellers) = read::travellers(tx, &report_ids).await?;
    let mut by_flight: HashMap<LinkFlight, Vec<Stored>> = HashMap::new();
    let mut position: HashMap<Uuid, usize> = HashMap::new();
    for row in rows {
        let report_id: Uuid = row.try_get("report_id")?;
        let at = position.entry(report_id).or_default();
        let (Some(id), Some(traveller)) = (
            ids.get(&report_id).and_then(|v| v.get(*at)).copied(),
            travellers
                .get_mut(&report_id)
                .and_then(|v| v.get_mut(*at))
                .map(std::mem::take),
        ) else {
            continue;
        };
        *at += 1;
        by_flight
            .entry(LinkFlight {
                carrier: row.try_get("c")?,
                number: row.try_get("n")?,
                date: row.try_get("d")?,
            })
            .or_default()
            .push(Stored {
                record_id: report_id,
                owner: row.try_get("flight_id")?,
                traveller_id: id,
                traveller_key: row.try_get("traveller_key")?,
                version: row.try_get("version")?,
                record_locator: traveller.record_locator.clone(),
                traveller,
            });
    }
    Ok(by_flight)
}

/// The links of API travellers (ids of `api_travellers`), for the audited reads: ids and what
/// the link rests on, never the other record's data (reading that is its own audited call).
pub async fn of_api_travellers(
    conn: &mut PgConnection,
    traveller_ids: &[Uuid],
) -> Result<HashMap<Uuid, TravellerLink>, sqlx::Error> {
    read_links(
        conn,
        "SELECT t.traveller_id AS own, r.report_id AS api_report_id, t.traveller_id AS api_traveller_id,
                l.pnr_id, pt.traveller_id AS pnr_traveller_id, p.record_locator, l.evidence,
                l.carrier, l.flight_number, l.departure_date, l.pnr_traveller_key,
                l.subject_version, l.api_traveller_key
         FROM api_travellers t
         JOIN api_reports r ON r.report_id = t.report_id
         JOIN traveller_links l ON l.api_flight_id = r.flight_id AND l.api_traveller_key = t.traveller_key
         JOIN pnrs p ON p.pnr_id = l.pnr_id
         LEFT JOIN pnr_travellers pt
           ON pt.version_id = p.current_version_id AND pt.traveller_key = l.pnr_traveller_key
         WHERE t.traveller_id = ANY($1)",
        traveller_ids,
    )
    .await
}

/// The links of PNR travellers (ids of `pnr_travellers`), for the audited reads; a traveller
/// linked on several flights of the booking gives the link of the flight pushed for.
pub async fn of_pnr_travellers(
    conn: &mut PgConnection,
    traveller_ids: &[Uuid],
) -> Result<HashMap<Uuid, TravellerLink>, sqlx::Error> {
    read_links(
        conn,
        "SELECT DISTINCT ON (t.traveller_id)
                t.traveller_id AS own, f.current_report_id AS api_report_id,
                at.traveller_id AS api_traveller_id, l.pnr_id, t.traveller_id AS pnr_traveller_id,
                p.record_locator, l.evidence, l.carrier, l.flight_number, l.departure_date,
                l.pnr_traveller_key, l.subject_version, l.api_traveller_key
         FROM pnr_travellers t
         JOIN pnr_versions v ON v.version_id = t.version_id
         JOIN pnrs p ON p.pnr_id = v.pnr_id
         JOIN traveller_links l ON l.pnr_id = v.pnr_id AND l.pnr_traveller_key = t.traveller_key
         JOIN flights f ON f.flight_id = l.api_flight_id
         LEFT JOIN api_travellers at
           ON at.report_id = f.current_report_id AND at.traveller_key = l.api_traveller_key
         WHERE t.traveller_id = ANY($1)
         ORDER BY t.traveller_id,
                  (l.carrier = v.flight_carrier AND l.flight_number = flight_number_key(v.flight_number)
                   AND l.departure_date = v.flight_departure_date) DESC,
                  l.departure_date",
        traveller_ids,
    )
    .await
}

async fn read_links(
    conn: &mut PgConnection,
    query: &'static str,
    traveller_ids: &[Uuid],
) -> Result<HashMap<Uuid, TravellerLink>, sqlx::Error> {
    if traveller_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = sqlx::query(query)
        .bind(traveller_ids)
        .fetch_all(conn)
        .await?;
    let mut links = HashMap::with_capacity(rows.len());
    for row in rows {
        let id = |column: &str| -> Result<String, sqlx::Error> {
            Ok(row
                .try_get::<Option<Uuid>, _>(column)?
                .map(|id| id.to_string())
                .unwrap_or_default())
        };
        let evidence: Vec<String> = row.try_get("evidence")?;
        let flight = LinkFlight {
            carrier: row.try_get("carrier")?,
            number: row.try_get("flight_number")?,
            date: row.try_get("departure_date")?,
        };
        let own: Uuid = row.try_get("own")?;
        links.insert(
            own,
            TravellerLink {
                position: 0,
                api_report_id: id("api_report_id")?,
                api_traveller_id: id("api_traveller_id")?,
                pnr_id: id("pnr_id")?,
                pnr_traveller_id: id("pnr_traveller_id")?,
                record_locator: row.try_get("record_locator")?,
                evidence: evidence
                    .iter()
                    .filter_map(|e| LinkEvidence::from_str_name(e))
                    .map(|e| e as i32)
                    .collect(),
                counterpart: None,
                subject_key: flight.subject_key(row.try_get("pnr_traveller_key")?),
                subject_version: u32::try_from(row.try_get::<i32, _>("subject_version")?)
                    .unwrap_or(0),
                replaces_subject_key: row.try_get::<Uuid, _>("api_traveller_key")?.to_string(),
            },
        );
    }
    Ok(links)
}

/// The links of a record's travellers (`traveller_ids` in record order), positioned.
pub fn positioned(
    traveller_ids: &[Uuid],
    mut links: HashMap<Uuid, TravellerLink>,
) -> Vec<TravellerLink> {
    traveller_ids
        .iter()
        .enumerate()
        .filter_map(|(position, id)| {
            let mut link = links.remove(id)?;
            link.position = u32::try_from(position).unwrap_or(u32::MAX);
            Some(link)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use gatehouse_proto::v1::TravelDocument;

    use super::*;

    fn person(surname: &str, given: &str, birth: &str, document: &str, locator: &str) -> Identity {
        let traveller = Traveller {
            surname: surname.into(),
            given_names: given.into(),
            date_of_birth: birth.into(),
            documents: if document.is_empty() {
                Vec::new()
            } else {
                vec![TravelDocument {
                    number: document.into(),
                    ..Default::default()
                }]
            },
            ..Default::default()
        };
        Identity::of(&traveller, locator)
    }

    use LinkEvidence::{DateOfBirth, Document, Name, RecordLocator};

    #[test]
    fn agreement_that_makes_one_person() {
        let cases = [
            // API (passport, ICAO transliteration) vs booking (ASCII, as the agent typed it).
            (
                person("ĐORĐEVIĆ", "MILICA", "1990-04-01", "", ""),
                person("DJORDJEVIC", "MILICA", "1990-04-01", "", "ABC123"),
                Some(vec![Name, DateOfBirth]),
            ),
            (
                person("MÜLLER", "HANS PETER", "", "", "XK7Q2M"),
                person("MULLER", "HANS", "", "", "xk7q2m"),
                Some(vec![RecordLocator, Name]),
            ),
            // A document number alone is not enough: numbers are mistyped and reused.
            (
                person("HOXHA", "ARBEN", "1985-02-03", "P 1234567", ""),
                person("HODZA", "ARBEN", "", "P1234567", ""),
                None,
            ),
            (
                person("HOXHA", "ARBEN", "1985-02-03", "P 1234567", ""),
                person("HOXHA", "A", "1985-02-03", "P1234567", ""),
                Some(vec![DateOfBirth, Document]),
            ),
            // A different date of birth rules the link out, whatever else agrees.
            (
                person("HOXHA", "ARBEN", "1985-02-03", "P1234567", "XK7Q2M"),
                person("HOXHA", "ARBEN", "1986-02-03", "P1234567", "XK7Q2M"),
                None,
            ),
            // The booking reference alone, or the name alone, is not enough.
            (
                person("SMITH", "JOHN", "", "", "XK7Q2M"),
                person("JONES", "JOHN", "", "", "XK7Q2M"),
                None,
            ),
            (
                person("SMITH", "JOHN", "", "", ""),
                person("SMITH", "JOHN", "", "", "XK7Q2M"),
                None,
            ),
            (
                person("SMITH", "JOHN", "1970-01-01", "", ""),
                person("SMITH", "JANE", "1970-01-01", "", ""),
                None,
            ),
            (
                person("SMITH", "ANN MARIE", "1970-01-01", "", ""),
                person("SMITH", "ANNMARIE", "1970-01-01", "", ""),
                Some(vec![Name, DateOfBirth]),
            ),
        ];
        for (n, (api, pnr, expected)) in cases.iter().enumerate() {
            assert_eq!(&evidence(api, pnr), expected, "case {n}");
        }
    }

    #[test]
    fn pairs_one_to_one_and_leaves_ambiguity_unlinked() {
        let api = [
            person("SMITH", "JOHN", "1970-01-01", "", "XK7Q2M"),
            person("SMITH", "JANE", "1972-05-05", "X9", "XK7Q2M"),
            person("BROWN", "TOM", "2001-01-01", "", ""),
        ];
        let pnr = [
            person("SMITH", "JANE", "", "X9", "XK7Q2M"),
            person("SMITH", "JOHN", "", "", "XK7Q2M"),
            // Twins: two equally good candidates for the one API BROWN.
            person("BROWN", "TOM", "2001-01-01", "", "QQ1111"),
            person("BROWN", "TOM", "2001-01-01", "", "QQ1111"),
        ];
        assert_eq!(
            pair(&api, &pnr),
            vec![
                (0, 1, vec![RecordLocator, Name]),
                (1, 0, vec![RecordLocator, Name, Document]),
            ]
        );
    }

    #[test]
    fn a_stronger_candidate_wins_over_a_weaker_one() {
        let api = [person("SMITH", "JOHN", "1970-01-01", "P1", "")];
        let pnr = [
            person("SMITH", "JOHN", "1970-01-01", "", ""),
            person("SMITH", "JOHN", "1970-01-01", "P1", ""),
        ];
        assert_eq!(
            pair(&api, &pnr),
            vec![(0, 1, vec![Name, DateOfBirth, Document])]
        );
    }

    #[test]
    fn links_fit_the_event_or_shrink() {
        let link = TravellerLink {
            subject_key: "pnr/JU123/2026-12-03/x".into(),
            counterpart: Some(Traveller {
                surname: "X".repeat(100),
                ..Default::default()
            }),
            ..Default::default()
        };
        let full = prost::encoding::message::encoded_len_repeated(13, std::slice::from_ref(&link));
        assert_eq!(fit(vec![link.clone()], full), vec![link.clone()]);
        let trimmed = fit(vec![link.clone()], full - 1);
        assert_eq!(trimmed.len(), 1);
        assert!(trimmed[0].counterpart.is_none());
        assert!(fit(vec![link], 10).is_empty());
    }

    #[test]
    fn flight_numbers_compare_without_leading_zeros() {
        let date = NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
        assert_eq!(
            LinkFlight::new("ju", "0123", date),
            LinkFlight::new("JU", "123", date)
        );
        assert_eq!(LinkFlight::new("JU", "000", date).number, "000");
    }
}
