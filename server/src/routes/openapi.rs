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
    let mut paths = json!({
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
            "delete": op("Delete an agent (revokes its grants and every grant delegated from them)", true, ("204", json!({"description": "Deleted"})), &["401", "404", "429"], None),
        },
        "/v1/authorize": lifecycle_path("/v1/authorize"),
        "/v1/authorize/{id}/approve": lifecycle_path("/v1/authorize/{id}/approve"),
        "/v1/authorize/{id}/deny": lifecycle_path("/v1/authorize/{id}/deny"),
        "/consent": lifecycle_path("/consent"),
        "/v1/consent/{id}": lifecycle_path("/v1/consent/{id}"),
        "/v1/consent/{id}/approve": lifecycle_path("/v1/consent/{id}/approve"),
        "/v1/consent/{id}/deny": lifecycle_path("/v1/consent/{id}/deny"),
        "/v1/token": lifecycle_path("/v1/token"),
        "/v1/token/refresh": lifecycle_path("/v1/token/refresh"),
        "/v1/tokens/verify": lifecycle_path("/v1/tokens/verify"),
        "/v1/tokens/revoke": lifecycle_path("/v1/tokens/revoke"),
        "/v1/grants": lifecycle_path("/v1/grants"),
        "/v1/grants/{id}": lifecycle_path("/v1/grants/{id}"),
        "/v1/grants/delegate": lifecycle_path("/v1/grants/delegate"),
        "/v1/grants/verify": lifecycle_path("/v1/grants/verify"),
        "/v1/revocations/status": lifecycle_path("/v1/revocations/status"),
        "/v1/audit/log": audit_principal_path("/v1/audit/log"),
        "/v1/audit/entries": audit_principal_path("/v1/audit/entries"),
        "/v1/audit/verify": audit_principal_path("/v1/audit/verify"),
        "/v1/audit/{id}": audit_principal_path("/v1/audit/{id}"),
        "/v1/principal-sessions": audit_principal_path("/v1/principal-sessions"),
        "/v1/principal-sessions/{id}": audit_principal_path("/v1/principal-sessions/{id}"),
        "/v1/principal/grants": audit_principal_path("/v1/principal/grants"),
        "/v1/principal/grants/{id}": audit_principal_path("/v1/principal/grants/{id}"),
        "/v1/principal/audit": audit_principal_path("/v1/principal/audit"),
        "/permissions": audit_principal_path("/permissions"),
    });
    with_ip_limits(&mut paths);
    paths
}

