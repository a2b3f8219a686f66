//! Options objects from JavaScript (sent as JSON, camelCase names) read into the engine's option types.
//!
//! Unknown names are refused rather than ignored, so a misspelt option cannot silently fall back to a default.

use credoffer::{BuildOptions, Dialect, Error, ErrorKind, InputMode, Limits, ParseOptions, PlusPolicy, TxCodePrompt};
use serde_json::{Map, Value};

/// Reads `{plus?, strict?, allowInsecureHttp?, limits?}`.
pub fn parse_options(json: Option<&str>) -> Result<ParseOptions, Error> {
    let mut options = ParseOptions::default();
    for (name, value) in members(json)? {
        match name.as_str() {
            "plus" => options.plus = plus_policy(&value)?,
            "strict" => options.strict = boolean(&value, "strict")?,
            "allowInsecureHttp" => options.allow_insecure_http = boolean(&value, "allowInsecureHttp")?,
            "limits" => options.limits = limits(value)?,
            _ => return Err(unknown_option(&name)),
        }
    }
    Ok(options)
}

/// Reads `{dialect?, base?, allowInsecureHttp?}`.
pub fn build_options(json: Option<&str>) -> Result<BuildOptions, Error> {
    let mut options = BuildOptions::default();
    for (name, value) in members(json)? {
        match name.as_str() {
            "dialect" => options.dialect = dialect(&value)?,
            "base" => options.base = string(value, "base")?,
            "allowInsecureHttp" => options.allow_insecure_http = boolean(&value, "allowInsecureHttp")?,
            _ => return Err(unknown_option(&name)),
        }
    }
    Ok(options)
}

/// Reads `{dialect?, allowInsecureHttp?}`.
pub fn json_options(json: Option<&str>) -> Result<(Dialect, bool), Error> {
    let (mut chosen, mut allow_insecure_http) = (Dialect::default(), false);
    for (name, value) in members(json)? {
        match name.as_str() {
            "dialect" => chosen = dialect(&value)?,
            "allowInsecureHttp" => allow_insecure_http = boolean(&value, "allowInsecureHttp")?,
            _ => return Err(unknown_option(&name)),
        }
    }
    Ok((chosen, allow_insecure_http))
}

/// Reads `{inputMode?, length}` for `generateTxCode`.
pub fn tx_code_options(json: Option<&str>) -> Result<(InputMode, u32), Error> {
    let (mut mode, mut length) = (InputMode::default(), None);
    for (name, value) in members(json)? {
        match name.as_str() {
            "inputMode" => mode = input_mode(&value, "inputMode")?,
            "length" => length = Some(count(&value, "length")?),
            _ => return Err(unknown_option(&name)),
        }
    }
    let length = length.ok_or_else(|| Error::new(ErrorKind::MissingField, "length is required").at("length"))?;
    Ok((mode, length))
}

/// Reads `{txCode?, clientId?, allowInsecureHttp?}` for `tokenRequestBody`.
pub fn token_request_options(json: Option<&str>) -> Result<(Option<String>, Option<String>, bool), Error> {
    let (mut tx_code, mut client_id, mut allow_insecure_http) = (None, None, false);
    for (name, value) in members(json)? {
        match name.as_str() {
            "txCode" => tx_code = Some(string(value, "txCode")?),
            "clientId" => client_id = Some(string(value, "clientId")?),
            "allowInsecureHttp" => allow_insecure_http = boolean(&value, "allowInsecureHttp")?,
            _ => return Err(unknown_option(&name)),
        }
    }
    Ok((tx_code, client_id, allow_insecure_http))
}

/// Reads a prompt as `parseOfferUri` returns it: `{inputMode, length?, maxLength?, description?}`.
pub fn tx_code_prompt(json: &str) -> Result<TxCodePrompt, Error> {
    let mut prompt =
        TxCodePrompt { input_mode: InputMode::default(), length: None, max_length: None, description: None };
    let mut has_mode = false;
    for (name, value) in members(Some(json))? {
        match name.as_str() {
            "inputMode" => (prompt.input_mode, has_mode) = (input_mode(&value, "prompt.inputMode")?, true),
            "length" => prompt.length = Some(count(&value, "prompt.length")?),
            "maxLength" => prompt.max_length = Some(count(&value, "prompt.maxLength")?),
            "description" => prompt.description = Some(string(value, "prompt.description")?),
            _ => return Err(unknown_option(&format!("prompt.{name}"))),
        }
    }
    if !has_mode {
        return Err(Error::new(ErrorKind::MissingField, "the prompt has no inputMode").at("prompt.inputMode"));
    }
    Ok(prompt)
}

fn input_mode(value: &Value, field: &str) -> Result<InputMode, Error> {
    value.as_str().and_then(InputMode::parse).ok_or_else(|| wrong_type(field, "\"numeric\" or \"text\""))
}

