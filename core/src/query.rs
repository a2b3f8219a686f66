//! Reading a URI query: its raw parameters in order, and each value decoded exactly once.

use std::borrow::Cow;

use crate::error::{Error, ErrorKind, Findings, Result, Warning, WarningCode};
use crate::json_read;
use crate::url::allowed_raw_in_query;

/// What `+` means inside an offer URI's query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum PlusPolicy {
    /// Form semantics (`application/x-www-form-urlencoded`): `+` is a space. What most wallet stacks do
    /// (URLSearchParams, ktor, serde_urlencoded), hence the default.
    #[default]
    Space,
    /// RFC 3986 semantics: `+` is a literal plus (iOS `URLComponents`, `decodeURIComponent`).
    Literal,
}

/// The raw (still encoded) parameters of a query, in order.
pub(crate) struct QueryParams<'a> {
    /// The first pairs, inline: an offer URI has one or two, so reading it allocates nothing here.
    first: [(&'a str, &'a str); 4],
    count: usize,
    /// The pairs after the first four.
    more: Vec<(&'a str, &'a str)>,
    /// Some parameters were separated by `&amp;` (a link copied out of HTML unescaped).
    pub(crate) html_escaped: bool,
}

impl<'a> QueryParams<'a> {
    /// Splits a query at `&`, stopping at a `#` fragment. A value that starts with a raw `{` is
    /// unencoded JSON: it runs to its matching `}` whatever `&`, `=` or `#` it contains (a brace that
    /// never closes is not JSON, and the value ends at `&` as usual).
    pub(crate) fn read(query: &'a str) -> Result<Self> {
        let mut params = Self { first: [("", ""); 4], count: 0, more: Vec::new(), html_escaped: false };
        let mut rest = query;
        while !rest.is_empty() {
            let (name, after_name) = match memchr::memchr3(b'=', b'&', b'#', rest.as_bytes()) {
                Some(i) if rest.as_bytes().get(i) == Some(&b'=') => (&rest[..i], &rest[i + 1..]),
                Some(i) => (&rest[..i], &rest[i..]),
                None => (rest, ""),
            };
            let value_end = match after_name.starts_with('{').then(|| json_end(after_name)).flatten() {
                Some(end) => end,
                None => memchr::memchr2(b'&', b'#', after_name.as_bytes()).unwrap_or(after_name.len()),
            };
            let (value, tail) = after_name.split_at(value_end);
            if !name.is_empty() {
                match params.first.get_mut(params.count) {
                    Some(slot) => *slot = (name, value),
                    None => params.more.push((name, value)),
                }
                params.count += 1;
            }
            match tail.as_bytes().first() {
                Some(b'&') => rest = &tail[1..],
                _ => break, // end of query, or the fragment
            }
            // `&amp;` is how HTML writes `&`; no offer parameter's name starts with `amp;`.
            if let Some(unescaped) = rest.strip_prefix("amp;") {
                params.html_escaped = true;
                rest = unescaped;
            }
        }
        Ok(params)
    }

    pub(crate) fn pairs(&self) -> impl Iterator<Item = &(&'a str, &'a str)> {
        self.first.iter().take(self.count).chain(&self.more)
    }

    /// The raw value of a parameter that may appear at most once.
    pub(crate) fn single(&self, name: &str) -> Result<Option<&'a str>> {
        let mut found = None;
        for (raw_name, value) in self.pairs() {
            if decoded_name_is(raw_name, name) {
                if found.is_some() {
                    return Err(Error::new(ErrorKind::DuplicateParameter, format!("{name} appears more than once"))
                        .at(name.to_owned()));
                }
                found = Some(*value);
            }
        }
        Ok(found)
    }

    /// Every raw value of a parameter.
    pub(crate) fn all(&self, name: &str) -> Vec<&'a str> {
        let mut values = Vec::new();
        for (raw, value) in self.pairs() {
            if decoded_name_is(raw, name) {
                values.push(*value);
            }
        }
        values
    }

    pub(crate) fn has(&self, name: &str) -> bool {
        for (raw, _) in self.pairs() {
            if decoded_name_is(raw, name) {
                return true;
            }
        }
        false
    }
}

fn decoded_name_is(raw: &str, name: &str) -> bool {
    raw == name
        || (raw.contains('%') && std::str::from_utf8(&percent_decoded(raw)).is_ok_and(|decoded| decoded == name))
}

/// `raw` with its %XX escapes decoded; a `%` that starts no escape, and `+`, stay as they are.
pub(crate) fn percent_decoded(raw: &str) -> Cow<'_, [u8]> {
    match Decoded::of(raw, false).bytes {
        Some(bytes) => Cow::Owned(bytes),
        None => Cow::Borrowed(raw.as_bytes()),
    }
}

