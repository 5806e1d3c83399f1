//! The AIRIMP free-text forms PNRGOV carries inside SSR, IFT, ADD and TBD values: names with
//! titles, DOCS/DOCO/DOCA/INFT/TKNE texts, CTC contacts, e-mail encoding, seat numbers.

use chrono::NaiveDate;

use super::model::{
    Address, AddressKind, ContactPurpose, DocumentAddress, DocumentSource, InfantDetails, Sex,
    TravelDocument,
};
use crate::dates::{self, Century};
use crate::personal::Personal;

/// Titles split off a given name when separated by a space.
const SPACED_TITLES: [&str; 11] = [
    "MSTR", "MISS", "PROF", "CAPT", "MRS", "REV", "SIR", "DR", "MR", "MS", "MX",
];
/// Titles split off when glued to the name (`JOHNMR`), longest first. `DR` is not among them:
/// names end in it (ALEXANDR). `MS` is, because carriers send `KAYLAMS`: a given name ending in
/// MS (ADAMS) loses those letters to the title.
const GLUED_TITLES: [&str; 5] = ["MSTR", "MISS", "MRS", "MR", "MS"];

/// Splits the title off a TIF given name: `JOHNMR` → (`JOHN`, `MR`), `NINA MS` → (`NINA`, `MS`).
pub(super) fn split_title(given: &str) -> (&str, Option<&'static str>) {
    let given = given.trim();
    for title in SPACED_TITLES {
        if given == title {
            return ("", Some(title));
        }
        if let Some(name) = given.strip_suffix(title)
            && let Some(name) = name.strip_suffix(' ')
        {
            return (name.trim_end(), Some(title));
        }
    }
    for title in GLUED_TITLES {
        if let Some(name) = given.strip_suffix(title)
            && name.chars().count() >= 2
            && name
                .chars()
                .all(|c| c.is_alphabetic() || c == ' ' || c == '-')
        {
            return (name, Some(title));
        }
    }
    (given, None)
}

/// The `/`-separated fields of an AIRIMP text; one leading `/` is dropped.
fn slash_fields(text: &str) -> Vec<&str> {
    let text = text.trim();
    text.strip_prefix('/')
        .unwrap_or(text)
        .split('/')
        .map(str::trim)
        .collect()
}

fn field<'a>(fields: &[&'a str], index: usize) -> Option<&'a str> {
    fields.get(index).copied().filter(|f| !f.is_empty())
}

fn owned(value: Option<&str>) -> Option<String> {
    value.map(str::to_owned)
}

fn personal(value: Option<&str>) -> Option<Personal<String>> {
    value.map(|v| Personal::new(v.to_owned()))
}

/// A DDMMMYY date of AIRIMP text; `past` reads the year as not after `reference` (births).
fn airimp_date(value: Option<&str>, past: Option<NaiveDate>) -> Option<NaiveDate> {
    let century = match past {
        Some(reference) => Century::NotAfter(reference),
        None => Century::Current,
    };
    dates::ddmonyy(value?, century)
}

/// Sex code of a DOCS; the second value says whether it is an infant's (`MI`, `FI`).
fn sex(code: Option<&str>) -> (Option<Sex>, bool) {
    match code {
        Some("M") => (Some(Sex::Male), false),
        Some("F") => (Some(Sex::Female), false),
        Some("MI") => (Some(Sex::Male), true),
        Some("FI") => (Some(Sex::Female), true),
        Some("U") => (Some(Sex::Unknown), false),
        Some("X") => (Some(Sex::Unspecified), false),
        _ => (None, false),
    }
}

fn empty_document(segment: usize, source: DocumentSource) -> TravelDocument {
    TravelDocument {
        segment,
        source,
        kind: None,
        number: None,
        issuing_country: None,
        nationality: None,
        date_of_birth: None,
        sex: None,
        expiry: None,
        surname: None,
        given_names: None,
        place_of_birth: None,
        place_of_issue: None,
        issue_date: None,
        applicable_country: None,
        infant: false,
    }
}

