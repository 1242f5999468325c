//! The call/answer contract every binding uses, in typed and JSON form.
//!
//! Bindings with good types (Rust, napi, pyo3) call the typed functions; FFI-shaped bindings (C, Go, wasm
//! hot paths) may pass JSON text and get JSON text back. Both forms run the same code, so every runtime
//! reaches the same verdict and error code on the same input.
//!
//! **JSON answers** have one of two shapes:
//! ```json
//! {"ok":true,"value":{…}}
//! {"ok":false,"error":{"code":"INVALID_SIGNATURE","message":"…"}}
//! ```
//!
//! **Grant-token options** (`VerifyOptionsJson`, camelCase; unknown fields are rejected so that a typo
//! such as `requiredScope` cannot silently disable a check):
//! `now` (required, Unix seconds), `issuer` | `anyIssuer: true` | derived from `jwksUri`/`issuerDid`
//! (PROTOCOL.md §4.2), `audience` (string or array) | `anyAudience: true`, `requiredScopes`,
//! `clockTolerance` (seconds; alias `leeway`), `maxDelegationDepth`, `algorithms` (default `["RS256"]`),
//! `maxTokenBytes`.

use crate::crypto::Algorithm;
use crate::error::{Error, ErrorCode, Result};
use crate::grant::{AudiencePolicy, IssuerPolicy, VerifyOptions};
use crate::jwk::KeySet;
use crate::jws::DEFAULT_MAX_TOKEN_BYTES;
use serde::{Deserialize, Serialize};

pub use crate::grant::{IssuerResolution, VerifiedGrant, resolve_issuer, verify_grant_token};

/// A JSON answer: `{"ok":true,"value":…}` or `{"ok":false,"error":{…}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Answer<T> {
    /// Success.
    Ok {
        /// Always `true`.
        ok: True,
        /// The result.
        value: T,
    },
    /// Failure.
    Err {
        /// Always `false`.
        ok: False,
        /// The error with its stable code.
        error: Error,
    },
}

/// The JSON literal `true` (for [`Answer`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct True;
/// The JSON literal `false` (for [`Answer`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct False;

macro_rules! json_bool_literal {
    ($ty:ident, $value:expr) => {
        impl Serialize for $ty {
            fn serialize<S: serde::Serializer>(
                &self,
                s: S,
            ) -> core::result::Result<S::Ok, S::Error> {
                s.serialize_bool($value)
            }
        }
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(
                d: D,
            ) -> core::result::Result<Self, D::Error> {
                if bool::deserialize(d)? == $value {
                    Ok($ty)
                } else {
                    Err(serde::de::Error::custom(concat!(
                        "expected ",
                        stringify!($value)
                    )))
                }
            }
        }
    };
}
json_bool_literal!(True, true);
json_bool_literal!(False, false);

impl<T> From<Result<T>> for Answer<T> {
    fn from(result: Result<T>) -> Self {
        match result {
            Ok(value) => Answer::Ok { ok: True, value },
            Err(error) => Answer::Err { ok: False, error },
        }
    }
}

impl<T> Answer<T> {
    /// Converts back into a `Result`.
    pub fn into_result(self) -> Result<T> {
        match self {
            Answer::Ok { value, .. } => Ok(value),
            Answer::Err { error, .. } => Err(error),
        }
    }
}

impl<T: Serialize> Answer<T> {
    /// Serializes the answer. Never fails: a serialization failure (impossible for our types) becomes an
    /// `INTERNAL` error answer.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|e| {
            format!(
                r#"{{"ok":false,"error":{{"code":"INTERNAL","message":{}}}}}"#,
                serde_json::Value::String(format!("could not serialize the answer: {e}"))
            )
        })
    }
}

/// Serializes a result as a JSON answer.
pub fn answer_json<T: Serialize>(result: Result<T>) -> String {
    Answer::from(result).to_json()
}

/// One expected audience or several.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    /// A single string.
    One(String),
    /// A list of strings.
    Many(Vec<String>),
}

