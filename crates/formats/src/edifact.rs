//! A tolerant UN/EDIFACT interchange reader (ISO 9735 syntax versions 3 and 4).
//!
//! [`tokenize`] splits the input into [`Segment`]s, honouring the UNA advice and the release
//! character; [`read_interchange`] checks the service segments (UNB/UNG/UNH/UNT/UNE/UNZ) and hands
//! back each message's segments.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

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
///
/// The segments of one input share one copy of its text and one list of where their elements and
/// components lie in it, so a segment costs no allocation of its own whatever the number of its
/// components.
#[derive(Clone)]
pub struct Segment {
    store: Arc<Store>,
    span: Span,
}

/// The text and layout of every segment of one input.
#[derive(Debug)]
struct Store {
    /// The input after UNA, then the parts that had to be rebuilt: tags and data elements holding
    /// a release character, data elements of an input whose separators take more than one byte.
    /// Between two components of a data element there is always one byte (a separator).
    text: String,
    /// Per segment: the index of each data element's first component among the segment's
    /// components, then their number (elements + 1 entries); then the end in `text` of each
    /// component.
    layout: Vec<usize>,
}

/// Where one segment lies in its [`Store`].
#[derive(Debug, Clone, Copy)]
struct Span {
    number: usize,
    /// Start of the tag ([`TAG_LEN`] ASCII bytes) in the text.
    tag: usize,
    /// Start of the first data component in the text (a component starts a byte after the one
    /// before it ends).
    data: usize,
    /// Start of the segment's entries in the layout.
    layout: usize,
    elements: usize,
    components: usize,
}

/// One segment's part of its [`Store`].
#[derive(Clone, Copy)]
struct View<'s> {
    text: &'s str,
    /// Index of each data element's first component, then the number of components.
    starts: &'s [usize],
    /// End of each component in `text`.
    ends: &'s [usize],
    /// Start of the first component in `text`.
    data: usize,
}

impl<'s> View<'s> {
    /// Indexes of the first component of element `element` (1-based) and of the one after its last.
    fn element(self, element: usize) -> Option<(usize, usize)> {
        let index = element.checked_sub(1)?;
        Some((*self.starts.get(index)?, *self.starts.get(index + 1)?))
    }

    /// Component `index` (0-based, over all data elements), untrimmed.
    fn component(self, index: usize) -> Option<&'s str> {
        let start = match index.checked_sub(1) {
            Some(before) => self.ends.get(before)? + 1,
            None => self.data,
        };
        self.text.get(start..*self.ends.get(index)?)
    }
}

/// Every tag is three letters or digits (see [`is_tag`]).
const TAG_LEN: usize = 3;

/// [`str::trim`], without looking at characters when the value starts and ends with a visible
/// ASCII one, as almost every value does.
fn trim(value: &str) -> &str {
    match (value.as_bytes().first(), value.as_bytes().last()) {
        (Some(first), Some(last)) if first.is_ascii_graphic() && last.is_ascii_graphic() => value,
        (None, _) => value,
        _ => value.trim(),
    }
}

impl Segment {
    /// Position in the interchange, 1-based (see [`FormatError`]).
    pub fn number(&self) -> usize {
        self.span.number
    }

    pub fn tag(&self) -> &str {
        let at = self.span.tag;
        self.store.text.get(at..at + TAG_LEN).unwrap_or(UNKNOWN_TAG)
    }

    /// The number of data elements after the tag.
    pub fn element_count(&self) -> usize {
        self.span.elements
    }

    /// The components of element `element` (1-based, the tag not counted) as sent, untrimmed;
    /// none when the element is absent.
    pub fn components(&self, element: usize) -> impl Iterator<Item = &str> {
        let view = self.view();
        let (first, next) = view.element(element).unwrap_or((0, 0));
        (first..next).filter_map(move |index| view.component(index))
    }

    /// Element `element` (1-based, the tag not counted) component `component` (1-based), trimmed;
    /// `None` when absent or blank.
    pub fn component(&self, element: usize, component: usize) -> Option<&str> {
        let view = self.view();
        let (first, next) = view.element(element)?;
        let offset = component
            .checked_sub(1)
            .filter(|&offset| offset < next.saturating_sub(first))?;
        let value = trim(view.component(first + offset)?);
        (!value.is_empty()).then_some(value)
    }

