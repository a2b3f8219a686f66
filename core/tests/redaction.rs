//! Debug output never shows a secret: every type that holds one is printed with the secret redacted,
//! so a stray `{:?}` in a host's log line leaks nothing.
//!
//! Each check plants recognisable secrets, formats the value with `{:?}` and `{:#?}`, and looks for
//! the secrets in the text (and, for byte keys, for their bytes written as a Rust list).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::collections::BTreeMap;
use std::fmt::Debug;

use credoffer::issuer::PreAuthorizedOfferRequest;
use credoffer::offer::PreAuthorizedCodeGrant;
use credoffer::token::TokenRequest;
use credoffer::{CredentialOffer, FixedEntropy, Issuer, IssuerConfig, OfferUri, ParseOptions, Secret, parse_offer_uri};

const CODE: &str = "PREAUTHsecretCODE0123456789abcdefghijklmno";
const TX_CODE: &str = "918273";
const CLAIM: &str = "Ada Lovelace-Byron";
const NOW: u64 = 1_746_057_600;

/// Fails when any of `secrets` shows in the compact or the pretty Debug output of `value`.
fn assert_redacted(value: &impl Debug, secrets: &[&str]) {
    for text in [format!("{value:?}"), format!("{value:#?}")] {
        for secret in secrets {
            assert!(!text.contains(secret), "{secret:?} leaks through Debug: {text}");
        }
        assert!(text.contains("redacted"), "say that something was left out: {text}");
    }
}

fn configurations() -> BTreeMap<String, String> {
    [("mdl".to_owned(), "mso_mdoc".to_owned())].into()
}

/// An HMAC key of recognisable bytes: 0xa1, 0xa2, … (161, 162, … in a Rust byte list).
fn key_hex() -> String {
    (0xa1u8..0xc1).map(|b| format!("{b:02x}")).collect()
}

fn key_leaks() -> Vec<String> {
    vec![key_hex(), "161, 162, 163".to_owned(), "0xa1".to_owned()]
}

#[test]
fn secret() {
    assert_redacted(&Secret::new(CODE), &[CODE]);
}

#[test]
fn pre_authorized_code_grant_and_the_offers_holding_it() {
    let grant = PreAuthorizedCodeGrant { pre_authorized_code: CODE.to_owned(), ..PreAuthorizedCodeGrant::default() };
    assert_redacted(&grant, &[CODE]);
    let offer =
        CredentialOffer::builder("https://i.example").credential_configuration_id("a").pre_authorized_code(CODE);
    assert_redacted(&offer, &[CODE]);
    let offer = offer.build().unwrap();
    assert_redacted(&offer, &[CODE]);
    let uri = offer.to_uri(&credoffer::BuildOptions::default()).unwrap();
    let parsed = parse_offer_uri(&uri, &ParseOptions::default()).unwrap();
    assert!(matches!(parsed, OfferUri::ByValue(_)));
    assert_redacted(&parsed, &[CODE]);
}

#[test]
fn token_request() {
    let request = TokenRequest::from_form(&format!(
        "grant_type=urn:ietf:params:oauth:grant-type:pre-authorized_code&pre-authorized_code={CODE}&tx_code={TX_CODE}"
    ))
    .unwrap();
    assert_redacted(&request, &[CODE, TX_CODE]);
}

#[test]
fn fixed_entropy() {
    let entropy = FixedEntropy::from_hex("5ec2e75ec2e75ec2e7").unwrap();
    let text = format!("{entropy:?}");
    assert!(!text.contains("5ec2e7") && !text.contains("94, 194"), "{text}");
    assert!(text.contains("remaining"), "{text}");
}

#[test]
fn issuer_config_and_issuer_hold_the_hmac_key() {
    // The recognisable key as a previous key too, beside a current one: neither may print.
    let mut config = IssuerConfig::new("https://issuer.example.com", configurations());
    config.hmac_key_hex = Some("3c".repeat(32));
    config.previous_hmac_keys_hex = vec![key_hex()];
    assert!(!format!("{config:?}").contains("3c3c"));
    let leaks = key_leaks();
    let leaks: Vec<&str> = leaks.iter().map(String::as_str).collect();
    assert_redacted(&config, &leaks);
    let issuer = Issuer::new(config).unwrap();
    assert_redacted(&issuer, &leaks);
}

