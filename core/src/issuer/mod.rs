//! The engine behind MATTR VII's offers API, with no I/O.
//!
//! | endpoint                                   | engine call                                              |
//! |--------------------------------------------|----------------------------------------------------------|
//! | `POST /v1/openid/offers`                   | [`Issuer::create_authorization_offer_json`]              |
//! | `POST /v1/openid/offers/pre-authorized`    | [`Issuer::create_pre_authorized_offer_json`] → response + [`OfferRecord`] |
//! | `DELETE /v1/openid/offers/pre-authorized/{id}` | [`Issuer::delete`]                                   |
//! | `POST /v1/oauth/token` (pre-authorized)    | [`Issuer::read_token_request`], the host's lookup, then [`Issuer::answer_token_request`] (or [`Issuer::token_endpoint`]) → [`TokenAnswer`](crate::TokenAnswer) |
//! | `GET` of an offer by reference             | [`Issuer::serve_offer`] (until redeemed or dead)         |
//! | `GET /v1/openid/offers/pre-authorized/{id}` | [`OfferRecord::status`]                                 |
//! | a periodic sweep                           | [`Issuer::check_expiry`]                                 |
//! | serving `/.well-known/openid-credential-issuer` | [`Issuer::check_metadata`] first                    |
//!
//! The configuration ([`IssuerConfig`]) is read once; the MATTR wire types ([`PreAuthorizedOfferRequest`]
//! and the rest) are plain serde values with `from_json`/`to_json`.
//!
//! Request bodies are read exactly as MATTR documents them, and a bad body is answered with *every*
//! problem found, in MATTR's error body ([`Error::to_mattr_body`]). Where MATTR is unsafe the engine
//! differs: `transactionCode` is a string, so leading zeros survive.
//!
//! Randomness is consumed in a fixed order, so fixed entropy reproduces a response byte for byte:
//! offer id (16 bytes), user id when none is given (16), pre-authorized code or reference token (32),
//! transaction code (rejection sampling, see [`generate_tx_code`](crate::secret::generate_tx_code)), transaction code salt (16),
//! and by reference the pre-authorized code (32).
//!
//! Every state change returns its [`OfferEvent`] beside the next record ([`crate::events`]).

mod config;
mod endpoint;
mod mattr;

pub use config::{IssuerConfig, MDOC_FORMAT, TOKEN_PLACEHOLDER, TxCodePolicy, WrongTxCodeError};
pub use mattr::{
    AuthorizationOffer, AuthorizationOfferRequest, PreAuthorizedOfferRequest, PreAuthorizedOfferResponse,
    TransactionCodeConfiguration,
};

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::json;

use crate::dialect::unsupported_tx_code;
use crate::error::{Error, ErrorKind, Result};
use crate::events::{OfferEvent, OfferEventKind, Transition, expiry_transition};
use crate::expiry::format_rfc3339_millis;
use crate::json::{JsonMembers, JsonValue};
use crate::limits::Limits;
use crate::metadata::IssuerMetadata;
use crate::offer::{
    CredentialOffer, InputMode, OfferBuilder, TxCode, blank_entry_problems, configuration_id_problems,
    description_problem,
};
use crate::record::{
    HMAC_SHA256, HmacKey, OfferRecord, OfferState, SALTED_SHA256, StoredTxCode, lookup_key, seal_code, unseal_code,
};
use crate::secret::{
    Entropy, MAX_CODE_LENGTH, PRE_AUTHORIZED_CODE_BYTES, Secret, generate_from_alphabet, generate_issuer_state,
    generate_token, generate_uuid_v4, is_uuid, random_bytes, token_of,
};
use crate::token::{RedeemRules, Redemption, TokenErrorCode, TokenRequest, redeem};
use crate::uri::{BuildOptions, offer_reference_uri};
use crate::url::{UrlRole, check_https_url};
use mattr::check_request_parameters;

const SALT_BYTES: usize = 16;
/// A created pre-authorized offer: the response for the API caller and the record for the store.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PreAuthorizedOffer {
    /// What the endpoint answers.
    pub response: PreAuthorizedOfferResponse,
    /// What the host stores (no secret in plain text).
    pub record: OfferRecord,
    /// `offer.created`, to store with the record.
    pub event: OfferEvent,
}

