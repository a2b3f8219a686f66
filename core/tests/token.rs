//! The token endpoint as one operation: every form body gets an OAuth answer, and the record to store.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use credoffer::record::{OfferState, lookup_key};
use credoffer::token::{TOKEN_RESPONSE_HEADERS, TokenErrorCode, TokenOutcome};
use credoffer::{
    ErrorKind, FixedEntropy, Issuer, IssuerConfig, OfferRecord, OfferUri, ParseOptions, TokenAnswer, TokenStep,
    parse_offer_uri,
};
use serde_json::Value;

const NOW: u64 = 1_746_057_600;
const GRANT: &str = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Apre-authorized_code";

fn issuer() -> Issuer {
    Issuer::new(
        IssuerConfig::from_json(
            r#"{"credentialIssuer":"https://example.com","credentialConfigurations":{"mdl":"mso_mdoc"},
                "accessTokenLifetimeSeconds":120}"#,
        )
        .unwrap(),
    )
    .unwrap()
}

/// A fresh offer with a transaction code: its record, pre-authorized code and transaction code.
fn offer(issuer: &Issuer) -> (OfferRecord, String, String) {
    let created = issuer
        .create_pre_authorized_offer_json(
            r#"{"credentials":["mdl"],"transactionCodeConfiguration":{}}"#,
            NOW,
            &mut FixedEntropy::new((0..=255u8).cycle().take(512).collect::<Vec<_>>()),
        )
        .unwrap();
    let OfferUri::ByValue(parsed) = parse_offer_uri(&created.response.uri, &ParseOptions::default()).unwrap() else {
        panic!("by value")
    };
    let code = parsed.offer.pre_authorized_code_grant().unwrap().pre_authorized_code.clone();
    (created.record, code, created.response.transaction_code.unwrap())
}

fn form(code: &str, tx_code: &str) -> String {
    format!("{GRANT}&pre-authorized_code={code}&tx_code={tx_code}&client_id=wallet-1")
}

fn tokens() -> FixedEntropy {
    FixedEntropy::new([42u8; 32])
}

fn body_of(answer: &TokenAnswer) -> Value {
    serde_json::from_str(answer.body()).unwrap()
}

#[test]
fn a_right_code_issues_an_access_token_and_consumes_the_offer() {
    let issuer = issuer();
    let (record, code, tx_code) = offer(&issuer);
    let TokenStep::Find(request) = issuer.read_token_request(&form(&code, &tx_code)) else { panic!("a good form") };
    assert_eq!(request.lookup_key(), record.code_hash);
    let answer = issuer.answer_token_request(&request, Some(&record), NOW + 10, &mut tokens());
    assert_eq!(answer.status(), 200);
    let body = body_of(&answer);
    assert_eq!((body["token_type"].as_str(), body["expires_in"].as_u64()), (Some("Bearer"), Some(120)));
    let TokenOutcome::Issued(token) = answer.outcome() else { panic!("issued") };
    assert_eq!(body["access_token"].as_str(), Some(token.access_token.expose()));
    assert_eq!(token.access_token.expose().len(), 43); // 32 bytes, base64url without padding
    assert_eq!(
        (token.credential_configuration_ids.as_slice(), token.client_id.as_deref()),
        (&["mdl".to_owned()][..], Some("wallet-1"))
    );
    let stored = answer.record_to_store().unwrap();
    assert_eq!((stored.state, stored.version), (OfferState::Redeemed, record.version + 1));
    assert!(!answer.revoke_issued_tokens());

    // The view holds the same, and the stored record reads back.
    let view: Value = serde_json::from_str(&answer.to_json()).unwrap();
    assert_eq!(view["status"], 200);
    assert_eq!(view["body"].as_str(), Some(answer.body()));
    assert_eq!(view["outcome"]["kind"], "issued");
    assert_eq!(view["outcome"]["accessToken"].as_str(), Some(token.access_token.expose()));
    assert_eq!(view["outcome"]["clientId"], "wallet-1");
    assert_eq!(OfferRecord::from_json(&view["record"].to_string()).unwrap(), *stored);

    // The stored record binds the token: its lookup key, lifetime and client, never the token itself.
    let bound = stored.access_token.as_ref().unwrap();
    assert_eq!(bound.token_hash, lookup_key(token.access_token.expose()));
    assert_eq!(
        (bound.issued_at, bound.expires_at, bound.client_id.as_deref()),
        (NOW + 10, NOW + 130, Some("wallet-1"))
    );
    assert!(!stored.to_json().contains(token.access_token.expose()));
    assert_eq!(stored.keep_until(), record.expires_at.max(NOW + 130));

    // A replay revokes the token it issued: once, with a record to store; a second replay changes nothing.
    let replay = issuer.token_endpoint(&form(&code, &tx_code), Some(stored), NOW + 20, &mut tokens());
    assert_eq!((replay.status(), replay.revoke_issued_tokens()), (400, true));
    assert_eq!(body_of(&replay)["error"], "invalid_grant");
    let revoked = replay.record_to_store().unwrap();
    assert_eq!((revoked.version, revoked.state), (stored.version + 1, OfferState::Redeemed));
    assert!(revoked.access_token.as_ref().unwrap().revoked);
    let again = issuer.token_endpoint(&form(&code, &tx_code), Some(revoked), NOW + 21, &mut tokens());
    assert_eq!((again.revoke_issued_tokens(), again.record_to_store()), (true, None));
}

