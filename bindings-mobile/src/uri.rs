//! Offer URIs: parse any draft and scheme, build strictly.

use crate::Result;
use crate::offer::{CredentialOffer, Dialect, ParsedOffer, Warning};

/// What `+` means inside an offer URI's query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum PlusPolicy {
    /// Form semantics: `+` is a space.
    Space,
    /// RFC 3986 semantics: `+` is a literal plus.
    Literal,
}

/// Size, count and depth limits applied while parsing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct Limits {
    /// Longest offer URI accepted, in bytes.
    pub max_uri_bytes: u64,
    /// Longest offer JSON accepted, in bytes.
    pub max_json_bytes: u64,
    /// Most `credential_configuration_ids` accepted.
    pub max_credential_configuration_ids: u64,
    /// Deepest JSON nesting accepted.
    pub max_depth: u64,
}

/// How to read an offer. Start from [`default_parse_options`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct ParseOptions {
    /// What `+` means.
    pub plus: PlusPolicy,
    /// Every spec violation is an error.
    pub strict: bool,
    /// Accept `http` issuers and by-reference URLs (local testing only).
    pub allow_insecure_http: bool,
    /// Size, count and depth limits.
    pub limits: Limits,
}

/// How to write an offer URI. Start from [`default_build_options`].
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct BuildOptions {
    /// The JSON shape to write.
    pub dialect: Dialect,
    /// Where the wallet is invoked: a custom scheme or an https wallet endpoint.
    pub base: String,
    /// Accept `http` issuers and by-reference URLs (local testing only).
    pub allow_insecure_http: bool,
}

/// An offer URI, read.
// Returned once per parse and converted at once to the foreign type: the size difference costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum OfferUri {
    /// The offer itself (`credential_offer`).
    ByValue {
        /// The offer, its shape and warnings.
        parsed: ParsedOffer,
    },
    /// Where to fetch the offer (`credential_offer_uri`); hand the fetched JSON to [`parse_offer_json`].
    ByReference {
        /// The https URL to fetch.
        uri: String,
        /// Observations about the URI.
        warnings: Vec<Warning>,
    },
}

/// The engine's defaults for reading offers.
#[uniffi::export]
pub fn default_parse_options() -> ParseOptions {
    credoffer::ParseOptions::default().into()
}

/// The engine's defaults for writing offers (OpenID4VCI 1.0, `openid-credential-offer://`).
#[uniffi::export]
pub fn default_build_options() -> BuildOptions {
    let options = credoffer::BuildOptions::default();
    BuildOptions {
        dialect: options.dialect.into(),
        base: options.base,
        allow_insecure_http: options.allow_insecure_http,
    }
}

/// Reads an offer URI of any draft and scheme (or raw offer JSON).
#[uniffi::export]
pub fn parse_offer_uri(uri: String, options: ParseOptions) -> Result<OfferUri> {
    Ok(match credoffer::parse_offer_uri(&uri, &options.try_into()?)? {
        credoffer::OfferUri::ByValue(parsed) => OfferUri::ByValue { parsed: parsed.into() },
        credoffer::OfferUri::ByReference(reference) => OfferUri::ByReference {
            uri: reference.uri,
            warnings: reference.warnings.into_iter().map(Warning::from).collect(),
        },
    })
}

/// Reads Credential Offer JSON of any draft (an offer fetched from a `credential_offer_uri`).
#[uniffi::export]
pub fn parse_offer_json(json: String, options: ParseOptions) -> Result<ParsedOffer> {
    Ok(credoffer::parse_offer_json(&json, &options.try_into()?)?.into())
}

/// The offer by value: `<base>?credential_offer=<percent-encoded JSON>`, validated strictly first.
#[uniffi::export]
pub fn offer_to_uri(offer: CredentialOffer, options: BuildOptions) -> Result<String> {
    Ok(credoffer::CredentialOffer::try_from(offer)?.to_uri(&options.into())?)
}

/// Offer JSON of any draft in, an offer URI by value out: read as leniently as a wallet would, then
/// written with `options` and validated strictly (the engine's `build_offer_uri`).
#[uniffi::export]
pub fn build_offer_uri(json: String, options: BuildOptions) -> Result<String> {
    Ok(credoffer::build_offer_uri(&json, &options.into())?)
}

/// As [`build_offer_uri`], writing the offer's JSON in `options.dialect` (what a `credential_offer_uri`
/// serves) instead of a URI.
#[uniffi::export]
pub fn build_offer_json(json: String, options: BuildOptions) -> Result<String> {
    Ok(credoffer::uri::build_offer_json(&json, &options.into())?)
}

/// The offer by reference: `<base>?credential_offer_uri=<percent-encoded https URL>`.
#[uniffi::export]
pub fn offer_reference_uri(reference: String, options: BuildOptions) -> Result<String> {
    Ok(credoffer::uri::offer_reference_uri(&reference, &options.into())?)
}

// --- conversions ---

impl From<credoffer::ParseOptions> for ParseOptions {
    fn from(options: credoffer::ParseOptions) -> Self {
        let limits = options.limits;
        Self {
            plus: match options.plus {
                credoffer::compat::PlusPolicy::Space => PlusPolicy::Space,
                credoffer::compat::PlusPolicy::Literal => PlusPolicy::Literal,
            },
            strict: options.strict,
            allow_insecure_http: options.allow_insecure_http,
            limits: Limits {
                max_uri_bytes: limits.max_uri_bytes as u64,
                max_json_bytes: limits.max_json_bytes as u64,
                max_credential_configuration_ids: limits.max_credential_configuration_ids as u64,
                max_depth: limits.max_depth as u64,
            },
        }
    }
}

impl TryFrom<ParseOptions> for credoffer::ParseOptions {
    type Error = crate::CredentialOfferError;

    fn try_from(options: ParseOptions) -> Result<Self> {
        // A limit above the address space means "no practical limit": saturate rather than fail.
        let size = |value: u64| usize::try_from(value).unwrap_or(usize::MAX);
        let limits = options.limits;
        let plus = match options.plus {
            PlusPolicy::Space => credoffer::compat::PlusPolicy::Space,
            PlusPolicy::Literal => credoffer::compat::PlusPolicy::Literal,
        };
        let limits = credoffer::limits::Limits::default()
            .max_uri_bytes(size(limits.max_uri_bytes))
            .max_json_bytes(size(limits.max_json_bytes))
            .max_credential_configuration_ids(size(limits.max_credential_configuration_ids))
            .max_depth(size(limits.max_depth));
        Ok(Self::default()
            .plus(plus)
            .strict(options.strict)
            .allow_insecure_http(options.allow_insecure_http)
            .limits(limits))
    }
}

impl From<BuildOptions> for credoffer::BuildOptions {
    fn from(options: BuildOptions) -> Self {
        Self::default()
            .dialect(options.dialect.into())
            .base(options.base)
            .allow_insecure_http(options.allow_insecure_http)
    }
}
