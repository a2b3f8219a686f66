//! `credoffer parse`: explain an offer, for people or as JSON.

use std::fmt::Write as _;
use std::path::PathBuf;

use clap::Args;
use credoffer::compat::PlusPolicy;
use credoffer::metadata::{MetadataCheck, well_known_metadata_url};
use credoffer::offer::InputMode;
use credoffer::uri::OfferReference;
use credoffer::{IssuerMetadata, OfferUri, ParseOptions, ParsedOffer, Warning, parse_offer_uri};

use crate::failure::{print_stdout, shown};
use crate::{JsonFlag, Outcome, input};

#[derive(Debug, Args)]
pub struct ParseArgs {
    /// The offer URI (any draft, any scheme) or offer JSON; `-` reads standard input
    #[arg(value_name = "URI | -")]
    input: String,
    /// Check the offer against Credential Issuer Metadata read from FILE (JSON)
    #[arg(long, value_name = "FILE")]
    metadata: Option<PathBuf>,
    /// Make every spec violation an error (by default harmless ones are warnings)
    #[arg(long)]
    strict: bool,
    /// Read `+` in the query as a literal plus sign, not a space
    #[arg(long)]
    plus_literal: bool,
    /// Accept http:// issuers and offer URLs (local testing only)
    #[arg(long)]
    allow_insecure_http: bool,
    #[command(flatten)]
    pub output: JsonFlag,
}

pub fn run(args: &ParseArgs) -> Outcome {
    let text = input::argument_or_stdin(&args.input)?;
    let metadata = match &args.metadata {
        Some(path) => Some(IssuerMetadata::from_json(&input::read_file(path)?)?),
        None => None,
    };
    let options = ParseOptions::default()
        .plus(if args.plus_literal { PlusPolicy::Literal } else { PlusPolicy::Space })
        .strict(args.strict)
        .allow_insecure_http(args.allow_insecure_http);
    let parsed = match (parse_offer_uri(&text, &options)?, &metadata) {
        // With metadata, inline draft 11 descriptions become configuration ids: complete 1.0 data.
        (OfferUri::ByValue(offer), Some(metadata)) => OfferUri::ByValue(offer.resolve(metadata)?),
        (parsed, _) => parsed,
    };
    match &parsed {
        OfferUri::ByValue(offer) => {
            let check = match &metadata {
                Some(metadata) => Some(metadata.check(&offer.offer)?),
                None => None,
            };
            if args.output.json {
                let view = match &check {
                    Some(check) => parsed.to_json_with_metadata(check),
                    None => parsed.to_json(),
                };
                print_stdout(&format!("{view}\n"));
            } else {
                print_stdout(&explain_offer(offer, check.as_ref()));
            }
        }
        OfferUri::ByReference(reference) => {
            if args.output.json {
                print_stdout(&format!("{}\n", parsed.to_json()));
            } else {
                print_stdout(&explain_reference(reference, metadata.is_some()));
            }
        }
    }
    Ok(())
}

