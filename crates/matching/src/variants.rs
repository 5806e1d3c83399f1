//! Spellings of common Arabic given names (and their Turkish, Persian, Bosnian and Albanian
//! forms) that differ in their vowels: Mohamed, Muhammad, Mehmed; Khaled, Khalid; Youssef,
//! Yusuf, Jusuf. Vowel differences tell most names apart (Marko and Mirko, Lana and Lena), so
//! they cannot be folded away in general; for these names they are only spellings. Each row is
//! a name and its spellings, Latin and Arabic; a word whose key is one of them takes the key of
//! the name. Names that differ in their consonants as written in Arabic stay apart (Hasan and
//! Husayn, Mahmud and Muhammad, Hamid and Ahmad).

use std::collections::HashMap;
use std::sync::LazyLock;

const NAMES: &[(&str, &[&str])] = &[
    (
        "muhammad",
        &[
            "mohamed",
            "mohammed",
            "mohammad",
            "mohamad",
            "muhamed",
            "muhammed",
            "muhamad",
            "mohamud",
            "mouhamed",
            "mouhammad",
            "mahomed",
            "mohd",
            "mehmed",
            "mehmet",
            "magomed",
            "mukhammed",
            "mukhammad",
            "muhamet",
            "محمد",
        ],
    ),
    (
        "ahmad",
        &["ahmed", "ahmet", "akhmed", "akhmad", "ehmed", "أحمد"],
    ),
    (
        "mahmud",
        &["mahmoud", "mahmood", "makhmud", "mahmut", "محمود"],
    ),
    ("hasan", &["hassan", "hasen", "hassen", "khasan", "حسن"]),
    (
        "husayn",
        &[
            "hussein", "husein", "hussain", "husain", "hossein", "hosein", "huseyin", "hüseyin",
            "khusein", "حسين",
        ],
    ),
    ("khalid", &["khaled", "halid", "haled", "khaleed", "خالد"]),
    (
        "yusuf",
        &[
            "yousef", "youssef", "yusef", "yousuf", "yussuf", "jusuf", "youcef", "يوسف",
        ],
    ),
    ("umar", &["omar", "omer", "umer", "ömer", "عمر"]),
    ("uthman", &["othman", "osman", "usman", "otman", "عثمان"]),
    ("usama", &["osama", "ousama", "oussama", "usamah", "أسامة"]),
    ("ali", &["aly", "alija", "علي"]),
    (
        "ibrahim",
        &["ebrahim", "ibragim", "ibrahem", "brahim", "إبراهيم"],
    ),
    (
        "ismail",
        &["ismael", "esmail", "ismayil", "ismoil", "إسماعيل"],
    ),
    (
        "mustafa",
        &["mostafa", "moustafa", "mustapha", "mostapha", "مصطفى"],
    ),
    ("said", &["saeed", "saeid", "saied", "سعيد"]),
    ("salih", &["saleh", "salekh", "صالح"]),
    (
        "sulayman",
        &[
            "suleiman",
            "sulaiman",
            "sulejman",
            "suleyman",
            "süleyman",
            "soliman",
            "slimane",
            "سليمان",
        ],
    ),
    ("yahya", &["yahia", "yehia", "yahiya", "jahja", "يحيى"]),
    ("zakariya", &["zakaria", "zakariyya", "zakarija", "زكريا"]),
    ("karim", &["kareem", "kerim", "كريم"]),
    ("aziz", &["azeez", "عزيز"]),
    (
        "jamal",
        &["gamal", "djamel", "jamel", "džemal", "dzhamal", "جمال"],
    ),
    ("nasir", &["nasser", "naser", "nassir", "nacer", "ناصر"]),
    ("tariq", &["tarek", "tarik", "tareq", "طارق"]),
    ("bashir", &["basheer", "bachir", "beshir", "bešir", "بشير"]),
    ("faysal", &["faisal", "feisal", "faycal", "fayçal", "فيصل"]),
    ("hamza", &["hamzah", "hamzeh", "hamze", "حمزة"]),
    ("ayman", &["aymen", "eyman", "أيمن"]),
    ("adil", &["adel", "adeel", "عادل"]),
    ("anwar", &["anouar", "enver", "anvar", "أنور"]),
    ("walid", &["waleed", "oualid", "وليد"]),
    ("samir", &["sameer", "semir", "سمير"]),
    ("nabil", &["nabeel", "نبيل"]),
    ("jamil", &["jameel", "djamil", "džemil", "جميل"]),
    ("hamid", &["hamed", "hameed"]),
    ("rashid", &["rachid", "rasheed", "rashed"]),
    (
        "fatima",
        &["fatma", "fatemeh", "fatimah", "fatime", "فاطمة"],
    ),
    (
        "aisha",
        &["ayesha", "aicha", "aishah", "ajša", "aysha", "عائشة"],
    ),
    ("khadija", &["khadijah", "hatidža", "hadija", "خديجة"]),
    (
        "qasim",
        &["kasim", "kassem", "qassem", "kasem", "qasem", "قاسم"],
    ),
    (
        "qadhafi",
        &[
            "gaddafi", "kadhafi", "qaddafi", "gadafi", "kadafi", "ghaddafi", "qathafi",
        ],
    ),
    ("ramadan", &["ramazan", "ramadhan", "رمضان"]),
    ("idris", &["edris", "إدريس"]),
    ("musa", &["mousa", "moussa", "موسى"]),
    ("isa", &["issa", "عيسى"]),
    ("yunus", &["younes", "younis", "yunis", "junus", "يونس"]),
    ("mansur", &["mansour", "mansoor", "منصور"]),
    ("mahdi", &["mehdi", "مهدي"]),
    (
        "jafar",
        &["jaafar", "djafar", "džafer", "dzhafar", "jafer", "جعفر"],
    ),
    ("zayd", &["zaid", "zeid", "زيد"]),
    ("imad", &["emad", "عماد"]),
    ("ziyad", &["ziad", "zijad", "زياد"]),
    ("amir", &["emir", "ameer", "أمير"]),
    ("nur", &["noor", "nour"]),
];

