//! `credoffer redeem`: the token endpoint's checks against a saved offer record.

use std::fmt::Write as _;
use std::path::PathBuf;

use clap::Args;
use credoffer::{
    OfferRecord, OfferUri, ParseOptions, RedeemOutcome, Redemption, Secret, TokenRequest, parse_offer_uri,
};
use serde_json::{Value, json};

use crate::create::{record_text, redeeming_issuer};
use crate::failure::{Failure, print_stdout};
use crate::{JsonFlag, Outcome, input};

#[derive(Debug, Args)]
pub struct RedeemArgs {
    /// The offer record saved by `create pre-authorized --record FILE`; rewritten when it changes
    #[arg(long, value_name = "FILE")]
    record: PathBuf,
    /// The pre-authorized code the wallet sends
    #[arg(long, value_name = "CODE", required_unless_present = "offer", conflicts_with = "offer")]
    code: Option<String>,
    /// Take the pre-authorized code from this offer URI instead of --code
    #[arg(long, value_name = "URI")]
    offer: Option<String>,
    /// The transaction code the user typed
    #[arg(long, value_name = "CODE")]
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
    let record = OfferRecord::from_json(&input::read_file(&args.record)?)?;
    let issuer = redeeming_issuer(args.config.as_deref(), &record)?;
    let request = TokenRequest {
        pre_authorized_code: Secret::new(pre_authorized_code(args)?),
        tx_code: args.tx_code.as_deref().map(Secret::new),
        client_id: None,
    };
    let redemption = issuer.redeem(&record, &request, input::now(args.now))?;
    if redemption.changed {
        input::write_file(&args.record, &record_text(&redemption.record))?;
    }
    if args.output.json {
        print_stdout(&format!("{}\n", redemption_json(&redemption)));
    } else {
        print_stdout(&explain(&redemption, args));
    }
    match redemption.outcome {
        RedeemOutcome::Issued { .. } => Ok(()),
        RedeemOutcome::Rejected(_) => Err(Failure::AlreadyReported),
    }
}

fn pre_authorized_code(args: &RedeemArgs) -> Result<String, Failure> {
    if let Some(code) = &args.code {
        return Ok(code.clone());
    }
    let uri = args.offer.as_deref().unwrap_or_default();
    match parse_offer_uri(uri, &ParseOptions::default())? {
        OfferUri::ByValue(parsed) => match parsed.offer.pre_authorized_code_grant() {
            Some(grant) => Ok(grant.pre_authorized_code.clone()),
            None => Err(credoffer::Error::new(
                credoffer::ErrorKind::MissingGrant,
                "the offer has no pre-authorized code grant",
            )
            .at("grants")
            .into()),
        },
        OfferUri::ByReference(_) => Err(Failure::usage(
            "the offer is by reference: fetch it and pass --code from its pre-authorized_code",
            "offer",
        )),
    }
}

fn record_summary(record: &OfferRecord) -> Value {
    serde_json::from_str(&record.to_json()).unwrap_or(Value::Null)
}

/// `{"outcome": "issued", …}` or `{"outcome": "rejected", "status", "body", …}`, with the next record.
fn redemption_json(redemption: &Redemption) -> Value {
    let record = record_summary(&redemption.record);
    match &redemption.outcome {
        RedeemOutcome::Issued { user_id, credential_configuration_ids } => json!({
            "outcome": "issued",
            "userId": user_id,
            "credentialConfigurationIds": credential_configuration_ids,
            "recordChanged": redemption.changed,
            "record": record,
        }),
        RedeemOutcome::Rejected(error) => json!({
            "outcome": "rejected",
            "status": error.http_status(),
            "body": serde_json::from_str::<Value>(&error.to_json()).unwrap_or(Value::Null),
            "failedAttemptsLeft": error.failed_attempts_left,
            "revokeIssuedTokens": error.revoke_issued_tokens,
            "recordChanged": redemption.changed,
            "record": record,
        }),
    }
}

fn explain(redemption: &Redemption, args: &RedeemArgs) -> String {
    let mut out = String::new();
    match &redemption.outcome {
        RedeemOutcome::Issued { user_id, credential_configuration_ids } => {
            let _ = writeln!(
                out,
                "Issued: the token endpoint may issue an access token for user {user_id}, scoped to {}.",
                credential_configuration_ids.join(", ")
            );
        }
        RedeemOutcome::Rejected(error) => {
            let _ = writeln!(out, "Rejected: HTTP {} {}", error.http_status(), error.to_json());
            if let Some(left) = error.failed_attempts_left {
                let _ = writeln!(out, "  wrong transaction codes left before the offer is invalidated: {left}");
            }
            if error.revoke_issued_tokens {
                let _ =
                    writeln!(out, "  the code was used before: revoke every token issued from it (RFC 9700 §4.2.4)");
            }
        }
    }
    let record = &redemption.record;
    let _ = writeln!(
        out,
        "Record: state {}, version {}, {} wrong transaction code(s) left{}.",
        record.state.as_str(),
        record.version,
        record.failed_attempts_left,
        if redemption.changed { format!("; written to {}", args.record.display()) } else { "; unchanged".into() }
    );
    out
}
