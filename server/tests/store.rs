//! The two stores behind the trait: lookups, compare-and-swap with its events, the webhook outbox's
//! leases, the expiry sweep's query, purging. SQLite in memory and on a file, and PostgreSQL when
//! `CREDOFFER_TEST_DATABASE_URL` is set (`cargo xtask server-test` sets it).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use common::{Backend, TempDir, issuer_config};
use credoffer::record::{OfferState, lookup_key};
use credoffer::{FixedEntropy, Issuer, IssuerConfig, OfferRecord};
use credoffer_server::Database;
use credoffer_server::store::{self, Claim, DeliveryResult, Lookup, OutboxPolicy, StoredEvent};
use serde_json::json;

const CREATED_AT: u64 = 1_746_057_600;

fn issuer() -> Issuer {
    let config = issuer_config(json!({"offerUrlTemplate": "https://issuer.example.com/offers/{token}"}));
    Issuer::new(IssuerConfig::from_json(&config.to_string()).unwrap()).unwrap()
}

/// A by-reference record (so it has a reference hash too) and its `offer.created` event, made by the
/// engine with distinct entropy.
fn created(seed: u8) -> (OfferRecord, String, StoredEvent) {
    let mut entropy =
        FixedEntropy::new((0..512).map(|i: u32| (i as u8).wrapping_mul(31).wrapping_add(seed)).collect::<Vec<_>>());
    let created = issuer()
        .create_pre_authorized_offer_json(&json!({"credentials": [common::MDL]}).to_string(), CREATED_AT, &mut entropy)
        .unwrap();
    let token = created.response.uri.rsplit("%2F").next().unwrap().to_owned();
    (created.record, token, StoredEvent::of(&created.event))
}

fn record(seed: u8) -> (OfferRecord, String) {
    let (record, token, _) = created(seed);
    (record, token)
}

/// A stand-in event for a hand-made transition to `record`'s version.
fn event_of(record: &OfferRecord, kind: &str, terminal: bool) -> StoredEvent {
    let json = json!({"id": format!("{}.{}", record.id, record.version), "type": kind}).to_string();
    StoredEvent { offer_id: record.id.clone(), version: record.version, kind: kind.into(), terminal, json }
}

async fn exercise(database: Database) {
    let store = store::open(&database, OutboxPolicy::default()).await.unwrap();
    store.ping().await.unwrap();
    // Leftovers of an earlier, failed run against the same database.
    store.purge_expired(CREATED_AT + 301, i64::MAX).await.unwrap();
    let (first, token, first_created) = created(1);
    let (second, _, second_created) = created(2);
    assert_ne!(first.id, second.id);
    store.insert(&first, &first_created).await.unwrap();
    store.insert(&second, &second_created).await.unwrap();
    assert!(store.insert(&first, &first_created).await.is_err(), "an id is stored once");

    let reference_hash = first.reference_hash.clone().unwrap();
    assert_eq!(reference_hash, lookup_key(&token));
    for lookup in [Lookup::Id(&first.id), Lookup::CodeHash(&first.code_hash), Lookup::ReferenceHash(&reference_hash)] {
        assert_eq!(store.find(lookup).await.unwrap().as_ref(), Some(&first), "{lookup:?}");
    }
    assert_eq!(store.find(Lookup::Id("00000000-0000-4000-8000-000000000000")).await.unwrap(), None);

    let mut next = first.clone();
    next.version += 1;
    next.state = OfferState::Redeemed;
    let redeemed_event = event_of(&next, "offer.redeemed", true);
    assert!(store.compare_and_swap(first.version, &next, Some(&redeemed_event)).await.unwrap());
    let lost = event_of(&next, "offer.deleted", true);
    assert!(!store.compare_and_swap(first.version, &next, Some(&lost)).await.unwrap(), "a stale version never wins");
    // Its events, in order; the lost swap's is not among them.
    let events = store.events_after(&first.id, 0, 10).await.unwrap();
    assert_eq!(events, [first_created.clone(), redeemed_event.clone()]);
    assert_eq!(store.events_after(&first.id, 1, 10).await.unwrap(), std::slice::from_ref(&redeemed_event));
    assert_eq!(store.events_after(&first.id, 0, 1).await.unwrap(), std::slice::from_ref(&first_created));
    assert_eq!(store.events_after(&first.id, 2, 10).await.unwrap(), []);
    assert_eq!(first_created.kind, "offer.created");
    assert_eq!(first_created.id(), format!("{}.1", first.id));
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
    assert!(store.compare_and_swap(next.version, &redeemed, None).await.unwrap());
    assert_eq!(store.events_after(&first.id, 0, 10).await.unwrap().len(), 2, "a swap without an event adds none");
    assert_eq!(store.find(Lookup::AccessTokenHash(&token_hash)).await.unwrap(), Some(redeemed.clone()));
    assert_eq!(store.find(Lookup::AccessTokenHash(&lookup_key("another token"))).await.unwrap(), None);

    // Both offers expire at CREATED_AT + 300: purging before that keeps them, after removes the one
    // without a token; the redeemed one goes once its token expired too.
    assert_eq!(store.purge_expired(CREATED_AT, i64::MAX).await.unwrap(), 0);
    assert!(store.purge_expired(CREATED_AT + 301, i64::MAX).await.unwrap() >= 1);
    assert_eq!(store.find(Lookup::Id(&second.id)).await.unwrap(), None);
    assert_eq!(store.find(Lookup::Id(&first.id)).await.unwrap(), Some(redeemed));
    assert_eq!(store.events_after(&second.id, 0, 10).await.unwrap(), [], "events go with their record");
    assert_eq!(store.events_after(&first.id, 0, 10).await.unwrap().len(), 2);
    assert!(store.purge_expired(CREATED_AT + 901, i64::MAX).await.unwrap() >= 1);
    assert_eq!(store.find(Lookup::Id(&first.id)).await.unwrap(), None);
    assert_eq!(store.events_after(&first.id, 0, 10).await.unwrap(), []);
}