/// The byte length of the JSON object at the start of `text` (to its matching brace), if it closes.
fn json_end(text: &str) -> Option<usize> {
    crate::limits::scan_brackets(text, |depth| depth == 0)
}

/// Decodes one parameter value exactly once.
///
/// Every value is percent-decoded. Raw JSON (a value starting with `{` that parses as it stands) keeps
/// its `+`; any other value reads `+` by the caller's [`PlusPolicy`].
pub(crate) fn decode_value<'a>(
    raw: &'a str,
    field: &str,
    plus: PlusPolicy,
    findings: &mut Findings<'_>,
) -> Result<Cow<'a, str>> {
    let raw_json = raw.starts_with('{') && json_read::raw(raw).is_ok();
    let decoded = Decoded::of(raw, plus == PlusPolicy::Space && !raw_json);
    if let Some(bad) = decoded.not_allowed.and_then(|index| raw.get(index..)).and_then(|rest| rest.chars().next()) {
        findings.violation(
            Error::new(
                ErrorKind::InvalidUri,
                format!("{field} contains {bad:?}, which a URI cannot carry unencoded (RFC 3986 §3.4)"),
            )
            .at(field.to_owned()),
        )?;
    }
    if raw_json {
        // Raw JSON is still a query value: its %XX escapes decode, as every RFC 3986 or URLSearchParams
        // reader decodes them, while a '+' stays a plus (form decoding would break base64 codes in it).
        if decoded.bytes.is_none() && decoded.malformed_escape.is_none() {
            return Ok(Cow::Borrowed(raw));
        }
    } else if decoded.has_plus {
        let meaning = match plus {
            PlusPolicy::Space => "read as a space (form semantics)",
            PlusPolicy::Literal => "kept as a plus (RFC 3986 semantics)",
        };
        findings.note(
            Warning::new(
                WarningCode::AmbiguousPlus,
                format!("{field} contains a raw '+', {meaning}; wallets disagree on its meaning, so issuers should write %20 or %2B"),
            )
            .at(field.to_owned()),
        );
    }
    if let Some(position) = decoded.malformed_escape {
        findings.violation(
            Error::new(
                ErrorKind::InvalidPercentEncoding,
                format!("a '%' at byte {position} does not start a %XX escape; it is kept as a literal '%'"),
            )
            .at(field.to_owned()),
        )?;
    }
    let text = match decoded.bytes {
        None => Cow::Borrowed(raw),
        Some(bytes) => Cow::Owned(String::from_utf8(bytes).map_err(|_| {
            Error::new(ErrorKind::InvalidPercentEncoding, "the decoded value is not UTF-8").at(field.to_owned())
        })?),
    };
    Ok(text)
}

/// One pass over a raw (still encoded) query value: it decodes and notes what is off on the way.
///
/// A hand-written loop rather than the percent-encoding crate's decoder: the value must be scanned for
/// malformed escapes and characters a URI cannot carry anyway, and one table-driven pass doing all three
/// is several times faster than three (offers are parsed on every QR scan).
struct Decoded {
    /// The decoded bytes, or `None` when decoding changes nothing.
    bytes: Option<Vec<u8>>,
    /// The byte index of the first `%` not followed by two hex digits (kept as a literal `%`).
    malformed_escape: Option<usize>,
    /// The byte index of the first byte RFC 3986 does not allow unencoded in a query (anything but
    /// unreserved, sub-delims, `:` `@` `/` `?` and `%`). Every byte before it is ASCII, so it starts a character.
    not_allowed: Option<usize>,
    /// Whether the value holds a raw `+`.
    has_plus: bool,
}

/// What a raw byte of a query value asks of the decoder.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ByteClass {
    /// Allowed raw and decoded as itself.
    Plain,
    /// `%`, which should start a `%XX` escape.
    Escape,
    /// `+`, whose meaning is the caller's [`PlusPolicy`].
    Plus,
    /// Not allowed raw by RFC 3986, yet read as itself.
    NotAllowed,
}

// Built at compile time, where an index out of range fails the build instead of panicking.
#[allow(clippy::indexing_slicing)]
const BYTE_CLASSES: [ByteClass; 256] = {
    let mut classes = [ByteClass::NotAllowed; 256];
    let mut byte = 0;
    while byte < 256 {
        classes[byte] = match byte as u8 {
            b'%' => ByteClass::Escape,
            b'+' => ByteClass::Plus,
            other if allowed_raw_in_query(other) => ByteClass::Plain,
            _ => ByteClass::NotAllowed,
        };
        byte += 1;
    }
    classes
};

