//! `cargo xtask release --dry-run`: everything a release must pass, short of publishing. The crates are
//! packaged and built from their packages as crates.io would receive them, the C library is installed and
//! found by C++ consumers, the npm package is packed and its exports checked, and the licence, metadata and
//! changelog every registry shows are complete.

use std::fs;
use std::path::Path;
use std::process::Command;

use crate::metadata::{Metadata, Package};
use crate::util::{self, Result, root};
use crate::{c, wasm};

/// The crates published to crates.io; every other workspace crate must say `publish = false`.
pub const PUBLISHED_CRATES: &[&str] = &["credoffer", "credoffer-cli", "credoffer-server"];

/// The licence every crate and the npm package name, the way SPDX writes it.
const LICENSE: &str = "Apache-2.0 OR MIT";

/// The licence texts at the root, which every package carries.
const LICENSE_FILES: &[&str] = &["LICENSE-APACHE", "LICENSE-MIT"];

/// `cargo xtask release --dry-run`.
pub fn dry_run() -> Result {
    let metadata = Metadata::get()?;
    let version = metadata.workspace_version()?;
    check_changelog(&fs::read_to_string(root().join("CHANGELOG.md"))?, version)?;
    let packages: Vec<&Package> = metadata.workspace_packages().collect();
    let mut problems = check_publish_flags(&packages);
    problems.extend(packages.iter().filter_map(|package| license_problem(package)));
    for package in packages.iter().filter(|package| PUBLISHED_CRATES.contains(&package.name.as_str())) {
        problems.extend(check_crate_metadata(package));
        problems.extend(check_package_contents(package)?);
    }
    problems.extend(check_npm_license()?);
    if !problems.is_empty() {
        return Err(format!("not ready for release:\n  {}", problems.join("\n  ")).into());
    }
    // Packages every published crate and builds each from its package, the dependent ones against the
    // others' packages. --allow-dirty: the check is worth running before committing too.
    util::cargo(&["publish", "--workspace", "--dry-run", "--allow-dirty"])?;
    c::release_check()?;
    wasm::release_check()?;
    eprintln!("release {version}: every package is ready (dry run: nothing was published)");
    Ok(())
}

/// The changelog has a section for the coming release: `[Unreleased]`, or the version once it is named.
fn check_changelog(changelog: &str, version: &str) -> Result {
    let heading = |name: &str| changelog.lines().any(|line| line.starts_with(&format!("## [{name}]")));
    if heading("Unreleased") || heading(version) {
        Ok(())
    } else {
        Err(format!("CHANGELOG.md has no \"## [Unreleased]\" or \"## [{version}]\" section").into())
    }
}

/// Published crates may be published, every other crate may not.
fn check_publish_flags(packages: &[&Package]) -> Vec<String> {
    let mut problems = Vec::new();
    for package in packages {
        let publishable = package.publish.as_ref().is_none_or(|registries| !registries.is_empty());
        let meant = PUBLISHED_CRATES.contains(&package.name.as_str());
        if publishable != meant {
            let fix = if meant { "must not say" } else { "must say" };
            problems.push(format!("{}: {fix} `publish = false`", package.name));
        }
    }
    for name in PUBLISHED_CRATES {
        if !packages.iter().any(|package| package.name == *name) {
            problems.push(format!("{name}: not a workspace member"));
        }
    }
    problems
}

/// What crates.io and docs.rs show of a crate.
fn check_crate_metadata(package: &Package) -> Vec<String> {
    let mut problems = Vec::new();
    let fields = [
        ("description", &package.description),
        ("repository", &package.repository),
        ("documentation", &package.documentation),
        ("readme", &package.readme),
        ("rust-version", &package.rust_version),
    ];
    for (field, value) in fields {
        if value.as_deref().is_none_or(str::is_empty) {
            problems.push(format!("{}: no `{field}`", package.name));
        }
    }
    for (field, values) in [("keywords", &package.keywords), ("categories", &package.categories)] {
        if values.is_empty() {
            problems.push(format!("{}: no `{field}`", package.name));
        }
    }
    problems
}

/// Every crate names the licence the same way, published or not.
fn license_problem(package: &Package) -> Option<String> {
    (package.license.as_deref() != Some(LICENSE))
        .then(|| format!("{}: `license` is {:?}, not {LICENSE:?}", package.name, package.license))
}

