//! What an issuer decides once: its identifier and configurations, how offers are written, lifetimes,
//! transaction codes and keys. Read from JSON (camelCase), so every binding passes the same document.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::dialect::Dialect;
use crate::error::{Error, ErrorKind, Result};
use crate::expiry::ExpiryPolicy;
use crate::offer::InputMode;
use crate::secret::TEXT_ALPHABET;
use crate::uri::DEFAULT_BASE;

/// The format identifier of ISO mdoc credentials.
pub const MDOC_FORMAT: &str = "mso_mdoc";
/// Where the reference token goes in [`IssuerConfig::offer_url_template`].
pub const TOKEN_PLACEHOLDER: &str = "{token}";
/// Access tokens live five minutes unless configured otherwise: long enough for the credential request
/// that follows, short enough that a leaked token is soon worthless.
const DEFAULT_ACCESS_TOKEN_SECONDS: u64 = 300;

/// Transaction codes: what is generated, and how many wrong ones an offer survives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
#[non_exhaustive]
pub struct TxCodePolicy {
    /// Input mode when the request names none.
    pub default_input_mode: InputMode,
    /// Length when the request names none (6: about 20 bits, NIST SP 800-63B's floor).
    pub default_length: u32,
    /// Shortest length a request may ask for.
    pub min_length: u32,
    /// Longest length a request may ask for (8: what draft 11 wallets and 32-bit parsers take).
    pub max_length: u32,
    /// Symbols of text codes.
    pub text_alphabet: String,
    /// Wrong codes that invalidate the offer for good (MATTR: 3).
    pub max_failed_attempts: u32,
}

impl Default for TxCodePolicy {
    fn default() -> Self {
        Self {
            default_input_mode: InputMode::Numeric,
            default_length: 6,
            min_length: 4,
            max_length: 8,
            text_alphabet: TEXT_ALPHABET.to_owned(),
            max_failed_attempts: 3,
        }
    }
}

/// Which OAuth error a wrong transaction code gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WrongTxCodeError {
    /// `invalid_grant`, as OpenID4VCI 1.0 §6.3 says.
    #[default]
    InvalidGrant,
    /// `invalid_tx_code`, OpenID4VCI 1.1's dedicated error.
    InvalidTxCode,
}

/// Everything an issuer decides once. Readable from JSON (camelCase) so every binding can pass it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
#[non_exhaustive]
pub struct IssuerConfig {
    /// The Credential Issuer identifier written into offers.
    pub credential_issuer: String,
    /// Supported credential configuration ids and their formats (`mso_mdoc`, `dc+sd-jwt`, …).
    pub credential_configurations: BTreeMap<String, String>,
    /// Where wallets are invoked (`openid-credential-offer://`, `haip-vci://`, an https endpoint).
    pub offer_base: String,
    /// The JSON shape of offers.
    pub dialect: Dialect,
    /// Offer lifetimes.
    pub expiry: ExpiryPolicy,
    /// Transaction codes and attempt limits.
    pub tx_code: TxCodePolicy,
    /// Pre-authorized offers only for `mso_mdoc` configurations (MATTR's rule; off by default).
    pub pre_authorized_mdoc_only: bool,
    /// Offer pre-authorized offers by reference at this https URL, with [`TOKEN_PLACEHOLDER`] for a
    /// random token (`https://issuer.example.com/offers/{token}`); by value when absent.
    pub offer_url_template: Option<String>,
    /// Give authorization code offers a fresh `issuer_state`.
    pub generate_issuer_state: bool,
    /// The error for a wrong transaction code.
    pub wrong_tx_code_error: WrongTxCodeError,
    /// Key transaction code hashes with HMAC-SHA-256 under this key (hex). Without it a salted SHA-256
    /// is stored, which a stolen record's reader can brute-force offline for short numeric codes.
    #[serde(deserialize_with = "secret_hex")]
    pub hmac_key_hex: Option<String>,
    /// Keys replaced by `hmac_key_hex` (hex), kept after a rotation until the offers hashed under them
    /// have expired: they only verify. Each record names its key by [`StoredTxCode::key_id`](crate::record::StoredTxCode::key_id).
    #[serde(deserialize_with = "secret_hex_list")]
    pub previous_hmac_keys_hex: Vec<String>,
    /// Lifetime of the access tokens the token endpoint issues, in seconds (default 300).
    pub access_token_lifetime_seconds: u64,
    /// Accept `http` issuers and URLs. Meant for local testing only.
    pub allow_insecure_http: bool,
    /// Serve an offer by reference at most this many times (unlimited until it is redeemed or dead when
    /// absent). Wallets fetch an offer more than once, so a cap below 3 breaks some of them.
    pub max_offer_fetches: Option<u32>,
}

impl fmt::Debug for IssuerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuerConfig")
            .field("credential_issuer", &self.credential_issuer)
            .field("credential_configurations", &self.credential_configurations)
            .field("offer_base", &self.offer_base)
            .field("dialect", &self.dialect)
            .field("expiry", &self.expiry)
            .field("tx_code", &self.tx_code)
            .field("pre_authorized_mdoc_only", &self.pre_authorized_mdoc_only)
            .field("offer_url_template", &self.offer_url_template)
            .field("access_token_lifetime_seconds", &self.access_token_lifetime_seconds)
            .field("max_offer_fetches", &self.max_offer_fetches)
            .field("hmac_key_hex", &self.hmac_key_hex.as_ref().map(|_| "[redacted]"))
            .field("previous_hmac_keys_hex", &format_args!("[{} redacted]", self.previous_hmac_keys_hex.len()))
            .finish_non_exhaustive()
    }
}

