#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
//! Runs the issuer-engine vectors in `tests/vectors/` (`issuer`, `redeem`, `lifecycle`, `secret`, `wallet`,
//! `introspect`) against the Rust core.
//!
//! Every case is run and every failing id is reported with what was expected and what came out. A case
//! with a member this runner does not know, or without one it needs, fails: a typo must not turn a case
//! into one that tests nothing. The formats are described in `tests/vectors/README.md`.

use std::fs;
use std::path::Path;

use credoffer::events::OfferEvent;
use credoffer::introspection::{IntrospectionRequest, introspect};
use credoffer::issuer::NotServed;
use credoffer::offer::InputMode;
use credoffer::record::lookup_key;
use credoffer::secret::{generate_issuer_state, generate_pre_authorized_code, generate_tx_code, generate_uuid_v4};
use credoffer::token::{TokenError, TokenOutcome, TokenRequest};
use credoffer::wallet::{TxCodePrompt, token_request_body};
use credoffer::{
    Error, FixedEntropy, Issuer, IssuerConfig, OfferRecord, OfferUri, ParseOptions, parse_offer_json, parse_offer_uri,
};
use serde_json::{Map, Value, json};

type Outcome = Result<(), String>;
type Runner = fn(&Map<String, Value>, &Map<String, Value>) -> Outcome;

/// The files, their runner, the top-level members besides `description` and `cases`, and at least how
/// many cases each must hold (so an emptied file fails).
const FILES: &[(&str, Runner, &[&str], usize)] = &[
    ("issuer", run_issuer_case, &["configs"], 80),
    ("redeem", run_redeem_case, &["configs"], 40),
    ("lifecycle", run_lifecycle_case, &["configs"], 6),
    ("secret", run_secret_case, &[], 25),
    ("wallet", run_wallet_case, &[], 10),
    ("introspect", run_introspect_case, &[], 10),
];

#[test]
fn engine_vectors() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors");
    let mut failures = Vec::new();
    let mut summary = Vec::new();
    for &(name, runner, top_level, minimum) in FILES {
        let path = dir.join(format!("{name}.json"));
        let file: Value = match fs::read_to_string(&path).map(|text| serde_json::from_str(&text)) {
            Ok(Ok(file)) => file,
            Ok(Err(e)) => {
                failures.push(format!("{name}.json: not JSON: {e}"));
                continue;
            }
            Err(e) => {
                failures.push(format!("{name}.json: unreadable: {e}"));
                continue;
            }
        };
        let Some(file) = file.as_object() else {
            failures.push(format!("{name}.json: not an object"));
            continue;
        };
        for member in file.keys() {
            if member != "description" && member != "cases" && !top_level.contains(&member.as_str()) {
                failures.push(format!("{name}.json: unknown top-level member {member:?}"));
            }
        }
        let cases = file.get("cases").and_then(Value::as_array).cloned().unwrap_or_default();
        if cases.len() < minimum {
            failures.push(format!("{name}.json: {} cases, expected at least {minimum}", cases.len()));
        }
        let mut seen = std::collections::BTreeSet::new();
        let mut passed = 0;
        for case in &cases {
            let Some(case) = case.as_object() else {
                failures.push(format!("{name}.json: a case is not an object"));
                continue;
            };
            let id = case.get("id").and_then(Value::as_str).unwrap_or("<no id>");
            if !seen.insert(id.to_owned()) {
                failures.push(format!("{name}.json {id}: the id is used twice"));
            }
            match runner(case, file) {
                Ok(()) => passed += 1,
                Err(problem) => failures.push(format!("{name}.json {id}: {problem}")),
            }
        }
        summary.push(format!("{name}.json: {passed}/{} cases passed", cases.len()));
    }
    println!("{}", summary.join("\n"));
    assert!(failures.is_empty(), "{} vector failure(s):\n{}", failures.len(), failures.join("\n"));
}

// --- shared helpers ---------------------------------------------------------------------------

fn only_members(object: &Map<String, Value>, allowed: &[&str], what: &str) -> Outcome {
    match object.keys().find(|key| !allowed.contains(&key.as_str())) {
        Some(key) => Err(format!("malformed {what}: unknown member {key:?}")),
        None => Ok(()),
    }
}

