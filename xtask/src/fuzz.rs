//! `cargo xtask fuzz`: the cargo-fuzz targets of `core/fuzz`, seeded from the shared test vectors.
//!
//! cargo-fuzz needs the nightly toolchain and the `cargo-fuzz` binary (`setup::fuzz_tools` installs
//! both when missing). Seeds are written to `target/fuzz/seeds/<target>/` from `tests/vectors/*.json` on
//! every run, never committed; what the fuzzer finds beyond them accumulates in `target/fuzz/corpus/<target>/`. A crash leaves its input
//! in `core/fuzz/artifacts/<target>/` and fails the command.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

use crate::setup;
use crate::util::{self, Result};

/// Every target in `core/fuzz/fuzz_targets`.
pub const TARGETS: [&str; 5] = ["parse_uri", "parse_json", "issuer_request", "token_request", "round_trip"];

/// Seconds per target in `cargo xtask ci`: five targets make a minute of fuzzing, which with a cold
/// build of the targets keeps the step near three minutes. Longer runs: `cargo xtask fuzz --seconds N`.
const CI_SECONDS: u32 = 12;

/// Longest input the fuzzer makes: above every real offer, below the parser's limits so each run is fast.
const MAX_INPUT_BYTES: &str = "8192";

/// `cargo xtask fuzz [--seconds N] [target…]`: the named targets (each one of [`TARGETS`]), or all.
pub fn command(targets: &[String], seconds: u32) -> Result {
    let targets: Vec<&str> =
        if targets.is_empty() { TARGETS.to_vec() } else { targets.iter().map(String::as_str).collect() };
    run(&targets, seconds)
}

/// Every target for a short, bounded time; any crash fails.
pub fn ci() -> Result {
    run(&TARGETS, CI_SECONDS)
}

fn run(targets: &[&str], seconds: u32) -> Result {
    let cargo_fuzz = setup::fuzz_tools()?;
    let root = util::root();
    let work = root.join("target/fuzz");
    let seeds = write_seeds(&root.join("tests/vectors"), &work.join("seeds"))?;
    let target_dir = work.to_string_lossy().into_owned();

    let start = Instant::now();
    fuzz_command(&cargo_fuzz, &["build", "--target-dir", &target_dir], None)?;
    eprintln!("fuzz: targets built in {:.0} s", start.elapsed().as_secs_f64());

    let mut crashes = Vec::new();
    for &target in targets {
        let corpus = work.join("corpus").join(target);
        let target_seeds = work.join("seeds").join(target);
        fs::create_dir_all(&corpus)?;
        fs::create_dir_all(&target_seeds)?;
        let log = work.join("logs").join(format!("{target}.log"));
        fs::create_dir_all(work.join("logs"))?;
        let max_time = format!("-max_total_time={seconds}");
        let max_len = format!("-max_len={MAX_INPUT_BYTES}");
        let (corpus, target_seeds) = (corpus.to_string_lossy(), target_seeds.to_string_lossy());
        let args = [
            "run",
            "--target-dir",
            &target_dir,
            target,
            &corpus,
            &target_seeds,
            "--",
            &max_time,
            &max_len,
            "-timeout=10",
            "-rss_limit_mb=2048",
            "-print_final_stats=1",
        ];
        let outcome = fuzz_command(&cargo_fuzz, &args, Some(&log));
        let text = fs::read_to_string(&log).unwrap_or_default();
        let runs = stat(&text, "stat::number_of_executed_units").unwrap_or_else(|| "?".into());
        let seeded = seeds.get(target).copied().unwrap_or(0);
        match outcome {
            Ok(()) => eprintln!("fuzz: {target}: {runs} runs in {seconds} s from {seeded} seeds, no crash"),
            Err(e) => {
                let tail: Vec<&str> = text.lines().rev().take(60).collect();
                eprintln!("fuzz: {target} FAILED ({e}); last lines of {}:", log.display());
                for line in tail.iter().rev() {
                    eprintln!("  {line}");
                }
                crashes.push(target);
            }
        }
    }
    if crashes.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "fuzz targets crashed: {} (inputs in core/fuzz/artifacts/; show one with `cargo +nightly fuzz fmt <target> <file>` in core/)",
            crashes.join(", ")
        )
        .into())
    }
}

