//! Authorization requests (PROTOCOL.md §7.1, §10.3): `pending` → `approved` (fresh code, stored as SHA-256
//! hex, TTL ≤ 10 min) → `consumed`; `pending` → `denied`. Expiry is implicit (`expires_at`, the consent
//! window ≤ 15 min, IMP-8).

use super::{Finish, Store, StoreResult, db_ms, parse_string_list, string_list_json};
use sqlx::Row;
use sqlx::any::AnyRow;
use std::sync::LazyLock;

/// An authorization request row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthRequest {
    /// `areq_…`.
    pub id: String,
    /// Owner.
    pub developer_id: String,
    /// Agent.
    pub agent_id: String,
    /// Principal.
    pub principal_id: String,
    /// Requested scopes.
    pub scopes: Vec<String>,
    /// Audience.
    pub audience: Option<String>,
    /// Redirect URI.
    pub redirect_uri: Option<String>,
    /// Client state.
    pub state: Option<String>,
    /// PKCE S256 challenge.
    pub code_challenge: Option<String>,
    /// Grant lifetime, seconds.
    pub expires_in_seconds: i64,
    /// `pending|approved|denied|expired|consumed`.
    pub status: String,
    /// Created by a sandbox developer.
    pub sandbox: bool,
    /// Code expiry, Unix ms.
    pub code_expires_at: Option<i64>,
    /// Hash of the consent page's cookie (IMP-7).
    pub consent_cookie_hash: Option<String>,
    /// Hash of the consent page's CSRF token (IMP-7).
    pub consent_csrf_hash: Option<String>,
    /// Unix ms.
    pub created_at: i64,
    /// End of the consent window, Unix ms.
    pub expires_at: i64,
}

/// What authorization needs to know about an agent ([`Store::agent_for_authorize`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizeAgent {
    /// `ag_…`.
    pub id: String,
    /// `active` or `suspended`.
    pub status: String,
    /// Registered scopes.
    pub scopes: Vec<String>,
    /// Registered redirect URIs (IMP-9); empty when none are registered.
    pub redirect_uris: Vec<String>,
}

/// Fields of a new request.
#[derive(Debug, Clone)]
pub struct NewAuthRequest {
    /// Owner.
    pub developer_id: String,
    /// Agent.
    pub agent_id: String,
    /// Principal.
    pub principal_id: String,
    /// Scopes.
    pub scopes: Vec<String>,
    /// Audience.
    pub audience: Option<String>,
    /// Redirect URI.
    pub redirect_uri: Option<String>,
    /// State.
    pub state: Option<String>,
    /// PKCE challenge (S256).
    pub code_challenge: Option<String>,
    /// Grant lifetime, seconds.
    pub expires_in_seconds: i64,
    /// Sandbox: created already approved with `code_hash`.
    pub sandbox: bool,
    /// Sandbox: the code hash and its expiry.
    pub approved_code: Option<(String, i64)>,
    /// Unix ms.
    pub created_at: i64,
    /// End of the consent window, Unix ms.
    pub expires_at: i64,
}

const COLUMNS: &str = "id, developer_id, agent_id, principal_id, scopes, audience, redirect_uri, state, \
     code_challenge, expires_in_seconds, status, sandbox, code_expires_at, consent_cookie_hash, consent_csrf_hash, \
     created_at, expires_at";

fn from_row(row: &AnyRow) -> StoreResult<AuthRequest> {
    Ok(AuthRequest {
        id: row.try_get("id")?,
        developer_id: row.try_get("developer_id")?,
        agent_id: row.try_get("agent_id")?,
        principal_id: row.try_get("principal_id")?,
        scopes: parse_string_list("auth_requests.scopes", &row.try_get::<String, _>("scopes")?)?,
        audience: row.try_get("audience")?,
        redirect_uri: row.try_get("redirect_uri")?,
        state: row.try_get("state")?,
        code_challenge: row.try_get("code_challenge")?,
        expires_in_seconds: row.try_get("expires_in_seconds")?,
        status: row.try_get("status")?,
        sandbox: row.try_get::<i64, _>("sandbox")? != 0,
        code_expires_at: row.try_get("code_expires_at")?,
        consent_cookie_hash: row.try_get("consent_cookie_hash")?,
        consent_csrf_hash: row.try_get("consent_csrf_hash")?,
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
    })
}