fn str_member<'a>(object: &'a Map<String, Value>, name: &str) -> Result<&'a str, String> {
    object.get(name).and_then(Value::as_str).ok_or_else(|| format!("malformed case: {name} must be a string"))
}

fn u64_member(object: &Map<String, Value>, name: &str) -> Result<u64, String> {
    object.get(name).and_then(Value::as_u64).ok_or_else(|| format!("malformed case: {name} must be an integer"))
}

fn expect_of(case: &Map<String, Value>) -> Result<&Map<String, Value>, String> {
    case.get("expect").and_then(Value::as_object).ok_or_else(|| "malformed case: expect must be an object".into())
}

fn same(what: &str, expected: &Value, actual: &Value) -> Outcome {
    if expected == actual { Ok(()) } else { Err(format!("{what}: expected {expected}, got {actual}")) }
}

/// Compares an error with `{"error", "field"?, "status"?, "body"?}`. MATTR bodies are compared without
/// their `msg` members (messages may improve), after checking each is a non-empty string.
fn check_error(error: &Error, expect: &Map<String, Value>) -> Outcome {
    only_members(expect, &["error", "field", "status", "body"], "error expectation")?;
    let Some(code) = expect.get("error").and_then(Value::as_str) else {
        return Err(format!(
            "expected success ({}), got error {} at {:?}",
            Value::Object(expect.clone()),
            error.code(),
            error.field()
        ));
    };
    let actual = format!("error {} at {:?}: {}", error.code(), error.field(), error.message());
    if code != error.code() {
        return Err(format!("expected error {code}, got {actual}"));
    }
    if let Some(field) = expect.get("field")
        && field.as_str() != error.field()
    {
        return Err(format!("expected field {field}, got {actual}"));
    }
    if let Some(status) = expect.get("status") {
        same("status", status, &json!(error.http_status()))?;
    }
    if let Some(body) = expect.get("body") {
        let mut actual_body = error.to_mattr_body();
        if let Some(details) = actual_body.get_mut("details").and_then(Value::as_array_mut) {
            for detail in details {
                let detail = detail.as_object_mut().ok_or("a MATTR detail is not an object")?;
                match detail.remove("msg") {
                    Some(Value::String(msg)) if !msg.is_empty() => {}
                    other => return Err(format!("a MATTR detail has no message: {other:?}")),
                }
            }
        }
        same("MATTR error body", body, &actual_body)?;
    }
    Ok(())
}

/// The outcome of an operation against `expect`: an error expectation, or a success built by `success`.
fn check<T>(
    result: Result<T, Error>,
    expect: &Map<String, Value>,
    success: impl FnOnce(T, &Map<String, Value>) -> Outcome,
) -> Outcome {
    match result {
        Err(error) => check_error(&error, expect),
        Ok(_) if expect.contains_key("error") => Err(format!("expected error {}, got success", expect["error"])),
        Ok(value) => success(value, expect),
    }
}

/// A fetch not served: its error, and the expiry it reports (`record` and `event`; neither when none).
fn check_refusal(refusal: &NotServed, expect: &Map<String, Value>) -> Outcome {
    check_error(&refusal.error, &without(expect, &["record", "event"]))?;
    let record = refusal.expired.as_ref().map(|expired| record_value(&expired.record)).transpose()?;
    same("record", expect.get("record").unwrap_or(&Value::Null), &record.unwrap_or(Value::Null))?;
    same_event(expect, refusal.expired.as_ref().map(|expired| &expired.event))
}

/// `expect` without the members another check compares.
fn without(expect: &Map<String, Value>, members: &[&str]) -> Map<String, Value> {
    expect.iter().filter(|(name, _)| !members.contains(&name.as_str())).map(|(n, v)| (n.clone(), v.clone())).collect()
}

fn issuer_from(file: &Map<String, Value>, case: &Map<String, Value>) -> Result<Result<Issuer, Error>, String> {
    let name = str_member(case, "config")?;
    let config = file
        .get("configs")
        .and_then(|configs| configs.get(name))
        .ok_or_else(|| format!("malformed case: no config named {name:?}"))?;
    Ok(IssuerConfig::from_json(&config.to_string()).and_then(Issuer::new))
}

