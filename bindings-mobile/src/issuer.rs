//! The issuer engine behind MATTR VII's offers API, and the engine's token endpoint.
//!
//! Requests and configuration are MATTR's JSON bodies; records are objects the host stores as JSON
//! (`to_json`) and writes back with compare-and-swap on `version`. The token endpoint always answers as
//! OAuth does: [`Issuer::read_token_request`] and [`Issuer::answer_token_request`] around the host's
//! lookup, or [`Issuer::token_endpoint`] when the host already holds the record.

use std::collections::HashMap;
use std::sync::Arc;

use credoffer::error::BindingErrorKind;

use crate::error::ErrorDetail;
use crate::metadata::IssuerMetadata;
use crate::secret::Entropy;
use crate::{CredentialOfferError, Result};

/// An issuer: a checked configuration and the operations of the offers API.
#[derive(Debug, uniffi::Object)]
pub struct Issuer(credoffer::Issuer);

/// The server-side state of one pre-authorized offer. Holds no secret in plain text.
#[derive(Debug, uniffi::Object)]
pub struct OfferRecord(credoffer::OfferRecord);

/// A token request read from its form body: find the record whose `code_hash` is [`TokenRequest::lookup_key`],
/// then hand both to [`Issuer::answer_token_request`]. Its text forms hide the codes.
#[derive(Debug, uniffi::Object)]
#[uniffi::export(Debug)]
pub struct TokenRequest(credoffer::token::TokenRequest);

/// What the token endpoint answers, and what the host stores. Its text forms hide the body, which holds
/// the access token when one was issued.
#[derive(Debug, uniffi::Object)]
#[uniffi::export(Debug)]
pub struct TokenAnswer(credoffer::TokenAnswer);

/// The first step of the token endpoint: look the record up, or send this answer.
#[derive(Debug, uniffi::Enum)]
pub enum TokenStep {
    /// Find the record whose `code_hash` is `request.lookup_key()` and call `answer_token_request`.
    Find {
        /// The request to answer.
        request: Arc<TokenRequest>,
    },
    /// The body alone decides (no grant type, a parameter twice, another grant): send this answer.
    Answer {
        /// The answer.
        answer: Arc<TokenAnswer>,
    },
}

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
}

/// An access token issued for a redeemed offer. Its text forms hide the token.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
#[uniffi::export(Debug, Display)]
pub struct IssuedToken {
    /// The opaque bearer token: a secret.
    pub access_token: String,
    /// Its lifetime in seconds (`accessTokenLifetimeSeconds` of the configuration).
    pub expires_in: u64,
    /// The user the offer is for.
    pub user_id: String,
    /// The offered configurations: scope the token to them.
    pub credential_configuration_ids: Vec<String>,
    /// The `client_id` the wallet sent, if any.
    pub client_id: Option<String>,
}

impl std::fmt::Debug for IssuedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedToken")
            .field("access_token", &"[redacted]")
            .field("expires_in", &self.expires_in)
            .field("user_id", &self.user_id)
            .field("credential_configuration_ids", &self.credential_configuration_ids)
            .field("client_id", &self.client_id)
            .finish()
    }
}

/// What the token endpoint did, for the host's own bookkeeping (logs, audit, revocation).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum TokenOutcome {
    /// The code was redeemed and an access token issued.
    Issued {
        /// The token and what it grants.
        token: IssuedToken,
    },
    /// The request was refused.
    Rejected {
        /// The OAuth error sent.
        error: TokenError,
    },
    /// The engine could not judge the request (a stored record it cannot read, no randomness): the
    /// answer is `500 server_error`; this error is for the host's log, never for the client.
    Failed {
        /// The engine error.
        error: ErrorDetail,
    },
}

// The event kinds, generated from the engine's list (`cargo xtask codegen`).
include!("generated/events.rs");

