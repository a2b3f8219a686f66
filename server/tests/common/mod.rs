//! Test helpers: start the real `credoffer-server` binary on 127.0.0.1, talk HTTP/1.1 to it.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

pub mod receiver;

/// Tests `$name(backend)` once on SQLite in memory (`sqlite::$name`) and once on PostgreSQL
/// (`postgres::$name`, skipped without `CREDOFFER_TEST_DATABASE_URL`). The calling file imports
/// `Backend`.
#[allow(unused_macros)]
macro_rules! on_every_backend {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(super::Backend::SqliteMemory).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if let Some(backend) = super::Backend::postgres(concat!("postgres::", stringify!($name))) {
                        super::$name(backend).await;
                    }
                }
            )*
        }
    };
}

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use credoffer::{OfferUri, ParseOptions, parse_offer_uri};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::{SendRequest, handshake};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::net::TcpStream;

pub const API_TOKEN: &str = "test-api-token-0123456789abcdef";
pub const ISSUER: &str = "https://issuer.example.com";
pub const MDL: &str = "707e920a-f342-443b-ae24-6946b7b5033e";
pub const PID: &str = "pid-sd-jwt";
pub const PRE_AUTH_GRANT: &str = "urn:ietf:params:oauth:grant-type:pre-authorized_code";
const POSTGRES_URL_VAR: &str = "CREDOFFER_TEST_DATABASE_URL";
const REQUIRE_POSTGRES_VAR: &str = "CREDOFFER_TEST_REQUIRE_POSTGRES";

/// Where a test server keeps its records.
#[derive(Debug, Clone)]
pub enum Backend {
    SqliteMemory,
    SqliteFile(PathBuf),
    Postgres(String),
}

impl Backend {
    /// PostgreSQL from `CREDOFFER_TEST_DATABASE_URL`. Without it the test is skipped with a message,
    /// unless `cargo xtask server-test` (which sets CREDOFFER_TEST_REQUIRE_POSTGRES) runs it.
    pub fn postgres(test: &str) -> Option<Backend> {
        match std::env::var(POSTGRES_URL_VAR) {
            Ok(url) if !url.is_empty() => Some(Backend::Postgres(url)),
            _ if std::env::var_os(REQUIRE_POSTGRES_VAR).is_some() => {
                panic!("{test}: {REQUIRE_POSTGRES_VAR} is set but {POSTGRES_URL_VAR} is not")
            }
            _ => {
                eprintln!(
                    "SKIPPED {test}: set {POSTGRES_URL_VAR}=postgres://… to run it, or run `cargo xtask server-test`, \
                     which starts a PostgreSQL server"
                );
                None
            }
        }
    }

    fn config(&self) -> Value {
        match self {
            Backend::SqliteMemory => json!({"sqlite": ":memory:"}),
            Backend::SqliteFile(path) => json!({"sqlite": path}),
            Backend::Postgres(url) => json!({"databaseUrl": url}),
        }
    }
}

