#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
//! Runs the shared test vectors in `tests/vectors/` against the Rust core.
//!
//! Every case of every file this runner knows (`parse`, `build`, `metadata`, `lint`, `resolve`) is run, and every failing
//! id is reported with what was expected and what came out. Files it does not know yet are skipped by
//! name; a case of an unknown shape inside a known file is a failure, so a typo in a vector cannot
//! silently turn into a case that tests nothing. The format is described in `tests/vectors/README.md`.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use credoffer::compat::PlusPolicy;
use credoffer::limits::Limits;
use credoffer::lint::{LintOptions, LintReport, Profile, lint};
use credoffer::metadata::well_known_metadata_url;
use credoffer::uri::offer_reference_uri;
use credoffer::{
    BuildOptions, Dialect, Error, IssuerMetadata, OfferUri, ParseOptions, Warning, parse_offer_json, parse_offer_uri,
};
use serde_json::{Map, Value};

type Outcome = Result<(), String>;
type Runner = fn(&Map<String, Value>) -> Outcome;

/// The files this runner knows, and at least how many cases each must hold (so an emptied file fails).
const KNOWN: &[(&str, Runner, usize)] = &[
    ("parse", run_parse_case, 100),
    ("build", run_build_case, 25),
    ("metadata", run_metadata_case, 15),
    ("regressions", run_parse_case, 4),
    ("lint", run_lint_case, 25),
    ("resolve", run_resolve_case, 10),
];

/// `core/tests/vectors` links to the workspace's `tests/vectors`, so the published crate carries them.
fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors")
}

#[test]
fn shared_vectors() {
    let mut failures = Vec::new();
    let mut summary = Vec::new();
    let mut files: Vec<PathBuf> = fs::read_dir(vectors_dir())
        .expect("tests/vectors exists")
        .map(|entry| entry.expect("readable directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.sort();

    for &(name, _, _) in KNOWN {
        if !files.iter().any(|path| file_stem(path) == name) {
            failures.push(format!("{name}.json: missing"));
        }
    }
    for path in &files {
        let name = file_stem(path);
        let Some(&(_, runner, minimum)) = KNOWN.iter().find(|(known, _, _)| *known == name) else {
            summary.push(format!("{name}.json: skipped (not a file this runner knows)"));
            continue;
        };
        let (cases, file_problems) = read_cases(path);
        failures.extend(file_problems.into_iter().map(|problem| format!("{name}.json: {problem}")));
        if cases.len() < minimum {
            failures.push(format!("{name}.json: {} cases, expected at least {minimum}", cases.len()));
        }
        let mut passed = 0;
        for case in &cases {
            let id = case.get("id").and_then(Value::as_str).unwrap_or("<no id>");
            match runner(case) {
                Ok(()) => passed += 1,
                Err(problem) => failures.push(format!("{name}.json {id}: {problem}")),
            }
        }
        summary.push(format!("{name}.json: {passed}/{} cases passed", cases.len()));
    }

    println!("{}", summary.join("\n"));
    assert!(failures.is_empty(), "{} vector failure(s):\n{}", failures.len(), failures.join("\n"));
}

fn file_stem(path: &Path) -> &str {
    path.file_stem().and_then(|stem| stem.to_str()).unwrap_or_default()
}

thread_local! {
    /// The `offer` of each case of the file being run, as written in the file: a `Value` sorts members
    /// by name, and an offer's unknown members are written back exactly as they came.
    static OFFER_TEXTS: std::cell::RefCell<std::collections::HashMap<String, String>> = Default::default();
}

/// The cases' offers as written, by case id.
fn remember_offer_texts(text: &str) {
    #[derive(serde::Deserialize)]
    struct File<'a> {
        #[serde(borrow)]
        cases: Vec<Case<'a>>,
    }
    #[derive(serde::Deserialize)]
    struct Case<'a> {
        id: Option<String>,
        #[serde(borrow)]
        offer: Option<&'a serde_json::value::RawValue>,
    }
    let cases = serde_json::from_str::<File<'_>>(text).map(|file| file.cases).unwrap_or_default();
    OFFER_TEXTS.with(|texts| {
        *texts.borrow_mut() =
            cases.into_iter().filter_map(|case| Some((case.id?, case.offer?.get().to_owned()))).collect();
    });
}

