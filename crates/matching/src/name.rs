//! A name taken apart into words: the order its form implies (MRZ `SURNAME<<GIVEN`, list
//! `SURNAME, Given`), separators (spaces, hyphens, apostrophes, `<`), the script and Latin form
//! of each word, and particles (dropped: al, el, ul, bin, ibn, bint, ould, ben after the first
//! word; joined to the next word: abu, abd, abdul…, van, von, de, da, del, della, di, du, le,
//! la…, and a letter or two before an apostrophe, as in O'Brien).

use unicode_normalization::UnicodeNormalization;

use crate::Normalised;
use crate::fold::{clusters, fold, fold_plain, phonetic};
use crate::script::Script;
use crate::translit::arabic;
use crate::translit::{self, Cluster, Cyrillic};

/// Words compared per name; the rest of a longer name is left out.
pub(crate) const MAX_WORDS: usize = 8;

/// One word of a name.
#[derive(Clone, PartialEq, Eq, Hash)]
#[cfg_attr(test, derive(Debug))]
pub(crate) struct Word {
    pub script: Script,
    /// Lower case, transliterated; marks kept (`đorđević`). As written for other scripts.
    pub latin: String,
    /// The folded skeleton ([`crate::fold`]); the Latin form for other scripts.
    pub key: String,
    pub phonetic: String,
    /// For a word joined from particles and a name (`vanderberg`): the name's key (`berg`).
    pub bare: Option<String>,
    /// A single letter (`M.`).
    pub initial: bool,
    /// The word belongs to a name that reads as Arabic (Arabic script, an Arabic particle, a
    /// common Arabic given name): its vowels are only spellings (bin Laden, bin Ladin).
    pub arabic_name: bool,
}

impl Word {
    pub fn from_latin(script: Script, latin: String) -> Option<Word> {
        if latin.is_empty() {
            return None;
        }
        let (key, phonetic) = if script.is_transliterated() {
            let key = fold(&latin);
            let phonetic = phonetic(&key);
            (key, phonetic)
        } else {
            (latin.clone(), String::new())
        };
        if key.is_empty() {
            return None;
        }
        let initial = script.is_transliterated() && key.len() == 1;
        Some(Word {
            script,
            latin,
            key,
            phonetic,
            bare: None,
            initial,
            arabic_name: false,
        })
    }
}

/// How the name's form ordered its parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Order {
    Written,
    /// `SURNAME<<GIVEN<NAMES`, read as given names then surname.
    Mrz,
    /// `SURNAME, Given Names`, read likewise.
    SurnameComma,
}

pub(crate) struct ParsedName {
    pub words: Vec<Word>,
    pub script: Option<Script>,
    pub order: Order,
    /// Words past [`MAX_WORDS`].
    pub left_out: usize,
    /// Scripts of words compared as written.
    pub untransliterated: Vec<Script>,
}

impl ParsedName {
    /// A name from words already taken apart (the index keeps them).
    pub fn from_words(words: Vec<Word>, order: Order, left_out: usize) -> Self {
        let mut untransliterated: Vec<Script> = Vec::new();
        for word in &words {
            if !word.script.is_transliterated() && !untransliterated.contains(&word.script) {
                untransliterated.push(word.script);
            }
        }
        ParsedName {
            script: majority(words.iter().map(|w| w.script)),
            words,
            order,
            left_out,
            untransliterated,
        }
    }

    pub fn normalised(&self) -> Normalised {
        Normalised {
            script: self.script,
            latin: self
                .words
                .iter()
                .map(|w| w.latin.as_str())
                .collect::<Vec<_>>()
                .join(" "),
            tokens: self.words.iter().map(|w| w.key.clone()).collect(),
        }
    }
}

/// The script, Latin form and folded tokens of `name`, as matching sees them.
pub fn normalise(name: &str) -> Normalised {
    parse(name).normalised()
}

pub(crate) fn parse(name: &str) -> ParsedName {
    parse_with(name, &mut word_forms)
}

