//! Principal sessions and the end-user permissions page (PROTOCOL.md §9, §10.8, IMP-22).
//!
//! Dev-key ([`dev_key_router`]):
//! * `POST /v1/principal-sessions {principalId, expiresIn? = "1h"}` → 201 `{sessionToken, dashboardUrl,
//!   expiresAt, sessionId}`; lifetimes above 24 h are silently capped; 404 when the principal has no active,
//!   unexpired grant with the developer. Token format: [`crate::sessions`].
//! * `DELETE /v1/principal-sessions/{jti}` → 204 (revoked); 404 unknown, foreign or already revoked (ours).
//!
//! Session-authenticated ([`router`], [`PrincipalSession`] extractor; every refusal is 401):
//! * `GET /v1/principal/grants` → `{grants, principalId}`: active, unexpired grants, newest first; `page`/
//!   `pageSize` optional (then also `page`, `pageSize`, `total`).
//! * `GET /v1/principal/audit` → `{entries, page, pageSize, total}`: the principal's entries, newest first,
//!   100 per page by default.
//! * `DELETE /v1/principal/grants/{id}` → 204, cascade (§6.3, `Store::revoke_cascade`, the same as the
//!   developer route); 404 when not this principal's live grant.
//!
//! Public: `GET /permissions`, a static HTML page (no request data is rendered into it) whose script reads the
//! token from `#session=` (or `?session=`), strips it from the address bar, and lists grants and recent
//! audit entries with revoke buttons, building the DOM with `textContent` only. Its CSP allows exactly the
//! page's own inline script and style (by hash) and same-origin `fetch`.

use super::audit::{json_array, json_text, paging, principal_entry_json};
use crate::app::AppState;
use crate::http::{ApiError, ApiResult, AuthDeveloper, JsonObject};
use crate::sessions::{
    DEFAULT_LIFETIME, MAX_LIFETIME, PURPOSE, PrincipalSession, SESSION_PREFIX, SessionClaims,
    audience, percent_encode, sign_session_token,
};
use crate::store::audit::AuditFilter;
use crate::store::principal_sessions::PrincipalSessionRow;
use crate::store::{Agent, Grant};
use crate::time::iso_ms;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::LazyLock;

/// Longest principal id (PROTOCOL.md §1.5).
pub const MAX_PRINCIPAL_LEN: usize = 256;

/// Dev-key routes (merged behind developer authentication).
pub fn dev_key_router() -> Router<AppState> {
    Router::new()
        .route("/v1/principal-sessions", post(create_session))
        .route("/v1/principal-sessions/{id}", delete(revoke_session))
}

/// Session-authenticated routes and the public page.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/principal/grants", get(grants))
        .route("/v1/principal/grants/{id}", delete(revoke_grant))
        .route("/v1/principal/audit", get(audit))
        .route("/permissions", get(permissions_page))
}

async fn create_session(
    State(state): State<AppState>,
    AuthDeveloper(developer): AuthDeveloper,
    body: JsonObject,
) -> ApiResult<Response> {
    let principal_id = body.req_str("principalId")?;
    if principal_id.is_empty() || principal_id.chars().count() > MAX_PRINCIPAL_LEN {
        return Err(ApiError::bad_request(format!(
            "principalId must be 1..{MAX_PRINCIPAL_LEN} characters"
        )));
    }
    let lifetime = match body.opt_str("expiresIn")? {
        None => DEFAULT_LIFETIME,
        Some(text) => crate::time::parse_duration(&text).ok_or_else(|| {
            ApiError::bad_request("expiresIn must be a duration like 30m, 1h or 1d")
        })?,
    }
    .min(MAX_LIFETIME);
    if !state
        .store
        .principal_has_active_grant(&developer.id, &principal_id)
        .await?
    {
        return Err(ApiError::not_found(format!(
            "No active grants found for principal {principal_id}"
        )));
    }
    let ring = state.keys.ring().await?;
    let now_ms = crate::time::now_ms();
    let iat = now_ms / 1000;
    let exp = iat + lifetime;
    let jti = format!("{SESSION_PREFIX}{}", crate::ids::ulid());
    let public_url = &state.config.public_url;
    let claims = SessionClaims {
        dev: developer.id.clone(),
        purpose: PURPOSE.to_owned(),
        iss: public_url.clone(),
        sub: principal_id.clone(),
        aud: audience(public_url),
        jti: jti.clone(),
        iat,
        exp,
    };
    let token = sign_session_token(ring.active(), &claims)?;
    let expires_at = crate::store::db_ms(exp.saturating_mul(1000));
    state
        .store
        .insert_principal_session(&PrincipalSessionRow {
            jti: jti.clone(),
            developer_id: developer.id,
            principal_id,
            created_at: crate::store::db_ms(now_ms),
            expires_at,
            revoked_at: None,
        })
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "sessionToken": token,
            "dashboardUrl": format!("{public_url}/permissions#session={}", percent_encode(&token)),
            "expiresAt": iso_ms(expires_at),
            "sessionId": jti,
        })),
    )
        .into_response())
}

