//! A typed client of the Grantex REST API (PROTOCOL.md §10): what `grantex mcp` and the CLI client
//! commands (`grantex agents|grants|tokens|audit|sessions …`) call.
//!
//! The client is **blocking** (ureq with rustls on the aws-lc-rs provider, the same stack as the JWKS
//! fetcher of `grantex verify`): the CLI is synchronous, and the MCP server runs each tool call on tokio's
//! blocking pool (`spawn_blocking`). That keeps one HTTP client stack in the binary (no reqwest/hyper
//! client next to ureq) for a workload of a few requests per user action.
//!
//! * Configuration: [`ClientConfig::resolve`] — `GRANTEX_API_KEY`/`GRANTEX_BASE_URL` (the MCP server's
//!   names), `GRANTEX_KEY`/`GRANTEX_URL` (upstream CLI names), then the config file written by
//!   `grantex config set` ([`config_path`]).
//! * Errors: [`ClientError::Api`] carries the server's `{message, code, requestId}`;
//!   [`ClientError::Transport`] is everything that kept an answer from arriving or being read.
//! * Retries: 429/502/503/504 up to 3 times, honouring `Retry-After` (at most 10 s), as the TS SDK does.

pub mod types;

pub use types::*;

use serde::Serialize;
use serde::de::DeserializeOwned;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Base URL used when neither the environment nor the config file names one (upstream's default).
pub const DEFAULT_BASE_URL: &str = "https://api.grantex.dev";

/// Overall time allowed for one request (connect, TLS, headers and body).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Largest response body read (bytes).
const MAX_BODY: u64 = 16 * 1024 * 1024;

/// Retries of 429/502/503/504 after the first attempt.
const MAX_RETRIES: u32 = 3;

/// Why a call failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientError {
    /// The server answered with an error status and (usually) the §1.4 body.
    Api {
        /// HTTP status.
        status: u16,
        /// `code` of the body (`UNAUTHORIZED`, `NOT_FOUND`, …); `HTTP_<status>` when the body had none.
        code: String,
        /// `message` of the body (or `error`, or the raw body).
        message: String,
        /// `requestId` of the body or the `x-request-id` header.
        request_id: Option<String>,
    },
    /// No usable answer: connection refused, DNS, TLS, timeout, or a 2xx body that is not the expected JSON.
    Transport(String),
    /// No API key (or an unusable base URL / config file).
    Config(String),
}

impl ClientError {
    /// The error code: the server's for [`ClientError::Api`], `TRANSPORT_ERROR` or `CONFIG_ERROR` otherwise.
    pub fn code(&self) -> &str {
        match self {
            ClientError::Api { code, .. } => code,
            ClientError::Transport(_) => "TRANSPORT_ERROR",
            ClientError::Config(_) => "CONFIG_ERROR",
        }
    }

    /// The human-readable message.
    pub fn message(&self) -> &str {
        match self {
            ClientError::Api { message, .. } => message,
            ClientError::Transport(m) | ClientError::Config(m) => m,
        }
    }
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::Api {
                status,
                code,
                message,
                request_id,
            } => {
                write!(f, "{code} (HTTP {status}): {message}")?;
                if let Some(id) = request_id {
                    write!(f, " [requestId {id}]")?;
                }
                Ok(())
            }
            ClientError::Transport(m) => write!(f, "transport error: {m}"),
            ClientError::Config(m) => write!(f, "configuration error: {m}"),
        }
    }
}

impl std::error::Error for ClientError {}

/// Result of a client call.
pub type ClientResult<T> = Result<T, ClientError>;

/// The stored CLI configuration (`grantex config set`), JSON `{"url": …, "key": …}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct StoredConfig {
    /// Base URL of the server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Developer API key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

