//! Mends the transmission defects real PNRGOV feeds show before the EDIFACT reader sees them,
//! each with a [`Repair`] warning naming the segment:
//!
//! - line breaks inside a segment: feeds wrapped at a fixed column (`45 HIGH⏎STREET`); the break
//!   is dropped, which gives back the value as the reservation system held it;
//! - a UNA advice missing its decimal mark (`UNA:+\*'`) or ending in a typographic apostrophe;
//! - `’` (U+2019) where the segment terminator `'` belongs, as left by word processors: read as
//!   the terminator when a known segment tag or the end of the input follows;
//! - an interchange whose final UNZ has no terminator: one is supplied at the end of its line,
//!   and what follows on other lines is left for the reader to report as trailing data.
//!
//! Nothing is copied unless something is mended.

use std::borrow::Cow;

use crate::diagnostic::{Repair, Warning, WarningKind};

/// Segment tags of PNRGOV and of the service segments: what may follow a misread terminator.
const TAGS: [&str; 37] = [
    "UNA", "UNB", "UNG", "UNH", "UNT", "UNE", "UNZ", "MSG", "ORG", "TVL", "EQN", "SRC", "RCI",
    "SSR", "DAT", "IFT", "ADD", "EBD", "TIF", "FTI", "REF", "FAR", "TKT", "MON", "PTK", "TXD",
    "FOP", "TRA", "RPI", "APD", "SSD", "TRI", "TBD", "ABI", "SAC", "LTS", "ERC",
];

const TYPOGRAPHIC: [char; 2] = ['\u{2019}', '\u{2018}'];

pub(super) struct Prepared<'a> {
    pub text: Cow<'a, str>,
    pub warnings: Vec<Warning>,
}

/// Edits to the input, applied in order: replace `start..end` with `with`.
struct Edit {
    start: usize,
    end: usize,
    with: Cow<'static, str>,
}

pub(super) fn prepare(input: &str) -> Prepared<'_> {
    let mut edits: Vec<Edit> = Vec::new();
    let mut warnings = Vec::new();
    let lead = input.len() - input.trim_start_matches('\u{feff}').trim_start().len();

    let mut element = '+';
    let mut release = '?';
    let mut terminator = '\'';
    let mut separators = [':', '+', '?', '\''];
    let mut body = lead;
    if input[lead..].starts_with("UNA") {
        let advice_start = lead + 3;
        if let Some((advice, end, repaired)) = service_string_advice(&input[advice_start..]) {
            separators = [advice[0], advice[1], advice[3], advice[5]];
            [_, element, _, release, _, terminator] = advice;
            body = advice_start + end;
            if repaired {
                edits.push(Edit {
                    start: advice_start,
                    end: body,
                    with: Cow::Owned(advice.iter().collect()),
                });
                warnings.push(Warning::new(
                    0,
                    "UNA",
                    WarningKind::Repaired(Repair::ServiceStringAdvice),
                ));
            }
        } else {
            // Too short or ambiguous: the reader reports it.
            return Prepared {
                text: Cow::Borrowed(input),
                warnings,
            };
        }
    }

    let is_service = |c: char| separators.contains(&c);
    // Bytes that need a look inside a segment: these ASCII ones and every non-ASCII byte; all
    // others are skipped without decoding, at one table look-up each.
    let mut interesting = [false; 256];
    interesting[0x80..].fill(true);
    for c in [release, terminator, '\n', '\r'] {
        if c.is_ascii() {
            interesting[c as usize] = true;
        }
    }
    let char_at = |at: usize| input.get(at..).and_then(|rest| rest.chars().next());
    let tag_at = |at: usize| {
        input
            .get(at..at + 3)
            .filter(|tag| tag.bytes().all(|b| b.is_ascii_alphanumeric()))
            .unwrap_or("???")
    };
    let bytes = input.as_bytes();
    let mut segment = 1;
    let mut in_segment = false;
    let mut broken_line = false;
    let mut tag_start = body;
    // Edits and warnings of the segment being read, dropped if it turns out to be an
    // unterminated UNZ, which is rebuilt from its raw text.
    let mut segment_edits = edits.len();
    let mut segment_warnings = warnings.len();
    let mut last_end = body;
    let mut at = body;
    while at < bytes.len() {
        if in_segment {
            // Skip to the next byte worth a look.
            let skip = bytes[at..]
                .iter()
                .position(|&b| interesting[usize::from(b)]);
            match skip {
                Some(skip) => at += skip,
                None => break,
            }
        }
        let Some(c) = char_at(at) else {
            break;
        };
        let width = c.len_utf8();
        if !in_segment {
            if c.is_whitespace() && !is_service(c) {
                at += width;
                continue;
            }
            in_segment = true;
            broken_line = false;
            tag_start = at;
            segment_edits = edits.len();
            segment_warnings = warnings.len();
        }
        if c == release {
            at += width;
            at += char_at(at).map_or(0, char::len_utf8);
        } else if c == terminator {
            in_segment = false;
            segment += 1;
            at += width;
            last_end = at;
        } else if (c == '\n' || c == '\r') && !is_service(c) {
            edits.push(Edit {
                start: at,
                end: at + width,
                with: Cow::Borrowed(""),
            });
            if !broken_line {
                broken_line = true;
                warnings.push(Warning::new(
                    segment,
                    tag_at(tag_start),
                    WarningKind::Repaired(Repair::LineBreak),
                ));
            }
            at += width;
        } else if terminator == '\''
            && TYPOGRAPHIC.contains(&c)
            && starts_segment(&input[at + width..], element, terminator)
        {
            edits.push(Edit {
                start: at,
                end: at + width,
                with: Cow::Borrowed("'"),
            });
            warnings.push(Warning::new(
                segment,
                tag_at(tag_start),
                WarningKind::Repaired(Repair::TypographicTerminator),
            ));
            in_segment = false;
            segment += 1;
            at += width;
            last_end = at;
        } else {
            at += width;
        }
    }

    if in_segment && input[last_end..].trim_start().starts_with("UNZ") {
        edits.truncate(segment_edits);
        warnings.truncate(segment_warnings);
        let tail = &input[last_end..];
        let line = tail.trim_start();
        let line_start = last_end + (tail.len() - line.len());
        let line_end = line
            .find(['\r', '\n'])
            .map_or(input.len(), |end| line_start + end);
        edits.push(Edit {
            start: line_end,
            end: line_end,
            with: Cow::Owned(terminator.to_string()),
        });
        warnings.push(Warning::new(
            segment,
            "UNZ",
            WarningKind::Repaired(Repair::MissingTerminator),
        ));
    }

    Prepared {
        text: apply(input, &edits),
        warnings,
    }
}

