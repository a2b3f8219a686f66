//! `credoffer redeem`: the engine's token endpoint run against a saved offer record.

use std::fmt::Write as _;
use std::path::PathBuf;

use clap::Args;
use credoffer::token::{TokenOutcome, TokenRequest};
use credoffer::wallet::token_request_body;
use credoffer::{OfferRecord, OfferUri, ParseOptions, SystemEntropy, TokenAnswer, parse_offer_uri};

use crate::create::redeeming_issuer;
use crate::failure::{Failure, print_stdout, shown};
use crate::record_file::LockedRecord;
use crate::{JsonFlag, Outcome, input};

#[derive(Debug, Args)]
pub struct RedeemArgs {
    /// The offer record saved by `create pre-authorized --record FILE`; rewritten when it changes
    #[arg(long, value_name = "FILE")]
    record: PathBuf,
    /// The pre-authorized code the wallet sends (base64url: it may start with `-`)
    #[arg(
        long,
        value_name = "CODE",
        required_unless_present = "offer",
        conflicts_with = "offer",
        allow_hyphen_values = true
    )]
    code: Option<String>,
    /// Send what a wallet sends for this offer URI (its pre-authorized code, with --tx-code) instead of
    /// --code; like a wallet, refuse to send without a transaction code the offer asks for
    #[arg(long, value_name = "URI", allow_hyphen_values = true)]
    offer: Option<String>,
    /// The transaction code the user typed
    #[arg(long, value_name = "CODE", allow_hyphen_values = true)]
    tx_code: Option<String>,
    /// The current time in Unix seconds; default: the system clock
    #[arg(long, value_name = "UNIX_SECONDS")]
    now: Option<u64>,
    /// The issuer configuration the offer was created with (needed when it sets hmacKeyHex or
    /// wrongTxCodeError); default: the demo issuer's
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(flatten)]
    pub output: JsonFlag,
}

pub fn run(args: &RedeemArgs) -> Outcome {
    // Held until the answer is printed: a second `redeem` of this record waits and reads what this one wrote.
    let locked = LockedRecord::open(&args.record)?;
    let record = locked.record();
    let issuer = redeeming_issuer(args.config.as_deref(), record)?;
    let now = input::now(args.now);
    let answer = match (&args.offer, &args.code) {
        (Some(uri), _) => {
            let form = wallet_form(uri, args.tx_code.as_deref())?;
            issuer.token_endpoint(&form, Some(record), now, &mut SystemEntropy)
        }
        (None, Some(code)) => {
            let request = TokenRequest::new(code, args.tx_code.as_deref(), None);
            issuer.answer_token_request(&request, Some(record), now, &mut SystemEntropy)
        }
        (None, None) => return Err(Failure::usage("give --code or --offer", "code")),
    };
    // The engine could not judge the request (a record it cannot read, a key it lacks): the 500 answer
    // tells a wallet nothing, so the command reports the engine's error, as for any other refusal.
    if let TokenOutcome::Failed(error) = answer.outcome() {
        return Err(Failure::Refused(error.clone()));
    }
    if let Some(next) = answer.record_to_store() {
        locked.replace(next)?;
    }
    if args.output.json {
        print_stdout(&format!("{}\n", answer.to_json()));
    } else {
        print_stdout(&explain(&answer, record, args));
    }
    if answer.status() == 200 { Ok(()) } else { Err(Failure::AlreadyReported) }
}

/// The form body a wallet sends for the offer in `uri`, written by the engine's wallet side (which
/// refuses to send without a transaction code the offer asks for, or with one it does not).
fn wallet_form(uri: &str, tx_code: Option<&str>) -> Result<String, Failure> {
    match parse_offer_uri(uri, &ParseOptions::default())? {
        OfferUri::ByValue(parsed) => Ok(token_request_body(&parsed.offer, tx_code, None)?),
        OfferUri::ByReference(_) => Err(Failure::usage(
            "the offer is by reference: fetch it and pass --code from its pre-authorized_code",
            "offer",
        )),
    }
}

/// `Issued: HTTP 200 {…}` or `Rejected: HTTP 400 {…}`, what it means, and the record after the request.
fn explain(answer: &TokenAnswer, read: &OfferRecord, args: &RedeemArgs) -> String {
    let mut out = String::new();
    match answer.outcome() {
        TokenOutcome::Issued(token) => {
            let _ = writeln!(out, "Issued: HTTP {} {}", answer.status(), answer.body());
            let _ = writeln!(
                out,
                "  an access token for user {}, scoped to {}, valid for {} s",
                shown(&token.user_id),
                shown(&token.credential_configuration_ids.join(", ")),
                token.expires_in
            );
        }
        TokenOutcome::Rejected(error) => {
            let _ = writeln!(out, "Rejected: HTTP {} {}", answer.status(), shown(answer.body()));
            if let Some(left) = error.failed_attempts_left {
                let _ = writeln!(out, "  wrong transaction codes left before the offer is invalidated: {left}");
            }
            if error.revoke_issued_tokens {
                let _ =
                    writeln!(out, "  the code was used before: the token issued from it is revoked (RFC 9700 §4.2.4)");
            }
        }
        _ => {
            let _ = writeln!(out, "Answered: HTTP {} {}", answer.status(), shown(answer.body()));
        }
    }
    let (record, written) = match answer.record_to_store() {
        Some(next) => (next, format!("; written to {}", args.record.display())),
        None => (read, "; unchanged".to_owned()),
    };
    let _ = writeln!(
        out,
        "Record: state {}, version {}, {} wrong transaction code(s) left{written}.",
        record.state.as_str(),
        record.version,
        record.failed_attempts_left,
    );
    out
}
