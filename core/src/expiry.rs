//! Offer lifetimes. Time is Unix seconds passed in by the caller; the engine has no clock.
//!
//! The offer object itself carries no expiry (no draft defines one); the pre-authorized code "MUST be
//! short lived" and the issuer enforces it. Defaults follow MATTR VII (5 minutes, at most 10), which
//! also match RFC 6749 §4.1.2's 10-minute ceiling for authorization codes and NIST SP 800-63B's 10
//! minutes for out-of-band secrets.

use std::time::{Duration, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind, Result};

/// How long offers live.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct ExpiryPolicy {
    /// Lifetime when the request names none (300 s).
    pub default_seconds: u64,
    /// The longest lifetime a request may ask for (600 s).
    pub max_seconds: u64,
}

impl Default for ExpiryPolicy {
    fn default() -> Self {
        Self { default_seconds: 300, max_seconds: 600 }
    }
}

/// A requested lifetime, as MATTR's `expiresIn`: any combination of minutes and seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpiresIn {
    /// Whole minutes.
    pub minutes: Option<u64>,
    /// Whole seconds.
    pub seconds: Option<u64>,
}

impl ExpiryPolicy {
    /// Checks the policy itself: a default of at least 1 s, within the maximum.
    pub fn check(&self) -> Result<()> {
        if self.default_seconds == 0 || self.default_seconds > self.max_seconds {
            return Err(Error::new(
                ErrorKind::InvalidConfiguration,
                "the default lifetime must be at least 1 second and at most the maximum",
            )
            .at("expiry"));
        }
        Ok(())
    }

    /// The lifetime in seconds for a request: the default when none is asked for, otherwise the
    /// total, which must be 1 s to the maximum.
    ///
    /// ```
    /// use credoffer::expiry::{ExpiresIn, ExpiryPolicy};
    ///
    /// let policy = ExpiryPolicy::default();
    /// assert_eq!(policy.lifetime(None)?, 300);
    /// assert_eq!(policy.lifetime(Some(&ExpiresIn { minutes: Some(5), seconds: Some(30) }))?, 330);
    /// assert_eq!(policy.lifetime(Some(&ExpiresIn { minutes: Some(11), seconds: None })).unwrap_err().code(), "invalid_expiry");
    /// # Ok::<(), credoffer::Error>(())
    /// ```
    pub fn lifetime(&self, requested: Option<&ExpiresIn>) -> Result<u64> {
        let Some(requested) = requested else { return Ok(self.default_seconds) };
        let total = requested
            .minutes
            .unwrap_or(0)
            .checked_mul(60)
            .and_then(|seconds| seconds.checked_add(requested.seconds.unwrap_or(0)));
        match total {
            Some(total) if (1..=self.max_seconds).contains(&total) => Ok(total),
            _ => Err(Error::new(
                ErrorKind::InvalidExpiry,
                format!("expiresIn must total 1 to {} seconds", self.max_seconds),
            )
            .at("expiresIn")),
        }
    }
}

/// Unix seconds as RFC 3339 UTC with milliseconds, the way MATTR writes `expiresAt`. Times after
/// 9999-12-31T23:59:59Z, which RFC 3339's four-digit year cannot hold, are written as that last second.
pub(crate) fn format_rfc3339_millis(unix_seconds: u64) -> String {
    let time = UNIX_EPOCH + Duration::from_secs(unix_seconds.min(MAX_FORMATTABLE));
    humantime::format_rfc3339_millis(time).to_string()
}

/// 9999-12-31T23:59:59Z: the last second RFC 3339's four-digit year can hold.
const MAX_FORMATTABLE: u64 = 253_402_300_799;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_rfc3339_with_milliseconds() {
        assert_eq!(format_rfc3339_millis(1_746_057_660), "2025-05-01T00:01:00.000Z");
    }

    #[test]
    fn bounds() {
        let policy = ExpiryPolicy::default();
        let lifetime = |minutes, seconds| policy.lifetime(Some(&ExpiresIn { minutes, seconds })).map_err(|e| e.code());
        assert_eq!(lifetime(Some(10), None), Ok(600));
        assert_eq!(lifetime(None, Some(600)), Ok(600));
        assert_eq!(lifetime(None, Some(1)), Ok(1));
        assert_eq!(lifetime(Some(10), Some(1)), Err("invalid_expiry"));
        assert_eq!(lifetime(Some(0), Some(0)), Err("invalid_expiry"));
        assert_eq!(lifetime(None, None), Err("invalid_expiry"));
        assert_eq!(lifetime(Some(u64::MAX), None), Err("invalid_expiry"));
        assert!(ExpiryPolicy { default_seconds: 700, max_seconds: 600 }.check().is_err());
        assert!(ExpiryPolicy { default_seconds: 0, max_seconds: 600 }.check().is_err());
    }

    #[test]
    fn formatting() {
        assert_eq!(format_rfc3339_millis(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_rfc3339_millis(u64::MAX), "9999-12-31T23:59:59.000Z");
    }
}
