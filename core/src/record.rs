//! The server-side state of a pre-authorized offer, and the token endpoint's redemption of it.
//!
//! An [`OfferRecord`] is a plain serde value the host stores anywhere (a row, a Redis value). It holds
//! no secret in plain text: the pre-authorized code only as its SHA-256 (the lookup key), the
//! transaction code only salted and hashed (or under an HMAC key the host holds). Every transition
//! returns a new record with `version + 1`; the host writes it back with compare-and-swap on the
//! version it read, so two racing token requests cannot both succeed.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use percent_encoding::percent_decode_str;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::error::{Error, ErrorKind, Result};
use crate::json::JsonMembers;
use crate::limits::{MAX_TOKEN_REQUEST_BYTES, too_long};
use crate::offer::{PRE_AUTHORIZED_CODE_GRANT, TxCode};
use crate::secret::{Entropy as _, Secret, constant_time_eq};
use zeroize::Zeroizing;

/// Where an offer is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OfferState {
    /// Waiting to be redeemed.
    Active,
    /// Redeemed once; any further use is a replay.
    Redeemed,
    /// Killed by too many wrong transaction codes.
    Invalidated,
    /// Deleted by the issuer.
    Deleted,
}

impl OfferState {
    /// The stable name: `active`, `redeemed`, `invalidated`, `deleted`.
    pub const fn as_str(self) -> &'static str {
        match self {
            OfferState::Active => "active",
            OfferState::Redeemed => "redeemed",
            OfferState::Invalidated => "invalidated",
            OfferState::Deleted => "deleted",
        }
    }
}

/// How a transaction code is kept: never in plain text.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StoredTxCode {
    /// `sha256-salted`, or `hmac-sha256` when the issuer holds an HMAC key.
    pub algorithm: String,
    /// Which HMAC key: 16 hex digits of the key's SHA-256, naming it without revealing it. Records
    /// written before keys had ids have none and are checked under the current key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// Random salt, base64url.
    pub salt: String,
    /// The digest of salt and code, base64url.
    pub hash: String,
    /// What the offer told the wallet to ask for (no secret), so a by-reference offer can be rebuilt.
    pub length: Option<u32>,
    /// `numeric` or `text`.
    pub input_mode: String,
    /// The guidance shown to the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl fmt::Debug for StoredTxCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A short code's salted hash gives the code to anyone who tries every candidate (a million for
        // six digits): it stays out of logs like the code itself.
        f.debug_struct("StoredTxCode")
            .field("algorithm", &self.algorithm)
            .field("key_id", &self.key_id)
            .field("salt", &"[redacted]")
            .field("hash", &"[redacted]")
            .field("length", &self.length)
            .field("input_mode", &self.input_mode)
            .field("description", &self.description)
            .finish()
    }
}

/// An HMAC key for transaction codes, with the id records name it by.
#[derive(Clone)]
pub(crate) struct HmacKey {
    pub(crate) id: String,
    key: Zeroizing<Vec<u8>>,
}

impl HmacKey {
    /// Reads a key of at least 32 bytes written in hex; `field` names it in the error.
    pub(crate) fn from_hex(hex: &str, field: &str) -> Result<Self> {
        let key = crate::secret::FixedEntropy::from_hex(hex).ok().map(|mut entropy| {
            let mut key = Zeroizing::new(vec![0u8; entropy.remaining()]);
            let _ = entropy.fill(&mut key);
            key
        });
        match key {
            Some(key) if key.len() >= 32 => {
                let digest = Sha256::digest(key.as_slice());
                let id = digest.iter().take(8).map(|byte| format!("{byte:02x}")).collect();
                Ok(Self { id, key })
            }
            _ => Err(Error::new(ErrorKind::InvalidConfiguration, "an HMAC key must be at least 32 bytes, in hex")
                .at(field.to_owned())),
        }
    }

    pub(crate) fn bytes(&self) -> &[u8] {
        &self.key
    }
}

impl fmt::Debug for HmacKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HmacKey").field("id", &self.id).field("key", &"[redacted]").finish()
    }
}

pub(crate) const SALTED_SHA256: &str = "sha256-salted";
pub(crate) const HMAC_SHA256: &str = "hmac-sha256";

