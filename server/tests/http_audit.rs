#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]
//! Audit log (PROTOCOL.md §8, §10.7, IMP-17) over the in-process server: entries, the per-developer hash
//! chain (checked with `grantex_core::audit`), filters, paging, verification and concurrent writers.

mod common;

use axum::body::Body;
use axum::http::{Method, Request};
use common::{LIVE_KEY, SANDBOX_KEY, TestServer};
use grantex_core::audit::{
    AuditEntry, entry_hash, entry_hash_with_metadata_text, parse_entries, verify_chain,
};
use serde_json::{Value, json};

const BASE: &str =
    r#""agentId":"ag_1","agentDid":"did:grantex:ag_1","grantId":"grnt_1","principalId":"alice""#;

fn body(action: &str, extra: &str) -> String {
    format!("{{{BASE},\"action\":\"{action}\"{extra}}}")
}

async fn log_text(server: &TestServer, key: &str, text: &str) -> String {
    let response = server
        .call(Method::POST, "/v1/audit/log", Some(key), Some(text))
        .await;
    assert_eq!(
        response.status,
        201,
        "{}",
        String::from_utf8_lossy(&response.body)
    );
    assert!(
        response
            .header("content-type")
            .unwrap()
            .starts_with("application/json")
    );
    assert!(response.header("x-ratelimit-limit").is_some());
    String::from_utf8(response.body.clone()).unwrap()
}

async fn log_raw(server: &TestServer, key: &str, text: &str) -> (Value, String) {
    let raw = log_text(server, key, text).await;
    (serde_json::from_str(&raw).unwrap(), raw)
}

async fn log(server: &TestServer, key: &str, action: &str) -> Value {
    log_raw(server, key, &body(action, "")).await.0
}

async fn entries(server: &TestServer, key: &str, query: &str) -> Vec<Value> {
    let response = server
        .get(&format!("/v1/audit/entries{query}"), Some(key))
        .await;
    assert_eq!(
        response.status,
        200,
        "{}",
        String::from_utf8_lossy(&response.body)
    );
    response.json()["entries"].as_array().unwrap().clone()
}

/// The developer's whole chain through the API, checked with the core verifier and `entry_hash`.
async fn assert_chain(server: &TestServer, key: &str, expected_len: usize) -> Vec<AuditEntry> {
    let listed = entries(server, key, "").await;
    assert_eq!(listed.len(), expected_len);
    let chain = parse_entries(&Value::Array(listed.clone()).to_string()).unwrap();
    let report = verify_chain(&chain);
    assert!(report.valid, "{report:?}");
    assert_eq!(report.checked_entries, expected_len);
    for (i, (entry, raw)) in chain.iter().zip(&listed).enumerate() {
        assert_eq!(entry_hash(entry), entry.hash);
        assert_eq!(raw["seq"], json!(i + 1));
        if i == 0 {
            assert_eq!(entry.prev_hash, None);
        }
    }
    let verified = server.get("/v1/audit/verify", Some(key)).await;
    assert_eq!(verified.status, 200);
    assert_eq!(
        verified.json(),
        json!({"valid": true, "checkedEntries": expected_len, "firstBrokenAt": null, "reason": null})
    );
    chain
}

async fn developer_id(server: &TestServer, key: &str) -> String {
    server
        .state
        .store
        .developer_by_key_hash(&grantex_server::ids::sha256_hex(key))
        .await
        .unwrap()
        .unwrap()
        .id
}

