#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]
//! Per-client-IP limits (PROTOCOL.md §1.8, §10.4; IMP-23): `/v1/token` + `/v1/token/refresh` (default
//! 20/min/IP) and the unauthenticated consent and principal routes (default 300/min/IP); 429
//! `RATE_LIMIT_EXCEEDED` with `Retry-After` and "retry in N seconds"; the socket peer is the client unless
//! `--trust-proxy` is set; bounded memory. The in-process tests attach the peer address the way
//! `grantex serve` does (`ConnectInfo`); the last test runs the real binary with its defaults.

mod common;
mod lifecycle;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request};
use clap::Parser;
use common::binary::ServedBinary;
use common::{SANDBOX_KEY, TestResponse, TestServer, fresh_database, serve_args};
use grantex_server::config::{Config, IpLimitArgs};
use lifecycle::*;
use serde_json::json;
use std::net::SocketAddr;

struct Call<'a> {
    ip: Option<&'a str>,
    method: Method,
    path: &'a str,
    key: Option<&'a str>,
    body: Option<String>,
    forwarded: Vec<&'a str>,
}

impl<'a> Call<'a> {
    fn new(ip: &'a str, method: Method, path: &'a str) -> Call<'a> {
        Call {
            ip: Some(ip),
            method,
            path,
            key: None,
            body: None,
            forwarded: Vec::new(),
        }
    }

    fn key(mut self, key: &'a str) -> Self {
        self.key = Some(key);
        self
    }

    fn body(mut self, body: serde_json::Value) -> Self {
        self.body = Some(body.to_string());
        self
    }

    fn forwarded(mut self, value: &'a str) -> Self {
        self.forwarded.push(value);
        self
    }

    async fn send(self, server: &TestServer) -> TestResponse {
        let mut builder = Request::builder().method(self.method).uri(self.path);
        if let Some(ip) = self.ip {
            let addr = SocketAddr::new(ip.parse().unwrap(), 50_000);
            builder = builder.extension(ConnectInfo(addr));
        }
        if let Some(key) = self.key {
            builder = builder.header("authorization", format!("Bearer {key}"));
        }
        for value in self.forwarded {
            builder = builder.header("x-forwarded-for", value);
        }
        let body = match self.body {
            Some(text) => {
                builder = builder.header("content-type", "application/json");
                Body::from(text)
            }
            None => Body::empty(),
        };
        server.send(builder.body(body).unwrap()).await
    }
}

async fn bad_exchange(server: &TestServer, ip: &str) -> TestResponse {
    Call::new(ip, Method::POST, "/v1/token")
        .key(SANDBOX_KEY)
        .body(json!({"code": "invalid-code-12345", "agentId": "ag_x"}))
        .send(server)
        .await
}

/// A server with an hour-long per-IP window (so that no test straddles a window boundary) and `adjust`.
async fn server_with(adjust: impl FnOnce(&mut Config)) -> TestServer {
    let (dir, url) = fresh_database().await;
    TestServer::start_with_config(serve_args(dir, url), |c| {
        c.ip_limit_window = 3600;
        adjust(c);
    })
    .await
}

