//! The Credential Offer model and its one validation path.
//!
//! A [`CredentialOffer`] holds what OpenID4VCI 1.0 §4.1.1 defines — the issuer, the credential
//! configuration ids and the grants — plus every member the spec does not define, kept as it came
//! ("the Wallet MUST ignore any unrecognized parameters", so issuers may add their own). Building
//! ([`OfferBuilder`]) and parsing ([`crate::parse_offer_json`]) both end in [`CredentialOffer::validate`],
//! so an offer the builder accepts is one the parser accepts, and the other way round in strict mode.

use std::fmt;

use crate::error::{Error, ErrorKind, Findings, Result, Warning, WarningCode, member_path};
use crate::json::{JsonMembers, JsonValue};
use crate::limits::Limits;
use crate::url::{UrlRole, check_https_url};

/// The grant type identifier of the Pre-Authorized Code Flow.
pub const PRE_AUTHORIZED_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:pre-authorized_code";
/// The grant type identifier of the Authorization Code Flow.
pub const AUTHORIZATION_CODE_GRANT: &str = "authorization_code";
/// The longest `tx_code.description` the spec allows, counted in UTF-16 code units.
pub const MAX_DESCRIPTION_UTF16: usize = 300;

pub(crate) const PRE_AUTH_FIELD: &str = "grants.urn:ietf:params:oauth:grant-type:pre-authorized_code";
pub(crate) const AUTH_CODE_FIELD: &str = "grants.authorization_code";
pub(crate) const TX_CODE_FIELD: &str = "grants.urn:ietf:params:oauth:grant-type:pre-authorized_code.tx_code";

/// A Credential Offer (OpenID4VCI 1.0 §4.1.1).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CredentialOffer {
    /// The Credential Issuer identifier, kept byte for byte.
    pub credential_issuer: String,
    /// Keys of the issuer's `credential_configurations_supported`.
    pub credential_configuration_ids: Vec<String>,
    /// Inline credential descriptions (objects with a `format`) of drafts 9 and 11. They have no id in
    /// later drafts; the parser keeps them here instead of dropping them. Empty for modern offers.
    pub legacy_credentials: Vec<JsonValue>,
    /// The grants, or `None` when the offer has no `grants` member.
    pub grants: Option<Grants>,
    /// Members the spec does not define (MATTR's `request_parameters`, profile fields), kept verbatim.
    pub extensions: JsonMembers,
}

/// The `grants` member.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Grants {
    /// The `authorization_code` grant.
    pub authorization_code: Option<AuthorizationCodeGrant>,
    /// The `urn:ietf:params:oauth:grant-type:pre-authorized_code` grant.
    pub pre_authorized_code: Option<PreAuthorizedCodeGrant>,
    /// Grant types the spec does not define, kept verbatim.
    pub other: JsonMembers,
}

/// The `authorization_code` grant.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AuthorizationCodeGrant {
    /// Opaque value the wallet must send back as `issuer_state` in its Authorization Request.
    pub issuer_state: Option<String>,
    /// Which of the metadata's `authorization_servers` to use.
    pub authorization_server: Option<String>,
    /// Members the spec does not define, kept verbatim.
    pub extensions: JsonMembers,
}

/// The pre-authorized code grant.
#[derive(Clone, PartialEq, Default)]
pub struct PreAuthorizedCodeGrant {
    /// The pre-authorized code: a bearer secret, redacted from `Debug`.
    pub pre_authorized_code: String,
    /// Present when the token request must carry a transaction code (even when empty).
    pub tx_code: Option<TxCode>,
    /// Which of the metadata's `authorization_servers` to use.
    pub authorization_server: Option<String>,
    /// Members the spec does not define (draft 12's `interval`, say), kept verbatim.
    pub extensions: JsonMembers,
}

impl fmt::Debug for PreAuthorizedCodeGrant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PreAuthorizedCodeGrant")
            .field("pre_authorized_code", &"[redacted]")
            .field("tx_code", &self.tx_code)
            .field("authorization_server", &self.authorization_server)
            .field("extensions", &self.extensions)
            .finish()
    }
}

