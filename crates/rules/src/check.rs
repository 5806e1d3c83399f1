//! Static type inference over a parsed rule (passenger or cargo), so a rule that cannot yield a
//! bool (or compares a text field with a number) is refused when it is written instead of
//! failing on every traveller or consignment at screening time.
//!
//! The inference is conservative: what it cannot know is `dyn` and accepted (an index into a
//! map built from mixed literals, say), so a well-typed rule is never refused. What it knows
//! for certain to be wrong (an operator whose operand types have no overload, a field that does
//! not exist, a function the runtime does not have) is refused. Messages name operators, fields
//! and types, never the literals of the expression.

use std::fmt;

use cel::{
    Context, Program,
    common::ast::{ComprehensionExpr, EntryExpr, Expr, IdedExpr, LiteralValue, operators},
};

use crate::{FieldKind, Position, RuleError, Schema};

/// What the inference knows of a sub-expression's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Type {
    Bool,
    Int,
    UInt,
    Double,
    String,
    Bytes,
    Null,
    Timestamp,
    Duration,
    List(Box<Type>),
    Map(Box<Type>, Box<Type>),
    /// One of the context variables (`traveller`, `goods`, ...): its fields are known.
    Record(&'static str),
    /// Unknown until run time; accepted wherever a value is.
    Dyn,
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Bool => f.write_str("bool"),
            Type::Int => f.write_str("int"),
            Type::UInt => f.write_str("uint"),
            Type::Double => f.write_str("double"),
            Type::String => f.write_str("string"),
            Type::Bytes => f.write_str("bytes"),
            Type::Null => f.write_str("null"),
            Type::Timestamp => f.write_str("timestamp"),
            Type::Duration => f.write_str("duration"),
            Type::List(element) => write!(f, "list({element})"),
            Type::Map(key, value) => write!(f, "map({key}, {value})"),
            Type::Record(name) => f.write_str(name),
            Type::Dyn => f.write_str("dyn"),
        }
    }
}

impl Type {
    fn is_dyn(&self) -> bool {
        matches!(self, Type::Dyn)
    }

    fn is_numeric(&self) -> bool {
        matches!(self, Type::Int | Type::UInt | Type::Double)
    }

    /// `dyn` or one of `allowed`.
    fn is_any_of(&self, allowed: &[Type]) -> bool {
        self.is_dyn() || allowed.contains(self)
    }
}

/// Whether `==` between values of `a` and `b` can ever be true. CEL compares numbers across
/// int, uint and double (`consignment.gross_weight_kg == 20000` works at run time); anything
/// else of different types is never equal, which in a rule is a mistake
/// (`document.days_to_expiry == '30'`, `consignee.first_seen == 'yes'`).
fn equatable(a: &Type, b: &Type) -> bool {
    match (a, b) {
        (Type::Dyn, _) | (_, Type::Dyn) => true,
        (x, y) if x.is_numeric() && y.is_numeric() => true,
        (Type::List(x), Type::List(y)) => equatable(x, y),
        (Type::Map(k1, v1), Type::Map(k2, v2)) => equatable(k1, k2) && equatable(v1, v2),
        (x, y) => x == y,
    }
}

/// Whether `<` and friends have an overload for `a` and `b`: the runtime orders numbers across
/// int, uint and double (`consignment.gross_weight_kg > 20000`), lists not at all.
fn orderable(a: &Type, b: &Type) -> bool {
    match (a, b) {
        (Type::Dyn, _) | (_, Type::Dyn) => true,
        (x, y) if x.is_numeric() && y.is_numeric() => true,
        (x, y) => {
            x == y
                && matches!(
                    x,
                    Type::String | Type::Bytes | Type::Bool | Type::Timestamp | Type::Duration
                )
        }
    }
}

/// The type of a list's elements or of both branches of `?:`: the same type, else `dyn`.
fn join(a: Type, b: Type) -> Type {
    if a == b { a } else { Type::Dyn }
}

fn operator_symbol(function: &str) -> &str {
    match function {
        operators::LOGICAL_AND => "&&",
        operators::LOGICAL_OR => "||",
        operators::LOGICAL_NOT => "!",
        operators::EQUALS => "==",
        operators::NOT_EQUALS => "!=",
        operators::LESS => "<",
        operators::LESS_EQUALS => "<=",
        operators::GREATER => ">",
        operators::GREATER_EQUALS => ">=",
        operators::ADD => "+",
        operators::SUBSTRACT => "-",
        operators::MULTIPLY => "*",
        operators::DIVIDE => "/",
        operators::MODULO => "%",
        operators::NEGATE => "unary -",
        operators::IN => "in",
        operators::INDEX => "[]",
        operators::CONDITIONAL => "?:",
        other => other,
    }
}