/// The expiry sweep's query finds live offers past their expiry, once: the engine's expiry transition
/// takes the record off the list.
async fn sweep_query(database: Database) {
    let store = store::open(&database, OutboxPolicy::default()).await.unwrap();
    store.purge_expired(CREATED_AT + 301, i64::MAX).await.unwrap();
    let (live, _, live_created) = created(4);
    let (deleted, _, deleted_created) = created(5);
    store.insert(&live, &live_created).await.unwrap();
    store.insert(&deleted, &deleted_created).await.unwrap();
    let removal = issuer().delete(&deleted, CREATED_AT + 10).unwrap();
    assert!(
        store.compare_and_swap(deleted.version, &removal.record, Some(&StoredEvent::of(&removal.event))).await.unwrap()
    );

    let ours = [live.id.clone(), deleted.id.clone()];
    let due = async |now| {
        let records = store.expired_unreported(now, 1000).await.unwrap();
        records.into_iter().filter(|record| ours.contains(&record.id)).collect::<Vec<_>>()
    };
    assert_eq!(due(CREATED_AT + 299).await, []);
    assert_eq!(due(CREATED_AT + 300).await, std::slice::from_ref(&live), "a deleted offer does not expire");
    let expired = issuer().check_expiry(&live, CREATED_AT + 300).unwrap();
    let event = StoredEvent::of(&expired.event);
    assert_eq!((event.kind.as_str(), event.terminal, event.version), ("offer.expired", true, 2));
    assert!(store.compare_and_swap(live.version, &expired.record, Some(&event)).await.unwrap());
    assert_eq!(due(CREATED_AT + 300).await, [], "reported once");
    store.purge_expired(CREATED_AT + 301, i64::MAX).await.unwrap();
}

