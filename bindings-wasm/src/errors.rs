//! Engine errors as the JSON the JavaScript layer turns into a `CredentialOfferError`.

use credoffer::error::BindingErrorKind;
use credoffer::{Error, ErrorKind};

use crate::json_string;

// `code_of` and `binding_code_of`: exhaustive matches generated from the engine's lists (`cargo xtask
// codegen`), so a new kind fails this build until the tables and `js/credoffer.d.ts` are regenerated.
include!("generated/codes.rs");

/// Every code a `CredentialOfferError` carries: the engine's in number order, then the binding family's.
pub fn all_codes() -> Vec<&'static str> {
    let engine = ErrorKind::ALL.iter().map(|&kind| code_of(kind));
    engine.chain(BindingErrorKind::ALL.iter().map(|&kind| binding_code_of(kind))).collect()
}

/// [`all_codes`] as a JSON array. Codes are snake_case ASCII, which JSON strings hold as they are (a test
/// checks it), so they are written without serde_json's serializer.
pub fn all_codes_json() -> String {
    let mut json = String::from("[");
    let mut push = |code: &str| {
        if json.len() > 1 {
            json.push(',');
        }
        json.push('"');
        json.push_str(code);
        json.push('"');
    };
    // Two loops rather than `all_codes`' chain, which would be its own collecting code in the WebAssembly.
    for kind in ErrorKind::ALL {
        push(kind.code());
    }
    for kind in BindingErrorKind::ALL {
        push(kind.code());
    }
    json.push(']');
    json
}

/// Why a call failed: an engine error, or a failure the package detects before the engine runs (a wrong
/// JavaScript type, an unknown option), which is never disguised as an engine kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// An engine error, kept whole (details, value, HTTP mapping, MATTR body).
    Engine(Error),
    /// A failure of the binding family; an issuer host answers it with 400.
    Binding(Box<BindingFailure>),
}

/// A failure of the binding family. Boxed in [`Failure`], so that every result of the bindings is a pointer
/// wide on its error side, as an engine error is (copying the wider one on each `?` was a tenth of the
/// bindings' code).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindingFailure {
    kind: BindingErrorKind,
    message: String,
    field: String,
}

impl Failure {
    /// A binding failure concerning `field` (an argument or option name).
    pub fn binding(kind: BindingErrorKind, message: impl Into<String>, field: impl Into<String>) -> Self {
        Self::Binding(Box::new(BindingFailure { kind, message: message.into(), field: field.into() }))
    }

    /// The stable code JavaScript sees.
    pub fn code(&self) -> &'static str {
        match self {
            Failure::Engine(error) => code_of(error.kind()),
            Failure::Binding(failure) => binding_code_of(failure.kind),
        }
    }

    /// The field or argument concerned, if any.
    pub fn field(&self) -> Option<&str> {
        match self {
            Failure::Engine(error) => error.field(),
            Failure::Binding(failure) => Some(&failure.field),
        }
    }

    /// The JSON the JavaScript layer turns into a `CredentialOfferError`: an engine error's own view
    /// ([`Error::to_json`]), or the binding family's in the same shape: `{code, message, field, httpStatus,
    /// details}`, always 400 because a bad argument is the caller's mistake, never a 5xx.
    pub fn to_json(&self) -> String {
        match self {
            Failure::Engine(error) => error.to_json(),
            Failure::Binding(failure) => format!(
                r#"{{"code":"{}","message":{},"field":{},"httpStatus":400,"details":[]}}"#,
                binding_code_of(failure.kind),
                json_string(&failure.message),
                json_string(&failure.field),
            ),
        }
    }

    /// As [`Failure::to_json`], with `mattrBody` for an engine error: the body MATTR VII's endpoints answer
    /// it with ([`Error::to_mattr_body`]), which `Issuer` methods promise.
    #[cfg(feature = "issuer")]
    pub fn to_json_with_mattr_body(&self) -> String {
        let Failure::Engine(error) = self else { return self.to_json() };
        with_member(error.to_json(), "mattrBody", &error.to_mattr_body().to_string())
    }
}

/// A JSON object of the engine's (never empty: an error view) with one more member appended, `name` needing
/// no escape and `value` JSON already.
#[cfg(feature = "issuer")]
pub fn with_member(object: String, name: &str, value: &str) -> String {
    match object.strip_suffix('}') {
        Some(members) => format!(r#"{members},"{name}":{value}}}"#),
        None => object,
    }
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Failure::Engine(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

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
        assert_eq!(all_codes_json(), serde_json::to_string(&all_codes()).unwrap());
    }

    #[test]
    fn binding_failures_keep_their_own_code_and_are_bad_requests() {
        let failure = Failure::binding(BindingErrorKind::InvalidUtf8, "the text is not UTF-8", "uri");
        assert_eq!((failure.code(), failure.field()), ("invalid_utf8", Some("uri")));
        let json: Value = serde_json::from_str(&failure.to_json()).unwrap();
        assert_eq!(
            json,
            json!({"code": "invalid_utf8", "message": "the text is not UTF-8", "field": "uri", "httpStatus": 400, "details": []})
        );
        #[cfg(feature = "issuer")]
        assert_eq!(
            failure.to_json_with_mattr_body(),
            failure.to_json(),
            "no MATTR body for the binding's own failures"
        );
    }

    fn validation_error() -> Error {
        Error::validation(vec![
            Error::new(ErrorKind::MissingField, "a").at("credentials"),
            Error::new(ErrorKind::InvalidUserId, "b"),
        ])
    }

    #[test]
    fn engine_errors_cross_as_the_engine_view() {
        let error = validation_error();
        assert_eq!(Failure::from(error.clone()).to_json(), error.to_json());
    }

    #[cfg(feature = "issuer")]
    #[test]
    fn issuer_errors_add_the_mattr_body_to_the_engine_view() {
        let error = validation_error();
        let failure = Failure::from(error.clone());
        let with_body: Value = serde_json::from_str(&failure.to_json_with_mattr_body()).unwrap();
        assert_eq!(with_body["mattrBody"], error.to_mattr_body());
        assert_eq!(with_body["details"][0]["field"], "credentials");
        let mut without_body = with_body.as_object().unwrap().clone();
        without_body.remove("mattrBody");
        assert_eq!(Value::Object(without_body), serde_json::from_str::<Value>(&error.to_json()).unwrap());
    }
}
