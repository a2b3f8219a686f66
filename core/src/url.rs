//! URLs as the engine checks and writes them: https URLs checked by a few exact rules (no URL-parsing
//! dependency, whose IDNA tables would outweigh the engine in WebAssembly), and RFC 3986 percent-encoding.

use std::sync::LazyLock;

use crate::error::{Error, ErrorKind, Result};

/// What an https URL is for, so the error names the right kind.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum UrlRole {
    /// A Credential Issuer identifier: no query, no fragment.
    Issuer,
    /// A `credential_offer_uri`: a query is fine, a fragment is not.
    OfferReference,
}

/// Checks an https URL without a URL-parsing dependency: the rules needed here are few and exact.
///
/// The scheme must be `https` (or `http` when `allow_insecure_http`), written in lower case as every
/// spec example does; the host must be an ASCII host name (an internationalized one as its `xn--`
/// A-label) of RFC 3986's unreserved and sub-delimiter characters, or a bracketed IPv6 address; a port
/// is at most 65535; the rest holds only characters a URI may carry and well-formed `%XX` escapes; no
/// user info, no fragment, and for issuer identifiers no query. Anything that URL parsers could read
/// differently (a `\`, a `%2E` or a full-width dot in a host) is refused rather than interpreted.
pub(crate) fn check_https_url(url: &str, field: &str, allow_insecure_http: bool, role: UrlRole) -> Result<()> {
    let invalid = match role {
        UrlRole::Issuer => ErrorKind::InvalidCredentialIssuer,
        UrlRole::OfferReference => ErrorKind::InvalidOfferUri,
    };
    let fail = |kind: ErrorKind, message: String| Err(Error::new(kind, message).at(field));
    if url.is_empty() {
        return fail(invalid, "the URL is empty".into());
    }
    let rest = if let Some(rest) = url.strip_prefix("https://") {
        rest
    } else if let Some(rest) = url.strip_prefix("http://") {
        if !allow_insecure_http {
            return fail(ErrorKind::InsecureUrl, format!("{url:?} must use https"));
        }
        rest
    } else {
        return fail(invalid, format!("{url:?} is not an https URL"));
    };
    // One pass over the bytes notes all the rules below ask about: these URLs are short, where separate
    // searches cost several times more. The Unicode rules run only for URLs that are not ASCII.
    let scan = UrlScan::of(rest);
    if let Some(bad) = scan.bad {
        return fail(invalid, format!("the URL contains the character {bad:?}"));
    }
    if scan.fragment {
        return fail(invalid, "the URL has a fragment".into());
    }
    if role == UrlRole::Issuer && scan.query {
        return fail(invalid, "a Credential Issuer identifier has no query".into());
    }
    let (authority, path_and_query) = rest.split_at_checked(scan.authority_end).unwrap_or((rest, ""));
    if authority.contains('@') {
        return fail(invalid, "the URL carries user information".into());
    }
    // Only RFC 3986's characters (non-ASCII passes, as IRIs carry it): URL parsers disagree on the rest,
    // and WHATWG's reads `\` as `/`, so `https://evil.example\.issuer.example.com` would be fetched
    // from evil.example.
    if let Some(bad) = path_and_query.bytes().find(|&b| b.is_ascii() && !allowed_raw_in_query(b)) {
        return fail(invalid, format!("the URL contains {:?}, which a URI cannot carry unencoded", char::from(bad)));
    }
    let (host, port) = match authority.strip_prefix('[') {
        Some(bracketed) => match bracketed.split_once(']') {
            Some((ipv6, port))
                if ipv6.parse::<std::net::Ipv6Addr>().is_ok() && (port.is_empty() || port.starts_with(':')) =>
            {
                (ipv6, port.strip_prefix(':'))
            }
            _ => return fail(invalid, "the URL has a malformed IPv6 host".into()),
        },
        None => {
            let (host, port) = authority.split_once(':').map_or((authority, None), |(host, port)| (host, Some(port)));
            if !host.bytes().all(is_host_byte)
                && let Some(bad) = host.chars().find(|&c| !u8::try_from(c).is_ok_and(is_host_byte))
            {
                return fail(
                    invalid,
                    format!("the host contains {bad:?}; a host is ASCII (an internationalized name as its xn-- form)"),
                );
            }
            (host, port)
        }
    };
    if host.is_empty() {
        return fail(invalid, "the URL has no host".into());
    }
    if port.is_some_and(|port| {
        port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) || port.parse::<u16>().is_err()
    }) {
        return fail(invalid, format!("{url:?} has an invalid port"));
    }
    if scan.malformed_escape {
        return fail(invalid, "a '%' in the URL does not start a %XX escape".into());
    }
    Ok(())
}

