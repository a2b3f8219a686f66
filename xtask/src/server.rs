//! credoffer-server: its HTTP tests against SQLite and a throwaway PostgreSQL cluster, and its load test.
//!
//! The cluster is PostgreSQL from Debian (`setup::postgresql`), initialised in a temporary folder,
//! listening on 127.0.0.1 on a free port (and a Unix socket in that folder), run as the `postgres`
//! user when xtask runs as root (initdb refuses root). It is stopped and removed when the command
//! ends, whether the tests passed or not.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::setup;
use crate::util::{self, Result};

const DATABASE_URL_VAR: &str = "CREDOFFER_TEST_DATABASE_URL";
/// Shell commands that stop and start the test cluster, for the test of a database restart.
const STOP_VAR: &str = "CREDOFFER_TEST_POSTGRES_STOP";
const START_VAR: &str = "CREDOFFER_TEST_POSTGRES_START";
const CLUSTER_PREFIX: &str = "credoffer-pg-";

/// `cargo xtask ci`'s step: the server's tests, PostgreSQL included.
pub fn ci() -> Result {
    test()
}

/// `cargo xtask server-test`: every server test on SQLite and on PostgreSQL.
pub fn test() -> Result {
    let cluster = Postgres::start()?;
    let (url, stop, start) = (cluster.url(), cluster.shell_command("stop"), cluster.shell_command("start"));
    util::run_in(
        &util::root(),
        &util::cargo_program(),
        &["test", "-p", "credoffer-server"],
        &[(DATABASE_URL_VAR, &url), ("CREDOFFER_TEST_REQUIRE_POSTGRES", "1"), (STOP_VAR, &stop), (START_VAR, &start)],
    )
}

/// `cargo xtask server-load`: the bounded load test, release build, on SQLite and PostgreSQL; with
/// `--soak SECONDS`, the soak instead, that long on each store.
pub fn load(soak_seconds: Option<u64>) -> Result {
    let cluster = Postgres::start()?;
    let url = cluster.url();
    let (tests, seconds) = match soak_seconds {
        Some(seconds) => ("soak_", seconds.to_string()),
        None => ("load_", String::new()),
    };
    util::run_in(
        &util::root(),
        &util::cargo_program(),
        &[
            "test",
            "-p",
            "credoffer-server",
            "--release",
            "--test",
            "load",
            "--",
            tests,
            "--ignored",
            "--nocapture",
            "--test-threads",
            "1",
        ],
        &[(DATABASE_URL_VAR, &url), ("CREDOFFER_TEST_REQUIRE_POSTGRES", "1"), ("CREDOFFER_SOAK_SECONDS", &seconds)],
    )
}

/// A PostgreSQL cluster that lives as long as this value.
struct Postgres {
    dir: PathBuf,
    bin: PathBuf,
    port: u16,
    as_postgres_user: bool,
}

