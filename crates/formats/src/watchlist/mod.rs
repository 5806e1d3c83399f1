//! Watchlists read into one model: the UN Security Council consolidated list ([`un`]), OFAC's SDN
//! list ([`ofac`]) and Gatehouse's own CSV and JSON Lines formats ([`gatehouse`]).
//!
//! Values are kept as the list writes them, whitespace normalised. Country names are not resolved
//! here (this crate cannot depend on `gatehouse-checks`): consumers resolve nationalities,
//! document countries and address countries with `gatehouse_checks::country::by_name`.
//!
//! Listed names, dates of birth and document numbers are public, but still personal data: `Debug`
//! of the types that hold them prints ids, kinds and counts only, and [`ImportError`] never quotes
//! a value read from a list. What each list gives and what is left out is in
//! `docs/watchlists.md`.

use std::collections::BTreeMap;
use std::fmt;

use chrono::NaiveDate;
use thiserror::Error;

pub mod gatehouse;
pub mod ofac;
pub mod un;

/// One listed person, organisation, vessel or aircraft. No list field holds the same value twice.
#[derive(Clone, PartialEq, Eq)]
pub struct WatchlistEntry {
    /// The list's own stable id: UN `REFERENCE_NUMBER` (e.g. "QDi.001"; `DATAID` as fallback),
    /// OFAC `ent_num`, our CSV `id`. Unique within one import, so that [`diff`] can key on it.
    pub id: String,
    pub kind: EntryKind,
    /// The primary name first, then strong aliases, then weak ones, each group in list order;
    /// never empty, no two with the same `full`.
    pub names: Vec<ListedName>,
    /// Several when the list gives several (alternative dates are common).
    pub birth_dates: Vec<BirthDate>,
    /// As written (country names or codes); for vessels, the flag state.
    pub nationalities: Vec<String>,
    pub gender: Option<Gender>,
    pub documents: Vec<ListedDocument>,
    /// Vessels: the IMO ship number as written (OFAC remarks "Vessel Registration Identification
    /// IMO 1234567").
    pub imo_number: Option<String>,
    /// The sanctions programmes: UN list type ("Al-Qaida", "DPRK"), OFAC programs ("SDGT").
    pub programmes: Vec<String>,
    pub listed_on: Option<NaiveDate>,
    /// The countries of the listed addresses, as written; streets and cities are left out. Added
    /// to the model because a cargo party's country is what a matcher can compare an
    /// organisation against, and it is the only part of an address that is not personal.
    pub address_countries: Vec<String>,
}

impl WatchlistEntry {
    /// An entry with only its id, kind and primary name.
    pub fn new(id: impl Into<String>, kind: EntryKind, primary: ListedName) -> Self {
        Self {
            id: id.into(),
            kind,
            names: vec![primary],
            birth_dates: Vec::new(),
            nationalities: Vec::new(),
            gender: None,
            documents: Vec::new(),
            imo_number: None,
            programmes: Vec::new(),
            listed_on: None,
            address_countries: Vec::new(),
        }
    }

    pub fn primary_name(&self) -> Option<&ListedName> {
        self.names.first()
    }
}

impl fmt::Debug for WatchlistEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WatchlistEntry")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("names", &self.names.len())
            .field("birth_dates", &self.birth_dates.len())
            .field("nationalities", &self.nationalities.len())
            .field("documents", &self.documents.len())
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntryKind {
    Person,
    Organisation,
    Vessel,
    Aircraft,
}

impl EntryKind {
    /// The word used for it in the JSON Lines format and in the docs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Person => "person",
            Self::Organisation => "organisation",
            Self::Vessel => "vessel",
            Self::Aircraft => "aircraft",
        }
    }
}

