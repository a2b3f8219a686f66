//! The issuer engine (MATTR VII's offers API) for the JavaScript `Issuer` class.
//!
//! Stateless on purpose: each call gets the configuration as JSON and builds the engine's `Issuer` from
//! it, so nothing lives in WebAssembly memory between calls and JavaScript never has to free anything.
//! Building it is a small JSON read, far below the cost of creating an offer.

use credoffer::{
    Entropy, Error, ErrorKind, FixedEntropy, Issuer, IssuerConfig, OfferRecord, RedeemOutcome, SystemEntropy,
    TokenError, TokenRequest,
};
use serde_json::{Map, Value, json};

use crate::output::ObjectWriter;

/// An issuer from its configuration JSON (camelCase, as `IssuerConfig` reads it).
pub fn issuer(config: &str) -> Result<Issuer, Error> {
    Issuer::new(IssuerConfig::from_json(config)?)
}

/// Random bytes from the given ones (deterministic tests), or from `crypto.getRandomValues`.
pub fn with_entropy<T>(
    bytes: Option<Vec<u8>>,
    f: impl FnOnce(&mut dyn Entropy) -> Result<T, Error>,
) -> Result<T, Error> {
    match bytes {
        Some(bytes) => f(&mut FixedEntropy::new(bytes)),
        None => f(&mut SystemEntropy),
    }
}

/// A time in epoch seconds from a JavaScript number.
pub fn epoch_seconds(now: f64) -> Result<u64, Error> {
    const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;
    if now.is_finite() && now >= 0.0 && now.fract() == 0.0 && now <= MAX_SAFE_INTEGER {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // checked just above
        return Ok(now as u64);
    }
    Err(Error::new(ErrorKind::InvalidType, "now must be whole epoch seconds").at("now"))
}

/// `createAuthorizationOffer`: `{uri, issuerState?}`.
pub fn create_authorization_offer(config: &str, request: &str, entropy: Option<Vec<u8>>) -> Result<String, Error> {
    let issuer = issuer(config)?;
    with_entropy(entropy, |entropy| issuer.create_authorization_offer_json(request, entropy))
        .map(|offer| offer.to_json())
}

/// `createPreAuthorizedOffer`: `{id, userId, uri, expiresAt, transactionCode?, record, responseBody}`, with
/// `expiresAt` in epoch seconds and `responseBody` the exact body of MATTR's endpoint.
pub fn create_pre_authorized_offer(
    config: &str,
    request: &str,
    now: f64,
    entropy: Option<Vec<u8>>,
) -> Result<String, Error> {
    let issuer = issuer(config)?;
    let now = epoch_seconds(now)?;
    let created = with_entropy(entropy, |entropy| issuer.create_pre_authorized_offer_json(request, now, entropy))?;
    let response = &created.response;
    let mut members = Map::new();
    members.insert("id".into(), json!(response.id));
    members.insert("userId".into(), json!(response.user_id));
    members.insert("uri".into(), json!(response.uri));
    members.insert("expiresAt".into(), json!(created.record.expires_at));
    if let Some(code) = &response.transaction_code {
        members.insert("transactionCode".into(), json!(code));
    }
    members.insert("responseBody".into(), json!(response.to_json()));
    with_record(&members, &created.record)
}

