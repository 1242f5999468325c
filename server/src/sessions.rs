//! Principal-session tokens (PROTOCOL.md §9, IMP-3, IMP-22).
//!
//! RS256 JWS signed with the active key of the grant key ring (so the `kid` is in `jwks.json`), told apart
//! from grant tokens by its own header `typ` ([`SESSION_TYP`]) and audience:
//!
//! * header `{"alg":"RS256","kid":…,"typ":"grantex-session+jwt"}`;
//! * payload `{dev, purpose:"principal_dashboard", iss, sub, aud:"<public url>/permissions", jti, iat, exp}`
//!   (upstream's keys in upstream's order, plus `aud` and `jti`).
//!
//! Verification ([`verify_session_token`], used by the [`PrincipalSession`] extractor of `/v1/principal/*`):
//! signature with `grantex_core::jws` (RS256 only, keys of the published ring), `typ`, `purpose`, `iss`, `aud`,
//! non-empty `dev`/`sub`/`jti`, integer `iat` (not in the future) and `exp` (not passed), then the stored
//! session: it must exist, belong to the same developer and principal, and not be revoked. Grant tokens fail
//! the `typ`/`purpose` checks; session tokens are longer than any API key, so the developer-key extractor
//! rejects them as malformed.

use crate::app::AppState;
use crate::http::ApiError;
use crate::keys::{KeyError, SigningKey};
use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use grantex_core::crypto::Algorithm;
use grantex_core::jwk::KeySet;
use grantex_core::jws::{JwsOptions, verify};
use serde::Serialize;
use serde_json::{Map, Value};
use std::sync::{Arc, Mutex};

/// Header `typ` of principal-session tokens.
pub const SESSION_TYP: &str = "grantex-session+jwt";
/// The `purpose` claim (upstream's).
pub const PURPOSE: &str = "principal_dashboard";
/// Prefix of session ids (`jti`).
pub const SESSION_PREFIX: &str = "psn_";
/// Default lifetime (`expiresIn` absent), seconds.
pub const DEFAULT_LIFETIME: u64 = 3600;
/// Longest lifetime; longer requests are silently capped (PROTOCOL.md §3.5).
pub const MAX_LIFETIME: u64 = 24 * 3600;
/// Tolerated clock skew for `iat`, seconds.
pub const IAT_LEEWAY: u64 = 60;

const UNAUTHORIZED: &str = "Missing or invalid session token";

/// The audience of session tokens for a server at `public_url`: the permissions page.
pub fn audience(public_url: &str) -> String {
    format!("{public_url}/permissions")
}

/// Session-token claims, in wire order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SessionClaims {
    /// Developer id.
    pub dev: String,
    /// Always [`PURPOSE`].
    pub purpose: String,
    /// Issuer = public URL.
    pub iss: String,
    /// Principal id.
    pub sub: String,
    /// `<public url>/permissions`.
    pub aud: String,
    /// Session id.
    pub jti: String,
    /// Issued at, seconds.
    pub iat: u64,
    /// Expiry, seconds.
    pub exp: u64,
}

/// Signs session `claims` with `key`.
pub fn sign_session_token(key: &SigningKey, claims: &SessionClaims) -> Result<String, KeyError> {
    #[derive(Serialize)]
    struct Header<'a> {
        alg: &'static str,
        kid: &'a str,
        typ: &'static str,
    }
    let header = serde_json::to_vec(&Header {
        alg: "RS256",
        kid: key.kid(),
        typ: SESSION_TYP,
    })
    .map_err(|e| KeyError::Invalid(format!("session header serialization: {e}")))?;
    let payload = serde_json::to_vec(claims)
        .map_err(|e| KeyError::Invalid(format!("session claims serialization: {e}")))?;
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(payload)
    );
    let signature = key.sign(signing_input.as_bytes())?;
    Ok(format!(
        "{signing_input}.{}",
        URL_SAFE_NO_PAD.encode(signature)
    ))
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Why a session token was refused (logged, never sent: every refusal is the same 401).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionError {
    /// Signature, structure or algorithm.
    Jws(String),
    /// Header `typ` is not [`SESSION_TYP`].
    WrongType,
    /// A claim is missing, mistyped or has the wrong value.
    Claims(&'static str),
    /// `exp` passed.
    Expired,
    /// Unknown `jti`, other developer/principal, or revoked.
    NotLive,
}

/// The verified session of a `/v1/principal/*` request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrincipalSession {
    /// Developer.
    pub developer_id: String,
    /// Principal.
    pub principal_id: String,
    /// Session id.
    pub jti: String,
    /// Expiry, seconds.
    pub exp: u64,
}

