//! A parsed offer: read from a URI or from JSON, with accessors for everything a wallet needs.

use std::ffi::c_char;

use credoffer::offer::InputMode;
use credoffer::{OfferUri, ParsedOffer, Warning};

use crate::boundary::{
    Failure, Out, Outcome, StringOut, access, credoffer_str, free_handle, guard, handle, into_handle, optional_text,
    text,
};
use crate::builder::{
    CREDOFFER_INPUT_MODE_NUMERIC, CREDOFFER_INPUT_MODE_TEXT, CREDOFFER_INPUT_MODE_UNSPECIFIED, build_options,
    credoffer_build_options, dialect,
};
use crate::error::credoffer_error;
use crate::status::credoffer_status;
use crate::{credoffer_parse_options, parse_options};

/// Grant bit: the Authorization Code Flow (`authorization_code`).
pub const CREDOFFER_GRANT_AUTHORIZATION_CODE: u32 = 1;
/// Grant bit: the Pre-Authorized Code Flow (`urn:ietf:params:oauth:grant-type:pre-authorized_code`).
pub const CREDOFFER_GRANT_PRE_AUTHORIZED_CODE: u32 = 1 << 1;

/// A parsed offer (opaque): either the offer itself (by value) or where to fetch it (by reference).
/// Made by `credoffer_parse_uri` or `credoffer_parse_json`, freed by `credoffer_offer_free`.
#[derive(Debug)]
pub struct credoffer_offer {
    parsed: OfferUri,
}

impl credoffer_offer {
    /// A handle for an offer read by value.
    pub(crate) fn by_value_of(parsed: ParsedOffer) -> Self {
        credoffer_offer { parsed: OfferUri::ByValue(parsed) }
    }

    /// The offer by value, or `CREDOFFER_STATUS_BY_REFERENCE`.
    pub(crate) fn by_value(&self) -> Outcome<&ParsedOffer> {
        match &self.parsed {
            OfferUri::ByValue(parsed) => Ok(parsed),
            OfferUri::ByReference(reference) => Err(Failure::new(
                credoffer::error::BindingErrorKind::ByReference,
                "offer",
                format!(
                    "the offer is by reference: fetch {} and parse the JSON with credoffer_parse_json",
                    reference.uri
                ),
            )),
        }
    }

    fn warnings(&self) -> &[Warning] {
        match &self.parsed {
            OfferUri::ByValue(parsed) => &parsed.warnings,
            OfferUri::ByReference(reference) => &reference.warnings,
        }
    }
}

/// One observation made while parsing (the offer was still accepted). Borrowed from the offer.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct credoffer_warning {
    /// A stable snake_case code, e.g. `legacy_credential_description` or `too_long_for_qr`.
    pub code: credoffer_str,
    /// A human-readable message.
    pub message: credoffer_str,
    /// The field concerned; `data` is NULL when there is none.
    pub field: credoffer_str,
    /// What the finding rests on (a spec section, a profile's clause, a wallet's issue), given for
    /// the interop lint's codes; `data` is NULL for the others.
    pub evidence: credoffer_str,
}

/// What to ask the user for before the pre-authorized token request. Strings are borrowed from the
/// offer.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct credoffer_tx_code_prompt {
    /// Whether the offer requires a transaction code. When false, the other members are zero.
    pub required: bool,
    /// `CREDOFFER_INPUT_MODE_NUMERIC` (digits only) or `CREDOFFER_INPUT_MODE_TEXT`.
    pub input_mode: u32,
    /// Whether `length` is given.
    pub has_length: bool,
    /// The exact number of characters, when `has_length`.
    pub length: u32,
    /// Whether `max_length` is given.
    pub has_max_length: bool,
    /// The most characters accepted, when `has_max_length` (8 digits for offers before draft 13).
    pub max_length: u32,
    /// Guidance to show next to the input; `data` is NULL when there is none.
    pub description: credoffer_str,
}

