//! The token endpoint of the pre-authorized code grant: a form body in, always an OAuth answer out.
//!
//! The engine has no store, so hosts with one run it in two steps around their lookup
//! (`credoffer_issuer_read_token_request`, then `credoffer_issuer_answer_token_request`); hosts that
//! already hold the record call `credoffer_issuer_token_endpoint`. Every path ends in a
//! `credoffer_token_answer`: the HTTP status, the JSON body and the record to store.

use std::ffi::c_char;

use credoffer::token::{TOKEN_RESPONSE_HEADERS, TokenOutcome, TokenRequest};
use credoffer::{OfferEvent, OfferRecord, TokenAnswer, TokenStep};

use crate::boundary::{
    Failure, Out, Outcome, StringOut, access, credoffer_str, free_handle, guard, guard_value, handle, into_handle,
    optional_bytes, optional_text, text,
};
use crate::error::credoffer_error;
use crate::issuer::{credoffer_issuer, record};
use crate::secret::EntropySource;
use crate::status::credoffer_status;

/// Token outcome: an access token was issued (HTTP 200).
pub const CREDOFFER_TOKEN_OUTCOME_ISSUED: u32 = 1;
/// Token outcome: the request was refused with an OAuth error (400, or 413/500/503 from the host's own answers).
pub const CREDOFFER_TOKEN_OUTCOME_REJECTED: u32 = 2;
/// Token outcome: the engine could not judge the request (HTTP 500 `server_error`); log
/// `credoffer_token_answer_failure`, never send it.
pub const CREDOFFER_TOKEN_OUTCOME_FAILED: u32 = 3;

/// A token request read from its form body (opaque), waiting for the host to find its record by
/// `credoffer_token_request_lookup_key`. It holds the pre-authorized code: `credoffer_token_request_free`
/// zeroes it.
#[derive(Debug)]
pub struct credoffer_token_request {
    request: TokenRequest,
}

/// What the token endpoint answers, and what the host stores (opaque). Freed by
/// `credoffer_token_answer_free`, which zeroes the access token it may hold.
#[derive(Debug)]
pub struct credoffer_token_answer {
    answer: TokenAnswer,
}

/// Why the request was refused, borrowed from the answer.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct credoffer_token_rejection {
    /// The OAuth error code: `invalid_grant`, `invalid_request`, `invalid_tx_code`,
    /// `unsupported_grant_type`, `server_error` or `temporarily_unavailable`; `data` is NULL unless the
    /// outcome is `CREDOFFER_TOKEN_OUTCOME_REJECTED`.
    pub error: credoffer_str,
    /// A description safe to send to the wallet (it never contains a code).
    pub description: credoffer_str,
    /// Whether `failed_attempts_left` is given (after a wrong transaction code).
    pub has_failed_attempts_left: bool,
    /// How many more wrong transaction codes the offer tolerates.
    pub failed_attempts_left: u32,
}

/// The access token of an answer that issued one, borrowed from the answer.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct credoffer_issued_token {
    /// The bearer token (a secret: never log it); `data` is NULL unless the outcome is
    /// `CREDOFFER_TOKEN_OUTCOME_ISSUED`. It is also inside the answer's body.
    pub access_token: credoffer_str,
    /// Its lifetime in seconds (the issuer's `accessTokenLifetimeSeconds`).
    pub expires_in: u64,
    /// The user the offer is for.
    pub user_id: credoffer_str,
    /// The `client_id` the wallet sent; `data` is NULL when it sent none.
    pub client_id: credoffer_str,
}

/// Reads a form body as text; raw bytes that are not UTF-8 are the client's fault, answered at once.
///
/// # Safety
/// `form` is NULL or points to `form_len` readable bytes.
unsafe fn read_form<'a>(form: *const c_char, form_len: usize) -> Outcome<Result<&'a str, TokenAnswer>> {
    // SAFETY: forwarded from this function's contract.
    let bytes = unsafe { optional_bytes(form.cast(), form_len, "form") }?.ok_or_else(|| Failure::null("form"))?;
    Ok(std::str::from_utf8(bytes).map_err(|_| TokenAnswer::unreadable_body(400, "the token request body is not UTF-8")))
}

