//! One error type with stable codes.
//!
//! Every failure of the core carries an [`ErrorCode`] — a SCREAMING_SNAKE_CASE string that is part of the
//! public contract of every binding (JS `GrantexError.code`, Python exception `code`, Go sentinel errors,
//! C status numbers) — and a human-readable message that is informative only and may change.
//!
//! The table below is the single place where the codes are documented. Numbers are the C ABI status values;
//! they are stable too.
//!
//! | # | code | raised when |
//! |---|---|---|
//! | 1 | `MALFORMED_TOKEN` | not three base64url segments, bad base64url, header/payload not a JSON object, duplicate JSON member |
//! | 2 | `TOKEN_TOO_LARGE` | the compact token is longer than the configured limit (default 16 KiB) |
//! | 3 | `UNSUPPORTED_ALGORITHM` | `alg` missing, `none`, HMAC, unknown, or not in the caller's allow-list |
//! | 4 | `UNKNOWN_KEY` | no usable key for the header's `kid`/`alg`, or more than one candidate |
//! | 5 | `INVALID_KEY` | the selected key cannot be used (too small, malformed, wrong curve) |
//! | 6 | `INVALID_SIGNATURE` | the signature does not verify |
//! | 7 | `UNSUPPORTED_CRITICAL_HEADER` | the header has a `crit` entry this library does not understand |
//! | 8 | `WRONG_TOKEN_TYPE` | `typ` or payload shape says this is another kind of JWT (VC, SD-JWT, session) |
//! | 9 | `MISSING_CLAIM` | a required claim is absent |
//! | 10 | `INVALID_CLAIM` | a claim has the wrong JSON type or an impossible value |
//! | 11 | `EXPIRED` | `now ≥ exp + leeway` |
//! | 12 | `NOT_YET_VALID` | `now + leeway < nbf` |
//! | 13 | `ISSUED_IN_FUTURE` | `iat > now + leeway` |
//! | 14 | `INVALID_ISSUER` | `iss` differs from the expected issuer |
//! | 15 | `INVALID_AUDIENCE` | expected audience absent from `aud`, or `aud` present while none is expected |
//! | 16 | `INSUFFICIENT_SCOPE` | a required scope is not granted (the message lists all missing scopes) |
//! | 17 | `DELEGATION_DEPTH_EXCEEDED` | `delegationDepth` above the caller's maximum |
//! | 18 | `REVOKED` | a status list marks the token or credential revoked |
//! | 19 | `INVALID_JWKS` | the key set document is not a JWKS |
//! | 20 | `INVALID_OPTIONS` | the caller's options are inconsistent (e.g. no issuer and no explicit opt-out) |
//! | 21 | `INVALID_SCOPE` | a scope string does not follow `resource:action[:constraint]` |
//! | 22 | `INVALID_DISCLOSURE` | an SD-JWT disclosure is malformed, unreferenced or forbidden |
//! | 23 | `DUPLICATE_DISCLOSURE` | the same SD-JWT disclosure or digest appears twice |
//! | 24 | `KEY_BINDING_REQUIRED` | key binding was required but the presentation has none |
//! | 25 | `INVALID_KEY_BINDING` | the key-binding JWT fails a check (signature, `sd_hash`, nonce, audience, time) |
//! | 26 | `INVALID_CREDENTIAL` | a VC-JWT or SD-JWT credential fails a structural or content check |
//! | 27 | `UNTRUSTED_ISSUER` | the credential issuer is not in the trusted list |
//! | 28 | `STATUS_UNAVAILABLE` | the status list needed for a decision is missing, stale or invalid |
//! | 29 | `INVALID_STATUS_LIST` | a status list cannot be decoded or exceeds its size bounds |
//! | 30 | `INVALID_DID` | a DID or DID document is malformed or names no usable key |
//! | 31 | `BROKEN_CHAIN` | an audit-log hash chain does not verify |
//! | 32 | `INVALID_INPUT` | an API request (JSON form) is not well formed |
//! | 33 | `INTERNAL` | a bug: an invariant of this library failed (never expected) |
//! | 34 | `JWKS_UNAVAILABLE` | raised by binding and tool I/O layers only (never by the core): the key set could not be fetched or read |

use core::fmt;
use serde::{Deserialize, Serialize};

