//! A tolerant UN/EDIFACT interchange reader (ISO 9735 syntax versions 3 and 4).
//!
//! [`tokenize`] splits the input into [`Segment`]s, honouring the UNA advice and the release
//! character; [`read_interchange`] checks the service segments (UNB/UNG/UNH/UNT/UNE/UNZ) and hands
//! back each message's segments.

use std::borrow::Cow;

use chrono::{NaiveDate, NaiveDateTime};

use crate::dates;
use crate::diagnostic::{FormatError, MessageError, Rule, UNKNOWN_TAG, Warning, WarningKind};

/// The service characters of an interchange (UNA, or the defaults of ISO 9735).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Separators {
    pub component: char,
    pub element: char,
    pub decimal: char,
    pub release: char,
    /// Kept as advised but not used to split: version 3 reserves it (often a space, which real
    /// names contain) and the PAXLST guides use no repeating elements.
    pub repetition: char,
    pub segment: char,
}

impl Default for Separators {
    fn default() -> Self {
        Self {
            component: ':',
            element: '+',
            decimal: '.',
            release: '?',
            repetition: '*',
            segment: '\'',
        }
    }
}

/// One segment: its tag, its position in the interchange and its elements, each a list of
/// components, with release characters already resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    number: usize,
    tag: String,
    elements: Vec<Vec<String>>,
}

impl Segment {
    /// Position in the interchange, 1-based (see [`FormatError`]).
    pub fn number(&self) -> usize {
        self.number
    }

    pub fn tag(&self) -> &str {
        &self.tag
    }

    /// The data elements after the tag.
    pub fn elements(&self) -> &[Vec<String>] {
        &self.elements
    }

    /// Element `element` (1-based, the tag not counted) component `component` (1-based), trimmed;
    /// `None` when absent or blank.
    pub fn component(&self, element: usize, component: usize) -> Option<&str> {
        let value = self
            .elements
            .get(element.checked_sub(1)?)?
            .get(component.checked_sub(1)?)?
            .trim();
        (!value.is_empty()).then_some(value)
    }

    /// The first component of element `element`.
    pub fn value(&self, element: usize) -> Option<&str> {
        self.component(element, 1)
    }

    pub(crate) fn error(&self, rule: Rule) -> FormatError {
        FormatError::new(self.number, &self.tag, rule)
    }

    pub(crate) fn warning(&self, kind: WarningKind) -> Warning {
        Warning::new(self.number, &self.tag, kind)
    }

    pub(crate) fn require(&self, element: usize, name: &'static str) -> Result<&str, FormatError> {
        self.value(element)
            .ok_or_else(|| self.error(Rule::MissingElement { element, name }))
    }

    pub(crate) fn number_at(
        &self,
        element: usize,
        name: &'static str,
    ) -> Result<usize, FormatError> {
        self.require(element, name)?
            .parse()
            .map_err(|_| self.error(Rule::NotANumber { element, name }))
    }
}

/// The segments of an input, before the envelope is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tokens {
    pub separators: Separators,
    pub segments: Vec<Segment>,
    pub warnings: Vec<Warning>,
}

/// Decodes raw bytes: UTF-8 when valid, otherwise ISO 8859-1 (syntax level UNOC), which maps every
/// byte to a character so that a stray byte never makes a whole interchange unreadable.
pub fn decode(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => Cow::Owned(bytes.iter().map(|&byte| char::from(byte)).collect()),
    }
}

