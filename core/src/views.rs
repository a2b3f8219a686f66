//! The canonical JSON views of the engine's results: what the CLI prints with `--json`, what the npm
//! package returns, what the C library and the mobile bindings hand out as JSON. Every binding prints
//! these instead of assembling its own, so one input gets one answer everywhere.
//!
//! Member names of the engine's own results are camelCase (as MATTR's API and the npm package use
//! them); an offer inside a view is the offer's own JSON, in its snake_case wire shape.
//!
//! | value                   | view                                                                    |
//! |-------------------------|-------------------------------------------------------------------------|
//! | [`ParsedOffer`]         | `{offer, source, warnings, txCodePrompt?}`                              |
//! | [`ParsedOffer`] and its [`MetadataCheck`] | `{offer, source, warnings, txCodePrompt?, metadataCheck}`  |
//! | [`OfferUri`]            | `{kind: "byValue", …ParsedOffer}` or `{kind: "byReference", uri, warnings}` |
//! | [`Error`]               | `{code, message, field?, value?, httpStatus, details}`                  |
//! | [`Warning`]             | `{code, message, field?}`                                               |
//! | [`MetadataCheck`]       | `{formats: [{id, format}], warnings}`                                   |
//! | [`LintReport`]          | `{profile, reference?, warnings: [{code, message, field?, evidence?}]}` |
//! | [`TokenAnswer`]         | `{status, body, record?, event?, outcome}` — see [`TokenAnswer::to_json`] |
//! | [`OfferEvent`]          | `{id, type, timestamp, data: {offerId, userId, fetchCount?, failedAttemptsLeft?}}` |
//! | [`OfferStatus`]         | `{id, userId, state, credentials, createdAt, expiresAt, fetchCount, …At?, failedAttemptsLeft}` |
//!
//! Views are written member by member into one buffer: every parse returns one, and building them
//! through `serde_json::Value` took a sixth of a parse's time in WebAssembly.

use crate::compat::ParsedOffer;
use crate::error::{Error, Warning};
use crate::events::OfferEvent;
use crate::expiry::format_rfc3339_millis;
use crate::lint::LintReport;
use crate::metadata::MetadataCheck;
use crate::record::OfferStatus;
use crate::token::{TokenAnswer, TokenOutcome};
use crate::uri::{OfferReference, OfferUri};
use crate::url::{is_unreserved, percent_encode_into, percent_encoding_room};
use crate::wallet::TxCodePrompt;

impl ParsedOffer {
    /// The view of a parsed offer: `{offer, source, warnings, txCodePrompt?}`, the offer in its 1.0
    /// shape with members in the spec's order, written as read (a lenient reading's findings are in
    /// `warnings`, not refused again).
    ///
    /// ```
    /// use credoffer::{parse_offer_json, ParseOptions};
    ///
    /// let parsed = parse_offer_json(
    ///     r#"{"credential_issuer":"https://i.example","credentials":["a"]}"#, // draft 11
    ///     &ParseOptions::default(),
    /// )?;
    /// let view = parsed.to_json();
    /// assert!(view.starts_with(
    ///     r#"{"offer":{"credential_issuer":"https://i.example","credential_configuration_ids":["a"]},"source":"draft11","warnings":[{"code":"legacy_shape""#
    /// ));
    /// # Ok::<(), credoffer::Error>(())
    /// ```
    pub fn to_json(&self) -> String {
        self.write_view(None)
    }

    fn write_view(&self, kind: Option<&str>) -> String {
        let mut object = ObjectWriter::with_capacity(self.offer.written_length_hint() + 256);
        if let Some(kind) = kind {
            object.string("kind", kind);
        }
        // The offer was read by the engine, so it can be written (the reader refuses what the writer cannot
        // carry); an empty object stands in should that ever break, rather than a panic.
        if self.offer.write_member(&mut object, "offer", crate::Dialect::V1).is_err() {
            object.raw("offer", "{}");
        }
        object.string("source", self.source.as_str());
        object.warnings(&self.warnings);
        if let Some(prompt) = self.tx_code_prompt() {
            object.object("txCodePrompt", |members| prompt.write_members(members));
        }
        object.finish()
    }
}

