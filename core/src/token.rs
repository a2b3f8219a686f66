//! The token endpoint of the pre-authorized code grant, as one operation: a form body in, always an
//! OAuth answer out.
//!
//! The engine has no store, so the endpoint runs in two steps around the host's lookup:
//!
//! 1. [`Issuer::read_token_request`] reads the form body. A body that alone decides the answer (no
//!    `grant_type`, a parameter sent twice, another grant type) is answered at once
//!    ([`TokenStep::Answer`]); otherwise the host finds the record whose `code_hash` is
//!    [`TokenRequest::lookup_key`] ([`TokenStep::Find`]).
//! 2. [`Issuer::answer_token_request`] judges the request against that record (or its absence) and
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

use crate::error::Error;
use crate::issuer::Issuer;
use crate::record::{OfferRecord, RedeemOutcome, TokenError, TokenErrorCode, TokenRequest, lookup_key};
use crate::secret::{Entropy, PRE_AUTHORIZED_CODE_BYTES, Secret, generate_token};

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
    /// [`Issuer::answer_token_request`] with it (or with `None` when there is none).
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
    fn refusal(status: u16, error: TokenError, record: Option<OfferRecord>) -> Self {
        Self { status, body: Secret::new(error.to_json()), record, outcome: TokenOutcome::Rejected(error) }
    }

    fn failed(error: Error) -> Self {
        let body = TokenError::server_error().to_json();
        Self { status: 500, body: Secret::new(body), record: None, outcome: TokenOutcome::Failed(error) }
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

impl Issuer {
    /// The token endpoint's first step: reads the form body (`application/x-www-form-urlencoded`).
    pub fn read_token_request(&self, form: &str) -> TokenStep {
        match TokenRequest::from_form(form) {
            Ok(request) => TokenStep::Find(request),
            Err(error) => {
                let refusal = TokenError::from_request_error(&error);
                TokenStep::Answer(TokenAnswer::refusal(refusal.http_status(), refusal, None))
            }
        }
    }

    /// The token endpoint's second step: judges `request` against the record found by its lookup key
    /// (`None` when the host found none) at `now`, and issues an access token from `entropy` when the
    /// code is redeemed. The rules and their order are [`Issuer::redeem`]'s.
    pub fn answer_token_request(
        &self,
        request: &TokenRequest,
        record: Option<&OfferRecord>,
        now: u64,
        entropy: &mut dyn Entropy,
    ) -> TokenAnswer {
        let Some(record) = record else {
            return TokenAnswer::refusal(400, TokenError::unknown_code(), None);
        };
        let redemption = match self.redeem(record, request, now) {
            Ok(redemption) => redemption,
            Err(error) => return TokenAnswer::failed(error),
        };
        let next = redemption.changed.then_some(redemption.record);
        match redemption.outcome {
            RedeemOutcome::Rejected(error) => TokenAnswer::refusal(error.http_status(), error, next),
            RedeemOutcome::Issued { user_id, credential_configuration_ids } => {
                // Drawn before anything is stored: without randomness the offer stays redeemable.
                let access_token = match generate_token(PRE_AUTHORIZED_CODE_BYTES, entropy) {
                    Ok(token) => token,
                    Err(error) => return TokenAnswer::failed(error),
                };
                let token = IssuedToken {
                    access_token,
                    expires_in: self.config().access_token_lifetime_seconds,
                    user_id,
                    credential_configuration_ids,
                    client_id: request.client_id.clone(),
                };
                let body = access_token_response(&token);
                TokenAnswer { status: 200, body, record: next, outcome: TokenOutcome::Issued(token) }
            }
        }
    }

    /// Both steps in one call, for hosts that already hold the record (looked up by
    /// [`TokenRequest::lookup_key`] of an earlier read, or the only record in play). A record whose code
    /// does not match the request's is treated as no record.
    pub fn token_endpoint(
        &self,
        form: &str,
        record: Option<&OfferRecord>,
        now: u64,
        entropy: &mut dyn Entropy,
    ) -> TokenAnswer {
        match self.read_token_request(form) {
            TokenStep::Find(request) => self.answer_token_request(&request, record, now, entropy),
            TokenStep::Answer(answer) => answer,
        }
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
