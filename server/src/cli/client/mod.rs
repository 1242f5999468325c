//! Online commands: a command-line client of a Grantex server, mirroring upstream's `@grantex/cli` 0.3.0
//! (PROTOCOL.md §13): `config set|show`, `agents …`, `authorize`, `grants …`, `tokens …`,
//! `audit list|log|get|chain` (next to the offline `audit verify`), `sessions create`, and `mcp`.
//!
//! Output: a human-readable table or `name: value` lines by default, the server's JSON with `--json`.
//! Exit status: 0 success; 1 the server answered with an error (its code printed: `Error NOT_FOUND: …` on
//! stderr, or `{"error":{"code","message","status","requestId"}}` on stdout with `--json`); 2 usage error;
//! 3 transport or configuration error (server unreachable, no API key, unreadable config file).
//!
//! Server and key: `--url`/`--key`, else `GRANTEX_BASE_URL`/`GRANTEX_URL` and `GRANTEX_API_KEY`/
//! `GRANTEX_KEY`, else the config file of `grantex config set` (see [`grantex_server::client`]).

mod render;

use grantex_server::client::{
    AuditLogRequest, AuditQuery, AuthorizeRequest, Client, ClientConfig, ClientError, CreateAgent,
    DelegateRequest, ExchangeRequest, GrantQuery, PrincipalSessionRequest, RefreshRequest,
    StoredConfig, UpdateAgent, config_path,
};
use render::{kv, table};
use serde::Serialize;
use serde_json::Value;
use std::process::ExitCode;

/// Exit status for a transport or configuration failure.
const EXIT_TRANSPORT: u8 = 3;

/// Connection and output options shared by every online command.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct Conn {
    /// Print the server's JSON instead of a table
    #[arg(long)]
    json: bool,
    /// Server base URL [env: GRANTEX_BASE_URL or GRANTEX_URL; default: config file]
    #[arg(long, value_name = "URL")]
    url: Option<String>,
    /// Developer API key [env: GRANTEX_API_KEY or GRANTEX_KEY; default: config file]
    #[arg(long, value_name = "KEY", allow_hyphen_values = true)]
    key: Option<String>,
}

impl Conn {
    fn client(&self) -> Result<Client, ClientError> {
        Ok(Client::new(ClientConfig::resolve(
            self.url.clone(),
            self.key.clone(),
        )?))
    }
}

/// Ends a command: the value as JSON (`--json`) or as text, or the error with its exit status.
fn finish<T: Serialize>(
    conn: &Conn,
    result: Result<T, ClientError>,
    human: impl FnOnce(&Value) -> String,
) -> ExitCode {
    match result.and_then(|v| {
        serde_json::to_value(&v)
            .map_err(|e| ClientError::Transport(format!("cannot serialize the result: {e}")))
    }) {
        Ok(value) => {
            let text = if conn.json {
                serde_json::to_string_pretty(&value).unwrap_or_default()
            } else {
                human(&value)
            };
            println!("{text}");
            ExitCode::SUCCESS
        }
        Err(e) => fail(conn, &e),
    }
}