/// SSR DOCS: `/P/GBR/123456789/GBR/12JUL64/M/23AUG19/SMITH/JOHN/ROBERT[/H]`. Dates that do not
/// read are `None`; the caller reports them from the second value (field names).
pub(super) fn docs(
    text: &str,
    segment: usize,
    reference: NaiveDate,
) -> (TravelDocument, Vec<&'static str>) {
    let f = slash_fields(text);
    let mut invalid = Vec::new();
    let (sex, infant) = sex(field(&f, 5));
    let date_of_birth = airimp_date(field(&f, 4), Some(reference));
    if field(&f, 4).is_some() && date_of_birth.is_none() {
        invalid.push("DOCS date of birth");
    }
    let expiry = airimp_date(field(&f, 6), None);
    if field(&f, 6).is_some() && expiry.is_none() {
        invalid.push("DOCS expiry date");
    }
    let given: Vec<&str> = f
        .iter()
        .skip(8)
        .take(2)
        .copied()
        .filter(|g| !g.is_empty())
        .collect();
    let document = TravelDocument {
        kind: owned(field(&f, 0)),
        issuing_country: owned(field(&f, 1)),
        number: personal(field(&f, 2)),
        nationality: owned(field(&f, 3)),
        date_of_birth: date_of_birth.map(Personal::new),
        sex,
        expiry,
        surname: personal(field(&f, 7)),
        given_names: (!given.is_empty()).then(|| Personal::new(given.join(" "))),
        infant,
        ..empty_document(segment, DocumentSource::Docs)
    };
    (document, invalid)
}

/// SSR DOCO: `/place of birth/V/number/place of issue/issue date/country valid for[/I]`.
pub(super) fn doco(text: &str, segment: usize) -> (TravelDocument, Vec<&'static str>) {
    let f = slash_fields(text);
    let issue_date = airimp_date(field(&f, 4), None);
    let invalid = if field(&f, 4).is_some() && issue_date.is_none() {
        vec!["DOCO issue date"]
    } else {
        Vec::new()
    };
    let document = TravelDocument {
        place_of_birth: personal(field(&f, 0)),
        kind: owned(field(&f, 1)),
        number: personal(field(&f, 2)),
        place_of_issue: owned(field(&f, 3)),
        issue_date,
        applicable_country: owned(field(&f, 5)),
        infant: field(&f, 6) == Some("I"),
        ..empty_document(segment, DocumentSource::Doco)
    };
    (document, invalid)
}

/// SSR FOID: a two-letter type and the number, e.g. `PP12345678`, `NI123456`.
pub(super) fn foid(text: &str, segment: usize) -> TravelDocument {
    let text = text.trim().trim_start_matches('/');
    let (kind, number) = match text.char_indices().nth(2) {
        Some((at, _)) if text[..at].chars().all(|c| c.is_ascii_uppercase()) => {
            (Some(&text[..at]), &text[at..])
        }
        _ => (None, text),
    };
    TravelDocument {
        kind: owned(kind),
        number: personal(Some(number.trim()).filter(|n| !n.is_empty())),
        ..empty_document(segment, DocumentSource::Foid)
    }
}

/// SSR DOCA: `/R/USA/1 MAIN ST/BOSTON/MA/02110[/I]`.
pub(super) fn doca(text: &str, segment: usize) -> DocumentAddress {
    let f = slash_fields(text);
    let kind = match field(&f, 0) {
        Some("R") => AddressKind::Residence,
        Some("D") => AddressKind::Destination,
        other => AddressKind::Other(other.unwrap_or_default().to_owned()),
    };
    DocumentAddress {
        segment,
        kind,
        address: Personal::new(Address {
            lines: field(&f, 2).map(str::to_owned).into_iter().collect(),
            city: owned(field(&f, 3)),
            region: owned(field(&f, 4)),
            postal_code: owned(field(&f, 5)),
            country: owned(field(&f, 1)),
        }),
        infant: field(&f, 6) == Some("I"),
    }
}

