//! Bounds on untrusted input, so a hostile offer costs a bounded amount of work.

/// Size, count and depth limits applied while parsing.
///
/// The defaults are far above anything a real offer needs (the longest by-value offers seen in the
/// wild are about 1.2 KB) and far below what would hurt a phone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Longest offer URI accepted, in bytes.
    pub max_uri_bytes: usize,
    /// Longest offer JSON accepted (after percent-decoding), in bytes.
    pub max_json_bytes: usize,
    /// Most `credential_configuration_ids` accepted.
    pub max_credential_configuration_ids: usize,
    /// Deepest JSON nesting accepted (arrays and objects).
    pub max_depth: usize,
}

impl Limits {
    /// Sets the longest offer URI accepted, in bytes.
    pub fn max_uri_bytes(mut self, bytes: usize) -> Self {
        self.max_uri_bytes = bytes;
        self
    }

    /// Sets the longest offer JSON accepted, in bytes.
    pub fn max_json_bytes(mut self, bytes: usize) -> Self {
        self.max_json_bytes = bytes;
        self
    }

    /// Sets the most `credential_configuration_ids` accepted.
    pub fn max_credential_configuration_ids(mut self, count: usize) -> Self {
        self.max_credential_configuration_ids = count;
        self
    }

    /// Sets the deepest JSON nesting accepted.
    pub fn max_depth(mut self, depth: usize) -> Self {
        self.max_depth = depth;
        self
    }

    /// 64 KiB URIs, 64 KiB JSON, 100 ids, depth 16.
    pub const DEFAULT: Limits = Limits {
        max_uri_bytes: 64 * 1024,
        max_json_bytes: 64 * 1024,
        max_credential_configuration_ids: 100,
        max_depth: 16,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Longest issuer request body accepted (`POST /v1/openid/offers`, `…/pre-authorized`), in bytes: room
/// for claims with a portrait photo, and a bound on what one request makes the engine read.
pub const MAX_REQUEST_BODY_BYTES: usize = 1024 * 1024;

/// Longest token request body accepted, in bytes. A pre-authorized token request is a few hundred
/// bytes; the room left is for parameters the engine ignores (a client assertion, say).
pub const MAX_TOKEN_REQUEST_BYTES: usize = 16 * 1024;

/// Longest Credential Issuer Metadata accepted, in bytes: far above real metadata (tens of KB), and a
/// bound on what a hostile issuer makes a wallet parse.
pub const MAX_METADATA_BYTES: usize = 1024 * 1024;

/// The error for an input longer than `limit` bytes.
pub(crate) fn too_long(what: &str, length: usize, limit: usize) -> crate::error::Error {
    crate::error::Error::new(
        crate::error::ErrorKind::LimitExceeded,
        format!("{what} is {length} bytes; the limit is {limit}"),
    )
}

/// The nesting depth of the JSON text, found by scanning (strings skipped), before any parser recurses.
pub(crate) fn json_depth_exceeds(json: &str, max_depth: usize) -> bool {
    // Nesting deeper than `max_depth` needs more openers than that: a quick count spares typical offers
    // the byte-by-byte scan. `{` and `[` differ only in bit 0x20, and byte-wide sums over chunks that
    // cannot overflow let the compiler count 16 bytes per instruction.
    let openers: usize = json
        .as_bytes()
        .chunks(usize::from(u8::MAX))
        .map(|chunk| usize::from(chunk.iter().map(|&b| u8::from(b | 0x20 == b'{')).fold(0u8, u8::wrapping_add)))
        .sum();
    if openers <= max_depth {
        return false;
    }
    scan_brackets(json, |depth| depth > max_depth).is_some()
}

/// Walks the brackets of JSON text outside its strings, calling `stop` with the nesting depth after
/// each one, and returns the index just past the bracket where `stop` said yes.
pub(crate) fn scan_brackets(json: &str, mut stop: impl FnMut(usize) -> bool) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (index, byte) in json.bytes().enumerate() {
        if in_string {
            match (escaped, byte) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'{' | b'[' => depth += 1,
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => continue,
        }
        if stop(depth) {
            return Some(index + 1);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_scan_skips_strings() {
        assert!(!json_depth_exceeds(r#"{"a":"[[[[[[[["}"#, 2));
        assert!(json_depth_exceeds("[[[", 2));
        assert!(!json_depth_exceeds("[[]]", 2));
        assert!(!json_depth_exceeds(r#"{"a":"\"[[["}"#, 1));
    }
}