async fn revoke_session(
    State(state): State<AppState>,
    AuthDeveloper(developer): AuthDeveloper,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    if state
        .store
        .revoke_principal_session(&developer.id, &id)
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(format!(
            "Principal session {id} not found"
        )))
    }
}

/// Principal grant JSON: `{grantId, agentId, agentName, agentDescription, agentDid, scopes, status, issuedAt,
/// expiresAt, delegationDepth}`.
pub fn principal_grant_json(grant: &Grant, agent: Option<&Agent>) -> Value {
    json!({
        "grantId": grant.id,
        "agentId": grant.agent_id,
        "agentName": agent.map_or("", |a| a.name.as_str()),
        "agentDescription": agent.map_or("", |a| a.description.as_str()),
        "agentDid": format!("did:grantex:{}", grant.agent_id),
        "scopes": grant.scopes,
        "status": grant.status,
        "issuedAt": iso_ms(grant.created_at),
        "expiresAt": iso_ms(grant.expires_at),
        "delegationDepth": grant.delegation_depth,
    })
}

async fn grants(
    State(state): State<AppState>,
    session: PrincipalSession,
    Query(query): Query<HashMap<String, String>>,
) -> ApiResult<Json<Value>> {
    let paging = paging(&query, None)?;
    // Live grants (active, unexpired), newest first, from the grants store.
    let all = state
        .store
        .list_for_principal(&session.developer_id, &session.principal_id)
        .await?;
    let total = all.len();
    let selected: Vec<&Grant> = match paging {
        Some((_, _, window)) => all
            .iter()
            .skip(usize::try_from(window.offset).unwrap_or(usize::MAX))
            .take(usize::try_from(window.limit).unwrap_or(0))
            .collect(),
        None => all.iter().collect(),
    };
    let mut agents: HashMap<&str, Option<Agent>> = HashMap::new();
    for grant in &selected {
        if !agents.contains_key(grant.agent_id.as_str()) {
            let agent = state
                .store
                .get_agent(&session.developer_id, &grant.agent_id)
                .await?;
            agents.insert(grant.agent_id.as_str(), agent);
        }
    }
    let grants: Vec<Value> = selected
        .iter()
        .map(|g| principal_grant_json(g, agents.get(g.agent_id.as_str()).and_then(Option::as_ref)))
        .collect();
    let mut body = json!({ "grants": grants, "principalId": session.principal_id });
    if let (Some((page, size, _)), Some(map)) = (paging, body.as_object_mut()) {
        map.insert("page".into(), page.into());
        map.insert("pageSize".into(), size.into());
        map.insert("total".into(), total.into());
    }
    Ok(Json(body))
}

async fn audit(
    State(state): State<AppState>,
    session: PrincipalSession,
    Query(query): Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    let (page, size, window) =
        paging(&query, Some(100))?.ok_or_else(|| ApiError::internal("paging default"))?;
    let filter = AuditFilter {
        principal_id: Some(session.principal_id.clone()),
        ..AuditFilter::default()
    };
    let (rows, total) = state
        .store
        .list_audit_entries(&session.developer_id, &filter, Some(window), true)
        .await?;
    let entries = rows
        .iter()
        .map(principal_entry_json)
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(json_text(
        StatusCode::OK,
        format!(
            "{{\"entries\":{},\"page\":{page},\"pageSize\":{size},\"total\":{}}}",
            json_array(&entries),
            total.unwrap_or(0)
        ),
    ))
}

async fn revoke_grant(
    State(state): State<AppState>,
    session: PrincipalSession,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let not_found = || ApiError::not_found(format!("Grant {id} not found"));
    let now = crate::store::db_ms(crate::time::now_ms());
    let grant = state
        .store
        .get_grant(&session.developer_id, &id)
        .await?
        .filter(|g| g.principal_id == session.principal_id && g.is_live(now))
        .ok_or_else(not_found)?;
    // The developer route's cascade (§6.3): one transaction under the developer lock.
    let revoked = state
        .store
        .revoke_cascade(&session.developer_id, &grant.id)
        .await?;
    if revoked.is_empty() {
        return Err(not_found());
    }
    tracing::info!(grant = %id, cascade = revoked.len() > 1, revoked = ?revoked, "grant revoked by principal");
    Ok(StatusCode::NO_CONTENT)
}

// ------------------------------------------------------------------------------------------------------
// GET /permissions
// ------------------------------------------------------------------------------------------------------

const PAGE_STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;\
color:#1d1d1f}table{border-collapse:collapse;width:100%;margin-bottom:2rem}th,td{border-bottom:1px solid #ddd;\
padding:.4rem;text-align:left;vertical-align:top;font-size:.9rem}code{font-size:.8rem}#status{color:#6e6e73}\
button{cursor:pointer}";

