//! Every endpoint and every error over HTTP, against the real binary on 127.0.0.1: once with SQLite,
//! once with PostgreSQL (`CREDOFFER_TEST_DATABASE_URL`; `cargo xtask server-test` starts one).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

#[macro_use]
mod common;

use std::time::Duration;

use common::percent_encode;
use common::{
    API_TOKEN, Backend, Client, ISSUER, MDL, PID, Server, TempDir, code_in, issuer_config, reference_path, run_binary,
    server_config, token_form, wrong_code,
};
use credoffer::{ParseOptions, parse_offer_json};
use serde_json::{Value, json};

on_every_backend!(
    mattr_curl_examples_work_as_written,
    authorization_offer_errors_list_every_problem,
    offer_endpoints_need_a_configured_bearer_token,
    pre_authorized_flow_redeems_once_and_reports_replay,
    wrong_transaction_codes_invalidate_after_the_configured_attempts,
    token_endpoint_errors,
    delete_makes_an_offer_unredeemable,
    bodies_over_the_limit_are_refused_with_413,
    offers_by_reference_are_served_until_redeemed,
    expired_offers_are_refused,
    metadata_health_and_unknown_routes,
    logs_carry_no_secret_and_sigterm_stops_gracefully,
    issued_tokens_introspect_until_the_code_is_replayed,
);

/// The flow a credential endpoint completes: an offer with claims, the wallet's redemption, then the
/// credential endpoint's question about the token it was handed — until the code is presented again.
async fn issued_tokens_introspect_until_the_code_is_replayed(backend: Backend) {
    let server = plain_server(&backend);
    let mut client = Client::connect(server.addr).await;
    // Sent as text: claims keep the digits they were given, 36.50 included.
    let body = format!(
        r#"{{"credentials": ["{MDL}"], "userId": "0b2f3a5c-6d7e-4f80-9a1b-2c3d4e5f6a7b",
            "transactionCodeConfiguration": {{"length": 6}},
            "claims": {{"given_name": "Ada", "age": 36.50}}, "claimsToPersist": ["given_name"]}}"#
    );
    let auth = format!("Bearer {API_TOKEN}");
    let headers = [("authorization", auth.as_str()), ("content-type", "application/json")];
    let reply = client.send("POST", "/v1/openid/offers/pre-authorized", &headers, body).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let offer = reply.json();
    let code = code_in(offer["uri"].as_str().unwrap());
    let tx_code = offer["transactionCode"].as_str().unwrap().to_owned();
    let reply = client.redeem(&code, Some(&tx_code)).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let access_token = reply.json()["access_token"].as_str().unwrap().to_owned();

    let reply = client.introspect(&access_token).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        (reply.header("content-type"), reply.header("cache-control")),
        (Some("application/json"), Some("no-store"))
    );
    let answer = reply.json();
    assert_eq!(answer["active"], true, "{answer}");
    assert_eq!(answer["sub"], "0b2f3a5c-6d7e-4f80-9a1b-2c3d4e5f6a7b");
    assert_eq!(
        answer["authorization_details"],
        json!([{"type": "openid_credential", "credential_configuration_id": MDL}])
    );
    assert_eq!(answer["claims_to_persist"], json!(["given_name"]));
    assert!(
        reply.body.contains(r#""claims":{"age":36.50,"given_name":"Ada"}"#),
        "claims keep their digits: {}",
        reply.body
    );
    assert_eq!(answer["exp"].as_u64().unwrap() - answer["iat"].as_u64().unwrap(), 300);

    // Nothing else answers for the token, and nobody without an API token may ask.
    assert_eq!(client.introspect("not-a-token").await.json(), json!({"active": false}));
    let form = format!("token={access_token}");
    let anonymous = client
        .send("POST", "/v1/oauth/introspect", &[("content-type", "application/x-www-form-urlencoded")], form)
        .await;
    assert_eq!(anonymous.status, 401);
    let no_token = client
        .send(
            "POST",
            "/v1/oauth/introspect",
            &[("authorization", auth.as_str()), ("content-type", "application/x-www-form-urlencoded")],
            "token_type_hint=access_token",
        )
        .await;
    assert_eq!((no_token.status, no_token.json()["error"].as_str()), (400, Some("invalid_request")));

    // The code again: refused, and the token revoked for good.
    let replay = client.redeem(&code, Some(&tx_code)).await;
    assert_eq!((replay.status, replay.json()["error"].as_str()), (400, Some("invalid_grant")));
    assert_eq!(client.introspect(&access_token).await.json(), json!({"active": false}));
    let log = server.log_text();
    assert!(!log.contains(&access_token), "the token never reaches the log");
}

