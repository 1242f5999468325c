//! The 17 tools of `@grantex/mcp` 0.1.10 (PROTOCOL.md §12): names, input schemas, and the client call
//! each one makes.

use crate::client::{
    AuditLogRequest, AuditQuery, AuthorizeRequest, Client, ClientError, CreateAgent,
    DelegateRequest, ExchangeRequest, GrantQuery, PrincipalSessionRequest, RefreshRequest,
    UpdateAgent,
};
use schemars::JsonSchema;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

/// A tool input object (`arguments` of `tools/call`).
pub type Arguments = Map<String, Value>;

/// `grantex_agent_register`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AgentRegister {
    /// Human-readable agent name
    pub name: String,
    /// What this agent does
    pub description: String,
    /// Requested permission scopes (e.g. ["calendar:read", "email:send"])
    pub scopes: Vec<String>,
}

/// No input.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct NoInput {}

/// `grantex_agent_get`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AgentId {
    /// Agent ID (ag_...)
    pub agent_id: String,
}

/// `grantex_agent_update`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AgentUpdate {
    /// Agent ID (ag_...)
    pub agent_id: String,
    /// New agent name
    #[serde(default)]
    pub name: Option<String>,
    /// New agent description
    #[serde(default)]
    pub description: Option<String>,
    /// New requested scopes (replaces the current list)
    #[serde(default)]
    pub scopes: Option<Vec<String>>,
}

/// `grantex_agent_delete`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AgentDelete {
    /// Agent ID to delete (ag_...)
    pub agent_id: String,
}

/// `grantex_authorize`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Authorize {
    /// Agent ID requesting authorization (ag_...)
    pub agent_id: String,
    /// The end user (principal) who must consent
    pub user_id: String,
    /// Scopes to request (e.g. ["calendar:read"])
    pub scopes: Vec<String>,
    /// Grant lifetime as a duration: number + s|m|h|d (e.g. "24h", the default)
    #[serde(default)]
    pub expires_in: Option<String>,
    /// Absolute https URL to return the user to after consent
    #[serde(default)]
    pub redirect_uri: Option<String>,
}

/// `grantex_token_exchange`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TokenExchange {
    /// Authorization code from the consent callback (or from a sandbox authorize)
    pub code: String,
    /// Agent ID (ag_...) the code was issued for
    pub agent_id: String,
}

/// `grantex_token_verify`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct TokenVerify {
    /// JWT grant token to verify
    pub token: String,
}

/// `grantex_token_revoke`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TokenRevoke {
    /// Token JTI to revoke (tok_..., the `jti` claim of the grant token)
    pub token_id: String,
}

/// `grantex_token_refresh`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TokenRefresh {
    /// Refresh token from a previous exchange or refresh (ref_...); single use
    pub refresh_token: String,
    /// Agent ID (ag_...) of the grant
    pub agent_id: String,
}

/// `grantex_grant_list`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GrantList {
    /// Filter by agent ID (ag_...)
    #[serde(default)]
    pub agent_id: Option<String>,
    /// Filter by principal (user) ID
    #[serde(default)]
    pub principal_id: Option<String>,
    /// Filter by status
    #[serde(default)]
    #[schemars(extend("enum" = ["active", "revoked", "expired"]))]
    pub status: Option<String>,
}

/// `grantex_grant_get`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GrantGet {
    /// Grant ID (grnt_...)
    pub grant_id: String,
}

/// `grantex_grant_revoke`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GrantRevoke {
    /// Grant ID to revoke (grnt_...); delegated grants below it are revoked too
    pub grant_id: String,
}

/// `grantex_grant_delegate`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GrantDelegate {
    /// JWT grant token of the parent agent
    pub parent_grant_token: String,
    /// Sub-agent ID to delegate to (ag_...)
    pub sub_agent_id: String,
    /// Scopes for the delegated grant (must be a subset of the parent's)
    pub scopes: Vec<String>,
    /// Delegation lifetime (e.g. "1h", the default); capped by the parent's expiry
    #[serde(default)]
    pub expires_in: Option<String>,
}

