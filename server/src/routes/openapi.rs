//! `GET /openapi.json`: a hand-written OpenAPI 3.1 document of what this server serves. A test sends a
//! request for every documented operation and fails if one is not routed, so a route group added without
//! documentation (or documented without a route) is caught; add the group's operations to [`paths`].

use crate::app::AppState;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

/// The public route.
pub fn router() -> Router<AppState> {
    Router::new().route("/openapi.json", get(openapi))
}

async fn openapi(State(state): State<AppState>) -> Json<Value> {
    Json(document(&state.config.public_url))
}

fn error_responses(codes: &[&str]) -> Value {
    let mut map = serde_json::Map::new();
    for code in codes {
        map.insert(
            (*code).to_owned(),
            json!({"description": "Error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}),
        );
    }
    Value::Object(map)
}

fn op(
    summary: &str,
    secured: bool,
    success: (&str, Value),
    errors: &[&str],
    body: Option<Value>,
) -> Value {
    let mut responses = error_responses(errors);
    if let Some(map) = responses.as_object_mut() {
        map.insert(success.0.to_owned(), success.1);
    }
    let mut operation = json!({"summary": summary, "responses": responses});
    if let Some(map) = operation.as_object_mut() {
        map.insert(
            "security".into(),
            if secured {
                json!([{"apiKey": []}])
            } else {
                json!([])
            },
        );
        if let Some(schema) = body {
            map.insert(
                "requestBody".into(),
                json!({"required": true, "content": {"application/json": {"schema": schema}}}),
            );
        }
    }
    operation
}

fn json_ok(description: &str, schema: Value) -> Value {
    json!({"description": description, "content": {"application/json": {"schema": schema}}})
}

/// The `paths` object: every served operation.
pub fn paths() -> Value {
    let agent = json!({"$ref": "#/components/schemas/Agent"});
    let id_param =
        json!([{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}]);
    let patch = json!({"$ref": "#/components/schemas/AgentPatch"});
    json!({
        "/health": {"get": op("Health", false, ("200", json_ok("Healthy", json!({"type": "object", "required": ["status"]}))), &["503"], None)},
        "/metrics": {"get": op("Prometheus metrics", false, ("200", json!({"description": "Prometheus text", "content": {"text/plain": {}}})), &[], None)},
        "/openapi.json": {"get": op("This document", false, ("200", json_ok("OpenAPI document", json!({"type": "object"}))), &[], None)},
        "/.well-known/jwks.json": {"get": op("Grant-token verification keys (RS256)", false, ("200", json_ok("JWKS", json!({"type": "object", "required": ["keys"]}))), &[], None)},
        "/.well-known/did.json": {"get": op("The server's did:web document", false, ("200", json_ok("DID document", json!({"type": "object"}))), &["404"], None)},
        "/v1/agents": {
            "get": op("List agents, newest first", true, ("200", json_ok("Agents", json!({"type": "object", "properties": {"agents": {"type": "array", "items": agent}}}))), &["401", "429"], None),
            "post": op("Register an agent", true, ("201", json_ok("Agent", agent.clone())), &["400", "401", "429"], Some(json!({"$ref": "#/components/schemas/AgentCreate"}))),
        },
        "/v1/agents/{id}": {
            "parameters": id_param,
            "get": op("Get an agent", true, ("200", json_ok("Agent", agent.clone())), &["401", "404", "429"], None),
            "patch": op("Update an agent", true, ("200", json_ok("Agent", agent.clone())), &["400", "401", "404", "429"], Some(patch.clone())),
            "post": op("Update an agent (alias of PATCH)", true, ("200", json_ok("Agent", agent)), &["400", "401", "404", "429"], Some(patch)),
            "delete": op("Delete an agent (revokes its grants)", true, ("204", json!({"description": "Deleted"})), &["401", "404", "429"], None),
        },
    })
}

/// The whole document for a server at `public_url`.
pub fn document(public_url: &str) -> Value {
    json!({
        "openapi": "3.1.0",
        "info": {"title": "Grantex", "version": env!("CARGO_PKG_VERSION"),
                 "description": "Delegated authorization for AI agents (reference server)."},
        "servers": [{"url": public_url}],
        "paths": paths(),
        "components": {
            "securitySchemes": {"apiKey": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {"type": "object", "required": ["message", "code", "requestId"], "properties": {
                    "message": {"type": "string"}, "code": {"type": "string"}, "requestId": {"type": "string"}}},
                "Agent": {"type": "object",
                    "required": ["agentId", "did", "developerId", "name", "description", "scopes", "status", "createdAt", "updatedAt"],
                    "properties": {
                        "agentId": {"type": "string"}, "did": {"type": "string"}, "developerId": {"type": "string"},
                        "name": {"type": "string"}, "description": {"type": "string"},
                        "scopes": {"type": "array", "items": {"type": "string"}},
                        "status": {"enum": ["active", "suspended"]},
                        "createdAt": {"type": "string", "format": "date-time"},
                        "updatedAt": {"type": "string", "format": "date-time"}}},
                "AgentCreate": {"type": "object", "required": ["name"], "properties": {
                    "name": {"type": "string", "minLength": 1}, "description": {"type": "string"},
                    "scopes": {"type": "array", "maxItems": 100, "items": {"type": "string", "minLength": 1, "maxLength": 256}}}},
                "AgentPatch": {"type": "object", "minProperties": 1, "properties": {
                    "name": {"type": "string", "minLength": 1}, "description": {"type": "string"},
                    "scopes": {"type": "array", "maxItems": 100, "items": {"type": "string", "minLength": 1, "maxLength": 256}},
                    "status": {"enum": ["active", "suspended"]}}},
            }
        }
    })
}
