//! Where offer records live. A record is kept as the engine's JSON plus the columns it is found by;
//! every update is a compare-and-swap on the version the caller read, so two requests racing on one
//! offer (on one instance or several) cannot both move it.

mod postgres;
mod sqlite;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use credoffer::record::OfferState;
use credoffer::{OfferEvent, OfferRecord};

pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;

use crate::config::Database;

/// A boxed future, so the trait can be used as `dyn Store`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A storage failure: the message is for logs (it never holds a secret, only database errors).
#[derive(Debug)]
pub struct StoreError(pub String);

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StoreError {}

impl StoreError {
    fn from_display(context: &str, error: impl fmt::Display) -> Self {
        Self(format!("{context}: {error}"))
    }
}

/// What a stored record is found by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup<'a> {
    /// The offer id (DELETE).
    Id(&'a str),
    /// `lookup_key(pre-authorized code)` (token endpoint).
    CodeHash(&'a str),
    /// `lookup_key(reference token)` (offers by reference).
    ReferenceHash(&'a str),
    /// `lookup_key(access token)` (introspection).
    AccessTokenHash(&'a str),
}

/// The columns a record is found, swept and purged by, beside its JSON: every write stores them from
/// the record itself, so they cannot disagree.
struct Columns {
    access_token_hash: Option<String>,
    /// [`OfferRecord::keep_until`]: a record is purged after its offer *and* its access token expired.
    keep_until: i64,
    /// When the expiry sweep should look at the record: its offer's expiry while that can still be
    /// reported, else none.
    expiry_due_at: Option<i64>,
}

impl Columns {
    fn of(record: &OfferRecord) -> Self {
        Self {
            access_token_hash: record.access_token.as_ref().map(|token| token.token_hash.clone()),
            keep_until: time_to_sql(record.keep_until()),
            expiry_due_at: (record.state == OfferState::Active && !record.expiry_reported)
                .then(|| time_to_sql(record.expires_at)),
        }
    }
}

/// Offer record storage, with each record's events and the webhook outbox beside it.
///
/// A record and the event its transition produced are written in one transaction, with one outbox row
/// per configured webhook endpoint ([`OutboxPolicy`]): a write that loses its compare-and-swap stores
/// no event, and an event is never stored without its deliveries queued (the outbox cap aside).
pub trait Store: Send + Sync + fmt::Debug {
    /// Stores a new record and the event that created it.
    fn insert<'a>(&'a self, record: &'a OfferRecord, event: &'a StoredEvent) -> BoxFuture<'a, Result<(), StoreError>>;

    /// Finds a record.
    fn find<'a>(&'a self, lookup: Lookup<'a>) -> BoxFuture<'a, Result<Option<OfferRecord>, StoreError>>;

    /// Replaces the record with `next`, and stores `event` with it, if the stored version is still
    /// `read_version`. Returns whether it did; `false` means another request moved the record first
    /// (and nothing was written): read it again and retry.
    fn compare_and_swap<'a>(
        &'a self,
        read_version: u64,
        next: &'a OfferRecord,
        event: Option<&'a StoredEvent>,
    ) -> BoxFuture<'a, Result<bool, StoreError>>;

    /// An offer's events after version `after` (0: all of them), oldest first, at most `limit`.
    fn events_after<'a>(
        &'a self,
        offer_id: &'a str,
        after: u64,
        limit: usize,
    ) -> BoxFuture<'a, Result<Vec<StoredEvent>, StoreError>>;

    /// Records whose offer expired by `now` (Unix seconds) with the expiry not yet reported, at most
    /// `limit`, the longest overdue first.
    fn expired_unreported(&self, now: u64, limit: usize) -> BoxFuture<'_, Result<Vec<OfferRecord>, StoreError>>;

    /// Leases up to `claim.limit` outbox rows for `claim.endpoints` that are due and not leased by anyone
    /// (or whose lease ran out: its holder died), until `claim.lease_until_ms`, for `claim.owner`.
    fn claim_deliveries<'a>(&'a self, claim: &'a Claim) -> BoxFuture<'a, Result<Vec<Delivery>, StoreError>>;

    /// Records how a leased delivery went. Returns `false` when the lease was lost meanwhile (it ran
    /// out and another worker took the row), and then changes nothing.
    fn finish_delivery<'a>(
        &'a self,
        delivery: &'a Delivery,
        owner: &'a str,
        result: &'a DeliveryResult,
    ) -> BoxFuture<'a, Result<bool, StoreError>>;

    /// Counts the undelivered (pending) outbox rows; from then on new events are queued only if they
    /// were under [`OutboxPolicy::cap`]. Returns the count.
    fn check_outbox(&self) -> BoxFuture<'_, Result<u64, StoreError>>;

    /// The outbox rows of an offer's events still held (pending or failed), oldest first: for
    /// inspection.
    fn outbox_of<'a>(&'a self, offer_id: &'a str) -> BoxFuture<'a, Result<Vec<OutboxEntry>, StoreError>>;

    /// Removes records kept until before `before` (Unix seconds; [`OfferRecord::keep_until`]), with their
    /// events and outbox rows. Returns how many records. A record with a delivery still pending that was
    /// queued after `pending_since_ms` (Unix milliseconds: within the webhooks' maximum age, so it is still
    /// retried) stays until that delivery is made or given up: purging it would lose the event.
    fn purge_expired(&self, before: u64, pending_since_ms: i64) -> BoxFuture<'_, Result<u64, StoreError>>;

    /// Whether the store answers.
    fn ping(&self) -> BoxFuture<'_, Result<(), StoreError>>;
}