/// The `tx_code` object: what the wallet should ask the user for.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TxCode {
    /// `numeric` or `text`; `None` means absent, which the spec reads as numeric.
    pub input_mode: Option<InputMode>,
    /// The code's length, to help the wallet render its input.
    pub length: Option<u32>,
    /// Guidance for the user, at most 300 UTF-16 code units.
    pub description: Option<String>,
    /// Members the spec does not define, kept as they came.
    pub extensions: JsonMembers,
}

impl TxCode {
    /// The input mode in effect: the given one, or numeric (the spec's default).
    pub fn effective_input_mode(&self) -> InputMode {
        self.input_mode.unwrap_or(InputMode::Numeric)
    }
}

/// The character set of a transaction code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum InputMode {
    /// Digits only (the default).
    #[default]
    Numeric,
    /// Any characters.
    Text,
}

impl InputMode {
    /// The wire value: `"numeric"` or `"text"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            InputMode::Numeric => "numeric",
            InputMode::Text => "text",
        }
    }

    /// Reads a wire value; `None` for anything but `numeric` and `text`.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "numeric" => Some(InputMode::Numeric),
            "text" => Some(InputMode::Text),
            _ => None,
        }
    }
}

/// How strictly [`CredentialOffer::validate`] reads an offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Validation {
    /// Every spec violation is an error. Off: harmless violations become warnings.
    pub strict: bool,
    /// Accept `http` URLs. Meant for local testing only.
    pub allow_insecure_http: bool,
}

impl Validation {
    /// Makes every spec violation an error.
    pub fn strict(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }

    /// Accepts `http` URLs (local testing only).
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }
}

impl CredentialOffer {
    /// Starts an offer for `credential_issuer`.
    ///
    /// ```
    /// use credoffer::CredentialOffer;
    /// use credoffer::offer::{TxCode, InputMode};
    ///
    /// let offer = CredentialOffer::builder("https://issuer.example.com")
    ///     .credential_configuration_id("org.iso.18013.5.1.mDL")
    ///     .pre_authorized_code("oaKazRN8I0IbtZ0C7JuMn5")
    ///     .tx_code(TxCode { input_mode: Some(InputMode::Numeric), length: Some(6), ..TxCode::default() })
    ///     .build()?;
    /// assert_eq!(offer.credential_configuration_ids, ["org.iso.18013.5.1.mDL"]);
    /// # Ok::<(), credoffer::Error>(())
    /// ```
    pub fn builder(credential_issuer: impl Into<String>) -> OfferBuilder {
        OfferBuilder::new(credential_issuer)
    }

    /// The pre-authorized code grant, if offered.
    pub fn pre_authorized_code_grant(&self) -> Option<&PreAuthorizedCodeGrant> {
        self.grants.as_ref()?.pre_authorized_code.as_ref()
    }

    /// The authorization code grant, if offered.
    pub fn authorization_code_grant(&self) -> Option<&AuthorizationCodeGrant> {
        self.grants.as_ref()?.authorization_code.as_ref()
    }

    /// Checks every rule of OpenID4VCI 1.0 §4.1.1 and returns the warnings of a lenient reading.
    ///
    /// Errors are the rules no reading can excuse (no issuer, no ids, a blank pre-authorized code);
    /// violations a wallet can live with (an over-long description) are warnings unless
    /// `validation.strict` is set.
    pub fn validate(&self, validation: Validation) -> Result<Vec<Warning>> {
        let mut warnings = Vec::new();
        let mut findings = Findings { strict: validation.strict, warnings: &mut warnings };
        self.check(validation.allow_insecure_http, &Limits::default(), &mut findings)?;
        Ok(warnings)
    }

    pub(crate) fn check(&self, allow_insecure_http: bool, limits: &Limits, findings: &mut Findings<'_>) -> Result<()> {
        self.check_member_names()?;
        check_https_url(&self.credential_issuer, "credential_issuer", allow_insecure_http, UrlRole::Issuer)?;
        self.check_ids(limits, findings)?;
        if let Some(grants) = &self.grants {
            check_grants(grants, findings)?;
        }
        Ok(())
    }

