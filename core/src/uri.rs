//! Offer URIs: writing them strictly, reading them tolerantly.
//!
//! Writing follows RFC 3986 to the letter: only unreserved characters (`A–Z a–z 0–9 - . _ ~`) stay raw,
//! everything else becomes uppercase `%XX`, a space is `%20` and `+` is never written. Such output reads
//! the same under RFC 3986 and under form decoding, so every wallet sees the same offer.
//!
//! Reading accepts every shape wallets meet: any scheme, `scheme://?`, `scheme:?`, `scheme://host/path?`,
//! https links, the `?`-less form of the draft 9 and 11 examples, raw unencoded JSON, either hex case,
//! and draft 8's flat parameters. The value is decoded exactly once; what `+` means is the caller's
//! explicit choice ([`PlusPolicy`](crate::compat::PlusPolicy)). Characters a URI cannot carry unencoded (raw JSON's `"` and `{`,
//! white space, non-ASCII) are read, with an `invalid_uri` warning — an error in strict mode.

use std::borrow::Cow;

use crate::compat::{self, ParseOptions, ParsedOffer};
use crate::dialect::Dialect;
use crate::error::{Error, ErrorKind, Findings, Result, Warning, WarningCode};
use crate::limits::Limits;
use crate::offer::CredentialOffer;
use crate::query::{QueryParams, decode_value, percent_decoded};
use crate::url::{
    UrlRole, allowed_raw_in_query, check_https_url, percent_encode, percent_encoding_room, push_percent_encoded,
};

/// The custom scheme of OpenID4VCI §12.1.1, used when the issuer knows nothing better.
pub const DEFAULT_BASE: &str = "openid-credential-offer://";

/// Offers longer than this are uncomfortable to scan as a QR code: past about a thousand bytes a code
/// grows beyond 100 modules a side at any error-correction level, which cameras read slowly off a
/// screen. By reference serves better.
pub const COMFORTABLE_QR_BYTES: usize = 997;

/// How to write an offer URI or JSON. Built from the default with chained setters, so new options can
/// join:
///
/// ```
/// use credoffer::{BuildOptions, Dialect};
///
/// let options = BuildOptions::default().dialect(Dialect::Mattr).base("haip-vci://");
/// assert_eq!((options.dialect, options.base.as_str()), (Dialect::Mattr, "haip-vci://"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
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

impl BuildOptions {
    /// Sets the JSON shape to write.
    pub fn dialect(mut self, dialect: Dialect) -> Self {
        self.dialect = dialect;
        self
    }

    /// Sets where the wallet is invoked.
    pub fn base(mut self, base: impl Into<String>) -> Self {
        self.base = base.into();
        self
    }

    /// Accepts `http` issuers and by-reference URLs (local testing only).
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
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
        self.write_uri(options, StrictCheck::Run)
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
        self.write_json(options, StrictCheck::Run)
    }

    fn write_uri(&self, options: &BuildOptions, check: StrictCheck) -> Result<String> {
        let prefix = query_prefix(&options.base, options.allow_insecure_http)?;
        if cfg!(feature = "one-pass-uri") {
            self.check_strictly(options, check)?;
            return self.to_percent_encoded_lenient(&[&prefix, OFFER_PARAMETER], options.dialect);
        }
        // The JSON written, then percent-encoded whole: less code, for the browser build.
        let json = self.write_json(options, check)?;
        let capacity = prefix.len() + OFFER_PARAMETER.len() + percent_encoding_room(json.len());
        let mut uri = String::with_capacity(capacity);
        uri.push_str(&prefix);
        uri.push_str(OFFER_PARAMETER);
        push_percent_encoded(&mut uri, &json);
        Ok(uri)
    }

    fn write_json(&self, options: &BuildOptions, check: StrictCheck) -> Result<String> {
        self.check_strictly(options, check)?;
        self.to_json_lenient(options.dialect)
    }

    fn check_strictly(&self, options: &BuildOptions, check: StrictCheck) -> Result<()> {
        if check == StrictCheck::Run {
            let mut warnings = Vec::new();
            let mut findings = Findings { strict: true, warnings: &mut warnings };
            self.check(options.allow_insecure_http, &Limits::default(), &mut findings)?;
        }
        Ok(())
    }
}

