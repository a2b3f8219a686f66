//! What a wallet does next with a parsed offer, without I/O: which grants it may use, what to ask the
//! user for, whether the user's input fits, and the token request body to send.

use crate::compat::ParsedOffer;
use crate::dialect::LEGACY_PIN_MAX_DIGITS;
use crate::error::{Error, ErrorKind, Result};
use crate::offer::{CredentialOffer, InputMode, PRE_AUTHORIZED_CODE_GRANT};
use crate::url::percent_encode;

/// A grant type an offer makes available.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GrantType {
    /// The Authorization Code Flow.
    AuthorizationCode,
    /// The Pre-Authorized Code Flow.
    PreAuthorizedCode,
}

impl GrantType {
    /// The grant type identifier.
    pub const fn as_str(self) -> &'static str {
        match self {
            GrantType::AuthorizationCode => crate::offer::AUTHORIZATION_CODE_GRANT,
            GrantType::PreAuthorizedCode => PRE_AUTHORIZED_CODE_GRANT,
        }
    }
}

impl CredentialOffer {
    /// The grants on offer, authorization code first. Empty means the wallet decides from the issuer's
    /// metadata (§4.1.1).
    pub fn offered_grants(&self) -> Vec<GrantType> {
        let mut grants = Vec::with_capacity(2);
        if self.authorization_code_grant().is_some() {
            grants.push(GrantType::AuthorizationCode);
        }
        if self.pre_authorized_code_grant().is_some() {
            grants.push(GrantType::PreAuthorizedCode);
        }
        grants
    }
}

/// What to ask the user for before the pre-authorized token request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxCodePrompt {
    /// Digits only, or any characters.
    pub input_mode: InputMode,
    /// The exact length, when the offer gives one.
    pub length: Option<u32>,
    /// The longest input accepted, when the offer's draft limits it (8 digits before draft 13).
    pub max_length: Option<u32>,
    /// Guidance to show next to the input.
    pub description: Option<String>,
}

impl ParsedOffer {
    /// The transaction-code prompt, when the pre-authorized grant requires one.
    ///
    /// ```
    /// use credoffer::{parse_offer_json, ParseOptions};
    /// use credoffer::offer::InputMode;
    ///
    /// let parsed = parse_offer_json(
    ///     r#"{"credential_issuer":"https://i.example","credential_configuration_ids":["a"],
    ///         "grants":{"urn:ietf:params:oauth:grant-type:pre-authorized_code":
    ///                   {"pre-authorized_code":"c","tx_code":{"length":4}}}}"#,
    ///     &ParseOptions::default(),
    /// )?;
    /// let prompt = parsed.tx_code_prompt().unwrap();
    /// assert_eq!((prompt.input_mode, prompt.length), (InputMode::Numeric, Some(4)));
    /// assert!(prompt.check("0042").is_ok());
    /// assert_eq!(prompt.check("42").unwrap_err().code(), "tx_code_mismatch");
    /// # Ok::<(), credoffer::Error>(())
    /// ```
    pub fn tx_code_prompt(&self) -> Option<TxCodePrompt> {
        let tx_code = self.offer.pre_authorized_code_grant()?.tx_code.as_ref()?;
        Some(TxCodePrompt {
            input_mode: tx_code.effective_input_mode(),
            length: tx_code.length,
            max_length: self.legacy_pin.then_some(LEGACY_PIN_MAX_DIGITS),
            description: tx_code.description.clone(),
        })
    }
}

impl TxCodePrompt {
    /// Checks what the user typed: digits only for numeric codes, the exact length when one is given,
    /// at most the maximum when there is one, and never empty.
    pub fn check(&self, input: &str) -> Result<()> {
        let mismatch = |message: String| Err(Error::new(ErrorKind::TxCodeMismatch, message).at("tx_code"));
        let length = input.chars().count();
        if length == 0 {
            return mismatch("the transaction code is empty".into());
        }
        if self.input_mode == InputMode::Numeric && !input.bytes().all(|b| b.is_ascii_digit()) {
            return mismatch("the transaction code must be digits only".into());
        }
        if let Some(expected) = self.length
            && u32::try_from(length).ok() != Some(expected)
        {
            return mismatch(format!("the transaction code must be {expected} characters long"));
        }
        if let Some(max) = self.max_length
            && u32::try_from(length).map_or(true, |length| length > max)
        {
            return mismatch(format!("the transaction code must be at most {max} characters long"));
        }
        Ok(())
    }
}

