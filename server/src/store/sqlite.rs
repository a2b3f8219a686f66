//! SQLite: the default store, a file or memory. One connection behind a mutex, used from tokio's
//! blocking pool: SQLite serialises writers anyway, and this keeps the async workers free.

use std::sync::{Arc, Mutex};

use credoffer::OfferRecord;
use rusqlite::{Connection, OptionalExtension, params};

use super::{BoxFuture, Columns, Lookup, Store, StoreError, decode, time_to_sql, version_to_sql};

/// `expires_at` holds [`OfferRecord::keep_until`]: when the record may go, which is later than the offer's
/// expiry once an access token was issued. `access_token_hash` came later: [`MIGRATION`] adds it to
/// tables made before it.
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS offer_records (
    id                TEXT PRIMARY KEY,
    code_hash         TEXT NOT NULL UNIQUE,
    reference_hash    TEXT UNIQUE,
    version           INTEGER NOT NULL,
    expires_at        INTEGER NOT NULL,
    record            TEXT NOT NULL,
    access_token_hash TEXT
);
CREATE INDEX IF NOT EXISTS offer_records_expires_at ON offer_records (expires_at);
";

/// Adds the access token column to a table made before it (SQLite has no `ADD COLUMN IF NOT EXISTS`).
const MIGRATION: &str = "ALTER TABLE offer_records ADD COLUMN access_token_hash TEXT";

/// Made after the migration, so that it finds the column in old tables too.
const ACCESS_TOKEN_INDEX: &str =
    "CREATE UNIQUE INDEX IF NOT EXISTS offer_records_access_token_hash ON offer_records (access_token_hash)";

/// How long a statement waits for another process's write lock (a second instance on one file).
const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// Creates the database file readable by its owner only, unless it exists: it holds claims in plain
/// text. SQLite gives its journal and WAL files the database file's permissions.
fn create_owner_only(path: &str) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt as _;
    match std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// Records in SQLite.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    connection: Arc<Mutex<Connection>>,
}

impl SqliteStore {
    /// Opens (or creates) a database file. WAL lets readers run beside the writer.
    pub async fn open_file(path: &str) -> Result<Self, StoreError> {
        let path = path.to_owned();
        Self::open_with(move || {
            create_owner_only(&path).map_err(|e| StoreError::from_display("create", e))?;
            let connection = Connection::open(&path).map_err(|e| StoreError::from_display("open", e))?;
            // Before the first statement: another instance may be creating the file's schema.
            connection.busy_timeout(BUSY_TIMEOUT).map_err(|e| StoreError::from_display("busy timeout", e))?;
            connection
                .pragma_update(None, "journal_mode", "WAL")
                .and_then(|()| connection.pragma_update(None, "synchronous", "NORMAL"))
                .map_err(|e| StoreError::from_display("pragma", e))?;
            Ok(connection)
        })
        .await
    }

    /// A database in memory, gone when the process ends.
    pub async fn open_in_memory() -> Result<Self, StoreError> {
        Self::open_with(|| Connection::open_in_memory().map_err(|e| StoreError::from_display("open", e))).await
    }

    async fn open_with(
        open: impl FnOnce() -> Result<Connection, StoreError> + Send + 'static,
    ) -> Result<Self, StoreError> {
        let connection = tokio::task::spawn_blocking(move || {
            let connection = open()?;
            connection.execute_batch(SCHEMA).map_err(|e| StoreError::from_display("create table", e))?;
            let has_column = connection
                .prepare("SELECT 1 FROM pragma_table_info('offer_records') WHERE name = 'access_token_hash'")
                .and_then(|mut statement| statement.exists([]))
                .map_err(|e| StoreError::from_display("table info", e))?;
            if !has_column {
                connection.execute_batch(MIGRATION).map_err(|e| StoreError::from_display("migrate", e))?;
            }
            connection.execute_batch(ACCESS_TOKEN_INDEX).map_err(|e| StoreError::from_display("create index", e))?;
            Ok::<_, StoreError>(connection)
        })
        .await
        .map_err(|e| StoreError::from_display("open task", e))??;
        Ok(Self { connection: Arc::new(Mutex::new(connection)) })
    }

