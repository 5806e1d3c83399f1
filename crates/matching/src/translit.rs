//! Transliteration of Cyrillic, Greek, Arabic and Hebrew words into lower-case Latin letters.
//!
//! The output is what a list or a passport of the name's country would print: Serbian and
//! Macedonian Cyrillic become their official Latin alphabets (with č, ć, đ, ž, š), Russian,
//! Ukrainian and Bulgarian their passport romanisation in plain letters, Greek follows ELOT 743,
//! Arabic and Hebrew give the written consonants and long vowels (short vowels only where the
//! text carries vowel points). Folding ([`crate::fold`]) then makes the variants meet.

/// A base letter (lower case, canonically decomposed) and up to three combining marks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cluster {
    pub base: char,
    marks: [char; 3],
    count: u8,
}

impl Cluster {
    pub fn new(base: char) -> Self {
        Cluster {
            base,
            marks: ['\0'; 3],
            count: 0,
        }
    }

    /// Marks past the third are dropped: no letter of the supported scripts needs more.
    pub fn push_mark(&mut self, mark: char) {
        if let Some(slot) = self.marks.get_mut(usize::from(self.count)) {
            *slot = mark;
            self.count += 1;
        }
    }

    pub fn has(&self, mark: char) -> bool {
        self.marks().contains(&mark)
    }

    pub fn marks(&self) -> &[char] {
        &self.marks[..usize::from(self.count)]
    }
}

pub(crate) const ACUTE: char = '\u{301}';
pub(crate) const BREVE: char = '\u{306}';
pub(crate) const DIAERESIS: char = '\u{308}';
const HAMZA_ABOVE: char = '\u{654}';
const HAMZA_BELOW: char = '\u{655}';
const SHADDA: char = '\u{651}';
const DAGESH: char = '\u{5BC}';
const SIN_DOT: char = '\u{5C2}';

/// The Cyrillic orthography a name is written in, told by the letters only it uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cyrillic {
    Russian,
    Ukrainian,
    Bulgarian,
    Serbian,
    Macedonian,
}

impl Cyrillic {
    pub const COUNT: usize = 5;

    pub fn index(self) -> usize {
        self as usize
    }

    /// ѓ ќ ѕ: Macedonian; ђ ћ џ љ њ ј: Serbian (also Montenegrin and Bosnian Cyrillic);
    /// і ї є ґ: Ukrainian; ъ before a consonant (a vowel only in Bulgarian): Bulgarian;
    /// anything else reads as Russian.
    pub fn detect(clusters: &[Cluster]) -> Cyrillic {
        let mut serbian = false;
        let mut ukrainian = false;
        let mut bulgarian = false;
        for (i, cluster) in clusters.iter().enumerate() {
            match cluster.base {
                'г' | 'к' if cluster.has(ACUTE) => return Cyrillic::Macedonian,
                'ѓ' | 'ќ' | 'ѕ' => return Cyrillic::Macedonian,
                'ђ' | 'ћ' | 'џ' | 'љ' | 'њ' | 'ј' => serbian = true,
                'і' | 'є' | 'ґ' => ukrainian = true,
                'ъ' => {
                    let next = clusters.get(i + 1).map(|c| c.base);
                    if next.is_some_and(|n| is_cyrillic_letter(n) && !is_cyrillic_vowel(n)) {
                        bulgarian = true;
                    }
                }
                _ => {}
            }
        }
        if serbian {
            Cyrillic::Serbian
        } else if ukrainian {
            Cyrillic::Ukrainian
        } else if bulgarian {
            Cyrillic::Bulgarian
        } else {
            Cyrillic::Russian
        }
    }
}

fn is_cyrillic_letter(c: char) -> bool {
    ('\u{400}'..='\u{52F}').contains(&c)
}

fn is_cyrillic_vowel(c: char) -> bool {
    matches!(
        c,
        'а' | 'е' | 'ё' | 'и' | 'о' | 'у' | 'ы' | 'э' | 'ю' | 'я' | 'і' | 'ї' | 'є' | 'ъ' | 'ь'
    )
}

