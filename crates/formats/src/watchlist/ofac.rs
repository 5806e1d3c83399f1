//! OFAC's Specially Designated Nationals list in its legacy CSV files: `sdn.csv` (one row per
//! entry), `alt.csv` (aliases) and `add.csv` (addresses), without header rows.
//!
//! `-0-` stands for an empty field. From sdn.csv: ent_num, SDN_Name ("SURNAME, Given Names" for
//! individuals), SDN_Type, Program, Call_Sign and Vess_flag of vessels, and from Remarks the
//! dates of birth, nationality and citizenship, gender, passports and national ids with their
//! country, vessel IMO numbers, MMSI, aircraft tail and serial numbers, and the weak aliases
//! OFAC writes there ("a.k.a. 'NAME'"). alt.csv aliases are strong: OFAC keeps the weak ones out
//! of it (its `alt_remarks` carries no quality, `-0-` throughout the fixtures). Of add.csv only
//! the country is kept. Remarks are free text: a remark in another form is left out, never an
//! error.
//!
//! The files are taken as bytes: UTF-8 when valid, else Windows-1252, OFAC's encoding before it
//! moved to UTF-8 (a superset of Latin-1 in every printable character). The DOS end-of-file byte
//! (0x1A) OFAC's files end with is ignored.

use std::borrow::Cow;
use std::collections::HashMap;

use chrono::NaiveDate;

use super::{
    BirthDate, DocumentKind, EntryKind, Gender, ImportError, ListedDocument, ListedName,
    NameQuality, WatchlistEntry, clean, csv_records, month_number, order_names, push_unique,
    unclosed_quote, year4,
};

const SDN_COLUMNS: [&str; 12] = [
    "ent_num",
    "SDN_Name",
    "SDN_Type",
    "Program",
    "Title",
    "Call_Sign",
    "Vess_type",
    "Tonnage",
    "GRT",
    "Vess_flag",
    "Vess_owner",
    "Remarks",
];
const ALT_COLUMNS: [&str; 5] = ["ent_num", "alt_num", "alt_type", "alt_name", "alt_remarks"];
const ADD_COLUMNS: [&str; 6] = [
    "ent_num",
    "Add_num",
    "Address",
    "City/State/Province/Postal Code",
    "Country",
    "Add_remarks",
];

/// Reads sdn.csv with the aliases of alt.csv and the address countries of add.csv when given.
pub fn parse(
    sdn: &[u8],
    alt: Option<&[u8]>,
    add: Option<&[u8]>,
) -> Result<Vec<WatchlistEntry>, ImportError> {
    let mut entries = Vec::new();
    let mut by_id: HashMap<String, (usize, usize)> = HashMap::new();
    for row in rows(&decode(sdn), "sdn.csv", &SDN_COLUMNS)? {
        let (line, fields) = row;
        let entry = sdn_entry(line, &fields).map_err(|error| error.in_file("sdn.csv"))?;
        if let Some(&(_, first)) = by_id.get(&entry.id) {
            return Err(
                ImportError::new(line, format!("ent_num repeats the one of line {first}"))
                    .field("ent_num")
                    .in_file("sdn.csv"),
            );
        }
        by_id.insert(entry.id.clone(), (entries.len(), line));
        entries.push(entry);
    }
    if entries.is_empty() {
        return Err(ImportError::new(1, "holds no entry").in_file("sdn.csv"));
    }
    if let Some(alt) = alt {
        for (line, fields) in rows(&decode(alt), "alt.csv", &ALT_COLUMNS)? {
            let index = entry_of(&by_id, line, &fields, "alt.csv")?;
            let entry = &mut entries[index];
            let full = value(&fields[3]).ok_or_else(|| {
                ImportError::new(line, "is empty")
                    .field("alt_name")
                    .in_file("alt.csv")
            })?;
            entry
                .names
                .push(name(&full, NameQuality::Strong, entry.kind));
        }
    }
    if let Some(add) = add {
        for (line, fields) in rows(&decode(add), "add.csv", &ADD_COLUMNS)? {
            let index = entry_of(&by_id, line, &fields, "add.csv")?;
            if let Some(country) = value(&fields[4]) {
                push_unique(&mut entries[index].address_countries, country);
            }
        }
    }
    for entry in &mut entries {
        order_names(&mut entry.names);
    }
    Ok(entries)
}