/// JSON form of [`VerifyOptions`]; see the module documentation for the fields.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VerifyOptionsJson {
    /// Current time, Unix seconds (required: the core never reads the clock).
    pub now: Option<u64>,
    /// Expected issuer.
    pub issuer: Option<String>,
    /// Accept any issuer (explicit opt-out).
    #[serde(default)]
    pub any_issuer: bool,
    /// JWKS URL, used only to derive the issuer when `issuer` is absent (PROTOCOL.md §4.2).
    pub jwks_uri: Option<String>,
    /// Issuer DID (`did:web:…`), used to derive the issuer when `issuer` is absent.
    pub issuer_did: Option<String>,
    /// Expected audience(s).
    pub audience: Option<OneOrMany>,
    /// Accept any audience (explicit opt-out, the upstream SDKs' default).
    #[serde(default)]
    pub any_audience: bool,
    /// Scopes that must all be granted.
    #[serde(default)]
    pub required_scopes: Vec<String>,
    /// Clock skew tolerance in seconds.
    #[serde(alias = "leeway")]
    pub clock_tolerance: Option<u64>,
    /// Maximum delegation depth.
    pub max_delegation_depth: Option<u32>,
    /// Accepted algorithms by JOSE name.
    pub algorithms: Option<Vec<String>>,
    /// Maximum token size in bytes.
    pub max_token_bytes: Option<usize>,
}

fn invalid_options(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::InvalidOptions, message)
}

impl VerifyOptionsJson {
    /// Validates and converts into typed options.
    pub fn into_options(self) -> Result<VerifyOptions> {
        let now = self
            .now
            .ok_or_else(|| invalid_options("\"now\" (Unix seconds) is required"))?;
        let issuer = match (self.issuer, self.any_issuer) {
            (Some(_), true) => {
                return Err(invalid_options(
                    "give either \"issuer\" or \"anyIssuer\", not both",
                ));
            }
            (None, true) => IssuerPolicy::Any,
            (Some(issuer), false) => IssuerPolicy::Expect(issuer),
            (None, false) => {
                if self.jwks_uri.is_none() && self.issuer_did.is_none() {
                    return Err(invalid_options(
                        "an expected issuer is required: give \"issuer\", \"jwksUri\", \"issuerDid\" or \"anyIssuer\": true",
                    ));
                }
                let resolved = crate::grant::resolve_issuer(
                    self.jwks_uri.as_deref(),
                    None,
                    self.issuer_did.as_deref(),
                )?;
                IssuerPolicy::Expect(resolved.issuer)
            }
        };
        let audience = match (self.audience, self.any_audience) {
            (Some(_), true) => {
                return Err(invalid_options(
                    "give either \"audience\" or \"anyAudience\", not both",
                ));
            }
            (None, true) => AudiencePolicy::Any,
            (None, false) => AudiencePolicy::RejectIfPresent,
            (Some(OneOrMany::One(a)), false) => AudiencePolicy::Expect(vec![a]),
            (Some(OneOrMany::Many(list)), false) if !list.is_empty() => {
                AudiencePolicy::Expect(list)
            }
            (Some(OneOrMany::Many(_)), false) => {
                return Err(invalid_options("\"audience\" must not be empty"));
            }
        };
        let algorithms = match self.algorithms {
            None => vec![Algorithm::RS256],
            Some(names) if names.is_empty() => {
                return Err(invalid_options("\"algorithms\" must not be empty"));
            }
            Some(names) => names
                .iter()
                .map(|n| {
                    Algorithm::from_name(n)
                        .ok_or_else(|| invalid_options(format!("unknown algorithm {n:?}")))
                })
                .collect::<Result<Vec<_>>>()?,
        };
        Ok(VerifyOptions {
            issuer,
            audience,
            required_scopes: self.required_scopes,
            leeway: self.clock_tolerance.unwrap_or(0),
            now,
            max_delegation_depth: self.max_delegation_depth,
            algorithms,
            max_token_bytes: self.max_token_bytes.unwrap_or(DEFAULT_MAX_TOKEN_BYTES),
        })
    }
}

/// Parses options given as JSON text.
pub fn parse_verify_options(json: &str) -> Result<VerifyOptions> {
    let raw: VerifyOptionsJson = serde_json::from_str(json)
        .map_err(|e| invalid_options(format!("options are not valid: {e}")))?;
    raw.into_options()
}

