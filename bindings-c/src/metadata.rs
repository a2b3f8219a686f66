//! Checking an offer against Credential Issuer Metadata, and where that metadata lives.

use std::ffi::c_char;

use credoffer::IssuerMetadata;
use credoffer::metadata::MetadataCheck;

use crate::boundary::{Failure, Out, StringOut, access, credoffer_str, free_handle, guard, handle, into_handle, text};
use crate::error::credoffer_error;
use crate::offer::{credoffer_offer, credoffer_warning, warning_at};
use crate::status::credoffer_status;

/// A successful metadata check (opaque): the format of each offered configuration, and what could
/// not be confirmed. Freed by `credoffer_metadata_result_free`.
#[derive(Debug)]
pub struct credoffer_metadata_result {
    check: MetadataCheck,
}

/// Checks a parsed offer against the issuer's metadata JSON (fetched from
/// `credoffer_well_known_url`): the issuer identical, every id supported, every authorization server
/// listed. On success `*out` says each configuration's format.
///
/// # Safety
/// `metadata_json` points to `metadata_len` readable bytes; `offer` is NULL or a live offer; `out`
/// is NULL or writable; `error` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_metadata_check(
    metadata_json: *const c_char,
    metadata_len: usize,
    offer: *const credoffer_offer,
    out: *mut *mut credoffer_metadata_result,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    guard(error, || {
        let out = Out::required(out, "out")?.cleared();
        // SAFETY: forwarded from this function's contract.
        let metadata = unsafe { text(metadata_json, metadata_len, "metadata_json") }?;
        // SAFETY: forwarded from this function's contract.
        let offer = unsafe { handle(offer, "offer") }?;
        let check = IssuerMetadata::from_json(metadata)?.check(&offer.by_value()?.offer)?;
        out.write(into_handle(credoffer_metadata_result { check }));
        Ok(())
    })
}

/// Names each inline credential description of a draft 9–12 offer (`credentials`) by the id of the
/// configuration in the issuer's metadata JSON that serves it (same format, and the same doctype, vct
/// or W3C types): the offer becomes complete 1.0 data. `CREDOFFER_STATUS_UNKNOWN_CREDENTIAL_CONFIGURATION`
/// when no configuration serves a description, `CREDOFFER_STATUS_AMBIGUOUS_CREDENTIAL_DESCRIPTION` when
/// several do, each naming the entry (`credentials[i]`). On success `*out` is a new offer, without the
/// `legacy_credential_description` warning, to free with `credoffer_offer_free`; an offer with nothing to
/// resolve comes back unchanged. `offer` is left as it was.
///
/// # Safety
/// `offer` is NULL or a live offer; `metadata_json` points to `metadata_len` readable bytes; `out` is
/// NULL or writable; `error` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_offer_resolve(
    offer: *const credoffer_offer,
    metadata_json: *const c_char,
    metadata_len: usize,
    out: *mut *mut credoffer_offer,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    guard(error, || {
        let out = Out::required(out, "out")?.cleared();
        // SAFETY: forwarded from this function's contract.
        let offer = unsafe { handle(offer, "offer") }?;
        // SAFETY: forwarded from this function's contract.
        let metadata = unsafe { text(metadata_json, metadata_len, "metadata_json") }?;
        let resolved = offer.by_value()?.clone().resolve(&IssuerMetadata::from_json(metadata)?)?;
        out.write(into_handle(credoffer_offer::by_value_of(resolved)));
        Ok(())
    })
}

/// Frees a metadata result. NULL is ignored.
///
/// # Safety
/// `result` is NULL or a result from this library, not freed before and not used after.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_metadata_result_free(result: *mut credoffer_metadata_result) {
    // SAFETY: forwarded from this function's contract.
    unsafe { free_handle(result) }
}

/// How many configurations the result describes (one per offered id, in offer order).
///
/// # Safety
/// `result` is NULL or a live result; `out` is NULL or writable; `error` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_metadata_result_format_count(
    result: *const credoffer_metadata_result,
    out: *mut usize,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    // SAFETY: forwarded from this function's contract.
    unsafe { access(result, "result", out, error, |result| Ok(result.check.formats.len())) }
}

/// Configuration `index`: its id and its `format` (such as `mso_mdoc` or `dc+sd-jwt`; empty when
/// the metadata states none). Both borrowed from `result`.
///
/// # Safety
/// `result` is NULL or a live result; `id` and `format` are NULL or writable; `error` is NULL or
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_metadata_result_format(
    result: *const credoffer_metadata_result,
    index: usize,
    id: *mut credoffer_str,
    format: *mut credoffer_str,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    guard(error, || {
        // SAFETY: forwarded from this function's contract.
        let result = unsafe { handle(result, "result") }?;
        let id = Out::required(id, "id")?;
        let format = Out::required(format, "format")?;
        let formats = &result.check.formats;
        let (entry_id, entry_format) =
            formats.get(index).ok_or_else(|| Failure::out_of_range("index", index, formats.len()))?;
        id.write(credoffer_str::borrow(entry_id));
        format.write(credoffer_str::borrow(entry_format));
        Ok(())
    })
}

/// How many warnings the check produced.
///
/// # Safety
/// `result` is NULL or a live result; `out` is NULL or writable; `error` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_metadata_result_warning_count(
    result: *const credoffer_metadata_result,
    out: *mut usize,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    // SAFETY: forwarded from this function's contract.
    unsafe { access(result, "result", out, error, |result| Ok(result.check.warnings.len())) }
}

/// Warning `index` (below `credoffer_metadata_result_warning_count`), borrowed from `result`.
///
/// # Safety
/// `result` is NULL or a live result; `out` is NULL or writable; `error` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_metadata_result_warning(
    result: *const credoffer_metadata_result,
    index: usize,
    out: *mut credoffer_warning,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    // SAFETY: forwarded from this function's contract.
    unsafe { access(result, "result", out, error, |result| warning_at(&result.check.warnings, index)) }
}

/// The engine's JSON view of the result: `{"formats": [{"id", "format"}], "warnings": [{"code",
/// "message", "field"?}]}`, formats in offer order. `*out` is a new string to free with
/// `credoffer_string_free`; `out_len` may be NULL.
///
/// # Safety
/// `result` is NULL or a live result; `out` and `out_len` are NULL or writable; `error` is NULL or
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_metadata_result_to_json(
    result: *const credoffer_metadata_result,
    out: *mut *mut c_char,
    out_len: *mut usize,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    guard(error, || {
        let out = StringOut::new(out, out_len, "out")?;
        // SAFETY: forwarded from this function's contract.
        let result = unsafe { handle(result, "result") }?;
        out.write(result.check.to_json())
    })
}

/// The metadata URL of an issuer: `/.well-known/openid-credential-issuer` inserted between host and
/// path. `*out` is a new string to free with `credoffer_string_free`; `out_len` may be NULL.
///
/// # Safety
/// `issuer` points to `issuer_len` readable bytes; `out` and `out_len` are NULL or writable; `error`
/// is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_well_known_url(
    issuer: *const c_char,
    issuer_len: usize,
    out: *mut *mut c_char,
    out_len: *mut usize,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    guard(error, || {
        let out = StringOut::new(out, out_len, "out")?;
        // SAFETY: forwarded from this function's contract.
        let issuer = unsafe { text(issuer, issuer_len, "issuer") }?;
        out.write(credoffer::metadata::well_known_metadata_url(issuer)?)
    })
}
