//! The PAXLST parser on any bytes, in both control-count modes, then reassembly of whatever
//! messages came out (each alone and all together): `Ok` or `Err`, never a panic.
#![no_main]

use gatehouse_formats::edifact::{self, ControlCounts, ReadOptions};
use gatehouse_formats::paxlst::{self, PaxlstMessage};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let text = edifact::decode(bytes);
    let strict = paxlst::parse_interchange(&text);
    let lenient = paxlst::parse_interchange_with(
        &text,
        ReadOptions {
            control_counts: ControlCounts::Warn,
        },
    );
    if let Ok(strict) = &strict {
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
});