#[tokio::test]
async fn log_returns_the_entry_and_links_the_chain() {
    let server = TestServer::start().await;
    let dev = developer_id(&server, LIVE_KEY).await;
    let first = log(&server, LIVE_KEY, "email.read").await;
    let id = first["entryId"].as_str().unwrap();
    assert!(id.starts_with("alog_") && id.len() == 31, "{id}");
    assert_eq!(first["agentId"], "ag_1");
    assert_eq!(first["agentDid"], "did:grantex:ag_1");
    assert_eq!(first["grantId"], "grnt_1");
    assert_eq!(first["principalId"], "alice");
    assert_eq!(first["developerId"], dev.as_str());
    assert_eq!(first["action"], "email.read");
    assert_eq!(first["metadata"], json!({}));
    assert_eq!(first["status"], "success");
    assert_eq!(first["prevHash"], Value::Null);
    assert_eq!(first["seq"], 1);
    let hash = first["hash"].as_str().unwrap();
    assert!(
        hash.len() == 64
            && hash
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    );
    let ts = first["timestamp"].as_str().unwrap();
    assert!(
        ts.len() == 24 && ts.ends_with('Z') && ts.as_bytes()[19] == b'.',
        "{ts}"
    );
    assert_eq!(first.as_object().unwrap().len(), 13);

    let entry = AuditEntry::from_json(&first.to_string()).unwrap();
    assert_eq!(entry_hash(&entry), hash);

    let second = log(&server, LIVE_KEY, "payments.initiate").await;
    assert_eq!(second["prevHash"], first["hash"]);
    assert_eq!(second["seq"], 2);
    assert_ne!(second["hash"], first["hash"]);

    // GET /v1/audit/{id} returns exactly what POST returned.
    let fetched = server.get(&format!("/v1/audit/{id}"), Some(LIVE_KEY)).await;
    assert_eq!(fetched.status, 200);
    assert_eq!(fetched.json(), first);
    assert_chain(&server, LIVE_KEY, 2).await;
}