/// The six UNA characters, the length of the advice in the input and whether it was mended.
///
/// A five-character advice followed by UNB lacks one character: the decimal mark when the third
/// is not `.` or `,` (carriers drop it), else the repetition character (a space in syntax 3).
fn service_string_advice(advice: &str) -> Option<([char; 6], usize, bool)> {
    let chars: Vec<(usize, char)> = advice.char_indices().take(7).collect();
    let follows_unb = |index: usize| {
        let at = chars.get(index).map_or(advice.len(), |&(at, _)| at);
        advice[at..].trim_start().starts_with("UNB")
    };
    let mut six: [char; 6] = [' '; 6];
    for (slot, &(_, c)) in six.iter_mut().zip(chars.iter()) {
        *slot = c;
    }
    let end_of = |index: usize| chars.get(index).map_or(advice.len(), |&(at, _)| at);
    if chars.len() >= 6 && follows_unb(6) && !six[5].is_whitespace() {
        if TYPOGRAPHIC.contains(&six[5]) {
            six[5] = '\'';
            return Some((six, end_of(6), true));
        }
        return Some((six, end_of(6), false));
    }
    if chars.len() >= 5 && follows_unb(5) {
        let [component, element, third, fourth, fifth, _] = six;
        let mut repaired = if third == '.' || third == ',' {
            [component, element, third, fourth, ' ', fifth]
        } else {
            [component, element, '.', third, fourth, fifth]
        };
        if TYPOGRAPHIC.contains(&repaired[5]) {
            repaired[5] = '\'';
        }
        return Some((repaired, end_of(5), true));
    }
    (chars.len() >= 6).then(|| (six, end_of(6), false))
}

/// Whether `rest` starts a segment: blanks, a known tag and then an element separator or a
/// terminator (straight or typographic), or nothing but blanks.
fn starts_segment(rest: &str, element: char, terminator: char) -> bool {
    let rest = rest.trim_start();
    if rest.is_empty() {
        return true;
    }
    let Some(tag) = rest.get(..3) else {
        return false;
    };
    TAGS.contains(&tag)
        && rest[3..]
            .chars()
            .next()
            .is_none_or(|c| c == element || c == terminator || TYPOGRAPHIC.contains(&c))
}

