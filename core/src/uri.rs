//! Offer URIs: writing them strictly, reading them tolerantly.
//!
//! Writing follows RFC 3986 to the letter: only unreserved characters (`A–Z a–z 0–9 - . _ ~`) stay raw,
//! everything else becomes uppercase `%XX`, a space is `%20` and `+` is never written. Such output reads
//! the same under RFC 3986 and under form decoding, so every wallet sees the same offer.
//!
//! Reading accepts every shape wallets meet: any scheme, `scheme://?`, `scheme:?`, `scheme://host/path?`,
//! https links, the `?`-less form of the draft 9 and 11 examples, raw unencoded JSON, either hex case,
//! and draft 8's flat parameters. The value is decoded exactly once; what `+` means is the caller's
//! explicit choice ([`PlusPolicy`]). Characters a URI cannot carry unencoded (raw JSON's `"` and `{`,
//! white space, non-ASCII) are read, with an `invalid_uri` warning — an error in strict mode.

use std::borrow::Cow;

use percent_encoding::percent_decode_str;

use crate::compat::{self, ParsedOffer};
use crate::dialect::Dialect;
use crate::error::{Error, ErrorKind, Result, WarningCode};
use crate::limits::Limits;
use crate::offer::{CredentialOffer, Findings, UrlRole, Warning, check_https_url};

/// The custom scheme of OpenID4VCI §12.1.1, used when the issuer knows nothing better.
pub const DEFAULT_BASE: &str = "openid-credential-offer://";

/// Offers longer than this are uncomfortable to scan as a QR code: past about a thousand bytes a code
/// grows beyond 100 modules a side at any error-correction level, which cameras read slowly off a
/// screen. By reference serves better.
pub const COMFORTABLE_QR_BYTES: usize = 997;

/// Percent-encodes `value` for a URI query: only unreserved characters stay raw, `%XX` is uppercase.
///
/// ```
/// assert_eq!(credoffer::percent_encode("a b+c/é~"), "a%20b%2Bc%2F%C3%A9~");
/// ```
pub fn percent_encode(value: &str) -> String {
    let mut encoded = String::new();
    push_percent_encoded(&mut encoded, value);
    encoded
}

/// Appends `value` to `out`, percent-encoded as [`percent_encode`] does.
///
/// A loop over bytes rather than the percent-encoding crate's iterator of string pieces: in an encoded
/// offer every fourth byte or so is escaped, and pushing bytes straight into a reserved buffer writes an
/// offer several times faster, in WebAssembly most of all.
fn push_percent_encoded(out: &mut String, value: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    out.reserve(value.len() * 3);
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            let digit = |nibble: u8| char::from(HEX.get(usize::from(nibble)).copied().unwrap_or(b'0'));
            out.push('%');
            out.push(digit(byte >> 4));
            out.push(digit(byte & 0x0f));
        }
    }
}

/// How to write an offer URI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildOptions {
    /// The JSON shape to write.
    pub dialect: Dialect,
    /// Where the wallet is invoked: a custom scheme (`openid-credential-offer://`, `haip-vci://`) or an
    /// https wallet endpoint, whose path and query are kept.
    pub base: String,
    /// Accept `http` issuers and by-reference URLs. Meant for local testing only.
    pub allow_insecure_http: bool,
}

impl Default for BuildOptions {
    fn default() -> Self {
        Self { dialect: Dialect::V1, base: DEFAULT_BASE.to_owned(), allow_insecure_http: false }
    }
}

impl CredentialOffer {
    /// The offer by value: `<base>?credential_offer=<percent-encoded JSON>`.
    ///
    /// The offer is validated strictly first: an issuer's output should pass any wallet's parser.
    ///
    /// ```
    /// use credoffer::{BuildOptions, CredentialOffer};
    ///
    /// let offer = CredentialOffer::builder("https://issuer.example.com")
    ///     .credential_configuration_id("pid")
    ///     .build()?;
    /// assert_eq!(
    ///     offer.to_uri(&BuildOptions::default())?,
    ///     "openid-credential-offer://?credential_offer=%7B%22credential_issuer%22%3A%22https%3A%2F%2F\
    ///      issuer.example.com%22%2C%22credential_configuration_ids%22%3A%5B%22pid%22%5D%7D"
    /// );
    /// # Ok::<(), credoffer::Error>(())
    /// ```
    pub fn to_uri(&self, options: &BuildOptions) -> Result<String> {
        let prefix = query_prefix(&options.base, options.allow_insecure_http)?;
        let json = self.to_json(options)?;
        let mut uri = String::with_capacity(prefix.len() + 17 + json.len() * 3);
        uri.push_str(&prefix);
        uri.push_str("credential_offer=");
        push_percent_encoded(&mut uri, &json);
        Ok(uri)
    }