/// One outbox row per event and endpoint, in the event's transaction; leases that exclude other
/// workers until they run out; a lost lease changes nothing; retries wait; failures are kept; the cap.
async fn outbox(database: Database) {
    let (record, _, created_event) = created(6);
    // Endpoints of this run only: rows other tests (or earlier runs) left in a shared database are not
    // claimed.
    let endpoints: Vec<String> =
        ["a", "b"].iter().map(|name| format!("https://{name}.example/{}", record.id)).collect();
    let store = store::open(&database, OutboxPolicy { endpoints: endpoints.clone(), cap: 1_000_000 }).await.unwrap();
    store.purge_expired(CREATED_AT + 301, i64::MAX).await.unwrap();
    store.insert(&record, &created_event).await.unwrap();
    let mut next = record.clone();
    next.version += 1;
    let lost = event_of(&next, "offer.fetched", false);
    assert!(!store.compare_and_swap(0, &next, Some(&lost)).await.unwrap());
    let entries = store.outbox_of(&record.id).await.unwrap();
    let queued: Vec<_> = entries.iter().map(|entry| (entry.event_id.as_str(), entry.endpoint.as_str())).collect();
    let id = created_event.id();
    assert_eq!(queued, [(id.as_str(), endpoints[0].as_str()), (id.as_str(), endpoints[1].as_str())]);

    let now = store::now_ms();
    let claim = |owner: &str, now_ms: i64, endpoints: &[String]| Claim {
        now_ms,
        lease_until_ms: now_ms + 10_000,
        owner: owner.into(),
        endpoints: endpoints.to_vec(),
        limit: 10,
    };
    let first = store.claim_deliveries(&claim("one", now, &endpoints[..1])).await.unwrap();
    assert_eq!(first.len(), 1, "only the endpoints asked for");
    assert_eq!((first[0].event_id.as_str(), first[0].body.as_str()), (id.as_str(), created_event.json.as_str()));
    assert_eq!(first[0].attempts, 0);
    assert_eq!(
        store.claim_deliveries(&claim("two", now + 9_999, &endpoints)).await.unwrap().len(),
        1,
        "leased rows are skipped"
    );
    // The lease ran out (its holder died): another worker takes the row; the first can no longer
    // record anything for it.
    let retaken = store.claim_deliveries(&claim("three", now + 10_000, &endpoints[..1])).await.unwrap();
    assert_eq!(retaken.iter().map(|delivery| delivery.row).collect::<Vec<_>>(), [first[0].row]);
    assert!(!store.finish_delivery(&first[0], "one", &DeliveryResult::Delivered).await.unwrap());

    let retry = DeliveryResult::RetryAt { at_ms: now + 60_000, error: "HTTP 500".into() };
    assert!(store.finish_delivery(&retaken[0], "three", &retry).await.unwrap());
    // Past its retention, the record stays while a delivery queued within the webhooks' maximum age is
    // still to be made.
    assert_eq!(store.purge_expired(CREATED_AT + 301, now - 3_600_000).await.unwrap(), 0);
    assert_eq!(store.find(Lookup::Id(&record.id)).await.unwrap().as_ref(), Some(&record), "held by its deliveries");
    assert_eq!(store.outbox_of(&record.id).await.unwrap().len(), 2);
    assert_eq!(store.claim_deliveries(&claim("four", now + 59_999, &endpoints[..1])).await.unwrap(), []);
    let again = store.claim_deliveries(&claim("four", now + 60_000, &endpoints[..1])).await.unwrap();
    assert_eq!(again[0].attempts, 1);
    let failed = DeliveryResult::Failed { error: "HTTP 410".into() };
    assert!(store.finish_delivery(&again[0], "four", &failed).await.unwrap());
    let second = store.claim_deliveries(&claim("five", now + 100_000, &endpoints)).await.unwrap();
    assert_eq!(second.len(), 1, "a failed row is not claimed again");
    assert!(store.finish_delivery(&second[0], "five", &DeliveryResult::Delivered).await.unwrap());
    let entries = store.outbox_of(&record.id).await.unwrap();
    assert_eq!(entries.len(), 1, "a delivered row goes, a failed one stays");
    assert_eq!((entries[0].failed, entries[0].attempts), (true, 2));
    assert_eq!(entries[0].last_error.as_deref(), Some("HTTP 410"));
    // Delivered or given up: nothing holds the record any more.
    assert!(store.purge_expired(CREATED_AT + 301, now - 3_600_000).await.unwrap() >= 1);
    assert_eq!(store.find(Lookup::Id(&record.id)).await.unwrap(), None);
    assert_eq!(store.outbox_of(&record.id).await.unwrap(), [], "outbox rows go with their record");
}

