//! The candidate index: a query looks only at list names sharing a word key with it.
//!
//! Words are indexed once each, however many names hold them, and words that compare alike but
//! for their Latin form (Đorđević, ĐORĐEVIĆ, Ђорђевић) once per group. Keys lead to groups: the
//! folded key; the consonants with the vowels by class, and with one vowel left out (Latin-script
//! words against each other); the abjad spelling (consonants by class, long vowels) of Arabic and
//! Hebrew words, and that of other words with every choice of vowels left out (what an abjad
//! would not write); the first eight letters of long words; the name inside a word joined from
//! particles. Each word leads to the names holding it (postings, in name order). A query word
//! looks up its keys, compares each group found once (giving up as soon as the group cannot
//! reach [`RETRIEVE`]), and keeps those close enough. The names to score then come from the
//! postings of the query's rarest words only: as many as it takes so that a name holding none
//! of them could not reach the threshold even with every qualifier in its favour. A query's work
//! thus depends on the length of those postings, not on the size of the list.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::How;
use crate::name::{MAX_WORDS, Order, ParsedName, Word, parse, parse_with, word_forms};
use crate::score::{
    EntryFacts, NameScore, Qualifiers, QueryFacts, compare_names, initials, max_boost, name_score,
};
use crate::similarity::{
    FOLDED, INITIAL, Spelling, TRUNCATION_MIN, WordMatch, compare_above, compare_words,
};
use crate::translit::Cyrillic;
use crate::{Entry, Hit, NameQuality, Query};

/// A vocabulary word scoring this against a query word brings its names in as candidates. A
/// pair of words scoring less costs a name more than a word it lacks, so a name holding only
/// such words for the query's essential words could not pass ([`Session::candidates`]).
const RETRIEVE: f32 = 0.7;
/// Candidates are scored exactly from this far below the threshold (their first score leaves
/// out pairs of words no key brought together).
const MARGIN: f64 = 0.05;

const KEY: u8 = 0;
/// [`spelled`] keys of words in an abjad.
const ABJAD: u8 = 1;
/// [`spelled`] keys of other words, with every choice of vowels left out.
const UNVOWELLED: u8 = 2;
/// [`voweled`] keys of words not in an abjad.
const VOWELS: u8 = 3;
/// The same with one vowel left out.
const VOWEL_DELETION: u8 = 4;
const PREFIX: u8 = 5;
/// Not a key: the hash of a word's Latin form.
const LATIN: u8 = 6;

const NONE: WordMatch = WordMatch {
    score: 0.0,
    how: How::Edit,
};

/// Counts from one screening, to show that a query does not scan the list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScreenStats {
    /// Groups of words found under a query word's keys and compared with it.
    pub words_compared: usize,
    /// Postings read to gather candidates.
    pub postings_read: usize,
    /// List names scored.
    pub candidates: usize,
    /// List names scored exactly (near or above the threshold).
    pub rescored: usize,
}

/// A watchlist indexed for screening; immutable once built, shared across threads.
pub struct Screener {
    entries: Vec<IndexedEntry>,
    aliases: Vec<Alias>,
    alias_words: Vec<u32>,
    vocabulary: Vec<Word>,
    /// A hash of each vocabulary word's Latin form, to tell exact from folded without reading it.
    latin_hashes: Vec<u64>,
    /// Words that compare alike (same key and context, other Latin forms): keys lead to these,
    /// each compared once, from data kept together (`texts`) rather than behind each word.
    groups: Vec<Group>,
    /// The words of each group, group after group.
    spellings: Vec<u32>,
    /// Each group's key, phonetic key and bare key, one after the other.
    texts: String,
    posting_starts: Vec<u32>,
    postings: Vec<u32>,
    /// Hash of kind and key → range of `key_groups`.
    keys: HashMap<u64, (u32, u32), IdBuild>,
    key_groups: Vec<KeyGroup>,
    /// Normalised document number → entries.
    documents: HashMap<String, Vec<u32>>,
}

struct IndexedEntry {
    entry: Entry,
    facts: EntryFacts,
    /// This entry's aliases, `aliases[first..first + count]`.
    first: u32,
    count: u32,
}

