//! How alike two words are: equal Latin forms, equal keys, a truncated word, or a weighted edit
//! distance between the keys.
//!
//! The edit distance prices the differences transliteration produces low (an e inserted after
//! u, o or a, where ICAO writes ü as ue; an h or a glide j; c for k inside a word) and any other
//! letter high: in Latin, Cyrillic and Greek names a different letter is evidence of a different
//! name (Marko and Darko, Petrović and Petković, Ivan and Ivana), the more so in the first
//! letter and at the end of a word, where gendered forms differ. Against Arabic or Hebrew, which
//! leave short vowels out and merge consonants, vowels and related consonants cost little.

use std::sync::LazyLock;

use crate::How;
use crate::fold::is_vowel;
use crate::name::Word;

/// The score of two words whose keys are equal but whose Latin forms differ.
pub(crate) const FOLDED: f32 = 0.97;
/// A word and its form with particles (Berg, van den Berg).
const BARE: f32 = 0.9;
const TRUNCATED: f32 = 0.92;
/// A letter and a word it begins: evidence, not a match.
pub(crate) const INITIAL: f32 = 0.6;
/// Edit evidence never scores like equal keys.
const EDIT_CAP: f32 = 0.95;
/// The shortest prefix taken for a word cut at the end of a machine readable zone.
pub(crate) const TRUNCATION_MIN: usize = 8;
/// Longer keys are compared on their first letters.
const MAX_LEN: usize = 40;

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct WordMatch {
    pub score: f32,
    pub how: How,
}

impl WordMatch {
    const NONE: WordMatch = WordMatch {
        score: 0.0,
        how: How::Edit,
    };
}

/// What comparing needs of a word.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Spelling<'a> {
    pub key: &'a str,
    /// `None` for a group of words alike but for their Latin forms (the index compares such
    /// groups): equal keys then read as folded, and only keys can be truncated.
    pub latin: Option<&'a str>,
    pub phonetic: &'a str,
    pub bare: Option<&'a str>,
    pub abjad: bool,
    pub transliterated: bool,
    pub arabic_name: bool,
    pub initial: bool,
}

impl Word {
    pub fn spelling(&self) -> Spelling<'_> {
        Spelling {
            key: &self.key,
            latin: Some(&self.latin),
            phonetic: &self.phonetic,
            bare: self.bare.as_deref(),
            abjad: self.script.is_abjad(),
            transliterated: self.script.is_transliterated(),
            arabic_name: self.arabic_name,
            initial: self.initial,
        }
    }
}

pub(crate) fn compare_words(q: &Word, c: &Word) -> WordMatch {
    compare_above(q.spelling(), c.spelling(), 0.0).unwrap_or(WordMatch::NONE)
}

/// [`compare_words`] when it scores `floor` or more; `None` otherwise (found out early).
pub(crate) fn compare_above(q: Spelling<'_>, c: Spelling<'_>, floor: f32) -> Option<WordMatch> {
    let found = compare(q, c, floor)?;
    (found.score >= floor).then_some(found)
}

fn compare(q: Spelling<'_>, c: Spelling<'_>, floor: f32) -> Option<WordMatch> {
    if q.initial || c.initial {
        let same_letter = q.key.bytes().next() == c.key.bytes().next();
        return Some(if same_letter {
            WordMatch {
                score: INITIAL,
                how: How::Initial,
            }
        } else {
            WordMatch::NONE
        });
    }
    if q.latin.is_some() && q.latin == c.latin {
        return Some(WordMatch {
            score: 1.0,
            how: How::Exact,
        });
    }
    if !q.transliterated || !c.transliterated {
        return Some(WordMatch::NONE);
    }
    if q.key == c.key {
        return Some(WordMatch {
            score: FOLDED,
            how: How::Folded,
        });
    }
    let bare_q = q.bare.unwrap_or(q.key);
    let bare_c = c.bare.unwrap_or(c.key);
    if (q.bare.is_some() || c.bare.is_some()) && bare_q == bare_c {
        return Some(WordMatch {
            score: BARE,
            how: How::Folded,
        });
    }
    let latin_truncated = match (q.latin, c.latin) {
        (Some(a), Some(b)) => truncated(a, b),
        _ => false,
    };
    if truncated(q.key, c.key) || latin_truncated {
        return Some(WordMatch {
            score: TRUNCATED,
            how: How::Truncated,
        });
    }
    let sides = Sides {
        a: q.abjad,
        b: c.abjad,
        arabic_names: q.arabic_name && c.arabic_name,
    };
    let lenient = sides.lenient();
    let mut cap = EDIT_CAP;
    if lenient {
        // An abjad word of few consonants fits too many spellings to be told apart by them.
        let abjad_word = if sides.a { q.key } else { c.key };
        let consonants = abjad_word.bytes().filter(|&b| !is_vowel(b)).count();
        cap = cap.min(0.6 + 0.1 * consonants as f32);
    }
    if cap < floor {
        return None;
    }
    let score = edit_score(q.key.as_bytes(), c.key.as_bytes(), sides, floor)?.min(cap);
    let how = if lenient && score >= 0.75 && !q.phonetic.is_empty() && q.phonetic == c.phonetic {
        How::Phonetic
    } else {
        How::Edit
    };
    Some(WordMatch { score, how })
}

