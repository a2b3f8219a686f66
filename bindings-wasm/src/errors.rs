//! Engine errors as the JSON the JavaScript layer turns into a `CredentialOfferError`.

use credoffer::{Error, ErrorKind};
use serde_json::{Map, Value, json};

/// The `code` JavaScript sees for each kind.
///
/// The match has no wildcard arm on purpose: a kind added to the engine fails this build until it is
/// mapped here and added to the `ErrorCode` union in `js/credoffer.d.ts` (a test compares the two).
pub fn code_of(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::InvalidUri => "invalid_uri",
        ErrorKind::MissingOfferParameter => "missing_offer_parameter",
        ErrorKind::ConflictingOfferParameters => "conflicting_offer_parameters",
        ErrorKind::DuplicateParameter => "duplicate_parameter",
        ErrorKind::InvalidPercentEncoding => "invalid_percent_encoding",
        ErrorKind::InvalidJson => "invalid_json",
        ErrorKind::LimitExceeded => "limit_exceeded",
        ErrorKind::InsecureUrl => "insecure_url",
        ErrorKind::InvalidOfferUri => "invalid_offer_uri",
        ErrorKind::InvalidBaseUri => "invalid_base_uri",
        ErrorKind::MissingField => "missing_field",
        ErrorKind::InvalidType => "invalid_type",
        ErrorKind::InvalidCredentialIssuer => "invalid_credential_issuer",
        ErrorKind::EmptyCredentialConfigurationIds => "empty_credential_configuration_ids",
        ErrorKind::DuplicateCredentialConfigurationId => "duplicate_credential_configuration_id",
        ErrorKind::BlankValue => "blank_value",
        ErrorKind::InvalidTxCode => "invalid_tx_code",
        ErrorKind::DescriptionTooLong => "description_too_long",
        ErrorKind::MisplacedMember => "misplaced_member",
        ErrorKind::UnsupportedByDialect => "unsupported_by_dialect",
        ErrorKind::MissingGrant => "missing_grant",
        ErrorKind::InvalidMetadata => "invalid_metadata",
        ErrorKind::IssuerMismatch => "issuer_mismatch",
        ErrorKind::UnknownCredentialConfiguration => "unknown_credential_configuration",
        ErrorKind::UnknownAuthorizationServer => "unknown_authorization_server",
        ErrorKind::ValidationFailed => "validation_failed",
        ErrorKind::UnknownMember => "unknown_member",
        ErrorKind::UnsupportedFormat => "unsupported_format",
        ErrorKind::InvalidUserId => "invalid_user_id",
        ErrorKind::InvalidExpiry => "invalid_expiry",
        ErrorKind::InvalidClaims => "invalid_claims",
        ErrorKind::OfferNotFound => "offer_not_found",
        ErrorKind::InvalidConfiguration => "invalid_configuration",
        ErrorKind::TxCodeMismatch => "tx_code_mismatch",
        ErrorKind::EntropyUnavailable => "entropy_unavailable",
        ErrorKind::InvalidTokenRequest => "invalid_token_request",
        ErrorKind::UnsupportedGrantType => "unsupported_grant_type",
        ErrorKind::InvalidRecord => "invalid_record",
        ErrorKind::QrTooLong => "qr_too_long",
    }
}

/// Every code, in the engine's order.
pub fn all_codes() -> Vec<&'static str> {
    ErrorKind::ALL.iter().map(|&kind| code_of(kind)).collect()
}

/// `{"code", "message", "field"?, "value"?, "httpStatus", "details": [...]}`.
pub fn to_json_value(error: &Error) -> Value {
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
    members.insert("details".into(), Value::Array(error.details().iter().map(to_json_value).collect()));
    Value::Object(members)
}

/// As [`to_json_value`], with `mattrBody`: the body MATTR VII's endpoints answer this error with.
pub fn to_json_value_with_mattr_body(error: &Error) -> Value {
    let mut value = to_json_value(error);
    if let Value::Object(members) = &mut value {
        members.insert("mattrBody".into(), error.to_mattr_body());
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `ErrorCode` union of the TypeScript declarations, in order.
    fn declared_codes() -> Vec<String> {
        let declarations = include_str!("../js/credoffer.d.ts");
        let start = declarations.find("export type ErrorCode =").expect("the declarations define ErrorCode");
        let union = &declarations[start..];
        let union = &union[..union.find(';').expect("the union ends with ';'")];
        union.split('|').skip(1).map(|member| member.trim().trim_matches('\'').to_owned()).collect()
    }

    #[test]
    fn every_kind_maps_to_its_engine_code() {
        for &kind in ErrorKind::ALL {
            assert_eq!(code_of(kind), kind.code(), "{kind:?}");
        }
    }

    #[test]
    fn the_typescript_union_lists_every_code_in_order() {
        assert_eq!(declared_codes(), all_codes());
    }

    #[test]
    fn error_json_carries_code_field_and_details() {
        let error = Error::validation(vec![
            Error::new(ErrorKind::MissingField, "a").at("credentials"),
            Error::new(ErrorKind::InvalidUserId, "b"),
        ]);
        assert_eq!(
            to_json_value(&error),
            json!({"code": "validation_failed", "message": "2 problems in the request", "httpStatus": 400, "details": [
                {"code": "missing_field", "message": "a", "field": "credentials", "httpStatus": 400, "details": []},
                {"code": "invalid_user_id", "message": "b", "httpStatus": 400, "details": []},
            ]})
        );
    }
}