#[tokio::test]
async fn metadata_is_hashed_exactly_as_received() {
    let server = TestServer::start().await;
    // The §8.4 entry-2 metadata, plus a duplicate member (the last one wins, at the first position) and
    // a duplicate top-level `metadata` member (the last one is the metadata).
    let metadata = r#"{"zeta":1.50,"amount":100,"dup":1,"currency":"EUR","Big":1e21,"nested":{"b":[3,{"y":true,"x":null}],"a":"é"},"dup":2}"#;
    let text = format!(
        "{{{BASE},\"metadata\":{{\"ignored\":true}},\"action\":\"payments.initiate\",\"status\":\"blocked\",\
         \"metadata\" :  {metadata} }}"
    );
    let (entry, raw) = log_raw(&server, LIVE_KEY, &text).await;
    assert_eq!(entry["status"], "blocked");
    // The response shows the metadata as JSON.stringify(JSON.parse(text)) would.
    assert!(
        raw.contains(r#""metadata":{"zeta":1.5,"amount":100,"dup":2,"currency":"EUR","Big":1e+21,"nested":{"b":[3,{"y":true,"x":null}],"a":"é"}}"#),
        "{raw}"
    );
    // The hash is over the canonical form of the received text (§8.3) …
    let core = AuditEntry::from_json(&raw).unwrap();
    assert_eq!(
        entry_hash_with_metadata_text(&core, metadata).unwrap(),
        entry["hash"].as_str().unwrap()
    );
    // … which is the §8.4 canonical metadata with `dup`.
    let canonical = r#"{"Big":1e+21,"amount":100,"currency":"EUR","dup":2,"nested":{"a":"é","b":[3,{"x":null,"y":true}]},"zeta":1.5}"#;
    assert_eq!(
        entry_hash_with_metadata_text(&core, canonical).unwrap(),
        entry["hash"].as_str().unwrap()
    );
    assert_eq!(entry_hash(&core), entry["hash"].as_str().unwrap());
    // The original text is stored verbatim.
    let stored: String = sqlx::query_scalar("SELECT metadata FROM audit_entries WHERE id = $1")
        .bind(entry["entryId"].as_str().unwrap())
        .fetch_one(server.state.store.pool())
        .await
        .unwrap();
    assert_eq!(stored, metadata);
    // Lone surrogates and escapes in metadata survive and hash like JavaScript.
    let odd = r#"{"s":"\ud800x","t":"a\u0000b\n","n":-0,"e":1E-7}"#;
    // (serde_json refuses lone surrogates, so this response is read with the core's JS-semantics parser.)
    let raw = log_text(
        &server,
        LIVE_KEY,
        &body("odd", &format!(",\"metadata\":{odd}")),
    )
    .await;
    let core = AuditEntry::from_json(&raw).unwrap();
    assert_eq!(
        entry_hash_with_metadata_text(&core, odd).unwrap(),
        core.hash
    );
    assert_eq!(entry_hash(&core), core.hash);
    assert!(
        raw.contains(r#""metadata":{"s":"\ud800x","t":"a\u0000b\n","n":0,"e":1e-7}"#),
        "{raw}"
    );
    // The listed chain, read as text (`{"entries":[…]}`) with the core's JS-semantics parser.
    let listed =
        String::from_utf8(server.get("/v1/audit/entries", Some(LIVE_KEY)).await.body).unwrap();
    let array = listed
        .strip_prefix("{\"entries\":")
        .and_then(|rest| rest.strip_suffix('}'))
        .unwrap();
    let chain = grantex_core::audit::verify_chain_json(array).unwrap();
    assert!(chain.valid, "{chain:?}");
    assert_eq!(chain.checked_entries, 2);
    let verified = server.get("/v1/audit/verify", Some(LIVE_KEY)).await.json();
    assert_eq!(verified["valid"], true);
}

#[tokio::test]
async fn defaults_and_accepted_statuses() {
    let server = TestServer::start().await;
    let null_metadata = log_raw(&server, LIVE_KEY, &body("a", ",\"metadata\":null"))
        .await
        .0;
    assert_eq!(null_metadata["metadata"], json!({}));
    for status in ["success", "failure", "blocked"] {
        let entry = log_raw(
            &server,
            LIVE_KEY,
            &body("a", &format!(",\"status\":\"{status}\",\"unknown\":[1]")),
        )
        .await
        .0;
        assert_eq!(entry["status"], status);
    }
    assert_chain(&server, LIVE_KEY, 4).await;
}

#[tokio::test]
async fn invalid_bodies_are_400_and_store_nothing() {
    let server = TestServer::start().await;
    let mut cases: Vec<String> = vec![
        String::new(),
        "not json".into(),
        "[]".into(),
        "null".into(),
        "\"x\"".into(),
        "{}".into(),
        body("", ""),
        body("a", ",\"status\":\"ok\""),
        body("a", ",\"status\":null"),
        body("a", ",\"status\":1"),
        body("a", ",\"metadata\":[]"),
        body("a", ",\"metadata\":\"{}\""),
        body("a", ",\"metadata\":1"),
        body("a", ",\"metadata\":{"),
        r#"{"agentId":"\ud800","agentDid":"d","grantId":"g","principalId":"p","action":"a"}"#
            .into(),
        r#"{"agentId":"a\u0000","agentDid":"d","grantId":"g","principalId":"p","action":"a"}"#
            .into(),
    ];
    for field in ["agentId", "agentDid", "grantId", "principalId", "action"] {
        let mut full = json!({"agentId": "a", "agentDid": "d", "grantId": "g", "principalId": "p", "action": "x"});
        full.as_object_mut().unwrap().remove(field);
        cases.push(full.to_string());
        full[field] = json!("");
        cases.push(full.to_string());
        full[field] = json!(5);
        cases.push(full.to_string());
        full[field] = Value::Null;
        cases.push(full.to_string());
    }
    for case in &cases {
        server
            .call(Method::POST, "/v1/audit/log", Some(LIVE_KEY), Some(case))
            .await
            .assert_error(400, "BAD_REQUEST");
    }
    // Invalid UTF-8.
    let request = Request::builder()
        .method(Method::POST)
        .uri("/v1/audit/log")
        .header("authorization", format!("Bearer {LIVE_KEY}"))
        .body(Body::from(vec![b'{', 0xff, b'}']))
        .unwrap();
    server.send(request).await.assert_error(400, "BAD_REQUEST");
    assert!(entries(&server, LIVE_KEY, "").await.is_empty());
}

#[tokio::test]
async fn authentication_and_no_mutation_routes() {
    let server = TestServer::start().await;
    let entry = log(&server, LIVE_KEY, "a").await;
    let path = format!("/v1/audit/{}", entry["entryId"].as_str().unwrap());
    for (method, p) in [
        (Method::POST, "/v1/audit/log"),
        (Method::GET, "/v1/audit/entries"),
        (Method::GET, "/v1/audit/verify"),
        (Method::GET, path.as_str()),
    ] {
        server
            .call(method.clone(), p, None, Some(&body("a", "")))
            .await
            .assert_error(401, "UNAUTHORIZED");
        server
            .call(
                method,
                p,
                Some("invalid-api-key-12345"),
                Some(&body("a", "")),
            )
            .await
            .assert_error(401, "UNAUTHORIZED");
    }
    for method in [Method::PUT, Method::PATCH, Method::DELETE, Method::POST] {
        let response = server
            .call(method.clone(), &path, Some(LIVE_KEY), Some("{}"))
            .await;
        assert!(
            response.status == 405 || response.status == 404,
            "{method} {}",
            response.status
        );
        if response.status == 405 {
            response.assert_error(405, "BAD_REQUEST");
            assert_eq!(response.header("allow"), Some("GET,HEAD"));
        }
    }
    // Still there, unchanged.
    assert_eq!(server.get(&path, Some(LIVE_KEY)).await.json(), entry);
    server
        .get("/v1/audit/alog_unknown", Some(LIVE_KEY))
        .await
        .assert_error(404, "NOT_FOUND");
}

#[tokio::test]
async fn list_filters_and_paging() {
    let server = TestServer::start().await;
    let mut logged = Vec::new();
    for (i, (agent, grant, principal, action, status)) in [
        ("ag_a", "grnt_1", "alice", "read", "success"),
        ("ag_b", "grnt_2", "bob", "write", "failure"),
        ("ag_a", "grnt_1", "alice", "write", "blocked"),
        ("ag_a", "grnt_3", "bob", "read", "success"),
        ("ag_c", "grnt_4", "carol", "read", "success"),
    ]
    .into_iter()
    .enumerate()
    {
        let text =
            json!({"agentId": agent, "agentDid": format!("did:grantex:{agent}"), "grantId": grant,
                          "principalId": principal, "action": action, "status": status,
                          "metadata": {"i": i}})
            .to_string();
        logged.push(log_raw(&server, LIVE_KEY, &text).await.0);
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let ids = |list: &[Value]| -> Vec<i64> {
        list.iter()
            .map(|e| e["metadata"]["i"].as_i64().unwrap())
            .collect()
    };
    assert_eq!(ids(&entries(&server, LIVE_KEY, "").await), [0, 1, 2, 3, 4]);
    assert_eq!(
        ids(&entries(&server, LIVE_KEY, "?agentId=ag_a").await),
        [0, 2, 3]
    );
    assert_eq!(
        ids(&entries(&server, LIVE_KEY, "?grantId=grnt_1").await),
        [0, 2]
    );
    assert_eq!(
        ids(&entries(&server, LIVE_KEY, "?principalId=bob").await),
        [1, 3]
    );
    assert_eq!(
        ids(&entries(&server, LIVE_KEY, "?action=read").await),
        [0, 3, 4]
    );
    assert_eq!(
        ids(&entries(&server, LIVE_KEY, "?status=failure").await),
        [1]
    );
    assert_eq!(
        ids(&entries(
            &server,
            LIVE_KEY,
            "?agentId=ag_a&action=read&principalId=alice"
        )
        .await),
        [0]
    );
    assert!(
        entries(&server, LIVE_KEY, "?agentId=nobody")
            .await
            .is_empty()
    );
    // Unknown parameters are ignored; empty values mean no filter.
    assert_eq!(
        entries(&server, LIVE_KEY, "?foo=bar&agentId=").await.len(),
        5
    );

    // since/until: inclusive, RFC 3339 (any offset).
    let t1 = logged[1]["timestamp"].as_str().unwrap();
    let t3 = logged[3]["timestamp"].as_str().unwrap();
    let q = format!("?since={t1}&until={t3}");
    assert_eq!(ids(&entries(&server, LIVE_KEY, &q).await), [1, 2, 3]);
    let q = format!("?since={}", t3.replace('Z', "%2B00:00"));
    assert_eq!(ids(&entries(&server, LIVE_KEY, &q).await), [3, 4]);
    assert_eq!(
        entries(&server, LIVE_KEY, "?since=2000-01-01&until=2999-12-31")
            .await
            .len(),
        5
    );
    assert!(
        entries(&server, LIVE_KEY, "?until=2000-01-01T00:00:00Z")
            .await
            .is_empty()
    );
    assert_eq!(
        entries(&server, LIVE_KEY, "?since=2000-01-01T01:00:00%2B01:00")
            .await
            .len(),
        5
    );
    for bad in [
        "?since=yesterday",
        "?until=2026-13-01T00:00:00Z",
        "?since=2026-01-01T00:00:00",
        "?until=2026-02-30",
        "?page=0",
        "?page=x",
        "?pageSize=0",
        "?pageSize=501",
        "?pageSize=-1",
    ] {
        server
            .get(&format!("/v1/audit/entries{bad}"), Some(LIVE_KEY))
            .await
            .assert_error(400, "BAD_REQUEST");
    }

    // Paging (only when asked): oldest first, with the total.
    let page = server
        .get("/v1/audit/entries?page=2&pageSize=2", Some(LIVE_KEY))
        .await
        .json();
    assert_eq!(ids(page["entries"].as_array().unwrap()), [2, 3]);
    assert_eq!(
        (
            page["page"].clone(),
            page["pageSize"].clone(),
            page["total"].clone()
        ),
        (json!(2), json!(2), json!(5))
    );
    let last = server
        .get(
            "/v1/audit/entries?page=3&pageSize=2&agentId=ag_a",
            Some(LIVE_KEY),
        )
        .await
        .json();
    assert_eq!(last["entries"], json!([]));
    assert_eq!(last["total"], 3);
    let default_size = server
        .get("/v1/audit/entries?page=1", Some(LIVE_KEY))
        .await
        .json();
    assert_eq!(default_size["pageSize"], 100);
    assert_eq!(default_size["entries"].as_array().unwrap().len(), 5);
    let no_paging = server.get("/v1/audit/entries", Some(LIVE_KEY)).await.json();
    assert_eq!(no_paging.as_object().unwrap().len(), 1);
    assert_chain(&server, LIVE_KEY, 5).await;
}

#[tokio::test]
async fn chains_are_per_developer_and_isolated() {
    let server = TestServer::start().await;
    let (_, other_key) = server.new_developer().await;
    let live = log(&server, LIVE_KEY, "a").await;
    let sandbox = log(&server, SANDBOX_KEY, "a").await;
    let other = log(&server, &other_key, "a").await;
    // Each developer's first entry starts its own chain.
    for first in [&live, &sandbox, &other] {
        assert_eq!(first["prevHash"], Value::Null);
        assert_eq!(first["seq"], 1);
    }
    let live2 = log(&server, LIVE_KEY, "b").await;
    assert_eq!(live2["prevHash"], live["hash"]);
    // Nobody sees another developer's entries.
    for (key, own) in [
        (LIVE_KEY, &live),
        (SANDBOX_KEY, &sandbox),
        (other_key.as_str(), &other),
    ] {
        for foreign in [&live, &sandbox, &other] {
            let response = server
                .get(
                    &format!("/v1/audit/{}", foreign["entryId"].as_str().unwrap()),
                    Some(key),
                )
                .await;
            if foreign == own {
                assert_eq!(response.status, 200);
            } else {
                response.assert_error(404, "NOT_FOUND");
            }
        }
    }
    assert_chain(&server, LIVE_KEY, 2).await;
    assert_chain(&server, SANDBOX_KEY, 1).await;
    assert_chain(&server, &other_key, 1).await;
    let filtered = entries(&server, SANDBOX_KEY, "?principalId=alice").await;
    assert_eq!(filtered.len(), 1);
}

#[tokio::test]
async fn verify_reports_the_first_broken_entry() {
    let server = TestServer::start().await;
    let empty = server.get("/v1/audit/verify", Some(LIVE_KEY)).await;
    assert_eq!(
        empty.json(),
        json!({"valid": true, "checkedEntries": 0, "firstBrokenAt": null, "reason": null})
    );
    let mut logged = Vec::new();
    for i in 0..4 {
        logged.push(
            log_raw(
                &server,
                LIVE_KEY,
                &body("a", &format!(",\"metadata\":{{\"i\":{i}}}")),
            )
            .await
            .0,
        );
    }
    assert_chain(&server, LIVE_KEY, 4).await;
    let pool = server.state.store.pool();
    let id2 = logged[2]["entryId"].as_str().unwrap();
    let id1 = logged[1]["entryId"].as_str().unwrap();

    // Content: metadata changed behind the server's back.
    sqlx::query("UPDATE audit_entries SET metadata = '{\"i\":99}' WHERE id = $1")
        .bind(id2)
        .execute(pool)
        .await
        .unwrap();
    let report = server.get("/v1/audit/verify", Some(LIVE_KEY)).await.json();
    assert_eq!(
        report,
        json!({"valid": false, "checkedEntries": 2, "firstBrokenAt": id2, "reason": "content"})
    );
    // Link: an earlier entry re-hashed consistently but pointing elsewhere.
    sqlx::query("UPDATE audit_entries SET prev_hash = $2 WHERE id = $1")
        .bind(id1)
        .bind("0".repeat(64))
        .execute(pool)
        .await
        .unwrap();
    let report = server.get("/v1/audit/verify", Some(LIVE_KEY)).await.json();
    assert_eq!(report["valid"], false);
    assert_eq!(report["firstBrokenAt"], id1);
    assert_eq!(report["reason"], "link");
    assert_eq!(report["checkedEntries"], 1);
    // Other developers' chains are unaffected.
    log(&server, SANDBOX_KEY, "x").await;
    assert_chain(&server, SANDBOX_KEY, 1).await;

    // A gap in seq (a deleted entry) is a link break even when the hashes were forged to match.
    let server = TestServer::start().await;
    for i in 0..3 {
        log_raw(
            &server,
            LIVE_KEY,
            &body("a", &format!(",\"metadata\":{{\"i\":{i}}}")),
        )
        .await;
    }
    sqlx::query("UPDATE audit_entries SET seq = seq + 1 WHERE seq = 3")
        .execute(server.state.store.pool())
        .await
        .unwrap();
    let report = server.get("/v1/audit/verify", Some(LIVE_KEY)).await.json();
    assert_eq!(report["valid"], false);
    assert_eq!(report["reason"], "link");
    assert_eq!(report["checkedEntries"], 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_build_one_gap_free_chain() {
    let server = TestServer::start().await;
    let (_, other_key) = server.new_developer().await;
    let mut tasks = Vec::new();
    for i in 0..50 {
        let router = server.router.clone();
        let key = if i % 5 == 4 {
            other_key.clone()
        } else {
            LIVE_KEY.to_owned()
        };
        tasks.push(tokio::spawn(async move {
            use tower::ServiceExt;
            let request = Request::builder()
                .method(Method::POST)
                .uri("/v1/audit/log")
                .header("authorization", format!("Bearer {key}"))
                .body(Body::from(body(
                    "concurrent",
                    &format!(",\"metadata\":{{\"i\":{i}}}"),
                )))
                .unwrap();
            router.oneshot(request).await.unwrap().status()
        }));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap(), 201);
    }
    let chain = assert_chain(&server, LIVE_KEY, 40).await;
    let other = assert_chain(&server, &other_key, 10).await;
    // Every entry is in exactly one chain, linked to the previous one.
    for list in [&chain, &other] {
        for pair in list.windows(2) {
            assert_eq!(pair[1].prev_hash.as_deref(), Some(pair[0].hash.as_str()));
        }
    }
    let mut seen: Vec<i64> = chain
        .iter()
        .chain(other.iter())
        .map(|e| match e.metadata.get("i") {
            Some(grantex_core::audit::canonical::JsValue::Number(n)) => *n as i64,
            other => panic!("{other:?}"),
        })
        .collect();
    seen.sort_unstable();
    assert_eq!(seen, (0..50).collect::<Vec<_>>());
}