/// `redeem`: `{record, changed, outcome}`. A malformed token request is an outcome too (the OAuth error the
/// token endpoint answers with), not an exception: the host always has a response to send.
pub fn redeem(config: &str, record: &str, token_request: &str, now: f64) -> Result<String, Error> {
    let issuer = issuer(config)?;
    let record = OfferRecord::from_json(record)?;
    let now = epoch_seconds(now)?;
    let (record, changed, outcome, request_error) = match TokenRequest::from_form(token_request) {
        Ok(request) => {
            let redemption = issuer.redeem(&record, &request, now)?;
            (redemption.record, redemption.changed, redemption.outcome, None)
        }
        Err(error) => {
            let rejected = RedeemOutcome::Rejected(TokenError::from_request_error(&error));
            (record, false, rejected, Some(error))
        }
    };
    let outcome = match outcome {
        RedeemOutcome::Issued { user_id, credential_configuration_ids } => {
            json!({"kind": "issued", "userId": user_id, "credentialConfigurationIds": credential_configuration_ids})
        }
        RedeemOutcome::Rejected(error) => {
            let mut members = Map::new();
            members.insert("kind".into(), json!("rejected"));
            members.insert("error".into(), json!(error.error.as_str()));
            members.insert("errorDescription".into(), json!(error.description));
            if let Some(left) = error.failed_attempts_left {
                members.insert("failedAttemptsLeft".into(), json!(left));
            }
            members.insert("revokeIssuedTokens".into(), json!(error.revoke_issued_tokens));
            members.insert("httpStatus".into(), json!(error.http_status()));
            members.insert("body".into(), json!(error.to_json()));
            if let Some(request_error) = &request_error {
                members.insert("requestError".into(), crate::errors::to_json_value(request_error));
            }
            Value::Object(members)
        }
    };
    let mut members = Map::new();
    members.insert("changed".into(), json!(changed));
    members.insert("outcome".into(), outcome);
    with_record(&members, &record)
}

/// `delete`: the record, marked deleted.
pub fn delete(config: &str, record: &str) -> Result<String, Error> {
    let issuer = issuer(config)?;
    Ok(issuer.delete(&OfferRecord::from_json(record)?)?.to_json())
}

/// `serveOffer`: `{body, record}`, the offer JSON a `credential_offer_uri` answers with (once).
pub fn serve_offer(config: &str, record: &str, token: &str, now: f64) -> Result<String, Error> {
    let issuer = issuer(config)?;
    let (body, record) = issuer.serve_offer(&OfferRecord::from_json(record)?, token, epoch_seconds(now)?)?;
    let mut members = Map::new();
    members.insert("body".into(), json!(body));
    with_record(&members, &record)
}

/// The answer object: `members`, then `record` as the engine wrote it (read into a `Value`, its claims'
/// numbers would be rounded to doubles).
fn with_record(members: &Map<String, Value>, record: &OfferRecord) -> Result<String, Error> {
    let mut object = ObjectWriter::with_capacity(1024);
    for (name, value) in members {
        object.raw(name, &value.to_string());
    }
    object.raw("record", &record.to_json());
    object.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let request = r#"{"credentials":["mdl"],"claims":{"big":12345678901234567890123,"price":1.10}}"#;
        let created = create_pre_authorized_offer(CONFIG, request, 1000.0, Some(vec![7; 200])).unwrap();
        assert!(created.contains(r#""claims":{"big":12345678901234567890123,"price":1.10}"#), "{created}");
        let answer: credoffer::JsonMembers = serde_json::from_str(&created).unwrap();
        let record = answer.get("record").unwrap().as_json();
        let redeemed = redeem(CONFIG, record, "grant_type=password", 1001.0).unwrap();
        assert!(redeemed.contains(&format!(r#""record":{record}"#)), "{redeemed}");
    }

    #[test]
    fn create_redeem_delete() {
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
        let form =
            format!("{GRANT}&pre-authorized_code={}&tx_code={code}", credoffer::percent_encode(pre_authorized_code));
        let record = created["record"].to_string();
        let redeemed: Value = serde_json::from_str(&redeem(CONFIG, &record, &form, 1001.0).unwrap()).unwrap();
        assert_eq!(redeemed["changed"], true);
        assert_eq!(redeemed["outcome"]["kind"], "issued");
        assert_eq!(redeemed["record"]["state"], "redeemed");

        let malformed: Value =
            serde_json::from_str(&redeem(CONFIG, &record, "grant_type=password", 1001.0).unwrap()).unwrap();
        assert_eq!(
            (malformed["changed"].as_bool(), &malformed["outcome"]["error"]),
            (Some(false), &json!("unsupported_grant_type"))
        );

        let deleted: Value = serde_json::from_str(&delete(CONFIG, &record).unwrap()).unwrap();
        assert_eq!(deleted["state"], "deleted");
        assert_eq!(delete(CONFIG, &deleted.to_string()).unwrap_err().code(), "offer_not_found");
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
