//! `grantex decode`: header and payload of a compact JWS, decoded WITHOUT any verification.

use super::{Outcome, input, pretty_json, usage_error};
use grantex_core::jws::{DEFAULT_MAX_TOKEN_BYTES, decode_unverified};
use serde::Serialize;
use serde_json::{Map, Value};

const AFTER_HELP: &str = "\
Nothing is checked: not the signature, issuer, audience, lifetime or scopes. Use `grantex verify`
before trusting any claim. When `iat`, `exp` or `nbf` are integers, `issuedAt`, `expiresAt` and
`notBefore` give them as RFC 3339 UTC times.

Examples:
  grantex decode eyJhbGciOiJSUzI1NiIs…
  echo \"$TOKEN\" | grantex decode
  grantex decode - < token.txt";

/// Arguments of `grantex decode`.
#[derive(Debug, clap::Args)]
#[command(after_help = AFTER_HELP)]
pub(crate) struct Args {
    /// The compact token; `-` or absent reads it from standard input.
    #[arg(value_name = "TOKEN")]
    token: Option<String>,
}

const WARNING: &str = "NOT VERIFIED: the signature and claims were not checked; use `grantex verify` before trusting this token";

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Decoded {
    verified: bool,
    warning: &'static str,
    header: Map<String, Value>,
    payload: Map<String, Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    issued_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expires_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    not_before: Option<String>,
}

/// RFC 3339 UTC time of an integer claim holding Unix seconds; `None` for other values or out of range.
fn rfc3339(claim: Option<&Value>) -> Option<String> {
    let seconds = claim?.as_i64()?;
    jiff::Timestamp::from_second(seconds)
        .ok()
        .map(|t| t.to_string())
}

/// Runs `grantex decode`.
pub(crate) fn run(args: Args) -> Outcome {
    if input::stdin_is_interactive(args.token.as_deref()) {
        return usage_error(
            &["decode"],
            "no token: pass TOKEN, or pipe it on standard input",
        );
    }
    let token = match input::read_token(args.token.as_deref()) {
        Ok(token) => token,
        Err(e) => return e.into(),
    };
    let unverified = match decode_unverified(&token, DEFAULT_MAX_TOKEN_BYTES) {
        Ok(u) => u,
        Err(e) => return e.into(),
    };
    let payload = unverified.payload;
    pretty_json(&Decoded {
        verified: false,
        warning: WARNING,
        issued_at: rfc3339(payload.get("iat")),
        expires_at: rfc3339(payload.get("exp")),
        not_before: rfc3339(payload.get("nbf")),
        header: unverified.header,
        payload,
    })
}

#[cfg(test)]
mod tests {
    use super::rfc3339;
    use serde_json::json;

    #[test]
    fn integer_times_become_rfc3339() {
        assert_eq!(
            rfc3339(Some(&json!(1767225600))).as_deref(),
            Some("2026-01-01T00:00:00Z")
        );
        assert_eq!(
            rfc3339(Some(&json!(0))).as_deref(),
            Some("1970-01-01T00:00:00Z")
        );
        assert_eq!(rfc3339(Some(&json!(1.5))), None);
        assert_eq!(rfc3339(Some(&json!("1767225600"))), None);
        assert_eq!(rfc3339(Some(&json!(u64::MAX))), None);
        assert_eq!(rfc3339(None), None);
    }
}
