//! Grants (PROTOCOL.md §10.6): list, get, cascade revoke (§6.3), delegate (§6.1, §6.2) and online verify
//! (§4.4).
//!
//! Ours: real `parentGrantId`/`delegationDepth`, derived `status:"expired"` (also as a filter) and paging when
//! `page`/`pageSize` are sent (IMP-13); 400 `DELEGATION_DEPTH_EXCEEDED` (IMP-16); delegated scopes may equal
//! or narrow a parent scope (`grantex_core::scope::narrows`, IMP-14); audience inherited (IMP-5); delegated
//! expiry `min(parent exp, now + expiresIn)` with `expiresIn` capped by `--max-grant-lifetime` (IMP-11).

use super::issuance::{
    GateFailure, Issue, bounded, decode_payload, grant_json, online_gate, sign_for_grant,
    token_response,
};
use super::token::{check_credential_format, grant_of};
use super::tokens::token_field;
use crate::app::AppState;
use crate::http::{ApiError, ApiResult, AuthDeveloper, JsonObject};
use crate::store::grants::DelegateOutcome;
use crate::store::{AgentStatus, GrantFilter, NewGrant};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};
use std::collections::HashMap;

/// Delegation-specific error code.
pub const DELEGATION_DEPTH_EXCEEDED: &str = "DELEGATION_DEPTH_EXCEEDED";

/// The routes (developer key).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/grants", get(list))
        .route("/v1/grants/delegate", post(delegate))
        .route("/v1/grants/verify", post(verify))
        .route("/v1/grants/{id}", get(read).delete(revoke))
}

fn page_param(query: &HashMap<String, String>, name: &str, max: i64) -> ApiResult<Option<i64>> {
    match query.get(name) {
        None => Ok(None),
        Some(text) => match text.parse::<i64>() {
            Ok(n) if (1..=max).contains(&n) => Ok(Some(n)),
            _ => Err(ApiError::bad_request(format!(
                "{name} must be an integer in 1..{max}"
            ))),
        },
    }
}

async fn list(
    State(state): State<AppState>,
    AuthDeveloper(developer): AuthDeveloper,
    Query(query): Query<HashMap<String, String>>,
) -> ApiResult<Json<Value>> {
    let page = page_param(&query, "page", 1_000_000)?;
    let page_size = page_param(&query, "pageSize", 100)?;
    let paging = (page.is_some() || page_size.is_some())
        .then(|| (page.unwrap_or(1), page_size.unwrap_or(20)));
    let filter = GrantFilter {
        agent_id: query.get("agentId").cloned(),
        principal_id: query.get("principalId").cloned(),
        status: query.get("status").cloned(),
        page: paging.map(|(p, s)| (s, (p - 1) * s)),
    };
    let (grants, total) = state.store.list_grants(&developer.id, &filter).await?;
    let now = crate::store::db_ms(crate::time::now_ms());
    let grants: Vec<Value> = grants.iter().map(|g| grant_json(g, now)).collect();
    Ok(Json(match paging {
        Some((page, page_size)) => {
            json!({"grants": grants, "total": total, "page": page, "pageSize": page_size})
        }
        None => json!({ "grants": grants }),
    }))
}

async fn read(
    State(state): State<AppState>,
    AuthDeveloper(developer): AuthDeveloper,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let grant = state
        .store
        .get_grant(&developer.id, &id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("Grant {id} not found")))?;
    Ok(Json(grant_json(
        &grant,
        crate::store::db_ms(crate::time::now_ms()),
    )))
}

async fn revoke(
    State(state): State<AppState>,
    AuthDeveloper(developer): AuthDeveloper,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let revoked = state.store.revoke_cascade(&developer.id, &id).await?;
    if revoked.is_empty() {
        return Err(ApiError::not_found(format!(
            "Grant {id} not found or already revoked"
        )));
    }
    tracing::info!(grant = %id, cascade = revoked.len() > 1, revoked = ?revoked, "grant revoked");
    Ok(StatusCode::NO_CONTENT)
}

