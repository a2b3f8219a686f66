//! The C library: header generation and freshness, the install (the SONAME and its links, pkg-config and
//! CMake files), the C tests (plain, under valgrind, and with AddressSanitizer and UBSan), and C++ consumers
//! that find the installed library through pkg-config and CMake.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::metadata::Metadata;
use crate::setup;
use crate::util::{self, Result};

const C_FLAGS: &[&str] = &["-std=c11", "-Wall", "-Wextra", "-Wpedantic", "-Werror", "-g"];
const CXX_FLAGS: &[&str] = &["-std=c++17", "-Wall", "-Wextra", "-Wpedantic", "-Werror"];
const TEST_SOURCES: &[&str] = &["test_credoffer.c", "test_engine.c", "json.c", "vectors.c"];

fn crate_dir() -> PathBuf {
    util::root().join("bindings-c")
}

/// Where `c-test` installs the library and builds the tests.
fn work_dir() -> PathBuf {
    util::target_dir().join("c")
}

/// Regenerates the header (`--verify`: fails instead when the committed header differs).
fn header(verify: bool) -> Result {
    let cbindgen = setup::cbindgen()?;
    let dir = crate_dir();
    let mut args =
        vec!["--config", "cbindgen.toml", "--crate", "credoffer-c", "--output", "include/credoffer.h", "--quiet"];
    if verify {
        args.push("--verify");
    }
    util::run_in(&dir, &cbindgen.to_string_lossy(), &args, &[]).map_err(|e| {
        if verify {
            format!("bindings-c/include/credoffer.h is stale: run `cargo xtask c-header` and commit it ({e})").into()
        } else {
            e
        }
    })
}

/// `cargo xtask c-header`: regenerates bindings-c/include/credoffer.h.
pub fn header_command() -> Result {
    header(false)
}

/// Builds the release library and returns the native libraries a static link needs.
fn build_library() -> Result<String> {
    let cargo = util::cargo_program();
    let args = ["rustc", "-p", "credoffer-c", "--release", "--lib", "--", "--print", "native-static-libs"];
    eprintln!("$ cargo {}", args.join(" "));
    let out = Command::new(&cargo).args(args).current_dir(util::root()).output()?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        return Err(format!("cargo rustc failed:\n{stderr}").into());
    }
    stderr
        .lines()
        .find_map(|line| line.split_once("native-static-libs:").map(|(_, libs)| libs.trim().to_owned()))
        .ok_or_else(|| "cargo rustc did not print native-static-libs".into())
}

/// Builds the library and installs under `prefix`: include/credoffer.h; lib/libcredoffer.a;
/// lib/libcredoffer.so.VERSION with the SONAME link and the `libcredoffer.so` link the linker finds;
/// lib/pkgconfig/credoffer.pc; lib/cmake/credoffer/ (`find_package(credoffer)`).
fn install(prefix: &Path) -> Result {
    let native_libs = build_library()?;
    let version = Metadata::get()?.workspace_version()?;
    let prefix = if prefix.is_absolute() { prefix.to_path_buf() } else { std::env::current_dir()?.join(prefix) };
    let include = prefix.join("include");
    let lib = prefix.join("lib");
    let pkgconfig = lib.join("pkgconfig");
    let cmake = lib.join("cmake/credoffer");
    for dir in [&include, &lib, &pkgconfig, &cmake] {
        fs::create_dir_all(dir)?;
    }
    fs::copy(crate_dir().join("include/credoffer.h"), include.join("credoffer.h"))?;
    let release = util::target_dir().join("release");
    fs::copy(release.join("libcredoffer.a"), lib.join("libcredoffer.a"))?;
    let shared = SharedLibrary::new(&soname(&release.join("libcredoffer.so"))?, version)?;
    replace_file(&lib.join(&shared.file))?;
    fs::copy(release.join("libcredoffer.so"), lib.join(&shared.file))?;
    for (link, target) in [(&shared.soname, &shared.file), (&DEV_LINK.to_owned(), &shared.soname)] {
        replace_file(&lib.join(link))?;
        std::os::unix::fs::symlink(target, lib.join(link))?;
    }
    let pc = format!(
        "prefix={prefix}\nexec_prefix=${{prefix}}\nlibdir=${{exec_prefix}}/lib\nincludedir=${{prefix}}/include\n\n\
         Name: credoffer\n\
         Description: OpenID4VCI Credential Offers: build, parse, check, issue and redeem\n\
         Version: {version}\n\
         URL: https://github.com/credoffer/credoffer\n\
         Libs: -L${{libdir}} -lcredoffer\n\
         Libs.private: {native_libs}\n\
         Cflags: -I${{includedir}}\n",
        prefix = prefix.display(),
    );
    fs::write(pkgconfig.join("credoffer.pc"), pc)?;
    fs::write(cmake.join("credofferConfig.cmake"), cmake_config(&shared, &native_libs))?;
    fs::write(
        cmake.join("credofferConfigVersion.cmake"),
        cmake_config_version(version, &shared, std::mem::size_of::<usize>()),
    )?;
    eprintln!("installed libcredoffer {version} ({}) into {}", shared.soname, prefix.display());
    Ok(())
}

