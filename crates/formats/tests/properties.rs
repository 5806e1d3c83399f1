//! Property tests of the UN/EDIFACT reader and the PAXLST parser.
//!
//! Any input gives `Ok` or `Err`, never a panic. Interchanges generated here (random UNA
//! separators, names holding separator characters behind the release character, random numbers of
//! messages, legs and travellers) read back as generated. Damaged ones (cut, a segment dropped or
//! doubled, a wrong UNT count) fail or warn at the segment and rule that was damaged, and never
//! show a name. Multi-part messages reassemble the same whatever order their parts come in.
//! The PNRGOV parser gets the no-panic properties and a round trip of its own.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::NaiveDate;
use gatehouse_formats::edifact::{self, ControlCounts, ReadOptions, Separators};
use gatehouse_formats::paxlst::{self, Interchange, PaxlstMessage, ReassemblyError, TravellerRole};
use gatehouse_formats::pnrgov;
use gatehouse_formats::{FormatError, MessageError, Rule, WarningKind};
use proptest::prelude::*;
use proptest::sample::{Index, select, subsequence};
use proptest::test_runner::Config;

const LENIENT: ReadOptions = ReadOptions {
    control_counts: ControlCounts::Warn,
};

/// Few cases (`PROPTEST_CASES` raises them for a longer run), no regression files written next
/// to the sources: a failure prints its minimal input, to be kept here as a hand-written test.
fn config(cases: u32) -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|cases| cases.parse().ok())
        .unwrap_or(cases);
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

// ---------------------------------------------------------------------------------------------
// Any input: Ok or Err, never a panic.

/// Runs every entry point on `text`; checks what must hold between the two control-count modes.
fn exercise(text: &str) {
    let _ = edifact::tokenize(text);
    let _ = edifact::read_interchange(text);
    let _ = edifact::read_interchange_with(text, LENIENT);
    let strict = paxlst::parse_interchange(text);
    let lenient = paxlst::parse_interchange_with(text, LENIENT);
    if let Ok(strict) = &strict {
        // Warn only turns count errors into warnings: what strict reads, lenient reads the same.
        let lenient = lenient.as_ref().expect("lenient reads what strict reads");
        assert_eq!(strict.messages.len(), lenient.messages.len());
        for (strict, lenient) in strict.messages.iter().zip(&lenient.messages) {
            if let Ok(message) = strict {
                assert_eq!(Ok(message), lenient.as_ref());
            }
        }
    }
    for interchange in [strict, lenient].into_iter().flatten() {
        let messages: Vec<PaxlstMessage> = interchange.messages.into_iter().flatten().collect();
        for message in &messages {
            let _ = paxlst::reassemble([message.clone()]);
        }
        let _ = paxlst::reassemble(messages);
    }
}

/// Concatenated EDIFACT fragments: reaches far deeper into the parsers than random bytes do.
fn edifact_like() -> impl Strategy<Value = String> {
    let segment = select(vec![
        "UNA:+.? '",
        "UNA|*,!^~",
        "UNB+UNOA:4+S+R+240301:0900+IC1'",
        "UNB+UNOA:4+S+R+241399:0900+IC1'",
        "UNG+PAXLST+S+R+240301:0900+G1+UN+D:05B'",
        "UNH+M1+PAXLST:D:05B:UN:IATA+CAR1+01:C'",
        "UNH+M2+PAXLST:D:05B+CAR1+02:F'",
        "UNH+M3+CUSCAR:D:95B'",
        "BGM+745'",
        "BGM+250+C+9'",
        "RFF+TN:X1'",
        "NAD+MS+++DESK'",
        "COM+555:TE+X@Y:EM'",
        "TDT+20+UA0989+++UA'",
        "TDT+20'",
        "LOC+125+FRA'",
        "LOC+87+IAD'",
        "LOC+92+JFK'",
        "LOC+130'",
        "DTM+189:1701271725:201'",
        "DTM+232:201701280710:203'",
        "DTM+232:2017:999'",
        "NAD+FL+++ROE:RICHARD+1 MAIN ST+TOWN++12345+USA'",
        "NAD+FM+++DOE:JANE'",
        "NAD+XX'",
        "ATT+2++F'",
        "DTM+329:781231'",
        "DTM+329'",
        "NAT+2+GBR'",
        "DOC+P+X123'",
        "DTM+36:20301231:102'",
        "LOC+91+GBR'",
        "LOC+180+:::TOWN'",
        "MEA+CT++:2'",
        "FTX+BAG+++A:B'",
        "GEI+4+173'",
        "CNT+42:1'",
        "CNT+41+2'",
        "CNT+42:X'",
        "UNT+5+M1'",
        "UNT+X+M1'",
        "UNE+1+G1'",
        "UNZ+1+IC1'",
    ])
    .prop_map(str::to_owned);
    let fragment = select(vec![
        "'", "+", ":", "?", "?'", "??", "\r\n", " ", "UN", "UNA", "+++", "::", "\u{feff}",
    ])
    .prop_map(str::to_owned);
    let token = prop_oneof![
        6 => segment,
        2 => fragment,
        1 => "[0-9]{1,12}",
        1 => "[A-Z]{1,4}",
        1 => any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(token, 0..48).prop_map(|tokens| tokens.concat())
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        // Decoding by the declared character set takes raw bytes too.
        let _ = edifact::decode_declared(&bytes);
        exercise(&edifact::decode(&bytes));
    }

    #[test]
    fn arbitrary_strings_never_panic(text in any::<String>()) {
        exercise(&text);
    }

    #[test]
    fn edifact_like_input_never_panics(text in edifact_like()) {
        exercise(&text);
    }
}

// ---------------------------------------------------------------------------------------------
// Generated interchanges.

/// Candidates for the four separators that UNA may set; the ones not chosen appear unescaped in
/// names.
const SEPARATOR_POOL: [char; 20] = [
    ':', '+', '?', '\'', '*', '|', '!', '^', '~', '#', '@', ';', '&', '%', '/', '\\', '"', '<',
    '>', '=',
];

const LETTERS: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyzÉÜØßŁÇÑ";

