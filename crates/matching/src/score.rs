//! Scoring a query against a list name: the best pairing of their words, the name score it
//! gives, then date of birth, nationality, gender and document number.
//!
//! The name score is the weighted mean of the paired words' scores, less: a conflict for every
//! pair below [`CLEAR`] (a word that differs is evidence of another person, more than a word
//! that is missing), a little per word of the longer name left over (a middle name, a
//! patronymic), much more when the shorter name is a single word (a surname alone, or one
//! common given name, needs corroboration), a little per initial and for words in another
//! order (a booking puts the surname first).

use std::collections::BTreeMap;

use chrono::Datelike;

use crate::document::normalize_document_number;
use crate::name::{MAX_WORDS, Order, ParsedName, Word, parse};
use crate::script::Script;
use crate::similarity::{WordMatch, compare_words};
use crate::{ALGORITHM, Aligned, Birth, Entry, Explanation, Gender, Hit, How, NameQuality, Query};

/// A paired word scoring below this is a conflict.
const CLEAR: f32 = 0.8;
const INITIAL_WEIGHT: f32 = 0.5;
const INITIAL_COST: f32 = 0.04;
const EXTRA_WORD: f32 = 0.04;
const EXTRA_WORDS_MAX: f32 = 0.12;
/// One word against several: a surname alone, or a common given name alone, is not enough.
const SINGLE_WORD: f32 = 0.27;
const ORDER: f32 = 0.03;

const BIRTH_DATE: f32 = 0.08;
const BIRTH_SWAPPED: f32 = 0.04;
const BIRTH_YEAR: f32 = 0.05;
const BIRTH_RANGE: f32 = 0.02;
const BIRTH_TWO_YEARS: f32 = -0.1;
/// Enough to take a perfect name below the threshold.
const BIRTH_CONFLICT: f32 = -0.25;
const NATIONALITY_SAME: f32 = 0.02;
const NATIONALITY_OTHER: f32 = -0.05;
const GENDER_OTHER: f32 = -0.1;
/// A document number the entry lists: at least this, whatever the name.
const DOCUMENT_FLOOR: f64 = 0.95;
const WEAK_EXACT: f32 = 0.95;
const WEAK_CAP: f32 = 0.9;
const WEAK_PENALTY: f32 = 0.2;
/// A weak alias of one word ("Mohammad", a nickname) names too many people: without a birth date
/// or document that agrees it stays below the default threshold, however exact.
const WEAK_SINGLE_CAP: f32 = 0.7;

/// The most any qualifier can add: a name must reach the threshold less this to be worth
/// qualifying.
pub(crate) fn max_boost(query: &QueryFacts) -> f32 {
    let birth = match query.birth {
        Some(Birth::Date(_)) => BIRTH_DATE,
        Some(_) => BIRTH_YEAR,
        None => 0.0,
    };
    let nationality = if query.nationality.is_some() {
        NATIONALITY_SAME
    } else {
        0.0
    };
    birth + nationality
}

/// The best pairing of two names' words and what it scores.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NameScore {
    pub score: f32,
    /// The candidate word paired with each query word (`u8::MAX`: none).
    pub partner: [u8; MAX_WORDS],
    pub inverted: bool,
}

