//! The token endpoint of the pre-authorized code grant, as one operation: a form body in, always an
//! OAuth answer out.
//!
//! The engine has no store, so the endpoint runs in two steps around the host's lookup:
//!
//! 1. [`Issuer::read_token_request`](crate::Issuer::read_token_request) reads the form body. A body that alone decides the answer (no
//!    `grant_type`, a parameter sent twice, another grant type) is answered at once
//!    ([`TokenStep::Answer`]); otherwise the host finds the record whose `code_hash` is
//!    [`TokenRequest::lookup_key`] ([`TokenStep::Find`]).
//! 2. [`Issuer::answer_token_request`](crate::Issuer::answer_token_request) judges the request against that record (or its absence) and
//!    returns a [`TokenAnswer`]: the HTTP status, the JSON body (the access-token response of
//!    OpenID4VCI 1.0 §6.2, or an error of RFC 6749 §5.2), and the next record to store with
//!    compare-and-swap on the version read. When the swap loses a race, read the record again and
//!    answer again: the new state decides.
//!
//! ```
//! use credoffer::{FixedEntropy, Issuer, IssuerConfig, OfferUri, ParseOptions, TokenStep, parse_offer_uri};
//!
//! let issuer = Issuer::new(IssuerConfig::from_json(
//!     r#"{"credentialIssuer": "https://issuer.example.com", "credentialConfigurations": {"mdl": "mso_mdoc"}}"#,
//! )?)?;
//! let created = issuer.create_pre_authorized_offer_json(r#"{"credentials": ["mdl"]}"#, 1_000, &mut FixedEntropy::new([7u8; 128]))?;
//! let OfferUri::ByValue(parsed) = parse_offer_uri(&created.response.uri, &ParseOptions::default())? else { unreachable!() };
//! let code = &parsed.offer.pre_authorized_code_grant().unwrap().pre_authorized_code;
//! let form = format!("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Apre-authorized_code&pre-authorized_code={code}");
//!
//! let TokenStep::Find(request) = issuer.read_token_request(&form) else { unreachable!() };
//! assert_eq!(request.lookup_key(), created.record.code_hash); // the host's lookup
//! let answer = issuer.answer_token_request(&request, Some(&created.record), 1_030, &mut FixedEntropy::new([9u8; 32]));
//! assert_eq!(answer.status(), 200);
//! assert!(answer.body().starts_with(r#"{"access_token":""#));
//! assert_eq!(answer.record_to_store().map(|record| record.version), Some(created.record.version + 1));
//! # Ok::<(), credoffer::Error>(())
//! ```

use std::fmt;

use percent_encoding::percent_decode_str;
use serde_json::json;

use crate::events::{OfferEvent, OfferEventKind, Transition, expiry_transition};

use crate::error::{Error, ErrorKind, Result};
use crate::limits::{MAX_TOKEN_REQUEST_BYTES, too_long};
use crate::offer::PRE_AUTHORIZED_CODE_GRANT;
use crate::record::{HmacKey, OfferRecord, OfferState, lookup_key};
use crate::secret::{Secret, constant_time_eq};

/// The headers every token endpoint answer carries: it may hold a token, so nothing may cache it
/// (RFC 6749 §5.1).
pub const TOKEN_RESPONSE_HEADERS: [(&str, &str); 3] =
    [("Content-Type", "application/json"), ("Cache-Control", "no-store"), ("Pragma", "no-cache")];

/// The first step's result: look the record up, or send this answer.
// Returned once per request and matched at once, so the size difference between variants costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum TokenStep {
    /// Find the record whose `code_hash` is [`TokenRequest::lookup_key`], then call
    /// [`Issuer::answer_token_request`](crate::Issuer::answer_token_request) with it (or with `None` when there is none).
    Find(TokenRequest),
    /// The body alone decides: send this answer.
    Answer(TokenAnswer),
}

/// What the token endpoint answers, and what the host stores.
#[derive(Clone)]
pub struct TokenAnswer {
    status: u16,
    /// Zeroized on drop: an issued answer holds the access token.
    body: Secret,
    record: Option<OfferRecord>,
    event: Option<OfferEvent>,
    outcome: TokenOutcome,
}

/// What happened, for the host's own bookkeeping (logs, audit, revocation).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenOutcome {
    /// The code was redeemed and an access token issued.
    Issued(IssuedToken),
    /// The request was refused (by the engine, or by the host through [`TokenAnswer::unreadable_body`],
    /// [`TokenAnswer::server_error`] or [`TokenAnswer::busy`]). [`TokenError::revoke_issued_tokens`] asks
    /// the host to revoke every token issued from this code (RFC 9700 §4.2.4).
    Rejected(TokenError),
    /// The engine could not judge the request (a stored record it cannot read, no randomness): the
    /// answer is `500 server_error`, and this error is for the host's log, never for the client.
    Failed(Error),
}