#[derive(Debug, Clone, Copy)]
struct Group {
    first: u32,
    count: u32,
    text: u32,
    key_len: u16,
    phonetic_len: u16,
    bare_len: u16,
    bare: bool,
    abjad: bool,
    transliterated: bool,
    arabic_name: bool,
    initial: bool,
}

/// A group found under a key, with what filters it before the group is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct KeyGroup {
    group: u32,
    key_len: u16,
    abjad: bool,
    /// Found under a prefix or a bare key: lengths may differ.
    any_length: bool,
}

struct Alias {
    entry: u32,
    /// Index in the entry's names.
    name: u32,
    quality: NameQuality,
    start: u32,
    len: u8,
    initials: u8,
    order: Order,
    left_out: u8,
}

impl std::fmt::Debug for Screener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Screener")
            .field("entries", &self.entries.len())
            .field("aliases", &self.aliases.len())
            .field("words", &self.vocabulary.len())
            .finish()
    }
}

impl Screener {
    pub fn build(entries: Vec<Entry>) -> Screener {
        let mut forms: [HashMap<String, Vec<Word>>; Cyrillic::COUNT] = Default::default();
        let mut word_ids: HashMap<Word, u32> = HashMap::new();
        let mut vocabulary: Vec<Word> = Vec::new();
        let mut aliases = Vec::new();
        let mut alias_words = Vec::new();
        let mut documents: HashMap<String, Vec<u32>> = HashMap::new();
        let mut indexed = Vec::with_capacity(entries.len());
        for (e, entry) in entries.into_iter().enumerate() {
            let e = e as u32;
            let first = aliases.len() as u32;
            for (k, name) in entry.names.iter().enumerate() {
                let parsed = parse_with(&name.text, &mut |raw, orthography| {
                    let cache = &mut forms[orthography.index()];
                    if let Some(words) = cache.get(raw) {
                        return words.clone();
                    }
                    let words = word_forms(raw, orthography);
                    cache.insert(raw.to_owned(), words.clone());
                    words
                });
                if parsed.words.is_empty() {
                    continue;
                }
                let start = alias_words.len() as u32;
                for word in &parsed.words {
                    let id = *word_ids.entry(word.clone()).or_insert_with(|| {
                        vocabulary.push(word.clone());
                        (vocabulary.len() - 1) as u32
                    });
                    alias_words.push(id);
                }
                aliases.push(Alias {
                    entry: e,
                    name: k as u32,
                    quality: name.quality,
                    start,
                    len: parsed.words.len() as u8,
                    initials: initials(&parsed.words),
                    order: parsed.order,
                    left_out: parsed.left_out.min(usize::from(u8::MAX)) as u8,
                });
            }
            let facts = EntryFacts::new(&entry);
            for document in &facts.documents {
                documents.entry(document.clone()).or_default().push(e);
            }
            indexed.push(IndexedEntry {
                count: aliases.len() as u32 - first,
                first,
                entry,
                facts,
            });
        }
        let (posting_starts, postings) = postings(&aliases, &alias_words, vocabulary.len());
        let (groups, spellings, texts) = groups(&vocabulary);
        let (keys, key_groups) = keys(&groups, &texts);
        let latin_hashes = vocabulary
            .iter()
            .map(|w| hash(LATIN, w.latin.as_bytes()))
            .collect();
        Screener {
            entries: indexed,
            aliases,
            alias_words,
            vocabulary,
            latin_hashes,
            groups,
            spellings,
            texts,
            posting_starts,
            postings,
            keys,
            key_groups,
            documents,
        }
    }

    /// List names indexed.
    pub fn len(&self) -> usize {
        self.aliases.len()
    }

    pub fn is_empty(&self) -> bool {
        self.aliases.is_empty()
    }

    /// Matches at or above `threshold`, best first, at most `limit`, one per entry.
    pub fn screen(&self, query: &Query, threshold: f64, limit: usize) -> Vec<Hit> {
        self.screen_with_stats(query, threshold, limit).0
    }

