//! The issuer engine (MATTR VII's offers API, the token endpoint, record lookup keys) for the Node-only entry
//! `credoffer/issuer`. Compiled with the `issuer` feature only, so the browser build carries none of it.
//!
//! Stateless on purpose: each call gets the configuration as JSON and builds the engine's `Issuer` from
//! it, so nothing lives in WebAssembly memory between calls and JavaScript never has to free anything.
//! Building it is a small JSON read, far below the cost of creating an offer.

use crate::errors::{Failure, with_member};
use crate::{json_string, utf8_or_throw, with_entropy};
use credoffer::error::BindingErrorKind;
use credoffer::introspection::{self, IntrospectionRequest};
use credoffer::issuer::NotServed;
use credoffer::{Error, Issuer, IssuerConfig, IssuerMetadata, OfferRecord, TokenStep, Transition};
use wasm_bindgen::prelude::*;

/// An issuer from its configuration JSON (camelCase, as `IssuerConfig` reads it).
pub fn issuer(config: &str) -> Result<Issuer, Error> {
    Issuer::new(IssuerConfig::from_json(config)?)
}

/// A time in epoch seconds from a JavaScript number.
pub fn epoch_seconds(now: f64) -> Result<u64, Failure> {
    const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;
    if now.is_finite() && now >= 0.0 && now.fract() == 0.0 && now <= MAX_SAFE_INTEGER {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // checked just above
        return Ok(now as u64);
    }
    Err(Failure::binding(BindingErrorKind::InvalidArgument, "now must be whole epoch seconds", "now"))
}

/// `createAuthorizationOffer`: `{uri, issuerState?}`.
pub fn create_authorization_offer(config: &str, request: &str, entropy: Option<Vec<u8>>) -> Result<String, Failure> {
    let issuer = issuer(config)?;
    Ok(with_entropy(entropy, |entropy| issuer.create_authorization_offer_json(request, entropy))?.to_json())
}

