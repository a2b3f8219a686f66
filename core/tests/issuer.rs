//! The issuer engine end to end: MATTR's endpoints, records, and the token endpoint's state machine.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use credoffer::events::{OfferEventKind, Transition};
use credoffer::record::OfferState;
use credoffer::token::{RedeemOutcome, Redemption, TokenErrorCode, TokenRequest};
use credoffer::wallet::token_request_body;
use credoffer::{
    Dialect, ErrorKind, FixedEntropy, Issuer, IssuerConfig, OfferUri, ParseOptions, parse_offer_json, parse_offer_uri,
};
use proptest::prelude::*;

const NOW: u64 = 1_746_057_600; // 2025-05-01T00:00:00Z
const MDL: &str = "2edaf985-fcc2-4448-9c8e-a04c6c7351c2";

fn issuer(extra: &str) -> Issuer {
    let json = format!(
        r#"{{"credentialIssuer":"https://example.com","credentialConfigurations":{{"{MDL}":"mso_mdoc","pid":"dc+sd-jwt"}}{extra}}}"#
    );
    Issuer::new(IssuerConfig::from_json(&json).unwrap()).unwrap()
}

/// A pre-authorized offer of `MDL` with a transaction code, created at `NOW` from fixed entropy.
fn with_tx_code(issuer: &Issuer) -> credoffer::issuer::PreAuthorizedOffer {
    issuer
        .create_pre_authorized_offer_json(
            &format!(r#"{{"credentials":["{MDL}"],"transactionCodeConfiguration":{{}}}}"#),
            NOW,
            &mut entropy(),
        )
        .unwrap()
}

fn entropy() -> FixedEntropy {
    FixedEntropy::new((0..=255u8).cycle().take(4096).collect::<Vec<_>>())
}

fn parse(uri: &str) -> credoffer::ParsedOffer {
    match parse_offer_uri(uri, &ParseOptions::default()).unwrap() {
        OfferUri::ByValue(parsed) => parsed,
        OfferUri::ByReference(_) => panic!("expected an offer by value"),
    }
}

fn code_of(uri: &str) -> String {
    parse(uri).offer.pre_authorized_code_grant().unwrap().pre_authorized_code.clone()
}

fn token_request(code: &str, tx_code: Option<&str>) -> TokenRequest {
    let mut body =
        format!("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Apre-authorized_code&pre-authorized_code={code}");
    if let Some(tx_code) = tx_code {
        body.push_str(&format!("&tx_code={tx_code}"));
    }
    TokenRequest::from_form(&body).unwrap()
}

fn rejected(redemption: &Redemption) -> (TokenErrorCode, Option<u32>, bool) {
    match &redemption.outcome {
        RedeemOutcome::Rejected(error) => (error.error, error.failed_attempts_left, error.revoke_issued_tokens),
        RedeemOutcome::Issued { .. } => panic!("expected a rejection"),
    }
}

#[test]
fn mattr_authorization_offer_is_reproduced_byte_for_byte() {
    let issuer = Issuer::new(IssuerConfig::mattr(
        "https://myissuer.example.com",
        [("707e920a-f342-443b-ae24-6946b7b5033e".to_owned(), "mso_mdoc".to_owned())].into(),
    ))
    .unwrap();
    let offer = issuer
        .create_authorization_offer_json(
            r#"{"credentials":["707e920a-f342-443b-ae24-6946b7b5033e"],"request_parameters":{"login_hint":"user@example.com","prompt":"login"}}"#,
            &mut FixedEntropy::new([]),
        )
        .unwrap();
    assert_eq!(
        offer.to_json(),
        r#"{"uri":"openid-credential-offer://?credential_offer=%7B%22credential_issuer%22%3A%22https%3A%2F%2Fmyissuer.example.com%22%2C%22credentials%22%3A%5B%22707e920a-f342-443b-ae24-6946b7b5033e%22%5D%2C%22credential_configuration_ids%22%3A%5B%22707e920a-f342-443b-ae24-6946b7b5033e%22%5D%2C%22request_parameters%22%3A%7B%22login_hint%22%3A%22user%40example.com%22%2C%22prompt%22%3A%22login%22%7D%7D"}"#
    );
}

#[test]
fn issuer_state_is_generated_on_request() {
    let issuer = issuer(r#","generateIssuerState":true"#);
    let offer = issuer
        .create_authorization_offer_json(r#"{"credentials":["pid"]}"#, &mut FixedEntropy::new([9u8; 16]))
        .unwrap();
    let state = offer.issuer_state.clone().unwrap();
    assert_eq!(state.len(), 22);
    let parsed = parse(&offer.uri);
    assert_eq!(parsed.offer.authorization_code_grant().unwrap().issuer_state.as_deref(), Some(state.as_str()));
}

#[test]
fn pre_authorized_offer_response_and_record() {
    let issuer = issuer("");
    let created = issuer
        .create_pre_authorized_offer_json(
            &format!(r#"{{"credentials":["{MDL}"],"transactionCodeConfiguration":{{"description":"Sent by e-mail"}},"claims":{{"given_name":"Ada"}},"claimsToPersist":["given_name"],"expiresIn":{{"minutes":1,"seconds":30}}}}"#),
            NOW,
            &mut entropy(),
        )
        .unwrap();
    let response: serde_json::Value = serde_json::from_str(&created.response.to_json()).unwrap();
    assert_eq!(response["expiresAt"], "2025-05-01T00:01:30.000Z");
    assert_eq!(response["id"], "00010203-0405-4607-8809-0a0b0c0d0e0f");
    assert_eq!(response["userId"], "10111213-1415-4617-9819-1a1b1c1d1e1f");
    let tx_code = response["transactionCode"].as_str().unwrap();
    assert_eq!(tx_code.len(), 6);
    assert!(tx_code.bytes().all(|b| b.is_ascii_digit()));

    let parsed = parse(&created.response.uri);
    let grant = parsed.offer.pre_authorized_code_grant().unwrap();
    let prompt = grant.tx_code.clone().unwrap();
    assert_eq!((prompt.length, prompt.description.as_deref()), (Some(6), Some("Sent by e-mail")));
    assert_eq!(grant.pre_authorized_code.len(), 43);

    let record = &created.record;
    assert_eq!((record.version, record.state, record.failed_attempts_left), (1, OfferState::Active, 3));
    assert_eq!(record.expires_at, NOW + 90);
    let stored = record.to_json();
    assert!(!stored.contains(&grant.pre_authorized_code), "the record must not hold the code");
    assert!(!stored.contains(&format!("\"{tx_code}\"")), "the record must not hold the transaction code");
    assert_eq!(credoffer::OfferRecord::from_json(&stored).unwrap(), *record);
}

/// Claims are the host's data: stored and written back as sent (members in name order), numbers with
/// their digits, and serde_json's private name for numbers is just a member name.
#[test]
fn claims_are_stored_and_written_back_as_sent() {
    let issuer = issuer("");
    let claims = r#"{"amount":{"$serde_json::private::Number":"1"},"big":12345678901234567890123,"minus":-7,"price":1.10,"tenth":0.1,"u64":18446744073709551615}"#;
    let body = format!(r#"{{"credentials":["{MDL}"],"claims":{claims},"claimsToPersist":["amount"]}}"#);
    let created = issuer.create_pre_authorized_offer_json(&body, NOW, &mut entropy()).unwrap();
    let record_claims = created.record.claims.as_ref().unwrap();
    assert_eq!(record_claims.get("amount").unwrap().as_json(), r#"{"$serde_json::private::Number":"1"}"#);
    assert_eq!(record_claims.get("price").unwrap().as_json(), "1.10");
    let stored = created.record.to_json();
    assert!(stored.contains(&format!(r#""claims":{claims}"#)), "{stored}");
    let reloaded = credoffer::OfferRecord::from_json(&stored).unwrap();
    assert_eq!(reloaded, created.record);
    assert_eq!(reloaded.to_json(), stored);
}

/// Request parameters reach the offer as sent: a number is refused (they must be strings), an escaped
/// string is kept with its escapes.
#[test]
fn request_parameters_reach_the_offer_as_sent() {
    let issuer = issuer("");
    let created = issuer
        .create_authorization_offer_json(
            &format!(r#"{{"credentials":["{MDL}"],"request_parameters":{{"login_hint":"\u0041da"}}}}"#),
            &mut entropy(),
        )
        .unwrap();
    let offer = parse(&created.uri).offer;
    assert_eq!(offer.extensions.get("request_parameters").unwrap().as_json(), r#"{"login_hint":"\u0041da"}"#);
    let error = issuer
        .create_authorization_offer_json(
            &format!(r#"{{"credentials":["{MDL}"],"request_parameters":{{"login_hint":1.10}}}}"#),
            &mut entropy(),
        )
        .unwrap_err();
    let detail = &error.details()[0];
    assert_eq!((detail.code(), detail.field()), ("invalid_type", Some("request_parameters.login_hint")));
}

#[test]
fn three_wrong_codes_invalidate_for_good() {
    let issuer = issuer("");
    let created = with_tx_code(&issuer);
    let code = code_of(&created.response.uri);
    let right = created.response.transaction_code.clone().unwrap();
    let wrong = if right == "000000" { "000001" } else { "000000" };

    let mut record = created.record.clone();
    for expected_left in [2, 1] {
        let attempt = issuer.redeem(&record, &token_request(&code, Some(wrong)), NOW + 1).unwrap();
        assert!(attempt.changed);
        assert_eq!(rejected(&attempt), (TokenErrorCode::InvalidGrant, Some(expected_left), false));
        record = attempt.record;
    }
    let last = issuer.redeem(&record, &token_request(&code, Some(wrong)), NOW + 1).unwrap();
    assert_eq!(last.record.state, OfferState::Invalidated);
    assert_eq!(rejected(&last), (TokenErrorCode::InvalidGrant, Some(0), false));
    let after = issuer.redeem(&last.record, &token_request(&code, Some(&right)), NOW + 1).unwrap();
    assert!(!after.changed);
    assert_eq!(rejected(&after).0, TokenErrorCode::InvalidGrant);
}

#[test]
fn a_typo_then_the_right_code_redeems_once_and_a_replay_asks_for_revocation() {
    let issuer = issuer(r#","wrongTxCodeError":"invalid_tx_code""#);
    let created = issuer
        .create_pre_authorized_offer_json(
            &format!(r#"{{"credentials":["{MDL}"],"transactionCodeConfiguration":{{"inputMode":"text","length":8}}}}"#),
            NOW,
            &mut entropy(),
        )
        .unwrap();
    let code = code_of(&created.response.uri);
    let right = created.response.transaction_code.clone().unwrap();
    assert!(right.bytes().all(|b| credoffer::secret::TEXT_ALPHABET.as_bytes().contains(&b)));

    let typo = issuer.redeem(&created.record, &token_request(&code, Some("WRONG234")), NOW).unwrap();
    assert_eq!(rejected(&typo), (TokenErrorCode::InvalidTxCode, Some(2), false));
    let missing = issuer.redeem(&typo.record, &token_request(&code, None), NOW).unwrap();
    assert_eq!((rejected(&missing).0, missing.changed), (TokenErrorCode::InvalidRequest, false));
    let good = issuer.redeem(&typo.record, &token_request(&code, Some(&right)), NOW).unwrap();
    assert!(
        matches!(good.outcome, RedeemOutcome::Issued { ref credential_configuration_ids, .. } if credential_configuration_ids == &[MDL])
    );
    assert_eq!((good.record.state, good.record.version, good.record.redeemed_at), (OfferState::Redeemed, 3, Some(NOW)));
    let replay = issuer.redeem(&good.record, &token_request(&code, Some(&right)), NOW).unwrap();
    assert_eq!(rejected(&replay), (TokenErrorCode::InvalidGrant, None, true));
}

#[test]
fn expiry_unknown_codes_and_unexpected_tx_codes() {
    let issuer = issuer("");
    let created = issuer
        .create_pre_authorized_offer_json(&format!(r#"{{"credentials":["{MDL}"]}}"#), NOW, &mut entropy())
        .unwrap();
    let code = code_of(&created.response.uri);
    let record = &created.record;
    assert_eq!(
        rejected(&issuer.redeem(record, &token_request(&code, None), NOW + 300).unwrap()).0,
        TokenErrorCode::InvalidGrant
    );
    assert!(matches!(
        issuer.redeem(record, &token_request(&code, None), NOW + 299).unwrap().outcome,
        RedeemOutcome::Issued { .. }
    ));
    assert_eq!(
        rejected(&issuer.redeem(record, &token_request("nope", None), NOW).unwrap()).0,
        TokenErrorCode::InvalidGrant
    );
    let unexpected = issuer.redeem(record, &token_request(&code, Some("123456")), NOW).unwrap();
    assert_eq!((rejected(&unexpected).0, unexpected.changed), (TokenErrorCode::InvalidRequest, false));
}

#[test]
fn deleted_offers_cannot_be_redeemed() {
    let issuer = issuer("");
    let created = issuer
        .create_pre_authorized_offer_json(&format!(r#"{{"credentials":["{MDL}"]}}"#), NOW, &mut entropy())
        .unwrap();
    let Transition { record: deleted, event, .. } = issuer.delete(&created.record, NOW + 5).unwrap();
    assert_eq!((deleted.state, deleted.version, deleted.deleted_at), (OfferState::Deleted, 2, Some(NOW + 5)));
    assert_eq!((event.kind, event.version, event.at), (OfferEventKind::Deleted, 2, NOW + 5));
    let code = code_of(&created.response.uri);
    assert_eq!(
        rejected(&issuer.redeem(&deleted, &token_request(&code, None), NOW).unwrap()).0,
        TokenErrorCode::InvalidGrant
    );
    let again = issuer.delete(&deleted, NOW + 6).unwrap_err();
    assert_eq!((again.kind(), again.http_status()), (ErrorKind::OfferNotFound, 404));
    assert_eq!(again.to_mattr_body(), serde_json::json!({"code": "NotFound", "message": "Resource Not Found"}));
}

#[test]
fn every_problem_of_a_request_is_listed() {
    let issuer = issuer(r#","preAuthorizedMdocOnly":true"#);
    let err = issuer
        .create_pre_authorized_offer_json(
            r#"{"credentials":["pid","nope","pid",7],"userId":"42","claims":{"a":1},"claimsToPersist":["b"],
                "expiresIn":{"minutes":11,"seconds":-1},"transactionCodeConfiguration":{"length":20,"inputMode":"emoji"},"extra":true}"#,
            NOW,
            &mut entropy(),
        )
        .unwrap_err();
    assert_eq!((err.kind(), err.http_status()), (ErrorKind::ValidationFailed, 400));
    let found: Vec<(&str, &str)> = err.details().iter().map(|d| (d.code(), d.field().unwrap_or(""))).collect();
    // Problems of shape and of meaning are listed together, in one answer.
    assert_eq!(
        found,
        [
            ("invalid_type", "credentials[3]"),
            ("invalid_tx_code", "transactionCodeConfiguration.inputMode"),
            ("invalid_expiry", "expiresIn.seconds"),
            ("unknown_member", "extra"),
            ("unsupported_format", "credentials[0]"),
            ("unknown_credential_configuration", "credentials[1]"),
            ("duplicate_credential_configuration_id", "credentials[2]"),
            ("invalid_user_id", "userId"),
            ("invalid_claims", "claimsToPersist[0]"),
            ("invalid_expiry", "expiresIn"),
            ("invalid_tx_code", "transactionCodeConfiguration.length"),
        ]
    );
    let body = err.to_mattr_body();
    assert_eq!((body["code"].as_str(), body["message"].as_str()), (Some("BadRequest"), Some("Validation Error")));
    assert_eq!(body["details"].as_array().unwrap().len(), found.len());
    assert_eq!(body["details"][7]["value"], "42");
    assert_eq!(body["details"][7]["param"], "userId");
}

#[test]
fn typed_requests_are_checked_like_json_ones() {
    let issuer = issuer("");
    let request = credoffer::issuer::PreAuthorizedOfferRequest { credentials: vec!["zz".into()], ..Default::default() };
    let err = issuer.create_pre_authorized_offer(&request, NOW, &mut entropy()).unwrap_err();
    assert_eq!(err.details()[0].code(), "unknown_credential_configuration");
    let err = issuer.create_pre_authorized_offer_json("[1]", NOW, &mut entropy()).unwrap_err();
    assert_eq!((err.code(), err.details()[0].code()), ("validation_failed", "invalid_json"));
}

#[test]
fn by_reference_offers_are_served_until_redeemed() {
    let issuer = issuer(r#","offerUrlTemplate":"https://example.com/offers/{token}""#);
    let created = with_tx_code(&issuer);
    let OfferUri::ByReference(reference) = parse_offer_uri(&created.response.uri, &ParseOptions::default()).unwrap()
    else {
        panic!("expected an offer by reference")
    };
    let token = reference.uri.strip_prefix("https://example.com/offers/").unwrap();
    assert_eq!(created.record.reference_hash.as_deref(), Some(credoffer::record::lookup_key(token).as_str()));
    assert!(!created.record.to_json().contains(token));

    let first = issuer.serve_offer(&created.record, token, NOW).unwrap();
    let offer = parse_offer_json(first.json.expose(), &ParseOptions::default()).unwrap().offer;
    let code = offer.pre_authorized_code_grant().unwrap().pre_authorized_code.clone();
    // Neither the URL nor the record alone gives the code.
    assert_ne!(code, token);
    assert!(!created.record.to_json().contains(&code));
    let second = issuer.serve_offer(&first.record, token, NOW + 1).unwrap();
    assert_eq!(second.json, first.json);
    assert_eq!(
        (second.record.fetch_count, second.record.first_fetched_at, second.record.last_fetched_at),
        (2, Some(NOW), Some(NOW + 1))
    );
    assert_eq!(
        (second.event.kind, second.event.fetch_count, second.event.version),
        (OfferEventKind::Fetched, Some(2), 3)
    );
    let wrong_token = issuer.serve_offer(&created.record, "other", NOW + 300).unwrap_err();
    assert_eq!(
        (wrong_token.error.kind(), wrong_token.expired),
        (ErrorKind::OfferNotFound, None),
        "a wrong token changes nothing"
    );
    // The first fetch to meet the expiry reports it, as the token endpoint would; once.
    let expired = issuer.serve_offer(&second.record, token, NOW + 300).unwrap_err();
    assert_eq!(expired.error.kind(), ErrorKind::OfferNotFound);
    let reported = expired.expired.expect("offer.expired to store");
    assert_eq!((reported.event.kind, reported.event.version), (OfferEventKind::Expired, 4));
    assert_eq!(*reported, issuer.check_expiry(&second.record, NOW + 300).unwrap(), "the sweep's own transition");
    assert_eq!(issuer.serve_offer(&reported.record, token, NOW + 301).unwrap_err().expired, None);
    // The URL's token is not the code.
    let by_token = issuer.redeem(&second.record, &token_request(token, None), NOW).unwrap();
    assert!(!by_token.changed);

    let tx_code = created.response.transaction_code.clone().unwrap();
    let body = token_request_body(&offer, Some(&tx_code), None).unwrap();
    let redemption = issuer.redeem(&second.record, &TokenRequest::from_form(&body).unwrap(), NOW).unwrap();
    assert!(matches!(redemption.outcome, RedeemOutcome::Issued { .. }), "{code}");
    assert_eq!(
        issuer.serve_offer(&redemption.record, token, NOW + 2).unwrap_err().error.kind(),
        ErrorKind::OfferNotFound
    );
}

#[test]
fn fetches_can_be_capped() {
    let issuer = issuer(r#","offerUrlTemplate":"https://example.com/offers/{token}","maxOfferFetches":2"#);
    let created = issuer
        .create_pre_authorized_offer_json(&format!(r#"{{"credentials":["{MDL}"]}}"#), NOW, &mut entropy())
        .unwrap();
    let token = created.response.uri.rsplit("%2F").next().unwrap().to_owned();
    let first = issuer.serve_offer(&created.record, &token, NOW).unwrap();
    let second = issuer.serve_offer(&first.record, &token, NOW).unwrap();
    assert_eq!(issuer.serve_offer(&second.record, &token, NOW).unwrap_err().error.kind(), ErrorKind::OfferNotFound);
}

#[test]
fn every_change_has_one_event_and_expiry_is_reported_once() {
    let issuer = issuer("");
    let created = with_tx_code(&issuer);
    assert_eq!((created.event.kind, created.event.version), (OfferEventKind::Created, 1));
    assert_eq!(issuer.check_expiry(&created.record, NOW + 299), None);
    let expired = issuer.check_expiry(&created.record, NOW + 900).unwrap();
    // When it expired, not when it was noticed.
    assert_eq!((expired.event.kind, expired.event.at, expired.record.version), (OfferEventKind::Expired, NOW + 300, 2));
    assert_eq!(issuer.check_expiry(&expired.record, NOW + 901), None);
    assert_eq!(expired.record.status(NOW + 901).state(), "expired");

    // The token endpoint reports an expiry it meets, once.
    let code = code_of(&created.response.uri);
    let late = issuer.redeem(&created.record, &token_request(&code, Some("000000")), NOW + 300).unwrap();
    assert_eq!(late.event.as_ref().map(|event| event.kind), Some(OfferEventKind::Expired));
    assert!(!issuer.redeem(&late.record, &token_request(&code, Some("000000")), NOW + 301).unwrap().changed);

    // Wrong codes: rejected with attempts left, then invalidated; every event names its record version.
    let mut record = created.record.clone();
    let mut kinds = Vec::new();
    for _ in 0..3 {
        let wrong = issuer.redeem(&record, &token_request(&code, Some("not-it")), NOW + 1).unwrap();
        let event = wrong.event.unwrap();
        assert_eq!(
            (event.version, event.failed_attempts_left),
            (wrong.record.version, Some(wrong.record.failed_attempts_left))
        );
        assert!(!event.to_json().contains(&code));
        kinds.push(event.kind);
        record = wrong.record;
    }
    assert_eq!(kinds, [OfferEventKind::TxCodeRejected, OfferEventKind::TxCodeRejected, OfferEventKind::Invalidated]);
    assert_eq!((record.invalidated_at, record.status(NOW + 2).state()), (Some(NOW + 1), "invalidated"));
    // An invalidated offer is not reported as expired later.
    assert_eq!(issuer.check_expiry(&record, NOW + 900), None);
}

#[test]
fn hmac_keyed_transaction_codes() {
    let key = "00".repeat(32);
    let issuer = issuer(&format!(r#","hmacKeyHex":"{key}""#));
    let created = with_tx_code(&issuer);
    assert_eq!(created.record.tx_code.as_ref().unwrap().algorithm, "hmac-sha256");
    let code = code_of(&created.response.uri);
    let tx_code = created.response.transaction_code.clone().unwrap();
    assert!(matches!(
        issuer.redeem(&created.record, &token_request(&code, Some(&tx_code)), NOW).unwrap().outcome,
        RedeemOutcome::Issued { .. }
    ));
    // Another issuer without the key cannot check the code: a configuration error, not a silent pass.
    let keyless = self::issuer("");
    assert_eq!(
        keyless.redeem(&created.record, &token_request(&code, Some(&tx_code)), NOW).unwrap_err().code(),
        "invalid_configuration"
    );
}

#[test]
fn configuration_errors() {
    let bad = |extra: &str| {
        let json = format!(
            r#"{{"credentialIssuer":"https://example.com","credentialConfigurations":{{"a":"mso_mdoc"}}{extra}}}"#
        );
        Issuer::new(IssuerConfig::from_json(&json).unwrap()).unwrap_err().code()
    };
    assert_eq!(bad(r#","offerUrlTemplate":"https://example.com/offers""#), "invalid_configuration");
    assert_eq!(bad(r#","offerUrlTemplate":"http://example.com/{token}""#), "insecure_url");
    assert_eq!(bad(r#","hmacKeyHex":"00""#), "invalid_configuration");
    let field = |extra: &str| {
        let json = format!(
            r#"{{"credentialIssuer":"https://example.com","credentialConfigurations":{{"a":"mso_mdoc"}}{extra}}}"#
        );
        Issuer::new(IssuerConfig::from_json(&json).unwrap()).unwrap_err().field().map(str::to_owned)
    };
    let key = "11".repeat(32);
    assert_eq!(field(&format!(r#","previousHmacKeysHex":["{key}"]"#)).as_deref(), Some("previousHmacKeysHex"));
    assert_eq!(
        field(&format!(r#","hmacKeyHex":"{key}","previousHmacKeysHex":["{key}","zz"]"#)).as_deref(),
        Some("previousHmacKeysHex[1]")
    );
    assert_eq!(bad(r#","txCode":{"minLength":9}"#), "invalid_configuration");
    assert_eq!(bad(r#","txCode":{"textAlphabet":"A"}"#), "invalid_configuration");
    assert_eq!(bad(r#","expiry":{"defaultSeconds":900,"maxSeconds":600}"#), "invalid_configuration");
    assert_eq!(bad(r#","offerBase":"no scheme""#), "invalid_base_uri");
    assert_eq!(IssuerConfig::from_json(r#"{"surprise":1}"#).unwrap_err().code(), "invalid_configuration");
    assert_eq!(IssuerConfig::from_json(r#"{"dialect":"draft99"}"#).unwrap_err().code(), "invalid_configuration");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    /// Any valid create request, in any dialect, yields a URI that parses back to the same offer.
    #[test]
    fn created_offers_parse_back(
        ids in proptest::sample::subsequence(vec!["a", "b c", "ü/+=", "org.iso.18013.5.1.mDL"], 1..=4),
        length in 4u32..=8,
        text in any::<bool>(),
        description in proptest::option::of("[ -~é😀]{0,40}"),
        dialect in proptest::sample::select(vec![Dialect::V1, Dialect::Mattr, Dialect::Draft13]),
        seed in any::<u8>(),
    ) {
        let configurations = ids.iter().map(|id| (id.to_string(), "mso_mdoc".to_owned())).collect();
        let mut config = IssuerConfig::new("https://issuer.example.com/tenant", configurations);
        config.dialect = dialect;
        let issuer = Issuer::new(config).unwrap();
        let mut configuration = serde_json::json!({"length": length, "inputMode": if text { "text" } else { "numeric" }});
        if let Some(description) = &description {
            configuration["description"] = serde_json::json!(description);
        }
        let request = serde_json::json!({"credentials": ids, "transactionCodeConfiguration": configuration});
        let created = issuer
            .create_pre_authorized_offer_json(&request.to_string(), NOW, &mut FixedEntropy::new((0..1024u32).map(|i| seed.wrapping_add(i as u8)).collect::<Vec<_>>()))
            .unwrap();
        let parsed = parse(&created.response.uri);
        prop_assert_eq!(&parsed.offer.credential_configuration_ids, &ids.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        let tx_code = parsed.offer.pre_authorized_code_grant().unwrap().tx_code.clone().unwrap();
        prop_assert_eq!(tx_code.length, Some(length));
        prop_assert_eq!(tx_code.description, description);
        let prompt = parsed.tx_code_prompt().unwrap();
        prop_assert!(prompt.check(created.response.transaction_code.as_deref().unwrap()).is_ok());
    }
}
