//! Webhooks: every stored offer event POSTed to each configured endpoint, signed as Standard Webhooks
//! says (<https://www.standardwebhooks.com>), from the outbox the store keeps beside the events.
//!
//! Every server process runs [`deliver_periodically`]. It leases due outbox rows (so instances sharing
//! a store never deliver one row at the same time), POSTs them, and deletes each row on a 2xx; anything
//! else is retried with exponential backoff (each wait drawn between half its step and the whole) until [`WebhookSettings::max_attempts`] or
//! [`WebhookSettings::max_age`], then the row is marked failed and kept. A process that dies mid-delivery
//! leaves a lease that runs out, and another worker delivers the row again: delivery is at least once,
//! and a receiver drops repeats by `webhook-id`.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use credoffer::secret::constant_time_eq;
use credoffer::{Entropy as _, SystemEntropy};
use hmac::{Hmac, Mac as _};
use sha2::Sha256;
use tokio::sync::watch;

use crate::store::{Claim, Delivery, DeliveryResult, Store, now_ms};

/// What a webhook secret starts with; base64 of the key follows.
pub const SECRET_PREFIX: &str = "whsec_";
/// Standard Webhooks' bounds on a secret's key, in bytes.
const SECRET_BYTES: std::ops::RangeInclusive<usize> = 24..=64;
/// How long a worker waits between looks at the outbox when nothing woke it: the longest a row written by
/// another instance, or due for a retry, waits for its delivery.
const POLL_INTERVAL: Duration = Duration::from_millis(500);
/// Rows leased at once, and delivered concurrently.
const BATCH: usize = 16;
/// The longest wait between two attempts, however many failed.
const MAX_RETRY_DELAY: Duration = Duration::from_secs(3600);
/// How much longer than a delivery's timeout its lease holds: time to record the result. A lease that
/// runs out early costs a duplicate delivery, never a lost one.
const LEASE_MARGIN: Duration = Duration::from_secs(2);

/// A webhook endpoint's signing key: the bytes after [`SECRET_PREFIX`], base64-decoded. Never shown.
#[derive(Clone)]
pub struct WebhookSecret(Vec<u8>);

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSecret([redacted])")
    }
}

/// Why a secret was refused. Says what is wrong, never what was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretError {
    /// It does not start with `whsec_`.
    MissingPrefix,
    /// What follows is not base64.
    NotBase64,
    /// The key is shorter than 24 or longer than 64 bytes.
    BadLength,
}

impl fmt::Display for SecretError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SecretError::MissingPrefix => "must start with whsec_",
            SecretError::NotBase64 => "must be whsec_ followed by standard base64",
            SecretError::BadLength => "must hold a key of 24 to 64 bytes",
        })
    }
}

impl std::error::Error for SecretError {}

impl WebhookSecret {
    /// Reads `whsec_<base64>`.
    pub fn parse(text: &str) -> Result<Self, SecretError> {
        let encoded = text.strip_prefix(SECRET_PREFIX).ok_or(SecretError::MissingPrefix)?;
        let key = BASE64.decode(encoded).map_err(|_| SecretError::NotBase64)?;
        if SECRET_BYTES.contains(&key.len()) { Ok(Self(key)) } else { Err(SecretError::BadLength) }
    }

    /// `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`: the `webhook-signature` header's value.
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        format!("v1,{}", BASE64.encode(self.mac(id, timestamp, body)))
    }

    fn mac(&self, id: &str, timestamp: i64, body: &[u8]) -> Vec<u8> {
        // HMAC takes a key of any length.
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.0) else { return Vec::new() };
        mac.update(format!("{id}.{timestamp}.").as_bytes());
        mac.update(body);
        mac.finalize().into_bytes().to_vec()
    }

    /// A receiver's check of a delivery: the headers `webhook-id`, `webhook-timestamp` and
    /// `webhook-signature` (one or more space-separated `v1,<base64>`), the body as received, and the
    /// receiver's clock, which the timestamp must be within `tolerance` seconds of (a replayed old
    /// delivery fails). Compares in constant time.
    pub fn verify(
        &self,
        id: &str,
        timestamp: &str,
        signatures: &str,
        body: &[u8],
        now: i64,
        tolerance: i64,
    ) -> Result<(), VerifyError> {
        let timestamp: i64 = timestamp.parse().map_err(|_| VerifyError::BadTimestamp)?;
        // abs_diff: a hostile timestamp near i64::MIN must not overflow the subtraction.
        if now.abs_diff(timestamp) > tolerance.unsigned_abs() {
            return Err(VerifyError::OutsideTolerance);
        }
        let expected = self.mac(id, timestamp, body);
        let matched = signatures
            .split(' ')
            .filter_map(|signature| signature.strip_prefix("v1,"))
            .filter_map(|encoded| BASE64.decode(encoded).ok())
            .fold(false, |found, presented| constant_time_eq(&presented, &expected) | found);
        if matched { Ok(()) } else { Err(VerifyError::NoMatchingSignature) }
    }
}