/// The form-encoded body of the pre-authorized token request (§6.1). Every value is percent-encoded,
/// so `+`, `/` and `=` in a code survive form decoding. An empty transaction code or client id counts
/// as none, as the token endpoint reads it (RFC 6749 §3.1).
///
/// ```
/// use credoffer::CredentialOffer;
/// use credoffer::wallet::token_request_body;
///
/// let offer = CredentialOffer::builder("https://i.example")
///     .credential_configuration_id("a")
///     .pre_authorized_code("stukD6lg9c9tQ3jUCa32wVi1HI+QIVsFK/QPvC2CHRs=")
///     .build()?;
/// assert_eq!(
///     token_request_body(&offer, None, None)?,
///     "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Apre-authorized_code\
///      &pre-authorized_code=stukD6lg9c9tQ3jUCa32wVi1HI%2BQIVsFK%2FQPvC2CHRs%3D"
/// );
/// # Ok::<(), credoffer::Error>(())
/// ```
pub fn token_request_body(offer: &CredentialOffer, tx_code: Option<&str>, client_id: Option<&str>) -> Result<String> {
    let Some(grant) = offer.pre_authorized_code_grant() else {
        return Err(Error::new(ErrorKind::MissingGrant, "the offer has no pre-authorized code grant").at("grants"));
    };
    // RFC 6749 §3.1: a parameter sent without a value is read as omitted, so an empty one cannot be sent.
    let tx_code = tx_code.filter(|code| !code.is_empty());
    let client_id = client_id.filter(|id| !id.is_empty());
    match (&grant.tx_code, tx_code) {
        (Some(_), None) => {
            return Err(Error::new(ErrorKind::TxCodeMismatch, "the offer requires a transaction code").at("tx_code"));
        }
        (None, Some(_)) => {
            return Err(Error::new(ErrorKind::TxCodeMismatch, "the offer requires no transaction code").at("tx_code"));
        }
        _ => {}
    }
    let mut body = format!(
        "grant_type={}&pre-authorized_code={}",
        percent_encode(PRE_AUTHORIZED_CODE_GRANT),
        percent_encode(&grant.pre_authorized_code)
    );
    for (name, value) in [("tx_code", tx_code), ("client_id", client_id)] {
        if let Some(value) = value {
            body.push('&');
            body.push_str(name);
            body.push('=');
            body.push_str(&percent_encode(value));
        }
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::offer::{OfferBuilder, TxCode};
    use crate::token::TokenRequest;

    #[test]
    fn grants_on_offer() {
        let offer = OfferBuilder::new("https://i.example")
            .credential_configuration_id("a")
            .pre_authorized_code("c")
            .authorization_code(None)
            .build()
            .unwrap();
        assert_eq!(offer.offered_grants(), [GrantType::AuthorizationCode, GrantType::PreAuthorizedCode]);
        assert_eq!(GrantType::PreAuthorizedCode.as_str(), PRE_AUTHORIZED_CODE_GRANT);
    }

    #[test]
    fn prompt_checks() {
        let text = TxCodePrompt { input_mode: InputMode::Text, length: None, max_length: None, description: None };
        assert!(text.check("AB-12").is_ok());
        assert!(text.check("").is_err());
        let legacy =
            TxCodePrompt { input_mode: InputMode::Numeric, length: None, max_length: Some(8), description: None };
        assert!(legacy.check("12345678").is_ok());
        assert_eq!(legacy.check("123456789").unwrap_err().code(), "tx_code_mismatch");
        assert_eq!(legacy.check("12a4").unwrap_err().code(), "tx_code_mismatch");
    }

    #[test]
    fn token_body_round_trips_through_the_issuer_reader() {
        let offer = OfferBuilder::new("https://i.example")
            .credential_configuration_id("a")
            .pre_authorized_code("a+b/c= d")
            .tx_code(TxCode::default())
            .build()
            .unwrap();
        let body = token_request_body(&offer, Some("0012"), Some("wallet 1")).unwrap();
        let request = TokenRequest::from_form(&body).unwrap();
        assert_eq!(request.pre_authorized_code.expose(), "a+b/c= d");
        assert_eq!(request.tx_code.unwrap().expose(), "0012");
        assert_eq!(request.client_id.as_deref(), Some("wallet 1"));
        assert_eq!(token_request_body(&offer, None, None).unwrap_err().code(), "tx_code_mismatch");
        let no_grant = OfferBuilder::new("https://i.example").credential_configuration_id("a").build().unwrap();
        assert_eq!(token_request_body(&no_grant, None, None).unwrap_err().code(), "missing_grant");
    }
}
