//! Resume cursors of `SubscribeAlerts` and page tokens of `ListAlerts`, opaque to clients.
//!
//! A cursor is base64url (no padding) of `v1|<unit>:<sequence>,…`: for each subscribed unit, the
//! last change of that unit's own change log the client has. It names only the caller's units,
//! so it says nothing about the volume of any other unit.

use std::collections::BTreeMap;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};

const CURSOR_VERSION: &str = "v1|";
const PAGE_VERSION: &str = "p1|";
/// Longer than the cursor of any real set of units.
const MAX_CURSOR_LEN: usize = 16 * 1024;

/// The last change of each unit a client has.
pub type Positions = BTreeMap<String, i64>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CursorError {
    #[error("is not a cursor returned by SubscribeAlerts")]
    Malformed,
    #[error("names a unit outside this subscription")]
    ForeignUnit,
    #[error("is ahead of the unit's changes")]
    Ahead,
}

pub fn encode(positions: &Positions) -> String {
    let body: Vec<String> = positions
        .iter()
        .map(|(unit, sequence)| format!("{unit}:{sequence}"))
        .collect();
    URL_SAFE_NO_PAD.encode(format!("{CURSOR_VERSION}{}", body.join(",")))
}

pub fn decode(cursor: &str) -> Result<Positions, CursorError> {
    if cursor.len() > MAX_CURSOR_LEN {
        return Err(CursorError::Malformed);
    }
    let bytes = URL_SAFE_NO_PAD
        .decode(cursor.trim())
        .map_err(|_| CursorError::Malformed)?;
    let text = String::from_utf8(bytes).map_err(|_| CursorError::Malformed)?;
    let body = text
        .strip_prefix(CURSOR_VERSION)
        .ok_or(CursorError::Malformed)?;
    let mut positions = Positions::new();
    if body.is_empty() {
        return Ok(positions);
    }
    for part in body.split(',') {
        let (unit, sequence) = part.rsplit_once(':').ok_or(CursorError::Malformed)?;
        let sequence = parse_sequence(sequence).ok_or(CursorError::Malformed)?;
        if unit.is_empty() || positions.insert(unit.to_owned(), sequence).is_some() {
            return Err(CursorError::Malformed);
        }
    }
    Ok(positions)
}

/// Where a subscription of `units` starts: after the cursor's positions; at `current` (each
/// unit's newest change) for an empty cursor, and for a unit the cursor does not name yet (one
/// added to the caller's token since), since there is nothing of it the client has missed.
pub fn resume(
    cursor: &str,
    units: &[String],
    current: &Positions,
) -> Result<Positions, CursorError> {
    let newest = |unit: &str| current.get(unit).copied().unwrap_or(0);
    if cursor.trim().is_empty() {
        return Ok(units.iter().map(|u| (u.clone(), newest(u))).collect());
    }
    let given = decode(cursor)?;
    if given.keys().any(|unit| !units.contains(unit)) {
        return Err(CursorError::ForeignUnit);
    }
    if given
        .iter()
        .any(|(unit, sequence)| *sequence > newest(unit))
    {
        return Err(CursorError::Ahead);
    }
    Ok(units
        .iter()
        .map(|u| {
            (
                u.clone(),
                given.get(u).copied().unwrap_or_else(|| newest(u)),
            )
        })
        .collect())
}

/// `ListAlerts` page token: where the next page starts (an internal list position).
pub fn encode_page(before: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("{PAGE_VERSION}{before}"))
}

pub fn decode_page(token: &str) -> Option<i64> {
    if token.len() > 64 {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(token.trim()).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    parse_sequence(text.strip_prefix(PAGE_VERSION)?)
}

/// A non-negative decimal written the way `encode` writes it (no sign, no padding).
fn parse_sequence(text: &str) -> Option<i64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn positions(entries: &[(&str, i64)]) -> Positions {
        entries.iter().map(|(u, s)| ((*u).to_owned(), *s)).collect()
    }

    fn raw(text: &str) -> String {
        URL_SAFE_NO_PAD.encode(text)
    }

    #[test]
    fn cursors_round_trip_and_are_opaque() {
        for case in [
            positions(&[]),
            positions(&[("jaitf-sjj", 0)]),
            positions(&[("jaitf-sjj", 17), ("pcu-bar", 3), ("jaitf-beg", i64::MAX)]),
        ] {
            let cursor = encode(&case);
            assert!(
                cursor
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
                "{cursor}"
            );
            assert!(!cursor.contains("sjj"), "{cursor}");
            assert_eq!(decode(&cursor), Ok(case));
        }
    }

    #[test]
    fn malformed_cursors_are_refused() {
        for cursor in [
            "not base64!".to_owned(),
            raw("jaitf-sjj:1"),
            raw("v2|jaitf-sjj:1"),
            raw("v1|jaitf-sjj"),
            raw("v1|jaitf-sjj:"),
            raw("v1|jaitf-sjj:-1"),
            raw("v1|jaitf-sjj:+1"),
            raw("v1|jaitf-sjj:1x"),
            raw("v1|:4"),
            raw("v1|jaitf-sjj:1,jaitf-sjj:2"),
            raw("v1|jaitf-sjj:99999999999999999999"),
            URL_SAFE_NO_PAD.encode([b'v', b'1', b'|', 0xff, b':', b'1']),
            "A".repeat(MAX_CURSOR_LEN + 1),
        ] {
            assert_eq!(decode(&cursor), Err(CursorError::Malformed), "{cursor}");
        }
    }

    #[test]
    fn resuming_checks_units_and_positions() {
        let units = ["jaitf-sjj".to_owned(), "pcu-bar".to_owned()];
        let current = positions(&[("jaitf-sjj", 10), ("pcu-bar", 4), ("jaitf-beg", 99)]);
        let cases: [(String, Result<Positions, CursorError>); 6] = [
            // No cursor: from now on.
            (
                String::new(),
                Ok(positions(&[("jaitf-sjj", 10), ("pcu-bar", 4)])),
            ),
            (
                encode(&positions(&[("jaitf-sjj", 7), ("pcu-bar", 4)])),
                Ok(positions(&[("jaitf-sjj", 7), ("pcu-bar", 4)])),
            ),
            // A unit the cursor does not know yet starts now.
            (
                encode(&positions(&[("jaitf-sjj", 2)])),
                Ok(positions(&[("jaitf-sjj", 2), ("pcu-bar", 4)])),
            ),
            (
                encode(&positions(&[("jaitf-sjj", 2), ("jaitf-beg", 1)])),
                Err(CursorError::ForeignUnit),
            ),
            (
                encode(&positions(&[("jaitf-sjj", 11)])),
                Err(CursorError::Ahead),
            ),
            (raw("garbage"), Err(CursorError::Malformed)),
        ];
        for (cursor, expected) in cases {
            assert_eq!(resume(&cursor, &units, &current), expected, "{cursor}");
        }
        // A unit with no changes yet is at 0.
        assert_eq!(
            resume("", &["pcu-gradiska".to_owned()], &current),
            Ok(positions(&[("pcu-gradiska", 0)]))
        );
    }

    #[test]
    fn page_tokens_round_trip_and_refuse_anything_else() {
        for before in [0, 1, 42, i64::MAX] {
            assert_eq!(decode_page(&encode_page(before)), Some(before));
        }
        for token in [
            "42".to_owned(),
            raw("42"),
            raw("p1|"),
            raw("p1|-3"),
            raw("v1|jaitf-sjj:3"),
            "%%".to_owned(),
        ] {
            assert_eq!(decode_page(&token), None, "{token}");
        }
    }
}