/// [`parse`] with the words of each raw word given by `forms` (the index caches them).
pub(crate) fn parse_with(
    name: &str,
    forms: &mut dyn FnMut(&str, Cyrillic) -> Vec<Word>,
) -> ParsedName {
    let (text, order) = reorder(name);
    let orthography = Cyrillic::detect(&clusters(text.nfkd().flat_map(char::to_lowercase)));
    let mut words: Vec<(Word, bool)> = Vec::new();
    for raw in raw_words(&text) {
        let forms = forms(&raw.text, orthography);
        let last = forms.len().saturating_sub(1);
        for (i, word) in forms.into_iter().enumerate() {
            words.push((word, raw.apostrophe && i == last));
        }
    }
    let (mut words, arabic_particle) = particles(words);
    let arabic = arabic_particle
        || words.iter().any(|w| {
            w.script == Script::Arabic || (!w.initial && crate::variants::is_name(&w.key))
        });
    if arabic {
        for word in &mut words {
            word.arabic_name = true;
        }
    }
    let left_out = words.len().saturating_sub(MAX_WORDS);
    words.truncate(MAX_WORDS);
    ParsedName::from_words(words, order, left_out)
}

/// The key a word folds to without the given-name table (which is built from it).
pub(crate) fn plain_key(word: &str) -> String {
    let orthography = Cyrillic::detect(&clusters(word.nfkd().flat_map(char::to_lowercase)));
    transliterate(word, orthography)
        .last()
        .map(|(_, latin)| fold_plain(latin))
        .unwrap_or_default()
}

fn reorder(name: &str) -> (String, Order) {
    if name.contains('<') {
        let trimmed = name.trim_matches(|c: char| c == '<' || c.is_whitespace());
        let text = match trimmed.split_once("<<") {
            Some((surname, given)) => format!("{given} {surname}"),
            None => trimmed.to_owned(),
        };
        return (text.replace('<', " "), Order::Mrz);
    }
    let mut commas = name.match_indices(',');
    if let (Some((at, _)), None) = (commas.next(), commas.next()) {
        let (surname, given) = (&name[..at], &name[at + 1..]);
        if !surname.trim().is_empty() && !given.trim().is_empty() {
            return (format!("{given} {surname}"), Order::SurnameComma);
        }
    }
    (name.to_owned(), Order::Written)
}

struct RawWord {
    text: String,
    /// Followed by an apostrophe (O', D', L', Sa'id).
    apostrophe: bool,
}

fn is_apostrophe(c: char) -> bool {
    matches!(
        c,
        '\'' | '\u{2019}' | '\u{2018}' | '`' | '\u{B4}' | '\u{2BC}' | '\u{2BB}' | '\u{2B9}'
    )
}

/// Letters and their marks make words; anything else (spaces, hyphens, `<`, punctuation,
/// digits) separates them. An apostrophe inside a Cyrillic word (Ukrainian) belongs to it.
fn raw_words(text: &str) -> Vec<RawWord> {
    let chars: Vec<char> = text.chars().collect();
    let mut words = Vec::new();
    let mut current = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if is_apostrophe(c) {
            let cyrillic = |j: Option<usize>| {
                j.and_then(|j| chars.get(j))
                    .is_some_and(|&n| Script::of(n) == Some(Script::Cyrillic))
            };
            if cyrillic(i.checked_sub(1)) && cyrillic(Some(i + 1)) {
                continue;
            }
            if !current.is_empty() {
                words.push(RawWord {
                    text: std::mem::take(&mut current),
                    apostrophe: true,
                });
            }
        } else if c.is_alphabetic() || unicode_normalization::char::is_combining_mark(c) {
            current.push(c);
        } else if !current.is_empty() {
            words.push(RawWord {
                text: std::mem::take(&mut current),
                apostrophe: false,
            });
        }
    }
    if !current.is_empty() {
        words.push(RawWord {
            text: current,
            apostrophe: false,
        });
    }
    words
}

/// The words one raw word gives: usually one; an Arabic word with the article gives two.
/// Cyrillic letters are read in the orthography of the whole name.
pub(crate) fn word_forms(raw: &str, orthography: Cyrillic) -> Vec<Word> {
    transliterate(raw, orthography)
        .into_iter()
        .filter_map(|(script, latin)| Word::from_latin(script, latin))
        .collect()
}

