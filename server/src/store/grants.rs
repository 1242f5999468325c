//! Grants (PROTOCOL.md §10.6), their issuance transactions (code exchange §7.2, refresh §7.3, delegation §6)
//! and cascade revocation (§6.3).
//!
//! Serialization: every write transaction here ([`Store::write`] jobs, [`super::WriteTx`]) starts by taking
//! the developer lock ([`lock_developer`], [`lock_developer_in`]). On PostgreSQL that is a no-op `UPDATE` of
//! the developer row, a row lock held to the end of the transaction (the same as `SELECT … FOR UPDATE`); on
//! SQLite every write of the process already runs alone (the [`super::writer`] runs them one after another,
//! inside `BEGIN IMMEDIATE` transactions), so nothing more is needed. Delegation, cascade revocation,
//! refresh and code exchange of one developer are therefore serialized, so a revoked grant never gains a
//! live child and a refresh token is never used twice.

use super::tokens::{NewRefreshToken, NewTokenRow, insert_refresh_token, insert_token_row};
use super::{
    Backend, Finish, Store, StoreError, StoreResult, WriteTx, db_ms, parse_string_list,
    string_list_json,
};
use sqlx::Any;
use sqlx::AnyConnection;
use sqlx::Row;
use sqlx::any::AnyArguments;
use sqlx::any::AnyRow;
use sqlx::query::Query;

/// A grant row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// `grnt_…`.
    pub id: String,
    /// Owner.
    pub developer_id: String,
    /// Grantee agent `ag_…`.
    pub agent_id: String,
    /// Principal (token `sub`).
    pub principal_id: String,
    /// The authorization request it came from (root grants).
    pub auth_request_id: Option<String>,
    /// Granted scopes, in requested order.
    pub scopes: Vec<String>,
    /// Audience (`aud`), inherited by delegated grants (IMP-5).
    pub audience: Option<String>,
    /// Stored status: `active` or `revoked`.
    pub status: String,
    /// Parent grant (delegated grants).
    pub parent_grant_id: Option<String>,
    /// 0 for root grants.
    pub delegation_depth: i64,
    /// Unix ms.
    pub created_at: i64,
    /// Unix ms.
    pub updated_at: i64,
    /// Unix ms (whole seconds).
    pub expires_at: i64,
    /// Unix ms.
    pub revoked_at: Option<i64>,
}

impl Grant {
    /// The status shown to clients: `expired` for an active grant past its expiry (IMP-13).
    pub fn effective_status(&self, now_ms: i64) -> &str {
        if self.status == "active" && self.expires_at <= now_ms {
            "expired"
        } else {
            &self.status
        }
    }

    /// Active and not expired.
    pub fn is_live(&self, now_ms: i64) -> bool {
        self.status == "active" && self.expires_at > now_ms
    }
}

/// Fields of a new grant (ids and times chosen by the caller, which signs the token first).
#[derive(Debug, Clone)]
pub struct NewGrant {
    /// `grnt_…`.
    pub id: String,
    /// Owner.
    pub developer_id: String,
    /// Grantee agent.
    pub agent_id: String,
    /// Principal.
    pub principal_id: String,
    /// Originating request.
    pub auth_request_id: Option<String>,
    /// Scopes.
    pub scopes: Vec<String>,
    /// Audience.
    pub audience: Option<String>,
    /// Parent grant.
    pub parent_grant_id: Option<String>,
    /// Depth.
    pub delegation_depth: i64,
    /// Unix ms.
    pub created_at: i64,
    /// Unix ms.
    pub expires_at: i64,
}

/// Filters of [`Store::list_grants`].
#[derive(Debug, Clone, Default)]
pub struct GrantFilter {
    /// Exact agent id.
    pub agent_id: Option<String>,
    /// Exact principal id.
    pub principal_id: Option<String>,
    /// `active` (live), `expired` (active past expiry), `revoked`, or anything else (matches nothing).
    pub status: Option<String>,
    /// `(limit, offset)` when paging was asked for.
    pub page: Option<(i64, i64)>,
}

/// Outcome of a code exchange transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExchangeOutcome {
    /// Grant, token and refresh token stored.
    Issued,
    /// The request was no longer `approved` (the code was used concurrently).
    NotApproved,
}

/// Outcome of a delegation transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DelegateOutcome {
    /// Child stored.
    Issued,
    /// The parent grant is no longer active (re-read under the lock): the signed child is discarded.
    ParentInactive,
}