/// Splits `input` into segments.
///
/// Whitespace before a segment (newlines, CR, spaces) is skipped and the tag is trimmed. Reading
/// stops after UNZ: anything but whitespace after it becomes a [`WarningKind::TrailingData`].
pub fn tokenize(input: &str) -> Result<Tokens, FormatError> {
    let input = input.trim_start_matches('\u{feff}').trim_start();
    let (separators, body) = match input.strip_prefix("UNA") {
        Some(advice) => service_string_advice(advice)?,
        None => (Separators::default(), input),
    };
    let Separators {
        component,
        element,
        release,
        segment: terminator,
        ..
    } = separators;
    let is_separator = |c: char| c == component || c == element || c == release || c == terminator;

    let mut segments = Vec::new();
    let mut warnings = Vec::new();
    let mut chars = body.char_indices().peekable();
    loop {
        while chars
            .next_if(|&(_, c)| c.is_whitespace() && !is_separator(c))
            .is_some()
        {}
        let Some(&(start, _)) = chars.peek() else {
            break;
        };
        if segments.last().is_some_and(|s: &Segment| s.tag == "UNZ") {
            let characters = body[start..].trim_end().chars().count();
            warnings.push(Warning::new(
                segments.len(),
                "UNZ",
                WarningKind::TrailingData { characters },
            ));
            break;
        }

        let number = segments.len() + 1;
        let mut elements: Vec<Vec<String>> = Vec::new();
        let mut components: Vec<String> = Vec::new();
        let mut current = String::new();
        let mut terminated = false;
        while let Some((_, c)) = chars.next() {
            if c == release {
                match chars.next() {
                    Some((_, escaped)) => current.push(escaped),
                    None => {
                        return Err(FormatError::new(number, UNKNOWN_TAG, Rule::DanglingRelease));
                    }
                }
            } else if c == component {
                components.push(std::mem::take(&mut current));
            } else if c == element {
                components.push(std::mem::take(&mut current));
                elements.push(std::mem::take(&mut components));
            } else if c == terminator {
                terminated = true;
                break;
            } else {
                current.push(c);
            }
        }
        components.push(current);
        elements.push(components);

        let mut elements = elements.into_iter();
        let tag = elements
            .next()
            .and_then(|tag| tag.into_iter().next())
            .map(|tag| tag.trim().to_owned())
            .filter(|tag| is_tag(tag));
        let Some(tag) = tag else {
            return Err(FormatError::new(number, UNKNOWN_TAG, Rule::InvalidTag));
        };
        if !terminated {
            return Err(FormatError::new(number, &tag, Rule::UnterminatedSegment));
        }
        segments.push(Segment {
            number,
            tag,
            elements: elements.collect(),
        });
    }
    if segments.is_empty() {
        return Err(FormatError::new(0, UNKNOWN_TAG, Rule::Empty));
    }
    Ok(Tokens {
        separators,
        segments,
        warnings,
    })
}

fn is_tag(tag: &str) -> bool {
    tag.len() == 3
        && tag
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

fn service_string_advice(advice: &str) -> Result<(Separators, &str), FormatError> {
    let mut chars = advice.char_indices();
    let mut next = || {
        chars
            .next()
            .map(|(_, c)| c)
            .ok_or_else(|| FormatError::new(0, "UNA", Rule::ShortServiceStringAdvice))
    };
    let separators = Separators {
        component: next()?,
        element: next()?,
        decimal: next()?,
        release: next()?,
        repetition: next()?,
        segment: next()?,
    };
    let rest = chars.as_str();
    let Separators {
        component,
        element,
        release,
        segment,
        ..
    } = separators;
    let distinct = [component, element, release, segment];
    if distinct
        .iter()
        .enumerate()
        .any(|(i, c)| distinct[i + 1..].contains(c))
    {
        return Err(FormatError::new(0, "UNA", Rule::AmbiguousSeparators));
    }
    Ok((separators, rest))
}

/// A party of the envelope: identification and its code qualifier (e.g. `ZZ`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvelopeParty {
    pub id: String,
    pub qualifier: Option<String>,
}

impl EnvelopeParty {
    fn from_element(
        segment: &Segment,
        element: usize,
        name: &'static str,
    ) -> Result<Self, FormatError> {
        Ok(Self {
            id: segment.require(element, name)?.to_owned(),
            qualifier: segment.component(element, 2).map(str::to_owned),
        })
    }
}

/// UNB.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterchangeHeader {
    /// Syntax identifier, e.g. `UNOA`.
    pub syntax: String,
    pub syntax_version: Option<String>,
    pub sender: EnvelopeParty,
    pub recipient: EnvelopeParty,
    pub prepared: NaiveDateTime,
    pub control_reference: String,
    /// UNB element 7, e.g. `APIS`.
    pub application_reference: Option<String>,
}

/// UNG.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupHeader {
    pub segment: usize,
    /// Message group identification, e.g. `PAXLST`.
    pub message_group: String,
    pub sender: Option<EnvelopeParty>,
    pub recipient: Option<EnvelopeParty>,
    pub prepared: Option<NaiveDateTime>,
    pub reference: String,
    pub agency: Option<String>,
    /// Message version and release, e.g. `D:05B` as (`D`, `05B`).
    pub version: Option<(String, Option<String>)>,
}