/// Reads the stored record a host found: NULL (with length 0) means none was found.
///
/// # Safety
/// `record_json` is NULL or points to `record_len` readable bytes.
pub(crate) unsafe fn found_record(record_json: *const c_char, record_len: usize) -> Outcome<Option<OfferRecord>> {
    // SAFETY: forwarded from this function's contract.
    unsafe { optional_text(record_json, record_len, "record_json") }?.map(record).transpose()
}

/// Hands an answer to C.
fn write_answer(out: Out<*mut credoffer_token_answer>, answer: TokenAnswer) {
    out.write(into_handle(credoffer_token_answer { answer }));
}

/// The token endpoint's first step: reads the form-encoded body of a token request. Exactly one of
/// `*request` and `*answer` is set on success: `*request` when the host must find the record whose
/// `codeHash` is `credoffer_token_request_lookup_key` (then call `credoffer_issuer_answer_token_request`),
/// `*answer` when the body alone decides (no `grant_type`, a parameter sent twice, another grant type,
/// bytes that are not UTF-8: `invalid_request` or `unsupported_grant_type`). The other is set to NULL.
///
/// # Safety
/// `issuer` is NULL or a live issuer; `form` points to `form_len` readable bytes; `request` and
/// `answer` are NULL or writable; `error` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_issuer_read_token_request(
    issuer: *const credoffer_issuer,
    form: *const c_char,
    form_len: usize,
    request: *mut *mut credoffer_token_request,
    answer: *mut *mut credoffer_token_answer,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    guard(error, || {
        let request_out = Out::required(request, "request")?.cleared();
        let answer_out = Out::required(answer, "answer")?.cleared();
        // SAFETY: forwarded from this function's contract.
        let issuer = unsafe { handle(issuer, "issuer") }?;
        // SAFETY: forwarded from this function's contract.
        let form = match unsafe { read_form(form, form_len) }? {
            Ok(form) => form,
            Err(unreadable) => {
                write_answer(answer_out, unreadable);
                return Ok(());
            }
        };
        match issuer.engine().read_token_request(form) {
            TokenStep::Find(found) => request_out.write(into_handle(credoffer_token_request { request: found })),
            TokenStep::Answer(decided) => write_answer(answer_out, decided),
        }
        Ok(())
    })
}

/// The key of the record the request is for: the stored record whose `codeHash` equals it (the same
/// value as `credoffer_lookup_key` of the pre-authorized code). `*out` is a new string to free with
/// `credoffer_string_free`; `out_len` may be NULL.
///
/// # Safety
/// `request` is NULL or a live token request; `out` and `out_len` are NULL or writable; `error` is NULL
/// or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_token_request_lookup_key(
    request: *const credoffer_token_request,
    out: *mut *mut c_char,
    out_len: *mut usize,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    guard(error, || {
        let out = StringOut::new(out, out_len, "out")?;
        // SAFETY: forwarded from this function's contract.
        let request = unsafe { handle(request, "request") }?;
        out.write(request.request.lookup_key())
    })
}

/// Frees a token request, zeroing the code it holds. NULL is ignored.
///
/// # Safety
/// `request` is NULL or a token request from this library, not freed before and not used after.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_token_request_free(request: *mut credoffer_token_request) {
    // SAFETY: forwarded from this function's contract.
    unsafe { free_handle(request) }
}

