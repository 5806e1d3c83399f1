//! Rule versions in Postgres and the compiled set of live (shadow and active) rules in memory.

use std::sync::{Arc, RwLock};

use chrono::{DateTime, Utc};
use gatehouse_platform::{error::FieldViolations, events::to_timestamp};
use gatehouse_proto::v1::{Domain, Rule, RuleStatus, Severity};
use gatehouse_rules::CompiledRule;
use sqlx::{PgConnection, PgPool, Row, postgres::PgRow};

/// A live rule version ready to evaluate.
pub struct LiveRule {
    pub rule_id: String,
    pub version: u32,
    pub name: String,
    pub weight: f64,
    pub severity: Severity,
    /// Shadow rules score and are recorded but never alert.
    pub shadow: bool,
    pub target_units: Vec<String>,
    pub valid_from: Option<DateTime<Utc>>,
    pub valid_to: Option<DateTime<Utc>>,
    pub compiled: CompiledRule,
}

impl LiveRule {
    pub fn in_force(&self, at: DateTime<Utc>) -> bool {
        self.valid_from.is_none_or(|from| from <= at) && self.valid_to.is_none_or(|to| at < to)
    }
}

/// The rules in force per domain, each set swapped whole on every reload so evaluation never
/// blocks on it.
#[derive(Clone, Default)]
pub struct RuleSet {
    passenger: Arc<RwLock<Arc<Vec<LiveRule>>>>,
    cargo: Arc<RwLock<Arc<Vec<LiveRule>>>>,
}

fn read(set: &RwLock<Arc<Vec<LiveRule>>>) -> Arc<Vec<LiveRule>> {
    match set.read() {
        Ok(guard) => guard.clone(),
        Err(poisoned) => poisoned.into_inner().clone(),
    }
}

fn replace(set: &RwLock<Arc<Vec<LiveRule>>>, live: Vec<LiveRule>) {
    match set.write() {
        Ok(mut guard) => *guard = Arc::new(live),
        Err(poisoned) => *poisoned.into_inner() = Arc::new(live),
    }
}

impl RuleSet {
    /// The passenger rules in force.
    pub fn snapshot(&self) -> Arc<Vec<LiveRule>> {
        read(&self.passenger)
    }

    /// The cargo rules in force.
    pub fn cargo_snapshot(&self) -> Arc<Vec<LiveRule>> {
        read(&self.cargo)
    }

    /// Re-reads the live rules of both domains from the database; returns how many there are.
    pub async fn reload(&self, pool: &PgPool) -> Result<usize, sqlx::Error> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM rules WHERE status IN ('shadow', 'active')"
        ))
        .fetch_all(pool)
        .await?;
        let stored = rows
            .iter()
            .map(rule_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        let (cargo, passenger): (Vec<Rule>, Vec<Rule>) = stored
            .into_iter()
            .partition(|rule| rule.domain == Domain::Cargo as i32);
        let (passenger, cargo) = (live_rules(passenger), live_rules(cargo));
        let count = passenger.len() + cargo.len();
        replace(&self.passenger, passenger);
        replace(&self.cargo, cargo);
        Ok(count)
    }
}

/// Compiles a rule of its domain's context.
pub fn compile(domain: i32, expression: &str) -> Result<CompiledRule, gatehouse_rules::RuleError> {
    if domain == Domain::Cargo as i32 {
        gatehouse_rules::compile_cargo(expression)
    } else {
        gatehouse_rules::compile_passenger(expression)
    }
}

/// Compiles the shadow and active versions among `stored`. A rule may have one of each at
/// once: both are evaluated, the shadow one's hits marked `shadow` and kept apart.
pub fn live_rules(stored: Vec<Rule>) -> Vec<LiveRule> {
    let mut live = Vec::with_capacity(stored.len());
    for rule in stored {
        let status = RuleStatus::try_from(rule.status).unwrap_or(RuleStatus::Unspecified);
        if !matches!(status, RuleStatus::Shadow | RuleStatus::Active) {
            continue;
        }
        match compile(rule.domain, &rule.expression) {
            Ok(compiled) => live.push(LiveRule {
                version: rule.version,
                name: rule.name,
                weight: rule.weight,
                severity: Severity::try_from(rule.severity).unwrap_or(Severity::Unspecified),
                shadow: status == RuleStatus::Shadow,
                target_units: rule.target_units,
                valid_from: rule
                    .valid_from
                    .as_ref()
                    .and_then(gatehouse_platform::events::from_timestamp),
                valid_to: rule
                    .valid_to
                    .as_ref()
                    .and_then(gatehouse_platform::events::from_timestamp),
                compiled,
                rule_id: rule.rule_id,
            }),
            // Rules are checked before they are stored; this only happens if the language or
            // the type check changed. The error names fields and types, never values.
            Err(error) => {
                tracing::error!(rule_id = %rule.rule_id, version = rule.version, error = %error.located(), "stored rule no longer compiles; skipped")
            }
        }
    }
    live
}

const COLUMNS: &str = "rule_id, version, name, description, domain, expression, weight, severity, status, \
                       target_units, valid_from, valid_to, created_by, created_at";

