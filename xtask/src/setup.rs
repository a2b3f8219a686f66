//! `cargo xtask setup`: installs what a fresh Debian machine lacks for every step of `cargo xtask ci`, and
//! skips what is already there, so it can run before every pipeline.
//!
//! Every installer is a function of its own: `ci` calls the ones of the steps it runs, and a single test
//! command (`cargo xtask c-test`) calls the ones it needs, so it works on a fresh machine too. The pinned
//! tool versions live here, beside the installer of each tool.
//!
//! What is slow to build or fetch is kept once per machine and reused by every clone: cargo-installed
//! tools in `$CARGO_HOME/bin`, kotlinc and the built uniffi-bindgen under `~/.cache/credoffer`, and the
//! Swift chroot under `/var/cache/credoffer/swift-trixie` (`CREDOFFER_SWIFT_CHROOT` moves it).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use crate::metadata::Metadata;
use crate::util::{self, Result, have, root, run, run_in};

const CARGO_DENY_VERSION: &str = "0.20.2";
const CARGO_FUZZ_VERSION: &str = "0.13.2";
/// Edition 2024's `#[unsafe(no_mangle)]` needs cbindgen 0.28 or later.
const CBINDGEN_VERSION: &str = "0.29.4";
/// The npm package that ships a complete kotlinc, and its version.
const KOTLIN_COMPILER: &str = "kotlin-compiler";
const KOTLIN_VERSION: &str = "2.4.20";
/// The LLVM of rustc 1.95, packaged by Debian 12 (bookworm-security) as `llvm-22`.
const LLVM_VERSION: &str = "22";
/// Where the Swift chroot lives unless `CREDOFFER_SWIFT_CHROOT` says otherwise.
const SWIFT_CHROOT: &str = "/var/cache/credoffer/swift-trixie";
/// The target the npm package's WebAssembly is built for.
pub const WASM_TARGET: &str = "wasm32-unknown-unknown";
/// A PATH with the sbin folders, which debootstrap and chroot need and a user's PATH may lack.
const SYSTEM_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// rustfmt and clippy on the toolchain that runs xtask.
pub fn rust_components() -> Result {
    rustup_components(&["rustfmt", "clippy"])
}

/// Adds the rustup components of the toolchain that runs xtask that are missing.
fn rustup_components(components: &[&str]) -> Result {
    let installed = util::output("rustup", &["component", "list", "--installed"])?;
    for component in components {
        // Host components are listed with the host's triple (`clippy-x86_64-…`), rust-src without one.
        let listed = |line: &str| line == *component || line.starts_with(&format!("{component}-"));
        if !installed.lines().any(listed) {
            run("rustup", &["component", "add", component])?;
        }
    }
    Ok(())
}

/// Installs Debian packages that are missing (`apt-get update` once per run, first).
pub fn apt(packages: &[&str]) -> Result {
    let missing: Vec<&str> = packages
        .iter()
        .copied()
        .filter(|p| {
            !Command::new("dpkg-query")
                .args(["-W", "-f=${Status}", p])
                .output()
                .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
        })
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    static UPDATED: Mutex<bool> = Mutex::new(false);
    if let Ok(mut updated) = UPDATED.lock()
        && !*updated
    {
        run("apt-get", &["update", "-q"])?;
        *updated = true;
    }
    let mut args = vec!["install", "-y", "-q", "--no-install-recommends"];
    args.extend(missing);
    run_in(&root(), "apt-get", &args, &[("DEBIAN_FRONTEND", "noninteractive")])
}

/// The Debian packages that provide `programs` (program, package), for those not on the PATH.
fn apt_for_programs(programs: &[(&str, &str)]) -> Result {
    let missing: Vec<&str> =
        programs.iter().filter(|(program, _)| !have(program)).map(|(_, package)| *package).collect();
    if missing.is_empty() { Ok(()) } else { apt(&missing) }
}

/// Adds a rustup target if it is missing.
fn rustup_target(target: &str) -> Result {
    let installed = util::output("rustup", &["target", "list", "--installed"])?;
    if installed.lines().any(|line| line.trim() == target) {
        return Ok(());
    }
    run("rustup", &["target", "add", target])
}

/// Where a target's standard library comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RustStd {
    /// rustup's build of it.
    Prebuilt,
    /// Built with the crate from the toolchain's `rust-src`.
    FromSource,
}

