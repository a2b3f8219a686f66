//! `credoffer`: create, inspect, render and redeem OpenID4VCI Credential Offers from a terminal.
//!
//! Every rule lives in the `credoffer` engine; this binary reads arguments and files, calls the engine,
//! and prints what comes back.

mod create;
mod failure;
mod input;
mod introspect;
mod lint;
mod parse;
mod qr;
mod record_file;
mod redeem;

use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use failure::{Failure, exit};

/// Shown under every command's help: what the exit statuses mean.
macro_rules! exit_statuses {
    () => {
        "\
Exit status:
  0   success
  1   the input was refused: an invalid offer, URI, request, record or metadata, a QR text too long,
      or a redemption the token endpoint rejects (the error line or JSON names a stable code)
  2   usage error: unknown command or option, missing or malformed argument
  3   a file or standard input could not be read, or a file could not be written
  70  internal error (a bug: please report it)

Errors are one line on standard error: error[code]: message (field).
With --json they are printed on standard output instead, as {\"error\": <the engine's error view>}:
  {\"error\": {\"code\", \"message\", \"field\"?, \"value\"?, \"httpStatus\", \"details\": [...]}}
The codes `usage` and `io` are the command's own, not the engine's; they keep a shape of their own:
  {\"error\": {\"code\": \"usage\" | \"io\", \"message\", \"field\": <name> | null}}
(a command line clap refuses is always reported on standard error)."
    };
}

#[derive(Debug, Parser)]
#[command(
    name = "credoffer",
    version,
    about = "Create, inspect, render and redeem OpenID4VCI Credential Offers",
    long_about = "Create, inspect, render and redeem OpenID4VCI Credential Offers.\n\n\
        `create` answers like MATTR VII's offers API and shows the offer's QR code; `parse` explains an \
        offer URI of any draft; `qr` renders one; `redeem` runs the engine's token endpoint against a \
        saved offer record.",
    after_help = concat!("Examples:
  credoffer create pre-authorized --credential org.iso.18013.5.1.mDL --record offer.json
  credoffer parse 'openid-credential-offer://?credential_offer=...'
  credoffer qr 'openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fissuer.example%2Fo%2F1' --svg offer.svg
  credoffer redeem --record offer.json --code <pre-authorized code> --tx-code 123456

", "Exit status: 0 success, 1 input refused, 2 usage error, 3 file or stdin error, 70 internal error\n(see any command's --help).")
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create an offer as MATTR VII's offers API does, and show its QR code
    #[command(subcommand)]
    Create(CreateCommand),
    /// Explain an offer URI (or offer JSON) of any draft
    #[command(after_help = concat!(
        "Examples:
  credoffer parse 'openid-credential-offer://?credential_offer=%7B%22credential_issuer%22%3A...'
  pbpaste | credoffer parse - --json
  credoffer parse \"$URI\" --metadata issuer-metadata.json --strict

--json prints the engine's view of the parsed offer, with exit status 0:
  {\"kind\": \"byValue\", \"offer\": <the offer as OpenID4VCI 1.0 JSON>, \"source\": \"<shape>\",
   \"warnings\": [{\"code\", \"message\", \"field\"?}], \"txCodePrompt\"?: {\"inputMode\", \"length\"?, ...}}
  {\"kind\": \"byReference\", \"uri\": \"<url>\", \"warnings\": [...]}
  with --metadata (by value), also \"metadataCheck\": {\"formats\": [{\"id\", \"format\"}], \"warnings\": [...]}
Inline credential descriptions of drafts 9 to 12 have no configuration id: without --metadata they stay
under \"credentials\" with a legacy_credential_description warning; with --metadata each is named by the
configuration that serves it (same format and doctype, vct or types), so the offer is complete 1.0 data.
and on an invalid offer, with exit status 1:
  {\"error\": {\"code\", \"message\", \"field\"?, \"httpStatus\", \"details\"}}

",
        exit_statuses!()
    ))]
    Parse(parse::ParseArgs),
    /// Report what in an offer is legal but known to fail or to be unsafe in the field
    #[command(after_help = concat!(
        "Examples:
  credoffer lint \"$URI\"
  credoffer lint \"$URI\" --profile haip --metadata issuer-metadata.json
  credoffer create pre-authorized --credential mdl --json | jq -r .uri | credoffer lint - --deny-warnings

Every finding has a stable code and names the evidence it rests on (field reports, peer
implementations, or the profile's text). The lint refuses nothing the spec accepts: an offer that breaks
the spec is an error, as with parse. Offer JSON is judged as --dialect and --base would write it.

--json prints the engine's report, with exit status 0 (1 with --deny-warnings and any finding):
  {\"profile\": \"haip\" | \"it-wallet\" | null, \"reference\"?: \"<url>\",
   \"warnings\": [{\"code\", \"message\", \"field\"?, \"evidence\"?}]}

",
        exit_statuses!()
    ))]
    Lint(lint::LintArgs),
    /// Render a URI as a QR code in the terminal, or as an SVG file
    #[command(after_help = concat!(
        "Examples:
  credoffer qr 'openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fissuer.example%2Fo%2F1'
  credoffer create pre-authorized --credential mdl --json | jq -r .uri | credoffer qr - --svg offer.svg

The code uses error correction level L (raised when it costs no size) and a quiet zone of 2 modules
in the terminal, 4 in SVG. The terminal rendering assumes light text on a dark background; use
--light-terminal for dark text on a light background.

",
        exit_statuses!()
    ))]
    Qr(qr::QrArgs),
    /// Answer a token request for a saved pre-authorized offer as the token endpoint does; update the record
    #[command(after_help = concat!(
        "Examples:
  credoffer create pre-authorized --credential mdl --tx-code numeric:6 --record offer.json
  credoffer redeem --record offer.json --code <pre-authorized code> --tx-code 000000   # wrong: 2 attempts left
  credoffer redeem --record offer.json --offer \"$URI\" --tx-code 123456 --json

Each run reads the record, answers the token request at --now (default: the system clock) as the
engine's token endpoint does, prints the answer and writes the next record back when it changed:
watch failedAttemptsLeft count down and the third wrong code invalidate the offer for good.
A rejected request exits with status 1.

--json prints the engine's view of the answer (it holds the access token when one is issued):
  {\"status\", \"body\": \"<the JSON body sent>\", \"record\"?: <the next record>,
   \"outcome\": {\"kind\": \"issued\", \"accessToken\", \"expiresIn\", \"userId\", \"credentialConfigurationIds\"}
            | {\"kind\": \"rejected\", \"error\", \"errorDescription\", \"failedAttemptsLeft\"?, \"revokeIssuedTokens\"}}

",
        exit_statuses!()
    ))]
    Redeem(redeem::RedeemArgs),
    /// Say what an access token from redeem grants, as the issuer's credential endpoint asks (RFC 7662)
    #[command(after_help = concat!(
        "Examples:
  credoffer redeem --record offer.json --code <pre-authorized code> --tx-code 468317 --json | jq -r .outcome.accessToken > token
  credoffer introspect --record offer.json --token - < token
  credoffer introspect --record offer.json --token \"$TOKEN\" --json

