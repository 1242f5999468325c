//! Developers: the tenants. Authenticated by API key, stored only as SHA-256 hex (PROTOCOL.md §1.2, §1.3).
//!
//! Every dev-key request looks its developer up by key hash, so found developers are cached in process
//! ([`DeveloperCache`]) for a short TTL (10 s on SQLite, 2 s on PostgreSQL where several nodes share the
//! database); unknown keys are never cached. Nothing in this process changes a developer's key, mode, name
//! or plan, or deletes a developer, today; a statement that does must call [`Store::forget_developers`] in
//! the same call, and the TTL bounds how long another process's change takes to be seen.

use super::{Store, StoreError, StoreResult, db_ms};
use crate::ids;
use sqlx::Row;
use sqlx::any::AnyRow;
use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

/// At most this many cached developers (the cache is emptied when full).
const CACHE_CAPACITY: usize = 10_000;

/// API-key hash → (when read, developer).
#[derive(Debug)]
pub(crate) struct DeveloperCache {
    ttl: Duration,
    entries: RwLock<HashMap<String, (Instant, Developer)>>,
}

impl DeveloperCache {
    pub(crate) fn new(ttl: Duration) -> DeveloperCache {
        DeveloperCache {
            ttl,
            entries: RwLock::new(HashMap::new()),
        }
    }

    fn get(&self, key_hash: &str) -> Option<Developer> {
        let entries = self.entries.read().ok()?;
        let (read_at, developer) = entries.get(key_hash)?;
        (read_at.elapsed() < self.ttl).then(|| developer.clone())
    }

    fn put(&self, key_hash: &str, developer: &Developer, read_at: Instant) {
        if let Ok(mut entries) = self.entries.write() {
            if entries.len() >= CACHE_CAPACITY {
                entries.clear();
            }
            entries.insert(key_hash.to_owned(), (read_at, developer.clone()));
        }
    }

    fn clear(&self) {
        if let Ok(mut entries) = self.entries.write() {
            entries.clear();
        }
    }
}

/// `live` or `sandbox` (PROTOCOL.md §1.3): a property of the developer, not of the key text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Live: consent is required.
    Live,
    /// Sandbox: authorization requests are auto-approved.
    Sandbox,
}

impl Mode {
    /// The stored and wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Live => "live",
            Mode::Sandbox => "sandbox",
        }
    }

    fn parse(text: &str) -> StoreResult<Mode> {
        match text {
            "live" => Ok(Mode::Live),
            "sandbox" => Ok(Mode::Sandbox),
            other => Err(StoreError::Corrupt(format!("developer mode {other:?}"))),
        }
    }
}

/// A developer row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Developer {
    /// `dev_…`.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Live or sandbox.
    pub mode: Mode,
    /// Plan name (`enterprise` unless billing says otherwise).
    pub plan: String,
    /// Creation time, Unix ms.
    pub created_at: i64,
}

fn developer_from_row(row: &AnyRow) -> StoreResult<Developer> {
    Ok(Developer {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        mode: Mode::parse(&row.try_get::<String, _>("mode")?)?,
        plan: row.try_get("plan")?,
        created_at: row.try_get("created_at")?,
    })
}

impl Store {
    /// The developer whose API key hashes to `key_hash` (lower-case SHA-256 hex), from the cache when it
    /// was read within the TTL.
    pub async fn developer_by_key_hash(&self, key_hash: &str) -> StoreResult<Option<Developer>> {
        if let Some(developer) = self.developer_cache.get(key_hash) {
            return Ok(Some(developer));
        }
        // Stamped before the read: an entry never outlives the TTL counted from what it saw.
        let read_at = Instant::now();
        let developer = self.read_developer_by_key_hash(key_hash).await?;
        if let Some(developer) = &developer {
            self.developer_cache.put(key_hash, developer, read_at);
        }
        Ok(developer)
    }

    /// Empties the developer cache: call after changing or deleting a developer row.
    pub fn forget_developers(&self) {
        self.developer_cache.clear();
    }

    async fn read_developer_by_key_hash(&self, key_hash: &str) -> StoreResult<Option<Developer>> {
        let row = sqlx::query(
            "SELECT id, name, mode, plan, created_at FROM developers WHERE api_key_hash = $1",
        )
        .bind(key_hash)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(developer_from_row).transpose()
    }

    /// Creates a developer authenticated by `api_key` (stored hashed).
    pub async fn create_developer(
        &self,
        name: &str,
        mode: Mode,
        api_key: &str,
    ) -> StoreResult<Developer> {
        let now = db_ms(crate::time::now_ms());
        let developer = Developer {
            id: ids::new_id(ids::prefix::DEVELOPER),
            name: name.to_owned(),
            mode,
            plan: "enterprise".to_owned(),
            created_at: now,
        };
        let _gate = self.write_gate().await;
        sqlx::query(
            "INSERT INTO developers (id, name, api_key_hash, mode, plan, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6)",
        )
        .bind(&developer.id)
        .bind(&developer.name)
        .bind(ids::sha256_hex(api_key))
        .bind(mode.as_str())
        .bind(&developer.plan)
        .bind(now)
        .execute(self.pool())
        .await?;
        Ok(developer)
    }

    /// Dev-mode seeding: the developer for `api_key`, created with `name` and `mode` if absent.
    pub async fn seed_developer(
        &self,
        name: &str,
        mode: Mode,
        api_key: &str,
    ) -> StoreResult<Developer> {
        if let Some(existing) = self
            .read_developer_by_key_hash(&ids::sha256_hex(api_key))
            .await?
        {
            return Ok(existing);
        }
        self.create_developer(name, mode, api_key).await
    }
}