/// Documents the per-client-IP limits ([`crate::http::ip_limit`]) on the operations they apply to: a 429
/// answer and a note in the description.
fn with_ip_limits(paths: &mut Value) {
    use crate::http::ip_limit::RouteClass;
    let Some(paths) = paths.as_object_mut() else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let note = match RouteClass::of(path) {
            None => continue,
            Some(RouteClass::Token) => {
                "Limited per client IP (--token-rate-limit, default 20/min, shared with the other token route): \
                 429 RATE_LIMIT_EXCEEDED with Retry-After and \"retry in N seconds\"."
            }
            Some(RouteClass::Public) => {
                "Limited per client IP (--public-rate-limit, default 300/min, shared by the consent and principal \
                 routes): 429 RATE_LIMIT_EXCEEDED with Retry-After and \"retry in N seconds\"."
            }
        };
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (method, operation) in item.iter_mut() {
            if method == "parameters" {
                continue;
            }
            let Some(operation) = operation.as_object_mut() else {
                continue;
            };
            operation.insert("description".into(), note.into());
            if let Some(responses) = operation
                .get_mut("responses")
                .and_then(Value::as_object_mut)
                && !responses.contains_key("429")
                && let Some(error) = error_responses(&["429"]).get("429")
            {
                responses.insert("429".into(), error.clone());
            }
        }
    }
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
            "securitySchemes": {"apiKey": {"type": "http", "scheme": "bearer"}, "sessionToken": session_token_scheme()},
            "schemas": {
                "Error": {"type": "object", "required": ["message", "code", "requestId"], "properties": {
                    "message": {"type": "string"}, "code": {"type": "string"}, "requestId": {"type": "string"}}},
                "Agent": {"type": "object",
                    "required": ["agentId", "did", "developerId", "name", "description", "scopes", "redirectUris", "status", "createdAt", "updatedAt"],
                    "properties": {
                        "agentId": {"type": "string"}, "did": {"type": "string"}, "developerId": {"type": "string"},
                        "name": {"type": "string"}, "description": {"type": "string"},
                        "scopes": {"type": "array", "items": {"type": "string"}},
                        "redirectUris": redirect_uris_schema(),
                        "status": {"enum": ["active", "suspended"]},
                        "createdAt": {"type": "string", "format": "date-time"},
                        "updatedAt": {"type": "string", "format": "date-time"}}},
                "AgentCreate": {"type": "object", "required": ["name"], "properties": {
                    "name": {"type": "string", "minLength": 1}, "description": {"type": "string"},
                    "scopes": {"type": "array", "maxItems": 100, "items": {"type": "string", "minLength": 1, "maxLength": 256}},
                    "redirectUris": redirect_uris_schema()}},
                "AgentPatch": {"type": "object", "minProperties": 1, "properties": {
                    "name": {"type": "string", "minLength": 1}, "description": {"type": "string"},
                    "scopes": {"type": "array", "maxItems": 100, "items": {"type": "string", "minLength": 1, "maxLength": 256}},
                    "redirectUris": redirect_uris_schema(),
                    "status": {"enum": ["active", "suspended"]}}},
                "Grant": lifecycle_schema("Grant"),
                "TokenResponse": lifecycle_schema("TokenResponse"),
                "AuthorizeRequest": lifecycle_schema("AuthorizeRequest"),
                "AuthorizeResponse": lifecycle_schema("AuthorizeResponse"),
                "ConsentRequest": lifecycle_schema("ConsentRequest"),
                "AuditEntry": audit_principal_schema("AuditEntry"),
                "AuditLog": audit_principal_schema("AuditLog"),
                "ChainIntegrity": audit_principal_schema("ChainIntegrity"),
                "PrincipalSessionCreate": audit_principal_schema("PrincipalSessionCreate"),
                "PrincipalSession": audit_principal_schema("PrincipalSession"),
                "PrincipalGrant": audit_principal_schema("PrincipalGrant"),
                "PrincipalAuditEntry": audit_principal_schema("PrincipalAuditEntry"),
            }
        }
    })
}

/// An agent's registered redirect URIs (IMP-9, ours).
fn redirect_uris_schema() -> Value {
    json!({"type": "array", "maxItems": crate::routes::agents::MAX_REDIRECT_URIS,
        "description": "Registered redirect URIs (ours, IMP-9): when non-empty, POST /v1/authorize accepts only a redirectUri \
            equal to one of them. Absolute https URLs, or http to 127.0.0.1, localhost or [::1]; no fragment or user info. \
            Duplicates are dropped; [] clears the list.",
        "items": {"type": "string", "format": "uri", "minLength": 1, "maxLength": crate::routes::agents::MAX_REDIRECT_URI_LEN}})
}

// ------------------------------------------------------------------------------------------------------
// Audit (PROTOCOL.md §10.7) and principal sessions (§10.8)
// ------------------------------------------------------------------------------------------------------

/// The principal-session bearer scheme (`/v1/principal/*`).
fn session_token_scheme() -> Value {
    json!({"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
           "description": "Principal-session token from POST /v1/principal-sessions (typ grantex-session+jwt)"})
}

/// `op` authenticated by a principal-session token instead of an API key.
fn session_op(summary: &str, success: (&str, Value), errors: &[&str]) -> Value {
    let mut operation = op(summary, true, success, errors, None);
    if let Some(map) = operation.as_object_mut() {
        map.insert("security".into(), json!([{"sessionToken": []}]));
    }
    operation
}