/// One offer event as stored: the engine's event JSON and what it is found and streamed by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    /// The offer it happened to.
    pub offer_id: String,
    /// The record version its transition produced: an offer's events are ordered by it.
    pub version: u64,
    /// `offer.created`, `offer.fetched`, …
    pub kind: String,
    /// Whether nothing can follow it (redeemed, invalidated, deleted, expired).
    pub terminal: bool,
    /// The event as the engine writes it (`OfferEvent::to_json`): what webhooks and streams carry.
    pub json: String,
}

impl StoredEvent {
    /// The row of an engine event.
    pub fn of(event: &OfferEvent) -> Self {
        Self {
            offer_id: event.offer_id.clone(),
            version: event.version,
            kind: event.kind.as_str().to_owned(),
            terminal: event.kind.is_terminal(),
            json: event.to_json(),
        }
    }

    /// `{offer_id}.{version}`: unique, and the same on every delivery of the event.
    pub fn id(&self) -> String {
        event_id(&self.offer_id, self.version)
    }
}

/// The id of an offer's event at `version`.
pub fn event_id(offer_id: &str, version: u64) -> String {
    format!("{offer_id}.{version}")
}

/// Where each event's webhooks go, and how many undelivered rows the outbox may hold.
///
/// At the cap an event is still stored (and streamed), but queued for no endpoint, with a warning
/// in the log: a receiver that is down for long must not stop offers being created or redeemed, nor
/// fill the database.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutboxPolicy {
    /// Endpoint URLs, one outbox row each per event.
    pub endpoints: Vec<String>,
    /// Pending rows at most (failed rows are kept for inspection, and purged with their records),
    /// as [`Store::check_outbox`] last counted them.
    pub cap: u64,
}

/// A store's outbox policy, and whether the outbox had room when last counted. Counting in every
/// write would make each write as slow as the outbox is long, just when a receiver is down; the
/// delivery worker counts instead, twice a second, so the cap can be passed by what is written between
/// two counts.
#[derive(Debug)]
struct Outbox {
    policy: OutboxPolicy,
    full: std::sync::atomic::AtomicBool,
}

impl Outbox {
    fn new(policy: OutboxPolicy) -> Self {
        Self { policy, full: std::sync::atomic::AtomicBool::new(false) }
    }

    /// The endpoints a new event is queued for: every one, or none while the outbox is full.
    fn endpoints_for(&self, event: &StoredEvent) -> &[String] {
        if self.policy.endpoints.is_empty() || !self.full.load(std::sync::atomic::Ordering::Relaxed) {
            return &self.policy.endpoints;
        }
        tracing::warn!(
            event = %event.id(),
            cap = self.policy.cap,
            "the webhook outbox is full: the event is stored but queued for no endpoint"
        );
        &[]
    }

    /// Notes `pending` undelivered rows: full at the cap.
    fn counted(&self, pending: u64) -> u64 {
        let full = pending >= self.policy.cap;
        if self.full.swap(full, std::sync::atomic::Ordering::Relaxed) != full {
            tracing::warn!(pending, cap = self.policy.cap, full, "the webhook outbox filled up or drained");
        }
        pending
    }
}

/// A request for leases on due outbox rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    /// Now, in Unix milliseconds: rows due by then, and leases that ran out by then, are taken.
    pub now_ms: i64,
    /// Until when the leases hold.
    pub lease_until_ms: i64,
    /// Who holds them: unique to this claim.
    pub owner: String,
    /// The endpoints this worker can sign for: rows of others (an endpoint another instance has
    /// configured, or one removed from the configuration) are left alone.
    pub endpoints: Vec<String>,
    /// Rows at most.
    pub limit: usize,
}

/// A leased outbox row: one event for one endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// The row.
    pub row: i64,
    /// The event's id (`webhook-id`).
    pub event_id: String,
    /// The endpoint's URL.
    pub endpoint: String,
    /// The event JSON.
    pub body: String,
    /// Attempts made before this one.
    pub attempts: u32,
    /// When the row was queued (Unix milliseconds).
    pub queued_at_ms: i64,
}

