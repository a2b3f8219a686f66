//! The engine behind MATTR VII's offers API, with no I/O.
//!
//! | endpoint                                   | engine call                                              |
//! |--------------------------------------------|----------------------------------------------------------|
//! | `POST /v1/openid/offers`                   | [`Issuer::create_authorization_offer_json`]              |
//! | `POST /v1/openid/offers/pre-authorized`    | [`Issuer::create_pre_authorized_offer_json`] → response + [`OfferRecord`] |
//! | `DELETE /v1/openid/offers/pre-authorized/{id}` | [`Issuer::delete`]                                   |
//! | `POST /v1/oauth/token` (pre-authorized)    | [`TokenRequest::from_form`], then [`Issuer::redeem`]     |
//! | `GET` of an offer by reference             | [`Issuer::serve_offer`] (once)                           |
//!
//! Request bodies are read exactly as MATTR documents them, and a bad body is answered with *every*
//! problem found, in MATTR's error body ([`Error::to_mattr_body`]). Where MATTR is unsafe the engine
//! differs: `transactionCode` is a string, so leading zeros survive.
//!
//! Randomness is consumed in a fixed order, so fixed entropy reproduces a response byte for byte:
//! offer id (16 bytes), user id when none is given (16), pre-authorized code or reference token (32),
//! transaction code (rejection sampling, see [`generate_tx_code`]), transaction code salt (16).

use std::collections::BTreeMap;
use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::dialect::{Dialect, unsupported_tx_code};
use crate::error::{Error, ErrorKind, Result};
use crate::expiry::{ExpiresIn, ExpiryPolicy, format_rfc3339_millis};
use crate::json::{JsonMembers, JsonValue};
use crate::limits::{Limits, MAX_REQUEST_BODY_BYTES, too_long};
use crate::offer::{CredentialOffer, InputMode, MAX_DESCRIPTION_UTF16, OfferBuilder, TxCode, UrlRole, check_https_url};
use crate::record::{
    HMAC_SHA256, HmacKey, OfferRecord, OfferState, RedeemRules, Redemption, SALTED_SHA256, StoredTxCode,
    TokenErrorCode, TokenRequest, lookup_key, redeem,
};
use crate::secret::{
    Entropy, MAX_CODE_LENGTH, PRE_AUTHORIZED_CODE_BYTES, Secret, TEXT_ALPHABET, generate_from_alphabet,
    generate_issuer_state, generate_token, generate_uuid_v4, is_uuid,
};
use crate::uri::{BuildOptions, DEFAULT_BASE, offer_reference_uri};

/// The format identifier of ISO mdoc credentials.
pub const MDOC_FORMAT: &str = "mso_mdoc";
/// Where the reference token goes in [`IssuerConfig::offer_url_template`].
pub const TOKEN_PLACEHOLDER: &str = "{token}";
const SALT_BYTES: usize = 16;

/// Transaction codes: what is generated, and how many wrong ones an offer survives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
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
    pub hmac_key_hex: Option<String>,
    /// Keys replaced by `hmac_key_hex` (hex), kept after a rotation until the offers hashed under them
    /// have expired: they only verify. Each record names its key by [`StoredTxCode::key_id`].
    pub previous_hmac_keys_hex: Vec<String>,
    /// Accept `http` issuers and URLs. Meant for local testing only.
    pub allow_insecure_http: bool,
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
            allow_insecure_http: false,
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
    pub fn from_json(json: &str) -> Result<Self> {
        serde_json::from_str(json).map_err(|e| {
            Error::new(ErrorKind::InvalidConfiguration, format!("the issuer configuration is malformed: {e}"))
        })
    }
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

/// The body of `POST /v1/openid/offers`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AuthorizationOfferRequest {
    /// Credential configuration ids.
    pub credentials: Vec<String>,
    /// Hints for the wallet's authorization request (`login_hint`, `prompt`), string values only.
    pub request_parameters: Option<JsonMembers>,
}

/// The body of `POST /v1/openid/offers/pre-authorized`.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct PreAuthorizedOfferRequest {
    /// Credential configuration ids.
    pub credentials: Vec<String>,
    /// The user (a UUID); a new one is made when absent.
    pub user_id: Option<String>,
    /// Present: a transaction code is generated and required.
    pub transaction_code_configuration: Option<TransactionCodeConfiguration>,
    /// Claims available at issuance.
    pub claims: Option<JsonMembers>,
    /// Claim names to persist against the user; each must be in `claims`.
    pub claims_to_persist: Vec<String>,
    /// The offer's lifetime; the policy's default when absent.
    pub expires_in: Option<ExpiresIn>,
}

impl fmt::Debug for PreAuthorizedOfferRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PreAuthorizedOfferRequest")
            .field("credentials", &self.credentials)
            .field("user_id", &self.user_id)
            .field("transaction_code_configuration", &self.transaction_code_configuration)
            .field("claims", &self.claims.as_ref().map(|_| "[redacted]"))
            .field("claims_to_persist", &self.claims_to_persist)
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

/// `transactionCodeConfiguration`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TransactionCodeConfiguration {
    /// `numeric` or `text`; the policy's default when absent.
    pub input_mode: Option<InputMode>,
    /// The code's length; the policy's default when absent.
    pub length: Option<u32>,
    /// Guidance for the user, at most 300 UTF-16 code units.
    pub description: Option<String>,
}

