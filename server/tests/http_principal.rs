#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]
//! Principal sessions and the permissions page (PROTOCOL.md §9, §10.8, IMP-22) over the in-process server.

mod common;

use axum::body::Body;
use axum::http::{Method, Request};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::{LIVE_KEY, PUBLIC_URL, SANDBOX_KEY, TestResponse, TestServer};
use grantex_server::sessions::{PURPOSE, SESSION_TYP, SessionClaims, audience, sign_session_token};
use serde_json::{Value, json};

const HOUR_MS: i64 = 3_600_000;

fn now_ms() -> i64 {
    i64::try_from(grantex_server::time::now_ms()).unwrap()
}

async fn developer_id(server: &TestServer, key: &str) -> String {
    server
        .state
        .store
        .developer_by_key_hash(&grantex_server::ids::sha256_hex(key))
        .await
        .unwrap()
        .unwrap()
        .id
}

struct GrantSpec<'a> {
    developer: &'a str,
    agent: &'a str,
    principal: &'a str,
    parent: Option<&'a str>,
    depth: i64,
    status: &'a str,
    expires_in_ms: i64,
    created_offset_ms: i64,
}

impl<'a> GrantSpec<'a> {
    fn new(developer: &'a str, agent: &'a str, principal: &'a str) -> Self {
        GrantSpec {
            developer,
            agent,
            principal,
            parent: None,
            depth: 0,
            status: "active",
            expires_in_ms: HOUR_MS,
            created_offset_ms: 0,
        }
    }
}

