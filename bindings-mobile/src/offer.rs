//! Mirror records of the offer model and their conversions to and from the core types.
//!
//! JSON members the spec does not define (extensions, unknown grants, draft 11's inline credential
//! descriptions) cross the boundary as JSON text, one string per member, so nothing is lost.

use std::collections::HashMap;

use credoffer::error::BindingErrorKind;
use credoffer::json::{JsonMembers, JsonValue};

use crate::{CredentialOfferError, Result};

/// A Credential Offer (OpenID4VCI 1.0 §4.1.1).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct CredentialOffer {
    /// The Credential Issuer identifier, kept byte for byte.
    pub credential_issuer: String,
    /// Keys of the issuer's `credential_configurations_supported`.
    pub credential_configuration_ids: Vec<String>,
    /// Inline credential descriptions of drafts 9 and 11, as JSON text. Empty for modern offers.
    pub legacy_credentials: Vec<String>,
    /// The grants, or none when the offer has no `grants` member.
    pub grants: Option<Grants>,
    /// Members the spec does not define: name → JSON text.
    pub extensions: HashMap<String, String>,
}

/// The `grants` member.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Grants {
    /// The `authorization_code` grant.
    pub authorization_code: Option<AuthorizationCodeGrant>,
    /// The pre-authorized code grant.
    pub pre_authorized_code: Option<PreAuthorizedCodeGrant>,
    /// Grant types the spec does not define: grant type → JSON text.
    pub other: HashMap<String, String>,
}

/// The `authorization_code` grant.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct AuthorizationCodeGrant {
    /// Opaque value to send back as `issuer_state` in the Authorization Request.
    pub issuer_state: Option<String>,
    /// Which of the metadata's `authorization_servers` to use.
    pub authorization_server: Option<String>,
    /// Members the spec does not define: name → JSON text.
    pub extensions: HashMap<String, String>,
}

/// The pre-authorized code grant. Its text forms (Kotlin `toString`, Swift `description` and
/// `debugDescription`, Python `str` and `repr`) hide the code, and so do those of every record holding it.
#[derive(Clone, PartialEq, uniffi::Record)]
#[uniffi::export(Debug, Display)]
pub struct PreAuthorizedCodeGrant {
    /// The pre-authorized code: a bearer secret.
    pub pre_authorized_code: String,
    /// Present when the token request must carry a transaction code.
    pub tx_code: Option<TxCode>,
    /// Which of the metadata's `authorization_servers` to use.
    pub authorization_server: Option<String>,
    /// Members the spec does not define: name → JSON text.
    pub extensions: HashMap<String, String>,
}

impl std::fmt::Debug for PreAuthorizedCodeGrant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreAuthorizedCodeGrant")
            .field("pre_authorized_code", &"[redacted]")
            .field("tx_code", &self.tx_code)
            .field("authorization_server", &self.authorization_server)
            .field("extensions", &self.extensions)
            .finish()
    }
}

display_as_debug!(PreAuthorizedCodeGrant);

/// The `tx_code` object: what to ask the user for.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TxCode {
    /// `numeric` or `text`; none means absent, which the spec reads as numeric.
    pub input_mode: Option<InputMode>,
    /// The code's length.
    pub length: Option<u32>,
    /// Guidance for the user.
    pub description: Option<String>,
    /// Members the spec does not define: name → JSON text.
    pub extensions: HashMap<String, String>,
}

/// The character set of a transaction code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum InputMode {
    /// Digits only.
    Numeric,
    /// Any characters.
    Text,
}

/// The JSON shape an offer is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Dialect {
    /// OpenID4VCI 1.0.
    V1,
    /// MATTR VII's: 1.0 plus a `credentials` member duplicating the ids.
    Mattr,
    /// Draft 13 (the same offer object as 1.0).
    Draft13,
    /// Drafts 11 and 12: `credentials` and `user_pin_required`.
    Draft11,
}

/// The generation of the spec an offer's shape comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Source {
    /// Draft 8: flat query parameters.
    Draft8,
    /// Draft 9: `issuer` and top-level grant parameters.
    Draft9,
    /// Draft 11: `credentials`.
    Draft11,
    /// Draft 12: `credentials` and `interval`.
    Draft12,
    /// Draft 13: a transitional mix.
    Draft13,
    /// OpenID4VCI 1.0 (and drafts 13 to 17).
    V1,
    /// Both `credentials` and `credential_configuration_ids`.
    Hybrid,
}

