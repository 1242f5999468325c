//! `grantex vc verify`: offline VC-JWT verification (PROTOCOL.md §10.9) with caller-supplied status lists.

use super::print_failure_json;
use crate::cli::parse_algorithm;
use crate::cli::{CliError, JWKS_UNAVAILABLE, Outcome, input, pretty_json, usage_error};
use grantex_core::ErrorCode;
use grantex_core::crypto::{Algorithm, Backend};
use grantex_core::jwk::KeySet;
use grantex_core::status::{BitstringStatusList, StatusList, StatusListLimits};
use grantex_core::vc::{
    StatusListVerifyOptions, StatusSource, VcVerifyOptions, VerifiedCredential,
    upstream_verify_response, verify_credential, verify_status_list_credential,
};
use grantex_server::time::now_s;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::process::ExitCode;

const VERIFY_AFTER_HELP: &str = "\
Checks, in order: the signature against --jwks (RS256 unless --alg), `typ: JWT`, `iss` among the
--trusted-issuer DIDs (and equal to vc.issuer), vc.type (AgentGrantCredential,
DelegatedGrantCredential or AgentPassportCredential), @context, validity dates (an expiry is
required), the subject shape, then credentialStatus.

Status lists (fail closed): a revocation or suspension entry in credentialStatus is checked against
the list given with --status-list for its statusListCredential URL. Without such a list the
credential FAILS with STATUS_UNAVAILABLE (upstream treated a missing list as \"not revoked\"); pass
--no-status-check to skip the check on purpose (entries are then reported with checked:false).
A bit set in the list is REVOKED.

--status-list URL=SOURCE maps the statusListCredential URL (everything before the first `=`) to
SOURCE, a file or an http(s) URL holding one of:
  * upstream's unsigned status-list document {\"credentialSubject\":{\"type\":\"StatusList2021\",
    \"statusPurpose\":\"revocation\",\"encodedList\":\"H4sI…\"},…} (GET /v1/credentials/status/:id);
    with `type`/`statusPurpose` in the subject they are checked, statusSize is honoured;
  * a bare encodedList (base64url of the gzipped bitstring), optionally as a JSON string;
  * a signed status-list credential (VC-JWT): verified with --jwks and --trusted-issuer, and its id
    must equal URL.
A source that cannot be read or fetched is STATUS_UNAVAILABLE; one that does not decode is
INVALID_STATUS_LIST.

Output: the verified credential as JSON (exit 0), or {\"error\":{\"code\",\"message\"}} on one line
(exit 1). With --upstream-format: upstream's POST /v1/credentials/verify answer, {\"valid\":true,
\"vcId\",\"payload\",\"credentialType\",\"issuer\",\"subject\",\"expiresAt\",\"revoked\":false}
(exit 0) or {\"valid\":false,\"error\",\"code\",\"revoked\"[,\"expired\":true]} (exit 1); a key set
or status list that cannot be loaded is still reported as {\"error\":…}.

Examples:
  grantex vc verify --jwks https://api.grantex.dev/.well-known/jwks.json \\
      --trusted-issuer did:web:grantex.dev \\
      --status-list https://grantex.dev/v1/credentials/status/vcsl_01J…=https://grantex.dev/v1/credentials/status/vcsl_01J… \\
      \"$VC_JWT\"
  grantex vc verify --jwks jwks.json --trusted-issuer did:web:grantex.dev \\
      --status-list https://grantex.dev/v1/credentials/status/vcsl_01J…=status.json --now 1767225660 - < vc.txt
  grantex vc verify --jwks jwks.json --trusted-issuer did:web:grantex.dev --no-status-check --upstream-format \"$VC_JWT\"";

/// `grantex vc` subcommands.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum Command {
    /// Verify a VC-JWT credential against a JWKS and print the verified credential as JSON.
    #[command(after_help = VERIFY_AFTER_HELP)]
    Verify(VerifyArgs),
}

/// Arguments of `grantex vc verify`.
#[derive(Debug, clap::Args)]
pub(crate) struct VerifyArgs {
    /// The issuer's key set: a JWKS file, an http(s) URL, or `-` for standard input
    #[arg(long, value_name = "FILE|URL")]
    jwks: String,

    /// Issuer DID whose credentials are accepted (`iss`); repeat for several
    #[arg(long = "trusted-issuer", value_name = "DID", required = true)]
    trusted_issuers: Vec<String>,

    /// Status list for the statusListCredential URL: a file or http(s) URL; repeat for several
    #[arg(long = "status-list", value_name = "URL=FILE_OR_URL", value_parser = parse_status_mapping)]
    status_lists: Vec<(String, String)>,

    /// Do not check credentialStatus (report its entries unchecked) instead of failing without a list
    #[arg(long, conflicts_with = "status_lists")]
    no_status_check: bool,

    /// Current time in Unix seconds [default: the system clock]
    #[arg(long, value_name = "UNIX")]
    now: Option<u64>,

    /// Allowed clock skew in seconds for every time bound
    #[arg(
        long,
        visible_alias = "clock-tolerance",
        value_name = "SECONDS",
        default_value_t = 0
    )]
    leeway: u64,

    /// Accepted signature algorithm; repeat for several [default: RS256]
    #[arg(long = "alg", value_name = "ALG", value_parser = parse_algorithm)]
    algorithms: Vec<Algorithm>,

    /// Print upstream's POST /v1/credentials/verify answer ({valid, …}) instead
    #[arg(long)]
    upstream_format: bool,

    /// The compact VC-JWT; `-` or absent reads it from standard input
    #[arg(value_name = "VC_JWT")]
    credential: Option<String>,
}

/// `URL=SOURCE`, split at the first `=`.
fn parse_status_mapping(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((url, source)) if !url.is_empty() && !source.is_empty() && source != "-" => {
            Ok((url.to_owned(), source.to_owned()))
        }
        _ => Err("expected URL=FILE_OR_URL (the statusListCredential URL, `=`, a file or an http(s) URL)".to_owned()),
    }
}

