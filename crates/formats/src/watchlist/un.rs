//! The UN Security Council consolidated list, XML (schema `sc-sanctions.xsd`).
//!
//! `INDIVIDUAL` becomes a person, `ENTITY` an organisation. Read: REFERENCE_NUMBER (DATAID when
//! it is empty), FIRST_NAME to FOURTH_NAME, NAME_ORIGINAL_SCRIPT, aliases with their QUALITY,
//! dates of birth (also those given on an alias), NATIONALITY, GENDER, documents with a number,
//! UN_LIST_TYPE, LISTED_ON and the COUNTRY of each address. Free text (COMMENTS1, designations,
//! titles, notes) is not read, except a DATE_OF_BIRTH NOTE that names a month ("Nov. 1973").

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use quick_xml::Reader;
use quick_xml::errors::{Error as XmlError, IllFormedError, SyntaxError};
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::Event;

use super::{
    BirthDate, DocumentKind, EntryKind, Gender, ImportError, Lines, ListedDocument, ListedName,
    NameQuality, WatchlistEntry, clean, iso_date, month_number, non_empty, order_names,
    push_unique, year4,
};

/// The schema nests five levels deep; anything far deeper is not this list (and a tree that
/// deep would be dropped recursively).
const MAX_DEPTH: usize = 16;

const NAME_FIELDS: [&str; 4] = ["FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME"];

/// Reads the whole list; the first problem is the error.
pub fn parse(xml: &str) -> Result<Vec<WatchlistEntry>, ImportError> {
    let root = read_tree(xml)?;
    if root.name != "CONSOLIDATED_LIST" {
        // The element found is not named: it is input, and could be anything.
        return Err(
            ImportError::new(root.line, "root element is not CONSOLIDATED_LIST")
                .field("CONSOLIDATED_LIST"),
        );
    }
    let mut entries = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for group in &root.children {
        let (record_name, kind) = match group.name.as_str() {
            "INDIVIDUALS" => ("INDIVIDUAL", EntryKind::Person),
            "ENTITIES" => ("ENTITY", EntryKind::Organisation),
            _ => continue,
        };
        for record in group.children(record_name) {
            let entry = read_record(record, kind)?;
            if let Some(first) = seen.insert(entry.id.clone(), record.line) {
                return Err(ImportError::new(
                    record.line,
                    format!("reference number repeats the one of the record at line {first}"),
                )
                .field("REFERENCE_NUMBER"));
            }
            entries.push(entry);
        }
    }
    Ok(entries)
}

/// An XML element with its text (references resolved, not yet cleaned) and the line it starts on.
struct Element {
    name: String,
    line: usize,
    text: String,
    children: Vec<Element>,
}

impl Element {
    fn new(name: &[u8], line: usize) -> Self {
        Self {
            name: String::from_utf8_lossy(name).into_owned(),
            line,
            text: String::new(),
            children: Vec::new(),
        }
    }

    fn children<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> {
        self.children.iter().filter(move |child| child.name == name)
    }

    fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|child| child.name == name)
    }

    /// The cleaned text of the first child so named, `None` when absent or empty.
    fn text_of(&self, name: &str) -> Option<String> {
        self.child(name).and_then(|child| non_empty(&child.text))
    }
}