/// Why a delivery failed verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerifyError {
    /// `webhook-timestamp` is not an integer.
    BadTimestamp,
    /// It is too far from now.
    OutsideTolerance,
    /// No `v1` signature matches.
    NoMatchingSignature,
}

/// A configured endpoint.
#[derive(Debug, Clone)]
pub struct WebhookEndpoint {
    /// Where events are POSTed.
    pub url: String,
    /// What they are signed with.
    pub secret: WebhookSecret,
}

/// The webhook endpoints and how their deliveries are tried.
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// Every event goes to each.
    pub endpoints: Vec<WebhookEndpoint>,
    /// One attempt's limit, connecting included.
    pub timeout: Duration,
    /// Attempts before a row is marked failed.
    pub max_attempts: u32,
    /// Age after which a row that fails once more is marked failed, however few its attempts.
    pub max_age: Duration,
    /// The wait after the first failure; each further failure doubles it (up to an hour).
    pub retry_base: Duration,
    /// Undelivered rows the outbox holds at most ([`crate::store::OutboxPolicy`]).
    pub outbox_cap: u64,
}

impl WebhookSettings {
    /// The step after the `failures`-th failed attempt: the base, doubled after each further failure, at
    /// most an hour.
    pub fn retry_delay(&self, failures: u32) -> Duration {
        let factor = 2u32.checked_pow(failures.saturating_sub(1)).unwrap_or(u32::MAX);
        self.retry_base.checked_mul(factor).map_or(MAX_RETRY_DELAY, |delay| delay.min(MAX_RETRY_DELAY))
    }

    /// The wait after the `failures`-th failed attempt: half its step, plus up to as much again by `spread`
    /// (a random draw, 0 to `u16::MAX`), so the rows an outage held back do not all come back to their
    /// endpoint in the same instant.
    pub fn jittered_retry_delay(&self, failures: u32, spread: u16) -> Duration {
        let half = self.retry_delay(failures) / 2;
        half + half.mul_f64(f64::from(spread) / f64::from(u16::MAX))
    }

    /// What becomes of a row after an attempt that failed with `error`, at `now_ms`, `spread` drawn at random.
    fn after_failure(&self, delivery: &Delivery, error: String, now_ms: i64, spread: u16) -> DeliveryResult {
        let failures = delivery.attempts + 1;
        let age = Duration::from_millis(u64::try_from(now_ms - delivery.queued_at_ms).unwrap_or(0));
        if failures >= self.max_attempts || age >= self.max_age {
            return DeliveryResult::Failed { error };
        }
        let delay = i64::try_from(self.jittered_retry_delay(failures, spread).as_millis()).unwrap_or(i64::MAX);
        DeliveryResult::RetryAt { at_ms: now_ms.saturating_add(delay), error }
    }

    fn lease(&self) -> Duration {
        self.timeout + LEASE_MARGIN
    }

    /// The longest a row can stay pending after it was queued: a retry scheduled just before `max_age`
    /// falls due up to [`MAX_RETRY_DELAY`] later, and that attempt holds its lease before the row is marked
    /// failed. The sweep keeps a record this long for its deliveries.
    pub fn longest_pending(&self) -> Duration {
        self.max_age + MAX_RETRY_DELAY + self.lease()
    }
}

