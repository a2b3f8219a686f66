//! `credoffer introspect`: what an access token that `redeem` issued grants, answered as a credential
//! endpoint would be (RFC 7662).

use std::fmt::Write as _;
use std::path::PathBuf;

use clap::Args;
use credoffer::OfferRecord;
use credoffer::introspection::{Introspection, IntrospectionRequest, introspect};

use crate::failure::{print_stdout, shown};
use crate::{JsonFlag, Outcome, input};

#[derive(Debug, Args)]
pub struct IntrospectArgs {
    /// The offer record `redeem` wrote
    #[arg(long, value_name = "FILE")]
    record: PathBuf,
    /// The access token to describe; `-` reads it from standard input (out of the process list)
    #[arg(long, value_name = "TOKEN | -", allow_hyphen_values = true)]
    token: String,
    /// The current time in Unix seconds; default: the system clock
    #[arg(long, value_name = "UNIX_SECONDS")]
    now: Option<u64>,
    #[command(flatten)]
    pub output: JsonFlag,
}

pub fn run(args: &IntrospectArgs) -> Outcome {
    let token = input::argument_or_stdin(&args.token)?;
    // Records are replaced by a rename, so a plain read sees a whole one.
    let record = OfferRecord::from_json(&input::read_file(&args.record)?)?;
    let request = IntrospectionRequest::new(&token);
    // The record stands for the host's lookup: it answers only when its token hash is the request's key.
    let found = record.access_token.as_ref().is_some_and(|bound| bound.token_hash == request.lookup_key());
    let answer = introspect(&request, found.then_some(&record), input::now(args.now));
    if args.output.json {
        print_stdout(&format!("{}\n", answer.to_json()));
    } else {
        print_stdout(&explain(&answer));
    }
    Ok(())
}

fn explain(answer: &Introspection) -> String {
    let mut out = String::new();
    let Introspection::Active(token) = answer else {
        let _ = writeln!(out, "Inactive: the token is unknown, expired or revoked (the answer does not say which)");
        return out;
    };
    let _ = writeln!(out, "Active: a Bearer token for user {}", shown(&token.user_id));
    let _ = writeln!(out, "  credentials:  {}", shown(&token.credential_configuration_ids.join(", ")));
    let _ = writeln!(out, "  issued at:    {} (Unix seconds), expires at {}", token.issued_at, token.expires_at);
    if let Some(client_id) = &token.client_id {
        let _ = writeln!(out, "  client:       {}", shown(client_id));
    }
    if let Some(claims) = &token.claims {
        let names: Vec<&str> = claims.keys().collect();
        let _ = writeln!(out, "  claims:       {}", shown(&names.join(", ")));
    }
    if !token.claims_to_persist.is_empty() {
        let _ = writeln!(out, "  to persist:   {}", shown(&token.claims_to_persist.join(", ")));
    }
    out
}
