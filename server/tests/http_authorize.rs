#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]
//! Authorization requests, sandbox approval and consent (PROTOCOL.md §10.3, IMP-7, IMP-8, IMP-9, IMP-14).

mod common;
mod lifecycle;

use axum::body::Body;
use axum::http::{Method, Request};
use common::{LIVE_KEY, SANDBOX_KEY, TestResponse, TestServer};
use grantex_server::config::ConsentApproval;
use lifecycle::*;
use serde_json::{Value, json};

async fn bound_server() -> TestServer {
    let (dir, url) = common::fresh_database().await;
    TestServer::start_with_config(common::serve_args(dir, url), |c| {
        c.consent_approval = ConsentApproval::Bound;
    })
    .await
}

fn base(agent_id: &str) -> Value {
    json!({"agentId": agent_id, "principalId": "user_1", "scopes": ["calendar:read", "payments:initiate:max_500"]})
}

#[tokio::test]
async fn live_authorize_is_pending_and_sandbox_auto_approves() {
    let server = TestServer::start().await;
    let agent_id = agent(&server, LIVE_KEY, &["read"]).await;
    let before = grantex_server::time::now_ms();
    let auth = authorize(&server, LIVE_KEY, base(&agent_id)).await;
    let id = auth["authRequestId"].as_str().unwrap();
    assert!(id.starts_with("areq_"));
    assert_eq!(
        auth["consentUrl"],
        format!("{}/consent?req={id}", common::PUBLIC_URL)
    );
    assert!(auth.get("code").is_none() && auth.get("sandbox").is_none());
    assert_eq!(auth.as_object().unwrap().len(), 3);
    // expiresAt = end of the 15-minute consent window (IMP-8), although the grant lifetime is 24 h.
    let expires =
        jiff::Timestamp::strptime("%Y-%m-%dT%H:%M:%S%.fZ", auth["expiresAt"].as_str().unwrap())
            .map(|t| t.as_millisecond())
            .unwrap_or_else(|_| {
                auth["expiresAt"]
                    .as_str()
                    .unwrap()
                    .parse::<jiff::Timestamp>()
                    .unwrap()
                    .as_millisecond()
            });
    let window = expires - i64::try_from(before).unwrap();
    assert!((899_000..=901_000).contains(&window), "{window}");
    // Short expiresIn shortens the window too.
    let short = authorize(
        &server,
        LIVE_KEY,
        json!({"agentId": agent_id, "principalId": "u", "scopes": ["read"], "expiresIn": "60s"}),
    )
    .await;
    let short_exp = short["expiresAt"]
        .as_str()
        .unwrap()
        .parse::<jiff::Timestamp>()
        .unwrap()
        .as_millisecond();
    assert!(short_exp - i64::try_from(before).unwrap() <= 61_000);
    // Sandbox.
    let sagent = agent(&server, SANDBOX_KEY, &["read"]).await;
    let sauth = authorize(&server, SANDBOX_KEY, base(&sagent)).await;
    assert_eq!(sauth["sandbox"], true);
    assert_eq!(sauth["code"].as_str().unwrap().len(), 43);
}