/// The response of `POST /v1/openid/offers`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthorizationOffer {
    /// The offer URI.
    pub uri: String,
    /// The `issuer_state` in the offer, for the host to bind the later authorization request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer_state: Option<String>,
}

impl AuthorizationOffer {
    /// The response body, members in MATTR's order. (Serialising strings cannot fail.)
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// The response of `POST /v1/openid/offers/pre-authorized`.
#[derive(Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PreAuthorizedOfferResponse {
    /// The offer id (for DELETE).
    pub id: String,
    /// The user id.
    pub user_id: String,
    /// The offer URI.
    pub uri: String,
    /// Expiry, RFC 3339 UTC with milliseconds.
    pub expires_at: String,
    /// The transaction code to send the user on another channel, as a string (leading zeros survive).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transaction_code: Option<String>,
}

impl fmt::Debug for PreAuthorizedOfferResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PreAuthorizedOfferResponse")
            .field("id", &self.id)
            .field("user_id", &self.user_id)
            .field("uri", &"[redacted: carries the pre-authorized code]")
            .field("expires_at", &self.expires_at)
            .field("transaction_code", &self.transaction_code.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

impl PreAuthorizedOfferResponse {
    /// The response body, members in MATTR's order. (Serialising strings cannot fail.)
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// A created pre-authorized offer: the response for the API caller and the record for the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreAuthorizedOffer {
    /// What the endpoint answers.
    pub response: PreAuthorizedOfferResponse,
    /// What the host stores (no secret in plain text).
    pub record: OfferRecord,
}

/// An issuer: a checked configuration and the operations of MATTR VII's offers API.
#[derive(Clone)]
pub struct Issuer {
    config: IssuerConfig,
    /// The current key first, then the previous ones.
    hmac_keys: Vec<HmacKey>,
}

impl fmt::Debug for Issuer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The configuration redacts its key; the decoded key must not print either.
        f.debug_struct("Issuer").field("config", &self.config).field("hmac_keys", &self.hmac_keys).finish()
    }
}

impl Issuer {
    /// Checks a configuration and makes an issuer.
    ///
    /// ```
    /// use credoffer::{Issuer, IssuerConfig};
    ///
    /// let issuer = Issuer::new(IssuerConfig::from_json(
    ///     r#"{"credentialIssuer": "https://issuer.example.com",
    ///         "credentialConfigurations": {"mdl": "mso_mdoc"}}"#,
    /// )?)?;
    /// assert_eq!(issuer.config().tx_code.max_failed_attempts, 3);
    /// # Ok::<(), credoffer::Error>(())
    /// ```
    pub fn new(config: IssuerConfig) -> Result<Self> {
        let invalid =
            |field: &str, message: &str| Err(Error::new(ErrorKind::InvalidConfiguration, message.to_owned()).at(field));
        check_https_url(&config.credential_issuer, "credentialIssuer", config.allow_insecure_http, UrlRole::Issuer)?;
        if config.credential_configurations.is_empty() {
            return invalid("credentialConfigurations", "the issuer supports no credential configuration");
        }
        config.expiry.check()?;
        let policy = &config.tx_code;
        if policy.min_length == 0
            || policy.min_length > policy.max_length
            || policy.max_length > MAX_CODE_LENGTH
            || !(policy.min_length..=policy.max_length).contains(&policy.default_length)
        {
            return invalid(
                "txCode",
                &format!("transaction code lengths must satisfy 1 <= min <= default <= max <= {MAX_CODE_LENGTH}"),
            );
        }
        if policy.max_failed_attempts == 0 {
            return invalid("txCode.maxFailedAttempts", "at least one attempt must be allowed");
        }
        // Generating one code proves the alphabet is usable before any request depends on it.
        generate_from_alphabet(&policy.text_alphabet, 1, &mut crate::secret::FixedEntropy::new(vec![0u8; 8])).map_err(
            |e| Error::new(ErrorKind::InvalidConfiguration, e.message().to_owned()).at("txCode.textAlphabet"),
        )?;
        let build = BuildOptions {
            dialect: config.dialect,
            base: config.offer_base.clone(),
            allow_insecure_http: config.allow_insecure_http,
        };
        if let Some(template) = &config.offer_url_template {
            if template.matches(TOKEN_PLACEHOLDER).count() != 1 {
                return invalid("offerUrlTemplate", "the offer URL template needs exactly one {token}");
            }
            offer_reference_uri(&template.replace(TOKEN_PLACEHOLDER, "t"), &build)?;
        } else {
            offer_reference_uri(&config.credential_issuer, &build)?; // checks the base
        }
        let mut hmac_keys = Vec::new();
        if let Some(hex) = &config.hmac_key_hex {
            hmac_keys.push(HmacKey::from_hex(hex, "hmacKeyHex")?);
        } else if !config.previous_hmac_keys_hex.is_empty() {
            return invalid("previousHmacKeysHex", "previous HMAC keys need a current one (hmacKeyHex)");
        }
        for (index, hex) in config.previous_hmac_keys_hex.iter().enumerate() {
            hmac_keys.push(HmacKey::from_hex(hex, &format!("previousHmacKeysHex[{index}]"))?);
        }
        Ok(Self { config, hmac_keys })
    }

