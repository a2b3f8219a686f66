//! The HTTP surface: each endpoint reads the request, calls the engine, stores the record, answers.
//! Every protocol rule is the engine's; this file only maps HTTP to engine calls and back.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, FromRequest, MatchedPath, Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use credoffer::introspection::{self, INTROSPECTION_RESPONSE_HEADERS, IntrospectionRequest};
use credoffer::issuer::OFFER_RESPONSE_HEADERS;
use credoffer::record::{OfferState, lookup_key};
use credoffer::secret::constant_time_eq;
use credoffer::token::{TOKEN_RESPONSE_HEADERS, TokenOutcome};
use credoffer::{Error, ErrorKind, Issuer, OfferRecord, Secret, SystemEntropy, TokenAnswer, TokenStep};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use serde_json::json;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tower_http::timeout::TimeoutLayer;

use crate::config::{ConnectionLimits, ServerConfig};
use crate::events;
use crate::store::{self, Lookup, Store, StoreError, StoredEvent};

/// The token endpoint's path: its errors are OAuth's, every other endpoint's are MATTR's.
const TOKEN_PATH: &str = "/v1/oauth/token";
const INTROSPECT_PATH: &str = "/v1/oauth/introspect";

/// The longest request target answered (414 beyond): generous for every route, far below what hyper
/// itself holds, so the refusal is this server's JSON rather than hyper's empty answer.
const MAX_URI_BYTES: usize = 8 * 1024;
/// The most header bytes (names and values) answered (431 beyond), for the same reason.
const MAX_HEADER_BYTES: usize = 32 * 1024;

/// After a failed `accept` (out of file descriptors, say), wait this long before the next: retrying at
/// once would spin while nothing has changed.
const ACCEPT_RETRY_DELAY: Duration = Duration::from_millis(100);

/// How often a request re-reads a record that another request changed first. Each retry means
/// another request made progress, so this bound is only reached under pathological contention.
const MAX_SWAP_ATTEMPTS: usize = 64;

/// Records expired offers looked at per page of the sweep.
const SWEEP_PAGE: usize = 100;

/// Shared by every request, and by the sweep.
pub struct AppState {
    issuer: Issuer,
    store: Arc<dyn Store>,
    /// Changed whenever this process stores an event: wakes its webhook worker (other instances' events
    /// are found by polling).
    events_written: watch::Sender<()>,
    /// Wakes the event streams of the offer whose event this process stored.
    stream_wakers: events::StreamWakers,
    /// Set when the server stops: event streams end.
    stopping: watch::Sender<bool>,
    /// SHA-256 of each accepted API token: comparing digests, all of one length, reveals nothing of a
    /// token's length through timing.
    api_token_digests: Vec<Secret>,
    metadata: Option<String>,
    /// How often an idle event stream gets a keep-alive comment.
    event_stream_keep_alive: Duration,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState").field("store", &self.store).finish_non_exhaustive()
    }
}

/// Unix seconds now. The engine takes time as an input; this is where it comes from.
fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_secs())
}

/// The state for a configuration and an open store.
pub fn state(config: &ServerConfig, store: Arc<dyn Store>) -> Arc<AppState> {
    Arc::new(AppState {
        issuer: config.issuer.clone(),
        store,
        events_written: watch::Sender::new(()),
        stream_wakers: events::StreamWakers::default(),
        stopping: watch::Sender::new(false),
        api_token_digests: config.api_tokens.iter().map(|token| Secret::new(lookup_key(token.expose()))).collect(),
        metadata: config.metadata.as_ref().map(|(document, _)| document.clone()),
        event_stream_keep_alive: config.event_stream_keep_alive,
    })
}

impl AppState {
    /// Changes whenever this process stores an event.
    pub fn events_written(&self) -> watch::Receiver<()> {
        self.events_written.subscribe()
    }

    /// Ends the event streams: the server is stopping.
    pub fn stop_streams(&self) {
        self.stopping.send_replace(true);
    }

    /// Stores a new record with the event that created it.
    async fn insert(&self, record: &OfferRecord, event: &StoredEvent) -> Result<(), StoreError> {
        self.store.insert(record, event).await?;
        self.event_stored(&record.id);
        Ok(())
    }

