//! Reference data compiled in from registry packages: ISO 3166-1 and the MRZ codes, IATA
//! airports and metropolitan areas, airline designators. Counts are those of data/SOURCES.md.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashSet;

use gatehouse_checks::airline::{
    self, AirlineDesignator, DesignatorError, airline_by_icao, airlines_by_iata,
};
use gatehouse_checks::airport::{self, airport, airport_by_icao, country_of, metropolitan_area};
use gatehouse_checks::country::{
    self, MRZ_CODES, MrzCodeKind, MrzState, alpha2_to_alpha3, alpha3_to_alpha2, by_alpha2,
    by_alpha3, by_numeric, mrz_state,
};
use gatehouse_checks::is_airline;

#[test]
fn every_iso_entry_is_loaded_and_codes_convert_both_ways() {
    let countries = country::countries();
    // 249 ISO 3166-1 entries and Kosovo's user-assigned XK.
    assert_eq!(countries.len(), 250);
    let mut alpha3 = HashSet::new();
    let mut numeric = HashSet::new();
    for c in countries {
        assert_eq!(alpha2_to_alpha3(c.alpha2), Some(c.alpha3));
        assert_eq!(alpha3_to_alpha2(c.alpha3), Some(c.alpha2));
        assert_eq!(by_numeric(c.numeric), Some(c));
        assert!(alpha3.insert(c.alpha3) && numeric.insert(c.numeric));
        assert_eq!(c.is_user_assigned(), c.alpha2 == "XK", "{}", c.alpha2);
    }
    assert!(countries.windows(2).all(|w| w[0].alpha2 < w[1].alpha2));
}

#[test]
fn countries_of_the_region_and_withdrawn_codes() {
    let serbia = by_alpha2("RS").unwrap();
    assert_eq!(
        (serbia.alpha3, serbia.numeric, serbia.name),
        ("SRB", 688, "Serbia")
    );
    assert_eq!(alpha3_to_alpha2("MKD"), Some("MK"));
    assert_eq!(by_alpha3("MKD").unwrap().name, "North Macedonia");
    assert_eq!(alpha2_to_alpha3("BA"), Some("BIH"));
    assert_eq!(alpha2_to_alpha3("ME"), Some("MNE"));
    assert_eq!(by_numeric(276).unwrap().alpha2, "DE");
    // "004" is Afghanistan's numeric code.
    assert_eq!(by_numeric(4).unwrap().alpha3, "AFG");
    let kosovo = by_alpha2("XK").unwrap();
    assert_eq!((kosovo.alpha3, kosovo.numeric), ("XKX", 983));
    // Yugoslavia (YU) and Serbia and Montenegro (CS/SCG) were withdrawn from ISO 3166-1.
    assert_eq!(by_alpha2("YU"), None);
    assert_eq!(by_alpha2("CS"), None);
    assert_eq!(by_alpha3("SCG"), None);
    // Codes are upper case.
    assert_eq!(by_alpha2("rs"), None);
    assert_eq!(by_numeric(999), None);
}

#[test]
fn mrz_codes_resolve_to_states_organisations_and_statuses() {
    assert!(MRZ_CODES.windows(2).all(|w| w[0].code < w[1].code));
    let cases: [(&str, Option<&str>, Option<MrzCodeKind>); 17] = [
        ("D", Some("DE"), Some(MrzCodeKind::State)),
        ("D<<", Some("DE"), Some(MrzCodeKind::State)),
        ("DEU", Some("DE"), None),
        ("SRB", Some("RS"), None),
        ("RKS", Some("XK"), Some(MrzCodeKind::State)),
        ("UNK", Some("XK"), Some(MrzCodeKind::HolderStatus)),
        ("GBD", Some("GB"), Some(MrzCodeKind::BritishNationality)),
        ("GBN", Some("GB"), Some(MrzCodeKind::BritishNationality)),
        ("GBO", Some("GB"), Some(MrzCodeKind::BritishNationality)),
        ("GBP", Some("GB"), Some(MrzCodeKind::BritishNationality)),
        ("GBS", Some("GB"), Some(MrzCodeKind::BritishNationality)),
        ("UNO", None, Some(MrzCodeKind::Organisation)),
        ("UNA", None, Some(MrzCodeKind::Organisation)),
        ("EUE", None, Some(MrzCodeKind::Organisation)),
        ("XOM", None, Some(MrzCodeKind::Organisation)),
        ("XPO", None, Some(MrzCodeKind::Organisation)),
        ("XXA", None, Some(MrzCodeKind::HolderStatus)),
    ];
    for (code, alpha2, kind) in cases {
        let state = mrz_state(code).unwrap_or_else(|| panic!("{code} unresolved"));
        assert_eq!(state.alpha2(), alpha2, "{code}");
        match (state, kind) {
            (MrzState::Special(special), Some(kind)) => assert_eq!(special.kind, kind, "{code}"),
            (MrzState::Country(_), None) => {}
            other => panic!("{code}: {other:?}"),
        }
    }
    for code in ["XXB", "XXC", "XXX"] {
        assert!(matches!(
            mrz_state(code),
            Some(MrzState::Special(s)) if s.kind == MrzCodeKind::HolderStatus
        ));
    }
    assert_eq!(
        mrz_state("XPO").unwrap().name(),
        "International Criminal Police Organization (INTERPOL)"
    );
    // The ICAO specimens' Utopia, a user-assigned ISO code and a withdrawn one are no MRZ codes.
    assert_eq!(mrz_state("UTO"), None);
    assert_eq!(mrz_state("XKX"), None);
    assert_eq!(mrz_state("YUG"), None);
}