/// The published grant keys as a core [`KeySet`], rebuilt only when the ring's JWKS changes.
async fn key_set(state: &AppState) -> Result<Arc<KeySet>, ApiError> {
    static CACHE: Mutex<Option<(String, Arc<KeySet>)>> = Mutex::new(None);
    let ring = state.keys.ring().await?;
    if let Ok(guard) = CACHE.lock()
        && let Some((etag, set)) = guard.as_ref()
        && etag == ring.etag()
    {
        return Ok(set.clone());
    }
    let set = Arc::new(
        KeySet::from_jwks_json(ring.jwks_json())
            .map_err(|e| ApiError::internal(format!("key ring as JWKS: {e}")))?,
    );
    if let Ok(mut guard) = CACHE.lock() {
        *guard = Some((ring.etag().to_owned(), set.clone()));
    }
    Ok(set)
}

fn str_claim<'a>(
    payload: &'a Map<String, Value>,
    name: &'static str,
) -> Result<&'a str, SessionError> {
    payload
        .get(name)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or(SessionError::Claims(name))
}

fn int_claim(payload: &Map<String, Value>, name: &'static str) -> Result<u64, SessionError> {
    payload
        .get(name)
        .and_then(Value::as_u64)
        .ok_or(SessionError::Claims(name))
}

/// Checks signature and claims of `token` (not the stored session) at `now` (Unix seconds).
pub fn check_session_token(
    keys: &KeySet,
    token: &str,
    public_url: &str,
    now: u64,
) -> Result<PrincipalSession, SessionError> {
    let verified = verify(keys, token, &JwsOptions::new(&[Algorithm::RS256]))
        .map_err(|e| SessionError::Jws(e.to_string()))?;
    if verified.header.typ.as_deref() != Some(SESSION_TYP) {
        return Err(SessionError::WrongType);
    }
    let payload = grantex_core::json::parse_object_strict(&verified.payload)
        .map_err(|_| SessionError::Claims("payload"))?;
    if str_claim(&payload, "purpose")? != PURPOSE {
        return Err(SessionError::Claims("purpose"));
    }
    if str_claim(&payload, "iss")? != public_url {
        return Err(SessionError::Claims("iss"));
    }
    if str_claim(&payload, "aud")? != audience(public_url) {
        return Err(SessionError::Claims("aud"));
    }
    let developer_id = str_claim(&payload, "dev")?.to_owned();
    let principal_id = str_claim(&payload, "sub")?.to_owned();
    let jti = str_claim(&payload, "jti")?.to_owned();
    let iat = int_claim(&payload, "iat")?;
    let exp = int_claim(&payload, "exp")?;
    if iat > now.saturating_add(IAT_LEEWAY) {
        return Err(SessionError::Claims("iat"));
    }
    if now >= exp {
        return Err(SessionError::Expired);
    }
    Ok(PrincipalSession {
        developer_id,
        principal_id,
        jti,
        exp,
    })
}

/// Full verification: [`check_session_token`], then the stored session must be live.
pub async fn verify_session_token(
    state: &AppState,
    token: &str,
) -> Result<Result<PrincipalSession, SessionError>, ApiError> {
    let keys = key_set(state).await?;
    let session =
        match check_session_token(&keys, token, &state.config.public_url, crate::time::now_s()) {
            Ok(session) => session,
            Err(e) => return Ok(Err(e)),
        };
    let stored = state.store.principal_session(&session.jti).await?;
    let live = stored.is_some_and(|row| {
        row.developer_id == session.developer_id
            && row.principal_id == session.principal_id
            && row.revoked_at.is_none()
    });
    Ok(if live {
        Ok(session)
    } else {
        Err(SessionError::NotLive)
    })
}

