//! Errors and warnings. They name the segment position, the tag, the element and the rule that was
//! broken, and never carry a value read from the message: an interchange is full of personal data.

use std::fmt;

use thiserror::Error;

/// Tag shown when the segment's own tag is unusable (so that junk is never echoed).
pub(crate) const UNKNOWN_TAG: &str = "???";

/// A broken rule at one segment of the interchange.
///
/// `segment` is the position of the segment in the interchange, 1-based, counting from the segment
/// after the UNA advice (UNB is 1 when present first); 0 stands for the UNA advice itself.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("segment {segment} ({tag}): {rule}")]
pub struct FormatError {
    pub segment: usize,
    pub tag: String,
    pub rule: Rule,
}

impl FormatError {
    pub(crate) fn new(segment: usize, tag: &str, rule: Rule) -> Self {
        Self {
            segment,
            tag: tag.to_owned(),
            rule,
        }
    }
}

/// The rule an interchange or message broke. No variant holds message content.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Rule {
    /// Cargo-IMP: the first line is not a message identifier such as `FWB/17`.
    #[error("line is not a Cargo-IMP message identifier (message type and version)")]
    NotCargoImp,
    /// Cargo-IMP: a line starting with `/` continues the line before it, and there is none.
    #[error("continuation line has no line before it to continue")]
    ContinuationFirst,
    #[error("element {element} ({name}) is not valid")]
    InvalidElement { element: usize, name: &'static str },
    /// Cargo-IMP `parse` reads one message; a file of several is read with `parse_many`.
    #[error("input holds more than one message")]
    SeveralMessages,
    #[error("input holds no segment")]
    Empty,
    #[error("UNA service string advice must hold six characters")]
    ShortServiceStringAdvice,
    #[error("UNA gives the same character to two separators")]
    AmbiguousSeparators,
    #[error("segment tag is not three letters or digits")]
    InvalidTag,
    #[error("release character at the end of the input")]
    DanglingRelease,
    #[error("segment has no terminator")]
    UnterminatedSegment,
    #[error("expected {expected}")]
    UnexpectedSegment { expected: &'static str },
    #[error("element {element} ({name}) is missing")]
    MissingElement { element: usize, name: &'static str },
    #[error("element {element} ({name}) is not a number")]
    NotANumber { element: usize, name: &'static str },
    #[error("UNT declares {declared} segments, the message has {actual}")]
    SegmentCount { declared: usize, actual: usize },
    #[error("{tag} declares {declared} {counted}, the interchange has {actual}")]
    ControlCount {
        tag: &'static str,
        counted: &'static str,
        declared: usize,
        actual: usize,
    },
    #[error("message has no UNT trailer")]
    UnterminatedMessage,
    #[error("interchange has no UNZ trailer")]
    MissingInterchangeTrailer,
    #[error("message type is not PAXLST")]
    NotPaxlst,
    #[error("element {element} component {component} is not a valid date for format {format}")]
    InvalidDate {
        element: usize,
        component: usize,
        format: &'static str,
    },
    #[error("element {element} gives date format code that is not supported")]
    UnsupportedDateFormat { element: usize },
    #[error("BGM segment is missing")]
    MissingDocumentName,
    #[error("message type is not PNRGOV")]
    NotPnrgov,
    #[error("{tag} segment is missing")]
    MissingSegment { tag: &'static str },
    #[error(
        "UNB syntax identifier names no supported character set (UNOA to UNOK, UNOW and UNOY are)"
    )]
    UnsupportedCharacterSet,
    #[error("byte {offset} is not a character of the character set UNB declares")]
    OutsideCharacterSet { offset: usize },
    #[error("message type is not CUSCAR")]
    NotCuscar,
}

/// A message that could not be used, with its UNH reference when the header could be read.
///
/// Other messages of the same interchange are unaffected.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub struct MessageError {
    pub reference: Option<String>,
    pub error: FormatError,
}

impl fmt::Display for MessageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.reference {
            Some(reference) => write!(f, "message {reference}: {}", self.error),
            None => write!(f, "message: {}", self.error),
        }
    }
}