/// The config file: `$GRANTEX_CONFIG`, else `$XDG_CONFIG_HOME/grantex/config.json`, else
/// `$HOME/.config/grantex/config.json`. `None` when none of these variables is set.
pub fn config_path() -> Option<PathBuf> {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    if let Some(path) = var("GRANTEX_CONFIG") {
        return Some(PathBuf::from(path));
    }
    let base = var("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| var("HOME").map(|home| PathBuf::from(home).join(".config")))?;
    Some(base.join("grantex").join("config.json"))
}

impl StoredConfig {
    /// Reads the config file; a missing file is the empty configuration.
    pub fn load() -> ClientResult<StoredConfig> {
        let Some(path) = config_path() else {
            return Ok(StoredConfig::default());
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text).map_err(|e| {
                ClientError::Config(format!(
                    "the config file {} is not valid: {e}",
                    path.display()
                ))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(StoredConfig::default()),
            Err(e) => Err(ClientError::Config(format!(
                "cannot read the config file {}: {e}",
                path.display()
            ))),
        }
    }

    /// Writes the config file (directories created, file mode 0600 on Unix) and returns its path.
    pub fn save(&self) -> ClientResult<PathBuf> {
        let path = config_path().ok_or_else(|| {
            ClientError::Config(
                "no config location: set HOME, XDG_CONFIG_HOME or GRANTEX_CONFIG".to_owned(),
            )
        })?;
        let fail = |e: std::io::Error| {
            ClientError::Config(format!(
                "cannot write the config file {}: {e}",
                path.display()
            ))
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(fail)?;
        }
        let text = serde_json::to_string_pretty(self)
            .map_err(|e| ClientError::Config(format!("cannot serialize the config: {e}")))?;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&path).map_err(fail)?;
        #[cfg(unix)]
        {
            // An existing file keeps its mode on open: tighten it.
            use std::os::unix::fs::PermissionsExt;
            file.set_permissions(std::fs::Permissions::from_mode(0o600))
                .map_err(fail)?;
        }
        use std::io::Write;
        file.write_all(text.as_bytes())
            .and_then(|()| file.write_all(b"\n"))
            .map_err(fail)?;
        Ok(path)
    }
}

/// Where the client sends its requests and with which key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientConfig {
    /// Base URL without a trailing slash (`http://localhost:3001`).
    pub base_url: String,
    /// Developer API key.
    pub api_key: String,
}

impl ClientConfig {
    /// Resolves the configuration: explicit values first, then `GRANTEX_API_KEY`/`GRANTEX_KEY` and
    /// `GRANTEX_BASE_URL`/`GRANTEX_URL`, then the config file, then [`DEFAULT_BASE_URL`]. A missing key is
    /// [`ClientError::Config`].
    pub fn resolve(
        base_url: Option<String>,
        api_key: Option<String>,
    ) -> ClientResult<ClientConfig> {
        let env = |names: &[&str]| {
            names
                .iter()
                .find_map(|n| std::env::var(n).ok().filter(|v| !v.trim().is_empty()))
        };
        let mut url = base_url.or_else(|| env(&["GRANTEX_BASE_URL", "GRANTEX_URL"]));
        let mut key = api_key.or_else(|| env(&["GRANTEX_API_KEY", "GRANTEX_KEY"]));
        if url.is_none() || key.is_none() {
            let stored = StoredConfig::load()?;
            url = url.or(stored.url);
            key = key.or(stored.key);
        }
        let key = key.ok_or_else(|| {
            ClientError::Config(
                "no API key: set GRANTEX_API_KEY or run `grantex config set --key …`".to_owned(),
            )
        })?;
        ClientConfig::new(url.as_deref().unwrap_or(DEFAULT_BASE_URL), &key)
    }

    /// A configuration from explicit values; the URL must be `http://` or `https://`.
    pub fn new(base_url: &str, api_key: &str) -> ClientResult<ClientConfig> {
        let base_url = base_url.trim().trim_end_matches('/').to_owned();
        if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
            return Err(ClientError::Config(format!(
                "the base URL {base_url:?} is not an http:// or https:// URL"
            )));
        }
        Ok(ClientConfig {
            base_url,
            api_key: api_key.trim().to_owned(),
        })
    }
}

/// A blocking Grantex REST client. Cheap to clone (the connection pool is shared).
#[derive(Clone)]
pub struct Client {
    config: Arc<ClientConfig>,
    agent: ureq::Agent,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.config.base_url)
            .finish_non_exhaustive()
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters (path segments, query values).
fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `?a=b&c=d` from a serializable struct of optional members (`None` skipped); empty when nothing is set.
fn query_string<Q: Serialize>(query: &Q) -> ClientResult<String> {
    let value = serde_json::to_value(query)
        .map_err(|e| ClientError::Transport(format!("cannot encode the query: {e}")))?;
    let mut parts = Vec::new();
    if let serde_json::Value::Object(members) = value {
        for (name, v) in members {
            let text = match v {
                serde_json::Value::Null => continue,
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            };
            parts.push(format!("{}={}", encode(&name), encode(&text)));
        }
    }
    Ok(if parts.is_empty() {
        String::new()
    } else {
        format!("?{}", parts.join("&"))
    })
}

