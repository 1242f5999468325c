#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]
//! The REST client (`grantex_server::client`) and the online CLI commands (`grantex config|agents|
//! authorize|grants|tokens|audit|sessions`) against a real `grantex serve --dev` started on a free port
//! with a temporary data directory.
#![cfg(unix)]

use grantex_server::client::{
    AuditLogRequest, AuditQuery, AuthorizeRequest, Client, ClientConfig, ClientError, CreateAgent,
    DelegateRequest, ExchangeRequest, GrantQuery, PrincipalSessionRequest, RefreshRequest,
    UpdateAgent,
};
use serde_json::Value;

mod common;

use common::binary::{ServedBinary, cli};
use common::{LIVE_KEY as LIVE, SANDBOX_KEY as SANDBOX};

/// A URL where nothing listens.
fn dead_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{addr}")
}

fn api_code(e: &ClientError) -> &str {
    match e {
        ClientError::Api { code, .. } => code,
        other => panic!("expected an API error, got {other:?}"),
    }
}

fn jti_of(token: &str) -> String {
    use base64::Engine;
    let payload = token.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    let claims: Value = serde_json::from_slice(&bytes).unwrap();
    claims["jti"].as_str().unwrap().to_owned()
}

// ---------------------------------------------------------------------------------------------------
// The library client

#[test]
fn client_covers_the_core_endpoints() {
    let server = ServedBinary::start();
    let c = server.client(SANDBOX);

    let agent = c
        .create_agent(&CreateAgent {
            name: "Planner".into(),
            description: Some("plans".into()),
            scopes: Some(vec!["read".into(), "write".into()]),
            redirect_uris: None,
        })
        .unwrap();
    assert!(agent.agent_id.starts_with("ag_"));
    assert_eq!(agent.did, format!("did:grantex:{}", agent.agent_id));
    let sub = c
        .create_agent(&CreateAgent {
            name: "Helper".into(),
            ..CreateAgent::default()
        })
        .unwrap();
    assert!(
        c.list_agents()
            .unwrap()
            .agents
            .iter()
            .any(|a| a.agent_id == agent.agent_id)
    );
    assert_eq!(c.get_agent(&agent.agent_id).unwrap().name, "Planner");
    let updated = c
        .update_agent(
            &agent.agent_id,
            &UpdateAgent {
                description: Some("plans better".into()),
                ..UpdateAgent::default()
            },
        )
        .unwrap();
    assert_eq!(updated.description, "plans better");

    // Sandbox authorize is approved at once; the approve endpoint then answers 404.
    let auth = c
        .authorize(&AuthorizeRequest {
            agent_id: agent.agent_id.clone(),
            principal_id: "alice".into(),
            scopes: vec!["read".into(), "write".into()],
            ..AuthorizeRequest::default()
        })
        .unwrap();
    assert_eq!(auth.sandbox, Some(true));
    let code = auth.code.clone().unwrap();
    assert_eq!(
        api_code(&c.sandbox_approve(&auth.auth_request_id).unwrap_err()),
        "NOT_FOUND"
    );

    let token = c
        .exchange_token(&ExchangeRequest {
            code,
            agent_id: agent.agent_id.clone(),
            ..ExchangeRequest::default()
        })
        .unwrap();
    assert!(token.refresh_token.starts_with("ref_"));
    let verified = c.verify_token(&token.grant_token).unwrap();
    assert!(verified.valid);
    assert_eq!(verified.grant_id.as_deref(), Some(token.grant_id.as_str()));
    assert!(!c.verify_token("not.a.valid.jwt.token").unwrap().valid);

    let refreshed = c
        .refresh_token(&RefreshRequest {
            refresh_token: token.refresh_token.clone(),
            agent_id: agent.agent_id.clone(),
        })
        .unwrap();
    assert_eq!(refreshed.grant_id, token.grant_id);
    assert_eq!(
        api_code(
            &c.refresh_token(&RefreshRequest {
                refresh_token: token.refresh_token.clone(),
                agent_id: agent.agent_id.clone(),
            })
            .unwrap_err()
        ),
        "BAD_REQUEST"
    );

    let grants = c
        .list_grants(&GrantQuery {
            agent_id: Some(agent.agent_id.clone()),
            ..GrantQuery::default()
        })
        .unwrap();
    assert_eq!(grants.grants.len(), 1);
    assert_eq!(grants.total, None);
    let paged = c
        .list_grants(&GrantQuery {
            page: Some(1),
            page_size: Some(10),
            ..GrantQuery::default()
        })
        .unwrap();
    assert_eq!(paged.total, Some(1));
    assert_eq!(c.get_grant(&token.grant_id).unwrap().status, "active");
    let active = c.verify_grant(&refreshed.grant_token).unwrap();
    assert!(active.active);

    let child = c
        .delegate_grant(&DelegateRequest {
            parent_grant_token: refreshed.grant_token.clone(),
            sub_agent_id: sub.agent_id.clone(),
            scopes: vec!["read".into()],
            expires_in: Some("10m".into()),
            credential_format: None,
        })
        .unwrap();
    assert_eq!(child.scopes, vec!["read".to_owned()]);
    assert_eq!(
        c.get_grant(&child.grant_id)
            .unwrap()
            .parent_grant_id
            .as_deref(),
        Some(token.grant_id.as_str())
    );

    let entry = c
        .log_audit(&AuditLogRequest {
            agent_id: agent.agent_id.clone(),
            agent_did: agent.did.clone(),
            grant_id: token.grant_id.clone(),
            principal_id: "alice".into(),
            action: "calendar.read".into(),
            metadata: Some(serde_json::json!({"n": 1})),
            status: None,
        })
        .unwrap();
    assert_eq!(entry.hash.len(), 64);
    let listed = c
        .list_audit(&AuditQuery {
            action: Some("calendar.read".into()),
            ..AuditQuery::default()
        })
        .unwrap();
    assert_eq!(listed.entries.len(), 1);
    assert_eq!(c.get_audit(&entry.entry_id).unwrap(), entry);
    let chain = c.verify_audit_chain().unwrap();
    assert!(chain.valid);
    assert_eq!(chain.checked_entries, 1);

    let session = c
        .create_principal_session(&PrincipalSessionRequest {
            principal_id: "alice".into(),
            expires_in: None,
        })
        .unwrap();
    assert!(session.dashboard_url.contains("/permissions#session="));

    let jti = jti_of(&refreshed.grant_token);
    assert_eq!(
        c.revocation_status(Some(&token.grant_id), Some(&jti))
            .unwrap()
            .status,
        "active"
    );
    c.revoke_token(&jti).unwrap();
    assert!(c.revocation_status(None, Some(&jti)).unwrap().revoked);
    assert_eq!(api_code(&c.revoke_token(&jti).unwrap_err()), "NOT_FOUND");

    c.revoke_grant(&token.grant_id).unwrap();
    assert_eq!(c.get_grant(&child.grant_id).unwrap().status, "revoked");
    assert_eq!(
        api_code(&c.revoke_grant(&token.grant_id).unwrap_err()),
        "NOT_FOUND"
    );
    c.delete_agent(&sub.agent_id).unwrap();
    assert_eq!(
        api_code(&c.get_agent(&sub.agent_id).unwrap_err()),
        "NOT_FOUND"
    );
}