/// `createPreAuthorizedOffer`: `{id, userId, uri, expiresAt, transactionCode?, record, event, responseBody}`, with
/// `expiresAt` in epoch seconds and `responseBody` the exact body of MATTR's endpoint.
pub fn create_pre_authorized_offer(
    config: &str,
    request: &str,
    now: f64,
    entropy: Option<Vec<u8>>,
) -> Result<String, Failure> {
    let issuer = issuer(config)?;
    let now = epoch_seconds(now)?;
    let created = with_entropy(entropy, |entropy| issuer.create_pre_authorized_offer_json(request, now, entropy))?;
    let response = &created.response;
    let transaction_code = match &response.transaction_code {
        Some(code) => format!(r#""transactionCode":{},"#, json_string(code)),
        None => String::new(),
    };
    Ok(format!(
        r#"{{"id":{},"userId":{},"uri":{},"expiresAt":{},{transaction_code}"record":{},"event":{},"responseBody":{}}}"#,
        json_string(&response.id),
        json_string(&response.user_id),
        json_string(&response.uri),
        created.record.expires_at,
        created.record.to_json(),
        created.event.to_json(),
        json_string(&response.to_json()),
    ))
}

/// `readTokenRequest`: the token endpoint's first step. `{"lookupKey"}` when the host must find the record
/// whose `codeHash` it is, `{"answer"}` (the answer's view) when the form body alone decides.
pub fn read_token_request(config: &str, form: &str) -> Result<String, Failure> {
    Ok(match issuer(config)?.read_token_request(form) {
        // base64url: nothing to escape.
        TokenStep::Find(request) => format!(r#"{{"lookupKey":"{}"}}"#, request.lookup_key()),
        TokenStep::Answer(answer) => format!(r#"{{"answer":{}}}"#, answer.to_json()),
    })
}

/// `tokenEndpoint` and `answerTokenRequest`: the answer's view, `{status, body, record?, outcome}`. Always an
/// OAuth answer for the client; only the host's own arguments throw (a `record` that is not a stored record,
/// a bad `now`), since no answer to the client could be right for them.
pub fn token_endpoint(
    config: &str,
    form: &str,
    record: Option<&str>,
    now: f64,
    entropy: Option<Vec<u8>>,
) -> Result<String, Failure> {
    let issuer = issuer(config)?;
    let record = record.map(OfferRecord::from_json).transpose()?;
    let now = epoch_seconds(now)?;
    let answer = with_entropy(entropy, |entropy| Ok(issuer.token_endpoint(form, record.as_ref(), now, entropy)))?;
    Ok(answer.to_json())
}

/// `checkMetadata`: whether the metadata describes this issuer.
pub fn check_metadata(config: &str, metadata: &str) -> Result<(), Failure> {
    Ok(issuer(config)?.check_metadata(&IssuerMetadata::from_json(metadata)?)?)
}

/// `delete`: `{record, event}`, the record marked deleted and its `offer.deleted` event.
pub fn delete(config: &str, record: &str, now: f64) -> Result<String, Failure> {
    let issuer = issuer(config)?;
    Ok(transition_json(&issuer.delete(&OfferRecord::from_json(record)?, epoch_seconds(now)?)?))
}

/// `checkExpiry`: `{record, event}` with the `offer.expired` event when the offer expired unreported, else `null`.
pub fn check_expiry(config: &str, record: &str, now: f64) -> Result<String, Failure> {
    let issuer = issuer(config)?;
    let expired = issuer.check_expiry(&OfferRecord::from_json(record)?, epoch_seconds(now)?);
    Ok(expired.as_ref().map_or_else(|| "null".to_owned(), transition_json))
}

/// `offerStatus`: the status view of a record at `now`.
pub fn offer_status(record: &str, now: f64) -> Result<String, Failure> {
    Ok(OfferRecord::from_json(record)?.status(epoch_seconds(now)?).to_json())
}

/// `{record, event}`: a change as JavaScript receives it.
fn transition_json(transition: &Transition) -> String {
    format!(r#"{{"record":{},"event":{}}}"#, transition.record.to_json(), transition.event.to_json())
}

/// Why `serveOffer` served nothing: the failure, and the expiry the fetch reports (`NotServed::expired`).
#[derive(Debug)]
pub struct ServeRefusal {
    failure: Failure,
    expired: Option<Box<Transition>>,
}

impl<E: Into<Failure>> From<E> for ServeRefusal {
    fn from(failure: E) -> Self {
        Self { failure: failure.into(), expired: None }
    }
}

impl From<NotServed> for ServeRefusal {
    fn from(refusal: NotServed) -> Self {
        Self { failure: refusal.error.into(), expired: refusal.expired }
    }
}

impl ServeRefusal {
    /// The error JSON JavaScript throws, with `expired: {record, event}` when the fetch reported an expiry.
    fn to_json(&self) -> String {
        let error = self.failure.to_json_with_mattr_body();
        match &self.expired {
            Some(expired) => with_member(error, "expired", &transition_json(expired)),
            None => error,
        }
    }
}

/// `serveOffer`: `{body, record, event}`, the offer JSON a `credential_offer_uri` answers with, the record
/// with the fetch counted and its `offer.fetched` event.
pub fn serve_offer(config: &str, record: &str, token: &str, now: f64) -> Result<String, ServeRefusal> {
    let issuer = issuer(config)?;
    let served = issuer.serve_offer(&OfferRecord::from_json(record)?, token, epoch_seconds(now)?)?;
    Ok(format!(
        r#"{{"body":{},"record":{},"event":{}}}"#,
        json_string(served.json.expose()),
        served.record.to_json(),
        served.event.to_json()
    ))
}

/// `introspectionLookupKey`: the key of the record whose `accessToken.tokenHash` the form's token has.
pub fn introspection_lookup_key(form: &str) -> Result<String, Failure> {
    Ok(IntrospectionRequest::from_form(form)?.lookup_key())
}

/// `introspect`: the RFC 7662 response body, from the record found by the lookup key (absent: none found).
pub fn introspect(form: &str, record: Option<&str>, now: f64) -> Result<String, Failure> {
    let record = record.map(OfferRecord::from_json).transpose()?;
    Ok(introspection::introspection_endpoint(form, record.as_ref(), epoch_seconds(now)?)?.to_json())
}

/// As `throw` in lib.rs, with the body MATTR VII's endpoints answer an engine error with.
fn throw_from_issuer(failure: impl Into<Failure>) -> JsValue {
    JsValue::from_str(&failure.into().to_json_with_mattr_body())
}

/// The key a host stores and finds a record under, from the secret a request carries.
#[wasm_bindgen(js_name = lookupKey)]
pub fn lookup_key(secret: &str) -> String {
    credoffer::record::lookup_key(secret)
}

#[wasm_bindgen(js_name = issuerCheck)]
pub fn issuer_check(config: &[u8]) -> Result<(), JsValue> {
    issuer(utf8_or_throw(config)?).map(drop).map_err(throw_from_issuer)
}

#[wasm_bindgen(js_name = issuerCreateAuthorizationOffer)]
pub fn issuer_create_authorization_offer(
    config: &[u8],
    request: &[u8],
    entropy: Option<Vec<u8>>,
) -> Result<String, JsValue> {
    create_authorization_offer(utf8_or_throw(config)?, utf8_or_throw(request)?, entropy).map_err(throw_from_issuer)
}

#[wasm_bindgen(js_name = issuerCreatePreAuthorizedOffer)]
pub fn issuer_create_pre_authorized_offer(
    config: &[u8],
    request: &[u8],
    now: f64,
    entropy: Option<Vec<u8>>,
) -> Result<String, JsValue> {
    create_pre_authorized_offer(utf8_or_throw(config)?, utf8_or_throw(request)?, now, entropy)
        .map_err(throw_from_issuer)
}

#[wasm_bindgen(js_name = issuerReadTokenRequest)]
pub fn issuer_read_token_request(config: &[u8], form: &[u8]) -> Result<String, JsValue> {
    read_token_request(utf8_or_throw(config)?, utf8_or_throw(form)?).map_err(throw_from_issuer)
}

/// `record` is absent when the host found no record under the request's lookup key.
#[wasm_bindgen(js_name = issuerTokenEndpoint)]
pub fn issuer_token_endpoint(
    config: &[u8],
    form: &[u8],
    record: Option<Vec<u8>>,
    now: f64,
    entropy: Option<Vec<u8>>,
) -> Result<String, JsValue> {
    let record = record.as_deref().map(utf8_or_throw).transpose()?;
    token_endpoint(utf8_or_throw(config)?, utf8_or_throw(form)?, record, now, entropy).map_err(throw_from_issuer)
}

/// The headers every token endpoint answer is sent with, as a JSON list of `[name, value]` pairs (a list
/// rather than an object: collecting a `serde_json` map sorts it, and the sort alone weighed 5 KB of WebAssembly).
#[wasm_bindgen(js_name = tokenResponseHeaders)]
pub fn token_response_headers() -> String {
    serde_json::to_string(&credoffer::token::TOKEN_RESPONSE_HEADERS).unwrap_or_default()
}

#[wasm_bindgen(js_name = introspectionLookupKey)]
pub fn introspection_lookup_key_js(form: &[u8]) -> Result<String, JsValue> {
    introspection_lookup_key(utf8_or_throw(form)?).map_err(throw_from_issuer)
}

/// `record` is absent when the host found no record under the request's lookup key.
#[wasm_bindgen(js_name = introspect)]
pub fn introspect_js(form: &[u8], record: Option<Vec<u8>>, now: f64) -> Result<String, JsValue> {
    let record = record.as_deref().map(utf8_or_throw).transpose()?;
    introspect(utf8_or_throw(form)?, record, now).map_err(throw_from_issuer)
}

#[wasm_bindgen(js_name = issuerCheckMetadata)]
pub fn issuer_check_metadata(config: &[u8], metadata: &[u8]) -> Result<(), JsValue> {
    check_metadata(utf8_or_throw(config)?, utf8_or_throw(metadata)?).map_err(throw_from_issuer)
}

#[wasm_bindgen(js_name = issuerDelete)]
pub fn issuer_delete(config: &[u8], record: &[u8], now: f64) -> Result<String, JsValue> {
    delete(utf8_or_throw(config)?, utf8_or_throw(record)?, now).map_err(throw_from_issuer)
}

#[wasm_bindgen(js_name = issuerCheckExpiry)]
pub fn issuer_check_expiry(config: &[u8], record: &[u8], now: f64) -> Result<String, JsValue> {
    check_expiry(utf8_or_throw(config)?, utf8_or_throw(record)?, now).map_err(throw_from_issuer)
}

#[wasm_bindgen(js_name = issuerOfferStatus)]
pub fn offer_status_js(record: &[u8], now: f64) -> Result<String, JsValue> {
    offer_status(utf8_or_throw(record)?, now).map_err(throw_from_issuer)
}

#[wasm_bindgen(js_name = issuerServeOffer)]
pub fn issuer_serve_offer(config: &[u8], record: &[u8], token: &str, now: f64) -> Result<String, JsValue> {
    serve_offer(utf8_or_throw(config)?, utf8_or_throw(record)?, token, now)
        .map_err(|refusal| JsValue::from_str(&refusal.to_json()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    const CONFIG: &str = r#"{"credentialIssuer":"https://issuer.example.com",
        "credentialConfigurations":{"mdl":"mso_mdoc","pid":"dc+sd-jwt"}}"#;
    const GRANT: &str = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Apre-authorized_code";

    #[test]
    fn epoch_seconds_are_whole_and_non_negative() {
        assert_eq!(epoch_seconds(1_700_000_000.0).unwrap(), 1_700_000_000);
        for bad in [-1.0, 1.5, f64::NAN, f64::INFINITY, 1e300] {
            assert_eq!(epoch_seconds(bad).unwrap_err().field(), Some("now"), "{bad}");
        }
    }

    /// The record reaches JavaScript as the engine wrote it: claims keep their digits.
    #[test]
    fn records_in_answers_keep_their_claims_as_written() {
        let request = r#"{"credentials":["mdl"],"claims":{"big":12345678901234567890123,"price":1.10},
            "transactionCodeConfiguration":{"length":6}}"#;
        let created = create_pre_authorized_offer(CONFIG, request, 1000.0, Some(vec![7; 200])).unwrap();
        assert!(created.contains(r#""claims":{"big":12345678901234567890123,"price":1.10}"#), "{created}");
        let answer: credoffer::json::JsonMembers = serde_json::from_str(&created).unwrap();
        let record = answer.get("record").unwrap().as_json();
        let uri: String = serde_json::from_str(answer.get("uri").unwrap().as_json()).unwrap();
        let Ok(credoffer::OfferUri::ByValue(parsed)) = credoffer::parse_offer_uri(&uri, &Default::default()) else {
            panic!("by value")
        };
        let code = &parsed.offer.pre_authorized_code_grant().unwrap().pre_authorized_code;
        // A wrong transaction code changes the record: the answer carries it, claims as written.
        let form = format!("{GRANT}&pre-authorized_code={code}&tx_code=wrong!");
        let answered = token_endpoint(CONFIG, &form, Some(record), 1001.0, None).unwrap();
        assert!(answered.contains(r#""claims":{"big":12345678901234567890123,"price":1.10}"#), "{answered}");
    }

    #[test]
    fn create_answer_token_requests_delete() {
        let request = r#"{"credentials":["mdl"],"transactionCodeConfiguration":{"length":6}}"#;
        let created: Value =
            serde_json::from_str(&create_pre_authorized_offer(CONFIG, request, 1000.0, Some(vec![7; 200])).unwrap())
                .unwrap();
        assert_eq!(created["expiresAt"], 1300);
        assert_eq!(created["record"]["expiresAt"], 1300);
        let code = created["transactionCode"].as_str().unwrap();
        let body: Value = serde_json::from_str(created["responseBody"].as_str().unwrap()).unwrap();
        assert_eq!(body["expiresAt"], "1970-01-01T00:21:40.000Z");

        let uri = created["uri"].as_str().unwrap();
        let parsed = credoffer::parse_offer_uri(uri, &Default::default()).unwrap();
        let credoffer::OfferUri::ByValue(parsed) = parsed else { panic!("by value") };
        let pre_authorized_code = &parsed.offer.pre_authorized_code_grant().unwrap().pre_authorized_code;
        // base64url: nothing in the code needs escaping in a form.
        let form = format!("{GRANT}&pre-authorized_code={pre_authorized_code}&tx_code={code}");
        let record = created["record"].to_string();
        let read: Value = serde_json::from_str(&read_token_request(CONFIG, &form).unwrap()).unwrap();
        assert_eq!(read, json!({"lookupKey": created["record"]["codeHash"]}));
        let answer = |form: &str, record: Option<&str>, entropy: Option<Vec<u8>>| -> Value {
            serde_json::from_str(&token_endpoint(CONFIG, form, record, 1001.0, entropy).unwrap()).unwrap()
        };
        let issued = answer(&form, Some(&record), Some(vec![9; 32]));
        assert_eq!((issued["status"].as_u64(), &issued["outcome"]["kind"]), (Some(200), &json!("issued")));
        assert_eq!(issued["record"]["state"], "redeemed");
        let access_token = issued["outcome"]["accessToken"].as_str().unwrap();
        let body: Value = serde_json::from_str(issued["body"].as_str().unwrap()).unwrap();
        assert_eq!(body, json!({"access_token": access_token, "token_type": "Bearer", "expires_in": 300}));
        assert_eq!(answer(&form, Some(&record), Some(vec![9; 32]))["body"], issued["body"], "fixed entropy");
        let starved = answer(&form, Some(&record), Some(vec![9; 3]));
        assert_eq!(
            (starved["status"].as_u64(), &starved["outcome"]["error"]["code"]),
            (Some(500), &json!("entropy_unavailable"))
        );
        assert_eq!(starved.get("record"), None, "nothing to store when no token was issued");

        let unknown = answer(&form, None, None);
        assert_eq!((unknown["status"].as_u64(), &unknown["outcome"]["error"]), (Some(400), &json!("invalid_grant")));
        let malformed: Value =
            serde_json::from_str(&read_token_request(CONFIG, "grant_type=password").unwrap()).unwrap();
        assert_eq!(malformed["answer"]["outcome"]["error"], "unsupported_grant_type");
        assert_eq!(malformed["answer"], answer("grant_type=password", Some(&record), None));
        let error = token_endpoint(CONFIG, &form, Some(r#"{"id":"x"}"#), 1001.0, None).unwrap_err();
        assert_eq!(error.code(), "invalid_record");

        let deleted: Value = serde_json::from_str(&delete(CONFIG, &record, 1002.0).unwrap()).unwrap();
        assert_eq!(deleted["record"]["state"], "deleted");
        assert_eq!(deleted["event"]["type"], "offer.deleted");
        assert_eq!(delete(CONFIG, &deleted["record"].to_string(), 1003.0).unwrap_err().code(), "offer_not_found");
    }

    #[test]
    fn expiry_is_reported_once_and_the_status_says_so() {
        let request = r#"{"credentials":["mdl"]}"#;
        let created: Value =
            serde_json::from_str(&create_pre_authorized_offer(CONFIG, request, 1000.0, Some(vec![7; 64])).unwrap())
                .unwrap();
        assert_eq!(created["event"]["type"], "offer.created");
        let record = created["record"].to_string();
        assert_eq!(check_expiry(CONFIG, &record, 1299.0).unwrap(), "null");
        let expired: Value = serde_json::from_str(&check_expiry(CONFIG, &record, 1400.0).unwrap()).unwrap();
        assert_eq!(
            (&expired["event"]["type"], &expired["event"]["timestamp"]),
            (&json!("offer.expired"), &json!("1970-01-01T00:21:40.000Z"))
        );
        assert_eq!(check_expiry(CONFIG, &expired["record"].to_string(), 1500.0).unwrap(), "null");
        let status: Value = serde_json::from_str(&offer_status(&record, 1299.0).unwrap()).unwrap();
        assert_eq!((&status["state"], &status["fetchCount"]), (&json!("active"), &json!(0)));
        assert_eq!(
            offer_status(&record, 1300.0).unwrap(),
            offer_status(&expired["record"].to_string(), 1300.0).unwrap()
        );
        assert_eq!(offer_status("{}", 1.0).unwrap_err().code(), "invalid_record");
        assert_eq!(check_expiry(CONFIG, &record, -1.0).unwrap_err().field(), Some("now"));
    }

    #[test]
    fn a_fetch_meeting_an_unreported_expiry_reports_it_in_the_error() {
        let config = r#"{"credentialIssuer":"https://issuer.example.com",
            "credentialConfigurations":{"mdl":"mso_mdoc"},"offerUrlTemplate":"https://issuer.example.com/offers/{token}"}"#;
        let created: Value = serde_json::from_str(
            &create_pre_authorized_offer(config, r#"{"credentials":["mdl"]}"#, 1000.0, Some(vec![7; 128])).unwrap(),
        )
        .unwrap();
        let uri = created["uri"].as_str().unwrap();
        let token = uri.rsplit("%2F").next().unwrap();
        let record = created["record"].to_string();
        let refusal = serve_offer(config, &record, token, 1300.0).unwrap_err();
        let error: Value = serde_json::from_str(&refusal.to_json()).unwrap();
        assert_eq!((&error["code"], &error["httpStatus"]), (&json!("offer_not_found"), &json!(404)));
        assert_eq!(error["expired"]["event"]["type"], "offer.expired");
        assert_eq!(error["expired"]["record"]["expiryReported"], true);
        let wrong_token: Value =
            serde_json::from_str(&serve_offer(config, &record, "other", 1300.0).unwrap_err().to_json()).unwrap();
        assert_eq!((&wrong_token["code"], wrong_token.get("expired")), (&json!("offer_not_found"), None));
        let again = serve_offer(config, &error["expired"]["record"].to_string(), token, 1301.0).unwrap_err();
        assert!(!again.to_json().contains("expired\""), "reported once");
    }

    #[test]
    fn metadata_is_checked_against_the_issuer() {
        let metadata = |format: &str| {
            format!(
                r#"{{"credential_issuer":"https://issuer.example.com","credential_configurations_supported":{{
                    "mdl":{{"format":"mso_mdoc"}},"pid":{{"format":"{format}"}}}}}}"#
            )
        };
        assert_eq!(check_metadata(CONFIG, &metadata("dc+sd-jwt")), Ok(()));
        let error = check_metadata(CONFIG, &metadata("jwt_vc_json")).unwrap_err();
        assert_eq!(
            (error.code(), error.field()),
            ("invalid_metadata", Some("credential_configurations_supported.pid.format"))
        );
        assert_eq!(check_metadata(CONFIG, "[]").unwrap_err().code(), "invalid_metadata");
    }

    #[test]
    fn fixed_entropy_reproduces_and_runs_out() {
        let request = r#"{"credentials":["pid"]}"#;
        let once = create_authorization_offer(CONFIG, request, Some(vec![1; 64])).unwrap();
        assert_eq!(once, create_authorization_offer(CONFIG, request, Some(vec![1; 64])).unwrap());
        let error = create_pre_authorized_offer(CONFIG, r#"{"credentials":["mdl"]}"#, 0.0, Some(vec![1; 3]));
        assert_eq!(error.unwrap_err().code(), "entropy_unavailable");
    }
}
