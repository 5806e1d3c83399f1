//! Folding a Latin word to its key: the skeleton on which transliteration variants of one name
//! meet (`Đorđević`, `DORDEVIC`, `Djordjevich`, `Gjorgjevikj` → `dordevic`; `Hoxha`, `Hodža`,
//! `Hodzha` → `hodza`), and the phonetic key (its consonant skeleton) that explanations compare.
//!
//! The key keeps what tells two names apart (vowel quality, length, the letters themselves) and
//! drops what only tells two spellings apart. It collapses each family to the letter an ICAO
//! machine readable zone prints, so that a passport spelling meets the list's diacritics:
//! đ dj gj → d; dž dzh xh → dz; ž zh → z; č ć ch tch q(before e, i) kj → c, and tj at the end
//! of a word or before a consonant (Petrovitj, not Katja); š sh sch → s;
//! ts tz → c (Serbian c); kh → h, gh → g, ph → f, th → t, dh → d, ck → k, w → v, x → ks; lj and
//! nj (ñ, gn between vowels, and the l or n before a glide: Lyudmila, Anya) stay letters of their
//! own, so that Anja and Ana do not meet; so does the Arabic jim (ǧ), apart from the glide j.
//! ü ö ä å ß are ue oe ae aa ss, as ICAO writes them. Vowel pairs that transliterations produce
//! for one vowel (ou, oo → u; ee → i) and doubled letters are single; y and i before or after a
//! vowel are the glide j (Sergey, Sergei → sergej; Yusuf → jusuf; Marija, Mariya, Maria →
//! marja), a word-initial je before a consonant is e (Jelena, Yelena → elena), a final ij is i
//! (Dmitriy, Dmitrii → dmitri) and a final h after a vowel goes (Fatimah → fatima). Names built
//! on abd ("servant of") lose the article and its vowels (Abd al-Rahman, Abdulrahman,
//! Abdurrahman → abdrahman). Last, a word that is a known spelling of a common Arabic given name
//! takes that name's key ([`crate::variants`]).

use unicode_normalization::UnicodeNormalization;

use crate::translit::{ACUTE, Cluster, DIAERESIS};

const TILDE: char = '\u{303}';
const RING: char = '\u{30A}';
const DOUBLE_ACUTE: char = '\u{30B}';
const CARON: char = '\u{30C}';
const DOT_ABOVE: char = '\u{307}';
const CEDILLA: char = '\u{327}';
const COMMA_BELOW: char = '\u{326}';

/// Groups decomposed characters into base letters with their marks.
pub(crate) fn clusters(chars: impl Iterator<Item = char>) -> Vec<Cluster> {
    let mut out: Vec<Cluster> = Vec::new();
    for c in chars {
        if unicode_normalization::char::is_combining_mark(c) {
            if let Some(last) = out.last_mut() {
                last.push_mark(c);
            }
        } else {
            out.push(Cluster::new(c));
        }
    }
    out
}

/// The key of a Latin word, without the given-name table.
pub(crate) fn fold_plain(latin: &str) -> String {
    let ascii = ascii(latin);
    let folded = digraphs(&ascii);
    let folded = vowel_pairs(&folded);
    let folded = glides(&folded);
    let folded = palatals(&folded);
    let mut folded = single_letters(&folded);
    endings(&mut folded);
    let folded = abd(folded);
    String::from_utf8(folded).unwrap_or_default()
}

/// The key of a Latin word.
pub(crate) fn fold(latin: &str) -> String {
    let plain = fold_plain(latin);
    match crate::variants::canonical(&plain) {
        Some(canonical) => canonical.to_owned(),
        None => plain,
    }
}

/// The consonant skeleton of a key: vowels, glides and h go, v goes inside a word, and
/// consonants that transliteration confuses share a letter (b p; f v; c k g q; d t; s z; l lj;
/// n nj).
pub(crate) fn phonetic(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    for (i, b) in key.bytes().enumerate() {
        let mapped = match b {
            b'a' | b'e' | b'i' | b'o' | b'u' | b'j' | b'J' | b'h' | b'y' => continue,
            b'v' if i > 0 => continue,
            b'b' | b'p' => 'b',
            b'f' | b'v' => 'f',
            b'k' | b'g' | b'q' | b'c' => 'k',
            b'd' | b't' => 't',
            b's' | b'z' => 's',
            b'l' | b'L' => 'l',
            b'n' | b'N' => 'n',
            other if other.is_ascii_alphabetic() => char::from(other.to_ascii_lowercase()),
            _ => continue,
        };
        out.push(mapped);
    }
    out
}

