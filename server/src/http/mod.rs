//! HTTP plumbing shared by every endpoint group: the error envelope ([`error`]), the per-request context
//! middleware (request id, envelope rendering, security headers, metrics, access log: [`context`]),
//! developer API-key authentication with the rate limiter ([`auth`], [`rate_limit`]), the per-client-IP
//! limits of the token and public routes ([`ip_limit`]), the JSON-object body extractor ([`json`]) and the
//! Prometheus registry ([`metrics`]).

pub mod auth;
pub mod context;
pub mod error;
pub mod ip_limit;
pub mod json;
pub mod metrics;
pub mod rate_limit;

pub use auth::AuthDeveloper;
pub use error::{ApiError, ApiResult};
pub use json::JsonObject;

/// Request body limit (PROTOCOL.md §1.1).
pub const BODY_LIMIT: usize = 1024 * 1024;
