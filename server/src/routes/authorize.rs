//! `POST /v1/authorize` and the sandbox `POST /v1/authorize/{id}/approve|deny` (PROTOCOL.md §10.3, §7.1).
//!
//! Ours: consent window ≤ 15 min and code TTL ≤ 10 min (IMP-8; `expiresAt` is the end of the consent window,
//! `expiresIn` stays the grant lifetime, capped by `--max-grant-lifetime`, IMP-11); 256-bit codes stored
//! hashed; redirect URIs must match the agent's registered `redirectUris` when it has any (IMP-9); requested
//! ⊆ registered scopes when `--enforce-registered-scopes` (IMP-14); a per-developer limiter of at least
//! 60/min (IMP-23) answering 429 `RATE_LIMITED`.

use super::issuance::{bounded, random_secret};
use crate::app::AppState;
use crate::config::ConsentApproval;
use crate::http::{ApiError, ApiResult, AuthDeveloper, JsonObject};
use crate::store::{AgentStatus, AuthRequest, Mode, NewAuthRequest};
use crate::time::iso_ms;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{Map, Value, json};

/// Authorize errors specific to this group.
pub mod code {
    /// 429 from the authorize limiter.
    pub const RATE_LIMITED: &str = "RATE_LIMITED";
    /// 403: sandbox approval used by a live developer.
    pub const CONSENT_REQUIRED: &str = "CONSENT_REQUIRED";
}

/// The routes (developer key).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/authorize", post(authorize))
        .route("/v1/authorize/{id}/approve", post(sandbox_approve))
        .route("/v1/authorize/{id}/deny", post(sandbox_deny))
}

/// Whether `uri` may receive codes: exact match with a registered URI when the agent has any; otherwise an
/// absolute `https:` URL (also `http:` and private hosts in dev mode), no fragment, no custom scheme.
pub fn check_redirect_uri(uri: &str, registered: &[String], dev: bool) -> ApiResult<()> {
    if uri.is_empty() || uri.chars().count() > 2048 || uri.chars().any(char::is_whitespace) {
        return Err(ApiError::bad_request(
            "redirectUri must be 1..2048 characters without whitespace",
        ));
    }
    if !registered.is_empty() {
        return if registered.iter().any(|r| r == uri) {
            Ok(())
        } else {
            Err(ApiError::bad_request(
                "redirectUri is not one of the agent's registered redirectUris",
            ))
        };
    }
    let (scheme, rest) = uri
        .split_once("://")
        .ok_or_else(|| ApiError::bad_request("redirectUri must be an absolute URL"))?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "https" && !(dev && scheme == "http") {
        return Err(ApiError::bad_request(if scheme == "http" {
            "redirectUri must use https"
        } else {
            "redirectUri must be an https URL (custom schemes need registration)"
        }));
    }
    if uri.contains('#') {
        return Err(ApiError::bad_request(
            "redirectUri must not contain a fragment",
        ));
    }
    let authority = rest.split(['/', '?']).next().unwrap_or("");
    let host = authority.rsplit('@').next().unwrap_or("");
    let host = if host.starts_with('[') {
        host.split(']').next().unwrap_or("").trim_start_matches('[')
    } else {
        host.split(':').next().unwrap_or("")
    };
    if host.is_empty() {
        return Err(ApiError::bad_request("redirectUri must name a host"));
    }
    if !dev && private_host(host) {
        return Err(ApiError::bad_request(
            "redirectUri must not point to a private or local host",
        ));
    }
    Ok(())
}

fn private_host(host: &str) -> bool {
    let h = host.to_ascii_lowercase();
    if h == "localhost" || h.ends_with(".localhost") || h.ends_with(".local") || h == "::1" {
        return true;
    }
    if let Ok(ip) = h.parse::<std::net::IpAddr>() {
        return match ip {
            std::net::IpAddr::V4(v4) => {
                v4.is_private() || v4.is_loopback() || v4.is_link_local() || v4.is_unspecified()
            }
            std::net::IpAddr::V6(v6) => {
                v6.is_loopback() || v6.is_unspecified() || (v6.segments()[0] & 0xfe00) == 0xfc00
            }
        };
    }
    false
}