fn decode(bytes: &[u8]) -> Cow<'_, str> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => {
            encoding_rs::WINDOWS_1252
                .decode_without_bom_handling(bytes)
                .0
        }
    };
    match text {
        Cow::Borrowed(text) => Cow::Borrowed(text.trim_end_matches('\u{1a}')),
        Cow::Owned(text) => Cow::Owned(text.trim_end_matches('\u{1a}').to_owned()),
    }
}

/// The rows of one file, each with exactly the file's columns. A header row, which OFAC's files
/// do not have but a copy saved by a spreadsheet may, is skipped when it names the columns.
fn rows(
    text: &str,
    file: &'static str,
    columns: &[&str],
) -> Result<Vec<(usize, Vec<String>)>, ImportError> {
    if let Some(line) = unclosed_quote(text) {
        return Err(
            ImportError::new(line, "quoted field is never closed (file cut short?)").in_file(file),
        );
    }
    let mut rows = Vec::new();
    for record in csv_records(text) {
        let (line, record) = record.map_err(|error| error.in_file(file))?;
        if record.len() != columns.len() {
            return Err(ImportError::new(
                line,
                format!(
                    "row has {} fields, {file} has {} ({})",
                    record.len(),
                    columns.len(),
                    columns.join(",")
                ),
            )
            .in_file(file));
        }
        let fields: Vec<String> = record.iter().map(str::to_owned).collect();
        if rows.is_empty() && fields[0].trim().eq_ignore_ascii_case("ent_num") {
            let named = fields
                .iter()
                .zip(columns)
                .all(|(field, column)| field.trim().eq_ignore_ascii_case(column));
            if !named {
                return Err(ImportError::new(
                    line,
                    format!(
                        "header does not name {file}'s columns ({})",
                        columns.join(",")
                    ),
                )
                .in_file(file));
            }
            continue;
        }
        rows.push((line, fields));
    }
    Ok(rows)
}

/// The field's text, `None` for `-0-` or blank.
fn value(field: &str) -> Option<String> {
    let text = clean(field);
    (!text.is_empty() && text != "-0-").then_some(text)
}

fn ent_num(line: usize, field: &str) -> Result<String, ImportError> {
    let id = field.trim();
    if id.is_empty() || !id.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err(ImportError::new(line, "is not a number").field("ent_num"));
    }
    Ok(id.to_owned())
}

/// The index of the sdn.csv entry an alt.csv or add.csv row belongs to.
fn entry_of(
    by_id: &HashMap<String, (usize, usize)>,
    line: usize,
    fields: &[String],
    file: &'static str,
) -> Result<usize, ImportError> {
    let id = ent_num(line, &fields[0]).map_err(|error| error.in_file(file))?;
    by_id.get(&id).map(|&(index, _)| index).ok_or_else(|| {
        ImportError::new(line, "names no entry of sdn.csv")
            .field("ent_num")
            .in_file(file)
    })
}