/// One change of one offer. Every change returns its event beside the next record: store both in one
/// transaction (when the compare-and-swap loses, the event did not happen). No event carries a secret.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct OfferEvent {
    /// What happened.
    pub kind: OfferEventKind,
    /// `offer.created`, `offer.fetched`, …: the `type` of [`OfferEvent::json`].
    pub event_type: String,
    /// `<offer id>.<record version>`: unique and stable, so receivers deduplicate deliveries by it.
    pub id: String,
    /// The offer.
    pub offer_id: String,
    /// The user the offer is for.
    pub user_id: String,
    /// When, Unix seconds (an expiry is dated at the offer's expiry).
    pub at: u64,
    /// The version of the record the change produced.
    pub version: u64,
    /// How often the offer has been fetched by reference (`offer.fetched`).
    pub fetch_count: Option<u32>,
    /// Wrong transaction codes still tolerated (`offer.tx_code_rejected`, `offer.invalidated`).
    pub failed_attempts_left: Option<u32>,
    /// The event as the JSON webhook receivers expect: `{"id", "type", "timestamp", "data"}`.
    pub json: String,
}

impl TryFrom<&credoffer::OfferEvent> for OfferEvent {
    type Error = CredentialOfferError;

    fn try_from(event: &credoffer::OfferEvent) -> Result<Self> {
        let kind = OfferEventKind::of(event.kind).ok_or_else(|| {
            CredentialOfferError::binding(
                BindingErrorKind::Panic,
                "the engine reported an event kind this binding was generated without",
                "kind",
            )
        })?;
        Ok(Self {
            kind,
            event_type: event.kind.as_str().to_owned(),
            id: event.id(),
            offer_id: event.offer_id.clone(),
            user_id: event.user_id.clone(),
            at: event.at,
            version: event.version,
            fetch_count: event.fetch_count,
            failed_attempts_left: event.failed_attempts_left,
            json: event.to_json(),
        })
    }
}

/// A change of a stored offer: the record to store with compare-and-swap on the version read, and its event.
#[derive(Debug, uniffi::Record)]
pub struct Transition {
    /// The next record.
    pub record: Arc<OfferRecord>,
    /// What happened.
    pub event: OfferEvent,
}

impl TryFrom<credoffer::Transition> for Transition {
    type Error = CredentialOfferError;

    fn try_from(transition: credoffer::Transition) -> Result<Self> {
        let event = OfferEvent::try_from(&transition.event)?;
        Ok(Self { record: Arc::new(OfferRecord(transition.record)), event })
    }
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
    /// `offer.created`, to store with the record.
    pub event: OfferEvent,
}

/// An offer served by reference: its JSON, the record with the fetch counted, and its `offer.fetched`
/// event. Its text forms hide the JSON.
#[derive(uniffi::Record)]
#[uniffi::export(Debug, Display)]
pub struct ServedOffer {
    /// The offer JSON for `GET <offer URL>` (`Content-Type: application/json`, `Cache-Control: no-store`).
    pub offer_json: String,
    /// The record to store.
    pub record: Arc<OfferRecord>,
    /// `offer.fetched`, with the fetch count.
    pub event: OfferEvent,
}

/// What a fetch of an offer by reference found ([`Issuer::serve_offer`]).
#[derive(Debug, uniffi::Enum)]
pub enum OfferFetch {
    /// Answer `200` with the offer; store its record.
    Served { offer: ServedOffer },
    /// Nothing to serve at this address (`offer_not_found`): answer `status` (404) with `body` (MATTR's
    /// error body), and store `expired` (`offer.expired`) when this fetch was the first to meet the
    /// offer's expiry.
    NotFound { status: u16, body: String, expired: Option<Transition> },
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
            .field("event", &self.event)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for ServedOffer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServedOffer").field("record", &self.record).field("event", &self.event).finish_non_exhaustive()
    }
}

