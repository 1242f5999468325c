#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]
//! Registered redirect URIs through the REST client (`grantex_server::client`) and the CLI
//! (`grantex agents create|update --redirect-uri …`, `--clear-redirect-uris`), against a real
//! `grantex serve --dev` over the test database (SQLite, or PostgreSQL with `GRANTEX_TEST_DATABASE_URL`).
#![cfg(unix)]

mod common;

use common::TestServer;
use grantex_server::client::{Client, ClientConfig, ClientError, CreateAgent, UpdateAgent};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_grantex");
const KEY: &str = "dev-api-key-local";

/// `grantex serve --dev` over the database of `owner` (which drops it afterwards); killed on drop.
struct Served {
    child: Child,
    url: String,
}

impl Served {
    fn start(owner: &TestServer) -> Served {
        let mut command = Command::new(BIN);
        command
            .args(["serve", "--dev", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(&owner.args.storage.data_dir)
            .env_remove("GRANTEX_DATABASE_URL")
            .env("RUST_LOG", "error")
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        if let Some(url) = &owner.args.storage.database_url {
            command.args(["--database-url", url]);
        }
        let mut child = command.spawn().unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let addr = line.trim().rsplit("http://").next().unwrap().to_owned();
        Served {
            child,
            url: format!("http://{addr}"),
        }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}\nstderr: {}", self.stdout, self.stderr))
    }

    fn ok(self) -> Run {
        assert_eq!(
            self.code, 0,
            "stdout: {}\nstderr: {}",
            self.stdout, self.stderr
        );
        self
    }
}

fn cli(home: &Path, url: &str, args: &[&str]) -> Run {
    let out = Command::new(BIN)
        .args(args)
        .env_remove("GRANTEX_URL")
        .env_remove("GRANTEX_KEY")
        .env_remove("GRANTEX_CONFIG")
        .env("GRANTEX_BASE_URL", url)
        .env("GRANTEX_API_KEY", KEY)
        .env("XDG_CONFIG_HOME", home)
        .env("HOME", home)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_and_cli_set_and_clear_redirect_uris() {
    let owner = TestServer::start().await;
    let served = Served::start(&owner);
    let home = owner.args.storage.data_dir.join("home");
    std::fs::create_dir_all(&home).unwrap();
    let url = served.url.clone();

    // The library client.
    let client = Client::new(ClientConfig::new(&url, KEY).unwrap());
    let agent = client
        .create_agent(&CreateAgent {
            name: "web".into(),
            redirect_uris: Some(vec![
                "https://a.example/cb".into(),
                "http://localhost:8080/cb".into(),
            ]),
            ..CreateAgent::default()
        })
        .unwrap();
    assert_eq!(
        agent.redirect_uris.as_deref(),
        Some(
            &[
                "https://a.example/cb".to_owned(),
                "http://localhost:8080/cb".to_owned()
            ][..]
        )
    );
    // Read back, the member survives a round trip through the typed struct.
    let read = client.get_agent(&agent.agent_id).unwrap();
    assert_eq!(read.redirect_uris, agent.redirect_uris);
    assert_eq!(
        serde_json::to_value(&read).unwrap()["redirectUris"],
        json!(["https://a.example/cb", "http://localhost:8080/cb"])
    );
    let cleared = client
        .update_agent(
            &agent.agent_id,
            &UpdateAgent {
                redirect_uris: Some(Vec::new()),
                ..UpdateAgent::default()
            },
        )
        .unwrap();
    assert_eq!(cleared.redirect_uris, Some(Vec::new()));
    match client.create_agent(&CreateAgent {
        name: "bad".into(),
        redirect_uris: Some(vec!["http://example.com/cb".into()]),
        ..CreateAgent::default()
    }) {
        Err(ClientError::Api { status, code, .. }) => {
            assert_eq!((status, code.as_str()), (400, "BAD_REQUEST"));
        }
        other => panic!("expected 400, got {other:?}"),
    }
    // Omitted fields are not sent: an update of the name keeps the list.
    client
        .update_agent(
            &agent.agent_id,
            &UpdateAgent {
                redirect_uris: Some(vec!["https://z.example/cb".into()]),
                ..UpdateAgent::default()
            },
        )
        .unwrap();
    let renamed = client
        .update_agent(
            &agent.agent_id,
            &UpdateAgent {
                name: Some("web2".into()),
                ..UpdateAgent::default()
            },
        )
        .unwrap();
    assert_eq!(
        renamed.redirect_uris,
        Some(vec!["https://z.example/cb".to_owned()])
    );

    // The CLI.
    let created = cli(
        &home,
        &url,
        &[
            "agents",
            "create",
            "--name",
            "cli-web",
            "--redirect-uri",
            "https://app.example/cb?x=1,2",
            "--redirect-uri",
            "http://[::1]:9000/cb",
            "--json",
        ],
    )
    .ok()
    .json();
    // Commas belong to the URI (no list splitting).
    assert_eq!(
        created["redirectUris"],
        json!(["https://app.example/cb?x=1,2", "http://[::1]:9000/cb"])
    );
    let id = created["agentId"].as_str().unwrap().to_owned();
    let updated = cli(
        &home,
        &url,
        &[
            "agents",
            "update",
            &id,
            "--redirect-uri",
            "https://other.example/cb",
            "--json",
        ],
    )
    .ok()
    .json();
    assert_eq!(updated["redirectUris"], json!(["https://other.example/cb"]));
    assert_eq!(updated["name"], "cli-web");
    let cleared = cli(
        &home,
        &url,
        &["agents", "update", &id, "--clear-redirect-uris", "--json"],
    )
    .ok()
    .json();
    assert_eq!(cleared["redirectUris"], json!([]));

    // Usage errors (exit 2) and server validation errors (exit 1, BAD_REQUEST).
    let both = cli(
        &home,
        &url,
        &[
            "agents",
            "update",
            &id,
            "--redirect-uri",
            "https://a.example/cb",
            "--clear-redirect-uris",
        ],
    );
    assert_eq!(both.code, 2, "{}", both.stderr);
    let nothing = cli(&home, &url, &["agents", "update", &id]);
    assert_eq!(nothing.code, 2, "{}", nothing.stderr);
    for args in [
        &[
            "agents",
            "create",
            "--name",
            "x",
            "--redirect-uri",
            "ftp://a.example/cb",
            "--json",
        ][..],
        &[
            "agents",
            "update",
            &id,
            "--redirect-uri",
            "https://a.example/cb#f",
            "--json",
        ],
    ] {
        let run = cli(&home, &url, args);
        assert_eq!(run.code, 1, "{args:?}: {} {}", run.stdout, run.stderr);
        assert_eq!(run.json()["error"]["code"], "BAD_REQUEST", "{args:?}");
    }
    let read = cli(&home, &url, &["agents", "get", &id, "--json"])
        .ok()
        .json();
    assert_eq!(read["redirectUris"], json!([]));
    drop(served);
}