fn mattr_server(backend: &Backend) -> Server {
    Server::start(&server_config(
        backend,
        issuer_config(
            json!({"credentialIssuer": "https://myissuer.example.com", "dialect": "mattr", "preAuthorizedMdocOnly": true}),
        ),
        json!({}),
    ))
}

fn plain_server(backend: &Backend) -> Server {
    Server::start(&server_config(backend, issuer_config(json!({})), json!({})))
}

async fn mattr_curl_examples_work_as_written(backend: Backend) {
    let server = mattr_server(&backend);
    let mut client = Client::connect(server.addr).await;

    // The bodies of the MATTR page, byte for byte (whitespace included).
    let reply = client
        .post_json(
            "/v1/openid/offers",
            &serde_json::from_str::<Value>(
                r#"{    "credentials": [      "707e920a-f342-443b-ae24-6946b7b5033e"    ]  }"#,
            )
            .unwrap(),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        reply.json(),
        json!({"uri": "openid-credential-offer://?credential_offer=%7B%22credential_issuer%22%3A%22https%3A%2F%2Fmyissuer.example.com%22%2C%22credentials%22%3A%5B%22707e920a-f342-443b-ae24-6946b7b5033e%22%5D%2C%22credential_configuration_ids%22%3A%5B%22707e920a-f342-443b-ae24-6946b7b5033e%22%5D%7D"})
    );
    let with_parameters =
        json!({"credentials": [MDL], "request_parameters": {"login_hint": "user@example.com", "prompt": "login"}});
    let reply = client.post_json("/v1/openid/offers", &with_parameters).await;
    assert_eq!(
        reply.json()["uri"],
        "openid-credential-offer://?credential_offer=%7B%22credential_issuer%22%3A%22https%3A%2F%2Fmyissuer.example.com%22%2C%22credentials%22%3A%5B%22707e920a-f342-443b-ae24-6946b7b5033e%22%5D%2C%22credential_configuration_ids%22%3A%5B%22707e920a-f342-443b-ae24-6946b7b5033e%22%5D%2C%22request_parameters%22%3A%7B%22login_hint%22%3A%22user%40example.com%22%2C%22prompt%22%3A%22login%22%7D%7D"
    );

    let reply = client.create_pre_authorized(&json!({"credentials": [MDL]})).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    let offer = reply.json();
    let members: Vec<&str> = offer.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(members, ["expiresAt", "id", "uri", "userId"], "no transactionCode without a configuration");
    for id in [&offer["id"], &offer["userId"]] {
        assert!(credoffer::Issuer::check_offer_id(id.as_str().unwrap()).is_ok(), "{id} is a UUID");
    }
    let expires_at = offer["expiresAt"].as_str().unwrap();
    assert!(expires_at.len() == 24 && expires_at.ends_with(".000Z"), "{expires_at}");
    assert_eq!(code_in(offer["uri"].as_str().unwrap()).len(), 43);

    // A non-mdoc configuration is refused in the MATTR preset.
    let reply = client.create_pre_authorized(&json!({"credentials": [PID]})).await;
    assert_eq!(reply.status, 400);

    let path = format!("/v1/openid/offers/pre-authorized/{}", offer["id"].as_str().unwrap());
    let auth = format!("Bearer {API_TOKEN}");
    let reply = client.send("DELETE", &path, &[("authorization", &auth)], "").await;
    assert_eq!((reply.status, reply.body.as_str()), (204, ""));
    let reply = client
        .send(
            "DELETE",
            "/v1/openid/offers/pre-authorized/8241400f-de3b-42c5-ad7c-8a380039e796",
            &[("authorization", &auth)],
            "",
        )
        .await;
    assert_eq!(reply.status, 404);
    assert_eq!(reply.json(), json!({"code": "NotFound", "message": "Resource Not Found"}));
}

