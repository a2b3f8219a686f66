//! The one error type of the engine.
//!
//! Every failure carries an [`ErrorKind`] with a fixed number and a snake_case code that never change
//! meaning and are never reused, a human message that may improve between releases, and — where it
//! applies — the path of the field it concerns (`credential_configuration_ids[1]`,
//! `grants.urn:ietf:params:oauth:grant-type:pre-authorized_code.tx_code.length`, `expiresIn.minutes`).
//! Bindings map kinds by number or code; tests assert codes, never messages.

use std::fmt;

use crate::json::JsonValue;

/// A closed list of stable codes: each entry has a doc comment whose first line is its description (what
/// `cargo xtask codegen` hands to every binding), a number and a snake_case code.
macro_rules! code_list {
    (
        $(#[$meta:meta])*
        pub enum $name:ident;
        $( #[doc = $description:literal] $(#[doc = $doc:literal])* $variant:ident = $number:literal, $code:literal; )*
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u16)]
        pub enum $name {
            $( #[doc = $description] $(#[doc = $doc])* $variant = $number, )*
        }

        impl $name {
            /// Every kind, in number order.
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The stable snake_case code, e.g. `"duplicate_credential_configuration_id"`.
            pub const fn code(self) -> &'static str {
                match self { $($name::$variant => $code,)* }
            }

            /// The stable number (also the C status value).
            pub const fn number(self) -> u16 {
                self as u16
            }

            /// A one-line description in English: the first line of the kind's documentation.
            pub const fn description(self) -> &'static str {
                match self { $($name::$variant => $description.trim_ascii(),)* }
            }

            /// The kind with this code, if any.
            pub fn from_code(code: &str) -> Option<$name> {
                match code { $($code => Some($name::$variant),)* _ => None }
            }

            /// The kind with this number, if any.
            pub fn from_number(number: u16) -> Option<$name> {
                match number { $($number => Some($name::$variant),)* _ => None }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.code())
            }
        }
    };
}

