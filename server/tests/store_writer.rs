#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]
//! `Store::write` jobs under concurrency (SQLite: one writer, group commit; PostgreSQL: a transaction per
//! job): every committed job is stored, a job that rolls back or fails leaves nothing and does not disturb
//! the other jobs of its batch, exclusive writers interleave with batches, and every outcome is answered.

mod common;
mod lifecycle;

use common::{SANDBOX_KEY, TestServer};
use grantex_server::store::{Finish, Store, StoreError};
use lifecycle::{agent, authorize, post, verify_online};
use serde_json::json;
use sqlx::Row;

/// What a job does after inserting its developer row.
#[derive(Clone, Copy, Debug, PartialEq)]
enum End {
    Commit,
    Rollback,
    Fail,
    /// A second insert of the same row: a constraint violation inside the job.
    Duplicate,
}

async fn insert_job(store: &Store, name: String, end: End) -> Result<String, StoreError> {
    store
        .write(move |conn| {
            Box::pin(async move {
                let insert = "INSERT INTO developers (id, name, api_key_hash, mode, plan, created_at, updated_at) \
                              VALUES ($1, $1, $1, 'sandbox', 'enterprise', 0, 0)";
                sqlx::query(insert).bind(&name).execute(&mut *conn).await?;
                match end {
                    End::Commit => Ok(Finish::Commit(name)),
                    End::Rollback => Ok(Finish::Rollback(name)),
                    End::Fail => Err(StoreError::Corrupt(format!("{name} fails"))),
                    End::Duplicate => {
                        sqlx::query(insert).bind(&name).execute(&mut *conn).await?;
                        Ok(Finish::Commit(name))
                    }
                }
            })
        })
        .await
}

async fn stored_names(store: &Store, prefix: &str) -> Vec<String> {
    let rows = sqlx::query("SELECT name FROM developers WHERE name LIKE $1 ORDER BY name")
        .bind(format!("{prefix}%"))
        .fetch_all(store.pool())
        .await
        .unwrap();
    rows.iter().map(|r| r.get::<String, _>("name")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_jobs_keep_exactly_the_committed_ones() {
    let server = TestServer::start().await;
    let store = server.state.store.clone();
    let ends = [End::Commit, End::Rollback, End::Fail, End::Duplicate];
    let mut tasks = Vec::new();
    for i in 0..80 {
        let job_store = store.clone();
        let end = ends[i % ends.len()];
        tasks.push(tokio::spawn(async move {
            let store = job_store;
            let name = format!("job-{i:03}");
            (name.clone(), end, insert_job(&store, name, end).await)
        }));
        if i % 10 == 0 {
            // An exclusive writer between the batches.
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                let name = format!("job-x{i:03}");
                let _gate = store.write_gate().await;
                sqlx::query(
                    "INSERT INTO developers (id, name, api_key_hash, mode, plan, created_at, updated_at) \
                     VALUES ($1, $1, $1, 'sandbox', 'enterprise', 0, 0)",
                )
                .bind(&name)
                .execute(store.pool())
                .await
                .unwrap();
                (name.clone(), End::Commit, Ok(name))
            }));
        }
    }
    let mut expected = Vec::new();
    for task in tasks {
        let (name, end, outcome) = task.await.unwrap();
        match end {
            End::Commit => {
                assert_eq!(outcome.unwrap(), name);
                expected.push(name);
            }
            End::Rollback => assert_eq!(outcome.unwrap(), name),
            End::Fail => assert!(
                matches!(outcome, Err(StoreError::Corrupt(ref m)) if m == &format!("{name} fails")),
                "{outcome:?}"
            ),
            End::Duplicate => assert!(
                matches!(outcome, Err(StoreError::Database(_))),
                "{outcome:?}"
            ),
        }
    }
    expected.sort();
    assert_eq!(stored_names(&store, "job-").await, expected);
    assert_eq!(expected.len(), 20 + 8);
}

#[tokio::test]
async fn a_committed_job_survives_a_restart() {
    let server = TestServer::start().await;
    let store = server.state.store.clone();
    insert_job(&store, "durable-1".into(), End::Commit)
        .await
        .unwrap();
    insert_job(&store, "durable-2".into(), End::Rollback)
        .await
        .unwrap();
    drop(store);
    let server = server.restart().await;
    assert_eq!(
        stored_names(&server.state.store, "durable-").await,
        ["durable-1"]
    );
    // Writes after `close` fail instead of hanging.
    server.state.store.close().await;
    assert!(
        insert_job(&server.state.store, "late".into(), End::Commit)
            .await
            .is_err()
    );
}

/// One code exchanged by eight concurrent requests: one grant is issued, the others are refused as
/// replays and the issued grant is revoked (IMP-8) — whichever of the store's two refusals (the request
/// already consumed when read, or consumed by a job earlier in the same batch) each loser met.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_exchanges_of_one_code_issue_one_grant() {
    let server = std::sync::Arc::new(TestServer::start().await);
    let agent_id = agent(&server, SANDBOX_KEY, &["read"]).await;
    let auth = authorize(
        &server,
        SANDBOX_KEY,
        json!({"agentId": agent_id, "principalId": "alice", "scopes": ["read"]}),
    )
    .await;
    let code = auth["code"].as_str().unwrap().to_owned();
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let (server, code, agent_id) = (server.clone(), code.clone(), agent_id.clone());
        tasks.push(tokio::spawn(async move {
            post(
                &server,
                "/v1/token",
                Some(SANDBOX_KEY),
                &json!({"code": code, "agentId": agent_id}),
            )
            .await
        }));
    }
    let mut issued = Vec::new();
    for task in tasks {
        let response = task.await.unwrap();
        match response.status.as_u16() {
            201 => issued.push(response.json()),
            400 => {}
            other => panic!("{other}: {}", String::from_utf8_lossy(&response.body)),
        }
    }
    assert_eq!(issued.len(), 1, "exactly one exchange wins");
    let grants = sqlx::query("SELECT status FROM grants WHERE auth_request_id = $1")
        .bind(auth["authRequestId"].as_str().unwrap())
        .fetch_all(server.state.store.pool())
        .await
        .unwrap();
    assert_eq!(grants.len(), 1);
    assert_eq!(grants[0].get::<String, _>("status"), "revoked");
    let verified = verify_online(
        &server,
        SANDBOX_KEY,
        issued[0]["grantToken"].as_str().unwrap(),
    )
    .await;
    assert_eq!(verified["valid"], false);
}