    /// The first component of element `element`.
    pub fn value(&self, element: usize) -> Option<&str> {
        self.component(element, 1)
    }

    fn view(&self) -> View<'_> {
        let span = self.span;
        let starts_end = span.layout + span.elements + 1;
        let layout = &self.store.layout;
        View {
            text: &self.store.text,
            starts: layout.get(span.layout..starts_end).unwrap_or_default(),
            ends: layout
                .get(starts_end..starts_end + span.components)
                .unwrap_or_default(),
            data: span.data,
        }
    }

    pub(crate) fn error(&self, rule: Rule) -> FormatError {
        FormatError::new(self.number(), self.tag(), rule)
    }

    pub(crate) fn warning(&self, kind: WarningKind) -> Warning {
        Warning::new(self.number(), self.tag(), kind)
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

/// Equal when number, tag and every component are, whatever input they were read from.
impl PartialEq for Segment {
    fn eq(&self, other: &Self) -> bool {
        let (view, other_view) = (self.view(), other.view());
        self.number() == other.number()
            && self.tag() == other.tag()
            && view.starts == other_view.starts
            && (0..view.ends.len())
                .all(|index| view.component(index) == other_view.component(index))
    }
}

impl Eq for Segment {}

/// As the list of lists of components it stands for.
impl fmt::Debug for Segment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Elements<'s>(&'s Segment);
        impl fmt::Debug for Elements<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_list()
                    .entries(
                        (1..=self.0.element_count()).map(|element| Components(self.0, element)),
                    )
                    .finish()
            }
        }
        struct Components<'s>(&'s Segment, usize);
        impl fmt::Debug for Components<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_list().entries(self.0.components(self.1)).finish()
            }
        }
        f.debug_struct("Segment")
            .field("number", &self.number())
            .field("tag", &self.tag())
            .field("elements", &Elements(self))
            .finish()
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

/// Decodes raw bytes by the character set the UNB syntax identifier declares: UNOA and UNOB
/// (ISO 646, 7-bit), UNOC (ISO 8859-1), UNOD to UNOK (ISO 8859-2, -5, -7, -3, -4, -6, -8, -9),
/// UNOW and UNOY (ISO 10646, read as UTF-8).
///
/// Input that is valid UTF-8 is taken as such whatever the declaration: carriers often declare
/// UNOA and send UTF-8, and no ISO 8859 text of real names is also valid UTF-8. Bytes above 0x7F
/// under a 7-bit declaration are read as ISO 8859-1 with a warning (real departure control systems
/// leak them into names, and refusing the whole list would hide the flight); a byte that a
/// declared 8-bit or UTF-8 set does not have is an error naming its segment.
pub fn decode_declared(bytes: &[u8]) -> Result<(Cow<'_, str>, Vec<Warning>), FormatError> {
    let utf8 = std::str::from_utf8(bytes);
    if let Ok(text) = utf8 {
        return Ok((Cow::Borrowed(text), Vec::new()));
    }
    // UNB is segment 1 whether or not UNA precedes it.
    let Some(syntax) = declared_syntax(bytes) else {
        // Without a readable UNB there is nothing to decode by; the reader reports the envelope.
        return Err(FormatError::new(1, "UNB", Rule::UnsupportedCharacterSet));
    };
    let outside = |offset: usize| {
        FormatError::new(
            segment_at(bytes, offset),
            UNKNOWN_TAG,
            Rule::OutsideCharacterSet { offset },
        )
    };
    let unsupported = || FormatError::new(1, "UNB", Rule::UnsupportedCharacterSet);
    // ISO 8859-1 maps every byte to the code point of the same value (encoding_rs would read
    // windows-1252, which differs in 0x80-0x9F).
    let latin1 = || Cow::Owned(bytes.iter().map(|&b| char::from(b)).collect());
    let iso_8859 = |label: &[u8]| {
        let encoding = encoding_rs::Encoding::for_label(label).ok_or_else(unsupported)?;
        encoding
            .decode_without_bom_handling_and_without_replacement(bytes)
            .map(|text| (Cow::Owned(text.into_owned()), Vec::new()))
            .ok_or_else(|| outside(first_undecodable(encoding, bytes)))
    };
    match syntax {
        b"UNOA" | b"UNOB" => {
            let offset = bytes.iter().position(|b| !b.is_ascii()).unwrap_or(0);
            let warning = Warning::new(
                segment_at(bytes, offset),
                UNKNOWN_TAG,
                WarningKind::ReadAsLatin1 {
                    offset,
                    bytes: bytes.iter().filter(|b| !b.is_ascii()).count(),
                },
            );
            Ok((latin1(), vec![warning]))
        }
        b"UNOC" => Ok((latin1(), Vec::new())),
        b"UNOD" => iso_8859(b"iso-8859-2"),
        b"UNOE" => iso_8859(b"iso-8859-5"),
        b"UNOF" => iso_8859(b"iso-8859-7"),
        b"UNOG" => iso_8859(b"iso-8859-3"),
        b"UNOH" => iso_8859(b"iso-8859-4"),
        b"UNOI" => iso_8859(b"iso-8859-6"),
        b"UNOJ" => iso_8859(b"iso-8859-8"),
        b"UNOK" => iso_8859(b"iso-8859-9"),
        b"UNOW" | b"UNOY" => Err(outside(utf8.err().map_or(0, |e| e.valid_up_to()))),
        _ => Err(unsupported()),
    }
}

