//! Offer JSON (fetched from a `credential_offer_uri`) and Credential Issuer Metadata.
//!
//! The input is offer JSON, optionally followed by a NUL byte and metadata JSON to check it against;
//! the whole input is also read as metadata on its own.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match text.split_once('\0') {
        Some((offer, metadata)) => {
            credoffer_fuzz::check_offer_json(offer);
            credoffer_fuzz::check_metadata(metadata, Some(offer));
        }
        None => {
            credoffer_fuzz::check_offer_json(text);
            credoffer_fuzz::check_metadata(text, None);
        }
    }
});
