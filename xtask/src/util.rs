//! Small helpers shared by every xtask command: where things are, running commands, timing steps.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::Instant;

/// Errors are plain messages: xtask prints them and exits non-zero.
pub type Result<T = (), E = Box<dyn std::error::Error>> = std::result::Result<T, E>;

static TIMINGS: Mutex<Vec<(String, f64)>> = Mutex::new(Vec::new());

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

/// Cargo's target directory (`CARGO_TARGET_DIR`, or `target/` in the workspace root).
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root().join("target"), PathBuf::from)
}

/// The cargo of the toolchain that runs xtask.
pub fn cargo_program() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

/// Runs one named step and records how long it took.
pub fn step(name: &str, f: impl FnOnce() -> Result) -> Result {
    eprintln!("\n==> {name}");
    let start = Instant::now();
    let result = f();
    let seconds = start.elapsed().as_secs_f64();
    if let Ok(mut timings) = TIMINGS.lock() {
        timings.push((name.to_owned(), seconds));
    }
    result.map_err(|e| format!("step '{name}' failed: {e}").into())
}

/// Prints the time each step took.
pub fn summary() {
    eprintln!("\n==> timings");
    if let Ok(timings) = TIMINGS.lock() {
        for (name, seconds) in timings.iter() {
            eprintln!("  {seconds:8.1} s  {name}");
        }
    }
}

/// Runs a command from the workspace root and fails on a non-zero status.
pub fn run(program: &str, args: &[&str]) -> Result {
    run_in(&root(), program, args, &[])
}

/// Runs a command in `dir` with extra environment variables.
pub fn run_in(dir: &Path, program: &str, args: &[&str], env: &[(&str, &str)]) -> Result {
    eprintln!("$ {program} {}", args.join(" "));
    let status = Command::new(program)
        .args(args)
        .current_dir(dir)
        .envs(env.iter().copied())
        .status()
        .map_err(|e| format!("cannot start {program}: {e}"))?;
    if status.success() { Ok(()) } else { Err(format!("{program} {} exited with {status}", args.join(" ")).into()) }
}

/// Runs a command and returns its standard output.
pub fn output(program: &str, args: &[&str]) -> Result<String> {
    let out = Command::new(program)
        .args(args)
        .current_dir(root())
        .output()
        .map_err(|e| format!("cannot start {program}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{program} {} exited with {}: {}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    Ok(String::from_utf8(out.stdout)?)
}

/// Runs cargo with the toolchain that runs xtask.
pub fn cargo(args: &[&str]) -> Result {
    run(&cargo_program(), args)
}

/// The `version` member of an npm package.json.
pub fn npm_package_version(package_json: &str) -> Result<String> {
    #[derive(serde::Deserialize)]
    struct Manifest {
        version: String,
    }
    Ok(serde_json::from_str::<Manifest>(package_json)?.version)
}

/// Whether `program` is on the PATH.
pub fn have(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program} >/dev/null 2>&1")])
        .status()
        .is_ok_and(|s| s.success())
}
