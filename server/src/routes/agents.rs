//! Agents (PROTOCOL.md §10.2): dev-key routes scoped to the calling developer; foreign, unknown and deleted
//! ids answer 404. `POST /v1/agents/{id}` is an alias of `PATCH` (IMP-29: the Python SDK's `agents.update`).
//!
//! Ours (additive, IMP-9): `redirectUris`, the agent's registered redirect URIs, settable on create and
//! update and returned in every agent (`[]` when none are registered). When an agent has any,
//! `POST /v1/authorize` accepts only a `redirectUri` equal to one of them. Each must be an absolute `https:`
//! URL, or `http:` to a loopback host (`127.0.0.1`, `localhost`, `[::1]`), printable ASCII without
//! fragment or user info, at most [`MAX_REDIRECT_URI_LEN`] characters; at most [`MAX_REDIRECT_URIS`] of
//! them (duplicates are dropped). Anything else is 400 `BAD_REQUEST`.
//!
//! Deleting an agent revokes its grants and every grant delegated from them, also those held by other
//! agents (§6.3, §7.5 with IMP-12; see [`crate::store::Store::delete_agent`]).

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
/// Most redirect URIs an agent may register.
pub const MAX_REDIRECT_URIS: usize = 20;
/// Longest registered redirect URI (the bound of `redirectUri` at authorize).
pub const MAX_REDIRECT_URI_LEN: usize = 2048;

/// The agents routes (mounted behind developer authentication).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/agents", get(list).post(create))
        .route(
            "/v1/agents/{id}",
            get(read).patch(update).post(update).delete(remove),
        )
}

/// Agent JSON: `{agentId, did, developerId, name, description, scopes, status, createdAt, updatedAt}` plus
/// our additive `redirectUris`.
pub fn agent_json(agent: &Agent) -> Value {
    json!({
        "agentId": agent.id,
        "did": agent.did(),
        "developerId": agent.developer_id,
        "name": agent.name,
        "description": agent.description,
        "scopes": agent.scopes,
        "redirectUris": agent.redirect_uris,
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

/// Characters a URI may contain (RFC 3986 unreserved, reserved and `%`).
fn uri_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~:/?#[]@!$&'()*+,;=%".contains(&b)
}

/// Why `uri` cannot be registered as a redirect URI, if it cannot (see the module documentation).
pub fn redirect_uri_problem(uri: &str) -> Option<&'static str> {
    if uri.is_empty() || uri.len() > MAX_REDIRECT_URI_LEN {
        return Some("must be 1..2048 characters");
    }
    if !uri.bytes().all(uri_char) {
        return Some("contains a character not allowed in a URI");
    }
    if uri.contains('#') {
        return Some("must not contain a fragment");
    }
    let Some((scheme, rest)) = uri.split_once("://") else {
        return Some("must be an absolute URL");
    };
    let https = scheme.eq_ignore_ascii_case("https");
    if !https && !scheme.eq_ignore_ascii_case("http") {
        return Some("must use https (or http to a loopback host)");
    }
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    if authority.contains('@') {
        return Some("must not contain user information");
    }
    let (host, port) = match authority.strip_prefix('[') {
        Some(bracketed) => {
            let Some((inside, after)) = bracketed.split_once(']') else {
                return Some("has an unterminated IPv6 host");
            };
            if inside.parse::<std::net::Ipv6Addr>().is_err() {
                return Some("has an invalid IPv6 host");
            }
            let port = match after {
                "" => None,
                _ => match after.strip_prefix(':') {
                    Some(port) => Some(port),
                    None => return Some("has an invalid authority"),
                },
            };
            (authority.strip_suffix(after).unwrap_or(authority), port)
        }
        None => {
            let (host, port) = match authority.split_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (authority, None),
            };
            let host_ok = !host.is_empty()
                && host
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
            if !host_ok {
                return Some("must name a valid host");
            }
            (host, port)
        }
    };
    if let Some(port) = port
        && !(port.bytes().all(|b| b.is_ascii_digit()) && port.parse::<u16>().is_ok_and(|p| p > 0))
    {
        return Some("has an invalid port");
    }
    if !https
        && !matches!(
            host.to_ascii_lowercase().as_str(),
            "127.0.0.1" | "localhost" | "[::1]"
        )
    {
        return Some("may use http only for a loopback host (127.0.0.1, localhost, [::1])");
    }
    None
}

fn valid_redirect_uris(body: &JsonObject) -> ApiResult<Option<Vec<String>>> {
    let Some(uris) = body.opt_str_list("redirectUris")? else {
        return Ok(None);
    };
    let mut unique: Vec<String> = Vec::with_capacity(uris.len().min(MAX_REDIRECT_URIS));
    for uri in uris {
        if let Some(problem) = redirect_uri_problem(&uri) {
            let shown: String = uri.chars().take(100).collect();
            return Err(ApiError::bad_request(format!(
                "redirectUris entry {shown:?} {problem}"
            )));
        }
        if !unique.contains(&uri) {
            if unique.len() == MAX_REDIRECT_URIS {
                return Err(ApiError::bad_request(format!(
                    "redirectUris must have at most {MAX_REDIRECT_URIS} entries"
                )));
            }
            unique.push(uri);
        }
    }
    Ok(Some(unique))
}

async fn create(
    State(state): State<AppState>,
    AuthDeveloper(developer): AuthDeveloper,
    body: JsonObject,
) -> ApiResult<Response> {
    let name = valid_name(&body)?.ok_or_else(|| ApiError::bad_request("name is required"))?;
    let description = body.opt_str("description")?.unwrap_or_default();
    let scopes = valid_scopes(&body)?.unwrap_or_default();
    let redirect_uris = valid_redirect_uris(&body)?.unwrap_or_default();
    let agent = state
        .store
        .create_agent(
            &developer.id,
            NewAgent {
                name,
                description,
                scopes,
                redirect_uris,
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
        redirect_uris: valid_redirect_uris(&body)?,
        status,
    };
    if patch.name.is_none()
        && patch.description.is_none()
        && patch.scopes.is_none()
        && patch.redirect_uris.is_none()
        && patch.status.is_none()
    {
        return Err(ApiError::bad_request(
            "Provide at least one of name, description, scopes, redirectUris, status",
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
    let revoked = state
        .store
        .delete_agent_revoking(&developer.id, &id)
        .await?
        .ok_or_else(|| not_found(&id))?;
    tracing::info!(agent = %id, revoked = ?revoked, "agent deleted");
    Ok(StatusCode::NO_CONTENT)
}
