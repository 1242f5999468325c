//! The application: shared state and the router with its middleware stack.
//!
//! Layout of the router (outermost first):
//! 1. [`crate::http::context::middleware`]: request id, error envelope, security headers, metrics, log;
//! 2. per-client-IP limits of the token and public routes ([`crate::http::ip_limit`]);
//! 3. panic → 500 `INTERNAL_ERROR`;
//! 4. 1 MiB body limit;
//! 5. routes: public groups (health, metrics, well-known, openapi) and dev-key groups whose handlers take
//!    the [`crate::http::AuthDeveloper`] extractor (API key + rate limit);
//! 6. fallback: 404 `NOT_FOUND` `Route <METHOD>:<path> not found`; wrong methods answer 405 with `Allow`.
//!
//! A later endpoint group adds a module under `routes/` with a `router()` and merges it in [`router`]:
//! into `dev_key` for developer routes, beside the public ones otherwise.

use crate::config::Config;
use crate::http::error::ApiError;
use crate::http::ip_limit::{self, IpLimits};
use crate::http::metrics::Metrics;
use crate::http::rate_limit::RateLimiter;
use crate::http::{BODY_LIMIT, context};
use crate::keys::KeyService;
use crate::routes;
use crate::store::Store;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{Method, Uri};
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use tower_http::catch_panic::CatchPanicLayer;

/// State shared by every handler. Cheap to clone.
#[derive(Debug, Clone)]
pub struct AppState {
    /// Storage.
    pub store: Store,
    /// Grant-token key ring.
    pub keys: KeyService,
    /// Settings.
    pub config: Arc<Config>,
    /// Per-developer limiter.
    pub limiter: Arc<RateLimiter>,
    /// Request metrics.
    pub metrics: Arc<Metrics>,
    /// Per-developer `POST /v1/authorize` limiter (IMP-23).
    pub authorize_limiter: Arc<RateLimiter>,
}

impl AppState {
    /// State over an opened store.
    pub fn new(store: Store, config: Config) -> AppState {
        AppState {
            keys: KeyService::new(store.clone()),
            limiter: Arc::new(RateLimiter::new(
                config.rate_limit,
                config.rate_limit_window,
            )),
            metrics: Arc::new(Metrics::default()),
            authorize_limiter: Arc::new(RateLimiter::new(config.authorize_rate_limit, 60)),
            config: Arc::new(config),
            store,
        }
    }
}

/// The complete router.
pub fn router(state: AppState) -> Router {
    // Dev-key groups: every handler takes `AuthDeveloper` (checked by the openapi test).
    let dev_key = Router::new()
        .merge(routes::agents::router())
        .merge(routes::authorize::router())
        .merge(routes::token::router())
        .merge(routes::tokens::router())
        .merge(routes::grants::router())
        .merge(routes::revocations::router());
    let dev_key = dev_key.merge(routes::audit::router());
    let dev_key = dev_key.merge(routes::principal::dev_key_router());
    Router::new()
        .merge(routes::health::router())
        .merge(routes::well_known::router())
        .merge(routes::openapi::router())
        .merge(routes::consent::router())
        .merge(routes::principal::router())
        .merge(dev_key)
        .fallback(unknown_route)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(from_fn_with_state(
            Arc::new(IpLimits::new(&state.config)),
            ip_limit::middleware,
        ))
        .layer(from_fn_with_state(state.clone(), context::middleware))
        .with_state(state)
}

async fn unknown_route(method: Method, uri: Uri) -> ApiError {
    ApiError::not_found(format!("Route {method}:{} not found", uri.path()))
}

fn panic_response(_panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    ApiError::internal("a request handler panicked").into_response()
}
