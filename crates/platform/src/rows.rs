//! Rows bound as one typed array per column and inserted with `INSERT … SELECT … FROM
//! UNNEST(…)`: a batch of any size is one statement with a fixed set of parameters, sent in
//! binary (no JSON to build in the service or to parse in Postgres), and the statement text is
//! the same for every batch, so it is prepared once per connection.

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use prost_types::Timestamp;
use sqlx::{Postgres, postgres::PgArguments, query::Query, types::JsonValue};
use uuid::Uuid;

use crate::events::from_timestamp;

/// How a column travels in its bound array, and the cast from the array's element type to the
/// column's: dates and text arrays go as text (`UNNEST` would flatten a `text[][]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Uuid,
    Int,
    Float,
    Bool,
    Text,
    Date,
    TextArray,
    Time,
    Json,
    Bytes,
}

impl Kind {
    fn array_type(self) -> &'static str {
        match self {
            Kind::Uuid => "uuid[]",
            Kind::Int => "int8[]",
            Kind::Float => "float8[]",
            Kind::Bool => "bool[]",
            Kind::Text | Kind::Date | Kind::TextArray => "text[]",
            Kind::Time => "timestamptz[]",
            Kind::Json => "jsonb[]",
            Kind::Bytes => "bytea[]",
        }
    }

    fn cast(self) -> &'static str {
        match self {
            Kind::Date => "::date",
            Kind::TextArray => "::text[]",
            _ => "",
        }
    }
}

/// A table's columns in the order its rows are pushed.
pub struct Table {
    pub name: &'static str,
    pub columns: &'static [(&'static str, Kind)],
}

/// One value of a row; `None` is NULL.
pub enum Cell<'a> {
    Uuid(Uuid),
    /// A `uuid` column's NULL, or its value.
    MaybeUuid(Option<Uuid>),
    Int(Option<i64>),
    Float(f64),
    Bool(bool),
    Text(Option<Cow<'a, str>>),
    Time(Option<DateTime<Utc>>),
    Json(Option<JsonValue>),
    Bytes(Vec<u8>),
}

pub fn text(value: &str) -> Cell<'_> {
    Cell::Text(Some(Cow::Borrowed(value)))
}

pub fn owned(value: String) -> Cell<'static> {
    Cell::Text(Some(Cow::Owned(value)))
}

/// Text that is NULL when the element it belongs to is absent.
pub fn text_of(value: Option<&String>) -> Cell<'_> {
    Cell::Text(value.map(|v| Cow::Borrowed(v.as_str())))
}

/// A validated `YYYY-MM-DD`, or NULL when empty.
pub fn date(value: &str) -> Cell<'_> {
    Cell::Text((!value.is_empty()).then_some(Cow::Borrowed(value)))
}

pub fn int(value: impl TryInto<i64>) -> Cell<'static> {
    Cell::Int(Some(value.try_into().unwrap_or(i64::MAX)))
}

pub fn time(value: Option<&Timestamp>) -> Cell<'static> {
    Cell::Time(value.and_then(from_timestamp))
}

/// A `text[]` as its array literal (`{"A","B"}`), the one form a `text[]` element of a bound
/// `text[]` can take.
pub fn text_array(values: &[String]) -> Cell<'static> {
    let mut literal = String::with_capacity(2 + values.iter().map(|v| v.len() + 3).sum::<usize>());
    literal.push('{');
    for (i, value) in values.iter().enumerate() {
        if i > 0 {
            literal.push(',');
        }
        literal.push('"');
        for c in value.chars() {
            if matches!(c, '"' | '\\') {
                literal.push('\\');
            }
            literal.push(c);
        }
        literal.push('"');
    }
    literal.push('}');
    owned(literal)
}

/// The values of one column, bound as one array.
enum Values<'a> {
    Uuid(Vec<Option<Uuid>>),
    Int(Vec<Option<i64>>),
    Float(Vec<f64>),
    Bool(Vec<bool>),
    Text(Vec<Option<Cow<'a, str>>>),
    Time(Vec<Option<DateTime<Utc>>>),
    Json(Vec<Option<JsonValue>>),
    Bytes(Vec<Vec<u8>>),
}

/// The rows of one table as columns.
pub struct Rows<'a> {
    table: &'static Table,
    values: Vec<Values<'a>>,
}

impl<'a> Rows<'a> {
    pub fn new(table: &'static Table) -> Self {
        let values = table
            .columns
            .iter()
            .map(|&(_, kind)| match kind {
                Kind::Uuid => Values::Uuid(Vec::new()),
                Kind::Int => Values::Int(Vec::new()),
                Kind::Float => Values::Float(Vec::new()),
                Kind::Bool => Values::Bool(Vec::new()),
                Kind::Text | Kind::Date | Kind::TextArray => Values::Text(Vec::new()),
                Kind::Time => Values::Time(Vec::new()),
                Kind::Json => Values::Json(Vec::new()),
                Kind::Bytes => Values::Bytes(Vec::new()),
            })
            .collect();
        Self { table, values }
    }

