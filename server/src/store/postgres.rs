//! PostgreSQL: one store for several instances behind a load balancer. A few connections used in
//! turn (tokio-postgres pipelines concurrent queries on each), statements prepared once per
//! connection, and a connection that dropped is reopened on next use.
//!
//! Connections are made without TLS: run the database on loopback or a private link.

use std::sync::atomic::{AtomicUsize, Ordering};

use credoffer::OfferRecord;
use tokio::sync::RwLock;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, NoTls, Row, Statement};

use super::{
    BoxFuture, Claim, Columns, Delivery, DeliveryResult, Lookup, Outbox, OutboxEntry, OutboxPolicy, Store, StoreError,
    StoredEvent, count_from_sql, decode, limit_to_sql, now_ms, time_to_sql, version_to_sql,
};

const CONNECTIONS: usize = 4;

/// `expires_at` holds [`OfferRecord::keep_until`]: when the record may go, which is later than the offer's
/// expiry once an access token was issued. `access_token_hash` and `expiry_due_at` came later, hence
/// their `ALTER TABLE`.
///
/// `offer_events` is append-only: one row per record transition, keyed by the version it produced.
/// `webhook_outbox` holds one row per event and endpoint until it is delivered (then deleted) or given
/// up (then kept, `failed`); `lease_until_ms` and `lease_owner` say which worker is delivering it.
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
ALTER TABLE offer_records ADD COLUMN IF NOT EXISTS expiry_due_at BIGINT;
CREATE INDEX IF NOT EXISTS offer_records_expiry_due_at ON offer_records (expiry_due_at);
CREATE TABLE IF NOT EXISTS offer_events (
    offer_id TEXT NOT NULL,
    version  BIGINT NOT NULL,
    type     TEXT NOT NULL,
    terminal BOOLEAN NOT NULL,
    event    TEXT NOT NULL,
    PRIMARY KEY (offer_id, version)
);
CREATE TABLE IF NOT EXISTS webhook_outbox (
    id              BIGSERIAL PRIMARY KEY,
    event_id        TEXT NOT NULL,
    offer_id        TEXT NOT NULL,
    endpoint        TEXT NOT NULL,
    body            TEXT NOT NULL,
    queued_at_ms    BIGINT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms BIGINT NOT NULL,
    lease_until_ms  BIGINT NOT NULL DEFAULT 0,
    lease_owner     TEXT,
    failed          BOOLEAN NOT NULL DEFAULT FALSE,
    last_error      TEXT
);
CREATE INDEX IF NOT EXISTS webhook_outbox_due ON webhook_outbox (failed, next_attempt_ms);
CREATE INDEX IF NOT EXISTS webhook_outbox_offer ON webhook_outbox (offer_id);
";

/// The tail of a record write's statement: the event row, then one outbox row per endpoint, both only if
/// `written` (the record's insert or update) returned a row. One statement is one transaction, and it
/// can share a pipelined connection, which an explicit transaction could not.
///
/// Parameters, shared by the insert and the swap: $1 id, $2 version, $3 keep-until, $4 record JSON,
/// $5 access token hash, $6 expiry due at; $7 event type (null: no event), $8 terminal, $9 event JSON,
/// $10 event id, $11 queued-at (ms), $12 endpoints. Then the insert's $13 code hash and $14 reference
/// hash, or the swap's $13 version read.
const WRITE_EVENT: &str = "
event AS (
    INSERT INTO offer_events (offer_id, version, type, terminal, event)
    SELECT id, $2, $7, $8, $9 FROM written WHERE $7::text IS NOT NULL
    RETURNING offer_id
),
queued AS (
    INSERT INTO webhook_outbox (event_id, offer_id, endpoint, body, queued_at_ms, next_attempt_ms)
    SELECT $10, event.offer_id, endpoint, $9, $11, $11 FROM event, unnest($12::text[]) AS endpoint
)
SELECT count(*) FROM written";

/// A connection and its prepared statements.
struct Session {
    client: Client,
    insert: Statement,
    by_id: Statement,
    by_code_hash: Statement,
    by_reference_hash: Statement,
    by_access_token_hash: Statement,
    compare_and_swap: Statement,
    events_after: Statement,
    expired_unreported: Statement,
    claim: Statement,
    delivered: Statement,
    retry: Statement,
    give_up: Statement,
    outbox_of: Statement,
}

