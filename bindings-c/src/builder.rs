//! Building offers: a typed builder handle, offers from JSON, and by-reference URIs.

use std::ffi::c_char;

use credoffer::json::JsonValue;
use credoffer::offer::{InputMode, OfferBuilder, TxCode};
use credoffer::{BuildOptions, Dialect};

use crate::CREDOFFER_ALLOW_INSECURE_HTTP;
use crate::boundary::{
    Failure, Out, Outcome, StringOut, free_handle, guard, handle, handle_mut, into_handle, optional_text, text,
};
use crate::error::credoffer_error;
use crate::status::credoffer_status;

/// Transaction code input mode: not stated (the spec's default is numeric).
pub const CREDOFFER_INPUT_MODE_UNSPECIFIED: u32 = 0;
/// Transaction code input mode: digits only.
pub const CREDOFFER_INPUT_MODE_NUMERIC: u32 = 1;
/// Transaction code input mode: any characters.
pub const CREDOFFER_INPUT_MODE_TEXT: u32 = 2;

/// How to write an offer URI. Zero-initialise it (`credoffer_build_options options = {0};`) for
/// the defaults, or pass NULL instead of a pointer to it.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct credoffer_build_options {
    /// The JSON shape: `"1.0"` (the default when NULL), `"mattr"` (1.0 plus `credentials`, for
    /// wallets of both eras), `"draft13"` or `"draft11"`.
    pub dialect: *const c_char,
    /// The length of `dialect` in bytes.
    pub dialect_len: usize,
    /// Where the wallet is invoked: a custom scheme such as `haip-vci://` or an https wallet link.
    /// NULL for `openid-credential-offer://`.
    pub base: *const c_char,
    /// The length of `base` in bytes.
    pub base_len: usize,
    /// 0, or `CREDOFFER_ALLOW_INSECURE_HTTP` (local testing only).
    pub flags: u32,
}

/// A dialect by name; `None` is the engine's default.
pub(crate) fn dialect(name: Option<&str>) -> Outcome<Dialect> {
    Ok(name.map(str::parse).transpose()?.unwrap_or_default())
}

/// Reads build options; NULL is the engine's defaults.
///
/// # Safety
/// `options` is NULL or points to a readable `credoffer_build_options` whose strings are readable.
pub(crate) unsafe fn build_options(options: *const credoffer_build_options) -> Outcome<BuildOptions> {
    let mut built = BuildOptions::default();
    // SAFETY: forwarded from this function's contract; `as_ref` maps NULL to `None`.
    let Some(options) = (unsafe { options.as_ref() }) else {
        return Ok(built);
    };
    if options.flags & !CREDOFFER_ALLOW_INSECURE_HTTP != 0 {
        return Err(Failure::invalid("options.flags", format!("unknown build flags {:#x}", options.flags)));
    }
    // SAFETY: the caller's contract covers the strings the options point to.
    built.dialect = dialect(unsafe { optional_text(options.dialect, options.dialect_len, "options.dialect") }?)?;
    // SAFETY: as above.
    if let Some(base) = unsafe { optional_text(options.base, options.base_len, "options.base") }? {
        base.clone_into(&mut built.base);
    }
    built.allow_insecure_http = options.flags & CREDOFFER_ALLOW_INSECURE_HTTP != 0;
    Ok(built)
}

/// An offer being built (opaque). Made by `credoffer_builder_new`, freed by `credoffer_builder_free`.
/// The offer is validated when it is written (`credoffer_builder_to_uri`, `credoffer_builder_to_json`),
/// so setters only fail on bad arguments.
#[derive(Debug)]
pub struct credoffer_builder {
    builder: OfferBuilder,
    /// Set by `credoffer_builder_allow_insecure_http`; `credoffer_builder_to_json` writes with it.
    allow_insecure_http: bool,
}

impl credoffer_builder {
    fn update(&mut self, step: impl FnOnce(OfferBuilder) -> OfferBuilder) {
        let builder = std::mem::replace(&mut self.builder, OfferBuilder::new(String::new()));
        self.builder = step(builder);
    }
}

