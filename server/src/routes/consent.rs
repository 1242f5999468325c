//! Consent (PROTOCOL.md §10.3, public): the server-rendered page `GET /consent?req=…`, `GET /v1/consent/{id}`
//! and `POST /v1/consent/{id}/approve|deny`.
//!
//! Page-bound approval (IMP-7, `--consent-approval bound`, the default outside `--dev`): each page load sets a
//! one-time `HttpOnly; SameSite=Strict` cookie scoped to `/v1/consent/<id>` and embeds a CSRF token, both
//! stored hashed on the request (a new load replaces them); approve/deny must present both (cookie + form
//! field `csrf`, JSON `csrfToken` or header `X-CSRF-Token`), else 403 `FORBIDDEN`. `legacy` is upstream's
//! behaviour (the request id suffices). Expiry is enforced for deny too.
//!
//! The page needs no JavaScript: plain forms post `application/x-www-form-urlencoded` to the approve/deny
//! endpoints, which then answer a 303 to the redirect URI (`code`/`state`, or `error=access_denied`) or a
//! small HTML result page. JSON callers get PROTOCOL.md's JSON answers. Pages carry a strict CSP (no script,
//! nonce'd inline style, `form-action` limited to us and the redirect origin).

use crate::app::AppState;
use crate::config::ConsentApproval;
use crate::http::{ApiError, ApiResult};
use crate::store::{Agent, AuthRequest};
use crate::time::iso_ms;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Map, Value, json};
use std::collections::HashMap;

/// Codes of this group.
pub mod code {
    /// 410: expired or not pending.
    pub const GONE: &str = "GONE";
    /// 403: the developer requires a passkey assertion (not supported by this server yet).
    pub const FIDO_REQUIRED: &str = "FIDO_REQUIRED";
}

/// Cookie carrying the page binding.
pub const COOKIE: &str = "gx_consent";

/// The public routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/consent", get(page))
        .route("/v1/consent/{id}", get(read))
        .route("/v1/consent/{id}/approve", post(approve))
        .route("/v1/consent/{id}/deny", post(deny))
}

/// HTML-escapes text for element content and quoted attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

fn percent_encode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok());
                if let Some(v) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    out.push(v);
                    i += 2;
                } else {
                    out.push(b'%');
                }
            }
            _ => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `application/x-www-form-urlencoded` pairs.
pub fn parse_form(text: &str) -> Vec<(String, String)> {
    text.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

/// `uri` with the query parameters `params` set (replacing same-named ones, keeping the others).
pub fn with_query(uri: &str, params: &[(&str, &str)]) -> String {
    let (without_fragment, fragment) = match uri.split_once('#') {
        Some((u, f)) => (u, Some(f)),
        None => (uri, None),
    };
    let (base, query) = without_fragment
        .split_once('?')
        .unwrap_or((without_fragment, ""));
    let mut parts: Vec<String> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .filter(|p| {
            let name = percent_decode(p.split('=').next().unwrap_or(""));
            !params.iter().any(|(n, _)| *n == name)
        })
        .map(str::to_owned)
        .collect();
    parts.extend(
        params
            .iter()
            .map(|(n, v)| format!("{}={}", percent_encode(n), percent_encode(v))),
    );
    let mut out = format!("{base}?{}", parts.join("&"));
    if let Some(f) = fragment {
        out.push('#');
        out.push_str(f);
    }
    out
}

fn origin_of(uri: &str) -> Option<String> {
    let (scheme, rest) = uri.split_once(':')?;
    let scheme_ok = !scheme.is_empty()
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
    if !scheme_ok {
        return None;
    }
    let lower = scheme.to_ascii_lowercase();
    if lower != "http" && lower != "https" {
        // A registered custom scheme: CSP can only name the scheme.
        return Some(format!("{lower}:"));
    }
    let authority = rest.strip_prefix("//")?.split(['/', '?', '#']).next()?;
    let valid = !authority.is_empty()
        && authority
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'));
    valid.then(|| format!("{lower}://{authority}"))
}

fn now() -> i64 {
    crate::store::db_ms(crate::time::now_ms())
}

fn gone(message: &str) -> ApiError {
    ApiError::new(StatusCode::GONE, code::GONE, message)
}

fn fido_required() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        code::FIDO_REQUIRED,
        "This developer requires a passkey assertion before consent",
    )
}

