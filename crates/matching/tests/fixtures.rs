//! Recall and precision at the default threshold on transliteration pairs written by others:
//! Wikidata names in Latin and Cyrillic or Arabic (NETransliteration, COLING 2018), Google's
//! Arabic–English name pairs, and Watchman's cross-script pairs. Read from
//! `$GATEHOUSE_FIXTURES/names`; with `CI=true` a missing folder fails the test.
//!
//! Recall: the share of pairs whose two names score at or above the threshold. Precision: every
//! Latin name of a set is put in one list, each other-script name screened against it, and the
//! share of hits that are one of the Latin names that name is paired with.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{HashMap, HashSet};
use std::env;
use std::fs;
use std::path::PathBuf;

use gatehouse_matching::{
    DEFAULT_THRESHOLD, Entry, ListName, NameQuality, Query, Screener, compare, normalise,
};

fn names_dir() -> Option<PathBuf> {
    let dir = env::var_os("GATEHOUSE_FIXTURES").map(|d| PathBuf::from(d).join("names"));
    match dir {
        Some(dir) if dir.is_dir() => Some(dir),
        _ => {
            assert_ne!(
                env::var("CI").as_deref(),
                Ok("true"),
                "GATEHOUSE_FIXTURES must hold names/ when CI=true"
            );
            None
        }
    }
}

/// (Latin, other script) pairs from a TAB-separated file; `other_first` when the other script
/// comes first. Letters spaced apart (the NETransliteration files) are joined.
fn pairs(file: &str, other_first: bool, every: usize) -> Option<Vec<(String, String)>> {
    let text = fs::read_to_string(names_dir()?.join(file)).expect("fixture file");
    let pairs = text
        .lines()
        .step_by(every)
        .filter_map(|line| {
            let mut fields = line.split('\t');
            let (a, b) = (fields.next()?, fields.next()?);
            let (latin, other) = if other_first { (b, a) } else { (a, b) };
            Some((latin.trim().to_owned(), other.replace(' ', "")))
        })
        .filter(|(latin, other)| !latin.is_empty() && !other.is_empty())
        .collect();
    Some(pairs)
}

fn entry(id: String, name: &str) -> Entry {
    Entry {
        id,
        names: vec![ListName::new(name, NameQuality::Primary)],
        ..Entry::default()
    }
}

fn score(query: &str, listed: &str) -> f64 {
    compare(
        &Query::name(query),
        &entry(String::new(), listed),
        DEFAULT_THRESHOLD,
    )
    .map_or(0.0, |h| h.score)
}

struct Measured {
    recall: f64,
    precision: f64,
    /// Share of queries whose name screening finds.
    found: f64,
}

fn measure(name: &str, pairs: &[(String, String)]) -> Measured {
    let matched = pairs
        .iter()
        .filter(|(latin, other)| score(other, latin) >= DEFAULT_THRESHOLD)
        .count();
    let recall = matched as f64 / pairs.len() as f64;

    let mut latin_names: Vec<&str> = pairs.iter().map(|(l, _)| l.as_str()).collect();
    latin_names.sort_unstable();
    latin_names.dedup();
    let screener = Screener::build(
        latin_names
            .iter()
            .map(|l| entry((*l).to_owned(), l))
            .collect(),
    );
    let mut expected: HashMap<&str, HashSet<&str>> = HashMap::new();
    for (latin, other) in pairs {
        expected.entry(other).or_default().insert(latin);
    }
    let (mut hits, mut right, mut found) = (0usize, 0usize, 0usize);
    let show = env::var_os("MATCHING_SHOW_MISSES").is_some();
    let mut shown = 0;
    for (other, latins) in &expected {
        let mut any = false;
        for hit in screener.screen(&Query::name(*other), DEFAULT_THRESHOLD, 10) {
            hits += 1;
            if latins.contains(hit.entry_id.as_str()) {
                right += 1;
                any = true;
            } else if show && shown < 300 {
                shown += 1;
                println!(
                    "  false {other} ({}) -> {} ({}) {:.2} {:?}",
                    normalise(other).tokens.join(" "),
                    hit.entry_id,
                    hit.explanation.candidate.tokens.join(" "),
                    hit.score,
                    latins
                );
            }
        }
        found += usize::from(any);
    }
    let precision = right as f64 / hits.max(1) as f64;
    let found = found as f64 / expected.len() as f64;
    println!(
        "{name}: {} pairs, recall {recall:.3}; {} queries against {} names: {hits} hits, \
         precision {precision:.3}, found {found:.3}",
        pairs.len(),
        expected.len(),
        latin_names.len(),
    );
    if env::var_os("MATCHING_SHOW_MISSES").is_some() {
        for (latin, other) in pairs.iter().take(3000) {
            let s = score(other, latin);
            if s < DEFAULT_THRESHOLD {
                println!(
                    "  miss {latin} / {other} ({}) {s:.2}",
                    normalise(other).tokens.join(" ")
                );
            }
        }
    }
    Measured {
        recall,
        precision,
        found,
    }
}