/// Ends a command that has no result document (204 answers): a sentence, or `{"ok":true,…}` with `--json`.
fn finish_done(
    conn: &Conn,
    result: Result<(), ClientError>,
    what: Value,
    sentence: String,
) -> ExitCode {
    match result {
        Ok(()) => {
            if conn.json {
                let mut doc = serde_json::Map::new();
                doc.insert("ok".into(), Value::Bool(true));
                if let Value::Object(extra) = what {
                    doc.extend(extra);
                }
                println!("{}", Value::Object(doc));
            } else {
                println!("{sentence}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => fail(conn, &e),
    }
}

/// Prints the error and returns 1 (server error) or 3 (transport/config).
fn fail(conn: &Conn, error: &ClientError) -> ExitCode {
    if conn.json {
        let doc = match error {
            ClientError::Api {
                status,
                code,
                message,
                request_id,
            } => {
                serde_json::json!({"error": {"code": code, "message": message, "status": status, "requestId": request_id}})
            }
            other => {
                serde_json::json!({"error": {"code": other.code(), "message": other.message()}})
            }
        };
        println!("{doc}");
    }
    match error {
        ClientError::Api {
            code,
            message,
            status,
            request_id,
        } => {
            let id = request_id
                .as_deref()
                .map(|r| format!(" (requestId {r})"))
                .unwrap_or_default();
            eprintln!("Error {code} (HTTP {status}): {message}{id}");
            ExitCode::FAILURE
        }
        other => {
            eprintln!("Error {}: {}", other.code(), other.message());
            ExitCode::from(EXIT_TRANSPORT)
        }
    }
}

/// Scopes from `--scopes a,b` (also repeatable): trimmed, empty pieces dropped.
fn clean_scopes(list: Vec<String>) -> Vec<String> {
    list.into_iter()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect()
}

// ---------------------------------------------------------------------------------------------------
// config

/// `grantex config …`
#[derive(Debug, clap::Subcommand)]
pub(crate) enum ConfigCommand {
    /// Store the server URL and/or API key in the per-user config file (mode 0600)
    Set(ConfigSetArgs),
    /// Show the effective configuration (the key masked)
    Show(ConfigShowArgs),
}

/// `grantex config set`
#[derive(Debug, clap::Args)]
#[command(arg_required_else_help = true)]
pub(crate) struct ConfigSetArgs {
    /// Server base URL (e.g. http://localhost:3001)
    #[arg(long, value_name = "URL")]
    url: Option<String>,
    /// Developer API key
    #[arg(long, value_name = "KEY", allow_hyphen_values = true)]
    key: Option<String>,
}

/// `grantex config show`
#[derive(Debug, clap::Args)]
pub(crate) struct ConfigShowArgs {
    /// Print JSON
    #[arg(long)]
    json: bool,
}

fn mask(key: &str) -> String {
    let chars: Vec<char> = key.chars().collect();
    if chars.len() <= 8 {
        return "****".to_owned();
    }
    let head: String = chars.iter().take(4).collect();
    let tail: String = chars.iter().skip(chars.len() - 4).collect();
    format!("{head}****{tail}")
}

pub(crate) fn run_config(command: ConfigCommand) -> ExitCode {
    let conn = Conn {
        json: matches!(&command, ConfigCommand::Show(a) if a.json),
        url: None,
        key: None,
    };
    match command {
        ConfigCommand::Set(args) => {
            let result = (|| {
                let mut stored = StoredConfig::load()?;
                if let Some(url) = args.url {
                    // Validate before storing.
                    ClientConfig::new(&url, "")?;
                    stored.url = Some(url.trim().trim_end_matches('/').to_owned());
                }
                if let Some(key) = args.key {
                    stored.key = Some(key.trim().to_owned());
                }
                stored.save()
            })();
            match result {
                Ok(path) => {
                    println!("Saved {}", path.display());
                    ExitCode::SUCCESS
                }
                Err(e) => fail(&conn, &e),
            }
        }
        ConfigCommand::Show(_) => {
            let result = StoredConfig::load().map(|stored| {
                let env = |n: &[&str]| {
                    n.iter()
                        .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
                };
                let (url, url_source) = match env(&["GRANTEX_BASE_URL", "GRANTEX_URL"]) {
                    Some(u) => (u, "environment"),
                    None => match stored.url.clone() {
                        Some(u) => (u, "config file"),
                        None => (
                            grantex_server::client::DEFAULT_BASE_URL.to_owned(),
                            "default",
                        ),
                    },
                };
                let (key, key_source) = match env(&["GRANTEX_API_KEY", "GRANTEX_KEY"]) {
                    Some(k) => (Some(mask(&k)), "environment"),
                    None => match &stored.key {
                        Some(k) => (Some(mask(k)), "config file"),
                        None => (None, "unset"),
                    },
                };
                serde_json::json!({
                    "configFile": config_path().map(|p| p.display().to_string()),
                    "url": url, "urlSource": url_source,
                    "key": key, "keySource": key_source,
                })
            });
            finish(&conn, result, kv)
        }
    }
}

// ---------------------------------------------------------------------------------------------------
// agents

/// `grantex agents …`
#[derive(Debug, clap::Subcommand)]
pub(crate) enum AgentsCommand {
    /// List agents (newest first)
    List(ConnOnly),
    /// Show one agent
    Get(IdArgs),
    /// Register an agent
    #[command(alias = "register")]
    Create(AgentCreateArgs),
    /// Change an agent's name, description, scopes, redirect URIs or status
    Update(AgentUpdateArgs),
    /// Delete an agent
    Delete(IdArgs),
}

/// Only the connection options.
#[derive(Debug, clap::Args)]
pub(crate) struct ConnOnly {
    #[command(flatten)]
    conn: Conn,
}

/// One id.
#[derive(Debug, clap::Args)]
pub(crate) struct IdArgs {
    /// The id
    id: String,
    #[command(flatten)]
    conn: Conn,
}

/// `grantex agents create`
#[derive(Debug, clap::Args)]
pub(crate) struct AgentCreateArgs {
    /// Agent name
    #[arg(long)]
    name: String,
    /// What the agent does
    #[arg(long)]
    description: Option<String>,
    /// Declared scopes, comma-separated (a,b,c)
    #[arg(long, value_delimiter = ',')]
    scopes: Option<Vec<String>>,
    /// A registered redirect URI (repeat for several); authorize then accepts only these
    #[arg(long = "redirect-uri", value_name = "URL")]
    redirect_uris: Vec<String>,
    #[command(flatten)]
    conn: Conn,
}

/// `grantex agents update`
#[derive(Debug, clap::Args)]
#[command(group = clap::ArgGroup::new("change").required(true).multiple(true)
    .args(["name", "description", "scopes", "redirect_uris", "clear_redirect_uris", "status"]))]
pub(crate) struct AgentUpdateArgs {
    /// The agent id
    id: String,
    /// New name
    #[arg(long)]
    name: Option<String>,
    /// New description
    #[arg(long)]
    description: Option<String>,
    /// New scopes, comma-separated (replaces the list)
    #[arg(long, value_delimiter = ',')]
    scopes: Option<Vec<String>>,
    /// Registered redirect URI (repeat for several; replaces the list)
    #[arg(
        long = "redirect-uri",
        value_name = "URL",
        conflicts_with = "clear_redirect_uris"
    )]
    redirect_uris: Vec<String>,
    /// Remove every registered redirect URI
    #[arg(long)]
    clear_redirect_uris: bool,
    /// New status
    #[arg(long, value_parser = ["active", "suspended"])]
    status: Option<String>,
    #[command(flatten)]
    conn: Conn,
}