/// `grantex_audit_log`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditLog {
    /// Agent ID (ag_...) that performed the action
    pub agent_id: String,
    /// Agent DID (did:grantex:ag_...)
    pub agent_did: String,
    /// Grant ID (grnt_...) the action was performed under
    pub grant_id: String,
    /// Principal (user) ID the action was performed for
    pub principal_id: String,
    /// Action name (e.g. "email.sent")
    pub action: String,
    /// Additional structured data about the action (a JSON object)
    #[serde(default)]
    pub metadata: Option<Map<String, Value>>,
    /// Outcome of the action (default "success")
    #[serde(default)]
    #[schemars(extend("enum" = ["success", "failure", "blocked"]))]
    pub status: Option<String>,
}

/// `grantex_audit_list`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditList {
    /// Filter by agent ID (ag_...)
    #[serde(default)]
    pub agent_id: Option<String>,
    /// Filter by grant ID (grnt_...)
    #[serde(default)]
    pub grant_id: Option<String>,
    /// Filter by action name
    #[serde(default)]
    pub action: Option<String>,
    /// Only entries at or after this time (ISO-8601, e.g. "2026-01-01T00:00:00Z")
    #[serde(default)]
    pub since: Option<String>,
    /// Only entries at or before this time (ISO-8601)
    #[serde(default)]
    pub until: Option<String>,
}

/// `grantex_principal_session_create`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PrincipalSessionCreate {
    /// Principal (end user) ID; needs an active grant with this developer
    pub principal_id: String,
    /// Session lifetime (e.g. "1h", the default; at most "24h")
    #[serde(default)]
    pub expires_in: Option<String>,
}

/// Name, description and input schema of one tool.
pub struct ToolSpec {
    /// Tool name (upstream's).
    pub name: &'static str,
    /// What the tool does, for the model.
    pub description: &'static str,
    /// JSON Schema of the input object.
    pub schema: Map<String, Value>,
}

/// JSON Schema (draft 2020-12) of `T` as MCP clients expect it: an object schema whose optional members
/// are plain (`"type":"string"`, not `["string","null"]`) and without the `$schema`/`title` decoration.
fn schema<T: JsonSchema>() -> Map<String, Value> {
    let generator = schemars::generate::SchemaSettings::draft2020_12().into_generator();
    let root = generator.into_root_schema_for::<T>();
    let mut value = root.to_value();
    if let Some(object) = value.as_object_mut() {
        object.remove("$schema");
        object.remove("title");
        object.remove("description");
        object
            .entry("properties")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Some(Value::Object(props)) = object.get_mut("properties") {
            for prop in props.values_mut() {
                if let Some(Value::Array(types)) = prop.get("type").cloned() {
                    let kept: Vec<Value> = types
                        .into_iter()
                        .filter(|t| t.as_str() != Some("null"))
                        .collect();
                    if let (Some(p), [only]) = (prop.as_object_mut(), kept.as_slice()) {
                        p.insert("type".to_owned(), only.clone());
                    }
                }
                if let Some(p) = prop.as_object_mut() {
                    p.remove("default");
                    if let Some(Value::Array(values)) = p.get_mut("enum") {
                        values.retain(|v| !v.is_null());
                    }
                }
            }
        }
        return object.clone();
    }
    Map::new()
}