#[test]
fn airports_of_the_region_with_country_position_and_time_zone() {
    assert_eq!(airport::airports().len(), 7884);
    let belgrade = airport("BEG").unwrap();
    assert_eq!(
        (
            belgrade.icao,
            belgrade.name,
            belgrade.country,
            belgrade.time_zone
        ),
        (
            "LYBE",
            "Belgrade Nikola Tesla Airport",
            "RS",
            "Europe/Belgrade"
        )
    );
    assert!((belgrade.latitude - 44.8184).abs() < 1e-4);
    assert!((belgrade.longitude - 20.3091).abs() < 1e-4);
    assert_eq!(belgrade.country().unwrap().name, "Serbia");
    let cases = [
        ("PRN", "BKPR", "XK"),
        ("SJJ", "LQSA", "BA"),
        ("TGD", "LYPG", "ME"),
        ("ZAG", "LDZA", "HR"),
        ("INI", "LYNI", "RS"),
        ("SKP", "LWSK", "MK"),
        ("FRA", "EDDF", "DE"),
        ("LHR", "EGLL", "GB"),
    ];
    for (iata, icao, country) in cases {
        let found = airport(iata).unwrap_or_else(|| panic!("{iata} missing"));
        assert_eq!((found.icao, found.country), (icao, country), "{iata}");
        assert_eq!(airport_by_icao(icao).map(|a| a.iata), Some(iata));
    }
    assert_eq!(airport("beg"), None);
    assert_eq!(airport("BE"), None);
}

#[test]
fn every_airport_is_in_a_known_country_and_codes_are_unique() {
    let airports = airport::airports();
    assert!(airports.windows(2).all(|w| w[0].iata < w[1].iata));
    for found in airports {
        assert!(
            found.country().is_some(),
            "{} in {}",
            found.iata,
            found.country
        );
        assert!(found.iata.len() == 3 && found.iata.bytes().all(|b| b.is_ascii_uppercase()));
        assert!((-90.0..=90.0).contains(&found.latitude), "{}", found.iata);
        assert!(
            (-180.0..=180.0).contains(&found.longitude),
            "{}",
            found.iata
        );
        assert!(!found.time_zone.is_empty(), "{}", found.iata);
    }
}

#[test]
fn metropolitan_areas_give_their_airports_and_country() {
    assert_eq!(airport::metropolitan_areas().len(), 41);
    let london = metropolitan_area("LON").unwrap();
    assert_eq!(london.country, "GB");
    assert_eq!(london.airports, ["LCY", "LGW", "LHR", "LTN", "STN"]);
    assert_eq!(metropolitan_area("TYO").unwrap().airports, ["HND", "NRT"]);
    // TYO is a city code, not an airport; a flight to either lands in Japan.
    assert_eq!(airport("TYO"), None);
    assert_eq!(country_of("TYO"), Some("JP"));
    assert_eq!(country_of("NRT"), Some("JP"));
    assert_eq!(country_of("PRN"), Some("XK"));
    for area in airport::metropolitan_areas() {
        assert!(country::by_alpha2(area.country).is_some(), "{}", area.code);
    }
}

#[test]
fn airline_designators_are_looked_up_by_iata_and_icao() {
    assert_eq!(airline::airlines().len(), 1148);
    for (code, listed) in [
        ("JU", true),
        ("ASL", true),
        ("OU", true),
        ("CTN", true),
        ("B2", true),
        ("BA", true),
        ("BAW", true),
        ("W6", true),
        ("WZZ", true),
        ("FR", true),
        ("U2", true),
        ("SU", true),
        ("AFL", true),
        ("ZZ9", false),
        ("QQQ", false),
        ("", false),
    ] {
        assert_eq!(is_airline(code), listed, "{code}");
    }
    // LH is shared by Lufthansa and Lufthansa Cargo.
    let lh: Vec<&str> = airlines_by_iata("LH").iter().map(|a| a.name).collect();
    assert_eq!(lh, ["Deutsche Lufthansa AG", "Lufthansa Cargo AG"]);
    assert_eq!(airline_by_icao("DLH").unwrap().iata, "LH");
    assert_eq!(airline_by_icao("ASL").unwrap().iata, "JU");
    // Controlled duplicates are flagged as the source marks them.
    let ju = airlines_by_iata("JU");
    assert_eq!(ju.len(), 2);
    assert_eq!(ju.iter().filter(|a| a.controlled_duplicate).count(), 1);
    assert!(airlines_by_iata("W6")[0].controlled_duplicate);
}

#[test]
fn designator_format_without_the_list() {
    let valid = [
        ("JU", AirlineDesignator::Iata("JU".into())),
        ("4O", AirlineDesignator::Iata("4O".into())),
        ("W6", AirlineDesignator::Iata("W6".into())),
        ("ASL", AirlineDesignator::Icao("ASL".into())),
    ];
    for (code, expected) in valid {
        assert_eq!(AirlineDesignator::parse(code), Ok(expected));
    }
    let invalid = [
        ("44", DesignatorError::Iata),
        ("ju", DesignatorError::Iata),
        ("J-", DesignatorError::Iata),
        ("AS1", DesignatorError::Icao),
        ("J", DesignatorError::Length { found: 1 }),
        ("JUAS", DesignatorError::Length { found: 4 }),
    ];
    for (code, expected) in invalid {
        assert_eq!(AirlineDesignator::parse(code), Err(expected), "{code}");
    }
    assert!(AirlineDesignator::parse("OU").unwrap().is_listed());
    assert_eq!(
        DesignatorError::Iata.to_string(),
        "IATA airline designator must be upper-case letters or digits, not two digits"
    );
}
