#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]
//! The key ring and the grant-token signer: §3.3 byte layout, verification with the core against the served
//! JWKS, rotation, key import (PKCS#8, PKCS#1, JWK), production-mode refusal, persistence across restarts.

mod common;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use common::{LIVE_KEY, PUBLIC_URL, TestServer, fresh_database, serve_args};
use grantex_core::grant::{AudiencePolicy, IssuerPolicy, VerifyOptions, verify_grant_token};
use grantex_core::jwk::KeySet;
use grantex_server::keys::{self, GrantClaims, SigningKey, budget_number, sign_grant_token};

fn claims(jti: &str, now: u64) -> GrantClaims {
    GrantClaims {
        agt: "did:grantex:ag_01J0000000000000000000000A".into(),
        dev: "dev_01J0000000000000000000000D".into(),
        scp: vec!["calendar:read".into(), "payments:initiate:max_500".into()],
        grnt: Some("grnt_01J0000000000000000000000G".into()),
        parent_agt: None,
        parent_grnt: None,
        delegation_depth: None,
        bdg: None,
        iss: PUBLIC_URL.into(),
        sub: "user_abc123".into(),
        jti: jti.into(),
        iat: now,
        exp: now + 3600,
        aud: Some("https://api.targetservice.com".into()),
    }
}