fn not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("Authorization request {id} not found"))
}

struct Context {
    request: AuthRequest,
    agent: Agent,
    developer_name: String,
    fido_required: bool,
}

async fn load(state: &AppState, id: &str) -> ApiResult<Option<Context>> {
    let Some(request) = state.store.get_auth_request(id).await? else {
        return Ok(None);
    };
    let Some(agent) = state
        .store
        .get_agent(&request.developer_id, &request.agent_id)
        .await?
    else {
        return Ok(None);
    };
    let (developer_name, fido_required) = state
        .store
        .developer_name(&request.developer_id)
        .await?
        .unwrap_or_default();
    Ok(Some(Context {
        request,
        agent,
        developer_name,
        fido_required,
    }))
}

fn pending(request: &AuthRequest) -> bool {
    request.status == "pending" && request.expires_at > now()
}

async fn read(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let ctx = load(&state, &id).await?.ok_or_else(|| not_found(&id))?;
    if !pending(&ctx.request) {
        return Err(gone(
            "Authorization request has expired or is no longer pending",
        ));
    }
    let descriptions: Vec<String> = ctx
        .request
        .scopes
        .iter()
        .map(|s| grantex_core::scope::describe(s))
        .collect();
    Ok(Json(json!({
        "id": ctx.request.id,
        "agentName": ctx.agent.name,
        "agentDid": ctx.agent.did(),
        "agentDescription": if ctx.agent.description.is_empty() { Value::Null } else { ctx.agent.description.clone().into() },
        "scopes": ctx.request.scopes,
        "scopeDescriptions": descriptions,
        "expiresAt": iso_ms(ctx.request.expires_at),
        "status": "pending",
        "fidoRequired": ctx.fido_required,
        "developerName": ctx.developer_name,
    })))
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:34rem;margin:2rem auto;padding:0 1rem;color:#111}\
h1{font-size:1.4rem}.box{border:1px solid #ccc;border-radius:8px;padding:1rem;margin:1rem 0}\
.muted{color:#555;font-size:.9rem;word-break:break-all}ul{padding-left:1.2rem}li{margin:.4rem 0}\
.actions{display:flex;gap:1rem;margin-top:1.5rem}button{font-size:1.05rem;padding:.7rem 1.4rem;border-radius:6px;cursor:pointer}\
.deny{background:#b00020;color:#fff;border:0;font-weight:bold}.approve{background:#fff;border:1px solid #333}\
code{word-break:break-all}";

fn html_response(
    state: &AppState,
    title: &str,
    body: &str,
    redirect: Option<&str>,
    extra: Vec<(header::HeaderName, HeaderValue)>,
) -> Response {
    let nonce = super::issuance::random_secret();
    let mut form_action = String::from("'self'");
    if let Some(origin) = redirect.and_then(origin_of) {
        form_action.push(' ');
        form_action.push_str(&origin);
    }
    let csp = format!(
        "default-src 'none'; style-src 'nonce-{nonce}'; form-action {form_action}; frame-ancestors 'none'; base-uri 'none'"
    );
    let html = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
<meta name=\"referrer\" content=\"no-referrer\"><title>{}</title><style nonce=\"{nonce}\">{STYLE}</style></head><body>{body}\
<p class=\"muted\">{}</p></body></html>",
        escape(title),
        escape(&state.config.public_url)
    );
    let mut response = (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        )],
        html,
    )
        .into_response();
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&csp) {
        headers.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    for (name, value) in extra {
        headers.append(name, value);
    }
    response
}

fn message_page(state: &AppState, title: &str, text: &str) -> Response {
    html_response(
        state,
        title,
        &format!("<h1>{}</h1><p>{}</p>", escape(title), escape(text)),
        None,
        Vec::new(),
    )
}

fn cookie_header(state: &AppState, id: &str, value: &str, max_age: i64) -> Option<HeaderValue> {
    let secure = if state.config.public_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{COOKIE}={value}; Path=/v1/consent/{}; Max-Age={max_age}; HttpOnly; SameSite=Strict{secure}",
        percent_encode(id)
    ))
    .ok()
}