/// Something noticed about an accepted offer.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Warning {
    /// Stable code.
    pub code: String,
    /// Human-readable explanation.
    pub message: String,
    /// The field concerned, if any.
    pub field: Option<String>,
    /// What an interop lint finding rests on (a spec section, a profile's clause, a wallet's issue);
    /// none for the other codes.
    pub evidence: Option<String>,
}

/// An offer read from a URI or JSON. Its text forms hide the pre-authorized code, which `json` holds.
#[derive(Clone, PartialEq, uniffi::Record)]
#[uniffi::export(Debug, Display)]
pub struct ParsedOffer {
    /// The offer in the 1.0 model.
    pub offer: CredentialOffer,
    /// The shape it came in.
    pub source: Source,
    /// The stable name of that shape: `draft8` … `1.0`, `hybrid`.
    pub source_name: String,
    /// Things a wallet can show or log.
    pub warnings: Vec<Warning>,
    /// The code was asked for with `user_pin_required` (drafts up to 12): a PIN of at most 8 digits.
    pub legacy_pin: bool,
    /// The engine's JSON view of this reading, `{offer, source, warnings, txCodePrompt?}`: the offer in
    /// its 1.0 shape written back as read (the one lenient writer; a lenient reading's findings are in
    /// `warnings`, not refused again). Written once, when the offer is read.
    pub json: String,
}

impl std::fmt::Debug for ParsedOffer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParsedOffer")
            .field("offer", &self.offer)
            .field("source", &self.source)
            .field("warnings", &self.warnings)
            .field("legacy_pin", &self.legacy_pin)
            .field("json", &"[redacted]")
            .finish()
    }
}

display_as_debug!(ParsedOffer);

/// How strictly [`validate_offer`] reads an offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct Validation {
    /// Every spec violation is an error.
    pub strict: bool,
    /// Accept `http` URLs (local testing only).
    pub allow_insecure_http: bool,
}

/// Checks an offer against every rule of the spec; returns the warnings of a lenient reading.
#[uniffi::export]
pub fn validate_offer(offer: CredentialOffer, validation: Validation) -> Result<Vec<Warning>> {
    let validation = credoffer::offer::Validation::default()
        .strict(validation.strict)
        .allow_insecure_http(validation.allow_insecure_http);
    Ok(credoffer::CredentialOffer::try_from(offer)?.validate(validation)?.into_iter().map(Warning::from).collect())
}

/// The offer as compact JSON in `dialect`. Validated strictly first, as every writer of the engine is
/// (the one writer rule): an offer that only a lenient reading accepts is refused here; its JSON as read
/// is [`ParsedOffer::json`].
#[uniffi::export]
pub fn offer_to_json(offer: CredentialOffer, dialect: Dialect) -> Result<String> {
    let options = credoffer::BuildOptions::default().dialect(dialect.into());
    Ok(credoffer::CredentialOffer::try_from(offer)?.to_json(&options)?)
}

/// The dialect with this name (`1.0`, `mattr`, `draft13`, `draft11`).
#[uniffi::export]
pub fn parse_dialect(name: String) -> Result<Dialect> {
    Ok(name.parse::<credoffer::Dialect>()?.into())
}

// --- conversions ---

/// A member that crosses the boundary as JSON text but holds none: the caller's value is outside the
/// record field's domain, a failure of the binding family rather than of the engine's rules.
fn not_json_text(reason: &str, field: String) -> CredentialOfferError {
    CredentialOfferError::binding(BindingErrorKind::InvalidArgument, format!("not JSON text: {reason}"), field)
}

fn json_texts(members: JsonMembers) -> HashMap<String, String> {
    members.into_iter().map(|(name, value)| (name, value.as_json().to_owned())).collect()
}

/// Member text read as core reads JSON values; an error names the member at `field`.
fn json_value(text: &str, field: String) -> Result<JsonValue> {
    JsonValue::from_json(text).map_err(|e| not_json_text(e.message(), field))
}

fn json_values(members: HashMap<String, String>, path: &str) -> Result<JsonMembers> {
    members
        .into_iter()
        .map(|(name, text)| {
            let value = json_value(&text, format!("{path}.{name}"))?;
            Ok((name, value))
        })
        .collect()
}

impl From<credoffer::CredentialOffer> for CredentialOffer {
    fn from(offer: credoffer::CredentialOffer) -> Self {
        Self {
            credential_issuer: offer.credential_issuer,
            credential_configuration_ids: offer.credential_configuration_ids,
            legacy_credentials: offer.legacy_credentials.iter().map(|value| value.as_json().to_owned()).collect(),
            grants: offer.grants.map(Grants::from),
            extensions: json_texts(offer.extensions),
        }
    }
}

