//! The npm package `credoffer`: `wasm-build` writes it to bindings-wasm/pkg/, `wasm-test` checks it (types,
//! node tests, the browser demo), `wasm-bench` compares its speed with the JavaScript libraries wallets use.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::metadata::Metadata;
use crate::setup::{self, WASM_TARGET};
use crate::util::{self, Result, cargo, root};

/// wasm plus JavaScript glue a browser loads, after gzip -9 (the JavaScript peers ship 123 KB and 413 KB).
const SIZE_BUDGET_BYTES: u64 = 60 * 1024;

fn package_dir() -> PathBuf {
    root().join("bindings-wasm")
}

fn pkg_dir() -> PathBuf {
    package_dir().join("pkg")
}

/// Everything `cargo xtask ci` checks for the npm package. The workspace's clippy and test steps build
/// credoffer-wasm without features, so the issuer half is checked and its Rust tests run here.
pub fn ci() -> Result {
    cargo(&["clippy", "--package", "credoffer-wasm", "--all-targets", "--features", "issuer", "--", "-D", "warnings"])?;
    cargo(&["test", "--package", "credoffer-wasm", "--features", "issuer"])?;
    test()
}

/// Builds the npm package into bindings-wasm/pkg/ and prints its size.
pub fn build() -> Result {
    let bindgen = setup::wasm_tools()?;
    let manifest = package_manifest(Metadata::get()?.workspace_version()?)?;
    let pkg = pkg_dir();
    if pkg.exists() {
        fs::remove_dir_all(&pkg)?;
    }
    // Node gets the fastest build and the issuer engine (`credoffer/issuer`), browsers the smallest build
    // without it (both profiles in the root Cargo.toml).
    let builds = [("nodejs", "node", "wasm-node", &["--features", "issuer"][..]), ("web", "web", "wasm", &[])];
    for (target, dir, profile, features) in builds {
        let build = ["build", "--package", "credoffer-wasm", "--target", WASM_TARGET, "--profile", profile];
        cargo(&[&build[..], features].concat())?;
        let wasm = util::target_dir().join(WASM_TARGET).join(profile).join("credoffer_wasm.wasm");
        let out = pkg.join(dir);
        util::run_in(
            &root(),
            &bindgen.to_string_lossy(),
            &[
                "--target",
                target,
                "--out-dir",
                &out.to_string_lossy(),
                "--out-name",
                "credoffer_wasm",
                "--no-typescript",
                "--remove-name-section",
                "--remove-producers-section",
                &wasm.to_string_lossy(),
            ],
            &[],
        )?;
    }
    assemble_entries(&pkg)?;
    fs::write(pkg.join("package.json"), manifest)?;
    size_report(&pkg)
}

/// Builds the package, then checks its types, runs the node tests and drives the demo page in headless
/// Chromium (screenshots in target/wasm-demo/).
pub fn test() -> Result {
    build()?;
    link_package()?;
    let dir = package_dir();
    util::run_in(&dir, "node", &["node_modules/typescript/bin/tsc", "--project", "tests/tsconfig.json"], &[])?;
    util::run_in(&dir, "node", &["--test", "tests/"], &[])?;
    setup::chromium()?;
    util::run_in(&dir, "node", &["--test", "demo/"], &[])
}

/// Builds the package and runs the node benchmark against the JavaScript libraries.
pub fn bench() -> Result {
    build()?;
    link_package()?;
    util::run_in(&package_dir(), "node", &["bench/bench.mjs"], &[])
}

/// The npm package's package.json (bindings-wasm/js/package.json), checked to carry the workspace version:
/// npm and crates.io publish the same release, so the two never differ.
fn package_manifest(workspace_version: &str) -> Result<String> {
    let path = package_dir().join("js/package.json");
    let text = fs::read_to_string(&path)?;
    check_package_version(&text, workspace_version).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(text)
}

fn check_package_version(package_json: &str, workspace_version: &str) -> Result {
    let version = util::npm_package_version(package_json)?;
    if version != workspace_version {
        return Err(format!(
            "\"version\" is {version:?}, the workspace version (Cargo.toml [workspace.package]) is {workspace_version:?}"
        )
        .into());
    }
    Ok(())
}

/// api.js's helpers that issuer.js calls: the issuer entry takes them from the main one's module.
const ISSUER_HELPERS: &str = "raw, converted, jsonText, utf8, encoder";

