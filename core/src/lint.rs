//! The interop lint: offers that OpenID4VCI allows but that wallets in the field fail on or that are
//! unsafe to hand out, and the extra rules of deployment profiles.
//!
//! Every finding is a [`Warning`] with a stable code from the closed list and the evidence it rests on
//! ([`Warning::evidence`]). The lint refuses nothing the spec accepts: an offer it cannot read, or one
//! that breaks the spec, is an [`Error`] as everywhere else.
//!
//! | code | rule |
//! |---|---|
//! | `pre_authorized_without_tx_code` | a pre-authorized grant without `tx_code` |
//! | `several_configuration_ids` | more than one configuration id |
//! | `percent_in_value` | a literal `%` in any string value |
//! | `member_outside_dialect` | an extension member, or a grant type, the chosen dialect does not define |
//! | `too_long_for_qr` | the URI is past what a phone camera reads comfortably |
//! | `haip_authorization_code`, `haip_scope` | [`Profile::Haip`] (scope: with metadata) |
//! | `it_wallet_scheme`, `it_wallet_authorization_code`, `it_wallet_issuer_state` | [`Profile::ItWallet`] |
//!
//! With metadata, the wallet-side check ([`IssuerMetadata::check`]) runs too and its warnings join the
//! report.
//!
//! ```
//! use credoffer::lint::{lint, LintOptions, Profile};
//!
//! let uri = "openid-credential-offer://?credential_offer=%7B%22credential_issuer%22%3A%22https%3A%2F%2F\
//!            issuer.example.com%22%2C%22credential_configuration_ids%22%3A%5B%22pid%22%5D%2C%22grants%22%3A\
//!            %7B%22urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Apre-authorized_code%22%3A%7B%22pre-authorized_code\
//!            %22%3A%22oaKazRN8I0IbtZ0C7JuMn5%22%7D%7D%7D";
//! let report = lint(uri, &LintOptions::default().profile(Some(Profile::Haip)))?;
//! let codes: Vec<&str> = report.warnings.iter().map(|warning| warning.code()).collect();
//! assert_eq!(codes, ["pre_authorized_without_tx_code", "haip_authorization_code"]);
//! assert!(report.warnings[0].evidence().unwrap().contains("#664"));
//! # Ok::<(), credoffer::Error>(())
//! ```

use std::fmt;
use std::str::FromStr;

use crate::compat::ParseOptions;
use crate::dialect::Dialect;
use crate::error::{Error, ErrorKind, Result, Warning, WarningCode, member_path};
use crate::json::JsonMembers;
use crate::metadata::IssuerMetadata;
use crate::offer::{AUTH_CODE_FIELD, CredentialOffer, PRE_AUTH_FIELD, TX_CODE_FIELD, Validation};
use crate::uri::{BuildOptions, COMFORTABLE_QR_BYTES, OfferUri, parse_offer_uri, too_long_for_qr};

/// The scheme the IT-Wallet profile requires.
const IT_WALLET_SCHEME: &str = "openid-credential-offer";

/// MATTR VII's own extension, part of the `mattr` dialect.
const MATTR_EXTENSION: &str = "request_parameters";

/// Draft 12's polling interval in the pre-authorized grant, part of the drafts 11–12 dialect.
const DRAFT12_INTERVAL: &str = "interval";

/// A deployment profile whose extra rules the lint applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Profile {
    /// OpenID4VC High Assurance Interoperability Profile 1.0.
    Haip,
    /// The Italian IT-Wallet technical specification 1.0.2.
    ItWallet,
}

impl Profile {
    /// Every profile.
    pub const ALL: [Profile; 2] = [Profile::Haip, Profile::ItWallet];

    /// The name used on the command line and in bindings: `haip`, `it-wallet`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Profile::Haip => "haip",
            Profile::ItWallet => "it-wallet",
        }
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Profile {
    type Err = Error;

    fn from_str(name: &str) -> Result<Self> {
        Profile::ALL.into_iter().find(|profile| profile.as_str() == name).ok_or_else(|| {
            Error::new(ErrorKind::UnknownProfile, format!("unknown profile {name:?}; expected haip or it-wallet"))
        })
    }
}

