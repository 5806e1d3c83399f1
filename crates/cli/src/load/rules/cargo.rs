//! The cargo rules `gatehouse load seed` activates next to the passenger ones.
//!
//! Ordinary synthetic consignments stay in a safe part of the cargo fact space: sea and air
//! movements only, HS codes outside the chapters and headings the rules profile
//! ([`PROFILED_HS_PREFIXES`]), descriptions that name the goods, freight prepaid or on account,
//! UN numbers of a few everyday dangerous goods only, routes through none of
//! [`SANCTIONED_ROUTE`], at most three containers of at most 25 t, declared values of at least
//! 2 per kg. The background rules need a fact outside it; the [`CARGO_TRIGGERS`] fire on the
//! consignments built for them, one rule each. No rule reads the party history: whether a
//! consignee of the pool is new depends on which stream sent it first.

use super::{RuleSpec, list};

/// What makes a rule-hit consignment fire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CargoTrigger {
    /// A goods item of HS chapter 93 (arms and ammunition).
    Arms,
    /// A UN number of class 1 (explosives: UN 0001-0999).
    Explosives,
    /// Goods described too vaguely to profile, freight collect.
    VagueFreightCollect,
    /// Routed through a sanctioned state.
    SanctionedRoute,
}

pub const CARGO_TRIGGERS: [CargoTrigger; 4] = [
    CargoTrigger::Arms,
    CargoTrigger::Explosives,
    CargoTrigger::VagueFreightCollect,
    CargoTrigger::SanctionedRoute,
];

/// States a trigger-hit route passes through; no ordinary route does.
pub const SANCTIONED_ROUTE: &[&str] = &["IRN", "SYR", "PRK"];

/// HS chapters and headings ordinary goods never come from: the triggers' and the background
/// rules'.
pub const PROFILED_HS_PREFIXES: &[&str] = &[
    "01", "36", "71", "93", "97", "1211", "2939", "2933", "3003", "3004", "8401", "8710", "8802",
    "8906",
];

