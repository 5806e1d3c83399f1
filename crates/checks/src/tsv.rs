//! Rows of the reference data compiled in from `data/*.tsv` (written by
//! `scripts/generate-reference-data`): one header line starting with `#`, then tab-separated rows.

/// The rows of `text` with exactly `N` cells; a row with another count is skipped, which the
/// crate's tests would notice as a missing entry.
pub(crate) fn rows<const N: usize>(text: &'static str) -> impl Iterator<Item = [&'static str; N]> {
    text.lines()
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .filter_map(|line| <[&'static str; N]>::try_from(line.split('\t').collect::<Vec<_>>()).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_and_malformed_rows_are_skipped() {
        let text = "#a\tb\nAA\tx\nshort\nBB\ty\n";
        let rows: Vec<[&str; 2]> = rows(text).collect();
        assert_eq!(rows, vec![["AA", "x"], ["BB", "y"]]);
    }
}
