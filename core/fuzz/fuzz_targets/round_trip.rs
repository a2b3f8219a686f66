//! Build → parse: any offer the builder accepts, written in every dialect and at every base (plus one
//! arbitrary base the builder accepts), reads back as the same offer; a by-reference URI reads back
//! as the same URL; and the wallet's token request body reads back at the token endpoint.
#![no_main]

use arbitrary::Arbitrary;
use credoffer::offer::{InputMode, TxCode};
use credoffer::token::TokenRequest;
use credoffer::uri::offer_reference_uri;
use credoffer::wallet::token_request_body;
use credoffer::{BuildOptions, CredentialOffer, ErrorKind, OfferUri, ParseOptions, parse_offer_uri};
use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Number, Value};

#[derive(Arbitrary, Debug)]
struct Input {
    host: String,
    path: String,
    ids: Vec<String>,
    authorization: Option<Authorization>,
    pre_authorized: Option<PreAuthorized>,
    extensions: Vec<(String, Json)>,
    base: Option<String>,
    reference_path: String,
    client_id: Option<String>,
}

#[derive(Arbitrary, Debug)]
struct Authorization {
    issuer_state: Option<String>,
    server: Option<String>,
}

#[derive(Arbitrary, Debug)]
struct PreAuthorized {
    code: String,
    tx_code: Option<(bool, Option<u32>, Option<String>)>,
    server: Option<String>,
    typed_tx_code: String,
}

#[derive(Arbitrary, Debug)]
enum Json {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl Json {
    /// The value, cut off below `depth` levels so it stays within the parser's nesting limit.
    fn to_value(&self, depth: usize) -> Value {
        match self {
            _ if depth == 0 => Value::Null,
            Json::Null => Value::Null,
            Json::Bool(b) => Value::Bool(*b),
            Json::Int(n) => Value::Number((*n).into()),
            Json::Float(x) => Number::from_f64(*x).map_or(Value::Null, Value::Number),
            Json::Text(s) => Value::String(s.clone()),
            Json::Array(items) => Value::Array(items.iter().map(|item| item.to_value(depth - 1)).collect()),
            Json::Object(members) => Value::Object(
                members.iter().map(|(name, value)| (name.clone(), value.to_value(depth - 1))).collect::<Map<_, _>>(),
            ),
        }
    }
}

/// A host name made of the characters hosts use, so most inputs get past the issuer check.
fn host(raw: &str) -> String {
    let host: String = raw.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-')).take(40).collect();
    if host.is_empty() { "issuer.example".to_owned() } else { host }
}

fuzz_target!(|input: Input| {
    let issuer = format!("https://{}{}", host(&input.host), input.path);
    let mut builder = CredentialOffer::builder(issuer).credential_configuration_ids(input.ids.iter().cloned());
    if let Some(authorization) = &input.authorization {
        builder = builder.authorization_code(authorization.issuer_state.clone());
        if let Some(server) = &authorization.server {
            builder = builder.authorization_code_server(server.clone());
        }
    }
    if let Some(pre) = &input.pre_authorized {
        builder = builder.pre_authorized_code(pre.code.clone());
        if let Some((text, length, description)) = &pre.tx_code {
            let input_mode = Some(if *text { InputMode::Text } else { InputMode::Numeric });
            builder = builder.tx_code(TxCode {
                input_mode,
                length: *length,
                description: description.clone(),
                ..TxCode::default()
            });
        }
        if let Some(server) = &pre.server {
            builder = builder.pre_authorized_code_server(server.clone());
        }
    }
    // Nesting: the offer (1) holds the extension, which may nest 14 more levels (limit 16).
    for (name, value) in &input.extensions {
        builder = builder.extension(name.clone(), credoffer::json::JsonValue::from_value(&value.to_value(14)));
    }
    match builder.build() {
        Ok(offer) => {
            credoffer_fuzz::check_round_trip(&offer, input.base.as_deref());
            if let Some(pre) = &input.pre_authorized {
                check_token_body(&offer, &pre.typed_tx_code, input.client_id.as_deref());
            }
        }
        Err(error) => credoffer_fuzz::check_error(&error),
    }

    let reference = format!("https://{}/{}", host(&input.host), input.reference_path);
    if let Ok(uri) = offer_reference_uri(&reference, &BuildOptions::default()) {
        match parse_offer_uri(&uri, &ParseOptions::default().strict(true)) {
            Ok(OfferUri::ByReference(parsed)) => assert_eq!(parsed.uri, reference, "{uri}"),
            other => panic!("{uri} reads as {other:?}"),
        }
    }
});

/// Whatever the user typed and whatever the client id, the body carries them to the token endpoint
/// unchanged (a `+`, `/`, `=`, `&` or space included).
fn check_token_body(offer: &CredentialOffer, typed: &str, client_id: Option<&str>) {
    let grant = offer.pre_authorized_code_grant().expect("the builder kept the grant");
    let tx_code = grant.tx_code.as_ref().map(|_| typed);
    let body = match token_request_body(offer, tx_code, client_id) {
        Ok(body) => body,
        Err(error) if typed.is_empty() && tx_code.is_some() => {
            // An empty parameter reads as omitted (RFC 6749 §3.1): the wallet must not send it.
            return assert_eq!(error.kind(), ErrorKind::TxCodeMismatch);
        }
        Err(error) => panic!("no token request body: {error:?}"),
    };
    let request = TokenRequest::from_form(&body).unwrap_or_else(|e| panic!("{body:?} does not read: {e:?}"));
    assert_eq!(request.pre_authorized_code.expose(), grant.pre_authorized_code);
    assert_eq!(request.tx_code.as_ref().map(|c| c.expose()), tx_code);
    assert_eq!(request.client_id.as_deref(), client_id.filter(|id| !id.is_empty()));
}