/// Written by transliteration between two letters that would otherwise read as a digraph
/// (Arabic ت ح is t and h, not th).
pub(crate) const SEPARATOR: u8 = b'\'';

pub(crate) fn is_vowel(b: u8) -> bool {
    matches!(b, b'a' | b'e' | b'i' | b'o' | b'u')
}

/// Lower-case ASCII, with the letters whose marks matter spelled as their digraph.
fn ascii(latin: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(latin.len() + 4);
    for cluster in clusters(latin.nfd()) {
        let c = &cluster;
        let spelled: &str = match c.base {
            'z' if c.has(CARON) || c.has(DOT_ABOVE) || c.has(ACUTE) => "zh",
            'c' if c.has(CARON) || c.has(ACUTE) || c.has(CEDILLA) => "ch",
            's' if c.has(CARON) || c.has(CEDILLA) || c.has(COMMA_BELOW) || c.has(ACUTE) => "sh",
            't' if c.has(COMMA_BELOW) || c.has(CEDILLA) => "ts",
            'g' if c.has(ACUTE) => "gj",
            // Arabic jim, kept apart from the glide.
            'g' if c.has(CARON) => "J",
            'k' if c.has(ACUTE) => "kj",
            'n' if c.has(TILDE) => "nj",
            'l' if c.has(CARON) => "lj",
            'u' if c.has(DIAERESIS) || c.has(DOUBLE_ACUTE) => "ue",
            'o' if c.has(DIAERESIS) || c.has(DOUBLE_ACUTE) => "oe",
            'a' if c.has(DIAERESIS) => "ae",
            'a' if c.has(RING) => "aa",
            'đ' => "dj",
            'ð' => "d",
            'ß' => "ss",
            'æ' => "ae",
            'ø' | 'œ' => "oe",
            'þ' => "th",
            'ł' => "l",
            'ı' => "i",
            'ŋ' => "ng",
            'ħ' => "h",
            'ŧ' => "t",
            'ə' => "a",
            'ſ' => "s",
            'ƒ' => "f",
            'ĸ' => "k",
            '\'' => {
                out.push(SEPARATOR);
                continue;
            }
            base if base.is_ascii_lowercase() => {
                out.push(base as u8);
                continue;
            }
            // Other marks (acute, grave, breve, circumflex…) only stress or lengthen.
            _ => continue,
        };
        out.extend_from_slice(spelled.as_bytes());
    }
    out
}

/// Consonant families, longest spelling first at each position.
const DIGRAPHS: &[(&[u8], &[u8])] = &[
    (b"tsch", b"c"),
    (b"dzh", b"dz"),
    (b"dzs", b"dz"),
    (b"sch", b"s"),
    (b"tch", b"c"),
    (b"xh", b"dz"),
    (b"dj", b"d"),
    (b"gj", b"d"),
    (b"zh", b"z"),
    (b"sh", b"s"),
    (b"ch", b"c"),
    (b"kh", b"h"),
    (b"gh", b"g"),
    (b"ph", b"f"),
    (b"th", b"t"),
    (b"dh", b"d"),
    (b"ck", b"k"),
    (b"kj", b"c"),
    (b"ts", b"c"),
    (b"tz", b"c"),
    (b"cz", b"c"),
    (b"lj", b"L"),
    (b"nj", b"N"),
    (b"x", b"ks"),
    (b"w", b"v"),
];

