//! Where offer records live. A record is kept as the engine's JSON plus the columns it is found by;
//! every update is a compare-and-swap on the version the caller read, so two requests racing on one
//! offer (on one instance or several) cannot both move it.

mod postgres;
mod sqlite;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use credoffer::OfferRecord;

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

/// The columns a record is found and purged by, beside its JSON: every write stores them from the
/// record itself, so they cannot disagree.
struct Columns {
    access_token_hash: Option<String>,
    /// [`OfferRecord::keep_until`]: a record is purged after its offer *and* its access token expired.
    keep_until: i64,
}

impl Columns {
    fn of(record: &OfferRecord) -> Self {
        Self {
            access_token_hash: record.access_token.as_ref().map(|token| token.token_hash.clone()),
            keep_until: time_to_sql(record.keep_until()),
        }
    }
}

/// Offer record storage.
pub trait Store: Send + Sync + fmt::Debug {
    /// Stores a new record.
    fn insert<'a>(&'a self, record: &'a OfferRecord) -> BoxFuture<'a, Result<(), StoreError>>;

    /// Finds a record.
    fn find<'a>(&'a self, lookup: Lookup<'a>) -> BoxFuture<'a, Result<Option<OfferRecord>, StoreError>>;

    /// Replaces the record with `next` if the stored version is still `read_version`. Returns whether
    /// it did; `false` means another request moved the record first: read it again and retry.
    fn compare_and_swap<'a>(
        &'a self,
        read_version: u64,
        next: &'a OfferRecord,
    ) -> BoxFuture<'a, Result<bool, StoreError>>;

    /// Removes records kept until before `before` (Unix seconds; [`OfferRecord::keep_until`]). Returns how
    /// many.
    fn purge_expired(&self, before: u64) -> BoxFuture<'_, Result<u64, StoreError>>;

    /// Whether the store answers.
    fn ping(&self) -> BoxFuture<'_, Result<(), StoreError>>;
}

/// How long any one store operation may take. A database that stops answering (a stalled PostgreSQL
/// server, a network partition) then fails requests with a 503 instead of hanging them, well inside
/// the request timeout. Longer than SQLite's 5-second busy timeout,
/// so a write queued behind another gets its full wait. A timed-out write is abandoned, not undone: a
/// statement already sent may still commit (a redeemed code then reads as used).
pub const STORE_TIMEOUT: Duration = Duration::from_secs(10);

/// Opens the configured store, creating its table when missing, each operation under [`STORE_TIMEOUT`].
pub async fn open(database: &Database) -> Result<Box<dyn Store>, StoreError> {
    within(STORE_TIMEOUT, async {
        Ok(match database {
            Database::SqliteFile(path) => {
                Box::new(Deadline::new(SqliteStore::open_file(path).await?, STORE_TIMEOUT)) as Box<dyn Store>
            }
            Database::SqliteMemory => Box::new(Deadline::new(SqliteStore::open_in_memory().await?, STORE_TIMEOUT)),
            Database::Postgres(url) => Box::new(Deadline::new(PostgresStore::connect(url).await?, STORE_TIMEOUT)),
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
    fn insert<'a>(&'a self, record: &'a OfferRecord) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(within(self.limit, self.inner.insert(record)))
    }

    fn find<'a>(&'a self, lookup: Lookup<'a>) -> BoxFuture<'a, Result<Option<OfferRecord>, StoreError>> {
        Box::pin(within(self.limit, self.inner.find(lookup)))
    }

    fn compare_and_swap<'a>(
        &'a self,
        read_version: u64,
        next: &'a OfferRecord,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(within(self.limit, self.inner.compare_and_swap(read_version, next)))
    }

    fn purge_expired(&self, before: u64) -> BoxFuture<'_, Result<u64, StoreError>> {
        Box::pin(within(self.limit, self.inner.purge_expired(before)))
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

fn time_to_sql(seconds: u64) -> i64 {
    i64::try_from(seconds).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A database that never answers.
    #[derive(Debug)]
    struct Stalled;

    impl Store for Stalled {
        fn insert<'a>(&'a self, _: &'a OfferRecord) -> BoxFuture<'a, Result<(), StoreError>> {
            Box::pin(std::future::pending())
        }
        fn find<'a>(&'a self, _: Lookup<'a>) -> BoxFuture<'a, Result<Option<OfferRecord>, StoreError>> {
            Box::pin(std::future::pending())
        }
        fn compare_and_swap<'a>(&'a self, _: u64, _: &'a OfferRecord) -> BoxFuture<'a, Result<bool, StoreError>> {
            Box::pin(std::future::pending())
        }
        fn purge_expired(&self, _: u64) -> BoxFuture<'_, Result<u64, StoreError>> {
            Box::pin(std::future::pending())
        }
        fn ping(&self) -> BoxFuture<'_, Result<(), StoreError>> {
            Box::pin(std::future::pending())
        }
    }

    #[tokio::test]
    async fn a_stalled_store_fails_at_the_deadline() {
        let store = Deadline::new(Stalled, Duration::from_millis(20));
        let late = |error: StoreError| assert_eq!(error.0, "the store did not answer within 20 ms");
        late(store.ping().await.unwrap_err());
        late(store.find(Lookup::Id("x")).await.unwrap_err());
        late(store.purge_expired(0).await.unwrap_err());
    }
}