/// Position of a part in a message sent in several transfers (UNH S010, data element 0073).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferPosition {
    /// `C`: the first transfer.
    First,
    /// `F`: the final transfer.
    Last,
}

/// UNH S010 (the fourth data element after the tag): sequence of transfers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transfer {
    pub sequence: u32,
    pub position: Option<TransferPosition>,
}

/// UNH.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageHeader {
    pub segment: usize,
    pub reference: String,
    /// e.g. `PAXLST`.
    pub message_type: String,
    /// e.g. `D`.
    pub version: Option<String>,
    /// e.g. `05B`.
    pub release: Option<String>,
    pub agency: Option<String>,
    /// e.g. `IATA`.
    pub association_code: Option<String>,
    /// UNH data element 0068 (the third after the tag): ties the parts of a multi-part message
    /// together.
    pub common_access_reference: Option<String>,
    pub transfer: Option<Transfer>,
}

impl MessageHeader {
    fn parse(unh: &Segment) -> Result<Self, FormatError> {
        let transfer = match unh.value(4) {
            None => None,
            Some(sequence) => Some(Transfer {
                sequence: sequence.parse().map_err(|_| {
                    unh.error(Rule::NotANumber {
                        element: 4,
                        name: "sequence of transfers",
                    })
                })?,
                position: match unh.component(4, 2) {
                    Some("C") => Some(TransferPosition::First),
                    Some("F") => Some(TransferPosition::Last),
                    _ => None,
                },
            }),
        };
        Ok(Self {
            segment: unh.number,
            reference: unh.require(1, "message reference number")?.to_owned(),
            message_type: unh.require(2, "message type")?.to_owned(),
            version: unh.component(2, 2).map(str::to_owned),
            release: unh.component(2, 3).map(str::to_owned),
            agency: unh.component(2, 4).map(str::to_owned),
            association_code: unh.component(2, 5).map(str::to_owned),
            common_access_reference: unh.value(3).map(str::to_owned),
            transfer,
        })
    }
}

/// A message between UNH and UNT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub header: MessageHeader,
    /// Index into [`Interchange::groups`] when the message sits in a UNG/UNE group.
    pub group: Option<usize>,
    /// The segments between UNH and UNT, both excluded.
    pub segments: Vec<Segment>,
}

/// What to do when a UNT, UNE or UNZ count disagrees with what was read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ControlCounts {
    /// A wrong count is an error: of the message for UNT, of the interchange for UNE/UNZ.
    #[default]
    Enforce,
    /// A wrong count is a warning (several GTAS test feeds carry stale UNT counts).
    Warn,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadOptions {
    pub control_counts: ControlCounts,
}

/// A checked interchange.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interchange {
    pub separators: Separators,
    pub header: InterchangeHeader,
    pub groups: Vec<GroupHeader>,
    pub messages: Vec<Result<Message, MessageError>>,
    pub warnings: Vec<Warning>,
}

/// Reads an interchange with [`ReadOptions::default`] (control counts enforced).
pub fn read_interchange(input: &str) -> Result<Interchange, FormatError> {
    read_interchange_with(input, ReadOptions::default())
}