async fn authorization_offer_errors_list_every_problem(backend: Backend) {
    let server = plain_server(&backend);
    let mut client = Client::connect(server.addr).await;
    let reply = client
        .post_json(
            "/v1/openid/offers",
            &json!({"credentials": ["nope", PID, PID], "request_parameters": {"prompt": 1}, "extra": true}),
        )
        .await;
    assert_eq!(reply.status, 400);
    let body = reply.json();
    assert_eq!((body["code"].as_str(), body["message"].as_str()), (Some("BadRequest"), Some("Validation Error")));
    let params: Vec<&str> = body["details"].as_array().unwrap().iter().map(|d| d["param"].as_str().unwrap()).collect();
    for expected in ["credentials[0]", "credentials[2]", "request_parameters.prompt", "extra"] {
        assert!(params.contains(&expected), "{expected} missing from {params:?}");
    }
    assert!(body["details"].as_array().unwrap().iter().all(|d| d["location"] == "body"));

    let auth = format!("Bearer {API_TOKEN}");
    let headers = [("authorization", auth.as_str()), ("content-type", "application/json")];
    let reply = client.send("POST", "/v1/openid/offers", &headers, "{not json").await;
    assert_eq!((reply.status, reply.json()["code"].as_str()), (400, Some("BadRequest")));
    let reply = client.send("POST", "/v1/openid/offers", &headers, vec![0xff, 0xfe]).await;
    assert_eq!((reply.status, reply.json()["details"][0]["param"].as_str()), (400, Some("body")));

    let reply = client
        .create_pre_authorized(
            &json!({"credentials": [], "userId": "x", "expiresIn": {"minutes": 11}, "claimsToPersist": ["a"]}),
        )
        .await;
    assert_eq!(reply.status, 400);
    assert!(reply.json()["details"].as_array().unwrap().len() >= 4, "{}", reply.body);
}

async fn offer_endpoints_need_a_configured_bearer_token(backend: Backend) {
    let server = plain_server(&backend);
    let mut client = Client::connect(server.addr).await;
    let body = json!({"credentials": [MDL]}).to_string();
    let wrong = "Bearer test-api-token-0123456789abcdeX".to_owned();
    let basic = format!("Basic {API_TOKEN}");
    for (method, path) in [
        ("POST", "/v1/openid/offers"),
        ("POST", "/v1/openid/offers/pre-authorized"),
        ("DELETE", "/v1/openid/offers/pre-authorized/8241400f-de3b-42c5-ad7c-8a380039e796"),
    ] {
        for headers in [vec![], vec![("authorization", wrong.as_str())], vec![("authorization", basic.as_str())]] {
            let reply = client.send(method, path, &headers, body.clone()).await;
            assert_eq!(reply.status, 401, "{method} {path} {headers:?}");
            assert_eq!(reply.header("www-authenticate"), Some("Bearer"));
            assert_eq!(reply.json()["code"], "Unauthorized");
        }
    }
    // The scheme is case-insensitive (RFC 7235 §2.1).
    let lower = format!("bearer {API_TOKEN}");
    let headers = [("authorization", lower.as_str()), ("content-type", "application/json")];
    let reply = client.send("POST", "/v1/openid/offers", &headers, body).await;
    assert_eq!(reply.status, 200);
}

