//! `cargo xtask fuzz`: the cargo-fuzz targets of `core/fuzz`, seeded from the shared test vectors.
//!
//! cargo-fuzz needs the nightly toolchain (installed with the minimal profile when missing: the targets
//! use the default AddressSanitizer build, which needs neither `rust-src` nor `llvm-tools`) and the
//! `cargo-fuzz` binary (installed when missing, once per machine: `util::cargo_install_shared`).
//! Seeds are written to `target/fuzz/seeds/<target>/` from `tests/vectors/*.json` on every run, never
//! committed; what the
//! fuzzer finds beyond them accumulates in `target/fuzz/corpus/<target>/`. A crash leaves its input
//! in `core/fuzz/artifacts/<target>/` and fails the command.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::util::{self, Result};

const CARGO_FUZZ_VERSION: &str = "0.13.2";

/// Every target in `core/fuzz/fuzz_targets`.
const TARGETS: [&str; 5] = ["parse_uri", "parse_json", "issuer_request", "token_request", "round_trip"];

/// Seconds per target in `cargo xtask ci`: five targets make a minute of fuzzing, which with a cold
/// build of the targets keeps the step near three minutes. Longer runs: `cargo xtask fuzz --seconds N`.
const CI_SECONDS: u32 = 12;

/// Longest input the fuzzer makes: above every real offer, below the parser's limits so each run is fast.
const MAX_INPUT_BYTES: &str = "8192";

/// `cargo xtask fuzz [--seconds N] [target…]`.
pub fn command(args: &[String]) -> Result {
    let mut seconds = 60;
    let mut targets = Vec::new();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--seconds" => {
                let value = args.next().ok_or("--seconds needs a number")?;
                seconds = value.parse().map_err(|_| format!("--seconds: {value:?} is not a whole number"))?;
            }
            name if TARGETS.contains(&name) => targets.push(name),
            other => return Err(format!("unknown fuzz argument {other:?}; targets: {}", TARGETS.join(", ")).into()),
        }
    }
    if targets.is_empty() {
        targets = TARGETS.to_vec();
    }
    run(&targets, seconds)
}

/// Every target for a short, bounded time; any crash fails.
pub fn ci() -> Result {
    run(&TARGETS, CI_SECONDS)
}

