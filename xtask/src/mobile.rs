//! Swift, Kotlin and Python bindings through uniffi: generate them, and run their tests for real.
//!
//! - `mobile-generate`: builds `credoffer-mobile` and the workspace `uniffi-bindgen` (same uniffi
//!   version; a copy built earlier on this machine for that version is reused), then generates
//!   Kotlin, Swift and Python under `target/uniffi/<language>`.
//! - `mobile-setup`: installs what the tests need, without running them (`setup::mobile_tools`).
//! - `mobile-test`: generates, then runs the Python tests (unittest), the Kotlin tests (kotlinc
//!   `-Werror`, on the JVM with JNA) and the Swift tests (swiftc `-warnings-as-errors`, inside a Debian
//!   trixie chroot, because bookworm has no Swift). Every suite runs the shared vectors and prints
//!   `N passed, N failed`.
//!
//! What a fresh machine lacks is installed by `setup::mobile_tools`, once per machine.

use std::fs;
use std::path::{Path, PathBuf};

use crate::setup::{self, MobileTools};
use crate::util::{self, Result, cargo, root, run_in};

/// JNA from Debian's libjna-java.
pub const JNA_JAR: &str = "/usr/share/java/jna.jar";
/// The uniffi namespace: file names of the generated bindings.
const NAMESPACE: &str = "credoffer";
/// The cdylib the bindings load.
const LIBRARY: &str = "libcredoffer_mobile.so";

/// Paths of one generation.
pub struct Generated {
    /// The unstripped shared library the bindings were generated from and load at run time.
    pub library: PathBuf,
    /// `target/uniffi`, with one folder per language.
    pub out: PathBuf,
}

/// `cargo xtask ci`'s step: generate and run all three suites.
pub fn ci() -> Result {
    generate_and_test()
}

/// `cargo xtask mobile-generate`.
pub fn generate_command() -> Result {
    let generated = generate(&setup::uniffi_bindgen()?)?;
    eprintln!("bindings in {}", generated.out.display());
    Ok(())
}

/// `cargo xtask mobile-test`: the suites, then how long each part took.
pub fn test() -> Result {
    let result = generate_and_test();
    util::summary();
    result
}

fn generate_and_test() -> Result {
    let mut tools = None;
    util::step("mobile: setup", || {
        tools = Some(setup::mobile_tools()?);
        Ok(())
    })?;
    let tools = tools.ok_or("the mobile tools were not installed")?;
    let mut generated = None;
    util::step("mobile: build and generate", || {
        generated = Some(generate(&tools.uniffi_bindgen)?);
        Ok(())
    })?;
    let generated = generated.ok_or("the bindings were not generated")?;
    util::step("mobile: python", || python(&generated))?;
    util::step("mobile: kotlin", || kotlin(&tools, &generated))?;
    util::step("mobile: swift", || swift(&tools, &generated))?;
    Ok(())
}

pub fn generate(bindgen: &Path) -> Result<Generated> {
    // Not built together with the generator on purpose: cargo would unify uniffi's features and link the
    // generator's dependencies into the library.
    cargo(&["build", "-q", "-p", "credoffer-mobile"])?;
    let target = util::target_dir();
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

fn kotlin(tools: &MobileTools, generated: &Generated) -> Result {
    let kotlinc = &tools.kotlinc;
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

fn swift(tools: &MobileTools, generated: &Generated) -> Result {
    let chroot = &tools.swift_chroot;
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
    let result = setup::in_chroot(chroot, &script);
    fs::remove_dir_all(&work)?;
    result
}