pub(crate) const GRANT_COLUMNS: &str = "id, developer_id, agent_id, principal_id, auth_request_id, scopes, audience, \
     status, parent_grant_id, delegation_depth, created_at, updated_at, expires_at, revoked_at";

pub(crate) fn grant_from_row(row: &AnyRow) -> StoreResult<Grant> {
    Ok(Grant {
        id: row.try_get("id")?,
        developer_id: row.try_get("developer_id")?,
        agent_id: row.try_get("agent_id")?,
        principal_id: row.try_get("principal_id")?,
        auth_request_id: row.try_get("auth_request_id")?,
        scopes: parse_string_list("grants.scopes", &row.try_get::<String, _>("scopes")?)?,
        audience: row.try_get("audience")?,
        status: row.try_get("status")?,
        parent_grant_id: row.try_get("parent_grant_id")?,
        delegation_depth: row.try_get("delegation_depth")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        expires_at: row.try_get("expires_at")?,
        revoked_at: row.try_get("revoked_at")?,
    })
}

/// Takes the per-developer write lock inside `tx` (see the module documentation). Call it first.
pub async fn lock_developer(tx: &mut WriteTx, developer_id: &str) -> StoreResult<()> {
    let backend = tx.backend();
    lock_developer_in(tx, backend, developer_id).await
}

