//! Grant-token rows (`jti`, PROTOCOL.md §4.4 step 4, §7.4) and refresh tokens (§7.3, IMP-10: `ref_` + 256
//! random bits stored as SHA-256 hex, single use, rotation families; presenting a used token revokes its
//! whole family and records the reuse).

use super::grants::{Grant, insert_issued, lock_developer_in, revoke_cascade_in};
use super::{Finish, Store, StoreResult, db_ms};
use sqlx::AnyConnection;
use sqlx::Row;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// A token row to insert.
#[derive(Debug, Clone)]
pub struct NewTokenRow {
    /// `tok_…`.
    pub jti: String,
    /// Its grant.
    pub grant_id: String,
    /// Owner.
    pub developer_id: String,
    /// Signing key.
    pub kid: String,
    /// Unix ms.
    pub issued_at: i64,
    /// Unix ms.
    pub expires_at: i64,
}

/// A refresh token to insert (`token_hash` = SHA-256 hex of the token text).
#[derive(Debug, Clone)]
pub struct NewRefreshToken {
    /// SHA-256 hex.
    pub token_hash: String,
    /// Its grant.
    pub grant_id: String,
    /// Owner.
    pub developer_id: String,
    /// Rotation family.
    pub family_id: String,
    /// Unix ms.
    pub created_at: i64,
    /// Unix ms: `min(now + 30 d, grant expiry)`.
    pub expires_at: i64,
}

/// What the online gate (§4.4 step 4, IMP-12) needs about a token.
#[derive(Debug, Clone)]
pub struct TokenState {
    /// Token row revoked.
    pub token_revoked: bool,
    /// Stored token expiry, Unix ms.
    pub token_expires_at: i64,
    /// The grant.
    pub grant: Grant,
    /// The grantee agent's status (`active`/`suspended`), `None` when the agent was deleted.
    pub agent_status: Option<String>,
}

/// Live token states (SQLite only), so that verifying the same token again does not read the database:
/// an entry is used only while this process has committed no write since it was read (the store's write
/// generation is unchanged — every write of the process goes through the writer's lock, which bumps it:
/// a revocation, a suspended or deleted agent, anything) and for at most [`TOKEN_CACHE_TTL`] (a bound for
/// writes of other processes). Only states that pass the online gate are kept; an unknown, revoked or
/// suspended token is read every time. PostgreSQL, whose other nodes write too, has no such cache.
#[derive(Debug, Default)]
pub(crate) struct TokenStateCache {
    entries: RwLock<HashMap<String, CachedTokenState>>,
}

/// `jti` → (write generation and time of the read, state).
type CachedTokenState = (u64, Instant, Arc<TokenState>);

/// How long a cached token state may be used at most.
pub const TOKEN_CACHE_TTL: Duration = Duration::from_secs(2);

/// At most this many cached token states (the cache is emptied when full).
const TOKEN_CACHE_CAPACITY: usize = 10_000;

impl TokenStateCache {
    fn get(&self, developer_id: &str, jti: &str, generation: u64) -> Option<Arc<TokenState>> {
        let entries = self.entries.read().ok()?;
        let (at_generation, read_at, state) = entries.get(jti)?;
        (*at_generation == generation
            && read_at.elapsed() < TOKEN_CACHE_TTL
            && state.grant.developer_id == developer_id)
            .then(|| state.clone())
    }

    fn put(&self, jti: &str, generation: u64, read_at: Instant, state: &Arc<TokenState>) {
        if let Ok(mut entries) = self.entries.write() {
            if entries.len() >= TOKEN_CACHE_CAPACITY {
                entries.clear();
            }
            entries.insert(jti.to_owned(), (generation, read_at, state.clone()));
        }
    }
}

impl TokenState {
    /// Passes every stored check of the online gate that does not depend on the time.
    fn live(&self) -> bool {
        !self.token_revoked
            && self.grant.status == "active"
            && self.agent_status.as_deref() == Some("active")
    }
}

/// A refresh token with its grant.
#[derive(Debug, Clone)]
pub struct RefreshState {
    /// SHA-256 hex.
    pub token_hash: String,
    /// Family.
    pub family_id: String,
    /// Already used.
    pub used: bool,
    /// Revoked.
    pub revoked: bool,
    /// Unix ms.
    pub expires_at: i64,
    /// The grant.
    pub grant: Grant,
    /// Grantee agent status (`None` when deleted).
    pub agent_status: Option<String>,
    /// DID of the parent grant's agent (delegated grants).
    pub parent_agent_id: Option<String>,
}

/// Outcome of [`Store::rotate_refresh_token`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RotateOutcome {
    /// Old token marked used; new token row and refresh token stored.
    Rotated,
    /// The token had already been used: reuse detected, the family was revoked.
    Reused,
    /// The token was revoked meanwhile, or the grant is no longer live.
    Invalid,
}

