//! Watchlist importers against the real lists in `$GATEHOUSE_FIXTURES/watchlists` (UN
//! consolidated list of 2026-02-27, OFAC SDN files of 2019 and 2021), and property tests: any
//! input gives `Ok` or `Err`, never a panic; lists cut short fail; JSON Lines written from any
//! entry read back as the same entry.
//!
//! When `CI=true` a missing variable, folder or file fails the test; elsewhere the test returns
//! early. Values asserted here are read from the fixtures, which are not copied into the repo.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::NaiveDate;
use gatehouse_formats::watchlist::{
    self, BirthDate, DocumentKind, EntryKind, Gender, ListedDocument, ListedName, NameQuality,
    WatchlistEntry, gatehouse, ofac, un,
};
use proptest::prelude::*;
use proptest::test_runner::Config;

mod fixtures;

fn bytes(name: &str) -> Option<Vec<u8>> {
    let path = fixtures::dir("watchlists")?.join(name);
    match std::fs::read(&path) {
        Ok(bytes) => Some(bytes),
        Err(error) => {
            assert!(
                !fixtures::in_ci(),
                "fixture {} is missing in CI: {error}",
                path.display()
            );
            None
        }
    }
}

fn un_list() -> Option<Vec<WatchlistEntry>> {
    let text = fixtures::text("watchlists", "un_consolidated_2026-02-27.xml")?;
    Some(un::parse(&text).unwrap())
}

/// OFAC 2019 with alt.csv and add.csv, or without both.
fn ofac_2019(with_alt_and_add: bool) -> Option<Vec<WatchlistEntry>> {
    let sdn = bytes("ofac_sdn_2019/sdn.csv")?;
    if !with_alt_and_add {
        return Some(ofac::parse(&sdn, None, None).unwrap());
    }
    let (alt, add) = (
        bytes("ofac_sdn_2019/alt.csv")?,
        bytes("ofac_sdn_2019/add.csv")?,
    );
    Some(ofac::parse(&sdn, Some(&alt), Some(&add)).unwrap())
}

fn ofac_2021() -> Option<Vec<WatchlistEntry>> {
    Some(ofac::parse(&bytes("ofac_sdn_2021/sdn.csv")?, None, None).unwrap())
}

fn entry<'a>(entries: &'a [WatchlistEntry], id: &str) -> &'a WatchlistEntry {
    entries
        .iter()
        .find(|entry| entry.id == id)
        .unwrap_or_else(|| panic!("{id} is not in the list"))
}

fn count(entries: &[WatchlistEntry], kind: EntryKind) -> usize {
    entries.iter().filter(|entry| entry.kind == kind).count()
}

fn aliases(entries: &[WatchlistEntry], quality: NameQuality) -> usize {
    entries
        .iter()
        .flat_map(|entry| &entry.names)
        .filter(|name| name.quality == quality)
        .count()
}

fn names(entry: &WatchlistEntry) -> Vec<(&str, NameQuality)> {
    entry
        .names
        .iter()
        .map(|name| (name.full.as_str(), name.quality))
        .collect()
}

fn documents(entry: &WatchlistEntry) -> Vec<(DocumentKind, &str, Option<&str>)> {
    entry
        .documents
        .iter()
        .map(|d| (d.kind.clone(), d.number.as_str(), d.country.as_deref()))
        .collect()
}

