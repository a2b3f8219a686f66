//! Reading every generation of the Credential Offer into the one 1.0 model.
//!
//! | source    | how it is recognised                                                   |
//! |-----------|------------------------------------------------------------------------|
//! | `draft8`  | flat query parameters `issuer` and `credential_type`                   |
//! | `draft9`  | `issuer` instead of `credential_issuer`; top-level grant parameters    |
//! | `draft11` | `credentials` (strings or format objects), `user_pin_required`         |
//! | `draft12` | as draft 11, with the pre-authorized grant's `interval`                |
//! | `draft13` | a `tx_code` beside `credentials`, or `credential_configuration_ids` beside `user_pin_required` or `interval` |
//! | `1.0`     | `credential_configuration_ids` and `tx_code` (drafts 13 to 17 share this shape) |
//! | `hybrid`  | both `credentials` and `credential_configuration_ids` (what MATTR VII emits) |
//!
//! Normalisation: `issuer` becomes `credential_issuer`; string entries of `credentials` become ids and
//! object entries are kept as legacy descriptions; when both lists are present the ids win (a warning
//! says when the lists differ); `user_pin_required: true` becomes a numeric `tx_code`; draft 9's top-level
//! `pre-authorized_code` and `op_state` move into `grants`. Members the spec does not define are kept.

use std::fmt;

use serde_json::{Map, Value};

pub use crate::dialect::{Dialect, LEGACY_PIN_MAX_DIGITS};
use crate::error::{Error, ErrorKind, Findings, Result, Warning, WarningCode, member_path};
use crate::json::{JsonMembers, JsonValue};
use crate::json_read;
use crate::limits::{Limits, json_depth_exceeds};
use crate::metadata::IssuerMetadata;
use crate::offer::{
    AUTH_CODE_FIELD, AuthorizationCodeGrant, CredentialOffer, Grants, InputMode, PRE_AUTH_FIELD,
    PreAuthorizedCodeGrant, TX_CODE_FIELD, TxCode,
};
pub use crate::query::PlusPolicy;
use crate::query::{QueryParams, decode_value};
use crate::raw::{Member, Plain, RawCredentials, RawGrants, RawOffer, RawPreAuthorized, RawTxCode};

/// The generation of the spec an offer's shape comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    /// Draft 8: flat query parameters.
    Draft8,
    /// Draft 9: `issuer` and top-level grant parameters.
    Draft9,
    /// Draft 11: `credentials`.
    Draft11,
    /// Draft 12: `credentials` and `interval`.
    Draft12,
    /// Draft 13: a transitional mix of `credentials` or `user_pin_required` with 13's members.
    Draft13,
    /// OpenID4VCI 1.0 (and drafts 13 to 17, whose offer shape is the same).
    V1,
    /// Both `credentials` and `credential_configuration_ids`.
    Hybrid,
}

impl Source {
    /// The stable name: `draft8`, `draft9`, `draft11`, `draft12`, `draft13`, `1.0`, `hybrid`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Source::Draft8 => "draft8",
            Source::Draft9 => "draft9",
            Source::Draft11 => "draft11",
            Source::Draft12 => "draft12",
            Source::Draft13 => "draft13",
            Source::V1 => "1.0",
            Source::Hybrid => "hybrid",
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How to read an offer. Built from the default with chained setters, so new options can join:
///
/// ```
/// use credoffer::ParseOptions;
/// use credoffer::compat::PlusPolicy;
///
/// let options = ParseOptions::default().strict(true).plus(PlusPolicy::Literal);
/// assert!(options.strict && !options.allow_insecure_http);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
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

impl ParseOptions {
    /// Sets what `+` means.
    pub fn plus(mut self, plus: PlusPolicy) -> Self {
        self.plus = plus;
        self
    }

    /// Makes every spec violation an error.
    pub fn strict(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }

