//! The UN/EDIFACT reader on any bytes: decoding (lenient and by the declared character set),
//! tokenizing and the envelope checks in both control-count modes return `Ok` or `Err`, never
//! panic.
#![no_main]

use gatehouse_formats::edifact::{self, ControlCounts, ReadOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let _ = edifact::decode_declared(bytes);
    let text = edifact::decode(bytes);
    let _ = edifact::tokenize(&text);
    let strict = edifact::read_interchange(&text);
    let lenient = edifact::read_interchange_with(
        &text,
        ReadOptions {
            control_counts: ControlCounts::Warn,
        },
    );
    // Warn only turns count errors into warnings: a message read under Enforce reads the same.
    if let Ok(strict) = &strict {
        let lenient = lenient.as_ref().expect("lenient reads what strict reads");
        assert_eq!(strict.messages.len(), lenient.messages.len());
        for (strict, lenient) in strict.messages.iter().zip(&lenient.messages) {
            if let Ok(message) = strict {
                assert_eq!(Ok(message), lenient.as_ref());
            }
        }
    }
});