    /// The configuration.
    pub fn config(&self) -> &IssuerConfig {
        &self.config
    }

    fn build_options(&self) -> BuildOptions {
        BuildOptions {
            dialect: self.config.dialect,
            base: self.config.offer_base.clone(),
            allow_insecure_http: self.config.allow_insecure_http,
        }
    }

    /// `POST /v1/openid/offers` from its JSON body.
    pub fn create_authorization_offer_json(&self, body: &str, entropy: &mut dyn Entropy) -> Result<AuthorizationOffer> {
        let (request, problems) = AuthorizationOfferRequest::read(body)?;
        self.authorization_offer(&request, problems, entropy)
    }

    /// `POST /v1/openid/offers`: an Authorization Code flow offer.
    ///
    /// ```
    /// use credoffer::{AuthorizationOfferRequest, FixedEntropy, Issuer, IssuerConfig};
    ///
    /// let issuer = Issuer::new(IssuerConfig::mattr(
    ///     "https://myissuer.example.com",
    ///     [("707e920a-f342-443b-ae24-6946b7b5033e".to_owned(), "mso_mdoc".to_owned())].into(),
    /// ))?;
    /// let request = AuthorizationOfferRequest::from_json(r#"{"credentials": ["707e920a-f342-443b-ae24-6946b7b5033e"],
    ///     "request_parameters": {"login_hint": "user@example.com", "prompt": "login"}}"#)?;
    /// let offer = issuer.create_authorization_offer(&request, &mut FixedEntropy::new([]))?;
    /// assert!(offer.uri.starts_with("openid-credential-offer://?credential_offer=%7B%22credential_issuer%22"));
    /// # Ok::<(), credoffer::Error>(())
    /// ```
    pub fn create_authorization_offer(
        &self,
        request: &AuthorizationOfferRequest,
        entropy: &mut dyn Entropy,
    ) -> Result<AuthorizationOffer> {
        let mut problems = Vec::new();
        check_request_parameters(request.request_parameters.as_ref(), &mut problems);
        self.authorization_offer(request, problems, entropy)
    }

    fn authorization_offer(
        &self,
        request: &AuthorizationOfferRequest,
        mut problems: Vec<Error>,
        entropy: &mut dyn Entropy,
    ) -> Result<AuthorizationOffer> {
        self.check_credentials(&request.credentials, false, &mut problems);
        if !problems.is_empty() {
            return Err(Error::validation(problems));
        }
        let issuer_state = if self.config.generate_issuer_state { Some(generate_issuer_state(entropy)?) } else { None };
        let mut builder = OfferBuilder::new(&self.config.credential_issuer)
            .credential_configuration_ids(request.credentials.iter().cloned())
            .allow_insecure_http(self.config.allow_insecure_http);
        if let Some(state) = &issuer_state {
            builder = builder.authorization_code(Some(state.expose().to_owned()));
        }
        if let Some(parameters) = &request.request_parameters {
            builder = builder.extension("request_parameters", JsonValue::from_members(parameters));
        }
        let uri = builder.build()?.to_uri(&self.build_options())?;
        Ok(AuthorizationOffer { uri, issuer_state: issuer_state.map(|s| s.expose().to_owned()) })
    }

    /// `POST /v1/openid/offers/pre-authorized` from its JSON body.
    pub fn create_pre_authorized_offer_json(
        &self,
        body: &str,
        now: u64,
        entropy: &mut dyn Entropy,
    ) -> Result<PreAuthorizedOffer> {
        let (request, problems) = PreAuthorizedOfferRequest::read(body)?;
        self.pre_authorized_offer_with(&request, problems, now, entropy)
    }

    /// `POST /v1/openid/offers/pre-authorized`: a Pre-Authorized Code flow offer and its record.
    ///
    /// ```
    /// use credoffer::{FixedEntropy, Issuer, IssuerConfig, PreAuthorizedOfferRequest};
    ///
    /// let issuer = Issuer::new(IssuerConfig::new("https://issuer.example.com", [("mdl".to_owned(), "mso_mdoc".to_owned())].into()))?;
    /// let request = PreAuthorizedOfferRequest::from_json(
    ///     r#"{"credentials": ["mdl"], "transactionCodeConfiguration": {}, "expiresIn": {"minutes": 1}}"#,
    /// )?;
    /// let offer = issuer.create_pre_authorized_offer(&request, 1_746_057_600, &mut FixedEntropy::new([7u8; 128]))?;
    /// assert_eq!(offer.response.expires_at, "2025-05-01T00:01:00.000Z");
    /// assert_eq!(offer.response.transaction_code.as_deref(), Some("777777"));
    /// assert_eq!(offer.record.failed_attempts_left, 3);
    /// # Ok::<(), credoffer::Error>(())
    /// ```
    pub fn create_pre_authorized_offer(
        &self,
        request: &PreAuthorizedOfferRequest,
        now: u64,
        entropy: &mut dyn Entropy,
    ) -> Result<PreAuthorizedOffer> {
        self.pre_authorized_offer_with(request, Vec::new(), now, entropy)
    }