    fn check_ids(&self, limits: &Limits, findings: &mut Findings<'_>) -> Result<()> {
        let ids = &self.credential_configuration_ids;
        if ids.is_empty() && !self.legacy_credentials.is_empty() {
            findings.note(
                Warning::new(
                    WarningCode::LegacyCredentialDescription,
                    "the offer describes its credentials inline (draft 11) instead of naming configuration ids; \
                     they stay unresolved until the issuer's metadata names them",
                )
                .at("credentials"),
            );
            return Ok(());
        }
        match configuration_id_problems(ids, "credential_configuration_ids", limits.max_credential_configuration_ids)
            .into_iter()
            .next()
        {
            Some(problem) => Err(problem),
            None => Ok(()),
        }
    }
}

/// The rules of a list of credential configuration ids, for offers (`credential_configuration_ids`, which
/// stop at the first problem) and issuer requests (`credentials`, which list them all): not empty, not
/// longer than `max`, no blank and no repeated id. Each problem names its entry and carries the value.
pub(crate) fn configuration_id_problems(ids: &[String], field: &str, max: usize) -> Vec<Error> {
    if ids.is_empty() {
        let error = Error::new(
            ErrorKind::EmptyCredentialConfigurationIds,
            format!("{field} names no credential configuration"),
        );
        return vec![error.at(field).with_json_value(JsonValue::empty_array())];
    }
    // Each id is compared with every other: more than `max` would let one input buy quadratic work.
    if ids.len() > max {
        let error =
            Error::new(ErrorKind::LimitExceeded, format!("{field} names more than {max} credential configurations"));
        return vec![error.at(field)];
    }
    let mut problems = Vec::new();
    for (index, id) in ids.iter().enumerate() {
        if is_blank(id) {
            problems.push(blank_entry(field, index, id));
        } else if ids.iter().take(index).any(|earlier| earlier == id) {
            problems.push(
                Error::new(
                    ErrorKind::DuplicateCredentialConfigurationId,
                    format!("{id:?} appears more than once in {field}"),
                )
                .at(format!("{field}[{index}]"))
                .with_json_value(JsonValue::string(id)),
            );
        }
    }
    problems
}

/// The rule of string lists: no entry is empty or only white space.
pub(crate) fn blank_entry_problems(entries: &[String], field: &str) -> Vec<Error> {
    let mut problems = Vec::new();
    for (index, entry) in entries.iter().enumerate() {
        if is_blank(entry) {
            problems.push(blank_entry(field, index, entry));
        }
    }
    problems
}

/// The problem of a blank entry of a string list, one message wherever the rule applies.
pub(crate) fn blank_entry(field: &str, index: usize, entry: &str) -> Error {
    Error::new(ErrorKind::BlankValue, format!("an entry of {field} is blank"))
        .at(format!("{field}[{index}]"))
        .with_json_value(JsonValue::string(entry))
}

/// The rule of a transaction code's description: at most [`MAX_DESCRIPTION_UTF16`] UTF-16 code units
/// (OpenID4VCI 1.0 §4.1.1). The caller names the field (the offer's or the request's), only when there
/// is a problem: this runs on every parse and write.
pub(crate) fn description_problem(description: &str) -> Option<Error> {
    // A string has no more UTF-16 code units than UTF-8 bytes: short ones need no count.
    if description.len() <= MAX_DESCRIPTION_UTF16 {
        return None;
    }
    let units = description.encode_utf16().count();
    (units > MAX_DESCRIPTION_UTF16).then(|| {
        Error::new(
            ErrorKind::DescriptionTooLong,
            format!("the description has {units} UTF-16 code units; the limit is {MAX_DESCRIPTION_UTF16}"),
        )
    })
}