impl TryFrom<CredentialOffer> for credoffer::CredentialOffer {
    type Error = crate::CredentialOfferError;

    fn try_from(offer: CredentialOffer) -> Result<Self> {
        let legacy_credentials = offer
            .legacy_credentials
            .iter()
            .enumerate()
            .map(|(i, text)| json_value(text, format!("credentials[{i}]")))
            .collect::<Result<_>>()?;
        Ok(Self {
            credential_issuer: offer.credential_issuer,
            credential_configuration_ids: offer.credential_configuration_ids,
            legacy_credentials,
            grants: offer.grants.map(credoffer::offer::Grants::try_from).transpose()?,
            extensions: json_values(offer.extensions, "extensions")?,
        })
    }
}

impl From<credoffer::offer::Grants> for Grants {
    fn from(grants: credoffer::offer::Grants) -> Self {
        Self {
            authorization_code: grants.authorization_code.map(|grant| AuthorizationCodeGrant {
                issuer_state: grant.issuer_state,
                authorization_server: grant.authorization_server,
                extensions: json_texts(grant.extensions),
            }),
            pre_authorized_code: grants.pre_authorized_code.map(|grant| PreAuthorizedCodeGrant {
                pre_authorized_code: grant.pre_authorized_code,
                tx_code: grant.tx_code.map(TxCode::from),
                authorization_server: grant.authorization_server,
                extensions: json_texts(grant.extensions),
            }),
            other: json_texts(grants.other),
        }
    }
}

impl TryFrom<Grants> for credoffer::offer::Grants {
    type Error = crate::CredentialOfferError;

    fn try_from(grants: Grants) -> Result<Self> {
        let authorization_code = match grants.authorization_code {
            Some(grant) => Some(credoffer::offer::AuthorizationCodeGrant {
                issuer_state: grant.issuer_state,
                authorization_server: grant.authorization_server,
                extensions: json_values(grant.extensions, "grants.authorization_code")?,
            }),
            None => None,
        };
        let pre_authorized_code = match grants.pre_authorized_code {
            Some(grant) => Some(credoffer::offer::PreAuthorizedCodeGrant {
                pre_authorized_code: grant.pre_authorized_code,
                tx_code: grant.tx_code.map(credoffer::offer::TxCode::try_from).transpose()?,
                authorization_server: grant.authorization_server,
                extensions: json_values(
                    grant.extensions,
                    "grants.urn:ietf:params:oauth:grant-type:pre-authorized_code",
                )?,
            }),
            None => None,
        };
        Ok(Self { authorization_code, pre_authorized_code, other: json_values(grants.other, "grants")? })
    }
}

impl From<credoffer::offer::TxCode> for TxCode {
    fn from(tx_code: credoffer::offer::TxCode) -> Self {
        Self {
            input_mode: tx_code.input_mode.map(InputMode::from),
            length: tx_code.length,
            description: tx_code.description,
            extensions: json_texts(tx_code.extensions),
        }
    }
}

impl TryFrom<TxCode> for credoffer::offer::TxCode {
    type Error = crate::CredentialOfferError;

    fn try_from(tx_code: TxCode) -> Result<Self> {
        Ok(Self {
            input_mode: tx_code.input_mode.map(credoffer::offer::InputMode::from),
            length: tx_code.length,
            description: tx_code.description,
            extensions: json_values(
                tx_code.extensions,
                "grants.urn:ietf:params:oauth:grant-type:pre-authorized_code.tx_code",
            )?,
        })
    }
}

impl From<credoffer::offer::InputMode> for InputMode {
    fn from(mode: credoffer::offer::InputMode) -> Self {
        match mode {
            credoffer::offer::InputMode::Numeric => InputMode::Numeric,
            credoffer::offer::InputMode::Text => InputMode::Text,
        }
    }
}

impl From<InputMode> for credoffer::offer::InputMode {
    fn from(mode: InputMode) -> Self {
        match mode {
            InputMode::Numeric => credoffer::offer::InputMode::Numeric,
            InputMode::Text => credoffer::offer::InputMode::Text,
        }
    }
}