async fn delegate(
    State(state): State<AppState>,
    AuthDeveloper(developer): AuthDeveloper,
    body: JsonObject,
) -> ApiResult<Response> {
    // §6.1 rows 1–3.
    let parent_token = body.req_str("parentGrantToken")?;
    let sub_agent_id =
        bounded(Some(body.req_str("subAgentId")?), "subAgentId", 1, 256)?.unwrap_or_default();
    let scopes = super::authorize::valid_scopes(&body, "scopes")?;
    check_credential_format(&body, false)?;
    // Rows 4–8: the online gate on the parent.
    let parent = match online_gate(&state, &developer.id, &parent_token).await? {
        Ok(ok) => ok,
        Err(GateFailure::WrongDeveloper) => {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                crate::http::error::code::FORBIDDEN,
                "The parent grant token belongs to another developer",
            ));
        }
        Err(failure) => {
            return Err(ApiError::bad_request(format!(
                "Invalid parent grant token ({})",
                failure.reason()
            )));
        }
    };
    let parent_grant = &parent.stored.grant;
    // Row 9.
    let depth = parent_grant.delegation_depth + 1;
    if depth > i64::from(state.config.max_delegation_depth) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            DELEGATION_DEPTH_EXCEEDED,
            format!(
                "Delegation depth {depth} exceeds the maximum of {}",
                state.config.max_delegation_depth
            ),
        ));
    }
    // Row 10: each scope equal to or narrowing a parent scope.
    if let Some(extra) = scopes.iter().find(|s| {
        !parent
            .verified
            .scopes
            .iter()
            .any(|p| grantex_core::scope::narrows(s, p))
    }) {
        return Err(ApiError::bad_request(format!(
            "scope {extra:?} is not granted by the parent token"
        )));
    }
    // Row 11.
    let sub_agent = state
        .store
        .get_agent(&developer.id, &sub_agent_id)
        .await?
        .filter(|a| a.status == AgentStatus::Active)
        .ok_or_else(|| ApiError::not_found(format!("Agent {sub_agent_id} not found")))?;
    // Row 12.
    let expires_in =
        super::authorize::valid_expires_in(&body, 3600, state.config.max_grant_lifetime)?;
    let now_s = crate::time::now_s();
    let parent_exp_ms = i64::try_from(parent.verified.expires_at.saturating_mul(1000))
        .unwrap_or(i64::MAX)
        .min(parent_grant.expires_at);
    let expires_at = i64::try_from(now_s.saturating_add(expires_in).saturating_mul(1000))
        .unwrap_or(i64::MAX)
        .min(parent_exp_ms);
    let new = NewGrant {
        id: crate::ids::new_id(crate::ids::prefix::GRANT),
        developer_id: developer.id.clone(),
        agent_id: sub_agent.id.clone(),
        principal_id: parent.verified.principal_id.clone(),
        auth_request_id: None,
        scopes,
        audience: parent_grant.audience.clone(),
        parent_grant_id: Some(parent_grant.id.clone()),
        delegation_depth: depth,
        created_at: crate::store::db_ms(crate::time::now_ms()),
        expires_at,
    };
    let grant = grant_of(&new);
    let issued = sign_for_grant(
        &state,
        &Issue {
            grant: &grant,
            agent_did: sub_agent.did(),
            parent_agent_did: Some(parent.verified.agent_did.clone()),
            now_s,
        },
        &crate::ids::ulid(),
    )
    .await?;
    // Row 13.
    match state
        .store
        .delegate(&new, &issued.row, &issued.refresh_row)
        .await?
    {
        DelegateOutcome::Issued => {}
        DelegateOutcome::ParentInactive => {
            return Err(ApiError::bad_request(
                "The parent grant is no longer active",
            ));
        }
    }
    Ok((StatusCode::CREATED, Json(token_response(&grant, &issued))).into_response())
}

async fn verify(
    State(state): State<AppState>,
    AuthDeveloper(developer): AuthDeveloper,
    body: JsonObject,
) -> ApiResult<Json<Value>> {
    let token = token_field(&body)?;
    match online_gate(&state, &developer.id, &token).await? {
        Ok(_) => Ok(Json(
            json!({"active": true, "claims": decode_payload(&token)}),
        )),
        Err(GateFailure::Invalid | GateFailure::InvalidClaims) => {
            Err(ApiError::bad_request("Invalid grant token"))
        }
        Err(failure) => Ok(Json(json!({"active": false, "reason": failure.reason()}))),
    }
}
