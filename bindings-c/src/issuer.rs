//! The issuer engine as JSON in, JSON out: MATTR VII's three offer endpoints, serving offers by
//! reference, and redemption at the token endpoint. Records are JSON the host stores anywhere.

use std::ffi::c_char;

use credoffer::{Issuer, IssuerConfig, OfferRecord, RedeemOutcome, Redemption, TokenError, TokenRequest};

use crate::boundary::{
    Failure, Out, Outcome, StringOut, Text, access, credoffer_str, free_handle, guard, handle, into_handle, text,
};
use crate::error::credoffer_error;
use crate::secret::EntropySource;
use crate::status::credoffer_status;

/// An issuer (opaque): a checked configuration. Made by `credoffer_issuer_new`, freed by
/// `credoffer_issuer_free`. Safe to use from several threads at once.
#[derive(Debug)]
pub struct credoffer_issuer {
    issuer: Issuer,
}

/// Makes an issuer from its configuration JSON (camelCase members, absent ones take the engine's
/// defaults), e.g. `{"credentialIssuer": "https://issuer.example.com", "credentialConfigurations":
/// {"mdl": "mso_mdoc"}}`. `CREDOFFER_STATUS_INVALID_CONFIGURATION` when it is malformed or inconsistent.
///
/// # Safety
/// `config_json` points to `config_len` readable bytes; `out` is NULL or writable; `error` is NULL
/// or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_issuer_new(
    config_json: *const c_char,
    config_len: usize,
    out: *mut *mut credoffer_issuer,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    guard(error, || {
        let out = Out::required(out, "out")?.cleared();
        // SAFETY: forwarded from this function's contract.
        let config = unsafe { text(config_json, config_len, "config_json") }?;
        let issuer = Issuer::new(IssuerConfig::from_json(config)?)?;
        out.write(into_handle(credoffer_issuer { issuer }));
        Ok(())
    })
}

/// Frees an issuer. NULL is ignored.
///
/// # Safety
/// `issuer` is NULL or an issuer from this library, not freed before and not used after.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_issuer_free(issuer: *mut credoffer_issuer) {
    // SAFETY: forwarded from this function's contract.
    unsafe { free_handle(issuer) }
}

fn record(json: &str) -> Outcome<OfferRecord> {
    Ok(OfferRecord::from_json(json)?)
}

/// `POST /v1/openid/offers`: an authorization code offer from the request body
/// (`{"credentials": [...], "request_parameters"?: {...}}`, as MATTR names them). `*response_json` is the response body
/// (`{"uri", "issuerState"?}`). On `CREDOFFER_STATUS_VALIDATION_FAILED` and other request errors, answer
/// with `credoffer_error_http_status` and `credoffer_error_mattr_json`. Entropy as for
/// `credoffer_generate_pre_authorized_code` (NULL: the system CSPRNG).
///
/// # Safety
/// `issuer` is NULL or a live issuer; `body` points to `body_len` readable bytes; `entropy` is NULL
/// or points to `entropy_len` readable bytes; `response_json` and `response_len` are NULL or writable;
/// `error` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_issuer_create_authorization_offer(
    issuer: *const credoffer_issuer,
    body: *const c_char,
    body_len: usize,
    entropy: *const u8,
    entropy_len: usize,
    response_json: *mut *mut c_char,
    response_len: *mut usize,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    guard(error, || {
        let response = StringOut::new(response_json, response_len, "response_json")?;
        // SAFETY: forwarded from this function's contract.
        let issuer = unsafe { handle(issuer, "issuer") }?;
        // SAFETY: forwarded from this function's contract.
        let body = unsafe { text(body, body_len, "body") }?;
        // SAFETY: forwarded from this function's contract.
        let mut source = unsafe { EntropySource::read(entropy, entropy_len) }?;
        let offer = issuer.issuer.create_authorization_offer_json(body, source.as_dyn())?;
        response.write(offer.to_json())
    })
}

