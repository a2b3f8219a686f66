//! The server-side state of a pre-authorized offer. The token endpoint ([`crate::token`]) moves it on.
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
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, ErrorKind, Result};
use crate::json::JsonMembers;
use crate::offer::TxCode;
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
/// assert_eq!(credoffer::record::lookup_key("abc"), "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0");
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
    /// For offers by reference: the pre-authorized code sealed under a key derived from the reference
    /// token ([`seal_code`]), so the offer can be served again without the record holding the code, and
    /// without the URL alone giving it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed_code: Option<String>,
    /// For offers by reference: how often the offer JSON was served.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub fetch_count: u32,
    /// When the offer was first served by reference, Unix seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_fetched_at: Option<u64>,
    /// When the offer was last served by reference, Unix seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_fetched_at: Option<u64>,
    /// When the offer was redeemed, Unix seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redeemed_at: Option<u64>,
    /// When the last allowed wrong transaction code invalidated the offer, Unix seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invalidated_at: Option<u64>,
    /// When the issuer deleted the offer, Unix seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<u64>,
    /// When the redeemed code was first presented again, Unix seconds (reported once).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replayed_at: Option<u64>,
    /// Whether the offer's expiry was reported (an `offer.expired` event is sent once).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub expiry_reported: bool,
    /// The access token issued when the offer was redeemed: what introspection answers from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token: Option<AccessTokenRecord>,
}

/// The access token a redemption issued (one per redemption), kept as its lookup key only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct AccessTokenRecord {
    /// [`lookup_key`] of the token: the host finds the record by it, and never stores the token.
    pub token_hash: String,
    /// When it was issued, Unix seconds.
    pub issued_at: u64,
    /// When it stops being valid, Unix seconds.
    pub expires_at: u64,
    /// The `client_id` the wallet sent with its token request, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// Revoked because the pre-authorized code was presented again (RFC 9700 §4.2.4).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub revoked: bool,
}

impl AccessTokenRecord {
    /// The record of `token`, issued at `now` for `lifetime` seconds.
    pub(crate) fn new(token: &str, now: u64, lifetime: u64, client_id: Option<String>) -> Self {
        Self {
            token_hash: lookup_key(token),
            issued_at: now,
            expires_at: now.saturating_add(lifetime),
            client_id,
            revoked: false,
        }
    }
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

    /// Until when (Unix seconds) the host keeps the record: while the offer can be redeemed, and while the
    /// access token issued from it can be introspected. A host may delete it from this second on.
    ///
    /// ```
    /// # let json = r#"{"id":"8241400f-de3b-42c5-ad7c-8a380039e796","version":1,"state":"active","userId":"u",
    /// #   "credentialConfigurationIds":["mdl"],"createdAt":1000,"expiresAt":1300,"codeHash":"h","failedAttemptsLeft":3}"#;
    /// let record = credoffer::OfferRecord::from_json(json)?;
    /// assert_eq!(record.keep_until(), 1300);
    /// # Ok::<(), credoffer::Error>(())
    /// ```
    pub fn keep_until(&self) -> u64 {
        self.access_token.as_ref().map_or(self.expires_at, |token| self.expires_at.max(token.expires_at))
    }

    /// What a status page shows at `now`: where the offer is, and when each step happened. No secret,
    /// no hash, no claim.
    ///
    /// ```
    /// # let json = r#"{"id":"8241400f-de3b-42c5-ad7c-8a380039e796","version":3,"state":"active","userId":"u",
    /// #   "credentialConfigurationIds":["mdl"],"createdAt":1000,"expiresAt":1300,"codeHash":"h","failedAttemptsLeft":2,
    /// #   "fetchCount":2,"firstFetchedAt":1010,"lastFetchedAt":1020}"#;
    /// let record = credoffer::OfferRecord::from_json(json)?;
    /// assert_eq!(record.status(1100).state(), "active");
    /// assert_eq!(record.status(1300).state(), "expired");
    /// assert!(record.status(1100).to_json().contains(r#""fetchCount":2,"firstFetchedAt":"1970-01-01T00:16:50.000Z""#));
    /// # Ok::<(), credoffer::Error>(())
    /// ```
    pub fn status(&self, now: u64) -> OfferStatus<'_> {
        OfferStatus { record: self, now }
    }

    pub(crate) fn next(&self) -> Self {
        Self { version: self.version.saturating_add(1), ..self.clone() }
    }
}

fn is_zero(count: &u32) -> bool {
    *count == 0
}

/// An offer's status at one moment ([`OfferRecord::status`]).
#[derive(Debug, Clone, Copy)]
pub struct OfferStatus<'a> {
    record: &'a OfferRecord,
    now: u64,
}

impl OfferStatus<'_> {
    /// `active`, `redeemed`, `invalidated`, `deleted`, or `expired` for an active offer past its expiry.
    pub fn state(&self) -> &'static str {
        match self.record.state {
            OfferState::Active if self.now >= self.record.expires_at => "expired",
            state => state.as_str(),
        }
    }

    pub(crate) fn record(&self) -> &OfferRecord {
        self.record
    }
}

/// The label of the key a by-reference code is sealed under: one purpose, one key.
const SEAL_LABEL: &[u8] = b"credoffer sealed pre-authorized code v1";

/// Seals a pre-authorized code's random bytes (the code is their base64url) under the reference token of
/// its offer URL: the bytes XOR HMAC-SHA-256(token, label). Every token is fresh randomness used for one
/// code, so the key stream is used once; reading the code back needs both the record and the URL.
pub(crate) fn seal_code(token: &str, code: &[u8]) -> Result<String> {
    Ok(URL_SAFE_NO_PAD.encode(xor_with_seal_key(token, code)?))
}

/// The code [`seal_code`] sealed, checked against the record's `code_hash`: a wrong token or a damaged
/// record gives an error, never a wrong code.
pub(crate) fn unseal_code(record: &OfferRecord, token: &str) -> Result<Secret> {
    let sealed = record.sealed_code.as_deref().ok_or_else(|| {
        Error::new(ErrorKind::InvalidRecord, "the record of an offer by reference holds no sealed code")
            .at("sealedCode")
    })?;
    let bytes = Zeroizing::new(xor_with_seal_key(token, &decode_b64(sealed, "sealedCode")?)?);
    let code = Secret::new(URL_SAFE_NO_PAD.encode(bytes.as_slice()));
    if !constant_time_eq(lookup_key(code.expose()).as_bytes(), record.code_hash.as_bytes()) {
        return Err(
            Error::new(ErrorKind::InvalidRecord, "the sealed code does not match the code hash").at("sealedCode")
        );
    }
    Ok(code)
}

fn xor_with_seal_key(token: &str, bytes: &[u8]) -> Result<Vec<u8>> {
    let mut mac = Hmac::<Sha256>::new_from_slice(token.as_bytes())
        .map_err(|_| Error::new(ErrorKind::InvalidRecord, "unusable reference token").at("token"))?;
    mac.update(SEAL_LABEL);
    let key = mac.finalize().into_bytes();
    if bytes.len() > key.len() {
        return Err(Error::new(ErrorKind::InvalidRecord, "the sealed code is too long").at("sealedCode"));
    }
    Ok(bytes.iter().zip(key.iter()).map(|(byte, key)| byte ^ key).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_keyed_code_without_the_key_names_the_configuration_member() {
        let error = StoredTxCode::digest(HMAC_SHA256, None, b"salt", "0042").unwrap_err();
        assert_eq!((error.code(), error.field()), ("invalid_configuration", Some("hmacKeyHex")));
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
}