fn read_tree(xml: &str) -> Result<Element, ImportError> {
    let lines = Lines::new(xml);
    let mut reader = Reader::from_str(xml);
    let mut open: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let start = reader.buffer_position();
        let event = reader.read_event().map_err(|error| {
            ImportError::new(lines.at(reader.error_position()), malformed(&error))
        })?;
        let line = lines.at(start);
        match event {
            Event::Start(_) | Event::Empty(_) if open.len() >= MAX_DEPTH => {
                return Err(ImportError::new(
                    line,
                    "elements are nested deeper than the list's schema allows",
                ));
            }
            Event::Start(tag) => open.push(Element::new(tag.name().as_ref(), line)),
            Event::Empty(tag) => {
                let element = Element::new(tag.name().as_ref(), line);
                attach(&mut open, &mut root, element, line)?;
            }
            Event::End(_) => {
                // quick-xml has checked that the end tag closes the innermost open element.
                if let Some(element) = open.pop() {
                    attach(&mut open, &mut root, element, line)?;
                }
            }
            Event::Text(text) => {
                let text = text
                    .decode()
                    .map_err(|_| ImportError::new(line, "text is not valid UTF-8"))?;
                add_text(&mut open, &text, line)?;
            }
            Event::CData(data) => {
                let text = data
                    .decode()
                    .map_err(|_| ImportError::new(line, "text is not valid UTF-8"))?;
                add_text(&mut open, &text, line)?;
            }
            Event::GeneralRef(reference) => {
                let text = match reference.resolve_char_ref() {
                    Ok(Some(character)) => character.to_string(),
                    Ok(None) => reference
                        .decode()
                        .ok()
                        .and_then(|name| resolve_predefined_entity(&name))
                        .ok_or_else(|| {
                            ImportError::new(line, "malformed XML: entity is not one XML defines")
                        })?
                        .to_owned(),
                    Err(_) => {
                        return Err(ImportError::new(
                            line,
                            "malformed XML: invalid character reference",
                        ));
                    }
                };
                add_text(&mut open, &text, line)?;
            }
            Event::Eof => break,
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
        }
    }
    if let Some(unclosed) = open.last() {
        return Err(ImportError::new(
            lines.last(),
            format!(
                "input ends inside the element opened at line {} (truncated file?)",
                unclosed.line
            ),
        ));
    }
    root.ok_or_else(|| ImportError::new(1, "input holds no XML element"))
}

fn attach(
    open: &mut [Element],
    root: &mut Option<Element>,
    element: Element,
    line: usize,
) -> Result<(), ImportError> {
    match open.last_mut() {
        Some(parent) => parent.children.push(element),
        None if root.is_some() => {
            return Err(ImportError::new(
                line,
                "malformed XML: a second element after the root",
            ));
        }
        None => *root = Some(element),
    }
    Ok(())
}

fn add_text(open: &mut [Element], text: &str, line: usize) -> Result<(), ImportError> {
    match open.last_mut() {
        Some(element) => element.text.push_str(text),
        None if text.trim().is_empty() => {}
        None => {
            return Err(ImportError::new(
                line,
                "malformed XML: text outside the root element",
            ));
        }
    }
    Ok(())
}

/// quick-xml's error as a fixed phrase: its own messages may quote tag names or entity names
/// taken from the input.
fn malformed(error: &XmlError) -> &'static str {
    match error {
        XmlError::Syntax(SyntaxError::UnclosedTag) => {
            "malformed XML: tag not closed by `>` before the end of the input"
        }
        XmlError::Syntax(SyntaxError::UnclosedComment) => {
            "malformed XML: comment not closed before the end of the input"
        }
        XmlError::Syntax(SyntaxError::UnclosedCData) => {
            "malformed XML: CDATA section not closed before the end of the input"
        }
        XmlError::Syntax(_) => "malformed XML: markup not closed before the end of the input",
        XmlError::IllFormed(IllFormedError::MismatchedEndTag { .. }) => {
            "malformed XML: end tag does not close the element open at that point"
        }
        XmlError::IllFormed(IllFormedError::UnmatchedEndTag(_)) => {
            "malformed XML: end tag without a matching start tag"
        }
        XmlError::IllFormed(IllFormedError::UnclosedReference) => {
            "malformed XML: reference not closed by `;`"
        }
        XmlError::IllFormed(_) => "malformed XML: not well-formed",
        XmlError::InvalidAttr(_) => "malformed XML: malformed attribute",
        XmlError::Escape(_) => "malformed XML: unknown entity or invalid character reference",
        XmlError::Encoding(_) => "malformed XML: text is not valid UTF-8",
        XmlError::Io(_) | XmlError::Namespace(_) => "malformed XML",
    }
}