pub fn rule_from_row(row: &PgRow) -> Result<Rule, sqlx::Error> {
    let version: i32 = row.try_get("version")?;
    let valid_from: Option<DateTime<Utc>> = row.try_get("valid_from")?;
    let valid_to: Option<DateTime<Utc>> = row.try_get("valid_to")?;
    let created_at: DateTime<Utc> = row.try_get("created_at")?;
    Ok(Rule {
        rule_id: row.try_get("rule_id")?,
        version: u32::try_from(version).unwrap_or_default(),
        name: row.try_get("name")?,
        description: row.try_get("description")?,
        domain: domain_from_name(row.try_get("domain")?) as i32,
        expression: row.try_get("expression")?,
        weight: row.try_get("weight")?,
        severity: severity_from_name(row.try_get("severity")?) as i32,
        status: status_from_name(row.try_get("status")?) as i32,
        target_units: row.try_get("target_units")?,
        valid_from: valid_from.map(to_timestamp),
        valid_to: valid_to.map(to_timestamp),
        created_by: row.try_get("created_by")?,
        created_at: Some(to_timestamp(created_at)),
    })
}

/// Inserts a new rule version as a draft.
pub async fn insert_version(conn: &mut PgConnection, rule: &Rule) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO rules (rule_id, version, name, description, domain, expression, weight, severity, status,
             target_units, valid_from, valid_to, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(&rule.rule_id)
    .bind(i32::try_from(rule.version).unwrap_or(i32::MAX))
    .bind(&rule.name)
    .bind(&rule.description)
    .bind(domain_name(rule.domain))
    .bind(&rule.expression)
    .bind(rule.weight)
    .bind(severity_name(rule.severity))
    .bind(status_name(rule.status))
    .bind(&rule.target_units)
    .bind(rule.valid_from.as_ref().and_then(gatehouse_platform::events::from_timestamp))
    .bind(rule.valid_to.as_ref().and_then(gatehouse_platform::events::from_timestamp))
    .bind(&rule.created_by)
    .execute(conn)
    .await?;
    Ok(())
}

/// The given version, or the latest when `version` is 0.
pub async fn find(
    conn: &mut PgConnection,
    rule_id: &str,
    version: u32,
) -> Result<Option<Rule>, sqlx::Error> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM rules WHERE rule_id = $1 AND ($2 = 0 OR version = $2)
         ORDER BY version DESC LIMIT 1"
    ))
    .bind(rule_id)
    .bind(i32::try_from(version).unwrap_or(i32::MAX))
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(rule_from_row).transpose()
}

pub async fn list(
    pool: &PgPool,
    domain: Domain,
    status: RuleStatus,
    all_versions: bool,
) -> Result<Vec<Rule>, sqlx::Error> {
    let domain = (domain != Domain::Unspecified).then(|| domain_name(domain as i32));
    let status = (status != RuleStatus::Unspecified).then(|| status_name(status as i32));
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM rules r
         WHERE ($1::text IS NULL OR domain = $1) AND ($2::text IS NULL OR status = $2)
           AND ($3 OR version = (SELECT max(version) FROM rules l WHERE l.rule_id = r.rule_id))
         ORDER BY rule_id, version"
    ))
    .bind(domain)
    .bind(status)
    .bind(all_versions)
    .fetch_all(pool)
    .await?;
    rows.iter().map(rule_from_row).collect()
}

/// The status whose other version a change to `target` retires, so that a rule has at most one
/// active and one shadow version: activating retires the previously active version (the
/// version activated leaves shadow by becoming active); a new shadow version retires the
/// previous shadow version, never the active one, which keeps alerting beside it.
pub fn superseded_by(target: RuleStatus) -> Option<RuleStatus> {
    match target {
        RuleStatus::Active => Some(RuleStatus::Active),
        RuleStatus::Shadow => Some(RuleStatus::Shadow),
        RuleStatus::Unspecified | RuleStatus::Draft | RuleStatus::Retired => None,
    }
}

/// Which status changes the publication workflow allows.
pub fn transition_allowed(from: RuleStatus, to: RuleStatus) -> bool {
    use RuleStatus::*;
    matches!(
        (from, to),
        (Draft, Shadow)
            | (Draft, Active)
            | (Shadow, Active)
            | (Shadow, Retired)
            | (Shadow, Draft)
            | (Active, Retired)
            | (Draft, Retired)
    )
}

