//! An offer's life as a host sees it: the status endpoint at each step, the stored events (replayed and
//! live as server-sent events, from this instance or another sharing the store), and the same events
//! as signed webhooks. Once on SQLite and once on PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

#[macro_use]
mod common;

use std::time::{Duration, Instant};

use http_body_util::BodyExt;

use common::receiver::{Behaviour, Receiver, SECRET};
use common::{
    API_TOKEN, Backend, Client, ISSUER, MDL, Server, TempDir, issuer_config, parse_sse, reference_path, server_config,
    types, wait_until, wrong_code,
};
use credoffer::{ParseOptions, parse_offer_json};
use serde_json::{Value, json};

on_every_backend!(
    a_lifecycle_in_status_events_and_webhooks,
    fetches_stop_at_max_offer_fetches,
    deletion_ends_the_stream,
    the_sweep_reports_expiry_to_a_live_stream,
    a_stopping_server_ends_its_streams,
    wrong_codes_invalidate_and_end_a_live_stream,
);

/// By reference, with http webhooks (loopback) allowed, and `extra` issuer members.
fn issuer(extra: Value) -> Value {
    let mut issuer =
        issuer_config(json!({"offerUrlTemplate": format!("{ISSUER}/offers/{{token}}"), "allowInsecureHttp": true}));
    if let (Value::Object(issuer), Value::Object(extra)) = (&mut issuer, extra) {
        issuer.extend(extra);
    }
    issuer
}

/// Server members for one webhook to `receiver`, retried quickly. The timeout is long: an answer slowed
/// past it by a loaded machine would be delivered again (at least once), which this test counts.
fn webhooks_to(receiver: &Receiver) -> Value {
    json!({
        "webhooks": [{"url": receiver.url(), "secret": SECRET}],
        "webhookRetryBaseMilliseconds": 100,
        "webhookTimeoutSeconds": 10,
    })
}

/// The offer JSON's pre-authorized code, fetched from its URL.
async fn fetch_code(client: &mut Client, path: &str) -> String {
    let reply = client.get(path).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let parsed = parse_offer_json(&reply.body, &ParseOptions::default()).unwrap();
    parsed.offer.pre_authorized_code_grant().unwrap().pre_authorized_code.clone()
}

/// A status's members, times aside (only whether each is present).
fn summary(status: &Value) -> Value {
    let present = |name: &&str| status.get(*name).is_some_and(|at| at.as_str().is_some_and(|at| at.ends_with('Z')));
    let times = ["firstFetchedAt", "lastFetchedAt", "redeemedAt", "invalidatedAt", "deletedAt"];
    let at: Vec<&str> = times.into_iter().filter(present).collect();
    json!({
        "state": status["state"],
        "fetchCount": status["fetchCount"],
        "failedAttemptsLeft": status["failedAttemptsLeft"],
        "at": at,
    })
}