fn read_record(record: &Element, kind: EntryKind) -> Result<WatchlistEntry, ImportError> {
    let id = record
        .text_of("REFERENCE_NUMBER")
        .or_else(|| record.text_of("DATAID"))
        .ok_or_else(|| {
            ImportError::new(
                record.line,
                "record has neither a reference number nor a DATAID",
            )
            .field("REFERENCE_NUMBER")
        })?;
    let mut entry = WatchlistEntry::new(id, kind, primary_name(record, kind)?);
    let alias_element = match kind {
        EntryKind::Person => "INDIVIDUAL_ALIAS",
        _ => "ENTITY_ALIAS",
    };
    let mut alias_dates = Vec::new();
    for alias in record.children(alias_element) {
        let Some(full) = alias.text_of("ALIAS_NAME") else {
            continue;
        };
        entry
            .names
            .push(ListedName::new(&full, alias_quality(alias)));
        if let Some(date) = alias.child("DATE_OF_BIRTH")
            && let Some(birth_date) = alias_birth_date(date)?
        {
            alias_dates.push(birth_date);
        }
    }
    order_names(&mut entry.names);
    for date in record.children("INDIVIDUAL_DATE_OF_BIRTH") {
        if let Some(birth_date) = birth_date(date)? {
            push_unique(&mut entry.birth_dates, birth_date);
        }
    }
    // The record's own dates first, then the ones only an alias gives.
    for birth_date in alias_dates {
        push_unique(&mut entry.birth_dates, birth_date);
    }
    for nationality in record.children("NATIONALITY") {
        for value in nationality.children("VALUE") {
            // "na" is how the list writes "not available", not a country.
            if let Some(value) = non_empty(&value.text).filter(|v| !v.eq_ignore_ascii_case("na")) {
                push_unique(&mut entry.nationalities, value);
            }
        }
    }
    entry.gender =
        record
            .text_of("GENDER")
            .and_then(|gender| match gender.to_ascii_lowercase().as_str() {
                "male" => Some(Gender::Male),
                "female" => Some(Gender::Female),
                _ => None,
            });
    // The list repeats a passport under its French and Spanish names: kept once.
    for document in record.children("INDIVIDUAL_DOCUMENT").filter_map(document) {
        push_unique(&mut entry.documents, document);
    }
    if let Some(programme) = record.text_of("UN_LIST_TYPE") {
        entry.programmes.push(programme);
    }
    entry.listed_on = listed_on(record)?;
    let address_element = match kind {
        EntryKind::Person => "INDIVIDUAL_ADDRESS",
        _ => "ENTITY_ADDRESS",
    };
    for address in record.children(address_element) {
        if let Some(country) = address.text_of("COUNTRY") {
            push_unique(&mut entry.address_countries, country);
        }
    }
    Ok(entry)
}

fn primary_name(record: &Element, kind: EntryKind) -> Result<ListedName, ImportError> {
    let parts: Vec<String> = NAME_FIELDS
        .iter()
        .filter_map(|field| record.text_of(field))
        .collect();
    if parts.is_empty() {
        return Err(ImportError::new(record.line, "record has no name").field("FIRST_NAME"));
    }
    let mut name = ListedName::new(&parts.join(" "), NameQuality::Primary);
    // An entity's whole name is in FIRST_NAME: it has no parts.
    if kind == EntryKind::Person {
        name.parts = parts;
    }
    name.original_script = record.text_of("NAME_ORIGINAL_SCRIPT");
    Ok(name)
}

/// "Low" is weak; "Good", "a.k.a." and "f.k.a." (which entities carry) are strong.
fn alias_quality(alias: &Element) -> NameQuality {
    match alias.text_of("QUALITY") {
        Some(quality) if quality.eq_ignore_ascii_case("low") => NameQuality::Weak,
        _ => NameQuality::Strong,
    }
}

/// A DATE_OF_BIRTH on an alias: `YYYY-MM-DD` or `YYYY`.
fn alias_birth_date(date: &Element) -> Result<Option<BirthDate>, ImportError> {
    let Some(text) = non_empty(&date.text) else {
        return Ok(None);
    };
    iso_date(&text)
        .map(BirthDate::Exact)
        .or_else(|| year4(&text).map(BirthDate::Year))
        .map(Some)
        .ok_or_else(|| {
            ImportError::new(date.line, "is not YYYY-MM-DD or YYYY").field("DATE_OF_BIRTH")
        })
}