fn sdn_entry(line: usize, fields: &[String]) -> Result<WatchlistEntry, ImportError> {
    let id = ent_num(line, &fields[0])?;
    let kind = match value(&fields[2])
        .map(|kind| kind.to_ascii_lowercase())
        .as_deref()
    {
        None => EntryKind::Organisation,
        Some("individual") => EntryKind::Person,
        Some("vessel") => EntryKind::Vessel,
        Some("aircraft") => EntryKind::Aircraft,
        Some(_) => {
            return Err(ImportError::new(
                line,
                "is not individual, vessel, aircraft or -0- (entity)",
            )
            .field("SDN_Type"));
        }
    };
    let full =
        value(&fields[1]).ok_or_else(|| ImportError::new(line, "is empty").field("SDN_Name"))?;
    let mut entry = WatchlistEntry::new(id, kind, name(&full, NameQuality::Primary, kind));
    for program in value(&fields[3])
        .iter()
        .flat_map(|programs| programs.split("] ["))
    {
        let program = program.trim_matches(['[', ']', ' ']);
        if !program.is_empty() {
            push_unique(&mut entry.programmes, program.to_owned());
        }
    }
    let flag = value(&fields[9]);
    if kind == EntryKind::Vessel
        && let Some(flag) = &flag
    {
        entry.nationalities.push(flag.clone());
    }
    if let Some(call_sign) = value(&fields[5]) {
        entry.documents.push(ListedDocument {
            kind: DocumentKind::Other("call sign".into()),
            number: call_sign,
            country: flag,
        });
    }
    if let Some(remarks) = value(&fields[11]) {
        read_remarks(&remarks, &mut entry);
    }
    Ok(entry)
}

/// An individual's "SURNAME, Given Names" split at the first comma; other names are kept whole
/// ("ANGLO-CARIBBEAN CO., LTD.").
fn name(full: &str, quality: NameQuality, kind: EntryKind) -> ListedName {
    let mut name = ListedName::new(full, quality);
    if kind == EntryKind::Person
        && let Some((family, given)) = name.full.split_once(',')
    {
        let (family, given) = (family.trim().to_owned(), given.trim().to_owned());
        if !family.is_empty() && !given.is_empty() {
            name.parts = vec![family.clone(), given.clone()];
            name.family = Some(family);
            name.given = Some(given);
        }
    }
    name
}

/// The remarks OFAC writes as "label value" items separated by `;`, the last ending in `.`.
fn read_remarks(remarks: &str, entry: &mut WatchlistEntry) {
    for item in remarks.split(';') {
        let item = item.trim();
        let item = item.strip_suffix('.').unwrap_or(item);
        let item = item.strip_prefix("alt. ").unwrap_or(item);
        read_remark(item, entry);
    }
}

fn read_remark(item: &str, entry: &mut WatchlistEntry) {
    if let Some(rest) = item.strip_prefix("DOB ") {
        if let Some(date) = remark_date(rest) {
            push_unique(&mut entry.birth_dates, date);
        }
    } else if let Some(rest) = item
        .strip_prefix("nationality ")
        .or_else(|| item.strip_prefix("citizen "))
    {
        if let Some(country) = value(rest) {
            push_unique(&mut entry.nationalities, country);
        }
    } else if let Some(rest) = item.strip_prefix("Gender ") {
        entry.gender = match rest.trim() {
            "Male" => Some(Gender::Male),
            "Female" => Some(Gender::Female),
            _ => entry.gender,
        };
    } else if let Some(rest) = item
        .strip_prefix("Passport ")
        .or_else(|| item.strip_prefix("Diplomatic Passport "))
    {
        add_document(entry, identifier(DocumentKind::Passport, rest));
    } else if let Some(rest) = item
        .strip_prefix("National ID No. ")
        .or_else(|| item.strip_prefix("Cedula No. "))
    {
        add_document(entry, identifier(DocumentKind::NationalId, rest));
    } else if let Some(rest) = item.strip_prefix("Vessel Registration Identification IMO ") {
        if entry.imo_number.is_none() {
            entry.imo_number = value(rest);
        }
    } else if let Some(rest) = item.strip_prefix("MMSI ") {
        add_document(entry, identifier(DocumentKind::Other("MMSI".into()), rest));
    } else if let Some(rest) = item.strip_prefix("Aircraft Tail Number ") {
        let kind = DocumentKind::Other("aircraft tail number".into());
        add_document(entry, identifier(kind, rest));
    } else if let Some(rest) = item.strip_prefix("Aircraft Manufacturer's Serial Number (MSN) ") {
        let kind = DocumentKind::Other("aircraft serial number (MSN)".into());
        add_document(entry, identifier(kind, rest));
    } else if let Some(rest) = ["a.k.a. ", "f.k.a. ", "n.k.a. "]
        .iter()
        .find_map(|label| item.strip_prefix(label))
    {
        // 'AL-QAYYIM, 'Ibn': only the outer quotes are OFAC's.
        let rest = rest.trim();
        let rest = rest.strip_prefix('\'').unwrap_or(rest);
        let rest = rest.strip_suffix('\'').unwrap_or(rest);
        if !clean(rest).is_empty() {
            entry.names.push(name(rest, NameQuality::Weak, entry.kind));
        }
    }
}