    /// [`Screener::screen`] with counts of the work done.
    #[doc(hidden)]
    pub fn screen_with_stats(
        &self,
        query: &Query,
        threshold: f64,
        limit: usize,
    ) -> (Vec<Hit>, ScreenStats) {
        let mut stats = ScreenStats::default();
        if limit == 0 {
            return (Vec::new(), stats);
        }
        let parsed = parse(&query.name);
        let facts = QueryFacts::new(query);
        let mut session = Session::new(self, &parsed.words);
        let candidates = session.candidates(threshold - MARGIN - f64::from(max_boost(&facts)));
        stats.words_compared = session.compared;
        stats.postings_read = session.postings_read;
        stats.candidates = candidates.len();

        let near = self.near(&mut session, &candidates, &facts, threshold - MARGIN);
        let mut scored = self.best_per_entry(&mut session, &near, &facts, &mut stats);
        scored.retain(|&(score, ..)| score >= threshold);
        scored.sort_by(|a, b| {
            b.0.total_cmp(&a.0).then_with(|| {
                let id = |e: u32| &self.entries[e as usize].entry.id;
                id(a.1).cmp(id(b.1))
            })
        });
        scored.truncate(limit);
        let hits = scored
            .into_iter()
            .filter_map(|(_, e, alias)| self.hit(&parsed, &facts, e, alias, threshold))
            .collect();
        (hits, stats)
    }

    /// By entry, the candidate names within `floor` from the word scores cached (a lower bound of
    /// their exact score), and every name of an entry whose document number the query gives.
    fn near(
        &self,
        session: &mut Session<'_>,
        candidates: &[u32],
        facts: &QueryFacts,
        floor: f64,
    ) -> HashMap<u32, Vec<u32>, IdBuild> {
        let boost = f64::from(max_boost(facts));
        let mut near: HashMap<u32, Vec<u32>, IdBuild> = HashMap::default();
        for &alias in candidates {
            let a = &self.aliases[alias as usize];
            let name = session.alias_score(a, false);
            if f64::from(name.score) + boost < floor {
                continue;
            }
            let entry = &self.entries[a.entry as usize];
            let words = usize::from(a.len);
            if Qualifiers::new(facts, &entry.facts).apply(name.score, a.quality, words) >= floor {
                near.entry(a.entry).or_default().push(alias);
            }
        }
        if let Some(document) = &facts.document
            && let Some(listed) = self.documents.get(document)
        {
            for &e in listed {
                let entry = &self.entries[e as usize];
                near.insert(e, (entry.first..entry.first + entry.count).collect());
            }
        }
        near
    }

    /// (score, entry, alias) of each entry's best name, scored exactly; `u32::MAX` for an entry
    /// without names found by its document number.
    fn best_per_entry(
        &self,
        session: &mut Session<'_>,
        near: &HashMap<u32, Vec<u32>, IdBuild>,
        facts: &QueryFacts,
        stats: &mut ScreenStats,
    ) -> Vec<(f64, u32, u32)> {
        let mut scored = Vec::with_capacity(near.len());
        for (&e, aliases) in near {
            let qualifiers = Qualifiers::new(facts, &self.entries[e as usize].facts);
            let mut best = (qualifiers.apply(0.0, NameQuality::Primary, 0), u32::MAX);
            for (k, &alias) in aliases.iter().enumerate() {
                let a = &self.aliases[alias as usize];
                stats.rescored += 1;
                let name = session.alias_score(a, true).score;
                let score = qualifiers.apply(name, a.quality, usize::from(a.len));
                if k == 0 || score > best.0 {
                    best = (score, alias);
                }
            }
            scored.push((best.0, e, best.1));
        }
        scored
    }

    /// The hit of entry `e` on its name `alias`, explained.
    fn hit(
        &self,
        query: &ParsedName,
        facts: &QueryFacts,
        e: u32,
        alias: u32,
        threshold: f64,
    ) -> Option<Hit> {
        let entry = &self.entries[e as usize];
        let name = self.aliases.get(alias as usize).map(|a| {
            let words = self.alias_words[a.start as usize..][..usize::from(a.len)]
                .iter()
                .map(|&w| self.vocabulary[w as usize].clone())
                .collect();
            let parsed = ParsedName::from_words(words, a.order, usize::from(a.left_out));
            (a.name as usize, parsed)
        });
        compare_names(query, facts, &entry.entry, &entry.facts, name, threshold)
    }

