//! Shared by the authorization, token and grant routes: signing grant tokens (§3.3, §3.4), minting codes and
//! refresh tokens (IMP-8, IMP-10), the Grant JSON (§10.6, IMP-13) and the online verification gate (§4.4,
//! IMP-12) built on `grantex_core::grant::verify_grant_token`.

use crate::app::AppState;
use crate::http::ApiError;
use crate::keys::{GrantClaims, sign_grant_token};
use crate::store::tokens::{NewRefreshToken, NewTokenRow, TokenState};
use crate::store::{Grant, Store};
use crate::time::iso_ms;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use grantex_core::error::ErrorCode;
use grantex_core::grant::{
    AudiencePolicy, IssuerPolicy, VerifiedGrant, VerifyOptions, verify_grant_token,
};
use serde_json::{Map, Value, json};
use std::sync::Arc;

/// Refresh tokens live at most this long (§3.5).
pub const REFRESH_LIFETIME_MS: i64 = 30 * 86_400 * 1000;

/// A random 256-bit secret, base64url (43 characters).
pub fn random_secret() -> String {
    URL_SAFE_NO_PAD.encode(crate::ids::random_bytes::<32>())
}

/// A fresh refresh token `ref_` + 256 random bits (IMP-10).
pub fn new_refresh_token() -> String {
    format!("{}{}", crate::ids::prefix::REFRESH, random_secret())
}

/// What a signed token needs besides the grant.
#[derive(Debug, Clone)]
pub struct Issue<'a> {
    /// The grant (its `expires_at` is the token `exp`).
    pub grant: &'a Grant,
    /// The grantee agent's DID.
    pub agent_did: String,
    /// The delegating agent's DID (delegated grants).
    pub parent_agent_did: Option<String>,
    /// Issued at, Unix seconds.
    pub now_s: u64,
}

/// A signed token with the rows to store for it.
#[derive(Debug, Clone)]
pub struct Issued {
    /// The compact JWS.
    pub token: String,
    /// Its row.
    pub row: NewTokenRow,
    /// The refresh token text.
    pub refresh_token: String,
    /// Its row (family from the caller).
    pub refresh_row: NewRefreshToken,
}

/// Signs a token for `issue.grant` with the active key and prepares its rows (§3.4 claims: `aud` from the
/// grant, delegation claims when the grant has a parent).
pub async fn sign_for_grant(
    state: &AppState,
    issue: &Issue<'_>,
    family_id: &str,
) -> Result<Issued, ApiError> {
    let grant = issue.grant;
    let ring = state.keys.ring().await?;
    let key = ring.active();
    let jti = crate::ids::new_id(crate::ids::prefix::TOKEN);
    let exp_s = u64::try_from(grant.expires_at / 1000).unwrap_or(0);
    let delegated = grant.parent_grant_id.is_some();
    let claims = GrantClaims {
        agt: issue.agent_did.clone(),
        dev: grant.developer_id.clone(),
        scp: grant.scopes.clone(),
        grnt: Some(grant.id.clone()),
        parent_agt: if delegated {
            issue.parent_agent_did.clone()
        } else {
            None
        },
        parent_grnt: grant.parent_grant_id.clone(),
        delegation_depth: u32::try_from(grant.delegation_depth)
            .ok()
            .filter(|d| *d > 0),
        bdg: None,
        iss: state.config.public_url.clone(),
        sub: grant.principal_id.clone(),
        jti: jti.clone(),
        iat: issue.now_s,
        exp: exp_s,
        aud: grant.audience.clone(),
    };
    let token = sign_grant_token(key, &claims)?;
    let now_ms = i64::try_from(issue.now_s.saturating_mul(1000)).unwrap_or(i64::MAX);
    let refresh_token = new_refresh_token();
    Ok(Issued {
        token,
        row: NewTokenRow {
            jti,
            grant_id: grant.id.clone(),
            developer_id: grant.developer_id.clone(),
            kid: key.kid().to_owned(),
            issued_at: now_ms,
            expires_at: grant.expires_at,
        },
        refresh_row: NewRefreshToken {
            token_hash: crate::ids::sha256_hex(&refresh_token),
            grant_id: grant.id.clone(),
            developer_id: grant.developer_id.clone(),
            family_id: family_id.to_owned(),
            created_at: now_ms,
            expires_at: (now_ms.saturating_add(REFRESH_LIFETIME_MS)).min(grant.expires_at),
        },
        refresh_token,
    })
}

/// The token response `{grantToken, expiresAt, scopes, refreshToken, grantId}` (§10.4, §10.6).
pub fn token_response(grant: &Grant, issued: &Issued) -> Value {
    json!({
        "grantToken": issued.token,
        "expiresAt": iso_ms(grant.expires_at),
        "scopes": grant.scopes,
        "refreshToken": issued.refresh_token,
        "grantId": grant.id,
    })
}

