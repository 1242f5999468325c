//! Shared harness: an in-process server (tower `oneshot`, no socket) over a fresh database, started the way
//! `grantex serve --dev` starts. SQLite in a temporary directory by default; PostgreSQL when
//! `GRANTEX_TEST_DATABASE_URL=postgres://…` is set (each server gets its own freshly created database).
#![allow(dead_code)]

pub mod binary;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use grantex_server::app::{AppState, router};
use grantex_server::config::{Config, LogFormat, ServeArgs, StorageArgs};
use grantex_server::store::Mode;
use http_body_util::BodyExt;
use serde_json::Value;
use std::path::PathBuf;
use tower::ServiceExt;

pub const LIVE_KEY: &str = "dev-api-key-local";
pub const SANDBOX_KEY: &str = "sandbox-api-key-local";
pub const PUBLIC_URL: &str = "http://localhost:3001";

/// A database nobody else uses: `(data_dir, database_url)`.
pub async fn fresh_database() -> (PathBuf, Option<String>) {
    let dir = std::env::temp_dir().join(format!(
        "grantex-test-{}",
        grantex_server::ids::ulid().to_lowercase()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    match std::env::var("GRANTEX_TEST_DATABASE_URL") {
        Ok(admin_url) if !admin_url.is_empty() => {
            use sqlx::Connection;
            let name = format!("gx_{}", grantex_server::ids::ulid().to_lowercase());
            let mut conn = sqlx::PgConnection::connect(&admin_url).await.unwrap();
            sqlx::Executor::execute(&mut conn, format!("CREATE DATABASE {name}").as_str())
                .await
                .unwrap();
            conn.close().await.unwrap();
            let base = admin_url.split('?').next().unwrap();
            let (prefix, _db) = base.rsplit_once('/').unwrap();
            (dir, Some(format!("{prefix}/{name}")))
        }
        _ => (dir, None),
    }
}

pub fn serve_args(data_dir: PathBuf, database_url: Option<String>) -> ServeArgs {
    ServeArgs {
        listen: "127.0.0.1:0".parse().unwrap(),
        public_url: Some(PUBLIC_URL.into()),
        storage: StorageArgs {
            data_dir,
            database_url,
            max_grant_lifetime: 90 * 86_400,
        },
        dev: true,
        signing_key_file: None,
        log_format: LogFormat::Text,
        rate_limit: 1000,
        rate_limit_window: 60,
        grants: Default::default(),
        ip_limits: Default::default(),
    }
}

pub struct TestServer {
    pub state: AppState,
    pub router: Router,
    pub args: ServeArgs,
    /// Removes the data directory when the last server over it is gone (restarts share it).
    _cleanup: std::sync::Arc<Cleanup>,
}

struct Cleanup {
    dir: PathBuf,
    database_url: Option<String>,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
        // A per-test PostgreSQL database is dropped too (from a thread: this may run inside a runtime).
        if let (Some(url), Ok(admin_url)) = (
            self.database_url.clone(),
            std::env::var("GRANTEX_TEST_DATABASE_URL"),
        ) {
            let name = url.rsplit('/').next().unwrap_or_default().to_owned();
            let _ = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                runtime.block_on(async {
                    use sqlx::Connection;
                    if let Ok(mut conn) = sqlx::PgConnection::connect(&admin_url).await {
                        let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                        let _ = sqlx::Executor::execute(&mut conn, sql.as_str()).await;
                        let _ = conn.close().await;
                    }
                });
            })
            .join();
        }
    }
}

pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl TestResponse {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }

    /// Asserts the error envelope and returns the code.
    pub fn assert_error(&self, status: u16, code: &str) -> Value {
        assert_eq!(
            self.status.as_u16(),
            status,
            "body: {}",
            String::from_utf8_lossy(&self.body)
        );
        let body = self.json();
        assert_eq!(body["code"], code, "body: {body}");
        assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
        let request_id = body["requestId"].as_str().unwrap();
        assert_eq!(self.header("x-request-id"), Some(request_id));
        assert_eq!(body.as_object().unwrap().len(), 3, "{body}");
        body
    }
}

impl TestServer {
    pub async fn start() -> TestServer {
        let (dir, url) = fresh_database().await;
        TestServer::start_with(serve_args(dir, url)).await
    }

    pub async fn start_with(args: ServeArgs) -> TestServer {
        TestServer::start_with_config(args, |_| {}).await
    }

    pub async fn start_with_config(
        args: ServeArgs,
        adjust: impl FnOnce(&mut Config),
    ) -> TestServer {
        let cleanup = std::sync::Arc::new(Cleanup {
            dir: args.storage.data_dir.clone(),
            database_url: args.storage.database_url.clone(),
        });
        TestServer::start_inner(args, adjust, cleanup).await
    }

    async fn start_inner(
        args: ServeArgs,
        adjust: impl FnOnce(&mut Config),
        cleanup: std::sync::Arc<Cleanup>,
    ) -> TestServer {
        let store = grantex_server::serve::prepare(&args).await.unwrap();
        let mut config = Config::new(args.public_url.clone().unwrap());
        config.dev = args.dev;
        config.rate_limit = args.rate_limit;
        config.rate_limit_window = args.rate_limit_window;
        config.max_grant_lifetime = args.storage.max_grant_lifetime;
        args.grants.apply(&mut config);
        args.ip_limits.apply(&mut config);
        adjust(&mut config);
        let state = AppState::new(store, config);
        let router = router(state.clone());
        TestServer {
            state,
            router,
            args,
            _cleanup: cleanup,
        }
    }

    /// A second server over the same database (a restart).
    pub async fn restart(self) -> TestServer {
        let args = self.args.clone();
        let cleanup = self._cleanup.clone();
        self.state.store.close().await;
        drop(self);
        TestServer::start_inner(args, |_| {}, cleanup).await
    }

    pub async fn send(&self, request: Request<Body>) -> TestResponse {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body = response
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec();
        TestResponse {
            status,
            headers,
            body,
        }
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        key: Option<&str>,
        body: Option<&str>,
    ) -> TestResponse {
        let mut builder = Request::builder().method(method).uri(path);
        if let Some(key) = key {
            builder = builder.header("authorization", format!("Bearer {key}"));
        }
        let body = match body {
            Some(text) => {
                builder = builder.header("content-type", "application/json");
                Body::from(text.to_owned())
            }
            None => Body::empty(),
        };
        self.send(builder.body(body).unwrap()).await
    }

    pub async fn get(&self, path: &str, key: Option<&str>) -> TestResponse {
        self.call(Method::GET, path, key, None).await
    }

    /// A new live developer with a random key: `(developer id, key)`.
    pub async fn new_developer(&self) -> (String, String) {
        let key = grantex_server::ids::api_key(false);
        let dev = self
            .state
            .store
            .create_developer("other", Mode::Live, &key)
            .await
            .unwrap();
        (dev.id, key)
    }

    pub async fn create_agent(&self, key: &str, body: &str) -> Value {
        let response = self
            .call(Method::POST, "/v1/agents", Some(key), Some(body))
            .await;
        assert_eq!(
            response.status,
            StatusCode::CREATED,
            "{}",
            String::from_utf8_lossy(&response.body)
        );
        response.json()
    }
}
