//! Audit log (PROTOCOL.md §8, §10.7, IMP-17): append-only, one hash chain per developer.
//!
//! * `POST /v1/audit/log` → 201 entry. The body is parsed with `JSON.parse` semantics
//!   (`grantex_core::audit::canonical`): duplicate member names keep the last value, numbers are doubles.
//!   The `metadata` member's JSON text is kept **exactly as received** and hashed with
//!   `grantex_core::audit::entry_hash_with_metadata_text`; responses show it as `JSON.stringify` would.
//! * `GET /v1/audit/entries` → `{entries}` oldest first (chain order, `seq`), filters `agentId`, `grantId`,
//!   `principalId`, `action`, `status`, `since`/`until` (RFC 3339 or a UTC date, inclusive); with `page`/`pageSize` one page
//!   plus `page`, `pageSize`, `total`.
//! * `GET /v1/audit/verify` → `{valid, checkedEntries, firstBrokenAt, reason}` over the whole chain (current
//!   layout only, `seq` gap-free from 1, first `prevHash` null).
//! * `GET /v1/audit/{id}` → entry; unknown or foreign → 404. No mutation routes (405 with `Allow: GET`).

use crate::app::AppState;
use crate::http::{ApiError, ApiResult, AuthDeveloper};
use crate::store::audit::{AuditFilter, AuditRow, NewAuditEntry, Window};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use grantex_core::audit::canonical::{self, JsValue, write_quoted};
use grantex_core::audit::{BreakReason, Layout, verify_chain_with};
use std::collections::HashMap;

/// Statuses an entry may have.
pub const STATUSES: [&str; 3] = ["success", "failure", "blocked"];
/// Largest `pageSize`.
pub const MAX_PAGE_SIZE: i64 = 500;
/// `pageSize` when only `page` is given.
pub const DEFAULT_PAGE_SIZE: i64 = 100;

/// The audit routes (mounted behind developer authentication).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/audit/log", post(log))
        .route("/v1/audit/entries", get(list))
        .route("/v1/audit/verify", get(verify))
        .route("/v1/audit/{id}", get(read))
}

// ------------------------------------------------------------------------------------------------------
// Request parsing
// ------------------------------------------------------------------------------------------------------

fn js_string(body: &JsValue, name: &str) -> ApiResult<Option<String>> {
    match body.get(name) {
        None => Ok(None),
        Some(JsValue::String(s)) => {
            let text = s.to_rust_string().ok_or_else(|| {
                ApiError::bad_request(format!("{name} must not contain lone UTF-16 surrogates"))
            })?;
            if text.contains('\0') {
                return Err(ApiError::bad_request(format!(
                    "{name} must not contain NUL characters"
                )));
            }
            Ok(Some(text))
        }
        Some(_) => Err(ApiError::bad_request(format!("{name} must be a string"))),
    }
}

fn required(body: &JsValue, name: &str) -> ApiResult<String> {
    js_string(body, name)?
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::bad_request(format!("{name} is required (a non-empty string)")))
}

