//! The WebAssembly half of the npm package `credoffer`.
//!
//! It converts and nothing else: JSON and URIs in (as UTF-8 bytes, see [`utf8`]) with short strings, JSON
//! text and strings out, every rule in the engine. Objects cross the boundary as JSON because one
//! `JSON.stringify`/`JSON.parse` pair is cheaper than a property-by-property walk and keeps the WebAssembly
//! small. Results and errors cross as the engine's own JSON views (`OfferUri::to_json`, `Error::to_json`, …), or
//! for a failure of the binding itself as [`Failure::to_json`]; the JavaScript layer (`js/api.js`) turns errors
//! into `CredentialOfferError`.

#[cfg(any(target_arch = "wasm32", test))]
mod allocator;
mod errors;
#[cfg(feature = "issuer")]
mod issuer;
mod options;

use credoffer::error::BindingErrorKind;
use credoffer::json::JsonValue;
use credoffer::{Entropy, Error, FixedEntropy, IssuerMetadata, SystemEntropy};
use wasm_bindgen::prelude::*;

pub use errors::{Failure, all_codes, binding_code_of, code_of};

#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: allocator::SizeClasses<allocator::LinearMemory> =
    allocator::SizeClasses::new(allocator::LinearMemory);

/// The pure Rust side of each export, testable on the host.
pub mod api {
    use super::*;

    /// `parseOfferUri`: `{kind: "byValue", offer, source, warnings}` or `{kind: "byReference", uri, warnings}`.
    pub fn parse_offer_uri(uri: &str, options: Option<&str>) -> Result<String, Failure> {
        Ok(credoffer::parse_offer_uri(uri, &options::parse_options(options)?)?.to_json())
    }

    /// `parseOfferJson`: `{offer, source, warnings}`.
    pub fn parse_offer_json(json: &str, options: Option<&str>) -> Result<String, Failure> {
        Ok(credoffer::parse_offer_json(json, &options::parse_options(options)?)?.to_json())
    }

    /// `buildOfferUri`: the offer (of any draft) written as a by-value URI, validated strictly.
    pub fn build_offer_uri(offer: &str, options: Option<&str>) -> Result<String, Failure> {
        Ok(credoffer::build_offer_uri(offer, &options::build_options(options)?)?)
    }

    /// `buildOfferReferenceUri`: a URI that points at the offer instead of carrying it.
    pub fn build_offer_reference_uri(reference: &str, options: Option<&str>) -> Result<String, Failure> {
        Ok(credoffer::uri::offer_reference_uri(reference, &options::build_options(options)?)?)
    }

    /// `buildOfferJson`: the offer's JSON in a dialect, as served from a `credential_offer_uri`.
    pub fn build_offer_json(offer: &str, options: Option<&str>) -> Result<String, Failure> {
        let (dialect, allow_insecure_http) = options::json_options(options)?;
        let options = credoffer::BuildOptions::default().dialect(dialect).allow_insecure_http(allow_insecure_http);
        Ok(credoffer::uri::build_offer_json(offer, &options)?)
    }

    /// `validateAgainstMetadata`: `{formats: [{id, format}], warnings}`.
    pub fn validate_against_metadata(offer: &str, metadata: &str, options: Option<&str>) -> Result<String, Failure> {
        let parsed = credoffer::parse_offer_json(offer, &options::parse_options(options)?)?;
        Ok(IssuerMetadata::from_json(metadata)?.check(&parsed.offer)?.to_json())
    }

    /// `lint`: the engine's report, `{profile, reference?, warnings}`. Without metadata, `metadata` is `None`.
    pub fn lint(input: &str, metadata: Option<&str>, options: Option<&str>) -> Result<String, Failure> {
        let metadata = metadata.map(IssuerMetadata::from_json).transpose()?;
        let options = options::lint_options(options)?.metadata(metadata);
        Ok(credoffer::lint::lint(input, &options)?.to_json())
    }

    /// `resolveOffer`: the offer read leniently, its inline credential descriptions named by the metadata's
    /// configuration ids: `{offer, source, warnings, txCodePrompt?}`.
    pub fn resolve_offer(offer: &str, metadata: &str, options: Option<&str>) -> Result<String, Failure> {
        let parsed = credoffer::parse_offer_json(offer, &options::parse_options(options)?)?;
        Ok(parsed.resolve(&IssuerMetadata::from_json(metadata)?)?.to_json())
    }

