//! Screening through the index: it finds what a pairwise comparison finds, one hit per entry,
//! best first, and scores only a small share of a large list.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::thread;

use chrono::NaiveDate;
use gatehouse_matching::{
    Birth, DEFAULT_THRESHOLD, Entry, ListName, NameQuality, Query, Screener, compare,
};

const GIVEN: &[&str] = &[
    "Marko", "Milan", "Nikola", "Stefan", "Jovan", "Dragan", "Zoran", "Goran", "Nenad", "Dejan",
    "Ana", "Jelena", "Milica", "Ivana", "Marija", "Mohamed", "Ahmed", "Hasan", "Ali", "Omar",
    "Fatima", "Aisha", "Yusuf", "Ibrahim", "Arben", "Besnik", "Fatmir", "Driton", "Valon", "Ivan",
    "Sergei", "Dmitri", "Olga", "Natalia", "Georgios", "Nikos", "Eleni", "Ahmet",
];
const ONSETS: &[&str] = &[
    "b", "br", "d", "dr", "g", "gr", "k", "kr", "l", "m", "n", "p", "pr", "r", "s", "st", "t",
    "tr", "v", "z", "h", "j", "c", "š", "ž", "đ", "lj", "nj",
];
const VOWELS: &[&str] = &["a", "e", "i", "o", "u"];
const ENDINGS: &[&str] = &[
    "ović", "ević", "ić", "ski", "ov", "in", "aj", "i", "an", "ani",
];

/// Deterministic names: a given name and a surname of two syllables and an ending.
fn synthetic(count: usize) -> Vec<Entry> {
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    (0..count)
        .map(|i| {
            let surname = format!(
                "{}{}{}{}{}",
                ONSETS[next(ONSETS.len())],
                VOWELS[next(VOWELS.len())],
                ONSETS[next(ONSETS.len())],
                VOWELS[next(VOWELS.len())],
                ENDINGS[next(ENDINGS.len())],
            );
            let mut surname = surname;
            if let Some(first) = surname.chars().next() {
                surname = first
                    .to_uppercase()
                    .chain(surname.chars().skip(1))
                    .collect();
            }
            let name = format!("{} {surname}", GIVEN[next(GIVEN.len())]);
            Entry {
                id: format!("S{i}"),
                names: vec![ListName::new(name, NameQuality::Primary)],
                births: vec![Birth::Year(1950 + next(50) as i32)],
                ..Entry::default()
            }
        })
        .collect()
}

fn listed(id: &str, names: &[&str]) -> Entry {
    Entry {
        id: id.into(),
        names: names
            .iter()
            .map(|n| ListName::new(*n, NameQuality::Primary))
            .collect(),
        ..Entry::default()
    }
}

#[test]
fn a_query_scores_a_small_share_of_a_large_list() {
    let mut entries = synthetic(50_000);
    let markos = entries
        .iter()
        .filter(|e| e.names[0].text.starts_with("Marko "))
        .count();
    let surname = entries[0].names[0]
        .text
        .split_once(' ')
        .unwrap()
        .1
        .to_owned();
    entries.push(listed("TARGET", &["Ђорђевић Милан", "Milan Djordjevic"]));
    let screener = Screener::build(entries);
    assert_eq!(screener.len(), 50_002);
    for query in ["DORDEVIC<<MILAN", "Milan Đorđević", "Gjorgjevikj Milan"] {
        let (hits, stats) = screener.screen_with_stats(&Query::name(query), DEFAULT_THRESHOLD, 10);
        assert_eq!(
            hits.first().map(|h| h.entry_id.as_str()),
            Some("TARGET"),
            "{query}"
        );
        assert!(stats.candidates < 20, "{query}: {stats:?}");
        assert!(stats.postings_read < 50, "{query}: {stats:?}");
        assert!(stats.words_compared < 100, "{query}: {stats:?}");
    }
    // A given name a thirty-eighth of the list holds brings in only the names that also hold
    // the surname.
    assert!(markos > 1_000, "{markos}");
    let query = Query::name(format!("Marko {surname}"));
    let (_, stats) = screener.screen_with_stats(&query, DEFAULT_THRESHOLD, 10);
    assert!(stats.candidates < 50, "{stats:?}");
    assert!(stats.postings_read < 100, "{stats:?}");
}