    /// The offer as compact JSON in `options.dialect` (what a `credential_offer_uri` serves; `base` is
    /// not used). Validated strictly first, as [`CredentialOffer::to_uri`] is: every writer of the
    /// engine refuses the same offers.
    ///
    /// ```
    /// use credoffer::{BuildOptions, CredentialOffer};
    ///
    /// let offer = CredentialOffer::builder("https://issuer.example.com")
    ///     .credential_configuration_id("pid")
    ///     .build()?;
    /// assert_eq!(
    ///     offer.to_json(&BuildOptions::default())?,
    ///     r#"{"credential_issuer":"https://issuer.example.com","credential_configuration_ids":["pid"]}"#
    /// );
    /// # Ok::<(), credoffer::Error>(())
    /// ```
    pub fn to_json(&self, options: &BuildOptions) -> Result<String> {
        let mut warnings = Vec::new();
        let mut findings = Findings { strict: true, warnings: &mut warnings };
        self.check(options.allow_insecure_http, &Limits::default(), &mut findings)?;
        self.to_json_lenient(options.dialect)
    }
}

/// Reads offer JSON of any draft as leniently as a wallet would, then writes it as a URI by value
/// with `options`, validated strictly: the engine's one "JSON in, URI out" operation.
///
/// ```
/// use credoffer::{build_offer_uri, BuildOptions};
///
/// let uri = build_offer_uri(
///     r#"{"credential_issuer":"https://issuer.example.com","credentials":["pid"]}"#,
///     &BuildOptions::default(),
/// )?;
/// assert!(uri.starts_with("openid-credential-offer://?credential_offer=%7B%22credential_issuer%22"));
/// # Ok::<(), credoffer::Error>(())
/// ```
pub fn build_offer_uri(offer_json: &str, options: &BuildOptions) -> Result<String> {
    read_for_writing(offer_json, options)?.to_uri(options)
}

/// As [`build_offer_uri`], writing the offer's JSON in `options.dialect` instead of a URI.
pub fn build_offer_json(offer_json: &str, options: &BuildOptions) -> Result<String> {
    read_for_writing(offer_json, options)?.to_json(options)
}

fn read_for_writing(offer_json: &str, options: &BuildOptions) -> Result<CredentialOffer> {
    let parse = ParseOptions { allow_insecure_http: options.allow_insecure_http, ..ParseOptions::default() };
    Ok(compat::parse_offer_json(offer_json, &parse)?.offer)
}

/// The offer by reference: `<base>?credential_offer_uri=<percent-encoded https URL>`.
///
/// The host serves the offer JSON at `reference` (once, with `application/json`).
///
/// ```
/// use credoffer::{offer_reference_uri, BuildOptions};
///
/// let uri = offer_reference_uri("https://issuer.example.com/offers/42", &BuildOptions::default())?;
/// assert_eq!(uri, "openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fissuer.example.com%2Foffers%2F42");
/// # Ok::<(), credoffer::Error>(())
/// ```
pub fn offer_reference_uri(reference: &str, options: &BuildOptions) -> Result<String> {
    let prefix = query_prefix(&options.base, options.allow_insecure_http)?;
    check_https_url(reference, "credential_offer_uri", options.allow_insecure_http, UrlRole::OfferReference)?;
    Ok(format!("{prefix}credential_offer_uri={}", percent_encode(reference)))
}