/// Reads an interchange. Control reference mismatches (UNT/UNH, UNE/UNG, UNZ/UNB) are always
/// warnings: a wrong count points at a lost or merged transmission, a wrong reference alone at a
/// sender's bookkeeping.
pub fn read_interchange_with(
    input: &str,
    options: ReadOptions,
) -> Result<Interchange, FormatError> {
    let Tokens {
        separators,
        segments,
        mut warnings,
    } = tokenize(input)?;
    let mut count_problem =
        |segment: &Segment, rule: Rule, warnings: &mut Vec<Warning>| match options.control_counts {
            ControlCounts::Enforce => Err(segment.error(rule)),
            ControlCounts::Warn => {
                warnings.push(segment.warning(WarningKind::ControlCount(rule)));
                Ok(())
            }
        };

    let mut segments = segments.into_iter().peekable();
    let unb = segments.next_if(|s| s.tag == "UNB").ok_or_else(|| {
        let first = segments.peek();
        FormatError::new(
            first.map_or(0, Segment::number),
            first.map_or(UNKNOWN_TAG, Segment::tag),
            Rule::UnexpectedSegment { expected: "UNB" },
        )
    })?;
    let header = interchange_header(&unb)?;

    let mut groups: Vec<GroupHeader> = Vec::new();
    let mut open_group: Option<(usize, usize)> = None; // (group index, messages in it)
    let mut messages: Vec<Result<Message, MessageError>> = Vec::new();
    let mut closed = false;
    let mut last_number = unb.number;

    while let Some(segment) = segments.next() {
        last_number = segment.number;
        match segment.tag.as_str() {
            "UNG" => {
                if open_group.is_some() {
                    return Err(segment.error(Rule::UnexpectedSegment { expected: "UNE" }));
                }
                groups.push(group_header(&segment)?);
                open_group = Some((groups.len() - 1, 0));
            }
            "UNE" => {
                let Some((index, count)) = open_group.take() else {
                    return Err(segment.error(Rule::UnexpectedSegment {
                        expected: "UNG before UNE",
                    }));
                };
                let declared = segment.number_at(1, "number of messages")?;
                if declared != count {
                    let rule = Rule::ControlCount {
                        tag: "UNE",
                        counted: "messages",
                        declared,
                        actual: count,
                    };
                    count_problem(&segment, rule, &mut warnings)?;
                }
                if segment.value(2) != groups.get(index).map(|g| g.reference.as_str()) {
                    warnings
                        .push(segment.warning(WarningKind::ReferenceMismatch { header: "UNG" }));
                }
            }
            "UNH" => {
                let unh = segment;
                let mut body = Vec::new();
                let mut unt = None;
                while let Some(next) =
                    segments.next_if(|s| !matches!(s.tag.as_str(), "UNH" | "UNE" | "UNZ" | "UNG"))
                {
                    last_number = next.number;
                    if next.tag == "UNT" {
                        unt = Some(next);
                        break;
                    }
                    body.push(next);
                }
                if let Some((_, count)) = open_group.as_mut() {
                    *count += 1;
                }
                let group = open_group.map(|(index, _)| index);
                messages.push(message(
                    &unh,
                    body,
                    unt,
                    group,
                    &mut warnings,
                    &mut count_problem,
                ));
            }
            "UNZ" => {
                if open_group.is_some() {
                    warnings.push(segment.warning(WarningKind::UnclosedGroup));
                }
                let declared = segment.number_at(1, "interchange control count")?;
                let (actual, counted) = if groups.is_empty() {
                    (messages.len(), "messages")
                } else {
                    (groups.len(), "groups")
                };
                if declared != actual {
                    let rule = Rule::ControlCount {
                        tag: "UNZ",
                        counted,
                        declared,
                        actual,
                    };
                    count_problem(&segment, rule, &mut warnings)?;
                }
                if segment.value(2) != Some(header.control_reference.as_str()) {
                    warnings
                        .push(segment.warning(WarningKind::ReferenceMismatch { header: "UNB" }));
                }
                closed = true;
            }
            _ => warnings.push(segment.warning(WarningKind::OutsideMessage)),
        }
    }
    if !closed {
        return Err(FormatError::new(
            last_number,
            UNKNOWN_TAG,
            Rule::MissingInterchangeTrailer,
        ));
    }
    Ok(Interchange {
        separators,
        header,
        groups,
        messages,
        warnings,
    })
}

fn message(
    unh: &Segment,
    body: Vec<Segment>,
    unt: Option<Segment>,
    group: Option<usize>,
    warnings: &mut Vec<Warning>,
    count_problem: &mut impl FnMut(&Segment, Rule, &mut Vec<Warning>) -> Result<(), FormatError>,
) -> Result<Message, MessageError> {
    let reference = unh.value(1).map(str::to_owned);
    let fail = |error| MessageError {
        reference: reference.clone(),
        error,
    };
    let header = MessageHeader::parse(unh).map_err(fail)?;
    let unt = unt.ok_or_else(|| fail(unh.error(Rule::UnterminatedMessage)))?;
    let declared = unt
        .number_at(1, "number of segments in the message")
        .map_err(fail)?;
    let actual = body.len() + 2;
    if declared != actual {
        count_problem(&unt, Rule::SegmentCount { declared, actual }, warnings).map_err(fail)?;
    }
    if unt.value(2) != Some(header.reference.as_str()) {
        warnings.push(unt.warning(WarningKind::ReferenceMismatch { header: "UNH" }));
    }
    Ok(Message {
        header,
        group,
        segments: body,
    })
}

