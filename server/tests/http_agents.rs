#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]
//! Agents (PROTOCOL.md §10.2) and developer authentication (§1.2) over the in-process server.

mod common;

use axum::http::Method;
use common::{LIVE_KEY, SANDBOX_KEY, TestServer};
use serde_json::json;

fn assert_iso_ms(value: &serde_json::Value) {
    let text = value.as_str().unwrap();
    assert_eq!(text.len(), 24, "{text}");
    assert!(text.ends_with('Z') && text.as_bytes()[19] == b'.', "{text}");
}

#[tokio::test]
async fn create_returns_201_with_the_full_agent() {
    let server = TestServer::start().await;
    let agent = server
        .create_agent(
            LIVE_KEY,
            r#"{"name":"  Travel bot  ","description":"books","scopes":["read","write"],"unknown":1}"#,
        )
        .await;
    let id = agent["agentId"].as_str().unwrap();
    assert!(id.starts_with("ag_") && id.len() == 29, "{id}");
    assert_eq!(agent["did"], format!("did:grantex:{id}"));
    assert!(agent["developerId"].as_str().unwrap().starts_with("dev_"));
    assert_eq!(agent["name"], "Travel bot");
    assert_eq!(agent["description"], "books");
    assert_eq!(agent["scopes"], json!(["read", "write"]));
    assert_eq!(agent["status"], "active");
    assert_iso_ms(&agent["createdAt"]);
    assert_iso_ms(&agent["updatedAt"]);
    // Upstream's nine members plus our additive `redirectUris` (IMP-9).
    assert_eq!(agent["redirectUris"], json!([]));
    assert_eq!(agent.as_object().unwrap().len(), 10);

    let minimal = server.create_agent(LIVE_KEY, r#"{"name":"m"}"#).await;
    assert_eq!(minimal["description"], "");
    assert_eq!(minimal["scopes"], json!([]));
}

#[tokio::test]
async fn create_validation_errors_are_400() {
    let server = TestServer::start().await;
    let too_many: Vec<String> = (0..101).map(|i| format!("s{i}")).collect();
    let long = "x".repeat(257);
    let cases = [
        "{}".to_owned(),
        r#"{"name":""}"#.to_owned(),
        r#"{"name":"   "}"#.to_owned(),
        r#"{"name":5}"#.to_owned(),
        r#"{"name":null}"#.to_owned(),
        r#"{"name":"a","description":7}"#.to_owned(),
        r#"{"name":"a","scopes":"read"}"#.to_owned(),
        r#"{"name":"a","scopes":[1]}"#.to_owned(),
        r#"{"name":"a","scopes":[""]}"#.to_owned(),
        json!({"name": "a", "scopes": [long]}).to_string(),
        json!({"name": "a", "scopes": too_many}).to_string(),
        "[]".to_owned(),
        "null".to_owned(),
        "\"name\"".to_owned(),
        "not json".to_owned(),
        String::new(),
    ];
    for body in cases {
        let response = server
            .call(Method::POST, "/v1/agents", Some(LIVE_KEY), Some(&body))
            .await;
        response.assert_error(400, "BAD_REQUEST");
    }
    // Exactly 100 scopes of 256 characters are fine.
    let max: Vec<String> = (0..100).map(|i| format!("{i:0>256}")).collect();
    server
        .create_agent(LIVE_KEY, &json!({"name": "a", "scopes": max}).to_string())
        .await;
    // Nothing invalid was stored.
    let list = server.get("/v1/agents", Some(LIVE_KEY)).await.json();
    assert_eq!(list["agents"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn list_is_newest_first_and_scoped_to_the_developer() {
    let server = TestServer::start().await;
    let empty = server.get("/v1/agents", Some(LIVE_KEY)).await;
    assert_eq!(empty.status, 200);
    assert_eq!(empty.json(), json!({"agents": []}));
    let mut ids = Vec::new();
    for name in ["one", "two", "three"] {
        let agent = server
            .create_agent(LIVE_KEY, &json!({ "name": name }).to_string())
            .await;
        ids.push(agent["agentId"].as_str().unwrap().to_owned());
        tokio::time::sleep(std::time::Duration::from_millis(3)).await;
    }
    server
        .create_agent(SANDBOX_KEY, r#"{"name":"sandboxed"}"#)
        .await;
    let list = server.get("/v1/agents", Some(LIVE_KEY)).await.json();
    let got: Vec<&str> = list["agents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["agentId"].as_str().unwrap())
        .collect();
    ids.reverse();
    assert_eq!(got, ids);
    let sandbox = server.get("/v1/agents", Some(SANDBOX_KEY)).await.json();
    assert_eq!(sandbox["agents"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn get_update_alias_and_delete() {
    let server = TestServer::start().await;
    let agent = server
        .create_agent(LIVE_KEY, r#"{"name":"a","scopes":["read"]}"#)
        .await;
    let id = agent["agentId"].as_str().unwrap();
    let path = format!("/v1/agents/{id}");

    let fetched = server.get(&path, Some(LIVE_KEY)).await;
    assert_eq!(fetched.status, 200);
    assert_eq!(fetched.json(), agent);

    let patched = server
        .call(
            Method::PATCH,
            &path,
            Some(LIVE_KEY),
            Some(r#"{"name":" renamed "}"#),
        )
        .await;
    assert_eq!(patched.status, 200);
    let patched = patched.json();
    assert_eq!(patched["agentId"], id);
    assert_eq!(patched["name"], "renamed");
    assert_eq!(patched["scopes"], json!(["read"]));
    assert_eq!(patched["createdAt"], agent["createdAt"]);

    // POST is an alias of PATCH (IMP-29).
    let posted = server
        .call(
            Method::POST,
            &path,
            Some(LIVE_KEY),
            Some(r#"{"status":"suspended","scopes":["read","write"],"description":"d"}"#),
        )
        .await;
    assert_eq!(posted.status, 200);
    let posted = posted.json();
    assert_eq!(posted["status"], "suspended");
    assert_eq!(posted["scopes"], json!(["read", "write"]));
    assert_eq!(posted["description"], "d");
    assert_eq!(posted["name"], "renamed");
    let reactivated = server
        .call(
            Method::PATCH,
            &path,
            Some(LIVE_KEY),
            Some(r#"{"status":"active"}"#),
        )
        .await
        .json();
    assert_eq!(reactivated["status"], "active");

    // Persisted.
    let again = server.get(&path, Some(LIVE_KEY)).await.json();
    assert_eq!(again["description"], "d");

    let deleted = server
        .call(Method::DELETE, &path, Some(LIVE_KEY), None)
        .await;
    assert_eq!(deleted.status, 204);
    assert!(deleted.body.is_empty());
    assert!(deleted.headers.get("content-type").is_none());

    // Gone for every read and write.
    server
        .get(&path, Some(LIVE_KEY))
        .await
        .assert_error(404, "NOT_FOUND");
    server
        .call(
            Method::PATCH,
            &path,
            Some(LIVE_KEY),
            Some(r#"{"name":"x"}"#),
        )
        .await
        .assert_error(404, "NOT_FOUND");
    server
        .call(Method::DELETE, &path, Some(LIVE_KEY), None)
        .await
        .assert_error(404, "NOT_FOUND");
    let list = server.get("/v1/agents", Some(LIVE_KEY)).await.json();
    assert_eq!(list["agents"], json!([]));
}

#[tokio::test]
async fn update_validation_errors_are_400() {
    let server = TestServer::start().await;
    let agent = server.create_agent(LIVE_KEY, r#"{"name":"a"}"#).await;
    let path = format!("/v1/agents/{}", agent["agentId"].as_str().unwrap());
    for body in [
        "{}",
        r#"{"unknown":"x"}"#,
        r#"{"name":""}"#,
        r#"{"name":"  "}"#,
        r#"{"status":"deleted"}"#,
        r#"{"status":1}"#,
        r#"{"scopes":"read"}"#,
        r#"{"scopes":[""]}"#,
        r#"{"description":false}"#,
        "[]",
        "3",
    ] {
        for method in [Method::PATCH, Method::POST] {
            server
                .call(method, &path, Some(LIVE_KEY), Some(body))
                .await
                .assert_error(400, "BAD_REQUEST");
        }
    }
    let unchanged = server.get(&path, Some(LIVE_KEY)).await.json();
    assert_eq!(unchanged, agent);
}

#[tokio::test]
async fn unknown_ids_are_404() {
    let server = TestServer::start().await;
    for id in ["ag_01J0000000000000000000000A", "nope", "%20"] {
        let path = format!("/v1/agents/{id}");
        server
            .get(&path, Some(LIVE_KEY))
            .await
            .assert_error(404, "NOT_FOUND");
        server
            .call(
                Method::PATCH,
                &path,
                Some(LIVE_KEY),
                Some(r#"{"name":"x"}"#),
            )
            .await
            .assert_error(404, "NOT_FOUND");
        server
            .call(Method::POST, &path, Some(LIVE_KEY), Some(r#"{"name":"x"}"#))
            .await
            .assert_error(404, "NOT_FOUND");
        server
            .call(Method::DELETE, &path, Some(LIVE_KEY), None)
            .await
            .assert_error(404, "NOT_FOUND");
    }
}

#[tokio::test]
async fn another_developers_agent_is_404() {
    let server = TestServer::start().await;
    let (_, other_key) = server.new_developer().await;
    let agent = server
        .create_agent(&other_key, r#"{"name":"theirs"}"#)
        .await;
    let path = format!("/v1/agents/{}", agent["agentId"].as_str().unwrap());
    server
        .get(&path, Some(LIVE_KEY))
        .await
        .assert_error(404, "NOT_FOUND");
    server
        .call(
            Method::PATCH,
            &path,
            Some(LIVE_KEY),
            Some(r#"{"name":"mine"}"#),
        )
        .await
        .assert_error(404, "NOT_FOUND");
    server
        .call(
            Method::POST,
            &path,
            Some(LIVE_KEY),
            Some(r#"{"name":"mine"}"#),
        )
        .await
        .assert_error(404, "NOT_FOUND");
    server
        .call(Method::DELETE, &path, Some(SANDBOX_KEY), None)
        .await
        .assert_error(404, "NOT_FOUND");
    let list = server.get("/v1/agents", Some(LIVE_KEY)).await.json();
    assert_eq!(list["agents"], json!([]));
    // Untouched for its owner.
    let theirs = server.get(&path, Some(&other_key)).await.json();
    assert_eq!(theirs, agent);
}

#[tokio::test]
async fn authentication_failures_are_401() {
    use axum::body::Body;
    use axum::http::Request;
    let server = TestServer::start().await;
    let long = "k".repeat(513);
    let headers: Vec<Option<String>> = vec![
        None,
        Some(String::new()),
        Some("Bearer".into()),
        Some("Bearer ".into()),
        Some("Basic dev-api-key-local".into()),
        Some("Bearerdev-api-key-local".into()),
        Some("Bearer short-key".into()),
        Some(format!("Bearer {long}")),
        Some("Bearer dev-api-key-local extra".into()),
    ];
    for header in headers {
        for (method, path) in [
            (Method::GET, "/v1/agents"),
            (Method::POST, "/v1/agents"),
            (Method::GET, "/v1/agents/ag_x"),
            (Method::PATCH, "/v1/agents/ag_x"),
            (Method::DELETE, "/v1/agents/ag_x"),
        ] {
            let mut builder = Request::builder().method(method).uri(path);
            if let Some(h) = &header {
                builder = builder.header("authorization", h);
            }
            let response = server
                .send(builder.body(Body::from(r#"{"name":"a"}"#)).unwrap())
                .await;
            let body = response.assert_error(401, "UNAUTHORIZED");
            assert_eq!(body["message"], "Missing or invalid Authorization header");
            assert!(response.header("x-ratelimit-limit").is_none());
        }
    }
    for key in ["invalid-api-key-12345", &"z".repeat(512)] {
        let response = server.get("/v1/agents", Some(key)).await;
        let body = response.assert_error(401, "UNAUTHORIZED");
        assert_eq!(body["message"], "Invalid API key");
    }
    // Case-insensitive scheme, spaces and tabs.
    for header in ["bearer dev-api-key-local", "BEARER \t dev-api-key-local"] {
        let response = server
            .send(
                Request::builder()
                    .uri("/v1/agents")
                    .header("authorization", header)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(response.status, 200);
    }
}

#[tokio::test]
async fn authentication_precedes_body_validation() {
    let server = TestServer::start().await;
    server
        .call(Method::POST, "/v1/agents", None, Some("[]"))
        .await
        .assert_error(401, "UNAUTHORIZED");
}