/// A primary name or an alias.
#[derive(Clone, PartialEq, Eq)]
pub struct ListedName {
    /// As the list writes it, whitespace normalised ("CRUZ, Juan M. de la" for OFAC).
    pub full: String,
    /// Given and family name when the list separates them (OFAC "SURNAME, Given Names" split at
    /// the first comma; our JSON Lines when given). The UN's name fields are not given and family
    /// names (an Arabic name has several parts of neither kind), so they stay in `parts`.
    pub given: Option<String>,
    pub family: Option<String>,
    /// The list's own name fields in its order when it gives them: UN FIRST_NAME to
    /// FOURTH_NAME; OFAC the family and the given part. Empty when the name is one string.
    pub parts: Vec<String>,
    pub quality: NameQuality,
    /// The name in a non-Latin script when the list gives one (UN NAME_ORIGINAL_SCRIPT).
    pub original_script: Option<String>,
}

impl ListedName {
    /// A name with no parts; `full` is whitespace normalised.
    pub fn new(full: &str, quality: NameQuality) -> Self {
        Self {
            full: clean(full),
            given: None,
            family: None,
            parts: Vec::new(),
            quality,
            original_script: None,
        }
    }
}

impl fmt::Debug for ListedName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ListedName")
            .field("quality", &self.quality)
            .field("parts", &self.parts.len())
            .field("original_script", &self.original_script.is_some())
            .finish_non_exhaustive()
    }
}

/// How far a name can be trusted to identify the subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NameQuality {
    Primary,
    /// A good alias: UN quality "Good", "a.k.a." and "f.k.a."; OFAC alt.csv.
    Strong,
    /// A weak alias, too common to identify anyone on its own: UN quality "Low"; OFAC "a.k.a."
    /// names in sdn.csv remarks, where OFAC puts its weak aliases.
    Weak,
}

impl NameQuality {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Primary => "primary",
            Self::Strong => "strong",
            Self::Weak => "weak",
        }
    }
}

/// A date of birth at the precision the list gives it.
///
/// `Debug` prints the precision only. `Circa` is its own precision because the UN's
/// "APPROXIMATELY" and OFAC's "circa" are about a tenth of all dates of birth, and a matcher has
/// to treat them more loosely than a plain year.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub enum BirthDate {
    Exact(NaiveDate),
    /// Year and month (1 to 12).
    Month(i32, u32),
    Year(i32),
    /// About that year.
    Circa(i32),
    /// Some time in these years, both included.
    Between(i32, i32),
}

impl fmt::Debug for BirthDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Exact(_) => "Exact(..)",
            Self::Month(..) => "Month(..)",
            Self::Year(_) => "Year(..)",
            Self::Circa(_) => "Circa(..)",
            Self::Between(..) => "Between(..)",
        })
    }
}

impl BirthDate {
    /// The date in EDTF (ISO 8601-2 level 1): `1964-07-10`, `1964-07`, `1964`, `1964~` for
    /// circa, `1960/1965` for a range of years.
    pub fn to_edtf(&self) -> String {
        match *self {
            Self::Exact(date) => date.format("%Y-%m-%d").to_string(),
            Self::Month(year, month) => format!("{year:04}-{month:02}"),
            Self::Year(year) => format!("{year:04}"),
            Self::Circa(year) => format!("{year:04}~"),
            Self::Between(from, to) => format!("{from:04}/{to:04}"),
        }
    }