impl ParsedOffer {
    /// The view of a parsed offer checked against its issuer's metadata: the parsed view with a
    /// `metadataCheck` member holding [`MetadataCheck::to_json`].
    ///
    /// ```
    /// use credoffer::{IssuerMetadata, ParseOptions, parse_offer_json};
    ///
    /// let parsed = parse_offer_json(
    ///     r#"{"credential_issuer":"https://i.example","credential_configuration_ids":["a"]}"#,
    ///     &ParseOptions::default(),
    /// )?;
    /// let metadata = IssuerMetadata::from_json(
    ///     r#"{"credential_issuer":"https://i.example","credential_configurations_supported":{"a":{"format":"mso_mdoc"}}}"#,
    /// )?;
    /// let view = parsed.to_json_with_metadata(&metadata.check(&parsed.offer)?);
    /// assert!(view.ends_with(r#","metadataCheck":{"formats":[{"id":"a","format":"mso_mdoc"}],"warnings":[]}}"#));
    /// # Ok::<(), credoffer::Error>(())
    /// ```
    pub fn to_json_with_metadata(&self, check: &MetadataCheck) -> String {
        self.write_view_with_metadata(None, check)
    }

    fn write_view_with_metadata(&self, kind: Option<&str>, check: &MetadataCheck) -> String {
        let mut view = self.write_view(kind);
        view.pop(); // the closing brace: the check joins as the last member
        view.push_str(",\"metadataCheck\":");
        view.push_str(&check.to_json());
        view.push('}');
        view
    }
}

impl TxCodePrompt {
    /// `{inputMode, length?, maxLength?, description?}`.
    pub fn to_json(&self) -> String {
        let mut object = ObjectWriter::with_capacity(64 + self.description.as_ref().map_or(0, String::len));
        self.write_members(&mut object);
        object.finish()
    }

    fn write_members(&self, object: &mut ObjectWriter) {
        object.string("inputMode", self.input_mode.as_str());
        if let Some(length) = self.length {
            object.number("length", length);
        }
        if let Some(max_length) = self.max_length {
            object.number("maxLength", max_length);
        }
        if let Some(description) = &self.description {
            object.string("description", description);
        }
    }
}

impl OfferUri {
    /// `{kind: "byValue", offer, source, warnings, txCodePrompt?}` or `{kind: "byReference", uri, warnings}`.
    pub fn to_json(&self) -> String {
        match self {
            OfferUri::ByValue(parsed) => parsed.write_view(Some("byValue")),
            OfferUri::ByReference(reference) => reference.to_json(),
        }
    }
}

impl OfferUri {
    /// As [`OfferUri::to_json`], with a `metadataCheck` member after a by-value offer's members. An offer
    /// by reference has nothing to check until it is fetched: its view is unchanged.
    pub fn to_json_with_metadata(&self, check: &MetadataCheck) -> String {
        match self {
            OfferUri::ByValue(parsed) => parsed.write_view_with_metadata(Some("byValue"), check),
            OfferUri::ByReference(reference) => reference.to_json(),
        }
    }
}

impl OfferReference {
    /// `{kind: "byReference", uri, warnings}`.
    pub fn to_json(&self) -> String {
        let mut object = ObjectWriter::with_capacity(self.uri.len() + 64);
        object.string("kind", "byReference");
        object.string("uri", &self.uri);
        object.warnings(&self.warnings);
        object.finish()
    }
}

