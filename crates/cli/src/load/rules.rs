//! The passenger rules `gatehouse load seed` activates: realistic, varied CEL risk profiles.
//!
//! Ordinary synthetic travellers live in a safe part of the fact space: documents valid for at
//! least [`MIN_ORDINARY_VALIDITY_DAYS`], crew aged 23 to 62, passports issued by the state of
//! nationality, nationalities from `countries::ORDINARY`, inbound flights only, no residence
//! permits. Every background rule needs a fact outside it (a short validity, a profiled
//! nationality, an outbound flight, ...), so it never fires on them; the few [`TRIGGERS`] rules
//! fire on the "rule hit" travellers built for them. Every rule is a bool expression.

pub mod cargo;

use super::countries::{self, ORDINARY};

/// Ordinary travellers' documents expire at least this long after departure.
pub const MIN_ORDINARY_VALIDITY_DAYS: i64 = 400;

/// A rule to seed.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleSpec {
    pub rule_id: String,
    pub name: String,
    pub expression: String,
    pub weight: f64,
    pub severity: gatehouse_proto::v1::Severity,
}

/// What makes a rule-hit traveller fire; one rule each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Trigger {
    /// Passport expiring 5 to 50 days after departure.
    ShortValidity,
    /// Crew member aged 18 to 20.
    YoungCrew,
    /// Passport issued by another state than the nationality.
    ForeignPassport,
    /// Nationality on the conflict-zone profile.
    ProfiledNationality,
}

pub const TRIGGERS: [Trigger; 4] = [
    Trigger::ShortValidity,
    Trigger::YoungCrew,
    Trigger::ForeignPassport,
    Trigger::ProfiledNationality,
];

/// The triggers whose facts a PNR carries too: its travellers are passengers, never crew.
pub const PNR_TRIGGERS: [Trigger; 3] = [
    Trigger::ShortValidity,
    Trigger::ForeignPassport,
    Trigger::ProfiledNationality,
];

/// The passenger triggers rule-hit travellers of `kind` are built for (none for cargo, whose
/// triggers are [`cargo::CARGO_TRIGGERS`]).
pub fn triggers(kind: super::generator::Kind) -> &'static [Trigger] {
    match kind {
        super::generator::Kind::Api => &TRIGGERS,
        super::generator::Kind::Pnr => &PNR_TRIGGERS,
        super::generator::Kind::Cargo => &[],
    }
}

fn list(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| format!("'{i}'")).collect();
    format!("[{}]", quoted.join(", "))
}

impl Trigger {
    pub fn rule(self) -> RuleSpec {
        use gatehouse_proto::v1::Severity;
        let (rule_id, name, expression, weight, severity) = match self {
            Trigger::ShortValidity => (
                "load-passport-expires-within-60-days",
                "Passport expires within 60 days of departure",
                "document.type == 'passport' && document.days_to_expiry >= 0 && document.days_to_expiry < 60".to_owned(),
                35.0,
                Severity::Medium,
            ),
            Trigger::YoungCrew => (
                "load-crew-under-21",
                "Crew member under 21",
                "traveller.role == 'crew' && traveller.age >= 0 && traveller.age < 21".to_owned(),
                30.0,
                Severity::Medium,
            ),
            Trigger::ForeignPassport => (
                "load-passport-issuer-not-nationality",
                "Passport issued by a state other than the nationality",
                "document.type == 'passport' && document.issuing_country != '' && traveller.nationality != '' && document.issuing_country != traveller.nationality".to_owned(),
                25.0,
                Severity::Low,
            ),
            Trigger::ProfiledNationality => (
                "load-conflict-zone-national-inbound",
                "Conflict-zone national on an inbound flight",
                format!(
                    "traveller.nationality in {} && flight.direction == 'inbound' && traveller.role != 'crew'",
                    list(&countries::codes(countries::PROFILED))
                ),
                40.0,
                Severity::High,
            ),
        };
        RuleSpec {
            rule_id: rule_id.to_owned(),
            name: name.to_owned(),
            expression,
            weight,
            severity,
        }
    }
}

