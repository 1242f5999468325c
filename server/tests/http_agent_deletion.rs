#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]
//! `DELETE /v1/agents/{id}` (PROTOCOL.md §7.5 with IMP-12): in one transaction the agent is soft-deleted
//! and each of its grants is revoked with the grants' cascade (§6.3) — including grants delegated to other
//! agents and their descendants — while unrelated grants of those agents stay valid.

mod common;
mod lifecycle;

use axum::http::Method;
use common::{LIVE_KEY, SANDBOX_KEY, TestServer};
use lifecycle::*;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;

async fn delete_agent(server: &TestServer, key: Option<&str>, id: &str) -> common::TestResponse {
    server
        .call(Method::DELETE, &format!("/v1/agents/{id}"), key, None)
        .await
}

fn token(t: &Value) -> &str {
    t["grantToken"].as_str().unwrap()
}

async fn grant(server: &TestServer, t: &Value) -> Value {
    let id = t["grantId"].as_str().unwrap();
    expect(
        &server
            .get(&format!("/v1/grants/{id}"), Some(SANDBOX_KEY))
            .await,
        200,
    )
}

async fn refresh(server: &TestServer, t: &Value, agent_id: &str) -> common::TestResponse {
    post(
        server,
        "/v1/token/refresh",
        Some(SANDBOX_KEY),
        &json!({"refreshToken": t["refreshToken"], "agentId": agent_id}),
    )
    .await
}

/// Parent agent A delegates to sub-agent B, B delegates on to C; deleting A revokes A's grant, B's child
/// grant and C's grandchild (other agents' grants), but neither B's nor C's own grants.
#[tokio::test]
async fn deleting_an_agent_cascades_to_grants_delegated_to_other_agents() {
    let server = TestServer::start().await;
    let (a, root) = sandbox_grant(&server, &["read", "write"]).await;
    let (b, b_own) = sandbox_grant(&server, &["read"]).await;
    let c = agent(&server, SANDBOX_KEY, &["read"]).await;
    let child = expect(
        &delegate(&server, SANDBOX_KEY, token(&root), &b, &["read", "write"]).await,
        201,
    );
    let grandchild = expect(
        &delegate(&server, SANDBOX_KEY, token(&child), &c, &["read"]).await,
        201,
    );
    assert_eq!(
        payload(token(&child))["parentAgt"],
        format!("did:grantex:{a}")
    );
    assert_eq!(payload(token(&grandchild))["delegationDepth"], 2);
    // C's own grant, and a grant of C delegated from B's own grant: both unrelated to A.
    let auth = authorize(
        &server,
        SANDBOX_KEY,
        json!({"agentId": c, "principalId": "user_9", "scopes": ["read"]}),
    )
    .await;
    let c_own = exchange(&server, SANDBOX_KEY, auth["code"].as_str().unwrap(), &c).await;
    let from_b = expect(
        &delegate(&server, SANDBOX_KEY, token(&b_own), &c, &["read"]).await,
        201,
    );
    for t in [&root, &child, &grandchild, &b_own, &c_own, &from_b] {
        assert_eq!(
            verify_online(&server, SANDBOX_KEY, token(t)).await["valid"],
            true
        );
    }

    let deleted = delete_agent(&server, Some(SANDBOX_KEY), &a).await;
    assert_eq!(deleted.status, 204);
    assert!(deleted.body.is_empty());

    // A's grant and everything delegated from it: revoked, online verification says so.
    for t in [&root, &child, &grandchild] {
        assert_eq!(
            verify_online(&server, SANDBOX_KEY, token(t)).await,
            json!({"valid": false, "reason": "revoked"}),
            "{}",
            t["grantId"]
        );
        let g = grant(&server, t).await;
        assert_eq!(g["status"], "revoked");
        assert!(g["revokedAt"].as_str().is_some(), "{g}");
        let verified = expect(
            &post(
                &server,
                "/v1/grants/verify",
                Some(SANDBOX_KEY),
                &json!({"token": token(t)}),
            )
            .await,
            200,
        );
        assert_eq!(verified, json!({"active": false, "reason": "revoked"}));
    }
    // Their refresh tokens are dead too (B's child grant is held by a live agent).
    refresh(&server, &child, &b)
        .await
        .assert_error(400, "BAD_REQUEST");
    refresh(&server, &grandchild, &c)
        .await
        .assert_error(400, "BAD_REQUEST");
    // B's child cannot delegate any more.
    delegate(&server, SANDBOX_KEY, token(&child), &c, &["read"])
        .await
        .assert_error(400, "BAD_REQUEST");

    // Unrelated grants of B and C are untouched and keep working.
    for t in [&b_own, &c_own, &from_b] {
        assert_eq!(
            verify_online(&server, SANDBOX_KEY, token(t)).await["valid"],
            true
        );
        assert_eq!(grant(&server, t).await["status"], "active");
    }
    assert_eq!(refresh(&server, &b_own, &b).await.status, 201);

    // A is gone, B and C are not; a second delete is 404.
    delete_agent(&server, Some(SANDBOX_KEY), &a)
        .await
        .assert_error(404, "NOT_FOUND");
    server
        .get(&format!("/v1/agents/{a}"), Some(SANDBOX_KEY))
        .await
        .assert_error(404, "NOT_FOUND");
    for id in [&b, &c] {
        assert_eq!(
            server
                .get(&format!("/v1/agents/{id}"), Some(SANDBOX_KEY))
                .await
                .status,
            200
        );
    }
}

