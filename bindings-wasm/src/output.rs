//! Engine results written as the JSON of the plain objects the TypeScript declarations describe.

use credoffer::{Dialect, Error, MetadataCheck, OfferReference, ParsedOffer, TxCodePrompt};
use serde_json::{Map, Value, json};

/// `{kind?, offer, source, warnings, txCodePrompt?}`, the offer in its 1.0 shape with members in the spec's order.
pub fn parsed_offer(kind: Option<&str>, parsed: &ParsedOffer) -> Result<String, Error> {
    let offer = parsed.offer.to_json(Dialect::V1)?;
    let warnings = json!(parsed.warnings).to_string();
    let mut out = String::with_capacity(offer.len() + warnings.len() + 64);
    out.push('{');
    if let Some(kind) = kind {
        out.push_str(&format!("\"kind\":{},", json!(kind)));
    }
    out.push_str("\"offer\":");
    out.push_str(&offer);
    out.push_str(&format!(",\"source\":{},\"warnings\":{warnings}", json!(parsed.source.as_str())));
    if let Some(prompt) = parsed.tx_code_prompt() {
        out.push_str(",\"txCodePrompt\":");
        out.push_str(&tx_code_prompt(&prompt).to_string());
    }
    out.push('}');
    Ok(out)
}

/// `{inputMode, length?, maxLength?, description?}`.
pub fn tx_code_prompt(prompt: &TxCodePrompt) -> Value {
    let mut members = Map::new();
    members.insert("inputMode".into(), json!(prompt.input_mode.as_str()));
    if let Some(length) = prompt.length {
        members.insert("length".into(), json!(length));
    }
    if let Some(max_length) = prompt.max_length {
        members.insert("maxLength".into(), json!(max_length));
    }
    if let Some(description) = &prompt.description {
        members.insert("description".into(), json!(description));
    }
    Value::Object(members)
}

/// `{kind: "byReference", uri, warnings}`.
pub fn reference(reference: &OfferReference) -> String {
    json!({"kind": "byReference", "uri": reference.uri, "warnings": json!(reference.warnings)}).to_string()
}

/// `{formats: [{id, format}], warnings}`.
pub fn metadata_check(check: &MetadataCheck) -> String {
    let formats: Vec<Value> = check.formats.iter().map(|(id, format)| json!({"id": id, "format": format})).collect();
    json!({"formats": formats, "warnings": json!(check.warnings)}).to_string()
}
