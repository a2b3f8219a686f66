//! The two stores behind the trait: lookups, compare-and-swap, purging. SQLite in memory and on a file,
//! and PostgreSQL when `CREDOFFER_TEST_DATABASE_URL` is set (`cargo xtask server-test` sets it).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use common::{Backend, TempDir, issuer_config};
use credoffer::record::{OfferState, lookup_key};
use credoffer::{FixedEntropy, Issuer, IssuerConfig, OfferRecord};
use credoffer_server::Database;
use credoffer_server::store::{self, Lookup};
use serde_json::json;

const CREATED_AT: u64 = 1_746_057_600;

/// A by-reference record (so it has a reference hash too), made by the engine with distinct entropy.
fn record(seed: u8) -> (OfferRecord, String) {
    let config = issuer_config(json!({"offerUrlTemplate": "https://issuer.example.com/offers/{token}"}));
    let issuer = Issuer::new(IssuerConfig::from_json(&config.to_string()).unwrap()).unwrap();
    let mut entropy =
        FixedEntropy::new((0..512).map(|i: u32| (i as u8).wrapping_mul(31).wrapping_add(seed)).collect::<Vec<_>>());
    let created = issuer
        .create_pre_authorized_offer_json(&json!({"credentials": [common::MDL]}).to_string(), CREATED_AT, &mut entropy)
        .unwrap();
    let token = created.response.uri.rsplit("%2F").next().unwrap().to_owned();
    (created.record, token)
}

async fn exercise(database: Database) {
    let store = store::open(&database).await.unwrap();
    store.ping().await.unwrap();
    // Leftovers of an earlier, failed run against the same database.
    store.purge_expired(CREATED_AT + 301).await.unwrap();
    let (first, token) = record(1);
    let (second, _) = record(2);
    assert_ne!(first.id, second.id);
    store.insert(&first).await.unwrap();
    store.insert(&second).await.unwrap();
    assert!(store.insert(&first).await.is_err(), "an id is stored once");

    let reference_hash = first.reference_hash.clone().unwrap();
    assert_eq!(reference_hash, lookup_key(&token));
    for lookup in [Lookup::Id(&first.id), Lookup::CodeHash(&first.code_hash), Lookup::ReferenceHash(&reference_hash)] {
        assert_eq!(store.find(lookup).await.unwrap().as_ref(), Some(&first), "{lookup:?}");
    }
    assert_eq!(store.find(Lookup::Id("00000000-0000-4000-8000-000000000000")).await.unwrap(), None);

    let mut next = first.clone();
    next.version += 1;
    next.state = OfferState::Redeemed;
    assert!(store.compare_and_swap(first.version, &next).await.unwrap());
    assert!(!store.compare_and_swap(first.version, &next).await.unwrap(), "a stale version never wins");
    assert_eq!(store.find(Lookup::Id(&first.id)).await.unwrap(), Some(next.clone()));
    assert_eq!(store.find(Lookup::Id(&second.id)).await.unwrap(), Some(second.clone()), "other rows untouched");

    // Both expire at CREATED_AT + 300; purging before that keeps them, after removes them.
    assert_eq!(store.purge_expired(CREATED_AT).await.unwrap(), 0);
    assert!(store.purge_expired(CREATED_AT + 301).await.unwrap() >= 2);
    assert_eq!(store.find(Lookup::Id(&first.id)).await.unwrap(), None);
}

#[tokio::test]
async fn sqlite_in_memory() {
    exercise(Database::SqliteMemory).await;
}

#[tokio::test]
async fn sqlite_file() {
    let dir = TempDir::new("store");
    exercise(Database::SqliteFile(dir.path("records.sqlite3").to_string_lossy().into_owned())).await;
}

#[tokio::test]
async fn postgres() {
    if let Some(Backend::Postgres(url)) = Backend::postgres("store::postgres") {
        exercise(Database::Postgres(url)).await;
    }
}