/// One is a prefix of the other, long enough to be a name cut at the width of a zone.
fn truncated(a: &str, b: &str) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    short.len() >= TRUNCATION_MIN && short.len() < long.len() && long.starts_with(short)
}

/// Which of the two words compared come from a script without short vowels, and whether both
/// belong to Arabic names (whose Latin spellings vary in their vowels).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Sides {
    pub a: bool,
    pub b: bool,
    pub arabic_names: bool,
}

impl Sides {
    fn lenient(self) -> bool {
        self.a || self.b
    }
}

/// The edit distance of two keys turned into a score: one full letter of difference leaves
/// about half.
/// `None` when it would be below `floor`.
pub(crate) fn edit_score(a: &[u8], b: &[u8], sides: Sides, floor: f32) -> Option<f32> {
    let len = a.len().max(b.len());
    let unit = match len {
        0..=3 => 0.55,
        4..=5 => 0.48,
        _ => 0.42,
    };
    let budget = if floor > 0.0 {
        (1.0 - floor) / unit
    } else {
        f32::INFINITY
    };
    let cost = edit_cost(a, b, sides, budget)?;
    Some((1.0 - cost * unit).clamp(0.0, EDIT_CAP))
}

/// Weighted Levenshtein distance; operations on the first letter cost more (half as much again
/// between Latin-script words, a fifth against an abjad). `None` as soon as every alignment
/// costs more than `budget`.
pub(crate) fn edit_cost(a: &[u8], b: &[u8], sides: Sides, budget: f32) -> Option<f32> {
    let a = &a[..a.len().min(MAX_LEN)];
    let b = &b[..b.len().min(MAX_LEN)];
    let lenient = sides.lenient();
    let first_letter = if lenient { 1.2 } else { 1.5 };
    let arabic = sides.arabic_names && !lenient;
    let costs = &SUBSTITUTIONS[usize::from(lenient) * 2 + usize::from(arabic)];
    let mut letters_a = [0u8; MAX_LEN];
    for (slot, &x) in letters_a.iter_mut().zip(a) {
        *slot = letter(x);
    }
    let mut letters_b = [0u8; MAX_LEN];
    for (slot, &y) in letters_b.iter_mut().zip(b) {
        *slot = letter(y);
    }
    let mut unmatched_a = [0f32; MAX_LEN];
    for (i, cost) in unmatched_a.iter_mut().enumerate().take(a.len()) {
        *cost = indel(a, i, sides.a, sides.b, arabic, first_letter);
    }
    let mut unmatched_b = [0f32; MAX_LEN];
    for (j, cost) in unmatched_b.iter_mut().enumerate().take(b.len()) {
        *cost = indel(b, j, sides.b, sides.a, arabic, first_letter);
    }
    let mut previous = [0f32; MAX_LEN + 1];
    let mut current = [0f32; MAX_LEN + 1];
    for j in 1..=b.len() {
        previous[j] = previous[j - 1] + unmatched_b[j - 1];
    }
    for i in 1..=a.len() {
        current[0] = previous[0] + unmatched_a[i - 1];
        let mut row_min = current[0];
        for j in 1..=b.len() {
            let first = if i == 1 && j == 1 { first_letter } else { 1.0 };
            let cost = costs[usize::from(letters_a[i - 1])][usize::from(letters_b[j - 1])];
            let substitute = previous[j - 1] + cost * first;
            let delete = previous[j] + unmatched_a[i - 1];
            let insert = current[j - 1] + unmatched_b[j - 1];
            current[j] = substitute.min(delete).min(insert);
            row_min = row_min.min(current[j]);
        }
        if row_min > budget {
            return None;
        }
        std::mem::swap(&mut previous, &mut current);
    }
    let cost = previous[b.len()];
    (cost <= budget).then_some(cost)
}

