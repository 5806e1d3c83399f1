//! `docs/rules.md` documents every field of both rule contexts with its type: the tables there
//! and the fields the code knows must be the same, so the reference cannot drift.

#![allow(clippy::expect_used, clippy::panic)] // a test fails loudly

use std::collections::BTreeMap;

use gatehouse_rules::{FieldKind, cargo_fields, passenger_fields};

type Table = BTreeMap<String, &'static str>;

fn type_name(kind: FieldKind) -> &'static str {
    match kind {
        FieldKind::Text => "string",
        FieldKind::Int => "int",
        FieldKind::Double => "double",
        FieldKind::Bool => "bool",
        FieldKind::TextList => "list(string)",
    }
}

fn from_code(fields: &'static [(&'static str, &'static [(&'static str, FieldKind)])]) -> Table {
    fields
        .iter()
        .flat_map(|(variable, fields)| {
            fields
                .iter()
                .map(move |(field, kind)| (format!("{variable}.{field}"), type_name(*kind)))
        })
        .collect()
}

/// The rows `| `variable.field` | type | ...` of the section under `heading`.
fn from_docs(text: &str, heading: &str) -> BTreeMap<String, String> {
    let section = text
        .split("\n## ")
        .find(|s| s.starts_with(heading))
        .unwrap_or_else(|| panic!("docs/rules.md has no section {heading:?}"));
    section
        .lines()
        .filter_map(|line| {
            let mut cells = line.split('|').map(str::trim).skip(1);
            let field = cells.next()?.strip_prefix('`')?.strip_suffix('`')?;
            let kind = cells.next()?;
            Some((field.to_owned(), kind.to_owned()))
        })
        .collect()
}

fn assert_documented(heading: &str, code: Table) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/rules.md");
    let text = std::fs::read_to_string(path).expect("docs/rules.md");
    let docs = from_docs(&text, heading);
    let code: BTreeMap<String, String> = code
        .into_iter()
        .map(|(field, kind)| (field, kind.to_owned()))
        .collect();
    assert_eq!(
        docs, code,
        "docs/rules.md, section {heading:?}, against the code"
    );
}

#[test]
fn the_passenger_context_is_documented_field_by_field() {
    assert_documented("Passenger rules", from_code(passenger_fields()));
}

#[test]
fn the_cargo_context_is_documented_field_by_field() {
    assert_documented("Cargo rules", from_code(cargo_fields()));
}
