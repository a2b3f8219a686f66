//! The issuer engine behind MATTR VII's offers API, and the token endpoint's redemption.
//!
//! Requests and configuration are MATTR's JSON bodies; records are objects the host stores as JSON
//! (`to_json`) and writes back with compare-and-swap on `version`.

use std::sync::Arc;

use crate::Result;
use crate::secret::Entropy;

/// An issuer: a checked configuration and the operations of the offers API.
#[derive(Debug, uniffi::Object)]
pub struct Issuer(credoffer::Issuer);

/// The server-side state of one pre-authorized offer. Holds no secret in plain text.
#[derive(Debug, uniffi::Object)]
pub struct OfferRecord(credoffer::OfferRecord);

/// A parsed token request (form-encoded body of the token endpoint).
#[derive(Debug, uniffi::Object)]
pub struct TokenRequest(credoffer::TokenRequest);

/// Where an offer is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
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

/// The OAuth error code of a refused token request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum TokenErrorCode {
    /// `invalid_grant`.
    InvalidGrant,
    /// `invalid_request`.
    InvalidRequest,
    /// `invalid_tx_code` (OpenID4VCI 1.1).
    InvalidTxCode,
    /// `unsupported_grant_type`.
    UnsupportedGrantType,
    /// `server_error`: the engine could not judge the request (HTTP 500).
    ServerError,
    /// `temporarily_unavailable`: busy; the client may retry (HTTP 503).
    TemporarilyUnavailable,
}

/// A refused token request: what to answer the wallet, and what the host must do.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TokenError {
    /// The OAuth error code.
    pub error: TokenErrorCode,
    /// Its wire name (`invalid_grant`, …).
    pub error_code: String,
    /// Human-readable `error_description`.
    pub description: String,
    /// Wrong transaction codes still tolerated, when a wrong one was sent.
    pub failed_attempts_left: Option<u32>,
    /// The code was used twice: revoke the tokens issued from it (RFC 9700 §4.2.4).
    pub revoke_issued_tokens: bool,
    /// The HTTP status to answer with.
    pub http_status: u16,
    /// The JSON body to answer with: `{"error", "error_description"}`.
    pub body: String,
}

/// What a redemption decided.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum RedeemOutcome {
    /// Issue tokens for these credentials to this user.
    Issued {
        /// The user the offer is for.
        user_id: String,
        /// The credential configurations to issue.
        credential_configuration_ids: Vec<String>,
    },
    /// Refuse the request.
    Rejected {
        /// The answer.
        error: TokenError,
    },
}

/// The result of a redemption: the next record, whether to store it, and the outcome.
#[derive(Debug, uniffi::Record)]
pub struct Redemption {
    /// The record to store (compare-and-swap on the version read).
    pub record: Arc<OfferRecord>,
    /// Whether the record changed and must be written back.
    pub changed: bool,
    /// Issue or refuse.
    pub outcome: RedeemOutcome,
}

/// A created authorization code offer (`POST /v1/openid/offers`).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AuthorizationOffer {
    /// The offer URI.
    pub uri: String,
    /// The generated `issuer_state`, when the issuer generates one.
    pub issuer_state: Option<String>,
    /// MATTR's response body.
    pub response_json: String,
}

/// A created pre-authorized offer (`POST /v1/openid/offers/pre-authorized`). Its text forms hide the
/// URI, the bodies and the transaction code.
#[derive(uniffi::Record)]
#[uniffi::export(Debug, Display)]
pub struct PreAuthorizedOffer {
    /// The offer id.
    pub id: String,
    /// The user id.
    pub user_id: String,
    /// The offer URI.
    pub uri: String,
    /// Expiry as RFC 3339 UTC with milliseconds.
    pub expires_at: String,
    /// The transaction code to send the user out of band, when one is required.
    pub transaction_code: Option<String>,
    /// MATTR's response body.
    pub response_json: String,
    /// The record to store.
    pub record: Arc<OfferRecord>,
}