/// `POST /v1/openid/offers/pre-authorized`: a pre-authorized offer from the request body
/// (`{"credentials", "userId"?, "transactionCodeConfiguration"?, "claims"?, "claimsToPersist"?,
/// "expiresIn"?}`) at `now` (Unix seconds). `*response_json` is the response body (`{"id", "userId",
/// "uri", "expiresAt", "transactionCode"?}`: the transaction code is a secret for the user, on another
/// channel); `*record_json` is the record to store (no secret in plain text). Free both with
/// `credoffer_string_free`.
///
/// # Safety
/// `issuer` is NULL or a live issuer; `body` points to `body_len` readable bytes; `entropy` is NULL
/// or points to `entropy_len` readable bytes; the out-parameters are NULL or writable; `error` is
/// NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_issuer_create_pre_authorized_offer(
    issuer: *const credoffer_issuer,
    body: *const c_char,
    body_len: usize,
    now: u64,
    entropy: *const u8,
    entropy_len: usize,
    response_json: *mut *mut c_char,
    response_len: *mut usize,
    record_json: *mut *mut c_char,
    record_len: *mut usize,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    guard(error, || {
        let response = StringOut::new(response_json, response_len, "response_json")?;
        let record_out = StringOut::new(record_json, record_len, "record_json")?;
        // SAFETY: forwarded from this function's contract.
        let issuer = unsafe { handle(issuer, "issuer") }?;
        // SAFETY: forwarded from this function's contract.
        let body = unsafe { text(body, body_len, "body") }?;
        // SAFETY: forwarded from this function's contract.
        let mut source = unsafe { EntropySource::read(entropy, entropy_len) }?;
        let offer = issuer.issuer.create_pre_authorized_offer_json(body, now, source.as_dyn())?;
        let (response_text, record_text) = (Text::new(offer.response.to_json())?, Text::new(offer.record.to_json())?);
        response.write_text(response_text);
        record_out.write_text(record_text);
        Ok(())
    })
}

/// `DELETE /v1/openid/offers/pre-authorized/{id}`: `*next_record_json` is the record to store (the
/// offer can never be redeemed afterwards). `CREDOFFER_STATUS_OFFER_NOT_FOUND` (HTTP 404) for an
/// offer deleted before.
///
/// # Safety
/// `issuer` is NULL or a live issuer; `record_json` points to `record_len` readable bytes; the
/// out-parameters are NULL or writable; `error` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_issuer_delete(
    issuer: *const credoffer_issuer,
    record_json: *const c_char,
    record_len: usize,
    next_record_json: *mut *mut c_char,
    next_record_len: *mut usize,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    guard(error, || {
        let next = StringOut::new(next_record_json, next_record_len, "next_record_json")?;
        // SAFETY: forwarded from this function's contract.
        let issuer = unsafe { handle(issuer, "issuer") }?;
        // SAFETY: forwarded from this function's contract.
        let stored = record(unsafe { text(record_json, record_len, "record_json") }?)?;
        next.write(issuer.issuer.delete(&stored)?.to_json())
    })
}

/// Serves an offer by reference, once: `token` is the reference token from the offer URL's path,
/// `*offer_json` the offer JSON to answer `GET` with, `*next_record_json` the record to store (marked
/// served). `CREDOFFER_STATUS_OFFER_NOT_FOUND` for a wrong token, a second fetch, or a dead offer.
///
/// # Safety
/// `issuer` is NULL or a live issuer; `record_json` and `token` point to their lengths in readable
/// bytes; the out-parameters are NULL or writable; `error` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_issuer_serve_offer(
    issuer: *const credoffer_issuer,
    record_json: *const c_char,
    record_len: usize,
    token: *const c_char,
    token_len: usize,
    now: u64,
    offer_json: *mut *mut c_char,
    offer_len: *mut usize,
    next_record_json: *mut *mut c_char,
    next_record_len: *mut usize,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    guard(error, || {
        let offer_out = StringOut::new(offer_json, offer_len, "offer_json")?;
        let next_out = StringOut::new(next_record_json, next_record_len, "next_record_json")?;
        // SAFETY: forwarded from this function's contract.
        let issuer = unsafe { handle(issuer, "issuer") }?;
        // SAFETY: forwarded from this function's contract.
        let stored = record(unsafe { text(record_json, record_len, "record_json") }?)?;
        // SAFETY: forwarded from this function's contract.
        let token = unsafe { text(token, token_len, "token") }?;
        let (offer, next) = issuer.issuer.serve_offer(&stored, token, now)?;
        let (offer_text, next_text) = (Text::new(offer)?, Text::new(next.to_json())?);
        offer_out.write_text(offer_text);
        next_out.write_text(next_text);
        Ok(())
    })
}