/// `sims[i * m + j]`: query word `i` against candidate word `j`. `initials` are bit sets.
pub(crate) fn name_score(
    sims: &[WordMatch],
    n: usize,
    m: usize,
    q_initials: u8,
    c_initials: u8,
) -> NameScore {
    let mut result = NameScore {
        score: 0.0,
        partner: [u8::MAX; MAX_WORDS],
        inverted: false,
    };
    if n == 0 || m == 0 {
        return result;
    }
    let weight = |initials: u8, i: usize| {
        if initials & (1 << i) != 0 {
            INITIAL_WEIGHT
        } else {
            1.0
        }
    };
    let value = |i: usize, j: usize| {
        let w = (weight(q_initials, i) + weight(c_initials, j)) / 2.0;
        // Ties go to words in the same place.
        let same_place = if i == j { 1e-4 } else { 0.0 };
        w * sims[i * m + j].score + same_place
    };
    if n <= m {
        result.partner = assign(n, m, value);
    } else {
        let back = assign(m, n, |j: usize, i: usize| value(i, j));
        for (j, &i) in back.iter().enumerate().take(m) {
            if let Some(slot) = result.partner.get_mut(usize::from(i)) {
                *slot = j as u8;
            }
        }
    }

    let (mut weighted, mut weights, mut conflict, mut initials) = (0.0, 0.0, 0.0, 0.0);
    let mut last_partner: Option<u8> = None;
    for i in 0..n {
        let j = result.partner[i];
        if j == u8::MAX {
            continue;
        }
        let pair = sims[i * m + usize::from(j)];
        let w = (weight(q_initials, i) + weight(c_initials, usize::from(j))) / 2.0;
        weighted += w * pair.score;
        weights += w;
        if pair.how == How::Initial {
            initials += INITIAL_COST;
        } else {
            conflict += (CLEAR - pair.score).max(0.0);
        }
        if last_partner.is_some_and(|p| p > j) {
            result.inverted = true;
        }
        last_partner = Some(j);
    }
    let mean = if weights > 0.0 {
        weighted / weights
    } else {
        0.0
    };
    let (shorter, shorter_initials) = if n <= m {
        (n, q_initials)
    } else {
        (m, c_initials)
    };
    let whole_words = shorter - (shorter_initials.count_ones() as usize).min(shorter);
    let left_over = n.abs_diff(m);
    let extra = match (left_over, whole_words) {
        (0, _) => 0.0,
        (k, 2..) => (EXTRA_WORD * k as f32).min(EXTRA_WORDS_MAX),
        (k, _) => SINGLE_WORD + EXTRA_WORD * 0.75 * (k - 1) as f32,
    };
    let order = if result.inverted { ORDER } else { 0.0 };
    result.score = (mean - conflict - initials - extra - order).clamp(0.0, 1.0);
    result
}

/// Pairs every word of the shorter side (`a` words) with a word of the longer (`b`), maximising
/// the total value: dynamic programming over the subsets of the shorter side.
fn assign(a: usize, b: usize, value: impl Fn(usize, usize) -> f32) -> [u8; MAX_WORDS] {
    // Most names have four words or fewer: their tables fit in a few cache lines.
    if a <= 4 {
        assign_within::<16>(a, b, value)
    } else {
        assign_within::<{ 1 << MAX_WORDS }>(a, b, value)
    }
}

/// [`assign`] with tables for `SUBSETS` subsets (`2^a` or more).
fn assign_within<const SUBSETS: usize>(
    a: usize,
    b: usize,
    value: impl Fn(usize, usize) -> f32,
) -> [u8; MAX_WORDS] {
    let full = (1usize << a) - 1;
    let mut best = [f32::NEG_INFINITY; SUBSETS];
    best[0] = 0.0;
    let mut previous = [f32::NEG_INFINITY; SUBSETS];
    let mut choice = [[u8::MAX; SUBSETS]; MAX_WORDS];
    for (j, choices) in choice.iter_mut().enumerate().take(b) {
        previous[..=full].copy_from_slice(&best[..=full]);
        for mask in 0..=full {
            let mut top = previous[mask];
            let mut pick = u8::MAX;
            for i in 0..a {
                let bit = 1 << i;
                if mask & bit != 0 && previous[mask ^ bit] > f32::NEG_INFINITY {
                    let v = previous[mask ^ bit] + value(i, j);
                    if v > top {
                        top = v;
                        pick = i as u8;
                    }
                }
            }
            best[mask] = top;
            choices[mask] = pick;
        }
    }
    let mut partner = [u8::MAX; MAX_WORDS];
    let mut mask = full;
    for j in (0..b).rev() {
        let i = choice[j][mask];
        if i != u8::MAX {
            partner[usize::from(i)] = j as u8;
            mask ^= 1 << i;
        }
    }
    partner
}

/// What a query says besides its name, normalised once.
pub(crate) struct QueryFacts {
    pub birth: Option<Birth>,
    pub nationality: Option<String>,
    pub gender: Option<Gender>,
    pub document: Option<String>,
}