    /// [`Store::compare_and_swap`], telling this process's listeners when an event was stored.
    async fn swap(
        &self,
        read_version: u64,
        next: &OfferRecord,
        event: Option<&StoredEvent>,
    ) -> Result<bool, StoreError> {
        let swapped = self.store.compare_and_swap(read_version, next, event).await?;
        if swapped && event.is_some() {
            self.event_stored(&next.id);
        }
        Ok(swapped)
    }

    fn event_stored(&self, offer_id: &str) {
        self.events_written.send_replace(());
        self.stream_wakers.wake(offer_id);
    }
}

/// The router for a configuration and its state.
pub fn router(config: &ServerConfig, state: Arc<AppState>) -> Router {
    let offers = Router::new()
        .route("/v1/openid/offers", post(create_authorization_offer))
        .route("/v1/openid/offers/pre-authorized", post(create_pre_authorized_offer))
        .route("/v1/openid/offers/pre-authorized/{id}", get(offer_status).delete(delete_offer))
        .route("/v1/openid/offers/pre-authorized/{id}/events", get(offer_events))
        // The issuer's own credential endpoint asks, with an API token like every issuer-side call.
        .route(INTROSPECT_PATH, post(introspect))
        .route_layer(middleware::from_fn_with_state(Arc::clone(&state), require_api_token));
    let mut router = Router::new()
        .merge(offers)
        .route(TOKEN_PATH, post(token))
        .route("/health", get(health))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed);
    if let Some((_, path)) = &config.metadata {
        router = router.route(path, get(metadata));
    }
    if let Some(route) = &config.reference_route {
        router = router.route(route, get(serve_offer_by_reference));
    }
    if let Some(demo) = &config.demo {
        router = router.merge(demo.routes());
    }
    router
        .layer(DefaultBodyLimit::max(config.max_body_bytes))
        // A whole-request deadline: tower-http's body timeout restarts at every chunk, so a client
        // trickling a byte at a time would never meet it.
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, config.limits.request_timeout))
        .layer(middleware::from_fn_with_state(config.max_body_bytes, shape_errors))
        .layer(middleware::from_fn(log_request))
        .with_state(state)
}

/// Serves HTTP/1.1 on `listener` until `shutdown` completes; then stops accepting, lets requests in
/// flight finish for up to the shutdown deadline, and cuts the rest.
///
/// hyper times each request head (from when the connection starts waiting for one, so an idle
/// keep-alive connection is closed too); the router times the rest of a request; a semaphore caps
/// connections, so a flood waits in the kernel's backlog instead of exhausting file descriptors.
pub async fn run(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) {
    let service = TowerToHyperService::new(router);
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(limits.header_read_timeout);
    let connection_slots = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            slot = Arc::clone(&connection_slots).acquire_owned() => slot,
            () = &mut shutdown => break,
        };
        // The semaphore is never closed.
        let Ok(slot) = slot else { break };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(ACCEPT_RETRY_DELAY).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service.clone()));
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
            drop(slot);
        });
    }
    drop(listener);
    tracing::info!("shutting down: finishing requests in flight");
    if tokio::time::timeout(limits.shutdown_deadline, graceful.shutdown()).await.is_err() {
        tracing::warn!(
            deadline_seconds = limits.shutdown_deadline.as_secs(),
            "requests still in flight at the shutdown deadline were cut"
        );
    }
}

/// Every `every`, for as long as the server runs: reports the offers that expired (`offer.expired`,
/// once each: the record is marked in the same write), then removes records, with their events, that
/// died more than `retention` ago — unless a webhook delivery of theirs, queued less than
/// `deliveries_pending_for` ago ([`crate::webhook::WebhookSettings::longest_pending`]), may still be made.
pub async fn sweep_periodically(
    state: Arc<AppState>,
    retention: Duration,
    deliveries_pending_for: Duration,
    every: Duration,
) {
    let mut interval = tokio::time::interval(every);
    loop {
        interval.tick().await;
        match report_expired(&state).await {
            Ok(0) => {}
            Ok(reported) => tracing::info!(reported, "reported expired offers"),
            Err(e) => tracing::warn!(error = %e, "reporting expired offers failed"),
        }
        let pending_since_ms =
            store::now_ms().saturating_sub(i64::try_from(deliveries_pending_for.as_millis()).unwrap_or(i64::MAX));
        match state.store.purge_expired(now().saturating_sub(retention.as_secs()), pending_since_ms).await {
            Ok(0) => {}
            Ok(removed) => tracing::info!(removed, "purged expired offer records"),
            Err(e) => tracing::warn!(error = %e, "purging expired offer records failed"),
        }
    }
}

