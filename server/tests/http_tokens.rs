#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]
//! Code exchange, refresh, online verify/revoke and revocation status (PROTOCOL.md §10.4, §10.5, §10.20).

mod common;
mod lifecycle;

use axum::http::Method;
use base64::Engine as _;
use common::{LIVE_KEY, SANDBOX_KEY, TestServer};
use lifecycle::*;
use serde_json::json;
use sha2::Digest as _;

#[tokio::test]
async fn exchange_issues_a_token_with_the_exact_claim_layout() {
    let server = TestServer::start().await;
    let (agent_id, tokens) = sandbox_grant_with(
        &server,
        SANDBOX_KEY,
        &["calendar:read", "payments:initiate:max_500"],
        json!({"audience": "https://api.example.com", "expiresIn": "2h"}),
    )
    .await;
    let obj = tokens.as_object().unwrap();
    let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
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
    assert!(tokens["grantId"].as_str().unwrap().starts_with("grnt_"));
    let refresh = tokens["refreshToken"].as_str().unwrap();
    assert!(
        refresh.starts_with("ref_") && refresh.len() == 4 + 43,
        "{refresh}"
    );
    assert_eq!(
        tokens["scopes"],
        json!(["calendar:read", "payments:initiate:max_500"])
    );
    let token = tokens["grantToken"].as_str().unwrap();
    let (header, _) = decode(token);
    let ring = server.state.keys.ring().await.unwrap();
    assert_eq!(
        header,
        format!(r#"{{"alg":"RS256","kid":"{}"}}"#, ring.active().kid())
    );
    assert_eq!(
        claim_order(token),
        [
            "agt", "dev", "scp", "grnt", "iss", "sub", "jti", "iat", "exp", "aud"
        ]
    );
    let p = payload(token);
    assert_eq!(p["agt"], format!("did:grantex:{agent_id}"));
    assert_eq!(p["aud"], "https://api.example.com");
    assert_eq!(p["iss"], common::PUBLIC_URL);
    assert_eq!(p["sub"], "user_1");
    assert!(p["jti"].as_str().unwrap().starts_with("tok_"));
    assert_eq!(
        p["exp"].as_u64().unwrap() - p["iat"].as_u64().unwrap(),
        7200
    );
    // expiresAt == exp exactly (.000Z).
    let expires = tokens["expiresAt"].as_str().unwrap();
    assert!(expires.ends_with(".000Z"), "{expires}");
    // Offline verification with the core against the served JWKS.
    let verified = verify_offline(&server, token).await;
    assert_eq!(verified.grant_id, tokens["grantId"].as_str().unwrap());
    assert_eq!(
        verified.audience,
        Some(vec!["https://api.example.com".to_owned()])
    );
    assert_eq!(verified.delegation_depth, None);
    // Online.
    let online = verify_online(&server, SANDBOX_KEY, token).await;
    assert_eq!(online["valid"], true);
    assert_eq!(online["grantId"], tokens["grantId"]);
    assert_eq!(online["principal"], "user_1");
    assert_eq!(online["agent"], format!("did:grantex:{agent_id}"));
    assert_eq!(online["expiresAt"], expires);
    assert_eq!(online.as_object().unwrap().len(), 6);
    // Without audience: no aud claim.
    let (_, plain) = sandbox_grant(&server, &["read"]).await;
    assert_eq!(
        claim_order(plain["grantToken"].as_str().unwrap()),
        [
            "agt", "dev", "scp", "grnt", "iss", "sub", "jti", "iat", "exp"
        ]
    );
}

#[tokio::test]
async fn exchange_errors() {
    let server = TestServer::start().await;
    let agent_id = agent(&server, SANDBOX_KEY, &["read"]).await;
    let auth = authorize(
        &server,
        SANDBOX_KEY,
        json!({"agentId": agent_id, "principalId": "u", "scopes": ["read"]}),
    )
    .await;
    let code = auth["code"].as_str().unwrap();
    assert_eq!(code.len(), 43);
    for body in [
        json!({}),
        json!({"agentId": agent_id}),
        json!({"code": code}),
        json!({"code": 5, "agentId": agent_id}),
        json!({"code": code, "agentId": agent_id, "codeVerifier": 7}),
        json!({"code": code, "agentId": agent_id, "credentialFormat": "agent-passport"}),
        json!({"code": code, "agentId": agent_id, "credentialFormat": "pdf"}),
        json!({"code": "invalid-code-12345", "agentId": agent_id}),
        json!({"code": code, "agentId": "ag_other"}),
        json!({"code": "", "agentId": agent_id}),
        json!({"code": "x".repeat(513), "agentId": agent_id}),
    ] {
        post(&server, "/v1/token", Some(SANDBOX_KEY), &body)
            .await
            .assert_error(400, "BAD_REQUEST");
    }
    // Another developer cannot use the code.
    post(
        &server,
        "/v1/token",
        Some(LIVE_KEY),
        &json!({"code": code, "agentId": agent_id}),
    )
    .await
    .assert_error(400, "BAD_REQUEST");
    // The code was not consumed by any of those (agent-passport is rejected before the code is touched).
    let first = exchange(&server, SANDBOX_KEY, code, &agent_id).await;
    // Second use → 400 and the grant is revoked (IMP-8).
    post(
        &server,
        "/v1/token",
        Some(SANDBOX_KEY),
        &json!({"code": code, "agentId": agent_id}),
    )
    .await
    .assert_error(400, "BAD_REQUEST");
    let verify = verify_online(&server, SANDBOX_KEY, first["grantToken"].as_str().unwrap()).await;
    assert_eq!(verify, json!({"valid": false, "reason": "revoked"}));
    let grant = server
        .get(
            &format!("/v1/grants/{}", first["grantId"].as_str().unwrap()),
            Some(SANDBOX_KEY),
        )
        .await
        .json();
    assert_eq!(grant["status"], "revoked");
    // Suspended agent: code unusable.
    let auth = authorize(
        &server,
        SANDBOX_KEY,
        json!({"agentId": agent_id, "principalId": "u", "scopes": ["read"]}),
    )
    .await;
    server
        .call(
            Method::PATCH,
            &format!("/v1/agents/{agent_id}"),
            Some(SANDBOX_KEY),
            Some(r#"{"status":"suspended"}"#),
        )
        .await;
    post(
        &server,
        "/v1/token",
        Some(SANDBOX_KEY),
        &json!({"code": auth["code"], "agentId": agent_id}),
    )
    .await
    .assert_error(400, "BAD_REQUEST");
}

#[tokio::test]
async fn credential_formats_are_accepted_without_credentials() {
    let server = TestServer::start().await;
    for format in ["jwt", "vc-jwt", "both", "sd-jwt"] {
        let agent_id = agent(&server, SANDBOX_KEY, &["read"]).await;
        let auth = authorize(
            &server,
            SANDBOX_KEY,
            json!({"agentId": agent_id, "principalId": "u", "scopes": ["read"]}),
        )
        .await;
        let tokens = expect(
            &post(
                &server,
                "/v1/token",
                Some(SANDBOX_KEY),
                &json!({"code": auth["code"], "agentId": agent_id, "credentialFormat": format}),
            )
            .await,
            201,
        );
        assert!(tokens.get("verifiableCredential").is_none());
        assert!(tokens.get("sdJwtCredential").is_none());
    }
}

#[tokio::test]
async fn pkce_s256() {
    let server = TestServer::start().await;
    let agent_id = agent(&server, SANDBOX_KEY, &["read"]).await;
    let verifier = "a".repeat(43) + "-._~";
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(verifier.as_bytes()));
    let body = json!({"agentId": agent_id, "principalId": "u", "scopes": ["read"], "codeChallenge": challenge, "codeChallengeMethod": "S256"});
    let auth = authorize(&server, SANDBOX_KEY, body.clone()).await;
    let code = auth["code"].as_str().unwrap();
    for v in [
        None,
        Some("short"),
        Some(&*"b".repeat(43)),
        Some(&*format!("{}!", "a".repeat(43))),
    ] {
        let mut req = json!({"code": code, "agentId": agent_id});
        if let Some(v) = v {
            req["codeVerifier"] = v.into();
        }
        post(&server, "/v1/token", Some(SANDBOX_KEY), &req)
            .await
            .assert_error(400, "BAD_REQUEST");
    }
    expect(
        &post(
            &server,
            "/v1/token",
            Some(SANDBOX_KEY),
            &json!({"code": code, "agentId": agent_id, "codeVerifier": verifier}),
        )
        .await,
        201,
    );
}

#[tokio::test]
async fn expired_code_is_rejected() {
    let (dir, url) = common::fresh_database().await;
    let server =
        TestServer::start_with_config(common::serve_args(dir, url), |c| c.code_ttl = 1).await;
    let agent_id = agent(&server, SANDBOX_KEY, &["read"]).await;
    let auth = authorize(
        &server,
        SANDBOX_KEY,
        json!({"agentId": agent_id, "principalId": "u", "scopes": ["read"]}),
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    post(
        &server,
        "/v1/token",
        Some(SANDBOX_KEY),
        &json!({"code": auth["code"], "agentId": agent_id}),
    )
    .await
    .assert_error(400, "BAD_REQUEST");
}

#[tokio::test]
async fn refresh_rotates_and_detects_reuse() {
    let server = TestServer::start().await;
    let (agent_id, tokens) = sandbox_grant_with(
        &server,
        SANDBOX_KEY,
        &["read", "write"],
        json!({"audience": "svc"}),
    )
    .await;
    let first = tokens["grantToken"].as_str().unwrap();
    let r1 = tokens["refreshToken"].as_str().unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1000)).await;
    let refreshed = expect(
        &post(
            &server,
            "/v1/token/refresh",
            Some(SANDBOX_KEY),
            &json!({"refreshToken": r1, "agentId": agent_id}),
        )
        .await,
        201,
    );
    assert_eq!(refreshed["grantId"], tokens["grantId"]);
    assert_eq!(refreshed["expiresAt"], tokens["expiresAt"]);
    assert_ne!(refreshed["refreshToken"], tokens["refreshToken"]);
    let second = refreshed["grantToken"].as_str().unwrap();
    let (p1, p2) = (payload(first), payload(second));
    assert_eq!(p1["exp"], p2["exp"], "refresh never extends exp");
    assert_ne!(p1["jti"], p2["jti"]);
    assert_eq!(p2["aud"], "svc", "aud re-emitted (IMP-5)");
    assert_eq!(claim_order(second), claim_order(first));
    verify_offline(&server, second).await;
    let online = verify_online(&server, SANDBOX_KEY, second).await;
    assert_eq!(online["valid"], true);
    assert_eq!(online["grantId"], tokens["grantId"]);
    // The old access token stays valid.
    assert_eq!(
        verify_online(&server, SANDBOX_KEY, first).await["valid"],
        true
    );
    let r2 = refreshed["refreshToken"].as_str().unwrap();
    // Reuse of r1: 400, and the family (r2 included) is revoked.
    post(
        &server,
        "/v1/token/refresh",
        Some(SANDBOX_KEY),
        &json!({"refreshToken": r1, "agentId": agent_id}),
    )
    .await
    .assert_error(400, "BAD_REQUEST");
    let body = post(
        &server,
        "/v1/token/refresh",
        Some(SANDBOX_KEY),
        &json!({"refreshToken": r2, "agentId": agent_id}),
    )
    .await
    .assert_error(400, "BAD_REQUEST");
    assert!(
        body["message"].as_str().unwrap().contains("revoked"),
        "{body}"
    );
    // Detectable: the reuse is recorded.
    let row =
        sqlx::query("SELECT COUNT(*) AS n FROM refresh_tokens WHERE reuse_detected_at IS NOT NULL")
            .fetch_one(server.state.store.pool())
            .await
            .unwrap();
    assert_eq!(sqlx::Row::try_get::<i64, _>(&row, "n").unwrap(), 1);
}