/// How a delivery went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryResult {
    /// A 2xx: the row goes.
    Delivered,
    /// Try again at this time (Unix milliseconds).
    RetryAt { at_ms: i64, error: String },
    /// No more attempts: the row stays, marked failed, for inspection.
    Failed { error: String },
}

/// An outbox row, for inspection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    /// The event's id.
    pub event_id: String,
    /// The endpoint's URL.
    pub endpoint: String,
    /// Attempts made.
    pub attempts: u32,
    /// Whether it gave up.
    pub failed: bool,
    /// Why the last attempt failed (a status or a transport error; never a secret).
    pub last_error: Option<String>,
}

/// How long any one store operation may take. A database that stops answering (a stalled PostgreSQL
/// server, a network partition) then fails requests with a 503 instead of hanging them, well inside
/// the request timeout. Longer than SQLite's 5-second busy timeout,
/// so a write queued behind another gets its full wait. A timed-out write is abandoned, not undone: a
/// statement already sent may still commit (a redeemed code then reads as used).
pub const STORE_TIMEOUT: Duration = Duration::from_secs(10);

/// Opens the configured store, creating its tables when missing, each operation under
/// [`STORE_TIMEOUT`]; events are queued for `outbox.endpoints`.
pub async fn open(database: &Database, outbox: OutboxPolicy) -> Result<Box<dyn Store>, StoreError> {
    within(STORE_TIMEOUT, async {
        Ok(match database {
            Database::SqliteFile(path) => {
                Box::new(Deadline::new(SqliteStore::open_file(path, outbox).await?, STORE_TIMEOUT)) as Box<dyn Store>
            }
            Database::SqliteMemory => {
                Box::new(Deadline::new(SqliteStore::open_in_memory(outbox).await?, STORE_TIMEOUT))
            }
            Database::Postgres(url) => {
                Box::new(Deadline::new(PostgresStore::connect(url, outbox).await?, STORE_TIMEOUT))
            }
        })
    })
    .await
}

/// A store whose every operation fails after `limit` rather than waiting for ever.
#[derive(Debug)]
struct Deadline<S> {
    inner: S,
    limit: Duration,
}

impl<S: Store> Deadline<S> {
    fn new(inner: S, limit: Duration) -> Self {
        Self { inner, limit }
    }
}

async fn within<T>(limit: Duration, operation: impl Future<Output = Result<T, StoreError>>) -> Result<T, StoreError> {
    tokio::time::timeout(limit, operation)
        .await
        .unwrap_or_else(|_| Err(StoreError(format!("the store did not answer within {} ms", limit.as_millis()))))
}

impl<S: Store> Store for Deadline<S> {
    fn insert<'a>(&'a self, record: &'a OfferRecord, event: &'a StoredEvent) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(within(self.limit, self.inner.insert(record, event)))
    }

    fn find<'a>(&'a self, lookup: Lookup<'a>) -> BoxFuture<'a, Result<Option<OfferRecord>, StoreError>> {
        Box::pin(within(self.limit, self.inner.find(lookup)))
    }

    fn compare_and_swap<'a>(
        &'a self,
        read_version: u64,
        next: &'a OfferRecord,
        event: Option<&'a StoredEvent>,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(within(self.limit, self.inner.compare_and_swap(read_version, next, event)))
    }

    fn events_after<'a>(
        &'a self,
        offer_id: &'a str,
        after: u64,
        limit: usize,
    ) -> BoxFuture<'a, Result<Vec<StoredEvent>, StoreError>> {
        Box::pin(within(self.limit, self.inner.events_after(offer_id, after, limit)))
    }

    fn expired_unreported(&self, now: u64, limit: usize) -> BoxFuture<'_, Result<Vec<OfferRecord>, StoreError>> {
        Box::pin(within(self.limit, self.inner.expired_unreported(now, limit)))
    }

    fn claim_deliveries<'a>(&'a self, claim: &'a Claim) -> BoxFuture<'a, Result<Vec<Delivery>, StoreError>> {
        Box::pin(within(self.limit, self.inner.claim_deliveries(claim)))
    }

    fn finish_delivery<'a>(
        &'a self,
        delivery: &'a Delivery,
        owner: &'a str,
        result: &'a DeliveryResult,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(within(self.limit, self.inner.finish_delivery(delivery, owner, result)))
    }

    fn check_outbox(&self) -> BoxFuture<'_, Result<u64, StoreError>> {
        Box::pin(within(self.limit, self.inner.check_outbox()))
    }

    fn outbox_of<'a>(&'a self, offer_id: &'a str) -> BoxFuture<'a, Result<Vec<OutboxEntry>, StoreError>> {
        Box::pin(within(self.limit, self.inner.outbox_of(offer_id)))
    }

    fn purge_expired(&self, before: u64, pending_since_ms: i64) -> BoxFuture<'_, Result<u64, StoreError>> {
        Box::pin(within(self.limit, self.inner.purge_expired(before, pending_since_ms)))
    }

    fn ping(&self) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(within(self.limit, self.inner.ping()))
    }
}

