//! The C library: header generation and freshness, install layout with pkg-config, and the C tests
//! (plain, under valgrind, and with AddressSanitizer and UBSan).

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

/// Builds the library and installs include/, lib/ and lib/pkgconfig/credoffer.pc under `prefix`.
fn install(prefix: &Path) -> Result {
    let native_libs = build_library()?;
    let prefix = if prefix.is_absolute() { prefix.to_path_buf() } else { std::env::current_dir()?.join(prefix) };
    let include = prefix.join("include");
    let lib = prefix.join("lib");
    let pkgconfig = lib.join("pkgconfig");
    for dir in [&include, &lib, &pkgconfig] {
        fs::create_dir_all(dir)?;
    }
    fs::copy(crate_dir().join("include/credoffer.h"), include.join("credoffer.h"))?;
    let release = util::target_dir().join("release");
    for file in ["libcredoffer.a", "libcredoffer.so"] {
        fs::copy(release.join(file), lib.join(file))?;
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
        version = Metadata::get()?.workspace_version()?,
    );
    fs::write(pkgconfig.join("credoffer.pc"), pc)?;
    eprintln!("installed libcredoffer into {}", prefix.display());
    Ok(())
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
    let output = util::output(&path_arg(&binary), &[])?;
    print!("{output}");
    if !output.contains("openid-credential-offer://?credential_offer=") || !output.contains("transaction code: ") {
        return Err("issue_offer printed no offer URI or no transaction code".into());
    }
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

/// The `cargo xtask ci` step.
pub fn ci() -> Result {
    test()
}