impl StoredTxCode {
    pub(crate) fn digest(algorithm: &str, key: Option<&[u8]>, salt: &[u8], code: &str) -> Result<Vec<u8>> {
        match (algorithm, key) {
            (SALTED_SHA256, _) => {
                Ok(Sha256::new().chain_update(salt).chain_update(code.as_bytes()).finalize().to_vec())
            }
            (HMAC_SHA256, Some(key)) => {
                let mut mac = Hmac::<Sha256>::new_from_slice(key).map_err(|_| {
                    Error::new(ErrorKind::InvalidConfiguration, "the HMAC key is unusable").at("hmacKeyHex")
                })?;
                mac.update(salt);
                mac.update(code.as_bytes());
                Ok(mac.finalize().into_bytes().to_vec())
            }
            (HMAC_SHA256, None) => Err(Error::new(
                ErrorKind::InvalidConfiguration,
                "the record's transaction code is keyed, but the issuer has no HMAC key",
            )
            .at("hmacKeyHex")),
            (other, _) => {
                Err(Error::new(ErrorKind::InvalidRecord, format!("unknown transaction code algorithm {other:?}"))
                    .at("txCode.algorithm"))
            }
        }
    }

    /// Whether `code` is the stored transaction code, compared in constant time. `keys` are the issuer's
    /// HMAC keys, current first.
    pub(crate) fn matches(&self, keys: &[HmacKey], code: &str) -> Result<bool> {
        let salt = decode_b64(&self.salt, "txCode.salt")?;
        let expected = decode_b64(&self.hash, "txCode.hash")?;
        let key = match &self.key_id {
            None => keys.first(),
            Some(id) => Some(keys.iter().find(|key| &key.id == id).ok_or_else(|| {
                // Not a wrong code: counting it would burn the user's attempts for the host's mistake.
                Error::new(
                    ErrorKind::InvalidConfiguration,
                    format!("the HMAC key {id} that hashed this transaction code is not configured"),
                )
                .at("previousHmacKeysHex")
            })?),
        };
        let actual = Self::digest(&self.algorithm, key.map(HmacKey::bytes), &salt, code)?;
        // Constant time (subtle): transaction codes are short, so no comparison of them or of their
        // digests may reveal through its timing how far a wrong guess matched.
        Ok(constant_time_eq(&actual, &expected))
    }

    /// The prompt the offer carried.
    pub fn prompt(&self) -> TxCode {
        TxCode {
            input_mode: crate::offer::InputMode::parse(&self.input_mode),
            length: self.length,
            description: self.description.clone(),
            extensions: JsonMembers::new(),
        }
    }
}

fn decode_b64(value: &str, field: &str) -> Result<Vec<u8>> {
    URL_SAFE_NO_PAD
        .decode(value)
        .map_err(|_| Error::new(ErrorKind::InvalidRecord, "not base64url without padding").at(field.to_owned()))
}

/// The SHA-256 of a secret, base64url: how a record finds and checks a code without storing it.
///
/// ```
/// assert_eq!(credoffer::lookup_key("abc"), "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0");
/// ```
pub fn lookup_key(secret: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(secret.as_bytes()))
}

/// The server-side state of one pre-authorized offer.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OfferRecord {
    /// The offer id (UUID v4), as in MATTR's response and DELETE path.
    pub id: String,
    /// Incremented by every transition, for compare-and-swap.
    pub version: u64,
    /// Where the offer is in its life.
    pub state: OfferState,
    /// The user the offer is for.
    pub user_id: String,
    /// The offered credential configuration ids.
    pub credential_configuration_ids: Vec<String>,
    /// Claims available at issuance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claims: Option<JsonMembers>,
    /// Claim names to persist against the user.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub claims_to_persist: Vec<String>,
    /// Creation time, Unix seconds.
    pub created_at: u64,
    /// Expiry time, Unix seconds: the offer is dead from this second on.
    pub expires_at: u64,
    /// [`lookup_key`] of the pre-authorized code.
    pub code_hash: String,
    /// The transaction code, hashed, when one is required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tx_code: Option<StoredTxCode>,
    /// Wrong transaction codes still tolerated; at zero the offer is invalidated.
    pub failed_attempts_left: u32,
    /// For offers by reference: [`lookup_key`] of the reference token in the offer URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_hash: Option<String>,
    /// For offers by reference: whether the offer JSON was served (it is served once).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub offer_served: bool,
    /// When the offer was redeemed, Unix seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redeemed_at: Option<u64>,
}

