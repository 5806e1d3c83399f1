//! The cargo context: what a rule sees of one consignment on one movement (the crate doc lists
//! the fields with their meaning and the value of an absent one).

use std::collections::BTreeMap;

use crate::{Fact, FieldKind};

/// The party fields, the same for the consignee and the consignor.
const PARTY: &[(&str, FieldKind)] = &[
    ("name", FieldKind::Text),
    ("country", FieldKind::Text),
    ("identifier", FieldKind::Text),
    ("identifier_type", FieldKind::Text),
    ("first_seen", FieldKind::Bool),
    ("previous_consignments", FieldKind::Int),
    ("earlier_origins", FieldKind::TextList),
];

/// Fields a cargo rule may read, by variable, with their kinds.
pub const CARGO_FIELDS: &[(&str, &[(&str, FieldKind)])] = &[
    (
        "movement",
        &[
            ("mode", FieldKind::Text),
            ("carrier", FieldKind::Text),
            ("voyage_number", FieldKind::Text),
            ("vessel_name", FieldKind::Text),
            ("imo_number", FieldKind::Text),
            ("vessel_flag", FieldKind::Text),
            ("port_of_loading", FieldKind::Text),
            ("port_of_discharge", FieldKind::Text),
            ("place_of_entry", FieldKind::Text),
            ("arrival_date", FieldKind::Text),
        ],
    ),
    (
        "consignment",
        &[
            ("transport_document_number", FieldKind::Text),
            ("master_document_number", FieldKind::Text),
            ("is_house", FieldKind::Bool),
            ("port_of_loading", FieldKind::Text),
            ("port_of_discharge", FieldKind::Text),
            ("gross_weight_kg", FieldKind::Double),
            ("package_count", FieldKind::Int),
            ("container_count", FieldKind::Int),
            ("freight_payment", FieldKind::Text),
            ("version", FieldKind::Int),
        ],
    ),
    ("consignee", PARTY),
    ("consignor", PARTY),
    (
        "goods",
        &[
            ("hs_codes", FieldKind::TextList),
            ("descriptions", FieldKind::TextList),
            ("description_vague", FieldKind::Bool),
            ("dangerous_goods_declared", FieldKind::Bool),
            ("un_numbers", FieldKind::TextList),
            ("origin_countries", FieldKind::TextList),
            ("item_count", FieldKind::Int),
            ("declared_value_per_kg", FieldKind::Double),
        ],
    ),
    (
        "route",
        &[
            ("countries", FieldKind::TextList),
            ("transhipment_countries", FieldKind::TextList),
        ],
    ),
];

/// The cargo variables in order, each with its fields and their kinds: what the rule editor and
/// the documentation of the cargo context are built from.
pub fn cargo_fields() -> &'static [(&'static str, &'static [(&'static str, FieldKind)])] {
    CARGO_FIELDS
}

