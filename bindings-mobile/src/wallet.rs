//! What a wallet does next with a parsed offer: the grants on offer, the transaction-code prompt, the
//! check of the user's input and the token request body.

use crate::Result;
use crate::offer::{CredentialOffer, InputMode, ParsedOffer, Source};

/// A grant type an offer makes available.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum GrantType {
    /// The Authorization Code Flow.
    AuthorizationCode,
    /// The Pre-Authorized Code Flow.
    PreAuthorizedCode,
}

/// What to ask the user for before the pre-authorized token request.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TxCodePrompt {
    /// Digits only, or any characters.
    pub input_mode: InputMode,
    /// The exact length, when the offer gives one.
    pub length: Option<u32>,
    /// The longest input accepted, when the offer's draft limits it.
    pub max_length: Option<u32>,
    /// Guidance to show next to the input.
    pub description: Option<String>,
}

#[uniffi::export]
impl GrantType {
    /// The grant type identifier (`authorization_code`, `urn:ietf:params:oauth:grant-type:pre-authorized_code`).
    pub fn identifier(&self) -> String {
        credoffer::wallet::GrantType::from(*self).as_str().to_owned()
    }
}

#[uniffi::export]
impl TxCodePrompt {
    /// Checks what the user typed; a `tx_code_mismatch` error says why it does not fit.
    pub fn check(&self, input: String) -> Result<()> {
        Ok(credoffer::wallet::TxCodePrompt::from(self.clone()).check(&input)?)
    }
}

/// The grants on offer, authorization code first; empty means the wallet decides from the metadata.
#[uniffi::export]
pub fn offered_grants(offer: CredentialOffer) -> Result<Vec<GrantType>> {
    let offer = credoffer::CredentialOffer::try_from(offer)?;
    Ok(offer.offered_grants().into_iter().map(GrantType::from).collect())
}

/// The transaction-code prompt, when the pre-authorized grant requires one.
#[uniffi::export]
pub fn tx_code_prompt(parsed: ParsedOffer) -> Result<Option<TxCodePrompt>> {
    let parsed = credoffer::ParsedOffer {
        offer: parsed.offer.try_into()?,
        source: parsed.source.into(),
        warnings: Vec::new(),
        legacy_pin: parsed.legacy_pin,
    };
    Ok(parsed.tx_code_prompt().map(TxCodePrompt::from))
}

/// The form-encoded body of the pre-authorized token request.
#[uniffi::export]
pub fn token_request_body(
    offer: CredentialOffer,
    tx_code: Option<String>,
    client_id: Option<String>,
) -> Result<String> {
    let offer = credoffer::CredentialOffer::try_from(offer)?;
    Ok(credoffer::wallet::token_request_body(&offer, tx_code.as_deref(), client_id.as_deref())?)
}

// --- conversions ---

impl From<credoffer::wallet::GrantType> for GrantType {
    fn from(grant: credoffer::wallet::GrantType) -> Self {
        match grant {
            credoffer::wallet::GrantType::AuthorizationCode => GrantType::AuthorizationCode,
            credoffer::wallet::GrantType::PreAuthorizedCode => GrantType::PreAuthorizedCode,
        }
    }
}

impl From<GrantType> for credoffer::wallet::GrantType {
    fn from(grant: GrantType) -> Self {
        match grant {
            GrantType::AuthorizationCode => credoffer::wallet::GrantType::AuthorizationCode,
            GrantType::PreAuthorizedCode => credoffer::wallet::GrantType::PreAuthorizedCode,
        }
    }
}

impl From<credoffer::wallet::TxCodePrompt> for TxCodePrompt {
    fn from(prompt: credoffer::wallet::TxCodePrompt) -> Self {
        Self {
            input_mode: prompt.input_mode.into(),
            length: prompt.length,
            max_length: prompt.max_length,
            description: prompt.description,
        }
    }
}

impl From<TxCodePrompt> for credoffer::wallet::TxCodePrompt {
    fn from(prompt: TxCodePrompt) -> Self {
        Self {
            input_mode: prompt.input_mode.into(),
            length: prompt.length,
            max_length: prompt.max_length,
            description: prompt.description,
        }
    }
}

impl From<Source> for credoffer::compat::Source {
    fn from(source: Source) -> Self {
        match source {
            Source::Draft8 => credoffer::compat::Source::Draft8,
            Source::Draft9 => credoffer::compat::Source::Draft9,
            Source::Draft11 => credoffer::compat::Source::Draft11,
            Source::Draft12 => credoffer::compat::Source::Draft12,
            Source::Draft13 => credoffer::compat::Source::Draft13,
            Source::V1 => credoffer::compat::Source::V1,
            Source::Hybrid => credoffer::compat::Source::Hybrid,
        }
    }
}