/// Reads an offer URI of any draft and scheme (`openid-credential-offer://?credential_offer=...`,
/// `haip-vci://`, https links, `credential_offer_uri=...`, raw JSON) under `options` (NULL for the
/// defaults). On success `*out` is a new offer to free with `credoffer_offer_free`; on failure it is NULL.
///
/// # Safety
/// `uri` points to `uri_len` readable bytes; `options` is NULL or readable; `out` points to writable
/// storage; `error` is NULL or points to writable storage.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_parse_uri(
    uri: *const c_char,
    uri_len: usize,
    options: *const credoffer_parse_options,
    out: *mut *mut credoffer_offer,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    guard(error, || {
        let out = Out::required(out, "out")?.cleared();
        // SAFETY: the caller passes `uri_len` readable bytes at `uri`.
        let uri = unsafe { text(uri, uri_len, "uri") }?;
        // SAFETY: forwarded from this function's contract.
        let options = unsafe { parse_options(options) }?;
        let parsed = credoffer::parse_offer_uri(uri, &options)?;
        out.write(into_handle(credoffer_offer { parsed }));
        Ok(())
    })
}

/// Reads Credential Offer JSON of any draft, such as the body fetched from a `credential_offer_uri`.
/// `options` as for `credoffer_parse_uri` (NULL for the defaults). The result is
/// always by value.
///
/// # Safety
/// `json` points to `json_len` readable bytes; `options` is NULL or readable; `out` points to writable
/// storage; `error` is NULL or points to writable storage.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_parse_json(
    json: *const c_char,
    json_len: usize,
    options: *const credoffer_parse_options,
    out: *mut *mut credoffer_offer,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    guard(error, || {
        let out = Out::required(out, "out")?.cleared();
        // SAFETY: the caller passes `json_len` readable bytes at `json`.
        let json = unsafe { text(json, json_len, "json") }?;
        // SAFETY: forwarded from this function's contract.
        let options = unsafe { parse_options(options) }?;
        let parsed = credoffer::parse_offer_json(json, &options)?;
        out.write(into_handle(credoffer_offer::by_value_of(parsed)));
        Ok(())
    })
}

/// Frees an offer. NULL is ignored.
///
/// # Safety
/// `offer` is NULL or an offer from this library, not freed before and not used after.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_offer_free(offer: *mut credoffer_offer) {
    // SAFETY: forwarded from this function's contract.
    unsafe { free_handle(offer) }
}

/// Whether the offer is by reference, and where to fetch it: `out->data` is the
/// `credential_offer_uri` (an https URL), or NULL when the offer is by value.
///
/// # Safety
/// `offer` is NULL or a live offer; `out` is NULL or writable; `error` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_offer_reference(
    offer: *const credoffer_offer,
    out: *mut credoffer_str,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        access(offer, "offer", out, error, |offer| {
            Ok(match &offer.parsed {
                OfferUri::ByValue(_) => credoffer_str::absent(),
                OfferUri::ByReference(reference) => credoffer_str::borrow(&reference.uri),
            })
        })
    }
}

/// The `credential_issuer`, byte for byte. `CREDOFFER_STATUS_BY_REFERENCE` for an offer by reference
/// (as for every accessor of the offer's content).
///
/// # Safety
/// `offer` is NULL or a live offer; `out` is NULL or writable; `error` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_offer_issuer(
    offer: *const credoffer_offer,
    out: *mut credoffer_str,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        access(offer, "offer", out, error, |offer| {
            Ok(credoffer_str::borrow(&offer.by_value()?.offer.credential_issuer))
        })
    }
}

/// The shape the offer came in: `"1.0"`, `"hybrid"`, `"draft13"`, `"draft12"`, `"draft11"`,
/// `"draft9"` or `"draft8"`.
///
/// # Safety
/// `offer` is NULL or a live offer; `out` is NULL or writable; `error` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_offer_source(
    offer: *const credoffer_offer,
    out: *mut credoffer_str,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    // SAFETY: forwarded from this function's contract.
    unsafe { access(offer, "offer", out, error, |offer| Ok(credoffer_str::borrow(offer.by_value()?.source.as_str()))) }
}

