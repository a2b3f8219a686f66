//! Every bound on untrusted input, tested at the bound (accepted) and one past it (refused with
//! `limit_exceeded`, or — where the bound is serde_json's own recursion limit — `invalid_json`, never
//! a stack overflow).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::collections::BTreeMap;

use credoffer::limits::{Limits, MAX_METADATA_BYTES, MAX_REQUEST_BODY_BYTES, MAX_TOKEN_REQUEST_BYTES};
use credoffer::token::TokenRequest;
use credoffer::{
    CredentialOffer, ErrorKind, FixedEntropy, Issuer, IssuerConfig, IssuerMetadata, OfferUri, ParseOptions,
    parse_offer_json, parse_offer_uri,
};

const NOW: u64 = 1_746_057_600;

fn options(limits: Limits) -> ParseOptions {
    ParseOptions::default().limits(limits)
}

/// The kind of error, or `None` when the input was accepted.
fn outcome<T>(result: credoffer::Result<T>) -> Option<ErrorKind> {
    result.err().map(|e| e.kind())
}

/// An offer of exactly `length` bytes of JSON (padded inside an extension string).
fn offer_json(length: usize) -> String {
    let head = r#"{"credential_issuer":"https://i.example","credential_configuration_ids":["a"],"pad":""#;
    let tail = r#""}"#;
    let padding = length.checked_sub(head.len() + tail.len()).expect("long enough for the skeleton");
    let json = format!("{head}{}{tail}", "x".repeat(padding));
    assert_eq!(json.len(), length);
    json
}

/// A URI of exactly `length` bytes (the offer, then a padding parameter wallets ignore).
fn offer_uri(length: usize) -> String {
    let uri = format!("openid-credential-offer://?credential_offer={}&pad=", encode(&offer_json(100)));
    let padding = length.checked_sub(uri.len()).expect("long enough for the skeleton");
    let uri = format!("{uri}{}", "x".repeat(padding));
    assert_eq!(uri.len(), length);
    uri
}

#[test]
fn uri_length() {
    let default = Limits::DEFAULT.max_uri_bytes;
    assert_eq!(default, 64 * 1024);
    for limit in [default, 500] {
        let limits = Limits::DEFAULT.max_uri_bytes(limit);
        assert_eq!(outcome(parse_offer_uri(&offer_uri(limit), &options(limits))), None);
        assert_eq!(outcome(parse_offer_uri(&offer_uri(limit + 1), &options(limits))), Some(ErrorKind::LimitExceeded));
    }
    // Surrounding white space (a pasted URI) is trimmed before the length is measured.
    let limits = Limits::DEFAULT.max_uri_bytes(500);
    assert_eq!(outcome(parse_offer_uri(&format!("  {}\n", offer_uri(500)), &options(limits))), None);
}

#[test]
fn json_size() {
    let default = Limits::DEFAULT.max_json_bytes;
    assert_eq!(default, 64 * 1024);
    for limit in [default, 300] {
        let limits = Limits::DEFAULT.max_json_bytes(limit);
        assert_eq!(outcome(parse_offer_json(&offer_json(limit), &options(limits))), None);
        assert_eq!(outcome(parse_offer_json(&offer_json(limit + 1), &options(limits))), Some(ErrorKind::LimitExceeded));
    }
    // Inside a URI the limit applies to the JSON after percent-decoding, whatever the URI's length.
    let limits = Limits::DEFAULT.max_json_bytes(300);
    for (length, expected) in [(300, None), (301, Some(ErrorKind::LimitExceeded))] {
        let uri = format!("openid-credential-offer://?credential_offer={}", encode(&offer_json(length)));
        assert!(uri.len() > length, "the encoded URI is longer than the JSON");
        assert_eq!(outcome(parse_offer_uri(&uri, &options(limits))), expected, "{length} bytes of JSON");
    }
}

fn ids(count: usize) -> Vec<String> {
    (0..count).map(|i| format!("id{i}")).collect()
}

