//! # libcredoffer
//!
//! The C library of credoffer: OpenID4VCI Credential Offers built, parsed, checked, issued and
//! redeemed by the same engine as the Rust crate. This crate only converts: C arguments into engine
//! calls, engine results and errors into handles and statuses.
//!
//! Conventions, the same for every function (`include/credoffer.h` states them for C readers):
//! - Text goes in as a pointer and a length in bytes (UTF-8, no NUL needed); results come out
//!   through out-parameters; the return value is a [`credoffer_status`].
//! - Every function that can fail takes an optional `credoffer_error **error` last.
//! - Everything returned is freed by exactly one `*_free` function, and every `*_free` accepts NULL.
//! - No panic crosses the boundary: one becomes `CREDOFFER_STATUS_PANIC`.
//! - Handles are not thread-safe for concurrent changes; read-only use from several threads is fine.

#![deny(clippy::undocumented_unsafe_blocks)]
// The C names are the API: `credoffer_offer`, `credoffer_status`.
#![allow(non_camel_case_types)]

mod boundary;
mod builder;
mod error;
mod introspection;
mod issuer;
mod lint;
mod metadata;
mod offer;
mod secret;
mod status;
mod token;

use std::ffi::{CString, c_char, c_int};
use std::ptr;

use zeroize::Zeroize;

pub use boundary::credoffer_str;
pub use builder::*;
pub use error::*;
pub use issuer::*;
pub use lint::*;
pub use metadata::*;
pub use offer::*;
pub use secret::*;
pub use status::credoffer_status;
pub use token::*;

// What the thread-safety promise rests on: every handle is Send and Sync (no interior mutability), so
// read-only use from several threads, and any use of a shared `credoffer_issuer`, is sound. A field that
// broke this would fail the build here.
const _: () = {
    const fn send_and_sync<T: Send + Sync>() {}
    send_and_sync::<credoffer_offer>();
    send_and_sync::<credoffer_builder>();
    send_and_sync::<credoffer_metadata_result>();
    send_and_sync::<credoffer_issuer>();
    send_and_sync::<credoffer_token_request>();
    send_and_sync::<credoffer_token_answer>();
    send_and_sync::<credoffer_error>();
};

use boundary::{Failure, Outcome, guard_value};

/// Parse flag: `+` in the query is a literal plus (RFC 3986), not a space (form encoding, the default).
pub const CREDOFFER_PLUS_LITERAL: u32 = 1;
/// Parse flag: every spec violation is an error instead of a warning (a lint for issuers' output).
pub const CREDOFFER_STRICT: u32 = 1 << 1;
/// Parse and build flag: accept `http` issuers and by-reference URLs. For local testing only.
pub const CREDOFFER_ALLOW_INSECURE_HTTP: u32 = 1 << 2;

/// The version of the library, e.g. `"0.1.0"`. A static string: never free it.
#[unsafe(no_mangle)]
pub extern "C" fn credoffer_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// The stable snake_case code of a status (`"ok"`, `"invalid_uri"`, `"null_argument"`, ...), the
/// same code the engine uses in every language. A static string: never free it. NULL for a number
/// that is no status.
#[unsafe(no_mangle)]
pub extern "C" fn credoffer_status_code(status: c_int) -> *const c_char {
    guard_value(ptr::null(), || credoffer_status::from_number(status).map_or(ptr::null(), |s| s.code().as_ptr()))
}

/// A one-line English description of a status. A static string: never free it. NULL for a number
/// that is no status.
#[unsafe(no_mangle)]
pub extern "C" fn credoffer_status_message(status: c_int) -> *const c_char {
    guard_value(ptr::null(), || credoffer_status::from_number(status).map_or(ptr::null(), |s| s.message().as_ptr()))
}

