//! A bounded load test on loopback: a fixed number of requests over a fixed number of keep-alive
//! connections, against the real binary, reporting requests per second. It stops by itself (and
//! fails after two minutes). Run it with `cargo xtask server-load` (release build, SQLite and a
//! throwaway PostgreSQL); it is ignored in the ordinary test run.
//!
//! The soak (`cargo xtask server-load --soak SECONDS`) creates and redeems offers for that long on
//! an SQLite file and on PostgreSQL, and reports requests per second, latency percentiles and the
//! server's resident memory at its start and end.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::future::Future;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use common::{Backend, Client, MDL, Server, TempDir, code_in, issuer_config, server_config};
use serde_json::json;

const CONNECTIONS: usize = 16;
const DEFAULT_REQUESTS: usize = 4000;
const PHASE_LIMIT: Duration = Duration::from_secs(120);

fn requests() -> usize {
    std::env::var("CREDOFFER_LOAD_REQUESTS").ok().and_then(|n| n.parse().ok()).unwrap_or(DEFAULT_REQUESTS)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "load test: cargo xtask server-load"]
async fn load_sqlite_in_memory() {
    load("SQLite in memory", Backend::SqliteMemory).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "load test: cargo xtask server-load"]
async fn load_postgres() {
    if let Some(backend) = Backend::postgres("load_postgres") {
        load("PostgreSQL", backend).await;
    }
}

/// Runs `per_connection(client, share)` on every connection at once; returns the results and the
/// requests per second over the whole phase.
async fn phase<T, F, Fut>(addr: SocketAddr, total: usize, per_connection: F) -> (Vec<T>, f64)
where
    T: Send + 'static,
    F: Fn(Client, usize, usize) -> Fut,
    Fut: Future<Output = Vec<T>> + Send + 'static,
{
    let mut clients = Vec::new();
    for _ in 0..CONNECTIONS {
        clients.push(Client::connect(addr).await);
    }
    let share = total / CONNECTIONS;
    let started = Instant::now();
    let tasks: Vec<_> =
        clients.into_iter().enumerate().map(|(n, client)| tokio::spawn(per_connection(client, n, share))).collect();
    let mut results = Vec::new();
    for task in tasks {
        results.extend(tokio::time::timeout(PHASE_LIMIT, task).await.expect("the phase finished in time").unwrap());
    }
    let rate = results.len() as f64 / started.elapsed().as_secs_f64();
    (results, rate)
}

async fn load(name: &str, backend: Backend) {
    let server = Server::start_with(
        &server_config(&backend, issuer_config(json!({})), json!({})),
        &["--log-level", "info"],
        &[],
    );
    let total = requests() / CONNECTIONS * CONNECTIONS;

    let (created, create_rate) = phase(server.addr, total, |mut client, _, share| async move {
        let mut offers = Vec::with_capacity(share);
        for _ in 0..share {
            let reply =
                client.create_pre_authorized(&json!({"credentials": [MDL], "transactionCodeConfiguration": {}})).await;
            assert_eq!(reply.status, 200, "{}", reply.body);
            let offer = reply.json();
            offers
                .push((code_in(offer["uri"].as_str().unwrap()), offer["transactionCode"].as_str().unwrap().to_owned()));
        }
        offers
    })
    .await;

    let mut shares: Vec<Vec<(String, String)>> = (0..CONNECTIONS).map(|_| Vec::new()).collect();
    for (n, offer) in created.into_iter().enumerate() {
        shares[n % CONNECTIONS].push(offer);
    }
    let shares = std::sync::Arc::new(shares);
    let (redeemed, redeem_rate) = phase(server.addr, total, |mut client, n, _| {
        let shares = std::sync::Arc::clone(&shares);
        async move {
            let mut statuses = Vec::new();
            for (code, tx_code) in &shares[n] {
                let reply = client.redeem(code, Some(tx_code)).await;
                assert_eq!(reply.status, 200, "{}", reply.body);
                statuses.push(reply.status);
            }
            statuses
        }
    })
    .await;
    assert_eq!(redeemed.len(), total, "every offer redeemed once");

    let (authorization, authorization_rate) = phase(server.addr, total, |mut client, _, share| async move {
        let mut statuses = Vec::with_capacity(share);
        for _ in 0..share {
            let reply = client.post_json("/v1/openid/offers", &json!({"credentials": [MDL]})).await;
            assert_eq!(reply.status, 200, "{}", reply.body);
            statuses.push(reply.status);
        }
        statuses
    })
    .await;
    assert_eq!(authorization.len(), total);

    println!("load [{name}]: {total} requests per phase over {CONNECTIONS} keep-alive connections on 127.0.0.1");
    println!("  POST /v1/openid/offers/pre-authorized (stored) {create_rate:9.0} requests/s");
    println!("  POST /v1/oauth/token (redeem, CAS write)       {redeem_rate:9.0} requests/s");
    println!("  POST /v1/openid/offers (no store)              {authorization_rate:9.0} requests/s");
}

