//! No input makes the selector parser panic, and whatever parses prints to
//! canonical text that parses back to the same selector.
#![no_main]

use libfuzzer_sys::fuzz_target;
use policies::selector::Selector;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(sel) = Selector::parse(&text) {
        let again = Selector::parse(&sel.canonical());
        assert_eq!(
            again.as_ref(),
            Ok(&sel),
            "canonical text of {text:?} does not round-trip"
        );
    }
});