/// The name the linker looks for with `-lcredoffer`.
const DEV_LINK: &str = "libcredoffer.so";

/// The installed names of the shared library.
#[derive(Debug, PartialEq, Eq)]
struct SharedLibrary {
    /// `libcredoffer.so.VERSION`, the file itself.
    file: String,
    /// `libcredoffer.so.ABI`, what programs linked against it load (the build script sets it).
    soname: String,
}

impl SharedLibrary {
    /// Checks that the SONAME names an ABI version the full version belongs to (`libcredoffer.so.0.1` for
    /// 0.1.3), so the link chain holds.
    fn new(soname: &str, version: &str) -> Result<Self> {
        let file = format!("{DEV_LINK}.{version}");
        let abi = soname.strip_prefix(&format!("{DEV_LINK}.")).unwrap_or_default();
        if abi.is_empty() || !file.starts_with(&format!("{soname}.")) {
            return Err(format!("the SONAME {soname:?} does not name the ABI of version {version}").into());
        }
        Ok(Self { file, soname: soname.to_owned() })
    }

    /// The ABI version the SONAME names: `0.1` in `libcredoffer.so.0.1`.
    fn abi(&self) -> &str {
        self.soname.strip_prefix(&format!("{DEV_LINK}.")).unwrap_or_default()
    }
}

/// The SONAME of an ELF shared library.
fn soname(library: &Path) -> Result<String> {
    let headers = util::output("objdump", &["-p", &path_arg(library)])?;
    headers
        .lines()
        .find_map(|line| line.trim().strip_prefix("SONAME").map(|name| name.trim().to_owned()))
        .ok_or_else(|| format!("{} has no SONAME", library.display()).into())
}

/// The shared libraries an ELF file needs.
fn needed(binary: &Path) -> Result<Vec<String>> {
    let headers = util::output("objdump", &["-p", &path_arg(binary)])?;
    Ok(headers
        .lines()
        .filter_map(|line| line.trim().strip_prefix("NEEDED").map(|name| name.trim().to_owned()))
        .collect())
}

/// Removes a file or link left by an earlier install, so a new file or link can take its name.
fn replace_file(path: &Path) -> Result {
    if fs::symlink_metadata(path).is_ok() {
        fs::remove_file(path)?;
    }
    Ok(())
}

