//! Agents (PROTOCOL.md §10.2) with their registered redirect URIs (IMP-9). Deletion is a soft delete that
//! first revokes everything issued to the agent and every grant delegated from it (§6.3, §7.5 with IMP-12);
//! deleted agents are invisible to every read.

use super::grants::{lock_developer, revoke_cascade_in};
use super::{Store, StoreError, StoreResult, db_ms, parse_string_list, string_list_json};
use crate::ids;
use sqlx::Row;
use sqlx::any::AnyRow;

/// `active` or `suspended`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgentStatus {
    /// Can be authorized.
    Active,
    /// Cannot be authorized, exchanged, refreshed or delegated to.
    Suspended,
}

impl AgentStatus {
    /// The stored and wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            AgentStatus::Active => "active",
            AgentStatus::Suspended => "suspended",
        }
    }

    /// Parses the wire form.
    pub fn parse(text: &str) -> Option<AgentStatus> {
        match text {
            "active" => Some(AgentStatus::Active),
            "suspended" => Some(AgentStatus::Suspended),
            _ => None,
        }
    }
}

/// An agent row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agent {
    /// `ag_…`.
    pub id: String,
    /// Owner.
    pub developer_id: String,
    /// Trimmed, non-blank.
    pub name: String,
    /// Free text, default empty.
    pub description: String,
    /// Registered scopes.
    pub scopes: Vec<String>,
    /// Registered redirect URIs (IMP-9); empty when none are registered (any valid URI is then accepted).
    pub redirect_uris: Vec<String>,
    /// Active or suspended.
    pub status: AgentStatus,
    /// Unix ms.
    pub created_at: i64,
    /// Unix ms.
    pub updated_at: i64,
}

impl Agent {
    /// `did:grantex:<agentId>`.
    pub fn did(&self) -> String {
        format!("did:grantex:{}", self.id)
    }
}

/// Fields of a new agent (validated by the route).
#[derive(Debug, Clone)]
pub struct NewAgent {
    /// Trimmed name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Scopes.
    pub scopes: Vec<String>,
    /// Registered redirect URIs (validated by the route).
    pub redirect_uris: Vec<String>,
}

/// A partial update (validated by the route); `None` leaves the field unchanged.
#[derive(Debug, Clone, Default)]
pub struct AgentPatch {
    /// New trimmed name.
    pub name: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// New scopes.
    pub scopes: Option<Vec<String>>,
    /// New registered redirect URIs (replaces the list; empty clears it).
    pub redirect_uris: Option<Vec<String>>,
    /// New status.
    pub status: Option<AgentStatus>,
}

const AGENT_COLUMNS: &str =
    "id, developer_id, name, description, scopes, redirect_uris, status, created_at, updated_at";

