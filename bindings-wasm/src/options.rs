//! Options objects from JavaScript (sent as JSON, camelCase names) read into the engine's option types.
//!
//! Unknown names are refused rather than ignored, so a misspelt option cannot silently fall back to a default.

use credoffer::compat::PlusPolicy;
use credoffer::error::BindingErrorKind;
use credoffer::json::{JsonMembers, JsonValue};
use credoffer::limits::Limits;
use credoffer::lint::{LintOptions, Profile};
use credoffer::offer::InputMode;
use credoffer::wallet::TxCodePrompt;
use credoffer::{BuildOptions, Dialect, ParseOptions};

use crate::errors::Failure;

/// Reads `{plus?, strict?, allowInsecureHttp?, limits?}`.
pub fn parse_options(json: Option<&str>) -> Result<ParseOptions, Failure> {
    Ok(Given::read(json, &["plus", "strict", "allowInsecureHttp", "limits"], "")?.parse_options())
}

/// Reads `{dialect?, base?, allowInsecureHttp?}`.
pub fn build_options(json: Option<&str>) -> Result<BuildOptions, Failure> {
    Ok(Given::read(json, &["dialect", "base", "allowInsecureHttp"], "")?.build_options())
}

/// Reads `{profile?, dialect?, base?, plus?, strict?, allowInsecureHttp?, limits?}` for `lint`: the build
/// options say how offer JSON will be written, the parse options how the input is read, and
/// `allowInsecureHttp` goes to both. The metadata crosses as its own argument.
pub fn lint_options(json: Option<&str>) -> Result<LintOptions, Failure> {
    let accepted = ["profile", "dialect", "base", "plus", "strict", "allowInsecureHttp", "limits"];
    let mut given = Given::read(json, &accepted, "")?;
    let mut options = LintOptions::default().parse(given.parse_options()).build(given.build_options());
    options.profile = given.profile;
    Ok(options)
}

/// Reads `{dialect?, allowInsecureHttp?}`.
pub fn json_options(json: Option<&str>) -> Result<(Dialect, bool), Failure> {
    let given = Given::read(json, &["dialect", "allowInsecureHttp"], "")?;
    Ok((given.dialect.unwrap_or_default(), given.allow_insecure_http.unwrap_or_default()))
}

/// Reads `{inputMode?, length}` for `generateTxCode`.
pub fn tx_code_options(json: Option<&str>) -> Result<(InputMode, u32), Failure> {
    let given = Given::read(json, &["inputMode", "length"], "")?;
    let length = given
        .length
        .ok_or_else(|| Failure::binding(BindingErrorKind::MissingArgument, "length is required", "length"))?;
    Ok((given.input_mode.unwrap_or_default(), length))
}

/// Reads `{txCode?, clientId?, allowInsecureHttp?}` for `tokenRequestBody`.
pub fn token_request_options(json: Option<&str>) -> Result<(Option<String>, Option<String>, bool), Failure> {
    let given = Given::read(json, &["txCode", "clientId", "allowInsecureHttp"], "")?;
    Ok((given.tx_code, given.client_id, given.allow_insecure_http.unwrap_or_default()))
}

/// Reads a prompt as `parseOfferUri` returns it: `{inputMode, length?, maxLength?, description?}`.
pub fn tx_code_prompt(json: &str) -> Result<TxCodePrompt, Failure> {
    let given = Given::read(Some(json), &["inputMode", "length", "maxLength", "description"], "prompt.")?;
    let Some(input_mode) = given.input_mode else {
        return Err(Failure::binding(
            BindingErrorKind::MissingArgument,
            "the prompt has no inputMode",
            "prompt.inputMode",
        ));
    };
    Ok(TxCodePrompt { input_mode, length: given.length, max_length: given.max_length, description: given.description })
}

/// The members of an options object, each read into its type. Every operation's options go through this one
/// reader (a copy of the loop per operation was a tenth of the bindings' code); an operation names the members
/// it accepts.
#[derive(Default)]
struct Given {
    plus: Option<PlusPolicy>,
    strict: Option<bool>,
    allow_insecure_http: Option<bool>,
    limits: Option<Limits>,
    dialect: Option<Dialect>,
    base: Option<String>,
    profile: Option<Profile>,
    input_mode: Option<InputMode>,
    length: Option<u32>,
    max_length: Option<u32>,
    description: Option<String>,
    tx_code: Option<String>,
    client_id: Option<String>,
}