fn int_header(response: &TestResponse, name: &str) -> u64 {
    response
        .header(name)
        .unwrap_or_else(|| panic!("no {name}"))
        .parse()
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Asserts the 429 contract of IMP-23 and returns N of "retry in N seconds".
fn assert_limited(response: &TestResponse, limit: u64) -> u64 {
    let body = response.assert_error(429, "RATE_LIMIT_EXCEEDED");
    let retry = int_header(response, "retry-after");
    assert!((1..=3600).contains(&retry), "{retry}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains(&format!("retry in {retry} seconds")),
        "{body}"
    );
    assert_eq!(int_header(response, "x-ratelimit-limit"), limit);
    assert_eq!(int_header(response, "x-ratelimit-remaining"), 0);
    assert_eq!(int_header(response, "x-ratelimit-reset"), retry);
    retry
}

#[tokio::test]
async fn token_routes_share_a_per_ip_budget() {
    let server = server_with(|c| c.token_rate_limit = 3).await;
    let ip = "192.0.2.10";
    // Counted whatever the outcome (400 here), with the per-IP budget in the headers (the tighter limiter).
    let mut remaining = Vec::new();
    for _ in 0..3 {
        let response = bad_exchange(&server, ip).await;
        response.assert_error(400, "BAD_REQUEST");
        assert_eq!(int_header(&response, "x-ratelimit-limit"), 3);
        remaining.push(int_header(&response, "x-ratelimit-remaining"));
    }
    assert_eq!(remaining, [2, 1, 0]);
    assert_limited(&bad_exchange(&server, ip).await, 3);
    // The refresh route draws on the same budget.
    let refresh = Call::new(ip, Method::POST, "/v1/token/refresh")
        .key(SANDBOX_KEY)
        .body(json!({"refreshToken": "ref_x", "agentId": "ag_x"}))
        .send(&server)
        .await;
    assert_limited(&refresh, 3);
    // Checked before authentication and body parsing.
    let anonymous = Call::new(ip, Method::POST, "/v1/token")
        .body(json!({}))
        .send(&server)
        .await;
    assert_limited(&anonymous, 3);
    let garbage = Call::new(ip, Method::POST, "/v1/token")
        .key(SANDBOX_KEY)
        .send(&server)
        .await;
    assert_limited(&garbage, 3);

    // Other addresses have their own budget; other routes from the limited address are not affected.
    bad_exchange(&server, "192.0.2.11")
        .await
        .assert_error(400, "BAD_REQUEST");
    let verify = Call::new(ip, Method::POST, "/v1/tokens/verify")
        .key(SANDBOX_KEY)
        .body(json!({"token": "not.a.token"}))
        .send(&server)
        .await;
    assert_eq!(verify.status, 200);
    // That answer reports the per-developer limiter (1000/min), not the per-IP one.
    assert_eq!(int_header(&verify, "x-ratelimit-limit"), 1000);
    let agents = Call::new(ip, Method::GET, "/v1/agents")
        .key(SANDBOX_KEY)
        .send(&server)
        .await;
    assert_eq!(agents.status, 200);
    // Without a known peer address (in-process use), nothing is limited.
    for _ in 0..5 {
        let response = post(
            &server,
            "/v1/token",
            Some(SANDBOX_KEY),
            &json!({"code": "invalid-code-12345", "agentId": "ag_x"}),
        )
        .await;
        response.assert_error(400, "BAD_REQUEST");
    }
}

#[tokio::test]
async fn successful_exchanges_and_refreshes_count_too() {
    let server = server_with(|c| c.token_rate_limit = 2).await;
    let ip = "198.51.100.20";
    let agent_id = agent(&server, SANDBOX_KEY, &["read"]).await;
    let auth = authorize(
        &server,
        SANDBOX_KEY,
        json!({"agentId": agent_id, "principalId": "u", "scopes": ["read"]}),
    )
    .await;
    let exchanged = Call::new(ip, Method::POST, "/v1/token")
        .key(SANDBOX_KEY)
        .body(json!({"code": auth["code"], "agentId": agent_id}))
        .send(&server)
        .await;
    let tokens = expect(&exchanged, 201);
    assert_eq!(int_header(&exchanged, "x-ratelimit-remaining"), 1);
    let refreshed = Call::new(ip, Method::POST, "/v1/token/refresh")
        .key(SANDBOX_KEY)
        .body(json!({"refreshToken": tokens["refreshToken"], "agentId": agent_id}))
        .send(&server)
        .await;
    let refreshed_tokens = expect(&refreshed, 201);
    let again = Call::new(ip, Method::POST, "/v1/token/refresh")
        .key(SANDBOX_KEY)
        .body(json!({"refreshToken": refreshed_tokens["refreshToken"], "agentId": agent_id}))
        .send(&server)
        .await;
    assert_limited(&again, 2);
    // The refused call consumed nothing: the refresh token still works from elsewhere.
    let elsewhere = Call::new("198.51.100.21", Method::POST, "/v1/token/refresh")
        .key(SANDBOX_KEY)
        .body(json!({"refreshToken": refreshed_tokens["refreshToken"], "agentId": agent_id}))
        .send(&server)
        .await;
    expect(&elsewhere, 201);
}

#[tokio::test]
async fn public_routes_share_a_per_ip_budget() {
    let server = server_with(|c| c.public_rate_limit = 3).await;
    let ip = "203.0.113.5";
    let first = Call::new(ip, Method::GET, "/v1/consent/areq_unknown")
        .send(&server)
        .await;
    first.assert_error(404, "NOT_FOUND");
    assert_eq!(int_header(&first, "x-ratelimit-limit"), 3);
    assert_eq!(int_header(&first, "x-ratelimit-remaining"), 2);
    let page = Call::new(ip, Method::GET, "/consent?req=areq_unknown")
        .send(&server)
        .await;
    assert!(page.status.as_u16() < 500);
    let approve = Call::new(ip, Method::POST, "/v1/consent/areq_unknown/approve")
        .body(json!({}))
        .send(&server)
        .await;
    assert!(matches!(approve.status.as_u16(), 403 | 404 | 410));
    for (method, path) in [
        (Method::GET, "/v1/consent/areq_unknown"),
        (Method::POST, "/v1/consent/areq_unknown/deny"),
        (Method::GET, "/permissions"),
        (Method::GET, "/v1/principal/grants"),
        (Method::GET, "/v1/principal/audit"),
        (Method::DELETE, "/v1/principal/grants/grnt_x"),
    ] {
        let response = Call::new(ip, method.clone(), path).send(&server).await;
        assert_limited(&response, 3);
    }
    // Static documents and developer routes are not in the class; JWKS never carries x-ratelimit-*.
    for path in ["/health", "/.well-known/jwks.json", "/openapi.json"] {
        for _ in 0..4 {
            let response = Call::new(ip, Method::GET, path).send(&server).await;
            assert_eq!(response.status, 200, "{path}");
        }
    }
    let jwks = Call::new(ip, Method::GET, "/.well-known/jwks.json")
        .send(&server)
        .await;
    assert!(
        !jwks
            .headers
            .keys()
            .any(|k| k.as_str().starts_with("x-ratelimit"))
    );
    assert_eq!(
        Call::new(ip, Method::GET, "/v1/agents")
            .key(SANDBOX_KEY)
            .send(&server)
            .await
            .status,
        200
    );
    // Another address is fine; the token class is separate.
    Call::new("203.0.113.6", Method::GET, "/v1/consent/areq_unknown")
        .send(&server)
        .await
        .assert_error(404, "NOT_FOUND");
    bad_exchange(&server, ip)
        .await
        .assert_error(400, "BAD_REQUEST");
}

#[tokio::test]
async fn forwarded_for_is_ignored_unless_the_proxy_is_trusted() {
    // Default: the socket peer is the client, whatever X-Forwarded-For claims.
    let server = server_with(|c| c.token_rate_limit = 2).await;
    for i in 0..2 {
        let spoofed = format!("10.9.9.{i}");
        Call::new("192.0.2.50", Method::POST, "/v1/token")
            .key(SANDBOX_KEY)
            .forwarded(&spoofed)
            .body(json!({"code": "c", "agentId": "a"}))
            .send(&server)
            .await
            .assert_error(400, "BAD_REQUEST");
    }
    let refused = Call::new("192.0.2.50", Method::POST, "/v1/token")
        .key(SANDBOX_KEY)
        .forwarded("10.9.9.99")
        .body(json!({"code": "c", "agentId": "a"}))
        .send(&server)
        .await;
    assert_limited(&refused, 2);

    // Behind one trusted proxy (10.0.0.1): the rightmost entry is the client; entries to its left are the
    // client's own claims and change nothing.
    let server = server_with(|c| {
        c.token_rate_limit = 2;
        c.trust_proxy_hops = 1;
    })
    .await;
    let via_proxy = |forwarded: &'static str| {
        Call::new("10.0.0.1", Method::POST, "/v1/token")
            .key(SANDBOX_KEY)
            .forwarded(forwarded)
            .body(json!({"code": "c", "agentId": "a"}))
    };
    via_proxy("1.1.1.1, 198.51.100.1")
        .send(&server)
        .await
        .assert_error(400, "BAD_REQUEST");
    via_proxy("2.2.2.2, 198.51.100.1")
        .send(&server)
        .await
        .assert_error(400, "BAD_REQUEST");
    assert_limited(&via_proxy("3.3.3.3, 198.51.100.1").send(&server).await, 2);
    // A different real client behind the same proxy has its own budget.
    via_proxy("198.51.100.2")
        .send(&server)
        .await
        .assert_error(400, "BAD_REQUEST");
    // No (or an unusable) header: the proxy's own address is the key.
    for _ in 0..2 {
        Call::new("10.0.0.1", Method::POST, "/v1/token")
            .key(SANDBOX_KEY)
            .body(json!({"code": "c", "agentId": "a"}))
            .send(&server)
            .await
            .assert_error(400, "BAD_REQUEST");
    }
    assert_limited(&via_proxy("unknown").send(&server).await, 2);

    // Two proxies: the second entry from the right.
    let server = server_with(|c| {
        c.token_rate_limit = 1;
        c.trust_proxy_hops = 2;
    })
    .await;
    Call::new("10.0.0.1", Method::POST, "/v1/token")
        .key(SANDBOX_KEY)
        .forwarded("9.9.9.9, 198.51.100.7")
        .forwarded("10.0.0.2")
        .body(json!({}))
        .send(&server)
        .await
        .assert_error(400, "BAD_REQUEST");
    let second = Call::new("10.0.0.1", Method::POST, "/v1/token")
        .key(SANDBOX_KEY)
        .forwarded("8.8.8.8, 198.51.100.7, 10.0.0.3")
        .body(json!({}))
        .send(&server)
        .await;
    assert_limited(&second, 1);
}