impl QueryFacts {
    pub fn new(query: &Query) -> Self {
        QueryFacts {
            birth: query.birth,
            nationality: query
                .nationality
                .as_deref()
                .map(|n| n.trim().to_ascii_uppercase())
                .filter(|n| !n.is_empty()),
            gender: query.gender,
            document: query
                .document
                .as_deref()
                .and_then(normalize_document_number),
        }
    }
}

/// What an entry says besides its names, normalised once.
pub(crate) struct EntryFacts {
    pub births: Vec<Birth>,
    pub nationalities: Vec<String>,
    pub gender: Option<Gender>,
    pub documents: Vec<String>,
}

impl EntryFacts {
    pub fn new(entry: &Entry) -> Self {
        let mut documents: Vec<String> = entry
            .documents
            .iter()
            .filter_map(|d| normalize_document_number(d))
            .collect();
        documents.sort();
        documents.dedup();
        EntryFacts {
            births: entry.births.clone(),
            nationalities: entry
                .nationalities
                .iter()
                .map(|n| n.trim().to_ascii_uppercase())
                .collect(),
            gender: entry.gender,
            documents,
        }
    }
}

/// What each qualifier adds to the name score; `None` where a side does not say.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Qualifiers {
    pub birth: Option<f32>,
    pub nationality: Option<f32>,
    pub gender: Option<f32>,
    pub document: Option<bool>,
}

impl Qualifiers {
    /// A birth date that agrees (same date or year) or a listed document.
    fn corroborates(&self) -> bool {
        self.birth.is_some_and(|b| b > 0.0) || self.document == Some(true)
    }

    pub fn new(query: &QueryFacts, entry: &EntryFacts) -> Self {
        let birth = query.birth.and_then(|q| {
            entry
                .births
                .iter()
                .map(|&e| birth_adjustment(q, e))
                .reduce(f32::max)
        });
        let nationality = query.nationality.as_ref().and_then(|q| {
            (!entry.nationalities.is_empty()).then(|| {
                if entry.nationalities.contains(q) {
                    NATIONALITY_SAME
                } else {
                    NATIONALITY_OTHER
                }
            })
        });
        let gender = match (query.gender, entry.gender) {
            (Some(q), Some(e)) => Some(if q == e { 0.0 } else { GENDER_OTHER }),
            _ => None,
        };
        let document = query.document.as_ref().and_then(|q| {
            (!entry.documents.is_empty()).then(|| entry.documents.binary_search(q).is_ok())
        });
        Qualifiers {
            birth,
            nationality,
            gender,
            document,
        }
    }

    /// The hit's score from its name score and these; `words` is the alias's word count.
    pub fn apply(&self, name: f32, quality: NameQuality, words: usize) -> f64 {
        let adjustments = self.birth.unwrap_or(0.0)
            + self.nationality.unwrap_or(0.0)
            + self.gender.unwrap_or(0.0);
        let mut score = (name + adjustments).clamp(0.0, 1.0);
        if quality == NameQuality::Weak {
            score = if name >= WEAK_EXACT {
                score.min(WEAK_CAP)
            } else {
                (score - WEAK_PENALTY).max(0.0)
            };
            if words == 1 && !self.corroborates() {
                score = score.min(WEAK_SINGLE_CAP);
            }
        }
        let mut score = f64::from(score);
        if self.document == Some(true) {
            score = score.max(DOCUMENT_FLOOR + (1.0 - DOCUMENT_FLOOR) * f64::from(name));
        }
        (score * 1e4).round() / 1e4
    }
}

/// Same date: up; day and month swapped: up a little; same year: up; within a year: no change;
/// two years: down; three or more: down enough to fail a perfect name.
fn birth_adjustment(query: Birth, entry: Birth) -> f32 {
    if let (Birth::Date(q), Birth::Date(e)) = (query, entry) {
        if q == e {
            return BIRTH_DATE;
        }
        if q.year() == e.year() && q.month() == e.day() && q.day() == e.month() {
            return BIRTH_SWAPPED;
        }
        let years = ((q - e).num_days().abs() as f64 / 365.25).floor() as i32;
        return years_apart(years);
    }
    let (q_low, q_high) = years(query);
    let (e_low, e_high) = years(entry);
    let gap = if q_high < e_low {
        e_low - q_high
    } else if e_high < q_low {
        q_low - e_high
    } else {
        0
    };
    if gap > 0 {
        return years_apart(gap);
    }
    if q_high - q_low <= 1 && e_high - e_low <= 1 {
        BIRTH_YEAR
    } else {
        BIRTH_RANGE
    }
}

