//! `gatehouse screen`: screens names against a watchlist file offline, in-process, with the
//! matching engine the services use. The contract is fixed (it is how matching quality is
//! measured):
//!
//! ```text
//! gatehouse screen --watchlist FILE --input QUERIES.jsonl [--threshold T] [--limit K] --output RESULTS.jsonl
//! ```
//!
//! - FILE: `.xml` (UN consolidated list), a folder holding OFAC `sdn.csv` (with `alt.csv` and
//!   `add.csv` when there), a `.csv` with the header `id,name,aliases,birth_date,nationality,
//!   document_number`, or a `.jsonl` of entries (docs/watchlists.md);
//! - QUERIES.jsonl: `{"id": str, "name": str, "birth_date"?: "YYYY"|"YYYY-MM-DD",
//!   "nationality"?: alpha-2 or alpha-3, "document_number"?: str}` per line;
//! - RESULTS.jsonl: per query, in order, `{"id": str, "matches": [{"entry_id", "score",
//!   "explanation"}]}`, best first, scores at or above the threshold, at most K.

use std::{
    fs::File,
    io::{BufRead, BufReader, BufWriter, Write},
    path::{Path, PathBuf},
    time::Instant,
};

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use gatehouse_checks::country;
use gatehouse_formats::watchlist::{self, BirthDate, NameQuality, WatchlistEntry};
use gatehouse_matching::{self as matching, Birth, Entry, ListName, Query, Screener};
use serde::{Deserialize, Serialize};

#[derive(Debug, clap::Args)]
pub struct ScreenArgs {
    /// The list: UN consolidated `.xml`, an OFAC folder (`sdn.csv`, `alt.csv`, `add.csv`), our
    /// `.csv` or `.jsonl`.
    #[arg(long, value_name = "FILE")]
    pub watchlist: PathBuf,
    /// Queries, one JSON object per line.
    #[arg(long, value_name = "QUERIES.jsonl")]
    pub input: PathBuf,
    /// Lowest score reported, 0 to 1.
    #[arg(long, default_value_t = matching::DEFAULT_THRESHOLD)]
    pub threshold: f64,
    /// Most matches reported per query.
    #[arg(long, default_value_t = 5)]
    pub limit: usize,
    /// Results, one JSON object per query, in the order of the queries.
    #[arg(long, value_name = "RESULTS.jsonl")]
    pub output: PathBuf,
}

/// One line of QUERIES.jsonl.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct QueryLine {
    id: String,
    name: String,
    #[serde(default)]
    birth_date: Option<String>,
    #[serde(default)]
    nationality: Option<String>,
    #[serde(default)]
    document_number: Option<String>,
}

#[derive(Serialize)]
struct ResultLine<'a> {
    id: &'a str,
    matches: Vec<MatchLine>,
}

#[derive(Serialize)]
struct MatchLine {
    entry_id: String,
    score: f64,
    explanation: matching::Explanation,
}