#[tokio::test]
async fn ipv6_clients_are_grouped_by_their_64() {
    let server = server_with(|c| c.token_rate_limit = 1).await;
    bad_exchange(&server, "2001:db8:aa:bb::1")
        .await
        .assert_error(400, "BAD_REQUEST");
    assert_limited(&bad_exchange(&server, "2001:db8:aa:bb:1234::9").await, 1);
    bad_exchange(&server, "2001:db8:aa:bc::1")
        .await
        .assert_error(400, "BAD_REQUEST");
    // An IPv4-mapped peer counts as the IPv4 address.
    bad_exchange(&server, "192.0.2.77")
        .await
        .assert_error(400, "BAD_REQUEST");
    assert_limited(&bad_exchange(&server, "::ffff:192.0.2.77").await, 1);
}

/// A flood from more distinct addresses than the table holds: the table stops growing, the excess
/// addresses are refused until the window ends, addresses already tracked keep their own budget.
#[tokio::test]
async fn tracked_addresses_are_bounded() {
    let server = server_with(|c| {
        c.token_rate_limit = 100;
        c.ip_limit_max_clients = 40;
    })
    .await;
    for i in 0..40 {
        bad_exchange(&server, &format!("100.64.0.{i}"))
            .await
            .assert_error(400, "BAD_REQUEST");
    }
    for i in 40..60 {
        let response = bad_exchange(&server, &format!("100.64.0.{i}")).await;
        let body = response.assert_error(429, "RATE_LIMIT_EXCEEDED");
        let retry = int_header(&response, "retry-after");
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .contains(&format!("retry in {retry} seconds"))
        );
    }
    bad_exchange(&server, "100.64.0.3")
        .await
        .assert_error(400, "BAD_REQUEST");
}

