//! Gatehouse's own watchlist formats, for national and agency lists (`docs/watchlists.md`):
//!
//! - CSV of persons with the header `id,name,aliases,birth_date,nationality,document_number`;
//! - JSON Lines, one object per line with the model's fields, for every kind of entry.
//!   [`write_jsonl`] writes it, so any imported list can be exported and read back.
//!
//! Both are UTF-8 (a leading byte order mark is skipped) and refuse a repeated id.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::{
    BirthDate, DocumentKind, EntryKind, Gender, ImportError, ListedDocument, ListedName,
    NameQuality, WatchlistEntry, csv_records, iso_date, non_empty, order_names, push_unique,
    unclosed_quote, year4,
};

/// The CSV header, exactly.
pub const CSV_HEADER: [&str; 6] = [
    "id",
    "name",
    "aliases",
    "birth_date",
    "nationality",
    "document_number",
];

/// Separates the values of one CSV cell (aliases, dates, nationalities, document numbers).
const SEPARATOR: char = '|';

/// Reads the CSV format: every row a person.
pub fn parse_csv(text: &str) -> Result<Vec<WatchlistEntry>, ImportError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if let Some(line) = unclosed_quote(text) {
        return Err(ImportError::new(
            line,
            "quoted field is never closed (file cut short?)",
        ));
    }
    let mut records = csv_records(text);
    let header_error = |line| {
        ImportError::new(
            line,
            format!("header must be exactly {}", CSV_HEADER.join(",")),
        )
    };
    match records.next() {
        None => return Err(header_error(1)),
        Some(header) => {
            let (line, header) = header?;
            if !header.iter().eq(CSV_HEADER) {
                return Err(header_error(line));
            }
        }
    }
    let mut entries = Vec::new();
    let mut ids = Ids::default();
    for record in records {
        let (line, record) = record?;
        if record.len() != CSV_HEADER.len() {
            return Err(ImportError::new(
                line,
                format!(
                    "row has {} fields, the header {}",
                    record.len(),
                    CSV_HEADER.len()
                ),
            ));
        }
        let entry = csv_entry(line, &record)?;
        ids.check(&entry.id, line, "id")?;
        entries.push(entry);
    }
    Ok(entries)
}

fn csv_entry(line: usize, record: &csv::StringRecord) -> Result<WatchlistEntry, ImportError> {
    let cell = |index: usize| record.get(index).unwrap_or_default();
    let values = |index: usize| {
        cell(index)
            .split(SEPARATOR)
            .filter_map(non_empty)
            .collect::<Vec<_>>()
    };
    let required = |index: usize| {
        non_empty(cell(index))
            .ok_or_else(|| ImportError::new(line, "is empty").field(CSV_HEADER[index]))
    };
    let id = required(0)?;
    let name = required(1)?;
    let mut entry = WatchlistEntry::new(
        id,
        EntryKind::Person,
        ListedName::new(&name, NameQuality::Primary),
    );
    for alias in values(2) {
        entry
            .names
            .push(ListedName::new(&alias, NameQuality::Strong));
    }
    order_names(&mut entry.names);
    for date in values(3) {
        let birth_date = iso_date(&date)
            .map(BirthDate::Exact)
            .or_else(|| year4(&date).map(BirthDate::Year))
            .ok_or_else(|| {
                ImportError::new(line, "is not YYYY or YYYY-MM-DD").field(CSV_HEADER[3])
            })?;
        push_unique(&mut entry.birth_dates, birth_date);
    }
    for nationality in values(4) {
        push_unique(&mut entry.nationalities, nationality);
    }
    for number in values(5) {
        push_unique(
            &mut entry.documents,
            ListedDocument {
                kind: DocumentKind::Unspecified,
                number,
                country: None,
            },
        );
    }
    Ok(entry)
}

/// The line each id was first seen on.
#[derive(Default)]
struct Ids(HashMap<String, usize>);

impl Ids {
    fn check(&mut self, id: &str, line: usize, field: &str) -> Result<(), ImportError> {
        if let Some(first) = self.0.get(id) {
            return Err(
                ImportError::new(line, format!("repeats the id of line {first}")).field(field),
            );
        }
        self.0.insert(id.to_owned(), line);
        Ok(())
    }
}

