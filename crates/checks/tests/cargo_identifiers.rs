//! Cargo identifiers: ISO 6346 container numbers, IMO ship numbers and air waybill numbers, with
//! real numbers and altered copies; the air waybills of the Cargo-IMP fixtures, read from
//! `$GATEHOUSE_FIXTURES/cargo-imp` (when `CI=true` a missing variable, folder or file fails the
//! test; elsewhere the fixture test returns early).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::path::PathBuf;

use gatehouse_checks::awb::AwbError;
use gatehouse_checks::container::{self, ContainerError, EquipmentCategory};
use gatehouse_checks::imo::ImoError;
use gatehouse_checks::{AirWaybillNumber, ContainerNumber, ImoNumber, airport};

#[test]
fn real_container_numbers_pass() {
    let cases = [
        // The ISO 6346 worked example.
        ("CSQU3054383", "CSQ", "305438", 3),
        // Mediterranean Shipping Company.
        ("MSCU6639870", "MSC", "663987", 0),
        // The BIC's own example number.
        ("BICU1234565", "BIC", "123456", 5),
        // As painted on the door: spaces and a hyphen before the check digit.
        ("CSQU 305438 3", "CSQ", "305438", 3),
        ("CSQU 305438-3", "CSQ", "305438", 3),
    ];
    for (value, owner, serial, check) in cases {
        let number = ContainerNumber::parse(value).unwrap_or_else(|e| panic!("{value}: {e}"));
        assert_eq!(number.owner_code(), owner);
        assert_eq!(number.category(), EquipmentCategory::FreightContainer);
        assert_eq!(number.serial(), serial);
        assert_eq!(number.check_digit(), check);
        assert_eq!(number.to_string().len(), 11);
    }
}

#[test]
fn altered_container_numbers_fail_with_the_rule() {
    let cases = [
        (
            "CSQU3054384",
            ContainerError::CheckDigit {
                found: 4,
                expected: 3,
            },
        ),
        // Two serial digits swapped: the powers of two catch transpositions.
        (
            "CSQU3045383",
            ContainerError::CheckDigit {
                found: 3,
                expected: 1,
            },
        ),
        // A number quoted on the web for Maersk whose check digit is wrong.
        (
            "MSKU1100810",
            ContainerError::CheckDigit {
                found: 0,
                expected: 7,
            },
        ),
        // R is no ISO 6346 category (reefers are told by the size and type code).
        ("CSQR3054383", ContainerError::Category),
        ("CS1U3054383", ContainerError::OwnerCode),
        ("csqu3054383", ContainerError::OwnerCode),
        ("CSQU30543X3", ContainerError::Serial),
        ("CSQU305438A", ContainerError::CheckDigitMissing),
        ("CSQU305438", ContainerError::Length { found: 10 }),
        ("CSQU30543833", ContainerError::Length { found: 12 }),
    ];
    for (value, expected) in cases {
        assert_eq!(ContainerNumber::parse(value), Err(expected), "{value}");
    }
    assert_eq!(
        ContainerNumber::parse("CSQU3054384")
            .unwrap_err()
            .to_string(),
        "check digit is 4, expected 3"
    );
}

#[test]
fn a_remainder_of_ten_gives_check_digit_zero() {
    // Serial 305430 of owner CSQ sums to a remainder of 10 modulo 11.
    assert_eq!(container::check_digit("CSQU305430"), Some(0));
    assert!(ContainerNumber::parse("CSQU3054300").is_ok());
    assert_eq!(container::check_digit("CSQU30543"), None);
}

#[test]
fn other_equipment_categories() {
    let chassis = container::check_digit("CSQZ305438").unwrap();
    let number = ContainerNumber::parse(&format!("CSQZ305438{chassis}")).unwrap();
    assert_eq!(number.category(), EquipmentCategory::TrailerOrChassis);
    let detachable = container::check_digit("CSQJ305438").unwrap();
    let number = ContainerNumber::parse(&format!("CSQJ305438{detachable}")).unwrap();
    assert_eq!(number.category(), EquipmentCategory::DetachableEquipment);
}

#[test]
fn real_imo_numbers_pass_and_altered_ones_fail() {
    let ships = [
        // The example of the IMO scheme's description.
        ("IMO 9074729", 9_074_729),
        // Emma Maersk, Ever Given, Queen Mary 2, MSC Oscar.
        ("IMO 9321483", 9_321_483),
        ("9811000", 9_811_000),
        ("IMO9241061", 9_241_061),
        ("IMO 9703291", 9_703_291),
    ];
    for (value, expected) in ships {
        let number = ImoNumber::parse(value).unwrap_or_else(|e| panic!("{value}: {e}"));
        assert_eq!(number.value(), expected);
    }
    assert_eq!(
        ImoNumber::parse("9074729").unwrap().to_string(),
        "IMO 9074729"
    );
    let cases = [
        (
            "IMO 9074728",
            ImoError::CheckDigit {
                found: 8,
                expected: 9,
            },
        ),
        // Ever Given with two digits swapped.
        (
            "9810100",
            ImoError::CheckDigit {
                found: 0,
                expected: 9,
            },
        ),
        ("907472", ImoError::Format),
        ("90747290", ImoError::Format),
        ("IMO 90747A9", ImoError::Format),
        ("IMO-9074729", ImoError::Format),
    ];
    for (value, expected) in cases {
        assert_eq!(ImoNumber::parse(value), Err(expected), "{value}");
    }
}

