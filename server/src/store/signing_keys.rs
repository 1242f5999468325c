//! The persisted signing-key ring (IMP-1): `active` (signs) → `retiring` (published, not signing, until
//! `retire_after`) → `retired` (dropped from the JWKS).

use super::{Store, StoreError, StoreResult};
use sqlx::Row;
use sqlx::any::AnyRow;

/// A stored signing key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningKeyRow {
    /// RFC 7638 thumbprint.
    pub kid: String,
    /// `RS256`.
    pub alg: String,
    /// `grant` (grant tokens); other token kinds get their own purposes (IMP-3).
    pub purpose: String,
    /// `active`, `retiring` or `retired`.
    pub state: String,
    /// PKCS#8 PEM.
    pub private_key_pem: String,
    /// Public JWK JSON (with `kid`, `alg`, `use`).
    pub public_jwk: String,
    /// Unix ms.
    pub created_at: i64,
    /// Unix ms after which a retiring key is no longer published.
    pub retire_after: Option<i64>,
}

fn key_from_row(row: &AnyRow) -> StoreResult<SigningKeyRow> {
    Ok(SigningKeyRow {
        kid: row.try_get("kid")?,
        alg: row.try_get("alg")?,
        purpose: row.try_get("purpose")?,
        state: row.try_get("state")?,
        private_key_pem: row.try_get("private_key_pem")?,
        public_jwk: row.try_get("public_jwk")?,
        created_at: row.try_get("created_at")?,
        retire_after: row.try_get("retire_after")?,
    })
}

impl Store {
    /// The non-retired keys of `purpose` at `now_ms` (retiring keys past `retire_after` are marked retired
    /// first), active first, then newest first.
    pub async fn signing_keys(
        &self,
        purpose: &str,
        now_ms: i64,
    ) -> StoreResult<Vec<SigningKeyRow>> {
        let rows = self.read_signing_keys(purpose).await?;
        let due = |row: &SigningKeyRow| {
            row.state == "retiring" && row.retire_after.is_some_and(|at| at <= now_ms)
        };
        if !rows.iter().any(due) {
            return Ok(rows);
        }
        {
            let _gate = self.write_gate().await;
            sqlx::query(
                "UPDATE signing_keys SET state = 'retired', retired_at = $2 \
                 WHERE purpose = $1 AND state = 'retiring' AND retire_after <= $2",
            )
            .bind(purpose)
            .bind(now_ms)
            .execute(self.pool())
            .await?;
        }
        self.read_signing_keys(purpose).await
    }

    async fn read_signing_keys(&self, purpose: &str) -> StoreResult<Vec<SigningKeyRow>> {
        let rows = sqlx::query(
            "SELECT kid, alg, purpose, state, private_key_pem, public_jwk, created_at, retire_after \
             FROM signing_keys WHERE purpose = $1 AND state IN ('active', 'retiring') \
             ORDER BY CASE state WHEN 'active' THEN 0 ELSE 1 END, created_at DESC, kid",
        )
        .bind(purpose)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(key_from_row).collect()
    }

    /// Makes `key` the active key of its purpose, in one transaction: the current active key (if any, and
    /// if it is not `key` itself) becomes `retiring` until `retire_after`. A key already stored keeps its
    /// material and becomes active again. Returns the number of keys demoted.
    pub async fn activate_signing_key(
        &self,
        key: &SigningKeyRow,
        retire_after: i64,
    ) -> StoreResult<u64> {
        let mut tx = self.begin_write().await?;
        let demoted = sqlx::query(
            "UPDATE signing_keys SET state = 'retiring', retire_after = $3 \
             WHERE purpose = $1 AND state = 'active' AND kid <> $2",
        )
        .bind(&key.purpose)
        .bind(&key.kid)
        .bind(retire_after)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        sqlx::query(
            "INSERT INTO signing_keys (kid, alg, purpose, state, private_key_pem, public_jwk, created_at) \
             VALUES ($1, $2, $3, 'active', $4, $5, $6) \
             ON CONFLICT (kid) DO UPDATE SET state = 'active', retire_after = NULL, retired_at = NULL",
        )
        .bind(&key.kid)
        .bind(&key.alg)
        .bind(&key.purpose)
        .bind(&key.private_key_pem)
        .bind(&key.public_jwk)
        .bind(key.created_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(demoted)
    }

    /// Whether a key with this `kid` is stored (any state).
    pub async fn signing_key_exists(&self, kid: &str) -> StoreResult<bool> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM signing_keys WHERE kid = $1")
            .bind(kid)
            .fetch_one(self.pool())
            .await?;
        let n: i64 = row.try_get("n")?;
        Ok(n > 0)
    }

    /// The active key of `purpose`, if any.
    pub async fn active_signing_key(&self, purpose: &str) -> StoreResult<Option<SigningKeyRow>> {
        let rows = self.signing_keys(purpose, i64::MIN).await?;
        let mut active = rows.into_iter().filter(|k| k.state == "active");
        let first = active.next();
        if active.next().is_some() {
            return Err(StoreError::Corrupt(format!(
                "more than one active {purpose} signing key"
            )));
        }
        Ok(first)
    }
}