fn field_type(kind: FieldKind) -> Type {
    match kind {
        FieldKind::Text => Type::String,
        FieldKind::Int => Type::Int,
        FieldKind::Double => Type::Double,
        FieldKind::Bool => Type::Bool,
        FieldKind::TextList => Type::List(Box::new(Type::String)),
    }
}

/// Refuses `program` unless it is well typed over `schema`'s context and yields a bool.
pub(crate) fn check(program: &Program, schema: Schema) -> Result<(), RuleError> {
    let mut checker = Checker {
        program,
        schema,
        scope: Vec::new(),
    };
    let root = program.expression();
    match checker.infer(root)? {
        Type::Bool | Type::Dyn => Ok(()),
        found => Err(RuleError::NotBool {
            found: found.to_string(),
            position: checker.position(root.id),
        }),
    }
}

struct Checker<'p> {
    program: &'p Program,
    schema: Schema,
    /// Comprehension variables in scope, innermost last.
    scope: Vec<(String, Type)>,
}

impl Checker<'_> {
    /// 1-based line and column (in characters) of the node `id`; the parser records byte offsets.
    fn position(&self, id: u64) -> Option<Position> {
        let (start, _) = self.program.source_info().offset_for(id)?;
        let source = &self.program.source_info().source;
        let before = source.get(..usize::try_from(start).ok()?)?;
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().unwrap_or(before).chars().count() + 1;
        Some(Position {
            line: u32::try_from(line).ok()?,
            column: u32::try_from(column).ok()?,
        })
    }

    fn type_error(&self, id: u64, message: String) -> RuleError {
        RuleError::Type {
            message,
            position: self.position(id),
        }
    }

    fn infer(&mut self, node: &IdedExpr) -> Result<Type, RuleError> {
        match &node.expr {
            Expr::Literal(literal) => Ok(match literal {
                LiteralValue::Boolean(_) => Type::Bool,
                LiteralValue::Bytes(_) => Type::Bytes,
                LiteralValue::Double(_) => Type::Double,
                LiteralValue::Int(_) => Type::Int,
                LiteralValue::Null => Type::Null,
                LiteralValue::String(_) => Type::String,
                LiteralValue::UInt(_) => Type::UInt,
            }),
            Expr::Ident(name) => self.ident(node.id, name),
            Expr::Select(select) => {
                let operand = self.infer(&select.operand)?;
                let field = self.field(node.id, &operand, &select.field)?;
                Ok(if select.test { Type::Bool } else { field })
            }
            Expr::List(list) => {
                let mut element: Option<Type> = None;
                for item in &list.elements {
                    let t = self.infer(item)?;
                    element = Some(match element {
                        None => t,
                        Some(previous) => join(previous, t),
                    });
                }
                Ok(Type::List(Box::new(element.unwrap_or(Type::Dyn))))
            }
            Expr::Map(map) => {
                let mut key: Option<Type> = None;
                let mut value: Option<Type> = None;
                for entry in &map.entries {
                    let EntryExpr::MapEntry(entry) = &entry.expr else {
                        return Err(self.type_error(entry.id, "malformed map literal".into()));
                    };
                    let k = self.infer(&entry.key)?;
                    let v = self.infer(&entry.value)?;
                    key = Some(key.map_or(k.clone(), |previous| join(previous, k)));
                    value = Some(value.map_or(v.clone(), |previous| join(previous, v)));
                }
                Ok(Type::Map(
                    Box::new(key.unwrap_or(Type::Dyn)),
                    Box::new(value.unwrap_or(Type::Dyn)),
                ))
            }
            Expr::Struct(_) => Err(self.type_error(
                node.id,
                "message literals are not available in rules".into(),
            )),
            Expr::Comprehension(comprehension) => {
                let range = self.infer(&comprehension.iter_range)?;
                let (first, second) = match &range {
                    Type::List(element) => (Type::Int, (**element).clone()),
                    Type::Map(key, value) => ((**key).clone(), (**value).clone()),
                    Type::Dyn => (Type::Dyn, Type::Dyn),
                    other => {
                        return Err(self.type_error(
                            comprehension.iter_range.id,
                            format!("a macro needs a list or a map, got {other}"),
                        ));
                    }
                };
                // One variable ranges over list elements (map keys); two over index and element.
                let bindings = match &comprehension.iter_var2 {
                    None => {
                        let single = if matches!(range, Type::List(_)) {
                            second
                        } else {
                            first
                        };
                        vec![(comprehension.iter_var.clone(), single)]
                    }
                    Some(var2) => vec![
                        (comprehension.iter_var.clone(), first),
                        (var2.clone(), second),
                    ],
                };
                let accumulator = self.infer(&comprehension.accu_init)?;
                let depth = self.scope.len();
                self.scope
                    .push((comprehension.accu_var.clone(), accumulator));
                self.scope.extend(bindings);
                let result = self.comprehension_body(comprehension, depth);
                self.scope.truncate(depth);
                result
            }
            Expr::Call(call) => {
                let target = call.target.as_deref();
                self.call(node.id, &call.func_name, target, &call.args)
            }
            Expr::Unspecified => Err(self.type_error(node.id, "incomplete expression".into())),
        }
    }

    /// Loop condition, step and result of a macro, with its variables (from `depth`) in scope;
    /// only the accumulator is in scope of the result.
    fn comprehension_body(
        &mut self,
        comprehension: &ComprehensionExpr,
        depth: usize,
    ) -> Result<Type, RuleError> {
        self.expect_bool(&comprehension.loop_cond, "a macro's condition")?;
        self.infer(&comprehension.loop_step)?;
        self.scope.truncate(depth + 1);
        self.infer(&comprehension.result)
    }

    fn ident(&self, id: u64, name: &str) -> Result<Type, RuleError> {
        if let Some((_, t)) = self.scope.iter().rev().find(|(n, _)| n == name) {
            return Ok(t.clone());
        }
        match self.schema.variable(name) {
            Some(variable) => Ok(Type::Record(variable)),
            None => Err(RuleError::UnknownVariable {
                expected: self.schema.variables_hint(),
                position: self.position(id),
            }),
        }
    }

    fn field(&self, id: u64, operand: &Type, field: &str) -> Result<Type, RuleError> {
        match operand {
            Type::Record(variable) => self
                .schema
                .field_kind(variable, field)
                .map(field_type)
                .ok_or_else(|| RuleError::UnknownField {
                    path: format!("{variable}.{field}"),
                    position: self.position(id),
                }),
            Type::Map(_, value) => Ok((**value).clone()),
            Type::Dyn => Ok(Type::Dyn),
            other => Err(self.type_error(id, format!("{other} has no fields"))),
        }
    }

    fn expect_bool(&mut self, node: &IdedExpr, what: &str) -> Result<(), RuleError> {
        let t = self.infer(node)?;
        if t.is_any_of(&[Type::Bool]) {
            Ok(())
        } else {
            Err(self.type_error(node.id, format!("{what} must be bool, got {t}")))
        }
    }

    fn call(
        &mut self,
        id: u64,
        function: &str,
        target: Option<&IdedExpr>,
        args: &[IdedExpr],
    ) -> Result<Type, RuleError> {
        let symbol = operator_symbol(function);
        match (function, target) {
            (operators::LOGICAL_AND | operators::LOGICAL_OR, None) => {
                for arg in args {
                    self.expect_bool(arg, &format!("an operand of {symbol}"))?;
                }
                Ok(Type::Bool)
            }
            (operators::LOGICAL_NOT | operators::NOT_STRICTLY_FALSE, None) => {
                let [operand] = args else {
                    return Err(self.type_error(id, format!("{symbol} takes one operand")));
                };
                self.expect_bool(operand, &format!("the operand of {symbol}"))?;
                Ok(Type::Bool)
            }
            (operators::CONDITIONAL, None) => {
                let [condition, then, otherwise] = args else {
                    return Err(self.type_error(id, "malformed ?: expression".into()));
                };
                self.expect_bool(condition, "the condition of ?:")?;
                let a = self.infer(then)?;
                let b = self.infer(otherwise)?;
                if a == b || a.is_dyn() || b.is_dyn() {
                    Ok(join(a, b))
                } else {
                    Err(self.type_error(
                        id,
                        format!("the branches of ?: have different types, {a} and {b}"),
                    ))
                }
            }
            (
                operators::EQUALS
                | operators::NOT_EQUALS
                | operators::LESS
                | operators::LESS_EQUALS
                | operators::GREATER
                | operators::GREATER_EQUALS,
                None,
            ) => {
                let (a, b) = self.binary(id, symbol, args)?;
                let equality = matches!(function, operators::EQUALS | operators::NOT_EQUALS);
                if equality && !equatable(&a, &b) {
                    return Err(self.type_error(
                        id,
                        format!("{symbol} compares {a} with {b}: they are never equal"),
                    ));
                }
                if !equality && !orderable(&a, &b) {
                    return Err(self.type_error(id, format!("{symbol} cannot order {a} and {b}")));
                }
                Ok(Type::Bool)
            }
            (
                operators::ADD
                | operators::SUBSTRACT
                | operators::MULTIPLY
                | operators::DIVIDE
                | operators::MODULO,
                None,
            ) => {
                let (a, b) = self.binary(id, symbol, args)?;
                arithmetic(function, &a, &b).ok_or_else(|| {
                    self.type_error(id, format!("{symbol} is not defined for {a} and {b}"))
                })
            }
            (operators::NEGATE, None) => {
                let [operand] = args else {
                    return Err(self.type_error(id, format!("{symbol} takes one operand")));
                };
                let t = self.infer(operand)?;
                if t.is_any_of(&[Type::Int, Type::Double, Type::Duration]) {
                    Ok(t)
                } else {
                    Err(self.type_error(id, format!("{symbol} is not defined for {t}")))
                }
            }
            (operators::IN, None) => {
                let (element, collection) = self.binary(id, symbol, args)?;
                let ok = match &collection {
                    Type::List(item) => equatable(&element, item),
                    Type::Map(key, _) => equatable(&element, key),
                    Type::Dyn => true,
                    _ => {
                        return Err(self.type_error(
                            id,
                            format!("in needs a list or a map on its right, got {collection}"),
                        ));
                    }
                };
                if ok {
                    Ok(Type::Bool)
                } else {
                    Err(self.type_error(
                        id,
                        format!("in looks for {element} in {collection}: never found"),
                    ))
                }
            }
            (operators::INDEX, None) => {
                let (container, index) = self.binary(id, symbol, args)?;
                match (&container, &index) {
                    (Type::List(item), Type::Int | Type::UInt | Type::Dyn) => Ok((**item).clone()),
                    (Type::Map(key, value), _) if equatable(key, &index) => Ok((**value).clone()),
                    (Type::Record(variable), Type::String) => match args.get(1).map(|a| &a.expr) {
                        Some(Expr::Literal(LiteralValue::String(field))) => {
                            self.field(id, &Type::Record(variable), field.inner())
                        }
                        _ => Ok(Type::Dyn),
                    },
                    (Type::Record(_) | Type::Dyn, Type::Dyn) | (Type::Dyn, _) => Ok(Type::Dyn),
                    _ => {
                        Err(self
                            .type_error(id, format!("{container} cannot be indexed by {index}")))
                    }
                }
            }
            (operators::OPT_INDEX | operators::OPT_SELECT, _) => {
                Err(self.type_error(id, "optional values are not available in rules".into()))
            }
            ("size", _) => {
                let subject = match (target, args) {
                    (Some(receiver), []) | (None, [receiver]) => self.infer(receiver)?,
                    _ => return Err(self.type_error(id, "size() takes 1 argument".into())),
                };
                if matches!(
                    subject,
                    Type::String | Type::Bytes | Type::List(_) | Type::Map(..) | Type::Dyn
                ) {
                    Ok(Type::Int)
                } else {
                    Err(self.type_error(
                        id,
                        format!("size() takes a string, bytes, list or map, got {subject}"),
                    ))
                }
            }
            ("startsWith" | "endsWith" | "contains" | "matches", _) => {
                let (subject, argument) = match (target, args) {
                    (Some(receiver), [argument]) => (receiver, argument),
                    (None, [subject, argument]) => (subject, argument),
                    _ => {
                        return Err(self.type_error(
                            id,
                            format!("{function}() takes a string and one argument"),
                        ));
                    }
                };
                let subject = self.infer(subject)?;
                let pattern = self.infer(argument)?;
                if !subject.is_any_of(&[Type::String]) || !pattern.is_any_of(&[Type::String]) {
                    return Err(self.type_error(
                        id,
                        format!("{function}() works on strings, got {subject} and {pattern}"),
                    ));
                }
                if function == "matches"
                    && let Expr::Literal(LiteralValue::String(regex)) = &argument.expr
                    && !regex_compiles(regex.inner())
                {
                    return Err(self.type_error(
                        argument.id,
                        "matches() needs a valid regular expression".into(),
                    ));
                }
                Ok(Type::Bool)
            }
            (
                "int" | "uint" | "double" | "string" | "bool" | "bytes" | "dyn" | "timestamp"
                | "duration",
                None,
            ) => {
                let [argument] = args else {
                    return Err(self.type_error(id, format!("{function}() takes 1 argument")));
                };
                let from = self.infer(argument)?;
                let (to, accepted): (Type, &[Type]) = match function {
                    "int" => (
                        Type::Int,
                        &[
                            Type::Int,
                            Type::UInt,
                            Type::Double,
                            Type::String,
                            Type::Timestamp,
                        ],
                    ),
                    "uint" => (
                        Type::UInt,
                        &[Type::Int, Type::UInt, Type::Double, Type::String],
                    ),
                    "double" => (
                        Type::Double,
                        &[Type::Int, Type::UInt, Type::Double, Type::String],
                    ),
                    "string" => (
                        Type::String,
                        &[
                            Type::Int,
                            Type::UInt,
                            Type::Double,
                            Type::String,
                            Type::Bytes,
                            Type::Bool,
                            Type::Timestamp,
                            Type::Duration,
                        ],
                    ),
                    "bool" => (Type::Bool, &[Type::Bool, Type::String]),
                    "bytes" => (Type::Bytes, &[Type::Bytes, Type::String]),
                    "timestamp" => (Type::Timestamp, &[Type::Timestamp, Type::String, Type::Int]),
                    "duration" => (Type::Duration, &[Type::Duration, Type::String]),
                    _ => return Ok(Type::Dyn),
                };
                if from.is_any_of(accepted) {
                    Ok(to)
                } else {
                    Err(self.type_error(id, format!("{function}() cannot convert {from}")))
                }
            }
            _ => Err(RuleError::UnknownFunction {
                name: function.to_owned(),
                position: self.position(id),
            }),
        }
    }

    fn binary(
        &mut self,
        id: u64,
        symbol: &str,
        args: &[IdedExpr],
    ) -> Result<(Type, Type), RuleError> {
        let [a, b] = args else {
            return Err(self.type_error(id, format!("{symbol} takes two operands")));
        };
        Ok((self.infer(a)?, self.infer(b)?))
    }
}