/// SSR INFT: `SURNAME/GIVEN/10AUG11` or `SURNAME/GIVEN 20SEP12`.
pub(super) fn inft(text: &str, segment: usize, reference: NaiveDate) -> InfantDetails {
    let f = slash_fields(text);
    let mut given = field(&f, 1);
    let mut born = field(&f, 2).and_then(|d| airimp_date(Some(d), Some(reference)));
    if born.is_none()
        && let Some((name, last)) = given.and_then(|g| g.rsplit_once(' '))
        && let Some(date) = airimp_date(Some(last), Some(reference))
    {
        born = Some(date);
        given = Some(name.trim_end());
    }
    InfantDetails {
        segment,
        surname: personal(field(&f, 0)),
        given_name: personal(given),
        date_of_birth: born.map(Personal::new),
    }
}

/// An electronic ticket number from an SSR TKNE text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct TicketNumber {
    pub number: String,
    pub coupon: Option<u32>,
    pub infant: bool,
}

/// `1392178947000C2`, `INF1392178947000C3`, `.1393534576000C1`, `TKT NBR 5589005019602 ...`.
pub(super) fn tkne(text: &str) -> Option<TicketNumber> {
    let text = text.trim().trim_start_matches('.');
    if let Some(rest) = text.strip_prefix("TKT NBR ") {
        let number = rest.split_whitespace().next()?;
        return Some(TicketNumber {
            number: number.to_owned(),
            coupon: None,
            infant: false,
        });
    }
    let (infant, text) = match text.strip_prefix("INF") {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let text = text.split_whitespace().next()?;
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    let (number, coupon) = match text[digits..].strip_prefix('C') {
        Some(coupon) if digits > 0 => (&text[..digits], coupon.parse().ok()),
        _ => (text, None),
    };
    Some(TicketNumber {
        number: number.to_owned(),
        coupon,
        infant,
    })
}

/// Ticket numbers compare on their digits (`0062120234533` and `006-2120234533`).
pub(super) fn same_ticket(a: &str, b: &str) -> bool {
    fn digits(s: &str) -> impl Iterator<Item = u8> + '_ {
        s.bytes().filter(u8::is_ascii_digit)
    }
    digits(a).next().is_some() && digits(a).eq(digits(b))
}

/// How a contact is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Channel {
    Phone,
    Email,
    Address,
}

/// A CTC contact read from text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ContactText {
    pub carrier: Option<String>,
    pub purpose: ContactPurpose,
    pub channel: Channel,
    pub value: String,
}

fn ctc_kind(letter: Option<char>) -> (ContactPurpose, Channel) {
    match letter {
        Some('E') => (ContactPurpose::Unspecified, Channel::Email),
        Some('A') => (ContactPurpose::Unspecified, Channel::Address),
        Some('H') => (ContactPurpose::Home, Channel::Phone),
        Some('B') => (ContactPurpose::Business, Channel::Phone),
        Some('M') => (ContactPurpose::Mobile, Channel::Phone),
        Some('T') => (ContactPurpose::TravelAgency, Channel::Phone),
        Some('R') => (ContactPurpose::Refused, Channel::Phone),
        Some('P') | None => (ContactPurpose::Unspecified, Channel::Phone),
        Some(other) => (ContactPurpose::Other(other.to_string()), Channel::Phone),
    }
}

const CTC_LETTERS: &str = "ABEHMPRTF";

