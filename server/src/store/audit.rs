//! The audit log (PROTOCOL.md §8, §10.7, IMP-17): one append-only hash chain per developer.
//!
//! Appending is serialized per developer: the head is read and the new entry inserted in one transaction
//! that holds the developer's write lock (SQLite: a job of the [`super::writer`], which runs every write of
//! the process one after another; PostgreSQL: the developer row `FOR UPDATE`). The new entry gets
//! `seq = head.seq + 1` (starting at 1) and `prevHash = head.hash`; `UNIQUE (developer_id, seq)` makes a
//! fork impossible even if the lock were bypassed. Chains are ordered by `seq`, never by timestamp (ULIDs
//! are not monotonic, clocks skew).
//!
//! `metadata` holds the metadata JSON text exactly as received, so the hash can be recomputed from storage
//! with `grantex_core::audit::entry_hash_with_metadata_text`.

use super::{Backend, Finish, Store, StoreError, StoreResult, db_ms};
use crate::ids;
use grantex_core::audit::{AuditEntry, entry_hash_with_metadata_text};
use sqlx::any::AnyRow;
use sqlx::{Any, AnyConnection, Row};

/// A stored audit entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRow {
    /// `alog_…`.
    pub id: String,
    /// Owner (whose chain).
    pub developer_id: String,
    /// Position in the developer's chain, 1-based, gap-free.
    pub seq: i64,
    /// As sent.
    pub agent_id: String,
    /// As sent.
    pub agent_did: String,
    /// As sent.
    pub grant_id: String,
    /// As sent.
    pub principal_id: String,
    /// As sent.
    pub action: String,
    /// `success`, `failure` or `blocked`.
    pub status: String,
    /// The metadata JSON text exactly as received (`{}` when absent).
    pub metadata: String,
    /// ISO-8601 ms timestamp, as hashed.
    pub timestamp: String,
    /// Lowercase hex SHA-256 (PROTOCOL.md §8.3).
    pub hash: String,
    /// Previous entry's hash; `None` for the first entry.
    pub prev_hash: Option<String>,
    /// Unix ms of `timestamp`.
    pub created_at: i64,
}

impl AuditRow {
    /// The core entry (metadata parsed with `JSON.parse` semantics), for hashing and verification.
    pub fn to_core(&self) -> StoreResult<AuditEntry> {
        let metadata = grantex_core::audit::canonical::parse(&self.metadata).map_err(|e| {
            StoreError::Corrupt(format!("audit_entries.metadata of {}: {e}", self.id))
        })?;
        Ok(AuditEntry {
            id: self.id.clone(),
            agent_id: self.agent_id.clone(),
            agent_did: self.agent_did.clone(),
            grant_id: self.grant_id.clone(),
            principal_id: self.principal_id.clone(),
            developer_id: self.developer_id.clone(),
            action: self.action.clone(),
            metadata,
            hash: self.hash.clone(),
            prev_hash: self.prev_hash.clone(),
            timestamp: self.timestamp.clone(),
            status: self.status.clone(),
        })
    }
}

/// A validated new entry (the route checked every field and that `metadata` is a JSON object).
#[derive(Debug, Clone)]
pub struct NewAuditEntry {
    /// Agent id.
    pub agent_id: String,
    /// Agent DID.
    pub agent_did: String,
    /// Grant id.
    pub grant_id: String,
    /// Principal id.
    pub principal_id: String,
    /// Action.
    pub action: String,
    /// Status.
    pub status: String,
    /// Metadata JSON text as received.
    pub metadata: String,
}

/// List filters; `None` = no condition. Times are Unix ms, inclusive.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Exact agent id.
    pub agent_id: Option<String>,
    /// Exact grant id.
    pub grant_id: Option<String>,
    /// Exact principal id.
    pub principal_id: Option<String>,
    /// Exact action.
    pub action: Option<String>,
    /// Exact status.
    pub status: Option<String>,
    /// `created_at >= since`.
    pub since: Option<i64>,
    /// `created_at <= until`.
    pub until: Option<i64>,
}

/// A page: `LIMIT`/`OFFSET`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// Rows per page.
    pub limit: i64,
    /// Rows skipped.
    pub offset: i64,
}

const AUDIT_COLUMNS: &str = "id, developer_id, seq, agent_id, agent_did, grant_id, principal_id, action, \
     status, metadata, timestamp, hash, prev_hash, created_at";

