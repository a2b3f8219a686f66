//! `cargo xtask audit`: the dependency policy in `deny.toml`, checked with cargo-deny.
//!
//! - Advisories (RustSec) when the advisory database can be fetched. It is a git clone from a host
//!   this machine may not reach; then the audit says so plainly and goes on with the offline checks.
//! - Licenses, banned crates, duplicate versions and sources, offline, always.
//! - The core's runtime dependency tree has no crate in two versions (`cargo tree --duplicates`): every
//!   binding ships it, so it is held to more than the workspace's warning.

use std::process::Command;

use crate::setup;
use crate::util::{self, Result};

/// `cargo xtask audit`, and the `audit` step of `cargo xtask ci`.
pub fn ci() -> Result {
    let deny = setup::cargo_deny()?;
    let root = util::root(); // cargo-deny reads deny.toml from here

    eprintln!("$ cargo deny --workspace check advisories");
    let advisories = Command::new(&deny).args(["--workspace", "check", "advisories"]).current_dir(&root).output()?;
    let report = String::from_utf8_lossy(&advisories.stderr);
    if advisories.status.success() {
        eprintln!("audit: advisories ok (RustSec database fetched)");
    } else if report.contains("failed to fetch advisory database") {
        eprintln!(
            "audit: ADVISORIES NOT CHECKED: the RustSec advisory database cannot be fetched from this machine \
             (a git clone from GitHub); licenses, bans, duplicates and sources are still checked"
        );
    } else {
        eprint!("{report}");
        return Err("cargo deny found advisories (see above)".into());
    }

    let deny = deny.to_string_lossy();
    util::run(&deny, &["--workspace", "check", "--hide-inclusion-graph", "licenses", "bans", "sources"])?;

    let duplicates = util::output(
        &util::cargo_program(),
        &["tree", "-p", "credoffer", "--edges", "normal", "--duplicates", "--all-features"],
    )?;
    if !duplicates.trim().is_empty() {
        return Err(format!("the core's runtime dependencies hold a crate in two versions:\n{duplicates}").into());
    }
    eprintln!("audit: the core's runtime dependency tree has no duplicate versions");
    Ok(())
}
