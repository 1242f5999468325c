//! `GET /v1/revocations/status?grantId&jti` (PROTOCOL.md §10.20, IMP-6, IMP-31): the online status of a
//! grant and/or token of the calling developer, `{revoked, status}` with `status` ∈
//! `active|revoked|suspended|unknown`. Fail-closed: `revoked` is `true` for anything but `active` (an
//! unknown or foreign id, an expired grant — reported as `revoked` —, a suspended or deleted agent).

use crate::app::AppState;
use crate::http::{ApiError, ApiResult, AuthDeveloper};
use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};
use std::collections::HashMap;

/// The route (developer key).
pub fn router() -> Router<AppState> {
    Router::new().route("/v1/revocations/status", get(status))
}

async fn status(
    State(state): State<AppState>,
    AuthDeveloper(developer): AuthDeveloper,
    Query(query): Query<HashMap<String, String>>,
) -> ApiResult<Json<Value>> {
    let grant_id = query.get("grantId").filter(|s| !s.is_empty());
    let jti = query.get("jti").filter(|s| !s.is_empty());
    if grant_id.is_none() && jti.is_none() {
        return Err(ApiError::bad_request("grantId or jti is required"));
    }
    let now = crate::store::db_ms(crate::time::now_ms());
    let status = match jti {
        Some(jti) => match state.store.token_state(&developer.id, jti).await? {
            None => "unknown",
            Some(s) if grant_id.is_some_and(|g| *g != s.grant.id) => "unknown",
            Some(s) if s.token_revoked || s.agent_status.is_none() || !s.grant.is_live(now) => {
                "revoked"
            }
            Some(s) if s.agent_status.as_deref() != Some("active") => "suspended",
            Some(_) => "active",
        },
        None => {
            let grant_id = grant_id.map(String::as_str).unwrap_or_default();
            match state.store.get_grant(&developer.id, grant_id).await? {
                None => "unknown",
                Some(g) if !g.is_live(now) => "revoked",
                Some(g) => match state.store.get_agent(&developer.id, &g.agent_id).await? {
                    None => "revoked",
                    Some(a) if a.status != crate::store::AgentStatus::Active => "suspended",
                    Some(_) => "active",
                },
            }
        }
    };
    Ok(Json(
        json!({"revoked": status != "active", "status": status}),
    ))
}