code_list! {
    /// What went wrong, as a stable number and code.
    ///
    /// The list is closed on purpose: bindings match every kind without a wildcard arm, so a new kind
    /// fails their build until it is mapped.
    pub enum ErrorKind;

    // --- Offer URIs (1–19) ---
    /// The text is not an offer URI: no scheme, no query, or a shape no draft uses.
    InvalidUri = 1, "invalid_uri";
    /// Neither `credential_offer` nor `credential_offer_uri` is present.
    MissingOfferParameter = 2, "missing_offer_parameter";
    /// Both `credential_offer` and `credential_offer_uri` are present.
    ConflictingOfferParameters = 3, "conflicting_offer_parameters";
    /// A query parameter that must appear once appears more than once.
    DuplicateParameter = 4, "duplicate_parameter";
    /// A `%` escape is malformed, or the decoded bytes are not UTF-8.
    InvalidPercentEncoding = 5, "invalid_percent_encoding";
    /// The offer is not a JSON object (includes offers encoded twice).
    InvalidJson = 6, "invalid_json";
    /// An input exceeds a configured size, count or depth limit.
    LimitExceeded = 7, "limit_exceeded";
    /// A URL uses `http` where `https` is required (allowed only with the insecure option).
    InsecureUrl = 8, "insecure_url";
    /// `credential_offer_uri` is not an absolute URL.
    InvalidOfferUri = 9, "invalid_offer_uri";
    /// The base URI given to the builder cannot carry an offer.
    InvalidBaseUri = 10, "invalid_base_uri";
    /// The query separates its parameters with `&amp;`: the link was copied out of HTML unescaped.
    HtmlEscapedQuery = 11, "html_escaped_query";
    /// `credential_offer` holds a signed JWT; OpenID4VCI offers are plain JSON, never signed.
    SignedOffer = 12, "signed_offer";

    // --- The offer model (20–39) ---
    /// A required member is absent.
    MissingField = 20, "missing_field";
    /// A member has the wrong JSON type.
    InvalidType = 21, "invalid_type";
    /// `credential_issuer` is not an https URL without query and fragment.
    InvalidCredentialIssuer = 22, "invalid_credential_issuer";
    /// `credential_configuration_ids` is empty.
    EmptyCredentialConfigurationIds = 23, "empty_credential_configuration_ids";
    /// `credential_configuration_ids` names the same id twice.
    DuplicateCredentialConfigurationId = 24, "duplicate_credential_configuration_id";
    /// A string that must carry a value is empty or only white space.
    BlankValue = 25, "blank_value";
    /// A `tx_code` object breaks the spec (unknown `input_mode`, `length` below 1).
    InvalidTxCode = 26, "invalid_tx_code";
    /// `tx_code.description` is longer than 300 UTF-16 code units.
    DescriptionTooLong = 27, "description_too_long";
    /// A member sits where the spec does not put it (e.g. a top-level `issuer_state`).
    MisplacedMember = 28, "misplaced_member";
    /// The offer cannot be written in the requested dialect without changing its meaning.
    UnsupportedByDialect = 29, "unsupported_by_dialect";
    /// The offer carries no grant of the kind an operation needs.
    MissingGrant = 30, "missing_grant";
    /// A dialect name is not one the engine writes (`1.0`, `mattr`, `draft13`, `draft11`).
    UnknownDialect = 31, "unknown_dialect";
    /// A lint profile name is not one the engine knows.
    UnknownProfile = 32, "unknown_profile";

    // --- Credential Issuer Metadata (40–49) ---
    /// The metadata is not usable JSON of the expected shape.
    InvalidMetadata = 40, "invalid_metadata";
    /// The metadata's `credential_issuer` is not identical to the offer's.
    IssuerMismatch = 41, "issuer_mismatch";
    /// A credential configuration id is not among those the issuer supports.
    UnknownCredentialConfiguration = 42, "unknown_credential_configuration";
    /// An `authorization_server` is not listed in the metadata's `authorization_servers`.
    UnknownAuthorizationServer = 43, "unknown_authorization_server";
    /// An inline (draft 11) credential description matches more than one configuration of the metadata.
    AmbiguousCredentialDescription = 44, "ambiguous_credential_description";

    // --- The issuer engine (50–69) ---
    /// The request body failed validation; `details` lists every problem.
    ValidationFailed = 50, "validation_failed";
    /// The request body has a member the endpoint does not define.
    UnknownMember = 51, "unknown_member";
    /// The configuration's format is not allowed for this grant (pre-authorized offers limited to mdoc).
    UnsupportedFormat = 52, "unsupported_format";
    /// A user id is not a UUID.
    InvalidUserId = 53, "invalid_user_id";
    /// `expiresIn` is outside the allowed bounds, or not whole non-negative numbers.
    InvalidExpiry = 54, "invalid_expiry";
    /// `claims` or `claimsToPersist` is malformed, or names a claim that is not present.
    InvalidClaims = 55, "invalid_claims";
    /// No offer has this id (DELETE of an unknown offer).
    OfferNotFound = 56, "offer_not_found";
    /// The issuer configuration is inconsistent.
    InvalidConfiguration = 57, "invalid_configuration";
    /// The transaction code a user typed does not fit the prompt (wrong characters or length).
    TxCodeMismatch = 58, "tx_code_mismatch";

    // --- Secrets, records and the token endpoint (70–89) ---
    /// The randomness source failed or ran out of bytes.
    EntropyUnavailable = 70, "entropy_unavailable";
    /// A token or introspection request body is malformed or lacks a member.
    InvalidTokenRequest = 71, "invalid_token_request";
    /// A token request asks for a grant type the engine does not redeem.
    UnsupportedGrantType = 72, "unsupported_grant_type";
    /// A stored offer record is malformed.
    InvalidRecord = 73, "invalid_record";

    // --- QR codes (90–99) ---
    /// The text is too long for any QR code.
    QrTooLong = 90, "qr_too_long";
}