/// An access token issued for a redeemed offer.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct IssuedToken {
    /// The opaque bearer token (32 random bytes, base64url).
    pub access_token: Secret,
    /// Its lifetime in seconds ([`crate::IssuerConfig::access_token_lifetime_seconds`]).
    pub expires_in: u64,
    /// The user the offer is for.
    pub user_id: String,
    /// The offered configurations: scope the token to them (OpenID4VCI 1.0 §6.1).
    pub credential_configuration_ids: Vec<String>,
    /// The `client_id` the wallet sent, if any.
    pub client_id: Option<String>,
}

impl TokenAnswer {
    pub(crate) fn refusal(status: u16, error: TokenError, record: Option<OfferRecord>) -> Self {
        Self { status, body: Secret::new(error.to_json()), record, event: None, outcome: TokenOutcome::Rejected(error) }
    }

    /// A redeemed code's answer: the access-token response, and the record to store.
    pub(crate) fn issued(token: IssuedToken, record: Option<OfferRecord>) -> Self {
        let body = access_token_response(&token);
        Self { status: 200, body, record, event: None, outcome: TokenOutcome::Issued(token) }
    }

    pub(crate) fn failed(error: Error) -> Self {
        let body = TokenError::server_error().to_json();
        Self { status: 500, body: Secret::new(body), record: None, event: None, outcome: TokenOutcome::Failed(error) }
    }

    /// The answer to a body the host could not read as a form: too large (`413`), not UTF-8, or sent
    /// with another `Content-Type` (`400`). Always `invalid_request`.
    pub fn unreadable_body(status: u16, description: &str) -> Self {
        let status = if status == 413 { 413 } else { 400 };
        Self::refusal(status, TokenError::new(TokenErrorCode::InvalidRequest, description), None)
    }

    /// The answer when the host itself failed (its store, say): `500 server_error`. The host logs its
    /// own cause; the client learns nothing of it.
    pub fn server_error() -> Self {
        Self::refusal(500, TokenError::server_error(), None)
    }

    /// The answer when the host gave up retrying a compare-and-swap that kept losing:
    /// `503 temporarily_unavailable`, which clients may retry.
    pub fn busy() -> Self {
        let error = TokenError::new(TokenErrorCode::TemporarilyUnavailable, "the offer is busy; retry");
        Self::refusal(503, error, None)
    }

    /// The HTTP status: 200, 400, 413, 500 or 503.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The JSON body to send with [`TOKEN_RESPONSE_HEADERS`]. It holds the access token when one was issued.
    pub fn body(&self) -> &str {
        self.body.expose()
    }

    /// The next record, when the request changed it: store it with compare-and-swap on the version read
    /// *before* sending the answer, and answer again on the new record when the swap fails.
    pub fn record_to_store(&self) -> Option<&OfferRecord> {
        self.record.as_ref()
    }

    /// The event of the record's change, beside [`record_to_store`](Self::record_to_store): store both
    /// in one transaction.
    pub fn event(&self) -> Option<&OfferEvent> {
        self.event.as_ref()
    }

    pub(crate) fn with_event(mut self, event: Option<OfferEvent>) -> Self {
        self.event = event;
        self
    }

    /// What happened.
    pub fn outcome(&self) -> &TokenOutcome {
        &self.outcome
    }

    /// Whether every token issued from this pre-authorized code must be revoked (a replay).
    pub fn revoke_issued_tokens(&self) -> bool {
        matches!(&self.outcome, TokenOutcome::Rejected(error) if error.revoke_issued_tokens)
    }
}

impl fmt::Debug for TokenAnswer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The body may hold the access token; the outcome says everything else.
        f.debug_struct("TokenAnswer")
            .field("status", &self.status)
            .field("record", &self.record)
            .field("outcome", &self.outcome)
            .finish_non_exhaustive()
    }
}

impl TokenRequest {
    /// The key of the record this request is for ([`lookup_key`] of the pre-authorized code).
    pub fn lookup_key(&self) -> String {
        lookup_key(self.pre_authorized_code.expose())
    }
}

