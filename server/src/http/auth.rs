//! Developer API-key authentication (PROTOCOL.md §1.2) and the per-developer rate limit (§1.8).
//!
//! Every dev-key handler takes an [`AuthDeveloper`] argument (the `/openapi.json` test checks that every
//! secured operation answers 401 without credentials). The extractor parses `Authorization: Bearer <key>`
//! (scheme case-insensitive, one or more spaces or tabs, key 16..512 characters without whitespace), finds
//! the developer by `sha256_hex(key)` and counts the request in the limiter; past the limit it rejects with
//! 429 `RATE_LIMIT_EXCEEDED`, "retry in N seconds" and `Retry-After`. The limiter's decision is left in the
//! request's [`RateLimitSlot`], from which the context middleware writes the `x-ratelimit-*` headers on the
//! response, whatever its status. An extractor rather than a route layer keeps 405 (+ `Allow`) answers
//! independent of credentials.

use super::error::{ApiError, code};
use super::rate_limit::Decision;
use crate::app::AppState;
use crate::store::Developer;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::sync::{Arc, Mutex};

const MISSING: &str = "Missing or invalid Authorization header";
const INVALID: &str = "Invalid API key";

/// The authenticated developer of a dev-key request.
#[derive(Debug, Clone)]
pub struct AuthDeveloper(pub Developer);

/// Where the authentication step leaves the rate-limit decision for the response headers (a request
/// extension installed by the context middleware).
#[derive(Debug, Clone, Default)]
pub struct RateLimitSlot(pub Arc<Mutex<Option<Decision>>>);

impl RateLimitSlot {
    /// The recorded decision, if the request was authenticated.
    pub fn get(&self) -> Option<Decision> {
        self.0.lock().ok().and_then(|d| *d)
    }

    fn set(&self, decision: Decision) {
        if let Ok(mut slot) = self.0.lock() {
            *slot = Some(decision);
        }
    }
}

impl FromRequestParts<AppState> for AuthDeveloper {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(done) = parts.extensions.get::<AuthDeveloper>() {
            return Ok(done.clone());
        }
        let key = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(bearer_key)
            .ok_or_else(|| ApiError::unauthorized(MISSING).into_response())?;
        let developer = state
            .store
            .developer_by_key_hash(&crate::ids::sha256_hex(key))
            .await
            .map_err(|e| ApiError::from(e).into_response())?
            .ok_or_else(|| ApiError::unauthorized(INVALID).into_response())?;
        let decision = state.limiter.check(&developer.id, crate::time::now_ms());
        if let Some(slot) = parts.extensions.get::<RateLimitSlot>() {
            slot.set(decision);
        }
        if !decision.allowed {
            let mut response = ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                code::RATE_LIMIT_EXCEEDED,
                format!("Rate limit exceeded, retry in {} seconds", decision.reset),
            )
            .into_response();
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(decision.reset));
            return Err(response);
        }
        let auth = AuthDeveloper(developer);
        parts.extensions.insert(auth.clone());
        Ok(auth)
    }
}

/// The key of an `Authorization` header value, if it is a well-formed bearer credential.
pub fn bearer_key(value: &str) -> Option<&str> {
    let scheme = value.get(..6)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let rest = value.get(6..)?;
    let key = rest.trim_start_matches([' ', '\t']);
    if key.len() == rest.len() {
        return None;
    }
    if !(16..=512).contains(&key.len()) || key.chars().any(char::is_whitespace) {
        return None;
    }
    Some(key)
}

/// Writes the `x-ratelimit-*` headers (base-10 integers).
pub fn set_rate_limit_headers(headers: &mut HeaderMap, d: Decision) {
    headers.insert("x-ratelimit-limit", HeaderValue::from(d.limit));
    headers.insert("x-ratelimit-remaining", HeaderValue::from(d.remaining));
    headers.insert("x-ratelimit-reset", HeaderValue::from(d.reset));
}

#[cfg(test)]
mod tests {
    use super::bearer_key;

    #[test]
    fn bearer_parsing() {
        assert_eq!(
            bearer_key("Bearer dev-api-key-local"),
            Some("dev-api-key-local")
        );
        assert_eq!(
            bearer_key("bEaReR \t dev-api-key-local"),
            Some("dev-api-key-local")
        );
        assert_eq!(bearer_key("Bearerdev-api-key-local"), None);
        assert_eq!(bearer_key("Bearer short"), None);
        assert_eq!(bearer_key("Bearer dev-api-key-local x"), None);
        assert_eq!(bearer_key("Basic dev-api-key-local"), None);
        assert_eq!(bearer_key(&format!("Bearer {}", "a".repeat(513))), None);
        assert!(bearer_key(&format!("Bearer {}", "a".repeat(512))).is_some());
    }
}