const ENTRY_FIELDS: [&str; 11] = [
    "id",
    "kind",
    "names",
    "birth_dates",
    "nationalities",
    "gender",
    "documents",
    "imo_number",
    "programmes",
    "listed_on",
    "address_countries",
];
const NAME_FIELDS: [&str; 6] = [
    "full",
    "given",
    "family",
    "parts",
    "quality",
    "original_script",
];
const DOCUMENT_FIELDS: [&str; 4] = ["kind", "description", "number", "country"];

/// Reads the JSON Lines format; blank lines are skipped.
pub fn parse_jsonl(text: &str) -> Result<Vec<WatchlistEntry>, ImportError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut entries = Vec::new();
    let mut ids = Ids::default();
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        if line.trim().is_empty() {
            continue;
        }
        // serde_json's messages can quote the input: only its column is kept.
        let value: Value = serde_json::from_str(line).map_err(|error| {
            ImportError::new(
                number,
                format!("not valid JSON (column {})", error.column()),
            )
        })?;
        let entry = Line { number }.entry(&value)?;
        ids.check(&entry.id, number, "id")?;
        entries.push(entry);
    }
    if entries.is_empty() {
        return Err(ImportError::new(1, "input holds no entry"));
    }
    Ok(entries)
}

/// Reads the fields of one JSON line, naming the field path in every error.
struct Line {
    number: usize,
}

impl Line {
    fn error(&self, field: &str, reason: &str) -> ImportError {
        ImportError::new(self.number, reason).field(field)
    }

