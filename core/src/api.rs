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
        let algorithms = parse_algorithms(self.algorithms, vec![Algorithm::RS256])?;
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
    let request: VerifyGrantTokenRequest = parse_request(request_json)?;
    let options: VerifyOptionsJson = parse_options(request.options)?;
    let options = options.into_options()?;
    let keys = key_set_from_value(&request.jwks)?;
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

// ---------------------------------------------------------------------------------------------------------
// Credentials: SD-JWT, VC-JWT, status lists, audit chains.
// ---------------------------------------------------------------------------------------------------------

/// JSON form of [`crate::sdjwt::SdJwtVerifyOptions`] (camelCase; unknown fields rejected).
///
/// Key binding is required exactly when `keyBinding: {nonce, audience}` is given.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SdJwtVerifyOptionsJson {
    /// Current time, Unix seconds (required).
    pub now: Option<u64>,
    /// Expected issuer (`iss`).
    pub issuer: Option<String>,
    /// Accept any issuer (explicit opt-out).
    #[serde(default)]
    pub any_issuer: bool,
    /// Clock skew tolerance in seconds.
    #[serde(alias = "leeway")]
    pub clock_tolerance: Option<u64>,
    /// Issuer-JWT algorithms (default `["RS256"]`).
    pub algorithms: Option<Vec<String>>,
    /// Accepted issuer-JWT `typ` values (default `dc+sd-jwt` and `vc+sd-jwt`).
    pub types: Option<Vec<String>>,
    /// Require `exp` (default true).
    pub require_exp: Option<bool>,
    /// Required key binding: the expected KB-JWT `nonce` and `aud`.
    pub key_binding: Option<KeyBindingJson>,
    /// KB-JWT algorithms (default ES256, EdDSA, RS256, PS256).
    pub kb_algorithms: Option<Vec<String>>,
    /// Largest accepted KB-JWT age in seconds (default 300).
    pub kb_max_age: Option<u64>,
    /// Size limit of the presentation in bytes (default 64 KiB).
    pub max_presentation_bytes: Option<usize>,
    /// Limit on the number of disclosures (default 256).
    pub max_disclosures: Option<usize>,
}

/// The key binding a verifier requires.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct KeyBindingJson {
    /// The verifier's nonce.
    pub nonce: String,
    /// The verifier's identifier (`aud`).
    pub audience: String,
}

fn parse_algorithms(names: Option<Vec<String>>, default: Vec<Algorithm>) -> Result<Vec<Algorithm>> {
    match names {
        None => Ok(default),
        Some(names) if names.is_empty() => {
            Err(invalid_options("an algorithm list must not be empty"))
        }
        Some(names) => names
            .iter()
            .map(|n| {
                Algorithm::from_name(n)
                    .ok_or_else(|| invalid_options(format!("unknown algorithm {n:?}")))
            })
            .collect(),
    }
}

fn issuer_policy(issuer: Option<String>, any: bool) -> Result<IssuerPolicy> {
    match (issuer, any) {
        (Some(_), true) => Err(invalid_options(
            "give either \"issuer\" or \"anyIssuer\", not both",
        )),
        (Some(issuer), false) => Ok(IssuerPolicy::Expect(issuer)),
        (None, true) => Ok(IssuerPolicy::Any),
        (None, false) => Err(invalid_options(
            "an expected issuer is required: give \"issuer\" or \"anyIssuer\": true",
        )),
    }
}

impl SdJwtVerifyOptionsJson {
    /// Validates and converts into typed options.
    pub fn into_options(self) -> Result<crate::sdjwt::SdJwtVerifyOptions> {
        use crate::sdjwt::{KeyBindingPolicy, SdJwtVerifyOptions};
        let now = self
            .now
            .ok_or_else(|| invalid_options("\"now\" (Unix seconds) is required"))?;
        let mut options =
            SdJwtVerifyOptions::new(issuer_policy(self.issuer, self.any_issuer)?, now);
        options.leeway = self.clock_tolerance.unwrap_or(0);
        options.algorithms = parse_algorithms(self.algorithms, options.algorithms)?;
        options.kb_algorithms = parse_algorithms(self.kb_algorithms, options.kb_algorithms)?;
        if let Some(types) = self.types {
            options.types = types;
        }
        if let Some(require_exp) = self.require_exp {
            options.require_exp = require_exp;
        }
        if let Some(age) = self.kb_max_age {
            options.kb_max_age = age;
        }
        if let Some(limit) = self.max_presentation_bytes {
            options.max_presentation_bytes = limit;
        }
        if let Some(limit) = self.max_disclosures {
            options.max_disclosures = limit;
        }
        options.key_binding = match self.key_binding {
            None => KeyBindingPolicy::NotRequired,
            Some(KeyBindingJson { nonce, audience }) => {
                KeyBindingPolicy::Required { nonce, audience }
            }
        };
        Ok(options)
    }
}