/// How many `credential_configuration_ids` the offer names (0 for a draft 11 offer that only
/// describes its credentials inline).
///
/// # Safety
/// `offer` is NULL or a live offer; `out` is NULL or writable; `error` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_offer_id_count(
    offer: *const credoffer_offer,
    out: *mut usize,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        access(offer, "offer", out, error, |offer| Ok(offer.by_value()?.offer.credential_configuration_ids.len()))
    }
}

/// Credential configuration id `index` (below `credoffer_offer_id_count`).
///
/// # Safety
/// `offer` is NULL or a live offer; `out` is NULL or writable; `error` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_offer_id(
    offer: *const credoffer_offer,
    index: usize,
    out: *mut credoffer_str,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        access(offer, "offer", out, error, |offer| {
            let ids = &offer.by_value()?.offer.credential_configuration_ids;
            ids.get(index)
                .map(|id| credoffer_str::borrow(id))
                .ok_or_else(|| Failure::out_of_range("index", index, ids.len()))
        })
    }
}

/// The grants on offer, as `CREDOFFER_GRANT_*` bits. 0 means the offer names none and the wallet
/// decides from the issuer's metadata.
///
/// # Safety
/// `offer` is NULL or a live offer; `out` is NULL or writable; `error` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_offer_grants(
    offer: *const credoffer_offer,
    out: *mut u32,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        access(offer, "offer", out, error, |offer| {
            let offer = &offer.by_value()?.offer;
            let mut grants = 0;
            if offer.authorization_code_grant().is_some() {
                grants |= CREDOFFER_GRANT_AUTHORIZATION_CODE;
            }
            if offer.pre_authorized_code_grant().is_some() {
                grants |= CREDOFFER_GRANT_PRE_AUTHORIZED_CODE;
            }
            Ok(grants)
        })
    }
}

/// The pre-authorized code (a secret: do not log it); `out->data` is NULL without that grant.
///
/// # Safety
/// `offer` is NULL or a live offer; `out` is NULL or writable; `error` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_offer_pre_authorized_code(
    offer: *const credoffer_offer,
    out: *mut credoffer_str,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        access(offer, "offer", out, error, |offer| {
            let grant = offer.by_value()?.offer.pre_authorized_code_grant();
            Ok(credoffer_str::optional(grant.map(|g| g.pre_authorized_code.as_str())))
        })
    }
}

/// The authorization code grant's `issuer_state`; `out->data` is NULL when absent.
///
/// # Safety
/// `offer` is NULL or a live offer; `out` is NULL or writable; `error` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_offer_issuer_state(
    offer: *const credoffer_offer,
    out: *mut credoffer_str,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        access(offer, "offer", out, error, |offer| {
            let grant = offer.by_value()?.offer.authorization_code_grant();
            Ok(credoffer_str::optional(grant.and_then(|g| g.issuer_state.as_deref())))
        })
    }
}

/// The `authorization_server` of one grant (`grant` is exactly one `CREDOFFER_GRANT_*` bit);
/// `out->data` is NULL when the grant or its server is absent.
///
/// # Safety
/// `offer` is NULL or a live offer; `out` is NULL or writable; `error` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_offer_authorization_server(
    offer: *const credoffer_offer,
    grant: u32,
    out: *mut credoffer_str,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        access(offer, "offer", out, error, |offer| {
            let offer = &offer.by_value()?.offer;
            let server = match grant {
                CREDOFFER_GRANT_AUTHORIZATION_CODE => {
                    offer.authorization_code_grant().and_then(|g| g.authorization_server.as_deref())
                }
                CREDOFFER_GRANT_PRE_AUTHORIZED_CODE => {
                    offer.pre_authorized_code_grant().and_then(|g| g.authorization_server.as_deref())
                }
                other => return Err(Failure::invalid("grant", format!("{other} is not one CREDOFFER_GRANT_* bit"))),
            };
            Ok(credoffer_str::optional(server))
        })
    }
}

/// How many warnings the parse produced.
///
/// # Safety
/// `offer` is NULL or a live offer; `out` is NULL or writable; `error` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_offer_warning_count(
    offer: *const credoffer_offer,
    out: *mut usize,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    // SAFETY: forwarded from this function's contract.
    unsafe { access(offer, "offer", out, error, |offer| Ok(offer.warnings().len())) }
}

