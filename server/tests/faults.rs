//! The server against slow, numerous, half-finished and hostile clients, and against being killed:
//! raw sockets on 127.0.0.1, every wait bounded.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::io::{ErrorKind, Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::os::unix::fs::PermissionsExt as _;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::{API_TOKEN, Backend, MDL, Server, TempDir, code_in, issuer_config, server_config, token_form};
use serde_json::{Value, json};

/// The longest any single wait in these tests may take before the test fails.
const PATIENCE: Duration = Duration::from_secs(20);

/// A server whose clients get one second for a head and one for a body, with `extra` configuration.
fn impatient_server(backend: &Backend, extra: Value) -> Server {
    let mut limits = json!({"headerReadTimeoutSeconds": 1, "requestTimeoutSeconds": 1});
    if let (Value::Object(limits), Value::Object(extra)) = (&mut limits, extra) {
        limits.extend(extra);
    }
    Server::start(&server_config(backend, issuer_config(json!({})), limits))
}

fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    stream
}

/// Status and body of one raw HTTP/1.1 exchange on a fresh connection the server is asked to close.
fn exchange(addr: SocketAddr, request: &[u8]) -> (u16, String) {
    let mut stream = connect(addr);
    stream.write_all(request).unwrap();
    read_response(&mut stream)
}

fn read_response(stream: &mut TcpStream) -> (u16, String) {
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text.get(9..12).and_then(|code| code.parse().ok()).unwrap_or_else(|| panic!("no status: {text:?}"));
    let body = text.split_once("\r\n\r\n").map_or(String::new(), |(_, body)| body.to_owned());
    (status, body)
}

fn request(method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Vec<u8> {
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    head.into_bytes()
}

fn health(addr: SocketAddr) -> u16 {
    exchange(addr, &request("GET", "/health", &[], "")).0
}

/// Waits for the server to close `stream`, which must happen within [`PATIENCE`]. Returns what it sent.
fn closed_by_server(mut stream: TcpStream) -> String {
    let mut received = Vec::new();
    match stream.read_to_end(&mut received) {
        Ok(_) => String::from_utf8_lossy(&received).into_owned(),
        Err(e) if e.kind() == ErrorKind::ConnectionReset => String::new(),
        Err(e) => panic!("the server kept a slow connection open: {e}"),
    }
}

fn open_files(server: &Server) -> usize {
    std::fs::read_dir(format!("/proc/{}/fd", server.pid().unwrap())).unwrap().count()
}

#[test]
fn slow_heads_and_bodies_are_cut_while_others_are_served() {
    let server = impatient_server(&Backend::SqliteMemory, json!({}));
    let addr = server.addr;
    let stop = Arc::new(AtomicBool::new(false));
    // Each slow client sends a byte every 200 ms: never idle long enough to look dead, never done.
    let trickle = |prefix: &'static [u8], then: &'static [u8]| {
        let stop = Arc::clone(&stop);
        std::thread::spawn(move || {
            let mut stream = connect(addr);
            stream.write_all(prefix).unwrap();
            for byte in then.iter().cycle() {
                if stop.load(Ordering::Relaxed) || stream.write_all(&[*byte]).is_err() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(200));
            }
            closed_by_server(stream)
        })
    };
    let token_head: &[u8] = b"POST /v1/oauth/token HTTP/1.1\r\nHost: x\r\n\
        Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\ngrant_type=";
    let heads: Vec<_> = (0..20).map(|_| trickle(b"GET /health HTTP/1.1\r\nX-Slow: ", b"a")).collect();
    let bodies: Vec<_> = (0..20).map(|_| trickle(token_head, b"x")).collect();
    // Meanwhile everyone else is served.
    for _ in 0..10 {
        assert_eq!(health(addr), 200);
        std::thread::sleep(Duration::from_millis(100));
    }
    let started = Instant::now();
    for slow in heads {
        // hyper closes a connection whose head is late without an answer.
        assert_eq!(slow.join().unwrap(), "");
    }
    for slow in bodies {
        let answer = slow.join().unwrap();
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer:?}");
        let body = answer.split_once("\r\n\r\n").unwrap().1;
        let body: Value = serde_json::from_str(body).unwrap();
        assert_eq!(body["error"], "invalid_request", "OAuth's shape at the token endpoint");
    }
    stop.store(true, Ordering::Relaxed);
    assert!(started.elapsed() < PATIENCE);
    assert_eq!(health(addr), 200);
}