impl Client {
    /// A client for `config`.
    pub fn new(config: ClientConfig) -> Client {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let tls = ureq::tls::TlsConfig::builder()
            .provider(ureq::tls::TlsProvider::Rustls)
            .unversioned_rustls_crypto_provider(provider)
            .build();
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(REQUEST_TIMEOUT))
            .http_status_as_error(false)
            .tls_config(tls)
            .user_agent(concat!("grantex-rs/", env!("CARGO_PKG_VERSION")))
            .build()
            .new_agent();
        Client {
            config: Arc::new(config),
            agent,
        }
    }

    /// A client configured from the environment and the config file ([`ClientConfig::resolve`]).
    pub fn from_env() -> ClientResult<Client> {
        Ok(Client::new(ClientConfig::resolve(None, None)?))
    }

    /// The configuration in use.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// One request with retries; returns the status and the body text of a 2xx answer.
    fn send(
        &self,
        method: &str,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> ClientResult<(u16, String)> {
        let url = format!("{}{path}", self.config.base_url);
        let payload = match body {
            Some(b) => Some(
                serde_json::to_vec(b)
                    .map_err(|e| ClientError::Transport(format!("cannot encode the body: {e}")))?,
            ),
            None => None,
        };
        let mut attempt = 0;
        loop {
            let auth = format!("Bearer {}", self.config.api_key);
            let result = match (method, &payload) {
                ("GET", _) => self
                    .agent
                    .get(&url)
                    .header("authorization", &auth)
                    .header("accept", "application/json")
                    .call(),
                ("DELETE", _) => self
                    .agent
                    .delete(&url)
                    .header("authorization", &auth)
                    .header("accept", "application/json")
                    .call(),
                (m, p) => {
                    let builder = match m {
                        "PATCH" => self.agent.patch(&url),
                        "PUT" => self.agent.put(&url),
                        _ => self.agent.post(&url),
                    };
                    builder
                        .header("authorization", &auth)
                        .header("accept", "application/json")
                        .header("content-type", "application/json")
                        .send(p.as_deref().unwrap_or(b"{}"))
                }
            };
            let mut response = result
                .map_err(|e| ClientError::Transport(format!("{method} {url}: {}", describe(&e))))?;
            let status = response.status().as_u16();
            let retry_after = response
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok());
            let header_request_id = response
                .headers()
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let text = response
                .body_mut()
                .with_config()
                .limit(MAX_BODY)
                .read_to_string()
                .map_err(|e| {
                    ClientError::Transport(format!(
                        "{method} {url}: reading the answer: {}",
                        describe(&e)
                    ))
                })?;
            if matches!(status, 429 | 502 | 503 | 504) && attempt < MAX_RETRIES {
                attempt += 1;
                let wait = retry_after
                    .map(|s| Duration::from_secs(s.min(10)))
                    .unwrap_or_else(|| Duration::from_millis(250 << attempt));
                std::thread::sleep(wait);
                continue;
            }
            if (200..300).contains(&status) {
                return Ok((status, text));
            }
            return Err(api_error(status, &text, header_request_id));
        }
    }

    fn call<T: DeserializeOwned>(
        &self,
        method: &str,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> ClientResult<T> {
        let (_, text) = self.send(method, path, body.as_ref())?;
        serde_json::from_str(&text).map_err(|e| {
            ClientError::Transport(format!(
                "{method} {path}: the answer is not the expected JSON: {e}"
            ))
        })
    }

    fn call_empty(
        &self,
        method: &str,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> ClientResult<()> {
        self.send(method, path, body.as_ref()).map(|_| ())
    }

    fn body<B: Serialize>(body: &B) -> ClientResult<Option<serde_json::Value>> {
        serde_json::to_value(body)
            .map(Some)
            .map_err(|e| ClientError::Transport(format!("cannot encode the body: {e}")))
    }

    /// Any JSON request (for endpoints without a typed method): `GET`, `POST`, `PATCH`, `PUT`, `DELETE`.
    /// A 204 answer is `Value::Null`.
    pub fn raw(
        &self,
        method: &str,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> ClientResult<serde_json::Value> {
        let (status, text) = self.send(method, path, body.as_ref())?;
        if status == 204 || text.trim().is_empty() {
            return Ok(serde_json::Value::Null);
        }
        serde_json::from_str(&text).map_err(|e| {
            ClientError::Transport(format!("{method} {path}: the answer is not JSON: {e}"))
        })
    }

    // ---- agents (§10.2) ----

    /// `POST /v1/agents`.
    pub fn create_agent(&self, request: &CreateAgent) -> ClientResult<Agent> {
        self.call("POST", "/v1/agents", Self::body(request)?)
    }

    /// `GET /v1/agents`.
    pub fn list_agents(&self) -> ClientResult<AgentList> {
        self.call("GET", "/v1/agents", None)
    }

    /// `GET /v1/agents/:id`.
    pub fn get_agent(&self, agent_id: &str) -> ClientResult<Agent> {
        self.call("GET", &format!("/v1/agents/{}", encode(agent_id)), None)
    }

    /// `PATCH /v1/agents/:id`.
    pub fn update_agent(&self, agent_id: &str, request: &UpdateAgent) -> ClientResult<Agent> {
        self.call(
            "PATCH",
            &format!("/v1/agents/{}", encode(agent_id)),
            Self::body(request)?,
        )
    }

    /// `DELETE /v1/agents/:id` (204).
    pub fn delete_agent(&self, agent_id: &str) -> ClientResult<()> {
        self.call_empty("DELETE", &format!("/v1/agents/{}", encode(agent_id)), None)
    }

    // ---- authorization (§10.3) ----

    /// `POST /v1/authorize`.
    pub fn authorize(&self, request: &AuthorizeRequest) -> ClientResult<AuthorizeResponse> {
        self.call("POST", "/v1/authorize", Self::body(request)?)
    }

    /// `POST /v1/authorize/:id/approve` (sandbox developers).
    pub fn sandbox_approve(&self, auth_request_id: &str) -> ClientResult<SandboxDecision> {
        self.call(
            "POST",
            &format!("/v1/authorize/{}/approve", encode(auth_request_id)),
            Some(serde_json::json!({})),
        )
    }

    /// `POST /v1/authorize/:id/deny` (sandbox developers).
    pub fn sandbox_deny(&self, auth_request_id: &str) -> ClientResult<SandboxDecision> {
        self.call(
            "POST",
            &format!("/v1/authorize/{}/deny", encode(auth_request_id)),
            Some(serde_json::json!({})),
        )
    }

    // ---- tokens (§10.4, §10.5) ----

    /// `POST /v1/token`.
    pub fn exchange_token(&self, request: &ExchangeRequest) -> ClientResult<TokenResponse> {
        self.call("POST", "/v1/token", Self::body(request)?)
    }

    /// `POST /v1/token/refresh`.
    pub fn refresh_token(&self, request: &RefreshRequest) -> ClientResult<TokenResponse> {
        self.call("POST", "/v1/token/refresh", Self::body(request)?)
    }

    /// `POST /v1/tokens/verify`.
    pub fn verify_token(&self, token: &str) -> ClientResult<TokenVerification> {
        self.call(
            "POST",
            "/v1/tokens/verify",
            Some(serde_json::json!({ "token": token })),
        )
    }

    /// `POST /v1/tokens/revoke {jti}` (204).
    pub fn revoke_token(&self, jti: &str) -> ClientResult<()> {
        self.call_empty(
            "POST",
            "/v1/tokens/revoke",
            Some(serde_json::json!({ "jti": jti })),
        )
    }

    // ---- grants (§10.6) ----

    /// `GET /v1/grants` with filters and optional paging.
    pub fn list_grants(&self, query: &GrantQuery) -> ClientResult<GrantList> {
        self.call("GET", &format!("/v1/grants{}", query_string(query)?), None)
    }

    /// `GET /v1/grants/:id`.
    pub fn get_grant(&self, grant_id: &str) -> ClientResult<Grant> {
        self.call("GET", &format!("/v1/grants/{}", encode(grant_id)), None)
    }

    /// `DELETE /v1/grants/:id` (204, cascades to delegated grants).
    pub fn revoke_grant(&self, grant_id: &str) -> ClientResult<()> {
        self.call_empty("DELETE", &format!("/v1/grants/{}", encode(grant_id)), None)
    }

    /// `POST /v1/grants/delegate`.
    pub fn delegate_grant(&self, request: &DelegateRequest) -> ClientResult<TokenResponse> {
        self.call("POST", "/v1/grants/delegate", Self::body(request)?)
    }

    /// `POST /v1/grants/verify`.
    pub fn verify_grant(&self, token: &str) -> ClientResult<GrantVerification> {
        self.call(
            "POST",
            "/v1/grants/verify",
            Some(serde_json::json!({ "token": token })),
        )
    }

    // ---- audit (§10.7) ----

    /// `POST /v1/audit/log`.
    pub fn log_audit(&self, request: &AuditLogRequest) -> ClientResult<AuditEntry> {
        self.call("POST", "/v1/audit/log", Self::body(request)?)
    }

    /// `GET /v1/audit/entries` with filters and optional paging.
    pub fn list_audit(&self, query: &AuditQuery) -> ClientResult<AuditList> {
        self.call(
            "GET",
            &format!("/v1/audit/entries{}", query_string(query)?),
            None,
        )
    }

    /// `GET /v1/audit/:id`.
    pub fn get_audit(&self, entry_id: &str) -> ClientResult<AuditEntry> {
        self.call("GET", &format!("/v1/audit/{}", encode(entry_id)), None)
    }

    /// `GET /v1/audit/verify`: the server checks the caller's whole chain.
    pub fn verify_audit_chain(&self) -> ClientResult<AuditChainReport> {
        self.call("GET", "/v1/audit/verify", None)
    }

    // ---- principal sessions (§10.8), revocation status (§10.20) ----

    /// `POST /v1/principal-sessions`.
    pub fn create_principal_session(
        &self,
        request: &PrincipalSessionRequest,
    ) -> ClientResult<PrincipalSession> {
        self.call("POST", "/v1/principal-sessions", Self::body(request)?)
    }

    /// `GET /v1/revocations/status?grantId=…&jti=…` (at least one).
    pub fn revocation_status(
        &self,
        grant_id: Option<&str>,
        jti: Option<&str>,
    ) -> ClientResult<RevocationStatus> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Q<'a> {
            #[serde(skip_serializing_if = "Option::is_none")]
            grant_id: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            jti: Option<&'a str>,
        }
        let query = query_string(&Q { grant_id, jti })?;
        self.call("GET", &format!("/v1/revocations/status{query}"), None)
    }
}