    fn lookup(&self, hash: u64) -> &[KeyGroup] {
        match self.keys.get(&hash) {
            Some(&(start, len)) => &self.key_groups[start as usize..(start + len) as usize],
            None => &[],
        }
    }

    fn group_spelling(&self, group: &Group) -> Spelling<'_> {
        group_spelling(group, &self.texts)
    }

    fn postings_of(&self, word: u32) -> &[u32] {
        let start = self.posting_starts[word as usize] as usize;
        let end = self.posting_starts[word as usize + 1] as usize;
        &self.postings[start..end]
    }
}

/// The work of one query: its words' scores against the vocabulary words met, cached.
struct Session<'a> {
    screener: &'a Screener,
    words: &'a [Word],
    /// Vocabulary word → slot in `sims`.
    slots: HashMap<u32, u32, IdBuild>,
    /// `sims[slot * n + i]`: query word `i` against the slot's word; until the slot is
    /// complete, only the query words that found it are scored.
    sims: Vec<WordMatch>,
    complete: Vec<bool>,
    compared: usize,
    /// Per query word: vocabulary words close enough to bring their names in.
    retrieved: Vec<Vec<u32>>,
    postings_read: usize,
}

impl<'a> Session<'a> {
    fn new(screener: &'a Screener, words: &'a [Word]) -> Self {
        let mut session = Session {
            screener,
            words,
            slots: HashMap::default(),
            sims: Vec::new(),
            complete: Vec::new(),
            compared: 0,
            retrieved: vec![Vec::new(); words.len()],
            postings_read: 0,
        };
        for (i, word) in words.iter().enumerate() {
            if !word.initial {
                session.retrieve(i);
            }
        }
        session
    }

    /// The vocabulary words close enough to query word `i` to bring their names in.
    fn retrieve(&mut self, i: usize) {
        let screener = self.screener;
        let word = &self.words[i];
        let mut found: Vec<KeyGroup> = Vec::new();
        for (hash, any_length) in query_hashes(word) {
            let groups = screener.lookup(hash);
            if any_length {
                found.extend(groups.iter().map(|g| KeyGroup {
                    any_length: true,
                    ..*g
                }));
            } else {
                found.extend_from_slice(groups);
            }
        }
        // Those found under a prefix or bare key first, so that dedup keeps them.
        found.sort_unstable_by_key(|g| (g.group, !g.any_length));
        found.dedup_by_key(|g| g.group);
        let spelling = word.spelling();
        let latin_hash = hash(LATIN, word.latin.as_bytes());
        for found in found {
            if !found.any_length && !lengths_close(word, found) {
                continue;
            }
            let group = &screener.groups[found.group as usize];
            let candidate = screener.group_spelling(group);
            self.compared += 1;
            let Some(found) = compare_above(spelling, candidate, RETRIEVE) else {
                continue;
            };
            let same_key = found.how == How::Folded && word.key == candidate.key;
            let first = group.first as usize;
            for &w in &screener.spellings[first..first + group.count as usize] {
                let exact = screener.latin_hashes[w as usize] == latin_hash;
                let found = match (exact, same_key) {
                    (true, _) => WordMatch {
                        score: 1.0,
                        how: How::Exact,
                    },
                    (false, true) => WordMatch {
                        score: FOLDED,
                        how: How::Folded,
                    },
                    (false, false) => found,
                };
                let slot = self.partial_slot(w);
                self.sims[slot * self.words.len() + i] = found;
                self.retrieved[i].push(w);
            }
        }
    }

    fn partial_slot(&mut self, word: u32) -> usize {
        if let Some(&slot) = self.slots.get(&word) {
            return slot as usize;
        }
        let slot = self.complete.len();
        self.sims
            .extend(std::iter::repeat_n(NONE, self.words.len()));
        self.complete.push(false);
        self.slots.insert(word, slot as u32);
        slot
    }

    /// The word's slot with every query word scored against it.
    fn full_slot(&mut self, word: u32) -> usize {
        let slot = self.partial_slot(word);
        if !self.complete[slot] {
            let candidate = &self.screener.vocabulary[word as usize];
            let n = self.words.len();
            for (i, q) in self.words.iter().enumerate() {
                self.sims[slot * n + i] = compare_words(q, candidate);
            }
            self.complete[slot] = true;
        }
        slot
    }