#[test]
fn wrong_codes_are_counted_before_anything_is_consumed() {
    let issuer = issuer();
    let (mut record, code, tx_code) = offer(&issuer);
    let wrong = if tx_code == "000000" { "111111" } else { "000000" };
    for left in [2, 1, 0] {
        let answer = issuer.token_endpoint(&form(&code, wrong), Some(&record), NOW + 1, &mut tokens());
        assert_eq!(answer.status(), 400);
        let TokenOutcome::Rejected(error) = answer.outcome() else { panic!("rejected") };
        assert_eq!(error.failed_attempts_left, Some(left));
        record = answer.record_to_store().unwrap().clone();
        let view: Value = serde_json::from_str(&answer.to_json()).unwrap();
        assert_eq!(
            (view["outcome"]["kind"].as_str(), view["outcome"]["failedAttemptsLeft"].as_u64()),
            (Some("rejected"), Some(left.into()))
        );
    }
    assert_eq!(record.state, OfferState::Invalidated);
    let late = issuer.token_endpoint(&form(&code, &tx_code), Some(&record), NOW + 2, &mut tokens());
    assert_eq!((late.status(), body_of(&late)["error"].as_str()), (400, Some("invalid_grant")));
}

#[test]
fn bodies_that_decide_alone_are_answered_at_once() {
    let issuer = issuer();
    let answer_of = |form: &str| match issuer.read_token_request(form) {
        TokenStep::Answer(answer) => (answer.status(), body_of(&answer)["error"].as_str().unwrap().to_owned()),
        TokenStep::Find(_) => panic!("{form} needs no lookup"),
    };
    assert_eq!(answer_of("pre-authorized_code=a"), (400, "invalid_request".to_owned()));
    assert_eq!(
        answer_of(&format!("{GRANT}&pre-authorized_code=a&pre-authorized_code=b")),
        (400, "invalid_request".to_owned())
    );
    assert_eq!(answer_of("grant_type=authorization_code&code=x"), (400, "unsupported_grant_type".to_owned()));
    assert_eq!(answer_of(&format!("{GRANT}&pre-authorized_code=%FF")), (400, "invalid_request".to_owned()));
}

#[test]
fn an_unknown_code_and_a_foreign_record_are_the_same_answer() {
    let issuer = issuer();
    let (record, _, tx_code) = offer(&issuer);
    let none = issuer.token_endpoint(&form("guessed", &tx_code), None, NOW, &mut tokens());
    let foreign = issuer.token_endpoint(&form("guessed", &tx_code), Some(&record), NOW, &mut tokens());
    assert_eq!((none.status(), none.body()), (foreign.status(), foreign.body()));
    assert_eq!(body_of(&none)["error"], "invalid_grant");
    assert!(none.record_to_store().is_none() && foreign.record_to_store().is_none());
}

#[test]
fn without_randomness_nothing_is_stored_and_the_answer_is_a_server_error() {
    let issuer = issuer();
    let (record, code, tx_code) = offer(&issuer);
    let answer = issuer.token_endpoint(&form(&code, &tx_code), Some(&record), NOW, &mut FixedEntropy::new([]));
    assert_eq!((answer.status(), body_of(&answer)["error"].as_str()), (500, Some("server_error")));
    assert!(answer.record_to_store().is_none(), "the offer must stay redeemable");
    let TokenOutcome::Failed(error) = answer.outcome() else { panic!("failed") };
    assert_eq!(error.kind(), ErrorKind::EntropyUnavailable);
    let view: Value = serde_json::from_str(&answer.to_json()).unwrap();
    assert_eq!(view["outcome"]["error"]["code"], "entropy_unavailable");
}

#[test]
fn host_level_refusals_are_oauth_answers() {
    let too_large = TokenAnswer::unreadable_body(413, "the request body is too large");
    assert_eq!((too_large.status(), body_of(&too_large)["error"].as_str()), (413, Some("invalid_request")));
    let not_utf8 = TokenAnswer::unreadable_body(415, "the request body is not UTF-8");
    assert_eq!(not_utf8.status(), 400);
    let busy = TokenAnswer::busy();
    assert_eq!((busy.status(), body_of(&busy)["error"].as_str()), (503, Some("temporarily_unavailable")));
    let store = TokenAnswer::server_error();
    assert_eq!(store.status(), 500);
    assert_eq!(store.body(), r#"{"error":"server_error","error_description":"the request could not be completed"}"#);
    assert_eq!(TokenErrorCode::TemporarilyUnavailable.as_str(), "temporarily_unavailable");
    assert_eq!(TOKEN_RESPONSE_HEADERS[1], ("Cache-Control", "no-store"));
}

#[test]
fn debug_never_shows_the_access_token() {
    let issuer = issuer();
    let (record, code, tx_code) = offer(&issuer);
    let answer = issuer.token_endpoint(&form(&code, &tx_code), Some(&record), NOW, &mut tokens());
    let TokenOutcome::Issued(token) = answer.outcome() else { panic!("issued") };
    let debug = format!("{answer:?}");
    assert!(!debug.contains(token.access_token.expose()), "{debug}");
    assert!(!debug.contains(&code) && !debug.contains(&tx_code), "{debug}");
}

#[test]
fn the_token_lifetime_is_configured_and_positive() {
    let config = IssuerConfig::from_json(
        r#"{"credentialIssuer":"https://example.com","credentialConfigurations":{"mdl":"mso_mdoc"},"accessTokenLifetimeSeconds":0}"#,
    )
    .unwrap();
    let error = Issuer::new(config).unwrap_err();
    assert_eq!((error.code(), error.field()), ("invalid_configuration", Some("accessTokenLifetimeSeconds")));
    let default = IssuerConfig::from_json(
        r#"{"credentialIssuer":"https://example.com","credentialConfigurations":{"mdl":"mso_mdoc"}}"#,
    )
    .unwrap();
    assert_eq!(default.access_token_lifetime_seconds, 300);
}