/// Whether a writer runs the strict check, or knows its verdict already.
#[derive(Clone, Copy, PartialEq, Eq)]
enum StrictCheck {
    Run,
    /// A lenient reading of the offer noticed nothing: its check ran every rule of the strict one on the
    /// same offer, with the same limits, and met no violation (each would have left a warning).
    Passes,
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
    let (offer, check) = read_for_writing(offer_json, options)?;
    offer.write_uri(options, check)
}

/// As [`build_offer_uri`], writing the offer's JSON in `options.dialect` instead of a URI.
pub fn build_offer_json(offer_json: &str, options: &BuildOptions) -> Result<String> {
    let (offer, check) = read_for_writing(offer_json, options)?;
    offer.write_json(options, check)
}

/// The offer read leniently, and whether the strict check is still to run.
fn read_for_writing(offer_json: &str, options: &BuildOptions) -> Result<(CredentialOffer, StrictCheck)> {
    // The default limits, which the strict check applies too.
    let parse = ParseOptions { allow_insecure_http: options.allow_insecure_http, ..ParseOptions::default() };
    let parsed = compat::parse_offer_json(offer_json, &parse)?;
    let check = if parsed.warnings.is_empty() { StrictCheck::Passes } else { StrictCheck::Run };
    Ok((parsed.offer, check))
}

/// The offer by reference: `<base>?credential_offer_uri=<percent-encoded https URL>`.
///
/// The host serves the offer JSON at `reference` (once, with `application/json`).
///
/// ```
/// use credoffer::BuildOptions;
/// use credoffer::uri::offer_reference_uri;
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

/// The parameter of an offer by value, up to its value.
const OFFER_PARAMETER: &str = "credential_offer=";

/// [`DEFAULT_BASE`] ready for the offer parameter.
const DEFAULT_PREFIX: &str = "openid-credential-offer://?";

/// Checks a base and returns it ready for the offer parameter (ending in `?` or `&`).
fn query_prefix(base: &str, allow_insecure_http: bool) -> Result<Cow<'_, str>> {
    // Most offers are built on the default base, which passes every check (a test makes sure): checking
    // it on every build cost a twentieth of writing the offer.
    if base == DEFAULT_BASE {
        return Ok(Cow::Borrowed(DEFAULT_PREFIX));
    }
    checked_query_prefix(base, allow_insecure_http)
}

