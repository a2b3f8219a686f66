//! Small helpers shared by every xtask command: running commands, installing tools idempotently.

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
    run(&std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()), args)
}

/// Whether `program` is on the PATH.
pub fn have(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program} >/dev/null 2>&1")])
        .status()
        .is_ok_and(|s| s.success())
}

/// Installs Debian packages that are missing (`apt-get update` once, first).
pub fn apt_install(packages: &[&str]) -> Result {
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

/// Adds a rustup target if it is missing.
pub fn rustup_target(target: &str) -> Result {
    let installed = output("rustup", &["target", "list", "--installed"])?;
    if installed.lines().any(|line| line.trim() == target) {
        return Ok(());
    }
    run("rustup", &["target", "add", target])
}

/// Installs a crate's binary at an exact version, unless it is already there, and returns its path.
/// Tools are slow to build, so a binary of the right version in
/// `target/tools` or in cargo's own bin folder (`$CARGO_HOME/bin`) is used as it is, and a missing one
/// is installed into `$CARGO_HOME`, so every fresh clone on the machine (CI's) reuses it.
pub fn cargo_install_shared(krate: &str, version: &str, binary: &str, locked: bool) -> Result<PathBuf> {
    let reports = |path: &Path| {
        path.exists()
            && Command::new(path)
                .arg("--version")
                .output()
                .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains(version))
    };
    let local = root().join("target/tools/bin").join(binary);
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
        cargo(&args)?;
    }
    Ok(shared)
}
