//! Engine errors as the JSON the JavaScript layer turns into a `CredentialOfferError`.

use credoffer::{BindingErrorKind, Error, ErrorKind};
use serde_json::{Map, Value, json};

// `code_of` and `binding_code_of`: exhaustive matches generated from the engine's lists (`cargo xtask
// codegen`), so a new kind fails this build until the tables and `js/credoffer.d.ts` are regenerated.
include!("generated/codes.rs");

/// Every code a `CredentialOfferError` carries: the engine's in number order, then the binding family's.
pub fn all_codes() -> Vec<&'static str> {
    let engine = ErrorKind::ALL.iter().map(|&kind| code_of(kind));
    engine.chain(BindingErrorKind::ALL.iter().map(|&kind| binding_code_of(kind))).collect()
}

/// Why a call failed: an engine error, or a failure the package detects before the engine runs (a wrong
/// JavaScript type, an unknown option), which is never disguised as an engine kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// An engine error, kept whole (details, value, HTTP mapping, MATTR body).
    Engine(Error),
    /// A failure of the binding family; an issuer host answers it with 400.
    Binding { kind: BindingErrorKind, message: String, field: String },
}

impl Failure {
    /// A binding failure concerning `field` (an argument or option name).
    pub fn binding(kind: BindingErrorKind, message: impl Into<String>, field: impl Into<String>) -> Self {
        Self::Binding { kind, message: message.into(), field: field.into() }
    }

    /// The stable code JavaScript sees.
    pub fn code(&self) -> &'static str {
        match self {
            Failure::Engine(error) => code_of(error.kind()),
            Failure::Binding { kind, .. } => binding_code_of(*kind),
        }
    }

    /// The field or argument concerned, if any.
    pub fn field(&self) -> Option<&str> {
        match self {
            Failure::Engine(error) => error.field(),
            Failure::Binding { field, .. } => Some(field),
        }
    }
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Failure::Engine(error)
    }
}

/// `{"code", "message", "field"?, "value"?, "httpStatus", "details": [...]}`.
pub fn to_json_value(failure: &Failure) -> Value {
    match failure {
        Failure::Engine(error) => engine_error_json(error),
        // A bad argument is the caller's mistake: 400, never a 5xx.
        Failure::Binding { kind, message, field } => json!({
            "code": binding_code_of(*kind), "message": message, "field": field, "httpStatus": 400, "details": [],
        }),
    }
}

/// An engine error as [`to_json_value`] writes it.
pub fn engine_error_json(error: &Error) -> Value {
    let mut members = Map::new();
    members.insert("code".into(), json!(code_of(error.kind())));
    members.insert("message".into(), json!(error.message()));
    if let Some(field) = error.field() {
        members.insert("field".into(), json!(field));
    }
    if let Some(value) = error.value() {
        members.insert("value".into(), value.clone());
    }
    members.insert("httpStatus".into(), json!(error.http_status()));
    members.insert("details".into(), Value::Array(error.details().iter().map(engine_error_json).collect()));
    Value::Object(members)
}

/// As [`to_json_value`], with `mattrBody` for an engine error: the body MATTR VII's endpoints answer it with.
pub fn to_json_value_with_mattr_body(failure: &Failure) -> Value {
    let mut value = to_json_value(failure);
    if let (Failure::Engine(error), Value::Object(members)) = (failure, &mut value) {
        members.insert("mattrBody".into(), error.to_mattr_body());
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_maps_to_its_engine_code() {
        for &kind in ErrorKind::ALL {
            assert_eq!(code_of(kind), kind.code(), "{kind:?}");
        }
    }

    #[test]
    fn every_binding_kind_maps_to_its_own_code() {
        for &kind in BindingErrorKind::ALL {
            assert_eq!(binding_code_of(kind), kind.code(), "{kind:?}");
        }
        assert_eq!(all_codes().len(), ErrorKind::ALL.len() + BindingErrorKind::ALL.len());
    }

    #[test]
    fn binding_failures_keep_their_own_code_and_are_bad_requests() {
        let failure = Failure::binding(BindingErrorKind::InvalidUtf8, "the text is not UTF-8", "uri");
        assert_eq!((failure.code(), failure.field()), ("invalid_utf8", Some("uri")));
        let json = to_json_value_with_mattr_body(&failure);
        assert_eq!(
            json,
            json!({"code": "invalid_utf8", "message": "the text is not UTF-8", "field": "uri", "httpStatus": 400, "details": []})
        );
    }

    #[test]
    fn error_json_carries_code_field_and_details() {
        let error = Error::validation(vec![
            Error::new(ErrorKind::MissingField, "a").at("credentials"),
            Error::new(ErrorKind::InvalidUserId, "b"),
        ]);
        assert_eq!(
            to_json_value(&Failure::from(error)),
            json!({"code": "validation_failed", "message": "2 problems in the request", "httpStatus": 400, "details": [
                {"code": "missing_field", "message": "a", "field": "credentials", "httpStatus": 400, "details": []},
                {"code": "invalid_user_id", "message": "b", "httpStatus": 400, "details": []},
            ]})
        );
    }
}
