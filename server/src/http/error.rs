//! The error envelope `{message, code, requestId}` (PROTOCOL.md §1.4, IMP-26).
//!
//! Handlers return [`ApiError`]; its response carries the message and code as an [`ErrorInfo`] extension
//! and no body. The context middleware ([`super::context`]) renders every error body, because only it knows
//! the request id; it also wraps errors produced outside handlers (unknown route, wrong method, body too
//! large, extractor rejections) using the generic status → code mapping.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use std::borrow::Cow;

/// Error codes of PROTOCOL.md §1.4 used by the server.
pub mod code {
    /// 400.
    pub const BAD_REQUEST: &str = "BAD_REQUEST";
    /// 401.
    pub const UNAUTHORIZED: &str = "UNAUTHORIZED";
    /// 403.
    pub const FORBIDDEN: &str = "FORBIDDEN";
    /// 404.
    pub const NOT_FOUND: &str = "NOT_FOUND";
    /// 422.
    pub const VALIDATION_ERROR: &str = "VALIDATION_ERROR";
    /// 429, per-developer limiter.
    pub const RATE_LIMIT_EXCEEDED: &str = "RATE_LIMIT_EXCEEDED";
    /// 500.
    pub const INTERNAL_ERROR: &str = "INTERNAL_ERROR";
    /// 503.
    pub const SERVICE_UNAVAILABLE: &str = "SERVICE_UNAVAILABLE";
}

/// The fixed message of every 5xx (details go to the log only).
pub const INTERNAL_MESSAGE: &str = "An internal error occurred";

/// Message and code of an error response, rendered by the context middleware.
#[derive(Debug, Clone)]
pub struct ErrorInfo {
    /// Human-readable message.
    pub message: String,
    /// Stable code.
    pub code: Cow<'static, str>,
}

/// An API error: status, code and message.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable code.
    pub code: Cow<'static, str>,
    /// Message.
    pub message: String,
}

/// Result of handlers.
pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    /// Any status and code.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code: Cow::Borrowed(code),
            message: message.into(),
        }
    }

    /// 400 `BAD_REQUEST`.
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code::BAD_REQUEST, message)
    }

    /// 401 `UNAUTHORIZED`.
    pub fn unauthorized(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, code::UNAUTHORIZED, message)
    }

    /// 404 `NOT_FOUND`.
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, code::NOT_FOUND, message)
    }

    /// 500 `INTERNAL_ERROR`; `detail` is logged, never sent.
    pub fn internal(detail: impl std::fmt::Display) -> ApiError {
        tracing::error!(error = %detail, "internal error");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            code::INTERNAL_ERROR,
            INTERNAL_MESSAGE,
        )
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> Self {
        ApiError::internal(e)
    }
}

impl From<crate::keys::KeyError> for ApiError {
    fn from(e: crate::keys::KeyError) -> Self {
        ApiError::internal(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = self.status.into_response();
        response.extensions_mut().insert(ErrorInfo {
            message: self.message,
            code: self.code,
        });
        response
    }
}

/// The generic code for a status (PROTOCOL.md §1.4).
pub fn code_for_status(status: StatusCode) -> &'static str {
    match status.as_u16() {
        401 => code::UNAUTHORIZED,
        403 => code::FORBIDDEN,
        404 => code::NOT_FOUND,
        422 => code::VALIDATION_ERROR,
        429 => code::RATE_LIMIT_EXCEEDED,
        503 => code::SERVICE_UNAVAILABLE,
        s if s >= 500 => code::INTERNAL_ERROR,
        _ => code::BAD_REQUEST,
    }
}