/// Stable, machine-readable error code. See the module documentation for the full table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum ErrorCode {
    /// The token is not a well-formed compact JWS with JSON object header and payload.
    MalformedToken,
    /// The token exceeds the configured size limit.
    TokenTooLarge,
    /// The `alg` is missing, forbidden, unknown or not allowed by the caller.
    UnsupportedAlgorithm,
    /// No single usable key matches the token header.
    UnknownKey,
    /// The selected key cannot be used.
    InvalidKey,
    /// The signature does not verify.
    InvalidSignature,
    /// The header names a critical extension this library does not implement.
    UnsupportedCriticalHeader,
    /// The token is another kind of JWT than the one being verified.
    WrongTokenType,
    /// A required claim is absent.
    MissingClaim,
    /// A claim has the wrong type or an impossible value.
    InvalidClaim,
    /// The token has expired.
    Expired,
    /// The token is not valid yet (`nbf`).
    NotYetValid,
    /// The token claims to be issued in the future (`iat`).
    IssuedInFuture,
    /// The issuer differs from the expected one.
    InvalidIssuer,
    /// The audience does not match.
    InvalidAudience,
    /// A required scope is missing.
    InsufficientScope,
    /// The delegation chain is deeper than allowed.
    DelegationDepthExceeded,
    /// A status list marks the token or credential revoked.
    Revoked,
    /// The key set document is not a valid JWKS.
    InvalidJwks,
    /// The caller's options are inconsistent or incomplete.
    InvalidOptions,
    /// A scope string is not valid under the scope grammar.
    InvalidScope,
    /// An SD-JWT disclosure is malformed, unreferenced or forbidden.
    InvalidDisclosure,
    /// An SD-JWT disclosure or digest appears more than once.
    DuplicateDisclosure,
    /// Key binding was required but is absent.
    KeyBindingRequired,
    /// The key-binding JWT is invalid.
    InvalidKeyBinding,
    /// A credential fails a structural or content check.
    InvalidCredential,
    /// The credential issuer is not trusted.
    UntrustedIssuer,
    /// A status list needed for a decision is unavailable or stale.
    StatusUnavailable,
    /// A status list cannot be decoded or is too large.
    InvalidStatusList,
    /// A DID or DID document is malformed or has no usable key.
    InvalidDid,
    /// An audit hash chain is broken.
    BrokenChain,
    /// A JSON API request is not well formed.
    InvalidInput,
    /// An internal invariant failed; this is a bug.
    Internal,
    /// The key set could not be fetched or read. Raised by the I/O layers of bindings and tools (the core
    /// performs no I/O) so that every runtime reports the same code.
    JwksUnavailable,
}

impl ErrorCode {
    /// Every code, in the order of the documentation table (index + 1 = C status number).
    pub const ALL: [ErrorCode; 34] = [
        ErrorCode::MalformedToken,
        ErrorCode::TokenTooLarge,
        ErrorCode::UnsupportedAlgorithm,
        ErrorCode::UnknownKey,
        ErrorCode::InvalidKey,
        ErrorCode::InvalidSignature,
        ErrorCode::UnsupportedCriticalHeader,
        ErrorCode::WrongTokenType,
        ErrorCode::MissingClaim,
        ErrorCode::InvalidClaim,
        ErrorCode::Expired,
        ErrorCode::NotYetValid,
        ErrorCode::IssuedInFuture,
        ErrorCode::InvalidIssuer,
        ErrorCode::InvalidAudience,
        ErrorCode::InsufficientScope,
        ErrorCode::DelegationDepthExceeded,
        ErrorCode::Revoked,
        ErrorCode::InvalidJwks,
        ErrorCode::InvalidOptions,
        ErrorCode::InvalidScope,
        ErrorCode::InvalidDisclosure,
        ErrorCode::DuplicateDisclosure,
        ErrorCode::KeyBindingRequired,
        ErrorCode::InvalidKeyBinding,
        ErrorCode::InvalidCredential,
        ErrorCode::UntrustedIssuer,
        ErrorCode::StatusUnavailable,
        ErrorCode::InvalidStatusList,
        ErrorCode::InvalidDid,
        ErrorCode::BrokenChain,
        ErrorCode::InvalidInput,
        ErrorCode::Internal,
        ErrorCode::JwksUnavailable,
    ];

