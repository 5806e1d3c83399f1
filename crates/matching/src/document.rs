//! Travel document numbers as watchlists and carriers write them differ in spacing, dashes and
//! letter case (`AB 123-456`, `ab123456`); MRZ fills with `<`. Matching compares the normalised form.

/// Uppercase ASCII letters and digits only; `None` when nothing is left.
pub fn normalize_document_number(raw: &str) -> Option<String> {
    let normalized: String = raw
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_uppercase)
        .collect();
    if normalized.is_empty() {
        None
    } else {
        Some(normalized)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separators_case_and_filler_are_ignored() {
        for (raw, expected) in [
            ("AB 123-456", Some("AB123456")),
            ("ab123456", Some("AB123456")),
            ("C01X00T47<<", Some("C01X00T47")),
            ("  0123 4567 ", Some("01234567")),
            ("-- <<", None),
            ("", None),
        ] {
            assert_eq!(
                normalize_document_number(raw).as_deref(),
                expected,
                "{raw:?}"
            );
        }
    }
}