async fn pre_authorized_flow_redeems_once_and_reports_replay(backend: Backend) {
    let server = plain_server(&backend);
    let mut client = Client::connect(server.addr).await;
    let reply = client
        .create_pre_authorized(&json!({
            "credentials": [MDL],
            "transactionCodeConfiguration": {"description": "Sent by e-mail", "length": 8},
            "claims": {"given_name": "Ada"},
            "expiresIn": {"minutes": 2, "seconds": 30}
        }))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let offer = reply.json();
    let tx_code = offer["transactionCode"].as_str().expect("a string, so leading zeros survive").to_owned();
    assert!(tx_code.len() == 8 && tx_code.bytes().all(|b| b.is_ascii_digit()));
    let code = code_in(offer["uri"].as_str().unwrap());

    let reply = client.redeem(&code, Some(&wrong_code(&tx_code))).await;
    assert_eq!((reply.status, reply.json()["error"].as_str()), (400, Some("invalid_grant")));
    assert_eq!(reply.header("cache-control"), Some("no-store"));

    let reply = client.redeem(&code, Some(&tx_code)).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!((reply.header("cache-control"), reply.header("pragma")), (Some("no-store"), Some("no-cache")));
    let token = reply.json();
    assert_eq!((token["token_type"].as_str(), token["expires_in"].as_u64()), (Some("Bearer"), Some(300)));
    assert_eq!(token["access_token"].as_str().unwrap().len(), 43);

    let replay = client.redeem(&code, Some(&tx_code)).await;
    assert_eq!((replay.status, replay.json()["error"].as_str()), (400, Some("invalid_grant")));
    let log = server.log_text();
    assert!(log.contains("revoke the tokens issued from it"), "replay must be reported:\n{log}");

    // A second offer without a transaction code; '+' and '/' never appear, but encoding is exercised.
    let reply = client.create_pre_authorized(&json!({"credentials": [MDL, PID]})).await;
    let code = code_in(reply.json()["uri"].as_str().unwrap());
    let reply = client.redeem(&code, Some("123456")).await;
    assert_eq!(
        (reply.status, reply.json()["error"].as_str()),
        (400, Some("invalid_request")),
        "tx_code sent but none set"
    );
    let reply = client.redeem(&code, None).await;
    assert_eq!(reply.status, 200, "no attempt was consumed by the malformed request: {}", reply.body);
}

async fn wrong_transaction_codes_invalidate_after_the_configured_attempts(backend: Backend) {
    let server = Server::start(&server_config(
        &backend,
        issuer_config(json!({"txCode": {"maxFailedAttempts": 5}, "wrongTxCodeError": "invalid_tx_code"})),
        json!({}),
    ));
    let mut client = Client::connect(server.addr).await;
    let offer = client
        .create_pre_authorized(&json!({"credentials": [MDL], "transactionCodeConfiguration": {"inputMode": "text"}}))
        .await
        .json();
    let tx_code = offer["transactionCode"].as_str().unwrap().to_owned();
    let code = code_in(offer["uri"].as_str().unwrap());
    let wrong = if tx_code.starts_with('A') { "B".repeat(6) } else { "A".repeat(6) };

    // Missing transaction code: invalid_request, no attempt used.
    let reply = client.redeem(&code, None).await;
    assert_eq!(reply.json()["error"], "invalid_request");
    for attempt in 1..=5 {
        let reply = client.redeem(&code, Some(&wrong)).await;
        let expected = if attempt < 5 { "invalid_tx_code" } else { "invalid_grant" };
        assert_eq!((reply.status, reply.json()["error"].as_str()), (400, Some(expected)), "attempt {attempt}");
    }
    let reply = client.redeem(&code, Some(&tx_code)).await;
    assert_eq!((reply.status, reply.json()["error"].as_str()), (400, Some("invalid_grant")), "invalidated for good");
}

