//! Targeting rules: CEL expressions compiled once and evaluated over typed contexts.
//!
//! A passenger rule sees three variables:
//! - `traveller`: `nationality`, `country_of_residence` (ISO 3166 alpha-3), `sex` (`F`, `M`, `U`),
//!   `role` (`passenger`, `crew`, `in_transit`), `age` (years at departure, `-1` unknown),
//!   `date_of_birth` (`YYYY-MM-DD`), `surname`, `given_names`;
//! - `document`: `type` (`passport`, `id_card`, `visa`, `residence_permit`, `other`),
//!   `issuing_country`, `number`, `expiry_date`, `days_to_expiry` (from departure, `-99999` unknown);
//! - `flight`: `carrier`, `number`, `departure_airport`, `arrival_airport`, `departure_date`,
//!   `direction` (`inbound`, `outbound`, `unknown`).
//!
//! Text fields are strings; `age` and `days_to_expiry` are ints.
//!
//! Example: `traveller.nationality in ['AAA', 'BBB'] && document.days_to_expiry < 30`.
//!
//! A cargo rule ([`compile_cargo`], [`CargoFacts`]) sees six variables (countries are ISO 3166
//! alpha-3; the value in brackets is what a field the facts leave out reads as):
//! - `movement`: `mode` (`sea`, `air`, `road`, `rail`), `carrier`, `voyage_number`,
//!   `vessel_name`, `imo_number`, `vessel_flag`, `port_of_loading`, `port_of_discharge`,
//!   `place_of_entry`, `arrival_date` (`YYYY-MM-DD`), all text (`''`);
//! - `consignment`: `transport_document_number`, `master_document_number`, `is_house` (bool,
//!   `false`), `port_of_loading`, `port_of_discharge`, `gross_weight_kg` (double, `-1.0`),
//!   `package_count` (int, `-1`), `container_count` (int, `0`), `freight_payment` (`cash`,
//!   `card`, `cheque`, `electronic_transfer`, `carrier_account`, `not_prepaid`, `other`, `''`),
//!   `version` (int, `1`);
//! - `consignee` and `consignor`: `name`, `country`, `identifier`, `identifier_type`,
//!   `first_seen` (bool, `false`), `previous_consignments` (int, `-1` unknown),
//!   `earlier_origins` (list of countries, `[]`);
//! - `goods`: `hs_codes` (every item's HS code, digits only), `descriptions`, `un_numbers`
//!   (`1942` form), `origin_countries` (lists, `[]`), `description_vague`,
//!   `dangerous_goods_declared` (bools, `false`), `item_count` (int, `0`),
//!   `declared_value_per_kg` (double, `-1.0`);
//! - `route`: `countries` (country of loading, routing and transit countries, in order),
//!   `transhipment_countries` (lists, `[]`).
//!
//! [`cargo_fields`] lists them with their [`FieldKind`]. Lists are `list(string)`, so `in`,
//! `size()` and the macros apply: `'CHN' in route.countries`,
//! `goods.hs_codes.exists(h, h.startsWith('9301'))`. Ints and doubles compare with each other
//! (`consignment.gross_weight_kg > 20000`) but do not mix in arithmetic: the runtime has no
//! such overload, so `consignment.gross_weight_kg / consignment.package_count` is refused;
//! write `double(consignment.package_count)`.
//!
//! A rule must evaluate to a bool: [`compile_passenger`] and [`compile_cargo`] type-check it and
//! refuse one that cannot ([`RuleError`], with a position), or that reads the other context's
//! variables. A hit records the values of the fields the rule reads (lists comma-joined, a field
//! the facts leave out empty). Evaluation errors are reported by kind only ([`EvaluationError`]):
//! the values a rule reads are personal or commercial data and must not reach logs.

mod cargo;
mod check;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, LazyLock};

use cel::{Context, Env, ExecutionError, ParseErrors, Program, Value};

pub use cargo::{CARGO_FIELDS, CargoFacts, cargo_fields};

