//! Secrets (pre-authorized codes, transaction codes, ids) and QR codes.

use std::ffi::c_char;

use credoffer::offer::InputMode;
use credoffer::{Entropy, FixedEntropy, SystemEntropy};

use crate::boundary::{Failure, Outcome, StringOut, guard, optional_bytes, text};
use crate::builder::input_mode_from;
use crate::error::credoffer_error;
use crate::status::credoffer_status;

/// Where randomness comes from: the operating system's CSPRNG when the caller passes no bytes, or
/// exactly the caller's bytes (deterministic output for tests, or the caller's own generator).
pub(crate) enum EntropySource {
    System(SystemEntropy),
    Fixed(FixedEntropy),
}

impl EntropySource {
    /// Reads an `entropy`/`entropy_len` argument pair.
    ///
    /// # Safety
    /// `data` is NULL or points to `len` readable bytes.
    pub(crate) unsafe fn read(data: *const u8, len: usize) -> Outcome<Self> {
        // SAFETY: forwarded from this function's contract.
        Ok(match unsafe { optional_bytes(data, len, "entropy") }? {
            None => Self::System(SystemEntropy),
            Some(bytes) => Self::Fixed(FixedEntropy::new(bytes)),
        })
    }

    pub(crate) fn as_dyn(&mut self) -> &mut dyn Entropy {
        match self {
            Self::System(system) => system,
            Self::Fixed(fixed) => fixed,
        }
    }
}

/// Runs a generator over an entropy argument and writes its text result.
///
/// # Safety
/// `entropy` is NULL or points to `entropy_len` readable bytes; `out` and `out_len` are NULL or
/// writable; `error` is NULL or writable.
unsafe fn generate(
    entropy: *const u8,
    entropy_len: usize,
    out: *mut *mut c_char,
    out_len: *mut usize,
    error: *mut *mut credoffer_error,
    generator: impl FnOnce(&mut dyn Entropy) -> Outcome<String>,
) -> credoffer_status {
    guard(error, || {
        let out = StringOut::new(out, out_len, "out")?;
        // SAFETY: forwarded from this function's contract.
        let mut source = unsafe { EntropySource::read(entropy, entropy_len) }?;
        out.write(generator(source.as_dyn())?)
    })
}

/// A new pre-authorized code: 256 random bits, base64url without padding (43 characters). A secret:
/// free it with `credoffer_string_free`, which zeroes it. `entropy` NULL (with `entropy_len` 0) uses
/// the operating system's CSPRNG; otherwise exactly those bytes are used (32 are needed).
///
/// # Safety
/// `entropy` is NULL or points to `entropy_len` readable bytes; `out` and `out_len` are NULL or
/// writable; `error` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_generate_pre_authorized_code(
    entropy: *const u8,
    entropy_len: usize,
    out: *mut *mut c_char,
    out_len: *mut usize,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        generate(entropy, entropy_len, out, out_len, error, |source| {
            Ok(credoffer::secret::generate_pre_authorized_code(source)?.expose().to_owned())
        })
    }
}

/// A new `issuer_state` for authorization code offers (128 random bits, base64url). Entropy as for
/// `credoffer_generate_pre_authorized_code` (16 bytes are needed).
///
/// # Safety
/// `entropy` is NULL or points to `entropy_len` readable bytes; `out` and `out_len` are NULL or
/// writable; `error` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_generate_issuer_state(
    entropy: *const u8,
    entropy_len: usize,
    out: *mut *mut c_char,
    out_len: *mut usize,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        generate(entropy, entropy_len, out, out_len, error, |source| {
            Ok(credoffer::secret::generate_issuer_state(source)?.expose().to_owned())
        })
    }
}

/// A new random UUID v4 (offer and user ids). Entropy as for
/// `credoffer_generate_pre_authorized_code` (16 bytes are needed).
///
/// # Safety
/// `entropy` is NULL or points to `entropy_len` readable bytes; `out` and `out_len` are NULL or
/// writable; `error` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_generate_uuid_v4(
    entropy: *const u8,
    entropy_len: usize,
    out: *mut *mut c_char,
    out_len: *mut usize,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        generate(entropy, entropy_len, out, out_len, error, |source| Ok(credoffer::secret::generate_uuid_v4(source)?))
    }
}

/// A new transaction code of `length` characters, uniform over digits (`CREDOFFER_INPUT_MODE_NUMERIC`)
/// or over unambiguous letters and digits (`CREDOFFER_INPUT_MODE_TEXT`), kept as text so leading
/// zeros survive. A secret: send it to the user on another channel than the offer. Entropy as for
/// `credoffer_generate_pre_authorized_code` (rejection sampling may read more than `length` bytes).
///
/// # Safety
/// `entropy` is NULL or points to `entropy_len` readable bytes; `out` and `out_len` are NULL or
/// writable; `error` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_generate_tx_code(
    input_mode: u32,
    length: u32,
    entropy: *const u8,
    entropy_len: usize,
    out: *mut *mut c_char,
    out_len: *mut usize,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        generate(entropy, entropy_len, out, out_len, error, |source| {
            let mode: InputMode = input_mode_from(input_mode)?.ok_or_else(|| {
                Failure::invalid("input_mode", "name the input mode: CREDOFFER_INPUT_MODE_NUMERIC or _TEXT")
            })?;
            Ok(credoffer::secret::generate_tx_code(mode, length, source)?.expose().to_owned())
        })
    }
}

/// The lookup key of a secret: SHA-256, base64url. Records store this instead of the code, and a
/// host finds the record of a presented code by it.
///
/// # Safety
/// `secret` points to `secret_len` readable bytes; `out` and `out_len` are NULL or writable; `error`
/// is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_lookup_key(
    secret: *const c_char,
    secret_len: usize,
    out: *mut *mut c_char,
    out_len: *mut usize,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    guard(error, || {
        let out = StringOut::new(out, out_len, "out")?;
        // SAFETY: forwarded from this function's contract.
        let secret = unsafe { text(secret, secret_len, "secret") }?;
        out.write(credoffer::record::lookup_key(secret))
    })
}

/// `text` (an offer URI) as a QR code in an SVG document (error correction level L or better, a
/// four-module quiet zone). `CREDOFFER_STATUS_QR_TOO_LONG` when no QR code holds it.
///
/// # Safety
/// `text_data` points to `text_len` readable bytes; `out` and `out_len` are NULL or writable;
/// `error` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn credoffer_qr_svg(
    text_data: *const c_char,
    text_len: usize,
    out: *mut *mut c_char,
    out_len: *mut usize,
    error: *mut *mut credoffer_error,
) -> credoffer_status {
    guard(error, || {
        let out = StringOut::new(out, out_len, "out")?;
        // SAFETY: forwarded from this function's contract.
        let text = unsafe { text(text_data, text_len, "text") }?;
        out.write(credoffer::qr::render_qr_svg(text)?)
    })
}
