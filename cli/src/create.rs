//! `credoffer create pre-authorized | authorization`: MATTR VII's offer endpoints on the command line.
//!
//! The options become the exact JSON body the HTTP endpoint takes, so the engine validates a command
//! line the way it validates a request (and reports every problem at once).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use clap::Args;
use credoffer::issuer::MDOC_FORMAT;
use credoffer::json::{JsonMembers, JsonValue};
use credoffer::lint::{LintOptions, lint};
use credoffer::offer::InputMode;
use credoffer::qr::{QrCode, qr_is_uncomfortable};
use credoffer::{
    Dialect, Entropy, FixedEntropy, Issuer, IssuerConfig, OfferRecord, OfferUri, ParseOptions, SystemEntropy,
    parse_offer_uri,
};
use serde_json::{Map, Value, json};

use crate::failure::{Failure, print_stdout};
use crate::{JsonFlag, Outcome, input, qr, record_file};

/// The issuer named when none is given: a reserved `.invalid` name (RFC 2606), so it can never reach
/// anyone's real service.
pub const DEMO_ISSUER: &str = "https://issuer.demo.credoffer.invalid";
/// The demo issuer sets no format rule, so the format it records for each configuration is never read.
const DEMO_FORMAT: &str = MDOC_FORMAT;

/// Where the offer comes from: the issuer and how offers are written.
#[derive(Debug, Args)]
pub struct IssuerArgs {
    /// The Credential Issuer identifier (https URL). Default: a demo issuer that resolves nowhere
    #[arg(long, value_name = "URL")]
    issuer: Option<String>,
    /// Issuer configuration JSON (as IssuerConfig: credentialIssuer, credentialConfigurations, txCode, …);
    /// --issuer, --dialect and --base override its members
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// JSON shape of the offer: 1.0, mattr (1.0 plus the draft 11 credentials list), draft13, draft11
    #[arg(long, value_name = "DIALECT", value_parser = parse_dialect)]
    dialect: Option<Dialect>,
    /// Where wallets are invoked: openid-credential-offer:// (default), haip-vci://, an https URL, …
    #[arg(long, value_name = "URI", allow_hyphen_values = true)]
    base: Option<String>,
    /// Take randomness from these hex bytes instead of the system CSPRNG, to reproduce an output
    /// exactly (tests, documentation). Never for real offers
    #[arg(long, value_name = "HEX")]
    entropy_hex: Option<String>,
}

#[derive(Debug, Args)]
pub struct PreAuthorizedArgs {
    /// A credential configuration id to offer (repeat for several)
    #[arg(long = "credential", value_name = "ID", required = true, allow_hyphen_values = true)]
    credentials: Vec<String>,
    #[command(flatten)]
    issuer: IssuerArgs,
    /// Require a transaction code: numeric or text, with an optional length (default from the issuer
    /// configuration: numeric, 6)
    #[arg(long, value_name = "numeric|text[:LEN]", value_parser = parse_tx_code)]
    tx_code: Option<TxCodeSpec>,
    /// Guidance the wallet shows next to the transaction code input (implies --tx-code)
    #[arg(long, value_name = "TEXT", allow_hyphen_values = true)]
    tx_description: Option<String>,
    /// Lifetime of the offer, e.g. 5m30s, 2m, 90s or 90 (seconds); default 5 minutes, at most 10
    #[arg(long, value_name = "DURATION", value_parser = parse_expires_in)]
    expires_in: Option<ExpiresInSpec>,
    /// The user the offer is for (a UUID); default: a new random UUID
    #[arg(long, value_name = "UUID", allow_hyphen_values = true)]
    user_id: Option<String>,
    /// Claims for the credential, as a JSON object
    #[arg(long, value_name = "JSON")]
    claims: Option<String>,
    /// A claim name from --claims to keep in the record (repeat for several)
    #[arg(long = "claims-to-persist", value_name = "NAME", allow_hyphen_values = true)]
    claims_to_persist: Vec<String>,
    /// Save the offer record (what an issuer stores; no secret in plain text) to FILE, for `redeem`
    #[arg(long, value_name = "FILE")]
    record: Option<PathBuf>,
    /// The current time in Unix seconds; default: the system clock
    #[arg(long, value_name = "UNIX_SECONDS")]
    now: Option<u64>,
    /// Draw the QR code for dark text on a light background
    #[arg(long)]
    light_terminal: bool,
    #[command(flatten)]
    pub output: JsonFlag,
}

