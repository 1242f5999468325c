//! The command line: `grantex <command> …`, parsed with clap's derive API.
//!
//! Each subcommand is a module with an `Args` struct (or a nested subcommand enum) and a `run` function
//! returning [`Outcome`]. Adding a command means adding a module and one variant to [`Command`].
//!
//! Output contract shared by every command:
//! * success: the result on stdout, exit 0;
//! * failure of the checked thing (bad token, bad key set, unreachable JWKS): one line
//!   `{"error":{"code":"…","message":"…"}}` on stdout, exit 1;
//! * usage error (conflicting or missing flags): clap's message on stderr, exit 2.
//!
//! Error codes are the core's [`grantex_core::ErrorCode`] strings plus two of this tool's own:
//! [`JWKS_UNAVAILABLE`] and [`INPUT_UNAVAILABLE`].

mod client;
mod credentials;
mod decode;
mod fetch;
mod input;
mod jwks;
mod verify;

use clap::{CommandFactory, Parser, Subcommand};
use grantex_core::crypto::Algorithm;
use serde::Serialize;
use std::borrow::Cow;
use std::io::Write;
use std::process::ExitCode;

/// CLI-level error code: the JWKS (or JWK) document could not be read from its file, fetched from its URL
/// (network error, timeout after 10 s, HTTP status other than 2xx, body larger than 1 MiB, not UTF-8)
/// or read from standard input. A document that was read but is not a valid JWKS is `INVALID_JWKS`.
pub(crate) const JWKS_UNAVAILABLE: &str = "JWKS_UNAVAILABLE";

/// CLI-level error code: the token could not be read from standard input (I/O error).
pub(crate) const INPUT_UNAVAILABLE: &str = "INPUT_UNAVAILABLE";

const ABOUT: &str = "Grantex: delegated authorization for AI agents";

const LONG_ABOUT: &str = "\
Grantex: delegated authorization for AI agents.

Offline tools for grant tokens (RS256 JWTs) and the JWKS that verifies them.";

