#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]
//! Registered redirect URIs of agents (IMP-9, additive to PROTOCOL.md §10.2): set through
//! `POST /v1/agents`, `PATCH /v1/agents/{id}` and its `POST` alias, returned in every agent, enforced by
//! `POST /v1/authorize` (§10.3).

mod common;
mod lifecycle;

use axum::http::Method;
use common::{LIVE_KEY, SANDBOX_KEY, TestServer, fresh_database, serve_args};
use lifecycle::*;
use serde_json::{Value, json};

async fn create(server: &TestServer, body: Value) -> Value {
    server.create_agent(LIVE_KEY, &body.to_string()).await
}

async fn update(server: &TestServer, method: Method, id: &str, body: Value) -> Value {
    let response = server
        .call(
            method,
            &format!("/v1/agents/{id}"),
            Some(LIVE_KEY),
            Some(&body.to_string()),
        )
        .await;
    expect(&response, 200)
}

#[tokio::test]
async fn create_stores_and_returns_redirect_uris() {
    let server = TestServer::start().await;
    let uris = json!([
        "https://app.example/cb",
        "https://app.example:8443/oauth/cb?tenant=a&x=%20",
        "http://127.0.0.1:8080/cb",
        "http://localhost/cb",
        "HTTP://LOCALHOST:3000/cb",
        "http://[::1]:9000/cb",
        "https://[2001:db8::1]/cb",
        "https://app.example/cb",
    ]);
    let agent = create(&server, json!({"name": "web", "redirectUris": uris})).await;
    // Order kept, duplicates dropped.
    let want = json!([
        "https://app.example/cb",
        "https://app.example:8443/oauth/cb?tenant=a&x=%20",
        "http://127.0.0.1:8080/cb",
        "http://localhost/cb",
        "HTTP://LOCALHOST:3000/cb",
        "http://[::1]:9000/cb",
        "https://[2001:db8::1]/cb",
    ]);
    assert_eq!(agent["redirectUris"], want);
    let id = agent["agentId"].as_str().unwrap();
    let read = server
        .get(&format!("/v1/agents/{id}"), Some(LIVE_KEY))
        .await;
    assert_eq!(expect(&read, 200)["redirectUris"], want);
    let list = expect(&server.get("/v1/agents", Some(LIVE_KEY)).await, 200);
    assert_eq!(list["agents"][0]["redirectUris"], want);

    // Absent or empty: none registered.
    assert_eq!(
        create(&server, json!({"name": "plain"})).await["redirectUris"],
        json!([])
    );
    assert_eq!(
        create(&server, json!({"name": "empty", "redirectUris": []})).await["redirectUris"],
        json!([])
    );

    // The bounds themselves are accepted: 20 entries, 2048 characters.
    let twenty: Vec<String> = (0..20)
        .map(|i| format!("https://app.example/{i}"))
        .collect();
    assert_eq!(
        create(&server, json!({"name": "many", "redirectUris": twenty})).await["redirectUris"]
            .as_array()
            .unwrap()
            .len(),
        20
    );
    let long = format!("https://app.example/{}", "a".repeat(2048 - 20));
    assert_eq!(long.len(), 2048);
    assert_eq!(
        create(
            &server,
            json!({"name": "long", "redirectUris": [long.clone()]})
        )
        .await["redirectUris"],
        json!([long])
    );
}

#[tokio::test]
async fn patch_and_post_alias_replace_and_clear_redirect_uris() {
    let server = TestServer::start().await;
    let agent = create(
        &server,
        json!({"name": "web", "scopes": ["read"], "redirectUris": ["https://a.example/cb"]}),
    )
    .await;
    let id = agent["agentId"].as_str().unwrap();

    // redirectUris alone is a valid change; the other fields stay.
    let patched = update(
        &server,
        Method::PATCH,
        id,
        json!({"redirectUris": ["https://b.example/cb", "http://127.0.0.1/cb"]}),
    )
    .await;
    assert_eq!(
        patched["redirectUris"],
        json!(["https://b.example/cb", "http://127.0.0.1/cb"])
    );
    assert_eq!(patched["name"], "web");
    assert_eq!(patched["scopes"], json!(["read"]));

    // A change of another field keeps the list.
    let renamed = update(&server, Method::PATCH, id, json!({"name": "web2"})).await;
    assert_eq!(renamed["redirectUris"], patched["redirectUris"]);

    // The POST alias (Python SDK) behaves the same.
    let aliased = update(
        &server,
        Method::POST,
        id,
        json!({"redirectUris": ["https://c.example/cb"], "description": "d"}),
    )
    .await;
    assert_eq!(aliased["redirectUris"], json!(["https://c.example/cb"]));
    assert_eq!(aliased["description"], "d");

    // [] clears.
    let cleared = update(&server, Method::PATCH, id, json!({"redirectUris": []})).await;
    assert_eq!(cleared["redirectUris"], json!([]));
    let read = server
        .get(&format!("/v1/agents/{id}"), Some(LIVE_KEY))
        .await;
    assert_eq!(expect(&read, 200)["redirectUris"], json!([]));
}