/// Runs a `grantex vc` subcommand.
pub(crate) fn run(command: Command) -> ExitCode {
    match command {
        Command::Verify(args) => run_verify(args),
    }
}

fn run_verify(args: VerifyArgs) -> ExitCode {
    const PATH: [&str; 2] = ["vc", "verify"];
    if args.jwks == "-" && matches!(args.credential.as_deref(), None | Some("-")) {
        return usage_error(
            &PATH,
            "--jwks - reads the JWKS from standard input: pass the credential as an argument",
        )
        .finish();
    }
    if input::stdin_is_interactive(args.credential.as_deref()) {
        return usage_error(
            &PATH,
            "no credential: pass VC_JWT, or pipe it on standard input",
        )
        .finish();
    }
    let mut seen = std::collections::HashSet::new();
    if let Some((url, _)) = args.status_lists.iter().find(|(url, _)| !seen.insert(url)) {
        return usage_error(&PATH, format!("--status-list {url} is given twice")).finish();
    }
    let credential = match input::read_token(args.credential.as_deref()) {
        Ok(credential) => credential,
        Err(e) => return Outcome::from(e).finish(),
    };
    let mut options = VcVerifyOptions::new(args.trusted_issuers, args.now.unwrap_or_else(now_s));
    options.leeway = args.leeway;
    if !args.algorithms.is_empty() {
        options.algorithms = args.algorithms;
    }
    options.status_required = !args.no_status_check;

    let loaded = load_keys(&args.jwks).and_then(|keys| {
        let lists = load_status_lists(&args.status_lists, &keys, &options)?;
        Ok((keys, lists))
    });
    let (keys, lists) = match loaded {
        Ok(loaded) => loaded,
        Err(e) => return Outcome::Failed(e).finish(),
    };
    let source = if lists.is_empty() {
        StatusSource::None
    } else {
        StatusSource::Lists(&lists)
    };
    let result = verify_credential(&keys, &credential, &options, source);
    finish(result, args.upstream_format)
}

fn finish(result: grantex_core::Result<VerifiedCredential>, upstream_format: bool) -> ExitCode {
    match (result, upstream_format) {
        (Ok(credential), false) => pretty_json(&credential).finish(),
        (Err(e), false) => Outcome::from(e).finish(),
        (result, true) => {
            let answer = upstream_verify_response(&result);
            if result.is_ok() {
                pretty_json(&answer).finish()
            } else {
                print_failure_json(&answer)
            }
        }
    }
}

fn load_keys(source: &str) -> Result<KeySet, CliError> {
    let document = input::read_key_document(Some(source))?;
    Ok(KeySet::from_jwks_json_with_backend(
        &document,
        Backend::DEFAULT,
    )?)
}