fn interchange_header(unb: &Segment) -> Result<InterchangeHeader, FormatError> {
    Ok(InterchangeHeader {
        syntax: unb.require(1, "syntax identifier")?.to_owned(),
        syntax_version: unb.component(1, 2).map(str::to_owned),
        sender: EnvelopeParty::from_element(unb, 2, "interchange sender")?,
        recipient: EnvelopeParty::from_element(unb, 3, "interchange recipient")?,
        prepared: prepared_at(unb, 4)?.ok_or_else(|| {
            unb.error(Rule::MissingElement {
                element: 4,
                name: "date and time of preparation",
            })
        })?,
        control_reference: unb.require(5, "interchange control reference")?.to_owned(),
        application_reference: unb.value(7).map(str::to_owned),
    })
}

fn group_header(ung: &Segment) -> Result<GroupHeader, FormatError> {
    let party = |element| {
        ung.value(element).map(|id| EnvelopeParty {
            id: id.to_owned(),
            qualifier: ung.component(element, 2).map(str::to_owned),
        })
    };
    Ok(GroupHeader {
        segment: ung.number,
        message_group: ung.require(1, "message group identification")?.to_owned(),
        sender: party(2),
        recipient: party(3),
        prepared: prepared_at(ung, 4)?,
        reference: ung.require(5, "group reference number")?.to_owned(),
        agency: ung.value(6).map(str::to_owned),
        version: ung
            .value(7)
            .map(|v| (v.to_owned(), ung.component(7, 2).map(str::to_owned))),
    })
}