    fn pre_authorized_offer_with(
        &self,
        request: &PreAuthorizedOfferRequest,
        mut problems: Vec<Error>,
        now: u64,
        entropy: &mut dyn Entropy,
    ) -> Result<PreAuthorizedOffer> {
        self.check_credentials(&request.credentials, self.config.pre_authorized_mdoc_only, &mut problems);
        if let Some(user_id) = &request.user_id
            && !is_uuid(user_id)
        {
            problems.push(
                Error::new(ErrorKind::InvalidUserId, "userId must be a UUID").at("userId").with_value(json!(user_id)),
            );
        }
        if let Some(claims) = &request.claims {
            for (index, name) in request.claims_to_persist.iter().enumerate() {
                if !claims.contains_key(name) {
                    problems.push(
                        Error::new(ErrorKind::InvalidClaims, format!("claim {name:?} is not in claims"))
                            .at(format!("claimsToPersist[{index}]"))
                            .with_value(json!(name)),
                    );
                }
            }
        } else if !request.claims_to_persist.is_empty() {
            problems.push(
                Error::new(ErrorKind::InvalidClaims, "claimsToPersist names claims, but there are no claims")
                    .at("claimsToPersist"),
            );
        }
        let lifetime = self.config.expiry.lifetime(request.expires_in.as_ref()).map_err(|e| problems.push(e)).ok();
        let tx_code = request.transaction_code_configuration.as_ref().map(|c| self.tx_code_prompt(c, &mut problems));
        let Some(lifetime) = lifetime.filter(|_| problems.is_empty()) else {
            return Err(Error::validation(problems));
        };

        let id = generate_uuid_v4(entropy)?;
        let user_id = match &request.user_id {
            Some(user_id) => user_id.clone(),
            None => generate_uuid_v4(entropy)?,
        };
        let reference_token = generate_token(PRE_AUTHORIZED_CODE_BYTES, entropy)?;
        let (code, reference_hash) = match &self.config.offer_url_template {
            // By reference, the code derives from the token in the URL, so the record keeps neither.
            Some(_) => (code_from_reference(&reference_token), Some(lookup_key(reference_token.expose()))),
            None => (reference_token.clone(), None),
        };
        let (transaction_code, stored_tx_code) = match &tx_code {
            Some(prompt) => {
                let (code, stored) = self.new_tx_code(prompt, entropy)?;
                (Some(code), Some(stored))
            }
            None => (None, None),
        };
        let record = OfferRecord {
            id: id.clone(),
            version: 1,
            state: OfferState::Active,
            user_id: user_id.clone(),
            credential_configuration_ids: request.credentials.clone(),
            claims: request.claims.clone(),
            claims_to_persist: request.claims_to_persist.clone(),
            created_at: now,
            expires_at: now.saturating_add(lifetime),
            code_hash: lookup_key(code.expose()),
            tx_code: stored_tx_code,
            failed_attempts_left: self.config.tx_code.max_failed_attempts,
            reference_hash,
            offer_served: false,
            redeemed_at: None,
        };
        let uri = match &self.config.offer_url_template {
            Some(template) => offer_reference_uri(
                &template.replace(TOKEN_PLACEHOLDER, reference_token.expose()),
                &self.build_options(),
            )?,
            None => self.pre_authorized_offer(&record, &code)?.to_uri(&self.build_options())?,
        };
        let response = PreAuthorizedOfferResponse {
            id,
            user_id,
            uri,
            expires_at: format_rfc3339_millis(record.expires_at),
            transaction_code: transaction_code.map(|code| code.expose().to_owned()),
        };
        Ok(PreAuthorizedOffer { response, record })
    }

    fn pre_authorized_offer(&self, record: &OfferRecord, code: &Secret) -> Result<CredentialOffer> {
        let mut builder = OfferBuilder::new(&self.config.credential_issuer)
            .credential_configuration_ids(record.credential_configuration_ids.iter().cloned())
            .pre_authorized_code(code.expose())
            .allow_insecure_http(self.config.allow_insecure_http);
        if let Some(stored) = &record.tx_code {
            builder = builder.tx_code(stored.prompt());
        }
        builder.build()
    }

    /// Serves an offer by reference: the offer JSON for `GET <offer URL>`, once.
    ///
    /// `token` is the reference token from the URL path (the host finds the record by
    /// [`lookup_key`]`(token)` = `record.reference_hash`). Returns the JSON and the next record, which
    /// marks the offer served: a second fetch is refused ([`ErrorKind::OfferNotFound`]), as is a fetch of
    /// an offer that expired or can no longer be redeemed.
    pub fn serve_offer(&self, record: &OfferRecord, token: &str, now: u64) -> Result<(String, OfferRecord)> {
        let not_found = || Err(Error::new(ErrorKind::OfferNotFound, "no offer to serve at this address"));
        let Some(reference_hash) = &record.reference_hash else { return not_found() };
        // Constant time (subtle): a comparison that stops at the first differing byte would let a caller
        // who guesses tokens learn from response times how much of the stored hash each guess matched.
        if !crate::secret::constant_time_eq(lookup_key(token).as_bytes(), reference_hash.as_bytes())
            || record.offer_served
            || record.is_dead(now)
        {
            return not_found();
        }
        let code = code_from_reference(&Secret::new(token));
        let json = self.pre_authorized_offer(record, &code)?.to_json(self.config.dialect)?;
        let mut next = record.next();
        next.offer_served = true;
        Ok((json, next))
    }