#[derive(Debug, Args)]
pub struct AuthorizationArgs {
    /// A credential configuration id to offer (repeat for several)
    #[arg(long = "credential", value_name = "ID", required = true, allow_hyphen_values = true)]
    credentials: Vec<String>,
    #[command(flatten)]
    issuer: IssuerArgs,
    /// request_parameters.login_hint: who should sign in
    #[arg(long, value_name = "HINT", allow_hyphen_values = true)]
    login_hint: Option<String>,
    /// request_parameters.prompt, e.g. login
    #[arg(long, value_name = "PROMPT", allow_hyphen_values = true)]
    prompt: Option<String>,
    /// Put a fresh issuer_state in the offer and print it, to bind the later authorization request
    #[arg(long)]
    issuer_state: bool,
    /// Draw the QR code for dark text on a light background
    #[arg(long)]
    light_terminal: bool,
    #[command(flatten)]
    pub output: JsonFlag,
}

/// `--tx-code numeric:6`.
#[derive(Debug, Clone)]
pub struct TxCodeSpec {
    input_mode: InputMode,
    length: Option<u32>,
}

/// `--expires-in 5m30s`.
#[derive(Debug, Clone, Copy)]
pub struct ExpiresInSpec {
    minutes: Option<u64>,
    seconds: Option<u64>,
}

pub(crate) fn parse_dialect(value: &str) -> Result<Dialect, String> {
    value.parse().map_err(|e: credoffer::Error| e.message().to_owned())
}

fn parse_tx_code(value: &str) -> Result<TxCodeSpec, String> {
    let (mode, length) = match value.split_once(':') {
        Some((mode, length)) => (mode, Some(length)),
        None => (value, None),
    };
    let input_mode =
        InputMode::parse(mode).ok_or_else(|| format!("unknown input mode {mode:?}; expected numeric or text"))?;
    let length = match length {
        Some(length) => Some(length.parse().map_err(|_| format!("the length {length:?} is not a whole number"))?),
        None => None,
    };
    Ok(TxCodeSpec { input_mode, length })
}

/// `5m30s`, `2m`, `90s`, or a bare number of seconds. Bounds are the engine's to check.
fn parse_expires_in(value: &str) -> Result<ExpiresInSpec, String> {
    let invalid = || format!("{value:?} is not a duration like 5m30s, 2m, 90s or 90");
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(ExpiresInSpec { minutes: None, seconds: Some(value.parse().map_err(|_| invalid())?) });
    }
    let (minutes, rest) = match value.split_once('m') {
        Some((minutes, rest)) => (Some(minutes.parse::<u64>().map_err(|_| invalid())?), rest),
        None => (None, value),
    };
    let seconds = match rest {
        "" => None,
        rest => Some(rest.strip_suffix('s').and_then(|s| s.parse::<u64>().ok()).ok_or_else(invalid)?),
    };
    if minutes.is_none() && seconds.is_none() {
        return Err(invalid());
    }
    Ok(ExpiresInSpec { minutes, seconds })
}

/// The issuer for a command: `--config` or the demo issuer supporting exactly `credentials`, with the
/// command line's overrides. Also says whether it is the demo issuer.
fn issuer(args: &IssuerArgs, credentials: &[String], issuer_state: bool) -> Result<(Issuer, bool), Failure> {
    let mut config = match &args.config {
        Some(path) => IssuerConfig::from_json(&input::read_file(path)?)?,
        None => {
            IssuerConfig::new(DEMO_ISSUER, credentials.iter().map(|id| (id.clone(), DEMO_FORMAT.to_owned())).collect())
        }
    };
    if let Some(issuer) = &args.issuer {
        config.credential_issuer.clone_from(issuer);
    }
    if let Some(dialect) = args.dialect {
        config.dialect = dialect;
    }
    if let Some(base) = &args.base {
        config.offer_base.clone_from(base);
    }
    config.generate_issuer_state |= issuer_state;
    let demo = config.credential_issuer == DEMO_ISSUER;
    Ok((Issuer::new(config)?, demo))
}