code_list! {
    /// A failure a binding detects at its own boundary, before or after the engine runs: the caller passed
    /// something the host language allows but the binding cannot accept.
    ///
    /// Never an [`ErrorKind`]: the input never reached the engine's rules, so an issuer host answers these
    /// with 400, as a bad request, never with a 5xx. The numbers start at 1000, clear of the engine's
    /// (1–999), so a binding can report both families in one status type (the C `credoffer_status`).
    pub enum BindingErrorKind;

    /// A required pointer argument is NULL.
    NullArgument = 1000, "null_argument";
    /// A text argument is not valid UTF-8.
    InvalidUtf8 = 1001, "invalid_utf8";
    /// An internal failure was caught at the library boundary; please report it.
    Panic = 1002, "panic";
    /// An argument is outside its domain: an unknown option value, flag bit or mode, or a length that does not fit.
    InvalidArgument = 1003, "invalid_argument";
    /// An index is not below the length of the list it reads.
    IndexOutOfRange = 1004, "index_out_of_range";
    /// The offer is by reference: fetch its `credential_offer_uri` and parse that JSON.
    ByReference = 1005, "by_reference";
    /// An argument or option has the wrong type for the host language (a string where a boolean belongs).
    InvalidArgumentType = 1006, "invalid_argument_type";
    /// An options object names an option that does not exist.
    UnknownOption = 1007, "unknown_option";
    /// A required argument or option is absent.
    MissingArgument = 1008, "missing_argument";
}

macro_rules! evidence {
    () => {
        None
    };
    ($evidence:literal) => {
        Some($evidence)
    };
}

macro_rules! warning_codes {
    (
        notes { $( #[doc = $description:literal] $variant:ident = $code:literal $(, evidence $evidence:literal)?; )* }
        violations { $( $violation:ident, )* }
    ) => {
        /// Why an offer was accepted with a warning: a closed list, so a wallet can map every code it may see.
        ///
        /// A lenient read tolerates a few spec violations and reports each with the code of the error strict
        /// mode raises ([`WarningCode::Violation`], one of [`WarningCode::LENIENT_VIOLATIONS`]); the other
        /// codes are notes that never become errors.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum WarningCode {
            $( #[doc = $description] $variant, )*
            /// A spec violation accepted in lenient mode, coded as the error strict mode raises; always one
            /// of [`WarningCode::LENIENT_VIOLATIONS`].
            Violation(ErrorKind),
        }

        impl ErrorKind {
    /// The HTTP status a host answers this kind with: 404 for an unknown offer, 500 when randomness
    /// failed or the issuer is misconfigured (the caller's request is not at fault), 400 otherwise.
    ///
    /// ```
    /// use credoffer::ErrorKind;
    ///
    /// assert_eq!(ErrorKind::OfferNotFound.http_status(), 404);
    /// assert_eq!(ErrorKind::UnknownDialect.http_status(), 400);
    /// ```
    pub const fn http_status(self) -> u16 {
        match self {
            ErrorKind::OfferNotFound => 404,
            ErrorKind::EntropyUnavailable | ErrorKind::InvalidConfiguration => 500,
            _ => 400,
        }
    }
}

impl WarningCode {
            /// The error kinds a lenient read may report as warnings instead of raising them.
            pub const LENIENT_VIOLATIONS: &'static [ErrorKind] = &[$(ErrorKind::$violation),*];

            /// Every code a warning can carry: the notes, then the lenient violations.
            pub const ALL: &'static [WarningCode] =
                &[$(WarningCode::$variant,)* $(WarningCode::Violation(ErrorKind::$violation),)*];

            /// The stable snake_case code, e.g. `"legacy_shape"` or, for a violation, the error's code.
            pub const fn code(self) -> &'static str {
                match self {
                    $( WarningCode::$variant => $code, )*
                    WarningCode::Violation(kind) => kind.code(),
                }
            }

            /// What the warning rests on, for the interop lint's codes: the field reports, peer
            /// implementations or profile text that make a legal offer fail or unsafe.
            pub const fn evidence(self) -> Option<&'static str> {
                match self {
                    $( WarningCode::$variant => evidence!($($evidence)?), )*
                    WarningCode::Violation(_) => None,
                }
            }

            /// A one-line description in English (for a violation, the error kind's).
            pub const fn description(self) -> &'static str {
                match self {
                    $( WarningCode::$variant => $description.trim_ascii(), )*
                    WarningCode::Violation(kind) => kind.description(),
                }
            }
        }
    };
}

