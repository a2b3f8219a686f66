//! The status every function returns: the engine's error numbers, plus a few only the C boundary causes.

use std::ffi::{CStr, c_int};

use credoffer::ErrorKind;

/// The outcome of a call. `CREDOFFER_STATUS_OK` is 0. Engine errors keep the engine's stable numbers
/// (1–999), which never change meaning; statuses only the C boundary produces start at 1000.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum credoffer_status {
    /// `ok`: The call succeeded.
    Ok = 0,
    /// `invalid_uri`: The text is not an offer URI: no scheme, no query, or a shape no draft uses.
    InvalidUri = 1,
    /// `missing_offer_parameter`: Neither credential_offer nor credential_offer_uri is present.
    MissingOfferParameter = 2,
    /// `conflicting_offer_parameters`: Both credential_offer and credential_offer_uri are present.
    ConflictingOfferParameters = 3,
    /// `duplicate_parameter`: A query parameter that must appear once appears more than once.
    DuplicateParameter = 4,
    /// `invalid_percent_encoding`: A % escape is malformed, or the decoded bytes are not UTF-8.
    InvalidPercentEncoding = 5,
    /// `invalid_json`: The offer is not a JSON object (includes offers encoded twice).
    InvalidJson = 6,
    /// `limit_exceeded`: An input exceeds a configured size, count or depth limit.
    LimitExceeded = 7,
    /// `insecure_url`: A URL uses http where https is required (allowed only with the insecure option).
    InsecureUrl = 8,
    /// `invalid_offer_uri`: credential_offer_uri is not an absolute URL.
    InvalidOfferUri = 9,
    /// `invalid_base_uri`: The base URI given to the builder cannot carry an offer.
    InvalidBaseUri = 10,
    /// `missing_field`: A required member is absent.
    MissingField = 20,
    /// `invalid_type`: A member has the wrong JSON type.
    InvalidType = 21,
    /// `invalid_credential_issuer`: credential_issuer is not an https URL without query and fragment.
    InvalidCredentialIssuer = 22,
    /// `empty_credential_configuration_ids`: credential_configuration_ids is empty.
    EmptyCredentialConfigurationIds = 23,
    /// `duplicate_credential_configuration_id`: credential_configuration_ids names the same id twice.
    DuplicateCredentialConfigurationId = 24,
    /// `blank_value`: A string that must carry a value is empty or only white space.
    BlankValue = 25,
    /// `invalid_tx_code`: A tx_code object breaks the spec (unknown input_mode, length below 1).
    InvalidTxCode = 26,
    /// `description_too_long`: tx_code.description is longer than 300 UTF-16 code units.
    DescriptionTooLong = 27,
    /// `misplaced_member`: A member sits where the spec does not put it (e.g. a top-level issuer_state).
    MisplacedMember = 28,
    /// `unsupported_by_dialect`: The offer cannot be written in the requested dialect without changing its meaning.
    UnsupportedByDialect = 29,
    /// `missing_grant`: The offer carries no grant of the kind an operation needs.
    MissingGrant = 30,
    /// `invalid_metadata`: The metadata is not usable JSON of the expected shape.
    InvalidMetadata = 40,
    /// `issuer_mismatch`: The metadata's credential_issuer is not identical to the offer's.
    IssuerMismatch = 41,
    /// `unknown_credential_configuration`: A credential configuration id is not among those the issuer supports.
    UnknownCredentialConfiguration = 42,
    /// `unknown_authorization_server`: An authorization_server is not listed in the metadata's authorization_servers.
    UnknownAuthorizationServer = 43,
    /// `validation_failed`: The request body failed validation; details lists every problem.
    ValidationFailed = 50,
    /// `unknown_member`: The request body has a member the endpoint does not define.
    UnknownMember = 51,
    /// `unsupported_format`: The configuration's format is not allowed for this grant (pre-authorized offers limited to mdoc).
    UnsupportedFormat = 52,
    /// `invalid_user_id`: A user id is not a UUID.
    InvalidUserId = 53,
    /// `invalid_expiry`: expiresIn is outside the allowed bounds, or not whole non-negative numbers.
    InvalidExpiry = 54,
    /// `invalid_claims`: claims or claimsToPersist is malformed, or names a claim that is not present.
    InvalidClaims = 55,
    /// `offer_not_found`: No offer has this id (DELETE of an unknown offer).
    OfferNotFound = 56,
    /// `invalid_configuration`: The issuer configuration is inconsistent.
    InvalidConfiguration = 57,
    /// `tx_code_mismatch`: The transaction code a user typed does not fit the prompt (wrong characters or length).
    TxCodeMismatch = 58,
    /// `entropy_unavailable`: The randomness source failed or ran out of bytes.
    EntropyUnavailable = 70,
    /// `invalid_token_request`: A token request body is malformed or lacks a member.
    InvalidTokenRequest = 71,
    /// `unsupported_grant_type`: A token request asks for a grant type the engine does not redeem.
    UnsupportedGrantType = 72,
    /// `invalid_record`: A stored offer record is malformed.
    InvalidRecord = 73,
    /// `qr_too_long`: The text is too long for any QR code.
    QrTooLong = 90,
    /// `null_argument` (C only): A required pointer argument is NULL.
    NullArgument = 1000,
    /// `invalid_utf8` (C only): A text argument is not valid UTF-8.
    InvalidUtf8 = 1001,
    /// `panic` (C only): An internal failure was caught at the library boundary; please report it.
    Panic = 1002,
    /// `invalid_argument` (C only): An argument is outside its domain: unknown flag bits or mode, or a length that does not fit its pointer.
    InvalidArgument = 1003,
    /// `index_out_of_range` (C only): An index is not below the length of the list it reads.
    IndexOutOfRange = 1004,
    /// `by_reference` (C only): The offer is by reference: fetch its credential_offer_uri and parse that JSON with credoffer_parse_json.
    ByReference = 1005,
}

