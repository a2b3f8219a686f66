//! `credoffer-server`: the binary. Reads the configuration (a JSON file, flags on top), sets up
//! logging, and serves until SIGTERM or Ctrl-C.

use std::io::{IsTerminal as _, Write as _};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, ValueEnum};
use credoffer_server::FileConfig;
use serde_json::{Map, Value};

/// MATTR VII's Credential Offer endpoints over HTTP, on the credoffer engine.
#[derive(Debug, Parser)]
#[command(name = "credoffer-server", version)]
struct Args {
    /// A JSON configuration file (see server/credoffer-server.example.json); flags override it.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, value_name = "HOST:PORT")]
    listen: Option<SocketAddr>,
    /// SQLite database file [default: credoffer.sqlite3].
    #[arg(long, value_name = "FILE", conflicts_with_all = ["in_memory", "database_url"])]
    sqlite: Option<String>,
    /// Keep records in memory (lost on exit).
    #[arg(long, conflicts_with = "database_url")]
    in_memory: bool,
    /// PostgreSQL instead of SQLite, shared by several instances: postgres://user@host:port/db
    /// (or CREDOFFER_DATABASE_URL, which keeps a password out of the process list).
    #[arg(long, value_name = "URL")]
    database_url: Option<String>,
    /// A bearer token the offer endpoints accept (repeatable). Prefer the file or
    /// CREDOFFER_API_TOKENS (comma-separated): flags are visible to other users of the machine.
    #[arg(long = "api-token", value_name = "TOKEN")]
    api_tokens: Vec<String>,
    /// The Credential Issuer identifier written into offers.
    #[arg(long, value_name = "URL")]
    credential_issuer: Option<String>,
    /// A supported credential configuration and its format (repeatable): ID=FORMAT.
    #[arg(long = "credential-configuration", value_name = "ID=FORMAT", value_parser = parse_configuration)]
    credential_configurations: Vec<(String, String)>,
    /// MATTR VII's behaviour: the hybrid offer dialect, pre-authorized offers for mso_mdoc only.
    #[arg(long)]
    mattr: bool,
    /// Serve pre-authorized offers by reference at this URL, with {token} as its last path segment.
    #[arg(long, value_name = "URL")]
    offer_url_template: Option<String>,
    /// Accept an http issuer and offer URL (local testing only).
    #[arg(long)]
    allow_insecure_http: bool,
    /// Credential Issuer Metadata (JSON file) to serve at the well-known URL.
    #[arg(long, value_name = "FILE")]
    metadata: Option<PathBuf>,
    /// Serve the live issuer page at /demo/, with the npm package's browser build from this folder
    /// (bindings-wasm/pkg/web after `cargo xtask wasm-build`).
    #[arg(long, value_name = "DIR")]
    demo_package_directory: Option<String>,
    /// Log lines as text or JSON (to standard error).
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    /// The least severe level logged.
    #[arg(long, default_value = "info", value_name = "error|warn|info|debug")]
    log_level: tracing::Level,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

fn parse_configuration(value: &str) -> Result<(String, String), String> {
    match value.split_once('=') {
        Some((id, format)) if !id.is_empty() && !format.is_empty() => Ok((id.to_owned(), format.to_owned())),
        _ => Err("expected ID=FORMAT, e.g. org.iso.18013.5.1.mDL=mso_mdoc".to_owned()),
    }
}

fn read(path: &PathBuf) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// The file's configuration with the flags applied on top.
fn file_config(args: Args) -> Result<FileConfig, String> {
    let mut config = match &args.config {
        Some(path) => FileConfig::from_json(&read(path)?).map_err(|e| e.to_string())?,
        None => FileConfig::default(),
    };
    if args.listen.is_some() {
        config.listen = args.listen;
    }
    // The URL may hold a password: the environment keeps it out of `ps`.
    let database_url = args.database_url.or_else(|| std::env::var("CREDOFFER_DATABASE_URL").ok());
    if args.in_memory {
        (config.sqlite, config.database_url) = (Some(":memory:".to_owned()), None);
    } else if args.sqlite.is_some() {
        (config.sqlite, config.database_url) = (args.sqlite, None);
    } else if database_url.is_some() {
        config.database_url = database_url;
    }
    config.api_tokens.extend(args.api_tokens);
    if let Ok(tokens) = std::env::var("CREDOFFER_API_TOKENS") {
        config.api_tokens.extend(tokens.split(',').map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned));
    }
    let mut issuer = match config.issuer.take() {
        Some(Value::Object(issuer)) => issuer,
        Some(_) => return Err("issuer must be a JSON object".to_owned()),
        None => Map::new(),
    };
    if let Some(credential_issuer) = args.credential_issuer {
        issuer.insert("credentialIssuer".into(), Value::String(credential_issuer));
    }
    if !args.credential_configurations.is_empty() {
        let configurations = args.credential_configurations.into_iter().map(|(id, f)| (id, Value::String(f)));
        issuer.insert("credentialConfigurations".into(), Value::Object(configurations.collect()));
    }
    if args.mattr {
        issuer.insert("dialect".into(), Value::String("mattr".into()));
        issuer.insert("preAuthorizedMdocOnly".into(), Value::Bool(true));
    }
    if let Some(template) = args.offer_url_template {
        issuer.insert("offerUrlTemplate".into(), Value::String(template));
    }
    if args.allow_insecure_http {
        issuer.insert("allowInsecureHttp".into(), Value::Bool(true));
    }
    if !issuer.is_empty() {
        config.issuer = Some(Value::Object(issuer));
    }
    if args.demo_package_directory.is_some() {
        config.demo_package_directory = args.demo_package_directory;
    }
    if let Some(path) = &args.metadata {
        let metadata = serde_json::from_str(&read(path)?).map_err(|e| format!("{}: {e}", path.display()))?;
        config.metadata = Some(metadata);
    }
    Ok(config)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_max_level(args.log_level);
    match args.log_format {
        LogFormat::Text => subscriber.init(),
        LogFormat::Json => subscriber.json().init(),
    }
    let config = match file_config(args).and_then(|config| config.finish().map_err(|e| e.to_string())) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("credoffer-server: {e}");
            return ExitCode::from(2);
        }
    };
    tracing::info!(?config, "starting");
    for warning in config.warnings() {
        tracing::warn!("{warning}");
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("credoffer-server: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let served = runtime.block_on(credoffer_server::serve(
        config,
        |address| {
            tracing::info!(%address, "listening");
            // Scripts and tests read the address (the port may have been 0) from this line.
            let mut stdout = std::io::stdout();
            let _ = writeln!(stdout, "credoffer-server listening on http://{address}");
            let _ = stdout.flush();
        },
        shutdown_signal(),
    ));
    match served {
        Ok(()) => {
            tracing::info!("stopped");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("credoffer-server: {e}");
            ExitCode::FAILURE
        }
    }
}