fn record_from(case: &Map<String, Value>) -> Result<Result<OfferRecord, Error>, String> {
    let record = case.get("record").ok_or("malformed case: record is required")?;
    Ok(OfferRecord::from_json(&record.to_string()))
}

/// An event's JSON view, checked to carry nothing but its documented members.
fn event_value(event: &OfferEvent) -> Result<Value, String> {
    let value: Value = serde_json::from_str(&event.to_json()).map_err(|e| format!("the event is not JSON: {e}"))?;
    if value["id"] != json!(event.id()) || value["type"] != event.kind.as_str() {
        return Err(format!("the event's JSON does not name it: {value}"));
    }
    Ok(value)
}

/// Compares `expect.event` (required when the operation produced one) with the event.
fn same_event(expect: &Map<String, Value>, event: Option<&OfferEvent>) -> Outcome {
    let actual = event.map(event_value).transpose()?.unwrap_or(Value::Null);
    same("event", expect.get("event").unwrap_or(&Value::Null), &actual)
}

fn record_value(record: &OfferRecord) -> Result<Value, String> {
    let text = record.to_json();
    let back = OfferRecord::from_json(&text).map_err(|e| format!("the record does not read back: {e}"))?;
    if &back != record {
        return Err("the record does not round-trip".into());
    }
    serde_json::from_str(&text).map_err(|e| format!("the record is not JSON: {e}"))
}

// --- issuer.json --------------------------------------------------------------------------------

fn run_issuer_case(case: &Map<String, Value>, file: &Map<String, Value>) -> Outcome {
    let endpoint = str_member(case, "endpoint")?;
    let members: &[&str] = match endpoint {
        "authorization" => &["id", "note", "config", "endpoint", "body", "entropy_hex", "expect"],
        "pre-authorized" => &["id", "note", "config", "endpoint", "body", "now", "entropy_hex", "expect"],
        "delete" => &["id", "note", "config", "endpoint", "record", "now", "expect"],
        "serve" => &["id", "note", "config", "endpoint", "record", "token", "now", "expect"],
        other => return Err(format!("malformed case: unknown endpoint {other:?}")),
    };
    only_members(case, members, "case")?;
    let expect = expect_of(case)?;
    let issuer = match issuer_from(file, case)? {
        Ok(issuer) => issuer,
        Err(error) => return check_error(&error, expect),
    };
    match endpoint {
        "authorization" => {
            let body = str_member(case, "body")?;
            let mut entropy = FixedEntropy::from_hex(str_member(case, "entropy_hex")?).map_err(|e| e.to_string())?;
            check(issuer.create_authorization_offer_json(body, &mut entropy), expect, |offer, expect| {
                only_members(expect, &["response"], "expect")?;
                let actual: Value = serde_json::from_str(&offer.to_json()).map_err(|e| e.to_string())?;
                same("response", expect.get("response").unwrap_or(&Value::Null), &actual)
            })
        }
        "pre-authorized" => {
            let body = str_member(case, "body")?;
            let now = u64_member(case, "now")?;
            let mut entropy = FixedEntropy::from_hex(str_member(case, "entropy_hex")?).map_err(|e| e.to_string())?;
            check(issuer.create_pre_authorized_offer_json(body, now, &mut entropy), expect, |offer, expect| {
                only_members(expect, &["response", "record", "event"], "expect")?;
                let actual: Value = serde_json::from_str(&offer.response.to_json()).map_err(|e| e.to_string())?;
                same("response", expect.get("response").unwrap_or(&Value::Null), &actual)?;
                same("record", expect.get("record").unwrap_or(&Value::Null), &record_value(&offer.record)?)?;
                same_event(expect, Some(&offer.event))
            })
        }
        "delete" => {
            let record = match record_from(case)? {
                Ok(record) => record,
                Err(error) => return check_error(&error, expect),
            };
            let now = u64_member(case, "now")?;
            check(issuer.delete(&record, now), expect, |deleted, expect| {
                only_members(expect, &["record", "event"], "expect")?;
                same("record", expect.get("record").unwrap_or(&Value::Null), &record_value(&deleted.record)?)?;
                same_event(expect, Some(&deleted.event))
            })
        }
        _ => {
            let record = match record_from(case)? {
                Ok(record) => record,
                Err(error) => return check_error(&error, expect),
            };
            let token = str_member(case, "token")?;
            let now = u64_member(case, "now")?;
            match issuer.serve_offer(&record, token, now) {
                Ok(served) => check(Ok(served), expect, |served, expect| {
                    only_members(expect, &["offer", "record", "event"], "expect")?;
                    same("offer JSON", expect.get("offer").unwrap_or(&Value::Null), &json!(served.json.expose()))?;
                    same("record", expect.get("record").unwrap_or(&Value::Null), &record_value(&served.record)?)?;
                    same_event(expect, Some(&served.event))
                }),
                Err(refusal) => check_refusal(&refusal, expect),
            }
        }
    }
}