/// A fresh directory under the system temp dir, removed on drop.
#[derive(Debug)]
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(name: &str) -> TempDir {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "credoffer-server-{name}-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The issuer configuration the tests use, with `extra` members merged in.
pub fn issuer_config(extra: Value) -> Value {
    let mut issuer = json!({
        "credentialIssuer": ISSUER,
        "credentialConfigurations": {MDL: "mso_mdoc", PID: "dc+sd-jwt"},
    });
    if let (Value::Object(issuer), Value::Object(extra)) = (&mut issuer, extra) {
        issuer.extend(extra);
    }
    issuer
}

/// Server configuration: the backend, the API token, the issuer, and `extra` top-level members.
pub fn server_config(backend: &Backend, issuer: Value, extra: Value) -> Value {
    let mut config = backend.config();
    let object = config.as_object_mut().unwrap();
    object.insert("apiTokens".into(), json!([API_TOKEN]));
    object.insert("issuer".into(), issuer);
    if let Value::Object(extra) = extra {
        object.extend(extra);
    }
    config
}

/// A running `credoffer-server` process. Stopped with SIGTERM on drop.
#[derive(Debug)]
pub struct Server {
    child: Option<Child>,
    pub addr: SocketAddr,
    pub log: PathBuf,
    pub dir: TempDir,
}

impl Server {
    /// Starts the binary with this configuration on 127.0.0.1 and a free port.
    pub fn start(config: &Value) -> Server {
        Self::start_with(config, &[], &[])
    }

    pub fn start_with(config: &Value, args: &[&str], env: &[(&str, &str)]) -> Server {
        let dir = TempDir::new("run");
        let config_path = dir.path("config.json");
        std::fs::write(&config_path, config.to_string()).unwrap();
        let log = dir.path("server.log");
        let mut child = Command::new(env!("CARGO_BIN_EXE_credoffer-server"))
            .arg("--config")
            .arg(&config_path)
            .args(["--listen", "127.0.0.1:0"])
            .args(if args.contains(&"--log-level") { &[][..] } else { &["--log-level", "debug"][..] })
            .args(args)
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("start credoffer-server");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let Some(addr) = line.trim().strip_prefix("credoffer-server listening on http://") else {
            let _ = child.wait();
            panic!("the server did not start: {line:?}\n{}", std::fs::read_to_string(&log).unwrap_or_default());
        };
        let addr = addr.parse().unwrap();
        Server { child: Some(child), addr, log, dir }
    }

    /// SIGTERM, then waits up to 10 s for the exit.
    pub fn stop(&mut self) -> Option<ExitStatus> {
        let mut child = self.child.take()?;
        let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
        None
    }

    /// The process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// SIGKILL: the process gets no chance to finish anything.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Runs the binary to completion (for configuration errors).
pub fn run_binary(args: &[&str], env: &[(&str, &str)]) -> (Option<i32>, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_credoffer-server"))
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    (output.status.code(), String::from_utf8_lossy(&output.stderr).into_owned())
}

/// An HTTP response, read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: hyper::HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.body))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }
}

/// One HTTP/1.1 connection with keep-alive.
#[derive(Debug)]
pub struct Client {
    sender: SendRequest<Full<Bytes>>,
    addr: SocketAddr,
}

impl Client {
    pub async fn connect(addr: SocketAddr) -> Client {
        let stream = TcpStream::connect(addr).await.unwrap();
        stream.set_nodelay(true).unwrap();
        let (sender, connection) = handshake(TokioIo::new(stream)).await.unwrap();
        tokio::spawn(connection);
        Client { sender, addr }
    }

    pub async fn send(&mut self, method: &str, path: &str, headers: &[(&str, &str)], body: impl Into<Bytes>) -> Reply {
        let mut request = hyper::Request::builder().method(method).uri(path).header("host", self.addr.to_string());
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.sender.ready().await.unwrap();
        let response = self.sender.send_request(request.body(Full::new(body.into())).unwrap()).await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        Reply { status, headers, body: String::from_utf8(bytes.to_vec()).unwrap() }
    }

    /// POST of a JSON body with the API token.
    pub async fn post_json(&mut self, path: &str, body: &Value) -> Reply {
        let auth = format!("Bearer {API_TOKEN}");
        self.send("POST", path, &[("authorization", &auth), ("content-type", "application/json")], body.to_string())
            .await
    }

    pub async fn create_pre_authorized(&mut self, body: &Value) -> Reply {
        self.post_json("/v1/openid/offers/pre-authorized", body).await
    }

    pub async fn token(&mut self, form: &str) -> Reply {
        self.send("POST", "/v1/oauth/token", &[("content-type", "application/x-www-form-urlencoded")], form.to_owned())
            .await
    }

    /// The pre-authorized code grant with this code and transaction code.
    pub async fn redeem(&mut self, code: &str, tx_code: Option<&str>) -> Reply {
        self.token(&token_form(code, tx_code)).await
    }

    /// RFC 7662 introspection of `token`, with the API token.
    pub async fn introspect(&mut self, token: &str) -> Reply {
        let auth = format!("Bearer {API_TOKEN}");
        let headers = [("authorization", auth.as_str()), ("content-type", "application/x-www-form-urlencoded")];
        self.send("POST", "/v1/oauth/introspect", &headers, format!("token={}", percent_encode(token))).await
    }

    pub async fn get(&mut self, path: &str) -> Reply {
        self.send("GET", path, &[], Bytes::new()).await
    }

    /// `GET /v1/openid/offers/pre-authorized/{id}` with the API token: the status JSON.
    pub async fn status(&mut self, id: &str) -> Value {
        let auth = format!("Bearer {API_TOKEN}");
        let reply =
            self.send("GET", &format!("/v1/openid/offers/pre-authorized/{id}"), &[("authorization", &auth)], "").await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        reply.json()
    }

    /// Opens `GET /v1/openid/offers/pre-authorized/{id}/events` (after `last_event_id`): returns once the
    /// response head arrived, with a task that reads the stream to its end (or fails after 30 s).
    pub async fn open_events(
        &mut self,
        id: &str,
        last_event_id: Option<&str>,
    ) -> tokio::task::JoinHandle<Vec<SseEvent>> {
        let body = self.event_stream(id, last_event_id).await;
        tokio::spawn(async move {
            let read = tokio::time::timeout(Duration::from_secs(30), body.collect());
            let bytes = read.await.expect("the stream did not end within 30 s").unwrap().to_bytes();
            parse_sse(std::str::from_utf8(&bytes).unwrap())
        })
    }

    /// The body of an offer's event stream, once its head arrived with status 200 and the stream's type.
    pub async fn event_stream(&mut self, id: &str, last_event_id: Option<&str>) -> hyper::body::Incoming {
        let auth = format!("Bearer {API_TOKEN}");
        let mut request = hyper::Request::builder()
            .uri(format!("/v1/openid/offers/pre-authorized/{id}/events"))
            .header("host", self.addr.to_string())
            .header("authorization", auth);
        if let Some(last) = last_event_id {
            request = request.header("last-event-id", last);
        }
        self.sender.ready().await.unwrap();
        let response = self.sender.send_request(request.body(Full::new(Bytes::new())).unwrap()).await.unwrap();
        assert_eq!(response.status(), 200);
        let content_type = response.headers().get("content-type").unwrap().to_str().unwrap().to_owned();
        assert_eq!(content_type, "text/event-stream");
        response.into_body()
    }

    /// An offer's whole event stream (it must end: the offer ended).
    pub async fn events(&mut self, id: &str, last_event_id: Option<&str>) -> Vec<SseEvent> {
        self.open_events(id, last_event_id).await.await.unwrap()
    }
}

/// One server-sent event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    pub id: String,
    pub event: String,
    pub data: Value,
}