async fn token_endpoint_errors(backend: Backend) {
    let server = plain_server(&backend);
    let mut client = Client::connect(server.addr).await;
    let offer =
        client.create_pre_authorized(&json!({"credentials": [MDL], "transactionCodeConfiguration": {}})).await.json();
    let code = code_in(offer["uri"].as_str().unwrap());
    let tx_code = offer["transactionCode"].as_str().unwrap();
    let form = token_form(&code, Some(tx_code));

    let error_of = |reply: &common::Reply| (reply.status, reply.json()["error"].as_str().unwrap().to_owned());
    let reply = client.send("POST", "/v1/oauth/token", &[("content-type", "application/json")], form.clone()).await;
    assert_eq!(error_of(&reply), (400, "invalid_request".into()));
    let reply = client.send("POST", "/v1/oauth/token", &[], form.clone()).await;
    assert_eq!(error_of(&reply), (400, "invalid_request".into()));
    let reply = client.token(&format!("pre-authorized_code={}", percent_encode(&code))).await;
    assert_eq!(error_of(&reply), (400, "invalid_request".into()));
    let reply = client.token("grant_type=authorization_code&code=abc").await;
    assert_eq!(error_of(&reply), (400, "unsupported_grant_type".into()));
    let reply = client.token(&format!("{form}&pre-authorized_code=again")).await;
    assert_eq!(error_of(&reply), (400, "invalid_request".into()));
    let reply = client.redeem("an-unknown-code", Some(tx_code)).await;
    assert_eq!(error_of(&reply), (400, "invalid_grant".into()));
    let body = reply.json();
    assert_eq!(body.as_object().unwrap().len(), 2, "{{error, error_description}}: {body}");
    let reply = client.redeem(&code, None).await;
    assert_eq!(error_of(&reply), (400, "invalid_request".into()));
    let not_utf8 = client
        .send(
            "POST",
            "/v1/oauth/token",
            &[("content-type", "application/x-www-form-urlencoded")],
            &b"grant_type=\xff"[..],
        )
        .await;
    assert_eq!(error_of(&not_utf8), (400, "invalid_request".into()));
    let reply = client.send("GET", "/v1/oauth/token", &[], "").await;
    assert_eq!(reply.status, 405);
    // The charset parameter is allowed; none of the refusals above used an attempt.
    let reply = client
        .send("POST", "/v1/oauth/token", &[("content-type", "application/x-www-form-urlencoded; charset=UTF-8")], form)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
}

async fn delete_makes_an_offer_unredeemable(backend: Backend) {
    let server = plain_server(&backend);
    let mut client = Client::connect(server.addr).await;
    let offer = client.create_pre_authorized(&json!({"credentials": [MDL]})).await.json();
    let code = code_in(offer["uri"].as_str().unwrap());
    let path = format!("/v1/openid/offers/pre-authorized/{}", offer["id"].as_str().unwrap());
    let auth = format!("Bearer {API_TOKEN}");
    let reply = client.send("DELETE", &path, &[("authorization", &auth)], "").await;
    assert_eq!(reply.status, 204);
    let reply = client.redeem(&code, None).await;
    assert_eq!((reply.status, reply.json()["error"].as_str()), (400, Some("invalid_grant")));
    let reply = client.send("DELETE", &path, &[("authorization", &auth)], "").await;
    assert_eq!(reply.status, 404, "{path}");
    assert_eq!(reply.json(), json!({"code": "NotFound", "message": "Resource Not Found"}));
    // Not an offer id at all: a validation error naming the id, as MATTR answers.
    let reply =
        client.send("DELETE", "/v1/openid/offers/pre-authorized/not-a-uuid", &[("authorization", &auth)], "").await;
    assert_eq!((reply.status, reply.json()["code"].as_str()), (400, Some("BadRequest")));
    assert_eq!(reply.json()["details"][0]["param"], "id");
}