fn query_params(names: &[(&str, &str)]) -> Value {
    Value::Array(
        names
            .iter()
            .map(|(name, description)| {
                let schema = match *name {
                    "page" | "pageSize" => json!({"type": "integer", "minimum": 1}),
                    "since" | "until" => json!({"type": "string", "format": "date-time"}),
                    _ => json!({"type": "string"}),
                };
                json!({"name": name, "in": "query", "required": false, "description": description, "schema": schema})
            })
            .collect(),
    )
}

/// The path item of one audit or principal-session path.
fn audit_principal_path(path: &str) -> Value {
    let entry = json!({"$ref": "#/components/schemas/AuditEntry"});
    let id_param =
        json!([{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}]);
    let paging = [
        (
            "page",
            "1-based page (paging only when page or pageSize is given)",
        ),
        ("pageSize", "entries per page, 1..500"),
    ];
    match path {
        "/v1/audit/log" => json!({"post": op(
            "Append an audit entry to the developer's hash chain (PROTOCOL.md §8)", true,
            ("201", json_ok("The stored entry", entry)), &["400", "401", "429"],
            Some(json!({"$ref": "#/components/schemas/AuditLog"})))}),
        "/v1/audit/entries" => {
            let mut get = op(
                "List audit entries, oldest first (chain order)",
                true,
                (
                    "200",
                    json_ok(
                        "Entries",
                        json!({"type": "object", "required": ["entries"], "properties": {
                    "entries": {"type": "array", "items": entry},
                    "page": {"type": "integer"}, "pageSize": {"type": "integer"}, "total": {"type": "integer"}}}),
                    ),
                ),
                &["400", "401", "429"],
                None,
            );
            if let Some(map) = get.as_object_mut() {
                map.insert(
                    "parameters".into(),
                    query_params(&[
                        ("agentId", "exact agent id"),
                        ("grantId", "exact grant id"),
                        ("principalId", "exact principal id"),
                        ("action", "exact action"),
                        ("status", "success, failure or blocked"),
                        ("since", "RFC 3339; entries at or after"),
                        ("until", "RFC 3339; entries at or before"),
                        paging[0],
                        paging[1],
                    ]),
                );
            }
            json!({"get": get})
        }
        "/v1/audit/verify" => json!({"get": op(
            "Verify the developer's whole audit chain (IMP-17)", true,
            ("200", json_ok("Chain integrity", json!({"$ref": "#/components/schemas/ChainIntegrity"}))),
            &["401", "429"], None)}),
        "/v1/audit/{id}" => json!({"parameters": id_param, "get": op(
            "Get an audit entry (entries are immutable: no PUT, PATCH or DELETE)", true,
            ("200", json_ok("Entry", entry)), &["401", "404", "429"], None)}),
        "/v1/principal-sessions" => json!({"post": op(
            "Create a principal session (dashboard link for an end user)", true,
            ("201", json_ok("Session", json!({"$ref": "#/components/schemas/PrincipalSession"}))),
            &["400", "401", "404", "429"],
            Some(json!({"$ref": "#/components/schemas/PrincipalSessionCreate"})))}),
        "/v1/principal-sessions/{id}" => json!({"parameters": id_param, "delete": op(
            "Revoke a principal session by its id (the token's jti)", true,
            ("204", json!({"description": "Revoked"})), &["401", "404", "429"], None)}),
        "/v1/principal/grants" => {
            let mut get = session_op(
                "The session principal's active grants, newest first",
                (
                    "200",
                    json_ok(
                        "Grants",
                        json!({"type": "object", "required": ["grants", "principalId"], "properties": {
                    "grants": {"type": "array", "items": {"$ref": "#/components/schemas/PrincipalGrant"}},
                    "principalId": {"type": "string"},
                    "page": {"type": "integer"}, "pageSize": {"type": "integer"}, "total": {"type": "integer"}}}),
                    ),
                ),
                &["400", "401"],
            );
            if let Some(map) = get.as_object_mut() {
                map.insert("parameters".into(), query_params(&paging));
            }
            json!({"get": get})
        }
        "/v1/principal/grants/{id}" => json!({"parameters": id_param, "delete": session_op(
            "Revoke one of the session principal's grants (cascades to delegated grants)",
            ("204", json!({"description": "Revoked"})), &["401", "404"])}),
        "/v1/principal/audit" => {
            let mut get = session_op(
                "The session principal's audit entries, newest first (100 per page)",
                (
                    "200",
                    json_ok(
                        "Entries",
                        json!({"type": "object", "required": ["entries"], "properties": {
                    "entries": {"type": "array", "items": {"$ref": "#/components/schemas/PrincipalAuditEntry"}},
                    "page": {"type": "integer"}, "pageSize": {"type": "integer"}, "total": {"type": "integer"}}}),
                    ),
                ),
                &["400", "401"],
            );
            if let Some(map) = get.as_object_mut() {
                map.insert("parameters".into(), query_params(&paging));
            }
            json!({"get": get})
        }
        "/permissions" => json!({"get": op(
            "End-user permissions page (HTML; reads the session token from #session=)", false,
            ("200", json!({"description": "HTML page", "content": {"text/html": {}}})), &[], None)}),
        _ => json!({}),
    }
}