    /// Accepts `http` issuers and by-reference URLs (local testing only).
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// Sets the size, count and depth limits.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }
}

/// An offer read from JSON or a URI: the normalized model, the shape it came in, and what was noticed.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedOffer {
    /// The offer in the 1.0 model.
    pub offer: CredentialOffer,
    /// The shape it came in.
    pub source: Source,
    /// Things a wallet can show or log.
    pub warnings: Vec<Warning>,
    /// The transaction code was asked for with `user_pin_required` (drafts up to 12, and transitional
    /// offers that mix it with later members) rather than `tx_code`: it is a PIN of at most 8 digits.
    pub legacy_pin: bool,
}

impl ParsedOffer {
    /// The offer with its inline credential descriptions named by the metadata's configuration ids
    /// ([`IssuerMetadata::resolve_credential_descriptions`]), without the warning that they were unresolved.
    pub fn resolve(mut self, metadata: &IssuerMetadata) -> Result<ParsedOffer> {
        if self.offer.legacy_credentials.is_empty() {
            return Ok(self);
        }
        self.offer = metadata.resolve_credential_descriptions(&self.offer)?;
        self.warnings.retain(|warning| warning.kind() != WarningCode::LegacyCredentialDescription);
        Ok(self)
    }
}

/// Reads Credential Offer JSON of any draft (an offer fetched from a `credential_offer_uri`, say).
///
/// ```
/// use credoffer::{parse_offer_json, ParseOptions};
/// use credoffer::compat::Source;
///
/// let parsed = parse_offer_json(
///     r#"{"credential_issuer":"https://issuer.example.com","credentials":["UniversityDegree"],
///         "grants":{"urn:ietf:params:oauth:grant-type:pre-authorized_code":
///                   {"pre-authorized_code":"adhjhdjajkdkhjhdj","user_pin_required":true}}}"#,
///     &ParseOptions::default(),
/// )?;
/// assert_eq!(parsed.source, Source::Draft11);
/// assert_eq!(parsed.offer.credential_configuration_ids, ["UniversityDegree"]);
/// assert!(parsed.offer.pre_authorized_code_grant().unwrap().tx_code.is_some());
/// # Ok::<(), credoffer::Error>(())
/// ```
pub fn parse_offer_json(json: &str, options: &ParseOptions) -> Result<ParsedOffer> {
    let limits = &options.limits;
    if json.len() > limits.max_json_bytes {
        return Err(Error::new(
            ErrorKind::LimitExceeded,
            format!("the offer JSON is {} bytes; the limit is {}", json.len(), limits.max_json_bytes),
        ));
    }
    if json_depth_exceeds(json, limits.max_depth) {
        return Err(Error::new(
            ErrorKind::LimitExceeded,
            format!("the offer JSON nests deeper than {}", limits.max_depth),
        ));
    }
    let mut raw = RawOffer::default();
    raw.read_json(json).map_err(|e| {
        if let Some(signed) = signed_offer(json) {
            return signed;
        }
        // Told by reading the text again rather than by the error's category: errors come back through the
        // engine's reader as messages (see json_read).
        let message = if json_read::raw(json).is_ok() {
            format!("the offer is not a JSON object of the expected shape: {e}")
        } else {
            format!("the offer is not valid JSON: {e}")
        };
        Error::new(ErrorKind::InvalidJson, message)
    })?;
    read_offer(&mut raw, options)
}

/// The error for an offer sent as a compact JWS (`header.payload.signature`, three base64url parts, the
/// header a JSON object, whose encoding always starts `eyJ`), which some issuers tried although
/// OpenID4VCI defines no signed offer; `None` for other text. Only asked once a text failed to read as
/// JSON, so the shape alone decides: decoding the header would add a base64 decoder to small builds
/// for an error message.
pub(crate) fn signed_offer(text: &str) -> Option<Error> {
    let base64url =
        |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    let mut parts = text.trim_ascii().split('.');
    let shaped = parts.next().is_some_and(|header| header.starts_with("eyJ") && base64url(header))
        && parts.next().is_some_and(base64url)
        && parts.next().is_some_and(|signature| signature.is_empty() || base64url(signature))
        && parts.next().is_none();
    shaped.then(|| {
        Error::new(
            ErrorKind::SignedOffer,
            "the offer is a signed JWT; OpenID4VCI credential offers are plain JSON objects and are never signed",
        )
    })
}

