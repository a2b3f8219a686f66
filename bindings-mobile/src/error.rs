//! The one error of the bindings: Kotlin `CredentialOfferException`, Swift `CredentialOfferError`.
//!
//! One variant per core [`ErrorKind`], so a caller can catch exactly the failure it handles. Every
//! variant carries the stable `code`, the human message as `description` (Kotlin exceptions already own
//! a `message` property), the `field` path, the rejected request `value` (JSON text) and, for
//! `validation_failed`, the `details`. The methods `error_code()`, `error_message()`, `error_field()` and
//! `error_details()` read them from any variant without matching (their names differ from the fields'
//! because Python puts both on one object); `http_status()` and `mattr_body()` give what an issuer
//! host answers with.

use credoffer::ErrorKind;

/// One problem of a request that failed validation.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ErrorDetail {
    /// Stable snake_case code.
    pub code: String,
    /// Human-readable message; it may change between releases.
    pub message: String,
    /// The field concerned, if any.
    pub field: Option<String>,
    /// The rejected request value as JSON text, if any (never a secret).
    pub value: Option<String>,
}

macro_rules! mobile_errors {
    ($( $(#[doc = $doc:literal])* $kind:ident, )*) => {
        /// An engine error: a stable `code`, a human `description` and the `field` it concerns.
        #[derive(Debug, Clone, PartialEq, Eq, uniffi::Error)]
        pub enum CredentialOfferError {
            $(
                $(#[doc = $doc])*
                $kind {
                    /// Stable snake_case code.
                    code: String,
                    /// Human-readable message; it may change between releases.
                    description: String,
                    /// The field concerned, if any.
                    field: Option<String>,
                    /// The rejected request value as JSON text, if any (never a secret).
                    value: Option<String>,
                    /// For `validation_failed`, every problem found; otherwise empty.
                    details: Vec<ErrorDetail>,
                },
            )*
        }

        /// The variant of each core kind. No wildcard arm: a new core kind fails this build.
        fn variant(kind: ErrorKind, detail: ErrorDetail, details: Vec<ErrorDetail>) -> CredentialOfferError {
            let ErrorDetail { code, message: description, field, value } = detail;
            match kind {
                $( ErrorKind::$kind => CredentialOfferError::$kind { code, description, field, value, details }, )*
            }
        }

        impl CredentialOfferError {
            /// The core kind of the variant and its fields.
            fn parts(&self) -> (ErrorKind, &str, &str, Option<&str>, Option<&str>, &[ErrorDetail]) {
                match self {
                    $( CredentialOfferError::$kind { code, description, field, value, details } =>
                        (ErrorKind::$kind, code, description, field.as_deref(), value.as_deref(), details), )*
                }
            }
        }
    };
}

// One variant per engine kind, generated from the engine's list (`cargo xtask codegen`).
include!("generated/codes.rs");

fn detail(error: &credoffer::Error) -> ErrorDetail {
    ErrorDetail {
        code: error.code().to_owned(),
        message: error.message().to_owned(),
        field: error.field().map(str::to_owned),
        value: error.value().map(|value| value.to_string()),
    }
}

/// The core error again, from the kind and the parts a foreign caller hands back.
fn core_error(kind: ErrorKind, message: &str, field: Option<&str>, value: Option<&str>) -> credoffer::Error {
    let mut error = credoffer::Error::new(kind, message);
    if let Some(field) = field {
        error = error.at(field);
    }
    // Text that is not JSON (a foreign caller built the error by hand) is kept as a string.
    if let Some(value) = value {
        error = error.with_value(serde_json::from_str(value).unwrap_or_else(|_| value.into()));
    }
    error
}

impl From<credoffer::Error> for CredentialOfferError {
    fn from(error: credoffer::Error) -> Self {
        let details = error.details().iter().map(detail).collect();
        variant(error.kind(), detail(&error), details)
    }
}

impl From<&CredentialOfferError> for credoffer::Error {
    fn from(error: &CredentialOfferError) -> Self {
        let (kind, _, message, field, value, details) = error.parts();
        if kind == ErrorKind::ValidationFailed && !details.is_empty() {
            return credoffer::Error::validation(
                details
                    .iter()
                    .map(|d| {
                        let kind = ErrorKind::from_code(&d.code).unwrap_or(ErrorKind::ValidationFailed);
                        core_error(kind, &d.message, d.field.as_deref(), d.value.as_deref())
                    })
                    .collect(),
            );
        }
        core_error(kind, message, field, value)
    }
}

#[uniffi::export]
impl CredentialOfferError {
    /// The stable snake_case code, e.g. `"invalid_uri"`.
    pub fn error_code(&self) -> String {
        self.parts().1.to_owned()
    }

    /// The human-readable message.
    pub fn error_message(&self) -> String {
        self.parts().2.to_owned()
    }

    /// The path of the field concerned, if any.
    pub fn error_field(&self) -> Option<String> {
        self.parts().3.map(str::to_owned)
    }

    /// For `validation_failed`, every problem found; otherwise empty.
    pub fn error_details(&self) -> Vec<ErrorDetail> {
        self.parts().5.to_vec()
    }

    /// The HTTP status an issuer host answers this error with (404, 500 or 400).
    pub fn http_status(&self) -> u16 {
        credoffer::Error::from(self).http_status()
    }

    /// The error as MATTR VII's JSON body: `{code, message, details: [{value, msg, param, location}]}`.
    pub fn mattr_body(&self) -> String {
        credoffer::Error::from(self).to_mattr_body().to_string()
    }
}

impl std::fmt::Display for CredentialOfferError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (_, code, message, field, _, _) = self.parts();
        match field {
            Some(field) => write!(f, "{code} ({field}): {message}"),
            None => write!(f, "{code}: {message}"),
        }
    }
}

impl std::error::Error for CredentialOfferError {}

/// An error raised by the binding itself while converting a value (say, extension JSON text).
pub(crate) fn conversion(
    kind: ErrorKind,
    message: impl Into<String>,
    field: impl Into<String>,
) -> CredentialOfferError {
    credoffer::Error::new(kind, message).at(field).into()
}

/// Every stable error code, in number order (for tables of localized messages).
#[uniffi::export]
pub fn error_codes() -> Vec<String> {
    ErrorKind::ALL.iter().map(|kind| kind.code().to_owned()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_core_kind_maps_to_its_own_variant_with_its_code() {
        let mut seen = std::collections::HashSet::new();
        for &kind in ErrorKind::ALL {
            let error = CredentialOfferError::from(credoffer::Error::new(kind, "m").at("f"));
            assert_eq!(error.error_code(), kind.code());
            assert_eq!(error.error_message(), "m");
            assert_eq!(error.error_field().as_deref(), Some("f"));
            assert!(seen.insert(std::mem::discriminant(&error)), "{kind:?} shares a variant");
        }
    }

    #[test]
    fn the_core_error_comes_back_for_mattr_bodies() {
        let core = credoffer::Error::validation(vec![
            credoffer::Error::new(ErrorKind::InvalidUserId, "b").at("userId").with_value(serde_json::json!("x")),
        ]);
        let error = CredentialOfferError::from(core.clone());
        assert_eq!(error.http_status(), 400);
        assert_eq!(error.mattr_body(), core.to_mattr_body().to_string());
        let missing = CredentialOfferError::from(credoffer::Error::new(ErrorKind::OfferNotFound, "gone"));
        assert_eq!(missing.http_status(), 404);
    }

    #[test]
    fn validation_details_survive() {
        let error = CredentialOfferError::from(credoffer::Error::validation(vec![
            credoffer::Error::new(ErrorKind::MissingField, "a").at("credentials"),
            credoffer::Error::new(ErrorKind::InvalidUserId, "b").at("userId"),
        ]));
        assert!(matches!(error, CredentialOfferError::ValidationFailed { .. }));
        let details = error.error_details();
        assert_eq!(details.len(), 2);
        assert_eq!(details[1].code, "invalid_user_id");
        assert_eq!(details[1].field.as_deref(), Some("userId"));
    }
}
