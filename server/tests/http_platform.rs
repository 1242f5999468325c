#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]
//! Cross-cutting HTTP behaviour: health, error envelopes (404/405/413), request ids, rate-limit headers and
//! 429, security headers, JWKS caching, did.json, openapi.json coverage, metrics.

mod common;

use axum::body::Body;
use axum::http::{Method, Request};
use common::{LIVE_KEY, TestServer, fresh_database, serve_args};
use serde_json::json;

#[tokio::test]
async fn health_is_healthy() {
    let server = TestServer::start().await;
    let response = server.get("/health", None).await;
    assert_eq!(response.status, 200);
    assert_eq!(
        response.json(),
        json!({"status": "healthy", "database": "ok"})
    );
    assert!(response.header("x-ratelimit-limit").is_none());
    assert!(response.header("x-request-id").is_some());
}

#[tokio::test]
async fn health_is_503_degraded_when_the_database_is_gone() {
    let server = TestServer::start().await;
    server.state.store.close().await;
    let response = server.get("/health", None).await;
    assert_eq!(response.status, 503);
    assert_eq!(
        response.json(),
        json!({"status": "degraded", "database": "error"})
    );
}

#[tokio::test]
async fn unknown_routes_and_wrong_methods_use_the_envelope() {
    let server = TestServer::start().await;
    let body = server
        .get("/v1/nothing-here", Some(LIVE_KEY))
        .await
        .assert_error(404, "NOT_FOUND");
    assert_eq!(body["message"], "Route GET:/v1/nothing-here not found");
    server.get("/", None).await.assert_error(404, "NOT_FOUND");

    for (method, path, allow) in [
        (Method::PUT, "/v1/agents", "GET,HEAD,POST"),
        (Method::DELETE, "/v1/agents", "GET,HEAD,POST"),
        (Method::PUT, "/v1/agents/ag_x", "GET,HEAD,PATCH,POST,DELETE"),
        (Method::POST, "/health", "GET,HEAD"),
        (Method::DELETE, "/.well-known/jwks.json", "GET,HEAD"),
    ] {
        // With or without credentials: a wrong method is 405, not 401.
        for key in [None, Some(LIVE_KEY)] {
            let response = server.call(method.clone(), path, key, None).await;
            response.assert_error(405, "BAD_REQUEST");
            let mut got: Vec<&str> = response.header("allow").unwrap().split(',').collect();
            let mut want: Vec<&str> = allow.split(',').collect();
            got.sort_unstable();
            want.sort_unstable();
            assert_eq!(got, want, "{method} {path}");
        }
    }
}

#[tokio::test]
async fn request_ids_are_generated_or_echoed() {
    let server = TestServer::start().await;
    let a = server.get("/health", None).await;
    let b = server.get("/health", None).await;
    let id_a = a.header("x-request-id").unwrap();
    assert_eq!(id_a.len(), 36);
    assert_ne!(id_a, b.header("x-request-id").unwrap());

    let echoed = server
        .send(
            Request::builder()
                .uri("/v1/agents/ag_missing")
                .header("authorization", format!("Bearer {LIVE_KEY}"))
                .header("x-request-id", "client-req.42:abc_DEF")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    let body = echoed.assert_error(404, "NOT_FOUND");
    assert_eq!(body["requestId"], "client-req.42:abc_DEF");

    for bad in ["has space", &"x".repeat(129), "semi;colon"] {
        let response = server
            .send(
                Request::builder()
                    .uri("/health")
                    .header("x-request-id", bad)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        let id = response.header("x-request-id").unwrap();
        assert_ne!(id, bad);
        assert_eq!(id.len(), 36);
    }
}

#[tokio::test]
async fn authenticated_responses_carry_integer_rate_limit_headers() {
    let server = TestServer::start().await;
    for response in [
        server.get("/v1/agents", Some(LIVE_KEY)).await,
        server.get("/v1/agents/ag_missing", Some(LIVE_KEY)).await,
        server
            .call(Method::POST, "/v1/agents", Some(LIVE_KEY), Some("[]"))
            .await,
    ] {
        for name in [
            "x-ratelimit-limit",
            "x-ratelimit-remaining",
            "x-ratelimit-reset",
        ] {
            let value = response
                .header(name)
                .unwrap_or_else(|| panic!("{name} missing"));
            let n: u64 = value.parse().unwrap();
            if name == "x-ratelimit-reset" {
                assert!((1..=3600).contains(&n));
            }
        }
        assert_eq!(response.header("x-ratelimit-limit"), Some("1000"));
    }
    for path in [
        "/.well-known/jwks.json",
        "/health",
        "/.well-known/did.json",
        "/openapi.json",
    ] {
        let response = server.get(path, None).await;
        assert!(response.status.is_success(), "{path}");
        assert!(
            !response
                .headers
                .keys()
                .any(|k| k.as_str().starts_with("x-ratelimit")),
            "{path}"
        );
    }
}

#[tokio::test]
async fn over_the_limit_is_429_with_retry_in_and_retry_after() {
    let (dir, url) = fresh_database().await;
    let mut args = serve_args(dir, url);
    args.rate_limit = 3;
    let server = TestServer::start_with(args).await;
    let mut remaining = Vec::new();
    for _ in 0..3 {
        let response = server.get("/v1/agents", Some(LIVE_KEY)).await;
        assert_eq!(response.status, 200);
        remaining.push(response.header("x-ratelimit-remaining").unwrap().to_owned());
    }
    assert_eq!(remaining, ["2", "1", "0"]);
    let limited = server.get("/v1/agents", Some(LIVE_KEY)).await;
    let body = limited.assert_error(429, "RATE_LIMIT_EXCEEDED");
    let retry: u64 = limited.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry));
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains(&format!("retry in {retry} seconds")),
        "{body}"
    );
    assert_eq!(limited.header("x-ratelimit-remaining"), Some("0"));
    assert_eq!(limited.header("x-ratelimit-limit"), Some("3"));
    // Another developer has its own window; public routes are not limited.
    let sandbox = server.get("/v1/agents", Some(common::SANDBOX_KEY)).await;
    assert_eq!(sandbox.status, 200);
    assert_eq!(server.get("/.well-known/jwks.json", None).await.status, 200);
}