fn years_apart(years: i32) -> f32 {
    match years {
        ..=1 => 0.0,
        2 => BIRTH_TWO_YEARS,
        _ => BIRTH_CONFLICT,
    }
}

fn years(birth: Birth) -> (i32, i32) {
    match birth {
        Birth::Date(d) => (d.year(), d.year()),
        Birth::Year(y) => (y, y),
        Birth::Between(a, b) => (a.min(b), a.max(b)),
    }
}

/// Scores `entry` against `query` on the entry's best name, whatever the score (the threshold
/// is only recorded in the explanation). `None` when there is nothing to compare: neither a
/// name with words on both sides nor a document number.
pub fn compare(query: &Query, entry: &Entry, threshold: f64) -> Option<Hit> {
    let parsed = parse(&query.name);
    let facts = QueryFacts::new(query);
    let entry_facts = EntryFacts::new(entry);
    compare_parsed(&parsed, &facts, entry, &entry_facts, threshold)
}

pub(crate) fn compare_parsed(
    query: &ParsedName,
    facts: &QueryFacts,
    entry: &Entry,
    entry_facts: &EntryFacts,
    threshold: f64,
) -> Option<Hit> {
    let names = entry
        .names
        .iter()
        .enumerate()
        .map(|(index, name)| (index, parse(&name.text)));
    compare_names(query, facts, entry, entry_facts, names, threshold)
}

/// [`compare_parsed`] on the entry's names given, by index, already parsed.
pub(crate) fn compare_names(
    query: &ParsedName,
    facts: &QueryFacts,
    entry: &Entry,
    entry_facts: &EntryFacts,
    names: impl IntoIterator<Item = (usize, ParsedName)>,
    threshold: f64,
) -> Option<Hit> {
    let qualifiers = Qualifiers::new(facts, entry_facts);
    let mut best: Option<(f64, usize, ParsedName, NameScore, Vec<WordMatch>)> = None;
    for (index, candidate) in names {
        let Some(alias) = entry.names.get(index) else {
            continue;
        };
        let sims = word_matrix(&query.words, &candidate.words);
        let name = name_score(
            &sims,
            query.words.len(),
            candidate.words.len(),
            initials(&query.words),
            initials(&candidate.words),
        );
        let score = qualifiers.apply(name.score, alias.quality, candidate.words.len());
        if best.as_ref().is_none_or(|(b, ..)| score > *b) {
            best = Some((score, index, candidate, name, sims));
        }
    }
    match best {
        Some((score, index, candidate, name, sims)) => {
            let alias = &entry.names[index];
            let comparable = !query.words.is_empty() && !candidate.words.is_empty();
            if !comparable && qualifiers.document != Some(true) {
                return None;
            }
            let explanation = explain(
                query,
                &candidate,
                &sims,
                &name,
                &qualifiers,
                alias,
                threshold,
            );
            Some(Hit {
                entry_id: entry.id.clone(),
                score,
                explanation,
            })
        }
        None if qualifiers.document == Some(true) => {
            let empty = parse("");
            let name = name_score(&[], 0, 0, 0, 0);
            let alias = crate::ListName::new("", NameQuality::Primary);
            let explanation = explain(query, &empty, &[], &name, &qualifiers, &alias, threshold);
            Some(Hit {
                entry_id: entry.id.clone(),
                score: qualifiers.apply(0.0, NameQuality::Primary, 0),
                explanation,
            })
        }
        None => None,
    }
}

pub(crate) fn word_matrix(query: &[Word], candidate: &[Word]) -> Vec<WordMatch> {
    let mut sims = Vec::with_capacity(query.len() * candidate.len());
    for q in query {
        for c in candidate {
            sims.push(compare_words(q, c));
        }
    }
    sims
}

pub(crate) fn initials(words: &[Word]) -> u8 {
    words
        .iter()
        .enumerate()
        .filter(|(_, w)| w.initial)
        .fold(0, |bits, (i, _)| bits | (1 << i))
}

