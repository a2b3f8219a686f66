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

    // The redemption's access token: found by its hash, and kept past the offer's expiry for as long as
    // the token lives.
    let token_hash = lookup_key(&format!("token-of-{}", first.id));
    let mut redeemed = next.clone();
    redeemed.version += 1;
    redeemed.access_token = Some(
        serde_json::from_value(
            json!({"tokenHash": token_hash, "issuedAt": CREATED_AT + 10, "expiresAt": CREATED_AT + 900}),
        )
        .unwrap(),
    );
    assert!(store.compare_and_swap(next.version, &redeemed).await.unwrap());
    assert_eq!(store.find(Lookup::AccessTokenHash(&token_hash)).await.unwrap(), Some(redeemed.clone()));
    assert_eq!(store.find(Lookup::AccessTokenHash(&lookup_key("another token"))).await.unwrap(), None);

    // Both offers expire at CREATED_AT + 300: purging before that keeps them, after removes the one
    // without a token; the redeemed one goes once its token expired too.
    assert_eq!(store.purge_expired(CREATED_AT).await.unwrap(), 0);
    assert!(store.purge_expired(CREATED_AT + 301).await.unwrap() >= 1);
    assert_eq!(store.find(Lookup::Id(&second.id)).await.unwrap(), None);
    assert_eq!(store.find(Lookup::Id(&first.id)).await.unwrap(), Some(redeemed));
    assert!(store.purge_expired(CREATED_AT + 901).await.unwrap() >= 1);
    assert_eq!(store.find(Lookup::Id(&first.id)).await.unwrap(), None);
}

/// A database made before access tokens were recorded gains their column when opened, and keeps its rows.
#[tokio::test]
async fn sqlite_files_of_earlier_versions_are_migrated() {
    let dir = TempDir::new("migrate");
    let path = dir.path("records.sqlite3");
    let (old, _) = record(3);
    {
        let connection = rusqlite::Connection::open(&path).unwrap();
        connection
            .execute_batch(
                "CREATE TABLE offer_records (id TEXT PRIMARY KEY, code_hash TEXT NOT NULL UNIQUE,
                 reference_hash TEXT UNIQUE, version INTEGER NOT NULL, expires_at INTEGER NOT NULL, record TEXT NOT NULL)",
            )
            .unwrap();
        connection
            .execute(
                "INSERT INTO offer_records VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                rusqlite::params![old.id, old.code_hash, old.reference_hash, 1, 1_746_057_900_i64, old.to_json()],
            )
            .unwrap();
    }
    let database = Database::SqliteFile(path.to_string_lossy().into_owned());
    let store = store::open(&database).await.unwrap();
    assert_eq!(store.find(Lookup::Id(&old.id)).await.unwrap(), Some(old.clone()));
    assert_eq!(store.find(Lookup::AccessTokenHash("none")).await.unwrap(), None);
    drop(store);
    // Opening it again finds the column there already.
    let store = store::open(&database).await.unwrap();
    assert_eq!(store.find(Lookup::CodeHash(&old.code_hash)).await.unwrap(), Some(old));
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
