//! Token introspection (RFC 7662): what an access token from the token endpoint grants, for the issuer's
//! credential endpoint. Two calls around the host's lookup, as for the token endpoint: the key of the
//! record to find, then the answer from that record.

use std::ffi::c_char;

use credoffer::introspection::{IntrospectionRequest, introspection_endpoint};

use crate::boundary::{StringOut, guard, text};
use crate::error::credoffer_error;
use crate::status::credoffer_status;
use crate::token::found_record;

/// The key of the record an introspection request is about: the stored record whose
/// `accessToken.tokenHash` equals it. `form` is the request's `application/x-www-form-urlencoded` body;
/// one without `token` is `CREDOFFER_STATUS_INVALID_TOKEN_REQUEST` (answer OAuth's `invalid_request`,
/// 400). `*key` is a new string to free with `credoffer_string_free`; `key_len` may be NULL.
///
/// # Safety
/// `form` points to `form_len` readable bytes; `key` and `key_len` are NULL or writable; `error` is NULL
/// or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_introspection_lookup_key(
    form: *const c_char,
    form_len: usize,
    key: *mut *mut c_char,
    key_len: *mut usize,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    guard(error, || {
        let out = StringOut::new(key, key_len, "key")?;
        // SAFETY: forwarded from this function's contract.
        let form = unsafe { text(form, form_len, "form") }?;
        out.write(IntrospectionRequest::from_form(form)?.lookup_key())
    })
}

/// Answers an introspection request against the record found by its lookup key (`record_json` NULL with
/// `record_len` 0 when the host found none) at `now` (Unix seconds). `*answer_json` is the response body,
/// to send with status 200, `Content-Type: application/json` and `Cache-Control: no-store`:
/// `{"active": false}` for an unknown, expired or revoked token, or `{"active": true, "token_type":
/// "Bearer", "iat", "exp", "sub", "client_id"?, "claims"?, "claims_to_persist"?, "authorization_details":
/// [{"type": "openid_credential", "credential_configuration_id"}]}`. Free it with `credoffer_string_free`;
/// `answer_len` may be NULL. `CREDOFFER_STATUS_INVALID_TOKEN_REQUEST` for a form without `token`,
/// `CREDOFFER_STATUS_INVALID_RECORD` when `record_json` is not a record.
///
/// # Safety
/// `form` points to `form_len` readable bytes; `record_json` is NULL or points to `record_len` readable
/// bytes; `answer_json` and `answer_len` are NULL or writable; `error` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_introspect(
    form: *const c_char,
    form_len: usize,
    record_json: *const c_char,
    record_len: usize,
    now: u64,
    answer_json: *mut *mut c_char,
    answer_len: *mut usize,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    guard(error, || {
        let out = StringOut::new(answer_json, answer_len, "answer_json")?;
        // SAFETY: forwarded from this function's contract.
        let form = unsafe { text(form, form_len, "form") }?;
        // SAFETY: forwarded from this function's contract.
        let stored = unsafe { found_record(record_json, record_len) }?;
        out.write(introspection_endpoint(form, stored.as_ref(), now)?.to_json())
    })
}