/// Warning `index` (below `credoffer_offer_warning_count`).
///
/// # Safety
/// `offer` is NULL or a live offer; `out` is NULL or writable; `error` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_offer_warning(
    offer: *const credoffer_offer,
    index: usize,
    out: *mut credoffer_warning,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    // SAFETY: forwarded from this function's contract.
    unsafe { access(offer, "offer", out, error, |offer| warning_at(offer.warnings(), index)) }
}

/// Warning `index` of `warnings` as the C view, or the out-of-range failure.
pub(crate) fn warning_at(warnings: &[Warning], index: usize) -> Outcome<credoffer_warning> {
    let warning = warnings.get(index).ok_or_else(|| Failure::out_of_range("index", index, warnings.len()))?;
    Ok(warning_view(warning))
}

fn warning_view(warning: &Warning) -> credoffer_warning {
    credoffer_warning {
        code: credoffer_str::borrow(warning.code()),
        message: credoffer_str::borrow(&warning.message),
        field: credoffer_str::optional(warning.field.as_deref()),
        evidence: credoffer_str::optional(warning.evidence()),
    }
}

/// The offer as compact JSON in `dialect` (`"1.0"`, `"mattr"`, `"draft13"`, `"draft11"`; NULL for
/// 1.0), validated strictly first, as every writer of the engine is: an offer a lenient parse accepted
/// with warnings is refused here with the error strict mode raises. `*out` is a new string to free with `credoffer_string_free`; `out_len` may be NULL.
///
/// # Safety
/// `offer` is NULL or a live offer; `dialect` points to `dialect_len` readable bytes or is NULL;
/// `out` and `out_len` are NULL or writable; `error` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_offer_to_json(
    offer: *const credoffer_offer,
    dialect_name: *const c_char,
    dialect_len: usize,
    out: *mut *mut c_char,
    out_len: *mut usize,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    guard(error, || {
        let out = StringOut::new(out, out_len, "out")?;
        // SAFETY: forwarded from this function's contract.
        let offer = unsafe { handle(offer, "offer") }?;
        // SAFETY: forwarded from this function's contract.
        let dialect = dialect(unsafe { optional_text(dialect_name, dialect_len, "dialect") }?)?;
        let options = credoffer::BuildOptions::default().dialect(dialect);
        out.write(offer.by_value()?.offer.to_json(&options)?)
    })
}

/// The engine's JSON view of the parsed offer, for printing or handing on: `{"kind": "byValue",
/// "offer", "source", "warnings", "txCodePrompt"?}` (the offer in its 1.0 shape, written as read: a
/// lenient reading's findings are in `warnings`) or `{"kind": "byReference", "uri", "warnings"}`. The same
/// JSON the CLI, the npm package and the mobile bindings give. `*out` is a new string to free with
/// `credoffer_string_free` (it holds the pre-authorized code, a secret); `out_len` may be NULL.
///
/// # Safety
/// `offer` is NULL or a live offer; `out` and `out_len` are NULL or writable; `error` is NULL or
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_offer_to_view_json(
    offer: *const credoffer_offer,
    out: *mut *mut c_char,
    out_len: *mut usize,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    guard(error, || {
        let out = StringOut::new(out, out_len, "out")?;
        // SAFETY: forwarded from this function's contract.
        let offer = unsafe { handle(offer, "offer") }?;
        out.write(offer.parsed.to_json())
    })
}

/// The offer as a URI by value, written with `options` (NULL for the defaults): a parsed offer
/// converted to another dialect or base.
///
/// # Safety
/// `offer` is NULL or a live offer; `options` is NULL or readable; `out` and `out_len` are NULL or
/// writable; `error` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_offer_to_uri(
    offer: *const credoffer_offer,
    options: *const credoffer_build_options,
    out: *mut *mut c_char,
    out_len: *mut usize,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    guard(error, || {
        let out = StringOut::new(out, out_len, "out")?;
        // SAFETY: forwarded from this function's contract.
        let offer = unsafe { handle(offer, "offer") }?;
        // SAFETY: forwarded from this function's contract.
        let options = unsafe { build_options(options) }?;
        out.write(offer.by_value()?.offer.to_uri(&options)?)
    })
}