/// [`lock_developer`] inside a [`Store::write`] job on `backend`.
pub async fn lock_developer_in(
    conn: &mut AnyConnection,
    backend: Backend,
    developer_id: &str,
) -> StoreResult<()> {
    if backend == Backend::Sqlite {
        // The writer serializes every write of the process already.
        return Ok(());
    }
    sqlx::query("UPDATE developers SET updated_at = updated_at WHERE id = $1")
        .bind(developer_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub(crate) async fn insert_grant(tx: &mut AnyConnection, g: &NewGrant) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO grants (id, developer_id, agent_id, principal_id, auth_request_id, scopes, audience, status, \
           parent_grant_id, delegation_depth, created_at, updated_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'active', $8, $9, $10, $10, $11)",
    )
    .bind(&g.id)
    .bind(&g.developer_id)
    .bind(&g.agent_id)
    .bind(&g.principal_id)
    .bind(g.auth_request_id.clone())
    .bind(string_list_json(&g.scopes))
    .bind(g.audience.clone())
    .bind(g.parent_grant_id.clone())
    .bind(g.delegation_depth)
    .bind(g.created_at)
    .bind(g.expires_at)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// SQLite: a grant, its token row and its refresh token in one statement list (one round trip to the
/// connection's thread); `$n` numbers the values across the three statements.
const SQLITE_INSERT_GRANT_TOKEN_REFRESH: &str = "\
    INSERT INTO grants (id, developer_id, agent_id, principal_id, auth_request_id, scopes, audience, status, \
      parent_grant_id, delegation_depth, created_at, updated_at, expires_at) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, 'active', $8, $9, $10, $10, $11); \
    INSERT INTO tokens (jti, grant_id, developer_id, kid, issued_at, expires_at) \
    VALUES ($12, $13, $14, $15, $16, $17); \
    INSERT INTO refresh_tokens (token_hash, grant_id, developer_id, family_id, created_at, expires_at) \
    VALUES ($18, $19, $20, $21, $22, $23)";

/// SQLite: a token row and its refresh token in one statement list.
const SQLITE_INSERT_TOKEN_REFRESH: &str = "\
    INSERT INTO tokens (jti, grant_id, developer_id, kid, issued_at, expires_at) \
    VALUES ($1, $2, $3, $4, $5, $6); \
    INSERT INTO refresh_tokens (token_hash, grant_id, developer_id, family_id, created_at, expires_at) \
    VALUES ($7, $8, $9, $10, $11, $12)";

/// Stores what an issuance produced: the grant (code exchange, delegation; `None` for a refresh), the token
/// row and the refresh token — on SQLite in one round trip, on PostgreSQL statement by statement.
pub(crate) async fn insert_issued(
    conn: &mut AnyConnection,
    backend: Backend,
    grant: Option<&NewGrant>,
    token: &NewTokenRow,
    refresh: &NewRefreshToken,
) -> StoreResult<()> {
    if backend == Backend::Postgres {
        if let Some(g) = grant {
            insert_grant(conn, g).await?;
        }
        insert_token_row(conn, token).await?;
        return insert_refresh_token(conn, refresh).await;
    }
    let sql = match grant {
        Some(_) => SQLITE_INSERT_GRANT_TOKEN_REFRESH,
        None => SQLITE_INSERT_TOKEN_REFRESH,
    };
    bind_issued(sqlx::query(sql), grant, token, refresh)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Binds the values of [`SQLITE_INSERT_GRANT_TOKEN_REFRESH`] (`$1..$23`; without a grant, those of
/// [`SQLITE_INSERT_TOKEN_REFRESH`], `$1..$12`).
fn bind_issued<'q>(
    query: Query<'q, Any, AnyArguments<'q>>,
    grant: Option<&'q NewGrant>,
    token: &'q NewTokenRow,
    refresh: &'q NewRefreshToken,
) -> Query<'q, Any, AnyArguments<'q>> {
    let query = match grant {
        Some(g) => query
            .bind(&g.id)
            .bind(&g.developer_id)
            .bind(&g.agent_id)
            .bind(&g.principal_id)
            .bind(g.auth_request_id.as_deref())
            .bind(string_list_json(&g.scopes))
            .bind(g.audience.as_deref())
            .bind(g.parent_grant_id.as_deref())
            .bind(g.delegation_depth)
            .bind(g.created_at)
            .bind(g.expires_at),
        None => query,
    };
    query
        .bind(&token.jti)
        .bind(&token.grant_id)
        .bind(&token.developer_id)
        .bind(&token.kid)
        .bind(token.issued_at)
        .bind(token.expires_at)
        .bind(&refresh.token_hash)
        .bind(&refresh.grant_id)
        .bind(&refresh.developer_id)
        .bind(&refresh.family_id)
        .bind(refresh.created_at)
        .bind(refresh.expires_at)
}

/// SQLite: the whole code exchange in one statement list (one round trip): consume the approved request
/// (`$24`), then — each only if the statement before changed a row (`changes()`), so that either all four
/// take effect or none does — the grant, its token row and its refresh token (values as in
/// [`SQLITE_INSERT_GRANT_TOKEN_REFRESH`]; `code_used_at` is the grant's `created_at`, `$10`).
const SQLITE_EXCHANGE: &str = "\
    UPDATE auth_requests SET status = 'consumed', code_used_at = $10, updated_at = $10 \
    WHERE id = $24 AND status = 'approved'; \
    INSERT INTO grants (id, developer_id, agent_id, principal_id, auth_request_id, scopes, audience, status, \
      parent_grant_id, delegation_depth, created_at, updated_at, expires_at) \
    SELECT $1, $2, $3, $4, $5, $6, $7, 'active', $8, $9, $10, $10, $11 WHERE changes() = 1; \
    INSERT INTO tokens (jti, grant_id, developer_id, kid, issued_at, expires_at) \
    SELECT $12, $13, $14, $15, $16, $17 WHERE changes() = 1; \
    INSERT INTO refresh_tokens (token_hash, grant_id, developer_id, family_id, created_at, expires_at) \
    SELECT $18, $19, $20, $21, $22, $23 WHERE changes() = 1";

/// Revokes `grant_id` and every active descendant inside `tx` (the caller holds the developer lock).
/// Returns the ids whose status changed, root first; empty when the root is not an active grant of the
/// developer.
pub async fn revoke_cascade_in(
    tx: &mut AnyConnection,
    developer_id: &str,
    grant_id: &str,
    now: i64,
) -> StoreResult<Vec<String>> {
    let root = sqlx::query(
        "SELECT id FROM grants WHERE id = $1 AND developer_id = $2 AND status = 'active'",
    )
    .bind(grant_id)
    .bind(developer_id)
    .fetch_optional(&mut *tx)
    .await?;
    if root.is_none() {
        return Ok(Vec::new());
    }
    let mut all = vec![grant_id.to_owned()];
    let mut frontier = vec![grant_id.to_owned()];
    while let Some(parent) = frontier.pop() {
        let rows = sqlx::query(
            "SELECT id FROM grants WHERE parent_grant_id = $1 AND developer_id = $2 AND status = 'active'",
        )
        .bind(&parent)
        .bind(developer_id)
        .fetch_all(&mut *tx)
        .await?;
        for row in rows {
            let id: String = row.try_get("id")?;
            if !all.contains(&id) {
                all.push(id.clone());
                frontier.push(id);
            }
        }
    }
    for id in &all {
        sqlx::query(
            "UPDATE grants SET status = 'revoked', revoked_at = $2, updated_at = $2 \
             WHERE id = $1 AND status = 'active'",
        )
        .bind(id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE tokens SET revoked = 1, revoked_at = $2 WHERE grant_id = $1 AND revoked = 0",
        )
        .bind(id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE refresh_tokens SET revoked = 1 WHERE grant_id = $1 AND revoked = 0")
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    Ok(all)
}

/// [`Store::revoke_cascade`] as a free function (the internal API used by the principal routes).
pub async fn revoke_cascade(
    store: &Store,
    developer_id: &str,
    grant_id: &str,
) -> StoreResult<Vec<String>> {
    store.revoke_cascade(developer_id, grant_id).await
}

/// [`Store::list_for_principal`] as a free function.
pub async fn list_for_principal(
    store: &Store,
    developer_id: &str,
    principal_id: &str,
) -> StoreResult<Vec<Grant>> {
    store.list_for_principal(developer_id, principal_id).await
}

impl Store {
    /// One of the developer's grants.
    pub async fn get_grant(
        &self,
        developer_id: &str,
        grant_id: &str,
    ) -> StoreResult<Option<Grant>> {
        let row = sqlx::query(&format!(
            "SELECT {GRANT_COLUMNS} FROM grants WHERE id = $1 AND developer_id = $2"
        ))
        .bind(grant_id)
        .bind(developer_id)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(grant_from_row).transpose()
    }

    /// The developer's grants matching `filter`, newest first.
    pub async fn list_grants(
        &self,
        developer_id: &str,
        filter: &GrantFilter,
    ) -> StoreResult<(Vec<Grant>, i64)> {
        let now = db_ms(crate::time::now_ms());
        let status_sql = match filter.status.as_deref() {
            None => "",
            Some("active") => " AND status = 'active' AND expires_at > $4",
            Some("expired") => " AND status = 'active' AND expires_at <= $4",
            Some("revoked") => " AND status = 'revoked'",
            Some(_) => " AND 1 = 0",
        };
        let where_sql = format!(
            "WHERE developer_id = $1 AND ($2 IS NULL OR agent_id = $2) AND ($3 IS NULL OR principal_id = $3) \
             AND $4 = $4{status_sql}"
        );
        let total: i64 = sqlx::query(&format!("SELECT COUNT(*) AS n FROM grants {where_sql}"))
            .bind(developer_id)
            .bind(filter.agent_id.clone())
            .bind(filter.principal_id.clone())
            .bind(now)
            .fetch_one(self.pool())
            .await?
            .try_get("n")?;
        let (limit, offset) = filter.page.unwrap_or((i64::MAX, 0));
        let rows = sqlx::query(&format!(
            "SELECT {GRANT_COLUMNS} FROM grants {where_sql} ORDER BY created_at DESC, id DESC LIMIT $5 OFFSET $6"
        ))
        .bind(developer_id)
        .bind(filter.agent_id.clone())
        .bind(filter.principal_id.clone())
        .bind(now)
        .bind(limit)
        .bind(offset)
        .fetch_all(self.pool())
        .await?;
        let grants = rows
            .iter()
            .map(grant_from_row)
            .collect::<StoreResult<Vec<_>>>()?;
        Ok((grants, total))
    }

    /// The principal's live (active, unexpired) grants with this developer, newest first.
    pub async fn list_for_principal(
        &self,
        developer_id: &str,
        principal_id: &str,
    ) -> StoreResult<Vec<Grant>> {
        let now = db_ms(crate::time::now_ms());
        let rows = sqlx::query(&format!(
            "SELECT {GRANT_COLUMNS} FROM grants WHERE developer_id = $1 AND principal_id = $2 \
             AND status = 'active' AND expires_at > $3 ORDER BY created_at DESC, id DESC"
        ))
        .bind(developer_id)
        .bind(principal_id)
        .bind(now)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(grant_from_row).collect()
    }

    /// Revokes the grant and all its active descendants in one transaction serialized with delegation
    /// (PROTOCOL.md §6.3). Returns the revoked ids (root first); empty when the grant is unknown, foreign or
    /// not active.
    pub async fn revoke_cascade(
        &self,
        developer_id: &str,
        grant_id: &str,
    ) -> StoreResult<Vec<String>> {
        let now = db_ms(crate::time::now_ms());
        let backend = self.backend();
        let (developer_id, grant_id) = (developer_id.to_owned(), grant_id.to_owned());
        self.write(move |conn| {
            Box::pin(async move {
                lock_developer_in(conn, backend, &developer_id).await?;
                let revoked = revoke_cascade_in(conn, &developer_id, &grant_id, now).await?;
                Ok(Finish::Commit(revoked))
            })
        })
        .await
    }

    /// Code exchange (§7.2): marks the approved request consumed and stores grant, token and refresh token.
    pub async fn exchange_code(
        &self,
        auth_request_id: &str,
        grant: &NewGrant,
        token: &NewTokenRow,
        refresh: &NewRefreshToken,
    ) -> StoreResult<ExchangeOutcome> {
        let backend = self.backend();
        let auth_request_id = auth_request_id.to_owned();
        let (grant, token, refresh) = (grant.clone(), token.clone(), refresh.clone());
        // All or nothing without a savepoint: on SQLite one guarded statement list, on PostgreSQL a
        // transaction of its own.
        self.write_unguarded(move |conn| {
            Box::pin(async move {
                if backend == Backend::Sqlite {
                    let rows = bind_issued(
                        sqlx::query(SQLITE_EXCHANGE),
                        Some(&grant),
                        &token,
                        &refresh,
                    )
                    .bind(&auth_request_id)
                    .execute(&mut *conn)
                    .await?
                    .rows_affected();
                    return match rows {
                        0 => Ok(Finish::Rollback(ExchangeOutcome::NotApproved)),
                        4 => Ok(Finish::Commit(ExchangeOutcome::Issued)),
                        n => Err(StoreError::Corrupt(format!(
                            "code exchange changed {n} rows instead of 4"
                        ))),
                    };
                }
                lock_developer_in(conn, backend, &grant.developer_id).await?;
                let consumed = sqlx::query(
                    "UPDATE auth_requests SET status = 'consumed', code_used_at = $2, updated_at = $2 \
                     WHERE id = $1 AND status = 'approved'",
                )
                .bind(&auth_request_id)
                .bind(grant.created_at)
                .execute(&mut *conn)
                .await?
                .rows_affected();
                if consumed != 1 {
                    return Ok(Finish::Rollback(ExchangeOutcome::NotApproved));
                }
                insert_issued(conn, backend, Some(&grant), &token, &refresh).await?;
                Ok(Finish::Commit(ExchangeOutcome::Issued))
            })
        })
        .await
    }

    /// The grant issued from an authorization request, if any.
    pub async fn grant_for_auth_request(
        &self,
        auth_request_id: &str,
    ) -> StoreResult<Option<Grant>> {
        let row = sqlx::query(&format!(
            "SELECT {GRANT_COLUMNS} FROM grants WHERE auth_request_id = $1"
        ))
        .bind(auth_request_id)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(grant_from_row).transpose()
    }

    /// Delegation (§6.1 row 13, §6.2): under the developer lock, re-reads the parent grant and stores the
    /// child grant, its token and refresh token only if the parent is still active and unexpired.
    pub async fn delegate(
        &self,
        child: &NewGrant,
        token: &NewTokenRow,
        refresh: &NewRefreshToken,
    ) -> StoreResult<DelegateOutcome> {
        let backend = self.backend();
        let (child, token, refresh) = (child.clone(), token.clone(), refresh.clone());
        self.write(move |conn| {
            Box::pin(async move {
                lock_developer_in(conn, backend, &child.developer_id).await?;
                let parent = sqlx::query(
                    "SELECT id FROM grants WHERE id = $1 AND developer_id = $2 AND status = 'active' \
                     AND expires_at > $3",
                )
                .bind(child.parent_grant_id.clone())
                .bind(&child.developer_id)
                .bind(child.created_at)
                .fetch_optional(&mut *conn)
                .await?;
                if parent.is_none() {
                    return Ok(Finish::Rollback(DelegateOutcome::ParentInactive));
                }
                insert_issued(conn, backend, Some(&child), &token, &refresh).await?;
                Ok(Finish::Commit(DelegateOutcome::Issued))
            })
        })
        .await
    }
}