/// The variables and fields of the passenger context, with their kinds (documented in
/// `docs/rules.md`).
pub fn passenger_fields() -> &'static [(&'static str, &'static [(&'static str, FieldKind)])] {
    PASSENGER_FIELDS
}

/// What a context field holds: the type the rule checker gives it and the [`Fact`] expected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldKind {
    /// A CEL `string`; [`Fact::Text`].
    Text,
    /// A CEL `int`; [`Fact::Int`].
    Int,
    /// A CEL `double`; [`Fact::Double`] (a [`Fact::Int`] is widened).
    Double,
    /// A CEL `bool`; [`Fact::Bool`].
    Bool,
    /// A CEL `list(string)`; [`Fact::TextList`].
    TextList,
}

/// Variables of a context, each with its fields and their kinds.
pub(crate) type Fields = &'static [(&'static str, &'static [(&'static str, FieldKind)])];

/// The context a rule is written for: it decides which variables and fields exist and what an
/// absent field reads as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Schema {
    Passenger,
    Cargo,
}

impl Schema {
    pub(crate) fn fields(self) -> Fields {
        match self {
            Schema::Passenger => PASSENGER_FIELDS,
            Schema::Cargo => CARGO_FIELDS,
        }
    }

    /// The variable `name` with its `'static` spelling, if the context has it.
    pub(crate) fn variable(self, name: &str) -> Option<&'static str> {
        self.fields()
            .iter()
            .find(|(variable, _)| *variable == name)
            .map(|(variable, _)| *variable)
    }

    pub(crate) fn field_kind(self, variable: &str, field: &str) -> Option<FieldKind> {
        self.fields()
            .iter()
            .find(|(name, _)| *name == variable)
            .and_then(|(_, fields)| fields.iter().find(|(name, _)| *name == field))
            .map(|(_, kind)| *kind)
    }

    /// What the analyst may use instead of an unknown variable.
    pub(crate) fn variables_hint(self) -> &'static str {
        match self {
            Schema::Passenger => "a passenger rule reads traveller, document and flight",
            Schema::Cargo => {
                "a cargo rule reads movement, consignment, consignee, consignor, goods and route"
            }
        }
    }

    /// The documented value of a field the facts leave out ("unknown", "none").
    fn default_value(self, field: &str, kind: FieldKind) -> Value {
        match (self, field, kind) {
            (Schema::Passenger, "days_to_expiry", _) => Value::Int(-99_999),
            (Schema::Cargo, "container_count" | "item_count", _) => Value::Int(0),
            (Schema::Cargo, "version", _) => Value::Int(1),
            (_, _, FieldKind::Int) => Value::Int(-1),
            (_, _, FieldKind::Double) => Value::Float(-1.0),
            (_, _, FieldKind::Text) => Value::from(String::new()),
            (_, _, FieldKind::Bool) => Value::Bool(false),
            (_, _, FieldKind::TextList) => Value::List(Arc::new(Vec::new())),
        }
    }
}

/// Fields a passenger rule may read, by variable, with their types.
pub(crate) const PASSENGER_FIELDS: &[(&str, &[(&str, FieldKind)])] = &[
    (
        "traveller",
        &[
            ("nationality", FieldKind::Text),
            ("country_of_residence", FieldKind::Text),
            ("sex", FieldKind::Text),
            ("role", FieldKind::Text),
            ("age", FieldKind::Int),
            ("date_of_birth", FieldKind::Text),
            ("surname", FieldKind::Text),
            ("given_names", FieldKind::Text),
        ],
    ),
    (
        "document",
        &[
            ("type", FieldKind::Text),
            ("issuing_country", FieldKind::Text),
            ("number", FieldKind::Text),
            ("expiry_date", FieldKind::Text),
            ("days_to_expiry", FieldKind::Int),
        ],
    ),
    (
        "flight",
        &[
            ("carrier", FieldKind::Text),
            ("number", FieldKind::Text),
            ("departure_airport", FieldKind::Text),
            ("arrival_airport", FieldKind::Text),
            ("departure_date", FieldKind::Text),
            ("direction", FieldKind::Text),
        ],
    ),
];