fn apply<'a>(input: &'a str, edits: &[Edit]) -> Cow<'a, str> {
    if edits.is_empty() {
        return Cow::Borrowed(input);
    }
    let mut out = String::with_capacity(input.len() + edits.len());
    let mut copied = 0;
    for edit in edits {
        out.push_str(&input[copied..edit.start]);
        out.push_str(&edit.with);
        copied = edit.end;
    }
    out.push_str(&input[copied..]);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds<'a>(prepared: &'a Prepared<'_>) -> Vec<(usize, &'a str, Repair)> {
        prepared
            .warnings
            .iter()
            .map(|w| match w.kind {
                WarningKind::Repaired(repair) => (w.segment, w.tag.as_str(), repair),
                _ => unreachable!(),
            })
            .collect()
    }

    #[test]
    fn clean_input_is_borrowed() {
        let input = "UNA:+.? '\r\nUNB+IATA:1+XX+YY+240101:0000+1'\r\nUNZ+0+1'\r\n";
        let prepared = prepare(input);
        assert!(matches!(prepared.text, Cow::Borrowed(_)));
        assert!(prepared.warnings.is_empty());
    }

    #[test]
    fn wrapped_lines_are_joined_and_named() {
        let input = "UNB+IATA:1+XX++240101:0000+1'\nADD++700:12 LONG\nROAD:TOWN'\r\nTIF+A+B\r\nC:A'UNZ+0+1'";
        let prepared = prepare(input);
        assert_eq!(
            prepared.text,
            "UNB+IATA:1+XX++240101:0000+1'\nADD++700:12 LONGROAD:TOWN'\r\nTIF+A+BC:A'UNZ+0+1'"
        );
        assert_eq!(
            kinds(&prepared),
            [(2, "ADD", Repair::LineBreak), (3, "TIF", Repair::LineBreak)]
        );
    }

    #[test]
    fn five_character_advice_and_typographic_terminators() {
        let prepared = prepare("UNA:+\\*'\nUNB+IATA:1+A+B+240101:0000+1' UNZ+0+1'");
        assert_eq!(
            prepared.text,
            "UNA:+.\\*'\nUNB+IATA:1+A+B+240101:0000+1' UNZ+0+1'"
        );
        assert_eq!(kinds(&prepared), [(0, "UNA", Repair::ServiceStringAdvice)]);

        let prepared = prepare("UNA:+.?*\u{2019} UNB+IATA:1+A+B+240101:0000+1'UNZ+0+1'");
        assert!(prepared.text.starts_with("UNA:+.?*' UNB"));

        let input =
            "UNB+IATA:1+A+B+240101:0000+1'TIF+O\u{2019}NEIL+ANN\u{2019}\nSRC\u{2019}UNZ+0+1'";
        let prepared = prepare(input);
        assert_eq!(
            prepared.text,
            "UNB+IATA:1+A+B+240101:0000+1'TIF+O\u{2019}NEIL+ANN'\nSRC'UNZ+0+1'"
        );
        assert_eq!(
            kinds(&prepared),
            [
                (2, "TIF", Repair::TypographicTerminator),
                (3, "SRC", Repair::TypographicTerminator)
            ]
        );
    }

    #[test]
    fn unterminated_unz_gets_its_terminator_and_the_note_after_it_stays_trailing() {
        let prepared = prepare("UNB+IATA:1+A+B+240101:0000+1'\nUNZ+0+1\n\nnote added by hand");
        assert_eq!(
            prepared.text,
            "UNB+IATA:1+A+B+240101:0000+1'\nUNZ+0+1'\n\nnote added by hand"
        );
        assert_eq!(kinds(&prepared), [(2, "UNZ", Repair::MissingTerminator)]);

        // A segment cut short elsewhere is left for the reader to refuse.
        let cut = "UNB+IATA:1+A+B+240101:0000+1'TIF+SMI";
        assert_eq!(prepare(cut).text, cut);
    }

    #[test]
    fn released_characters_are_not_mended() {
        let input = "UNB+IATA:1+A+B+240101:0000+1'IFT+4:28+IT?'S?\u{2019}UNZ+0+1'";
        let prepared = prepare(input);
        assert_eq!(prepared.text, input);
        assert!(prepared.warnings.is_empty());
    }
}