const AFTER_HELP: &str = "\
Exit status:
  0  success (verified grant, decoded token, thumbprints) on stdout
  1  the token or key set failed: {\"error\":{\"code\":\"…\",\"message\":\"…\"}} on stdout
  2  usage error (unknown, missing or conflicting options) on stderr
  3  online commands (agents, grants, tokens, audit list, …): server unreachable or no API key
     (API errors of online commands exit 1 with the server's code, e.g. NOT_FOUND, on stderr)

Error codes are the core library's (EXPIRED, INVALID_SIGNATURE, INVALID_AUDIENCE, …) plus:
  JWKS_UNAVAILABLE   the JWKS could not be read or fetched (I/O, network, HTTP status, > 1 MiB)
  INPUT_UNAVAILABLE  the token could not be read from standard input

Examples:
  grantex verify --issuer https://grantex.dev --audience https://api.example.com \"$TOKEN\"
  grantex decode \"$TOKEN\"
  grantex jwks thumbprint https://api.grantex.dev/.well-known/jwks.json";

/// The `grantex` command line.
#[derive(Debug, Parser)]
#[command(
    name = "grantex",
    version,
    about = ABOUT,
    long_about = LONG_ABOUT,
    after_help = AFTER_HELP,
    propagate_version = true,
    subcommand_required = true,
    arg_required_else_help = true
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Verify a grant token offline against a JWKS and print the verified grant as JSON.
    Verify(verify::Args),
    /// Print a token's header and payload WITHOUT verifying anything.
    Decode(decode::Args),
    /// Inspect JSON Web Key Sets.
    #[command(subcommand)]
    Jwks(jwks::Command),
    #[command(flatten)]
    Credentials(credentials::Command),
    /// Run the Grantex HTTP server (SQLite under --data-dir by default, or PostgreSQL).
    Serve(grantex_server::config::ServeArgs),
    /// Manage the server's grant-signing key ring.
    #[command(subcommand)]
    Keys(grantex_server::admin::KeysCommand),
    /// Manage the server's developer accounts.
    #[command(subcommand)]
    Developers(grantex_server::admin::DevelopersCommand),
    /// Store or show the server URL and API key of the online commands (per-user file, mode 0600).
    #[command(subcommand)]
    Config(client::ConfigCommand),
    /// Manage agents on a Grantex server.
    #[command(subcommand)]
    Agents(client::AgentsCommand),
    /// Create an authorization request (consent URL; sandbox accounts get a code at once).
    Authorize(client::AuthorizeArgs),
    /// List, show, revoke and delegate grants on a Grantex server.
    #[command(subcommand)]
    Grants(client::GrantsCommand),
    /// Verify, revoke, exchange and refresh grant tokens on a Grantex server.
    #[command(subcommand)]
    Tokens(client::TokensCommand),
    /// Create principal sessions (end-user permissions dashboard links).
    #[command(subcommand, alias = "principal-sessions")]
    Sessions(client::SessionsCommand),
    /// Run an MCP server (stdio, or streamable HTTP with --http) exposing the Grantex API as tools.
    Mcp(grantex_server::mcp::McpArgs),
}

/// Parses the command line, runs the command and returns the process exit code.
pub(crate) fn run() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Verify(args) => verify::run(args),
        Command::Decode(args) => decode::run(args),
        Command::Jwks(command) => jwks::run(command),
        Command::Credentials(command) => return credentials::run(command),
        // Long-running commands own their exit status.
        Command::Serve(args) => return grantex_server::serve::run(args),
        Command::Keys(command) => return grantex_server::admin::run_keys(command),
        Command::Developers(command) => return grantex_server::admin::run_developers(command),
        // Online client commands (src/cli/client): exit 0 ok, 1 API error, 2 usage, 3 transport/config.
        Command::Config(command) => return client::run_config(command),
        Command::Agents(command) => return client::run_agents(command),
        Command::Authorize(args) => return client::run_authorize(args),
        Command::Grants(command) => return client::run_grants(command),
        Command::Tokens(command) => return client::run_tokens(command),
        Command::Sessions(command) => return client::run_sessions(command),
        Command::Mcp(args) => return grantex_server::mcp::run(args),
    };
    outcome.finish()
}

/// An error printed as `{"error":{"code":…,"message":…}}`: a core error or one of this tool's codes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct CliError {
    /// Stable code: a [`grantex_core::ErrorCode`] string, [`JWKS_UNAVAILABLE`] or [`INPUT_UNAVAILABLE`].
    pub code: Cow<'static, str>,
    /// Human-readable explanation.
    pub message: String,
}

impl CliError {
    /// An error with one of this tool's own codes.
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        CliError {
            code: Cow::Borrowed(code),
            message: message.into(),
        }
    }

    /// An error with a core code.
    pub fn core(code: grantex_core::ErrorCode, message: impl Into<String>) -> Self {
        CliError {
            code: Cow::Borrowed(code.as_str()),
            message: message.into(),
        }
    }
}

impl From<grantex_core::Error> for CliError {
    fn from(e: grantex_core::Error) -> Self {
        CliError {
            code: Cow::Borrowed(e.code.as_str()),
            message: e.message,
        }
    }
}

/// How a command ended.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// Success: print this text (a newline is added) on stdout, exit 0.
    Print(String),
    /// Failure of the checked input: error JSON on stdout, exit 1.
    Failed(CliError),
    /// Usage error: clap's formatted message on stderr, exit 2.
    Usage(Box<clap::Error>),
}

impl From<CliError> for Outcome {
    fn from(e: CliError) -> Self {
        Outcome::Failed(e)
    }
}

impl From<grantex_core::Error> for Outcome {
    fn from(e: grantex_core::Error) -> Self {
        Outcome::Failed(e.into())
    }
}

