#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]
//! Crash safety of the real binary on SQLite: concurrent grant issuance (authorize + exchange), refreshes and
//! audit writes from several threads, `kill -9` mid-load, restart on the same data directory, then check that
//! every acknowledged (2xx) write is there: grants and their latest tokens, audit entries (same hash), both
//! audit chains verify (`GET /v1/audit/verify` and `grantex_core::audit::verify_chain`), and no refresh
//! token is usable twice. Three rounds over the same data directory.
#![cfg(unix)]

use grantex_core::audit::{AuditEntry, verify_chain};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_grantex");
const LIVE: &str = "dev-api-key-local";
const SANDBOX: &str = "sandbox-api-key-local";
const WORKERS: usize = 4;
const ROUNDS: usize = 3;

/// One HTTP/1.1 exchange on a fresh connection; `Err` when the server is unreachable or the connection dies.
fn http(
    addr: &str,
    method: &str,
    path: &str,
    key: Option<&str>,
    body: Option<&Value>,
) -> std::io::Result<(u16, Value)> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    stream.set_write_timeout(Some(Duration::from_secs(30)))?;
    let body = body.map(Value::to_string).unwrap_or_default();
    let auth = key
        .map(|k| format!("Authorization: Bearer {k}\r\n"))
        .unwrap_or_default();
    let content_type = if body.is_empty() {
        ""
    } else {
        "Content-Type: application/json\r\n"
    };
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}{content_type}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut text = String::new();
    stream.read_to_string(&mut text)?;
    if text.len() < 12 || !text.starts_with("HTTP/1.1 ") {
        return Err(std::io::Error::other(format!(
            "truncated response {text:?}"
        )));
    }
    let status: u16 = text[9..12].parse().map_err(std::io::Error::other)?;
    let (head, raw) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let raw = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(raw)
    } else {
        raw.to_owned()
    };
    let value = if raw.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&raw).unwrap_or(Value::String(raw))
    };
    Ok((status, value))
}

fn dechunk(mut raw: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = raw.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        raw = rest[n..].trim_start_matches("\r\n");
    }
    out
}

fn call(addr: &str, method: &str, path: &str, key: &str, body: Option<&Value>) -> (u16, Value) {
    http(addr, method, path, Some(key), body).unwrap_or_else(|e| panic!("{method} {path}: {e}"))
}