    /// No row was pushed.
    pub fn is_empty(&self) -> bool {
        self.values.first().is_none_or(|values| match values {
            Values::Uuid(v) => v.is_empty(),
            Values::Int(v) => v.is_empty(),
            Values::Float(v) => v.is_empty(),
            Values::Bool(v) => v.is_empty(),
            Values::Text(v) => v.is_empty(),
            Values::Time(v) => v.is_empty(),
            Values::Json(v) => v.is_empty(),
            Values::Bytes(v) => v.is_empty(),
        })
    }

    /// Adds a row given as (column, value) in the table's column order; the names are there for
    /// the reader and checked in debug builds (and every column's kind by the tests' inserts).
    pub fn push<const N: usize>(&mut self, row: [(&'static str, Cell<'a>); N]) {
        debug_assert_eq!(N, self.table.columns.len(), "{}", self.table.name);
        for ((values, (column, cell)), &(name, _)) in
            self.values.iter_mut().zip(row).zip(self.table.columns)
        {
            debug_assert_eq!(column, name, "{}", self.table.name);
            match (values, cell) {
                (Values::Uuid(v), Cell::Uuid(c)) => v.push(Some(c)),
                (Values::Uuid(v), Cell::MaybeUuid(c)) => v.push(c),
                (Values::Int(v), Cell::Int(c)) => v.push(c),
                (Values::Float(v), Cell::Float(c)) => v.push(c),
                (Values::Bool(v), Cell::Bool(c)) => v.push(c),
                (Values::Text(v), Cell::Text(c)) => v.push(c),
                (Values::Time(v), Cell::Time(c)) => v.push(c),
                (Values::Json(v), Cell::Json(c)) => v.push(c),
                (Values::Bytes(v), Cell::Bytes(c)) => v.push(c),
                _ => debug_assert!(false, "{}.{column}: value of another kind", self.table.name),
            }
        }
    }

    pub fn bind<'q>(
        self,
        mut query: Query<'q, Postgres, PgArguments>,
    ) -> Query<'q, Postgres, PgArguments>
    where
        'a: 'q,
    {
        for values in self.values {
            query = match values {
                Values::Uuid(v) => query.bind(v),
                Values::Int(v) => query.bind(v),
                Values::Float(v) => query.bind(v),
                Values::Bool(v) => query.bind(v),
                Values::Text(v) => query.bind(v),
                Values::Time(v) => query.bind(v),
                Values::Json(v) => query.bind(v),
                Values::Bytes(v) => query.bind(v),
            };
        }
        query
    }
}

/// `INSERT INTO t (columns) SELECT u.c, u.d::date, ... FROM UNNEST($n::type[], ...) AS u(...)`
/// with the parameters numbered from `first`, and the rows filtered by `filter` (on `u`).
pub fn insert_sql(table: &Table, first: usize, filter: &str) -> String {
    let names: Vec<&str> = table.columns.iter().map(|&(name, _)| name).collect();
    let select: Vec<String> = table
        .columns
        .iter()
        .map(|&(name, kind)| format!("u.{name}{}", kind.cast()))
        .collect();
    let arrays: Vec<String> = table
        .columns
        .iter()
        .enumerate()
        .map(|(i, &(_, kind))| format!("${}::{}", first + i, kind.array_type()))
        .collect();
    format!(
        "INSERT INTO {} ({}) SELECT {} FROM UNNEST({}) AS u({}) {filter}",
        table.name,
        names.join(", "),
        select.join(", "),
        arrays.join(", "),
        names.join(", "),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn literal(values: &[&str]) -> String {
        let values: Vec<String> = values.iter().map(|v| (*v).to_owned()).collect();
        match text_array(&values) {
            Cell::Text(Some(text)) => text.into_owned(),
            _ => panic!("a text array travels as text"),
        }
    }

    #[test]
    fn text_arrays_are_quoted_and_escaped_as_postgres_reads_them() {
        assert_eq!(literal(&[]), "{}");
        assert_eq!(literal(&["AB12CD", ""]), r#"{"AB12CD",""}"#);
        assert_eq!(
            literal(&[r#"a"b\c"#, "NULL", "x,y}"]),
            r#"{"a\"b\\c","NULL","x,y}"}"#
        );
    }

    #[test]
    fn the_insert_casts_text_to_the_column_type_and_numbers_parameters_from_first() {
        static T: Table = Table {
            name: "t",
            columns: &[
                ("id", Kind::Uuid),
                ("day", Kind::Date),
                ("tags", Kind::TextArray),
            ],
        };
        assert_eq!(
            insert_sql(&T, 4, "ON CONFLICT DO NOTHING"),
            "INSERT INTO t (id, day, tags) SELECT u.id, u.day::date, u.tags::text[] \
             FROM UNNEST($4::uuid[], $5::text[], $6::text[]) AS u(id, day, tags) ON CONFLICT DO NOTHING"
        );
    }
}
