//! What raw-interchange intake (PAXLST, PNRGOV, CUSCAR) shares: the bytes read by their declared
//! character set, lenient control counts, the key the messages' ids derive from, and findings in
//! the contract's shape.

use std::borrow::Cow;

use gatehouse_formats::{
    ControlCounts, FormatError, ReadOptions, Warning,
    edifact::{self, InterchangeHeader},
};
use gatehouse_proto::v1::FormatWarning;

use crate::{error::FieldViolations, intake::MAX_MESSAGE_ID};

/// Control counts (UNT, CNT, EQN, UNZ) that disagree come back as warnings: carriers' systems
/// get them wrong, and refusing the list would leave the unit blind to the flight.
pub const LENIENT: ReadOptions = ReadOptions {
    control_counts: ControlCounts::Warn,
};

/// The interchange as text, with what decoding it found (8-bit bytes under a 7-bit set).
pub fn decode(bytes: &[u8]) -> Result<(Cow<'_, str>, Vec<Warning>), FieldViolations> {
    edifact::decode_declared(bytes).map_err(|error| unreadable(&error))
}

/// An interchange that cannot be read at all: refused on field `edifact`, naming the segment.
pub fn unreadable(error: &FormatError) -> FieldViolations {
    let mut v = FieldViolations::new();
    v.add("edifact", error.to_string());
    v
}

/// The key the messages' ids derive from: the client's, else `<kind>:<UNB sender>:<control
/// reference>`, which a resend of the same interchange repeats. `reserved` characters stay free
/// for what each message appends (`/<message>`, `/<message>/<pnr>`).
pub fn key(
    kind: &str,
    message_id: &str,
    header: &InterchangeHeader,
    reserved: usize,
) -> Result<String, FieldViolations> {
    let given = message_id.trim();
    let key = match given {
        "" => format!("{kind}:{}:{}", header.sender.id, header.control_reference),
        given => given.to_owned(),
    };
    let max = MAX_MESSAGE_ID - reserved;
    if key.chars().count() > max {
        let mut v = FieldViolations::new();
        v.add_limit(
            if given.is_empty() {
                "edifact.unb"
            } else {
                "message_id"
            },
            format!("at most {max} characters (each message's number is appended)"),
        );
        return Err(v);
    }
    Ok(key)
}

pub fn format_warning(warning: &Warning) -> FormatWarning {
    FormatWarning {
        segment: number(warning.segment),
        tag: warning.tag.clone(),
        reason: warning.kind.to_string(),
    }
}

/// A position or count for a `uint32` field.
pub fn number(value: usize) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}