    /// The token endpoint: redeems a pre-authorized code against its record.
    ///
    /// Checks, in order: the code matches the record (constant time); the offer is active (a second
    /// use asks the host to revoke tokens issued from it, RFC 9700 §4.2.4); not expired; a transaction
    /// code is sent exactly when required (`invalid_request`, no attempt used); the transaction code
    /// is right — a wrong one uses an attempt *before* anything is consumed, and the last one
    /// invalidates the offer for good. Only then is the offer redeemed, once.
    pub fn redeem(&self, record: &OfferRecord, request: &TokenRequest, now: u64) -> Result<Redemption> {
        let wrong_tx_code = match self.config.wrong_tx_code_error {
            WrongTxCodeError::InvalidGrant => TokenErrorCode::InvalidGrant,
            WrongTxCodeError::InvalidTxCode => TokenErrorCode::InvalidTxCode,
        };
        redeem(record, request, now, &RedeemRules { wrong_tx_code, hmac_keys: &self.hmac_keys })
    }

    /// The `{id}` of `DELETE /v1/openid/offers/pre-authorized/{id}`, checked before any lookup: offer ids are
    /// UUIDs, and MATTR answers anything else with a validation error naming `id` (400), not 404.
    ///
    /// ```
    /// assert!(credoffer::Issuer::check_offer_id("8241400f-de3b-42c5-ad7c-8a380039e796").is_ok());
    /// let error = credoffer::Issuer::check_offer_id("not-a-uuid").unwrap_err();
    /// assert_eq!((error.code(), error.http_status()), ("validation_failed", 400));
    /// assert_eq!(error.details()[0].field(), Some("id"));
    /// ```
    pub fn check_offer_id(id: &str) -> Result<()> {
        if is_uuid(id) {
            return Ok(());
        }
        let problem = Error::new(ErrorKind::InvalidType, "the offer id must be a UUID").at("id").with_value(json!(id));
        Err(Error::validation(vec![problem]))
    }

    /// `DELETE /v1/openid/offers/pre-authorized/{id}`: the offer can never be redeemed afterwards.
    /// Deleting a deleted offer is [`ErrorKind::OfferNotFound`] (404), as for an unknown id.
    pub fn delete(&self, record: &OfferRecord) -> Result<OfferRecord> {
        if record.state == OfferState::Deleted {
            return Err(Error::new(ErrorKind::OfferNotFound, "Resource Not Found").at("id"));
        }
        let mut next = record.next();
        next.state = OfferState::Deleted;
        Ok(next)
    }

    fn check_credentials(&self, credentials: &[String], mdoc_only: bool, problems: &mut Vec<Error>) {
        // One problem per cause: a list that is missing, not a list, or all blank entries was reported
        // already, and is not empty as well.
        let reported = problems.iter().any(|problem| {
            problem.field().is_some_and(|field| field == "credentials" || field.starts_with("credentials["))
        });
        if credentials.is_empty() && !reported {
            problems.push(
                Error::new(
                    ErrorKind::EmptyCredentialConfigurationIds,
                    "credentials must name at least one configuration",
                )
                .at("credentials")
                .with_value(json!([])),
            );
        }
        // An offer carries at most this many ids; checking more (each against every other) would let
        // one request buy quadratic work.
        let max = Limits::DEFAULT.max_credential_configuration_ids;
        if credentials.len() > max {
            problems.push(
                Error::new(ErrorKind::LimitExceeded, format!("credentials names more than {max} configurations"))
                    .at("credentials"),
            );
            return;
        }
        for (index, id) in credentials.iter().enumerate() {
            let field = format!("credentials[{index}]");
            let problem = if credentials.iter().take(index).any(|earlier| earlier == id) {
                Error::new(ErrorKind::DuplicateCredentialConfigurationId, format!("{id:?} appears more than once"))
            } else {
                match self.config.credential_configurations.get(id) {
                    None => Error::new(
                        ErrorKind::UnknownCredentialConfiguration,
                        format!("{id:?} is not a supported configuration"),
                    ),
                    Some(format) if mdoc_only && format != MDOC_FORMAT => Error::new(
                        ErrorKind::UnsupportedFormat,
                        format!("{id:?} is {format}; pre-authorized offers are limited to mso_mdoc"),
                    ),
                    Some(_) => continue,
                }
            };
            problems.push(problem.at(field).with_value(json!(id)));
        }
    }

    fn tx_code_prompt(&self, configuration: &TransactionCodeConfiguration, problems: &mut Vec<Error>) -> TxCode {
        let policy = &self.config.tx_code;
        let length = configuration.length.unwrap_or(policy.default_length);
        if !(policy.min_length..=policy.max_length).contains(&length) {
            problems.push(
                Error::new(
                    ErrorKind::InvalidTxCode,
                    format!("length must be {} to {}", policy.min_length, policy.max_length),
                )
                .at("transactionCodeConfiguration.length")
                .with_value(json!(length)),
            );
        }
        if let Some(description) = &configuration.description
            && description.encode_utf16().count() > MAX_DESCRIPTION_UTF16
        {
            problems.push(
                Error::new(
                    ErrorKind::DescriptionTooLong,
                    format!("description is longer than {MAX_DESCRIPTION_UTF16} characters"),
                )
                .at("transactionCodeConfiguration.description"),
            );
        }
        let prompt = TxCode {
            input_mode: Some(configuration.input_mode.unwrap_or(policy.default_input_mode)),
            length: Some(length),
            description: configuration.description.clone(),
            extensions: JsonMembers::new(),
        };
        // Checked with the request rather than when the URI is written: the answer names the request's
        // member, lists it with the other problems, and no secret is made for a request that fails.
        if let Some((member, error)) = unsupported_tx_code(&prompt, self.config.dialect) {
            let field = "transactionCodeConfiguration";
            if member == "length" {
                if (policy.min_length..=policy.max_length).contains(&length) {
                    problems.push(error.at(format!("{field}.length")).with_value(json!(length)));
                }
            } else {
                problems.push(
                    error.at(format!("{field}.inputMode")).with_value(json!(prompt.effective_input_mode().as_str())),
                );
            }
        }
        prompt
    }