#[test]
fn flags_parse_with_defaults_and_bounds() {
    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        limits: IpLimitArgs,
    }
    let parse = |args: &[&str]| {
        Cli::try_parse_from(std::iter::once("grantex").chain(args.iter().copied()))
            .map(|c| c.limits)
    };
    let mut config = Config::new("http://localhost:3001");
    assert_eq!(
        (
            config.token_rate_limit,
            config.public_rate_limit,
            config.trust_proxy_hops
        ),
        (20, 300, 0)
    );
    parse(&[]).unwrap().apply(&mut config);
    assert_eq!(
        (
            config.token_rate_limit,
            config.public_rate_limit,
            config.trust_proxy_hops
        ),
        (20, 300, 0)
    );
    parse(&[
        "--token-rate-limit",
        "1000000000",
        "--public-rate-limit",
        "7",
        "--trust-proxy",
    ])
    .unwrap()
    .apply(&mut config);
    assert_eq!(
        (
            config.token_rate_limit,
            config.public_rate_limit,
            config.trust_proxy_hops
        ),
        (1_000_000_000, 7, 1)
    );
    parse(&["--trust-proxy", "2"]).unwrap().apply(&mut config);
    assert_eq!(config.trust_proxy_hops, 2);
    for bad in [
        &["--token-rate-limit", "0"][..],
        &["--token-rate-limit", "-1"],
        &["--token-rate-limit", "x"],
        &["--public-rate-limit", "0"],
        &["--trust-proxy", "0"],
        &["--trust-proxy", "11"],
        &["--trust-proxy", "yes"],
    ] {
        assert!(parse(bad).is_err(), "{bad:?}");
    }
}

