//! The interop lint: legal offers that wallets in the field fail on, and the rules of a profile.

use std::ffi::c_char;

use credoffer::IssuerMetadata;
use credoffer::lint::{LintOptions, Profile, lint};

use crate::boundary::{StringOut, guard, optional_text, text};
use crate::builder::{build_options, credoffer_build_options};
use crate::error::credoffer_error;
use crate::status::credoffer_status;
use crate::{credoffer_parse_options, parse_options};

/// Lints an offer URI of any draft, or offer JSON: the warnings of reading it under `parse` (NULL for
/// the defaults), then the lint's own. `profile` is `"haip"`, `"it-wallet"` or NULL for none
/// (`CREDOFFER_STATUS_UNKNOWN_PROFILE` otherwise); `metadata_json` is the issuer's metadata or NULL,
/// and adds the metadata check's warnings and HAIP's scope rule; `build` (NULL for the defaults) is how
/// offer JSON will be written: its dialect decides which members are extensions, its base the scheme
/// and, for JSON input, the URI's length. An offer that breaks the spec is an error, as when parsing.
///
/// `*out` is the engine's report, `{"profile": "haip" | "it-wallet" | null, "reference"?, "warnings":
/// [{"code", "message", "field"?, "evidence"?}]}` (`reference`: the URL of a by-reference URI, whose
/// JSON was not linted), a new string to free with `credoffer_string_free`; `out_len` may be NULL.
///
/// # Safety
/// `input` points to `input_len` readable bytes; `profile` and `metadata_json` are NULL or point to
/// their lengths in readable bytes; `build` and `parse` are NULL or readable; `out` and `out_len` are
/// NULL or writable; `error` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_lint(
    input: *const c_char,
    input_len: usize,
    profile: *const c_char,
    profile_len: usize,
    metadata_json: *const c_char,
    metadata_len: usize,
    build: *const credoffer_build_options,
    parse: *const credoffer_parse_options,
    out: *mut *mut c_char,
    out_len: *mut usize,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    guard(error, || {
        let out = StringOut::new(out, out_len, "out")?;
        // SAFETY: forwarded from this function's contract.
        let input = unsafe { text(input, input_len, "input") }?;
        // SAFETY: forwarded from this function's contract.
        let profile =
            unsafe { optional_text(profile, profile_len, "profile") }?.map(str::parse::<Profile>).transpose()?;
        // SAFETY: forwarded from this function's contract.
        let metadata = unsafe { optional_text(metadata_json, metadata_len, "metadata_json") }?
            .map(IssuerMetadata::from_json)
            .transpose()?;
        let options = LintOptions::default()
            .profile(profile)
            .metadata(metadata)
            // SAFETY: forwarded from this function's contract.
            .build(unsafe { build_options(build) }?)
            // SAFETY: forwarded from this function's contract.
            .parse(unsafe { parse_options(parse) }?);
        out.write(lint(input, &options)?.to_json())
    })
}