    /// Reads what [`to_edtf`](Self::to_edtf) writes: four-digit years, a real calendar date, a
    /// month from 1 to 12, a range whose start is not after its end.
    pub fn from_edtf(text: &str) -> Option<Self> {
        if let Some(year) = text.strip_suffix('~') {
            return year4(year).map(Self::Circa);
        }
        if let Some((from, to)) = text.split_once('/') {
            let (from, to) = (year4(from)?, year4(to)?);
            return (from <= to).then_some(Self::Between(from, to));
        }
        match text.len() {
            4 => year4(text).map(Self::Year),
            7 => {
                let (year, month) = text.split_once('-')?;
                let month = digits(month, 2)?;
                (1..=12)
                    .contains(&month)
                    .then_some(Self::Month(year4(year)?, month))
            }
            10 => iso_date(text).map(Self::Exact),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Gender {
    Male,
    Female,
}

impl Gender {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Male => "male",
            Self::Female => "female",
        }
    }
}

/// A document or other identifier of the listed subject.
#[derive(Clone, PartialEq, Eq)]
pub struct ListedDocument {
    pub kind: DocumentKind,
    /// As written, whitespace normalised (it may hold spaces and words, e.g. "RL 1622378").
    pub number: String,
    /// The issuing country as written.
    pub country: Option<String>,
}

impl fmt::Debug for ListedDocument {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ListedDocument")
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DocumentKind {
    Passport,
    NationalId,
    /// A number given without saying what it is (our CSV's `document_number`): calling it a
    /// passport would be a guess.
    Unspecified,
    /// Any other identifier, named as the list names it ("MMSI", "call sign", "Birth
    /// certificate").
    Other(String),
}

/// What changed from one import of a list to the next, by id, each list sorted by id (string
/// order).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListChanges {
    pub added: Vec<String>,
    /// In both imports, with any field different.
    pub changed: Vec<String>,
    pub removed: Vec<String>,
}

impl ListChanges {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.changed.is_empty() && self.removed.is_empty()
    }
}

/// Compares two imports of the same list by id. The parsers never return two entries with one
/// id; if a slice does hold several, the last one counts.
pub fn diff(old: &[WatchlistEntry], new: &[WatchlistEntry]) -> ListChanges {
    let by_id = |entries: &[WatchlistEntry]| -> BTreeMap<String, usize> {
        entries
            .iter()
            .enumerate()
            .map(|(index, entry)| (entry.id.clone(), index))
            .collect()
    };
    let (before, after) = (by_id(old), by_id(new));
    let mut changes = ListChanges::default();
    for (id, &index) in &after {
        match before.get(id) {
            None => changes.added.push(id.clone()),
            Some(&earlier) if old[earlier] != new[index] => changes.changed.push(id.clone()),
            Some(_) => {}
        }
    }
    changes.removed = before
        .keys()
        .filter(|id| !after.contains_key(*id))
        .cloned()
        .collect();
    changes
}

/// A list file that could not be imported. Names the file (for lists of several files), the
/// line, the column, element or field, and the rule; never a value read from the list.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub struct ImportError {
    /// The file of a list made of several (OFAC's "sdn.csv", "alt.csv", "add.csv").
    pub file: Option<&'static str>,
    /// 1-based; the first line of the record at fault.
    pub line: usize,
    /// The column, XML element or JSON field at fault ("birth_date", "DATE", "names[1].full"),
    /// for a service to report as a field violation.
    pub field: Option<String>,
    pub reason: String,
}

impl ImportError {
    pub(crate) fn new(line: usize, reason: impl Into<String>) -> Self {
        Self {
            file: None,
            line,
            field: None,
            reason: reason.into(),
        }
    }

    pub(crate) fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    pub(crate) fn in_file(mut self, file: &'static str) -> Self {
        self.file = Some(file);
        self
    }
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = self.file {
            write!(f, "{file} ")?;
        }
        write!(f, "line {}", self.line)?;
        if let Some(field) = &self.field {
            write!(f, ", {field}")?;
        }
        write!(f, ": {}", self.reason)
    }
}

/// The records of a CSV text with the line each starts on, any number of fields each (the caller
/// checks the count, to say which file and line are wrong).
pub(crate) fn csv_records(
    text: &str,
) -> impl Iterator<Item = Result<(usize, csv::StringRecord), ImportError>> {
    let lines = Lines::new(text);
    // The reader's own line count lags a line behind after CRLF (it counts the LF when it reads
    // the next record): the line is taken from the record's first byte instead, past the line
    // break the reader's offset may still point at.
    let line_of = move |position: Option<&csv::Position>| {
        let mut offset = position.map_or(0, |position| position.byte());
        let bytes = text.as_bytes();
        while usize::try_from(offset)
            .ok()
            .and_then(|index| bytes.get(index))
            .is_some_and(|&byte| byte == b'\r' || byte == b'\n')
        {
            offset += 1;
        }
        lines.at(offset)
    };
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes())
        .into_records()
        .map(move |record| match record {
            Ok(record) => Ok((line_of(record.position()), record)),
            // Input is text already, so this is the reader's own failure; its message may quote
            // the record, so only the line is kept.
            Err(error) => Err(ImportError::new(
                line_of(error.position()),
                "not readable as CSV",
            )),
        })
}