impl Error {
    /// The view of an error: `{code, message, field?, value?, httpStatus, details}`, with `details`
    /// holding every problem of a validation error in the same shape.
    ///
    /// ```
    /// use credoffer::{Error, ErrorKind};
    ///
    /// let error = Error::new(ErrorKind::InvalidUri, "the text has no scheme").at("uri");
    /// assert_eq!(
    ///     error.to_json(),
    ///     r#"{"code":"invalid_uri","message":"the text has no scheme","field":"uri","httpStatus":400,"details":[]}"#
    /// );
    /// ```
    pub fn to_json(&self) -> String {
        let mut object = ObjectWriter::with_capacity(128 + self.message().len());
        self.write_members(&mut object);
        object.finish()
    }

    fn write_members(&self, object: &mut ObjectWriter) {
        object.string("code", self.code());
        object.string("message", self.message());
        if let Some(field) = self.field() {
            object.string("field", field);
        }
        if let Some(value) = self.json_value() {
            object.raw("value", value.as_json());
        }
        object.number("httpStatus", u32::from(self.http_status()));
        object.array("details", |entries| {
            for detail in self.details() {
                entries.object(|entry| detail.write_members(entry));
            }
        });
    }
}

impl Warning {
    /// `{code, message, field?}`.
    pub fn to_json(&self) -> String {
        let mut object = ObjectWriter::with_capacity(64 + self.message.len());
        self.write_members(&mut object);
        object.finish()
    }

    fn write_members(&self, object: &mut ObjectWriter) {
        object.string("code", self.code());
        object.string("message", &self.message);
        if let Some(field) = &self.field {
            object.string("field", field);
        }
    }
}

impl MetadataCheck {
    /// `{formats: [{id, format}], warnings}`, formats in offer order.
    pub fn to_json(&self) -> String {
        let mut object = ObjectWriter::with_capacity(64 + 48 * self.formats.len());
        object.array("formats", |entries| {
            for (id, format) in &self.formats {
                entries.object(|entry| {
                    entry.string("id", id);
                    entry.string("format", format);
                });
            }
        });
        object.warnings(&self.warnings);
        object.finish()
    }
}

impl LintReport {
    /// `{profile: "haip" | "it-wallet" | null, reference?, warnings}`, each warning with its `evidence`
    /// when it has one.
    ///
    /// ```
    /// use credoffer::lint::{lint, LintOptions};
    ///
    /// let report = lint(r#"{"credential_issuer":"https://issuer.example.com","credential_configuration_ids":["a","b"]}"#,
    ///                   &LintOptions::default())?;
    /// assert!(report.to_json().starts_with(r#"{"profile":null,"warnings":[{"code":"several_configuration_ids","#));
    /// # Ok::<(), credoffer::Error>(())
    /// ```
    pub fn to_json(&self) -> String {
        let mut object = ObjectWriter::with_capacity(64 + 256 * self.warnings.len());
        match self.profile {
            Some(profile) => object.string("profile", profile.as_str()),
            None => object.raw("profile", "null"),
        }
        if let Some(reference) = &self.reference {
            object.string("reference", reference);
        }
        object.array("warnings", |entries| {
            for warning in &self.warnings {
                entries.object(|entry| {
                    warning.write_members(entry);
                    if let Some(evidence) = warning.evidence() {
                        entry.string("evidence", evidence);
                    }
                });
            }
        });
        object.finish()
    }
}

