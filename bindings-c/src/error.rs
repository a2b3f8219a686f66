//! The optional error out-parameter: what went wrong, in words and with the field concerned.

use std::ptr;

use std::ffi::c_char;

use crate::boundary::{
    Failure, Outcome, StringOut, credoffer_str, free_handle, guard, guard_value, handle, into_handle,
};
use crate::status::credoffer_status;

/// Details of a failed call (opaque). Every function that can fail takes an optional
/// `credoffer_error **error` last: pass NULL to get only the status, or the address of a
/// `credoffer_error *` that the call sets to a new error on failure and to NULL on success. Free it
/// with `credoffer_error_free`. Its strings live as long as the error.
#[derive(Debug)]
pub struct credoffer_error {
    status: credoffer_status,
    message: String,
    field: Option<String>,
    details: Vec<credoffer_error>,
    engine: Option<credoffer::Error>,
}

impl credoffer_error {
    pub(crate) fn into_raw(failure: Failure) -> *mut credoffer_error {
        into_handle(Self::from(failure))
    }

    fn from_engine(error: credoffer::Error) -> Self {
        Self {
            status: credoffer_status::from_kind(error.kind()),
            message: error.message().to_owned(),
            field: error.field().map(str::to_owned),
            details: error.details().iter().cloned().map(Self::from_engine).collect(),
            engine: Some(error),
        }
    }

    /// The engine error, or `CREDOFFER_STATUS_INVALID_ARGUMENT` for a C-only failure.
    fn engine(&self) -> Outcome<&credoffer::Error> {
        self.engine.as_ref().ok_or_else(|| Failure::invalid("error", "the error did not come from the engine"))
    }
}

impl From<Failure> for credoffer_error {
    fn from(failure: Failure) -> Self {
        match failure {
            Failure::Engine(error) => Self::from_engine(error),
            Failure::Boundary { kind, message, argument } => Self {
                status: credoffer_status::from_binding(kind),
                message,
                field: (!argument.is_empty()).then(|| argument.to_owned()),
                details: Vec::new(),
                engine: None,
            },
        }
    }
}

/// Borrows an error handle; NULL reads as `None`.
///
/// # Safety
/// `error` is NULL or a live error from this library.
unsafe fn read<'a>(error: *const credoffer_error) -> Option<&'a credoffer_error> {
    // SAFETY: forwarded from this function's contract; `as_ref` maps NULL to `None`.
    unsafe { error.as_ref() }
}

/// The status of the failed call. NULL gives `CREDOFFER_STATUS_NULL_ARGUMENT`.
///
/// # Safety
/// `error` is NULL or a live error from this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_error_status(error: *const credoffer_error) -> credoffer_status {
    guard_value(credoffer_status::Panic, || {
        // SAFETY: forwarded from this function's contract.
        let error = unsafe { read(error) };
        error.map_or(credoffer_status::NullArgument, |e| e.status)
    })
}

/// A human-readable message (English; wording may change between releases, the status never does).
/// NULL gives an empty string. The text lives as long as `error`.
///
/// # Safety
/// `error` is NULL or a live error from this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_error_message(error: *const credoffer_error) -> credoffer_str {
    guard_value(credoffer_str::borrow(""), || {
        // SAFETY: forwarded from this function's contract.
        let error = unsafe { read(error) };
        credoffer_str::borrow(error.map_or("", |e| e.message.as_str()))
    })
}

/// The field the error concerns: an offer path such as `credential_configuration_ids[1]` or
/// `grants.authorization_code.issuer_state`, a request member such as `expiresIn.minutes`, or for
/// C-only statuses the argument's name (`uri`, `out`). `data` is NULL when there is none (or `error`
/// is NULL). The text lives as long as `error`.
///
/// # Safety
/// `error` is NULL or a live error from this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_error_field(error: *const credoffer_error) -> credoffer_str {
    guard_value(credoffer_str::absent(), || {
        // SAFETY: forwarded from this function's contract.
        let error = unsafe { read(error) };
        credoffer_str::optional(error.and_then(|e| e.field.as_deref()))
    })
}

