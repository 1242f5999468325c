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

use common::binary::{self, CliRun, ServedBinary};
use common::{LIVE_KEY as KEY, TestServer};
use grantex_server::client::{ClientError, CreateAgent, UpdateAgent};
use serde_json::json;
use std::path::Path;

/// `grantex …` against `url` with the dev key and `home` as configuration home.
fn cli(home: &Path, url: &str, args: &[&str]) -> CliRun {
    binary::cli(home, Some(url), Some(KEY), args)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_and_cli_set_and_clear_redirect_uris() {
    let owner = TestServer::start().await;
    let served = ServedBinary::start_over(&owner);
    let home = served.dir.join("home");
    std::fs::create_dir_all(&home).unwrap();
    let url = served.url.clone();

    // The library client.
    let client = served.client(KEY);
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