/// The real server with its defaults: the 21st `/v1/token` call of a minute from 127.0.0.1 is refused,
/// so the peer address reaches the limiter (`into_make_service_with_connect_info`).
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_limits_token_calls_per_peer_by_default() {
    use std::io::{Read, Write};

    // The in-process server owns (and later drops) the database; the binary serves the same one.
    let owner = TestServer::start().await;
    let served = ServedBinary::start_over(&owner);
    let addr = served.addr();

    let call = |path: &str, body: &str, extra: &str| -> (u16, String) {
        let mut stream = std::net::TcpStream::connect(addr).unwrap();
        write!(
            stream,
            "POST {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {SANDBOX_KEY}\r\n{extra}\
             Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut text = String::new();
        stream.read_to_string(&mut text).unwrap();
        (text[9..12].parse().unwrap(), text)
    };
    // The window is the wall-clock minute: do not start the 21 calls in its last seconds.
    let second = grantex_server::time::now_ms() / 1000 % 60;
    if second >= 50 {
        std::thread::sleep(std::time::Duration::from_secs(61 - second));
    }
    let body = r#"{"code":"invalid-code-12345","agentId":"ag_x"}"#;
    for i in 0..20 {
        // A forged X-Forwarded-For does not help without --trust-proxy.
        let forged = format!("X-Forwarded-For: 10.1.1.{i}\r\n");
        let (status, text) = call("/v1/token", body, &forged);
        assert_eq!(status, 400, "call {i}: {text}");
        assert!(
            text.to_ascii_lowercase().contains("x-ratelimit-limit: 20"),
            "{text}"
        );
    }
    let (status, text) = call(
        "/v1/token/refresh",
        r#"{"refreshToken":"r","agentId":"a"}"#,
        "",
    );
    assert_eq!(status, 429, "{text}");
    let lower = text.to_ascii_lowercase();
    assert!(lower.contains("retry-after: "), "{text}");
    assert!(text.contains("RATE_LIMIT_EXCEEDED"), "{text}");
    assert!(text.contains("retry in "), "{text}");
    // Verification is not per-IP limited.
    let (status, text) = call("/v1/tokens/verify", r#"{"token":"x"}"#, "");
    assert_eq!(status, 200, "{text}");
}