/// Something odd that did not stop the reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub segment: usize,
    pub tag: String,
    pub kind: WarningKind,
}

impl Warning {
    pub(crate) fn new(segment: usize, tag: &str, kind: WarningKind) -> Self {
        Self {
            segment,
            tag: tag.to_owned(),
            kind,
        }
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "segment {} ({}): {}", self.segment, self.tag, self.kind)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum WarningKind {
    /// Cargo-IMP: an unknown tag, or a known one where the message layout has no place for it.
    #[error("line is not used at this place of a Cargo-IMP message and was ignored")]
    NotUsedInCargoImp,
    /// Cargo-IMP: a line with neither a tag nor a leading `/` (a line-wrapped transmission).
    #[error("line has no tag and no leading '/'; read as a continuation of the line before")]
    UntaggedLine,
    #[error("element {element} ({name}) is not valid and was left out")]
    InvalidElement { element: usize, name: &'static str },
    #[error("{characters} characters after UNZ were ignored")]
    TrailingData { characters: usize },
    #[error("control reference does not match the one in {header}")]
    ReferenceMismatch { header: &'static str },
    /// A control count that disagrees, reported instead of an error under [`crate::ControlCounts::Warn`].
    #[error("{0}")]
    ControlCount(Rule),
    #[error("segment outside any message was ignored")]
    OutsideMessage,
    #[error("group is not closed by UNE")]
    UnclosedGroup,
    #[error("segment is not used at this place of a PAXLST message and was ignored")]
    Ignored,
    #[error("CNT {qualifier} declares {declared} travellers, the message lists {actual}")]
    TravellerCount {
        qualifier: &'static str,
        declared: usize,
        actual: usize,
    },
    #[error("element {element} ({name}) is missing")]
    MissingElement { element: usize, name: &'static str },
    #[error("segment is not used at this place of a PNRGOV message and was ignored")]
    NotUsedInPnrgov,
    #[error("{tag} segment is missing")]
    MissingSegment { tag: &'static str },
    #[error("element {element} component {component} ({name}) is not valid and was left out")]
    InvalidValue {
        element: usize,
        component: usize,
        name: &'static str,
    },
    #[error("EQN declares {declared} PNRs, the message holds {actual}")]
    PnrCount { declared: usize, actual: usize },
    #[error("element {element} names a traveller reference that no TIF of the PNR has")]
    UnknownTraveller { element: usize },
    /// Input that was not valid EDIFACT but whose intent is clear, read as intended.
    #[error("{0}")]
    Repaired(Repair),
    #[error(
        "{bytes} bytes from byte {offset} on are outside the 7-bit set UNB declares; read as ISO 8859-1"
    )]
    ReadAsLatin1 { offset: usize, bytes: usize },
    #[error("segment is not used at this place of a CUSCAR message and was ignored")]
    NotUsedInCuscar,
    /// A segment that broke a rule and was left out; the rest of the message was read.
    #[error("{0}; the segment was left out")]
    Skipped(Rule),
    #[error("goods item outside any CNI group; read into a consignment of its own")]
    OutsideConsignment,
    #[error("goods item number repeats one of the same consignment")]
    DuplicateGoodsItem,
    #[error("element {element} names equipment that no EQD of the message declares")]
    UnknownEquipment { element: usize },
    #[error("GID declares {declared} packages, its SGP segments place {placed}")]
    PackageCount { declared: u32, placed: u32 },
}

/// A defect of the transmission that the PNRGOV reader mends before reading (see
/// [`crate::pnrgov`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum Repair {
    #[error("line break inside the segment was dropped (line-wrapped transmission)")]
    LineBreak,
    #[error("typographic apostrophe read as the segment terminator")]
    TypographicTerminator,
    #[error("UNA service string advice with a character missing or typographic was read as meant")]
    ServiceStringAdvice,
    #[error("segment terminator missing at the end of the interchange was supplied")]
    MissingTerminator,
}