/// A self-contained grant-token verification request (JSON form).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VerifyGrantTokenRequest {
    /// The JWKS document.
    pub jwks: serde_json::Value,
    /// The compact grant token.
    pub token: String,
    /// Options (see [`VerifyOptionsJson`]).
    pub options: serde_json::Value,
}

/// Verifies with an already built key set; options and answer as JSON.
pub fn verify_grant_token_with_keys_json(keys: &KeySet, token: &str, options_json: &str) -> String {
    answer_json(
        parse_verify_options(options_json).and_then(|o| verify_grant_token(keys, token, &o)),
    )
}

/// Verifies a self-contained request `{"jwks":…,"token":…,"options":…}`; answer as JSON.
pub fn verify_grant_token_json(request_json: &str) -> String {
    answer_json(verify_grant_token_request(request_json))
}

fn verify_grant_token_request(request_json: &str) -> Result<VerifiedGrant> {
    let request: VerifyGrantTokenRequest = serde_json::from_str(request_json).map_err(|e| {
        Error::new(
            ErrorCode::InvalidInput,
            format!("request is not valid: {e}"),
        )
    })?;
    let options: VerifyOptionsJson = serde_json::from_value(request.options)
        .map_err(|e| invalid_options(format!("options are not valid: {e}")))?;
    let options = options.into_options()?;
    let serde_json::Value::Object(jwks) = &request.jwks else {
        return Err(Error::new(
            ErrorCode::InvalidJwks,
            "\"jwks\" must be a JWKS object",
        ));
    };
    let keys = KeySet::from_jwks_map(jwks, crate::crypto::Backend::DEFAULT)?;
    verify_grant_token(&keys, &request.token, &options)
}

/// RFC 7638 thumbprint of a JWK given as JSON; answer as JSON (`value` is the thumbprint string).
pub fn jwk_thumbprint_json(jwk_json: &str) -> String {
    answer_json(crate::jwk::thumbprint(jwk_json))
}

/// Header and payload of a token WITHOUT verification; answer `{"header":…,"payload":…,"verified":false}`.
pub fn decode_unverified_json(token: &str) -> String {
    answer_json(
        crate::jws::decode_unverified(token, DEFAULT_MAX_TOKEN_BYTES).map(
            |u| serde_json::json!({ "header": u.header, "payload": u.payload, "verified": false }),
        ),
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn answers_have_the_documented_shape() {
        assert_eq!(answer_json(Ok(1)), r#"{"ok":true,"value":1}"#);
        let err: Result<u8> = Err(Error::new(ErrorCode::Expired, "x"));
        assert_eq!(
            answer_json(err),
            r#"{"ok":false,"error":{"code":"EXPIRED","message":"x"}}"#
        );
        let back: Answer<u8> =
            serde_json::from_str(r#"{"ok":false,"error":{"code":"EXPIRED","message":"x"}}"#)
                .unwrap();
        assert_eq!(back.into_result().unwrap_err().code, ErrorCode::Expired);
    }

    #[test]
    fn options_fail_closed() {
        let code = |j: &str| parse_verify_options(j).unwrap_err().code;
        assert_eq!(code(r#"{"issuer":"x"}"#), ErrorCode::InvalidOptions);
        assert_eq!(code(r#"{"now":1}"#), ErrorCode::InvalidOptions);
        assert_eq!(
            code(r#"{"now":1,"issuer":"x","requiredScope":["a"]}"#),
            ErrorCode::InvalidOptions
        );
        assert_eq!(
            code(r#"{"now":1,"issuer":"x","anyIssuer":true}"#),
            ErrorCode::InvalidOptions
        );
        assert_eq!(
            code(r#"{"now":1,"issuer":"x","audience":"a","anyAudience":true}"#),
            ErrorCode::InvalidOptions
        );
        assert_eq!(
            code(r#"{"now":1,"issuer":"x","algorithms":["HS256"]}"#),
            ErrorCode::InvalidOptions
        );
        let o = parse_verify_options(
            r#"{"now":5,"jwksUri":"http://localhost:3001/.well-known/jwks.json","leeway":3}"#,
        )
        .unwrap();
        assert_eq!(
            o.issuer,
            IssuerPolicy::Expect("http://localhost:3001".into())
        );
        assert_eq!(o.leeway, 3);
    }
}