/// An OSI or ADD text holding a CTC contact: `CTCE A..B//X.COM`, `YY CTCM 12345`,
/// `YY CTC M 12345`, `EK CTCE ...`, `CTCBOG 571 600` (a city, no type letter).
pub(super) fn ctc(text: &str) -> Option<ContactText> {
    let text = text.trim();
    let (carrier, rest) = match text.split_once(' ') {
        Some((first, rest)) if first.len() == 2 && !first.starts_with("CT") => {
            (Some(first), rest.trim_start())
        }
        _ => (None, text),
    };
    let after = rest.strip_prefix("CTC")?;
    let mut chars = after.chars();
    let first = chars.next();
    let second = chars.next();
    let (letter, value) = match (first, second) {
        (Some(l), next)
            if CTC_LETTERS.contains(l) && next.is_none_or(|c| c == ' ' || c.is_ascii_digit()) =>
        {
            (Some(l), &after[l.len_utf8()..])
        }
        (Some(' '), Some(l))
            if CTC_LETTERS.contains(l) && after[2..].chars().next().is_none_or(|c| c == ' ') =>
        {
            (Some(l), &after[2..])
        }
        _ => (None, after),
    };
    let (purpose, channel) = ctc_kind(letter);
    let value = value.trim();
    let value = match channel {
        Channel::Email => email(value),
        _ => value.to_owned(),
    };
    (!value.is_empty()).then(|| ContactText {
        carrier: carrier.map(str::to_owned),
        purpose,
        channel,
        value,
    })
}

/// An SSR CTCx text: the value before any `/` suffix (language, country).
pub(super) fn ssr_contact(code: &str, text: &str) -> Option<ContactText> {
    let letter = code.strip_prefix("CTC")?.chars().next();
    let (purpose, channel) = ctc_kind(letter);
    let text = text.trim().trim_start_matches('/');
    let value = match channel {
        Channel::Email => email(text),
        _ => text.split('/').next().unwrap_or_default().trim().to_owned(),
    };
    (!value.is_empty()).then_some(ContactText {
        carrier: None,
        purpose,
        channel,
        value,
    })
}

/// Decodes the AIRIMP e-mail form: `//` is `@`, `..` is `_`, `./` is `-`; a `/` suffix
/// (language) is dropped.
pub(super) fn email(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text.trim();
    while let Some(c) = rest.chars().next() {
        let (decoded, used) = if rest.starts_with("//") {
            ('@', 2)
        } else if rest.starts_with("..") {
            ('_', 2)
        } else if rest.starts_with("./") {
            ('-', 2)
        } else if c == '/' || c == ' ' {
            break;
        } else {
            (c, c.len_utf8())
        };
        out.push(decoded);
        rest = &rest[used..];
    }
    out
}

/// ADD telephone text: `H5555555555 W 1 555 555 5555` holds a home and a work number; a text
/// without those markers is one number of unknown purpose.
pub(super) fn phones(text: &str) -> Vec<(ContactPurpose, String)> {
    let text = text.trim();
    let marker = |i: usize, c: char| {
        matches!(c, 'H' | 'W' | 'B' | 'M')
            && (i == 0 || text[..i].ends_with(' '))
            && text[i + 1..]
                .trim_start()
                .starts_with(|d: char| d.is_ascii_digit())
    };
    let starts: Vec<(usize, char)> = text.char_indices().filter(|&(i, c)| marker(i, c)).collect();
    if starts.first().is_none_or(|&(i, _)| i != 0) {
        return (!text.is_empty())
            .then(|| (ContactPurpose::Unspecified, text.to_owned()))
            .into_iter()
            .collect();
    }
    starts
        .iter()
        .enumerate()
        .map(|(n, &(at, letter))| {
            let end = starts.get(n + 1).map_or(text.len(), |&(next, _)| next);
            let purpose = match letter {
                'H' => ContactPurpose::Home,
                'M' => ContactPurpose::Mobile,
                _ => ContactPurpose::Business,
            };
            (purpose, text[at + 1..end].trim().to_owned())
        })
        .collect()
}

/// A seat number without leading zeros in the row (`074E` → `74E`); `XXX` (no seat yet) and
/// blanks are `None`, other forms are kept as sent.
pub(super) fn seat(text: &str) -> Option<String> {
    let text = text.trim();
    if text.is_empty() || text.bytes().all(|b| b == b'X') {
        return None;
    }
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    let column = &text[digits..];
    if digits > 0 && column.len() == 1 && column.bytes().all(|b| b.is_ascii_uppercase()) {
        let row = text[..digits].trim_start_matches('0');
        if !row.is_empty() {
            return Some(format!("{row}{column}"));
        }
    }
    Some(text.to_owned())
}

