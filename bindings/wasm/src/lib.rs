//! `grantex-wasm`: the wasm-bindgen layer between JavaScript and `grantex-core`.
//!
//! This crate converts values and maps errors, nothing else: every rule lives in `grantex_core::api` and
//! the modules it re-exports. The npm package `@grantex/core` (`packages/js`) wraps these exports in its
//! public API (`verifyGrantToken`, `createVerifier`, …); its JS layer adds only I/O (JWKS fetch and cache)
//! and, optionally, the RS256 signature check through WebCrypto.
//!
//! Two kinds of export:
//!
//! * [`Verifier`] — a JWKS parsed once; `verify(token, optionsJson)` returns the `VerifiedGrant` as a JS
//!   object or throws a JS `Error` whose `code` property is the core's stable error code.
//! * `*Json` functions — the JSON call/answer contract of `grantex_core::api` verbatim: JSON text in, JSON
//!   text out (`{"ok":true,"value":…}` / `{"ok":false,"error":{"code","message"}}`). They never throw.

use grantex_core::api;
use grantex_core::error::{Error, ErrorCode};
use grantex_core::grant;
use grantex_core::jwk::KeySet;
use wasm_bindgen::prelude::*;

/// A JS `Error` with the core's message and a `code` property (`"INVALID_SIGNATURE"`, …).
fn js_error(error: &Error) -> JsValue {
    let js = js_sys::Error::new(&error.message);
    // Setting a property on a fresh Error object cannot fail; if it ever did, the Error still carries the
    // message and the JS wrapper maps a missing code to INTERNAL.
    let _ = js_sys::Reflect::set(
        &js,
        &JsValue::from_str("code"),
        &JsValue::from_str(error.code.as_str()),
    );
    js.into()
}

fn to_js<T: serde::Serialize>(value: &T) -> Result<JsValue, JsValue> {
    let text = serde_json::to_string(value).map_err(|e| {
        js_error(&Error::new(
            ErrorCode::Internal,
            format!("could not serialize the result: {e}"),
        ))
    })?;
    js_sys::JSON::parse(&text)
}

/// A parsed JWKS with its keys handed to the crypto backend once; verifies grant tokens synchronously.
#[wasm_bindgen]
pub struct Verifier {
    keys: KeySet,
}

#[wasm_bindgen]
impl Verifier {
    /// Parses a JWKS document given as JSON text; throws an `Error` with `code` `INVALID_JWKS`.
    #[wasm_bindgen(constructor)]
    pub fn new(jwks_json: &str) -> Result<Verifier, JsValue> {
        KeySet::from_jwks_json(jwks_json)
            .map(|keys| Verifier { keys })
            .map_err(|e| js_error(&e))
    }

    /// Verifies a grant token under options given as the core's JSON options (`VerifyOptionsJson`, `now`
    /// required); returns the `VerifiedGrant` object or throws an `Error` with `code`.
    pub fn verify(&self, token: &str, options_json: &str) -> Result<JsValue, JsValue> {
        let grant = api::parse_verify_options(options_json)
            .and_then(|options| api::verify_grant_token(&self.keys, token, &options))
            .map_err(|e| js_error(&e))?;
        to_js(&grant)
    }

    /// First half of a verification whose signature the caller checks (WebCrypto): runs every check that
    /// precedes the signature exactly as [`Verifier::verify`] and returns `{alg, keyThumbprint, signingInput,
    /// signature}` (`signature` a `Uint8Array`), or throws the first failure
    /// (`grant::begin_external_signature_check`).
    #[wasm_bindgen(js_name = beginExternalCheck)]
    pub fn begin_external_check(
        &self,
        token: &str,
        options_json: &str,
    ) -> Result<JsValue, JsValue> {
        let check = api::parse_verify_options(options_json)
            .and_then(|options| grant::begin_external_signature_check(&self.keys, token, &options))
            .map_err(|e| js_error(&e))?;
        let out = js_sys::Object::new();
        let set = |name: &str, value: &JsValue| {
            js_sys::Reflect::set(&out, &JsValue::from_str(name), value)
        };
        set("alg", &JsValue::from_str(check.alg.name()))?;
        set("keyThumbprint", &JsValue::from_str(&check.key_thumbprint))?;
        set("signingInput", &JsValue::from_str(&check.signing_input))?;
        set(
            "signature",
            &js_sys::Uint8Array::from(check.signature.as_slice()).into(),
        )?;
        Ok(out.into())
    }