// --- redeem.json --------------------------------------------------------------------------------

fn token_error_value(error: &TokenError) -> Result<Value, String> {
    // The wire body carries the same code and a description, and nothing else.
    let body: Value = serde_json::from_str(&error.to_json()).map_err(|e| e.to_string())?;
    let members: Vec<&str> = body.as_object().map(|o| o.keys().map(String::as_str).collect()).unwrap_or_default();
    if members != ["error", "error_description"]
        || body["error"] != error.error.as_str()
        || body["error_description"].as_str().is_none_or(str::is_empty)
        || error.http_status() != 400
    {
        return Err(format!("the token error body is wrong: {body} (status {})", error.http_status()));
    }
    Ok(json!({
        "error": error.error.as_str(),
        "failed_attempts_left": error.failed_attempts_left,
        "revoke_issued_tokens": error.revoke_issued_tokens,
    }))
}

fn run_redeem_case(case: &Map<String, Value>, file: &Map<String, Value>) -> Outcome {
    only_members(case, &["id", "note", "config", "record", "form", "now", "expect"], "case")?;
    let expect = expect_of(case)?;
    let form = str_member(case, "form")?;
    let now = u64_member(case, "now")?;
    let issuer = match issuer_from(file, case)? {
        Ok(issuer) => issuer,
        Err(error) => return check_error(&error, expect),
    };
    // The host reads the body first: a refused body never reaches a record.
    let request = match TokenRequest::from_form(form) {
        Ok(request) => request,
        Err(error) => {
            let actual = json!({
                "request_error": {"code": error.code(), "field": error.field()},
                "rejected": token_error_value(&TokenError::from_request_error(&error))?,
            });
            return same("outcome", &Value::Object(expect.clone()), &actual);
        }
    };
    let record = match record_from(case)? {
        Ok(record) => record,
        Err(error) => return check_error(&error, expect),
    };
    // The token endpoint, as every binding runs it: the access token is drawn from ACCESS_TOKEN_BYTES.
    let answer =
        issuer.answer_token_request(&request, Some(&record), now, &mut FixedEntropy::new(ACCESS_TOKEN_BYTES.to_vec()));
    let outcome = match answer.outcome() {
        TokenOutcome::Failed(error) => return check_error(error, expect),
        TokenOutcome::Issued(token) => json!({"issued": {
            "user_id": token.user_id,
            "credential_configuration_ids": token.credential_configuration_ids,
        }}),
        TokenOutcome::Rejected(error) => json!({"rejected": token_error_value(error)?}),
        other => return Err(format!("an outcome this runner does not know: {other:?}")),
    };
    if expect.contains_key("error") {
        return Err(format!("expected error {}, got an answer", expect["error"]));
    }
    // The state machine alone decides the same, without the token.
    let redemption = issuer.redeem(&record, &request, now).map_err(|e| format!("redeem: {e}"))?;
    if redemption.changed != answer.record_to_store().is_some() || redemption.event.as_ref() != answer.event() {
        return Err("the token endpoint and the state machine disagree on the change".into());
    }
    if answer.record_to_store().is_some() != answer.event().is_some() {
        return Err("a changed record without an event, or an event without a change".into());
    }
    let mut actual = outcome.as_object().cloned().unwrap_or_default();
    actual.insert("changed".into(), json!(answer.record_to_store().is_some()));
    actual.insert("record".into(), record_value(answer.record_to_store().unwrap_or(&record))?);
    if let Some(event) = answer.event() {
        actual.insert("event".into(), event_value(event)?);
    }
    same("outcome", &Value::Object(expect.clone()), &Value::Object(actual))
}