display_as_debug!(PreAuthorizedOffer, ServedOffer, IssuedToken);

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
            event: OfferEvent::try_from(&offer.event)?,
            record: Arc::new(OfferRecord(offer.record)),
        })
    }

    /// Serves an offer by reference: `token` is the reference token from the offer URL. Served until the
    /// offer is redeemed, invalidated, deleted or expired (or `maxOfferFetches` is reached); `NotFound`
    /// then, and for a wrong token. Throws for a damaged record.
    pub fn serve_offer(&self, record: &OfferRecord, token: String, now: u64) -> Result<OfferFetch> {
        match self.0.serve_offer(&record.0, &token, now) {
            Ok(served) => Ok(OfferFetch::Served {
                offer: ServedOffer {
                    offer_json: served.json.expose().to_owned(),
                    event: OfferEvent::try_from(&served.event)?,
                    record: Arc::new(OfferRecord(served.record)),
                },
            }),
            Err(refusal) if refusal.error.kind() == credoffer::ErrorKind::OfferNotFound => Ok(OfferFetch::NotFound {
                status: refusal.error.http_status(),
                body: refusal.error.to_mattr_body().to_string(),
                expired: refusal.expired.map(|expired| Transition::try_from(*expired)).transpose()?,
            }),
            Err(refusal) => Err(refusal.error.into()),
        }
    }

    /// The token endpoint's first step: reads the form body (`application/x-www-form-urlencoded`).
    pub fn read_token_request(&self, form: String) -> TokenStep {
        match self.0.read_token_request(&form) {
            credoffer::TokenStep::Find(request) => TokenStep::Find { request: Arc::new(TokenRequest(request)) },
            credoffer::TokenStep::Answer(answer) => TokenStep::Answer { answer: Arc::new(TokenAnswer(answer)) },
        }
    }

    /// The token endpoint's second step: judges `request` against the record found by its lookup key
    /// (none when the host found none) at `now` (Unix seconds), drawing the access token from `entropy`.
    pub fn answer_token_request(
        &self,
        request: &TokenRequest,
        record: Option<Arc<OfferRecord>>,
        now: u64,
        entropy: &Entropy,
    ) -> TokenAnswer {
        let record = record.as_deref().map(|record| &record.0);
        TokenAnswer(entropy.with(|e| self.0.answer_token_request(&request.0, record, now, e)))
    }

    /// Both steps in one call, for a host that already holds the record. A record whose code does not
    /// match the request's is treated as no record.
    pub fn token_endpoint(
        &self,
        form: String,
        record: Option<Arc<OfferRecord>>,
        now: u64,
        entropy: &Entropy,
    ) -> TokenAnswer {
        let record = record.as_deref().map(|record| &record.0);
        TokenAnswer(entropy.with(|e| self.0.token_endpoint(&form, record, now, e)))
    }

    /// Checks that `metadata` describes this issuer: the same identifier, and every configured credential
    /// configuration listed with the configured format.
    pub fn check_metadata(&self, metadata: &IssuerMetadata) -> Result<()> {
        Ok(self.0.check_metadata(&metadata.0)?)
    }

    /// `DELETE /v1/openid/offers/pre-authorized/{id}` at `now` (Unix seconds): the offer can never be
    /// redeemed afterwards (`offer.deleted`). `OfferNotFound` for an offer deleted before.
    pub fn delete(&self, record: &OfferRecord, now: u64) -> Result<Transition> {
        self.0.delete(&record.0, now)?.try_into()
    }

    /// For a host's periodic sweep of its live records: `offer.expired` and the record marked reported when
    /// the offer expired before it was redeemed and was not reported yet; none otherwise. (The token endpoint
    /// reports an expiry it meets itself.)
    pub fn check_expiry(&self, record: &OfferRecord, now: u64) -> Result<Option<Transition>> {
        self.0.check_expiry(&record.0, now).map(Transition::try_from).transpose()
    }
}

