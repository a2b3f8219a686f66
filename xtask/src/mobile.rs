//! Swift, Kotlin and Python bindings through uniffi: generate them, and run their tests for real.
//!
//! - `mobile-generate`: builds `credoffer-mobile` and the workspace `uniffi-bindgen` (same uniffi
//!   version; a copy built earlier on this machine for that version is reused), then generates
//!   Kotlin, Swift and Python under `target/uniffi/<language>`.
//! - `mobile-setup`: installs what the tests need, without running them.
//! - `mobile-test`: generates, then runs the Python tests (unittest), the Kotlin tests (kotlinc
//!   `-Werror`, on the JVM with JNA) and the Swift tests (swiftc `-warnings-as-errors`, inside a Debian
//!   trixie chroot, because bookworm has no Swift). Every suite runs the shared vectors and prints
//!   `N passed, N failed`.
//!
//! What a fresh machine lacks is installed once per machine and reused by every clone: Debian's JNA and
//! JDK, the npm `kotlin-compiler` and a copy of the built generator under `~/.cache/credoffer`, and the
//! Swift chroot under `/var/cache/credoffer/swift-trixie` (`CREDOFFER_SWIFT_CHROOT` moves it).

use std::fs;
use std::path::{Path, PathBuf};

use crate::util::{self, Result, apt_install, cargo, have, root, run_in};

/// The npm package that ships a complete kotlinc.
const KOTLIN_COMPILER: &str = "kotlin-compiler";
const KOTLIN_VERSION: &str = "2.4.20";
/// JNA from Debian's libjna-java.
const JNA_JAR: &str = "/usr/share/java/jna.jar";
/// Where the Swift chroot lives unless `CREDOFFER_SWIFT_CHROOT` says otherwise.
const SWIFT_CHROOT: &str = "/var/cache/credoffer/swift-trixie";
/// The uniffi namespace: file names of the generated bindings.
const NAMESPACE: &str = "credoffer";
/// The cdylib the bindings load.
const LIBRARY: &str = "libcredoffer_mobile.so";

/// Paths of one generation.
struct Generated {
    /// The unstripped shared library the bindings were generated from and load at run time.
    library: PathBuf,
    /// `target/uniffi`, with one folder per language.
    out: PathBuf,
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| root().join("target"))
}

/// `cargo xtask ci`'s step: generate and run all three suites.
pub fn ci() -> Result {
    generate_and_test()
}

/// `cargo xtask mobile-generate`.
pub fn generate_command() -> Result {
    let generated = generate()?;
    eprintln!("bindings in {}", generated.out.display());
    Ok(())
}

/// `cargo xtask mobile-setup`: installs what the tests need (JDK, JNA, kotlinc, the Swift chroot).
pub fn setup() -> Result {
    install_jvm()?;
    kotlinc()?;
    ensure_swift_chroot()?;
    Ok(())
}

fn install_jvm() -> Result {
    if !have("java") {
        apt_install(&["default-jdk-headless"])?;
    }
    apt_install(&["libjna-java"])
}

/// `cargo xtask mobile-test`: the suites, then how long each part took.
pub fn test() -> Result {
    let result = generate_and_test();
    util::summary();
    result
}

fn generate_and_test() -> Result {
    let mut generated = None;
    util::step("mobile: build and generate", || {
        generated = Some(generate()?);
        Ok(())
    })?;
    let generated = generated.ok_or("the bindings were not generated")?;
    util::step("mobile: python", || python(&generated))?;
    util::step("mobile: kotlin", || kotlin(&generated))?;
    util::step("mobile: swift", || swift(&generated))?;
    Ok(())
}

/// Per-machine cache of tools (`$XDG_CACHE_HOME/credoffer` or `~/.cache/credoffer`).
fn cache_dir() -> PathBuf {
    std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))
        .unwrap_or_else(|| target_dir().join("tools"))
        .join("credoffer")
}