    fn new_tx_code(&self, prompt: &TxCode, entropy: &mut dyn Entropy) -> Result<(Secret, StoredTxCode)> {
        let mode = prompt.effective_input_mode();
        let alphabet = match mode {
            InputMode::Numeric => "0123456789",
            InputMode::Text => self.config.tx_code.text_alphabet.as_str(),
        };
        let code =
            generate_from_alphabet(alphabet, prompt.length.unwrap_or(self.config.tx_code.default_length), entropy)?;
        let mut salt = [0u8; SALT_BYTES];
        entropy.fill(&mut salt)?;
        let key = self.hmac_keys.first();
        let algorithm = if key.is_some() { HMAC_SHA256 } else { SALTED_SHA256 };
        let hash = StoredTxCode::digest(algorithm, key.map(HmacKey::bytes), &salt, code.expose())?;
        let stored = StoredTxCode {
            algorithm: algorithm.to_owned(),
            key_id: key.map(|key| key.id.clone()),
            salt: URL_SAFE_NO_PAD.encode(salt),
            hash: URL_SAFE_NO_PAD.encode(hash),
            length: prompt.length,
            input_mode: mode.as_str().to_owned(),
            description: prompt.description.clone(),
        };
        Ok((code, stored))
    }
}

/// The pre-authorized code of an offer by reference: derived from the reference token, so the record
/// needs neither in plain text. Knowing the token already gives the offer (and so the code) to whoever
/// fetches it; the derivation adds no way in.
fn code_from_reference(token: &Secret) -> Secret {
    let digest = Sha256::new().chain_update(b"credoffer pre-authorized code\0").chain_update(token.expose()).finalize();
    Secret::new(URL_SAFE_NO_PAD.encode(digest))
}

/// Reading MATTR's request bodies, collecting every problem.
struct BodyReader {
    /// The members as sent; each is inspected as a `Value` when taken, except those kept verbatim.
    members: JsonMembers,
    problems: Vec<Error>,
}

impl BodyReader {
    fn new(body: &str) -> Result<Self> {
        if body.len() > MAX_REQUEST_BODY_BYTES {
            let error = too_long("the body", body.len(), MAX_REQUEST_BODY_BYTES).at("body");
            return Err(Error::validation(vec![error]));
        }
        let problem = |message: String| Error::validation(vec![Error::new(ErrorKind::InvalidJson, message).at("body")]);
        let body: JsonValue = serde_json::from_str(body).map_err(|e| problem(format!("the body is not JSON: {e}")))?;
        match body.to_members() {
            Some(members) => Ok(Self { members, problems: Vec::new() }),
            None => Err(problem("the body must be a JSON object".to_owned())),
        }
    }

    /// Takes member `name` out, to be inspected.
    fn take(&mut self, name: &str) -> Option<Value> {
        self.members.remove(name).map(|value| value.to_value())
    }

    fn problem(&mut self, kind: ErrorKind, message: &str, field: &str, value: &Value) {
        self.problems.push(Error::new(kind, message.to_owned()).at(field.to_owned()).with_value(value.clone()));
    }

    fn string_list(&mut self, name: &str, required: bool) -> Vec<String> {
        match self.take(name) {
            None if required => {
                self.problems
                    .push(Error::new(ErrorKind::MissingField, format!("{name} is required")).at(name.to_owned()));
                Vec::new()
            }
            None => Vec::new(),
            Some(Value::Array(items)) => {
                let mut strings = Vec::with_capacity(items.len());
                for (index, item) in items.iter().enumerate() {
                    match item {
                        Value::String(s) if !s.trim().is_empty() => strings.push(s.clone()),
                        Value::String(_) => {
                            self.problem(ErrorKind::BlankValue, "must not be blank", &format!("{name}[{index}]"), item)
                        }
                        _ => {
                            self.problem(ErrorKind::InvalidType, "must be a string", &format!("{name}[{index}]"), item)
                        }
                    }
                }
                strings
            }
            Some(other) => {
                self.problem(ErrorKind::InvalidType, "must be an array of strings", name, &other);
                Vec::new()
            }
        }
    }

    /// An object member to be inspected.
    fn object(&mut self, name: &str) -> Option<Map<String, Value>> {
        match self.take(name)? {
            Value::Object(object) => Some(object),
            other => {
                self.problem(ErrorKind::InvalidType, "must be an object", name, &other);
                None
            }
        }
    }