impl Store {
    /// Inserts a request (sandbox requests are stored `approved` with their code).
    pub async fn create_auth_request(&self, new: NewAuthRequest) -> StoreResult<AuthRequest> {
        let id = crate::ids::new_id(crate::ids::prefix::AUTH_REQUEST);
        // One statement: no savepoint needed.
        self.write_unguarded(move |conn| {
            Box::pin(async move {
                let (status, code_hash, code_expires_at) = match new.approved_code {
                    Some((hash, exp)) => ("approved", Some(hash), Some(exp)),
                    None => ("pending", None, None),
                };
                let row = sqlx::query(&format!(
                    "INSERT INTO auth_requests (id, developer_id, agent_id, principal_id, scopes, audience, \
                       redirect_uri, state, code_challenge, code_challenge_method, expires_in_seconds, status, \
                       sandbox, code_hash, code_expires_at, created_at, updated_at, expires_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16, $17) \
                     RETURNING {COLUMNS}"
                ))
                .bind(&id)
                .bind(&new.developer_id)
                .bind(&new.agent_id)
                .bind(&new.principal_id)
                .bind(string_list_json(&new.scopes))
                .bind(new.audience)
                .bind(new.redirect_uri)
                .bind(new.state)
                .bind(new.code_challenge.clone())
                .bind(new.code_challenge.map(|_| "S256".to_owned()))
                .bind(new.expires_in_seconds)
                .bind(status)
                .bind(i64::from(new.sandbox))
                .bind(code_hash)
                .bind(code_expires_at)
                .bind(new.created_at)
                .bind(new.expires_at)
                .fetch_one(&mut *conn)
                .await?;
                Ok(Finish::Commit(from_row(&row)?))
            })
        })
        .await
    }

    /// A request by id (any developer: the public consent routes).
    pub async fn get_auth_request(&self, id: &str) -> StoreResult<Option<AuthRequest>> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM auth_requests WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// Authorization's one read (a hot path): one of the developer's live (not deleted) agents with its
    /// status, registered scopes and redirect URIs.
    pub async fn agent_for_authorize(
        &self,
        developer_id: &str,
        agent_id: &str,
    ) -> StoreResult<Option<AuthorizeAgent>> {
        let row = self
            .fetch_optional_hot(
                sqlx::query(
                    "SELECT id, status, scopes, redirect_uris FROM agents \
                     WHERE id = $1 AND developer_id = $2 AND deleted_at IS NULL",
                )
                .bind(agent_id)
                .bind(developer_id),
            )
            .await?;
        row.map(|row| -> StoreResult<AuthorizeAgent> {
            Ok(AuthorizeAgent {
                id: row.try_get("id")?,
                status: row.try_get("status")?,
                scopes: parse_string_list("agents.scopes", &row.try_get::<String, _>("scopes")?)?,
                redirect_uris: match row.try_get::<Option<String>, _>("redirect_uris")? {
                    Some(text) => parse_string_list("agents.redirect_uris", &text)?,
                    None => Vec::new(),
                },
            })
        })
        .transpose()
    }

    /// The code exchange's one read (a hot path): the request whose code hashes to `code_hash`, with the
    /// status (`active`/`suspended`) of its agent when that is one of the request developer's live agents
    /// (`None` when deleted).
    pub async fn auth_request_for_exchange(
        &self,
        code_hash: &str,
    ) -> StoreResult<Option<(AuthRequest, Option<String>)>> {
        static SQL: LazyLock<String> = LazyLock::new(|| {
            let columns: Vec<String> = COLUMNS.split(", ").map(|c| format!("r.{c}")).collect();
            format!(
                "SELECT {}, a.status AS agent_status FROM auth_requests r \
                 LEFT JOIN agents a ON a.id = r.agent_id AND a.developer_id = r.developer_id \
                   AND a.deleted_at IS NULL \
                 WHERE r.code_hash = $1",
                columns.join(", ")
            )
        });
        let row = self
            .fetch_optional_hot(sqlx::query(SQL.as_str()).bind(code_hash))
            .await?;
        row.map(|row| -> StoreResult<(AuthRequest, Option<String>)> {
            Ok((from_row(&row)?, row.try_get("agent_status")?))
        })
        .transpose()
    }

