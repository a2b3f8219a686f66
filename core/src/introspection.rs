//! Token introspection (RFC 7662): what an access token from the token endpoint grants, for the
//! issuer's credential endpoint.
//!
//! A redemption binds its access token to the offer's record ([`OfferRecord::access_token`]: the token's
//! lookup key, lifetime and client). The credential endpoint sends the token it received; the host reads
//! the request ([`IntrospectionRequest::from_form`]), finds the record whose access token hash is
//! [`IntrospectionRequest::lookup_key`], and [`introspect`] answers: the user (`sub`), the granted
//! configurations as OAuth `authorization_details` of type `openid_credential` (OpenID4VCI 1.0 §5.1.1),
//! and the offer's claims. An unknown, expired or revoked token is `{"active": false}`, whichever it is.
//!
//! ```
//! use credoffer::introspection::{introspect, IntrospectionRequest};
//! use credoffer::{FixedEntropy, Issuer, IssuerConfig, OfferUri, ParseOptions, TokenStep, parse_offer_uri};
//! use credoffer::token::TokenOutcome;
//!
//! let issuer = Issuer::new(IssuerConfig::from_json(
//!     r#"{"credentialIssuer": "https://issuer.example.com", "credentialConfigurations": {"mdl": "mso_mdoc"}}"#,
//! )?)?;
//! let created = issuer.create_pre_authorized_offer_json(
//!     r#"{"credentials": ["mdl"], "userId": "0b2f3a5c-6d7e-4f80-9a1b-2c3d4e5f6a7b"}"#, 1_000, &mut FixedEntropy::new([7u8; 128]))?;
//! let OfferUri::ByValue(parsed) = parse_offer_uri(&created.response.uri, &ParseOptions::default())? else { unreachable!() };
//! let code = &parsed.offer.pre_authorized_code_grant().unwrap().pre_authorized_code;
//! let form = format!("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Apre-authorized_code&pre-authorized_code={code}");
//! let answer = issuer.token_endpoint(&form, Some(&created.record), 1_030, &mut FixedEntropy::new([9u8; 32]));
//! let TokenOutcome::Issued(issued) = answer.outcome() else { unreachable!() };
//! let redeemed = answer.record_to_store().unwrap();
//!
//! // The credential endpoint asks what the token grants.
//! let request = IntrospectionRequest::from_form(&format!("token={}", issued.access_token.expose()))?;
//! assert_eq!(Some(request.lookup_key()), redeemed.access_token.as_ref().map(|token| token.token_hash.clone()));
//! let answer = introspect(&request, Some(redeemed), 1_040);
//! assert!(answer.to_json().starts_with(r#"{"active":true,"token_type":"Bearer","iat":1030,"exp":1330,"sub":"0b2f3a5c"#));
//! assert_eq!(introspect(&request, Some(redeemed), 1_330).to_json(), r#"{"active":false}"#);
//! # Ok::<(), credoffer::Error>(())
//! ```

use serde::Serialize;

use crate::error::{Error, ErrorKind, Result};
use crate::json::JsonMembers;
use crate::limits::{MAX_TOKEN_REQUEST_BYTES, too_long};
use crate::record::{AccessTokenRecord, OfferRecord, OfferState, lookup_key};
use crate::secret::{Secret, constant_time_eq};
use crate::token::form_pairs;

/// The headers of an introspection answer: it describes a live token, so nothing may cache it.
pub const INTROSPECTION_RESPONSE_HEADERS: [(&str, &str); 2] =
    [("Content-Type", "application/json"), ("Cache-Control", "no-store")];

/// An introspection request (RFC 7662 §2.1), read from its form body.
#[derive(Clone, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub struct IntrospectionRequest {
    /// The token to describe (redacted from `Debug`).
    pub token: Secret,
    /// The caller's hint about the token's type; only access tokens are issued here, so it changes nothing.
    pub token_type_hint: Option<String>,
}

impl IntrospectionRequest {
    /// A request for `token`, for hosts that read the parameter themselves (a JSON API, a CLI).
    pub fn new(token: &str) -> Self {
        Self { token: Secret::new(token), token_type_hint: None }
    }

    /// Reads an `application/x-www-form-urlencoded` body (at most [`MAX_TOKEN_REQUEST_BYTES`]): `token` is
    /// required, `token_type_hint` optional, other parameters are ignored, none may appear twice.
    ///
    /// ```
    /// use credoffer::introspection::IntrospectionRequest;
    ///
    /// let request = IntrospectionRequest::from_form("token=mF_9.B5f-4.1JqM&token_type_hint=access_token")?;
    /// assert_eq!(request.token.expose(), "mF_9.B5f-4.1JqM");
    /// assert_eq!(IntrospectionRequest::from_form("token_type_hint=x").unwrap_err().field(), Some("token"));
    /// # Ok::<(), credoffer::Error>(())
    /// ```
    pub fn from_form(body: &str) -> Result<Self> {
        if body.len() > MAX_TOKEN_REQUEST_BYTES {
            return Err(too_long("the introspection request", body.len(), MAX_TOKEN_REQUEST_BYTES));
        }
        let [token, token_type_hint] = form_pairs(body, ["token", "token_type_hint"])?;
        // RFC 6749 §3.1, which RFC 7662 builds on: an empty parameter is an omitted one.
        let Some(token) = token.filter(|token| !token.is_empty()) else {
            return Err(Error::new(ErrorKind::InvalidTokenRequest, "the request has no token").at("token"));
        };
        Ok(Self { token: Secret::new(token), token_type_hint: token_type_hint.filter(|hint| !hint.is_empty()) })
    }