/// credofferConfig.cmake: the imported targets `credoffer::shared` and `credoffer::static`, found relative to
/// the file itself so the installed tree can move.
fn cmake_config(shared: &SharedLibrary, native_libs: &str) -> String {
    // `-lpthread` becomes `pthread`: what target_link_libraries expects of a system library.
    let system_libs: Vec<&str> = native_libs.split_whitespace().filter_map(|flag| flag.strip_prefix("-l")).collect();
    format!(
        "# The CMake package of libcredoffer, written by `cargo xtask c-install`.\n\
         get_filename_component(_credoffer_prefix \"${{CMAKE_CURRENT_LIST_DIR}}/../../..\" ABSOLUTE)\n\
         \n\
         if(NOT TARGET credoffer::shared)\n\
         \x20 add_library(credoffer::shared SHARED IMPORTED)\n\
         \x20 set_target_properties(credoffer::shared PROPERTIES\n\
         \x20   IMPORTED_LOCATION \"${{_credoffer_prefix}}/lib/{file}\"\n\
         \x20   IMPORTED_SONAME \"{soname}\"\n\
         \x20   INTERFACE_INCLUDE_DIRECTORIES \"${{_credoffer_prefix}}/include\")\n\
         endif()\n\
         \n\
         # The archive holds Rust's standard library, which needs these system libraries.\n\
         if(NOT TARGET credoffer::static)\n\
         \x20 add_library(credoffer::static STATIC IMPORTED)\n\
         \x20 set_target_properties(credoffer::static PROPERTIES\n\
         \x20   IMPORTED_LOCATION \"${{_credoffer_prefix}}/lib/libcredoffer.a\"\n\
         \x20   IMPORTED_LINK_INTERFACE_LANGUAGES C\n\
         \x20   INTERFACE_INCLUDE_DIRECTORIES \"${{_credoffer_prefix}}/include\"\n\
         \x20   INTERFACE_LINK_LIBRARIES \"{libs}\")\n\
         endif()\n\
         \n\
         unset(_credoffer_prefix)\n",
        file = shared.file,
        soname = shared.soname,
        libs = system_libs.join(";"),
    )
}

/// credofferConfigVersion.cmake: a request is met by the same ABI as the SONAME's (the same major, or the same
/// minor before 1.0) at the requested version or later, built for the requester's pointer size.
fn cmake_config_version(version: &str, shared: &SharedLibrary, pointer_bytes: usize) -> String {
    format!(
        "# Which find_package(credoffer VERSION) requests this libcredoffer meets (`cargo xtask c-install`).\n\
         set(PACKAGE_VERSION \"{version}\")\n\
         if(PACKAGE_FIND_VERSION_MAJOR STREQUAL \"0\")\n\
         \x20 set(_credoffer_abi \"0.${{PACKAGE_FIND_VERSION_MINOR}}\")\n\
         else()\n\
         \x20 set(_credoffer_abi \"${{PACKAGE_FIND_VERSION_MAJOR}}\")\n\
         endif()\n\
         if(NOT PACKAGE_FIND_VERSION OR (_credoffer_abi STREQUAL \"{abi}\"\n\
         \x20   AND PACKAGE_FIND_VERSION VERSION_LESS_EQUAL PACKAGE_VERSION))\n\
         \x20 set(PACKAGE_VERSION_COMPATIBLE TRUE)\n\
         else()\n\
         \x20 set(PACKAGE_VERSION_COMPATIBLE FALSE)\n\
         endif()\n\
         unset(_credoffer_abi)\n\
         if(PACKAGE_FIND_VERSION STREQUAL PACKAGE_VERSION)\n\
         \x20 set(PACKAGE_VERSION_EXACT TRUE)\n\
         endif()\n\
         if(CMAKE_SIZEOF_VOID_P AND NOT CMAKE_SIZEOF_VOID_P STREQUAL \"{pointer_bytes}\")\n\
         \x20 set(PACKAGE_VERSION \"${{PACKAGE_VERSION}} ({bits}-bit)\")\n\
         \x20 set(PACKAGE_VERSION_UNSUITABLE TRUE)\n\
         endif()\n",
        abi = shared.abi(),
        bits = pointer_bytes * 8,
    )
}

/// `cargo xtask c-install --prefix DIR`.
pub fn install_command(prefix: &Path) -> Result {
    // The committed header is what gets installed; `c-test` (and so CI) checks it is fresh.
    install(prefix)
}

