//! Request and response bodies of the REST API (PROTOCOL.md §10), camelCase on the wire.
//!
//! Response structs keep members this version does not know in `extra`, so a value read from the server
//! serializes back to the same JSON members (the MCP tools print them as received).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Members of a response that this client does not model.
pub type Extra = Map<String, Value>;

/// An agent (§10.2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Agent {
    /// `ag_…`
    pub agent_id: String,
    /// `did:grantex:<agentId>`
    #[serde(default)]
    pub did: String,
    /// Owning developer.
    #[serde(default)]
    pub developer_id: String,
    /// Display name.
    pub name: String,
    /// Free text (default `""`).
    #[serde(default)]
    pub description: String,
    /// Declared scopes.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// Registered redirect URIs (ours, IMP-9; absent from upstream servers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_uris: Option<Vec<String>>,
    /// `active` or `suspended`.
    pub status: String,
    /// ISO-8601 creation time.
    #[serde(default)]
    pub created_at: String,
    /// ISO-8601 last update.
    #[serde(default)]
    pub updated_at: String,
    /// Members not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `GET /v1/agents`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentList {
    /// Newest first.
    pub agents: Vec<Agent>,
    /// Members not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `POST /v1/agents`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateAgent {
    /// Non-blank name.
    pub name: String,
    /// Optional description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Optional declared scopes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<String>>,
    /// Optional registered redirect URIs (ours, IMP-9).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirect_uris: Option<Vec<String>>,
}

/// `PATCH /v1/agents/:id`: at least one member.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateAgent {
    /// New name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// New description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// New scopes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<String>>,
    /// New registered redirect URIs (replaces the list; empty clears it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirect_uris: Option<Vec<String>>,
    /// `active` or `suspended`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

/// `POST /v1/authorize` (§10.3).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthorizeRequest {
    /// The agent asking.
    pub agent_id: String,
    /// The end user.
    pub principal_id: String,
    /// Requested scopes.
    pub scopes: Vec<String>,
    /// Absolute redirect URI.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirect_uri: Option<String>,
    /// Echoed state.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// Duration string (`24h` default).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<String>,
    /// Token audience.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audience: Option<String>,
    /// PKCE S256 challenge.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code_challenge: Option<String>,
    /// `S256`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code_challenge_method: Option<String>,
}

/// `POST /v1/authorize` answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthorizeResponse {
    /// `areq_…`
    pub auth_request_id: String,
    /// Consent page URL.
    pub consent_url: String,
    /// Request expiry.
    pub expires_at: String,
    /// Sandbox developer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sandbox: Option<bool>,
    /// Authorization code when already approved (sandbox, allow policy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Allow policy matched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_enforced: Option<bool>,
    /// `allow` when a policy decided.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effect: Option<String>,
    /// Members not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `POST /v1/authorize/:id/approve|deny` answer (sandbox developers).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SandboxDecision {
    /// The authorization request id.
    pub request_id: String,
    /// `approved` or `denied`.
    pub status: String,
    /// New code when approved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Members not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `POST /v1/token` (§10.4).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExchangeRequest {
    /// Authorization code.
    pub code: String,
    /// The agent the code was issued for.
    pub agent_id: String,
    /// PKCE verifier.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code_verifier: Option<String>,
    /// `jwt`, `vc-jwt`, `sd-jwt`, `both`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credential_format: Option<String>,
}

/// `POST /v1/token/refresh`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefreshRequest {
    /// `ref_…`
    pub refresh_token: String,
    /// The grant's agent.
    pub agent_id: String,
}

/// Token exchange, refresh and delegation answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenResponse {
    /// The grant JWT.
    pub grant_token: String,
    /// Grant expiry.
    pub expires_at: String,
    /// Granted scopes.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// `ref_…`
    #[serde(default)]
    pub refresh_token: String,
    /// `grnt_…`
    pub grant_id: String,
    /// VC-JWT when asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verifiable_credential: Option<String>,
    /// SD-JWT when asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sd_jwt_credential: Option<String>,
    /// Members not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `POST /v1/tokens/verify` answer (§10.5).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenVerification {
    /// Whether the token is valid now.
    pub valid: bool,
    /// Grant id when valid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grant_id: Option<String>,
    /// Scopes when valid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<String>>,
    /// Principal (`sub`) when valid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal: Option<String>,
    /// Agent DID when valid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
    /// Expiry when valid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    /// Why not, when the server says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Members not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A grant (§10.6).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Grant {
    /// `grnt_…`
    pub grant_id: String,
    /// The agent.
    pub agent_id: String,
    /// The end user.
    pub principal_id: String,
    /// Owning developer.
    #[serde(default)]
    pub developer_id: String,
    /// Granted scopes.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// `active`, `revoked` (or derived `expired`).
    pub status: String,
    /// Issue time.
    #[serde(default)]
    pub issued_at: String,
    /// Expiry.
    #[serde(default)]
    pub expires_at: String,
    /// Revocation time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<String>,
    /// Parent grant of a delegated grant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_grant_id: Option<String>,
    /// 0 for a root grant.
    #[serde(default)]
    pub delegation_depth: u32,
    /// Members not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `GET /v1/grants` answer; `total`, `page`, `pageSize` only for a paged request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GrantList {
    /// Newest first.
    pub grants: Vec<Grant>,
    /// Number of matching grants (paged requests).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
    /// Page number (paged requests).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<u64>,
    /// Page size (paged requests).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_size: Option<u64>,
}