#[test]
fn a_connection_flood_waits_behind_the_cap_and_health_still_answers() {
    const CAP: usize = 32;
    let server = impatient_server(&Backend::SqliteMemory, json!({"maxConnections": CAP}));
    let baseline = open_files(&server);
    // Three times the cap, sending nothing: the server holds at most CAP of them at a time and closes
    // each after the header timeout; the rest wait in the kernel's backlog, costing it no descriptor.
    let flood: Vec<TcpStream> = (0..3 * CAP).map(|_| connect(server.addr)).collect();
    std::thread::sleep(Duration::from_millis(300));
    let held = open_files(&server) - baseline;
    assert!(held <= CAP, "{held} connections held with a cap of {CAP}");
    assert_eq!(health(server.addr), 200);
    for idle in flood {
        closed_by_server(idle);
    }
    assert_eq!(health(server.addr), 200);
}

#[test]
fn shutdown_cuts_a_half_sent_request_at_its_deadline_and_exits_0() {
    // The head timeout is far longer than the deadline: only the deadline can end this.
    let mut server = impatient_server(
        &Backend::SqliteMemory,
        json!({"headerReadTimeoutSeconds": 600, "shutdownDeadlineSeconds": 1}),
    );
    let mut half_sent = connect(server.addr);
    half_sent.write_all(b"POST /v1/oauth/token HTTP/1.1\r\nHost: x\r\n").unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let status = server.stop().expect("the server exits within 10 s of SIGTERM");
    assert!(status.success(), "{status}");
    let log = server.log_text();
    assert!(log.contains("cut") && log.contains("stopped"), "{log}");
}

#[test]
fn shutdown_lets_a_request_in_flight_finish_within_the_deadline() {
    let mut server = impatient_server(
        &Backend::SqliteMemory,
        json!({"headerReadTimeoutSeconds": 600, "requestTimeoutSeconds": 600, "shutdownDeadlineSeconds": 20}),
    );
    let mut in_flight = connect(server.addr);
    let body = token_form("some-code", None);
    let (first, rest) = body.split_at(10);
    let head = format!(
        "POST /v1/oauth/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: {}\r\n\r\n{first}",
        body.len()
    );
    in_flight.write_all(head.as_bytes()).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let pid = server.pid().unwrap().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    std::thread::sleep(Duration::from_millis(300));
    // Not accepting any more, but the request under way is still read and answered.
    assert!(TcpStream::connect(server.addr).is_err(), "the listener is closed");
    in_flight.write_all(rest.as_bytes()).unwrap();
    let (status, body) = read_response(&mut in_flight);
    assert_eq!(status, 400, "{body}");
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["error"], "invalid_grant");
    let status = server.stop().expect("the server exits once the request is answered");
    assert!(status.success(), "{status}");
    assert!(!server.log_text().contains("cut"), "{}", server.log_text());
}

#[test]
fn oversized_declared_bodies_are_refused_before_they_are_read() {
    let server = impatient_server(&Backend::SqliteMemory, json!({"requestTimeoutSeconds": 600}));
    let auth = format!("Bearer {API_TOKEN}");
    for (path, content_type) in
        [("/v1/oauth/token", "application/x-www-form-urlencoded"), ("/v1/openid/offers", "application/json")]
    {
        let mut stream = connect(server.addr);
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: x\r\nAuthorization: {auth}\r\nContent-Type: {content_type}\r\n\
             Content-Length: 99999999999\r\n\r\nab"
        );
        stream.write_all(head.as_bytes()).unwrap();
        let (status, body) = read_response(&mut stream);
        assert_eq!(status, 413, "{path}");
        let body: Value = serde_json::from_str(&body).unwrap();
        let code = if path == "/v1/oauth/token" { &body["error"] } else { &body["code"] };
        assert!(code == "invalid_request" || code == "PayloadTooLarge", "{path}: {body}");
    }
}

/// A request (method, path, headers, body) and the status and error code it must get.
type Case<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)], &'a str, u16, &'a str);