/// The target's standard library: rustup's if it can be had, or else the sources to build it from
/// (a rustup mirror may lack a tier 2 target's build, as the iOS simulators' are missing from some).
pub fn rust_std(target: &str) -> Result<RustStd> {
    match rustup_target(target) {
        Ok(()) => Ok(RustStd::Prebuilt),
        Err(error) => {
            eprintln!("no prebuilt standard library for {target} ({error}): building it from rust-src");
            rustup_components(&["rust-src"])?;
            Ok(RustStd::FromSource)
        }
    }
}

/// The folder of LLVM's binary tools (`llvm-lipo`, `llvm-nm`, `llvm-objdump`, `llvm-readobj`) from
/// Debian, at the LLVM version of rustc: older ones misread its Mach-O objects (LLVM 19's llvm-lipo
/// crashes on them).
pub fn llvm_tools() -> Result<PathBuf> {
    apt(&[&format!("llvm-{LLVM_VERSION}")])?;
    Ok(PathBuf::from(format!("/usr/lib/llvm-{LLVM_VERSION}/bin")))
}

/// Installs a crate's binary at an exact version, unless it is already there, and returns its path.
/// Tools are slow to build, so a binary of the right version in `target/tools` or in cargo's own bin
/// folder (`$CARGO_HOME/bin`) is used as it is, and a missing one is installed into `$CARGO_HOME`, so
/// every fresh clone on the machine (CI's) reuses it.
fn cargo_install_shared(krate: &str, version: &str, binary: &str, locked: bool) -> Result<PathBuf> {
    let reports = |path: &Path| {
        path.exists()
            && Command::new(path)
                .arg("--version")
                .output()
                .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains(version))
    };
    let local = util::target_dir().join("tools/bin").join(binary);
    if reports(&local) {
        return Ok(local);
    }
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")))
        .ok_or("neither CARGO_HOME nor HOME is set")?;
    let shared = cargo_home.join("bin").join(binary);
    if !reports(&shared) {
        let root = cargo_home.to_string_lossy().into_owned();
        let mut args = vec!["install", krate, "--version", version, "--root", root.as_str(), "--force"];
        if locked {
            args.push("--locked");
        }
        util::cargo(&args)?;
    }
    Ok(shared)
}

/// Per-machine cache of tools (`$XDG_CACHE_HOME/credoffer` or `~/.cache/credoffer`).
fn cache_dir() -> PathBuf {
    std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))
        .unwrap_or_else(|| util::target_dir().join("tools"))
        .join("credoffer")
}

/// cargo-deny, for `cargo xtask audit`.
pub fn cargo_deny() -> Result<PathBuf> {
    cargo_install_shared("cargo-deny", CARGO_DENY_VERSION, "cargo-deny", true)
}

/// The nightly toolchain (minimal profile: the fuzz targets use the default AddressSanitizer build, which
/// needs neither `rust-src` nor `llvm-tools`), g++ for libFuzzer, and cargo-fuzz, whose path it returns.
pub fn fuzz_tools() -> Result<PathBuf> {
    let toolchains = util::output("rustup", &["toolchain", "list"])?;
    if !toolchains.lines().any(|line| line.starts_with("nightly")) {
        run("rustup", &["toolchain", "install", "nightly", "--profile", "minimal"])?;
    }
    apt_for_programs(&[("g++", "g++")])?;
    cargo_install_shared("cargo-fuzz", CARGO_FUZZ_VERSION, "cargo-fuzz", true)
}

/// The C and C++ compilers, pkg-config and valgrind the C tests use.
pub fn c_compilers() -> Result {
    apt_for_programs(&[("gcc", "gcc"), ("g++", "g++"), ("pkg-config", "pkgconf"), ("valgrind", "valgrind")])
}

/// CMake and make, for the C++ consumer that finds the library with `find_package(credoffer)`.
pub fn cmake() -> Result {
    apt_for_programs(&[("cmake", "cmake"), ("make", "make")])
}

/// cbindgen at its pinned version, for the C header.
pub fn cbindgen() -> Result<PathBuf> {
    cargo_install_shared("cbindgen", CBINDGEN_VERSION, "cbindgen", true)
}

/// PostgreSQL from Debian, for the server's tests.
pub fn postgresql() -> Result {
    apt(&["postgresql"])
}