#[test]
fn screening_agrees_with_comparison() {
    let entries = synthetic(5_000);
    let screener = Screener::build(entries.clone());
    let mut checked = 0;
    for entry in entries.iter().step_by(97) {
        let name = &entry.names[0].text;
        let (given, surname) = name.split_once(' ').unwrap();
        let query = Query::name(format!(
            "{}<<{}",
            surname.to_uppercase(),
            given.to_uppercase()
        ));
        let hits = screener.screen(&query, DEFAULT_THRESHOLD, 20);
        let found = hits.iter().find(|h| h.entry_id == entry.id);
        let expected = compare(&query, entry, DEFAULT_THRESHOLD).unwrap();
        assert!(expected.score >= DEFAULT_THRESHOLD, "{}", expected.score);
        assert_eq!(found.map(|h| h.score), Some(expected.score), "{}", entry.id);
        for pair in hits.windows(2) {
            assert!(pair[0].score >= pair[1].score);
        }
        checked += 1;
    }
    assert!(checked > 40);
}

#[test]
fn one_hit_per_entry_on_its_best_name() {
    let screener = Screener::build(vec![
        listed("A", &["Hasan Xhaferi", "Hasan Džaferi", "Hasan Jafari"]),
        listed("B", &["Hasan Xhafer"]),
        listed("C", &["Husein Xhaferi"]),
    ]);
    let hits = screener.screen(&Query::name("Хасан Џафери"), DEFAULT_THRESHOLD, 10);
    let ids: Vec<&str> = hits.iter().map(|h| h.entry_id.as_str()).collect();
    assert_eq!(ids, ["A"]);
    assert_eq!(hits[0].explanation.alias, "Hasan Džaferi");
    assert_eq!(
        screener.screen(&Query::name("Hasan Xhaferi"), 0.5, 1).len(),
        1
    );
    assert!(
        screener
            .screen(&Query::name("Hasan Xhaferi"), 0.5, 0)
            .is_empty()
    );
}

#[test]
fn garbage_and_common_single_words_match_nothing() {
    let mut entries = synthetic(2_000);
    for (i, surname) in ["Ali", "Hassan", "Ibrahim", "Salem", "Omar"]
        .iter()
        .enumerate()
    {
        entries.push(listed(&format!("M{i}"), &[&format!("Mohamed {surname}")]));
    }
    let screener = Screener::build(entries);
    for query in [
        "", "A", "M.", "-- 42 <<", "Mohamed", "Mohammed", "Ali", "xqzv",
    ] {
        let hits = screener.screen(&Query::name(query), DEFAULT_THRESHOLD, 50);
        assert!(hits.is_empty(), "{query:?}: {}", hits.len());
    }
    let corroborated = Query {
        birth: Some(Birth::Date(NaiveDate::from_ymd_opt(1970, 3, 1).unwrap())),
        ..Query::name("Mohamed")
    };
    assert!(
        screener
            .screen(&corroborated, DEFAULT_THRESHOLD, 50)
            .is_empty()
    );
}

#[test]
fn a_document_number_finds_its_entry_whatever_the_name() {
    let mut entries = synthetic(1_000);
    let mut target = listed("DOC", &["Marko Petrović"]);
    target.documents = vec!["AB 123-4567".into()];
    entries.push(target);
    entries.push(Entry {
        id: "NONAME".into(),
        documents: vec!["ZZ9999999".into()],
        ..Entry::default()
    });
    let screener = Screener::build(entries);
    let query = Query {
        document: Some("ab1234567".into()),
        ..Query::name("Unrelated Person")
    };
    let hits = screener.screen(&query, DEFAULT_THRESHOLD, 10);
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].entry_id, "DOC");
    assert!(hits[0].score >= 0.95);
    let query = Query {
        document: Some("ZZ 9999999".into()),
        ..Query::name("")
    };
    let hits = screener.screen(&query, DEFAULT_THRESHOLD, 10);
    assert_eq!(
        hits.iter().map(|h| h.entry_id.as_str()).collect::<Vec<_>>(),
        ["NONAME"]
    );
}

#[test]
fn a_screener_is_shared_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Screener>();
    let mut entries = synthetic(3_000);
    entries.push(listed("T", &["Владимир Путин"]));
    let screener = Arc::new(Screener::build(entries));
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let screener = Arc::clone(&screener);
            thread::spawn(move || {
                let hits = screener.screen(&Query::name("PUTIN<<VLADIMIR"), DEFAULT_THRESHOLD, 5);
                hits.first().map(|h| h.entry_id.clone())
            })
        })
        .collect();
    for worker in workers {
        assert_eq!(worker.join().unwrap().as_deref(), Some("T"));
    }
}