pub(crate) async fn insert_token_row(tx: &mut AnyConnection, t: &NewTokenRow) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO tokens (jti, grant_id, developer_id, kid, issued_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&t.jti)
    .bind(&t.grant_id)
    .bind(&t.developer_id)
    .bind(&t.kid)
    .bind(t.issued_at)
    .bind(t.expires_at)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

pub(crate) async fn insert_refresh_token(
    tx: &mut AnyConnection,
    r: &NewRefreshToken,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO refresh_tokens (token_hash, grant_id, developer_id, family_id, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&r.token_hash)
    .bind(&r.grant_id)
    .bind(&r.developer_id)
    .bind(&r.family_id)
    .bind(r.created_at)
    .bind(r.expires_at)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// The token-state query (built once).
static TOKEN_STATE_SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "SELECT t.revoked AS t_revoked, t.expires_at AS t_expires_at, a.status AS agent_status, \
           a.deleted_at AS agent_deleted_at, {} \
         FROM tokens t JOIN grants g ON g.id = t.grant_id JOIN agents a ON a.id = g.agent_id \
         WHERE t.jti = $1 AND t.developer_id = $2 AND g.developer_id = $2",
        prefixed_grant_columns()
    )
});

fn prefixed_grant_columns() -> String {
    super::grants::GRANT_COLUMNS
        .split(", ")
        .map(|c| format!("g.{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

async fn family_reused(
    tx: &mut AnyConnection,
    family_id: &str,
    token_hash: &str,
    now: i64,
) -> StoreResult<()> {
    sqlx::query("UPDATE refresh_tokens SET revoked = 1 WHERE family_id = $1")
        .bind(family_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE refresh_tokens SET reuse_detected_at = $2 WHERE token_hash = $1")
        .bind(token_hash)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

impl Store {
    /// The token `jti` of the developer with its grant and agent status; `None` when unknown or foreign.
    /// On SQLite a live state read since this process's last write is reused ([`TokenStateCache`]).
    pub async fn token_state(
        &self,
        developer_id: &str,
        jti: &str,
    ) -> StoreResult<Option<Arc<TokenState>>> {
        let cache = self.token_cache.as_ref().zip(self.write_generation());
        if let Some((cache, generation)) = cache
            && let Some(state) = cache.get(developer_id, jti, generation)
        {
            return Ok(Some(state));
        }
        // Generation and time are taken before the read, so an entry never outlives what it saw.
        let read_at = Instant::now();
        let state = self
            .read_token_state(developer_id, jti)
            .await?
            .map(Arc::new);
        if let (Some((cache, generation)), Some(state)) = (cache, &state)
            && state.live()
        {
            cache.put(jti, generation, read_at, state);
        }
        Ok(state)
    }

    async fn read_token_state(
        &self,
        developer_id: &str,
        jti: &str,
    ) -> StoreResult<Option<TokenState>> {
        let row = self
            .fetch_optional_hot(
                sqlx::query(TOKEN_STATE_SQL.as_str())
                    .bind(jti)
                    .bind(developer_id),
            )
            .await?;
        let Some(row) = row else { return Ok(None) };
        let deleted: Option<i64> = row.try_get("agent_deleted_at")?;
        Ok(Some(TokenState {
            token_revoked: row.try_get::<i64, _>("t_revoked")? != 0,
            token_expires_at: row.try_get("t_expires_at")?,
            grant: super::grants::grant_from_row(&row)?,
            agent_status: if deleted.is_some() {
                None
            } else {
                Some(row.try_get("agent_status")?)
            },
        }))
    }

    /// Revokes one token (§7.4); `false` when unknown, foreign or already revoked.
    pub async fn revoke_token(&self, developer_id: &str, jti: &str) -> StoreResult<bool> {
        let now = db_ms(crate::time::now_ms());
        let (developer_id, jti) = (developer_id.to_owned(), jti.to_owned());
        // One statement: no savepoint needed.
        self.write_unguarded(move |conn| {
            Box::pin(async move {
                let n = sqlx::query(
                    "UPDATE tokens SET revoked = 1, revoked_at = $3 \
                     WHERE jti = $1 AND developer_id = $2 AND revoked = 0",
                )
                .bind(&jti)
                .bind(&developer_id)
                .bind(now)
                .execute(&mut *conn)
                .await?
                .rows_affected();
                Ok(Finish::Commit(n == 1))
            })
        })
        .await
    }

    /// The developer's refresh token with hash `token_hash`.
    pub async fn refresh_state(
        &self,
        developer_id: &str,
        token_hash: &str,
    ) -> StoreResult<Option<RefreshState>> {
        let row = sqlx::query(&format!(
            "SELECT r.token_hash AS r_hash, r.family_id AS r_family, r.used AS r_used, r.revoked AS r_revoked, \
               r.expires_at AS r_expires_at, a.status AS agent_status, a.deleted_at AS agent_deleted_at, \
               p.agent_id AS parent_agent_id, {} \
             FROM refresh_tokens r JOIN grants g ON g.id = r.grant_id JOIN agents a ON a.id = g.agent_id \
             LEFT JOIN grants p ON p.id = g.parent_grant_id \
             WHERE r.token_hash = $1 AND r.developer_id = $2 AND g.developer_id = $2",
            prefixed_grant_columns()
        ))
        .bind(token_hash)
        .bind(developer_id)
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let deleted: Option<i64> = row.try_get("agent_deleted_at")?;
        Ok(Some(RefreshState {
            token_hash: row.try_get("r_hash")?,
            family_id: row.try_get("r_family")?,
            used: row.try_get::<i64, _>("r_used")? != 0,
            revoked: row.try_get::<i64, _>("r_revoked")? != 0,
            expires_at: row.try_get("r_expires_at")?,
            grant: super::grants::grant_from_row(&row)?,
            agent_status: if deleted.is_some() {
                None
            } else {
                Some(row.try_get("agent_status")?)
            },
            parent_agent_id: row.try_get("parent_agent_id")?,
        }))
    }

    /// Records the reuse of an already used refresh token: revokes every refresh token of its family.
    pub async fn refresh_reuse_detected(
        &self,
        developer_id: &str,
        family_id: &str,
        token_hash: &str,
    ) -> StoreResult<()> {
        let now = db_ms(crate::time::now_ms());
        let backend = self.backend();
        let (developer_id, family_id, token_hash) = (
            developer_id.to_owned(),
            family_id.to_owned(),
            token_hash.to_owned(),
        );
        self.write(move |conn| {
            Box::pin(async move {
                lock_developer_in(conn, backend, &developer_id).await?;
                family_reused(conn, &family_id, &token_hash, now).await?;
                Ok(Finish::Commit(()))
            })
        })
        .await
    }

    /// Refresh (§7.3) under the developer lock: marks `old_hash` used (conditionally, so a concurrent reuse
    /// loses), re-checks the grant, stores the new token row and refresh token (same family).
    pub async fn rotate_refresh_token(
        &self,
        old_hash: &str,
        token: &NewTokenRow,
        refresh: &NewRefreshToken,
    ) -> StoreResult<RotateOutcome> {
        let now = token.issued_at;
        let backend = self.backend();
        let (old_hash, token, refresh) = (old_hash.to_owned(), token.clone(), refresh.clone());
        self.write(move |conn| {
            Box::pin(async move {
                lock_developer_in(conn, backend, &token.developer_id).await?;
                let marked = sqlx::query(
                    "UPDATE refresh_tokens SET used = 1, used_at = $2 \
                     WHERE token_hash = $1 AND developer_id = $3 AND used = 0 AND revoked = 0 \
                     AND expires_at > $2",
                )
                .bind(&old_hash)
                .bind(now)
                .bind(&token.developer_id)
                .execute(&mut *conn)
                .await?
                .rows_affected();
                if marked != 1 {
                    let used: Option<i64> =
                        sqlx::query("SELECT used FROM refresh_tokens WHERE token_hash = $1")
                            .bind(&old_hash)
                            .fetch_optional(&mut *conn)
                            .await?
                            .map(|r| r.try_get("used"))
                            .transpose()?;
                    if used == Some(1) {
                        family_reused(conn, &refresh.family_id, &old_hash, now).await?;
                        return Ok(Finish::Commit(RotateOutcome::Reused));
                    }
                    return Ok(Finish::Rollback(RotateOutcome::Invalid));
                }
                let live = sqlx::query(
                    "SELECT id FROM grants WHERE id = $1 AND status = 'active' AND expires_at > $2",
                )
                .bind(&token.grant_id)
                .bind(now)
                .fetch_optional(&mut *conn)
                .await?;
                if live.is_none() {
                    return Ok(Finish::Rollback(RotateOutcome::Invalid));
                }
                insert_issued(conn, backend, None, &token, &refresh).await?;
                Ok(Finish::Commit(RotateOutcome::Rotated))
            })
        })
        .await
    }

    /// Replay of a consumed authorization code (IMP-8): revokes the grant issued from it (with descendants).
    pub async fn revoke_for_code_replay(
        &self,
        developer_id: &str,
        auth_request_id: &str,
    ) -> StoreResult<Vec<String>> {
        let now = db_ms(crate::time::now_ms());
        let backend = self.backend();
        let (developer_id, auth_request_id) = (developer_id.to_owned(), auth_request_id.to_owned());
        self.write(move |conn| {
            Box::pin(async move {
                lock_developer_in(conn, backend, &developer_id).await?;
                let grant: Option<String> = sqlx::query(
                    "SELECT id FROM grants WHERE auth_request_id = $1 AND developer_id = $2",
                )
                .bind(&auth_request_id)
                .bind(&developer_id)
                .fetch_optional(&mut *conn)
                .await?
                .map(|r| r.try_get("id"))
                .transpose()?;
                let revoked = match grant {
                    Some(id) => revoke_cascade_in(conn, &developer_id, &id, now).await?,
                    None => Vec::new(),
                };
                Ok(Finish::Commit(revoked))
            })
        })
        .await
    }
}
