//! The outermost per-request middleware: request id (IMP-26), error envelope rendering (PROTOCOL.md §1.4),
//! security headers (§1.9), metrics and the access log.
//!
//! * `X-Request-Id`: a well-formed incoming value (1..128 of `A-Z a-z 0-9 - _ . :`) is echoed, otherwise a
//!   random UUID is generated; it is on every response and is the `requestId` of every error body. Handlers
//!   can read it with the [`RequestId`] extension.
//! * Every response with status ≥ 400 gets the body `{message, code, requestId}`: from the handler's
//!   [`ErrorInfo`], or for errors raised outside handlers (405 from the router, 413 from the body limit,
//!   extractor rejections) from the status (generic mapping) and the framework's text. 5xx messages are
//!   always the fixed generic sentence.

use super::auth::{RateLimitSlot, set_rate_limit_headers};
use super::error::{ErrorInfo, INTERNAL_MESSAGE, code_for_status};
use crate::app::AppState;
use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use std::time::Instant;

/// The request id of the current request (request extension).
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// `X-Request-Id`.
pub static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

fn well_formed_request_id(value: &str) -> bool {
    (1..=128).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

/// The middleware (installed with `Router::layer`, so it runs for every route and the fallback).
pub async fn middleware(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let request_id = request
        .headers()
        .get(&X_REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| well_formed_request_id(v))
        .map_or_else(crate::ids::uuid_v4, str::to_owned);
    let rate_limit = RateLimitSlot::default();
    request
        .extensions_mut()
        .insert(RequestId(request_id.clone()));
    request.extensions_mut().insert(rate_limit.clone());
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |m| m.as_str().to_owned());

    let response = next.run(request).await;
    let mut response = if response.status().as_u16() >= 400 {
        render_error(response, &request_id, &method, &path).await
    } else {
        response
    };

    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        headers.insert(X_REQUEST_ID.clone(), value);
    }
    security_headers(headers);
    if let Some(decision) = rate_limit.get() {
        set_rate_limit_headers(headers, decision);
    }

    let status = response.status().as_u16();
    let elapsed = started.elapsed();
    state
        .metrics
        .record(method.as_str(), &route, status, elapsed);
    tracing::info!(
        request_id = %request_id,
        method = %method,
        path = %path,
        route = %route,
        status,
        elapsed_ms = elapsed.as_secs_f64() * 1000.0,
        "request"
    );
    response
}

async fn render_error(
    response: Response,
    request_id: &str,
    method: &Method,
    path: &str,
) -> Response {
    let (mut parts, body) = response.into_parts();
    let status = parts.status;
    let (message, code) = match parts.extensions.remove::<ErrorInfo>() {
        Some(info) => (info.message, info.code.into_owned()),
        None => {
            if is_json(&parts.headers) {
                // A JSON error body produced on purpose (none today): leave it alone.
                return Response::from_parts(parts, body);
            }
            let text = axum::body::to_bytes(body, 64 * 1024)
                .await
                .map(|b| String::from_utf8_lossy(&b).trim().to_owned())
                .unwrap_or_default();
            let message = match status {
                StatusCode::METHOD_NOT_ALLOWED => format!("Method {method} not allowed for {path}"),
                StatusCode::PAYLOAD_TOO_LARGE => {
                    "Request body larger than the 1 MiB limit".to_owned()
                }
                _ if text.is_empty() => status
                    .canonical_reason()
                    .unwrap_or("Request failed")
                    .to_owned(),
                _ => text.chars().take(500).collect(),
            };
            (message, code_for_status(status).to_owned())
        }
    };
    let message = if status.is_server_error() {
        INTERNAL_MESSAGE.to_owned()
    } else {
        message
    };
    let body = serde_json::json!({ "message": message, "code": code, "requestId": request_id });
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(body.to_string()))
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

fn security_headers(headers: &mut HeaderMap) {
    headers.insert(
        header::STRICT_TRANSPORT_SECURITY,
        HeaderValue::from_static("max-age=31536000; includeSubDomains"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::well_formed_request_id;

    #[test]
    fn request_ids() {
        assert!(well_formed_request_id("abc-123_x.y:z"));
        assert!(!well_formed_request_id(""));
        assert!(!well_formed_request_id("a b"));
        assert!(!well_formed_request_id(&"a".repeat(129)));
    }
}