    /// `wellKnownMetadataUrl`.
    pub fn well_known_metadata_url(credential_issuer: &str) -> Result<String, Error> {
        credoffer::metadata::well_known_metadata_url(credential_issuer)
    }

    /// `generateTxCode`: uniform over the input mode's alphabet.
    pub fn generate_tx_code(options: Option<&str>, entropy: Option<Vec<u8>>) -> Result<String, Failure> {
        let (mode, length) = options::tx_code_options(options)?;
        Ok(with_entropy(entropy, |entropy| credoffer::secret::generate_tx_code(mode, length, entropy))?)
            .map(|code| code.expose().to_owned())
    }

    /// `generatePreAuthorizedCode`: 256 bits, base64url.
    pub fn generate_pre_authorized_code(entropy: Option<Vec<u8>>) -> Result<String, Error> {
        with_entropy(entropy, credoffer::secret::generate_pre_authorized_code).map(|code| code.expose().to_owned())
    }

    /// `generateIssuerState`: 128 bits, base64url.
    pub fn generate_issuer_state(entropy: Option<Vec<u8>>) -> Result<String, Error> {
        with_entropy(entropy, credoffer::secret::generate_issuer_state).map(|state| state.expose().to_owned())
    }

    /// `generateUuid`: a version 4 UUID.
    pub fn generate_uuid(entropy: Option<Vec<u8>>) -> Result<String, Error> {
        with_entropy(entropy, credoffer::secret::generate_uuid_v4)
    }

    /// `checkTxCode`: whether what the user typed fits the prompt.
    pub fn check_tx_code(prompt: &str, input: &str) -> Result<(), Failure> {
        Ok(options::tx_code_prompt(prompt)?.check(input)?)
    }

    /// `tokenRequestBody`: the form body a wallet posts to the token endpoint for the pre-authorized grant.
    pub fn token_request_body(offer: &str, options: Option<&str>) -> Result<String, Failure> {
        let (tx_code, client_id, allow_insecure_http) = options::token_request_options(options)?;
        let parse = credoffer::ParseOptions::default().allow_insecure_http(allow_insecure_http);
        let offer = credoffer::parse_offer_json(offer, &parse)?.offer;
        Ok(credoffer::wallet::token_request_body(&offer, tx_code.as_deref(), client_id.as_deref())?)
    }

    /// `renderQrSvg`.
    pub fn render_qr_svg(text: &str) -> Result<String, Error> {
        credoffer::qr::render_qr_svg(text)
    }
}

/// A failure as the value the JavaScript layer catches: its JSON, as a string.
fn throw(failure: impl Into<Failure>) -> JsValue {
    JsValue::from_str(&failure.into().to_json())
}

/// Random bytes from the given ones (deterministic tests), or from `crypto.getRandomValues`.
fn with_entropy<T>(bytes: Option<Vec<u8>>, f: impl FnOnce(&mut dyn Entropy) -> Result<T, Error>) -> Result<T, Error> {
    match bytes {
        Some(bytes) => f(&mut FixedEntropy::new(bytes)),
        None => f(&mut SystemEntropy),
    }
}

/// `text` as a JSON string. Results are written with `format!` around the engine's own JSON (records, views)
/// rather than through `serde_json::Value`, which would parse that JSON again only to write it back.
fn json_string(text: &str) -> String {
    JsonValue::string(text).as_json().to_owned()
}

/// Text from JavaScript: documents (URIs, JSON) cross as UTF-8 bytes that `js/api.js` encodes with
/// `TextEncoder`, about ten times faster for a 600-character URI than wasm-bindgen's copy of a string,
/// which walks it one character at a time in JavaScript. Short strings cross as strings.
fn utf8(bytes: &[u8]) -> Result<&str, JsValue> {
    std::str::from_utf8(bytes)
        .map_err(|_| throw(Failure::binding(BindingErrorKind::InvalidUtf8, "the text is not UTF-8", "text")))
}

#[wasm_bindgen(js_name = parseOfferUri)]
pub fn parse_offer_uri(uri: &[u8], options: Option<String>) -> Result<String, JsValue> {
    api::parse_offer_uri(utf8(uri)?, options.as_deref()).map_err(throw)
}