/// The result of a redemption (opaque): what to answer the wallet and the record to store. Freed by
/// `credoffer_redemption_free`.
#[derive(Debug)]
pub struct credoffer_redemption {
    redemption: Redemption,
}

impl std::ops::Deref for credoffer_redemption {
    type Target = Redemption;

    fn deref(&self) -> &Redemption {
        &self.redemption
    }
}

/// Why a token request was refused, borrowed from the redemption.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct credoffer_token_error {
    /// The OAuth error code: `invalid_grant`, `invalid_request`, `invalid_tx_code` or
    /// `unsupported_grant_type`.
    pub error: credoffer_str,
    /// A description safe to send to the wallet (it never contains a code).
    pub description: credoffer_str,
    /// Whether `failed_attempts_left` is given (after a wrong transaction code).
    pub has_failed_attempts_left: bool,
    /// How many more wrong transaction codes the offer tolerates.
    pub failed_attempts_left: u32,
    /// The code was used before: revoke every token issued from it (RFC 9700 §4.2.4).
    pub revoke_issued_tokens: bool,
    /// The HTTP status to answer with (400).
    pub http_status: u16,
}

/// The token endpoint: redeems the form-encoded token request `form` against the stored record at
/// `now`. A malformed body fails with `CREDOFFER_STATUS_INVALID_TOKEN_REQUEST` or
/// `CREDOFFER_STATUS_UNSUPPORTED_GRANT_TYPE` before the record is read (answer with
/// `credoffer_error_token_error_json`); otherwise `*out` says whether to issue a token or refuse,
/// and the next record to store with compare-and-swap when it changed.
///
/// # Safety
/// `issuer` is NULL or a live issuer; `record_json` and `form` point to their lengths in readable
/// bytes; `out` is NULL or writable; `error` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_issuer_redeem(
    issuer: *const credoffer_issuer,
    record_json: *const c_char,
    record_len: usize,
    form: *const c_char,
    form_len: usize,
    now: u64,
    out: *mut *mut credoffer_redemption,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    guard(error, || {
        let out = Out::required(out, "out")?.cleared();
        // SAFETY: forwarded from this function's contract.
        let issuer = unsafe { handle(issuer, "issuer") }?;
        // SAFETY: forwarded from this function's contract.
        let request = TokenRequest::from_form(unsafe { text(form, form_len, "form") }?)?;
        // SAFETY: forwarded from this function's contract.
        let stored = record(unsafe { text(record_json, record_len, "record_json") }?)?;
        let redemption = issuer.issuer.redeem(&stored, &request, now)?;
        out.write(into_handle(credoffer_redemption { redemption }));
        Ok(())
    })
}

/// Frees a redemption. NULL is ignored.
///
/// # Safety
/// `redemption` is NULL or a redemption from this library, not freed before and not used after.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_redemption_free(redemption: *mut credoffer_redemption) {
    // SAFETY: forwarded from this function's contract.
    unsafe { free_handle(redemption) }
}

/// Whether to issue the access token (true) or refuse (false; see `credoffer_redemption_token_error`).
///
/// # Safety
/// `redemption` is NULL or a live redemption; `out` is NULL or writable; `error` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_redemption_issued(
    redemption: *const credoffer_redemption,
    out: *mut bool,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    // SAFETY: forwarded from this function's contract.
    unsafe { access(redemption, "redemption", out, error, |r| Ok(matches!(r.outcome, RedeemOutcome::Issued { .. }))) }
}

/// The user the offer is for, when issued; `out->data` is NULL when refused.
///
/// # Safety
/// `redemption` is NULL or a live redemption; `out` is NULL or writable; `error` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_redemption_user_id(
    redemption: *const credoffer_redemption,
    out: *mut credoffer_str,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        access(redemption, "redemption", out, error, |r| {
            Ok(match &r.outcome {
                RedeemOutcome::Issued { user_id, .. } => credoffer_str::borrow(user_id),
                RedeemOutcome::Rejected(_) => credoffer_str::absent(),
            })
        })
    }
}

