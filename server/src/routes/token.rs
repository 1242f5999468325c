//! `POST /v1/token` (code exchange, PROTOCOL.md §10.4, §7.2) and `POST /v1/token/refresh` (§7.3).
//!
//! Ours: codes are single use and a replayed consumed code revokes the grant it produced (IMP-8);
//! `credentialFormat:"agent-passport"` is rejected before the code is touched (IMP-28); `vc-jwt`, `both` and
//! `sd-jwt` are accepted but no credential is issued yet (the response then has no `verifiableCredential` /
//! `sdJwtCredential`, which upstream also omits when issuance fails). Refresh tokens rotate within a family;
//! presenting a used one revokes the family and records the reuse (IMP-10); `exp` is never extended and `aud`
//! is re-emitted from the grant (IMP-5).

use super::issuance::{Issue, bounded, did_of, sign_for_grant, token_response};
use crate::app::AppState;
use crate::http::{ApiError, ApiResult, AuthDeveloper, JsonObject};
use crate::store::grants::ExchangeOutcome;
use crate::store::tokens::RotateOutcome;
use crate::store::{AgentStatus, NewGrant};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// The routes (developer key).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/token", post(exchange))
        .route("/v1/token/refresh", post(refresh))
}

const INVALID_CODE: &str = "Invalid or expired authorization code";