/// Stores `offer.expired` for each offer whose expiry passed unreported. Returns how many. A swap lost
/// to a request (or another instance's sweep) is skipped: whoever won reported the expiry or moved the
/// offer on, and the next sweep sees the result.
async fn report_expired(state: &AppState) -> Result<usize, StoreError> {
    let now = now();
    let mut reported = 0;
    loop {
        let due = state.store.expired_unreported(now, SWEEP_PAGE).await?;
        let mut progressed = false;
        for record in &due {
            let Some(expired) = state.issuer.check_expiry(record, now) else { continue };
            if state.swap(record.version, &expired.record, Some(&StoredEvent::of(&expired.event))).await? {
                tracing::info!(offer = %record.id, "offer expired");
                reported += 1;
            }
            progressed = true;
        }
        // A full page that moved nothing would be read again unchanged.
        if due.len() < SWEEP_PAGE || !progressed {
            return Ok(reported);
        }
    }
}

// ---- responses ----

fn json_response(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// `body` with the headers the engine names for it.
fn with_headers(status: StatusCode, body: String, headers: &[(&'static str, &'static str)]) -> Response {
    let mut response = (status, body).into_response();
    for (name, value) in headers {
        response.headers_mut().insert(*name, HeaderValue::from_static(value));
    }
    response
}

/// A response that carries secrets (codes, tokens): never cached (RFC 6749 §5.1).
fn secret_response(status: StatusCode, body: String) -> Response {
    let mut response = json_response(status, body);
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn status(code: u16) -> StatusCode {
    StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// An engine error in MATTR's body, with the status the engine says.
fn engine_error(error: &Error) -> Response {
    json_response(status(error.http_status()), error.to_mattr_body().to_string())
}

fn not_found_error() -> Error {
    Error::new(ErrorKind::OfferNotFound, "Resource Not Found")
}

/// The answer when the store failed (a database that is down or restarting, mostly): 503 with
/// `Retry-After`. The cause goes to the log only.
fn store_failure(shape: ErrorShape, error: &StoreError) -> Response {
    tracing::error!(error = %error, "store failure");
    let mut response = shape.error(StatusCode::SERVICE_UNAVAILABLE, "the store is unavailable; retry");
    response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    response
}

/// The JSON an endpoint's errors take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ErrorShape {
    /// OAuth's (RFC 6749 §5.2), at the token and introspection endpoints: OAuth clients parse no other.
    OAuth,
    /// `{"code": "<reason phrase without spaces>", "message": "..."}`, as MATTR's non-validation
    /// errors are: every other endpoint.
    Mattr,
}

impl ErrorShape {
    fn at(path: &str) -> Self {
        if path == TOKEN_PATH || path == INTROSPECT_PATH { ErrorShape::OAuth } else { ErrorShape::Mattr }
    }

    fn error(self, status: StatusCode, message: &str) -> Response {
        match self {
            ErrorShape::OAuth => {
                let answer = if status.is_server_error() {
                    TokenAnswer::server_error()
                } else {
                    TokenAnswer::unreadable_body(400, message)
                };
                let mut response = token_response(&answer);
                *response.status_mut() = status;
                response
            }
            ErrorShape::Mattr => {
                let code: String = status.canonical_reason().unwrap_or("Error").split_whitespace().collect();
                json_response(status, json!({"code": code, "message": message}).to_string())
            }
        }
    }
}

/// The body of an OAuth endpoint (token, introspection) as text: form-encoded UTF-8, or a refusal in
/// OAuth's shape.
// The refusal is answered at once, once per request: its size costs nothing.
#[allow(clippy::result_large_err)]
fn form_text<'a>(headers: &HeaderMap, body: &'a Result<Bytes, BytesRejection>) -> Result<&'a str, Response> {
    let body = body.as_ref().map_err(|rejection| {
        let (status, message) = body_rejection(rejection);
        ErrorShape::OAuth.error(status, message)
    })?;
    let body = std::str::from_utf8(body)
        .map_err(|_| token_response(&TokenAnswer::unreadable_body(400, "the request body is not UTF-8")))?;
    if !has_media_type(headers, "application/x-www-form-urlencoded") {
        let answer = TokenAnswer::unreadable_body(400, "the body must be application/x-www-form-urlencoded");
        return Err(token_response(&answer));
    }
    Ok(body)
}

