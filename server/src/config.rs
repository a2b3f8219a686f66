//! The server's configuration: a JSON file (`--config FILE`), flags on top of it.

use std::fmt;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use credoffer::issuer::TOKEN_PLACEHOLDER;
use credoffer::metadata::well_known_metadata_url;
use credoffer::{Issuer, IssuerConfig, IssuerMetadata, Secret};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::demo::DemoPage;
use crate::webhook::{WebhookEndpoint, WebhookSecret, WebhookSettings};

/// MATTR VII refuses request bodies over 500 KB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 500 * 1024;
/// Dead records are kept a day, so a replayed code is still recognised (and reported) after expiry.
pub const DEFAULT_RETENTION_SECONDS: u64 = 86_400;
/// A client has this long to send a request head, counted from when the connection starts waiting for
/// one: it also closes a keep-alive connection left idle.
pub const DEFAULT_HEADER_READ_TIMEOUT_SECONDS: u64 = 10;
/// A request has this long from the end of its head to its answer: reading a slow body included.
pub const DEFAULT_REQUEST_TIMEOUT_SECONDS: u64 = 30;
/// Connections served at once; more wait in the kernel's backlog until one closes.
pub const DEFAULT_MAX_CONNECTIONS: usize = 10_000;
/// After SIGTERM or Ctrl-C, requests in flight have this long to finish before they are cut.
pub const DEFAULT_SHUTDOWN_DEADLINE_SECONDS: u64 = 10;
/// How often expired offers are reported (`offer.expired`) and dead records purged.
pub const DEFAULT_SWEEP_INTERVAL_SECONDS: u64 = 60;
/// An idle event stream gets a comment line this often, well inside the idle timeouts proxies and load
/// balancers commonly apply (30 to 60 seconds).
pub const DEFAULT_EVENT_STREAM_KEEP_ALIVE_SECONDS: u64 = 15;
/// One webhook attempt's limit, connecting included.
pub const DEFAULT_WEBHOOK_TIMEOUT_SECONDS: u64 = 10;
/// Attempts at a webhook delivery before it is marked failed: with the default backoff the last is 1.2 to
/// 2.4 hours after the first (steps of 5 s doubling to the hour's cap: 8 715 s, each wait half to all of
/// its step).
pub const DEFAULT_WEBHOOK_MAX_ATTEMPTS: u32 = 12;
/// A delivery still failing this long after its event is marked failed.
pub const DEFAULT_WEBHOOK_MAX_AGE_SECONDS: u64 = 86_400;
/// The wait after a first failed delivery, doubled after each further one (up to an hour).
pub const DEFAULT_WEBHOOK_RETRY_BASE_MILLISECONDS: u64 = 5_000;
/// Undelivered webhook rows kept at most; events past it are stored but not queued.
pub const DEFAULT_WEBHOOK_OUTBOX_CAP: u64 = 100_000;
/// Listen address when none is configured: loopback, so nothing is exposed by accident.
pub const DEFAULT_LISTEN: ([u8; 4], u16) = ([127, 0, 0, 1], 8080);

/// Where records are kept.
#[derive(Clone, PartialEq, Eq)]
pub enum Database {
    /// An SQLite file.
    SqliteFile(String),
    /// An SQLite database in memory (gone when the process ends).
    SqliteMemory,
    /// A PostgreSQL server, shared by several instances.
    Postgres(String),
}

impl fmt::Debug for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Database::SqliteFile(path) => write!(f, "SqliteFile({path:?})"),
            Database::SqliteMemory => f.write_str("SqliteMemory"),
            // The URL may carry a password.
            Database::Postgres(_) => f.write_str("Postgres([redacted])"),
        }
    }
}