/// Deleting the sub-agent revokes only the delegated branch it holds (and below), never the parent's grant.
#[tokio::test]
async fn deleting_a_sub_agent_revokes_its_branch_only() {
    let server = TestServer::start().await;
    let (_a, root) = sandbox_grant(&server, &["read", "write"]).await;
    let b = agent(&server, SANDBOX_KEY, &[]).await;
    let c = agent(&server, SANDBOX_KEY, &[]).await;
    let to_b = expect(
        &delegate(&server, SANDBOX_KEY, token(&root), &b, &["read"]).await,
        201,
    );
    let b_to_c = expect(
        &delegate(&server, SANDBOX_KEY, token(&to_b), &c, &["read"]).await,
        201,
    );
    let to_c = expect(
        &delegate(&server, SANDBOX_KEY, token(&root), &c, &["write"]).await,
        201,
    );
    assert_eq!(
        delete_agent(&server, Some(SANDBOX_KEY), &b).await.status,
        204
    );
    let mut valid = Vec::new();
    for t in [&root, &to_b, &b_to_c, &to_c] {
        valid.push(verify_online(&server, SANDBOX_KEY, token(t)).await["valid"] == true);
    }
    assert_eq!(valid, [true, false, false, true]);
}

/// Self-delegation (allowed, §6.1) and outstanding authorization requests: every grant is revoked once,
/// unexchanged codes die with the agent.
#[tokio::test]
async fn deletion_handles_self_delegation_and_outstanding_requests() {
    let server = TestServer::start().await;
    let (a, root) = sandbox_grant(&server, &["read"]).await;
    let own_child = expect(
        &delegate(&server, SANDBOX_KEY, token(&root), &a, &["read"]).await,
        201,
    );
    // An approved (sandbox) code not yet exchanged.
    let pending_code = authorize(
        &server,
        SANDBOX_KEY,
        json!({"agentId": a, "principalId": "user_2", "scopes": ["read"]}),
    )
    .await;
    assert_eq!(
        delete_agent(&server, Some(SANDBOX_KEY), &a).await.status,
        204
    );
    for t in [&root, &own_child] {
        assert_eq!(
            verify_online(&server, SANDBOX_KEY, token(t)).await["reason"],
            "revoked"
        );
    }
    post(
        &server,
        "/v1/token",
        Some(SANDBOX_KEY),
        &json!({"code": pending_code["code"], "agentId": a}),
    )
    .await
    .assert_error(400, "BAD_REQUEST");
    let grants = expect(
        &server
            .get(&format!("/v1/grants?agentId={a}"), Some(SANDBOX_KEY))
            .await,
        200,
    );
    let statuses: Vec<&str> = grants["grants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["revoked", "revoked"]);

    // A live developer's pending consent request answers gone/unknown after the deletion.
    let live_agent = agent(&server, LIVE_KEY, &["read"]).await;
    let pending = authorize(
        &server,
        LIVE_KEY,
        json!({"agentId": live_agent, "principalId": "bob", "scopes": ["read"]}),
    )
    .await;
    let request_id = pending["authRequestId"].as_str().unwrap();
    assert_eq!(
        server
            .get(&format!("/v1/consent/{request_id}"), None)
            .await
            .status,
        200
    );
    assert_eq!(
        delete_agent(&server, Some(LIVE_KEY), &live_agent)
            .await
            .status,
        204
    );
    let gone = server.get(&format!("/v1/consent/{request_id}"), None).await;
    assert!(
        matches!(gone.status.as_u16(), 404 | 410),
        "{}",
        String::from_utf8_lossy(&gone.body)
    );
}

#[tokio::test]
async fn unknown_foreign_and_unauthenticated_deletes_change_nothing() {
    let server = TestServer::start().await;
    let (a, root) = sandbox_grant(&server, &["read"]).await;
    let b = agent(&server, SANDBOX_KEY, &[]).await;
    let child = expect(
        &delegate(&server, SANDBOX_KEY, token(&root), &b, &["read"]).await,
        201,
    );
    let (_, other_key) = server.new_developer().await;
    for key in [LIVE_KEY, other_key.as_str()] {
        delete_agent(&server, Some(key), &a)
            .await
            .assert_error(404, "NOT_FOUND");
    }
    delete_agent(&server, Some(SANDBOX_KEY), "ag_01UNKNOWN0000000000000000")
        .await
        .assert_error(404, "NOT_FOUND");
    delete_agent(&server, None, &a)
        .await
        .assert_error(401, "UNAUTHORIZED");
    delete_agent(&server, Some("not-a-real-key-at-all"), &a)
        .await
        .assert_error(401, "UNAUTHORIZED");
    for t in [&root, &child] {
        assert_eq!(
            verify_online(&server, SANDBOX_KEY, token(t)).await["valid"],
            true
        );
    }
}

/// Deletion races with delegation and refresh from the agent's grant: afterwards no active grant has a
/// revoked parent (the deletion and delegation are serialized by the developer lock).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deletion_racing_delegation_leaves_no_live_descendant() {
    let server = Arc::new(TestServer::start().await);
    let sub = agent(&server, SANDBOX_KEY, &[]).await;
    for round in 0..3 {
        let (a, root) = sandbox_grant(&server, &["read", "write"]).await;
        let c1 = expect(
            &delegate(&server, SANDBOX_KEY, token(&root), &sub, &["read"]).await,
            201,
        );
        let mut tasks = Vec::new();
        for i in 0..6 {
            let (server, sub) = (server.clone(), sub.clone());
            let parent = if i % 2 == 0 {
                token(&root).to_owned()
            } else {
                token(&c1).to_owned()
            };
            tasks.push(tokio::spawn(async move {
                let r = delegate(&server, SANDBOX_KEY, &parent, &sub, &["read"]).await;
                assert!(
                    matches!(r.status.as_u16(), 201 | 400 | 404),
                    "round {round}: {}",
                    String::from_utf8_lossy(&r.body)
                );
                (r.status.as_u16(), r.body)
            }));
        }
        let deleter = {
            let (server, a) = (server.clone(), a.clone());
            tokio::spawn(async move {
                tokio::task::yield_now().await;
                delete_agent(&server, Some(SANDBOX_KEY), &a)
                    .await
                    .status
                    .as_u16()
            })
        };
        let mut issued = Vec::new();
        for t in tasks {
            let (status, body) = t.await.unwrap();
            if status == 201 {
                issued.push(serde_json::from_slice::<Value>(&body).unwrap());
            }
        }
        assert_eq!(deleter.await.unwrap(), 204);
        // Every child issued before the deletion was revoked with it.
        for t in issued.iter().chain([&root, &c1]) {
            assert_eq!(
                verify_online(&server, SANDBOX_KEY, token(t)).await["valid"],
                false,
                "round {round}: {}",
                t["grantId"]
            );
        }
        let all = expect(&server.get("/v1/grants", Some(SANDBOX_KEY)).await, 200);
        let by_id: HashMap<String, Value> = all["grants"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| (g["grantId"].as_str().unwrap().to_owned(), g.clone()))
            .collect();
        for g in by_id.values() {
            if g["status"] == "active"
                && let Some(parent) = g["parentGrantId"].as_str()
            {
                assert_eq!(
                    by_id[parent]["status"], "active",
                    "round {round}: live {} under revoked {parent}",
                    g["grantId"]
                );
            }
        }
    }
}