/// Delivers due outbox rows for as long as the server runs: at once when `wake` says this process
/// stored an event, else every [`POLL_INTERVAL`] (rows from other instances, retries).
pub async fn deliver_periodically(
    store: Arc<dyn Store>,
    settings: Arc<WebhookSettings>,
    mut wake: watch::Receiver<()>,
) {
    let client = match reqwest::Client::builder()
        .timeout(settings.timeout)
        // A redirect is not a 2xx: the attempt failed, and is retried at the same URL.
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("credoffer-server/", env!("CARGO_PKG_VERSION")))
        .build()
    {
        Ok(client) => client,
        Err(e) => {
            tracing::error!(error = %e, "the webhook client could not be built; webhooks are not delivered");
            return;
        }
    };
    let worker = Worker { store, settings, client, id: worker_id(), claims: AtomicU64::new(0) };
    loop {
        wake.borrow_and_update();
        match worker.deliver_due().await {
            // A full batch: more may be due.
            Ok(claimed) if claimed == BATCH => continue,
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "reading the webhook outbox failed"),
        }
        tokio::select! {
            changed = wake.changed() => if changed.is_err() {
                // The server is stopping; the poll still runs until it does.
                tokio::time::sleep(POLL_INTERVAL).await;
            },
            () = tokio::time::sleep(POLL_INTERVAL) => {}
        }
    }
}

/// A random spread for [`WebhookSettings::jittered_retry_delay`]; the whole step without entropy.
fn retry_spread() -> u16 {
    let mut bytes = [0u8; 2];
    match SystemEntropy.fill(&mut bytes) {
        Ok(()) => u16::from_le_bytes(bytes),
        Err(_) => u16::MAX,
    }
}

