//! `cargo xtask mobile-artefacts`: what an iOS or Android app consumes, built and checked on Linux.
//!
//! A static library needs no platform linker, so the Rust side of both platforms is built here:
//! `libcredoffer_mobile.a` for iOS devices, for the iOS simulators (arm64 and x86_64 in one fat library,
//! joined by `llvm-lipo`) and for three Android ABIs. Each library is checked from its own objects (the
//! architecture of every object, the Apple platform of every Mach-O object) and must export every
//! scaffolding symbol the generated Swift header and Kotlin bindings call.
//!
//! Out of them, under `target/mobile/`:
//! - `apple/CredOffer/`: the Swift package (`bindings-mobile/apple/Package.swift`, the generated
//!   `CredOffer.swift`, and `CredOfferFFI.xcframework` assembled without Xcode: its `Info.plist` is written
//!   by Python's `plistlib`, then read back and every library it declares checked against the files);
//!   `apple/CredOfferFFI.xcframework.zip` and its SHA-256, the release form SwiftPM downloads.
//! - `android/`: `classes.jar` (the Kotlin bindings compiled by kotlinc) and the static library of each
//!   ABI. No `.aar`: an AAR carries shared libraries, and linking those needs the NDK.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use crate::mobile;
use crate::setup::{self, RustStd};
use crate::util::{self, Result, root, run_in};

const ARCHIVE: &str = "libcredoffer_mobile.a";
/// The XCFramework: SwiftPM wants its name to be the binary target's, which is the C module's (the Swift
/// module `CredOffer` is the package's other target).
const XCFRAMEWORK: &str = "CredOfferFFI.xcframework";
/// Where the Kotlin bindings' classes go in `classes.jar`.
const KOTLIN_PACKAGE_DIR: &str = "org/credoffer/";

/// Where a static library runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Platform {
    Ios,
    IosSimulator,
    Android { abi: &'static str },
}

/// One static library built by rustc.
#[derive(Debug, Clone, Copy)]
struct Slice {
    target: &'static str,
    platform: Platform,
    /// The architecture as `llvm-readobj` names it (`Arch:`).
    arch: &'static str,
}

const SLICES: [Slice; 6] = [
    Slice { target: "aarch64-apple-ios", platform: Platform::Ios, arch: "aarch64" },
    Slice { target: "aarch64-apple-ios-sim", platform: Platform::IosSimulator, arch: "aarch64" },
    Slice { target: "x86_64-apple-ios", platform: Platform::IosSimulator, arch: "x86_64" },
    Slice { target: "aarch64-linux-android", platform: Platform::Android { abi: "arm64-v8a" }, arch: "aarch64" },
    Slice { target: "armv7-linux-androideabi", platform: Platform::Android { abi: "armeabi-v7a" }, arch: "arm" },
    Slice { target: "x86_64-linux-android", platform: Platform::Android { abi: "x86_64" }, arch: "x86_64" },
];

impl Slice {
    /// The platform its Mach-O objects name: `LC_BUILD_VERSION`'s, or `ios` from the older
    /// `LC_VERSION_MIN_IPHONEOS`, which rustc writes for devices and for the x86_64 simulator (the linker
    /// tells that simulator from a device by its architecture; arm64 needs a simulator platform of its own).
    fn mach_o_platform(self) -> Option<&'static str> {
        match (self.platform, self.arch) {
            (Platform::Ios, _) | (Platform::IosSimulator, "x86_64") => Some("ios"),
            (Platform::IosSimulator, _) => Some("iossimulator"),
            (Platform::Android { .. }, _) => None,
        }
    }
}

/// The LLVM tools the checks run.
struct Llvm {
    bin: PathBuf,
}

impl Llvm {
    fn run(&self, tool: &str, args: &[&str]) -> Result<String> {
        util::output(&self.bin.join(tool).to_string_lossy(), args)
    }

