//! Secrets: pre-authorized codes, transaction codes, ids, and how they are compared.
//!
//! All randomness comes through [`Entropy`], so the engine never reaches for the OS on its own: issuers
//! pass [`SystemEntropy`] (getrandom), tests and callers with their own generator pass bytes through
//! [`FixedEntropy`].

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, Zeroizing};

use crate::error::{Error, ErrorKind, Result};
use crate::offer::InputMode;

/// Bytes in a pre-authorized code: 256 bits, above RFC 6749 §10.10's 2^-160 guessing bound.
pub const PRE_AUTHORIZED_CODE_BYTES: usize = 32;
/// Bytes in an `issuer_state` or by-reference token: 128 bits (RFC 9101 §11.2 guidance).
pub(crate) const STATE_BYTES: usize = 16;
/// The default alphabet of text transaction codes: digits and capitals without the look-alikes
/// `0 O 1 I`, so a code read off a screen or letter is typed right. 32 symbols: 5 bits each.
pub const TEXT_ALPHABET: &str = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
const DIGITS: &str = "0123456789";
/// The longest token [`generate_token`] makes, in bytes (8192 bits).
pub(crate) const MAX_TOKEN_BYTES: usize = 1024;
/// The longest code [`generate_from_alphabet`] and [`generate_tx_code`] make: far beyond what anyone types,
/// and short enough that a wrong length fails cleanly instead of exhausting memory.
pub const MAX_CODE_LENGTH: u32 = 256;
/// Rounds of rejection sampling before the entropy source is taken for broken. With a working source a
/// round keeps at least half its bytes for any alphabet, so 64 rounds are never needed; a source stuck
/// on a rejected byte (always 0xFF, say) would otherwise loop for ever.
const MAX_SAMPLING_ROUNDS: u32 = 64;

/// A source of random bytes.
pub trait Entropy {
    /// Fills `buf` entirely with random bytes, or fails.
    fn fill(&mut self, buf: &mut [u8]) -> Result<()>;
}

/// The operating system's CSPRNG, through getrandom. Its failure is an error, never a panic.
#[cfg(feature = "getrandom")]
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemEntropy;

#[cfg(feature = "getrandom")]
impl Entropy for SystemEntropy {
    fn fill(&mut self, buf: &mut [u8]) -> Result<()> {
        getrandom::fill(buf)
            .map_err(|e| Error::new(ErrorKind::EntropyUnavailable, format!("the system CSPRNG failed: {e}")))
    }
}

/// Caller-supplied bytes, handed out in order; running out is an error. For tests and for callers who
/// bring their own generator.
#[derive(Clone)]
pub struct FixedEntropy {
    bytes: Vec<u8>,
    position: usize,
}

impl FixedEntropy {
    /// Hands out `bytes` in order.
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        Self { bytes: bytes.into(), position: 0 }
    }

    /// Hands out the bytes of a hex string.
    pub fn from_hex(hex: &str) -> Result<Self> {
        let invalid =
            || Error::new(ErrorKind::InvalidType, "entropy must be an even number of hex digits").at("entropy_hex");
        if !hex.len().is_multiple_of(2) {
            return Err(invalid());
        }
        let bytes = hex
            .as_bytes()
            .chunks(2)
            .map(|pair| std::str::from_utf8(pair).ok().and_then(|pair| u8::from_str_radix(pair, 16).ok()))
            .collect::<Option<Vec<u8>>>()
            .ok_or_else(invalid)?;
        Ok(Self::new(bytes))
    }

    /// Bytes not handed out yet.
    pub fn remaining(&self) -> usize {
        self.bytes.len().saturating_sub(self.position)
    }
}

impl fmt::Debug for FixedEntropy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FixedEntropy").field("remaining", &self.remaining()).finish_non_exhaustive()
    }
}

impl Entropy for FixedEntropy {
    fn fill(&mut self, buf: &mut [u8]) -> Result<()> {
        let end = self.position.saturating_add(buf.len());
        let Some(source) = self.bytes.get(self.position..end) else {
            return Err(Error::new(ErrorKind::EntropyUnavailable, "the fixed entropy ran out of bytes"));
        };
        buf.copy_from_slice(source);
        self.position = end;
        Ok(())
    }
}

/// A secret string: redacted from `Debug` and `Display`, wiped from memory when dropped.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself. Call it only where the value must leave the engine (a URI, a response).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

