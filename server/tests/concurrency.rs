//! 200 parallel token requests with wrong and right transaction codes against the same offers, on
//! every store (two server processes on one PostgreSQL and on one SQLite file; one on a file and one
//! in memory): at most one redemption per offer, exactly the configured number of failed attempts,
//! and, where the store can be read afterwards, every transition stored (the version counts them).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::sync::Arc;

use common::{Backend, Client, MDL, Server, TempDir, code_in, issuer_config, server_config, wrong_code};
use credoffer::record::OfferState;
use credoffer_server::store::{self, Lookup};
use serde_json::json;
use tokio::sync::Barrier;

const MAX_FAILED_ATTEMPTS: usize = 3;
/// Offers that only ever see wrong codes, and offers that see both.
const WRONG_ONLY_OFFERS: usize = 8;
const MIXED_OFFERS: usize = 8;
/// 8 × 10 + 8 × (10 + 5) = 200 requests.
const WRONG_PER_OFFER: usize = 10;
const RIGHT_PER_OFFER: usize = 5;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_postgres() {
    if let Some(backend) = Backend::postgres("two_instances_on_postgres") {
        race(backend, 2).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_one_sqlite_file() {
    let dir = TempDir::new("race");
    race(Backend::SqliteFile(dir.path("records.sqlite3")), 2).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_instance_on_an_sqlite_file() {
    let dir = TempDir::new("race");
    race(Backend::SqliteFile(dir.path("records.sqlite3")), 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_instance_in_memory() {
    race(Backend::SqliteMemory, 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_introspects_on_the_other_instance_on_postgres() {
    if let Some(backend) = Backend::postgres("a_token_introspects_on_the_other_instance_on_postgres") {
        introspect_across_instances(backend).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_introspects_on_the_other_instance_on_one_sqlite_file() {
    let dir = TempDir::new("introspect");
    introspect_across_instances(Backend::SqliteFile(dir.path("records.sqlite3"))).await;
}

/// One instance issues the token; the other answers for it, and revokes it on a replay the first sees.
async fn introspect_across_instances(backend: Backend) {
    let config = server_config(&backend, issuer_config(json!({})), json!({}));
    let instances = [Server::start(&config), Server::start(&config)];
    let mut first = Client::connect(instances[0].addr).await;
    let mut second = Client::connect(instances[1].addr).await;
    let reply = first.create_pre_authorized(&json!({"credentials": [MDL]})).await;
    let code = code_in(reply.json()["uri"].as_str().unwrap());
    let reply = first.redeem(&code, None).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let token = reply.json()["access_token"].as_str().unwrap().to_owned();
    assert_eq!(second.introspect(&token).await.json()["active"], true);
    assert_eq!(second.redeem(&code, None).await.status, 400);
    assert_eq!(first.introspect(&token).await.json(), json!({"active": false}));
}

struct Attempt {
    offer: usize,
    right: bool,
    status: u16,
    error: Option<String>,
    description: String,
}

async fn race(backend: Backend, instance_count: usize) {
    let config = server_config(
        &backend,
        issuer_config(json!({"txCode": {"maxFailedAttempts": MAX_FAILED_ATTEMPTS}})),
        json!({}),
    );
    let instances: Vec<Server> = (0..instance_count).map(|_| Server::start(&config)).collect();

    let mut offers = Vec::new();
    let mut client = Client::connect(instances[0].addr).await;
    for _ in 0..WRONG_ONLY_OFFERS + MIXED_OFFERS {
        let reply =
            client.create_pre_authorized(&json!({"credentials": [MDL], "transactionCodeConfiguration": {}})).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let offer = reply.json();
        offers.push((
            offer["id"].as_str().unwrap().to_owned(),
            code_in(offer["uri"].as_str().unwrap()),
            offer["transactionCode"].as_str().unwrap().to_owned(),
        ));
    }

    // Every request on its own connection, alternating instances, released together.
    let mut plan = Vec::new();
    for (index, _) in offers.iter().enumerate() {
        let rights = if index < WRONG_ONLY_OFFERS { 0 } else { RIGHT_PER_OFFER };
        plan.extend((0..WRONG_PER_OFFER).map(|_| (index, false)));
        plan.extend((0..rights).map(|_| (index, true)));
    }
    let barrier = Arc::new(Barrier::new(plan.len()));
    let mut tasks = Vec::new();
    for (n, (offer, right)) in plan.iter().copied().enumerate() {
        let addr = instances[n % instance_count].addr;
        let (_, code, tx_code) = offers[offer].clone();
        let barrier = Arc::clone(&barrier);
        tasks.push(tokio::spawn(async move {
            let mut client = Client::connect(addr).await;
            barrier.wait().await;
            let sent = if right { tx_code } else { wrong_code(&tx_code) };
            let reply = client.redeem(&code, Some(&sent)).await;
            let body = reply.json();
            Attempt {
                offer,
                right,
                status: reply.status,
                error: body["error"].as_str().map(str::to_owned),
                description: body["error_description"].as_str().unwrap_or_default().to_owned(),
            }
        }));
    }
    let mut attempts = Vec::new();
    for task in tasks {
        attempts.push(task.await.unwrap());
    }
    assert_eq!(attempts.len(), plan.len(), "every request answered");

    // A database in memory dies with its server: there, the answers alone are checked.
    let database = match &backend {
        Backend::Postgres(url) => Some(credoffer_server::Database::Postgres(url.clone())),
        Backend::SqliteFile(path) => Some(credoffer_server::Database::SqliteFile(path.to_string_lossy().into_owned())),
        Backend::SqliteMemory => None,
    };
    let store = match &database {
        Some(database) => Some(store::open(database, store::OutboxPolicy::default()).await.unwrap()),
        None => None,
    };
    let mut redeemed = 0;
    for (index, (id, _, _)) in offers.iter().enumerate() {
        let mine: Vec<&Attempt> = attempts.iter().filter(|a| a.offer == index).collect();
        for attempt in &mine {
            assert!(
                attempt.status == 200 || (attempt.status == 400 && attempt.error.as_deref() == Some("invalid_grant")),
                "offer {index}: unexpected answer {} {:?} {}",
                attempt.status,
                attempt.error,
                attempt.description
            );
            assert!(attempt.status != 200 || attempt.right, "a wrong code was accepted");
        }
        let successes = mine.iter().filter(|a| a.status == 200).count();
        let failed = mine.iter().filter(|a| a.description.starts_with("the transaction code is wrong")).count();
        assert!(successes <= 1 && failed <= MAX_FAILED_ATTEMPTS, "offer {index}: {successes} redeemed, {failed} wrong");
        assert!(successes == 1 || failed == MAX_FAILED_ATTEMPTS, "offer {index}: neither redeemed nor invalidated");
        if successes == 1 {
            redeemed += 1;
        }
        if index < WRONG_ONLY_OFFERS {
            assert_eq!((successes, failed), (0, MAX_FAILED_ATTEMPTS), "offer {index}: only wrong codes were sent");
        }
        let Some(store) = &store else { continue };
        let record = store.find(Lookup::Id(id)).await.unwrap().expect("the record is stored");
        let transitions = usize::try_from(record.version - 1).unwrap();
        // A right code presented after the redemption revokes the token it issued: one more transition.
        let revoked = usize::from(record.access_token.as_ref().is_some_and(|token| token.revoked));
        assert_eq!(transitions, failed + successes + revoked, "offer {index}: every transition is stored once");
        assert_eq!(record.failed_attempts_left as usize, MAX_FAILED_ATTEMPTS - failed, "offer {index}");
        match record.state {
            OfferState::Redeemed => {
                assert_eq!(successes, 1, "offer {index}: redeemed exactly once");
                assert!(failed < MAX_FAILED_ATTEMPTS, "offer {index}");
            }
            OfferState::Invalidated => {
                assert_eq!((successes, failed), (0, MAX_FAILED_ATTEMPTS), "offer {index}");
            }
            other => panic!("offer {index} ended {other:?}"),
        }
        if index < WRONG_ONLY_OFFERS {
            assert_eq!(record.state, OfferState::Invalidated, "offer {index}: only wrong codes were sent");
        }
    }
    let retries: usize =
        instances.iter().map(|server| server.log_text().matches("the record changed meanwhile").count()).sum();
    eprintln!(
        "{} token requests on {} offers over {instance_count} instance(s): {redeemed} redeemed, {} invalidated, \
         {retries} compare-and-swap conflicts retried",
        attempts.len(),
        offers.len(),
        offers.len() - redeemed
    );
}