    /// The architecture of every object in `library`, as `llvm-readobj` names them.
    fn object_archs(&self, library: &Path) -> Result<BTreeSet<String>> {
        let headers = self.run("llvm-readobj", &["--file-headers", &library.to_string_lossy()])?;
        Ok(field_values(&headers, "Arch:"))
    }

    /// The Apple platform of every Mach-O object in `library`.
    fn mach_o_platforms(&self, library: &Path) -> Result<BTreeSet<String>> {
        let headers = self.run("llvm-objdump", &["--macho", "--private-headers", &library.to_string_lossy()])?;
        Ok(object_platforms(&headers))
    }

    /// The architectures of a Mach-O library, thin or fat, as Apple names them (`arm64`, `x86_64`).
    fn lipo_archs(&self, library: &Path) -> Result<BTreeSet<String>> {
        let archs = self.run("llvm-lipo", &["-archs", &library.to_string_lossy()])?;
        Ok(archs.split_whitespace().map(str::to_owned).collect())
    }

    /// The names of the functions `library` defines for its callers (without Mach-O's leading `_`).
    fn exported_symbols(&self, library: &Path, mach_o: bool) -> Result<BTreeSet<String>> {
        let listing = self.run(
            "llvm-nm",
            &["--extern-only", "--defined-only", "--just-symbol-name", "--quiet", &library.to_string_lossy()],
        )?;
        Ok(listing
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.ends_with(':'))
            .map(|name| if mach_o { name.strip_prefix('_').unwrap_or(name) } else { name })
            .map(str::to_owned)
            .collect())
    }
}