/// Checks a base and returns it ready for the offer parameter (ending in `?` or `&`).
fn query_prefix(base: &str, allow_insecure_http: bool) -> Result<Cow<'_, str>> {
    let invalid = |message: &str| Err(Error::new(ErrorKind::InvalidBaseUri, message.to_owned()).at("base"));
    let Some((scheme, rest)) = split_scheme(base) else {
        return invalid("the base must start with a scheme, such as openid-credential-offer://");
    };
    // Only what RFC 3986 lets a URI carry raw: a `{` in the base's query, say, would make readers take
    // the rest of the URI, offer included, for unencoded JSON.
    if let Some(bad) = base.bytes().find(|&b| !(allowed_raw_in_query(b) || matches!(b, b'[' | b']' | b'#'))) {
        return invalid(&format!(
            "the base contains {:?}, which a URI cannot carry unencoded (RFC 3986)",
            char::from(bad)
        ));
    }
    if base.contains('#') {
        return invalid("the base has a fragment");
    }
    if scheme.eq_ignore_ascii_case("https") || scheme.eq_ignore_ascii_case("http") {
        let authority_and_path = rest.strip_prefix("//").unwrap_or_default();
        let without_query = base.split('?').next().unwrap_or_default();
        check_https_url(without_query, "base", allow_insecure_http, UrlRole::Issuer).map_err(|e| match e.kind() {
            ErrorKind::InsecureUrl => e,
            _ => Error::new(ErrorKind::InvalidBaseUri, e.message().to_owned()).at("base"),
        })?;
        if authority_and_path.is_empty() {
            return invalid("an https base needs a host");
        }
    }
    // A base that already carries an offer would yield a URI with the parameter twice, which no parser accepts.
    if let Some((_, query)) = base.split_once('?') {
        let params = QueryParams::read(query)?;
        if params.has("credential_offer") || params.has("credential_offer_uri") {
            return invalid("the base already carries credential_offer or credential_offer_uri");
        }
    }
    Ok(match base.split_once('?') {
        None => Cow::Owned(format!("{base}?")),
        Some((_, "")) => Cow::Borrowed(base),
        Some((_, query)) if query.ends_with('&') => Cow::Borrowed(base),
        Some(_) => Cow::Owned(format!("{base}&")),
    })
}

/// Splits `scheme:rest` when the scheme follows RFC 3986 (`ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )`).
fn split_scheme(uri: &str) -> Option<(&str, &str)> {
    let colon = memchr::memchr(b':', uri.as_bytes())?;
    let (scheme, rest) = (uri.get(..colon)?, uri.get(colon + 1..)?);
    let mut bytes = scheme.bytes();
    let first_is_alpha = bytes.next().is_some_and(|b| b.is_ascii_alphabetic());
    (first_is_alpha && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.')))
        .then_some((scheme, rest))
}

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

/// How to read an offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ParseOptions {
    /// What `+` means.
    pub plus: PlusPolicy,
    /// Every spec violation is an error (a lint for issuers' output). Off: harmless violations are
    /// accepted with a warning.
    pub strict: bool,
    /// Accept `http` issuers and by-reference URLs. Meant for local testing only.
    pub allow_insecure_http: bool,
    /// Size, count and depth limits.
    pub limits: Limits,
}

/// An offer URI, read.
// Returned once per parse and matched at once, so the size difference between variants costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum OfferUri {
    /// The offer itself (`credential_offer`).
    ByValue(ParsedOffer),
    /// Where to fetch the offer (`credential_offer_uri`). The host fetches it and hands the JSON to
    /// [`crate::parse_offer_json`].
    ByReference(OfferReference),
}

/// A `credential_offer_uri`, checked to be https.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferReference {
    /// The URL to fetch with `GET` (`Accept: application/json`).
    pub uri: String,
    /// Observations about the URI.
    pub warnings: Vec<Warning>,
}

