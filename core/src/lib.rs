//! # credoffer
//!
//! An engine for OpenID for Verifiable Credential Issuance **Credential Offers**: build them, write them
//! as URIs and QR codes, read every draft wallets meet, check them against issuer metadata, and run
//! the issuer side of MATTR VII's offers API — pre-authorized codes, transaction codes, expiry and
//! attempt limits — as pure functions. There is no I/O: time and randomness are inputs.
//!
//! ```
//! use credoffer::{parse_offer_uri, BuildOptions, CredentialOffer, OfferUri, ParseOptions};
//!
//! // Issuer side: build an offer and write it as a URI.
//! let offer = CredentialOffer::builder("https://issuer.example.com")
//!     .credential_configuration_id("org.iso.18013.5.1.mDL")
//!     .pre_authorized_code("oaKazRN8I0IbtZ0C7JuMn5")
//!     .build()?;
//! let uri = offer.to_uri(&BuildOptions::default())?;
//!
//! // Wallet side: read it back.
//! let OfferUri::ByValue(parsed) = parse_offer_uri(&uri, &ParseOptions::default())? else { unreachable!() };
//! assert_eq!(parsed.offer, offer);
//! # Ok::<(), credoffer::Error>(())
//! ```

pub mod compat;
mod dialect;
pub mod error;
pub mod expiry;
pub mod issuer;
pub mod limits;
pub mod metadata;
pub mod offer;
#[cfg(feature = "qr")]
pub mod qr;
mod query;
mod raw;
pub mod record;
pub mod secret;
pub mod token;
pub mod uri;
mod url;
mod views;
pub mod wallet;

pub use compat::{ParseOptions, ParsedOffer, PlusPolicy, Source, parse_offer_json, parse_offer_object};
pub use dialect::{Dialect, LEGACY_PIN_MAX_DIGITS};
pub use error::{BindingErrorKind, Error, ErrorKind, Result, Warning, WarningCode};
pub use expiry::{ExpiresIn, ExpiryPolicy, format_rfc3339_millis};
pub use issuer::{
    AuthorizationOffer, AuthorizationOfferRequest, Issuer, IssuerConfig, MDOC_FORMAT, PreAuthorizedOffer,
    PreAuthorizedOfferRequest, PreAuthorizedOfferResponse, TOKEN_PLACEHOLDER, TransactionCodeConfiguration,
    TxCodePolicy, WrongTxCodeError,
};
pub use limits::{Limits, MAX_METADATA_BYTES, MAX_REQUEST_BODY_BYTES, MAX_TOKEN_REQUEST_BYTES};
pub use metadata::{IssuerMetadata, MetadataCheck, well_known_metadata_url};
pub use offer::{
    AUTHORIZATION_CODE_GRANT, AuthorizationCodeGrant, CredentialOffer, Grants, InputMode, MAX_DESCRIPTION_UTF16,
    OfferBuilder, PRE_AUTHORIZED_CODE_GRANT, PreAuthorizedCodeGrant, TxCode, Validation,
};
#[cfg(feature = "qr")]
pub use qr::{
    MAX_QR_BYTES, QrCode, QrErrorCorrection, SVG_QUIET_ZONE, TERMINAL_QUIET_ZONE, TerminalBackground,
    qr_is_uncomfortable, render_qr_svg, render_qr_terminal,
};
pub use record::{OfferRecord, OfferState, StoredTxCode, lookup_key};
#[cfg(feature = "getrandom")]
pub use secret::SystemEntropy;
pub use secret::{
    Entropy, FixedEntropy, MAX_CODE_LENGTH, MAX_TOKEN_BYTES, PRE_AUTHORIZED_CODE_BYTES, STATE_BYTES, Secret,
    TEXT_ALPHABET, constant_time_eq, generate_from_alphabet, generate_issuer_state, generate_pre_authorized_code,
    generate_token, generate_tx_code, generate_uuid_v4, is_uuid,
};
pub use token::{
    IssuedToken, RedeemOutcome, Redemption, TOKEN_RESPONSE_HEADERS, TokenAnswer, TokenError, TokenErrorCode,
    TokenOutcome, TokenRequest, TokenStep,
};
pub use uri::{
    BuildOptions, COMFORTABLE_QR_BYTES, DEFAULT_BASE, OfferReference, OfferUri, build_offer_json, build_offer_uri,
    offer_reference_uri, parse_offer_uri,
};
pub use wallet::{GrantType, TxCodePrompt, token_request_body};
