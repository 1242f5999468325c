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
//!   object or throws a JS `Error` whose `code` property is the core's stable error code. For the WebCrypto
//!   path it also splits a verification in two (`beginExternalCheck` / `completeBegun`), keeping the begun
//!   token between the halves, and reuses the parse of an unchanged options text (speed only: the answers
//!   are the core's, call for call).
//! * `*Json` functions — the JSON call/answer contract of `grantex_core::api` verbatim: JSON text in, JSON
//!   text out (`{"ok":true,"value":…}` / `{"ok":false,"error":{"code","message"}}`). They never throw.

use grantex_core::api;
use grantex_core::error::{Error, ErrorCode};
use grantex_core::grant;
use grantex_core::jwk::KeySet;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;
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
    /// The last options text and what it parsed to: hot paths pass the same options on every call (and the
    /// WebCrypto path uses them twice per token), so an identical text is not parsed again.
    last_options: RefCell<Option<(String, Rc<grant::VerifyOptions>)>>,
    /// The token and options of the last [`MAX_BEGUN`] RS256 checks handed out by
    /// [`Verifier::begin_external_check`] and not yet completed, oldest first, for [`Verifier::complete_begun`]
    /// (so the token crosses from JS once per verification, however many are in flight).
    begun: RefCell<VecDeque<Begun>>,
    /// Identifier of the last begun check.
    begun_id: Cell<u32>,
}

/// Begun checks kept for [`Verifier::complete_begun`]; past this the oldest is forgotten (its caller then
/// completes with [`Verifier::complete_external_check`], passing the token again).
const MAX_BEGUN: usize = 256;

struct Begun {
    id: u32,
    token: String,
    options: Rc<grant::VerifyOptions>,
}

impl Verifier {
    /// The parsed options of `options_json` (the cached parse when the text is unchanged); a text that fails
    /// to parse is never cached.
    fn options(&self, options_json: &str) -> grantex_core::error::Result<Rc<grant::VerifyOptions>> {
        let Ok(mut cache) = self.last_options.try_borrow_mut() else {
            // Re-entered (cannot happen: the core never calls back into JS); parse without the cache.
            return api::parse_verify_options(options_json).map(Rc::new);
        };
        if let Some((text, options)) = cache.as_ref()
            && text == options_json
        {
            return Ok(Rc::clone(options));
        }
        let options = Rc::new(api::parse_verify_options(options_json)?);
        *cache = Some((options_json.to_owned(), Rc::clone(&options)));
        Ok(options)
    }
}

#[wasm_bindgen]
impl Verifier {
    /// Parses a JWKS document given as JSON text; throws an `Error` with `code` `INVALID_JWKS`.
    #[wasm_bindgen(constructor)]
    pub fn new(jwks_json: &str) -> Result<Verifier, JsValue> {
        KeySet::from_jwks_json(jwks_json)
            .map(|keys| Verifier {
                keys,
                last_options: RefCell::new(None),
                begun: RefCell::new(VecDeque::new()),
                begun_id: Cell::new(0),
            })
            .map_err(|e| js_error(&e))
    }

    /// Verifies a grant token under options given as the core's JSON options (`VerifyOptionsJson`, `now`
    /// required); returns the `VerifiedGrant` object or throws an `Error` with `code`.
    pub fn verify(&self, token: &str, options_json: &str) -> Result<JsValue, JsValue> {
        let grant = self
            .options(options_json)
            .and_then(|options| api::verify_grant_token(&self.keys, token, &options))
            .map_err(|e| js_error(&e))?;
        to_js(&grant)
    }

