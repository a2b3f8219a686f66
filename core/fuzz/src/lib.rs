//! Invariants shared by the fuzz targets and by `core/tests/properties.rs` (which includes this file
//! with `#[path]`), so a property is written once and checked both ways.
//!
//! Every function panics when an invariant breaks: that is how libFuzzer and proptest see a failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, dead_code)]

use credoffer::compat::PlusPolicy;
use credoffer::offer::{InputMode, TxCode};
use credoffer::record::lookup_key;
use credoffer::token::{RedeemOutcome, TokenError, TokenOutcome, TokenRequest};
use credoffer::uri::offer_reference_uri;
use credoffer::wallet::token_request_body;
use credoffer::{
    BuildOptions, CredentialOffer, Dialect, Error, ErrorKind, FixedEntropy, Issuer, IssuerConfig, IssuerMetadata,
    OfferRecord, OfferUri, ParseOptions, ParsedOffer, parse_offer_json, parse_offer_uri,
};
use serde_json::Value;

/// Unix time every issuer check runs at (2025-05-01T00:00:00Z).
pub const NOW: u64 = 1_746_057_600;

/// The bases every round trip is written to: custom schemes with and without `//`, and https wallet
/// endpoints with and without a query of their own.
pub const BASES: [&str; 6] = [
    "openid-credential-offer://",
    "haip-vci://",
    "openid-credential-offer:",
    "https://wallet.example/offer",
    "https://wallet.example:8443/o/p?lang=en&x",
    "custom+scheme.v2://host/path?",
];

/// The ways a wallet may read an offer: both `+` policies, lenient and strict.
pub fn parse_options() -> [ParseOptions; 3] {
    let lenient = ParseOptions::default();
    [lenient, lenient.plus(PlusPolicy::Literal), lenient.strict(true)]
}

/// An error is well formed: its kind and code agree, and it renders.
pub fn check_error(error: &Error) {
    assert_eq!(ErrorKind::from_code(error.code()), Some(error.kind()), "{error:?}");
    assert!(!error.message().is_empty(), "an error without a message: {error:?}");
    let _ = error.to_string();
    for detail in error.details() {
        check_error(detail);
    }
}

/// Parses an offer URI with every option set and checks what comes out.
pub fn check_uri(text: &str) {
    for options in parse_options() {
        match parse_offer_uri(text, &options) {
            Ok(OfferUri::ByValue(parsed)) => check_parsed(&parsed, &options),
            Ok(OfferUri::ByReference(reference)) => {
                // A reference that was accepted is one the builder accepts, and it reads back the same.
                let build = BuildOptions::default().allow_insecure_http(options.allow_insecure_http);
                let uri = offer_reference_uri(&reference.uri, &build)
                    .unwrap_or_else(|e| panic!("accepted reference {:?} cannot be rebuilt: {e:?}", reference.uri));
                match parse_offer_uri(&uri, &options) {
                    Ok(OfferUri::ByReference(again)) => assert_eq!(again.uri, reference.uri),
                    other => panic!("rebuilt reference {uri:?} reads as {other:?}"),
                }
            }
            Err(error) => check_error(&error),
        }
    }
}

/// Parses offer JSON with every option set and checks what comes out.
pub fn check_offer_json(text: &str) {
    for options in parse_options() {
        match parse_offer_json(text, &options) {
            Ok(parsed) => check_parsed(&parsed, &options),
            Err(error) => check_error(&error),
        }
    }
}