/// Writes the entry points around js/api.js (`credoffer`) and js/issuer.js (`credoffer/issuer`), and the
/// package files around them.
///
/// Node gets one CommonJS module holding the WebAssembly and api.js (`node/shared.cjs`, not exported by the
/// package), which the CommonJS entries (`require`) and the ES modules re-exporting them (`import`) share: one
/// WebAssembly instance and one `CredentialOfferError` class for both entries and both module systems.
/// Browsers get an ES module that loads the WebAssembly with top-level await, and no issuer entry.
fn assemble_entries(pkg: &Path) -> Result {
    let js = package_dir().join("js");
    let body = fs::read_to_string(js.join("api.js"))?;
    let issuer_body = fs::read_to_string(js.join("issuer.js"))?;
    let declarations = fs::read_to_string(js.join("credoffer.d.ts"))?;
    let issuer_declarations = fs::read_to_string(js.join("issuer.d.ts"))?;
    let list = declared_list(&declarations, "credoffer.d.ts")?;
    let issuer_list = declared_list(&issuer_declarations, "issuer.d.ts")?;
    let banner = "// Generated by `cargo xtask wasm-build` from bindings-wasm/js/.\n";

    // The nodejs glue is CommonJS, and the package is "type": "module".
    fs::rename(pkg.join("node/credoffer_wasm.js"), pkg.join("node/credoffer_wasm.cjs"))?;
    fs::write(
        pkg.join("node/shared.cjs"),
        format!(
            "{banner}'use strict';\nconst raw = require('./credoffer_wasm.cjs');\n\n{body}\n\
             module.exports = {{ api: {{ {list} }}, helpers: {{ {ISSUER_HELPERS} }} }};\n"
        ),
    )?;
    fs::write(
        pkg.join("node/index.cjs"),
        format!("{banner}'use strict';\nmodule.exports = require('./shared.cjs').api;\n"),
    )?;
    fs::write(
        pkg.join("node/issuer.cjs"),
        format!(
            "{banner}'use strict';\nconst {{ {ISSUER_HELPERS} }} = require('./shared.cjs').helpers;\n\n{issuer_body}\n\
             module.exports = {{ {issuer_list} }};\n"
        ),
    )?;
    for (entry, list) in [("index", &list), ("issuer", &issuer_list)] {
        fs::write(
            pkg.join(format!("node/{entry}.mjs")),
            format!("{banner}import api from './{entry}.cjs';\n\nexport const {{ {list} }} = api;\n"),
        )?;
    }
    fs::write(
        pkg.join("web/index.js"),
        format!(
            "{banner}import init, * as raw from './credoffer_wasm.js';\n\nawait init();\n\n{body}\nexport {{ {list} }};\n"
        ),
    )?;

    fs::copy(js.join("README.md"), pkg.join("README.md"))?;
    // Each entry's declarations, and the same read as CommonJS by TypeScript for `require`; the issuer's
    // CommonJS twin takes the main entry's types from theirs.
    const MAIN_TYPES: &str = "from './credoffer.js'";
    if !issuer_declarations.contains(MAIN_TYPES) {
        return Err(format!("issuer.d.ts must import the main entry's types {MAIN_TYPES}").into());
    }
    fs::write(pkg.join("credoffer.d.ts"), &declarations)?;
    fs::write(pkg.join("credoffer.d.cts"), &declarations)?;
    fs::write(pkg.join("issuer.d.ts"), &issuer_declarations)?;
    fs::write(pkg.join("issuer.d.cts"), issuer_declarations.replace(MAIN_TYPES, "from './credoffer.cjs'"))?;
    Ok(())
}

/// The names a declaration file exports, comma-separated; an error if there are none.
fn declared_list(declarations: &str, file: &str) -> Result<String> {
    let names = exported_names(declarations);
    if names.is_empty() {
        return Err(format!("{file} declares no exports").into());
    }
    Ok(names.join(", "))
}

/// The names `export declare function|class|const NAME` in the declarations, in order.
fn exported_names(declarations: &str) -> Vec<&str> {
    declarations
        .lines()
        .filter_map(|line| {
            let rest = line.strip_prefix("export declare ")?;
            let rest = ["function ", "class ", "const "].iter().find_map(|kind| rest.strip_prefix(kind))?;
            let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(rest.len());
            Some(&rest[..end])
        })
        .collect()
}

/// Prints what a browser downloads (gzip -9) against the budget. Over it is reported, not fatal: the
/// WebAssembly is almost all engine code, which this package cannot shrink on its own.
fn size_report(pkg: &Path) -> Result {
    let files = ["web/credoffer_wasm_bg.wasm", "web/credoffer_wasm.js", "web/index.js"];
    let mut total = 0;
    eprintln!("\nnpm package size (what a browser loads):");
    for file in files {
        let path = pkg.join(file);
        let raw = fs::metadata(&path)?.len();
        let gzipped = gzip9_size(&path)?;
        total += gzipped;
        eprintln!("  {file:28} {raw:8} B   {gzipped:7} B gzip -9");
    }
    let verdict = if total <= SIZE_BUDGET_BYTES { "within" } else { "OVER" };
    eprintln!("  {:28} {:8}     {total:7} B gzip -9, {verdict} the budget of {SIZE_BUDGET_BYTES} B", "total", "");
    Ok(())
}

fn gzip9_size(path: &Path) -> Result<u64> {
    let out = Command::new("gzip").args(["-9", "--stdout"]).arg(path).output()?;
    if !out.status.success() {
        return Err(format!("gzip {} failed", path.display()).into());
    }
    Ok(out.stdout.len() as u64)
}

/// The npm packages the tests use, and `credoffer` linked to pkg/ so tests import the package by name,
/// through its `exports`.
fn link_package() -> Result {
    setup::npm_packages()?;
    let dir = package_dir();
    let link = dir.join("node_modules/credoffer");
    if fs::symlink_metadata(&link).is_ok() {
        fs::remove_file(&link)?;
    }
    std::os::unix::fs::symlink("../pkg", &link)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_npm_version_must_be_the_workspace_version() {
        let manifest = r#"{"name": "credoffer", "version": "0.4.0", "type": "module"}"#;
        assert!(check_package_version(manifest, "0.4.0").is_ok());
        let error = check_package_version(manifest, "0.4.1").unwrap_err().to_string();
        assert!(error.contains("\"0.4.0\"") && error.contains("\"0.4.1\""), "{error}");
        assert!(check_package_version(r#"{"name": "credoffer"}"#, "0.4.0").is_err());
    }
}