/// The offer of case `id` as written in its file.
fn offer_text(id: &str) -> Option<String> {
    OFFER_TEXTS.with(|texts| texts.borrow().get(id).cloned())
}

/// The cases of a vector file, with problems of the file itself (shape, missing or repeated ids).
fn read_cases(path: &Path) -> (Vec<Map<String, Value>>, Vec<String>) {
    let text = fs::read_to_string(path).expect("readable vector file");
    remember_offer_texts(&text);
    let file: Value = match serde_json::from_str(&text) {
        Ok(file) => file,
        Err(e) => return (Vec::new(), vec![format!("not JSON: {e}")]),
    };
    let mut problems = Vec::new();
    let Some(file) = file.as_object() else { return (Vec::new(), vec!["not a JSON object".into()]) };
    if let Err(problem) = only_keys(file, &["description", "cases"], &["description", "cases"]) {
        problems.push(problem);
    }
    if !file.get("description").is_some_and(Value::is_string) {
        problems.push("description must be a string".into());
    }
    let Some(cases) = file.get("cases").and_then(Value::as_array) else {
        problems.push("cases must be an array".into());
        return (Vec::new(), problems);
    };
    let mut ids = BTreeSet::new();
    let mut objects = Vec::new();
    for (index, case) in cases.iter().enumerate() {
        let Some(case) = case.as_object() else {
            problems.push(format!("case {index} is not an object"));
            continue;
        };
        match case.get("id").and_then(Value::as_str) {
            Some(id) if is_stable_id(id) => {
                if !ids.insert(id.to_owned()) {
                    problems.push(format!("id {id:?} appears more than once"));
                }
            }
            Some(id) => problems.push(format!("id {id:?} is not lower-case kebab case")),
            None => problems.push(format!("case {index} has no string id")),
        }
        if case.get("note").is_some_and(|note| !note.is_string()) {
            problems.push(format!("case {index}: note must be a string"));
        }
        objects.push(case.clone());
    }
    (objects, problems)
}

fn is_stable_id(id: &str) -> bool {
    !id.is_empty()
        && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
        && !id.starts_with('-')
        && !id.ends_with('-')
}

/// Fails unless every key of `object` is in `allowed` and every key of `required` is present.
fn only_keys(object: &Map<String, Value>, allowed: &[&str], required: &[&str]) -> Outcome {
    if let Some(unknown) = object.keys().find(|key| !allowed.contains(&key.as_str())) {
        return Err(format!("unknown member {unknown:?} (allowed: {})", allowed.join(", ")));
    }
    if let Some(missing) = required.iter().find(|key| !object.contains_key(**key)) {
        return Err(format!("missing member {missing:?}"));
    }
    Ok(())
}

fn object<'a>(value: Option<&'a Value>, what: &str) -> Result<&'a Map<String, Value>, String> {
    value.and_then(Value::as_object).ok_or_else(|| format!("{what} must be an object"))
}

fn string<'a>(value: Option<&'a Value>, what: &str) -> Result<&'a str, String> {
    value.and_then(Value::as_str).ok_or_else(|| format!("{what} must be a string"))
}

fn boolean(value: Option<&Value>, what: &str) -> Result<bool, String> {
    match value {
        None => Ok(false),
        Some(Value::Bool(flag)) => Ok(*flag),
        Some(_) => Err(format!("{what} must be a boolean")),
    }
}