/// The response carries the code (inside the URI) and the transaction code; the record carries the
/// claims (personal data) and the transaction code's salted hash, which for a six-digit code is as
/// good as the code to anyone who tries the million candidates.
#[test]
fn created_offer_response_record_and_request() {
    let issuer = Issuer::new(IssuerConfig::new("https://issuer.example.com", configurations())).unwrap();
    let body =
        format!(r#"{{"credentials":["mdl"],"transactionCodeConfiguration":{{}},"claims":{{"name":"{CLAIM}"}}}}"#);
    let request = PreAuthorizedOfferRequest::from_json(&body).unwrap();
    assert_redacted(&request, &[CLAIM]);

    let entropy = (0..=255u8).cycle().take(1024).collect::<Vec<_>>();
    let created = issuer.create_pre_authorized_offer(&request, NOW, &mut FixedEntropy::new(entropy)).unwrap();
    let tx_code = created.response.transaction_code.clone().unwrap();
    let OfferUri::ByValue(parsed) = parse_offer_uri(&created.response.uri, &ParseOptions::default()).unwrap() else {
        panic!("by value")
    };
    let code = parsed.offer.pre_authorized_code_grant().unwrap().pre_authorized_code.clone();
    let stored = created.record.tx_code.clone().unwrap();

    assert_redacted(&created.response, &[&code, &tx_code, &created.response.uri]);
    assert_redacted(&created.record, &[CLAIM, &stored.hash, &stored.salt]);
    assert_redacted(&stored, &[&stored.hash, &stored.salt]);
    assert_redacted(&created, &[&code, &tx_code, CLAIM, &stored.hash, &stored.salt]);
}

#[test]
fn configuration_errors_never_quote_a_key() {
    let secret = "TOP-SECRET-KEY-0123456789abcdef";
    for json in [
        format!(r#"{{"hmacKeyHex": ["{secret}"]}}"#),
        format!(r#"{{"hmacKeyHex": {{"k": "{secret}"}}}}"#),
        format!(r#"{{"previousHmacKeysHex": "{secret}"}}"#),
        format!(r#"{{"previousHmacKeysHex": [1, "{secret}"]}}"#),
        r#"{"hmacKeyHex": 123456789012345678901234567890}"#.to_owned(),
    ] {
        let error = IssuerConfig::from_json(&json).unwrap_err();
        assert_eq!(error.kind(), credoffer::ErrorKind::InvalidConfiguration);
        let shown = format!("{error} {error:?} {}", error.to_json());
        assert!(!shown.contains(secret) && !shown.contains("1234567890"), "{shown}");
        assert!(shown.contains("macKey"), "the member is named: {shown}");
    }
    // Every other member too: the error names the member and what it expects, never the value.
    for (json, member) in [
        (format!(r#"{{"credentialIssuer": ["{secret}"]}}"#), "credentialIssuer"),
        (format!(r#"{{"dialect": "{secret}"}}"#), "dialect"),
        (format!(r#"{{"txCode": {{"maxFailedAttempts": "{secret}"}}}}"#), "txCode.maxFailedAttempts"),
        (format!(r#"{{"txCode": {{"textAlphabet": {{"{secret}": 1}}}}}}"#), "txCode.textAlphabet"),
        (format!(r#"{{"wrongTxCodeError": "{secret}"}}"#), "wrongTxCodeError"),
        (format!(r#"{{"credentialConfigurations": {{"mdl": ["{secret}"]}}}}"#), "credentialConfigurations.mdl"),
        (r#"{"accessTokenLifetimeSeconds": 123456789012345678901234567890}"#.to_owned(), "accessTokenLifetimeSeconds"),
    ] {
        let error = IssuerConfig::from_json(&json).unwrap_err();
        let shown = format!("{error} {error:?} {}", error.to_json());
        assert!(!shown.contains(secret) && !shown.contains("1234567890"), "{shown}");
        assert_eq!(error.field(), Some(member), "{shown}");
        assert!(error.message().contains(" must be "), "says what it expects: {shown}");
    }
    // Broken JSON says where, not what.
    let error = IssuerConfig::from_json(&format!(r#"{{"hmacKeyHex": "{secret}"#)).unwrap_err();
    assert!(!error.message().contains(secret) && error.message().contains("line 1"), "{}", error.message());
    // A member the configuration does not have is named (a name is not a value).
    let error = IssuerConfig::from_json(r#"{"colour": "blue"}"#).unwrap_err();
    assert!(
        error.message().contains("unknown field `colour`") && !error.message().contains("blue"),
        "{}",
        error.message()
    );

    // A key that is a string but not a key is refused by the issuer, also without quoting it.
    let mut config = IssuerConfig::new("https://issuer.example.com", configurations());
    config.hmac_key_hex = Some(secret.to_owned());
    let error = Issuer::new(config).unwrap_err();
    assert!(!format!("{error} {error:?}").contains(secret));
}