/// Flags from the installed pkg-config file.
fn pkg_config(prefix: &Path, args: &[&str]) -> Result<Vec<String>> {
    let out = Command::new("pkg-config")
        .args(args)
        .arg("credoffer")
        .env("PKG_CONFIG_PATH", prefix.join("lib/pkgconfig"))
        .output()?;
    if !out.status.success() {
        return Err(format!("pkg-config {}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr)).into());
    }
    Ok(String::from_utf8(out.stdout)?.split_whitespace().map(str::to_owned).collect())
}

/// Runs a compiler or test with owned arguments.
fn run(program: &str, args: &[String], dir: &Path) -> Result {
    run_with(program, args, dir, &[])
}

fn run_with(program: &str, args: &[String], dir: &Path, env: &[(&str, &str)]) -> Result {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    util::run_in(dir, program, &args, env)
}

fn path_arg(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

/// A C table of every engine error kind, from the engine's own list, so the C test notices a kind the
/// library does not map.
fn write_error_kinds(out: &Path) -> Result {
    fs::write(out, crate::codegen::c_test_table()?)?;
    Ok(())
}

/// Every function the header declares is called by the C tests.
fn check_every_function_tested(tests: &Path) -> Result {
    let header = fs::read_to_string(crate_dir().join("include/credoffer.h"))?;
    let mut sources = String::new();
    for file in TEST_SOURCES {
        sources.push_str(&fs::read_to_string(tests.join(file))?);
    }
    let mut untested = Vec::new();
    let mut count = 0;
    for line in
        header.lines().filter(|line| !line.trim_start().starts_with('*') && !line.trim_start().starts_with("/*"))
    {
        for (start, _) in line.match_indices("credoffer_") {
            let name: String = line[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            if !line[start + name.len()..].starts_with('(') {
                continue;
            }
            count += 1;
            if !sources.contains(&format!("{name}(")) {
                untested.push(name);
            }
        }
    }
    if count < 50 {
        return Err(format!("found only {count} functions in credoffer.h").into());
    }
    if !untested.is_empty() {
        return Err(format!("no C test calls {}", untested.join(", ")).into());
    }
    eprintln!("the C tests call all {count} functions of credoffer.h");
    Ok(())
}

/// `cargo xtask c-test`: header freshness, install, every C test in three builds, the example.
pub fn test() -> Result {
    let started = Instant::now();
    setup::c_compilers()?;
    header(true)?;
    let work = work_dir();
    let prefix = work.join("install");
    install(&prefix)?;
    let build = work.join("build");
    fs::create_dir_all(&build)?;
    write_error_kinds(&build.join("error_kinds.h"))?;

    let tests = crate_dir().join("tests");
    check_every_function_tested(&tests)?;
    let cflags = pkg_config(&prefix, &["--cflags"])?;
    let libs = pkg_config(&prefix, &["--libs"])?;
    let libdir = prefix.join("lib");
    let static_libs = static_link_flags(&prefix)?;
    let sources: Vec<String> = TEST_SOURCES.iter().map(|s| path_arg(&tests.join(s))).collect();
    let vectors = path_arg(&util::root().join("tests/vectors"));
    let expected_failures = path_arg(&tests.join("expected-failures.txt"));
    let test_args = [vectors, expected_failures];

    // The header as C++17, linked and run.
    let cpp = build.join("header_cpp");
    let mut args: Vec<String> = CXX_FLAGS.iter().map(|s| (*s).to_owned()).collect();
    args.extend(cflags.iter().cloned());
    args.extend([path_arg(&tests.join("header_cpp.cpp")), "-o".into(), path_arg(&cpp)]);
    args.extend(static_libs.iter().cloned());
    run("g++", &args, &build)?;
    run(&path_arg(&cpp), &[], &build)?;

    // Plain: the shared library, found through an rpath.
    let plain = build.join("test_credoffer");
    let mut args = c_args(&cflags, &build);
    args.extend(sources.iter().cloned());
    args.extend(["-o".into(), path_arg(&plain)]);
    args.extend(libs.iter().cloned());
    args.push(format!("-Wl,-rpath,{}", libdir.display()));
    run("gcc", &args, &build)?;
    // `cargo run` puts target/debug/deps on LD_LIBRARY_PATH, which outranks the rpath: point it at
    // the installed library so the test loads what a consumer would.
    let library_path = path_arg(&libdir);
    let env = [("LD_LIBRARY_PATH", library_path.as_str())];
    run_with(&path_arg(&plain), &test_args, &build, &env)?;

    // The same binary under valgrind: no errors, no leaks of any kind.
    let mut args: Vec<String> =
        ["--quiet", "--leak-check=full", "--show-leak-kinds=all", "--errors-for-leak-kinds=all", "--error-exitcode=99"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
    args.push(path_arg(&plain));
    args.extend(test_args.iter().cloned());
    run_with("valgrind", &args, &build, &env)?;

    // AddressSanitizer and UBSan, linked against the static library.
    let asan = build.join("test_credoffer_asan");
    let mut args = c_args(&cflags, &build);
    args.extend(["-fsanitize=address,undefined".into(), "-fno-sanitize-recover=all".into()]);
    args.push("-fno-omit-frame-pointer".into());
    args.extend(sources.iter().cloned());
    args.extend(["-o".into(), path_arg(&asan)]);
    args.extend(static_libs.iter().cloned());
    run("gcc", &args, &build)?;
    let symbols = util::output("nm", &[&path_arg(&asan)])?;
    if !symbols.contains("__asan_init") || !symbols.contains("__ubsan_handle") {
        return Err("the sanitizer build is not instrumented (no __asan_init or __ubsan_handle_*)".into());
    }
    let mut args = test_args.to_vec();
    args.insert(0, path_arg(&asan));
    util::run_in(
        &build,
        "env",
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
        &[("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=1"), ("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")],
    )?;

    example(&prefix, &cflags, &static_libs, &build)?;
    consumers(&prefix, &cflags, &libs, &build)?;
    eprintln!("c-test passed in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

fn c_args(cflags: &[String], build: &Path) -> Vec<String> {
    let mut args: Vec<String> = C_FLAGS.iter().map(|s| (*s).to_owned()).collect();
    args.extend(cflags.iter().cloned());
    args.push(format!("-I{}", build.display()));
    args
}

/// Link flags for the static library: pkg-config's `--static` output with `-lcredoffer` pointing at
/// the archive (the linker would otherwise prefer the shared library beside it).
fn static_link_flags(prefix: &Path) -> Result<Vec<String>> {
    let archive = path_arg(&prefix.join("lib/libcredoffer.a"));
    Ok(pkg_config(prefix, &["--static", "--libs"])?
        .into_iter()
        .map(|flag| if flag == "-lcredoffer" { archive.clone() } else { flag })
        .collect())
}

/// Builds examples/c/issue_offer.c statically linked and stripped, runs it, and prints the sizes.
/// `--gc-sections` drops the parts of the archive (and of Rust's standard library in it) the program
/// never reaches: 1.8 MB becomes under 0.5 MB.
fn example(prefix: &Path, cflags: &[String], static_libs: &[String], build: &Path) -> Result {
    let binary = build.join("issue_offer");
    let mut args = c_args(cflags, build);
    args.extend(["-O2".into(), "-s".into(), "-Wl,--gc-sections".into()]);
    args.push(path_arg(&util::root().join("examples/c/issue_offer.c")));
    args.extend(["-o".into(), path_arg(&binary)]);
    args.extend(static_libs.iter().cloned());
    run("gcc", &args, build)?;
    print!("{}", check_example_output(&binary, &[])?);
    let size = |path: &Path| fs::metadata(path).map(|m| m.len());
    eprintln!(
        "sizes: libcredoffer.a {} bytes, libcredoffer.so {} bytes, \
         issue_offer (static libcredoffer, -s -Wl,--gc-sections) {} bytes",
        size(&prefix.join("lib/libcredoffer.a"))?,
        size(&prefix.join("lib/libcredoffer.so"))?,
        size(&binary)?
    );
    Ok(())
}

/// Checks that a program prints an offer URI and a transaction code, as examples/c/issue_offer.c does.
fn check_example_output(binary: &Path, env: &[(&str, &str)]) -> Result<String> {
    let out = Command::new(binary).envs(env.iter().copied()).output()?;
    let output = String::from_utf8(out.stdout)?;
    if !out.status.success()
        || !output.contains("openid-credential-offer://?credential_offer=")
        || !output.contains("transaction code: ")
    {
        return Err(format!("{} printed no offer URI or no transaction code", binary.display()).into());
    }
    Ok(output)
}

/// Checks that a program loads the shared library by its SONAME, so it keeps working across compatible
/// updates and refuses an incompatible one.
fn check_needs_soname(binary: &Path, prefix: &Path) -> Result {
    let soname = soname(&prefix.join("lib").join(DEV_LINK))?;
    let needed = needed(binary)?;
    if !needed.contains(&soname) {
        return Err(format!("{} needs {needed:?}, not {soname}", binary.display()).into());
    }
    Ok(())
}

/// The example as C++17 against the installed prefix, the two ways C++ projects find a library: pkg-config
/// (shared library) and CMake's `find_package(credoffer)` (each imported target). The CMake package must
/// also refuse a request for another ABI version.
fn consumers(prefix: &Path, cflags: &[String], libs: &[String], build: &Path) -> Result {
    setup::cmake()?;
    let example = path_arg(&util::root().join("examples/c/issue_offer.c"));
    let library_path = path_arg(&prefix.join("lib"));
    let env = [("LD_LIBRARY_PATH", library_path.as_str())];

    let pkg_config_binary = build.join("issue_offer_cpp_pkg_config");
    let mut args: Vec<String> = CXX_FLAGS.iter().map(|s| (*s).to_owned()).collect();
    args.extend(cflags.iter().cloned());
    args.extend(["-x".into(), "c++".into(), example.clone(), "-x".into(), "none".into()]);
    args.extend(["-o".into(), path_arg(&pkg_config_binary)]);
    args.extend(libs.iter().cloned());
    args.push(format!("-Wl,-rpath,{library_path}"));
    run("g++", &args, build)?;
    check_needs_soname(&pkg_config_binary, prefix)?;
    check_example_output(&pkg_config_binary, &env)?;

    let project = crate_dir().join("tests/cmake");
    let cmake_build = build.join("cmake");
    if cmake_build.exists() {
        fs::remove_dir_all(&cmake_build)?;
    }
    let version = Metadata::get()?.workspace_version()?;
    let configure = |requested: &str, dir: &Path| {
        Command::new("cmake")
            .arg("-S")
            .arg(&project)
            .arg("-B")
            .arg(dir)
            .arg(format!("-DCMAKE_PREFIX_PATH={}", prefix.display()))
            .arg(format!("-DCREDOFFER_VERSION={requested}"))
            .arg(format!("-DCREDOFFER_EXAMPLE={example}"))
            .output()
    };
    let configured = configure(version, &cmake_build)?;
    if !configured.status.success() {
        return Err(format!(
            "cmake could not configure against {}:\n{}",
            prefix.display(),
            String::from_utf8_lossy(&configured.stderr)
        )
        .into());
    }
    util::run_in(build, "cmake", &["--build", &path_arg(&cmake_build)], &[])?;
    let shared = cmake_build.join("issue_offer_shared");
    check_needs_soname(&shared, prefix)?;
    check_example_output(&shared, &env)?;
    let static_binary = cmake_build.join("issue_offer_static");
    if needed(&static_binary)?.iter().any(|name| name.starts_with(DEV_LINK)) {
        return Err("issue_offer_static loads libcredoffer.so: credoffer::static linked the shared library".into());
    }
    check_example_output(&static_binary, &[])?;

    let other_abis = other_abi_versions(version)?;
    for (requested, dir) in other_abis.iter().zip(["cmake-next-abi", "cmake-previous-abi"]) {
        let refused = configure(requested, &build.join(dir))?;
        let stderr = String::from_utf8_lossy(&refused.stderr);
        if refused.status.success() || !stderr.contains(version) {
            return Err(
                format!("find_package(credoffer {requested}) accepted libcredoffer {version}:\n{stderr}").into()
            );
        }
    }
    eprintln!(
        "C++17 consumers: pkg-config and find_package(credoffer) link and run; {} refused",
        other_abis.join(" and ")
    );
    Ok(())
}

/// Versions of other ABIs than `version`'s: the first of the next one, and the first of the previous one when
/// there is one. An ABI is a major version, or a minor one before 1.0.
fn other_abi_versions(version: &str) -> Result<Vec<String>> {
    let mut parts = version.split('.').map(str::parse::<u64>);
    let (Some(Ok(major)), Some(Ok(minor))) = (parts.next(), parts.next()) else {
        return Err(format!("{version:?} is not a semver version").into());
    };
    Ok(match (major, minor) {
        (0, 0) => vec!["0.1.0".to_owned()],
        (0, minor) => vec![format!("0.{}.0", minor + 1), format!("0.{}.0", minor - 1)],
        (major, _) => vec![format!("{}.0.0", major + 1), format!("{}.0.0", major - 1)],
    })
}

/// The C library's release check: installed into target/release-check/c, it is found and linked by the C++
/// consumers (pkg-config and CMake).
pub fn release_check() -> Result {
    setup::c_compilers()?;
    let work = util::target_dir().join("release-check/c");
    let prefix = work.join("install");
    if prefix.exists() {
        fs::remove_dir_all(&prefix)?;
    }
    install(&prefix)?;
    let build = work.join("build");
    fs::create_dir_all(&build)?;
    consumers(&prefix, &pkg_config(&prefix, &["--cflags"])?, &pkg_config(&prefix, &["--libs"])?, &build)
}

/// The `cargo xtask ci` step.
pub fn ci() -> Result {
    test()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_soname_must_name_the_versions_abi() {
        let installed = SharedLibrary::new("libcredoffer.so.0.1", "0.1.3").unwrap();
        assert_eq!(installed.file, "libcredoffer.so.0.1.3");
        assert_eq!(installed.soname, "libcredoffer.so.0.1");
        assert_eq!(installed.abi(), "0.1");
        assert_eq!(SharedLibrary::new("libcredoffer.so.2", "2.4.0").unwrap().file, "libcredoffer.so.2.4.0");
        for (soname, version) in
            [("libcredoffer.so.0.1", "0.10.0"), ("libcredoffer.so", "0.1.0"), ("libother.so.0.1", "0.1.0")]
        {
            let error = SharedLibrary::new(soname, version).unwrap_err().to_string();
            assert!(error.contains(soname) && error.contains(version), "{error}");
        }
    }

    #[test]
    fn other_abis_are_other_majors_or_before_1_0_other_minors() {
        assert_eq!(other_abi_versions("0.1.0").unwrap(), ["0.2.0", "0.0.0"]);
        assert_eq!(other_abi_versions("0.9.7").unwrap(), ["0.10.0", "0.8.0"]);
        assert_eq!(other_abi_versions("0.0.3").unwrap(), ["0.1.0"]);
        assert_eq!(other_abi_versions("1.4.2").unwrap(), ["2.0.0", "0.0.0"]);
        assert!(other_abi_versions("one").is_err());
    }

    #[test]
    fn the_cmake_package_links_the_static_library_with_rusts_system_libraries() {
        let shared = SharedLibrary::new("libcredoffer.so.0.1", "0.1.0").unwrap();
        let config = cmake_config(&shared, "-lgcc_s -lutil -lpthread -lm -lc");
        assert!(config.contains("IMPORTED_LOCATION \"${_credoffer_prefix}/lib/libcredoffer.so.0.1.0\""), "{config}");
        assert!(config.contains("IMPORTED_SONAME \"libcredoffer.so.0.1\""), "{config}");
        assert!(config.contains("INTERFACE_LINK_LIBRARIES \"gcc_s;util;pthread;m;c\""), "{config}");
        let version = cmake_config_version("0.1.0", &shared, 8);
        assert!(version.contains("set(PACKAGE_VERSION \"0.1.0\")"), "{version}");
        assert!(version.contains("_credoffer_abi STREQUAL \"0.1\"") && version.contains("STREQUAL \"8\""), "{version}");
    }
}