fn explain_offer(parsed: &ParsedOffer, check: Option<&MetadataCheck>) -> String {
    let offer = &parsed.offer;
    let mut out = String::new();
    let _ = writeln!(out, "Credential offer (by value, {} shape)", shape_name(parsed));
    let _ = writeln!(out, "  issuer:          {}", shown(&offer.credential_issuer));
    if let Ok(url) = well_known_metadata_url(&offer.credential_issuer) {
        let _ = writeln!(out, "  issuer metadata: {url}");
    }
    let _ = writeln!(out, "  credentials:");
    for id in &offer.credential_configuration_ids {
        let format = check.and_then(|check| check.formats.iter().find(|(known, _)| known == id)).map(|(_, f)| f);
        match format {
            Some(format) => {
                let _ = writeln!(out, "    - {} ({})", shown(id), shown(format));
            }
            None => {
                let _ = writeln!(out, "    - {}", shown(id));
            }
        }
    }
    if !offer.legacy_credentials.is_empty() {
        let _ = writeln!(
            out,
            "    + {} inline credential description(s) of an older draft (no id: --metadata resolves them)",
            offer.legacy_credentials.len()
        );
    }

    let _ = writeln!(out, "  grants:");
    let grants = offer.grants.as_ref();
    let pre_authorized = grants.and_then(|g| g.pre_authorized_code.as_ref());
    let authorization = grants.and_then(|g| g.authorization_code.as_ref());
    if let Some(grant) = pre_authorized {
        let _ = writeln!(out, "    pre-authorized code: {}", shown(&grant.pre_authorized_code));
        if let Some(server) = &grant.authorization_server {
            let _ = writeln!(out, "      authorization server: {}", shown(server));
        }
    }
    if let Some(grant) = authorization {
        let _ = writeln!(out, "    authorization code flow");
        if let Some(state) = &grant.issuer_state {
            let _ = writeln!(out, "      issuer_state: {}", shown(state));
        }
        if let Some(server) = &grant.authorization_server {
            let _ = writeln!(out, "      authorization server: {}", shown(server));
        }
    }
    if let Some(other) = grants.map(|g| &g.other).filter(|other| !other.is_empty()) {
        let names: Vec<&str> = other.keys().collect();
        let _ = writeln!(out, "    other grant types: {}", shown(&names.join(", ")));
    }
    if pre_authorized.is_none() && authorization.is_none() {
        let _ = writeln!(out, "    none named: the wallet chooses from the issuer's metadata");
    }

    let _ = writeln!(out, "  the user must:");
    match parsed.tx_code_prompt() {
        Some(prompt) => {
            let kind = match prompt.input_mode {
                InputMode::Numeric => "digits",
                InputMode::Text => "characters",
            };
            let size = match (prompt.length, prompt.max_length) {
                (Some(length), _) => format!("{length} {kind}"),
                (None, Some(max)) => format!("up to {max} {kind}"),
                (None, None) => format!("{kind}, any length"),
            };
            let _ = writeln!(out, "    enter a transaction code sent on another channel: {size}");
            if let Some(description) = &prompt.description {
                let _ = writeln!(out, "      shown with: {description:?}");
            }
        }
        None if pre_authorized.is_some() => {
            let _ = writeln!(out, "    nothing more: the pre-authorized code is enough");
        }
        None => {
            let _ = writeln!(out, "    sign in at the issuer (authorization code flow)");
        }
    }
    if !offer.extensions.is_empty() {
        let names: Vec<&str> = offer.extensions.keys().collect();
        let _ = writeln!(out, "  other members:   {}", shown(&names.join(", ")));
    }
    let mut warnings: Vec<&Warning> = parsed.warnings.iter().collect();
    if let Some(check) = check {
        let _ = writeln!(out, "  metadata:        consistent with the offer");
        warnings.extend(check.warnings.iter());
    }
    write_warnings(&mut out, &warnings);
    out
}

fn shape_name(parsed: &ParsedOffer) -> String {
    match parsed.source.as_str() {
        "1.0" => "OpenID4VCI 1.0".to_owned(),
        "hybrid" => "hybrid (both credentials and credential_configuration_ids, as MATTR VII writes)".to_owned(),
        other => other.to_owned(),
    }
}

fn explain_reference(reference: &OfferReference, metadata_given: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Credential offer by reference");
    let _ = writeln!(out, "  fetch the offer from: {}", shown(&reference.uri));
    let _ = writeln!(out, "  then explain it with: curl -s '<that URL>' | credoffer parse -");
    if metadata_given {
        let _ = writeln!(out, "  metadata:             not checked (the offer itself is not in the URI)");
    }
    write_warnings(&mut out, &reference.warnings.iter().collect::<Vec<_>>());
    out
}

/// The warnings block of a report; a warning with evidence (the interop lint's) shows it beneath.
pub(crate) fn write_warnings(out: &mut String, warnings: &[&Warning]) {
    if warnings.is_empty() {
        let _ = writeln!(out, "  warnings:        none");
        return;
    }
    let _ = writeln!(out, "  warnings:");
    for warning in warnings {
        match &warning.field {
            Some(field) => {
                let _ = writeln!(out, "    - {}: {} ({})", warning.code(), shown(&warning.message), shown(field));
            }
            None => {
                let _ = writeln!(out, "    - {}: {}", warning.code(), shown(&warning.message));
            }
        }
        if let Some(evidence) = warning.evidence() {
            let _ = writeln!(out, "      evidence: {evidence}");
        }
    }
}