/// The issuer that checks a redemption: `--config`, or the demo issuer `create` used. Redemption reads
/// only the transaction-code rules of the configuration (the HMAC key, the wrong-code error).
pub fn redeeming_issuer(config: Option<&Path>, record: &OfferRecord) -> Result<Issuer, Failure> {
    let config = match config {
        Some(path) => IssuerConfig::from_json(&input::read_file(path)?)?,
        None => IssuerConfig::new(
            DEMO_ISSUER,
            record.credential_configuration_ids.iter().map(|id| (id.clone(), DEMO_FORMAT.to_owned())).collect(),
        ),
    };
    Ok(Issuer::new(config)?)
}

fn entropy(args: &IssuerArgs) -> Result<Box<dyn Entropy>, Failure> {
    match &args.entropy_hex {
        Some(hex) => Ok(Box::new(FixedEntropy::from_hex(hex)?)),
        None => Ok(Box::new(SystemEntropy)),
    }
}

/// The interop lint's findings on an offer just created, as `warning[code]: …` lines on standard error
/// (standard output stays the offer's, in both output modes).
fn print_lint_warnings(issuer: &Issuer, uri: &str) -> Outcome {
    let build = issuer.build_options();
    let options = LintOptions::default().allow_insecure_http(build.allow_insecure_http).build(build);
    for warning in lint(uri, &options)?.warnings {
        eprintln!("warning[{}]: {}", warning.code(), warning.message);
    }
    Ok(())
}

fn demo_notice() -> String {
    format!(
        "Demo issuer: {DEMO_ISSUER} is a placeholder that resolves nowhere.\n\
         Pass --issuer URL (or --config FILE) to offer from a real issuer."
    )
}

pub fn pre_authorized(args: &PreAuthorizedArgs) -> Outcome {
    let (issuer, demo) = issuer(&args.issuer, &args.credentials, false)?;
    let body = pre_authorized_body(args)?;
    let now = input::now(args.now);
    let offer = issuer.create_pre_authorized_offer_json(&body, now, entropy(&args.issuer)?.as_mut())?;
    if let Some(path) = &args.record {
        record_file::create(path, &offer.record)?;
    }
    print_lint_warnings(&issuer, &offer.response.uri)?;
    if args.output.json {
        if demo {
            eprintln!("note: {}", demo_notice().replace('\n', " "));
        }
        print_stdout(&format!("{}\n", offer.response.to_json()));
        return Ok(());
    }
    let response = &offer.response;
    let mut out = String::new();
    if demo {
        let _ = writeln!(out, "{}\n", demo_notice());
    }
    let _ = writeln!(out, "{}\n", pretty_struct(response));
    out.push_str(&qr_block(&response.uri, args.light_terminal));
    let _ = writeln!(out, "Offer {} for user {}, expires at {}.", response.id, response.user_id, response.expires_at);
    if let Some(code) = &response.transaction_code {
        let _ =
            writeln!(out, "Transaction code: {code} (send it to the user on another channel, never with the QR code).");
    }
    let pre_authorized_code = match parse_offer_uri(&response.uri, &ParseOptions::default()) {
        Ok(OfferUri::ByValue(parsed)) => {
            parsed.offer.pre_authorized_code_grant().map(|g| g.pre_authorized_code.clone())
        }
        _ => None,
    };
    match (&args.record, pre_authorized_code) {
        (Some(path), Some(code)) => {
            let tx = response.transaction_code.as_ref().map(|c| format!(" --tx-code {c}")).unwrap_or_default();
            let _ = writeln!(out, "Record saved to {}. Redeem it as a wallet would:", path.display());
            let _ = writeln!(
                out,
                "  credoffer redeem --record {} --code {code}{tx}",
                shell_word(&path.display().to_string())
            );
        }
        (Some(path), None) => {
            let _ = writeln!(out, "Record saved to {}.", path.display());
        }
        (None, _) => {
            let _ = writeln!(out, "Add --record FILE to keep the record and try `credoffer redeem`.");
        }
    }
    print_stdout(&out);
    Ok(())
}