/// What must hold of any offer a parser accepted.
///
/// - Normalising is idempotent: the offer written as 1.0 JSON reads back to the same offer, under the
///   same options (a strict reading stays acceptable to a strict reader).
/// - A wallet can act on it: the prompt and the token request body never panic, and the body reads
///   back at the issuer's token endpoint with the same code.
/// - If the offer is valid enough to be written as a URI, that URI reads back to the same offer.
pub fn check_parsed(parsed: &ParsedOffer, options: &ParseOptions) {
    let offer = &parsed.offer;
    let json = offer.to_json_lenient(Dialect::V1).expect("1.0 JSON can always be written");
    let again = parse_offer_json(&json, options)
        .unwrap_or_else(|e| panic!("the normalized offer {json} does not read back: {e:?}"));
    assert_eq!(&again.offer, offer, "normalizing is not idempotent for {json}");

    if let Some(grant) = offer.pre_authorized_code_grant() {
        let prompt = parsed.tx_code_prompt();
        assert_eq!(prompt.is_some(), grant.tx_code.is_some());
        let tx_code = prompt.as_ref().map(|prompt| example_tx_code(prompt.input_mode, prompt.length));
        if let Some((prompt, tx_code)) = prompt.as_ref().zip(tx_code.as_deref())
            && prompt.length.is_none_or(|length| tx_code.len() == length as usize)
            && prompt.max_length.is_none_or(|max| tx_code.len() <= max as usize)
        {
            prompt.check(tx_code).unwrap_or_else(|e| panic!("{tx_code:?} should satisfy {prompt:?}: {e:?}"));
        }
        let body = token_request_body(offer, tx_code.as_deref(), Some("wallet"))
            .unwrap_or_else(|e| panic!("no token request body for a pre-authorized offer: {e:?}"));
        let request = TokenRequest::from_form(&body).unwrap_or_else(|e| panic!("{body:?} does not read back: {e:?}"));
        assert_eq!(request.pre_authorized_code.expose(), grant.pre_authorized_code);
        assert_eq!(request.tx_code.as_ref().map(|c| c.expose()), tx_code.as_deref());
    }

    let build = BuildOptions::default().allow_insecure_http(options.allow_insecure_http);
    if let Ok(uri) = offer.to_uri(&build)
        && uri.len() <= options.limits.max_uri_bytes
    {
        match parse_offer_uri(&uri, options) {
            Ok(OfferUri::ByValue(reread)) => assert_eq!(&reread.offer, offer, "{uri}"),
            other => panic!("{uri} reads as {other:?}"),
        }
    }
}

/// A transaction code of the right shape for a prompt (`0123…` or `ABC…`): of the prompt's length when
/// that is 1 to 4096, otherwise 6 characters.
pub fn example_tx_code(input_mode: InputMode, length: Option<u32>) -> String {
    let symbols: &[u8] = match input_mode {
        InputMode::Numeric => b"0123456789",
        InputMode::Text => b"ABCDEFGHJK",
    };
    let length = length.filter(|length| (1..=4096).contains(length)).unwrap_or(6) as usize;
    symbols.iter().cycle().take(length).map(|&b| char::from(b)).collect()
}

/// Metadata JSON never panics, and a successful check names a format for every offered id.
pub fn check_metadata(metadata_json: &str, offer_json: Option<&str>) {
    let metadata = match IssuerMetadata::from_json(metadata_json) {
        Ok(metadata) => metadata,
        Err(error) => return check_error(&error),
    };
    let _ = credoffer::metadata::well_known_metadata_url(&metadata.credential_issuer);
    let Some(Ok(parsed)) = offer_json.map(|json| parse_offer_json(json, &ParseOptions::default())) else { return };
    match metadata.check(&parsed.offer) {
        Ok(check) => {
            assert_eq!(check.formats.len(), parsed.offer.credential_configuration_ids.len());
            for ((id, format), offered) in check.formats.iter().zip(&parsed.offer.credential_configuration_ids) {
                assert_eq!(id, offered);
                assert_eq!(metadata.formats.get(id), Some(format));
            }
            assert_eq!(metadata.credential_issuer, parsed.offer.credential_issuer);
        }
        Err(error) => check_error(&error),
    }
}

/// How the fixture issuers are set up.
pub const MDL: &str = "org.iso.18013.5.1.mDL";