fn explain(
    query: &ParsedName,
    candidate: &ParsedName,
    sims: &[WordMatch],
    name: &NameScore,
    qualifiers: &Qualifiers,
    alias: &crate::ListName,
    threshold: f64,
) -> Explanation {
    let m = candidate.words.len();
    let mut alignment = Vec::with_capacity(query.words.len() + m);
    let mut paired = [false; MAX_WORDS];
    let (mut phonetic, mut edit, mut weights, mut covered) = (0.0, 0.0, 0.0, 0usize);
    for (i, q) in query.words.iter().enumerate() {
        let j = usize::from(name.partner[i]);
        match candidate.words.get(j) {
            Some(c) => {
                paired[j] = true;
                let pair = sims[i * m + j];
                alignment.push(Aligned {
                    query: Some(q.latin.clone()),
                    candidate: Some(c.latin.clone()),
                    score: round(f64::from(pair.score)),
                    how: pair.how,
                });
                if pair.how != How::Initial {
                    weights += 1.0;
                    if !q.phonetic.is_empty() && q.phonetic == c.phonetic {
                        phonetic += 1.0;
                    }
                    edit += strsim::jaro_winkler(&q.latin, &c.latin);
                }
                if pair.score >= CLEAR {
                    covered += 2;
                }
            }
            None => alignment.push(Aligned {
                query: Some(q.latin.clone()),
                candidate: None,
                score: 0.0,
                how: How::Missing,
            }),
        }
    }
    for (j, c) in candidate.words.iter().enumerate() {
        if !paired[j] {
            alignment.push(Aligned {
                query: None,
                candidate: Some(c.latin.clone()),
                score: 0.0,
                how: How::Extra,
            });
        }
    }

    let mut features = BTreeMap::new();
    features.insert("name".to_owned(), round(f64::from(name.score)));
    if weights > 0.0 {
        features.insert("phonetic".to_owned(), round(phonetic / weights));
        features.insert("edit".to_owned(), round(edit / weights));
    }
    let words = query.words.len() + m;
    if words > 0 {
        features.insert("coverage".to_owned(), round(covered as f64 / words as f64));
    }
    for (feature, value) in [
        ("birth", qualifiers.birth),
        ("nationality", qualifiers.nationality),
        ("gender", qualifiers.gender),
    ] {
        if let Some(v) = value {
            features.insert(feature.to_owned(), round(f64::from(v)));
        }
    }
    if let Some(equal) = qualifiers.document {
        features.insert("document".to_owned(), if equal { 1.0 } else { 0.0 });
    }

    Explanation {
        algorithm: ALGORITHM,
        threshold,
        alias: alias.text.clone(),
        alias_quality: alias.quality,
        query: query.normalised(),
        candidate: candidate.normalised(),
        alignment,
        features,
        notes: notes(query, candidate, name, qualifiers, alias.quality),
    }
}

fn notes(
    query: &ParsedName,
    candidate: &ParsedName,
    name: &NameScore,
    qualifiers: &Qualifiers,
    quality: NameQuality,
) -> Vec<String> {
    let mut notes = Vec::new();
    for (side, parsed) in [("query", query), ("candidate", candidate)] {
        for script in &parsed.untransliterated {
            notes.push(not_transliterated(side, *script));
        }
        match parsed.order {
            Order::Mrz => notes.push(format!(
                "{side} read as a machine readable zone: surname first"
            )),
            Order::SurnameComma => notes.push(format!("{side} read as surname, given names")),
            Order::Written => {}
        }
        if parsed.left_out > 0 {
            notes.push(format!(
                "{side} has {} words past the {MAX_WORDS} compared",
                parsed.left_out
            ));
        }
    }
    if name.inverted {
        notes.push("words in another order".to_owned());
    }
    if qualifiers.birth == Some(BIRTH_CONFLICT) {
        notes.push("dates of birth three or more years apart".to_owned());
    }
    if qualifiers.gender == Some(GENDER_OTHER) {
        notes.push("genders differ".to_owned());
    }
    if quality == NameQuality::Weak {
        notes.push(format!(
            "weak alias: a hit only when nearly exact (name {WEAK_EXACT} or more), at most {WEAK_CAP}"
        ));
        if candidate.words.len() == 1 && !qualifiers.corroborates() {
            notes.push(format!(
                "weak alias of one word: at most {WEAK_SINGLE_CAP} without a birth date or \
                 document that agrees"
            ));
        }
    }
    if qualifiers.document == Some(true) {
        notes.push(format!(
            "document number listed for the entry: scored at least {DOCUMENT_FLOOR}"
        ));
    }
    notes
}