fn agent_rows(value: &Value) -> String {
    table(
        value.get("agents"),
        &[
            ("AGENT ID", "agentId"),
            ("NAME", "name"),
            ("STATUS", "status"),
            ("SCOPES", "scopes"),
            ("CREATED", "createdAt"),
        ],
    )
}

pub(crate) fn run_agents(command: AgentsCommand) -> ExitCode {
    match command {
        AgentsCommand::List(a) => {
            let r = a.conn.client().and_then(|c| c.list_agents());
            finish(&a.conn, r, agent_rows)
        }
        AgentsCommand::Get(a) => {
            let r = a.conn.client().and_then(|c| c.get_agent(&a.id));
            finish(&a.conn, r, kv)
        }
        AgentsCommand::Create(a) => {
            let request = CreateAgent {
                name: a.name,
                description: a.description,
                scopes: a.scopes.map(clean_scopes),
                redirect_uris: (!a.redirect_uris.is_empty()).then_some(a.redirect_uris),
            };
            let r = a.conn.client().and_then(|c| c.create_agent(&request));
            finish(&a.conn, r, kv)
        }
        AgentsCommand::Update(a) => {
            let request = UpdateAgent {
                name: a.name,
                description: a.description,
                scopes: a.scopes.map(clean_scopes),
                redirect_uris: if a.clear_redirect_uris {
                    Some(Vec::new())
                } else {
                    (!a.redirect_uris.is_empty()).then_some(a.redirect_uris)
                },
                status: a.status,
            };
            let r = a
                .conn
                .client()
                .and_then(|c| c.update_agent(&a.id, &request));
            finish(&a.conn, r, kv)
        }
        AgentsCommand::Delete(a) => {
            let r = a.conn.client().and_then(|c| c.delete_agent(&a.id));
            finish_done(
                &a.conn,
                r,
                serde_json::json!({"agentId": a.id}),
                format!("Agent {} deleted.", a.id),
            )
        }
    }
}