/// The token endpoint's second step: judges `request` against the record found by its lookup key
/// (`record_json` NULL with `record_len` 0 when the host found none: `invalid_grant`) at `now` (Unix
/// seconds), and issues an access token drawn from `entropy` when the code is redeemed (NULL: the
/// system CSPRNG; otherwise exactly those bytes, 32 are needed). Store `credoffer_token_answer_record_json`
/// with compare-and-swap on the version read before sending the answer; when the swap loses, read the
/// record again and answer again. `CREDOFFER_STATUS_INVALID_RECORD` when `record_json` is not a record
/// (answer with `credoffer_token_answer_new_server_error`).
///
/// # Safety
/// `issuer` is NULL or a live issuer; `request` is NULL or a live token request; `record_json` is NULL
/// or points to `record_len` readable bytes; `entropy` is NULL or points to `entropy_len` readable
/// bytes; `answer` is NULL or writable; `error` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_issuer_answer_token_request(
    issuer: *const credoffer_issuer,
    request: *const credoffer_token_request,
    record_json: *const c_char,
    record_len: usize,
    now: u64,
    entropy: *const u8,
    entropy_len: usize,
    answer: *mut *mut credoffer_token_answer,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    guard(error, || {
        let answer_out = Out::required(answer, "answer")?.cleared();
        // SAFETY: forwarded from this function's contract.
        let issuer = unsafe { handle(issuer, "issuer") }?;
        // SAFETY: forwarded from this function's contract.
        let request = unsafe { handle(request, "request") }?;
        // SAFETY: forwarded from this function's contract.
        let stored = unsafe { found_record(record_json, record_len) }?;
        // SAFETY: forwarded from this function's contract.
        let mut source = unsafe { EntropySource::read(entropy, entropy_len) }?;
        let answered = issuer.engine().answer_token_request(&request.request, stored.as_ref(), now, source.as_dyn());
        write_answer(answer_out, answered);
        Ok(())
    })
}

/// Both steps of the token endpoint in one call, for hosts that already hold the record (or hold none:
/// NULL with `record_len` 0). A record whose code is not the request's is treated as no record. The
/// record is read before the form, so a record that is not one fails with
/// `CREDOFFER_STATUS_INVALID_RECORD` whatever the form says. Arguments and storing as for
/// `credoffer_issuer_answer_token_request`.
///
/// # Safety
/// `issuer` is NULL or a live issuer; `form` points to `form_len` readable bytes; `record_json` is NULL
/// or points to `record_len` readable bytes; `entropy` is NULL or points to `entropy_len` readable
/// bytes; `answer` is NULL or writable; `error` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_issuer_token_endpoint(
    issuer: *const credoffer_issuer,
    form: *const c_char,
    form_len: usize,
    record_json: *const c_char,
    record_len: usize,
    now: u64,
    entropy: *const u8,
    entropy_len: usize,
    answer: *mut *mut credoffer_token_answer,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    guard(error, || {
        let answer_out = Out::required(answer, "answer")?.cleared();
        // SAFETY: forwarded from this function's contract.
        let issuer = unsafe { handle(issuer, "issuer") }?;
        // SAFETY: forwarded from this function's contract.
        let stored = unsafe { found_record(record_json, record_len) }?;
        // SAFETY: forwarded from this function's contract.
        let mut source = unsafe { EntropySource::read(entropy, entropy_len) }?;
        // SAFETY: forwarded from this function's contract.
        let answered = match unsafe { read_form(form, form_len) }? {
            Ok(form) => issuer.engine().token_endpoint(form, stored.as_ref(), now, source.as_dyn()),
            Err(unreadable) => unreadable,
        };
        write_answer(answer_out, answered);
        Ok(())
    })
}

/// The host's own answer to a body it could not read as a form: too large (`status` 413), or sent
/// with another `Content-Type` (any other `status` gives 400). Always `invalid_request` with
/// `description`.
///
/// # Safety
/// `description` points to `description_len` readable bytes; `answer` is NULL or writable; `error` is
/// NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_token_answer_new_unreadable_body(
    status: u16,
    description: *const c_char,
    description_len: usize,
    answer: *mut *mut credoffer_token_answer,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    guard(error, || {
        let answer_out = Out::required(answer, "answer")?.cleared();
        // SAFETY: forwarded from this function's contract.
        let description = unsafe { text(description, description_len, "description") }?;
        write_answer(answer_out, TokenAnswer::unreadable_body(status, description));
        Ok(())
    })
}