fn codes(value: Option<&Value>, what: &str) -> Result<Vec<String>, String> {
    value
        .and_then(Value::as_array)
        .and_then(|list| list.iter().map(|code| code.as_str().map(str::to_owned)).collect::<Option<Vec<_>>>())
        .ok_or_else(|| format!("{what} must be an array of codes"))
}

fn warning_codes(warnings: &[Warning]) -> Vec<String> {
    warnings.iter().map(|warning| warning.code().to_owned()).collect()
}

/// The expected error of a case, if it expects one: `{"error": code, "field"?: path}`.
fn expected_error(expect: &Map<String, Value>) -> Result<Option<(String, Option<String>)>, String> {
    if !expect.contains_key("error") {
        return Ok(None);
    }
    only_keys(expect, &["error", "field"], &["error"])?;
    let code = string(expect.get("error"), "expect.error")?.to_owned();
    if credoffer::ErrorKind::from_code(&code).is_none() {
        return Err(format!("expect.error {code:?} is not an error code of the core"));
    }
    let field = match expect.get("field") {
        None => None,
        Some(field) => Some(string(Some(field), "expect.field")?.to_owned()),
    };
    Ok(Some((code, field)))
}

/// Compares an error with the expected code and (when given) field.
fn check_error(actual: &Error, code: &str, field: Option<&str>) -> Outcome {
    if actual.code() != code {
        return Err(format!("expected error {code}, got {actual}"));
    }
    if let Some(field) = field
        && actual.field() != Some(field)
    {
        return Err(format!("expected error {code} at {field:?}, got it at {:?}", actual.field()));
    }
    Ok(())
}

/// When the case expects an error, the verdict on `result`; `None` when it expects a success.
fn error_verdict<T>(
    result: &Result<T, Error>,
    expect: &Map<String, Value>,
    describe: impl Fn(&T) -> String,
) -> Result<Option<Outcome>, String> {
    let Some((code, field)) = expected_error(expect)? else { return Ok(None) };
    Ok(Some(match result {
        Err(error) => check_error(error, &code, field.as_deref()),
        Ok(value) => Err(format!("expected error {code}, got success: {}", describe(value))),
    }))
}

/// A case whose success is one exact string under `key` (`uri`, `url`).
fn check_exact_string(result: Result<String, Error>, expect: &Map<String, Value>, key: &str) -> Outcome {
    if let Some(verdict) = error_verdict(&result, expect, String::clone)? {
        return verdict;
    }
    only_keys(expect, &[key], &[key]).map_err(|e| format!("expect has an unknown shape: {e}"))?;
    let expected = string(expect.get(key), &format!("expect.{key}"))?;
    match result {
        Ok(actual) => compare(key, &expected, &actual.as_str()),
        Err(error) => Err(format!("expected {expected}, got error {error}")),
    }
}

fn compare<T: PartialEq + std::fmt::Debug>(what: &str, expected: &T, actual: &T) -> Outcome {
    if expected == actual { Ok(()) } else { Err(format!("{what}: expected {expected:?}, got {actual:?}")) }
}

fn compare_json(what: &str, expected: &Value, actual: &Value) -> Outcome {
    if expected == actual { Ok(()) } else { Err(format!("{what}:\n  expected {expected}\n  got      {actual}")) }
}

// --- parse.json ---

fn parse_options(case: &Map<String, Value>) -> Result<ParseOptions, String> {
    let mut options = ParseOptions::default();
    let Some(given) = case.get("options") else { return Ok(options) };
    let given = object(Some(given), "options")?;
    only_keys(given, &["plus", "strict", "allow_insecure_http", "limits"], &[])?;
    options.plus = match given.get("plus").map(Value::as_str) {
        None | Some(Some("space")) => PlusPolicy::Space,
        Some(Some("literal")) => PlusPolicy::Literal,
        Some(other) => return Err(format!("options.plus must be \"space\" or \"literal\", not {other:?}")),
    };
    options.strict = boolean(given.get("strict"), "options.strict")?;
    options.allow_insecure_http = boolean(given.get("allow_insecure_http"), "options.allow_insecure_http")?;
    if let Some(limits) = given.get("limits") {
        options.limits = read_limits(object(Some(limits), "options.limits")?)?;
    }
    Ok(options)
}

