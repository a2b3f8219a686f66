//! Offer URIs from a camera or a deep link: any bytes, every parse option.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        credoffer_fuzz::check_uri(text);
    }
});