/// Why a request body could not be read: too large (413) or cut off (400).
fn body_rejection(rejection: &BytesRejection) -> (StatusCode, &'static str) {
    match rejection.status() {
        StatusCode::PAYLOAD_TOO_LARGE => (StatusCode::PAYLOAD_TOO_LARGE, "the request body is too large"),
        _ => (StatusCode::BAD_REQUEST, "the request body could not be read"),
    }
}

/// Whether `headers` declare the body to be of `media_type` (parameters such as `charset` aside).
fn has_media_type(headers: &HeaderMap, media_type: &str) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|declared| declared.trim().eq_ignore_ascii_case(media_type))
}

/// A JSON request body as UTF-8 text. Refused with 415 unless sent as `application/json`, with 413
/// over the configured limit, and with a MATTR validation body when it
/// is not UTF-8.
struct TextBody(String);

impl<S: Send + Sync> FromRequest<S> for TextBody {
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Response> {
        if !has_media_type(request.headers(), "application/json") {
            let message = "the request body must be sent as application/json";
            return Err(ErrorShape::at(request.uri().path()).error(StatusCode::UNSUPPORTED_MEDIA_TYPE, message));
        }
        let path = request.uri().path().to_owned();
        let bytes = Bytes::from_request(request, state).await.map_err(|rejection| {
            let (status, message) = body_rejection(&rejection);
            ErrorShape::at(&path).error(status, message)
        })?;
        String::from_utf8(bytes.to_vec()).map(TextBody).map_err(|_| {
            let problem = Error::new(ErrorKind::InvalidJson, "the body is not UTF-8").at("body");
            engine_error(&Error::validation(vec![problem]))
        })
    }
}

// ---- middleware ----

/// Gives every error the endpoint's JSON shape, those the framework writes included (405, a path it
/// cannot decode); refuses an overlong target or header block, and a declared `Content-Length` over
/// the limit before reading any of the body.
async fn shape_errors(State(max_body_bytes): State<usize>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let declared_length = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if request.uri().path_and_query().map_or(0, |target| target.as_str().len()) > MAX_URI_BYTES {
        return ErrorShape::at(&path).error(StatusCode::URI_TOO_LONG, "the request target is too long");
    }
    let header_bytes: usize = request.headers().iter().map(|(name, value)| name.as_str().len() + value.len()).sum();
    if header_bytes > MAX_HEADER_BYTES {
        return ErrorShape::at(&path)
            .error(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE, "the request headers are too large");
    }
    if declared_length.is_some_and(|length| length > max_body_bytes as u64) {
        return ErrorShape::at(&path).error(StatusCode::PAYLOAD_TOO_LARGE, "the request body is too large");
    }
    let response = next.run(request).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(b"application/json"));
    if (status.is_client_error() || status.is_server_error()) && !is_json {
        let mut shaped = ErrorShape::at(&path).error(status, status.canonical_reason().unwrap_or("error"));
        for (name, value) in response.headers() {
            // `Allow` on a 405, `Retry-After`, `WWW-Authenticate`: what the framework said stays.
            if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
                shaped.headers_mut().entry(name).or_insert_with(|| value.clone());
            }
        }
        return shaped;
    }
    response
}

/// The offer endpoints need `Authorization: Bearer <token>` with a configured token.
async fn require_api_token(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim());
    // Every configured token is compared, in constant time, whatever matches.
    let accepted = presented.is_some_and(|token| {
        let digest = lookup_key(token);
        state
            .api_token_digests
            .iter()
            .fold(false, |found, accepted| constant_time_eq(digest.as_bytes(), accepted.expose().as_bytes()) | found)
    });
    if accepted {
        return next.run(request).await;
    }
    let mut response = json_response(
        StatusCode::UNAUTHORIZED,
        json!({"code": "Unauthorized", "message": "A valid bearer token is required"}).to_string(),
    );
    response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    response
}