fn check_grants(grants: &Grants, findings: &mut Findings<'_>) -> Result<()> {
    if let Some(grant) = &grants.authorization_code {
        if grant.issuer_state.as_deref().is_some_and(is_blank) {
            findings.violation(
                Error::new(ErrorKind::BlankValue, "issuer_state is blank")
                    .at(format!("{AUTH_CODE_FIELD}.issuer_state")),
            )?;
        }
        check_authorization_server(grant.authorization_server.as_deref(), AUTH_CODE_FIELD, findings)?;
    }
    if let Some(grant) = &grants.pre_authorized_code {
        if is_blank(&grant.pre_authorized_code) {
            return Err(Error::new(ErrorKind::BlankValue, "the pre-authorized code is blank")
                .at(format!("{PRE_AUTH_FIELD}.pre-authorized_code")));
        }
        if let Some(tx_code) = &grant.tx_code {
            check_tx_code(tx_code, findings)?;
        }
        check_authorization_server(grant.authorization_server.as_deref(), PRE_AUTH_FIELD, findings)?;
    }
    Ok(())
}

/// Extension members (of the object at `parent`, "" for the top level) may not reuse a name the model
/// writes itself: the JSON would hold it twice.
fn check_model_names(extensions: &JsonMembers, defined: &[&str], parent: &str) -> Result<()> {
    if extensions.is_empty() {
        return Ok(()); // nearly always, and checked on every parse
    }
    match defined.iter().find(|name| extensions.contains_key(name)) {
        Some(name) => Err(Error::new(
            ErrorKind::InvalidType,
            format!("{name} is part of the offer model and cannot be set as an extension"),
        )
        .at(member_path(parent, name))),
        None => Ok(()),
    }
}

fn check_authorization_server(server: Option<&str>, grant_field: &str, findings: &mut Findings<'_>) -> Result<()> {
    match server {
        Some(server) if is_blank(server) => findings.violation(
            Error::new(ErrorKind::BlankValue, "authorization_server is blank")
                .at(format!("{grant_field}.authorization_server")),
        ),
        _ => Ok(()),
    }
}

fn check_tx_code(tx_code: &TxCode, findings: &mut Findings<'_>) -> Result<()> {
    if tx_code.length == Some(0) {
        findings.violation(
            Error::new(ErrorKind::InvalidTxCode, "tx_code.length must be at least 1")
                .at(format!("{PRE_AUTH_FIELD}.tx_code.length")),
        )?;
    }
    if let Some(problem) = tx_code
        .description
        .as_deref()
        .and_then(description_problem)
        .map(|problem| problem.at(format!("{PRE_AUTH_FIELD}.tx_code.description")))
    {
        findings.violation(problem)?;
    }
    Ok(())
}

/// Empty, or only white space.
pub(crate) fn is_blank(value: &str) -> bool {
    value.trim().is_empty()
}

/// Builds a [`CredentialOffer`] and validates it strictly, through the same checks the parser runs.
#[derive(Debug, Clone)]
pub struct OfferBuilder {
    offer: CredentialOffer,
    allow_insecure_http: bool,
}

impl OfferBuilder {
    /// Starts an offer for `credential_issuer`.
    pub fn new(credential_issuer: impl Into<String>) -> Self {
        Self {
            offer: CredentialOffer { credential_issuer: credential_issuer.into(), ..CredentialOffer::default() },
            allow_insecure_http: false,
        }
    }

    /// Adds a credential configuration id.
    #[must_use]
    pub fn credential_configuration_id(mut self, id: impl Into<String>) -> Self {
        self.offer.credential_configuration_ids.push(id.into());
        self
    }

    /// Adds several credential configuration ids.
    #[must_use]
    pub fn credential_configuration_ids<I, S>(mut self, ids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.offer.credential_configuration_ids.extend(ids.into_iter().map(Into::into));
        self
    }

    fn grants(&mut self) -> &mut Grants {
        self.offer.grants.get_or_insert_with(Grants::default)
    }

