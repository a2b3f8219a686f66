//! A bounded load test on loopback: a fixed number of requests over a fixed number of keep-alive
//! connections, against the real binary, reporting requests per second. It stops by itself (and
//! fails after two minutes). Run it with `cargo xtask server-load` (release build, SQLite and a
//! throwaway PostgreSQL); it is ignored in the ordinary test run.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::future::Future;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use common::{Backend, Client, MDL, Server, code_in, issuer_config, server_config};
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
