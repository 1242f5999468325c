//! Where tokens and key documents come from: an argument, a file, an http(s) URL or standard input.

use super::{CliError, INPUT_UNAVAILABLE, JWKS_UNAVAILABLE, fetch};
use grantex_core::ErrorCode;
use grantex_core::jwk::MAX_JWKS_BYTES;
use std::io::{IsTerminal, Read};

/// True when `source` names an `http://` or `https://` URL (scheme compared case-insensitively).
pub(crate) fn is_url(source: &str) -> bool {
    let scheme_end = source.find("://").unwrap_or(0);
    let scheme = source.get(..scheme_end).unwrap_or("");
    scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https")
}

/// True when standard input was left to the terminal while the command would read from it with no
/// argument given: the caller turns this into a usage error instead of waiting for typing.
pub(crate) fn stdin_is_interactive(arg: Option<&str>) -> bool {
    arg.is_none() && std::io::stdin().is_terminal()
}

/// The token from the argument or standard input (`-` or absent), surrounding whitespace trimmed.
pub(crate) fn read_token(arg: Option<&str>) -> Result<String, CliError> {
    match arg {
        Some(token) if token != "-" => Ok(token.trim().to_owned()),
        _ => {
            // Read a little more than any acceptable token so that an oversized one still gets
            // TOKEN_TOO_LARGE from the core rather than an unbounded read.
            let limit = grantex_core::jws::DEFAULT_MAX_TOKEN_BYTES.saturating_mul(64) as u64;
            let mut bytes = Vec::new();
            std::io::stdin()
                .lock()
                .take(limit)
                .read_to_end(&mut bytes)
                .map_err(|e| {
                    CliError::new(
                        INPUT_UNAVAILABLE,
                        format!("cannot read the token from standard input: {e}"),
                    )
                })?;
            let text = String::from_utf8(bytes).map_err(|_| {
                CliError::core(
                    ErrorCode::MalformedToken,
                    "the token on standard input is not UTF-8",
                )
            })?;
            Ok(text.trim().to_owned())
        }
    }
}

/// A JWKS or JWK document from an http(s) URL, a file, or standard input (`-` or absent).
/// Reading fails with [`JWKS_UNAVAILABLE`]; at most 1 MiB is accepted.
pub(crate) fn read_key_document(source: Option<&str>) -> Result<String, CliError> {
    match source {
        Some(url) if is_url(url) => fetch::fetch_jwks(url),
        Some(path) if path != "-" => {
            let file = std::fs::File::open(path).map_err(|e| {
                CliError::new(JWKS_UNAVAILABLE, format!("cannot open {path:?}: {e}"))
            })?;
            read_bounded(file, &format!("{path:?}"))
        }
        _ => read_bounded(std::io::stdin().lock(), "standard input"),
    }
}

fn read_bounded(reader: impl Read, what: &str) -> Result<String, CliError> {
    let mut bytes = Vec::new();
    reader
        .take(MAX_JWKS_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| CliError::new(JWKS_UNAVAILABLE, format!("cannot read {what}: {e}")))?;
    if bytes.len() > MAX_JWKS_BYTES {
        return Err(CliError::new(
            JWKS_UNAVAILABLE,
            format!("{what} is larger than 1 MiB"),
        ));
    }
    String::from_utf8(bytes)
        .map_err(|_| CliError::core(ErrorCode::InvalidJwks, format!("{what} is not UTF-8")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_recognised_by_scheme() {
        assert!(is_url("https://grantex.dev/.well-known/jwks.json"));
        assert!(is_url("HTTP://127.0.0.1:3001/jwks"));
        assert!(!is_url("jwks.json"));
        assert!(!is_url("./https/jwks.json"));
        assert!(!is_url("file:///tmp/jwks.json"));
        assert!(!is_url("-"));
    }
}