impl credoffer_status {
    /// Every status, in number order.
    pub(crate) const ALL: [credoffer_status; 46] = [
        Self::Ok,
        Self::InvalidUri,
        Self::MissingOfferParameter,
        Self::ConflictingOfferParameters,
        Self::DuplicateParameter,
        Self::InvalidPercentEncoding,
        Self::InvalidJson,
        Self::LimitExceeded,
        Self::InsecureUrl,
        Self::InvalidOfferUri,
        Self::InvalidBaseUri,
        Self::MissingField,
        Self::InvalidType,
        Self::InvalidCredentialIssuer,
        Self::EmptyCredentialConfigurationIds,
        Self::DuplicateCredentialConfigurationId,
        Self::BlankValue,
        Self::InvalidTxCode,
        Self::DescriptionTooLong,
        Self::MisplacedMember,
        Self::UnsupportedByDialect,
        Self::MissingGrant,
        Self::InvalidMetadata,
        Self::IssuerMismatch,
        Self::UnknownCredentialConfiguration,
        Self::UnknownAuthorizationServer,
        Self::ValidationFailed,
        Self::UnknownMember,
        Self::UnsupportedFormat,
        Self::InvalidUserId,
        Self::InvalidExpiry,
        Self::InvalidClaims,
        Self::OfferNotFound,
        Self::InvalidConfiguration,
        Self::TxCodeMismatch,
        Self::EntropyUnavailable,
        Self::InvalidTokenRequest,
        Self::UnsupportedGrantType,
        Self::InvalidRecord,
        Self::QrTooLong,
        Self::NullArgument,
        Self::InvalidUtf8,
        Self::Panic,
        Self::InvalidArgument,
        Self::IndexOutOfRange,
        Self::ByReference,
    ];