/// Component schemas of the audit and principal-session operations.
fn audit_principal_schema(name: &str) -> Value {
    let string = json!({"type": "string"});
    let time = json!({"type": "string", "format": "date-time"});
    let status = json!({"enum": ["success", "failure", "blocked"]});
    match name {
        "AuditEntry" => json!({"type": "object",
            "required": ["entryId", "agentId", "agentDid", "grantId", "principalId", "developerId", "action",
                         "metadata", "hash", "prevHash", "timestamp", "status", "seq"],
            "properties": {
                "entryId": string, "agentId": string, "agentDid": string, "grantId": string,
                "principalId": string, "developerId": string, "action": string,
                "metadata": {"type": "object"},
                "hash": {"type": "string", "pattern": "^[a-f0-9]{64}$"},
                "prevHash": {"type": ["string", "null"], "pattern": "^[a-f0-9]{64}$"},
                "timestamp": time, "status": status,
                "seq": {"type": "integer", "minimum": 1, "description": "position in the developer's chain"}}}),
        "AuditLog" => json!({"type": "object",
            "required": ["agentId", "agentDid", "grantId", "principalId", "action"],
            "properties": {
                "agentId": {"type": "string", "minLength": 1}, "agentDid": {"type": "string", "minLength": 1},
                "grantId": {"type": "string", "minLength": 1}, "principalId": {"type": "string", "minLength": 1},
                "action": {"type": "string", "minLength": 1},
                "metadata": {"type": "object", "description": "hashed exactly as received (PROTOCOL.md §8.3)"},
                "status": status}}),
        "ChainIntegrity" => json!({"type": "object",
            "required": ["valid", "checkedEntries", "firstBrokenAt", "reason"],
            "properties": {
                "valid": {"type": "boolean"}, "checkedEntries": {"type": "integer"},
                "firstBrokenAt": {"type": ["string", "null"]},
                "reason": {"enum": ["link", "content", null]}}}),
        "PrincipalSessionCreate" => json!({"type": "object", "required": ["principalId"],
            "properties": {
                "principalId": {"type": "string", "minLength": 1, "maxLength": 256},
                "expiresIn": {"type": "string", "pattern": "^[0-9]+[smhd]$", "default": "1h",
                              "description": "capped at 24h"}}}),
        "PrincipalSession" => json!({"type": "object",
            "required": ["sessionToken", "dashboardUrl", "expiresAt", "sessionId"],
            "properties": {
                "sessionToken": string, "dashboardUrl": {"type": "string", "format": "uri"},
                "expiresAt": time, "sessionId": string}}),
        "PrincipalGrant" => json!({"type": "object",
            "required": ["grantId", "agentId", "agentName", "agentDescription", "agentDid", "scopes", "status",
                         "issuedAt", "expiresAt", "delegationDepth"],
            "properties": {
                "grantId": string, "agentId": string, "agentName": string, "agentDescription": string,
                "agentDid": string, "scopes": {"type": "array", "items": string}, "status": {"enum": ["active"]},
                "issuedAt": time, "expiresAt": time, "delegationDepth": {"type": "integer"}}}),
        "PrincipalAuditEntry" => json!({"type": "object",
            "required": ["entryId", "agentId", "agentDid", "grantId", "principalId", "action", "metadata",
                         "status", "timestamp"],
            "properties": {
                "entryId": string, "agentId": string, "agentDid": string, "grantId": string,
                "principalId": string, "action": string, "metadata": {"type": "object"},
                "status": status, "timestamp": time}}),
        _ => json!({}),
    }
}

