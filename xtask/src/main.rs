//! `cargo xtask <command>`: the one entry point that builds, generates and tests everything.
//!
//! `cargo xtask setup` installs what a fresh machine lacks (apt packages, rustup targets, pinned CLIs,
//! npm packages, the Swift chroot) and skips what is there; every test command first installs what it
//! needs the same way, so each works on its own.

mod audit;
mod c;
mod ci;
mod codegen;
mod fuzz;
mod live_page;
mod metadata;
mod mobile;
mod mobile_artefacts;
mod release;
mod server;
mod setup;
mod util;
mod wasm;
mod wasm_size;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "cargo xtask",
    bin_name = "cargo xtask",
    about = "Builds, generates and tests every part of credoffer."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// One variant per command; its doc comment is the command's help.
#[derive(Debug, Subcommand)]
enum Command {
    /// install what this machine lacks for every step of `ci` (apt packages, the Swift chroot,
    /// PostgreSQL, rustup targets, pinned CLIs, npm packages)
    Setup,
    /// setup, then format check, clippy -D warnings, every test of every crate and binding
    Ci(ci::Selection),
    /// cargo test for the whole workspace (unit, integration, doc tests)
    TestRust,
    /// every cargo-fuzz target of core/fuzz (or the ones named) for N seconds each, on nightly
    Fuzz {
        /// Seconds per target
        #[arg(long, default_value_t = 60)]
        seconds: u32,
        /// Targets to run (all when none is named)
        #[arg(value_parser = clap::builder::PossibleValuesParser::new(fuzz::TARGETS))]
        targets: Vec<String>,
    },
    /// cargo-deny: advisories (when the database is reachable), licenses, bans, sources; core duplicates
    Audit,
    /// the C library: header freshness, install, C tests plain/valgrind/sanitizers, example, C++ consumers
    /// through pkg-config and CMake
    CTest,
    /// build libcredoffer and install include/, lib/ (with the SONAME links), lib/pkgconfig/credoffer.pc and
    /// lib/cmake/credoffer/
    CInstall {
        /// Where to install
        #[arg(long, value_name = "DIR")]
        prefix: PathBuf,
    },
    /// regenerate bindings-c/include/credoffer.h with the pinned cbindgen
    CHeader,
    /// write every binding's code lists (C status enum, TypeScript unions, Kotlin/Swift errors) from
    /// the engine's own lists
    Codegen {
        /// Write nothing; fail, naming them, when generated files are stale
        #[arg(long)]
        check: bool,
    },
    /// build credoffer-mobile and generate Kotlin, Swift and Python into target/uniffi/
    MobileGenerate,
    /// install Python, the JDK, JNA, kotlinc (npm), uniffi-bindgen and the Swift trixie chroot
    MobileSetup,
    /// mobile-generate, then the Python, Kotlin (JVM) and Swift (trixie chroot) tests
    MobileTest,
    /// iOS and Android static libraries, CredOfferFFI.xcframework, the Swift package and the Kotlin
    /// classes.jar into target/mobile/, each checked (architectures, platforms, exported symbols)
    MobileArtefacts,
    /// build the npm package into bindings-wasm/pkg/ and print its size
    WasmBuild {
        /// also print where the browser build's bytes go, by crate and by function
        #[arg(long)]
        why: bool,
    },
    /// wasm-build, then tsc, node tests, the vectors, the demo page and a Vite-built page in headless Chromium
    WasmTest,
    /// wasm-build, then the node benchmark against the JavaScript libraries
    WasmBench,
    /// credoffer-server's HTTP tests on SQLite and on a throwaway PostgreSQL
    ServerTest,
    /// wasm-build and the server, then serve the live issuer page (/demo/) until Ctrl-C, printing its
    /// URL and a fresh API token
    LivePage {
        /// Address to listen on
        #[arg(long, value_name = "HOST:PORT", default_value = live_page::DEFAULT_LISTEN)]
        listen: String,
    },
    /// wasm-build and the server, then drive the live issuer page in headless Chromium: a wallet, a
    /// server restart, signed webhooks
    LivePageTest,
    /// the server's bounded load test (release) on SQLite and PostgreSQL: requests/s
    ServerLoad {
        /// instead, create and redeem offers for this many seconds on each store, and report
        /// requests/s, p50/p99 latency and the server's memory at start and end
        #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=3600))]
        soak: Option<u64>,
    },
    /// every check a release must pass: crates packaged and built from their packages, licences, metadata,
    /// changelog, the C library found by CMake and pkg-config, the npm package packed and its exports checked
    Release {
        /// Check only; publishing is done by hand (README, Releasing)
        #[arg(long, required = true)]
        dry_run: bool,
    },
}

fn main() -> ExitCode {
    let result = match Cli::parse().command {
        Command::Setup => ci::setup(),
        Command::Ci(selection) => ci::run(&selection),
        Command::TestRust => ci::test_rust(),
        Command::Fuzz { seconds, targets } => fuzz::command(&targets, seconds),
        Command::Audit => audit::ci(),
        Command::CTest => c::test(),
        Command::CInstall { prefix } => c::install_command(&prefix),
        Command::CHeader => c::header_command(),
        Command::Codegen { check } => codegen::command(check),
        Command::MobileGenerate => mobile::generate_command(),
        Command::MobileSetup => setup::mobile_tools().map(drop),
        Command::MobileTest => mobile::test(),
        Command::MobileArtefacts => mobile_artefacts::command(),
        Command::WasmBuild { why } => wasm::build(why),
        Command::WasmTest => wasm::test(),
        Command::WasmBench => wasm::bench(),
        Command::ServerTest => server::test(),
        Command::LivePage { listen } => live_page::run(&listen),
        Command::LivePageTest => live_page::test(),
        Command::ServerLoad { soak } => server::load(soak),
        Command::Release { dry_run: _ } => release::dry_run(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn fuzz_takes_seconds_and_known_targets_only() {
        let Command::Fuzz { seconds, targets } =
            Cli::try_parse_from(["xtask", "fuzz", "--seconds", "5", "parse_uri"]).unwrap().command
        else {
            panic!("not the fuzz command");
        };
        assert_eq!((seconds, targets), (5, vec!["parse_uri".to_owned()]));
        assert!(Cli::try_parse_from(["xtask", "fuzz", "parse_everything"]).is_err());
        assert!(Cli::try_parse_from(["xtask", "fuzz", "--seconds", "soon"]).is_err());
    }

    #[test]
    fn c_install_requires_a_prefix() {
        assert!(Cli::try_parse_from(["xtask", "c-install"]).is_err());
        let Command::CInstall { prefix } =
            Cli::try_parse_from(["xtask", "c-install", "--prefix", "out"]).unwrap().command
        else {
            panic!("not the c-install command");
        };
        assert_eq!(prefix, PathBuf::from("out"));
    }

    #[test]
    fn release_only_checks() {
        assert!(Cli::try_parse_from(["xtask", "release"]).is_err());
        let command = Cli::try_parse_from(["xtask", "release", "--dry-run"]).unwrap().command;
        assert!(matches!(command, Command::Release { dry_run: true }), "{command:?}");
    }
}
