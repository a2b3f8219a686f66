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

pub use errors::{BindingFailure, Failure, all_codes, binding_code_of, code_of};

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

/// The operations of the main entry, numbered as `js/api.js` numbers them (its `OPERATION`). They cross one
/// export, [`call`]: wasm-bindgen writes a wrapper in JavaScript and another in WebAssembly for every export,
/// which for seventeen was a tenth of what a browser loads beside the engine. [`dispatch`] matches the
/// operation, not its name (comparing names was a tenth of the bindings' own code).
///
/// Only the operations: their names are JavaScript's (a test checks that they match the variants'), and
/// seventeen names in the data would be text no call reads.
const OPERATIONS: [Operation; 17] = [
    Operation::ParseOfferUri,
    Operation::ParseOfferJson,
    Operation::BuildOfferUri,
    Operation::BuildOfferReferenceUri,
    Operation::BuildOfferJson,
    Operation::ValidateAgainstMetadata,
    Operation::Lint,
    Operation::ResolveOffer,
    Operation::WellKnownMetadataUrl,
    Operation::ErrorCodes,
    Operation::GenerateTxCode,
    Operation::GeneratePreAuthorizedCode,
    Operation::GenerateIssuerState,
    Operation::GenerateUuid,
    Operation::CheckTxCode,
    Operation::TokenRequestBody,
    Operation::RenderQrSvg,
];

/// An operation of [`OPERATIONS`]; its JavaScript name is the variant's in lower camel case.
#[derive(Clone, Copy)]
#[cfg_attr(test, derive(Debug))]
enum Operation {
    ParseOfferUri,
    ParseOfferJson,
    BuildOfferUri,
    BuildOfferReferenceUri,
    BuildOfferJson,
    ValidateAgainstMetadata,
    Lint,
    ResolveOffer,
    WellKnownMetadataUrl,
    ErrorCodes,
    GenerateTxCode,
    GeneratePreAuthorizedCode,
    GenerateIssuerState,
    GenerateUuid,
    CheckTxCode,
    TokenRequestBody,
    RenderQrSvg,
}

/// Runs operation number `operation` of [`OPERATIONS`]: `text` is its document (UTF-8), `second` the second
/// one where it takes two (metadata, the code the user typed), `options` its options object as JSON (UTF-8,
/// as the documents: a string argument would bring wasm-bindgen's string copy into the page's JavaScript),
/// `entropy` fixed random bytes for the generators. An operation that returns nothing returns `""`.
#[wasm_bindgen]
pub fn call(
    operation: u32,
    text: &[u8],
    second: Option<Vec<u8>>,
    options: Option<Vec<u8>>,
    entropy: Option<Vec<u8>>,
) -> Result<String, JsValue> {
    let options =
        options.as_deref().map(std::str::from_utf8).transpose().map_err(|_| {
            throw(Failure::binding(BindingErrorKind::InvalidUtf8, "the options are not UTF-8", "options"))
        })?;
    dispatch(operation, text, second.as_deref(), options, entropy).map_err(throw)
}

/// [`call`] on the host, its failure as the value it throws.
pub fn dispatch(
    operation: u32,
    text: &[u8],
    second: Option<&[u8]>,
    options: Option<&str>,
    entropy: Option<Vec<u8>>,
) -> Result<String, Failure> {
    let text = utf8(text)?;
    let second = second.map(utf8).transpose()?;
    let required = || {
        second.ok_or_else(|| {
            Failure::binding(BindingErrorKind::MissingArgument, "a second argument is required", "second")
        })
    };
    let Some(&known) = usize::try_from(operation).ok().and_then(|index| OPERATIONS.get(index)) else {
        return Err(Failure::binding(
            BindingErrorKind::InvalidArgument,
            format!("there is no operation {operation}"),
            "operation",
        ));
    };
    match known {
        Operation::ParseOfferUri => api::parse_offer_uri(text, options),
        Operation::ParseOfferJson => api::parse_offer_json(text, options),
        Operation::BuildOfferUri => api::build_offer_uri(text, options),
        Operation::BuildOfferReferenceUri => api::build_offer_reference_uri(text, options),
        Operation::BuildOfferJson => api::build_offer_json(text, options),
        Operation::ValidateAgainstMetadata => api::validate_against_metadata(text, required()?, options),
        Operation::Lint => api::lint(text, second, options),
        Operation::ResolveOffer => api::resolve_offer(text, required()?, options),
        Operation::WellKnownMetadataUrl => Ok(api::well_known_metadata_url(text)?),
        Operation::ErrorCodes => Ok(errors::all_codes_json()),
        Operation::GenerateTxCode => api::generate_tx_code(options, entropy),
        Operation::GeneratePreAuthorizedCode => Ok(api::generate_pre_authorized_code(entropy)?),
        Operation::GenerateIssuerState => Ok(api::generate_issuer_state(entropy)?),
        Operation::GenerateUuid => Ok(api::generate_uuid(entropy)?),
        Operation::CheckTxCode => api::check_tx_code(text, required()?).map(|()| String::new()),
        Operation::TokenRequestBody => api::token_request_body(text, options),
        Operation::RenderQrSvg => Ok(api::render_qr_svg(text)?),
    }
}

