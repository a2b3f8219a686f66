//! The one error of the bindings: Kotlin `CredentialOfferException`, Swift `CredentialOfferError`.
//!
//! One variant per core [`ErrorKind`], so a caller can catch exactly the failure it handles, and one
//! variant, `Binding`, for the failures the binding itself detects ([`BindingErrorKind`]: a value the
//! foreign type system allows but the engine cannot take), which are never disguised as engine kinds.
//! Every variant carries the stable `code`, the human message as `description` (Kotlin exceptions
//! already own a `message` property), the `field` path, the rejected request `value` (JSON text) and,
//! for `validation_failed`, the `details`. The methods `error_code()`, `error_message()`,
//! `error_field()` and `error_details()` read them from any variant without matching (their names
//! differ from the fields' because Python puts both on one object); `http_status()` and `mattr_body()`
//! give what an issuer host answers with, and `to_json()` the engine's JSON view of the error.

use credoffer::ErrorKind;
use credoffer::error::BindingErrorKind;
use serde_json::{Value, json};

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
            /// A failure the binding detects at its own boundary: `code` is a `BindingErrorKind` code
            /// (see `binding_error_codes()`), never an engine kind's. An issuer host answers it with 400.
            Binding {
                /// Stable snake_case code of the binding family.
                code: String,
                /// Human-readable message; it may change between releases.
                description: String,
                /// The argument or member concerned, if any.
                field: Option<String>,
                /// Always absent: binding failures carry no request value.
                value: Option<String>,
                /// Always empty: a binding failure is one problem.
                details: Vec<ErrorDetail>,
            },
        }

        /// The variant of each core kind. No wildcard arm: a new core kind fails this build.
        fn variant(kind: ErrorKind, detail: ErrorDetail, details: Vec<ErrorDetail>) -> CredentialOfferError {
            let ErrorDetail { code, message: description, field, value } = detail;
            match kind {
                $( ErrorKind::$kind => CredentialOfferError::$kind { code, description, field, value, details }, )*
            }
        }

        impl CredentialOfferError {
            /// The family of the variant and its fields.
            fn parts(&self) -> (Family, &str, &str, Option<&str>, Option<&str>, &[ErrorDetail]) {
                match self {
                    $( CredentialOfferError::$kind { code, description, field, value, details } =>
                        (Family::Engine(ErrorKind::$kind), code, description, field.as_deref(), value.as_deref(), details), )*
                    CredentialOfferError::Binding { code, description, field, value, details } =>
                        (Family::Binding, code, description, field.as_deref(), value.as_deref(), details),
                }
            }
        }
    };
}

// One variant per engine kind, generated from the engine's list (`cargo xtask codegen`).
include!("generated/codes.rs");

/// Which list a variant's code comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Engine(ErrorKind),
    Binding,
}

impl From<&credoffer::Error> for ErrorDetail {
    fn from(error: &credoffer::Error) -> Self {
        Self {
            code: error.code().to_owned(),
            message: error.message().to_owned(),
            field: error.field().map(str::to_owned),
            value: error.value().map(|value| value.to_string()),
        }
    }
}

impl From<&CredentialOfferError> for ErrorDetail {
    fn from(error: &CredentialOfferError) -> Self {
        let (_, code, message, field, value, _) = error.parts();
        Self {
            code: code.to_owned(),
            message: message.to_owned(),
            field: field.map(str::to_owned),
            value: value.map(str::to_owned),
        }
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
        let details = error.details().iter().map(ErrorDetail::from).collect();
        variant(error.kind(), ErrorDetail::from(&error), details)
    }
}

impl CredentialOfferError {
    /// A failure of the binding family concerning `field` (an argument, or a member of a record).
    pub(crate) fn binding(kind: BindingErrorKind, message: impl Into<String>, field: impl Into<String>) -> Self {
        Self::Binding {
            code: kind.code().to_owned(),
            description: message.into(),
            field: Some(field.into()),
            value: None,
            details: Vec::new(),
        }
    }