#[test]
fn air_waybill_numbers_check_the_serial_modulo_seven() {
    for value in ["020-12345675", "02012345675", "020 12345675"] {
        let awb = AirWaybillNumber::parse(value).unwrap_or_else(|e| panic!("{value}: {e}"));
        assert_eq!(
            (awb.prefix(), awb.serial(), awb.check_digit()),
            (20, 12_345_675, 5)
        );
        assert_eq!(awb.to_string(), "020-12345675");
    }
    let cases = [
        (
            "020-12345676",
            AwbError::CheckDigit {
                found: 6,
                expected: 5,
            },
        ),
        // Two serial digits swapped.
        (
            "020-12354675",
            AwbError::CheckDigit {
                found: 5,
                expected: 2,
            },
        ),
        ("20-12345675", AwbError::Format),
        ("020-1234567", AwbError::Format),
        ("020-1234567A", AwbError::Format),
        ("020/12345675", AwbError::Format),
    ];
    for (value, expected) in cases {
        assert_eq!(AirWaybillNumber::parse(value), Err(expected), "{value}");
    }
    assert_eq!(
        AirWaybillNumber::parse("020-12345676")
            .unwrap_err()
            .to_string(),
        "check digit is 6, expected 5"
    );
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|value| value == "true")
}

fn cargo_imp(name: &str) -> Option<String> {
    let Some(root) = std::env::var_os("GATEHOUSE_FIXTURES") else {
        assert!(!in_ci(), "GATEHOUSE_FIXTURES must be set in CI");
        return None;
    };
    let path = PathBuf::from(root).join("cargo-imp").join(name);
    match std::fs::read_to_string(&path) {
        Ok(text) => Some(text),
        Err(error) => {
            assert!(
                !in_ci(),
                "fixture {} is missing in CI: {error}",
                path.display()
            );
            None
        }
    }
}

/// Every `ddd-dddddddd` not inside a longer run of digits, with the six letters after it (origin
/// and destination) when there are.
fn waybills(text: &str) -> Vec<(&str, Option<&str>)> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    for start in 0..bytes.len().saturating_sub(11) {
        let candidate = &bytes[start..start + 12];
        let shape = candidate.iter().enumerate().all(|(i, b)| {
            if i == 3 {
                *b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
        let before = start.checked_sub(1).map(|i| bytes[i]);
        let after = bytes.get(start + 12).copied();
        if shape
            && !before.is_some_and(|b| b.is_ascii_digit())
            && !after.is_some_and(|b| b.is_ascii_digit())
        {
            let route = text
                .get(start + 12..start + 18)
                .filter(|r| r.bytes().all(|b| b.is_ascii_uppercase()));
            found.push((&text[start..start + 12], route));
        }
    }
    found
}

#[test]
fn cargo_imp_fixture_waybills() {
    // (file, distinct AWB numbers, of which with a wrong check digit), read off the fixtures: the
    // IATA Cargo-IMP examples mix real-looking numbers with made-up ones.
    let expected = [
        ("fbl4.txt", 10, 5),
        ("ffa4.txt", 1, 0),
        ("ffm8.txt", 30, 3),
        ("fhl5.txt", 4, 0),
        ("fsa15.txt", 9, 0),
        ("fsr1.txt", 1, 0),
        ("fwb17.txt", 3, 0),
    ];
    let mut routes = BTreeSet::new();
    for (name, distinct, wrong) in expected {
        let Some(text) = cargo_imp(name) else {
            return;
        };
        let found = waybills(&text);
        let numbers: BTreeSet<&str> = found.iter().map(|(number, _)| *number).collect();
        assert_eq!(numbers.len(), distinct, "{name}");
        let failing: Vec<AwbError> = numbers
            .iter()
            .filter_map(|n| AirWaybillNumber::parse(n).err())
            .collect();
        assert_eq!(failing.len(), wrong, "{name}");
        assert!(
            failing
                .iter()
                .all(|e| matches!(e, AwbError::CheckDigit { .. }))
        );
        for (_, route) in found {
            if let Some(route) = route {
                routes.insert(route[..3].to_owned());
                routes.insert(route[3..].to_owned());
            }
        }
    }
    // The first FBL/4 line with a made-up number: 2222111 mod 7 is 3.
    let fbl = cargo_imp("fbl4.txt").unwrap();
    assert!(fbl.contains("074-22221112"));
    assert_eq!(
        AirWaybillNumber::parse("074-22221112"),
        Err(AwbError::CheckDigit {
            found: 2,
            expected: 3
        })
    );
    // Every origin and destination is an airport, or a city code for several (RIO, ROM, STO,
    // TYO), and lies in a known country.
    assert_eq!(routes.len(), 64);
    let cities: Vec<&str> = routes
        .iter()
        .map(String::as_str)
        .filter(|code| airport::airport(code).is_none())
        .collect();
    assert_eq!(cities, ["RIO", "ROM", "STO", "TYO"]);
    for code in &routes {
        assert!(airport::country_of(code).is_some(), "{code}");
    }
}