    /// An object member whose members are kept as they came (claims, request parameters).
    fn verbatim_object(&mut self, name: &str, kind: ErrorKind) -> Option<JsonMembers> {
        let value = self.members.remove(name)?;
        let members = value.to_members();
        if members.is_none() {
            self.problem(kind, "must be an object", name, &value.to_value());
        }
        members
    }

    fn string(&mut self, name: &str) -> Option<String> {
        match self.take(name)? {
            Value::String(s) => Some(s),
            other => {
                self.problem(ErrorKind::InvalidType, "must be a string", name, &other);
                None
            }
        }
    }

    /// The request read so far and every problem found, unknown members included.
    fn finish<T>(mut self, value: T) -> (T, Vec<Error>) {
        for (name, value) in std::mem::take(&mut self.members) {
            let value = value.to_value();
            self.problem(ErrorKind::UnknownMember, &format!("{name} is not a member of this request"), &name, &value);
        }
        (value, self.problems)
    }
}

/// The request, or every problem found in it.
fn into_result<T>((value, problems): (T, Vec<Error>)) -> Result<T> {
    if problems.is_empty() { Ok(value) } else { Err(Error::validation(problems)) }
}

/// Reads a non-negative integer member of a nested object, recording a problem otherwise.
fn take_count(
    object: &mut Map<String, Value>,
    name: &str,
    field: &str,
    kind: ErrorKind,
    problems: &mut Vec<Error>,
) -> Option<u64> {
    let value = object.remove(name)?;
    match value.as_u64() {
        Some(n) => Some(n),
        None => {
            problems.push(Error::new(kind, "must be a non-negative integer").at(field.to_owned()).with_value(value));
            None
        }
    }
}

fn reject_unknown(object: Map<String, Value>, prefix: &str, problems: &mut Vec<Error>) {
    for (name, value) in object {
        problems.push(
            Error::new(ErrorKind::UnknownMember, format!("{name} is not a member of {prefix}"))
                .at(format!("{prefix}.{name}"))
                .with_value(value),
        );
    }
}

impl AuthorizationOfferRequest {
    /// Reads the JSON body (at most [`MAX_REQUEST_BODY_BYTES`](crate::MAX_REQUEST_BODY_BYTES)), listing every
    /// problem ([`ErrorKind::ValidationFailed`]).
    pub fn from_json(body: &str) -> Result<Self> {
        into_result(Self::read(body)?)
    }

    fn read(body: &str) -> Result<(Self, Vec<Error>)> {
        let mut reader = BodyReader::new(body)?;
        let credentials = reader.string_list("credentials", true);
        let request_parameters = reader.verbatim_object("request_parameters", ErrorKind::InvalidType);
        check_request_parameters(request_parameters.as_ref(), &mut reader.problems);
        Ok(reader.finish(Self { credentials, request_parameters }))
    }
}

/// Request parameters go into the wallet's authorization request, where every value is a string.
fn check_request_parameters(parameters: Option<&JsonMembers>, problems: &mut Vec<Error>) {
    for (name, value) in parameters.into_iter().flatten() {
        if !value.is_string() {
            problems.push(
                Error::new(ErrorKind::InvalidType, "request parameters must be strings")
                    .at(format!("request_parameters.{name}"))
                    .with_value(value.to_value()),
            );
        }
    }
}

impl PreAuthorizedOfferRequest {
    /// Reads the JSON body (at most [`MAX_REQUEST_BODY_BYTES`](crate::MAX_REQUEST_BODY_BYTES)), listing every
    /// problem ([`ErrorKind::ValidationFailed`]).
    pub fn from_json(body: &str) -> Result<Self> {
        into_result(Self::read(body)?)
    }

    fn read(body: &str) -> Result<(Self, Vec<Error>)> {
        let mut reader = BodyReader::new(body)?;
        let credentials = reader.string_list("credentials", true);
        let user_id = reader.string("userId");
        let claims = reader.verbatim_object("claims", ErrorKind::InvalidClaims);
        let claims_to_persist = reader.string_list("claimsToPersist", false);
        let transaction_code_configuration = reader.object("transactionCodeConfiguration").map(|mut object| {
            let field = "transactionCodeConfiguration";
            let input_mode = match object.remove("inputMode") {
                None => None,
                Some(Value::String(mode)) if InputMode::parse(&mode).is_some() => InputMode::parse(&mode),
                Some(other) => {
                    reader.problem(
                        ErrorKind::InvalidTxCode,
                        "inputMode must be numeric or text",
                        &format!("{field}.inputMode"),
                        &other,
                    );
                    None
                }
            };
            let length_field = format!("{field}.length");
            let length =
                take_count(&mut object, "length", &length_field, ErrorKind::InvalidTxCode, &mut reader.problems)
                    .and_then(|n| match u32::try_from(n) {
                        Ok(n) => Some(n),
                        Err(_) => {
                            // Reported with the number as sent, not a clamped one.
                            reader.problems.push(
                                Error::new(ErrorKind::InvalidTxCode, "length is far beyond any transaction code")
                                    .at(length_field.clone())
                                    .with_value(json!(n)),
                            );
                            None
                        }
                    });
            let description = match object.remove("description") {
                None => None,
                Some(Value::String(s)) => Some(s),
                Some(other) => {
                    reader.problem(ErrorKind::InvalidType, "must be a string", &format!("{field}.description"), &other);
                    None
                }
            };
            reject_unknown(object, field, &mut reader.problems);
            TransactionCodeConfiguration { input_mode, length, description }
        });
        let expires_in = reader.object("expiresIn").map(|mut object| {
            let minutes =
                take_count(&mut object, "minutes", "expiresIn.minutes", ErrorKind::InvalidExpiry, &mut reader.problems);
            let seconds =
                take_count(&mut object, "seconds", "expiresIn.seconds", ErrorKind::InvalidExpiry, &mut reader.problems);
            reject_unknown(object, "expiresIn", &mut reader.problems);
            ExpiresIn { minutes, seconds }
        });
        Ok(reader.finish(Self {
            credentials,
            user_id,
            transaction_code_configuration,
            claims,
            claims_to_persist,
            expires_in,
        }))
    }
}