/// The letters of keys, numbered: a to z, then J, L, N, then anything else.
const LETTERS: usize = 30;

fn letter(b: u8) -> u8 {
    match b {
        b'a'..=b'z' => b - b'a',
        b'J' => 26,
        b'L' => 27,
        b'N' => 28,
        _ => 29,
    }
}

fn from_letter(i: usize) -> u8 {
    match i {
        0..=25 => b'a' + i as u8,
        26 => b'J',
        27 => b'L',
        28 => b'N',
        _ => b'?',
    }
}

/// [`substitution`] tabled: Latin-script words, Arabic names, against an abjad.
static SUBSTITUTIONS: LazyLock<[[[f32; LETTERS]; LETTERS]; 4]> = LazyLock::new(|| {
    let mut tables = [[[0f32; LETTERS]; LETTERS]; 4];
    for (context, table) in tables.iter_mut().enumerate() {
        let (lenient, arabic) = (context >= 2, context % 2 == 1);
        for (i, row) in table.iter_mut().enumerate() {
            for (j, cost) in row.iter_mut().enumerate() {
                let (x, y) = (from_letter(i), from_letter(j));
                *cost = if x == b'?' || y == b'?' {
                    if i == j { 0.0 } else { 1.0 }
                } else {
                    substitution(x, y, lenient, arabic)
                };
            }
        }
    }
    tables
});

fn substitution(x: u8, y: u8, lenient: bool, arabic_names: bool) -> f32 {
    if x == y {
        return 0.0;
    }
    if is_vowel(x) && is_vowel(y) {
        // Vowels that transliterations confuse: e with a and i, o with u.
        let close = matches!(
            (x.min(y), x.max(y)),
            (b'a', b'e') | (b'e', b'i') | (b'o', b'u')
        );
        return match (lenient, close) {
            (true, true) => 0.15,
            (true, false) => 0.6,
            (false, true) if arabic_names => 0.3,
            (false, true) => 0.7,
            (false, false) => 1.0,
        };
    }
    let pair = (x.min(y), x.max(y));
    // (between Latin-script words, against an abjad): an abjad has no p, v or g and spells them
    // b, f and k or gh; it tells s from z and d from t.
    let related = match pair {
        // c is k in Romance spellings (Nicola, Marco), ts or č in Slavic ones.
        (b'c', b'k') => Some((0.45, 0.3)),
        // Russian writes a foreign l before u or a as ль (Lucian, Люциан), Spanish z as s.
        (b'L', b'l') => Some((0.45, 0.25)),
        (b'N', b'n') => Some((0.6, 0.25)),
        (b's', b'z') => Some((0.45, 0.3)),
        (b'b', b'p') | (b'f', b'v') => Some((0.6, 0.25)),
        (b'g', b'k') | (b'c', b's') => Some((0.6, 0.35)),
        (b'd', b't') => Some((0.6, 0.5)),
        (b'i', b'j') => Some((0.6, 0.15)),
        (b'J', b'j') => Some((0.6, 0.25)),
        (b'J', b'g') => Some((1.0, 0.25)),
        _ => None,
    };
    if let Some((strict, abjad)) = related {
        return if lenient { abjad } else { strict };
    }
    if lenient {
        // Letters Arabic and Hebrew writing merge: waw and o/u, ج and g, ث and s, ذ ظ and z.
        match pair {
            (b'o' | b'u', b'v') => return 0.2,
            (b'd', b'z') | (b's', b't') => return 0.3,
            // ي for e as well as i and y.
            (b'e', b'j') => return 0.2,
            (b'g', b'h') | (b'h', b'k') => return 0.4,
            _ => return 0.9,
        }
    }
    1.0
}