/// Records in PostgreSQL.
pub struct PostgresStore {
    url: String,
    sessions: Vec<RwLock<Session>>,
    next: AtomicUsize,
    outbox: Outbox,
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
        let prepare = |sql: String| {
            let client = &client;
            async move { client.prepare(&sql).await.map_err(pg_error("prepare")) }
        };
        let select = |column: &str| format!("SELECT record FROM offer_records WHERE {column} = $1");
        Ok(Self {
            insert: prepare(format!(
                "WITH written AS (
                     INSERT INTO offer_records
                         (id, version, expires_at, record, access_token_hash, expiry_due_at, code_hash, reference_hash)
                     VALUES ($1, $2, $3, $4, $5, $6, $13, $14)
                     RETURNING id
                 ), {WRITE_EVENT}"
            ))
            .await?,
            by_id: prepare(select("id")).await?,
            by_code_hash: prepare(select("code_hash")).await?,
            by_reference_hash: prepare(select("reference_hash")).await?,
            by_access_token_hash: prepare(select("access_token_hash")).await?,
            compare_and_swap: prepare(format!(
                "WITH written AS (
                     UPDATE offer_records
                     SET version = $2, expires_at = $3, record = $4, access_token_hash = $5, expiry_due_at = $6
                     WHERE id = $1 AND version = $13
                     RETURNING id
                 ), {WRITE_EVENT}"
            ))
            .await?,
            events_after: prepare(
                "SELECT offer_id, version, type, terminal, event FROM offer_events
                 WHERE offer_id = $1 AND version > $2 ORDER BY version LIMIT $3"
                    .to_owned(),
            )
            .await?,
            expired_unreported: prepare(
                "SELECT record FROM offer_records WHERE expiry_due_at <= $1 ORDER BY expiry_due_at LIMIT $2".to_owned(),
            )
            .await?,
            // SKIP LOCKED: instances claiming at once take different rows instead of waiting on each other.
            claim: prepare(
                "UPDATE webhook_outbox SET lease_until_ms = $2, lease_owner = $3
                 WHERE id IN (SELECT id FROM webhook_outbox
                              WHERE NOT failed AND next_attempt_ms <= $1 AND lease_until_ms <= $1
                                  AND endpoint = ANY($5)
                              ORDER BY id LIMIT $4 FOR UPDATE SKIP LOCKED)
                 RETURNING id, event_id, endpoint, body, attempts, queued_at_ms"
                    .to_owned(),
            )
            .await?,
            delivered: prepare("DELETE FROM webhook_outbox WHERE id = $1 AND lease_owner = $2".to_owned()).await?,
            retry: prepare(
                "UPDATE webhook_outbox SET attempts = attempts + 1, next_attempt_ms = $3,
                     lease_until_ms = 0, lease_owner = NULL, last_error = $4
                 WHERE id = $1 AND lease_owner = $2"
                    .to_owned(),
            )
            .await?,
            give_up: prepare(
                "UPDATE webhook_outbox SET attempts = attempts + 1, failed = TRUE,
                     lease_until_ms = 0, lease_owner = NULL, last_error = $3
                 WHERE id = $1 AND lease_owner = $2"
                    .to_owned(),
            )
            .await?,
            outbox_of: prepare(
                "SELECT event_id, endpoint, attempts, failed, last_error FROM webhook_outbox
                 WHERE offer_id = $1 ORDER BY id"
                    .to_owned(),
            )
            .await?,
            client,
        })
    }
}