    /// Second half: `signature_valid` is the caller's verdict on the signature handed out by
    /// [`Verifier::begin_external_check`] for this token; returns the `VerifiedGrant` or throws, with the same
    /// codes in the same order as [`Verifier::verify`] (`grant::complete_external_signature_check`).
    #[wasm_bindgen(js_name = completeExternalCheck)]
    pub fn complete_external_check(
        &self,
        token: &str,
        options_json: &str,
        signature_valid: bool,
    ) -> Result<JsValue, JsValue> {
        let grant = api::parse_verify_options(options_json)
            .and_then(|options| {
                grant::complete_external_signature_check(
                    &self.keys,
                    token,
                    &options,
                    signature_valid,
                )
            })
            .map_err(|e| js_error(&e))?;
        to_js(&grant)
    }

    /// As [`Verifier::verify`], answering with the JSON answer text instead of throwing.
    #[wasm_bindgen(js_name = verifyJson)]
    pub fn verify_json(&self, token: &str, options_json: &str) -> String {
        api::verify_grant_token_with_keys_json(&self.keys, token, options_json)
    }

    #[cfg(feature = "credentials")]
    /// Verifies an SD-JWT presentation against this key set (`SdJwtVerifyOptionsJson`); JSON answer text.
    #[wasm_bindgen(js_name = verifySdJwtJson)]
    pub fn verify_sd_jwt_json(&self, presentation: &str, options_json: &str) -> String {
        api::verify_sd_jwt_with_keys_json(&self.keys, presentation, options_json)
    }

    /// The RFC 7638 thumbprint of the one key that would verify a token signed with `alg` naming `kid`
    /// (PROTOCOL.md §4.1 rule 3); throws `UNKNOWN_KEY` / `INVALID_KEY` / `UNSUPPORTED_ALGORITHM`.
    #[wasm_bindgen(js_name = selectThumbprint)]
    pub fn select_thumbprint(&self, alg: &str, kid: Option<String>) -> Result<String, JsValue> {
        let algorithm = grantex_core::crypto::Algorithm::from_name(alg).ok_or_else(|| {
            js_error(&Error::new(
                ErrorCode::UnsupportedAlgorithm,
                format!("unknown algorithm {alg:?}"),
            ))
        })?;
        self.keys
            .select_thumbprint(algorithm, kid.as_deref())
            .map(str::to_owned)
            .map_err(|e| js_error(&e))
    }

    /// A summary of every key as a JSON array of `{kid, thumbprint, alg, unusable}`.
    #[wasm_bindgen(js_name = keysJson)]
    pub fn keys_json(&self) -> String {
        let keys: Vec<serde_json::Value> = self
            .keys
            .keys()
            .into_iter()
            .map(|k| {
                serde_json::json!({"kid": k.kid, "thumbprint": k.thumbprint, "alg": k.alg, "unusable": k.unusable})
            })
            .collect();
        serde_json::Value::Array(keys).to_string()
    }

    /// Number of keys, usable or not.
    #[wasm_bindgen(getter)]
    pub fn size(&self) -> usize {
        self.keys.len()
    }
}

/// `{"jwks":…,"token":…,"options":…}` → JSON answer (value: the `VerifiedGrant`).
#[wasm_bindgen(js_name = verifyGrantTokenJson)]
pub fn verify_grant_token_json(request_json: &str) -> String {
    api::verify_grant_token_json(request_json)
}