/// An offer served by reference: its JSON, and the record marking it served. Its text forms hide the JSON.
#[derive(uniffi::Record)]
#[uniffi::export(Debug, Display)]
pub struct ServedOffer {
    /// The offer JSON for `GET <offer URL>`.
    pub offer_json: String,
    /// The record to store.
    pub record: Arc<OfferRecord>,
}

// The URI, the bodies and the offer JSON carry the pre-authorized code, the transaction code is a secret:
// Debug shows neither.
impl std::fmt::Debug for PreAuthorizedOffer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreAuthorizedOffer")
            .field("id", &self.id)
            .field("user_id", &self.user_id)
            .field("uri", &"[redacted]")
            .field("expires_at", &self.expires_at)
            .field("transaction_code", &self.transaction_code.as_ref().map(|_| "[redacted]"))
            .field("record", &self.record)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for ServedOffer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServedOffer").field("record", &self.record).finish_non_exhaustive()
    }
}

display_as_debug!(PreAuthorizedOffer, ServedOffer);

#[uniffi::export]
impl Issuer {
    /// Reads and checks an issuer configuration (JSON, camelCase members).
    #[uniffi::constructor]
    pub fn new(config_json: String) -> Result<Self> {
        Ok(Self(credoffer::Issuer::new(credoffer::IssuerConfig::from_json(&config_json)?)?))
    }

    /// `POST /v1/openid/offers` from its JSON body.
    pub fn create_authorization_offer(&self, body: String, entropy: &Entropy) -> Result<AuthorizationOffer> {
        let offer = entropy.with(|e| self.0.create_authorization_offer_json(&body, e))?;
        let response_json = offer.to_json();
        Ok(AuthorizationOffer { uri: offer.uri, issuer_state: offer.issuer_state, response_json })
    }

    /// `POST /v1/openid/offers/pre-authorized` from its JSON body, at `now` (Unix seconds).
    pub fn create_pre_authorized_offer(&self, body: String, now: u64, entropy: &Entropy) -> Result<PreAuthorizedOffer> {
        let offer = entropy.with(|e| self.0.create_pre_authorized_offer_json(&body, now, e))?;
        let response_json = offer.response.to_json();
        let response = offer.response;
        Ok(PreAuthorizedOffer {
            id: response.id,
            user_id: response.user_id,
            uri: response.uri,
            expires_at: response.expires_at,
            transaction_code: response.transaction_code,
            response_json,
            record: Arc::new(OfferRecord(offer.record)),
        })
    }

    /// Serves an offer by reference, once: `token` is the reference token from the offer URL.
    pub fn serve_offer(&self, record: &OfferRecord, token: String, now: u64) -> Result<ServedOffer> {
        let (offer_json, next) = self.0.serve_offer(&record.0, &token, now)?;
        Ok(ServedOffer { offer_json, record: Arc::new(OfferRecord(next)) })
    }

    /// The token endpoint: redeems a pre-authorized code against its record at `now`.
    pub fn redeem(&self, record: &OfferRecord, request: &TokenRequest, now: u64) -> Result<Redemption> {
        let redemption = self.0.redeem(&record.0, &request.0, now)?;
        let outcome = match redemption.outcome {
            credoffer::RedeemOutcome::Issued { user_id, credential_configuration_ids } => {
                RedeemOutcome::Issued { user_id, credential_configuration_ids }
            }
            credoffer::RedeemOutcome::Rejected(error) => RedeemOutcome::Rejected { error: error.into() },
        };
        Ok(Redemption { record: Arc::new(OfferRecord(redemption.record)), changed: redemption.changed, outcome })
    }

    /// `DELETE /v1/openid/offers/pre-authorized/{id}`: the offer can never be redeemed afterwards.
    pub fn delete(&self, record: &OfferRecord) -> Result<OfferRecord> {
        Ok(OfferRecord(self.0.delete(&record.0)?))
    }
}

#[uniffi::export]
impl OfferRecord {
    /// Reads a stored record.
    #[uniffi::constructor]
    pub fn from_json(json: String) -> Result<Self> {
        Ok(Self(credoffer::OfferRecord::from_json(&json)?))
    }

    /// The record as JSON for storage.
    pub fn to_json(&self) -> String {
        self.0.to_json()
    }