warning_codes! {
    notes {
        /// The offer has a draft's shape; it was read into the 1.0 model.
        LegacyShape = "legacy_shape";
        /// `credentials` and `credential_configuration_ids` differ; `credential_configuration_ids` is used.
        HybridListsDiffer = "hybrid_lists_differ";
        /// A query value holds a raw `+`, which wallets read differently (space or plus).
        AmbiguousPlus = "ambiguous_plus";
        /// The URI is too long for a comfortable QR code; offer it by reference.
        TooLongForQr = "too_long_for_qr";
        /// Credentials are described inline (draft 11) instead of named by configuration id.
        LegacyCredentialDescription = "legacy_credential_description";
        /// The offer names its authorization server although the metadata lists only one.
        NeedlessAuthorizationServer = "needless_authorization_server";
        /// A pre-authorized offer without a transaction code: whoever sees the QR code or link can redeem it.
        PreAuthorizedWithoutTxCode = "pre_authorized_without_tx_code",
            evidence "OpenID4VCI issues #664 and #806, HAIP issue #60: the offer is a bearer credential, and \
                      only a transaction code sent on another channel stops someone who saw it";
        /// The offer names several credential configurations; many wallets take only the first.
        SeveralConfigurationIds = "several_configuration_ids",
            evidence "multipaz #2026 and wwWallet #738 issue only the first configuration of an offer";
        /// A string in the offer holds a literal `%`, which wallets that decode the offer twice corrupt.
        PercentInValue = "percent_in_value",
            evidence "@openid4vc/openid4vci 0.4.6 and @sphereon/oid4vci-client 0.20.1 percent-decode the offer \
                      twice and fail on a literal '%'";
        /// A member the chosen dialect does not define (an extension), which strict readers flag or drop.
        MemberOutsideDialect = "member_outside_dialect",
            evidence "the OpenID Foundation conformance suite warns on members its 1.0 offer schema does not \
                      define, such as MATTR's request_parameters";
        /// HAIP: the offer has no authorization code grant, the only flow HAIP 1.0 requires.
        HaipAuthorizationCode = "haip_authorization_code",
            evidence "HAIP 1.0, Credential Offer: \"The Grant Type authorization_code MUST be supported\"; \
                      the pre-authorized code flow was removed from HAIP in draft 02";
        /// HAIP: an offered configuration has no `scope` in the issuer's metadata.
        HaipScope = "haip_scope",
            evidence "HAIP 1.0, Credential Offer: \"the Issuer MUST include a scope value\"; Issuer Metadata: \
                      \"The Credential Issuer metadata MUST include a scope for every Credential Configuration \
                      it supports\"";
        /// IT-Wallet: the offer URI does not use the `openid-credential-offer://` scheme.
        ItWalletScheme = "it_wallet_scheme",
            evidence "IT-Wallet 1.0.2, Credential Issuance Endpoint: \"The custom URL scheme \
                      openid-credential-offer:// MUST be used\"";
        /// IT-Wallet: the offer has no authorization code grant.
        ItWalletAuthorizationCode = "it_wallet_authorization_code",
            evidence "IT-Wallet 1.0.2, Credential Issuance Endpoint: the offer MUST contain the \
                      authorization_code grant";
        /// IT-Wallet: the authorization code grant has no `issuer_state`.
        ItWalletIssuerState = "it_wallet_issuer_state",
            evidence "IT-Wallet 1.0.2, Credential Issuance Endpoint: issuer_state is REQUIRED in the \
                      authorization_code grant";
    }
    // Every kind a `Findings::violation` call site raises; any other kind stays an error in lenient mode.
    violations {
        InvalidUri,
        HtmlEscapedQuery,
        InvalidPercentEncoding,
        BlankValue,
        InvalidTxCode,
        DescriptionTooLong,
        MisplacedMember,
    }
}