/// The values after `key` on the lines that start with it (after indentation).
fn field_values(text: &str, key: &str) -> BTreeSet<String> {
    text.lines()
        .filter_map(|line| line.trim_start().strip_prefix(key))
        .filter_map(|rest| rest.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

/// The platform of each object `llvm-objdump --macho --private-headers` describes (`lib.a(member.o):`
/// starts one), from its `LC_BUILD_VERSION` (`platform ios`, `platform iossimulator`) or, as older
/// objects say it, its `LC_VERSION_MIN_*` command; `none` for an object that names no platform.
fn object_platforms(headers: &str) -> BTreeSet<String> {
    let mut platforms = BTreeSet::new();
    let mut current: Option<Option<String>> = None;
    let mut in_build_version = false;
    for line in headers.lines() {
        let field = line.trim_start();
        if !line.starts_with(' ') && line.ends_with("):") {
            if let Some(platform) = current.take() {
                platforms.insert(platform.unwrap_or_else(|| "none".to_owned()));
            }
            current = Some(None);
        } else if let Some(command) = field.strip_prefix("cmd ") {
            in_build_version = command == "LC_BUILD_VERSION";
            let minimum = match command {
                "LC_VERSION_MIN_IPHONEOS" => Some("ios"),
                "LC_VERSION_MIN_MACOSX" => Some("macos"),
                "LC_VERSION_MIN_TVOS" => Some("tvos"),
                "LC_VERSION_MIN_WATCHOS" => Some("watchos"),
                _ => None,
            };
            if let (Some(platform), Some(slot)) = (minimum, current.as_mut()) {
                *slot = Some(platform.to_owned());
            }
        } else if let (true, Some(value), Some(slot)) =
            (in_build_version, field.strip_prefix("platform "), current.as_mut())
        {
            *slot = Some(value.trim().to_owned());
        }
    }
    if let Some(platform) = current {
        platforms.insert(platform.unwrap_or_else(|| "none".to_owned()));
    }
    platforms
}

/// The scaffolding functions a generated C header declares: `uniffi_…(` and `ffi_…(`.
fn header_functions(header: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for (start, _) in header.match_indices(['u', 'f']) {
        let preceded_by_identifier =
            header[..start].chars().next_back().is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
        let rest = &header[start..];
        if preceded_by_identifier || !(rest.starts_with("uniffi_") || rest.starts_with("ffi_")) {
            continue;
        }
        let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(rest.len());
        if rest[end..].starts_with('(') {
            names.insert(rest[..end].to_owned());
        }
    }
    names
}

/// The native functions the generated Kotlin declares for JNA: `fun uniffi_…(` and `fun ffi_…(`.
fn kotlin_native_functions(kotlin: &str) -> BTreeSet<String> {
    kotlin
        .split("fun ")
        .skip(1)
        .filter_map(|rest| rest.split_once('(').map(|(name, _)| name))
        .filter(|name| name.starts_with("uniffi_") || name.starts_with("ffi_"))
        .filter(|name| name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .map(str::to_owned)
        .collect()
}

/// Fails naming the functions `callers` call that `exported` lacks.
fn require_exports(library: &Path, who: &str, callers: &BTreeSet<String>, exported: &BTreeSet<String>) -> Result {
    if callers.is_empty() {
        return Err(format!("the {who} call no scaffolding function: the bindings were not generated").into());
    }
    let missing: Vec<&str> = callers.difference(exported).map(String::as_str).collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!("{} lacks {} function(s) the {who} call: {}", library.display(), missing.len(), missing.join(", "))
            .into())
    }
}

/// The scaffolding functions the generated Swift and Kotlin bindings call.
struct Callers {
    swift: BTreeSet<String>,
    kotlin: BTreeSet<String>,
}

impl Callers {
    fn read(bindings: &Path) -> Result<Callers> {
        let header = fs::read_to_string(bindings.join("swift/CredOfferFFI.h"))?;
        let kotlin = fs::read_to_string(bindings.join("kotlin/org/credoffer/credoffer.kt"))?;
        Ok(Callers { swift: header_functions(&header), kotlin: kotlin_native_functions(&kotlin) })
    }
}

/// Installs what the step needs: the mobile tools, LLVM, and each target's standard library.
pub fn install() -> Result {
    setup::mobile_tools()?;
    setup::llvm_tools()?;
    SLICES.iter().try_for_each(|slice| setup::rust_std(slice.target).map(drop))
}

/// `cargo xtask mobile-artefacts` and `cargo xtask ci`'s step.
pub fn command() -> Result {
    let mobile_tools = setup::mobile_tools()?;
    let llvm = Llvm { bin: setup::llvm_tools()? };
    let bindings = mobile::generate(&mobile_tools.uniffi_bindgen)?;
    let callers = Callers::read(&bindings.out)?;
    let out = util::target_dir().join("mobile");
    if out.exists() {
        fs::remove_dir_all(&out)?;
    }
    let mut libraries = Vec::new();
    for slice in SLICES {
        let library = build(slice)?;
        check(&llvm, slice, &library, &callers)?;
        libraries.push((slice, library));
    }
    apple(&llvm, &libraries, &bindings.out, &out.join("apple"))?;
    android(&mobile_tools.kotlinc, &libraries, &bindings.out, &out.join("android"))?;
    eprintln!("mobile artefacts in {}", out.display());
    Ok(())
}

/// Builds one static library, release, and returns its path.
fn build(slice: Slice) -> Result<PathBuf> {
    let mut target_dir = util::target_dir();
    let mut args = vec!["rustc", "-q", "-p", "credoffer-mobile", "--lib", "--release", "--target", slice.target];
    let mut env = Vec::new();
    if setup::rust_std(slice.target)? == RustStd::FromSource {
        // Stable rustc builds its own std for a target rustup cannot supply; RUSTC_BOOTSTRAP unlocks
        // `-Zbuild-std` on the same compiler that builds every other slice. Such builds get a target
        // folder of their own: their host build scripts and macros are fingerprinted apart from the
        // others', and one folder for both would rebuild them, and the library, on every alternation.
        target_dir.push("build-std");
        args.push("-Zbuild-std=std,panic_abort");
        env.push(("RUSTC_BOOTSTRAP", "1"));
    }
    let target_dir_text = target_dir.to_string_lossy().into_owned();
    // Only the static library: the crate's cdylib would need the platform's linker.
    args.extend(["--target-dir", &target_dir_text, "--crate-type", "staticlib"]);
    run_in(&root(), &util::cargo_program(), &args, &env)?;
    Ok(target_dir.join(slice.target).join("release").join(ARCHIVE))
}

/// Checks a slice's objects and exports.
fn check(llvm: &Llvm, slice: Slice, library: &Path, callers: &Callers) -> Result {
    let archs = llvm.object_archs(library)?;
    if archs != BTreeSet::from([slice.arch.to_owned()]) {
        return Err(format!("{} holds objects for {archs:?}, not only {}", library.display(), slice.arch).into());
    }
    if let Some(platform) = slice.mach_o_platform() {
        let platforms = llvm.mach_o_platforms(library)?;
        if platforms != BTreeSet::from([platform.to_owned()]) {
            return Err(format!("{} holds objects for {platforms:?}, not only {platform}", library.display()).into());
        }
    }
    let exported = llvm.exported_symbols(library, slice.mach_o_platform().is_some())?;
    require_exports(library, "Swift bindings", &callers.swift, &exported)?;
    require_exports(library, "Kotlin bindings", &callers.kotlin, &exported)?;
    eprintln!(
        "{}: {} objects, every one of the {} Swift and {} Kotlin scaffolding calls exported",
        slice.target,
        slice.arch,
        callers.swift.len(),
        callers.kotlin.len()
    );
    Ok(())
}

/// Writes JSON read from `argv[1]` as an XML property list to `argv[2]`.
const WRITE_PLIST: &str = "import json, plistlib, sys
with open(sys.argv[1]) as f: value = json.load(f)
with open(sys.argv[2], 'wb') as f: plistlib.dump(value, f, fmt=plistlib.FMT_XML, sort_keys=True)";
/// Prints the property list at `argv[1]` as JSON.
const READ_PLIST: &str = "import json, plistlib, sys
with open(sys.argv[1], 'rb') as f: print(json.dumps(plistlib.load(f)))";

/// Zips the folder `argv[2]` of `argv[1]` into `argv[3]` the same way every time (sorted entries, fixed
/// dates and modes), so the release's SHA-256 changes only when its files do.
const ZIP_FOLDER: &str = "import os, sys, zipfile
base, folder, out = sys.argv[1:4]
with zipfile.ZipFile(out, 'w') as archive:
    for directory, subdirectories, files in sorted(os.walk(os.path.join(base, folder))):
        subdirectories.sort()
        for name in sorted(files):
            path = os.path.join(directory, name)
            entry = zipfile.ZipInfo(os.path.relpath(path, base), date_time=(1980, 1, 1, 0, 0, 0))
            entry.external_attr = 0o644 << 16
            entry.compress_type = zipfile.ZIP_DEFLATED
            with open(path, 'rb') as source: archive.writestr(entry, source.read())";

/// An XCFramework's `Info.plist`, as Xcode writes it.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct XcframeworkInfo {
    available_libraries: Vec<XcframeworkLibrary>,
    #[serde(rename = "CFBundlePackageType")]
    bundle_package_type: String,
    #[serde(rename = "XCFrameworkFormatVersion")]
    format_version: String,
}