impl fmt::Debug for OfferRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Hashes are not secrets, but claims are personal data: leave them out of logs.
        f.debug_struct("OfferRecord")
            .field("id", &self.id)
            .field("version", &self.version)
            .field("state", &self.state)
            .field("credential_configuration_ids", &self.credential_configuration_ids)
            .field("expires_at", &self.expires_at)
            .field("failed_attempts_left", &self.failed_attempts_left)
            .field("claims", &self.claims.as_ref().map(|_| "[redacted]"))
            .finish_non_exhaustive()
    }
}

impl OfferRecord {
    /// Reads a stored record.
    pub fn from_json(json: &str) -> Result<Self> {
        serde_json::from_str(json)
            .map_err(|e| Error::new(ErrorKind::InvalidRecord, format!("the record is malformed: {e}")))
    }

    /// The record as JSON for storage.
    pub fn to_json(&self) -> String {
        // A record is strings, numbers and JSON values: serialising cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Whether the offer can no longer be redeemed at `now` (expired, or no longer active).
    pub fn is_dead(&self, now: u64) -> bool {
        self.state != OfferState::Active || now >= self.expires_at
    }

    pub(crate) fn next(&self) -> Self {
        Self { version: self.version.saturating_add(1), ..self.clone() }
    }
}

/// A token request of the pre-authorized code grant (OpenID4VCI 1.0 §6.1), read from its form body.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenRequest {
    /// The pre-authorized code.
    pub pre_authorized_code: Secret,
    /// The transaction code the user typed, if sent (`tx_code`, or `user_pin` before draft 13).
    pub tx_code: Option<Secret>,
    /// The client id, if sent.
    pub client_id: Option<String>,
}

impl fmt::Debug for TokenRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenRequest")
            .field("pre_authorized_code", &self.pre_authorized_code)
            .field("tx_code", &self.tx_code)
            .field("client_id", &self.client_id)
            .finish()
    }
}

impl TokenRequest {
    /// Reads an `application/x-www-form-urlencoded` token request body (at most
    /// [`MAX_TOKEN_REQUEST_BYTES`](crate::MAX_TOKEN_REQUEST_BYTES)).
    ///
    /// ```
    /// use credoffer::TokenRequest;
    ///
    /// let request = TokenRequest::from_form(
    ///     "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Apre-authorized_code\
    ///      &pre-authorized_code=SplxlOBeZQQYbYS6WxSbIA&tx_code=493536",
    /// )?;
    /// assert_eq!(request.pre_authorized_code.expose(), "SplxlOBeZQQYbYS6WxSbIA");
    /// assert_eq!(request.tx_code.as_ref().map(|c| c.expose()), Some("493536"));
    /// # Ok::<(), credoffer::Error>(())
    /// ```
    pub fn from_form(body: &str) -> Result<Self> {
        if body.len() > MAX_TOKEN_REQUEST_BYTES {
            return Err(too_long("the token request", body.len(), MAX_TOKEN_REQUEST_BYTES));
        }
        let invalid = |message: String, field: &str| Err(Error::new(ErrorKind::InvalidTokenRequest, message).at(field));
        let mut grant_type = None;
        let mut code = None;
        let mut tx_code = None;
        let mut client_id = None;
        for pair in body.split('&').filter(|pair| !pair.is_empty()) {
            let (raw_name, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
            // A name that does not decode names no parameter: the fault is the body's.
            let name = form_decode(raw_name, "body")?;
            let slot = match name.as_str() {
                "grant_type" => &mut grant_type,
                "pre-authorized_code" => &mut code,
                // Drafts up to 12 (whose offers say `user_pin_required`) send the code as `user_pin`.
                "tx_code" | "user_pin" => &mut tx_code,
                "client_id" => &mut client_id,
                _ => continue, // RFC 6749 §3.2: unknown parameters are ignored
            };
            if slot.is_some() {
                // RFC 6749 §3.2: "Request and response parameters MUST NOT be included more than once."
                return invalid(format!("{name} appears more than once"), &name);
            }
            *slot = Some(form_decode(raw_value, &name)?);
        }
        // RFC 6749 §3.1: "Parameters sent without a value MUST be treated as if they were omitted."
        let [grant_type, code, tx_code, client_id] =
            [grant_type, code, tx_code, client_id].map(|value| value.filter(|value| !value.is_empty()));
        match grant_type.as_deref() {
            None => return invalid("the request has no grant_type".into(), "grant_type"),
            Some(PRE_AUTHORIZED_CODE_GRANT) => {}
            Some(other) => {
                return Err(Error::new(
                    ErrorKind::UnsupportedGrantType,
                    format!("grant type {other:?} is not redeemed here; expected the pre-authorized code grant"),
                )
                .at("grant_type"));
            }
        }
        let Some(code) = code.filter(|code| !code.is_empty()) else {
            return invalid("the request has no pre-authorized_code".into(), "pre-authorized_code");
        };
        Ok(Self { pre_authorized_code: Secret::new(code), tx_code: tx_code.map(Secret::new), client_id })
    }
}

/// Form decoding: `+` is a space, then `%XX` escapes.
fn form_decode(raw: &str, field: &str) -> Result<String> {
    let spaced = raw.replace('+', " ");
    percent_decode_str(&spaced).decode_utf8().map(|value| value.into_owned()).map_err(|_| {
        Error::new(ErrorKind::InvalidTokenRequest, "a parameter is not UTF-8 after decoding").at(field.to_owned())
    })
}

/// The OAuth error codes a token endpoint answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenErrorCode {
    /// The code is unknown, expired, used, invalidated or deleted — or (1.0) the transaction code is wrong.
    InvalidGrant,
    /// A transaction code is missing when required, or sent when none was set; or the body is malformed.
    InvalidRequest,
    /// OpenID4VCI 1.1: the transaction code is wrong.
    InvalidTxCode,
    /// The grant type is not the pre-authorized code grant.
    UnsupportedGrantType,
}