/// Reads an offer URI of any draft and scheme.
///
/// ```
/// use credoffer::{parse_offer_uri, OfferUri, ParseOptions, Source};
///
/// let uri = "openid-credential-offer://?credential_offer=%7B%22credential_issuer%22%3A%22https%3A%2F%2F\
///            issuer.example.com%22%2C%22credential_configuration_ids%22%3A%5B%22pid%22%5D%7D";
/// let OfferUri::ByValue(parsed) = parse_offer_uri(uri, &ParseOptions::default())? else { unreachable!() };
/// assert_eq!(parsed.offer.credential_issuer, "https://issuer.example.com");
/// assert_eq!(parsed.source, Source::V1);
/// # Ok::<(), credoffer::Error>(())
/// ```
pub fn parse_offer_uri(uri: &str, options: &ParseOptions) -> Result<OfferUri> {
    let uri = uri.trim_ascii();
    if uri.len() > options.limits.max_uri_bytes {
        return Err(Error::new(
            ErrorKind::LimitExceeded,
            format!("the URI is {} bytes; the limit is {}", uri.len(), options.limits.max_uri_bytes),
        ));
    }
    if uri.starts_with('{') {
        return compat::parse_offer_json(uri, options).map(OfferUri::ByValue);
    }
    let mut warnings = Vec::new();
    let mut findings = Findings { strict: options.strict, warnings: &mut warnings };
    let query = locate_query(uri, &mut findings)?;
    let params = QueryParams::read(query)?;

    let reference = params.single("credential_offer_uri")?;
    let by_value = params.single("credential_offer")?;
    match (by_value, reference) {
        (Some(_), Some(_)) => Err(Error::new(
            ErrorKind::ConflictingOfferParameters,
            "the URI carries both credential_offer and credential_offer_uri; exactly one is allowed",
        )),
        (Some(raw), None) => {
            let json = decode_value(raw, "credential_offer", options, &mut findings)?;
            check_not_double_encoded(&json)?;
            let mut parsed = compat::parse_offer_json(&json, options)?;
            warnings.append(&mut parsed.warnings);
            parsed.warnings = warnings;
            if uri.len() > COMFORTABLE_QR_BYTES {
                parsed.warnings.push(too_long_for_qr(uri.len()));
            }
            Ok(OfferUri::ByValue(parsed))
        }
        (None, Some(raw)) => {
            let reference = decode_value(raw, "credential_offer_uri", options, &mut findings)?;
            if reference.trim().is_empty() {
                return Err(
                    Error::new(ErrorKind::BlankValue, "credential_offer_uri is empty").at("credential_offer_uri")
                );
            }
            check_https_url(&reference, "credential_offer_uri", options.allow_insecure_http, UrlRole::OfferReference)?;
            Ok(OfferUri::ByReference(OfferReference { uri: reference.into_owned(), warnings }))
        }
        (None, None) => {
            if params.has("issuer") && params.has("credential_type") {
                let mut parsed = compat::parse_draft8_params(&params, options)?;
                warnings.append(&mut parsed.warnings);
                parsed.warnings = warnings;
                return Ok(OfferUri::ByValue(parsed));
            }
            Err(missing_parameter(&params))
        }
    }
}

fn too_long_for_qr(length: usize) -> Warning {
    Warning::new(
        WarningCode::TooLongForQr,
        format!("the URI is {length} bytes, too long for a comfortable QR code; offer it by reference"),
    )
}

fn missing_parameter(params: &QueryParams<'_>) -> Error {
    let encoded_equals = params.pairs().any(|(name, _)| {
        let name = percent_decode_str(name).decode_utf8_lossy();
        name.starts_with("credential_offer=") || name.starts_with("credential_offer_uri=")
    });
    let message = if encoded_equals {
        "the '=' after credential_offer is percent-encoded (%3D), so the parameter has no value"
    } else {
        "the URI carries neither credential_offer nor credential_offer_uri"
    };
    Error::new(ErrorKind::MissingOfferParameter, message)
}

/// Finds the query of an offer URI, tolerating the shapes real offers take.
fn locate_query<'a>(uri: &'a str, findings: &mut Findings<'_>) -> Result<&'a str> {
    let after_scheme = match split_scheme(uri) {
        Some((_, rest)) => rest,
        // An HTTP request target (`/credential_offer?…`), as in the spec's examples.
        None if uri.starts_with('/') => uri,
        None => return Err(Error::new(ErrorKind::InvalidUri, "the text is not a URI: it has no scheme")),
    };
    if let Some(query) = memchr::memchr(b'?', after_scheme.as_bytes()).and_then(|at| after_scheme.get(at + 1..)) {
        return Ok(query);
    }
    // Drafts 9 and 11 showed `openid-credential-offer://credential_offer=…`: no `?` at all.
    let bare = after_scheme.trim_start_matches('/');
    if bare.starts_with("credential_offer=") || bare.starts_with("credential_offer_uri=") {
        findings.violation(Error::new(
            ErrorKind::InvalidUri,
            "the URI has no '?' before its offer parameter (a shape from the draft 9 and 11 examples)",
        ))?;
        return Ok(bare);
    }
    Err(Error::new(ErrorKind::MissingOfferParameter, "the URI has no query, so it carries no offer"))
}

/// The raw (still encoded) parameters of a query, in order.
pub(crate) struct QueryParams<'a> {
    /// The first pairs, inline: an offer URI has one or two, so reading it allocates nothing here.
    first: [(&'a str, &'a str); 4],
    count: usize,
    /// The pairs after the first four.
    more: Vec<(&'a str, &'a str)>,
}