/// Reads an offer already parsed into a JSON object, as [`parse_offer_json`] reads its text (limits
/// included). Its numbers are what the `Value` holds.
pub fn parse_offer_object(members: Map<String, Value>, options: &ParseOptions) -> Result<ParsedOffer> {
    parse_offer_json(&Value::Object(members).to_string(), options)
}

/// Takes what it needs out of the slots (which are hundreds of bytes; they are not moved whole).
fn read_offer(raw: &mut RawOffer, options: &ParseOptions) -> Result<ParsedOffer> {
    let mut warnings = Vec::new();
    let mut findings = Findings { strict: options.strict, warnings: &mut warnings };
    let mut members = std::mem::take(&mut raw.others);

    // Beside credential_issuer, a draft 9 `issuer` is just an unknown member: it stays among them.
    let (credential_issuer, from_issuer) = match string_value(&mut raw.credential_issuer, "credential_issuer", "")? {
        Some(credential_issuer) => (credential_issuer, false),
        None => match take_string(&mut members, "issuer")? {
            Some(issuer) => (issuer, true),
            None => {
                return Err(
                    Error::new(ErrorKind::MissingField, "the offer has no credential_issuer").at("credential_issuer")
                );
            }
        },
    };

    let ids = raw
        .credential_configuration_ids
        .as_mut()
        .map(|v| string_list(v, "credential_configuration_ids"))
        .transpose()?;
    let credentials = raw.credentials.as_mut().map(read_credentials).transpose()?;
    let mut shape = Shape { ids_member: ids.is_some(), credentials_member: credentials.is_some(), ..Shape::default() };
    let (credential_configuration_ids, legacy_credentials) = match (ids, credentials) {
        (Some(ids), Some((listed, legacy))) => {
            if listed != ids {
                findings.note(
                    Warning::new(
                        WarningCode::HybridListsDiffer,
                        "credentials and credential_configuration_ids differ; credential_configuration_ids is used",
                    )
                    .at("credentials"),
                );
            }
            (ids, legacy)
        }
        (Some(ids), None) => (ids, Vec::new()),
        (None, Some((listed, legacy))) => (listed, legacy),
        (None, None) => {
            return Err(Error::new(ErrorKind::MissingField, "the offer names no credentials")
                .at("credential_configuration_ids"));
        }
    };
    let grants = match &mut raw.grants {
        Some(Member::Object(grants)) => Some(read_grants(grants, &mut shape)?),
        Some(Member::Other(Plain::Null)) | None => None,
        Some(Member::Other(_)) => {
            return Err(Error::new(ErrorKind::InvalidType, "grants must be an object").at("grants"));
        }
    };
    let mut offer = CredentialOffer {
        credential_issuer,
        credential_configuration_ids,
        legacy_credentials,
        grants,
        extensions: JsonMembers::new(),
    };
    lift_draft9_members(&mut members, &mut offer, &mut shape, from_issuer, &mut findings)?;
    lift_misplaced_issuer_state(&mut members, &mut offer, &mut findings)?;
    offer.extensions = members;

    let source = if from_issuer { Source::Draft9 } else { shape.classify() };
    if !matches!(source, Source::V1 | Source::Hybrid) {
        findings.note(Warning::new(
            WarningCode::LegacyShape,
            format!("the offer has the {source} shape; it was read into the 1.0 model"),
        ));
    }
    offer.check(options.allow_insecure_http, &options.limits, &mut findings)?;
    Ok(ParsedOffer { offer, source, warnings, legacy_pin: shape.legacy_pin })
}

/// What the grants looked like, for classification.
#[derive(Default)]
struct Shape {
    user_pin_required: bool,
    /// The tx_code comes from `user_pin_required: true`.
    legacy_pin: bool,
    tx_code: bool,
    interval: bool,
    ids_member: bool,
    credentials_member: bool,
}