/// Two issuers that cover both ways of offering: by value with HMAC-keyed transaction codes, and
/// MATTR's preset (hybrid dialect, mdoc only) by reference.
pub fn issuers() -> [Issuer; 2] {
    let configurations =
        || [(MDL.to_owned(), "mso_mdoc".to_owned()), ("pid".to_owned(), "dc+sd-jwt".to_owned())].into_iter().collect();
    let mut by_value = IssuerConfig::new("https://issuer.example.com", configurations());
    by_value.hmac_key_hex = Some("2b".repeat(32));
    by_value.generate_issuer_state = true;
    let mut by_reference = IssuerConfig::mattr("https://issuer.example.com/tenant", configurations());
    by_reference.offer_url_template = Some("https://issuer.example.com/offers/{token}".to_owned());
    by_reference.offer_base = "haip-vci://".to_owned();
    [Issuer::new(by_value).expect("valid fixture"), Issuer::new(by_reference).expect("valid fixture")]
}

/// Plenty of fixed randomness: every byte value in turn, so rejection sampling always ends.
pub fn entropy() -> FixedEntropy {
    FixedEntropy::new((0..=255u8).cycle().take(4096).collect::<Vec<_>>())
}

/// Feeds a request body to both MATTR endpoints of every fixture issuer and checks the outcome.
pub fn check_issuer_request(body: &str) {
    for issuer in issuers() {
        let typed = credoffer::issuer::AuthorizationOfferRequest::from_json(body);
        match issuer.create_authorization_offer_json(body, &mut entropy()) {
            Ok(offer) => {
                let request = typed.expect("a body the endpoint accepts reads as a typed request");
                let parsed = read_by_value(&offer.uri);
                assert_eq!(parsed.offer.credential_configuration_ids, request.credentials);
                let state = parsed.offer.authorization_code_grant().and_then(|g| g.issuer_state.clone());
                assert_eq!(state, offer.issuer_state);
                let _: Value = serde_json::from_str(&offer.to_json()).expect("the response is JSON");
            }
            Err(error) => check_endpoint_error(&error),
        }
        match issuer.create_pre_authorized_offer_json(body, NOW, &mut entropy()) {
            Ok(created) => check_created(&issuer, &created),
            Err(error) => check_endpoint_error(&error),
        }
    }
}

fn check_endpoint_error(error: &Error) {
    check_error(error);
    assert_ne!(error.kind(), ErrorKind::EntropyUnavailable, "the fixture gives plenty of entropy");
    assert_eq!(error.http_status(), 400, "{error:?}");
    let body = error.to_mattr_body();
    assert_eq!(body["code"], "BadRequest");
    assert!(body["details"].as_array().is_some_and(|details| !details.is_empty()), "{body}");
}

fn read_by_value(uri: &str) -> ParsedOffer {
    match parse_offer_uri(uri, &ParseOptions::default().strict(true)) {
        Ok(OfferUri::ByValue(parsed)) => parsed,
        other => panic!("the issuer's URI {uri} reads as {other:?}"),
    }
}