/// The value of each byte as a hex digit, or [`NOT_HEX`].
#[allow(clippy::indexing_slicing)] // built at compile time, as BYTE_CLASSES
const HEX_VALUES: [u8; 256] = {
    let mut values = [NOT_HEX; 256];
    let mut byte = 0;
    while byte < 256 {
        values[byte] = match byte as u8 {
            digit @ b'0'..=b'9' => digit - b'0',
            digit @ b'a'..=b'f' => digit - b'a' + 10,
            digit @ b'A'..=b'F' => digit - b'A' + 10,
            _ => NOT_HEX,
        };
        byte += 1;
    }
    values
};

const NOT_HEX: u8 = 0xff;

impl Decoded {
    fn of(raw: &str, plus_as_space: bool) -> Self {
        let bytes = raw.as_bytes();
        let mut result = Decoded { bytes: None, malformed_escape: None, not_allowed: None, has_plus: false };
        // Decoding never lengthens a value, so the output fits a buffer of the input's length.
        let mut out = vec![0; bytes.len()];
        let mut written = 0;
        let mut changed = false;
        let mut rest = bytes;
        let mut push = |decoded: &[u8]| {
            if let Some(slots) = out.get_mut(written..written + decoded.len()) {
                slots.copy_from_slice(decoded);
            }
            written += decoded.len();
        };
        loop {
            // Plain bytes and well-formed escapes are nearly all of a value: tight loops take them (plain
            // bytes four at a time while they can: a fifth fewer instructions than one at a time) before the rare
            // cases are matched.
            while let Some((chunk, tail)) = rest.split_first_chunk::<4>()
                && chunk.iter().all(|&byte| class_of(byte) == ByteClass::Plain)
            {
                push(chunk);
                rest = tail;
            }
            while let Some((&byte, tail)) = rest.split_first()
                && class_of(byte) == ByteClass::Plain
            {
                push(&[byte]);
                rest = tail;
            }
            while let [b'%', high, low, ref after @ ..] = *rest
                && (hex_value(high) | hex_value(low)) < 16
            {
                push(&[hex_value(high) << 4 | hex_value(low)]);
                changed = true;
                rest = after;
            }
            let Some((&byte, tail)) = rest.split_first() else { break };
            let index = bytes.len() - rest.len();
            match class_of(byte) {
                ByteClass::Plain => continue, // after an escape: back to the plain loop
                ByteClass::Escape => {
                    result.malformed_escape.get_or_insert(index);
                    push(b"%");
                }
                ByteClass::Plus => {
                    result.has_plus = true;
                    changed |= plus_as_space;
                    push(if plus_as_space { b" " } else { b"+" });
                }
                ByteClass::NotAllowed => {
                    result.not_allowed.get_or_insert(index);
                    push(&[byte]);
                }
            }
            rest = tail;
        }
        out.truncate(written);
        result.bytes = changed.then_some(out);
        result
    }
}

fn class_of(byte: u8) -> ByteClass {
    BYTE_CLASSES.get(usize::from(byte)).copied().unwrap_or(ByteClass::NotAllowed)
}

fn hex_value(digit: u8) -> u8 {
    HEX_VALUES.get(usize::from(digit)).copied().unwrap_or(NOT_HEX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoder_edges() {
        // (raw, plus as space) -> (decoded, first malformed escape, first byte not allowed, has plus)
        type Case = (&'static str, bool, &'static str, Option<usize>, Option<usize>, bool);
        let cases: &[Case] = &[
            ("abc", true, "abc", None, None, false),
            ("%22%3a%22x", true, "\":\"x", None, None, false),
            ("a+b%2B", true, "a b+", None, None, true),
            ("a+b%2B", false, "a+b+", None, None, true),
            ("100%", true, "100%", Some(3), None, false),
            ("%4", true, "%4", Some(0), None, false),
            ("%zz%41", true, "%zzA", Some(0), None, false),
            ("%41%", true, "A%", Some(3), None, false),
            ("a b\"%20", true, "a b\" ", None, Some(1), false),
            ("%C3%A9é", true, "éé", None, Some(6), false),
            ("", true, "", None, None, false),
        ];
        for &(raw, plus_as_space, decoded, malformed, not_allowed, plus) in cases {
            let result = Decoded::of(raw, plus_as_space);
            let text = result.bytes.map_or(raw.to_owned(), |bytes| String::from_utf8(bytes).unwrap());
            assert_eq!(
                (text.as_str(), result.malformed_escape, result.not_allowed, result.has_plus),
                (decoded, malformed, not_allowed, plus),
                "{raw:?}"
            );
        }
    }
}
