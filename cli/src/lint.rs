//! `credoffer lint`: the interop lint, for issuers checking what they hand out.

use std::fmt::Write as _;
use std::path::PathBuf;

use clap::Args;
use credoffer::lint::{LintOptions, LintReport, Profile, lint};
use credoffer::{BuildOptions, Dialect, IssuerMetadata};

use crate::create::parse_dialect;
use crate::failure::{Failure, print_stdout, shown};
use crate::parse::write_warnings;
use crate::{JsonFlag, Outcome, input};

#[derive(Debug, Args)]
pub struct LintArgs {
    /// The offer URI (any draft, any scheme) or offer JSON; `-` reads standard input
    #[arg(value_name = "URI | JSON | -")]
    input: String,
    /// Apply a deployment profile's rules: haip (HAIP 1.0) or it-wallet (IT-Wallet 1.0.2)
    #[arg(long, value_name = "PROFILE", value_parser = parse_profile)]
    profile: Option<Profile>,
    /// Check the offer against Credential Issuer Metadata read from FILE (JSON); HAIP's scope rule needs it
    #[arg(long, value_name = "FILE")]
    metadata: Option<PathBuf>,
    /// For offer JSON: the dialect it will be written in (1.0, mattr, draft13, draft11); decides which
    /// members are extensions. Default 1.0
    #[arg(long, value_name = "DIALECT", value_parser = parse_dialect)]
    dialect: Option<Dialect>,
    /// For offer JSON: where the wallet will be invoked (default openid-credential-offer://)
    #[arg(long, value_name = "URI", allow_hyphen_values = true)]
    base: Option<String>,
    /// Accept http:// issuers and offer URLs (local testing only)
    #[arg(long)]
    allow_insecure_http: bool,
    /// Exit with status 1 when the lint finds anything
    #[arg(long)]
    deny_warnings: bool,
    #[command(flatten)]
    pub output: JsonFlag,
}

fn parse_profile(value: &str) -> Result<Profile, String> {
    value.parse().map_err(|e: credoffer::Error| e.message().to_owned())
}

pub fn run(args: &LintArgs) -> Outcome {
    let text = input::argument_or_stdin(&args.input)?;
    let metadata = match &args.metadata {
        Some(path) => Some(IssuerMetadata::from_json(&input::read_file(path)?)?),
        None => None,
    };
    let mut build = BuildOptions::default();
    if let Some(dialect) = args.dialect {
        build = build.dialect(dialect);
    }
    if let Some(base) = &args.base {
        build = build.base(base.as_str());
    }
    let options = LintOptions::default()
        .profile(args.profile)
        .build(build)
        .metadata(metadata)
        .allow_insecure_http(args.allow_insecure_http);
    let report = lint(&text, &options)?;
    if args.output.json {
        print_stdout(&format!("{}\n", report.to_json()));
    } else {
        print_stdout(&explain(&report));
    }
    if args.deny_warnings && !report.warnings.is_empty() { Err(Failure::AlreadyReported) } else { Ok(()) }
}

fn explain(report: &LintReport) -> String {
    let mut out = String::new();
    let profile = match report.profile {
        Some(Profile::Haip) => "HAIP 1.0",
        Some(Profile::ItWallet) => "IT-Wallet 1.0.2",
        Some(_) | None => "none",
    };
    let _ = writeln!(out, "Interop lint (profile: {profile})");
    if let Some(reference) = &report.reference {
        let _ = writeln!(out, "  offer by reference: {}", shown(reference));
        let _ = writeln!(
            out,
            "  only the URI was linted; lint the JSON it serves too: curl -s '<that URL>' | credoffer lint -"
        );
    }
    write_warnings(&mut out, &report.warnings.iter().collect::<Vec<_>>());
    out
}