// ------------------------------------------------------------------------------------------------------
// Authorization, consent, tokens, grants, revocation status (PROTOCOL.md §10.3–§10.6, §10.20)
// ------------------------------------------------------------------------------------------------------

/// The path item of one authorization / token / grant path.
fn lifecycle_path(path: &str) -> Value {
    let id_param =
        json!([{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}]);
    let grant = json!({"$ref": "#/components/schemas/Grant"});
    let tokens = json!({"$ref": "#/components/schemas/TokenResponse"});
    let obj = |required: &[&str]| json!({"type": "object", "required": required});
    let html = |d: &str| json!({"description": d, "content": {"text/html": {}}});
    let grant_list_params: Vec<Value> = ["agentId", "principalId", "status", "page", "pageSize"]
        .iter()
        .map(|n| {
            let schema = if n.starts_with("page") {
                json!({"type": "integer", "minimum": 1})
            } else {
                json!({"type": "string"})
            };
            json!({"name": n, "in": "query", "required": false, "schema": schema})
        })
        .collect();
    match path {
        "/v1/authorize" => {
            json!({"post": op("Create an authorization request (sandbox developers: auto-approved with a code)", true,
            ("201", json_ok("Authorization request", json!({"$ref": "#/components/schemas/AuthorizeResponse"}))),
            &["400", "401", "404", "429"], Some(json!({"$ref": "#/components/schemas/AuthorizeRequest"})))})
        }
        "/v1/authorize/{id}/approve" => {
            json!({"parameters": id_param, "post": op("Approve a pending request (sandbox developers only)", true,
            ("200", json_ok("Approved", obj(&["requestId", "status", "code"]))), &["401", "403", "404", "429"], None)})
        }
        "/v1/authorize/{id}/deny" => {
            json!({"parameters": id_param, "post": op("Deny a pending request (sandbox developers only)", true,
            ("200", json_ok("Denied", obj(&["requestId", "status"]))), &["401", "403", "404", "429"], None)})
        }
        "/consent" => {
            json!({"get": {"summary": "Consent page (HTML, no script; sets the one-time consent cookie in bound mode)", "security": [],
            "parameters": [{"name": "req", "in": "query", "required": true, "schema": {"type": "string"}}],
            "responses": {"200": html("Consent page")}}})
        }
        "/v1/consent/{id}" => {
            json!({"parameters": id_param, "get": op("Consent request details", false,
            ("200", json_ok("Request", json!({"$ref": "#/components/schemas/ConsentRequest"}))), &["404", "410"], None)})
        }
        "/v1/consent/{id}/approve" => {
            json!({"parameters": id_param, "post": consent_op("Approve (bound mode: consent cookie + CSRF token required)",
            obj(&["code"]), &["400", "403", "404", "410"])})
        }
        "/v1/consent/{id}/deny" => {
            json!({"parameters": id_param, "post": consent_op("Deny (bound mode: consent cookie + CSRF token required)",
            obj(&[]), &["400", "403", "404", "410"])})
        }
        "/v1/token" => {
            json!({"post": op("Exchange an authorization code", true, ("201", json_ok("Tokens", tokens)), &["400", "401", "429"],
            Some(json!({"type": "object", "required": ["code", "agentId"], "properties": {"code": {"type": "string"}, "agentId": {"type": "string"},
                "codeVerifier": {"type": "string"}, "credentialFormat": {"enum": ["jwt", "vc-jwt", "both", "sd-jwt"]}}})))})
        }
        "/v1/token/refresh" => {
            json!({"post": op("Rotate a refresh token (single use; reuse revokes the family)", true, ("201", json_ok("Tokens", tokens)),
            &["400", "401", "429"], Some(json!({"type": "object", "required": ["refreshToken", "agentId"],
                "properties": {"refreshToken": {"type": "string"}, "agentId": {"type": "string"}}})))})
        }
        "/v1/tokens/verify" => json!({"post": op("Online token verification", true,
            ("200", json_ok("Result", json!({"type": "object", "required": ["valid"], "properties": {"valid": {"type": "boolean"},
                "grantId": {"type": "string"}, "scopes": {"type": "array", "items": {"type": "string"}}, "principal": {"type": "string"},
                "agent": {"type": "string"}, "expiresAt": {"type": "string", "format": "date-time"},
                "reason": {"enum": ["invalid", "invalid_claims", "expired", "wrong_developer", "not_found", "revoked", "agent_suspended"]}}}))),
            &["400", "401", "429"], Some(json!({"type": "object", "required": ["token"], "properties": {"token": {"type": "string"}}})))}),
        "/v1/tokens/revoke" => {
            json!({"post": op("Revoke one token by jti", true, ("204", json!({"description": "Revoked"})), &["400", "401", "404", "429"],
            Some(json!({"type": "object", "required": ["jti"], "properties": {"jti": {"type": "string"}}})))})
        }
        "/v1/grants" => {
            json!({"get": {"summary": "List grants, newest first (paged when page/pageSize are sent)", "security": [{"apiKey": []}],
            "parameters": grant_list_params,
            "responses": {"200": json_ok("Grants", json!({"type": "object", "required": ["grants"], "properties": {"grants": {"type": "array", "items": grant}}})),
                "400": error_responses(&["400"])["400"], "401": error_responses(&["401"])["401"], "429": error_responses(&["429"])["429"]}}})
        }
        "/v1/grants/{id}" => json!({"parameters": id_param,
            "get": op("Get a grant", true, ("200", json_ok("Grant", grant)), &["401", "404", "429"], None),
            "delete": op("Revoke a grant and all its descendants", true, ("204", json!({"description": "Revoked"})), &["401", "404", "429"], None)}),
        "/v1/grants/delegate" => {
            json!({"post": op("Delegate a subset of a grant to a sub-agent", true, ("201", json_ok("Tokens", tokens)),
            &["400", "401", "403", "404", "429"], Some(json!({"type": "object", "required": ["parentGrantToken", "subAgentId", "scopes"], "properties": {
                "parentGrantToken": {"type": "string"}, "subAgentId": {"type": "string"}, "scopes": {"type": "array", "items": {"type": "string"}},
                "expiresIn": {"type": "string"}, "credentialFormat": {"enum": ["jwt", "vc-jwt", "both"]}}})))})
        }
        "/v1/grants/verify" => {
            json!({"post": op("Online grant-token verification with claims", true,
            ("200", json_ok("Result", json!({"type": "object", "required": ["active"], "properties": {"active": {"type": "boolean"},
                "claims": {"type": "object"}, "reason": {"type": "string"}}}))),
            &["400", "401", "429"], Some(json!({"type": "object", "required": ["token"], "properties": {"token": {"type": "string"}}})))})
        }
        "/v1/revocations/status" => {
            json!({"get": {"summary": "Revocation status of a grant and/or token", "security": [{"apiKey": []}],
            "parameters": [{"name": "grantId", "in": "query", "required": false, "schema": {"type": "string"}},
                           {"name": "jti", "in": "query", "required": false, "schema": {"type": "string"}}],
            "responses": {"200": json_ok("Status", json!({"type": "object", "required": ["revoked", "status"], "properties": {
                "revoked": {"type": "boolean"}, "status": {"enum": ["active", "revoked", "suspended", "unknown"]}}})),
                "400": error_responses(&["400"])["400"], "401": error_responses(&["401"])["401"], "429": error_responses(&["429"])["429"]}}})
        }
        _ => json!({}),
    }
}