impl Shape {
    /// The generation of an offer that names its issuer `credential_issuer` (see the module table).
    fn classify(&self) -> Source {
        match (self.credentials_member, self.ids_member) {
            (true, true) => Source::Hybrid,
            (true, false) if self.tx_code => Source::Draft13,
            (true, false) if self.interval => Source::Draft12,
            (true, false) => Source::Draft11,
            (false, _) if self.user_pin_required || self.interval => Source::Draft13,
            (false, _) => Source::V1,
        }
    }
}

// The readers below take values out of the slots through `&mut`, sparing copies of the values.

fn read_credentials(credentials: &mut RawCredentials) -> Result<(Vec<String>, Vec<JsonValue>)> {
    match credentials {
        RawCredentials::Entries { ids, legacy } => Ok((std::mem::take(ids), std::mem::take(legacy))),
        RawCredentials::OtherEntry(index) => {
            Err(Error::new(ErrorKind::InvalidType, "a credentials entry must be a string or an object")
                .at(format!("credentials[{index}]")))
        }
        RawCredentials::NotArray => {
            Err(Error::new(ErrorKind::InvalidType, "credentials must be an array").at("credentials"))
        }
    }
}

fn string_list(value: &mut Plain, field: &str) -> Result<Vec<String>> {
    let Plain::Array(entries) = value else {
        return Err(Error::new(ErrorKind::InvalidType, format!("{field} must be an array of strings")).at(field));
    };
    let mut ids = Vec::with_capacity(entries.len());
    for (index, entry) in entries.iter_mut().enumerate() {
        let Plain::String(id) = entry else {
            return Err(Error::new(ErrorKind::InvalidType, "an id must be a string").at(format!("{field}[{index}]")));
        };
        ids.push(std::mem::take(id));
    }
    Ok(ids)
}

/// Takes a top-level member out of the kept ones (draft 9's grant parameters), read by `read`; absent and
/// `null` are `None`, any other JSON is a type error.
fn take_member<T>(
    members: &mut JsonMembers,
    name: &str,
    what: &str,
    read: impl FnOnce(&JsonValue) -> Option<T>,
) -> Result<Option<T>> {
    match members.remove(name) {
        None => Ok(None),
        Some(value) if value.is_null() => Ok(None),
        Some(value) => match read(&value) {
            Some(value) => Ok(Some(value)),
            None => Err(Error::new(ErrorKind::InvalidType, format!("{name} must be {what}")).at(name)),
        },
    }
}

fn take_string(members: &mut JsonMembers, name: &str) -> Result<Option<String>> {
    take_member(members, name, "a string", JsonValue::to_str)
}

/// A string member's value; absent and `null` are `None`.
fn string_value(value: &mut Option<Plain>, name: &str, parent: &str) -> Result<Option<String>> {
    match value {
        None | Some(Plain::Null) => Ok(None),
        Some(Plain::String(value)) => Ok(Some(std::mem::take(value))),
        Some(_) => {
            Err(Error::new(ErrorKind::InvalidType, format!("{name} must be a string")).at(member_path(parent, name)))
        }
    }
}

/// A boolean member's value; absent and `null` are `None`.
fn bool_value(value: Option<Plain>, name: &str, parent: &str) -> Result<Option<bool>> {
    match value {
        None | Some(Plain::Null) => Ok(None),
        Some(Plain::Bool(value)) => Ok(Some(value)),
        Some(_) => {
            Err(Error::new(ErrorKind::InvalidType, format!("{name} must be a boolean")).at(member_path(parent, name)))
        }
    }
}