/// One structured line per request. The path logged is the route template: by-reference offer URLs
/// carry a secret token, and the raw path of an unknown route is the caller's text.
async fn log_request(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = request.extensions().get::<MatchedPath>().map_or("<unmatched>", MatchedPath::as_str).to_owned();
    let response = next.run(request).await;
    let status = response.status().as_u16();
    let micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    // Health probes arrive every few seconds; they would drown the requests that matter.
    if route == "/health" && status == 200 {
        tracing::debug!(%method, route, status, micros, "request");
    } else {
        tracing::info!(%method, route, status, micros, "request");
    }
    response
}

// ---- offer endpoints ----

async fn create_authorization_offer(State(state): State<Arc<AppState>>, TextBody(body): TextBody) -> Response {
    match state.issuer.create_authorization_offer_json(&body, &mut SystemEntropy) {
        Ok(offer) => secret_response(StatusCode::OK, offer.to_json()),
        Err(error) => {
            tracing::info!(code = error.code(), "authorization offer refused");
            engine_error(&error)
        }
    }
}

async fn create_pre_authorized_offer(State(state): State<Arc<AppState>>, TextBody(body): TextBody) -> Response {
    let created = match state.issuer.create_pre_authorized_offer_json(&body, now(), &mut SystemEntropy) {
        Ok(created) => created,
        Err(error) => {
            tracing::info!(code = error.code(), "pre-authorized offer refused");
            return engine_error(&error);
        }
    };
    if let Err(e) = state.insert(&created.record, &StoredEvent::of(&created.event)).await {
        return store_failure(ErrorShape::Mattr, &e);
    }
    tracing::info!(offer = %created.record.id, expires_at = created.record.expires_at, "pre-authorized offer created");
    secret_response(StatusCode::OK, created.response.to_json())
}

/// The record of a pre-authorized offer by its id, or the answer when there is none: 400 for an id that
/// is not a UUID, 404 for an unknown one, 503 when the store fails.
// The refusal is answered at once, once per request: its size costs nothing.
#[allow(clippy::result_large_err)]
async fn offer_by_id(state: &AppState, id: &str) -> Result<OfferRecord, Response> {
    Issuer::check_offer_id(id).map_err(|error| engine_error(&error))?;
    match state.store.find(Lookup::Id(id)).await {
        Ok(Some(record)) => Ok(record),
        Ok(None) => Err(engine_error(&not_found_error())),
        Err(e) => Err(store_failure(ErrorShape::Mattr, &e)),
    }
}

/// `GET /v1/openid/offers/pre-authorized/{id}`: where the offer is and when each step happened.
async fn offer_status(State(state): State<Arc<AppState>>, Path(id): Path<String>) -> Response {
    match offer_by_id(&state, &id).await {
        Ok(record) => json_response(StatusCode::OK, record.status(now()).to_json()),
        Err(refusal) => refusal,
    }
}

/// `GET /v1/openid/offers/pre-authorized/{id}/events`: the offer's stored events (those after
/// `Last-Event-ID` when given), then new ones from any instance, as server-sent events; the stream ends
/// after a terminal event.
async fn offer_events(State(state): State<Arc<AppState>>, Path(id): Path<String>, headers: HeaderMap) -> Response {
    let record = match offer_by_id(&state, &id).await {
        Ok(record) => record,
        Err(refusal) => return refusal,
    };
    let after = match headers.get("last-event-id").map(|value| value.to_str().unwrap_or_default()) {
        None => 0,
        Some(last) => match events::version_in_last_event_id(&record.id, last) {
            Some(version) => version,
            None => {
                let message = "Last-Event-ID must be the id of an event of this offer";
                return ErrorShape::Mattr.error(StatusCode::BAD_REQUEST, message);
            }
        },
    };
    let ended = record.state != OfferState::Active || record.expiry_reported;
    let start = events::StreamStart { offer_id: record.id.clone(), after, ended };
    let signals =
        events::Signals { written: state.stream_wakers.subscribe(&record.id), stopping: state.stopping.subscribe() };
    events::stream(Arc::clone(&state.store), start, signals, state.event_stream_keep_alive).into_response()
}