impl TokenAnswer {
    /// The view of a token endpoint answer, for bindings that hand it over as JSON:
    ///
    /// ```text
    /// {"status": 200 | 400 | …,
    ///  "body": "<the JSON body to send>",
    ///  "record": {…} | absent,            // store with compare-and-swap when present
    ///  "event": {OfferEvent view} | absent, // store with the record
    ///  "outcome": {"kind": "issued", "accessToken", "expiresIn", "userId", "credentialConfigurationIds", "clientId"?}
    ///           | {"kind": "rejected", "error", "errorDescription", "failedAttemptsLeft"?, "revokeIssuedTokens"}
    ///           | {"kind": "failed", "error": {Error view}}}
    /// ```
    ///
    /// It holds the access token when one was issued: treat it as a secret.
    pub fn to_json(&self) -> String {
        let record = self.record_to_store().map(|record| record.to_json());
        let mut object = ObjectWriter::with_capacity(256 + self.body().len() + record.as_ref().map_or(0, String::len));
        object.number("status", u32::from(self.status()));
        object.string("body", self.body());
        if let Some(record) = &record {
            object.raw("record", record);
        }
        if let Some(event) = self.event() {
            object.raw("event", &event.to_json());
        }
        let mut outcome = ObjectWriter::with_capacity(160);
        match self.outcome() {
            TokenOutcome::Issued(token) => {
                outcome.string("kind", "issued");
                outcome.string("accessToken", token.access_token.expose());
                outcome.number("expiresIn", token.expires_in);
                outcome.string("userId", &token.user_id);
                outcome.strings("credentialConfigurationIds", &token.credential_configuration_ids);
                if let Some(client_id) = &token.client_id {
                    outcome.string("clientId", client_id);
                }
            }
            TokenOutcome::Rejected(error) => {
                outcome.string("kind", "rejected");
                outcome.string("error", error.error.as_str());
                outcome.string("errorDescription", &error.description);
                if let Some(left) = error.failed_attempts_left {
                    outcome.number("failedAttemptsLeft", left);
                }
                outcome.raw("revokeIssuedTokens", if error.revoke_issued_tokens { "true" } else { "false" });
            }
            TokenOutcome::Failed(error) => {
                outcome.string("kind", "failed");
                outcome.raw("error", &error.to_json());
            }
        }
        object.raw("outcome", &outcome.finish());
        object.finish()
    }
}

impl OfferEvent {
    /// The event as JSON, in the payload shape webhook receivers expect (`{"id", "type", "timestamp", "data"}`):
    ///
    /// ```
    /// use credoffer::{FixedEntropy, Issuer, IssuerConfig};
    ///
    /// let issuer = Issuer::new(IssuerConfig::from_json(
    ///     r#"{"credentialIssuer": "https://issuer.example.com", "credentialConfigurations": {"mdl": "mso_mdoc"}}"#,
    /// )?)?;
    /// let created = issuer.create_pre_authorized_offer_json(
    ///     r#"{"credentials": ["mdl"], "userId": "8241400f-de3b-42c5-ad7c-8a380039e796"}"#,
    ///     1_746_057_600,
    ///     &mut FixedEntropy::new([7u8; 64]),
    /// )?;
    /// assert_eq!(
    ///     created.event.to_json(),
    ///     r#"{"id":"07070707-0707-4707-8707-070707070707.1","type":"offer.created","timestamp":"2025-05-01T00:00:00.000Z","data":{"offerId":"07070707-0707-4707-8707-070707070707","userId":"8241400f-de3b-42c5-ad7c-8a380039e796"}}"#,
    /// );
    /// # Ok::<(), credoffer::Error>(())
    /// ```
    pub fn to_json(&self) -> String {
        let mut data = ObjectWriter::with_capacity(128);
        data.string("offerId", &self.offer_id);
        data.string("userId", &self.user_id);
        if let Some(count) = self.fetch_count {
            data.number("fetchCount", count);
        }
        if let Some(left) = self.failed_attempts_left {
            data.number("failedAttemptsLeft", left);
        }
        let mut object = ObjectWriter::with_capacity(256);
        object.string("id", &self.id());
        object.string("type", self.kind.as_str());
        object.string("timestamp", &format_rfc3339_millis(self.at));
        object.raw("data", &data.finish());
        object.finish()
    }
}