/// A public consent decision: JSON body/answer for API callers, form post → 303 or HTML for browsers.
fn consent_op(summary: &str, success: Value, errors: &[&str]) -> Value {
    let mut operation = op(
        summary,
        false,
        ("200", json_ok("Decision", success)),
        errors,
        None,
    );
    if let Some(map) = operation.as_object_mut() {
        map.insert("requestBody".into(), json!({"required": false, "content": {
            "application/json": {"schema": {"type": "object", "properties": {"csrfToken": {"type": "string"}}}},
            "application/x-www-form-urlencoded": {"schema": {"type": "object", "properties": {"csrf": {"type": "string"}}}}}}));
        if let Some(responses) = map.get_mut("responses").and_then(Value::as_object_mut) {
            responses.insert("303".into(), json!({"description": "Form post: redirect to the redirect URI with code/state or error=access_denied"}));
        }
    }
    operation
}

/// Schemas of the lifecycle group.
fn lifecycle_schema(name: &str) -> Value {
    let strings = json!({"type": "array", "items": {"type": "string"}});
    match name {
        "Grant" => json!({"type": "object",
            "required": ["grantId", "agentId", "principalId", "developerId", "scopes", "status", "issuedAt", "expiresAt", "delegationDepth"],
            "properties": {"grantId": {"type": "string"}, "agentId": {"type": "string"}, "principalId": {"type": "string"},
                "developerId": {"type": "string"}, "scopes": strings, "status": {"enum": ["active", "revoked", "expired"]},
                "issuedAt": {"type": "string", "format": "date-time"}, "expiresAt": {"type": "string", "format": "date-time"},
                "revokedAt": {"type": "string", "format": "date-time"}, "parentGrantId": {"type": "string"},
                "delegationDepth": {"type": "integer"}, "audience": {"type": "string"}}}),
        "TokenResponse" => {
            json!({"type": "object", "required": ["grantToken", "expiresAt", "scopes", "refreshToken", "grantId"],
            "properties": {"grantToken": {"type": "string"}, "expiresAt": {"type": "string", "format": "date-time"}, "scopes": strings,
                "refreshToken": {"type": "string"}, "grantId": {"type": "string"}}})
        }
        "AuthorizeRequest" => {
            json!({"type": "object", "required": ["agentId", "principalId", "scopes"], "properties": {
            "agentId": {"type": "string"}, "principalId": {"type": "string"}, "scopes": strings, "redirectUri": {"type": "string"},
            "state": {"type": "string"}, "expiresIn": {"type": "string"}, "audience": {"type": "string"},
            "codeChallenge": {"type": "string"}, "codeChallengeMethod": {"enum": ["S256"]}}})
        }
        "AuthorizeResponse" => {
            json!({"type": "object", "required": ["authRequestId", "consentUrl", "expiresAt"], "properties": {
            "authRequestId": {"type": "string"}, "consentUrl": {"type": "string"}, "expiresAt": {"type": "string", "format": "date-time"},
            "code": {"type": "string"}, "sandbox": {"type": "boolean"}}})
        }
        "ConsentRequest" => {
            json!({"type": "object", "required": ["id", "agentName", "agentDid", "scopes", "scopeDescriptions", "expiresAt", "status"],
            "properties": {"id": {"type": "string"}, "agentName": {"type": "string"}, "agentDid": {"type": "string"},
                "agentDescription": {"type": ["string", "null"]}, "scopes": strings, "scopeDescriptions": strings,
                "expiresAt": {"type": "string", "format": "date-time"}, "status": {"const": "pending"},
                "fidoRequired": {"type": "boolean"}, "developerName": {"type": "string"}}})
        }
        _ => json!({}),
    }
}