/// A letter of `s` left without a partner. Against an abjad a vowel costs little when the
/// abjad side leaves it out (a short vowel), more when the abjad side wrote it (a long vowel
/// the other spelling lacks).
fn indel(
    s: &[u8],
    i: usize,
    abjad: bool,
    other_abjad: bool,
    arabic_names: bool,
    first_letter: f32,
) -> f32 {
    let b = s[i];
    let lenient = abjad || other_abjad;
    let last = i + 1 == s.len();
    let cost = if is_vowel(b) {
        match (abjad, other_abjad) {
            // An abjad writes a word's first vowel (alif, ʿayn) and its last (ا ى ة و ي); a
            // silent final e is the usual exception (Claire, كلير).
            (false, true) if i == 0 => 0.8,
            (false, true) if last && b == b'e' => 0.35,
            (false, true) if last => 0.6,
            (false, true) => 0.15,
            (true, false) => 0.5,
            (true, true) => 0.3,
            (false, false) if last => 1.0,
            (false, false) if arabic_names => 0.35,
            (false, false) if b == b'e' && i > 0 && matches!(s[i - 1], b'a' | b'o' | b'u') => 0.3,
            (false, false) => 0.6,
        }
    } else {
        match (b, lenient) {
            (b'h', false) if arabic_names => 0.3,
            (b'h', false) | (b'j', false) => 0.45,
            (b'h', true) if last => 0.15,
            (b'h', true) if !abjad => 0.25,
            (b'h', true) => 0.35,
            (b'j', true) => 0.5,
            (b'v', true) => 0.3,
            (_, true) => 0.8,
            (_, false) => 1.0,
        }
    };
    if i == 0 { cost * first_letter } else { cost }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::name::parse;

    fn word(text: &str) -> Word {
        parse(text).words.remove(0)
    }

    fn score(a: &str, b: &str) -> WordMatch {
        compare_words(&word(a), &word(b))
    }

    #[test]
    fn equal_forms_and_keys() {
        assert_eq!(score("Đorđević", "ĐORĐEVIĆ").how, How::Exact);
        assert_eq!(score("Ђорђевић", "Đorđević").how, How::Exact);
        for (a, b) in [
            ("Đorđević", "DORDEVIC"),
            ("Djordjevic", "Gjorgjevikj"),
            ("Хоџа", "Hoxha"),
            ("Hodža", "Hoxha"),
            ("Џафери", "Xhaferi"),
            ("Yusuf", "Youssef"),
            ("يوسف", "Youssef"),
            ("Mohamed", "Muhammad"),
        ] {
            let m = score(a, b);
            assert_eq!((m.how, m.score), (How::Folded, FOLDED), "{a} / {b}");
        }
    }

    #[test]
    fn one_letter_is_a_different_name() {
        for (a, b) in [
            ("Marko", "Darko"),
            ("Marko", "Mirko"),
            ("Petrović", "Petković"),
            ("Ivana", "Ivan"),
            ("Petrova", "Petrov"),
            ("Lana", "Lena"),
            ("Ana", "Anja"),
            ("Milan", "Milena"),
        ] {
            let m = score(a, b);
            assert!(m.score < 0.76, "{a} / {b}: {m:?}");
        }
        assert!(score("Marko", "Darko").score < score("Petrović", "Petković").score);
    }

    #[test]
    fn transliteration_differences_are_cheap() {
        for (a, b, floor) in [
            ("Müller", "Muller", 0.85),
            ("Aleksandr", "Alexander", 0.74),
            ("Nicola", "Nikola", 0.8),
            ("Marco", "Marko", 0.76),
            ("خالد", "Khaalid", 0.85),
            ("موغيريني", "Mogherini", 0.85),
            ("שרה", "Sara", 0.8),
        ] {
            let m = score(a, b);
            assert!(m.score >= floor, "{a} / {b}: {m:?}");
        }
    }

    #[test]
    fn truncated_and_initials() {
        let m = score("ABDULRAHMAN", "ABDULRAH");
        assert_eq!(m.how, How::Truncated);
        assert_eq!(score("Petro", "Petrovic").how, How::Edit);
        assert_eq!(score("M", "Marko").how, How::Initial);
        assert_eq!(score("M", "Darko").score, 0.0);
    }
}