fn segment(token: &str, index: usize) -> String {
    let part = token.split('.').nth(index).unwrap();
    String::from_utf8(URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

async fn served_keyset(server: &TestServer) -> KeySet {
    let response = server.get("/.well-known/jwks.json", None).await;
    assert_eq!(response.status, 200);
    KeySet::from_jwks_json(std::str::from_utf8(&response.body).unwrap()).unwrap()
}

fn verify(keys: &KeySet, token: &str, now: u64) -> grantex_core::grant::VerifiedGrant {
    let mut options = VerifyOptions::new(IssuerPolicy::Expect(PUBLIC_URL.into()), now);
    options.audience = AudiencePolicy::Any;
    verify_grant_token(keys, token, &options).unwrap()
}

#[tokio::test]
async fn signed_tokens_have_the_exact_layout_and_verify_against_the_served_jwks() {
    let server = TestServer::start().await;
    let ring = server.state.keys.ring().await.unwrap();
    let key = ring.active();
    let now = grantex_server::time::now_s();
    let token = sign_grant_token(key, &claims("tok_01J0000000000000000000000T", now)).unwrap();
    assert!(!token.contains('='));
    assert_eq!(
        segment(&token, 0),
        format!(r#"{{"alg":"RS256","kid":"{}"}}"#, key.kid())
    );
    assert_eq!(
        segment(&token, 1),
        format!(
            concat!(
                r#"{{"agt":"did:grantex:ag_01J0000000000000000000000A","dev":"dev_01J0000000000000000000000D","#,
                r#""scp":["calendar:read","payments:initiate:max_500"],"grnt":"grnt_01J0000000000000000000000G","#,
                r#""iss":"http://localhost:3001","sub":"user_abc123","jti":"tok_01J0000000000000000000000T","#,
                r#""iat":{},"exp":{},"aud":"https://api.targetservice.com"}}"#
            ),
            now,
            now + 3600
        )
    );
    // RS256 is deterministic.
    assert_eq!(
        token,
        sign_grant_token(key, &claims("tok_01J0000000000000000000000T", now)).unwrap()
    );
    let verified = verify(&served_keyset(&server).await, &token, now);
    assert_eq!(verified.token_id, "tok_01J0000000000000000000000T");
    assert_eq!(verified.grant_id, "grnt_01J0000000000000000000000G");
    assert_eq!(verified.principal_id, "user_abc123");
    assert_eq!(verified.scopes.len(), 2);
}

#[tokio::test]
async fn delegated_and_budget_claims_keep_the_order() {
    let key = SigningKey::generate().unwrap();
    let mut c = claims("tok_X", 1_767_225_600);
    c.parent_agt = Some("did:grantex:ag_P".into());
    c.parent_grnt = Some("grnt_P".into());
    c.delegation_depth = Some(2);
    c.bdg = budget_number(42.5);
    c.aud = None;
    let token = sign_grant_token(&key, &c).unwrap();
    assert_eq!(
        segment(&token, 1),
        concat!(
            r#"{"agt":"did:grantex:ag_01J0000000000000000000000A","dev":"dev_01J0000000000000000000000D","#,
            r#""scp":["calendar:read","payments:initiate:max_500"],"grnt":"grnt_01J0000000000000000000000G","#,
            r#""parentAgt":"did:grantex:ag_P","parentGrnt":"grnt_P","delegationDepth":2,"bdg":42.5,"#,
            r#""iss":"http://localhost:3001","sub":"user_abc123","jti":"tok_X","iat":1767225600,"exp":1767229200}"#
        )
    );
    c.bdg = budget_number(100.0);
    let token = sign_grant_token(&key, &c).unwrap();
    assert!(segment(&token, 1).contains(r#""bdg":100,"#));
}

#[tokio::test]
async fn rotation_keeps_the_old_kid_published_and_signs_with_the_new_one() {
    let server = TestServer::start().await;
    let now = grantex_server::time::now_s();
    let old_ring = server.state.keys.ring().await.unwrap();
    let old_kid = old_ring.active().kid().to_owned();
    let old_token = sign_grant_token(old_ring.active(), &claims("tok_old", now)).unwrap();
    let old_etag = server
        .get("/.well-known/jwks.json", None)
        .await
        .header("etag")
        .unwrap()
        .to_owned();

    let new_kid = keys::rotate(&server.state.store, 30 * 86_400 * 1000)
        .await
        .unwrap();
    assert_ne!(new_kid, old_kid);
    let ring = server.state.keys.reload().await.unwrap();
    assert_eq!(ring.active().kid(), new_kid);
    let states: Vec<(&str, &str)> = ring
        .published()
        .iter()
        .map(|k| (k.kid.as_str(), k.state.as_str()))
        .collect();
    assert_eq!(
        states,
        [(new_kid.as_str(), "active"), (old_kid.as_str(), "retiring")]
    );

    let response = server.get("/.well-known/jwks.json", None).await;
    assert_ne!(response.header("etag").unwrap(), old_etag);
    let jwks = response.json();
    let kids: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    assert_eq!(kids, [new_kid.as_str(), old_kid.as_str()]);

    let new_token = sign_grant_token(ring.active(), &claims("tok_new", now)).unwrap();
    assert!(segment(&new_token, 0).contains(&new_kid));
    let keyset = served_keyset(&server).await;
    assert_eq!(verify(&keyset, &old_token, now).token_id, "tok_old");
    assert_eq!(verify(&keyset, &new_token, now).token_id, "tok_new");

    // Once its last token can have expired, a retiring key is dropped from the JWKS.
    let newest = keys::rotate(&server.state.store, 0).await.unwrap();
    let ring = server.state.keys.reload().await.unwrap();
    let kids: Vec<&str> = ring.published().iter().map(|k| k.kid.as_str()).collect();
    assert_eq!(kids, [newest.as_str(), old_kid.as_str()]);
    let keyset = served_keyset(&server).await;
    assert!(
        keyset
            .keys()
            .iter()
            .all(|k| k.kid.as_deref() != Some(new_kid.as_str()))
    );
    // The old key still verifies: it retires 30 days from the first rotation.
    assert_eq!(verify(&keyset, &old_token, now).token_id, "tok_old");
}

#[tokio::test]
async fn restart_keeps_the_key_and_the_data() {
    let server = TestServer::start().await;
    let kid = server
        .state
        .keys
        .ring()
        .await
        .unwrap()
        .active()
        .kid()
        .to_owned();
    let agent = server
        .create_agent(LIVE_KEY, r#"{"name":"persistent"}"#)
        .await;
    let now = grantex_server::time::now_s();
    let token = sign_grant_token(
        server.state.keys.ring().await.unwrap().active(),
        &claims("tok_p", now),
    )
    .unwrap();

    let server = server.restart().await;
    assert_eq!(server.state.keys.ring().await.unwrap().active().kid(), kid);
    let path = format!("/v1/agents/{}", agent["agentId"].as_str().unwrap());
    assert_eq!(server.get(&path, Some(LIVE_KEY)).await.json(), agent);
    // The seeded developers were not duplicated: same developer id.
    let again = server.create_agent(LIVE_KEY, r#"{"name":"second"}"#).await;
    assert_eq!(again["developerId"], agent["developerId"]);
    assert_eq!(
        verify(&served_keyset(&server).await, &token, now).token_id,
        "tok_p"
    );
}

/// Minimal DER reading for the test: (tag, content, rest).
fn der(input: &[u8]) -> (u8, &[u8], &[u8]) {
    let tag = input[0];
    let (len, header) = if input[1] & 0x80 == 0 {
        (usize::from(input[1]), 2)
    } else {
        let n = usize::from(input[1] & 0x7f);
        let mut len = 0usize;
        for b in &input[2..2 + n] {
            len = (len << 8) | usize::from(*b);
        }
        (len, 2 + n)
    };
    (tag, &input[header..header + len], &input[header + len..])
}

fn pem(label: &str, der: &[u8]) -> String {
    let b64 = STANDARD.encode(der);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        lines.join("\n")
    )
}

/// PKCS#1 DER and the private JWK of a PKCS#8 PEM.
fn pkcs1_and_jwk(pkcs8_pem: &str) -> (Vec<u8>, String) {
    let body: String = pkcs8_pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    let pkcs8 = STANDARD.decode(body).unwrap();
    let (_, info, _) = der(&pkcs8);
    let (_, _version, rest) = der(info);
    let (_, _algorithm, rest) = der(rest);
    let (tag, pkcs1, _) = der(rest);
    assert_eq!(tag, 0x04);
    let (_, mut fields, _) = der(pkcs1);
    let mut ints = Vec::new();
    while !fields.is_empty() {
        let (_, value, rest) = der(fields);
        let trimmed: Vec<u8> = match value.iter().position(|b| *b != 0) {
            Some(i) => value[i..].to_vec(),
            None => vec![0],
        };
        ints.push(URL_SAFE_NO_PAD.encode(trimmed));
        fields = rest;
    }
    let jwk = serde_json::json!({
        "kty": "RSA", "n": ints[1], "e": ints[2], "d": ints[3], "p": ints[4], "q": ints[5],
        "dp": ints[6], "dq": ints[7], "qi": ints[8],
    });
    (pkcs1.to_vec(), jwk.to_string())
}

#[test]
fn key_import_formats_give_the_same_kid() {
    let key = SigningKey::generate().unwrap();
    let pkcs8 = key.pkcs8_pem();
    let (pkcs1, jwk) = pkcs1_and_jwk(&pkcs8);
    let from_pkcs8 = SigningKey::from_key_text(&pkcs8).unwrap();
    let from_pkcs1 = SigningKey::from_key_text(&pem("RSA PRIVATE KEY", &pkcs1)).unwrap();
    let from_jwk = SigningKey::from_key_text(&jwk).unwrap();
    let escaped = pkcs8.replace('\n', "\\n");
    let from_escaped = SigningKey::from_key_text(&escaped).unwrap();
    for k in [&from_pkcs8, &from_pkcs1, &from_jwk, &from_escaped] {
        assert_eq!(k.kid(), key.kid());
        assert_eq!(k.public_jwk(), key.public_jwk());
    }
    let message = b"signing input";
    assert_eq!(
        from_pkcs1.sign(message).unwrap(),
        key.sign(message).unwrap()
    );
    for bad in [
        "",
        "not a key",
        "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
        "-----BEGIN PRIVATE KEY-----\n!!!\n-----END PRIVATE KEY-----\n",
        r#"{"kty":"EC"}"#,
        r#"{"kty":"RSA","n":"AQAB","e":"AQAB"}"#,
    ] {
        assert!(SigningKey::from_key_text(bad).is_err(), "{bad}");
    }
}

#[tokio::test]
async fn production_mode_requires_a_configured_key() {
    let (dir, url) = fresh_database().await;
    let mut args = serve_args(dir.clone(), url.clone());
    args.dev = false;
    let error = grantex_server::serve::prepare(&args).await.unwrap_err();
    assert!(error.contains("--signing-key-file"), "{error}");

    // A configured key file (PKCS#1 here) becomes the active key; the same file again changes nothing.
    let key = SigningKey::generate().unwrap();
    let (pkcs1, _) = pkcs1_and_jwk(&key.pkcs8_pem());
    let file = dir.join("signing-key.pem");
    std::fs::write(&file, pem("RSA PRIVATE KEY", &pkcs1)).unwrap();
    args.signing_key_file = Some(file.clone());
    let server = TestServer::start_with(args.clone()).await;
    assert_eq!(
        server.state.keys.ring().await.unwrap().active().kid(),
        key.kid()
    );
    // No developers are seeded in production.
    server
        .get("/v1/agents", Some(LIVE_KEY))
        .await
        .assert_error(401, "UNAUTHORIZED");
    let server = server.restart().await;
    assert_eq!(server.state.keys.ring().await.unwrap().published().len(), 1);

    // Without the file, the stored ring is enough.
    let mut without = args.clone();
    without.signing_key_file = None;
    let server = TestServer::start_with(without).await;
    assert_eq!(
        server.state.keys.ring().await.unwrap().active().kid(),
        key.kid()
    );

    // A different configured key takes over; the previous one is retiring.
    let replacement = SigningKey::generate().unwrap();
    std::fs::write(&file, replacement.pkcs8_pem()).unwrap();
    server.state.store.close().await;
    let server = TestServer::start_with(args).await;
    let ring = server.state.keys.ring().await.unwrap();
    assert_eq!(ring.active().kid(), replacement.kid());
    let states: Vec<(&str, &str)> = ring
        .published()
        .iter()
        .map(|k| (k.kid.as_str(), k.state.as_str()))
        .collect();
    assert_eq!(
        states,
        [(replacement.kid(), "active"), (key.kid(), "retiring")]
    );
}