    /// Offers the authorization code grant, with an optional `issuer_state`.
    #[must_use]
    pub fn authorization_code(mut self, issuer_state: Option<String>) -> Self {
        let grant = self.grants().authorization_code.get_or_insert_with(AuthorizationCodeGrant::default);
        grant.issuer_state = issuer_state;
        self
    }

    /// Names the authorization server of the authorization code grant.
    #[must_use]
    pub fn authorization_code_server(mut self, server: impl Into<String>) -> Self {
        let grant = self.grants().authorization_code.get_or_insert_with(AuthorizationCodeGrant::default);
        grant.authorization_server = Some(server.into());
        self
    }

    /// Offers the pre-authorized code grant with this code.
    #[must_use]
    pub fn pre_authorized_code(mut self, code: impl Into<String>) -> Self {
        let grant = self.grants().pre_authorized_code.get_or_insert_with(PreAuthorizedCodeGrant::default);
        grant.pre_authorized_code = code.into();
        self
    }

    /// Requires a transaction code with the pre-authorized code grant.
    #[must_use]
    pub fn tx_code(mut self, tx_code: TxCode) -> Self {
        let grant = self.grants().pre_authorized_code.get_or_insert_with(PreAuthorizedCodeGrant::default);
        grant.tx_code = Some(tx_code);
        self
    }

    /// Names the authorization server of the pre-authorized code grant.
    #[must_use]
    pub fn pre_authorized_code_server(mut self, server: impl Into<String>) -> Self {
        let grant = self.grants().pre_authorized_code.get_or_insert_with(PreAuthorizedCodeGrant::default);
        grant.authorization_server = Some(server.into());
        self
    }

    /// Sets a member the spec does not define, such as MATTR's `request_parameters`.
    ///
    /// Names the model owns (`credential_issuer`, `credential_configuration_ids`, `grants`, and the
    /// legacy `credentials`) are refused at [`build`](Self::build) so no member can be written twice.
    #[must_use]
    pub fn extension(mut self, name: impl Into<String>, value: JsonValue) -> Self {
        self.offer.extensions.insert(name, value);
        self
    }

    /// Accepts an `http` issuer. Meant for local testing only.
    #[must_use]
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// Validates strictly and returns the offer.
    pub fn build(self) -> Result<CredentialOffer> {
        let mut warnings = Vec::new();
        let mut findings = Findings { strict: true, warnings: &mut warnings };
        self.offer.check(self.allow_insecure_http, &Limits::default(), &mut findings)?;
        Ok(self.offer)
    }
}

/// Member names the model writes itself; an extension may not reuse them.
pub(crate) const RESERVED_MEMBERS: [&str; 4] =
    ["credential_issuer", "credential_configuration_ids", "grants", "credentials"];