/// A random token of `bytes` bytes, base64url without padding: only unreserved URI characters, so it
/// survives a URI, JSON and a form-encoded token request unchanged.
pub(crate) fn generate_token(bytes: usize, entropy: &mut dyn Entropy) -> Result<Secret> {
    token_of(&random_bytes(bytes, entropy)?)
}

/// `bytes` random bytes for a token, wiped when dropped: for a caller that needs the bytes as well as the
/// token ([`token_of`]).
pub(crate) fn random_bytes(bytes: usize, entropy: &mut dyn Entropy) -> Result<Zeroizing<Vec<u8>>> {
    if !(1..=MAX_TOKEN_BYTES).contains(&bytes) {
        return Err(Error::new(ErrorKind::InvalidConfiguration, format!("a token has 1 to {MAX_TOKEN_BYTES} bytes"))
            .at("bytes"));
    }
    let mut raw = Zeroizing::new(vec![0u8; bytes]);
    entropy.fill(&mut raw)?;
    Ok(raw)
}

/// The token of random bytes: base64url without padding.
pub(crate) fn token_of(raw: &[u8]) -> Result<Secret> {
    // Encoded into a buffer of ours rather than by `encode`, whose `expect` on text it made itself brings the
    // formatting of its error (and of any struct, pretty-printed) into the WebAssembly build.
    let mut encoded = vec![0u8; raw.len().div_ceil(3) * 4];
    let written = URL_SAFE_NO_PAD.encode_slice(raw, &mut encoded).ok();
    // The buffer fits the text, and base64url is ASCII: neither step fails.
    let token = written.and_then(|written| {
        encoded.truncate(written);
        String::from_utf8(encoded).ok()
    });
    token.map(Secret).ok_or_else(|| Error::new(ErrorKind::InvalidConfiguration, "the token could not be encoded"))
}

/// A pre-authorized code: 32 random bytes, base64url without padding (43 characters).
///
/// ```
/// use credoffer::FixedEntropy;
/// use credoffer::secret::generate_pre_authorized_code;
///
/// let code = generate_pre_authorized_code(&mut FixedEntropy::new([0u8; 32]))?;
/// assert_eq!(code.expose(), "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
/// # Ok::<(), credoffer::Error>(())
/// ```
pub fn generate_pre_authorized_code(entropy: &mut dyn Entropy) -> Result<Secret> {
    generate_token(PRE_AUTHORIZED_CODE_BYTES, entropy)
}

/// An `issuer_state`: 16 random bytes, base64url without padding.
pub fn generate_issuer_state(entropy: &mut dyn Entropy) -> Result<Secret> {
    generate_token(STATE_BYTES, entropy)
}

/// A transaction code of `length` symbols, uniform over the alphabet of `input_mode` (digits, or
/// [`TEXT_ALPHABET`]).
///
/// ```
/// use credoffer::FixedEntropy;
/// use credoffer::offer::InputMode;
/// use credoffer::secret::generate_tx_code;
///
/// // Bytes 250..=255 are rejected (they would favour the digits 0 to 5); 7 % 10 = 7, 0 % 10 = 0.
/// let code = generate_tx_code(InputMode::Numeric, 3, &mut FixedEntropy::new([255, 7, 0, 250, 19]))?;
/// assert_eq!(code.expose(), "709");
/// # Ok::<(), credoffer::Error>(())
/// ```
pub fn generate_tx_code(input_mode: InputMode, length: u32, entropy: &mut dyn Entropy) -> Result<Secret> {
    let alphabet = match input_mode {
        InputMode::Numeric => DIGITS,
        InputMode::Text => TEXT_ALPHABET,
    };
    generate_from_alphabet(alphabet, length, entropy)
}