async fn bodies_over_the_limit_are_refused_with_413(backend: Backend) {
    let server = plain_server(&backend);
    let padding = "x".repeat(500 * 1024);
    let big = json!({"credentials": [MDL], "claims": {"padding": padding}});
    // A fresh connection each time: the server may close one whose body it did not read.
    for path in ["/v1/openid/offers", "/v1/openid/offers/pre-authorized"] {
        let reply = Client::connect(server.addr).await.post_json(path, &big).await;
        assert_eq!(reply.status, 413, "{path}");
        assert_eq!(reply.json()["code"], "PayloadTooLarge");
    }
    let reply = Client::connect(server.addr).await.token(&format!("grant_type=x&padding={padding}")).await;
    assert_eq!(reply.status, 413);
    // The token endpoint answers in OAuth's shape, which token clients parse.
    assert_eq!(reply.json()["error"], "invalid_request");
    // Just under the limit is read.
    let mut client = Client::connect(server.addr).await;
    let under = json!({"credentials": [MDL], "claims": {"padding": "x".repeat(500 * 1024 - 100)}});
    let reply = client.create_pre_authorized(&under).await;
    assert_eq!(reply.status, 200, "{}", &reply.body[..reply.body.len().min(200)]);
}

/// Wallets fetch an offer more than once: it is served (GET and HEAD) until redeemed, then 404. The
/// token in the URL is not the code: only the offer JSON gives the code.
async fn offers_by_reference_are_served_until_redeemed(backend: Backend) {
    let server = Server::start(&server_config(
        &backend,
        issuer_config(json!({"offerUrlTemplate": format!("{ISSUER}/offers/{{token}}")})),
        json!({}),
    ));
    let mut client = Client::connect(server.addr).await;
    let offer =
        client.create_pre_authorized(&json!({"credentials": [MDL], "transactionCodeConfiguration": {}})).await.json();
    let path = reference_path(offer["uri"].as_str().unwrap());
    assert!(path.starts_with("/offers/"), "{path}");
    let tx_code = offer["transactionCode"].as_str().unwrap();
    let url_token = path.trim_start_matches("/offers/").to_owned();
    let reply = client.redeem(&url_token, Some(tx_code)).await;
    assert_eq!((reply.status, reply.json()["error"].as_str()), (400, Some("invalid_grant")), "the URL is not the code");

    let mut codes = Vec::new();
    for _ in 0..2 {
        let reply = client.get(&path).await;
        assert_eq!((reply.status, reply.header("cache-control")), (200, Some("no-store")), "{}", reply.body);
        assert_eq!(reply.header("content-type"), Some("application/json"));
        let parsed = parse_offer_json(&reply.body, &ParseOptions::default()).unwrap();
        assert_eq!(parsed.offer.credential_issuer, ISSUER);
        codes.push(parsed.offer.pre_authorized_code_grant().unwrap().pre_authorized_code.clone());
    }
    assert_eq!(codes[0], codes[1], "the same offer each time");
    assert_ne!(codes[0], url_token);
    let head = client.send("HEAD", &path, &[], "").await;
    assert_eq!((head.status, head.body.as_str(), head.header("cache-control")), (200, "", Some("no-store")));
    assert_eq!(client.status(offer["id"].as_str().unwrap()).await["fetchCount"], 3, "HEAD counts too");
    assert_eq!(client.get("/offers/unknown-token").await.status, 404);

    let reply = client.redeem(&codes[0], Some(tx_code)).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let again = client.get(&path).await;
    assert_eq!((again.status, again.json()["code"].as_str()), (404, Some("NotFound")), "not after redemption");
    assert_eq!(client.send("HEAD", &path, &[], "").await.status, 404);
    assert!(!server.log_text().contains(&url_token), "the reference token must not be logged");
}

async fn expired_offers_are_refused(backend: Backend) {
    let server = plain_server(&backend);
    let mut client = Client::connect(server.addr).await;
    let offer = client.create_pre_authorized(&json!({"credentials": [MDL], "expiresIn": {"seconds": 1}})).await.json();
    let code = code_in(offer["uri"].as_str().unwrap());
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let reply = client.redeem(&code, None).await;
    assert_eq!((reply.status, reply.json()["error"].as_str()), (400, Some("invalid_grant")));
}