/// PROTOCOL.md §4.2: the JWKS URL and expected issuer from SDK-style inputs; JSON answer
/// (value: `{jwksUri, issuer}`).
#[wasm_bindgen(js_name = resolveIssuerJson)]
pub fn resolve_issuer_json(
    jwks_uri: Option<String>,
    issuer: Option<String>,
    issuer_did: Option<String>,
) -> String {
    api::answer_json(api::resolve_issuer(
        jwks_uri.as_deref(),
        issuer.as_deref(),
        issuer_did.as_deref(),
    ))
}

#[cfg(feature = "credentials")]
/// `{"jwks":…,"presentation":…,"options":…}` → JSON answer (value: the verified presentation).
#[wasm_bindgen(js_name = verifySdJwtJson)]
pub fn verify_sd_jwt_json(request_json: &str) -> String {
    api::verify_sd_jwt_json(request_json)
}

#[cfg(feature = "credentials")]
/// `{"sdJwt":…,"disclose":[paths]}` → JSON answer (value: the presentation string).
#[wasm_bindgen(js_name = presentSdJwtJson)]
pub fn present_sd_jwt_json(request_json: &str) -> String {
    api::present_sd_jwt_json(request_json)
}

#[cfg(feature = "credentials")]
/// `{"jwks":…,"credential":…,"options":…,"statusLists":{…}}` → JSON answer (value: the credential).
#[wasm_bindgen(js_name = verifyCredentialJson)]
pub fn verify_credential_json(request_json: &str) -> String {
    api::verify_credential_json(request_json)
}

#[cfg(feature = "credentials")]
/// As [`verify_credential_json`] in upstream's `POST /v1/credentials/verify` response shape.
#[wasm_bindgen(js_name = verifyCredentialUpstreamJson)]
pub fn verify_credential_upstream_json(request_json: &str) -> String {
    api::verify_credential_upstream_json(request_json)
}

#[cfg(feature = "credentials")]
/// `{"list":…,"index":n}` → JSON answer (value: `{"status":n}`).
#[wasm_bindgen(js_name = statusListGetJson)]
pub fn status_list_get_json(request_json: &str) -> String {
    api::status_list_get_json(request_json)
}

#[cfg(feature = "credentials")]
/// The JSON text of an audit entry array → JSON answer (value: the chain report).
#[wasm_bindgen(js_name = verifyAuditChainJson)]
pub fn verify_audit_chain_json(entries_json: &str) -> String {
    api::verify_audit_chain_json(entries_json)
}

/// RFC 7638 thumbprint of a JWK given as JSON → JSON answer (value: the thumbprint).
#[wasm_bindgen(js_name = jwkThumbprintJson)]
pub fn jwk_thumbprint_json(jwk_json: &str) -> String {
    api::jwk_thumbprint_json(jwk_json)
}

/// Header and payload of a token WITHOUT verification → JSON answer.
#[wasm_bindgen(js_name = decodeUnverifiedJson)]
pub fn decode_unverified_json(token: &str) -> String {
    api::decode_unverified_json(token)
}

/// Whether the granted scope satisfies the required one (PROTOCOL.md §5.2).
#[wasm_bindgen(js_name = scopeSatisfies)]
pub fn scope_satisfies(granted: &str, required: &str) -> bool {
    grantex_core::scope::satisfies(granted, required)
}

/// Whether `child` is at least as narrow as `parent` (delegation, PROTOCOL.md §5.3, §6).
#[wasm_bindgen(js_name = scopeNarrows)]
pub fn scope_narrows(child: &str, parent: &str) -> bool {
    grantex_core::scope::narrows(child, parent)
}

/// Human-readable description of a scope (consent screens).
#[wasm_bindgen(js_name = scopeDescribe)]
pub fn scope_describe(scope: &str) -> String {
    grantex_core::scope::describe(scope)
}

/// The core's version (the crate version of this build).
#[wasm_bindgen(js_name = coreVersion)]
pub fn core_version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}