/// What to ask the user for before the pre-authorized token request: whether a transaction code is
/// required, its input mode, its exact or maximum length, and the issuer's description.
///
/// # Safety
/// `offer` is NULL or a live offer; `out` is NULL or writable; `error` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_offer_tx_code_prompt(
    offer: *const credoffer_offer,
    out: *mut credoffer_tx_code_prompt,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        access(offer, "offer", out, error, |offer| {
            let parsed = offer.by_value()?;
            let none = credoffer_tx_code_prompt {
                required: false,
                input_mode: CREDOFFER_INPUT_MODE_UNSPECIFIED,
                has_length: false,
                length: 0,
                has_max_length: false,
                max_length: 0,
                description: credoffer_str::absent(),
            };
            let Some(prompt) = parsed.tx_code_prompt() else {
                return Ok(none);
            };
            // The description is borrowed from the offer, not from the prompt (a temporary copy).
            let description = parsed
                .offer
                .pre_authorized_code_grant()
                .and_then(|grant| grant.tx_code.as_ref())
                .and_then(|tx_code| tx_code.description.as_deref());
            Ok(credoffer_tx_code_prompt {
                required: true,
                input_mode: match prompt.input_mode {
                    InputMode::Numeric => CREDOFFER_INPUT_MODE_NUMERIC,
                    InputMode::Text => CREDOFFER_INPUT_MODE_TEXT,
                },
                has_length: prompt.length.is_some(),
                length: prompt.length.unwrap_or(0),
                has_max_length: prompt.max_length.is_some(),
                max_length: prompt.max_length.unwrap_or(0),
                description: credoffer_str::optional(description),
            })
        })
    }
}

/// Checks what the user typed against the offer's transaction code prompt:
/// `CREDOFFER_STATUS_TX_CODE_MISMATCH` for wrong characters or length, `CREDOFFER_STATUS_OK` when it
/// fits. `CREDOFFER_STATUS_INVALID_ARGUMENT` when the offer asks for no transaction code.
///
/// # Safety
/// `offer` is NULL or a live offer; `input` points to `input_len` readable bytes; `error` is NULL or
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_offer_check_tx_code(
    offer: *const credoffer_offer,
    input: *const c_char,
    input_len: usize,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    guard(error, || {
        // SAFETY: forwarded from this function's contract.
        let offer = unsafe { handle(offer, "offer") }?;
        // SAFETY: forwarded from this function's contract.
        let input = unsafe { text(input, input_len, "input") }?;
        let prompt = offer
            .by_value()?
            .tx_code_prompt()
            .ok_or_else(|| Failure::invalid("offer", "the offer asks for no transaction code"))?;
        Ok(prompt.check(input)?)
    })
}

/// The form-encoded body of the pre-authorized token request (OpenID4VCI 1.0 §6.1), with the
/// transaction code the user typed (NULL when the offer requires none) and an optional `client_id`.
///
/// # Safety
/// `offer` is NULL or a live offer; `tx_code` and `client_id` are NULL or point to their lengths in
/// readable bytes; `out` and `out_len` are NULL or writable; `error` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_offer_token_request(
    offer: *const credoffer_offer,
    tx_code: *const c_char,
    tx_code_len: usize,
    client_id: *const c_char,
    client_id_len: usize,
    out: *mut *mut c_char,
    out_len: *mut usize,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    guard(error, || {
        let out = StringOut::new(out, out_len, "out")?;
        // SAFETY: forwarded from this function's contract.
        let offer = unsafe { handle(offer, "offer") }?;
        // SAFETY: forwarded from this function's contract.
        let tx_code = unsafe { optional_text(tx_code, tx_code_len, "tx_code") }?;
        // SAFETY: forwarded from this function's contract.
        let client_id = unsafe { optional_text(client_id, client_id_len, "client_id") }?;
        out.write(credoffer::wallet::token_request_body(&offer.by_value()?.offer, tx_code, client_id)?)
    })
}
