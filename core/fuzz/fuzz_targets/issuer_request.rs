//! Request bodies of `POST /v1/openid/offers` and `POST /v1/openid/offers/pre-authorized`, fed to two
//! issuers (by value with HMAC-keyed codes; MATTR's preset by reference).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(body) = std::str::from_utf8(data) {
        credoffer_fuzz::check_issuer_request(body);
    }
});