/// Frees a string this library returned through a `char **out` parameter, after overwriting it
/// with zeros (some strings are secrets, such as pre-authorized codes). NULL is ignored.
///
/// # Safety
/// `text` is NULL or a string from this library, not freed before and not used after.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_string_free(text: *mut c_char) {
    if text.is_null() {
        return;
    }
    guard_value((), || {
        // SAFETY: forwarded from this function's contract: the pointer came from
        // `CString::into_raw` in this library and returns to Rust exactly once.
        let owned = unsafe { CString::from_raw(text) };
        owned.into_bytes_with_nul().zeroize();
    });
}

/// How to read an offer. Start from `credoffer_parse_options_default()` or zero-initialise it
/// (`credoffer_parse_options options = {0};`: a limit of 0 takes the engine's default) and change what
/// you need; pass NULL instead of a pointer for the defaults.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct credoffer_parse_options {
    /// `CREDOFFER_PLUS_LITERAL`, `CREDOFFER_STRICT`, `CREDOFFER_ALLOW_INSECURE_HTTP`, or 0.
    pub flags: u32,
    /// Longest offer URI accepted, in bytes.
    pub max_uri_bytes: usize,
    /// Longest offer JSON accepted (after percent-decoding), in bytes.
    pub max_json_bytes: usize,
    /// Most `credential_configuration_ids` accepted.
    pub max_credential_configuration_ids: usize,
    /// Deepest JSON nesting accepted.
    pub max_depth: usize,
}

/// The engine's default parse options: no flags, and limits far above any real offer (64 KiB URIs and
/// JSON, 100 ids, depth 16).
#[unsafe(no_mangle)]
pub extern "C" fn credoffer_parse_options_default() -> credoffer_parse_options {
    let limits = credoffer::limits::Limits::DEFAULT;
    credoffer_parse_options {
        flags: 0,
        max_uri_bytes: limits.max_uri_bytes,
        max_json_bytes: limits.max_json_bytes,
        max_credential_configuration_ids: limits.max_credential_configuration_ids,
        max_depth: limits.max_depth,
    }
}

/// Reads parse options into the engine's; NULL is the engine's defaults.
///
/// # Safety
/// `options` is NULL or points to a readable `credoffer_parse_options`.
pub(crate) unsafe fn parse_options(options: *const credoffer_parse_options) -> Outcome<credoffer::ParseOptions> {
    // SAFETY: forwarded from this function's contract; `as_ref` maps NULL to `None`.
    let Some(options) = (unsafe { options.as_ref() }) else {
        return Ok(credoffer::ParseOptions::default());
    };
    // A zero limit would refuse every offer: 0 means "the default", so `{0}` is a usable struct.
    let defaults = credoffer::limits::Limits::DEFAULT;
    let or_default = |limit: usize, default: usize| if limit == 0 { default } else { limit };
    let flags = options.flags;
    let known = CREDOFFER_PLUS_LITERAL | CREDOFFER_STRICT | CREDOFFER_ALLOW_INSECURE_HTTP;
    if flags & !known != 0 {
        return Err(Failure::invalid("options.flags", format!("unknown parse flags {:#x}", flags & !known)));
    }
    let plus = if flags & CREDOFFER_PLUS_LITERAL != 0 {
        credoffer::compat::PlusPolicy::Literal
    } else {
        credoffer::compat::PlusPolicy::Space
    };
    let limits = defaults
        .max_uri_bytes(or_default(options.max_uri_bytes, defaults.max_uri_bytes))
        .max_json_bytes(or_default(options.max_json_bytes, defaults.max_json_bytes))
        .max_credential_configuration_ids(or_default(
            options.max_credential_configuration_ids,
            defaults.max_credential_configuration_ids,
        ))
        .max_depth(or_default(options.max_depth, defaults.max_depth));
    Ok(credoffer::ParseOptions::default()
        .plus(plus)
        .strict(flags & CREDOFFER_STRICT != 0)
        .allow_insecure_http(flags & CREDOFFER_ALLOW_INSECURE_HTTP != 0)
        .limits(limits))
}