/// How long each soak runs, from `CREDOFFER_SOAK_SECONDS`.
fn soak_duration() -> Duration {
    let seconds = std::env::var("CREDOFFER_SOAK_SECONDS").ok().and_then(|n| n.parse().ok());
    Duration::from_secs(
        seconds.expect("CREDOFFER_SOAK_SECONDS: run the soak with `cargo xtask server-load --soak SECONDS`"),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "soak: cargo xtask server-load --soak SECONDS"]
async fn soak_sqlite_file() {
    let dir = TempDir::new("soak");
    soak("SQLite file", Backend::SqliteFile(dir.path("records.sqlite3"))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "soak: cargo xtask server-load --soak SECONDS"]
async fn soak_postgres() {
    if let Some(backend) = Backend::postgres("soak_postgres") {
        soak("PostgreSQL", backend).await;
    }
}

/// The server's resident memory in KiB (`VmRSS` in /proc).
fn resident_kib(server: &Server) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{}/status", server.pid().unwrap())).unwrap();
    let line = status.lines().find(|line| line.starts_with("VmRSS:")).expect("VmRSS in /proc/PID/status");
    line.split_whitespace().nth(1).and_then(|kib| kib.parse().ok()).expect("VmRSS in KiB")
}

/// The latency below which `fraction` of `sorted` fall.
fn percentile(sorted: &[Duration], fraction: f64) -> Duration {
    let rank = ((sorted.len() as f64 * fraction).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// Every connection creates an offer with a transaction code and redeems it, again and again, until
/// the soak's time is up; each request's latency is kept.
async fn soak(name: &str, backend: Backend) {
    let duration = soak_duration();
    let server = Server::start_with(
        &server_config(&backend, issuer_config(json!({})), json!({})),
        &["--log-level", "warn"],
        &[],
    );
    let memory_at_start = resident_kib(&server);
    let started = Instant::now();
    let deadline = started + duration;
    let mut tasks = Vec::new();
    for _ in 0..CONNECTIONS {
        let mut client = Client::connect(server.addr).await;
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while Instant::now() < deadline {
                let sent = Instant::now();
                let body = json!({"credentials": [MDL], "transactionCodeConfiguration": {}});
                let reply = client.create_pre_authorized(&body).await;
                latencies.push(sent.elapsed());
                assert_eq!(reply.status, 200, "{}", reply.body);
                let offer = reply.json();
                let code = code_in(offer["uri"].as_str().unwrap());
                let sent = Instant::now();
                let reply = client.redeem(&code, offer["transactionCode"].as_str()).await;
                latencies.push(sent.elapsed());
                assert_eq!(reply.status, 200, "{}", reply.body);
            }
            latencies
        }));
    }
    let mut latencies = Vec::new();
    for task in tasks {
        let limit = duration + PHASE_LIMIT;
        latencies.extend(tokio::time::timeout(limit, task).await.expect("the soak ended in time").unwrap());
    }
    let elapsed = started.elapsed().as_secs_f64();
    let memory_at_end = resident_kib(&server);
    latencies.sort_unstable();
    let millis = |latency: Duration| latency.as_secs_f64() * 1000.0;
    println!(
        "soak [{name}]: {:.0} s, {CONNECTIONS} keep-alive connections on 127.0.0.1, each creating and redeeming offers",
        elapsed
    );
    println!("  {} requests, {:.0} requests/s", latencies.len(), latencies.len() as f64 / elapsed);
    println!(
        "  latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        millis(percentile(&latencies, 0.50)),
        millis(percentile(&latencies, 0.99)),
        millis(latencies.last().copied().unwrap_or_default())
    );
    println!("  server resident memory {} KiB at start, {} KiB at end", memory_at_start, memory_at_end);
}