    /// The engine error again, for the engine's own HTTP mapping and views; none for a binding failure.
    fn engine_error(&self) -> Option<credoffer::Error> {
        let (family, _, message, field, value, details) = self.parts();
        let Family::Engine(kind) = family else { return None };
        if kind == ErrorKind::ValidationFailed && !details.is_empty() {
            return Some(credoffer::Error::validation(
                details
                    .iter()
                    .map(|d| {
                        let kind = ErrorKind::from_code(&d.code).unwrap_or(ErrorKind::ValidationFailed);
                        core_error(kind, &d.message, d.field.as_deref(), d.value.as_deref())
                    })
                    .collect(),
            ));
        }
        Some(core_error(kind, message, field, value))
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

    /// The HTTP status an issuer host answers this error with (404, 500 or 400; 400 for a binding failure).
    pub fn http_status(&self) -> u16 {
        self.engine_error().map_or(BINDING_HTTP_STATUS, |error| error.http_status())
    }

    /// The error as MATTR VII's JSON body: `{code, message, details: [{value, msg, param, location}]}`.
    /// A binding failure is a bad request with this one problem.
    pub fn mattr_body(&self) -> String {
        match self.engine_error() {
            Some(error) => error.to_mattr_body().to_string(),
            None => {
                let (_, code, message, field, _, _) = self.parts();
                let detail =
                    json!({"msg": message, "param": field.unwrap_or("body"), "location": "body", "code": code});
                json!({"code": "BadRequest", "message": "Validation Error", "details": [detail]}).to_string()
            }
        }
    }

    /// The engine's JSON view of the error: `{code, message, field?, value?, httpStatus, details}`.
    /// A binding failure has the same shape, with its own code, status 400 and no details.
    pub fn to_json(&self) -> String {
        match self.engine_error() {
            Some(error) => error.to_json(),
            None => {
                let (_, code, message, field, _, _) = self.parts();
                // Written in the engine view's member order (a `serde_json` map would sort them).
                let text = |value: &str| Value::from(value).to_string();
                let field = field.map(|field| format!(r#","field":{}"#, text(field))).unwrap_or_default();
                format!(
                    r#"{{"code":{},"message":{}{field},"httpStatus":{BINDING_HTTP_STATUS},"details":[]}}"#,
                    text(code),
                    text(message)
                )
            }
        }
    }
}

/// A binding failure is the caller's mistake: a bad request, never a 5xx.
const BINDING_HTTP_STATUS: u16 = 400;

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

/// Every stable engine error code, in number order (for tables of localized messages).
#[uniffi::export]
pub fn error_codes() -> Vec<String> {
    ErrorKind::ALL.iter().map(|kind| kind.code().to_owned()).collect()
}

/// Every stable code of the binding family (the `code` of a `Binding` error), in number order.
#[uniffi::export]
pub fn binding_error_codes() -> Vec<String> {
    BindingErrorKind::ALL.iter().map(|kind| kind.code().to_owned()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_core_kind_maps_to_its_own_variant_with_its_code() {
        let mut seen = std::collections::HashSet::new();
        for &kind in ErrorKind::ALL {
            let core = credoffer::Error::new(kind, "m").at("f");
            let error = CredentialOfferError::from(core.clone());
            assert_eq!(error.parts().0, Family::Engine(kind));
            assert_eq!(error.error_code(), kind.code());
            assert_eq!(error.error_message(), "m");
            assert_eq!(error.error_field().as_deref(), Some("f"));
            assert_eq!(error.to_json(), core.to_json());
            assert_eq!(error.http_status(), core.http_status());
            assert!(seen.insert(std::mem::discriminant(&error)), "{kind:?} shares a variant");
        }
    }

    #[test]
    fn every_binding_kind_maps_to_the_binding_variant_with_its_code_and_status_400() {
        let engine_codes = error_codes();
        for &kind in BindingErrorKind::ALL {
            let error = CredentialOfferError::binding(kind, "bad \"x\"", "extensions.x");
            assert_eq!(error.parts().0, Family::Binding);
            assert_eq!(error.error_code(), kind.code());
            assert!(!engine_codes.contains(&error.error_code()), "{kind:?} reuses an engine code");
            assert_eq!(BindingErrorKind::from_code(&error.error_code()), Some(kind));
            assert_eq!(error.http_status(), 400);
            let view: serde_json::Value = serde_json::from_str(&error.to_json()).unwrap();
            assert_eq!(
                view,
                json!({"code": kind.code(), "message": "bad \"x\"", "field": "extensions.x", "httpStatus": 400, "details": []})
            );
            let body: serde_json::Value = serde_json::from_str(&error.mattr_body()).unwrap();
            assert_eq!(
                (&body["code"], &body["details"][0]["code"], &body["details"][0]["param"]),
                (&json!("BadRequest"), &json!(kind.code()), &json!("extensions.x"))
            );
        }
        assert_eq!(binding_error_codes().len(), BindingErrorKind::ALL.len());
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