/// The host's own answer when it failed itself (its store, say): `500 server_error`. Log the cause;
/// the client learns nothing of it.
///
/// # Safety
/// `answer` is NULL or writable; `error` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_token_answer_new_server_error(
    answer: *mut *mut credoffer_token_answer,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    guard(error, || {
        write_answer(Out::required(answer, "answer")?.cleared(), TokenAnswer::server_error());
        Ok(())
    })
}

/// The host's own answer when it gave up retrying a compare-and-swap that kept losing:
/// `503 temporarily_unavailable`, which clients may retry.
///
/// # Safety
/// `answer` is NULL or writable; `error` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_token_answer_new_busy(
    answer: *mut *mut credoffer_token_answer,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    guard(error, || {
        write_answer(Out::required(answer, "answer")?.cleared(), TokenAnswer::busy());
        Ok(())
    })
}

/// Frees a token answer, zeroing the access token it may hold. NULL is ignored.
///
/// # Safety
/// `answer` is NULL or a token answer from this library, not freed before and not used after.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_token_answer_free(answer: *mut credoffer_token_answer) {
    // SAFETY: forwarded from this function's contract.
    unsafe { free_handle(answer) }
}

/// The HTTP status to answer with: 200, 400, 413, 500 or 503.
///
/// # Safety
/// `answer` is NULL or a live token answer; `out` is NULL or writable; `error` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_token_answer_status(
    answer: *const credoffer_token_answer,
    out: *mut u16,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    // SAFETY: forwarded from this function's contract.
    unsafe { access(answer, "answer", out, error, |a| Ok(a.answer.status())) }
}

/// The JSON body to answer with, sent with the headers of `credoffer_token_response_header`: the
/// access-token response (`{"access_token", "token_type": "Bearer", "expires_in"}`, a secret) or an
/// OAuth error (`{"error", "error_description"}`). Borrowed from `answer`.
///
/// # Safety
/// `answer` is NULL or a live token answer; `out` is NULL or writable; `error` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_token_answer_body(
    answer: *const credoffer_token_answer,
    out: *mut credoffer_str,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    // SAFETY: forwarded from this function's contract.
    unsafe { access(answer, "answer", out, error, |a| Ok(credoffer_str::borrow(a.answer.body()))) }
}

/// The next record as JSON when the request changed it, or `*out` NULL when there is nothing to store.
/// Store it with compare-and-swap on the version read, before sending the answer.
///
/// # Safety
/// `answer` is NULL or a live token answer; `out` and `out_len` are NULL or writable; `error` is NULL
/// or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_token_answer_record_json(
    answer: *const credoffer_token_answer,
    out: *mut *mut c_char,
    out_len: *mut usize,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    // SAFETY: forwarded from this function's contract.
    unsafe { optional_json(answer, out, out_len, error, |answer| answer.record_to_store().map(OfferRecord::to_json)) }
}

/// The event of the change as JSON (`{"id", "type", "timestamp", "data"}`: `offer.redeemed`,
/// `offer.tx_code_rejected`, `offer.invalidated`, `offer.replay_attempted` or `offer.expired`) when the
/// request changed the record, or `*out` NULL when it did not. Store it with the record, in one transaction.
///
/// # Safety
/// `answer` is NULL or a live token answer; `out` and `out_len` are NULL or writable; `error` is NULL
/// or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_token_answer_event_json(
    answer: *const credoffer_token_answer,
    out: *mut *mut c_char,
    out_len: *mut usize,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    // SAFETY: forwarded from this function's contract.
    unsafe { optional_json(answer, out, out_len, error, |answer| answer.event().map(OfferEvent::to_json)) }
}

