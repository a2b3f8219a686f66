//! A webhook receiver on 127.0.0.1: verifies each delivery's signature with the server crate's
//! verification, answers 500 to the first `fail_first` requests, can hold the first request open until
//! released, and notes any event delivered twice at the same time.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use credoffer_server::webhook::WebhookSecret;
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::Notify;

/// A test secret: `whsec_` and the base64 of the bytes 0 to 31.
pub const SECRET: &str = "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

/// How the receiver answers.
#[derive(Debug, Clone, Copy, Default)]
pub struct Behaviour {
    /// The first this many requests get 500.
    pub fail_first: usize,
    /// The first request is held open until [`Receiver::release`], then answered 503.
    pub hold_first: bool,
    /// Each answer waits this long: deliveries overlap.
    pub delay: std::time::Duration,
}

/// One request, once answered.
#[derive(Debug, Clone)]
pub struct Received {
    pub id: String,
    pub body: Value,
    pub verified: bool,
    pub status: u16,
}

#[derive(Debug, Default)]
struct Log {
    requests: usize,
    answered: Vec<Received>,
    in_flight: HashMap<String, usize>,
    concurrent: Vec<String>,
}

#[derive(Debug)]
struct Shared {
    behaviour: Behaviour,
    secret: WebhookSecret,
    log: Mutex<Log>,
    release: Notify,
}

/// A path no other receiver had: a store shared between tests (and runs) may hold rows queued for an
/// earlier receiver on the same port, which must not reach this one.
pub fn unique_path() -> String {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos();
    format!("/hooks/{}-{}-{nanos}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed))
}

/// A running receiver; stops when dropped.
#[derive(Debug)]
pub struct Receiver {
    pub addr: SocketAddr,
    path: String,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Counts a request as in flight until dropped: also when hyper drops the handler of a connection
/// the sender closed.
struct InFlight<'a> {
    shared: &'a Shared,
    id: String,
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        let mut log = self.shared.log.lock().unwrap();
        if let Some(count) = log.in_flight.get_mut(&self.id) {
            *count -= 1;
        }
    }
}

impl Receiver {
    /// Listens on a free port.
    pub async fn start(behaviour: Behaviour) -> Receiver {
        Self::start_on(0, behaviour).await
    }

    /// Listens on `port` (0: any free one).
    pub async fn start_on(port: u16, behaviour: Behaviour) -> Receiver {
        let listener = TcpListener::bind(("127.0.0.1", port)).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let shared = Arc::new(Shared {
            behaviour,
            secret: WebhookSecret::parse(SECRET).unwrap(),
            log: Mutex::new(Log::default()),
            release: Notify::new(),
        });
        let accepting = Arc::clone(&shared);
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else { continue };
                let shared = Arc::clone(&accepting);
                tokio::spawn(async move {
                    let service = service_fn(move |request| {
                        let shared = Arc::clone(&shared);
                        async move { Ok::<_, std::convert::Infallible>(answer(&shared, request).await) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Receiver { addr, path: unique_path(), shared, task }
    }

    pub fn url(&self) -> String {
        format!("http://{}{}", self.addr, self.path)
    }

    /// Requests received (answered or not).
    pub fn requests(&self) -> usize {
        self.shared.log.lock().unwrap().requests
    }

    /// Every answered request, in the order answered.
    pub fn answered(&self) -> Vec<Received> {
        self.shared.log.lock().unwrap().answered.clone()
    }

    /// The requests answered 2xx: the deliveries.
    pub fn delivered(&self) -> Vec<Received> {
        self.answered().into_iter().filter(|received| received.status < 300).collect()
    }

    /// Event ids that were in two requests at once.
    pub fn concurrent_duplicates(&self) -> Vec<String> {
        self.shared.log.lock().unwrap().concurrent.clone()
    }

    /// Lets the held request go (answered 503).
    pub fn release(&self) {
        self.shared.release.notify_one();
    }
}

async fn answer(shared: &Shared, request: Request<Incoming>) -> Response<Full<Bytes>> {
    let header =
        |name: &str| request.headers().get(name).and_then(|value| value.to_str().ok()).unwrap_or_default().to_owned();
    let (id, timestamp, signature) = (header("webhook-id"), header("webhook-timestamp"), header("webhook-signature"));
    let content_type = header("content-type");
    let body = request.into_body().collect().await.map(|body| body.to_bytes()).unwrap_or_default();
    let now = i64::try_from(SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()).unwrap();
    let verified = content_type == "application/json"
        && shared.secret.verify(&id, &timestamp, &signature, &body, now, 300).is_ok();
    let number = {
        let mut log = shared.log.lock().unwrap();
        log.requests += 1;
        let in_flight = log.in_flight.entry(id.clone()).or_default();
        *in_flight += 1;
        if *in_flight > 1 {
            log.concurrent.push(id.clone());
        }
        log.requests
    };
    let guard = InFlight { shared, id: id.clone() };
    let status = if shared.behaviour.hold_first && number == 1 {
        shared.release.notified().await;
        503
    } else if number <= shared.behaviour.fail_first {
        tokio::time::sleep(shared.behaviour.delay).await;
        500
    } else {
        tokio::time::sleep(shared.behaviour.delay).await;
        204
    };
    drop(guard);
    let body = serde_json::from_slice(&body).unwrap_or(Value::Null);
    shared.log.lock().unwrap().answered.push(Received { id, body, verified, status });
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = hyper::StatusCode::from_u16(status).unwrap();
    response
}
