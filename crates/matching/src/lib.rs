//! Name and document matching (pure, no I/O): is this traveller or party someone on a
//! watchlist, when one person is written Ђорђевић, Đorđević, DORDEVIC, DJORDJEVIC and
//! GJORGJEVIKJ, and two people may differ by one letter?
//!
//! A name is taken apart into words ([`normalise`]): each word is transliterated to Latin
//! letters and folded to a key on which transliteration variants meet. Two names are compared
//! word by word in the best pairing of their words, each pair scored from key equality, phonetic
//! equality and an edit distance that prices the differences transliteration makes cheaply and
//! every other letter dearly; date of birth, nationality, gender and a document number then move
//! the score. [`Screener`] indexes a watchlist so that a query only looks at entries sharing a
//! word key with it. `docs/matching.md` describes the algorithm and its limits.

use std::collections::BTreeMap;
use std::fmt;

use chrono::NaiveDate;
use serde::Serialize;

pub mod document;
mod fold;
mod index;
mod name;
mod score;
mod script;
mod similarity;
mod translit;
mod variants;

pub use index::{ScreenStats, Screener};
pub use name::normalise;
pub use score::compare;
pub use script::Script;

/// Named in every explanation, so that a hit can be traced to the algorithm that made it.
pub const ALGORITHM: &str = "gatehouse-names/1";
/// The score at and above which a comparison is a hit.
pub const DEFAULT_THRESHOLD: f64 = 0.8;

/// How far a list's name can be trusted as a way the person is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NameQuality {
    Primary,
    Strong,
    /// The UN's "low quality a.k.a.": matches only when near exact, and scores lower.
    Weak,
}

/// One name of a list entry.
#[derive(Clone, PartialEq, Eq)]
pub struct ListName {
    pub text: String,
    pub quality: NameQuality,
}

impl ListName {
    pub fn new(text: impl Into<String>, quality: NameQuality) -> Self {
        ListName {
            text: text.into(),
            quality,
        }
    }
}

impl fmt::Debug for ListName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ListName")
            .field("text", &MASK)
            .field("quality", &self.quality)
            .finish()
    }
}

/// A date of birth as lists give them: exact, a year, or a range of years.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Birth {
    Date(NaiveDate),
    Year(i32),
    /// Inclusive.
    Between(i32, i32),
}

impl fmt::Debug for Birth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Birth::Date(_) => "Date(***)",
            Birth::Year(_) => "Year(***)",
            Birth::Between(..) => "Between(***)",
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Gender {
    Female,
    Male,
}

/// A watchlist entry: a person (or organisation) known by one or more names.
#[derive(Clone, PartialEq, Default)]
pub struct Entry {
    /// The list's reference for the entry.
    pub id: String,
    pub names: Vec<ListName>,
    pub births: Vec<Birth>,
    /// ISO 3166-1 alpha-3.
    pub nationalities: Vec<String>,
    pub gender: Option<Gender>,
    /// Travel and identity document numbers, as listed.
    pub documents: Vec<String>,
}

impl fmt::Debug for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Entry")
            .field("id", &self.id)
            .field("names", &self.names.len())
            .field("births", &self.births.len())
            .field("nationalities", &self.nationalities.len())
            .field("gender", &self.gender.map(|_| MASK))
            .field("documents", &self.documents.len())
            .finish()
    }
}

/// Who is screened: a traveller or a cargo party.
#[derive(Clone, PartialEq, Default)]
pub struct Query {
    pub name: String,
    pub birth: Option<Birth>,
    /// ISO 3166-1 alpha-3; the caller converts other forms.
    pub nationality: Option<String>,
    pub gender: Option<Gender>,
    pub document: Option<String>,
}

impl Query {
    /// A query by name alone.
    pub fn name(name: impl Into<String>) -> Self {
        Query {
            name: name.into(),
            ..Query::default()
        }
    }
}

impl fmt::Debug for Query {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let present = |p: bool| if p { MASK } else { "none" };
        f.debug_struct("Query")
            .field("name", &MASK)
            .field("birth", &present(self.birth.is_some()))
            .field("nationality", &present(self.nationality.is_some()))
            .field("gender", &present(self.gender.is_some()))
            .field("document", &present(self.document.is_some()))
            .finish()
    }
}

const MASK: &str = "***";