/// The WebAssembly target, and the path of the wasm-bindgen CLI at exactly the version of the
/// `wasm-bindgen` crate in Cargo.lock (a mismatch is a hard error at load time).
pub fn wasm_tools() -> Result<PathBuf> {
    rustup_target(WASM_TARGET)?;
    apt_for_programs(&[("gzip", "gzip")])?;
    let version = Metadata::get()?.locked_version("wasm-bindgen")?;
    // Without --locked: with it, one transitive crate version is missing from the registry.
    let cli = cargo_install_shared("wasm-bindgen-cli", version, "wasm-bindgen", false)?;
    let reported = util::output(&cli.to_string_lossy(), &["--version"])?;
    if reported.trim() != format!("wasm-bindgen {version}") {
        return Err(format!("{} reports {:?}, Cargo.lock wants {version}", cli.display(), reported.trim()).into());
    }
    Ok(cli)
}

/// Node and npm from Debian, when the machine has none.
fn node() -> Result {
    apt_for_programs(&[("node", "nodejs"), ("npm", "npm")])
}

/// `npm ci` in bindings-wasm/ when package-lock.json changed since the last install.
pub fn npm_packages() -> Result {
    node()?;
    let dir = root().join("bindings-wasm");
    let lock = fs::read(dir.join("package-lock.json"))?;
    let stamp = dir.join("node_modules/.credoffer-installed-lock");
    if fs::read(&stamp).ok().as_deref() != Some(lock.as_slice()) {
        run_in(&dir, "npm", &["ci", "--no-audit", "--no-fund"], &[])?;
        fs::write(&stamp, &lock)?;
    }
    Ok(())
}

/// Chromium, which the npm package's demo page test drives headless.
pub fn chromium() -> Result {
    apt(&["chromium"])
}

/// What the mobile tests run with.
#[derive(Debug)]
pub struct MobileTools {
    /// The workspace's uniffi-bindgen, at the uniffi version of the library.
    pub uniffi_bindgen: PathBuf,
    pub kotlinc: PathBuf,
    /// A Debian trixie root with `swiftlang` (bookworm has no Swift).
    pub swift_chroot: PathBuf,
}

/// Python, the JDK and JNA, kotlinc, the Swift chroot and the built uniffi-bindgen.
pub fn mobile_tools() -> Result<MobileTools> {
    apt_for_programs(&[("python3", "python3"), ("java", "default-jdk-headless")])?;
    apt(&["libjna-java"])?;
    Ok(MobileTools { uniffi_bindgen: uniffi_bindgen()?, kotlinc: kotlinc()?, swift_chroot: swift_chroot()? })
}

/// The workspace's `uniffi-bindgen`, built once per machine and uniffi version (the slowest build of the
/// mobile step) and kept in the cache for the next clone.
pub fn uniffi_bindgen() -> Result<PathBuf> {
    let version = Metadata::get()?.locked_version("uniffi")?;
    let cached = cache_dir().join(format!("uniffi-bindgen-{version}"));
    let usable = |path: &Path| {
        Command::new(path)
            .arg("--version")
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == format!("uniffi-bindgen {version}"))
    };
    if usable(&cached) {
        return Ok(cached);
    }
    util::cargo(&["build", "-q", "-p", "uniffi-bindgen"])?;
    let built = util::target_dir().join("debug/uniffi-bindgen");
    if !usable(&built) {
        return Err(format!("{} is not uniffi-bindgen {version}", built.display()).into());
    }
    fs::create_dir_all(cache_dir())?;
    // Copy then rename, so a parallel run never sees half a binary.
    let partial = cached.with_extension("partial");
    fs::copy(&built, &partial)?;
    fs::rename(&partial, &cached)?;
    Ok(cached)
}

/// kotlinc from npm at the pinned version, installed once per machine.
fn kotlinc() -> Result<PathBuf> {
    node()?;
    let prefix = cache_dir().join(format!("kotlin-compiler-{KOTLIN_VERSION}"));
    let package = prefix.join("node_modules").join(KOTLIN_COMPILER);
    if installed_npm_version(&package).as_deref() != Some(KOTLIN_VERSION) {
        fs::create_dir_all(&prefix)?;
        let spec = format!("{KOTLIN_COMPILER}@{KOTLIN_VERSION}");
        run_in(
            &prefix,
            "npm",
            &["install", "--prefix", &prefix.to_string_lossy(), &spec, "--no-audit", "--no-fund", "--loglevel=error"],
            &[],
        )?;
    }
    Ok(package.join("bin/kotlinc"))
}