impl CargoTrigger {
    pub fn rule(self) -> RuleSpec {
        use gatehouse_proto::v1::Severity;
        let (rule_id, name, expression, weight, severity) = match self {
            CargoTrigger::Arms => (
                "load-cargo-arms-and-ammunition",
                "Arms or ammunition (HS chapter 93) declared",
                "goods.hs_codes.exists(h, h.startsWith('93'))".to_owned(),
                60.0,
                Severity::High,
            ),
            CargoTrigger::Explosives => (
                "load-cargo-class-1-explosives",
                "Explosives of class 1 (UN 0001-0999) declared",
                "goods.dangerous_goods_declared && goods.un_numbers.exists(u, u.startsWith('0'))"
                    .to_owned(),
                45.0,
                Severity::High,
            ),
            CargoTrigger::VagueFreightCollect => (
                "load-cargo-vague-goods-freight-collect",
                "Goods described too vaguely to profile, freight collect",
                "goods.description_vague && consignment.freight_payment == 'not_prepaid'"
                    .to_owned(),
                25.0,
                Severity::Medium,
            ),
            CargoTrigger::SanctionedRoute => (
                "load-cargo-routed-via-sanctioned-state",
                "Routed through a sanctioned state",
                format!("route.countries.exists(c, c in {})", list(SANCTIONED_ROUTE)),
                50.0,
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

/// Flags of convenience with poor port-state-control records; no generated vessel flies one.
const PROFILED_FLAGS: &[&str] = &["TGO", "CMR", "COM", "PLW", "KNA", "SLE", "MDA"];
/// Transhipment states the profiles watch; ordinary routes tranship in Greece, Italy, Malta,
/// Türkiye, Spain or Slovenia.
const PROFILED_TRANSHIPMENT: &[&str] = &["ARE", "OMN", "PAK", "LKA", "MYS", "DJI"];
/// Consignor states of the background profiles; no ordinary consignor is from one.
const PROFILED_CONSIGNORS: &[&str] = &["AFG", "LBY", "YEM", "SOM", "VEN", "MMR", "LBN"];

fn rule(id: &str, name: &str, expression: String, index: usize) -> RuleSpec {
    use gatehouse_proto::v1::Severity;
    RuleSpec {
        rule_id: format!("load-cargo-{id}"),
        name: name.to_owned(),
        expression,
        weight: 10.0 + (index % 5) as f64 * 5.0,
        severity: [Severity::Low, Severity::Medium, Severity::High][index % 3],
    }
}

/// The background cargo rules: realistic profiles that never fire on generated consignments.
fn background() -> Vec<RuleSpec> {
    let hs = |prefix: &str| format!("goods.hs_codes.exists(h, h.startsWith('{prefix}'))");
    let mut rules = vec![
        (
            "precious-metals-cash".to_owned(),
            "Precious stones or metals (HS 71), freight paid in cash".to_owned(),
            format!("{} && consignment.freight_payment == 'cash'", hs("71")),
        ),
        (
            "art-and-antiques-by-air".to_owned(),
            "Works of art or antiques (HS 97) by air".to_owned(),
            format!("{} && movement.mode == 'air'", hs("97")),
        ),
        (
            "alkaloid-precursors".to_owned(),
            "Alkaloids (HS 2939): drug precursors".to_owned(),
            hs("2939"),
        ),
        (
            "heterocyclic-precursors-air".to_owned(),
            "Heterocyclic compounds (HS 2933) by air".to_owned(),
            format!("{} && movement.mode == 'air'", hs("2933")),
        ),
        (
            "medicaments-loose".to_owned(),
            "Medicaments (HS 3003/3004) to a consignee without an identifier".to_owned(),
            format!(
                "({} || {}) && consignee.identifier == ''",
                hs("3003"),
                hs("3004")
            ),
        ),
        (
            "live-animals".to_owned(),
            "Live animals (HS 01)".to_owned(),
            hs("01"),
        ),
        (
            "plants-for-pharmacy".to_owned(),
            "Plants used in pharmacy (HS 1211)".to_owned(),
            hs("1211"),
        ),
        (
            "nuclear-reactors".to_owned(),
            "Nuclear reactors and parts (HS 8401)".to_owned(),
            hs("8401"),
        ),
        (
            "armoured-vehicles".to_owned(),
            "Tanks and armoured vehicles (HS 8710)".to_owned(),
            hs("8710"),
        ),
        (
            "aircraft-and-drones".to_owned(),
            "Aircraft and unmanned aircraft (HS 8802) by sea".to_owned(),
            format!("{} && movement.mode == 'sea'", hs("8802")),
        ),
        (
            "warships".to_owned(),
            "Warships and other vessels (HS 8906)".to_owned(),
            hs("8906"),
        ),
        (
            "road-overweight".to_owned(),
            "Road movement over 40 t gross".to_owned(),
            "movement.mode == 'road' && consignment.gross_weight_kg > 40000.0".to_owned(),
        ),
        (
            "rail-from-profiled-consignor".to_owned(),
            "Rail consignment from a profiled consignor state".to_owned(),
            format!(
                "movement.mode == 'rail' && consignor.country in {}",
                list(PROFILED_CONSIGNORS)
            ),
        ),
        (
            "heavy-single-container".to_owned(),
            "Over 30 t in one container".to_owned(),
            "consignment.container_count == 1 && consignment.gross_weight_kg > 30000.0".to_owned(),
        ),
        (
            "many-containers".to_owned(),
            "More than 20 containers under one bill".to_owned(),
            "consignment.container_count > 20".to_owned(),
        ),
        (
            "undervalued".to_owned(),
            "Declared value under 0.5 per kg".to_owned(),
            "goods.declared_value_per_kg >= 0.0 && goods.declared_value_per_kg < 0.5".to_owned(),
        ),
        (
            "light-packages".to_owned(),
            "Over 5,000 packages under 100 kg".to_owned(),
            "consignment.package_count > 5000 && consignment.gross_weight_kg >= 0.0 && consignment.gross_weight_kg < 100.0".to_owned(),
        ),
        (
            "house-bill-by-sea-from-free-zone".to_owned(),
            "House bill loaded in Jebel Ali or Colón free zone".to_owned(),
            "consignment.is_house && movement.mode == 'sea' && consignment.port_of_loading in ['AEJEA', 'PAONX']".to_owned(),
        ),
        (
            "amended-often".to_owned(),
            "Consignment amended more than three times".to_owned(),
            "consignment.version > 3".to_owned(),
        ),
        (
            "aviation-fuel-by-air".to_owned(),
            "Flammable fuel (UN 1203, 1863) by air".to_owned(),
            "movement.mode == 'air' && goods.un_numbers.exists(u, u in ['1203', '1863'])"
                .to_owned(),
        ),
        (
            "cash-freight-many-items".to_owned(),
            "Freight paid in cash for more than 50 goods items".to_owned(),
            "consignment.freight_payment == 'cash' && goods.item_count > 50".to_owned(),
        ),
        (
            "consignor-scheme-duns".to_owned(),
            "Consignor known only by a DUNS number, from a profiled state".to_owned(),
            format!(
                "consignor.identifier_type == 'DUNS' && consignor.country in {}",
                list(PROFILED_CONSIGNORS)
            ),
        ),
    ];
    for flag in PROFILED_FLAGS {
        rules.push((
            format!("flag-{}", flag.to_ascii_lowercase()),
            format!("Vessel flagged {flag} (poor port-state-control record)"),
            format!("movement.mode == 'sea' && movement.vessel_flag == '{flag}'"),
        ));
    }
    for state in PROFILED_TRANSHIPMENT {
        rules.push((
            format!("transhipped-{}", state.to_ascii_lowercase()),
            format!("Transhipped in {state} with goods of HS 84-85"),
            format!(
                "'{state}' in route.transhipment_countries && goods.hs_codes.exists(h, h.startsWith('84') || h.startsWith('85'))"
            ),
        ));
    }
    for state in PROFILED_CONSIGNORS {
        rules.push((
            format!("consignor-{}", state.to_ascii_lowercase()),
            format!("Consignor in {state}"),
            format!("consignor.country == '{state}'"),
        ));
    }
    rules
        .into_iter()
        .enumerate()
        .map(|(i, (id, name, expression))| rule(&id, &name, expression, i))
        .collect()
}

/// The cargo rules to seed: the triggers, then the background rules. Stable, as
/// [`super::catalogue`].
pub fn cargo_catalogue() -> Vec<RuleSpec> {
    CARGO_TRIGGERS
        .iter()
        .map(|t| t.rule())
        .chain(background())
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn cargo_rules_are_distinct_and_compile_to_bool() {
        let rules = cargo_catalogue();
        assert!(rules.len() >= 40, "{}", rules.len());
        let ids: HashSet<&str> = rules.iter().map(|r| r.rule_id.as_str()).collect();
        let expressions: HashSet<&str> = rules.iter().map(|r| r.expression.as_str()).collect();
        assert_eq!(ids.len(), rules.len());
        assert_eq!(expressions.len(), rules.len());
        for rule in &rules {
            gatehouse_rules::compile_cargo(&rule.expression)
                .unwrap_or_else(|e| panic!("{}: {e}", rule.rule_id));
            assert!(rule.rule_id.len() <= 64 && rule.rule_id.starts_with("load-cargo-"));
            assert!(
                rule.rule_id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{}",
                rule.rule_id
            );
            // Not a passenger rule: the context is the cargo one.
            assert!(gatehouse_rules::compile_passenger(&rule.expression).is_err());
        }
    }
}