pub(crate) fn not_transliterated(side: &str, script: Script) -> String {
    format!(
        "{side} script {} is not transliterated: compared as written",
        script.name()
    )
}

fn round(x: f64) -> f64 {
    (x * 1e4).round() / 1e4
}

/// Only for the tests of this module and the crate's.
#[cfg(test)]
pub(crate) fn date(y: i32, m: u32, d: u32) -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{DEFAULT_THRESHOLD, ListName};

    fn entry(names: &[&str]) -> Entry {
        Entry {
            id: "E1".into(),
            names: names
                .iter()
                .map(|n| ListName::new(*n, NameQuality::Primary))
                .collect(),
            ..Entry::default()
        }
    }

    fn name_only(query: &str, listed: &str) -> f64 {
        compare(&Query::name(query), &entry(&[listed]), DEFAULT_THRESHOLD).map_or(0.0, |h| h.score)
    }

    #[test]
    fn pairing_is_order_independent_and_prefers_the_best_total() {
        let score = name_only("Petrović Marko", "Marko Petrović");
        assert!((0.95..1.0).contains(&score), "{score}");
        assert_eq!(name_only("Marko Petrović", "Marko Petrović"), 1.0);
        let hit = compare(
            &Query::name("Petrović Marko"),
            &entry(&["Marko Petrović"]),
            DEFAULT_THRESHOLD,
        )
        .unwrap();
        assert_eq!(
            hit.explanation.alignment[0].candidate.as_deref(),
            Some("petrović")
        );
        assert!(
            hit.explanation
                .notes
                .iter()
                .any(|n| n == "words in another order")
        );
    }

    #[test]
    fn left_over_words_cost_a_little_and_a_single_word_much() {
        let middle = name_only("Marko Petrović", "Marko Ivan Petrović");
        assert!((0.9..1.0).contains(&middle), "{middle}");
        let surname = name_only("Petrović", "Marko Petrović");
        assert!((0.6..0.8).contains(&surname), "{surname}");
        let initial = name_only("M. Petrović", "Marko Petrović");
        assert!((0.7..0.8).contains(&initial), "{initial}");
        assert!(name_only("D. Petrović", "Marko Petrović") < 0.5);
    }

    #[test]
    fn birth_dates_move_the_score() {
        let with_birth = |query: Option<Birth>, listed: Vec<Birth>| {
            let q = Query {
                birth: query,
                ..Query::name("Marko Petrović")
            };
            let mut e = entry(&["Marko Petrović"]);
            e.births = listed;
            compare(&q, &e, DEFAULT_THRESHOLD).unwrap()
        };
        let d = |y, m, dd| Birth::Date(date(y, m, dd));
        let conflict = with_birth(Some(Birth::Year(1970)), vec![Birth::Year(1985)]);
        assert!(conflict.score < DEFAULT_THRESHOLD, "{}", conflict.score);
        assert_eq!(conflict.explanation.features["birth"], -0.25);
        assert_eq!(
            with_birth(Some(Birth::Year(1971)), vec![Birth::Year(1970)]).score,
            1.0
        );
        let far = with_birth(Some(d(1970, 3, 1)), vec![d(1975, 3, 1)]);
        assert!(far.score < DEFAULT_THRESHOLD);
        let two = with_birth(Some(d(1970, 3, 1)), vec![d(1972, 3, 5)]);
        assert!((0.85..0.95).contains(&two.score), "{}", two.score);
        let in_range = with_birth(Some(Birth::Year(1972)), vec![Birth::Between(1968, 1975)]);
        assert_eq!(in_range.explanation.features["birth"], 0.02);
        let several = with_birth(
            Some(Birth::Year(1985)),
            vec![Birth::Year(1970), Birth::Year(1985)],
        );
        assert_eq!(several.explanation.features["birth"], 0.05);
        let surname = |birth| {
            let q = Query {
                birth: Some(birth),
                ..Query::name("Petrović")
            };
            let mut e = entry(&["Marko Petrović"]);
            e.births = vec![d(1970, 3, 1)];
            compare(&q, &e, DEFAULT_THRESHOLD).unwrap().score
        };
        assert!(surname(d(1970, 3, 1)) >= DEFAULT_THRESHOLD);
        assert!(surname(d(1970, 1, 3)) < DEFAULT_THRESHOLD);
        assert!(surname(Birth::Year(1970)) < DEFAULT_THRESHOLD);
    }

    #[test]
    fn nationality_gender_and_documents() {
        let mut e = entry(&["Marko Petrović"]);
        e.nationalities = vec!["SRB".into()];
        e.gender = Some(Gender::Male);
        e.documents = vec!["AB 123-456".into()];
        let query = |name: &str, nationality: &str, gender, document: Option<&str>| Query {
            name: name.into(),
            nationality: Some(nationality.into()),
            gender: Some(gender),
            document: document.map(Into::into),
            birth: None,
        };
        let same = compare(&query("Marko Petrovic", "srb", Gender::Male, None), &e, 0.8).unwrap();
        assert_eq!(same.explanation.features["nationality"], 0.02);
        let other = compare(
            &query("Marko Petrović", "MNE", Gender::Female, None),
            &e,
            0.8,
        )
        .unwrap();
        assert_eq!(other.explanation.features["nationality"], -0.05);
        assert_eq!(other.explanation.features["gender"], -0.1);
        assert!(other.score < same.score);
        let document = compare(
            &query("Darko Pavlović", "MNE", Gender::Male, Some("ab123456")),
            &e,
            0.8,
        )
        .unwrap();
        assert!(document.score >= 0.95, "{}", document.score);
        assert_eq!(document.explanation.features["document"], 1.0);
        let different = compare(
            &query("Marko Petrović", "SRB", Gender::Male, Some("X1")),
            &e,
            0.8,
        )
        .unwrap();
        assert_eq!(different.explanation.features["document"], 0.0);
    }

    #[test]
    fn weak_aliases_need_a_near_exact_name() {
        let mut e = entry(&[]);
        e.names = vec![ListName::new("Marko Jovanović", NameQuality::Weak)];
        let exact = compare(&Query::name("Marko Jovanović"), &e, 0.8).unwrap();
        assert_eq!(exact.score, 0.9);
        for close in ["Markos Jovanović", "Marko Jovanovac"] {
            let hit = compare(&Query::name(close), &e, 0.8).unwrap();
            assert!(hit.score < DEFAULT_THRESHOLD, "{close}: {}", hit.score);
        }
    }

    #[test]
    fn a_weak_alias_of_one_word_needs_a_birth_date_or_document() {
        // A kunya is one word once its particle is joined: as weak as a given name alone.
        let mut kunya = entry(&[]);
        kunya.names = vec![ListName::new("Abu Marko", NameQuality::Weak)];
        let alone = compare(&Query::name("Abu Marko"), &kunya, 0.0).unwrap();
        assert!(alone.score < DEFAULT_THRESHOLD, "{}", alone.score);
        let mut e = entry(&[]);
        e.names = vec![ListName::new("Mohammad", NameQuality::Weak)];
        e.births = vec![Birth::Year(1975)];
        let alone = compare(&Query::name("Mohamed"), &e, 0.0).unwrap();
        assert!(alone.score < DEFAULT_THRESHOLD, "{}", alone.score);
        assert!(
            alone
                .explanation
                .notes
                .iter()
                .any(|n| n.starts_with("weak alias of one word"))
        );
        let born = Query {
            birth: Some(Birth::Year(1975)),
            ..Query::name("Mohamed")
        };
        let corroborated = compare(&born, &e, 0.0).unwrap();
        assert!(
            corroborated.score >= DEFAULT_THRESHOLD,
            "{}",
            corroborated.score
        );
    }

    #[test]
    fn nothing_to_compare() {
        assert!(compare(&Query::name(""), &entry(&["Marko Petrović"]), 0.8).is_none());
        assert!(compare(&Query::name("Marko"), &entry(&[]), 0.8).is_none());
    }
}