fn read_limits(given: &Map<String, Value>) -> Result<Limits, String> {
    const NAMES: [&str; 4] = ["max_uri_bytes", "max_json_bytes", "max_credential_configuration_ids", "max_depth"];
    only_keys(given, &NAMES, &[])?;
    let mut limits = Limits::default();
    for name in NAMES {
        let Some(value) = given.get(name) else { continue };
        let value = value
            .as_u64()
            .and_then(|n| usize::try_from(n).ok())
            .ok_or_else(|| format!("options.limits.{name} must be a non-negative integer"))?;
        match name {
            "max_uri_bytes" => limits.max_uri_bytes = value,
            "max_json_bytes" => limits.max_json_bytes = value,
            "max_credential_configuration_ids" => limits.max_credential_configuration_ids = value,
            _ => limits.max_depth = value,
        }
    }
    Ok(limits)
}

fn run_parse_case(case: &Map<String, Value>) -> Outcome {
    only_keys(case, &["id", "note", "input", "options", "expect"], &["id", "input", "expect"])?;
    let input = string(case.get("input"), "input")?;
    let options = parse_options(case)?;
    let expect = object(case.get("expect"), "expect")?;
    let result = parse_offer_uri(input, &options);

    let describe = |uri: &OfferUri| match uri {
        OfferUri::ByValue(parsed) => format!("offer from {}", parsed.source),
        OfferUri::ByReference(reference) => format!("reference {}", reference.uri),
    };
    if let Some(verdict) = error_verdict(&result, expect, describe)? {
        return verdict;
    }
    if expect.contains_key("reference") {
        only_keys(expect, &["reference", "warnings"], &["reference", "warnings"])?;
        let expected_uri = string(expect.get("reference"), "expect.reference")?;
        let expected_warnings = codes(expect.get("warnings"), "expect.warnings")?;
        return match result {
            Ok(OfferUri::ByReference(reference)) => {
                compare("reference", &expected_uri, &reference.uri.as_str())?;
                compare("warnings", &expected_warnings, &warning_codes(&reference.warnings))
            }
            Ok(OfferUri::ByValue(parsed)) => Err(format!("expected a reference, got an offer from {}", parsed.source)),
            Err(error) => Err(format!("expected a reference, got error {error}")),
        };
    }
    only_keys(expect, &["offer", "source", "warnings"], &["offer", "source", "warnings"])
        .map_err(|e| format!("expect has an unknown shape: {e}"))?;
    let expected_offer = object(expect.get("offer"), "expect.offer")?;
    let expected_source = string(expect.get("source"), "expect.source")?;
    let expected_warnings = codes(expect.get("warnings"), "expect.warnings")?;
    match result {
        Ok(OfferUri::ByValue(parsed)) => {
            let actual: Value = serde_json::from_str(
                &parsed.offer.to_json_lenient(Dialect::V1).map_err(|e| format!("to_json_lenient: {e}"))?,
            )
            .map_err(|e| format!("the written offer is not JSON: {e}"))?;
            compare_json("offer", &Value::Object(expected_offer.clone()), &actual)?;
            compare("source", &expected_source, &parsed.source.as_str())?;
            compare("warnings", &expected_warnings, &warning_codes(&parsed.warnings))
        }
        Ok(OfferUri::ByReference(reference)) => Err(format!("expected an offer, got reference {}", reference.uri)),
        Err(error) => Err(format!("expected an offer, got error {error}")),
    }
}

// --- build.json ---