async fn a_lifecycle_in_status_events_and_webhooks(backend: Backend) {
    let receiver = Receiver::start(Behaviour { fail_first: 2, ..Behaviour::default() }).await;
    let server = Server::start(&server_config(&backend, issuer(json!({})), webhooks_to(&receiver)));
    let mut client = Client::connect(server.addr).await;
    let user = "0b2f3a5c-6d7e-4f80-9a1b-2c3d4e5f6a7b";
    let offer = client
        .create_pre_authorized(&json!({"credentials": [MDL], "userId": user, "transactionCodeConfiguration": {}}))
        .await
        .json();
    let id = offer["id"].as_str().unwrap().to_owned();
    let tx_code = offer["transactionCode"].as_str().unwrap().to_owned();
    let path = reference_path(offer["uri"].as_str().unwrap());

    let status = client.status(&id).await;
    assert_eq!((status["id"].as_str(), status["userId"].as_str()), (Some(id.as_str()), Some(user)));
    assert_eq!(status["credentials"], json!([MDL]));
    assert_eq!(status["expiresAt"], offer["expiresAt"]);
    assert_eq!(summary(&status), json!({"state": "active", "fetchCount": 0, "failedAttemptsLeft": 3, "at": []}));
    for secret in [&tx_code, &path.trim_start_matches("/offers/").to_owned()] {
        assert!(!status.to_string().contains(secret.as_str()), "the status holds no secret");
    }

    let code = fetch_code(&mut client, &path).await;
    assert_eq!(
        summary(&client.status(&id).await),
        json!({"state": "active", "fetchCount": 1, "failedAttemptsLeft": 3, "at": ["firstFetchedAt", "lastFetchedAt"]})
    );
    assert_eq!(fetch_code(&mut client, &path).await, code);
    assert_eq!(client.send("HEAD", &path, &[], "").await.status, 200);
    assert_eq!(client.status(&id).await["fetchCount"], 3);

    assert_eq!(client.redeem(&code, Some(&wrong_code(&tx_code))).await.status, 400);
    assert_eq!(
        summary(&client.status(&id).await),
        json!({"state": "active", "fetchCount": 3, "failedAttemptsLeft": 2, "at": ["firstFetchedAt", "lastFetchedAt"]})
    );
    let reply = client.redeem(&code, Some(&tx_code)).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let redeemed = json!({"state": "redeemed", "fetchCount": 3, "failedAttemptsLeft": 2,
        "at": ["firstFetchedAt", "lastFetchedAt", "redeemedAt"]});
    assert_eq!(summary(&client.status(&id).await), redeemed);
    assert_eq!(client.get(&path).await.status, 404, "nothing to serve after redemption, and no event");
    assert_eq!(client.redeem(&code, Some(&tx_code)).await.status, 400);
    assert_eq!(client.status(&id).await["state"], "redeemed");

    // The offer ended: the stream replays every event, then ends.
    let events = client.events(&id, None).await;
    let expected = [
        "offer.created",
        "offer.fetched",
        "offer.fetched",
        "offer.fetched",
        "offer.tx_code_rejected",
        "offer.redeemed",
        "offer.replay_attempted",
    ];
    assert_eq!(types(&events), expected);
    for (version, event) in (1..).zip(&events) {
        let event_id = format!("{id}.{version}");
        assert_eq!(event.id, event_id);
        assert_eq!(
            (event.data["id"].as_str(), event.data["type"].as_str()),
            (Some(event_id.as_str()), Some(event.event.as_str()))
        );
        assert_eq!(
            (event.data["data"]["offerId"].as_str(), event.data["data"]["userId"].as_str()),
            (Some(id.as_str()), Some(user))
        );
        assert!(event.data["timestamp"].as_str().unwrap().ends_with('Z'));
    }
    let fetch_counts: Vec<_> = events[1..4].iter().map(|event| event.data["data"]["fetchCount"].clone()).collect();
    assert_eq!(fetch_counts, [1, 2, 3]);
    assert_eq!(events[4].data["data"]["failedAttemptsLeft"], 2);
    let after = client.events(&id, Some(&format!("{id}.5"))).await;
    assert_eq!(types(&after), ["offer.redeemed", "offer.replay_attempted"], "after Last-Event-ID");
    let auth = format!("Bearer {API_TOKEN}");
    let events_path = format!("/v1/openid/offers/pre-authorized/{id}/events");
    let bad = client.send("GET", &events_path, &[("authorization", &auth), ("last-event-id", "another.3")], "").await;
    assert_eq!(bad.status, 400, "{}", bad.body);
    assert_eq!(client.send("GET", &events_path, &[], "").await.status, 401);
    let unknown = "/v1/openid/offers/pre-authorized/00000000-0000-4000-8000-000000000000";
    assert_eq!(client.send("GET", unknown, &[("authorization", &auth)], "").await.status, 404);
    assert_eq!(client.send("GET", &format!("{unknown}/events"), &[("authorization", &auth)], "").await.status, 404);
    assert_eq!(
        client.send("GET", "/v1/openid/offers/pre-authorized/x", &[("authorization", &auth)], "").await.status,
        400
    );

    // The same events as webhooks: the first two attempts failed and were retried; each event arrived
    // once, signed.
    wait_until("every event is delivered", Duration::from_secs(20), || receiver.delivered().len() >= events.len())
        .await;
    let delivered = receiver.delivered();
    assert!(delivered.iter().all(|received| received.verified), "{delivered:?}");
    let mut ids: Vec<_> = delivered.iter().map(|received| received.id.clone()).collect();
    ids.sort_by_key(|event_id| event_id.rsplit('.').next().unwrap().parse::<u64>().unwrap());
    let expected: Vec<_> = events.iter().map(|event| event.id.clone()).collect();
    assert_eq!(ids, expected, "each event exactly once; the server's log:\n{}", server.log_text());
    for received in &delivered {
        let streamed = events.iter().find(|event| event.id == received.id).unwrap();
        assert_eq!(received.body, streamed.data, "the webhook body is the event JSON");
    }
    let answered = receiver.answered();
    assert_eq!(answered.iter().filter(|received| received.status == 500).count(), 2);
    assert_eq!(answered.len(), events.len() + 2);
    assert_eq!(receiver.concurrent_duplicates(), Vec::<String>::new());
    let log = server.log_text();
    assert!(log.contains("webhook delivery failed; it will be retried"), "{log}");
    assert!(!log.contains(SECRET.trim_start_matches("whsec_")), "the webhook secret is never logged");
}