pub fn validate_definition(
    rule_id: &str,
    name: &str,
    domain: i32,
    expression: &str,
    weight: f64,
    severity: i32,
) -> FieldViolations {
    let mut v = FieldViolations::new();
    let id_ok = !rule_id.is_empty()
        && rule_id.len() <= 64
        && rule_id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if !id_ok {
        v.add(
            "rule_id",
            "must be 1-64 lowercase letters, digits, '-' or '_'",
        );
    }
    if name.trim().is_empty() {
        v.add("name", "is required");
    }
    match Domain::try_from(domain) {
        Ok(Domain::Passenger) => {
            // The diagnostic names the position, fields and types; never a literal.
            if let Err(error) = gatehouse_rules::compile_passenger(expression) {
                v.add("expression", error.located());
            }
        }
        Ok(Domain::Cargo) => {
            if let Err(error) = gatehouse_rules::compile_cargo(expression) {
                v.add("expression", error.located());
            }
        }
        _ => v.add("domain", "must be DOMAIN_PASSENGER or DOMAIN_CARGO"),
    }
    if !weight.is_finite() || !(0.0..=1000.0).contains(&weight) {
        v.add("weight", "must be between 0 and 1000");
    }
    if matches!(
        Severity::try_from(severity),
        Ok(Severity::Unspecified) | Err(_)
    ) {
        v.add("severity", "is required");
    }
    v
}

macro_rules! enum_names {
    ($to_name:ident, $from_name:ident, $ty:ident, $prefix:literal) => {
        pub fn $to_name(value: i32) -> String {
            gatehouse_proto::labels::label(
                $ty::try_from(value)
                    .unwrap_or($ty::Unspecified)
                    .as_str_name(),
                $prefix,
            )
        }

        pub fn $from_name(name: String) -> $ty {
            $ty::from_str_name(&format!("{}{}", $prefix, name.to_ascii_uppercase()))
                .unwrap_or($ty::Unspecified)
        }
    };
}

enum_names!(domain_name, domain_from_name, Domain, "DOMAIN_");
enum_names!(severity_name, severity_from_name, Severity, "SEVERITY_");
enum_names!(status_name, status_from_name, RuleStatus, "RULE_STATUS_");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        assert_eq!(status_name(RuleStatus::Shadow as i32), "shadow");
        assert_eq!(status_from_name("active".into()), RuleStatus::Active);
        assert_eq!(
            severity_from_name(severity_name(Severity::Critical as i32)),
            Severity::Critical
        );
        assert_eq!(domain_from_name("nonsense".into()), Domain::Unspecified);
    }

    #[test]
    fn workflow_only_moves_forward_from_active() {
        assert!(transition_allowed(RuleStatus::Draft, RuleStatus::Active));
        assert!(transition_allowed(RuleStatus::Active, RuleStatus::Retired));
        assert!(!transition_allowed(RuleStatus::Active, RuleStatus::Draft));
        assert!(!transition_allowed(RuleStatus::Retired, RuleStatus::Active));
    }

    #[test]
    fn a_shadow_version_never_supersedes_the_active_one() {
        assert_eq!(superseded_by(RuleStatus::Shadow), Some(RuleStatus::Shadow));
        assert_eq!(superseded_by(RuleStatus::Active), Some(RuleStatus::Active));
        assert_eq!(superseded_by(RuleStatus::Retired), None);
        assert_eq!(superseded_by(RuleStatus::Draft), None);
    }

    fn stored(version: u32, status: RuleStatus, expression: &str) -> Rule {
        Rule {
            rule_id: "nationality".into(),
            version,
            name: "n".into(),
            domain: Domain::Passenger as i32,
            expression: expression.into(),
            weight: 10.0,
            severity: Severity::Medium as i32,
            status: status as i32,
            ..Default::default()
        }
    }

    #[test]
    fn active_and_shadow_versions_of_a_rule_are_both_live() {
        let live = live_rules(vec![
            stored(1, RuleStatus::Active, "traveller.nationality == 'XXB'"),
            stored(
                2,
                RuleStatus::Shadow,
                "traveller.nationality in ['XXB', 'XXC']",
            ),
            stored(3, RuleStatus::Draft, "traveller.age > 3"),
            stored(4, RuleStatus::Retired, "traveller.age > 3"),
            // Stored before rules were type-checked: skipped, the others still load.
            stored(5, RuleStatus::Shadow, "traveller.surname"),
        ]);
        let versions: Vec<(u32, bool)> = live.iter().map(|r| (r.version, r.shadow)).collect();
        assert_eq!(versions, [(1, false), (2, true)]);
    }

    #[test]
    fn expression_violations_name_the_position_not_the_values() {
        let v = validate_definition(
            "r",
            "n",
            Domain::Passenger as i32,
            "traveller.surname == 'SMITH' && traveller.age",
            1.0,
            Severity::Low as i32,
        );
        let messages: Vec<String> = v.iter().map(|(_, m)| m.to_string()).collect();
        assert_eq!(
            messages,
            ["line 1, column 42: an operand of && must be bool, got int"]
        );
    }

    #[test]
    fn definitions_are_checked_field_by_field() {
        let v = validate_definition(
            "Bad Id",
            "",
            Domain::Passenger as i32,
            "traveller.nope == 1",
            -1.0,
            0,
        );
        let fields: Vec<&str> = v.iter().map(|(f, _)| f).collect();
        assert_eq!(
            fields,
            ["rule_id", "name", "expression", "weight", "severity"]
        );
        assert!(
            validate_definition(
                "ok-1",
                "n",
                Domain::Passenger as i32,
                "traveller.age > 60",
                10.0,
                Severity::Low as i32
            )
            .is_empty()
        );
    }
}