fn checked_query_prefix(base: &str, allow_insecure_http: bool) -> Result<Cow<'_, str>> {
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
    // Pushed rather than `format!`ed: the formatting machinery costs a tenth of writing a short offer.
    let joined = |separator: char| {
        let mut prefix = base.to_owned();
        prefix.push(separator);
        Cow::Owned(prefix)
    };
    Ok(match base.split_once('?') {
        None => joined('?'),
        Some((_, "")) => Cow::Borrowed(base),
        Some((_, query)) if query.ends_with('&') => Cow::Borrowed(base),
        Some(_) => joined('&'),
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
#[non_exhaustive]
pub struct OfferReference {
    /// The URL to fetch with `GET` (`Accept: application/json`).
    pub uri: String,
    /// Observations about the URI.
    pub warnings: Vec<Warning>,
}

/// Reads an offer URI of any draft and scheme.
///
/// ```
/// use credoffer::{parse_offer_uri, OfferUri, ParseOptions};
/// use credoffer::compat::Source;
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
    if params.html_escaped {
        findings.violation(Error::new(
            ErrorKind::HtmlEscapedQuery,
            "the query separates its parameters with '&amp;', as HTML writes '&': the link was copied out of a \
             web page without unescaping it",
        ))?;
    }

    let reference = params.single("credential_offer_uri")?;
    let by_value = params.single("credential_offer")?;
    match (by_value, reference) {
        (Some(_), Some(_)) => Err(Error::new(
            ErrorKind::ConflictingOfferParameters,
            "the URI carries both credential_offer and credential_offer_uri; exactly one is allowed",
        )),
        (Some(raw), None) => {
            let json = decode_value(raw, "credential_offer", options.plus, &mut findings)?;
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
            let reference = decode_value(raw, "credential_offer_uri", options.plus, &mut findings)?;
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

pub(crate) fn too_long_for_qr(length: usize) -> Warning {
    Warning::new(
        WarningCode::TooLongForQr,
        format!("the URI is {length} bytes, too long for a comfortable QR code; offer it by reference"),
    )
}

fn missing_parameter(params: &QueryParams<'_>) -> Error {
    let mut encoded_equals = false;
    for (name, _) in params.pairs() {
        let name = percent_decoded(name);
        encoded_equals |= name.starts_with(b"credential_offer=") || name.starts_with(b"credential_offer_uri=");
    }
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
        None => {
            return Err(compat::signed_offer(uri)
                .unwrap_or_else(|| Error::new(ErrorKind::InvalidUri, "the text is not a URI: it has no scheme")));
        }
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
    use percent_encoding::percent_decode_str;

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
        for allow_insecure_http in [false, true] {
            assert_eq!(checked_query_prefix(DEFAULT_BASE, allow_insecure_http).unwrap(), DEFAULT_PREFIX);
        }
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
    fn building_checks_strictly_once_with_the_same_verdicts() {
        let pre_auth = |grant: &str| {
            format!(
                r#"{{"credential_issuer":"https://i.example","credential_configuration_ids":["a"],"grants":{{"urn:ietf:params:oauth:grant-type:pre-authorized_code":{grant}}}}}"#
            )
        };
        let offers = [
            r#"{"credential_issuer":"https://i.example","credential_configuration_ids":["a"]}"#.to_owned(),
            pre_auth(r#"{"pre-authorized_code":"c","tx_code":{"length":0}}"#),
            pre_auth(r#"{"pre-authorized_code":" "}"#),
            pre_auth(r#"{"pre-authorized_code":"c","authorization_server":" ","tx_code":{"length":0}}"#),
            pre_auth(&format!(r#"{{"pre-authorized_code":"c","tx_code":{{"description":"{}"}}}}"#, "x".repeat(301))),
            r#"{"credential_issuer":"https://i.example","credentials":["a"],"issuer_state":"s"}"#.to_owned(),
            r#"{"issuer":"https://i.example","credentials":["a"],"pre-authorized_code":"c","user_pin_required":true}"#
                .to_owned(),
            r#"{"credential_issuer":"https://i.example","credential_configuration_ids":["a","a"]}"#.to_owned(),
            r#"{"credential_issuer":"http://i.example","credential_configuration_ids":["a"]}"#.to_owned(),
            r#"{"credential_issuer":"https://i.example","credentials":[{"format":"ldp_vc"}]}"#.to_owned(),
        ];
        let outcome =
            |result: Result<String>| result.map_err(|e| (e.code(), e.field().map(str::to_owned), e.to_string()));
        let mut refused = 0;
        for offer in &offers {
            for base in [DEFAULT_BASE, "https://wallet.example/x?credential_offer=1", "no scheme"] {
                for dialect in Dialect::ALL {
                    let options = BuildOptions::default().base(base).dialect(dialect);
                    let read = compat::parse_offer_json(offer, &ParseOptions::default());
                    let expected = read.as_ref().map_err(Clone::clone).and_then(|parsed| parsed.offer.to_uri(&options));
                    refused += usize::from(expected.is_err());
                    assert_eq!(
                        outcome(build_offer_uri(offer, &options)),
                        outcome(expected),
                        "{offer} {base} {dialect}"
                    );
                    let expected = read.and_then(|parsed| parsed.offer.to_json(&options));
                    assert_eq!(outcome(build_offer_json(offer, &options)), outcome(expected), "{offer} {dialect}");
                }
            }
        }
        // Both verdicts occur: the comparison is not of errors alone.
        assert!(refused > 0 && refused < offers.len() * 3 * Dialect::ALL.len());
    }

    #[test]
    fn limits_apply() {
        let options =
            ParseOptions { limits: Limits { max_uri_bytes: 10, ..Limits::DEFAULT }, ..ParseOptions::default() };
        let err = parse_offer_uri("openid-credential-offer://?credential_offer=%7B%7D", &options).unwrap_err();
        assert_eq!(err.code(), "limit_exceeded");
    }
}