    /// Names holding at least one of the query's essential words.
    fn candidates(&mut self, floor: f64) -> Vec<u32> {
        let n = self.words.len();
        let mut best = [0f32; MAX_WORDS];
        let mut sizes: Vec<(usize, usize)> = Vec::new();
        for (i, retrieved) in self.retrieved.iter().enumerate() {
            if retrieved.is_empty() {
                continue;
            }
            let size: usize = retrieved
                .iter()
                .map(|&w| self.screener.postings_of(w).len())
                .sum();
            for w in retrieved {
                if let Some(&slot) = self.slots.get(w) {
                    best[i] = best[i].max(self.sims[slot as usize * n + i].score);
                }
            }
            sizes.push((size, i));
        }
        sizes.sort_unstable();
        let initials: Vec<usize> = (0..n).filter(|&i| self.words[i].initial).collect();
        let mut rest: Vec<usize> = sizes.iter().map(|&(_, i)| i).collect();
        let mut essential = Vec::new();
        while !rest.is_empty() && f64::from(upper_bound(n, &rest, &initials, &best)) >= floor {
            essential.push(rest.remove(0));
        }
        let mut candidates = Vec::new();
        for i in essential {
            for &w in &self.retrieved[i] {
                let postings = self.screener.postings_of(w);
                self.postings_read += postings.len();
                candidates.extend_from_slice(postings);
            }
        }
        candidates.sort_unstable();
        candidates.dedup();
        candidates
    }

    /// The alias's name score; `exact` scores every pair of words, otherwise pairs that no key
    /// brought together count as different words.
    fn alias_score(&mut self, alias: &Alias, exact: bool) -> NameScore {
        let n = self.words.len();
        let m = usize::from(alias.len);
        let q_initials = initials(self.words);
        let mut sims = [NONE; MAX_WORDS * MAX_WORDS];
        let words = &self.screener.alias_words[alias.start as usize..alias.start as usize + m];
        for (j, &w) in words.iter().enumerate() {
            let initial = alias.initials & (1 << j) != 0;
            let slot = if exact || initial {
                Some(self.full_slot(w))
            } else {
                self.slots.get(&w).map(|&slot| slot as usize)
            };
            match slot {
                Some(slot) => {
                    for i in 0..n {
                        sims[i * m + j] = self.sims[slot * n + i];
                    }
                }
                // Initials of the query against words no key brought in.
                None if q_initials != 0 => {
                    let candidate = &self.screener.vocabulary[w as usize];
                    for i in (0..n).filter(|&i| q_initials & (1 << i) != 0) {
                        sims[i * m + j] = compare_words(&self.words[i], candidate);
                    }
                }
                None => {}
            }
        }
        name_score(&sims[..n * m], n, m, q_initials, alias.initials)
    }
}

/// Whether two words could score [`RETRIEVE`]: not with keys whose lengths differ by three
/// letters or more (five against an abjad); lookups under prefixes and bare keys are exempt.
fn lengths_close(q: &Word, c: KeyGroup) -> bool {
    let difference = q.key.len().abs_diff(usize::from(c.key_len));
    let limit = if q.script.is_abjad() || c.abjad { 5 } else { 3 };
    difference < limit || q.bare.is_some()
}

/// The best name score a list name could reach holding only the query words `matched` (at
/// their best scores) and initials matching the query's.
fn upper_bound(n: usize, matched: &[usize], initials: &[usize], best: &[f32; MAX_WORDS]) -> f32 {
    let columns: Vec<(usize, f32, bool)> = matched
        .iter()
        .map(|&i| (i, best[i], false))
        .chain(initials.iter().map(|&i| (i, INITIAL, true)))
        .collect();
    let m = columns.len();
    if m == 0 {
        return 0.0;
    }
    let mut sims = vec![NONE; n * m];
    let mut c_initials = 0u8;
    for (j, &(i, score, initial)) in columns.iter().enumerate() {
        sims[i * m + j] = WordMatch {
            score,
            how: if initial { How::Initial } else { How::Folded },
        };
        if initial {
            c_initials |= 1 << j;
        }
    }
    let q_initials = initials.iter().fold(0u8, |bits, &i| bits | (1 << i));
    name_score(&sims, n, m, q_initials, c_initials).score
}