/// Starts an offer from `credential_issuer` (an https URL without query or fragment).
///
/// # Safety
/// `issuer` points to `issuer_len` readable bytes; `out` is writable; `error` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_builder_new(
    issuer: *const c_char,
    issuer_len: usize,
    out: *mut *mut credoffer_builder,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    guard(error, || {
        let out = Out::required(out, "out")?.cleared();
        // SAFETY: forwarded from this function's contract.
        let issuer = unsafe { text(issuer, issuer_len, "issuer") }?;
        out.write(into_handle(credoffer_builder { builder: OfferBuilder::new(issuer), allow_insecure_http: false }));
        Ok(())
    })
}

/// Frees a builder. NULL is ignored.
///
/// # Safety
/// `builder` is NULL or a builder from this library, not freed before and not used after.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_builder_free(builder: *mut credoffer_builder) {
    // SAFETY: forwarded from this function's contract.
    unsafe { free_handle(builder) }
}

/// The body of every setter that takes one required text argument: check the handle and the text,
/// then apply `set` to the builder. One home for the checks, so each export is its signature and docs.
///
/// # Safety
/// `builder` is NULL or a live builder; `value` points to `len` readable bytes; `error` is NULL or
/// writable.
unsafe fn set_text(
    builder: *mut credoffer_builder,
    value: *const c_char,
    len: usize,
    field: &'static str,
    error: *mut *mut credoffer_error,
    set: fn(OfferBuilder, String) -> OfferBuilder,
) -> credoffer_status {
    guard(error, || {
        // SAFETY: forwarded from this function's contract.
        let builder = unsafe { handle_mut(builder, "builder") }?;
        // SAFETY: forwarded from this function's contract.
        let value = unsafe { text(value, len, field) }?.to_owned();
        builder.update(move |b| set(b, value));
        Ok(())
    })
}

/// Adds a credential configuration id (a key of the issuer's `credential_configurations_supported`).
///
/// # Safety
/// `builder` is NULL or a live builder; `id` points to `id_len` readable bytes; `error` is NULL or
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_builder_add_configuration_id(
    builder: *mut credoffer_builder,
    id: *const c_char,
    id_len: usize,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    // SAFETY: forwarded from this function's contract.
    unsafe { set_text(builder, id, id_len, "id", error, OfferBuilder::credential_configuration_id) }
}

/// Offers the authorization code grant, with an optional `issuer_state` (NULL for none).
///
/// # Safety
/// `builder` is NULL or a live builder; `issuer_state` is NULL or points to `issuer_state_len`
/// readable bytes; `error` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_builder_authorization_code(
    builder: *mut credoffer_builder,
    issuer_state: *const c_char,
    issuer_state_len: usize,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    guard(error, || {
        // SAFETY: forwarded from this function's contract.
        let builder = unsafe { handle_mut(builder, "builder") }?;
        // SAFETY: forwarded from this function's contract.
        let state = unsafe { optional_text(issuer_state, issuer_state_len, "issuer_state") }?.map(str::to_owned);
        builder.update(move |b| b.authorization_code(state));
        Ok(())
    })
}

/// Sets the authorization code grant's `authorization_server` (adding the grant if needed).
///
/// # Safety
/// `builder` is NULL or a live builder; `server` points to `server_len` readable bytes; `error` is
/// NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_builder_authorization_code_server(
    builder: *mut credoffer_builder,
    server: *const c_char,
    server_len: usize,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    // SAFETY: forwarded from this function's contract.
    unsafe { set_text(builder, server, server_len, "server", error, OfferBuilder::authorization_code_server) }
}

/// Offers the pre-authorized code grant with `code` (a secret; see `credoffer_generate_pre_authorized_code`).
///
/// # Safety
/// `builder` is NULL or a live builder; `code` points to `code_len` readable bytes; `error` is NULL
/// or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_builder_pre_authorized_code(
    builder: *mut credoffer_builder,
    code: *const c_char,
    code_len: usize,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    // SAFETY: forwarded from this function's contract.
    unsafe { set_text(builder, code, code_len, "code", error, OfferBuilder::pre_authorized_code) }
}