const ROLES: [(&str, TravellerRole); 5] = [
    ("FL", TravellerRole::Passenger),
    ("DDT", TravellerRole::InTransitPassenger),
    ("FM", TravellerRole::Crew),
    ("DDU", TravellerRole::InTransitCrew),
    ("COT", TravellerRole::OtherCrew),
];

#[derive(Debug, Clone)]
struct TravellerModel {
    code: &'static str,
    role: TravellerRole,
    surname: String,
    given_names: Vec<String>,
    birth: Option<NaiveDate>,
    document: Option<String>,
}

#[derive(Debug, Clone)]
struct LegModel {
    carrier: String,
    number: u16,
    from: String,
    to: String,
}

#[derive(Debug, Clone)]
struct TransferModel {
    sequence: u32,
    position: Option<&'static str>,
}

#[derive(Debug, Clone)]
struct MessageModel {
    list: &'static str,
    legs: Vec<LegModel>,
    travellers: Vec<TravellerModel>,
    transfer: Option<TransferModel>,
    /// A UNT count other than the true one.
    wrong_segment_count: Option<usize>,
}

impl MessageModel {
    fn passengers(&self) -> usize {
        self.travellers.iter().filter(|t| !t.role.is_crew()).count()
    }

    fn crew(&self) -> usize {
        self.travellers.iter().filter(|t| t.role.is_crew()).count()
    }
}

#[derive(Debug, Clone)]
struct InterchangeModel {
    /// `None`: no UNA, the ISO 9735 defaults.
    una: Option<Separators>,
    newlines: bool,
    grouped: bool,
    messages: Vec<MessageModel>,
}

fn separators() -> impl Strategy<Value = Option<Separators>> {
    let advice = (
        subsequence(SEPARATOR_POOL.to_vec(), 4).prop_shuffle(),
        select(vec!['.', ',']),
        select(vec![' ', '*', '^']),
    )
        .prop_map(|(four, decimal, repetition)| Separators {
            component: four[0],
            element: four[1],
            decimal,
            release: four[2],
            repetition,
            segment: four[3],
        });
    prop_oneof![1 => Just(None), 3 => advice.prop_map(Some)]
}

/// A name that starts and ends with a letter (values are trimmed) and may hold spaces, hyphens and
/// any separator character.
fn name() -> impl Strategy<Value = String> {
    let letters: Vec<char> = LETTERS.chars().collect();
    let letter = select(letters);
    let inner = prop_oneof![
        4 => letter.clone(),
        1 => Just(' '),
        1 => Just('-'),
        2 => select(SEPARATOR_POOL.to_vec()),
    ];
    (letter.clone(), prop::collection::vec(inner, 0..8), letter).prop_map(
        |(first, middle, last)| {
            let mut name = String::from(first);
            name.extend(middle);
            name.push(last);
            name
        },
    )
}

fn traveller() -> impl Strategy<Value = TravellerModel> {
    let birth = (1930i32..=2010, 1u32..=12, 1u32..=28)
        .prop_map(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d).unwrap());
    (
        select(ROLES.to_vec()),
        name(),
        prop::collection::vec(name(), 0..=3),
        prop::option::of(birth),
        prop::option::of("[A-Z0-9]{6,9}"),
    )
        .prop_map(
            |((code, role), surname, given_names, birth, document)| TravellerModel {
                code,
                role,
                surname,
                given_names,
                birth,
                document,
            },
        )
}

fn leg() -> impl Strategy<Value = LegModel> {
    ("[A-Z]{2}", 1u16..=9999, "[A-Z]{3}", "[A-Z]{3}").prop_map(|(carrier, number, from, to)| {
        LegModel {
            carrier,
            number,
            from,
            to,
        }
    })
}

fn message() -> impl Strategy<Value = MessageModel> {
    (
        select(vec!["745", "250"]),
        prop::collection::vec(leg(), 1..=3),
        prop::collection::vec(traveller(), 0..=6),
    )
        .prop_map(|(list, legs, travellers)| MessageModel {
            list,
            legs,
            travellers,
            transfer: None,
            wrong_segment_count: None,
        })
}

fn interchange() -> impl Strategy<Value = InterchangeModel> {
    (
        separators(),
        any::<bool>(),
        any::<bool>(),
        prop::collection::vec(message(), 1..=3),
    )
        .prop_map(|(una, newlines, grouped, messages)| InterchangeModel {
            una,
            newlines,
            grouped,
            messages,
        })
}

/// What a segment is, for the expectations of the mutation tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Unb,
    Ung,
    Unh,
    Bgm,
    Flight,
    Traveller {
        crew: bool,
    },
    TravellerDetail,
    Count {
        crew: bool,
    },
    Unt,
    Une,
    Unz,
    /// A segment of a PNRGOV message.
    Pnrgov,
}

#[derive(Debug, Clone)]
struct Written {
    kind: Kind,
    /// Index of the message the segment belongs to (UNH and UNT included).
    message: Option<usize>,
    /// Byte range in the text, terminator included.
    start: usize,
    end: usize,
}

/// A generated interchange as text, with where each segment and each escape is.
#[derive(Debug, Clone)]
struct Built {
    text: String,
    una_len: usize,
    between: &'static str,
    segments: Vec<Written>,
    /// Byte offsets of the release characters written in front of separator characters.
    escapes: Vec<usize>,
}

impl Built {
    fn segment_text(&self, index: usize) -> &str {
        let Written { start, end, .. } = self.segments[index];
        &self.text[start..end]
    }

    /// The interchange with its segments in the order given (UNA first when there is one).
    fn rejoin(&self, order: impl IntoIterator<Item = usize>) -> String {
        let mut text = self.text[..self.una_len].to_owned();
        for index in order {
            if !text.is_empty() {
                text.push_str(self.between);
            }
            text.push_str(self.segment_text(index));
        }
        text
    }

    /// 1-based segment numbers of the segments of message `message` that satisfy `kind`.
    fn numbers(&self, message: usize, kind: impl Fn(Kind) -> bool) -> Vec<usize> {
        self.segments
            .iter()
            .enumerate()
            .filter(|(_, s)| s.message == Some(message) && kind(s.kind))
            .map(|(i, _)| i + 1)
            .collect()
    }