    /// The status of an engine error kind. There is no wildcard arm: a new kind fails this build until
    /// it is mapped.
    pub const fn from_kind(kind: ErrorKind) -> Self {
        match kind {
            ErrorKind::InvalidUri => Self::InvalidUri,
            ErrorKind::MissingOfferParameter => Self::MissingOfferParameter,
            ErrorKind::ConflictingOfferParameters => Self::ConflictingOfferParameters,
            ErrorKind::DuplicateParameter => Self::DuplicateParameter,
            ErrorKind::InvalidPercentEncoding => Self::InvalidPercentEncoding,
            ErrorKind::InvalidJson => Self::InvalidJson,
            ErrorKind::LimitExceeded => Self::LimitExceeded,
            ErrorKind::InsecureUrl => Self::InsecureUrl,
            ErrorKind::InvalidOfferUri => Self::InvalidOfferUri,
            ErrorKind::InvalidBaseUri => Self::InvalidBaseUri,
            ErrorKind::MissingField => Self::MissingField,
            ErrorKind::InvalidType => Self::InvalidType,
            ErrorKind::InvalidCredentialIssuer => Self::InvalidCredentialIssuer,
            ErrorKind::EmptyCredentialConfigurationIds => Self::EmptyCredentialConfigurationIds,
            ErrorKind::DuplicateCredentialConfigurationId => Self::DuplicateCredentialConfigurationId,
            ErrorKind::BlankValue => Self::BlankValue,
            ErrorKind::InvalidTxCode => Self::InvalidTxCode,
            ErrorKind::DescriptionTooLong => Self::DescriptionTooLong,
            ErrorKind::MisplacedMember => Self::MisplacedMember,
            ErrorKind::UnsupportedByDialect => Self::UnsupportedByDialect,
            ErrorKind::MissingGrant => Self::MissingGrant,
            ErrorKind::InvalidMetadata => Self::InvalidMetadata,
            ErrorKind::IssuerMismatch => Self::IssuerMismatch,
            ErrorKind::UnknownCredentialConfiguration => Self::UnknownCredentialConfiguration,
            ErrorKind::UnknownAuthorizationServer => Self::UnknownAuthorizationServer,
            ErrorKind::ValidationFailed => Self::ValidationFailed,
            ErrorKind::UnknownMember => Self::UnknownMember,
            ErrorKind::UnsupportedFormat => Self::UnsupportedFormat,
            ErrorKind::InvalidUserId => Self::InvalidUserId,
            ErrorKind::InvalidExpiry => Self::InvalidExpiry,
            ErrorKind::InvalidClaims => Self::InvalidClaims,
            ErrorKind::OfferNotFound => Self::OfferNotFound,
            ErrorKind::InvalidConfiguration => Self::InvalidConfiguration,
            ErrorKind::TxCodeMismatch => Self::TxCodeMismatch,
            ErrorKind::EntropyUnavailable => Self::EntropyUnavailable,
            ErrorKind::InvalidTokenRequest => Self::InvalidTokenRequest,
            ErrorKind::UnsupportedGrantType => Self::UnsupportedGrantType,
            ErrorKind::InvalidRecord => Self::InvalidRecord,
            ErrorKind::QrTooLong => Self::QrTooLong,
        }
    }

    /// The status with this number, if any.
    pub fn from_number(number: c_int) -> Option<Self> {
        Self::ALL.iter().copied().find(|status| *status as c_int == number)
    }