fn skip_ws(bytes: &[u8], mut i: usize) -> usize {
    while matches!(bytes.get(i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        i += 1;
    }
    i
}

/// End (exclusive) of the JSON string starting at `i` (which is `"`).
fn skip_string(bytes: &[u8], mut i: usize) -> Option<usize> {
    i += 1;
    loop {
        match bytes.get(i)? {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
}

/// End (exclusive) of the JSON value starting at `i`.
fn skip_value(bytes: &[u8], i: usize) -> Option<usize> {
    match bytes.get(i)? {
        b'"' => skip_string(bytes, i),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut j = i;
            loop {
                match bytes.get(j)? {
                    b'"' => {
                        j = skip_string(bytes, j)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(j + 1);
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
        }
        _ => {
            let mut j = i;
            while let Some(b) = bytes.get(j) {
                if matches!(b, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r') {
                    break;
                }
                j += 1;
            }
            Some(j)
        }
    }
}

/// The exact source text of the last top-level member `name` of a JSON object text (the member
/// `JSON.parse` keeps). `text` must already have been validated as a JSON object.
pub fn member_text<'a>(text: &'a str, name: &str) -> Option<&'a str> {
    let bytes = text.as_bytes();
    let mut i = skip_ws(bytes, 0);
    if bytes.get(i) != Some(&b'{') {
        return None;
    }
    i = skip_ws(bytes, i + 1);
    let mut found = None;
    while bytes.get(i) == Some(&b'"') {
        let key_end = skip_string(bytes, i)?;
        let key = canonical::parse(text.get(i..key_end)?).ok()?;
        i = skip_ws(bytes, key_end);
        if bytes.get(i) != Some(&b':') {
            return None;
        }
        let start = skip_ws(bytes, i + 1);
        let end = skip_value(bytes, start)?;
        if matches!(&key, JsValue::String(k) if k.eq_str(name)) {
            found = text.get(start..end);
        }
        i = skip_ws(bytes, end);
        if bytes.get(i) == Some(&b',') {
            i = skip_ws(bytes, i + 1);
        }
    }
    found
}

/// Parses a `POST /v1/audit/log` body.
pub fn parse_log_body(bytes: &[u8]) -> ApiResult<NewAuditEntry> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| ApiError::bad_request("Request body is not valid UTF-8"))?;
    let body = canonical::parse(text)
        .map_err(|e| ApiError::bad_request(format!("Request body is not valid JSON: {e}")))?;
    if !matches!(body, JsValue::Object(_)) {
        return Err(ApiError::bad_request("Request body must be a JSON object"));
    }
    let status = match js_string(&body, "status")? {
        None => "success".to_owned(),
        Some(s) if STATUSES.contains(&s.as_str()) => s,
        Some(_) => {
            return Err(ApiError::bad_request(
                "status must be one of success, failure, blocked",
            ));
        }
    };
    let metadata = match body.get("metadata") {
        None | Some(JsValue::Null) => "{}".to_owned(),
        Some(JsValue::Object(_)) => member_text(text, "metadata")
            .ok_or_else(|| ApiError::internal("metadata member not found in the body text"))?
            .to_owned(),
        Some(_) => return Err(ApiError::bad_request("metadata must be an object")),
    };
    Ok(NewAuditEntry {
        agent_id: required(&body, "agentId")?,
        agent_did: required(&body, "agentDid")?,
        grant_id: required(&body, "grantId")?,
        principal_id: required(&body, "principalId")?,
        action: required(&body, "action")?,
        status,
        metadata,
    })
}

// ------------------------------------------------------------------------------------------------------
// Responses
// ------------------------------------------------------------------------------------------------------

/// A JSON body from already serialized text.
pub fn json_text(status: StatusCode, text: String) -> Response {
    let mut response = (status, Body::from(text)).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

fn field(out: &mut String, name: &str, value: &str) {
    out.push('"');
    out.push_str(name);
    out.push_str("\":");
    write_quoted(out, value);
    out.push(',');
}

/// The metadata of a stored entry as `JSON.stringify(JSON.parse(text))`.
fn metadata_json(row: &AuditRow) -> ApiResult<String> {
    canonical::parse(&row.metadata)
        .map(|v| v.js_stringify())
        .map_err(|e| ApiError::internal(format!("stored metadata of {}: {e}", row.id)))
}

/// AuditEntry JSON (PROTOCOL.md §8.1) plus `seq`: `{entryId, agentId, agentDid, grantId, principalId,
/// developerId, action, metadata, hash, prevHash, timestamp, status, seq}`.
pub fn entry_json(row: &AuditRow) -> ApiResult<String> {
    let mut out = String::with_capacity(512 + row.metadata.len());
    out.push('{');
    field(&mut out, "entryId", &row.id);
    field(&mut out, "agentId", &row.agent_id);
    field(&mut out, "agentDid", &row.agent_did);
    field(&mut out, "grantId", &row.grant_id);
    field(&mut out, "principalId", &row.principal_id);
    field(&mut out, "developerId", &row.developer_id);
    field(&mut out, "action", &row.action);
    out.push_str("\"metadata\":");
    out.push_str(&metadata_json(row)?);
    out.push(',');
    field(&mut out, "hash", &row.hash);
    out.push_str("\"prevHash\":");
    match &row.prev_hash {
        Some(prev) => write_quoted(&mut out, prev),
        None => out.push_str("null"),
    }
    out.push(',');
    field(&mut out, "timestamp", &row.timestamp);
    field(&mut out, "status", &row.status);
    out.push_str(&format!("\"seq\":{}}}", row.seq));
    Ok(out)
}

/// The principal view of an entry (PROTOCOL.md §10.8): `{entryId, agentId, agentDid, grantId, principalId,
/// action, metadata, status, timestamp}`.
pub fn principal_entry_json(row: &AuditRow) -> ApiResult<String> {
    let mut out = String::with_capacity(384 + row.metadata.len());
    out.push('{');
    field(&mut out, "entryId", &row.id);
    field(&mut out, "agentId", &row.agent_id);
    field(&mut out, "agentDid", &row.agent_did);
    field(&mut out, "grantId", &row.grant_id);
    field(&mut out, "principalId", &row.principal_id);
    field(&mut out, "action", &row.action);
    out.push_str("\"metadata\":");
    out.push_str(&metadata_json(row)?);
    out.push(',');
    field(&mut out, "status", &row.status);
    out.push_str("\"timestamp\":");
    write_quoted(&mut out, &row.timestamp);
    out.push('}');
    Ok(out)
}

/// `[a,b,…]` of serialized items.
pub fn json_array(items: &[String]) -> String {
    format!("[{}]", items.join(","))
}

// ------------------------------------------------------------------------------------------------------
// Query parameters
// ------------------------------------------------------------------------------------------------------

/// `page`/`pageSize` of a query: `None` when neither is given and there is no default; otherwise
/// `(page, pageSize, window)`. `page` ≥ 1, `pageSize` 1..=[`MAX_PAGE_SIZE`]; anything else → 400.
pub fn paging(
    query: &HashMap<String, String>,
    default_size: Option<i64>,
) -> ApiResult<Option<(i64, i64, Window)>> {
    let number = |name: &str, max: i64| -> ApiResult<Option<i64>> {
        match query.get(name) {
            None => Ok(None),
            Some(text) => text
                .parse::<i64>()
                .ok()
                .filter(|n| (1..=max).contains(n))
                .map(Some)
                .ok_or_else(|| {
                    ApiError::bad_request(format!("{name} must be an integer from 1 to {max}"))
                }),
        }
    };
    let page = number("page", 1_000_000)?;
    let size = number("pageSize", MAX_PAGE_SIZE)?;
    if page.is_none() && size.is_none() && default_size.is_none() {
        return Ok(None);
    }
    let page = page.unwrap_or(1);
    let size = size.or(default_size).unwrap_or(DEFAULT_PAGE_SIZE);
    Ok(Some((
        page,
        size,
        Window {
            limit: size,
            offset: (page - 1).saturating_mul(size),
        },
    )))
}

/// An RFC 3339 time query parameter as Unix ms; a bare date (`2026-01-01`) is midnight UTC.
fn time_param(query: &HashMap<String, String>, name: &str) -> ApiResult<Option<i64>> {
    match query.get(name) {
        None => Ok(None),
        Some(text) => text
            .parse::<jiff::Timestamp>()
            .or_else(|e| match text.parse::<jiff::civil::Date>() {
                Ok(date) if text.len() == 10 => {
                    format!("{date}T00:00:00Z").parse::<jiff::Timestamp>()
                }
                _ => Err(e),
            })
            .map(|ts| Some(ts.as_millisecond()))
            .map_err(|_| {
                ApiError::bad_request(format!(
                    "{name} must be an RFC 3339 date-time, e.g. 2026-01-01T00:00:00Z"
                ))
            }),
    }
}

fn filter_from(query: &HashMap<String, String>) -> ApiResult<AuditFilter> {
    let text = |name: &str| query.get(name).filter(|v| !v.is_empty()).cloned();
    Ok(AuditFilter {
        agent_id: text("agentId"),
        grant_id: text("grantId"),
        principal_id: text("principalId"),
        action: text("action"),
        status: text("status"),
        since: time_param(query, "since")?,
        until: time_param(query, "until")?,
    })
}

// ------------------------------------------------------------------------------------------------------
// Handlers
// ------------------------------------------------------------------------------------------------------

async fn log(
    State(state): State<AppState>,
    AuthDeveloper(developer): AuthDeveloper,
    body: Bytes,
) -> ApiResult<Response> {
    let new = parse_log_body(&body)?;
    let row = state.store.append_audit_entry(&developer.id, new).await?;
    Ok(json_text(StatusCode::CREATED, entry_json(&row)?))
}

async fn list(
    State(state): State<AppState>,
    AuthDeveloper(developer): AuthDeveloper,
    Query(query): Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    let filter = filter_from(&query)?;
    let paging = paging(&query, None)?;
    let (rows, total) = state
        .store
        .list_audit_entries(&developer.id, &filter, paging.map(|p| p.2), false)
        .await?;
    let entries = rows.iter().map(entry_json).collect::<ApiResult<Vec<_>>>()?;
    let body = match paging {
        Some((page, size, _)) => format!(
            "{{\"entries\":{},\"page\":{page},\"pageSize\":{size},\"total\":{}}}",
            json_array(&entries),
            total.unwrap_or(0)
        ),
        None => format!("{{\"entries\":{}}}", json_array(&entries)),
    };
    Ok(json_text(StatusCode::OK, body))
}

async fn read(
    State(state): State<AppState>,
    AuthDeveloper(developer): AuthDeveloper,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let row = state
        .store
        .get_audit_entry(&developer.id, &id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("Audit entry {id} not found")))?;
    Ok(json_text(StatusCode::OK, entry_json(&row)?))
}

async fn verify(
    State(state): State<AppState>,
    AuthDeveloper(developer): AuthDeveloper,
) -> ApiResult<axum::Json<serde_json::Value>> {
    let rows = state.store.audit_chain(&developer.id).await?;
    let entries = rows
        .iter()
        .map(AuditRow::to_core)
        .collect::<Result<Vec<_>, _>>()?;
    let report = verify_chain_with(&entries, &[Layout::Current]);
    // Storage invariants the hash walk cannot see: seq 1, 2, 3, … and no predecessor before the first.
    let structural = rows.iter().enumerate().find(|(i, row)| {
        i64::try_from(*i).is_ok_and(|i| row.seq != i + 1) || (*i == 0 && row.prev_hash.is_some())
    });
    let (valid, checked, broken_at, reason) = match (structural, report.first_broken_index) {
        (Some((i, row)), first) if first.is_none_or(|f| i <= f) => {
            (false, i, Some(row.id.clone()), Some(BreakReason::Link))
        }
        _ => (
            report.valid,
            report.checked_entries,
            report.first_broken_at,
            report.reason,
        ),
    };
    Ok(axum::Json(serde_json::json!({
        "valid": valid,
        "checkedEntries": checked,
        "firstBrokenAt": broken_at,
        "reason": reason,
    })))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn member_text_is_the_last_top_level_member() {
        let body = r#" { "metadata" : {"a":1}, "x":{"metadata":2},"s":"}\"{","metadata":{"zeta":1.50, "b":[1,{"c":"]"}]} } "#;
        assert_eq!(
            member_text(body, "metadata"),
            Some(r#"{"zeta":1.50, "b":[1,{"c":"]"}]}"#)
        );
        assert_eq!(
            member_text(r#"{"meta\u0064ata":{"k":true}}"#, "metadata"),
            Some(r#"{"k":true}"#)
        );
        assert_eq!(member_text(r#"{"a":1}"#, "metadata"), None);
        assert_eq!(member_text("{}", "metadata"), None);
    }

    #[test]
    fn log_bodies() {
        let ok = parse_log_body(
            br#"{"agentId":"a","agentDid":"d","grantId":"g","principalId":"p","action":"x","metadata":{"n":1.0}}"#,
        )
        .unwrap();
        assert_eq!(ok.metadata, r#"{"n":1.0}"#);
        assert_eq!(ok.status, "success");
        let bad = [
            &b"[]"[..],
            b"{",
            b"{\"agentId\":\"a\"}",
            br#"{"agentId":"a","agentDid":"d","grantId":"g","principalId":"p","action":""}"#,
            br#"{"agentId":"a","agentDid":"d","grantId":"g","principalId":"p","action":"x","metadata":[]}"#,
            br#"{"agentId":"a","agentDid":"d","grantId":"g","principalId":"p","action":"x","status":"ok"}"#,
            br#"{"agentId":"a\u0000","agentDid":"d","grantId":"g","principalId":"p","action":"x"}"#,
            br#"{"agentId":"\ud800","agentDid":"d","grantId":"g","principalId":"p","action":"x"}"#,
        ];
        for body in bad {
            assert!(
                parse_log_body(body).is_err(),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
    }
}
