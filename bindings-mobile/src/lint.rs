//! The interop lint: legal offers that wallets in the field fail on, and the rules of a profile.

use std::sync::Arc;

use credoffer::error::BindingErrorKind;

use crate::metadata::IssuerMetadata;
use crate::offer::Warning;
use crate::uri::{BuildOptions, ParseOptions, default_build_options, default_parse_options};
use crate::{CredentialOfferError, Result};

/// A deployment profile whose extra rules the lint applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Profile {
    /// OpenID4VC High Assurance Interoperability Profile 1.0 (`haip`).
    Haip,
    /// The Italian IT-Wallet technical specification 1.0.2 (`it-wallet`).
    ItWallet,
}

impl Profile {
    const ALL: [Profile; 2] = [Profile::Haip, Profile::ItWallet];
}

/// What the lint knows besides the offer. Start from [`default_lint_options`].
#[derive(Debug, Clone, uniffi::Record)]
pub struct LintOptions {
    /// The profile whose rules apply, if any.
    pub profile: Option<Profile>,
    /// How offer JSON will be written: the dialect decides which members are extensions, the base the
    /// scheme and the URI's length.
    pub build: BuildOptions,
    /// How the input is read.
    pub parse: ParseOptions,
    /// The issuer's metadata: the offer is checked against it, and HAIP's scope rule needs it.
    pub metadata: Option<Arc<IssuerMetadata>>,
}

/// What the lint found.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct LintReport {
    /// The profile whose rules ran.
    pub profile: Option<Profile>,
    /// For a by-reference URI, the URL whose JSON holds the offer: only the URI itself was linted.
    pub reference: Option<String>,
    /// Every finding in a fixed order, the lint's own with their `evidence`.
    pub warnings: Vec<Warning>,
    /// The engine's JSON view of the report, `{profile, reference?, warnings}`, to print or hand on.
    pub json: String,
}

/// No profile, no metadata, and the engine's defaults for writing and reading.
#[uniffi::export]
pub fn default_lint_options() -> LintOptions {
    LintOptions { profile: None, build: default_build_options(), parse: default_parse_options(), metadata: None }
}

/// A profile by name: `haip` or `it-wallet` (`unknown_profile` otherwise).
#[uniffi::export]
pub fn parse_profile(name: String) -> Result<Profile> {
    let profile = name.parse::<credoffer::lint::Profile>()?;
    Profile::ALL.into_iter().find(|mirrored| credoffer::lint::Profile::from(*mirrored) == profile).ok_or_else(|| {
        CredentialOfferError::binding(
            BindingErrorKind::InvalidArgument,
            format!("the profile {name:?} is not available in this binding yet"),
            "name".to_owned(),
        )
    })
}

/// Lints an offer URI of any draft, or offer JSON: the warnings of reading it, then the lint's own. An
/// offer that breaks the spec is an error, as when parsing.
#[uniffi::export]
pub fn lint(input: String, options: LintOptions) -> Result<LintReport> {
    let profile = options.profile;
    let options = credoffer::lint::LintOptions::default()
        .profile(profile.map(Into::into))
        .build(options.build.into())
        .parse(options.parse.try_into()?)
        .metadata(options.metadata.map(|metadata| metadata.0.clone()));
    let report = credoffer::lint::lint(&input, &options)?;
    Ok(LintReport {
        json: report.to_json(),
        // The profile that ran is the one given.
        profile,
        reference: report.reference,
        warnings: report.warnings.into_iter().map(Warning::from).collect(),
    })
}

// --- conversions ---

impl From<Profile> for credoffer::lint::Profile {
    fn from(profile: Profile) -> Self {
        match profile {
            Profile::Haip => credoffer::lint::Profile::Haip,
            Profile::ItWallet => credoffer::lint::Profile::ItWallet,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_cross_both_ways() {
        assert_eq!(Profile::ALL.len(), credoffer::lint::Profile::ALL.len(), "every profile is mirrored");
        for profile in credoffer::lint::Profile::ALL {
            assert_eq!(credoffer::lint::Profile::from(parse_profile(profile.as_str().to_owned()).unwrap()), profile);
        }
        assert_eq!(parse_profile("HAIP".to_owned()).unwrap_err().error_code(), "unknown_profile");
    }
}