impl Outcome {
    fn finish(self) -> ExitCode {
        match self {
            Outcome::Print(text) => {
                if write_stdout(&text) {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::FAILURE
                }
            }
            Outcome::Failed(error) => {
                let line = serde_json::json!({ "error": error }).to_string();
                // Whatever happens to stdout, the exit status says the check failed.
                let _ = write_stdout(&line);
                ExitCode::FAILURE
            }
            Outcome::Usage(error) => {
                let _ = error.print();
                ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(2))
            }
        }
    }
}

/// Writes `text` and a newline to stdout (nothing for empty text); false when stdout is gone (e.g. a
/// closed pipe).
fn write_stdout(text: &str) -> bool {
    if text.is_empty() {
        return true;
    }
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}").and_then(|()| out.flush()).is_ok()
}

/// A usage error (exit 2) formatted by clap with the usage line of the subcommand at `path`.
pub(crate) fn usage_error(path: &[&str], message: impl std::fmt::Display) -> Outcome {
    let mut command = Cli::command();
    command.build();
    for name in path {
        match command.find_subcommand(name) {
            Some(sub) => command = sub.clone(),
            None => break,
        }
    }
    Outcome::Usage(Box::new(
        command.error(clap::error::ErrorKind::ArgumentConflict, message),
    ))
}

/// Pretty JSON of a serializable value, or an `INTERNAL` failure (never expected).
pub(crate) fn pretty_json<T: Serialize>(value: &T) -> Outcome {
    match serde_json::to_string_pretty(value) {
        Ok(text) => Outcome::Print(text),
        Err(e) => Outcome::Failed(CliError::core(
            grantex_core::ErrorCode::Internal,
            format!("could not serialize the result: {e}"),
        )),
    }
}

/// A JOSE algorithm name for `--alg` (the clap value parser of every command that takes one).
pub(crate) fn parse_algorithm(name: &str) -> Result<Algorithm, String> {
    Algorithm::from_name(name).ok_or_else(|| {
        let known: Vec<&str> = Algorithm::ALL.iter().map(|a| a.name()).collect();
        format!(
            "unknown or unsupported algorithm (known: {})",
            known.join(", ")
        )
    })
}

#[cfg(test)]
mod tests {
    use super::{Algorithm, Cli, parse_algorithm};
    use clap::CommandFactory;

    #[test]
    fn algorithm_names() {
        assert_eq!(parse_algorithm("ES256"), Ok(Algorithm::ES256));
        assert_eq!(parse_algorithm("EdDSA"), Ok(Algorithm::EdDSA));
        assert!(parse_algorithm("HS256").is_err());
        assert!(parse_algorithm("none").is_err());
    }

    #[test]
    fn command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    /// Authorization codes, PKCE values, state and API keys are random base64url and can begin with `-`
    /// (one in 64 codes does): they must parse as values, not as flags.
    #[test]
    fn random_values_may_begin_with_a_hyphen() {
        use clap::Parser;
        let lines: [&[&str]; 4] = [
            &[
                "grantex", "tokens", "exchange", "--code", "-Pq7x", "--agent", "ag_1",
            ],
            &[
                "grantex",
                "tokens",
                "exchange",
                "--code",
                "c",
                "--agent",
                "ag_1",
                "--code-verifier",
                "-v",
            ],
            &[
                "grantex",
                "authorize",
                "--agent",
                "ag_1",
                "--principal",
                "u",
                "--scopes",
                "read",
                "--code-challenge",
                "-c",
                "--state",
                "-s",
            ],
            &["grantex", "config", "set", "--key", "-k"],
        ];
        for line in lines {
            assert!(Cli::try_parse_from(line).is_ok(), "{line:?}");
        }
        // Flags that take no random value still reject an unknown hyphenated word.
        assert!(Cli::try_parse_from(["grantex", "tokens", "exchange", "-P"]).is_err());
    }
}