fn digraphs(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len() + 2);
    let mut i = 0;
    'outer: while i < s.len() {
        let rest = &s[i..];
        // Albanian q is ć before e and i; elsewhere (Arabic ق, qu) it is k.
        if rest[0] == b'q' {
            let palatal = matches!(rest.get(1), Some(b'e' | b'i'));
            out.push(if palatal { b'c' } else { b'k' });
            i += 1;
            continue;
        }
        // Italian gn between vowels is nj (Agnese); elsewhere g and n (Ignatius, Gnjilane).
        if rest.starts_with(b"gn")
            && out.last().is_some_and(|&p| is_vowel(p))
            && rest.get(2).is_some_and(|&n| is_vowel(n))
        {
            out.push(b'N');
            i += 2;
            continue;
        }
        // -itj for -ić, not the t and glide of Katja and Kostja.
        if rest.starts_with(b"tj") && !rest.get(2).is_some_and(|&n| is_vowel(n)) {
            out.push(b'c');
            i += 2;
            continue;
        }
        for (pattern, replacement) in DIGRAPHS {
            if rest.starts_with(pattern) {
                out.extend_from_slice(replacement);
                i += pattern.len();
                continue 'outer;
            }
        }
        out.push(rest[0]);
        i += 1;
    }
    out
}

/// lj and nj made by a glide (Lyudmila, Anya) are the letters lj and nj too.
fn palatals(s: &[u8]) -> Vec<u8> {
    let mut out: Vec<u8> = Vec::with_capacity(s.len());
    for &b in s {
        if b == b'j'
            && let Some(last) = out.last_mut()
            && matches!(*last, b'l' | b'n')
        {
            *last = if *last == b'l' { b'L' } else { b'N' };
            continue;
        }
        out.push(b);
    }
    out
}