fn is_b64url(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Validated scopes (§5.1).
pub fn valid_scopes(body: &JsonObject, name: &str) -> ApiResult<Vec<String>> {
    let scopes = body
        .opt_str_list(name)?
        .ok_or_else(|| ApiError::bad_request(format!("{name} is required")))?;
    grantex_core::scope::validate_wire(&scopes).map_err(|e| ApiError::bad_request(e.message))?;
    Ok(scopes)
}

/// A duration field (§1.6) capped by the maximum grant lifetime (IMP-11); `default` when absent.
pub fn valid_expires_in(body: &JsonObject, default: u64, max: u64) -> ApiResult<u64> {
    let seconds = match body.opt_str("expiresIn")? {
        None => default,
        Some(text) => crate::time::parse_duration(&text).ok_or_else(|| {
            ApiError::bad_request("expiresIn must be a duration like 30m, 24h or 7d")
        })?,
    };
    if seconds > max {
        return Err(ApiError::bad_request(format!(
            "expiresIn exceeds the maximum grant lifetime of {max} seconds"
        )));
    }
    Ok(seconds)
}

fn rate_limited(state: &AppState, developer_id: &str) -> Option<Response> {
    let decision = state
        .authorize_limiter
        .check(developer_id, crate::time::now_ms());
    if decision.allowed {
        return None;
    }
    let mut response = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        code::RATE_LIMITED,
        format!(
            "Too many authorization requests, retry in {} seconds",
            decision.reset
        ),
    )
    .into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(decision.reset));
    Some(response)
}

/// A fresh code: `(code, sha256 hex, expiry ms)`.
pub fn new_code(state: &AppState, now_ms: i64) -> (String, String, i64) {
    let code = random_secret();
    let hash = crate::ids::sha256_hex(&code);
    let ttl = i64::try_from(state.config.code_ttl.saturating_mul(1000)).unwrap_or(600_000);
    (code, hash, now_ms.saturating_add(ttl))
}