/// A list entry that matched a query.
#[derive(Clone)]
pub struct Hit {
    pub entry_id: String,
    /// 0..1; at or above the threshold screened with.
    pub score: f64,
    pub explanation: Explanation,
}

impl fmt::Debug for Hit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hit")
            .field("entry_id", &self.entry_id)
            .field("score", &self.score)
            .field("explanation", &self.explanation)
            .finish()
    }
}

/// Why a hit scored what it did. Holds the names compared: show it to those who may see them.
#[derive(Clone, Serialize)]
pub struct Explanation {
    pub algorithm: &'static str,
    pub threshold: f64,
    /// The entry's name that matched best, as listed.
    pub alias: String,
    pub alias_quality: NameQuality,
    pub query: Normalised,
    pub candidate: Normalised,
    /// Query word ↔ candidate word, in query order, then the candidate's words left over.
    pub alignment: Vec<Aligned>,
    /// name, phonetic, edit, coverage (0..1); birth, nationality, gender (what each added to or
    /// took from the score); document (1 equal, 0 different), each present only when both sides
    /// gave the value.
    pub features: BTreeMap<String, f64>,
    pub notes: Vec<String>,
}

impl fmt::Debug for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hows: Vec<(How, f64)> = self.alignment.iter().map(|a| (a.how, a.score)).collect();
        f.debug_struct("Explanation")
            .field("algorithm", &self.algorithm)
            .field("threshold", &self.threshold)
            .field("alias", &MASK)
            .field("alias_quality", &self.alias_quality)
            .field("alignment", &hows)
            .field("features", &self.features)
            .field("notes", &self.notes)
            .finish()
    }
}

/// A name as matching sees it.
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct Normalised {
    /// The script most of its words are in; `None` when it has no letters.
    pub script: Option<Script>,
    /// Its words in Latin letters, lower case (as written for scripts not transliterated).
    pub latin: String,
    /// Folded keys, one per word.
    pub tokens: Vec<String>,
}

impl fmt::Debug for Normalised {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Normalised")
            .field("script", &self.script)
            .field("latin", &MASK)
            .field("tokens", &self.tokens.len())
            .finish()
    }
}

/// One pair of the alignment, or a word without a partner.
#[derive(Clone, Serialize)]
pub struct Aligned {
    /// The query's word (Latin form); `None` for a candidate word left over.
    pub query: Option<String>,
    pub candidate: Option<String>,
    pub score: f64,
    pub how: How,
}

/// What made two words match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum How {
    /// The same Latin form.
    Exact,
    /// The same key: spellings of one name (or a name and its particles).
    Folded,
    /// A word cut at the width of a machine readable zone: one is a prefix (8 letters or more)
    /// of the other.
    Truncated,
    /// The same consonant skeleton and a close spelling, across a script that leaves vowels out.
    Phonetic,
    /// Only an edit distance: as close as its score says.
    Edit,
    /// A single letter and a word it begins.
    Initial,
    /// A query word without a partner.
    Missing,
    /// A candidate word without a partner.
    Extra,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_prints_no_personal_data() {
        let entry = Entry {
            id: "QDi.001".into(),
            names: vec![ListName::new("Marko Petrović", NameQuality::Primary)],
            births: vec![Birth::Date(NaiveDate::from_ymd_opt(1970, 3, 1).unwrap())],
            nationalities: vec!["SRB".into()],
            gender: Some(Gender::Male),
            documents: vec!["AB1234567".into()],
        };
        let query = Query {
            name: "Marko Petrović".into(),
            birth: Some(Birth::Year(1970)),
            nationality: Some("SRB".into()),
            gender: Some(Gender::Male),
            document: Some("AB1234567".into()),
        };
        let printed = format!("{entry:?} {query:?} {:?}", entry.names[0]);
        for secret in ["Marko", "Petrov", "1970", "SRB", "AB1234567", "Male"] {
            assert!(!printed.contains(secret), "{secret} in {printed}");
        }
        assert!(printed.contains("QDi.001"));
        let hit = compare(&query, &entry, DEFAULT_THRESHOLD).unwrap();
        let printed = format!("{hit:?}");
        for secret in ["Marko", "marko", "petrovic", "1970", "AB1234567"] {
            assert!(!printed.contains(secret), "{secret} in {printed}");
        }
    }
}