impl From<credoffer::Dialect> for Dialect {
    fn from(dialect: credoffer::Dialect) -> Self {
        match dialect {
            credoffer::Dialect::V1 => Dialect::V1,
            credoffer::Dialect::Mattr => Dialect::Mattr,
            credoffer::Dialect::Draft13 => Dialect::Draft13,
            credoffer::Dialect::Draft11 => Dialect::Draft11,
        }
    }
}

impl From<Dialect> for credoffer::Dialect {
    fn from(dialect: Dialect) -> Self {
        match dialect {
            Dialect::V1 => credoffer::Dialect::V1,
            Dialect::Mattr => credoffer::Dialect::Mattr,
            Dialect::Draft13 => credoffer::Dialect::Draft13,
            Dialect::Draft11 => credoffer::Dialect::Draft11,
        }
    }
}

impl From<credoffer::compat::Source> for Source {
    fn from(source: credoffer::compat::Source) -> Self {
        match source {
            credoffer::compat::Source::Draft8 => Source::Draft8,
            credoffer::compat::Source::Draft9 => Source::Draft9,
            credoffer::compat::Source::Draft11 => Source::Draft11,
            credoffer::compat::Source::Draft12 => Source::Draft12,
            credoffer::compat::Source::Draft13 => Source::Draft13,
            credoffer::compat::Source::V1 => Source::V1,
            credoffer::compat::Source::Hybrid => Source::Hybrid,
        }
    }
}

impl From<credoffer::Warning> for Warning {
    fn from(warning: credoffer::Warning) -> Self {
        Self {
            code: warning.code().to_owned(),
            evidence: warning.evidence().map(str::to_owned),
            message: warning.message,
            field: warning.field,
        }
    }
}

impl From<credoffer::ParsedOffer> for ParsedOffer {
    fn from(parsed: credoffer::ParsedOffer) -> Self {
        Self {
            json: parsed.to_json(),
            offer: parsed.offer.into(),
            source: parsed.source.into(),
            source_name: parsed.source.as_str().to_owned(),
            warnings: parsed.warnings.into_iter().map(Warning::from).collect(),
            legacy_pin: parsed.legacy_pin,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offer_round_trips_through_the_mirror_with_its_unknown_members() {
        let json = r#"{"credential_issuer":"https://issuer.example.com","credential_configuration_ids":["a","b"],
            "grants":{"authorization_code":{"issuer_state":"s","x":1},
                      "urn:ietf:params:oauth:grant-type:pre-authorized_code":{"pre-authorized_code":"c",
                          "tx_code":{"input_mode":"text","length":4,"description":"d"},"interval":5},
                      "urn:example:grant":{"k":[1,2]}},
            "request_parameters":{"login_hint":"u"}}"#;
        let core = credoffer::parse_offer_json(json, &credoffer::ParseOptions::default()).unwrap().offer;
        let mirror = CredentialOffer::from(core.clone());
        assert_eq!(mirror.extensions["request_parameters"], r#"{"login_hint":"u"}"#);
        let back = credoffer::CredentialOffer::try_from(mirror).unwrap();
        assert_eq!(back, core);
    }

    #[test]
    fn extension_text_that_is_not_json_is_an_error_naming_the_member() {
        let mut offer = CredentialOffer::from(
            credoffer::CredentialOffer::builder("https://issuer.example.com")
                .credential_configuration_id("a")
                .build()
                .unwrap(),
        );
        offer.extensions.insert("bad".into(), "{".into());
        let error = offer_to_json(offer, Dialect::V1).unwrap_err();
        assert!(matches!(error, CredentialOfferError::Binding { .. }), "{error:?}");
        assert_eq!(error.error_code(), "invalid_argument");
        assert_eq!(error.error_field().as_deref(), Some("extensions.bad"));
    }

    #[test]
    fn debug_redacts_the_pre_authorized_code() {
        let grant = PreAuthorizedCodeGrant {
            pre_authorized_code: "secret-code".into(),
            tx_code: None,
            authorization_server: None,
            extensions: HashMap::new(),
        };
        assert!(!format!("{grant:?}").contains("secret-code"));
        let parsed = crate::parse_offer_json(
            r#"{"credential_issuer":"https://i.example","credential_configuration_ids":["a"],
                "grants":{"urn:ietf:params:oauth:grant-type:pre-authorized_code":{"pre-authorized_code":"secret-code"}}}"#
                .into(),
            crate::default_parse_options(),
        )
        .unwrap();
        assert!(parsed.json.contains("secret-code"));
        assert!(!format!("{parsed:?}").contains("secret-code"));
        assert!(!parsed.to_string().contains("secret-code"));
    }
}