// ---------------------------------------------------------------------------------------------------
// authorize

/// `grantex authorize`
#[derive(Debug, clap::Args)]
pub(crate) struct AuthorizeArgs {
    /// Agent id (ag_…)
    #[arg(long)]
    agent: String,
    /// Principal (end user) id
    #[arg(long)]
    principal: String,
    /// Scopes, comma-separated (a,b,c)
    #[arg(long, value_delimiter = ',', required = true)]
    scopes: Vec<String>,
    /// Where the consent page sends the user back
    #[arg(long)]
    redirect_uri: Option<String>,
    /// Grant lifetime (e.g. 24h)
    #[arg(long)]
    expires_in: Option<String>,
    /// PKCE S256 code challenge (43 base64url chars)
    #[arg(long, allow_hyphen_values = true)]
    code_challenge: Option<String>,
    /// Opaque state echoed to the redirect
    #[arg(long, allow_hyphen_values = true)]
    state: Option<String>,
    /// Token audience
    #[arg(long)]
    audience: Option<String>,
    #[command(flatten)]
    conn: Conn,
}

pub(crate) fn run_authorize(a: AuthorizeArgs) -> ExitCode {
    let request = AuthorizeRequest {
        agent_id: a.agent,
        principal_id: a.principal,
        scopes: clean_scopes(a.scopes),
        redirect_uri: a.redirect_uri,
        state: a.state,
        expires_in: a.expires_in,
        audience: a.audience,
        code_challenge_method: a.code_challenge.as_ref().map(|_| "S256".to_owned()),
        code_challenge: a.code_challenge,
    };
    let r = a.conn.client().and_then(|c| c.authorize(&request));
    finish(&a.conn, r, kv)
}

// ---------------------------------------------------------------------------------------------------
// grants

/// `grantex grants …`
#[derive(Debug, clap::Subcommand)]
pub(crate) enum GrantsCommand {
    /// List grants (newest first)
    List(GrantListArgs),
    /// Show one grant
    Get(IdArgs),
    /// Revoke a grant and every grant delegated from it
    Revoke(IdArgs),
    /// Delegate a grant to a sub-agent with narrowed scopes
    Delegate(DelegateArgs),
}

/// Paging options.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct Paging {
    /// Page number (from 1), passed to the server
    #[arg(long, conflicts_with = "all")]
    page: Option<u64>,
    /// Page size (1..=100), passed to the server
    #[arg(long)]
    page_size: Option<u64>,
    /// Fetch every page (page size --page-size or 100)
    #[arg(long)]
    all: bool,
}

/// `grantex grants list`
#[derive(Debug, clap::Args)]
pub(crate) struct GrantListArgs {
    /// Only this agent's grants
    #[arg(long)]
    agent: Option<String>,
    /// Only this principal's grants
    #[arg(long)]
    principal: Option<String>,
    /// Only grants with this status
    #[arg(long, value_parser = ["active", "revoked", "expired"])]
    status: Option<String>,
    #[command(flatten)]
    paging: Paging,
    #[command(flatten)]
    conn: Conn,
}

/// `grantex grants delegate`
#[derive(Debug, clap::Args)]
pub(crate) struct DelegateArgs {
    /// The parent agent's grant token
    #[arg(long)]
    parent_token: String,
    /// The sub-agent's id (ag_…)
    #[arg(long)]
    sub_agent: String,
    /// Delegated scopes, comma-separated (a subset of the parent's)
    #[arg(long, value_delimiter = ',', required = true)]
    scopes: Vec<String>,
    /// Lifetime (default 1h)
    #[arg(long)]
    expires_in: Option<String>,
    #[command(flatten)]
    conn: Conn,
}