fn add_document(entry: &mut WatchlistEntry, document: Option<ListedDocument>) {
    if let Some(document) = document {
        push_unique(&mut entry.documents, document);
    }
}

/// "RL 1622378 (Lebanon) issued 10 Sep 1997 expires 2002": the number (which may hold spaces
/// and parentheses), then the country in the last parentheses before the dates.
fn identifier(kind: DocumentKind, rest: &str) -> Option<ListedDocument> {
    // "National ID No.: 1372584, Kenya" and other forms with a colon are not read.
    if rest.starts_with(':') || rest.starts_with("No.") {
        return None;
    }
    let end = [" issued ", " expires "]
        .iter()
        .filter_map(|label| rest.find(label))
        .min()
        .unwrap_or(rest.len());
    let text = rest[..end].trim();
    let (number, country) = match text.strip_suffix(')').and_then(|t| t.rsplit_once(" (")) {
        Some((number, country)) => (number, Some(clean(country)).filter(|c| !c.is_empty())),
        None => (text, None),
    };
    let number = value(number)?;
    Some(ListedDocument {
        kind,
        number,
        country,
    })
}

/// A date as OFAC writes it in "DOB": "10 Jul 1964", "Jul 1964", "1964", "circa 1964", ranges
/// "1960 to 1965", "01 Jan 1960 to 31 Dec 1962", "circa 1964-1966".
fn remark_date(text: &str) -> Option<BirthDate> {
    let text = text.trim();
    let (circa, text) = match text.strip_prefix("circa ") {
        Some(rest) => (true, rest.trim()),
        None => (false, text),
    };
    let range = text.split_once(" to ").or_else(|| {
        text.split_once('-')
            .filter(|(from, to)| year4(from).is_some() && year4(to).is_some())
    });
    if let Some((from, to)) = range {
        let (from, to) = (partial_date(from)?, partial_date(to)?);
        if from.year > to.year {
            return None;
        }
        return Some(if from.year != to.year {
            BirthDate::Between(from.year, to.year)
        } else {
            match (from.month, to.month) {
                (Some(month), Some(other)) if month == other => BirthDate::Month(from.year, month),
                _ => BirthDate::Year(from.year),
            }
        });
    }
    let date = partial_date(text)?;
    Some(if circa {
        BirthDate::Circa(date.year)
    } else {
        date.birth_date()
    })
}

struct PartialDate {
    year: i32,
    month: Option<u32>,
    day: Option<NaiveDate>,
}

impl PartialDate {
    fn birth_date(&self) -> BirthDate {
        match (self.day, self.month) {
            (Some(day), _) => BirthDate::Exact(day),
            (None, Some(month)) => BirthDate::Month(self.year, month),
            (None, None) => BirthDate::Year(self.year),
        }
    }
}