/// Script and Latin form of a raw word (and of its article, for Arabic).
fn transliterate(raw: &str, orthography: Cyrillic) -> Vec<(Script, String)> {
    let clusters = clusters(raw.nfkd().flat_map(char::to_lowercase));
    let Some(script) = majority(clusters.iter().filter_map(|c| Script::of(c.base))) else {
        return Vec::new();
    };
    if !script.is_transliterated() {
        let written: String = clusters
            .iter()
            .flat_map(|c| std::iter::once(c.base).chain(c.marks().iter().copied()))
            .nfc()
            .collect();
        return vec![(script, written)];
    }
    if script == Script::Arabic && clusters.iter().map(|c| c.base).eq("الله".chars()) {
        return vec![(Script::Arabic, "allah".to_owned())];
    }
    if script == Script::Arabic
        && let Some(rest) = without_article(&clusters)
    {
        let mut name = String::new();
        arabic(rest, &mut name);
        return vec![(Script::Arabic, "al".to_owned()), (Script::Arabic, name)];
    }
    let mut latin = String::with_capacity(raw.len() + 4);
    let mut start = 0;
    while start < clusters.len() {
        let run_script = Script::of(clusters[start].base);
        let end = clusters[start..]
            .iter()
            .position(|c| Script::of(c.base) != run_script)
            .map_or(clusters.len(), |n| start + n);
        let run = &clusters[start..end];
        match run_script {
            Some(Script::Latin) => latin_run(run, &mut latin),
            Some(Script::Cyrillic) => translit::cyrillic(run, orthography, &mut latin),
            Some(Script::Greek) => translit::greek(run, &mut latin),
            Some(Script::Arabic) => arabic(run, &mut latin),
            Some(Script::Hebrew) => translit::hebrew(run, &mut latin),
            // Letters of other scripts inside a word of these are left out.
            _ => {}
        }
        start = end;
    }
    vec![(script, latin)]
}

fn latin_run(run: &[Cluster], out: &mut String) {
    let decomposed = run
        .iter()
        .flat_map(|c| std::iter::once(c.base).chain(c.marks().iter().copied()));
    out.extend(decomposed.nfc());
}

/// The Arabic article ال on a word of four letters or more (not إل, أل: Elwin, Aleks).
fn without_article(clusters: &[Cluster]) -> Option<&[Cluster]> {
    let bare_alif = clusters
        .first()
        .is_some_and(|c| c.base == 'ا' && c.marks().is_empty());
    if clusters.len() < 4 || !bare_alif || clusters[1].base != 'ل' {
        return None;
    }
    Some(&clusters[2..])
}

fn majority(scripts: impl Iterator<Item = Script>) -> Option<Script> {
    let mut counts: Vec<(Script, usize)> = Vec::new();
    for script in scripts {
        match counts.iter_mut().find(|(s, _)| *s == script) {
            Some((_, n)) => *n += 1,
            None => counts.push((script, 1)),
        }
    }
    // First seen wins a tie.
    let mut best: Option<(Script, usize)> = None;
    for (script, n) in counts {
        if best.is_none_or(|(_, m)| n > m) {
            best = Some((script, n));
        }
    }
    best.map(|(script, _)| script)
}

const DROPPED: &[&str] = &[
    "al", "el", "ul", "bin", "ibn", "bint", "ould", "bn", "abn", "bnt",
];
const JOINED_ARABIC: &[&str] = &[
    "abu", "abou", "abd", "abdul", "abdel", "abdal", "abdu", "abdur", "abdus", "abdar", "abdil",
    "bou",
];
const JOINED_EUROPEAN: &[&str] = &[
    "van", "von", "de", "da", "del", "della", "di", "du", "le", "la", "der", "den", "dos", "das",
    "do", "ter", "ten", "mac", "mc",
];