async fn fetches_stop_at_max_offer_fetches(backend: Backend) {
    let server = Server::start(&server_config(&backend, issuer(json!({"maxOfferFetches": 2})), json!({})));
    let mut client = Client::connect(server.addr).await;
    let offer = client.create_pre_authorized(&json!({"credentials": [MDL]})).await.json();
    let path = reference_path(offer["uri"].as_str().unwrap());
    let code = fetch_code(&mut client, &path).await;
    assert_eq!(client.send("HEAD", &path, &[], "").await.status, 200);
    assert_eq!(client.get(&path).await.status, 404, "over maxOfferFetches");
    assert_eq!(client.send("HEAD", &path, &[], "").await.status, 404);
    let id = offer["id"].as_str().unwrap();
    assert_eq!(summary(&client.status(id).await)["fetchCount"], 2);
    // The code fetched is still good.
    assert_eq!(client.redeem(&code, None).await.status, 200);
    let events = client.events(id, None).await;
    assert_eq!(types(&events), ["offer.created", "offer.fetched", "offer.fetched", "offer.redeemed"]);
}

/// Three wrong transaction codes: two rejections with the attempts left, then the invalidation, which
/// ends a stream opened before them.
async fn wrong_codes_invalidate_and_end_a_live_stream(backend: Backend) {
    let server = Server::start(&server_config(&backend, issuer(json!({})), json!({})));
    let mut client = Client::connect(server.addr).await;
    let offer =
        client.create_pre_authorized(&json!({"credentials": [MDL], "transactionCodeConfiguration": {}})).await.json();
    let id = offer["id"].as_str().unwrap();
    let stream = Client::connect(server.addr).await.open_events(id, None).await;
    let code = fetch_code(&mut client, &reference_path(offer["uri"].as_str().unwrap())).await;
    let wrong = wrong_code(offer["transactionCode"].as_str().unwrap());
    for _ in 0..3 {
        assert_eq!(client.redeem(&code, Some(&wrong)).await.status, 400);
    }
    let events = stream.await.unwrap();
    let kinds =
        ["offer.created", "offer.fetched", "offer.tx_code_rejected", "offer.tx_code_rejected", "offer.invalidated"];
    assert_eq!(types(&events), kinds);
    let left: Vec<_> = events[2..].iter().map(|event| event.data["data"]["failedAttemptsLeft"].clone()).collect();
    assert_eq!(left, [2, 1, 0]);
    let status = json!({"state": "invalidated", "fetchCount": 1, "failedAttemptsLeft": 0,
        "at": ["firstFetchedAt", "lastFetchedAt", "invalidatedAt"]});
    assert_eq!(summary(&client.status(id).await), status);
}

/// A stream outlives the request timeout (one second here), and ends after the deletion.
async fn deletion_ends_the_stream(backend: Backend) {
    let server = Server::start(&server_config(&backend, issuer(json!({})), json!({"requestTimeoutSeconds": 1})));
    let mut client = Client::connect(server.addr).await;
    let offer = client.create_pre_authorized(&json!({"credentials": [MDL]})).await.json();
    let id = offer["id"].as_str().unwrap();
    let stream = Client::connect(server.addr).await.open_events(id, None).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let auth = format!("Bearer {API_TOKEN}");
    let path = format!("/v1/openid/offers/pre-authorized/{id}");
    assert_eq!(client.send("DELETE", &path, &[("authorization", &auth)], "").await.status, 204);
    let events = stream.await.unwrap();
    assert_eq!(types(&events), ["offer.created", "offer.deleted"]);
    assert_eq!(
        summary(&client.status(id).await),
        json!({"state": "deleted", "fetchCount": 0, "failedAttemptsLeft": 3, "at": ["deletedAt"]})
    );
    assert_eq!(client.get(&reference_path(offer["uri"].as_str().unwrap())).await.status, 404);
}