    /// The tag of the segment at index `index`.
    fn tag(&self, index: usize) -> &str {
        &self.segment_text(index)[..3]
    }

    fn number_of(&self, kind: Kind) -> usize {
        self.segments.iter().position(|s| s.kind == kind).unwrap() + 1
    }
}

struct Writer {
    separators: Separators,
    between: &'static str,
    text: String,
    segments: Vec<Written>,
    escapes: Vec<usize>,
}

impl Writer {
    fn segment(&mut self, kind: Kind, message: Option<usize>, tag: &str, elements: &[Vec<&str>]) {
        let Separators {
            component,
            element,
            release,
            segment,
            ..
        } = self.separators;
        if !self.text.is_empty() {
            self.text.push_str(self.between);
        }
        let start = self.text.len();
        self.text.push_str(tag);
        for components in elements {
            self.text.push(element);
            for (i, value) in components.iter().enumerate() {
                if i > 0 {
                    self.text.push(component);
                }
                for c in value.chars() {
                    if [component, element, release, segment].contains(&c) {
                        self.escapes.push(self.text.len());
                        self.text.push(release);
                    }
                    self.text.push(c);
                }
            }
        }
        self.text.push(segment);
        self.segments.push(Written {
            kind,
            message,
            start,
            end: self.text.len(),
        });
    }
}

impl InterchangeModel {
    fn build(&self) -> Built {
        let separators = self.una.unwrap_or_default();
        let mut w = Writer {
            separators,
            between: if self.newlines { "\r\n" } else { "" },
            text: String::new(),
            segments: Vec::new(),
            escapes: Vec::new(),
        };
        if let Some(s) = self.una {
            w.text = format!(
                "UNA{}{}{}{}{}{}",
                s.component, s.element, s.decimal, s.release, s.repetition, s.segment
            );
        }
        let una_len = w.text.len();
        w.segment(
            Kind::Unb,
            None,
            "UNB",
            &[
                vec!["UNOC", "4"],
                vec!["AIR1", "ZZ"],
                vec!["GATEHOUSE", "ZZ"],
                vec!["240301", "0900"],
                vec!["IC1"],
            ],
        );
        if self.grouped {
            w.segment(
                Kind::Ung,
                None,
                "UNG",
                &[
                    vec!["PAXLST"],
                    vec!["AIR1"],
                    vec!["GATEHOUSE"],
                    vec!["240301", "0900"],
                    vec!["G1"],
                    vec!["UN"],
                    vec!["D", "05B"],
                ],
            );
        }
        for (index, message) in self.messages.iter().enumerate() {
            write_message(&mut w, index, message);
        }
        let count = self.messages.len().to_string();
        if self.grouped {
            w.segment(Kind::Une, None, "UNE", &[vec![&count], vec!["G1"]]);
        }
        let interchange_count = if self.grouped { "1" } else { &count };
        w.segment(
            Kind::Unz,
            None,
            "UNZ",
            &[vec![interchange_count], vec!["IC1"]],
        );
        Built {
            text: w.text,
            una_len,
            between: w.between,
            segments: w.segments,
            escapes: w.escapes,
        }
    }
}

fn reference(index: usize) -> String {
    format!("M{}", index + 1)
}

fn write_message(w: &mut Writer, index: usize, model: &MessageModel) {
    let at = Some(index);
    let first = w.segments.len();
    let reference = reference(index);
    let mut unh = vec![
        vec![reference.as_str()],
        vec!["PAXLST", "D", "05B", "UN", "IATA"],
    ];
    let sequence = model
        .transfer
        .as_ref()
        .map(|t| (format!("{:02}", t.sequence), t.position));
    if let Some((sequence, position)) = &sequence {
        unh.push(vec!["CAR1"]);
        unh.push(match position {
            Some(position) => vec![sequence.as_str(), position],
            None => vec![sequence.as_str()],
        });
    }
    w.segment(Kind::Unh, at, "UNH", &unh);
    w.segment(Kind::Bgm, at, "BGM", &[vec![model.list]]);
    for leg in &model.legs {
        let flight = format!("{}{:04}", leg.carrier, leg.number);
        let tdt = [
            vec!["20"],
            vec![flight.as_str()],
            vec![],
            vec![],
            vec![leg.carrier.as_str()],
        ];
        w.segment(Kind::Flight, at, "TDT", &tdt);
        w.segment(Kind::Flight, at, "LOC", &[vec!["125"], vec![&leg.from]]);
        w.segment(
            Kind::Flight,
            at,
            "DTM",
            &[vec!["189", "202403011015", "203"]],
        );
        w.segment(Kind::Flight, at, "LOC", &[vec!["87"], vec![&leg.to]]);
        w.segment(
            Kind::Flight,
            at,
            "DTM",
            &[vec!["232", "202403011250", "203"]],
        );
    }
    for traveller in &model.travellers {
        let mut name = vec![traveller.surname.as_str()];
        name.extend(traveller.given_names.iter().map(String::as_str));
        let crew = traveller.role.is_crew();
        let nad = [vec![traveller.code], vec![], vec![], name];
        w.segment(Kind::Traveller { crew }, at, "NAD", &nad);
        if let Some(birth) = traveller.birth {
            let birth = birth.format("%Y%m%d").to_string();
            let dtm = [vec!["329", birth.as_str(), "102"]];
            w.segment(Kind::TravellerDetail, at, "DTM", &dtm);
        }
        if let Some(document) = &traveller.document {
            let doc = [vec!["P"], vec![document.as_str()]];
            w.segment(Kind::TravellerDetail, at, "DOC", &doc);
        }
    }
    let passengers = format!("{}", model.passengers());
    let crew = format!("{}", model.crew());
    w.segment(
        Kind::Count { crew: false },
        at,
        "CNT",
        &[vec!["42", &passengers]],
    );
    w.segment(Kind::Count { crew: true }, at, "CNT", &[vec!["41", &crew]]);
    let count = model
        .wrong_segment_count
        .unwrap_or(w.segments.len() - first + 1)
        .to_string();
    w.segment(Kind::Unt, at, "UNT", &[vec![&count], vec![&reference]]);
}