fn build_options(case: &Map<String, Value>) -> Result<Result<BuildOptions, Error>, String> {
    let mut options = BuildOptions::default();
    let Some(given) = case.get("options") else { return Ok(Ok(options)) };
    let given = object(Some(given), "options")?;
    only_keys(given, &["dialect", "base", "allow_insecure_http"], &[])?;
    if let Some(dialect) = given.get("dialect") {
        match string(Some(dialect), "options.dialect")?.parse::<Dialect>() {
            Ok(dialect) => options.dialect = dialect,
            // An unknown dialect name is the case's outcome, not a malformed case.
            Err(error) => return Ok(Err(error)),
        }
    }
    if let Some(base) = given.get("base") {
        options.base = string(Some(base), "options.base")?.to_owned();
    }
    options.allow_insecure_http = boolean(given.get("allow_insecure_http"), "options.allow_insecure_http")?;
    Ok(Ok(options))
}

fn run_build_case(case: &Map<String, Value>) -> Outcome {
    only_keys(case, &["id", "note", "offer", "reference", "options", "expect"], &["id", "expect"])?;
    let expect = object(case.get("expect"), "expect")?;
    let result = match (case.get("offer"), case.get("reference")) {
        (Some(offer), None) => {
            object(Some(offer), "offer")?;
            build_options(case)?.and_then(|options| {
                // The offer is read leniently, as a host hands in whatever it has; writing is strict.
                let read = ParseOptions::default().allow_insecure_http(options.allow_insecure_http);
                let id = case.get("id").and_then(Value::as_str).unwrap_or_default();
                let text = offer_text(id).unwrap_or_else(|| offer.to_string());
                parse_offer_json(&text, &read).and_then(|parsed| parsed.offer.to_uri(&options))
            })
        }
        (None, Some(reference)) => {
            let reference = string(Some(reference), "reference")?;
            build_options(case)?.and_then(|options| offer_reference_uri(reference, &options))
        }
        _ => return Err("a build case has exactly one of offer and reference".into()),
    };
    check_exact_string(result, expect, "uri")
}

// --- metadata.json ---

fn run_metadata_case(case: &Map<String, Value>) -> Outcome {
    let expect = object(case.get("expect"), "expect")?;
    if case.contains_key("well_known") {
        only_keys(case, &["id", "note", "well_known", "expect"], &["id", "well_known", "expect"])?;
        let issuer = string(case.get("well_known"), "well_known")?;
        return check_exact_string(well_known_metadata_url(issuer), expect, "url");
    }

    only_keys(case, &["id", "note", "offer", "metadata", "expect"], &["id", "offer", "metadata", "expect"])?;
    let offer = object(case.get("offer"), "offer")?;
    let metadata = case.get("metadata").expect("checked above");
    let result = parse_offer_json(&Value::Object(offer.clone()).to_string(), &ParseOptions::default())
        .and_then(|parsed| IssuerMetadata::from_json(&metadata.to_string())?.check(&parsed.offer));
    if let Some(verdict) = error_verdict(&result, expect, |check| format!("formats {:?}", check.formats))? {
        return verdict;
    }
    only_keys(expect, &["formats", "warnings"], &["formats"])
        .map_err(|e| format!("expect has an unknown shape: {e}"))?;
    let expected_formats = expect
        .get("formats")
        .and_then(Value::as_array)
        .and_then(|pairs| {
            pairs
                .iter()
                .map(|pair| match pair.as_array().map(Vec::as_slice) {
                    Some([Value::String(id), Value::String(format)]) => Some((id.clone(), format.clone())),
                    _ => None,
                })
                .collect::<Option<Vec<_>>>()
        })
        .ok_or("expect.formats must be an array of [id, format] pairs")?;
    let expected_warnings = match expect.get("warnings") {
        None => Vec::new(),
        warnings => codes(warnings, "expect.warnings")?,
    };
    match result {
        Ok(check) => {
            compare("formats", &expected_formats, &check.formats)?;
            compare("warnings", &expected_warnings, &warning_codes(&check.warnings))
        }
        Err(error) => Err(format!("expected formats {expected_formats:?}, got error {error}")),
    }
}