    /// The stable snake_case code; for engine errors, the engine's code.
    pub const fn code(self) -> &'static CStr {
        match self {
            Self::Ok => c"ok",
            Self::InvalidUri => c"invalid_uri",
            Self::MissingOfferParameter => c"missing_offer_parameter",
            Self::ConflictingOfferParameters => c"conflicting_offer_parameters",
            Self::DuplicateParameter => c"duplicate_parameter",
            Self::InvalidPercentEncoding => c"invalid_percent_encoding",
            Self::InvalidJson => c"invalid_json",
            Self::LimitExceeded => c"limit_exceeded",
            Self::InsecureUrl => c"insecure_url",
            Self::InvalidOfferUri => c"invalid_offer_uri",
            Self::InvalidBaseUri => c"invalid_base_uri",
            Self::MissingField => c"missing_field",
            Self::InvalidType => c"invalid_type",
            Self::InvalidCredentialIssuer => c"invalid_credential_issuer",
            Self::EmptyCredentialConfigurationIds => c"empty_credential_configuration_ids",
            Self::DuplicateCredentialConfigurationId => c"duplicate_credential_configuration_id",
            Self::BlankValue => c"blank_value",
            Self::InvalidTxCode => c"invalid_tx_code",
            Self::DescriptionTooLong => c"description_too_long",
            Self::MisplacedMember => c"misplaced_member",
            Self::UnsupportedByDialect => c"unsupported_by_dialect",
            Self::MissingGrant => c"missing_grant",
            Self::InvalidMetadata => c"invalid_metadata",
            Self::IssuerMismatch => c"issuer_mismatch",
            Self::UnknownCredentialConfiguration => c"unknown_credential_configuration",
            Self::UnknownAuthorizationServer => c"unknown_authorization_server",
            Self::ValidationFailed => c"validation_failed",
            Self::UnknownMember => c"unknown_member",
            Self::UnsupportedFormat => c"unsupported_format",
            Self::InvalidUserId => c"invalid_user_id",
            Self::InvalidExpiry => c"invalid_expiry",
            Self::InvalidClaims => c"invalid_claims",
            Self::OfferNotFound => c"offer_not_found",
            Self::InvalidConfiguration => c"invalid_configuration",
            Self::TxCodeMismatch => c"tx_code_mismatch",
            Self::EntropyUnavailable => c"entropy_unavailable",
            Self::InvalidTokenRequest => c"invalid_token_request",
            Self::UnsupportedGrantType => c"unsupported_grant_type",
            Self::InvalidRecord => c"invalid_record",
            Self::QrTooLong => c"qr_too_long",
            Self::NullArgument => c"null_argument",
            Self::InvalidUtf8 => c"invalid_utf8",
            Self::Panic => c"panic",
            Self::InvalidArgument => c"invalid_argument",
            Self::IndexOutOfRange => c"index_out_of_range",
            Self::ByReference => c"by_reference",
        }
    }

    /// A one-line description in English.
    pub const fn message(self) -> &'static CStr {
        match self {
            Self::Ok => c"The call succeeded.",
            Self::InvalidUri => c"The text is not an offer URI: no scheme, no query, or a shape no draft uses.",
            Self::MissingOfferParameter => c"Neither credential_offer nor credential_offer_uri is present.",
            Self::ConflictingOfferParameters => c"Both credential_offer and credential_offer_uri are present.",
            Self::DuplicateParameter => c"A query parameter that must appear once appears more than once.",
            Self::InvalidPercentEncoding => c"A % escape is malformed, or the decoded bytes are not UTF-8.",
            Self::InvalidJson => c"The offer is not a JSON object (includes offers encoded twice).",
            Self::LimitExceeded => c"An input exceeds a configured size, count or depth limit.",
            Self::InsecureUrl => c"A URL uses http where https is required (allowed only with the insecure option).",
            Self::InvalidOfferUri => c"credential_offer_uri is not an absolute URL.",
            Self::InvalidBaseUri => c"The base URI given to the builder cannot carry an offer.",
            Self::MissingField => c"A required member is absent.",
            Self::InvalidType => c"A member has the wrong JSON type.",
            Self::InvalidCredentialIssuer => c"credential_issuer is not an https URL without query and fragment.",
            Self::EmptyCredentialConfigurationIds => c"credential_configuration_ids is empty.",
            Self::DuplicateCredentialConfigurationId => c"credential_configuration_ids names the same id twice.",
            Self::BlankValue => c"A string that must carry a value is empty or only white space.",
            Self::InvalidTxCode => c"A tx_code object breaks the spec (unknown input_mode, length below 1).",
            Self::DescriptionTooLong => c"tx_code.description is longer than 300 UTF-16 code units.",
            Self::MisplacedMember => c"A member sits where the spec does not put it (e.g. a top-level issuer_state).",
            Self::UnsupportedByDialect => c"The offer cannot be written in the requested dialect without changing its meaning.",
            Self::MissingGrant => c"The offer carries no grant of the kind an operation needs.",
            Self::InvalidMetadata => c"The metadata is not usable JSON of the expected shape.",
            Self::IssuerMismatch => c"The metadata's credential_issuer is not identical to the offer's.",
            Self::UnknownCredentialConfiguration => c"A credential configuration id is not among those the issuer supports.",
            Self::UnknownAuthorizationServer => c"An authorization_server is not listed in the metadata's authorization_servers.",
            Self::ValidationFailed => c"The request body failed validation; details lists every problem.",
            Self::UnknownMember => c"The request body has a member the endpoint does not define.",
            Self::UnsupportedFormat => c"The configuration's format is not allowed for this grant (pre-authorized offers limited to mdoc).",
            Self::InvalidUserId => c"A user id is not a UUID.",
            Self::InvalidExpiry => c"expiresIn is outside the allowed bounds, or not whole non-negative numbers.",
            Self::InvalidClaims => c"claims or claimsToPersist is malformed, or names a claim that is not present.",
            Self::OfferNotFound => c"No offer has this id (DELETE of an unknown offer).",
            Self::InvalidConfiguration => c"The issuer configuration is inconsistent.",
            Self::TxCodeMismatch => c"The transaction code a user typed does not fit the prompt (wrong characters or length).",
            Self::EntropyUnavailable => c"The randomness source failed or ran out of bytes.",
            Self::InvalidTokenRequest => c"A token request body is malformed or lacks a member.",
            Self::UnsupportedGrantType => c"A token request asks for a grant type the engine does not redeem.",
            Self::InvalidRecord => c"A stored offer record is malformed.",
            Self::QrTooLong => c"The text is too long for any QR code.",
            Self::NullArgument => c"A required pointer argument is NULL.",
            Self::InvalidUtf8 => c"A text argument is not valid UTF-8.",
            Self::Panic => c"An internal failure was caught at the library boundary; please report it.",
            Self::InvalidArgument => c"An argument is outside its domain: unknown flag bits or mode, or a length that does not fit its pointer.",
            Self::IndexOutOfRange => c"An index is not below the length of the list it reads.",
            Self::ByReference => c"The offer is by reference: fetch its credential_offer_uri and parse that JSON with credoffer_parse_json.",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_engine_kind_has_the_same_number_and_code() {
        for &kind in ErrorKind::ALL {
            let status = credoffer_status::from_kind(kind);
            assert_eq!(status as c_int, c_int::from(kind.number()), "{kind:?}");
            assert_eq!(status.code().to_str(), Ok(kind.code()), "{kind:?}");
        }
    }

    #[test]
    fn statuses_are_unique_and_c_only_ones_are_out_of_the_engine_range() {
        let mut numbers = std::collections::BTreeSet::new();
        let mut codes = std::collections::BTreeSet::new();
        for status in credoffer_status::ALL {
            assert!(numbers.insert(status as c_int));
            assert!(codes.insert(status.code()));
            assert_eq!(credoffer_status::from_number(status as c_int), Some(status));
            let engine = ErrorKind::from_number(u16::try_from(status as c_int).unwrap_or(u16::MAX));
            match engine {
                Some(kind) => assert_eq!(credoffer_status::from_kind(kind), status),
                None => assert!(status == credoffer_status::Ok || status as c_int >= 1000, "{status:?}"),
            }
        }
        assert_eq!(credoffer_status::ALL.len(), ErrorKind::ALL.len() + 7);
        assert_eq!(credoffer_status::from_number(999), None);
    }
}
