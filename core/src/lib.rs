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

mod compat;
mod dialect;
mod error;
mod expiry;
mod issuer;
pub mod json;
mod limits;
mod metadata;
mod offer;
#[cfg(feature = "qr")]
mod qr;
mod raw;
mod record;
mod secret;
mod uri;
mod wallet;

pub use compat::{ParsedOffer, Source, parse_offer_json, parse_offer_object};
pub use dialect::{Dialect, LEGACY_PIN_MAX_DIGITS};
pub use error::{Error, ErrorKind, Result};
pub use expiry::{ExpiresIn, ExpiryPolicy, format_rfc3339_millis};
pub use issuer::{
    AuthorizationOffer, AuthorizationOfferRequest, Issuer, IssuerConfig, MDOC_FORMAT, PreAuthorizedOffer,
    PreAuthorizedOfferRequest, PreAuthorizedOfferResponse, TOKEN_PLACEHOLDER, TransactionCodeConfiguration,
    TxCodePolicy, WrongTxCodeError,
};
pub use json::{JsonMembers, JsonValue};
pub use limits::{Limits, MAX_METADATA_BYTES, MAX_REQUEST_BODY_BYTES, MAX_TOKEN_REQUEST_BYTES};
pub use metadata::{IssuerMetadata, MetadataCheck, well_known_metadata_url};
pub use offer::{
    AUTHORIZATION_CODE_GRANT, AuthorizationCodeGrant, CredentialOffer, Grants, InputMode, MAX_DESCRIPTION_UTF16,
    OfferBuilder, PRE_AUTHORIZED_CODE_GRANT, PreAuthorizedCodeGrant, TxCode, Validation, Warning,
};
#[cfg(feature = "qr")]
pub use qr::{
    MAX_QR_BYTES, QrCode, QrErrorCorrection, SVG_QUIET_ZONE, TERMINAL_QUIET_ZONE, TerminalBackground,
    qr_is_uncomfortable, render_qr_svg, render_qr_terminal,
};
pub use record::{
    OfferRecord, OfferState, RedeemOutcome, Redemption, StoredTxCode, TokenError, TokenErrorCode, TokenRequest,
    lookup_key,
};
#[cfg(feature = "getrandom")]
pub use secret::SystemEntropy;
pub use secret::{
    Entropy, FixedEntropy, MAX_CODE_LENGTH, MAX_TOKEN_BYTES, PRE_AUTHORIZED_CODE_BYTES, STATE_BYTES, Secret,
    TEXT_ALPHABET, constant_time_eq, generate_from_alphabet, generate_issuer_state, generate_pre_authorized_code,
    generate_token, generate_tx_code, generate_uuid_v4, is_uuid,
};
pub use uri::{
    BuildOptions, COMFORTABLE_QR_BYTES, DEFAULT_BASE, OfferReference, OfferUri, ParseOptions, PlusPolicy,
    offer_reference_uri, parse_offer_uri, percent_encode,
};
pub use wallet::{GrantType, TxCodePrompt, token_request_body};