/// Fetches every page of a paged list: `fetch(page, size)` returns (items, total).
fn all_pages<T>(
    size: u64,
    mut fetch: impl FnMut(u64, u64) -> Result<(Vec<T>, Option<u64>), ClientError>,
) -> Result<Vec<T>, ClientError> {
    let mut out = Vec::new();
    let mut page = 1;
    loop {
        let (items, total) = fetch(page, size)?;
        let n = items.len() as u64;
        out.extend(items);
        let done = n == 0 || n < size || total.is_some_and(|t| out.len() as u64 >= t);
        if done {
            return Ok(out);
        }
        page += 1;
    }
}

fn grant_rows(value: &Value) -> String {
    let mut text = table(
        value.get("grants"),
        &[
            ("GRANT ID", "grantId"),
            ("AGENT", "agentId"),
            ("PRINCIPAL", "principalId"),
            ("STATUS", "status"),
            ("SCOPES", "scopes"),
            ("EXPIRES", "expiresAt"),
        ],
    );
    text.push_str(&render::page_footer(value));
    text
}

pub(crate) fn run_grants(command: GrantsCommand) -> ExitCode {
    match command {
        GrantsCommand::List(a) => {
            let mut query = GrantQuery {
                agent_id: a.agent,
                principal_id: a.principal,
                status: a.status,
                page: a.paging.page,
                page_size: a.paging.page_size,
            };
            let r = a.conn.client().and_then(|c| {
                if a.paging.all {
                    let size = a.paging.page_size.unwrap_or(100);
                    let grants = all_pages(size, |page, size| {
                        query.page = Some(page);
                        query.page_size = Some(size);
                        c.list_grants(&query).map(|l| (l.grants, l.total))
                    })?;
                    Ok(serde_json::json!({"grants": grants, "total": grants.len()}))
                } else {
                    c.list_grants(&query).and_then(|l| {
                        serde_json::to_value(l).map_err(|e| ClientError::Transport(e.to_string()))
                    })
                }
            });
            finish(&a.conn, r, grant_rows)
        }
        GrantsCommand::Get(a) => {
            let r = a.conn.client().and_then(|c| c.get_grant(&a.id));
            finish(&a.conn, r, kv)
        }
        GrantsCommand::Revoke(a) => {
            let r = a.conn.client().and_then(|c| c.revoke_grant(&a.id));
            finish_done(
                &a.conn,
                r,
                serde_json::json!({"grantId": a.id}),
                format!("Grant {} revoked.", a.id),
            )
        }
        GrantsCommand::Delegate(a) => {
            let request = DelegateRequest {
                parent_grant_token: a.parent_token,
                sub_agent_id: a.sub_agent,
                scopes: clean_scopes(a.scopes),
                expires_in: a.expires_in,
                credential_format: None,
            };
            let r = a.conn.client().and_then(|c| c.delegate_grant(&request));
            finish(&a.conn, r, kv)
        }
    }
}

// ---------------------------------------------------------------------------------------------------
// tokens

/// `grantex tokens …`
#[derive(Debug, clap::Subcommand)]
pub(crate) enum TokensCommand {
    /// Verify a grant token online (POST /v1/tokens/verify); `-` reads standard input
    Verify(TokenArg),
    /// Revoke a grant token by its jti
    Revoke(IdArgs),
    /// Exchange an authorization code for a grant token
    Exchange(ExchangeArgs),
    /// Refresh a grant token (rotates the refresh token)
    Refresh(RefreshArgs),
}

/// A token argument.
#[derive(Debug, clap::Args)]
pub(crate) struct TokenArg {
    /// The grant token (`-` reads standard input)
    token: String,
    #[command(flatten)]
    conn: Conn,
}

/// `grantex tokens exchange`
#[derive(Debug, clap::Args)]
pub(crate) struct ExchangeArgs {
    /// Authorization code (base64url: may begin with `-`)
    #[arg(long, allow_hyphen_values = true)]
    code: String,
    /// Agent id (ag_…)
    #[arg(long)]
    agent: String,
    /// PKCE code verifier
    #[arg(long, allow_hyphen_values = true)]
    code_verifier: Option<String>,
    /// jwt, vc-jwt, sd-jwt or both
    #[arg(long)]
    credential_format: Option<String>,
    #[command(flatten)]
    conn: Conn,
}