/// The uniffi version in Cargo.lock: the library's, which the generator must match.
fn uniffi_version() -> Result<String> {
    let lock = fs::read_to_string(root().join("Cargo.lock"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == "name = \"uniffi\""
            && let Some(version) = lines.next().and_then(|l| l.strip_prefix("version = \""))
        {
            return Ok(version.trim_end_matches('"').to_owned());
        }
    }
    Err("uniffi is not in Cargo.lock".into())
}

/// The workspace's `uniffi-bindgen`, built once per machine and uniffi version (the slowest build of
/// this step) and kept in the cache for the next clone.
fn bindgen() -> Result<PathBuf> {
    let version = uniffi_version()?;
    let cached = cache_dir().join(format!("uniffi-bindgen-{version}"));
    let usable = |path: &Path| {
        std::process::Command::new(path)
            .arg("--version")
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == format!("uniffi-bindgen {version}"))
    };
    if usable(&cached) {
        return Ok(cached);
    }
    cargo(&["build", "-q", "-p", "uniffi-bindgen"])?;
    let built = target_dir().join("debug/uniffi-bindgen");
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

fn generate() -> Result<Generated> {
    // Separate builds on purpose: together, cargo would unify uniffi's features and link the
    // generator's dependencies into the library.
    cargo(&["build", "-q", "-p", "credoffer-mobile"])?;
    let bindgen = bindgen()?;
    let target = target_dir();
    let library = target.join("debug").join(LIBRARY);
    let out = target.join("uniffi");
    for language in ["kotlin", "swift", "python"] {
        let dir = out.join(language);
        if dir.exists() {
            fs::remove_dir_all(&dir)?;
        }
        run_in(
            &root(),
            &bindgen.to_string_lossy(),
            &[
                "generate",
                &library.to_string_lossy(),
                "--language",
                language,
                "--out-dir",
                &dir.to_string_lossy(),
                "--no-format",
            ],
            &[],
        )?;
    }
    Ok(Generated { library, out })
}

fn vectors() -> PathBuf {
    root().join("tests/vectors")
}

fn tests_dir(language: &str) -> PathBuf {
    root().join("bindings-mobile/tests").join(language)
}

fn python(generated: &Generated) -> Result {
    let dir = generated.out.join("python");
    fs::copy(&generated.library, dir.join(LIBRARY))?;
    let script = tests_dir("python").join("test_credoffer.py");
    run_in(
        &root(),
        "python3",
        &[&script.to_string_lossy(), &vectors().to_string_lossy()],
        &[("PYTHONPATH", &dir.to_string_lossy()), ("PYTHONDONTWRITEBYTECODE", "1")],
    )
}

/// kotlinc from npm at the pinned version, installed once per machine.
fn kotlinc() -> Result<PathBuf> {
    let prefix = cache_dir().join(format!("kotlin-compiler-{KOTLIN_VERSION}"));
    let package = prefix.join("node_modules").join(KOTLIN_COMPILER);
    let installed = fs::read_to_string(package.join("package.json"))
        .is_ok_and(|manifest| manifest.contains(&format!("\"version\": \"{KOTLIN_VERSION}\"")));
    if !installed {
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

fn kotlin(generated: &Generated) -> Result {
    install_jvm()?;
    let kotlinc = kotlinc()?;
    let dir = generated.out.join("kotlin");
    let bindings = dir.join("org/credoffer").join(format!("{NAMESPACE}.kt"));
    let jar = dir.join("tests.jar");
    let mut args =
        vec!["-Werror".to_owned(), "-cp".to_owned(), JNA_JAR.to_owned(), bindings.to_string_lossy().into_owned()];
    args.extend(kotlin_sources()?);
    args.extend(["-include-runtime".to_owned(), "-d".to_owned(), jar.to_string_lossy().into_owned()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    run_in(&root(), &kotlinc.to_string_lossy(), &args, &[])?;
    let library_dir = generated.library.parent().unwrap_or(Path::new("."));
    let classpath = format!("{}:{JNA_JAR}", jar.display());
    run_in(
        &root(),
        "java",
        &[
            &format!("-Djna.library.path={}", library_dir.display()),
            "-cp",
            &classpath,
            "org.credoffer.tests.MainKt",
            &vectors().to_string_lossy(),
        ],
        &[],
    )
}

fn kotlin_sources() -> Result<Vec<String>> {
    let mut sources = Vec::new();
    for entry in fs::read_dir(tests_dir("kotlin"))? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "kt") {
            sources.push(path.to_string_lossy().into_owned());
        }
    }
    sources.sort();
    Ok(sources)
}

fn swift_chroot() -> PathBuf {
    std::env::var_os("CREDOFFER_SWIFT_CHROOT").map(PathBuf::from).unwrap_or_else(|| PathBuf::from(SWIFT_CHROOT))
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
fn in_chroot(chroot: &Path, script: &str) -> Result {
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
            ("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"),
        ],
    )
}

/// A Debian trixie chroot with `swiftlang`, built once (about a minute) and reused.
fn ensure_swift_chroot() -> Result<PathBuf> {
    let chroot = swift_chroot();
    if chroot.join("usr/bin/swiftc").exists() {
        return Ok(chroot);
    }
    apt_install(&["debootstrap"])?;
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
        &[("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")],
    )?;
    fs::copy("/etc/resolv.conf", building.join("etc/resolv.conf"))?;
    in_chroot(&building, "apt-get update -q && apt-get install -y -q swiftlang && apt-get clean")?;
    fs::rename(&building, &chroot)?;
    Ok(chroot)
}

fn copy_into(source: &Path, destination: &Path) -> Result {
    fs::create_dir_all(destination)?;
    for entry in fs::read_dir(source)? {
        let path = entry?.path();
        if path.is_file() {
            fs::copy(&path, destination.join(path.file_name().unwrap_or_default()))?;
        }
    }
    Ok(())
}

fn swift(generated: &Generated) -> Result {
    let chroot = ensure_swift_chroot()?;
    // The chroot sees only its own tree: copy the library, bindings, tests and vectors in, to a folder
    // of this run's own so parallel runs don't mix their files.
    let name = format!("credoffer-swift-{}", std::process::id());
    let work = chroot.join("tmp").join(&name);
    if work.exists() {
        fs::remove_dir_all(&work)?;
    }
    let generated_swift = generated.out.join("swift");
    fs::create_dir_all(work.join("ffi"))?;
    fs::create_dir_all(work.join("lib"))?;
    fs::copy(generated_swift.join("CredOfferFFI.h"), work.join("ffi/CredOfferFFI.h"))?;
    fs::copy(generated_swift.join("CredOfferFFI.modulemap"), work.join("ffi/module.modulemap"))?;
    fs::copy(generated_swift.join("CredOffer.swift"), work.join("CredOffer.swift"))?;
    fs::copy(&generated.library, work.join("lib").join(LIBRARY))?;
    copy_into(&tests_dir("swift"), &work.join("tests"))?;
    copy_into(&vectors(), &work.join("vectors"))?;
    // The bindings become their own module, as an app imports them; the tests are a second module.
    let script = format!(
        "cd /tmp/{name}
swiftc -warnings-as-errors -parse-as-library -emit-library -emit-module -module-name CredOffer \\
  -I ffi -L lib -lcredoffer_mobile CredOffer.swift -o lib/libCredOffer.so
swiftc -warnings-as-errors -module-name CredOfferTests -I ffi -I lib -L lib -lCredOffer -lcredoffer_mobile \\
  tests/*.swift -o credoffer-tests
LD_LIBRARY_PATH=lib ./credoffer-tests vectors"
    );
    let result = in_chroot(&chroot, &script);
    fs::remove_dir_all(&work)?;
    result
}