/// The events of a `text/event-stream` body (comments skipped).
pub fn parse_sse(text: &str) -> Vec<SseEvent> {
    text.split("\n\n")
        .filter_map(|block| {
            let (mut id, mut event, mut data) = (None, None, None);
            for line in block.lines() {
                match line.split_once(':') {
                    Some(("id", value)) => id = Some(value.trim_start().to_owned()),
                    Some(("event", value)) => event = Some(value.trim_start().to_owned()),
                    Some(("data", value)) => data = Some(serde_json::from_str(value.trim_start()).unwrap()),
                    _ => {}
                }
            }
            Some(SseEvent { id: id?, event: event?, data: data? })
        })
        .collect()
}

/// The types of `events`, in order.
pub fn types(events: &[SseEvent]) -> Vec<&str> {
    events.iter().map(|event| event.event.as_str()).collect()
}

/// The offer URL's path (by reference).
pub fn reference_path(uri: &str) -> String {
    match parse_offer_uri(uri, &ParseOptions::default()).unwrap() {
        OfferUri::ByReference(reference) => reference.uri.strip_prefix(ISSUER).unwrap().to_owned(),
        OfferUri::ByValue(_) => panic!("expected an offer by reference: {uri}"),
    }
}

/// Polls `condition` every 20 ms until it holds; fails the test after `limit`.
pub async fn wait_until(what: &str, limit: Duration, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !condition() {
        assert!(Instant::now() < deadline, "timed out after {limit:?} waiting until {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A form-encoded token request of the pre-authorized code grant.
pub fn token_form(code: &str, tx_code: Option<&str>) -> String {
    let mut form =
        format!("grant_type={}&pre-authorized_code={}", percent_encode(PRE_AUTH_GRANT), percent_encode(code));
    if let Some(tx_code) = tx_code {
        form.push_str(&format!("&tx_code={}", percent_encode(tx_code)));
    }
    form
}

/// The pre-authorized code in an offer URI (by value).
pub fn code_in(uri: &str) -> String {
    match parse_offer_uri(uri, &ParseOptions::default()).unwrap() {
        OfferUri::ByValue(parsed) => parsed.offer.pre_authorized_code_grant().unwrap().pre_authorized_code.clone(),
        OfferUri::ByReference(reference) => panic!("expected an offer by value, got {}", reference.uri),
    }
}

/// A transaction code that is not `right` (same length and alphabet).
pub fn wrong_code(right: &str) -> String {
    right.chars().map(|c| if c == '0' { '1' } else { '0' }).collect()
}

/// RFC 3986 percent-encoding with only unreserved characters raw, as a careful client writes a form.
pub fn percent_encode(text: &str) -> String {
    const RESERVED: &percent_encoding::AsciiSet =
        &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');
    percent_encoding::utf8_percent_encode(text, RESERVED).to_string()
}