fn offer_with_ids(count: usize, member: &str) -> String {
    let list = ids(count).iter().map(|id| format!("{id:?}")).collect::<Vec<_>>().join(",");
    format!(r#"{{"credential_issuer":"https://i.example","{member}":[{list}]}}"#)
}

#[test]
fn credential_configuration_ids() {
    let default = Limits::DEFAULT.max_credential_configuration_ids;
    assert_eq!(default, 100);
    for limit in [default, 3] {
        let limits = Limits::DEFAULT.max_credential_configuration_ids(limit);
        // 1.0's list, draft 11's `credentials`, and draft 8's repeated `credential_type`.
        for member in ["credential_configuration_ids", "credentials"] {
            assert_eq!(outcome(parse_offer_json(&offer_with_ids(limit, member), &options(limits))), None);
            let err = parse_offer_json(&offer_with_ids(limit + 1, member), &options(limits)).unwrap_err();
            assert_eq!((err.kind(), err.field()), (ErrorKind::LimitExceeded, Some("credential_configuration_ids")));
        }
        let draft8 = |count: usize| {
            let types: String = ids(count).iter().map(|id| format!("&credential_type={id}")).collect();
            format!("openid-initiate-issuance://?issuer=https%3A%2F%2Fi.example{types}")
        };
        assert_eq!(outcome(parse_offer_uri(&draft8(limit), &options(limits))), None);
        assert_eq!(outcome(parse_offer_uri(&draft8(limit + 1), &options(limits))), Some(ErrorKind::LimitExceeded));
    }
    // The builder holds issuers to the default, so every wallet with default limits reads their offers.
    let build = |count| CredentialOffer::builder("https://i.example").credential_configuration_ids(ids(count)).build();
    assert_eq!(outcome(build(default)), None);
    assert_eq!(outcome(build(default + 1)), Some(ErrorKind::LimitExceeded));
}

/// An offer whose JSON nests exactly `depth` levels: the offer object, then arrays in an extension.
fn nested(depth: usize) -> String {
    let inner = depth - 1;
    format!(
        r#"{{"credential_issuer":"https://i.example","credential_configuration_ids":["a"],"deep":{}0{}}}"#,
        "[".repeat(inner),
        "]".repeat(inner)
    )
}

#[test]
fn nesting_depth() {
    let default = Limits::DEFAULT.max_depth;
    assert_eq!(default, 16);
    for limit in [default, 4] {
        let limits = Limits::DEFAULT.max_depth(limit);
        assert_eq!(outcome(parse_offer_json(&nested(limit), &options(limits))), None);
        assert_eq!(outcome(parse_offer_json(&nested(limit + 1), &options(limits))), Some(ErrorKind::LimitExceeded));
        let uri = |depth| format!("haip-vci://?credential_offer={}", encode(&nested(depth)));
        assert_eq!(outcome(parse_offer_uri(&uri(limit), &options(limits))), None);
        assert_eq!(outcome(parse_offer_uri(&uri(limit + 1), &options(limits))), Some(ErrorKind::LimitExceeded));
    }
    // Brackets inside strings are text, not nesting.
    let text = format!(
        r#"{{"credential_issuer":"https://i.example","credential_configuration_ids":["{}"]}}"#,
        "[{".repeat(1000)
    );
    assert_eq!(outcome(parse_offer_json(&text, &ParseOptions::default())), None);
    // Raw (unencoded) JSON in a URI is measured the same way before any parser recurses.
    let raw = format!("openid-credential-offer://?credential_offer={}", nested(10_000));
    assert_eq!(outcome(parse_offer_uri(&raw, &ParseOptions::default())), Some(ErrorKind::LimitExceeded));
}

fn issuer(ids: &[String]) -> Issuer {
    let configurations: BTreeMap<String, String> = ids.iter().map(|id| (id.clone(), "mso_mdoc".to_owned())).collect();
    Issuer::new(IssuerConfig::new("https://issuer.example.com", configurations)).unwrap()
}

fn entropy() -> FixedEntropy {
    FixedEntropy::new((0..=255u8).cycle().take(1024).collect::<Vec<_>>())
}

/// `{"credentials":["id0"],"claims":{"pad":"xxx…"}}`, exactly `length` bytes.
fn request_body(length: usize) -> String {
    let head = r#"{"credentials":["id0"],"claims":{"pad":""#;
    let tail = r#""}}"#;
    format!("{head}{}{tail}", "x".repeat(length - head.len() - tail.len()))
}

/// The one problem of a refused request: its code and field.
fn problem(error: &credoffer::Error) -> (ErrorKind, Option<&str>) {
    assert_eq!(error.kind(), ErrorKind::ValidationFailed);
    assert_eq!(error.details().len(), 1, "{error:?}");
    (error.details()[0].kind(), error.details()[0].field())
}

#[test]
fn request_body_size_at_both_endpoints() {
    let issuer = issuer(&ids(1));
    let at_limit = request_body(MAX_REQUEST_BODY_BYTES);
    let past = request_body(MAX_REQUEST_BODY_BYTES + 1);
    assert_eq!(outcome(issuer.create_pre_authorized_offer_json(&at_limit, NOW, &mut entropy())), None);
    let err = issuer.create_pre_authorized_offer_json(&past, NOW, &mut entropy()).unwrap_err();
    assert_eq!(problem(&err), (ErrorKind::LimitExceeded, Some("body")));
    assert_eq!(err.http_status(), 400);

    let authorization = |length: usize| {
        let head = r#"{"credentials":["id0"],"request_parameters":{"login_hint":""#;
        format!("{head}{}\"}}}}", "x".repeat(length - head.len() - 3))
    };
    assert_eq!(authorization(1000).len(), 1000);
    let body = authorization(MAX_REQUEST_BODY_BYTES);
    assert_eq!(outcome(issuer.create_authorization_offer_json(&body, &mut entropy())), None);
    let err =
        issuer.create_authorization_offer_json(&authorization(MAX_REQUEST_BODY_BYTES + 1), &mut entropy()).unwrap_err();
    assert_eq!(problem(&err), (ErrorKind::LimitExceeded, Some("body")));
}

#[test]
fn credentials_in_a_request() {
    let max = Limits::DEFAULT.max_credential_configuration_ids;
    let all = ids(max + 1);
    let issuer = issuer(&all);
    let body = |count: usize| {
        let list = all[..count].iter().map(|id| format!("{id:?}")).collect::<Vec<_>>().join(",");
        format!(r#"{{"credentials":[{list}]}}"#)
    };
    assert_eq!(outcome(issuer.create_pre_authorized_offer_json(&body(max), NOW, &mut entropy())), None);
    assert_eq!(outcome(issuer.create_authorization_offer_json(&body(max), &mut entropy())), None);
    let err = issuer.create_pre_authorized_offer_json(&body(max + 1), NOW, &mut entropy()).unwrap_err();
    assert_eq!(problem(&err), (ErrorKind::LimitExceeded, Some("credentials")));
    let err = issuer.create_authorization_offer_json(&body(max + 1), &mut entropy()).unwrap_err();
    assert_eq!(problem(&err), (ErrorKind::LimitExceeded, Some("credentials")));

    // A huge list of duplicates costs one linear pass, not a comparison of every pair.
    let flood = format!(r#"{{"credentials":[{}"id0"]}}"#, r#""id0","#.repeat(100_000));
    let start = std::time::Instant::now();
    let err = issuer.create_pre_authorized_offer_json(&flood, NOW, &mut entropy()).unwrap_err();
    assert_eq!(problem(&err), (ErrorKind::LimitExceeded, Some("credentials")));
    assert!(start.elapsed().as_secs() < 2, "{:?}", start.elapsed());
}

/// Request bodies have no depth limit of their own (claims are the host's data): serde_json's
/// recursion limit refuses 128 levels and more as invalid JSON, and nothing recurses further.
#[test]
fn request_nesting_is_bounded_by_serde_json() {
    let issuer = issuer(&ids(1));
    let body = |depth: usize| {
        // The body object (1) and the claims object (2) hold the nested arrays.
        let arrays = depth - 2;
        format!(r#"{{"credentials":["id0"],"claims":{{"deep":{}{}}}}}"#, "[".repeat(arrays), "]".repeat(arrays))
    };
    let created = issuer.create_pre_authorized_offer_json(&body(127), NOW, &mut entropy()).unwrap();
    // The record nests its claims as deep as the body did, so it reloads.
    assert_eq!(credoffer::OfferRecord::from_json(&created.record.to_json()).unwrap(), created.record);
    let err = issuer.create_pre_authorized_offer_json(&body(128), NOW, &mut entropy()).unwrap_err();
    assert_eq!(problem(&err), (ErrorKind::InvalidJson, Some("body")));
    let err = issuer.create_pre_authorized_offer_json(&body(100_000), NOW, &mut entropy()).unwrap_err();
    assert_eq!(problem(&err), (ErrorKind::InvalidJson, Some("body")));
}

#[test]
fn token_request_size() {
    let grant = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Apre-authorized_code&pre-authorized_code=c";
    let form = |length: usize| format!("{grant}&ignored={}", "x".repeat(length - grant.len() - 9));
    assert_eq!(form(500).len(), 500);
    assert_eq!(outcome(TokenRequest::from_form(&form(MAX_TOKEN_REQUEST_BYTES))), None);
    let err = TokenRequest::from_form(&form(MAX_TOKEN_REQUEST_BYTES + 1)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::LimitExceeded);
    let answer = credoffer::token::TokenError::from_request_error(&err);
    assert_eq!(answer.error.as_str(), "invalid_request");
}

#[test]
fn metadata_size() {
    let metadata = |length: usize| {
        let head = r#"{"credential_issuer":"https://i.example","credential_configurations_supported":{"a":{"format":"mso_mdoc"}},"pad":""#;
        format!("{head}{}\"}}", "x".repeat(length - head.len() - 2))
    };
    assert_eq!(metadata(1000).len(), 1000);
    assert_eq!(outcome(IssuerMetadata::from_json(&metadata(MAX_METADATA_BYTES))), None);
    assert_eq!(outcome(IssuerMetadata::from_json(&metadata(MAX_METADATA_BYTES + 1))), Some(ErrorKind::LimitExceeded));
}

/// What the limits are for: the largest hostile inputs finish quickly and refuse cleanly.
#[test]
fn hostile_inputs_are_cheap() {
    let start = std::time::Instant::now();
    let huge = format!("openid-credential-offer://?credential_offer={}", "%7B".repeat(1_000_000));
    assert_eq!(outcome(parse_offer_uri(&huge, &ParseOptions::default())), Some(ErrorKind::LimitExceeded));
    let many_params = format!("x://?{}", "a=1&".repeat(16_000));
    assert_eq!(
        outcome(parse_offer_uri(&many_params, &ParseOptions::default())),
        Some(ErrorKind::MissingOfferParameter)
    );
    let brackets = format!("x://?credential_offer={}", "{".repeat(60_000));
    assert!(parse_offer_uri(&brackets, &ParseOptions::default()).is_err());
    let forms = "tx_code=1&".repeat(1_600);
    assert!(TokenRequest::from_form(&forms).is_err());
    assert!(start.elapsed().as_secs() < 2, "{:?}", start.elapsed());
    assert!(matches!(
        parse_offer_uri(&offer_uri(Limits::DEFAULT.max_uri_bytes), &ParseOptions::default()),
        Ok(OfferUri::ByValue(_))
    ));
}

/// RFC 3986 percent-encoding with only unreserved characters raw, as offer URIs are written.
fn encode(text: &str) -> String {
    const RESERVED: &percent_encoding::AsciiSet =
        &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');
    percent_encoding::utf8_percent_encode(text, RESERVED).to_string()
}

/// Members are kept in name order; ones that arrive in reverse order (the worst case for keeping a
/// sorted list) still cost a bounded time, in an offer at its size limit and in a request's claims.
#[test]
fn members_in_reverse_order() {
    let names = |count: usize| (0..count).rev().map(|n| format!(r#""m{n:06}":1"#)).collect::<Vec<_>>().join(",");
    let offer =
        format!(r#"{{"credential_issuer":"https://i.example","credential_configuration_ids":["a"],{}}}"#, names(5_000));
    assert!(offer.len() < Limits::DEFAULT.max_json_bytes);
    let start = std::time::Instant::now();
    let parsed = parse_offer_json(&offer, &ParseOptions::default()).unwrap();
    assert_eq!(parsed.offer.extensions.keys().next(), Some("m000000"));
    assert!(start.elapsed().as_secs() < 10, "{:?}", start.elapsed());

    let issuer = issuer(&ids(1));
    let body = format!(r#"{{"credentials":["id0"],"claims":{{{}}}}}"#, names(80_000));
    assert!(body.len() < MAX_REQUEST_BODY_BYTES);
    let start = std::time::Instant::now();
    let created = issuer.create_pre_authorized_offer_json(&body, NOW, &mut entropy()).unwrap();
    assert_eq!(created.record.claims.unwrap().len(), 80_000);
    assert!(start.elapsed().as_secs() < 10, "{:?}", start.elapsed());
}
