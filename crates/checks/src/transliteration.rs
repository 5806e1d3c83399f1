//! ICAO Doc 9303 Part 3 (section 6) transliteration of names into the MRZ character set.
//!
//! Latin letters with diacritics and Cyrillic letters follow the recommended column of the Doc 9303
//! tables (Ä→AE, Ö and Ø→OE, Ü→UE, Å→AA, ß→SS, Þ→TH, Ž→Z, Đ→D; Ж→ZH, Щ→SHCH, Ђ→D, Џ→DZ…), the
//! one most states use in their passports; national variants (UXX, NXX, Serbian Ж→Z) are not
//! produced. Spaces and hyphens become the filler `<`, apostrophes and other punctuation are
//! dropped, and characters the tables do not cover (digits, other scripts) are omitted.

/// `text` in upper case A–Z with `<` between its words: `"Đorđević"` → `"DORDEVIC"`,
/// `"Jean-Pierre"` → `"JEAN<PIERRE"`, `"Щербаков"` → `"SHCHERBAKOV"`. Never holds `<<` (which
/// separates surname from given names) nor a leading or trailing filler.
pub fn transliterate_icao(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for upper in text.chars().flat_map(char::to_uppercase) {
        match upper {
            'A'..='Z' => out.push(upper),
            // Word separators: space, hyphen (and its Unicode forms), other whitespace.
            '-' | '\u{2010}' | '\u{2011}' | '\u{2013}' => push_filler(&mut out),
            c if c.is_whitespace() => push_filler(&mut out),
            c => {
                if let Some(latin) = latin(c).or_else(|| cyrillic(c)) {
                    out.push_str(latin);
                }
            }
        }
    }
    while out.ends_with('<') {
        out.pop();
    }
    out
}

/// The MRZ name field of `width` characters: surname, `<<`, given names, filled with `<`; cut at
/// `width` when longer (the last character then being a letter shows the cut). Given names may be
/// empty.
pub fn mrz_name(surname: &str, given_names: &str, width: usize) -> String {
    let mut name = transliterate_icao(surname);
    let given = transliterate_icao(given_names);
    if !given.is_empty() {
        name.push_str("<<");
        name.push_str(&given);
    }
    // ASCII only, so byte and character counts agree.
    name.truncate(width);
    while name.len() < width {
        name.push('<');
    }
    name
}

/// One filler between words: never two in a row (that would read as the name separator), none at
/// the start.
fn push_filler(out: &mut String) {
    if !out.is_empty() && !out.ends_with('<') {
        out.push('<');
    }
}

/// Doc 9303 Part 3, multinational Latin characters (upper case; `to_uppercase` has already turned
/// ß into SS and ı into I). Ș and Ț (comma below, Romanian) are not in the table; they take the
/// value of the table's Ş and Ţ (cedilla), which older fonts used for them.
fn latin(c: char) -> Option<&'static str> {
    Some(match c {
        'À' | 'Á' | 'Â' | 'Ã' | 'Ā' | 'Ă' | 'Ą' => "A",
        'Ä' | 'Æ' => "AE",
        'Å' => "AA",
        'Ç' | 'Ć' | 'Ĉ' | 'Ċ' | 'Č' => "C",
        'Ð' | 'Ď' | 'Đ' => "D",
        'È' | 'É' | 'Ê' | 'Ë' | 'Ē' | 'Ĕ' | 'Ė' | 'Ę' | 'Ě' => "E",
        'Ĝ' | 'Ğ' | 'Ġ' | 'Ģ' => "G",
        'Ĥ' | 'Ħ' => "H",
        'Ì' | 'Í' | 'Î' | 'Ï' | 'Ĩ' | 'Ī' | 'Ĭ' | 'Į' | 'İ' => "I",
        'Ĳ' => "IJ",
        'Ĵ' => "J",
        'Ķ' => "K",
        'Ĺ' | 'Ļ' | 'Ľ' | 'Ŀ' | 'Ł' => "L",
        'Ñ' | 'Ń' | 'Ņ' | 'Ň' | 'Ŋ' => "N",
        'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ō' | 'Ŏ' | 'Ő' => "O",
        'Ö' | 'Ø' | 'Œ' => "OE",
        'Ŕ' | 'Ŗ' | 'Ř' => "R",
        'Ś' | 'Ŝ' | 'Ş' | 'Š' | 'Ș' => "S",
        'ẞ' => "SS",
        'Ţ' | 'Ť' | 'Ŧ' | 'Ț' => "T",
        'Þ' => "TH",
        'Ù' | 'Ú' | 'Û' | 'Ũ' | 'Ū' | 'Ŭ' | 'Ů' | 'Ű' | 'Ų' => "U",
        'Ü' => "UE",
        'Ŵ' => "W",
        'Ý' | 'Ŷ' | 'Ÿ' => "Y",
        'Ź' | 'Ż' | 'Ž' => "Z",
        _ => return None,
    })
}

/// Doc 9303 Part 3, Cyrillic characters, recommended transliteration: the Russian alphabet plus
/// the letters of Belarusian, Bulgarian, Macedonian, Serbian and Ukrainian. Ь has no
/// transliteration (`""`). The table's Һ row stands where Serbian Ћ belongs; both give C.
fn cyrillic(c: char) -> Option<&'static str> {
    Some(match c {
        'А' => "A",
        'Б' => "B",
        'В' => "V",
        'Г' | 'Ґ' | 'Ѓ' => "G",
        'Д' | 'Ђ' => "D",
        'Е' | 'Ё' | 'Э' => "E",
        'Є' | 'Ъ' => "IE",
        'Ж' => "ZH",
        'З' => "Z",
        'Ѕ' | 'Џ' => "DZ",
        'И' | 'І' | 'Ї' | 'Й' => "I",
        'Ј' => "J",
        'К' | 'Ќ' => "K",
        'Л' => "L",
        'Љ' => "LJ",
        'М' => "M",
        'Н' => "N",
        'Њ' => "NJ",
        'О' => "O",
        'П' => "P",
        'Р' => "R",
        'С' => "S",
        'Т' => "T",
        'Ћ' | 'Һ' => "C",
        'У' | 'Ў' | 'Ѫ' => "U",
        'Ф' => "F",
        'Х' => "KH",
        'Ц' => "TS",
        'Ч' => "CH",
        'Ш' => "SH",
        'Щ' => "SHCH",
        'Ы' | 'Ѵ' => "Y",
        'Ь' => "",
        'Ю' => "IU",
        'Я' => "IA",
        _ => return None,
    })
}