fn pre_authorized_body(args: &PreAuthorizedArgs) -> Result<String, Failure> {
    let mut body = Map::new();
    body.insert("credentials".into(), json!(args.credentials));
    if let Some(user_id) = &args.user_id {
        body.insert("userId".into(), json!(user_id));
    }
    if args.tx_code.is_some() || args.tx_description.is_some() {
        let mut configuration = Map::new();
        if let Some(spec) = &args.tx_code {
            configuration.insert("inputMode".into(), json!(spec.input_mode.as_str()));
            if let Some(length) = spec.length {
                configuration.insert("length".into(), json!(length));
            }
        }
        if let Some(description) = &args.tx_description {
            configuration.insert("description".into(), json!(description));
        }
        body.insert("transactionCodeConfiguration".into(), Value::Object(configuration));
    }
    if !args.claims_to_persist.is_empty() {
        body.insert("claimsToPersist".into(), json!(args.claims_to_persist));
    }
    if let Some(spec) = args.expires_in {
        let mut expires_in = Map::new();
        if let Some(minutes) = spec.minutes {
            expires_in.insert("minutes".into(), json!(minutes));
        }
        if let Some(seconds) = spec.seconds {
            expires_in.insert("seconds".into(), json!(seconds));
        }
        body.insert("expiresIn".into(), Value::Object(expires_in));
    }
    let mut body: JsonMembers = body.iter().map(|(name, value)| (name.clone(), JsonValue::from_value(value))).collect();
    if let Some(claims) = &args.claims {
        // Claims go in as written: read into a `Value`, their numbers would be rounded to doubles.
        // A malformed argument is the command line's fault, not an input the engine refused.
        let claims = serde_json::from_str::<JsonValue>(claims)
            .map_err(|e| Failure::usage(format!("--claims is not JSON: {e}"), "claims"))?;
        body.insert("claims", claims);
    }
    Ok(JsonValue::from_members(&body).as_json().to_owned())
}

pub fn authorization(args: &AuthorizationArgs) -> Outcome {
    let (issuer, demo) = issuer(&args.issuer, &args.credentials, args.issuer_state)?;
    let mut body = Map::new();
    body.insert("credentials".into(), json!(args.credentials));
    let mut parameters = Map::new();
    if let Some(hint) = &args.login_hint {
        parameters.insert("login_hint".into(), json!(hint));
    }
    if let Some(prompt) = &args.prompt {
        parameters.insert("prompt".into(), json!(prompt));
    }
    if !parameters.is_empty() {
        body.insert("request_parameters".into(), Value::Object(parameters));
    }
    let offer =
        issuer.create_authorization_offer_json(&Value::Object(body).to_string(), entropy(&args.issuer)?.as_mut())?;
    print_lint_warnings(&issuer, &offer.uri)?;
    if args.output.json {
        if demo {
            eprintln!("note: {}", demo_notice().replace('\n', " "));
        }
        print_stdout(&format!("{}\n", offer.to_json()));
        return Ok(());
    }
    let mut out = String::new();
    if demo {
        let _ = writeln!(out, "{}\n", demo_notice());
    }
    let _ = writeln!(out, "{}\n", pretty_struct(&offer));
    out.push_str(&qr_block(&offer.uri, args.light_terminal));
    let _ = writeln!(out, "The wallet signs the user in at the issuer (authorization code flow).");
    print_stdout(&out);
    Ok(())
}

/// The QR code in the terminal, or why there is none.
fn qr_block(uri: &str, light_terminal: bool) -> String {
    let mut out = String::new();
    match QrCode::encode(uri) {
        Ok(code) => {
            out.push_str(&code.to_terminal(qr::background(light_terminal)));
            let _ = writeln!(out, "QR code: {}.", qr::describe(&code));
        }
        Err(error) => {
            let _ = writeln!(out, "No QR code: {}", error.message());
        }
    }
    if qr_is_uncomfortable(uri) {
        let _ = writeln!(out, "{}", qr::too_long_note(uri.len()));
    }
    out.push('\n');
    out
}

/// The record as indented JSON, so a person can watch it change.
pub fn record_text(record: &OfferRecord) -> String {
    // Indented from the record itself: read back into a `Value`, its claims' numbers would be rounded.
    format!("{}\n", pretty_struct(record))
}

/// Indented JSON in the struct's own member order (the order of MATTR's documentation).
fn pretty_struct(value: &impl serde::Serialize) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

/// `path` quoted for a POSIX shell when it needs it.
fn shell_word(word: &str) -> String {
    if !word.is_empty() && word.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_./=:@%+".contains(&b)) {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}