/// The bytes every runner's token endpoint draws its access token from: 00 01 … 1f.
const ACCESS_TOKEN_BYTES: [u8; 32] = {
    let mut bytes = [0u8; 32];
    let mut index = 0;
    while index < 32 {
        bytes[index] = index as u8;
        index += 1;
    }
    bytes
};

// --- lifecycle.json -----------------------------------------------------------------------------

fn run_lifecycle_case(case: &Map<String, Value>, file: &Map<String, Value>) -> Outcome {
    only_members(case, &["id", "note", "config", "steps"], "case")?;
    let issuer = issuer_from(file, case)?.map_err(|e| format!("the config is refused: {e}"))?;
    let steps = case.get("steps").and_then(Value::as_array).ok_or("malformed case: steps must be an array")?;
    let mut record: Option<OfferRecord> = None;
    for (index, step) in steps.iter().enumerate() {
        let step = step.as_object().ok_or("malformed case: a step is not an object")?;
        let op = str_member(step, "op")?;
        run_lifecycle_step(&issuer, op, step, &mut record)
            .map_err(|problem| format!("steps[{index}] {op}: {problem}"))?;
    }
    if steps.is_empty() { Err("malformed case: no steps".into()) } else { Ok(()) }
}

/// One step on the offer's current record; a step that changes the record leaves the next one in `record`.
fn run_lifecycle_step(
    issuer: &Issuer,
    op: &str,
    step: &Map<String, Value>,
    record: &mut Option<OfferRecord>,
) -> Outcome {
    let members: &[&str] = match op {
        "create" => &["op", "note", "body", "now", "entropy_hex", "expect"],
        "serve" => &["op", "note", "token", "now", "expect"],
        "token" => &["op", "note", "form", "now", "expect"],
        "delete" | "check_expiry" | "status" => &["op", "note", "now", "expect"],
        other => return Err(format!("malformed step: unknown op {other:?}")),
    };
    only_members(step, members, "step")?;
    let expect = expect_of(step)?;
    let now = u64_member(step, "now")?;
    if op == "create" {
        let mut entropy = FixedEntropy::from_hex(str_member(step, "entropy_hex")?).map_err(|e| e.to_string())?;
        let created = issuer
            .create_pre_authorized_offer_json(str_member(step, "body")?, now, &mut entropy)
            .map_err(|e| format!("create failed: {e}"))?;
        only_members(expect, &["event"], "expect")?;
        same_event(expect, Some(&created.event))?;
        *record = Some(created.record);
        return Ok(());
    }
    let current = record.as_ref().ok_or("malformed case: the first step must create the offer")?;
    let next = match op {
        "serve" => match issuer.serve_offer(current, str_member(step, "token")?, now) {
            Ok(served) => changed(Ok(served), expect, |served| {
                same_event(expect, Some(&served.event))?;
                Ok(served.record)
            })?,
            Err(refusal) => {
                check_error(&refusal.error, &without(expect, &["event"]))?;
                same_event(expect, refusal.expired.as_ref().map(|expired| &expired.event))?;
                refusal.expired.map(|expired| expired.record)
            }
        },
        "token" => {
            let entropy = &mut FixedEntropy::new(ACCESS_TOKEN_BYTES.to_vec());
            let answer = issuer.token_endpoint(str_member(step, "form")?, Some(current), now, entropy);
            only_members(expect, &["http_status", "outcome", "oauth_error", "event"], "expect")?;
            let view: Value =
                serde_json::from_str(&answer.to_json()).map_err(|e| format!("the answer is not JSON: {e}"))?;
            let mut actual = json!({"http_status": view["status"], "outcome": view["outcome"]["kind"]});
            if let Some(error) = view["outcome"]["error"].as_str() {
                actual["oauth_error"] = json!(error);
            }
            actual["event"] = answer.event().map(event_value).transpose()?.unwrap_or(Value::Null);
            same("answer", &Value::Object(expect.clone()), &actual)?;
            answer.record_to_store().cloned()
        }
        "delete" => changed(issuer.delete(current, now), expect, |deleted| {
            same_event(expect, Some(&deleted.event))?;
            Ok(deleted.record)
        })?,
        "check_expiry" => {
            only_members(expect, &["event"], "expect")?;
            let expired = issuer.check_expiry(current, now);
            same_event(expect, expired.as_ref().map(|expired| &expired.event))?;
            expired.map(|expired| expired.record)
        }
        _ => {
            only_members(expect, &["status"], "expect")?;
            let status: Value = serde_json::from_str(&current.status(now).to_json())
                .map_err(|e| format!("the status is not JSON: {e}"))?;
            same("status", expect.get("status").unwrap_or(&Value::Null), &status)?;
            None
        }
    };
    if let Some(next) = next {
        *record = Some(next);
    }
    Ok(())
}