/// Inserts a grant (and one token row for it) directly: `(grant id, token jti)`.
async fn insert_grant(server: &TestServer, spec: GrantSpec<'_>) -> (String, String) {
    let id = grantex_server::ids::new_id("grnt_");
    let jti = grantex_server::ids::new_id("tok_");
    let now = now_ms() + spec.created_offset_ms;
    let pool = server.state.store.pool();
    sqlx::query(
        "INSERT INTO grants (id, developer_id, agent_id, principal_id, scopes, status, parent_grant_id, \
           delegation_depth, created_at, updated_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10)",
    )
    .bind(&id)
    .bind(spec.developer)
    .bind(spec.agent)
    .bind(spec.principal)
    .bind(r#"["read","write"]"#)
    .bind(spec.status)
    .bind(spec.parent.map(str::to_owned))
    .bind(spec.depth)
    .bind(now)
    .bind(now_ms() + spec.expires_in_ms)
    .execute(pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO tokens (jti, grant_id, developer_id, kid, issued_at, expires_at) \
         VALUES ($1, $2, $3, 'kid', $4, $5)",
    )
    .bind(&jti)
    .bind(&id)
    .bind(spec.developer)
    .bind(now)
    .bind(now_ms() + spec.expires_in_ms)
    .execute(pool)
    .await
    .unwrap();
    (id, jti)
}

async fn grant_state(server: &TestServer, id: &str) -> (String, i64) {
    let pool = server.state.store.pool();
    let status: String = sqlx::query_scalar("SELECT status FROM grants WHERE id = $1")
        .bind(id)
        .fetch_one(pool)
        .await
        .unwrap();
    let token_revoked: i64 = sqlx::query_scalar("SELECT revoked FROM tokens WHERE grant_id = $1")
        .bind(id)
        .fetch_one(pool)
        .await
        .unwrap();
    (status, token_revoked)
}

/// A live developer with an agent and an active grant for `alice`: `(developer id, agent id, grant id)`.
async fn setup(server: &TestServer) -> (String, String, String) {
    let dev = developer_id(server, LIVE_KEY).await;
    let agent = server
        .create_agent(
            LIVE_KEY,
            r#"{"name":"Travel <bot>","description":"books & flies","scopes":["read"]}"#,
        )
        .await;
    let agent_id = agent["agentId"].as_str().unwrap().to_owned();
    let (grant, _) = insert_grant(server, GrantSpec::new(&dev, &agent_id, "alice")).await;
    (dev, agent_id, grant)
}

async fn create_session(server: &TestServer, key: &str, body: &str) -> TestResponse {
    server
        .call(
            Method::POST,
            "/v1/principal-sessions",
            Some(key),
            Some(body),
        )
        .await
}

async fn session_token(server: &TestServer, principal: &str) -> String {
    let response = create_session(
        server,
        LIVE_KEY,
        &json!({"principalId": principal}).to_string(),
    )
    .await;
    assert_eq!(
        response.status,
        201,
        "{}",
        String::from_utf8_lossy(&response.body)
    );
    response.json()["sessionToken"].as_str().unwrap().to_owned()
}

fn decode_part(part: &str) -> Value {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

async fn principal_get(server: &TestServer, path: &str, token: &str) -> TestResponse {
    let request = Request::builder()
        .method(Method::GET)
        .uri(path)
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    server.send(request).await
}

async fn principal_delete(server: &TestServer, path: &str, token: &str) -> TestResponse {
    let request = Request::builder()
        .method(Method::DELETE)
        .uri(path)
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    server.send(request).await
}

#[tokio::test]
async fn create_returns_a_session_token_and_dashboard_url() {
    let server = TestServer::start().await;
    let (dev, _, _) = setup(&server).await;
    let before = grantex_server::time::now_s();
    let response = create_session(&server, LIVE_KEY, r#"{"principalId":"alice"}"#).await;
    assert_eq!(response.status, 201);
    assert!(response.header("x-ratelimit-limit").is_some());
    let body = response.json();
    assert_eq!(body.as_object().unwrap().len(), 4);
    let token = body["sessionToken"].as_str().unwrap();
    assert_eq!(
        body["dashboardUrl"],
        format!("{PUBLIC_URL}/permissions#session={token}")
    );
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3);
    let header = decode_part(parts[0]);
    let payload = decode_part(parts[1]);
    assert_eq!(header["alg"], "RS256");
    assert_eq!(header["typ"], SESSION_TYP);
    let ring = server.state.keys.ring().await.unwrap();
    assert_eq!(header["kid"], ring.active().kid());
    assert_eq!(payload["dev"], dev.as_str());
    assert_eq!(payload["purpose"], "principal_dashboard");
    assert_eq!(payload["iss"], PUBLIC_URL);
    assert_eq!(payload["sub"], "alice");
    assert_eq!(payload["aud"], format!("{PUBLIC_URL}/permissions"));
    assert_eq!(payload["jti"], body["sessionId"]);
    assert!(payload["jti"].as_str().unwrap().starts_with("psn_"));
    let iat = payload["iat"].as_u64().unwrap();
    let exp = payload["exp"].as_u64().unwrap();
    assert!(iat >= before && exp - iat == 3600);
    assert_eq!(
        body["expiresAt"],
        grantex_server::time::iso_ms(i64::try_from(exp * 1000).unwrap())
    );
    // The signature verifies against the published JWKS with the core JWS verifier.
    let jwks = server.get("/.well-known/jwks.json", None).await;
    let keys = grantex_core::jwk::KeySet::from_jwks_json(std::str::from_utf8(&jwks.body).unwrap())
        .unwrap();
    let verified = grantex_core::jws::verify(
        &keys,
        token,
        &grantex_core::jws::JwsOptions::new(&[grantex_core::crypto::Algorithm::RS256]),
    )
    .unwrap();
    assert_eq!(verified.header.typ.as_deref(), Some(SESSION_TYP));
    // The core grant-token verifier refuses it (token kind).
    let options = grantex_core::grant::VerifyOptions::new(
        grantex_core::grant::IssuerPolicy::Expect(PUBLIC_URL.into()),
        grantex_server::time::now_s(),
    );
    assert!(grantex_core::grant::verify_grant_token(&keys, token, &options).is_err());

    // It works on the principal routes.
    let grants = principal_get(&server, "/v1/principal/grants", token).await;
    assert_eq!(grants.status, 200);
}

#[tokio::test]
async fn lifetimes_validation_and_404() {
    let server = TestServer::start().await;
    let (dev, agent, _) = setup(&server).await;
    for (expires_in, seconds) in [
        ("30m", 1800),
        ("24h", 86_400),
        ("48h", 86_400),
        ("90d", 86_400),
        ("10s", 10),
    ] {
        let body = create_session(
            &server,
            LIVE_KEY,
            &json!({"principalId": "alice", "expiresIn": expires_in}).to_string(),
        )
        .await
        .json();
        let payload = decode_part(
            body["sessionToken"]
                .as_str()
                .unwrap()
                .split('.')
                .nth(1)
                .unwrap(),
        );
        assert_eq!(
            payload["exp"].as_u64().unwrap() - payload["iat"].as_u64().unwrap(),
            seconds,
            "{expires_in}"
        );
    }
    let long = "x".repeat(257);
    for bad in [
        "{}".to_owned(),
        "[]".to_owned(),
        "not json".to_owned(),
        r#"{"principalId":""}"#.to_owned(),
        r#"{"principalId":5}"#.to_owned(),
        r#"{"principalId":null}"#.to_owned(),
        json!({"principalId": long}).to_string(),
        r#"{"principalId":"alice","expiresIn":"1w"}"#.to_owned(),
        r#"{"principalId":"alice","expiresIn":"0s"}"#.to_owned(),
        r#"{"principalId":"alice","expiresIn":"1.5h"}"#.to_owned(),
        r#"{"principalId":"alice","expiresIn":3600}"#.to_owned(),
        // Validation comes before the grant lookup.
        r#"{"principalId":"nobody","expiresIn":"bad"}"#.to_owned(),
    ] {
        create_session(&server, LIVE_KEY, &bad)
            .await
            .assert_error(400, "BAD_REQUEST");
    }
    // No active, unexpired grant → 404: unknown principal, only revoked/expired grants, another developer's.
    insert_grant(
        &server,
        GrantSpec {
            status: "revoked",
            ..GrantSpec::new(&dev, &agent, "bob")
        },
    )
    .await;
    insert_grant(
        &server,
        GrantSpec {
            expires_in_ms: -1000,
            ..GrantSpec::new(&dev, &agent, "bob")
        },
    )
    .await;
    for (key, principal) in [
        (LIVE_KEY, "nobody"),
        (LIVE_KEY, "bob"),
        (SANDBOX_KEY, "alice"),
    ] {
        create_session(&server, key, &json!({"principalId": principal}).to_string())
            .await
            .assert_error(404, "NOT_FOUND");
    }
    create_session(
        &server,
        "invalid-api-key-12345",
        r#"{"principalId":"alice"}"#,
    )
    .await
    .assert_error(401, "UNAUTHORIZED");
    server
        .call(
            Method::POST,
            "/v1/principal-sessions",
            None,
            Some(r#"{"principalId":"alice"}"#),
        )
        .await
        .assert_error(401, "UNAUTHORIZED");
}

#[tokio::test]
async fn principal_grants_lists_live_grants_newest_first() {
    let server = TestServer::start().await;
    let (dev, agent, first) = setup(&server).await;
    let (second, _) = insert_grant(
        &server,
        GrantSpec {
            created_offset_ms: 1000,
            depth: 1,
            parent: Some(&first),
            ..GrantSpec::new(&dev, &agent, "alice")
        },
    )
    .await;
    // Not listed: revoked, expired, other principal, same principal at another developer.
    insert_grant(
        &server,
        GrantSpec {
            status: "revoked",
            ..GrantSpec::new(&dev, &agent, "alice")
        },
    )
    .await;
    insert_grant(
        &server,
        GrantSpec {
            expires_in_ms: -1,
            ..GrantSpec::new(&dev, &agent, "alice")
        },
    )
    .await;
    insert_grant(&server, GrantSpec::new(&dev, &agent, "bob")).await;
    let sandbox_dev = developer_id(&server, SANDBOX_KEY).await;
    let sandbox_agent = server.create_agent(SANDBOX_KEY, r#"{"name":"s"}"#).await;
    insert_grant(
        &server,
        GrantSpec::new(
            &sandbox_dev,
            sandbox_agent["agentId"].as_str().unwrap(),
            "alice",
        ),
    )
    .await;

    let token = session_token(&server, "alice").await;
    let response = principal_get(&server, "/v1/principal/grants", &token).await;
    assert_eq!(response.status, 200);
    let body = response.json();
    assert_eq!(body["principalId"], "alice");
    assert_eq!(body.as_object().unwrap().len(), 2);
    let grants = body["grants"].as_array().unwrap();
    let ids: Vec<&str> = grants
        .iter()
        .map(|g| g["grantId"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [second.as_str(), first.as_str()]);
    let g = &grants[0];
    assert_eq!(g["agentId"], agent.as_str());
    assert_eq!(g["agentName"], "Travel <bot>");
    assert_eq!(g["agentDescription"], "books & flies");
    assert_eq!(g["agentDid"], format!("did:grantex:{agent}"));
    assert_eq!(g["scopes"], json!(["read", "write"]));
    assert_eq!(g["status"], "active");
    assert_eq!(g["delegationDepth"], 1);
    assert_eq!(grants[1]["delegationDepth"], 0);
    assert!(g["issuedAt"].as_str().unwrap().ends_with('Z'));
    assert!(g["expiresAt"].as_str().unwrap().ends_with('Z'));
    assert_eq!(g.as_object().unwrap().len(), 10);

    // Paging.
    let page = principal_get(&server, "/v1/principal/grants?page=2&pageSize=1", &token)
        .await
        .json();
    assert_eq!(page["grants"].as_array().unwrap().len(), 1);
    assert_eq!(page["grants"][0]["grantId"], first.as_str());
    assert_eq!(
        (
            page["page"].clone(),
            page["pageSize"].clone(),
            page["total"].clone()
        ),
        (json!(2), json!(1), json!(2))
    );
    principal_get(&server, "/v1/principal/grants?pageSize=0", &token)
        .await
        .assert_error(400, "BAD_REQUEST");

    // The sandbox developer's session for alice only sees that developer's grant.
    let sandbox_session = create_session(&server, SANDBOX_KEY, r#"{"principalId":"alice"}"#)
        .await
        .json();
    let sandbox_list = principal_get(
        &server,
        "/v1/principal/grants",
        sandbox_session["sessionToken"].as_str().unwrap(),
    )
    .await
    .json();
    assert_eq!(sandbox_list["grants"].as_array().unwrap().len(), 1);
    assert_eq!(sandbox_list["grants"][0]["agentName"], "s");
}

#[tokio::test]
async fn principal_audit_lists_own_entries_newest_first() {
    let server = TestServer::start().await;
    setup(&server).await;
    let log = |principal: &'static str, i: usize, key: &'static str| {
        let text = json!({"agentId": "ag_1", "agentDid": "did:grantex:ag_1", "grantId": "grnt_1",
                          "principalId": principal, "action": format!("act{i}"), "metadata": {"i": i}})
        .to_string();
        let server = &server;
        async move {
            let response = server
                .call(Method::POST, "/v1/audit/log", Some(key), Some(&text))
                .await;
            assert_eq!(response.status, 201);
        }
    };
    for i in 0..103 {
        log("alice", i, LIVE_KEY).await;
    }
    log("bob", 1000, LIVE_KEY).await;
    log("alice", 2000, SANDBOX_KEY).await;
    let token = session_token(&server, "alice").await;
    let body = principal_get(&server, "/v1/principal/audit", &token)
        .await
        .json();
    let entries = body["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 100);
    assert_eq!(body["total"], 103);
    assert_eq!(body["page"], 1);
    assert_eq!(body["pageSize"], 100);
    assert_eq!(entries[0]["metadata"], json!({"i": 102}));
    assert_eq!(entries[99]["metadata"], json!({"i": 3}));
    let e = &entries[0];
    let keys: Vec<&str> = {
        let mut k: Vec<&str> = e.as_object().unwrap().keys().map(String::as_str).collect();
        k.sort_unstable();
        k
    };
    assert_eq!(
        keys,
        [
            "action",
            "agentDid",
            "agentId",
            "entryId",
            "grantId",
            "metadata",
            "principalId",
            "status",
            "timestamp"
        ]
    );
    assert_eq!(e["principalId"], "alice");
    let rest = principal_get(&server, "/v1/principal/audit?page=2&pageSize=100", &token)
        .await
        .json();
    let rest: Vec<&Value> = rest["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["metadata"]["i"])
        .collect();
    assert_eq!(rest, [&json!(2), &json!(1), &json!(0)]);
    let small = principal_get(&server, "/v1/principal/audit?pageSize=2", &token)
        .await
        .json();
    assert_eq!(small["entries"].as_array().unwrap().len(), 2);
    principal_get(&server, "/v1/principal/audit?page=abc", &token)
        .await
        .assert_error(400, "BAD_REQUEST");
}

#[tokio::test]
async fn principal_revocation_cascades() {
    let server = TestServer::start().await;
    let (dev, agent, root) = setup(&server).await;
    let (child, _) = insert_grant(
        &server,
        GrantSpec {
            parent: Some(&root),
            depth: 1,
            ..GrantSpec::new(&dev, &agent, "alice")
        },
    )
    .await;
    let (grandchild, _) = insert_grant(
        &server,
        GrantSpec {
            parent: Some(&child),
            depth: 2,
            ..GrantSpec::new(&dev, &agent, "alice")
        },
    )
    .await;
    let (sibling, _) = insert_grant(&server, GrantSpec::new(&dev, &agent, "alice")).await;
    let (bobs, _) = insert_grant(&server, GrantSpec::new(&dev, &agent, "bob")).await;
    let (expired, _) = insert_grant(
        &server,
        GrantSpec {
            expires_in_ms: -1,
            ..GrantSpec::new(&dev, &agent, "alice")
        },
    )
    .await;
    let token = session_token(&server, "alice").await;

    // Not this principal's live grant → 404; nothing changes.
    for id in [bobs.as_str(), expired.as_str(), "grnt_unknown"] {
        principal_delete(&server, &format!("/v1/principal/grants/{id}"), &token)
            .await
            .assert_error(404, "NOT_FOUND");
    }
    assert_eq!(grant_state(&server, &bobs).await, ("active".into(), 0));

    let response = principal_delete(&server, &format!("/v1/principal/grants/{root}"), &token).await;
    assert_eq!(response.status, 204);
    assert!(response.body.is_empty());
    for id in [&root, &child, &grandchild] {
        assert_eq!(
            grant_state(&server, id).await,
            ("revoked".into(), 1),
            "{id}"
        );
    }
    for id in [&sibling, &bobs] {
        assert_eq!(grant_state(&server, id).await, ("active".into(), 0), "{id}");
    }
    // Already revoked → 404; the list no longer shows them.
    principal_delete(&server, &format!("/v1/principal/grants/{root}"), &token)
        .await
        .assert_error(404, "NOT_FOUND");
    let list = principal_get(&server, "/v1/principal/grants", &token)
        .await
        .json();
    let ids: Vec<&str> = list["grants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["grantId"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [sibling.as_str()]);
    // The developer view agrees (stored status).
    let revoked_at: Option<i64> = sqlx::query_scalar("SELECT revoked_at FROM grants WHERE id = $1")
        .bind(&grandchild)
        .fetch_one(server.state.store.pool())
        .await
        .unwrap();
    assert!(revoked_at.is_some());

    // Revoking the last grant leaves the session usable (it lists nothing) …
    assert_eq!(
        principal_delete(&server, &format!("/v1/principal/grants/{sibling}"), &token)
            .await
            .status,
        204
    );
    assert_eq!(
        principal_get(&server, "/v1/principal/grants", &token)
            .await
            .json()["grants"],
        json!([])
    );
    // … but a new session needs a live grant.
    create_session(&server, LIVE_KEY, r#"{"principalId":"alice"}"#)
        .await
        .assert_error(404, "NOT_FOUND");
}

#[tokio::test]
async fn session_token_misuse_is_401() {
    let server = TestServer::start().await;
    let (dev, agent, grant) = setup(&server).await;
    let token = session_token(&server, "alice").await;
    let ring = server.state.keys.ring().await.unwrap();
    let now = grantex_server::time::now_s();
    let claims = SessionClaims {
        dev: dev.clone(),
        purpose: PURPOSE.into(),
        iss: PUBLIC_URL.into(),
        sub: "alice".into(),
        aud: audience(PUBLIC_URL),
        jti: "psn_crafted".into(),
        iat: now,
        exp: now + 600,
    };
    // A crafted token signed with the server's key but never issued (no stored session).
    let unissued = sign_session_token(ring.active(), &claims).unwrap();
    // Stored, but claims wrong in one way each.
    let mut variants = Vec::new();
    for (jti, claims) in [
        (
            "psn_expired",
            SessionClaims {
                iat: now - 1000,
                exp: now - 1,
                ..claims.clone()
            },
        ),
        (
            "psn_aud",
            SessionClaims {
                aud: format!("{PUBLIC_URL}/other"),
                ..claims.clone()
            },
        ),
        (
            "psn_iss",
            SessionClaims {
                iss: "https://evil.example".into(),
                aud: "https://evil.example/permissions".into(),
                ..claims.clone()
            },
        ),
        (
            "psn_purpose",
            SessionClaims {
                purpose: "something_else".into(),
                ..claims.clone()
            },
        ),
        (
            "psn_future",
            SessionClaims {
                iat: now + 3600,
                exp: now + 7200,
                ..claims.clone()
            },
        ),
        (
            "psn_sub",
            SessionClaims {
                sub: "mallory".into(),
                ..claims.clone()
            },
        ),
    ] {
        let claims = SessionClaims {
            jti: jti.into(),
            ..claims
        };
        server
            .state
            .store
            .insert_principal_session(
                &grantex_server::store::principal_sessions::PrincipalSessionRow {
                    jti: jti.into(),
                    developer_id: dev.clone(),
                    principal_id: "alice".into(),
                    created_at: 0,
                    expires_at: i64::try_from(claims.exp * 1000).unwrap(),
                    revoked_at: None,
                },
            )
            .await
            .unwrap();
        variants.push(sign_session_token(ring.active(), &claims).unwrap());
    }
    // Correct claims and stored, but signed with a key that is not in the ring.
    let foreign_key = grantex_server::keys::SigningKey::generate().unwrap();
    let foreign = sign_session_token(
        &foreign_key,
        &SessionClaims {
            jti: "psn_sub".into(),
            sub: "alice".into(),
            ..claims.clone()
        },
    )
    .unwrap();
    // A grant token signed by the server (no typ, grant claims).
    let grant_token = grantex_server::keys::sign_grant_token(
        ring.active(),
        &grantex_server::keys::GrantClaims {
            agt: format!("did:grantex:{agent}"),
            dev: dev.clone(),
            scp: vec!["read".into()],
            grnt: Some(grant.clone()),
            parent_agt: None,
            parent_grnt: None,
            delegation_depth: None,
            bdg: None,
            iss: PUBLIC_URL.into(),
            sub: "alice".into(),
            jti: "tok_x".into(),
            iat: now,
            exp: now + 600,
            aud: None,
        },
    )
    .unwrap();
    // Tampered payload (signature no longer matches).
    let parts: Vec<&str> = token.split('.').collect();
    let mut payload = decode_part(parts[1]);
    payload["sub"] = json!("bob");
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(payload.to_string()),
        parts[2]
    );
    // `alg: none`.
    let none = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"grantex-session+jwt"}"#),
        parts[1]
    );

    let mut bad: Vec<String> = vec![
        unissued,
        foreign,
        grant_token,
        tampered,
        none,
        LIVE_KEY.into(),
        "not.a.jwt".into(),
        format!("{token}x"),
    ];
    bad.extend(variants);
    for (i, credential) in bad.iter().enumerate() {
        for path in ["/v1/principal/grants", "/v1/principal/audit"] {
            let response = principal_get(&server, path, credential).await;
            assert_eq!(response.status, 401, "case {i} {path}");
            response.assert_error(401, "UNAUTHORIZED");
        }
        principal_delete(
            &server,
            &format!("/v1/principal/grants/{grant}"),
            credential,
        )
        .await
        .assert_error(401, "UNAUTHORIZED");
    }
    // Missing or malformed Authorization headers.
    server
        .get("/v1/principal/grants", None)
        .await
        .assert_error(401, "UNAUTHORIZED");
    for header in [
        token.clone(),
        format!("Basic {token}"),
        format!("Bearer{token}"),
        "Bearer ".into(),
    ] {
        let request = Request::builder()
            .uri("/v1/principal/grants")
            .header("authorization", header)
            .body(Body::empty())
            .unwrap();
        server.send(request).await.assert_error(401, "UNAUTHORIZED");
    }
    // A session token is not an API key.
    for (method, path) in [
        (Method::GET, "/v1/agents"),
        (Method::GET, "/v1/audit/entries"),
        (Method::POST, "/v1/principal-sessions"),
    ] {
        server
            .call(
                method,
                path,
                Some(&token),
                Some(r#"{"principalId":"alice"}"#),
            )
            .await
            .assert_error(401, "UNAUTHORIZED");
    }
    // Nothing was revoked by any of that; the real token still works.
    assert_eq!(grant_state(&server, &grant).await.0, "active");
    assert_eq!(
        principal_get(&server, "/v1/principal/grants", &token)
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn sessions_can_be_revoked_by_the_developer() {
    let server = TestServer::start().await;
    setup(&server).await;
    let created = create_session(&server, LIVE_KEY, r#"{"principalId":"alice"}"#)
        .await
        .json();
    let token = created["sessionToken"].as_str().unwrap();
    let jti = created["sessionId"].as_str().unwrap();
    let other = session_token(&server, "alice").await;
    let path = format!("/v1/principal-sessions/{jti}");
    // Another developer cannot revoke it; unknown ids are 404; no key is 401.
    server
        .call(Method::DELETE, &path, Some(SANDBOX_KEY), None)
        .await
        .assert_error(404, "NOT_FOUND");
    server
        .call(
            Method::DELETE,
            "/v1/principal-sessions/psn_unknown",
            Some(LIVE_KEY),
            None,
        )
        .await
        .assert_error(404, "NOT_FOUND");
    server
        .call(Method::DELETE, &path, None, None)
        .await
        .assert_error(401, "UNAUTHORIZED");
    assert_eq!(
        principal_get(&server, "/v1/principal/grants", token)
            .await
            .status,
        200
    );

    let response = server
        .call(Method::DELETE, &path, Some(LIVE_KEY), None)
        .await;
    assert_eq!(response.status, 204);
    assert!(response.body.is_empty());
    principal_get(&server, "/v1/principal/grants", token)
        .await
        .assert_error(401, "UNAUTHORIZED");
    principal_get(&server, "/v1/principal/audit", token)
        .await
        .assert_error(401, "UNAUTHORIZED");
    // Already revoked → 404; other sessions are unaffected.
    server
        .call(Method::DELETE, &path, Some(LIVE_KEY), None)
        .await
        .assert_error(404, "NOT_FOUND");
    assert_eq!(
        principal_get(&server, "/v1/principal/grants", &other)
            .await
            .status,
        200
    );
    // Sessions survive a restart (persisted) and keep working after key rotation while the old key is
    // published.
    let server = server.restart().await;
    assert_eq!(
        principal_get(&server, "/v1/principal/grants", &other)
            .await
            .status,
        200
    );
    grantex_server::keys::rotate(&server.state.store, 86_400_000)
        .await
        .unwrap();
    server.state.keys.reload().await.unwrap();
    assert_eq!(
        principal_get(&server, "/v1/principal/grants", &other)
            .await
            .status,
        200
    );
    let fresh = session_token(&server, "alice").await;
    assert_eq!(
        principal_get(&server, "/v1/principal/grants", &fresh)
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn permissions_page_is_static_with_a_strict_csp() {
    let server = TestServer::start().await;
    let response = server
        .get(
            "/permissions?session=%3Cscript%3Ealert(1)%3C/script%3E&x=%22%3E%3Cimg",
            None,
        )
        .await;
    assert_eq!(response.status, 200);
    assert!(
        response
            .header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
    let html = String::from_utf8(response.body.clone()).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(!html.contains("alert(1)") && !html.contains("<img"));
    // No server-side interpolation: the page is identical whatever the request.
    let plain = server.get("/permissions", None).await;
    assert_eq!(plain.body, response.body);
    // The script reads the fragment (and ?session=), calls the principal API and never uses innerHTML.
    for needle in [
        "location.hash",
        "session=",
        "/v1/principal/grants",
        "/v1/principal/audit",
        "'DELETE'",
        "textContent",
        "replaceState",
    ] {
        assert!(html.contains(needle), "{needle}");
    }
    assert!(!html.contains("innerHTML") && !html.contains("document.write"));
    let csp = response.header("content-security-policy").unwrap();
    assert!(
        csp.starts_with("default-src 'none'; script-src 'sha256-"),
        "{csp}"
    );
    for part in [
        "connect-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'none'",
    ] {
        assert!(csp.contains(part), "{csp}");
    }
    assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"));
    // The hash in the CSP is the hash of the inline script.
    let script = html
        .split("<script>")
        .nth(1)
        .unwrap()
        .split("</script>")
        .next()
        .unwrap();
    use sha2::Digest as _;
    let digest =
        base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(script.as_bytes()));
    assert!(
        csp.contains(&format!("script-src 'sha256-{digest}'")),
        "{csp}"
    );
    let style = html
        .split("<style>")
        .nth(1)
        .unwrap()
        .split("</style>")
        .next()
        .unwrap();
    let digest =
        base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(style.as_bytes()));
    assert!(
        csp.contains(&format!("style-src 'sha256-{digest}'")),
        "{csp}"
    );
    assert_eq!(response.header("x-frame-options"), Some("DENY"));
    assert_eq!(response.header("referrer-policy"), Some("no-referrer"));
    assert_eq!(response.header("cache-control"), Some("no-store"));
    assert!(response.header("x-ratelimit-limit").is_none());
}

async fn post_json(server: &TestServer, path: &str, key: &str, body: Value, status: u16) -> Value {
    let response = server
        .call(Method::POST, path, Some(key), Some(&body.to_string()))
        .await;
    assert_eq!(
        response.status.as_u16(),
        status,
        "{path}: {}",
        String::from_utf8_lossy(&response.body)
    );
    if response.body.is_empty() {
        Value::Null
    } else {
        response.json()
    }
}

/// The whole flow through the public API: sandbox authorize → token → delegate → principal session →
/// dashboard lists both grants and the principal's audit entry → the principal revokes the root → both
/// tokens verify `valid:false` online; the real grant token is not a session.
#[tokio::test]
async fn end_to_end_with_issued_grants() {
    let server = TestServer::start().await;
    let agent = server
        .create_agent(SANDBOX_KEY, r#"{"name":"e2e","scopes":["read","write"]}"#)
        .await;
    let agent_id = agent["agentId"].as_str().unwrap();
    let authorized = post_json(
        &server,
        "/v1/authorize",
        SANDBOX_KEY,
        json!({"agentId": agent_id, "principalId": "erin", "scopes": ["read", "write"]}),
        201,
    )
    .await;
    let code = authorized["code"].as_str().unwrap();
    let root = post_json(
        &server,
        "/v1/token",
        SANDBOX_KEY,
        json!({"code": code, "agentId": agent_id}),
        201,
    )
    .await;
    let root_token = root["grantToken"].as_str().unwrap();
    let root_id = root["grantId"].as_str().unwrap();
    let child = post_json(
        &server,
        "/v1/grants/delegate",
        SANDBOX_KEY,
        json!({"parentGrantToken": root_token, "subAgentId": agent_id, "scopes": ["read"]}),
        201,
    )
    .await;
    let child_token = child["grantToken"].as_str().unwrap();
    let logged = post_json(
        &server,
        "/v1/audit/log",
        SANDBOX_KEY,
        json!({"agentId": agent_id, "agentDid": agent["did"], "grantId": root_id, "principalId": "erin",
               "action": "calendar.read", "metadata": {"ok": true}}),
        201,
    )
    .await;

    // The real grant token is refused as a session token.
    principal_get(&server, "/v1/principal/grants", root_token)
        .await
        .assert_error(401, "UNAUTHORIZED");

    let session = post_json(
        &server,
        "/v1/principal-sessions",
        SANDBOX_KEY,
        json!({"principalId": "erin", "expiresIn": "15m"}),
        201,
    )
    .await;
    assert!(
        session["dashboardUrl"]
            .as_str()
            .unwrap()
            .contains("/permissions#session=")
    );
    let token = session["sessionToken"].as_str().unwrap();
    let list = principal_get(&server, "/v1/principal/grants", token)
        .await
        .json();
    assert_eq!(list["principalId"], "erin");
    let grants = list["grants"].as_array().unwrap();
    assert_eq!(grants.len(), 2);
    assert_eq!(grants[0]["grantId"], child["grantId"]);
    assert_eq!(grants[0]["delegationDepth"], 1);
    assert_eq!(grants[0]["scopes"], json!(["read"]));
    assert_eq!(grants[1]["grantId"], root_id);
    assert_eq!(grants[1]["delegationDepth"], 0);
    assert_eq!(grants[1]["agentName"], "e2e");
    assert_eq!(grants[1]["agentDid"], agent["did"]);
    let audit = principal_get(&server, "/v1/principal/audit", token)
        .await
        .json();
    assert_eq!(audit["entries"].as_array().unwrap().len(), 1);
    assert_eq!(audit["entries"][0]["entryId"], logged["entryId"]);
    assert_eq!(audit["entries"][0]["metadata"], json!({"ok": true}));

    for t in [root_token, child_token] {
        let verified = post_json(
            &server,
            "/v1/tokens/verify",
            SANDBOX_KEY,
            json!({"token": t}),
            200,
        )
        .await;
        assert_eq!(verified["valid"], true);
    }
    let response =
        principal_delete(&server, &format!("/v1/principal/grants/{root_id}"), token).await;
    assert_eq!(response.status, 204);
    for t in [root_token, child_token] {
        let verified = post_json(
            &server,
            "/v1/tokens/verify",
            SANDBOX_KEY,
            json!({"token": t}),
            200,
        )
        .await;
        assert_eq!(verified["valid"], false);
    }
    let developer_view = server
        .get(
            &format!("/v1/grants/{}", child["grantId"].as_str().unwrap()),
            Some(SANDBOX_KEY),
        )
        .await
        .json();
    assert_eq!(developer_view["status"], "revoked");
    assert_eq!(
        principal_get(&server, "/v1/principal/grants", token)
            .await
            .json()["grants"],
        json!([])
    );
}