async fn page(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    let id = query.get("req").cloned().unwrap_or_default();
    let Some(ctx) = load(&state, &id).await? else {
        return Ok(message_page(
            &state,
            "Authorization request not found",
            "This link is not valid. Ask the application to start again.",
        ));
    };
    if !pending(&ctx.request) {
        return Ok(message_page(
            &state,
            "Authorization request closed",
            "This authorization request has expired or was already answered. Ask the application to start again.",
        ));
    }
    let request = &ctx.request;
    let mut extra = Vec::new();
    let mut csrf = String::new();
    if state.config.consent_approval == ConsentApproval::Bound {
        let cookie = super::issuance::random_secret();
        csrf = super::issuance::random_secret();
        if !state
            .store
            .bind_consent(
                &request.id,
                &crate::ids::sha256_hex(&cookie),
                &crate::ids::sha256_hex(&csrf),
            )
            .await?
        {
            return Ok(message_page(
                &state,
                "Authorization request closed",
                "This authorization request has expired.",
            ));
        }
        let max_age = ((request.expires_at - now()) / 1000).max(1);
        if let Some(v) = cookie_header(&state, &request.id, &cookie, max_age) {
            extra.push((header::SET_COOKIE, v));
        }
    }
    let scopes: String = request
        .scopes
        .iter()
        .map(|s| {
            format!(
                "<li>{}<br><span class=\"muted\"><code>{}</code></span></li>",
                escape(&grantex_core::scope::describe(s)),
                escape(s)
            )
        })
        .collect();
    let description = if ctx.agent.description.is_empty() {
        String::new()
    } else {
        format!("<p>{}</p>", escape(&ctx.agent.description))
    };
    let redirect_note = match &request.redirect_uri {
        Some(uri) => format!(
            "<p class=\"muted\">You will be sent back to {}</p>",
            escape(origin_of(uri).as_deref().unwrap_or(uri))
        ),
        None => String::new(),
    };
    let id_path = percent_encode(&request.id);
    let csrf_field = format!(
        "<input type=\"hidden\" name=\"csrf\" value=\"{}\">",
        escape(&csrf)
    );
    let body = format!(
        "<h1>{agent} wants access to your account</h1>\
<div class=\"box\"><p><strong>{agent}</strong> <span class=\"muted\">({did})</span></p>{description}\
<p>Requested by <strong>{developer}</strong> for <strong>{principal}</strong>.</p></div>\
<p>If you approve, it will be able to:</p><ul>{scopes}</ul>\
<p class=\"muted\">This request expires at {expires}. Access lasts {lifetime} after approval unless you revoke it.</p>{redirect_note}\
<div class=\"actions\"><form method=\"post\" action=\"/v1/consent/{id_path}/deny\">{csrf_field}<button class=\"deny\" type=\"submit\">Deny</button></form>\
<form method=\"post\" action=\"/v1/consent/{id_path}/approve\">{csrf_field}<button class=\"approve\" type=\"submit\">Approve</button></form></div>",
        agent = escape(&ctx.agent.name),
        did = escape(&ctx.agent.did()),
        developer = escape(&ctx.developer_name),
        principal = escape(&request.principal_id),
        expires = escape(&iso_ms(request.expires_at)),
        lifetime = escape(&human_duration(request.expires_in_seconds)),
    );
    Ok(html_response(
        &state,
        "Authorize access",
        &body,
        request.redirect_uri.as_deref(),
        extra,
    ))
}