/// Asserts that `message` holds what `model` generated.
fn assert_message(message: &PaxlstMessage, index: usize, model: &MessageModel) {
    assert_eq!(message.header.reference, reference(index));
    assert!(message.warnings.is_empty(), "{:?}", message.warnings);
    let legs: Vec<_> = message
        .legs
        .iter()
        .map(|leg| {
            (
                leg.flight.carrier.clone(),
                leg.flight.number.clone(),
                leg.departure().map(|s| s.airport.clone()),
                leg.arrival().map(|s| s.airport.clone()),
            )
        })
        .collect();
    let expected: Vec<_> = model
        .legs
        .iter()
        .map(|leg| {
            (
                Some(leg.carrier.clone()),
                format!("{:04}", leg.number),
                Some(leg.from.clone()),
                Some(leg.to.clone()),
            )
        })
        .collect();
    assert_eq!(legs, expected);
    assert_travellers(message, &model.travellers);
    let counts: Vec<_> = message
        .declared_counts
        .iter()
        .map(|c| (c.qualifier.as_str(), c.count))
        .collect();
    assert_eq!(counts, [("42", model.passengers()), ("41", model.crew())]);
    assert_eq!(message.passengers().count(), model.passengers());
    assert_eq!(message.crew().count(), model.crew());
}

fn assert_travellers(message: &PaxlstMessage, expected: &[TravellerModel]) {
    let read: Vec<_> = message
        .travellers
        .iter()
        .map(|t| {
            (
                t.role,
                t.surname.as_ref().map(|s| s.expose().clone()),
                t.given_names.expose().clone(),
                t.date_of_birth.as_ref().map(|d| *d.expose()),
                t.documents
                    .first()
                    .and_then(|d| d.number.as_ref())
                    .map(|n| n.expose().clone()),
            )
        })
        .collect();
    let expected: Vec<_> = expected
        .iter()
        .map(|t| {
            (
                t.role,
                Some(t.surname.clone()),
                t.given_names.clone(),
                t.birth,
                t.document.clone(),
            )
        })
        .collect();
    assert_eq!(read, expected);
}

/// Every error and warning as shown to an operator, to check that no name leaks.
fn shown(interchange: &Result<Interchange, FormatError>) -> Vec<String> {
    let interchange = match interchange {
        Ok(interchange) => interchange,
        Err(error) => return vec![error.to_string()],
    };
    let mut shown: Vec<String> = interchange.warnings.iter().map(|w| w.to_string()).collect();
    for message in &interchange.messages {
        match message {
            Ok(message) => shown.extend(message.warnings.iter().map(|w| w.to_string())),
            Err(error) => shown.push(error.to_string()),
        }
    }
    shown
}

fn assert_no_name_shown(model: &InterchangeModel, results: &[&Result<Interchange, FormatError>]) {
    let names = model
        .messages
        .iter()
        .flat_map(|m| &m.travellers)
        .flat_map(|t| std::iter::once(&t.surname).chain(&t.given_names))
        // Short names could be words of the messages themselves.
        .filter(|name| name.chars().count() >= 6);
    let shown: Vec<String> = results.iter().flat_map(|r| shown(r)).collect();
    for name in names {
        for text in &shown {
            assert!(!text.contains(name.as_str()), "{text:?} shows a name");
        }
    }
}

fn message_error(interchange: &Interchange, index: usize) -> (Option<&str>, usize, &str, &Rule) {
    let MessageError { reference, error } = interchange.messages[index]
        .as_ref()
        .expect_err("the message fails");
    (
        reference.as_deref(),
        error.segment,
        error.tag.as_str(),
        &error.rule,
    )
}

fn warnings(interchange: &Interchange) -> Vec<(usize, &str, &WarningKind)> {
    interchange
        .warnings
        .iter()
        .map(|w| (w.segment, w.tag.as_str(), &w.kind))
        .collect()
}

fn message_warnings(message: &PaxlstMessage) -> Vec<(usize, &str, &WarningKind)> {
    message
        .warnings
        .iter()
        .map(|w| (w.segment, w.tag.as_str(), &w.kind))
        .collect()
}

fn error_of(result: &Result<Interchange, FormatError>) -> (usize, &str, &Rule) {
    let error = result.as_ref().expect_err("the interchange fails");
    (error.segment, error.tag.as_str(), &error.rule)
}

/// Where a cut at byte `cut` (before the end) makes reading fail: the partial segment it falls in,
/// or the last whole segment when it falls between segments.
fn expected_cut_error(built: &Built, cut: usize) -> (usize, String, Rule) {
    if cut == 0 {
        return (0, "???".into(), Rule::Empty);
    }
    if built.una_len > 0 && cut < built.una_len {
        // "U" and "UN" are not UNA: read as a segment with a broken tag.
        return match cut {
            1 | 2 => (1, "???".into(), Rule::InvalidTag),
            _ => (0, "UNA".into(), Rule::ShortServiceStringAdvice),
        };
    }
    let whole = built.segments.iter().filter(|s| s.end <= cut).count();
    match built.segments.get(whole) {
        Some(partial) if partial.start < cut => {
            let number = whole + 1;
            if built.escapes.contains(&(cut - 1)) {
                (number, "???".into(), Rule::DanglingRelease)
            } else if cut - partial.start < 3 {
                (number, "???".into(), Rule::InvalidTag)
            } else {
                let tag = built.text[partial.start..partial.start + 3].to_owned();
                (number, tag, Rule::UnterminatedSegment)
            }
        }
        _ if whole == 0 => (0, "???".into(), Rule::Empty),
        _ => (whole, "???".into(), Rule::MissingInterchangeTrailer),
    }
}

/// Where to cut: anywhere, or where a cut is rare but telling (right after a release character,
/// around the start of a segment).
#[derive(Debug, Clone)]
enum Cut {
    Anywhere(Index),
    AfterEscape(Index),
    NearSegmentStart(Index, usize),
}

