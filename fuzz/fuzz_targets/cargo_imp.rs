//! The Cargo-IMP reader on any text, one message (`parse`) and several (`parse_many`): `Ok` or
//! `Err`, never a panic.
#![no_main]

use gatehouse_formats::cargo_imp;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let text = String::from_utf8_lossy(bytes);
    let one = cargo_imp::parse(&text);
    let many = cargo_imp::parse_many(&text);
    // `parse` is `parse_many` of an input that must hold exactly one message.
    match many.as_slice() {
        [only] => assert_eq!(&one, only),
        _ => assert!(
            one.is_err(),
            "parse reads one message where parse_many finds several or none"
        ),
    }
});
