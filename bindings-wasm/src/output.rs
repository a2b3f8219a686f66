//! Engine results written as the JSON of the plain objects the TypeScript declarations describe.

use credoffer::{Dialect, Error, ErrorKind, MetadataCheck, OfferReference, ParsedOffer, TxCodePrompt};
use serde_json::{Value, json};

/// `{kind?, offer, source, warnings, txCodePrompt?}`, the offer in its 1.0 shape with members in the spec's order.
///
/// Written member by member into one buffer: every parse returns this, and building it through `json!`
/// values and `format!` took a sixth of `parseOfferUri`'s time in the engine.
pub fn parsed_offer(kind: Option<&str>, parsed: &ParsedOffer) -> Result<String, Error> {
    let offer = parsed.offer.to_json(Dialect::V1)?;
    let mut object = ObjectWriter::with_capacity(offer.len() + 192);
    if let Some(kind) = kind {
        object.string("kind", kind)?;
    }
    object.raw("offer", &offer);
    object.string("source", parsed.source.as_str())?;
    object.name("warnings");
    serde_json::to_writer(&mut object.out, &parsed.warnings).map_err(unwritable)?;
    if let Some(prompt) = parsed.tx_code_prompt() {
        object.name("txCodePrompt");
        object.out.extend_from_slice(tx_code_prompt(&prompt)?.as_bytes());
    }
    object.finish()
}

/// `{inputMode, length?, maxLength?, description?}`.
fn tx_code_prompt(prompt: &TxCodePrompt) -> Result<String, Error> {
    let mut object = ObjectWriter::with_capacity(64 + prompt.description.as_ref().map_or(0, String::len));
    object.string("inputMode", prompt.input_mode.as_str())?;
    if let Some(length) = prompt.length {
        object.number("length", length);
    }
    if let Some(max_length) = prompt.max_length {
        object.number("maxLength", max_length);
    }
    if let Some(description) = &prompt.description {
        object.string("description", description)?;
    }
    object.finish()
}

/// A JSON object written into one buffer, member by member. Member names are this crate's literals,
/// plain ASCII that needs no escaping.
pub(crate) struct ObjectWriter {
    out: Vec<u8>,
}

impl ObjectWriter {
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        let mut out = Vec::with_capacity(capacity);
        out.push(b'{');
        Self { out }
    }

    /// Starts a member: the separator when one came before, then `"name":`.
    fn name(&mut self, name: &str) {
        if self.out.len() > 1 {
            self.out.push(b',');
        }
        self.out.push(b'"');
        self.out.extend_from_slice(name.as_bytes());
        self.out.extend_from_slice(b"\":");
    }

    /// A member whose value is JSON already.
    pub(crate) fn raw(&mut self, name: &str, json: &str) {
        self.name(name);
        self.out.extend_from_slice(json.as_bytes());
    }

    fn string(&mut self, name: &str, value: &str) -> Result<(), Error> {
        self.name(name);
        serde_json::to_writer(&mut self.out, value).map_err(unwritable)
    }

    fn number(&mut self, name: &str, value: u32) {
        self.name(name);
        self.out.extend_from_slice(value.to_string().as_bytes());
    }

    pub(crate) fn finish(mut self) -> Result<String, Error> {
        self.out.push(b'}');
        String::from_utf8(self.out).map_err(unwritable)
    }
}

fn unwritable(error: impl std::fmt::Display) -> Error {
    Error::new(ErrorKind::InvalidJson, format!("the result cannot be written as JSON: {error}"))
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