fn cut() -> impl Strategy<Value = Cut> {
    prop_oneof![
        2 => any::<Index>().prop_map(Cut::Anywhere),
        1 => any::<Index>().prop_map(Cut::AfterEscape),
        1 => (any::<Index>(), 0usize..5).prop_map(|(i, offset)| Cut::NearSegmentStart(i, offset)),
    ]
}

impl Cut {
    /// A byte offset before the end of `built`.
    fn at(&self, built: &Built) -> usize {
        let len = built.text.len();
        let anywhere = |index: &Index| index.index(len);
        match self {
            Cut::Anywhere(index) => anywhere(index),
            Cut::AfterEscape(index) if built.escapes.is_empty() => anywhere(index),
            Cut::AfterEscape(index) => built.escapes[index.index(built.escapes.len())] + 1,
            Cut::NearSegmentStart(index, offset) => {
                let segment = &built.segments[index.index(built.segments.len())];
                (segment.start + offset).min(len - 1)
            }
        }
    }
}

/// Which message and which of its segments (UNH to UNT) a mutation hits.
fn pick(built: &Built, model: &InterchangeModel, which: (Index, Index)) -> (usize, usize) {
    let message = which.0.index(model.messages.len());
    let candidates: Vec<usize> = (0..built.segments.len())
        .filter(|&i| built.segments[i].message == Some(message))
        .collect();
    (message, candidates[which.1.index(candidates.len())])
}

/// Segment number and tag of the trailer that counts messages: UNE in a group, else UNZ.
fn message_counter(built: &Built, model: &InterchangeModel) -> (usize, &'static str) {
    if model.grouped {
        (built.number_of(Kind::Une), "UNE")
    } else {
        (built.number_of(Kind::Unz), "UNZ")
    }
}

proptest! {
    #![proptest_config(config(96))]

    #[test]
    fn generated_interchanges_read_back_as_generated(model in interchange()) {
        read_back(&model);
    }

    #[test]
    fn a_cut_interchange_fails_where_it_was_cut(model in interchange(), cut in cut()) {
        cut_fails_at_the_cut(&model, &cut);
    }

    #[test]
    fn a_dropped_segment_is_named(model in interchange(), which in any::<(Index, Index)>()) {
        dropped_segment_is_named(&model, which);
    }

    #[test]
    fn a_doubled_segment_is_named(model in interchange(), which in any::<(Index, Index)>()) {
        doubled_segment_is_named(&model, which);
    }

    #[test]
    fn a_wrong_unt_count_fails_only_its_message(
        model in interchange(),
        which in any::<Index>(),
        offset in 1usize..500,
        lower in any::<bool>(),
    ) {
        wrong_unt_count_fails_only_its_message(model, which, offset, lower);
    }
}

// Test bodies as functions (plain asserts: proptest catches the panic and shrinks the input), so
// that rustfmt formats them.

fn read_back(model: &InterchangeModel) {
    let built = model.build();
    let raw = edifact::read_interchange(&built.text).unwrap();
    assert_eq!(raw.separators, model.una.unwrap_or_default());
    assert_eq!(raw.groups.len(), usize::from(model.grouped));

    let interchange = paxlst::parse_interchange(&built.text).unwrap();
    assert!(
        interchange.warnings.is_empty(),
        "{:?}",
        interchange.warnings
    );
    assert_eq!(interchange.header.control_reference, "IC1");
    assert_eq!(interchange.messages.len(), model.messages.len());
    for (index, (message, expected)) in interchange.messages.iter().zip(&model.messages).enumerate()
    {
        assert_message(message.as_ref().unwrap(), index, expected);
        let raw = raw.messages[index].as_ref().unwrap();
        assert_eq!(raw.segments.len(), built.numbers(index, |_| true).len() - 2);
    }
    // Bytes that are UTF-8 decode to the same text.
    assert_eq!(edifact::decode(built.text.as_bytes()), built.text.as_str());
}

fn cut_fails_at_the_cut(model: &InterchangeModel, cut: &Cut) {
    let built = model.build();
    let cut = cut.at(&built);
    // A cut inside a multi-byte character makes the text ISO 8859-1, byte for byte: the
    // separators, all ASCII, stay where they were.
    let text = edifact::decode(&built.text.as_bytes()[..cut]);
    let (segment, tag, rule) = expected_cut_error(&built, cut);
    let strict = paxlst::parse_interchange(&text);
    let lenient = paxlst::parse_interchange_with(&text, LENIENT);
    for result in [&strict, &lenient] {
        assert_eq!(error_of(result), (segment, tag.as_str(), &rule));
    }
    assert_eq!(
        edifact::read_interchange(&text).map(|_| ()),
        strict.as_ref().map(|_| ()).map_err(Clone::clone)
    );
    assert_no_name_shown(model, &[&strict, &lenient]);
}

/// Qualifier and number of the travellers that a CNT of this kind counts.
fn listed(model: &MessageModel, crew: bool) -> (&'static str, usize) {
    if crew {
        ("41", model.crew())
    } else {
        ("42", model.passengers())
    }
}