/// Every tool, in upstream's order.
pub fn specs() -> Vec<ToolSpec> {
    macro_rules! spec {
        ($name:literal, $ty:ty, $desc:literal) => {
            ToolSpec {
                name: $name,
                description: $desc,
                schema: schema::<$ty>(),
            }
        };
    }
    vec![
        spec!(
            "grantex_agent_register",
            AgentRegister,
            "Register a new AI agent with Grantex. Returns the agent (agentId, did, scopes, status)."
        ),
        spec!(
            "grantex_agent_list",
            NoInput,
            "List all registered agents of this developer account, newest first."
        ),
        spec!(
            "grantex_agent_get",
            AgentId,
            "Get details for a specific agent."
        ),
        spec!(
            "grantex_agent_update",
            AgentUpdate,
            "Update an existing agent's name, description or scopes (give at least one)."
        ),
        spec!(
            "grantex_agent_delete",
            AgentDelete,
            "Delete an agent; its grants stop verifying."
        ),
        spec!(
            "grantex_authorize",
            Authorize,
            "Create an authorization request for a user: returns authRequestId and the consentUrl the user must open to approve. Sandbox accounts get an authorization code immediately (code, sandbox: true)."
        ),
        spec!(
            "grantex_token_exchange",
            TokenExchange,
            "Exchange an approved authorization code for a signed grant token (RS256 JWT) and a refresh token."
        ),
        spec!(
            "grantex_token_verify",
            TokenVerify,
            "Verify a grant token online: returns valid, and when valid the grantId, scopes, principal, agent and expiresAt."
        ),
        spec!(
            "grantex_token_revoke",
            TokenRevoke,
            "Revoke a grant token by its JTI."
        ),
        spec!(
            "grantex_token_refresh",
            TokenRefresh,
            "Refresh a grant token using a refresh token (rotates the refresh token; the grantId stays the same)."
        ),
        spec!(
            "grantex_grant_list",
            GrantList,
            "List grants, newest first, optionally filtered by agent, principal or status."
        ),
        spec!(
            "grantex_grant_get",
            GrantGet,
            "Get details for a specific grant."
        ),
        spec!(
            "grantex_grant_revoke",
            GrantRevoke,
            "Revoke an active grant (and every grant delegated from it)."
        ),
        spec!(
            "grantex_grant_delegate",
            GrantDelegate,
            "Delegate a grant to a sub-agent with narrowed scopes; returns the child grant token."
        ),
        spec!(
            "grantex_audit_log",
            AuditLog,
            "Append an entry to the tamper-evident audit log (hash chained)."
        ),
        spec!(
            "grantex_audit_list",
            AuditList,
            "List audit log entries, oldest first, optionally filtered."
        ),
        spec!(
            "grantex_principal_session_create",
            PrincipalSessionCreate,
            "Create a session for an end user's permissions dashboard: returns sessionToken, dashboardUrl and expiresAt."
        ),
    ]
}

/// Why a tool call failed: an input error (naming the field) or the API call's error.
#[derive(Debug)]
pub enum ToolFailure {
    /// The input does not match the schema.
    Input {
        /// The offending member, when one is to blame.
        field: Option<String>,
        /// What is wrong.
        message: String,
    },
    /// The client call failed.
    Client(ClientError),
}

impl From<ClientError> for ToolFailure {
    fn from(e: ClientError) -> Self {
        ToolFailure::Client(e)
    }
}

impl ToolFailure {
    /// The error document returned as the tool's text: `{"error":{"code","message",…}}`.
    pub fn to_json(&self) -> Value {
        match self {
            ToolFailure::Input { field, message } => json!({"error": {
                "code": "INVALID_INPUT",
                "message": message,
                "field": field,
            }}),
            ToolFailure::Client(ClientError::Api {
                status,
                code,
                message,
                request_id,
            }) => json!({"error": {
                "code": code,
                "message": message,
                "status": status,
                "requestId": request_id,
            }}),
            ToolFailure::Client(other) => json!({"error": {
                "code": other.code(),
                "message": other.message(),
            }}),
        }
    }
}

fn input_error(field: &str, message: String) -> ToolFailure {
    ToolFailure::Input {
        field: Some(field.to_owned()),
        message,
    }
}