/// Text from JavaScript: documents (URIs, JSON) cross as UTF-8 bytes that `js/api.js` encodes with
/// `TextEncoder`, about ten times faster for a 600-character URI than wasm-bindgen's copy of a string,
/// which walks it one character at a time in JavaScript.
fn utf8(bytes: &[u8]) -> Result<&str, Failure> {
    std::str::from_utf8(bytes)
        .map_err(|_| Failure::binding(BindingErrorKind::InvalidUtf8, "the text is not UTF-8", "text"))
}

/// [`utf8`], failing as the issuer entry's exports throw.
#[cfg(feature = "issuer")]
fn utf8_or_throw(bytes: &[u8]) -> Result<&str, JsValue> {
    utf8(bytes).map_err(throw)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_is_called_by_its_number() {
        let uri = "openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fi.example%2Fo%2F1";
        let parsed = dispatch(0, uri.as_bytes(), None, None, None).unwrap();
        assert_eq!(parsed, api::parse_offer_uri(uri, None).unwrap());
        assert!(parsed.starts_with(r#"{"kind":"byReference""#), "{parsed}");
        let metadata = br#"{"credential_issuer":"https://i.example","credential_configurations_supported":{"a":{"format":"mso_mdoc"}}}"#;
        let offer = br#"{"credential_issuer":"https://i.example","credential_configuration_ids":["a"]}"#;
        let checked = dispatch(5, offer, Some(metadata), None, None).unwrap();
        assert_eq!(checked, r#"{"formats":[{"id":"a","format":"mso_mdoc"}],"warnings":[]}"#);
        assert_eq!(dispatch(5, offer, None, None, None).unwrap_err().code(), "missing_argument");
        assert_eq!(dispatch(9, b"", None, None, None).unwrap(), serde_json::to_string(&all_codes()).unwrap());
        let uuid = dispatch(13, b"", None, None, Some(vec![7; 16])).unwrap();
        assert_eq!(uuid, api::generate_uuid(Some(vec![7; 16])).unwrap());
        let prompt = br#"{"inputMode":"numeric","length":4}"#;
        assert_eq!(dispatch(14, prompt, Some(b"1234"), None, None).unwrap(), "");
        assert_eq!(dispatch(14, prompt, Some(b"12a4"), None, None).unwrap_err().code(), "tx_code_mismatch");
        let unknown = dispatch(17, b"", None, None, None).unwrap_err();
        assert_eq!((unknown.code(), unknown.field()), ("invalid_argument", Some("operation")));
        let not_utf8 = dispatch(0, &[0xff], None, None, None).unwrap_err();
        assert_eq!((not_utf8.code(), not_utf8.field()), ("invalid_utf8", Some("text")));
    }

    #[test]
    fn the_javascript_layer_names_and_numbers_the_operations_alike() {
        let api = include_str!("../js/api.js");
        let table = api.split("const OPERATION = Object.fromEntries([").nth(1).and_then(|rest| rest.split("]").next());
        let names: Vec<&str> = table
            .unwrap()
            .split(',')
            .map(|name| name.trim().trim_matches('\''))
            .filter(|name| !name.is_empty())
            .collect();
        let lower_camel_case = |operation: &Operation| {
            let variant = format!("{operation:?}");
            let (first, rest) = variant.split_at(1);
            first.to_lowercase() + rest
        };
        assert_eq!(names, OPERATIONS.iter().map(lower_camel_case).collect::<Vec<_>>());
        // A name missing from the table would cross as `undefined`, which wasm-bindgen turns into operation 0.
        let mut called: Vec<&str> = api.split("call('").skip(1).map(|rest| rest.split('\'').next().unwrap()).collect();
        for name in &called {
            assert!(names.contains(name), "api.js calls {name:?}, which is not an operation");
        }
        called.sort_unstable();
        called.dedup();
        assert_eq!(called.len(), names.len(), "every operation is called: {called:?}");
    }
}