fn dropped_segment_is_named(model: &InterchangeModel, which: (Index, Index)) {
    let built = model.build();
    let (message, dropped) = pick(&built, model, which);
    let kind = built.segments[dropped].kind;
    let text = built.rejoin((0..built.segments.len()).filter(|&i| i != dropped));
    let strict = paxlst::parse_interchange(&text);
    let lenient = paxlst::parse_interchange_with(&text, LENIENT);
    let reference = reference(message);
    let reference = Some(reference.as_str());
    let unh = built.numbers(message, |k| k == Kind::Unh)[0];
    let unt = built.numbers(message, |k| k == Kind::Unt)[0];
    let declared = unt - unh + 1;
    let count = model.messages.len();
    match kind {
        Kind::Unh => {
            // Its segments are left outside any message, and one message is missing.
            let (number, tag) = message_counter(&built, model);
            let rule = Rule::ControlCount {
                tag,
                counted: "messages",
                declared: count,
                actual: count - 1,
            };
            assert_eq!(error_of(&strict), (number - 1, tag, &rule));
            let lenient = lenient.as_ref().unwrap();
            assert_eq!(lenient.messages.len(), count - 1);
            let found = warnings(lenient);
            // Segment `segment` is now the one that followed it, whose index is `segment`.
            for segment in unh..unt {
                let outside = (segment, built.tag(segment), &WarningKind::OutsideMessage);
                assert!(found.contains(&outside), "{found:?}");
            }
            let counted = (number - 1, tag, &WarningKind::ControlCount(rule));
            assert!(found.contains(&counted), "{found:?}");
        }
        Kind::Unt => {
            for result in [&strict, &lenient] {
                let interchange = result.as_ref().unwrap();
                assert_eq!(
                    message_error(interchange, message),
                    (reference, unh, "UNH", &Rule::UnterminatedMessage)
                );
            }
        }
        _ => {
            // A segment inside the message: the UNT, now one place earlier, counts one too many.
            let rule = Rule::SegmentCount {
                declared,
                actual: declared - 1,
            };
            let interchange = strict.as_ref().unwrap();
            assert_eq!(
                message_error(interchange, message),
                (reference, unt - 1, "UNT", &rule)
            );
            let lenient = lenient.as_ref().unwrap();
            let counted = (unt - 1, "UNT", &WarningKind::ControlCount(rule));
            assert!(warnings(lenient).contains(&counted));
            if kind == Kind::Bgm {
                assert_eq!(
                    message_error(lenient, message),
                    (reference, unh, "UNH", &Rule::MissingDocumentName)
                );
            } else if let Kind::Traveller { crew } = kind {
                let read = lenient.messages[message].as_ref().unwrap();
                let (qualifier, listed) = listed(&model.messages[message], crew);
                let cnt = built.numbers(message, |k| k == Kind::Count { crew })[0];
                let expected = WarningKind::TravellerCount {
                    qualifier,
                    declared: listed,
                    actual: listed - 1,
                };
                let found = message_warnings(read);
                assert!(found.contains(&(cnt - 1, "CNT", &expected)), "{found:?}");
            } else {
                assert!(lenient.messages[message].is_ok());
            }
        }
    }
    for (index, other) in strict.iter().flat_map(|i| i.messages.iter()).enumerate() {
        if index != message {
            assert!(other.is_ok(), "{other:?}");
        }
    }
    assert_no_name_shown(model, &[&strict, &lenient]);
}

fn doubled_segment_is_named(model: &InterchangeModel, which: (Index, Index)) {
    let built = model.build();
    let (message, doubled) = pick(&built, model, which);
    let kind = built.segments[doubled].kind;
    let order = (0..built.segments.len())
        .flat_map(|i| std::iter::repeat_n(i, if i == doubled { 2 } else { 1 }));
    let text = built.rejoin(order);
    let strict = paxlst::parse_interchange(&text);
    let lenient = paxlst::parse_interchange_with(&text, LENIENT);
    let reference = reference(message);
    let unh = built.numbers(message, |k| k == Kind::Unh)[0];
    let unt = built.numbers(message, |k| k == Kind::Unt)[0];
    let declared = unt - unh + 1;
    let count = model.messages.len();
    let expected = &model.messages[message];
    match kind {
        Kind::Unh => {
            // The first UNH has no body and no UNT; the second reads the message.
            let (number, tag) = message_counter(&built, model);
            let rule = Rule::ControlCount {
                tag,
                counted: "messages",
                declared: count,
                actual: count + 1,
            };
            assert_eq!(error_of(&strict), (number + 1, tag, &rule));
            let lenient = lenient.as_ref().unwrap();
            assert_eq!(
                message_error(lenient, message),
                (
                    Some(reference.as_str()),
                    unh,
                    "UNH",
                    &Rule::UnterminatedMessage
                )
            );
            let read = lenient.messages[message + 1].as_ref().unwrap();
            assert_eq!(read.header.segment, unh + 1);
            assert_message(read, message, expected);
            let counted = (number + 1, tag, &WarningKind::ControlCount(rule));
            assert!(warnings(lenient).contains(&counted));
        }
        Kind::Unt => {
            let interchange = strict.as_ref().unwrap();
            let outside = (unt + 1, "UNT", &WarningKind::OutsideMessage);
            assert!(warnings(interchange).contains(&outside));
            assert_message(
                interchange.messages[message].as_ref().unwrap(),
                message,
                expected,
            );
        }
        _ => {
            let rule = Rule::SegmentCount {
                declared,
                actual: declared + 1,
            };
            let interchange = strict.as_ref().unwrap();
            assert_eq!(
                message_error(interchange, message),
                (Some(reference.as_str()), unt + 1, "UNT", &rule)
            );
            let lenient = lenient.as_ref().unwrap();
            let counted = (unt + 1, "UNT", &WarningKind::ControlCount(rule));
            assert!(warnings(lenient).contains(&counted));
            let read = lenient.messages[message].as_ref().unwrap();
            if let Kind::Traveller { crew } = kind {
                let (qualifier, listed) = listed(expected, crew);
                let cnt = built.numbers(message, |k| k == Kind::Count { crew })[0];
                let expected = WarningKind::TravellerCount {
                    qualifier,
                    declared: listed,
                    actual: listed + 1,
                };
                let found = message_warnings(read);
                assert!(found.contains(&(cnt + 1, "CNT", &expected)), "{found:?}");
            }
        }
    }
    assert_no_name_shown(model, &[&strict, &lenient]);
}