pub fn run(args: &ScreenArgs) -> Result<()> {
    if !(0.0..=1.0).contains(&args.threshold) {
        bail!("--threshold must be between 0 and 1");
    }
    let started = Instant::now();
    let listed = read_watchlist(&args.watchlist)?;
    let entries: Vec<Entry> = listed.iter().map(entry).collect();
    let screener = Screener::build(entries);
    eprintln!(
        "{} entries, {} names indexed in {:.1} s",
        listed.len(),
        screener.len(),
        started.elapsed().as_secs_f64()
    );

    let input =
        File::open(&args.input).with_context(|| format!("cannot read {}", args.input.display()))?;
    let output = File::create(&args.output)
        .with_context(|| format!("cannot write {}", args.output.display()))?;
    let mut output = BufWriter::new(output);
    let screening = Instant::now();
    let mut queries = 0usize;
    for (n, line) in BufReader::new(input).lines().enumerate() {
        let number = n + 1;
        let line = line.with_context(|| format!("{}: line {number}", args.input.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        let parsed: QueryLine = serde_json::from_str(&line).map_err(|error| {
            // serde_json names the column and what it expected, not the value.
            anyhow::anyhow!("{}: line {number}: {error}", args.input.display())
        })?;
        let query = query(&parsed).map_err(|reason| {
            anyhow::anyhow!("{}: line {number}: {reason}", args.input.display())
        })?;
        let matches = screener
            .screen(&query, args.threshold, args.limit)
            .into_iter()
            .map(|hit| MatchLine {
                entry_id: hit.entry_id,
                score: hit.score,
                explanation: hit.explanation,
            })
            .collect();
        serde_json::to_writer(
            &mut output,
            &ResultLine {
                id: &parsed.id,
                matches,
            },
        )?;
        output.write_all(b"\n")?;
        queries += 1;
    }
    output.flush()?;
    let seconds = screening.elapsed().as_secs_f64();
    eprintln!(
        "{queries} queries screened in {seconds:.2} s ({:.0} queries/s)",
        queries as f64 / seconds.max(f64::EPSILON)
    );
    Ok(())
}

/// The entries of a list file, by its form.
fn read_watchlist(path: &Path) -> Result<Vec<WatchlistEntry>> {
    let text = |path: &Path| -> Result<String> {
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
    };
    let located = |error: watchlist::ImportError| {
        anyhow::anyhow!("{}: line {}: {}", path.display(), error.line, error.reason)
    };
    if path.is_dir() {
        let sdn = std::fs::read(path.join("sdn.csv"))
            .with_context(|| format!("{} holds no sdn.csv", path.display()))?;
        let optional = |name: &str| -> Result<Option<Vec<u8>>> {
            let file = path.join(name);
            if file.exists() {
                Ok(Some(std::fs::read(&file).with_context(|| {
                    format!("cannot read {}", file.display())
                })?))
            } else {
                Ok(None)
            }
        };
        let alt = optional("alt.csv")?;
        let add = optional("add.csv")?;
        return watchlist::ofac::parse(&sdn, alt.as_deref(), add.as_deref()).map_err(located);
    }
    match path.extension().and_then(|e| e.to_str()) {
        Some("xml") => watchlist::un::parse(&text(path)?).map_err(located),
        Some("csv") => watchlist::gatehouse::parse_csv(&text(path)?).map_err(located),
        Some("jsonl") => watchlist::gatehouse::parse_jsonl(&text(path)?).map_err(located),
        _ => bail!(
            "{}: a watchlist is a UN .xml, an OFAC folder, a .csv or a .jsonl",
            path.display()
        ),
    }
}

/// A list entry as the matching engine takes it: names with their quality (a name in its
/// original script as another name of the same quality), dates of birth, nationalities as ISO
/// alpha-3 (names the lists write resolved; those that resolve to nothing left out), documents.
fn entry(listed: &WatchlistEntry) -> Entry {
    let mut names = Vec::with_capacity(listed.names.len());
    for name in &listed.names {
        let quality = match name.quality {
            NameQuality::Primary => matching::NameQuality::Primary,
            NameQuality::Strong => matching::NameQuality::Strong,
            NameQuality::Weak => matching::NameQuality::Weak,
        };
        names.push(ListName {
            text: name.full.clone(),
            quality,
        });
        if let Some(original) = name
            .original_script
            .as_ref()
            .filter(|o| !o.trim().is_empty())
        {
            names.push(ListName {
                text: original.clone(),
                quality,
            });
        }
    }
    Entry {
        id: listed.id.clone(),
        names,
        births: listed
            .birth_dates
            .iter()
            .map(|birth| match *birth {
                BirthDate::Exact(date) => Birth::Date(date),
                BirthDate::Year(year) | BirthDate::Month(year, _) => Birth::Year(year),
                BirthDate::Between(from, to) => Birth::Between(from, to),
                // "Approximately" / "circa": a year either side, to which the matcher adds its
                // own tolerance of one.
                BirthDate::Circa(year) => Birth::Between(year - 1, year + 1),
            })
            .collect(),
        nationalities: listed
            .nationalities
            .iter()
            .filter_map(|n| alpha3(n))
            .map(str::to_owned)
            .collect(),
        gender: listed.gender.map(|g| match g {
            watchlist::Gender::Female => matching::Gender::Female,
            watchlist::Gender::Male => matching::Gender::Male,
        }),
        documents: listed.documents.iter().map(|d| d.number.clone()).collect(),
    }
}

/// ISO alpha-3 of a country given by code (alpha-2 or alpha-3) or English name.
fn alpha3(value: &str) -> Option<&'static str> {
    let value = value.trim();
    let upper = value.to_ascii_uppercase();
    match upper.len() {
        2 => country::by_alpha2(&upper).map(|c| c.alpha3),
        3 => country::by_alpha3(&upper).map(|c| c.alpha3),
        _ => None,
    }
    .or_else(|| country::by_name(value).map(|c| c.alpha3))
}

fn query(line: &QueryLine) -> Result<Query, String> {
    if line.id.trim().is_empty() {
        return Err("id is required".into());
    }
    let birth = match line.birth_date.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(date) => Some(birth(date).ok_or("birth_date must be YYYY or YYYY-MM-DD")?),
    };
    let nationality = match line.nationality.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(code) => Some(
            alpha3(code)
                .ok_or("nationality must be an ISO 3166-1 alpha-2 or alpha-3 code")?
                .to_owned(),
        ),
    };
    Ok(Query {
        name: line.name.clone(),
        birth,
        nationality,
        gender: None,
        document: line
            .document_number
            .clone()
            .filter(|d| !d.trim().is_empty()),
    })
}

fn birth(text: &str) -> Option<Birth> {
    if text.len() == 4 {
        return text
            .parse::<i32>()
            .ok()
            .filter(|y| (1800..=2200).contains(y))
            .map(Birth::Year);
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .map(Birth::Date)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(json: &str) -> QueryLine {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn queries_take_a_year_or_a_date_and_a_country_code_of_either_length() {
        let q = query(&line(
            r#"{"id":"q1","name":"Marko Petrović","birth_date":"1971","nationality":"rs"}"#,
        ))
        .unwrap();
        assert!(matches!(q.birth, Some(Birth::Year(1971))));
        assert_eq!(q.nationality.as_deref(), Some("SRB"));
        let q = query(&line(
            r#"{"id":"q2","name":"X","birth_date":"1971-02-03","nationality":"MNE","document_number":" "}"#,
        ))
        .unwrap();
        assert!(
            matches!(q.birth, Some(Birth::Date(d)) if d == NaiveDate::from_ymd_opt(1971, 2, 3).unwrap())
        );
        assert_eq!(q.nationality.as_deref(), Some("MNE"));
        assert!(q.document.is_none());
    }

    #[test]
    fn bad_query_fields_are_refused_by_name_without_their_values() {
        let refused = |json: &str| query(&line(json)).err().unwrap();
        assert_eq!(
            refused(r#"{"id":"q","name":"A","birth_date":"03.02.1971"}"#),
            "birth_date must be YYYY or YYYY-MM-DD"
        );
        assert!(
            refused(r#"{"id":"q","name":"A","nationality":"Atlantis"}"#)
                .starts_with("nationality must be")
        );
        assert_eq!(refused(r#"{"id":" ","name":"A"}"#), "id is required");
        assert!(serde_json::from_str::<QueryLine>(r#"{"id":"q","name":"A","dob":"1"}"#).is_err());
    }
}