impl PostgresStore {
    /// Connects, and creates the tables when missing.
    pub async fn connect(url: &str, outbox: OutboxPolicy) -> Result<Self, StoreError> {
        let mut sessions = vec![RwLock::new(Session::open(url, true).await?)];
        for _ in 1..CONNECTIONS {
            sessions.push(RwLock::new(Session::open(url, false).await?));
        }
        Ok(Self { url: url.to_owned(), sessions, next: AtomicUsize::new(0), outbox: Outbox::new(outbox) })
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

    /// Writes a record (inserted, or swapped for the version read) with its event. Returns whether the
    /// record was written.
    async fn write(
        &self,
        record: &OfferRecord,
        read_version: Option<u64>,
        event: Option<&StoredEvent>,
    ) -> Result<bool, StoreError> {
        let session = self.session().await?;
        let (json, columns, version) = (record.to_json(), Columns::of(record), version_to_sql(record.version)?);
        let read_version = read_version.map(version_to_sql).transpose()?;
        let (kind, terminal) = (event.map(|event| event.kind.as_str()), event.map(|event| event.terminal));
        let (event_json, event_id) = (event.map(|event| event.json.as_str()), event.map(StoredEvent::id));
        let queued_at_ms = now_ms();
        let endpoints = event.map_or(&[][..], |event| self.outbox.endpoints_for(event));
        let mut params: Vec<&(dyn ToSql + Sync)> = vec![
            &record.id,
            &version,
            &columns.keep_until,
            &json,
            &columns.access_token_hash,
            &columns.expiry_due_at,
            &kind,
            &terminal,
            &event_json,
            &event_id,
            &queued_at_ms,
            &endpoints,
        ];
        let statement = match &read_version {
            Some(read_version) => {
                params.push(read_version);
                &session.compare_and_swap
            }
            None => {
                params.extend([&record.code_hash as &(dyn ToSql + Sync), &record.reference_hash]);
                &session.insert
            }
        };
        let row = session.client.query_one(statement, &params).await.map_err(pg_error("write"))?;
        let written: i64 = row.try_get(0).map_err(pg_error("write"))?;
        Ok(written == 1)
    }
}

impl Store for PostgresStore {
    fn insert<'a>(&'a self, record: &'a OfferRecord, event: &'a StoredEvent) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            match self.write(record, None, Some(event)).await? {
                true => Ok(()),
                false => Err(StoreError("the record was not inserted".into())),
            }
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
            row.map(|row| record_of(&row)).transpose()
        })
    }

    fn compare_and_swap<'a>(
        &'a self,
        read_version: u64,
        next: &'a OfferRecord,
        event: Option<&'a StoredEvent>,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(self.write(next, Some(read_version), event))
    }

    fn events_after<'a>(
        &'a self,
        offer_id: &'a str,
        after: u64,
        limit: usize,
    ) -> BoxFuture<'a, Result<Vec<StoredEvent>, StoreError>> {
        Box::pin(async move {
            let session = self.session().await?;
            let rows = session
                .client
                .query(&session.events_after, &[&offer_id, &version_to_sql(after)?, &limit_to_sql(limit)])
                .await
                .map_err(pg_error("select events"))?;
            rows.iter()
                .map(|row| {
                    let version: i64 = row.try_get(1)?;
                    Ok(StoredEvent {
                        offer_id: row.try_get(0)?,
                        version: u64::try_from(version).unwrap_or(0),
                        kind: row.try_get(2)?,
                        terminal: row.try_get(3)?,
                        json: row.try_get(4)?,
                    })
                })
                .collect::<Result<_, tokio_postgres::Error>>()
                .map_err(pg_error("select events"))
        })
    }

    fn expired_unreported(&self, now: u64, limit: usize) -> BoxFuture<'_, Result<Vec<OfferRecord>, StoreError>> {
        Box::pin(async move {
            let session = self.session().await?;
            let rows = session
                .client
                .query(&session.expired_unreported, &[&time_to_sql(now), &limit_to_sql(limit)])
                .await
                .map_err(pg_error("select expired"))?;
            rows.iter().map(record_of).collect()
        })
    }

    fn claim_deliveries<'a>(&'a self, claim: &'a Claim) -> BoxFuture<'a, Result<Vec<Delivery>, StoreError>> {
        Box::pin(async move {
            let session = self.session().await?;
            let rows = session
                .client
                .query(
                    &session.claim,
                    &[&claim.now_ms, &claim.lease_until_ms, &claim.owner, &limit_to_sql(claim.limit), &claim.endpoints],
                )
                .await
                .map_err(pg_error("claim"))?;
            rows.iter()
                .map(|row| {
                    let attempts: i32 = row.try_get(4)?;
                    Ok(Delivery {
                        row: row.try_get(0)?,
                        event_id: row.try_get(1)?,
                        endpoint: row.try_get(2)?,
                        body: row.try_get(3)?,
                        attempts: count_from_sql(attempts.into()),
                        queued_at_ms: row.try_get(5)?,
                    })
                })
                .collect::<Result<_, tokio_postgres::Error>>()
                .map_err(pg_error("claim"))
        })
    }

    fn finish_delivery<'a>(
        &'a self,
        delivery: &'a Delivery,
        owner: &'a str,
        result: &'a DeliveryResult,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(async move {
            let session = self.session().await?;
            let row = &delivery.row;
            let changed = match result {
                DeliveryResult::Delivered => session.client.execute(&session.delivered, &[row, &owner]).await,
                DeliveryResult::RetryAt { at_ms, error } => {
                    session.client.execute(&session.retry, &[row, &owner, at_ms, error]).await
                }
                DeliveryResult::Failed { error } => {
                    session.client.execute(&session.give_up, &[row, &owner, error]).await
                }
            }
            .map_err(pg_error("finish delivery"))?;
            Ok(changed == 1)
        })
    }

    fn check_outbox(&self) -> BoxFuture<'_, Result<u64, StoreError>> {
        Box::pin(async move {
            let session = self.session().await?;
            let row = session
                .client
                .query_one("SELECT count(*) FROM webhook_outbox WHERE NOT failed", &[])
                .await
                .map_err(pg_error("count outbox"))?;
            let pending: i64 = row.try_get(0).map_err(pg_error("count outbox"))?;
            Ok(self.outbox.counted(u64::try_from(pending).unwrap_or(0)))
        })
    }

    fn outbox_of<'a>(&'a self, offer_id: &'a str) -> BoxFuture<'a, Result<Vec<OutboxEntry>, StoreError>> {
        Box::pin(async move {
            let session = self.session().await?;
            let rows = session.client.query(&session.outbox_of, &[&offer_id]).await.map_err(pg_error("outbox"))?;
            rows.iter()
                .map(|row| {
                    let attempts: i32 = row.try_get(2)?;
                    Ok(OutboxEntry {
                        event_id: row.try_get(0)?,
                        endpoint: row.try_get(1)?,
                        attempts: count_from_sql(attempts.into()),
                        failed: row.try_get(3)?,
                        last_error: row.try_get(4)?,
                    })
                })
                .collect::<Result<_, tokio_postgres::Error>>()
                .map_err(pg_error("outbox"))
        })
    }

    fn purge_expired(&self, before: u64, pending_since_ms: i64) -> BoxFuture<'_, Result<u64, StoreError>> {
        Box::pin(async move {
            let session = self.session().await?;
            let row = session
                .client
                .query_one(
                    // Every part of the statement sees the outbox as it was before it.
                    "WITH gone AS (DELETE FROM offer_records AS r WHERE expires_at < $1
                                       AND NOT EXISTS (SELECT 1 FROM webhook_outbox AS w
                                                       WHERE w.offer_id = r.id AND NOT w.failed AND w.queued_at_ms > $2)
                                   RETURNING id),
                          events AS (DELETE FROM offer_events WHERE offer_id IN (SELECT id FROM gone)),
                          outbox AS (DELETE FROM webhook_outbox WHERE offer_id IN (SELECT id FROM gone))
                     SELECT count(*) FROM gone",
                    &[&time_to_sql(before), &pending_since_ms],
                )
                .await
                .map_err(pg_error("purge"))?;
            let removed: i64 = row.try_get(0).map_err(pg_error("purge"))?;
            Ok(u64::try_from(removed).unwrap_or(0))
        })
    }

    fn ping(&self) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(async move {
            let session = self.session().await?;
            session.client.simple_query("SELECT 1").await.map_err(pg_error("ping")).map(drop)
        })
    }
}

/// The record in a row's first column.
fn record_of(row: &Row) -> Result<OfferRecord, StoreError> {
    let json: String = row.try_get(0).map_err(pg_error("select"))?;
    decode(&json)
}