impl WarningCode {
    /// The warning for a violation of `kind`, if a lenient read may tolerate it.
    pub fn violation(kind: ErrorKind) -> Option<WarningCode> {
        Self::LENIENT_VIOLATIONS.contains(&kind).then_some(WarningCode::Violation(kind))
    }

    /// The warning code with this snake_case code, if any.
    pub fn from_code(code: &str) -> Option<WarningCode> {
        Self::ALL.iter().copied().find(|warning| warning.code() == code)
    }
}

impl fmt::Display for WarningCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl serde::Serialize for WarningCode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

/// An engine error: a stable kind, a human message, and the field it concerns.
///
/// ```
/// use credoffer::{parse_offer_uri, ErrorKind, ParseOptions};
///
/// let err = parse_offer_uri("openid-credential-offer://?foo=bar", &ParseOptions::default()).unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::MissingOfferParameter);
/// assert_eq!(err.code(), "missing_offer_parameter");
/// ```
//
// Boxed: a `Result` is then no larger than its success value, so the `?` of every step of a parse moves a
// pointer where it moved a hundred bytes. Errors are the exception on these paths; the allocation is theirs.
#[derive(Clone, PartialEq, Eq)]
pub struct Error(Box<Inner>);

#[derive(Clone, PartialEq, Eq)]
struct Inner {
    kind: ErrorKind,
    message: String,
    field: Option<String>,
    /// Kept as its text: an error is made and dropped on many paths, and a `serde_json::Value` in it would
    /// bring that type's code (its objects are B-trees) into every build.
    value: Option<JsonValue>,
    details: Vec<Error>,
}

impl Error {
    /// An error of `kind` with a message.
    // Not inlined, nor are `at` and `Warning`'s: a hundred call sites would each carry the copy of the text
    // into a `String` (the browser build is 194 B smaller gzip).
    #[inline(never)]
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self(Box::new(Inner { kind, message: message.into(), field: None, value: None, details: Vec::new() }))
    }

    /// The same error, concerning `field`.
    #[must_use]
    #[inline(never)]
    pub fn at(mut self, field: impl Into<String>) -> Self {
        self.0.field = Some(field.into());
        self
    }

    /// The same error, carrying the rejected request value (MATTR's `details[].value`). Never used for
    /// secrets.
    #[must_use]
    pub fn with_value(self, value: serde_json::Value) -> Self {
        self.with_json_value(JsonValue::from_value(&value))
    }

    /// The same error, carrying the rejected request value as JSON text (see [`Error::with_value`]).
    #[must_use]
    pub fn with_json_value(mut self, value: JsonValue) -> Self {
        self.0.value = Some(value);
        self
    }

    /// An error that gathers several problems found at once (kind [`ErrorKind::ValidationFailed`]).
    pub fn validation(details: Vec<Error>) -> Self {
        let message = match details.as_slice() {
            [only] => only.0.message.clone(),
            _ => format!("{} problems in the request", details.len()),
        };
        Self(Box::new(Inner { kind: ErrorKind::ValidationFailed, message, field: None, value: None, details }))
    }

    /// The stable kind.
    pub fn kind(&self) -> ErrorKind {
        self.0.kind
    }

    /// The stable snake_case code of the kind.
    pub fn code(&self) -> &'static str {
        self.0.kind.code()
    }

    /// A human-readable message; it may change between releases.
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// The path of the field concerned, if any.
    pub fn field(&self) -> Option<&str> {
        self.0.field.as_deref()
    }

    /// The rejected request value, for errors about an issuer request body, as a serde_json `Value` (numbers
    /// as [`JsonValue::to_value`] reads them).
    pub fn value(&self) -> Option<serde_json::Value> {
        self.0.value.as_ref().map(JsonValue::to_value)
    }

    /// The rejected request value as its JSON text.
    pub fn json_value(&self) -> Option<&JsonValue> {
        self.0.value.as_ref()
    }

    /// For [`ErrorKind::ValidationFailed`], every problem found; otherwise empty.
    pub fn details(&self) -> &[Error] {
        &self.0.details
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Inner { kind, message, field, details, .. } = &*self.0;
        let mut s = f.debug_struct("Error");
        s.field("code", &kind.code()).field("message", message);
        if let Some(field) = field {
            s.field("field", field);
        }
        if !details.is_empty() {
            s.field("details", details);
        }
        s.finish()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Inner { kind, message, field, .. } = &*self.0;
        match field {
            Some(field) => write!(f, "{} ({}): {}", kind.code(), field, message),
            None => write!(f, "{}: {}", kind.code(), message),
        }
    }
}