/// 16 random hex digits naming this process's leases (pids repeat across hosts).
fn worker_id() -> String {
    let mut bytes = [0u8; 8];
    if SystemEntropy.fill(&mut bytes).is_err() {
        // Without entropy: unique enough on one host, and a lease's owner only guards its own updates.
        return format!("pid{}-{}", std::process::id(), now_ms());
    }
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

struct Worker {
    store: Arc<dyn Store>,
    settings: Arc<WebhookSettings>,
    client: reqwest::Client,
    id: String,
    claims: AtomicU64,
}

impl Worker {
    /// Leases one batch of due rows and delivers them. Returns how many were leased.
    async fn deliver_due(&self) -> Result<usize, crate::store::StoreError> {
        // Whether new events still fit: counted here rather than in every write.
        self.store.check_outbox().await?;
        let now = now_ms();
        let lease = i64::try_from(self.settings.lease().as_millis()).unwrap_or(i64::MAX);
        let claim = Claim {
            now_ms: now,
            lease_until_ms: now.saturating_add(lease),
            owner: format!("{}-{}", self.id, self.claims.fetch_add(1, Ordering::Relaxed)),
            endpoints: self.settings.endpoints.iter().map(|endpoint| endpoint.url.clone()).collect(),
            limit: BATCH,
        };
        let deliveries = self.store.claim_deliveries(&claim).await?;
        let attempts = deliveries.iter().map(|delivery| self.deliver(delivery, &claim.owner));
        futures_util::future::join_all(attempts).await;
        Ok(deliveries.len())
    }

    async fn deliver(&self, delivery: &Delivery, owner: &str) {
        // The claim asked for this worker's endpoints only.
        let Some(endpoint) = self.settings.endpoints.iter().find(|endpoint| endpoint.url == delivery.endpoint) else {
            return;
        };
        let origin = origin_of(&delivery.endpoint);
        let result = match self.post(endpoint, delivery).await {
            Ok(()) => DeliveryResult::Delivered,
            Err(error) => self.settings.after_failure(delivery, error, now_ms(), retry_spread()),
        };
        match &result {
            DeliveryResult::Delivered => {
                tracing::info!(event = %delivery.event_id, endpoint = origin, "webhook delivered");
            }
            DeliveryResult::RetryAt { at_ms, error } => tracing::info!(
                event = %delivery.event_id,
                endpoint = origin,
                error = error.as_str(),
                retry_in_ms = at_ms - now_ms(),
                "webhook delivery failed; it will be retried"
            ),
            DeliveryResult::Failed { error } => tracing::warn!(
                event = %delivery.event_id,
                endpoint = origin,
                error = error.as_str(),
                attempts = delivery.attempts + 1,
                "webhook delivery failed for the last time; the outbox row is kept, marked failed"
            ),
        }
        match self.store.finish_delivery(delivery, owner, &result).await {
            Ok(true) => {}
            Ok(false) => tracing::warn!(
                event = %delivery.event_id,
                "a webhook lease ran out before its delivery was recorded; another worker retries it"
            ),
            Err(e) => tracing::warn!(event = %delivery.event_id, error = %e, "recording a webhook delivery failed"),
        }
    }

    /// One attempt: `Ok` on a 2xx, else what went wrong, in words that hold no secret (nor the URL,
    /// which may carry one).
    async fn post(&self, endpoint: &WebhookEndpoint, delivery: &Delivery) -> Result<(), String> {
        let timestamp = now_ms() / 1000;
        let signature = endpoint.secret.sign(&delivery.event_id, timestamp, delivery.body.as_bytes());
        let sent = self
            .client
            .post(&endpoint.url)
            .header("content-type", "application/json")
            .header("webhook-id", &delivery.event_id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(delivery.body.clone())
            .send()
            .await;
        match sent {
            Ok(response) if response.status().is_success() => Ok(()),
            Ok(response) => Err(format!("HTTP {}", response.status().as_u16())),
            Err(e) if e.is_timeout() => Err(format!("no answer within {} ms", self.settings.timeout.as_millis())),
            Err(e) if e.is_connect() => Err("could not connect".to_owned()),
            Err(_) => Err("the request failed".to_owned()),
        }
    }
}

/// `scheme://host[:port]` of a URL, for logs: its path and query may carry a token, its user info a
/// password.
fn origin_of(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(url) => url.origin().ascii_serialization(),
        Err(_) => "<unreadable URL>".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    fn settings() -> WebhookSettings {
        WebhookSettings {
            endpoints: Vec::new(),
            timeout: Duration::from_secs(10),
            max_attempts: 5,
            max_age: Duration::from_secs(3600),
            retry_base: Duration::from_secs(5),
            outbox_cap: 10,
        }
    }

    /// The Standard Webhooks reference vector: its id, timestamp, body and secret give this signature.
    #[test]
    fn signs_like_the_standard_webhooks_libraries() {
        let secret = WebhookSecret::parse(KEY).unwrap();
        let body = br#"{"test": 2432232314}"#;
        let signature = secret.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1_614_265_330, body);
        assert_eq!(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
        let verify = |timestamp: &str, signatures: &str, body: &[u8], now| {
            secret.verify("msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp, signatures, body, now, 300)
        };
        assert_eq!(verify("1614265330", &signature, body, 1_614_265_330), Ok(()));
        assert_eq!(verify("1614265330", &format!("v1,bm9wZQ== {signature}"), body, 1_614_265_600), Ok(()));
        assert_eq!(verify("1614265330", &signature, b"{}", 1_614_265_330), Err(VerifyError::NoMatchingSignature));
        assert_eq!(verify("1614265330", &signature, body, 1_614_265_631), Err(VerifyError::OutsideTolerance));
        assert_eq!(verify("soon", &signature, body, 1_614_265_330), Err(VerifyError::BadTimestamp));
        assert_eq!(verify("-9223372036854775808", &signature, body, 1_614_265_330), Err(VerifyError::OutsideTolerance));
        assert_eq!(verify("1614265331", &signature, body, 1_614_265_330), Err(VerifyError::NoMatchingSignature));
    }

    #[test]
    fn secrets_are_checked_and_never_shown() {
        assert_eq!(WebhookSecret::parse("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").err(), Some(SecretError::MissingPrefix));
        assert_eq!(WebhookSecret::parse("whsec_not base64!").err(), Some(SecretError::NotBase64));
        assert_eq!(WebhookSecret::parse("whsec_c2hvcnQ=").err(), Some(SecretError::BadLength));
        let secret = WebhookSecret::parse(KEY).unwrap();
        assert_eq!(format!("{secret:?}"), "WebhookSecret([redacted])");
        let endpoint = WebhookEndpoint { url: "https://example.com/hook".into(), secret };
        assert!(!format!("{endpoint:?}").contains("MfKQ"));
    }

    #[test]
    fn retries_back_off_exponentially_up_to_an_hour() {
        let settings = settings();
        let delays: Vec<u64> = (1..=4).map(|failures| settings.retry_delay(failures).as_secs()).collect();
        assert_eq!(delays, [5, 10, 20, 40]);
        assert_eq!(settings.retry_delay(20), MAX_RETRY_DELAY);
        assert_eq!(settings.retry_delay(u32::MAX), MAX_RETRY_DELAY);
    }

    #[test]
    fn each_wait_is_drawn_between_half_its_step_and_the_whole() {
        let settings = settings();
        assert_eq!(settings.jittered_retry_delay(3, 0), Duration::from_secs(10));
        assert_eq!(settings.jittered_retry_delay(3, u16::MAX), Duration::from_secs(20));
        let middle = settings.jittered_retry_delay(3, u16::MAX / 2);
        assert!((Duration::from_millis(14_999)..=Duration::from_millis(15_000)).contains(&middle), "{middle:?}");
        assert_eq!(settings.jittered_retry_delay(u32::MAX, u16::MAX), MAX_RETRY_DELAY);
        for spread in [0, 1, 1000, u16::MAX - 1, u16::MAX] {
            let wait = settings.jittered_retry_delay(5, spread);
            assert!(wait >= settings.retry_delay(5) / 2 && wait <= settings.retry_delay(5), "{wait:?}");
        }
    }

    #[test]
    fn a_row_fails_after_its_last_attempt_or_when_too_old() {
        let settings = settings();
        let delivery = |attempts, queued_at_ms| Delivery {
            row: 1,
            event_id: "e.1".into(),
            endpoint: "https://example.com".into(),
            body: "{}".into(),
            attempts,
            queued_at_ms,
        };
        let now = 10_000_000;
        assert_eq!(
            settings.after_failure(&delivery(0, now), "HTTP 500".into(), now, u16::MAX),
            DeliveryResult::RetryAt { at_ms: now + 5000, error: "HTTP 500".into() }
        );
        assert_eq!(
            settings.after_failure(&delivery(0, now), "HTTP 500".into(), now, 0),
            DeliveryResult::RetryAt { at_ms: now + 2500, error: "HTTP 500".into() }
        );
        assert_eq!(
            settings.after_failure(&delivery(2, now), "HTTP 500".into(), now, u16::MAX),
            DeliveryResult::RetryAt { at_ms: now + 20_000, error: "HTTP 500".into() }
        );
        assert_eq!(
            settings.after_failure(&delivery(4, now), "HTTP 500".into(), now, u16::MAX),
            DeliveryResult::Failed { error: "HTTP 500".into() }
        );
        assert_eq!(
            settings.after_failure(&delivery(0, now - 3_600_000), "x".into(), now, 0),
            DeliveryResult::Failed { error: "x".into() }
        );
        // The latest retry a row can get: failed just before its max age, after the most attempts, with the
        // longest wait. It falls due, and its lease ends, within `longest_pending` of the row's queueing.
        let old = now - i64::try_from(settings.max_age.as_millis()).unwrap() + 1;
        let latest = settings.after_failure(&delivery(settings.max_attempts - 2, old), "x".into(), now, u16::MAX);
        let DeliveryResult::RetryAt { at_ms, .. } = latest else { panic!("{latest:?}") };
        let lease = i64::try_from(settings.lease().as_millis()).unwrap();
        assert!(at_ms + lease <= old + i64::try_from(settings.longest_pending().as_millis()).unwrap());
        assert!(at_ms > old + i64::try_from(settings.max_age.as_millis()).unwrap(), "past the max age");
    }

    #[test]
    fn logs_name_the_origin_only() {
        assert_eq!(origin_of("https://user:pw@hooks.example.com:8443/in?token=abc"), "https://hooks.example.com:8443");
        assert_eq!(origin_of("not a url"), "<unreadable URL>");
    }
}
