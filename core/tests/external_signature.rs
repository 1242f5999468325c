//! The two-step path for signatures verified outside the core (WebCrypto in the JS package) reaches the
//! same verdict and error code as `verify_grant_token` on every grant-token vector.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use grantex_core::api::VerifyOptionsJson;
use grantex_core::crypto::Backend;
use grantex_core::grant::{
    begin_external_signature_check, complete_external_signature_check, verify_grant_token,
};
use grantex_core::jwk::KeySet;
use grantex_core::{Result, jws};
use serde_json::Value;

/// The caller's side: verify the handed-over signature with a key found by thumbprint, as a JS runtime would
/// after importing the JWK into WebCrypto.
fn external_verdict(
    keys: &KeySet,
    token: &str,
    options: &grantex_core::grant::VerifyOptions,
) -> Result<bool> {
    let check = begin_external_signature_check(keys, token, options)?;
    let parts = jws::split(token, options.max_token_bytes)?;
    let header = jws::decode_header(parts.header, &options.algorithms)?;
    assert_eq!(
        keys.select_thumbprint(header.alg, header.kid.as_deref())?,
        check.key_thumbprint
    );
    let key = keys.select(check.alg, header.kid.as_deref())?;
    Ok(key
        .verify(check.alg, check.signing_input.as_bytes(), &check.signature)
        .is_ok())
}

#[test]
fn two_step_matches_one_step_on_every_vector() {
    let path = format!(
        "{}/../tests/vectors/grant-tokens.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut compared = 0;
    for case in doc["cases"].as_array().unwrap() {
        let Ok(options) = serde_json::from_value::<VerifyOptionsJson>(case["options"].clone())
        else {
            continue;
        };
        let Ok(options) = options.into_options() else {
            continue;
        };
        let jwks = doc["keySets"][case["keySet"].as_str().unwrap()].to_string();
        let keys = KeySet::from_jwks_json_with_backend(&jwks, Backend::DEFAULT).unwrap();
        let token = case["token"].as_str().unwrap();
        let one_step = verify_grant_token(&keys, token, &options);
        let two_step = external_verdict(&keys, token, &options)
            .and_then(|valid| complete_external_signature_check(&keys, token, &options, valid));
        match (&one_step, &two_step) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "{}", case["name"]),
            (Err(a), Err(b)) => assert_eq!(a.code, b.code, "{}", case["name"]),
            _ => panic!("{}: {one_step:?} vs {two_step:?}", case["name"]),
        }
        compared += 1;
    }
    println!("external-signature path: {compared} cases agree with verify_grant_token");
    assert!(compared > 200);
}