/// Drops and joins particles; a name made only of particles keeps them as words. Also says
/// whether an Arabic particle was met.
fn particles(words: Vec<(Word, bool)>) -> (Vec<Word>, bool) {
    let dropped =
        |i: usize, w: &Word| DROPPED.contains(&w.latin.as_str()) || (i > 0 && w.latin == "ben");
    let arabic_particle = words
        .iter()
        .enumerate()
        .any(|(i, (w, _))| dropped(i, w) || JOINED_ARABIC.contains(&w.latin.as_str()));
    if words.iter().enumerate().all(|(i, (w, _))| dropped(i, w)) {
        return (words.into_iter().map(|(w, _)| w).collect(), arabic_particle);
    }
    let count = words.len();
    let mut out: Vec<Word> = Vec::with_capacity(count);
    // Latin of the particles waiting for their name, and whether the name keeps a bare key.
    let mut pending: Option<(String, bool)> = None;
    for (i, (word, apostrophe)) in words.into_iter().enumerate() {
        if dropped(i, &word) {
            continue;
        }
        let last = i + 1 == count;
        let short_before_apostrophe = apostrophe && word.latin.chars().count() <= 2;
        let arabic = JOINED_ARABIC.contains(&word.latin.as_str());
        let european = JOINED_EUROPEAN.contains(&word.latin.as_str()) || short_before_apostrophe;
        if !last && (arabic || european) {
            let (mut latin, bare) = pending.take().unwrap_or_default();
            latin.push_str(&word.latin);
            pending = Some((latin, bare || european));
            continue;
        }
        match pending.take() {
            Some((mut latin, bare)) => {
                latin.push_str(&word.latin);
                if let Some(mut joined) = Word::from_latin(word.script, latin) {
                    if bare {
                        joined.bare = Some(word.key.clone());
                    }
                    out.push(joined);
                }
            }
            None => out.push(word),
        }
    }
    (out, arabic_particle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn latin(name: &str) -> String {
        normalise(name).latin
    }

    fn tokens(name: &str) -> Vec<String> {
        normalise(name).tokens
    }

    #[test]
    fn serbian_and_macedonian_cyrillic() {
        for (cyrillic, expected) in [
            ("Ђорђевић Милан", "đorđević milan"),
            ("Хоџа", "hodža"),
            ("Џафери", "džaferi"),
            ("Љубица Њежић", "ljubica nježić"),
            ("Јовановић", "jovanović"),
            ("Цветковић Чедомир", "cvetković čedomir"),
            ("Ѓорѓиевски", "ǵorǵievski"),
            ("Ќирил Ѕвездан", "ḱiril dzvezdan"),
        ] {
            assert_eq!(latin(cyrillic), expected, "{cyrillic}");
        }
    }

    #[test]
    fn russian_ukrainian_bulgarian_cyrillic() {
        for (cyrillic, expected) in [
            ("Владимир Путин", "vladimir putin"),
            ("Александр Петров", "aleksandr petrov"),
            ("Дмитрий Медведев", "dmitriy medvedev"),
            ("Хрущёв", "khrushchev"),
            ("Юлия Щербакова", "yuliya shcherbakova"),
            ("Объедков", "obedkov"),
            ("Ігор Коломойський", "ihor kolomoyskyy"),
            ("Олексій Гончаренко", "oleksiy honcharenko"),
            ("Їжаков Євген Ґудзь", "yizhakov yevhen gudz"),
            ("Мар'яна", "maryana"),
            ("Христо Стоичков", "khristo stoichkov"),
            ("Бойко Борисов Щерев", "boyko borisov shcherev"),
            ("Ъгълът Дъбов Щерев", "agalat dabov shterev"),
        ] {
            assert_eq!(latin(cyrillic), expected, "{cyrillic}");
        }
    }

    #[test]
    fn greek_elot_743() {
        for (greek, expected) in [
            ("Νικόλαος", "nikolaos"),
            ("Αλέξανδρος", "alexandros"),
            ("Γεώργιος Παπαδόπουλος", "georgios papadopoulos"),
            ("Μπακογιάννη", "bakogianni"),
            ("Ντόρα", "dora"),
            ("Σταμπουλής", "stamboulis"),
            ("Ευάγγελος", "evangelos"),
            ("Ευθύμιος", "efthymios"),
            ("Χρήστος Ψαρράς", "christos psarras"),
            ("Γκίκας Αντώνης", "gkikas antonis"),
            ("Παναγιώτης Γκάγκας", "panagiotis gkagkas"),
            ("Ταΰγετος", "taygetos"),
        ] {
            assert_eq!(latin(greek), expected, "{greek}");
        }
    }

    #[test]
    fn arabic_consonants_long_vowels_and_article() {
        for (arabic, expected) in [
            ("محمد علي", "mhmd ali"),
            ("يوسف", "yusf"),
            ("أحمد حسن", "ahmd hsn"),
            ("إبراهيم", "ibrahim"),
            ("فاطمة", "fatma"),
            ("موسى", "musa"),
            ("عبد الله", "abdallah"),
            ("عبد الرحمن", "abdrhmn"),
            ("الحسن", "hsn"),
            ("عائشة", "aisha"),
            ("سعد", "sd"),
            ("مُحَمَّد", "muhammad"),
            ("خالد محمود", "khald mhmud"),
            ("ﻣﺤﻤﺪ", "mhmd"),
        ] {
            assert_eq!(latin(arabic), expected, "{arabic}");
        }
    }

    #[test]
    fn hebrew_consonants() {
        for (hebrew, expected) in [("משה", "msha"), ("דוד", "dvd"), ("יוסף", "yvsf")] {
            assert_eq!(latin(hebrew), expected, "{hebrew}");
        }
    }

    #[test]
    fn other_scripts_are_kept_as_written() {
        for (name, script) in [
            ("金正恩", Script::Han),
            ("김정은", Script::Hangul),
            ("สมชาย", Script::Thai),
        ] {
            let parsed = parse(name);
            assert_eq!(parsed.script, Some(script), "{name}");
            assert_eq!(parsed.untransliterated, vec![script], "{name}");
            assert_eq!(
                parsed.words[0].latin,
                name.nfc().collect::<String>(),
                "{name}"
            );
        }
    }

    #[test]
    fn mrz_and_comma_forms_read_given_names_first() {
        assert_eq!(tokens("PETROVIC<<MARKO"), ["marko", "petrovic"]);
        assert_eq!(tokens("DORDEVIC<<MILAN<<<<<<<<<"), ["milan", "dordevic"]);
        assert_eq!(tokens("VON<DER<LEYEN<<URSULA"), ["ursula", "vonderlejen"]);
        assert_eq!(tokens("MUELLER<<HANS<PETER"), ["hans", "peter", "mueler"]);
        assert_eq!(parse("PETROVIC<<MARKO").order, Order::Mrz);
        assert_eq!(tokens("Petrović, Marko"), ["marko", "petrovic"]);
        assert_eq!(parse("Petrović, Marko").order, Order::SurnameComma);
        assert_eq!(parse("Marko Petrović").order, Order::Written);
    }

    #[test]
    fn separators_punctuation_and_digits() {
        assert_eq!(
            tokens("  Jean-Pierre   O'Brien "),
            ["jean", "pjere", "obrjen"]
        );
        assert_eq!(tokens("M. Petrović"), ["m", "petrovic"]);
        assert_eq!(tokens("Marko2 (Petrović)."), ["marko", "petrovic"]);
        assert!(parse("M. Petrović").words[0].initial);
        assert!(tokens("-- 123 <<").is_empty());
        assert!(tokens("").is_empty());
    }

    #[test]
    fn particles_are_dropped_or_joined() {
        assert_eq!(tokens("Abu Bakr al-Baghdadi"), ["abubakr", "bagdadi"]);
        assert_eq!(tokens("Usama bin Laden"), ["usama", "laden"]);
        assert_eq!(tokens("Abd al-Rahman"), tokens("Abdul Rahman"));
        assert_eq!(tokens("Abd al-Rahman"), tokens("Abdurrahman"));
        assert_eq!(tokens("Abd Allah"), tokens("Abdullah"));
        assert_eq!(tokens("عبد الله"), tokens("Abdullah"));
        assert_eq!(tokens("Ludwig van Beethoven"), ["ludvig", "vanbitoven"]);
        assert_eq!(tokens("Di Maria"), tokens("DiMaria"));
        assert_eq!(
            parse("Ludwig van Beethoven").words[1].bare.as_deref(),
            Some("bitoven")
        );
        assert_eq!(tokens("Ben Ali"), ["ben", "ali"]);
        assert_eq!(
            tokens("Zine el Abidine Ben Ali"),
            ["zine", "abidine", "ali"]
        );
        assert_eq!(tokens("Al"), ["al"]);
    }
}