/// Reads a stored record's JSON, saying which row was bad rather than what it held.
fn decode(json: &str) -> Result<OfferRecord, StoreError> {
    OfferRecord::from_json(json).map_err(|e| StoreError(format!("a stored record is unreadable: {}", e.code())))
}

/// Versions are u64 in the engine and BIGINT in the databases; records never get near 2^63.
fn version_to_sql(version: u64) -> Result<i64, StoreError> {
    i64::try_from(version).map_err(|_| StoreError(format!("version {version} does not fit a BIGINT")))
}

/// A row limit as SQL wants it.
fn limit_to_sql(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

/// Unix milliseconds now: outbox times are finer than records' seconds, for retry backoff.
pub fn now_ms() -> i64 {
    let elapsed = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX)
}

/// Outbox counters are small; a corrupt negative one reads as zero.
fn count_from_sql(count: i64) -> u32 {
    u32::try_from(count).unwrap_or(0)
}

fn time_to_sql(seconds: u64) -> i64 {
    i64::try_from(seconds).unwrap_or(i64::MAX)
}

/// What an offer's events are, for [`TestStore`]: a page after a version, at most a limit.
#[cfg(test)]
pub(crate) type EventSource = Box<dyn Fn(&str, u64, usize) -> Vec<StoredEvent> + Send + Sync>;

/// A store for unit tests that never answers (a stalled database), but for the events `events` gives.
#[cfg(test)]
pub(crate) struct TestStore {
    pub(crate) events: Option<EventSource>,
}

#[cfg(test)]
impl TestStore {
    pub(crate) fn stalled() -> Self {
        Self { events: None }
    }
}

#[cfg(test)]
impl fmt::Debug for TestStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TestStore")
    }
}

#[cfg(test)]
impl Store for TestStore {
    fn insert<'a>(&'a self, _: &'a OfferRecord, _: &'a StoredEvent) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(std::future::pending())
    }
    fn find<'a>(&'a self, _: Lookup<'a>) -> BoxFuture<'a, Result<Option<OfferRecord>, StoreError>> {
        Box::pin(std::future::pending())
    }
    fn compare_and_swap<'a>(
        &'a self,
        _: u64,
        _: &'a OfferRecord,
        _: Option<&'a StoredEvent>,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(std::future::pending())
    }
    fn events_after<'a>(
        &'a self,
        offer_id: &'a str,
        after: u64,
        limit: usize,
    ) -> BoxFuture<'a, Result<Vec<StoredEvent>, StoreError>> {
        match &self.events {
            Some(events) => {
                let page = events(offer_id, after, limit);
                Box::pin(async move { Ok(page) })
            }
            None => Box::pin(std::future::pending()),
        }
    }
    fn expired_unreported(&self, _: u64, _: usize) -> BoxFuture<'_, Result<Vec<OfferRecord>, StoreError>> {
        Box::pin(std::future::pending())
    }
    fn claim_deliveries<'a>(&'a self, _: &'a Claim) -> BoxFuture<'a, Result<Vec<Delivery>, StoreError>> {
        Box::pin(std::future::pending())
    }
    fn finish_delivery<'a>(
        &'a self,
        _: &'a Delivery,
        _: &'a str,
        _: &'a DeliveryResult,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(std::future::pending())
    }
    fn check_outbox(&self) -> BoxFuture<'_, Result<u64, StoreError>> {
        Box::pin(std::future::pending())
    }
    fn outbox_of<'a>(&'a self, _: &'a str) -> BoxFuture<'a, Result<Vec<OutboxEntry>, StoreError>> {
        Box::pin(std::future::pending())
    }
    fn purge_expired(&self, _: u64, _: i64) -> BoxFuture<'_, Result<u64, StoreError>> {
        Box::pin(std::future::pending())
    }
    fn ping(&self) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(std::future::pending())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_stalled_store_fails_at_the_deadline() {
        let store = Deadline::new(TestStore::stalled(), Duration::from_millis(20));
        let late = |error: StoreError| assert_eq!(error.0, "the store did not answer within 20 ms");
        late(store.ping().await.unwrap_err());
        late(store.find(Lookup::Id("x")).await.unwrap_err());
        late(store.purge_expired(0, 0).await.unwrap_err());
        let claim = Claim { now_ms: 0, lease_until_ms: 1, owner: "w".into(), endpoints: Vec::new(), limit: 1 };
        late(store.claim_deliveries(&claim).await.unwrap_err());
        late(store.events_after("x", 0, 1).await.unwrap_err());
        late(store.check_outbox().await.unwrap_err());
    }
}
