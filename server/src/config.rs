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
        }
    }
}

/// Trims one trailing `/`.
pub fn normalize_public_url(url: &str) -> String {
    url.strip_suffix('/').unwrap_or(url).to_owned()
}