/// A created pre-authorized offer works end to end: the record stores and reloads, the offer reads
/// back (fetched twice when by reference), and the wallet's token request redeems it exactly once.
pub fn check_created(issuer: &Issuer, created: &credoffer::issuer::PreAuthorizedOffer) {
    let record = &created.record;
    assert_eq!(OfferRecord::from_json(&record.to_json()).expect("a record reloads"), *record);
    let _: Value = serde_json::from_str(&created.response.to_json()).expect("the response is JSON");
    let (offer, record) = match parse_offer_uri(&created.response.uri, &ParseOptions::default()) {
        Ok(OfferUri::ByValue(parsed)) => (parsed.offer, record.clone()),
        Ok(OfferUri::ByReference(reference)) => {
            let token = reference.uri.rsplit('/').next().unwrap_or_default();
            let first = issuer.serve_offer(record, token, NOW).expect("the offer is served");
            // Wallets fetch twice: the same offer again, the fetch counted.
            let again = issuer.serve_offer(&first.record, token, NOW).expect("the offer is served again");
            assert_eq!(again.json, first.json, "a second fetch serves another offer");
            assert_eq!((again.record.fetch_count, again.event.fetch_count), (2, Some(2)));
            let json = again.json.expose();
            (parse_offer_json(json, &ParseOptions::default()).expect("the served offer reads").offer, again.record)
        }
        Err(error) => panic!("the issuer's URI does not read: {error:?}"),
    };
    assert_eq!(offer.credential_configuration_ids, record.credential_configuration_ids);
    let grant = offer.pre_authorized_code_grant().expect("a pre-authorized grant");
    assert_eq!(lookup_key(&grant.pre_authorized_code), record.code_hash);
    let tx_code = created.response.transaction_code.as_deref();
    assert_eq!(tx_code.is_some(), grant.tx_code.is_some());
    if let (Some(code), Some(prompt)) = (tx_code, grant.tx_code.as_ref()) {
        check_tx_code(code, prompt);
    }
    let body = token_request_body(&offer, tx_code, None).expect("a token request body");
    let request = TokenRequest::from_form(&body).expect("the body reads back");
    let first = issuer.redeem(&record, &request, NOW).expect("redeem");
    assert!(matches!(first.outcome, RedeemOutcome::Issued { .. }), "{:?}", first.outcome);
    assert!(issuer.serve_offer(&first.record, "any", NOW).is_err(), "a redeemed offer is still served");
    let second = issuer.redeem(&first.record, &request, NOW).expect("redeem");
    match second.outcome {
        RedeemOutcome::Rejected(TokenError { revoke_issued_tokens: true, .. }) => {}
        other => panic!("a replay was not refused with revocation: {other:?}"),
    }
}

/// A generated transaction code satisfies what the offer tells the wallet: the alphabet of its input
/// mode and its exact length.
pub fn check_tx_code(code: &str, prompt: &TxCode) {
    match prompt.effective_input_mode() {
        InputMode::Numeric => assert!(code.bytes().all(|b| b.is_ascii_digit()), "{code:?} is not numeric"),
        InputMode::Text => {
            assert!(code.bytes().all(|b| credoffer::secret::TEXT_ALPHABET.as_bytes().contains(&b)), "{code:?}")
        }
    }
    if let Some(length) = prompt.length {
        assert_eq!(code.chars().count(), length as usize, "{code:?}");
    }
}

/// Builds an offer's URI in every dialect and base and reads it back: the same offer, or for draft 11
/// (which can only say "a PIN is required") the same offer with that prompt.
pub fn check_round_trip(offer: &CredentialOffer, extra_base: Option<&str>) {
    let bases = BASES.iter().copied().chain(extra_base);
    for base in bases {
        for dialect in Dialect::ALL {
            let options = BuildOptions::default().dialect(dialect).base(base.to_owned()).allow_insecure_http(false);
            let uri = match offer.to_uri(&options) {
                Ok(uri) => uri,
                Err(error) => {
                    let expected = match error.kind() {
                        ErrorKind::UnsupportedByDialect => dialect == Dialect::Draft11,
                        ErrorKind::InvalidBaseUri | ErrorKind::InsecureUrl => Some(base) == extra_base,
                        _ => false,
                    };
                    assert!(expected, "{offer:?} cannot be written as {dialect} at {base:?}: {error:?}");
                    continue;
                }
            };
            if uri.len() > ParseOptions::default().limits.max_uri_bytes {
                continue; // longer than any wallet with the default limits reads
            }
            for options in parse_options() {
                let parsed = match parse_offer_uri(&uri, &options) {
                    Ok(OfferUri::ByValue(parsed)) => parsed,
                    other => panic!("{uri} ({dialect}, {options:?}) reads as {other:?}"),
                };
                assert_eq!(parsed.offer, expected_after(offer, dialect), "{uri} ({dialect}, {options:?})");
                assert!(
                    !parsed.warnings.iter().any(|w| w.code() == "hybrid_lists_differ" || w.code() == "ambiguous_plus"),
                    "{uri}: {:?}",
                    parsed.warnings
                );
            }
        }
    }
    let json = offer.to_json_lenient(Dialect::V1).expect("1.0 JSON");
    let parsed = parse_offer_json(&json, &ParseOptions::default().strict(true))
        .unwrap_or_else(|e| panic!("{json} does not read: {e:?}"));
    assert_eq!(&parsed.offer, offer, "{json}");
}

