//! SQLite: the default store, a file or memory. One connection behind a mutex, used from tokio's
//! blocking pool: SQLite serialises writers anyway, and this keeps the async workers free.

use std::sync::{Arc, Mutex};

use credoffer::OfferRecord;
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::{
    BoxFuture, Claim, Columns, Delivery, DeliveryResult, Lookup, Outbox, OutboxEntry, OutboxPolicy, Store, StoreError,
    StoredEvent, count_from_sql, decode, limit_to_sql, now_ms, time_to_sql, version_to_sql,
};

/// `expires_at` holds [`OfferRecord::keep_until`]: when the record may go, which is later than the offer's
/// expiry once an access token was issued. `access_token_hash` and `expiry_due_at` came later:
/// [`ADDED_COLUMNS`] adds them to tables made before them.
///
/// `offer_events` is append-only: one row per record transition, keyed by the version it produced.
/// `webhook_outbox` holds one row per event and endpoint until it is delivered (then deleted) or given
/// up (then kept, `failed = 1`); `lease_until_ms` and `lease_owner` say which worker is delivering it.
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS offer_records (
    id                TEXT PRIMARY KEY,
    code_hash         TEXT NOT NULL UNIQUE,
    reference_hash    TEXT UNIQUE,
    version           INTEGER NOT NULL,
    expires_at        INTEGER NOT NULL,
    record            TEXT NOT NULL,
    access_token_hash TEXT,
    expiry_due_at     INTEGER
);
CREATE INDEX IF NOT EXISTS offer_records_expires_at ON offer_records (expires_at);
CREATE TABLE IF NOT EXISTS offer_events (
    offer_id TEXT NOT NULL,
    version  INTEGER NOT NULL,
    type     TEXT NOT NULL,
    terminal INTEGER NOT NULL,
    event    TEXT NOT NULL,
    PRIMARY KEY (offer_id, version)
);
CREATE TABLE IF NOT EXISTS webhook_outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id        TEXT NOT NULL,
    offer_id        TEXT NOT NULL,
    endpoint        TEXT NOT NULL,
    body            TEXT NOT NULL,
    queued_at_ms    INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms INTEGER NOT NULL,
    lease_until_ms  INTEGER NOT NULL DEFAULT 0,
    lease_owner     TEXT,
    failed          INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT
);
CREATE INDEX IF NOT EXISTS webhook_outbox_due ON webhook_outbox (failed, next_attempt_ms);
CREATE INDEX IF NOT EXISTS webhook_outbox_offer ON webhook_outbox (offer_id);
";

/// Columns added to `offer_records` since its first version (SQLite has no `ADD COLUMN IF NOT EXISTS`).
const ADDED_COLUMNS: [(&str, &str); 2] = [("access_token_hash", "TEXT"), ("expiry_due_at", "INTEGER")];

/// Made after the migration, so that they find the columns in old tables too.
const ADDED_INDEXES: &str = "
CREATE UNIQUE INDEX IF NOT EXISTS offer_records_access_token_hash ON offer_records (access_token_hash);
CREATE INDEX IF NOT EXISTS offer_records_expiry_due_at ON offer_records (expiry_due_at);
";

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
    outbox: Arc<Outbox>,
}

