//! MATTR VII's wire format: the request bodies of the offer endpoints, read with every problem listed,
//! the responses, and errors in MATTR's body shape.

use std::fmt;

use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::error::{Error, ErrorKind, Result};
use crate::expiry::ExpiresIn;
use crate::json::{JsonMembers, JsonValue};
use crate::limits::{MAX_REQUEST_BODY_BYTES, too_long};
use crate::offer::{InputMode, blank_entry, is_blank};

/// The body of `POST /v1/openid/offers`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AuthorizationOfferRequest {
    /// Credential configuration ids.
    pub credentials: Vec<String>,
    /// Hints for the wallet's authorization request (`login_hint`, `prompt`), string values only.
    pub request_parameters: Option<JsonMembers>,
}

/// The body of `POST /v1/openid/offers/pre-authorized`.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct PreAuthorizedOfferRequest {
    /// Credential configuration ids.
    pub credentials: Vec<String>,
    /// The user (a UUID); a new one is made when absent.
    pub user_id: Option<String>,
    /// Present: a transaction code is generated and required.
    pub transaction_code_configuration: Option<TransactionCodeConfiguration>,
    /// Claims available at issuance.
    pub claims: Option<JsonMembers>,
    /// Claim names to persist against the user; each must be in `claims`.
    pub claims_to_persist: Vec<String>,
    /// The offer's lifetime; the policy's default when absent.
    pub expires_in: Option<ExpiresIn>,
}

impl fmt::Debug for PreAuthorizedOfferRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PreAuthorizedOfferRequest")
            .field("credentials", &self.credentials)
            .field("user_id", &self.user_id)
            .field("transaction_code_configuration", &self.transaction_code_configuration)
            .field("claims", &self.claims.as_ref().map(|_| "[redacted]"))
            .field("claims_to_persist", &self.claims_to_persist)
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

/// `transactionCodeConfiguration`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TransactionCodeConfiguration {
    /// `numeric` or `text`; the policy's default when absent.
    pub input_mode: Option<InputMode>,
    /// The code's length; the policy's default when absent.
    pub length: Option<u32>,
    /// Guidance for the user, at most 300 UTF-16 code units.
    pub description: Option<String>,
}

/// The response of `POST /v1/openid/offers`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AuthorizationOffer {
    /// The offer URI.
    pub uri: String,
    /// The `issuer_state` in the offer, for the host to bind the later authorization request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer_state: Option<String>,
}

impl AuthorizationOffer {
    /// The response body, members in MATTR's order. (Serialising strings cannot fail.)
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// The response of `POST /v1/openid/offers/pre-authorized`.
#[derive(Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PreAuthorizedOfferResponse {
    /// The offer id (for DELETE).
    pub id: String,
    /// The user id.
    pub user_id: String,
    /// The offer URI.
    pub uri: String,
    /// Expiry, RFC 3339 UTC with milliseconds.
    pub expires_at: String,
    /// The transaction code to send the user on another channel, as a string (leading zeros survive).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transaction_code: Option<String>,
}