/// Where in an expression a problem is: 1-based line and column (in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub line: u32,
    pub column: u32,
}

/// Why a rule is refused when it is written. Messages name fields, operators, functions and
/// types, never a literal of the expression (a rule may hold a name or a document number).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    #[error("syntax error: {message}")]
    Syntax {
        message: String,
        position: Option<Position>,
    },
    /// `expected` names the variables of the rule's context.
    #[error("unknown variable; {expected}")]
    UnknownVariable {
        expected: &'static str,
        position: Option<Position>,
    },
    #[error("unknown field {path}")]
    UnknownField {
        path: String,
        position: Option<Position>,
    },
    #[error("unknown function {name}")]
    UnknownFunction {
        name: String,
        position: Option<Position>,
    },
    #[error("{message}")]
    Type {
        message: String,
        position: Option<Position>,
    },
    #[error("the rule yields {found}, not a bool")]
    NotBool {
        found: String,
        position: Option<Position>,
    },
}

impl RuleError {
    pub fn position(&self) -> Option<Position> {
        match self {
            RuleError::Syntax { position, .. }
            | RuleError::UnknownVariable { position, .. }
            | RuleError::UnknownField { position, .. }
            | RuleError::UnknownFunction { position, .. }
            | RuleError::Type { position, .. }
            | RuleError::NotBool { position, .. } => *position,
        }
    }

    /// The message with its position, e.g. for a field violation: `line 1, column 19: ...`.
    pub fn located(&self) -> String {
        match self.position() {
            Some(Position { line, column }) => format!("line {line}, column {column}: {self}"),
            None => self.to_string(),
        }
    }
}

/// Why evaluating a rule failed, by kind only: the runtime's own errors quote the values the
/// rule was reading (a surname, a date of birth), so they never leave this crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum EvaluationError {
    #[error("missing field")]
    MissingField,
    #[error("type mismatch")]
    TypeMismatch,
    #[error("result is not a bool")]
    NotBool,
    #[error("arithmetic overflow")]
    Overflow,
    #[error("division by zero")]
    DivisionByZero,
    #[error("index out of bounds")]
    IndexOutOfBounds,
    #[error("function failed")]
    FunctionFailed,
    #[error("other evaluation error")]
    Other,
}

impl EvaluationError {
    /// A stable snake_case name, for log fields and metric labels.
    pub fn as_str(self) -> &'static str {
        match self {
            EvaluationError::MissingField => "missing_field",
            EvaluationError::TypeMismatch => "type_mismatch",
            EvaluationError::NotBool => "not_bool",
            EvaluationError::Overflow => "overflow",
            EvaluationError::DivisionByZero => "division_by_zero",
            EvaluationError::IndexOutOfBounds => "index_out_of_bounds",
            EvaluationError::FunctionFailed => "function_failed",
            EvaluationError::Other => "other",
        }
    }

    fn of(error: &ExecutionError) -> Self {
        match error {
            ExecutionError::NoSuchKey(_) | ExecutionError::UndeclaredReference(_) => {
                EvaluationError::MissingField
            }
            ExecutionError::UnexpectedType { .. }
            | ExecutionError::NoSuchOverload(_)
            | ExecutionError::ValuesNotComparable(..)
            | ExecutionError::UnsupportedBinaryOperator(..)
            | ExecutionError::UnsupportedTargetType { .. }
            | ExecutionError::NotSupportedAsMethod { .. }
            | ExecutionError::UnsupportedKeyType(_)
            | ExecutionError::UnsupportedIndex(..)
            | ExecutionError::InvalidArgumentCount { .. }
            | ExecutionError::MissingArgumentOrTarget => EvaluationError::TypeMismatch,
            ExecutionError::Overflow(..) => EvaluationError::Overflow,
            ExecutionError::DivisionByZero(_) | ExecutionError::RemainderByZero(_) => {
                EvaluationError::DivisionByZero
            }
            ExecutionError::IndexOutOfBounds(_) => EvaluationError::IndexOutOfBounds,
            ExecutionError::FunctionError { .. } => EvaluationError::FunctionFailed,
            _ => EvaluationError::Other,
        }
    }
}