#[tokio::test]
async fn refresh_errors() {
    let server = TestServer::start().await;
    let (agent_id, tokens) = sandbox_grant(&server, &["read"]).await;
    let r = tokens["refreshToken"].as_str().unwrap();
    for body in [
        json!({}),
        json!({"refreshToken": r}),
        json!({"agentId": agent_id}),
        json!({"refreshToken": "ref_unknown", "agentId": agent_id}),
        json!({"refreshToken": r, "agentId": "ag_wrong"}),
        json!({"refreshToken": 1, "agentId": agent_id}),
    ] {
        post(&server, "/v1/token/refresh", Some(SANDBOX_KEY), &body)
            .await
            .assert_error(400, "BAD_REQUEST");
    }
    // Another developer.
    post(
        &server,
        "/v1/token/refresh",
        Some(LIVE_KEY),
        &json!({"refreshToken": r, "agentId": agent_id}),
    )
    .await
    .assert_error(400, "BAD_REQUEST");
    // Revoked grant.
    let grant_id = tokens["grantId"].as_str().unwrap();
    assert_eq!(
        server
            .call(
                Method::DELETE,
                &format!("/v1/grants/{grant_id}"),
                Some(SANDBOX_KEY),
                None
            )
            .await
            .status,
        204
    );
    post(
        &server,
        "/v1/token/refresh",
        Some(SANDBOX_KEY),
        &json!({"refreshToken": r, "agentId": agent_id}),
    )
    .await
    .assert_error(400, "BAD_REQUEST");
    // Suspended agent.
    let (agent_id, tokens) = sandbox_grant(&server, &["read"]).await;
    server
        .call(
            Method::PATCH,
            &format!("/v1/agents/{agent_id}"),
            Some(SANDBOX_KEY),
            Some(r#"{"status":"suspended"}"#),
        )
        .await;
    post(
        &server,
        "/v1/token/refresh",
        Some(SANDBOX_KEY),
        &json!({"refreshToken": tokens["refreshToken"], "agentId": agent_id}),
    )
    .await
    .assert_error(400, "BAD_REQUEST");
}

#[tokio::test]
async fn verify_and_revoke_tokens() {
    let server = TestServer::start().await;
    let (agent_id, tokens) = sandbox_grant(&server, &["read"]).await;
    let token = tokens["grantToken"].as_str().unwrap();
    // Errors and invalid tokens.
    for body in [json!({}), json!({"token": ""}), json!({"token": 5})] {
        post(&server, "/v1/tokens/verify", Some(SANDBOX_KEY), &body)
            .await
            .assert_error(400, "BAD_REQUEST");
    }
    assert_eq!(
        verify_online(&server, SANDBOX_KEY, "not.a.valid.jwt.token").await,
        json!({"valid": false, "reason": "invalid"})
    );
    let mut tampered = token.to_owned();
    tampered.push('A');
    assert_eq!(
        verify_online(&server, SANDBOX_KEY, &tampered).await["valid"],
        false
    );
    // Another developer: wrong_developer.
    assert_eq!(
        verify_online(&server, LIVE_KEY, token).await,
        json!({"valid": false, "reason": "wrong_developer"})
    );
    let response = post(
        &server,
        "/v1/tokens/verify",
        Some(SANDBOX_KEY),
        &json!({"token": token}),
    )
    .await;
    assert!(response.header("x-ratelimit-limit").is_some());
    // Suspension → agent_suspended (IMP-12); reactivation → valid again.
    let path = format!("/v1/agents/{agent_id}");
    server
        .call(
            Method::PATCH,
            &path,
            Some(SANDBOX_KEY),
            Some(r#"{"status":"suspended"}"#),
        )
        .await;
    assert_eq!(
        verify_online(&server, SANDBOX_KEY, token).await,
        json!({"valid": false, "reason": "agent_suspended"})
    );
    server
        .call(
            Method::PATCH,
            &path,
            Some(SANDBOX_KEY),
            Some(r#"{"status":"active"}"#),
        )
        .await;
    assert_eq!(
        verify_online(&server, SANDBOX_KEY, token).await["valid"],
        true
    );
    // Revoke.
    let jti = payload(token)["jti"].as_str().unwrap().to_owned();
    for body in [json!({}), json!({"jti": ""}), json!({"jti": 3})] {
        post(&server, "/v1/tokens/revoke", Some(SANDBOX_KEY), &body)
            .await
            .assert_error(400, "BAD_REQUEST");
    }
    post(
        &server,
        "/v1/tokens/revoke",
        Some(LIVE_KEY),
        &json!({"jti": jti}),
    )
    .await
    .assert_error(404, "NOT_FOUND");
    let revoked = post(
        &server,
        "/v1/tokens/revoke",
        Some(SANDBOX_KEY),
        &json!({"jti": jti}),
    )
    .await;
    assert_eq!(revoked.status, 204);
    assert!(revoked.body.is_empty());
    post(
        &server,
        "/v1/tokens/revoke",
        Some(SANDBOX_KEY),
        &json!({"jti": jti}),
    )
    .await
    .assert_error(404, "NOT_FOUND");
    post(
        &server,
        "/v1/tokens/revoke",
        Some(SANDBOX_KEY),
        &json!({"jti": "tok_unknown"}),
    )
    .await
    .assert_error(404, "NOT_FOUND");
    assert_eq!(
        verify_online(&server, SANDBOX_KEY, token).await,
        json!({"valid": false, "reason": "revoked"})
    );
    // The grant itself stays active; a refreshed token verifies.
    let refreshed = expect(
        &post(
            &server,
            "/v1/token/refresh",
            Some(SANDBOX_KEY),
            &json!({"refreshToken": tokens["refreshToken"], "agentId": agent_id}),
        )
        .await,
        201,
    );
    assert_eq!(
        verify_online(
            &server,
            SANDBOX_KEY,
            refreshed["grantToken"].as_str().unwrap()
        )
        .await["valid"],
        true
    );
    // Agent deletion revokes.
    assert_eq!(
        server
            .call(Method::DELETE, &path, Some(SANDBOX_KEY), None)
            .await
            .status,
        204
    );
    assert_eq!(
        verify_online(
            &server,
            SANDBOX_KEY,
            refreshed["grantToken"].as_str().unwrap()
        )
        .await["reason"],
        "revoked"
    );
}

#[tokio::test]
async fn token_signed_by_a_foreign_key_is_invalid() {
    let server = TestServer::start().await;
    let other = TestServer::start().await;
    let (_, tokens) = sandbox_grant(&other, &["read"]).await;
    assert_eq!(
        verify_online(&server, SANDBOX_KEY, tokens["grantToken"].as_str().unwrap()).await,
        json!({"valid": false, "reason": "invalid"})
    );
}

#[tokio::test]
async fn revocation_status() {
    let server = TestServer::start().await;
    let (agent_id, tokens) = sandbox_grant(&server, &["read"]).await;
    let grant_id = tokens["grantId"].as_str().unwrap();
    let jti = payload(tokens["grantToken"].as_str().unwrap())["jti"]
        .as_str()
        .unwrap()
        .to_owned();
    let status = |q: String, key: &'static str| {
        let server = &server;
        async move {
            server
                .get(&format!("/v1/revocations/status?{q}"), Some(key))
                .await
        }
    };
    server
        .get("/v1/revocations/status", Some(SANDBOX_KEY))
        .await
        .assert_error(400, "BAD_REQUEST");
    server
        .get("/v1/revocations/status?grantId=x", None)
        .await
        .assert_error(401, "UNAUTHORIZED");
    let active = json!({"revoked": false, "status": "active"});
    assert_eq!(
        status(format!("grantId={grant_id}"), SANDBOX_KEY)
            .await
            .json(),
        active
    );
    assert_eq!(
        status(format!("jti={jti}"), SANDBOX_KEY).await.json(),
        active
    );
    assert_eq!(
        status(format!("grantId={grant_id}&jti={jti}"), SANDBOX_KEY)
            .await
            .json(),
        active
    );
    let unknown = json!({"revoked": true, "status": "unknown"});
    assert_eq!(
        status(format!("grantId={grant_id}"), LIVE_KEY).await.json(),
        unknown
    );
    assert_eq!(status(format!("jti={jti}"), LIVE_KEY).await.json(), unknown);
    assert_eq!(
        status("grantId=grnt_nope".into(), SANDBOX_KEY).await.json(),
        unknown
    );
    assert_eq!(
        status(format!("grantId=grnt_other&jti={jti}"), SANDBOX_KEY)
            .await
            .json(),
        unknown
    );
    let path = format!("/v1/agents/{agent_id}");
    server
        .call(
            Method::PATCH,
            &path,
            Some(SANDBOX_KEY),
            Some(r#"{"status":"suspended"}"#),
        )
        .await;
    let suspended = json!({"revoked": true, "status": "suspended"});
    assert_eq!(
        status(format!("grantId={grant_id}"), SANDBOX_KEY)
            .await
            .json(),
        suspended
    );
    assert_eq!(
        status(format!("jti={jti}"), SANDBOX_KEY).await.json(),
        suspended
    );
    server
        .call(
            Method::PATCH,
            &path,
            Some(SANDBOX_KEY),
            Some(r#"{"status":"active"}"#),
        )
        .await;
    server
        .call(
            Method::DELETE,
            &format!("/v1/grants/{grant_id}"),
            Some(SANDBOX_KEY),
            None,
        )
        .await;
    let revoked = json!({"revoked": true, "status": "revoked"});
    assert_eq!(
        status(format!("grantId={grant_id}"), SANDBOX_KEY)
            .await
            .json(),
        revoked
    );
    assert_eq!(
        status(format!("jti={jti}"), SANDBOX_KEY).await.json(),
        revoked
    );
}

/// Parallel refreshes of one refresh token: exactly one succeeds; the rest fail (reuse revokes the family).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_refresh_uses_a_token_once() {
    let server = std::sync::Arc::new(TestServer::start().await);
    let (agent_id, tokens) = sandbox_grant(&server, &["read"]).await;
    let r = tokens["refreshToken"].as_str().unwrap().to_owned();
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let (server, r, agent_id) = (server.clone(), r.clone(), agent_id.clone());
        tasks.push(tokio::spawn(async move {
            post(
                &server,
                "/v1/token/refresh",
                Some(SANDBOX_KEY),
                &json!({"refreshToken": r, "agentId": agent_id}),
            )
            .await
        }));
    }
    let mut ok = Vec::new();
    for t in tasks {
        let response = t.await.unwrap();
        match response.status.as_u16() {
            201 => ok.push(response.json()),
            400 => {}
            other => panic!(
                "unexpected {other}: {}",
                String::from_utf8_lossy(&response.body)
            ),
        }
    }
    assert_eq!(ok.len(), 1, "exactly one refresh wins");
    // The winner's new refresh token is revoked if any loser was detected as reuse after the rotation.
    let used_twice = sqlx::query("SELECT COUNT(*) AS n FROM tokens WHERE grant_id = $1")
        .bind(tokens["grantId"].as_str().unwrap())
        .fetch_one(server.state.store.pool())
        .await
        .unwrap();
    assert_eq!(
        sqlx::Row::try_get::<i64, _>(&used_twice, "n").unwrap(),
        2,
        "one original + one refreshed token"
    );
}

/// Tokens signed with the server's own key but unknown to its database, or with another issuer.
#[tokio::test]
async fn validly_signed_unknown_tokens() {
    use grantex_server::keys::{GrantClaims, sign_grant_token};
    let server = TestServer::start().await;
    let (agent_id, tokens) = sandbox_grant(&server, &["read"]).await;
    let p = payload(tokens["grantToken"].as_str().unwrap());
    let ring = server.state.keys.ring().await.unwrap();
    let now = grantex_server::time::now_s();
    let claims = |jti: &str, iss: &str| GrantClaims {
        agt: format!("did:grantex:{agent_id}"),
        dev: p["dev"].as_str().unwrap().into(),
        scp: vec!["read".into()],
        grnt: Some(tokens["grantId"].as_str().unwrap().into()),
        parent_agt: None,
        parent_grnt: None,
        delegation_depth: None,
        bdg: None,
        iss: iss.into(),
        sub: "user_1".into(),
        jti: jti.into(),
        iat: now,
        exp: now + 600,
        aud: None,
    };
    let unknown =
        sign_grant_token(ring.active(), &claims("tok_unknown", common::PUBLIC_URL)).unwrap();
    assert_eq!(
        verify_online(&server, SANDBOX_KEY, &unknown).await,
        json!({"valid": false, "reason": "not_found"})
    );
    assert_eq!(
        expect(
            &post(
                &server,
                "/v1/grants/verify",
                Some(SANDBOX_KEY),
                &json!({"token": unknown})
            )
            .await,
            200
        ),
        json!({"active": false, "reason": "not_found"})
    );
    let sub = agent(&server, SANDBOX_KEY, &[]).await;
    delegate(&server, SANDBOX_KEY, &unknown, &sub, &["read"])
        .await
        .assert_error(400, "BAD_REQUEST");
    let jti = p["jti"].as_str().unwrap();
    let foreign_iss =
        sign_grant_token(ring.active(), &claims(jti, "https://evil.example")).unwrap();
    assert_eq!(
        verify_online(&server, SANDBOX_KEY, &foreign_iss).await,
        json!({"valid": false, "reason": "invalid"})
    );
    post(
        &server,
        "/v1/grants/verify",
        Some(SANDBOX_KEY),
        &json!({"token": foreign_iss}),
    )
    .await
    .assert_error(400, "BAD_REQUEST");
    delegate(&server, SANDBOX_KEY, &foreign_iss, &sub, &["read"])
        .await
        .assert_error(400, "BAD_REQUEST");
}