/// One library of an XCFramework: `<LibraryIdentifier>/<LibraryPath>` with `<HeadersPath>` beside it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct XcframeworkLibrary {
    library_identifier: String,
    library_path: String,
    headers_path: String,
    supported_architectures: Vec<String>,
    supported_platform: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    supported_platform_variant: Option<String>,
}

impl XcframeworkLibrary {
    fn new(platform: &str, variant: Option<&str>, mut architectures: Vec<String>) -> XcframeworkLibrary {
        architectures.sort();
        XcframeworkLibrary {
            library_identifier: library_identifier(platform, variant, &architectures),
            library_path: ARCHIVE.to_owned(),
            headers_path: "Headers".to_owned(),
            supported_architectures: architectures,
            supported_platform: platform.to_owned(),
            supported_platform_variant: variant.map(str::to_owned),
        }
    }
}

/// The folder Xcode names a library by: platform, architectures (sorted, `_`-joined), variant.
fn library_identifier(platform: &str, variant: Option<&str>, architectures: &[String]) -> String {
    let mut identifier = format!("{platform}-{}", architectures.join("_"));
    if let Some(variant) = variant {
        identifier.push('-');
        identifier.push_str(variant);
    }
    identifier
}

/// The Swift package with its XCFramework, and the zip and checksum of a release.
fn apple(llvm: &Llvm, libraries: &[(Slice, PathBuf)], bindings: &Path, out: &Path) -> Result {
    let package = out.join("CredOffer");
    let xcframework = package.join(XCFRAMEWORK);
    let of = |platform| libraries.iter().filter(move |(slice, _)| slice.platform == platform);
    let mut declared = Vec::new();
    for (platform, variant) in [(Platform::Ios, None), (Platform::IosSimulator, Some("simulator"))] {
        let sources: Vec<&PathBuf> = of(platform).map(|(_, library)| library).collect();
        let archs: Vec<String> = of(platform).map(|(slice, _)| apple_arch(slice.arch)).collect();
        let library = XcframeworkLibrary::new("ios", variant, archs);
        let dir = xcframework.join(&library.library_identifier);
        fs::create_dir_all(dir.join(&library.headers_path))?;
        let destination = dir.join(&library.library_path);
        match sources.as_slice() {
            [single] => {
                fs::copy(single, &destination)?;
            }
            several => {
                let mut args = vec!["-create".to_owned(), "-output".to_owned()];
                args.push(destination.to_string_lossy().into_owned());
                args.extend(several.iter().map(|path| path.to_string_lossy().into_owned()));
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                llvm.run("llvm-lipo", &args)?;
            }
        }
        copy_headers(bindings, &dir.join(&library.headers_path))?;
        declared.push(library);
    }
    let info = XcframeworkInfo {
        available_libraries: declared,
        bundle_package_type: "XFWK".to_owned(),
        format_version: "1.0".to_owned(),
    };
    let json = out.join("Info.json");
    fs::write(&json, serde_json::to_vec(&info)?)?;
    let plist = xcframework.join("Info.plist");
    run_in(&root(), "python3", &["-c", WRITE_PLIST, &json.to_string_lossy(), &plist.to_string_lossy()], &[])?;
    fs::remove_file(&json)?;
    check_xcframework(llvm, &xcframework, &info.available_libraries)?;

    let sources = package.join("Sources/CredOffer");
    fs::create_dir_all(&sources)?;
    fs::copy(bindings.join("swift/CredOffer.swift"), sources.join("CredOffer.swift"))?;
    fs::copy(root().join("bindings-mobile/apple/Package.swift"), package.join("Package.swift"))?;

    // SwiftPM's release form: a zip with the XCFramework at its top, and the zip's SHA-256.
    let zip = out.join(format!("{XCFRAMEWORK}.zip"));
    run_in(
        &root(),
        "python3",
        &["-c", ZIP_FOLDER, &package.to_string_lossy(), XCFRAMEWORK, &zip.to_string_lossy()],
        &[],
    )?;
    let sum = util::output("sha256sum", &[&zip.to_string_lossy()])?;
    let checksum = sum.split_whitespace().next().ok_or("sha256sum printed nothing")?;
    fs::write(out.join(format!("{XCFRAMEWORK}.zip.sha256")), format!("{checksum}\n"))?;
    eprintln!("Swift package in {}; release zip {} (SHA-256 {checksum})", package.display(), zip.display());
    Ok(())
}