/// What the lint knows besides the offer.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct LintOptions {
    /// The profile whose rules apply, if any.
    pub profile: Option<Profile>,
    /// How the offer is (or will be) written: the dialect decides which members are extensions, the base
    /// which scheme the URI has and, with the dialect, how long it is.
    pub build: BuildOptions,
    /// The issuer's metadata: the offer is checked against it, and HAIP's scope rule needs it.
    pub metadata: Option<IssuerMetadata>,
    /// How [`lint`] reads its input.
    pub parse: ParseOptions,
}

impl LintOptions {
    /// Sets the profile whose rules apply.
    pub fn profile(mut self, profile: Option<Profile>) -> Self {
        self.profile = profile;
        self
    }

    /// Sets how the offer is written.
    pub fn build(mut self, build: BuildOptions) -> Self {
        self.build = build;
        self
    }

    /// Sets the issuer's metadata.
    pub fn metadata(mut self, metadata: Option<IssuerMetadata>) -> Self {
        self.metadata = metadata;
        self
    }

    /// Sets how [`lint`] reads its input.
    pub fn parse(mut self, parse: ParseOptions) -> Self {
        self.parse = parse;
        self
    }

    /// Accepts `http` issuers and by-reference URLs both when reading the input and when writing the offer
    /// (local testing only).
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.build.allow_insecure_http = allow;
        self.parse.allow_insecure_http = allow;
        self
    }
}

/// What the lint found.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LintReport {
    /// The profile whose rules ran.
    pub profile: Option<Profile>,
    /// For a by-reference URI, the URL whose JSON holds the offer: only the URI itself was linted.
    pub reference: Option<String>,
    /// Every finding, reading warnings first, in a fixed order.
    pub warnings: Vec<Warning>,
}

/// Lints an offer URI of any draft, or offer JSON: the warnings of reading it, then the lint's own.
///
/// The URI's scheme and length are the ones given; offer JSON is judged as
/// [`LintOptions::build`] would write it.
pub fn lint(input: &str, options: &LintOptions) -> Result<LintReport> {
    let is_uri = !input.trim_ascii_start().starts_with('{');
    let mut report = LintReport { profile: options.profile, reference: None, warnings: Vec::new() };
    match parse_offer_uri(input, &options.parse)? {
        OfferUri::ByValue(parsed) => {
            report.warnings = parsed.warnings;
            let written = (!is_uri).then_some(&options.build);
            offer_rules(&parsed.offer, options, written, &mut report.warnings)?;
        }
        OfferUri::ByReference(reference) => {
            report.warnings = reference.warnings;
            report.reference = Some(reference.uri);
        }
    }
    let written_uri = if is_uri { input.trim_ascii() } else { &options.build.base };
    scheme_rule(written_uri, options.profile, &mut report.warnings);
    Ok(report)
}

/// Lints an offer an issuer is about to hand out, as [`LintOptions::build`] will write it: the warnings
/// of validating it (leniently), then the lint's own.
pub fn lint_offer(offer: &CredentialOffer, options: &LintOptions) -> Result<LintReport> {
    let mut warnings = offer.validate(Validation::default().allow_insecure_http(options.build.allow_insecure_http))?;
    offer_rules(offer, options, Some(&options.build), &mut warnings)?;
    scheme_rule(&options.build.base, options.profile, &mut warnings);
    Ok(LintReport { profile: options.profile, reference: None, warnings })
}