async fn metadata_health_and_unknown_routes(backend: Backend) {
    let metadata = json!({
        "credential_issuer": "https://issuer.example.com/tenant",
        "credential_endpoint": "https://issuer.example.com/tenant/credential",
        "credential_configurations_supported": {MDL: {"format": "mso_mdoc", "doctype": "org.iso.18013.5.1.mDL"}, PID: {"format": "dc+sd-jwt"}}
    });
    let server = Server::start(&server_config(
        &backend,
        issuer_config(json!({"credentialIssuer": "https://issuer.example.com/tenant"})),
        json!({"metadata": metadata}),
    ));
    let mut client = Client::connect(server.addr).await;
    let reply = client.get("/.well-known/openid-credential-issuer/tenant").await;
    assert_eq!((reply.status, reply.header("content-type")), (200, Some("application/json")));
    assert_eq!(reply.json(), metadata);
    let reply = client.get("/.well-known/openid-credential-issuer").await;
    assert_eq!(reply.status, 404);
    let reply = client.get("/health").await;
    assert_eq!((reply.status, reply.json()), (200, json!({"status": "ok"})));
    let reply = client.get("/no/such/route").await;
    assert_eq!((reply.status, reply.json()["code"].as_str()), (404, Some("NotFound")));

    // Without configured metadata there is nothing at the well-known URL.
    let plain = plain_server(&backend);
    let reply = Client::connect(plain.addr).await.get("/.well-known/openid-credential-issuer").await;
    assert_eq!(reply.status, 404);
}