/// Filters and paging of `GET /v1/grants`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GrantQuery {
    /// Only this agent's grants.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// Only this principal's grants.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub principal_id: Option<String>,
    /// Only grants with this status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Page number from 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<u64>,
    /// Page size (1..=100).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page_size: Option<u64>,
}

/// `POST /v1/grants/delegate`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DelegateRequest {
    /// The parent agent's grant token.
    pub parent_grant_token: String,
    /// The sub-agent.
    pub sub_agent_id: String,
    /// Subset of the parent's scopes.
    pub scopes: Vec<String>,
    /// Duration string (`1h` default).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<String>,
    /// `jwt`, `vc-jwt`, `both`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credential_format: Option<String>,
}

/// `POST /v1/grants/verify` answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GrantVerification {
    /// Whether the grant behind the token is live.
    pub active: bool,
    /// Claims when active.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claims: Option<Value>,
    /// Why not, when inactive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Members not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `POST /v1/audit/log` (§10.7).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditLogRequest {
    /// Acting agent.
    pub agent_id: String,
    /// Its DID.
    pub agent_did: String,
    /// Grant used.
    pub grant_id: String,
    /// End user.
    pub principal_id: String,
    /// What happened.
    pub action: String,
    /// Free-form object.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
    /// `success`, `failure`, `blocked`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

/// An audit entry (§8.1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntry {
    /// `alog_…`
    pub entry_id: String,
    /// Acting agent.
    pub agent_id: String,
    /// Its DID.
    #[serde(default)]
    pub agent_did: String,
    /// Grant used.
    #[serde(default)]
    pub grant_id: String,
    /// End user.
    #[serde(default)]
    pub principal_id: String,
    /// What happened.
    pub action: String,
    /// Free-form object.
    #[serde(default)]
    pub metadata: Value,
    /// Chain hash.
    #[serde(default)]
    pub hash: String,
    /// Previous entry's hash (null for the first).
    #[serde(default)]
    pub prev_hash: Option<String>,
    /// ISO-8601 time.
    pub timestamp: String,
    /// `success`, `failure`, `blocked`.
    #[serde(default)]
    pub status: String,
    /// Members not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `GET /v1/audit/entries` answer; `total`, `page`, `pageSize` only for a paged request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditList {
    /// Oldest first.
    pub entries: Vec<AuditEntry>,
    /// Number of matching entries (paged requests).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
    /// Page number (paged requests).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<u64>,
    /// Page size (paged requests).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_size: Option<u64>,
}

/// Filters and paging of `GET /v1/audit/entries`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditQuery {
    /// Only this agent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// Only this grant.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grant_id: Option<String>,
    /// Only this principal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub principal_id: Option<String>,
    /// Only this action.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// Only this status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// From this time (RFC 3339), inclusive.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
    /// Until this time (RFC 3339), inclusive.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    /// Page number from 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<u64>,
    /// Page size.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page_size: Option<u64>,
}

/// `GET /v1/audit/verify`: the server's check of the whole chain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditChainReport {
    /// Whether the chain is intact.
    pub valid: bool,
    /// Entries checked.
    pub checked_entries: u64,
    /// First broken entry id.
    #[serde(default)]
    pub first_broken_at: Option<String>,
    /// `link` or `content`.
    #[serde(default)]
    pub reason: Option<String>,
    /// Members not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `POST /v1/principal-sessions` (§10.8).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PrincipalSessionRequest {
    /// The end user.
    pub principal_id: String,
    /// Duration string (`1h` default, at most 24 h).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<String>,
}

/// `POST /v1/principal-sessions` answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PrincipalSession {
    /// Bearer token for `/v1/principal/*`.
    pub session_token: String,
    /// The permissions page with the token in its fragment.
    pub dashboard_url: String,
    /// Expiry.
    pub expires_at: String,
    /// Members not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `GET /v1/revocations/status` answer (§10.20).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RevocationStatus {
    /// Anything but `active`.
    pub revoked: bool,
    /// `active`, `revoked`, `suspended`, `unknown`.
    pub status: String,
    /// Members not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}