fn postings(aliases: &[Alias], alias_words: &[u32], words: usize) -> (Vec<u32>, Vec<u32>) {
    let mut counts = vec![0u32; words + 1];
    let mut seen: Vec<u32> = Vec::with_capacity(MAX_WORDS);
    let each = |alias: &Alias, seen: &mut Vec<u32>| {
        seen.clear();
        let start = alias.start as usize;
        seen.extend_from_slice(&alias_words[start..start + usize::from(alias.len)]);
        seen.sort_unstable();
        seen.dedup();
    };
    for alias in aliases {
        each(alias, &mut seen);
        for &w in &seen {
            counts[w as usize + 1] += 1;
        }
    }
    for i in 1..counts.len() {
        counts[i] += counts[i - 1];
    }
    let mut fill = counts.clone();
    let mut postings = vec![0u32; counts[words] as usize];
    for (a, alias) in aliases.iter().enumerate() {
        each(alias, &mut seen);
        for &w in &seen {
            postings[fill[w as usize] as usize] = a as u32;
            fill[w as usize] += 1;
        }
    }
    (counts, postings)
}

/// Groups the vocabulary into words that compare alike with any other word but for their Latin
/// form: the same key, bare key, script class and name context.
fn groups(vocabulary: &[Word]) -> (Vec<Group>, Vec<u32>, String) {
    #[derive(PartialEq, Eq, Hash)]
    struct Alike<'a> {
        key: &'a str,
        bare: Option<&'a str>,
        abjad: bool,
        transliterated: bool,
        arabic_name: bool,
        initial: bool,
    }
    let mut members: Vec<Vec<u32>> = Vec::new();
    let mut index: HashMap<Alike<'_>, usize> = HashMap::new();
    for (id, word) in vocabulary.iter().enumerate() {
        let alike = Alike {
            key: &word.key,
            bare: word.bare.as_deref(),
            abjad: word.script.is_abjad(),
            transliterated: word.script.is_transliterated(),
            arabic_name: word.arabic_name,
            initial: word.initial,
        };
        let group = *index.entry(alike).or_insert_with(|| {
            members.push(Vec::new());
            members.len() - 1
        });
        members[group].push(id as u32);
    }
    let mut groups = Vec::with_capacity(members.len());
    let mut spellings = Vec::with_capacity(vocabulary.len());
    let mut texts = String::new();
    for words in members {
        let Some(word) = words.first().map(|&w| &vocabulary[w as usize]) else {
            continue;
        };
        let bare = word.bare.as_deref().unwrap_or("");
        let group = Group {
            first: spellings.len() as u32,
            count: words.len() as u32,
            text: texts.len() as u32,
            key_len: word.key.len().min(usize::from(u16::MAX)) as u16,
            phonetic_len: word.phonetic.len().min(usize::from(u16::MAX)) as u16,
            bare_len: bare.len().min(usize::from(u16::MAX)) as u16,
            bare: word.bare.is_some(),
            abjad: word.script.is_abjad(),
            transliterated: word.script.is_transliterated(),
            arabic_name: word.arabic_name,
            initial: word.initial,
        };
        for text in [&word.key, &word.phonetic, bare] {
            texts.push_str(&text[..text.len().min(usize::from(u16::MAX))]);
        }
        groups.push(group);
        spellings.extend(words);
    }
    (groups, spellings, texts)
}

fn group_spelling<'a>(group: &Group, texts: &'a str) -> Spelling<'a> {
    let text = |start: usize, len: u16| texts.get(start..start + usize::from(len)).unwrap_or("");
    let key_at = group.text as usize;
    let phonetic_at = key_at + usize::from(group.key_len);
    let bare_at = phonetic_at + usize::from(group.phonetic_len);
    Spelling {
        key: text(key_at, group.key_len),
        latin: None,
        phonetic: text(phonetic_at, group.phonetic_len),
        bare: group.bare.then(|| text(bare_at, group.bare_len)),
        abjad: group.abjad,
        transliterated: group.transliterated,
        arabic_name: group.arabic_name,
        initial: group.initial,
    }
}