/// Checks `args` against a tool's object schema: required members present, members of the declared
/// type (`string`, `array` of strings, `object`), enum values. `null` counts as absent for optional
/// members. Unknown members are ignored (as upstream's zod schemas strip them).
pub fn validate(schema: &Map<String, Value>, args: &Arguments) -> Result<(), ToolFailure> {
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    for name in &required {
        if args.get(*name).is_none_or(Value::is_null) {
            return Err(input_error(
                name,
                format!("missing required field `{name}`"),
            ));
        }
    }
    let Some(props) = schema.get("properties").and_then(Value::as_object) else {
        return Ok(());
    };
    for (name, prop) in props {
        let Some(value) = args.get(name) else {
            continue;
        };
        if value.is_null() {
            continue;
        }
        let ty = prop.get("type").and_then(Value::as_str).unwrap_or("");
        let ok = match ty {
            "string" => value.is_string(),
            "object" => value.is_object(),
            "array" => value
                .as_array()
                .is_some_and(|items| items.iter().all(Value::is_string)),
            _ => true,
        };
        if !ok {
            let expected = match ty {
                "array" => "an array of strings",
                "object" => "a JSON object",
                _ => "a string",
            };
            return Err(input_error(
                name,
                format!("field `{name}` must be {expected}, got {value}"),
            ));
        }
        if let Some(allowed) = prop.get("enum").and_then(Value::as_array)
            && !allowed.contains(value)
        {
            let list: Vec<String> = allowed.iter().map(Value::to_string).collect();
            return Err(input_error(
                name,
                format!(
                    "field `{name}` must be one of {}, got {value}",
                    list.join(", ")
                ),
            ));
        }
    }
    Ok(())
}

fn parse<T: DeserializeOwned>(args: Arguments) -> Result<T, ToolFailure> {
    serde_json::from_value(Value::Object(args)).map_err(|e| ToolFailure::Input {
        field: None,
        message: format!("invalid input: {e}"),
    })
}

fn pretty<T: serde::Serialize>(value: &T) -> Result<String, ToolFailure> {
    serde_json::to_string_pretty(value).map_err(|e| {
        ToolFailure::Client(ClientError::Transport(format!(
            "cannot serialize the result: {e}"
        )))
    })
}