/// The crate's package holds its README and both licence texts, and none of its tests or benchmarks reads
/// a path outside it (`..`), which a packaged crate does not have.
fn check_package_contents(package: &Package) -> Result<Vec<String>> {
    let out = Command::new(util::cargo_program())
        .args(["package", "--list", "--allow-dirty", "--package", &package.name])
        .current_dir(root())
        .output()?;
    if !out.status.success() {
        return Err(
            format!("cargo package --list -p {}: {}", package.name, String::from_utf8_lossy(&out.stderr)).into()
        );
    }
    let listed = String::from_utf8(out.stdout)?;
    let dir = package.manifest_path.parent().unwrap_or(Path::new("."));
    let sources: Vec<(String, String)> = listed
        .lines()
        .filter(|path| (path.starts_with("tests/") || path.starts_with("benches/")) && path.ends_with(".rs"))
        .map(|path| Ok((path.to_owned(), fs::read_to_string(dir.join(path))?)))
        .collect::<Result<_>>()?;
    Ok(package_content_problems(&package.name, &listed, &sources))
}

fn package_content_problems(name: &str, listed: &str, sources: &[(String, String)]) -> Vec<String> {
    let mut problems: Vec<String> = ["README.md"]
        .iter()
        .chain(LICENSE_FILES)
        .filter(|file| !listed.lines().any(|path| path == **file))
        .map(|file| format!("{name}: the package lacks {file}"))
        .collect();
    for (path, text) in sources {
        if text.contains("\"../") || text.contains("join(\"..\")") {
            problems.push(format!("{name}: {path} reads outside the package (`..`)"));
        }
    }
    problems
}

/// The npm package names the crates' licence.
fn check_npm_license() -> Result<Vec<String>> {
    #[derive(serde::Deserialize)]
    struct Manifest {
        license: Option<String>,
    }
    let manifest: Manifest = serde_json::from_str(&fs::read_to_string(root().join("bindings-wasm/js/package.json"))?)?;
    Ok(if manifest.license.as_deref() == Some(LICENSE) {
        Vec::new()
    } else {
        vec![format!("bindings-wasm/js/package.json: `license` is {:?}, not {LICENSE:?}", manifest.license)]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_changelog_needs_a_section_for_the_coming_release() {
        let unreleased = "# Changelog\n\n## [Unreleased]\n\n### Added\n";
        assert!(check_changelog(unreleased, "0.2.0").is_ok());
        assert!(check_changelog("# Changelog\n\n## [0.2.0] - 2027-01-04\n", "0.2.0").is_ok());
        let error = check_changelog("# Changelog\n\n## [0.1.0] - 2026-12-01\n", "0.2.0").unwrap_err();
        assert!(error.to_string().contains("[0.2.0]"), "{error}");
    }

    #[test]
    fn a_package_without_licences_or_with_tests_reaching_out_is_refused() {
        let listed = "Cargo.toml\nREADME.md\nLICENSE-MIT\nsrc/lib.rs\ntests/vectors.rs\n";
        let sources = [
            ("tests/vectors.rs".to_owned(), "let dir = root.join(\"../tests/vectors\");".to_owned()),
            ("tests/ok.rs".to_owned(), "let dir = root.join(\"tests/vectors\");".to_owned()),
        ];
        let problems = package_content_problems("credoffer", listed, &sources);
        assert_eq!(
            problems,
            [
                "credoffer: the package lacks LICENSE-APACHE",
                "credoffer: tests/vectors.rs reads outside the package (`..`)"
            ]
        );
    }

    #[test]
    fn incomplete_metadata_and_another_licence_are_named() {
        let package: Package = serde_json::from_str(
            r#"{"id": "x", "name": "credoffer", "version": "0.1.0", "manifest_path": "/w/core/Cargo.toml",
                "description": "d", "license": "MIT", "repository": "r", "documentation": "",
                "readme": "README.md", "rust_version": "1.88", "keywords": ["openid4vci"], "publish": null}"#,
        )
        .unwrap();
        assert_eq!(check_crate_metadata(&package), ["credoffer: no `documentation`", "credoffer: no `categories`"]);
        assert_eq!(
            license_problem(&package).unwrap(),
            "credoffer: `license` is Some(\"MIT\"), not \"Apache-2.0 OR MIT\""
        );
        assert_eq!(
            check_publish_flags(&[&package])[..],
            ["credoffer-cli: not a workspace member", "credoffer-server: not a workspace member"]
        );
    }

    /// This workspace: the published crates are ready, every other one says `publish = false`.
    #[test]
    fn this_workspace_publishes_exactly_its_published_crates_with_complete_metadata() {
        let metadata = Metadata::get().unwrap();
        let packages: Vec<&Package> = metadata.workspace_packages().collect();
        assert_eq!(check_publish_flags(&packages), Vec::<String>::new());
        assert_eq!(
            packages.iter().filter_map(|package| license_problem(package)).collect::<Vec<_>>(),
            Vec::<String>::new()
        );
        for package in packages.iter().filter(|package| PUBLISHED_CRATES.contains(&package.name.as_str())) {
            assert_eq!(check_crate_metadata(package), Vec::<String>::new());
        }
        assert_eq!(check_npm_license().unwrap(), Vec::<String>::new());
    }
}