    /// The stable string form, e.g. `"INVALID_SIGNATURE"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorCode::MalformedToken => "MALFORMED_TOKEN",
            ErrorCode::TokenTooLarge => "TOKEN_TOO_LARGE",
            ErrorCode::UnsupportedAlgorithm => "UNSUPPORTED_ALGORITHM",
            ErrorCode::UnknownKey => "UNKNOWN_KEY",
            ErrorCode::InvalidKey => "INVALID_KEY",
            ErrorCode::InvalidSignature => "INVALID_SIGNATURE",
            ErrorCode::UnsupportedCriticalHeader => "UNSUPPORTED_CRITICAL_HEADER",
            ErrorCode::WrongTokenType => "WRONG_TOKEN_TYPE",
            ErrorCode::MissingClaim => "MISSING_CLAIM",
            ErrorCode::InvalidClaim => "INVALID_CLAIM",
            ErrorCode::Expired => "EXPIRED",
            ErrorCode::NotYetValid => "NOT_YET_VALID",
            ErrorCode::IssuedInFuture => "ISSUED_IN_FUTURE",
            ErrorCode::InvalidIssuer => "INVALID_ISSUER",
            ErrorCode::InvalidAudience => "INVALID_AUDIENCE",
            ErrorCode::InsufficientScope => "INSUFFICIENT_SCOPE",
            ErrorCode::DelegationDepthExceeded => "DELEGATION_DEPTH_EXCEEDED",
            ErrorCode::Revoked => "REVOKED",
            ErrorCode::InvalidJwks => "INVALID_JWKS",
            ErrorCode::InvalidOptions => "INVALID_OPTIONS",
            ErrorCode::InvalidScope => "INVALID_SCOPE",
            ErrorCode::InvalidDisclosure => "INVALID_DISCLOSURE",
            ErrorCode::DuplicateDisclosure => "DUPLICATE_DISCLOSURE",
            ErrorCode::KeyBindingRequired => "KEY_BINDING_REQUIRED",
            ErrorCode::InvalidKeyBinding => "INVALID_KEY_BINDING",
            ErrorCode::InvalidCredential => "INVALID_CREDENTIAL",
            ErrorCode::UntrustedIssuer => "UNTRUSTED_ISSUER",
            ErrorCode::StatusUnavailable => "STATUS_UNAVAILABLE",
            ErrorCode::InvalidStatusList => "INVALID_STATUS_LIST",
            ErrorCode::InvalidDid => "INVALID_DID",
            ErrorCode::BrokenChain => "BROKEN_CHAIN",
            ErrorCode::InvalidInput => "INVALID_INPUT",
            ErrorCode::Internal => "INTERNAL",
            ErrorCode::JwksUnavailable => "JWKS_UNAVAILABLE",
        }
    }

    /// The C ABI status number of this code (1-based position in [`ErrorCode::ALL`]; 0 means success).
    pub fn number(self) -> i32 {
        let mut n: i32 = 1;
        for code in ErrorCode::ALL {
            if code == self {
                return n;
            }
            n += 1;
        }
        n
    }

    /// Parses the string form back into a code.
    pub fn parse(code: &str) -> Option<ErrorCode> {
        ErrorCode::ALL.into_iter().find(|c| c.as_str() == code)
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A failure with a stable [`ErrorCode`] and an informative message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Error {
    /// The stable code; compare on this, never on the message.
    pub code: ErrorCode,
    /// A human-readable explanation (not part of the stable contract).
    pub message: String,
}

impl Error {
    /// Builds an error from a code and a message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Error {
            code,
            message: message.into(),
        }
    }

    /// Shorthand for a [`ErrorCode::MalformedToken`] error.
    pub fn malformed(message: impl Into<String>) -> Self {
        Error::new(ErrorCode::MalformedToken, message)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for Error {}

/// Result alias used throughout the core.
pub type Result<T, E = Error> = core::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_numbers_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for code in ErrorCode::ALL {
            assert_eq!(ErrorCode::parse(code.as_str()), Some(code));
            let json = serde_json::to_string(&code).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
            assert!(seen.insert(code.number()));
        }
        assert_eq!(ErrorCode::MalformedToken.number(), 1);
        assert_eq!(ErrorCode::Internal.number(), 33);
    }
}
