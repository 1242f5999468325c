//! Principal sessions (PROTOCOL.md §9, §10.8, IMP-22): the issued session tokens (by `jti`, so that they can
//! be revoked) and the "has a live grant" check of session creation. Grant lists and cascade revocation for
//! the principal routes come from the grants store (`Store::list_for_principal`, `Store::revoke_cascade`).

use super::{Store, StoreResult, db_ms};
use sqlx::Row;
use sqlx::any::AnyRow;

/// A stored principal session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrincipalSessionRow {
    /// Token `jti`.
    pub jti: String,
    /// Developer (`dev` claim).
    pub developer_id: String,
    /// Principal (`sub` claim).
    pub principal_id: String,
    /// Unix ms.
    pub created_at: i64,
    /// Unix ms (the token's `exp` × 1000).
    pub expires_at: i64,
    /// Unix ms, when revoked.
    pub revoked_at: Option<i64>,
}

fn session_from_row(row: &AnyRow) -> StoreResult<PrincipalSessionRow> {
    Ok(PrincipalSessionRow {
        jti: row.try_get("jti")?,
        developer_id: row.try_get("developer_id")?,
        principal_id: row.try_get("principal_id")?,
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
        revoked_at: row.try_get("revoked_at")?,
    })
}

impl Store {
    /// Records an issued session token.
    pub async fn insert_principal_session(&self, row: &PrincipalSessionRow) -> StoreResult<()> {
        let _gate = self.write_gate().await;
        sqlx::query(
            "INSERT INTO principal_sessions (jti, developer_id, principal_id, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&row.jti)
        .bind(&row.developer_id)
        .bind(&row.principal_id)
        .bind(row.created_at)
        .bind(row.expires_at)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// A session by `jti` (whatever its state).
    pub async fn principal_session(&self, jti: &str) -> StoreResult<Option<PrincipalSessionRow>> {
        let row = sqlx::query(
            "SELECT jti, developer_id, principal_id, created_at, expires_at, revoked_at \
             FROM principal_sessions WHERE jti = $1",
        )
        .bind(jti)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(session_from_row).transpose()
    }

    /// Revokes one of the developer's unrevoked sessions; `false` for unknown, foreign or already revoked.
    pub async fn revoke_principal_session(
        &self,
        developer_id: &str,
        jti: &str,
    ) -> StoreResult<bool> {
        let now = db_ms(crate::time::now_ms());
        let _gate = self.write_gate().await;
        let done = sqlx::query(
            "UPDATE principal_sessions SET revoked_at = $3 \
             WHERE jti = $1 AND developer_id = $2 AND revoked_at IS NULL",
        )
        .bind(jti)
        .bind(developer_id)
        .bind(now)
        .execute(self.pool())
        .await?
        .rows_affected();
        Ok(done > 0)
    }

    /// Whether the principal has at least one active, unexpired grant with the developer.
    pub async fn principal_has_active_grant(
        &self,
        developer_id: &str,
        principal_id: &str,
    ) -> StoreResult<bool> {
        let now = db_ms(crate::time::now_ms());
        let row = sqlx::query(
            "SELECT id FROM grants WHERE developer_id = $1 AND principal_id = $2 \
             AND status = 'active' AND expires_at > $3 LIMIT 1",
        )
        .bind(developer_id)
        .bind(principal_id)
        .bind(now)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.is_some())
    }
}
