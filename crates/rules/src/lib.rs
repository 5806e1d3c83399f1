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
//! Example: `traveller.nationality in ['AAA', 'BBB'] && document.days_to_expiry < 30`.
//! A rule must evaluate to a bool; a hit records the values of the fields the rule reads.

use std::collections::{BTreeMap, HashMap};

use cel::{Context, Program, Value};

/// Fields a passenger rule may read, by variable.
const PASSENGER_FIELDS: &[(&str, &[&str])] = &[
    (
        "traveller",
        &[
            "nationality",
            "country_of_residence",
            "sex",
            "role",
            "age",
            "date_of_birth",
            "surname",
            "given_names",
        ],
    ),
    (
        "document",
        &[
            "type",
            "issuing_country",
            "number",
            "expiry_date",
            "days_to_expiry",
        ],
    ),
    (
        "flight",
        &[
            "carrier",
            "number",
            "departure_airport",
            "arrival_airport",
            "departure_date",
            "direction",
        ],
    ),
];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    #[error("expression does not parse: {0}")]
    Syntax(String),
    #[error("unknown variable {0:?}; a passenger rule reads traveller, document and flight")]
    UnknownVariable(String),
    #[error("unknown field {0:?}")]
    UnknownField(String),
    #[error("evaluation failed: {0}")]
    Evaluation(String),
    #[error("expression returned {0}, not a bool")]
    NotBool(String),
}

/// A rule ready to evaluate.
pub struct CompiledRule {
    program: Program,
    /// `variable.field` paths the expression reads: the evidence recorded on a hit.
    reads: Vec<String>,
}

impl std::fmt::Debug for CompiledRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompiledRule")
            .field("reads", &self.reads)
            .finish_non_exhaustive()
    }
}

/// Compiles a passenger rule, rejecting syntax errors and variables or fields that do not exist.
pub fn compile_passenger(expression: &str) -> Result<CompiledRule, RuleError> {
    let program = Program::compile(expression).map_err(|e| RuleError::Syntax(e.to_string()))?;
    for variable in program.references().variables() {
        if !PASSENGER_FIELDS.iter().any(|(name, _)| *name == variable) {
            return Err(RuleError::UnknownVariable(variable.to_owned()));
        }
    }
    let reads = field_paths(expression);
    for path in &reads {
        let (variable, field) = path.split_once('.').unwrap_or((path.as_str(), ""));
        let known = PASSENGER_FIELDS
            .iter()
            .any(|(name, fields)| *name == variable && fields.contains(&field));
        if !known {
            return Err(RuleError::UnknownField(path.clone()));
        }
    }
    Ok(CompiledRule { program, reads })
}

/// `variable.field` paths named in `expression` outside string literals, in order, once each.
fn field_paths(expression: &str) -> Vec<String> {
    let mut paths: Vec<String> = Vec::new();
    let mut token = String::new();
    let mut quote: Option<char> = None;
    let mut escaped = false;
    let flush = |token: &mut String, paths: &mut Vec<String>| {
        let mut parts = token.split('.');
        if let (Some(root), Some(field)) = (parts.next(), parts.next())
            && PASSENGER_FIELDS.iter().any(|(name, _)| *name == root)
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

#[derive(Debug, Clone, PartialEq)]
pub enum Fact {
    Text(String),
    Int(i64),
}

impl Fact {
    fn to_value(&self) -> Value {
        match self {
            Fact::Text(s) => Value::from(s.clone()),
            Fact::Int(i) => Value::Int(*i),
        }
    }

    fn render(&self) -> String {
        match self {
            Fact::Text(s) => s.clone(),
            Fact::Int(i) => i.to_string(),
        }
    }
}

/// An evaluation context built once per traveller and shared by every rule.
pub struct Evaluation<'a> {
    facts: &'a PassengerFacts,
    context: Context<'static, 'static>,
}

impl<'a> Evaluation<'a> {
    pub fn passenger(facts: &'a PassengerFacts) -> Self {
        let mut context = Context::default();
        for (name, map) in [
            ("traveller", &facts.traveller),
            ("document", &facts.document),
            ("flight", &facts.flight),
        ] {
            let fields = PASSENGER_FIELDS
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, f)| *f)
                .unwrap_or_default();
            // Every documented field is present, so a rule never fails on an absent key.
            let value: HashMap<String, Value> = fields
                .iter()
                .map(|field| {
                    let value = map
                        .get(field)
                        .map(Fact::to_value)
                        .unwrap_or_else(|| default_value(field));
                    ((*field).to_owned(), value)
                })
                .collect();
            context.add_variable_from_value(name, value);
        }
        Self { facts, context }
    }

    /// `Some(evidence)` when `rule` fires: the values of the fields it reads.
    pub fn evaluate(
        &self,
        rule: &CompiledRule,
    ) -> Result<Option<BTreeMap<String, String>>, RuleError> {
        match rule.program.execute(&self.context) {
            Ok(Value::Bool(true)) => Ok(Some(self.evidence(rule))),
            Ok(Value::Bool(false)) => Ok(None),
            Ok(other) => Err(RuleError::NotBool(format!("{other:?}"))),
            Err(e) => Err(RuleError::Evaluation(e.to_string())),
        }
    }

    fn evidence(&self, rule: &CompiledRule) -> BTreeMap<String, String> {
        rule.reads
            .iter()
            .filter_map(|path| {
                let (variable, field) = path.split_once('.')?;
                let map = match variable {
                    "traveller" => &self.facts.traveller,
                    "document" => &self.facts.document,
                    _ => &self.facts.flight,
                };
                let value = map.get(field).map(Fact::render).unwrap_or_default();
                Some((path.clone(), value))
            })
            .collect()
    }
}

fn default_value(field: &str) -> Value {
    match field {
        "age" => Value::Int(-1),
        "days_to_expiry" => Value::Int(-99_999),
        _ => Value::from(String::new()),
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
        f.document.insert("type", Fact::Text("passport".into()));
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

    #[test]
    fn compile_rejects_bad_rules() {
        assert!(matches!(
            compile_passenger("traveller.nationality =="),
            Err(RuleError::Syntax(_))
        ));
        assert!(
            matches!(compile_passenger("passenger.age > 3"), Err(RuleError::UnknownVariable(v)) if v == "passenger")
        );
        assert!(
            matches!(compile_passenger("traveller.shoe_size > 3"), Err(RuleError::UnknownField(f)) if f == "traveller.shoe_size")
        );
    }

    #[test]
    fn non_bool_results_are_errors() {
        let facts = facts();
        let rule = compile_passenger("traveller.age + 1").unwrap();
        assert!(matches!(
            Evaluation::passenger(&facts).evaluate(&rule),
            Err(RuleError::NotBool(_))
        ));
    }

    #[test]
    fn string_literals_are_not_field_paths() {
        assert_eq!(
            field_paths("flight.carrier == 'traveller.age' && document.type == \"x\""),
            ["flight.carrier", "document.type"]
        );
    }
}
