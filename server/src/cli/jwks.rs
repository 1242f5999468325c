//! `grantex jwks …`: key-set inspection.

use super::{CliError, Outcome, input, pretty_json, usage_error};
use grantex_core::ErrorCode;
use grantex_core::crypto::Backend;
use grantex_core::jwk::{KeyInfo, KeySet};
use serde_json::{Map, Value};

const THUMBPRINT_AFTER_HELP: &str = "\
Input: a single JWK ({\"kty\":…}) or a JWKS ({\"keys\":[…]}), from a file, an http(s) URL or
standard input (`-` or absent).

Output for a single JWK: its thumbprint. Output for a JWKS: one line per key,
  <thumbprint>  kid=<kid or ->  <alg or ->[  UNUSABLE: <reason>]
where a key this library would not verify with (wrong `use`, small RSA modulus, private members,
unsupported type, …) is marked UNUSABLE. With --json: a JSON array of
{\"kid\",\"thumbprint\",\"alg\",\"unusable\"} objects, for a JWKS or a single JWK.

Examples:
  grantex jwks thumbprint jwks.json
  grantex jwks thumbprint https://api.grantex.dev/.well-known/jwks.json
  curl -s http://localhost:3001/.well-known/jwks.json | grantex jwks thumbprint --json";

/// `grantex jwks` subcommands.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum Command {
    /// Print the RFC 7638 SHA-256 thumbprint of a JWK, or of every key of a JWKS.
    #[command(after_help = THUMBPRINT_AFTER_HELP)]
    Thumbprint(ThumbprintArgs),
}

/// Arguments of `grantex jwks thumbprint`.
#[derive(Debug, clap::Args)]
pub(crate) struct ThumbprintArgs {
    /// Print a JSON array of {kid, thumbprint, alg, unusable} objects
    #[arg(long)]
    json: bool,

    /// JWK or JWKS document: a file, an http(s) URL, or `-`/absent for standard input
    #[arg(value_name = "FILE|URL|-")]
    source: Option<String>,
}

/// Runs a `grantex jwks` subcommand.
pub(crate) fn run(command: Command) -> Outcome {
    match command {
        Command::Thumbprint(args) => thumbprint(args),
    }
}

/// What the document turned out to be.
enum Document {
    SingleKey(KeyInfo),
    KeySet(Vec<KeyInfo>),
}

fn load(text: &str) -> Result<Document, CliError> {
    let map = grantex_core::json::parse_object_strict(text.as_bytes()).map_err(|e| {
        CliError::core(
            ErrorCode::InvalidJwks,
            format!("the document is not a JSON object: {e}"),
        )
    })?;
    if map.contains_key("keys") {
        let keys = KeySet::from_jwks_map(&map, Backend::DEFAULT)?;
        return Ok(Document::KeySet(keys.keys()));
    }
    if !map.contains_key("kty") {
        return Err(CliError::core(
            ErrorCode::InvalidJwks,
            "the document is neither a JWK (no \"kty\") nor a JWKS (no \"keys\")",
        ));
    }
    // Wrapping the key in a set keeps unusable-but-well-formed keys (private members, `use: enc`, …):
    // their thumbprint is still defined.
    let mut wrapper = Map::new();
    wrapper.insert("keys".to_owned(), Value::Array(vec![Value::Object(map)]));
    let keys = KeySet::from_jwks_map(&wrapper, Backend::DEFAULT)?;
    match keys.keys().into_iter().next() {
        Some(info) => Ok(Document::SingleKey(info)),
        None => Err(CliError::core(
            ErrorCode::Internal,
            "a one-key set has no key",
        )),
    }
}

/// Text shown for a `kid`: as is when it is plain, as a JSON string when it has spaces or control
/// characters (so that a crafted `kid` cannot fake extra columns or lines).
fn display_kid(kid: Option<&str>) -> String {
    match kid {
        None => "-".to_owned(),
        Some(k) if !k.is_empty() && !k.chars().any(|c| c.is_whitespace() || c.is_control()) => {
            k.to_owned()
        }
        Some(k) => Value::String(k.to_owned()).to_string(),
    }
}

fn line(info: &KeyInfo) -> String {
    let mut line = format!(
        "{}  kid={}  {}",
        info.thumbprint.as_deref().unwrap_or("-"),
        display_kid(info.kid.as_deref()),
        info.alg.as_deref().unwrap_or("-"),
    );
    if let Some(reason) = &info.unusable {
        line.push_str("  UNUSABLE: ");
        line.push_str(&reason.replace(['\n', '\r'], " "));
    }
    line
}

fn thumbprint(args: ThumbprintArgs) -> Outcome {
    if input::stdin_is_interactive(args.source.as_deref()) {
        return usage_error(
            &["jwks", "thumbprint"],
            "no key: pass FILE or URL, or pipe a JWK/JWKS on standard input",
        );
    }
    let document =
        match input::read_key_document(args.source.as_deref()).and_then(|text| load(&text)) {
            Ok(document) => document,
            Err(e) => return e.into(),
        };
    match (document, args.json) {
        (Document::SingleKey(info), true) => pretty_json(&[info]),
        (Document::KeySet(keys), true) => pretty_json(&keys),
        (Document::SingleKey(info), false) => match info.thumbprint {
            Some(thumbprint) => {
                if let Some(reason) = &info.unusable {
                    eprintln!("warning: this key cannot verify signatures: {reason}");
                }
                Outcome::Print(thumbprint)
            }
            None => CliError::core(
                ErrorCode::InvalidKey,
                info.unusable
                    .unwrap_or_else(|| "the key has no thumbprint".to_owned()),
            )
            .into(),
        },
        (Document::KeySet(keys), false) => {
            if keys.is_empty() {
                eprintln!("note: the JWKS has no keys");
            }
            Outcome::Print(keys.iter().map(line).collect::<Vec<_>>().join("\n"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kid_display_is_one_token() {
        assert_eq!(display_kid(None), "-");
        assert_eq!(display_kid(Some("grantex-2026-02")), "grantex-2026-02");
        assert_eq!(display_kid(Some("a b")), "\"a b\"");
        assert_eq!(display_kid(Some("x\ny")), "\"x\\ny\"");
        assert_eq!(display_kid(Some("")), "\"\"");
    }
}