impl OfferStatus<'_> {
    /// The status as JSON, times in RFC 3339 with milliseconds like MATTR's `expiresAt`:
    /// `{"id", "userId", "state", "credentials", "createdAt", "expiresAt", "fetchCount", "firstFetchedAt"?,
    /// "lastFetchedAt"?, "redeemedAt"?, "invalidatedAt"?, "deletedAt"?, "replayedAt"?, "failedAttemptsLeft"}`.
    pub fn to_json(&self) -> String {
        let record = self.record();
        let mut object = ObjectWriter::with_capacity(384);
        object.string("id", &record.id);
        object.string("userId", &record.user_id);
        object.string("state", self.state());
        object.strings("credentials", &record.credential_configuration_ids);
        object.string("createdAt", &format_rfc3339_millis(record.created_at));
        object.string("expiresAt", &format_rfc3339_millis(record.expires_at));
        object.number("fetchCount", record.fetch_count);
        for (name, at) in [
            ("firstFetchedAt", record.first_fetched_at),
            ("lastFetchedAt", record.last_fetched_at),
            ("redeemedAt", record.redeemed_at),
            ("invalidatedAt", record.invalidated_at),
            ("deletedAt", record.deleted_at),
            ("replayedAt", record.replayed_at),
        ] {
            if let Some(at) = at {
                object.string(name, &format_rfc3339_millis(at));
            }
        }
        object.number("failedAttemptsLeft", record.failed_attempts_left);
        object.finish()
    }
}

/// A JSON object written into one buffer, member by member; objects and arrays inside it go into the same
/// buffer. Member names are literals of the engine, plain ASCII that needs no escaping, except those
/// written with [`ObjectWriter::escaped_name`].
///
/// Or the same JSON percent-encoded, for a URI's query ([`ObjectWriter::percent_encoded`]), in the same pass:
/// punctuation is written as its escape, the engine's member names as they are (they are unreserved
/// characters but for the grants' URNs, whose escapes [`ObjectWriter::object_escaped`] is given), and only
/// values go through the encoder. Without the engine's `one-pass-uri` feature (the browser build, for size),
/// offer URIs are written as the JSON first, then all of it encoded.
pub(crate) struct ObjectWriter<E: Escaping = PlainJson> {
    out: String,
    /// Where this object's members start (just after its `{`): a member written past it needs a comma first.
    members_start: usize,
    escaping: E,
}

/// How an [`ObjectWriter`] writes its JSON: a type rather than a flag, so that the views, which write plain
/// JSON only, carry no test for the other way.
pub(crate) trait Escaping {
    const PERCENT_ENCODED: bool;

    /// Appends JSON text (a value, or JSON already) to `out`.
    fn text(&mut self, out: &mut String, json: &str);
}

/// JSON as it is.
pub(crate) struct PlainJson;

impl Escaping for PlainJson {
    const PERCENT_ENCODED: bool = false;

    fn text(&mut self, out: &mut String, json: &str) {
        out.push_str(json);
    }
}

/// JSON percent-encoded, with the encoder's room made once for every value.
pub(crate) struct PercentEncoded(Vec<u8>);

impl Escaping for PercentEncoded {
    const PERCENT_ENCODED: bool = true;

    fn text(&mut self, out: &mut String, json: &str) {
        let needed = percent_encoding_room(json.len());
        if self.0.len() < needed {
            self.0.resize(needed, 0);
        }
        let written = percent_encode_into(&mut self.0, json.as_bytes());
        // ASCII only, so the check cannot fail; it reads the escapes of this value only.
        if let Some(Ok(escaped)) = self.0.get(..written).map(std::str::from_utf8) {
            out.push_str(escaped);
        }
    }
}

impl ObjectWriter {
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        let mut out = String::with_capacity(capacity);
        out.push('{');
        Self { out, members_start: 1, escaping: PlainJson }
    }

    /// A member holding warnings, each `{code, message, field?}`.
    fn warnings(&mut self, warnings: &[Warning]) {
        self.array("warnings", |entries| {
            for warning in warnings {
                entries.object(|entry| warning.write_members(entry));
            }
        });
    }
}

