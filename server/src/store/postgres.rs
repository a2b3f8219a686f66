//! PostgreSQL: one store for several instances behind a load balancer. A few connections used in
//! turn (tokio-postgres pipelines concurrent queries on each), statements prepared once per
//! connection, and a connection that dropped is reopened on next use.
//!
//! Connections are made without TLS: run the database on loopback or a private link.

use std::sync::atomic::{AtomicUsize, Ordering};

use credoffer::OfferRecord;
use tokio::sync::RwLock;
use tokio_postgres::{Client, NoTls, Statement};

use super::{BoxFuture, Columns, Lookup, Store, StoreError, decode, time_to_sql, version_to_sql};

const CONNECTIONS: usize = 4;

/// `expires_at` holds [`OfferRecord::keep_until`]: when the record may go, which is later than the offer's
/// expiry once an access token was issued. `access_token_hash` came later, hence its `ALTER TABLE`.
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS offer_records (
    id             TEXT PRIMARY KEY,
    code_hash      TEXT NOT NULL UNIQUE,
    reference_hash TEXT UNIQUE,
    version        BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL,
    record         TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS offer_records_expires_at ON offer_records (expires_at);
ALTER TABLE offer_records ADD COLUMN IF NOT EXISTS access_token_hash TEXT;
CREATE UNIQUE INDEX IF NOT EXISTS offer_records_access_token_hash ON offer_records (access_token_hash);
";

/// A connection and its prepared statements.
struct Session {
    client: Client,
    insert: Statement,
    by_id: Statement,
    by_code_hash: Statement,
    by_reference_hash: Statement,
    by_access_token_hash: Statement,
    compare_and_swap: Statement,
}

/// Records in PostgreSQL.
pub struct PostgresStore {
    url: String,
    sessions: Vec<RwLock<Session>>,
    next: AtomicUsize,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may carry a password.
        f.debug_struct("PostgresStore").field("connections", &self.sessions.len()).finish_non_exhaustive()
    }
}

fn pg_error(context: &str) -> impl FnOnce(tokio_postgres::Error) -> StoreError + '_ {
    move |e| StoreError::from_display(context, e)
}

impl Session {
    async fn open(url: &str, create_table: bool) -> Result<Self, StoreError> {
        let (client, connection) = tokio_postgres::connect(url, NoTls).await.map_err(pg_error("connect"))?;
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::warn!(error = %e, "PostgreSQL connection closed");
            }
        });
        if create_table {
            // Several instances may start at once; the lock keeps their CREATEs from colliding.
            client
                .batch_execute(&format!("BEGIN; SELECT pg_advisory_xact_lock(724011); {SCHEMA} COMMIT;"))
                .await
                .map_err(pg_error("create table"))?;
        }
        let prepare = |sql: &'static str| client.prepare(sql);
        Ok(Self {
            insert: prepare(
                "INSERT INTO offer_records
                     (id, code_hash, reference_hash, version, expires_at, record, access_token_hash)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .await
            .map_err(pg_error("prepare"))?,
            by_id: prepare("SELECT record FROM offer_records WHERE id = $1").await.map_err(pg_error("prepare"))?,
            by_code_hash: prepare("SELECT record FROM offer_records WHERE code_hash = $1")
                .await
                .map_err(pg_error("prepare"))?,
            by_reference_hash: prepare("SELECT record FROM offer_records WHERE reference_hash = $1")
                .await
                .map_err(pg_error("prepare"))?,
            by_access_token_hash: prepare("SELECT record FROM offer_records WHERE access_token_hash = $1")
                .await
                .map_err(pg_error("prepare"))?,
            compare_and_swap: prepare(
                "UPDATE offer_records SET version = $3, expires_at = $4, record = $5, access_token_hash = $6
                 WHERE id = $1 AND version = $2",
            )
            .await
            .map_err(pg_error("prepare"))?,
            client,
        })
    }
}

impl PostgresStore {
    /// Connects, and creates the table when missing.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let mut sessions = vec![RwLock::new(Session::open(url, true).await?)];
        for _ in 1..CONNECTIONS {
            sessions.push(RwLock::new(Session::open(url, false).await?));
        }
        Ok(Self { url: url.to_owned(), sessions, next: AtomicUsize::new(0) })
    }

    /// The next connection in turn, reopened first if it dropped.
    async fn session(&self) -> Result<tokio::sync::RwLockReadGuard<'_, Session>, StoreError> {
        let index = self.next.fetch_add(1, Ordering::Relaxed) % self.sessions.len();
        let slot = self.sessions.get(index).ok_or_else(|| StoreError("no PostgreSQL connection".into()))?;
        {
            let session = slot.read().await;
            if !session.client.is_closed() {
                return Ok(session);
            }
        }
        let mut session = slot.write().await;
        if session.client.is_closed() {
            *session = Session::open(&self.url, false).await?;
            tracing::info!("PostgreSQL connection reopened");
        }
        Ok(session.downgrade())
    }
}

impl Store for PostgresStore {
    fn insert<'a>(&'a self, record: &'a OfferRecord) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let session = self.session().await?;
            let json = record.to_json();
            let columns = Columns::of(record);
            session
                .client
                .execute(
                    &session.insert,
                    &[
                        &record.id,
                        &record.code_hash,
                        &record.reference_hash,
                        &version_to_sql(record.version)?,
                        &columns.keep_until,
                        &json,
                        &columns.access_token_hash,
                    ],
                )
                .await
                .map_err(pg_error("insert"))?;
            Ok(())
        })
    }

    fn find<'a>(&'a self, lookup: Lookup<'a>) -> BoxFuture<'a, Result<Option<OfferRecord>, StoreError>> {
        Box::pin(async move {
            let session = self.session().await?;
            let (statement, key) = match lookup {
                Lookup::Id(id) => (&session.by_id, id),
                Lookup::CodeHash(hash) => (&session.by_code_hash, hash),
                Lookup::ReferenceHash(hash) => (&session.by_reference_hash, hash),
                Lookup::AccessTokenHash(hash) => (&session.by_access_token_hash, hash),
            };
            let row = session.client.query_opt(statement, &[&key]).await.map_err(pg_error("select"))?;
            match row {
                None => Ok(None),
                Some(row) => {
                    let json: String = row.try_get(0).map_err(pg_error("select"))?;
                    decode(&json).map(Some)
                }
            }
        })
    }

    fn compare_and_swap<'a>(
        &'a self,
        read_version: u64,
        next: &'a OfferRecord,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(async move {
            let session = self.session().await?;
            let json = next.to_json();
            let columns = Columns::of(next);
            let updated = session
                .client
                .execute(
                    &session.compare_and_swap,
                    &[
                        &next.id,
                        &version_to_sql(read_version)?,
                        &version_to_sql(next.version)?,
                        &columns.keep_until,
                        &json,
                        &columns.access_token_hash,
                    ],
                )
                .await
                .map_err(pg_error("update"))?;
            Ok(updated == 1)
        })
    }

    fn purge_expired(&self, before: u64) -> BoxFuture<'_, Result<u64, StoreError>> {
        Box::pin(async move {
            let session = self.session().await?;
            session
                .client
                .execute("DELETE FROM offer_records WHERE expires_at < $1", &[&time_to_sql(before)])
                .await
                .map_err(pg_error("purge"))
        })
    }

    fn ping(&self) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(async move {
            let session = self.session().await?;
            session.client.simple_query("SELECT 1").await.map_err(pg_error("ping")).map(drop)
        })
    }
}