/// The offer a wallet reads from `offer` written in `dialect`.
pub fn expected_after(offer: &CredentialOffer, dialect: Dialect) -> CredentialOffer {
    let mut expected = offer.clone();
    if dialect == Dialect::Draft11
        && let Some(grant) = expected.grants.as_mut().and_then(|g| g.pre_authorized_code.as_mut())
        && grant.tx_code.is_some()
    {
        grant.tx_code = Some(TxCode { input_mode: Some(InputMode::Numeric), ..TxCode::default() });
    }
    expected
}

/// A token request body never panics the token endpoint, which always answers in OAuth's shape, and
/// redemption keeps its promises: only the right code and transaction code issue, a record is redeemed
/// at most once, and every wrong transaction code costs exactly one attempt.
pub fn check_token_request(body: &str, issuer: &Issuer, record: &OfferRecord, code: &str, tx_code: &str) {
    let mut current = record.clone();
    let mut issued = 0;
    for _ in 0..5 {
        let answer = issuer.token_endpoint(body, Some(&current), NOW, &mut entropy());
        let json: Value = serde_json::from_str(answer.body()).expect("the answer's body is JSON");
        let view: Value = serde_json::from_str(&answer.to_json()).expect("the answer's view is JSON");
        assert_eq!(view["status"].as_u64(), Some(u64::from(answer.status())));
        let next = answer.record_to_store().cloned();
        if let Some(next) = &next {
            assert_eq!(next.version, current.version + 1);
        }
        match answer.outcome() {
            TokenOutcome::Issued(token) => {
                issued += 1;
                assert_eq!(answer.status(), 200);
                assert_eq!(json["access_token"].as_str(), Some(token.access_token.expose()));
                let request = TokenRequest::from_form(body).expect("an issued request reads");
                assert_eq!(request.pre_authorized_code.expose(), code);
                assert_eq!(request.tx_code.as_ref().map(|c| c.expose()), Some(tx_code));
            }
            TokenOutcome::Rejected(error) => {
                assert_eq!(json["error"].as_str(), Some(error.error.as_str()));
                assert!(answer.status() == 400, "a refusal of the engine is a 400, not {}", answer.status());
                match &next {
                    // A replay revokes the access token the redemption issued, once.
                    Some(next) if error.revoke_issued_tokens => {
                        assert!(next.access_token.as_ref().is_some_and(|token| token.revoked));
                        assert!(current.access_token.as_ref().is_some_and(|token| !token.revoked));
                        assert_eq!(next.failed_attempts_left, current.failed_attempts_left);
                    }
                    Some(next) => {
                        assert_eq!(next.failed_attempts_left, current.failed_attempts_left - 1);
                        assert_eq!(error.failed_attempts_left, Some(next.failed_attempts_left));
                    }
                    None => {}
                }
            }
            TokenOutcome::Failed(error) => panic!("the fixture record is well formed, yet: {error:?}"),
            _ => panic!("an outcome the fuzz check does not know"),
        }
        if let Some(next) = next {
            current = next;
        }
    }
    assert!(issued <= 1, "a record was redeemed {issued} times");
}
