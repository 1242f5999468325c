//! Configuration of `grantex serve` and `grantex keys`: clap arguments (every flag also a `GRANTEX_*`
//! environment variable) resolved into a [`Config`].

use std::net::SocketAddr;
use std::path::PathBuf;

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// Where the data lives (shared by `serve` and `keys`).
#[derive(Debug, Clone, clap::Args)]
pub struct StorageArgs {
    /// Data directory (SQLite database and other state); created if missing.
    #[arg(long, env = "GRANTEX_DATA_DIR", default_value = "./grantex-data")]
    pub data_dir: PathBuf,
    /// Database URL: `sqlite://…` (default: `<data-dir>/grantex.db`) or `postgres://…`.
    #[arg(long, env = "GRANTEX_DATABASE_URL")]
    pub database_url: Option<String>,
    /// Longest grant lifetime accepted (duration string, e.g. `90d`); a rotated-out key stays published
    /// this long.
    #[arg(long, env = "GRANTEX_MAX_GRANT_LIFETIME", default_value = "90d", value_parser = parse_duration_arg)]
    pub max_grant_lifetime: u64,
}

impl StorageArgs {
    /// The database URL to open (creates the data directory for the SQLite default).
    pub fn database_url(&self) -> std::io::Result<String> {
        match &self.database_url {
            Some(url) => Ok(url.clone()),
            None => {
                std::fs::create_dir_all(&self.data_dir)?;
                let dir = std::fs::canonicalize(&self.data_dir)?;
                Ok(crate::store::sqlite_url_for(&dir))
            }
        }
    }
}

fn parse_duration_arg(text: &str) -> Result<u64, String> {
    crate::time::parse_duration(text)
        .ok_or_else(|| format!("{text:?} is not a duration like 30d, 12h, 90m or 3600s"))
}

/// `grantex serve`.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "GRANTEX_LISTEN", default_value = "127.0.0.1:3001")]
    pub listen: SocketAddr,
    /// Public base URL: the `iss` of grant tokens and the base of the JWKS URL (default `http://<listen>`).
    #[arg(long, env = "GRANTEX_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Storage.
    #[command(flatten)]
    pub storage: StorageArgs,
    /// Development mode: seeds the developers `dev-api-key-local` (live) and `sandbox-api-key-local`
    /// (sandbox) and generates (once, persisted) a signing key. Never use in production.
    #[arg(long, env = "GRANTEX_DEV")]
    pub dev: bool,
    /// RSA signing key (PKCS#1 or PKCS#8 PEM, or a private JWK); becomes the active grant key.
    #[arg(long, env = "GRANTEX_SIGNING_KEY_FILE")]
    pub signing_key_file: Option<PathBuf>,
    /// Log format.
    #[arg(long, env = "GRANTEX_LOG_FORMAT", value_enum, default_value = "text")]
    pub log_format: LogFormat,
    /// Requests per developer per rate-limit window.
    #[arg(long, env = "GRANTEX_RATE_LIMIT", default_value_t = 1000)]
    pub rate_limit: u32,
    /// Rate-limit window in seconds (1..3600).
    #[arg(long, env = "GRANTEX_RATE_LIMIT_WINDOW", default_value_t = 60,
          value_parser = clap::value_parser!(u32).range(1..=3600))]
    pub rate_limit_window: u32,
    /// Authorization, consent and grant lifecycle settings.
    #[command(flatten)]
    pub grants: GrantArgs,
    /// Per-client-IP limits of the token and public routes.
    #[command(flatten)]
    pub ip_limits: IpLimitArgs,
}

/// Per-client-IP rate limits (`grantex serve`; PROTOCOL.md §1.8, IMP-23; see `http::ip_limit`).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct IpLimitArgs {
    /// `POST /v1/token` and `/v1/token/refresh` calls per client IP per minute (default 20).
    #[arg(long, env = "GRANTEX_TOKEN_RATE_LIMIT", value_parser = clap::value_parser!(u32).range(1..))]
    pub token_rate_limit: Option<u32>,
    /// Requests per client IP per minute to the unauthenticated consent and principal-dashboard routes
    /// (`/consent`, `/v1/consent/*`, `/permissions`, `/v1/principal/*`; default 300).
    #[arg(long, env = "GRANTEX_PUBLIC_RATE_LIMIT", value_parser = clap::value_parser!(u32).range(1..))]
    pub public_rate_limit: Option<u32>,
    /// The server runs behind this many reverse proxies (default 1 when given without a value) that each
    /// append the address they saw to `X-Forwarded-For`; the client IP is then the HOPS-th entry from the
    /// right. Without it the client IP is the socket peer and `X-Forwarded-For` is ignored.
    #[arg(long, env = "GRANTEX_TRUST_PROXY", value_name = "HOPS", num_args = 0..=1,
          default_missing_value = "1", value_parser = clap::value_parser!(u8).range(1..=10))]
    pub trust_proxy: Option<u8>,
}

impl IpLimitArgs {
    /// Applies the flags to `config`.
    pub fn apply(&self, config: &mut Config) {
        if let Some(limit) = self.token_rate_limit {
            config.token_rate_limit = limit;
        }
        if let Some(limit) = self.public_rate_limit {
            config.public_rate_limit = limit;
        }
        config.trust_proxy_hops = self.trust_proxy.unwrap_or(0);
    }
}

/// How consent approval is authenticated (IMP-7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ConsentApproval {
    /// Approve/deny need the one-time cookie and CSRF token of a consent page load.
    Bound,
    /// Upstream behaviour: knowing the request id is enough.
    Legacy,
}