    /// Runs `work` on the connection in the blocking pool.
    fn with<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> BoxFuture<'_, Result<T, StoreError>> {
        let connection = Arc::clone(&self.connection);
        Box::pin(async move {
            tokio::task::spawn_blocking(move || {
                let connection = connection.lock().map_err(|_| StoreError("the SQLite mutex is poisoned".into()))?;
                work(&connection).map_err(|e| StoreError::from_display("sqlite", e))
            })
            .await
            .map_err(|e| StoreError::from_display("sqlite task", e))?
        })
    }
}

impl Store for SqliteStore {
    fn insert<'a>(&'a self, record: &'a OfferRecord) -> BoxFuture<'a, Result<(), StoreError>> {
        let row = (
            record.id.clone(),
            record.code_hash.clone(),
            record.reference_hash.clone(),
            version_to_sql(record.version),
            Columns::of(record),
            record.to_json(),
        );
        Box::pin(async move {
            let (id, code_hash, reference_hash, version, columns, json) = row;
            let version = version?;
            self.with(move |connection| {
                connection.execute(
                    "INSERT INTO offer_records
                         (id, code_hash, reference_hash, version, expires_at, record, access_token_hash)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    params![
                        id,
                        code_hash,
                        reference_hash,
                        version,
                        columns.keep_until,
                        json,
                        columns.access_token_hash
                    ],
                )
            })
            .await
            .map(drop)
        })
    }

    fn find<'a>(&'a self, lookup: Lookup<'a>) -> BoxFuture<'a, Result<Option<OfferRecord>, StoreError>> {
        let (sql, key) = match lookup {
            Lookup::Id(id) => ("SELECT record FROM offer_records WHERE id = ?1", id.to_owned()),
            Lookup::CodeHash(hash) => ("SELECT record FROM offer_records WHERE code_hash = ?1", hash.to_owned()),
            Lookup::ReferenceHash(hash) => {
                ("SELECT record FROM offer_records WHERE reference_hash = ?1", hash.to_owned())
            }
            Lookup::AccessTokenHash(hash) => {
                ("SELECT record FROM offer_records WHERE access_token_hash = ?1", hash.to_owned())
            }
        };
        Box::pin(async move {
            let json = self
                .with(move |connection| {
                    connection.prepare_cached(sql)?.query_row(params![key], |row| row.get::<_, String>(0)).optional()
                })
                .await?;
            json.as_deref().map(decode).transpose()
        })
    }

    fn compare_and_swap<'a>(
        &'a self,
        read_version: u64,
        next: &'a OfferRecord,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        let row = (next.id.clone(), version_to_sql(next.version), Columns::of(next), next.to_json());
        Box::pin(async move {
            let (id, version, columns, json) = row;
            let (version, read_version) = (version?, version_to_sql(read_version)?);
            let updated = self
                .with(move |connection| {
                    connection
                        .prepare_cached(
                            "UPDATE offer_records SET version = ?3, expires_at = ?4, record = ?5, access_token_hash = ?6
                         WHERE id = ?1 AND version = ?2",
                        )?
                        .execute(params![id, read_version, version, columns.keep_until, json, columns.access_token_hash])
                })
                .await?;
            Ok(updated == 1)
        })
    }

    fn purge_expired(&self, before: u64) -> BoxFuture<'_, Result<u64, StoreError>> {
        let before = time_to_sql(before);
        Box::pin(async move {
            let removed = self
                .with(move |connection| {
                    connection.execute("DELETE FROM offer_records WHERE expires_at < ?1", params![before])
                })
                .await?;
            Ok(removed as u64)
        })
    }

    fn ping(&self) -> BoxFuture<'_, Result<(), StoreError>> {
        self.with(|connection| connection.query_row("SELECT 1", [], |_| Ok(())))
    }
}