fn issued_ids(redemption: &Redemption) -> &[String] {
    match &redemption.outcome {
        RedeemOutcome::Issued { credential_configuration_ids, .. } => credential_configuration_ids,
        RedeemOutcome::Rejected(_) => &[],
    }
}

/// How many credential configurations the token is for (0 when refused).
///
/// # Safety
/// `redemption` is NULL or a live redemption; `out` is NULL or writable; `error` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_redemption_id_count(
    redemption: *const credoffer_redemption,
    out: *mut usize,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    // SAFETY: forwarded from this function's contract.
    unsafe { access(redemption, "redemption", out, error, |r| Ok(issued_ids(r).len())) }
}

/// Credential configuration id `index` of an issued token (scope the token to them).
///
/// # Safety
/// `redemption` is NULL or a live redemption; `out` is NULL or writable; `error` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_redemption_id(
    redemption: *const credoffer_redemption,
    index: usize,
    out: *mut credoffer_str,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        access(redemption, "redemption", out, error, |r| {
            let ids = issued_ids(r);
            ids.get(index)
                .map(|id| credoffer_str::borrow(id))
                .ok_or_else(|| Failure::out_of_range("index", index, ids.len()))
        })
    }
}

fn token_error(redemption: &Redemption) -> Option<&TokenError> {
    match &redemption.outcome {
        RedeemOutcome::Rejected(error) => Some(error),
        RedeemOutcome::Issued { .. } => None,
    }
}

/// Why the request was refused. When the token is issued, `out->error.data` is NULL and the other
/// members are zero.
///
/// # Safety
/// `redemption` is NULL or a live redemption; `out` is NULL or writable; `error` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_redemption_token_error(
    redemption: *const credoffer_redemption,
    out: *mut credoffer_token_error,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        access(redemption, "redemption", out, error, |r| {
            Ok(match token_error(r) {
                Some(refusal) => credoffer_token_error {
                    error: credoffer_str::borrow(refusal.error.as_str()),
                    description: credoffer_str::borrow(&refusal.description),
                    has_failed_attempts_left: refusal.failed_attempts_left.is_some(),
                    failed_attempts_left: refusal.failed_attempts_left.unwrap_or(0),
                    revoke_issued_tokens: refusal.revoke_issued_tokens,
                    http_status: refusal.http_status(),
                },
                None => credoffer_token_error {
                    error: credoffer_str::absent(),
                    description: credoffer_str::absent(),
                    has_failed_attempts_left: false,
                    failed_attempts_left: 0,
                    revoke_issued_tokens: false,
                    http_status: 0,
                },
            })
        })
    }
}

/// The token error response body (`{"error", "error_description"}`) of a refusal; `*out` is NULL
/// when the token is issued.
///
/// # Safety
/// `redemption` is NULL or a live redemption; `out` and `out_len` are NULL or writable; `error` is
/// NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_redemption_token_error_json(
    redemption: *const credoffer_redemption,
    out: *mut *mut c_char,
    out_len: *mut usize,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    guard(error, || {
        let out = StringOut::new(out, out_len, "out")?;
        // SAFETY: forwarded from this function's contract.
        let redemption = unsafe { handle(redemption, "redemption") }?;
        match token_error(&redemption.redemption) {
            Some(refusal) => out.write(refusal.to_json()),
            None => Ok(()),
        }
    })
}

/// Whether the record changed (store `credoffer_redemption_record_json` with compare-and-swap on the
/// version read).
///
/// # Safety
/// `redemption` is NULL or a live redemption; `out` is NULL or writable; `error` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_redemption_changed(
    redemption: *const credoffer_redemption,
    out: *mut bool,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    // SAFETY: forwarded from this function's contract.
    unsafe { access(redemption, "redemption", out, error, |r| Ok(r.changed)) }
}

/// The next record as JSON.
///
/// # Safety
/// `redemption` is NULL or a live redemption; `out` and `out_len` are NULL or writable; `error` is
/// NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_redemption_record_json(
    redemption: *const credoffer_redemption,
    out: *mut *mut c_char,
    out_len: *mut usize,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    guard(error, || {
        let out = StringOut::new(out, out_len, "out")?;
        // SAFETY: forwarded from this function's contract.
        let redemption = unsafe { handle(redemption, "redemption") }?;
        out.write(redemption.redemption.record.to_json())
    })
}
