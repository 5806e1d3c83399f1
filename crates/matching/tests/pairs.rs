//! Pairs of names that are one person written differently (they must reach the threshold) and
//! pairs that are two people (they must not), with what the explanation says about them.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::NaiveDate;
use gatehouse_matching::{
    ALGORITHM, Birth, DEFAULT_THRESHOLD, Entry, Gender, How, ListName, NameQuality, Query, Script,
    compare, normalise,
};

fn entry(name: &str) -> Entry {
    Entry {
        id: "E1".into(),
        names: vec![ListName::new(name, NameQuality::Primary)],
        ..Entry::default()
    }
}

fn score(query: &str, listed: &str) -> f64 {
    compare(&Query::name(query), &entry(listed), DEFAULT_THRESHOLD).map_or(0.0, |h| h.score)
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// One person, each way lists, passports and bookings write them.
const SAME: &[(&str, &str)] = &[
    // Serbian Cyrillic, Latin, MRZ, airline and Macedonian romanisations.
    ("Ђорђевић Милан", "Milan Đorđević"),
    ("DORDEVIC MILAN", "Milan Đorđević"),
    ("DJORDJEVIC MILAN", "Milan Đorđević"),
    ("Djordjevic Milan", "Ђорђевић Милан"),
    ("Gjorgjevikj Milan", "Milan Đorđević"),
    ("DORDEVIC<<MILAN", "Ђорђевић Милан"),
    // Albanian, Serbian Latin and Cyrillic.
    ("Хоџа", "Hoxha"),
    ("Hodža", "Hoxha"),
    ("Hodza Enver", "Enver Hoxha"),
    ("Џафери", "Xhaferi"),
    ("Dzaferi", "Xhaferi"),
    ("Džaferi Ali", "Ali Xhaferi"),
    ("Qerim Lleshi", "Ćerim Lleshi"),
    // Arabic names and their spellings.
    ("Yusuf", "Youssef"),
    ("يوسف", "Youssef"),
    ("Yousef", "Yusuf"),
    ("محمد علي", "Mohamed Ali"),
    ("Muhammad Ali", "Mohammed Aly"),
    ("Mehmed Alija", "Mohamed Ali"),
    ("Hassan Khaled", "Hasan Khalid"),
    ("Abdullah Omar", "Abd Allah Umar"),
    ("Abdallah Omar", "Abdullah Omar"),
    ("عبد الله", "Abdullah"),
    ("Usama bin Laden", "Osama bin Ladin"),
    ("أحمد حسن", "Ahmed Hassan"),
    ("خالد محمود", "Khaled Mahmoud"),
    ("Abd al-Rahman al-Masri", "Abdulrahman Masri"),
    // Russian, Ukrainian, Bulgarian, Greek.
    ("Владимир Путин", "Vladimir Putin"),
    ("Vladimir Putin", "Wladimir Putin"),
    ("Александр Петров", "Alexander Petrov"),
    ("Дмитрий Медведев", "Dmitry Medvedev"),
    ("Dmitriy Medvedev", "Dmitrii Medvedev"),
    ("Юлия Тимошенко", "Yulia Tymoshenko"),
    ("Сергей Лавров", "Sergei Lavrov"),
    ("Евгений Пригожин", "Yevgeny Prigozhin"),
    ("Христо Стоичков", "Hristo Stoichkov"),
    ("Νικόλαος Παππάς", "Nikolaos Pappas"),
    ("Γεώργιος Παπαδόπουλος", "Georgios Papadopoulos"),
    // MRZ forms and ICAO transliteration.
    ("PETROVIC<<MARKO", "Marko Petrović"),
    ("MUELLER<<HANS", "Hans Müller"),
    ("SCHROEDER<<GERHARD", "Gerhard Schröder"),
    (
        "HASSAN<<MOHAMMED<ALI<ABDULRAHMA",
        "Mohammed Ali Abdulrahman Hassan",
    ),
    // Order, particles, middle names.
    ("Petrović Marko", "Marko Petrović"),
    ("PETROVIC, Marko", "Marko Petrović"),
    ("Marko Petrović", "Marko Jovan Petrović"),
    ("Ludwig van Beethoven", "Ludwig Beethoven"),
    ("Ursula von der Leyen", "Ursula VON DER LEYEN"),
    ("Abu Bakr al-Baghdadi", "Abubakr Baghdadi"),
];

/// Two people: one letter apart that is no transliteration, or too little in common.
const DIFFERENT: &[(&str, &str)] = &[
    ("Marko Petrović", "Darko Petrović"),
    ("Marko Petrović", "Mirko Petrović"),
    ("Marko Petrović", "Marko Petković"),
    ("Petrović", "Petković"),
    ("Ivana Jovanović", "Ivan Jovanović"),
    ("Milan Petrov", "Milan Petrova"),
    ("Ana Marković", "Anja Marković"),
    ("Lana Ilić", "Lena Ilić"),
    ("Milan Jovanović", "Milena Jovanović"),
    ("Hasan Ahmeti", "Husein Ahmeti"),
    ("Mahmoud Abbas", "Mohamed Abbas"),
    ("Omar Khalil", "Amir Khalil"),
    ("Marko Ivan Petrović", "Darko Ivan Petrović"),
    ("Ivan Petrovich Sidorov", "Oleg Petrovich Sidorov"),
    ("Zoran Petrović", "Marko Petrović"),
    ("Petrović", "Marko Petrović"),
    ("Mohamed", "Mohamed Ali"),
    ("M. Petrović", "Marko Petrović"),
    ("Дарко Петровић", "Marko Petrović"),
    ("A", "Ali Hassan"),
];

#[test]
fn the_same_person_reaches_the_threshold() {
    let failed: Vec<String> = SAME
        .iter()
        .map(|(q, l)| (q, l, score(q, l)))
        .filter(|(_, _, s)| *s < DEFAULT_THRESHOLD)
        .map(|(q, l, s)| format!("{q} / {l}: {s}"))
        .collect();
    assert!(failed.is_empty(), "{failed:#?}");
}

#[test]
fn different_people_stay_below_it() {
    let failed: Vec<String> = DIFFERENT
        .iter()
        .map(|(q, l)| (q, l, score(q, l)))
        .filter(|(_, _, s)| *s >= DEFAULT_THRESHOLD)
        .map(|(q, l, s)| format!("{q} / {l}: {s}"))
        .collect();
    assert!(failed.is_empty(), "{failed:#?}");
}

#[test]
fn the_same_name_born_years_apart_is_another_person() {
    let query = Query {
        birth: Some(Birth::Year(1970)),
        ..Query::name("Marko Petrović")
    };
    let mut listed = entry("Marko Petrović");
    listed.births = vec![Birth::Year(1985)];
    let hit = compare(&query, &listed, DEFAULT_THRESHOLD).unwrap();
    assert!(hit.score < DEFAULT_THRESHOLD, "{}", hit.score);
    listed.births = vec![Birth::Date(date(1971, 6, 2))];
    let hit = compare(&query, &listed, DEFAULT_THRESHOLD).unwrap();
    assert_eq!(hit.score, 1.0);
    assert_eq!(hit.explanation.features["birth"], 0.0);
}

#[test]
fn a_common_name_alone_needs_corroboration() {
    let mut listed = entry("Mohamed Ali Hassan");
    listed.births = vec![Birth::Date(date(1970, 3, 1))];
    listed.nationalities = vec!["EGY".into()];
    let alone = compare(&Query::name("Mohamed"), &listed, DEFAULT_THRESHOLD).unwrap();
    assert!(alone.score < DEFAULT_THRESHOLD, "{}", alone.score);
    let corroborated = Query {
        birth: Some(Birth::Date(date(1970, 3, 1))),
        nationality: Some("EGY".into()),
        ..Query::name("Mohamed Hassan")
    };
    let hit = compare(&corroborated, &listed, DEFAULT_THRESHOLD).unwrap();
    assert!(hit.score >= DEFAULT_THRESHOLD, "{}", hit.score);
}

#[test]
fn a_listed_document_number_is_a_hit_whatever_the_name() {
    let mut listed = entry("Marko Petrović");
    listed.documents = vec!["012-345 678".into()];
    let query = Query {
        document: Some("012345678".into()),
        gender: Some(Gender::Male),
        ..Query::name("Darko Pavlović")
    };
    let hit = compare(&query, &listed, DEFAULT_THRESHOLD).unwrap();
    assert!(hit.score >= 0.95, "{}", hit.score);
    assert_eq!(hit.explanation.features["document"], 1.0);
}

#[test]
fn explanations_say_how_each_word_matched() {
    let hit = compare(
        &Query::name("DJORDJEVIC<<MILAN<PETAR"),
        &entry("Ђорђевић Милан"),
        DEFAULT_THRESHOLD,
    )
    .unwrap();
    let e = &hit.explanation;
    assert_eq!(e.algorithm, ALGORITHM);
    assert_eq!(e.threshold, DEFAULT_THRESHOLD);
    assert_eq!(e.alias, "Ђорђевић Милан");
    assert_eq!(e.alias_quality, NameQuality::Primary);
    assert_eq!(e.query.script, Some(Script::Latin));
    assert_eq!(e.query.tokens, ["milan", "petar", "dordevic"]);
    assert_eq!(e.candidate.script, Some(Script::Cyrillic));
    assert_eq!(e.candidate.latin, "đorđević milan");
    let hows: Vec<(Option<&str>, Option<&str>, How)> = e
        .alignment
        .iter()
        .map(|a| (a.query.as_deref(), a.candidate.as_deref(), a.how))
        .collect();
    assert_eq!(
        hows,
        [
            (Some("milan"), Some("milan"), How::Exact),
            (Some("petar"), None, How::Missing),
            (Some("djordjevic"), Some("đorđević"), How::Folded),
        ]
    );
    assert!(e.features["name"] >= DEFAULT_THRESHOLD);
    assert_eq!(e.features["phonetic"], 1.0);
    assert!(e.features["edit"] > 0.8 && e.features["edit"] < 1.0);
    assert!(
        e.notes
            .iter()
            .any(|n| n == "query read as a machine readable zone: surname first")
    );
    assert!(e.notes.iter().any(|n| n == "words in another order"));

    let json = serde_json::to_value(e).unwrap();
    assert_eq!(json["alias_quality"], "primary");
    assert_eq!(json["candidate"]["script"], "cyrillic");
    assert_eq!(json["alignment"][1]["how"], "missing");
    assert_eq!(json["features"]["name"], e.features["name"]);
}

#[test]
fn extra_candidate_words_and_initials_are_explained() {
    let hit = compare(
        &Query::name("M. Petrović"),
        &entry("Marko Jovan Petrović"),
        DEFAULT_THRESHOLD,
    )
    .unwrap();
    let hows: Vec<How> = hit.explanation.alignment.iter().map(|a| a.how).collect();
    assert_eq!(hows, [How::Initial, How::Exact, How::Extra]);
    assert!(hit.score < DEFAULT_THRESHOLD);
}

#[test]
fn scripts_not_transliterated_are_compared_as_written() {
    let hit = compare(
        &Query::name("金正恩"),
        &entry("Kim Jong Un"),
        DEFAULT_THRESHOLD,
    )
    .unwrap();
    assert!(hit.score < DEFAULT_THRESHOLD);
    assert!(
        hit.explanation
            .notes
            .iter()
            .any(|n| n == "query script Han is not transliterated: compared as written"),
        "{:?}",
        hit.explanation.notes
    );
    assert_eq!(score("金正恩", "金正恩"), 1.0);
    assert_eq!(normalise("김정은").script, Some(Script::Hangul));
}

#[test]
fn weak_aliases_are_capped() {
    let mut listed = entry("Abu Muhammad al-Masri");
    listed
        .names
        .push(ListName::new("Abu Hamza", NameQuality::Weak));
    // A kunya names too many people to alert on its own (one word once "Abu" is joined)...
    let weak = compare(&Query::name("Abu Hamza"), &listed, DEFAULT_THRESHOLD).unwrap();
    assert_eq!(weak.score, 0.7);
    assert_eq!(weak.explanation.alias, "Abu Hamza");
    assert_eq!(weak.explanation.alias_quality, NameQuality::Weak);
    // ...but does with a birth year that agrees, still capped.
    listed.births = vec![Birth::Year(1958)];
    let born = Query {
        birth: Some(Birth::Year(1958)),
        ..Query::name("Abu Hamza")
    };
    let corroborated = compare(&born, &listed, DEFAULT_THRESHOLD).unwrap();
    assert_eq!(corroborated.score, 0.9);
    let close = Query {
        birth: Some(Birth::Year(1958)),
        ..Query::name("Abu Hamsa")
    };
    let close = compare(&close, &listed, DEFAULT_THRESHOLD).unwrap();
    assert!(close.score < DEFAULT_THRESHOLD, "{}", close.score);
}