/// For `CREDOFFER_STATUS_VALIDATION_FAILED`, how many problems were found (each is a detail);
/// otherwise 0.
///
/// # Safety
/// `error` is NULL or a live error from this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_error_detail_count(error: *const credoffer_error) -> usize {
    guard_value(0, || {
        // SAFETY: forwarded from this function's contract.
        let error = unsafe { read(error) };
        error.map_or(0, |e| e.details.len())
    })
}

/// Detail `index` (below `credoffer_error_detail_count`), borrowed from `error`: it lives as long
/// as `error` and is never freed on its own. NULL when `index` is out of range or `error` is NULL.
///
/// # Safety
/// `error` is NULL or a live error from this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_error_detail(error: *const credoffer_error, index: usize) -> *const credoffer_error {
    guard_value(ptr::null(), || {
        // SAFETY: forwarded from this function's contract.
        let error = unsafe { read(error) };
        error.and_then(|e| e.details.get(index)).map_or(ptr::null(), ptr::from_ref)
    })
}

/// Frees an error. NULL is ignored.
///
/// # Safety
/// `error` is NULL or an error returned through an error out-parameter, not freed before. Details
/// (`credoffer_error_detail`) are freed with their parent, never on their own.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_error_free(error: *mut credoffer_error) {
    // SAFETY: forwarded from this function's contract.
    unsafe { free_handle(error) }
}

/// The HTTP status a host answers an engine error with: 404 for an unknown offer, 500 when
/// randomness failed or the issuer is misconfigured, 400 otherwise. 0 for C-only statuses and NULL.
///
/// # Safety
/// `error` is NULL or a live error from this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_error_http_status(error: *const credoffer_error) -> u16 {
    guard_value(0, || {
        // SAFETY: forwarded from this function's contract.
        let error = unsafe { read(error) };
        error.and_then(|e| e.engine.as_ref()).map_or(0, credoffer::Error::http_status)
    })
}

/// The error as MATTR VII's response body: `{"code", "message", "details": [{"value", "msg",
/// "param", "location"}]}`, every problem listed. `CREDOFFER_STATUS_INVALID_ARGUMENT` for an error
/// that did not come from the engine (a C-only status).
///
/// # Safety
/// `error` is NULL or a live error from this library; `out` and `out_len` are NULL or writable;
/// `out_error` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_error_mattr_json(
    error: *const credoffer_error,
    out: *mut *mut c_char,
    out_len: *mut usize,
    out_error: *mut *mut credoffer_error,
) -> credoffer_status {
    guard(out_error, || {
        let out = StringOut::new(out, out_len, "out")?;
        // SAFETY: forwarded from this function's contract.
        let error = unsafe { handle(error, "error") }?;
        out.write(error.engine()?.to_mattr_body().to_string())
    })
}

/// The engine's JSON view of the error: `{"code", "message", "field"?, "value"?, "httpStatus",
/// "details": [...]}`, every problem of a validation error listed in the same shape. The same JSON the
/// CLI, the npm package and the mobile bindings print. `CREDOFFER_STATUS_INVALID_ARGUMENT` for an error
/// that did not come from the engine (a C-only status: read it with the accessors above).
///
/// # Safety
/// `error` is NULL or a live error from this library; `out` and `out_len` are NULL or writable;
/// `out_error` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_error_to_json(
    error: *const credoffer_error,
    out: *mut *mut c_char,
    out_len: *mut usize,
    out_error: *mut *mut credoffer_error,
) -> credoffer_status {
    guard(out_error, || {
        let out = StringOut::new(out, out_len, "out")?;
        // SAFETY: forwarded from this function's contract.
        let error = unsafe { handle(error, "error") }?;
        out.write(error.engine()?.to_json())
    })
}