/// A step that may fail: an expected error leaves the record as it was; a success (`{"event"}`) gives
/// the next record.
fn changed<T>(
    result: Result<T, Error>,
    expect: &Map<String, Value>,
    success: impl FnOnce(T) -> Result<OfferRecord, String>,
) -> Result<Option<OfferRecord>, String> {
    match result {
        Err(error) => check_error(&error, expect).map(|()| None),
        Ok(_) if expect.contains_key("error") => Err(format!("expected error {}, got success", expect["error"])),
        Ok(value) => {
            only_members(expect, &["event"], "expect")?;
            success(value).map(Some)
        }
    }
}

// --- introspect.json ----------------------------------------------------------------------------

fn run_introspect_case(case: &Map<String, Value>, _file: &Map<String, Value>) -> Outcome {
    only_members(case, &["id", "note", "record", "form", "now", "expect"], "case")?;
    let expect = expect_of(case)?;
    let now = u64_member(case, "now")?;
    // The host reads the body first: a refused body never reaches a record.
    let request = match IntrospectionRequest::from_form(str_member(case, "form")?) {
        Ok(request) => request,
        Err(error) => {
            let actual = json!({"request_error": {"code": error.code(), "field": error.field()}});
            return same("outcome", &Value::Object(expect.clone()), &actual);
        }
    };
    let record = match case.get("record") {
        Some(Value::Null) => None,
        _ => Some(record_from(case)?.map_err(|e| format!("the record does not read: {e}"))?),
    };
    only_members(expect, &["body"], "expect")?;
    let answer = introspect(&request, record.as_ref(), now).to_json();
    let body: Value = serde_json::from_str(&answer).map_err(|e| format!("the answer is not JSON: {e}"))?;
    same("body", expect.get("body").unwrap_or(&Value::Null), &body)
}

// --- secret.json --------------------------------------------------------------------------------

fn run_secret_case(case: &Map<String, Value>, _file: &Map<String, Value>) -> Outcome {
    let function = str_member(case, "function")?;
    let expect = expect_of(case)?;
    let success = |value: String, expect: &Map<String, Value>| {
        only_members(expect, &["value"], "expect")?;
        same("value", expect.get("value").unwrap_or(&Value::Null), &json!(value))
    };
    if function == "lookup_key" {
        only_members(case, &["id", "note", "function", "secret", "expect"], "case")?;
        return check(Ok(lookup_key(str_member(case, "secret")?)), expect, success);
    }
    let members: &[&str] = match function {
        "tx_code" => &["id", "note", "function", "input_mode", "length", "entropy_hex", "expect"],
        "pre_authorized_code" | "issuer_state" | "uuid_v4" => &["id", "note", "function", "entropy_hex", "expect"],
        other => return Err(format!("malformed case: unknown function {other:?}")),
    };
    only_members(case, members, "case")?;
    let mut entropy = match FixedEntropy::from_hex(str_member(case, "entropy_hex")?) {
        Ok(entropy) => entropy,
        Err(error) => return check_error(&error, expect),
    };
    let result = match function {
        "pre_authorized_code" => generate_pre_authorized_code(&mut entropy).map(|s| s.expose().to_owned()),
        "issuer_state" => generate_issuer_state(&mut entropy).map(|s| s.expose().to_owned()),
        "uuid_v4" => generate_uuid_v4(&mut entropy),
        _ => {
            let mode = InputMode::parse(str_member(case, "input_mode")?).ok_or("malformed case: input_mode")?;
            let length = u32::try_from(u64_member(case, "length")?).map_err(|e| e.to_string())?;
            generate_tx_code(mode, length, &mut entropy).map(|s| s.expose().to_owned())
        }
    };
    check(result, expect, success)?;
    // Cases give exactly the bytes a success needs: a generator that read more or fewer would differ.
    if expect.contains_key("value") && entropy.remaining() != 0 {
        return Err(format!("{} entropy bytes were left unused", entropy.remaining()));
    }
    Ok(())
}