#[tokio::test]
async fn authorize_validation() {
    let server = TestServer::start().await;
    let agent_id = agent(&server, LIVE_KEY, &["read"]).await;
    let long = "x".repeat(257);
    let with = |extra: Value| {
        let mut b = base(&agent_id);
        for (k, v) in extra.as_object().unwrap() {
            b[k] = v.clone();
        }
        b
    };
    let too_many: Vec<String> = (0..101).map(|i| format!("s{i}")).collect();
    for body in [
        json!({}),
        json!({"principalId": "u", "scopes": ["read"]}),
        json!({"agentId": agent_id, "scopes": ["read"]}),
        json!({"agentId": agent_id, "principalId": "u"}),
        with(json!({"principalId": ""})),
        with(json!({"principalId": long})),
        with(json!({"agentId": ""})),
        with(json!({"scopes": []})),
        with(json!({"scopes": ["  "]})),
        with(json!({"scopes": "read"})),
        with(json!({"scopes": too_many})),
        with(json!({"scopes": [long]})),
        with(json!({"expiresIn": "1w"})),
        with(json!({"expiresIn": "0s"})),
        with(json!({"expiresIn": 60})),
        with(json!({"audience": ""})),
        with(json!({"audience": "a".repeat(1025)})),
        with(json!({"state": "s".repeat(1025)})),
        with(json!({"codeChallenge": "a".repeat(43)})),
        with(json!({"codeChallengeMethod": "S256"})),
        with(json!({"codeChallenge": "a".repeat(43), "codeChallengeMethod": "plain"})),
        with(json!({"codeChallenge": "a".repeat(42), "codeChallengeMethod": "S256"})),
        with(
            json!({"codeChallenge": format!("{}=", "a".repeat(42)), "codeChallengeMethod": "S256"}),
        ),
        with(json!({"redirectUri": "myapp://callback"})),
        with(json!({"redirectUri": "/relative", "state": "s"})),
        with(json!({"redirectUri": "https://x.example/cb#frag", "state": "s"})),
        with(
            json!({"redirectUri": format!("https://x.example/{}", "a".repeat(2048)), "state": "s"}),
        ),
    ] {
        post(&server, "/v1/authorize", Some(LIVE_KEY), &body)
            .await
            .assert_error(400, "BAD_REQUEST");
    }
    for bad_agent in ["ag_unknown", &agent(&server, SANDBOX_KEY, &[]).await] {
        post(&server, "/v1/authorize", Some(LIVE_KEY), &base(bad_agent))
            .await
            .assert_error(404, "NOT_FOUND");
    }
    server
        .call(
            Method::PATCH,
            &format!("/v1/agents/{agent_id}"),
            Some(LIVE_KEY),
            Some(r#"{"status":"suspended"}"#),
        )
        .await;
    post(&server, "/v1/authorize", Some(LIVE_KEY), &base(&agent_id))
        .await
        .assert_error(404, "NOT_FOUND");
    post(&server, "/v1/authorize", None, &base(&agent_id))
        .await
        .assert_error(401, "UNAUTHORIZED");
    // Dev mode (the test server): http and localhost redirect URIs are fine.
    server
        .call(
            Method::PATCH,
            &format!("/v1/agents/{agent_id}"),
            Some(LIVE_KEY),
            Some(r#"{"status":"active"}"#),
        )
        .await;
    authorize(
        &server,
        LIVE_KEY,
        with(json!({"redirectUri": "http://localhost:8080/cb?x=1", "state": "s"})),
    )
    .await;
}

#[tokio::test]
async fn production_redirect_rules_and_registration() {
    let server = bound_server_prod().await;
    let agent_id = agent(&server, LIVE_KEY, &[]).await;
    let with = |extra: Value| {
        let mut b = base(&agent_id);
        for (k, v) in extra.as_object().unwrap() {
            b[k] = v.clone();
        }
        b
    };
    for uri in [
        "http://app.example/cb",
        "https://localhost/cb",
        "https://127.0.0.1/cb",
        "https://10.0.0.1/cb",
        "https://[::1]/cb",
    ] {
        post(
            &server,
            "/v1/authorize",
            Some(LIVE_KEY),
            &with(json!({"redirectUri": uri, "state": "s"})),
        )
        .await
        .assert_error(400, "BAD_REQUEST");
    }
    // Bound mode: a redirect needs state or PKCE (IMP-9).
    post(
        &server,
        "/v1/authorize",
        Some(LIVE_KEY),
        &with(json!({"redirectUri": "https://app.example/cb"})),
    )
    .await
    .assert_error(400, "BAD_REQUEST");
    authorize(
        &server,
        LIVE_KEY,
        with(json!({"redirectUri": "https://app.example/cb", "state": "s"})),
    )
    .await;
    // Registered URIs: exact match only; custom schemes allowed when registered.
    let dev = server
        .state
        .store
        .developer_by_key_hash(&grantex_server::ids::sha256_hex(LIVE_KEY))
        .await
        .unwrap()
        .unwrap();
    assert!(
        server
            .state
            .store
            .set_agent_redirect_uris(
                &dev.id,
                &agent_id,
                &["https://app.example/cb".into(), "myapp://cb".into()]
            )
            .await
            .unwrap()
    );
    let custom = authorize(
        &server,
        LIVE_KEY,
        with(json!({"redirectUri": "myapp://cb", "state": "s"})),
    )
    .await;
    let page = server
        .get(
            &format!("/consent?req={}", custom["authRequestId"].as_str().unwrap()),
            None,
        )
        .await;
    let csp = page.header("content-security-policy").unwrap();
    assert!(csp.contains("form-action 'self' myapp:;"), "{csp}");
    let https = authorize(
        &server,
        LIVE_KEY,
        with(json!({"redirectUri": "https://app.example/cb", "state": "s"})),
    )
    .await;
    let page = server
        .get(
            &format!("/consent?req={}", https["authRequestId"].as_str().unwrap()),
            None,
        )
        .await;
    let csp = page.header("content-security-policy").unwrap();
    assert!(
        csp.contains("form-action 'self' https://app.example;"),
        "{csp}"
    );
    for uri in [
        "https://app.example/cb2",
        "https://app.example/cb?x=1",
        "https://evil.example/cb",
    ] {
        post(
            &server,
            "/v1/authorize",
            Some(LIVE_KEY),
            &with(json!({"redirectUri": uri, "state": "s"})),
        )
        .await
        .assert_error(400, "BAD_REQUEST");
    }
}

async fn bound_server_prod() -> TestServer {
    let (dir, url) = common::fresh_database().await;
    TestServer::start_with_config(common::serve_args(dir, url), |c| {
        c.consent_approval = ConsentApproval::Bound;
        c.dev = false;
    })
    .await
}

#[tokio::test]
async fn registered_scope_enforcement_is_opt_in() {
    let server = TestServer::start().await;
    let agent_id = agent(&server, SANDBOX_KEY, &["read", "payments:initiate:max_500"]).await;
    let body = |scopes: Value| json!({"agentId": agent_id, "principalId": "u", "scopes": scopes});
    authorize(&server, SANDBOX_KEY, body(json!(["admin"]))).await;
    let (dir, url) = common::fresh_database().await;
    let strict = TestServer::start_with_config(common::serve_args(dir, url), |c| {
        c.enforce_registered_scopes = true
    })
    .await;
    let agent_id = agent(&strict, SANDBOX_KEY, &["read", "payments:initiate:max_500"]).await;
    let body = |scopes: Value| json!({"agentId": agent_id, "principalId": "u", "scopes": scopes});
    authorize(
        &strict,
        SANDBOX_KEY,
        body(json!(["read", "payments:initiate:max_100"])),
    )
    .await;
    for scopes in [
        json!(["admin"]),
        json!(["payments:initiate:max_900"]),
        json!(["payments:initiate"]),
    ] {
        post(&strict, "/v1/authorize", Some(SANDBOX_KEY), &body(scopes))
            .await
            .assert_error(400, "BAD_REQUEST");
    }
    // An agent without registered scopes may request anything.
    let open = agent(&strict, SANDBOX_KEY, &[]).await;
    authorize(
        &strict,
        SANDBOX_KEY,
        json!({"agentId": open, "principalId": "u", "scopes": ["anything"]}),
    )
    .await;
}

#[tokio::test]
async fn authorize_limiter_allows_60_per_minute_then_429() {
    let (dir, url) = common::fresh_database().await;
    let server = TestServer::start_with_config(common::serve_args(dir, url), |c| {
        c.authorize_rate_limit = 60
    })
    .await;
    let agent_id = agent(&server, SANDBOX_KEY, &["read"]).await;
    let body = json!({"agentId": agent_id, "principalId": "u", "scopes": ["read"]});
    for _ in 0..60 {
        authorize(&server, SANDBOX_KEY, body.clone()).await;
    }
    let limited = post(&server, "/v1/authorize", Some(SANDBOX_KEY), &body).await;
    let error = limited.assert_error(429, "RATE_LIMITED");
    assert!(error["message"].as_str().unwrap().contains("retry in "));
    assert!(
        limited
            .header("retry-after")
            .unwrap()
            .parse::<u64>()
            .unwrap()
            >= 1
    );
    // Other developers are not affected.
    let live_agent = agent(&server, LIVE_KEY, &["read"]).await;
    authorize(
        &server,
        LIVE_KEY,
        json!({"agentId": live_agent, "principalId": "u", "scopes": ["read"]}),
    )
    .await;
}

async fn pending_sandbox_request(server: &TestServer, agent_id: &str) -> String {
    let dev = server
        .state
        .store
        .developer_by_key_hash(&grantex_server::ids::sha256_hex(SANDBOX_KEY))
        .await
        .unwrap()
        .unwrap();
    let now = i64::try_from(grantex_server::time::now_ms()).unwrap();
    server
        .state
        .store
        .create_auth_request(grantex_server::store::NewAuthRequest {
            developer_id: dev.id,
            agent_id: agent_id.into(),
            principal_id: "u".into(),
            scopes: vec!["read".into()],
            audience: None,
            redirect_uri: None,
            state: None,
            code_challenge: None,
            expires_in_seconds: 3600,
            sandbox: true,
            approved_code: None,
            created_at: now,
            expires_at: now + 60_000,
        })
        .await
        .unwrap()
        .id
}

#[tokio::test]
async fn sandbox_approve_and_deny_endpoints() {
    let server = TestServer::start().await;
    let live_agent = agent(&server, LIVE_KEY, &["read"]).await;
    let live = authorize(&server, LIVE_KEY, base(&live_agent)).await;
    let live_id = live["authRequestId"].as_str().unwrap();
    for action in ["approve", "deny"] {
        post(
            &server,
            &format!("/v1/authorize/{live_id}/{action}"),
            Some(LIVE_KEY),
            &json!({}),
        )
        .await
        .assert_error(403, "CONSENT_REQUIRED");
    }
    let agent_id = agent(&server, SANDBOX_KEY, &["read"]).await;
    // An auto-approved sandbox request is not pending → 404.
    let auto = authorize(&server, SANDBOX_KEY, base(&agent_id)).await;
    post(
        &server,
        &format!(
            "/v1/authorize/{}/approve",
            auto["authRequestId"].as_str().unwrap()
        ),
        Some(SANDBOX_KEY),
        &json!({}),
    )
    .await
    .assert_error(404, "NOT_FOUND");
    post(
        &server,
        "/v1/authorize/areq_unknown/approve",
        Some(SANDBOX_KEY),
        &json!({}),
    )
    .await
    .assert_error(404, "NOT_FOUND");
    let id = pending_sandbox_request(&server, &agent_id).await;
    let approved = expect(
        &post(
            &server,
            &format!("/v1/authorize/{id}/approve"),
            Some(SANDBOX_KEY),
            &json!({}),
        )
        .await,
        200,
    );
    assert_eq!(approved["requestId"], id.as_str());
    assert_eq!(approved["status"], "approved");
    exchange(
        &server,
        SANDBOX_KEY,
        approved["code"].as_str().unwrap(),
        &agent_id,
    )
    .await;
    post(
        &server,
        &format!("/v1/authorize/{id}/approve"),
        Some(SANDBOX_KEY),
        &json!({}),
    )
    .await
    .assert_error(404, "NOT_FOUND");
    let id = pending_sandbox_request(&server, &agent_id).await;
    let denied = expect(
        &post(
            &server,
            &format!("/v1/authorize/{id}/deny"),
            Some(SANDBOX_KEY),
            &json!({}),
        )
        .await,
        200,
    );
    assert_eq!(denied, json!({"requestId": id, "status": "denied"}));
    post(
        &server,
        &format!("/v1/authorize/{id}/deny"),
        Some(SANDBOX_KEY),
        &json!({}),
    )
    .await
    .assert_error(404, "NOT_FOUND");
}

async fn send(
    server: &TestServer,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> TestResponse {
    let mut b = Request::builder().method(method).uri(path);
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    server
        .send(b.body(Body::from(body.to_owned())).unwrap())
        .await
}

/// Loads the consent page: `(html, cookie "name=value", csrf token)`.
async fn load_page(server: &TestServer, id: &str) -> (String, Option<String>, String) {
    let page = server.get(&format!("/consent?req={id}"), None).await;
    assert_eq!(page.status, 200);
    assert!(
        page.header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
    let csp = page.header("content-security-policy").unwrap();
    assert!(
        csp.contains("default-src 'none'")
            && csp.contains("frame-ancestors 'none'")
            && !csp.contains("script"),
        "{csp}"
    );
    let html = String::from_utf8(page.body.clone()).unwrap();
    let cookie = page.header("set-cookie").map(|c| {
        assert!(
            c.contains("HttpOnly")
                && c.contains("SameSite=Strict")
                && c.contains(&format!("Path=/v1/consent/{id}")),
            "{c}"
        );
        c.split(';').next().unwrap().to_owned()
    });
    let csrf = html
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .map(|rest| rest.split('"').next().unwrap().to_owned())
        .unwrap_or_default();
    (html, cookie, csrf)
}

#[tokio::test]
async fn consent_page_escapes_and_describes() {
    let server = bound_server().await;
    let created = server
        .create_agent(
            LIVE_KEY,
            r#"{"name":"<script>alert(1)</script>","description":"Books \"trips\" & <b>more</b>"}"#,
        )
        .await;
    let agent_id = created["agentId"].as_str().unwrap();
    let auth = authorize(&server, LIVE_KEY, json!({"agentId": agent_id, "principalId": "<u>", "scopes": ["calendar:read", "payments:initiate:max_500", "<x>"]})).await;
    let id = auth["authRequestId"].as_str().unwrap();
    let (html, cookie, csrf) = load_page(&server, id).await;
    assert!(cookie.is_some() && csrf.len() == 43);
    assert!(!html.contains("<script>"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("Books &quot;trips&quot; &amp; &lt;b&gt;more&lt;/b&gt;"));
    assert!(html.contains(&format!("did:grantex:{agent_id}")));
    assert!(html.contains("Local developer"), "developer name shown");
    for scope in ["calendar:read", "payments:initiate:max_500"] {
        let text = grantex_server::routes::consent::escape(&grantex_core::scope::describe(scope));
        assert!(html.contains(&text), "{text}");
    }
    assert!(html.contains("&lt;x&gt;"));
    assert!(html.contains(&format!("action=\"/v1/consent/{id}/deny\"")));
    assert!(html.contains(&format!("action=\"/v1/consent/{id}/approve\"")));
    assert!(html.contains(">Deny</button>"));
    // JSON view.
    let view = server.get(&format!("/v1/consent/{id}"), None).await.json();
    assert_eq!(view["id"], id);
    assert_eq!(view["agentName"], "<script>alert(1)</script>");
    assert_eq!(view["agentDid"], format!("did:grantex:{agent_id}"));
    assert_eq!(
        view["scopes"],
        json!(["calendar:read", "payments:initiate:max_500", "<x>"])
    );
    assert_eq!(view["scopeDescriptions"].as_array().unwrap().len(), 3);
    assert_eq!(view["status"], "pending");
    assert_eq!(view["fidoRequired"], false);
    assert_eq!(view["developerName"], "Local developer");
    assert_eq!(view["expiresAt"], auth["expiresAt"]);
    // Unknown ids.
    server
        .get("/v1/consent/areq_unknown", None)
        .await
        .assert_error(404, "NOT_FOUND");
    let unknown = server.get("/consent?req=areq_unknown", None).await;
    assert_eq!(unknown.status, 200);
    assert!(
        String::from_utf8(unknown.body)
            .unwrap()
            .contains("not found")
    );
}

#[tokio::test]
async fn bound_approval_needs_the_page_cookie_and_csrf_token() {
    let server = bound_server().await;
    let agent_id = agent(&server, LIVE_KEY, &[]).await;
    let auth = authorize(
        &server,
        LIVE_KEY,
        json!({"agentId": agent_id, "principalId": "u", "scopes": ["read"],
        "redirectUri": "https://app.example/cb?keep=1&code=old", "state": "xyz"}),
    )
    .await;
    let id = auth["authRequestId"].as_str().unwrap();
    let approve = format!("/v1/consent/{id}/approve");
    // The request id alone is not enough (IMP-7).
    send(
        &server,
        Method::POST,
        &approve,
        &[("content-type", "application/json")],
        "{}",
    )
    .await
    .assert_error(403, "FORBIDDEN");
    let (_, cookie, csrf) = load_page(&server, id).await;
    let cookie = cookie.unwrap();
    // Cookie without CSRF, CSRF without cookie, wrong values.
    send(
        &server,
        Method::POST,
        &approve,
        &[("content-type", "application/json"), ("cookie", &cookie)],
        "{}",
    )
    .await
    .assert_error(403, "FORBIDDEN");
    send(
        &server,
        Method::POST,
        &approve,
        &[("content-type", "application/json")],
        &json!({"csrfToken": csrf}).to_string(),
    )
    .await
    .assert_error(403, "FORBIDDEN");
    send(
        &server,
        Method::POST,
        &approve,
        &[
            ("content-type", "application/json"),
            ("cookie", "gx_consent=wrong"),
        ],
        &json!({"csrfToken": csrf}).to_string(),
    )
    .await
    .assert_error(403, "FORBIDDEN");
    // A second page load replaces the binding: the first pair no longer works.
    let (_, cookie2, csrf2) = load_page(&server, id).await;
    let cookie2 = cookie2.unwrap();
    send(
        &server,
        Method::POST,
        &approve,
        &[("content-type", "application/json"), ("cookie", &cookie)],
        &json!({"csrfToken": csrf}).to_string(),
    )
    .await
    .assert_error(403, "FORBIDDEN");
    // No-JS form post with the current pair → 303 to the redirect URI with code and state set.
    let form = format!("csrf={csrf2}");
    let response = send(
        &server,
        Method::POST,
        &approve,
        &[
            ("content-type", "application/x-www-form-urlencoded"),
            ("cookie", &cookie2),
        ],
        &form,
    )
    .await;
    assert_eq!(
        response.status,
        303,
        "{}",
        String::from_utf8_lossy(&response.body)
    );
    let location = response.header("location").unwrap().to_owned();
    assert!(
        location.starts_with("https://app.example/cb?keep=1&code="),
        "{location}"
    );
    assert!(location.ends_with("&state=xyz"));
    assert!(!location.contains("code=old"));
    let code = location
        .split("code=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap();
    assert!(response.header("set-cookie").unwrap().contains("Max-Age=0"));
    // One-time: answered, so a replay is gone.
    send(
        &server,
        Method::POST,
        &approve,
        &[("content-type", "application/json"), ("cookie", &cookie2)],
        &json!({"csrfToken": csrf2}).to_string(),
    )
    .await
    .assert_error(410, "GONE");
    server
        .get(&format!("/v1/consent/{id}"), None)
        .await
        .assert_error(410, "GONE");
    let closed = server.get(&format!("/consent?req={id}"), None).await;
    assert!(closed.header("set-cookie").is_none());
    exchange(&server, LIVE_KEY, code, &agent_id).await;
}

#[tokio::test]
async fn bound_json_approval_and_deny_flows() {
    let server = bound_server().await;
    let agent_id = agent(&server, LIVE_KEY, &[]).await;
    // JSON approve with cookie + csrfToken (also accepted as X-CSRF-Token header).
    let auth = authorize(
        &server,
        LIVE_KEY,
        json!({"agentId": agent_id, "principalId": "u", "scopes": ["read"]}),
    )
    .await;
    let id = auth["authRequestId"].as_str().unwrap();
    let (_, cookie, csrf) = load_page(&server, id).await;
    let ok = send(
        &server,
        Method::POST,
        &format!("/v1/consent/{id}/approve"),
        &[
            ("content-type", "application/json"),
            ("cookie", &cookie.unwrap()),
            ("x-csrf-token", &csrf),
        ],
        "{}",
    )
    .await;
    let body = expect(&ok, 200);
    assert_eq!(
        body.as_object().unwrap().len(),
        1,
        "no redirectUri/state stored: {body}"
    );
    exchange(&server, LIVE_KEY, body["code"].as_str().unwrap(), &agent_id).await;
    // Deny via form without redirect → HTML result page.
    let auth = authorize(
        &server,
        LIVE_KEY,
        json!({"agentId": agent_id, "principalId": "u", "scopes": ["read"]}),
    )
    .await;
    let id = auth["authRequestId"].as_str().unwrap();
    let (_, cookie, csrf) = load_page(&server, id).await;
    let page = send(
        &server,
        Method::POST,
        &format!("/v1/consent/{id}/deny"),
        &[
            ("content-type", "application/x-www-form-urlencoded"),
            ("cookie", &cookie.unwrap()),
        ],
        &format!("csrf={csrf}"),
    )
    .await;
    assert_eq!(page.status, 200);
    assert!(
        String::from_utf8(page.body)
            .unwrap()
            .contains("Access denied")
    );
    send(
        &server,
        Method::POST,
        &format!("/v1/consent/{id}/deny"),
        &[("content-type", "application/json")],
        "{}",
    )
    .await
    .assert_error(404, "NOT_FOUND");
    // Deny with a redirect via form → 303 with error=access_denied and state.
    let auth = authorize(
        &server,
        LIVE_KEY,
        json!({"agentId": agent_id, "principalId": "u", "scopes": ["read"],
        "redirectUri": "https://app.example/cb", "state": "s1"}),
    )
    .await;
    let id = auth["authRequestId"].as_str().unwrap();
    let (_, cookie, csrf) = load_page(&server, id).await;
    let response = send(
        &server,
        Method::POST,
        &format!("/v1/consent/{id}/deny"),
        &[
            ("content-type", "application/x-www-form-urlencoded"),
            ("cookie", &cookie.unwrap()),
        ],
        &format!("csrf={csrf}"),
    )
    .await;
    assert_eq!(response.status, 303);
    assert_eq!(
        response.header("location").unwrap(),
        "https://app.example/cb?error=access_denied&state=s1"
    );
    // A form post without the binding gets an HTML page, not a redirect.
    let auth = authorize(
        &server,
        LIVE_KEY,
        json!({"agentId": agent_id, "principalId": "u", "scopes": ["read"],
        "redirectUri": "https://app.example/cb", "state": "s1"}),
    )
    .await;
    let id = auth["authRequestId"].as_str().unwrap();
    let response = send(
        &server,
        Method::POST,
        &format!("/v1/consent/{id}/approve"),
        &[("content-type", "application/x-www-form-urlencoded")],
        "csrf=forged",
    )
    .await;
    assert_eq!(response.status, 200);
    assert!(response.header("location").is_none());
    // Unknown ids.
    send(
        &server,
        Method::POST,
        "/v1/consent/areq_unknown/approve",
        &[("content-type", "application/json")],
        "{}",
    )
    .await
    .assert_error(404, "NOT_FOUND");
    send(
        &server,
        Method::POST,
        "/v1/consent/areq_unknown/deny",
        &[("content-type", "application/json")],
        "{}",
    )
    .await
    .assert_error(404, "NOT_FOUND");
    send(
        &server,
        Method::POST,
        &format!("/v1/consent/{id}/approve"),
        &[("content-type", "application/json")],
        "[]",
    )
    .await
    .assert_error(400, "BAD_REQUEST");
}

#[tokio::test]
async fn legacy_approval_with_the_id_only() {
    // The dev test server defaults to legacy (upstream behaviour; conformance under a live key).
    let server = TestServer::start().await;
    assert_eq!(
        server.state.config.consent_approval,
        ConsentApproval::Legacy
    );
    let agent_id = agent(&server, LIVE_KEY, &[]).await;
    let auth = authorize(
        &server,
        LIVE_KEY,
        json!({"agentId": agent_id, "principalId": "u", "scopes": ["read"],
        "redirectUri": "https://app.example/cb", "state": "st"}),
    )
    .await;
    let id = auth["authRequestId"].as_str().unwrap();
    let page = server.get(&format!("/consent?req={id}"), None).await;
    assert!(page.header("set-cookie").is_none());
    let approved = expect(
        &server
            .call(
                Method::POST,
                &format!("/v1/consent/{id}/approve"),
                None,
                None,
            )
            .await,
        200,
    );
    assert_eq!(approved["redirectUri"], "https://app.example/cb");
    assert_eq!(approved["state"], "st");
    let tokens = exchange(
        &server,
        LIVE_KEY,
        approved["code"].as_str().unwrap(),
        &agent_id,
    )
    .await;
    assert_eq!(
        verify_online(&server, LIVE_KEY, tokens["grantToken"].as_str().unwrap()).await["valid"],
        true
    );
    server
        .call(
            Method::POST,
            &format!("/v1/consent/{id}/approve"),
            None,
            Some("{}"),
        )
        .await
        .assert_error(410, "GONE");
    let auth = authorize(
        &server,
        LIVE_KEY,
        json!({"agentId": agent_id, "principalId": "u", "scopes": ["read"], "state": "st"}),
    )
    .await;
    let id = auth["authRequestId"].as_str().unwrap();
    let denied = expect(
        &server
            .call(
                Method::POST,
                &format!("/v1/consent/{id}/deny"),
                None,
                Some("{}"),
            )
            .await,
        200,
    );
    assert_eq!(denied, json!({"state": "st"}));
}

#[tokio::test]
async fn expired_requests_are_gone() {
    let (dir, url) = common::fresh_database().await;
    let server =
        TestServer::start_with_config(common::serve_args(dir, url), |c| c.consent_window = 1).await;
    let agent_id = agent(&server, LIVE_KEY, &[]).await;
    let auth = authorize(
        &server,
        LIVE_KEY,
        json!({"agentId": agent_id, "principalId": "u", "scopes": ["read"]}),
    )
    .await;
    let id = auth["authRequestId"].as_str().unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    server
        .get(&format!("/v1/consent/{id}"), None)
        .await
        .assert_error(410, "GONE");
    server
        .call(
            Method::POST,
            &format!("/v1/consent/{id}/approve"),
            None,
            Some("{}"),
        )
        .await
        .assert_error(410, "GONE");
    server
        .call(
            Method::POST,
            &format!("/v1/consent/{id}/deny"),
            None,
            Some("{}"),
        )
        .await
        .assert_error(410, "GONE");
    let page =
        String::from_utf8(server.get(&format!("/consent?req={id}"), None).await.body).unwrap();
    assert!(page.contains("expired"));
}

#[tokio::test]
async fn fido_required_developers_cannot_approve_without_a_passkey() {
    let server = TestServer::start().await;
    let agent_id = agent(&server, LIVE_KEY, &[]).await;
    let auth = authorize(
        &server,
        LIVE_KEY,
        json!({"agentId": agent_id, "principalId": "u", "scopes": ["read"]}),
    )
    .await;
    let id = auth["authRequestId"].as_str().unwrap();
    sqlx::query("UPDATE developers SET fido_required = 1")
        .execute(server.state.store.pool())
        .await
        .unwrap();
    assert_eq!(
        server.get(&format!("/v1/consent/{id}"), None).await.json()["fidoRequired"],
        true
    );
    for action in ["approve", "deny"] {
        server
            .call(
                Method::POST,
                &format!("/v1/consent/{id}/{action}"),
                None,
                Some("{}"),
            )
            .await
            .assert_error(403, "FIDO_REQUIRED");
    }
}