fn audit_from_row(row: &AnyRow) -> StoreResult<AuditRow> {
    Ok(AuditRow {
        id: row.try_get("id")?,
        developer_id: row.try_get("developer_id")?,
        seq: row.try_get("seq")?,
        agent_id: row.try_get("agent_id")?,
        agent_did: row.try_get("agent_did")?,
        grant_id: row
            .try_get::<Option<String>, _>("grant_id")?
            .unwrap_or_default(),
        principal_id: row.try_get("principal_id")?,
        action: row.try_get("action")?,
        status: row.try_get("status")?,
        metadata: row.try_get("metadata")?,
        timestamp: row.try_get("timestamp")?,
        hash: row.try_get("hash")?,
        prev_hash: row.try_get("prev_hash")?,
        created_at: row.try_get("created_at")?,
    })
}

/// A `WHERE` clause builder with numbered `$n` placeholders over string/integer values.
#[derive(Default)]
struct Conditions {
    sql: String,
    values: Vec<Bind>,
}

enum Bind {
    Text(String),
    Int(i64),
}

impl Conditions {
    fn push(&mut self, clause: &str, value: Bind) {
        self.values.push(value);
        let n = self.values.len();
        self.sql
            .push_str(&format!(" AND {}", clause.replace("$?", &format!("${n}"))));
    }

    fn placeholder(&mut self, value: Bind) -> String {
        self.values.push(value);
        format!("${}", self.values.len())
    }

    fn query<'q>(
        &'q self,
        sql: &'q str,
    ) -> sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>> {
        let mut query = sqlx::query(sql);
        for value in &self.values {
            query = match value {
                Bind::Text(text) => query.bind(text.as_str()),
                Bind::Int(n) => query.bind(*n),
            };
        }
        query
    }
}