impl std::error::Error for Error {}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Something a wallet can show or log: an offer that was accepted but is not quite right.
///
/// Serialises as `{"code", "message", "field"?}`, the shape every binding hands out (a lint report adds
/// `"evidence"`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Warning {
    /// One of the closed list [`WarningCode::ALL`]; read it with [`Warning::code`] or [`Warning::kind`].
    code: WarningCode,
    /// Human-readable explanation.
    pub message: String,
    /// The field concerned, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl Warning {
    #[inline(never)]
    pub(crate) fn new(code: WarningCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into(), field: None }
    }

    /// What the warning rests on: the reports, peers or profile text behind an interop lint code
    /// ([`WarningCode::evidence`]). Only the lint's report writes it out: the texts stay out of builds
    /// that never lint.
    pub fn evidence(&self) -> Option<&'static str> {
        self.code.evidence()
    }

    /// The stable snake_case code, e.g. `"legacy_shape"`.
    pub fn code(&self) -> &'static str {
        self.code.code()
    }

    /// The code as a value of the closed list.
    pub fn kind(&self) -> WarningCode {
        self.code
    }

    #[inline(never)]
    pub(crate) fn at(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }
}

/// Collects warnings, or turns spec violations into errors in strict mode. One home for that rule.
pub(crate) struct Findings<'a> {
    pub(crate) strict: bool,
    pub(crate) warnings: &'a mut Vec<Warning>,
}

impl Findings<'_> {
    /// A spec violation: an error in strict mode, a warning otherwise. Only the kinds of
    /// [`WarningCode::LENIENT_VIOLATIONS`] become warnings, so that list stays the whole truth.
    pub(crate) fn violation(&mut self, error: Error) -> Result<()> {
        let code = match WarningCode::violation(error.kind()) {
            Some(code) if !self.strict => code,
            _ => return Err(error),
        };
        let mut warning = Warning::new(code, error.message());
        warning.field = error.field().map(str::to_owned);
        self.warnings.push(warning);
        Ok(())
    }

    /// A note that never becomes an error.
    pub(crate) fn note(&mut self, warning: Warning) {
        self.warnings.push(warning);
    }
}