impl ObjectWriter<PercentEncoded> {
    /// An object written percent-encoded after the pieces of `prefix`, which are written as they are.
    pub(crate) fn percent_encoded(prefix: &[&str], capacity: usize) -> Self {
        let mut out = String::with_capacity(prefix.iter().map(|piece| piece.len()).sum::<usize>() + capacity);
        for piece in prefix {
            out.push_str(piece);
        }
        out.push_str("%7B");
        // Room for values up to 64 bytes, made at once: grown value by value, it was reallocated and zeroed
        // three or four times for each offer.
        let room = vec![0; crate::url::percent_encoding_room(64)];
        Self { members_start: out.len(), out, escaping: PercentEncoded(room) }
    }
}

impl<E: Escaping> ObjectWriter<E> {
    /// Writes JSON punctuation, or its escape.
    fn punctuation(&mut self, json: char, escaped: &'static str) {
        if E::PERCENT_ENCODED {
            self.out.push_str(escaped);
        } else {
            self.out.push(json);
        }
    }

    /// Writes JSON text (a value, or JSON already), percent-encoded when the object is.
    fn text(&mut self, text: &str) {
        self.escaping.text(&mut self.out, text);
    }

    fn separator(&mut self) {
        if self.out.len() > self.members_start {
            self.punctuation(',', "%2C");
        }
    }

    /// Starts a member: the separator when one came before, then `"name":`.
    fn name(&mut self, name: &str) {
        self.separator();
        if E::PERCENT_ENCODED {
            debug_assert!(name.bytes().all(is_unreserved), "{name} needs escapes: write it with object_escaped");
            self.out.push_str("%22");
            self.out.push_str(name);
            self.out.push_str("%22%3A");
        } else {
            self.out.push('"');
            self.out.push_str(name);
            self.out.push_str("\":");
        }
    }

    /// Starts a member whose name is not the engine's own (an extension's), escaped as JSON needs.
    pub(crate) fn escaped_name(&mut self, name: &str) {
        self.separator();
        self.string_value(name);
        self.punctuation(':', "%3A");
    }

    /// A member whose value is JSON already.
    pub(crate) fn raw(&mut self, name: &str, json: &str) {
        self.name(name);
        self.text(json);
    }

    /// The value of a member started with [`ObjectWriter::escaped_name`]: JSON already.
    pub(crate) fn raw_value(&mut self, json: &str) {
        self.text(json);
    }

    pub(crate) fn string(&mut self, name: &str, value: &str) {
        self.name(name);
        self.string_value(value);
    }

    /// Generic so that a build links the writers of the integer types it writes only: itoa's 64-bit writer
    /// narrows with an `expect`, which brings `Debug` formatting along, and only the issuer writes a `u64`.
    /// Smaller types are widened to `u32`, so the browser build has one writer. Digits and `-` need no
    /// percent-encoding.
    pub(crate) fn number(&mut self, name: &str, value: impl itoa::Integer) {
        self.name(name);
        self.out.push_str(itoa::Buffer::new().format(value));
    }

    /// A member holding an object, whose members `write` adds.
    pub(crate) fn object(&mut self, name: &str, write: impl FnOnce(&mut Self)) {
        self.name(name);
        self.nested_object(write);
    }

    /// [`ObjectWriter::object`] for a name with characters that percent-encoding escapes, given as `name`
    /// and `escaped`, its percent-encoded JSON string.
    pub(crate) fn object_escaped(&mut self, name: &str, escaped: &str, write: impl FnOnce(&mut Self)) {
        if E::PERCENT_ENCODED {
            self.separator();
            self.out.push_str(escaped);
            self.out.push_str("%3A");
        } else {
            self.name(name);
        }
        self.nested_object(write);
    }

    /// An object inside this one, whose members `write` adds, after its name or separator.
    fn nested_object(&mut self, write: impl FnOnce(&mut Self)) {
        let outer = self.open('{', "%7B");
        write(self);
        self.close(outer, '}', "%7D");
    }