struct Server {
    child: Child,
    addr: String,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `grantex serve --dev` on a fixed port (tokens carry `iss` = the public URL, so it must not change across
/// restarts) with the rate limits raised out of the way.
fn start(dir: &std::path::Path, port: u16) -> Server {
    let addr = format!("127.0.0.1:{port}");
    for _attempt in 0..50 {
        let mut child = Command::new(BIN)
            .args(["serve", "--dev", "--listen", &addr, "--public-url"])
            .arg(format!("http://{addr}"))
            .args([
                "--rate-limit",
                "10000000",
                "--authorize-rate-limit",
                "10000000",
                "--token-rate-limit",
                "10000000",
                "--data-dir",
            ])
            .arg(dir)
            .env_remove("GRANTEX_DATABASE_URL")
            .env("RUST_LOG", "error")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        if line.starts_with("Grantex listening on ") {
            // Keep draining stdout so the server never blocks on a full pipe.
            std::thread::spawn(move || {
                let mut sink = String::new();
                let _ = stdout.read_to_string(&mut sink);
            });
            return Server { child, addr };
        }
        // The port may still be held for a moment after a kill: retry.
        let _ = child.kill();
        let _ = child.wait();
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("grantex serve did not start on {addr}");
}

fn kill9(server: &mut Server) {
    server.child.kill().unwrap(); // SIGKILL
    server.child.wait().unwrap();
}

#[derive(Clone, Debug)]
struct IssuedGrant {
    grant_id: String,
    agent_id: String,
    key: &'static str,
    token: String,
    refresh: String,
    /// Refresh tokens an acknowledged refresh consumed.
    consumed: Vec<String>,
    /// A refresh was sent and not answered when the server died (its outcome is unknown).
    in_flight: bool,
}

#[derive(Default)]
struct Acked {
    grants: Vec<IssuedGrant>,
    /// `(key, entryId, hash)`.
    audit: Vec<(&'static str, String, String)>,
    exchanges: usize,
    refreshes: usize,
}

fn worker(
    addr: String,
    index: usize,
    agent_id: String,
    agent_did: String,
    stop: Arc<AtomicBool>,
    acked: Arc<Mutex<Acked>>,
) {
    let key: &'static str = SANDBOX;
    let audit_key: &'static str = if index.is_multiple_of(2) {
        SANDBOX
    } else {
        LIVE
    };
    let mut mine: Vec<usize> = Vec::new();
    let mut n = 0usize;
    while !stop.load(Ordering::Relaxed) && n < 100_000 {
        n += 1;
        match n % 3 {
            0 => {
                // Grant issuance.
                let body = json!({"agentId": agent_id, "principalId": format!("user_{index}_{n}"), "scopes": ["read", "write"]});
                let Ok((status, auth)) =
                    http(&addr, "POST", "/v1/authorize", Some(key), Some(&body))
                else {
                    return;
                };
                assert_eq!(status, 201, "{auth}");
                let body = json!({"code": auth["code"], "agentId": agent_id});
                let Ok((status, tok)) = http(&addr, "POST", "/v1/token", Some(key), Some(&body))
                else {
                    return;
                };
                assert_eq!(status, 201, "{tok}");
                let mut acked = acked.lock().unwrap();
                acked.exchanges += 1;
                acked.grants.push(IssuedGrant {
                    grant_id: tok["grantId"].as_str().unwrap().to_owned(),
                    agent_id: agent_id.clone(),
                    key,
                    token: tok["grantToken"].as_str().unwrap().to_owned(),
                    refresh: tok["refreshToken"].as_str().unwrap().to_owned(),
                    consumed: Vec::new(),
                    in_flight: false,
                });
                mine.push(acked.grants.len() - 1);
            }
            1 => {
                let body = json!({
                    "agentId": agent_id, "agentDid": agent_did, "grantId": format!("grnt_w{index}"),
                    "principalId": format!("user_{index}"), "action": "tool.call",
                    "metadata": {"worker": index, "n": n, "text": "é \u{1F600} <x>"},
                });
                let Ok((status, entry)) =
                    http(&addr, "POST", "/v1/audit/log", Some(audit_key), Some(&body))
                else {
                    return;
                };
                assert_eq!(status, 201, "{entry}");
                acked.lock().unwrap().audit.push((
                    audit_key,
                    entry["entryId"].as_str().unwrap().to_owned(),
                    entry["hash"].as_str().unwrap().to_owned(),
                ));
            }
            _ => {
                // Refresh this worker's latest grant (each grant is refreshed by one worker only).
                let Some(&slot) = mine.last() else { continue };
                let current = {
                    let mut acked = acked.lock().unwrap();
                    acked.grants[slot].in_flight = true;
                    acked.grants[slot].refresh.clone()
                };
                let body = json!({"refreshToken": current, "agentId": agent_id});
                let Ok((status, tok)) =
                    http(&addr, "POST", "/v1/token/refresh", Some(key), Some(&body))
                else {
                    return;
                };
                assert_eq!(status, 201, "{tok}");
                let mut acked = acked.lock().unwrap();
                acked.refreshes += 1;
                let grant = &mut acked.grants[slot];
                assert_eq!(tok["grantId"].as_str(), Some(grant.grant_id.as_str()));
                grant.consumed.push(std::mem::take(&mut grant.refresh));
                grant.refresh = tok["refreshToken"].as_str().unwrap().to_owned();
                grant.token = tok["grantToken"].as_str().unwrap().to_owned();
                grant.in_flight = false;
            }
        }
    }
}

fn check_audit_chain(addr: &str, key: &str, acked: &Acked) -> usize {
    let (status, report) = call(addr, "GET", "/v1/audit/verify", key, None);
    assert_eq!(status, 200, "{report}");
    assert_eq!(
        report["valid"], true,
        "server chain check for {key}: {report}"
    );
    let (status, listed) = call(addr, "GET", "/v1/audit/entries", key, None);
    assert_eq!(status, 200);
    let entries: Vec<AuditEntry> = serde_json::from_value(listed["entries"].clone()).unwrap();
    let report = verify_chain(&entries);
    assert!(report.valid, "core chain check for {key}: {report:?}");
    assert_eq!(
        report.checked_entries,
        entries.len(),
        "{key}: the server checked a different number of entries"
    );
    let by_id: std::collections::HashMap<&str, &str> = entries
        .iter()
        .map(|e| (e.id.as_str(), e.hash.as_str()))
        .collect();
    for (k, id, hash) in &acked.audit {
        if *k == key {
            assert_eq!(
                by_id.get(id.as_str()).copied(),
                Some(hash.as_str()),
                "acknowledged audit entry {id} lost or changed"
            );
        }
    }
    entries.len()
}

fn check(addr: &str, acked: &Acked) {
    // Every acknowledged grant exists, is active, and its latest token verifies online.
    for grant in &acked.grants {
        let (status, body) = call(
            addr,
            "GET",
            &format!("/v1/grants/{}", grant.grant_id),
            grant.key,
            None,
        );
        assert_eq!(
            status, 200,
            "acknowledged grant {} lost: {body}",
            grant.grant_id
        );
        assert_eq!(body["status"], "active", "{body}");
        let (status, body) = call(
            addr,
            "POST",
            "/v1/tokens/verify",
            grant.key,
            Some(&json!({"token": grant.token})),
        );
        assert_eq!(status, 200);
        assert_eq!(
            body["valid"], true,
            "latest token of {} invalid: {body}",
            grant.grant_id
        );
        assert_eq!(body["grantId"].as_str(), Some(grant.grant_id.as_str()));
    }
    // Audit: both chains (sandbox and live developer).
    let sandbox = check_audit_chain(addr, SANDBOX, acked);
    let live = check_audit_chain(addr, LIVE, acked);
    assert!(sandbox + live >= acked.audit.len());

    // Refresh tokens: the latest one of each grant works once (unless a refresh of it was in flight at the
    // kill, which may have consumed it), never twice; consumed ones never work again.
    let refresh = |token: &str, agent: &str, key: &str| {
        call(
            addr,
            "POST",
            "/v1/token/refresh",
            key,
            Some(&json!({"refreshToken": token, "agentId": agent})),
        )
    };
    for grant in &acked.grants {
        let (status, body) = refresh(&grant.refresh, &grant.agent_id, grant.key);
        if grant.in_flight {
            assert!(status == 201 || status == 400, "{status} {body}");
        } else {
            assert_eq!(
                status, 201,
                "latest refresh token of {} unusable: {body}",
                grant.grant_id
            );
        }
        let (status, body) = refresh(&grant.refresh, &grant.agent_id, grant.key);
        assert_eq!(
            status, 400,
            "refresh token of {} usable twice: {body}",
            grant.grant_id
        );
        for old in &grant.consumed {
            let (status, body) = refresh(old, &grant.agent_id, grant.key);
            assert_eq!(
                status, 400,
                "consumed refresh token of {} usable again: {body}",
                grant.grant_id
            );
        }
    }
}

#[test]
fn acknowledged_writes_survive_kill_9_under_load() {
    let dir = std::env::temp_dir().join(format!(
        "grantex-crash-{}",
        grantex_server::ids::ulid().to_lowercase()
    ));
    let port = free_port();
    for round in 1..=ROUNDS {
        let mut server = start(&dir, port);
        let addr = server.addr.clone();
        let mut agents = Vec::new();
        for i in 0..WORKERS {
            let (status, agent) = call(
                &addr,
                "POST",
                "/v1/agents",
                SANDBOX,
                Some(&json!({"name": format!("crash-{round}-{i}"), "scopes": ["read", "write"]})),
            );
            assert_eq!(status, 201, "{agent}");
            agents.push((
                agent["agentId"].as_str().unwrap().to_owned(),
                agent["did"].as_str().unwrap().to_owned(),
            ));
        }
        let stop = Arc::new(AtomicBool::new(false));
        let acked = Arc::new(Mutex::new(Acked::default()));
        let threads: Vec<_> = agents
            .into_iter()
            .enumerate()
            .map(|(i, (id, did))| {
                let (addr, stop, acked) = (addr.clone(), stop.clone(), acked.clone());
                std::thread::spawn(move || worker(addr, i, id, did, stop, acked))
            })
            .collect();
        // Let the load build up, then kill the server mid-flight (a different moment each round).
        let started = Instant::now();
        let wait = Duration::from_millis(1200 + 700 * round as u64);
        while started.elapsed() < wait {
            std::thread::sleep(Duration::from_millis(20));
        }
        kill9(&mut server);
        stop.store(true, Ordering::Relaxed);
        for t in threads {
            t.join().expect("worker panicked");
        }
        let acked = Arc::try_unwrap(acked).ok().unwrap().into_inner().unwrap();
        assert!(
            acked.exchanges > 0 && !acked.audit.is_empty() && acked.refreshes > 0,
            "round {round}: too little load before the kill ({} grants, {} audit, {} refreshes)",
            acked.exchanges,
            acked.audit.len(),
            acked.refreshes
        );

        let mut server = start(&dir, port);
        check(&server.addr, &acked);
        eprintln!(
            "round {round}: {} grants, {} refreshes, {} audit entries acknowledged before kill -9 \
             ({} refreshes in flight at the kill); all present after restart",
            acked.exchanges,
            acked.refreshes,
            acked.audit.len(),
            acked.grants.iter().filter(|g| g.in_flight).count()
        );
        kill9(&mut server);
    }
    let _ = std::fs::remove_dir_all(&dir);
}