#[test]
fn client_errors_are_typed() {
    let server = ServedBinary::start();
    // Live developers cannot use the sandbox approval endpoints.
    let live = server.client(LIVE);
    let agent = live
        .create_agent(&CreateAgent {
            name: "Live".into(),
            ..CreateAgent::default()
        })
        .unwrap();
    let auth = live
        .authorize(&AuthorizeRequest {
            agent_id: agent.agent_id.clone(),
            principal_id: "bob".into(),
            scopes: vec!["read".into()],
            ..AuthorizeRequest::default()
        })
        .unwrap();
    assert!(auth.code.is_none());
    assert_eq!(
        api_code(&live.sandbox_deny(&auth.auth_request_id).unwrap_err()),
        "CONSENT_REQUIRED"
    );

    match server.client("not-a-valid-api-key").list_agents() {
        Err(ClientError::Api {
            status,
            code,
            message,
            request_id,
        }) => {
            assert_eq!((status, code.as_str()), (401, "UNAUTHORIZED"));
            assert!(!message.is_empty());
            assert!(request_id.is_some());
        }
        other => panic!("{other:?}"),
    }
    match live.create_agent(&CreateAgent::default()) {
        Err(ClientError::Api { status, code, .. }) => {
            assert_eq!((status, code.as_str()), (400, "BAD_REQUEST"))
        }
        other => panic!("{other:?}"),
    }
    let down = Client::new(ClientConfig::new(&dead_url(), LIVE).unwrap());
    assert!(matches!(down.list_agents(), Err(ClientError::Transport(_))));
    assert!(matches!(
        ClientConfig::new("ftp://x", "k"),
        Err(ClientError::Config(_))
    ));
}