    /// A member holding an array, whose entries `write` adds.
    pub(crate) fn array(&mut self, name: &str, write: impl FnOnce(&mut ArrayWriter<'_, E>)) {
        self.name(name);
        let outer = self.open('[', "%5B");
        write(&mut ArrayWriter(self));
        self.close(outer, ']', "%5D");
    }

    /// Opens an object or array inside this one, in the same buffer; returns where the members of the
    /// enclosing object start, for [`ObjectWriter::close`].
    fn open(&mut self, bracket: char, escaped: &'static str) -> usize {
        self.punctuation(bracket, escaped);
        std::mem::replace(&mut self.members_start, self.out.len())
    }

    fn close(&mut self, outer_members_start: usize, bracket: char, escaped: &'static str) {
        self.punctuation(bracket, escaped);
        self.members_start = outer_members_start;
    }

    /// A member holding an array of strings.
    pub(crate) fn strings(&mut self, name: &str, values: &[String]) {
        self.array(name, |entries| {
            for value in values {
                entries.string(value);
            }
        });
    }

    /// Appends `value` as a JSON string, as serde_json writes it.
    fn string_value(&mut self, value: &str) {
        // Nearly every string needs no escape: it is written as it is, without serde's buffer. JSON escapes
        // only these bytes, and serde_json writes the rest raw too, so both paths give the same text. Folded
        // rather than searched with `any`: without an exit per byte the compiler checks many bytes per
        // instruction.
        let needs_escape =
            value.bytes().fold(false, |found, byte| found | (byte < 0x20) | (byte == b'"') | (byte == b'\\'));
        if needs_escape {
            // A string always serializes.
            return self.text(&serde_json::to_string(value).unwrap_or_default());
        }
        self.punctuation('"', "%22");
        self.text(value);
        self.punctuation('"', "%22");
    }

    pub(crate) fn finish(mut self) -> String {
        self.punctuation('}', "%7D");
        self.out
    }
}

/// The entries of an array that an [`ObjectWriter`] member holds, written into its buffer (whose separator
/// rule is the array's too).
pub(crate) struct ArrayWriter<'a, E: Escaping = PlainJson>(&'a mut ObjectWriter<E>);

impl<E: Escaping> ArrayWriter<'_, E> {
    pub(crate) fn string(&mut self, value: &str) {
        self.0.separator();
        self.0.string_value(value);
    }

    /// An object entry, whose members `write` adds.
    pub(crate) fn object(&mut self, write: impl FnOnce(&mut ObjectWriter<E>)) {
        self.0.separator();
        self.0.nested_object(write);
    }

    /// An entry that is JSON already.
    pub(crate) fn raw(&mut self, json: &str) {
        self.0.separator();
        self.0.text(json);
    }
}

#[cfg(test)]
mod tests {
    use crate::{
        FixedEntropy, Issuer, IssuerConfig, IssuerMetadata, OfferUri, ParseOptions, parse_offer_json, parse_offer_uri,
    };

    #[test]
    fn strings_are_written_as_serde_json_writes_them() {
        let every_ascii: String = (0u8..0x80).map(char::from).collect();
        for value in ["", "numeric", "a \"quoted\" \\ path", "tab\there", "é € 𝄞 \u{7f}", &every_ascii] {
            let mut object = super::ObjectWriter::with_capacity(0);
            object.string("s", value);
            assert_eq!(object.finish(), format!("{{\"s\":{}}}", serde_json::to_string(value).unwrap()), "{value:?}");
        }
    }