fn invalid_lists() -> Vec<Value> {
    let mut cases = vec![
        json!("https://a.example/cb"),
        json!(null),
        json!({"uri": "https://a.example/cb"}),
        json!([1]),
        json!([null]),
        json!(["https://a.example/cb", 7]),
        json!([""]),
        json!(["/relative/cb"]),
        json!(["a.example/cb"]),
        json!(["https:a.example/cb"]),
        json!(["ftp://a.example/cb"]),
        json!(["myapp://cb"]),
        json!(["javascript://alert(1)"]),
        json!(["http://example.com/cb"]),
        json!(["http://192.168.1.10/cb"]),
        json!(["http://127.0.0.2/cb"]),
        json!(["http://localhost.example.com/cb"]),
        json!(["http://[::2]/cb"]),
        json!(["https://a.example/cb#frag"]),
        json!(["https://a.example/cb#"]),
        json!(["https://user:pw@a.example/cb"]),
        json!(["https://@a.example/cb"]),
        json!(["https://"]),
        json!(["https:///cb"]),
        json!(["https://:443/cb"]),
        json!(["https://a.example:0/cb"]),
        json!(["https://a.example:65536/cb"]),
        json!(["https://a.example:/cb"]),
        json!(["https://a.example:x/cb"]),
        json!(["https://a_b.example/cb"]),
        json!(["https://[::1/cb"]),
        json!(["https://[zz::1]/cb"]),
        json!(["https://[::1]x/cb"]),
        json!(["https://a.example/c b"]),
        json!(["https://a.example/cb\n"]),
        json!(["https://a.example/<script>"]),
        json!(["https://a.example/\"x\""]),
        json!(["https://bücher.example/cb"]),
        json!([format!("https://app.example/{}", "a".repeat(2048 - 19))]),
    ];
    let too_many: Vec<String> = (0..21)
        .map(|i| format!("https://app.example/{i}"))
        .collect();
    cases.push(json!(too_many));
    cases
}

#[tokio::test]
async fn invalid_redirect_uris_are_400_on_create_patch_and_post() {
    let server = TestServer::start().await;
    let agent = create(
        &server,
        json!({"name": "web", "redirectUris": ["https://keep.example/cb"]}),
    )
    .await;
    let path = format!("/v1/agents/{}", agent["agentId"].as_str().unwrap());
    for list in invalid_lists() {
        let created = server
            .call(
                Method::POST,
                "/v1/agents",
                Some(LIVE_KEY),
                Some(&json!({"name": "x", "redirectUris": list}).to_string()),
            )
            .await;
        let body = created.assert_error(400, "BAD_REQUEST");
        assert!(
            body["message"].as_str().unwrap().contains("redirectUris"),
            "{list}: {body}"
        );
        for method in [Method::PATCH, Method::POST] {
            // Even together with a valid change, nothing is applied.
            let body = json!({"name": "renamed", "redirectUris": list}).to_string();
            server
                .call(method, &path, Some(LIVE_KEY), Some(&body))
                .await
                .assert_error(400, "BAD_REQUEST");
        }
    }
    // 21 entries of which two are duplicates reduce to 19: accepted.
    let mut dup: Vec<String> = (0..19)
        .map(|i| format!("https://app.example/{i}"))
        .collect();
    dup.push("https://app.example/0".into());
    dup.push("https://app.example/1".into());
    let ok = create(&server, json!({"name": "dup", "redirectUris": dup})).await;
    assert_eq!(ok["redirectUris"].as_array().unwrap().len(), 19);

    // No agent was created by the failures and the existing one is unchanged.
    let list = expect(&server.get("/v1/agents", Some(LIVE_KEY)).await, 200);
    assert_eq!(list["agents"].as_array().unwrap().len(), 2);
    let read = expect(&server.get(&path, Some(LIVE_KEY)).await, 200);
    assert_eq!(read["name"], "web");
    assert_eq!(read["redirectUris"], json!(["https://keep.example/cb"]));
}

#[tokio::test]
async fn unknown_foreign_and_unauthenticated_updates() {
    let server = TestServer::start().await;
    let agent = create(
        &server,
        json!({"name": "web", "redirectUris": ["https://a.example/cb"]}),
    )
    .await;
    let path = format!("/v1/agents/{}", agent["agentId"].as_str().unwrap());
    let body = json!({"redirectUris": ["https://evil.example/cb"]}).to_string();
    for method in [Method::PATCH, Method::POST] {
        server
            .call(method.clone(), &path, Some(SANDBOX_KEY), Some(&body))
            .await
            .assert_error(404, "NOT_FOUND");
        server
            .call(
                method.clone(),
                "/v1/agents/ag_unknown",
                Some(LIVE_KEY),
                Some(&body),
            )
            .await
            .assert_error(404, "NOT_FOUND");
        server
            .call(method, &path, None, Some(&body))
            .await
            .assert_error(401, "UNAUTHORIZED");
    }
    server
        .call(Method::POST, "/v1/agents", None, Some(&body))
        .await
        .assert_error(401, "UNAUTHORIZED");
    let read = expect(&server.get(&path, Some(LIVE_KEY)).await, 200);
    assert_eq!(read["redirectUris"], json!(["https://a.example/cb"]));
}