fn stat(log: &str, name: &str) -> Option<String> {
    log.lines()
        .find_map(|line| line.strip_prefix(name)?.trim_start_matches(':').trim().parse::<u64>().ok())
        .map(|n| n.to_string())
}

/// Runs cargo-fuzz in `core/` on the nightly toolchain, its output to `log` when given.
fn fuzz_command(cargo_fuzz: &Path, args: &[&str], log: Option<&Path>) -> Result {
    let mut command = Command::new(cargo_fuzz);
    command
        .arg("fuzz")
        .args(args)
        .current_dir(util::root().join("core"))
        .env("RUSTUP_TOOLCHAIN", "nightly")
        // `cargo xtask` runs under the stable cargo: let the nightly one be found instead.
        .env_remove("CARGO")
        .env_remove("RUSTC")
        .env_remove("RUSTDOC")
        .env_remove("CARGO_TARGET_DIR");
    if let Some(log) = log {
        let file = fs::File::create(log)?;
        command.stdout(Stdio::from(file.try_clone()?)).stderr(Stdio::from(file));
    }
    eprintln!("$ cargo +nightly fuzz {}", args.join(" "));
    let status = command.status().map_err(|e| format!("cannot start {}: {e}", cargo_fuzz.display()))?;
    if status.success() { Ok(()) } else { Err(format!("cargo fuzz {} exited with {status}", args[0]).into()) }
}

/// Writes one seed file per input found in the vectors, per target; returns how many each got.
fn write_seeds(vectors: &Path, out: &Path) -> Result<BTreeMap<&'static str, usize>> {
    let mut seeds: BTreeMap<&'static str, Vec<(String, String)>> = BTreeMap::new();
    let mut files: Vec<PathBuf> = fs::read_dir(vectors)?
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.sort();
    for path in files {
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_owned();
        let text = fs::read_to_string(&path)?;
        let file: VectorFile = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        for case in &file.cases {
            let id = case.id.as_ref().and_then(Value::as_str).unwrap_or("case");
            let name = format!("{stem}-{id}");
            for (target, seed) in seeds_of_case(case) {
                seeds.entry(target).or_default().push((name.clone(), seed));
            }
        }
    }
    let mut counts = BTreeMap::new();
    for target in TARGETS {
        let dir = out.join(target);
        if dir.exists() {
            fs::remove_dir_all(&dir)?;
        }
        fs::create_dir_all(&dir)?;
        let list = seeds.remove(target).unwrap_or_default();
        for (index, (name, seed)) in list.iter().enumerate() {
            let file: String =
                name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect();
            fs::write(dir.join(format!("{file}-{index}")), seed)?;
        }
        counts.insert(target, list.len());
    }
    Ok(counts)
}

/// The members of a vector file the seeds come from (see `tests/vectors/README.md`); the others are
/// ignored. Members read as text are taken only when they are strings, as the vectors use them.
#[derive(Debug, Deserialize)]
struct VectorFile {
    #[serde(default)]
    cases: Vec<Case>,
}

#[derive(Debug, Deserialize)]
struct Case {
    id: Option<Value>,
    input: Option<Value>,
    /// Kept as written: an offer's numbers and member order reach the fuzzer unchanged.
    offer: Option<Box<RawValue>>,
    metadata: Option<Box<RawValue>>,
    body: Option<Value>,
    form: Option<Value>,
    expect: Option<Value>,
}