/// `{"access_token", "token_type": "Bearer", "expires_in"}` (RFC 6749 §5.1).
fn access_token_response(token: &IssuedToken) -> Secret {
    let mut body = String::with_capacity(96);
    body.push_str(r#"{"access_token":""#);
    // base64url: nothing to escape.
    body.push_str(token.access_token.expose());
    body.push_str(r#"","token_type":"Bearer","expires_in":"#);
    body.push_str(&token.expires_in.to_string());
    body.push('}');
    Secret::new(body)
}

/// A token request of the pre-authorized code grant (OpenID4VCI 1.0 §6.1), read from its form body.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TokenRequest {
    /// The pre-authorized code.
    pub pre_authorized_code: Secret,
    /// The transaction code the user typed, if sent (`tx_code`, or `user_pin` before draft 13).
    pub tx_code: Option<Secret>,
    /// The client id, if sent.
    pub client_id: Option<String>,
}

impl TokenRequest {
    /// A token request from its parts, for hosts that read the parameters themselves (a JSON API, a CLI).
    ///
    /// ```
    /// use credoffer::token::TokenRequest;
    ///
    /// let request = TokenRequest::new("SplxlOBeZQQYbYS6WxSbIA", Some("493536"), None);
    /// assert_eq!(request.tx_code.as_ref().map(|code| code.expose()), Some("493536"));
    /// ```
    pub fn new(pre_authorized_code: &str, tx_code: Option<&str>, client_id: Option<&str>) -> Self {
        Self {
            pre_authorized_code: Secret::new(pre_authorized_code),
            tx_code: tx_code.map(Secret::new),
            client_id: client_id.map(str::to_owned),
        }
    }
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
    /// [`MAX_TOKEN_REQUEST_BYTES`]).
    ///
    /// ```
    /// use credoffer::token::TokenRequest;
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
        // Drafts up to 12 (whose offers say `user_pin_required`) send the transaction code as `user_pin`.
        let [grant_type, code, tx_code, user_pin, client_id] =
            form_pairs(body, ["grant_type", "pre-authorized_code", "tx_code", "user_pin", "client_id"])?;
        if tx_code.is_some() && user_pin.is_some() {
            return invalid("user_pin appears beside tx_code; they are one parameter".into(), "user_pin");
        }
        // RFC 6749 §3.1: "Parameters sent without a value MUST be treated as if they were omitted."
        let [grant_type, code, tx_code, client_id] =
            [grant_type, code, tx_code.or(user_pin), client_id].map(|value| value.filter(|value| !value.is_empty()));
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

/// The values of the `names` parameters of an `application/x-www-form-urlencoded` body, in the order of
/// `names`, as sent (an empty value stays empty). Other parameters are ignored (RFC 6749 §3.2); one sent
/// twice is an error: "Request and response parameters MUST NOT be included more than once."
pub(crate) fn form_pairs<const N: usize>(body: &str, names: [&str; N]) -> Result<[Option<String>; N]> {
    let mut values: [Option<String>; N] = std::array::from_fn(|_| None);
    for pair in body.split('&').filter(|pair| !pair.is_empty()) {
        let (raw_name, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
        // A name that does not decode names no parameter: the fault is the body's.
        let name = form_decode(raw_name, "body")?;
        let Some(slot) = names.iter().position(|known| *known == name).and_then(|index| values.get_mut(index)) else {
            continue;
        };
        if slot.is_some() {
            return Err(Error::new(ErrorKind::InvalidTokenRequest, format!("{name} appears more than once")).at(name));
        }
        *slot = Some(form_decode(raw_value, &name)?);
    }
    Ok(values)
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
    /// The server could not judge the request (HTTP 500).
    ServerError,
    /// The server is busy with this offer; the client may retry (HTTP 503).
    TemporarilyUnavailable,
}

impl TokenErrorCode {
    /// The wire value.
    pub const fn as_str(self) -> &'static str {
        match self {
            TokenErrorCode::InvalidGrant => "invalid_grant",
            TokenErrorCode::InvalidRequest => "invalid_request",
            TokenErrorCode::InvalidTxCode => "invalid_tx_code",
            TokenErrorCode::UnsupportedGrantType => "unsupported_grant_type",
            TokenErrorCode::ServerError => "server_error",
            TokenErrorCode::TemporarilyUnavailable => "temporarily_unavailable",
        }
    }
}

const UNKNOWN_CODE: &str = "the pre-authorized code is not valid";

/// A refused token request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
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
    pub(crate) fn new(error: TokenErrorCode, description: &str) -> Self {
        Self { error, description: description.to_owned(), failed_attempts_left: None, revoke_issued_tokens: false }
    }

    /// The answer when no record matches the pre-authorized code (the host found none by
    /// [`lookup_key`]): `invalid_grant`, worded as for a code that does not match a record, so an
    /// unknown code and a deleted offer cannot be told apart.
    pub fn unknown_code() -> Self {
        Self::new(TokenErrorCode::InvalidGrant, UNKNOWN_CODE)
    }

    /// The answer when the engine could not judge a request: `server_error`, with nothing of the cause.
    pub(crate) fn server_error() -> Self {
        Self::new(TokenErrorCode::ServerError, "the request could not be completed")
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
#[non_exhaustive]
pub struct Redemption {
    /// The next record. Store it with compare-and-swap on the version read, when `changed`.
    pub record: OfferRecord,
    /// Whether the record changed (a transition happened).
    pub changed: bool,
    /// What to answer.
    pub outcome: RedeemOutcome,
    /// The change's event, when the record changed.
    pub event: Option<OfferEvent>,
}

/// Options of the redemption state machine, taken from the issuer's configuration.
pub(crate) struct RedeemRules<'a> {
    pub(crate) wrong_tx_code: TokenErrorCode,
    pub(crate) hmac_keys: &'a [HmacKey],
}

impl Redemption {
    fn unchanged(record: &OfferRecord, error: TokenError) -> Self {
        Self { record: record.clone(), changed: false, outcome: RedeemOutcome::Rejected(error), event: None }
    }

    fn transition(kind: OfferEventKind, record: OfferRecord, now: u64, outcome: RedeemOutcome) -> Self {
        Self::changed_by(Transition::new(kind, record, now), outcome)
    }

    fn changed_by(Transition { record, event }: Transition, outcome: RedeemOutcome) -> Self {
        Self { record, changed: true, outcome, event: Some(event) }
    }
}

/// A replay's answer. The first replay revokes the access token and is reported; later ones change
/// nothing (the token is already revoked), so a flood of replays cannot flood the host's events.
fn replay(record: &OfferRecord, error: TokenError, now: u64) -> Redemption {
    if record.replayed_at.is_some() {
        return Redemption::unchanged(record, error);
    }
    let mut next = record.next();
    next.replayed_at = Some(now);
    if let Some(token) = &mut next.access_token {
        token.revoked = true;
    }
    Redemption::transition(OfferEventKind::ReplayAttempted, next, now, RedeemOutcome::Rejected(error))
}

/// The redemption state machine. Checks run in an order that never consumes the code before the
/// transaction code is checked, and never counts an attempt for a malformed request.
pub(crate) fn redeem(
    record: &OfferRecord,
    request: &TokenRequest,
    now: u64,
    rules: &RedeemRules<'_>,
) -> Result<Redemption> {
    let unchanged = |error: TokenError| Redemption::unchanged(record, error);
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
        OfferState::Redeemed => return Ok(replay(record, replayed(), now)),
        OfferState::Invalidated => {
            return Ok(unchanged(TokenError::new(
                TokenErrorCode::InvalidGrant,
                "the offer was invalidated after too many wrong transaction codes",
            )));
        }
        // Deleting a redeemed offer does not make a replay harmless: the tokens issued from it are out there.
        OfferState::Deleted if record.redeemed_at.is_some() => return Ok(replay(record, replayed(), now)),
        OfferState::Deleted => {
            return Ok(unchanged(TokenError::unknown_code()));
        }
    }
    if now >= record.expires_at {
        let error = TokenError::new(TokenErrorCode::InvalidGrant, "the pre-authorized code has expired");
        return Ok(match expiry_transition(record, now) {
            Some(expired) => Redemption::changed_by(expired, RedeemOutcome::Rejected(error)),
            None => unchanged(error),
        });
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
            let mut kind = OfferEventKind::TxCodeRejected;
            if next.failed_attempts_left == 0 {
                next.state = OfferState::Invalidated;
                next.invalidated_at = Some(now);
                error.description = "the transaction code is wrong; the offer is now invalidated".into();
                error.error = TokenErrorCode::InvalidGrant;
                kind = OfferEventKind::Invalidated;
            }
            error.failed_attempts_left = Some(next.failed_attempts_left);
            return Ok(Redemption::transition(kind, next, now, RedeemOutcome::Rejected(error)));
        }
        _ => {}
    }
    let mut next = record.next();
    next.state = OfferState::Redeemed;
    next.redeemed_at = Some(now);
    let outcome = RedeemOutcome::Issued {
        user_id: record.user_id.clone(),
        credential_configuration_ids: record.credential_configuration_ids.clone(),
    };
    Ok(Redemption::transition(OfferEventKind::Redeemed, next, now, outcome))
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