/// JSON form of a verified SD-JWT presentation.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VerifiedSdJwtJson {
    /// Issuer-JWT `alg`, `kid` and `typ`.
    pub header: serde_json::Value,
    /// The processed payload.
    pub claims: serde_json::Value,
    /// The processed `vc.credentialSubject` (upstream `disclosedClaims`) for the `vc+sd-jwt` profile.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disclosed_claims: Option<serde_json::Value>,
    /// `_sd_alg` of the credential.
    pub hash_alg: crate::sdjwt::HashAlg,
    /// Whether a KB-JWT was present and verified.
    pub key_bound: bool,
    /// The KB-JWT's `nonce`, `aud` and `iat`, when present.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_binding: Option<serde_json::Value>,
}

impl From<crate::sdjwt::VerifiedSdJwt> for VerifiedSdJwtJson {
    fn from(v: crate::sdjwt::VerifiedSdJwt) -> Self {
        VerifiedSdJwtJson {
            header: serde_json::json!({"alg": v.header.alg.name(), "kid": v.header.kid, "typ": v.header.typ}),
            claims: v.claims,
            disclosed_claims: v.disclosed_claims,
            hash_alg: v.hash_alg,
            key_bound: v.key_bound,
            key_binding: v.key_binding.map(|kb| {
                serde_json::json!({"nonce": kb.nonce, "audience": kb.audience, "issuedAt": kb.issued_at})
            }),
        }
    }
}

fn parse_request<T: serde::de::DeserializeOwned>(json: &str) -> Result<T> {
    serde_json::from_str(json).map_err(|e| {
        Error::new(
            ErrorCode::InvalidInput,
            format!("request is not valid: {e}"),
        )
    })
}

fn parse_options<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> Result<T> {
    serde_json::from_value(value)
        .map_err(|e| invalid_options(format!("options are not valid: {e}")))
}

fn key_set_from_value(jwks: &serde_json::Value) -> Result<KeySet> {
    let serde_json::Value::Object(map) = jwks else {
        return Err(Error::new(
            ErrorCode::InvalidJwks,
            "\"jwks\" must be a JWKS object",
        ));
    };
    KeySet::from_jwks_map(map, crate::crypto::Backend::DEFAULT)
}

/// Verifies an SD-JWT presentation with an already built key set; options and answer as JSON
/// (the value is a [`VerifiedSdJwtJson`]).
pub fn verify_sd_jwt_with_keys_json(
    keys: &KeySet,
    presentation: &str,
    options_json: &str,
) -> String {
    answer_json((|| {
        let options: SdJwtVerifyOptionsJson = parse_options(
            serde_json::from_str(options_json)
                .map_err(|e| invalid_options(format!("options are not JSON: {e}")))?,
        )?;
        let verified =
            crate::sdjwt::verify_presentation(keys, presentation, &options.into_options()?)?;
        Ok(VerifiedSdJwtJson::from(verified))
    })())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct VerifySdJwtRequest {
    jwks: serde_json::Value,
    presentation: String,
    options: serde_json::Value,
}

/// Verifies a self-contained request `{"jwks":…,"presentation":…,"options":…}`; answer as JSON.
pub fn verify_sd_jwt_json(request_json: &str) -> String {
    answer_json((|| {
        let request: VerifySdJwtRequest = parse_request(request_json)?;
        let options: SdJwtVerifyOptionsJson = parse_options(request.options)?;
        let keys = key_set_from_value(&request.jwks)?;
        let verified = crate::sdjwt::verify_presentation(
            &keys,
            &request.presentation,
            &options.into_options()?,
        )?;
        Ok(VerifiedSdJwtJson::from(verified))
    })())
}

/// A claim path given as dotted text (`"credentialSubject.scopes"`) or as explicit segments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ClaimPathJson {
    /// Dotted text.
    Dotted(String),
    /// Explicit segments (names, or array indices as decimal strings).
    Segments(Vec<String>),
}

