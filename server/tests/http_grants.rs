#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]
//! Grants: list, get, cascade revoke, delegation and online grant verification (PROTOCOL.md §10.6, §6).

mod common;
mod lifecycle;

use axum::http::Method;
use common::{LIVE_KEY, SANDBOX_KEY, TestServer};
use lifecycle::*;
use serde_json::{Value, json};
use std::sync::Arc;

fn ids(list: &Value) -> Vec<String> {
    list["grants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["grantId"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn list_get_and_filters() {
    let server = TestServer::start().await;
    assert_eq!(
        server.get("/v1/grants", Some(SANDBOX_KEY)).await.json(),
        json!({"grants": []})
    );
    let (a1, t1) = sandbox_grant(&server, &["read"]).await;
    tokio::time::sleep(std::time::Duration::from_millis(3)).await;
    let (a2, t2) = sandbox_grant_with(
        &server,
        SANDBOX_KEY,
        &["write"],
        json!({"principalId": "user_2"}),
    )
    .await;
    let (g1, g2) = (
        t1["grantId"].as_str().unwrap(),
        t2["grantId"].as_str().unwrap(),
    );
    let all = server.get("/v1/grants", Some(SANDBOX_KEY)).await.json();
    assert_eq!(ids(&all), [g2, g1]);
    let grant = &all["grants"][1];
    assert_eq!(grant["agentId"], a1.as_str());
    assert_eq!(grant["principalId"], "user_1");
    assert!(grant["developerId"].as_str().unwrap().starts_with("dev_"));
    assert_eq!(grant["scopes"], json!(["read"]));
    assert_eq!(grant["status"], "active");
    assert_eq!(grant["delegationDepth"], 0);
    assert!(grant.get("parentGrantId").is_none() && grant.get("revokedAt").is_none());
    assert_eq!(grant["expiresAt"], t1["expiresAt"]);
    let one = server
        .get(&format!("/v1/grants/{g1}"), Some(SANDBOX_KEY))
        .await;
    assert_eq!(one.status, 200);
    assert_eq!(&one.json(), grant);
    assert_eq!(
        ids(&server
            .get(&format!("/v1/grants?agentId={a2}"), Some(SANDBOX_KEY))
            .await
            .json()),
        [g2]
    );
    assert_eq!(
        ids(&server
            .get("/v1/grants?principalId=user_1", Some(SANDBOX_KEY))
            .await
            .json()),
        [g1]
    );
    assert_eq!(
        ids(&server
            .get("/v1/grants?status=active", Some(SANDBOX_KEY))
            .await
            .json()),
        [g2, g1]
    );
    assert!(
        ids(&server
            .get("/v1/grants?status=bogus", Some(SANDBOX_KEY))
            .await
            .json())
        .is_empty()
    );
    // Paging when asked.
    let page = server
        .get("/v1/grants?page=2&pageSize=1", Some(SANDBOX_KEY))
        .await
        .json();
    assert_eq!(ids(&page), [g1]);
    assert_eq!(
        (
            page["total"].clone(),
            page["page"].clone(),
            page["pageSize"].clone()
        ),
        (json!(2), json!(2), json!(1))
    );
    for bad in ["page=0", "pageSize=101", "page=x", "pageSize=-1"] {
        server
            .get(&format!("/v1/grants?{bad}"), Some(SANDBOX_KEY))
            .await
            .assert_error(400, "BAD_REQUEST");
    }
    // Revoke → status revoked with revokedAt; filters.
    assert_eq!(
        server
            .call(
                Method::DELETE,
                &format!("/v1/grants/{g1}"),
                Some(SANDBOX_KEY),
                None
            )
            .await
            .status,
        204
    );
    let revoked = server
        .get(&format!("/v1/grants/{g1}"), Some(SANDBOX_KEY))
        .await
        .json();
    assert_eq!(revoked["status"], "revoked");
    assert!(revoked["revokedAt"].as_str().is_some());
    assert_eq!(
        ids(&server
            .get("/v1/grants?status=revoked", Some(SANDBOX_KEY))
            .await
            .json()),
        [g1]
    );
    assert_eq!(
        ids(&server
            .get("/v1/grants?status=active", Some(SANDBOX_KEY))
            .await
            .json()),
        [g2]
    );
    server
        .call(
            Method::DELETE,
            &format!("/v1/grants/{g1}"),
            Some(SANDBOX_KEY),
            None,
        )
        .await
        .assert_error(404, "NOT_FOUND");
    server
        .get("/v1/grants/grnt_unknown", Some(SANDBOX_KEY))
        .await
        .assert_error(404, "NOT_FOUND");
    server
        .call(
            Method::DELETE,
            "/v1/grants/grnt_unknown",
            Some(SANDBOX_KEY),
            None,
        )
        .await
        .assert_error(404, "NOT_FOUND");
}

#[tokio::test]
async fn expired_status_is_derived() {
    let server = TestServer::start().await;
    let (_, tokens) =
        sandbox_grant_with(&server, SANDBOX_KEY, &["read"], json!({"expiresIn": "1s"})).await;
    let id = tokens["grantId"].as_str().unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    assert_eq!(
        server
            .get(&format!("/v1/grants/{id}"), Some(SANDBOX_KEY))
            .await
            .json()["status"],
        "expired"
    );
    assert_eq!(
        ids(&server
            .get("/v1/grants?status=expired", Some(SANDBOX_KEY))
            .await
            .json()),
        [id]
    );
    assert!(
        ids(&server
            .get("/v1/grants?status=active", Some(SANDBOX_KEY))
            .await
            .json())
        .is_empty()
    );
    let token = tokens["grantToken"].as_str().unwrap();
    assert_eq!(
        verify_online(&server, SANDBOX_KEY, token).await,
        json!({"valid": false, "reason": "expired"})
    );
    assert_eq!(
        expect(
            &post(
                &server,
                "/v1/grants/verify",
                Some(SANDBOX_KEY),
                &json!({"token": token})
            )
            .await,
            200
        ),
        json!({"active": false, "reason": "expired"})
    );
}

#[tokio::test]
async fn max_grant_lifetime_is_enforced() {
    let server = TestServer::start().await;
    let agent_id = agent(&server, SANDBOX_KEY, &["read"]).await;
    for expires in ["91d", "99999d"] {
        post(&server, "/v1/authorize", Some(SANDBOX_KEY), &json!({"agentId": agent_id, "principalId": "u", "scopes": ["read"], "expiresIn": expires}))
            .await
            .assert_error(400, "BAD_REQUEST");
    }
    authorize(
        &server,
        SANDBOX_KEY,
        json!({"agentId": agent_id, "principalId": "u", "scopes": ["read"], "expiresIn": "90d"}),
    )
    .await;
}

#[tokio::test]
async fn delegation_issues_child_tokens() {
    let server = TestServer::start().await;
    let (parent_agent, tokens) = sandbox_grant_with(
        &server,
        SANDBOX_KEY,
        &["read", "write", "payments:initiate:max_500"],
        json!({"audience": "svc"}),
    )
    .await;
    let parent = tokens["grantToken"].as_str().unwrap();
    let sub = agent(&server, SANDBOX_KEY, &[]).await;
    let child = expect(
        &delegate(
            &server,
            SANDBOX_KEY,
            parent,
            &sub,
            &["read", "payments:initiate:max_100"],
        )
        .await,
        201,
    );
    let mut keys: Vec<&str> = child
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "expiresAt",
            "grantId",
            "grantToken",
            "refreshToken",
            "scopes"
        ]
    );
    let token = child["grantToken"].as_str().unwrap();
    assert_eq!(
        claim_order(token),
        [
            "agt",
            "dev",
            "scp",
            "grnt",
            "parentAgt",
            "parentGrnt",
            "delegationDepth",
            "iss",
            "sub",
            "jti",
            "iat",
            "exp",
            "aud"
        ]
    );
    let p = payload(token);
    assert_eq!(p["agt"], format!("did:grantex:{sub}"));
    assert_eq!(p["parentAgt"], format!("did:grantex:{parent_agent}"));
    assert_eq!(p["parentGrnt"], tokens["grantId"]);
    assert_eq!(p["delegationDepth"], 1);
    assert_eq!(p["sub"], "user_1");
    assert_eq!(p["aud"], "svc", "audience inherited (IMP-5)");
    assert_eq!(p["scp"], json!(["read", "payments:initiate:max_100"]));
    // Default expiresIn 1h.
    assert_eq!(
        p["exp"].as_u64().unwrap() - p["iat"].as_u64().unwrap(),
        3600
    );
    let verified = verify_offline(&server, token).await;
    assert_eq!(verified.delegation_depth, Some(1));
    assert_eq!(
        verify_online(&server, SANDBOX_KEY, token).await["valid"],
        true
    );
    let grant = server
        .get(
            &format!("/v1/grants/{}", child["grantId"].as_str().unwrap()),
            Some(SANDBOX_KEY),
        )
        .await
        .json();
    assert_eq!(grant["parentGrantId"], tokens["grantId"]);
    assert_eq!(grant["delegationDepth"], 1);
    assert_eq!(grant["agentId"], sub.as_str());
    // The child's refresh token works and keeps the delegation claims.
    let refreshed = expect(
        &post(
            &server,
            "/v1/token/refresh",
            Some(SANDBOX_KEY),
            &json!({"refreshToken": child["refreshToken"], "agentId": sub}),
        )
        .await,
        201,
    );
    assert_eq!(
        claim_order(refreshed["grantToken"].as_str().unwrap()),
        claim_order(token)
    );
    assert_eq!(
        payload(refreshed["grantToken"].as_str().unwrap())["parentAgt"],
        p["parentAgt"]
    );
    // Self-delegation; depth 2 and 3 allowed, 4 → 400 DELEGATION_DEPTH_EXCEEDED (IMP-16).
    let d2 = expect(
        &delegate(&server, SANDBOX_KEY, token, &sub, &["read"]).await,
        201,
    );
    let d3 = expect(
        &delegate(
            &server,
            SANDBOX_KEY,
            d2["grantToken"].as_str().unwrap(),
            &sub,
            &["read"],
        )
        .await,
        201,
    );
    assert_eq!(
        payload(d3["grantToken"].as_str().unwrap())["delegationDepth"],
        3
    );
    delegate(
        &server,
        SANDBOX_KEY,
        d3["grantToken"].as_str().unwrap(),
        &sub,
        &["read"],
    )
    .await
    .assert_error(400, "DELEGATION_DEPTH_EXCEEDED");
    // expiry = min(parent exp, now + expiresIn).
    let long = expect(
        &post(&server, "/v1/grants/delegate", Some(SANDBOX_KEY),
            &json!({"parentGrantToken": token, "subAgentId": sub, "scopes": ["read"], "expiresIn": "30d"})).await,
        201,
    );
    assert_eq!(
        payload(long["grantToken"].as_str().unwrap())["exp"],
        p["exp"]
    );
    // grants/verify returns the raw claims.
    let v = expect(
        &post(
            &server,
            "/v1/grants/verify",
            Some(SANDBOX_KEY),
            &json!({"token": token}),
        )
        .await,
        200,
    );
    assert_eq!(v["active"], true);
    assert_eq!(v["claims"], p);
}