impl SqliteStore {
    /// Opens (or creates) a database file. WAL lets readers run beside the writer.
    pub async fn open_file(path: &str, outbox: OutboxPolicy) -> Result<Self, StoreError> {
        let path = path.to_owned();
        Self::open_with(outbox, move || {
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
    pub async fn open_in_memory(outbox: OutboxPolicy) -> Result<Self, StoreError> {
        Self::open_with(outbox, || Connection::open_in_memory().map_err(|e| StoreError::from_display("open", e))).await
    }

    async fn open_with(
        outbox: OutboxPolicy,
        open: impl FnOnce() -> Result<Connection, StoreError> + Send + 'static,
    ) -> Result<Self, StoreError> {
        let connection = tokio::task::spawn_blocking(move || {
            let connection = open()?;
            connection.execute_batch(SCHEMA).map_err(|e| StoreError::from_display("create table", e))?;
            for (column, sql_type) in ADDED_COLUMNS {
                let has_column = connection
                    .prepare("SELECT 1 FROM pragma_table_info('offer_records') WHERE name = ?1")
                    .and_then(|mut statement| statement.exists([column]))
                    .map_err(|e| StoreError::from_display("table info", e))?;
                if !has_column {
                    connection
                        .execute_batch(&format!("ALTER TABLE offer_records ADD COLUMN {column} {sql_type}"))
                        .map_err(|e| StoreError::from_display("migrate", e))?;
                }
            }
            connection.execute_batch(ADDED_INDEXES).map_err(|e| StoreError::from_display("create index", e))?;
            Ok::<_, StoreError>(connection)
        })
        .await
        .map_err(|e| StoreError::from_display("open task", e))??;
        Ok(Self { connection: Arc::new(Mutex::new(connection)), outbox: Arc::new(Outbox::new(outbox)) })
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

    /// Runs `work` in a transaction (`BEGIN IMMEDIATE`: it writes, so it takes the write lock at once
    /// rather than failing to upgrade a read lock another process holds), committed when it succeeds.
    fn in_transaction<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Transaction<'_>) -> rusqlite::Result<T> + Send + 'static,
    ) -> BoxFuture<'_, Result<T, StoreError>> {
        self.with(move |connection| {
            let transaction = Transaction::new_unchecked(connection, rusqlite::TransactionBehavior::Immediate)?;
            let value = work(&transaction)?;
            transaction.commit()?;
            Ok(value)
        })
    }
}

/// An event row and its outbox rows, in the caller's transaction.
struct EventRows {
    event: StoredEvent,
    version: i64,
    queued_at_ms: i64,
    endpoints: Vec<String>,
}

impl EventRows {
    fn new(event: &StoredEvent, outbox: &Outbox) -> Result<Self, StoreError> {
        Ok(Self {
            event: event.clone(),
            version: version_to_sql(event.version)?,
            queued_at_ms: now_ms(),
            endpoints: outbox.endpoints_for(event).to_vec(),
        })
    }

    fn write(&self, transaction: &Transaction<'_>) -> rusqlite::Result<()> {
        let event = &self.event;
        transaction
            .prepare_cached(
                "INSERT INTO offer_events (offer_id, version, type, terminal, event) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![event.offer_id, self.version, event.kind, event.terminal, event.json])?;
        for endpoint in &self.endpoints {
            transaction
                .prepare_cached(
                    "INSERT INTO webhook_outbox (event_id, offer_id, endpoint, body, queued_at_ms, next_attempt_ms)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
                )?
                .execute(params![event.id(), event.offer_id, endpoint, event.json, self.queued_at_ms])?;
        }
        Ok(())
    }
}

impl Store for SqliteStore {
    fn insert<'a>(&'a self, record: &'a OfferRecord, event: &'a StoredEvent) -> BoxFuture<'a, Result<(), StoreError>> {
        let row = (
            record.id.clone(),
            record.code_hash.clone(),
            record.reference_hash.clone(),
            version_to_sql(record.version),
            Columns::of(record),
            record.to_json(),
            EventRows::new(event, &self.outbox),
        );
        Box::pin(async move {
            let (id, code_hash, reference_hash, version, columns, json, event) = row;
            let (version, event) = (version?, event?);
            self.in_transaction(move |transaction| {
                transaction.execute(
                    "INSERT INTO offer_records
                         (id, code_hash, reference_hash, version, expires_at, record, access_token_hash, expiry_due_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                    params![
                        id,
                        code_hash,
                        reference_hash,
                        version,
                        columns.keep_until,
                        json,
                        columns.access_token_hash,
                        columns.expiry_due_at
                    ],
                )?;
                event.write(transaction)
            })
            .await
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
        event: Option<&'a StoredEvent>,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        let row = (
            next.id.clone(),
            version_to_sql(next.version),
            Columns::of(next),
            next.to_json(),
            event.map(|event| EventRows::new(event, &self.outbox)).transpose(),
        );
        Box::pin(async move {
            let (id, version, columns, json, event) = row;
            let (version, read_version, event) = (version?, version_to_sql(read_version)?, event?);
            self.in_transaction(move |transaction| {
                let updated = transaction
                    .prepare_cached(
                        "UPDATE offer_records
                         SET version = ?3, expires_at = ?4, record = ?5, access_token_hash = ?6, expiry_due_at = ?7
                         WHERE id = ?1 AND version = ?2",
                    )?
                    .execute(params![
                        id,
                        read_version,
                        version,
                        columns.keep_until,
                        json,
                        columns.access_token_hash,
                        columns.expiry_due_at
                    ])?;
                // A lost swap writes nothing: its event did not happen.
                if updated == 1
                    && let Some(event) = &event
                {
                    event.write(transaction)?;
                }
                Ok(updated == 1)
            })
            .await
        })
    }

    fn events_after<'a>(
        &'a self,
        offer_id: &'a str,
        after: u64,
        limit: usize,
    ) -> BoxFuture<'a, Result<Vec<StoredEvent>, StoreError>> {
        let (offer_id, after, limit) = (offer_id.to_owned(), version_to_sql(after), limit_to_sql(limit));
        Box::pin(async move {
            let after = after?;
            let rows = self
                .with(move |connection| {
                    connection
                        .prepare_cached(
                            "SELECT version, type, terminal, event FROM offer_events
                             WHERE offer_id = ?1 AND version > ?2 ORDER BY version LIMIT ?3",
                        )?
                        .query_map(params![offer_id, after, limit], |row| {
                            Ok(StoredEvent {
                                offer_id: offer_id.clone(),
                                version: u64::try_from(row.get::<_, i64>(0)?).unwrap_or(0),
                                kind: row.get(1)?,
                                terminal: row.get(2)?,
                                json: row.get(3)?,
                            })
                        })?
                        .collect::<rusqlite::Result<Vec<_>>>()
                })
                .await?;
            Ok(rows)
        })
    }

    fn expired_unreported(&self, now: u64, limit: usize) -> BoxFuture<'_, Result<Vec<OfferRecord>, StoreError>> {
        let (now, limit) = (time_to_sql(now), limit_to_sql(limit));
        Box::pin(async move {
            let rows = self
                .with(move |connection| {
                    connection
                        .prepare_cached(
                            "SELECT record FROM offer_records WHERE expiry_due_at <= ?1 ORDER BY expiry_due_at LIMIT ?2",
                        )?
                        .query_map(params![now, limit], |row| row.get::<_, String>(0))?
                        .collect::<rusqlite::Result<Vec<_>>>()
                })
                .await?;
            rows.iter().map(|json| decode(json)).collect()
        })
    }