/// Sets the pre-authorized code grant's `authorization_server` (adding the grant if needed).
///
/// # Safety
/// `builder` is NULL or a live builder; `server` points to `server_len` readable bytes; `error` is
/// NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_builder_pre_authorized_code_server(
    builder: *mut credoffer_builder,
    server: *const c_char,
    server_len: usize,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    // SAFETY: forwarded from this function's contract.
    unsafe { set_text(builder, server, server_len, "server", error, OfferBuilder::pre_authorized_code_server) }
}

/// Requires a transaction code with the pre-authorized grant: `input_mode` is a
/// `CREDOFFER_INPUT_MODE_*` value, `length` the number of characters (0: not stated), `description`
/// guidance for the user (NULL: none).
///
/// # Safety
/// `builder` is NULL or a live builder; `description` is NULL or points to `description_len`
/// readable bytes; `error` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_builder_tx_code(
    builder: *mut credoffer_builder,
    input_mode: u32,
    length: u32,
    description: *const c_char,
    description_len: usize,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    guard(error, || {
        // SAFETY: forwarded from this function's contract.
        let builder = unsafe { handle_mut(builder, "builder") }?;
        let tx_code = TxCode {
            input_mode: input_mode_from(input_mode)?,
            length: (length != 0).then_some(length),
            // SAFETY: forwarded from this function's contract.
            description: unsafe { optional_text(description, description_len, "description") }?.map(str::to_owned),
            ..TxCode::default()
        };
        builder.update(move |b| b.tx_code(tx_code));
        Ok(())
    })
}

/// An input mode from its C value.
pub(crate) fn input_mode_from(value: u32) -> Outcome<Option<InputMode>> {
    match value {
        CREDOFFER_INPUT_MODE_UNSPECIFIED => Ok(None),
        CREDOFFER_INPUT_MODE_NUMERIC => Ok(Some(InputMode::Numeric)),
        CREDOFFER_INPUT_MODE_TEXT => Ok(Some(InputMode::Text)),
        other => Err(Failure::invalid("input_mode", format!("{other} is not a CREDOFFER_INPUT_MODE_* value"))),
    }
}

/// Adds a member the spec does not define (a profile field, MATTR's `request_parameters`), kept
/// verbatim: `value` is JSON text.
///
/// # Safety
/// `builder` is NULL or a live builder; `name` and `value` point to `name_len` and `value_len`
/// readable bytes; `error` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_builder_extension(
    builder: *mut credoffer_builder,
    name: *const c_char,
    name_len: usize,
    value: *const c_char,
    value_len: usize,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    guard(error, || {
        // SAFETY: forwarded from this function's contract.
        let builder = unsafe { handle_mut(builder, "builder") }?;
        // SAFETY: forwarded from this function's contract.
        let name = unsafe { text(name, name_len, "name") }?.to_owned();
        // SAFETY: forwarded from this function's contract.
        let value = unsafe { text(value, value_len, "value") }?;
        let value = JsonValue::from_json(value).map_err(|e| e.at("value"))?;
        builder.update(move |b| b.extension(name, value));
        Ok(())
    })
}

/// Accepts an `http` issuer (local testing only). Off by default.
///
/// # Safety
/// `builder` is NULL or a live builder; `error` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_builder_allow_insecure_http(
    builder: *mut credoffer_builder,
    allow: bool,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    guard(error, || {
        // SAFETY: forwarded from this function's contract.
        let builder = unsafe { handle_mut(builder, "builder") }?;
        builder.update(|b| b.allow_insecure_http(allow));
        builder.allow_insecure_http = allow;
        Ok(())
    })
}

/// Validates the offer and writes it as compact JSON in `dialect` (NULL for 1.0). The builder stays
/// usable. `*out` is a new string to free with `credoffer_string_free`; `out_len` may be NULL.
///
/// # Safety
/// `builder` is NULL or a live builder; `dialect` is NULL or points to `dialect_len` readable bytes;
/// `out` and `out_len` are NULL or writable; `error` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_builder_to_json(
    builder: *const credoffer_builder,
    dialect_name: *const c_char,
    dialect_len: usize,
    out: *mut *mut c_char,
    out_len: *mut usize,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    guard(error, || {
        let out = StringOut::new(out, out_len, "out")?;
        // SAFETY: forwarded from this function's contract.
        let builder = unsafe { handle(builder, "builder") }?;
        // SAFETY: forwarded from this function's contract.
        let dialect = dialect(unsafe { optional_text(dialect_name, dialect_len, "dialect") }?)?;
        let options =
            credoffer::BuildOptions::default().dialect(dialect).allow_insecure_http(builder.allow_insecure_http);
        out.write(builder.builder.clone().build()?.to_json(&options)?)
    })
}