/// A rule ready to evaluate.
pub struct CompiledRule {
    program: Program,
    /// The context the rule was checked against; it only evaluates over that context.
    schema: Schema,
    /// `variable.field` paths the expression reads: the evidence recorded on a hit.
    reads: Vec<String>,
}

impl std::fmt::Debug for CompiledRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompiledRule")
            .field("schema", &self.schema)
            .field("reads", &self.reads)
            .finish_non_exhaustive()
    }
}

impl CompiledRule {
    /// `variable.field` paths the rule reads, in the order written.
    pub fn reads(&self) -> &[String] {
        &self.reads
    }
}

/// Compiles a passenger rule, refusing syntax errors, variables, fields and functions that do
/// not exist, and expressions that are ill-typed or cannot yield a bool.
pub fn compile_passenger(expression: &str) -> Result<CompiledRule, RuleError> {
    compile(expression, Schema::Passenger)
}

/// Compiles a cargo rule over the consignment context ([`CargoFacts`]), refusing what
/// [`compile_passenger`] refuses; passenger variables do not exist here.
pub fn compile_cargo(expression: &str) -> Result<CompiledRule, RuleError> {
    compile(expression, Schema::Cargo)
}

fn compile(expression: &str, schema: Schema) -> Result<CompiledRule, RuleError> {
    let program = Program::compile(expression).map_err(|e| syntax_error(&e))?;
    check::check(&program, schema)?;
    let reads = field_paths(expression, schema);
    Ok(CompiledRule {
        program,
        schema,
        reads,
    })
}

/// The first parse error, without the parts of the parser's message that quote the source.
fn syntax_error(errors: &ParseErrors) -> RuleError {
    let Some(first) = errors.errors.first() else {
        return RuleError::Syntax {
            message: "expression does not parse".into(),
            position: None,
        };
    };
    // "Syntax error: mismatched input 'SMITH' expecting ..." keeps "mismatched input".
    let text = first
        .msg
        .strip_prefix("Syntax error: ")
        .unwrap_or(&first.msg);
    let cut = text.find(['\'', '"', '`']).unwrap_or(text.len());
    let message = text[..cut]
        .trim()
        .trim_end_matches(':')
        .trim_end()
        .trim_end_matches(" at")
        .trim();
    let message = if message.is_empty() || message.len() > 80 {
        "expression does not parse".to_owned()
    } else {
        message.to_owned()
    };
    let (line, column) = first.pos;
    let position = match (u32::try_from(line), u32::try_from(column)) {
        (Ok(line), Ok(column)) if line > 0 && column > 0 => Some(Position { line, column }),
        _ => None,
    };
    RuleError::Syntax { message, position }
}

/// `variable.field` paths of `schema`'s variables named in `expression` outside string
/// literals, in order, once each.
fn field_paths(expression: &str, schema: Schema) -> Vec<String> {
    let mut paths: Vec<String> = Vec::new();
    let mut token = String::new();
    let mut quote: Option<char> = None;
    let mut escaped = false;
    let flush = |token: &mut String, paths: &mut Vec<String>| {
        let mut parts = token.split('.');
        if let (Some(root), Some(field)) = (parts.next(), parts.next())
            && schema.variable(root).is_some()
        {
            let path = format!("{root}.{field}");
            if !paths.contains(&path) {
                paths.push(path);
            }
        }
        token.clear();
    };
    for c in expression.chars() {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        if c == '"' || c == '\'' {
            flush(&mut token, &mut paths);
            quote = Some(c);
        } else if c.is_ascii_alphanumeric() || c == '_' || c == '.' {
            token.push(c);
        } else {
            flush(&mut token, &mut paths);
        }
    }
    flush(&mut token, &mut paths);
    paths
}

/// What a passenger rule sees of one traveller on one flight.
#[derive(Debug, Clone, Default)]
pub struct PassengerFacts {
    pub traveller: BTreeMap<&'static str, Fact>,
    pub document: BTreeMap<&'static str, Fact>,
    pub flight: BTreeMap<&'static str, Fact>,
}

