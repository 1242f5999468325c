//! `GET /health` (PROTOCOL.md §10.1) and `GET /metrics`.

use crate::app::AppState;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};

/// Public health and metrics routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/health", get(health))
        .route("/metrics", get(metrics))
}

/// 200 `{status:"healthy", database:"ok"}`, or 503 `{status:"degraded", database:"error"}` when the database
/// does not answer within 2 s. No `redis` key: this server has no Redis.
async fn health(State(state): State<AppState>) -> Response {
    let ok = tokio::time::timeout(std::time::Duration::from_secs(2), state.store.ping())
        .await
        .unwrap_or(false);
    if ok {
        Json(serde_json::json!({"status": "healthy", "database": "ok"})).into_response()
    } else {
        // Not an error envelope: clients read `status` from the 503 body too.
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(serde_json::json!({"status": "degraded", "database": "error"})),
        )
            .into_response()
    }
}

async fn metrics(State(state): State<AppState>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render(),
    )
        .into_response()
}