/// The UNB syntax identifier, read from the raw bytes (element separator from UNA when present).
fn declared_syntax(bytes: &[u8]) -> Option<&[u8]> {
    fn trimmed(bytes: &[u8]) -> Option<&[u8]> {
        let start = bytes.iter().position(|b| !b.is_ascii_whitespace())?;
        bytes.get(start..)
    }
    let mut rest = trimmed(bytes)?;
    let mut element = b'+';
    if let Some(advice) = rest.strip_prefix(b"UNA") {
        element = *advice.get(1)?;
        rest = trimmed(advice.get(6..)?)?;
    }
    let after = rest.strip_prefix(b"UNB")?;
    if after.first() != Some(&element) {
        return None;
    }
    after.get(1..5)
}

/// 1-based position of the segment holding byte `offset`, counting apostrophe-terminated
/// segments after UNA (good enough to point a carrier at the right line; releases are rare).
fn segment_at(bytes: &[u8], offset: usize) -> usize {
    let terminator = match bytes.iter().position(|b| !b.is_ascii_whitespace()) {
        Some(start) if bytes[start..].starts_with(b"UNA") => bytes.get(start + 8).copied(),
        _ => None,
    }
    .unwrap_or(b'\'');
    let body_start = match bytes.windows(3).position(|w| w == b"UNB") {
        Some(at) if at <= offset => at,
        _ => 0,
    };
    1 + bytes[body_start..offset.max(body_start)]
        .iter()
        .filter(|&&b| b == terminator)
        .count()
}

/// Offset of the first byte sequence `encoding` cannot decode.
fn first_undecodable(encoding: &'static encoding_rs::Encoding, bytes: &[u8]) -> usize {
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let mut out = String::with_capacity(decoder.max_utf8_buffer_length(bytes.len()).unwrap_or(0));
    let (result, read) = decoder.decode_to_string_without_replacement(bytes, &mut out, true);
    match result {
        encoding_rs::DecoderResult::Malformed(length, _) => {
            read.saturating_sub(usize::from(length))
        }
        _ => read,
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
    let mut splitter = Splitter::new(&separators);

    // Segments lie in the input as sent: one copy of it serves them all. The lists are reserved
    // beyond the densest fixtures (PAXLST: a segment per 15 bytes, a layout entry per 3), so that
    // those of a large input are not copied as they grow.
    let mut store = Store {
        text: body.to_owned(),
        layout: Vec::with_capacity(body.len() / 2),
    };
    let mut spans: Vec<Span> = Vec::with_capacity(body.len() / 12);
    let mut warnings = Vec::new();
    let mut after_unz = false;
    let mut at = 0;
    loop {
        at = body[at..]
            .find(|c: char| !c.is_whitespace() || is_separator(c))
            .map_or(body.len(), |skipped| at + skipped);
        if at == body.len() {
            break;
        }
        if after_unz {
            let characters = body[at..].trim_end().chars().count();
            warnings.push(Warning::new(
                spans.len(),
                "UNZ",
                WarningKind::TrailingData { characters },
            ));
            break;
        }
        let number = spans.len() + 1;
        let (span, end) = splitter.segment(body, at, number, &mut store)?;
        after_unz = store.text.get(span.tag..span.tag + TAG_LEN) == Some("UNZ");
        spans.push(span);
        at = end;
    }
    if spans.is_empty() {
        return Err(FormatError::new(0, UNKNOWN_TAG, Rule::Empty));
    }
    let store = Arc::new(store);
    let segments = spans
        .into_iter()
        .map(|span| Segment {
            store: Arc::clone(&store),
            span,
        })
        .collect();
    Ok(Tokens {
        separators,
        segments,
        warnings,
    })
}

/// A service character that splits a segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Separator {
    Component,
    Element,
    Release,
    Terminator,
}