/// "10 Jul 1964", "Jul 1964" or "1964".
fn partial_date(text: &str) -> Option<PartialDate> {
    let words: Vec<&str> = text.split_whitespace().collect();
    match words.as_slice() {
        [year] => Some(PartialDate {
            year: year4(year)?,
            month: None,
            day: None,
        }),
        [month, year] => Some(PartialDate {
            year: year4(year)?,
            month: Some(month_number(month)?),
            day: None,
        }),
        [day, month, year] => {
            let (year, month) = (year4(year)?, month_number(month)?);
            let day = (day.len() <= 2).then(|| day.parse().ok()).flatten()?;
            Some(PartialDate {
                year,
                month: Some(month),
                day: Some(NaiveDate::from_ymd_opt(year, month, day)?),
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// Invented rows in OFAC's layout (no header, `-0-` for empty, CRLF, DOS end-of-file byte).
    const SDN: &str = concat!(
        "101,\"SAMPLE, Invented Person\",\"individual\",\"SDGT] [IFSR\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,",
        "\"DOB 10 Jul 1964; alt. DOB circa 1966; alt. DOB 1960 to 1962; alt. DOB Feb 1970; ",
        "POB Nowhere; nationality Utopia; citizen Utopia; alt. citizen Ruritania; Gender Female; ",
        "Passport RL 1622378 (Utopia) issued 10 Sep 1997 expires 09 Sep 2002; ",
        "National ID No. 13/Ta (Na)019 (Ruritania); Cedula No. 778899; ",
        "a.k.a. 'SAMPLE, Zed'; a.k.a. 'EL INVENTADO'; a.k.a. 'Invented Person SAMPLE'.\"\r\n",
        "102,\"INVENTED SHIPPING CO., LTD.\",-0- ,\"CUBA\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,\"a.k.a. 'ISC'.\"\r\n",
        "103,\"INVENTED STAR\",\"vessel\",\"IRAN\",-0- ,\"9BXY1\",\"Crude Oil Tanker\",-0- ,\"150000\",\"Utopia\",\"Invented Shipping\",",
        "\"Vessel Registration Identification IMO 9123456; MMSI 422000000; Linked To: INVENTED SHIPPING CO., LTD..\"\r\n",
        "104,\"EP-ABC\",\"aircraft\",\"SDGT\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,",
        "\"Aircraft Tail Number EP-ABC; Aircraft Manufacturer's Serial Number (MSN) 1023; Aircraft Model IL-76.\"\r\n",
        "\u{1a}",
    );

    const ALT: &str = concat!(
        "101,1,\"aka\",\"SAMPLE, Inventa\",-0- \n",
        "101,2,\"fka\",\"EL INVENTADO\",-0- \n",
        "102,3,\"aka\",\"ISC LTD\",-0- \n",
    );

    const ADD: &str = concat!(
        "101,1,\"Invented Street 1\",\"Nowhere\",\"Utopia\",-0- \n",
        "101,2,-0- ,-0- ,\"Utopia\",-0- \n",
        "102,3,-0- ,\"Elsewhere\",\"Ruritania\",-0- \n",
    );

    fn parsed() -> Vec<WatchlistEntry> {
        parse(SDN.as_bytes(), Some(ALT.as_bytes()), Some(ADD.as_bytes())).unwrap()
    }

    fn names(entry: &WatchlistEntry) -> Vec<(&str, NameQuality)> {
        entry
            .names
            .iter()
            .map(|name| (name.full.as_str(), name.quality))
            .collect()
    }

    #[test]
    fn an_individual_reads_name_parts_remarks_and_aliases() {
        let entries = parsed();
        assert_eq!(entries.len(), 4);
        let person = &entries[0];
        assert_eq!(
            (person.id.as_str(), person.kind),
            ("101", EntryKind::Person)
        );
        let primary = &person.names[0];
        assert_eq!(primary.full, "SAMPLE, Invented Person");
        assert_eq!(primary.family.as_deref(), Some("SAMPLE"));
        assert_eq!(primary.given.as_deref(), Some("Invented Person"));
        assert_eq!(primary.parts, ["SAMPLE", "Invented Person"]);
        assert_eq!(
            names(person),
            [
                ("SAMPLE, Invented Person", NameQuality::Primary),
                ("SAMPLE, Inventa", NameQuality::Strong),
                ("EL INVENTADO", NameQuality::Strong),
                ("SAMPLE, Zed", NameQuality::Weak),
                ("Invented Person SAMPLE", NameQuality::Weak),
            ]
        );
        assert_eq!(person.names[3].given.as_deref(), Some("Zed"));
        assert_eq!(
            person.birth_dates,
            [
                BirthDate::Exact(date(1964, 7, 10)),
                BirthDate::Circa(1966),
                BirthDate::Between(1960, 1962),
                BirthDate::Month(1970, 2),
            ]
        );
        assert_eq!(person.nationalities, ["Utopia", "Ruritania"]);
        assert_eq!(person.gender, Some(Gender::Female));
        let documents: Vec<(&DocumentKind, &str, Option<&str>)> = person
            .documents
            .iter()
            .map(|d| (&d.kind, d.number.as_str(), d.country.as_deref()))
            .collect();
        assert_eq!(
            documents,
            [
                (&DocumentKind::Passport, "RL 1622378", Some("Utopia")),
                (
                    &DocumentKind::NationalId,
                    "13/Ta (Na)019",
                    Some("Ruritania")
                ),
                (&DocumentKind::NationalId, "778899", None),
            ]
        );
        assert_eq!(person.programmes, ["SDGT", "IFSR"]);
        assert_eq!(person.address_countries, ["Utopia"]);
        assert_eq!(person.listed_on, None);
    }

    #[test]
    fn entities_vessels_and_aircraft() {
        let entries = parsed();
        let company = &entries[1];
        assert_eq!(company.kind, EntryKind::Organisation);
        assert_eq!(company.names[0].family, None);
        assert_eq!(
            names(company),
            [
                ("INVENTED SHIPPING CO., LTD.", NameQuality::Primary),
                ("ISC LTD", NameQuality::Strong),
                ("ISC", NameQuality::Weak),
            ]
        );
        assert_eq!(company.address_countries, ["Ruritania"]);

        let vessel = &entries[2];
        assert_eq!(vessel.kind, EntryKind::Vessel);
        assert_eq!(vessel.imo_number.as_deref(), Some("9123456"));
        assert_eq!(vessel.nationalities, ["Utopia"]);
        let identifiers: Vec<(&DocumentKind, &str)> = vessel
            .documents
            .iter()
            .map(|d| (&d.kind, d.number.as_str()))
            .collect();
        assert_eq!(
            identifiers,
            [
                (&DocumentKind::Other("call sign".into()), "9BXY1"),
                (&DocumentKind::Other("MMSI".into()), "422000000"),
            ]
        );
        let aircraft = &entries[3];
        assert_eq!(aircraft.kind, EntryKind::Aircraft);
        assert_eq!(aircraft.documents.len(), 2);
        assert_eq!(aircraft.documents[1].number, "1023");
    }

    #[test]
    fn windows_1252_bytes_are_read() {
        let sdn = b"7,\"M\xdcLLER, J\xf6rg\",\"individual\",\"SDGT\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,\"nationality C\xf4te d'Ivoire.\"\n";
        let entries = parse(sdn, None, None).unwrap();
        assert_eq!(entries[0].names[0].full, "MÜLLER, Jörg");
        assert_eq!(entries[0].nationalities, ["Côte d'Ivoire"]);
    }

    #[test]
    fn a_header_row_is_skipped_only_when_it_names_the_columns() {
        let header = format!("{}\n", SDN_COLUMNS.join(","));
        let entries = parse(format!("{header}{SDN}").as_bytes(), None, None).unwrap();
        assert_eq!(entries.len(), 4);
        let wrong = header.replace("Remarks", "Notes");
        let error = parse(format!("{wrong}{SDN}").as_bytes(), None, None).unwrap_err();
        assert_eq!((error.file, error.line), (Some("sdn.csv"), 1), "{error}");
    }

    #[test]
    fn errors_name_file_line_and_column() {
        type Case<'a> = (
            &'a [u8],
            Option<&'a [u8]>,
            (&'a str, usize, Option<&'a str>),
        );
        let cases: [Case; 7] = [
            (b"", None, ("sdn.csv", 1, None)),
            (b"x,y\n", None, ("sdn.csv", 1, None)),
            (
                b"1,\"A\",-0-,-0-,-0-,-0-,-0-,-0-,-0-,-0-,-0-,-0-\nA1,\"B\",-0-,-0-,-0-,-0-,-0-,-0-,-0-,-0-,-0-,-0-\n",
                None,
                ("sdn.csv", 2, Some("ent_num")),
            ),
            (
                b"1,\"A\",\"person\",-0-,-0-,-0-,-0-,-0-,-0-,-0-,-0-,-0-\n",
                None,
                ("sdn.csv", 1, Some("SDN_Type")),
            ),
            (
                b"1,-0-,-0-,-0-,-0-,-0-,-0-,-0-,-0-,-0-,-0-,-0-\n",
                None,
                ("sdn.csv", 1, Some("SDN_Name")),
            ),
            (
                SDN.as_bytes(),
                Some(b"101,1,\"aka\",\"X\",-0-\n999,2,\"aka\",\"Y\",-0-\n"),
                ("alt.csv", 2, Some("ent_num")),
            ),
            (
                SDN.as_bytes(),
                Some(b"101,1,\"aka\",-0-,-0-\n"),
                ("alt.csv", 1, Some("alt_name")),
            ),
        ];
        for (sdn, alt, (file, line, field)) in cases {
            let error = parse(sdn, alt, None).unwrap_err();
            assert_eq!(
                (error.file, error.line, error.field.as_deref()),
                (Some(file), line, field),
                "{error}"
            );
        }
        let twice = format!("{SDN}{SDN}").replace('\u{1a}', "");
        let error = parse(twice.as_bytes(), None, None).unwrap_err();
        assert_eq!((error.line, error.field.as_deref()), (5, Some("ent_num")));
        assert!(error.reason.contains("line 1"), "{error}");
    }

    #[test]
    fn truncated_rows_fail_at_their_line() {
        let inside_quotes = &SDN[..SDN.find("MMSI").unwrap()];
        let error = parse(inside_quotes.as_bytes(), None, None).unwrap_err();
        assert_eq!(error.line, 3, "{error}");
        assert!(error.reason.contains("never closed"), "{error}");
        let between_fields = &SDN[..SDN.find("\"vessel\"").unwrap()];
        let error = parse(between_fields.as_bytes(), None, None).unwrap_err();
        assert_eq!(error.line, 3, "{error}");
        assert!(error.reason.contains("row has 3 fields"), "{error}");
        assert!(!error.to_string().contains("INVENTED"), "{error}");
    }

    #[test]
    fn remark_dates_in_every_form() {
        let cases = [
            ("10 Jul 1964", Some(BirthDate::Exact(date(1964, 7, 10)))),
            ("Jul 1964", Some(BirthDate::Month(1964, 7))),
            ("1964", Some(BirthDate::Year(1964))),
            ("circa 1964", Some(BirthDate::Circa(1964))),
            ("circa 01 Jul 1964", Some(BirthDate::Circa(1964))),
            ("1960 to 1965", Some(BirthDate::Between(1960, 1965))),
            ("circa 1960-1965", Some(BirthDate::Between(1960, 1965))),
            (
                "01 Jan 1960 to 31 Dec 1962",
                Some(BirthDate::Between(1960, 1962)),
            ),
            (
                "01 Feb 1970 to 28 Feb 1970",
                Some(BirthDate::Month(1970, 2)),
            ),
            ("01 Jan 1970 to 31 Dec 1970", Some(BirthDate::Year(1970))),
            ("1965 to 1960", None),
            ("31 Feb 1964", None),
            ("10 Julio 1964", None),
            ("unknown", None),
            ("", None),
        ];
        for (text, expected) in cases {
            assert_eq!(remark_date(text), expected, "{text}");
        }
    }
}
