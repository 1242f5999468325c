//! Storage: one implementation over sqlx's `Any` driver for SQLite (default) and PostgreSQL.
//!
//! Why `Any` and not a trait with one implementation per backend: the schema is deliberately portable (TEXT
//! and 64-bit integers only; times are Unix milliseconds, flags 0/1, lists JSON text) and every statement
//! uses `$n` placeholders, `ON CONFLICT`, `RETURNING` — all accepted by both SQLite and PostgreSQL. One set
//! of queries then serves both backends and cannot drift apart; the backend-specific parts are confined to
//! this module: the migration directory (`migrations/sqlite`, `migrations/postgres`, identical tables) and the
//! per-connection SQLite pragmas. A later statement that cannot be portable (e.g. `FOR UPDATE`) branches on
//! [`Store::backend`]. Entity modules add `impl Store` blocks: [`developers`], [`agents`], [`signing_keys`].
//!
//! Durability (SQLite): WAL journal with `synchronous=FULL`, so a write acknowledged to a client has been
//! fsynced and survives `kill -9` or a power cut; `foreign_keys=ON`; a 5 s busy timeout for the single writer.

pub mod agents;
pub mod audit;
pub mod auth_requests;
pub mod developers;
pub mod grants;
pub mod principal_sessions;
pub mod signing_keys;
pub mod tokens;

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Executor};
use std::fmt;
use std::path::Path;
use std::time::Duration;

pub use agents::{Agent, AgentPatch, AgentStatus, NewAgent};
pub use auth_requests::{AuthRequest, NewAuthRequest};
pub use developers::{Developer, Mode};
pub use grants::{Grant, GrantFilter, NewGrant};
pub use signing_keys::SigningKeyRow;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
     PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;";

/// The database behind a [`Store`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite file (the default, under the data directory).
    Sqlite,
    /// PostgreSQL (`postgres://…`).
    Postgres,
}

/// A storage failure. Never shown to clients (they get `INTERNAL_ERROR`); logged with the request id.
#[derive(Debug)]
pub enum StoreError {
    /// The database answered with an error or could not be reached.
    Database(sqlx::Error),
    /// Applying the embedded migrations failed.
    Migrate(sqlx::migrate::MigrateError),
    /// A stored value could not be interpreted (e.g. invalid JSON in a column).
    Corrupt(String),
    /// The database URL is not one this server supports.
    UnsupportedUrl(String),
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Database(e) => write!(f, "database error: {e}"),
            StoreError::Migrate(e) => write!(f, "database migration failed: {e}"),
            StoreError::Corrupt(m) => write!(f, "corrupt stored data: {m}"),
            StoreError::UnsupportedUrl(u) => write!(
                f,
                "unsupported database URL {u:?}: expected sqlite://… or postgres://…"
            ),
        }
    }
}

impl std::error::Error for StoreError {}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        StoreError::Database(e)
    }
}

/// Result of storage calls.
pub type StoreResult<T> = Result<T, StoreError>;

/// The connection pool and the backend it talks to. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
}

/// The default SQLite URL for a data directory: `sqlite://<dir>/grantex.db?mode=rwc`.
pub fn sqlite_url_for(data_dir: &Path) -> String {
    format!(
        "sqlite://{}?mode=rwc",
        data_dir.join("grantex.db").display()
    )
}

impl Store {
    /// Connects to `url` (`sqlite://…` or `postgres://…`/`postgresql://…`) and applies the migrations.
    pub async fn open(url: &str) -> StoreResult<Store> {
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            return Err(StoreError::UnsupportedUrl(redact_url(url)));
        };
        install_default_drivers();
        let options = AnyPoolOptions::new()
            .max_connections(match backend {
                Backend::Sqlite => 4,
                Backend::Postgres => 10,
            })
            .acquire_timeout(Duration::from_secs(10));
        let options = if backend == Backend::Sqlite {
            // A local file connection cannot go stale: skip sqlx's per-acquire ping, which costs a round
            // trip to the connection's worker thread before every statement.
            options
                .test_before_acquire(false)
                .after_connect(|conn, _meta| {
                    Box::pin(async move {
                        conn.execute(sqlx::raw_sql(SQLITE_PRAGMAS)).await?;
                        Ok(())
                    })
                })
        } else {
            options
        };
        let pool = options.connect(url).await?;
        let store = Store { pool, backend };
        store.migrate().await?;
        Ok(store)
    }

    async fn migrate(&self) -> StoreResult<()> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator.run(&self.pool).await.map_err(StoreError::Migrate)
    }

    /// The backend.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The pool, for entity modules and later endpoint groups.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// A cheap liveness probe (`SELECT 1`) for `/health`.
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }

    /// Closes the pool (waits for connections to be returned).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// The URL without its password, for messages.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..])
        }
        _ => url.to_owned(),
    }
}

/// Milliseconds as the `i64` stored in the database.
pub(crate) fn db_ms(ms: u64) -> i64 {
    i64::try_from(ms).unwrap_or(i64::MAX)
}

/// A JSON string array column.
pub(crate) fn parse_string_list(column: &str, text: &str) -> StoreResult<Vec<String>> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("{column}: {e}")))
}

/// Serializes a string list for a JSON text column.
pub(crate) fn string_list_json(list: &[String]) -> String {
    serde_json::Value::from(list.to_vec()).to_string()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    /// The two migration directories define the same schema: identical after the type spelling and the
    /// header comment are normalised.
    #[test]
    fn migrations_stay_in_step() {
        fn normalise(text: &str) -> String {
            text.lines()
                .skip(2)
                .collect::<Vec<_>>()
                .join("\n")
                .replace("BIGINT", "INTEGER")
        }
        let sqlite = include_str!("../../migrations/sqlite/0001_initial.sql");
        let postgres = include_str!("../../migrations/postgres/0001_initial.sql");
        assert_eq!(normalise(sqlite), normalise(postgres));
        let dir = |d: &str| {
            let mut names: Vec<_> =
                std::fs::read_dir(format!("{}/migrations/{d}", env!("CARGO_MANIFEST_DIR")))
                    .unwrap()
                    .map(|e| e.unwrap().file_name())
                    .collect();
            names.sort();
            names
        };
        assert_eq!(dir("sqlite"), dir("postgres"));
    }

    #[test]
    fn urls_are_redacted() {
        assert_eq!(
            super::redact_url("postgres://u:secret@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(super::redact_url("sqlite:///x.db"), "sqlite:///x.db");
    }
}