#[wasm_bindgen(js_name = parseOfferJson)]
pub fn parse_offer_json(json: &[u8], options: Option<String>) -> Result<String, JsValue> {
    api::parse_offer_json(utf8(json)?, options.as_deref()).map_err(throw)
}

#[wasm_bindgen(js_name = buildOfferUri)]
pub fn build_offer_uri(offer: &[u8], options: Option<String>) -> Result<String, JsValue> {
    api::build_offer_uri(utf8(offer)?, options.as_deref()).map_err(throw)
}

#[wasm_bindgen(js_name = buildOfferReferenceUri)]
pub fn build_offer_reference_uri(reference: &[u8], options: Option<String>) -> Result<String, JsValue> {
    api::build_offer_reference_uri(utf8(reference)?, options.as_deref()).map_err(throw)
}

#[wasm_bindgen(js_name = buildOfferJson)]
pub fn build_offer_json(offer: &[u8], options: Option<String>) -> Result<String, JsValue> {
    api::build_offer_json(utf8(offer)?, options.as_deref()).map_err(throw)
}

#[wasm_bindgen(js_name = validateAgainstMetadata)]
pub fn validate_against_metadata(offer: &[u8], metadata: &[u8], options: Option<String>) -> Result<String, JsValue> {
    api::validate_against_metadata(utf8(offer)?, utf8(metadata)?, options.as_deref()).map_err(throw)
}

#[wasm_bindgen]
pub fn lint(input: &[u8], metadata: Option<Vec<u8>>, options: Option<String>) -> Result<String, JsValue> {
    let metadata = metadata.as_deref().map(utf8).transpose()?;
    api::lint(utf8(input)?, metadata, options.as_deref()).map_err(throw)
}

#[wasm_bindgen(js_name = resolveOffer)]
pub fn resolve_offer(offer: &[u8], metadata: &[u8], options: Option<String>) -> Result<String, JsValue> {
    api::resolve_offer(utf8(offer)?, utf8(metadata)?, options.as_deref()).map_err(throw)
}

#[wasm_bindgen(js_name = wellKnownMetadataUrl)]
pub fn well_known_metadata_url(credential_issuer: &str) -> Result<String, JsValue> {
    api::well_known_metadata_url(credential_issuer).map_err(throw)
}

/// Every error code, as a JSON array.
#[wasm_bindgen(js_name = errorCodes)]
pub fn error_codes() -> String {
    serde_json::to_string(&all_codes()).unwrap_or_default()
}

#[wasm_bindgen(js_name = generateTxCode)]
pub fn generate_tx_code(options: Option<String>, entropy: Option<Vec<u8>>) -> Result<String, JsValue> {
    api::generate_tx_code(options.as_deref(), entropy).map_err(throw)
}

#[wasm_bindgen(js_name = generatePreAuthorizedCode)]
pub fn generate_pre_authorized_code(entropy: Option<Vec<u8>>) -> Result<String, JsValue> {
    api::generate_pre_authorized_code(entropy).map_err(throw)
}

#[wasm_bindgen(js_name = generateIssuerState)]
pub fn generate_issuer_state(entropy: Option<Vec<u8>>) -> Result<String, JsValue> {
    api::generate_issuer_state(entropy).map_err(throw)
}

#[wasm_bindgen(js_name = generateUuid)]
pub fn generate_uuid(entropy: Option<Vec<u8>>) -> Result<String, JsValue> {
    api::generate_uuid(entropy).map_err(throw)
}

#[wasm_bindgen(js_name = checkTxCode)]
pub fn check_tx_code(prompt: &str, input: &str) -> Result<(), JsValue> {
    api::check_tx_code(prompt, input).map_err(throw)
}

#[wasm_bindgen(js_name = tokenRequestBody)]
pub fn token_request_body(offer: &[u8], options: Option<String>) -> Result<String, JsValue> {
    api::token_request_body(utf8(offer)?, options.as_deref()).map_err(throw)
}

#[wasm_bindgen(js_name = renderQrSvg)]
pub fn render_qr_svg(text: &[u8]) -> Result<String, JsValue> {
    api::render_qr_svg(utf8(text)?).map_err(throw)
}