/// The append itself, inside the caller's transaction (which holds the developer's lock).
async fn append_in(
    conn: &mut AnyConnection,
    developer_id: String,
    new: NewAuditEntry,
) -> StoreResult<AuditRow> {
    let head = sqlx::query(
        "SELECT seq, hash, created_at FROM audit_entries WHERE developer_id = $1 \
         ORDER BY seq DESC LIMIT 1",
    )
    .bind(&developer_id)
    .fetch_optional(&mut *conn)
    .await?;
    let (seq, prev_hash, head_ms) = match head {
        Some(row) => (
            row.try_get::<i64, _>("seq")?.saturating_add(1),
            Some(row.try_get::<String, _>("hash")?),
            row.try_get::<i64, _>("created_at")?,
        ),
        None => (1, None, 0),
    };
    // Timestamps never go backwards along the chain, so `timestamp ASC` readers (upstream's order) agree
    // with `seq` up to equal-millisecond ties.
    let now = db_ms(crate::time::now_ms()).max(head_ms);
    let mut row = AuditRow {
        id: ids::new_id(ids::prefix::AUDIT),
        developer_id,
        seq,
        agent_id: new.agent_id,
        agent_did: new.agent_did,
        grant_id: new.grant_id,
        principal_id: new.principal_id,
        action: new.action,
        status: new.status,
        metadata: new.metadata,
        timestamp: crate::time::iso_ms(now),
        hash: String::new(),
        prev_hash,
        created_at: now,
    };
    let core = row.to_core_without_metadata();
    row.hash = entry_hash_with_metadata_text(&core, &row.metadata)
        .map_err(|e| StoreError::Corrupt(format!("audit metadata: {e}")))?;
    sqlx::query(
        "INSERT INTO audit_entries (id, developer_id, seq, agent_id, agent_did, grant_id, principal_id, \
         action, status, metadata, timestamp, hash, prev_hash, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(&row.id)
    .bind(&row.developer_id)
    .bind(row.seq)
    .bind(&row.agent_id)
    .bind(&row.agent_did)
    .bind(&row.grant_id)
    .bind(&row.principal_id)
    .bind(&row.action)
    .bind(&row.status)
    .bind(&row.metadata)
    .bind(&row.timestamp)
    .bind(&row.hash)
    .bind(row.prev_hash.clone())
    .bind(row.created_at)
    .execute(&mut *conn)
    .await?;
    Ok(row)
}

impl Store {
    /// Appends an entry to the developer's chain (one transaction under the developer's lock: on SQLite a
    /// [`Store::write`] job, alone under the writer's lock; on PostgreSQL the developer row `FOR UPDATE`)
    /// and returns it.
    pub async fn append_audit_entry(
        &self,
        developer_id: &str,
        new: NewAuditEntry,
    ) -> StoreResult<AuditRow> {
        let backend = self.backend();
        let developer_id = developer_id.to_owned();
        self.write(move |conn| {
            Box::pin(async move {
                if backend == Backend::Postgres {
                    sqlx::query("SELECT id FROM developers WHERE id = $1 FOR UPDATE")
                        .bind(&developer_id)
                        .fetch_optional(&mut *conn)
                        .await?;
                }
                let row = append_in(conn, developer_id, new).await?;
                Ok(Finish::Commit(row))
            })
        })
        .await
    }

    /// The developer's entries matching `filter`, oldest first (`seq ASC`), optionally one page of them, and
    /// the number of matching entries (counted only when paging).
    pub async fn list_audit_entries(
        &self,
        developer_id: &str,
        filter: &AuditFilter,
        window: Option<Window>,
        newest_first: bool,
    ) -> StoreResult<(Vec<AuditRow>, Option<i64>)> {
        let mut conditions = Conditions::default();
        let developer = conditions.placeholder(Bind::Text(developer_id.to_owned()));
        let text_filters = [
            ("agent_id", &filter.agent_id),
            ("grant_id", &filter.grant_id),
            ("principal_id", &filter.principal_id),
            ("action", &filter.action),
            ("status", &filter.status),
        ];
        for (column, value) in text_filters {
            if let Some(value) = value {
                conditions.push(&format!("{column} = $?"), Bind::Text(value.clone()));
            }
        }
        if let Some(since) = filter.since {
            conditions.push("created_at >= $?", Bind::Int(since));
        }
        if let Some(until) = filter.until {
            conditions.push("created_at <= $?", Bind::Int(until));
        }
        let where_clause = format!("developer_id = {developer}{}", conditions.sql);
        let order = if newest_first { "DESC" } else { "ASC" };
        let total = match window {
            Some(_) => {
                let sql = format!("SELECT COUNT(*) AS n FROM audit_entries WHERE {where_clause}");
                let row = conditions.query(&sql).fetch_one(self.pool()).await?;
                Some(row.try_get::<i64, _>("n")?)
            }
            None => None,
        };
        let mut sql = format!(
            "SELECT {AUDIT_COLUMNS} FROM audit_entries WHERE {where_clause} ORDER BY seq {order}"
        );
        if let Some(w) = window {
            sql.push_str(&format!(
                " LIMIT {} OFFSET {}",
                w.limit.max(0),
                w.offset.max(0)
            ));
        }
        let rows = conditions.query(&sql).fetch_all(self.pool()).await?;
        let rows = rows
            .iter()
            .map(audit_from_row)
            .collect::<StoreResult<Vec<_>>>()?;
        Ok((rows, total))
    }

    /// One of the developer's entries; `None` for unknown or foreign ids.
    pub async fn get_audit_entry(
        &self,
        developer_id: &str,
        id: &str,
    ) -> StoreResult<Option<AuditRow>> {
        let row = sqlx::query(&format!(
            "SELECT {AUDIT_COLUMNS} FROM audit_entries WHERE id = $1 AND developer_id = $2"
        ))
        .bind(id)
        .bind(developer_id)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(audit_from_row).transpose()
    }

    /// The developer's whole chain in `seq` order.
    pub async fn audit_chain(&self, developer_id: &str) -> StoreResult<Vec<AuditRow>> {
        Ok(self
            .list_audit_entries(developer_id, &AuditFilter::default(), None, false)
            .await?
            .0)
    }
}

impl AuditRow {
    fn to_core_without_metadata(&self) -> AuditEntry {
        AuditEntry {
            id: self.id.clone(),
            agent_id: self.agent_id.clone(),
            agent_did: self.agent_did.clone(),
            grant_id: self.grant_id.clone(),
            principal_id: self.principal_id.clone(),
            developer_id: self.developer_id.clone(),
            action: self.action.clone(),
            metadata: Default::default(),
            hash: String::new(),
            prev_hash: self.prev_hash.clone(),
            timestamp: self.timestamp.clone(),
            status: self.status.clone(),
        }
    }
}