/// An offer's status at `now` (Unix seconds), as JSON for `GET …/pre-authorized/{id}`: `{"id", "userId",
/// "state": "active" | "redeemed" | "invalidated" | "deleted" | "expired", "credentials", "createdAt",
/// "expiresAt", "fetchCount", "firstFetchedAt"?, "lastFetchedAt"?, "redeemedAt"?, "invalidatedAt"?,
/// "deletedAt"?, "replayedAt"?, "failedAttemptsLeft"}`, times in RFC 3339 with milliseconds; no secret.
#[uniffi::export]
pub fn offer_status(record: &OfferRecord, now: u64) -> String {
    record.0.status(now).to_json()
}

/// The key of the record an introspection request (RFC 7662, the form body `token=…`) is about: the record
/// whose access token hash it is ([`OfferRecord::access_token_hash`]).
#[uniffi::export]
pub fn introspection_lookup_key(form: String) -> Result<String> {
    Ok(credoffer::introspection::IntrospectionRequest::from_form(&form)?.lookup_key())
}

/// Answers an introspection request (RFC 7662) from the record found by its lookup key (none when the host
/// found none) at `now` (Unix seconds): the JSON body to send with status 200, `{"active": false}` for an
/// unknown, expired or revoked token, or what it grants (`sub`, `authorization_details`, `claims`, …).
#[uniffi::export]
pub fn introspect(form: String, record: Option<Arc<OfferRecord>>, now: u64) -> Result<String> {
    let record = record.as_deref().map(|record| &record.0);
    Ok(credoffer::introspection::introspection_endpoint(&form, record, now)?.to_json())
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
            credoffer::record::OfferState::Active => OfferState::Active,
            credoffer::record::OfferState::Redeemed => OfferState::Redeemed,
            credoffer::record::OfferState::Invalidated => OfferState::Invalidated,
            credoffer::record::OfferState::Deleted => OfferState::Deleted,
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

    /// The lookup key of the access token the redemption issued, if any (find the record by it to
    /// introspect the token).
    pub fn access_token_hash(&self) -> Option<String> {
        self.0.access_token.as_ref().map(|token| token.token_hash.clone())
    }

    /// Whether the offer can no longer be redeemed at `now`.
    pub fn is_dead(&self, now: u64) -> bool {
        self.0.is_dead(now)
    }
}

#[uniffi::export]
impl TokenRequest {
    /// The `code_hash` of the record this request is for.
    pub fn lookup_key(&self) -> String {
        self.0.lookup_key()
    }

    /// The `client_id`, when sent.
    pub fn client_id(&self) -> Option<String> {
        self.0.client_id.clone()
    }
}

#[uniffi::export]
impl TokenAnswer {
    /// The answer to a body the host could not read as a form: `413` when too large, otherwise `400`;
    /// always `invalid_request`.
    #[uniffi::constructor]
    pub fn unreadable_body(status: u16, description: String) -> Self {
        Self(credoffer::TokenAnswer::unreadable_body(status, &description))
    }

    /// The answer when the host itself failed (its store, say): `500 server_error`.
    #[uniffi::constructor]
    pub fn server_error() -> Self {
        Self(credoffer::TokenAnswer::server_error())
    }

    /// The answer when the host gave up retrying a compare-and-swap: `503 temporarily_unavailable`.
    #[uniffi::constructor]
    pub fn busy() -> Self {
        Self(credoffer::TokenAnswer::busy())
    }

    /// The HTTP status: 200, 400, 413, 500 or 503.
    pub fn status(&self) -> u16 {
        self.0.status()
    }

    /// The JSON body to send with [`TokenAnswer::headers`]. It holds the access token when one was issued.
    pub fn body(&self) -> String {
        self.0.body().to_owned()
    }

    /// The headers every answer carries (`Content-Type`, and no caching: it may hold a token).
    pub fn headers(&self) -> HashMap<String, String> {
        credoffer::token::TOKEN_RESPONSE_HEADERS
            .iter()
            .map(|&(name, value)| (name.to_owned(), value.to_owned()))
            .collect()
    }