/// The typed error of a non-2xx answer.
fn api_error(status: u16, text: &str, header_request_id: Option<String>) -> ClientError {
    let body: Option<serde_json::Map<String, serde_json::Value>> = serde_json::from_str(text).ok();
    let member = |name: &str| {
        body.as_ref()
            .and_then(|b| b.get(name))
            .and_then(|v| v.as_str())
            .map(str::to_owned)
    };
    let code = member("code").unwrap_or_else(|| format!("HTTP_{status}"));
    let message = member("message")
        .or_else(|| member("error"))
        .unwrap_or_else(|| {
            let t = text.trim();
            if t.is_empty() {
                format!("HTTP status {status}")
            } else {
                t.chars().take(500).collect()
            }
        });
    ClientError::Api {
        status,
        code,
        message,
        request_id: member("requestId").or(header_request_id),
    }
}

fn describe(error: &ureq::Error) -> String {
    match error {
        ureq::Error::BodyExceedsLimit(_) => "the answer is larger than 16 MiB".to_owned(),
        ureq::Error::Timeout(_) => {
            format!("no complete answer within {} s", REQUEST_TIMEOUT.as_secs())
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_queries_and_segments() {
        assert_eq!(encode("ag_1 /?"), "ag_1%20%2F%3F");
        let q = GrantQuery {
            agent_id: Some("ag_1".into()),
            page_size: Some(5),
            ..GrantQuery::default()
        };
        assert_eq!(
            query_string(&q).ok().as_deref(),
            Some("?agentId=ag_1&pageSize=5")
        );
        assert_eq!(
            query_string(&GrantQuery::default()).ok().as_deref(),
            Some("")
        );
    }

    #[test]
    fn error_bodies() {
        let e = api_error(
            404,
            r#"{"message":"Agent not found","code":"NOT_FOUND","requestId":"r1"}"#,
            None,
        );
        assert_eq!(
            e,
            ClientError::Api {
                status: 404,
                code: "NOT_FOUND".into(),
                message: "Agent not found".into(),
                request_id: Some("r1".into())
            }
        );
        let e = api_error(502, "bad gateway", Some("h".into()));
        assert_eq!(e.code(), "HTTP_502");
        assert_eq!(e.message(), "bad gateway");
    }
}
