//! Agents (PROTOCOL.md §10.2): dev-key routes scoped to the calling developer; foreign, unknown and deleted
//! ids answer 404. `POST /v1/agents/{id}` is an alias of `PATCH` (IMP-29: the Python SDK's `agents.update`).

use crate::app::AppState;
use crate::http::{ApiError, ApiResult, AuthDeveloper, JsonObject};
use crate::store::{Agent, AgentPatch, AgentStatus, NewAgent};
use crate::time::iso_ms;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

/// Most scopes an agent may register.
pub const MAX_SCOPES: usize = 100;
/// Longest scope string.
pub const MAX_SCOPE_LEN: usize = 256;

/// The agents routes (mounted behind developer authentication).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/agents", get(list).post(create))
        .route(
            "/v1/agents/{id}",
            get(read).patch(update).post(update).delete(remove),
        )
}

/// Agent JSON: `{agentId, did, developerId, name, description, scopes, status, createdAt, updatedAt}`.
pub fn agent_json(agent: &Agent) -> Value {
    json!({
        "agentId": agent.id,
        "did": agent.did(),
        "developerId": agent.developer_id,
        "name": agent.name,
        "description": agent.description,
        "scopes": agent.scopes,
        "status": agent.status.as_str(),
        "createdAt": iso_ms(agent.created_at),
        "updatedAt": iso_ms(agent.updated_at),
    })
}

fn not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("Agent {id} not found"))
}

fn valid_name(body: &JsonObject) -> ApiResult<Option<String>> {
    match body.opt_str("name")? {
        None => Ok(None),
        Some(name) => {
            let trimmed = name.trim();
            if trimmed.is_empty() {
                Err(ApiError::bad_request("name must not be blank"))
            } else {
                Ok(Some(trimmed.to_owned()))
            }
        }
    }
}

fn valid_scopes(body: &JsonObject) -> ApiResult<Option<Vec<String>>> {
    let Some(scopes) = body.opt_str_list("scopes")? else {
        return Ok(None);
    };
    if scopes.len() > MAX_SCOPES {
        return Err(ApiError::bad_request(format!(
            "scopes must have at most {MAX_SCOPES} entries"
        )));
    }
    if scopes
        .iter()
        .any(|s| s.is_empty() || s.chars().count() > MAX_SCOPE_LEN)
    {
        return Err(ApiError::bad_request(format!(
            "each scope must be 1..{MAX_SCOPE_LEN} characters"
        )));
    }
    Ok(Some(scopes))
}

async fn create(
    State(state): State<AppState>,
    AuthDeveloper(developer): AuthDeveloper,
    body: JsonObject,
) -> ApiResult<Response> {
    let name = valid_name(&body)?.ok_or_else(|| ApiError::bad_request("name is required"))?;
    let description = body.opt_str("description")?.unwrap_or_default();
    let scopes = valid_scopes(&body)?.unwrap_or_default();
    let agent = state
        .store
        .create_agent(
            &developer.id,
            NewAgent {
                name,
                description,
                scopes,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(agent_json(&agent))).into_response())
}

async fn list(
    State(state): State<AppState>,
    AuthDeveloper(developer): AuthDeveloper,
) -> ApiResult<Json<Value>> {
    let agents = state.store.list_agents(&developer.id).await?;
    let agents: Vec<Value> = agents.iter().map(agent_json).collect();
    Ok(Json(json!({ "agents": agents })))
}

async fn read(
    State(state): State<AppState>,
    AuthDeveloper(developer): AuthDeveloper,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let agent = state
        .store
        .get_agent(&developer.id, &id)
        .await?
        .ok_or_else(|| not_found(&id))?;
    Ok(Json(agent_json(&agent)))
}

async fn update(
    State(state): State<AppState>,
    AuthDeveloper(developer): AuthDeveloper,
    Path(id): Path<String>,
    body: JsonObject,
) -> ApiResult<Json<Value>> {
    let status =
        match body.opt_str("status")? {
            None => None,
            Some(s) => Some(AgentStatus::parse(&s).ok_or_else(|| {
                ApiError::bad_request("status must be \"active\" or \"suspended\"")
            })?),
        };
    let patch = AgentPatch {
        name: valid_name(&body)?,
        description: body.opt_str("description")?,
        scopes: valid_scopes(&body)?,
        status,
    };
    if patch.name.is_none()
        && patch.description.is_none()
        && patch.scopes.is_none()
        && patch.status.is_none()
    {
        return Err(ApiError::bad_request(
            "Provide at least one of name, description, scopes, status",
        ));
    }
    let agent = state
        .store
        .update_agent(&developer.id, &id, patch)
        .await?
        .ok_or_else(|| not_found(&id))?;
    Ok(Json(agent_json(&agent)))
}

async fn remove(
    State(state): State<AppState>,
    AuthDeveloper(developer): AuthDeveloper,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    if state.store.delete_agent(&developer.id, &id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(not_found(&id))
    }
}
