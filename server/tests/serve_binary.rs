#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]
//! The `grantex serve` and `grantex keys` binaries end to end: start on an ephemeral port, answer HTTP,
//! rotate the key ring from another process while serving, shut down gracefully on SIGTERM.
#![cfg(unix)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_grantex");

fn http_get(addr: &str, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut text = String::new();
    stream.read_to_string(&mut text).unwrap();
    let status = text[9..12].parse().unwrap();
    let body = text
        .split_once("\r\n\r\n")
        .map(|x| x.1.to_owned())
        .unwrap_or_default();
    (status, body)
}

fn http_post(addr: &str, path: &str, key: &str, body: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {key}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut text = String::new();
    stream.read_to_string(&mut text).unwrap();
    let status = text[9..12].parse().unwrap();
    let body = text
        .split_once("\r\n\r\n")
        .map(|x| x.1.to_owned())
        .unwrap_or_default();
    (status, body)
}

/// Starts `grantex serve --dev` on an ephemeral port over `dir`; returns the child and `host:port`.
fn start(dir: &std::path::Path) -> (std::process::Child, String) {
    let mut child = Command::new(BIN)
        .args(["serve", "--dev", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir)
        .env_remove("GRANTEX_DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let addr = line.trim().rsplit("http://").next().unwrap().to_owned();
    (child, addr)
}

/// An acknowledged write survives `kill -9` (SQLite WAL with synchronous=FULL).
#[test]
fn acknowledged_writes_survive_kill_9() {
    let dir = std::env::temp_dir().join(format!(
        "grantex-bin-{}",
        grantex_server::ids::ulid().to_lowercase()
    ));
    let (mut child, addr) = start(&dir);
    let (status, body) = http_post(
        &addr,
        "/v1/agents",
        "dev-api-key-local",
        r#"{"name":"durable"}"#,
    );
    assert_eq!(status, 201, "{body}");
    let agent: serde_json::Value = serde_json::from_str(&body).unwrap();
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();

    let (mut child, addr) = start(&dir);
    let mut stream = TcpStream::connect(&addr).unwrap();
    let id = agent["agentId"].as_str().unwrap();
    write!(
        stream,
        "GET /v1/agents/{id} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer dev-api-key-local\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut text = String::new();
    stream.read_to_string(&mut text).unwrap();
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(text.contains(id));
    child.kill().unwrap();
    child.wait().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

fn keys_command(dir: &std::path::Path, sub: &str) -> serde_json::Value {
    let output = Command::new(BIN)
        .args(["keys", sub, "--data-dir"])
        .arg(dir)
        .env_remove("GRANTEX_DATABASE_URL")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn serve_rotate_and_shut_down_on_sigterm() {
    let dir = std::env::temp_dir().join(format!(
        "grantex-bin-{}",
        grantex_server::ids::ulid().to_lowercase()
    ));
    let mut child = Command::new(BIN)
        .args([
            "serve",
            "--dev",
            "--listen",
            "127.0.0.1:0",
            "--log-format",
            "json",
        ])
        .env("GRANTEX_DATA_DIR", &dir)
        .env_remove("GRANTEX_DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let url = line
        .trim()
        .strip_prefix("Grantex listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    let addr = url.strip_prefix("http://").unwrap().to_owned();

    let (status, body) = http_get(&addr, "/health");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("healthy"));
    let (status, body) = http_get(&addr, "/.well-known/jwks.json");
    assert_eq!(status, 200);
    let before: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(before["keys"].as_array().unwrap().len(), 1);

    // Rotate from another process while the server runs.
    let rotated = keys_command(&dir, "rotate");
    let new_kid = rotated["active"].as_str().unwrap();
    assert_eq!(rotated["keys"].as_array().unwrap().len(), 2);
    assert_eq!(rotated["keys"][1]["kid"], before["keys"][0]["kid"]);
    assert_eq!(rotated["keys"][1]["state"], "retiring");
    let listed = keys_command(&dir, "list");
    assert_eq!(listed["keys"][0]["kid"], new_kid);

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = child.wait().unwrap();
    assert!(exit.success(), "{exit:?}");

    // Restarted, the server serves the rotated ring.
    let (mut child, addr) = start(&dir);
    let (_, body) = http_get(&addr, "/.well-known/jwks.json");
    let after: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(after["keys"][0]["kid"], new_kid);
    assert_eq!(after["keys"].as_array().unwrap().len(), 2);
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(child.wait().unwrap().success());
    let _ = std::fs::remove_dir_all(&dir);
}

/// Production mode end to end: no seeding; the key ring and a developer come from the admin commands.
#[test]
fn production_mode_with_admin_commands() {
    let dir = std::env::temp_dir().join(format!(
        "grantex-bin-{}",
        grantex_server::ids::ulid().to_lowercase()
    ));
    let kid = keys_command(&dir, "rotate")["active"]
        .as_str()
        .unwrap()
        .to_owned();
    let output = Command::new(BIN)
        .args(["developers", "create", "--name", "Acme", "--data-dir"])
        .arg(&dir)
        .env_remove("GRANTEX_DATABASE_URL")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let developer: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let key = developer["apiKey"].as_str().unwrap();
    assert!(key.starts_with("gx_live_") && key.len() == 51, "{key}");
    assert_eq!(developer["mode"], "live");

    let mut child = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(&dir)
        .env_remove("GRANTEX_DEV")
        .env_remove("GRANTEX_DATABASE_URL")
        .env_remove("GRANTEX_SIGNING_KEY_FILE")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let addr = line.trim().rsplit("http://").next().unwrap().to_owned();
    let (status, body) = http_post(&addr, "/v1/agents", key, r#"{"name":"prod"}"#);
    assert_eq!(status, 201, "{body}");
    assert!(body.contains(developer["developerId"].as_str().unwrap()));
    let (status, _) = http_post(&addr, "/v1/agents", "dev-api-key-local", r#"{"name":"x"}"#);
    assert_eq!(status, 401);
    let (_, jwks) = http_get(&addr, "/.well-known/jwks.json");
    assert!(jwks.contains(&kid));
    child.kill().unwrap();
    child.wait().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn production_start_without_a_key_fails() {
    let dir = std::env::temp_dir().join(format!(
        "grantex-bin-{}",
        grantex_server::ids::ulid().to_lowercase()
    ));
    let output = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(&dir)
        .env_remove("GRANTEX_DEV")
        .env_remove("GRANTEX_DATABASE_URL")
        .env_remove("GRANTEX_SIGNING_KEY_FILE")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--signing-key-file"));
    let _ = std::fs::remove_dir_all(&dir);
}