fn wrong_unt_count_fails_only_its_message(
    mut model: InterchangeModel,
    which: Index,
    offset: usize,
    lower: bool,
) {
    let message = which.index(model.messages.len());
    let actual = model.build().numbers(message, |_| true).len();
    let declared = if lower && offset < actual {
        actual - offset
    } else {
        actual + offset
    };
    model.messages[message].wrong_segment_count = Some(declared);
    let built = model.build();
    let unt = built.numbers(message, |k| k == Kind::Unt)[0];
    let rule = Rule::SegmentCount { declared, actual };

    let reference = reference(message);
    let strict = paxlst::parse_interchange(&built.text);
    let interchange = strict.as_ref().unwrap();
    assert_eq!(
        message_error(interchange, message),
        (Some(reference.as_str()), unt, "UNT", &rule)
    );
    for (index, other) in interchange.messages.iter().enumerate() {
        if index != message {
            assert_message(other.as_ref().unwrap(), index, &model.messages[index]);
        }
    }
    let lenient = paxlst::parse_interchange_with(&built.text, LENIENT);
    let interchange = lenient.as_ref().unwrap();
    assert_eq!(
        warnings(interchange),
        [(unt, "UNT", &WarningKind::ControlCount(rule))]
    );
    assert_message(
        interchange.messages[message].as_ref().unwrap(),
        message,
        &model.messages[message],
    );
    assert_no_name_shown(&model, &[&strict, &lenient]);
}

// ---------------------------------------------------------------------------------------------
// Multi-part messages.

/// Parts 1..n of one message (C on the first, F on the last) and an order to send them in.
fn multi_part() -> impl Strategy<Value = (InterchangeModel, Vec<usize>)> {
    (separators(), prop::collection::vec(message(), 2..=5)).prop_flat_map(|(una, mut parts)| {
        let n = parts.len();
        for (i, part) in parts.iter_mut().enumerate() {
            part.transfer = Some(TransferModel {
                sequence: u32::try_from(i + 1).unwrap(),
                position: match i {
                    0 => Some("C"),
                    i if i == n - 1 => Some("F"),
                    _ => None,
                },
            });
        }
        let model = InterchangeModel {
            una,
            newlines: false,
            grouped: false,
            messages: parts,
        };
        (Just(model), Just((0..n).collect::<Vec<_>>()).prop_shuffle())
    })
}

fn parsed_parts(model: &InterchangeModel) -> Vec<PaxlstMessage> {
    let interchange = paxlst::parse_interchange(&model.build().text).unwrap();
    interchange
        .messages
        .into_iter()
        .map(Result::unwrap)
        .collect()
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn reassembly_does_not_depend_on_the_order_of_parts((model, order) in multi_part()) {
        reassembly_ignores_order(&model, &order);
    }

    #[test]
    fn a_missing_part_is_named((model, _) in multi_part(), missing in any::<Index>()) {
        missing_part_is_named(&model, missing);
    }
}

fn reassembly_ignores_order(model: &InterchangeModel, order: &[usize]) {
    let parts = parsed_parts(model);
    let in_order = paxlst::reassemble(parts.clone()).unwrap();
    let shuffled = paxlst::reassemble(order.iter().map(|&i| parts[i].clone())).unwrap();
    assert_eq!(shuffled, in_order);

    let all: Vec<TravellerModel> = model
        .messages
        .iter()
        .flat_map(|m| m.travellers.clone())
        .collect();
    assert_travellers(&in_order, &all);
    assert_eq!(in_order.header, parts[0].header);
    assert_eq!(in_order.legs, parts[0].legs);
    assert_eq!(in_order.declared_counts.len(), 2 * model.messages.len());

    // Sent in another order, the parts still come together by their sequence numbers.
    let sent = InterchangeModel {
        messages: order.iter().map(|&i| model.messages[i].clone()).collect(),
        ..model.clone()
    };
    let whole = paxlst::reassemble(parsed_parts(&sent)).unwrap();
    assert_travellers(&whole, &all);
}

fn missing_part_is_named(model: &InterchangeModel, missing: Index) {
    let parts = parsed_parts(model);
    let missing = missing.index(parts.len());
    let last = parts.len() - 1;
    let rest = parts
        .into_iter()
        .enumerate()
        .filter(|&(i, _)| i != missing)
        .map(|(_, part)| part);
    let expected = if missing == last {
        ReassemblyError::MissingLastPart {
            after: u32::try_from(last).unwrap(),
        }
    } else {
        ReassemblyError::MissingPart {
            sequence: u32::try_from(missing + 1).unwrap(),
        }
    };
    assert_eq!(paxlst::reassemble(rest).unwrap_err(), expected);
}

// ---------------------------------------------------------------------------------------------
// PNRGOV.

/// Runs the PNRGOV parser in both modes; what strict reads, lenient reads the same.
fn exercise_pnrgov(text: &str) {
    let strict = pnrgov::parse_interchange(text);
    let lenient = pnrgov::parse_interchange_with(text, LENIENT);
    if let Ok(strict) = &strict {
        let lenient = lenient.as_ref().expect("lenient reads what strict reads");
        assert_eq!(strict.messages.len(), lenient.messages.len());
        for (strict, lenient) in strict.messages.iter().zip(&lenient.messages) {
            if let Ok(message) = strict {
                assert_eq!(Ok(message), lenient.as_ref());
            }
        }
    }
}

