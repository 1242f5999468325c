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
//! Durability (SQLite): WAL journal with `synchronous=FULL`, so every commit fsyncs the WAL before it returns
//! and a write acknowledged to a client survives `kill -9` or a power cut; `foreign_keys=ON`.
//!
//! Writes (SQLite): SQLite has one writer at a time, and a connection that finds the write lock taken waits
//! in SQLite's busy handler, which *sleeps* (1, 2, 5, 10… ms) between retries — under concurrent writes most
//! of the time went to those sleeps. So the writes of this process never compete for that lock: they go
//! through the [`writer`], one dedicated connection driven by a thread of its own. The hot paths are its
//! jobs ([`Store::write`]), run back to back with group commit: the jobs queued together share one `COMMIT`,
//! hence one fsync, and each caller is answered only after that commit. The other writes take the writer's
//! place exclusively between two batches ([`Store::begin_write`]: a [`WriteTx`] on a pool connection,
//! started with `BEGIN IMMEDIATE` so that it holds the write lock from its first statement and never
//! upgrades a read snapshot; or [`Store::write_gate`] around one autocommit statement). The 5 s busy
//! timeout remains for writers of other processes (`grantex keys`, `grantex developers`). On PostgreSQL
//! there is no writer: writes run concurrently, each job in its own transaction, and serialize on row locks
//! where they must ([`grants::lock_developer`]).
//!
//! Hot reads: developers by API key are cached for a few seconds ([`developers`]); on SQLite, live token
//! states are cached until this process's next write ([`tokens::TokenStateCache`]), and the reads of the
//! online gate, authorization and code exchange run on connections outside the pool ([`readers`]).

pub mod agents;
pub mod audit;
pub mod auth_requests;
pub mod developers;
pub mod grants;
pub mod principal_sessions;
pub mod readers;
pub mod signing_keys;
pub mod tokens;
pub mod writer;

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{Any, AnyConnection, AnyPool, Executor, Transaction};
use std::fmt;
use std::ops::{Deref, DerefMut};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use writer::Savepoint;
pub use writer::{Finish, JobFuture};

pub use agents::{Agent, AgentPatch, AgentStatus, NewAgent};
pub use auth_requests::{AuthRequest, NewAuthRequest};
pub use developers::{Developer, Mode};
pub use grants::{Grant, GrantFilter, NewGrant};
pub use signing_keys::SigningKeyRow;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// SQLite connections kept out of the pool for the hot reads.
const HOT_READERS: usize = 2;

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
    /// A batched write could not be committed (SQLite group commit; see [`writer`]).
    Commit(String),
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
            StoreError::Commit(m) => write!(f, "database write failed: {m}"),
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
    /// SQLite: the writer (see the module documentation); `None` on PostgreSQL.
    writer: Option<writer::Writer>,
    /// API-key hash → developer (see [`developers`]).
    developer_cache: Arc<developers::DeveloperCache>,
    /// SQLite: live token states for the online gate (see [`tokens::TokenStateCache`]).
    token_cache: Option<Arc<tokens::TokenStateCache>>,
    /// SQLite: connections for the hot reads (see [`readers`]).
    readers: Option<Arc<readers::Readers>>,
}

/// Held while this process writes exclusively (SQLite: the writer has committed its batch and waits;
/// PostgreSQL: nothing). Dropping it lets the writer go on.
#[derive(Debug)]
pub struct WriteGuard(#[allow(dead_code)] Option<writer::Exclusive>);

/// An exclusive write transaction: on SQLite started with `BEGIN IMMEDIATE` on a pool connection while the
/// writer waits ([`WriteGuard`]), until it is committed, rolled back or dropped (a dropped transaction is
/// rolled back). Dereferences to the connection, so statements run with `.execute(&mut *tx)`.
#[derive(Debug)]
pub struct WriteTx {
    // Field order matters: the transaction is dropped (its rollback queued) before the writer goes on.
    tx: Transaction<'static, Any>,
    backend: Backend,
    _gate: WriteGuard,
}

impl WriteTx {
    /// The backend of the transaction.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Commits (on SQLite this returns once the WAL is fsynced), then lets the writer go on.
    pub async fn commit(self) -> StoreResult<()> {
        let WriteTx { tx, _gate, .. } = self;
        tx.commit().await?;
        drop(_gate);
        Ok(())
    }

    /// Rolls back, then lets the writer go on.
    pub async fn rollback(self) -> StoreResult<()> {
        let WriteTx { tx, _gate, .. } = self;
        tx.rollback().await?;
        drop(_gate);
        Ok(())
    }
}

impl Deref for WriteTx {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        &self.tx
    }
}