/// Where [`Given::read`] puts a member, by the type it is read as.
enum Slot<'a> {
    Boolean(&'a mut Option<bool>),
    Text(&'a mut Option<String>),
    Count(&'a mut Option<u32>),
    Plus(&'a mut Option<PlusPolicy>),
    Limits(&'a mut Option<Limits>),
    Dialect(&'a mut Option<Dialect>),
    Profile(&'a mut Option<Profile>),
    InputMode(&'a mut Option<InputMode>),
}

impl Given {
    /// Reads the members of `json` (none for `None` or `null`), refusing a name not in `accepted`; errors name a
    /// member as `prefix` followed by its name.
    fn read(json: Option<&str>, accepted: &[&str], prefix: &str) -> Result<Self, Failure> {
        let mut given = Given::default();
        for (name, value) in members(json)? {
            let field = format!("{prefix}{name}");
            if !accepted.contains(&name.as_str()) {
                return Err(unknown_option(&field));
            }
            let value = &value;
            // Members of one type share the code that reads them: each name only picks its slot.
            let slot = match name.as_str() {
                "strict" => Slot::Boolean(&mut given.strict),
                "allowInsecureHttp" => Slot::Boolean(&mut given.allow_insecure_http),
                "base" => Slot::Text(&mut given.base),
                "description" => Slot::Text(&mut given.description),
                "txCode" => Slot::Text(&mut given.tx_code),
                "clientId" => Slot::Text(&mut given.client_id),
                "length" => Slot::Count(&mut given.length),
                "maxLength" => Slot::Count(&mut given.max_length),
                "plus" => Slot::Plus(&mut given.plus),
                "limits" => Slot::Limits(&mut given.limits),
                "dialect" => Slot::Dialect(&mut given.dialect),
                "profile" => Slot::Profile(&mut given.profile),
                "inputMode" => Slot::InputMode(&mut given.input_mode),
                _ => return Err(unknown_option(&field)),
            };
            match slot {
                Slot::Boolean(slot) => *slot = Some(boolean(value, &field)?),
                Slot::Text(slot) => *slot = Some(string(value, &field)?),
                Slot::Count(slot) => *slot = Some(count(value, &field)?),
                Slot::Plus(slot) => *slot = Some(plus_policy(value)?),
                Slot::Limits(slot) => *slot = Some(limits(value)?),
                Slot::Dialect(slot) => *slot = Some(dialect(value)?),
                Slot::Profile(slot) => *slot = Some(profile(value)?),
                Slot::InputMode(slot) => *slot = Some(input_mode(value, &field)?),
            }
        }
        Ok(given)
    }

    fn parse_options(&self) -> ParseOptions {
        let mut options = ParseOptions::default();
        if let Some(plus) = self.plus {
            options.plus = plus;
        }
        if let Some(strict) = self.strict {
            options.strict = strict;
        }
        if let Some(allow) = self.allow_insecure_http {
            options.allow_insecure_http = allow;
        }
        if let Some(limits) = self.limits {
            options.limits = limits;
        }
        options
    }

    fn build_options(&mut self) -> BuildOptions {
        let mut options = BuildOptions::default();
        if let Some(dialect) = self.dialect {
            options.dialect = dialect;
        }
        if let Some(base) = self.base.take() {
            options.base = base;
        }
        if let Some(allow) = self.allow_insecure_http {
            options.allow_insecure_http = allow;
        }
        options
    }
}

fn input_mode(value: &JsonValue, field: &str) -> Result<InputMode, Failure> {
    let mode = string(value, field)?;
    InputMode::parse(&mode).ok_or_else(|| unknown_value(field, "\"numeric\" or \"text\""))
}

fn count(value: &JsonValue, field: &str) -> Result<u32, Failure> {
    value.to_u64().and_then(|n| u32::try_from(n).ok()).ok_or_else(|| wrong_type(field, "a non-negative whole number"))
}

fn members(json: Option<&str>) -> Result<JsonMembers, Failure> {
    let Some(json) = json else { return Ok(JsonMembers::new()) };
    // Read by the engine's JSON reader into its own members, as everything else: serde_json's typed reading
    // would bring its float formatting into the WebAssembly, its `Value` a B-tree (see the package's README,
    // "Size").
    match JsonValue::from_json(json) {
        Ok(value) if value.is_null() => Ok(JsonMembers::new()),
        Ok(value) => value.to_members().ok_or_else(not_an_object),
        Err(_) => Err(not_an_object()),
    }
}

fn not_an_object() -> Failure {
    Failure::binding(BindingErrorKind::InvalidArgumentType, "options must be a plain object", "options")
}

fn unknown_option(name: &str) -> Failure {
    Failure::binding(BindingErrorKind::UnknownOption, format!("there is no option named {name:?}"), name)
}

fn wrong_type(field: &str, expected: &str) -> Failure {
    Failure::binding(BindingErrorKind::InvalidArgumentType, format!("{field} must be {expected}"), field)
}

fn unknown_value(field: &str, expected: &str) -> Failure {
    Failure::binding(BindingErrorKind::InvalidArgument, format!("{field} must be {expected}"), field)
}

fn boolean(value: &JsonValue, field: &str) -> Result<bool, Failure> {
    value.to_bool().ok_or_else(|| wrong_type(field, "a boolean"))
}

fn string(value: &JsonValue, field: &str) -> Result<String, Failure> {
    value.to_str().ok_or_else(|| wrong_type(field, "a string"))
}

fn dialect(value: &JsonValue) -> Result<Dialect, Failure> {
    // The engine's own error: the shared vectors expect every binding to report an unknown dialect alike.
    Ok(string(value, "dialect")?.parse()?)
}

fn profile(value: &JsonValue) -> Result<Profile, Failure> {
    // The engine's own error, as for a dialect: every binding reports an unknown profile alike.
    Ok(string(value, "profile")?.parse()?)
}

fn plus_policy(value: &JsonValue) -> Result<PlusPolicy, Failure> {
    match string(value, "plus")?.as_str() {
        "space" => Ok(PlusPolicy::Space),
        "literal" => Ok(PlusPolicy::Literal),
        _ => Err(unknown_value("plus", "\"space\" or \"literal\"")),
    }
}

fn limits(value: &JsonValue) -> Result<Limits, Failure> {
    let Some(members) = value.to_members() else { return Err(wrong_type("limits", "a plain object")) };
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
            .to_u64()
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

        let options = lint_options(Some(
            r#"{"profile":"it-wallet","dialect":"draft13","base":"haip-vci://","strict":true,"allowInsecureHttp":true}"#,
        ))
        .unwrap();
        assert_eq!(options.profile, Some(Profile::ItWallet));
        assert_eq!((options.build.dialect, options.build.base.as_str()), (Dialect::Draft13, "haip-vci://"));
        assert!(options.build.allow_insecure_http && options.parse.allow_insecure_http && options.parse.strict);
        assert_eq!(lint_options(None).unwrap(), LintOptions::default());
    }

    #[test]
    fn refuses_what_it_does_not_know() {
        let fails = |result: Result<ParseOptions, Failure>| {
            let error = result.unwrap_err();
            (error.code(), error.field().map(str::to_owned))
        };
        assert_eq!(fails(parse_options(Some(r#"{"allowInsecureHTTP":true}"#))).0, "unknown_option");
        assert_eq!(fails(parse_options(Some(r#"{"strict":"yes"}"#))), ("invalid_argument_type", Some("strict".into())));
        assert_eq!(fails(parse_options(Some(r#"{"plus":"minus"}"#))), ("invalid_argument", Some("plus".into())));
        assert_eq!(
            fails(parse_options(Some(r#"{"limits":{"maxDepth":-1}}"#))),
            ("invalid_argument_type", Some("limits.maxDepth".into()))
        );
        assert_eq!(fails(parse_options(Some("[1]"))), ("invalid_argument_type", Some("options".into())));
        let error = build_options(Some(r#"{"dialect":"draft99"}"#)).unwrap_err();
        assert_eq!((error.code(), error.field()), ("unknown_dialect", Some("dialect")));
        let error = lint_options(Some(r#"{"profile":"HAIP"}"#)).unwrap_err();
        assert_eq!(error.code(), "unknown_profile");
        let error = lint_options(Some(r#"{"profile":1}"#)).unwrap_err();
        assert_eq!((error.code(), error.field()), ("invalid_argument_type", Some("profile")));
        assert_eq!(lint_options(Some(r#"{"metadata":{}}"#)).unwrap_err().code(), "unknown_option");
        let error = tx_code_options(Some(r#"{"inputMode":"text"}"#)).unwrap_err();
        assert_eq!((error.code(), error.field()), ("missing_argument", Some("length")));
    }
}