/// PNRGOV-shaped fragments (hand-written, in the guide's segment layout).
fn pnrgov_like() -> impl Strategy<Value = String> {
    let segment = select(vec![
        "UNA:+.? '",
        "UNB+UNOA:4+GH+PIU+240301:0900+IC1'",
        "UNG+PNRGOV+GH+PIU+240301:0900+G1+IA+11:1'",
        "UNH+1+PNRGOV:11:1:IA+GH0901/010324/1015'",
        "MSG+:22'",
        "MSG+:141'",
        "ORG+GH:LON++++A'",
        "TVL+010324:1015:010324:1250+LHR+JFK+GH+901'",
        "TVL+010324+LHR+JFK+GH+901:Y'",
        "EQN+2'",
        "EQN+X'",
        "SRC'",
        "RCI+GH:ABC123::010224:1200'",
        "RCI+1A:XYZ789'",
        "DAT+700:010324:0800'",
        "DAT+700:320324'",
        "ORG+GH:LON+12345678:LONGH0001+++A+GB:GBP+A1B2C3'",
        "ADD++700:1 HIGH STREET:LONDON::GBR:N1 1AA'",
        "IFT+4:28::GH+CTCM GH 447700900000'",
        "EBD+GBP:40.00+1::N'",
        "TIF+ROE:A+RICHARD MR:A:1'",
        "TIF+DOE+JANE MRS:A:2:1'",
        "TIF+DOE+BABY:IN:3'",
        "TIF'",
        "SSR+DOCS:HK:1:GH:::::/P/GBR/123456789/GBR/01JAN80/M/01JAN30/ROE/RICHARD'",
        "SSR+SEAT:HK:1:GH:::LHR:JFK+12A::1'",
        "SSR+INFT:HK:1:GH:::::DOE/BABY 01JAN24'",
        "FTI+GH:123456789::GOLD'",
        "REF+:1'",
        "FAR+A++++++BAG'",
        "TKT+1251234567890:T:1'",
        "MON+B:100.00:GBP+T:120.50:GBP'",
        "PTK+NR++010324+GH+006+LON'",
        "TXD++20.50:GB::GBP'",
        "FOP+CC:::VI:XXXXXXXXXXXX1111:0130'",
        "TRA+GH+901:Y'",
        "TRI++1:1'",
        "SSD+12A++++Y'",
        "TBD+++1:20:700+++GH:123456'",
        "APD+73H'",
        "RPI+2+HK'",
        "ABI+1+:LON+LON+GH'",
        "SAC+++A'",
        "LTS+FREE TEXT OF THE HISTORY'",
        "UNT+20+1'",
        "UNE+1+G1'",
        "UNZ+1+IC1'",
        "UNZ+1+IC1",
    ])
    .prop_map(str::to_owned);
    let fragment = select(vec![
        "'", "+", ":", "?", "\r\n", "\n", "’", " ", "UN", "::::", "/",
    ])
    .prop_map(str::to_owned);
    let token = prop_oneof![
        6 => segment,
        2 => fragment,
        1 => "[0-9]{1,12}",
        1 => "[A-Z]{1,4}",
        1 => any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(token, 0..64).prop_map(|tokens| tokens.concat())
}

#[derive(Debug, Clone)]
struct PnrModel {
    system: String,
    locator: String,
    surnames: Vec<String>,
}

fn pnr() -> impl Strategy<Value = PnrModel> {
    (
        "[A-Z0-9]{2}",
        "[A-Z0-9]{6}",
        prop::collection::vec(name(), 1..=3),
    )
        .prop_map(|(system, locator, surnames)| PnrModel {
            system,
            locator,
            surnames,
        })
}

/// A PNRGOV push of `pnrs` for one flight.
fn pnrgov_text(una: Option<Separators>, pnrs: &[PnrModel]) -> String {
    let mut w = Writer {
        separators: una.unwrap_or_default(),
        between: "",
        text: String::new(),
        segments: Vec::new(),
        escapes: Vec::new(),
    };
    if let Some(s) = una {
        w.text = format!(
            "UNA{}{}{}{}{}{}",
            s.component, s.element, s.decimal, s.release, s.repetition, s.segment
        );
    }
    let k = Kind::Pnrgov;
    let unb = [
        vec!["UNOC", "4"],
        vec!["GH"],
        vec!["PIU"],
        vec!["240301", "0900"],
        vec!["IC1"],
    ];
    w.segment(k, None, "UNB", &unb);
    let unh = w.segments.len();
    let header = [vec!["1"], vec!["PNRGOV", "11", "1", "IA"], vec!["GH0901"]];
    w.segment(k, None, "UNH", &header);
    w.segment(k, None, "MSG", &[vec!["", "22"]]);
    w.segment(k, None, "ORG", &[vec!["GH", "LON"]]);
    let tvl = [
        vec!["010324", "1015", "010324", "1250"],
        vec!["LHR"],
        vec!["JFK"],
        vec!["GH"],
        vec!["901"],
    ];
    w.segment(k, None, "TVL", &tvl);
    w.segment(k, None, "EQN", &[vec![pnrs.len().to_string().as_str()]]);
    for pnr in pnrs {
        w.segment(k, None, "SRC", &[]);
        w.segment(k, None, "RCI", &[vec![&pnr.system, &pnr.locator]]);
        for (i, surname) in pnr.surnames.iter().enumerate() {
            let reference = (i + 1).to_string();
            let tif = [vec![surname.as_str()], vec!["", "A", &reference]];
            w.segment(k, None, "TIF", &tif);
        }
    }
    let count = (w.segments.len() - unh + 1).to_string();
    w.segment(k, None, "UNT", &[vec![&count], vec!["1"]]);
    w.segment(k, None, "UNZ", &[vec!["1"], vec!["IC1"]]);
    w.text
}

fn pnrgov_read_back(una: Option<Separators>, pnrs: &[PnrModel]) {
    let text = pnrgov_text(una, pnrs);
    let interchange = pnrgov::parse_interchange(&text).unwrap();
    assert_eq!(interchange.messages.len(), 1);
    let message = interchange.messages[0].as_ref().unwrap();
    assert_eq!(message.declared_pnrs, Some(pnrs.len()));
    let read: Vec<_> = message
        .pnrs
        .iter()
        .map(|pnr| {
            let pnr = pnr.as_ref().unwrap();
            (
                pnr.reservation_system.clone(),
                pnr.record_locator.expose().clone(),
                pnr.travellers
                    .iter()
                    .map(|t| t.surname.expose().clone())
                    .collect::<Vec<_>>(),
            )
        })
        .collect();
    let expected: Vec<_> = pnrs
        .iter()
        .map(|pnr| {
            (
                Some(pnr.system.clone()),
                pnr.locator.clone(),
                pnr.surnames.clone(),
            )
        })
        .collect();
    assert_eq!(read, expected);
}

proptest! {
    #![proptest_config(config(128))]

    #[test]
    fn pnrgov_never_panics_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        exercise_pnrgov(&edifact::decode(&bytes));
    }

    #[test]
    fn pnrgov_never_panics_on_pnrgov_like_input(text in pnrgov_like()) {
        exercise_pnrgov(&text);
    }

    #[test]
    fn pnrgov_pushes_read_back_as_generated(
        una in separators(),
        pnrs in prop::collection::vec(pnr(), 0..=5),
    ) {
        pnrgov_read_back(una, &pnrs);
    }
}
