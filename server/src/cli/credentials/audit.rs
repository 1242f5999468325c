//! `grantex audit verify`: offline verification of an audit-log hash chain (PROTOCOL.md §8.6).

use super::{print_failure_json, read_document};
use crate::cli::{CliError, Outcome, input, pretty_json, usage_error};
use grantex_core::ErrorCode;
use grantex_core::audit::canonical::{self, JsValue};
use grantex_core::audit::{ChainReport, verify_chain_json};
use std::process::ExitCode;

const VERIFY_AFTER_HELP: &str = "\
Input: a JSON array of audit entries, or an object with an `entries` array (upstream's
GET /v1/audit/entries answer), from a file or standard input (`-` or absent). Entries must be one
developer's, in chain order (timestamp, then id, ascending). The JSON is read with JavaScript's
JSON.parse semantics (number spellings, duplicate metadata members and lone surrogates hash exactly
as the server hashed them).

Each entry's prevHash must equal the previous entry's hash (the first entry's is not checked, so any
contiguous window verifies), and its hash must match its content under the current layout or a
legacy one.

Output: the chain report {valid, checkedEntries, firstBrokenAt, firstBrokenIndex, reason} as JSON,
exit 0 when the chain is valid and exit 1 when it is broken (reason `link` or `content`). Input that
is not an entry list is {\"error\":{\"code\":\"INVALID_INPUT\",…}} on one line (exit 1).

Examples:
  grantex audit verify audit-entries.json
  curl -s -H \"Authorization: Bearer $API_KEY\" https://api.grantex.dev/v1/audit/entries | grantex audit verify";

/// `grantex audit` subcommands.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum Command {
    /// Verify an audit-log hash chain and print the chain report as JSON.
    #[command(after_help = VERIFY_AFTER_HELP)]
    Verify(VerifyArgs),
    /// Online commands against a Grantex server: list, log, get, chain.
    #[command(flatten)]
    Online(crate::cli::client::AuditOnline),
}

/// Arguments of `grantex audit verify`.
#[derive(Debug, clap::Args)]
pub(crate) struct VerifyArgs {
    /// The entries (JSON array, or {"entries":[…]}); `-` or absent reads standard input
    #[arg(value_name = "FILE")]
    source: Option<String>,
}

/// Runs a `grantex audit` subcommand.
pub(crate) fn run(command: Command) -> ExitCode {
    match command {
        Command::Verify(args) => run_verify(args),
        Command::Online(command) => crate::cli::client::run_audit(command),
    }
}

fn run_verify(args: VerifyArgs) -> ExitCode {
    if input::stdin_is_interactive(args.source.as_deref()) {
        return usage_error(
            &["audit", "verify"],
            "no entries: pass FILE, or pipe the entries on standard input",
        )
        .finish();
    }
    let report =
        read_document(args.source.as_deref(), "audit entries").and_then(|text| verify(&text));
    match report {
        Ok(report) if report.valid => pretty_json(&report).finish(),
        Ok(report) => print_failure_json(&report),
        Err(e) => Outcome::Failed(e).finish(),
    }
}

/// Verifies the chain in `text`: an array goes to the core as is; for an object its `entries` array
/// is re-serialized with the JavaScript-exact serializer, which keeps what the hashes depend on.
fn verify(text: &str) -> Result<ChainReport, CliError> {
    if text.trim_start().starts_with('[') {
        return Ok(verify_chain_json(text)?);
    }
    let invalid = |message: &str| CliError::core(ErrorCode::InvalidInput, message);
    match canonical::parse(text)?.get("entries") {
        Some(entries @ JsValue::Array(_)) => Ok(verify_chain_json(&canonical::stringify(entries))?),
        Some(_) => Err(invalid("\"entries\" is not an array")),
        None => Err(invalid(
            "expected a JSON array of audit entries or an object with an \"entries\" array",
        )),
    }
}