/// Authorize in production mode (no `--dev` relaxations): a registered list is an exact allow-list, also
/// for loopback `http:` URIs that would otherwise be refused; clearing it restores the default rules.
#[tokio::test]
async fn authorize_enforces_the_registered_redirect_uris() {
    let (dir, url) = fresh_database().await;
    let server = TestServer::start_with_config(serve_args(dir, url), |c| c.dev = false).await;
    let agent = create(&server, json!({"name": "web", "scopes": ["read"]})).await;
    let id = agent["agentId"].as_str().unwrap().to_owned();
    let auth = |uri: &str| json!({"agentId": id, "principalId": "alice", "scopes": ["read"], "redirectUri": uri, "state": "s1"});
    let authorize_status = |body: Value| {
        let server = &server;
        async move {
            post(server, "/v1/authorize", Some(LIVE_KEY), &body)
                .await
                .status
                .as_u16()
        }
    };

    // Nothing registered: any https URI, but no loopback http.
    assert_eq!(
        authorize_status(auth("https://anything.example/cb")).await,
        201
    );
    post(
        &server,
        "/v1/authorize",
        Some(LIVE_KEY),
        &auth("http://127.0.0.1:8080/cb"),
    )
    .await
    .assert_error(400, "BAD_REQUEST");

    // Registered through the API: exact matches only.
    update(
        &server,
        Method::PATCH,
        &id,
        json!({"redirectUris": ["https://app.example/cb", "http://127.0.0.1:8080/cb"]}),
    )
    .await;
    assert_eq!(authorize_status(auth("https://app.example/cb")).await, 201);
    let loopback = authorize(&server, LIVE_KEY, auth("http://127.0.0.1:8080/cb")).await;
    for uri in [
        "https://anything.example/cb",
        "https://app.example/cb/",
        "https://app.example/cb?x=1",
        "https://APP.example/cb",
        "http://127.0.0.1:8081/cb",
        "http://localhost:8080/cb",
    ] {
        let body = post(&server, "/v1/authorize", Some(LIVE_KEY), &auth(uri))
            .await
            .assert_error(400, "BAD_REQUEST");
        assert!(
            body["message"].as_str().unwrap().contains("registered"),
            "{uri}: {body}"
        );
    }

    // The consent decision hands the code to the registered URI.
    let request_id = loopback["authRequestId"].as_str().unwrap();
    let consent = expect(
        &server.get(&format!("/v1/consent/{request_id}"), None).await,
        200,
    );
    assert_eq!(consent["status"], "pending");

    // The POST alias changes the list too; [] clears it and the default rules apply again.
    update(
        &server,
        Method::POST,
        &id,
        json!({"redirectUris": ["https://other.example/cb"]}),
    )
    .await;
    assert_eq!(authorize_status(auth("https://app.example/cb")).await, 400);
    assert_eq!(
        authorize_status(auth("https://other.example/cb")).await,
        201
    );
    update(&server, Method::PATCH, &id, json!({"redirectUris": []})).await;
    assert_eq!(authorize_status(auth("https://app.example/cb")).await, 201);
    assert_eq!(
        authorize_status(auth("http://127.0.0.1:8080/cb")).await,
        400
    );

    // Without a redirectUri, authorize is unaffected by registration.
    update(
        &server,
        Method::PATCH,
        &id,
        json!({"redirectUris": ["https://app.example/cb"]}),
    )
    .await;
    assert_eq!(
        authorize_status(json!({"agentId": id, "principalId": "alice", "scopes": ["read"]})).await,
        201
    );
}

/// Sandbox flow with a registered redirect URI: the consent approval (legacy mode under `--dev`) returns
/// the registered URI with the code.
#[tokio::test]
async fn registered_redirect_uri_reaches_the_consent_answer() {
    let server = TestServer::start().await;
    let agent = create(
        &server,
        json!({"name": "web", "scopes": ["read"], "redirectUris": ["https://app.example/cb"]}),
    )
    .await;
    let id = agent["agentId"].as_str().unwrap();
    let auth = authorize(
        &server,
        LIVE_KEY,
        json!({"agentId": id, "principalId": "alice", "scopes": ["read"],
               "redirectUri": "https://app.example/cb", "state": "xyz"}),
    )
    .await;
    let request_id = auth["authRequestId"].as_str().unwrap();
    let approved = expect(
        &post(
            &server,
            &format!("/v1/consent/{request_id}/approve"),
            None,
            &json!({}),
        )
        .await,
        200,
    );
    assert_eq!(approved["redirectUri"], "https://app.example/cb");
    assert_eq!(approved["state"], "xyz");
    let tokens = exchange(&server, LIVE_KEY, approved["code"].as_str().unwrap(), id).await;
    assert!(tokens["grantId"].as_str().unwrap().starts_with("grnt_"));
}
