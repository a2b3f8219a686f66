//! `credoffer-server`: MATTR VII's Credential Offer endpoints over HTTP, on the credoffer engine.
//!
//! | endpoint | |
//! |---|---|
//! | `POST /v1/openid/offers` | Authorization Code offer (bearer token) |
//! | `POST /v1/openid/offers/pre-authorized` | Pre-Authorized Code offer (bearer token) |
//! | `GET /v1/openid/offers/pre-authorized/{id}` | an offer's status (bearer token) |
//! | `GET /v1/openid/offers/pre-authorized/{id}/events` | its events as server-sent events (bearer token) |
//! | `DELETE /v1/openid/offers/pre-authorized/{id}` | delete an offer (bearer token) |
//! | `POST /v1/oauth/token` | the pre-authorized code grant |
//! | `GET`/`HEAD <offer URL>` | an offer by reference, until redeemed or dead (when `offerUrlTemplate` is set) |
//! | `GET /.well-known/openid-credential-issuer` | the configured issuer metadata |
//! | `GET /health` | whether the store answers |
//! | `GET /demo/` | the live issuer page (when `demoPackageDirectory` is set) |
//!
//! Records live in SQLite (a file or memory) or PostgreSQL, which several instances can share:
//! every update is a compare-and-swap on the record's version, stored in one transaction with the
//! event it produced and that event's webhook deliveries.

pub mod app;
pub mod config;
pub mod demo;
pub mod events;
pub mod store;
pub mod webhook;

use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;

pub use app::router;
pub use config::{ConnectionLimits, Database, FileConfig, ServerConfig};
pub use store::{Store, StoreError};

/// Opens the store, binds the address, and serves until `shutdown` completes.
///
/// `on_bound` is told the bound address (useful with port 0) before the first request is accepted.
pub async fn serve(
    config: ServerConfig,
    on_bound: impl FnOnce(std::net::SocketAddr),
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let webhooks = &config.webhooks;
    let outbox = store::OutboxPolicy {
        endpoints: webhooks.endpoints.iter().map(|endpoint| endpoint.url.clone()).collect(),
        cap: webhooks.outbox_cap,
    };
    let store: Arc<dyn Store> = Arc::from(store::open(&config.database, outbox).await?);
    let listener = TcpListener::bind(config.listen).await?;
    let state = app::state(&config, Arc::clone(&store));
    let retention = Duration::from_secs(config.record_retention_seconds);
    let sweep = tokio::spawn(app::sweep_periodically(
        Arc::clone(&state),
        retention,
        webhooks.longest_pending(),
        config.sweep_interval,
    ));
    let delivery = (!webhooks.endpoints.is_empty()).then(|| {
        tokio::spawn(webhook::deliver_periodically(store, Arc::new(webhooks.clone()), state.events_written()))
    });
    on_bound(listener.local_addr()?);
    let streams = Arc::clone(&state);
    let shutdown = async move {
        shutdown.await;
        streams.stop_streams();
    };
    app::run(listener, router(&config, state), config.limits, shutdown).await;
    sweep.abort();
    // A delivery cut here keeps its lease until it runs out; then this or another instance retries it.
    if let Some(delivery) = delivery {
        delivery.abort();
    }
    Ok(())
}