/// An offer served by reference ([`Issuer::serve_offer`]).
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServedOffer {
    /// The offer JSON to answer with [`OFFER_RESPONSE_HEADERS`]. It holds the pre-authorized code.
    pub json: Secret,
    /// The next record (the fetch counted): store it with compare-and-swap on the version read.
    pub record: OfferRecord,
    /// `offer.fetched`, with the fetch count.
    pub event: OfferEvent,
}

impl fmt::Debug for ServedOffer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServedOffer").field("record", &self.record).field("event", &self.event).finish_non_exhaustive()
    }
}

/// Why an offer was not served ([`Issuer::serve_offer`]), and what to store all the same.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct NotServed {
    /// [`ErrorKind::OfferNotFound`] (answer 404), or [`ErrorKind::InvalidRecord`] for a damaged record.
    pub error: Error,
    /// `offer.expired` when this fetch is the first to find the offer expired: store it with
    /// compare-and-swap like any change (losing the swap is fine: the winner reported the expiry or moved
    /// the offer on). Boxed: a refusal is then small enough to return by value.
    pub expired: Option<Box<Transition>>,
}

impl From<Error> for NotServed {
    fn from(error: Error) -> Self {
        Self { error, expired: None }
    }
}

/// The headers of an offer served by reference: JSON, and never cached (the body holds a bearer code).
pub const OFFER_RESPONSE_HEADERS: [(&str, &str); 2] =
    [("Content-Type", "application/json"), ("Cache-Control", "no-store")];

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
        if config.access_token_lifetime_seconds == 0 {
            return invalid("accessTokenLifetimeSeconds", "access tokens must live at least one second");
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

    /// How this issuer writes its offers: its dialect, base and `http` allowance.
    pub fn build_options(&self) -> BuildOptions {
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
    /// use credoffer::{FixedEntropy, Issuer, IssuerConfig};
    /// use credoffer::issuer::AuthorizationOfferRequest;
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
    /// use credoffer::{FixedEntropy, Issuer, IssuerConfig};
    /// use credoffer::issuer::PreAuthorizedOfferRequest;
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
        self.check_claims_to_persist(request, &mut problems);
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
        // By value this is the pre-authorized code; by reference the token in the offer URL.
        let first_secret = generate_token(PRE_AUTHORIZED_CODE_BYTES, entropy)?;
        let (transaction_code, stored_tx_code) = match &tx_code {
            Some(prompt) => {
                let (code, stored) = self.new_tx_code(prompt, entropy)?;
                (Some(code), Some(stored))
            }
            None => (None, None),
        };
        // By reference the code is drawn on its own, after everything else (so by-value offers draw exactly
        // what they always did): nothing about it follows from the URL. The record keeps it sealed under
        // the URL's token, which it keeps only as a lookup key.
        let (code, reference) = match &self.config.offer_url_template {
            Some(_) => {
                let code = random_bytes(PRE_AUTHORIZED_CODE_BYTES, entropy)?;
                let sealed = seal_code(first_secret.expose(), &code)?;
                (token_of(&code)?, Some((first_secret, sealed)))
            }
            None => (first_secret, None),
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
            reference_hash: reference.as_ref().map(|(token, _)| lookup_key(token.expose())),
            sealed_code: reference.as_ref().map(|(_, sealed)| sealed.clone()),
            fetch_count: 0,
            first_fetched_at: None,
            last_fetched_at: None,
            redeemed_at: None,
            invalidated_at: None,
            deleted_at: None,
            replayed_at: None,
            expiry_reported: false,
            access_token: None,
        };
        let uri = match (&self.config.offer_url_template, &reference) {
            (Some(template), Some((token, _))) => {
                offer_reference_uri(&template.replace(TOKEN_PLACEHOLDER, token.expose()), &self.build_options())?
            }
            _ => self.pre_authorized_offer(&record, &code)?.to_uri(&self.build_options())?,
        };
        let response = PreAuthorizedOfferResponse {
            id,
            user_id,
            uri,
            expires_at: format_rfc3339_millis(record.expires_at),
            transaction_code: transaction_code.map(|code| code.expose().to_owned()),
        };
        let event = OfferEvent::of(OfferEventKind::Created, &record, now);
        Ok(PreAuthorizedOffer { response, record, event })
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

    /// Serves an offer by reference: the offer JSON for `GET` (or `HEAD`) of the offer URL.
    ///
    /// `token` is the reference token from the URL path (the host finds the record by
    /// [`lookup_key`]`(token)` = `record.reference_hash`). Wallets fetch an offer more than once, so it is
    /// served again and again — each fetch counted in the next record and reported as `offer.fetched` —
    /// until it is redeemed, invalidated, deleted or expired, or [`IssuerConfig::max_offer_fetches`] is
    /// reached; then [`ErrorKind::OfferNotFound`], with `offer.expired` to store when this fetch is the
    /// first to find the offer expired (as the token endpoint reports an expiry it meets). The offer URL
    /// is a bearer credential: the transaction code is what protects the offer.
    pub fn serve_offer(
        &self,
        record: &OfferRecord,
        token: &str,
        now: u64,
    ) -> std::result::Result<ServedOffer, NotServed> {
        let not_found = |expired| NotServed {
            error: Error::new(ErrorKind::OfferNotFound, "no offer to serve at this address"),
            expired,
        };
        let Some(reference_hash) = &record.reference_hash else { return Err(not_found(None)) };
        // Constant time (subtle): a comparison that stops at the first differing byte would let a caller
        // who guesses tokens learn from response times how much of the stored hash each guess matched.
        if !crate::secret::constant_time_eq(lookup_key(token).as_bytes(), reference_hash.as_bytes()) {
            return Err(not_found(None));
        }
        if record.is_dead(now) {
            return Err(not_found(expiry_transition(record, now).map(Box::new)));
        }
        if self.config.max_offer_fetches.is_some_and(|max| record.fetch_count >= max) {
            return Err(not_found(None));
        }
        let code = unseal_code(record, token)?;
        let json = Secret::new(self.pre_authorized_offer(record, &code)?.to_json(&self.build_options())?);
        let mut next = record.next();
        next.fetch_count = record.fetch_count.saturating_add(1);
        next.first_fetched_at.get_or_insert(now);
        next.last_fetched_at = Some(now);
        let event = OfferEvent::of(OfferEventKind::Fetched, &next, now);
        Ok(ServedOffer { json, record: next, event })
    }

    /// Reports an offer that expired before it was redeemed, once: the transition to store (and its
    /// `offer.expired` event) for a live offer past its expiry whose expiry was not reported yet;
    /// `None` otherwise. A host's periodic sweep calls it for its live records; the token endpoint reports
    /// an expiry it meets itself.
    pub fn check_expiry(&self, record: &OfferRecord, now: u64) -> Option<Transition> {
        expiry_transition(record, now)
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

    /// `DELETE /v1/openid/offers/pre-authorized/{id}` at `now`: the offer can never be redeemed afterwards
    /// (`offer.deleted`). Deleting a deleted offer is [`ErrorKind::OfferNotFound`] (404), as for an
    /// unknown id.
    pub fn delete(&self, record: &OfferRecord, now: u64) -> Result<Transition> {
        if record.state == OfferState::Deleted {
            return Err(Error::new(ErrorKind::OfferNotFound, "Resource Not Found").at("id"));
        }
        let mut next = record.next();
        next.state = OfferState::Deleted;
        next.deleted_at = Some(now);
        Ok(Transition::new(OfferEventKind::Deleted, next, now))
    }

    fn check_credentials(&self, credentials: &[String], mdoc_only: bool, problems: &mut Vec<Error>) {
        // One problem per cause: a list the body reader found missing or not a list, or an entry it found
        // not a string, is not reported again by the rules below.
        let reported: Vec<String> = problems.iter().filter_map(|problem| problem.field().map(str::to_owned)).collect();
        if reported.iter().any(|field| field == "credentials") {
            return;
        }
        let fresh = |field: &str| !reported.iter().any(|earlier| earlier == field);
        // The offer's rules for its ids, every problem listed, in entry order.
        let max = Limits::DEFAULT.max_credential_configuration_ids;
        let mut rules = configuration_id_problems(credentials, "credentials", max).into_iter().peekable();
        if credentials.is_empty() || credentials.len() > max {
            problems.extend(rules);
            return;
        }
        for (index, id) in credentials.iter().enumerate() {
            let field = format!("credentials[{index}]");
            if let Some(problem) = rules.next_if(|problem| problem.field() == Some(field.as_str())) {
                if fresh(&field) {
                    problems.push(problem);
                }
                continue;
            }
            if !fresh(&field) {
                continue;
            }
            // Then what this issuer supports.
            let problem = match self.config.credential_configurations.get(id) {
                None => Error::new(
                    ErrorKind::UnknownCredentialConfiguration,
                    format!("{id:?} is not a supported configuration"),
                ),
                Some(format) if mdoc_only && format != MDOC_FORMAT => Error::new(
                    ErrorKind::UnsupportedFormat,
                    format!("{id:?} is {format}; pre-authorized offers are limited to mso_mdoc"),
                ),
                Some(_) => continue,
            };
            problems.push(problem.at(field).with_value(json!(id)));
        }
    }

    /// Every claim to persist is named, and is one of the claims (one problem per entry).
    fn check_claims_to_persist(&self, request: &PreAuthorizedOfferRequest, problems: &mut Vec<Error>) {
        let names = &request.claims_to_persist;
        let Some(claims) = &request.claims else {
            if !names.is_empty() {
                problems.push(
                    Error::new(ErrorKind::InvalidClaims, "claimsToPersist names claims, but there are no claims")
                        .at("claimsToPersist"),
                );
            }
            return;
        };
        let reported: Vec<String> = problems.iter().filter_map(|problem| problem.field().map(str::to_owned)).collect();
        let mut blank = blank_entry_problems(names, "claimsToPersist").into_iter().peekable();
        for (index, name) in names.iter().enumerate() {
            let field = format!("claimsToPersist[{index}]");
            let problem = match blank.next_if(|problem| problem.field() == Some(field.as_str())) {
                Some(problem) => problem,
                None if claims.contains_key(name) => continue,
                None => Error::new(ErrorKind::InvalidClaims, format!("claim {name:?} is not in claims"))
                    .at(field.clone())
                    .with_value(json!(name)),
            };
            if !reported.contains(&field) {
                problems.push(problem);
            }
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
        if let Some(problem) = configuration
            .description
            .as_deref()
            .and_then(description_problem)
            .map(|problem| problem.at("transactionCodeConfiguration.description"))
        {
            problems.push(problem);
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
impl Issuer {
    /// Checks that Credential Issuer Metadata describes this issuer, as a host that serves both must:
    /// the same identifier, byte for byte, and every configuration the issuer offers listed with the
    /// format the issuer gives it (a wallet reads the format from the metadata, not from the offer).
    ///
    /// ```
    /// use credoffer::{Issuer, IssuerConfig, IssuerMetadata};
    ///
    /// let issuer = Issuer::new(IssuerConfig::from_json(
    ///     r#"{"credentialIssuer": "https://issuer.example.com", "credentialConfigurations": {"mdl": "mso_mdoc"}}"#,
    /// )?)?;
    /// let metadata = IssuerMetadata::from_json(r#"{"credential_issuer": "https://issuer.example.com",
    ///     "credential_configurations_supported": {"mdl": {"format": "dc+sd-jwt"}}}"#)?;
    /// let error = issuer.check_metadata(&metadata).unwrap_err();
    /// assert_eq!((error.code(), error.field()), ("invalid_metadata", Some("credential_configurations_supported.mdl.format")));
    /// # Ok::<(), credoffer::Error>(())
    /// ```
    pub fn check_metadata(&self, metadata: &IssuerMetadata) -> Result<()> {
        let config = &self.config;
        if metadata.credential_issuer != config.credential_issuer {
            return Err(Error::new(
                ErrorKind::IssuerMismatch,
                format!(
                    "the metadata names issuer {:?} but the issuer is {:?}; they must be identical",
                    metadata.credential_issuer, config.credential_issuer
                ),
            )
            .at("credential_issuer"));
        }
        for (id, format) in &config.credential_configurations {
            match metadata.formats.get(id) {
                None => {
                    return Err(Error::new(
                        ErrorKind::UnknownCredentialConfiguration,
                        format!("the metadata does not list credential configuration {id:?}"),
                    )
                    .at(format!("credential_configurations_supported.{id}")));
                }
                Some(listed) if listed != format => {
                    return Err(Error::new(
                        ErrorKind::InvalidMetadata,
                        format!("the metadata gives {id:?} format {listed:?}, but the issuer gives it {format:?}"),
                    )
                    .at(format!("credential_configurations_supported.{id}.format")));
                }
                Some(_) => {}
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialect::Dialect;

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