fn run(targets: &[&str], seconds: u32) -> Result {
    ensure_nightly()?;
    util::apt_install(&["g++"])?; // libfuzzer-sys compiles libFuzzer (C++)
    let cargo_fuzz = util::cargo_install_shared("cargo-fuzz", CARGO_FUZZ_VERSION, "cargo-fuzz", true)?;
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

/// Installs the nightly toolchain if it is missing (cargo-fuzz builds with `-Zsanitizer`).
fn ensure_nightly() -> Result {
    let installed = util::output("rustup", &["toolchain", "list"])?;
    if installed.lines().any(|line| line.starts_with("nightly")) {
        return Ok(());
    }
    util::run("rustup", &["toolchain", "install", "nightly", "--profile", "minimal"])
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
        let file = json::parse(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        let Some(cases) = file.get("cases").and_then(json::Value::as_array) else { continue };
        for case in cases {
            let id = case.get("id").and_then(json::Value::as_str).unwrap_or("case");
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

/// The fuzz inputs a vector case holds, by target (see `tests/vectors/README.md` for the members).
fn seeds_of_case(case: &json::Value) -> Vec<(&'static str, String)> {
    let mut seeds = Vec::new();
    let text = |name: &str| case.get(name).and_then(json::Value::as_str).map(str::to_owned);
    if let Some(input) = text("input") {
        if input.trim_start().starts_with('{') {
            seeds.push(("parse_json", input.clone()));
        }
        seeds.push(("parse_uri", input));
    }
    if let Some(offer) = case.get("offer") {
        let offer = offer.as_str().map_or_else(|| offer.to_json(), str::to_owned);
        if let Some(metadata) = case.get("metadata") {
            seeds.push(("parse_json", format!("{offer}\0{}", metadata.to_json())));
        }
        seeds.push(("parse_json", offer));
    }
    if let Some(body) = text("body") {
        seeds.push(("issuer_request", body));
    }
    if let Some(form) = text("form") {
        seeds.push(("token_request", with_placeholders(&form)));
        seeds.push(("token_request", form));
    }
    let expect = case.get("expect");
    if let Some(uri) = expect.and_then(|e| e.get("uri")).and_then(json::Value::as_str) {
        seeds.push(("parse_uri", uri.to_owned()));
    }
    let response_uri = expect.and_then(|e| e.get("response")).and_then(|r| r.get("uri")).and_then(json::Value::as_str);
    if let Some(uri) = response_uri {
        seeds.push(("parse_uri", uri.to_owned()));
    }
    if let Some(offer) = expect.and_then(|e| e.get("offer")).and_then(json::Value::as_str) {
        seeds.push(("parse_json", offer.to_owned()));
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

/// Just enough JSON to read the vector files (xtask stays free of dependencies).
mod json {
    #[derive(Debug, Clone, PartialEq)]
    pub enum Value {
        Null,
        Bool(bool),
        Number(String),
        String(String),
        Array(Vec<Value>),
        Object(Vec<(String, Value)>),
    }

    impl Value {
        pub fn get(&self, name: &str) -> Option<&Value> {
            match self {
                Value::Object(members) => members.iter().find(|(key, _)| key == name).map(|(_, value)| value),
                _ => None,
            }
        }

        pub fn as_str(&self) -> Option<&str> {
            match self {
                Value::String(s) => Some(s),
                _ => None,
            }
        }

        pub fn as_array(&self) -> Option<&[Value]> {
            match self {
                Value::Array(items) => Some(items),
                _ => None,
            }
        }

        /// Compact JSON text.
        pub fn to_json(&self) -> String {
            let mut out = String::new();
            self.write(&mut out);
            out
        }

        fn write(&self, out: &mut String) {
            match self {
                Value::Null => out.push_str("null"),
                Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
                Value::Number(n) => out.push_str(n),
                Value::String(s) => write_string(s, out),
                Value::Array(items) => {
                    out.push('[');
                    for (index, item) in items.iter().enumerate() {
                        if index > 0 {
                            out.push(',');
                        }
                        item.write(out);
                    }
                    out.push(']');
                }
                Value::Object(members) => {
                    out.push('{');
                    for (index, (key, value)) in members.iter().enumerate() {
                        if index > 0 {
                            out.push(',');
                        }
                        write_string(key, out);
                        out.push(':');
                        value.write(out);
                    }
                    out.push('}');
                }
            }
        }
    }

    fn write_string(s: &str, out: &mut String) {
        out.push('"');
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
                c => out.push(c),
            }
        }
        out.push('"');
    }

    pub fn parse(text: &str) -> Result<Value, String> {
        let mut parser = Parser { bytes: text.as_bytes(), position: 0 };
        let value = parser.value()?;
        parser.skip_space();
        if parser.position == parser.bytes.len() { Ok(value) } else { Err(parser.error("trailing characters")) }
    }

    struct Parser<'a> {
        bytes: &'a [u8],
        position: usize,
    }

    impl Parser<'_> {
        fn error(&self, what: &str) -> String {
            format!("{what} at byte {}", self.position)
        }

        fn peek(&self) -> Option<u8> {
            self.bytes.get(self.position).copied()
        }

        fn skip_space(&mut self) {
            while self.peek().is_some_and(|b| b.is_ascii_whitespace()) {
                self.position += 1;
            }
        }

        fn expect(&mut self, byte: u8) -> Result<(), String> {
            self.skip_space();
            if self.peek() == Some(byte) {
                self.position += 1;
                Ok(())
            } else {
                Err(self.error(&format!("expected {:?}", char::from(byte))))
            }
        }

        fn literal(&mut self, word: &str, value: Value) -> Result<Value, String> {
            if self.bytes[self.position..].starts_with(word.as_bytes()) {
                self.position += word.len();
                Ok(value)
            } else {
                Err(self.error("unknown literal"))
            }
        }

        fn value(&mut self) -> Result<Value, String> {
            self.skip_space();
            match self.peek() {
                Some(b'{') => {
                    self.position += 1;
                    let mut members = Vec::new();
                    self.skip_space();
                    if self.peek() == Some(b'}') {
                        self.position += 1;
                        return Ok(Value::Object(members));
                    }
                    loop {
                        self.skip_space();
                        let key = self.string()?;
                        self.expect(b':')?;
                        members.push((key, self.value()?));
                        self.skip_space();
                        match self.peek() {
                            Some(b',') => self.position += 1,
                            Some(b'}') => {
                                self.position += 1;
                                return Ok(Value::Object(members));
                            }
                            _ => return Err(self.error("expected ',' or '}'")),
                        }
                    }
                }
                Some(b'[') => {
                    self.position += 1;
                    let mut items = Vec::new();
                    self.skip_space();
                    if self.peek() == Some(b']') {
                        self.position += 1;
                        return Ok(Value::Array(items));
                    }
                    loop {
                        items.push(self.value()?);
                        self.skip_space();
                        match self.peek() {
                            Some(b',') => self.position += 1,
                            Some(b']') => {
                                self.position += 1;
                                return Ok(Value::Array(items));
                            }
                            _ => return Err(self.error("expected ',' or ']'")),
                        }
                    }
                }
                Some(b'"') => self.string().map(Value::String),
                Some(b't') => self.literal("true", Value::Bool(true)),
                Some(b'f') => self.literal("false", Value::Bool(false)),
                Some(b'n') => self.literal("null", Value::Null),
                Some(b'-' | b'0'..=b'9') => {
                    let start = self.position;
                    while self.peek().is_some_and(|b| b.is_ascii_digit() || b"+-.eE".contains(&b)) {
                        self.position += 1;
                    }
                    Ok(Value::Number(String::from_utf8_lossy(&self.bytes[start..self.position]).into_owned()))
                }
                _ => Err(self.error("expected a value")),
            }
        }

        fn string(&mut self) -> Result<String, String> {
            if self.peek() != Some(b'"') {
                return Err(self.error("expected a string"));
            }
            self.position += 1;
            let mut out: Vec<u8> = Vec::new();
            loop {
                let byte = self.peek().ok_or_else(|| self.error("unterminated string"))?;
                self.position += 1;
                match byte {
                    b'"' => return String::from_utf8(out).map_err(|_| self.error("invalid UTF-8")),
                    b'\\' => {
                        let escape = self.peek().ok_or_else(|| self.error("unterminated escape"))?;
                        self.position += 1;
                        let c = match escape {
                            b'"' => '"',
                            b'\\' => '\\',
                            b'/' => '/',
                            b'b' => '\u{8}',
                            b'f' => '\u{c}',
                            b'n' => '\n',
                            b'r' => '\r',
                            b't' => '\t',
                            b'u' => self.unicode_escape()?,
                            _ => return Err(self.error("unknown escape")),
                        };
                        out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
                    }
                    other => out.push(other),
                }
            }
        }

        fn hex4(&mut self) -> Result<u32, String> {
            let digits = self.bytes.get(self.position..self.position + 4).ok_or_else(|| self.error("short \\u"))?;
            let digits = std::str::from_utf8(digits).map_err(|_| self.error("bad \\u"))?;
            let value = u32::from_str_radix(digits, 16).map_err(|_| self.error("bad \\u"))?;
            self.position += 4;
            Ok(value)
        }

        /// `\uXXXX`, joining surrogate pairs; a lone surrogate becomes U+FFFD (seeds need not be exact).
        fn unicode_escape(&mut self) -> Result<char, String> {
            let first = self.hex4()?;
            if (0xD800..0xDC00).contains(&first) && self.bytes[self.position..].starts_with(b"\\u") {
                self.position += 2;
                let second = self.hex4()?;
                let combined = 0x10000 + ((first - 0xD800) << 10) + (second.wrapping_sub(0xDC00) & 0x3FF);
                return Ok(char::from_u32(combined).unwrap_or('\u{FFFD}'));
            }
            Ok(char::from_u32(first).unwrap_or('\u{FFFD}'))
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn reads_and_writes() {
            let text = r#" {"a": [1, -2.5e3, true, null], "b\"\u00e9\ud83d\ude00": {"c": "x\ny"}} "#;
            let value = parse(text).unwrap();
            assert_eq!(value.to_json(), "{\"a\":[1,-2.5e3,true,null],\"b\\\"é😀\":{\"c\":\"x\\u000ay\"}}");
            assert_eq!(parse(&value.to_json()).unwrap(), value);
            assert!(parse("[1,]").is_err());
            assert!(parse("{} x").is_err());
        }
    }
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
}