/// The rules on the offer itself. `written` is how the offer will be written, when the lint has no URI
/// of its own to measure.
fn offer_rules(
    offer: &CredentialOffer,
    options: &LintOptions,
    written: Option<&BuildOptions>,
    warnings: &mut Vec<Warning>,
) -> Result<()> {
    if let Some(metadata) = &options.metadata {
        warnings.extend(metadata.check(offer)?.warnings);
    }
    if let Some(grant) = offer.pre_authorized_code_grant()
        && grant.tx_code.is_none()
    {
        warnings.push(
            Warning::new(
                WarningCode::PreAuthorizedWithoutTxCode,
                "the offer has a pre-authorized code but no transaction code: whoever sees the QR code or the \
                 link can redeem it",
            )
            .at(PRE_AUTH_FIELD),
        );
    }
    if offer.credential_configuration_ids.len() > 1 {
        warnings.push(
            Warning::new(
                WarningCode::SeveralConfigurationIds,
                format!(
                    "the offer names {} credential configurations; many wallets issue only the first, so offer \
                     one configuration per offer",
                    offer.credential_configuration_ids.len()
                ),
            )
            .at("credential_configuration_ids"),
        );
    }
    for field in fields_with_percent(offer) {
        warnings.push(
            Warning::new(
                WarningCode::PercentInValue,
                "the value holds a literal '%', which wallets that decode the offer twice corrupt or refuse",
            )
            .at(field),
        );
    }
    let dialect = options.build.dialect;
    for field in members_outside(offer, dialect) {
        warnings.push(
            Warning::new(
                WarningCode::MemberOutsideDialect,
                format!("the {dialect} dialect does not define this member; strict readers flag or drop it"),
            )
            .at(field),
        );
    }
    if let Some(build) = written {
        let uri = offer.to_uri(build)?;
        if uri.len() > COMFORTABLE_QR_BYTES {
            warnings.push(too_long_for_qr(uri.len()));
        }
    }
    match options.profile {
        Some(Profile::Haip) => haip_rules(offer, options.metadata.as_ref(), warnings),
        Some(Profile::ItWallet) => it_wallet_rules(offer, warnings),
        None => {}
    }
    Ok(())
}

fn haip_rules(offer: &CredentialOffer, metadata: Option<&IssuerMetadata>, warnings: &mut Vec<Warning>) {
    if offer.authorization_code_grant().is_none() {
        warnings.push(
            Warning::new(
                WarningCode::HaipAuthorizationCode,
                "HAIP 1.0 requires wallets to support only the authorization code flow, and the offer does not offer it",
            )
            .at("grants"),
        );
    }
    let Some(metadata) = metadata else { return };
    for (index, id) in offer.credential_configuration_ids.iter().enumerate() {
        if metadata.scope(id).is_none() {
            warnings.push(
                Warning::new(
                    WarningCode::HaipScope,
                    format!("the metadata gives configuration {id:?} no scope, which HAIP requires"),
                )
                .at(format!("credential_configuration_ids[{index}]")),
            );
        }
    }
}

fn it_wallet_rules(offer: &CredentialOffer, warnings: &mut Vec<Warning>) {
    match offer.authorization_code_grant() {
        None => warnings.push(
            Warning::new(WarningCode::ItWalletAuthorizationCode, "IT-Wallet requires the authorization_code grant")
                .at("grants"),
        ),
        Some(grant) if grant.issuer_state.is_none() => warnings.push(
            Warning::new(
                WarningCode::ItWalletIssuerState,
                "IT-Wallet requires issuer_state in the authorization_code grant",
            )
            .at(format!("{AUTH_CODE_FIELD}.issuer_state")),
        ),
        Some(_) => {}
    }
}

/// IT-Wallet's scheme rule, on a URI or a builder's base.
fn scheme_rule(uri: &str, profile: Option<Profile>, warnings: &mut Vec<Warning>) {
    if profile != Some(Profile::ItWallet) {
        return;
    }
    let scheme = uri.split_once(':').map_or("", |(scheme, _)| scheme);
    if !scheme.eq_ignore_ascii_case(IT_WALLET_SCHEME) {
        warnings.push(
            Warning::new(
                WarningCode::ItWalletScheme,
                format!("the URI's scheme is {scheme:?}; IT-Wallet requires {IT_WALLET_SCHEME}://"),
            )
            .at("scheme"),
        );
    }
}