async fn authorize(
    State(state): State<AppState>,
    AuthDeveloper(developer): AuthDeveloper,
    body: JsonObject,
) -> ApiResult<Response> {
    if let Some(limited) = rate_limited(&state, &developer.id) {
        return Ok(limited);
    }
    let agent_id = bounded(Some(body.req_str("agentId")?), "agentId", 1, 256)?.unwrap_or_default();
    let principal_id =
        bounded(Some(body.req_str("principalId")?), "principalId", 1, 256)?.unwrap_or_default();
    let scopes = valid_scopes(&body, "scopes")?;
    let redirect_uri = body.opt_str("redirectUri")?;
    let client_state = bounded(body.opt_str("state")?, "state", 0, 1024)?;
    let audience = bounded(body.opt_str("audience")?, "audience", 1, 1024)?;
    let challenge = body.opt_str("codeChallenge")?;
    let method = body.opt_str("codeChallengeMethod")?;
    let challenge = match (challenge, method) {
        (None, None) => None,
        (Some(c), Some(m)) => {
            if m != "S256" {
                return Err(ApiError::bad_request("codeChallengeMethod must be S256"));
            }
            if c.len() != 43 || !is_b64url(&c) {
                return Err(ApiError::bad_request(
                    "codeChallenge must be 43 base64url characters (S256)",
                ));
            }
            Some(c)
        }
        _ => {
            return Err(ApiError::bad_request(
                "codeChallenge and codeChallengeMethod must be given together",
            ));
        }
    };
    let agent = state
        .store
        .agent_for_authorize(&developer.id, &agent_id)
        .await?
        .filter(|a| a.status == AgentStatus::Active.as_str())
        .ok_or_else(|| ApiError::not_found(format!("Agent {agent_id} not found")))?;
    let expires_in = valid_expires_in(&body, 86_400, state.config.max_grant_lifetime)?;
    if state.config.enforce_registered_scopes
        && !agent.scopes.is_empty()
        && let Some(extra) = scopes.iter().find(|s| {
            !agent
                .scopes
                .iter()
                .any(|r| grantex_core::scope::narrows(s, r))
        })
    {
        return Err(ApiError::bad_request(format!(
            "scope {extra:?} is not among the agent's registered scopes"
        )));
    }
    if let Some(uri) = &redirect_uri {
        check_redirect_uri(uri, &agent.redirect_uris, state.config.dev)?;
        if state.config.consent_approval == ConsentApproval::Bound
            && developer.mode == Mode::Live
            && client_state.is_none()
            && challenge.is_none()
        {
            return Err(ApiError::bad_request(
                "a redirectUri needs state or a PKCE codeChallenge",
            ));
        }
    }
    let now = crate::store::db_ms(crate::time::now_ms());
    let window = expires_in.min(state.config.consent_window);
    let expires_at = now.saturating_add(i64::try_from(window * 1000).unwrap_or(i64::MAX));
    let sandbox = developer.mode == Mode::Sandbox;
    let code = sandbox.then(|| new_code(&state, now));
    let request = state
        .store
        .create_auth_request(NewAuthRequest {
            developer_id: developer.id.clone(),
            agent_id: agent.id.clone(),
            principal_id,
            scopes,
            audience,
            redirect_uri,
            state: client_state,
            code_challenge: challenge,
            expires_in_seconds: i64::try_from(expires_in).unwrap_or(i64::MAX),
            sandbox,
            approved_code: code.as_ref().map(|(_, h, e)| (h.clone(), *e)),
            created_at: now,
            expires_at,
        })
        .await?;
    let mut out = Map::new();
    out.insert("authRequestId".into(), request.id.clone().into());
    out.insert(
        "consentUrl".into(),
        format!("{}/consent?req={}", state.config.public_url, request.id).into(),
    );
    out.insert("expiresAt".into(), iso_ms(request.expires_at).into());
    if let Some((code, _, _)) = code {
        out.insert("code".into(), code.into());
        out.insert("sandbox".into(), true.into());
    }
    Ok((StatusCode::CREATED, Json(Value::Object(out))).into_response())
}

async fn sandbox_request(
    state: &AppState,
    developer: &crate::store::Developer,
    id: &str,
) -> ApiResult<AuthRequest> {
    if developer.mode != Mode::Sandbox {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            code::CONSENT_REQUIRED,
            "Live developers must obtain consent through the consent page",
        ));
    }
    let now = crate::store::db_ms(crate::time::now_ms());
    state
        .store
        .get_auth_request(id)
        .await?
        .filter(|r| r.developer_id == developer.id && r.status == "pending" && r.expires_at > now)
        .ok_or_else(|| ApiError::not_found(format!("Pending authorization request {id} not found")))
}

async fn sandbox_approve(
    State(state): State<AppState>,
    AuthDeveloper(developer): AuthDeveloper,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let request = sandbox_request(&state, &developer, &id).await?;
    let now = crate::store::db_ms(crate::time::now_ms());
    let (code, hash, expires) = new_code(&state, now);
    if !state
        .store
        .approve_auth_request(&request.id, &hash, expires)
        .await?
    {
        return Err(ApiError::not_found(format!(
            "Pending authorization request {id} not found"
        )));
    }
    Ok(Json(
        json!({"requestId": request.id, "status": "approved", "code": code}),
    ))
}

async fn sandbox_deny(
    State(state): State<AppState>,
    AuthDeveloper(developer): AuthDeveloper,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let request = sandbox_request(&state, &developer, &id).await?;
    if !state.store.deny_auth_request(&request.id).await? {
        return Err(ApiError::not_found(format!(
            "Pending authorization request {id} not found"
        )));
    }
    Ok(Json(json!({"requestId": request.id, "status": "denied"})))
}