/// What one pass over a URL after its scheme finds.
#[derive(Default)]
struct UrlScan {
    /// The first white space or control character.
    bad: Option<char>,
    fragment: bool,
    query: bool,
    /// Where the authority ends: at the first `/` or `?`.
    authority_end: usize,
    /// A `%` not followed by two hex digits.
    malformed_escape: bool,
}

impl UrlScan {
    fn of(rest: &str) -> Self {
        let bytes = rest.as_bytes();
        let mut scan = Self { authority_end: bytes.len(), ..Self::default() };
        for (at, &byte) in bytes.iter().enumerate() {
            match byte {
                b' ' | 0..=0x1f | 0x7f => {
                    scan.bad.get_or_insert(char::from(byte));
                }
                b'#' => scan.fragment = true,
                b'?' => {
                    scan.query = true;
                    scan.authority_end = scan.authority_end.min(at);
                }
                b'/' => scan.authority_end = scan.authority_end.min(at),
                b'%' => {
                    let hex = bytes.get(at + 1..at + 3);
                    scan.malformed_escape |= !hex.is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit));
                }
                _ => {}
            }
        }
        if scan.bad.is_none() && !rest.is_ascii() {
            scan.bad = rest.chars().find(|c| c.is_whitespace() || c.is_control());
        }
        scan
    }
}

/// RFC 3986's reg-name without its `%` escapes (WHATWG parsers decode them, so `%2E` would be a dot):
/// unreserved characters and sub-delimiters.
const fn is_host_byte(byte: u8) -> bool {
    allowed_raw_in_query(byte) && !matches!(byte, b':' | b'@' | b'/' | b'?' | b'%')
}

/// Percent-encodes `value` for a URI query: only unreserved characters stay raw, `%XX` is uppercase
/// (`"a b+c/é~"` → `"a%20b%2Bc%2F%C3%A9~"`).
pub(crate) fn percent_encode(value: &str) -> String {
    let mut encoded = String::new();
    push_percent_encoded(&mut encoded, value);
    encoded
}

/// Appends `value` to `out`, percent-encoded as [`percent_encode`] does.
pub(crate) fn push_percent_encoded(out: &mut String, value: &str) {
    let mut bytes = std::mem::take(out).into_bytes();
    let end = bytes.len();
    bytes.resize(end + percent_encoding_room(value.len()), 0);
    let written = bytes.get_mut(end..).map_or(0, |room| percent_encode_into(room, value.as_bytes()));
    bytes.truncate(end + written);
    // Only ASCII was appended to valid UTF-8, so the check cannot fail (and a lossy fallback would cost the
    // browser build more than this whole function).
    *out = String::from_utf8(bytes).unwrap_or_default();
}

/// Writes `value` percent-encoded at the start of `room`, which is at least [`percent_encoding_room`] long
/// (or the rest of the value is left out), and returns how many bytes it wrote; past them, `room` is scratch.
///
/// Without a branch per byte: in offer JSON, letters and escaped punctuation alternate too irregularly for a
/// branch predictor, and the mispredictions cost more than the work. Each byte's output is looked up whole
/// ([`ENCODED`]) and stored as one 4-byte word; the write position then moves by the output's length, so the
/// next byte overwrites what was stored past it. The words of a run of input bytes go into one window, taken
/// once, at positions the compiler can see stay inside it: no bounds check per byte either.
pub(crate) fn percent_encode_into(room: &mut [u8], value: &[u8]) -> usize {
    let encoded: &[u32; 256] = &ENCODED;
    let mut end = 0;
    for run in value.chunks(RUN) {
        let Some(window) = room.get_mut(end..).and_then(|rest| rest.first_chunk_mut::<WINDOW>()) else { break };
        let mut written = 0;
        for &byte in run {
            let entry = encoded.get(usize::from(byte)).copied().unwrap_or_default();
            let at = written & 63;
            if let Some(slots) = window.get_mut(at..at + 4) {
                slots.copy_from_slice(&entry.to_le_bytes());
            }
            written += (entry >> 24) as usize;
        }
        end += written;
    }
    end
}