impl Default for IssuerConfig {
    fn default() -> Self {
        Self {
            credential_issuer: String::new(),
            credential_configurations: BTreeMap::new(),
            offer_base: DEFAULT_BASE.to_owned(),
            dialect: Dialect::V1,
            expiry: ExpiryPolicy::default(),
            tx_code: TxCodePolicy::default(),
            pre_authorized_mdoc_only: false,
            offer_url_template: None,
            generate_issuer_state: false,
            wrong_tx_code_error: WrongTxCodeError::InvalidGrant,
            hmac_key_hex: None,
            previous_hmac_keys_hex: Vec::new(),
            access_token_lifetime_seconds: DEFAULT_ACCESS_TOKEN_SECONDS,
            allow_insecure_http: false,
            max_offer_fetches: None,
        }
    }
}

impl IssuerConfig {
    /// A configuration with the engine's defaults.
    pub fn new(credential_issuer: impl Into<String>, configurations: BTreeMap<String, String>) -> Self {
        Self {
            credential_issuer: credential_issuer.into(),
            credential_configurations: configurations,
            ..Self::default()
        }
    }

    /// MATTR VII's behaviour: the hybrid dialect, pre-authorized offers for mdoc only, 6-digit codes,
    /// 3 attempts, 5 minutes by default and 10 at most.
    pub fn mattr(credential_issuer: impl Into<String>, configurations: BTreeMap<String, String>) -> Self {
        Self { dialect: Dialect::Mattr, pre_authorized_mdoc_only: true, ..Self::new(credential_issuer, configurations) }
    }

    /// Reads a configuration from JSON (camelCase members; absent members take their defaults).
    ///
    /// An error names the member and what it expects, never the value it was given: a configuration holds
    /// keys, and a mistyped one must not end up in a log.
    ///
    /// ```
    /// use credoffer::IssuerConfig;
    ///
    /// let error = IssuerConfig::from_json(r#"{"credentialIssuer": "https://issuer.example.com",
    ///     "credentialConfigurations": {}, "txCode": {"maxFailedAttempts": "TOP-SECRET"}}"#).unwrap_err();
    /// assert_eq!(error.field(), Some("txCode.maxFailedAttempts"));
    /// assert!(!error.message().contains("TOP-SECRET"), "{}", error.message());
    /// ```
    pub fn from_json(json: &str) -> Result<Self> {
        serde_path_to_error::deserialize(&mut serde_json::Deserializer::from_str(json)).map_err(|e| {
            let member = e.path().to_string();
            let inner = e.into_inner();
            let invalid = |message: String| Error::new(ErrorKind::InvalidConfiguration, message);
            if !inner.is_data() {
                // Where the JSON broke, without the text around it.
                return invalid(format!(
                    "the issuer configuration is not valid JSON (line {}, column {})",
                    inner.line(),
                    inner.column()
                ));
            }
            let message = inner.to_string();
            // serde writes "invalid type: <the value>, expected <what>" and the like: keep only what is
            // expected (our own messages for the keys already leave the value out).
            let detail = match [SECRET_KEY_REFUSED, SECRET_KEYS_REFUSED].into_iter().find(|r| message.starts_with(r.1))
            {
                Some((_, refused)) => refused.to_owned(),
                None if message.starts_with("unknown field") => {
                    message.split(", expected").next().unwrap_or_default().to_owned()
                }
                None => match message.split_once(", expected ").or_else(|| message.split_once("; expected ")) {
                    Some((_, expected)) => {
                        format!("{member} must be {}", expected.split(" at line ").next().unwrap_or_default())
                    }
                    None => format!("{member} is not valid"),
                },
            };
            let error = invalid(format!("the issuer configuration is malformed: {detail}"));
            if member.is_empty() || member == "." { error } else { error.at(member) }
        })
    }
}

/// The member and the message of a secret given with the wrong type.
const SECRET_KEY_REFUSED: (&str, &str) =
    ("hmacKeyHex", "hmacKeyHex must be a hex string (its value is a secret, so it is not shown)");
const SECRET_KEYS_REFUSED: (&str, &str) = (
    "previousHmacKeysHex",
    "previousHmacKeysHex must be a list of hex strings (its values are secrets, so they are not shown)",
);

/// Reads `hmacKeyHex`. A value of the wrong type is refused without quoting it, as serde would: the
/// value is a key, and a configuration error must not print it.
fn secret_hex<'de, D: serde::Deserializer<'de>>(deserializer: D) -> std::result::Result<Option<String>, D::Error> {
    match Option::<serde_json::Value>::deserialize(deserializer)? {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::String(hex)) => Ok(Some(hex)),
        Some(_) => Err(serde::de::Error::custom(SECRET_KEY_REFUSED.1)),
    }
}

/// Reads `previousHmacKeysHex`, refusing a wrong type without quoting the keys (see [`secret_hex`]).
fn secret_hex_list<'de, D: serde::Deserializer<'de>>(deserializer: D) -> std::result::Result<Vec<String>, D::Error> {
    let refused = || serde::de::Error::custom(SECRET_KEYS_REFUSED.1);
    let serde_json::Value::Array(keys) = serde_json::Value::deserialize(deserializer)? else { return Err(refused()) };
    keys.into_iter()
        .map(|key| match key {
            serde_json::Value::String(hex) => Ok(hex),
            _ => Err(refused()),
        })
        .collect()
}

/// Serde names for dialects (`"1.0"`, `"mattr"`, …).
impl Serialize for Dialect {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Dialect {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        name.parse().map_err(|e: Error| serde::de::Error::custom(e.message()))
    }
}

impl Serialize for InputMode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for InputMode {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        InputMode::parse(&name).ok_or_else(|| serde::de::Error::custom(format!("unknown input mode {name:?}")))
    }
}