/// The result of an arithmetic operator, or `None` when CEL has no overload for the operands
/// (it never converts between int, uint and double implicitly).
fn arithmetic(function: &str, a: &Type, b: &Type) -> Option<Type> {
    use Type::*;
    if a.is_dyn() || b.is_dyn() {
        return Some(Dyn);
    }
    let same_number = a == b && a.is_numeric();
    match function {
        operators::ADD => match (a, b) {
            _ if same_number => Some(a.clone()),
            (String, String) => Some(String),
            (Bytes, Bytes) => Some(Bytes),
            (List(x), List(y)) => Some(List(Box::new(join((**x).clone(), (**y).clone())))),
            (Timestamp, Duration) | (Duration, Timestamp) => Some(Timestamp),
            (Duration, Duration) => Some(Duration),
            _ => None,
        },
        operators::SUBSTRACT => match (a, b) {
            _ if same_number => Some(a.clone()),
            (Timestamp, Timestamp) | (Duration, Duration) => Some(Duration),
            (Timestamp, Duration) => Some(Timestamp),
            _ => None,
        },
        operators::MULTIPLY | operators::DIVIDE => same_number.then(|| a.clone()),
        operators::MODULO => (a == b && matches!(a, Int | UInt)).then(|| a.clone()),
        _ => None,
    }
}

/// Whether the CEL runtime accepts `pattern` as a regular expression (it would otherwise fail
/// the rule on every traveller).
fn regex_compiles(pattern: &str) -> bool {
    let Ok(probe) = Program::compile("''.matches(pattern)") else {
        return true;
    };
    let mut context = Context::default();
    context.add_variable_from_value("pattern", pattern.to_owned());
    probe.execute(&context).is_ok()
}