/// Runs tool `name` (already validated) and returns its text result. Blocking (HTTP).
pub fn call(client: &Client, name: &str, args: Arguments) -> Result<String, ToolFailure> {
    match name {
        "grantex_agent_register" => {
            let i: AgentRegister = parse(args)?;
            pretty(&client.create_agent(&CreateAgent {
                name: i.name,
                description: Some(i.description),
                scopes: Some(i.scopes),
                redirect_uris: None,
            })?)
        }
        "grantex_agent_list" => pretty(&client.list_agents()?),
        "grantex_agent_get" => {
            let i: AgentId = parse(args)?;
            pretty(&client.get_agent(&i.agent_id)?)
        }
        "grantex_agent_update" => {
            let i: AgentUpdate = parse(args)?;
            pretty(&client.update_agent(
                &i.agent_id,
                &UpdateAgent {
                    name: i.name,
                    description: i.description,
                    scopes: i.scopes,
                    redirect_uris: None,
                    status: None,
                },
            )?)
        }
        "grantex_agent_delete" => {
            let i: AgentDelete = parse(args)?;
            client.delete_agent(&i.agent_id)?;
            Ok(format!("Agent {} deleted successfully.", i.agent_id))
        }
        "grantex_authorize" => {
            let i: Authorize = parse(args)?;
            pretty(&client.authorize(&AuthorizeRequest {
                agent_id: i.agent_id,
                principal_id: i.user_id,
                scopes: i.scopes,
                expires_in: i.expires_in,
                redirect_uri: i.redirect_uri,
                ..AuthorizeRequest::default()
            })?)
        }
        "grantex_token_exchange" => {
            let i: TokenExchange = parse(args)?;
            pretty(&client.exchange_token(&ExchangeRequest {
                code: i.code,
                agent_id: i.agent_id,
                ..ExchangeRequest::default()
            })?)
        }
        "grantex_token_verify" => {
            let i: TokenVerify = parse(args)?;
            pretty(&client.verify_token(&i.token)?)
        }
        "grantex_token_revoke" => {
            let i: TokenRevoke = parse(args)?;
            client.revoke_token(&i.token_id)?;
            Ok("Token revoked successfully.".to_owned())
        }
        "grantex_token_refresh" => {
            let i: TokenRefresh = parse(args)?;
            pretty(&client.refresh_token(&RefreshRequest {
                refresh_token: i.refresh_token,
                agent_id: i.agent_id,
            })?)
        }
        "grantex_grant_list" => {
            let i: GrantList = parse(args)?;
            pretty(&client.list_grants(&GrantQuery {
                agent_id: i.agent_id,
                principal_id: i.principal_id,
                status: i.status,
                ..GrantQuery::default()
            })?)
        }
        "grantex_grant_get" => {
            let i: GrantGet = parse(args)?;
            pretty(&client.get_grant(&i.grant_id)?)
        }
        "grantex_grant_revoke" => {
            let i: GrantRevoke = parse(args)?;
            client.revoke_grant(&i.grant_id)?;
            Ok(format!("Grant {} revoked successfully.", i.grant_id))
        }
        "grantex_grant_delegate" => {
            let i: GrantDelegate = parse(args)?;
            pretty(&client.delegate_grant(&DelegateRequest {
                parent_grant_token: i.parent_grant_token,
                sub_agent_id: i.sub_agent_id,
                scopes: i.scopes,
                expires_in: i.expires_in,
                credential_format: None,
            })?)
        }
        "grantex_audit_log" => {
            let i: AuditLog = parse(args)?;
            pretty(&client.log_audit(&AuditLogRequest {
                agent_id: i.agent_id,
                agent_did: i.agent_did,
                grant_id: i.grant_id,
                principal_id: i.principal_id,
                action: i.action,
                metadata: i.metadata.map(Value::Object),
                status: i.status,
            })?)
        }
        "grantex_audit_list" => {
            let i: AuditList = parse(args)?;
            pretty(&client.list_audit(&AuditQuery {
                agent_id: i.agent_id,
                grant_id: i.grant_id,
                action: i.action,
                since: i.since,
                until: i.until,
                ..AuditQuery::default()
            })?)
        }
        "grantex_principal_session_create" => {
            let i: PrincipalSessionCreate = parse(args)?;
            pretty(&client.create_principal_session(&PrincipalSessionRequest {
                principal_id: i.principal_id,
                expires_in: i.expires_in,
            })?)
        }
        other => Err(ToolFailure::Input {
            field: None,
            message: format!("unknown tool {other:?}"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seventeen_tools_with_object_schemas() {
        let specs = specs();
        assert_eq!(specs.len(), 17);
        for s in &specs {
            assert_eq!(s.schema.get("type"), Some(&json!("object")), "{}", s.name);
            assert!(s.schema.contains_key("properties"), "{}", s.name);
        }
        let authorize = specs.iter().find(|s| s.name == "grantex_authorize");
        let required = authorize.and_then(|s| s.schema.get("required")).cloned();
        assert_eq!(required, Some(json!(["agentId", "userId", "scopes"])));
        let list = specs.iter().find(|s| s.name == "grantex_grant_list");
        let status = list
            .and_then(|s| s.schema.get("properties"))
            .and_then(|p| p.get("status"))
            .cloned();
        assert_eq!(
            status.as_ref().and_then(|s| s.get("type")),
            Some(&json!("string"))
        );
        assert_eq!(
            status.as_ref().and_then(|s| s.get("enum")),
            Some(&json!(["active", "revoked", "expired"]))
        );
    }

    #[test]
    fn validation_names_the_field() {
        let specs = specs();
        let Some(get) = specs.iter().find(|s| s.name == "grantex_agent_get") else {
            return;
        };
        let err = validate(&get.schema, &Map::new());
        assert!(matches!(err, Err(ToolFailure::Input { field: Some(f), .. }) if f == "agentId"));
        let mut args = Map::new();
        args.insert("agentId".into(), json!(5));
        let err = validate(&get.schema, &args);
        assert!(matches!(err, Err(ToolFailure::Input { field: Some(f), .. }) if f == "agentId"));
        args.insert("agentId".into(), json!("ag_1"));
        assert!(validate(&get.schema, &args).is_ok());
    }
}
