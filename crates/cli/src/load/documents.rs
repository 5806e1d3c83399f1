//! Travel document numbers in the style of their issuing state, and the numbers of the seeded
//! document watchlist.
//!
//! A pattern spells a number: `A` a letter, `9` a digit, `X` a character of the alphabet of
//! German and Dutch passports, and a final `C` an ICAO 9303 (7-3-1) check digit over the rest.
//! Listed numbers carry the right check digit and ordinary travellers' numbers never do, so no
//! traveller meant to be clean can ever hold a listed number, whatever the seed; the listed
//! numbers of one state are distinct by construction (a bijection of their index).

use rand::Rng;

const LETTERS: &[u8] = b"ABCDEFGHIJKLMNPRSTUVWXYZ";
const DIGITS: &[u8] = b"0123456789";
/// No vowels and no letters that read like digits, as on German passports.
const ALPHANUMERIC: &[u8] = b"CFGHJKLMNPRTVWXYZ0123456789";
/// Coprime to every radix above (their prime factors are 2, 3 and 5), so `index × STRIDE` mod
/// capacity is a bijection that scatters consecutive indexes.
const STRIDE: u128 = 1_000_000_007;

fn alphabet(symbol: u8) -> Option<&'static [u8]> {
    match symbol {
        b'A' => Some(LETTERS),
        b'9' => Some(DIGITS),
        b'X' => Some(ALPHANUMERIC),
        _ => None,
    }
}

/// ICAO 9303 check digit: digits count as themselves, `A`..`Z` as 10..35, weights 7, 3, 1.
pub fn check_digit(text: &str) -> u32 {
    let sum: u32 = text
        .bytes()
        .zip([7u32, 3, 1].into_iter().cycle())
        .map(|(b, weight)| {
            let value = match b {
                b'0'..=b'9' => u32::from(b - b'0'),
                b'A'..=b'Z' => u32::from(b - b'A') + 10,
                _ => 0,
            };
            value * weight
        })
        .sum();
    sum % 10
}

/// How many distinct numbers a pattern spells before its check digit.
pub fn capacity(pattern: &str) -> u128 {
    pattern
        .bytes()
        .filter_map(alphabet)
        .map(|a| a.len() as u128)
        .product()
}

fn with_digit(mut body: String, digit: u32) -> String {
    body.push(char::from_digit(digit % 10, 10).unwrap_or('0'));
    body
}

/// A number of an ordinary traveller: random, with a check digit that is never the right one.
pub fn ordinary_number(pattern: &str, rng: &mut impl Rng) -> String {
    let body: String = pattern
        .bytes()
        .filter_map(alphabet)
        .map(|a| char::from(a[rng.random_range(0..a.len())]))
        .collect();
    let wrong = check_digit(&body) + rng.random_range(1..10);
    with_digit(body, wrong)
}

/// The `index`-th listed number of a pattern; `salt` shifts one state's numbers off another's.
pub fn listed_number(pattern: &str, index: u64, salt: u64) -> String {
    let capacity = capacity(pattern).max(1);
    let mut serial = (u128::from(index) * STRIDE + u128::from(salt)) % capacity;
    let symbols: Vec<&[u8]> = pattern.bytes().filter_map(alphabet).collect();
    let mut body = vec![b'0'; symbols.len()];
    // Least significant position last, like any positional number.
    for (slot, symbols) in body.iter_mut().zip(&symbols).rev() {
        let radix = symbols.len() as u128;
        *slot = symbols[(serial % radix) as usize];
        serial /= radix;
    }
    let body = String::from_utf8(body).unwrap_or_default();
    let digit = check_digit(&body);
    with_digit(body, digit)
}

/// True for a number in the form of the listed ones (its last digit checks the rest).
pub fn is_listed_form(number: &str) -> bool {
    let Some((body, last)) = number.len().checked_sub(1).map(|i| number.split_at(i)) else {
        return false;
    };
    last.chars()
        .next()
        .and_then(|c| c.to_digit(10))
        .is_some_and(|digit| digit == check_digit(body))
}

/// True when `number` is spelled by `pattern`.
pub fn matches_pattern(pattern: &str, number: &str) -> bool {
    let symbols: Vec<u8> = pattern.bytes().collect();
    number.len() == symbols.len()
        && number
            .bytes()
            .zip(&symbols)
            .all(|(b, symbol)| match symbol {
                b'C' => b.is_ascii_digit(),
                other => alphabet(*other).is_some_and(|a| a.contains(&b)),
            })
}

/// A stable salt for a state code (FNV-1a), so its listed numbers are the same on every run.
pub fn salt(code: &str) -> u64 {
    code.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use rand::{SeedableRng, rngs::StdRng};

    use super::*;

    #[test]
    fn check_digit_follows_icao_9303() {
        // ICAO 9303 part 3 specimen: document number L898902C3, check digit 6.
        assert_eq!(check_digit("L898902C3"), 6);
        assert_eq!(check_digit("520727"), 3);
    }

    #[test]
    fn ordinary_numbers_never_take_the_listed_form() {
        let mut rng = StdRng::seed_from_u64(7);
        for pattern in ["A999999C", "99999999C", "XXXXXXXXC", "99AA9999C"] {
            for _ in 0..2_000 {
                let number = ordinary_number(pattern, &mut rng);
                assert!(matches_pattern(pattern, &number), "{pattern} {number}");
                assert!(!is_listed_form(&number), "{number}");
            }
        }
    }

    #[test]
    fn listed_numbers_are_distinct_well_formed_and_stable() {
        let pattern = "AA99999C";
        let numbers: HashSet<String> = (0..20_000)
            .map(|i| listed_number(pattern, i, salt("UKR")))
            .collect();
        assert_eq!(numbers.len(), 20_000);
        assert!(
            numbers
                .iter()
                .all(|n| matches_pattern(pattern, n) && is_listed_form(n))
        );
        assert_eq!(
            listed_number(pattern, 42, salt("UKR")),
            listed_number(pattern, 42, salt("UKR"))
        );
        assert_ne!(
            listed_number(pattern, 42, salt("UKR")),
            listed_number(pattern, 42, salt("RUS"))
        );
        assert_eq!(capacity("A9X"), 24 * 10 * 27);
    }
}