/// The token of an `Authorization: Bearer <token>` value (scheme case-insensitive, spaces/tabs after it).
fn bearer_token(value: &str) -> Option<&str> {
    let scheme = value.get(..6)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let rest = value.get(6..)?;
    let token = rest.trim_start_matches([' ', '\t']);
    if token.len() == rest.len() || token.is_empty() || token.chars().any(char::is_whitespace) {
        return None;
    }
    Some(token)
}

impl FromRequestParts<AppState> for PrincipalSession {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(done) = parts.extensions.get::<PrincipalSession>() {
            return Ok(done.clone());
        }
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(bearer_token)
            .ok_or_else(|| ApiError::unauthorized(UNAUTHORIZED).into_response())?;
        match verify_session_token(state, token).await {
            Ok(Ok(session)) => {
                parts.extensions.insert(session.clone());
                Ok(session)
            }
            Ok(Err(reason)) => {
                tracing::debug!(?reason, "principal session refused");
                Err(ApiError::unauthorized(UNAUTHORIZED).into_response())
            }
            Err(e) => Err(e.into_response()),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn encoding_and_bearer() {
        assert_eq!(percent_encode("a.b-c_d~e"), "a.b-c_d~e");
        assert_eq!(percent_encode("a b/é"), "a%20b%2F%C3%A9");
        assert_eq!(bearer_token("Bearer x.y.z"), Some("x.y.z"));
        assert_eq!(bearer_token("bearer \tx"), Some("x"));
        assert_eq!(bearer_token("Bearerx"), None);
        assert_eq!(bearer_token("Bearer "), None);
        assert_eq!(bearer_token("Bearer a b"), None);
        assert_eq!(bearer_token("Basic abc"), None);
    }

    #[test]
    fn sign_and_check() {
        let key = SigningKey::generate().unwrap();
        let jwks =
            serde_json::json!({"keys": [Value::Object(key.public_jwk().clone())]}).to_string();
        let keys = KeySet::from_jwks_json(&jwks).unwrap();
        let url = "https://gx.example";
        let claims = SessionClaims {
            dev: "dev_1".into(),
            purpose: PURPOSE.into(),
            iss: url.into(),
            sub: "alice".into(),
            aud: audience(url),
            jti: "psn_1".into(),
            iat: 1000,
            exp: 2000,
        };
        let token = sign_session_token(&key, &claims).unwrap();
        let ok = check_session_token(&keys, &token, url, 1500).unwrap();
        assert_eq!(ok.principal_id, "alice");
        assert_eq!(ok.developer_id, "dev_1");
        assert_eq!(
            check_session_token(&keys, &token, url, 2000),
            Err(SessionError::Expired)
        );
        assert_eq!(
            check_session_token(&keys, &token, "https://other", 1500),
            Err(SessionError::Claims("iss"))
        );
        assert_eq!(check_session_token(&keys, &token, url, 950), Ok(ok.clone()));
        assert_eq!(
            check_session_token(&keys, &token, url, 100),
            Err(SessionError::Claims("iat"))
        );
        let wrong_aud = SessionClaims {
            aud: "https://gx.example/other".into(),
            ..claims.clone()
        };
        let token = sign_session_token(&key, &wrong_aud).unwrap();
        assert_eq!(
            check_session_token(&keys, &token, url, 1500),
            Err(SessionError::Claims("aud"))
        );
        let wrong_purpose = SessionClaims {
            purpose: "other".into(),
            ..claims
        };
        let token = sign_session_token(&key, &wrong_purpose).unwrap();
        assert_eq!(
            check_session_token(&keys, &token, url, 1500),
            Err(SessionError::Claims("purpose"))
        );
    }
}