fn edtf(entry: &WatchlistEntry) -> Vec<String> {
    entry.birth_dates.iter().map(BirthDate::to_edtf).collect()
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

#[test]
fn un_list_counts() {
    let Some(list) = un_list() else {
        return;
    };
    assert_eq!(list.len(), 1003);
    assert_eq!(count(&list, EntryKind::Person), 730);
    assert_eq!(count(&list, EntryKind::Organisation), 273);
    // 2,752 non-empty ALIAS_NAMEs, 11 of them repeating a name of the same entry.
    assert_eq!(aliases(&list, NameQuality::Strong), 2126);
    assert_eq!(aliases(&list, NameQuality::Weak), 615);
    let scripts = list
        .iter()
        .filter(|entry| entry.names[0].original_script.is_some())
        .count();
    assert_eq!(scripts, 378);
    assert!(list.iter().all(|entry| entry.listed_on.is_some()));
    assert!(list.iter().all(|entry| entry.programmes.len() == 1));
}

#[test]
fn un_individual_with_four_name_parts_and_low_aliases() {
    let Some(list) = un_list() else {
        return;
    };
    let hijazi = entry(&list, "QDi.029");
    assert_eq!(hijazi.kind, EntryKind::Person);
    let primary = &hijazi.names[0];
    assert_eq!(primary.full, "RAED MUHAMMAD HASAN MUHAMMAD HIJAZI");
    assert_eq!(
        primary.parts,
        ["RAED", "MUHAMMAD HASAN", "MUHAMMAD", "HIJAZI"]
    );
    assert_eq!(
        primary.original_script.as_deref(),
        Some("رائد محمد حسن محمد حجازي")
    );
    assert_eq!(
        names(hijazi)[1..],
        [
            ("Raed M. Hijazi", NameQuality::Strong),
            ("Ri’ad Muhammad Hasan Muhammad Hijazi", NameQuality::Strong),
            ("Rashid Al-Maghribi", NameQuality::Weak),
            ("Abu-Ahmad Al-Amriki", NameQuality::Weak),
            ("Abu-Ahmad Al-Hawen", NameQuality::Weak),
            ("Abu-Ahmad Al-Shahid", NameQuality::Weak),
        ]
    );
    assert_eq!(hijazi.birth_dates, [BirthDate::Exact(date(1968, 12, 30))]);
    assert_eq!(hijazi.nationalities, ["Jordan", "United States of America"]);
    assert_eq!(
        documents(hijazi),
        [
            (DocumentKind::NationalId, "548-91-5411", None),
            (DocumentKind::NationalId, "9681029476", None),
        ]
    );
    assert_eq!(hijazi.programmes, ["Al-Qaida"]);
    assert_eq!(hijazi.listed_on, Some(date(2001, 10, 17)));
}

#[test]
fn un_documents_gender_dates_and_addresses() {
    let Some(list) = un_list() else {
        return;
    };
    let bahaji = entry(&list, "QDi.080");
    assert_eq!(
        documents(bahaji),
        [
            (
                DocumentKind::Passport,
                "Provisional passport No.: 28642163",
                Some("Germany")
            ),
            (DocumentKind::Passport, "954242", Some("Morocco")),
            (DocumentKind::NationalId, "1336597587", Some("Germany")),
        ]
    );
    assert_eq!(bahaji.nationalities, ["Germany", "Morocco"]);
    assert_eq!(bahaji.address_countries, ["Germany"]);

    let badege = entry(&list, "CDi.001");
    assert_eq!(badege.names[0].full, "ERIC BADEGE");
    assert_eq!(badege.names.len(), 1);
    assert_eq!(badege.gender, Some(Gender::Male));
    assert_eq!(badege.birth_dates, [BirthDate::Year(1971)]);
    assert_eq!(badege.nationalities, ["Democratic Republic of the Congo"]);
    assert_eq!(badege.address_countries, ["Rwanda"]);
    assert_eq!(badege.programmes, ["DRC"]);

    // BETWEEN and APPROXIMATELY.
    assert_eq!(edtf(entry(&list, "TAi.025")), ["1958/1963", "1970~"]);
    // LISTED_ON with a time zone ("2015-04-07-04:00").
    assert_eq!(entry(&list, "QDi.352").listed_on, Some(date(2015, 4, 7)));
}

#[test]
fn un_entity_with_original_script_and_former_names() {
    let Some(list) = un_list() else {
        return;
    };
    let aqim = entry(&list, "QDe.014");
    assert_eq!(aqim.kind, EntryKind::Organisation);
    assert_eq!(
        aqim.names[0].original_script.as_deref(),
        Some("تنظيم القا عدة ببلاد المغرب الاسلامي")
    );
    assert!(aqim.names[0].parts.is_empty());
    assert_eq!(
        names(aqim),
        [
            (
                "THE ORGANIZATION OF AL-QAIDA IN THE ISLAMIC MAGHREB",
                NameQuality::Primary
            ),
            ("AQIM", NameQuality::Strong),
            ("Al Qaïda au Maghreb islamique (AQMI)", NameQuality::Strong),
            (
                "Le Groupe Salafiste pour La Prédication et le Combat (GSPC)",
                NameQuality::Strong
            ),
            ("Salafist Group For Call and Combat", NameQuality::Strong),
        ]
    );
    assert_eq!(
        aqim.address_countries,
        [
            "Algeria",
            "Mali",
            "Mauritania",
            "Morocco",
            "Niger",
            "Tunisia"
        ]
    );
    assert!(aqim.birth_dates.is_empty() && aqim.documents.is_empty());
}

#[test]
fn ofac_2019_counts_with_alt_and_add() {
    let Some(list) = ofac_2019(true) else {
        return;
    };
    assert_eq!(list.len(), 7379);
    assert_eq!(count(&list, EntryKind::Person), 3845);
    assert_eq!(count(&list, EntryKind::Organisation), 2994);
    assert_eq!(count(&list, EntryKind::Vessel), 323);
    assert_eq!(count(&list, EntryKind::Aircraft), 217);
    // 9,682 alt.csv rows, 7 of them repeating a name of their entry.
    assert_eq!(aliases(&list, NameQuality::Strong), 9675);
    assert_eq!(aliases(&list, NameQuality::Weak), 2037);
    let with_imo = list
        .iter()
        .filter(|entry| entry.imo_number.is_some())
        .count();
    assert_eq!(with_imo, 327);
}

#[test]
fn ofac_2019_individuals() {
    let Some(list) = ofac_2019(true) else {
        return;
    };
    let zawahiri = entry(&list, "2676");
    assert_eq!(zawahiri.kind, EntryKind::Person);
    let primary = &zawahiri.names[0];
    assert_eq!(primary.full, "AL ZAWAHIRI, Dr. Ayman");
    assert_eq!(primary.family.as_deref(), Some("AL ZAWAHIRI"));
    assert_eq!(primary.given.as_deref(), Some("Dr. Ayman"));
    assert_eq!(
        names(zawahiri)[1..],
        [
            ("AL-ZAWAHIRI, Ayman", NameQuality::Strong),
            ("SALIM, Ahmad Fuad", NameQuality::Strong),
            ("AL-ZAWAHIRI, Aiman Muhammad Rabi", NameQuality::Strong),
        ]
    );
    assert_eq!(zawahiri.birth_dates, [BirthDate::Exact(date(1951, 6, 19))]);
    assert_eq!(
        documents(zawahiri),
        [
            (DocumentKind::Passport, "1084010", Some("Egypt")),
            (DocumentKind::Passport, "19820215", None),
        ]
    );
    assert_eq!(zawahiri.programmes, ["SDGT", "SDT"]);

    let nasrallah = entry(&list, "2686");
    assert_eq!(
        edtf(nasrallah),
        ["1960-08-31", "1953-08-31", "1955-08-31", "1958-08-31"]
    );
    assert_eq!(nasrallah.gender, Some(Gender::Male));
    assert_eq!(nasrallah.programmes, ["SDGT", "SDT", "SYRIA"]);
    assert_eq!(
        documents(nasrallah),
        [(DocumentKind::Passport, "042833", Some("Lebanon"))]
    );
    assert_eq!(
        names(nasrallah)[1],
        ("NASRALLAH, Hasan Abd-al-Karim", NameQuality::Strong)
    );

    let fawaz = entry(&list, "16452");
    assert_eq!(fawaz.nationalities, ["Lebanon", "Nigeria", "Sierra Leone"]);
    assert_eq!(
        documents(fawaz),
        [
            (DocumentKind::Passport, "RL 2101602", Some("Lebanon")),
            (DocumentKind::Passport, "RL 0148105", Some("Lebanon")),
            (DocumentKind::Passport, "0168459", Some("Sierra Leone")),
            (DocumentKind::Passport, "0257909", Some("Sierra Leone")),
        ]
    );
}

#[test]
fn ofac_2019_entities_and_vessels() {
    let Some(list) = ofac_2019(true) else {
        return;
    };
    let bank = entry(&list, "306");
    assert_eq!(bank.kind, EntryKind::Organisation);
    assert_eq!(
        names(bank),
        [
            ("BANCO NACIONAL DE CUBA", NameQuality::Primary),
            ("NATIONAL BANK OF CUBA", NameQuality::Strong),
            ("BNC", NameQuality::Weak),
        ]
    );
    assert_eq!(
        bank.address_countries,
        ["Switzerland", "Spain", "Japan", "Panama"]
    );
    assert_eq!(bank.programmes, ["CUBA"]);

    let artavil = entry(&list, "15036");
    assert_eq!(artavil.kind, EntryKind::Vessel);
    assert_eq!(artavil.names[0].full, "ARTAVIL");
    assert_eq!(artavil.imo_number.as_deref(), Some("9187629"));
    assert_eq!(artavil.nationalities, ["Iran"]);
    assert_eq!(
        documents(artavil),
        [
            (
                DocumentKind::Other("call sign".into()),
                "T2EU4",
                Some("Iran")
            ),
            (DocumentKind::Other("MMSI".into()), "572469210", None),
        ]
    );
    // A former name written only in the remarks, and also in alt.csv: strong wins.
    let sand_swan = entry(&list, "4243");
    assert_eq!(
        names(sand_swan),
        [
            ("SAND SWAN", NameQuality::Primary),
            ("ANA I", NameQuality::Strong)
        ]
    );
}

#[test]
fn ofac_2021_reads_crlf_and_the_end_of_file_byte() {
    let Some(list) = ofac_2021() else {
        return;
    };
    assert_eq!(list.len(), 8976);
    assert_eq!(count(&list, EntryKind::Person), 4620);
    assert_eq!(count(&list, EntryKind::Organisation), 3673);
    assert_eq!(count(&list, EntryKind::Vessel), 406);
    assert_eq!(count(&list, EntryKind::Aircraft), 277);
    assert_eq!(aliases(&list, NameQuality::Strong), 0);
    let gendered = list.iter().filter(|entry| entry.gender.is_some()).count();
    assert_eq!(gendered, 1513);
    let slizhevsky = entry(&list, "10138");
    assert_eq!(
        slizhevsky.birth_dates,
        [BirthDate::Exact(date(1972, 8, 16))]
    );
    assert_eq!(slizhevsky.gender, Some(Gender::Male));
    assert_eq!(slizhevsky.nationalities, ["Belarus"]);
}

/// 2021 comes without alt.csv. Comparing it with 2019 read with alt.csv would call every entry
/// with a strong alias "changed" although only the file set differs; the fair comparison reads
/// both years from sdn.csv alone. A change is a change of what the model holds: a new title or
/// a remark the importer does not read is not one (836 sdn.csv rows differ in some column).
#[test]
fn ofac_2019_to_2021_diff() {
    let (Some(old), Some(new)) = (ofac_2019(false), ofac_2021()) else {
        return;
    };
    let changes = watchlist::diff(&old, &new);
    assert_eq!(
        (
            changes.added.len(),
            changes.changed.len(),
            changes.removed.len()
        ),
        (1858, 348, 261)
    );
    assert_eq!(
        old.len() - changes.removed.len() + changes.added.len(),
        new.len()
    );
    assert_eq!(changes.added[..3], ["18299", "21844", "21845"]);
    // Gained a date of birth and a gender; added a programme.
    for id in ["10138", "10153"] {
        assert!(changes.changed.iter().any(|changed| changed == id), "{id}");
    }
    assert_eq!(changes.removed[..3], ["10096", "10263", "10323"]);
    let mut sorted = changes.added.clone();
    sorted.sort();
    assert_eq!(sorted, changes.added);

    // What the unfair comparison would report: the same ids come and go, and most of those that
    // stay look changed because their alt.csv aliases are missing in 2021.
    let Some(with_alt) = ofac_2019(true) else {
        return;
    };
    let inflated = watchlist::diff(&with_alt, &new);
    assert_eq!(inflated.added, changes.added);
    assert_eq!(inflated.removed, changes.removed);
    assert_eq!(inflated.changed.len(), 6006);
}

#[test]
fn un_list_through_json_lines_reads_back_the_same() {
    let Some(list) = un_list() else {
        return;
    };
    let read = gatehouse::parse_jsonl(&gatehouse::write_jsonl(&list)).unwrap();
    assert_eq!(read.len(), list.len());
    for (read, listed) in read.iter().zip(&list) {
        // Field by field, to name what differs without printing it.
        let same = [
            ("id", read.id == listed.id),
            ("kind", read.kind == listed.kind),
            ("names", read.names == listed.names),
            ("birth_dates", read.birth_dates == listed.birth_dates),
            ("nationalities", read.nationalities == listed.nationalities),
            ("gender", read.gender == listed.gender),
            ("documents", read.documents == listed.documents),
            ("imo_number", read.imo_number == listed.imo_number),
            ("programmes", read.programmes == listed.programmes),
            ("listed_on", read.listed_on == listed.listed_on),
            (
                "address_countries",
                read.address_countries == listed.address_countries,
            ),
        ];
        for (field, same) in same {
            assert!(same, "{} {field}", listed.id);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Properties.

fn config(cases: u32) -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|cases| cases.parse().ok())
        .unwrap_or(cases);
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

fn exercise(bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    let _ = un::parse(&text);
    let _ = ofac::parse(bytes, Some(bytes), Some(bytes));
    let _ = gatehouse::parse_csv(&text);
    let _ = gatehouse::parse_jsonl(&text);
}

/// Fragments of the four formats: reaches deeper into the parsers than random bytes do.
fn list_like() -> impl Strategy<Value = String> {
    let fragment = prop::sample::select(vec![
        "<CONSOLIDATED_LIST>",
        "</CONSOLIDATED_LIST>",
        "<INDIVIDUALS>",
        "</INDIVIDUALS>",
        "<INDIVIDUAL>",
        "</INDIVIDUAL>",
        "<ENTITIES><ENTITY>",
        "<FIRST_NAME>A</FIRST_NAME>",
        "<REFERENCE_NUMBER>QDi.1</REFERENCE_NUMBER>",
        "<INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>BETWEEN</TYPE_OF_DATE><FROM_YEAR>1960",
        "</FROM_YEAR><TO_YEAR>1950</TO_YEAR></INDIVIDUAL_DATE_OF_BIRTH>",
        "<DATE>1961-02-30</DATE>",
        "<NOTE>Feb 1960</NOTE>",
        "&amp;",
        "&#0;",
        "&#x1F600;",
        "<![CDATA[x]]>",
        "<!--",
        "1,\"A, B\",\"individual\",\"SDGT] [X\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,",
        "\"DOB circa 1960-1950; Passport (; a.k.a. '; nationality ; Gender X.\"",
        "DOB 31 Feb 1964 to Jan; National ID No. ) (",
        "1,1,\"aka\",\"X\",-0-",
        "id,name,aliases,birth_date,nationality,document_number",
        "A,B,C|D,1971|1971-02-29,,",
        "{\"id\":\"A\",\"kind\":\"person\",\"names\":[{\"full\":\"B\"}]",
        ",\"birth_dates\":[\"1964~\",\"1970/1960\"]}",
        "\"",
        ",",
        "|",
        "\r\n",
        "\n",
        "\u{1a}",
        "\u{feff}",
    ])
    .prop_map(str::to_owned);
    let token = prop_oneof![
        6 => fragment,
        1 => "[0-9]{1,8}",
        1 => any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(token, 0..40).prop_map(|tokens| tokens.concat())
}

fn name() -> impl Strategy<Value = String> {
    "[A-Za-zÀ-ÿ'\\-]{1,8}( [A-Za-zÀ-ÿ'\\-]{1,8}){0,3}"
}

fn listed_name(quality: NameQuality) -> impl Strategy<Value = ListedName> {
    (
        name(),
        prop::option::of(name()),
        prop::option::of(name()),
        prop::collection::vec(name(), 0..3),
        prop::option::of("[а-я]{2,6}|[ا-ي]{2,6}"),
    )
        .prop_map(move |(full, given, family, parts, script)| ListedName {
            full,
            given,
            family,
            parts,
            quality,
            original_script: script,
        })
}

fn birth_date() -> impl Strategy<Value = BirthDate> {
    prop_oneof![
        (1900i32..2010, 1u32..=12, 1u32..=28)
            .prop_map(|(y, m, d)| BirthDate::Exact(NaiveDate::from_ymd_opt(y, m, d).unwrap())),
        (1900i32..2010, 1u32..=12).prop_map(|(y, m)| BirthDate::Month(y, m)),
        (1900i32..2010).prop_map(BirthDate::Year),
        (1900i32..2010).prop_map(BirthDate::Circa),
        (1900i32..2000, 0i32..10).prop_map(|(y, span)| BirthDate::Between(y, y + span)),
    ]
}

fn document() -> impl Strategy<Value = ListedDocument> {
    let kind = prop_oneof![
        Just(DocumentKind::Passport),
        Just(DocumentKind::NationalId),
        Just(DocumentKind::Unspecified),
        name().prop_map(DocumentKind::Other),
    ];
    (
        kind,
        "[A-Z0-9]{1,3}( ?[A-Z0-9/\\-]{1,8})?",
        prop::option::of(name()),
    )
        .prop_map(|(kind, number, country)| ListedDocument {
            kind,
            number,
            country,
        })
}

/// Entries that keep the model's invariants: distinct names, primary first, strong before weak,
/// no repeated value in a list.
fn watchlist_entry() -> impl Strategy<Value = WatchlistEntry> {
    let kind = prop::sample::select(vec![
        EntryKind::Person,
        EntryKind::Organisation,
        EntryKind::Vessel,
        EntryKind::Aircraft,
    ]);
    (
        "[A-Za-z0-9.\\-]{1,12}",
        kind,
        listed_name(NameQuality::Primary),
        prop::collection::vec(listed_name(NameQuality::Strong), 0..3),
        prop::collection::vec(listed_name(NameQuality::Weak), 0..3),
        prop::collection::hash_set(birth_date(), 0..4),
        prop::collection::hash_set(name(), 0..3),
        prop::option::of(prop::sample::select(vec![Gender::Male, Gender::Female])),
        prop::collection::vec(document(), 0..3),
        (
            prop::option::of("[0-9]{7}"),
            prop::collection::hash_set("[A-Z]{2,6}", 0..3),
            prop::option::of((1990i32..2030, 1u32..=12, 1u32..=28)),
            prop::collection::hash_set(name(), 0..3),
        ),
    )
        .prop_map(
            |(id, kind, primary, strong, weak, dates, nations, gender, docs, rest)| {
                let (imo, programmes, listed_on, countries) = rest;
                let mut entry = WatchlistEntry::new(id, kind, primary);
                for name in strong.into_iter().chain(weak) {
                    if entry.names.iter().all(|known| known.full != name.full) {
                        entry.names.push(name);
                    }
                }
                entry.birth_dates = dates.into_iter().collect();
                entry.nationalities = nations.into_iter().collect();
                entry.gender = gender;
                for document in docs {
                    if !entry.documents.contains(&document) {
                        entry.documents.push(document);
                    }
                }
                entry.imo_number = imo;
                entry.programmes = programmes.into_iter().collect();
                entry.listed_on = listed_on.map(|(y, m, d)| date(y, m, d));
                entry.address_countries = countries.into_iter().collect();
                entry
            },
        )
}

fn with_unique_ids(entries: Vec<WatchlistEntry>) -> Vec<WatchlistEntry> {
    let mut seen = std::collections::HashSet::new();
    entries
        .into_iter()
        .filter(|entry| seen.insert(entry.id.clone()))
        .collect()
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        exercise(&bytes);
    }

    #[test]
    fn arbitrary_strings_never_panic(text in any::<String>()) {
        exercise(text.as_bytes());
    }

    #[test]
    fn list_fragments_never_panic(text in list_like()) {
        exercise(text.as_bytes());
    }

    #[test]
    fn json_lines_round_trip(entries in prop::collection::vec(watchlist_entry(), 1..6)) {
        let entries = with_unique_ids(entries);
        let written = gatehouse::write_jsonl(&entries);
        prop_assert_eq!(gatehouse::parse_jsonl(&written).unwrap(), entries);
    }

    #[test]
    fn diff_of_a_list_with_itself_is_empty_and_each_change_is_found(
        entries in prop::collection::vec(watchlist_entry(), 2..8),
        changed in any::<prop::sample::Index>(),
    ) {
        let old = with_unique_ids(entries);
        prop_assert!(watchlist::diff(&old, &old).is_empty());
        let mut new = old.clone();
        let index = changed.index(new.len());
        new[index].programmes.push("ADDED-IN-TEST".into());
        let removed = new.remove(0);
        let changes = watchlist::diff(&old, &new);
        prop_assert_eq!(changes.removed, vec![removed.id.clone()]);
        let expected: Vec<String> = if index == 0 { vec![] } else { vec![new[index - 1].id.clone()] };
        prop_assert_eq!(changes.changed, expected);
        prop_assert!(changes.added.is_empty());
    }
}

/// A UN list cut anywhere inside its root element fails (and says nothing about the values),
/// whatever the cut.
#[test]
fn un_list_cut_short_fails_at_every_point() {
    let Some(text) = fixtures::text("watchlists", "un_consolidated_2026-02-27.xml") else {
        return;
    };
    let end = text.rfind("</CONSOLIDATED_LIST>").unwrap();
    let mut cut = 100;
    while cut < end {
        let at = (0..=cut).rev().find(|&i| text.is_char_boundary(i)).unwrap();
        let error = un::parse(&text[..at]).unwrap_err();
        assert!(error.line >= 1, "{error}");
        cut += end / 37;
    }
}

/// An OFAC sdn.csv cut inside a row fails at that row, unless the cut falls in the last field
/// outside quotes ("-0" of "-0- "), which no reader can tell from a whole row.
#[test]
fn ofac_sdn_cut_inside_a_row_fails() {
    let Some(sdn) = bytes("ofac_sdn_2021/sdn.csv") else {
        return;
    };
    let mut checked = 0;
    let mut cut = 1000;
    while cut < sdn.len() - 10 {
        let start = sdn[..cut]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let (mut quoted, mut commas) = (false, 0);
        for &byte in &sdn[start..cut] {
            match byte {
                b'"' => quoted = !quoted,
                b',' if !quoted => commas += 1,
                _ => {}
            }
        }
        if start < cut && (quoted || commas < 11) {
            let error = ofac::parse(&sdn[..cut], None, None).unwrap_err();
            let line = sdn[..start].iter().filter(|&&b| b == b'\n').count() + 1;
            assert_eq!(error.line, line, "{error}");
            checked += 1;
        }
        cut += sdn.len() / 61;
    }
    assert!(checked > 40, "{checked}");
}