/// What a cargo rule sees of one consignment; fields left out read as their documented default.
#[derive(Debug, Clone, Default)]
pub struct CargoFacts {
    pub movement: BTreeMap<&'static str, Fact>,
    pub consignment: BTreeMap<&'static str, Fact>,
    pub consignee: BTreeMap<&'static str, Fact>,
    pub consignor: BTreeMap<&'static str, Fact>,
    pub goods: BTreeMap<&'static str, Fact>,
    pub route: BTreeMap<&'static str, Fact>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        Evaluation, EvaluationError, Position, RuleError, compile_cargo, compile_passenger,
    };

    fn text(s: &str) -> Fact {
        Fact::Text(s.into())
    }

    fn list(items: &[&str]) -> Fact {
        Fact::TextList(items.iter().map(|s| (*s).to_owned()).collect())
    }

    /// A first-time consignee in Montenegro receiving rifles (HS 9301) from China via Türkiye.
    fn rifles() -> CargoFacts {
        let mut f = CargoFacts::default();
        f.movement.insert("mode", text("sea"));
        f.movement.insert("carrier", text("MSCU"));
        f.movement.insert("voyage_number", text("FA614E"));
        f.movement.insert("vessel_name", text("MSC ARINA"));
        f.movement.insert("imo_number", text("9839179"));
        f.movement.insert("vessel_flag", text("PAN"));
        f.movement.insert("port_of_loading", text("CNSHA"));
        f.movement.insert("port_of_discharge", text("MEBAR"));
        f.movement.insert("arrival_date", text("2026-03-14"));
        f.consignment
            .insert("transport_document_number", text("MEDUSH123456"));
        f.consignment.insert("is_house", Fact::Bool(false));
        f.consignment
            .insert("gross_weight_kg", Fact::Double(20_600.0));
        f.consignment.insert("package_count", Fact::Int(412));
        f.consignment.insert("container_count", Fact::Int(2));
        f.consignment.insert("freight_payment", text("cash"));
        f.consignee.insert("name", text("JADRAN TRADE DOO"));
        f.consignee.insert("country", text("MNE"));
        f.consignee.insert("first_seen", Fact::Bool(true));
        f.consignee.insert("previous_consignments", Fact::Int(0));
        f.consignor.insert("name", text("NINGBO HARDWARE CO LTD"));
        f.consignor.insert("country", text("CHN"));
        f.consignor.insert("previous_consignments", Fact::Int(37));
        f.consignor.insert("earlier_origins", list(&["CHN", "VNM"]));
        f.goods.insert("hs_codes", list(&["930120", "732690"]));
        f.goods
            .insert("descriptions", list(&["SPORTING RIFLES", "STEEL BRACKETS"]));
        f.goods.insert("origin_countries", list(&["CHN"]));
        f.goods.insert("item_count", Fact::Int(2));
        f.goods.insert("declared_value_per_kg", Fact::Double(3.25));
        f.route.insert("countries", list(&["CHN", "TUR", "MNE"]));
        f.route.insert("transhipment_countries", list(&["TUR"]));
        f
    }

    /// Ammonium nitrate (UN 1942) declared as dangerous goods, with a vague description.
    fn fertiliser() -> CargoFacts {
        let mut f = CargoFacts::default();
        f.movement.insert("mode", text("road"));
        f.movement.insert("place_of_entry", text("MEDOB"));
        f.consignment
            .insert("gross_weight_kg", Fact::Double(20_600.5));
        f.consignment.insert("package_count", Fact::Int(824));
        f.consignment.insert("version", Fact::Int(3));
        f.consignee.insert("country", text("MNE"));
        f.consignee.insert("previous_consignments", Fact::Int(12));
        f.consignor.insert("country", text("GEO"));
        f.goods.insert("hs_codes", list(&["310230"]));
        f.goods.insert("descriptions", list(&["GOODS"]));
        f.goods.insert("description_vague", Fact::Bool(true));
        f.goods.insert("dangerous_goods_declared", Fact::Bool(true));
        f.goods.insert("un_numbers", list(&["1942"]));
        f.goods.insert("origin_countries", list(&["GEO"]));
        f.goods.insert("item_count", Fact::Int(1));
        f.route
            .insert("countries", list(&["GEO", "TUR", "BGR", "SRB"]));
        f
    }

    fn fires(facts: &CargoFacts, expression: &str) -> Option<BTreeMap<String, String>> {
        let rule = compile_cargo(expression)
            .unwrap_or_else(|e| panic!("{expression} refused: {}", e.located()));
        Evaluation::cargo(facts)
            .evaluate(&rule)
            .unwrap_or_else(|e| panic!("{expression} failed: {e}"))
    }

    #[test]
    fn cargo_rules_fire_on_matching_consignments() {
        let rifles = rifles();
        let fertiliser = fertiliser();
        let cases: &[(&str, bool, bool)] = &[
            ("'CHN' in route.countries", true, false),
            ("'TUR' in route.transhipment_countries", true, false),
            (
                "goods.hs_codes.exists(h, h.startsWith('9301'))",
                true,
                false,
            ),
            (
                "consignee.first_seen && consignment.gross_weight_kg > 20000.0",
                true,
                false,
            ),
            ("size(goods.un_numbers) > 0", false, true),
            ("'1942' in goods.un_numbers", false, true),
            (
                "goods.dangerous_goods_declared && goods.un_numbers.exists(u, u == '1942')",
                false,
                true,
            ),
            ("goods.description_vague", false, true),
            ("goods.descriptions.all(d, size(d) < 6)", false, true),
            (
                "consignee.country == 'MNE' && consignor.country == 'CHN'",
                true,
                false,
            ),
            ("consignor.previous_consignments > 10", true, false),
            (
                "consignor.earlier_origins.exists(c, c == 'VNM')",
                true,
                false,
            ),
            (
                "route.countries[0] != goods.origin_countries[0]",
                false,
                false,
            ),
            ("size(route.countries) > 3", false, true),
            (
                "movement.mode == 'sea' && movement.vessel_flag == 'PAN'",
                true,
                false,
            ),
            ("consignment.freight_payment == 'cash'", true, false),
            ("consignment.is_house", false, false),
            ("consignment.version > 1", false, true),
            (
                "consignment.gross_weight_kg / double(consignment.package_count) > 40.0",
                true,
                false,
            ),
            ("goods.declared_value_per_kg < 5.0", true, true),
            ("consignment.container_count == 0", false, true),
        ];
        for (expression, on_rifles, on_fertiliser) in cases {
            assert_eq!(
                fires(&rifles, expression).is_some(),
                *on_rifles,
                "{expression} on rifles"
            );
            assert_eq!(
                fires(&fertiliser, expression).is_some(),
                *on_fertiliser,
                "{expression} on fertiliser"
            );
        }
    }

    #[test]
    fn cargo_evidence_renders_each_kind() {
        let evidence = fires(
            &rifles(),
            "consignee.first_seen && consignment.gross_weight_kg > 20000.0 \
             && 'TUR' in route.countries && goods.hs_codes.exists(h, h.startsWith('9301')) \
             && consignment.package_count > 400 && movement.vessel_flag == 'PAN' \
             && goods.un_numbers.size() == 0",
        )
        .unwrap();
        let expected = [
            ("consignee.first_seen", "true"),
            ("consignment.gross_weight_kg", "20600"),
            ("route.countries", "CHN,TUR,MNE"),
            ("goods.hs_codes", "930120,732690"),
            ("consignment.package_count", "412"),
            ("movement.vessel_flag", "PAN"),
            // Left out of the facts: read as `[]`, recorded empty.
            ("goods.un_numbers", ""),
        ];
        assert_eq!(
            evidence,
            expected
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect::<BTreeMap<_, _>>()
        );
        let evidence = fires(
            &fertiliser(),
            "consignment.gross_weight_kg > 20000.0 && !consignee.first_seen",
        )
        .unwrap();
        assert_eq!(
            evidence
                .get("consignment.gross_weight_kg")
                .map(String::as_str),
            Some("20600.5")
        );
        assert_eq!(
            evidence.get("consignee.first_seen").map(String::as_str),
            Some("")
        );
        assert_eq!(evidence.len(), 2);
    }

    /// The runtime orders and equates int with double, but has no mixed arithmetic: the checker
    /// accepts the first and refuses the second, so neither surprises at screening time.
    #[test]
    fn int_literals_compare_with_double_fields_but_do_not_mix_in_arithmetic() {
        let rifles = rifles();
        let fertiliser = fertiliser();
        for (expression, on_rifles, on_fertiliser) in [
            ("consignment.gross_weight_kg > 20000", true, true),
            ("consignment.gross_weight_kg >= 20600", true, true),
            ("consignment.gross_weight_kg == 20600", true, false),
            ("consignment.gross_weight_kg < 20600", false, false),
            ("consignment.gross_weight_kg in [20600, 1]", true, false),
            ("consignment.package_count == 412.0", true, false),
            ("goods.declared_value_per_kg < 4", true, true),
        ] {
            assert_eq!(
                fires(&rifles, expression).is_some(),
                on_rifles,
                "{expression}"
            );
            assert_eq!(
                fires(&fertiliser, expression).is_some(),
                on_fertiliser,
                "{expression}"
            );
        }
        for (expression, fragment, column) in [
            (
                "consignment.gross_weight_kg + 1 > 0",
                "+ is not defined for double and int",
                29,
            ),
            (
                "consignment.gross_weight_kg / consignment.package_count > 50.0",
                "/ is not defined for double and int",
                29,
            ),
            (
                "consignment.package_count * 1.5 > 600.0",
                "* is not defined for int and double",
                27,
            ),
        ] {
            let error = compile_cargo(expression).unwrap_err();
            assert!(
                error.to_string().contains(fragment),
                "{expression}: {error}"
            );
            assert_eq!(
                error.position(),
                Some(Position { line: 1, column }),
                "{expression}: {error}"
            );
        }
    }

    /// An int fact in a double field is widened, so arithmetic the checker accepts still runs.
    #[test]
    fn int_facts_in_double_fields_are_widened() {
        let mut facts = rifles();
        facts
            .consignment
            .insert("gross_weight_kg", Fact::Int(20_600));
        assert!(fires(&facts, "consignment.gross_weight_kg * 1.5 > 30000.0").is_some());
        let evidence = fires(&facts, "consignment.gross_weight_kg == 20600.0").unwrap();
        assert_eq!(
            evidence
                .get("consignment.gross_weight_kg")
                .map(String::as_str),
            Some("20600")
        );
    }

    #[test]
    fn ill_typed_cargo_rules_are_refused_with_a_position() {
        let cases: &[(&str, &str, u32, u32)] = &[
            (
                "consignee.first_seen == 'yes'",
                "== compares bool with string",
                1,
                22,
            ),
            (
                "route.countries > 3",
                "> cannot order list(string) and int",
                1,
                17,
            ),
            ("consignee.age > 30", "unknown field consignee.age", 1, 10),
            (
                "goods.hs_code == '930120'",
                "unknown field goods.hs_code",
                1,
                6,
            ),
            (
                "traveller.nationality == 'CHN'",
                "unknown variable; a cargo rule reads movement",
                1,
                1,
            ),
            (
                "consignee.country == 'MNE' && flight.carrier == 'TK'",
                "unknown variable",
                1,
                31,
            ),
            (
                "goods.hs_codes.startsWith('9301')",
                "startsWith() works on strings, got list(string)",
                1,
                26,
            ),
            (
                "goods.hs_codes.contains('930120')",
                "contains() works on strings",
                1,
                24,
            ),
            (
                "route.countries == 'CHN'",
                "== compares list(string) with string",
                1,
                17,
            ),
            (
                "1942 in goods.un_numbers",
                "in looks for int in list(string)",
                1,
                6,
            ),
            (
                "goods.hs_codes.exists(h, h > 9301)",
                "> cannot order string and int",
                1,
                28,
            ),
            (
                "goods.descriptions",
                "yields list(string), not a bool",
                1,
                6,
            ),
            (
                "consignment.gross_weight_kg",
                "yields double, not a bool",
                1,
                12,
            ),
            (
                "goods.description_vague && consignment.package_count",
                "an operand of && must be bool, got int",
                1,
                39,
            ),
            ("consignment.is_house.value", "bool has no fields", 1, 21),
        ];
        for (expression, fragment, line, column) in cases {
            let error = compile_cargo(expression).unwrap_err();
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
    fn passenger_rules_refuse_cargo_variables() {
        for (expression, column) in [
            ("'CHN' in route.countries", 10),
            ("traveller.nationality == 'CHN' && consignee.first_seen", 35),
        ] {
            let error = compile_passenger(expression).unwrap_err();
            assert!(
                matches!(
                    error,
                    RuleError::UnknownVariable {
                        expected: "a passenger rule reads traveller, document and flight",
                        ..
                    }
                ),
                "{expression}: {error}"
            );
            assert_eq!(error.position(), Some(Position { line: 1, column }));
        }
    }

    /// A rule only evaluates over the context it was checked against.
    #[test]
    fn rules_do_not_cross_contexts() {
        let cargo = rifles();
        let passenger = crate::PassengerFacts::default();
        let cargo_rule = compile_cargo("true || consignee.first_seen").unwrap();
        let passenger_rule = compile_passenger("true || traveller.age > 3").unwrap();
        assert_eq!(
            Evaluation::passenger(&passenger).evaluate(&cargo_rule),
            Err(EvaluationError::MissingField)
        );
        assert_eq!(
            Evaluation::cargo(&cargo).evaluate(&passenger_rule),
            Err(EvaluationError::MissingField)
        );
        assert!(
            Evaluation::cargo(&cargo)
                .evaluate(&cargo_rule)
                .unwrap()
                .is_some()
        );
    }

    #[test]
    fn cargo_field_paths_are_the_evidence() {
        let rule = compile_cargo(
            "consignee.country == 'route.countries' && \
             goods.hs_codes.exists(h, h.startsWith('9301')) && size(goods.hs_codes) > 0",
        )
        .unwrap();
        assert_eq!(rule.reads(), ["consignee.country", "goods.hs_codes"]);
        // `traveller.age` in a cargo rule is refused, so it never becomes evidence; a passenger
        // rule's paths never name a cargo root.
        let rule = compile_passenger("traveller.role == 'crew' || ['goods.x'].size() > 0").unwrap();
        assert_eq!(rule.reads(), ["traveller.role"]);
        assert_eq!(
            crate::field_paths(
                "route.countries == ['CHN'] && traveller.age > 3",
                crate::Schema::Cargo
            ),
            ["route.countries"]
        );
        assert_eq!(
            crate::field_paths(
                "route.countries == ['CHN'] && traveller.age > 3",
                crate::Schema::Passenger
            ),
            ["traveller.age"]
        );
    }

    /// Every documented field reads as its default when the facts leave it out, so no rule fails
    /// on a sparse declaration.
    #[test]
    fn absent_cargo_facts_take_the_documented_defaults() {
        let empty = CargoFacts::default();
        let eval = Evaluation::cargo(&empty);
        for expression in [
            "movement.mode == '' && movement.arrival_date == '' && movement.imo_number == ''",
            "consignment.is_house == false",
            "consignment.gross_weight_kg == -1.0",
            "consignment.package_count == -1",
            "consignment.container_count == 0",
            "consignment.freight_payment == ''",
            "consignment.version == 1",
            "consignee.first_seen == false && consignor.first_seen == false",
            "consignee.previous_consignments == -1 && consignor.previous_consignments == -1",
            "size(consignee.earlier_origins) == 0 && size(consignor.earlier_origins) == 0",
            "goods.hs_codes == [] && !goods.hs_codes.exists(h, h.startsWith('93'))",
            "size(goods.descriptions) + size(goods.un_numbers) + size(goods.origin_countries) == 0",
            "!goods.description_vague && !goods.dangerous_goods_declared",
            "goods.item_count == 0 && goods.declared_value_per_kg == -1.0",
            "!('CHN' in route.countries) && size(route.transhipment_countries) == 0",
        ] {
            let rule = compile_cargo(expression).unwrap();
            assert!(eval.evaluate(&rule).unwrap().is_some(), "{expression}");
        }
        // Every field of every variable evaluates, whatever its kind.
        for (variable, fields) in cargo_fields() {
            for (field, kind) in *fields {
                let expression = match kind {
                    FieldKind::Text => format!("{variable}.{field} == ''"),
                    FieldKind::Int => format!("{variable}.{field} >= -1"),
                    FieldKind::Double => format!("{variable}.{field} == -1.0"),
                    FieldKind::Bool => format!("!{variable}.{field}"),
                    FieldKind::TextList => format!("size({variable}.{field}) == 0"),
                };
                let rule = compile_cargo(&expression).unwrap();
                assert!(eval.evaluate(&rule).unwrap().is_some(), "{expression}");
            }
        }
    }

    #[test]
    fn cargo_fields_lists_the_six_variables() {
        let variables: Vec<&str> = cargo_fields().iter().map(|(name, _)| *name).collect();
        assert_eq!(
            variables,
            [
                "movement",
                "consignment",
                "consignee",
                "consignor",
                "goods",
                "route"
            ]
        );
        let kind = |variable: &str, field: &str| crate::Schema::Cargo.field_kind(variable, field);
        assert_eq!(kind("goods", "hs_codes"), Some(FieldKind::TextList));
        assert_eq!(
            kind("consignment", "gross_weight_kg"),
            Some(FieldKind::Double)
        );
        assert_eq!(kind("consignor", "first_seen"), Some(FieldKind::Bool));
        assert_eq!(kind("consignment", "version"), Some(FieldKind::Int));
        assert_eq!(kind("traveller", "age"), None);
    }

    #[test]
    fn cargo_messages_never_quote_literals() {
        for expression in [
            "consignee.name == 'JADRAN TRADE DOO' && consignee.previous_consignments",
            "consignment.transport_document_number == 123456",
            "'MEDUSH123456' in consignment.package_count",
        ] {
            let error = compile_cargo(expression).unwrap_err();
            for secret in ["JADRAN", "123456"] {
                assert!(!error.located().contains(secret), "{}", error.located());
            }
        }
    }
}