/// One field's value; its variant should be the field's [`FieldKind`].
#[derive(Debug, Clone, PartialEq)]
pub enum Fact {
    Text(String),
    Int(i64),
    Double(f64),
    Bool(bool),
    TextList(Vec<String>),
}

impl Fact {
    /// The CEL value of the fact in a field of `kind`. An int in a double field is widened, so
    /// a caller holding a whole number of kilograms does not break `gross_weight_kg * 1.5`.
    fn to_value(&self, kind: FieldKind) -> Value {
        match (self, kind) {
            (Fact::Int(i), FieldKind::Double) => Value::Float(*i as f64),
            (Fact::Text(s), _) => Value::from(s.clone()),
            (Fact::Int(i), _) => Value::Int(*i),
            (Fact::Double(d), _) => Value::Float(*d),
            (Fact::Bool(b), _) => Value::Bool(*b),
            (Fact::TextList(items), _) => Value::List(Arc::new(
                items.iter().map(|item| Value::from(item.clone())).collect(),
            )),
        }
    }

    /// The evidence text: lists comma-joined, doubles without a trailing `.0` (`20600`).
    fn render(&self) -> String {
        match self {
            Fact::Text(s) => s.clone(),
            Fact::Int(i) => i.to_string(),
            Fact::Double(d) => d.to_string(),
            Fact::Bool(b) => b.to_string(),
            Fact::TextList(items) => items.join(","),
        }
    }
}

type FactMap = BTreeMap<&'static str, Fact>;

/// CEL's standard functions and macros, built once: `Context::default()` builds them anew for
/// every context, which was most of the cost of screening a consignment.
static STANDARD: LazyLock<Arc<Env>> = LazyLock::new(|| Arc::new(Env::stdlib()));

/// An evaluation context built once per traveller (or consignment) and shared by every rule.
pub struct Evaluation<'a> {
    schema: Schema,
    /// The facts of each variable, for the evidence of a hit.
    facts: Vec<(&'static str, &'a FactMap)>,
    context: Context<'static, 'static>,
}

impl<'a> Evaluation<'a> {
    /// The context of passenger rules ([`compile_passenger`]).
    pub fn passenger(facts: &'a PassengerFacts) -> Self {
        Self::new(
            Schema::Passenger,
            vec![
                ("traveller", &facts.traveller),
                ("document", &facts.document),
                ("flight", &facts.flight),
            ],
        )
    }

    /// The context of cargo rules ([`compile_cargo`]).
    pub fn cargo(facts: &'a CargoFacts) -> Self {
        Self::new(
            Schema::Cargo,
            vec![
                ("movement", &facts.movement),
                ("consignment", &facts.consignment),
                ("consignee", &facts.consignee),
                ("consignor", &facts.consignor),
                ("goods", &facts.goods),
                ("route", &facts.route),
            ],
        )
    }

    fn new(schema: Schema, facts: Vec<(&'static str, &'a FactMap)>) -> Self {
        let mut context = Context::with_env(Arc::clone(&STANDARD));
        for (name, fields) in schema.fields() {
            let map = facts.iter().find(|(n, _)| n == name).map(|(_, map)| *map);
            // Every documented field is present, so a rule never fails on an absent key.
            let value: HashMap<String, Value> = fields
                .iter()
                .map(|(field, kind)| {
                    let value = map
                        .and_then(|map| map.get(field))
                        .map(|fact| fact.to_value(*kind))
                        .unwrap_or_else(|| schema.default_value(field, *kind));
                    ((*field).to_owned(), value)
                })
                .collect();
            context.add_variable_from_value(*name, value);
        }
        Self {
            schema,
            facts,
            context,
        }
    }

