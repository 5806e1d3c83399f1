//! Cost of screening one consignment: its evaluation context built from its facts, then the
//! cargo rules evaluated over it, as risk-targeting does for every consignment of a manifest.
//! Twelve rules of the kinds the starter pack and the load generator use (lists, HS prefixes,
//! party history, ratios), none of which fires.
//!
//! `cargo bench -p gatehouse-rules --bench evaluation`

use std::collections::BTreeMap;

use divan::Bencher;
use divan::counter::ItemsCount;
use gatehouse_rules::{CargoFacts, CompiledRule, Evaluation, Fact, compile_cargo};

const RULES: &[&str] = &[
    "'AFG' in route.countries",
    "route.transhipment_countries.exists(c, c in ['IRN', 'SYR', 'PRK'])",
    "goods.hs_codes.exists(h, h.startsWith('9301') || h.startsWith('9306'))",
    "consignee.first_seen && consignment.gross_weight_kg > 20000.0",
    "'1942' in goods.un_numbers || '2067' in goods.un_numbers",
    "goods.description_vague && consignee.previous_consignments < 2",
    "consignor.earlier_origins.exists(c, c == 'PRK')",
    "movement.mode == 'sea' && movement.vessel_flag in ['KHM', 'TGO', 'CMR']",
    "consignment.freight_payment == 'cash' && consignee.first_seen",
    "consignment.gross_weight_kg / double(consignment.package_count + 1) > 900.0",
    "goods.declared_value_per_kg > 0.0 && goods.declared_value_per_kg < 0.05",
    "size(route.countries) > 6",
];

fn text(s: &str) -> Fact {
    Fact::Text(s.into())
}

fn list(items: &[&str]) -> Fact {
    Fact::TextList(items.iter().map(|s| (*s).to_owned()).collect())
}

/// A sea consignment into Bar: an established consignee, goods from China via Türkiye.
fn facts() -> CargoFacts {
    let mut f = CargoFacts::default();
    let movement: [(&'static str, Fact); 7] = [
        ("mode", text("sea")),
        ("carrier", text("MSCU")),
        ("voyage_number", text("FA614E")),
        ("vessel_flag", text("PAN")),
        ("port_of_loading", text("CNSHA")),
        ("port_of_discharge", text("MEBAR")),
        ("arrival_date", text("2026-03-14")),
    ];
    f.movement = BTreeMap::from(movement);
    f.consignment
        .insert("gross_weight_kg", Fact::Double(8_600.0));
    f.consignment.insert("package_count", Fact::Int(412));
    f.consignment.insert("container_count", Fact::Int(1));
    f.consignment.insert("freight_payment", text("prepaid"));
    f.consignee.insert("country", text("MNE"));
    f.consignee.insert("first_seen", Fact::Bool(false));
    f.consignee.insert("previous_consignments", Fact::Int(14));
    f.consignor.insert("country", text("CHN"));
    f.consignor.insert("earlier_origins", list(&["CHN", "VNM"]));
    f.goods.insert("hs_codes", list(&["732690", "940360"]));
    f.goods.insert(
        "descriptions",
        list(&["STEEL BRACKETS", "OFFICE FURNITURE"]),
    );
    f.goods.insert("origin_countries", list(&["CHN"]));
    f.goods.insert("declared_value_per_kg", Fact::Double(3.25));
    f.route.insert("countries", list(&["CHN", "TUR", "MNE"]));
    f.route.insert("transhipment_countries", list(&["TUR"]));
    f
}

fn rules() -> Vec<CompiledRule> {
    let rules: Vec<CompiledRule> = RULES.iter().filter_map(|r| compile_cargo(r).ok()).collect();
    assert_eq!(rules.len(), RULES.len(), "every rule compiles");
    rules
}

/// The context alone.
#[divan::bench]
fn context(bencher: Bencher) {
    let facts = facts();
    bencher
        .counter(ItemsCount::new(1usize))
        .bench_local(|| divan::black_box(Evaluation::cargo(&facts)));
}

/// The context and every rule over it.
#[divan::bench]
fn screen(bencher: Bencher) {
    let facts = facts();
    let rules = rules();
    bencher.counter(ItemsCount::new(1usize)).bench_local(|| {
        let evaluation = Evaluation::cargo(&facts);
        let hits = rules
            .iter()
            .filter(|rule| matches!(evaluation.evaluate(rule), Ok(Some(_))))
            .count();
        assert_eq!(hits, 0);
    });
}

fn main() {
    divan::main();
}

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