/// Floors just below what was measured (recall, precision, found), so that a change that
/// loses either fails.
fn assert_floors(m: &Measured, recall: f64, precision: f64, found: f64) {
    assert!(m.recall >= recall, "recall {:.3} < {recall}", m.recall);
    assert!(
        m.precision >= precision,
        "precision {:.3} < {precision}",
        m.precision
    );
    assert!(m.found >= found, "found {:.3} < {found}", m.found);
}

#[test]
fn russian_wikidata_names() {
    let Some(pairs) = pairs("netransliteration/wd_russian_20", false, 1) else {
        return;
    };
    let m = measure("wd_russian_20", &pairs);
    assert_floors(&m, 0.56, 0.86, 0.57);
}

#[test]
fn arabic_wikidata_names() {
    let Some(pairs) = pairs(
        "netransliteration/wd_arabic.normalized.aligned.tokens",
        false,
        1,
    ) else {
        return;
    };
    let m = measure("wd_arabic", &pairs);
    assert_floors(&m, 0.57, 0.41, 0.58);
}

#[test]
fn arabic_english_names() {
    let Some(pairs) = pairs("google_ar2en/ar2en-eval.txt", true, 1) else {
        return;
    };
    let m = measure("ar2en-eval", &pairs);
    assert_floors(&m, 0.62, 0.93, 0.59);
}

/// Watchman's cross-script pairs: those in transliterated scripts must match; Han, Hangul, Kana
/// and Thai are not transliterated, and their comparisons must say so.
#[test]
fn cross_script_pairs() {
    let Some(dir) = names_dir() else {
        return;
    };
    let text = fs::read_to_string(dir.join("watchman_cross_script_pairs.csv")).expect("fixture");
    let (mut transliterated, mut matched, mut compared_as_written) = (0, 0, 0);
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut fields = line.split(',');
        let (Some(query), Some(expected)) = (fields.next(), fields.next()) else {
            continue;
        };
        let hit = compare(
            &Query::name(query),
            &entry(String::new(), expected),
            DEFAULT_THRESHOLD,
        )
        .expect("both names have words");
        let script = normalise(query).script.expect("a script");
        if script.is_transliterated() {
            transliterated += 1;
            if hit.score >= DEFAULT_THRESHOLD {
                matched += 1;
            } else {
                println!("  miss {query} / {expected}: {}", hit.score);
            }
        } else {
            compared_as_written += 1;
            let note = format!(
                "query script {} is not transliterated: compared as written",
                script.name()
            );
            assert!(
                hit.explanation.notes.contains(&note),
                "{query}: {:?}",
                hit.explanation.notes
            );
            assert!(hit.score < DEFAULT_THRESHOLD, "{query}");
        }
    }
    println!("cross-script: {matched} of {transliterated} transliterated pairs match");
    assert_eq!((transliterated, compared_as_written), (12, 10));
    assert!(matched >= 11, "{matched} of {transliterated}");
}