fn human_duration(seconds: i64) -> String {
    let plural = |n: i64, unit: &str| format!("{n} {unit}{}", if n == 1 { "" } else { "s" });
    if seconds % 86_400 == 0 {
        plural(seconds / 86_400, "day")
    } else if seconds % 3600 == 0 {
        plural(seconds / 3600, "hour")
    } else if seconds % 60 == 0 {
        plural(seconds / 60, "minute")
    } else {
        plural(seconds, "second")
    }
}

/// A parsed approve/deny call.
struct Decision {
    html: bool,
    csrf: Option<String>,
}

fn parse_decision(headers: &HeaderMap, body: &Bytes) -> ApiResult<Decision> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let header_csrf = headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    if content_type.starts_with("application/x-www-form-urlencoded") {
        let text = String::from_utf8_lossy(body);
        let csrf = parse_form(&text)
            .into_iter()
            .find(|(k, _)| k == "csrf")
            .map(|(_, v)| v)
            .or(header_csrf);
        return Ok(Decision { html: true, csrf });
    }
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let html = accept.contains("text/html") && !accept.contains("application/json");
    let trimmed = body.iter().all(u8::is_ascii_whitespace);
    let csrf = if trimmed {
        header_csrf
    } else {
        let value: Value = serde_json::from_slice(body)
            .map_err(|e| ApiError::bad_request(format!("Request body is not valid JSON: {e}")))?;
        let Value::Object(map) = value else {
            return Err(ApiError::bad_request("Request body must be a JSON object"));
        };
        match map.get("csrfToken") {
            None => header_csrf,
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => return Err(ApiError::bad_request("csrfToken must be a string")),
        }
    };
    Ok(Decision { html, csrf })
}

fn cookie_value(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_owned())
}

fn hash_matches(presented: Option<&str>, stored: Option<&str>) -> bool {
    match (presented, stored) {
        (Some(p), Some(s)) => {
            let h = crate::ids::sha256_hex(p);
            h.len() == s.len()
                && h.bytes()
                    .zip(s.bytes())
                    .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                    == 0
        }
        _ => false,
    }
}

/// The IMP-7 check: in bound mode, the page's cookie and CSRF token must both match.
fn check_binding(
    state: &AppState,
    request: &AuthRequest,
    headers: &HeaderMap,
    decision: &Decision,
) -> ApiResult<()> {
    if state.config.consent_approval == ConsentApproval::Legacy {
        return Ok(());
    }
    let cookie = cookie_value(headers);
    if hash_matches(cookie.as_deref(), request.consent_cookie_hash.as_deref())
        && hash_matches(
            decision.csrf.as_deref(),
            request.consent_csrf_hash.as_deref(),
        )
    {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            crate::http::error::code::FORBIDDEN,
            "Consent must be given from the consent page (missing or invalid consent binding)",
        ))
    }
}

fn clear_cookie(state: &AppState, id: &str) -> Vec<(header::HeaderName, HeaderValue)> {
    cookie_header(state, id, "", 0)
        .map(|v| vec![(header::SET_COOKIE, v)])
        .unwrap_or_default()
}

fn see_other(location: &str, extra: Vec<(header::HeaderName, HeaderValue)>) -> ApiResult<Response> {
    let mut response = StatusCode::SEE_OTHER.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::LOCATION,
        HeaderValue::from_str(location).map_err(ApiError::internal)?,
    );
    for (name, value) in extra {
        headers.append(name, value);
    }
    Ok(response)
}

/// Renders an error for an HTML (form) caller as a page (status 200: the error envelope is for API callers).
fn html_error(state: &AppState, error: &ApiError) -> Response {
    message_page(state, "Could not complete the request", &error.message)
}

