//! Credential tools: `grantex sd-jwt present|verify`, `grantex vc verify` and `grantex audit verify`.
//!
//! Flattened into the top-level command list (`grantex sd-jwt …`, not `grantex credentials sd-jwt …`).
//! The output contract is the one of [`super`]; two commands also print a document and exit 1:
//! `audit verify` for a broken chain (the chain report) and `vc verify --upstream-format` for an invalid
//! credential (upstream's `{valid:false,…}` answer).

mod audit;
mod sd_jwt;
mod vc;

use super::{CliError, INPUT_UNAVAILABLE, Outcome, write_stdout};
use grantex_core::ErrorCode;
use std::io::Read;
use std::process::ExitCode;

/// The credential subcommands, flattened into `grantex <command>`.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum Command {
    /// Present (holder) and verify (verifier) SD-JWT credentials, RFC 9901.
    #[command(subcommand, name = "sd-jwt")]
    SdJwt(sd_jwt::Command),
    /// Verify W3C VC-JWT credentials offline, status lists included.
    #[command(subcommand)]
    Vc(vc::Command),
    /// Audit logs: verify hash chains offline (`verify`); list, log, get and check them on a server.
    #[command(subcommand)]
    Audit(audit::Command),
}

/// Runs a credential subcommand and returns the process exit code.
pub(crate) fn run(command: Command) -> ExitCode {
    match command {
        Command::SdJwt(command) => sd_jwt::run(command).finish(),
        Command::Vc(command) => vc::run(command),
        Command::Audit(command) => audit::run(command),
    }
}

/// Prints a document that describes a failure (a broken chain report, an upstream `valid:false` answer)
/// and exits 1.
fn print_failure(text: &str) -> ExitCode {
    // Whatever happens to stdout, the exit status says the check failed.
    let _ = write_stdout(text);
    ExitCode::FAILURE
}

/// Pretty JSON of `value`, then exit 1: the failure documents above.
fn print_failure_json<T: serde::Serialize>(value: &T) -> ExitCode {
    match serde_json::to_string_pretty(value) {
        Ok(text) => print_failure(&text),
        Err(e) => Outcome::Failed(CliError::core(
            ErrorCode::Internal,
            format!("could not serialize the result: {e}"),
        ))
        .finish(),
    }
}

/// The system clock in Unix seconds (0 before 1970).
/// A whole text document from a file, or from standard input for `-`/absent. I/O failures are
/// [`INPUT_UNAVAILABLE`]; text that is not UTF-8 is `INVALID_INPUT`.
fn read_document(source: Option<&str>, what: &str) -> Result<String, CliError> {
    let (bytes, name) = match source {
        Some(path) if path != "-" => (
            std::fs::read(path).map_err(|e| {
                CliError::new(
                    INPUT_UNAVAILABLE,
                    format!("cannot read the {what} {path:?}: {e}"),
                )
            })?,
            format!("{path:?}"),
        ),
        _ => {
            let mut bytes = Vec::new();
            std::io::stdin()
                .lock()
                .read_to_end(&mut bytes)
                .map_err(|e| {
                    CliError::new(
                        INPUT_UNAVAILABLE,
                        format!("cannot read the {what} from standard input: {e}"),
                    )
                })?;
            (bytes, "standard input".to_owned())
        }
    };
    String::from_utf8(bytes).map_err(|_| {
        CliError::core(
            ErrorCode::InvalidInput,
            format!("the {what} ({name}) is not UTF-8"),
        )
    })
}
