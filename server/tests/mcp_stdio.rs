#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]
//! `grantex mcp` over stdio, spoken to with raw JSON-RPC lines (the Python SDK test in tests/mcp covers
//! every tool on both transports): handshake, the 17 tools and their schemas, a successful call, input
//! and API errors as tool errors, and a process that survives them.
#![cfg(unix)]

mod common;

use common::binary::{BIN, ServedBinary};
use common::{LIVE_KEY, SANDBOX_KEY};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

struct Mcp {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    next_id: u64,
}

impl Mcp {
    fn start(base_url: &str, key: &str) -> Mcp {
        let mut child = Command::new(BIN)
            .arg("mcp")
            .env("GRANTEX_BASE_URL", base_url)
            .env("GRANTEX_API_KEY", key)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let mut mcp = Mcp {
            child,
            stdin,
            stdout,
            next_id: 1,
        };
        let init = mcp.request(
            "initialize",
            json!({"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "test", "version": "1"}}),
        );
        assert_eq!(init["result"]["serverInfo"]["name"], "grantex", "{init}");
        mcp.send(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
        mcp
    }

    fn send(&mut self, message: &Value) {
        writeln!(self.stdin, "{message}").unwrap();
        self.stdin.flush().unwrap();
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let mut line = String::new();
            assert!(
                self.stdout.read_line(&mut line).unwrap() > 0,
                "server closed stdout"
            );
            let message: Value = serde_json::from_str(&line).unwrap();
            if message["id"] == id {
                return message;
            }
        }
    }

    /// `tools/call`: (isError, text of the single content item).
    fn call(&mut self, name: &str, args: Value) -> (bool, String) {
        let response = self.request("tools/call", json!({"name": name, "arguments": args}));
        let result = &response["result"];
        let content = result["content"]
            .as_array()
            .unwrap_or_else(|| panic!("{response}"));
        assert_eq!(content.len(), 1);
        (
            result["isError"].as_bool().unwrap_or(false),
            content[0]["text"].as_str().unwrap().to_owned(),
        )
    }
}

impl Drop for Mcp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn tools_schemas_calls_and_errors() {
    let server = ServedBinary::start();
    let mut mcp = Mcp::start(&server.url, SANDBOX_KEY);

    let listed = mcp.request("tools/list", json!({}));
    let tools = listed["result"]["tools"].as_array().unwrap().clone();
    assert_eq!(tools.len(), 17);
    let required = |name: &str| -> Vec<String> {
        let tool = tools.iter().find(|t| t["name"] == name).unwrap();
        assert_eq!(tool["inputSchema"]["type"], "object");
        for (member, schema) in tool["inputSchema"]["properties"].as_object().unwrap() {
            assert!(schema["description"].is_string(), "{name}.{member}");
        }
        let mut r: Vec<String> = tool["inputSchema"]["required"]
            .as_array()
            .map(|a| a.iter().map(|v| v.as_str().unwrap().to_owned()).collect())
            .unwrap_or_default();
        r.sort();
        r
    };
    assert_eq!(required("grantex_agent_list"), Vec::<String>::new());
    assert_eq!(
        required("grantex_authorize"),
        ["agentId", "scopes", "userId"]
    );
    assert_eq!(required("grantex_token_revoke"), ["tokenId"]);
    assert_eq!(
        required("grantex_audit_log"),
        ["action", "agentDid", "agentId", "grantId", "principalId"]
    );

    let (err, text) = mcp.call(
        "grantex_agent_register",
        json!({"name": "A", "description": "d", "scopes": ["read"]}),
    );
    assert!(!err, "{text}");
    let agent: Value = serde_json::from_str(&text).unwrap();
    let aid = agent["agentId"].as_str().unwrap().to_owned();

    let (err, text) = mcp.call("grantex_agent_get", json!({}));
    assert!(err);
    let e: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(e["error"]["code"], "INVALID_INPUT");
    assert_eq!(e["error"]["field"], "agentId");

    let (err, text) = mcp.call("grantex_grant_get", json!({"grantId": "grnt_nope"}));
    assert!(err);
    let e: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(e["error"]["code"], "NOT_FOUND");
    assert_eq!(e["error"]["status"], 404);

    let (err, text) = mcp.call("grantex_agent_delete", json!({"agentId": aid}));
    assert!(!err);
    assert_eq!(text, format!("Agent {aid} deleted successfully."));

    // Unknown tool: a protocol error, and the server keeps going.
    let unknown = mcp.request("tools/call", json!({"name": "nope", "arguments": {}}));
    assert!(
        unknown.get("error").is_some() || unknown["result"]["isError"] == true,
        "{unknown}"
    );
    let (err, _) = mcp.call("grantex_agent_list", json!({}));
    assert!(!err);
    assert!(mcp.child.try_wait().unwrap().is_none());
}

#[test]
fn server_down_is_a_tool_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let mut mcp = Mcp::start(&url, LIVE_KEY);
    let (err, text) = mcp.call("grantex_agent_list", json!({}));
    assert!(err);
    let e: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(e["error"]["code"], "TRANSPORT_ERROR");
    assert!(mcp.child.try_wait().unwrap().is_none());
}

#[test]
fn missing_api_key_exits_3() {
    let out = Command::new(BIN)
        .arg("mcp")
        .env_remove("GRANTEX_API_KEY")
        .env_remove("GRANTEX_KEY")
        .env("GRANTEX_CONFIG", "/nonexistent/grantex-config.json")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("GRANTEX_API_KEY"));
}