/// The keys each group is found under.
fn keys(groups: &[Group], texts: &str) -> (HashMap<u64, (u32, u32), IdBuild>, Vec<KeyGroup>) {
    let mut keys: Vec<(u64, KeyGroup)> = Vec::with_capacity(groups.len() * 8);
    for (id, group) in groups.iter().enumerate() {
        if group.initial {
            continue;
        }
        let word = group_spelling(group, texts);
        let found = |any_length| KeyGroup {
            group: id as u32,
            key_len: group.key_len,
            abjad: group.abjad,
            any_length,
        };
        keys.push((hash(KEY, word.key.as_bytes()), found(false)));
        if let Some(bare) = word.bare {
            keys.push((hash(KEY, bare.as_bytes()), found(true)));
        }
        let spelled = spelled(word.key, false);
        if group.abjad {
            keys.push((hash(ABJAD, &spelled), found(false)));
            if word.key.contains('J') {
                keys.push((hash(ABJAD, &self::spelled(word.key, true)), found(false)));
            }
        } else {
            for_vowel_subsets(&spelled, usize::MAX, |s| {
                keys.push((hash(UNVOWELLED, s), found(false)))
            });
            let mut voweled = voweled(word.key);
            keys.push((hash(VOWELS, &voweled), found(false)));
            for_vowel_deletions(&mut voweled, |d| {
                keys.push((hash(VOWEL_DELETION, d), found(false)))
            });
        }
        for prefix in prefixes(word.key) {
            keys.push((hash(PREFIX, prefix.as_bytes()), found(true)));
        }
    }
    keys.sort_unstable();
    keys.dedup();
    let mut table: HashMap<u64, (u32, u32), IdBuild> = HashMap::default();
    let mut found = Vec::with_capacity(keys.len());
    for (hash, group) in keys {
        let range = table.entry(hash).or_insert((found.len() as u32, 0));
        range.1 += 1;
        found.push(group);
    }
    (table, found)
}

/// Between Latin-script words a consonant that differs beyond its phonetic class (Petrović,
/// Petković) already makes another name, so their phonetic keys must be equal, and vowels may
/// differ in their class or by one. Against an abjad, the consonants must be equal by class
/// and the vowels the abjad writes (its long vowels) found in the other word.
/// The hashes a query word looks up, each with whether what it finds may differ in length.
fn query_hashes(word: &Word) -> Vec<(u64, bool)> {
    let mut hashes = vec![(hash(KEY, word.key.as_bytes()), false)];
    if let Some(bare) = &word.bare {
        hashes.push((hash(KEY, bare.as_bytes()), true));
    }
    let spelled = spelled(&word.key, false);
    let mut push = |kind, key: &[u8]| hashes.push((hash(kind, key), false));
    if word.script.is_abjad() {
        push(ABJAD, &spelled);
        // The other spelling may lack one vowel the abjad wrote.
        for_vowel_subsets(&spelled, 1, |s| push(UNVOWELLED, s));
        if word.key.contains('J') {
            for_vowel_subsets(&self::spelled(&word.key, true), 1, |s| push(UNVOWELLED, s));
        }
    } else {
        for_vowel_subsets(&spelled, usize::MAX, |s| push(ABJAD, s));
        // Against other Latin-script words: the same consonants and vowels of the same class,
        // but for one vowel more or less (Aleksandr, Aleksander; Müller, Mueller).
        let mut voweled = voweled(&word.key);
        push(VOWELS, &voweled);
        push(VOWEL_DELETION, &voweled);
        for_vowel_deletions(&mut voweled, |d| push(VOWELS, d));
    }
    hashes.extend(prefixes(&word.key).map(|p| (hash(PREFIX, p.as_bytes()), true)));
    hashes
}