fn agent_from_row(row: &AnyRow) -> StoreResult<Agent> {
    let status: String = row.try_get("status")?;
    Ok(Agent {
        id: row.try_get("id")?,
        developer_id: row.try_get("developer_id")?,
        name: row.try_get("name")?,
        description: row.try_get("description")?,
        scopes: parse_string_list("agents.scopes", &row.try_get::<String, _>("scopes")?)?,
        // NULL (agents registered before the column existed) and `[]` both mean none registered.
        redirect_uris: match row.try_get::<Option<String>, _>("redirect_uris")? {
            Some(text) => parse_string_list("agents.redirect_uris", &text)?,
            None => Vec::new(),
        },
        status: AgentStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("agent status {status:?}")))?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

impl Store {
    /// Inserts a new active agent for `developer_id`.
    pub async fn create_agent(&self, developer_id: &str, new: NewAgent) -> StoreResult<Agent> {
        let now = db_ms(crate::time::now_ms());
        let agent = Agent {
            id: ids::new_id(ids::prefix::AGENT),
            developer_id: developer_id.to_owned(),
            name: new.name,
            description: new.description,
            scopes: new.scopes,
            redirect_uris: new.redirect_uris,
            status: AgentStatus::Active,
            created_at: now,
            updated_at: now,
        };
        let _gate = self.write_gate().await;
        sqlx::query(
            "INSERT INTO agents (id, developer_id, name, description, scopes, redirect_uris, status, created_at, \
               updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
        )
        .bind(&agent.id)
        .bind(&agent.developer_id)
        .bind(&agent.name)
        .bind(&agent.description)
        .bind(string_list_json(&agent.scopes))
        .bind(string_list_json(&agent.redirect_uris))
        .bind(agent.status.as_str())
        .bind(now)
        .execute(self.pool())
        .await?;
        Ok(agent)
    }

    /// The developer's live (not deleted) agents, newest first.
    pub async fn list_agents(&self, developer_id: &str) -> StoreResult<Vec<Agent>> {
        let rows = sqlx::query(&format!(
            "SELECT {AGENT_COLUMNS} FROM agents WHERE developer_id = $1 AND deleted_at IS NULL \
             ORDER BY created_at DESC, id DESC"
        ))
        .bind(developer_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(agent_from_row).collect()
    }

    /// One of the developer's live agents; `None` for unknown, deleted or foreign ids.
    pub async fn get_agent(
        &self,
        developer_id: &str,
        agent_id: &str,
    ) -> StoreResult<Option<Agent>> {
        let row = sqlx::query(&format!(
            "SELECT {AGENT_COLUMNS} FROM agents WHERE id = $1 AND developer_id = $2 AND deleted_at IS NULL"
        ))
        .bind(agent_id)
        .bind(developer_id)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(agent_from_row).transpose()
    }

    /// Applies `patch`; `None` when the agent is not one of the developer's live agents.
    pub async fn update_agent(
        &self,
        developer_id: &str,
        agent_id: &str,
        patch: AgentPatch,
    ) -> StoreResult<Option<Agent>> {
        let now = db_ms(crate::time::now_ms());
        let _gate = self.write_gate().await;
        let row = sqlx::query(&format!(
            "UPDATE agents SET \
               name = COALESCE($3, name), \
               description = COALESCE($4, description), \
               scopes = COALESCE($5, scopes), \
               status = COALESCE($6, status), \
               updated_at = $7, \
               redirect_uris = COALESCE($8, redirect_uris) \
             WHERE id = $1 AND developer_id = $2 AND deleted_at IS NULL \
             RETURNING {AGENT_COLUMNS}"
        ))
        .bind(agent_id)
        .bind(developer_id)
        .bind(patch.name)
        .bind(patch.description)
        .bind(patch.scopes.as_deref().map(string_list_json))
        .bind(patch.status.map(|s| s.as_str().to_owned()))
        .bind(now)
        .bind(patch.redirect_uris.as_deref().map(string_list_json))
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(agent_from_row).transpose()
    }

    /// Deletes an agent (PROTOCOL.md §7.5 with IMP-12), in one transaction serialized with delegation (the
    /// developer lock, as every grant write): soft-deletes the agent, revokes each of its active grants
    /// through the grants store's cascade ([`revoke_cascade_in`]: the grant, its tokens and refresh tokens,
    /// and every active descendant — also grants delegated to *other* agents), then expires its pending and
    /// approved authorization requests. Audit entries are kept. `false` when the agent is not one of the
    /// developer's live agents.
    pub async fn delete_agent(&self, developer_id: &str, agent_id: &str) -> StoreResult<bool> {
        Ok(self
            .delete_agent_revoking(developer_id, agent_id)
            .await?
            .is_some())
    }

    /// [`Store::delete_agent`], returning the ids of the grants it revoked (the agent's own and their
    /// descendants, each cascade root first); `None` when the agent is not one of the developer's live agents.
    pub async fn delete_agent_revoking(
        &self,
        developer_id: &str,
        agent_id: &str,
    ) -> StoreResult<Option<Vec<String>>> {
        let now = db_ms(crate::time::now_ms());
        let mut tx = self.begin_write().await?;
        lock_developer(&mut tx, developer_id).await?;
        let deleted = sqlx::query(
            "UPDATE agents SET deleted_at = $3, updated_at = $3 \
             WHERE id = $1 AND developer_id = $2 AND deleted_at IS NULL",
        )
        .bind(agent_id)
        .bind(developer_id)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if deleted == 0 {
            tx.rollback().await?;
            return Ok(None);
        }
        let roots = sqlx::query(
            "SELECT id FROM grants WHERE agent_id = $1 AND developer_id = $2 AND status = 'active' \
             ORDER BY created_at, id",
        )
        .bind(agent_id)
        .bind(developer_id)
        .fetch_all(&mut *tx)
        .await?;
        let mut revoked: Vec<String> = Vec::new();
        for row in roots {
            let id: String = row.try_get("id")?;
            // A grant already revoked as a descendant of an earlier root answers an empty list.
            revoked.extend(revoke_cascade_in(&mut tx, developer_id, &id, now).await?);
        }
        sqlx::query(
            "UPDATE auth_requests SET status = 'expired', updated_at = $2 \
             WHERE agent_id = $1 AND status IN ('pending', 'approved')",
        )
        .bind(agent_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(revoked))
    }
}
