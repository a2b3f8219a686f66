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

//!
//! ## Modules
//!
//! The crate root holds the names most programs need; each module teaches its part.
//!
//! | module | what it holds |
//! |---|---|
//! | [`offer`] | the Credential Offer model, its builder and its one validation path |
//! | [`uri`] | offer URIs: written strictly (RFC 3986), read tolerantly; by value and by reference |
//! | [`compat`] | every draft of the spec: how each is recognised and read ([`compat::Source`]), and the dialects written ([`Dialect`]) |
//! | [`metadata`] | wallet-side checks against Credential Issuer Metadata |
//! | [`lint`] | the interop lint: legal offers that fail in the field, and deployment profiles' rules |
//! | [`wallet`] | what a wallet does next: grants, the transaction-code prompt, the token request body |
//! | [`issuer`] | MATTR VII's offer endpoints: configuration, engine, wire format |
//! | [`token`] | the token endpoint: form in, OAuth answer and next record out |
//! | [`introspection`] | what an issued access token grants (RFC 7662), for the credential endpoint |
//! | [`record`] | an offer's server-side state, stored by the host with compare-and-swap, and its status |
//! | [`events`] | what happened to an offer: one typed event per state change, for webhooks and pages |
//! | [`secret`] | codes, ids and their comparison; randomness through [`Entropy`] |
//! | [`expiry`], [`limits`] | lifetimes, and bounds on untrusted input |
//! | [`qr`] (feature `qr`) | QR codes as SVG and terminal text |
//! | [`error`] | the one error type with its closed list of kinds, and warnings |
//! | [`json`] | caller JSON (extensions, claims) held as exact text, so numbers keep their digits |
//!
//! Every result a binding hands out as JSON has one canonical view, written by the engine:
//! [`ParsedOffer::to_json`], [`uri::OfferUri::to_json`], [`Error::to_json`], [`Warning::to_json`],
//! [`metadata::MetadataCheck::to_json`], [`lint::LintReport::to_json`], [`TokenAnswer::to_json`].

pub mod compat;
mod dialect;
pub mod error;
pub mod events;
pub mod expiry;
pub mod introspection;
pub mod issuer;
pub mod json;
mod json_read;
pub mod limits;
pub mod lint;
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

pub use compat::{ParseOptions, ParsedOffer, parse_offer_json};
pub use dialect::Dialect;
pub use error::{Error, ErrorKind, Result, Warning};
pub use events::{OfferEvent, OfferEventKind, Transition};
pub use issuer::{Issuer, IssuerConfig};
pub use metadata::IssuerMetadata;
pub use offer::CredentialOffer;
pub use record::OfferRecord;
#[cfg(feature = "getrandom")]
pub use secret::SystemEntropy;
pub use secret::{Entropy, FixedEntropy, Secret};
pub use token::{TokenAnswer, TokenStep};
pub use uri::{BuildOptions, OfferUri, build_offer_uri, parse_offer_uri};