/// Validates `credentialFormat` (§10.4; `agent-passport` → 400, IMP-28). `allow_sd_jwt` is false for
/// delegation (§6.1 row 3).
pub fn check_credential_format(body: &JsonObject, allow_sd_jwt: bool) -> ApiResult<()> {
    match body.opt_str("credentialFormat")?.as_deref() {
        None | Some("jwt" | "vc-jwt" | "both") => Ok(()),
        Some("sd-jwt") if allow_sd_jwt => Ok(()),
        Some("agent-passport") => Err(ApiError::bad_request(
            "credentialFormat agent-passport is not supported",
        )),
        Some(_) => Err(ApiError::bad_request(if allow_sd_jwt {
            "credentialFormat must be jwt, vc-jwt, both or sd-jwt"
        } else {
            "credentialFormat must be jwt, vc-jwt or both"
        })),
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn exchange(
    State(state): State<AppState>,
    AuthDeveloper(developer): AuthDeveloper,
    body: JsonObject,
) -> ApiResult<Response> {
    let code = bounded(Some(body.req_str("code")?), "code", 1, 512)?.unwrap_or_default();
    let agent_id = bounded(Some(body.req_str("agentId")?), "agentId", 1, 256)?.unwrap_or_default();
    let verifier = body.opt_str("codeVerifier")?;
    check_credential_format(&body, true)?;

    // One read: the request with its agent's status (the agent must be one of the developer's live, active
    // agents).
    let (request, agent_status) = state
        .store
        .auth_request_for_exchange(&crate::ids::sha256_hex(&code))
        .await?
        .filter(|(r, _)| r.developer_id == developer.id && r.agent_id == agent_id)
        .ok_or_else(|| ApiError::bad_request(INVALID_CODE))?;
    if agent_status.as_deref() != Some(AgentStatus::Active.as_str()) {
        return Err(ApiError::bad_request(INVALID_CODE));
    }
    if request.status == "consumed" {
        // Replay of a used code (IMP-8): revoke what it produced.
        let revoked = state
            .store
            .revoke_for_code_replay(&developer.id, &request.id)
            .await?;
        tracing::warn!(auth_request = %request.id, revoked = ?revoked, "authorization code replayed; grant revoked");
        return Err(ApiError::bad_request(
            "Authorization request is not approved (code already used; its grant has been revoked)",
        ));
    }
    if request.status != "approved" {
        return Err(ApiError::bad_request(
            "Authorization request is not approved",
        ));
    }
    let now_ms = crate::store::db_ms(crate::time::now_ms());
    if request.code_expires_at.is_none_or(|e| e <= now_ms) {
        return Err(ApiError::bad_request("Authorization code has expired"));
    }
    if let Some(challenge) = &request.code_challenge {
        let verifier =
            verifier.ok_or_else(|| ApiError::bad_request("codeVerifier is required (PKCE)"))?;
        let well_formed = (43..=128).contains(&verifier.len())
            && verifier
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
        if !well_formed {
            return Err(ApiError::bad_request("codeVerifier is malformed"));
        }
        let digest = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
        if !constant_time_eq(digest.as_bytes(), challenge.as_bytes()) {
            return Err(ApiError::bad_request(
                "codeVerifier does not match the codeChallenge",
            ));
        }
    }
    let now_s = crate::time::now_s();
    let expires_s = now_s.saturating_add(u64::try_from(request.expires_in_seconds).unwrap_or(0));
    let new = NewGrant {
        id: crate::ids::new_id(crate::ids::prefix::GRANT),
        developer_id: developer.id.clone(),
        agent_id: request.agent_id.clone(),
        principal_id: request.principal_id.clone(),
        auth_request_id: Some(request.id.clone()),
        scopes: request.scopes.clone(),
        audience: request.audience.clone(),
        parent_grant_id: None,
        delegation_depth: 0,
        created_at: now_ms,
        expires_at: i64::try_from(expires_s.saturating_mul(1000)).unwrap_or(i64::MAX),
    };
    let grant = grant_of(&new);
    let issued = sign_for_grant(
        &state,
        &Issue {
            grant: &grant,
            agent_did: did_of(&request.agent_id),
            parent_agent_did: None,
            now_s,
        },
        &crate::ids::ulid(),
    )
    .await?;
    match state
        .store
        .exchange_code(&request.id, &new, &issued.row, &issued.refresh_row)
        .await?
    {
        ExchangeOutcome::Issued => {}
        ExchangeOutcome::NotApproved => {
            state
                .store
                .revoke_for_code_replay(&developer.id, &request.id)
                .await?;
            return Err(ApiError::bad_request(
                "Authorization request is not approved (code already used; its grant has been revoked)",
            ));
        }
    }
    Ok((StatusCode::CREATED, Json(token_response(&grant, &issued))).into_response())
}

/// The [`crate::store::Grant`] a [`NewGrant`] becomes.
pub fn grant_of(new: &NewGrant) -> crate::store::Grant {
    crate::store::Grant {
        id: new.id.clone(),
        developer_id: new.developer_id.clone(),
        agent_id: new.agent_id.clone(),
        principal_id: new.principal_id.clone(),
        auth_request_id: new.auth_request_id.clone(),
        scopes: new.scopes.clone(),
        audience: new.audience.clone(),
        status: "active".into(),
        parent_grant_id: new.parent_grant_id.clone(),
        delegation_depth: new.delegation_depth,
        created_at: new.created_at,
        updated_at: new.created_at,
        expires_at: new.expires_at,
        revoked_at: None,
    }
}

const INVALID_REFRESH: &str = "Invalid refresh token";

async fn refresh(
    State(state): State<AppState>,
    AuthDeveloper(developer): AuthDeveloper,
    body: JsonObject,
) -> ApiResult<Response> {
    let token =
        bounded(Some(body.req_str("refreshToken")?), "refreshToken", 1, 512)?.unwrap_or_default();
    let agent_id = bounded(Some(body.req_str("agentId")?), "agentId", 1, 256)?.unwrap_or_default();
    let hash = crate::ids::sha256_hex(&token);
    let current = state
        .store
        .refresh_state(&developer.id, &hash)
        .await?
        .filter(|r| r.agent_status.as_deref() == Some("active"))
        .ok_or_else(|| ApiError::bad_request(INVALID_REFRESH))?;
    if current.grant.agent_id != agent_id {
        return Err(ApiError::bad_request(
            "agentId does not match the refresh token",
        ));
    }
    if current.used {
        state
            .store
            .refresh_reuse_detected(&developer.id, &current.family_id, &hash)
            .await?;
        tracing::warn!(grant = %current.grant.id, family = %current.family_id, "refresh token reuse detected; family revoked");
        return Err(ApiError::bad_request(
            "Refresh token already used: reuse detected, all refresh tokens of this grant were revoked",
        ));
    }
    if current.revoked {
        return Err(ApiError::bad_request("Refresh token has been revoked"));
    }
    let now_ms = crate::store::db_ms(crate::time::now_ms());
    if current.expires_at <= now_ms {
        return Err(ApiError::bad_request("Refresh token has expired"));
    }
    if current.grant.status == "revoked" {
        return Err(ApiError::bad_request("Grant has been revoked"));
    }
    if current.grant.status != "active" {
        return Err(ApiError::bad_request("Grant is not active"));
    }
    if current.grant.expires_at <= now_ms {
        return Err(ApiError::bad_request("Grant has expired"));
    }
    let issued = sign_for_grant(
        &state,
        &Issue {
            grant: &current.grant,
            agent_did: did_of(&current.grant.agent_id),
            parent_agent_did: current.parent_agent_id.as_deref().map(did_of),
            now_s: crate::time::now_s(),
        },
        &current.family_id,
    )
    .await?;
    match state
        .store
        .rotate_refresh_token(&current.token_hash, &issued.row, &issued.refresh_row)
        .await?
    {
        RotateOutcome::Rotated => {}
        RotateOutcome::Reused => {
            return Err(ApiError::bad_request(
                "Refresh token already used: reuse detected, all refresh tokens of this grant were revoked",
            ));
        }
        RotateOutcome::Invalid => return Err(ApiError::bad_request(INVALID_REFRESH)),
    }
    Ok((
        StatusCode::CREATED,
        Json(token_response(&current.grant, &issued)),
    )
        .into_response())
}
