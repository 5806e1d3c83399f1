//! Writing systems a name can come in, told apart by code point.

use serde::Serialize;

/// The script of a letter, a word or a name (the script most of its letters are in).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Script {
    Latin,
    Cyrillic,
    Greek,
    Arabic,
    Hebrew,
    Han,
    Hangul,
    /// Hiragana and katakana.
    Kana,
    Thai,
    /// Any other alphabetic character (Devanagari, Georgian, Armenian, …).
    Other,
}

impl Script {
    /// The script of a base letter; `None` for marks, digits, punctuation and spaces.
    pub fn of(c: char) -> Option<Script> {
        let script = match u32::from(c) {
            0x41..=0x5A | 0x61..=0x7A => Script::Latin,
            0xC0..=0xD6 | 0xD8..=0xF6 | 0xF8..=0x24F | 0x1E00..=0x1EFF | 0x250..=0x2AF => {
                Script::Latin
            }
            0x370..=0x3FF | 0x1F00..=0x1FFF => Script::Greek,
            0x400..=0x52F | 0x1C80..=0x1C8F | 0xA640..=0xA69F => Script::Cyrillic,
            0x5D0..=0x5EA | 0xFB1D..=0xFB4F => Script::Hebrew,
            0x620..=0x64A | 0x66E..=0x6D3 | 0x6D5 | 0x6FA..=0x6FF | 0x750..=0x77F => Script::Arabic,
            0x8A0..=0x8FF | 0xFB50..=0xFDFF | 0xFE70..=0xFEFF => Script::Arabic,
            0xE00..=0xE7F => Script::Thai,
            0x1100..=0x11FF | 0x3130..=0x318F | 0xAC00..=0xD7AF => Script::Hangul,
            0x3040..=0x30FF | 0x31F0..=0x31FF | 0xFF66..=0xFF9F => Script::Kana,
            0x3005 | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F => {
                Script::Han
            }
            _ if c.is_alphabetic() => Script::Other,
            _ => return None,
        };
        Some(script)
    }

    /// Whether names in this script are turned into Latin letters before comparison.
    pub fn is_transliterated(self) -> bool {
        matches!(
            self,
            Script::Latin | Script::Cyrillic | Script::Greek | Script::Arabic | Script::Hebrew
        )
    }

    /// Scripts that leave short vowels unwritten: a comparison with them tolerates vowel
    /// differences that would tell two Latin names apart.
    pub fn is_abjad(self) -> bool {
        matches!(self, Script::Arabic | Script::Hebrew)
    }

    pub fn name(self) -> &'static str {
        match self {
            Script::Latin => "Latin",
            Script::Cyrillic => "Cyrillic",
            Script::Greek => "Greek",
            Script::Arabic => "Arabic",
            Script::Hebrew => "Hebrew",
            Script::Han => "Han",
            Script::Hangul => "Hangul",
            Script::Kana => "Kana",
            Script::Thai => "Thai",
            Script::Other => "other",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_are_told_apart_by_script() {
        for (c, script) in [
            ('a', Some(Script::Latin)),
            ('Đ', Some(Script::Latin)),
            ('ж', Some(Script::Cyrillic)),
            ('џ', Some(Script::Cyrillic)),
            ('λ', Some(Script::Greek)),
            ('ي', Some(Script::Arabic)),
            ('ש', Some(Script::Hebrew)),
            ('金', Some(Script::Han)),
            ('김', Some(Script::Hangul)),
            ('カ', Some(Script::Kana)),
            ('ส', Some(Script::Thai)),
            ('ქ', Some(Script::Other)),
            ('\u{301}', None),
            ('7', None),
            ('-', None),
        ] {
            assert_eq!(Script::of(c), script, "{c:?}");
        }
    }
}