const REGION: &[&str] = &[
    "SJJ", "BEG", "SKP", "TGD", "TIV", "PRN", "OHD", "TZL", "BNX", "INI",
];
const HUBS: &[(&str, &[&str])] = &[
    ("gulf", &["DXB", "DOH", "AUH", "SHJ"]),
    ("turkey", &["IST", "SAW", "ESB", "AYT"]),
    ("north-africa", &["CAI", "TUN", "CMN", "ALG"]),
    ("iberia", &["MAD", "LIS", "BCN", "OPO"]),
    (
        "western-europe",
        &["FRA", "MUC", "VIE", "ZRH", "CDG", "AMS"],
    ),
];
/// Profiled nationality groups of the background rules; none is an ordinary nationality.
const PROFILES: &[(&str, &[&str])] = &[
    ("levant", &["SYR", "IRQ"]),
    ("south-asia", &["AFG", "PAK", "BGD"]),
    ("horn-of-africa", &["SOM", "ERI", "SDN"]),
    ("maghreb-conflict", &["LBY", "YEM"]),
    ("andean", &["COL", "VEN", "ECU", "PER", "BOL"]),
    ("west-africa", &["NGA", "GHA", "GIN", "GMB"]),
    ("iran", &["IRN"]),
];
const CARRIERS: &[(&str, &[&str])] = &[
    ("low-cost-central", &["W6", "W4"]),
    ("low-cost-west", &["FR", "RK", "U2"]),
    ("turkish", &["TK", "PC", "AJ"]),
    ("serbian", &["JU"]),
    ("german", &["LH", "EW", "DE"]),
    ("gulf", &["FZ", "EK", "QR", "G9"]),
    ("austrian-swiss", &["OS", "LX"]),
];
/// Citizenship-by-investment states whose passports are sold.
const INVESTOR_PASSPORTS: &[&str] = &["VUT", "DMA", "GRD", "KNA", "LCA", "ATG"];
const VALIDITY_DAYS: &[i64] = &[90, 120, 180, 240, 300];
const AGE_BANDS: &[(i64, i64)] = &[(18, 25), (18, 30), (20, 35), (25, 40), (30, 50), (40, 65)];

fn severity(index: usize) -> gatehouse_proto::v1::Severity {
    use gatehouse_proto::v1::Severity;
    [Severity::Low, Severity::Medium, Severity::High][index % 3]
}

fn rule(id: String, name: String, expression: String, index: usize) -> RuleSpec {
    RuleSpec {
        rule_id: id,
        name,
        expression,
        weight: 10.0 + (index % 7) as f64 * 5.0,
        severity: severity(index),
    }
}