// --- wallet.json --------------------------------------------------------------------------------

fn prompt_value(prompt: Option<&TxCodePrompt>) -> Value {
    prompt.map_or(Value::Null, |p| {
        json!({"input_mode": p.input_mode.as_str(), "length": p.length, "max_length": p.max_length,
               "description": p.description})
    })
}

fn run_wallet_case(case: &Map<String, Value>, _file: &Map<String, Value>) -> Outcome {
    only_members(case, &["id", "note", "input", "expect", "input_checks", "token_requests"], "case")?;
    let input = str_member(case, "input")?;
    let expect = expect_of(case)?;
    let options = ParseOptions::default();
    let parsed = if input.trim_start().starts_with('{') {
        parse_offer_json(input, &options).map(OfferUri::ByValue)
    } else {
        parse_offer_uri(input, &options)
    };
    let parsed = match parsed {
        Err(error) => return check_error(&error, expect),
        Ok(OfferUri::ByReference(reference)) => {
            only_members(expect, &["reference"], "expect")?;
            return same("reference", expect.get("reference").unwrap_or(&Value::Null), &json!(reference.uri));
        }
        Ok(OfferUri::ByValue(parsed)) => parsed,
    };
    only_members(expect, &["grants", "tx_code_prompt"], "expect")?;
    let grants: Vec<&str> = parsed.offer.offered_grants().iter().map(|grant| grant.as_str()).collect();
    same("grants", expect.get("grants").unwrap_or(&Value::Null), &json!(grants))?;
    let prompt = parsed.tx_code_prompt();
    same("tx_code_prompt", expect.get("tx_code_prompt").unwrap_or(&Value::Null), &prompt_value(prompt.as_ref()))?;

    let mut problems = Vec::new();
    for (index, check) in case.get("input_checks").and_then(Value::as_array).into_iter().flatten().enumerate() {
        let check = check.as_object().ok_or("malformed input check")?;
        only_members(check, &["input", "expect"], "input check")?;
        let (input, expected) = (str_member(check, "input")?, str_member(check, "expect")?);
        let prompt = prompt.as_ref().ok_or("malformed case: input checks without a prompt")?;
        let actual = prompt.check(input).err().map_or("ok", |e| e.code());
        if actual != expected {
            problems.push(format!("input_checks[{index}] {input:?}: expected {expected}, got {actual}"));
        }
    }
    for (index, request) in case.get("token_requests").and_then(Value::as_array).into_iter().flatten().enumerate() {
        let request = request.as_object().ok_or("malformed token request")?;
        only_members(request, &["tx_code", "client_id", "expect"], "token request")?;
        let optional = |name: &str| request.get(name).and_then(Value::as_str);
        let body = token_request_body(&parsed.offer, optional("tx_code"), optional("client_id"));
        let outcome = check(body, expect_of(request)?, |body, expect| {
            only_members(expect, &["body"], "expect")?;
            same("body", expect.get("body").unwrap_or(&Value::Null), &json!(body))
        });
        if let Err(problem) = outcome {
            problems.push(format!("token_requests[{index}]: {problem}"));
        }
    }
    if problems.is_empty() { Ok(()) } else { Err(problems.join("; ")) }
}