/// A pending delivery older than the webhooks' maximum age no longer holds its record: it belongs to an
/// endpoint no instance configures any more, or is given up at its next attempt.
async fn stale_deliveries_hold_nothing(database: Database) {
    let (record, _, created_event) = created(8);
    let endpoints = vec![format!("https://removed.example/{}", record.id)];
    let store = store::open(&database, OutboxPolicy { endpoints, cap: 1_000_000 }).await.unwrap();
    store.purge_expired(CREATED_AT + 301, i64::MAX).await.unwrap();
    store.insert(&record, &created_event).await.unwrap();
    let queued_by = store::now_ms();
    assert_eq!(store.purge_expired(CREATED_AT + 301, queued_by - 60_000).await.unwrap(), 0);
    assert_eq!(store.outbox_of(&record.id).await.unwrap().len(), 1);
    assert!(store.purge_expired(CREATED_AT + 301, queued_by + 1).await.unwrap() >= 1);
    assert_eq!(store.find(Lookup::Id(&record.id)).await.unwrap(), None);
    assert_eq!(store.outbox_of(&record.id).await.unwrap(), []);
}

/// At the cap, as last counted, an event is stored but queued for no endpoint; once a delivery drains
/// the outbox below it, events are queued again.
async fn outbox_cap(database: Database) {
    let (record, _, created_event) = created(7);
    let endpoints = vec![format!("https://capped.example/{}", record.id)];
    // What a shared database already holds (a fresh one in memory: none): the cap is one row more.
    let probe = store::open(&database, OutboxPolicy::default()).await.unwrap();
    probe.purge_expired(CREATED_AT + 301, i64::MAX).await.unwrap();
    let cap = probe.check_outbox().await.unwrap() + 1;
    drop(probe);
    let store = store::open(&database, OutboxPolicy { endpoints: endpoints.clone(), cap }).await.unwrap();
    store.insert(&record, &created_event).await.unwrap();
    assert_eq!(store.check_outbox().await.unwrap(), cap, "full");
    let queued = async || -> Vec<String> {
        store.outbox_of(&record.id).await.unwrap().into_iter().map(|entry| entry.event_id).collect()
    };
    let swap = async |version: u64, kind: &str| {
        let mut next = record.clone();
        next.version = version + 1;
        let event = event_of(&next, kind, false);
        assert!(store.compare_and_swap(version, &next, Some(&event)).await.unwrap());
        event
    };
    let fetched = swap(1, "offer.fetched").await;
    assert_eq!(store.events_after(&record.id, 0, 10).await.unwrap().len(), 2, "the event is stored");
    assert_eq!(queued().await, [created_event.id()], "but not queued: {}", fetched.id());

    let claim = Claim {
        now_ms: store::now_ms(),
        lease_until_ms: store::now_ms() + 10_000,
        owner: "drain".into(),
        endpoints,
        limit: 10,
    };
    let leased = store.claim_deliveries(&claim).await.unwrap();
    assert_eq!(leased.len(), 1);
    assert!(store.finish_delivery(&leased[0], "drain", &DeliveryResult::Delivered).await.unwrap());
    assert_eq!(store.check_outbox().await.unwrap(), cap - 1, "room again");
    let again = swap(2, "offer.fetched").await;
    assert_eq!(queued().await, [again.id()]);
    store.purge_expired(CREATED_AT + 301, i64::MAX).await.unwrap();
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
    let store = store::open(&database, OutboxPolicy::default()).await.unwrap();
    assert_eq!(store.find(Lookup::Id(&old.id)).await.unwrap(), Some(old.clone()));
    assert_eq!(store.find(Lookup::AccessTokenHash("none")).await.unwrap(), None);
    drop(store);
    // Opening it again finds the column there already.
    let store = store::open(&database, OutboxPolicy::default()).await.unwrap();
    assert_eq!(store.find(Lookup::CodeHash(&old.code_hash)).await.unwrap(), Some(old));
}

/// Every scenario, one after another (they purge what they leave, and share a PostgreSQL database).
async fn all(database: Database) {
    exercise(database.clone()).await;
    sweep_query(database.clone()).await;
    outbox(database.clone()).await;
    outbox_cap(database.clone()).await;
    stale_deliveries_hold_nothing(database).await;
}

#[tokio::test]
async fn sqlite_in_memory() {
    // Each scenario opens its own store: in memory, each starts empty.
    all(Database::SqliteMemory).await;
}

#[tokio::test]
async fn sqlite_file() {
    let dir = TempDir::new("store");
    all(Database::SqliteFile(dir.path("records.sqlite3").to_string_lossy().into_owned())).await;
}

#[tokio::test]
async fn postgres() {
    if let Some(Backend::Postgres(url)) = Backend::postgres("store::postgres") {
        all(Database::Postgres(url)).await;
    }
}