impl<'a> QueryParams<'a> {
    /// Splits a query at `&`, stopping at a `#` fragment. A value that starts with a raw `{` is
    /// unencoded JSON: it runs to its matching `}` whatever `&`, `=` or `#` it contains (a brace that
    /// never closes is not JSON, and the value ends at `&` as usual).
    fn read(query: &'a str) -> Result<Self> {
        let mut params = Self { first: [("", ""); 4], count: 0, more: Vec::new() };
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
        }
        Ok(params)
    }

    fn pairs(&self) -> impl Iterator<Item = &(&'a str, &'a str)> {
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
    pub(crate) fn all(&self, name: &str) -> impl Iterator<Item = &'a str> + '_ {
        let name = name.to_owned();
        self.pairs().filter(move |(raw, _)| decoded_name_is(raw, &name)).map(|(_, value)| *value)
    }

    pub(crate) fn has(&self, name: &str) -> bool {
        self.all(name).next().is_some()
    }
}

fn decoded_name_is(raw: &str, name: &str) -> bool {
    raw == name || (raw.contains('%') && percent_decode_str(raw).decode_utf8().is_ok_and(|decoded| decoded == name))
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
    options: &ParseOptions,
    findings: &mut Findings<'_>,
) -> Result<Cow<'a, str>> {
    let raw_json = raw.starts_with('{') && serde_json::from_str::<serde::de::IgnoredAny>(raw).is_ok();
    let decoded = Decoded::of(raw, options.plus == PlusPolicy::Space && !raw_json);
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
        let meaning = match options.plus {
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

/// RFC 3986 allows these raw in a query: unreserved, sub-delims, `:` `@` `/` `?` (and `%` escapes).
pub(crate) const fn allowed_raw_in_query(byte: u8) -> bool {
    matches!(byte, b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~'
        | b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+' | b',' | b';' | b'='
        | b':' | b'@' | b'/' | b'?' | b'%')
}

/// Decoding once must give JSON; `%7B…` after one decode means the issuer encoded twice.
fn check_not_double_encoded(json: &str) -> Result<()> {
    let trimmed = json.trim_start();
    if trimmed.len() >= 3 && trimmed.get(..3).is_some_and(|head| head.eq_ignore_ascii_case("%7B")) {
        return Err(Error::new(
            ErrorKind::InvalidJson,
            "the offer is percent-encoded twice; it is decoded exactly once, so the issuer must encode it once",
        )
        .at("credential_offer"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(uri: &str) -> Result<OfferUri> {
        parse_offer_uri(uri, &ParseOptions::default())
    }

    const OFFER: &str = "%7B%22credential_issuer%22%3A%22https%3A%2F%2Fi.example%22%2C%22credential_configuration_ids%22%3A%5B%22a%22%5D%7D";

    #[test]
    fn encodes_only_unreserved_raw() {
        let all_ascii: String = (0x20u8..0x7f).map(char::from).collect();
        let encoded = percent_encode(&all_ascii);
        assert!(encoded.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b)));
        assert!(
            encoded.contains("%20") && encoded.contains("%2B") && encoded.contains("%27") && encoded.contains("%21")
        );
        assert_eq!(percent_decode_str(&encoded).decode_utf8().unwrap(), all_ascii);
    }

    #[test]
    fn bases() {
        let prefix = |base: &str| query_prefix(base, false).map(|p| p.into_owned()).map_err(|e| e.code());
        assert_eq!(prefix("openid-credential-offer://"), Ok("openid-credential-offer://?".into()));
        assert_eq!(prefix("haip-vci://"), Ok("haip-vci://?".into()));
        assert_eq!(prefix("openid-credential-offer:"), Ok("openid-credential-offer:?".into()));
        assert_eq!(prefix("https://wallet.example/offer"), Ok("https://wallet.example/offer?".into()));
        assert_eq!(prefix("https://wallet.example/offer?a=1"), Ok("https://wallet.example/offer?a=1&".into()));
        assert_eq!(prefix("https://wallet.example/offer?"), Ok("https://wallet.example/offer?".into()));
        assert_eq!(prefix("http://wallet.example/"), Err("insecure_url"));
        assert_eq!(prefix("https://"), Err("invalid_base_uri"));
        assert_eq!(prefix("no scheme"), Err("invalid_base_uri"));
        assert_eq!(prefix("x://a#frag"), Err("invalid_base_uri"));
        assert_eq!(prefix("1x://"), Err("invalid_base_uri"));
        assert_eq!(prefix("https://wallet.example/o?credential_offer_uri=x"), Err("invalid_base_uri"));
        assert_eq!(prefix("x://?a=1&credential_offer={}"), Err("invalid_base_uri"));
        assert_eq!(prefix("x://?credential_offer_hint=1"), Ok("x://?credential_offer_hint=1&".into()));
        assert_eq!(prefix("x://?a={"), Err("invalid_base_uri"));
        assert_eq!(prefix("x://?a=\"|"), Err("invalid_base_uri"));
        assert_eq!(prefix("https://[::1]:8443/o?a=1"), Ok("https://[::1]:8443/o?a=1&".into()));
    }

    #[test]
    fn shapes_of_uri() {
        for uri in [
            format!("openid-credential-offer://?credential_offer={OFFER}"),
            format!("openid-credential-offer:?credential_offer={OFFER}"),
            format!("openid-credential-offer://host.example:7002/path?credential_offer={OFFER}"),
            format!("https://wallet.example/invite?x=1&credential_offer={OFFER}#frag"),
            format!("/credential_offer?credential_offer={OFFER}"),
            format!("  haip-vci://?credential_offer={}\n", OFFER.to_lowercase()),
        ] {
            assert!(matches!(parse(&uri), Ok(OfferUri::ByValue(_))), "{uri}");
        }
    }

    #[test]
    fn parameter_errors() {
        let code = |uri: &str| parse(uri).err().map(|e| e.code()).unwrap_or("ok");
        assert_eq!(code("openid-credential-offer://?x=1"), "missing_offer_parameter");
        assert_eq!(code("openid-credential-offer://"), "missing_offer_parameter");
        assert_eq!(code("not a uri"), "invalid_uri");
        assert_eq!(
            code(&format!("openid-credential-offer://?credential_offer={OFFER}&credential_offer_uri=https%3A%2F%2Fa")),
            "conflicting_offer_parameters"
        );
        assert_eq!(
            code(&format!("openid-credential-offer://?credential_offer={OFFER}&credential_offer={OFFER}")),
            "duplicate_parameter"
        );
        assert_eq!(code("x://?credential_offer_uri=http%3A%2F%2Fa.example"), "insecure_url");
        assert_eq!(code("x://?credential_offer_uri="), "blank_value");
        assert_eq!(code(&format!("x://?credential_offer%3D{OFFER}")), "missing_offer_parameter");
        assert_eq!(code(&format!("x://?credential_offer={}", percent_encode(OFFER))), "invalid_json");
        assert_eq!(code("x://?credential_offer=%FF"), "invalid_percent_encoding");
    }

    #[test]
    fn by_reference() {
        let Ok(OfferUri::ByReference(reference)) =
            parse("openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fserver%2Eexample%2Ecom%2Fo%3Fid%3D1")
        else {
            panic!("expected a reference")
        };
        assert_eq!(reference.uri, "https://server.example.com/o?id=1");
    }

    #[test]
    fn raw_json_runs_to_its_closing_brace() {
        let raw = r#"x://?credential_offer={"credential_issuer":"https://i.example","credential_configuration_ids":["a&b=c#d"]}&z=1"#;
        let Ok(OfferUri::ByValue(parsed)) = parse(raw) else { panic!("expected an offer") };
        assert_eq!(parsed.offer.credential_configuration_ids, ["a&b=c#d"]);
    }

    #[test]
    fn characters_a_uri_cannot_carry_are_a_violation() {
        let raw =
            r#"x://?credential_offer={"credential_issuer":"https://i.example","credential_configuration_ids":["a"]}"#;
        let Ok(OfferUri::ByValue(parsed)) = parse(raw) else { panic!("expected an offer") };
        assert_eq!(parsed.warnings.iter().map(Warning::code).collect::<Vec<_>>(), ["invalid_uri"]);
        let strict = ParseOptions { strict: true, ..ParseOptions::default() };
        assert_eq!(parse_offer_uri(raw, &strict).unwrap_err().field(), Some("credential_offer"));
        let encoded = format!("x://?credential_offer={OFFER}");
        assert!(matches!(parse_offer_uri(&encoded, &strict), Ok(OfferUri::ByValue(p)) if p.warnings.is_empty()));
    }

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

    #[test]
    fn limits_apply() {
        let options =
            ParseOptions { limits: Limits { max_uri_bytes: 10, ..Limits::DEFAULT }, ..ParseOptions::default() };
        let err = parse_offer_uri("openid-credential-offer://?credential_offer=%7B%7D", &options).unwrap_err();
        assert_eq!(err.code(), "limit_exceeded");
    }
}