/// `grantex tokens refresh`
#[derive(Debug, clap::Args)]
pub(crate) struct RefreshArgs {
    /// Refresh token (ref_…)
    #[arg(long)]
    refresh_token: String,
    /// Agent id (ag_…)
    #[arg(long)]
    agent: String,
    #[command(flatten)]
    conn: Conn,
}

pub(crate) fn run_tokens(command: TokensCommand) -> ExitCode {
    match command {
        TokensCommand::Verify(a) => {
            let token = if a.token == "-" {
                let mut text = String::new();
                if let Err(e) = std::io::Read::read_to_string(&mut std::io::stdin(), &mut text) {
                    return fail(
                        &a.conn,
                        &ClientError::Transport(format!("cannot read standard input: {e}")),
                    );
                }
                text.trim().to_owned()
            } else {
                a.token.trim().to_owned()
            };
            let r = a.conn.client().and_then(|c| c.verify_token(&token));
            finish(&a.conn, r, kv)
        }
        TokensCommand::Revoke(a) => {
            let r = a.conn.client().and_then(|c| c.revoke_token(&a.id));
            finish_done(
                &a.conn,
                r,
                serde_json::json!({"jti": a.id}),
                format!("Token {} revoked.", a.id),
            )
        }
        TokensCommand::Exchange(a) => {
            let request = ExchangeRequest {
                code: a.code,
                agent_id: a.agent,
                code_verifier: a.code_verifier,
                credential_format: a.credential_format,
            };
            let r = a.conn.client().and_then(|c| c.exchange_token(&request));
            finish(&a.conn, r, kv)
        }
        TokensCommand::Refresh(a) => {
            let request = RefreshRequest {
                refresh_token: a.refresh_token,
                agent_id: a.agent,
            };
            let r = a.conn.client().and_then(|c| c.refresh_token(&request));
            finish(&a.conn, r, kv)
        }
    }
}

// ---------------------------------------------------------------------------------------------------
// audit (online part; `audit verify` is the offline command in ../credentials/audit.rs)

/// Online `grantex audit …` subcommands, flattened next to `audit verify`.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum AuditOnline {
    /// List audit entries from the server (oldest first)
    List(Box<AuditListArgs>),
    /// Append an audit entry
    Log(Box<AuditLogArgs>),
    /// Show one audit entry
    Get(IdArgs),
    /// Ask the server to verify the whole audit hash chain (exit 1 when broken)
    Chain(ConnOnly),
}

/// `grantex audit list`
#[derive(Debug, clap::Args)]
pub(crate) struct AuditListArgs {
    /// Only this agent
    #[arg(long)]
    agent: Option<String>,
    /// Only this grant
    #[arg(long)]
    grant: Option<String>,
    /// Only this principal
    #[arg(long)]
    principal: Option<String>,
    /// Only this action
    #[arg(long)]
    action: Option<String>,
    /// Only this status
    #[arg(long, value_parser = ["success", "failure", "blocked"])]
    status: Option<String>,
    /// From this time (RFC 3339), inclusive
    #[arg(long)]
    since: Option<String>,
    /// Until this time (RFC 3339), inclusive
    #[arg(long)]
    until: Option<String>,
    #[command(flatten)]
    paging: Paging,
    #[command(flatten)]
    conn: Conn,
}

/// `grantex audit log`
#[derive(Debug, clap::Args)]
pub(crate) struct AuditLogArgs {
    /// Agent id (ag_…)
    #[arg(long)]
    agent: String,
    /// Agent DID (did:grantex:ag_…); default derived from --agent
    #[arg(long)]
    agent_did: Option<String>,
    /// Grant id (grnt_…)
    #[arg(long)]
    grant: String,
    /// Principal id
    #[arg(long)]
    principal: String,
    /// Action name (e.g. email.sent)
    #[arg(long)]
    action: String,
    /// Metadata JSON object
    #[arg(long, value_parser = metadata_arg)]
    metadata: Option<Value>,
    /// Outcome
    #[arg(long, value_parser = ["success", "failure", "blocked"])]
    status: Option<String>,
    #[command(flatten)]
    conn: Conn,
}

fn metadata_arg(s: &str) -> Result<Value, String> {
    match serde_json::from_str::<Value>(s) {
        Ok(v @ Value::Object(_)) => Ok(v),
        Ok(_) => Err("must be a JSON object".to_owned()),
        Err(e) => Err(format!("not JSON: {e}")),
    }
}