    /// First half of a verification whose signature the caller checks (WebCrypto): runs every check that
    /// precedes the signature exactly as [`Verifier::verify`] (`grant::begin_external_signature_check`) and
    /// throws the first failure. Returns one `Uint8Array` (one copy out of wasm memory, no property set from
    /// wasm): `[1]` when the algorithm is not RS256 (the caller verifies with [`Verifier::verify`] instead),
    /// else `[0, id (u32 LE), t, thumbprint (t ASCII bytes), s (u32 LE), signing input (s bytes),
    /// signature]`, where `thumbprint` is the RFC 7638 thumbprint of the one key that must verify the
    /// signature and `id` names this check for [`Verifier::complete_begun`].
    ///
    /// The token comes as its UTF-8 bytes (JS `TextEncoder.encodeInto`, a native copy, instead of the glue's
    /// per-character loop for strings); bytes that are not UTF-8 are `MALFORMED_TOKEN`.
    #[wasm_bindgen(js_name = beginExternalCheck)]
    pub fn begin_external_check(
        &self,
        token: &[u8],
        options_json: &str,
    ) -> Result<js_sys::Uint8Array, JsValue> {
        let token = std::str::from_utf8(token)
            .map_err(|_| js_error(&Error::malformed("the token is not UTF-8")))?;
        let options = self.options(options_json).map_err(|e| js_error(&e))?;
        let check = grant::begin_external_signature_check(&self.keys, token, &options)
            .map_err(|e| js_error(&e))?;
        let thumbprint = check.key_thumbprint.as_bytes();
        let signing_input = check.signing_input.as_bytes();
        let (true, Ok(t), Ok(s)) = (
            check.alg == grantex_core::crypto::Algorithm::RS256,
            u8::try_from(thumbprint.len()),
            u32::try_from(signing_input.len()),
        ) else {
            return Ok(js_sys::Uint8Array::from(&[1u8][..]));
        };
        let id = self.begun_id.get().wrapping_add(1);
        self.begun_id.set(id);
        if let Ok(mut begun) = self.begun.try_borrow_mut() {
            if begun.len() >= MAX_BEGUN {
                begun.pop_front();
            }
            begun.push_back(Begun {
                id,
                token: token.to_owned(),
                options,
            });
        }
        let mut out =
            Vec::with_capacity(10 + thumbprint.len() + signing_input.len() + check.signature.len());
        out.push(0);
        out.extend_from_slice(&id.to_le_bytes());
        out.push(t);
        out.extend_from_slice(thumbprint);
        out.extend_from_slice(&s.to_le_bytes());
        out.extend_from_slice(signing_input);
        out.extend_from_slice(&check.signature);
        Ok(js_sys::Uint8Array::from(out.as_slice()))
    }

    /// Second half of the check `id` handed out by [`Verifier::begin_external_check`], with the token and
    /// options it was given (`grant::complete_external_signature_check`): the `VerifiedGrant`, or throws
    /// exactly as [`Verifier::complete_external_check`] would. `undefined` when `id` is not (or no longer)
    /// held (the caller then uses [`Verifier::complete_external_check`]). The check is forgotten either way.
    #[wasm_bindgen(js_name = completeBegun)]
    pub fn complete_begun(&self, id: u32, signature_valid: bool) -> Result<JsValue, JsValue> {
        let begun = self.begun.try_borrow_mut().ok().and_then(|mut held| {
            let at = held.iter().position(|b| b.id == id)?;
            held.remove(at)
        });
        let Some(begun) = begun else {
            return Ok(JsValue::UNDEFINED);
        };
        let grant = grant::complete_external_signature_check(
            &self.keys,
            &begun.token,
            &begun.options,
            signature_valid,
        )
        .map_err(|e| js_error(&e))?;
        to_js(&grant)
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
        let grant = self
            .options(options_json)
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
        api::answer_json(
            self.options(options_json)
                .and_then(|options| api::verify_grant_token(&self.keys, token, &options)),
        )
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
        let algorithm = grantex_core::crypto::Algorithm::parse(alg).map_err(|e| js_error(&e))?;
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

#[cfg(feature = "credentials")]
/// The URL of a `did:web` DID's document → JSON answer (value: the URL string).
#[wasm_bindgen(js_name = didWebToUrlJson)]
pub fn did_web_to_url_json(did: &str) -> String {
    api::did_web_to_url_json(did)
}

#[cfg(feature = "credentials")]
/// The `did:web` DID of a base URL → JSON answer (value: the DID string).
#[wasm_bindgen(js_name = didWebFromUrlJson)]
pub fn did_web_from_url_json(url: &str) -> String {
    api::did_web_from_url_json(url)
}

#[cfg(feature = "credentials")]
/// A `did:key` (Ed25519 or P-256) resolved offline → JSON answer (value: the public JWK object).
#[wasm_bindgen(js_name = didKeyToJwkJson)]
pub fn did_key_to_jwk_json(did: &str) -> String {
    api::did_key_to_jwk_json(did)
}

#[cfg(feature = "credentials")]
/// `did:grantex:ag_<ULID>` → JSON answer (value: the agent id).
#[wasm_bindgen(js_name = agentDidToIdJson)]
pub fn agent_did_to_id_json(did: &str) -> String {
    api::agent_did_to_id_json(did)
}

#[cfg(feature = "credentials")]
/// `ag_<ULID>` → JSON answer (value: the agent DID).
#[wasm_bindgen(js_name = agentIdToDidJson)]
pub fn agent_id_to_did_json(agent_id: &str) -> String {
    api::agent_id_to_did_json(agent_id)
}

#[cfg(feature = "credentials")]
/// `{"did","document": object | JSON text,"reference","purpose"?}` → JSON answer (value: the public JWK of
/// the referenced verification method).
#[wasm_bindgen(js_name = didDocumentKeyJson)]
pub fn did_document_key_json(request_json: &str) -> String {
    api::did_document_key_json(request_json)
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