/// Seats given in SSR free text, `.03BN03AN`: row, column, then characteristic letters.
pub(super) fn seat_run(text: &str) -> Vec<String> {
    let Some(text) = text.trim().strip_prefix('.') else {
        return Vec::new();
    };
    let bytes = text.as_bytes();
    let mut seats = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        if i == start || i >= bytes.len() || !bytes[i].is_ascii_uppercase() {
            return Vec::new();
        }
        i += 1;
        if let Some(number) = seat(&text[start..i]) {
            seats.push(number);
        }
        while i < bytes.len() && bytes[i].is_ascii_uppercase() {
            i += 1;
        }
    }
    seats
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn titles_come_off_given_names() {
        for (given, expected) in [
            ("JOHNMR", ("JOHN", Some("MR"))),
            ("ANNA MRS", ("ANNA", Some("MRS"))),
            ("ALICEMRS", ("ALICE", Some("MRS"))),
            ("OLA MS", ("OLA", Some("MS"))),
            ("TOMMSTR", ("TOM", Some("MSTR"))),
            ("MISS", ("", Some("MISS"))),
            ("KARL DR", ("KARL", Some("DR"))),
            ("ALEXANDR", ("ALEXANDR", None)),
            ("PETER", ("PETER", None)),
            ("MR", ("", Some("MR"))),
            ("JO MARIE", ("JO MARIE", None)),
        ] {
            assert_eq!(split_title(given), expected, "{given}");
        }
    }

    #[test]
    fn docs_with_all_fields_and_with_gaps() {
        let (doc, invalid) = docs(
            "/P/FRA/08AB12345/FRA/03MAR81/F/14JUN31/DUPONT/MARIE/CLAIRE",
            7,
            date(2024, 1, 1),
        );
        assert!(invalid.is_empty());
        assert_eq!(doc.kind.as_deref(), Some("P"));
        assert_eq!(doc.number.unwrap().expose(), "08AB12345");
        assert_eq!(doc.issuing_country.as_deref(), Some("FRA"));
        assert_eq!(doc.nationality.as_deref(), Some("FRA"));
        assert_eq!(doc.date_of_birth.unwrap().into_inner(), date(1981, 3, 3));
        assert_eq!(doc.expiry, Some(date(2031, 6, 14)));
        assert_eq!(doc.sex, Some(Sex::Female));
        assert_eq!(doc.surname.unwrap().expose(), "DUPONT");
        assert_eq!(doc.given_names.unwrap().expose(), "MARIE CLAIRE");

        let (doc, invalid) = docs("/////30FEB90/MI//KIM/JI", 3, date(2024, 1, 1));
        assert_eq!(invalid, ["DOCS date of birth"]);
        assert!(doc.number.is_none() && doc.kind.is_none() && doc.date_of_birth.is_none());
        assert_eq!((doc.sex, doc.infant), (Some(Sex::Male), true));
        assert_eq!(doc.given_names.unwrap().expose(), "JI");
    }

    #[test]
    fn doco_doca_foid_and_infant_texts() {
        let (visa, invalid) = doco("/LYON/V/V998877/PARIS/01FEB20/USA", 4);
        assert!(invalid.is_empty());
        assert_eq!(visa.place_of_birth.unwrap().expose(), "LYON");
        assert_eq!(visa.kind.as_deref(), Some("V"));
        assert_eq!(visa.number.unwrap().expose(), "V998877");
        assert_eq!(visa.issue_date, Some(date(2020, 2, 1)));
        assert_eq!(visa.applicable_country.as_deref(), Some("USA"));

        let address = doca("/R/CAN/12 ELM ROAD/OTTAWA/ON/K1A0B1", 5);
        assert_eq!(address.kind, AddressKind::Residence);
        let expected = Address {
            lines: vec!["12 ELM ROAD".to_owned()],
            city: Some("OTTAWA".to_owned()),
            region: Some("ON".to_owned()),
            postal_code: Some("K1A0B1".to_owned()),
            country: Some("CAN".to_owned()),
        };
        assert_eq!(address.address.expose(), &expected);

        let id = foid("PP77001122", 6);
        assert_eq!(id.kind.as_deref(), Some("PP"));
        assert_eq!(id.number.unwrap().expose(), "77001122");

        for text in ["ROSSI/LUCA/02JAN23", "ROSSI/LUCA 02JAN23"] {
            let infant = inft(text, 8, date(2024, 1, 1));
            assert_eq!(infant.surname.unwrap().expose(), "ROSSI");
            assert_eq!(infant.given_name.unwrap().expose(), "LUCA");
            assert_eq!(infant.date_of_birth.unwrap().into_inner(), date(2023, 1, 2));
        }
    }

    #[test]
    fn electronic_ticket_texts() {
        let cases = [
            ("1251234567890C1", ("1251234567890", Some(1), false)),
            ("INF1251234567891C2", ("1251234567891", Some(2), true)),
            (".1251234567892C3", ("1251234567892", Some(3), false)),
            (
                "TKT NBR 1251234567893 01JAN24 E",
                ("1251234567893", None, false),
            ),
        ];
        for (text, (number, coupon, infant)) in cases {
            let ticket = tkne(text).unwrap();
            assert_eq!(
                (ticket.number.as_str(), ticket.coupon, ticket.infant),
                (number, coupon, infant),
                "{text}"
            );
        }
        assert!(same_ticket("125-1234567890", "1251234567890"));
        assert!(!same_ticket("", ""));
    }

    #[test]
    fn contacts_in_text() {
        let email = ctc("CTCE ANA..LUZ./MAR+1//EXAMPLE.ORG").unwrap();
        assert_eq!(email.channel, Channel::Email);
        assert_eq!(email.value, "ANA_LUZ-MAR+1@EXAMPLE.ORG");
        let mobile = ctc("ZZ CTCM 4915112345").unwrap();
        assert_eq!(
            (
                mobile.carrier.as_deref(),
                &mobile.purpose,
                mobile.value.as_str()
            ),
            (Some("ZZ"), &ContactPurpose::Mobile, "4915112345")
        );
        let spaced = ctc("ZZ CTC H 4930123").unwrap();
        assert_eq!(spaced.purpose, ContactPurpose::Home);
        let city = ctc("CTCMUC 4989 1234").unwrap();
        assert_eq!(city.purpose, ContactPurpose::Unspecified);
        assert_eq!(city.value, "MUC 4989 1234");
        assert!(ctc("THIS PASSENGER IS A VIP").is_none());

        let ssr = ssr_contact("CTCM", "/4915112345/DE").unwrap();
        assert_eq!(
            (ssr.purpose, ssr.value.as_str()),
            (ContactPurpose::Mobile, "4915112345")
        );
        let ssr = ssr_contact("CTCE", "A.B//C.DE/EN").unwrap();
        assert_eq!(ssr.value, "A.B@C.DE");
    }

    #[test]
    fn add_telephone_texts() {
        assert_eq!(
            phones("H3035550100 W 1 303 555 0199 "),
            [
                (ContactPurpose::Home, "3035550100".to_owned()),
                (ContactPurpose::Business, "1 303 555 0199".to_owned())
            ]
        );
        assert_eq!(
            phones("0044 20 7946 0000"),
            [(ContactPurpose::Unspecified, "0044 20 7946 0000".to_owned())]
        );
        assert!(phones("  ").is_empty());
    }

    #[test]
    fn seat_forms() {
        assert_eq!(seat("074E").as_deref(), Some("74E"));
        assert_eq!(seat("1A").as_deref(), Some("1A"));
        assert_eq!(seat("XXX"), None);
        assert_eq!(seat("UPPER DECK").as_deref(), Some("UPPER DECK"));
        assert_eq!(seat_run(".12CN12DN"), ["12C", "12D"]);
        assert_eq!(seat_run(".07A"), ["7A"]);
        assert!(seat_run("UA 0226").is_empty());
        assert!(seat_run(".AB").is_empty());
    }
}