    /// The offer id.
    pub fn id(&self) -> String {
        self.0.id.clone()
    }

    /// The version, incremented by every transition.
    pub fn version(&self) -> u64 {
        self.0.version
    }

    /// Where the offer is in its life.
    pub fn state(&self) -> OfferState {
        match self.0.state {
            credoffer::OfferState::Active => OfferState::Active,
            credoffer::OfferState::Redeemed => OfferState::Redeemed,
            credoffer::OfferState::Invalidated => OfferState::Invalidated,
            credoffer::OfferState::Deleted => OfferState::Deleted,
        }
    }

    /// The user the offer is for.
    pub fn user_id(&self) -> String {
        self.0.user_id.clone()
    }

    /// The offered credential configuration ids.
    pub fn credential_configuration_ids(&self) -> Vec<String> {
        self.0.credential_configuration_ids.clone()
    }

    /// Expiry, Unix seconds.
    pub fn expires_at(&self) -> u64 {
        self.0.expires_at
    }

    /// Wrong transaction codes still tolerated.
    pub fn failed_attempts_left(&self) -> u32 {
        self.0.failed_attempts_left
    }

    /// The lookup key of the pre-authorized code (find the record by `lookup_key(code)`).
    pub fn code_hash(&self) -> String {
        self.0.code_hash.clone()
    }

    /// For offers by reference: the lookup key of the reference token.
    pub fn reference_hash(&self) -> Option<String> {
        self.0.reference_hash.clone()
    }

    /// Whether the offer can no longer be redeemed at `now`.
    pub fn is_dead(&self, now: u64) -> bool {
        self.0.is_dead(now)
    }
}

#[uniffi::export]
impl TokenRequest {
    /// Reads the form-encoded body of a token request.
    #[uniffi::constructor]
    pub fn from_form(body: String) -> Result<Self> {
        Ok(Self(credoffer::TokenRequest::from_form(&body)?))
    }

    /// The `client_id`, when sent.
    pub fn client_id(&self) -> Option<String> {
        self.0.client_id.clone()
    }
}

/// The answer to a token request whose body was refused (`TokenRequest.from_form` failed).
#[uniffi::export]
pub fn token_error_for_request_error(error: &crate::CredentialOfferError) -> TokenError {
    credoffer::TokenError::from_request_error(&credoffer::Error::from(error)).into()
}

impl From<credoffer::TokenError> for TokenError {
    fn from(error: credoffer::TokenError) -> Self {
        Self {
            error: match error.error {
                credoffer::TokenErrorCode::InvalidGrant => TokenErrorCode::InvalidGrant,
                credoffer::TokenErrorCode::InvalidRequest => TokenErrorCode::InvalidRequest,
                credoffer::TokenErrorCode::InvalidTxCode => TokenErrorCode::InvalidTxCode,
                credoffer::TokenErrorCode::UnsupportedGrantType => TokenErrorCode::UnsupportedGrantType,
                credoffer::TokenErrorCode::ServerError => TokenErrorCode::ServerError,
                credoffer::TokenErrorCode::TemporarilyUnavailable => TokenErrorCode::TemporarilyUnavailable,
            },
            error_code: error.error.as_str().to_owned(),
            http_status: error.http_status(),
            body: error.to_json(),
            description: error.description,
            failed_attempts_left: error.failed_attempts_left,
            revoke_issued_tokens: error.revoke_issued_tokens,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_no_secret() {
        let issuer = Issuer::new(
            r#"{"credentialIssuer":"https://issuer.example.com","credentialConfigurations":{"mdl":"mso_mdoc"}}"#.into(),
        )
        .unwrap();
        let offer = issuer
            .create_pre_authorized_offer(
                r#"{"credentials":["mdl"],"transactionCodeConfiguration":{}}"#.into(),
                1_746_057_600,
                &Entropy::fixed(vec![7; 256]),
            )
            .unwrap();
        let shown = format!("{offer:?}");
        assert!(!shown.contains(offer.transaction_code.as_deref().unwrap()), "{shown}");
        assert!(!shown.contains(&offer.uri), "{shown}");
    }
}