const PAGE_SCRIPT: &str = r#"(function () {
  'use strict';
  var token = null;
  var match = /(?:^|&)session=([^&]*)/.exec(window.location.hash.slice(1));
  if (match) { try { token = decodeURIComponent(match[1]); } catch (e) { token = null; } }
  if (!token) { token = new URLSearchParams(window.location.search).get('session'); }
  if (window.location.hash || window.location.search) {
    window.history.replaceState(null, '', window.location.pathname);
  }
  var statusLine = document.getElementById('status');
  function show(message) { statusLine.textContent = message; }
  if (!token) { show('No session: open the link you were given.'); return; }
  function api(method, path) {
    return window.fetch(path, {
      method: method, credentials: 'omit', cache: 'no-store',
      headers: { 'Authorization': 'Bearer ' + token }
    }).then(function (response) {
      if (response.status === 401) { show('This session has expired or was revoked.'); throw new Error('401'); }
      return response;
    });
  }
  function cell(row, text) {
    var td = document.createElement('td');
    td.textContent = text === null || text === undefined ? '' : String(text);
    row.appendChild(td);
    return td;
  }
  function loadAudit() {
    return api('GET', '/v1/principal/audit?pageSize=50').then(function (r) { return r.json(); }).then(function (body) {
      var tbody = document.getElementById('audit');
      tbody.replaceChildren();
      (body.entries || []).forEach(function (entry) {
        var tr = document.createElement('tr');
        cell(tr, entry.timestamp); cell(tr, entry.agentDid); cell(tr, entry.action); cell(tr, entry.status);
        tbody.appendChild(tr);
      });
    }).catch(function () {});
  }
  function loadGrants() {
    return api('GET', '/v1/principal/grants').then(function (r) { return r.json(); }).then(function (body) {
      document.getElementById('principal').textContent = body.principalId || '';
      var tbody = document.getElementById('grants');
      tbody.replaceChildren();
      var grants = body.grants || [];
      grants.forEach(function (grant) {
        var tr = document.createElement('tr');
        cell(tr, grant.agentName); cell(tr, grant.agentDescription); cell(tr, (grant.scopes || []).join(', '));
        cell(tr, grant.issuedAt); cell(tr, grant.expiresAt);
        var actions = cell(tr, '');
        var button = document.createElement('button');
        button.type = 'button';
        button.textContent = 'Revoke';
        button.addEventListener('click', function () {
          if (!window.confirm('Revoke the access of ' + grant.agentName + '?')) { return; }
          button.disabled = true;
          api('DELETE', '/v1/principal/grants/' + encodeURIComponent(grant.grantId)).then(function (r) {
            if (r.status === 204) { loadGrants(); loadAudit(); }
            else { button.disabled = false; show('Revocation failed (HTTP ' + r.status + ').'); }
          }).catch(function () { button.disabled = false; });
        });
        actions.appendChild(button);
        tbody.appendChild(tr);
      });
      show(grants.length ? '' : 'No active grants.');
    }).catch(function () {});
  }
  loadGrants();
  loadAudit();
})();"#;

fn csp_hash(text: &str) -> String {
    format!(
        "'sha256-{}'",
        STANDARD.encode(Sha256::digest(text.as_bytes()))
    )
}

/// The page's `Content-Security-Policy`: nothing but its own inline script and style and same-origin fetch.
pub static PERMISSIONS_CSP: LazyLock<String> = LazyLock::new(|| {
    format!(
        "default-src 'none'; script-src {}; style-src {}; connect-src 'self'; img-src 'none'; \
         base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        csp_hash(PAGE_SCRIPT),
        csp_hash(PAGE_STYLE)
    )
});

static PERMISSIONS_HTML: LazyLock<String> = LazyLock::new(|| {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"referrer\" content=\"no-referrer\">\n<title>Your permissions</title>\n\
         <style>{PAGE_STYLE}</style>\n</head>\n<body>\n<h1>Your permissions</h1>\n\
         <p>Signed in as <code id=\"principal\"></code></p>\n<p id=\"status\">Loading…</p>\n\
         <h2>Agents with access</h2>\n<table>\n<thead><tr><th>Agent</th><th>Description</th><th>Scopes</th>\
         <th>Granted</th><th>Expires</th><th></th></tr></thead>\n<tbody id=\"grants\"></tbody>\n</table>\n\
         <h2>Recent activity</h2>\n<table>\n<thead><tr><th>Time</th><th>Agent</th><th>Action</th>\
         <th>Status</th></tr></thead>\n<tbody id=\"audit\"></tbody>\n</table>\n\
         <script>{PAGE_SCRIPT}</script>\n</body>\n</html>\n"
    )
});

async fn permissions_page() -> Response {
    let mut response = Html(PERMISSIONS_HTML.as_str()).into_response();
    if let Ok(value) = HeaderValue::from_str(&PERMISSIONS_CSP) {
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, value);
    }
    response
}
