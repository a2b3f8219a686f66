//! Checking an offer against the Credential Issuer Metadata.

use crate::Result;
use crate::offer::{CredentialOffer, ParsedOffer, Warning};
use crate::uri::ParseOptions;

/// Credential Issuer Metadata, read once and checked against offers.
#[derive(Debug, uniffi::Object)]
pub struct IssuerMetadata(pub(crate) credoffer::IssuerMetadata);

/// The format of one offered credential configuration.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ConfigurationFormat {
    /// The credential configuration id.
    pub id: String,
    /// Its `format` (`mso_mdoc`, `dc+sd-jwt`, …).
    pub format: String,
}

/// The result of a successful check.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct MetadataCheck {
    /// The format of each offered configuration, in offer order.
    pub formats: Vec<ConfigurationFormat>,
    /// Things the check could not confirm.
    pub warnings: Vec<Warning>,
}

#[uniffi::export]
impl IssuerMetadata {
    /// Reads the metadata JSON an issuer serves at its well-known URL.
    #[uniffi::constructor]
    pub fn new(json: String) -> Result<Self> {
        Ok(Self(credoffer::IssuerMetadata::from_json(&json)?))
    }

    /// Checks an offer: identical issuer, known configuration ids, listed authorization servers.
    pub fn check(&self, offer: CredentialOffer) -> Result<MetadataCheck> {
        let check = self.0.check(&offer.try_into()?)?;
        Ok(MetadataCheck {
            formats: check.formats.into_iter().map(|(id, format)| ConfigurationFormat { id, format }).collect(),
            warnings: check.warnings.into_iter().map(Warning::from).collect(),
        })
    }

    /// The offer with each inline credential description of drafts 9–12 (`legacy_credentials`) named by the
    /// id of the configuration that serves it (same format, and the same doctype, vct or W3C types):
    /// complete 1.0 data. `unknown_credential_configuration` when none serves a description,
    /// `ambiguous_credential_description` when several do, each at `credentials[i]`.
    pub fn resolve_credential_descriptions(&self, offer: CredentialOffer) -> Result<CredentialOffer> {
        Ok(self.0.resolve_credential_descriptions(&offer.try_into()?)?.into())
    }

    /// For wallets: reads offer JSON of any draft (as [`crate::parse_offer_json`]) and resolves its inline
    /// credential descriptions, so the reading has no `legacy_credential_description` warning left and
    /// its `json` view holds the configuration ids.
    pub fn resolve_offer_json(&self, json: String, options: ParseOptions) -> Result<ParsedOffer> {
        Ok(credoffer::parse_offer_json(&json, &options.try_into()?)?.resolve(&self.0)?.into())
    }

    /// The issuer identifier the metadata claims.
    pub fn credential_issuer(&self) -> String {
        self.0.credential_issuer.clone()
    }

    /// `authorization_servers`, when the issuer names any.
    pub fn authorization_servers(&self) -> Option<Vec<String>> {
        self.0.authorization_servers.clone()
    }
}

/// The metadata URL of an issuer (`/.well-known/openid-credential-issuer` inserted before the path).
#[uniffi::export]
pub fn well_known_metadata_url(credential_issuer: String) -> Result<String> {
    Ok(credoffer::metadata::well_known_metadata_url(&credential_issuer)?)
}