fn vowel_pairs(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        match (s[i], s.get(i + 1)) {
            (b'o', Some(b'u')) | (b'o', Some(b'o')) => {
                out.push(b'u');
                i += 2;
            }
            (b'e', Some(b'e')) => {
                out.push(b'i');
                i += 2;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

/// A run of i, y (and j after them) before a vowel is the glide j (Yusuf → jusuf, Marija, Mariya,
/// Maria → marja); an i or y after a vowel is j too (Sergei, Sergey → sergej); any other y is i.
fn glides(s: &[u8]) -> Vec<u8> {
    let mut out: Vec<u8> = Vec::with_capacity(s.len());
    let mut i = 0;
    while let Some(&b) = s.get(i) {
        if b != b'i' && b != b'y' {
            out.push(b);
            i += 1;
            continue;
        }
        let run = s[i..]
            .iter()
            .take_while(|&&c| matches!(c, b'i' | b'y' | b'j'))
            .count();
        if s.get(i + run).is_some_and(|&n| is_vowel(n)) {
            out.push(b'j');
            i += run;
            continue;
        }
        let after_vowel = out.last().is_some_and(|&p| is_vowel(p));
        out.push(if after_vowel { b'j' } else { b'i' });
        i += 1;
    }
    out
}

/// Doubled letters are single; the separators transliteration put between letters that must
/// not read as a digraph ([`SEPARATOR`]) go.
fn single_letters(s: &[u8]) -> Vec<u8> {
    let mut out: Vec<u8> = Vec::with_capacity(s.len());
    for &b in s {
        if b != SEPARATOR && out.last() != Some(&b) {
            out.push(b);
        }
    }
    out
}

fn endings(s: &mut Vec<u8>) {
    if s.starts_with(b"je") && s.get(2).is_some_and(|&b| !is_vowel(b)) {
        s.remove(0);
    }
    if s.len() > 3 && s.ends_with(b"ij") {
        s.pop();
    }
    if s.len() > 2 && s.ends_with(b"h") && s.get(s.len() - 2).is_some_and(|&b| is_vowel(b)) {
        s.pop();
    }
}

/// abd + optional vowel + optional l (the article) + the rest: the vowels and the article are
/// spelled every way (Abdul, Abdel, Abd al-, Abdur-), the rest is the name.
fn abd(s: Vec<u8>) -> Vec<u8> {
    if !s.starts_with(b"abd") || s.len() <= 3 {
        return s;
    }
    let mut rest = &s[3..];
    if rest.first().is_some_and(|&b| is_vowel(b)) {
        rest = &rest[1..];
    }
    if rest.first() == Some(&b'l') {
        rest = &rest[1..];
    }
    let mut out = b"abd".to_vec();
    out.extend_from_slice(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| fold(w)).collect()
    }

    #[test]
    fn digraph_families_meet() {
        for (family, expected) in [
            (
                &[
                    "đorđević",
                    "dordevic",
                    "djordjevic",
                    "gjorgjevikj",
                    "djordjevich",
                ][..],
                "dordevic",
            ),
            (&["hoxha", "hodža", "hodzha", "hodza"][..], "hodza"),
            (
                &["xhaferi", "džaferi", "dzaferi", "dzhaferi"][..],
                "dzaferi",
            ),
            (&["žarko", "zharko", "zarko"][..], "zarko"),
            (&["čolić", "colic", "cholich"][..], "colic"),
            (&["ćerim", "qerim", "cherim"][..], "cerim"),
            (&["šešelj", "sheshelj", "seselj"][..], "seseL"),
            (&["tsvetkov", "cvetkov"][..], "cvetkov"),
            (&["philip", "filip"][..], "filip"),
            (&["wladimir", "vladimir"][..], "vladimir"),
            (&["alexander", "aleksander"][..], "aleksander"),
            (&["mikhail", "mihail"][..], "mihajl"),
            (&["lazić", "lazic", "lazich", "lazitch"][..], "lazic"),
        ] {
            for (word, key) in family.iter().zip(keys(family)) {
                assert_eq!(key, expected, "{word}");
            }
        }
    }

    #[test]
    fn marks_choose_the_family_before_they_go() {
        for (word, key) in [
            ("müller", "mueler"),
            ("mueller", "mueler"),
            ("schröder", "sroeder"),
            ("ångström", "angstroem"),
            ("strauß", "straus"),
            ("muñoz", "muNoz"),
            ("łukasz", "lukasz"),
            ("ştefan", "stefan"),
            ("țiriac", "cirjac"),
            ("ǵorǵi", "dordi"),
            ("ḱiro", "ciro"),
            ("ana", "ana"),
            ("anja", "aNa"),
        ] {
            assert_eq!(fold(word), key, "{word}");
        }
    }

    #[test]
    fn vowels_glides_and_endings() {
        for (word, key) in [
            ("youssef", "jusuf"),
            ("sergey", "sergej"),
            ("sergei", "sergej"),
            ("sergej", "sergej"),
            ("marija", "marja"),
            ("mariya", "marja"),
            ("maria", "marja"),
            ("danijel", "daNel"),
            ("daniel", "daNel"),
            ("lyudmila", "Ludmila"),
            ("ljudmila", "Ludmila"),
            ("yelena", "elena"),
            ("jelena", "elena"),
            ("dmitriy", "dmitri"),
            ("dmitrii", "dmitri"),
            ("dmitry", "dmitri"),
            ("dmitrij", "dmitri"),
            ("iakov", "jakov"),
            ("yakov", "jakov"),
            ("fatimah", "fatima"),
            ("hassan", "hasan"),
            ("moore", "mure"),
        ] {
            assert_eq!(fold(word), key, "{word}");
        }
    }

    #[test]
    fn abd_names_lose_the_article() {
        for word in [
            "abdulrahman",
            "abdalrahman",
            "abdurrahman",
            "abdelrahman",
            "abdrahman",
        ] {
            assert_eq!(fold(word), "abdrahman", "{word}");
        }
        for word in ["abdullah", "abdallah", "abdulla", "abdalla"] {
            assert_eq!(fold(word), fold("abdullah"), "{word}");
        }
    }

    #[test]
    fn different_names_keep_different_keys() {
        for (a, b) in [
            ("marko", "darko"),
            ("marko", "mirko"),
            ("petrović", "petković"),
            ("ivana", "ivan"),
            ("ana", "anja"),
            ("lana", "lena"),
            ("milan", "milena"),
            ("hasan", "husein"),
            ("mahmoud", "mohamed"),
            ("omar", "amir"),
        ] {
            assert_ne!(fold(a), fold(b), "{a} / {b}");
        }
    }

    #[test]
    fn phonetic_keys_keep_consonants() {
        for (key, phonetic) in [
            ("muhamad", "mmt"),
            ("jusuf", "sf"),
            ("vladimir", "fltmr"),
            ("dordevic", "trtk"),
            ("aleksander", "lksntr"),
        ] {
            assert_eq!(super::phonetic(key), phonetic, "{key}");
        }
    }
}