/// What a byte of the input may begin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mark {
    Text,
    Separator(Separator),
    /// The first byte of a separator that is not ASCII, or of another character.
    Multibyte,
}

/// Splits segments at the separators, byte by byte (UTF-8 is self-synchronising, so a separator's
/// bytes only ever match at a character boundary), reusing its buffers from segment to segment.
struct Splitter {
    marks: [Mark; 256],
    /// Whether a byte may begin a separator (`marks` other than [`Mark::Text`]).
    stops: [bool; 256],
    /// Each separator as UTF-8 (looked at for those that are not ASCII).
    separators: [(Separator, [u8; 4], usize); 4],
    release: char,
    /// Component and element separators of one byte each: a segment without release characters
    /// then keeps its data elements where they are in the input.
    single_byte: bool,
    /// Byte range in the input of each data component of the segment being read, as sent.
    ranges: Vec<(usize, usize)>,
    /// Index in `ranges` of each data element's first component, then the number of components.
    starts: Vec<usize>,
}

/// Where the parts of one segment lie in the input.
struct Split {
    /// The first component of the tag element, as sent.
    tag: (usize, usize),
    tag_released: bool,
    /// Whether a data component holds a release character.
    released: bool,
    /// Where reading stopped: after the terminator, or at the end of the input.
    end: usize,
    terminated: bool,
}

impl Splitter {
    fn new(separators: &Separators) -> Self {
        let mut marks = [Mark::Text; 256];
        let single_byte = separators.component.is_ascii() && separators.element.is_ascii();
        let release = separators.release;
        let separators = [
            (Separator::Component, separators.component),
            (Separator::Element, separators.element),
            (Separator::Release, separators.release),
            (Separator::Terminator, separators.segment),
        ]
        .map(|(separator, c)| {
            let mut utf8 = [0; 4];
            let len = c.encode_utf8(&mut utf8).len();
            marks[usize::from(utf8[0])] = match len {
                1 => Mark::Separator(separator),
                _ => Mark::Multibyte,
            };
            (separator, utf8, len)
        });
        Self {
            stops: marks.map(|mark| mark != Mark::Text),
            marks,
            separators,
            release,
            single_byte,
            ranges: Vec::new(),
            starts: Vec::new(),
        }
    }

    /// The next separator from byte `at` on: which, where it starts and its length in bytes.
    fn next_separator(&self, bytes: &[u8], mut at: usize) -> Option<(Separator, usize, usize)> {
        loop {
            at += bytes
                .get(at..)?
                .iter()
                .position(|&b| self.stops[usize::from(b)])?;
            match self.marks[usize::from(bytes[at])] {
                Mark::Separator(separator) => return Some((separator, at, 1)),
                _ => match self.multibyte_separator(bytes, at) {
                    Some((separator, len)) => return Some((separator, at, len)),
                    // The first byte of another character: its other bytes are never stops.
                    None => at += 1,
                },
            }
        }
    }

    /// The separator of more than one byte starting at `at`, if any, and its length.
    #[cold]
    fn multibyte_separator(&self, bytes: &[u8], at: usize) -> Option<(Separator, usize)> {
        let rest = bytes.get(at..)?;
        self.separators
            .iter()
            .find(|(_, utf8, len)| utf8.get(..*len).is_some_and(|s| rest.starts_with(s)))
            .map(|&(separator, _, len)| (separator, len))
    }