/// A code of `length` symbols drawn uniformly from `alphabet` (2 to 256 distinct ASCII symbols).
///
/// Uniform by rejection sampling: a byte is used only when it falls below the largest multiple of the
/// alphabet size, so no symbol is favoured (a plain `byte % n` would be biased unless n divides 256).
/// Each round draws one byte per symbol still missing.
pub fn generate_from_alphabet(alphabet: &str, length: u32, entropy: &mut dyn Entropy) -> Result<Secret> {
    let symbols = alphabet.as_bytes();
    let size = symbols.len();
    if !(2..=256).contains(&size) || !alphabet.is_ascii() || has_repeats(symbols) {
        return Err(Error::new(ErrorKind::InvalidConfiguration, "an alphabet needs 2 to 256 distinct ASCII symbols")
            .at("alphabet"));
    }
    if !(1..=MAX_CODE_LENGTH).contains(&length) {
        return Err(Error::new(ErrorKind::InvalidConfiguration, format!("a code has 1 to {MAX_CODE_LENGTH} symbols"))
            .at("length"));
    }
    let length = usize::try_from(length).unwrap_or(usize::MAX);
    // Bytes at or above `limit` are rejected; `limit` is a multiple of `size`.
    let limit = 256 - 256 % size;
    let mut code = String::with_capacity(length);
    let mut pool = Vec::with_capacity(length);
    // Each round draws one byte per symbol still missing, so the bytes used are easy to predict.
    let mut rounds = 0;
    while code.len() < length {
        rounds += 1;
        if rounds > MAX_SAMPLING_ROUNDS {
            pool.zeroize();
            code.zeroize();
            return Err(Error::new(
                ErrorKind::EntropyUnavailable,
                "the entropy source keeps giving bytes that must be rejected; it looks broken",
            ));
        }
        pool.resize(length - code.len(), 0);
        entropy.fill(&mut pool)?;
        for &byte in &pool {
            if usize::from(byte) < limit
                && let Some(&symbol) = symbols.get(usize::from(byte) % size)
            {
                code.push(char::from(symbol));
            }
        }
    }
    pool.zeroize();
    Ok(Secret(code))
}

fn has_repeats(symbols: &[u8]) -> bool {
    symbols.iter().enumerate().any(|(index, symbol)| symbols.iter().skip(index + 1).any(|other| other == symbol))
}

/// A random (version 4) UUID, lower-case hyphenated.
pub fn generate_uuid_v4(entropy: &mut dyn Entropy) -> Result<String> {
    let mut bytes = [0u8; 16];
    entropy.fill(&mut bytes)?;
    // Written into uuid's own buffer rather than by `to_string`, whose `expect` brings error formatting along.
    let uuid = uuid::Builder::from_random_bytes(bytes).into_uuid();
    Ok(uuid.hyphenated().encode_lower(&mut uuid::Uuid::encode_buffer()).to_owned())
}

/// Whether `value` is a UUID in hyphenated form (any version, either case).
pub(crate) fn is_uuid(value: &str) -> bool {
    value.len() == 36 && uuid::Uuid::try_parse(value).is_ok()
}