    /// The key of the record whose [`AccessTokenRecord::token_hash`] this token has.
    pub fn lookup_key(&self) -> String {
        lookup_key(self.token.expose())
    }
}

/// What introspection says of a token.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Introspection {
    /// Unknown, expired or revoked: the answer does not say which.
    Inactive,
    /// In force: what it grants.
    Active(ActiveToken),
}

/// An access token in force, and what it grants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ActiveToken {
    /// When it was issued, Unix seconds (`iat`).
    #[serde(rename = "iat")]
    pub issued_at: u64,
    /// When it expires, Unix seconds (`exp`).
    #[serde(rename = "exp")]
    pub expires_at: u64,
    /// The user the offer was for (`sub`).
    #[serde(rename = "sub")]
    pub user_id: String,
    /// The `client_id` the wallet sent when it redeemed the code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// The configurations the offer named: the credentials the token may obtain.
    #[serde(skip)]
    pub credential_configuration_ids: Vec<String>,
    /// The claims the offer carried for issuance, exactly as given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claims: Option<JsonMembers>,
    /// The names of the claims to persist against the user.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub claims_to_persist: Vec<String>,
}

/// One entry of `authorization_details` (OpenID4VCI 1.0 §5.1.1).
#[derive(Serialize)]
struct AuthorizationDetail<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    credential_configuration_id: &'a str,
}

/// The answer's wire shape (RFC 7662 §2.2).
#[derive(Serialize)]
struct ActiveView<'a> {
    active: bool,
    token_type: &'static str,
    #[serde(flatten)]
    token: &'a ActiveToken,
    authorization_details: Vec<AuthorizationDetail<'a>>,
}

impl Introspection {
    /// Whether the token is in force.
    pub fn is_active(&self) -> bool {
        matches!(self, Introspection::Active(_))
    }

    /// The response body: `{"active": false}`, or `{"active": true, "token_type": "Bearer", "iat", "exp",
    /// "sub", "client_id"?, "claims"?, "claims_to_persist"?, "authorization_details": [{"type":
    /// "openid_credential", "credential_configuration_id"}]}`. Send it with status 200 and
    /// [`INTROSPECTION_RESPONSE_HEADERS`].
    pub fn to_json(&self) -> String {
        let Introspection::Active(token) = self else { return r#"{"active":false}"#.to_owned() };
        let authorization_details = token
            .credential_configuration_ids
            .iter()
            .map(|id| AuthorizationDetail { kind: "openid_credential", credential_configuration_id: id })
            .collect();
        let view = ActiveView { active: true, token_type: "Bearer", token, authorization_details };
        // Strings, integers and caller JSON kept as valid text: serialising cannot fail.
        serde_json::to_string(&view).unwrap_or_default()
    }
}

/// Introspects the token of `request` against the record found by its lookup key (`None` when the host
/// found none) at `now`. Active only when the record's access token is this one (compared in constant
/// time), not revoked, not expired, and the offer was not deleted since.
pub fn introspect(request: &IntrospectionRequest, record: Option<&OfferRecord>, now: u64) -> Introspection {
    let Some((record, token)) = record.and_then(|record| Some((record, record.access_token.as_ref()?))) else {
        return Introspection::Inactive;
    };
    let hash = request.lookup_key();
    // Constant time (subtle), as for every secret: a hash compared early-out would leak how much of a
    // guessed token's lookup key matched.
    let matches = constant_time_eq(hash.as_bytes(), token.token_hash.as_bytes());
    if !matches || !in_force(record, token, now) {
        return Introspection::Inactive;
    }
    Introspection::Active(ActiveToken {
        issued_at: token.issued_at,
        expires_at: token.expires_at,
        user_id: record.user_id.clone(),
        client_id: token.client_id.clone(),
        credential_configuration_ids: record.credential_configuration_ids.clone(),
        claims: record.claims.clone(),
        claims_to_persist: record.claims_to_persist.clone(),
    })
}

/// Both steps in one call, for hosts that already hold the record found by the request's lookup key (or
/// found none): reads the form body, then answers as [`introspect`]. A record bound to another token
/// answers as no record.
pub fn introspection_endpoint(form: &str, record: Option<&OfferRecord>, now: u64) -> Result<Introspection> {
    Ok(introspect(&IntrospectionRequest::from_form(form)?, record, now))
}

fn in_force(record: &OfferRecord, token: &AccessTokenRecord, now: u64) -> bool {
    !token.revoked && now < token.expires_at && record.state == OfferState::Redeemed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_never_shows_in_debug_and_inactive_says_nothing_more() {
        let request = IntrospectionRequest::from_form("token=TOP-SECRET-TOKEN&other=1").unwrap();
        assert_eq!(request, IntrospectionRequest::new("TOP-SECRET-TOKEN"));
        assert!(!format!("{request:?}").contains("TOP-SECRET-TOKEN"));
        let answer = introspect(&request, None, 0);
        assert!(!answer.is_active());
        assert_eq!(answer.to_json(), r#"{"active":false}"#);
        assert_eq!(introspection_endpoint("token=TOP-SECRET-TOKEN", None, 0).unwrap(), answer);
        let refused = introspection_endpoint("token_type_hint=x", None, 0).unwrap_err();
        assert_eq!((refused.kind(), refused.field()), (ErrorKind::InvalidTokenRequest, Some("token")));
    }

    #[test]
    fn a_request_too_large_is_refused_before_it_is_read() {
        let body = format!("token={}", "a".repeat(MAX_TOKEN_REQUEST_BYTES));
        assert_eq!(IntrospectionRequest::from_form(&body).unwrap_err().kind(), ErrorKind::LimitExceeded);
    }
}
