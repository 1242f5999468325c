//! Offline revocation of grant tokens through the `status` claim (IMPROVEMENTS.md item 6).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]
#![cfg(not(target_arch = "wasm32"))]

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use base64::Engine as _;
use grantex_core::grant::{
    IssuerPolicy, VerifyOptions, verify_grant_token, verify_grant_token_with_status,
};
use grantex_core::jwk::KeySet;
use grantex_core::status::{StatusListCache, TokenStatusList};
use grantex_core::{ErrorCode, b64};

const UPSTREAM: &str = include_str!("../../tests/vectors/upstream/grant-tokens.json");
const LIST_URI: &str = "https://grantex.dev/v1/grants/status/1";
const NOW: u64 = 1_767_225_660;

fn upstream() -> serde_json::Value {
    serde_json::from_str(UPSTREAM).unwrap()
}

fn sign(payload: &serde_json::Value) -> String {
    let pem = upstream()["privateKeyPkcs8"].as_str().unwrap().to_owned();
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(body)
        .unwrap();
    let key = RsaKeyPair::from_pkcs8(&der).unwrap();
    let header = b64::encode(br#"{"alg":"RS256","kid":"grantex-2026-02"}"#);
    let input = format!("{header}.{}", b64::encode(payload.to_string().as_bytes()));
    let mut sig = vec![0u8; key.public_modulus_len()];
    key.sign(
        &RSA_PKCS1_SHA256,
        &SystemRandom::new(),
        input.as_bytes(),
        &mut sig,
    )
    .unwrap();
    format!("{input}.{}", b64::encode(&sig))
}

fn token_with_status(status: serde_json::Value) -> String {
    sign(&serde_json::json!({
        "agt": "did:grantex:ag_01J0000000000000000000000A", "dev": "dev_01J0000000000000000000000D",
        "scp": ["calendar:read"], "grnt": "grnt_01J0000000000000000000000G", "iss": "https://grantex.dev",
        "sub": "user_abc123", "jti": "tok_01J0000000000000000000000T", "iat": 1_767_225_600u64,
        "exp": 1_767_312_000u64, "status": status
    }))
}

fn setup() -> (KeySet, VerifyOptions) {
    let keys = KeySet::from_jwks_json(&upstream()["jwks"].to_string()).unwrap();
    (
        keys,
        VerifyOptions::new(IssuerPolicy::Expect("https://grantex.dev".into()), NOW),
    )
}

fn cache_with(revoked: &[(u64, u8)], fetched_at: i64) -> StatusListCache {
    let mut list = TokenStatusList::new(1024, 2).unwrap();
    for (idx, value) in revoked {
        list.set(*idx, *value).unwrap();
    }
    let mut cache = StatusListCache::new();
    cache.insert(LIST_URI, list, fetched_at);
    cache
}

#[test]
fn status_bit_decides() {
    let (keys, options) = setup();
    let token = token_with_status(serde_json::json!({"status_list": {"idx": 7, "uri": LIST_URI}}));
    let grant = verify_grant_token(&keys, &token, &options).unwrap();
    assert_eq!(grant.status.as_ref().unwrap().idx, 7);

    let fresh = NOW as i64 - 10;
    assert!(
        verify_grant_token_with_status(&keys, &token, &options, &cache_with(&[(6, 1)], fresh))
            .is_ok()
    );
    let revoked =
        verify_grant_token_with_status(&keys, &token, &options, &cache_with(&[(7, 1)], fresh));
    assert_eq!(revoked.unwrap_err().code, ErrorCode::Revoked);
    let suspended =
        verify_grant_token_with_status(&keys, &token, &options, &cache_with(&[(7, 2)], fresh));
    assert_eq!(suspended.unwrap_err().code, ErrorCode::Revoked);
}

#[test]
fn missing_or_stale_list_fails_closed() {
    let (keys, options) = setup();
    let token = token_with_status(serde_json::json!({"status_list": {"idx": 7, "uri": LIST_URI}}));
    let empty = StatusListCache::new();
    let err = verify_grant_token_with_status(&keys, &token, &options, &empty).unwrap_err();
    assert_eq!(err.code, ErrorCode::StatusUnavailable);
    let stale = cache_with(&[], NOW as i64 - 300);
    let err = verify_grant_token_with_status(&keys, &token, &options, &stale).unwrap_err();
    assert_eq!(err.code, ErrorCode::StatusUnavailable);
}

#[test]
fn malformed_status_claims_are_invalid() {
    let (keys, options) = setup();
    for status in [
        serde_json::json!("revoked"),
        serde_json::json!({"other": {}}),
        serde_json::json!({"status_list": {"idx": -1, "uri": LIST_URI}}),
        serde_json::json!({"status_list": {"idx": 1}}),
    ] {
        let err =
            verify_grant_token(&keys, &token_with_status(status.clone()), &options).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidClaim, "{status}");
    }
}

#[test]
fn tokens_without_status_need_no_list() {
    let (keys, mut options) = setup();
    options.audience = grantex_core::grant::AudiencePolicy::Any;
    let token = upstream()["rootGrantToken"].as_str().unwrap().to_owned();
    let grant =
        verify_grant_token_with_status(&keys, &token, &options, &StatusListCache::new()).unwrap();
    assert!(grant.status.is_none());
}