/// The run of input bytes whose words [`percent_encode_into`] stores into one window.
const RUN: usize = 16;
/// A run writes at most 3 × [`RUN`] = 48 bytes, so masking a position within it with 63 changes nothing, and
/// the last word stored at a masked position ends inside the window.
const WINDOW: usize = 64 + 4;

/// The room [`percent_encode_into`] needs for `length` bytes of input: three bytes each, and the window past
/// them. A buffer made with that much capacity is not reallocated by [`push_percent_encoded`].
pub(crate) const fn percent_encoding_room(length: usize) -> usize {
    length * 3 + WINDOW
}

/// The percent-encoded form of each byte, in a little-endian word: the output bytes (the byte itself, or `%XX`
/// with uppercase hex digits), then its length in the top byte. Built on first use rather than at compile
/// time: as a constant it was 1 KB of the WebAssembly's data, which gzip halves only (the loop that builds it
/// is a tenth of that).
static ENCODED: LazyLock<[u32; 256]> = LazyLock::new(|| {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let hex = |nibble: u8| u32::from(HEX.get(usize::from(nibble & 0x0f)).copied().unwrap_or_default());
    let mut table = [0u32; 256];
    for (entry, byte) in table.iter_mut().zip(0..=u8::MAX) {
        *entry = if is_unreserved(byte) {
            u32::from(byte) | 1 << 24
        } else {
            u32::from(b'%') | hex(byte >> 4) << 8 | hex(byte) << 16 | 3 << 24
        };
    }
    table
});

/// RFC 3986's unreserved characters, which percent-encoding leaves as they are.
pub(crate) const fn is_unreserved(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~')
}

/// RFC 3986 allows these raw in a query: unreserved, sub-delims, `:` `@` `/` `?` (and `%` escapes). The
/// unreserved ones are listed again rather than asked of [`is_unreserved`]: one pattern is 29 B smaller in
/// the browser build, which has no margin to spare; a test checks the two agree.
pub(crate) const fn allowed_raw_in_query(byte: u8) -> bool {
    matches!(byte, b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~'
        | b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+' | b',' | b';' | b'='
        | b':' | b'@' | b'/' | b'?' | b'%')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_set_holds_every_unreserved_byte() {
        for byte in 0..=u8::MAX {
            assert!(!is_unreserved(byte) || allowed_raw_in_query(byte), "{byte:#x}");
        }
        assert!(!is_unreserved(b'%') && allowed_raw_in_query(b'%'));
    }
    use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

    /// Everything but RFC 3986's unreserved characters.
    const ESCAPED: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

    #[test]
    fn percent_encoding_agrees_with_the_percent_encoding_crate() {
        let every_char_class: String = (0u8..0x80).map(char::from).chain(['é', '€', '𝄞', '\u{ffff}']).collect();
        let mut texts = vec![String::new(), every_char_class.clone()];
        // Every split point, so that runs of either kind start and end everywhere, multi-byte characters too.
        for (index, _) in every_char_class.char_indices() {
            let (head, tail) = every_char_class.split_at(index);
            texts.extend([format!("{tail}{head}"), format!("ab{head}~{tail}%")]);
        }
        for text in texts {
            let mut appended = String::from("x=é");
            push_percent_encoded(&mut appended, &text);
            assert_eq!(appended, format!("x=é{}", utf8_percent_encode(&text, ESCAPED)), "{text:?}");
        }
    }
}