    /// Reads the segment that starts at byte `start` of `body` into `store` (whose text starts
    /// with `body`): where it lies there, and where reading stopped.
    fn segment(
        &mut self,
        body: &str,
        start: usize,
        number: usize,
        store: &mut Store,
    ) -> Result<(Span, usize), FormatError> {
        let split = self.split(body, start, number)?;
        let raw_tag = &body[split.tag.0..split.tag.1];
        let mut resolved_tag = String::new();
        let tag = match split.tag_released {
            false => raw_tag.trim(),
            true => {
                self.resolve_into(raw_tag, &mut resolved_tag);
                resolved_tag.trim()
            }
        };
        if !is_tag(tag) {
            return Err(FormatError::new(number, UNKNOWN_TAG, Rule::InvalidTag));
        }
        if !split.terminated {
            return Err(FormatError::new(number, tag, Rule::UnterminatedSegment));
        }
        let tag = match split.tag_released {
            false => split.tag.0 + (raw_tag.len() - raw_tag.trim_start().len()),
            true => {
                store.text.push_str(tag);
                store.text.len() - TAG_LEN
            }
        };

        let layout = store.layout.len();
        match self.starts.as_slice() {
            [] => store.layout.push(0),
            // A few entries: pushed one by one rather than copied.
            starts => starts.iter().for_each(|&start| store.layout.push(start)),
        }
        let data = match self.ranges.first() {
            Some(&(first, _)) if !split.released && self.single_byte => {
                store.layout.extend(self.ranges.iter().map(|&(_, end)| end));
                first
            }
            // Rebuilt after the input, one byte standing for each separator.
            _ => {
                let data = store.text.len();
                for (index, &(from, to)) in self.ranges.iter().enumerate() {
                    if index > 0 {
                        store.text.push(STAND_IN_SEPARATOR);
                    }
                    match split.released {
                        true => self.resolve_into(&body[from..to], &mut store.text),
                        false => store.text.push_str(&body[from..to]),
                    }
                    store.layout.push(store.text.len());
                }
                data
            }
        };
        let span = Span {
            number,
            tag,
            data,
            layout,
            elements: self.starts.len().saturating_sub(1),
            components: self.ranges.len(),
        };
        Ok((span, split.end))
    }

    /// Appends `raw` to `out`, each release character dropped and the character it releases kept.
    fn resolve_into(&self, raw: &str, out: &mut String) {
        let mut rest = raw;
        while let Some(at) = rest.find(self.release) {
            out.push_str(&rest[..at]);
            let mut released = rest[at + self.release.len_utf8()..].chars();
            out.extend(released.next());
            rest = released.as_str();
        }
        out.push_str(rest);
    }

    /// Finds the parts of the segment that starts at byte `start` of `body`, its data components
    /// into `ranges` and `starts`.
    fn split(&mut self, body: &str, start: usize, number: usize) -> Result<Split, FormatError> {
        self.ranges.clear();
        self.starts.clear();
        let bytes = body.as_bytes();
        let mut split = Split {
            tag: (start, body.len()),
            tag_released: false,
            released: false,
            end: body.len(),
            terminated: false,
        };
        // The tag element: its first component is the tag, any other is dropped.
        let mut tag_ended = false;
        let mut at = start;
        loop {
            let Some((separator, found, len)) = self.next_separator(bytes, at) else {
                return Ok(split);
            };
            at = found + len;
            if separator == Separator::Release {
                split.tag_released |= !tag_ended;
                at = after_released(body, at, number)?;
                continue;
            }
            if !tag_ended {
                split.tag.1 = found;
                tag_ended = true;
            }
            match separator {
                Separator::Element => break,
                Separator::Terminator => {
                    split.end = at;
                    split.terminated = true;
                    return Ok(split);
                }
                _ => {}
            }
        }
        // The data elements.
        self.starts.push(0);
        let mut component_start = at;
        loop {
            let Some((separator, found, len)) = self.next_separator(bytes, at) else {
                // The input ends inside the segment, which is an error once the tag is known.
                return Ok(split);
            };
            at = found + len;
            match separator {
                Separator::Release => {
                    split.released = true;
                    at = after_released(body, at, number)?;
                    continue;
                }
                Separator::Component => self.ranges.push((component_start, found)),
                Separator::Element => {
                    self.ranges.push((component_start, found));
                    self.starts.push(self.ranges.len());
                }
                Separator::Terminator => {
                    self.ranges.push((component_start, found));
                    self.starts.push(self.ranges.len());
                    split.end = at;
                    split.terminated = true;
                    return Ok(split);
                }
            }
            component_start = at;
        }
    }
}