async fn delete_offer(State(state): State<Arc<AppState>>, Path(id): Path<String>) -> Response {
    for _ in 0..MAX_SWAP_ATTEMPTS {
        let record = match offer_by_id(&state, &id).await {
            Ok(record) => record,
            Err(refusal) => return refusal,
        };
        let deleted = match state.issuer.delete(&record, now()) {
            Ok(deleted) => deleted,
            Err(error) => return engine_error(&error),
        };
        match state.swap(record.version, &deleted.record, Some(&StoredEvent::of(&deleted.event))).await {
            Ok(true) => {
                tracing::info!(offer = %id, "pre-authorized offer deleted");
                return StatusCode::NO_CONTENT.into_response();
            }
            Ok(false) => continue,
            Err(e) => return store_failure(ErrorShape::Mattr, &e),
        }
    }
    contention()
}

fn contention() -> Response {
    gave_up(json_response(
        StatusCode::SERVICE_UNAVAILABLE,
        json!({"code": "ServiceUnavailable", "message": "The offer is busy; retry"}).to_string(),
    ))
}

/// The answer after [`MAX_SWAP_ATTEMPTS`] conflicting updates: `response` (a 503) with `Retry-After`.
fn gave_up(mut response: Response) -> Response {
    tracing::warn!("gave up on a record after {MAX_SWAP_ATTEMPTS} conflicting updates");
    response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    response
}

/// `GET` (and `HEAD`, which axum answers from the same handler without the body) of an offer URL:
/// the offer JSON, each fetch counted and stored as `offer.fetched`, until the engine says there is
/// nothing to serve. The engine reports an expiry the fetch meets first (`offer.expired`), stored like any change.
async fn serve_offer_by_reference(State(state): State<Arc<AppState>>, Path(token): Path<String>) -> Response {
    let key = lookup_key(&token);
    for _ in 0..MAX_SWAP_ATTEMPTS {
        let record = match state.store.find(Lookup::ReferenceHash(&key)).await {
            Ok(Some(record)) => record,
            Ok(None) => return engine_error(&not_found_error()),
            Err(e) => return store_failure(ErrorShape::Mattr, &e),
        };
        let now = now();
        let served = match state.issuer.serve_offer(&record, &token, now) {
            Ok(served) => served,
            Err(refusal) => {
                if let Some(expired) = &refusal.expired {
                    // Losing this swap is fine: whoever won reported the expiry or moved the offer on.
                    let event = StoredEvent::of(&expired.event);
                    if let Err(e) = state.swap(record.version, &expired.record, Some(&event)).await {
                        tracing::warn!(offer = %record.id, error = %e, "storing an expiry failed");
                    }
                }
                return engine_error(&refusal.error);
            }
        };
        match state.swap(record.version, &served.record, Some(&StoredEvent::of(&served.event))).await {
            Ok(true) => {
                tracing::info!(offer = %record.id, fetches = served.record.fetch_count, "offer served by reference");
                return with_headers(StatusCode::OK, served.json.expose().to_owned(), &OFFER_RESPONSE_HEADERS);
            }
            Ok(false) => continue,
            Err(e) => return store_failure(ErrorShape::Mattr, &e),
        }
    }
    contention()
}

// ---- token endpoint ----

/// The engine's answer, with the headers it names (never cached: it may hold a token).
fn token_response(answer: &TokenAnswer) -> Response {
    with_headers(status(answer.status()), answer.body().to_owned(), &TOKEN_RESPONSE_HEADERS)
}