impl CredentialOffer {
    /// Extension members may not reuse a name the model writes itself, at any level: the JSON would hold
    /// the member twice (two issuers, say), which readers resolve differently. Checked before anything
    /// else by validation, and by the writers.
    pub(crate) fn check_member_names(&self) -> Result<()> {
        // Readers move a top-level `issuer_state` (draft 11's examples put it there) into the
        // authorization code grant, and strict readers refuse it: as an extension it would not read
        // back as written.
        if self.extensions.contains_key("issuer_state") {
            return Err(Error::new(
                ErrorKind::MisplacedMember,
                "issuer_state belongs in the authorization_code grant, not at the top level",
            )
            .at("issuer_state"));
        }
        check_model_names(&self.extensions, &RESERVED_MEMBERS, "")?;
        let Some(grants) = &self.grants else { return Ok(()) };
        check_model_names(&grants.other, &[AUTHORIZATION_CODE_GRANT, PRE_AUTHORIZED_CODE_GRANT], "grants")?;
        if let Some(grant) = &grants.authorization_code {
            check_model_names(&grant.extensions, &["issuer_state", "authorization_server"], AUTH_CODE_FIELD)?;
        }
        if let Some(grant) = &grants.pre_authorized_code {
            // `user_pin_required` too: written beside a tx_code, it would read back as the legacy PIN flag.
            let defined = ["pre-authorized_code", "tx_code", "authorization_server", "user_pin_required"];
            check_model_names(&grant.extensions, &defined, PRE_AUTH_FIELD)?;
            if let Some(tx_code) = &grant.tx_code {
                check_model_names(&tx_code.extensions, &["input_mode", "length", "description"], TX_CODE_FIELD)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(text: &str) -> JsonValue {
        JsonValue::from_json(text).unwrap()
    }

    fn code_of(result: Result<CredentialOffer>) -> &'static str {
        result.err().map(|e| e.code()).unwrap_or("ok")
    }

    #[test]
    fn names_the_model_writes_cannot_be_smuggled_in_as_extensions() {
        let built = || {
            OfferBuilder::new("https://issuer.example.com")
                .credential_configuration_id("a")
                .pre_authorized_code("code")
                .build()
                .unwrap()
        };
        let strict = Validation { strict: true, allow_insecure_http: false };
        let build = crate::BuildOptions::default();

        let mut two_issuers = built();
        two_issuers.extensions.insert("credential_issuer", json(r#""https://evil.example""#));
        let error = two_issuers.to_uri(&build).unwrap_err();
        assert_eq!((error.code(), error.field()), ("invalid_type", Some("credential_issuer")));
        assert_eq!(two_issuers.validate(strict).unwrap_err().code(), "invalid_type");
        assert_eq!(two_issuers.to_json_lenient(crate::Dialect::V1).unwrap_err().code(), "invalid_type");

        let mut two_grants = built();
        let grants = two_grants.grants.as_mut().unwrap();
        grants.other.insert(PRE_AUTHORIZED_CODE_GRANT, json(r#"{"pre-authorized_code": "other"}"#));
        let error = two_grants.to_uri(&build).unwrap_err();
        assert_eq!(error.field(), Some(format!("grants.{PRE_AUTHORIZED_CODE_GRANT}").as_str()));
    }

    #[test]
    fn issuer_rules() {
        let ok = |issuer: &str| OfferBuilder::new(issuer).credential_configuration_id("a").build();
        assert_eq!(code_of(ok("https://issuer.example.com")), "ok");
        assert_eq!(code_of(ok("https://issuer.example.com/tenant/")), "ok");
        assert_eq!(code_of(ok("https://[::1]:8443/x")), "ok");
        assert_eq!(code_of(ok("https://issuer.example.com:443/a%20b/ü")), "ok");
        assert_eq!(code_of(ok("https://xn--bcher-kva.example/")), "ok");
        for host_confusion in [
            "https://evil.example\\.issuer.example.com",
            "https://issuer.example.com\\@evil.example",
            "https://a:b:443",
            "https://issuer.example.com:99999",
            "https://issuer.example.com:-1",
            "https://i.ex%zzample",
            "https://i.exa\"mple",
            "https://issuer.example.com/<x>",
            "https://issuer.example.com/a%2",
            "https://[::1%25eth0]/",
            "https://[evil.example]/",
            "https://[1]/",
            "https://[dead.beef]/",
            "https://issuer%2Eexample.com",
            "https://evil\u{ff0e}example",
            "https://b\u{fc}cher.example",
        ] {
            assert_eq!(code_of(ok(host_confusion)), "invalid_credential_issuer", "{host_confusion}");
        }
        assert_eq!(code_of(ok("http://issuer.example.com")), "insecure_url");
        assert_eq!(code_of(ok("https://issuer.example.com?x=1")), "invalid_credential_issuer");
        assert_eq!(code_of(ok("https://issuer.example.com#x")), "invalid_credential_issuer");
        assert_eq!(code_of(ok("https://user@issuer.example.com")), "invalid_credential_issuer");
        assert_eq!(code_of(ok("https://")), "invalid_credential_issuer");
        assert_eq!(code_of(ok("https://issuer.example.com:x")), "invalid_credential_issuer");
        assert_eq!(code_of(ok("https://issuer .example.com")), "invalid_credential_issuer");
        assert_eq!(code_of(ok("issuer.example.com")), "invalid_credential_issuer");
        let insecure = OfferBuilder::new("http://localhost:8080").credential_configuration_id("a");
        assert_eq!(code_of(insecure.allow_insecure_http(true).build()), "ok");
    }

    #[test]
    fn id_rules() {
        let build = |ids: &[&str]| {
            OfferBuilder::new("https://i.example").credential_configuration_ids(ids.iter().copied()).build()
        };
        assert_eq!(code_of(build(&[])), "empty_credential_configuration_ids");
        assert_eq!(code_of(build(&["a", "a"])), "duplicate_credential_configuration_id");
        assert_eq!(code_of(build(&["a", " "])), "blank_value");
        let err = build(&["a", "b", "a"]).unwrap_err();
        assert_eq!(err.field(), Some("credential_configuration_ids[2]"));
    }

    #[test]
    fn grant_rules() {
        let base = || OfferBuilder::new("https://i.example").credential_configuration_id("a");
        assert_eq!(code_of(base().pre_authorized_code("  ").build()), "blank_value");
        let long = TxCode { description: Some("é".repeat(301)), ..TxCode::default() };
        assert_eq!(code_of(base().pre_authorized_code("c").tx_code(long).build()), "description_too_long");
        // 150 astral characters are 300 UTF-16 code units: allowed.
        let astral = TxCode { description: Some("😀".repeat(150)), ..TxCode::default() };
        assert_eq!(code_of(base().pre_authorized_code("c").tx_code(astral).build()), "ok");
        let reused =
            TxCode { extensions: [("length".to_owned(), json("6"))].into_iter().collect(), ..TxCode::default() };
        let error = base().pre_authorized_code("c").tx_code(reused).build().unwrap_err();
        assert_eq!(
            (error.code(), error.field()),
            ("invalid_type", Some("grants.urn:ietf:params:oauth:grant-type:pre-authorized_code.tx_code.length"))
        );
        let zero = TxCode { length: Some(0), ..TxCode::default() };
        assert_eq!(code_of(base().pre_authorized_code("c").tx_code(zero).build()), "invalid_tx_code");
        let both = base().pre_authorized_code("c").authorization_code(Some("s".into())).build();
        assert_eq!(code_of(both), "ok");
        assert_eq!(code_of(base().extension("grants", json("null")).build()), "invalid_type");
        assert_eq!(code_of(base().extension("issuer_state", json("null")).build()), "misplaced_member");
    }

    #[test]
    fn lenient_validation_warns() {
        let mut offer = OfferBuilder::new("https://i.example")
            .credential_configuration_id("a")
            .pre_authorized_code("c")
            .build()
            .unwrap();
        if let Some(grant) = offer.grants.as_mut().and_then(|g| g.pre_authorized_code.as_mut()) {
            grant.tx_code = Some(TxCode { description: Some("x".repeat(301)), ..TxCode::default() });
        }
        let warnings = offer.validate(Validation::default()).unwrap();
        assert_eq!(warnings.len(), 1);
        assert_eq!(warnings[0].code(), "description_too_long");
        let strict = offer.validate(Validation { strict: true, ..Validation::default() });
        assert_eq!(strict.unwrap_err().kind(), ErrorKind::DescriptionTooLong);
    }

    #[test]
    fn warnings_serialise_as_bindings_hand_them_out() {
        let with_field = Warning::new(WarningCode::Violation(ErrorKind::BlankValue), "blank").at("issuer_state");
        let without = Warning::new(WarningCode::LegacyShape, "old");
        assert_eq!(
            serde_json::to_string(&[with_field, without]).unwrap(),
            r#"[{"code":"blank_value","message":"blank","field":"issuer_state"},{"code":"legacy_shape","message":"old"}]"#
        );
    }

    #[test]
    fn debug_redacts_the_code() {
        let grant = PreAuthorizedCodeGrant { pre_authorized_code: "s3cret".into(), ..Default::default() };
        let debug = format!("{grant:?}");
        assert!(!debug.contains("s3cret"));
        assert!(debug.contains("[redacted]"));
    }
}