/// A run of Cyrillic letters.
pub(crate) fn cyrillic(run: &[Cluster], orthography: Cyrillic, out: &mut String) {
    use Cyrillic::*;
    let south = matches!(orthography, Serbian | Macedonian);
    for (i, cluster) in run.iter().enumerate() {
        let next = run.get(i + 1).map(|c| c.base);
        let latin = match (cluster.base, orthography) {
            ('и', _) if cluster.has(BREVE) => {
                if south {
                    "j"
                } else {
                    "y"
                }
            }
            ('у', _) if cluster.has(BREVE) => "u",
            ('е', _) if cluster.has(DIAERESIS) => "e",
            ('і', Ukrainian) if cluster.has(DIAERESIS) => "yi",
            ('г', Macedonian) if cluster.has(ACUTE) => "ǵ",
            ('к', Macedonian) if cluster.has(ACUTE) => "ḱ",
            ('а', _) => "a",
            ('б', _) => "b",
            ('в', _) => "v",
            ('г', Ukrainian) => "h",
            ('г', _) => "g",
            ('ґ', _) => "g",
            ('д', _) => "d",
            ('ѓ', _) => "ǵ",
            ('ђ', _) => "đ",
            ('е', _) => "e",
            ('є', _) => "ye",
            ('ж', _) if south => "ž",
            ('ж', _) => "zh",
            ('з', _) => "z",
            ('ѕ', _) => "dz",
            ('и', Ukrainian) => "y",
            ('и', _) => "i",
            ('і', _) => "i",
            ('ї', _) => "yi",
            ('й', _) => "y",
            ('ј', _) => "j",
            ('к', _) => "k",
            ('л', _) => "l",
            ('љ', _) => "lj",
            ('м', _) => "m",
            ('н', _) => "n",
            ('њ', _) => "nj",
            ('о', _) => "o",
            ('п', _) => "p",
            ('р', _) => "r",
            ('с', _) => "s",
            ('т', _) => "t",
            ('ћ', _) => "ć",
            ('ќ', _) => "ḱ",
            ('у', _) => "u",
            ('ў', _) => "u",
            ('ф', _) => "f",
            ('х', _) if south => "h",
            ('х', Bulgarian) => "h",
            ('х', _) => "kh",
            ('ц', _) if south => "c",
            ('ц', _) => "ts",
            ('ч', _) if south => "č",
            ('ч', _) => "ch",
            ('џ', _) => "dž",
            ('ш', _) if south => "š",
            ('ш', _) => "sh",
            ('щ', Bulgarian) => "sht",
            ('щ', _) => "shch",
            // The Bulgarian vowel; the Russian hard sign is silent (before е, ё, ю, я).
            ('ъ', _) if next.is_some_and(|n| is_cyrillic_letter(n) && !is_cyrillic_vowel(n)) => {
                "a"
            }
            ('ъ', _) => "",
            ('ы', _) => "y",
            ('ь', _) => "",
            ('э', _) => "e",
            ('ю', _) => "yu",
            ('я', _) => "ya",
            _ => "",
        };
        out.push_str(latin);
    }
}