/// Background families, each a list of rules; [`catalogue`] interleaves them for variety.
fn families() -> Vec<Vec<RuleSpec>> {
    let mut families = Vec::new();

    // Courier profiles: a profiled nationality, via a hub, in an age band.
    let mut couriers = Vec::new();
    for (h, (hub, airports)) in HUBS.iter().enumerate() {
        for (p, (profile, nationalities)) in PROFILES.iter().enumerate() {
            let (low, high) = AGE_BANDS[(h + p) % AGE_BANDS.len()];
            let index = h * PROFILES.len() + p;
            couriers.push(rule(
                format!("load-courier-{profile}-via-{hub}"),
                format!("Courier profile: {profile} nationals aged {low}-{high} via {hub} hubs"),
                format!(
                    "flight.departure_airport in {} && traveller.nationality in {} && traveller.age >= {low} && traveller.age <= {high}",
                    list(airports),
                    list(nationalities)
                ),
                index,
            ));
        }
    }
    families.push(couriers);

    // Short-validity documents on routes into each airport of the region.
    let mut validity = Vec::new();
    for (a, arrival) in REGION.iter().enumerate() {
        for (h, (hub, airports)) in HUBS.iter().enumerate().take(3) {
            let days = VALIDITY_DAYS[(a + h) % VALIDITY_DAYS.len()];
            validity.push(rule(
                format!("load-short-validity-{hub}-to-{}", arrival.to_ascii_lowercase()),
                format!("Document valid under {days} days, {hub} hubs to {arrival}"),
                format!(
                    "flight.arrival_airport == '{arrival}' && flight.departure_airport in {} && document.days_to_expiry >= 0 && document.days_to_expiry < {days}",
                    list(airports)
                ),
                a * 3 + h,
            ));
        }
    }
    families.push(validity);

    // Crew ages outside what the carriers employ.
    let mut crew = Vec::new();
    for (c, (group, carriers)) in CARRIERS.iter().enumerate() {
        let (low, high) = [(19, 65), (20, 67), (21, 70)][c % 3];
        crew.push(rule(
            format!("load-crew-age-{group}"),
            format!("Crew of {group} carriers younger than {low} or older than {high}"),
            format!(
                "traveller.role == 'crew' && flight.carrier in {} && (traveller.age < {low} || traveller.age > {high})",
                list(carriers)
            ),
            c,
        ));
    }
    families.push(crew);

    // Residence in a profiled state by someone of another nationality.
    let mut residence = Vec::new();
    for (p, (profile, states)) in PROFILES.iter().enumerate() {
        residence.push(rule(
            format!("load-resident-of-{profile}"),
            format!("Resident of a {profile} state holding another nationality"),
            format!(
                "traveller.country_of_residence in {} && traveller.nationality != traveller.country_of_residence && flight.direction == 'inbound'",
                list(states)
            ),
            p,
        ));
    }
    families.push(residence);

    // Residence permits close to expiry, by issuing state.
    let mut permits = Vec::new();
    for (i, state) in ["D", "AUT", "ITA", "SVN", "HRV", "CHE"].iter().enumerate() {
        let days = VALIDITY_DAYS[i % VALIDITY_DAYS.len()];
        permits.push(rule(
            format!("load-residence-permit-{}-expiring", state.to_ascii_lowercase()),
            format!("Residence permit of {state} expiring within {days} days"),
            format!(
                "document.type == 'residence_permit' && document.issuing_country == '{state}' && document.days_to_expiry < {days}"
            ),
            i,
        ));
    }
    families.push(permits);

    // Outbound cash couriers (the generator sends inbound flights only).
    let mut outbound = Vec::new();
    for (h, (hub, airports)) in HUBS.iter().enumerate() {
        for (b, (low, high)) in AGE_BANDS.iter().enumerate().take(2) {
            outbound.push(rule(
                format!("load-outbound-cash-{hub}-{low}-{high}"),
                format!("Outbound to {hub} hubs, men aged {low}-{high}"),
                format!(
                    "flight.direction == 'outbound' && flight.arrival_airport in {} && traveller.sex == 'M' && traveller.age >= {low} && traveller.age <= {high}",
                    list(airports)
                ),
                h * 2 + b,
            ));
        }
    }
    families.push(outbound);

    // Minors in transit, and placeholder dates of birth, per profile.
    let mut minors = Vec::new();
    for (p, (profile, states)) in PROFILES.iter().enumerate() {
        minors.push(rule(
            format!("load-minor-in-transit-{profile}"),
            format!("Minor in transit, {profile} nationality"),
            format!(
                "traveller.role == 'in_transit' && traveller.age >= 0 && traveller.age < 16 && traveller.nationality in {}",
                list(states)
            ),
            p,
        ));
        minors.push(rule(
            format!("load-placeholder-birth-date-{profile}"),
            format!("Placeholder date of birth (1 January), {profile} nationality"),
            format!(
                "traveller.date_of_birth.endsWith('-01-01') && traveller.nationality in {}",
                list(states)
            ),
            p + 1,
        ));
        minors.push(rule(
            format!("load-sex-unspecified-{profile}"),
            format!("Sex not stated on the passport, {profile} nationality"),
            format!(
                "traveller.sex == 'U' && document.type == 'passport' && traveller.nationality in {}",
                list(states)
            ),
            p + 2,
        ));
    }
    families.push(minors);

    // Carrier-specific document checks.
    let mut carrier = Vec::new();
    for (c, (group, carriers)) in CARRIERS.iter().enumerate() {
        carrier.push(rule(
            format!("load-expired-document-{group}"),
            format!("Document expired before departure on {group} carriers"),
            format!(
                "document.expiry_date != '' && document.expiry_date < flight.departure_date && flight.carrier in {}",
                list(carriers)
            ),
            c,
        ));
        let days = VALIDITY_DAYS[c % VALIDITY_DAYS.len()];
        carrier.push(rule(
            format!("load-charter-short-validity-{group}"),
            format!("Charter flight (9xxx) of {group} carriers, document under {days} days"),
            format!(
                "flight.carrier in {} && flight.number.startsWith('9') && document.days_to_expiry >= 0 && document.days_to_expiry < {days}",
                list(carriers)
            ),
            c + 1,
        ));
    }
    families.push(carrier);

    // Investor passports through hubs; improbable ages.
    let mut other = Vec::new();
    for (h, (hub, airports)) in HUBS.iter().enumerate() {
        other.push(rule(
            format!("load-investor-passport-via-{hub}"),
            format!("Citizenship-by-investment passport via {hub} hubs"),
            format!(
                "document.issuing_country in {} && flight.departure_airport in {}",
                list(INVESTOR_PASSPORTS),
                list(airports)
            ),
            h,
        ));
    }
    other.push(rule(
        "load-passenger-over-95".to_owned(),
        "Passenger older than 95 (data quality or identity fraud)".to_owned(),
        "traveller.role == 'passenger' && traveller.age > 95".to_owned(),
        1,
    ));
    other.push(rule(
        "load-crew-over-70".to_owned(),
        "Crew member older than 70".to_owned(),
        "traveller.role == 'crew' && traveller.age > 70".to_owned(),
        2,
    ));
    families.push(other);

    // Profiled nationalities with a short validity, per validity window.
    let mut profiled_validity = Vec::new();
    for (p, (profile, states)) in PROFILES.iter().enumerate() {
        let days = VALIDITY_DAYS[p % VALIDITY_DAYS.len()];
        profiled_validity.push(rule(
            format!("load-{profile}-short-validity"),
            format!("{profile} national with a document valid under {days} days"),
            format!(
                "traveller.nationality in {} && document.days_to_expiry >= 0 && document.days_to_expiry < {days}",
                list(states)
            ),
            p,
        ));
    }
    families.push(profiled_validity);
    families
}