impl TokenErrorCode {
    /// The wire value.
    pub const fn as_str(self) -> &'static str {
        match self {
            TokenErrorCode::InvalidGrant => "invalid_grant",
            TokenErrorCode::InvalidRequest => "invalid_request",
            TokenErrorCode::InvalidTxCode => "invalid_tx_code",
            TokenErrorCode::UnsupportedGrantType => "unsupported_grant_type",
        }
    }
}

const UNKNOWN_CODE: &str = "the pre-authorized code is not valid";

/// A refused token request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenError {
    /// The OAuth error code.
    pub error: TokenErrorCode,
    /// A description safe to send to the wallet (it never contains a code).
    pub description: String,
    /// After a wrong transaction code: how many more wrong codes the offer tolerates.
    pub failed_attempts_left: Option<u32>,
    /// The code was used before: revoke every token issued from it (RFC 9700 §4.2.4).
    pub revoke_issued_tokens: bool,
}

impl TokenError {
    fn new(error: TokenErrorCode, description: &str) -> Self {
        Self { error, description: description.to_owned(), failed_attempts_left: None, revoke_issued_tokens: false }
    }

    /// The answer when no record matches the pre-authorized code (the host found none by
    /// [`lookup_key`]): `invalid_grant`, worded as for a code that does not match a record, so an
    /// unknown code and a deleted offer cannot be told apart.
    pub fn unknown_code() -> Self {
        Self::new(TokenErrorCode::InvalidGrant, UNKNOWN_CODE)
    }

    /// The response body: `{"error", "error_description"}`.
    pub fn to_json(&self) -> String {
        json!({"error": self.error.as_str(), "error_description": self.description}).to_string()
    }

    /// The HTTP status to answer with (400 for every token error, RFC 6749 §5.2).
    pub const fn http_status(&self) -> u16 {
        400
    }

    /// The token error for a request body that [`TokenRequest::from_form`] refused.
    pub fn from_request_error(error: &Error) -> Self {
        let code = match error.kind() {
            ErrorKind::UnsupportedGrantType => TokenErrorCode::UnsupportedGrantType,
            _ => TokenErrorCode::InvalidRequest,
        };
        Self::new(code, error.message())
    }
}

/// What the host does after a redemption.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RedeemOutcome {
    /// Issue the access token for these credentials.
    Issued {
        /// The user the offer is for.
        user_id: String,
        /// The offered configurations (scope the token to them, §6.1).
        credential_configuration_ids: Vec<String>,
    },
    /// Refuse with this error.
    Rejected(TokenError),
}