/// A run of Greek letters, after ELOT 743: ου is ou; αυ, ευ, ηυ are av, ev, iv before a vowel or a
/// voiced consonant and af, ef, if otherwise; μπ and ντ are b and d at the start of a word and
/// mb and nt inside it (as Greek passports print them); γγ is ng, γκ gk, γξ nx, γχ nch. A
/// diaeresis keeps two vowels apart.
pub(crate) fn greek(run: &[Cluster], out: &mut String) {
    let letters: Vec<char> = run.iter().map(|c| final_sigma(c.base)).collect();
    let diaeresis: Vec<bool> = run.iter().map(|c| c.has(DIAERESIS)).collect();
    let mut i = 0;
    while let Some(&c) = letters.get(i) {
        let next = letters.get(i + 1).copied();
        let next_split = diaeresis.get(i + 1).copied().unwrap_or(false);
        let after = letters.get(i + 2).copied();
        let initial = i == 0;
        let (latin, used) = match (c, next) {
            ('ο', Some('υ')) if !next_split => ("ou", 2),
            ('α' | 'ε' | 'η', Some('υ')) if !next_split => {
                let voiceless = match after {
                    None => true,
                    Some(a) => matches!(a, 'θ' | 'κ' | 'ξ' | 'π' | 'σ' | 'τ' | 'φ' | 'χ' | 'ψ'),
                };
                let vowel = match c {
                    'α' => "a",
                    'ε' => "e",
                    _ => "i",
                };
                out.push_str(vowel);
                (if voiceless { "f" } else { "v" }, 2)
            }
            ('μ', Some('π')) => (if initial { "b" } else { "mb" }, 2),
            ('ν', Some('τ')) => (if initial { "d" } else { "nt" }, 2),
            ('γ', Some('γ')) => ("ng", 2),
            ('γ', Some('ξ')) => ("nx", 2),
            ('γ', Some('χ')) => ("nch", 2),
            _ => (greek_letter(c), 1),
        };
        out.push_str(latin);
        i += used;
    }
}

fn final_sigma(c: char) -> char {
    if c == 'ς' { 'σ' } else { c }
}

fn greek_letter(c: char) -> &'static str {
    match c {
        'α' => "a",
        'β' | 'ϐ' => "v",
        'γ' => "g",
        'δ' => "d",
        'ε' => "e",
        'ζ' => "z",
        'η' => "i",
        'θ' | 'ϑ' => "th",
        'ι' => "i",
        'κ' | 'ϰ' => "k",
        'λ' => "l",
        'μ' => "m",
        'ν' => "n",
        'ξ' => "x",
        'ο' => "o",
        'π' | 'ϖ' => "p",
        'ρ' | 'ϱ' => "r",
        'σ' | 'ϲ' => "s",
        'τ' => "t",
        'υ' | 'ϒ' => "y",
        'φ' | 'ϕ' => "f",
        'χ' => "ch",
        'ψ' => "ps",
        'ω' => "o",
        _ => "",
    }
}

/// A run of Arabic letters (Persian and Urdu letters included): consonants as in the usual
/// English romanisation (jim as ǧ), alif a, waw u (w at the start or before a vowel), ya i (y likewise),
/// ta marbuta and alif maqsura a, hamza carriers by their vowel, ʿayn a at the start of a word
/// and nothing inside it. Vowel points, when written, give their vowel; shadda doubles.
pub(crate) fn arabic(run: &[Cluster], out: &mut String) {
    let mut i = 0;
    while let Some(cluster) = run.get(i) {
        let next = run.get(i + 1).map(|c| c.base);
        let vowel_next = matches!(next, Some('ا' | 'و' | 'ي' | 'ى' | 'ی'));
        let position = i;
        i += 1;
        // تش writes the ch of foreign names (Petrovitch, Chelsea).
        if cluster.base == 'ت' && next == Some('ش') {
            push_letter(out, "ch");
            i += 1;
            continue;
        }
        let latin = match cluster.base {
            // An initial alif before waw or ya only carries the vowel they write (أوسكار, إيفا).
            'ا' if position == 0 && matches!(next, Some('و' | 'ي' | 'ی')) => "",
            'ا' if cluster.has(HAMZA_BELOW) => "i",
            'ا' | 'ٱ' => "a",
            'ء' => "",
            'و' if cluster.has(HAMZA_ABOVE) => "u",
            'و' if position == 0 || vowel_next => "w",
            'و' => "u",
            'ي' | 'ی' if cluster.has(HAMZA_ABOVE) => "i",
            'ئ' => "i",
            'ي' | 'ی' if position == 0 || vowel_next => "y",
            'ي' | 'ی' => "i",
            'ى' | 'ة' => "a",
            'ب' => "b",
            'ت' | 'ط' | 'ٹ' => "t",
            'ث' => "th",
            // ǧ (DIN 31635): a consonant, apart from the glide j that ya becomes.
            'ج' => "ǧ",
            'ح' | 'ه' | 'ہ' | 'ھ' | 'ۃ' => "h",
            'خ' => "kh",
            'د' | 'ض' | 'ڈ' => "d",
            'ذ' => "dh",
            'ر' | 'ڑ' | 'ڕ' => "r",
            'ز' | 'ظ' => "z",
            'س' | 'ص' => "s",
            'ش' => "sh",
            // At the start of a word before a consonant (علي, Ali); the vowel letter after it
            // gives the vowel otherwise.
            'ع' if position == 0 && !vowel_next => "a",
            'ع' => "",
            'غ' => "gh",
            'ف' => "f",
            'ڤ' => "v",
            'ق' => "q",
            'ك' | 'ک' => "k",
            'گ' => "g",
            'ل' | 'ڵ' => "l",
            'م' => "m",
            'ن' | 'ں' => "n",
            'پ' => "p",
            'چ' => "ch",
            'ژ' => "zh",
            'ے' | 'ێ' => "e",
            'ۆ' => "o",
            _ => "",
        };
        push_letter(out, latin);
        if cluster.has(SHADDA) {
            out.push_str(latin);
        }
        for &mark in cluster.marks() {
            out.push_str(match mark {
                '\u{64E}' | '\u{670}' => "a",
                '\u{64F}' => "u",
                '\u{650}' => "i",
                _ => "",
            });
        }
    }
}