    /// `Some(evidence)` when `rule` fires: the values of the fields it reads. An error names
    /// its kind only, so it can be logged with the rule's id and version. A rule compiled for
    /// the other context reads variables this one lacks: [`EvaluationError::MissingField`].
    pub fn evaluate(
        &self,
        rule: &CompiledRule,
    ) -> Result<Option<BTreeMap<String, String>>, EvaluationError> {
        if rule.schema != self.schema {
            return Err(EvaluationError::MissingField);
        }
        match rule.program.execute(&self.context) {
            Ok(Value::Bool(true)) => Ok(Some(self.evidence(rule))),
            Ok(Value::Bool(false)) => Ok(None),
            Ok(_) => Err(EvaluationError::NotBool),
            Err(error) => Err(EvaluationError::of(&error)),
        }
    }

    fn evidence(&self, rule: &CompiledRule) -> BTreeMap<String, String> {
        rule.reads
            .iter()
            .filter_map(|path| {
                let (variable, field) = path.split_once('.')?;
                let (_, map) = self.facts.iter().find(|(name, _)| *name == variable)?;
                let value = map.get(field).map(Fact::render).unwrap_or_default();
                Some((path.clone(), value))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> PassengerFacts {
        let mut f = PassengerFacts::default();
        f.traveller.insert("nationality", Fact::Text("SYR".into()));
        f.traveller.insert("age", Fact::Int(34));
        f.traveller.insert("role", Fact::Text("passenger".into()));
        f.traveller
            .insert("surname", Fact::Text("SECRETNAME".into()));
        f.traveller
            .insert("date_of_birth", Fact::Text("1991-02-03".into()));
        f.document.insert("type", Fact::Text("passport".into()));
        f.document.insert("number", Fact::Text("P9988776".into()));
        f.document.insert("days_to_expiry", Fact::Int(20));
        f.flight
            .insert("departure_airport", Fact::Text("IST".into()));
        f.flight.insert("arrival_airport", Fact::Text("SJJ".into()));
        f
    }

    #[test]
    fn rules_fire_on_matching_facts_with_evidence() {
        let facts = facts();
        let eval = Evaluation::passenger(&facts);
        let cases = [
            ("traveller.nationality in ['SYR', 'AFG']", true),
            ("traveller.nationality == 'AUT'", false),
            ("document.days_to_expiry < 30 && traveller.age >= 18", true),
            (
                "flight.departure_airport == 'IST' && flight.arrival_airport == 'BEG'",
                false,
            ),
            ("traveller.country_of_residence == ''", true),
            (
                "traveller.role == 'crew' || document.type == 'passport'",
                true,
            ),
            (
                "['IST', 'SAW'].exists(a, flight.departure_airport == a)",
                true,
            ),
            (
                "traveller.surname.startsWith('SEC') && size(traveller.surname) > 3",
                true,
            ),
            (
                "traveller.age > 60 ? document.days_to_expiry < 0 : traveller.age < 18",
                false,
            ),
        ];
        for (expression, fires) in cases {
            let rule = compile_passenger(expression).unwrap();
            assert_eq!(
                eval.evaluate(&rule).unwrap().is_some(),
                fires,
                "{expression}"
            );
        }
        let rule =
            compile_passenger("traveller.nationality in ['SYR'] && document.days_to_expiry < 30")
                .unwrap();
        let evidence = eval.evaluate(&rule).unwrap().unwrap();
        assert_eq!(
            evidence.get("traveller.nationality").map(String::as_str),
            Some("SYR")
        );
        assert_eq!(
            evidence.get("document.days_to_expiry").map(String::as_str),
            Some("20")
        );
        assert_eq!(evidence.len(), 2);
    }

    /// Rules of the tests, the demo and the kind analysts write: all must keep compiling.
    #[test]
    fn well_typed_rules_are_accepted() {
        for expression in [
            "traveller.nationality == 'XXX' && document.days_to_expiry < 30",
            "flight.departure_airport in ['IST','SAW']",
            "traveller.nationality in ['XXB', 'XXC']",
            "document.days_to_expiry >= 0 && document.days_to_expiry < 30",
            "traveller.age > 60",
            "!(traveller.role == 'crew')",
            "traveller.role != 'crew' || traveller.sex == 'F'",
            "traveller.surname.endsWith('OV') && traveller.given_names.contains('A')",
            "traveller.surname.matches('^[A-Z]+$')",
            "matches(document.number, '^X[0-9]+$')",
            "size(traveller.given_names) == 0 || traveller.given_names.size() > 40",
            "has(traveller.age) && traveller.age < 18 && traveller.role == 'passenger'",
            "traveller.age >= 18 ? document.days_to_expiry < 90 : document.days_to_expiry < 180",
            "document.days_to_expiry < 2.5",
            "traveller.age + 1 > 18 && document.days_to_expiry * 2 < 60",
            "-document.days_to_expiry > 0",
            "traveller['nationality'] == 'XXA'",
            "{'IST': 1, 'SAW': 2}[flight.departure_airport] == 1",
            "flight.departure_airport in {'IST': true}",
            "['XXA', 'XXB'].all(c, c != traveller.nationality)",
            "[1, 2].map(x, x * 2).exists(y, y == traveller.age)",
            "['A', 'B'].filter(x, x == traveller.sex).size() > 0",
            "int(flight.number) > 1000",
            "string(traveller.age) == '34'",
            "timestamp(flight.departure_date + 'T00:00:00Z') > timestamp('2026-01-01T00:00:00Z')",
            "dyn(traveller.age) == 'x' || true",
            "traveller.nationality == 'XXA' &&\n  document.days_to_expiry < 30",
        ] {
            if let Err(error) = compile_passenger(expression) {
                panic!("{expression} refused: {}", error.located());
            }
        }
    }

    /// `(expression, message fragment, line, column)` of rules that can never work.
    #[test]
    fn ill_typed_rules_are_refused_with_a_position() {
        let cases: &[(&str, &str, u32, u32)] = &[
            ("traveller.surname", "yields string, not a bool", 1, 10),
            (
                "traveller.surname > 5",
                "> cannot order string and int",
                1,
                19,
            ),
            ("traveller.age + 1", "yields int, not a bool", 1, 15),
            (
                "document.days_to_expiry == 'x'",
                "== compares int with string",
                1,
                25,
            ),
            (
                "traveller.age && true",
                "an operand of && must be bool, got int",
                1,
                10,
            ),
            ("!traveller.surname", "the operand of ! must be bool", 1, 11),
            (
                "traveller.age in ['1', '2']",
                "in looks for int in list(string)",
                1,
                15,
            ),
            (
                "traveller.nationality in 'XXA'",
                "in needs a list or a map",
                1,
                23,
            ),
            (
                "traveller.age + 1.5 > 3.0",
                "+ is not defined for int and double",
                1,
                15,
            ),
            (
                "traveller.age > 3 ? 'x' : 1",
                "branches of ?: have different types",
                1,
                19,
            ),
            (
                "traveller.surname ? true : false",
                "condition of ?: must be bool",
                1,
                10,
            ),
            ("size(traveller.age) > 1", "size() takes a string", 1, 5),
            (
                "traveller.age.startsWith('1')",
                "startsWith() works on strings",
                1,
                25,
            ),
            (
                "traveller.surname.matches('[')",
                "valid regular expression",
                1,
                27,
            ),
            (
                "traveller.surname.lowerAscii() == 'x'",
                "unknown function lowerAscii",
                1,
                29,
            ),
            (
                "sha256(document.number) == 'x'",
                "unknown function sha256",
                1,
                7,
            ),
            (
                "traveller.shoe_size > 3",
                "unknown field traveller.shoe_size",
                1,
                10,
            ),
            ("traveller.age.years > 3", "int has no fields", 1, 14),
            ("passenger.age > 3", "unknown variable", 1, 1),
            (
                "traveller.nationality == 'XXA' &&\n   document.days_to_expiry == 'soon'",
                "== compares int with string",
                2,
                28,
            ),
        ];
        for (expression, fragment, line, column) in cases {
            let error = compile_passenger(expression).unwrap_err();
            assert!(
                error.to_string().contains(fragment),
                "{expression}: {error}"
            );
            assert_eq!(
                error.position(),
                Some(Position {
                    line: *line,
                    column: *column
                }),
                "{expression}: {error}"
            );
        }
    }

    #[test]
    fn syntax_errors_have_a_position_and_no_source_text() {
        for (expression, line, column) in [
            ("traveller.nationality ==", 1, 25),
            ("traveller.surname == 'SMITH' &&& x", 1, 32),
            ("traveller.surname == \"SMITH", 1, 22),
            ("traveller.age > 3 SMITH", 1, 19),
            ("traveller.age > 3 &&\n  traveller. == 'SMITH'", 2, 14),
        ] {
            let error = compile_passenger(expression).unwrap_err();
            assert!(
                matches!(error, RuleError::Syntax { .. }),
                "{expression}: {error}"
            );
            assert_eq!(
                error.position(),
                Some(Position { line, column }),
                "{expression}: {error}"
            );
            assert!(!error.located().contains("SMITH"), "{}", error.located());
            assert!(
                !error.located().contains("traveller"),
                "{}",
                error.located()
            );
        }
    }

    #[test]
    fn messages_never_quote_literals() {
        for expression in [
            "traveller.surname == 'SMITH' && traveller.age",
            "traveller.date_of_birth == 19850412",
            "document.number in [12345678]",
            "SMITH == traveller.surname",
            "traveller.surname == 'SMITH' ? 'SMITH' : 1",
        ] {
            let error = compile_passenger(expression).unwrap_err();
            for secret in ["SMITH", "19850412", "12345678"] {
                assert!(!error.located().contains(secret), "{}", error.located());
            }
        }
    }

    #[test]
    fn located_messages_carry_the_position() {
        let error = compile_passenger("traveller.surname > 5").unwrap_err();
        assert_eq!(
            error.located(),
            "line 1, column 19: > cannot order string and int"
        );
    }

    /// Runtime failures a type check cannot rule out report a kind, never the values read.
    #[test]
    fn evaluation_errors_are_kinds_without_values() {
        let facts = facts();
        let eval = Evaluation::passenger(&facts);
        for (expression, kind) in [
            (
                "dyn(traveller.surname) + 1 > 0",
                EvaluationError::TypeMismatch,
            ),
            ("dyn(traveller.surname)", EvaluationError::NotBool),
            (
                "{'a': traveller.surname}[traveller.surname] == ''",
                EvaluationError::MissingField,
            ),
            (
                "traveller.age * 9223372036854775807 > 0",
                EvaluationError::Overflow,
            ),
            (
                "traveller.age / (traveller.age - 34) > 0",
                EvaluationError::DivisionByZero,
            ),
            (
                "[traveller.surname][traveller.age] == ''",
                EvaluationError::IndexOutOfBounds,
            ),
            (
                "traveller.surname.matches(traveller.surname + '[')",
                EvaluationError::FunctionFailed,
            ),
        ] {
            let rule = compile_passenger(expression).unwrap();
            let error = eval.evaluate(&rule).unwrap_err();
            assert_eq!(error, kind, "{expression}");
            for text in [error.to_string(), format!("{error:?}")] {
                for secret in ["SECRETNAME", "1991-02-03", "P9988776", "34"] {
                    assert!(!text.contains(secret), "{expression}: {text}");
                }
            }
        }
        assert_eq!(EvaluationError::MissingField.as_str(), "missing_field");
    }

    #[test]
    fn unknown_facts_take_the_documented_defaults() {
        let facts = PassengerFacts::default();
        let eval = Evaluation::passenger(&facts);
        for expression in [
            "traveller.age == -1",
            "document.days_to_expiry == -99999",
            "traveller.surname == ''",
        ] {
            let rule = compile_passenger(expression).unwrap();
            assert!(eval.evaluate(&rule).unwrap().is_some(), "{expression}");
        }
    }

    #[test]
    fn string_literals_are_not_field_paths() {
        assert_eq!(
            field_paths(
                "flight.carrier == 'traveller.age' && document.type == \"x\"",
                Schema::Passenger
            ),
            ["flight.carrier", "document.type"]
        );
    }
}