async fn approve(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let decision = parse_decision(&headers, &body)?;
    let html = decision.html;
    match approve_inner(&state, &id, &headers, decision).await {
        Ok(r) => Ok(r),
        Err(e) if html => Ok(html_error(&state, &e)),
        Err(e) => Err(e),
    }
}

async fn approve_inner(
    state: &AppState,
    id: &str,
    headers: &HeaderMap,
    decision: Decision,
) -> ApiResult<Response> {
    let ctx = load(state, id).await?.ok_or_else(|| not_found(id))?;
    let request = ctx.request;
    if !pending(&request) {
        return Err(gone(
            "Authorization request has expired or is no longer pending",
        ));
    }
    if ctx.fido_required {
        return Err(fido_required());
    }
    check_binding(state, &request, headers, &decision)?;
    let (code, hash, expires) = super::authorize::new_code(state, now());
    if !state
        .store
        .approve_auth_request(&request.id, &hash, expires)
        .await?
    {
        return Err(gone(
            "Authorization request has expired or is no longer pending",
        ));
    }
    let extra = clear_cookie(state, &request.id);
    if decision.html {
        if let Some(uri) = &request.redirect_uri {
            let mut params = vec![("code", code.as_str())];
            if let Some(s) = &request.state {
                params.push(("state", s.as_str()));
            }
            return see_other(&with_query(uri, &params), extra);
        }
        return Ok(html_response(
            state,
            "Access approved",
            &format!(
                "<h1>Access approved</h1><p>{} can now act within the permissions you approved. You may close this page.</p>\
<p class=\"muted\">Authorization code (if the application asks for it): <code>{}</code></p>",
                escape(&ctx.agent.name),
                escape(&code)
            ),
            None,
            extra,
        ));
    }
    let mut out = Map::new();
    out.insert("code".into(), code.into());
    if let Some(uri) = request.redirect_uri {
        out.insert("redirectUri".into(), uri.into());
    }
    if let Some(s) = request.state {
        out.insert("state".into(), s.into());
    }
    let mut response = Json(Value::Object(out)).into_response();
    for (name, value) in extra {
        response.headers_mut().append(name, value);
    }
    Ok(response)
}

async fn deny(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let decision = parse_decision(&headers, &body)?;
    let html = decision.html;
    match deny_inner(&state, &id, &headers, decision).await {
        Ok(r) => Ok(r),
        Err(e) if html => Ok(html_error(&state, &e)),
        Err(e) => Err(e),
    }
}

async fn deny_inner(
    state: &AppState,
    id: &str,
    headers: &HeaderMap,
    decision: Decision,
) -> ApiResult<Response> {
    let ctx = load(state, id).await?.ok_or_else(|| not_found(id))?;
    let request = ctx.request;
    if request.status != "pending" {
        return Err(not_found(id));
    }
    if request.expires_at <= now() {
        return Err(gone("Authorization request has expired"));
    }
    if ctx.fido_required {
        return Err(fido_required());
    }
    check_binding(state, &request, headers, &decision)?;
    if !state.store.deny_auth_request(&request.id).await? {
        return Err(not_found(id));
    }
    let extra = clear_cookie(state, &request.id);
    if decision.html {
        if let Some(uri) = &request.redirect_uri {
            let mut params = vec![("error", "access_denied")];
            if let Some(s) = &request.state {
                params.push(("state", s.as_str()));
            }
            return see_other(&with_query(uri, &params), extra);
        }
        return Ok(html_response(
            state,
            "Access denied",
            &format!(
                "<h1>Access denied</h1><p>{} was not given access. You may close this page.</p>",
                escape(&ctx.agent.name)
            ),
            None,
            extra,
        ));
    }
    let mut out = Map::new();
    if let Some(uri) = request.redirect_uri {
        out.insert("redirectUri".into(), uri.into());
    }
    if let Some(s) = request.state {
        out.insert("state".into(), s.into());
    }
    let mut response = Json(Value::Object(out)).into_response();
    for (name, value) in extra {
        response.headers_mut().append(name, value);
    }
    Ok(response)
}