fn audit_rows(value: &Value) -> String {
    let mut text = table(
        value.get("entries"),
        &[
            ("ENTRY ID", "entryId"),
            ("TIME", "timestamp"),
            ("ACTION", "action"),
            ("STATUS", "status"),
            ("AGENT", "agentId"),
            ("GRANT", "grantId"),
        ],
    );
    text.push_str(&render::page_footer(value));
    text
}

pub(crate) fn run_audit(command: AuditOnline) -> ExitCode {
    match command {
        AuditOnline::List(a) => {
            let a = *a;
            let mut query = AuditQuery {
                agent_id: a.agent,
                grant_id: a.grant,
                principal_id: a.principal,
                action: a.action,
                status: a.status,
                since: a.since,
                until: a.until,
                page: a.paging.page,
                page_size: a.paging.page_size,
            };
            let r = a.conn.client().and_then(|c| {
                if a.paging.all {
                    let size = a.paging.page_size.unwrap_or(100);
                    let entries = all_pages(size, |page, size| {
                        query.page = Some(page);
                        query.page_size = Some(size);
                        c.list_audit(&query).map(|l| (l.entries, l.total))
                    })?;
                    Ok(serde_json::json!({"entries": entries, "total": entries.len()}))
                } else {
                    c.list_audit(&query).and_then(|l| {
                        serde_json::to_value(l).map_err(|e| ClientError::Transport(e.to_string()))
                    })
                }
            });
            finish(&a.conn, r, audit_rows)
        }
        AuditOnline::Log(a) => {
            let a = *a;
            let request = AuditLogRequest {
                agent_did: a
                    .agent_did
                    .unwrap_or_else(|| format!("did:grantex:{}", a.agent)),
                agent_id: a.agent,
                grant_id: a.grant,
                principal_id: a.principal,
                action: a.action,
                metadata: a.metadata,
                status: a.status,
            };
            let r = a.conn.client().and_then(|c| c.log_audit(&request));
            finish(&a.conn, r, kv)
        }
        AuditOnline::Get(a) => {
            let r = a.conn.client().and_then(|c| c.get_audit(&a.id));
            finish(&a.conn, r, kv)
        }
        AuditOnline::Chain(a) => {
            let r = a.conn.client().and_then(|c| c.verify_audit_chain());
            let broken = matches!(&r, Ok(report) if !report.valid);
            let code = finish(&a.conn, r, kv);
            if broken { ExitCode::FAILURE } else { code }
        }
    }
}

// ---------------------------------------------------------------------------------------------------
// sessions

/// `grantex sessions …` (upstream: `principal-sessions`)
#[derive(Debug, clap::Subcommand)]
pub(crate) enum SessionsCommand {
    /// Create a principal session (permissions dashboard link for an end user)
    Create(SessionCreateArgs),
}

/// `grantex sessions create`
#[derive(Debug, clap::Args)]
pub(crate) struct SessionCreateArgs {
    /// Principal (end user) id; needs an active grant
    #[arg(long)]
    principal: String,
    /// Lifetime (default 1h, at most 24h)
    #[arg(long)]
    expires_in: Option<String>,
    #[command(flatten)]
    conn: Conn,
}

pub(crate) fn run_sessions(command: SessionsCommand) -> ExitCode {
    match command {
        SessionsCommand::Create(a) => {
            let request = PrincipalSessionRequest {
                principal_id: a.principal,
                expires_in: a.expires_in,
            };
            let r = a
                .conn
                .client()
                .and_then(|c| c.create_principal_session(&request));
            finish(&a.conn, r, kv)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_keys() {
        assert_eq!(mask("dev-api-key-local"), "dev-****ocal");
        assert_eq!(mask("short"), "****");
    }

    #[test]
    fn pages_until_short_page() {
        let pages = all_pages(2, |page, _| {
            Ok(match page {
                1 => (vec![1, 2], Some(3)),
                _ => (vec![3], Some(3)),
            })
        });
        assert_eq!(pages, Ok(vec![1, 2, 3]));
    }
}