/// One INDIVIDUAL_DATE_OF_BIRTH. DATE, YEAR, FROM_YEAR and TO_YEAR are typed by the schema and
/// an error when malformed; a NOTE is free text and read only when it names a month.
fn birth_date(date: &Element) -> Result<Option<BirthDate>, ImportError> {
    let year = |field: &'static str| -> Result<Option<i32>, ImportError> {
        date.child(field)
            .and_then(|element| non_empty(&element.text).map(|text| (element.line, text)))
            .map(|(line, text)| {
                year4(&text)
                    .ok_or_else(|| ImportError::new(line, "is not a four-digit year").field(field))
            })
            .transpose()
    };
    let approximate = date
        .text_of("TYPE_OF_DATE")
        .is_some_and(|kind| kind.eq_ignore_ascii_case("approximately"));
    if let Some(element) = date.child("DATE").filter(|d| !d.text.trim().is_empty()) {
        let text = clean(&element.text);
        let exact = iso_date(text.get(..10).unwrap_or(&text))
            .ok_or_else(|| ImportError::new(element.line, "is not YYYY-MM-DD").field("DATE"))?;
        return Ok(Some(if approximate {
            BirthDate::Circa(exact.year())
        } else {
            BirthDate::Exact(exact)
        }));
    }
    if let (Some(from), Some(to)) = (year("FROM_YEAR")?, year("TO_YEAR")?) {
        if from > to {
            return Err(
                ImportError::new(date.line, "FROM_YEAR is after TO_YEAR").field("FROM_YEAR")
            );
        }
        return Ok(Some(BirthDate::Between(from, to)));
    }
    let note = date.text_of("NOTE");
    let found = match year("YEAR")? {
        // "<YEAR>1958</YEAR><NOTE>Sep.</NOTE>"
        Some(year) => Some(match note.as_deref().and_then(month_number) {
            Some(month) => BirthDate::Month(year, month),
            None => BirthDate::Year(year),
        }),
        None => note.as_deref().and_then(note_month),
    };
    Ok(found.map(|found| match found {
        _ if !approximate => found,
        BirthDate::Month(year, _) | BirthDate::Year(year) => BirthDate::Circa(year),
        other => other,
    }))
}

/// "Nov. 1973", "August 1961": a month and a four-digit year, nothing else.
fn note_month(note: &str) -> Option<BirthDate> {
    let mut words = note.split_whitespace();
    let (month, year, rest) = (words.next()?, words.next()?, words.next());
    if rest.is_some() {
        return None;
    }
    Some(BirthDate::Month(year4(year)?, month_number(month)?))
}

/// A document with a number; the kind is TYPE_OF_DOCUMENT (the list also writes it in French and
/// Spanish; TYPE_OF_DOCUMENT2 names it when that is empty), the country ISSUING_COUNTRY or else
/// COUNTRY_OF_ISSUE.
fn document(element: &Element) -> Option<ListedDocument> {
    let number = element.text_of("NUMBER")?;
    let kind = match element.text_of("TYPE_OF_DOCUMENT") {
        None => match element.text_of("TYPE_OF_DOCUMENT2") {
            Some(other) => DocumentKind::Other(other),
            None => DocumentKind::Unspecified,
        },
        Some(kind) => {
            let lower = kind.to_lowercase();
            if lower.contains("passport")
                || lower.contains("passeport")
                || lower.contains("pasaporte")
            {
                DocumentKind::Passport
            } else if lower == "national identification number" {
                DocumentKind::NationalId
            } else {
                DocumentKind::Other(kind)
            }
        }
    };
    let country = element
        .text_of("ISSUING_COUNTRY")
        .or_else(|| element.text_of("COUNTRY_OF_ISSUE"));
    Some(ListedDocument {
        kind,
        number,
        country,
    })
}