/// Folded spelling → folded name.
static TABLE: LazyLock<HashMap<String, String>> = LazyLock::new(|| {
    let mut table = HashMap::new();
    for (name, spellings) in NAMES {
        let key = crate::name::plain_key(name);
        for spelling in spellings.iter().chain(std::iter::once(name)) {
            table.insert(crate::name::plain_key(spelling), key.clone());
        }
    }
    table
});

/// Whether `key` is the key of one of these names.
pub(crate) fn is_name(key: &str) -> bool {
    TABLE.get(key).is_some_and(|name| name == key)
}

/// The key of the name `plain` (a key folded without this table) is a spelling of.
pub(crate) fn canonical(plain: &str) -> Option<&'static str> {
    TABLE.get(plain).map(String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_belongs_to_one_name() {
        let mut owner: HashMap<String, &str> = HashMap::new();
        for (name, spellings) in NAMES {
            for spelling in spellings.iter().chain(std::iter::once(name)) {
                let key = crate::name::plain_key(spelling);
                if let Some(other) = owner.insert(key.clone(), name) {
                    assert_eq!(other, *name, "{spelling} ({key}) is a spelling of both");
                }
            }
        }
    }

    #[test]
    fn spellings_take_the_key_of_their_name() {
        for (a, b) in [
            ("mohamed", "muhammad"),
            ("mehmed", "mohammed"),
            ("محمد", "mohamed"),
            ("khaled", "khalid"),
            ("youssef", "yusuf"),
            ("jusuf", "yousef"),
            ("يوسف", "yusuf"),
            ("hussein", "husayn"),
            ("osama", "usama"),
            ("džemal", "jamal"),
        ] {
            assert_eq!(
                canonical(&crate::name::plain_key(a)),
                canonical(&crate::name::plain_key(b)),
                "{a} / {b}"
            );
            assert!(canonical(&crate::name::plain_key(a)).is_some(), "{a}");
        }
        assert_ne!(
            canonical(&crate::name::plain_key("hasan")),
            canonical(&crate::name::plain_key("husein"))
        );
        assert_eq!(canonical(&crate::name::plain_key("marko")), None);
    }
}