    #[test]
    fn parsed_views_name_their_kind() {
        let uri = "openid-credential-offer://?credential_offer=%7B%22credential_issuer%22%3A%22https%3A%2F%2Fi.example%22%2C\
                   %22credential_configuration_ids%22%3A%5B%22a%22%5D%2C%22grants%22%3A%7B%22urn%3Aietf%3Aparams%3Aoauth%3A\
                   grant-type%3Apre-authorized_code%22%3A%7B%22pre-authorized_code%22%3A%22c%22%2C%22tx_code%22%3A%7B%22length%22%3A4%7D%7D%7D%7D";
        let view: serde_json::Value =
            serde_json::from_str(&parse_offer_uri(uri, &ParseOptions::default()).unwrap().to_json()).unwrap();
        assert_eq!(view["kind"], "byValue");
        assert_eq!(view["source"], "1.0");
        assert_eq!(view["txCodePrompt"], serde_json::json!({"inputMode": "numeric", "length": 4}));
        let reference = parse_offer_uri(
            "openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fi.example%2Fo%2F1",
            &ParseOptions::default(),
        )
        .unwrap();
        assert!(matches!(reference, OfferUri::ByReference(_)));
        assert_eq!(reference.to_json(), r#"{"kind":"byReference","uri":"https://i.example/o/1","warnings":[]}"#);
    }

    #[test]
    fn a_lenient_reading_is_written_as_read() {
        let long = "x".repeat(301);
        let json = format!(
            r#"{{"credential_issuer":"https://i.example","credential_configuration_ids":["a"],"grants":{{
                "urn:ietf:params:oauth:grant-type:pre-authorized_code":{{"pre-authorized_code":"c","tx_code":{{"description":"{long}"}}}}}}}}"#
        );
        let parsed = parse_offer_json(&json, &ParseOptions::default()).unwrap();
        let view: serde_json::Value = serde_json::from_str(&parsed.to_json()).unwrap();
        assert_eq!(view["warnings"][0]["code"], "description_too_long");
        assert_eq!(view["txCodePrompt"]["description"], long.as_str());
    }

    #[test]
    fn validation_errors_list_every_problem() {
        let issuer = Issuer::new(
            IssuerConfig::from_json(
                r#"{"credentialIssuer":"https://i.example","credentialConfigurations":{"mdl":"mso_mdoc"}}"#,
            )
            .unwrap(),
        )
        .unwrap();
        let error = issuer
            .create_pre_authorized_offer_json(r#"{"credentials":[],"userId":7}"#, 0, &mut FixedEntropy::new([0u8; 64]))
            .unwrap_err();
        let view: serde_json::Value = serde_json::from_str(&error.to_json()).unwrap();
        assert_eq!((view["code"].as_str(), view["httpStatus"].as_u64()), (Some("validation_failed"), Some(400)));
        let fields: Vec<&str> =
            view["details"].as_array().unwrap().iter().map(|d| d["field"].as_str().unwrap()).collect();
        assert_eq!(fields, ["userId", "credentials"]);
        assert_eq!(view["details"][0]["value"], 7);
    }

    #[test]
    fn metadata_check_view() {
        let metadata = IssuerMetadata::from_json(
            r#"{"credential_issuer":"https://i.example","credential_configurations_supported":{"a":{"format":"mso_mdoc"}}}"#,
        )
        .unwrap();
        let parsed = parse_offer_json(
            r#"{"credential_issuer":"https://i.example","credential_configuration_ids":["a"]}"#,
            &ParseOptions::default(),
        )
        .unwrap();
        assert_eq!(
            metadata.check(&parsed.offer).unwrap().to_json(),
            r#"{"formats":[{"id":"a","format":"mso_mdoc"}],"warnings":[]}"#
        );
    }

    #[test]
    fn warnings_view() {
        let warning =
            crate::error::Warning::new(crate::error::WarningCode::LegacyShape, "old \"quoted\"").at("credentials");
        assert_eq!(warning.to_json(), r#"{"code":"legacy_shape","message":"old \"quoted\"","field":"credentials"}"#);
        assert_eq!(serde_json::to_string(&warning).unwrap(), warning.to_json());
    }
}