/// An idle stream carries a `: keep-alive` comment every `eventStreamKeepAliveSeconds` (2 s here) without
/// events, so a proxy that cuts silent connections leaves it open; it outlives the header-read and request
/// timeouts (1 s each here).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_stream_is_kept_alive() {
    let limits = json!({"requestTimeoutSeconds": 1, "headerReadTimeoutSeconds": 1, "eventStreamKeepAliveSeconds": 2});
    let server = Server::start(&server_config(&Backend::SqliteMemory, issuer(json!({})), limits));
    let mut client = Client::connect(server.addr).await;
    let offer = client.create_pre_authorized(&json!({"credentials": [MDL]})).await.json();
    let opened = Instant::now();
    let mut body = Client::connect(server.addr).await.event_stream(offer["id"].as_str().unwrap(), None).await;
    let mut text = String::new();
    let mut first_keep_alive = None;
    while text.matches(": keep-alive").count() < 2 {
        let frame = tokio::time::timeout_at((opened + Duration::from_secs(30)).into(), body.frame()).await;
        let frame = frame.expect("no second keep-alive within 30 s").expect("the stream ended").unwrap();
        text.push_str(std::str::from_utf8(frame.data_ref().unwrap()).unwrap());
        if first_keep_alive.is_none() && text.contains(": keep-alive") {
            first_keep_alive = Some(opened.elapsed());
        }
    }
    let first = first_keep_alive.unwrap();
    assert!(first >= Duration::from_millis(1900), "the first keep-alive after {first:?}");
    assert!(opened.elapsed() >= Duration::from_millis(3900), "the second keep-alive after {:?}", opened.elapsed());
    assert_eq!(types(&parse_sse(&text)), ["offer.created"], "{text}");
}

/// The sweep (every second here) stores `offer.expired` once; a stream open on the offer gets it live
/// and ends.
async fn the_sweep_reports_expiry_to_a_live_stream(backend: Backend) {
    let server = Server::start(&server_config(&backend, issuer(json!({})), json!({"sweepIntervalSeconds": 1})));
    let mut client = Client::connect(server.addr).await;
    let offer = client.create_pre_authorized(&json!({"credentials": [MDL], "expiresIn": {"seconds": 1}})).await;
    assert_eq!(offer.status, 200, "{}", offer.body);
    let id = offer.json()["id"].as_str().unwrap().to_owned();
    let events = Client::connect(server.addr).await.open_events(&id, None).await.await.unwrap();
    assert_eq!(types(&events), ["offer.created", "offer.expired"]);
    assert_eq!(events[1].id, format!("{id}.2"));
    assert_eq!(client.status(&id).await["state"], "expired");
    // Reported once: a later stream replays the same two events and ends.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(client.events(&id, None).await, events);
}

/// SIGTERM ends open streams at once, so they do not hold the shutdown to its deadline (30 s here,
/// longer than `Server::stop` waits before it kills).
async fn a_stopping_server_ends_its_streams(backend: Backend) {
    let config = server_config(&backend, issuer(json!({})), json!({"shutdownDeadlineSeconds": 30}));
    let mut server = Server::start(&config);
    let offer = Client::connect(server.addr).await.create_pre_authorized(&json!({"credentials": [MDL]})).await.json();
    let stream = Client::connect(server.addr).await.open_events(offer["id"].as_str().unwrap(), None).await;
    let status = server.stop().expect("the server exits before its shutdown deadline");
    assert!(status.success(), "{status:?}");
    assert_eq!(types(&stream.await.unwrap()), ["offer.created"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_carry_events_written_by_another_instance_on_postgres() {
    if let Some(backend) = Backend::postgres("streams_carry_events_written_by_another_instance_on_postgres") {
        across_instances(backend).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_carry_events_written_by_another_instance_on_one_sqlite_file() {
    let dir = TempDir::new("stream");
    across_instances(Backend::SqliteFile(dir.path("records.sqlite3"))).await;
}

/// A stream on one instance replays what is stored, then gets what the other instance writes, and
/// ends after the redemption.
async fn across_instances(backend: Backend) {
    let config = server_config(&backend, issuer(json!({})), json!({}));
    let (first, second) = (Server::start(&config), Server::start(&config));
    let mut on_first = Client::connect(first.addr).await;
    let mut on_second = Client::connect(second.addr).await;
    let offer = on_first.create_pre_authorized(&json!({"credentials": [MDL]})).await.json();
    let id = offer["id"].as_str().unwrap();
    let path = reference_path(offer["uri"].as_str().unwrap());
    fetch_code(&mut on_first, &path).await;
    let stream = on_first.open_events(id, None).await;
    let code = fetch_code(&mut on_second, &path).await;
    // Long enough for the stream to have read the replay and be waiting: the rest arrives live.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(on_second.redeem(&code, None).await.status, 200);
    let events = stream.await.unwrap();
    assert_eq!(types(&events), ["offer.created", "offer.fetched", "offer.fetched", "offer.redeemed"]);
    assert_eq!(events[3].id, format!("{id}.4"));
}
