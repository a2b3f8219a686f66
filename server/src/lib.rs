//! `credoffer-server`: MATTR VII's Credential Offer endpoints over HTTP, on the credoffer engine.
//!
//! | endpoint | |
//! |---|---|
//! | `POST /v1/openid/offers` | Authorization Code offer (bearer token) |
//! | `POST /v1/openid/offers/pre-authorized` | Pre-Authorized Code offer (bearer token) |
//! | `DELETE /v1/openid/offers/pre-authorized/{id}` | delete an offer (bearer token) |
//! | `POST /v1/oauth/token` | the pre-authorized code grant |
//! | `GET <offer URL>` | an offer by reference, served once (when `offerUrlTemplate` is set) |
//! | `GET /.well-known/openid-credential-issuer` | the configured issuer metadata |
//! | `GET /health` | whether the store answers |
//!
//! Records live in SQLite (a file or memory) or PostgreSQL, which several instances can share:
//! every update is a compare-and-swap on the record's version.

pub mod app;
pub mod config;
pub mod store;

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
    let store: Arc<dyn Store> = Arc::from(store::open(&config.database).await?);
    let listener = TcpListener::bind(config.listen).await?;
    let purge =
        tokio::spawn(app::purge_periodically(Arc::clone(&store), Duration::from_secs(config.record_retention_seconds)));
    on_bound(listener.local_addr()?);
    app::run(listener, router(&config, store), config.limits, shutdown).await;
    purge.abort();
    Ok(())
}
