//! Helpers shared by the authorization / token / grant tests.
#![allow(dead_code)]

use crate::common::{SANDBOX_KEY, TestResponse, TestServer};
use axum::http::Method;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use grantex_core::grant::{
    AudiencePolicy, IssuerPolicy, VerifiedGrant, VerifyOptions, verify_grant_token,
};
use grantex_core::jwk::KeySet;
use serde_json::{Value, json};

pub async fn post(
    server: &TestServer,
    path: &str,
    key: Option<&str>,
    body: &Value,
) -> TestResponse {
    server
        .call(Method::POST, path, key, Some(&body.to_string()))
        .await
}

pub fn expect(response: &TestResponse, status: u16) -> Value {
    assert_eq!(
        response.status.as_u16(),
        status,
        "{}",
        String::from_utf8_lossy(&response.body)
    );
    if response.body.is_empty() {
        Value::Null
    } else {
        response.json()
    }
}

pub async fn agent(server: &TestServer, key: &str, scopes: &[&str]) -> String {
    let agent = server
        .create_agent(
            key,
            &json!({"name": "bot", "description": "books <trips>", "scopes": scopes}).to_string(),
        )
        .await;
    agent["agentId"].as_str().unwrap().to_owned()
}

pub async fn authorize(server: &TestServer, key: &str, body: Value) -> Value {
    expect(&post(server, "/v1/authorize", Some(key), &body).await, 201)
}

pub async fn exchange(server: &TestServer, key: &str, code: &str, agent_id: &str) -> Value {
    expect(
        &post(
            server,
            "/v1/token",
            Some(key),
            &json!({"code": code, "agentId": agent_id}),
        )
        .await,
        201,
    )
}

/// Sandbox: agent + authorize + exchange. Returns `(agentId, token response)`.
pub async fn sandbox_grant(server: &TestServer, scopes: &[&str]) -> (String, Value) {
    sandbox_grant_with(server, SANDBOX_KEY, scopes, json!({})).await
}

pub async fn sandbox_grant_with(
    server: &TestServer,
    key: &str,
    scopes: &[&str],
    extra: Value,
) -> (String, Value) {
    let agent_id = agent(server, key, scopes).await;
    let mut body = json!({"agentId": agent_id, "principalId": "user_1", "scopes": scopes});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let auth = authorize(server, key, body).await;
    let code = auth["code"].as_str().unwrap().to_owned();
    let tokens = exchange(server, key, &code, &agent_id).await;
    (agent_id, tokens)
}

pub async fn delegate(
    server: &TestServer,
    key: &str,
    parent: &str,
    sub_agent: &str,
    scopes: &[&str],
) -> TestResponse {
    post(
        server,
        "/v1/grants/delegate",
        Some(key),
        &json!({"parentGrantToken": parent, "subAgentId": sub_agent, "scopes": scopes}),
    )
    .await
}

pub async fn verify_online(server: &TestServer, key: &str, token: &str) -> Value {
    expect(
        &post(
            server,
            "/v1/tokens/verify",
            Some(key),
            &json!({"token": token}),
        )
        .await,
        200,
    )
}

/// `(header JSON text, payload JSON text)`.
pub fn decode(token: &str) -> (String, String) {
    let mut parts = token.split('.');
    let h = URL_SAFE_NO_PAD.decode(parts.next().unwrap()).unwrap();
    let p = URL_SAFE_NO_PAD.decode(parts.next().unwrap()).unwrap();
    (String::from_utf8(h).unwrap(), String::from_utf8(p).unwrap())
}

pub fn payload(token: &str) -> Value {
    serde_json::from_str(&decode(token).1).unwrap()
}

/// Keys of the payload in wire order.
pub fn claim_order(token: &str) -> Vec<String> {
    let text = decode(token).1;
    let map: serde_json::Map<String, Value> = serde_json::from_str(&text).unwrap();
    // serde_json without preserve_order sorts; recover the order from the text instead.
    let mut keys: Vec<(usize, String)> = map
        .keys()
        .map(|k| (text.find(&format!("\"{k}\":")).unwrap(), k.clone()))
        .collect();
    keys.sort();
    keys.into_iter().map(|(_, k)| k).collect()
}

/// Offline verification with the core against the served JWKS.
pub async fn verify_offline(server: &TestServer, token: &str) -> VerifiedGrant {
    let jwks = server.get("/.well-known/jwks.json", None).await;
    assert_eq!(jwks.status, 200);
    let keys = KeySet::from_jwks_json(std::str::from_utf8(&jwks.body).unwrap()).unwrap();
    let now = grantex_server::time::now_s();
    let mut options =
        VerifyOptions::new(IssuerPolicy::Expect(crate::common::PUBLIC_URL.into()), now);
    options.audience = AudiencePolicy::Any;
    verify_grant_token(&keys, token, &options).unwrap()
}