    fn object<'a>(
        &self,
        value: &'a Value,
        path: &str,
        fields: &[&str],
    ) -> Result<&'a Map<String, Value>, ImportError> {
        let object = value
            .as_object()
            .ok_or_else(|| self.error(path, "must be a JSON object"))?;
        // The unknown key itself is not quoted: it is input, and could be anything.
        if object.keys().any(|key| !fields.contains(&key.as_str())) {
            let allowed = format!(
                "holds a field the format does not define (it has {})",
                fields.join(", ")
            );
            return Err(self.error(path, &allowed));
        }
        Ok(object)
    }

    /// An optional string: absent and `null` are `None`; an empty string is an error.
    fn string(
        &self,
        object: &Map<String, Value>,
        path: &str,
        key: &str,
    ) -> Result<Option<String>, ImportError> {
        match object.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) => non_empty(text)
                .map(Some)
                .ok_or_else(|| self.error(&join(path, key), "must not be empty")),
            Some(_) => Err(self.error(&join(path, key), "must be a string")),
        }
    }

    fn required(
        &self,
        object: &Map<String, Value>,
        path: &str,
        key: &str,
    ) -> Result<String, ImportError> {
        self.string(object, path, key)?
            .ok_or_else(|| self.error(&join(path, key), "is required"))
    }

    /// An optional array (absent or `null` is empty), each item read by `item`.
    fn array<T>(
        &self,
        object: &Map<String, Value>,
        key: &str,
        mut item: impl FnMut(&Value, &str) -> Result<T, ImportError>,
    ) -> Result<Vec<T>, ImportError> {
        match object.get(key) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(index, value)| item(value, &format!("{key}[{index}]")))
                .collect(),
            Some(_) => Err(self.error(key, "must be an array")),
        }
    }

    fn text_item(&self, value: &Value, path: &str) -> Result<String, ImportError> {
        match value {
            Value::String(text) => {
                non_empty(text).ok_or_else(|| self.error(path, "must not be empty"))
            }
            _ => Err(self.error(path, "must be a string")),
        }
    }

    fn texts(&self, object: &Map<String, Value>, key: &str) -> Result<Vec<String>, ImportError> {
        let mut texts = Vec::new();
        for text in self.array(object, key, |value, path| self.text_item(value, path))? {
            push_unique(&mut texts, text);
        }
        Ok(texts)
    }

    fn entry(&self, value: &Value) -> Result<WatchlistEntry, ImportError> {
        let object = self.object(value, "entry", &ENTRY_FIELDS)?;
        let id = self.required(object, "", "id")?;
        let kind = match self.required(object, "", "kind")?.as_str() {
            "person" => EntryKind::Person,
            "organisation" => EntryKind::Organisation,
            "vessel" => EntryKind::Vessel,
            "aircraft" => EntryKind::Aircraft,
            _ => {
                return Err(self.error("kind", "must be person, organisation, vessel or aircraft"));
            }
        };
        let mut names = self.array(object, "names", |value, path| {
            let first = path == "names[0]";
            self.name(value, path, first)
        })?;
        if names.is_empty() {
            return Err(self.error("names", "must hold at least the primary name"));
        }
        order_names(&mut names);
        let mut entry = WatchlistEntry::new(id, kind, names.remove(0));
        entry.names.append(&mut names);
        for date in self.array(object, "birth_dates", |value, path| {
            let text = self.text_item(value, path)?;
            BirthDate::from_edtf(&text).ok_or_else(|| {
                self.error(
                    path,
                    "must be YYYY-MM-DD, YYYY-MM, YYYY, YYYY~ or YYYY/YYYY",
                )
            })
        })? {
            push_unique(&mut entry.birth_dates, date);
        }
        entry.nationalities = self.texts(object, "nationalities")?;
        entry.gender = match self.string(object, "", "gender")?.as_deref() {
            None => None,
            Some("male") => Some(Gender::Male),
            Some("female") => Some(Gender::Female),
            Some(_) => return Err(self.error("gender", "must be male or female")),
        };
        for document in self.array(object, "documents", |value, path| {
            self.document(value, path)
        })? {
            push_unique(&mut entry.documents, document);
        }
        entry.imo_number = self.string(object, "", "imo_number")?;
        entry.programmes = self.texts(object, "programmes")?;
        entry.listed_on = self
            .string(object, "", "listed_on")?
            .map(|date| {
                iso_date(&date).ok_or_else(|| self.error("listed_on", "must be YYYY-MM-DD"))
            })
            .transpose()?;
        entry.address_countries = self.texts(object, "address_countries")?;
        Ok(entry)
    }

    fn name(&self, value: &Value, path: &str, first: bool) -> Result<ListedName, ImportError> {
        let object = self.object(value, path, &NAME_FIELDS)?;
        let quality = match self.string(object, path, "quality")?.as_deref() {
            None if first => NameQuality::Primary,
            None => NameQuality::Strong,
            Some("primary") if first => NameQuality::Primary,
            Some("strong") if !first => NameQuality::Strong,
            Some("weak") if !first => NameQuality::Weak,
            Some(_) if first => {
                return Err(self.error(&join(path, "quality"), "the first name must be primary"));
            }
            Some(_) => {
                return Err(self.error(&join(path, "quality"), "must be strong or weak"));
            }
        };
        let mut name = ListedName::new(&self.required(object, path, "full")?, quality);
        name.given = self.string(object, path, "given")?;
        name.family = self.string(object, path, "family")?;
        name.original_script = self.string(object, path, "original_script")?;
        name.parts = match object.get("parts") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(parts)) => parts
                .iter()
                .enumerate()
                .map(|(index, part)| self.text_item(part, &format!("{path}.parts[{index}]")))
                .collect::<Result<_, _>>()?,
            Some(_) => return Err(self.error(&join(path, "parts"), "must be an array")),
        };
        Ok(name)
    }

    fn document(&self, value: &Value, path: &str) -> Result<ListedDocument, ImportError> {
        let object = self.object(value, path, &DOCUMENT_FIELDS)?;
        let description = self.string(object, path, "description")?;
        let kind = match (self.required(object, path, "kind")?.as_str(), description) {
            ("passport", None) => DocumentKind::Passport,
            ("national_id", None) => DocumentKind::NationalId,
            ("unspecified", None) => DocumentKind::Unspecified,
            ("other", Some(description)) => DocumentKind::Other(description),
            ("other", None) => {
                return Err(self.error(&join(path, "description"), "is required for other"));
            }
            ("passport" | "national_id" | "unspecified", Some(_)) => {
                return Err(self.error(&join(path, "description"), "is only for other"));
            }
            _ => {
                return Err(self.error(
                    &join(path, "kind"),
                    "must be passport, national_id, unspecified or other",
                ));
            }
        };
        Ok(ListedDocument {
            kind,
            number: self.required(object, path, "number")?,
            country: self.string(object, path, "country")?,
        })
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// Writes entries in the JSON Lines format, fields in the documented order, empty ones left
/// out: what [`parse_jsonl`] reads back as the same entries.
pub fn write_jsonl(entries: &[WatchlistEntry]) -> String {
    let mut out = String::new();
    for entry in entries {
        entry_json(entry).write(&mut out);
        out.push('\n');
    }
    out
}

/// JSON built in field order (`serde_json::Map` would sort the keys alphabetically).
enum Json {
    Text(String),
    List(Vec<Json>),
    Object(Vec<(&'static str, Json)>),
}

impl Json {
    fn write(&self, out: &mut String) {
        match self {
            // serde_json escapes the text.
            Self::Text(text) => out.push_str(&Value::from(text.as_str()).to_string()),
            Self::List(items) => {
                out.push('[');
                for (index, item) in items.iter().enumerate() {
                    if index > 0 {
                        out.push(',');
                    }
                    item.write(out);
                }
                out.push(']');
            }
            Self::Object(fields) => {
                out.push('{');
                for (index, (key, value)) in fields.iter().enumerate() {
                    if index > 0 {
                        out.push(',');
                    }
                    // Keys are the format's own field names: plain ASCII.
                    out.push('"');
                    out.push_str(key);
                    out.push_str("\":");
                    value.write(out);
                }
                out.push('}');
            }
        }
    }
}

/// Appends a list field unless the list is empty.
fn push_list(fields: &mut Vec<(&'static str, Json)>, key: &'static str, items: Vec<Json>) {
    if !items.is_empty() {
        fields.push((key, Json::List(items)));
    }
}

fn push_text(fields: &mut Vec<(&'static str, Json)>, key: &'static str, text: Option<&String>) {
    if let Some(text) = text {
        fields.push((key, Json::Text(text.clone())));
    }
}

fn texts(list: &[String]) -> Vec<Json> {
    list.iter().cloned().map(Json::Text).collect()
}

fn entry_json(entry: &WatchlistEntry) -> Json {
    let mut fields = vec![
        ("id", Json::Text(entry.id.clone())),
        ("kind", Json::Text(entry.kind.as_str().to_owned())),
        (
            "names",
            Json::List(entry.names.iter().map(name_json).collect()),
        ),
    ];
    let dates = entry
        .birth_dates
        .iter()
        .map(|date| Json::Text(date.to_edtf()));
    push_list(&mut fields, "birth_dates", dates.collect());
    push_list(&mut fields, "nationalities", texts(&entry.nationalities));
    if let Some(gender) = entry.gender {
        fields.push(("gender", Json::Text(gender.as_str().to_owned())));
    }
    push_list(
        &mut fields,
        "documents",
        entry.documents.iter().map(document_json).collect(),
    );
    push_text(&mut fields, "imo_number", entry.imo_number.as_ref());
    push_list(&mut fields, "programmes", texts(&entry.programmes));
    if let Some(date) = entry.listed_on {
        let date = date.format("%Y-%m-%d").to_string();
        fields.push(("listed_on", Json::Text(date)));
    }
    push_list(
        &mut fields,
        "address_countries",
        texts(&entry.address_countries),
    );
    Json::Object(fields)
}

fn name_json(name: &ListedName) -> Json {
    let mut fields = vec![("full", Json::Text(name.full.clone()))];
    push_text(&mut fields, "given", name.given.as_ref());
    push_text(&mut fields, "family", name.family.as_ref());
    if !name.parts.is_empty() {
        fields.push(("parts", Json::List(texts(&name.parts))));
    }
    fields.push(("quality", Json::Text(name.quality.as_str().to_owned())));
    push_text(
        &mut fields,
        "original_script",
        name.original_script.as_ref(),
    );
    Json::Object(fields)
}

fn document_json(document: &ListedDocument) -> Json {
    let (kind, description) = match &document.kind {
        DocumentKind::Passport => ("passport", None),
        DocumentKind::NationalId => ("national_id", None),
        DocumentKind::Unspecified => ("unspecified", None),
        DocumentKind::Other(description) => ("other", Some(description)),
    };
    let mut fields = vec![("kind", Json::Text(kind.to_owned()))];
    push_text(&mut fields, "description", description);
    fields.push(("number", Json::Text(document.number.clone())));
    push_text(&mut fields, "country", document.country.as_ref());
    Json::Object(fields)
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    const CSV: &str = "\u{feff}id,name,aliases,birth_date,nationality,document_number\r\n\
        GH-1,Invented  Person,\"Sample, Inv|Inv Sample\",1971-03-04|1972,Utopia|Ruritania,X123\r\n\
        \r\n\
        GH-2,\"Other, Invented\",,,,\r\n";

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn csv_rows_become_persons() {
        let entries = parse_csv(CSV).unwrap();
        assert_eq!(entries.len(), 2);
        let first = &entries[0];
        assert_eq!((first.id.as_str(), first.kind), ("GH-1", EntryKind::Person));
        let names: Vec<(&str, NameQuality)> = first
            .names
            .iter()
            .map(|n| (n.full.as_str(), n.quality))
            .collect();
        assert_eq!(
            names,
            [
                ("Invented Person", NameQuality::Primary),
                ("Sample, Inv", NameQuality::Strong),
                ("Inv Sample", NameQuality::Strong),
            ]
        );
        assert_eq!(
            first.birth_dates,
            [BirthDate::Exact(date(1971, 3, 4)), BirthDate::Year(1972)]
        );
        assert_eq!(first.nationalities, ["Utopia", "Ruritania"]);
        assert_eq!(first.documents.len(), 1);
        assert_eq!(first.documents[0].kind, DocumentKind::Unspecified);
        assert_eq!(first.documents[0].number, "X123");
        let second = &entries[1];
        assert_eq!(second.names[0].full, "Other, Invented");
        assert!(second.birth_dates.is_empty() && second.documents.is_empty());
        assert_eq!(
            parse_csv(&format!("{}\n", CSV_HEADER.join(","))),
            Ok(vec![])
        );
    }

    #[test]
    fn csv_errors_name_line_and_column_and_never_the_value() {
        let header = CSV_HEADER.join(",");
        let cases = [
            (String::new(), 1, None),
            ("id,name\nA,B\n".to_owned(), 1, None),
            (
                "ID,name,aliases,birth_date,nationality,document_number\n".to_owned(),
                1,
                None,
            ),
            (
                format!("{header}\nA,Secret Name,,10/03/1971,,\n"),
                2,
                Some("birth_date"),
            ),
            (
                format!("{header}\nA,Secret Name,,1971-02-30,,\n"),
                2,
                Some("birth_date"),
            ),
            (
                format!("{header}\nA,Secret Name,,,,\n ,Secret Name,,,,\n"),
                3,
                Some("id"),
            ),
            (format!("{header}\nA,  ,,,,\n"), 2, Some("name")),
            (format!("{header}\r\n\r\nA,  ,,,,\r\n"), 3, Some("name")),
            (format!("{header}\nA,Secret Name,,,\n"), 2, None),
            (format!("{header}\n\"A,Secret Name,,,,\n"), 2, None),
        ];
        for (text, line, field) in cases {
            let error = parse_csv(&text).unwrap_err();
            assert_eq!(
                (error.line, error.field.as_deref()),
                (line, field),
                "{error}"
            );
            let shown = error.to_string();
            assert!(
                !shown.contains("Secret") && !shown.contains("1971"),
                "{shown}"
            );
        }
        let twice = format!("{header}\nA,Secret Name,,,,\nB,Other,,,,\nA,Secret Name,,,,\n");
        let error = parse_csv(&twice).unwrap_err();
        assert_eq!((error.line, error.field.as_deref()), (4, Some("id")));
        assert_eq!(error.reason, "repeats the id of line 2");
    }

    const JSONL: &str = r#"{"id":"GH-V1","kind":"vessel","names":[{"full":"INVENTED STAR"},{"full":"STAR","quality":"weak"}],"nationalities":["Utopia"],"documents":[{"kind":"other","description":"call sign","number":"9BXY1","country":"Utopia"}],"imo_number":"9123456","programmes":["LOCAL"],"listed_on":"2024-05-06"}

{"id":"GH-P1","kind":"person","names":[{"full":"SAMPLE, Invented","given":"Invented","family":"SAMPLE","parts":["SAMPLE","Invented"],"quality":"primary","original_script":"Сампле"},{"full":"Inv Sample"}],"birth_dates":["1964-07-10","1970-02","1971","1972~","1960/1965"],"gender":"female","documents":[{"kind":"passport","number":"X 123","country":"Utopia"},{"kind":"national_id","number":"77"},{"kind":"unspecified","number":"88"}],"address_countries":["Ruritania"],"imo_number":null}
"#;

    #[test]
    fn jsonl_reads_every_field() {
        let entries = parse_jsonl(JSONL).unwrap();
        let vessel = &entries[0];
        assert_eq!(
            (vessel.id.as_str(), vessel.kind),
            ("GH-V1", EntryKind::Vessel)
        );
        assert_eq!(vessel.names[1].quality, NameQuality::Weak);
        assert_eq!(vessel.imo_number.as_deref(), Some("9123456"));
        assert_eq!(
            vessel.documents[0].kind,
            DocumentKind::Other("call sign".into())
        );
        assert_eq!(vessel.listed_on, Some(date(2024, 5, 6)));
        let person = &entries[1];
        let primary = &person.names[0];
        assert_eq!(
            (primary.given.as_deref(), primary.family.as_deref()),
            (Some("Invented"), Some("SAMPLE"))
        );
        assert_eq!(primary.parts, ["SAMPLE", "Invented"]);
        assert_eq!(primary.original_script.as_deref(), Some("Сампле"));
        assert_eq!(person.names[1].quality, NameQuality::Strong);
        assert_eq!(
            person.birth_dates,
            [
                BirthDate::Exact(date(1964, 7, 10)),
                BirthDate::Month(1970, 2),
                BirthDate::Year(1971),
                BirthDate::Circa(1972),
                BirthDate::Between(1960, 1965),
            ]
        );
        assert_eq!(person.gender, Some(Gender::Female));
        let kinds: Vec<&DocumentKind> = person.documents.iter().map(|d| &d.kind).collect();
        assert_eq!(
            kinds,
            [
                &DocumentKind::Passport,
                &DocumentKind::NationalId,
                &DocumentKind::Unspecified
            ]
        );
        assert_eq!(person.address_countries, ["Ruritania"]);
        assert_eq!(person.imo_number, None);
    }

    #[test]
    fn jsonl_written_reads_back_the_same() {
        let entries = parse_jsonl(JSONL).unwrap();
        let written = write_jsonl(&entries);
        assert_eq!(written.lines().count(), 2);
        assert!(written.starts_with(r#"{"id":"GH-V1","kind":"vessel","names":[{"full":"INVENTED STAR","quality":"primary"}"#), "{written}");
        assert_eq!(parse_jsonl(&written).unwrap(), entries);
    }

    #[test]
    fn jsonl_errors_name_line_and_field_and_never_the_value() {
        let person = |fields: &str| {
            format!(r#"{{"id":"A","kind":"person","names":[{{"full":"Secret Name"}}]{fields}}}"#)
        };
        let cases = [
            (String::new(), 1, None),
            ("\n  \n".to_owned(), 1, None),
            (r#"{"id":"A","kind":"person","names":[{"full":"Secret"}"#.to_owned(), 1, None),
            ("[\"Secret\"]".to_owned(), 1, Some("entry")),
            (r#"{"kind":"person","names":[{"full":"Secret"}]}"#.to_owned(), 1, Some("id")),
            (r#"{"id":"","kind":"person","names":[{"full":"Secret"}]}"#.to_owned(), 1, Some("id")),
            (r#"{"id":"A","kind":"human","names":[{"full":"Secret"}]}"#.to_owned(), 1, Some("kind")),
            (r#"{"id":"A","kind":"person","names":[]}"#.to_owned(), 1, Some("names")),
            (r#"{"id":"A","kind":"person","names":[{"full":"Secret","quality":"weak"}]}"#.to_owned(), 1, Some("names[0].quality")),
            (r#"{"id":"A","kind":"person","names":[{"full":"Secret"},{"full":"X","quality":"primary"}]}"#.to_owned(), 1, Some("names[1].quality")),
            (r#"{"id":"A","kind":"person","names":[{"full":"Secret","Secret":1}]}"#.to_owned(), 1, Some("names[0]")),
            (r#"{"id":"A","kind":"person","names":[{"full":7}]}"#.to_owned(), 1, Some("names[0].full")),
            (person(r#","birth_dates":["10.07.1964"]"#), 1, Some("birth_dates[0]")),
            (person(r#","birth_dates":"1964""#), 1, Some("birth_dates")),
            (person(r#","gender":"Secret""#), 1, Some("gender")),
            (person(r#","documents":[{"kind":"other","number":"Secret9"}]"#), 1, Some("documents[0].description")),
            (person(r#","documents":[{"kind":"passport","number":""}]"#), 1, Some("documents[0].number")),
            (person(r#","documents":[{"kind":"visa","number":"Secret9"}]"#), 1, Some("documents[0].kind")),
            (person(r#","listed_on":"2024-13-01""#), 1, Some("listed_on")),
            (person(r#","nationalities":["Utopia",""]"#), 1, Some("nationalities[1]")),
            (person(r#","Secret":"Secret""#), 1, Some("entry")),
            (format!("{}\n\n{}\n", person(""), person("")), 3, Some("id")),
        ];
        for (text, line, field) in cases {
            let error = parse_jsonl(&text).unwrap_err();
            assert_eq!(
                (error.line, error.field.as_deref()),
                (line, field),
                "{text}: {error}"
            );
            let shown = error.to_string();
            assert!(
                !shown.contains("Secret") && !shown.contains("1964"),
                "{shown}"
            );
        }
    }
}