/// Grant JSON (§10.6) with real parent/depth and the derived `expired` status (IMP-13).
pub fn grant_json(grant: &Grant, now_ms: i64) -> Value {
    let mut map = Map::new();
    map.insert("grantId".into(), grant.id.clone().into());
    map.insert("agentId".into(), grant.agent_id.clone().into());
    map.insert("principalId".into(), grant.principal_id.clone().into());
    map.insert("developerId".into(), grant.developer_id.clone().into());
    map.insert("scopes".into(), json!(grant.scopes));
    map.insert("status".into(), grant.effective_status(now_ms).into());
    map.insert("issuedAt".into(), iso_ms(grant.created_at).into());
    map.insert("expiresAt".into(), iso_ms(grant.expires_at).into());
    if let Some(at) = grant.revoked_at {
        map.insert("revokedAt".into(), iso_ms(at).into());
    }
    if let Some(parent) = &grant.parent_grant_id {
        map.insert("parentGrantId".into(), parent.clone().into());
    }
    map.insert("delegationDepth".into(), grant.delegation_depth.into());
    if let Some(aud) = &grant.audience {
        map.insert("audience".into(), aud.clone().into());
    }
    Value::Object(map)
}

/// Why the online gate refused a token (`reason` on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GateFailure {
    /// Signature, structure, issuer or kind.
    Invalid,
    /// Required claims missing or mistyped.
    InvalidClaims,
    /// `exp` passed (JWT or stored row).
    Expired,
    /// Another developer's token.
    WrongDeveloper,
    /// No token row.
    NotFound,
    /// Token or grant revoked (or the agent deleted).
    Revoked,
    /// The grantee agent is suspended (IMP-12).
    AgentSuspended,
}

impl GateFailure {
    /// The wire `reason`.
    pub fn reason(self) -> &'static str {
        match self {
            GateFailure::Invalid => "invalid",
            GateFailure::InvalidClaims => "invalid_claims",
            GateFailure::Expired => "expired",
            GateFailure::WrongDeveloper => "wrong_developer",
            GateFailure::NotFound => "not_found",
            GateFailure::Revoked => "revoked",
            GateFailure::AgentSuspended => "agent_suspended",
        }
    }
}

/// A token that passed the gate.
#[derive(Debug, Clone)]
pub struct GateOk {
    /// Verified claims.
    pub verified: VerifiedGrant,
    /// The stored state (grant, agent).
    pub stored: Arc<TokenState>,
}

/// Signature/issuer/expiry with the core verifier against the served key ring (active + retiring keys).
pub async fn verify_signature(
    state: &AppState,
    token: &str,
) -> Result<Result<VerifiedGrant, GateFailure>, ApiError> {
    let ring = state.keys.ring().await?;
    let keys = ring.key_set();
    let mut options = VerifyOptions::new(
        IssuerPolicy::Expect(state.config.public_url.clone()),
        crate::time::now_s(),
    );
    options.audience = AudiencePolicy::Any;
    Ok(
        verify_grant_token(keys, token, &options).map_err(|e| match e.code {
            ErrorCode::MissingClaim | ErrorCode::InvalidClaim => GateFailure::InvalidClaims,
            ErrorCode::Expired => GateFailure::Expired,
            _ => GateFailure::Invalid,
        }),
    )
}

/// The online gate (§4.4, IMP-12): core verification, developer, token row, revocation, expiry, agent status.
pub async fn online_gate(
    state: &AppState,
    developer_id: &str,
    token: &str,
) -> Result<Result<GateOk, GateFailure>, ApiError> {
    let verified = match verify_signature(state, token).await? {
        Ok(v) => v,
        Err(f) => return Ok(Err(f)),
    };
    if verified.developer_id != developer_id {
        return Ok(Err(GateFailure::WrongDeveloper));
    }
    let result = check_stored(&state.store, developer_id, &verified.token_id).await?;
    Ok(result.map(|stored| GateOk { verified, stored }))
}

async fn check_stored(
    store: &Store,
    developer_id: &str,
    jti: &str,
) -> Result<Result<Arc<TokenState>, GateFailure>, ApiError> {
    let Some(stored) = store.token_state(developer_id, jti).await? else {
        return Ok(Err(GateFailure::NotFound));
    };
    let now = crate::store::db_ms(crate::time::now_ms());
    if stored.token_revoked || stored.grant.status != "active" || stored.agent_status.is_none() {
        return Ok(Err(GateFailure::Revoked));
    }
    if stored.token_expires_at <= now || stored.grant.expires_at <= now {
        return Ok(Err(GateFailure::Expired));
    }
    if stored.agent_status.as_deref() != Some("active") {
        return Ok(Err(GateFailure::AgentSuspended));
    }
    Ok(Ok(stored))
}

/// The JSON payload of a (verified) compact JWS.
pub fn decode_payload(token: &str) -> Value {
    token
        .split('.')
        .nth(1)
        .and_then(|p| URL_SAFE_NO_PAD.decode(p).ok())
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or(Value::Null)
}

/// `agentId` of a `did:grantex:` DID.
pub fn agent_id_of_did(did: &str) -> Option<&str> {
    did.strip_prefix("did:grantex:")
}

/// `did:grantex:<agentId>`.
pub fn did_of(agent_id: &str) -> String {
    format!("did:grantex:{agent_id}")
}

/// Checks a string field's length in characters (`min..=max`); `Ok(None)` when absent.
pub fn bounded(
    value: Option<String>,
    name: &str,
    min: usize,
    max: usize,
) -> Result<Option<String>, ApiError> {
    match value {
        Some(v) if !(min..=max).contains(&v.chars().count()) => Err(ApiError::bad_request(
            format!("{name} must be {min}..{max} characters"),
        )),
        other => Ok(other),
    }
}