/// The path of every string value holding a literal `%`, in writing order. Caller JSON is held as its
/// text, where a `%` can only sit inside a string.
fn fields_with_percent(offer: &CredentialOffer) -> Vec<String> {
    let mut fields = Vec::new();
    // A value at member `name` of `parent` (the top level when empty), entry `index` of it for a list.
    let mut check = |value: Option<&str>, parent: &str, name: &str, index: Option<usize>| {
        if value.is_some_and(|value| value.contains('%')) {
            let field = member_path(parent, name);
            fields.push(match index {
                Some(index) => format!("{field}[{index}]"),
                None => field,
            });
        }
    };
    check(Some(&offer.credential_issuer), "", "credential_issuer", None);
    for (index, id) in offer.credential_configuration_ids.iter().enumerate() {
        check(Some(id), "", "credential_configuration_ids", Some(index));
    }
    for (index, credential) in offer.legacy_credentials.iter().enumerate() {
        check(Some(credential.as_json()), "", "credentials", Some(index));
    }
    if let Some(grants) = &offer.grants {
        if let Some(grant) = &grants.authorization_code {
            check(grant.issuer_state.as_deref(), AUTH_CODE_FIELD, "issuer_state", None);
            check(grant.authorization_server.as_deref(), AUTH_CODE_FIELD, "authorization_server", None);
            check_members(&grant.extensions, AUTH_CODE_FIELD, &mut check);
        }
        if let Some(grant) = &grants.pre_authorized_code {
            check(Some(&grant.pre_authorized_code), PRE_AUTH_FIELD, "pre-authorized_code", None);
            check(grant.authorization_server.as_deref(), PRE_AUTH_FIELD, "authorization_server", None);
            if let Some(tx_code) = &grant.tx_code {
                check(tx_code.description.as_deref(), TX_CODE_FIELD, "description", None);
                check_members(&tx_code.extensions, TX_CODE_FIELD, &mut check);
            }
            check_members(&grant.extensions, PRE_AUTH_FIELD, &mut check);
        }
        check_members(&grants.other, "grants", &mut check);
    }
    check_members(&offer.extensions, "", &mut check);
    fields
}

fn check_members(members: &JsonMembers, parent: &str, check: &mut impl FnMut(Option<&str>, &str, &str, Option<usize>)) {
    for (name, value) in members.iter() {
        check(Some(name), parent, name, None);
        check(Some(value.as_json()), parent, name, None);
    }
}

/// The path of every member the dialect does not define: extensions at each level, and grant types
/// other than the two the spec defines.
fn members_outside(offer: &CredentialOffer, dialect: Dialect) -> Vec<String> {
    let mut fields = Vec::new();
    let mattr_extension = (dialect == Dialect::Mattr).then_some(MATTR_EXTENSION);
    push_children(&mut fields, "", &offer.extensions, mattr_extension);
    if let Some(grants) = &offer.grants {
        if let Some(grant) = &grants.authorization_code {
            push_children(&mut fields, AUTH_CODE_FIELD, &grant.extensions, None);
        }
        if let Some(grant) = &grants.pre_authorized_code {
            let interval = (dialect == Dialect::Draft11).then_some(DRAFT12_INTERVAL);
            push_children(&mut fields, PRE_AUTH_FIELD, &grant.extensions, interval);
            if let Some(tx_code) = &grant.tx_code {
                push_children(&mut fields, TX_CODE_FIELD, &tx_code.extensions, None);
            }
        }
        push_children(&mut fields, "grants", &grants.other, None);
    }
    fields
}