/// Envelope date (YYMMDD or CCYYMMDD) and time (HHMM) of preparation.
fn prepared_at(segment: &Segment, element: usize) -> Result<Option<NaiveDateTime>, FormatError> {
    let Some(date) = segment.value(element) else {
        return Ok(None);
    };
    let invalid = |component, format| {
        segment.error(Rule::InvalidDate {
            element,
            component,
            format,
        })
    };
    let date: NaiveDate = match date.len() {
        6 => dates::yymmdd(date, dates::Century::Current),
        _ => dates::ccyymmdd(date),
    }
    .ok_or_else(|| invalid(1, "YYMMDD"))?;
    let time = match segment.component(element, 2) {
        Some(time) => dates::hhmm(time).ok_or_else(|| invalid(2, "HHMM"))?,
        None => chrono::NaiveTime::MIN,
    };
    Ok(Some(date.and_time(time)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const UNB: &str = "UNB+UNOA:4+SENDER:ZZ+RECIPIENT:ZZ+140211:1800+REF1++APIS'";

    fn interchange(body: &str, trailer: &str) -> String {
        format!("{UNB}{body}{trailer}")
    }

    fn ok_message(reference: &str) -> String {
        format!("UNH+{reference}+PAXLST:D:05B:UN:IATA'BGM+745'UNT+3+{reference}'")
    }

    #[test]
    fn default_separators_without_una() {
        let tokens = tokenize("UNB+UNOA:4+A+B+140211:1800+R'UNZ+0+R'").unwrap();
        assert_eq!(tokens.separators, Separators::default());
        let unb = &tokens.segments[0];
        assert_eq!((unb.number(), unb.tag()), (1, "UNB"));
        assert_eq!(unb.component(1, 2), Some("4"));
        assert_eq!(unb.component(4, 1), Some("140211"));
        assert_eq!(unb.value(9), None);
    }

    #[test]
    fn una_with_non_default_separators_is_honoured() {
        let input =
            "UNA|*,!^~\nUNB*UNOA|4*S*R*140211|1800*REF~\nFTX*AAI***A!*B!|C!~D!!E|2,5~UNZ*0*REF~";
        let tokens = tokenize(input).unwrap();
        assert_eq!(
            tokens.separators,
            Separators {
                component: '|',
                element: '*',
                decimal: ',',
                release: '!',
                repetition: '^',
                segment: '~',
            }
        );
        let ftx = &tokens.segments[1];
        assert_eq!(ftx.number(), 2);
        assert_eq!(ftx.component(4, 1), Some("A*B|C~D!E"));
        assert_eq!(ftx.component(4, 2), Some("2,5"));
    }

    #[test]
    fn release_character_escapes_every_separator_and_itself() {
        let tokens = tokenize("FTX+AAI+++O?'BRIEN?+CO?:LTD??'").unwrap();
        assert_eq!(tokens.segments[0].component(4, 1), Some("O'BRIEN+CO:LTD?"));
        assert_eq!(tokens.segments[0].elements().len(), 4);
    }

    #[test]
    fn whitespace_between_segments_and_around_tags_is_tolerated() {
        let input = format!(
            " \r\n UNA:+.? '\r\n  {UNB}\r\n\t{}\r\nUNG +PAXLST+S+R+140211:1800+G1+UN+D:05B'\r\nUNE+0+G1'\nUNZ+1+REF1'",
            ok_message("M1")
        );
        let interchange = read_interchange(&input).unwrap();
        assert_eq!(interchange.header.control_reference, "REF1");
        assert_eq!(interchange.groups[0].message_group, "PAXLST");
        assert_eq!(interchange.groups[0].segment, 5);
        assert!(
            interchange.warnings.is_empty(),
            "{:?}",
            interchange.warnings
        );
    }

    #[test]
    fn trailing_junk_after_unz_is_a_warning() {
        let input = interchange(&ok_message("M1"), "UNZ+1+REF1'\n13Nov09\n");
        let interchange = read_interchange(&input).unwrap();
        assert_eq!(
            interchange.warnings,
            vec![Warning::new(
                5,
                "UNZ",
                WarningKind::TrailingData { characters: 7 }
            )]
        );
    }

    #[test]
    fn envelope_and_multi_part_header_are_read() {
        let input = interchange(
            "UNH+M1+PAXLST:D:02B:UN:IATA+ABC01+02:F'BGM+745'UNT+3+M1'",
            "UNZ+1+REF1'",
        );
        let interchange = read_interchange(&input).unwrap();
        assert_eq!(interchange.header.sender.id, "SENDER");
        assert_eq!(interchange.header.sender.qualifier.as_deref(), Some("ZZ"));
        assert_eq!(
            interchange.header.prepared,
            NaiveDate::from_ymd_opt(2014, 2, 11)
                .unwrap()
                .and_hms_opt(18, 0, 0)
                .unwrap()
        );
        let message = interchange.messages[0].as_ref().unwrap();
        let header = &message.header;
        assert_eq!(header.message_type, "PAXLST");
        assert_eq!(header.version.as_deref(), Some("D"));
        assert_eq!(header.release.as_deref(), Some("02B"));
        assert_eq!(header.association_code.as_deref(), Some("IATA"));
        assert_eq!(header.common_access_reference.as_deref(), Some("ABC01"));
        assert_eq!(
            header.transfer,
            Some(Transfer {
                sequence: 2,
                position: Some(TransferPosition::Last)
            })
        );
        assert_eq!(message.segments.len(), 1);
    }

    #[test]
    fn wrong_unt_count_fails_only_that_message() {
        let body = format!(
            "UNH+M1+PAXLST:D:05B:UN:IATA'BGM+745'UNT+7+M1'{}",
            ok_message("M2")
        );
        let input = interchange(&body, "UNZ+2+REF1'");
        let interchange = read_interchange(&input).unwrap();
        let error = interchange.messages[0].as_ref().unwrap_err();
        assert_eq!(error.reference.as_deref(), Some("M1"));
        assert_eq!(
            error.error,
            FormatError::new(
                4,
                "UNT",
                Rule::SegmentCount {
                    declared: 7,
                    actual: 3
                }
            )
        );
        assert_eq!(
            error.to_string(),
            "message M1: segment 4 (UNT): UNT declares 7 segments, the message has 3"
        );
        assert!(interchange.messages[1].is_ok());
    }

    #[test]
    fn wrong_counts_are_warnings_when_asked() {
        let input = interchange(
            "UNH+M1+PAXLST:D:05B:UN:IATA'BGM+745'UNT+7+M9'",
            "UNZ+3+REF1'",
        );
        let options = ReadOptions {
            control_counts: ControlCounts::Warn,
        };
        let interchange = read_interchange_with(&input, options).unwrap();
        assert!(interchange.messages[0].is_ok());
        let kinds: Vec<_> = interchange
            .warnings
            .iter()
            .map(|w| (w.segment, &w.kind))
            .collect();
        assert_eq!(
            kinds,
            vec![
                (
                    4,
                    &WarningKind::ControlCount(Rule::SegmentCount {
                        declared: 7,
                        actual: 3
                    })
                ),
                (4, &WarningKind::ReferenceMismatch { header: "UNH" }),
                (
                    5,
                    &WarningKind::ControlCount(Rule::ControlCount {
                        tag: "UNZ",
                        counted: "messages",
                        declared: 3,
                        actual: 1
                    })
                ),
            ]
        );
    }

    #[test]
    fn wrong_unz_and_une_counts_are_errors() {
        let input = interchange(&ok_message("M1"), "UNZ+2+REF1'");
        assert_eq!(
            read_interchange(&input).unwrap_err(),
            FormatError::new(
                5,
                "UNZ",
                Rule::ControlCount {
                    tag: "UNZ",
                    counted: "messages",
                    declared: 2,
                    actual: 1
                }
            )
        );
        let grouped = format!(
            "UNG+PAXLST+S+R+140211:1800+G1+UN+D:05B'{}UNE+2+G1'",
            ok_message("M1")
        );
        let input = interchange(&grouped, "UNZ+1+REF1'");
        assert_eq!(read_interchange(&input).unwrap_err().segment, 6);
    }

    #[test]
    fn missing_unt_fails_that_message_and_the_next_is_read() {
        let body = format!("UNH+M1+PAXLST:D:05B:UN:IATA'BGM+745'{}", ok_message("M2"));
        let input = interchange(&body, "UNZ+2+REF1'");
        let interchange = read_interchange(&input).unwrap();
        let error = interchange.messages[0].as_ref().unwrap_err();
        assert_eq!(
            error.error,
            FormatError::new(2, "UNH", Rule::UnterminatedMessage)
        );
        assert_eq!(
            interchange.messages[1].as_ref().unwrap().header.reference,
            "M2"
        );
    }

    #[test]
    fn syntax_errors_name_the_segment_and_never_echo_content() {
        let cases = [
            (
                "UNB+A'SMITH JOHN+X'",
                FormatError::new(2, UNKNOWN_TAG, Rule::InvalidTag),
            ),
            (
                "UNB+A'NAD+FL+++SMITH",
                FormatError::new(2, "NAD", Rule::UnterminatedSegment),
            ),
            (
                "UNB+A'NAD+FL+++SMITH?",
                FormatError::new(2, UNKNOWN_TAG, Rule::DanglingRelease),
            ),
            (
                "UNA:+.",
                FormatError::new(0, "UNA", Rule::ShortServiceStringAdvice),
            ),
            (
                "UNA::.? 'UNB'",
                FormatError::new(0, "UNA", Rule::AmbiguousSeparators),
            ),
            ("   \r\n", FormatError::new(0, UNKNOWN_TAG, Rule::Empty)),
            (
                "UNH+1+PAXLST'UNT+2+1'",
                FormatError::new(1, "UNH", Rule::UnexpectedSegment { expected: "UNB" }),
            ),
            (
                "UNB+UNOA:4+S+R+140211:1800+REF1'UNH+1+PAXLST'UNT+2+1'",
                FormatError::new(3, UNKNOWN_TAG, Rule::MissingInterchangeTrailer),
            ),
            (
                "UNB+UNOA:4+S+R+141311:1800+REF1'UNZ+0+REF1'",
                FormatError::new(
                    1,
                    "UNB",
                    Rule::InvalidDate {
                        element: 4,
                        component: 1,
                        format: "YYMMDD",
                    },
                ),
            ),
        ];
        for (input, expected) in cases {
            let error = read_interchange(input).unwrap_err();
            assert_eq!(error, expected, "{input}");
            assert!(!error.to_string().contains("SMITH"), "{error}");
        }
    }

    #[test]
    fn latin_1_bytes_are_decoded() {
        assert_eq!(decode(b"NAD+FL+++M\xfcLLER'"), "NAD+FL+++MüLLER'");
        assert_eq!(decode("MÜLLER".as_bytes()), "MÜLLER");
    }
}