/// Writes the JSON `view` gives of an answer, or NULL when it gives none.
///
/// # Safety
/// As the calling function's: `answer` is NULL or a live token answer; `out` and `out_len` are NULL or
/// writable; `error` is NULL or writable.
unsafe fn optional_json(
    answer: *const credoffer_token_answer,
    out: *mut *mut c_char,
    out_len: *mut usize,
    error: *mut *mut credoffer_error,
    view: impl FnOnce(&TokenAnswer) -> Option<String>,
) -> credoffer_status {
    guard(error, || {
        let out = StringOut::new(out, out_len, "out")?;
        // SAFETY: forwarded from this function's contract.
        let answer = unsafe { handle(answer, "answer") }?;
        view(&answer.answer).map_or(Ok(()), |json| out.write(json))
    })
}

/// What happened: `CREDOFFER_TOKEN_OUTCOME_ISSUED`, `_REJECTED` or `_FAILED`.
///
/// # Safety
/// `answer` is NULL or a live token answer; `out` is NULL or writable; `error` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_token_answer_outcome(
    answer: *const credoffer_token_answer,
    out: *mut u32,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        access(answer, "answer", out, error, |a| match a.answer.outcome() {
            TokenOutcome::Issued(_) => Ok(CREDOFFER_TOKEN_OUTCOME_ISSUED),
            TokenOutcome::Rejected(_) => Ok(CREDOFFER_TOKEN_OUTCOME_REJECTED),
            TokenOutcome::Failed(_) => Ok(CREDOFFER_TOKEN_OUTCOME_FAILED),
            _ => Err(Failure::invalid("answer", "the answer's outcome is of a kind this library does not know")),
        })
    }
}

/// Whether every token issued from this pre-authorized code must be revoked: the code was used
/// again after it was redeemed (RFC 9700 §4.2.4).
///
/// # Safety
/// `answer` is NULL or a live token answer; `out` is NULL or writable; `error` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_token_answer_revoke_issued_tokens(
    answer: *const credoffer_token_answer,
    out: *mut bool,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    // SAFETY: forwarded from this function's contract.
    unsafe { access(answer, "answer", out, error, |a| Ok(a.answer.revoke_issued_tokens())) }
}

/// Why the request was refused. Unless the outcome is `CREDOFFER_TOKEN_OUTCOME_REJECTED`,
/// `out->error.data` is NULL and the other members are zero.
///
/// # Safety
/// `answer` is NULL or a live token answer; `out` is NULL or writable; `error` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_token_answer_rejection(
    answer: *const credoffer_token_answer,
    out: *mut credoffer_token_rejection,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        access(answer, "answer", out, error, |a| {
            Ok(match a.answer.outcome() {
                TokenOutcome::Rejected(refusal) => credoffer_token_rejection {
                    error: credoffer_str::borrow(refusal.error.as_str()),
                    description: credoffer_str::borrow(&refusal.description),
                    has_failed_attempts_left: refusal.failed_attempts_left.is_some(),
                    failed_attempts_left: refusal.failed_attempts_left.unwrap_or(0),
                },
                _ => credoffer_token_rejection::default(),
            })
        })
    }
}

/// The access token and whom it is for. Unless the outcome is `CREDOFFER_TOKEN_OUTCOME_ISSUED`, every
/// `data` is NULL and `expires_in` is 0.
///
/// # Safety
/// `answer` is NULL or a live token answer; `out` is NULL or writable; `error` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_token_answer_issued(
    answer: *const credoffer_token_answer,
    out: *mut credoffer_issued_token,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        access(answer, "answer", out, error, |a| {
            Ok(match a.answer.outcome() {
                TokenOutcome::Issued(token) => credoffer_issued_token {
                    access_token: credoffer_str::borrow(token.access_token.expose()),
                    expires_in: token.expires_in,
                    user_id: credoffer_str::borrow(&token.user_id),
                    client_id: credoffer_str::optional(token.client_id.as_deref()),
                },
                _ => credoffer_issued_token::default(),
            })
        })
    }
}

fn issued_ids(answer: &TokenAnswer) -> &[String] {
    match answer.outcome() {
        TokenOutcome::Issued(token) => &token.credential_configuration_ids,
        _ => &[],
    }
}