    /// The next record, when the request changed it: store it with compare-and-swap on the version read
    /// before sending the answer, and answer again on the new record when the swap fails.
    pub fn record_to_store(&self) -> Option<Arc<OfferRecord>> {
        self.0.record_to_store().map(|record| Arc::new(OfferRecord(record.clone())))
    }

    /// The event of the change, exactly when there is a record to store (`offer.redeemed`,
    /// `offer.tx_code_rejected`, `offer.invalidated`, `offer.replay_attempted`, `offer.expired`): store it
    /// with the record, in one transaction.
    pub fn event(&self) -> Result<Option<OfferEvent>> {
        self.0.event().map(OfferEvent::try_from).transpose()
    }

    /// What happened.
    pub fn outcome(&self) -> TokenOutcome {
        match self.0.outcome() {
            credoffer::token::TokenOutcome::Issued(token) => TokenOutcome::Issued {
                token: IssuedToken {
                    access_token: token.access_token.expose().to_owned(),
                    expires_in: token.expires_in,
                    user_id: token.user_id.clone(),
                    credential_configuration_ids: token.credential_configuration_ids.clone(),
                    client_id: token.client_id.clone(),
                },
            },
            credoffer::token::TokenOutcome::Rejected(error) => TokenOutcome::Rejected { error: error.clone().into() },
            credoffer::token::TokenOutcome::Failed(error) => TokenOutcome::Failed { error: ErrorDetail::from(error) },
            // The engine's list may grow; until this binding learns a new outcome, it reports it as an
            // internal failure of the binding (the status and body stay the engine's).
            _ => TokenOutcome::Failed {
                error: ErrorDetail::from(&CredentialOfferError::binding(
                    BindingErrorKind::Panic,
                    "the engine reported a token outcome this binding does not know",
                    "outcome",
                )),
            },
        }
    }

    /// Whether every token issued from this pre-authorized code must be revoked (a replay).
    pub fn revoke_issued_tokens(&self) -> bool {
        self.0.revoke_issued_tokens()
    }

    /// The engine's JSON view of the answer: `{status, body, record?, event?, outcome}`. It holds the access token
    /// when one was issued: a secret.
    pub fn to_json(&self) -> String {
        self.0.to_json()
    }
}