impl From<ClaimPathJson> for crate::sdjwt::ClaimPath {
    fn from(p: ClaimPathJson) -> Self {
        match p {
            ClaimPathJson::Dotted(text) => crate::sdjwt::ClaimPath::parse(&text),
            ClaimPathJson::Segments(segments) => crate::sdjwt::ClaimPath::new(segments),
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct PresentSdJwtRequest {
    sd_jwt: String,
    disclose: Vec<ClaimPathJson>,
}

/// Builds a holder presentation (no key binding) from `{"sdJwt":…,"disclose":[paths]}`; the answer value is
/// the presentation string.
pub fn present_sd_jwt_json(request_json: &str) -> String {
    answer_json((|| {
        let request: PresentSdJwtRequest = parse_request(request_json)?;
        let paths: Vec<crate::sdjwt::ClaimPath> =
            request.disclose.into_iter().map(Into::into).collect();
        crate::sdjwt::present(&request.sd_jwt, &paths)
    })())
}

/// JSON form of [`crate::vc::VcVerifyOptions`] (camelCase; unknown fields rejected).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VcVerifyOptionsJson {
    /// Current time, Unix seconds (required).
    pub now: Option<u64>,
    /// Trusted issuer DIDs (required, non-empty).
    #[serde(default)]
    pub trusted_issuers: Vec<String>,
    /// Accepted credential types (default: the three Grantex types).
    pub expected_types: Option<Vec<String>>,
    /// Accepted algorithms (default `["RS256"]`).
    pub algorithms: Option<Vec<String>>,
    /// Clock skew tolerance in seconds.
    #[serde(alias = "leeway")]
    pub clock_tolerance: Option<u64>,
    /// Fail when a referenced status list is not provided (default true).
    pub status_required: Option<bool>,
    /// Required prefix of every `statusListCredential` URL.
    pub status_url_prefix: Option<String>,
    /// Require an expiry (default true).
    pub require_expiry: Option<bool>,
}

impl VcVerifyOptionsJson {
    /// Validates and converts into typed options.
    pub fn into_options(self) -> Result<crate::vc::VcVerifyOptions> {
        let now = self
            .now
            .ok_or_else(|| invalid_options("\"now\" (Unix seconds) is required"))?;
        let mut options = crate::vc::VcVerifyOptions::new(self.trusted_issuers, now);
        if let Some(types) = self.expected_types {
            options.expected_types = types;
        }
        options.algorithms = parse_algorithms(self.algorithms, options.algorithms)?;
        options.leeway = self.clock_tolerance.unwrap_or(0);
        if let Some(required) = self.status_required {
            options.status_required = required;
        }
        options.status_url_prefix = self.status_url_prefix;
        if let Some(required) = self.require_expiry {
            options.require_expiry = required;
        }
        Ok(options)
    }
}

/// A status list handed over in JSON, already verified by the caller as coming from its issuer:
///
/// * a W3C `encodedList` string (one bit per entry);
/// * an object with `encodedList` (and optional `statusSize`): a W3C credential subject;
/// * an object with `bits` and `lst` (other members such as `aggregation_uri` ignored, as the IETF draft
///   allows): an IETF `status_list` claim.
///
/// Anything else, and any malformed list, is [`ErrorCode::InvalidStatusList`] — decided by the status
/// module, so every binding reports list problems with the same code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct StatusListJson(pub serde_json::Value);

impl StatusListJson {
    /// Decodes the list with the default bounds.
    pub fn decode(&self) -> Result<crate::status::StatusList> {
        use crate::status::{BitstringStatusList, StatusListLimits, TokenStatusList};
        let invalid = |m: &str| Error::new(ErrorCode::InvalidStatusList, m);
        match &self.0 {
            serde_json::Value::String(encoded) => Ok(BitstringStatusList::decode(encoded)?.into()),
            serde_json::Value::Object(map) if map.contains_key("encodedList") => {
                let encoded = map
                    .get("encodedList")
                    .and_then(serde_json::Value::as_str)
                    .ok_or_else(|| invalid("\"encodedList\" must be a string"))?;
                let status_size = match map.get("statusSize") {
                    None => 1,
                    Some(v) => v
                        .as_u64()
                        .and_then(|n| u8::try_from(n).ok())
                        .ok_or_else(|| invalid("\"statusSize\" must be a small integer"))?,
                };
                Ok(BitstringStatusList::decode_with(
                    encoded,
                    status_size,
                    &StatusListLimits::default(),
                )?
                .into())
            }
            value @ serde_json::Value::Object(_) => {
                Ok(TokenStatusList::from_status_list_claim(value)?.into())
            }
            _ => Err(invalid(
                "a status list is an encodedList string or a list object",
            )),
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct VerifyCredentialRequest {
    jwks: serde_json::Value,
    credential: String,
    options: serde_json::Value,
    #[serde(default)]
    status_lists: std::collections::HashMap<String, StatusListJson>,
}

fn verify_credential_request(request_json: &str) -> Result<crate::vc::VerifiedCredential> {
    let request: VerifyCredentialRequest = parse_request(request_json)?;
    let options: VcVerifyOptionsJson = parse_options(request.options)?;
    let options = options.into_options()?;
    let keys = key_set_from_value(&request.jwks)?;
    let mut lists = std::collections::HashMap::with_capacity(request.status_lists.len());
    for (uri, list) in request.status_lists {
        lists.insert(uri, list.decode()?);
    }
    let source = if lists.is_empty() {
        crate::vc::StatusSource::None
    } else {
        crate::vc::StatusSource::Lists(&lists)
    };
    crate::vc::verify_credential(&keys, &request.credential, &options, source)
}

/// Verifies a VC-JWT from `{"jwks":…,"credential":…,"options":…,"statusLists":{url: list}}`; the answer
/// value is a [`crate::vc::VerifiedCredential`].
pub fn verify_credential_json(request_json: &str) -> String {
    answer_json(verify_credential_request(request_json))
}

/// As [`verify_credential_json`], but answers in upstream's `POST /v1/credentials/verify` shape
/// (`{valid, vcId, payload, …}` / `{valid:false, error, …}`) with the compatibility keys of IMPROVEMENTS.md
/// item 29. Never an error answer: failures are `valid:false`.
pub fn verify_credential_upstream_json(request_json: &str) -> String {
    crate::vc::upstream_verify_response(&verify_credential_request(request_json)).to_string()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct StatusCheckRequest {
    list: StatusListJson,
    index: u64,
}

/// Reads one entry of a status list: `{"list":{…},"index":n}` → value `{"status":n}`; the caller decides
/// what a non-zero status means (see [`crate::status::check_status_value`]).
pub fn status_list_get_json(request_json: &str) -> String {
    answer_json((|| {
        let request: StatusCheckRequest = parse_request(request_json)?;
        let status = request.list.decode()?.get_status(request.index)?;
        Ok(serde_json::json!({ "status": status }))
    })())
}

/// Verifies an audit hash chain given as the JSON text of an entry array; the answer value is the
/// [`crate::audit::ChainReport`] (a broken chain is a report with `valid:false`, not an error).
pub fn verify_audit_chain_json(entries_json: &str) -> String {
    answer_json(crate::audit::verify_chain_json(entries_json))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct StatusListCredentialRequest {
    jwks: serde_json::Value,
    credential: String,
    now: u64,
    trusted_issuers: Vec<String>,
    #[serde(default)]
    expected_id: Option<String>,
}

/// Verifies a signed status-list credential (VC-JWT of a StatusList2021 / BitstringStatusList credential)
/// from `{"jwks","credential","now","trustedIssuers","expectedId"?}`; the answer value is
/// `{"encodedList","statusSize","purposes","size"}`, ready to hand to [`status_list_get_json`] or a VC
/// verification's `statusLists`.
pub fn verify_status_list_credential_json(request_json: &str) -> String {
    answer_json((|| {
        let request: StatusListCredentialRequest = parse_request(request_json)?;
        let keys = key_set_from_value(&request.jwks)?;
        let mut options =
            crate::vc::StatusListVerifyOptions::new(request.trusted_issuers, request.now);
        options.expected_id = request.expected_id;
        let list = crate::vc::verify_status_list_credential(&keys, &request.credential, &options)?;
        Ok(serde_json::json!({
            "encodedList": list.encode()?,
            "statusSize": list.status_size(),
            "purposes": list.purposes(),
            "size": list.len(),
        }))
    })())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct StatusListTokenRequest {
    jwks: serde_json::Value,
    token: String,
    now: u64,
}

/// Verifies a signed IETF status-list token (`typ: statuslist+jwt`) from `{"jwks","token","now"}`; the
/// answer value is `{"subject","issuedAt","expiresAt"?,"ttl"?,"statusList":{"bits","lst"}}`.
pub fn verify_status_list_token_json(request_json: &str) -> String {
    answer_json((|| {
        let request: StatusListTokenRequest = parse_request(request_json)?;
        let keys = key_set_from_value(&request.jwks)?;
        let token = crate::vc::verify_status_list_token(&keys, &request.token, request.now)?;
        Ok(serde_json::json!({
            "subject": token.subject,
            "issuedAt": token.issued_at,
            "expiresAt": token.expires_at,
            "ttl": token.ttl,
            "statusList": token.list.to_status_list_claim()?,
        }))
    })())
}

// ---------------------------------------------------------------------------------------------------------
// DIDs (PROTOCOL.md §1.5): the same answers every binding gives for tests/vectors/did.json.
// ---------------------------------------------------------------------------------------------------------

/// The URL of a `did:web` DID's document (`did:web:example.com%3A8443:a` →
/// `https://example.com:8443/a/did.json`); the answer value is the URL string.
pub fn did_web_to_url_json(did: &str) -> String {
    answer_json(crate::did::did_web_to_url(did))
}

/// The `did:web` DID of a base URL (`https://example.com:8443/a` → `did:web:example.com%3A8443:a`); the
/// answer value is the DID string.
pub fn did_web_from_url_json(url: &str) -> String {
    answer_json(crate::did::did_web_from_url(url))
}

/// Resolves a `did:key` (Ed25519 or P-256) offline; the answer value is its public JWK (`kty`, `crv`, `x`,
/// and `y` for P-256).
pub fn did_key_to_jwk_json(did: &str) -> String {
    answer_json(crate::did::did_key_to_jwk(did).map(|jwk| crate::did::public_jwk_members(&jwk)))
}

/// The agent id of an agent DID (`did:grantex:ag_<ULID>` → `ag_<ULID>`); the answer value is the id string.
pub fn agent_did_to_id_json(did: &str) -> String {
    answer_json(crate::did::AgentDid::parse(did).map(|d| d.agent_id().to_owned()))
}

/// The agent DID of an agent id (`ag_<ULID>` → `did:grantex:ag_<ULID>`); the answer value is the DID string.
pub fn agent_id_to_did_json(agent_id: &str) -> String {
    answer_json(crate::did::AgentDid::from_agent_id(agent_id).map(|d| d.as_str().to_owned()))
}

/// A DID document as a JSON object or as its exact JSON text (the text form keeps duplicate-member
/// detection).
#[derive(Deserialize)]
#[serde(untagged)]
enum DocumentJson {
    Text(String),
    Object(serde_json::Map<String, serde_json::Value>),
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DidDocumentKeyRequest {
    did: String,
    document: DocumentJson,
    reference: String,
    #[serde(default)]
    purpose: Option<String>,
}

/// Looks up a verification key in a resolved DID document: request
/// `{"did","document": object | JSON text,"reference","purpose"?}` where `reference` is a DID URL,
/// `#fragment` or bare key id and `purpose` a verification relationship name (`assertionMethod`,
/// `authentication`, …; absent = any). The answer value is the key's public JWK members (`kty`, `crv`/`x`/`y`
/// or `n`/`e`, plus `kid` and `alg` when set). Errors: `INVALID_DID` for a document that does not match
/// `did` or a reference it does not hold for that purpose, `INVALID_INPUT` for a malformed request or an
/// unknown purpose name.
pub fn did_document_key_json(request_json: &str) -> String {
    answer_json((|| {
        let request: DidDocumentKeyRequest = parse_request(request_json)?;
        let purpose = match request.purpose.as_deref() {
            None => None,
            Some(name) => Some(crate::did::Purpose::from_name(name).ok_or_else(|| {
                Error::new(
                    ErrorCode::InvalidInput,
                    format!("unknown verification relationship {name:?}"),
                )
            })?),
        };
        let document = match &request.document {
            DocumentJson::Text(text) => crate::did::DidDocument::from_json(text, &request.did)?,
            DocumentJson::Object(map) => crate::did::DidDocument::from_map(map, &request.did)?,
        };
        let jwk = document.key_for(&request.reference, purpose)?;
        Ok(crate::did::public_jwk_members(&jwk))
    })())
}