fn read_grants(grants: &mut RawGrants, shape: &mut Shape) -> Result<Grants> {
    let authorization_code = match &mut grants.authorization_code {
        None => None,
        Some(Member::Object(grant)) => Some(AuthorizationCodeGrant {
            issuer_state: string_value(&mut grant.issuer_state, "issuer_state", AUTH_CODE_FIELD)?,
            authorization_server: string_value(
                &mut grant.authorization_server,
                "authorization_server",
                AUTH_CODE_FIELD,
            )?,
            extensions: std::mem::take(&mut grant.others),
        }),
        Some(Member::Other(_)) => {
            return Err(Error::new(ErrorKind::InvalidType, "the grant must be an object").at(AUTH_CODE_FIELD));
        }
    };
    let pre_authorized_code = match &mut grants.pre_authorized_code {
        None => None,
        Some(Member::Object(grant)) => Some(read_pre_authorized_grant(grant, shape)?),
        Some(Member::Other(_)) => {
            return Err(Error::new(ErrorKind::InvalidType, "the grant must be an object").at(PRE_AUTH_FIELD));
        }
    };
    Ok(Grants { authorization_code, pre_authorized_code, other: std::mem::take(&mut grants.others) })
}

fn read_pre_authorized_grant(grant: &mut RawPreAuthorized, shape: &mut Shape) -> Result<PreAuthorizedCodeGrant> {
    let pre_authorized_code = string_value(&mut grant.pre_authorized_code, "pre-authorized_code", PRE_AUTH_FIELD)?
        .ok_or_else(|| {
            Error::new(ErrorKind::MissingField, "the pre-authorized code grant has no pre-authorized_code")
                .at(member_path(PRE_AUTH_FIELD, "pre-authorized_code"))
        })?;
    let tx_code = match &mut grant.tx_code {
        None | Some(Member::Other(Plain::Null)) => None,
        Some(Member::Object(tx_code)) => Some(read_tx_code(tx_code)?),
        Some(Member::Other(_)) => {
            return Err(Error::new(ErrorKind::InvalidType, "tx_code must be an object")
                .at(member_path(PRE_AUTH_FIELD, "tx_code")));
        }
    };
    shape.tx_code |= tx_code.is_some();
    let pin_required = bool_value(grant.user_pin_required.take(), "user_pin_required", PRE_AUTH_FIELD)?;
    shape.user_pin_required |= pin_required.is_some();
    shape.interval |= grant.others.contains_key("interval");
    shape.legacy_pin |= tx_code.is_none() && pin_required == Some(true);
    let tx_code = tx_code.or_else(|| pin_required.filter(|&required| required).map(|_| legacy_pin()));
    let authorization_server = string_value(&mut grant.authorization_server, "authorization_server", PRE_AUTH_FIELD)?;
    let extensions = std::mem::take(&mut grant.others);
    Ok(PreAuthorizedCodeGrant { pre_authorized_code, tx_code, authorization_server, extensions })
}

/// The tx_code equivalent of `user_pin_required: true`: numeric, at most 8 digits (the limit is
/// [`ParsedOffer::legacy_pin`], which the wallet helpers apply).
fn legacy_pin() -> TxCode {
    TxCode { input_mode: Some(InputMode::Numeric), ..TxCode::default() }
}

fn read_tx_code(tx_code: &mut RawTxCode) -> Result<TxCode> {
    let input_mode = match string_value(&mut tx_code.input_mode, "input_mode", TX_CODE_FIELD)? {
        None => None,
        Some(mode) => Some(InputMode::parse(&mode).ok_or_else(|| {
            Error::new(ErrorKind::InvalidTxCode, format!("input_mode {mode:?} is neither numeric nor text"))
                .at(member_path(TX_CODE_FIELD, "input_mode"))
        })?),
    };
    let length = match tx_code.length.take() {
        None | Some(Plain::Null) => None,
        Some(Plain::Number(n)) => Some(n.and_then(|n| u32::try_from(n).ok()).ok_or_else(|| {
            Error::new(ErrorKind::InvalidTxCode, "tx_code.length must be a non-negative integer")
                .at(member_path(TX_CODE_FIELD, "length"))
        })?),
        Some(_) => {
            return Err(Error::new(ErrorKind::InvalidType, "tx_code.length must be an integer")
                .at(member_path(TX_CODE_FIELD, "length")));
        }
    };
    let description = string_value(&mut tx_code.description, "description", TX_CODE_FIELD)?;
    Ok(TxCode { input_mode, length, description, extensions: std::mem::take(&mut tx_code.others) })
}