async fn logs_carry_no_secret_and_sigterm_stops_gracefully(backend: Backend) {
    let mut server = plain_server(&backend);
    let mut client = Client::connect(server.addr).await;
    let offer = client.create_pre_authorized(&json!({"credentials": [MDL], "transactionCodeConfiguration": {}, "claims": {"secret_claim": "Ada Lovelace"}})).await.json();
    let code = code_in(offer["uri"].as_str().unwrap());
    let tx_code = offer["transactionCode"].as_str().unwrap().to_owned();
    client.redeem(&code, Some(&wrong_code(&tx_code))).await;
    let token = client.redeem(&code, Some(&tx_code)).await.json()["access_token"].as_str().unwrap().to_owned();
    drop(client);
    let status = server.stop().expect("the server stops on SIGTERM");
    assert!(status.success(), "{status}");
    let log = server.log_text();
    assert!(log.contains("stopped"), "{log}");
    assert!(log.contains(offer["id"].as_str().unwrap()), "offers are logged by id:\n{log}");
    for secret in [code.as_str(), tx_code.as_str(), token.as_str(), API_TOKEN, "Ada Lovelace"] {
        assert!(!log.contains(secret), "the log holds a secret ({secret}):\n{log}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_file_keeps_records_across_restarts() {
    let dir = TempDir::new("file");
    let backend = Backend::SqliteFile(dir.path("records.sqlite3"));
    let mut server = plain_server(&backend);
    let offer = Client::connect(server.addr).await.create_pre_authorized(&json!({"credentials": [MDL]})).await.json();
    server.stop();
    let server = plain_server(&backend);
    let reply = Client::connect(server.addr).await.redeem(&code_in(offer["uri"].as_str().unwrap()), None).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flags_alone_configure_a_server() {
    let dir = TempDir::new("flags");
    let metadata = dir.path("metadata.json");
    std::fs::write(
        &metadata,
        json!({"credential_issuer": ISSUER, "credential_configurations_supported": {MDL: {"format": "mso_mdoc"}}})
            .to_string(),
    )
    .unwrap();
    // An empty configuration file; everything else comes from flags and the environment.
    let server = Server::start_with(
        &json!({}),
        &[
            "--in-memory",
            "--credential-issuer",
            ISSUER,
            "--credential-configuration",
            &format!("{MDL}=mso_mdoc"),
            "--mattr",
            "--metadata",
            metadata.to_str().unwrap(),
            "--log-format",
            "json",
        ],
        &[("CREDOFFER_API_TOKENS", API_TOKEN)],
    );
    let mut client = Client::connect(server.addr).await;
    let reply = client.post_json("/v1/openid/offers", &json!({"credentials": [MDL]})).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(reply.json()["uri"].as_str().unwrap().contains("%22credentials%22"), "the mattr dialect");
    assert_eq!(client.get("/.well-known/openid-credential-issuer").await.status, 200);
    let first_log_line = server.log_text().lines().next().unwrap_or_default().to_owned();
    assert!(serde_json::from_str::<Value>(&first_log_line).is_ok(), "JSON logs: {first_log_line}");
}

#[test]
fn configuration_errors_are_one_line_and_exit_2() {
    let dir = TempDir::new("bad");
    let config = dir.path("config.json");
    let cases = [
        (json!({"issuer": issuer_config(json!({}))}), "no API token"),
        (json!({"apiTokens": ["short"], "issuer": issuer_config(json!({}))}), "at least 16"),
        (json!({"apiTokens": [API_TOKEN]}), "no issuer"),
        (json!({"apiTokens": [API_TOKEN], "issuer": issuer_config(json!({"credentialIssuer": "http://x"}))}), "issuer"),
        (
            json!({"apiTokens": [API_TOKEN], "issuer": issuer_config(json!({})), "databaseUrl": "mysql://x"}),
            "postgres://",
        ),
        (json!({"apiTokens": [API_TOKEN], "issuer": issuer_config(json!({})), "unknown": 1}), "unknown member"),
        (
            json!({"apiTokens": [API_TOKEN], "issuer": issuer_config(json!({"offerUrlTemplate": "https://issuer.example.com/o?t={token}"}))}),
            "offerUrlTemplate",
        ),
        (
            json!({"apiTokens": [API_TOKEN], "issuer": issuer_config(json!({})), "metadata": {"credential_issuer": "https://other.example.com", "credential_configurations_supported": {}}}),
            "metadata",
        ),
        (
            json!({"apiTokens": [API_TOKEN], "issuer": issuer_config(json!({})), "metadata": {"credential_issuer": ISSUER, "credential_configurations_supported": {MDL: {"format": "mso_mdoc"}}}}),
            PID,
        ),
    ];
    for (body, expected) in cases {
        std::fs::write(&config, body.to_string()).unwrap();
        let (code, stderr) = run_binary(&["--config", config.to_str().unwrap()], &[]);
        assert_eq!(code, Some(2), "{body}: {stderr}");
        assert!(stderr.contains(expected) && stderr.trim().lines().count() == 1, "{body}: {stderr:?}");
        assert!(!stderr.contains(API_TOKEN), "{stderr}");
    }
    let (code, stderr) = run_binary(&["--config", "/nonexistent/credoffer.json"], &[]);
    assert_eq!(code, Some(2), "{stderr}");
    let (code, _) = run_binary(&["--credential-configuration", "no-equals-sign"], &[]);
    assert_eq!(code, Some(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_url_from_the_environment() {
    let Some(Backend::Postgres(url)) = Backend::postgres("postgres_url_from_the_environment") else { return };
    let config = json!({"apiTokens": [API_TOKEN], "issuer": issuer_config(json!({}))});
    let server = Server::start_with(&config, &[], &[("CREDOFFER_DATABASE_URL", &url)]);
    let mut client = Client::connect(server.addr).await;
    let offer = client.create_pre_authorized(&json!({"credentials": [MDL]})).await.json();
    // Stored in PostgreSQL: a second instance on the same database redeems it.
    let other = Server::start_with(&config, &[], &[("CREDOFFER_DATABASE_URL", &url)]);
    let reply = Client::connect(other.addr).await.redeem(&code_in(offer["uri"].as_str().unwrap()), None).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(!server.log_text().contains(&url), "the database URL is not logged");
}
