//! `GET /.well-known/jwks.json` (PROTOCOL.md §2.2, IMP-2) and `GET /.well-known/did.json` (§10.1, IMP-2).

use crate::app::AppState;
use crate::http::ApiError;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};

/// Public well-known routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/.well-known/jwks.json", get(jwks))
        .route("/.well-known/did.json", get(did))
}

/// The RS256 grant keys (active + retiring), `Cache-Control: public, max-age=300`, a strong `ETag`,
/// 304 on a matching `If-None-Match`. Never rate-limited.
async fn jwks(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    let ring = state.keys.ring().await?;
    let etag = ring.etag();
    let cache = [
        (
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=300"),
        ),
        (
            header::ETAG,
            HeaderValue::from_str(etag).map_err(ApiError::internal)?,
        ),
    ];
    if if_none_match(&headers, etag) {
        return Ok((StatusCode::NOT_MODIFIED, cache).into_response());
    }
    Ok((
        cache,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        ring.jwks_json().to_owned(),
    )
        .into_response())
}

/// Whether `If-None-Match` lists `etag` (weak comparison, `*` matches).
fn if_none_match(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .any(|candidate| {
            candidate == "*" || candidate.strip_prefix("W/").unwrap_or(candidate) == etag
        })
}

/// The server's DID document: `did:web` derived from the public URL (ports `%3A`-encoded), the published
/// grant keys as `JsonWebKey2020` methods, service endpoints from the configuration. 404 when the public
/// URL cannot be a `did:web` (e.g. an IP address).
async fn did(State(state): State<AppState>) -> Result<Response, ApiError> {
    let base = &state.config.public_url;
    let did = grantex_core::did::did_web_from_url(base).map_err(|e| {
        ApiError::not_found(format!(
            "No did:web document: the public URL cannot be a did:web ({})",
            e.message
        ))
    })?;
    let ring = state.keys.ring().await?;
    let methods: Vec<serde_json::Value> = ring
        .published()
        .iter()
        .map(|k| {
            serde_json::json!({
                "id": format!("{did}#{}", k.kid),
                "type": "JsonWebKey2020",
                "controller": did,
                "publicKeyJwk": k.jwk,
            })
        })
        .collect();
    let ids: Vec<String> = ring
        .published()
        .iter()
        .map(|k| format!("{did}#{}", k.kid))
        .collect();
    let document = serde_json::json!({
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/suites/jws-2020/v1"],
        "id": did,
        "verificationMethod": methods,
        "authentication": ids,
        "assertionMethod": ids,
        "service": [
            {"id": format!("{did}#jwks"), "type": "JsonWebKeySet",
             "serviceEndpoint": format!("{base}/.well-known/jwks.json")},
            {"id": format!("{did}#grant-protocol"), "type": "GrantexProtocol",
             "serviceEndpoint": format!("{base}/v1")},
        ],
    });
    Ok((
        [(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=300"),
        )],
        Json(document),
    )
        .into_response())
}