    fn claim_deliveries<'a>(&'a self, claim: &'a Claim) -> BoxFuture<'a, Result<Vec<Delivery>, StoreError>> {
        let claim = claim.clone();
        let endpoints = serde_json::Value::from(claim.endpoints.clone()).to_string();
        // One statement: SQLite runs it under the write lock, so two processes never take one row.
        self.with(move |connection| {
            connection
                .prepare_cached(
                    "UPDATE webhook_outbox SET lease_until_ms = ?2, lease_owner = ?3
                     WHERE id IN (SELECT id FROM webhook_outbox
                                  WHERE failed = 0 AND next_attempt_ms <= ?1 AND lease_until_ms <= ?1
                                      AND endpoint IN (SELECT value FROM json_each(?5))
                                  ORDER BY id LIMIT ?4)
                     RETURNING id, event_id, endpoint, body, attempts, queued_at_ms",
                )?
                .query_map(
                    params![claim.now_ms, claim.lease_until_ms, claim.owner, limit_to_sql(claim.limit), endpoints],
                    |row| {
                        Ok(Delivery {
                            row: row.get(0)?,
                            event_id: row.get(1)?,
                            endpoint: row.get(2)?,
                            body: row.get(3)?,
                            attempts: count_from_sql(row.get(4)?),
                            queued_at_ms: row.get(5)?,
                        })
                    },
                )?
                .collect::<rusqlite::Result<Vec<_>>>()
        })
    }