/// `POST /v1/oauth/token`: the pre-authorized code grant, run by the engine's token endpoint. Every
/// answer, a body this server cannot read included, is OAuth's (RFC 6749 §5): token clients parse no
/// other shape.
async fn token(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = match form_text(&headers, &body) {
        Ok(body) => body,
        Err(refusal) => return refusal,
    };
    let request = match state.issuer.read_token_request(body) {
        TokenStep::Find(request) => request,
        TokenStep::Answer(answer) => return token_response(&answer),
    };
    let code_hash = request.lookup_key();
    for _ in 0..MAX_SWAP_ATTEMPTS {
        let record = match state.store.find(Lookup::CodeHash(&code_hash)).await {
            Ok(record) => record,
            Err(e) => return store_failure(ErrorShape::OAuth, &e),
        };
        let answer = state.issuer.answer_token_request(&request, record.as_ref(), now(), &mut SystemEntropy);
        if let (Some(record), Some(next)) = (&record, answer.record_to_store()) {
            let event = answer.event().map(StoredEvent::of);
            match state.swap(record.version, next, event.as_ref()).await {
                Ok(true) => {}
                // Another request moved this offer first: judge this one against the new state.
                Ok(false) => {
                    tracing::debug!(offer = %record.id, "the record changed meanwhile; reading it again");
                    continue;
                }
                Err(e) => return store_failure(ErrorShape::OAuth, &e),
            }
        }
        log_token_answer(record.as_ref(), &answer);
        return token_response(&answer);
    }
    gave_up(token_response(&TokenAnswer::busy()))
}

/// What the engine decided, for the log: never a code, a token or a claim.
fn log_token_answer(record: Option<&OfferRecord>, answer: &TokenAnswer) {
    let offer = record.map_or("none", |record| record.id.as_str());
    match answer.outcome() {
        TokenOutcome::Issued(_) => tracing::info!(offer, "pre-authorized code redeemed; access token issued"),
        // RFC 9700 §4.2.4: a replayed code means the tokens issued from it may be in wrong hands.
        TokenOutcome::Rejected(error) if error.revoke_issued_tokens => tracing::warn!(
            offer,
            "a redeemed pre-authorized code was presented again; revoke the tokens issued from it"
        ),
        TokenOutcome::Rejected(error) => tracing::info!(
            offer,
            error = error.error.as_str(),
            failed_attempts_left = error.failed_attempts_left,
            "token request refused"
        ),
        TokenOutcome::Failed(error) => tracing::error!(offer, code = error.code(), "the engine could not answer"),
        _ => tracing::error!(offer, "an outcome this server does not know"),
    }
}

// ---- introspection ----

/// `POST /v1/oauth/introspect` (RFC 7662): what an access token from the token endpoint grants, answered
/// from the record the redemption bound it to. Unknown, expired and revoked tokens all answer
/// `{"active": false}`; a request this server cannot read answers OAuth's `invalid_request`.
async fn introspect(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = match form_text(&headers, &body) {
        Ok(body) => body,
        Err(refusal) => return refusal,
    };
    let request = match IntrospectionRequest::from_form(body) {
        Ok(request) => request,
        Err(error) => return token_response(&TokenAnswer::unreadable_body(400, error.message())),
    };
    let record = match state.store.find(Lookup::AccessTokenHash(&request.lookup_key())).await {
        Ok(record) => record,
        Err(e) => return store_failure(ErrorShape::OAuth, &e),
    };
    let answer = introspection::introspect(&request, record.as_ref(), now());
    let offer = record.as_ref().map_or("none", |record| record.id.as_str());
    tracing::info!(offer, active = answer.is_active(), "access token introspected");
    with_headers(StatusCode::OK, answer.to_json(), &INTROSPECTION_RESPONSE_HEADERS)
}

// ---- the rest ----

async fn metadata(State(state): State<Arc<AppState>>) -> Response {
    match &state.metadata {
        Some(document) => json_response(StatusCode::OK, document.clone()),
        None => not_found().await,
    }
}

async fn health(State(state): State<Arc<AppState>>) -> Response {
    match state.store.ping().await {
        Ok(()) => json_response(StatusCode::OK, json!({"status": "ok"}).to_string()),
        Err(e) => {
            tracing::warn!(error = %e, "health check failed");
            json_response(StatusCode::SERVICE_UNAVAILABLE, json!({"status": "unavailable"}).to_string())
        }
    }
}

async fn not_found() -> Response {
    engine_error(&not_found_error())
}

async fn method_not_allowed(request: Request) -> Response {
    ErrorShape::at(request.uri().path()).error(StatusCode::METHOD_NOT_ALLOWED, "the endpoint does not take this method")
}