/// Validates the offer and writes it as a URI by value with `options` (NULL for the defaults). The
/// builder stays usable.
///
/// # Safety
/// `builder` is NULL or a live builder; `options` is NULL or readable; `out` and `out_len` are NULL
/// or writable; `error` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_builder_to_uri(
    builder: *const credoffer_builder,
    options: *const credoffer_build_options,
    out: *mut *mut c_char,
    out_len: *mut usize,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    guard(error, || {
        let out = StringOut::new(out, out_len, "out")?;
        // SAFETY: forwarded from this function's contract.
        let builder = unsafe { handle(builder, "builder") }?;
        // SAFETY: forwarded from this function's contract.
        let options = unsafe { build_options(options) }?;
        out.write(builder.builder.clone().build()?.to_uri(&options)?)
    })
}

/// Reads offer JSON of any draft (as a wallet would) and writes it as a URI by value with `options`
/// (NULL for the defaults), validated strictly as every writer is. `*out` is a new string to free with
/// `credoffer_string_free`; `out_len` may be NULL.
///
/// # Safety
/// `json` points to `json_len` readable bytes; `options` is NULL or readable; `out` and `out_len`
/// are NULL or writable; `error` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_build_uri_from_json(
    json: *const c_char,
    json_len: usize,
    options: *const credoffer_build_options,
    out: *mut *mut c_char,
    out_len: *mut usize,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    // SAFETY: forwarded from this function's contract.
    unsafe { build_from_json(json, json_len, options, out, out_len, error, credoffer::build_offer_uri) }
}

/// As `credoffer_build_uri_from_json`, writing the offer's compact JSON in `options->dialect` instead
/// of a URI (`options->base` is not used): offer JSON of any draft converted to one dialect.
///
/// # Safety
/// `json` points to `json_len` readable bytes; `options` is NULL or readable; `out` and `out_len`
/// are NULL or writable; `error` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_build_json_from_json(
    json: *const c_char,
    json_len: usize,
    options: *const credoffer_build_options,
    out: *mut *mut c_char,
    out_len: *mut usize,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    // SAFETY: forwarded from this function's contract.
    unsafe { build_from_json(json, json_len, options, out, out_len, error, credoffer::uri::build_offer_json) }
}

/// The body of both "offer JSON in" writers: read the arguments, run the engine's `write`.
///
/// # Safety
/// As for `credoffer_build_uri_from_json`.
unsafe fn build_from_json(
    json: *const c_char,
    json_len: usize,
    options: *const credoffer_build_options,
    out: *mut *mut c_char,
    out_len: *mut usize,
    error: *mut *mut credoffer_error,
    write: fn(&str, &BuildOptions) -> credoffer::Result<String>,
) -> credoffer_status {
    guard(error, || {
        let out = StringOut::new(out, out_len, "out")?;
        // SAFETY: forwarded from this function's contract.
        let json = unsafe { text(json, json_len, "json") }?;
        // SAFETY: forwarded from this function's contract.
        let options = unsafe { build_options(options) }?;
        out.write(write(json, &options)?)
    })
}

/// The URI of an offer by reference: `<base>?credential_offer_uri=<url>`. The host serves the offer
/// JSON at `url` (an https URL).
///
/// # Safety
/// `url` points to `url_len` readable bytes; `options` is NULL or readable; `out` and `out_len` are
/// NULL or writable; `error` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_build_reference_uri(
    url: *const c_char,
    url_len: usize,
    options: *const credoffer_build_options,
    out: *mut *mut c_char,
    out_len: *mut usize,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    guard(error, || {
        let out = StringOut::new(out, out_len, "out")?;
        // SAFETY: forwarded from this function's contract.
        let url = unsafe { text(url, url_len, "url") }?;
        // SAFETY: forwarded from this function's contract.
        let options = unsafe { build_options(options) }?;
        out.write(credoffer::uri::offer_reference_uri(url, &options)?)
    })
}