#[tokio::test]
async fn security_headers_on_every_response() {
    let server = TestServer::start().await;
    for response in [
        server.get("/health", None).await,
        server.get("/nope", None).await,
        server.get("/v1/agents", Some(LIVE_KEY)).await,
    ] {
        assert_eq!(response.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(response.header("x-frame-options"), Some("DENY"));
        assert!(response.header("strict-transport-security").is_some());
        assert_eq!(response.header("cache-control"), Some("no-store"));
        assert!(response.header("content-security-policy").is_some());
    }
}

#[tokio::test]
async fn body_limit_is_one_mebibyte() {
    let server = TestServer::start().await;
    let padding = "x".repeat(1024 * 1024);
    let body = json!({"name": "big", "description": padding}).to_string();
    let response = server
        .call(Method::POST, "/v1/agents", Some(LIVE_KEY), Some(&body))
        .await;
    response.assert_error(413, "BAD_REQUEST");
    let fits = json!({"name": "fits", "description": "x".repeat(1000 * 1000)}).to_string();
    let response = server
        .call(Method::POST, "/v1/agents", Some(LIVE_KEY), Some(&fits))
        .await;
    assert_eq!(response.status, 201);
}

#[tokio::test]
async fn jwks_is_cacheable_with_etag_and_304() {
    let server = TestServer::start().await;
    let response = server.get("/.well-known/jwks.json", None).await;
    assert_eq!(response.status, 200);
    assert_eq!(
        response.header("cache-control"),
        Some("public, max-age=300")
    );
    let etag = response.header("etag").unwrap().to_owned();
    assert!(etag.starts_with('"') && etag.ends_with('"'));
    let jwks = response.json();
    let keys = jwks["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1);
    let key = &keys[0];
    assert_eq!(key["kty"], "RSA");
    assert_eq!(key["alg"], "RS256");
    assert_eq!(key["use"], "sig");
    assert_eq!(key["e"], "AQAB");
    assert!(key["n"].as_str().unwrap().len() >= 342); // 2048 bits
    let kid = key["kid"].as_str().unwrap();
    let mut public = key.as_object().unwrap().clone();
    public.retain(|k, _| ["kty", "n", "e"].contains(&k.as_str()));
    assert_eq!(
        grantex_core::jwk::thumbprint(&serde_json::Value::Object(public).to_string()).unwrap(),
        kid
    );

    for header in [
        etag.clone(),
        format!("W/{etag}"),
        format!("\"other\", {etag}"),
        "*".into(),
    ] {
        let cached = server
            .send(
                Request::builder()
                    .uri("/.well-known/jwks.json")
                    .header("if-none-match", header)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(cached.status, 304);
        assert!(cached.body.is_empty());
        assert_eq!(cached.header("etag"), Some(etag.as_str()));
        assert!(cached.header("x-ratelimit-limit").is_none());
    }
    let stale = server
        .send(
            Request::builder()
                .uri("/.well-known/jwks.json")
                .header("if-none-match", "\"stale\"")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(stale.status, 200);
}

#[tokio::test]
async fn did_document_lists_the_keys_and_configured_endpoints() {
    let server = TestServer::start().await;
    let response = server.get("/.well-known/did.json", None).await;
    assert_eq!(response.status, 200);
    let doc = response.json();
    assert_eq!(doc["id"], "did:web:localhost%3A3001");
    let kid = server
        .state
        .keys
        .ring()
        .await
        .unwrap()
        .active()
        .kid()
        .to_owned();
    assert_eq!(
        doc["verificationMethod"][0]["id"],
        format!("did:web:localhost%3A3001#{kid}")
    );
    assert_eq!(doc["verificationMethod"][0]["type"], "JsonWebKey2020");
    assert_eq!(doc["verificationMethod"][0]["publicKeyJwk"]["kid"], kid);
    assert_eq!(
        doc["service"][0]["serviceEndpoint"],
        "http://localhost:3001/.well-known/jwks.json"
    );
    assert_eq!(
        doc["service"][1]["serviceEndpoint"],
        "http://localhost:3001/v1"
    );
    // The core parses it and finds the key by kid.
    let parsed = grantex_core::did::DidDocument::from_json(
        &String::from_utf8(response.body.clone()).unwrap(),
        "did:web:localhost%3A3001",
    )
    .unwrap();
    assert_eq!(parsed.verification_methods().len(), 1);

    // An IP-address public URL cannot be a did:web.
    let (dir, url) = fresh_database().await;
    let mut args = serve_args(dir, url);
    args.public_url = Some("http://127.0.0.1:3001".into());
    let ip = TestServer::start_with(args).await;
    ip.get("/.well-known/did.json", None)
        .await
        .assert_error(404, "NOT_FOUND");
}

/// Every operation in /openapi.json is routed (not the 404 fallback, not 405), and every secured one
/// demands credentials (401 without them).
#[tokio::test]
async fn openapi_documents_exactly_the_served_routes() {
    let server = TestServer::start().await;
    let response = server.get("/openapi.json", None).await;
    assert_eq!(response.status, 200);
    let doc = response.json();
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["servers"][0]["url"], common::PUBLIC_URL);
    let paths = doc["paths"].as_object().unwrap();
    let mut operations = 0;
    for (path, item) in paths {
        let concrete = path.replace("{id}", "some-id");
        for (method, operation) in item.as_object().unwrap() {
            if method == "parameters" {
                continue;
            }
            operations += 1;
            let method: Method = method.to_uppercase().parse().unwrap();
            let secured = operation["security"]
                .as_array()
                .is_some_and(|s| !s.is_empty());
            let response = server
                .call(method.clone(), &concrete, None, Some("{}"))
                .await;
            assert_ne!(
                response.status, 405,
                "{method} {path} is documented but not routed"
            );
            if response.status == 404 {
                let body = response.json();
                assert!(
                    !body["message"].as_str().unwrap().starts_with("Route "),
                    "{method} {path} is documented but not routed"
                );
            }
            if secured {
                assert_eq!(
                    response.status, 401,
                    "{method} {path} must require an API key"
                );
            } else {
                assert_ne!(response.status, 401, "{method} {path}");
            }
        }
    }
    // 11 foundation + 17 grant lifecycle + 10 audit and principal sessions (routes/audit.rs, principal.rs).
    assert_eq!(operations, 11 + 17 + 10);
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_status() {
    let server = TestServer::start().await;
    server.get("/health", None).await;
    server.get("/v1/agents/ag_1", Some(LIVE_KEY)).await;
    server.get("/missing", None).await;
    let response = server.get("/metrics", None).await;
    assert_eq!(response.status, 200);
    assert!(
        response
            .header("content-type")
            .unwrap()
            .starts_with("text/plain")
    );
    let text = String::from_utf8(response.body).unwrap();
    assert!(text.contains(
        "grantex_http_requests_total{method=\"GET\",route=\"/health\",status=\"200\"} 1"
    ));
    assert!(text.contains(
        "grantex_http_requests_total{method=\"GET\",route=\"/v1/agents/{id}\",status=\"404\"} 1"
    ));
    assert!(text.contains(
        "grantex_http_requests_total{method=\"GET\",route=\"unmatched\",status=\"404\"} 1"
    ));
    assert!(text.contains("grantex_http_request_duration_seconds_bucket{method=\"GET\",route=\"/health\",status=\"200\",le=\"+Inf\"} 1"));
}