/// Flags of the authorization / grant lifecycle (`grantex serve`).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct GrantArgs {
    /// Consent approval mode (`bound` by default, `legacy` by default with `--dev`).
    #[arg(long, env = "GRANTEX_CONSENT_APPROVAL", value_enum)]
    pub consent_approval: Option<ConsentApproval>,
    /// Require requested scopes to be among (or narrow) the agent's registered scopes when it has any.
    #[arg(long, env = "GRANTEX_ENFORCE_REGISTERED_SCOPES")]
    pub enforce_registered_scopes: bool,
    /// `POST /v1/authorize` calls per developer per minute (at least 60).
    #[arg(long, env = "GRANTEX_AUTHORIZE_RATE_LIMIT", value_parser = clap::value_parser!(u32).range(60..))]
    pub authorize_rate_limit: Option<u32>,
    /// Deepest delegation chain (1..10, default 3).
    #[arg(long, env = "GRANTEX_MAX_DELEGATION_DEPTH", value_parser = clap::value_parser!(u32).range(1..=10))]
    pub max_delegation_depth: Option<u32>,
    /// Consent window of an authorization request (duration, at most 15m; default 15m).
    #[arg(long, env = "GRANTEX_CONSENT_WINDOW", value_parser = parse_consent_window)]
    pub consent_window: Option<u64>,
    /// Lifetime of an authorization code after approval (duration, at most 10m; default 10m).
    #[arg(long, env = "GRANTEX_CODE_TTL", value_parser = parse_code_ttl)]
    pub code_ttl: Option<u64>,
}

fn parse_capped(text: &str, max: u64) -> Result<u64, String> {
    let seconds = parse_duration_arg(text)?;
    if seconds > max {
        return Err(format!("{text:?} exceeds the maximum of {max} seconds"));
    }
    Ok(seconds)
}

fn parse_consent_window(text: &str) -> Result<u64, String> {
    parse_capped(text, 15 * 60)
}

fn parse_code_ttl(text: &str) -> Result<u64, String> {
    parse_capped(text, 10 * 60)
}

impl GrantArgs {
    /// Applies the flags to `config` (after `dev` is set).
    pub fn apply(&self, config: &mut Config) {
        config.consent_approval = self.consent_approval.unwrap_or(if config.dev {
            ConsentApproval::Legacy
        } else {
            ConsentApproval::Bound
        });
        config.enforce_registered_scopes = self.enforce_registered_scopes;
        if let Some(limit) = self.authorize_rate_limit {
            config.authorize_rate_limit = limit;
        }
        if let Some(depth) = self.max_delegation_depth {
            config.max_delegation_depth = depth;
        }
        if let Some(window) = self.consent_window {
            config.consent_window = window;
        }
        if let Some(ttl) = self.code_ttl {
            config.code_ttl = ttl;
        }
    }
}

/// Settings the running application needs (independent of clap, so tests build it directly).
#[derive(Debug, Clone)]
pub struct Config {
    /// Issuer / public base URL, without a trailing `/`.
    pub public_url: String,
    /// Dev mode.
    pub dev: bool,
    /// Requests per developer per window.
    pub rate_limit: u32,
    /// Window length, seconds.
    pub rate_limit_window: u32,
    /// Longest grant lifetime, seconds.
    pub max_grant_lifetime: u64,
    /// Consent approval mode (IMP-7).
    pub consent_approval: ConsentApproval,
    /// Requested ⊆ registered scopes (IMP-14, opt-in).
    pub enforce_registered_scopes: bool,
    /// Authorize calls per developer per minute (IMP-23).
    pub authorize_rate_limit: u32,
    /// Deepest delegation chain (§6.1, default 3).
    pub max_delegation_depth: u32,
    /// Consent window of an authorization request, seconds (IMP-8, ≤ 15 min).
    pub consent_window: u64,
    /// Lifetime of an authorization code after approval, seconds (IMP-8, ≤ 10 min).
    pub code_ttl: u64,
    /// `/v1/token` + `/v1/token/refresh` calls per client IP per minute (§10.4, upstream 20).
    pub token_rate_limit: u32,
    /// Requests per client IP per minute to the unauthenticated consent and principal routes.
    pub public_rate_limit: u32,
    /// Reverse proxies in front of the server whose `X-Forwarded-For` entries are trusted (0: none, the
    /// client IP is the socket peer).
    pub trust_proxy_hops: u8,
    /// Most client addresses each per-IP limiter tracks per window (memory bound).
    pub ip_limit_max_clients: usize,
    /// Window of the per-IP limiters, seconds (60; the limits are per minute).
    pub ip_limit_window: u64,
}

impl Config {
    /// Defaults for a server at `public_url` (tests, embedding).
    pub fn new(public_url: impl Into<String>) -> Config {
        Config {
            public_url: normalize_public_url(&public_url.into()),
            dev: false,
            rate_limit: 1000,
            rate_limit_window: 60,
            max_grant_lifetime: 90 * 86_400,
            consent_approval: ConsentApproval::Bound,
            enforce_registered_scopes: false,
            authorize_rate_limit: 60,
            max_delegation_depth: 3,
            consent_window: 15 * 60,
            code_ttl: 10 * 60,
            token_rate_limit: 20,
            public_rate_limit: 300,
            trust_proxy_hops: 0,
            ip_limit_max_clients: crate::http::ip_limit::DEFAULT_MAX_CLIENTS,
            ip_limit_window: crate::http::ip_limit::WINDOW_SECONDS,
        }
    }
}

/// Trims one trailing `/`.
pub fn normalize_public_url(url: &str) -> String {
    url.strip_suffix('/').unwrap_or(url).to_owned()
}