// --- lint.json ---

fn lint_options(case: &Map<String, Value>) -> Result<Result<LintOptions, Error>, String> {
    let Some(given) = case.get("options") else { return Ok(Ok(LintOptions::default())) };
    let given = object(Some(given), "options")?;
    only_keys(given, &["profile", "dialect", "base", "metadata"], &[])?;
    let mut build = BuildOptions::default();
    if let Some(dialect) = given.get("dialect") {
        match string(Some(dialect), "options.dialect")?.parse::<Dialect>() {
            Ok(dialect) => build = build.dialect(dialect),
            Err(error) => return Ok(Err(error)),
        }
    }
    if let Some(base) = given.get("base") {
        build = build.base(string(Some(base), "options.base")?);
    }
    let profile = match given.get("profile") {
        None => None,
        Some(profile) => match string(Some(profile), "options.profile")?.parse::<Profile>() {
            Ok(profile) => Some(profile),
            Err(error) => return Ok(Err(error)),
        },
    };
    let metadata = match given.get("metadata") {
        None => None,
        Some(metadata) => match IssuerMetadata::from_json(&metadata.to_string()) {
            Ok(metadata) => Some(metadata),
            Err(error) => return Ok(Err(error)),
        },
    };
    Ok(Ok(LintOptions::default().profile(profile).build(build).metadata(metadata)))
}

fn run_lint_case(case: &Map<String, Value>) -> Outcome {
    only_keys(case, &["id", "note", "input", "options", "expect"], &["id", "input", "expect"])?;
    let input = string(case.get("input"), "input")?;
    let expect = object(case.get("expect"), "expect")?;
    let result = lint_options(case)?.and_then(|options| lint(input, &options));
    if let Some(verdict) = error_verdict(&result, expect, LintReport::to_json)? {
        return verdict;
    }
    only_keys(expect, &["reference", "warnings"], &["warnings"])
        .map_err(|e| format!("expect has an unknown shape: {e}"))?;
    let report = result.map_err(|error| format!("expected a report, got error {error}"))?;
    let expected_reference =
        expect.get("reference").map(|reference| string(Some(reference), "expect.reference")).transpose()?;
    compare("reference", &expected_reference, &report.reference.as_deref())?;
    let actual: Vec<Value> = report
        .warnings
        .iter()
        .map(|warning| {
            let mut entry = Map::new();
            entry.insert("code".into(), warning.code().into());
            if let Some(field) = &warning.field {
                entry.insert("field".into(), field.as_str().into());
            }
            Value::Object(entry)
        })
        .collect();
    compare_json("warnings", expect.get("warnings").unwrap_or(&Value::Null), &Value::Array(actual))
}

// --- resolve.json ---

fn run_resolve_case(case: &Map<String, Value>) -> Outcome {
    only_keys(case, &["id", "note", "offer", "metadata", "expect"], &["id", "offer", "metadata", "expect"])?;
    let offer = object(case.get("offer"), "offer")?;
    let metadata = case.get("metadata").expect("checked above");
    let expect = object(case.get("expect"), "expect")?;
    let result =
        parse_offer_json(&Value::Object(offer.clone()).to_string(), &ParseOptions::default()).and_then(|parsed| {
            IssuerMetadata::from_json(&metadata.to_string())?
                .resolve_credential_descriptions(&parsed.offer)?
                .to_json(&BuildOptions::default())
        });
    if let Some(verdict) = error_verdict(&result, expect, String::clone)? {
        return verdict;
    }
    only_keys(expect, &["offer"], &["offer"]).map_err(|e| format!("expect has an unknown shape: {e}"))?;
    let written = result.map_err(|error| format!("expected an offer, got error {error}"))?;
    let actual: Value = serde_json::from_str(&written).map_err(|e| format!("the written offer is not JSON: {e}"))?;
    compare_json("offer", expect.get("offer").unwrap_or(&Value::Null), &actual)
}