/// LISTED_ON is an `xs:date`, sometimes with a time zone ("2015-04-07-04:00").
fn listed_on(record: &Element) -> Result<Option<NaiveDate>, ImportError> {
    let Some(element) = record.child("LISTED_ON") else {
        return Ok(None);
    };
    let Some(text) = non_empty(&element.text) else {
        return Ok(None);
    };
    iso_date(text.get(..10).unwrap_or(&text))
        .map(Some)
        .ok_or_else(|| ImportError::new(element.line, "is not YYYY-MM-DD").field("LISTED_ON"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<CONSOLIDATED_LIST dateGenerated="2026-01-01T00:00:00Z">"#;

    fn list(individuals: &str, entities: &str) -> String {
        format!(
            "{HEADER}\n<INDIVIDUALS>{individuals}</INDIVIDUALS>\n<ENTITIES>{entities}</ENTITIES>\n</CONSOLIDATED_LIST>\n"
        )
    }

    /// An invented individual with every field the parser reads.
    const INVENTED: &str = r#"
<INDIVIDUAL>
  <DATAID>900001</DATAID>
  <FIRST_NAME>ZORAN </FIRST_NAME>
  <SECOND_NAME>INVENTED</SECOND_NAME>
  <THIRD_NAME>SAMPLE  PERSON</THIRD_NAME>
  <UN_LIST_TYPE>Al-Qaida</UN_LIST_TYPE>
  <REFERENCE_NUMBER>QDi.900 </REFERENCE_NUMBER>
  <LISTED_ON>2015-04-07-04:00</LISTED_ON>
  <GENDER>Female</GENDER>
  <NAME_ORIGINAL_SCRIPT>Зоран</NAME_ORIGINAL_SCRIPT>
  <NATIONALITY><VALUE>Utopia</VALUE><VALUE>Ruritania &amp; Co</VALUE><VALUE>na</VALUE></NATIONALITY>
  <INDIVIDUAL_ALIAS><QUALITY>Low</QUALITY><ALIAS_NAME>Abu Sample</ALIAS_NAME></INDIVIDUAL_ALIAS>
  <INDIVIDUAL_ALIAS><QUALITY/><ALIAS_NAME/></INDIVIDUAL_ALIAS>
  <INDIVIDUAL_ALIAS><QUALITY>Good</QUALITY><ALIAS_NAME>Zoran
      Sample</ALIAS_NAME><DATE_OF_BIRTH>1960-02-22</DATE_OF_BIRTH></INDIVIDUAL_ALIAS>
  <INDIVIDUAL_ADDRESS><CITY>Nowhere</CITY><COUNTRY>Utopia</COUNTRY></INDIVIDUAL_ADDRESS>
  <INDIVIDUAL_ADDRESS><COUNTRY /></INDIVIDUAL_ADDRESS>
  <INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>EXACT</TYPE_OF_DATE><DATE>1961-03-04</DATE></INDIVIDUAL_DATE_OF_BIRTH>
  <INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>APPROXIMATELY</TYPE_OF_DATE><YEAR>1962</YEAR></INDIVIDUAL_DATE_OF_BIRTH>
  <INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>BETWEEN</TYPE_OF_DATE><FROM_YEAR>1955</FROM_YEAR><TO_YEAR>1958</TO_YEAR></INDIVIDUAL_DATE_OF_BIRTH>
  <INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>EXACT</TYPE_OF_DATE><YEAR>1958</YEAR><NOTE>Sep.</NOTE></INDIVIDUAL_DATE_OF_BIRTH>
  <INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>EXACT</TYPE_OF_DATE><NOTE>Nov. 1973 </NOTE></INDIVIDUAL_DATE_OF_BIRTH>
  <INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>EXACT</TYPE_OF_DATE><NOTE>24/06/1402 (Hijri Calendar)</NOTE></INDIVIDUAL_DATE_OF_BIRTH>
  <INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE/></INDIVIDUAL_DATE_OF_BIRTH>
  <INDIVIDUAL_DOCUMENT><TYPE_OF_DOCUMENT>Passport</TYPE_OF_DOCUMENT><NUMBER>X 123</NUMBER><ISSUING_COUNTRY>Utopia</ISSUING_COUNTRY><COUNTRY_OF_ISSUE>Elsewhere</COUNTRY_OF_ISSUE></INDIVIDUAL_DOCUMENT>
  <INDIVIDUAL_DOCUMENT><TYPE_OF_DOCUMENT>Numéro de passeport </TYPE_OF_DOCUMENT><NUMBER>P9</NUMBER><COUNTRY_OF_ISSUE>Elsewhere</COUNTRY_OF_ISSUE></INDIVIDUAL_DOCUMENT>
  <INDIVIDUAL_DOCUMENT><TYPE_OF_DOCUMENT>National Identification
      Number</TYPE_OF_DOCUMENT><TYPE_OF_DOCUMENT2>Ration card no.</TYPE_OF_DOCUMENT2><NUMBER>0094</NUMBER></INDIVIDUAL_DOCUMENT>
  <INDIVIDUAL_DOCUMENT><TYPE_OF_DOCUMENT>Passport</TYPE_OF_DOCUMENT><NUMBER/></INDIVIDUAL_DOCUMENT>
  <INDIVIDUAL_DOCUMENT/>
</INDIVIDUAL>"#;

    const ENTITY: &str = r#"
<ENTITY>
  <DATAID>900002</DATAID>
  <FIRST_NAME>INVENTED TRADING CO., LTD.</FIRST_NAME>
  <UN_LIST_TYPE>DPRK</UN_LIST_TYPE>
  <REFERENCE_NUMBER/>
  <LISTED_ON>2017-08-05</LISTED_ON>
  <ENTITY_ALIAS><QUALITY>a.k.a.</QUALITY><ALIAS_NAME>INVENTED TRADING</ALIAS_NAME></ENTITY_ALIAS>
  <ENTITY_ALIAS><QUALITY>f.k.a.</QUALITY><ALIAS_NAME>OLD INVENTED CO</ALIAS_NAME></ENTITY_ALIAS>
  <ENTITY_ADDRESS><COUNTRY>Utopia</COUNTRY></ENTITY_ADDRESS>
</ENTITY>"#;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn an_individual_reads_every_field() {
        let entries = parse(&list(INVENTED, "")).unwrap();
        let [person] = entries.as_slice() else {
            panic!("one entry expected, got {}", entries.len());
        };
        assert_eq!(person.id, "QDi.900");
        assert_eq!(person.kind, EntryKind::Person);
        let primary = &person.names[0];
        assert_eq!(primary.full, "ZORAN INVENTED SAMPLE PERSON");
        assert_eq!(primary.parts, ["ZORAN", "INVENTED", "SAMPLE PERSON"]);
        assert_eq!(
            (primary.given.as_deref(), primary.family.as_deref()),
            (None, None)
        );
        assert_eq!(primary.original_script.as_deref(), Some("Зоран"));
        let names: Vec<(&str, NameQuality)> = person
            .names
            .iter()
            .map(|name| (name.full.as_str(), name.quality))
            .collect();
        assert_eq!(
            names,
            [
                ("ZORAN INVENTED SAMPLE PERSON", NameQuality::Primary),
                ("Zoran Sample", NameQuality::Strong),
                ("Abu Sample", NameQuality::Weak),
            ]
        );
        assert_eq!(
            person.birth_dates,
            [
                BirthDate::Exact(date(1961, 3, 4)),
                BirthDate::Circa(1962),
                BirthDate::Between(1955, 1958),
                BirthDate::Month(1958, 9),
                BirthDate::Month(1973, 11),
                BirthDate::Exact(date(1960, 2, 22)),
            ]
        );
        assert_eq!(person.nationalities, ["Utopia", "Ruritania & Co"]);
        assert_eq!(person.gender, Some(Gender::Female));
        let documents: Vec<(&DocumentKind, &str, Option<&str>)> = person
            .documents
            .iter()
            .map(|d| (&d.kind, d.number.as_str(), d.country.as_deref()))
            .collect();
        assert_eq!(
            documents,
            [
                (&DocumentKind::Passport, "X 123", Some("Utopia")),
                (&DocumentKind::Passport, "P9", Some("Elsewhere")),
                (&DocumentKind::NationalId, "0094", None),
            ]
        );
        assert_eq!(person.programmes, ["Al-Qaida"]);
        assert_eq!(person.listed_on, Some(date(2015, 4, 7)));
        assert_eq!(person.address_countries, ["Utopia"]);
        assert_eq!(person.imo_number, None);
    }

    #[test]
    fn an_entity_falls_back_to_dataid_and_keeps_its_name_whole() {
        let entries = parse(&list("", ENTITY)).unwrap();
        let entity = &entries[0];
        assert_eq!(entity.id, "900002");
        assert_eq!(entity.kind, EntryKind::Organisation);
        assert_eq!(entity.names[0].full, "INVENTED TRADING CO., LTD.");
        assert!(entity.names[0].parts.is_empty());
        assert_eq!(
            entity.names[1..]
                .iter()
                .map(|n| (n.full.as_str(), n.quality))
                .collect::<Vec<_>>(),
            [
                ("INVENTED TRADING", NameQuality::Strong),
                ("OLD INVENTED CO", NameQuality::Strong)
            ]
        );
        assert_eq!(entity.address_countries, ["Utopia"]);
        assert_eq!(entity.programmes, ["DPRK"]);
    }

    fn error(xml: &str) -> ImportError {
        parse(xml).unwrap_err()
    }

    #[test]
    fn malformed_xml_reports_its_line() {
        let broken = list(INVENTED, "").replace("</SECOND_NAME>", "</SECOND>");
        let found = error(&broken);
        assert_eq!(found.line, 7, "{found}");
        assert!(found.reason.contains("end tag"), "{found}");

        let whole = list(INVENTED, ENTITY);
        for cut in [1500, 2500, whole.len() - 30] {
            let cut = (0..=cut)
                .rev()
                .find(|&i| whole.is_char_boundary(i))
                .unwrap();
            let truncated = &whole[..cut];
            let found = error(truncated);
            assert_eq!(found.line, truncated.matches('\n').count() + 1, "{found}");
        }

        assert_eq!(error("").reason, "input holds no XML element");
        assert_eq!(error("   \n").line, 1);
        assert!(error("garbage").reason.contains("text outside"));
        assert!(error("<A/><B/>").reason.contains("second element"));
        assert!(error("<A>&bogus;</A>").reason.contains("entity"));
        let other_root = error("<Secret/>");
        assert_eq!(other_root.field.as_deref(), Some("CONSOLIDATED_LIST"));
        assert!(!other_root.to_string().contains("Secret"));
        let deep = format!("{}{}", "<A>".repeat(40), "</A>".repeat(40));
        assert!(error(&deep).reason.contains("nested"));
    }

    #[test]
    fn record_errors_name_the_element_and_never_the_value() {
        let cases = [
            ("<DATE>1961-03-04</DATE>", "<DATE>04.03.1961</DATE>", "DATE"),
            ("<YEAR>1962</YEAR>", "<YEAR>about 62</YEAR>", "YEAR"),
            (
                "<FROM_YEAR>1955</FROM_YEAR>",
                "<FROM_YEAR>1959</FROM_YEAR>",
                "FROM_YEAR",
            ),
            (
                "<LISTED_ON>2015-04-07-04:00</LISTED_ON>",
                "<LISTED_ON>7 April</LISTED_ON>",
                "LISTED_ON",
            ),
            (
                "<DATE_OF_BIRTH>1960-02-22</DATE_OF_BIRTH>",
                "<DATE_OF_BIRTH>22 Feb 1960</DATE_OF_BIRTH>",
                "DATE_OF_BIRTH",
            ),
        ];
        for (good, bad, field) in cases {
            let found = error(&list(&INVENTED.replace(good, bad), ""));
            assert_eq!(found.field.as_deref(), Some(field), "{found}");
            let shown = found.to_string();
            for value in ["04.03.1961", "about", "1959", "April", "Feb", "ZORAN"] {
                assert!(!shown.contains(value), "{shown}");
            }
        }
    }

    #[test]
    fn records_need_a_name_and_a_unique_id() {
        let nameless = INVENTED
            .replace("<FIRST_NAME>ZORAN </FIRST_NAME>", "")
            .replace("<SECOND_NAME>INVENTED</SECOND_NAME>", "")
            .replace("<THIRD_NAME>SAMPLE  PERSON</THIRD_NAME>", "<THIRD_NAME/>");
        assert_eq!(
            error(&list(&nameless, "")).field.as_deref(),
            Some("FIRST_NAME")
        );
        let twice = list(&format!("{INVENTED}{INVENTED}"), "");
        let found = error(&twice);
        assert_eq!(found.field.as_deref(), Some("REFERENCE_NUMBER"));
        assert!(found.reason.contains("line 4"), "{found}");
    }
}