/// The path of member `name` of the field at `parent` (`grants.authorization_code.issuer_state`), or `name`
/// alone at the top level (an empty `parent`): how errors and warnings name a nested member. Built only for
/// them: parsing a valid offer allocates no paths.
pub(crate) fn member_path(parent: &str, name: &str) -> String {
    if parent.is_empty() { name.to_owned() } else { format!("{parent}.{name}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_numbers_are_unique_and_round_trip() {
        let mut codes = std::collections::BTreeSet::new();
        let mut numbers = std::collections::BTreeSet::new();
        for &kind in ErrorKind::ALL {
            assert!(codes.insert(kind.code()), "duplicate code {}", kind.code());
            assert!(numbers.insert(kind.number()), "duplicate number {}", kind.number());
            assert_eq!(ErrorKind::from_code(kind.code()), Some(kind));
            assert_eq!(ErrorKind::from_number(kind.number()), Some(kind));
            assert!(kind.code().bytes().all(|b| b.is_ascii_lowercase() || b == b'_'));
        }
        assert_eq!(ErrorKind::from_code("nope"), None);
        assert_eq!(ErrorKind::from_number(0), None);
    }

    #[test]
    fn binding_kinds_are_their_own_family_above_the_engine_range() {
        for &kind in BindingErrorKind::ALL {
            assert!(kind.number() >= 1000, "{kind:?}");
            assert_eq!(ErrorKind::from_code(kind.code()), None, "{kind:?} reuses an engine code");
            assert_eq!(BindingErrorKind::from_code(kind.code()), Some(kind));
            assert_eq!(BindingErrorKind::from_number(kind.number()), Some(kind));
        }
        assert_eq!(BindingErrorKind::InvalidUtf8.code(), "invalid_utf8");
        assert_eq!(BindingErrorKind::NullArgument.description(), "A required pointer argument is NULL.");
    }

    #[test]
    fn descriptions_are_the_first_doc_line() {
        assert_eq!(ErrorKind::QrTooLong.description(), "The text is too long for any QR code.");
        for &kind in ErrorKind::ALL {
            let description = kind.description();
            assert!(description.ends_with('.') && !description.starts_with(' '), "{kind:?}: {description:?}");
        }
    }

    #[test]
    fn warning_codes_are_closed_and_unique() {
        let mut codes = std::collections::BTreeSet::new();
        for &warning in WarningCode::ALL {
            assert!(codes.insert(warning.code()), "duplicate warning code {warning}");
            assert_eq!(WarningCode::from_code(warning.code()), Some(warning));
            assert!(warning.description().ends_with('.'), "{warning:?}");
        }
        assert_eq!(WarningCode::ALL.len(), 15 + WarningCode::LENIENT_VIOLATIONS.len());
        assert_eq!(WarningCode::violation(ErrorKind::BlankValue), Some(WarningCode::Violation(ErrorKind::BlankValue)));
        assert_eq!(WarningCode::violation(ErrorKind::MissingField), None);
        assert_eq!(WarningCode::from_code("missing_field"), None);
        assert_eq!(WarningCode::Violation(ErrorKind::InvalidUri).description(), ErrorKind::InvalidUri.description());
        assert_eq!(serde_json::to_string(&WarningCode::AmbiguousPlus).unwrap(), r#""ambiguous_plus""#);
    }

    #[test]
    fn display_names_code_and_field() {
        let err = Error::new(ErrorKind::BlankValue, "must not be blank").at("credential_configuration_ids[0]");
        assert_eq!(err.to_string(), "blank_value (credential_configuration_ids[0]): must not be blank");
        assert_eq!(err.field(), Some("credential_configuration_ids[0]"));
    }

    #[test]
    fn a_value_is_kept_as_its_text() {
        let value = serde_json::json!({"length": 12, "id": "a\"b", "price": 1.5});
        let err = Error::new(ErrorKind::InvalidType, "x").with_value(value.clone());
        assert_eq!(err.json_value().map(JsonValue::as_json), Some(r#"{"id":"a\"b","length":12,"price":1.5}"#));
        assert_eq!(err.value(), Some(value));
        let err = Error::new(ErrorKind::BlankValue, "x").with_json_value(JsonValue::string(" "));
        assert_eq!(err.json_value().map(JsonValue::as_json), Some(r#"" ""#));
        assert_eq!(err.value(), Some(serde_json::json!(" ")));
        assert_eq!(Error::new(ErrorKind::BlankValue, "x").value(), None);
    }

    #[test]
    fn validation_gathers_details() {
        let err = Error::validation(vec![
            Error::new(ErrorKind::MissingField, "a").at("credentials"),
            Error::new(ErrorKind::InvalidUserId, "b").at("userId"),
        ]);
        assert_eq!(err.kind(), ErrorKind::ValidationFailed);
        assert_eq!(err.details().len(), 2);
        assert_eq!(err.message(), "2 problems in the request");
    }
}