// ---------------------------------------------------------------------------------------------------
// The CLI

#[test]
fn cli_commands_json_and_tables() {
    let server = ServedBinary::start();
    let home = server.dir.join("home");
    let url = Some(server.url.as_str());
    let key = Some(SANDBOX);
    let run = |args: &[&str]| cli(&home, url, key, args);

    // agents
    let agent = run(&[
        "agents",
        "create",
        "--name",
        "Mailer",
        "--description",
        "sends mail",
        "--scopes",
        "email:send,email:read",
        "--json",
    ])
    .ok()
    .json();
    let aid = agent["agentId"].as_str().unwrap().to_owned();
    assert_eq!(
        agent["scopes"],
        serde_json::json!(["email:send", "email:read"])
    );
    let sub = run(&["agents", "register", "--name", "Sub", "--json"])
        .ok()
        .json();
    let sid = sub["agentId"].as_str().unwrap().to_owned();
    let table = run(&["agents", "list"]).ok().stdout.clone();
    assert!(table.starts_with("AGENT ID"), "{table}");
    assert!(table.contains(&aid) && table.contains("Mailer"));
    let list = run(&["agents", "list", "--json"]).ok().json();
    assert_eq!(list["agents"].as_array().unwrap().len(), 2);
    let got = run(&["agents", "get", &aid, "--json"]).ok().json();
    assert_eq!(got["name"], "Mailer");
    assert!(
        run(&["agents", "get", &aid])
            .ok()
            .stdout
            .contains("did:grantex:")
    );
    let upd = run(&[
        "agents", "update", &aid, "--name", "Mailer2", "--status", "active", "--json",
    ])
    .ok()
    .json();
    assert_eq!(upd["name"], "Mailer2");

    // authorize + tokens
    let auth = run(&[
        "authorize",
        "--agent",
        &aid,
        "--principal",
        "carol",
        "--scopes",
        "email:send,email:read",
        "--expires-in",
        "2h",
        "--json",
    ])
    .ok()
    .json();
    let code = auth["code"].as_str().unwrap().to_owned();
    let tok = run(&[
        "tokens", "exchange", "--code", &code, "--agent", &aid, "--json",
    ])
    .ok()
    .json();
    let grant_token = tok["grantToken"].as_str().unwrap().to_owned();
    let gid = tok["grantId"].as_str().unwrap().to_owned();
    let ver = run(&["tokens", "verify", &grant_token, "--json"])
        .ok()
        .json();
    assert_eq!(ver["valid"], true);
    assert!(
        run(&["tokens", "verify", &grant_token])
            .ok()
            .stdout
            .contains("valid")
    );
    let refreshed = run(&[
        "tokens",
        "refresh",
        "--refresh-token",
        tok["refreshToken"].as_str().unwrap(),
        "--agent",
        &aid,
        "--json",
    ])
    .ok()
    .json();
    assert_eq!(refreshed["grantId"], gid.as_str());
    let new_token = refreshed["grantToken"].as_str().unwrap().to_owned();

    // grants
    let grants = run(&["grants", "list", "--agent", &aid, "--json"])
        .ok()
        .json();
    assert_eq!(grants["grants"][0]["grantId"], gid.as_str());
    let table = run(&["grants", "list"]).ok().stdout.clone();
    assert!(
        table.starts_with("GRANT ID") && table.contains(&gid),
        "{table}"
    );
    let page = run(&[
        "grants",
        "list",
        "--page",
        "1",
        "--page-size",
        "1",
        "--json",
    ])
    .ok()
    .json();
    assert_eq!(
        (page["total"].as_u64(), page["pageSize"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(
        run(&["grants", "get", &gid, "--json"]).ok().json()["status"],
        "active"
    );
    let child = run(&[
        "grants",
        "delegate",
        "--parent-token",
        &new_token,
        "--sub-agent",
        &sid,
        "--scopes",
        "email:read",
        "--json",
    ])
    .ok()
    .json();
    let child_id = child["grantId"].as_str().unwrap().to_owned();
    let all = run(&["grants", "list", "--all", "--page-size", "1", "--json"])
        .ok()
        .json();
    assert_eq!(all["grants"].as_array().unwrap().len(), 2, "{all}");

    // audit (online) next to the offline `audit verify`
    for action in ["mail.sent", "mail.read", "mail.sent"] {
        run(&[
            "audit",
            "log",
            "--agent",
            &aid,
            "--grant",
            &gid,
            "--principal",
            "carol",
            "--action",
            action,
            "--metadata",
            r#"{"to":"x@example.com"}"#,
            "--json",
        ])
        .ok();
    }
    let entries = run(&["audit", "list", "--action", "mail.sent", "--json"])
        .ok()
        .json();
    let entries = entries["entries"].as_array().unwrap().clone();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0]["agentDid"], format!("did:grantex:{aid}"));
    let eid = entries[0]["entryId"].as_str().unwrap();
    assert_eq!(
        run(&["audit", "get", eid, "--json"]).ok().json()["entryId"],
        eid
    );
    let table = run(&["audit", "list"]).ok().stdout.clone();
    assert!(
        table.starts_with("ENTRY ID") && table.contains("mail.read"),
        "{table}"
    );
    let all = run(&["audit", "list", "--all", "--page-size", "2", "--json"])
        .ok()
        .json();
    assert_eq!(all["entries"].as_array().unwrap().len(), 3);
    let paged = run(&["audit", "list", "--page", "2", "--page-size", "2", "--json"])
        .ok()
        .json();
    assert_eq!(paged["entries"].as_array().unwrap().len(), 1);
    assert_eq!(paged["total"], 3);
    assert_eq!(
        run(&["audit", "chain", "--json"]).ok().json()["valid"],
        true
    );
    // The server's entries verify offline with the existing command.
    let full = run(&["audit", "list", "--json"]).ok().stdout.clone();
    let file = server.dir.join("entries.json");
    std::fs::write(&file, full).unwrap();
    let offline = cli(
        &home,
        None,
        None,
        &["audit", "verify", file.to_str().unwrap()],
    )
    .ok()
    .json();
    assert_eq!(offline["valid"], true);
    assert_eq!(offline["checkedEntries"], 3);

    // sessions
    let s = run(&["sessions", "create", "--principal", "carol", "--json"])
        .ok()
        .json();
    assert!(
        s["dashboardUrl"]
            .as_str()
            .unwrap()
            .contains("/permissions#session=")
    );
    let s = run(&["principal-sessions", "create", "--principal", "carol"])
        .ok()
        .stdout
        .clone();
    assert!(s.contains("sessionToken"));

    // revocations
    let jti = jti_of(&new_token);
    assert_eq!(
        run(&["tokens", "revoke", &jti, "--json"]).ok().json()["ok"],
        true
    );
    assert_eq!(
        run(&["tokens", "verify", &new_token, "--json"]).ok().json()["valid"],
        false
    );
    assert!(
        run(&["grants", "revoke", &gid])
            .ok()
            .stdout
            .contains("revoked")
    );
    assert_eq!(
        run(&["grants", "get", &child_id, "--json"]).ok().json()["status"],
        "revoked"
    );
    assert!(
        run(&["agents", "delete", &sid])
            .ok()
            .stdout
            .contains("deleted")
    );
    assert_eq!(
        run(&["agents", "delete", &aid, "--json"]).ok().json()["ok"],
        true
    );
}

#[test]
fn cli_error_paths_and_exit_codes() {
    let server = ServedBinary::start();
    let home = server.dir.join("home");
    let url = Some(server.url.as_str());

    // Bad key: exit 1 with UNAUTHORIZED (stderr; JSON on stdout with --json).
    let bad = cli(&home, url, Some("not-a-valid-api-key"), &["agents", "list"]);
    assert_eq!(bad.code, 1, "{}", bad.stderr);
    assert!(bad.stderr.contains("UNAUTHORIZED"), "{}", bad.stderr);
    let bad = cli(
        &home,
        url,
        Some("not-a-valid-api-key"),
        &["grants", "list", "--json"],
    );
    assert_eq!(bad.code, 1);
    assert_eq!(bad.json()["error"]["code"], "UNAUTHORIZED");
    assert_eq!(bad.json()["error"]["status"], 401);

    // Unknown ids: exit 1 with NOT_FOUND, for every kind of lookup.
    for args in [
        &["agents", "get", "ag_nope"][..],
        &["agents", "update", "ag_nope", "--name", "x"],
        &["agents", "delete", "ag_nope"],
        &["grants", "get", "grnt_nope"],
        &["grants", "revoke", "grnt_nope"],
        &["tokens", "revoke", "tok_nope"],
        &["audit", "get", "alog_nope"],
        &["sessions", "create", "--principal", "nobody"],
    ] {
        let mut full = args.to_vec();
        full.push("--json");
        let r = cli(&home, url, Some(LIVE), &full);
        assert_eq!(r.code, 1, "{args:?}: {} {}", r.stdout, r.stderr);
        assert_eq!(r.json()["error"]["code"], "NOT_FOUND", "{args:?}");
        let r = cli(&home, url, Some(LIVE), args);
        assert!(r.stderr.contains("NOT_FOUND"), "{args:?}: {}", r.stderr);
    }
    // Validation errors from the server: exit 1 with BAD_REQUEST.
    let r = cli(
        &home,
        url,
        Some(LIVE),
        &[
            "tokens",
            "exchange",
            "--code",
            "invalid-code-12345",
            "--agent",
            "ag_x",
            "--json",
        ],
    );
    assert_eq!(
        (r.code, r.json()["error"]["code"].as_str()),
        (1, Some("BAD_REQUEST"))
    );

    // Server down: exit 3.
    let dead = dead_url();
    let r = cli(&home, Some(&dead), Some(LIVE), &["agents", "list"]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("TRANSPORT_ERROR"));
    let r = cli(&home, Some(&dead), Some(LIVE), &["audit", "list", "--json"]);
    assert_eq!(
        (r.code, r.json()["error"]["code"].as_str()),
        (3, Some("TRANSPORT_ERROR"))
    );

    // No key anywhere: exit 3 (configuration).
    let r = cli(&home, url, None, &["agents", "list"]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("CONFIG_ERROR"));

    // Usage errors: exit 2.
    assert_eq!(cli(&home, url, Some(LIVE), &["agents", "create"]).code, 2);
    assert_eq!(
        cli(&home, url, Some(LIVE), &["agents", "update", "ag_x"]).code,
        2
    );
    assert_eq!(
        cli(
            &home,
            url,
            Some(LIVE),
            &["grants", "list", "--status", "weird"]
        )
        .code,
        2
    );
    assert_eq!(
        cli(&home, url, Some(LIVE), &["audit", "log", "--agent", "a"]).code,
        2
    );
    assert_eq!(
        cli(
            &home,
            url,
            Some(LIVE),
            &[
                "audit",
                "log",
                "--agent",
                "a",
                "--grant",
                "g",
                "--principal",
                "p",
                "--action",
                "x",
                "--metadata",
                "[1]"
            ]
        )
        .code,
        2
    );
}

#[test]
fn cli_config_file() {
    let server = ServedBinary::start();
    let home = server.dir.join("home");

    // Nothing configured: show works, key unset.
    let shown = cli(&home, None, None, &["config", "show", "--json"])
        .ok()
        .json();
    assert_eq!(shown["keySource"], "unset");

    cli(
        &home,
        None,
        None,
        &["config", "set", "--url", &server.url, "--key", LIVE],
    )
    .ok();
    let path = home.join("grantex").join("config.json");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let stored: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(stored["key"], LIVE);

    let shown = cli(&home, None, None, &["config", "show", "--json"])
        .ok()
        .json();
    assert_eq!(shown["url"], server.url.as_str());
    assert_eq!(shown["key"], "dev-****ocal");
    assert_eq!(shown["keySource"], "config file");
    let text = cli(&home, None, None, &["config", "show"])
        .ok()
        .stdout
        .clone();
    assert!(!text.contains(LIVE), "{text}");

    // Commands use the stored configuration...
    let created = cli(
        &home,
        None,
        None,
        &["agents", "create", "--name", "FromConfig", "--json"],
    )
    .ok()
    .json();
    assert_eq!(created["name"], "FromConfig");
    // ...and the environment overrides it.
    let r = cli(
        &home,
        None,
        Some("not-a-valid-api-key"),
        &["agents", "list"],
    );
    assert_eq!(r.code, 1);
    // `config set` with only a key keeps the URL.
    cli(&home, None, None, &["config", "set", "--key", SANDBOX]).ok();
    let shown = cli(&home, None, None, &["config", "show", "--json"])
        .ok()
        .json();
    assert_eq!(shown["url"], server.url.as_str());
    assert_eq!(shown["key"], "sand****ocal");
    // Invalid URL: exit 3, file unchanged.
    assert_eq!(
        cli(&home, None, None, &["config", "set", "--url", "ftp://x"]).code,
        3
    );
    assert_eq!(cli(&home, None, None, &["config", "set"]).code, 2);
}