/// The configuration file, as written (camelCase JSON; every member optional but `issuer`).
#[derive(Default, Clone)]
pub struct FileConfig {
    /// `host:port` to listen on.
    pub listen: Option<SocketAddr>,
    /// An SQLite file, or `:memory:`.
    pub sqlite: Option<String>,
    /// `postgres://…`; takes precedence over `sqlite`.
    pub database_url: Option<String>,
    /// Bearer tokens accepted on the offer endpoints.
    pub api_tokens: Vec<String>,
    /// Largest request body accepted.
    pub max_body_bytes: Option<usize>,
    /// Seconds a client has to send a request head (and that a keep-alive connection may stay idle).
    pub header_read_timeout_seconds: Option<u64>,
    /// Seconds a request has from the end of its head to its answer, its body included.
    pub request_timeout_seconds: Option<u64>,
    /// Connections served at once.
    pub max_connections: Option<usize>,
    /// Seconds requests in flight get to finish after a shutdown signal.
    pub shutdown_deadline_seconds: Option<u64>,
    /// How long dead records are kept after their expiry.
    pub record_retention_seconds: Option<u64>,
    /// How often expired offers are reported and dead records purged.
    pub sweep_interval_seconds: Option<u64>,
    /// How often an idle event stream gets a keep-alive comment.
    pub event_stream_keep_alive_seconds: Option<u64>,
    /// Where every offer event is POSTed.
    pub webhooks: Vec<FileWebhook>,
    /// One webhook attempt's limit.
    pub webhook_timeout_seconds: Option<u64>,
    /// Attempts before a delivery is marked failed.
    pub webhook_max_attempts: Option<u32>,
    /// Age after which a failing delivery is marked failed.
    pub webhook_max_age_seconds: Option<u64>,
    /// The first retry's wait.
    pub webhook_retry_base_milliseconds: Option<u64>,
    /// Undelivered webhook rows kept at most.
    pub webhook_outbox_cap: Option<u64>,
    /// The engine's configuration ([`IssuerConfig`] JSON).
    pub issuer: Option<Value>,
    /// Credential Issuer Metadata served at the well-known URL.
    pub metadata: Option<Value>,
    /// The npm package's browser build: when set, the live issuer page is served at `/demo/`.
    pub demo_package_directory: Option<String>,
}

impl fmt::Debug for FileConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileConfig")
            .field("listen", &self.listen)
            .field("sqlite", &self.sqlite)
            .field("database_url", &self.database_url.as_ref().map(|_| "[redacted]"))
            .field("api_tokens", &format_args!("[{} redacted]", self.api_tokens.len()))
            .field("webhooks", &self.webhooks)
            .finish_non_exhaustive()
    }
}

/// A webhook endpoint as written: `{"url": "https://…", "secret": "whsec_…"}`.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileWebhook {
    /// Where events are POSTed.
    pub url: String,
    /// `whsec_` and the base64 of the signing key.
    pub secret: String,
}

impl fmt::Debug for FileWebhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileWebhook").field("url", &self.url).field("secret", &"[redacted]").finish()
    }
}

/// The checked configuration the server runs with.
pub struct ServerConfig {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Where records are kept.
    pub database: Database,
    /// Accepted bearer tokens (never logged).
    pub api_tokens: Vec<Secret>,
    /// Largest request body accepted.
    pub max_body_bytes: usize,
    /// How long a client may take over a request, and how many may connect at once.
    pub limits: ConnectionLimits,
    /// How long dead records are kept after expiry.
    pub record_retention_seconds: u64,
    /// How often expired offers are reported and dead records purged.
    pub sweep_interval: Duration,
    /// How often an idle event stream gets a keep-alive comment.
    pub event_stream_keep_alive: Duration,
    /// Webhook endpoints and their delivery.
    pub webhooks: WebhookSettings,
    /// The engine.
    pub issuer: Issuer,
    /// The metadata document and the path it is served at.
    pub metadata: Option<(String, String)>,
    /// For offers by reference: the route that serves them (`/offers/{token}`).
    pub reference_route: Option<String>,
    /// The live issuer page, when enabled.
    pub demo: Option<DemoPage>,
}

impl fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerConfig")
            .field("listen", &self.listen)
            .field("database", &self.database)
            .field("api_tokens", &format_args!("[{} redacted]", self.api_tokens.len()))
            .field("max_body_bytes", &self.max_body_bytes)
            .field("limits", &self.limits)
            .field("webhooks", &self.webhooks)
            .field("issuer", self.issuer.config())
            .field("demo", &self.demo)
            .finish_non_exhaustive()
    }
}