/// Apple's name of an architecture `llvm-readobj` names `arch`.
fn apple_arch(arch: &str) -> String {
    if arch == "aarch64" { "arm64".to_owned() } else { arch.to_owned() }
}

/// The generated C header and its module map, as the XCFramework's headers.
fn copy_headers(bindings: &Path, headers: &Path) -> Result {
    let swift = bindings.join("swift");
    fs::copy(swift.join("CredOfferFFI.h"), headers.join("CredOfferFFI.h"))?;
    fs::copy(swift.join("CredOfferFFI.modulemap"), headers.join("module.modulemap"))?;
    Ok(())
}

/// Reads `Info.plist` back and checks that it declares exactly `expected`, and that every library it
/// declares is there with its headers, for the architectures and platform it claims.
fn check_xcframework(llvm: &Llvm, xcframework: &Path, expected: &[XcframeworkLibrary]) -> Result {
    let plist = xcframework.join("Info.plist");
    let json = util::output("python3", &["-c", READ_PLIST, &plist.to_string_lossy()])?;
    let info: XcframeworkInfo = serde_json::from_str(&json)?;
    if (info.bundle_package_type.as_str(), info.format_version.as_str()) != ("XFWK", "1.0") {
        return Err(format!("{} is not an XCFramework 1.0 property list", plist.display()).into());
    }
    if info.available_libraries != expected {
        return Err(format!("{} declares {:?}, not {expected:?}", plist.display(), info.available_libraries).into());
    }
    for library in &info.available_libraries {
        let variant = library.supported_platform_variant.as_deref();
        let identifier = library_identifier(&library.supported_platform, variant, &library.supported_architectures);
        if library.library_identifier != identifier {
            return Err(format!("{} names {identifier} {}", plist.display(), library.library_identifier).into());
        }
        let dir = xcframework.join(&library.library_identifier);
        for header in ["CredOfferFFI.h", "module.modulemap"] {
            if !dir.join(&library.headers_path).join(header).is_file() {
                return Err(format!("{} has no {}/{header}", dir.display(), library.headers_path).into());
            }
        }
        let path = dir.join(&library.library_path);
        let archs = llvm.lipo_archs(&path)?;
        if archs != library.supported_architectures.iter().cloned().collect() {
            return Err(format!(
                "{} is {archs:?}, Info.plist says {:?}",
                path.display(),
                library.supported_architectures
            )
            .into());
        }
        let platform = match (library.supported_platform.as_str(), variant) {
            ("ios", None) => Platform::Ios,
            ("ios", Some("simulator")) => Platform::IosSimulator,
            (platform, variant) => return Err(format!("no check for platform {platform} {variant:?}").into()),
        };
        for arch in &library.supported_architectures {
            let slice = SLICES
                .iter()
                .find(|slice| slice.platform == platform && apple_arch(slice.arch) == *arch)
                .ok_or_else(|| format!("{} declares {arch} for {platform:?}, which is never built", plist.display()))?;
            // llvm-objdump reads one architecture of a fat archive: check each on its own, taken out.
            let thin = xcframework.with_file_name(format!("{}-{arch}.a", library.library_identifier));
            let single = if archs.len() == 1 {
                path.clone()
            } else {
                let thin_text = thin.to_string_lossy();
                llvm.run("llvm-lipo", &[&path.to_string_lossy(), "-thin", arch, "-output", &thin_text])?;
                thin.clone()
            };
            let objects = llvm.mach_o_platforms(&single)?;
            let object_archs = llvm.object_archs(&single)?;
            if single == thin {
                fs::remove_file(&thin)?;
            }
            let wanted = slice.mach_o_platform().unwrap_or_default();
            if objects != BTreeSet::from([wanted.to_owned()]) || object_archs != BTreeSet::from([slice.arch.to_owned()])
            {
                return Err(format!(
                    "{}, {arch}: objects for {objects:?} on {object_archs:?}, Info.plist says {wanted} on {arch}",
                    path.display()
                )
                .into());
            }
        }
    }
    eprintln!(
        "{}: {} libraries, each where, for what and as built as Info.plist says",
        xcframework.display(),
        info.available_libraries.len()
    );
    Ok(())
}