/// Draft 9 put the grant parameters at the top level. Where the offer's `grants` hold that grant already,
/// the top-level parameters cannot be moved, and saying so is a violation: they are not kept.
fn lift_draft9_members(
    members: &mut JsonMembers,
    offer: &mut CredentialOffer,
    shape: &mut Shape,
    from_issuer: bool,
    findings: &mut Findings<'_>,
) -> Result<()> {
    if !from_issuer {
        return Ok(());
    }
    let code = take_string(members, "pre-authorized_code")?;
    let pin_required = take_member(members, "user_pin_required", "a boolean", JsonValue::to_bool)?;
    shape.user_pin_required |= pin_required.is_some();
    let op_state = take_string(members, "op_state")?;
    let not_moved = |member: &str, reason: &str| {
        Error::new(ErrorKind::MisplacedMember, format!("{member} at the top level (draft 9) is ignored: {reason}"))
            .at(member.to_owned())
    };
    let had_code_grant = offer.pre_authorized_code_grant().is_some();
    match code {
        Some(_) if had_code_grant => {
            findings.violation(not_moved("pre-authorized_code", "the offer's grants hold a pre-authorized code"))?;
        }
        Some(code) => {
            shape.legacy_pin |= pin_required == Some(true);
            offer.grants.get_or_insert_with(Grants::default).pre_authorized_code = Some(PreAuthorizedCodeGrant {
                pre_authorized_code: code,
                tx_code: pin_required.filter(|&required| required).map(|_| legacy_pin()),
                ..PreAuthorizedCodeGrant::default()
            });
        }
        None => {}
    }
    // Only a PIN that is asked for matters when it cannot be attached: `false` is the default anyway.
    if pin_required == Some(true) && (had_code_grant || offer.pre_authorized_code_grant().is_none()) {
        let reason = if had_code_grant {
            "it cannot join the pre-authorized code grant the offer's grants hold"
        } else {
            "the offer has no pre-authorized code for it"
        };
        findings.violation(not_moved("user_pin_required", reason))?;
    }
    if let Some(state) = op_state {
        let grant = offer
            .grants
            .get_or_insert_with(Grants::default)
            .authorization_code
            .get_or_insert_with(AuthorizationCodeGrant::default);
        if grant.issuer_state.is_some() {
            findings.violation(not_moved("op_state", "the authorization code grant has an issuer_state"))?;
        } else {
            grant.issuer_state = Some(state);
        }
    }
    Ok(())
}

/// Draft 11's by-value examples put `issuer_state` at the top level, outside any grant.
fn lift_misplaced_issuer_state(
    members: &mut JsonMembers,
    offer: &mut CredentialOffer,
    findings: &mut Findings<'_>,
) -> Result<()> {
    if !members.contains_key("issuer_state") {
        return Ok(());
    }
    let grant_has_one = offer
        .grants
        .as_ref()
        .and_then(|grants| grants.authorization_code.as_ref())
        .is_some_and(|grant| grant.issuer_state.is_some());
    let message = if grant_has_one {
        "issuer_state belongs in the authorization_code grant, which has one already; this one is ignored"
    } else {
        "issuer_state belongs in the authorization_code grant; it was moved there"
    };
    findings.violation(Error::new(ErrorKind::MisplacedMember, message).at("issuer_state"))?;
    let Some(state) = take_string(members, "issuer_state")? else { return Ok(()) };
    offer
        .grants
        .get_or_insert_with(Grants::default)
        .authorization_code
        .get_or_insert_with(AuthorizationCodeGrant::default)
        .issuer_state
        .get_or_insert(state);
    Ok(())
}