/// The rules to seed: the trigger rules first, then background rules taken from each family
/// in turn, `total` in all (at least the triggers). Stable: the same ids and expressions on
/// every run, so seeding twice changes nothing.
pub fn catalogue(total: usize) -> Vec<RuleSpec> {
    let mut rules: Vec<RuleSpec> = TRIGGERS.iter().map(|t| t.rule()).collect();
    let mut families: Vec<std::vec::IntoIter<RuleSpec>> =
        families().into_iter().map(Vec::into_iter).collect();
    while rules.len() < total {
        let mut took = false;
        for family in &mut families {
            if rules.len() >= total {
                break;
            }
            if let Some(rule) = family.next() {
                rules.push(rule);
                took = true;
            }
        }
        if !took {
            break;
        }
    }
    rules
}

/// How many distinct rules [`catalogue`] can give.
pub fn available() -> usize {
    TRIGGERS.len() + families().iter().map(Vec::len).sum::<usize>()
}

/// Ordinary nationalities, for tests that check no background rule names one.
pub fn ordinary_codes() -> Vec<&'static str> {
    countries::codes(ORDINARY)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn catalogue_has_well_over_a_hundred_distinct_rules_that_compile_to_bool() {
        assert!(available() >= 120, "{}", available());
        let rules = catalogue(available());
        assert_eq!(rules.len(), available());
        let ids: HashSet<&str> = rules.iter().map(|r| r.rule_id.as_str()).collect();
        let expressions: HashSet<&str> = rules.iter().map(|r| r.expression.as_str()).collect();
        assert_eq!(ids.len(), rules.len(), "rule ids repeat");
        assert_eq!(expressions.len(), rules.len(), "expressions repeat");
        for rule in &rules {
            gatehouse_rules::compile_passenger(&rule.expression)
                .unwrap_or_else(|e| panic!("{}: {e}", rule.rule_id));
            // The service's slug rule: 1-64 lowercase letters, digits, '-' or '_'.
            assert!(rule.rule_id.len() <= 64 && rule.rule_id.starts_with("load-"));
            assert!(
                rule.rule_id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{}",
                rule.rule_id
            );
        }
    }

    #[test]
    fn small_catalogues_keep_the_triggers_and_mix_families() {
        let rules = catalogue(12);
        assert_eq!(rules.len(), 12);
        for trigger in TRIGGERS {
            assert!(rules.contains(&trigger.rule()));
        }
        let families: HashSet<&str> = rules[TRIGGERS.len()..]
            .iter()
            .map(|r| r.rule_id.split('-').nth(1).unwrap_or_default())
            .collect();
        assert!(families.len() >= 6, "{families:?}");
        assert_eq!(catalogue(2).len(), TRIGGERS.len());
    }

    #[test]
    fn no_rule_profiles_an_ordinary_nationality() {
        let ordinary = ordinary_codes();
        for (_, states) in PROFILES {
            assert!(states.iter().all(|s| !ordinary.contains(s)), "{states:?}");
        }
        for state in INVESTOR_PASSPORTS {
            assert!(!ordinary.contains(state));
        }
    }
}