/// Byte offsets of the line breaks, to turn quick-xml's byte positions into lines.
pub(crate) struct Lines(Vec<usize>);

impl Lines {
    pub(crate) fn new(text: &str) -> Self {
        Self(
            text.bytes()
                .enumerate()
                .filter(|&(_, byte)| byte == b'\n')
                .map(|(offset, _)| offset)
                .collect(),
        )
    }

    pub(crate) fn at(&self, offset: u64) -> usize {
        let offset = usize::try_from(offset).unwrap_or(usize::MAX);
        self.0.partition_point(|&newline| newline < offset) + 1
    }

    pub(crate) fn last(&self) -> usize {
        self.0.len() + 1
    }
}

/// The line of a quoted CSV field that the text never closes: the mark of a file cut short, which
/// a CSV reader would otherwise take as a last field running to the end.
pub(crate) fn unclosed_quote(text: &str) -> Option<usize> {
    let (mut line, mut opened, mut quoted) = (1, 1, false);
    for byte in text.bytes() {
        match byte {
            b'\n' => line += 1,
            b'"' => {
                quoted = !quoted;
                if quoted {
                    opened = line;
                }
            }
            _ => {}
        }
    }
    quoted.then_some(opened)
}

/// Whitespace runs (line breaks inside XML elements included) as one space, trimmed.
pub(crate) fn clean(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The cleaned text, `None` when nothing is left.
pub(crate) fn non_empty(text: &str) -> Option<String> {
    Some(clean(text)).filter(|text| !text.is_empty())
}

pub(crate) fn push_unique<T: PartialEq>(list: &mut Vec<T>, item: T) {
    if !list.contains(&item) {
        list.push(item);
    }
}

/// Puts the primary name first and strong aliases before weak ones (stable, so list order holds
/// within each quality), then drops a name whose `full` an earlier one already has.
pub(crate) fn order_names(names: &mut Vec<ListedName>) {
    names.sort_by_key(|name| name.quality);
    let mut seen = Vec::with_capacity(names.len());
    names.retain(|name| {
        let first = !seen.contains(&name.full);
        if first {
            seen.push(name.full.clone());
        }
        first
    });
}

/// The number of a month written in English, in full or cut to at least three letters, with or
/// without a full stop ("Jan", "Nov.", "Sept.", "August").
pub(crate) fn month_number(word: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    let word = word.trim_end_matches('.').to_lowercase();
    if word.len() < 3 {
        return None;
    }
    MONTHS
        .iter()
        .position(|month| month.starts_with(&word))
        .and_then(|index| u32::try_from(index + 1).ok())
}

fn digits(text: &str, len: usize) -> Option<u32> {
    if text.len() != len || !text.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// A four-digit year.
pub(crate) fn year4(text: &str) -> Option<i32> {
    digits(text, 4).and_then(|year| i32::try_from(year).ok())
}

/// `YYYY-MM-DD`, a real calendar date.
pub(crate) fn iso_date(text: &str) -> Option<NaiveDate> {
    let mut fields = text.split('-');
    let (year, month, day) = (fields.next()?, fields.next()?, fields.next()?);
    if fields.next().is_some() {
        return None;
    }
    NaiveDate::from_ymd_opt(year4(year)?, digits(month, 2)?, digits(day, 2)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn entry(id: &str, name: &str) -> WatchlistEntry {
        WatchlistEntry::new(
            id,
            EntryKind::Person,
            ListedName::new(name, NameQuality::Primary),
        )
    }

    #[test]
    fn edtf_round_trips_every_precision() {
        let cases = [
            (BirthDate::Exact(date(1964, 7, 10)), "1964-07-10"),
            (BirthDate::Month(1973, 11), "1973-11"),
            (BirthDate::Year(1958), "1958"),
            (BirthDate::Circa(1962), "1962~"),
            (BirthDate::Between(1955, 1958), "1955/1958"),
        ];
        for (birth_date, text) in cases {
            assert_eq!(birth_date.to_edtf(), text);
            assert_eq!(BirthDate::from_edtf(text), Some(birth_date), "{text}");
        }
    }

    #[test]
    fn edtf_refuses_what_is_not_a_date() {
        for text in [
            "",
            "64",
            "1964-13",
            "1964-02-30",
            "1965/1960",
            "19645",
            "1964-7-1",
            "abcd",
            "1964~~",
            "+964",
            "1964-07-10-01",
        ] {
            assert_eq!(BirthDate::from_edtf(text), None, "{text}");
        }
    }

    #[test]
    fn debug_shows_ids_kinds_and_counts_never_personal_values() {
        let mut listed = entry("QDi.999", "Invented PERSON");
        listed.birth_dates.push(BirthDate::Exact(date(1971, 3, 4)));
        listed.documents.push(ListedDocument {
            kind: DocumentKind::Passport,
            number: "X1234567".into(),
            country: Some("Utopia".into()),
        });
        let shown = format!("{listed:?} {:?} {:?}", listed.names, listed.documents);
        assert!(
            shown.contains("QDi.999") && shown.contains("Person"),
            "{shown}"
        );
        assert!(
            shown.contains("names: 1") && shown.contains("documents: 1"),
            "{shown}"
        );
        for secret in ["Invented", "PERSON", "1971", "X1234567", "Utopia"] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        assert_eq!(format!("{:?}", listed.birth_dates), "[Exact(..)]");
    }

    #[test]
    fn diff_sorts_added_changed_and_removed_by_id() {
        let old = vec![entry("3", "A"), entry("1", "B"), entry("2", "C")];
        let mut renamed = entry("2", "C");
        renamed.nationalities.push("Utopia".into());
        let new = vec![entry("5", "E"), renamed, entry("1", "B"), entry("4", "D")];
        assert_eq!(
            diff(&old, &new),
            ListChanges {
                added: vec!["4".into(), "5".into()],
                changed: vec!["2".into()],
                removed: vec!["3".into()],
            }
        );
        assert!(diff(&new, &new).is_empty());
    }

    #[test]
    fn names_are_ordered_by_quality_and_deduplicated() {
        let mut names = vec![
            ListedName::new("weak one", NameQuality::Weak),
            ListedName::new("Primary  Name", NameQuality::Primary),
            ListedName::new("strong", NameQuality::Strong),
            ListedName::new("strong", NameQuality::Weak),
            ListedName::new("primary name", NameQuality::Strong),
        ];
        order_names(&mut names);
        let shown: Vec<(&str, NameQuality)> =
            names.iter().map(|n| (n.full.as_str(), n.quality)).collect();
        assert_eq!(
            shown,
            vec![
                ("Primary Name", NameQuality::Primary),
                ("strong", NameQuality::Strong),
                ("primary name", NameQuality::Strong),
                ("weak one", NameQuality::Weak),
            ]
        );
    }

    #[test]
    fn months_in_full_or_cut() {
        let cases = [
            ("Jan", Some(1)),
            ("Nov.", Some(11)),
            ("Sept.", Some(9)),
            ("August", Some(8)),
            ("MAY", Some(5)),
            ("Ju", None),
            ("Julyy", None),
            ("", None),
        ];
        for (word, month) in cases {
            assert_eq!(month_number(word), month, "{word}");
        }
    }

    #[test]
    fn errors_name_file_line_and_field() {
        let error = ImportError::new(12, "is not a number")
            .field("ent_num")
            .in_file("alt.csv");
        assert_eq!(
            error.to_string(),
            "alt.csv line 12, ent_num: is not a number"
        );
        assert_eq!(
            ImportError::new(1, "input is empty").to_string(),
            "line 1: input is empty"
        );
    }
}