impl From<credoffer::token::TokenError> for TokenError {
    fn from(error: credoffer::token::TokenError) -> Self {
        Self {
            error: match error.error {
                credoffer::token::TokenErrorCode::InvalidGrant => TokenErrorCode::InvalidGrant,
                credoffer::token::TokenErrorCode::InvalidRequest => TokenErrorCode::InvalidRequest,
                credoffer::token::TokenErrorCode::InvalidTxCode => TokenErrorCode::InvalidTxCode,
                credoffer::token::TokenErrorCode::UnsupportedGrantType => TokenErrorCode::UnsupportedGrantType,
                credoffer::token::TokenErrorCode::ServerError => TokenErrorCode::ServerError,
                credoffer::token::TokenErrorCode::TemporarilyUnavailable => TokenErrorCode::TemporarilyUnavailable,
            },
            error_code: error.error.as_str().to_owned(),
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

        // The token endpoint: neither the codes of the request nor the access token show.
        let code = match credoffer::parse_offer_uri(&offer.uri, &credoffer::ParseOptions::default()).unwrap() {
            credoffer::OfferUri::ByValue(parsed) => {
                parsed.offer.pre_authorized_code_grant().unwrap().pre_authorized_code.clone()
            }
            credoffer::OfferUri::ByReference(_) => panic!("an offer by value was created"),
        };
        let tx_code = offer.transaction_code.clone().unwrap();
        let form = format!(
            "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Apre-authorized_code&pre-authorized_code={code}&tx_code={tx_code}"
        );
        let TokenStep::Find { request } = issuer.read_token_request(form) else { panic!("the form is well formed") };
        assert_eq!(request.lookup_key(), offer.record.code_hash());
        let answer = issuer.answer_token_request(
            &request,
            Some(offer.record.clone()),
            1_746_057_610,
            &Entropy::fixed(vec![9; 32]),
        );
        assert_eq!(answer.status(), 200);
        let TokenOutcome::Issued { token } = answer.outcome() else { panic!("issued: {answer:?}") };
        assert!(answer.body().contains(&token.access_token));
        for shown in [format!("{request:?}"), format!("{answer:?}"), format!("{token:?}"), token.to_string()] {
            for secret in [&code, &tx_code, &token.access_token] {
                assert!(!shown.contains(secret.as_str()), "{shown}");
            }
        }
    }

    #[test]
    fn every_event_kind_of_the_engine_has_its_binding_kind_and_name() {
        for kind in credoffer::OfferEventKind::ALL {
            let mirrored = OfferEventKind::of(kind).unwrap_or_else(|| panic!("{kind:?} has no binding kind"));
            assert_eq!(format!("{mirrored:?}"), format!("{kind:?}"));
        }
        let issuer = Issuer::new(
            r#"{"credentialIssuer":"https://issuer.example.com","credentialConfigurations":{"mdl":"mso_mdoc"}}"#.into(),
        )
        .unwrap();
        let offer = issuer
            .create_pre_authorized_offer(r#"{"credentials":["mdl"]}"#.into(), 1_000, &Entropy::fixed(vec![7; 64]))
            .unwrap();
        let event = &offer.event;
        assert_eq!(
            (event.kind, event.event_type.as_str(), event.at, event.version),
            (OfferEventKind::Created, "offer.created", 1_000, 1)
        );
        assert_eq!(event.id, format!("{}.1", offer.id));
        assert!(
            event.json.starts_with(&format!(r#"{{"id":"{}.1","type":"offer.created","#, offer.id)),
            "{}",
            event.json
        );
        let expired = issuer.check_expiry(&offer.record, 1_300).unwrap().unwrap();
        assert_eq!((expired.event.kind, expired.event.at, expired.event.version), (OfferEventKind::Expired, 1_300, 2));
        assert!(issuer.check_expiry(&expired.record, 1_400).unwrap().is_none(), "reported once");
        // A by-value record has nothing to serve, and no fetch reports what is not served by reference.
        let OfferFetch::NotFound { status, body, expired: None } =
            issuer.serve_offer(&offer.record, "token".into(), 1_300).unwrap()
        else {
            panic!("a by-value record is not served")
        };
        assert_eq!((status, body.as_str()), (404, r#"{"code":"NotFound","message":"Resource Not Found"}"#));
        assert!(offer_status(&expired.record, 1_400).contains(r#""state":"expired""#));
    }

    #[test]
    fn host_level_answers_are_oauth_answers() {
        let cases = [
            (TokenAnswer::busy(), 503, TokenErrorCode::TemporarilyUnavailable),
            (TokenAnswer::server_error(), 500, TokenErrorCode::ServerError),
            (TokenAnswer::unreadable_body(413, "too large".into()), 413, TokenErrorCode::InvalidRequest),
            (TokenAnswer::unreadable_body(415, "not a form".into()), 400, TokenErrorCode::InvalidRequest),
        ];
        for (answer, status, code) in cases {
            assert_eq!(answer.status(), status);
            let TokenOutcome::Rejected { error } = answer.outcome() else { panic!("rejected: {answer:?}") };
            assert_eq!(error.error, code);
            let body: serde_json::Value = serde_json::from_str(&answer.body()).unwrap();
            assert_eq!(body["error"], error.error_code.as_str());
            assert!(answer.record_to_store().is_none());
            assert!(answer.to_json().starts_with(&format!(r#"{{"status":{status},"body":"#)));
            assert_eq!(answer.headers()["Cache-Control"], "no-store");
        }
    }
}