    /// `pending` (unexpired) → `approved` with a fresh code; `false` if the request was not pending.
    pub async fn approve_auth_request(
        &self,
        id: &str,
        code_hash: &str,
        code_expires_at: i64,
    ) -> StoreResult<bool> {
        let now = db_ms(crate::time::now_ms());
        let _gate = self.write_gate().await;
        let n = sqlx::query(
            "UPDATE auth_requests SET status = 'approved', code_hash = $2, code_expires_at = $3, updated_at = $4, \
               consent_cookie_hash = NULL, consent_csrf_hash = NULL \
             WHERE id = $1 AND status = 'pending' AND expires_at > $4",
        )
        .bind(id)
        .bind(code_hash)
        .bind(code_expires_at)
        .bind(now)
        .execute(self.pool())
        .await?
        .rows_affected();
        Ok(n == 1)
    }

    /// `pending` (unexpired) → `denied`; `false` if the request was not pending.
    pub async fn deny_auth_request(&self, id: &str) -> StoreResult<bool> {
        let now = db_ms(crate::time::now_ms());
        let _gate = self.write_gate().await;
        let n = sqlx::query(
            "UPDATE auth_requests SET status = 'denied', updated_at = $2, consent_cookie_hash = NULL, \
               consent_csrf_hash = NULL WHERE id = $1 AND status = 'pending' AND expires_at > $2",
        )
        .bind(id)
        .bind(now)
        .execute(self.pool())
        .await?
        .rows_affected();
        Ok(n == 1)
    }

    /// Records the consent page's one-time cookie and CSRF token hashes (replacing earlier ones).
    pub async fn bind_consent(
        &self,
        id: &str,
        cookie_hash: &str,
        csrf_hash: &str,
    ) -> StoreResult<bool> {
        let now = db_ms(crate::time::now_ms());
        let _gate = self.write_gate().await;
        let n = sqlx::query(
            "UPDATE auth_requests SET consent_cookie_hash = $2, consent_csrf_hash = $3, updated_at = $4 \
             WHERE id = $1 AND status = 'pending' AND expires_at > $4",
        )
        .bind(id)
        .bind(cookie_hash)
        .bind(csrf_hash)
        .bind(now)
        .execute(self.pool())
        .await?
        .rows_affected();
        Ok(n == 1)
    }

    /// The developer's display name (consent page).
    pub async fn developer_name(&self, developer_id: &str) -> StoreResult<Option<(String, bool)>> {
        let row = sqlx::query("SELECT name, fido_required FROM developers WHERE id = $1")
            .bind(developer_id)
            .fetch_optional(self.pool())
            .await?;
        row.map(|r| -> StoreResult<(String, bool)> {
            Ok((
                r.try_get("name")?,
                r.try_get::<i64, _>("fido_required")? != 0,
            ))
        })
        .transpose()
    }

    /// Sets an agent's registered redirect URIs (IMP-9).
    pub async fn set_agent_redirect_uris(
        &self,
        developer_id: &str,
        agent_id: &str,
        uris: &[String],
    ) -> StoreResult<bool> {
        let _gate = self.write_gate().await;
        let n = sqlx::query(
            "UPDATE agents SET redirect_uris = $3 WHERE id = $1 AND developer_id = $2 AND deleted_at IS NULL",
        )
        .bind(agent_id)
        .bind(developer_id)
        .bind(string_list_json(uris))
        .execute(self.pool())
        .await?
        .rows_affected();
        Ok(n == 1)
    }
}