fn load_status_lists(
    mappings: &[(String, String)],
    keys: &KeySet,
    options: &VcVerifyOptions,
) -> Result<HashMap<String, StatusList>, CliError> {
    let mut lists = HashMap::with_capacity(mappings.len());
    for (url, source) in mappings {
        let list = read_status_source(source)
            .and_then(|text| parse_status_list(&text, url, keys, options))
            .map_err(|e| CliError {
                message: format!("status list for {url}: {}", e.message),
                ..e
            })?;
        lists.insert(url.clone(), list);
    }
    Ok(lists)
}

/// The status-list document from a file or URL (at most 1 MiB, like a JWKS); read failures are
/// `STATUS_UNAVAILABLE`, text that is not UTF-8 is `INVALID_STATUS_LIST`.
fn read_status_source(source: &str) -> Result<String, CliError> {
    input::read_key_document(Some(source)).map_err(|e| {
        let message = e.message.replace("the JWKS", "the status list");
        if e.code == JWKS_UNAVAILABLE {
            CliError::core(ErrorCode::StatusUnavailable, message)
        } else {
            CliError::core(ErrorCode::InvalidStatusList, message)
        }
    })
}

fn invalid_list(message: impl Into<String>) -> CliError {
    CliError::core(ErrorCode::InvalidStatusList, message)
}

/// Decodes a status-list document (see the command's help for the accepted forms).
fn parse_status_list(
    text: &str,
    url: &str,
    keys: &KeySet,
    options: &VcVerifyOptions,
) -> Result<StatusList, CliError> {
    let text = text.trim();
    if text.starts_with('{') {
        let document = grantex_core::json::parse_object_strict(text.as_bytes())
            .map_err(|e| invalid_list(format!("not a JSON object: {e}")))?;
        let subject = match document.get("credentialSubject") {
            Some(Value::Object(subject)) => subject,
            Some(_) => return Err(invalid_list("credentialSubject is not an object")),
            None => &document,
        };
        return Ok(list_from_subject(subject)?.into());
    }
    if text.starts_with('"') {
        let encoded: String = serde_json::from_str(text)
            .map_err(|e| invalid_list(format!("not a JSON string: {e}")))?;
        return Ok(BitstringStatusList::decode(&encoded)?.into());
    }
    if text.starts_with("eyJ") && text.matches('.').count() == 2 {
        let list_options = StatusListVerifyOptions {
            algorithms: options.algorithms.clone(),
            leeway: options.leeway,
            expected_id: Some(url.to_owned()),
            max_token_bytes: grantex_core::jwk::MAX_JWKS_BYTES,
            ..StatusListVerifyOptions::new(options.trusted_issuers.clone(), options.now)
        };
        return Ok(verify_status_list_credential(keys, text, &list_options)?.into());
    }
    Ok(BitstringStatusList::decode(text)?.into())
}

/// A list from a `credentialSubject`: fully checked (type, statusPurpose) when it names its type or
/// purpose, else just its `encodedList` and optional `statusSize`.
fn list_from_subject(subject: &Map<String, Value>) -> Result<BitstringStatusList, CliError> {
    if subject.contains_key("type") || subject.contains_key("statusPurpose") {
        return Ok(BitstringStatusList::from_credential_subject(
            &Value::Object(subject.clone()),
        )?);
    }
    let encoded = match subject.get("encodedList") {
        Some(Value::String(encoded)) => encoded,
        Some(_) => return Err(invalid_list("encodedList is not a string")),
        None => return Err(invalid_list("no credentialSubject.encodedList")),
    };
    let status_size = match subject.get("statusSize") {
        None => 1,
        Some(size) => size
            .as_u64()
            .and_then(|n| u8::try_from(n).ok())
            .ok_or_else(|| invalid_list("statusSize is not an integer from 1 to 8"))?,
    };
    Ok(BitstringStatusList::decode_with(
        encoded,
        status_size,
        &StatusListLimits::default(),
    )?)
}

#[cfg(test)]
mod tests {
    use super::parse_status_mapping;

    #[test]
    fn status_mappings_split_at_the_first_equals_sign() {
        assert_eq!(
            parse_status_mapping("https://x/s/1=list=a.json"),
            Ok(("https://x/s/1".to_owned(), "list=a.json".to_owned()))
        );
        assert!(parse_status_mapping("https://x/s/1").is_err());
        assert!(parse_status_mapping("=a.json").is_err());
        assert!(parse_status_mapping("https://x/s/1=").is_err());
        assert!(parse_status_mapping("https://x/s/1=-").is_err());
    }
}