/// Appends the path of each member of `parent` (the top level when empty) but `except`.
fn push_children(fields: &mut Vec<String>, parent: &str, members: &JsonMembers, except: Option<&str>) {
    for name in members.keys() {
        if Some(name) == except {
            continue;
        }
        fields.push(member_path(parent, name));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::offer::{InputMode, TxCode};

    fn codes(report: &LintReport) -> Vec<&'static str> {
        report.warnings.iter().map(Warning::code).collect()
    }

    #[test]
    fn an_offer_is_judged_as_the_build_options_write_it() {
        let offer = CredentialOffer::builder("https://issuer.example.com")
            .credential_configuration_id("pid")
            .pre_authorized_code("oaKazRN8I0IbtZ0C7JuMn5")
            .build()
            .unwrap();
        let plain = lint_offer(&offer, &LintOptions::default()).unwrap();
        assert_eq!(codes(&plain), ["pre_authorized_without_tx_code"]);
        assert_eq!(plain.warnings[0].field.as_deref(), Some(PRE_AUTH_FIELD));

        let options =
            LintOptions::default().profile(Some(Profile::ItWallet)).build(BuildOptions::default().base("haip-vci://"));
        let report = lint_offer(&offer, &options).unwrap();
        assert_eq!(
            codes(&report),
            ["pre_authorized_without_tx_code", "it_wallet_authorization_code", "it_wallet_scheme"]
        );
        assert_eq!(report.profile, Some(Profile::ItWallet));
    }

    #[test]
    fn a_clean_offer_has_nothing_to_report() {
        let offer = CredentialOffer::builder("https://issuer.example.com")
            .credential_configuration_id("pid")
            .pre_authorized_code("oaKazRN8I0IbtZ0C7JuMn5")
            .tx_code(TxCode { input_mode: Some(InputMode::Numeric), length: Some(6), ..TxCode::default() })
            .build()
            .unwrap();
        let report = lint_offer(&offer, &LintOptions::default()).unwrap();
        assert!(report.warnings.is_empty(), "{:?}", report.warnings);
        assert_eq!(report.to_json(), r#"{"profile":null,"warnings":[]}"#);
    }

    #[test]
    fn http_is_allowed_for_reading_and_writing_at_once() {
        let json = r#"{"credential_issuer":"http://localhost:8080","credential_configuration_ids":["pid"]}"#;
        assert_eq!(lint(json, &LintOptions::default()).unwrap_err().kind(), ErrorKind::InsecureUrl);
        let options = LintOptions::default().allow_insecure_http(true);
        assert!(options.build.allow_insecure_http && options.parse.allow_insecure_http);
        assert!(lint(json, &options).unwrap().warnings.is_empty());
    }

    #[test]
    fn profiles_read_back_their_names() {
        for profile in Profile::ALL {
            assert_eq!(profile.as_str().parse::<Profile>().unwrap(), profile);
            assert_eq!(profile.to_string(), profile.as_str());
        }
        assert_eq!("HAIP".parse::<Profile>().unwrap_err().kind(), ErrorKind::UnknownProfile);
    }

    #[test]
    fn every_lint_code_names_its_evidence_and_only_those() {
        let lint_codes = [
            WarningCode::PreAuthorizedWithoutTxCode,
            WarningCode::SeveralConfigurationIds,
            WarningCode::PercentInValue,
            WarningCode::MemberOutsideDialect,
            WarningCode::HaipAuthorizationCode,
            WarningCode::HaipScope,
            WarningCode::ItWalletScheme,
            WarningCode::ItWalletAuthorizationCode,
            WarningCode::ItWalletIssuerState,
        ];
        for code in WarningCode::ALL {
            assert_eq!(code.evidence().is_some(), lint_codes.contains(code), "{code}");
        }
        let warning = Warning::new(WarningCode::HaipScope, "no scope").at("credential_configuration_ids[0]");
        assert_eq!(warning.evidence(), WarningCode::HaipScope.evidence());
        // The warning's own view leaves it out; the lint's report writes it.
        assert!(!warning.to_json().contains("evidence"));
        let report = LintReport { profile: Some(Profile::Haip), reference: None, warnings: vec![warning] };
        assert!(report.to_json().contains(r#""field":"credential_configuration_ids[0]","evidence":"HAIP 1.0"#));
    }
}