/// A word's consonants (those a Latin-script spelling of the same name may swap merged: c k,
/// s z, f v, l lj, n nj; h and glides left out), a separator and its vowels by class (a, e, i
/// as a; o, u as o).
fn voweled(key: &str) -> Vec<u8> {
    let consonant = |b: u8| match b {
        b'a' | b'e' | b'i' | b'o' | b'u' | b'h' | b'j' | b'J' | b'y' => None,
        b'c' | b'k' | b'q' => Some(b'k'),
        b's' | b'z' => Some(b's'),
        b'f' | b'v' => Some(b'f'),
        b'l' | b'L' => Some(b'l'),
        b'n' | b'N' => Some(b'n'),
        other => Some(other),
    };
    let mut voweled: Vec<u8> = key.bytes().filter_map(consonant).collect();
    voweled.push(b'|');
    voweled.extend(key.bytes().filter_map(|b| match b {
        b'a' | b'e' | b'i' => Some(b'a'),
        b'o' | b'u' => Some(b'o'),
        _ => None,
    }));
    voweled
}

/// A [`voweled`] key with each of its vowels left out in turn.
fn for_vowel_deletions(key: &mut [u8], mut each: impl FnMut(&[u8])) {
    let Some(bar) = key.iter().position(|&b| b == b'|') else {
        return;
    };
    let mut shorter = Vec::with_capacity(key.len());
    for skip in bar + 1..key.len() {
        if skip > bar + 1 && key[skip] == key[skip - 1] {
            continue;
        }
        shorter.clear();
        shorter.extend_from_slice(&key[..skip]);
        shorter.extend_from_slice(&key[skip + 1..]);
        each(&shorter);
    }
}

/// A key as an abjad spells it: consonants by class (those of [`crate::fold::phonetic`]) and
/// vowels by the letter that would write them (a; e, i; o, u), in order; h and glides go. Jim
/// goes with them (for the English j) or, `jim_as_g`, reads as g (Egyptian and foreign names).
fn spelled(key: &str, jim_as_g: bool) -> Vec<u8> {
    key.bytes()
        .filter_map(|b| {
            Some(match b {
                b'a' => b'A',
                b'e' | b'i' => b'I',
                b'o' | b'u' => b'U',
                b'J' if jim_as_g => b'k',
                b'h' | b'j' | b'J' | b'y' => return None,
                b'b' | b'p' => b'b',
                b'f' | b'v' => b'f',
                b'k' | b'g' | b'q' | b'c' => b'k',
                b'd' | b't' => b't',
                b's' | b'z' => b's',
                b'l' | b'L' => b'l',
                b'n' | b'N' => b'n',
                other => other,
            })
        })
        .collect()
}

/// A [`spelled`] key with every choice of at most `most` of its vowels left out (of its first
/// six vowels): an abjad leaves short vowels unwritten.
fn for_vowel_subsets(spelled: &[u8], most: usize, mut each: impl FnMut(&[u8])) {
    let vowels: Vec<usize> = spelled
        .iter()
        .enumerate()
        .filter(|(_, b)| matches!(b, b'A' | b'I' | b'U'))
        .map(|(i, _)| i)
        .take(6)
        .collect();
    let mut key = Vec::with_capacity(spelled.len());
    for mask in 0u32..(1 << vowels.len()) {
        if mask.count_ones() as usize > most {
            continue;
        }
        key.clear();
        for (i, &b) in spelled.iter().enumerate() {
            let left_out = vowels
                .iter()
                .position(|&v| v == i)
                .is_some_and(|k| mask & (1 << k) != 0);
            if !left_out {
                key.push(b);
            }
        }
        if !key.is_empty() {
            each(&key);
        }
    }
}

/// The first letters of a key long enough to have been cut at the width of a zone.
fn prefixes(key: &str) -> impl Iterator<Item = String> + '_ {
    std::iter::once(key)
        .filter(|s| s.chars().count() >= TRUNCATION_MIN)
        .map(|s| s.chars().take(TRUNCATION_MIN).collect())
}

/// FNV-1a over the kind and the key; a collision only brings in a word that then scores low.
fn hash(kind: u8, key: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in std::iter::once(&kind).chain(key) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Hashes the small integer ids the query's maps are keyed by.
#[derive(Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_u32(&mut self, i: u32) {
        self.0 = u64::from(i).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

type IdBuild = BuildHasherDefault<IdHasher>;
