//! `cargo xtask <command>`: the one entry point that builds, generates and tests everything.
//!
//! Every command installs what a fresh machine lacks (rustup targets, pinned CLIs, npm and apt
//! packages), and skips what is already there.

mod audit;
mod c;
mod codegen;
mod fuzz;
mod mobile;
mod server;
#[allow(dead_code)] // helpers used by the binding modules as they arrive
mod util;
mod wasm;

use std::process::ExitCode;

use util::{Result, cargo};

const USAGE: &str = "usage: cargo xtask <command>

commands:
  ci            format check, clippy -D warnings, every test of every crate and binding
  test-rust     cargo test for the whole workspace (unit, integration, doc tests)
  fuzz          [--seconds N] [target…]: every cargo-fuzz target of core/fuzz for N s (default 60), nightly
  audit         cargo-deny: advisories (when the database is reachable), licenses, bans, sources; core duplicates
  codegen       [--check]: write every binding's code lists from the engine's (--check: fail if stale)
  c-test        the C library: header freshness, install, C tests plain/valgrind/sanitizers, example
  c-install     --prefix DIR: build libcredoffer and install include/, lib/, lib/pkgconfig/credoffer.pc
  c-header      regenerate bindings-c/include/credoffer.h with the pinned cbindgen
  mobile-generate  build credoffer-mobile and generate Kotlin, Swift and Python into target/uniffi/
  mobile-setup  install the JDK, JNA, kotlinc (npm) and the Swift trixie chroot
  mobile-test   mobile-generate, then the Python, Kotlin (JVM) and Swift (trixie chroot) tests
  wasm-build    build the npm package into bindings-wasm/pkg/ and print its size
  wasm-test     wasm-build, then tsc, node tests and the demo page in headless Chromium
  wasm-bench    wasm-build, then the node benchmark against the JavaScript libraries
  server-test   credoffer-server's HTTP tests on SQLite and on a throwaway PostgreSQL (apt)
  server-load   the server's bounded load test (release) on SQLite and PostgreSQL: requests/s
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("ci") => ci(),
        Some("test-rust") => test_rust(),
        Some("fuzz") => fuzz::command(args.get(1..).unwrap_or_default()),
        Some("audit") => audit::ci(),
        Some("codegen") => codegen::command(args.get(1..).unwrap_or_default()),
        Some("c-test") => c::test(),
        Some("c-install") => c::install_command(args.get(1..).unwrap_or_default()),
        Some("c-header") => c::header_command(),
        Some("mobile-generate") => mobile::generate_command(),
        Some("mobile-setup") => mobile::setup(),
        Some("mobile-test") => mobile::test(),
        Some("wasm-build") => wasm::build(),
        Some("wasm-test") => wasm::test(),
        Some("wasm-bench") => wasm::bench(),
        Some("server-test") => server::test(),
        Some("server-load") => server::load(),
        Some("help" | "--help" | "-h") | None => {
            print!("{USAGE}");
            Ok(())
        }
        Some(other) => Err(format!("unknown command {other:?}\n\n{USAGE}").into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The whole pipeline, in the order that fails fastest.
fn ci() -> Result<()> {
    util::step("format", || cargo(&["fmt", "--all", "--check"]))?;
    util::step("clippy", || cargo(&["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"]))?;
    util::step("rust tests", test_rust)?;
    util::step("dependency audit", audit::ci)?;
    util::step("fuzz", fuzz::ci)?;
    util::step("c binding", c::ci)?;
    util::step("server", server::ci)?;
    util::step("wasm package", wasm::ci)?;
    util::step("mobile bindings", mobile::ci)?;
    util::summary();
    Ok(())
}

fn test_rust() -> Result<()> {
    cargo(&["test", "--workspace"])?;
    // The engine without its default features (no OS randomness, no QR), as embedders build it.
    cargo(&["test", "--package", "credoffer", "--no-default-features", "--lib"])
}
