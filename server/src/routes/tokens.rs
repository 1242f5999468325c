//! `POST /v1/tokens/verify` and `POST /v1/tokens/revoke` (PROTOCOL.md §10.5, §4.4, §7.4).
//!
//! Verify answers 200 `{valid:true, grantId, scopes, principal, agent, expiresAt}` or `{valid:false, reason}`
//! (`reason` is additive: `invalid`, `invalid_claims`, `expired`, `wrong_developer`, `not_found`, `revoked`,
//! `agent_suspended` — IMP-6, IMP-12).

use super::issuance::{bounded, online_gate};
use crate::app::AppState;
use crate::http::{ApiError, ApiResult, AuthDeveloper, JsonObject};
use crate::time::iso_ms;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{Value, json};

/// The routes (developer key).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/tokens/verify", post(verify))
        .route("/v1/tokens/revoke", post(revoke))
}

/// The non-empty `token` field.
pub fn token_field(body: &JsonObject) -> ApiResult<String> {
    match body.opt_str("token")? {
        Some(t) if !t.is_empty() => Ok(t),
        _ => Err(ApiError::bad_request("token is required")),
    }
}

async fn verify(
    State(state): State<AppState>,
    AuthDeveloper(developer): AuthDeveloper,
    body: JsonObject,
) -> ApiResult<Json<Value>> {
    let token = token_field(&body)?;
    Ok(Json(
        match online_gate(&state, &developer.id, &token).await? {
            Ok(ok) => json!({
                "valid": true,
                "grantId": ok.stored.grant.id,
                "scopes": ok.verified.scopes,
                "principal": ok.verified.principal_id,
                "agent": ok.verified.agent_did,
                "expiresAt": iso_ms(i64::try_from(ok.verified.expires_at.saturating_mul(1000)).unwrap_or(i64::MAX)),
            }),
            Err(failure) => json!({"valid": false, "reason": failure.reason()}),
        },
    ))
}

async fn revoke(
    State(state): State<AppState>,
    AuthDeveloper(developer): AuthDeveloper,
    body: JsonObject,
) -> ApiResult<StatusCode> {
    let jti = bounded(Some(body.req_str("jti")?), "jti", 1, 512)?.unwrap_or_default();
    if state.store.revoke_token(&developer.id, &jti).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(format!("Token {jti} not found")))
    }
}