impl DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }
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
        let mut store = Store {
            pool,
            backend,
            writer: None,
            token_cache: None,
            readers: None,
            developer_cache: Arc::new(developers::DeveloperCache::new(match backend {
                // One process owns the file; the TTL only bounds how long a change made by another
                // process (`grantex developers …`) takes to be seen.
                Backend::Sqlite => Duration::from_secs(10),
                // Several nodes share the database.
                Backend::Postgres => Duration::from_secs(2),
            })),
        };
        store.migrate().await?;
        if backend == Backend::Sqlite {
            // The writer's own connection, taken out of the pool (with the pool's pragmas applied).
            let conn = store.pool.acquire().await?.detach();
            store.writer = Some(writer::Writer::start(conn)?);
            store.token_cache = Some(Arc::default());
            let mut conns = Vec::with_capacity(HOT_READERS);
            for _ in 0..HOT_READERS {
                conns.push(store.pool.acquire().await?.detach());
            }
            store.readers = Some(Arc::new(readers::Readers::new(conns)));
        }
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

    /// The pool, for entity modules and later endpoint groups. Reads only: writes go through
    /// [`Store::write`], [`Store::begin_write`] or [`Store::write_gate`].
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Exclusive write access (SQLite: once the writer has committed its open batch, it waits until the
    /// guard is dropped; immediate on PostgreSQL). Hold the guard across one autocommit write statement run
    /// on [`Store::pool`]. Never call while holding a [`WriteTx`] or another guard, nor inside a
    /// [`Store::write`] job (the writer would wait for itself).
    pub async fn write_gate(&self) -> WriteGuard {
        match &self.writer {
            Some(writer) => WriteGuard(writer.exclusive().await),
            None => WriteGuard(None),
        }
    }

    /// Runs a write job and returns its value once its statements are committed (or rolled back, for
    /// [`Finish::Rollback`] and errors). SQLite: a job of the [`writer`]'s current batch (group commit), in
    /// a savepoint of its own, so that a rollback or an error undoes exactly its statements; PostgreSQL: a
    /// transaction of its own. The job gets the connection, runs its statements on it
    /// (`.execute(&mut *conn)`) and must not touch the store otherwise.
    pub async fn write<T, F>(&self, job: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut AnyConnection) -> JobFuture<'c, T> + Send + 'static,
    {
        self.write_with(Savepoint::Own, job).await
    }

    /// [`Store::write`] for a job that changes nothing when it returns [`Finish::Rollback`] (one statement,
    /// or statements guarded so that they all take effect or none does): on SQLite it runs without a
    /// savepoint of its own (one round trip less), and if it fails, its whole batch fails with it.
    pub async fn write_unguarded<T, F>(&self, job: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut AnyConnection) -> JobFuture<'c, T> + Send + 'static,
    {
        self.write_with(Savepoint::None, job).await
    }

    async fn write_with<T, F>(&self, savepoint: Savepoint, job: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut AnyConnection) -> JobFuture<'c, T> + Send + 'static,
    {
        if let Some(writer) = &self.writer {
            return writer.run(savepoint, job).await;
        }
        let mut tx = self.pool.begin().await?;
        match job(&mut tx).await? {
            Finish::Commit(value) => {
                tx.commit().await?;
                Ok(value)
            }
            Finish::Rollback(value) => {
                tx.rollback().await?;
                Ok(value)
            }
        }
    }

    /// A read on the hot paths: on SQLite on one of the [`readers`] (no per-use ping), on PostgreSQL on the
    /// pool.
    pub(crate) async fn fetch_optional_hot<'q>(
        &self,
        query: sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>>,
    ) -> StoreResult<Option<sqlx::any::AnyRow>> {
        Ok(match &self.readers {
            Some(readers) => {
                let mut read = readers.get().await?;
                query.fetch_optional(read.conn()?).await?
            }
            None => query.fetch_optional(&self.pool).await?,
        })
    }

    /// SQLite: a number that changes whenever this process commits a write (see
    /// [`writer::Writer::generation`]); `None` on PostgreSQL, where other nodes write too.
    pub(crate) fn write_generation(&self) -> Option<u64> {
        self.writer.as_ref().map(writer::Writer::generation)
    }

    /// Begins an exclusive write transaction: on SQLite while the writer waits, with `BEGIN IMMEDIATE`.
    pub async fn begin_write(&self) -> StoreResult<WriteTx> {
        let gate = self.write_gate().await;
        let tx = match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        };
        Ok(WriteTx {
            tx,
            backend: self.backend,
            _gate: gate,
        })
    }

    /// A cheap liveness probe (`SELECT 1`) for `/health`.
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }

    /// Commits the writer's open batch, closes its connection and the pool (waits for connections to be
    /// returned).
    pub async fn close(&self) {
        if let Some(writer) = &self.writer {
            writer.close().await;
        }
        if let Some(readers) = &self.readers {
            readers.close().await;
        }
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
