//! Randomness as an object (the system's, or fixed bytes for tests and callers who bring their own),
//! and the secret generators.

use std::sync::{Mutex, PoisonError};

use crate::Result;
use crate::offer::InputMode;

enum Source {
    System(credoffer::SystemEntropy),
    Fixed(credoffer::FixedEntropy),
}

/// Where secrets get their random bytes.
#[derive(uniffi::Object)]
pub struct Entropy(Mutex<Source>);

impl std::fmt::Debug for Entropy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Entropy")
    }
}

#[uniffi::export]
impl Entropy {
    /// The operating system's CSPRNG.
    #[uniffi::constructor]
    pub fn system() -> Self {
        Self(Mutex::new(Source::System(credoffer::SystemEntropy)))
    }

    /// Exactly these bytes, in order, then an `entropy_unavailable` error (tests, reproducible runs).
    #[uniffi::constructor]
    pub fn fixed(bytes: Vec<u8>) -> Self {
        Self(Mutex::new(Source::Fixed(credoffer::FixedEntropy::new(bytes))))
    }

    /// Fixed bytes given as hex.
    #[uniffi::constructor]
    pub fn fixed_hex(hex: String) -> Result<Self> {
        Ok(Self(Mutex::new(Source::Fixed(credoffer::FixedEntropy::from_hex(&hex)?))))
    }

    /// How many fixed bytes are left; none for the system source.
    pub fn remaining(&self) -> Option<u64> {
        match &*self.0.lock().unwrap_or_else(PoisonError::into_inner) {
            Source::System(_) => None,
            Source::Fixed(fixed) => Some(fixed.remaining() as u64),
        }
    }
}

impl Entropy {
    /// Runs `f` with the source locked (a poisoned lock only means another call panicked mid-way).
    pub(crate) fn with<T>(&self, f: impl FnOnce(&mut dyn credoffer::Entropy) -> T) -> T {
        match &mut *self.0.lock().unwrap_or_else(PoisonError::into_inner) {
            Source::System(system) => f(system),
            Source::Fixed(fixed) => f(fixed),
        }
    }
}

/// A pre-authorized code: 256 random bits, base64url without padding.
#[uniffi::export]
pub fn generate_pre_authorized_code(entropy: &Entropy) -> Result<String> {
    Ok(entropy.with(credoffer::secret::generate_pre_authorized_code)?.expose().to_owned())
}

/// An `issuer_state` value for the authorization code grant.
#[uniffi::export]
pub fn generate_issuer_state(entropy: &Entropy) -> Result<String> {
    Ok(entropy.with(credoffer::secret::generate_issuer_state)?.expose().to_owned())
}

/// A UUID v4 (offer and user ids).
#[uniffi::export]
pub fn generate_uuid_v4(entropy: &Entropy) -> Result<String> {
    Ok(entropy.with(credoffer::secret::generate_uuid_v4)?)
}

/// A transaction code of `length` digits or text characters, uniform, as a string (leading zeros kept).
#[uniffi::export]
pub fn generate_tx_code(input_mode: InputMode, length: u32, entropy: &Entropy) -> Result<String> {
    Ok(entropy.with(|e| credoffer::secret::generate_tx_code(input_mode.into(), length, e))?.expose().to_owned())
}

/// The lookup key of a secret (SHA-256, base64url): how a host finds a record by its code or token.
#[uniffi::export]
pub fn lookup_key(secret: String) -> String {
    credoffer::record::lookup_key(&secret)
}
