//! Where offer records live. A record is kept as the engine's JSON plus the columns it is found by;
//! every update is a compare-and-swap on the version the caller read, so two requests racing on one
//! offer (on one instance or several) cannot both move it.

mod postgres;
mod sqlite;

use std::fmt;
use std::future::Future;
use std::pin::Pin;

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

    /// Removes records that expired before `before` (Unix seconds). Returns how many.
    fn purge_expired(&self, before: u64) -> BoxFuture<'_, Result<u64, StoreError>>;

    /// Whether the store answers.
    fn ping(&self) -> BoxFuture<'_, Result<(), StoreError>>;
}

/// Opens the configured store, creating its table when missing.
pub async fn open(database: &Database) -> Result<Box<dyn Store>, StoreError> {
    Ok(match database {
        Database::SqliteFile(path) => Box::new(SqliteStore::open_file(path).await?),
        Database::SqliteMemory => Box::new(SqliteStore::open_in_memory().await?),
        Database::Postgres(url) => Box::new(PostgresStore::connect(url).await?),
    })
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