/// Draft 8: the offer is the query itself (`issuer`, `credential_type`…, `pre-authorized_code`,
/// `user_pin_required`, `op_state`).
pub(crate) fn parse_draft8_params(params: &QueryParams<'_>, options: &ParseOptions) -> Result<ParsedOffer> {
    for name in ["issuer", "pre-authorized_code", "user_pin_required", "op_state"] {
        params.single(name)?; // only credential_type may repeat
    }
    let mut warnings = Vec::new();
    let mut findings = Findings { strict: options.strict, warnings: &mut warnings };
    let mut decode = |name: &str| -> Result<Vec<String>> {
        let mut values = Vec::new();
        for raw in params.all(name) {
            values.push(decode_value(raw, name, options.plus, &mut findings)?.into_owned());
        }
        Ok(values)
    };
    let credential_issuer = decode("issuer")?.into_iter().next().unwrap_or_default();
    let credential_configuration_ids = decode("credential_type")?;
    let code = decode("pre-authorized_code")?.into_iter().next();
    let pin_required = match decode("user_pin_required")?.into_iter().next().as_deref() {
        None | Some("false") => false,
        Some("true") => true,
        // Read as false, a "1" or "True" would drop the PIN prompt the issuer asked for.
        Some(_) => {
            return Err(
                Error::new(ErrorKind::InvalidType, "user_pin_required must be true or false").at("user_pin_required")
            );
        }
    };
    let op_state = decode("op_state")?.into_iter().next();
    let mut offer = CredentialOffer { credential_issuer, credential_configuration_ids, ..CredentialOffer::default() };
    if code.is_some() || op_state.is_some() {
        let grants = offer.grants.get_or_insert_with(Grants::default);
        grants.pre_authorized_code = code.map(|pre_authorized_code| PreAuthorizedCodeGrant {
            pre_authorized_code,
            tx_code: pin_required.then(legacy_pin),
            ..PreAuthorizedCodeGrant::default()
        });
        grants.authorization_code = op_state
            .map(|state| AuthorizationCodeGrant { issuer_state: Some(state), ..AuthorizationCodeGrant::default() });
    }
    findings
        .note(Warning::new(WarningCode::LegacyShape, "the offer has the draft8 shape; it was read into the 1.0 model"));
    offer.check(options.allow_insecure_http, &options.limits, &mut findings)?;
    let legacy_pin = pin_required && offer.pre_authorized_code_grant().is_some();
    Ok(ParsedOffer { offer, source: Source::Draft8, warnings, legacy_pin })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialect::Dialect;

    #[test]
    fn an_object_reads_as_its_json_does() {
        let json =
            r#"{"issuer":"https://i.example","credentials":["a"],"pre-authorized_code":"c","user_pin_required":true}"#;
        let Ok(Value::Object(members)) = serde_json::from_str(json) else { panic!("an object") };
        let options = ParseOptions::default();
        let from_object = parse_offer_object(members, &options).unwrap();
        assert_eq!(from_object, parse_offer_json(json, &options).unwrap());
        assert_eq!(from_object.source, Source::Draft9);
        assert!(from_object.legacy_pin);
    }

    #[test]
    fn extension_numbers_are_written_back_as_they_came() {
        for numbers in [
            // Decimals that a best-effort float reader takes one unit off in the last place.
            r#""x":929036415920487.5,"y":8419632027295700.0,"z":1.0715660391465826e-75"#,
            // Beyond 64-bit integers and doubles, and forms a double would rewrite.
            r#""id":123456789012345678901234567890,"precise":0.1000000000000000055511151231257827,"price":1.10,"zero":-0"#,
        ] {
            let json = format!(
                r#"{{"credential_issuer":"https://i.example","credential_configuration_ids":["a"],{numbers}}}"#
            );
            let parsed = parse_offer_json(&json, &ParseOptions::default()).unwrap();
            let written = parsed.offer.to_json_lenient(Dialect::V1).unwrap();
            assert!(written.contains(numbers), "{written}");
        }
    }
}