#[tokio::test]
async fn delegation_errors_in_order() {
    let server = TestServer::start().await;
    let (_, tokens) = sandbox_grant(&server, &["read", "write"]).await;
    let parent = tokens["grantToken"].as_str().unwrap();
    let sub = agent(&server, SANDBOX_KEY, &[]).await;
    let bad = |body: Value| {
        let server = &server;
        async move { post(server, "/v1/grants/delegate", Some(SANDBOX_KEY), &body).await }
    };
    for body in [
        json!({}),
        json!({"subAgentId": sub, "scopes": ["read"]}),
        json!({"parentGrantToken": parent, "scopes": ["read"]}),
        json!({"parentGrantToken": parent, "subAgentId": sub}),
        json!({"parentGrantToken": parent, "subAgentId": sub, "scopes": []}),
        json!({"parentGrantToken": parent, "subAgentId": sub, "scopes": [""]}),
        json!({"parentGrantToken": parent, "subAgentId": sub, "scopes": ["read"], "credentialFormat": "sd-jwt"}),
        json!({"parentGrantToken": "not.a.token", "subAgentId": sub, "scopes": ["read"]}),
        json!({"parentGrantToken": parent, "subAgentId": sub, "scopes": ["read", "write", "admin"]}),
        json!({"parentGrantToken": parent, "subAgentId": sub, "scopes": ["read"], "expiresIn": "1w"}),
        json!({"parentGrantToken": parent, "subAgentId": sub, "scopes": ["read"], "expiresIn": "91d"}),
    ] {
        bad(body).await.assert_error(400, "BAD_REQUEST");
    }
    // Unknown / foreign / suspended sub-agent → 404.
    let foreign = agent(&server, LIVE_KEY, &[]).await;
    for sub_agent in ["ag_unknown", foreign.as_str()] {
        bad(json!({"parentGrantToken": parent, "subAgentId": sub_agent, "scopes": ["read"]}))
            .await
            .assert_error(404, "NOT_FOUND");
    }
    server
        .call(
            Method::PATCH,
            &format!("/v1/agents/{sub}"),
            Some(SANDBOX_KEY),
            Some(r#"{"status":"suspended"}"#),
        )
        .await;
    bad(json!({"parentGrantToken": parent, "subAgentId": sub, "scopes": ["read"]}))
        .await
        .assert_error(404, "NOT_FOUND");
    // Another developer's parent → 403.
    let live_sub = agent(&server, LIVE_KEY, &[]).await;
    post(
        &server,
        "/v1/grants/delegate",
        Some(LIVE_KEY),
        &json!({"parentGrantToken": parent, "subAgentId": live_sub, "scopes": ["read"]}),
    )
    .await
    .assert_error(403, "FORBIDDEN");
    // Revoked parent → 400.
    let sub2 = agent(&server, SANDBOX_KEY, &[]).await;
    server
        .call(
            Method::DELETE,
            &format!("/v1/grants/{}", tokens["grantId"].as_str().unwrap()),
            Some(SANDBOX_KEY),
            None,
        )
        .await;
    bad(json!({"parentGrantToken": parent, "subAgentId": sub2, "scopes": ["read"]}))
        .await
        .assert_error(400, "BAD_REQUEST");
    // Narrowing only downwards: a child cannot widen a constraint.
    let (_, t) = sandbox_grant(&server, &["payments:initiate:max_100"]).await;
    delegate(
        &server,
        SANDBOX_KEY,
        t["grantToken"].as_str().unwrap(),
        &sub2,
        &["payments:initiate:max_500"],
    )
    .await
    .assert_error(400, "BAD_REQUEST");
    delegate(
        &server,
        SANDBOX_KEY,
        t["grantToken"].as_str().unwrap(),
        &sub2,
        &["payments:initiate"],
    )
    .await
    .assert_error(400, "BAD_REQUEST");
}

#[tokio::test]
async fn grants_verify() {
    let server = TestServer::start().await;
    let (agent_id, tokens) = sandbox_grant(&server, &["read"]).await;
    let token = tokens["grantToken"].as_str().unwrap();
    for body in [
        json!({}),
        json!({"token": ""}),
        json!({"token": "not.a.valid.jwt"}),
    ] {
        post(&server, "/v1/grants/verify", Some(SANDBOX_KEY), &body)
            .await
            .assert_error(400, "BAD_REQUEST");
    }
    let v = |key: &'static str| {
        let server = &server;
        async move {
            expect(
                &post(
                    server,
                    "/v1/grants/verify",
                    Some(key),
                    &json!({"token": token}),
                )
                .await,
                200,
            )
        }
    };
    let ok = v(SANDBOX_KEY).await;
    assert_eq!(ok["active"], true);
    for claim in [
        "jti", "sub", "agt", "dev", "scp", "iat", "exp", "iss", "grnt",
    ] {
        assert!(ok["claims"].get(claim).is_some(), "{claim}");
    }
    assert_eq!(
        v(LIVE_KEY).await,
        json!({"active": false, "reason": "wrong_developer"})
    );
    server
        .call(
            Method::PATCH,
            &format!("/v1/agents/{agent_id}"),
            Some(SANDBOX_KEY),
            Some(r#"{"status":"suspended"}"#),
        )
        .await;
    assert_eq!(
        v(SANDBOX_KEY).await,
        json!({"active": false, "reason": "agent_suspended"})
    );
    server
        .call(
            Method::PATCH,
            &format!("/v1/agents/{agent_id}"),
            Some(SANDBOX_KEY),
            Some(r#"{"status":"active"}"#),
        )
        .await;
    server
        .call(
            Method::DELETE,
            &format!("/v1/grants/{}", tokens["grantId"].as_str().unwrap()),
            Some(SANDBOX_KEY),
            None,
        )
        .await;
    assert_eq!(
        v(SANDBOX_KEY).await,
        json!({"active": false, "reason": "revoked"})
    );
    // Token row missing → not_found.
    sqlx::query("DELETE FROM tokens")
        .execute(server.state.store.pool())
        .await
        .unwrap();
    assert_eq!(
        v(SANDBOX_KEY).await,
        json!({"active": false, "reason": "not_found"})
    );
}

#[tokio::test]
async fn cascade_revokes_a_three_level_chain_in_one_call() {
    let server = TestServer::start().await;
    let (_, root) = sandbox_grant(&server, &["read", "write"]).await;
    let sub = agent(&server, SANDBOX_KEY, &[]).await;
    let c1 = expect(
        &delegate(
            &server,
            SANDBOX_KEY,
            root["grantToken"].as_str().unwrap(),
            &sub,
            &["read", "write"],
        )
        .await,
        201,
    );
    let c2 = expect(
        &delegate(
            &server,
            SANDBOX_KEY,
            c1["grantToken"].as_str().unwrap(),
            &sub,
            &["read"],
        )
        .await,
        201,
    );
    let sibling = expect(
        &delegate(
            &server,
            SANDBOX_KEY,
            root["grantToken"].as_str().unwrap(),
            &sub,
            &["write"],
        )
        .await,
        201,
    );
    let (_, unrelated) = sandbox_grant(&server, &["read"]).await;
    // Revoking the middle leaves the root and sibling alone.
    let all = [&root, &c1, &c2, &sibling];
    let response = server
        .call(
            Method::DELETE,
            &format!("/v1/grants/{}", c1["grantId"].as_str().unwrap()),
            Some(SANDBOX_KEY),
            None,
        )
        .await;
    assert_eq!(response.status, 204);
    let valid: Vec<bool> = futures_valid(&server, &all).await;
    assert_eq!(valid, [true, false, false, true]);
    assert_eq!(
        server
            .call(
                Method::DELETE,
                &format!("/v1/grants/{}", root["grantId"].as_str().unwrap()),
                Some(SANDBOX_KEY),
                None
            )
            .await
            .status,
        204
    );
    assert_eq!(futures_valid(&server, &all).await, [false; 4]);
    for t in all {
        let g = server
            .get(
                &format!("/v1/grants/{}", t["grantId"].as_str().unwrap()),
                Some(SANDBOX_KEY),
            )
            .await
            .json();
        assert_eq!(g["status"], "revoked");
    }
    assert_eq!(
        verify_online(
            &server,
            SANDBOX_KEY,
            unrelated["grantToken"].as_str().unwrap()
        )
        .await["valid"],
        true
    );
    // The internal API used by the principal routes.
    let (_, other) = sandbox_grant(&server, &["read"]).await;
    let dev = payload(other["grantToken"].as_str().unwrap())["dev"]
        .as_str()
        .unwrap()
        .to_owned();
    let grant_id = other["grantId"].as_str().unwrap();
    let listed =
        grantex_server::store::grants::list_for_principal(&server.state.store, &dev, "user_1")
            .await
            .unwrap();
    assert!(listed.iter().any(|g| g.id == grant_id));
    let revoked =
        grantex_server::store::grants::revoke_cascade(&server.state.store, &dev, grant_id)
            .await
            .unwrap();
    assert_eq!(revoked, [grant_id]);
    assert!(
        grantex_server::store::grants::revoke_cascade(&server.state.store, &dev, grant_id)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn futures_valid(server: &TestServer, tokens: &[&Value]) -> Vec<bool> {
    let mut out = Vec::new();
    for t in tokens {
        out.push(
            verify_online(server, SANDBOX_KEY, t["grantToken"].as_str().unwrap()).await["valid"]
                == true,
        );
    }
    out
}

#[tokio::test]
async fn another_developer_gets_404_for_every_resource() {
    let server = TestServer::start().await;
    let (_, other_key) = server.new_developer().await;
    let (agent_id, tokens) = sandbox_grant(&server, &["read"]).await;
    let grant_id = tokens["grantId"].as_str().unwrap();
    server
        .get(&format!("/v1/grants/{grant_id}"), Some(&other_key))
        .await
        .assert_error(404, "NOT_FOUND");
    server
        .call(
            Method::DELETE,
            &format!("/v1/grants/{grant_id}"),
            Some(&other_key),
            None,
        )
        .await
        .assert_error(404, "NOT_FOUND");
    assert_eq!(
        server.get("/v1/grants", Some(&other_key)).await.json(),
        json!({"grants": []})
    );
    assert_eq!(
        server
            .get(&format!("/v1/grants?agentId={agent_id}"), Some(&other_key))
            .await
            .json(),
        json!({"grants": []})
    );
    let jti = payload(tokens["grantToken"].as_str().unwrap())["jti"].clone();
    post(
        &server,
        "/v1/tokens/revoke",
        Some(&other_key),
        &json!({"jti": jti}),
    )
    .await
    .assert_error(404, "NOT_FOUND");
    let auth = authorize(
        &server,
        SANDBOX_KEY,
        json!({"agentId": agent_id, "principalId": "u", "scopes": ["read"]}),
    )
    .await;
    let areq = auth["authRequestId"].as_str().unwrap();
    // Sandbox approve/deny of someone else's request: the other developer is live → 403; a sandbox one → 404.
    let (sandbox_dev_key, _) = {
        let key = grantex_server::ids::api_key(true);
        server
            .state
            .store
            .create_developer("s2", grantex_server::store::Mode::Sandbox, &key)
            .await
            .unwrap();
        (key, ())
    };
    for action in ["approve", "deny"] {
        post(
            &server,
            &format!("/v1/authorize/{areq}/{action}"),
            Some(&sandbox_dev_key),
            &json!({}),
        )
        .await
        .assert_error(404, "NOT_FOUND");
    }
    // Authorizing another developer's agent → 404.
    post(
        &server,
        "/v1/authorize",
        Some(&other_key),
        &json!({"agentId": agent_id, "principalId": "u", "scopes": ["read"]}),
    )
    .await
    .assert_error(404, "NOT_FOUND");
    // Nothing changed for the owner.
    assert_eq!(
        verify_online(&server, SANDBOX_KEY, tokens["grantToken"].as_str().unwrap()).await["valid"],
        true
    );
}

/// Races between delegation and cascade revocation: afterwards no live grant has a revoked ancestor.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delegate_revoke_races_leave_no_live_child_of_a_revoked_grant() {
    let server = Arc::new(TestServer::start().await);
    let sub = agent(&server, SANDBOX_KEY, &[]).await;
    for round in 0..3 {
        let (_, root) = sandbox_grant(&server, &["read", "write"]).await;
        let c1 = expect(
            &delegate(
                &server,
                SANDBOX_KEY,
                root["grantToken"].as_str().unwrap(),
                &sub,
                &["read"],
            )
            .await,
            201,
        );
        let mut tasks = Vec::new();
        for i in 0..6 {
            let (server, sub) = (server.clone(), sub.clone());
            let parent = if i % 2 == 0 {
                root["grantToken"].as_str().unwrap().to_owned()
            } else {
                c1["grantToken"].as_str().unwrap().to_owned()
            };
            tasks.push(tokio::spawn(async move {
                let r = delegate(&server, SANDBOX_KEY, &parent, &sub, &["read"]).await;
                assert!(
                    matches!(r.status.as_u16(), 201 | 400),
                    "round {round}: {}",
                    String::from_utf8_lossy(&r.body)
                );
                r.status.as_u16()
            }));
        }
        // Refreshes of the root's and the child's refresh tokens race with the revocation too.
        let root_agent = payload(root["grantToken"].as_str().unwrap())["agt"]
            .as_str()
            .unwrap()
            .trim_start_matches("did:grantex:")
            .to_owned();
        let mut refreshes = Vec::new();
        for (tokens, agent_id) in [(&root, root_agent), (&c1, sub.clone())] {
            let (server, r) = (
                server.clone(),
                tokens["refreshToken"].as_str().unwrap().to_owned(),
            );
            refreshes.push(tokio::spawn(async move {
                post(
                    &server,
                    "/v1/token/refresh",
                    Some(SANDBOX_KEY),
                    &json!({"refreshToken": r, "agentId": agent_id}),
                )
                .await
            }));
        }
        let revoker = {
            let server = server.clone();
            let id = root["grantId"].as_str().unwrap().to_owned();
            tokio::spawn(async move {
                tokio::task::yield_now().await;
                server
                    .call(
                        Method::DELETE,
                        &format!("/v1/grants/{id}"),
                        Some(SANDBOX_KEY),
                        None,
                    )
                    .await
                    .status
                    .as_u16()
            })
        };
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(revoker.await.unwrap(), 204);
        for r in refreshes {
            let response = r.await.unwrap();
            assert!(
                matches!(response.status.as_u16(), 201 | 400),
                "{}",
                String::from_utf8_lossy(&response.body)
            );
            if response.status == 201 {
                // Issued before the revocation: the cascade revoked it.
                let token = response.json()["grantToken"].as_str().unwrap().to_owned();
                assert_eq!(
                    verify_online(&server, SANDBOX_KEY, &token).await["valid"],
                    false,
                    "round {round}"
                );
            }
        }
        // Every grant descending from root is revoked.
        let list = server.get("/v1/grants", Some(SANDBOX_KEY)).await.json();
        let grants = list["grants"].as_array().unwrap();
        let by_id: std::collections::HashMap<&str, &Value> = grants
            .iter()
            .map(|g| (g["grantId"].as_str().unwrap(), g))
            .collect();
        for g in grants {
            let mut cursor = g;
            let mut descends = false;
            while let Some(parent) = cursor["parentGrantId"].as_str() {
                if parent == root["grantId"].as_str().unwrap() {
                    descends = true;
                }
                cursor = by_id[parent];
            }
            if descends || g["grantId"] == root["grantId"] {
                assert_eq!(g["status"], "revoked", "round {round}: live descendant {g}");
            }
        }
    }
}