impl fmt::Debug for PreAuthorizedOfferResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PreAuthorizedOfferResponse")
            .field("id", &self.id)
            .field("user_id", &self.user_id)
            .field("uri", &"[redacted: carries the pre-authorized code]")
            .field("expires_at", &self.expires_at)
            .field("transaction_code", &self.transaction_code.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

impl PreAuthorizedOfferResponse {
    /// The response body, members in MATTR's order. (Serialising strings cannot fail.)
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// Reading MATTR's request bodies, collecting every problem.
struct BodyReader {
    /// The members as sent; each is inspected as a `Value` when taken, except those kept verbatim.
    members: JsonMembers,
    problems: Vec<Error>,
}

impl BodyReader {
    fn new(body: &str) -> Result<Self> {
        if body.len() > MAX_REQUEST_BODY_BYTES {
            let error = too_long("the body", body.len(), MAX_REQUEST_BODY_BYTES).at("body");
            return Err(Error::validation(vec![error]));
        }
        let problem = |message: String| Error::validation(vec![Error::new(ErrorKind::InvalidJson, message).at("body")]);
        let body: JsonValue = serde_json::from_str(body).map_err(|e| problem(format!("the body is not JSON: {e}")))?;
        match body.to_members() {
            Some(members) => Ok(Self { members, problems: Vec::new() }),
            None => Err(problem("the body must be a JSON object".to_owned())),
        }
    }

    /// Takes member `name` out, to be inspected.
    fn take(&mut self, name: &str) -> Option<Value> {
        self.members.remove(name).map(|value| value.to_value())
    }

    fn problem(&mut self, kind: ErrorKind, message: &str, field: &str, value: &Value) {
        self.problems.push(Error::new(kind, message.to_owned()).at(field.to_owned()).with_value(value.clone()));
    }

    fn string_list(&mut self, name: &str, required: bool) -> Vec<String> {
        match self.take(name) {
            None if required => {
                self.problems
                    .push(Error::new(ErrorKind::MissingField, format!("{name} is required")).at(name.to_owned()));
                Vec::new()
            }
            None => Vec::new(),
            Some(Value::Array(items)) => {
                let mut strings = Vec::with_capacity(items.len());
                for (index, item) in items.iter().enumerate() {
                    match item {
                        Value::String(s) => {
                            // The list rule, applied while reading: problems of shape come in reading order.
                            if is_blank(s) {
                                self.problems.push(blank_entry(name, index, s));
                            }
                            strings.push(s.clone());
                        }
                        _ => {
                            self.problem(ErrorKind::InvalidType, "must be a string", &format!("{name}[{index}]"), item);
                            // Kept in place, so later entries keep their index; the request fails anyway.
                            strings.push(String::new());
                        }
                    }
                }
                strings
            }
            Some(other) => {
                self.problem(ErrorKind::InvalidType, "must be an array of strings", name, &other);
                Vec::new()
            }
        }
    }

    /// An object member to be inspected.
    fn object(&mut self, name: &str) -> Option<Map<String, Value>> {
        match self.take(name)? {
            Value::Object(object) => Some(object),
            other => {
                self.problem(ErrorKind::InvalidType, "must be an object", name, &other);
                None
            }
        }
    }

    /// An object member whose members are kept as they came (claims, request parameters).
    fn verbatim_object(&mut self, name: &str, kind: ErrorKind) -> Option<JsonMembers> {
        let value = self.members.remove(name)?;
        let members = value.to_members();
        if members.is_none() {
            self.problem(kind, "must be an object", name, &value.to_value());
        }
        members
    }

    fn string(&mut self, name: &str) -> Option<String> {
        match self.take(name)? {
            Value::String(s) => Some(s),
            other => {
                self.problem(ErrorKind::InvalidType, "must be a string", name, &other);
                None
            }
        }
    }

    /// The request read so far and every problem found, unknown members included.
    fn finish<T>(mut self, value: T) -> (T, Vec<Error>) {
        for (name, value) in std::mem::take(&mut self.members) {
            let value = value.to_value();
            self.problem(ErrorKind::UnknownMember, &format!("{name} is not a member of this request"), &name, &value);
        }
        (value, self.problems)
    }
}

/// The request, or every problem found in it.
pub(super) fn into_result<T>((value, problems): (T, Vec<Error>)) -> Result<T> {
    if problems.is_empty() { Ok(value) } else { Err(Error::validation(problems)) }
}

/// Reads a non-negative integer member of a nested object, recording a problem otherwise.
fn take_count(
    object: &mut Map<String, Value>,
    name: &str,
    field: &str,
    kind: ErrorKind,
    problems: &mut Vec<Error>,
) -> Option<u64> {
    let value = object.remove(name)?;
    match value.as_u64() {
        Some(n) => Some(n),
        None => {
            problems.push(Error::new(kind, "must be a non-negative integer").at(field.to_owned()).with_value(value));
            None
        }
    }
}

fn reject_unknown(object: Map<String, Value>, prefix: &str, problems: &mut Vec<Error>) {
    for (name, value) in object {
        problems.push(
            Error::new(ErrorKind::UnknownMember, format!("{name} is not a member of {prefix}"))
                .at(format!("{prefix}.{name}"))
                .with_value(value),
        );
    }
}

impl AuthorizationOfferRequest {
    /// Reads the JSON body (at most [`MAX_REQUEST_BODY_BYTES`](crate::limits::MAX_REQUEST_BODY_BYTES)), listing every
    /// problem ([`ErrorKind::ValidationFailed`]).
    pub fn from_json(body: &str) -> Result<Self> {
        into_result(Self::read(body)?)
    }

    pub(crate) fn read(body: &str) -> Result<(Self, Vec<Error>)> {
        let mut reader = BodyReader::new(body)?;
        let credentials = reader.string_list("credentials", true);
        let request_parameters = reader.verbatim_object("request_parameters", ErrorKind::InvalidType);
        check_request_parameters(request_parameters.as_ref(), &mut reader.problems);
        Ok(reader.finish(Self { credentials, request_parameters }))
    }
}

/// Request parameters go into the wallet's authorization request, where every value is a string.
pub(super) fn check_request_parameters(parameters: Option<&JsonMembers>, problems: &mut Vec<Error>) {
    for (name, value) in parameters.into_iter().flatten() {
        if !value.is_string() {
            problems.push(
                Error::new(ErrorKind::InvalidType, "request parameters must be strings")
                    .at(format!("request_parameters.{name}"))
                    .with_value(value.to_value()),
            );
        }
    }
}

impl PreAuthorizedOfferRequest {
    /// Reads the JSON body (at most [`MAX_REQUEST_BODY_BYTES`](crate::limits::MAX_REQUEST_BODY_BYTES)), listing every
    /// problem ([`ErrorKind::ValidationFailed`]).
    pub fn from_json(body: &str) -> Result<Self> {
        into_result(Self::read(body)?)
    }

    pub(crate) fn read(body: &str) -> Result<(Self, Vec<Error>)> {
        let mut reader = BodyReader::new(body)?;
        let credentials = reader.string_list("credentials", true);
        let user_id = reader.string("userId");
        let claims = reader.verbatim_object("claims", ErrorKind::InvalidClaims);
        let claims_to_persist = reader.string_list("claimsToPersist", false);
        let transaction_code_configuration = reader.object("transactionCodeConfiguration").map(|mut object| {
            let field = "transactionCodeConfiguration";
            let input_mode = match object.remove("inputMode") {
                None => None,
                Some(Value::String(mode)) if InputMode::parse(&mode).is_some() => InputMode::parse(&mode),
                Some(other) => {
                    reader.problem(
                        ErrorKind::InvalidTxCode,
                        "inputMode must be numeric or text",
                        &format!("{field}.inputMode"),
                        &other,
                    );
                    None
                }
            };
            let length_field = format!("{field}.length");
            let length =
                take_count(&mut object, "length", &length_field, ErrorKind::InvalidTxCode, &mut reader.problems)
                    .and_then(|n| match u32::try_from(n) {
                        Ok(n) => Some(n),
                        Err(_) => {
                            // Reported with the number as sent, not a clamped one.
                            reader.problems.push(
                                Error::new(ErrorKind::InvalidTxCode, "length is far beyond any transaction code")
                                    .at(length_field.clone())
                                    .with_value(json!(n)),
                            );
                            None
                        }
                    });
            let description = match object.remove("description") {
                None => None,
                Some(Value::String(s)) => Some(s),
                Some(other) => {
                    reader.problem(ErrorKind::InvalidType, "must be a string", &format!("{field}.description"), &other);
                    None
                }
            };
            reject_unknown(object, field, &mut reader.problems);
            TransactionCodeConfiguration { input_mode, length, description }
        });
        let expires_in = reader.object("expiresIn").map(|mut object| {
            let minutes =
                take_count(&mut object, "minutes", "expiresIn.minutes", ErrorKind::InvalidExpiry, &mut reader.problems);
            let seconds =
                take_count(&mut object, "seconds", "expiresIn.seconds", ErrorKind::InvalidExpiry, &mut reader.problems);
            reject_unknown(object, "expiresIn", &mut reader.problems);
            ExpiresIn { minutes, seconds }
        });
        Ok(reader.finish(Self {
            credentials,
            user_id,
            transaction_code_configuration,
            claims,
            claims_to_persist,
            expires_in,
        }))
    }
}

impl Error {
    /// The HTTP status a host answers this error with ([`ErrorKind::http_status`]).
    pub fn http_status(&self) -> u16 {
        self.kind().http_status()
    }

    /// The error in MATTR VII's body shape: `{code, message, details: [{value, msg, param, location}]}`.
    ///
    /// ```
    /// use credoffer::issuer::PreAuthorizedOfferRequest;
    ///
    /// let err = PreAuthorizedOfferRequest::from_json(r#"{"credentials": [], "userId": 7}"#).unwrap_err();
    /// let body = err.to_mattr_body();
    /// assert_eq!(body["code"], "BadRequest");
    /// assert_eq!(body["details"][0]["param"], "userId");
    /// assert_eq!(body["details"][0]["location"], "body");
    /// ```
    pub fn to_mattr_body(&self) -> Value {
        match self.http_status() {
            404 => json!({"code": "NotFound", "message": "Resource Not Found"}),
            500 => json!({"code": "InternalServerError", "message": "Internal Server Error"}),
            _ => {
                let problems = if self.details().is_empty() { std::slice::from_ref(self) } else { self.details() };
                let details: Vec<Value> = problems
                    .iter()
                    .map(|problem| {
                        let mut detail = Map::new();
                        if let Some(value) = problem.value() {
                            detail.insert("value".into(), value.clone());
                        }
                        detail.insert("msg".into(), json!(problem.message()));
                        detail.insert("param".into(), json!(problem.field().unwrap_or("body")));
                        detail.insert("location".into(), json!("body"));
                        detail.insert("code".into(), json!(problem.code()));
                        Value::Object(detail)
                    })
                    .collect();
                json!({"code": "BadRequest", "message": "Validation Error", "details": details})
            }
        }
    }
}