impl Postgres {
    fn start() -> Result<Postgres> {
        setup::postgresql()?;
        let bin = server_bin_dir()?;
        let as_postgres_user = util::output("id", &["-u"])?.trim() == "0";
        stop_abandoned_clusters(&bin, as_postgres_user);
        let dir = std::env::temp_dir().join(format!("{CLUSTER_PREFIX}{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        if as_postgres_user {
            let uid = util::output("id", &["-u", "postgres"])?.trim().parse()?;
            let gid = util::output("id", &["-g", "postgres"])?.trim().parse()?;
            std::os::unix::fs::chown(&dir, Some(uid), Some(gid))?;
        }
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        // From here on, dropping the value stops the cluster and removes the folder.
        let cluster = Postgres { dir, bin, port, as_postgres_user };
        let data = cluster.dir.join("data");
        cluster.tool(
            "initdb",
            &["-D", &data.to_string_lossy(), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"],
        )?;
        let options = cluster.options();
        cluster
            .tool("pg_ctl", &cluster.pg_ctl_args("start", &options).iter().map(String::as_str).collect::<Vec<_>>())?;
        eprintln!("PostgreSQL running on 127.0.0.1:{} (data in {})", cluster.port, cluster.dir.display());
        Ok(cluster)
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// The server's options. A test database: durability is not the point, speed is.
    fn options(&self) -> String {
        format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off \
             -c full_page_writes=off -c max_connections=300",
            self.port,
            self.dir.display()
        )
    }

    /// pg_ctl's arguments to `start` (with `options`) or `stop` (fast: sessions are cut, as in a crash
    /// of the clients' view) the cluster.
    fn pg_ctl_args(&self, action: &str, options: &str) -> Vec<String> {
        let data = self.dir.join("data").to_string_lossy().into_owned();
        match action {
            "start" => {
                let log = self.dir.join("server.log").to_string_lossy().into_owned();
                ["-D", &data, "-l", &log, "-w", "-t", "60", "-o", options, "start"].map(str::to_owned).to_vec()
            }
            _ => ["-D", &data, "-m", "fast", "-w", "stop"].map(str::to_owned).to_vec(),
        }
    }

    /// A shell command line that runs pg_ctl `action` on this cluster, as the right user.
    fn shell_command(&self, action: &str) -> String {
        let program = self.bin.join("pg_ctl").to_string_lossy().into_owned();
        let quoted: Vec<String> = std::iter::once(program)
            .chain(self.pg_ctl_args(action, &self.options()))
            .map(|arg| format!("'{}'", arg.replace('\'', r"'\''")))
            .collect();
        let user = if self.as_postgres_user { "runuser -u postgres -- " } else { "" };
        // pg_ctl's server would otherwise hold the caller's output open.
        format!("cd / && {user}{} >/dev/null", quoted.join(" "))
    }

    fn tool(&self, name: &str, args: &[&str]) -> Result {
        run_pg_tool(&self.bin, self.as_postgres_user, name, args)
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        stop_cluster(&self.bin, self.as_postgres_user, &self.dir);
    }
}

/// Runs a PostgreSQL program, as the postgres user when we are root. Its standard output is
/// discarded (pg_ctl's server would otherwise hold our pipe open); errors go to standard error.
fn run_pg_tool(bin: &Path, as_postgres_user: bool, name: &str, args: &[&str]) -> Result {
    let program = bin.join(name);
    let mut command = if as_postgres_user {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(&program);
        command
    } else {
        Command::new(&program)
    };
    let status = command.args(args).current_dir(std::env::temp_dir()).stdout(Stdio::null()).status()?;
    if status.success() { Ok(()) } else { Err(format!("{name} {} exited with {status}", args.join(" ")).into()) }
}

fn stop_cluster(bin: &Path, as_postgres_user: bool, dir: &Path) {
    let data = dir.join("data");
    if data.join("postmaster.pid").exists() {
        let stopped = run_pg_tool(
            bin,
            as_postgres_user,
            "pg_ctl",
            &["-D", &data.to_string_lossy(), "-m", "immediate", "-w", "stop"],
        );
        if let Err(e) = stopped {
            eprintln!("stopping PostgreSQL in {} failed: {e}", dir.display());
        }
    }
    let _ = std::fs::remove_dir_all(dir);
}

/// Clusters left by an xtask that was killed before it could stop them (its process is gone).
fn stop_abandoned_clusters(bin: &Path, as_postgres_user: bool) {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name.strip_prefix(CLUSTER_PREFIX) else { continue };
        if pid.parse::<u32>().is_ok() && !Path::new("/proc").join(pid).exists() {
            eprintln!("stopping an abandoned PostgreSQL cluster in {}", entry.path().display());
            stop_cluster(bin, as_postgres_user, &entry.path());
        }
    }
}

/// The newest installed server's bin folder (`/usr/lib/postgresql/<major>/bin`).
fn server_bin_dir() -> Result<PathBuf> {
    let root = Path::new("/usr/lib/postgresql");
    let newest = std::fs::read_dir(root)?
        .flatten()
        .filter_map(|entry| entry.file_name().to_str().and_then(|name| name.parse::<u32>().ok()))
        .filter(|major| root.join(major.to_string()).join("bin/initdb").exists())
        .max()
        .ok_or("no PostgreSQL server under /usr/lib/postgresql")?;
    Ok(root.join(newest.to_string()).join("bin"))
}
