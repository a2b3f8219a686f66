//! Token request bodies at the token endpoint, redeemed against a live record.
//!
//! `{code}` and `{tx}` in the input stand for the record's real pre-authorized code and transaction
//! code, so the fuzzer reaches the paths behind a correct code without guessing 256 bits.
#![no_main]

use std::sync::OnceLock;

use credoffer::{Issuer, OfferRecord};
use libfuzzer_sys::fuzz_target;

struct Fixture {
    issuer: Issuer,
    record: OfferRecord,
    code: String,
    tx_code: String,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let [issuer, _] = credoffer_fuzz::issuers();
        let body = format!(r#"{{"credentials":["{}"],"transactionCodeConfiguration":{{}}}}"#, credoffer_fuzz::MDL);
        let created = issuer
            .create_pre_authorized_offer_json(&body, credoffer_fuzz::NOW, &mut credoffer_fuzz::entropy())
            .expect("the fixture offer");
        let Ok(credoffer::OfferUri::ByValue(parsed)) =
            credoffer::parse_offer_uri(&created.response.uri, &credoffer::ParseOptions::default())
        else {
            panic!("the fixture offer is by value")
        };
        let code = parsed.offer.pre_authorized_code_grant().expect("a grant").pre_authorized_code.clone();
        let tx_code = created.response.transaction_code.clone().expect("a transaction code");
        Fixture { issuer, record: created.record, code, tx_code }
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let fixture = fixture();
    let body = text.replace("{code}", &fixture.code).replace("{tx}", &fixture.tx_code);
    credoffer_fuzz::check_token_request(&body, &fixture.issuer, &fixture.record, &fixture.code, &fixture.tx_code);
});