/// The `version` of an installed npm package, if it is installed and says.
fn installed_npm_version(package: &Path) -> Option<String> {
    let text = fs::read_to_string(package.join("package.json")).ok()?;
    util::npm_package_version(&text).ok()
}

fn swift_chroot_dir() -> PathBuf {
    std::env::var_os("CREDOFFER_SWIFT_CHROOT").map_or_else(|| PathBuf::from(SWIFT_CHROOT), PathBuf::from)
}

/// A Debian trixie chroot with `swiftlang`, built once (about a minute) and reused.
fn swift_chroot() -> Result<PathBuf> {
    let chroot = swift_chroot_dir();
    if chroot.join("usr/bin/swiftc").exists() {
        return Ok(chroot);
    }
    apt(&["debootstrap"])?;
    // Build beside the final place and move it there when complete, so a half-built chroot is never used.
    let building = chroot.with_extension("building");
    if building.exists() {
        // A run killed mid-setup may have left /proc mounted in it: never delete through a mount.
        let proc_dir = building.join("proc");
        run_in(
            &root(),
            "sh",
            &["-c", "! mountpoint -q \"$1\" || umount \"$1\"", "sh", &proc_dir.to_string_lossy()],
            &[],
        )?;
        fs::remove_dir_all(&building)?;
    }
    if let Some(parent) = chroot.parent() {
        fs::create_dir_all(parent)?;
    }
    let building_text = building.to_string_lossy();
    run_in(
        &root(),
        "debootstrap",
        &["--variant=minbase", "trixie", &building_text, &debian_mirror()],
        &[("PATH", SYSTEM_PATH)],
    )?;
    fs::copy("/etc/resolv.conf", building.join("etc/resolv.conf"))?;
    in_chroot(&building, "apt-get update -q && apt-get install -y -q swiftlang && apt-get clean")?;
    fs::rename(&building, &chroot)?;
    Ok(chroot)
}

/// The Debian mirror apt already uses (debootstrap fetches trixie from it).
fn debian_mirror() -> String {
    let mut texts = Vec::new();
    if let Ok(entries) = fs::read_dir("/etc/apt/sources.list.d") {
        for entry in entries.flatten() {
            texts.push(fs::read_to_string(entry.path()).unwrap_or_default());
        }
    }
    texts.push(fs::read_to_string("/etc/apt/sources.list").unwrap_or_default());
    texts
        .iter()
        .flat_map(|text| text.lines())
        .filter(|line| !line.trim_start().starts_with('#'))
        .flat_map(|line| line.split_whitespace())
        .find(|word| word.starts_with("http") && word.trim_end_matches('/').ends_with("/debian"))
        .map(|url| url.trim_end_matches('/').to_owned())
        .unwrap_or_else(|| "http://deb.debian.org/debian".to_owned())
}

/// Runs `script` (sh) inside the chroot with /proc mounted, under a lock so parallel runs don't
/// unmount each other's /proc. A trap unmounts /proc however the script ends: the script runs in the
/// background so a signal interrupts `wait` at once, stops it, and exits through the EXIT trap; the
/// unmount is lazy so a process still holding /proc cannot keep it mounted.
pub fn in_chroot(chroot: &Path, script: &str) -> Result {
    let lock = chroot.with_extension("lock");
    let wrapper = r#"set -u
exec 9>"$LOCK"
flock 9
mount -t proc proc "$CHROOT/proc"
trap 'umount -l "$CHROOT/proc"' EXIT
trap 'kill "$child" 2>/dev/null; exit 143' INT TERM HUP
chroot "$CHROOT" /bin/sh -ec "$SCRIPT" <&0 &
child=$!
wait "$child"
"#;
    run_in(
        &root(),
        "bash",
        &["-c", wrapper],
        &[
            ("LOCK", &lock.to_string_lossy()),
            ("CHROOT", &chroot.to_string_lossy()),
            ("SCRIPT", script),
            ("DEBIAN_FRONTEND", "noninteractive"),
            ("PATH", SYSTEM_PATH),
        ],
    )
}