#[test]
fn every_error_is_json_in_the_endpoints_shape() {
    let server = impatient_server(&Backend::SqliteMemory, json!({}));
    let auth = format!("Bearer {API_TOKEN}");
    let with_auth = [("Authorization", auth.as_str()), ("Content-Type", "application/json")];
    let offer = json!({"credentials": [MDL]}).to_string();
    let cases: [Case<'_>; 6] = [
        ("GET", "/v1/oauth/token", &[], "", 405, "invalid_request"),
        ("PUT", "/v1/openid/offers", &with_auth, &offer, 405, "MethodNotAllowed"),
        ("DELETE", "/health", &[], "", 405, "MethodNotAllowed"),
        ("DELETE", "/v1/openid/offers/pre-authorized/%FF%FE", &with_auth, "", 400, "BadRequest"),
        (
            "POST",
            "/v1/openid/offers",
            &[("Authorization", auth.as_str()), ("Content-Type", "text/plain")],
            &offer,
            415,
            "UnsupportedMediaType",
        ),
        (
            "POST",
            "/v1/openid/offers/pre-authorized",
            &[("Authorization", auth.as_str())],
            &offer,
            415,
            "UnsupportedMediaType",
        ),
    ];
    for (method, path, headers, body, status, code) in cases {
        let (answered, text) = exchange(server.addr, &request(method, path, headers, body));
        let json: Value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("{method} {path}: {text:?}"));
        assert_eq!(answered, status, "{method} {path}: {text}");
        let found = if path == "/v1/oauth/token" { &json["error"] } else { &json["code"] };
        assert_eq!(found, code, "{method} {path}: {text}");
    }
    // Heads too large for the server, well within what hyper holds.
    let long_path = format!("/v1/oauth/token?{}", "a".repeat(9000));
    let (status, text) = exchange(server.addr, &request("POST", &long_path, &[], ""));
    assert_eq!(
        (status, serde_json::from_str::<Value>(&text).unwrap()["error"].as_str()),
        (414, Some("invalid_request"))
    );
    let padding = "p".repeat(8000);
    let headers: Vec<(&str, &str)> =
        ["X-A", "X-B", "X-C", "X-D", "X-E"].iter().map(|name| (*name, padding.as_str())).collect();
    let (status, text) = exchange(server.addr, &request("GET", "/health", &headers, ""));
    assert_eq!(
        (status, serde_json::from_str::<Value>(&text).unwrap()["code"].as_str()),
        (431, Some("RequestHeaderFieldsTooLarge"))
    );
    // The token endpoint keeps asking for a form.
    let (status, text) =
        exchange(server.addr, &request("POST", "/v1/oauth/token", &[("Content-Type", "application/json")], "{}"));
    assert_eq!(status, 400);
    assert_eq!(serde_json::from_str::<Value>(&text).unwrap()["error"], "invalid_request");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_files_are_created_owner_only() {
    let dir = TempDir::new("mode");
    let path = dir.path("records.sqlite3");
    let server = impatient_server(&Backend::SqliteFile(path.clone()), json!({}));
    let offer = common::Client::connect(server.addr).await.create_pre_authorized(&json!({"credentials": [MDL]})).await;
    assert_eq!(offer.status, 200);
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir.0).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with("records.sqlite3") {
            let mode = entry.metadata().unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{name} has mode {mode:o}");
            checked += 1;
        }
    }
    assert!(checked >= 2, "the database and its WAL");
}

