//! The CUSCAR parser on any bytes, in both control-count modes: `Ok` or `Err`, never a panic.
#![no_main]

use gatehouse_formats::cuscar;
use gatehouse_formats::edifact::{self, ControlCounts, ReadOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let text = edifact::decode(bytes);
    let strict = cuscar::parse_interchange(&text);
    let lenient = cuscar::parse_interchange_with(
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