/// What protects the server from slow and numerous clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// See [`DEFAULT_HEADER_READ_TIMEOUT_SECONDS`].
    pub header_read_timeout: Duration,
    /// See [`DEFAULT_REQUEST_TIMEOUT_SECONDS`].
    pub request_timeout: Duration,
    /// See [`DEFAULT_MAX_CONNECTIONS`].
    pub max_connections: usize,
    /// See [`DEFAULT_SHUTDOWN_DEADLINE_SECONDS`].
    pub shutdown_deadline: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            header_read_timeout: Duration::from_secs(DEFAULT_HEADER_READ_TIMEOUT_SECONDS),
            request_timeout: Duration::from_secs(DEFAULT_REQUEST_TIMEOUT_SECONDS),
            max_connections: DEFAULT_MAX_CONNECTIONS,
            shutdown_deadline: Duration::from_secs(DEFAULT_SHUTDOWN_DEADLINE_SECONDS),
        }
    }
}

/// A configuration problem, said in one line.
#[derive(Debug)]
pub struct ConfigError(pub String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

fn invalid(message: impl Into<String>) -> ConfigError {
    ConfigError(message.into())
}

impl FileConfig {
    /// Reads a configuration file's text.
    ///
    /// A problem is reported by member and expected type, never by value: several members hold secrets,
    /// and serde's own messages quote what they refuse.
    pub fn from_json(json: &str) -> Result<Self, ConfigError> {
        let document = serde_json::from_str(json).map_err(|e| {
            // serde_json's syntax messages quote nothing, but its position is all a reader needs.
            invalid(format!("the configuration file is not valid JSON (line {}, column {})", e.line(), e.column()))
        })?;
        let Value::Object(members) = document else {
            return Err(invalid("the configuration file must hold a JSON object"));
        };
        let mut config = FileConfig::default();
        for (name, value) in members {
            let name = name.as_str();
            match name {
                "listen" => config.listen = member(name, value, "a \"host:port\" string")?,
                "sqlite" => config.sqlite = member(name, value, "a file path (string)")?,
                "databaseUrl" => config.database_url = member(name, value, "a postgres:// URL (string)")?,
                "apiTokens" => config.api_tokens = member(name, value, "an array of strings")?,
                "maxBodyBytes" => config.max_body_bytes = member(name, value, "a non-negative integer")?,
                "headerReadTimeoutSeconds" => {
                    config.header_read_timeout_seconds = member(name, value, "a non-negative integer")?;
                }
                "requestTimeoutSeconds" => {
                    config.request_timeout_seconds = member(name, value, "a non-negative integer")?;
                }
                "maxConnections" => config.max_connections = member(name, value, "a non-negative integer")?,
                "shutdownDeadlineSeconds" => {
                    config.shutdown_deadline_seconds = member(name, value, "a non-negative integer")?;
                }
                "recordRetentionSeconds" => {
                    config.record_retention_seconds = member(name, value, "a non-negative integer")?;
                }
                "sweepIntervalSeconds" => {
                    config.sweep_interval_seconds = member(name, value, "a non-negative integer")?;
                }
                "eventStreamKeepAliveSeconds" => {
                    config.event_stream_keep_alive_seconds = member(name, value, "a non-negative integer")?;
                }
                "webhooks" => {
                    config.webhooks = member(name, value, r#"an array of {"url": "…", "secret": "whsec_…"} objects"#)?;
                }
                "webhookTimeoutSeconds" => {
                    config.webhook_timeout_seconds = member(name, value, "a non-negative integer")?;
                }
                "webhookMaxAttempts" => config.webhook_max_attempts = member(name, value, "a non-negative integer")?,
                "webhookMaxAgeSeconds" => {
                    config.webhook_max_age_seconds = member(name, value, "a non-negative integer")?;
                }
                "webhookRetryBaseMilliseconds" => {
                    config.webhook_retry_base_milliseconds = member(name, value, "a non-negative integer")?;
                }
                "webhookOutboxCap" => config.webhook_outbox_cap = member(name, value, "a non-negative integer")?,
                "issuer" => config.issuer = Some(value),
                "metadata" => config.metadata = Some(value),
                "demoPackageDirectory" => {
                    config.demo_package_directory = member(name, value, "a folder path (string)")?
                }
                _ => return Err(invalid(format!("the configuration has an unknown member {name:?}"))),
            }
        }
        Ok(config)
    }

    /// Checks everything and builds the engine.
    pub fn finish(self) -> Result<ServerConfig, ConfigError> {
        let limits = self.connection_limits()?;
        let issuer_json = self.issuer.clone().ok_or_else(|| invalid("the configuration has no issuer"))?;
        let issuer_config = IssuerConfig::from_json(&issuer_json.to_string())
            .map_err(|e| invalid(format!("issuer: {}", e.message())))?;
        let issuer = Issuer::new(issuer_config).map_err(|e| {
            invalid(format!("issuer{}: {}", e.field().map(|f| format!(".{f}")).unwrap_or_default(), e.message()))
        })?;
        let webhooks = self.webhook_settings(issuer.config().allow_insecure_http)?;
        let database = match (self.database_url, self.sqlite) {
            (Some(url), _) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                Database::Postgres(url)
            }
            (Some(_), _) => return Err(invalid("databaseUrl must start with postgres:// or postgresql://")),
            (None, Some(path)) if path == ":memory:" => Database::SqliteMemory,
            (None, Some(path)) => Database::SqliteFile(path),
            (None, None) => Database::SqliteFile("credoffer.sqlite3".to_owned()),
        };
        if self.api_tokens.is_empty() {
            return Err(invalid("no API token is configured: the offer endpoints would be open to anyone"));
        }
        if let Some(short) = self.api_tokens.iter().find(|token| token.len() < 16) {
            return Err(invalid(format!("API tokens must be at least 16 characters (one has {})", short.len())));
        }
        let max_body_bytes = self.max_body_bytes.unwrap_or(DEFAULT_MAX_BODY_BYTES);
        if max_body_bytes == 0 {
            return Err(invalid("maxBodyBytes must be positive"));
        }
        let sweep_interval = match self.sweep_interval_seconds {
            Some(0) => return Err(invalid("sweepIntervalSeconds must be positive")),
            seconds => Duration::from_secs(seconds.unwrap_or(DEFAULT_SWEEP_INTERVAL_SECONDS)),
        };
        let event_stream_keep_alive = match self.event_stream_keep_alive_seconds {
            Some(0) => return Err(invalid("eventStreamKeepAliveSeconds must be positive")),
            seconds => Duration::from_secs(seconds.unwrap_or(DEFAULT_EVENT_STREAM_KEEP_ALIVE_SECONDS)),
        };
        let metadata = self.metadata.map(|metadata| checked_metadata(&issuer, &metadata)).transpose()?;
        let reference_route = issuer.config().offer_url_template.as_deref().map(reference_route).transpose()?;
        let demo = self.demo_package_directory.as_deref().map(|dir| DemoPage::load(Path::new(dir))).transpose()?;
        Ok(ServerConfig {
            listen: self.listen.unwrap_or_else(|| SocketAddr::from(DEFAULT_LISTEN)),
            database,
            api_tokens: self.api_tokens.into_iter().map(Secret::new).collect(),
            max_body_bytes,
            limits,
            record_retention_seconds: self.record_retention_seconds.unwrap_or(DEFAULT_RETENTION_SECONDS),
            sweep_interval,
            event_stream_keep_alive,
            webhooks,
            issuer,
            metadata,
            reference_route,
            demo,
        })
    }
}

impl FileConfig {
    fn connection_limits(&self) -> Result<ConnectionLimits, ConfigError> {
        let defaults = ConnectionLimits::default();
        // Zero would close every connection at once (or, for the cap, accept none).
        let positive = |value: Option<u64>, name: &str, default: Duration| match value {
            Some(0) => Err(invalid(format!("{name} must be positive"))),
            Some(seconds) => Ok(Duration::from_secs(seconds)),
            None => Ok(default),
        };
        let max_connections = match self.max_connections {
            Some(0) => return Err(invalid("maxConnections must be positive")),
            // tokio's semaphore holds at most usize::MAX >> 3 permits.
            Some(cap) if cap > tokio::sync::Semaphore::MAX_PERMITS => {
                return Err(invalid(format!("maxConnections must be at most {}", tokio::sync::Semaphore::MAX_PERMITS)));
            }
            Some(cap) => cap,
            None => defaults.max_connections,
        };
        Ok(ConnectionLimits {
            header_read_timeout: positive(
                self.header_read_timeout_seconds,
                "headerReadTimeoutSeconds",
                defaults.header_read_timeout,
            )?,
            request_timeout: positive(self.request_timeout_seconds, "requestTimeoutSeconds", defaults.request_timeout)?,
            max_connections,
            shutdown_deadline: positive(
                self.shutdown_deadline_seconds,
                "shutdownDeadlineSeconds",
                defaults.shutdown_deadline,
            )?,
        })
    }
}

impl FileConfig {
    /// The webhook endpoints, checked: an absolute https URL each (http too when the issuer allows
    /// insecure http, for local testing), a secret as Standard Webhooks writes them, and positive limits.
    fn webhook_settings(&self, allow_insecure_http: bool) -> Result<WebhookSettings, ConfigError> {
        let mut endpoints: Vec<WebhookEndpoint> = Vec::with_capacity(self.webhooks.len());
        for (index, webhook) in self.webhooks.iter().enumerate() {
            let scheme = reqwest::Url::parse(&webhook.url).ok().map(|url| url.scheme().to_owned());
            match scheme.as_deref() {
                Some("https") => {}
                Some("http") if allow_insecure_http => {}
                _ => {
                    return Err(invalid(format!(
                        "webhooks[{index}].url must be an absolute https URL (http with issuer.allowInsecureHttp)"
                    )));
                }
            }
            if endpoints.iter().any(|endpoint| endpoint.url == webhook.url) {
                return Err(invalid(format!("webhooks[{index}].url is configured twice")));
            }
            let secret =
                WebhookSecret::parse(&webhook.secret).map_err(|e| invalid(format!("webhooks[{index}].secret {e}")))?;
            endpoints.push(WebhookEndpoint { url: webhook.url.clone(), secret });
        }
        let positive = |value: Option<u64>, name: &str, default: u64| match value {
            Some(0) => Err(invalid(format!("{name} must be positive"))),
            value => Ok(value.unwrap_or(default)),
        };
        let max_attempts = match self.webhook_max_attempts {
            Some(0) => return Err(invalid("webhookMaxAttempts must be positive")),
            value => value.unwrap_or(DEFAULT_WEBHOOK_MAX_ATTEMPTS),
        };
        Ok(WebhookSettings {
            endpoints,
            timeout: Duration::from_secs(positive(
                self.webhook_timeout_seconds,
                "webhookTimeoutSeconds",
                DEFAULT_WEBHOOK_TIMEOUT_SECONDS,
            )?),
            max_attempts,
            max_age: Duration::from_secs(positive(
                self.webhook_max_age_seconds,
                "webhookMaxAgeSeconds",
                DEFAULT_WEBHOOK_MAX_AGE_SECONDS,
            )?),
            retry_base: Duration::from_millis(positive(
                self.webhook_retry_base_milliseconds,
                "webhookRetryBaseMilliseconds",
                DEFAULT_WEBHOOK_RETRY_BASE_MILLISECONDS,
            )?),
            outbox_cap: positive(self.webhook_outbox_cap, "webhookOutboxCap", DEFAULT_WEBHOOK_OUTBOX_CAP)?,
        })
    }
}

/// One member of the configuration file, refused by name and expected type without quoting its value.
fn member<T: DeserializeOwned>(name: &str, value: Value, expected: &str) -> Result<T, ConfigError> {
    serde_json::from_value(value).map_err(|_| invalid(format!("{name} must be {expected}")))
}

/// The metadata must describe this issuer ([`Issuer::check_metadata`]). Returns the document and the
/// path it is served at.
fn checked_metadata(issuer: &Issuer, metadata: &Value) -> Result<(String, String), ConfigError> {
    let json = metadata.to_string();
    let refused = |e: credoffer::Error| {
        invalid(format!("metadata{}: {}", e.field().map(|f| format!(".{f}")).unwrap_or_default(), e.message()))
    };
    issuer.check_metadata(&IssuerMetadata::from_json(&json).map_err(refused)?).map_err(refused)?;
    Ok((json, well_known_path(&issuer.config().credential_issuer)?))
}

/// The path part of the issuer's well-known metadata URL (`/.well-known/openid-credential-issuer/tenant`).
fn well_known_path(credential_issuer: &str) -> Result<String, ConfigError> {
    // An http issuer (allowed for local testing) has the same path as its https twin.
    let https = match credential_issuer.strip_prefix("http://") {
        Some(rest) => format!("https://{rest}"),
        None => credential_issuer.to_owned(),
    };
    let url = well_known_metadata_url(&https).map_err(|e| invalid(format!("issuer: {}", e.message())))?;
    path_of(&url).ok_or_else(|| invalid("the metadata URL has no path"))
}

/// The route serving offers by reference, from the URL template the engine writes into offers: its
/// path, where `{token}` must be the last segment (the engine checked the rest of the URL).
fn reference_route(template: &str) -> Result<String, ConfigError> {
    let path = path_of(template).filter(|_| !template.contains('?') && !template.contains('#'));
    match path {
        Some(path) if path.ends_with(&format!("/{TOKEN_PLACEHOLDER}")) && path.matches('{').count() == 1 => Ok(path),
        _ => Err(invalid(format!(
            "issuer.offerUrlTemplate must end its path with /{TOKEN_PLACEHOLDER}, without a query"
        ))),
    }
}

/// The path of an absolute URL (`https://host/a/b?q` → `/a/b`).
pub fn path_of(url: &str) -> Option<String> {
    let after_scheme = url.split_once("://")?.1;
    let path = after_scheme.find('/').map_or("/", |start| &after_scheme[start..]);
    Some(path.split(['?', '#']).next().unwrap_or(path).to_owned())
}

impl ServerConfig {
    /// What is allowed but weakens the deployment, one sentence each, for the log at startup.
    pub fn warnings(&self) -> Vec<&'static str> {
        let mut warnings = Vec::new();
        if self.issuer.config().hmac_key_hex.is_none() {
            warnings.push(
                "issuer.hmacKeyHex is not set: transaction codes are stored as salted SHA-256, which anyone \
                 holding the store can brute-force offline (a 6-digit code in about a second); configure a key \
                 of 32 random bytes, kept out of the store",
            );
        }
        warnings
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn config(issuer: Value, extra: Value) -> Result<ServerConfig, ConfigError> {
        let mut file = json!({"apiTokens": ["0123456789abcdef"], "issuer": issuer});
        if let (Some(file), Value::Object(extra)) = (file.as_object_mut(), extra) {
            file.extend(extra);
        }
        FileConfig::from_json(&file.to_string())?.finish()
    }

    fn issuer(extra: Value) -> Value {
        let mut issuer = json!({"credentialIssuer": "https://issuer.example.com/tenant", "credentialConfigurations": {"mdl": "mso_mdoc"}});
        if let (Some(issuer), Value::Object(extra)) = (issuer.as_object_mut(), extra) {
            issuer.extend(extra);
        }
        issuer
    }

    #[test]
    fn paths_of_urls() {
        assert_eq!(path_of("https://a.example/x/y?q=1#f").as_deref(), Some("/x/y"));
        assert_eq!(path_of("https://a.example").as_deref(), Some("/"));
        assert_eq!(path_of("no scheme"), None);
    }

    #[test]
    fn defaults_and_routes() {
        let server = config(issuer(json!({})), json!({})).unwrap();
        assert_eq!(server.listen, SocketAddr::from(DEFAULT_LISTEN));
        assert_eq!(server.database, Database::SqliteFile("credoffer.sqlite3".into()));
        assert_eq!((server.max_body_bytes, server.issuer.config().access_token_lifetime_seconds), (512_000, 300));
        assert!(server.metadata.is_none() && server.reference_route.is_none());

        let metadata = json!({"credential_issuer": "https://issuer.example.com/tenant",
            "credential_configurations_supported": {"mdl": {"format": "mso_mdoc"}}});
        let server = config(
            issuer(json!({"offerUrlTemplate": "https://issuer.example.com/tenant/offers/{token}"})),
            json!({"metadata": metadata, "databaseUrl": "postgresql://u:secret@db/x"}),
        )
        .unwrap();
        assert_eq!(server.metadata.unwrap().1, "/.well-known/openid-credential-issuer/tenant");
        assert_eq!(server.reference_route.as_deref(), Some("/tenant/offers/{token}"));
        let debug = format!("{:?}", server.database);
        assert!(!debug.contains("secret"), "{debug}");
    }

    #[test]
    fn connection_limits_default_and_refuse_zero() {
        let server = config(issuer(json!({})), json!({})).unwrap();
        let expected = (Duration::from_secs(10), Duration::from_secs(30), 10_000, Duration::from_secs(10));
        let limits = server.limits;
        let found =
            (limits.header_read_timeout, limits.request_timeout, limits.max_connections, limits.shutdown_deadline);
        assert_eq!(found, expected);
        let custom = json!({"headerReadTimeoutSeconds": 2, "requestTimeoutSeconds": 3, "maxConnections": 4, "shutdownDeadlineSeconds": 5});
        let limits = config(issuer(json!({})), custom).unwrap().limits;
        assert_eq!((limits.header_read_timeout.as_secs(), limits.request_timeout.as_secs()), (2, 3));
        assert_eq!((limits.max_connections, limits.shutdown_deadline.as_secs()), (4, 5));
        for member in ["headerReadTimeoutSeconds", "requestTimeoutSeconds", "maxConnections", "shutdownDeadlineSeconds"]
        {
            let error = config(issuer(json!({})), json!({member: 0})).err().unwrap();
            assert_eq!(error.0, format!("{member} must be positive"));
            let error = config(issuer(json!({})), json!({member: "ten"})).err().unwrap();
            assert_eq!(error.0, format!("{member} must be a non-negative integer"));
        }
        let error = config(issuer(json!({})), json!({"maxConnections": usize::MAX})).err().unwrap();
        assert!(error.0.starts_with("maxConnections must be at most"), "{error}");
    }

    #[test]
    fn file_errors_name_the_member_not_the_value() {
        let error = FileConfig::from_json(r#"{"apiTokens": "hidden-token-value-1"}"#).err().unwrap();
        assert_eq!(error.0, "apiTokens must be an array of strings");
        let error = FileConfig::from_json(r#"{"listen": "hidden:port"}"#).err().unwrap();
        assert_eq!(error.0, r#"listen must be a "host:port" string"#);
        let error = FileConfig::from_json(r#"{"databaseUrl": ["hidden"]}"#).err().unwrap();
        assert_eq!(error.0, "databaseUrl must be a postgres:// URL (string)");
        let error = FileConfig::from_json("[1]").err().unwrap();
        assert_eq!(error.0, "the configuration file must hold a JSON object");
        let error = FileConfig::from_json("{\n\"apiTokens\": [\"hidden").err().unwrap();
        assert_eq!(error.0, "the configuration file is not valid JSON (line 2, column 21)");
        let error = FileConfig::from_json(r#"{"extra": 1}"#).err().unwrap();
        assert_eq!(error.0, r#"the configuration has an unknown member "extra""#);
    }

    #[test]
    fn by_reference_templates_need_a_final_token_segment() {
        for template in ["https://issuer.example.com/offers/{token}/x", "https://issuer.example.com/o-{token}"] {
            let error = config(issuer(json!({"offerUrlTemplate": template})), json!({})).err().unwrap();
            assert!(error.0.contains("offerUrlTemplate"), "{template}: {error}");
        }
    }

    #[test]
    fn the_example_configuration_runs_with_every_member_as_the_defaults_give_it() {
        let example = FileConfig::from_json(include_str!("../credoffer-server.example.json")).unwrap();
        let server = example.finish().unwrap();
        assert_eq!(server.limits, ConnectionLimits::default());
        assert_eq!(server.max_body_bytes, DEFAULT_MAX_BODY_BYTES);
        assert_eq!(server.record_retention_seconds, DEFAULT_RETENTION_SECONDS);
        assert_eq!(server.sweep_interval.as_secs(), DEFAULT_SWEEP_INTERVAL_SECONDS);
        assert_eq!(server.event_stream_keep_alive.as_secs(), DEFAULT_EVENT_STREAM_KEEP_ALIVE_SECONDS);
        let webhooks = &server.webhooks;
        assert_eq!(
            (webhooks.timeout.as_secs(), webhooks.max_attempts),
            (DEFAULT_WEBHOOK_TIMEOUT_SECONDS, DEFAULT_WEBHOOK_MAX_ATTEMPTS)
        );
        assert_eq!(webhooks.max_age.as_secs(), DEFAULT_WEBHOOK_MAX_AGE_SECONDS);
        assert_eq!(webhooks.retry_base.as_millis(), u128::from(DEFAULT_WEBHOOK_RETRY_BASE_MILLISECONDS));
        assert_eq!(webhooks.outbox_cap, DEFAULT_WEBHOOK_OUTBOX_CAP);
        assert_eq!(server.listen, SocketAddr::from(DEFAULT_LISTEN));
        assert!(server.metadata.is_some());
    }

    #[test]
    fn a_missing_hmac_key_is_warned_about() {
        let without = config(issuer(json!({})), json!({})).unwrap();
        assert!(without.warnings().iter().any(|warning| warning.contains("hmacKeyHex")));
        let key = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
        let with = config(issuer(json!({"hmacKeyHex": key})), json!({})).unwrap();
        assert_eq!(with.warnings(), Vec::<&str>::new());
    }

    #[test]
    fn webhooks_are_checked_without_quoting_secrets() {
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let hook = |url: &str, secret: &str| json!({"webhooks": [{"url": url, "secret": secret}]});
        let server = config(issuer(json!({})), hook("https://hooks.example.com/in", secret)).unwrap();
        let webhooks = &server.webhooks;
        assert_eq!(webhooks.endpoints.len(), 1);
        assert_eq!((webhooks.timeout.as_secs(), webhooks.max_attempts, webhooks.max_age.as_secs()), (10, 12, 86_400));
        assert_eq!((webhooks.retry_base.as_millis(), webhooks.outbox_cap), (5_000, 100_000));
        assert_eq!(server.sweep_interval.as_secs(), 60);
        assert_eq!(server.event_stream_keep_alive.as_secs(), 15);
        assert!(!format!("{server:?}").contains("MfKQ"));

        let refused = |issuer_extra: Value, extra: Value| config(issuer(issuer_extra), extra).err().unwrap().0;
        let http = hook("http://127.0.0.1:9/in", secret);
        assert!(refused(json!({}), http.clone()).starts_with("webhooks[0].url must be an absolute https URL"));
        assert!(config(issuer(json!({"allowInsecureHttp": true})), http).is_ok());
        let wrong = "whsec_c2VjcmV0LWJ1dC10b28tc2hvcnQ=";
        let message = refused(json!({}), hook("https://hooks.example.com/in", wrong));
        assert_eq!(message, "webhooks[0].secret must hold a key of 24 to 64 bytes");
        let message = refused(json!({}), hook("https://hooks.example.com/in", "hidden-secret-value"));
        assert_eq!(message, "webhooks[0].secret must start with whsec_");
        let twice = json!({"webhooks": [{"url": "https://a.example/", "secret": secret}, {"url": "https://a.example/", "secret": secret}]});
        assert_eq!(refused(json!({}), twice), "webhooks[1].url is configured twice");
        let file = FileConfig::from_json(r#"{"webhooks": [{"url": "https://a.example", "secret": "hidden", "x": 1}]}"#);
        let message = file.err().unwrap().0;
        assert!(message.starts_with("webhooks must be an array of") && !message.contains("hidden"), "{message}");
        let file =
            FileConfig::from_json(&json!({"webhooks": [{"url": "https://a.example", "secret": secret}]}).to_string());
        assert!(!format!("{:?}", file.unwrap()).contains("MfKQ"));
        for member in [
            "webhookTimeoutSeconds",
            "webhookMaxAttempts",
            "webhookMaxAgeSeconds",
            "webhookRetryBaseMilliseconds",
            "webhookOutboxCap",
            "sweepIntervalSeconds",
            "eventStreamKeepAliveSeconds",
        ] {
            assert_eq!(refused(json!({}), json!({member: 0})), format!("{member} must be positive"));
        }
    }

    #[test]
    fn debug_hides_tokens() {
        let file =
            FileConfig::from_json(r#"{"apiTokens": ["super-secret-token-1"], "databaseUrl": "postgres://u:pw@h/d"}"#)
                .unwrap();
        let debug = format!("{file:?}");
        assert!(!debug.contains("super-secret") && !debug.contains("pw@"), "{debug}");
        let server = config(issuer(json!({})), json!({})).unwrap();
        assert!(!format!("{server:?}").contains("0123456789abcdef"));
    }
}