/// How many credential configurations the issued token is for (0 unless issued).
///
/// # Safety
/// `answer` is NULL or a live token answer; `out` is NULL or writable; `error` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_token_answer_id_count(
    answer: *const credoffer_token_answer,
    out: *mut usize,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    // SAFETY: forwarded from this function's contract.
    unsafe { access(answer, "answer", out, error, |a| Ok(issued_ids(&a.answer).len())) }
}

/// Credential configuration id `index` (below `credoffer_token_answer_id_count`) of the issued token:
/// scope the token to them. Borrowed from `answer`.
///
/// # Safety
/// `answer` is NULL or a live token answer; `out` is NULL or writable; `error` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_token_answer_id(
    answer: *const credoffer_token_answer,
    index: usize,
    out: *mut credoffer_str,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        access(answer, "answer", out, error, |a| {
            let ids = issued_ids(&a.answer);
            ids.get(index)
                .map(|id| credoffer_str::borrow(id))
                .ok_or_else(|| Failure::out_of_range("index", index, ids.len()))
        })
    }
}

/// Why the engine could not judge the request, for the host's log (never for the client): `*out` is a
/// new error to free with `credoffer_error_free` when the outcome is `CREDOFFER_TOKEN_OUTCOME_FAILED`
/// (`CREDOFFER_STATUS_INVALID_CONFIGURATION` for a record keyed under an HMAC key the issuer lacks, say),
/// NULL otherwise.
///
/// # Safety
/// `answer` is NULL or a live token answer; `out` is NULL or writable; `error` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_token_answer_failure(
    answer: *const credoffer_token_answer,
    out: *mut *mut credoffer_error,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    guard(error, || {
        let out = Out::required(out, "out")?.cleared();
        // SAFETY: forwarded from this function's contract.
        let answer = unsafe { handle(answer, "answer") }?;
        if let TokenOutcome::Failed(cause) = answer.answer.outcome() {
            out.write(credoffer_error::into_raw(Failure::Engine(cause.clone())));
        }
        Ok(())
    })
}

/// The engine's JSON view of the answer: `{"status", "body", "record"?, "outcome": {"kind": "issued" |
/// "rejected" | "failed", …}}`. It holds the access token when one was issued: a secret.
///
/// # Safety
/// `answer` is NULL or a live token answer; `out` and `out_len` are NULL or writable; `error` is NULL
/// or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_token_answer_to_json(
    answer: *const credoffer_token_answer,
    out: *mut *mut c_char,
    out_len: *mut usize,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    guard(error, || {
        let out = StringOut::new(out, out_len, "out")?;
        // SAFETY: forwarded from this function's contract.
        let answer = unsafe { handle(answer, "answer") }?;
        out.write(answer.answer.to_json())
    })
}

/// How many headers every token endpoint answer carries (see `credoffer_token_response_header`).
#[unsafe(no_mangle)]
pub extern "C" fn credoffer_token_response_header_count() -> usize {
    guard_value(0, || TOKEN_RESPONSE_HEADERS.len())
}

/// Header `index` (below `credoffer_token_response_header_count`) that every token endpoint answer
/// carries: `Content-Type: application/json`, and no caching (it may hold a token, RFC 6749 §5.1).
/// Both strings are static: never freed.
///
/// # Safety
/// `name` and `value` are NULL or writable; `error` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_token_response_header(
    index: usize,
    name: *mut credoffer_str,
    value: *mut credoffer_str,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    guard(error, || {
        let name = Out::required(name, "name")?.preset(credoffer_str::absent());
        let value = Out::required(value, "value")?.preset(credoffer_str::absent());
        let (header, content) = TOKEN_RESPONSE_HEADERS
            .get(index)
            .ok_or_else(|| Failure::out_of_range("index", index, TOKEN_RESPONSE_HEADERS.len()))?;
        name.write(credoffer_str::borrow(header));
        value.write(credoffer_str::borrow(content));
        Ok(())
    })
}