impl Error {
    /// The HTTP status a host answers this error with: 404 for an unknown offer, 500 when randomness
    /// failed or the issuer is misconfigured, 400 otherwise.
    pub fn http_status(&self) -> u16 {
        match self.kind() {
            ErrorKind::OfferNotFound => 404,
            ErrorKind::EntropyUnavailable | ErrorKind::InvalidConfiguration => 500,
            _ => 400,
        }
    }

    /// The error in MATTR VII's body shape: `{code, message, details: [{value, msg, param, location}]}`.
    ///
    /// ```
    /// use credoffer::PreAuthorizedOfferRequest;
    ///
    /// let err = PreAuthorizedOfferRequest::from_json(r#"{"credentials": [], "userId": 7}"#).unwrap_err();
    /// let body = err.to_mattr_body();
    /// assert_eq!(body["code"], "BadRequest");
    /// assert_eq!(body["details"][0]["param"], "userId");
    /// assert_eq!(body["details"][0]["location"], "body");
    /// ```
    pub fn to_mattr_body(&self) -> Value {
        match self.http_status() {
            404 => json!({"code": "NotFound", "message": "Resource Not Found"}),
            500 => json!({"code": "InternalServerError", "message": "Internal Server Error"}),
            _ => {
                let problems = if self.details().is_empty() { std::slice::from_ref(self) } else { self.details() };
                let details: Vec<Value> = problems
                    .iter()
                    .map(|problem| {
                        let mut detail = Map::new();
                        if let Some(value) = problem.value() {
                            detail.insert("value".into(), value.clone());
                        }
                        detail.insert("msg".into(), json!(problem.message()));
                        detail.insert("param".into(), json!(problem.field().unwrap_or("body")));
                        detail.insert("location".into(), json!("body"));
                        detail.insert("code".into(), json!(problem.code()));
                        Value::Object(detail)
                    })
                    .collect();
                json!({"code": "BadRequest", "message": "Validation Error", "details": details})
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dialect_limits_are_request_problems() {
        let issuer = Issuer::new(IssuerConfig {
            dialect: Dialect::Draft11,
            tx_code: TxCodePolicy { max_length: 10, ..TxCodePolicy::default() },
            ..IssuerConfig::new("https://issuer.example.com", [("mdl".to_owned(), MDOC_FORMAT.to_owned())].into())
        })
        .unwrap();
        let problem = |configuration: &str| {
            let body = format!(r#"{{"credentials":["mdl"],"transactionCodeConfiguration":{configuration}}}"#);
            let error = issuer.create_pre_authorized_offer_json(&body, 0, &mut NoEntropy).unwrap_err();
            let detail = error.details().first().cloned().unwrap();
            (error.code(), detail.code(), detail.field().map(str::to_owned), error.details().len())
        };
        let in_request = |member: &str| Some(format!("transactionCodeConfiguration.{member}"));
        assert_eq!(
            problem(r#"{"inputMode":"text"}"#),
            ("validation_failed", "unsupported_by_dialect", in_request("inputMode"), 1)
        );
        assert_eq!(
            problem(r#"{"length":9}"#),
            ("validation_failed", "unsupported_by_dialect", in_request("length"), 1)
        );
        assert_eq!(problem(r#"{"length":11}"#), ("validation_failed", "invalid_tx_code", in_request("length"), 1));
    }

    #[test]
    fn typed_requests_meet_the_json_rules() {
        let issuer = Issuer::new(IssuerConfig::new(
            "https://issuer.example.com",
            [("mdl".to_owned(), MDOC_FORMAT.to_owned())].into(),
        ))
        .unwrap();
        let mut parameters = JsonMembers::new();
        parameters.insert("login_hint", JsonValue::from_json("5").unwrap());
        let request =
            AuthorizationOfferRequest { credentials: vec!["mdl".into()], request_parameters: Some(parameters) };
        let error = issuer.create_authorization_offer(&request, &mut NoEntropy).unwrap_err();
        let detail = error.details().first().cloned().unwrap();
        assert_eq!(
            (error.code(), detail.code(), detail.field()),
            ("validation_failed", "invalid_type", Some("request_parameters.login_hint"))
        );
    }

    /// Entropy that must not be asked for: a request that fails validation makes no secret.
    struct NoEntropy;

    impl Entropy for NoEntropy {
        fn fill(&mut self, _: &mut [u8]) -> Result<()> {
            panic!("no entropy may be used for an invalid request")
        }
    }
}
