//! Gives the shared library its SONAME, which names the ABI: programs linked against `libcredoffer.so.0.1`
//! load only a library with the same ABI. Semver's breaking part of the version is the ABI version: the
//! major, or `0.minor` before 1.0 (what cargo-c does too).

fn main() {
    let major = env("CARGO_PKG_VERSION_MAJOR");
    let abi = if major == "0" { format!("0.{}", env("CARGO_PKG_VERSION_MINOR")) } else { major };
    // ELF platforms only: Apple's linker takes an install name and Windows' DLLs have no SONAME.
    let target_os = env("CARGO_CFG_TARGET_OS");
    let elf = !matches!(target_os.as_str(), "macos" | "ios" | "tvos" | "watchos" | "visionos" | "windows");
    let wasm = env("CARGO_CFG_TARGET_FAMILY").split(',').any(|family| family == "wasm");
    if elf && !wasm {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libcredoffer.so.{abi}");
    }
}

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_default()
}