/// The fuzz inputs a vector case holds, by target.
fn seeds_of_case(case: &Case) -> Vec<(&'static str, String)> {
    let text = |member: &Option<Value>| member.as_ref().and_then(Value::as_str).map(str::to_owned);
    let mut seeds = Vec::new();
    if let Some(input) = text(&case.input) {
        if input.trim_start().starts_with('{') {
            seeds.push(("parse_json", input.clone()));
        }
        seeds.push(("parse_uri", input));
    }
    if let Some(offer) = &case.offer {
        // An offer written as a JSON string is the offer's text; an object is used as it is written.
        let offer = serde_json::from_str::<String>(offer.get()).unwrap_or_else(|_| offer.get().to_owned());
        if let Some(metadata) = &case.metadata {
            seeds.push(("parse_json", format!("{offer}\0{}", metadata.get())));
        }
        seeds.push(("parse_json", offer));
    }
    if let Some(body) = text(&case.body) {
        seeds.push(("issuer_request", body));
    }
    if let Some(form) = text(&case.form) {
        seeds.push(("token_request", with_placeholders(&form)));
        seeds.push(("token_request", form));
    }
    let expect = case.expect.as_ref();
    let expected_text = |pointer: &str| expect.and_then(|e| e.pointer(pointer)).and_then(Value::as_str);
    for (target, pointer) in [("parse_uri", "/uri"), ("parse_uri", "/response/uri"), ("parse_json", "/offer")] {
        if let Some(seed) = expected_text(pointer) {
            seeds.push((target, seed.to_owned()));
        }
    }
    seeds
}

/// A token request body with its code and transaction code replaced by the placeholders the
/// token_request target fills with the fixture record's real ones.
fn with_placeholders(form: &str) -> String {
    form.split('&')
        .map(|pair| match pair.split_once('=') {
            Some(("pre-authorized_code", _)) => "pre-authorized_code={code}".to_owned(),
            Some(("tx_code", _)) => "tx_code={tx}".to_owned(),
            _ => pair.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_replace_the_secrets_only() {
        assert_eq!(
            with_placeholders("grant_type=x&pre-authorized_code=abc&tx_code=123&client_id=w"),
            "grant_type=x&pre-authorized_code={code}&tx_code={tx}&client_id=w"
        );
    }

    #[test]
    fn seeds_come_from_every_member_that_holds_an_input() {
        let case: Case = serde_json::from_str(
            r#"{
              "id": "one",
              "input": "{\"credential_issuer\": 1}",
              "offer": {"b": 12345678901234567890123, "a": 1.10},
              "metadata": [1],
              "body": "{}",
              "form": "grant_type=g&pre-authorized_code=abc",
              "expect": {"uri": "openid-credential-offer://?x", "response": {"uri": "haip://?y"}, "offer": {"k": 1}}
            }"#,
        )
        .unwrap();
        let offer = r#"{"b": 12345678901234567890123, "a": 1.10}"#;
        assert_eq!(
            seeds_of_case(&case),
            [
                ("parse_json", "{\"credential_issuer\": 1}".to_owned()),
                ("parse_uri", "{\"credential_issuer\": 1}".to_owned()),
                ("parse_json", format!("{offer}\0[1]")),
                ("parse_json", offer.to_owned()),
                ("issuer_request", "{}".to_owned()),
                ("token_request", "grant_type=g&pre-authorized_code={code}".to_owned()),
                ("token_request", "grant_type=g&pre-authorized_code=abc".to_owned()),
                ("parse_uri", "openid-credential-offer://?x".to_owned()),
                ("parse_uri", "haip://?y".to_owned()),
            ]
        );
    }

    #[test]
    fn an_offer_written_as_a_string_is_its_text() {
        let case: Case = serde_json::from_str(r#"{"offer": "{\"a\":1}"}"#).unwrap();
        assert_eq!(seeds_of_case(&case), [("parse_json", "{\"a\":1}".to_owned())]);
    }

    #[test]
    fn every_vector_file_reads_and_seeds_each_target_with_inputs() {
        let out = std::env::temp_dir().join(format!("credoffer-xtask-seeds-{}", std::process::id()));
        let counts = write_seeds(&util::root().join("tests/vectors"), &out);
        let _ = fs::remove_dir_all(&out);
        let counts = counts.unwrap();
        for target in ["parse_uri", "parse_json", "issuer_request", "token_request"] {
            assert!(counts.get(target).is_some_and(|&count| count > 10), "{target}: {counts:?}");
        }
    }
}
