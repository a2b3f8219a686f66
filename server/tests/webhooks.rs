//! The webhook outbox across processes: deliveries pending when a server stops are made by the next
//! one; two instances sharing a store deliver every event, none twice at once; a delivery cut by
//! `kill -9` is made by the other instance once its lease runs out.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::collections::HashMap;
use std::time::Duration;

use common::receiver::{Behaviour, Receiver, SECRET, unique_path};
use common::{Backend, Client, MDL, Server, TempDir, code_in, issuer_config, server_config, wait_until};
use serde_json::{Value, json};

/// A server configuration posting to `url`, retrying quickly, each attempt cut after `timeout_seconds`
/// (long enough that a loaded machine does not turn a slow answer into a second delivery, which the
/// tests count).
fn config(backend: &Backend, url: &str, timeout_seconds: u64) -> Value {
    server_config(
        backend,
        issuer_config(json!({"allowInsecureHttp": true})),
        json!({
            "webhooks": [{"url": url, "secret": SECRET}],
            "webhookRetryBaseMilliseconds": 100,
            "webhookTimeoutSeconds": timeout_seconds,
        }),
    )
}

/// How many 2xx deliveries each event id had.
fn deliveries_by_id(receiver: &Receiver) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for received in receiver.delivered() {
        assert!(received.verified, "{received:?}");
        *counts.entry(received.id).or_default() += 1;
    }
    counts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pending_deliveries_survive_a_restart_on_an_sqlite_file() {
    let dir = TempDir::new("outbox");
    survives_a_restart(Backend::SqliteFile(dir.path("records.sqlite3"))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pending_deliveries_survive_a_restart_on_postgres() {
    if let Some(backend) = Backend::postgres("pending_deliveries_survive_a_restart_on_postgres") {
        survives_a_restart(backend).await;
    }
}

/// The receiver is down while the first server runs (its attempts fail to connect), and up for the
/// second, which delivers what the first left in the outbox.
async fn survives_a_restart(backend: Backend) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("http://127.0.0.1:{port}{}", unique_path());
    let mut first = Server::start(&config(&backend, &url, 2));
    let offer = Client::connect(first.addr).await.create_pre_authorized(&json!({"credentials": [MDL]})).await.json();
    let event_id = format!("{}.1", offer["id"].as_str().unwrap());
    wait_until("a delivery failed", Duration::from_secs(10), || {
        first.log_text().contains("webhook delivery failed; it will be retried")
    })
    .await;
    assert!(first.log_text().contains("could not connect"));
    first.stop();

    let receiver = Receiver::start_on(port, Behaviour::default()).await;
    let _second = Server::start(&config(&backend, &url, 2));
    wait_until("the pending event is delivered", Duration::from_secs(20), || {
        deliveries_by_id(&receiver).contains_key(&event_id)
    })
    .await;
    assert_eq!(deliveries_by_id(&receiver), HashMap::from([(event_id, 1)]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_postgres_deliver_every_event_once() {
    if let Some(backend) = Backend::postgres("two_instances_on_postgres_deliver_every_event_once") {
        two_instances_under_load(backend).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_one_sqlite_file_deliver_every_event_once() {
    let dir = TempDir::new("outbox");
    two_instances_under_load(Backend::SqliteFile(dir.path("records.sqlite3"))).await;
}

/// Offers created on one instance and redeemed on the other, in parallel: both workers lease from one
/// outbox, each event arrives, and none twice (no instance died, so not even one after another).
async fn two_instances_under_load(backend: Backend) {
    const OFFERS: usize = 30;
    let receiver = Receiver::start(Behaviour { delay: Duration::from_millis(5), ..Behaviour::default() }).await;
    let config = config(&backend, &receiver.url(), 10);
    let instances = [Server::start(&config), Server::start(&config)];
    let addrs = [instances[0].addr, instances[1].addr];
    let tasks: Vec<_> = (0..OFFERS)
        .map(|n| {
            tokio::spawn(async move {
                let mut creator = Client::connect(addrs[n % 2]).await;
                let offer = creator.create_pre_authorized(&json!({"credentials": [MDL]})).await.json();
                let code = code_in(offer["uri"].as_str().unwrap());
                let reply = Client::connect(addrs[(n + 1) % 2]).await.redeem(&code, None).await;
                assert_eq!(reply.status, 200, "{}", reply.body);
                offer["id"].as_str().unwrap().to_owned()
            })
        })
        .collect();
    let mut expected = HashMap::new();
    for task in tasks {
        let id = task.await.unwrap();
        expected.insert(format!("{id}.1"), 1);
        expected.insert(format!("{id}.2"), 1);
    }
    wait_until("every event is delivered", Duration::from_secs(30), || {
        deliveries_by_id(&receiver).len() >= expected.len()
    })
    .await;
    // Anything late would show up now.
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(deliveries_by_id(&receiver), expected);
    assert_eq!(receiver.concurrent_duplicates(), Vec::<String>::new());
    // The receiver records a delivery before its answer reaches the server, which logs after reading it.
    let logged = || instances.iter().map(Server::log_text).collect::<String>().matches("webhook delivered").count();
    wait_until("every delivery is logged", Duration::from_secs(10), || logged() >= expected.len()).await;
    assert_eq!(logged(), expected.len(), "each event delivered by one instance, once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivery_cut_by_kill_is_made_by_the_other_instance_on_postgres() {
    if let Some(backend) = Backend::postgres("a_delivery_cut_by_kill_is_made_by_the_other_instance_on_postgres") {
        killed_mid_delivery(backend).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivery_cut_by_kill_is_made_by_the_other_instance_on_one_sqlite_file() {
    let dir = TempDir::new("outbox");
    killed_mid_delivery(Backend::SqliteFile(dir.path("records.sqlite3"))).await;
}

/// The receiver holds the first instance's delivery open; that instance is killed with SIGKILL, so its
/// lease stays until it runs out (timeout + 2 s: 7 s); then the second instance, started after the lease was
/// taken, delivers the event.
async fn killed_mid_delivery(backend: Backend) {
    let receiver = Receiver::start(Behaviour { hold_first: true, ..Behaviour::default() }).await;
    let config = config(&backend, &receiver.url(), 5);
    let mut first = Server::start(&config);
    let offer = Client::connect(first.addr).await.create_pre_authorized(&json!({"credentials": [MDL]})).await.json();
    let event_id = format!("{}.1", offer["id"].as_str().unwrap());
    wait_until("the first instance is delivering", Duration::from_secs(10), || receiver.requests() == 1).await;
    let second = Server::start(&config);
    first.kill();
    receiver.release();
    wait_until("the other instance delivers", Duration::from_secs(20), || {
        deliveries_by_id(&receiver).contains_key(&event_id)
    })
    .await;
    assert_eq!(deliveries_by_id(&receiver), HashMap::from([(event_id, 1)]));
    assert_eq!(receiver.concurrent_duplicates(), Vec::<String>::new());
    // The receiver records a delivery before its answer reaches the server, which logs after reading it.
    wait_until("the second instance logs the delivery", Duration::from_secs(10), || {
        second.log_text().contains("webhook delivered")
    })
    .await;
}