The record stands for the issuer's store: the answer is active only while the token is the one the
redemption recorded, unexpired and not revoked (presenting the pre-authorized code again revokes it).
--json prints the introspection response: {\"active\": false}, or {\"active\": true, \"token_type\": \"Bearer\",
\"iat\", \"exp\", \"sub\", \"client_id\"?, \"claims\"?, \"claims_to_persist\"?, \"authorization_details\":
[{\"type\": \"openid_credential\", \"credential_configuration_id\"}]}. Either way the exit status is 0.

",
        exit_statuses!()
    ))]
    Introspect(introspect::IntrospectArgs),
}

#[derive(Debug, Subcommand)]
enum CreateCommand {
    /// POST /v1/openid/offers/pre-authorized: a Pre-Authorized Code offer, its transaction code and record
    #[command(after_help = concat!(
        "Examples:
  credoffer create pre-authorized --credential org.iso.18013.5.1.mDL
  credoffer create pre-authorized --credential mdl --tx-code text:8 --expires-in 2m --record offer.json
  credoffer create pre-authorized --credential mdl --issuer https://issuer.example.com --dialect mattr --json
  credoffer create pre-authorized --credential mdl --claims '{\"given_name\":\"Ana\"}' --claims-to-persist given_name

Without --issuer and --config the offer names a demo issuer, https://issuer.demo.credoffer.invalid,
which resolves nowhere: a wallet can read the offer but not redeem it.

",
        exit_statuses!()
    ))]
    PreAuthorized(create::PreAuthorizedArgs),
    /// POST /v1/openid/offers: an Authorization Code offer
    #[command(after_help = concat!(
        "Examples:
  credoffer create authorization --credential org.iso.18013.5.1.mDL
  credoffer create authorization --credential a --credential b --login-hint user@example.com --prompt login
  credoffer create authorization --credential mdl --issuer-state --json

",
        exit_statuses!()
    ))]
    Authorization(create::AuthorizationArgs),
}

/// `--json`, shared by every command that can print JSON.
#[derive(Debug, Clone, Copy, Args)]
struct JsonFlag {
    /// Print JSON only (errors too, on standard output)
    #[arg(long)]
    json: bool,
}

fn main() -> ExitCode {
    failure::report_panics_in_one_line();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => return failure::usage(&error),
    };
    let (result, json) = match cli.command {
        Command::Create(CreateCommand::PreAuthorized(args)) => {
            let json = args.output.json;
            (create::pre_authorized(&args), json)
        }
        Command::Create(CreateCommand::Authorization(args)) => {
            let json = args.output.json;
            (create::authorization(&args), json)
        }
        Command::Parse(args) => {
            let json = args.output.json;
            (parse::run(&args), json)
        }
        Command::Lint(args) => {
            let json = args.output.json;
            (lint::run(&args), json)
        }
        Command::Introspect(args) => {
            let json = args.output.json;
            (introspect::run(&args), json)
        }
        Command::Qr(args) => (qr::run(&args), false),
        Command::Redeem(args) => {
            let json = args.output.json;
            (redeem::run(&args), json)
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => exit(&failure, json),
    }
}

/// Result of a command: `Ok` is exit status 0.
type Outcome = Result<(), Failure>;
