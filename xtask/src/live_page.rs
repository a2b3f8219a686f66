//! The server's live issuer page (server/demo/): `live-page` runs it on this machine, `live-page-test`
//! drives it end to end in headless Chromium against a real server, a webhook receiver and the npm
//! package's wallet helpers.

use std::io::Read as _;
use std::path::PathBuf;

use crate::util::{self, Result, cargo, root};
use crate::{setup, wasm};

/// Where the page runs when `cargo xtask live-page` is not told otherwise.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

/// The page's test needs the npm package (browser build for the page, Node build for the wallet), its
/// development dependencies, Chromium and the server binary.
fn build() -> Result<PathBuf> {
    wasm::build(false)?;
    cargo(&["build", "--package", "credoffer-server"])?;
    Ok(util::target_dir().join("debug/credoffer-server"))
}

/// `cargo xtask live-page-test` and the CI step: builds, then runs server/demo/'s test (screenshots in
/// target/live-page/).
pub fn test() -> Result {
    setup::npm_packages()?;
    setup::chromium()?;
    let server = build()?;
    util::run_in(&root(), "node", &["--test", "server/demo/"], &[("CREDOFFER_SERVER_BIN", &server.to_string_lossy())])
}

/// `cargo xtask live-page`: builds, then serves the page at `listen` until Ctrl-C, with records in
/// target/live-page/offers.sqlite3 and a fresh API token printed for the page's form. Offers are by
/// reference, on the same address, so a wallet on this machine can fetch them.
pub fn run(listen: &str) -> Result {
    let server = build()?;
    let origin = format!("http://{listen}");
    let data = util::target_dir().join("live-page");
    std::fs::create_dir_all(&data)?;
    let token = random_token()?;
    eprintln!("\nThe live page: {origin}/demo/\nAPI token for its form: {token}\n");
    let database = data.join("offers.sqlite3").to_string_lossy().into_owned();
    let package = root().join("bindings-wasm/pkg/web").to_string_lossy().into_owned();
    util::run_in(
        &root(),
        &server.to_string_lossy(),
        &[
            "--listen",
            listen,
            "--sqlite",
            &database,
            "--credential-issuer",
            &origin,
            "--credential-configuration",
            "org.iso.18013.5.1.mDL=mso_mdoc",
            "--offer-url-template",
            &format!("{origin}/offers/{{token}}"),
            "--allow-insecure-http",
            "--demo-package-directory",
            &package,
        ],
        // The environment keeps the token out of the process list.
        &[("CREDOFFER_API_TOKENS", &token)],
    )
}

/// 128 random bits from the kernel, as hex: an API token for one run.
fn random_token() -> Result<String> {
    let mut bytes = [0u8; 16];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
    Ok(hex(&bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_32_hex_digits() {
        assert_eq!(hex(&[0x00, 0x0f, 0xa5, 0xff]), "000fa5ff");
        let token = random_token().unwrap();
        assert!(token.len() == 32 && token.bytes().all(|byte| byte.is_ascii_hexdigit()), "{token}");
    }
}