    fn finish_delivery<'a>(
        &'a self,
        delivery: &'a Delivery,
        owner: &'a str,
        result: &'a DeliveryResult,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        let (row, owner, result) = (delivery.row, owner.to_owned(), result.clone());
        Box::pin(async move {
            let changed = self
                .with(move |connection| match result {
                    DeliveryResult::Delivered => connection
                        .prepare_cached("DELETE FROM webhook_outbox WHERE id = ?1 AND lease_owner = ?2")?
                        .execute(params![row, owner]),
                    DeliveryResult::RetryAt { at_ms, error } => connection
                        .prepare_cached(
                            "UPDATE webhook_outbox SET attempts = attempts + 1, next_attempt_ms = ?3,
                                 lease_until_ms = 0, lease_owner = NULL, last_error = ?4
                             WHERE id = ?1 AND lease_owner = ?2",
                        )?
                        .execute(params![row, owner, at_ms, error]),
                    DeliveryResult::Failed { error } => connection
                        .prepare_cached(
                            "UPDATE webhook_outbox SET attempts = attempts + 1, failed = 1,
                                 lease_until_ms = 0, lease_owner = NULL, last_error = ?3
                             WHERE id = ?1 AND lease_owner = ?2",
                        )?
                        .execute(params![row, owner, error]),
                })
                .await?;
            Ok(changed == 1)
        })
    }

    fn check_outbox(&self) -> BoxFuture<'_, Result<u64, StoreError>> {
        Box::pin(async move {
            let pending = self
                .with(|connection| {
                    connection.query_row("SELECT count(*) FROM webhook_outbox WHERE failed = 0", [], |row| {
                        row.get::<_, i64>(0)
                    })
                })
                .await?;
            Ok(self.outbox.counted(u64::try_from(pending).unwrap_or(0)))
        })
    }

    fn outbox_of<'a>(&'a self, offer_id: &'a str) -> BoxFuture<'a, Result<Vec<OutboxEntry>, StoreError>> {
        let offer_id = offer_id.to_owned();
        self.with(move |connection| {
            connection
                .prepare_cached(
                    "SELECT event_id, endpoint, attempts, failed, last_error FROM webhook_outbox
                     WHERE offer_id = ?1 ORDER BY id",
                )?
                .query_map(params![offer_id], |row| {
                    Ok(OutboxEntry {
                        event_id: row.get(0)?,
                        endpoint: row.get(1)?,
                        attempts: count_from_sql(row.get(2)?),
                        failed: row.get(3)?,
                        last_error: row.get(4)?,
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()
        })
    }

    fn purge_expired(&self, before: u64, pending_since_ms: i64) -> BoxFuture<'_, Result<u64, StoreError>> {
        let before = time_to_sql(before);
        Box::pin(async move {
            let removed = self
                .in_transaction(move |transaction| {
                    let purged = transaction
                        .prepare(
                            "DELETE FROM offer_records AS r WHERE expires_at < ?1
                                 AND NOT EXISTS (SELECT 1 FROM webhook_outbox AS w
                                                 WHERE w.offer_id = r.id AND w.failed = 0 AND w.queued_at_ms > ?2)
                             RETURNING id",
                        )?
                        .query_map(params![before, pending_since_ms], |row| row.get::<_, String>(0))?
                        .collect::<rusqlite::Result<Vec<_>>>()?;
                    for dependent in ["offer_events", "webhook_outbox"] {
                        let mut delete =
                            transaction.prepare(&format!("DELETE FROM {dependent} WHERE offer_id = ?1"))?;
                        for id in &purged {
                            delete.execute(params![id])?;
                        }
                    }
                    Ok(purged.len())
                })
                .await?;
            Ok(removed as u64)
        })
    }

    fn ping(&self) -> BoxFuture<'_, Result<(), StoreError>> {
        self.with(|connection| connection.query_row("SELECT 1", [], |_| Ok(())))
    }
}