/// `classes.jar` of the Kotlin bindings, and each ABI's static library.
fn android(kotlinc: &Path, libraries: &[(Slice, PathBuf)], bindings: &Path, out: &Path) -> Result {
    fs::create_dir_all(out)?;
    let jar = out.join("classes.jar");
    let kotlin = bindings.join("kotlin/org/credoffer/credoffer.kt");
    run_in(
        &root(),
        &kotlinc.to_string_lossy(),
        &["-Werror", "-cp", mobile::JNA_JAR, &kotlin.to_string_lossy(), "-d", &jar.to_string_lossy()],
        &[],
    )?;
    let entries = util::output("jar", &["tf", &jar.to_string_lossy()])?;
    let classes = entries.lines().filter(|e| e.starts_with(KOTLIN_PACKAGE_DIR) && e.ends_with(".class")).count();
    if classes == 0 {
        return Err(format!("{} holds no class of {KOTLIN_PACKAGE_DIR}", jar.display()).into());
    }
    for (slice, library) in libraries {
        if let Platform::Android { abi } = slice.platform {
            let dir = out.join("static").join(abi);
            fs::create_dir_all(&dir)?;
            fs::copy(library, dir.join(ARCHIVE))?;
        }
    }
    eprintln!("{}: {classes} classes; static libraries in {}", jar.display(), out.join("static").display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|name| (*name).to_owned()).collect()
    }

    #[test]
    fn header_functions_are_the_declared_scaffolding_calls_only() {
        let header = "#ifndef UNIFFI_FFIDEF_UNIFFI_CREDOFFER_MOBILE_FN_FUNC_A
#define UNIFFI_FFIDEF_UNIFFI_CREDOFFER_MOBILE_FN_FUNC_A
RustBuffer uniffi_credoffer_mobile_fn_func_a(RustBuffer uri, RustCallStatus *_Nonnull out_status
);
#endif
typedef void (*UniffiForeignFutureFree)(uint64_t);
void ffi_credoffer_mobile_rustbuffer_free(RustBuffer buf, RustCallStatus *_Nonnull out_status);
uint16_t uniffi_credoffer_mobile_checksum_func_a(void);
int not_uniffi_b(void); int my_ffi_c(void);";
        let expected = set(&[
            "ffi_credoffer_mobile_rustbuffer_free",
            "uniffi_credoffer_mobile_checksum_func_a",
            "uniffi_credoffer_mobile_fn_func_a",
        ]);
        assert_eq!(header_functions(header), expected);
    }

    #[test]
    fn kotlin_native_functions_are_the_jna_declarations_only() {
        let kotlin = "internal interface UniffiLib : Library {
    external fun uniffi_credoffer_mobile_fn_func_a(`uri`: RustBuffer.ByValue,uniffi_out_err: UniffiRustCallStatus,
    ): RustBuffer.ByValue
    fun ffi_credoffer_mobile_uniffi_contract_version(
    ): Int
}
fun parseOfferUri(`uri`: String): OfferUri = TODO()
fun uniffiCheckApiChecksums(lib: UniffiLib) {}";
        let expected = set(&["ffi_credoffer_mobile_uniffi_contract_version", "uniffi_credoffer_mobile_fn_func_a"]);
        assert_eq!(kotlin_native_functions(kotlin), expected);
    }

    #[test]
    fn missing_exports_are_named_and_no_callers_is_an_error() {
        let library = Path::new("lib.a");
        let exported = set(&["a", "b"]);
        assert!(require_exports(library, "Swift bindings", &set(&["a"]), &exported).is_ok());
        let error = require_exports(library, "Swift bindings", &set(&["a", "c", "d"]), &exported).unwrap_err();
        assert_eq!(error.to_string(), "lib.a lacks 2 function(s) the Swift bindings call: c, d");
        let error = require_exports(library, "Kotlin bindings", &BTreeSet::new(), &exported).unwrap_err();
        assert!(error.to_string().contains("no scaffolding function"), "{error}");
    }

    #[test]
    fn every_object_has_its_platform_from_either_load_command() {
        let headers = "Archive : lib.a
lib.a(one.o):
Mach header
Load command 1
      cmd LC_BUILD_VERSION
  cmdsize 24
 platform iossimulator
    minos 14.0
lib.a(two.o) (architecture x86_64):
Load command 1
      cmd LC_VERSION_MIN_IPHONEOS
  cmdsize 16
  version 10.0
lib.a(three.o):
Load command 0
      cmd LC_SEGMENT_64
lib.a(four.o):
      cmd LC_VERSION_MIN_MACOSX
";
        assert_eq!(object_platforms(headers), set(&["ios", "iossimulator", "macos", "none"]));
        assert_eq!(object_platforms("lib.a(one.o):\n      cmd LC_VERSION_MIN_IPHONEOS\n"), set(&["ios"]));
        assert!(object_platforms("Archive : empty.a\n").is_empty());
    }

    #[test]
    fn field_values_reads_the_word_after_a_key() {
        let headers = "File: lib.a(a.o)\nFormat: elf64-littleaarch64\nArch: aarch64\n  Arch: arm extra\nArchive: x";
        assert_eq!(field_values(headers, "Arch:"), set(&["aarch64", "arm"]));
    }

    #[test]
    fn libraries_are_named_as_xcode_names_them() {
        let simulator = XcframeworkLibrary::new("ios", Some("simulator"), vec!["x86_64".into(), "arm64".into()]);
        assert_eq!(simulator.library_identifier, "ios-arm64_x86_64-simulator");
        assert_eq!(simulator.supported_architectures, ["arm64", "x86_64"]);
        let device = XcframeworkLibrary::new("ios", None, vec![apple_arch("aarch64")]);
        assert_eq!(device.library_identifier, "ios-arm64");
        assert_eq!(apple_arch("x86_64"), "x86_64");
    }

    #[test]
    fn info_plist_keys_are_the_ones_xcode_writes() {
        let info = XcframeworkInfo {
            available_libraries: vec![XcframeworkLibrary::new("ios", None, vec!["arm64".into()])],
            bundle_package_type: "XFWK".into(),
            format_version: "1.0".into(),
        };
        let json = serde_json::to_value(&info).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "AvailableLibraries": [{
                    "LibraryIdentifier": "ios-arm64",
                    "LibraryPath": "libcredoffer_mobile.a",
                    "HeadersPath": "Headers",
                    "SupportedArchitectures": ["arm64"],
                    "SupportedPlatform": "ios",
                }],
                "CFBundlePackageType": "XFWK",
                "XCFrameworkFormatVersion": "1.0",
            })
        );
        let unknown =
            r#"{"AvailableLibraries": [], "CFBundlePackageType": "XFWK", "XCFrameworkFormatVersion": "1.0", "X": 1}"#;
        assert!(serde_json::from_str::<XcframeworkInfo>(unknown).is_err());
    }

    #[test]
    fn only_the_arm64_simulator_has_a_platform_of_its_own() {
        let platforms: Vec<Option<&str>> = SLICES.iter().map(|slice| slice.mach_o_platform()).collect();
        assert_eq!(platforms, [Some("ios"), Some("iossimulator"), Some("ios"), None, None, None]);
    }

    #[test]
    fn every_slice_has_its_own_target_and_each_android_abi_once() {
        let targets: BTreeSet<&str> = SLICES.iter().map(|slice| slice.target).collect();
        assert_eq!(targets.len(), SLICES.len());
        let abis: Vec<&str> = SLICES
            .iter()
            .filter_map(|slice| match slice.platform {
                Platform::Android { abi } => Some(abi),
                _ => None,
            })
            .collect();
        assert_eq!(abis, ["arm64-v8a", "armeabi-v7a", "x86_64"]);
    }
}