/// Appends a letter's Latin, with [`crate::fold::SEPARATOR`] before it when it would make a digraph
/// with the letter before (ت then ح is t'h, not th).
fn push_letter(out: &mut String, latin: &str) {
    let (Some(last), Some(first)) = (out.chars().last(), latin.chars().next()) else {
        out.push_str(latin);
        return;
    };
    let digraph = matches!(
        (last, first),
        ('t' | 'd' | 'k' | 'g' | 's' | 'c' | 'z' | 'p' | 'x', 'h')
            | ('d' | 'g' | 'k' | 't', 'j' | 'y')
            | ('s' | 'c', 'c' | 'k')
            | ('g', 'n')
    );
    if digraph {
        out.push('\'');
    }
    out.push_str(latin);
}

/// A run of Hebrew letters: consonants (בכפ with dagesh as b k p, without as v kh f; ש with the
/// sin dot as s), vav v, yod y, he at the end of a word a, alef and ayin a at the start of a
/// word and nothing inside it; vowel points, when written, give their vowel.
pub(crate) fn hebrew(run: &[Cluster], out: &mut String) {
    let last = run.len().saturating_sub(1);
    for (i, cluster) in run.iter().enumerate() {
        let dagesh = cluster.has(DAGESH);
        let latin = match cluster.base {
            'א' | 'ע' if i == 0 => "a",
            'א' | 'ע' => "",
            'ב' if dagesh => "b",
            'ב' => "v",
            'ג' => "g",
            'ד' => "d",
            'ה' if i == last && i > 0 => "a",
            'ה' => "h",
            'ו' => "v",
            'ז' => "z",
            'ח' => "kh",
            'ט' | 'ת' => "t",
            'י' => "y",
            'כ' if dagesh => "k",
            'כ' | 'ך' => "kh",
            'ק' => "k",
            'ל' => "l",
            'מ' | 'ם' => "m",
            'נ' | 'ן' => "n",
            'ס' => "s",
            'פ' if dagesh => "p",
            'פ' | 'ף' => "f",
            'צ' | 'ץ' => "ts",
            'ר' => "r",
            'ש' if cluster.has(SIN_DOT) => "s",
            'ש' => "sh",
            _ => "",
        };
        push_letter(out, latin);
        for &mark in cluster.marks() {
            out.push_str(match mark {
                '\u{5B1}' | '\u{5B5}' | '\u{5B6}' => "e",
                '\u{5B2}' | '\u{5B7}' | '\u{5B8}' => "a",
                '\u{5B3}' | '\u{5B9}' | '\u{5BA}' => "o",
                '\u{5B4}' => "i",
                '\u{5BB}' => "u",
                _ => "",
            });
        }
    }
}