/// Where the character released at byte `at` of `body` ends.
fn after_released(body: &str, at: usize, number: usize) -> Result<usize, FormatError> {
    match body[at..].chars().next() {
        Some(released) => Ok(at + released.len_utf8()),
        None => Err(FormatError::new(number, UNKNOWN_TAG, Rule::DanglingRelease)),
    }
}

/// Stands for a separator between two components rebuilt with their release characters resolved
/// (never read: components are found by their ends).
const STAND_IN_SEPARATOR: char = ':';

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
            segment: unh.number(),
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

    let mut segments = segments.into_iter();
    let unb = match segments.next() {
        Some(unb) if unb.tag() == "UNB" => unb,
        first => {
            return Err(FormatError::new(
                first.as_ref().map_or(0, Segment::number),
                first.as_ref().map_or(UNKNOWN_TAG, Segment::tag),
                Rule::UnexpectedSegment { expected: "UNB" },
            ));
        }
    };
    let header = interchange_header(&unb)?;
    if header.recipient.id.is_empty() {
        warnings.push(unb.warning(WarningKind::MissingElement {
            element: 3,
            name: "interchange recipient",
        }));
    }

    let mut groups: Vec<GroupHeader> = Vec::new();
    let mut open_group: Option<(usize, usize)> = None; // (group index, messages in it)
    let mut messages: Vec<Result<Message, MessageError>> = Vec::new();
    let mut closed = false;
    let mut last_number = unb.number();

    while let Some(segment) = segments.next() {
        last_number = segment.number();
        match segment.tag() {
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
                // Counted first so that the body is moved once, into a list of its size.
                let length = segments
                    .as_slice()
                    .iter()
                    .position(|s| matches!(s.tag(), "UNT" | "UNH" | "UNE" | "UNZ" | "UNG"))
                    .unwrap_or(segments.len());
                let body: Vec<Segment> = segments.by_ref().take(length).collect();
                let unt = match segments.as_slice().first() {
                    Some(next) if next.tag() == "UNT" => segments.next(),
                    _ => None,
                };
                if let Some(last) = unt.as_ref().or(body.last()) {
                    last_number = last.number();
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
        // PNRGOV pushes often leave it empty (as the IATA guide's examples do): the channel the
        // interchange arrives on names the recipient. Reported as a warning by the caller.
        recipient: match unb.value(3) {
            Some(_) => EnvelopeParty::from_element(unb, 3, "interchange recipient")?,
            None => EnvelopeParty {
                id: String::new(),
                qualifier: None,
            },
        },
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
        segment: ung.number(),
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
        assert_eq!(tokens.segments[0].element_count(), 4);
    }

    #[test]
    fn separators_of_several_bytes_and_released_ones_are_read() {
        // Component ä, element ö, release €, terminator ¦ (two, two, three and two bytes).
        let input = "UNAäö.€ ¦UNBöUNOAä4öSöRö140211ä1800öREF¦\
                     FTXöAAIööö€öMÜLLERä€äXöä2¦UNZö0öREF¦";
        let tokens = tokenize(input).unwrap();
        let ftx = &tokens.segments[1];
        assert_eq!((ftx.number(), ftx.tag()), (2, "FTX"));
        assert_eq!(ftx.element_count(), 5);
        assert_eq!(ftx.components(4).collect::<Vec<_>>(), ["öMÜLLER", "äX"]);
        assert_eq!(ftx.components(5).collect::<Vec<_>>(), ["", "2"]);
        assert_eq!(ftx.component(5, 2), Some("2"));
        assert_eq!(tokens.segments[2].value(2), Some("REF"));
    }

    #[test]
    fn components_are_kept_as_sent_and_read_trimmed() {
        let tokens = tokenize("N?AD :9+ FL :X++'SRC'").unwrap();
        let nad = &tokens.segments[0];
        // The tag's release and blanks are resolved; the other components of the tag element
        // are dropped, as before.
        assert_eq!(nad.tag(), "NAD");
        assert_eq!(nad.components(1).collect::<Vec<_>>(), [" FL ", "X"]);
        assert_eq!(nad.component(1, 1), Some("FL"));
        assert_eq!(
            (nad.element_count(), nad.value(2), nad.value(3)),
            (3, None, None)
        );
        assert_eq!(nad.components(4).count(), 0);
        assert_eq!(nad.component(1, 0), None);
        assert_eq!(nad.component(0, 1), None);
        let src = &tokens.segments[1];
        assert_eq!(
            (src.tag(), src.element_count(), src.value(1)),
            ("SRC", 0, None)
        );
    }

    #[test]
    fn segments_compare_and_print_by_their_components() {
        let plain = tokenize("FTX+AAI+++A:B'").unwrap().segments;
        let other_separators = tokenize("UNA|*.! ~FTX*AAI***A|B~").unwrap().segments;
        let needless_release = tokenize("FTX+AAI+++?A:B'").unwrap().segments;
        let different = tokenize("FTX+AAI+++A:C'").unwrap().segments;
        assert_eq!(plain, other_separators);
        assert_eq!(plain, needless_release);
        assert_ne!(plain, different);
        assert_eq!(
            format!("{:?}", plain[0]),
            r#"Segment { number: 1, tag: "FTX", elements: [["AAI"], [""], [""], ["A", "B"]] }"#
        );
    }

    #[test]
    fn segments_can_go_to_other_threads() {
        fn shareable<T: Send + Sync>() {}
        shareable::<Segment>();
        shareable::<Interchange>();
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

    #[test]
    fn declared_character_sets_decode_and_foreign_bytes_are_located() {
        let body = |syntax: &str, name: &[u8]| {
            let mut bytes = format!("UNB+{syntax}:4+S+R+140211:1800+R1'NAD+FL+++").into_bytes();
            bytes.extend_from_slice(name);
            bytes.extend_from_slice(b"'UNZ+0+R1'");
            bytes
        };
        let name_of = |bytes: &[u8]| {
            let (text, warnings) = decode_declared(bytes).unwrap();
            assert!(warnings.is_empty());
            text.split("+++")
                .nth(1)
                .unwrap()
                .split('\'')
                .next()
                .unwrap()
                .to_owned()
        };
        // ISO 8859-1 (UNOC), 8859-2 (UNOD: Ž = 0xAE, đ = 0xF0), 8859-5 (UNOE: Ђорђевић).
        assert_eq!(name_of(&body("UNOC", b"M\xdcLLER")), "MÜLLER");
        assert_eq!(name_of(&body("UNOD", b"\xaeIVKOVI\xc6")), "ŽIVKOVIĆ");
        assert_eq!(
            name_of(&body("UNOE", b"\xa2\xde\xe0\xf2\xd5\xd2\xd8\xfb")),
            "Ђорђевић"
        );
        // With UNA, separators come from the advice.
        let mut una = b"UNA:*.? 'UNB*UNOC:4*S*R*140211:1800*R1'NAD*FL***".to_vec();
        una.extend_from_slice(b"\xc5SE'UNZ*0*R1'");
        assert!(decode_declared(&una).unwrap().0.contains("ÅSE"));
        // UTF-8 is taken whatever is declared.
        assert_eq!(name_of(&body("UNOA", "ĐORĐEVIĆ".as_bytes())), "ĐORĐEVIĆ");

        // 8-bit bytes under a 7-bit declaration: read as ISO 8859-1, with a warning naming the
        // segment (NAD is segment 2), not the value.
        let latin1 = body("UNOA", b"M\xdcLL\xc9R");
        let (text, warnings) = decode_declared(&latin1).unwrap();
        assert!(text.contains("MÜLLÉR"));
        assert_eq!(
            warnings,
            [Warning::new(
                2,
                UNKNOWN_TAG,
                WarningKind::ReadAsLatin1 {
                    offset: 40,
                    bytes: 2
                }
            )]
        );
        // A byte a declared UTF-8 set does not have is an error.
        let error = decode_declared(&body("UNOY", b"M\xdcLLER")).unwrap_err();
        assert_eq!(error.segment, 2);
        assert_eq!(error.rule, Rule::OutsideCharacterSet { offset: 40 });
        for syntax in ["UNOX", "KECA"] {
            let error = decode_declared(&body(syntax, b"M\xdcLLER")).unwrap_err();
            assert_eq!(
                error,
                FormatError::new(1, "UNB", Rule::UnsupportedCharacterSet)
            );
        }
        let error = decode_declared(b"\x00\xff\xfe binary").unwrap_err();
        assert_eq!(error.rule, Rule::UnsupportedCharacterSet);
    }
}