fn count(value: &Value, field: &str) -> Result<u32, Error> {
    value.as_u64().and_then(|n| u32::try_from(n).ok()).ok_or_else(|| wrong_type(field, "a non-negative whole number"))
}

fn members(json: Option<&str>) -> Result<Map<String, Value>, Error> {
    let Some(json) = json else { return Ok(Map::new()) };
    match serde_json::from_str(json) {
        Ok(Value::Object(members)) => Ok(members),
        Ok(Value::Null) => Ok(Map::new()),
        _ => Err(Error::new(ErrorKind::InvalidType, "options must be a plain object").at("options")),
    }
}

fn unknown_option(name: &str) -> Error {
    Error::new(ErrorKind::UnknownMember, format!("there is no option named {name:?}")).at(name.to_owned())
}

fn wrong_type(field: &str, expected: &str) -> Error {
    Error::new(ErrorKind::InvalidType, format!("{field} must be {expected}")).at(field.to_owned())
}

fn boolean(value: &Value, field: &str) -> Result<bool, Error> {
    value.as_bool().ok_or_else(|| wrong_type(field, "a boolean"))
}

fn string(value: Value, field: &str) -> Result<String, Error> {
    match value {
        Value::String(text) => Ok(text),
        _ => Err(wrong_type(field, "a string")),
    }
}

fn dialect(value: &Value) -> Result<Dialect, Error> {
    value.as_str().ok_or_else(|| wrong_type("dialect", "a string"))?.parse()
}

fn plus_policy(value: &Value) -> Result<PlusPolicy, Error> {
    match value.as_str() {
        Some("space") => Ok(PlusPolicy::Space),
        Some("literal") => Ok(PlusPolicy::Literal),
        _ => Err(Error::new(ErrorKind::InvalidConfiguration, "plus must be \"space\" or \"literal\"").at("plus")),
    }
}

fn limits(value: Value) -> Result<Limits, Error> {
    let Value::Object(members) = value else { return Err(wrong_type("limits", "a plain object")) };
    let mut limits = Limits::default();
    for (name, value) in members {
        let slot = match name.as_str() {
            "maxUriBytes" => &mut limits.max_uri_bytes,
            "maxJsonBytes" => &mut limits.max_json_bytes,
            "maxCredentialConfigurationIds" => &mut limits.max_credential_configuration_ids,
            "maxDepth" => &mut limits.max_depth,
            _ => return Err(unknown_option(&format!("limits.{name}"))),
        };
        *slot = value
            .as_u64()
            .and_then(|n| usize::try_from(n).ok())
            .ok_or_else(|| wrong_type(&format!("limits.{name}"), "a non-negative whole number"))?;
    }
    Ok(limits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_option() {
        let options = parse_options(Some(
            r#"{"plus":"literal","strict":true,"allowInsecureHttp":true,"limits":{"maxDepth":4,"maxUriBytes":99}}"#,
        ))
        .unwrap();
        assert_eq!(options.plus, PlusPolicy::Literal);
        assert!(options.strict && options.allow_insecure_http);
        assert_eq!((options.limits.max_depth, options.limits.max_uri_bytes), (4, 99));
        assert_eq!(options.limits.max_json_bytes, Limits::default().max_json_bytes);

        let options = build_options(Some(r#"{"dialect":"mattr","base":"haip-vci://","allowInsecureHttp":false}"#));
        let options = options.unwrap();
        assert_eq!((options.dialect, options.base.as_str()), (Dialect::Mattr, "haip-vci://"));
        assert_eq!(json_options(Some(r#"{"dialect":"draft11"}"#)).unwrap(), (Dialect::Draft11, false));
        assert_eq!(parse_options(None).unwrap(), ParseOptions::default());
        assert_eq!(build_options(Some("null")).unwrap(), BuildOptions::default());
    }

    #[test]
    fn refuses_what_it_does_not_know() {
        let fails = |result: Result<ParseOptions, Error>| {
            let error = result.unwrap_err();
            (error.code(), error.field().map(str::to_owned))
        };
        assert_eq!(fails(parse_options(Some(r#"{"allowInsecureHTTP":true}"#))).0, "unknown_member");
        assert_eq!(fails(parse_options(Some(r#"{"strict":"yes"}"#))), ("invalid_type", Some("strict".into())));
        assert_eq!(fails(parse_options(Some(r#"{"plus":"minus"}"#))).0, "invalid_configuration");
        assert_eq!(
            fails(parse_options(Some(r#"{"limits":{"maxDepth":-1}}"#))),
            ("invalid_type", Some("limits.maxDepth".into()))
        );
        assert_eq!(fails(parse_options(Some("[1]"))), ("invalid_type", Some("options".into())));
        let error = build_options(Some(r#"{"dialect":"draft99"}"#)).unwrap_err();
        assert_eq!((error.code(), error.field()), ("invalid_configuration", Some("dialect")));
    }
}