/// Each member that holds a secret, given a value of the wrong type that carries the secret: the
/// message names the member and never the value, on either output stream.
#[test]
fn configuration_errors_never_print_a_secret() {
    const SECRET: &str = "TOP-SECRET-VALUE-123456";
    let key = format!("00112233445566778899aabbccddeeff00112233445566778899aabbccdd{}", "eeff");
    let issuer = |extra: Value| issuer_config(extra);
    let cases = [
        (json!({"apiTokens": SECRET, "issuer": issuer(json!({}))}), "apiTokens"),
        (json!({"apiTokens": [SECRET, 7], "issuer": issuer(json!({}))}), "apiTokens"),
        (json!({"apiTokens": {"token": SECRET}, "issuer": issuer(json!({}))}), "apiTokens"),
        (json!({"apiTokens": [API_TOKEN], "databaseUrl": [SECRET], "issuer": issuer(json!({}))}), "databaseUrl"),
        (
            json!({"apiTokens": [API_TOKEN], "databaseUrl": format!("mysql://u:{SECRET}@h/d"), "issuer": issuer(json!({}))}),
            "databaseUrl",
        ),
        (json!({"apiTokens": [API_TOKEN], "issuer": issuer(json!({"hmacKeyHex": [SECRET]}))}), "hmacKeyHex"),
        (json!({"apiTokens": [API_TOKEN], "issuer": issuer(json!({"hmacKeyHex": SECRET}))}), "hmacKeyHex"),
        (
            json!({"apiTokens": [API_TOKEN], "issuer": issuer(json!({"previousHmacKeysHex": SECRET}))}),
            "previousHmacKeysHex",
        ),
        (
            json!({"apiTokens": [API_TOKEN], "issuer": issuer(json!({"previousHmacKeysHex": [SECRET]}))}),
            "previousHmacKeysHex",
        ),
        (
            json!({"apiTokens": [API_TOKEN], "issuer": issuer(json!({"previousHmacKeysHex": [{"k": SECRET}]}))}),
            "previousHmacKeysHex",
        ),
        (
            json!({"apiTokens": [API_TOKEN], "issuer": issuer(json!({"hmacKeyHex": key, "previousHmacKeysHex": [format!("{SECRET}00")]}))}),
            "previousHmacKeysHex",
        ),
    ];
    let dir = TempDir::new("secret");
    let config = dir.path("config.json");
    let mut files: Vec<(String, &str)> = cases.iter().map(|(file, member)| (file.to_string(), *member)).collect();
    // Broken JSON around a secret.
    files.push((format!(r#"{{"apiTokens": ["{SECRET}""#), "line 1"));
    for (text, member) in &files {
        std::fs::write(&config, text).unwrap();
        let output = Command::new(env!("CARGO_BIN_EXE_credoffer-server"))
            .args(["--config", config.to_str().unwrap()])
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let printed = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
        assert_eq!(output.status.code(), Some(2), "{text}: {printed}");
        assert!(printed.contains(member), "{text}: the message should name {member}: {printed}");
        assert!(!printed.contains(SECRET) && !printed.contains("TOP-SECRET"), "{text}: {printed}");
    }
    // The same through the environment.
    let output = Command::new(env!("CARGO_BIN_EXE_credoffer-server"))
        .args(["--credential-issuer", "https://issuer.example.com", "--credential-configuration", "m=mso_mdoc"])
        .env("CREDOFFER_DATABASE_URL", format!("mysql://u:{SECRET}@h/d"))
        .env("CREDOFFER_API_TOKENS", API_TOKEN)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let printed = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert_eq!(output.status.code(), Some(2), "{printed}");
    assert!(!printed.contains(SECRET), "{printed}");
}

/// One acknowledged offer: its id, its code, and whether its redemption was acknowledged too.
#[derive(Debug, Clone)]
struct Acknowledged {
    code: String,
    redeemed: bool,
}

/// What a load client saw: the offers the server acknowledged, and how many 503s it got.
#[derive(Debug, Default)]
struct Seen {
    acknowledged: Vec<Acknowledged>,
    unavailable: usize,
}

/// Creates and redeems offers from four clients until `stop` or until the server is gone. A 503
/// (the store is down) is counted and the client goes on; any other refusal fails the test.
fn creation_and_redemption_load(addr: SocketAddr, stop: &Arc<AtomicBool>) -> Vec<std::thread::JoinHandle<Seen>> {
    let auth = format!("Bearer {API_TOKEN}");
    (0..4)
        .map(|client| {
            let (stop, auth) = (Arc::clone(stop), auth.clone());
            std::thread::spawn(move || {
                let mut seen = Seen::default();
                let headers = [("Authorization", auth.as_str()), ("Content-Type", "application/json")];
                let offer = json!({"credentials": [MDL]}).to_string();
                for round in 0.. {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let created =
                        try_exchange(addr, &request("POST", "/v1/openid/offers/pre-authorized", &headers, &offer));
                    let body = match created {
                        Some((200, body)) => body,
                        Some((503, _)) => {
                            seen.unavailable += 1;
                            std::thread::sleep(Duration::from_millis(20));
                            continue;
                        }
                        Some((status, body)) => panic!("creation refused: {status} {body}"),
                        None => break,
                    };
                    let offer: Value = serde_json::from_str(&body).unwrap();
                    let code = code_in(offer["uri"].as_str().unwrap());
                    // Every other offer is redeemed at once, the rest at the end.
                    if (round + client) % 2 == 1 {
                        seen.acknowledged.push(Acknowledged { code, redeemed: false });
                        continue;
                    }
                    let form = token_form(&code, None);
                    let form_type = [("Content-Type", "application/x-www-form-urlencoded")];
                    match try_exchange(addr, &request("POST", "/v1/oauth/token", &form_type, &form)) {
                        Some((200, _)) => seen.acknowledged.push(Acknowledged { code, redeemed: true }),
                        // The store failed or the server died mid-request: whether the redemption was
                        // stored is unknown, so this offer is not checked.
                        Some((503, _)) => seen.unavailable += 1,
                        None => break,
                        Some((status, body)) => panic!("redemption refused: {status} {body}"),
                    }
                }
                seen
            })
        })
        .collect()
}

/// Every acknowledged offer is in the store: those not redeemed yet are redeemed now, once, and none
/// can be redeemed again.
async fn assert_each_redeemed_exactly_once(addr: SocketAddr, acknowledged: &[Acknowledged]) {
    let mut client = common::Client::connect(addr).await;
    for offer in acknowledged {
        if !offer.redeemed {
            let reply = client.redeem(&offer.code, None).await;
            assert_eq!(reply.status, 200, "an acknowledged offer was lost: {}", reply.body);
        }
        let reply = client.redeem(&offer.code, None).await;
        assert_eq!((reply.status, reply.json()["error"].as_str()), (400, Some("invalid_grant")), "{}", reply.body);
    }
}

/// Like [`exchange`], but `None` when the server is gone.
fn try_exchange(addr: SocketAddr, request: &[u8]) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect(addr).ok()?;
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    stream.write_all(request).ok()?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).ok()?;
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text.get(9..12)?.parse().ok()?;
    Some((status, text.split_once("\r\n\r\n")?.1.to_owned()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_under_load_loses_no_acknowledged_offer() {
    let dir = TempDir::new("kill");
    let backend = Backend::SqliteFile(dir.path("records.sqlite3"));
    let config = server_config(&backend, issuer_config(json!({})), json!({}));
    let mut acknowledged = Vec::new();
    for _ in 0..3 {
        let mut server = Server::start(&config);
        let stop = Arc::new(AtomicBool::new(false));
        let clients = creation_and_redemption_load(server.addr, &stop);
        tokio::time::sleep(Duration::from_millis(1500)).await;
        server.kill();
        stop.store(true, Ordering::Relaxed);
        for client in clients {
            let seen = client.join().unwrap();
            assert_eq!(seen.unavailable, 0);
            acknowledged.extend(seen.acknowledged);
        }
    }
    assert!(acknowledged.len() > 20, "the load made {} offers", acknowledged.len());
    let server = Server::start(&config);
    assert_each_redeemed_exactly_once(server.addr, &acknowledged).await;
}

/// Runs one of the shell commands `cargo xtask server-test` provides to stop and start its cluster.
fn postgres_control(var: &str) -> Option<String> {
    std::env::var(var).ok().filter(|command| !command.is_empty())
}

fn run_shell(command: &str) {
    let status = Command::new("sh").args(["-c", command]).status().unwrap();
    assert!(status.success(), "{command}: {status}");
}

/// Starts the cluster again when the test ends, passed or not: later tests need it.
struct RestartOnDrop(String);

impl Drop for RestartOnDrop {
    fn drop(&mut self) {
        let _ = Command::new("sh").args(["-c", &self.0]).status();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_stopped_under_load_answers_503_then_recovers() {
    let Some(backend) = Backend::postgres("postgres_stopped_under_load_answers_503_then_recovers") else { return };
    let (Some(stop_cluster), Some(start_cluster)) =
        (postgres_control("CREDOFFER_TEST_POSTGRES_STOP"), postgres_control("CREDOFFER_TEST_POSTGRES_START"))
    else {
        assert!(
            std::env::var_os("CREDOFFER_TEST_REQUIRE_POSTGRES").is_none(),
            "CREDOFFER_TEST_POSTGRES_STOP and _START must come with CREDOFFER_TEST_REQUIRE_POSTGRES"
        );
        eprintln!("SKIPPED: the PostgreSQL restart needs `cargo xtask server-test`");
        return;
    };
    let server = Server::start(&server_config(&backend, issuer_config(json!({})), json!({})));
    let addr = server.addr;
    let stop = Arc::new(AtomicBool::new(false));
    let clients = creation_and_redemption_load(addr, &stop);
    tokio::time::sleep(Duration::from_millis(700)).await;

    run_shell(&stop_cluster);
    let restart = RestartOnDrop(start_cluster.clone());
    tokio::time::sleep(Duration::from_millis(700)).await;
    let (status, body) =
        tokio::task::spawn_blocking(move || exchange(addr, &request("GET", "/health", &[], ""))).await.unwrap();
    assert_eq!(status, 503, "{body}");
    run_shell(&start_cluster);
    std::mem::forget(restart);

    // Recovery: health answers again, within the test's patience.
    let deadline = Instant::now() + PATIENCE;
    while tokio::task::spawn_blocking(move || health(addr)).await.unwrap() != 200 {
        assert!(Instant::now() < deadline, "the server did not recover");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(700)).await;
    stop.store(true, Ordering::Relaxed);
    let (mut acknowledged, mut unavailable) = (Vec::new(), 0);
    for client in clients {
        let seen = client.join().unwrap();
        acknowledged.extend(seen.acknowledged);
        unavailable += seen.unavailable;
    }
    eprintln!("{} offers acknowledged, {unavailable} answers 503 while the database was down", acknowledged.len());
    assert!(unavailable > 0, "the load met the stopped database");
    assert_each_redeemed_exactly_once(addr, &acknowledged).await;
}