/// Compares two secrets in time that depends only on their lengths, never on where they differ, so a
/// caller cannot find a code byte by byte from response times.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_base64url_without_padding() {
        let code = generate_pre_authorized_code(&mut FixedEntropy::new([0xfbu8; 32])).unwrap();
        assert_eq!(code.expose().len(), 43);
        assert!(code.expose().bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        assert!(code.expose().contains('-') || code.expose().contains('_'));
        assert_eq!(generate_issuer_state(&mut FixedEntropy::new([1u8; 16])).unwrap().expose().len(), 22);
    }

    #[test]
    fn running_out_of_entropy_is_an_error() {
        let err = generate_pre_authorized_code(&mut FixedEntropy::new([0u8; 31])).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::EntropyUnavailable);
        assert_eq!(FixedEntropy::from_hex("0g").unwrap_err().code(), "invalid_type");
        assert_eq!(FixedEntropy::from_hex("abc").unwrap_err().code(), "invalid_type");
        assert_eq!(FixedEntropy::from_hex("00ff").unwrap().remaining(), 2);
    }

    #[test]
    fn lengths_out_of_range_are_errors_not_allocations() {
        let entropy = || FixedEntropy::new([7u8; 64]);
        for length in [0, MAX_CODE_LENGTH + 1, u32::MAX] {
            let error = generate_tx_code(InputMode::Numeric, length, &mut entropy()).unwrap_err();
            assert_eq!((error.code(), error.field()), ("invalid_configuration", Some("length")), "{length}");
        }
        for bytes in [0, MAX_TOKEN_BYTES + 1, usize::MAX] {
            let error = generate_token(bytes, &mut entropy()).unwrap_err();
            assert_eq!((error.code(), error.field()), ("invalid_configuration", Some("bytes")), "{bytes}");
        }
        // Text codes (32 symbols) keep every byte: exactly one byte per symbol.
        let mut bytes = FixedEntropy::new(vec![0u8; MAX_CODE_LENGTH as usize]);
        let longest = generate_tx_code(InputMode::Text, MAX_CODE_LENGTH, &mut bytes).unwrap();
        assert_eq!(longest.expose().len(), MAX_CODE_LENGTH as usize);
    }

    /// A source that never runs out but only ever gives a byte every alphabet rejects.
    struct Stuck;
    impl Entropy for Stuck {
        fn fill(&mut self, bytes: &mut [u8]) -> Result<()> {
            bytes.fill(0xff);
            Ok(())
        }
    }

    #[test]
    fn a_source_stuck_on_rejected_bytes_is_an_error_not_a_hang() {
        let error = generate_tx_code(InputMode::Numeric, 6, &mut Stuck).unwrap_err();
        assert_eq!(error.code(), "entropy_unavailable");
    }

    #[cfg(feature = "getrandom")]
    #[test]
    fn system_entropy_gives_distinct_codes() {
        let a = generate_pre_authorized_code(&mut SystemEntropy).unwrap();
        let b = generate_pre_authorized_code(&mut SystemEntropy).unwrap();
        assert_ne!(a, b);
    }

    #[test]
    fn text_codes_use_the_alphabet() {
        let code =
            generate_tx_code(InputMode::Text, 8, &mut FixedEntropy::new((0u8..=255).collect::<Vec<_>>())).unwrap();
        assert_eq!(code.expose(), "23456789");
        let bad = generate_from_alphabet("aa", 3, &mut FixedEntropy::new([0u8; 8]));
        assert_eq!(bad.unwrap_err().code(), "invalid_configuration");
    }

    #[test]
    fn leading_zeros_survive() {
        let code =
            generate_tx_code(InputMode::Numeric, 6, &mut FixedEntropy::new([0u8, 10, 20, 1, 2, 3, 0, 0, 0, 0, 0, 0]))
                .unwrap();
        assert_eq!(code.expose(), "000123");
    }

    /// A deterministic generator (SplitMix64) feeds 10^5 six-digit codes; every digit position must
    /// pass a chi-square test against the uniform distribution.
    #[test]
    fn digits_are_uniform_chi_square() {
        struct SplitMix(u64);
        impl Entropy for SplitMix {
            fn fill(&mut self, buf: &mut [u8]) -> Result<()> {
                for byte in buf {
                    self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
                    let mut z = self.0;
                    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
                    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
                    *byte = (z ^ (z >> 31)) as u8;
                }
                Ok(())
            }
        }
        let mut rng = SplitMix(42);
        let draws = 100_000;
        let mut counts = [[0u32; 10]; 6];
        for _ in 0..draws {
            let code = generate_tx_code(InputMode::Numeric, 6, &mut rng).unwrap();
            for (position, digit) in code.expose().bytes().enumerate() {
                counts[position][usize::from(digit - b'0')] += 1;
            }
        }
        let expected = f64::from(draws) / 10.0;
        for (position, row) in counts.iter().enumerate() {
            let chi2: f64 = row.iter().map(|&n| (f64::from(n) - expected).powi(2) / expected).sum();
            // 9 degrees of freedom: p = 0.001 at 27.88.
            assert!(chi2 < 27.88, "position {position}: chi-square {chi2:.2} for {row:?}");
        }
        // The same test catches modulo bias: byte % 10 without rejection favours 0..=5.
        let mut biased = [0u32; 10];
        for byte in 0u32..256 * 400 {
            biased[(byte % 256 % 10) as usize] += 1;
        }
        let expected = f64::from(256 * 400) / 10.0;
        let chi2: f64 = biased.iter().map(|&n| (f64::from(n) - expected).powi(2) / expected).sum();
        assert!(chi2 > 27.88, "the test must be able to see modulo bias (chi-square {chi2:.2})");
    }

    #[test]
    fn uuids() {
        let id = generate_uuid_v4(&mut FixedEntropy::new([0xffu8; 16])).unwrap();
        assert_eq!(id, "ffffffff-ffff-4fff-bfff-ffffffffffff");
        assert!(is_uuid(&id));
        assert!(is_uuid("8241400F-DE3B-42C5-AD7C-8A380039E796"));
        assert!(!is_uuid("8241400fde3b42c5ad7c8a380039e796"));
        assert!(!is_uuid("not-a-uuid"));
    }

    #[test]
    fn secrets_are_redacted_and_compared_in_constant_time() {
        let secret = Secret::new("493536");
        assert_eq!(format!("{secret:?}"), "Secret([redacted])");
        assert!(constant_time_eq(b"493536", secret.expose().as_bytes()));
        assert!(!constant_time_eq(b"493537", b"493536"));
        assert!(!constant_time_eq(b"49353", b"493536"));
    }
}