/// The result of [`crate::Issuer::redeem`]: the record to store (when changed) and what to answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redemption {
    /// The next record. Store it with compare-and-swap on the version read, when `changed`.
    pub record: OfferRecord,
    /// Whether the record changed (a transition happened).
    pub changed: bool,
    /// What to answer.
    pub outcome: RedeemOutcome,
}

/// Options of the redemption state machine, taken from the issuer's configuration.
pub(crate) struct RedeemRules<'a> {
    pub(crate) wrong_tx_code: TokenErrorCode,
    pub(crate) hmac_keys: &'a [HmacKey],
}

/// The redemption state machine. Checks run in an order that never consumes the code before the
/// transaction code is checked, and never counts an attempt for a malformed request.
pub(crate) fn redeem(
    record: &OfferRecord,
    request: &TokenRequest,
    now: u64,
    rules: &RedeemRules<'_>,
) -> Result<Redemption> {
    let unchanged = |error: TokenError| Redemption {
        record: record.clone(),
        changed: false,
        outcome: RedeemOutcome::Rejected(error),
    };
    // RFC 9700 §4.2.4: a code used twice means the tokens issued from it may be in the wrong hands.
    let replayed = || {
        let mut error = TokenError::new(TokenErrorCode::InvalidGrant, "the pre-authorized code was already used");
        error.revoke_issued_tokens = true;
        error
    };
    let code_hash = lookup_key(request.pre_authorized_code.expose());
    // Constant time (subtle): the code is a bearer secret, and an early exit would tell a caller from
    // response times how many leading bytes of the stored lookup key a guessed code matched.
    if !constant_time_eq(code_hash.as_bytes(), record.code_hash.as_bytes()) {
        return Ok(unchanged(TokenError::unknown_code()));
    }
    match record.state {
        OfferState::Active => {}
        OfferState::Redeemed => return Ok(unchanged(replayed())),
        OfferState::Invalidated => {
            return Ok(unchanged(TokenError::new(
                TokenErrorCode::InvalidGrant,
                "the offer was invalidated after too many wrong transaction codes",
            )));
        }
        // Deleting a redeemed offer does not make a replay harmless: the tokens issued from it are out there.
        OfferState::Deleted if record.redeemed_at.is_some() => return Ok(unchanged(replayed())),
        OfferState::Deleted => {
            return Ok(unchanged(TokenError::unknown_code()));
        }
    }
    if now >= record.expires_at {
        return Ok(unchanged(TokenError::new(TokenErrorCode::InvalidGrant, "the pre-authorized code has expired")));
    }
    match (&record.tx_code, &request.tx_code) {
        (Some(_), None) => {
            return Ok(unchanged(TokenError::new(TokenErrorCode::InvalidRequest, "a transaction code is required")));
        }
        (None, Some(_)) => {
            return Ok(unchanged(TokenError::new(
                TokenErrorCode::InvalidRequest,
                "this offer has no transaction code, but one was sent",
            )));
        }
        (Some(stored), Some(sent)) if !stored.matches(rules.hmac_keys, sent.expose())? => {
            let mut next = record.next();
            next.failed_attempts_left = record.failed_attempts_left.saturating_sub(1);
            let mut error = TokenError::new(rules.wrong_tx_code, "the transaction code is wrong");
            if next.failed_attempts_left == 0 {
                next.state = OfferState::Invalidated;
                error.description = "the transaction code is wrong; the offer is now invalidated".into();
                error.error = TokenErrorCode::InvalidGrant;
            }
            error.failed_attempts_left = Some(next.failed_attempts_left);
            return Ok(Redemption { record: next, changed: true, outcome: RedeemOutcome::Rejected(error) });
        }
        _ => {}
    }
    let mut next = record.next();
    next.state = OfferState::Redeemed;
    next.redeemed_at = Some(now);
    Ok(Redemption {
        outcome: RedeemOutcome::Issued {
            user_id: record.user_id.clone(),
            credential_configuration_ids: record.credential_configuration_ids.clone(),
        },
        record: next,
        changed: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_request_errors() {
        let code = |body: &str| TokenRequest::from_form(body).err().map(|e| e.code()).unwrap_or("ok");
        let grant = "grant_type=urn:ietf:params:oauth:grant-type:pre-authorized_code";
        assert_eq!(code(&format!("{grant}&pre-authorized_code=a")), "ok");
        assert_eq!(code("pre-authorized_code=a"), "invalid_token_request");
        assert_eq!(code(grant), "invalid_token_request");
        assert_eq!(code(&format!("{grant}&pre-authorized_code=")), "invalid_token_request");
        assert_eq!(code(&format!("{grant}&pre-authorized_code=a&pre-authorized_code=b")), "invalid_token_request");
        assert_eq!(code("grant_type=authorization_code&code=x"), "unsupported_grant_type");
        assert_eq!(code(&format!("{grant}&pre-authorized_code=%FF")), "invalid_token_request");
        let request =
            TokenRequest::from_form(&format!("{grant}&pre-authorized_code=a%2Bb+c&tx_code=0012&x=1")).unwrap();
        assert_eq!(request.pre_authorized_code.expose(), "a+b c");
        assert_eq!(request.tx_code.unwrap().expose(), "0012");
        let error = TokenError::from_request_error(&TokenRequest::from_form("grant_type=password").unwrap_err());
        assert_eq!(
            error.to_json(),
            r#"{"error":"unsupported_grant_type","error_description":"grant type \"password\" is not redeemed here; expected the pre-authorized code grant"}"#
        );
    }

    #[test]
    fn empty_parameters_are_omitted_ones() {
        let grant = "grant_type=urn:ietf:params:oauth:grant-type:pre-authorized_code";
        let request = TokenRequest::from_form(&format!("{grant}&pre-authorized_code=a&tx_code=&client_id=")).unwrap();
        assert_eq!((request.tx_code, request.client_id), (None, None));
        let error = TokenRequest::from_form("grant_type=&pre-authorized_code=a").unwrap_err();
        assert_eq!((error.code(), error.field()), ("invalid_token_request", Some("grant_type")));
    }

    #[test]
    fn a_keyed_code_without_the_key_names_the_configuration_member() {
        let error = StoredTxCode::digest(HMAC_SHA256, None, b"salt", "0042").unwrap_err();
        assert_eq!((error.code(), error.field()), ("invalid_configuration", Some("hmacKeyHex")));
    }

    #[test]
    fn legacy_user_pin_is_the_tx_code() {
        let grant = "grant_type=urn:ietf:params:oauth:grant-type:pre-authorized_code&pre-authorized_code=a";
        let request = TokenRequest::from_form(&format!("{grant}&user_pin=0042")).unwrap();
        assert_eq!(request.tx_code.unwrap().expose(), "0042");
        let both = TokenRequest::from_form(&format!("{grant}&tx_code=0042&user_pin=0042")).unwrap_err();
        assert_eq!((both.code(), both.field()), ("invalid_token_request", Some("user_pin")));
    }

    #[test]
    fn a_name_that_does_not_decode_is_the_body_s_fault() {
        let error = TokenRequest::from_form("%FF=1&grant_type=x").unwrap_err();
        assert_eq!((error.code(), error.field()), ("invalid_token_request", Some("body")));
        let error = TokenRequest::from_form("tx_code=%FF").unwrap_err();
        assert_eq!(error.field(), Some("tx_code"));
    }

    #[test]
    fn state_names_are_the_stored_ones() {
        for (state, name) in [
            (OfferState::Active, "active"),
            (OfferState::Redeemed, "redeemed"),
            (OfferState::Invalidated, "invalidated"),
            (OfferState::Deleted, "deleted"),
        ] {
            assert_eq!(state.as_str(), name);
            assert_eq!(serde_json::to_value(state).unwrap(), serde_json::Value::from(name));
        }
    }

    #[test]
    fn unknown_code_is_invalid_grant() {
        let error = TokenError::unknown_code();
        assert_eq!(
            (error.error, error.failed_attempts_left, error.revoke_issued_tokens),
            (TokenErrorCode::InvalidGrant, None, false)
        );
        assert_eq!(
            error.to_json(),
            r#"{"error":"invalid_grant","error_description":"the pre-authorized code is not valid"}"#
        );
    }

    #[test]
    fn debug_hides_secrets_and_claims() {
        let request = TokenRequest::from_form(
            "grant_type=urn:ietf:params:oauth:grant-type:pre-authorized_code&pre-authorized_code=TOPSECRET&tx_code=123456",
        )
        .unwrap();
        let debug = format!("{request:?}");
        assert!(!debug.contains("TOPSECRET") && !debug.contains("123456"), "{debug}");
    }
}
